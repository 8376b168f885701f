// What usherd says about its command line before it serves anything: a unit
// directory named with --unit-dir must exist (the default search path stays
// lenient, as systemd's is), and the error names the path.
import Foundation
import XCTest

final class StartupIntegrationTests: XCTestCase {
    func testUnitDirectoryThatDoesNotExistIsAnErrorNamingThePath() throws {
        let harness = try UsherdHarness()
        let typo = harness.root + "/unitz"
        let (status, output) = try UsherdHarness.runToExit(["--unit-dir", typo, "--runtime-dir", harness.root + "/rt"])
        XCTAssertEqual(status, 1)
        XCTAssertEqual(output, "usherd: unit directory \(typo) does not exist or is not a directory\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.root + "/rt"), "nothing was set up")
    }

    func testUnitDirectoryThatIsAFileIsAnErrorToo() throws {
        let harness = try UsherdHarness()
        let file = harness.root + "/units.conf"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        let (status, output) = try UsherdHarness.runToExit(["--unit-dir", file, "--runtime-dir", harness.root + "/rt"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.contains("usherd: unit directory \(file) does not exist or is not a directory"), output)
    }
}
