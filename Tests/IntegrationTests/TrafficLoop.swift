// Test and benchmark support: a bounded client loop. Several threads each make
// a fixed number of TCP connections, alternating between ports, send a line
// and wait for an answer; every connection ends answered, refused, reset, or
// lost (no answer before the deadline). Used while usherd reloads or re-execs.
import Foundation
import Glibc
import UsherSys

final class TrafficLoop {
    struct Counts: Equatable, CustomStringConvertible {
        var answered = 0
        var refused = 0
        var reset = 0
        var lost = 0
        var total: Int { answered + refused + reset + lost }
        var description: String { "answered \(answered), refused \(refused), reset \(reset), lost \(lost)" }
    }

    private let lock = NSLock()
    private var counts = Counts()
    private let group = DispatchGroup()

    /// Starts `clients` threads of `perClient` connections each, over `ports` in turn.
    init(ports: [UInt16], clients: Int, perClient: Int, answerTimeout: Int32 = 5000) {
        for client in 0..<clients {
            group.enter()
            Thread.detachNewThread { [self] in
                for index in 0..<perClient {
                    let outcome = TrafficLoop.exchange(port: ports[(client + index) % ports.count], timeout: answerTimeout)
                    lock.withLock { counts[keyPath: outcome] += 1 }
                }
                group.leave()
            }
        }
    }

    /// The counts so far.
    var sofar: Counts { lock.withLock { counts } }

    /// Waits for every client to finish; the final counts.
    func finish(timeout: Double = 60) -> Counts? {
        guard group.wait(timeout: .now() + timeout) == .success else { return nil }
        return sofar
    }

    private static func exchange(port: UInt16, timeout: Int32) -> WritableKeyPath<Counts, Int> {
        guard let address = SocketAddress.ipv4("127.0.0.1", port: port),
              let fd = try? Socket.open(family: AF_INET, kind: .stream, object: "client") else { return \.lost }
        do {
            try Socket.connect(fd, to: address)
        } catch let error as SystemError {
            return error.errno == ECONNREFUSED ? \.refused : \.reset
        } catch {
            return \.lost
        }
        guard (try? BlockingIO.writeAll(fd.raw, Array("ping\n".utf8))) != nil else { return \.reset }
        guard BlockingIO.waitReadable(fd.raw, milliseconds: timeout) else { return \.lost }
        var byte: UInt8 = 0
        let got = read(fd.raw, &byte, 1)
        if got == 1 { return \.answered }
        return got == 0 || errno == ECONNRESET ? \.reset : \.lost
    }
}
