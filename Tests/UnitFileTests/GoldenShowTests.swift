// Golden files: each unit in Golden/show is loaded and its `show` output plus
// diagnostics compared with NAME.expected next to it. Run with
// UPDATE_GOLDEN=1 to rewrite the expectations after a deliberate change.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class GoldenShowTests: XCTestCase {
    static let directory = TestPaths.golden + "/show"

    func testEveryGoldenUnitMatchesItsExpectedShowOutputAndDiagnostics() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory)
            .filter { $0.hasSuffix(".socket") || $0.hasSuffix(".service") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 6)
        let loader = UnitLoader(directories: [Self.directory], specifiers: .fixture)
        for name in names {
            let unit = UnitName(name)
            let loaded = unit.isTemplate ? UnitName(unit.prefix + "@web-01." + (unit.kind?.rawValue ?? "")) : unit
            let actual = rendered(loader, loaded)
            let expectedPath = Self.directory + "/" + name + ".expected"
            if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
                try Data(actual.utf8).write(to: URL(fileURLWithPath: expectedPath))
                continue
            }
            let expected = try String(contentsOfFile: expectedPath, encoding: .utf8)
            XCTAssertEqual(actual, expected, "\(name): run with UPDATE_GOLDEN=1 to regenerate after a deliberate change")
        }
    }

    func rendered(_ loader: UnitLoader, _ name: UnitName) -> String {
        let (lines, diagnostics) = loader.show(name)
        var text = (lines ?? ["(refused)"]).joined(separator: "\n") + "\n"
        text += "--- diagnostics\n" + diagnostics.map { $0.prioritizedText + "\n" }.joined()
        return text
    }
}
