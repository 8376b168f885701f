// What usherd says before it serves anything: a unit directory named with
// --unit-dir must exist (the default search path stays lenient, as systemd's
// is), the error names the path, and a unit file's diagnostics name the unit once.
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

    func testDiagnosticsNameTheUnitOnceWithFileAndLine() throws {
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("d.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nBogus=1\n")
        try harness.write("d.service", "[Service]\nExecStart=/bin/true\n")
        try harness.start()
        XCTAssertTrue(harness.log.contains("<warning> d.socket:3: Unknown key 'Bogus' in section [Socket], ignoring.\n"), harness.log)
        XCTAssertFalse(harness.log.contains("d.socket: d.socket"), harness.log)
        XCTAssertEqual(try harness.stop(), 0)
    }
}
