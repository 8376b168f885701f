// `--version` on both binaries: the version from packaging/VERSION and the git
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

    func testBothBinariesPrintThePackageVersionAndTheBakedRevision() throws {
        let expected = try VersionIntegrationTests.expectedVersion()
        for program in ["usherd", "usherctl"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: UsherdHarness.productsDirectory + "/" + program)
            process.arguments = ["--version"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            XCTAssertEqual(output, "\(program) \(expected)\n")
        }
    }
}
