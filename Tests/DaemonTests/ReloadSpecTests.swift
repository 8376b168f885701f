// Reload as the daemon performs it, in-process: unit files are edited in the
// fixture's directory, then `daemon-reload` (over the control socket) or SIGHUP
// applies them. Each test checks what the summary says and what happened to
// the listeners (their fd numbers, a queued client) and the running service.
import XCTest
import ControlProtocol
import UnitModel
import UsherSys
@testable import UsherDaemon

final class ReloadSpecTests: DaemonSpecCase {
    private let webService = "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/true\n"

    private func startWeb() throws {
        try fixture.writeWebSocket()
        try fixture.write("web.service", webService)
        try fixture.start()
    }

    private func reload() throws -> ReloadSummary {
        let response = try XCTUnwrap(try fixture.call(ControlRequest(verb: .daemonReload)), "no reply")
        XCTAssertNil(response.error)
        return try XCTUnwrap(response.reload, "no summary")
    }

    private func connect(_ path: String) throws -> OwnedFD {
        let fd = try Socket.open(family: AF_UNIX, kind: .stream, object: "test client")
        try Socket.connect(fd, to: try SocketAddress.unixPath(path))
        return fd
    }

    private func serviceExits() throws {
        fixture.processes.exit(try XCTUnwrap(fixture.lastPID))
        XCTAssertTrue(fixture.loop.raise(SIGCHLD))
    }

    func testANewSocketIsBoundListeningAndReportedAdded() throws {
        try startWeb()
        try fixture.write("echo.socket", "[Socket]\nListenStream=\(fixture.root)/echo.sock\n")
        try fixture.write("echo.service", webService)
        let summary = try reload()
        XCTAssertEqual(summary.added, ["echo.service", "echo.socket"])
        XCTAssertEqual(summary.kept, ["web.service", "web.socket"])
        XCTAssertTrue(summary.succeeded)
        XCTAssertTrue(fixture.loop.isWatching(.listenerReadable(UnitName("echo.socket"))))
        XCTAssertNoThrow(try connect(fixture.root + "/echo.sock"))
    }

    func testAnUnchangedListenerKeepsItsFdAndAClientQueuedBeforeTheReloadIsServed() throws {
        try startWeb()
        let before = fixture.listeners(of: "web.socket")
        XCTAssertTrue(fixture.loop.fireIO(traffic), "the service does not start")
        let client = try connect(fixture.root + "/web.sock")
        try fixture.writeWebSocket("TriggerLimitBurst=50")
        let summary = try reload()
        XCTAssertEqual(summary.changed, ["web.socket"])
        XCTAssertEqual(fixture.listeners(of: "web.socket"), before)
        XCTAssertEqual(fixture.daemon?.units.sockets[UnitName("web.socket")]?.unit.triggerLimitBurst, 50)
        XCTAssertEqual(fixture.state(of: "web.socket"), "active (running)")
        try serviceExits()
        XCTAssertTrue(fixture.loop.fireIO(traffic), "the kept listener is not watched again")
        XCTAssertEqual(fixture.processes.spawned.last?.plan.fds, before)
        XCTAssertTrue(try Socket.waitReadable(before[0], timeoutMilliseconds: 0), "the queued client is gone")
        XCTAssertNotNil(try Socket.accept(before[0]))
        withExtendedLifetime(client) {}
    }

    func testAChangedListenerIsReboundAndTheOldOneClosed() throws {
        try startWeb()
        let before = fixture.listeners(of: "web.socket")
        try fixture.write("web.socket", "[Socket]\nListenStream=\(fixture.root)/web2.sock\n")
        let summary = try reload()
        XCTAssertEqual(summary.rebound, ["web.socket"])
        XCTAssertNotEqual(fixture.listeners(of: "web.socket"), [])
        XCTAssertNoThrow(try connect(fixture.root + "/web2.sock"))
        XCTAssertThrowsError(try connect(fixture.root + "/web.sock"), "the old listener still accepts")
        XCTAssertTrue(fixture.loop.isWatching(traffic))
        XCTAssertFalse(before.isEmpty)
    }

