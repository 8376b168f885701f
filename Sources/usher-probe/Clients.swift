// usher-probe as a watchdog client and as a D-Bus service. sd_watchdog_enabled() reads WATCHDOG_USEC
// (and checks WATCHDOG_PID is this process), then WATCHDOG=1 is sent every half
// interval, a given number of times; after that the probe stays silent so the
// supervisor's watchdog must fire. BusName.own takes a name on the system bus.
import CSystemd
import Foundation

enum Watchdog {
    static func ping(times: Int) {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else {
            FileHandle.standardError.write(Data("usher-probe: watchdog not enabled for this process\n".utf8))
            return
        }
        for _ in 0..<times {
            _ = sd_notify(0, "WATCHDOG=1")
            Thread.sleep(forTimeInterval: Double(usec) / 2_000_000)
        }
    }
}

/// usher-probe as a Type=dbus service: libsystemd's sd-bus takes a well-known name on the system bus.
enum BusName {
    static func own(_ name: String) -> OpaquePointer? {
        var bus: OpaquePointer?
        let opened = sd_bus_open_system(&bus)
        let requested = opened < 0 ? opened : sd_bus_request_name(bus, name, 0)
        guard requested >= 0 else {
            FileHandle.standardError.write(Data("usher-probe: cannot own \(name): \(String(cString: strerror(-requested)))\n".utf8))
            return nil
        }
        return bus
    }
}
