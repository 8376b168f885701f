// A socket unit's own commands as a pure sequence, in systemd's order
// (socket.c): start-pre → bind → start-post → listening; stop-pre → close →
// stop-post; a failing ExecStartPre= ends the run with its result and runs no
// stop command; a failing ExecStartPost= or a bind failure goes through the
// stop commands; `-` ignores a failure; TimeoutSec= per phase as systemd 252's
// socket_dispatch_timer; every run ends with the final kill of what its commands left; a start
// asked for during a stop run begins after it, unless a stop forgets it.
import XCTest
import UnitModel
@testable import Activation

final class SocketCommandsTests: XCTestCase {
    private func command(_ word: String, ignore: Bool = false) -> CommandLine {
        CommandLine(path: "/bin/" + word, arguments: ["/bin/" + word], ignoreFailure: ignore)
    }

    private func commands(_ edit: (inout SocketUnit) -> Void) -> SocketCommands {
        var unit = SocketUnit(name: UnitName("s.socket"))
        unit.timeout = .seconds(5)
        edit(&unit)
        return SocketCommands(unit: unit)
    }

    func testAStartRunsStartPreThenBindsThenStartPostThenListens() {
        var run = commands { $0.execStartPre = [self.command("a"), self.command("b")]; $0.execStartPost = [self.command("c")] }
        XCTAssertEqual(run.start(), [.spawn(.startPre, index: 0), .armTimer(.seconds(5))])
        run.spawned(pid: 10)
        XCTAssertEqual(run.subState(over: "dead"), "start-pre")
        XCTAssertEqual(run.exited(pid: 10, status: .exited(0)), [.cancelTimer, .spawn(.startPre, index: 1), .armTimer(.seconds(5))])
        run.spawned(pid: 11)
        XCTAssertEqual(run.exited(pid: 11, status: .exited(0)), [.cancelTimer, .bind])
        XCTAssertEqual(run.bound(true), [.spawn(.startPost, index: 0), .armTimer(.seconds(5))])
        run.spawned(pid: 12)
        XCTAssertEqual(run.exited(pid: 12, status: .exited(0)), [.cancelTimer, .listening])
        XCTAssertFalse(run.isBusy)
    }

    func testAFailingStartPreEndsTheRunWithExitCodeAndRunsNoStopCommand() {
        var run = commands { $0.execStartPre = [self.command("false")]; $0.execStopPost = [self.command("post")] }
        _ = run.start()
        run.spawned(pid: 10)
        XCTAssertEqual(run.exited(pid: 10, status: .exited(1)), [
            .cancelTimer, .log(Note(.notice, "Control process (ExecStartPre=) exited, code=exited, status=1/FAILURE")),
            .armTimer(.seconds(5)), .signalLeftovers(sessions: [10], signals: [15, 18]),
        ])
        XCTAssertEqual(run.leftoversGone(), [.cancelTimer, .finished(result: .exitCode)])
    }

    func testADashPrefixIgnoresAStartPreFailure() {
        var run = commands { $0.execStartPre = [self.command("false", ignore: true)] }
        _ = run.start()
        run.spawned(pid: 10)
        XCTAssertEqual(run.exited(pid: 10, status: .exited(1)).last, .bind)
    }

    func testAStopRunsStopPreThenClosesThenStopPost() {
        var run = commands { $0.execStopPre = [self.command("pre")]; $0.execStopPost = [self.command("post")] }
        XCTAssertEqual(run.stop(), [.spawn(.stopPre, index: 0), .armTimer(.seconds(5))])
        run.spawned(pid: 20)
        XCTAssertEqual(run.exited(pid: 20, status: .exited(0)), [.cancelTimer, .close, .spawn(.stopPost, index: 0), .armTimer(.seconds(5))])
        run.spawned(pid: 21)
        XCTAssertEqual(run.exited(pid: 21, status: .exited(0)), [.cancelTimer, .armTimer(.seconds(5)),
                                                                 .signalLeftovers(sessions: [20, 21], signals: [15, 18])])
        XCTAssertEqual(run.leftoversGone(), [.cancelTimer, .finished(result: nil)])
    }

