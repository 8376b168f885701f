// The re-exec state in-process: what a running daemon saves (units, machines,
// pids, instances, journal, fds by number) survives encoding and decoding
// unchanged, names exactly the fds to hand over, and a state of another
// version is refused before anything else is read.
import XCTest
import Activation
import ControlProtocol
import UnitModel
import UsherSys
@testable import UsherDaemon

final class ReexecStateSpecTests: DaemonSpecCase {
    private let webService = "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/true\n"

    /// web.socket with its service running, echo.socket with one instance running.
    private func startBusyDaemon() throws -> Daemon {
        try fixture.writeWebSocket()
        try fixture.write("web.service", webService)
        try fixture.writeEcho("MaxConnections=5")
        let daemon = try fixture.start()
        XCTAssertTrue(fixture.loop.fireIO(traffic))
        _ = try fixture.connectEcho()
        XCTAssertTrue(fixture.loop.fireIO(.spawnResults))
        return daemon
    }

    func testDecodingWithTheUnitDirectoriesLeavesEveryUnitAsSaved() throws {
        let daemon = try startBusyDaemon()
        let saved = daemon.savedState(requester: nil)
        let decoded = try ReexecState.decode(try saved.encoded(), sharing: daemon.loader.directories)
        XCTAssertEqual(try decoded.encoded(), try saved.encoded())
        let web = try XCTUnwrap(decoded.services.first { $0.unit.name == UnitName("web.service") })
        XCTAssertEqual(web.unit, try XCTUnwrap(daemon.units.services[UnitName("web.service")]).unit)
        XCTAssertTrue(web.unit.unit.fragmentPath?.hasPrefix(daemon.loader.directories[0] + "/") == true)
    }

    func testTheSavedTableSurvivesEncodingAndDecodingUnchanged() throws {
        let daemon = try startBusyDaemon()
        let saved = daemon.savedState(requester: nil)
        let decoded = try ReexecState.decode(try saved.encoded())
        XCTAssertEqual(try decoded.encoded(), try saved.encoded(), "a second encoding is byte for byte the same")

        let web = try XCTUnwrap(decoded.services.first { $0.unit.name == UnitName("web.service") })
        let live = try XCTUnwrap(daemon.units.services[UnitName("web.service")])
        XCTAssertEqual(web.unit, live.unit)
        XCTAssertEqual(web.machine, live.machine)
        XCTAssertNotNil(web.machine.mainPID, "the service runs")
        XCTAssertEqual(web.times.activeEnter, live.times.activeEnter)

        let socket = try XCTUnwrap(decoded.sockets.first)
        XCTAssertEqual(socket.machine, daemon.units.sockets[UnitName("web.socket")]?.machine)
        XCTAssertEqual(socket.listeners, fixture.listeners(of: "web.socket"))

        let echo = try XCTUnwrap(decoded.acceptSockets.first)
        let liveEcho = try XCTUnwrap(daemon.units.acceptSockets[UnitName("echo.socket")])
        XCTAssertEqual(echo.machine, liveEcho.machine)
        XCTAssertEqual(echo.machine.counters.accepted, 1)
        XCTAssertEqual(echo.machine.counters.connections, 1, "the instance's connection slot is saved")
        XCTAssertEqual(decoded.instances.map(\.pid), daemon.units.instances().map(\.pid))
        XCTAssertEqual(decoded.instances.count, 1)
        XCTAssertEqual(decoded.journal.keys.sorted(), daemon.journal.saved.keys.sorted())
    }

    func testTheHandedOverFDsAreTheListenersTheControlAndNotifySocketsAndNothingElse() throws {
        let daemon = try startBusyDaemon()
        let saved = daemon.savedState(requester: nil)
        let listeners = fixture.listeners(of: "web.socket")
            + (daemon.units.acceptSockets[UnitName("echo.socket")]?.listeners.map(\.fd.raw) ?? [])
        let own = [daemon.control?.listenerFD, daemon.notify?.fd.raw].compactMap { $0 }
        let pidfds = daemon.units.services.values.compactMap { $0.pidfd?.raw }
        let outputs = saved.outputs.map(\.fd)
        XCTAssertEqual(Set(saved.handedOver), Set(listeners + own + pidfds + outputs))
        XCTAssertEqual(saved.handedOver.count, Set(saved.handedOver).count, "no fd is handed over twice")
    }

    func testAStateOfAnotherVersionIsRefusedNamingBothVersions() throws {
        let daemon = try startBusyDaemon()
        var saved = daemon.savedState(requester: nil)
        saved.version = ReexecState.currentVersion + 1
        XCTAssertThrowsError(try ReexecState.decode(try saved.encoded())) { error in
            XCTAssertEqual("\(error)", "state version \(ReexecState.currentVersion + 1), this usherd reads version \(ReexecState.currentVersion)")
        }
        XCTAssertThrowsError(try ReexecState.decode(Array("not json".utf8)))
    }

