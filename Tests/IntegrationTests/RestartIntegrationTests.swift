// Restart= and the Exec*Pre/Post commands under a real usherd: restarts keep
// getting the listening fds, on-failure and RestartPreventExitStatus= keep a
// service down, ExecStartPre= runs first and its failure fails the start,
// ExecStartPost= follows READY=1 and its failure stops the service,
// ExecStopPost= sees the result, and stopping usherd cancels a pending restart.
import XCTest
import UsherSys

final class RestartIntegrationTests: XCTestCase {
    private func environ(_ report: [String: Any]) -> [String] { report["environ"] as? [String] ?? [] }

    func testRestartAlwaysServiceIsRestartedAndGetsTheListenersAgain() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("again", service: """
            [Unit]
            StartLimitIntervalSec=0
            [Service]
            Restart=always
            RestartSec=50ms
            ExecStart=\(harness.probeCommand(label: "again"))
            """)

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 again.socket\n")
        try harness.waitForLog("again.service: Scheduled restart job, restart counter is at 3.")
        try harness.waitForReport(label: "again", count: 3)
        let reports = harness.reports(label: "again")
        XCTAssertGreaterThanOrEqual(reports.count, 3)
        for report in reports {
            XCTAssertEqual(report["sd_listen_fds"] as? Int, 1, "every restart is passed the listener")
            XCTAssertEqual(report["sd_listen_fds_names"] as? [String], ["again.socket"])
        }
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 again.socket\n", "a restarted service still serves")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testOnFailureCleanExitAndPreventedStatusStayDownWhileAFailureRestarts() throws {
        let harness = try UsherdHarness()
        let ports = [try freePort(), try freePort(), try freePort()]
        let units = [("clean", "Restart=on-failure", "--exit-code 0"),
                     ("prevented", "Restart=always\nRestartPreventExitStatus=3", "--exit-code 3"),
                     ("failing", "Restart=on-failure", "--exit-code 2")]
        for ((name, restart, flags), port) in zip(units, ports) {
            try harness.write("\(name).socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n")
            try harness.write("\(name).service", """
                [Unit]
                StartLimitIntervalSec=30s
                StartLimitBurst=3
                [Service]
                \(restart)
                RestartSec=100ms
                ExecStart=\(harness.probeCommand(label: name, flags))
                """)
        }
        try harness.start()

