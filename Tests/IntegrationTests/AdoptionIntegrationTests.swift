// Socket adoption, with the test playing systemd: it binds listeners itself
// and starts usherd with them at 3… and LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES
// (LISTEN_PID set by a shell that then execs usherd). The test keeps its own
// copies open, so usherd binding anew would fail with EADDRINUSE. The fd
// store: the test keeps what usherd stores and gives it to the next usherd.
import Foundation
import Glibc
import XCTest
import UsherSys

final class AdoptionIntegrationTests: XCTestCase {
    private let echo = "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n"

    /// A blocking TCP listener on a free 127.0.0.1 port, as systemd would pass it.
    private func listener() throws -> (OwnedFD, UInt16) {
        let port = try freePort()
        let fd = try Socket.open(family: AF_INET, kind: .stream, object: "test listener")
        try Socket.bind(fd, to: try loopback(port))
        try Socket.listen(fd, backlog: 16, object: "test listener")
        return (fd, port)
    }

    /// usherd with `fds` at 3… (dup2 clears CLOEXEC on the copies), its output in the harness log.
    private func spawnUsherd(_ harness: UsherdHarness, fds: [OwnedFD], names: [String]) throws -> pid_t {
        _ = FileManager.default.createFile(atPath: harness.logPath, contents: nil)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, harness.logPath, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        for (index, fd) in fds.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd.raw, 3 + Int32(index)) }
        let usherd = UsherdHarness.productsDirectory + "/usherd"
        let arguments = ["/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" \"$@\"", usherd, "--unit-dir", harness.unitDirectory,
                         "--runtime-dir", harness.root + "/rt", "--log-level", "debug"]
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LISTEN_") }
            .map { "\($0.key)=\($0.value)" } + ["LISTEN_FDS=\(fds.count)", "LISTEN_FDNAMES=\(names.joined(separator: ":"))"]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        guard code == 0 else { throw SystemError(call: "posix_spawn", errno: code) }
        return pid
    }

    private func stop(_ pid: pid_t) throws {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        try eventually("usherd to exit", timeout: 15) { waitpid(pid, &status, WNOHANG) == pid }
    }

    /// Whether process `pid` has the socket `fd` refers to open (same inode, any fd number).
    private func holds(_ pid: pid_t, _ fd: OwnedFD) -> Bool {
        var info = stat()
        guard fstat(fd.raw, &info) == 0 else { return false }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return entries.contains {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == "socket:[\(info.st_ino)]"
        }
    }

    func testAPassedListenerMatchingAUnitIsAdoptedAndServes() throws {
        let harness = try UsherdHarness()
        let (fd, port) = try listener()
        try harness.write("echo.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n")
        try harness.write("echo@.service", echo)
        let pid = try spawnUsherd(harness, fds: [fd], names: ["web"])
        defer { try? stop(pid) }
        try harness.waitForLog("socket unit(s);")
        try harness.waitForLog("Adopted passed fd 3 (web) for 127.0.0.1:\(port).")
        XCTAssertEqual(try Client.tcp(port: port, send: "adopted\n"), "adopted\n")
        XCTAssertTrue(holds(pid, fd), "usherd has the passed socket open")
        XCTAssertFalse(harness.log.contains("Address already in use"))
    }

    func testAPassedListenerNoUnitMatchesIsClosedWithALogLine() throws {
        let harness = try UsherdHarness()
        let (used, port) = try listener()
        let (unused, otherPort) = try listener()
        try harness.write("echo.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n")
        try harness.write("echo@.service", echo)
        let pid = try spawnUsherd(harness, fds: [used, unused], names: ["web", "stray"])
        defer { try? stop(pid) }
        try harness.waitForLog("Closing passed fd 4 'stray' (127.0.0.1:\(otherPort)): no unit listens there.")
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
        XCTAssertTrue(holds(pid, used))
        XCTAssertFalse(holds(pid, unused), "usherd closed the passed socket no unit took")
    }

    func testAServiceGetsTheAdoptedListenerBlockingAndNoOtherPassedFD() throws {
        let harness = try UsherdHarness()
        let (used, port) = try listener()
        let (unused, _) = try listener()
        try unused.setNonBlocking(true)
        try harness.write("web.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n")
        try harness.write("web.service", "[Service]\nExecStart=\(harness.probeCommand(label: "web", "--wait-ms 3000"))\n")
        let pid = try spawnUsherd(harness, fds: [unused, used], names: ["stray", "web"])
        defer { try? stop(pid) }
        try harness.waitForLog("Adopted passed fd 4 (web) for 127.0.0.1:\(port).")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 web.socket\n")
        let report = try harness.waitForReport(label: "web")
        let fds = report["fds"] as? [[String: Any]] ?? []
        XCTAssertEqual(fds.compactMap { $0["fd"] as? Int }, [0, 1, 2, 3], "no other passed fd reaches the service")
        XCTAssertEqual(fds.last?["sockname"] as? String, "127.0.0.1:\(port)")
        XCTAssertEqual(fds.last?["O_NONBLOCK"] as? Bool, false)
        XCTAssertEqual(report["LISTEN_FDNAMES"] as? String, "web.socket")
    }

    func testListenersInTheFDStoreSurviveASIGKILLAndServeTheClientQueuedMeanwhile() throws {
        let harness = try UsherdHarness()
        let store = try FDStoreReceiver(path: harness.root + "/manager-notify")
        let port = try harness.serve("echo", accept: true, service: echo,
                                     environment: ["NOTIFY_SOCKET": store.path, "FDSTORE": "8"])
        var stored: [OwnedFD] = []
        try eventually("usherd to store its listener", timeout: 10) {
            while let (text, fds) = store.receive() {
                if text == "FDSTORE=1\nFDNAME=echo.socket" { stored += fds } else { fds.forEach { close($0.raw) } }
            }
            return !stored.isEmpty
        }
        XCTAssertEqual(stored.count, 1)
        let first = try XCTUnwrap(harness.process)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()

        let queued = try Client.connectOnly(port: port)
        try BlockingIO.writeAll(queued.raw, Array("queued\n".utf8))
        let pid = try spawnUsherd(harness, fds: stored, names: ["echo.socket"])
        defer { try? stop(pid) }
        try harness.waitForLog("Adopted passed fd 3 (echo.socket) for 127.0.0.1:\(port).")
        XCTAssertEqual(String(decoding: BlockingIO.readSome(queued.raw, milliseconds: 5000), as: UTF8.self), "queued\n")
    }
}

