// The lexer per systemd.syntax(7): sections, whitespace, comments,
// continuation lines (with comment lines skipped and the last physical line
// reported), CRLF, and the structural diagnostics systemd prints.

import UnitModel
import XCTest
@testable import UnitFile

final class LexerTests: XCTestCase {
    let source = SourceFile(unit: "u.service", path: "/x/u.service", label: "u.service")

    func lex(_ text: String) -> LexedFile {
        UnitFileLexer.lex(Array(text.utf8), knownSections: UnitType.service.sections, source: source, fileIndex: 0)
    }

    func testKeysAndValuesAreTrimmedAroundTheEqualsSign() {
        let file = lex("[Service]\n  KillMode = mixed  \nType=simple\n")
        XCTAssertEqual(file.assignments.map { "\($0.key)|\($0.value)|\($0.line)" }, ["KillMode|mixed|2", "Type|simple|3"])
        XCTAssertTrue(file.diagnostics.isEmpty)
    }

    func testContinuationJoinsWithASpaceSkipsCommentsAndReportsTheLastLine() {
        let file = lex("[Service]\nExecStart=/bin/true a\\\n  b \\\n  # comment\n; other\n  c\nType=bo\\\ngus\n")
        XCTAssertEqual(file.assignments.map(\.value), ["/bin/true a   b    c", "bo gus"])
        XCTAssertEqual(file.assignments.map(\.line), [6, 8])
    }

    func testCommentsAndBlankLinesAreIgnoredAndCRLFIsALineEnd() {
        let file = lex("# top\r\n[Service]\r\n; semi\r\n\r\nType=notify\r\n")
        XCTAssertEqual(file.assignments.map(\.value), ["notify"])
        XCTAssertEqual(file.assignments.first?.line, 5)
    }

    func testAssignmentOutsideSectionWarnsOncePerLine() {
        let file = lex("A=1\nB=2\n[Service]\n")
        XCTAssertEqual(file.diagnostics.map(\.text), ["u.service:1: Assignment outside of section. Ignoring.",
                                                      "u.service:2: Assignment outside of section. Ignoring."])
    }

    func testUnknownSectionWarnsOnceAndSwallowsItsKeys() {
        let file = lex("[Bogus]\nKey=value\nOther=1\n[X-Mine]\nA=1\n[Service]\nType=simple\n")
        XCTAssertEqual(file.diagnostics.map(\.text), ["u.service:1: Unknown section 'Bogus'. Ignoring."])
        XCTAssertEqual(file.assignments.map(\.key), ["Type"])
    }

    func testSocketSectionIsUnknownInAServiceFile() {
        let file = lex("[Socket]\nListenStream=1\n")
        XCTAssertEqual(file.diagnostics.map(\.message), ["Unknown section 'Socket'. Ignoring."])
    }

    func testMissingEqualsSignWarns() {
        XCTAssertEqual(lex("[Service]\nNoEquals\n").diagnostics.map(\.text), ["u.service:2: Missing '=', ignoring line."])
    }

    func testInvalidUTF8IsReportedNotCrashedOn() {
        let bytes: [UInt8] = Array("[Service]\nNice=".utf8) + [0xFF, 0xFE] + Array("\nType=simple\n".utf8)
        let file = UnitFileLexer.lex(bytes, knownSections: UnitType.service.sections, source: source, fileIndex: 0)
        XCTAssertEqual(file.diagnostics.map(\.line), [2])
        XCTAssertTrue(file.diagnostics[0].message.hasPrefix("String is not UTF-8 clean, ignoring assignment: Nice="))
        XCTAssertEqual(file.assignments.map(\.key), ["Type"])
    }

    func testUnterminatedSectionHeaderIsFatal() {
        let file = lex("[Service\nType=simple\n")
        XCTAssertTrue(file.fatal)
        XCTAssertEqual(file.diagnostics.map(\.message), ["Invalid section header '[Service'"])
    }

    func testLinesUpToOneMebibyteAreAcceptedAndLongerOnesAreFatal() {
        let longValue = String(repeating: "a", count: UnitFileLexer.maximumLineLength - 20)
        XCTAssertEqual(lex("[Service]\nDescription=\(longValue)\n").assignments.first?.value.count, longValue.count)
        let tooLong = lex("[Service]\nDescription=\(String(repeating: "b", count: UnitFileLexer.maximumLineLength))\n")
        XCTAssertTrue(tooLong.fatal)
        XCTAssertEqual(tooLong.diagnostics.map(\.message), ["Line too long"])
    }

    func testEscapedBackslashAtLineEndIsNotAContinuation() {
        let file = lex("[Service]\nDescription=a\\\\\nType=simple\n")
        XCTAssertEqual(file.assignments.map(\.key), ["Description", "Type"])
    }
}