    func testAFailingStartPostAndABindFailureGoThroughTheStopCommands() {
        var post = commands { $0.execStartPost = [self.command("false")]; $0.execStopPost = [self.command("post")] }
        XCTAssertEqual(post.start(), [.bind])
        _ = post.bound(true)
        post.spawned(pid: 30)
        let actions = post.exited(pid: 30, status: .killed(signal: 9))
        XCTAssertEqual(Array(actions.suffix(3)), [.close, .spawn(.stopPost, index: 0), .armTimer(.seconds(5))])
        XCTAssertTrue(actions.contains(.log(Note(.warning, "Control process (ExecStartPost=) exited, code=killed, signal=KILL"))))
        post.spawned(pid: 31)
        XCTAssertEqual(post.exited(pid: 31, status: .exited(0)).last, .signalLeftovers(sessions: [30, 31], signals: [15, 18]))
        XCTAssertEqual(post.leftoversGone(), [.cancelTimer, .finished(result: .signal)])

        var bind = commands { $0.execStopPost = [self.command("post")] }
        _ = bind.start()
        XCTAssertEqual(bind.bound(false), [.close, .spawn(.stopPost, index: 0), .armTimer(.seconds(5))])
        XCTAssertEqual(bind.result, .resources)
    }

    func testAStartPreTimeoutGoesToTheFinalKillWhichEndsWhenTheLeftoversAreGone() {
        var run = commands { $0.execStartPre = [self.command("sleep")] }
        _ = run.start()
        run.spawned(pid: 40)
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Starting timed out. Terminating.")),
                                          .armTimer(.seconds(5)), .signalLeftovers(sessions: [40], signals: [15, 18])])
        XCTAssertEqual(run.subState(over: "dead"), "final-sigterm")
        XCTAssertEqual(run.activeState(over: .inactive), .deactivating)
        XCTAssertEqual(run.exited(pid: 40, status: .killed(signal: 15)), [], "the control process is one leftover among others")
        XCTAssertTrue(run.isBusy)
        XCTAssertEqual(run.leftoversGone(), [.cancelTimer, .finished(result: .timeout)])
        XCTAssertFalse(run.isBusy)
        XCTAssertEqual(run.sessions, [], "forgotten once the final kill is over")
    }

    /// A stop whose one ExecStopPost= command (pid `pid`) ended with `status`: in final-sigterm.
    private func inFinalKill(pid: Int32, after status: ExitStatus) -> SocketCommands {
        var run = commands { $0.execStopPost = [self.command("post")] }
        _ = run.stop()
        run.spawned(pid: pid)
        XCTAssertEqual(run.exited(pid: pid, status: status).last, .signalLeftovers(sessions: [pid], signals: [15, 18]))
        return run
    }

    func testAFinalKillTimeoutKillsAloneThenGivesUpWithResultTimeout() {
        var run = inFinalKill(pid: 41, after: .exited(0))
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Stopping timed out (2). Killing.")),
                                          .armTimer(.seconds(5)), .signalLeftovers(sessions: [41], signals: [9])])
        XCTAssertEqual(run.subState(over: "dead"), "final-sigkill")
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Still around after SIGKILL (2). Entering failed mode.")),
                                          .finished(result: .timeout)])
        XCTAssertEqual(run.sessions, [])
    }

    func testLeftoversGoneAfterTheSIGKILLStillEndWithResultTimeout() {
        var run = inFinalKill(pid: 42, after: .exited(0))
        _ = run.timerFired()
        XCTAssertEqual(run.leftoversGone(), [.cancelTimer, .finished(result: .timeout)], "the SIGTERM step timed out")
    }

    func testAFinalKillKeepsAnEarlierResult() {
        var run = inFinalKill(pid: 43, after: .exited(1))
        _ = run.timerFired()
        XCTAssertEqual(run.timerFired().last, .finished(result: .exitCode))
    }

    func testAStopPostTimeoutGoesToTheFinalKillWithEverySessionOfTheRun() {
        var run = commands { $0.execStartPost = [self.command("post")]; $0.execStopPost = [self.command("sleep")] }
        _ = run.start()
        _ = run.bound(true)
        run.spawned(pid: 44)
        XCTAssertEqual(run.exited(pid: 44, status: .exited(0)), [.cancelTimer, .listening])
        _ = run.stop()
        run.spawned(pid: 45)
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Stopping timed out (2). Terminating.")),
                                          .armTimer(.seconds(5)), .signalLeftovers(sessions: [44, 45], signals: [15, 18])])
    }

    func testAStopPreTimeoutSignalsItsCommandThenKillsItThenIgnoresItAndRunsStopPost() {
        var run = commands { $0.execStopPre = [self.command("sleep")]; $0.execStopPost = [self.command("post")] }
        _ = run.stop()
        run.spawned(pid: 46)
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Stopping timed out. Terminating.")), .armTimer(.seconds(5)),
                                          .signal(pid: 46, signal: 15), .signal(pid: 46, signal: 18)])
        XCTAssertEqual(run.subState(over: "listening"), "stop-pre-sigterm")
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Stopping timed out. Killing.")), .armTimer(.seconds(5)),
                                          .signal(pid: 46, signal: 9)])
        XCTAssertEqual(run.subState(over: "listening"), "stop-pre-sigkill")
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Processes still around after SIGKILL. Ignoring.")),
                                          .close, .spawn(.stopPost, index: 0), .armTimer(.seconds(5))])
        XCTAssertEqual(run.result, .timeout)
    }

    func testAStopPreCommandThatEndsAfterItsSIGTERMGoesOnToStopPost() {
        var run = commands { $0.execStopPre = [self.command("sleep")] }
        _ = run.stop()
        run.spawned(pid: 47)
        _ = run.timerFired()
        XCTAssertEqual(run.exited(pid: 47, status: .killed(signal: 15)), [.cancelTimer, .close, .armTimer(.seconds(5)),
                                                                           .signalLeftovers(sessions: [47], signals: [15, 18])])
    }

    func testAStartPostTimeoutStopsWithoutSignallingItsCommandWhichTheFinalKillCatches() {
        var run = commands { $0.execStartPost = [self.command("sleep")] }
        _ = run.start()
        _ = run.bound(true)
        run.spawned(pid: 48)
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Starting timed out. Stopping.")), .close,
                                          .armTimer(.seconds(5)), .signalLeftovers(sessions: [48], signals: [15, 18])])
        XCTAssertEqual(run.exited(pid: 48, status: .killed(signal: 15)), [])
        XCTAssertEqual(run.leftoversGone(), [.cancelTimer, .finished(result: .timeout)])
    }

    func testARunThatSpawnedNothingEndsWithoutAFinalKill() {
        var run = commands { $0.execStartPre = [self.command("missing")] }
        _ = run.start()
        XCTAssertEqual(run.spawnFailed(), [.finished(result: .resources)])
        XCTAssertEqual(run.leftoversGone(), [], "no final kill to end")
    }

    func testAReloadKeepsTheSessionsWhoseLeftoversAreStillTheSockets() {
        var unit = SocketUnit(name: UnitName("s.socket"))
        unit.execStartPost = [command("post")]
        var run = SocketCommands(unit: unit)
        _ = run.start()
        _ = run.bound(true)
        run.spawned(pid: 49)
        _ = run.exited(pid: 49, status: .exited(0))
        unit.execStopPost = [command("post")]
        XCTAssertEqual(SocketCommands(unit: unit, continuing: run).sessions, [49])
    }

    func testAnExitOfAnotherPidChangesNothing() {
        var run = commands { $0.execStartPre = [self.command("a")] }
        _ = run.start()
        run.spawned(pid: 50)
        XCTAssertEqual(run.exited(pid: 51, status: .exited(0)), [])
        XCTAssertEqual(run.subState(over: "dead"), "start-pre")
    }

    func testAStartDuringTheFinalKillBeginsWhenTheLeftoversAreGone() {
        var run = commands { $0.execStartPre = [self.command("pre")]; $0.execStopPost = [self.command("post")] }
        _ = run.stop()
        run.spawned(pid: 60)
        _ = run.exited(pid: 60, status: .exited(1))
        XCTAssertEqual(run.subState(over: "dead"), "final-sigterm")
        XCTAssertEqual(run.start(), [], "remembered, not begun in the middle of the stop")
        XCTAssertTrue(run.startPending)
        XCTAssertEqual(run.leftoversGone(), [.cancelTimer, .finished(result: .exitCode),
                                             .spawn(.startPre, index: 0), .armTimer(.seconds(5))])
        XCTAssertEqual(run.result, nil, "the start's own result, the stop's went with .finished")
        XCTAssertFalse(run.startPending)
        XCTAssertEqual(run.subState(over: "failed"), "start-pre")
    }

    func testAStartDuringStopPostBeginsAfterItAndAfterAFinalKillThatGaveUp() {
        var run = commands { $0.execStopPost = [self.command("sleep")] }
        _ = run.stop()
        _ = run.start()
        XCTAssertEqual(run.spawnFailed(), [.finished(result: .resources), .bind], "stop-post ended, nothing left to kill")

        var killed = inFinalKill(pid: 61, after: .exited(0))
        _ = killed.start()
        _ = killed.timerFired()
        XCTAssertEqual(killed.timerFired(), [.log(Note(.warning, "Still around after SIGKILL (2). Entering failed mode.")),
                                             .finished(result: .timeout), .bind])
        XCTAssertEqual(killed.bound(true), [.listening])
    }

    func testAStartDuringStopPreWaitsForTheCloseAndStopPost() {
        var run = commands { $0.execStopPre = [self.command("pre")]; $0.execStopPost = [self.command("post")] }
        _ = run.stop()
        run.spawned(pid: 62)
        XCTAssertEqual(run.start(), [])
        XCTAssertEqual(run.exited(pid: 62, status: .exited(0)), [.cancelTimer, .close, .spawn(.stopPost, index: 0), .armTimer(.seconds(5))])
        run.spawned(pid: 63)
        _ = run.exited(pid: 63, status: .exited(0))
        XCTAssertEqual(run.leftoversGone(), [.cancelTimer, .finished(result: nil), .bind])
    }

    func testAStopDuringTheStopRunForgetsARememberedStart() {
        var run = inFinalKill(pid: 64, after: .exited(0))
        _ = run.start()
        XCTAssertEqual(run.stop(), [], "the stop under way is that stop")
        XCTAssertFalse(run.startPending)
        XCTAssertEqual(run.subState(over: "dead"), "final-sigterm")
        XCTAssertEqual(run.leftoversGone(), [.cancelTimer, .finished(result: nil)])
    }

    func testAStartDuringAStartRunStaysOneRun() {
        var run = commands { $0.execStartPre = [self.command("pre")]; $0.execStopPost = [self.command("post")] }
        _ = run.start()
        run.spawned(pid: 65)
        XCTAssertEqual(run.start(), [])
        XCTAssertFalse(run.startPending)
        XCTAssertEqual(run.exited(pid: 65, status: .exited(0)), [.cancelTimer, .bind])
        XCTAssertEqual(run.start(), [], "binding")
        XCTAssertEqual(run.bound(true), [.listening])
        XCTAssertFalse(run.isBusy)
    }
}
