// usherctl as a client of a fake usherd (FakeDaemon): the request on the wire,
// where the control socket is looked for, systemctl's exit codes and messages
// for unreachable, unknown, denied and unsupported, daemon-reload's summary, is-active/is-failed,
// --json, and `logs -f` printing lines that arrive in several responses.

import ControlProtocol
import Foundation
import XCTest

final class UsherctlClientTests: XCTestCase {
    func daemon(_ handler: @escaping @Sendable (ControlRequest) -> FakeDaemon.Answer) throws -> FakeDaemon {
        let daemon = try FakeDaemon(handler)
        addTeardownBlock { daemon.stop() }
        return daemon
    }

    func fixtureDaemon() throws -> FakeDaemon {
        try daemon { request in
            request.verb == .status ? .init(responses: [ControlFixtures.status(request)]) : .init(responses: [ControlResponse()])
        }
    }

    func failing(_ kind: ControlError.Kind, _ message: String) throws -> FakeDaemon {
        try daemon { request in
            request.verb == .status ? .init(responses: [ControlFixtures.status(request)])
                : .init(responses: [.failure(kind, message)])
        }
    }

    func run(_ arguments: [String], _ environment: [String: String] = [:]) throws -> UsherctlRun {
        try UsherctlProcess.run(arguments, environment: environment)
    }

    func testRequestIsOneLengthPrefixedJSONMessageWithTheVerbsFields() throws {
        let fake = try fixtureDaemon()
        let result = try run(["--control-socket", fake.path, "kill", "-s", "SIGKILL", "--kill-whom=main", "web.service"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let raw = try XCTUnwrap(fake.rawRequests.first)
        XCTAssertEqual(ControlProtocol.announcedLength(raw[...]), raw.count - 4)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(raw.dropFirst(4))) as? [String: Any])
        XCTAssertEqual(object["verb"] as? String, "kill")
        XCTAssertEqual(object["version"] as? Int, ControlProtocol.version)
        XCTAssertEqual(object["units"] as? [String], ["web.service"])
        XCTAssertEqual(object["signal"] as? Int, 9)
        XCTAssertEqual(object["killWhom"] as? String, "main")
    }

    func testSignalsAreAcceptedByNameWithOrWithoutSIGAndByNumber() throws {
        let fake = try fixtureDaemon()
        for spelling in ["TERM", "SIGHUP", "9"] {
            XCTAssertEqual(try run(["kill", "--control-socket", fake.path, "-s", spelling, "web.service"]).status, 0)
        }
        XCTAssertEqual(fake.requests.map(\.signal), [15, 1, 9])
        XCTAssertEqual(try run(["kill", "--control-socket", fake.path, "-s", "NOPE", "web.service"]).status, 64)
    }

    func testControlSocketComesFromTheOptionBeforeOrAfterTheVerbThenTheEnvironment() throws {
        let fake = try fixtureDaemon()
        let elsewhere = ["USHER_CONTROL_SOCKET": "/nonexistent/control"]
        XCTAssertEqual(try run(["--control-socket", fake.path, "is-active", "web.socket"], elsewhere).status, 0)
        XCTAssertEqual(try run(["is-active", "--control-socket", fake.path, "web.socket"], elsewhere).status, 0)
        XCTAssertEqual(try run(["is-active", "web.socket"], ["USHER_CONTROL_SOCKET": fake.path]).status, 0)
        XCTAssertEqual(fake.requests.count, 3)
    }

    func testAUnitNameWithoutATypeMeansTheServiceAsInSystemctl() throws {
        let fake = try fixtureDaemon()
        XCTAssertEqual(try run(["restart", "--control-socket", fake.path, "web", "web.socket"]).status, 0)
        XCTAssertEqual(try run(["is-active", "--control-socket", fake.path, "web"]).stdout, "active\n")
        XCTAssertEqual(fake.requests.map(\.units), [["web.service", "web.socket"], ["web.service"]])
    }

    func testAnAnswerThatIsNotControlProtocolJSONIsReportedAsABrokenConversation() throws {
        let fake = try daemon { _ in .init(responses: []) }
        let garbage = try daemon { _ in .init(responses: [], raw: Array("not json".utf8)) }
        let silent = try run(["status", "--control-socket", fake.path, "web.socket"])
        XCTAssertEqual(silent.status, 69)
        XCTAssertEqual(silent.stderr, "usherctl: lost usherd at \(fake.path): the connection closed without an answer\n")
        let broken = try run(["status", "--control-socket", garbage.path, "web.socket"])
        XCTAssertEqual(broken.status, 69)
        XCTAssertEqual(broken.stderr, "usherctl: lost usherd at \(garbage.path): an answer that is not a ControlProtocol response\n")
    }

