// What the daemon needs from its event loop, as a protocol: io, timer and
// signal sources that report a DaemonEvent, and an exit. EventLoop (sd-event)
// is the one usherd runs; DaemonTests drive the daemon with an in-memory loop
// whose sources the test fires by hand.
import UnitModel

/// A registered source; dropping the last reference cancels it.
public protocol EventSource: AnyObject {
    /// Turns a source on or off (listeners stop being watched this way).
    func setEnabled(_ on: Bool)
    /// What a duplex io source watches; hang-ups and errors are reported even with neither.
    func setInterest(readable: Bool, writable: Bool)
    func cancel()
}

public protocol DaemonLoop: AnyObject {
    /// Where every event goes; set once by the daemon before the loop runs.
    func setHandler(_ handler: @escaping (DaemonEvent) -> Void)
    /// Reports `report` while `fd` is readable; `object` names it in errors (built only for one).
    func addIO(fd: Int32, reporting report: DaemonEvent, object: @autoclosure () -> String) throws -> EventSource
    /// Reports `readable` when `fd` can be read or hung up, `writable` when it can be
    /// written; starts watching for reading only (see EventSource.setInterest).
    func addDuplexIO(fd: Int32, readable: DaemonEvent, writable: DaemonEvent, object: @autoclosure () -> String) throws -> EventSource
    /// A one-shot timer `after` from now on CLOCK_MONOTONIC.
    func addTimer(after: TimeSpan, reporting report: DaemonEvent) throws -> EventSource
    /// Reports `acquired` when `busName` has an owner on the system bus ($DBUS_SYSTEM_BUS_ADDRESS), `lost` when it loses it.
    func addBusNameWatch(_ busName: String, acquired: DaemonEvent, lost: DaemonEvent) throws -> EventSource
    /// Reports `.signal(signal)`; the signal must already be blocked.
    func addSignal(_ signal: Int32) throws -> EventSource
    /// Dispatches until `exit(code:)`; returns that code.
    func run() throws -> Int32
    func exit(code: Int32)
}
