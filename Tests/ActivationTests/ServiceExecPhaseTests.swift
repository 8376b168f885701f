// ExecStartPre=, ExecStartPost= and ExecStopPost= in the service machine:
// order, `-` ignoring failures, failures and timeouts failing the start, and
// the SERVICE_RESULT=/EXIT_CODE=/EXIT_STATUS= given to ExecStopPost=.
import XCTest
import UnitModel
@testable import Activation

final class ServiceExecPhaseTests: XCTestCase {
    private func command(_ ignoreFailure: Bool = false) -> CommandLine {
        CommandLine(path: "/bin/true", arguments: ["/bin/true"], ignoreFailure: ignoreFailure)
    }

    private func service(_ configure: (inout ServiceUnit) -> Void) -> ServiceMachine {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.timeoutStartSec = .seconds(3)
        unit.timeoutStopSec = .seconds(1)
        configure(&unit)
        return ServiceMachine(config: ServiceConfig(unit: unit))
    }

    func testStartPreCommandsRunInOrderBeforeTheMainProcess() {
        var machine = service { $0.execStartPre = [self.command(), self.command()] }
        XCTAssertEqual(machine.handle(.startRequested(now: 0)),
                       [.becameActive, .spawnControl(.startPre, index: 0, environment: []), .armTimer(.seconds(3))])
        XCTAssertEqual(machine.state, .startPre)
        _ = machine.handle(.controlSpawned(pid: 50))
        XCTAssertEqual(machine.handle(.childExited(pid: 50, status: .exited(0))),
                       [.spawnControl(.startPre, index: 1, environment: []), .armTimer(.seconds(3))])
        _ = machine.handle(.controlSpawned(pid: 51))
        XCTAssertEqual(machine.handle(.childExited(pid: 51, status: .exited(0))), [.cancelTimer, .spawnMain])
        _ = machine.handle(.spawned(pid: 100))
        XCTAssertEqual(machine.state, .running)
    }

