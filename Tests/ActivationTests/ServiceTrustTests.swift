// The service machine at its trust boundaries: who may notify under each
// NotifyAccess=, which MAINPID= claims are taken (systemd's rules and
// wording), and the leftovers of a main process that exited on its own.
import XCTest
import UnitModel
@testable import Activation

final class ServiceTrustTests: XCTestCase {
    private func started(_ configure: (inout ServiceUnit) -> Void = { _ in }) -> ServiceMachine {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.timeoutStopSec = .seconds(3)
        configure(&unit)
        var machine = ServiceMachine(config: ServiceConfig(unit: unit))
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.spawned(pid: 100))
        return machine
    }

    private func notifyService(access: NotifyAccess? = nil) -> ServiceMachine {
        started { $0.type = .notify; $0.notifyAccess = access }
    }

    private func from(_ pid: Int32, uid: UInt32 = 1000) -> NotifySender { NotifySender(pid: pid, uid: uid) }

    private func notes(_ actions: [ServiceAction]) -> [String] {
        actions.compactMap { if case .log(let note) = $0 { return note.text } else { return nil } }
    }

    func testNotifyAccessMainTakesOnlyTheMainProcessAndLogsTheFirstRefusalOnly() {
        var machine = notifyService()
        let refused = machine.handle(.notify(NotifyMessage("READY=1"), sender: from(101)))
        XCTAssertEqual(notes(refused), ["Got notification message from PID 101, but reception only permitted for main PID 100"])
        XCTAssertEqual(machine.handle(.notify(NotifyMessage("READY=1"), sender: from(102))), [], "one line per run")
        XCTAssertEqual(machine.state, .starting)
        _ = machine.handle(.notify(NotifyMessage("READY=1"), sender: from(100)))
        XCTAssertEqual(machine.state, .running)
    }

    func testNotifyAccessNoneIgnoresEvenTheMainProcess() {
        var machine = notifyService(access: NotifyAccess.none)
        let refused = machine.handle(.notify(NotifyMessage("READY=1"), sender: from(100)))
        XCTAssertEqual(notes(refused), ["Got notification message from PID 100, but reception is disabled."])
        XCTAssertEqual(machine.state, .starting)
    }

    func testNotifyAccessExecAlsoTakesTheControlProcess() {
        var machine = started { $0.type = .notify; $0.notifyAccess = .exec }
        let refused = machine.handle(.notify(NotifyMessage("STATUS=x"), sender: from(300)))
        XCTAssertEqual(notes(refused), ["Got notification message from PID 300, but reception only permitted for main PID 100 and control PID n/a"])
        XCTAssertNil(machine.statusText)
        _ = machine.handle(.notify(NotifyMessage("READY=1"), sender: from(100)))
        XCTAssertEqual(machine.state, .running)
    }

    func testNotifyAccessAllTakesAnyProcessOfTheService() {
        var machine = notifyService(access: .all)
        _ = machine.handle(.notify(NotifyMessage("READY=1\nSTATUS=up"), sender: from(555)))
        XCTAssertEqual(machine.state, .running)
        XCTAssertEqual(machine.statusText, "up")
    }

    func testMainPIDOfTheServiceIsTakenAndFollowed() {
        var machine = notifyService()
        let actions = machine.handle(.notify(NotifyMessage("MAINPID=200"), sender: from(100), claim: .ofService))
        XCTAssertEqual(machine.mainPID, 200)
        XCTAssertTrue(actions.contains(.watchMainPID(200)))
    }

    func testMainPIDOutsideTheServiceIsRefusedFromAnUnprivilegedSender() {
        var machine = notifyService()
        let actions = machine.handle(.notify(NotifyMessage("MAINPID=4242"), sender: from(100), claim: .foreign))
        XCTAssertEqual(notes(actions), ["New main PID 4242 does not belong to service, refusing."])
        XCTAssertEqual(machine.mainPID, 100)
        XCTAssertFalse(actions.contains(.watchMainPID(4242)))
    }

    func testMainPIDOutsideTheServiceIsTakenFromRoot() {
        var machine = notifyService()
        let actions = machine.handle(.notify(NotifyMessage("MAINPID=4242"), sender: from(100, uid: 0), claim: .foreign))
        XCTAssertEqual(machine.mainPID, 4242)
        XCTAssertTrue(actions.contains(.watchMainPID(4242)))
    }

    func testManagerGoneAndControlProcessAreNeverMainPIDsEvenFromRoot() {
        var machine = notifyService()
        let root = from(100, uid: 0)
        XCTAssertEqual(notes(machine.handle(.notify(NotifyMessage("MAINPID=1"), sender: root, claim: .manager))),
                       ["New main PID 1 is the manager, refusing."])
        XCTAssertEqual(notes(machine.handle(.notify(NotifyMessage("MAINPID=77"), sender: root, claim: .gone))),
                       ["New main PID 77 does not exist or is a zombie."])
        XCTAssertEqual(machine.mainPID, 100)
    }

    func testMainPIDIsNotTakenBeforeTheMainProcessWasSpawned() {
        var unit = ServiceUnit(name: UnitName("web.service"))
        unit.type = .notify
        unit.notifyAccess = .all
        unit.execStartPre = [CommandLine(path: "/bin/true", arguments: ["/bin/true"])]
        var machine = ServiceMachine(config: ServiceConfig(unit: unit))
        _ = machine.handle(.startRequested(now: 0))
        _ = machine.handle(.controlSpawned(pid: 50))
        XCTAssertEqual(machine.handle(.notify(NotifyMessage("MAINPID=60"), sender: from(50, uid: 0), claim: .ofService)), [])
        XCTAssertNil(machine.mainPID)
    }

    func testMainExitWithLeftoversStopsThemBeforeTheServiceEnds() {
        var machine = started()
        let actions = machine.handle(.childExited(pid: 100, status: .exited(0), leftovers: true))
        XCTAssertTrue(actions.contains(.signalLeftovers(signals: [15, 18])))
        XCTAssertTrue(actions.contains(.armTimer(.seconds(3))))
        XCTAssertFalse(actions.contains(.becameInactive), "the socket waits until the leftovers are gone")
        XCTAssertEqual(machine.state, .stopping(.signalled))
        XCTAssertEqual(machine.handle(.leftoversGone).last, .becameInactive)
        XCTAssertEqual(machine.state, .inactive)
    }

    func testLeftoversThatIgnoreKillSignalGetSIGKILLAfterTheStopTimeout() {
        var machine = started()
        _ = machine.handle(.childExited(pid: 100, status: .exited(0), leftovers: true))
        let timeout = machine.handle(.timerFired(now: 1))
        XCTAssertTrue(timeout.contains(.signalLeftovers(signals: [9])))
        XCTAssertEqual(machine.state, .stopping(.killed))
        XCTAssertEqual(machine.handle(.leftoversGone).last, .becameInactive)
        XCTAssertEqual(machine.state, .failed(result: .timeout))
    }

    func testMainExitWithoutLeftoversEndsAtOnce() {
        var machine = started()
        XCTAssertEqual(machine.handle(.childExited(pid: 100, status: .exited(0))).last, .becameInactive)
        XCTAssertFalse(machine.awaitingLeftovers)
    }

    func testAnAlienMainProcessThatIsGoneEndsTheService() {
        var machine = notifyService()
        _ = machine.handle(.notify(NotifyMessage("MAINPID=4242\nREADY=1"), sender: from(100, uid: 0), claim: .foreign))
        XCTAssertEqual(machine.handle(.mainGone(pid: 4242)).last, .becameInactive)
        XCTAssertEqual(machine.state, .inactive)
    }
}
