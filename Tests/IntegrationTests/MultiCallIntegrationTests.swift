// `usher`, the multi-call binary the .deb installs as usherd with usherctl a
// link to it: started through a link named usherctl it is the CLI, named
// usherd the daemon, which re-executes into the same binary as usherd again
// and goes on serving; under any other name it exits 2 naming the two.
import Foundation
import XCTest

final class MultiCallIntegrationTests: XCTestCase {
    private let echo = "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n"

    /// A symlink named `name` in `harness`'s directory to the built multi-call binary.
    private func link(_ name: String, in harness: UsherdHarness) throws -> String {
        let directory = harness.root + "/bin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory + "/" + name,
                                                   withDestinationPath: UsherdHarness.productsDirectory + "/usher")
        return directory + "/" + name
    }

    func testNamedUsherctlOrUsherdItAnswersVersionAsThatProgram() throws {
        let harness = try UsherdHarness()
        let expected = try VersionIntegrationTests.expectedVersion()
        for program in ["usherctl", "usherd"] {
            let result = try runCollectingOutput(try link(program, in: harness), ["--version"], environment: [:])
            XCTAssertEqual(result.status, 0, result.output)
            XCTAssertEqual(result.output, "\(program) \(expected)\n")
        }
    }

    func testUnderAnyOtherNameItExits2NamingTheTwoPrograms() throws {
        let harness = try UsherdHarness()
        for path in [UsherdHarness.productsDirectory + "/usher", try link("systemctl", in: harness)] {
            let result = try runCollectingOutput(path, ["--version"], environment: [:])
            XCTAssertEqual(result.status, 2, result.output)
            let name = (path as NSString).lastPathComponent
            XCTAssertTrue(result.output.contains("usher: started as '\(name)'"), result.output)
            XCTAssertTrue(result.output.contains("usherd (the daemon) or usherctl (the CLI)"), result.output)
        }
    }

    func testUsherdThroughALinkReexecutesAsUsherdAndGoesOnServing() throws {
        let harness = try UsherdHarness()
        let usherd = try link("usherd", in: harness)
        let port = try harness.serve("echo", accept: true, service: echo, executable: usherd)
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
        let usherctl = try link("usherctl", in: harness)
        let run = try runCollectingOutput(usherctl, ["daemon-reexec"],
                                          environment: ["USHER_CONTROL_SOCKET": harness.root + "/rt/control"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.hasPrefix("Re-executed "), run.output)
        XCTAssertTrue(harness.process?.isRunning == true, "the same process goes on")
        let argv0 = try String(contentsOfFile: "/proc/\(harness.pid)/cmdline", encoding: .utf8)
            .split(separator: "\0").first.map(String.init)
        XCTAssertEqual(argv0, usherd, "the new image was started as usherd again")
        let usher = try XCTUnwrap(realpath(UsherdHarness.productsDirectory + "/usher", nil))
        defer { free(usher) }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(harness.pid)/exe"),
                       String(cString: usher), "the multi-call binary runs")
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
        XCTAssertEqual(harness.zombieChildren(), [])
        XCTAssertEqual(try harness.stop(), 0)
    }
}
