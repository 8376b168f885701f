// The --watch debounce as a pure policy: one reload per burst, 200 ms after the
// last change, never later than 2 s after the first, and no timer left armed
// once the reload is due (an idle usherd has no wake-ups).
import XCTest
import UnitModel
@testable import UsherDaemon

final class WatchDebounceTests: XCTestCase {
    private let ms: UInt64 = 1_000

    func testTheFirstChangeArmsTheQuietTimerAndLaterOnesDoNot() {
        var debounce = WatchDebounce()
        XCTAssertEqual(debounce.changed(now: 0), .armTimer(after: .milliseconds(200)))
        XCTAssertEqual(debounce.changed(now: 50 * ms), .nothing)
        XCTAssertEqual(debounce.changed(now: 90 * ms), .nothing)
    }

    func testTheTimerWaitsUntilTheBurstHasBeenQuietFor200Milliseconds() {
        var debounce = WatchDebounce()
        _ = debounce.changed(now: 0)
        _ = debounce.changed(now: 150 * ms)
        XCTAssertEqual(debounce.timerFired(now: 200 * ms), .armTimer(after: .milliseconds(150)))
        XCTAssertEqual(debounce.timerFired(now: 350 * ms), .reload)
    }

    func testAWriterThatNeverPausesGetsAReloadTwoSecondsAfterItsFirstChange() {
        var debounce = WatchDebounce()
        _ = debounce.changed(now: 0)
        var now: UInt64 = 0
        while now < 1_900 * ms {
            now += 100 * ms
            _ = debounce.changed(now: now)
        }
        XCTAssertEqual(debounce.timerFired(now: now), .armTimer(after: .milliseconds(100)))
        XCTAssertEqual(debounce.timerFired(now: 2_000 * ms), .reload)
    }

    func testAfterTheReloadNothingIsPendingAndTheNextChangeStartsANewBurst() {
        var debounce = WatchDebounce()
        _ = debounce.changed(now: 0)
        XCTAssertEqual(debounce.timerFired(now: 200 * ms), .reload)
        XCTAssertNil(debounce.firstChange)
        XCTAssertEqual(debounce.timerFired(now: 300 * ms), .nothing)
        XCTAssertEqual(debounce.changed(now: 5_000 * ms), .armTimer(after: .milliseconds(200)))
    }

    func testEditorSwapAndBackupFilesDoNotCount() {
        XCTAssertTrue(UnitWatch.counts("web.socket"))
        XCTAssertTrue(UnitWatch.counts("web.socket.d"))
        XCTAssertTrue(UnitWatch.counts(""))
        XCTAssertFalse(UnitWatch.counts(".web.socket.swp"))
        XCTAssertFalse(UnitWatch.counts("web.socket~"))
        XCTAssertFalse(UnitWatch.counts("web.socket.swp"))
    }
}
