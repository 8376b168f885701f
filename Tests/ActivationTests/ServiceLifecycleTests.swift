// The service machine's transitions beyond simple/notify, as systemd 252 makes
// them: Type=exec/oneshot/forking/dbus readiness, RemainAfterExit= (exited),
// ExecStop= lines in order and when they run, ExecReload=, the watchdog and
// its notify messages, RELOADING=1/STOPPING=1, EXTEND_TIMEOUT_USEC=, KillMode=
// and its signals, and RestartForceExitStatus=. Pure: no processes.
import XCTest
import UnitModel
@testable import Activation

final class ServiceLifecycleTests: XCTestCase {
    private let command = CommandLine(path: "/bin/true", arguments: ["/bin/true"])

    private func machine(_ configure: (inout ServiceUnit) -> Void = { _ in }) -> ServiceMachine {
        var unit = ServiceUnit(name: UnitName("svc.service"))
        unit.execStart = [command]
        unit.timeoutStartSec = .seconds(3)
        unit.timeoutStopSec = .seconds(1)
        configure(&unit)
        return ServiceMachine(config: ServiceConfig(unit: unit))
    }

    private func running(_ configure: (inout ServiceUnit) -> Void = { _ in }) -> ServiceMachine {
        var service = machine(configure)
        _ = service.handle(.startRequested(now: 0))
        _ = service.handle(.spawned(pid: 100))
        return service
    }

    private func notify(_ text: String, from pid: Int32 = 100) -> ServiceEvent {
        .notify(NotifyMessage(text), sender: NotifySender(pid: pid, uid: 0))
    }

    // MARK: Type=

    func testExecTypeIsStartedOnlyWhenExecveSucceeded() {
        var ok = machine { $0.type = .exec }
        _ = ok.handle(.startRequested(now: 0))
        _ = ok.handle(.spawned(pid: 100))
        XCTAssertEqual(ok.state, .running)

        var failed = machine { $0.type = .exec; $0.execStartPost = [self.command] }
        _ = failed.handle(.startRequested(now: 0))
        XCTAssertEqual(failed.handle(.spawned(pid: 100, execFailed: true)), [.armTimer(.seconds(3))])
        XCTAssertEqual(failed.state, .starting, "ExecStartPost= does not run")
        _ = failed.handle(.childExited(pid: 100, status: .exited(203)))
        XCTAssertEqual(failed.state, .failed(result: .exitCode))
    }

    func testOneshotRunsEachExecStartThenStartPostThenExitsOrStops() {
        var service = machine { $0.type = .oneshot; $0.execStart = [self.command, self.command]; $0.remainAfterExit = true }
        _ = service.handle(.startRequested(now: 0))
        _ = service.handle(.spawned(pid: 100))
        XCTAssertEqual(service.activeState, .activating)
        XCTAssertEqual(service.handle(.childExited(pid: 100, status: .exited(0))).last, .spawnMain)
        XCTAssertEqual(service.mainCommandIndex, 1)
        _ = service.handle(.spawned(pid: 101))
        _ = service.handle(.childExited(pid: 101, status: .exited(0)))
        XCTAssertEqual(service.state, .exited)
        XCTAssertEqual(service.subState, "exited")
        XCTAssertEqual(service.activeState, .active)

        var plain = machine { $0.type = .oneshot; $0.execStop = [self.command] }
        _ = plain.handle(.startRequested(now: 0))
        _ = plain.handle(.spawned(pid: 100))
        let actions = plain.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertTrue(actions.contains(.spawnControl(.stop, index: 0, environment: [
            ExtraVariable("SERVICE_RESULT", "success"), ExtraVariable("EXIT_CODE", "exited"), ExtraVariable("EXIT_STATUS", "0"),
        ])), "without RemainAfterExit= the service stops: ExecStop= runs")
    }

    func testOneshotCommandFailureStopsTheRest() {
        var service = machine { $0.type = .oneshot; $0.execStart = [self.command, self.command] }
        _ = service.handle(.startRequested(now: 0))
        _ = service.handle(.spawned(pid: 100))
        let actions = service.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertFalse(actions.contains(.spawnMain), "SIGTERM is not clean for a oneshot command")
        XCTAssertEqual(service.state, .failed(result: .signal))
    }

