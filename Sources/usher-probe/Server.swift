// The probe's serving loop: waits on every passed fd until the deadline (or
// just what is pending when the deadline has passed), accepting stream
// connections and answering "ok <fd> <name>\n", echoing "ok\n" to datagrams,
// or answering "ok\n" on fd 0 when started inetd style (fd 0 a connection),
// and serving fd 0 like a passed fd in inetd "wait" style (fd 0 the listener).
// Also the --flood-bytes writer used to test output capture under load.
import Foundation
import UsherSys

struct Server {
    let names: [String]

    func serve(until deadline: Date, report: inout ProbeReport) {
        let fds = names.indices.map { Int32(3 + $0) }
        repeat {
            var served = false
            for (index, fd) in fds.enumerated() where BlockingIO.waitReadable(fd, milliseconds: 0) {
                served = true
                report.record(handle(fd, name: names[index]))
            }
            if !served && Date() >= deadline { return }
            if !served { _ = waitAny(fds, milliseconds: 20) }
        } while true
    }

    /// Inetd style (StandardInput=socket): fd 0 is the connection; read the
    /// request and answer "ok\n" on it. nil when fd 0 is not a connected socket.
    static func answerInetdConnection() -> [String: Any]? {
        guard let type = try? SocketOptionName.type.get(0) else { return nil }
        let listening = (try? SocketOptionName.acceptConnections.get(0)) == 1
        // Inetd "wait" style (Accept=no, StandardInput=socket): fd 0 is the listener itself.
        if listening || type == Int32(SOCK_DGRAM.rawValue) {
            guard BlockingIO.waitReadable(0, milliseconds: 2000) else { return ["action": "none", "fd": 0] }
            return Server(names: []).handle(0, name: "stdin")
        }
        let request = BlockingIO.readSome(0, milliseconds: 200)
        let written = (try? BlockingIO.writeAll(0, Array("ok\n".utf8))) != nil
        return ["action": "write-ok-to-connection", "fd": 0, "result": written ? 3 : -1,
                "request": String(decoding: request, as: UTF8.self)]
    }

    private func waitAny(_ fds: [Int32], milliseconds: Int32) -> Bool {
        fds.contains { BlockingIO.waitReadable($0, milliseconds: milliseconds / Int32(max(1, fds.count))) }
    }

    func handle(_ fd: Int32, name: String) -> [String: Any] {
        let listening = (try? SocketOptionName.acceptConnections.get(fd)) == 1
        guard listening else {
            let data = (try? BlockingIO.echoDatagram(fd, reply: Array("ok\n".utf8))) ?? []
            return ["action": "recvfrom", "fd": Int(fd), "name": name, "data": String(decoding: data, as: UTF8.self)]
        }
        guard let connection = try? Socket.accept(fd) else {
            return ["action": "accept", "fd": Int(fd), "name": name, "result": "failed"]
        }
        let request = BlockingIO.readSome(connection.fd.raw, milliseconds: 200)
        let reply = "ok \(fd) \(name)\n"
        try? BlockingIO.writeAll(connection.fd.raw, Array(reply.utf8))
        return ["action": "accept", "fd": Int(fd), "name": name, "accepted_O_NONBLOCK": connection.fd.isNonBlocking,
                "request": String(decoding: request, as: UTF8.self), "peer": connection.peer.description]
    }
}

enum Flood {
    /// Writes `bytes` of numbered lines to stdout as fast as the pipe takes them.
    static func write(bytes: Int) {
        var written = 0
        var line = 0
        while written < bytes {
            var chunk = ""
            for _ in 0..<256 {
                chunk += "flood line \(line) xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
                line += 1
            }
            let data = Array(chunk.utf8)
            guard (try? BlockingIO.writeAll(1, data)) != nil else { return }
            written += data.count
        }
    }
}
