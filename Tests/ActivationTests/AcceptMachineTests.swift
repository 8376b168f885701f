// The Accept=yes policy without processes: instance numbers, MaxConnections=
// and MaxConnectionsPerSource= with systemd's texts, the defer policy's
// pause/resume, counter release, the trigger limit and its cooldown.
import XCTest
import Activation
import UnitModel

final class AcceptMachineTests: XCTestCase {
    private let local = ConnectionSource.address(high: 0, low: 0x0000_FFFF_7F00_0001)
    private let other = ConnectionSource.address(high: 0, low: 1)

    private func unit(max: UInt32 = 64, perSource: UInt32 = 0, policy: MaxConnectionsPolicy = .refuse,
                      burst: UInt32 = 200, cooldown: TimeSpan? = nil) -> SocketUnit {
        var unit = SocketUnit(name: UnitName("echo.socket"))
        unit.accept = true
        unit.maxConnections = max
        unit.maxConnectionsPerSource = perSource
        unit.maxConnectionsPolicy = policy
        unit.triggerLimitBurst = burst
        unit.triggerLimitCooldown = cooldown
        return unit
    }

    func testInstanceNumbersCountSpawnedConnectionsFromZero() {
        var machine = AcceptMachine(unit: unit())
        XCTAssertEqual(machine.admit(source: local, now: 1), .spawn(number: 0, pause: false))
        XCTAssertEqual(machine.admit(source: local, now: 2), .spawn(number: 1, pause: false))
        XCTAssertEqual(machine.counters.accepted, 2)
        XCTAssertEqual(machine.counters.connections, 2)
    }

    func testOverMaxConnectionsRefusesWithSystemdTextAndDoesNotUseANumber() {
        var machine = AcceptMachine(unit: unit(max: 2))
        _ = machine.admit(source: local, now: 1)
        _ = machine.admit(source: local, now: 2)
        let third = machine.admit(source: local, now: 3)
        XCTAssertEqual(third, .refuse(.tooMany(2)))
        if case .refuse(let refusal) = third {
            XCTAssertEqual(refusal.note(source: "127.0.0.1")?.text, "Too many incoming connections (2), dropping connection.")
        }
        XCTAssertEqual(machine.counters.refused, 1)
        _ = machine.release(source: local)
        XCTAssertEqual(machine.admit(source: local, now: 4), .spawn(number: 2, pause: false))
    }

    func testPerSourceLimitCountsEachAddressSeparately() {
        var machine = AcceptMachine(unit: unit(perSource: 1))
        XCTAssertEqual(machine.admit(source: local, now: 1), .spawn(number: 0, pause: false))
        let second = machine.admit(source: local, now: 2)
        XCTAssertEqual(second, .refuse(.tooManyFromSource(2)))
        if case .refuse(let refusal) = second {
            XCTAssertEqual(refusal.note(source: "127.0.0.1")?.text,
                           "Too many incoming connections (2) from source 127.0.0.1, dropping connection.")
        }
        XCTAssertEqual(machine.admit(source: other, now: 3), .spawn(number: 1, pause: false))
        _ = machine.release(source: local)
        XCTAssertEqual(machine.admit(source: local, now: 4), .spawn(number: 2, pause: false))
    }

    func testPeersWithoutASourceAreNotLimitedPerSource() {
        var machine = AcceptMachine(unit: unit(perSource: 1))
        XCTAssertEqual(machine.admit(source: .uncounted, now: 1), .spawn(number: 0, pause: false))
        XCTAssertEqual(machine.admit(source: .uncounted, now: 2), .spawn(number: 1, pause: false))
        XCTAssertEqual(machine.admit(source: local, now: 3), .spawn(number: 2, pause: false))
        XCTAssertEqual(machine.admit(source: local, now: 4), .refuse(.tooManyFromSource(2)))
        _ = machine.release(source: .uncounted)
        XCTAssertEqual(machine.admit(source: local, now: 5), .refuse(.tooManyFromSource(2)),
                       "a release without a source frees no source's slot")
    }

    func testVsockPeersAreCountedByCID() {
        var machine = AcceptMachine(unit: unit(perSource: 1))
        XCTAssertEqual(machine.admit(source: .vsock(cid: 3), now: 1), .spawn(number: 0, pause: false))
        XCTAssertEqual(machine.admit(source: .vsock(cid: 3), now: 2), .refuse(.tooManyFromSource(2)))
        XCTAssertEqual(machine.admit(source: .vsock(cid: 4), now: 3), .spawn(number: 1, pause: false))
    }

    func testDeferPolicyPausesAtTheCapAndResumesBelowIt() {
        var machine = AcceptMachine(unit: unit(max: 2, policy: .defer_))
        XCTAssertEqual(machine.admit(source: local, now: 1), .spawn(number: 0, pause: false))
        XCTAssertEqual(machine.admit(source: local, now: 2), .spawn(number: 1, pause: true))
        XCTAssertEqual(machine.state, .paused)
        XCTAssertEqual(machine.release(source: local), [.watch])
        XCTAssertEqual(machine.state, .listening)
        XCTAssertEqual(machine.release(source: local), [])
    }

    func testRefusePolicyNeverStopsPolling() {
        var machine = AcceptMachine(unit: unit(max: 1))
        XCTAssertEqual(machine.admit(source: local, now: 1), .spawn(number: 0, pause: false))
        XCTAssertEqual(machine.state, .listening)
        XCTAssertEqual(machine.release(source: local), [])
    }

    func testTriggerLimitFailsTheUnitAndCooldownListensAgain() {
        var machine = AcceptMachine(unit: unit(burst: 2, cooldown: .seconds(5)))
        _ = machine.admit(source: local, now: 1)
        _ = machine.admit(source: local, now: 2)
        XCTAssertEqual(machine.admit(source: local, now: 3), .fail([
            .unwatch, .close, .log(Note(.warning, "Trigger limit hit, refusing further activation.")),
            .log(Note(.error, "Failed with result 'trigger-limit-hit'.")), .armCooldown(.seconds(5)),
        ]))
        XCTAssertEqual(machine.state, .failed(result: .triggerLimitHit))
        XCTAssertEqual(machine.admit(source: local, now: 4), .refuse(.notListening))
        XCTAssertEqual(machine.release(source: local), [], "a release does not revive a failed unit")
        XCTAssertEqual(machine.handle(.cooldownElapsed),
                       [.log(Note(.notice, "Trigger limit cooldown elapsed, reopening the listeners.")), .reopen])
        XCTAssertEqual(machine.handle(.listenersReopened), [.log(Note(.notice, "Listening again.")), .watch])
        XCTAssertEqual(machine.admit(source: local, now: 5), .spawn(number: 2, pause: false))
    }

    func testTriggerLimitWithoutCooldownStaysFailed() {
        var machine = AcceptMachine(unit: unit(burst: 1))
        _ = machine.admit(source: local, now: 1)
        guard case .fail(let actions) = machine.admit(source: local, now: 2) else { return XCTFail("expected failure") }
        XCTAssertFalse(actions.contains { if case .armCooldown = $0 { return true } else { return false } })
        XCTAssertEqual(machine.handle(.cooldownElapsed), [])
    }

    func testStopClosesOnceAndThenIgnoresEverything() {
        var machine = AcceptMachine(unit: unit())
        XCTAssertEqual(machine.handle(.stop), [.unwatch, .close])
        XCTAssertEqual(machine.handle(.stop), [])
        XCTAssertEqual(machine.admit(source: local, now: 1), .refuse(.notListening))
    }
}