    func testAnEditThatNoLongerParsesKeepsTheOldListenerAndIsReportedFailed() throws {
        try startWeb()
        let before = fixture.listeners(of: "web.socket")
        try fixture.write("web.socket", "[Socket]\nListenStreem=\(fixture.root)/web.sock\n")
        let summary = try reload()
        XCTAssertEqual(summary.failed.map(\.unit), ["web.socket"])
        XCTAssertFalse(summary.succeeded)
        XCTAssertEqual(fixture.listeners(of: "web.socket"), before)
        XCTAssertTrue(fixture.loop.isWatching(traffic))
        XCTAssertNil(fixture.daemon?.units.broken[UnitName("web.socket")])
        XCTAssertNoThrow(try connect(fixture.root + "/web.sock"))
    }

    func testAnEditThatCannotBindKeepsTheOldDefinitionAndIsReportedFailed() throws {
        try startWeb()
        let before = fixture.listeners(of: "web.socket")
        let holder = try Socket.open(family: AF_INET, kind: .stream, object: "port holder")
        try Socket.bind(holder, to: try XCTUnwrap(SocketAddress.ipv4("127.0.0.1", port: 0)))
        try Socket.listen(holder, backlog: 4, object: "port holder")
        let port = try XCTUnwrap(try Socket.localAddress(holder.raw).port)
        try fixture.writeWebSocket("ListenStream=127.0.0.1:\(port)")
        let summary = try reload()
        XCTAssertEqual(summary.failed.map(\.unit), ["web.socket"], fixture.log.text)
        XCTAssertTrue(summary.failed[0].reason.contains("Address already in use"), summary.failed[0].reason)
        XCTAssertEqual(fixture.listeners(of: "web.socket"), before)
        XCTAssertEqual(fixture.daemon?.units.sockets[UnitName("web.socket")]?.unit.listens.count, 1)
        XCTAssertTrue(fixture.loop.isWatching(traffic))
        XCTAssertNoThrow(try connect(fixture.root + "/web.sock"))
    }

    func testARemovedSocketWhoseServiceRunsIsClosedOnlyAfterTheServiceExits() throws {
        try startWeb()
        XCTAssertTrue(fixture.loop.fireIO(traffic))
        try FileManager.default.removeItem(atPath: fixture.root + "/units/web.socket")
        try FileManager.default.removeItem(atPath: fixture.root + "/units/web.service")
        let summary = try reload()
        XCTAssertEqual(summary.removed, ["web.service", "web.socket"])
        XCTAssertFalse(fixture.listeners(of: "web.socket").isEmpty, "closed while its service runs")
        XCTAssertEqual(fixture.state(of: "web.service"), "active (running)")
        XCTAssertTrue(fixture.processes.signals(to: .group(try XCTUnwrap(fixture.lastPID))).isEmpty)
        try serviceExits()
        XCTAssertNil(fixture.daemon?.units.sockets[UnitName("web.socket")])
        XCTAssertNil(fixture.daemon?.units.services[UnitName("web.service")])
        XCTAssertFalse(fixture.loop.isWatching(traffic))
        XCTAssertThrowsError(try connect(fixture.root + "/web.sock"))
    }

    func testARemovedIdleSocketIsClosedAtOnce() throws {
        try startWeb()
        try FileManager.default.removeItem(atPath: fixture.root + "/units/web.socket")
        XCTAssertEqual(try reload().removed, ["web.socket"])
        XCTAssertNil(fixture.daemon?.units.sockets[UnitName("web.socket")])
        XCTAssertFalse(fixture.loop.isWatching(traffic))
    }

    func testAChangedServiceDefinitionTakesEffectAtTheNextStart() throws {
        try startWeb()
        XCTAssertTrue(fixture.loop.fireIO(traffic))
        try fixture.write("web.service", "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/echo new\n")
        XCTAssertEqual(try reload().changed, ["web.service"])
        XCTAssertEqual(fixture.state(of: "web.service"), "active (running)")
        XCTAssertEqual(fixture.processes.spawned.count, 1)
        try serviceExits()
        XCTAssertTrue(fixture.loop.fireIO(traffic))
        XCTAssertEqual(fixture.processes.spawned.last?.plan.path, "/bin/echo")
    }

    func testSIGHUPRunsTheSameReloadAndLogsTheSummary() throws {
        try startWeb()
        try fixture.write("echo.socket", "[Socket]\nListenStream=\(fixture.root)/echo.sock\n")
        try fixture.write("echo.service", webService)
        XCTAssertTrue(fixture.loop.raise(SIGHUP))
        XCTAssertTrue(fixture.loop.isWatching(.listenerReadable(UnitName("echo.socket"))))
        XCTAssertTrue(fixture.log.text.contains("Reload: added: echo.service echo.socket"), fixture.log.text)
    }
}
