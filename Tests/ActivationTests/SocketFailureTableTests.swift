// Every state × event of both socket machines around failure, as tables:
// failing closes the listeners, TriggerLimitCooldownSec= asks for a reopen,
// a reopen's outcome decides between listening and failed ('resources'),
// and every combination not listed as a transition does nothing.
import XCTest
import UnitModel
@testable import Activation

final class SocketFailureTableTests: XCTestCase {
    private static let cooldownNote = Note(.notice, "Trigger limit cooldown elapsed, reopening the listeners.")
    private static let listeningNote = Note(.notice, "Listening again.")
    private static let resourcesNote = Note(.error, "Failed with result 'resources'.")
    private static let service = UnitName("web.service")

    private struct Row<Action: Equatable> {
        let state: String
        let event: SocketEvent
        let actions: [Action]
        let after: String
        let line: UInt
        init(_ state: String, _ event: SocketEvent, _ actions: [Action], _ after: String, line: UInt = #line) {
            (self.state, self.event, self.actions, self.after, self.line) = (state, event, actions, after, line)
        }
    }

    /// Runs each row on a machine freshly driven into the row's state.
    private func check<Machine, Action: Equatable>(_ rows: [Row<Action>], start: (String) -> Machine,
                                                   label: (Machine) -> String,
                                                   handle: (inout Machine, SocketEvent) -> [Action]) {
        for row in rows {
            var machine = start(row.state)
            XCTAssertEqual(handle(&machine, row.event), row.actions, "\(row.state) × \(row.event)", line: row.line)
            XCTAssertEqual(label(machine), row.after, "\(row.state) × \(row.event)", line: row.line)
        }
    }

    private static func label(_ state: SocketMachine.State) -> String {
        switch state {
        case .listening: return "listening"
        case .running: return "running"
        case .failed(let result): return "failed:" + result.rawValue
        case .stopped: return "stopped"
        }
    }

    private static func label(_ state: AcceptMachine.State) -> String {
        switch state {
        case .listening: return "listening"
        case .paused: return "paused"
        case .failed(let result): return "failed:" + result.rawValue
        case .stopped: return "stopped"
        }
    }

    private func unit(accept: Bool, cooldown: TimeSpan?) -> SocketUnit {
        var unit = SocketUnit(name: UnitName("web.socket"))
        unit.accept = accept
        unit.maxConnections = 1
        unit.maxConnectionsPolicy = .defer_
        unit.triggerLimitBurst = 1
        unit.triggerLimitCooldown = cooldown
        return unit
    }

    /// An Accept=no machine driven into `state` (burst 1: the second trigger fails it).
    private func socketMachine(in state: String, cooldown: TimeSpan? = .seconds(5)) -> SocketMachine {
        var machine = SocketMachine(unit: unit(accept: false, cooldown: cooldown))
        switch state {
        case "running":
            _ = machine.handle(.readable(now: 0))
            _ = machine.handle(.serviceActive)
        case "failed:trigger-limit-hit":
            _ = machine.handle(.readable(now: 0))
            _ = machine.handle(.readable(now: 1))
        case "stopped":
            _ = machine.handle(.stop)
        default:
            break
        }
        XCTAssertEqual(Self.label(machine.state), state)
        return machine
    }

