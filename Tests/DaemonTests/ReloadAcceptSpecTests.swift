// Reload of Accept=yes sockets, in-process: a changed template serves new
// connections while running instances keep their slots and listener fd;
// a removed socket with a running instance stops accepting and is closed
// when that instance has ended.
import XCTest
import ControlProtocol
import UnitModel
import UsherSys
@testable import UsherDaemon

final class ReloadAcceptSpecTests: DaemonSpecCase {
    private let echo = UnitName("echo.socket")
    private var readable: DaemonEvent { .acceptReadable(echo, index: 0) }

    private func startEcho() throws {
        try fixture.writeEcho()
        try fixture.start()
    }

    @discardableResult
    private func connect() throws -> OwnedFD { try fixture.connectEcho() }

    private func reload() throws -> ReloadSummary {
        let response = try XCTUnwrap(try fixture.call(ControlRequest(verb: .daemonReload)), "no reply")
        return try XCTUnwrap(response.reload, "no summary")
    }

    private func instanceExits(_ pid: Int32) {
        fixture.processes.exit(pid)
        if !fixture.loop.raise(SIGCHLD) { fixture.loop.advanceTime(by: Daemon.reapBatchWindow) }
    }

    private var runtime: AcceptRuntime? { fixture.daemon?.units.acceptSockets[echo] }
    private var spawned: [FakeInstanceSpawner.Spawn] { fixture.instanceSpawner?.spawned ?? [] }

    func testAChangedTemplateServesNewConnectionsWhileARunningInstanceKeepsItsSlot() throws {
        try startEcho()
        let client = try connect()
        XCTAssertTrue(fixture.loop.fireIO(.spawnResults))
        let listener = runtime?.listeners.map(\.fd.raw)
        try fixture.write("echo@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/echo new\n")
        let summary = try reload()
        XCTAssertEqual(summary.changed, ["echo.socket"])
        XCTAssertEqual(runtime?.listeners.map(\.fd.raw), listener)
        XCTAssertEqual(runtime?.machine.counters.connections, 1)
        let second = try connect()
        XCTAssertEqual(spawned.map(\.arguments), [["/bin/cat"], ["/bin/echo", "new"]])
        instanceExits(spawned[0].pid)
        XCTAssertEqual(runtime?.machine.counters.connections, 1)
        withExtendedLifetime((client, second)) {}
    }

    func testARemovedSocketWithARunningInstanceIsClosedWhenTheInstanceHasEnded() throws {
        try startEcho()
        let client = try connect()
        XCTAssertTrue(fixture.loop.fireIO(.spawnResults))
        try FileManager.default.removeItem(atPath: fixture.root + "/units/echo.socket")
        XCTAssertEqual(try reload().removed, ["echo.socket"])
        XCTAssertFalse(fixture.loop.isWatching(readable))
        XCTAssertEqual(runtime?.listeners.count, 1, "closed while its instance runs")
        instanceExits(spawned[0].pid)
        XCTAssertNil(runtime)
        XCTAssertThrowsError(try connect())
        withExtendedLifetime(client) {}
    }
}
