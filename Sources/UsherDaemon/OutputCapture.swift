// Services' stdout/stderr pipes: each read end is watched by the loop, read
// in bounded chunks so a flooding service cannot starve other events, split
// into lines kept in the unit's bounded OutputRing, and logged escaped with
// the unit name under journald's per-unit rate limit (LogRateLimits). A pipe
// is dropped at EOF (the last writer is gone).
import Activation
import Logging
import UnitModel
import UsherSys

final class OutputCapture {
    private struct Pipe {
        var unit: UnitName
        var stream: String
        var fd: OwnedFD
        var source: EventSource
    }

    /// Bytes read per wakeup and pipe: bounded, so other sources get their turn.
    static let chunk = 65_536
    private var pipes: [OutputID: Pipe] = [:]
    /// One ring per unit and stream, so stdout and stderr lines never splice.
    private var rings: [String: OutputRing] = [:]
    /// Per unit (stdout and stderr together), as journald counts a unit's messages.
    private var limits = LogRateLimits()
    private var nextSerial: UInt64 = 0
    private let logger: Logger
    private let journal: UnitJournal

    init(logger: Logger, journal: UnitJournal) {
        self.logger = logger
        self.journal = journal
    }

    func attach(_ fd: OwnedFD, stream: String, unit: UnitName, loop: DaemonLoop) throws {
        nextSerial += 1
        let id = OutputID(serial: nextSerial)
        let source = try loop.addIO(fd: fd.raw, reporting: .outputReadable(id), object: "\(unit) \(stream)")
        pipes[id] = Pipe(unit: unit, stream: stream, fd: fd, source: source)
    }

    // The ring keeps every line, also those the rate limit keeps out of the
    // log: it is bounded anyway, and `status` should show the newest output.
    func readable(_ id: OutputID) {
        guard let pipe = pipes[id] else { return }
        let key = "\(pipe.unit) \(pipe.stream)"
        switch pipe.fd.readAvailable(limit: OutputCapture.chunk) {
        case .data(let bytes):
            let lines = rings[key, default: OutputRing()].append(bytes)
            let now = monotonicMicroseconds()
            let wallClock = realtimeMicroseconds()
            for line in lines {
                journal.append(key: pipe.unit.full, unit: pipe.unit.full, source: pipe.stream == "stderr" ? .stderr : .stdout, priority: 6,
                               bytes: line, at: wallClock)
                log(line, pipe, now: now)
            }
        case .wouldBlock:
            return
        case .endOfFile:
            if let last = rings[key, default: OutputRing()].finish() { log(last, pipe, now: monotonicMicroseconds()) }
            logger.logSuppressed(limits.takeSuppressed(pipe.unit), from: pipe.unit)
            pipe.source.cancel()
            pipes[id] = nil
        }
    }

    /// The newest captured lines of a unit, oldest first, escaped.
    func recentLines(of unit: UnitName) -> [String] {
        ["stdout", "stderr"].flatMap { rings["\(unit) \($0)"]?.contents ?? [] }
    }

    private func log(_ line: [UInt8], _ pipe: Pipe, now: UInt64) {
        guard case .log(let suppressed) = limits.admit(pipe.unit, now: now) else { return }
        logger.logSuppressed(suppressed, from: pipe.unit)
        logger.info("\(LogEscaping.escape(bytes: line))", metadata: ["unit": "\(pipe.unit)", "stream": "\(pipe.stream)"])
    }

    /// At shutdown: pipes still open will not reach EOF, so their drops are reported now.
    func reportAllSuppressed() {
        for (unit, count) in limits.takeAllSuppressed() { logger.logSuppressed(count, from: unit) }
    }

    var openPipes: Int { pipes.count }
}