    func testSocketMachineTransitionsAroundFailure() {
        let closing: [SocketAction] = [.unwatch, .close]
        let rows: [Row] = [
            Row("listening", .readable(now: 0), [.unwatch, .activate(Self.service)], "listening"),
            Row("listening", .serviceStartLimitHit,
                closing + [.log(Note(.error, "Failed with result 'service-start-limit-hit'.")), .armCooldown(.seconds(5))],
                "failed:service-start-limit-hit"),
            Row("running", .serviceStartLimitHit,
                closing + [.log(Note(.error, "Failed with result 'service-start-limit-hit'.")), .armCooldown(.seconds(5))],
                "failed:service-start-limit-hit"),
            Row("listening", .cooldownElapsed, [], "listening"),
            Row("listening", .listenersReopened, [], "listening"),
            Row("listening", .reopenFailed, [], "listening"),
            Row("listening", .stop, closing, "stopped"),
            Row("running", .readable(now: 9), [], "running"),
            Row("running", .serviceInactive, [.watch], "listening"),
            Row("running", .cooldownElapsed, [], "running"),
            Row("running", .listenersReopened, [], "running"),
            Row("running", .reopenFailed, [], "running"),
            Row("failed:trigger-limit-hit", .readable(now: 9), [], "failed:trigger-limit-hit"),
            Row("failed:trigger-limit-hit", .serviceActive, [], "failed:trigger-limit-hit"),
            Row("failed:trigger-limit-hit", .serviceInactive, [], "failed:trigger-limit-hit"),
            Row("failed:trigger-limit-hit", .serviceStartLimitHit, [], "failed:trigger-limit-hit"),
            Row("failed:trigger-limit-hit", .cooldownElapsed, [.log(Self.cooldownNote), .reopen], "failed:trigger-limit-hit"),
            Row("failed:trigger-limit-hit", .listenersReopened, [.log(Self.listeningNote), .watch], "listening"),
            Row("failed:trigger-limit-hit", .reopenFailed, [.log(Self.resourcesNote)], "failed:resources"),
            Row("failed:trigger-limit-hit", .stop, closing, "stopped"),
            Row("stopped", .readable(now: 9), [], "stopped"),
            Row("stopped", .serviceStartLimitHit, [], "stopped"),
            Row("stopped", .cooldownElapsed, [], "stopped"),
            Row("stopped", .listenersReopened, [.log(Self.listeningNote), .watch], "listening"),
            Row("stopped", .reopenFailed, [.log(Self.resourcesNote)], "failed:resources"),
            Row("stopped", .stop, [], "stopped"),
            Row("listening", .start, [], "listening"),
            Row("running", .start, [], "running"),
            Row("failed:trigger-limit-hit", .start, [.reopen], "failed:trigger-limit-hit"),
            Row("stopped", .start, [.reopen], "stopped"),
            Row("listening", .resetFailed, [], "listening"),
            Row("running", .resetFailed, [], "running"),
            Row("failed:trigger-limit-hit", .resetFailed, [], "stopped"),
            Row("stopped", .resetFailed, [], "stopped"),
        ]
        check(rows, start: { socketMachine(in: $0) }, label: { Self.label($0.state) }, handle: { $0.handle($1) })
    }

    func testFailingClosesTheListenersBeforeLoggingAndArmsTheCooldown() {
        var machine = socketMachine(in: "listening")
        _ = machine.handle(.readable(now: 0))
        XCTAssertEqual(machine.handle(.readable(now: 1)), [
            .unwatch, .close, .log(Note(.warning, "Trigger limit hit, refusing further activation.")),
            .log(Note(.error, "Failed with result 'trigger-limit-hit'.")), .armCooldown(.seconds(5)),
        ])
    }

    func testWithoutTheCooldownAFailedSocketNeverAsksForAReopen() {
        var machine = socketMachine(in: "failed:trigger-limit-hit", cooldown: nil)
        XCTAssertEqual(machine.handle(.cooldownElapsed), [])
        XCTAssertEqual(Self.label(machine.state), "failed:trigger-limit-hit")
    }

    func testAReopenResetsTheTriggerLimit() {
        var machine = socketMachine(in: "failed:trigger-limit-hit")
        _ = machine.handle(.listenersReopened)
        XCTAssertEqual(machine.handle(.readable(now: 2)), [.unwatch, .activate(Self.service)])
    }

    func testAFailedReopenStaysFailedWithResourcesAndAsksForNothingMore() {
        var machine = socketMachine(in: "failed:trigger-limit-hit")
        _ = machine.handle(.reopenFailed)
        XCTAssertEqual(machine.handle(.readable(now: 2)), [])
        XCTAssertEqual(machine.handle(.listenersReopened), [.log(Self.listeningNote), .watch], "a later start may still reopen it")
    }

