// Socket activation as the daemon performs it, run in-process: listeners are
// real (AF_UNIX in a temp directory), the loop and the processes are fakes
// the test drives, so each test reads as the sequence of events and what
// usherd does about them.
import XCTest
import Activation
import UnitModel
import UsherSys
@testable import UsherDaemon

final class SocketActivationSpecTests: DaemonSpecCase {
    /// web.socket with extra `socketSettings` and web.service (no start limit).
    private func startWebSocket(_ socketSettings: String = "") throws {
        try fixture.writeWebSocket(socketSettings)
        try fixture.write("web.service", "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/true\n")
        try fixture.start()
    }

    /// The service's current process exits with status 0 and usherd gets SIGCHLD.
    private func serviceExits() throws {
        fixture.processes.exit(try XCTUnwrap(fixture.lastPID))
        XCTAssertTrue(fixture.loop.raise(SIGCHLD), "SIGCHLD is not watched")
    }

    func testFreshSocketIsListeningAndWatchedWhileItsServiceIsDead() throws {
        try startWebSocket()
        XCTAssertTrue(fixture.loop.isWatching(traffic))
        XCTAssertEqual(fixture.state(of: "web.socket"), "active (listening)")
        XCTAssertEqual(fixture.state(of: "web.service"), "inactive (dead)")
        XCTAssertTrue(fixture.processes.spawned.isEmpty)
    }

    func testFirstTrafficSpawnsTheServiceWithTheSocketsFdsAndTheSocketStopsWatching() throws {
        try startWebSocket()
        let listeners = fixture.listeners(of: "web.socket")
        XCTAssertTrue(fixture.loop.fireIO(traffic))
        XCTAssertEqual(fixture.processes.spawned.count, 1)
        let plan = try XCTUnwrap(fixture.processes.spawned.first?.plan)
        XCTAssertEqual(plan.fds, listeners)
        XCTAssertTrue(plan.environment.contains("LISTEN_FDS=1"), "\(plan.environment)")
        XCTAssertTrue(plan.environment.contains("LISTEN_FDNAMES=web.socket"), "\(plan.environment)")
        XCTAssertFalse(fixture.loop.isWatching(traffic))
        XCTAssertEqual(fixture.state(of: "web.socket"), "active (running)")
        XCTAssertEqual(fixture.state(of: "web.service"), "active (running)")
    }

    func testServiceExitMakesTheSocketWatchAgain() throws {
        try startWebSocket()
        fixture.loop.fireIO(traffic)
        try serviceExits()
        XCTAssertTrue(fixture.loop.isWatching(traffic))
        XCTAssertEqual(fixture.state(of: "web.socket"), "active (listening)")
        XCTAssertEqual(fixture.state(of: "web.service"), "inactive (dead)")
    }

    func testNextTrafficAfterTheServiceExitedSpawnsItAgain() throws {
        try startWebSocket()
        fixture.loop.fireIO(traffic)
        try serviceExits()
        XCTAssertTrue(fixture.loop.fireIO(traffic))
        XCTAssertEqual(fixture.processes.spawned.count, 2)
    }

    func testTriggerLimitFailsTheSocketAndClosesItsListeners() throws {
        try startWebSocket("TriggerLimitIntervalSec=1min\nTriggerLimitBurst=2")
        for _ in 0..<2 {
            XCTAssertTrue(fixture.loop.fireIO(traffic))
            try serviceExits()
        }
        XCTAssertTrue(fixture.loop.fireIO(traffic), "the third trigger is not even watched")
        XCTAssertEqual(fixture.processes.spawned.count, 2, "the trigger over the limit started the service")
        XCTAssertEqual(fixture.state(of: "web.socket"), "failed (failed)")
        XCTAssertEqual(fixture.daemon?.units.sockets[UnitName("web.socket")]?.machine.result, .triggerLimitHit)
        XCTAssertEqual(fixture.listeners(of: "web.socket"), [], "the listeners are still open")
        XCTAssertFalse(fixture.loop.isWatching(traffic))
    }

    func testTriggerLimitCooldownReopensTheListenersWhenItsTimerFires() throws {
        try startWebSocket("TriggerLimitIntervalSec=1min\nTriggerLimitBurst=1\nTriggerLimitCooldownSec=30s")
        fixture.loop.fireIO(traffic)
        try serviceExits()
        fixture.loop.fireIO(traffic)
        XCTAssertEqual(fixture.state(of: "web.socket"), "failed (failed)")
        fixture.loop.advanceTime(by: .seconds(29))
        XCTAssertEqual(fixture.listeners(of: "web.socket"), [], "reopened before the cooldown passed")
        fixture.loop.advanceTime(by: .seconds(1))
        XCTAssertEqual(fixture.state(of: "web.socket"), "active (listening)")
        XCTAssertEqual(fixture.listeners(of: "web.socket").count, 1)
        XCTAssertTrue(fixture.loop.isWatching(traffic))
    }

    func testServiceThatCannotBeSpawnedFailsWithResultResourcesAndTheSocketListensAgain() throws {
        try startWebSocket()
        fixture.processes.nextSpawnError = SystemError(call: "clone", object: "/bin/true", errno: EAGAIN)
        fixture.loop.fireIO(traffic)
        XCTAssertEqual(fixture.state(of: "web.service"), "failed (failed)")
        XCTAssertEqual(fixture.daemon?.units.services[UnitName("web.service")]?.machine.result, .resources)
        XCTAssertTrue(fixture.loop.isWatching(traffic))
    }
}
