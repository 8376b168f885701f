// A DaemonLoop that runs only when the test drives it, as swift-nio's
// EmbeddedEventLoop is: it records every source the daemon adds; the test
// fires io and signal sources (only while live and enabled) or dispatches the
// io that is really readable; timers run on a virtual clock that only
// advanceTime(by:) moves, and are one-shot as sd-event's are.
import Glibc
import UnitModel
@testable import UsherDaemon

final class EmbeddedLoop: DaemonLoop {
    enum Kind { case io(fd: Int32), timer(deadline: UInt64), signal, busName(String) }

    final class Source: EventSource {
        let kind: Kind
        let events: [DaemonEvent]
        fileprivate(set) var enabled = true
        fileprivate(set) var cancelled = false

        init(kind: Kind, events: [DaemonEvent]) {
            self.kind = kind
            self.events = events
        }

        func setEnabled(_ on: Bool) { enabled = on }
        func setInterest(readable: Bool, writable: Bool) {}
        func cancel() { cancelled = true }
        var isLive: Bool { enabled && !cancelled }
    }

    /// Weak: a source the daemon drops is gone, as sd_event_source_unref makes it.
    private struct Entry { weak var source: Source? }
    private var entries: [Entry] = []
    private var handler: (DaemonEvent) -> Void = { _ in }
    /// The virtual CLOCK_MONOTONIC, in µs since the loop was made.
    private(set) var now: UInt64 = 0
    private(set) var exitCode: Int32?

    func setHandler(_ handler: @escaping (DaemonEvent) -> Void) { self.handler = handler }

    func addIO(fd: Int32, reporting report: DaemonEvent, object: @autoclosure () -> String) throws -> EventSource {
        register(Source(kind: .io(fd: fd), events: [report]))
    }

    func addDuplexIO(fd: Int32, readable: DaemonEvent, writable: DaemonEvent, object: @autoclosure () -> String) throws -> EventSource {
        register(Source(kind: .io(fd: fd), events: [readable, writable]))
    }

    func addTimer(after: TimeSpan, reporting report: DaemonEvent) throws -> EventSource {
        register(Source(kind: .timer(deadline: now + after.microseconds), events: [report]))
    }

    func addSignal(_ signal: Int32) throws -> EventSource {
        register(Source(kind: .signal, events: [.signal(signal)]))
    }

    func addBusNameWatch(_ busName: String, acquired: DaemonEvent, lost: DaemonEvent) throws -> EventSource {
        register(Source(kind: .busName(busName), events: [acquired, lost]))
    }

    func run() throws -> Int32 { exitCode ?? 0 }
    func exit(code: Int32) { exitCode = code }

    private func register(_ source: Source) -> Source {
        entries.removeAll { $0.source == nil }
        entries.append(Entry(source: source))
        return source
    }

    private var liveSources: [Source] { entries.compactMap(\.source).filter(\.isLive) }

    // MARK: driving

    /// Whether a live, enabled io source reports `event` (a watched listener, say).
    func isWatching(_ event: DaemonEvent) -> Bool {
        liveSources.contains { source in
            guard case .io = source.kind else { return false }
            return source.events.contains(event)
        }
    }

    /// Dispatches the readable event of every live io source whose fd polls
    /// readable, round after round as a level-triggered loop would, until none
    /// is (at most `rounds` rounds). Writability is not dispatched.
    func dispatchReadableIO(rounds: Int = 100) {
        for _ in 0..<rounds {
            let ready = liveSources.filter { source in
                guard case .io(let fd) = source.kind else { return false }
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                return poll(&entry, 1, 0) > 0
            }
            guard !ready.isEmpty else { return }
            for source in ready where source.isLive { handler(source.events[0]) }
        }
    }

    /// Dispatches `event` as a ready io source would; false (and nothing
    /// dispatched) when no live, enabled io source reports it.
    @discardableResult
    func fireIO(_ event: DaemonEvent) -> Bool {
        guard isWatching(event) else { return false }
        handler(event)
        return true
    }

    /// Delivers `signal` if a live signal source takes it; false otherwise.
    @discardableResult
    func raise(_ signal: Int32) -> Bool {
        let watched = liveSources.contains { source in
            guard case .signal = source.kind else { return false }
            return source.events == [.signal(signal)]
        }
        if watched { handler(.signal(signal)) }
        return watched
    }

    /// The µs until each live timer reporting `event` fires.
    func timers(reporting event: DaemonEvent) -> [UInt64] {
        liveSources.compactMap { source in
            guard case .timer(let deadline) = source.kind, source.events == [event] else { return nil }
            return deadline - min(deadline, now)
        }
    }

    /// Moves the virtual clock forward, firing each due timer at its deadline, earliest first.
    func advanceTime(by span: TimeSpan) {
        let target = now + span.microseconds
        while let (source, deadline) = nextTimer(dueBy: target) {
            now = max(now, deadline)
            source.enabled = false
            handler(source.events[0])
        }
        now = target
    }

    private func nextTimer(dueBy target: UInt64) -> (Source, UInt64)? {
        let due = liveSources.compactMap { source -> (Source, UInt64)? in
            guard case .timer(let deadline) = source.kind, deadline <= target else { return nil }
            return (source, deadline)
        }
        return due.min { $0.1 < $1.1 }
    }
}
