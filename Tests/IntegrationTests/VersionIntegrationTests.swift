// `--version` on both programs (also the multi-call binary under each name): the version from packaging/VERSION and the git
// revision packaging/revision.sh baked in (.build/usher-revision.h), or
// "unknown revision" for a build that had none (plain `swift build`, a tarball).
import Foundation
import XCTest

final class VersionIntegrationTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// What --version must print after the program's name.
    static func expectedVersion() throws -> String {
        let version = try String(contentsOfFile: VersionIntegrationTests.packageRoot + "/packaging/VERSION", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let header = (try? String(contentsOfFile: VersionIntegrationTests.packageRoot + "/.build/usher-revision.h",
                                  encoding: .utf8)) ?? ""
        let revision = header.split(separator: "\n").first { $0.hasPrefix("#define USHER_GIT_REVISION ") }
            .map { $0.dropFirst("#define USHER_GIT_REVISION ".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        return "\(version) (\(revision.map { "revision \($0)" } ?? "unknown revision"))"
    }

    /// Each program, built alone and as the multi-call binary started under its name.
    func testBothProgramsPrintThePackageVersionAndTheBakedRevision() throws {
        let expected = try VersionIntegrationTests.expectedVersion()
        let harness = try UsherdHarness()
        for program in ["usherd", "usherctl"] {
            for path in [UsherdHarness.productsDirectory + "/" + program, try harness.multiCallLink(program)] {
                let result = try runCollectingOutput(path, ["--version"], environment: [:])
                XCTAssertEqual(result.status, 0, "\(path): \(result.output)")
                XCTAssertEqual(result.output, "\(program) \(expected)\n", path)
            }
        }
    }
}
