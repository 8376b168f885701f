// Table-driven tests for the generic value parsers: valid input, junk and
// overflow for booleans, integers, time spans, sizes, modes, nice levels,
// signals, word splitting with quotes and C escapes, and unit-name escaping.

import UnitModel
import XCTest
@testable import UnitFile

final class ValueParserTests: XCTestCase {
    func testBooleanAcceptsSystemdWordsCaseInsensitively() {
        for word in ["1", "yes", "y", "true", "t", "on", "YES", "On"] { XCTAssertEqual(ValueParsers.boolean(word), true, word) }
        for word in ["0", "no", "n", "false", "f", "off", "OFF"] { XCTAssertEqual(ValueParsers.boolean(word), false, word) }
        for junk in ["maybe", "", "2", "yess", " yes"] { XCTAssertNil(ValueParsers.boolean(junk), junk) }
    }

    func testUnsignedRejectsSignsJunkAndOverflow() {
        XCTAssertEqual(try ValueParsers.unsigned("42").get(), 42)
        XCTAssertEqual(try ValueParsers.unsigned("0x1F").get(), 31)
        XCTAssertEqual(try ValueParsers.unsigned("4294967295").get(), 4_294_967_295)
        XCTAssertEqual(ValueParsers.unsigned("4294967296"), .failure(.outOfRange))
        XCTAssertEqual(ValueParsers.unsigned("99999999999999999999999"), .failure(.outOfRange))
        for junk in ["", "-1", "abc", "1.5", "12a", "0x"] { XCTAssertEqual(ValueParsers.unsigned(junk), .failure(.invalid), junk) }
    }

    func testSignedChecksBothEndsOfTheRange() {
        XCTAssertEqual(try ValueParsers.signed("-2147483648").get(), -2_147_483_648)
        XCTAssertEqual(try ValueParsers.signed("+7").get(), 7)
        XCTAssertEqual(ValueParsers.signed("2147483648"), .failure(.outOfRange))
        XCTAssertEqual(ValueParsers.signed("-2147483649"), .failure(.outOfRange))
        XCTAssertEqual(ValueParsers.signed("x"), .failure(.invalid))
        XCTAssertEqual(ValueParsers.signed("-"), .failure(.invalid))
    }

    func testTimeSpansSumEveryUnitAndDefaultToSeconds() throws {
        let cases: [(String, UInt64)] = [
            ("5", 5_000_000), ("2min 200ms", 120_200_000), ("1h30m", 5_400_000_000), ("1.5s", 1_500_000),
            ("10us", 10), ("3 ms", 3_000), ("1d", 86_400_000_000), ("1w", 604_800_000_000), ("2 minutes", 120_000_000),
            ("1y", 31_557_600_000_000), ("1M", 2_629_800_000_000), ("0", 0), ("500msec", 500_000), ("1hr", 3_600_000_000),
            ("7000ns", 7),
        ]
        for (text, micros) in cases { XCTAssertEqual(try TimeSpanParser.parse(text).get().microseconds, micros, text) }
        XCTAssertEqual(try TimeSpanParser.parse("infinity").get(), .infinity)
        for junk in ["", "abc", "5x", "1h 3x", "-5", "s", "127.0.0.1", ".5s"] { XCTAssertEqual(TimeSpanParser.parse(junk), .failure(.invalid), junk) }
        XCTAssertEqual(TimeSpanParser.parse("999999999999999y"), .failure(.outOfRange))
    }

    func testSizesUseBase1024AndRejectNegativeAsOutOfRange() throws {
        let cases: [(String, UInt64)] = [("1024", 1024), ("64K", 65_536), ("1M", 1_048_576), ("1.5K", 1536),
                                          ("2G", 2_147_483_648), ("1T", 1_099_511_627_776), ("1G 512M", 1_610_612_736)]
        for (text, bytes) in cases { XCTAssertEqual(try SizeParser.parse(text).get(), bytes, text) }
        XCTAssertEqual(SizeParser.parse("-1"), .failure(.outOfRange))
        XCTAssertEqual(SizeParser.parse("10Q"), .failure(.invalid))
        XCTAssertEqual(SizeParser.parse("a"), .failure(.invalid))
        XCTAssertEqual(SizeParser.parse("99999E"), .failure(.outOfRange))
    }

    func testModesAreOctalUpTo07777() {
        XCTAssertEqual(ValueParsers.mode("0600"), 0o600)
        XCTAssertEqual(ValueParsers.mode("755"), 0o755)
        XCTAssertEqual(ValueParsers.mode("01777"), 0o1777)
        for junk in ["0999", "abc", "", "17777", "-1"] { XCTAssertNil(ValueParsers.mode(junk), junk) }
    }

    func testNiceDistinguishesJunkFromOutOfRange() {
        XCTAssertEqual(try ValueParsers.nice("-20").get(), -20)
        XCTAssertEqual(try ValueParsers.nice("19").get(), 19)
        XCTAssertEqual(ValueParsers.nice("99"), .failure(.outOfRange))
        XCTAssertEqual(ValueParsers.nice("x"), .failure(.invalid))
    }

    func testSignalsByNameNumberAndRealtimeOffset() {
        XCTAssertEqual(ValueParsers.signal("SIGTERM"), 15)
        XCTAssertEqual(ValueParsers.signal("HUP"), 1)
        XCTAssertEqual(ValueParsers.signal("9"), 9)
        XCTAssertEqual(ValueParsers.signal("SIGRTMIN+2"), 36)
        for junk in ["99", "0", "SIGBOGUS", ""] { XCTAssertNil(ValueParsers.signal(junk), junk) }
    }

    func testWordSplittingHonoursQuotesAndCEscapes() throws {
        let cases: [(String, [String])] = [
            ("a b  c", ["a", "b", "c"]), ("\"a b\" 'c d'", ["a b", "c d"]), ("\"a\"b'c'", ["abc"]),
            ("\\x41\\t\\n", ["A\t\n"]), ("a\\sb", ["a b"]), ("\\101", ["A"]), ("\\u00e9", ["é"]),
            ("\"it's\"", ["it's"]), ("\\q", ["\\q"]), ("", []), ("  ", []),
        ]
        for (text, words) in cases { XCTAssertEqual(try WordSplitter.split(text).get(), words, text) }
        XCTAssertEqual(WordSplitter.split("\"open"), .failure(.unbalancedQuotes))
        XCTAssertEqual(WordSplitter.split("'x"), .failure(.unbalancedQuotes))
    }

    func testUnitNameUnescapingTurnsDashesIntoSlashes() {
        XCTAssertEqual(UnitNameEscaping.unescape("dev-sda1"), "dev/sda1")
        XCTAssertEqual(UnitNameEscaping.unescape("a\\x2db"), "a-b")
        XCTAssertEqual(UnitNameEscaping.unescape("plain"), "plain")
    }

    func testUnitNameRulesAcceptAnyTypeAndRejectJunk() {
        for ok in ["foo.service", "a-b_c:d.socket", "x@y.service", "foo@.service", "multi-user.target"] {
            XCTAssertTrue(UnitNameRules.isValid(ok), ok)
        }
        for bad in ["bad/name", "foo", ".service", "foo.bogus", "a b.service", "@x.service"] {
            XCTAssertFalse(UnitNameRules.isValid(bad), bad)
        }
    }
}