    /// An Accept=yes machine (MaxConnections=1, defer) driven into `state`.
    private func acceptMachine(in state: String, cooldown: TimeSpan? = .seconds(5)) -> AcceptMachine {
        var machine = AcceptMachine(unit: unit(accept: true, cooldown: cooldown))
        let source = ConnectionSource.address(high: 0, low: 1)
        switch state {
        case "paused":
            _ = machine.admit(source: source, now: 0)
        case "failed:trigger-limit-hit":
            _ = machine.admit(source: source, now: 0)
            _ = machine.release(source: source)
            _ = machine.admit(source: source, now: 1)
        case "stopped":
            _ = machine.handle(.stop)
        default:
            break
        }
        XCTAssertEqual(Self.label(machine.state), state)
        return machine
    }

    func testAcceptMachineTransitionsAroundFailure() {
        let closing: [AcceptAction] = [.unwatch, .close]
        var rows: [Row<AcceptAction>] = []
        let unconcerned: [SocketEvent] = [.readable(now: 9), .serviceActive, .serviceInactive, .serviceStartLimitHit]
        for state in ["listening", "paused", "failed:trigger-limit-hit", "stopped"] {
            rows += unconcerned.map { Row(state, $0, [], state) }
        }
        for state in ["listening", "paused"] {
            rows += [SocketEvent.cooldownElapsed, .listenersReopened, .reopenFailed, .start, .resetFailed]
                .map { Row(state, $0, [], state) }
        }
        rows += [
            Row("stopped", .cooldownElapsed, [], "stopped"),
            Row("stopped", .listenersReopened, [.log(Self.listeningNote), .watch], "listening"),
            Row("stopped", .reopenFailed, [.log(Self.resourcesNote)], "failed:resources"),
            Row("stopped", .start, [.reopen], "stopped"),
            Row("stopped", .resetFailed, [], "stopped"),
            Row("failed:trigger-limit-hit", .start, [.reopen], "failed:trigger-limit-hit"),
            Row("failed:trigger-limit-hit", .resetFailed, [], "stopped"),
        ]
        rows += [
            Row("failed:trigger-limit-hit", .cooldownElapsed, [.log(Self.cooldownNote), .reopen], "failed:trigger-limit-hit"),
            Row("failed:trigger-limit-hit", .listenersReopened, [.log(Self.listeningNote), .watch], "listening"),
            Row("failed:trigger-limit-hit", .reopenFailed, [.log(Self.resourcesNote)], "failed:resources"),
            Row("listening", .stop, closing, "stopped"),
            Row("paused", .stop, closing, "stopped"),
            Row("failed:trigger-limit-hit", .stop, closing, "stopped"),
            Row("stopped", .stop, [], "stopped"),
        ]
        check(rows, start: { acceptMachine(in: $0) }, label: { Self.label($0.state) }, handle: { $0.handle($1) })
    }

    func testAcceptTriggerLimitClosesTheListenersAndRefusesUntilReopened() {
        var machine = acceptMachine(in: "failed:trigger-limit-hit")
        XCTAssertEqual(machine.admit(source: .vsock(cid: 3), now: 2), .refuse(.notListening))
        _ = machine.handle(.listenersReopened)
        XCTAssertEqual(machine.admit(source: .vsock(cid: 3), now: 3), .spawn(number: 1, pause: true))
    }

    func testAcceptReopenAtTheDeferCapStaysPausedWithoutWatching() {
        var machine = acceptMachine(in: "paused")
        _ = machine.admit(source: .vsock(cid: 4), now: 1)
        XCTAssertEqual(Self.label(machine.state), "failed:trigger-limit-hit")
        XCTAssertEqual(machine.handle(.listenersReopened), [.log(Self.listeningNote)])
        XCTAssertEqual(Self.label(machine.state), "paused")
        XCTAssertEqual(machine.release(source: .address(high: 0, low: 1)), [.watch], "the instance's end resumes polling")
    }
}
