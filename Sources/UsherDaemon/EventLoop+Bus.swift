// Type=dbus readiness on the sd-event loop: a connection to the system bus
// ($DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket) through
// libsystemd's sd-bus, a NameOwnerChanged match for BusName= and one
// GetNameOwner call for a name that is already owned. A new owner reports the
// acquired event, the name losing its owner the lost one.
import CSystemd
import UsherSys

/// One service's watch; closing it drops the match, the call and the connection.
final class BusNameWatch: EventSource {
    private var bus: OpaquePointer?
    private var matchSlot: OpaquePointer?
    private var callSlot: OpaquePointer?
    private let contexts: BusContexts

    init(busName: String, event: OpaquePointer?, contexts: BusContexts) throws {
        self.contexts = contexts
        var opened: OpaquePointer?
        try check(sd_bus_open_system(&opened), "sd_bus_open_system")
        bus = opened
        try check(sd_bus_attach_event(bus, event, 0), "sd_bus_attach_event")
        let userdata = Unmanaged.passUnretained(contexts).toOpaque()
        let rule = "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
            + "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='\(busName)'"
        try check(sd_bus_add_match_async(bus, &matchSlot, rule, { message, userdata, _ in
            BusNameWatch.ownerChanged(message, userdata)
        }, nil, userdata), "sd_bus_add_match_async")
        try askOwner(busName, userdata: userdata)
    }

    deinit { cancel() }

    private func askOwner(_ busName: String, userdata: UnsafeMutableRawPointer) throws {
        var call: OpaquePointer?
        try check(sd_bus_message_new_method_call(bus, &call, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                 "org.freedesktop.DBus", "GetNameOwner"), "GetNameOwner")
        defer { sd_bus_message_unref(call) }
        try busName.withCString { name in
            try check(sd_bus_message_append_basic(call, CChar(UInt8(ascii: "s")), name), "GetNameOwner")
        }
        try check(sd_bus_call_async(bus, &callSlot, call, { reply, userdata, _ in
            // An error reply (NameHasNoOwner) means: not yet; the match reports it later.
            if sd_bus_message_is_method_error(reply, nil) == 0 { BusNameWatch.fire(userdata, owned: true) }
            return 0
        }, userdata, 0), "GetNameOwner")
    }

    /// NameOwnerChanged(name, old, new): a non-empty new owner is the name appearing.
    private static func ownerChanged(_ message: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
        var strings: [String] = []
        for _ in 0..<3 {
            var value: UnsafePointer<CChar>?
            guard sd_bus_message_read_basic(message, CChar(UInt8(ascii: "s")), &value) > 0, let value else { return 0 }
            strings.append(String(cString: value))
        }
        fire(userdata, owned: !strings[2].isEmpty)
        return 0
    }

    private static func fire(_ userdata: UnsafeMutableRawPointer?, owned: Bool) {
        guard let userdata else { return }
        let contexts = Unmanaged<BusContexts>.fromOpaque(userdata).takeUnretainedValue()
        (owned ? contexts.acquired : contexts.lost).fire()
    }

    func setEnabled(_ on: Bool) {}
    func setInterest(readable: Bool, writable: Bool) {}

    func cancel() {
        matchSlot = sd_bus_slot_unref(matchSlot)
        callSlot = sd_bus_slot_unref(callSlot)
        if let bus { _ = sd_bus_detach_event(bus) }
        bus = sd_bus_flush_close_unref(bus)
    }
}

/// The two events of one watch, as one userdata for the C callbacks.
final class BusContexts {
    let acquired: SourceContext
    let lost: SourceContext
    init(acquired: SourceContext, lost: SourceContext) {
        self.acquired = acquired
        self.lost = lost
    }
}

private func check(_ code: Int32, _ call: String) throws {
    guard code >= 0 else { throw SystemError(call: call, errno: -code) }
}

extension EventLoop {
    public func addBusNameWatch(_ busName: String, acquired: DaemonEvent, lost: DaemonEvent) throws -> EventSource {
        let contexts = BusContexts(acquired: SourceContext(event: acquired, loop: self), lost: SourceContext(event: lost, loop: self))
        return try BusNameWatch(busName: busName, event: event, contexts: contexts)
    }
}
