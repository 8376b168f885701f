// usher.unit(5) cannot drift: the committed packaging/man/usher.unit.5 must be
// exactly what the option table generates, and the page names every key with
// a status (an unsupported key with its reason).
import Foundation
import XCTest
@testable import UnitFile

final class UnitManPageTests: XCTestCase {
    static let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/packaging/man/usher.unit.5"

    func testTheCommittedPageIsWhatTheOptionTableGenerates() throws {
        let committed = (try? String(contentsOfFile: UnitManPageTests.committed, encoding: .utf8)) ?? ""
        let generated = UnitManPage.render()
        guard committed != generated else { return }
        let committedLines = committed.split(separator: "\n", omittingEmptySubsequences: false)
        let generatedLines = generated.split(separator: "\n", omittingEmptySubsequences: false)
        let first = (0..<min(committedLines.count, generatedLines.count)).first { committedLines[$0] != generatedLines[$0] }
            ?? min(committedLines.count, generatedLines.count)
        XCTFail("""
            packaging/man/usher.unit.5 differs from the option table (first at line \(first + 1): \
            committed \(first < committedLines.count ? String(committedLines[first]).debugDescription : "end of file"), \
            generated \(first < generatedLines.count ? String(generatedLines[first]).debugDescription : "end of file")). \
            Regenerate it with: \(UnitManPage.regenerateCommand)
            """)
    }

    func testEveryKeyHasAnEntryWithItsStatus() {
        let page = UnitManPage.render()
        for row in OptionTable.rows {
            let entry = UnitManPage.entry(row).joined(separator: "\n")
            XCTAssertTrue(page.contains(entry), "[\(row.section)] \(row.key) missing")
            switch row.status {
            case .supported: XCTAssertTrue(entry.hasSuffix("Supported."), entry)
            case .notEnforced: XCTAssertTrue(entry.contains("Not enforced: "), entry)
            case .unsupported: XCTAssertTrue(entry.contains("Unsupported: "), entry)
            }
        }
    }

    func testStatusesFollowTheTable() throws {
        XCTAssertEqual(OptionTable.row(section: "Socket", key: "ListenStream")?.status, .supported)
        let input = try XCTUnwrap(OptionTable.row(section: "Service", key: "StandardInput")?.status)
        guard case .notEnforced = input else { return XCTFail("StandardInput: \(input)") }
        let rootImage = try XCTUnwrap(OptionTable.row(section: "Service", key: "RootImage")?.status)
        guard case .unsupported(let reason) = rootImage else { return XCTFail("RootImage: \(rootImage)") }
        XCTAssertTrue(reason.contains("sandboxing"), reason)
    }
}
