// Accept=yes limits and lifetimes under a real usherd (conformance case i):
// MaxConnections= with systemd's refusal and with MaxConnectionsPolicy=defer,
// MaxConnectionsPerSource= (per IP address; AF_UNIX peers not limited), the
// counter released after SIGKILL, the trigger limit with its cooldown (clients refused meanwhile), 2,000 connections
// without fd growth or zombies, a service's exit noticed while connections
// stream in (SIGCHLD is batched then), and no handler surviving usherd's stop.
import XCTest
import UsherSys

final class AcceptLimitsIntegrationTests: XCTestCase {
    private func pid(_ report: [String: Any]) -> Int32 { Int32(report["pid"] as? Int ?? -1) }

    /// A client that connected, was answered, and keeps its connection (and so its slot).
    private func servedClient(_ port: UInt16) throws -> AcceptClient {
        let client = try AcceptClient.ipv4(port)
        XCTAssertEqual(try client.request(), "ok\n")
        return client
    }

    /// mc.socket (Accept=yes), whose handlers hold their connection `holdMs`; returns the port.
    private func serveHolding(_ harness: UsherdHarness, socketExtra: String, holdMs: Int,
                              serviceExtra: String = "") throws -> UInt16 {
        try harness.serve("mc", socket: "\(socketExtra)\n", accept: true, service: """
            [Service]
            ExecStart=\(harness.probeCommand(label: "mc-%i", "--hold-ms \(holdMs)"))
            \(serviceExtra)
            """)
    }

    func testThirdClientOverMaxConnectionsIsDroppedWithSystemdMessage() throws {
        let harness = try UsherdHarness()
        let port = try serveHolding(harness, socketExtra: "MaxConnections=2", holdMs: 1500)

        let held = try (0..<2).map { _ in try servedClient(port) }
        XCTAssertEqual(try AcceptClient.ipv4(port).request(), "", "accepted and closed at once")
        try harness.waitForLog("mc.socket: Too many incoming connections (2), dropping connection.")
        for client in held { XCTAssertEqual(client.readToEnd(), "", "EOF once the handler exits") }
        try harness.waitUntilNoChildren("both handlers to be reaped")
        XCTAssertEqual(try AcceptClient.ipv4(port).request(), "ok\n", "a slot is free again")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(harness.log.contains("mc.socket: Accepted 3 connection(s), 0 active, 1 refused."), harness.log)
    }

