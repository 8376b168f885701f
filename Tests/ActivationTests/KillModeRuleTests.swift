// KillMode='s rule as a table: who besides the main and control process each kill step reaches,
// and what a main process's leftovers get when the stop goes on without it (systemd.kill(5),
// systemd 252's unit_kill_context).
import XCTest
import Activation
import UnitModel

final class KillModeRuleTests: XCTestCase {
    func testControlGroupReachesTheRestAtEveryStepMixedAtTheFinalSignalOnlyProcessAndNoneNever() {
        let steps = KillMode.allCases.map { ($0, $0.signalsTheRest(final: false), $0.signalsTheRest(final: true)) }
        XCTAssertEqual(steps.map(\.0), [.controlGroup, .process, .mixed, .none])
        XCTAssertEqual(steps.map(\.1), [true, false, false, false], "KillSignal=")
        XCTAssertEqual(steps.map(\.2), [true, false, true, false], "FinalKillSignal=")
        XCTAssertEqual(KillMode.allCases.filter(\.stopsLeftovers), [.controlGroup, .mixed])
    }

    func testLeftoversGetKillSignalUnderControlGroupTheFinalSignalAtOnceUnderMixedAndNothingOtherwise() {
        XCTAssertEqual(KillMode.allCases.map { $0.leftoverStop(sendSIGKILL: true) }, [.terminate, .spared, .kill, .spared])
        XCTAssertEqual(KillMode.allCases.map { $0.leftoverStop(sendSIGKILL: false) }, [.terminate, .spared, .spared, .spared],
                       "SendSIGKILL=no: mixed skips stop-sigkill, so its leftovers keep running")
    }
}