    func testAStateWithoutAServiceFDStoreDecodesWithAnEmptyOne() throws {
        let daemon = try startBusyDaemon()
        let text = String(decoding: try daemon.savedState(requester: nil).encoded(), as: UTF8.self)
        let withoutStore = text.replacingOccurrences(of: ",\"storedFDs\":[]", with: "")
            .replacingOccurrences(of: "\"storedFDs\":[],", with: "")
        XCTAssertFalse(withoutStore.contains("storedFDs"))
        let decoded = try ReexecState.decode(Array(withoutStore.utf8))
        XCTAssertTrue(decoded.services.allSatisfy { $0.storedFDs.isEmpty })
    }

    /// Sockets without commands' sessions (all but those whose commands left processes) are saved as an
    /// earlier image saved them, and an earlier image's state reads back with none.
    func testSocketsWithoutCommandSessionsAreSavedWithoutTheKeyAsBefore() throws {
        let daemon = try startBusyDaemon()
        let text = String(decoding: try daemon.savedState(requester: nil).encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"acceptSockets\":[{"), text)
        XCTAssertFalse(text.contains("commandSessions"), text)
        let decoded = try ReexecState.decode(Array(text.utf8))
        XCTAssertTrue(decoded.sockets.allSatisfy { $0.commandSessions == nil })
        XCTAssertTrue(decoded.acceptSockets.allSatisfy { $0.commandSessions == nil })
    }

    /// systemd's socket_start refuses a socket whose service does not load again at each start; a re-exec
    /// must not turn such a socket into an ordinary broken one that refuses silently.
    func testASocketRefusedForItsMissingServiceStillLogsTheRefusalAtEachStartAfterAReexec() throws {
        try fixture.write("lost.socket", "[Socket]\nListenStream=\(fixture.root)/lost.sock\nService=ghost.service\n")
        let daemon = try fixture.start()
        let refusal = "lost.socket: Socket service ghost.service not loaded, refusing."
        XCTAssertEqual(fixture.log.lines.filter { $0 == refusal }.count, 1, fixture.log.text)

        let decoded = try ReexecState.decode(try daemon.savedState(requester: nil).encoded())
        XCTAssertEqual(decoded.broken.map(\.name), [UnitName("lost.socket")])
        daemon.units.broken = [:]
        var brokenOnly = ReexecState()
        brokenOnly.broken = decoded.broken
        daemon.restore(brokenOnly)

        let reply = try XCTUnwrap(try fixture.call(ControlRequest(verb: .start, units: ["lost.socket"])))
        XCTAssertEqual((reply.error ?? reply.results?.first?.error)?.message, "Failed to start lost.socket: Socket service ghost.service not loaded, refusing.")
        XCTAssertEqual(fixture.log.lines.filter { $0 == refusal }.count, 2, "the start logs the refusal again: \(fixture.log.text)")
    }

    /// A state an older usherd wrote keeps SendSIGHUP= as the unit says it (`"sendSIGHUP":true` with
    /// KillSignal=SIGHUP); the resumed service's stop follows systemd 252 all the same: no SIGHUP after
    /// a KillSignal= that is SIGHUP already.
    func testAResumedServiceFromAnOlderStateSendsNoSecondSIGHUPAfterKillSignalSIGHUP() throws {
        try fixture.writeWebSocket()
        try fixture.write("web.service", webService + "KillSignal=SIGHUP\nSendSIGHUP=yes\n")
        let daemon = try fixture.start()
        XCTAssertTrue(fixture.loop.fireIO(traffic))
        let pid = try XCTUnwrap(fixture.lastPID)
        let text = String(decoding: try daemon.savedState(requester: nil).encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"sendSIGHUP\":false"), text)
        let older = text.replacingOccurrences(of: "\"sendSIGHUP\":false", with: "\"sendSIGHUP\":true")
        var resumed = ReexecState()
        resumed.services = try ReexecState.decode(Array(older.utf8)).services
        daemon.units.services = [:]
        daemon.restore(resumed)

        _ = try fixture.send(ControlRequest(verb: .stop, units: ["web.service"]))
        XCTAssertEqual(fixture.processes.signals(to: .group(pid)), [SIGHUP, SIGCONT])
    }

    func testABrokenUnitSavedWithoutTheMissingServiceMarkDecodesAsAnOrdinaryBrokenUnit() throws {
        try fixture.write("lost.socket", "[Socket]\nListenStream=\(fixture.root)/lost.sock\nService=ghost.service\n")
        let daemon = try fixture.start()
        let text = String(decoding: try daemon.savedState(requester: nil).encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"refusedForMissingService\":true"), text)
        let older = text.replacingOccurrences(of: ",\"refusedForMissingService\":true", with: "")
        let decoded = try ReexecState.decode(Array(older.utf8))
        XCTAssertEqual(decoded.broken.map(\.broken.refusedForMissingService), [false])
        XCTAssertEqual(decoded.broken.map(\.reason), ["Socket service ghost.service not loaded, refusing."])
    }
}