        for ((name, _, _), port) in zip(units, ports) {
            XCTAssertEqual(try Client.tcp(port: port), "ok 3 \(name).socket\n")
        }
        // One start by traffic, two restarts 100 ms apart, then the start limit fails the socket.
        try harness.waitForLog("failing.service: Scheduled restart job, restart counter is at 2.")
        try harness.waitForLog("failing.service: Start request repeated too quickly.")
        try harness.waitForLog("failing.socket: Failed with result 'service-start-limit-hit'.")
        XCTAssertEqual(harness.reports(label: "failing").count, 3)
        XCTAssertEqual(harness.reports(label: "clean").count, 1, "on-failure leaves a clean exit down")
        XCTAssertEqual(harness.reports(label: "prevented").count, 1, "RestartPreventExitStatus=3 wins over always")
        XCTAssertTrue(harness.log.contains("clean.service: Deactivated successfully."))
        XCTAssertTrue(harness.log.contains("prevented.service: Failed with result 'exit-code'."))
        XCTAssertFalse(harness.log.contains("clean.service: Scheduled restart job"))
        XCTAssertFalse(harness.log.contains("prevented.service: Scheduled restart job"))
        XCTAssertFalse(harness.log.contains("Restart= is not supported"))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testStartPreRunsFirstWithoutListenersAndItsFailureFailsOnlyThatStart() throws {
        let harness = try UsherdHarness()
        let good = try freePort(), broken = try freePort()
        let marker = harness.outDirectory + "/pre-marker"
        try harness.write("good.socket", "[Socket]\nListenStream=127.0.0.1:\(good)\n")
        try harness.write("good.service", """
            [Service]
            ExecStartPre=/bin/sh -c 'echo pre > \(marker)'
            ExecStartPre=\(harness.probeCommand(label: "pre", "--no-serve"))
            ExecStartPre=-/bin/false
            ExecStart=/bin/sh -c 'test -e \(marker) && exec \(harness.probeCommand(label: "good"))'
            """)
        try harness.write("broken.socket", "[Socket]\nListenStream=127.0.0.1:\(broken)\n")
        try harness.write("broken.service", """
            [Service]
            ExecStartPre=/bin/sh -c 'exit 7'
            ExecStart=\(harness.probeCommand(label: "broken"))
            """)
        try harness.start()

        XCTAssertEqual(try Client.tcp(port: good), "ok 3 good.socket\n", "the main process ran after the marker")
        let pre = try harness.waitForReport(label: "pre")
        XCTAssertEqual(pre["sd_listen_fds"] as? Int, 0, "ExecStartPre= gets no listening fds")
        XCTAssertFalse(environ(pre).contains { $0.hasPrefix("LISTEN_") })

        let first = try Client.connectOnly(port: broken)
        try harness.waitForLog("broken.service: Control process (ExecStartPre=) exited, code=exited, status=7")
        try harness.waitForLog("broken.service: Failed with result 'exit-code'.")
        // The client nobody accepted triggers the next start, whose ExecStartPre= runs again.
        // (A second connect could be refused: repeated failed starts hit the start limit,
        // and the failed socket closes its listener.)
        try harness.waitForLog("broken.service: Failed with result 'exit-code'.", count: 2)
        XCTAssertEqual(harness.reports(label: "broken").count, 0, "the main process never ran")
        XCTAssertEqual(try Client.tcp(port: good), "ok 3 good.socket\n", "usherd keeps serving other units")
        XCTAssertFalse(harness.log.contains("ExecStartPre= is not supported"))
        withExtendedLifetime(first) {}
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testStopPostSeesServiceResultExitCodeAndExitStatus() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("post", service: """
            [Service]
            ExecStart=\(harness.probeCommand(label: "main", "--exit-code 3"))
            ExecStopPost=\(harness.probeCommand(label: "stoppost", "--no-serve"))
            """)

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 post.socket\n")
        let report = try harness.waitForReport(label: "stoppost")
        let variables = environ(report).filter { ["SERVICE_RESULT", "EXIT_CODE", "EXIT_STATUS"].contains($0.prefix { $0 != "=" }) }
        XCTAssertEqual(variables, ["SERVICE_RESULT=exit-code", "EXIT_CODE=exited", "EXIT_STATUS=3"])
        XCTAssertEqual(report["sd_listen_fds"] as? Int, 0)
        try harness.waitForLog("post.service: Failed with result 'exit-code'.")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 post.socket\n", "the socket listens again after ExecStopPost=")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testStoppingUsherdCancelsAPendingRestart() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("later", service: """
            [Service]
            Restart=always
            RestartSec=1min
            ExecStart=\(harness.probeCommand(label: "later"))
            """)

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 later.socket\n")
        try harness.waitForLog("later.service: Deactivated successfully.")
        try harness.waitUntilNoChildren("the service's process to be reaped", timeout: 5)
        let stopped = Date()
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 5, "usherd does not wait for RestartSec=")
        XCTAssertTrue(harness.log.contains("later.service: Pending restart cancelled."))
        XCTAssertEqual(harness.reports(label: "later").count, 1, "no restart during shutdown")
    }
}

final class StartPostIntegrationTests: XCTestCase {
    func testStartPostRunsAfterReadyWithMainPIDAndItsFailureStopsTheService() throws {
        let harness = try UsherdHarness()
        let ready = try freePort(), failing = try freePort()
        try harness.write("ready.socket", "[Socket]\nListenStream=127.0.0.1:\(ready)\n")
        try harness.write("ready.service", """
            [Service]
            Type=notify
            ExecStart=\(harness.probeCommand(label: "main", "--notify --wait-ms 60000"))
            ExecStartPost=\(harness.probeCommand(label: "post", "--no-serve"))
            """)
        try harness.write("failing.socket", "[Socket]\nListenStream=127.0.0.1:\(failing)\n")
        try harness.write("failing.service", """
            [Service]
            ExecStart=\(harness.probeCommand(label: "victim", "--wait-ms 60000"))
            ExecStartPost=/bin/sh -c 'exit 4'
            """)
        try harness.start()

        XCTAssertEqual(try Client.tcp(port: ready), "ok 3 ready.socket\n")
        let main = try harness.waitForReport(label: "main")
        let post = try harness.waitForReport(label: "post")
        let environ = post["environ"] as? [String] ?? []
        XCTAssertTrue(environ.contains("MAINPID=\(main["pid"] as? Int ?? -1)"), "ExecStartPost= knows the main process")
        XCTAssertEqual(post["sd_listen_fds"] as? Int, 0)

        let pending = try Client.connectOnly(port: failing)
        try harness.waitForLog("failing.service: Control process (ExecStartPost=) exited, code=exited, status=4")
        try harness.waitForLog("failing.service: Main process exited, code=killed, signal=TERM")
        try harness.waitForLog("failing.service: Failed with result 'exit-code'.")
        withExtendedLifetime(pending) {}
        XCTAssertEqual(try harness.stop(), 0)
    }
}