    func testForkingParentIsTheControlProcessAndTheFoundPIDBecomesMain() {
        var service = machine { $0.type = .forking; $0.pidFile = "/run/x.pid" }
        _ = service.handle(.startRequested(now: 0))
        _ = service.handle(.spawned(pid: 100))
        XCTAssertEqual(service.controlPID, 100)
        XCTAssertNil(service.mainPID)
        XCTAssertEqual(service.handle(.childExited(pid: 100, status: .exited(0))), [.findMainPID])
        XCTAssertEqual(service.state, .starting, "the parent's exit is not the end")
        let actions = service.handle(.mainPIDFound(200))
        XCTAssertTrue(actions.contains(.watchMainPID(200)))
        XCTAssertEqual(service.state, .running)
        XCTAssertEqual(service.mainPID, 200)
        _ = service.handle(.childExited(pid: 200, status: .exited(0)))
        XCTAssertEqual(service.state, .inactive)
    }

    func testForkingWithoutAGuessRunsWhileItsProcessesDo() {
        var service = machine { $0.type = .forking }
        _ = service.handle(.startRequested(now: 0))
        _ = service.handle(.spawned(pid: 100))
        _ = service.handle(.childExited(pid: 100, status: .exited(0), leftovers: true))
        _ = service.handle(.mainPIDFound(nil))
        XCTAssertEqual(service.state, .running)
        XCTAssertTrue(service.mainUnknown)
        _ = service.handle(.leftoversGone)
        XCTAssertEqual(service.state, .inactive)
    }

    func testForkingParentFailureOrAMissingPIDFileFailsTheStart() {
        var failing = machine { $0.type = .forking }
        _ = failing.handle(.startRequested(now: 0))
        _ = failing.handle(.spawned(pid: 100))
        _ = failing.handle(.childExited(pid: 100, status: .exited(1)))
        XCTAssertEqual(failing.state, .failed(result: .exitCode))

        var missing = machine { $0.type = .forking; $0.pidFile = "/run/x.pid" }
        _ = missing.handle(.startRequested(now: 0))
        _ = missing.handle(.spawned(pid: 100))
        _ = missing.handle(.childExited(pid: 100, status: .exited(0)))
        _ = missing.handle(.pidFileFailed)
        XCTAssertEqual(missing.state, .failed(result: .protocol))
    }

    func testDbusWatchesItsNameAndStartsWhenItAppears() {
        var service = machine { $0.type = .dbus; $0.busName = "org.example.X" }
        _ = service.handle(.startRequested(now: 0))
        XCTAssertEqual(service.handle(.spawned(pid: 100)), [.armTimer(.seconds(3)), .watchBusName("org.example.X")])
        XCTAssertEqual(service.state, .starting)
        XCTAssertTrue(service.handle(.busNameAcquired).contains(.cancelTimer))
        XCTAssertEqual(service.state, .running)

        var lost = service
        XCTAssertTrue(lost.handle(.busNameLost).contains(.signalGroup(pid: 100, signal: 15)), "its name gone, it is stopped")
        XCTAssertEqual(lost.state, .stopping(.signalled))

        var early = machine { $0.type = .dbus; $0.busName = "org.example.X" }
        _ = early.handle(.startRequested(now: 0))
        _ = early.handle(.spawned(pid: 100))
        _ = early.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(early.state, .failed(result: .protocol))
    }

    // MARK: RemainAfterExit=, ExecStop=

    func testRemainAfterExitKeepsACleanlyExitedServiceActiveUntilStopped() {
        var service = running { $0.remainAfterExit = true; $0.execStop = [self.command] }
        _ = service.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(service.state, .exited)
        let actions = service.handle(.stopRequested)
        XCTAssertTrue(actions.contains { if case .spawnControl(.stop, 0, _) = $0 { return true } else { return false } })
        _ = service.handle(.controlSpawned(pid: 300))
        _ = service.handle(.childExited(pid: 300, status: .exited(0)))
        XCTAssertEqual(service.state, .inactive)
    }

    func testExecStopLinesRunInOrderAndAFailureSkipsTheRest() {
        var service = running { $0.execStop = [self.command, self.command, self.command] }
        _ = service.handle(.stopRequested)
        _ = service.handle(.controlSpawned(pid: 300))
        let second = service.handle(.childExited(pid: 300, status: .exited(0)))
        XCTAssertEqual(second.first, .spawnControl(.stop, index: 1, environment: [ExtraVariable("SERVICE_RESULT", "success")]))
        _ = service.handle(.controlSpawned(pid: 301))
        let failed = service.handle(.childExited(pid: 301, status: .exited(1)))
        XCTAssertFalse(failed.contains { if case .spawnControl(.stop, 2, _) = $0 { return true } else { return false } })
        XCTAssertTrue(failed.contains(.signalGroup(pid: 100, signal: 15)))
        _ = service.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertEqual(service.state, .failed(result: .exitCode))
    }

