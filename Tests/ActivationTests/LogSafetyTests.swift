// What reaches usherd's log from outside: the escaper (control bytes, C1,
// invalid UTF-8 escaped; text kept), the output ring's journald-style line
// splitting (newline, NUL, LineMax=48K) and bounds, and the per-unit log
// rate limit with its suppression report.
import XCTest
@testable import Activation
import UnitModel

final class LogEscapingTests: XCTestCase {
    private func escaped(_ bytes: [UInt8]) -> String { LogEscaping.escape(bytes: bytes) }

    func testEscapeNulTabCarriageReturnAndDelAsHex() {
        XCTAssertEqual(escaped([0x1B] + Array("[31mred".utf8)), "\\x1b[31mred")
        XCTAssertEqual(escaped([0x61, 0x00, 0x62]), "a\\x00b")
        XCTAssertEqual(escaped([0x09, 0x0D, 0x7F]), "\\x09\\x0d\\x7f")
    }

    func testC1ControlsAreEscapedByteByByte() {
        XCTAssertEqual(escaped([0xC2, 0x9B] + Array("2J".utf8)), "\\xc2\\x9b2J")
        XCTAssertEqual(escaped([0xC2, 0x80, 0xC2, 0x9F]), "\\xc2\\x80\\xc2\\x9f")
        XCTAssertEqual(LogEscaping.escape("a\u{9B}b"), "a\\xc2\\x9bb")
    }

    func testInvalidUTF8BytesAreEscaped() {
        XCTAssertEqual(escaped([0xFF, 0x41]), "\\xffA")
        XCTAssertEqual(escaped([0xC3]), "\\xc3", "truncated sequence")
        XCTAssertEqual(escaped([0xC0, 0xAF]), "\\xc0\\xaf", "overlong encoding")
        XCTAssertEqual(escaped([0xED, 0xA0, 0x80]), "\\xed\\xa0\\x80", "surrogate")
        XCTAssertEqual(escaped([0xE2, 0x82, 0x41]), "\\xe2\\x82A", "bad continuation")
    }

    func testPrintableTextAndValidMultibyteUTF8StayUnchanged() {
        let text = "café 日本語 €5 £ 😀 a\\x1b stays"
        XCTAssertEqual(escaped(Array(text.utf8)), text)
        XCTAssertEqual(LogEscaping.escape(text), text)
    }

    func testEscapingStringsCatchesControlCharactersInNames() {
        XCTAssertEqual(LogEscaping.escape("bad\u{1B}]0;title\u{07}.service"), "bad\\x1b]0;title\\x07.service")
        XCTAssertEqual(LogEscaping.escape("two\nlines"), "two\\x0alines")
    }
}

final class OutputRingTests: XCTestCase {
    private func text(_ lines: [[UInt8]]) -> [String] { lines.map { String(decoding: $0, as: UTF8.self) } }

    func testSplitsAtNewlineAndNulAndKeepsOnlyTheNewest() {
        var ring = OutputRing(capacity: 3, maxLineLength: 8)
        XCTAssertEqual(text(ring.append(Array("a\nb\0c".utf8))), ["a", "b"])
        XCTAssertEqual(text(ring.append(Array("c\nd\n".utf8))), ["cc", "d"])
        XCTAssertEqual(ring.contents, ["b", "cc", "d"])
        XCTAssertEqual(ring.dropped, 1)
    }

    func testLineMaxDefaultsToJournald48K() {
        XCTAssertEqual(OutputRing.lineMax, 49_152)
        var ring = OutputRing()
        let lines = ring.append([UInt8](repeating: UInt8(ascii: "x"), count: 100_000) + [0x0A])
        XCTAssertEqual(lines.map(\.count), [49_152, 49_152, 1_696], "split, nothing lost")
    }

    func testEndlessLinesAreCutSoMemoryStaysBounded() {
        var ring = OutputRing(capacity: 2, maxLineLength: 4)
        let lines = ring.append([UInt8](repeating: UInt8(ascii: "x"), count: 10_000))
        XCTAssertEqual(lines.count, 2500)
        XCTAssertEqual(ring.contents, ["xxxx", "xxxx"])
        XCTAssertNil(ring.finish())
    }

    func testByteBudgetEvictsOldestLines() {
        var ring = OutputRing(capacity: 100, maxLineLength: 20, byteBudget: 25)
        _ = ring.append(Array("aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\n".utf8))
        XCTAssertEqual(ring.contents, ["bbbbbbbbbb", "cccccccccc"])
        XCTAssertEqual(ring.dropped, 1)
    }

    func testContentsAreEscaped() {
        var ring = OutputRing()
        _ = ring.append([0x1B, 0x5B, 0x32, 0x4A, 0x0A])
        XCTAssertEqual(ring.contents, ["\\x1b[2J"])
    }
}

final class LogRateLimitsTests: XCTestCase {
    private let unit = UnitName("flood.service")

    func testTenThousandPassThenMessagesAreCountedAndReportedOnce() {
        var limits = LogRateLimits()
        for index in 0..<10_000 {
            XCTAssertEqual(limits.admit(unit, now: UInt64(index)), .log(suppressedBefore: 0))
        }
        for _ in 0..<1_234 { XCTAssertEqual(limits.admit(unit, now: 5_000_000), .drop) }
        XCTAssertEqual(limits.admit(unit, now: 30_000_000), .log(suppressedBefore: 1_234), "window over")
        XCTAssertEqual(limits.admit(unit, now: 30_000_001), .log(suppressedBefore: 0), "reported once")
    }

    func testEachUnitHasItsOwnWindow() {
        var limits = LogRateLimits(interval: .seconds(30), burst: 2)
        _ = limits.admit(unit, now: 0)
        _ = limits.admit(unit, now: 0)
        XCTAssertEqual(limits.admit(unit, now: 1), .drop)
        XCTAssertEqual(limits.admit(UnitName("quiet.service"), now: 1), .log(suppressedBefore: 0))
    }

    func testTakeSuppressedReportsDropsWithoutWaitingForTheWindow() {
        var limits = LogRateLimits(interval: .seconds(30), burst: 1)
        _ = limits.admit(unit, now: 0)
        _ = limits.admit(unit, now: 1)
        _ = limits.admit(unit, now: 2)
        XCTAssertEqual(limits.takeSuppressed(unit), 2)
        XCTAssertEqual(limits.takeSuppressed(unit), 0)
        XCTAssertEqual(limits.admit(unit, now: 3), .drop, "the window is still closed")
    }

    func testTakeAllSuppressedListsOnlyUnitsWithDrops() {
        var limits = LogRateLimits(interval: .seconds(30), burst: 1)
        for name in ["b.service", "a.service", "a.service", "b.service", "b.service"] {
            _ = limits.admit(UnitName(name), now: 0)
        }
        _ = limits.admit(UnitName("quiet.service"), now: 0)
        let all = limits.takeAllSuppressed()
        XCTAssertEqual(all.map(\.unit), [UnitName("a.service"), UnitName("b.service")])
        XCTAssertEqual(all.map(\.count), [1, 2])
        XCTAssertTrue(limits.takeAllSuppressed().isEmpty)
    }

    func testSuppressionLineUsesJournaldWording() {
        XCTAssertEqual(LogRateLimits.suppressionText(7, unit: unit), "Suppressed 7 messages from flood.service")
    }
}
