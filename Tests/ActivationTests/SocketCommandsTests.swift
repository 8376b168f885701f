// A socket unit's own commands as a pure sequence, in systemd's order
// (socket.c): start-pre → bind → start-post → listening; stop-pre → close →
// stop-post; a failing ExecStartPre= ends the run with its result and runs no
// stop command; a failing ExecStartPost= or a bind failure goes through the
// stop commands; `-` ignores a failure; TimeoutSec= terminates, then kills.
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
        XCTAssertEqual(run.phase, .startPre)
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
            .finished(result: .exitCode),
        ])
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
        XCTAssertEqual(run.exited(pid: 21, status: .exited(0)), [.cancelTimer, .finished(result: nil)])
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
        XCTAssertEqual(post.exited(pid: 31, status: .exited(0)), [.cancelTimer, .finished(result: .signal)])

        var bind = commands { $0.execStopPost = [self.command("post")] }
        _ = bind.start()
        XCTAssertEqual(bind.bound(false), [.close, .spawn(.stopPost, index: 0), .armTimer(.seconds(5))])
        XCTAssertEqual(bind.result, .resources)
    }

    func testTimeoutSecTerminatesWithSIGCONTThenKillsAloneAndTheResultIsTimeout() {
        var run = commands { $0.execStartPre = [self.command("sleep")] }
        _ = run.start()
        run.spawned(pid: 40)
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Starting timed out. Terminating.")),
                                          .signal(pid: 40, signal: 15), .signal(pid: 40, signal: 18),
                                          .armTimer(.seconds(5))])
        XCTAssertEqual(run.timerFired(), [.log(Note(.warning, "Control process still around, killing.")),
                                          .armTimer(.seconds(5)), .signal(pid: 40, signal: 9)])
        XCTAssertEqual(run.exited(pid: 40, status: .killed(signal: 9)), [.cancelTimer, .finished(result: .timeout)])
    }

    func testAnExitOfAnotherPidChangesNothing() {
        var run = commands { $0.execStartPre = [self.command("a")] }
        _ = run.start()
        run.spawned(pid: 50)
        XCTAssertEqual(run.exited(pid: 51, status: .exited(0)), [])
        XCTAssertEqual(run.phase, .startPre)
    }
}
