// Services' and Accept=yes instances' stdout/stderr pipes: each read end is
// watched by the loop, read in bounded chunks so a flooding service cannot
// starve other events, split into lines (OutputRing) that go to the unit's
// journal and are logged escaped under the unit's (or instance's) name, within
// journald's per-unit rate limit (LogRateLimits). A pipe is dropped at EOF.
import Activation
import ControlProtocol
import Logging
import UnitModel
import UsherSys

final class OutputCapture {
    private struct Pipe {
        /// Whose output it is: a service, or an Accept=yes instance by its own name.
        var unit: UnitName
        /// The journal ring and rate limit it counts against (an instance's template).
        var journalKey: UnitName
        var stream: String
        var fd: OwnedFD
        var source: EventSource
        /// Splits the pipe's bytes into lines; the journal keeps them.
        var ring = OutputRing(capacity: 1, byteBudget: OutputRing.lineMax)
    }

    /// Bytes read per wakeup and pipe: bounded, so other sources get their turn.
    static let chunk = 65_536
    private var pipes: [OutputID: Pipe] = [:]
    /// Per unit (stdout and stderr together; an instance with its template), as journald counts a unit's messages.
    private var limits = LogRateLimits()
    private var nextSerial: UInt64 = 0
    private let logger: Logger
    private let journal: UnitJournal

    init(logger: Logger, journal: UnitJournal) {
        self.logger = logger
        self.journal = journal
    }

    /// Watches `fd`, the read end of `unit`'s `stream`; `journalKey` defaults to the unit.
    func attach(_ fd: OwnedFD, stream: String, unit: UnitName, journalKey: String? = nil, loop: DaemonLoop) throws {
        nextSerial += 1
        let id = OutputID(serial: nextSerial)
        let source = try loop.addIO(fd: fd.raw, reporting: .outputReadable(id), object: "\(unit) \(stream)")
        pipes[id] = Pipe(unit: unit, journalKey: journalKey.map(UnitName.init) ?? unit, stream: stream, fd: fd,
                         source: source)
    }

    /// Every open pipe (its fd still owned here), for re-exec (ReexecState).
    var saved: [SavedOutput] {
        pipes.values.map { SavedOutput(unit: $0.unit, journalKey: $0.journalKey, stream: $0.stream, fd: $0.fd.raw) }
    }

    // The journal keeps every line, also those the rate limit keeps out of the
    // log: it is bounded anyway, and `status` should show the newest output.
    func readable(_ id: OutputID) {
        guard var pipe = pipes[id] else { return }
        switch pipe.fd.readAvailable(limit: OutputCapture.chunk) {
        case .data(let bytes):
            let lines = pipe.ring.append(bytes)
            pipes[id] = pipe
            record(lines, pipe)
        case .wouldBlock:
            return
        case .endOfFile:
            if let last = pipe.ring.finish() { record([last], pipe) }
            logger.logSuppressed(limits.takeSuppressed(pipe.journalKey), from: pipe.journalKey)
            pipe.source.cancel()
            pipes[id] = nil
        }
    }

    private func record(_ lines: [[UInt8]], _ pipe: Pipe) {
        guard !lines.isEmpty else { return }
        let now = monotonicMicroseconds()
        let wallClock = realtimeMicroseconds()
        let source: LogLine.Source = pipe.stream == "stderr" ? .stderr : .stdout
        for line in lines {
            journal.append(key: pipe.journalKey.full, unit: pipe.unit.full, source: source, priority: 6, bytes: line,
                           at: wallClock)
            log(line, pipe, now: now)
        }
    }

    private func log(_ line: [UInt8], _ pipe: Pipe, now: UInt64) {
        guard case .log(let suppressed) = limits.admit(pipe.journalKey, now: now) else { return }
        logger.logSuppressed(suppressed, from: pipe.journalKey)
        logger.info("\(LogEscaping.escape(bytes: line))", metadata: ["unit": "\(pipe.unit)", "stream": "\(pipe.stream)"])
    }

    /// At shutdown: pipes still open will not reach EOF, so their drops are reported now.
    func reportAllSuppressed() {
        for (unit, count) in limits.takeAllSuppressed() { logger.logSuppressed(count, from: unit) }
    }

    var openPipes: Int { pipes.count }
}

/// One captured pipe across a re-exec: whose stream it is and its read end's number.
struct SavedOutput: Codable, Equatable {
    var unit: UnitName
    var journalKey: UnitName
    var stream: String
    var fd: Int32
}