    func testUnreachableDaemonExits69NamingThePathAndTheErrno() throws {
        let run = try run(["status", "web.socket"], ["USHER_CONTROL_SOCKET": "/nonexistent/usher/control"])
        XCTAssertEqual(run.status, 69)
        XCTAssertEqual(run.stderr, "usherctl: cannot reach usherd at /nonexistent/usher/control: No such file or directory\n")
        XCTAssertEqual(run.stdout, "")
    }

    func testUserInstanceSocketIsUnderXDGRuntimeDir() throws {
        let run = try run(["--user", "status"], ["USHER_CONTROL_SOCKET": "", "XDG_RUNTIME_DIR": "/nonexistent/xdg"])
        XCTAssertEqual(run.status, 69)
        XCTAssertTrue(run.stderr.contains("cannot reach usherd at /nonexistent/xdg/usher/control: "), run.stderr)
    }

    func testStatusOfAnUnknownUnitExits4WithSystemctlsMessage() throws {
        let fake = try fixtureDaemon()
        let run = try run(["status", "--control-socket", fake.path, "nope.socket"])
        XCTAssertEqual(run.status, 4)
        XCTAssertEqual(run.stderr, "Unit nope.socket could not be found.\n")
    }

    /// A fake usherd whose mutating verbs fail for `failing` with usherd's own sentence and succeed for the others.
    func outcomes(failing: String, _ kind: ControlError.Kind, _ message: String) throws -> FakeDaemon {
        try daemon { request in
            .init(responses: [ControlResponse(results: request.units.map {
                $0 == failing ? UnitOutcome(unit: $0, error: ControlError(kind, message)) : UnitOutcome(unit: $0)
            })])
        }
    }

    func testStartOfAnUnknownUnitExits5AsSystemctlStartDoes() throws {
        let fake = try outcomes(failing: "nope.socket", .noSuchUnit, "Failed to start nope.socket: Unit nope.socket not found.")
        let run = try run(["start", "--control-socket", fake.path, "nope.socket"])
        XCTAssertEqual(run.status, 5)
        XCTAssertEqual(run.stderr, "Failed to start nope.socket: Unit nope.socket not found.\n")
    }

    func testAccessDeniedPrintsTheDaemonsMessageAndExits4ForJobsAnd1Otherwise() throws {
        let fake = try failing(.accessDenied, "Access denied: stop needs uid 0, usherd's uid or the usher group")
        let stop = try run(["stop", "--control-socket", fake.path, "web.socket"])
        XCTAssertEqual(stop.status, 4)
        XCTAssertEqual(stop.stderr, "Failed to stop web.socket: Access denied: stop needs uid 0, usherd's uid or the usher group\n")
        let kill = try run(["kill", "--control-socket", fake.path, "web.socket"])
        XCTAssertEqual(kill.status, 1)
        XCTAssertTrue(kill.stderr.hasPrefix("Failed to kill unit web.socket: Access denied"), kill.stderr)
    }

