// usherctl's daemon verbs against a fake usherd (FakeDaemon): golden output of
// status, list-units, list-sockets and show from ControlFixtures without a TTY,
// request framing, where the socket is looked for, and systemctl's exit codes
// (69 unreachable, 3 inactive, 4 unknown or denied, 5, 1). UPDATE_GOLDEN=1 rewrites the golden files.

import ControlProtocol
import Foundation
import XCTest

final class UsherctlDaemonVerbTests: XCTestCase {
    static let golden = TestPaths.golden + "/usherctl"

    /// A fake usherd answering status from the fixtures and every other verb with success.
    func fixtureDaemon() throws -> FakeDaemon {
        let daemon = try FakeDaemon { request in
            .init(responses: [request.verb == .status ? ControlFixtures.status(request) : ControlResponse()])
        }
        addTeardownBlock { daemon.stop() }
        return daemon
    }

    func run(_ daemon: FakeDaemon, _ arguments: [String], environment: [String: String] = [:]) throws -> UsherctlRun {
        try UsherctlProcess.run(arguments, environment: ["USHER_CONTROL_SOCKET": daemon.path].merging(environment) { $1 })
    }

    /// "since …; 5min ago" depends on the clock; the rest of the line is fixed by the fixture.
    func masked(_ text: String) -> String {
        text.replacingOccurrences(of: #"; [^;\n]* (ago|left)"#, with: "; <relative>", options: .regularExpression)
    }

    func assertGolden(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = Self.golden + "/" + name
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(actual, expected, "\(name): UPDATE_GOLDEN=1 regenerates", file: file, line: line)
    }

    // MARK: golden output

    func testStatusOfASocketMatchesSystemctlsLayoutWithoutColour() throws {
        let daemon = try fixtureDaemon()
        let run = try run(daemon, ["status", "web.socket", "echo.socket"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(run.stdout.contains("\u{1B}["), "no colour without a TTY")
        XCTAssertFalse(run.stdout.contains("●"), "no glyph without a TTY")
        try assertGolden(masked(run.stdout), "status-sockets.txt")
    }

    func testStatusOfServicesShowsMainPIDStatusTextAndTheExitOfAnEndedOne() throws {
        let daemon = try fixtureDaemon()
        let run = try run(daemon, ["status", "web.service", "gone.service"])
        XCTAssertEqual(run.status, 3, "gone.service is inactive")
        try assertGolden(masked(run.stdout), "status-services.txt")
    }

    func testStatusOfAFailedSocketShowsTheResultAndTheBindErrorAndExits3() throws {
        let daemon = try fixtureDaemon()
        let run = try run(daemon, ["status", "broken.socket"])
        XCTAssertEqual(run.status, 3)
        try assertGolden(masked(run.stdout), "status-failed.txt")
    }

    func testActiveLineSaysHowLongAgoInSystemdsUnits() throws {
        let now = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        var unit = ControlFixtures.webSocket
        unit.activeEnterTimestamp = now - (2 * 60 + 7) * ControlFixtures.minute - 30_000_000
        let daemon = try FakeDaemon { [unit] _ in .init(responses: [ControlResponse(units: [unit])]) }
        addTeardownBlock { daemon.stop() }
        let run = try run(daemon, ["status", "web.socket"])
        XCTAssertTrue(run.stdout.contains(" UTC; 2h 7min ago\n"), run.stdout)
    }

    func testStatusWithoutUnitsSummarisesEveryUnitOnOneLine() throws {
        let daemon = try fixtureDaemon()
        let run = try run(daemon, ["status"])
        XCTAssertEqual(run.status, 0)
        try assertGolden(run.stdout, "status-summary.txt")
    }

    func testListUnitsHidesInactiveUnitsUnlessAll() throws {
        let daemon = try fixtureDaemon()
        let active = try run(daemon, ["list-units"])
        let all = try run(daemon, ["list-units", "--all"])
        try assertGolden(active.stdout, "list-units.txt")
        try assertGolden(all.stdout, "list-units-all.txt")
        XCTAssertFalse(active.stdout.contains("gone.service"))
        XCTAssertTrue(all.stdout.contains("gone.service"))
    }

    func testListUnitsPlainNoLegendFiltersByTypeAndState() throws {
        let daemon = try fixtureDaemon()
        let sockets = try run(daemon, ["list-units", "--plain", "--no-legend", "--type=socket"])
        XCTAssertEqual(sockets.stdout, """
            broken.socket loaded failed failed
            echo.socket   loaded active listening Echo
            web.socket    loaded active listening Web server socket

            """)
        let failed = try run(daemon, ["list-units", "--no-legend", "--plain", "--state=failed"])
        XCTAssertEqual(failed.stdout, "broken.socket loaded failed failed\n")
    }

    func testListSocketsListsEveryListenerWithWhatItActivates() throws {
        let daemon = try fixtureDaemon()
        let run = try run(daemon, ["list-sockets"])
        XCTAssertEqual(run.status, 0)
        try assertGolden(run.stdout, "list-sockets.txt")
        let bare = try self.run(daemon, ["list-sockets", "--no-legend"])
        XCTAssertFalse(bare.stdout.contains("LISTEN"))
        XCTAssertFalse(bare.stdout.contains("listed"))
    }

    /// usherctl's stdout on a pseudo-terminal, by way of util-linux's script(1).
    func onTerminal(_ daemon: FakeDaemon, _ arguments: [String], environment: [String: String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script(1) is missing") }
        let command = ([try UsherctlProcess.binary().path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        let pinned = ["USHER_CONTROL_SOCKET": daemon.path, "TZ": "UTC"].merging(environment) { $1 }
        process.environment = ProcessInfo.processInfo.environment.merging(pinned) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func testATerminalGetsTheGlyphAndColoursUnlessNO_COLOR() throws {
        let daemon = try fixtureDaemon()
        let coloured = try onTerminal(daemon, ["status", "web.socket"], environment: ["NO_COLOR": ""])
        XCTAssertTrue(coloured.contains("\u{1B}[32m●\u{1B}[0m web.socket - Web server socket"), coloured)
        XCTAssertTrue(coloured.contains("\u{1B}[1;32mactive (listening)\u{1B}[0m"), coloured)
        let plain = try onTerminal(daemon, ["status", "web.socket"], environment: ["NO_COLOR": "1"])
        XCTAssertTrue(plain.contains("● web.socket - Web server socket"), plain)
        XCTAssertFalse(plain.contains("\u{1B}["), plain)
    }

    func testColouredCellsPadByWhatTheTerminalShows() throws {
        let daemon = try fixtureDaemon()
        let table = try onTerminal(daemon, ["list-units"], environment: ["NO_COLOR": ""])
        XCTAssertTrue(table.contains("\u{1B}[31m●\u{1B}[0m broken.socket loaded failed failed"), table)
        XCTAssertTrue(table.contains("\n  web.service   loaded active running   Web server"), table)
    }

    func testShowAppendsRuntimePropertiesWhenUsherdAnswers() throws {
        let daemon = try fixtureDaemon()
        let units = try UnitDirectory()
        try units.write("web.service", "[Unit]\nDescription=Web server\n[Service]\nExecStart=/bin/web\n")
        let run = try run(daemon, ["show", "--unit-dir", units.path, "web.service"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        let runtime = run.stdout.split(separator: "\n").drop { !$0.hasPrefix("LoadState=") }.joined(separator: "\n")
        try assertGolden(runtime + "\n", "show-runtime-web-service.txt")
    }

    func testShowOfflineSaysRuntimePropertiesAreUnavailableAndInventsNone() throws {
        let units = try UnitDirectory()
        try units.write("web.service", "[Service]\nExecStart=/bin/web\n")
        let run = try UsherctlProcess.run(["show", "--unit-dir", units.path, "web.service"],
                                          environment: ["USHER_CONTROL_SOCKET": units.path + "/no-control"])
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stderr, "usherctl: runtime properties unavailable: cannot reach usherd at \(units.path)/no-control: "
            + "No such file or directory\n")
        XCTAssertFalse(run.stdout.contains("ActiveState="))
        XCTAssertFalse(run.stdout.contains("MainPID="))
    }
}
