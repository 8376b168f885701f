// The socket unit's state machine: watching, activation, the trigger limit
// with systemd's defaults, and Usher's TriggerLimitCooldownSec=.
import XCTest
import UnitModel
@testable import Activation

final class SocketMachineTests: XCTestCase {
    private func socket(burst: UInt32 = 20, cooldown: TimeSpan? = nil) -> SocketMachine {
        var unit = SocketUnit(name: UnitName("web.socket"))
        unit.triggerLimitBurst = burst
        unit.triggerLimitCooldown = cooldown
        return SocketMachine(unit: unit)
    }

    func testReadableListenerStopsWatchingAndActivatesTheService() {
        var machine = socket()
        XCTAssertEqual(machine.startActions(), [.watch])
        XCTAssertEqual(machine.handle(.readable(now: 1)), [.unwatch, .activate(UnitName("web.service"))])
        XCTAssertEqual(machine.handle(.serviceActive), [.unwatch])
        XCTAssertEqual(machine.state, .running)
    }

    func testServiceExitRearmsTheListeners() {
        var machine = socket()
        _ = machine.handle(.readable(now: 1))
        _ = machine.handle(.serviceActive)
        XCTAssertEqual(machine.handle(.serviceInactive), [.watch])
        XCTAssertEqual(machine.state, .listening)
    }

    func testTwentyFirstTriggerWithinTwoSecondsFailsWithTriggerLimitHit() {
        var machine = socket()
        for step in 0..<20 {
            XCTAssertEqual(machine.handle(.readable(now: UInt64(step) * 1000)).last, .activate(UnitName("web.service")))
            _ = machine.handle(.serviceActive)
            _ = machine.handle(.serviceInactive)
        }
        let actions = machine.handle(.readable(now: 50_000))
        XCTAssertEqual(actions, [.unwatch, .close, .log(Note(.warning, "Trigger limit hit, refusing further activation.")),
                                 .log(Note(.error, "Failed with result 'trigger-limit-hit'."))])
        XCTAssertEqual(machine.state, .failed(result: .triggerLimitHit))
        XCTAssertEqual(machine.handle(.serviceInactive), [], "a failed socket stays unwatched")
        XCTAssertEqual(machine.handle(.cooldownElapsed), [], "without the Usher key nothing brings it back")
    }

    func testTriggersSpreadBeyondTheIntervalNeverHitTheLimit() {
        var machine = socket(burst: 2)
        for step in 0..<10 {
            XCTAssertEqual(machine.handle(.readable(now: UInt64(step) * 2_100_000)).last,
                           .activate(UnitName("web.service")))
            _ = machine.handle(.serviceActive)
            _ = machine.handle(.serviceInactive)
        }
    }

    func testCooldownBringsAFailedSocketBackAndResetsTheLimit() {
        var machine = socket(burst: 1, cooldown: .seconds(3))
        _ = machine.handle(.readable(now: 0))
        _ = machine.handle(.serviceActive)
        _ = machine.handle(.serviceInactive)
        XCTAssertEqual(machine.handle(.readable(now: 10)).last, .armCooldown(.seconds(3)))
        XCTAssertEqual(machine.handle(.cooldownElapsed).last, .reopen)
        XCTAssertEqual(machine.handle(.listenersReopened).last, .watch)
        XCTAssertEqual(machine.handle(.readable(now: 20)).last, .activate(UnitName("web.service")))
    }

    func testServiceStartLimitFailsTheSocket() {
        var machine = socket()
        _ = machine.handle(.readable(now: 0))
        XCTAssertEqual(machine.handle(.serviceStartLimitHit).last,
                       .log(Note(.error, "Failed with result 'service-start-limit-hit'.")))
        XCTAssertEqual(machine.state, .failed(result: .serviceStartLimitHit))
    }

    func testStopClosesAndIgnoresEverythingAfter() {
        var machine = socket()
        XCTAssertEqual(machine.handle(.stop), [.unwatch, .close])
        XCTAssertEqual(machine.handle(.readable(now: 1)), [])
        XCTAssertEqual(machine.handle(.serviceInactive), [])
    }

    func testZeroBurstDisablesTheTriggerLimit() {
        var limit = RateLimit(interval: .seconds(2), burst: 0)
        XCTAssertTrue((0..<1000).allSatisfy { limit.allow(now: UInt64($0)) })
    }
}

final class SocketPairingTests: XCTestCase {
    private func socket(_ name: String, service: String? = nil) -> SocketUnit {
        var unit = SocketUnit(name: UnitName(name))
        if let service { unit.service = UnitName(service) }
        return unit
    }

    func testSocketsListFirstInItsOrderThenServicePointersByName() {
        var service = ServiceUnit(name: UnitName("shared.service"))
        service.sockets = [UnitName("two.socket"), UnitName("one.socket")]
        let units = [socket("one.socket", service: "shared.service"), socket("zeta.socket", service: "shared.service"),
                     socket("alpha.socket", service: "shared.service"), socket("two.socket", service: "shared.service"),
                     socket("other.socket")]
        XCTAssertEqual(SocketPairing.sockets(feeding: service, from: units).map(\.name.full),
                       ["two.socket", "one.socket", "alpha.socket", "zeta.socket"])
    }

    func testDefaultPairingAndFileDescriptorNames() {
        var named = socket("web.socket")
        named.fileDescriptorName = "web"
        let plain = socket("alpha.socket", service: "web.service")
        let service = ServiceUnit(name: UnitName("web.service"))
        let fed = SocketPairing.sockets(feeding: service, from: [named, plain])
        XCTAssertEqual(fed.map(\.name.full), ["alpha.socket", "web.socket"])
        XCTAssertEqual(SocketPairing.fdNames([(plain, 1), (named, 2)]), ["alpha.socket", "web", "web"])
    }
}
