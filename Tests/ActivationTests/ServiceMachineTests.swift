// The service machine: start, readiness for Type=notify, exit results, the
// start limit, and the stop sequence ExecStop= → KillSignal= → SIGKILL.
import XCTest
import UnitModel
@testable import Activation

final class ServiceMachineTests: XCTestCase {
    private func service(_ configure: (inout ServiceUnit) -> Void = { _ in }) -> ServiceMachine {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.timeoutStopSec = .seconds(1)
        configure(&unit)
        return ServiceMachine(config: ServiceConfig(unit: unit))
    }

    private func running(_ configure: (inout ServiceUnit) -> Void = { _ in }) -> ServiceMachine {
        var machine = service(configure)
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        return machine
    }

    func testStartRequestSpawnsAndTellsSocketsFirst() {
        var machine = service()
        XCTAssertEqual(machine.handle(.startRequested(now: 0)), [.becameActive, .spawnMain])
        XCTAssertEqual(machine.handle(.spawned(pid: 100)), [])
        XCTAssertEqual(machine.state, .running)
        XCTAssertEqual(machine.mainPID, 100)
    }

    func testStartRequestWhileActiveOnlyReassuresSockets() {
        var machine = running()
        XCTAssertEqual(machine.handle(.startRequested(now: 1)), [.becameActive])
    }

    func testCleanExitDeactivatesAndRearms() {
        var machine = running()
        let actions = machine.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(machine.state, .inactive)
        XCTAssertEqual(actions.last, .becameInactive)
        XCTAssertTrue(actions.contains(.log(Note(.info, "Main process exited, code=exited, status=0/SUCCESS"))))
    }

    func testExecFailureStatusFailsWithExitCode() {
        var machine = running()
        let actions = machine.handle(.childExited(pid: 100, status: .exited(203)))
        XCTAssertEqual(machine.state, .failed(result: .exitCode))
        XCTAssertTrue(actions.contains(.log(Note(.warning, "Main process exited, code=exited, status=203/EXEC"))))
        XCTAssertEqual(actions.last, .becameInactive)
    }

    func testSIGKILLedServiceFailsWithSignalResult() {
        var machine = running()
        _ = machine.handle(.childExited(pid: 100, status: .killed(signal: 9)))
        XCTAssertEqual(machine.state, .failed(result: .signal))
    }

    func testExitOfAnUnknownPidIsIgnored() {
        var machine = running()
        XCTAssertEqual(machine.handle(.childExited(pid: 555, status: .exited(1))), [])
        XCTAssertEqual(machine.state, .running)
    }

    func testSixthStartWithinTenSecondsHitsTheStartLimit() {
        var machine = service()
        for step in 0..<5 {
            XCTAssertEqual(machine.handle(.startRequested(now: UInt64(step))).last, .spawnMain)
            _ = machine.handle(.spawned(pid: 100))
            _ = machine.handle(.childExited(pid: 100, status: .exited(0)))
        }
        XCTAssertEqual(machine.handle(.startRequested(now: 9)).last, .startLimitHit)
        XCTAssertEqual(machine.state, .failed(result: .startLimitHit))
    }

    func testNotifyServiceStaysStartingUntilReady() {
        var machine = service { $0.type = .notify; $0.timeoutStartSec = .seconds(5) }
        _ = machine.handle(.startRequested(now: 0))
        XCTAssertEqual(machine.handle(.spawned(pid: 100)), [.armTimer(.seconds(5))])
        XCTAssertEqual(machine.state, .starting)
        XCTAssertEqual(machine.handle(.notify(NotifyMessage("READY=1"), sender: NotifySender(pid: 999, uid: 1000))).count, 1,
                       "only the main pid may notify")
        XCTAssertEqual(machine.state, .starting)
        let actions = machine.handle(.notify(NotifyMessage("READY=1\nSTATUS=serving"), sender: NotifySender(pid: 100, uid: 1000)))
        XCTAssertEqual(actions.first, .cancelTimer)
        XCTAssertEqual(machine.state, .running)
        XCTAssertEqual(machine.statusText, "serving")
    }

