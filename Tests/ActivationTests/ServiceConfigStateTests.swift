// ServiceConfig reads its settings from the unit instead of copying them, and
// keeps the shape usherd's re-exec state has always carried: it encodes the
// derived settings field by field, and one decoded from them derives the same
// settings and drives the machine the same way.
import Foundation
import XCTest
import UnitModel
@testable import Activation

final class ServiceConfigStateTests: XCTestCase {
    private func unit() -> ServiceUnit {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.type = .oneshot
        unit.execStartPre = [CommandLine(path: "/bin/true", arguments: ["true"], ignoreFailure: true)]
        unit.execStart = [CommandLine(path: "/bin/a", arguments: ["a"]),
                          CommandLine(path: "/bin/b", arguments: ["b"], ignoreFailure: true)]
        unit.timeoutStopSec = .seconds(7)
        unit.kill.killSignal = 2
        unit.kill.sendSIGHUP = true
        unit.successExitStatus = [3]
        unit.restartPreventExitSignals = [15]
        unit.watchdogSec = .seconds(4)
        return unit
    }

    func testTheConfigReadsTheUnitsSettingsAndDerivesTheRest() {
        let config = ServiceConfig(unit: unit())
        XCTAssertEqual(config.ignoreFlags(.start), [false, true])
        XCTAssertEqual(config.ignoreFlags(.startPre), [true])
        XCTAssertEqual(config.abortTimeout, .seconds(7))
        XCTAssertEqual(config.stopSignals(for: .restart), [2, 18])
        XCTAssertEqual(config.stopSignals(for: .terminate), [2, 18, 1])
        XCTAssertEqual(config.notifyAccess, .main)
        XCTAssertFalse(config.waitsForReady)
    }

    func testItEncodesTheDerivedSettingsByTheirOldKeys() throws {
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ServiceConfig(unit: unit()))) as? [String: Any]
        let object = try XCTUnwrap(json)
        XCTAssertEqual(object["start"] as? [Bool], [false, true])
        XCTAssertEqual(object["restartKillSignal"] as? Int, 2)
        XCTAssertEqual(object["sendSIGHUP"] as? Bool, true)
        XCTAssertEqual(object["notifyAccess"] as? String, "main")
        XCTAssertEqual(object["waitsForReady"] as? Bool, false)
        XCTAssertNil(object["sharedUnit"])
        // The stored fields of the config before it read the unit (pidFile and busName are nil here).
        let keys = """
            type waitsForReady startTimeout stopTimeout abortTimeout watchdog remainAfterExit killMode killSignal
            restartKillSignal finalKillSignal watchdogSignal sendSIGKILL sendSIGHUP start stop reload guessMainPID
            successExitStatus successExitSignals startPre startPost stopPost restart restartSec restartPreventExitStatus
            restartPreventExitSignals restartForceExitStatus restartForceExitSignals startLimitInterval startLimitBurst
            notifyAccess
            """
        XCTAssertEqual(Set(object.keys), Set(keys.split(whereSeparator: \.isWhitespace).map(String.init)))
    }

    func testADecodedConfigDerivesTheSameSettingsAndTheMachineActsTheSame() throws {
        var original = ServiceMachine(config: ServiceConfig(unit: unit()))
        _ = original.handle(.startRequested(now: 0))
        let decoded = try JSONDecoder().decode(ServiceMachine.self, from: JSONEncoder().encode(original))
        XCTAssertEqual(decoded, original)
        XCTAssertFalse(decoded.config.sharedUnit === original.config.sharedUnit)
        var (a, b) = (original, decoded)
        let events: [ServiceEvent] = [.controlSpawned(pid: 5), .childExited(pid: 5, status: .exited(1)),
                                      .spawned(pid: 10), .childExited(pid: 10, status: .exited(3)), .spawned(pid: 11)]
        for event in events { XCTAssertEqual(a.handle(event), b.handle(event), "\(event)") }
        XCTAssertEqual(a.mainCommandIndex, 1)
        XCTAssertEqual(a, b)
    }

    func testConfigsOfUnitsThatDifferOnlyOutsideTheMachinesSettingsAreEqual() {
        var other = unit()
        other.exec.user = "nobody"
        XCTAssertEqual(ServiceConfig(unit: unit()), ServiceConfig(unit: other))
        other.restartSec = .seconds(9)
        XCTAssertNotEqual(ServiceConfig(unit: unit()), ServiceConfig(unit: other))
    }
}
