// Test support: a temp directory with units/, out/ (probe reports) and run/
// (AF_UNIX nodes), a real usherd process started on it, loopback clients,
// probe report reading, and polling with deadlines (never sleep-and-hope).
import Foundation
import XCTest
import UsherSys

final class UsherdHarness {
    let root: String
    let unitDirectory: String
    let outDirectory: String
    let runDirectory: String
    let logPath: String
    private(set) var process: Process?

    init() throws {
        root = NSTemporaryDirectory() + "usher-it-" + UUID().uuidString.prefix(8).lowercased()
        unitDirectory = root + "/units"
        outDirectory = root + "/out"
        runDirectory = root + "/run"
        logPath = root + "/usherd.log"
        for directory in [unitDirectory, outDirectory, runDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if ProcessInfo.processInfo.environment["USHER_KEEP_TEST_DIRS"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// The directory holding the built executables (next to the test bundle).
    static var productsDirectory: String {
        let bundle = Bundle(for: UsherdHarness.self).bundleURL.deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: bundle + "/usherd") { return bundle }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        return packageRoot + "/.build/debug"
    }

    static var probePath: String { productsDirectory + "/usher-probe" }
    /// For a service with PrivateTmp= (or DynamicUser=, which implies it): a build under /tmp
    /// (a fresh clone there, as CI may make) would be hidden by the service's own /tmp.
    static var probeBinding: String { "BindReadOnlyPaths=-\(productsDirectory)" }

    /// The PrivateTmp= directories of `unit`'s runs now in /tmp and /var/tmp (compare with a
    /// set taken before: another test or run may have left its own).
    static func privateTmpDirectories(of unit: String) -> Set<String> {
        Set(["/tmp", "/var/tmp"].flatMap { base in
            ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
                .filter { $0.hasPrefix("usher-private-\(unit)-") }.map { base + "/" + $0 }
        })
    }

    /// `ExecStart=` for the probe with a label and extra flags.
    func probeCommand(label: String, _ flags: String = "") -> String {
        "\(UsherdHarness.probePath) --dir \(outDirectory) --label \(label) \(flags)"
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: unitDirectory + "/" + name, atomically: true, encoding: .utf8)
    }

    /// Enables units with the real `usherctl enable` (links in multi-user.target.wants/ and the like).
    func enable(_ names: String...) throws {
        let result = try usherctl(["enable", "--unit-dir", unitDirectory] + names)
        XCTAssertEqual(result.status, 0, result.output)
    }

    /// Starts usherd and waits until it says it is listening; `environment` is
    /// added to the test's own (a test playing systemd sets NOTIFY_SOCKET this way);
    /// a `launcher` command line (e.g. unshare) runs usherd as its last argument;
    /// `executable` is the path started as usherd (default: the built usherd).
    func start(extraArguments: [String] = [], environment: [String: String] = [:], launcher: [String] = [],
               executable: String = UsherdHarness.productsDirectory + "/usherd") throws {
        let arguments = launcher.dropFirst() + (launcher.isEmpty ? [] : [executable])
            + ["--unit-dir", unitDirectory, "--runtime-dir", root + "/rt", "--log-level", "debug"] + extraArguments
        process = try launch(launcher.first ?? executable, Array(arguments), environment: environment)
        try waitForLog("socket unit(s);", timeout: 10)
    }

    /// Runs something other than usherd that starts it (a supervisor, a
    /// namespace script), its output in the log, `environment` added to the
    /// test's own; the caller stops it.
    func launch(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = process.standardOutput
        process.standardInput = FileHandle.nullDevice
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        try process.run()
        return process
    }

    /// A symlink named `name` in this harness's directory to the built multi-call
    /// binary `usher`, as the .deb installs it (`/usr/bin/usherd`, `usherctl` a link).
    func multiCallLink(_ name: String) throws -> String {
        let directory = root + "/bin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil {
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: UsherdHarness.productsDirectory + "/usher")
        }
        return path
    }

    /// The common set-up: `name`.socket listening on a free 127.0.0.1 port
    /// (with `socket` lines added to its [Socket] section and `Accept=yes` when
    /// `accept`), its service `name`.service (`name`@.service when `accept`)
    /// whose whole text is `service`, then `units` (file name → text); starts
    /// usherd (`executable`) with `arguments` and returns the port.
    @discardableResult
    func serve(_ name: String, socket: String = "", accept: Bool = false, service: String,
               units: [String: String] = [:], arguments: [String] = [],
               environment: [String: String] = [:], launcher: [String] = [],
               executable: String = UsherdHarness.productsDirectory + "/usherd") throws -> UInt16 {
        let port = try freePort()
        try write("\(name).socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n\(accept ? "Accept=yes\n" : "")\(socket)")
        try write(accept ? "\(name)@.service" : "\(name).service", service)
        for (file, text) in units { try write(file, text) }
        try start(extraArguments: arguments, environment: environment, launcher: launcher, executable: executable)
        return port
    }

    /// Runs another usherd with `arguments` until it exits; its exit status, stdout and stderr.
    static func runToExit(_ arguments: [String], timeout: Double = 10) throws -> (status: Int32, output: String) {
        try runCollectingOutput(UsherdHarness.productsDirectory + "/usherd", arguments, timeout: timeout)
    }

    /// The real usherctl with `arguments` against this usherd: exit status, stdout and stderr together.
    func usherctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runCollectingOutput(UsherdHarness.productsDirectory + "/usherctl", arguments,
                                environment: ["USHER_CONTROL_SOCKET": root + "/rt/control", "PATH": "/usr/bin:/bin", "TZ": "UTC"])
    }

    var pid: Int32 { process?.processIdentifier ?? -1 }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func waitForLog(_ text: String, count: Int = 1, timeout: Double = 10) throws {
        try eventually("log to contain \(count)× '\(text)'", timeout: timeout) {
            self.log.components(separatedBy: text).count - 1 >= count
        }
    }

    /// SIGTERM, then waits for exit; returns the exit status.
    func stop(timeout: Double = 15) throws -> Int32 {
        guard let process else { return -1 }
        kill(process.processIdentifier, SIGTERM)
        try eventually("usherd to exit", timeout: timeout) { !process.isRunning }
        return process.terminationStatus
    }

    /// Probe reports written so far for `label`, oldest first by pid order of appearance.
    func reports(label: String) -> [[String: Any]] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: outDirectory)) ?? []
        return files.filter { $0.hasPrefix(label + ".") && $0.hasSuffix(".json") }.sorted().compactMap { file in
            guard let data = FileManager.default.contents(atPath: outDirectory + "/" + file) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
    }

    @discardableResult
    func waitForReport(label: String, count: Int = 1, timeout: Double = 10) throws -> [String: Any] {
        try eventually("\(count) report(s) from \(label)", timeout: timeout) { self.reports(label: label).count >= count }
        return reports(label: label).last ?? [:]
    }

    /// Waits (at most `timeout` seconds) until no child of usherd is a zombie: one that exited a
    /// moment ago is reaped at usherd's next reap (SIGCHLD batching pauses reaping for ~10 ms), while
    /// one usherd never reaps stays a zombie and fails the wait, named in the error.
    func waitUntilNoZombieChildren(timeout: Double = 10) throws {
        do {
            try eventually("usherd to reap its exited children", timeout: timeout) { zombieChildren().isEmpty }
        } catch {
            throw HarnessError(description: "usherd left zombie children \(zombieChildren()) unreaped for \(timeout)s")
        }
    }

    /// Waits (at most `timeout` seconds) until usherd has no child at all, so no zombie either (a
    /// zombie is still a child); throws, failing the test, on timeout. For runs with no service left.
    func waitUntilNoChildren(_ what: String, timeout: Double = 10) throws {
        try eventually(what, timeout: timeout) { Processes.children(of: self.pid).isEmpty }
    }

    /// The child processes of usherd in the zombie state.
    func zombieChildren() -> [Int32] {
        Processes.children(of: pid).filter { child in
            guard let stat = try? readSmallFile("/proc/\(child)/stat"), let close = stat.lastIndex(of: ")") else {
                return false
            }
            return stat[stat.index(close, offsetBy: 2)] == "Z"
        }
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass.
func eventually(_ what: String, timeout: Double, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() >= deadline { throw HarnessError(description: "timed out after \(timeout)s waiting for \(what)") }
        usleep(10_000)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// The XDG base directories (runtime, config, cache) below `directory`: the environment a
/// `--user` usherd is started with.
func xdgBases(under directory: String) -> [String: String] {
    ["XDG_RUNTIME_DIR": directory + "/xrun", "XDG_CONFIG_HOME": directory + "/xconfig",
     "XDG_CACHE_HOME": directory + "/xcache"]
}

/// The owner and permission bits of `path` itself (lstat: a symbolic link is not followed); nil if it is absent.
func owner(_ path: String) -> (uid: UInt32, mode: UInt32)? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    return (st.st_uid, UInt32(st.st_mode) & 0o7777)
}

/// A loopback TCP port that was free a moment ago (bound to port 0, then closed).
func freePort() throws -> UInt16 {
    let fd = try Socket.open(family: AF_INET, kind: .stream, object: "port probe")
    guard let any = SocketAddress.ipv4("127.0.0.1", port: 0) else { throw HarnessError(description: "address") }
    try Socket.bind(fd, to: any)
    return try Socket.localAddress(fd.raw).port ?? 0
}

/// Runs a program to its end in `directory` (nil: the test's own), stdin /dev/null, with `environment`
/// (nil: the test's own): exit status, stdout and stderr together. The output is read while the program
/// runs, so a full pipe cannot stall it. After `timeout` seconds it is terminated and an error thrown.
func runCollectingOutput(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                         directory: String? = nil, timeout: Double? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = CollectedOutput(pipe.fileHandleForReading)
    let deadline = timeout.map { DispatchTime.now() + $0 } ?? .distantFuture
    while process.isRunning && DispatchTime.now() < deadline { usleep(10_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw HarnessError(description: "\(path) \(arguments) still ran after \(timeout ?? 0) s: terminated")
    }
    guard let text = output.text(by: deadline) else {
        throw HarnessError(description: "\(path) \(arguments) exited, but its output was still open after \(timeout ?? 0) s")
    }
    return (process.terminationStatus, text)
}

/// Reads a pipe to its end on a thread of its own, so the writer never waits on a full pipe.
private final class CollectedOutput: @unchecked Sendable {
    private var data = Data()
    private let reading = DispatchGroup()

    init(_ handle: FileHandle) {
        DispatchQueue.global().async(group: reading) { self.data = handle.readDataToEndOfFile() }
    }

    /// The text read, once the pipe is closed; nil if it is still open at `deadline`.
    func text(by deadline: DispatchTime) -> String? {
        reading.wait(timeout: deadline) == .success ? String(decoding: data, as: UTF8.self) : nil
    }
}
