// The control plane end to end: the real usherctl against a real usherd.
// status, list-sockets, list-units and show read like systemctl's (volatile
// fields masked); stop and start a socket; restart a service, which gets its
// fds again; logs -f sees a line printed later; exit codes.
import Foundation
import XCTest
import UsherSys

final class ControlPlaneIntegrationTests: XCTestCase {
    private struct Run {
        var status: Int32
        var output: String
    }

    /// usherctl with `arguments` against `harness`'s usherd.
    private func usherctl(_ harness: UsherdHarness, _ arguments: [String]) throws -> Run {
        let run = try harness.usherctl(arguments)
        return Run(status: run.status, output: run.output)
    }

    /// Dates, durations, pids and the temp directory replaced by fixed words.
    private func masked(_ text: String, _ harness: UsherdHarness) -> String {
        var result = text.replacingOccurrences(of: harness.root, with: "ROOT")
        let patterns = [
            (#"[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; [^\n]*ago"#, "DATE; AGO"),
            (#"[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d"#, "TIME"),
            (#"PID \d+"#, "PID N"), (#"Main PID: \d+"#, "Main PID: N"), (#"127\.0\.0\.1:\d+"#, "127.0.0.1:PORT"),
        ]
        for (pattern, replacement) in patterns {
            result = result.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return result
    }

    private func webUnits(_ harness: UsherdHarness, label: String = "web") throws -> UInt16 {
        let port = try freePort()
        try harness.write("web.socket", "[Unit]\nDescription=Web socket\n[Socket]\nListenStream=127.0.0.1:\(port)\n")
        try harness.write("web.service", """
            [Unit]
            Description=Web service
            [Service]
            Type=notify
            ExecStart=\(harness.probeCommand(label: label, "--notify --wait-ms 60000"))
            """)
        return port
    }

    func testStatusOfASocketAndItsRunningServiceReadsLikeSystemctl() throws {
        let harness = try UsherdHarness()
        let port = try webUnits(harness)
        try harness.start()
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 web.socket\n")
        try harness.waitForLog("web.service: Service is ready.")

        let run = try usherctl(harness, ["status", "web.socket", "web.service", "--lines", "2"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(masked(run.output, harness), """
            * web.socket - Web socket
                 Loaded: loaded (ROOT/units/web.socket)
                 Active: active (running) since DATE; AGO
               Triggers: * web.service
                 Listen: 127.0.0.1:PORT (Stream)
               Accepted: 0; Connected: 0; Refused: 0

            TIME usherd: Listening on 127.0.0.1:PORT.

            * web.service - Web service
                 Loaded: loaded (ROOT/units/web.service)
                 Active: active (running) since DATE; AGO
            TriggeredBy: * web.socket
               Main PID: N
                 Status: "probe ready"

            TIME usherd: Started \(UsherdHarness.probePath), PID N.
            TIME usherd: Service is ready.

            """)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testListSocketsListUnitsAndShowReportTheLiveState() throws {
        let harness = try UsherdHarness()
        _ = try webUnits(harness)
        try harness.start()

        let sockets = try usherctl(harness, ["list-sockets", "--no-legend", "--plain"])
        XCTAssertEqual(masked(sockets.output, harness), "127.0.0.1:PORT web.socket web.service\n")
        let units = try usherctl(harness, ["list-units", "--all", "--no-legend", "--plain"])
        XCTAssertEqual(units.output.split(separator: "\n").map { $0.split(separator: " ").prefix(4).joined(separator: " ") },
                       ["web.service loaded inactive dead", "web.socket loaded active listening"])
        let show = try usherctl(harness, ["show", "web.socket", "--unit-dir", harness.unitDirectory])
        for line in ["ActiveState=active", "SubState=listening", "Result=success", "NAccepted=0", "NRefused=0"] {
            XCTAssertTrue(show.output.split(separator: "\n").contains(Substring(line)), "\(line) in \(show.output)")
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testStoppedSocketRefusesAndStartedSocketServesAgain() throws {
        let harness = try UsherdHarness()
        let port = try webUnits(harness)
        try harness.start()

        XCTAssertEqual(try usherctl(harness, ["stop", "web.socket"]).status, 0)
        XCTAssertThrowsError(try Client.tcp(port: port), "connect() is refused while the socket is stopped")
        XCTAssertEqual(try usherctl(harness, ["is-active", "web.socket"]).status, 3)
        XCTAssertEqual(try usherctl(harness, ["start", "web.socket"]).status, 0)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 web.socket\n")
        XCTAssertEqual(try usherctl(harness, ["is-active", "web.socket"]).output, "active\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testRestartOfARunningServicePassesItsFdsAgain() throws {
        let harness = try UsherdHarness()
        let port = try webUnits(harness, label: "again")
        try harness.start()
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 web.socket\n")
        try harness.waitForReport(label: "again")

        let restart = try usherctl(harness, ["restart", "web.service"])
        XCTAssertEqual(restart.status, 0, restart.output)
        XCTAssertEqual(try usherctl(harness, ["is-active", "web.service"]).output, "active\n", "restart waited for READY=1")
        let second = try harness.waitForReport(label: "again", count: 2)
        XCTAssertEqual(second["sd_listen_fds"] as? Int, 1, "\(second)")
        XCTAssertEqual(second["sd_listen_fds_names"] as? [String], ["web.socket"])
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 web.socket\n", "the restarted service serves on the same fd")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testLogsFollowSeesALineTheServicePrintsLater() throws {
        let harness = try UsherdHarness()
        let trigger = harness.root + "/go"
        try harness.write("talk.service", """
            [Service]
            ExecStart=/bin/sh -c "echo first; while [ ! -e \(trigger) ]; do sleep 0.05; done; echo second; sleep 300"
            [Install]
            WantedBy=multi-user.target
            """)
        try harness.enable("talk.service")
        try harness.start()
        try harness.waitForLog("talk.service: first")

        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: UsherdHarness.productsDirectory + "/usherctl")
        follower.arguments = ["logs", "talk.service", "-f"]
        follower.environment = ["USHER_CONTROL_SOCKET": harness.root + "/rt/control"]
        let pipe = Pipe()
        follower.standardOutput = pipe
        try follower.run()
        defer { follower.interrupt(); follower.waitUntilExit() }
        var seen = ""
        try eventually("logs -f to print the backlog", timeout: 5) {
            seen += String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
            return seen.contains("talk.service: first")
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: trigger, contents: nil))
        try eventually("logs -f to print the new line", timeout: 5) {
            seen += String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
            return seen.contains("talk.service: second")
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testUnknownUnitsAndFailedStartsGetSystemctlsExitCodes() throws {
        let harness = try UsherdHarness()
        try harness.write("broken.service", "[Service]\nExecStart=/bin/false\n")
        try harness.start()

        let status = try usherctl(harness, ["status", "nope.socket"])
        XCTAssertEqual(status.status, 4)
        XCTAssertTrue(status.output.contains("Unit nope.socket could not be found."), status.output)
        let start = try usherctl(harness, ["start", "broken.service"])
        XCTAssertEqual(start.status, 0, "a simple service's start succeeds once it was spawned, as systemd's does")
        try harness.waitForLog("broken.service: Failed with result 'exit-code'.")
        XCTAssertEqual(try usherctl(harness, ["is-failed", "broken.service"]).output, "failed\n")
        XCTAssertEqual(try usherctl(harness, ["reset-failed", "broken.service"]).status, 0)
        XCTAssertEqual(try usherctl(harness, ["is-active", "broken.service"]).output, "inactive\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testUsherctlReportsTooManyClientsInsteadOfDyingOfSIGPIPE() throws {
        let harness = try UsherdHarness()
        try harness.start()
        // Root is not held to the per-user cap, so 130 idle clients fill the 128 slots.
        let idle = try (0..<130).map { _ in try RawControlClient.connect(harness.root + "/rt/control") }
        for _ in 0..<5 {
            let run = try usherctl(harness, ["status"])
            XCTAssertTrue(run.status == 1 || run.status == 69, "an exit status, not a signal: \(run.status) \(run.output)")
            XCTAssertTrue(run.output.contains("too many control clients"), run.output)
        }
        XCTAssertEqual(idle.count, 130)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testUsherctlSaysWhichSocketItTriedWhenUsherdIsNotRunning() throws {
        let harness = try UsherdHarness()
        let run = try usherctl(harness, ["status"])
        XCTAssertEqual(run.status, 69)
        XCTAssertTrue(run.output.contains(harness.root + "/rt/control"), run.output)
    }
}
