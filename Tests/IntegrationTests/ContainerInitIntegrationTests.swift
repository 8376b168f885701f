// usherd as PID 1 of a PID namespace, as in a container: started under
// `unshare --pid --fork --mount-proc` (root only), it serves a unit, reaps an
// orphaned grandchild (no zombie left), names an AF_UNIX instance for a client
// outside its namespace `N-unknown`, and SIGTERM or SIGINT stops it with status 0.
import Foundation
import XCTest
import UsherSys

final class ContainerInitIntegrationTests: XCTestCase {
    static let unshare = ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"]

    func skipUnlessRootWithUnshare() throws {
        try XCTSkipUnless(getuid() == 0, "unshare --pid needs root")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: ContainerInitIntegrationTests.unshare[0]), "no unshare")
    }

    /// The usherd that unshare forked (PID 1 inside the namespace), seen from the test's namespace.
    func namespaceInit(of harness: UsherdHarness) throws -> Int32 {
        var found: Int32?
        try eventually("unshare's child", timeout: 5) {
            found = Processes.children(of: harness.pid).first
            return found != nil
        }
        return found ?? -1
    }

    func testAsPID1ItServesReapsOrphansAndStopsOnSIGTERM() throws {
        try skipUnlessRootWithUnshare()
        let harness = try UsherdHarness()
        // The handler answers and exits at once, leaving `sleep` behind: an
        // orphan the kernel gives to the namespace's PID 1, usherd.
        let port = try harness.serve("orphaner", accept: true, service: """
            [Service]
            ExecStart=/bin/sh -c 'sleep 0.3 & echo "hello from $$"'
            StandardInput=socket
            """, launcher: ContainerInitIntegrationTests.unshare)
        let usherd = try namespaceInit(of: harness)
        let status = try readSmallFile("/proc/\(usherd)/status")
        XCTAssertTrue(status.split(separator: "\n").contains { $0.hasPrefix("NSpid:") && $0.hasSuffix("\t1") },
                      "usherd is not PID 1 in its namespace:\n\(status)")

        let answer = try AcceptClient.ipv4(port).readToEnd()
        XCTAssertTrue(answer.hasPrefix("hello from "), answer)
        try harness.waitForLog("Reaped orphan process", timeout: 10)
        let zombies = Processes.children(of: usherd).filter { child in
            (try? readSmallFile("/proc/\(child)/stat")).map { $0.contains(") Z ") } ?? false
        }
        XCTAssertEqual(zombies, [], "zombies under usherd as PID 1")

        try stop(usherd, with: SIGTERM, harness)
    }

    func testAsPID1ItStopsOnSIGINT() throws {
        try skipUnlessRootWithUnshare()
        let harness = try UsherdHarness()
        try harness.serve("idle", service: "[Service]\nExecStart=/bin/sleep 60\n",
                          launcher: ContainerInitIntegrationTests.unshare)
        try stop(try namespaceInit(of: harness), with: SIGINT, harness)
    }

    func testAnAFUnixClientOutsideItsPIDNamespaceGetsInstanceNUnknownAsInSystemd() throws {
        try skipUnlessRootWithUnshare()
        let harness = try UsherdHarness()
        let path = harness.runDirectory + "/ns.sock"
        try harness.serve("ns", socket: "ListenStream=\(path)", accept: true, service: """
            [Service]
            ExecStart=/bin/echo %i
            StandardInput=socket
            """, launcher: ContainerInitIntegrationTests.unshare)
        let usherd = try namespaceInit(of: harness)
        // SO_PEERCRED gives usherd pid 0 for this test's process: it has no pid in usherd's namespace.
        XCTAssertEqual(try AcceptClient.unix(path).readToEnd(), "0-unknown\n")
        try stop(usherd, with: SIGTERM, harness)
    }

    /// The signal from outside the namespace (as `podman stop` sends it): usherd stops and unshare passes on its 0.
    func stop(_ usherd: Int32, with signal: Int32, _ harness: UsherdHarness) throws {
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        kill(usherd, signal)
        try eventually("usherd as PID 1 to exit on \(name)", timeout: 15) { harness.process?.isRunning == false }
        XCTAssertEqual(harness.process?.terminationStatus, 0, harness.log)
        XCTAssertTrue(harness.log.contains("Received \(name), stopping."), harness.log)
        XCTAssertTrue(harness.log.contains("Stopped."), harness.log)
    }
}
