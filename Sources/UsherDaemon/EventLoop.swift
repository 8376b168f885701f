// The daemon's single-threaded loop: libsystemd's sd-event with io (read, or
// read and write), time and signal sources. Each source carries the
// DaemonEvent it reports and hands it to one dispatch closure; sources are
// owned by Swift objects and go away (sd_event_source_unref) when those are dropped.
import CSystemd
import UnitModel
import UsherSys

/// epoll's event bits and CLOCK_MONOTONIC as sd-event takes them (Linux ABI constants).
private let epollIn: UInt32 = 0x001
private let epollOut: UInt32 = 0x004
private let epollErr: UInt32 = 0x008
private let epollHup: UInt32 = 0x010
private let clockMonotonic: clockid_t = 1

/// Userdata for a C callback: the event to report and the loop to report to;
/// a duplex io source also has an event for write readiness.
final class SourceContext {
    let event: DaemonEvent
    let writableEvent: DaemonEvent?
    weak var loop: EventLoop?
    init(event: DaemonEvent, writableEvent: DaemonEvent? = nil, loop: EventLoop) {
        self.event = event
        self.writableEvent = writableEvent
        self.loop = loop
    }
    func fire() { loop?.dispatch(event) }

    /// Readable, hung up or in error reports `event` (the read tells which);
    /// writable reports `writableEvent`. Both can come from one wake-up.
    func fire(revents: UInt32) {
        if revents & (epollIn | epollErr | epollHup) != 0 { loop?.dispatch(event) }
        if let writableEvent, revents & epollOut != 0 { loop?.dispatch(writableEvent) }
    }
}

/// An sd-event source; sd_event_source_unref when cancelled or dropped.
public final class SDEventSource: EventSource {
    private var source: OpaquePointer?
    private let context: SourceContext

    fileprivate init(source: OpaquePointer?, context: SourceContext) {
        self.source = source
        self.context = context
    }

    deinit { cancel() }

    public func setEnabled(_ on: Bool) {
        guard let source else { return }
        _ = sd_event_source_set_enabled(source, on ? Int32(SD_EVENT_ON) : Int32(SD_EVENT_OFF))
    }

    public func setInterest(readable: Bool, writable: Bool) {
        guard let source else { return }
        _ = sd_event_source_set_io_events(source, (readable ? epollIn : 0) | (writable ? epollOut : 0))
    }

    public func cancel() {
        guard let source else { return }
        _ = sd_event_source_set_enabled(source, Int32(SD_EVENT_OFF))
        sd_event_source_unref(source)
        self.source = nil
    }
}

public final class EventLoop: DaemonLoop {
    private(set) var event: OpaquePointer?
    var dispatch: (DaemonEvent) -> Void = { _ in }

    public init() throws {
        var created: OpaquePointer?
        let code = sd_event_new(&created)
        guard code >= 0, let created else { throw SystemError(call: "sd_event_new", errno: -code) }
        event = created
    }

    deinit { sd_event_unref(event) }

    public func setHandler(_ handler: @escaping (DaemonEvent) -> Void) { dispatch = handler }

    public func addIO(fd: Int32, reporting report: DaemonEvent, object: @autoclosure () -> String) throws -> EventSource {
        let context = SourceContext(event: report, loop: self)
        var source: OpaquePointer?
        let code = sd_event_add_io(event, &source, fd, epollIn, { _, _, _, userdata in
            EventLoop.fire(userdata)
        }, Unmanaged.passUnretained(context).toOpaque())
        guard code >= 0 else { throw SystemError(call: "sd_event_add_io", object: object(), errno: -code) }
        return SDEventSource(source: source, context: context)
    }

    public func addDuplexIO(fd: Int32, readable: DaemonEvent, writable: DaemonEvent,
                            object: @autoclosure () -> String) throws -> EventSource {
        let context = SourceContext(event: readable, writableEvent: writable, loop: self)
        var source: OpaquePointer?
        let code = sd_event_add_io(event, &source, fd, epollIn, { _, _, revents, userdata in
            guard let userdata else { return 0 }
            Unmanaged<SourceContext>.fromOpaque(userdata).takeUnretainedValue().fire(revents: revents)
            return 0
        }, Unmanaged.passUnretained(context).toOpaque())
        guard code >= 0 else { throw SystemError(call: "sd_event_add_io", object: object(), errno: -code) }
        return SDEventSource(source: source, context: context)
    }

    public func addTimer(after: TimeSpan, reporting report: DaemonEvent) throws -> EventSource {
        let context = SourceContext(event: report, loop: self)
        var source: OpaquePointer?
        let code = sd_event_add_time_relative(event, &source, clockMonotonic, after.microseconds, 1_000, { _, _, userdata in
            EventLoop.fire(userdata)
        }, Unmanaged.passUnretained(context).toOpaque())
        guard code >= 0 else { throw SystemError(call: "sd_event_add_time_relative", errno: -code) }
        return SDEventSource(source: source, context: context)
    }

    /// sd-event reads the signal from a signalfd, hence it must be blocked.
    public func addSignal(_ signal: Int32) throws -> EventSource {
        let context = SourceContext(event: .signal(signal), loop: self)
        var source: OpaquePointer?
        let code = sd_event_add_signal(event, &source, signal, { _, _, userdata in
            EventLoop.fire(userdata)
        }, Unmanaged.passUnretained(context).toOpaque())
        guard code >= 0 else { throw SystemError(call: "sd_event_add_signal", object: "\(signal)", errno: -code) }
        return SDEventSource(source: source, context: context)
    }

    private static func fire(_ userdata: UnsafeMutableRawPointer?) -> Int32 {
        guard let userdata else { return 0 }
        Unmanaged<SourceContext>.fromOpaque(userdata).takeUnretainedValue().fire()
        return 0
    }

    public func run() throws -> Int32 {
        let code = sd_event_loop(event)
        guard code >= 0 else { throw SystemError(call: "sd_event_loop", errno: -code) }
        return code
    }

    /// Waits up to `timeoutMicroseconds` for events and dispatches those that are
    /// ready, once; false when none came. For tests that drive a loop step by step.
    @discardableResult
    public func runOnce(timeoutMicroseconds: UInt64) throws -> Bool {
        let code = sd_event_run(event, timeoutMicroseconds)
        guard code >= 0 else { throw SystemError(call: "sd_event_run", errno: -code) }
        return code > 0
    }

    public func exit(code: Int32) {
        _ = sd_event_exit(event, code)
    }
}