    func testFailingStartPreFailsTheStartWithoutTheMainProcess() {
        var machine = service { $0.execStartPre = [self.command(), self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.controlSpawned(pid: 50))
        let actions = machine.handle(.childExited(pid: 50, status: .exited(1)))
        XCTAssertEqual(machine.state, .failed(result: .exitCode))
        XCTAssertFalse(actions.contains(.spawnMain))
        XCTAssertTrue(actions.contains(.log(Note(.notice, "Control process (ExecStartPre=) exited, code=exited, status=1/FAILURE"))),
                      "an exit status is a notice, as systemd's unit_log_process_exit")
        XCTAssertEqual(actions.last, .becameInactive, "the socket listens again")
    }

    func testDashPrefixIgnoresAStartPreFailure() {
        var machine = service { $0.execStartPre = [self.command(true)] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.controlSpawned(pid: 50))
        let actions = machine.handle(.childExited(pid: 50, status: .exited(1)))
        XCTAssertEqual(actions.last, .spawnMain)
        XCTAssertEqual(actions.first, .log(Note(.debug, "Control process (ExecStartPre=) exited, code=exited, status=1/FAILURE, ignoring")),
                       "an ignored failure is logged at debug, not as a notice")
    }

    func testStartPreTimeoutTerminatesTheCommandAndFailsWithTimeout() {
        var machine = service { $0.execStartPre = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.controlSpawned(pid: 50))
        let actions = machine.handle(.timerFired(now: 1))
        XCTAssertTrue(actions.contains(.log(Note(.error, "Start-pre operation timed out. Terminating."))))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 50, signal: 15)))
        XCTAssertEqual(machine.state, .stopping(.signalled))
        _ = machine.handle(.childExited(pid: 50, status: .killed(signal: 15)))
        XCTAssertEqual(machine.state, .failed(result: .timeout))
    }

    func testStartPostRunsAfterReadyForNotifyServices() {
        var machine = service { $0.type = .notify; $0.execStartPost = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        let ready = machine.handle(.notify(NotifyMessage("READY=1"), sender: NotifySender(pid: 100, uid: 1000)))
        XCTAssertTrue(ready.contains(.spawnControl(.startPost, index: 0, environment: [])))
        XCTAssertEqual(machine.state, .startPost)
        _ = machine.handle(.controlSpawned(pid: 60))
        _ = machine.handle(.childExited(pid: 60, status: .exited(0)))
        XCTAssertEqual(machine.state, .running)
    }

    func testFailingStartPostStopsTheService() {
        var machine = service { $0.execStartPost = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        XCTAssertEqual(machine.handle(.spawned(pid: 100)).first, .spawnControl(.startPost, index: 0, environment: []))
        _ = machine.handle(.controlSpawned(pid: 60))
        let actions = machine.handle(.childExited(pid: 60, status: .exited(2)))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 100, signal: 15)))
        _ = machine.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertEqual(machine.state, .failed(result: .exitCode))
    }

    func testStopPostSeesTheResultAndHowTheMainProcessEnded() {
        var machine = service { $0.execStopPost = [self.command(), self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        let expected = [ExtraVariable("SERVICE_RESULT", "exit-code"), ExtraVariable("EXIT_CODE", "exited"),
                        ExtraVariable("EXIT_STATUS", "3")]
        let exit = machine.handle(.childExited(pid: 100, status: .exited(3)))
        XCTAssertTrue(exit.contains(.spawnControl(.stopPost, index: 0, environment: expected)))
        XCTAssertFalse(exit.contains(.becameInactive), "the socket waits for ExecStopPost=")
        _ = machine.handle(.controlSpawned(pid: 70))
        XCTAssertEqual(machine.handle(.childExited(pid: 70, status: .exited(0))).first,
                       .spawnControl(.stopPost, index: 1, environment: expected))
        _ = machine.handle(.controlSpawned(pid: 71))
        XCTAssertEqual(machine.handle(.childExited(pid: 71, status: .exited(0))).last, .becameInactive)
        XCTAssertEqual(machine.state, .failed(result: .exitCode))
    }

    func testStopPostAfterASignalNamesTheSignalAndSuccess() {
        var machine = service { $0.execStopPost = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        let exit = machine.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertTrue(exit.contains(.spawnControl(.stopPost, index: 0, environment: [
            ExtraVariable("SERVICE_RESULT", "success"), ExtraVariable("EXIT_CODE", "killed"),
            ExtraVariable("EXIT_STATUS", "TERM"),
        ])))
    }

    func testStopPostRunsAfterAFailedStartPreWithoutExitVariables() {
        var machine = service { $0.execStartPre = [self.command()]; $0.execStopPost = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.controlSpawned(pid: 50))
        XCTAssertTrue(machine.handle(.childExited(pid: 50, status: .exited(1))).contains(
            .spawnControl(.stopPost, index: 0, environment: [ExtraVariable("SERVICE_RESULT", "exit-code")])))
        XCTAssertEqual(machine.state, .stopPost)
    }

    func testFailingStopPostFailsAnOtherwiseCleanRun() {
        var machine = service { $0.execStopPost = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        _ = machine.handle(.childExited(pid: 100, status: .exited(0)))
        _ = machine.handle(.controlSpawned(pid: 70))
        _ = machine.handle(.childExited(pid: 70, status: .exited(1)))
        XCTAssertEqual(machine.state, .failed(result: .exitCode))
    }

    func testMainExitDuringStartPostWaitsForTheCommandThenEnds() {
        var machine = service { $0.execStartPost = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        _ = machine.handle(.controlSpawned(pid: 60))
        XCTAssertFalse(machine.handle(.childExited(pid: 100, status: .exited(0))).contains(.becameInactive))
        XCTAssertEqual(machine.state, .startPost)
        XCTAssertEqual(machine.handle(.childExited(pid: 60, status: .exited(0))).last, .becameInactive)
        XCTAssertEqual(machine.state, .inactive)
    }

    func testStartPostTimeoutKillsTheCommandAndStopsWithTimeout() {
        var machine = service { $0.execStartPost = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        _ = machine.handle(.controlSpawned(pid: 60))
        let actions = machine.handle(.timerFired(now: 1))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 60, signal: 9)))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 100, signal: 15)))
        _ = machine.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertEqual(machine.state, .failed(result: .timeout))
    }

    func testStopPostTimeoutTerminatesItAndFailsWithTimeout() {
        var machine = service { $0.execStopPost = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        XCTAssertTrue(machine.handle(.childExited(pid: 100, status: .exited(0))).contains(.armTimer(.seconds(1))))
        _ = machine.handle(.controlSpawned(pid: 70))
        XCTAssertTrue(machine.handle(.timerFired(now: 1)).contains(.signalGroup(pid: 70, signal: 15)))
        let actions = machine.handle(.childExited(pid: 70, status: .killed(signal: 15)))
        XCTAssertFalse(actions.contains { if case .spawnControl = $0 { return true } else { return false } },
                       "ExecStopPost= runs once per run")
        XCTAssertEqual(machine.state, .failed(result: .timeout))
    }

    func testExecStopSeesASuccessResultWhileTheMainProcessRuns() {
        var machine = service { $0.execStop = [self.command()] }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        let stop = ServiceAction.spawnControl(.stop, index: 0, environment: [ExtraVariable("SERVICE_RESULT", "success")])
        XCTAssertTrue(machine.handle(.stopRequested).contains(stop))
        XCTAssertEqual(machine.resultEnvironment, [ExtraVariable("SERVICE_RESULT", "success")])
    }
}