    func testAUnitsOwnFailurePrintsUsherdsSentenceAsItIsAndTheOthersStillCount() throws {
        let sentence = "Failed to start lost.socket: Socket service lost.service not loaded, refusing."
        let fake = try outcomes(failing: "lost.socket", .failed, sentence)
        let run = try run(["start", "--control-socket", fake.path, "web.socket", "lost.socket"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, sentence + "\n")
        let killed = try outcomes(failing: "web.service", .failed, "Failed to kill unit web.service: No process to kill")
        let kill = try self.run(["kill", "--control-socket", killed.path, "web.service"])
        XCTAssertEqual(kill.status, 1)
        XCTAssertEqual(kill.stderr, "Failed to kill unit web.service: No process to kill\n")
    }

    func testDaemonReloadPrintsWhatChangedAndExits1NamingAFailedUnit() throws {
        var summary = ReloadSummary()
        summary.added = ["new.socket"]
        summary.kept = ["old.service", "old.socket"]
        summary.failed = [ReloadFailure(unit: "bad.socket", reason: "bad.socket: Unit has no Listen setting. Refusing.")]
        let partial = summary
        let fake = try daemon { _ in .init(responses: [ControlResponse(reload: partial)]) }
        let run = try run(["daemon-reload", "--control-socket", fake.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "added: new.socket\nkept: old.service old.socket\nfailed: bad.socket\n")
        XCTAssertEqual(run.stderr, "Failed to reload bad.socket: bad.socket: Unit has no Listen setting. Refusing.\n")
        summary.failed = []
        let succeeded = summary
        let clean = try daemon { _ in .init(responses: [ControlResponse(reload: succeeded)]) }
        XCTAssertEqual(try self.run(["daemon-reload", "--control-socket", clean.path]).status, 0)
    }

    func testDaemonReloadThatUsherdDoesNotSupportExits1WithAClearError() throws {
        let fake = try failing(.unsupported, "daemon-reload is not supported by this usherd")
        let run = try run(["daemon-reload", "--control-socket", fake.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "Failed to reload daemon: daemon-reload is not supported by this usherd\n")
        XCTAssertEqual(fake.requests.first?.verb, .daemonReload)
        XCTAssertEqual(try self.run(["daemon-reexec", "--control-socket", fake.path]).status, 1)
    }

    func testIsActiveAndIsFailedPrintTheStateAndExitAsSystemctl() throws {
        let fake = try fixtureDaemon()
        let socket = ["--control-socket", fake.path]
        let active = try run(["is-active"] + socket + ["web.socket"])
        XCTAssertEqual(active.status, 0)
        XCTAssertEqual(active.stdout, "active\n")
        let unknown = try run(["is-active"] + socket + ["nope.socket"])
        XCTAssertEqual(unknown.status, 3)
        XCTAssertEqual(unknown.stdout, "inactive\n")
        XCTAssertEqual(try run(["is-failed"] + socket + ["broken.socket"]).status, 0)
        let notFailed = try run(["is-failed", "--quiet"] + socket + ["web.socket"])
        XCTAssertEqual(notFailed.status, 1)
        XCTAssertEqual(notFailed.stdout, "")
    }

    func testStatusJSONIsTheControlProtocolSnapshot() throws {
        let fake = try fixtureDaemon()
        let run = try run(["status", "--json", "--control-socket", fake.path, "web.socket"])
        XCTAssertEqual(run.status, 0)
        let units = try JSONDecoder().decode([UnitStatus].self, from: Data(run.stdout.utf8))
        XCTAssertEqual(units, [ControlFixtures.webSocket])
        XCTAssertTrue(run.stdout.contains(#""NAccepted" : 42"#))
    }

    func testListSocketsJSONHasOneObjectPerListener() throws {
        let fake = try fixtureDaemon()
        let run = try run(["list-sockets", "--json", "--control-socket", fake.path])
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(rows.first?["Listen"] as? String, "127.0.0.1:80")
        XCTAssertEqual(rows.first?["Activates"] as? [String], ["broken.service"])
    }

    static func logLine(_ number: Int) -> LogLine {
        LogLine(timestamp: ControlFixtures.t0 + UInt64(number) * 1_000_000, unit: "web.service", source: .stdout,
                priority: 6, text: "line \(number)")
    }

    func testLogsPrintsTheLinesAndAsksForN() throws {
        let fake = try daemon { _ in .init(responses: [ControlResponse(logs: [Self.logLine(1), Self.logLine(2)])]) }
        let run = try run(["logs", "--control-socket", fake.path, "-n", "2", "web.service"])
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stdout, "Dec 02 04:31:01 web.service: line 1\nDec 02 04:31:02 web.service: line 2\n")
        XCTAssertEqual(fake.requests.first?.lines, 2)
        XCTAssertNil(fake.requests.first?.follow)
    }

    func testLogsJSONPrintsOneLogLineObjectPerLine() throws {
        let fake = try daemon { _ in .init(responses: [ControlResponse(logs: [Self.logLine(1), Self.logLine(2)])]) }
        let run = try run(["logs", "--json", "--control-socket", fake.path, "web.service"])
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(try JSONDecoder().decode(LogLine.self, from: Data(lines[1].utf8)), Self.logLine(2))
    }

    func testLogsFollowPrintsLinesStreamedInSeveralResponsesAndSIGINTExits0() throws {
        let fake = try daemon { _ in
            .init(responses: (1...3).map { ControlResponse(logs: [Self.logLine($0)]) }, holdOpen: true)
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("usherctl-logs-\(UUID().uuidString)")
        XCTAssertTrue(FileManager.default.createFile(atPath: output.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: output) }
        let process = try UsherctlProcess.process(["logs", "-f", "--control-socket", fake.path, "web.service"])
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var text = ""
        while Date() < deadline && text.split(separator: "\n").count < 3 {
            Thread.sleep(forTimeInterval: 0.05)
            text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        }
        XCTAssertTrue(process.isRunning, "follow keeps reading while usherd holds the connection")
        process.interrupt()
        process.waitUntilExit()
        XCTAssertEqual(text, (1...3).map { "Dec 02 04:31:0\($0) web.service: line \($0)\n" }.joined())
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(fake.requests.first?.follow, true)
    }
}