    func testMainPIDNotificationMovesTheMainProcess() {
        var machine = service { $0.type = .notify }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        _ = machine.handle(.notify(NotifyMessage("MAINPID=200\nREADY=1"), sender: NotifySender(pid: 100, uid: 1000), claim: .ofService))
        XCTAssertEqual(machine.mainPID, 200)
        XCTAssertEqual(machine.handle(.childExited(pid: 100, status: .exited(0))), [])
        XCTAssertEqual(machine.handle(.childExited(pid: 200, status: .exited(0))).last, .becameInactive)
    }

    func testStopSendsKillSignalThenSIGKILLAfterTheTimeout() {
        var machine = running()
        XCTAssertEqual(machine.handle(.stopRequested),
                       [.cancelTimer, .signalGroup(pid: 100, signal: 15), .signalGroup(pid: 100, signal: 18),
                        .signalLeftovers(signals: [15, 18]), .armTimer(.seconds(1))],
                       "KillMode=control-group: the group, then what else is left of the session")
        let actions = machine.handle(.timerFired(now: 0))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 100, signal: 9)))
        XCTAssertEqual(machine.state, .stopping(.killed))
        _ = machine.handle(.childExited(pid: 100, status: .killed(signal: 9)))
        XCTAssertEqual(machine.state, .failed(result: .timeout))
    }

    func testStopBySIGTERMIsASuccess() {
        var machine = running()
        _ = machine.handle(.stopRequested)
        _ = machine.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertEqual(machine.state, .inactive)
    }

    func testExecStopRunsBeforeTheKillSignal() {
        var machine = running { $0.execStop = [CommandLine(path: "/bin/true", arguments: ["/bin/true"])] }
        XCTAssertEqual(machine.handle(.stopRequested),
                       [.cancelTimer,
                        .spawnControl(.stop, index: 0, environment: [ExtraVariable("SERVICE_RESULT", "success")]),
                        .armTimer(.seconds(1))])
        _ = machine.handle(.controlSpawned(pid: 300))
        let actions = machine.handle(.childExited(pid: 300, status: .exited(0)))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 100, signal: 15)))
        XCTAssertEqual(machine.state, .stopping(.signalled))
    }

    func testExecStopThatCannotStartFallsThroughToTheKillSignal() {
        var machine = running { $0.execStop = [CommandLine(path: "/missing", arguments: ["/missing"])] }
        _ = machine.handle(.stopRequested)
        let actions = machine.handle(.controlSpawnFailed(reason: "no such file"))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 100, signal: 15)))
        XCTAssertEqual(machine.state, .stopping(.signalled))
    }

    func testNotifyServiceThatNeverGetsReadyIsTerminated() {
        var machine = service { $0.type = .notify; $0.timeoutStartSec = .seconds(1) }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        XCTAssertTrue(machine.handle(.timerFired(now: 0)).contains(.signalGroup(pid: 100, signal: 15)))
        _ = machine.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertEqual(machine.state, .failed(result: .timeout))
    }
}

final class UnsupportedSettingsTests: XCTestCase {
    func testSettingsUsherdDoesNotRunYetAreNamedOnce() {
        var service = ServiceUnit(name: UnitName("x.service"))
        XCTAssertEqual(UnsupportedSettings.notes(for: service), [])
        service.execStartPre = [CommandLine(path: "/bin/true", arguments: ["/bin/true"])]
        service.restart = .always
        service.execReload = [CommandLine(path: "/bin/true", arguments: ["/bin/true"])]
        service.type = .forking
        XCTAssertEqual(UnsupportedSettings.notes(for: service).map(\.text), [], "ExecReload= and Type=forking are run")
        XCTAssertEqual(UnsupportedSettings.notes(forInstanceOf: service).map(\.text), [
            "ExecStartPre= of an Accept=yes instance is not supported by usherd yet, ignoring.",
            "ExecReload= of an Accept=yes instance is not supported by usherd yet, ignoring.",
            "Restart= of an Accept=yes instance is not supported by usherd yet, ignoring.",
            "Type=forking of an Accept=yes instance is supervised like Type=simple by usherd.",
        ])
    }

    func testStreamsUsherdCannotProvideFallBackWithAWarning() {
        var service = ServiceUnit(name: UnitName("x.service"))
        service.exec.standardOutput = .kmsg
        service.exec.standardError = .append("/tmp/log")
        XCTAssertEqual(UnsupportedSettings.notes(for: service).map(\.text),
                       ["StandardOutput=kmsg is not supported by usherd yet, using the log pipe."])
    }
}