    func testExecStopRunsAfterACleanSelfExitButNotAfterAFailure() {
        var clean = running { $0.execStop = [self.command] }
        let actions = clean.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(clean.state, .stopping(.execStop))
        XCTAssertTrue(actions.contains(.spawnControl(.stop, index: 0, environment: [
            ExtraVariable("SERVICE_RESULT", "success"), ExtraVariable("EXIT_CODE", "exited"), ExtraVariable("EXIT_STATUS", "0"),
        ])))
        var failed = running { $0.execStop = [self.command] }
        let failure = failed.handle(.childExited(pid: 100, status: .killed(signal: 9)))
        XCTAssertFalse(failure.contains { if case .spawnControl(.stop, _, _) = $0 { return true } else { return false } })
        XCTAssertEqual(failed.state, .failed(result: .signal))
    }

    func testStopDuringStartSkipsExecStop() {
        var service = machine { $0.type = .notify; $0.execStop = [self.command] }
        _ = service.handle(.startRequested(now: 0))
        _ = service.handle(.spawned(pid: 100))
        let actions = service.handle(.stopRequested)
        XCTAssertEqual(service.state, .stopping(.signalled))
        XCTAssertFalse(actions.contains { if case .spawnControl(.stop, _, _) = $0 { return true } else { return false } })
    }

    // MARK: ExecReload=, RELOADING=1, STOPPING=1

    func testReloadRunsExecReloadInTheReloadStateAndReturnsToRunning() {
        var service = running { $0.execReload = [self.command, self.command] }
        XCTAssertEqual(service.handle(.reloadRequested), [.spawnControl(.reload, index: 0, environment: []), .armTimer(.seconds(3))])
        XCTAssertEqual(service.activeState, .reloading)
        XCTAssertEqual(service.subState, "reload")
        _ = service.handle(.controlSpawned(pid: 300))
        XCTAssertEqual(service.handle(.childExited(pid: 300, status: .exited(0))).first,
                       .spawnControl(.reload, index: 1, environment: []))
        _ = service.handle(.controlSpawned(pid: 301))
        _ = service.handle(.childExited(pid: 301, status: .exited(2)))
        XCTAssertEqual(service.state, .running, "a failed reload leaves the service running")
        XCTAssertEqual(service.reloadResult, .exitCode)
    }

