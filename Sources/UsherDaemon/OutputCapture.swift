// Services' stdout/stderr pipes: each read end is watched by the loop, read
// in bounded chunks so a flooding service cannot starve other events, split
// into lines that are logged with the unit name and kept in the unit's
// bounded OutputRing. A pipe is dropped at EOF (the last writer is gone).
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
    private var nextSerial: UInt64 = 0
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func attach(_ fd: OwnedFD, stream: String, unit: UnitName, loop: EventLoop) throws {
        nextSerial += 1
        let id = OutputID(serial: nextSerial)
        let source = try loop.addIO(fd: fd.raw, reporting: .outputReadable(id), object: "\(unit) \(stream)")
        pipes[id] = Pipe(unit: unit, stream: stream, fd: fd, source: source)
    }

    func readable(_ id: OutputID) {
        guard let pipe = pipes[id] else { return }
        switch pipe.fd.readAvailable(limit: OutputCapture.chunk) {
        case .data(let bytes):
            let lines = rings["\(pipe.unit) \(pipe.stream)", default: OutputRing()].append(bytes)
            for line in lines { log(line, pipe) }
        case .wouldBlock:
            return
        case .endOfFile:
            if let last = rings["\(pipe.unit) \(pipe.stream)", default: OutputRing()].finish() { log(last, pipe) }
            pipe.source.cancel()
            pipes[id] = nil
        }
    }

    /// The newest captured lines of a unit, oldest first.
    func recentLines(of unit: UnitName) -> [String] {
        ["stdout", "stderr"].flatMap { rings["\(unit) \($0)"]?.contents ?? [] }
    }

    private func log(_ line: String, _ pipe: Pipe) {
        logger.info("\(line)", metadata: ["unit": "\(pipe.unit)", "stream": "\(pipe.stream)"])
    }

    var openPipes: Int { pipes.count }
}
