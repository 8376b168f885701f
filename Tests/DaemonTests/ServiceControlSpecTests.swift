// Services driven through the daemon in-process: start timeouts on the
// virtual clock, control calls over the real control socket that are
// answered when the service got there, and status snapshots that report
// the machines' ActiveState/SubState. No process runs; no test waits.
import XCTest
import Activation
import ControlProtocol
import UnitModel
import UsherSys
@testable import UsherDaemon

final class ServiceControlSpecTests: DaemonSpecCase {
    /// web.socket and web.service with `service` settings, started by first traffic.
    private func startWebService(_ service: String) throws -> Int32 {
        try fixture.writeWebSocket()
        try fixture.write("web.service", "[Service]\nExecStart=/bin/sleep infinity\n\(service)\n")
        try fixture.start()
        XCTAssertTrue(fixture.loop.fireIO(traffic))
        return try XCTUnwrap(fixture.lastPID)
    }

    private func serviceResult() -> UnitResult? {
        fixture.daemon?.units.services[UnitName("web.service")]?.machine.result
    }

    func testNotifyServiceThatNeverSaysReadyIsSignalledAtTimeoutStartSec() throws {
        let pid = try startWebService("Type=notify\nTimeoutStartSec=5s")
        XCTAssertEqual(fixture.state(of: "web.service"), "activating (start)")
        XCTAssertEqual(fixture.loop.timers(reporting: .serviceTimer(UnitName("web.service"))), [5_000_000])
        fixture.loop.advanceTime(by: .milliseconds(4_999))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [], "signalled before TimeoutStartSec= passed")
        fixture.loop.advanceTime(by: .milliseconds(1))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)).first, SIGTERM)
        XCTAssertEqual(fixture.state(of: "web.service"), "deactivating (stop-sigterm)")
    }

    func testNotifyServiceThatTimesOutFailsWithResultTimeoutOnceItsProcessIsGone() throws {
        let pid = try startWebService("Type=notify\nTimeoutStartSec=5s")
        fixture.loop.advanceTime(by: .seconds(5))
        fixture.processes.kill(pid, by: SIGTERM)
        XCTAssertTrue(fixture.loop.raise(SIGCHLD))
        XCTAssertEqual(fixture.state(of: "web.service"), "failed (failed)")
        XCTAssertEqual(serviceResult(), .timeout)
        XCTAssertTrue(fixture.loop.isWatching(traffic), "the socket does not listen again after the failure")
    }

    func testStopCallIsAnsweredOnlyAfterTheServiceIsInactive() throws {
        let pid = try startWebService("")
        let client = try fixture.send(ControlRequest(verb: .stop, units: ["web.service"]))
        XCTAssertNil(try fixture.reply(on: client), "answered while the service was still stopping")
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)).first, SIGTERM)
        XCTAssertEqual(fixture.state(of: "web.service"), "deactivating (stop-sigterm)")
        fixture.processes.kill(pid, by: SIGTERM)
        fixture.loop.raise(SIGCHLD)
        let reply = try XCTUnwrap(try fixture.reply(on: client), "no answer once the service was inactive")
        XCTAssertEqual(reply.results, [UnitOutcome(unit: "web.service")])
        XCTAssertEqual(fixture.state(of: "web.service"), "inactive (dead)")
    }

    func testStopCallThatHitsTimeoutStopSecIsAnsweredAfterSIGKILL() throws {
        let pid = try startWebService("TimeoutStopSec=10s")
        let client = try fixture.send(ControlRequest(verb: .stop, units: ["web.service"]))
        fixture.loop.advanceTime(by: .seconds(10))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGTERM, SIGCONT, SIGKILL])
        XCTAssertNil(try fixture.reply(on: client), "answered before the killed process was reaped")
        fixture.processes.kill(pid, by: SIGKILL)
        fixture.loop.raise(SIGCHLD)
        XCTAssertNotNil(try fixture.reply(on: client))
    }

    // MARK: SIGCONT after a stop's signal (systemd 252's unit_kill_context)

    /// web.service with `settings` whose ExecStartPre= process exits leaving its process group
    /// alive: a leftover in one of the service's sessions. The pre process's pid and the main one's.
    private func startWithALeftoverGroup(_ settings: String) throws -> (left: Int32, main: Int32) {
        let left = try startWebService("ExecStartPre=/bin/true\n" + settings)
        fixture.processes.livingGroups.insert(left)
        fixture.reapExit(left)
        let main = try XCTUnwrap(fixture.lastPID)
        XCTAssertNotEqual(main, left, "the main process did not start")
        return (left, main)
    }

    func testSendSIGHUPStopSendsKillSignalSIGCONTThenSIGHUPWithNoSIGCONTAfterIt() throws {
        let (left, main) = try startWithALeftoverGroup("SendSIGHUP=yes")
        _ = try fixture.send(ControlRequest(verb: .stop, units: ["web.service"]))
        XCTAssertEqual(fixture.processes.signals(to: .group(main)), [SIGTERM, SIGCONT, SIGHUP])
        XCTAssertEqual(fixture.processes.signals(to: .group(left)), [SIGTERM, SIGCONT, SIGHUP], "the leftover group")
    }

    func testAStopStepLooksTheLeftoversUpOnceForAllItsSignals() throws {
        _ = try startWithALeftoverGroup("SendSIGHUP=yes")
        let before = fixture.processes.sessionScans
        _ = try fixture.send(ControlRequest(verb: .stop, units: ["web.service"]))
        XCTAssertEqual(fixture.processes.sessionScans - before, 1, "SIGTERM, SIGCONT and SIGHUP from one lookup")
    }

    func testStopThatEscalatesToSIGKILLSendsNoSIGCONTAfterSIGKILL() throws {
        let (left, main) = try startWithALeftoverGroup("TimeoutStopSec=10s")
        _ = try fixture.send(ControlRequest(verb: .stop, units: ["web.service"]))
        fixture.loop.advanceTime(by: .seconds(10))
        XCTAssertEqual(fixture.processes.signals(to: .group(main)), [SIGTERM, SIGCONT, SIGKILL])
        XCTAssertEqual(fixture.processes.signals(to: .group(left)), [SIGTERM, SIGCONT, SIGKILL], "the leftover group")
    }

    func testLeftoversOfAnExitedMainProcessGetSIGHUPAndThenSIGKILLWithNoSIGCONTAfterEither() throws {
        let main = try startWebService("SendSIGHUP=yes\nTimeoutStopSec=10s")
        fixture.processes.livingGroups.insert(main)
        fixture.reapExit(main)
        XCTAssertEqual(fixture.processes.signals(to: .group(main)), [SIGTERM, SIGCONT, SIGHUP])
        fixture.loop.advanceTime(by: .seconds(10))
        XCTAssertEqual(fixture.processes.signals(to: .group(main)), [SIGTERM, SIGCONT, SIGHUP, SIGKILL])
    }

    func testKillCallSignalsTheMainProcessAndLeavesTheServiceToItsExit() throws {
        let pid = try startWebService("")
        let reply = try fixture.call(ControlRequest(verb: .kill, units: ["web.service"], signal: SIGUSR1))
        XCTAssertEqual(reply?.results, [UnitOutcome(unit: "web.service")])
        XCTAssertEqual(fixture.processes.signals(to: .pid(pid)), [SIGUSR1])
        XCTAssertEqual(fixture.state(of: "web.service"), "active (running)")
    }

    func testSIGTERMStopsTheRunningServiceThenClosesTheListenersAndExitsZero() throws {
        let pid = try startWebService("")
        XCTAssertTrue(fixture.loop.raise(SIGTERM))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)).first, SIGTERM)
        XCTAssertNil(fixture.loop.exitCode, "exited before the service stopped")
        fixture.processes.kill(pid, by: SIGTERM)
        fixture.loop.raise(SIGCHLD)
        XCTAssertEqual(fixture.loop.exitCode, 0)
        XCTAssertEqual(fixture.listeners(of: "web.socket"), [])
    }

    func testStatusSnapshotsShowTheMachinesActiveAndSubStates() throws {
        _ = try startWebService("")
        let reply = try XCTUnwrap(try fixture.call(ControlRequest(verb: .status, units: ["web.socket", "web.service"])), fixture.log.text)
        let states = (reply.units ?? []).map { "\($0.id) \($0.activeState) (\($0.subState))" }
        XCTAssertEqual(states, ["web.socket active (running)", "web.service active (running)"])
    }

    func testStatusOfAServiceThatFailedReportsItsResult() throws {
        let pid = try startWebService("")
        fixture.reapExit(pid, status: 3)
        let reply = try XCTUnwrap(try fixture.call(ControlRequest(verb: .status, units: ["web.service"])))
        let status = try XCTUnwrap(reply.units?.first)
        XCTAssertEqual([status.activeState, status.subState, status.result], ["failed", "failed", "exit-code"])
    }
}
