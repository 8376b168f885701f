// Every example in examples/ runs under one real usherd from its own unit
// files (drop-ins point ExecStart= at the built or source program and the
// Listen lines at free test addresses) and answers a client: inetd style,
// LISTEN_FDS, Type=notify (active once READY=1 arrived), AF_UNIX datagrams.
// The notify examples outlive their WatchdogSec=2s under usherd only by
// pinging; their pings are also read directly under systemd-socket-activate
// with a test NOTIFY_SOCKET. Go is left out when go is not installed. The
// fd store examples (Python, C, Swift, Go) keep a client's connection across a
// restart and a crash.
import Foundation
import XCTest
import UsherSys

final class ExamplesIntegrationTests: XCTestCase {
    static let examples = VersionIntegrationTests.packageRoot + "/examples"
    static let built = VersionIntegrationTests.packageRoot + "/.build/examples"
    static let installed = "/usr/local/libexec/usher-examples/"

    struct Example {
        let language: String
        let kind: String  // inetd (every language), listen, notify, dgram or fdstore (all but shell)
        var name: String { "\(language)-\(kind)" }
        var prefix: String { "\(language) \(kind) " }
    }

    /// Builds the C, Swift and Go examples (a no-op when they are up to date).
    func buildExamples() throws {
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/make")
        make.arguments = ["--no-print-directory", "-C", ExamplesIntegrationTests.examples, "languages"]
        try make.run()
        make.waitUntilExit()
        XCTAssertEqual(make.terminationStatus, 0, "make -C examples languages failed")
    }

    /// Copies one language's unit files and adds the drop-ins; returns its examples.
    func stage(_ language: String, in harness: UsherdHarness) throws -> [Example] {
        let directory = ExamplesIntegrationTests.examples + "/" + language
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let programs = ["shell", "python"].contains(language) ? directory : ExamplesIntegrationTests.built + "/" + language
        var examples: [Example] = []
        for file in files where file.hasSuffix(".service") || file.hasSuffix(".socket") {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            try harness.write(file, text)
            if file.hasSuffix(".socket") {
                let kind = String(file.dropFirst(language.count + 1).dropLast(".socket".count))
                examples.append(Example(language: language, kind: kind))
                try dropIn(file, in: harness, kind == "dgram"
                    ? "[Socket]\nListenDatagram=\nListenDatagram=\(harness.runDirectory)/\(language)-dgram.sock\n"
                    : "[Socket]\nListenStream=\nListenStream=127.0.0.1:\(try freePort())\n")
            } else if let exec = text.split(separator: "\n").first(where: { $0.hasPrefix("ExecStart=") }) {
                let program = exec.dropFirst("ExecStart=".count)
                    .replacingOccurrences(of: ExamplesIntegrationTests.installed + language, with: programs)
                try dropIn(file, in: harness, "[Service]\nExecStart=\nExecStart=\(program)\n")
            }
        }
        return examples
    }

    func dropIn(_ unit: String, in harness: UsherdHarness, _ text: String) throws {
        let directory = harness.unitDirectory + "/\(unit).d"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try text.write(toFile: directory + "/test.conf", atomically: true, encoding: .utf8)
    }

