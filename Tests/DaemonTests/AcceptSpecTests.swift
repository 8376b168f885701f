// Accept=yes as the daemon performs it, run in-process: real clients connect
// to a real AF_UNIX listener, the daemon accepts them when the test
// dispatches the readable io, and the fake instance spawner hands out pids
// whose exits the test declares.
import XCTest
import Activation
import UnitModel
@testable import UsherSys
@testable import UsherDaemon

final class AcceptSpecTests: DaemonSpecCase {
    private let echo = UnitName("echo.socket")

    /// echo.socket (Accept=yes, plus `settings`) and an inetd-style echo@.service.
    private func startEcho(_ settings: String = "") throws {
        try fixture.writeEcho(settings)
        try fixture.start()
    }

    /// A client connects and the daemon gets to accept it.
    @discardableResult
    private func connect() throws -> OwnedFD { try fixture.connectEcho() }

    private var instancePIDs: [Int32] { fixture.daemon?.units.instances(of: echo).map(\.pid).sorted() ?? [] }
    private var pendingSpawns: Int { fixture.daemon?.units.pendingInstances.count ?? -1 }

    private var counters: AcceptCounters? { fixture.daemon?.units.acceptSockets[echo]?.machine.counters }
    private var spawned: [FakeInstanceSpawner.Spawn] { fixture.instanceSpawner?.spawned ?? [] }

    func testEachConnectionSpawnsAnInetdInstanceNumberedInAcceptOrder() throws {
        try startEcho()
        try connect()
        try connect()
        XCTAssertEqual(spawned.map(\.arguments), [["/bin/cat"], ["/bin/cat"]])
        XCTAssertFalse(spawned[0].environment.contains { $0.hasPrefix("LISTEN_") }, "\(spawned[0].environment)")
        XCTAssertTrue(fixture.loop.fireIO(.spawnResults))
        let instances = fixture.daemon?.units.instances(of: echo).map(\.record.instance).sorted() ?? []
        XCTAssertEqual(instances.map { $0.prefix(2) }, ["0-", "1-"])
        XCTAssertEqual(counters?.accepted, 2)
        XCTAssertEqual(counters?.connections, 2)
    }

    func testConnectionOverMaxConnectionsIsRefusedUntilAnInstanceExits() throws {
        try startEcho("MaxConnections=1")
        try connect()
        let refused = try connect()
        XCTAssertEqual(spawned.count, 1, "the second connection got an instance")
        XCTAssertEqual(BlockingIO.readSome(refused.raw, milliseconds: 1000), [], "not closed")
        XCTAssertEqual(counters?.refused, 1)
        fixture.reapExit(spawned[0].pid)
        XCTAssertEqual(counters?.connections, 0)
        try connect()
        XCTAssertEqual(spawned.count, 2, "the freed slot was not given to the next connection")
    }

    func testAFUnixPeersAreNotLimitedPerSourceAsInSystemd() throws {
        try startEcho("MaxConnectionsPerSource=1")
        try connect()
        try connect()
        XCTAssertEqual(spawned.count, 2, "the second AF_UNIX connection of one user was refused")
        XCTAssertEqual(counters?.refused, 0)
        XCTAssertEqual(counters?.connections, 2)
    }

