// usherd and usherctl link FoundationEssentials, never the whole Foundation
// (its ICU data tripled usherctl's static size to 62 MB when one file of it
// said `import Foundation`). Checked on the sources of every module either
// binary, or `usher` (both in one), is built from; the probe, benchmarks and
// tests may use Foundation.
import Foundation
import XCTest

final class FoundationFreeSourcesTests: XCTestCase {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources").path
    static let foundationFree = ["usherd", "usherctl", "usher", "UsherdMain", "UsherctlMain", "UsherDaemon", "Launch",
                                 "Activation", "Binder", "UnitFile", "UnitModel", "ControlProtocol", "UsherSys"]

    func testNoModuleOfUsherdOrUsherctlImportsFoundation() throws {
        var offenders: [String] = []
        for module in Self.foundationFree {
            let root = Self.sources + "/" + module
            let files = try XCTUnwrap(FileManager.default.subpathsOfDirectory(atPath: root)).filter { $0.hasSuffix(".swift") }
            XCTAssertFalse(files.isEmpty, module)
            for file in files {
                let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
                let imports = text.split(separator: "\n").filter { line in
                    let words = line.split(separator: " ")
                    return words.contains("import") && words.last == "Foundation"
                }
                if !imports.isEmpty { offenders.append("\(module)/\(file)") }
            }
        }
        XCTAssertEqual(offenders, [], "import FoundationEssentials instead")
    }
}
