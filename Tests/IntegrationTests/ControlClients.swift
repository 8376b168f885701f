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

extension UsherdHarness {
    /// Runs, under `setpriv` with `credentials`, a Python client that opens
    /// `count` idle control connections and counts `busy` answers until
    /// `expected` came (or 3 s passed) and 200 ms bring no other answer. It
    /// prints the count and holds its connections until its stdin closes.
    func idleConnectionsAs(_ credentials: [String], count: Int, expectedBusy: Int) throws -> IdleClients {
        let script = root + "/idle-clients.py"
        try """
            import json, select, socket, struct, sys, time
            path, count, expected = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            socks = []
            for _ in range(count):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                socks.append(s)
            busy, deadline = 0, time.time() + 3
            while time.time() < deadline:
                wait = 0.2 if busy >= expected else 0.05
                ready, _, _ = select.select(socks, [], [], wait)
                if not ready and busy >= expected:
                    break
                for s in ready:
                    data = s.recv(65536)
                    if data and json.loads(data[4:]).get("error", {}).get("kind") == "busy":
                        busy += 1
                    socks.remove(s)
            print(busy, flush=True)
            sys.stdin.read()
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = credentials + ["/usr/bin/python3", script, controlPath, String(count), String(expectedBusy)]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        return IdleClients(process: process, input: input, busy: Int(line.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}

/// The idle-connection client of idleConnectionsAs: how many got `busy`; release() lets it exit.
struct IdleClients {
    let process: Process
    let input: Pipe
    let busy: Int?

    func release() throws {
        try input.fileHandleForWriting.close()
        try eventually("the idle client to exit", timeout: 5) { !process.isRunning }
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
