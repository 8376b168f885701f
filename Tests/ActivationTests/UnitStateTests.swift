// The machines' states as an admin sees them: systemd's ActiveState and
// SubState for every state, the Result a run ends with, and the control
// plane's start and reset-failed on sockets and services.
import XCTest
import UnitModel
@testable import Activation

final class UnitStateTests: XCTestCase {
    private func service(_ configure: (inout ServiceUnit) -> Void = { _ in }) -> ServiceMachine {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.timeoutStopSec = .seconds(1)
        configure(&unit)
        return ServiceMachine(config: ServiceConfig(unit: unit))
    }

    private func translation(_ machine: ServiceMachine) -> String {
        "\(machine.activeState.rawValue) (\(machine.subState))"
    }

    func testServiceStatesTranslateAsSystemdsTable() {
        var machine = service { $0.type = .notify; $0.execStartPre = [CommandLine(path: "/bin/true", arguments: ["true"])] }
        XCTAssertEqual(translation(machine), "inactive (dead)")
        _ = machine.handle(.startRequested(now: 0))
        XCTAssertEqual(translation(machine), "activating (start-pre)")
        _ = machine.handle(.controlSpawned(pid: 50))
        _ = machine.handle(.childExited(pid: 50, status: .exited(0)))
        XCTAssertEqual(translation(machine), "activating (start)")
        _ = machine.handle(.spawned(pid: 100))
        XCTAssertEqual(translation(machine), "activating (start)")
        _ = machine.handle(.notify(NotifyMessage("READY=1"), sender: NotifySender(pid: 100, uid: 0)))
        XCTAssertEqual(translation(machine), "active (running)")
        _ = machine.handle(.stopRequested)
        XCTAssertEqual(translation(machine), "deactivating (stop-sigterm)")
        _ = machine.handle(.timerFired(now: 1))
        XCTAssertEqual(translation(machine), "deactivating (stop-sigkill)")
        _ = machine.handle(.childExited(pid: 100, status: .killed(signal: 9)))
        XCTAssertEqual(translation(machine), "failed (failed)")
        XCTAssertEqual(machine.result, .timeout)
    }

    func testAPendingRestartIsActivatingAutoRestartAndKeepsTheFailure() {
        var machine = service { $0.restart = .onFailure }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        _ = machine.handle(.childExited(pid: 100, status: .exited(3)))
        XCTAssertEqual(translation(machine), "activating (auto-restart)")
        XCTAssertEqual(machine.result, .exitCode)
    }

    func testResetFailedMakesAFailedServiceInactiveAndForgetsItsStartLimit() {
        var machine = service { $0.startLimitBurst = 1 }
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        _ = machine.handle(.childExited(pid: 100, status: .exited(0)))
        XCTAssertEqual(machine.handle(.startRequested(now: 1)).last, .startLimitHit)
        XCTAssertEqual(translation(machine), "failed (failed)")
        XCTAssertEqual(machine.result, .startLimitHit)
        XCTAssertEqual(machine.handle(.resetFailed), [])
        XCTAssertEqual(translation(machine), "inactive (dead)")
        XCTAssertEqual(machine.result, .success)
        XCTAssertEqual(machine.handle(.startRequested(now: 2)), [.becameActive, .spawnMain], "the start limit starts over")
    }

    func testSocketStatesTranslateAndStartReopensAStoppedSocket() {
        var machine = SocketMachine(unit: SocketUnit(name: UnitName("web.socket")))
        XCTAssertEqual("\(machine.activeState.rawValue) (\(machine.subState))", "active (listening)")
        _ = machine.handle(.serviceActive)
        XCTAssertEqual("\(machine.activeState.rawValue) (\(machine.subState))", "active (running)")
        XCTAssertEqual(machine.handle(.stop), [.unwatch, .close])
        XCTAssertEqual("\(machine.activeState.rawValue) (\(machine.subState))", "inactive (dead)")
        XCTAssertEqual(machine.handle(.start), [.reopen])
        XCTAssertEqual(machine.handle(.listenersReopened).last, .watch)
        XCTAssertEqual(machine.state, .listening)
        XCTAssertEqual(machine.handle(.start), [], "a listening socket is started already")
    }

    func testAStoppedSocketThatCannotBindAgainFailsWithResources() {
        var machine = SocketMachine(unit: SocketUnit(name: UnitName("web.socket")))
        _ = machine.handle(.stop)
        _ = machine.handle(.start)
        _ = machine.handle(.reopenFailed)
        XCTAssertEqual(machine.state, .failed(result: .resources))
        XCTAssertEqual(machine.activeState, .failed)
        XCTAssertEqual(machine.handle(.resetFailed), [])
        XCTAssertEqual("\(machine.activeState.rawValue) (\(machine.subState))", "inactive (dead)")
    }

    func testAcceptSocketsShowListeningWhilePausedAndStartAgainAfterStop() {
        var unit = SocketUnit(name: UnitName("echo.socket"))
        unit.accept = true
        unit.maxConnections = 1
        unit.maxConnectionsPolicy = .defer_
        var machine = AcceptMachine(unit: unit)
        _ = machine.admit(source: .uncounted, now: 0)
        XCTAssertEqual(machine.state, .paused)
        XCTAssertEqual("\(machine.activeState.rawValue) (\(machine.subState))", "active (listening)")
        _ = machine.handle(.stop)
        XCTAssertEqual(machine.activeState, .inactive)
        XCTAssertEqual(machine.handle(.start), [.reopen])
        _ = machine.handle(.listenersReopened)
        XCTAssertEqual(machine.state, .paused, "still at its cap: reopened but not polled")
    }

    func testEveryResultHasSystemdsName() {
        XCTAssertEqual(UnitResult.allCases.map(\.rawValue), [
            "success", "resources", "timeout", "exit-code", "signal", "core-dump", "watchdog", "start-limit-hit",
            "protocol", "trigger-limit-hit", "service-start-limit-hit",
        ])
    }
}
