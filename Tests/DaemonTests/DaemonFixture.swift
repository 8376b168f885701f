// One in-process daemon for a specification test: a temp directory with
// units/ and run/, a Daemon on an EmbeddedLoop and the fake spawners, started
// (units loaded, sockets bound in that directory, no process-wide set-up), and
// control calls made over the real control socket with the loop driven by hand;
// also the spec tests' base class and the log handler that records usherd's lines.
import Foundation
import XCTest
import ControlProtocol
import Logging
import UnitModel
import UsherSys
@testable import UsherDaemon

final class DaemonFixture {
    let root: String
    let loop = EmbeddedLoop()
    let processes = FakeProcesses()
    /// The Accept=yes spawner the daemon was given.
    private(set) var instanceSpawner: FakeInstanceSpawner?
    private(set) var daemon: Daemon?
    /// What the daemon logged, "UNIT: message" per line, for assertions and failure messages.
    let log = LogRecord()

    init() throws {
        root = NSTemporaryDirectory() + "usher-dt-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: root + "/units", withIntermediateDirectories: true)
    }

    deinit {
        daemon?.control?.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: root + "/units/" + name, atomically: true, encoding: .utf8)
    }

    /// web.socket: a stream listener on an AF_UNIX path in the fixture's directory.
    func writeWebSocket(_ settings: String = "") throws {
        try write("web.socket", "[Socket]\nListenStream=\(root)/web.sock\n\(settings)\n")
    }

    /// echo.socket (Accept=yes, plus `settings`) on echo.sock and an inetd-style echo@.service
    /// (plus `service`).
    func writeEcho(_ settings: String = "", service: String = "") throws {
        try write("echo.socket", "[Socket]\nListenStream=\(root)/echo.sock\nAccept=yes\n\(settings)\n")
        try write("echo@.service", "[Service]\nStandardInput=socket\n\(service)\nExecStart=/bin/cat\n")
    }

    /// A client connects to echo.sock and the daemon gets to accept it.
    func connectEcho() throws -> OwnedFD {
        let fd = try Socket.open(family: AF_UNIX, kind: .stream, object: "echo client")
        try Socket.connect(fd, to: try SocketAddress.unixPath(root + "/echo.sock"))
        loop.dispatchReadableIO()
        return fd
    }

    /// Builds the daemon on the fakes and runs its start-up; returns it.
    @discardableResult
    func start() throws -> Daemon {
        let options = DaemonOptions(unitDirectories: [root + "/units"], userManager: false,
                                    runtimeDirectory: root + "/run")
        let log = self.log
        let logger = Logger(label: "daemon-tests") { _ in RecordingLogHandler(log: log) }
        let instances = try FakeInstanceSpawner(processes: processes)
        let daemon = try Daemon(options: options, logger: logger, loop: loop, spawner: processes, processes: processes,
                                makeInstanceSpawner: { instances })
        instanceSpawner = instances
        try daemon.start()
        self.daemon = daemon
        return daemon
    }

    // MARK: state as the machines report it

    /// "active (running)" and the like, from the unit's machine.
    func state(of name: String) -> String? {
        let unit = UnitName(name)
        guard let units = daemon?.units else { return nil }
        if let machine = units.sockets[unit]?.machine { return "\(machine.activeState.rawValue) (\(machine.subState))" }
        if let machine = units.services[unit]?.machine { return "\(machine.activeState.rawValue) (\(machine.subState))" }
        return nil
    }

    func listeners(of name: String) -> [Int32] {
        daemon?.units.sockets[UnitName(name)]?.listeners.map(\.fd.raw) ?? []
    }

    /// The pid the fake spawner handed out last.
    var lastPID: Int32? { processes.spawned.last?.pid }

    /// `pid` exits with `status` and is reaped: on SIGCHLD, or at the end of a SIGCHLD batching window.
    func reapExit(_ pid: Int32, status: Int32 = 0) {
        processes.exit(pid, status: status)
        if !loop.raise(SIGCHLD) { loop.advanceTime(by: Daemon.reapBatchWindow) }
    }

    // MARK: control calls

    /// Connects to the control socket, sends `request` and lets the daemon read it;
    /// returns the client's end, where the reply arrives.
    func send(_ request: ControlRequest) throws -> OwnedFD {
        let fd = try Socket.open(family: AF_UNIX, kind: .stream, object: "test control client")
        try Socket.connect(fd, to: try SocketAddress.unixPath(root + "/run/control"))
        try BlockingIO.writeAll(fd.raw, try ControlProtocol.frame(request))
        loop.dispatchReadableIO()
        return fd
    }

    /// The reply waiting on `fd`, or nil when the daemon has not answered yet.
    func reply(on fd: OwnedFD) throws -> ControlResponse? {
        let bytes = BlockingIO.readSome(fd.raw, limit: 1 << 20, milliseconds: 0)
        guard !bytes.isEmpty else { return nil }
        return try ControlProtocol.decode(ControlResponse.self, from: bytes[4...])
    }

    /// A call answered at once.
    func call(_ request: ControlRequest) throws -> ControlResponse? {
        try reply(on: try send(request))
    }
}

/// The base of the specification tests: a fresh fixture per test, and web.socket's traffic.
class DaemonSpecCase: XCTestCase {
    var fixture: DaemonFixture!
    let traffic = DaemonEvent.listenerReadable(UnitName("web.socket"))

    override func setUpWithError() throws {
        fixture = try DaemonFixture()
    }

    override func tearDown() {
        fixture = nil
    }
}

final class LogRecord {
    var lines: [String] = []
    var text: String { lines.joined(separator: "\n") }
}

/// Keeps each message in a LogRecord instead of printing it.
struct RecordingLogHandler: LogHandler {
    let log: LogRecord
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let unit = event.metadata?["unit"].map { "\($0): " } ?? ""
        log.lines.append("\(unit)\(event.message)")
    }
}