    /// The port a staged stream socket listens on (from its drop-in).
    func port(of example: Example, in harness: UsherdHarness) throws -> UInt16 {
        let text = try String(contentsOfFile: harness.unitDirectory + "/\(example.name).socket.d/test.conf", encoding: .utf8)
        return UInt16(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    /// One line to the example; returns its answer (PID and all).
    func talk(to example: Example, in harness: UsherdHarness, _ line: String) throws -> String {
        if example.kind == "dgram" {
            return try datagram(to: harness.runDirectory + "/\(example.name).sock",
                                from: harness.runDirectory + "/client-\(example.name)-\(UUID().uuidString.prefix(6))", line)
        }
        return try AcceptClient.ipv4(try port(of: example, in: harness)).exchange(line + "\n", halfClose: true)
    }

    /// A datagram from a bound client address, and the one answer to it.
    func datagram(to server: String, from client: String, _ line: String) throws -> String {
        let fd = try Socket.open(family: AF_UNIX, kind: .datagram, object: "datagram client")
        try Socket.bind(fd, to: try SocketAddress.unixPath(client))
        try Socket.connect(fd, to: try SocketAddress.unixPath(server))
        try BlockingIO.writeAll(fd.raw, Array((line + "\n").utf8))
        return String(decoding: BlockingIO.readSome(fd.raw, milliseconds: 10_000), as: UTF8.self)
    }

    /// Every language the examples are in; Go only when `go` built them.
    var languages: [String] {
        ["shell", "python", "c", "swift"]
            + (FileManager.default.fileExists(atPath: ExamplesIntegrationTests.built + "/go/listen-fds") ? ["go"] : [])
    }

    func testEveryExampleServesUnderUsherdFromItsOwnUnitFiles() throws {
        try buildExamples()
        let harness = try UsherdHarness()
        var examples: [Example] = []
        for language in languages { examples += try stage(language, in: harness) }
        XCTAssertEqual(examples.count, 1 + 5 * (languages.count - 1), "\(examples.map(\.name))")
        try harness.start()

        for example in examples {
            let answer = try talk(to: example, in: harness, "hello \(example.name)")
            XCTAssertTrue(answer.hasPrefix(example.prefix) && answer.hasSuffix(": hello \(example.name)\n"),
                          "\(example.name) answered \(answer.debugDescription)\n\(harness.log)")
        }
        // READY=1 reached usherd: the notify services are active, not still activating.
        for example in examples where example.kind == "notify" {
            let state = try harness.usherctl(["is-active", "\(example.name).service"])
            XCTAssertEqual(state.output, "active\n", example.name)
        }
        // WatchdogSec=2s: past it, a service that did not ping would be killed with SIGABRT.
        Thread.sleep(forTimeInterval: 2.5)
        for example in examples where example.kind == "notify" {
            let state = try harness.usherctl(["is-active", "\(example.name).service"])
            XCTAssertEqual(state.output, "active\n", "\(example.name) fed usherd's watchdog\n\(harness.log)")
        }
        XCTAssertFalse(harness.log.contains("Watchdog timeout"), harness.log)
        XCTAssertEqual(try harness.stop(), 0, harness.log)
    }

    /// The notify examples' own side of the watchdog: started by systemd's
    /// socket activator (on the first connection) with WATCHDOG_USEC=200000,
    /// each sends READY=1 and then WATCHDOG=1 about every 100 ms to the
    /// test's notify socket, and serves the connection.
    func testNotifyExamplesSendReadyAndFeedTheWatchdogEveryHalfInterval() throws {
        let activator = "/usr/bin/systemd-socket-activate"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: activator), "no systemd-socket-activate")
        try buildExamples()
        let harness = try UsherdHarness()
        var programs = [ExamplesIntegrationTests.examples + "/python/notify_watchdog.py"]
        for language in ["c", "swift", "go"] {
            let program = ExamplesIntegrationTests.built + "/\(language)/notify-watchdog"
            if FileManager.default.fileExists(atPath: program) { programs.append(program) }
        }
        for program in programs {
            let notifyPath = harness.runDirectory + "/notify-\(UUID().uuidString.prefix(6))"
            let notify = try Socket.open(family: AF_UNIX, kind: .datagram, object: "notify socket")
            try Socket.bind(notify, to: try SocketAddress.unixPath(notifyPath))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: activator)
            let port = try freePort()
            process.arguments = ["-l", "127.0.0.1:\(port)", "-E", "NOTIFY_SOCKET=\(notifyPath)",
                                 "-E", "WATCHDOG_USEC=200000", "-E", "PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")",
                                 program]
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            // The activator execs the program on the first connection.
            var client: AcceptClient?
            try eventually("\(activator) listening", timeout: 10) {
                client = try? AcceptClient.ipv4(port)
                return client != nil
            }
            XCTAssertEqual(try client?.request("ping\n").hasSuffix(": ping\n"), true, program)
            var messages: [String] = []
            let deadline = Date().addingTimeInterval(10)
            while messages.filter({ $0 == "WATCHDOG=1" }).count < 3 && Date() < deadline {
                let datagram = BlockingIO.readSome(notify.raw, milliseconds: 500)
                if !datagram.isEmpty { messages.append(String(decoding: datagram, as: UTF8.self)) }
            }
            XCTAssertEqual(messages.first, "READY=1", "\(program): \(messages)")
            XCTAssertGreaterThanOrEqual(messages.filter { $0 == "WATCHDOG=1" }.count, 3, "\(program): \(messages)")
        }
    }

    /// The PID in an answer "LANG KIND PID: LINE".
    func pid(in answer: String, of example: Example) -> Int32? {
        guard answer.hasPrefix(example.prefix) else { return nil }
        return Int32(answer.dropFirst(example.prefix.count).prefix { $0 != ":" })
    }

    /// The fd store examples keep every accepted connection in usherd's fd
    /// store: a client connected before `usherctl restart`, and again before a
    /// SIGKILL (Restart=always), is answered on the same connection by the new process.
    func testTheFDStoreExamplesKeepAClientConnectionAcrossARestartAndACrash() throws {
        try buildExamples()
        for language in languages where language != "shell" {
            let harness = try UsherdHarness()
            let example = try XCTUnwrap(try stage(language, in: harness).first { $0.kind == "fdstore" })
            try harness.start()
            try keepsItsClient(example, port: try port(of: example, in: harness), in: harness)
            XCTAssertEqual(try harness.stop(), 0, harness.log)
        }
    }

    func keepsItsClient(_ example: Example, port: UInt16, in harness: UsherdHarness) throws {
        let unit = example.name + ".service"
        let client = try AcceptClient.ipv4(port)
        let first = try client.request("before\n")
        let firstPID = try XCTUnwrap(pid(in: first, of: example), "\(first.debugDescription)\n\(harness.log)")
        XCTAssertTrue(first.hasSuffix(": before\n"), first)
        try eventually("\(unit) holding the connection in its fd store", timeout: 10) {
            (try? harness.usherctl(["status", unit]).output.contains("FD Store: 1 (limit: 64)")) ?? false
        }

        XCTAssertEqual(try harness.usherctl(["restart", unit]).status, 0, harness.log)
        let second = try client.request("after restart\n")
        let secondPID = try XCTUnwrap(pid(in: second, of: example), "\(second.debugDescription)\n\(harness.log)")
        XCTAssertNotEqual(secondPID, firstPID, "a new process answers the kept connection")
        XCTAssertTrue(second.hasSuffix(": after restart\n"), second)
        let other = try AcceptClient.ipv4(port).request("new client\n")
        XCTAssertEqual(pid(in: other, of: example), secondPID, other)

        XCTAssertEqual(kill(secondPID, SIGKILL), 0)
        let third = try client.request("after crash\n")
        let thirdPID = try XCTUnwrap(pid(in: third, of: example), "\(third.debugDescription)\n\(harness.log)")
        XCTAssertFalse([firstPID, secondPID].contains(thirdPID), third)
        XCTAssertTrue(third.hasSuffix(": after crash\n"), third)

        // Connections the clients ended (the second client's, this one) are shut
        // down by the service, which usherd sees as a hang-up: they leave the store.
        XCTAssertEqual(try AcceptClient.ipv4(port).exchange("bye\n", halfClose: true), "\(example.prefix)\(thirdPID): bye\n")
        try eventually("only the first client's connection left in the store", timeout: 10) {
            (try? harness.usherctl(["status", unit]).output.contains("FD Store: 1 (limit: 64)")) ?? false
        }
        XCTAssertEqual(try client.request("still here\n"), "\(example.prefix)\(thirdPID): still here\n")
    }
}
