// Test support for the control socket: a raw client that frames a
// ControlRequest (or sends any bytes it is given) and reads one framed
// response with a deadline, and a standard-library Python client that the
// authorization tests run as another uid under setpriv.
import Foundation
import XCTest
import ControlProtocol
import UsherSys

struct RawControlClient {
    let fd: OwnedFD

    static func connect(_ path: String) throws -> RawControlClient {
        let fd = try Socket.open(family: AF_UNIX, kind: .stream, object: "control client")
        try Socket.connect(fd, to: try SocketAddress.unixPath(path))
        return RawControlClient(fd: fd)
    }

    /// Sends all of `bytes`; false when usherd closed the connection first
    /// (EPIPE, ECONNRESET: never SIGPIPE).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd.raw, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Sends `text` as a frame's body, whatever it is (under 256 bytes).
    func sendFramed(_ text: String) {
        let body = Array(text.utf8)
        send([0, 0, 0, UInt8(truncatingIfNeeded: body.count)] + body)
    }

    /// Sends `request` framed; usherd may have answered (busy) and closed before, so read anyway.
    func send(_ request: ControlRequest) throws {
        send(try ControlProtocol.frame(request))
    }

    /// Reads up to `count` bytes, waiting at most until `deadline`; fewer on EOF, reset or timeout.
    func read(_ count: Int, until deadline: Date) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            guard BlockingIO.waitReadable(fd.raw, milliseconds: left) else { return bytes }
            var buffer = [UInt8](repeating: 0, count: min(count - bytes.count, 1 << 20))
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd.raw, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return bytes }
            bytes += buffer.prefix(got)
        }
        return bytes
    }

    /// One framed response within `timeout` seconds.
    func readResponse(timeout: Double = 5) throws -> ControlResponse {
        let deadline = Date().addingTimeInterval(timeout)
        let prefix = read(4, until: deadline)
        guard let length = ControlProtocol.announcedLength(prefix[...]) else {
            throw HarnessError(description: "no response prefix within \(timeout)s (got \(prefix.count) bytes)")
        }
        let body = read(length, until: deadline)
        guard body.count == length else { throw HarnessError(description: "response body cut short: \(body.count) of \(length) bytes") }
        return try ControlProtocol.decode(ControlResponse.self, from: body[...])
    }

    /// Whether usherd closed its end (EOF or reset) within `timeout` seconds; unread data is skipped.
    func isClosedByServer(within timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard BlockingIO.waitReadable(fd.raw, milliseconds: 50) else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd.raw, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return true }
        }
        return false
    }
}

extension UsherdHarness {
    /// The control socket of a harness usherd started without --control-socket.
    var controlPath: String { root + "/rt/" + ControlProtocol.socketName }

    /// Sends `request` on a fresh connection and returns the response.
    func control(_ request: ControlRequest, at path: String? = nil, timeout: Double = 5) throws -> ControlResponse {
        let client = try RawControlClient.connect(path ?? controlPath)
        try client.send(request)
        return try client.readResponse(timeout: timeout)
    }

    /// A Python client (standard library only) that sends argv[2] framed to
    /// the socket argv[1] and prints the response's JSON body.
    func writePythonControlClient() throws -> String {
        let path = root + "/control-client.py"
        try """
            import json, socket, struct, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(sys.argv[1])
            body = sys.argv[2].encode()
            s.sendall(struct.pack(">I", len(body)) + body)
            data = b""
            while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            sys.stdout.write(data[4:].decode())
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs the Python client under `setpriv` with `credentials` (e.g.
    /// `--reuid=65534 --regid=65534 --clear-groups`) and decodes its answer.
    func controlAs(_ credentials: [String], _ request: ControlRequest) throws -> ControlResponse {
        let script = try writePythonControlClient()
        let json = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = credentials + ["/usr/bin/python3", script, controlPath, json]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The client gives up after 5 s per socket call, so this read ends.
        let body = Array(output.fileHandleForReading.readDataToEndOfFile())
        try eventually("the setpriv control client to exit", timeout: 10) { !process.isRunning }
        return try ControlProtocol.decode(ControlResponse.self, from: body[...])
    }
}

/// Skips unless the test can switch uids (root) and run the Python client.
func requireRootAndPython() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root to run clients as other uids") }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
          FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
        throw XCTSkip("needs /usr/bin/python3 and /usr/bin/setpriv")
    }
}
