// `usher`, the multi-call binary the .deb installs as usherd with usherctl a
// link to it: the daemon, started through a link named usherd, re-executes
// into the same binary as usherd again and goes on serving; under any other
// name it exits 2 naming the two. (`--version` by name: VersionIntegrationTests.)
import Foundation
import UsherSys
import XCTest

final class MultiCallIntegrationTests: XCTestCase {
    private let echo = "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n"

    func testUnderAnyOtherNameItExits2NamingTheTwoPrograms() throws {
        let harness = try UsherdHarness()
        for path in [UsherdHarness.productsDirectory + "/usher", try harness.multiCallLink("systemctl")] {
            let result = try runCollectingOutput(path, ["--version"], environment: [:])
            XCTAssertEqual(result.status, 2, result.output)
            let name = (path as NSString).lastPathComponent
            XCTAssertTrue(result.output.contains("usher: started as '\(name)'"), result.output)
            XCTAssertTrue(result.output.contains("usherd (the daemon) or usherctl (the CLI)"), result.output)
        }
    }

    func testUsherdThroughALinkReexecutesAsUsherdAndGoesOnServing() throws {
        let harness = try UsherdHarness()
        let usherd = try harness.multiCallLink("usherd")
        let usher = try XCTUnwrap(realpath(UsherdHarness.productsDirectory + "/usher", nil))
        defer { free(usher) }
        let port = try harness.serve("echo", accept: true, service: echo, executable: usherd)
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
        let usherctl = try harness.multiCallLink("usherctl")
        let run = try runCollectingOutput(usherctl, ["daemon-reexec"],
                                          environment: ["USHER_CONTROL_SOCKET": harness.root + "/rt/control"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.hasPrefix("Re-executed "), run.output)
        // The new image came up as the daemon, in the same process: a second start-up line after the exec.
        XCTAssertTrue(harness.log.contains("Re-executing "), harness.log)
        try eventually("the re-executed image's start-up line", timeout: 10) {
            harness.log.components(separatedBy: "socket unit(s);").count == 3
        }
        XCTAssertTrue(harness.process?.isRunning == true, "the same process goes on")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(harness.pid)/exe"),
                       String(cString: usher), "the multi-call binary runs")
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
        // The handler exits as its answer arrives; usherd reaps it at its next reap, not before the client reads.
        try harness.waitUntilNoChildren("the re-executed image to reap the handler")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