    func testDeferPolicyQueuesTheThirdClientInsteadOfDroppingIt() throws {
        let harness = try UsherdHarness()
        let port = try serveHolding(harness, socketExtra: "MaxConnections=2\nMaxConnectionsPolicy=defer", holdMs: 800)

        let held = try (0..<2).map { _ in try servedClient(port) }
        let third = try AcceptClient.ipv4(port)
        XCTAssertEqual(try third.request(), "ok\n", "served once a slot is free")
        let reports = try harness.waitForReports(labelPrefix: "mc-", count: 3)
        XCTAssertNotNil(reports["mc-2-127.0.0.1:\(port)-127.0.0.1:\(third.port)"], "\(reports.keys)")
        XCTAssertFalse(harness.log.contains("Too many incoming connections"), harness.log)
        for client in held { XCTAssertEqual(client.readToEnd(), "", "EOF once the handler exits") }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testMaxConnectionsPerSourceDropsTheSecondConnectionFromOneAddress() throws {
        let harness = try UsherdHarness()
        let v6 = try freePort()
        let port = try serveHolding(harness, socketExtra: "ListenStream=[::1]:\(v6)\nMaxConnectionsPerSource=1",
                                    holdMs: 1500)

        let first = try AcceptClient.ipv4(port)
        XCTAssertEqual(try first.request(), "ok\n")
        XCTAssertEqual(try AcceptClient.ipv4(port).request(), "")
        try harness.waitForLog("mc.socket: Too many incoming connections (2) from source 127.0.0.1, dropping connection.")
        XCTAssertEqual(try AcceptClient.ipv6(v6).request(), "ok\n", "another source is counted apart")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testMaxConnectionsPerSourceDoesNotLimitAFUnixPeersAsInSystemd() throws {
        let harness = try UsherdHarness()
        let path = harness.runDirectory + "/mc.sock"
        _ = try serveHolding(harness, socketExtra: "ListenStream=\(path)\nMaxConnectionsPerSource=1", holdMs: 1500)

        let first = try AcceptClient.unix(path)
        XCTAssertEqual(try first.request(), "ok\n")
        XCTAssertEqual(try AcceptClient.unix(path).request(), "ok\n", "a second client of the same UID is served too")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertFalse(harness.log.contains("from source"), harness.log)
        XCTAssertTrue(harness.log.contains("mc.socket: Accepted 2 connection(s)"), harness.log)
    }

    func testSlotIsReleasedWhenTheHandlerIsKilled() throws {
        let harness = try UsherdHarness()
        let port = try serveHolding(harness, socketExtra: "MaxConnections=1", holdMs: 60_000)

        let first = try AcceptClient.ipv4(port)
        XCTAssertEqual(try first.request(), "ok\n")
        let handler = try XCTUnwrap(try harness.waitForReports(labelPrefix: "mc-0-", count: 1).values.first)
        XCTAssertEqual(try AcceptClient.ipv4(port).request(), "", "the one slot is taken")
        kill(pid(handler), SIGKILL)
        try harness.waitForLog("Main process exited, code=killed, signal=KILL")
        XCTAssertEqual(try AcceptClient.ipv4(port).request(), "ok\n", "the killed handler's slot is free again")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// Three echoed connections, then the fourth hits TriggerLimitBurst=3 and is closed unserved; returns the port.
    private func hitTriggerLimit(_ harness: UsherdHarness, cooldown: String) throws -> UInt16 {
        let port = try harness.serve("tl", socket: "TriggerLimitIntervalSec=30\nTriggerLimitBurst=3\n\(cooldown)", accept: true,
                                     service: "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")

        for _ in 0..<3 { XCTAssertEqual(try AcceptClient.ipv4(port).exchange("x\n", halfClose: true), "x\n") }
        // Nothing sent: a reset of the refused connection must not race a write or shutdown.
        XCTAssertEqual(try AcceptClient.ipv4(port).readToEnd(), "", "closed without being served")
        try harness.waitForLog("tl.socket: Trigger limit hit, refusing further activation.")
        try harness.waitForLog("tl.socket: Failed with result 'trigger-limit-hit'.")
        return port
    }

    func testTriggerLimitFailsTheSocketRefusingClientsUntilTheCooldownRevivesIt() throws {
        let harness = try UsherdHarness()
        let port = try hitTriggerLimit(harness, cooldown: "TriggerLimitCooldownSec=3")

        try expectRefused([try loopback(port)], "tl.socket during the cooldown")
        XCTAssertFalse(harness.log.contains("tl.socket: Listening again."), "still cooling down")
        try harness.waitForLog("tl.socket: Listening again.", timeout: 10)
        XCTAssertEqual(try AcceptClient.ipv4(port).exchange("y\n", halfClose: true), "y\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testTriggerLimitWithoutCooldownClosesTheListenerForGood() throws {
        let harness = try UsherdHarness()
        let port = try hitTriggerLimit(harness, cooldown: "")

        try expectRefused([try loopback(port)], "tl.socket after trigger-limit-hit")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertFalse(harness.log.contains("tl.socket: Listening again."), harness.log)
    }

    func testTwoThousandSequentialConnectionsLeaveNoFdsAndNoZombies() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("seq", socket: "TriggerLimitBurst=0\n", accept: true,
                                     service: "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")

        XCTAssertEqual(try AcceptClient.ipv4(port).exchange("warm\n", halfClose: true), "warm\n")
        try harness.waitUntilNoChildren("the warm-up handler to be reaped")
        let fdsBefore = harness.usherdFDCount
        for index in 0..<2000 {
            let line = "line \(index)\n"
            let echoed = try AcceptClient.ipv4(port).exchange(line, halfClose: true)
            if echoed != line { return XCTFail("connection \(index) got \(echoed.debugDescription)") }
        }
        try harness.waitUntilNoChildren("every handler to be reaped", timeout: 20)
        XCTAssertEqual(harness.usherdFDCount, fdsBefore, "usherd's fd count after 2,000 connections")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(harness.log.contains("seq.socket: Accepted 2001 connection(s), 0 active, 0 refused."), harness.log)
    }

    func testServiceExitIsNoticedWhileAcceptConnectionsStreamIn() throws {
        let harness = try UsherdHarness()
        let boot = "[Service]\nExecStart=/bin/sh -c 'sleep 0.5; exit 3'\n[Install]\nWantedBy=multi-user.target"
        try harness.write("boot.service", boot)
        try harness.enable("boot.service")
        let port = try harness.serve("stream", socket: "TriggerLimitIntervalSec=0\nTriggerLimitBurst=0", accept: true,
                                     service: "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")

        let exitNote = "boot.service: Main process exited, code=exited, status=3"
        let deadline = Date().addingTimeInterval(20)
        var served = 0
        while !harness.log.contains(exitNote) && Date() < deadline {
            XCTAssertEqual(try AcceptClient.ipv4(port).exchange("s\n", halfClose: true), "s\n")
            served += 1
        }
        XCTAssertTrue(harness.log.contains(exitNote), "the service's exit was seen during \(served) connections")
        try harness.waitUntilNoChildren("every handler to be reaped")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(harness.log.contains("stream.socket: Accepted \(served) connection(s), 0 active, 0 refused."),
                      harness.log)
    }

    func testNoHandlerSurvivesUsherdStop() throws {
        let harness = try UsherdHarness()
        let port = try serveHolding(harness, socketExtra: "", holdMs: 60_000)

        let clients = try (0..<3).map { _ in try servedClient(port) }
        let handlers = try harness.waitForReports(labelPrefix: "mc-", count: 3).values.map(pid)
        XCTAssertTrue(handlers.allSatisfy(isAlive))
        XCTAssertEqual(try harness.stop(), 0)
        for handler in handlers {
            try eventually("handler \(handler) to be gone", timeout: 5) { !isAlive(handler) }
        }
        for client in clients { XCTAssertEqual(client.readToEnd(timeout: 5), "", "the connection ended with its handler") }
    }

    func testHandlerIgnoringSIGTERMIsKilledAfterTimeoutStopSec() throws {
        let harness = try UsherdHarness()
        let port = try serveHolding(harness, socketExtra: "", holdMs: 60_000,
                         serviceExtra: "TimeoutStopSec=1\nExecStart=\nExecStart=\(harness.probeCommand(label: "mc-%i", "--hold-ms 60000 --ignore-term"))")

        let client = try AcceptClient.ipv4(port)
        XCTAssertEqual(try client.request(), "ok\n")
        let handler = try XCTUnwrap(try harness.waitForReports(labelPrefix: "mc-", count: 1).values.first.map(pid))
        let stopped = Date()
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertGreaterThan(Date().timeIntervalSince(stopped), 0.8, "usherd waited for TimeoutStopSec=")
        try eventually("the SIGTERM-ignoring handler to be gone", timeout: 5) { !isAlive(handler) }
        XCTAssertTrue(harness.log.contains("still running after the stop timeout, killing."), harness.log)
    }
}
