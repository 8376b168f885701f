// Reload of Accept=yes sockets, in-process: a changed template serves new
// connections while running instances keep their slots and listener fd;
// a removed socket with a running instance stops accepting and is closed
// when that instance has ended; a changed Accept= fails for that unit, which
// keeps its previous definition and listener.
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
        fixture.reapExit(spawned[0].pid)
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
        fixture.reapExit(spawned[0].pid)
        XCTAssertNil(runtime)
        XCTAssertThrowsError(try connect())
        withExtendedLifetime(client) {}
    }

    func testAnAcceptChangeFailsForThatUnitWhichKeepsItsDefinitionAndListener() throws {
        try startEcho()
        let before = runtime?.listeners.map(\.fd.raw)
        try fixture.write("echo.socket", "[Socket]\nListenStream=\(fixture.root)/echo.sock\nAccept=no\n")
        try fixture.write("echo.service", "[Service]\nExecStart=/bin/true\n")
        let summary = try reload()
        XCTAssertEqual(summary.failed.map(\.unit), ["echo.socket"])
        XCTAssertEqual(summary.failed.first?.reason, "Accept= changed; keeping the previous definition until usherd restarts.")
        XCTAssertFalse(summary.succeeded)
        XCTAssertEqual(runtime?.unit.accept, true, "still an Accept=yes unit")
        XCTAssertEqual(runtime?.listeners.map(\.fd.raw), before, "the same listener")
        XCTAssertNil(fixture.daemon?.units.sockets[echo])
        try connect()
        XCTAssertEqual(spawned.count, 1, "connections still get instances")
    }

    func testTurningAnAcceptNoSocketIntoAcceptYesFailsTheSameWay() throws {
        try fixture.writeWebSocket()
        try fixture.write("web.service", "[Service]\nExecStart=/bin/true\n")
        try fixture.start()
        let web = UnitName("web.socket")
        let before = fixture.listeners(of: "web.socket")
        try fixture.writeWebSocket("Accept=yes")
        try fixture.write("web@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")
        let summary = try reload()
        XCTAssertEqual(summary.failed.map(\.unit), ["web.socket"])
        XCTAssertEqual(fixture.daemon?.units.sockets[web]?.unit.accept, false)
        XCTAssertEqual(fixture.listeners(of: "web.socket"), before)
        XCTAssertNil(fixture.daemon?.units.acceptSockets[web])
    }
}