    func testPerSourceKeyIsTheIPAddressOrTheVsockCIDAndUncountedForOtherFamilies() throws {
        let v4 = try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: 80))
        XCTAssertEqual(Daemon.source(of: v4), .address(high: 0, low: 0xffff_7f00_0001))
        XCTAssertEqual(Daemon.source(of: .vsock(cid: 3, port: 1024)), .vsock(cid: 3))
        XCTAssertEqual(Daemon.source(of: .vsock(cid: 3, port: 1025)), .vsock(cid: 3), "the port does not count")
        XCTAssertEqual(Daemon.source(of: try SocketAddress.unixPath("/run/x.sock")), .uncounted)
    }

    func testAVsockConnectionIsNamedAndDescribedAsSystemd252Does() throws {
        let connection = AcceptedConnection(fd: OwnedFD(adopting: -1), peer: .vsock(cid: 3, port: 5000),
                                            local: .vsock(cid: 2, port: 1024), credentials: nil)
        XCTAssertEqual(connection.instanceName(number: 7), "7-2:1024-3:5000")
        XCTAssertEqual(connection.describe(number: 7, localText: nil).instance, "7-2:1024-3:5000")
        XCTAssertEqual(connection.remoteAddressAndPort?.address, "vsock:3")
        XCTAssertEqual(connection.remoteAddressAndPort?.port, "5000")
        XCTAssertEqual(connection.peer.sourceText, "vsock:3", "what a per-source refusal names")
    }

    func testSIGTERMSignalsTheRunningInstancesGroupsAndExitsOnceTheyAreReaped() throws {
        try startEcho()
        try connect()
        fixture.loop.fireIO(.spawnResults)
        let pid = spawned[0].pid
        XCTAssertTrue(fixture.loop.raise(SIGTERM))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGTERM, SIGCONT])
        XCTAssertNil(fixture.loop.exitCode, "exited while an instance ran")
        fixture.reapExit(pid)
        XCTAssertEqual(fixture.loop.exitCode, 0)
    }

    /// echo.socket (Accept=yes) and echo@.service with `settings`; one connection, its instance's pid.
    private func startInstance(_ settings: String) throws -> Int32 {
        try fixture.writeEcho(service: settings)
        try fixture.start()
        try connect()
        fixture.loop.fireIO(.spawnResults)
        return spawned[0].pid
    }

    /// What the instance of an echo@.service with `settings` gets when usherd is told to stop;
    /// usherd exits once the instance is reaped.
    private func signalsAtShutdown(_ settings: String) throws -> [Int32] {
        let pid = try startInstance(settings)
        XCTAssertTrue(fixture.loop.raise(SIGTERM))
        let signals = fixture.processes.signals(to: .group(pid))
        fixture.reapExit(pid)
        XCTAssertEqual(fixture.loop.exitCode, 0)
        return signals
    }

    func testSendSIGHUPFollowsTheKillSignalAnInstanceGetsAtShutdown() throws {
        XCTAssertEqual(try signalsAtShutdown("SendSIGHUP=yes\nKillSignal=SIGINT"), [SIGINT, SIGCONT, SIGHUP])
    }

    func testKillSignalSIGKILLReachesAnInstanceAtShutdownWithNoSIGCONTAfterIt() throws {
        XCTAssertEqual(try signalsAtShutdown("KillSignal=SIGKILL"), [SIGKILL])
    }

    // MARK: what an instance's main process leaves behind

    /// echo@.service with `settings`; one connection whose main process exits leaving its process group.
    private func instanceLeavesItsGroup(_ settings: String) throws -> Int32 {
        let pid = try startInstance("TimeoutStopSec=2\n" + settings)
        fixture.processes.livingGroups.insert(pid)
        fixture.reapExit(pid)
        return pid
    }

    /// systemd 252: KillMode=mixed's stop-sigterm signals no leftover, its stop-sigkill sends them
    /// FinalKillSignal= once, and the next timeout gives up on them.
    func testMixedInstanceLeftoversGetFinalKillSignalOnceAndAreGivenUpAtTheTimeout() throws {
        let pid = try instanceLeavesItsGroup("KillMode=mixed\nFinalKillSignal=SIGUSR1")
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGUSR1, SIGCONT])
        XCTAssertEqual(counters?.connections, 1, "the slot waits for the leftovers")
        fixture.loop.advanceTime(by: .seconds(2))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGUSR1, SIGCONT], "killed twice")
        XCTAssertTrue(fixture.log.text.contains("Processes still around after SIGKILL. Ignoring."), fixture.log.text)
        XCTAssertFalse(fixture.log.text.contains("State 'stop-sigterm' timed out"), fixture.log.text)
        XCTAssertEqual(counters?.connections, 0)
    }

    func testInstanceLeftoversGetSIGHUPWithSendSIGHUPAndSIGKILLAtTheTimeoutWithNoSIGCONTAfterEither() throws {
        let pid = try instanceLeavesItsGroup("SendSIGHUP=yes")
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGTERM, SIGCONT, SIGHUP])
        fixture.loop.advanceTime(by: .seconds(2))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGTERM, SIGCONT, SIGHUP, SIGKILL])
        XCTAssertEqual(counters?.connections, 1, "the slot waits for the killed leftovers")
    }

    /// systemd 252 skips stop-sigkill with SendSIGKILL=no: under KillMode=mixed nothing signals the leftovers.
    func testMixedInstanceWithoutSendSIGKILLLeavesItsLeftoversAndFreesTheSlotAtOnce() throws {
        let pid = try instanceLeavesItsGroup("KillMode=mixed\nSendSIGKILL=no")
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [])
        XCTAssertEqual(counters?.connections, 0)
        XCTAssertFalse(fixture.log.text.contains("Stopping what the main process left"), fixture.log.text)
    }

    func testControlGroupInstanceLeftoversWithoutSendSIGKILLGetKillSignalThenAreGivenUp() throws {
        let pid = try instanceLeavesItsGroup("SendSIGKILL=no")
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGTERM, SIGCONT])
        fixture.loop.advanceTime(by: .seconds(2))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGTERM, SIGCONT])
        XCTAssertTrue(fixture.log.text.contains("State 'stop-sigterm' timed out. Skipping SIGKILL."), fixture.log.text)
        XCTAssertEqual(counters?.connections, 0)
    }

    // MARK: spawn results

    /// Pool instances that exit before their spawn results are collected are matched when the results come.
    func testEarlyExitsOfPoolInstancesAreMatchedWhenTheirSpawnResultsCome() throws {
        try startEcho()
        fixture.instanceSpawner?.poolHolds = true
        try connect()
        try connect()
        let pool = spawned.map(\.pid)
        pool.forEach { fixture.processes.exit($0) }
        XCTAssertTrue(fixture.loop.raise(SIGCHLD))
        fixture.loop.advanceTime(by: Daemon.reapBatchWindow)
        XCTAssertEqual(counters?.connections, 2, "released before their spawn results came")
        fixture.instanceSpawner?.finishPool()
        XCTAssertTrue(fixture.loop.fireIO(.spawnResults))
        XCTAssertEqual(instancePIDs, [])
        XCTAssertEqual(pendingSpawns, 0)
        XCTAssertEqual(counters?.connections, 0)
        XCTAssertEqual(fixture.daemon?.units.acceptSockets[echo]?.finished.map(\.pid), pool)
        XCTAssertFalse(fixture.log.text.contains("Reaped orphan process"), fixture.log.text)
    }

    func testAForkFailureIsLoggedAndFreesTheSlot() throws {
        try startEcho()
        fixture.instanceSpawner?.nextFailure = .fork(errno: EAGAIN)
        try connect()
        XCTAssertTrue(fixture.loop.fireIO(.spawnResults))
        XCTAssertTrue(fixture.log.text.contains("Failed to fork: \(SystemError.describe(EAGAIN))"), fixture.log.text)
        XCTAssertEqual(counters?.connections, 0)
        XCTAssertEqual(pendingSpawns, 0)
    }

    func testAnExecFailureIsLoggedAndTheInstanceIsReapedWithStatus203() throws {
        try startEcho()
        fixture.instanceSpawner?.nextFailure = .setup(stage: 203, errno: ENOENT)
        try connect()
        XCTAssertTrue(fixture.loop.fireIO(.spawnResults))
        let pid = spawned[0].pid
        XCTAssertTrue(fixture.log.text.contains("Failed at step EXEC spawning /bin/cat: \(SystemError.describe(ENOENT))"),
                      fixture.log.text)
        XCTAssertEqual(instancePIDs, [pid])
        fixture.reapExit(pid, status: 203)
        XCTAssertEqual(counters?.connections, 0)
        XCTAssertTrue(fixture.log.text.contains("Main process exited, "), fixture.log.text)
    }

    func testSIGTERMWithSpawnsStillRunningSignalsTheirInstancesWhenTheResultsComeAndThenExits() throws {
        try startEcho()
        fixture.instanceSpawner?.poolHolds = true
        try connect()
        try connect()
        XCTAssertTrue(fixture.loop.raise(SIGTERM))
        XCTAssertNil(fixture.loop.exitCode, "exited with spawns pending")
        fixture.instanceSpawner?.finishPool()
        XCTAssertTrue(fixture.loop.fireIO(.spawnResults))
        for spawn in spawned {
            XCTAssertEqual(fixture.processes.signals(to: .group(spawn.pid)), [SIGTERM, SIGCONT])
        }
        XCTAssertNil(fixture.loop.exitCode, "exited while instances ran")
        fixture.processes.exit(spawned[1].pid)
        fixture.reapExit(spawned[0].pid)
        XCTAssertEqual(fixture.loop.exitCode, 0)
    }
}
