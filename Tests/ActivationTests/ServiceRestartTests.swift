// Restart= in the service machine: systemd's table of exit causes against
// settings, RestartSec=, RestartPreventExitStatus=, SuccessExitStatus=, the
// start limit counting restarts, and stop requests cancelling a restart.
import XCTest
import UnitModel
@testable import Activation

final class ServiceRestartTests: XCTestCase {
    private func running(_ configure: (inout ServiceUnit) -> Void) -> ServiceMachine {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.timeoutStopSec = .seconds(1)
        configure(&unit)
        var machine = ServiceMachine(config: ServiceConfig(unit: unit))
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        return machine
    }

    private func config(_ policy: RestartPolicy) -> ServiceConfig {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.restart = policy
        return ServiceConfig(unit: unit)
    }

    func testRestartTableMatchesSystemdRowByRow() {
        // Columns: no, always, on-success, on-failure, on-abnormal, on-abort, on-watchdog.
        let policies: [RestartPolicy] = [.no, .always, .onSuccess, .onFailure, .onAbnormal, .onAbort, .onWatchdog]
        let rows: [(cause: String, result: UnitResult?, exit: ExitStatus?, restarts: [Bool])] = [
            ("clean exit code or signal", nil, .exited(0), [false, true, true, false, false, false, false]),
            ("unclean exit code", .exitCode, .exited(1), [false, true, false, true, false, false, false]),
            ("unclean signal", .signal, .killed(signal: 9), [false, true, false, true, true, true, false]),
            ("core dump", .coreDump, .dumped(signal: 11), [false, true, false, true, true, true, false]),
            ("timeout", .timeout, nil, [false, true, false, true, true, false, false]),
            ("watchdog", .watchdog, nil, [false, true, false, true, true, false, true]),
        ]
        for row in rows {
            for (policy, expected) in zip(policies, row.restarts) {
                XCTAssertEqual(config(policy).shouldRestart(result: row.result, mainExit: row.exit), expected,
                               "Restart=\(policy.rawValue) after \(row.cause)")
            }
        }
    }

    func testRestartAlwaysWaitsRestartSecThenStartsAgain() {
        var machine = running { $0.restart = .always; $0.restartSec = .milliseconds(250) }
        let exit = machine.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(machine.state, .autoRestart)
        XCTAssertTrue(exit.contains(.armTimer(.milliseconds(250))))
        XCTAssertEqual(exit.last, .becameInactive, "the sockets listen while the restart waits")
        XCTAssertEqual(machine.handle(.startRequested(now: 1)), [.becameActive], "traffic waits for the timer")
        let restart = machine.handle(.timerFired(now: 2))
        XCTAssertEqual(restart, [.log(Note(.info, "Scheduled restart job, restart counter is at 1.")),
                                 .becameActive, .spawnMain])
        XCTAssertEqual(machine.restartCount, 1)
    }

    func testRestartOnFailureDoesNotRestartACleanExit() {
        var machine = running { $0.restart = .onFailure }
        let actions = machine.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(machine.state, .inactive)
        XCTAssertFalse(actions.contains { if case .armTimer = $0 { return true } else { return false } })
    }

    func testRestartOnFailureRestartsAnUncleanExitAfterLoggingTheFailure() {
        var machine = running { $0.restart = .onFailure }
        let actions = machine.handle(.childExited(pid: 100, status: .exited(2)))
        XCTAssertEqual(machine.state, .autoRestart)
        XCTAssertTrue(actions.contains(.log(Note(.warning, "Failed with result 'exit-code'."))))
        XCTAssertTrue(actions.contains(.armTimer(.milliseconds(100))), "RestartSec= defaults to 100ms")
    }

    func testRestartPreventExitStatusWinsOverRestartAlways() {
        var machine = running { $0.restart = .always; $0.restartPreventExitStatus = [3] }
        _ = machine.handle(.childExited(pid: 100, status: .exited(3)))
        XCTAssertEqual(machine.state, .failed(result: .exitCode))
        var bySignal = running { $0.restart = .always; $0.restartPreventExitSignals = [10] }
        _ = bySignal.handle(.childExited(pid: 100, status: .killed(signal: 10)))
        XCTAssertEqual(bySignal.state, .failed(result: .signal))
    }

    func testSuccessExitStatusMakesACodeAndASignalClean() {
        var machine = running { $0.restart = .onFailure; $0.successExitStatus = [42]; $0.successExitSignals = [10] }
        _ = machine.handle(.childExited(pid: 100, status: .exited(42)))
        XCTAssertEqual(machine.state, .inactive)
        var bySignal = running { $0.restart = .onFailure; $0.successExitSignals = [10] }
        _ = bySignal.handle(.childExited(pid: 100, status: .killed(signal: 10)))
        XCTAssertEqual(bySignal.state, .inactive)
    }

    func testRestartsCountAgainstTheStartLimit() {
        var machine = running { $0.restart = .always; $0.startLimitBurst = 3 }
        for round in 1...2 {
            _ = machine.handle(.childExited(pid: 100, status: .exited(1)))
            XCTAssertEqual(machine.handle(.timerFired(now: UInt64(round))).last, .spawnMain)
            _ = machine.handle(.spawned(pid: 100))
        }
        _ = machine.handle(.childExited(pid: 100, status: .exited(1)))
        let actions = machine.handle(.timerFired(now: 3))
        XCTAssertEqual(actions.last, .startLimitHit)
        XCTAssertEqual(machine.state, .failed(result: .startLimitHit))
    }

    func testStopCancelsAPendingRestart() {
        var machine = running { $0.restart = .always }
        _ = machine.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(machine.handle(.stopRequested),
                       [.cancelTimer, .log(Note(.info, "Pending restart cancelled."))])
        XCTAssertEqual(machine.state, .inactive)
        XCTAssertFalse(machine.isActive)
        XCTAssertEqual(machine.handle(.timerFired(now: 5)), [], "a stale timer starts nothing")
    }

    func testStoppedServiceIsNotRestarted() {
        var machine = running { $0.restart = .always }
        _ = machine.handle(.stopRequested)
        _ = machine.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertEqual(machine.state, .inactive)
    }

    func testSpawnFailureIsRestartedOnAbnormal() {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.restart = .onAbnormal
        var machine = ServiceMachine(config: ServiceConfig(unit: unit))
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawnFailed(reason: "no such user"))
        XCTAssertEqual(machine.state, .autoRestart)
    }
}