    func testReloadTimeoutKillsTheReloadCommand() {
        var service = running { $0.execReload = [self.command] }
        _ = service.handle(.reloadRequested)
        _ = service.handle(.controlSpawned(pid: 300))
        let actions = service.handle(.timerFired(now: 0))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 300, signal: 9)))
        XCTAssertEqual(service.state, .running)
        XCTAssertEqual(service.reloadResult, .timeout)
    }

    func testReloadingUntilReadyAndStoppingByNotification() {
        var service = machine { $0.type = .notify }
        _ = service.handle(.startRequested(now: 0))
        _ = service.handle(.spawned(pid: 100))
        _ = service.handle(notify("READY=1"))
        _ = service.handle(notify("RELOADING=1"))
        XCTAssertEqual(service.state, .reloading)
        _ = service.handle(notify("READY=1"))
        XCTAssertEqual(service.state, .running)
        _ = service.handle(notify("RELOADING=1\nREADY=1"))
        XCTAssertEqual(service.state, .running, "the last of READY/RELOADING/STOPPING wins")
        let stopping = service.handle(notify("STOPPING=1"))
        XCTAssertEqual(service.state, .stopping(.signalled))
        XCTAssertFalse(stopping.contains { if case .signalGroup = $0 { return true } else { return false } }, "no signal: it is stopping itself")
        _ = service.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(service.state, .inactive)
    }

    // MARK: watchdog and notify messages

    func testWatchdogIsArmedOnStartResetByPingsAndKillsWithWatchdogSignal() {
        var service = machine { $0.watchdogSec = .seconds(2); $0.kill.watchdogSignal = 6; $0.restart = .onWatchdog }
        _ = service.handle(.startRequested(now: 0))
        XCTAssertTrue(service.handle(.spawned(pid: 100)).contains(.armWatchdog(.seconds(2))))
        XCTAssertEqual(service.handle(notify("WATCHDOG=1")), [.armWatchdog(.seconds(2))])
        let actions = service.handle(.watchdogExpired)
        XCTAssertTrue(actions.contains(.log(Note(.error, "Watchdog timeout (limit 2s)!"))))
        XCTAssertTrue(actions.contains(.signalGroup(pid: 100, signal: 6)))
        XCTAssertEqual(service.subState, "stop-watchdog")
        _ = service.handle(.childExited(pid: 100, status: .dumped(signal: 6)))
        XCTAssertEqual(service.state, .autoRestart, "Restart=on-watchdog")
        XCTAssertEqual(service.result, .watchdog)
    }

    func testWatchdogUSecReplacesTheLimitAndTriggerActsAtOnce() {
        var service = running { $0.watchdogSec = .seconds(2) }
        XCTAssertEqual(service.handle(notify("WATCHDOG_USEC=500000")), [.armWatchdog(.milliseconds(500))])
        XCTAssertEqual(service.handle(notify("WATCHDOG_USEC=soon")), [.log(Note(.warning, "Failed to parse WATCHDOG_USEC=soon"))])
        let actions = service.handle(notify("STATUS=wedged\nWATCHDOG=trigger"))
        XCTAssertTrue(actions.contains(.log(Note(.error, "Watchdog request (last status: wedged)!"))))
        XCTAssertEqual(service.state, .stopping(.watchdog))
    }

    func testExtendTimeoutAndErrno() {
        var service = machine { $0.type = .notify }
        _ = service.handle(.startRequested(now: 0))
        _ = service.handle(.spawned(pid: 100))
        XCTAssertEqual(service.handle(notify("EXTEND_TIMEOUT_USEC=5000000")), [.extendTimer(.seconds(5))])
        XCTAssertEqual(service.handle(notify("ERRNO=28")), [])
        XCTAssertEqual(service.statusErrno, 28)
        XCTAssertEqual(service.handle(notify("ERRNO=full")),
                       [.log(Note(.warning, "Failed to parse ERRNO= field value 'full' in notification message: Invalid argument"))])
    }

    // MARK: KillMode=

    func testKillModeProcessSignalsOnlyTheMainProcessAndLeavesTheRest() {
        var service = running { $0.kill.killMode = .process }
        let actions = service.handle(.stopRequested)
        XCTAssertTrue(actions.contains(.signalProcess(pid: 100, signal: 15)))
        XCTAssertFalse(actions.contains { if case .signalGroup = $0 { return true } else if case .signalLeftovers = $0 { return true } else { return false } })
        _ = service.handle(.childExited(pid: 100, status: .killed(signal: 15), leftovers: true))
        XCTAssertEqual(service.state, .inactive, "what is left keeps running")
    }

    func testKillModeMixedSendsSIGTERMToMainThenTheFinalSignalToEverything() {
        var service = running { $0.kill.killMode = .mixed; $0.kill.finalKillSignal = 9 }
        XCTAssertTrue(service.handle(.stopRequested).contains(.signalProcess(pid: 100, signal: 15)))
        let final = service.handle(.timerFired(now: 0))
        XCTAssertTrue(final.contains(.signalGroup(pid: 100, signal: 9)))
        XCTAssertTrue(final.contains(.signalLeftovers(signals: [9])))

        var leftover = running { $0.kill.killMode = .mixed }
        _ = leftover.handle(.stopRequested)
        XCTAssertTrue(leftover.handle(.childExited(pid: 100, status: .killed(signal: 15), leftovers: true))
                        .contains(.signalLeftovers(signals: [9])), "the main process is gone: the rest gets SIGKILL")
        XCTAssertEqual(leftover.subState, "stop-sigkill")
    }

    func testMixedSelfExitSendsSIGKILLToWhatIsLeft() {
        var service = running { $0.kill.killMode = .mixed }
        let actions = service.handle(.childExited(pid: 100, status: .exited(0), leftovers: true))
        XCTAssertTrue(actions.contains(.signalLeftovers(signals: [9])))
        XCTAssertEqual(service.state, .stopping(.killed))
    }

    /// systemd 252: stop-sigterm signals no leftover under KillMode=mixed, and SendSIGKILL=no skips
    /// stop-sigkill, so what the main process left gets nothing and the service goes on at once.
    func testMixedWithoutSendSIGKILLLeavesWhatTheMainProcessLeftUnsignalled() {
        var service = running { $0.kill.killMode = .mixed; $0.kill.sendSIGKILL = false }
        let actions = service.handle(.childExited(pid: 100, status: .exited(0), leftovers: true))
        XCTAssertTrue(sentSignals(actions).isEmpty, "\(actions)")
        XCTAssertFalse(service.awaitingLeftovers)
        XCTAssertEqual(service.state, .inactive)
    }

    func testLeftoversOfAMainProcessThatDiedInStopSigkillAreNotSignalledAgain() {
        var service = running()
        _ = service.handle(.stopRequested)
        XCTAssertTrue(service.handle(.timerFired(now: 0)).contains(.signalLeftovers(signals: [9])))
        let exited = service.handle(.childExited(pid: 100, status: .killed(signal: 9), leftovers: true))
        XCTAssertTrue(sentSignals(exited).isEmpty, "stop-sigkill already sent them SIGKILL: \(exited)")
        XCTAssertEqual(service.subState, "stop-sigkill")
        XCTAssertEqual(service.handle(.timerFired(now: 0)).first,
                       .log(Note(.warning, "Processes still around after SIGKILL. Ignoring.")))
    }

    func testKillModeNoneSignalsNothing() {
        var service = running { $0.kill.killMode = .none }
        let actions = service.handle(.stopRequested)
        XCTAssertFalse(actions.contains { if case .signalGroup = $0 { return true } else if case .signalProcess = $0 { return true } else { return false } })
        XCTAssertEqual(service.state, .inactive)
    }

    func testSendSIGHUPFollowsTheKillSignalAndFinalKillSignalReplacesSIGKILL() {
        var service = running { $0.kill.sendSIGHUP = true; $0.kill.finalKillSignal = 3 }
        let actions = service.handle(.stopRequested)
        XCTAssertTrue(actions.contains(.signalGroup(pid: 100, signal: 1)))
        XCTAssertTrue(service.handle(.timerFired(now: 0)).contains(.signalGroup(pid: 100, signal: 3)))
    }

    // MARK: Restart=, exit statuses

    func testRestartForceExitStatusRestartsWhatRestartNoWouldNot() {
        var service = running { $0.restartForceExitStatus = [42] }
        _ = service.handle(.childExited(pid: 100, status: .exited(42)))
        XCTAssertEqual(service.state, .autoRestart)
        var prevented = running { $0.restartForceExitStatus = [42]; $0.restartPreventExitStatus = [42] }
        _ = prevented.handle(.childExited(pid: 100, status: .exited(42)))
        XCTAssertEqual(prevented.state, .failed(result: .exitCode), "RestartPreventExitStatus= wins")
    }

    func testSuccessExitStatusMakesACodeAndASignalClean() {
        var service = running { $0.successExitStatus = [75]; $0.successExitSignals = [10] }
        _ = service.handle(.childExited(pid: 100, status: .exited(75)))
        XCTAssertEqual(service.state, .inactive)
        var signalled = running { $0.successExitSignals = [10] }
        _ = signalled.handle(.childExited(pid: 100, status: .killed(signal: 10)))
        XCTAssertEqual(signalled.state, .inactive)
    }

    func testRestartKillSignalStopsTheFirstHalfOfARestart() {
        var service = running { $0.kill.restartKillSignal = 1 }
        XCTAssertTrue(service.handle(.restartStopRequested).contains(.signalGroup(pid: 100, signal: 1)))
        var plain = running { $0.kill.restartKillSignal = 1 }
        XCTAssertTrue(plain.handle(.stopRequested).contains(.signalGroup(pid: 100, signal: 15)))
    }

    // MARK: which signal when (systemd 252 state_to_kill_operation, unit_kill_context, is_clean_exit)

    private func sentSignals(_ actions: [ServiceAction]) -> [Int32] {
        actions.flatMap { action in
            switch action {
            case .signalGroup(_, let signal), .signalProcess(_, let signal): return [signal]
            case .signalLeftovers(let signals): return signals
            default: return [Int32]()
            }
        }
    }

    func testSendSIGHUPGoesWithKillSignalOnlyNotWithRestartOrWatchdogSignals() {
        var stop = running { $0.kill.sendSIGHUP = true }
        XCTAssertTrue(sentSignals(stop.handle(.stopRequested)).contains(1), "a stop: KillSignal= then SIGHUP")
        var restart = running { $0.kill.sendSIGHUP = true; $0.kill.restartKillSignal = 10 }
        let restartSignals = sentSignals(restart.handle(.restartStopRequested))
        XCTAssertTrue(restartSignals.contains(10))
        XCTAssertFalse(restartSignals.contains(1), "KILL_RESTART sends no SIGHUP: \(restartSignals)")
        var watchdog = running { $0.kill.sendSIGHUP = true; $0.watchdogSec = .seconds(2) }
        let watchdogSignals = sentSignals(watchdog.handle(.watchdogExpired))
        XCTAssertTrue(watchdogSignals.contains(6))
        XCTAssertFalse(watchdogSignals.contains(1), "KILL_WATCHDOG sends no SIGHUP: \(watchdogSignals)")
    }

    func testAMainProcessDeadByAnUncleanStopSignalFailsWithResultSignalAsSystemdJudgesIt() {
        var usr1 = running { $0.kill.killSignal = 10 }
        _ = usr1.handle(.stopRequested)
        _ = usr1.handle(.childExited(pid: 100, status: .killed(signal: 10)))
        XCTAssertEqual(usr1.state, .failed(result: .signal), "only SIGHUP, SIGINT, SIGTERM, SIGPIPE and SuccessExitStatus= are clean")
        var listed = running { $0.kill.killSignal = 10; $0.successExitSignals = [10] }
        _ = listed.handle(.stopRequested)
        _ = listed.handle(.childExited(pid: 100, status: .killed(signal: 10)))
        XCTAssertEqual(listed.state, .inactive)
    }

    func testADeathByACleanRestartKillSignalIsACleanStop() {
        var service = running { $0.kill.restartKillSignal = 1 }
        _ = service.handle(.restartStopRequested)
        _ = service.handle(.childExited(pid: 100, status: .killed(signal: 1)))
        XCTAssertEqual(service.state, .inactive)
        XCTAssertEqual(service.result, .success)
    }

    func testStopPostTimingOutDuringARestartSendsKillSignalNotRestartKillSignal() {
        var service = running { $0.kill.restartKillSignal = 10; $0.execStopPost = [self.command] }
        XCTAssertTrue(sentSignals(service.handle(.restartStopRequested)).contains(10))
        _ = service.handle(.childExited(pid: 100, status: .killed(signal: 15)))
        XCTAssertEqual(service.state, .stopPost)
        _ = service.handle(.controlSpawned(pid: 200))
        let final = sentSignals(service.handle(.timerFired(now: 0)))
        XCTAssertTrue(final.contains(15), "final-sigterm is KILL_TERMINATE: \(final)")
        XCTAssertFalse(final.contains(10), "\(final)")
    }

    func testLeftoversOfAStoppedMainProcessGetKillSignalAndSIGHUPWithSendSIGHUP() {
        var service = running { $0.kill.sendSIGHUP = true; $0.kill.restartKillSignal = 10 }
        _ = service.handle(.restartStopRequested)
        let left = service.handle(.childExited(pid: 100, status: .killed(signal: 15), leftovers: true))
        XCTAssertEqual(sentSignals(left), [15, 18, 1], "KillSignal=, SIGCONT, then SIGHUP alone")
    }

    func testEachStopStepSendsSIGCONTAfterItsSignalButNotAfterSIGKILLOrSendSIGHUPsSIGHUP() {
        XCTAssertEqual(KillContext.stopSignals(15), [15, 18])
        XCTAssertEqual(KillContext.stopSignals(15, hangUp: true), [15, 18, 1])
        XCTAssertEqual(KillContext.stopSignals(1), [1, 18], "KillSignal=SIGHUP is resumed as any other")
        XCTAssertEqual(KillContext.stopSignals(3), [3, 18], "a FinalKillSignal= other than SIGKILL")
        XCTAssertEqual(KillContext.stopSignals(9), [9])
        XCTAssertEqual(KillContext.stopSignals(18), [18], "no second SIGCONT")
    }

    func testEachKillOperationPicksItsSignalAndOnlyTerminateAddsSendSIGHUPsSIGHUP() {
        var kill = KillContext()
        (kill.sendSIGHUP, kill.restartKillSignal, kill.watchdogSignal, kill.finalKillSignal) = (true, 10, 6, 9)
        XCTAssertEqual(kill.stopSignals(for: .terminate), [15, 18, 1])
        XCTAssertEqual(kill.stopSignals(for: .restart), [10, 18])
        XCTAssertEqual(kill.stopSignals(for: .watchdog), [6, 18])
        XCTAssertEqual(kill.stopSignals(for: .kill), [9])
        kill.restartKillSignal = nil
        XCTAssertEqual(kill.stopSignals(for: .restart), [15, 18], "RestartKillSignal= unset: KillSignal=")
        kill.killSignal = 1
        XCTAssertEqual(kill.stopSignals(for: .terminate), [1, 18], "no SIGHUP after KillSignal=SIGHUP")
    }
}