/// The manager's notify socket as far as the fd store goes: datagrams with the fds they carry.
private final class FDStoreReceiver {
    let path: String
    private let socket: OwnedFD

    init(path: String) throws {
        self.path = path
        socket = try Socket.open(family: AF_UNIX, kind: .datagram, nonBlocking: true, object: path)
        _ = try Socket.bindNode(socket, path: path, mode: 0o600)
    }

    /// The next datagram and its SCM_RIGHTS fds, or nil when none is waiting.
    func receive() -> (String, [OwnedFD])? {
        var data = [UInt8](repeating: 0, count: 4096)
        var control = [UInt64](repeating: 0, count: 128)
        return data.withUnsafeMutableBytes { bytes in
            control.withUnsafeMutableBytes { ancillary in
                var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer -> (String, [OwnedFD])? in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = ancillary.baseAddress
                    message.msg_controllen = ancillary.count
                    let got = recvmsg(socket.raw, &message, Int32(MSG_CMSG_CLOEXEC))
                    guard got >= 0 else { return nil }
                    let text = String(decoding: bytes[0..<got], as: UTF8.self)
                    return (text, Self.passedFDs(ancillary, length: Int(message.msg_controllen)))
                }
            }
        }
    }

    /// Walks the control messages by hand (CMSG_* are macros Swift cannot call).
    private static func passedFDs(_ ancillary: UnsafeMutableRawBufferPointer, length: Int) -> [OwnedFD] {
        let header = MemoryLayout<cmsghdr>.size
        var fds: [OwnedFD] = []
        var offset = 0
        while offset + header <= length {
            let entry = ancillary.load(fromByteOffset: offset, as: cmsghdr.self)
            let size = Int(entry.cmsg_len)
            guard size >= header else { break }
            if entry.cmsg_level == SOL_SOCKET && entry.cmsg_type == 1 /* SCM_RIGHTS */ {
                for index in 0..<(size - header) / 4 {
                    fds.append(OwnedFD(adopting: ancillary.load(fromByteOffset: offset + header + 4 * index, as: Int32.self)))
                }
            }
            offset += (size + 7) & ~7
        }
        return fds
    }
}
