// A failed Accept=no socket unit closes its listeners under a real usherd
// (Accept=yes: AcceptLimitsIntegrationTests): after trigger-limit-hit and
// service-start-limit-hit connect() is refused at once, RemoveOnStop= decides
// about the node; TriggerLimitCooldownSec= refuses, then serves again; a
// reopen whose address is taken leaves the unit failed ('resources').
import Foundation
import XCTest
import UsherSys

final class FailedSocketIntegrationTests: XCTestCase {
    /// Sockets among `pid`'s fds (sd-event's lazily created timerfds are not leaks).
    private func socketFDCount(_ pid: Int32) -> Int {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter {
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + $0)) ?? "").hasPrefix("socket:")
        }.count
    }

    /// A socket on a free port (plus `socket` lines) whose service never accepts, so a
    /// pending client triggers it again and again; started, returns the port.
    private func serveNoServe(_ harness: UsherdHarness, _ name: String, socket: String) throws -> UInt16 {
        try harness.serve(name, socket: socket + "\n", service: """
            [Unit]
            StartLimitIntervalSec=0
            [Service]
            ExecStart=\(harness.probeCommand(label: name, "--no-serve"))
            """)
    }

    func testTriggerLimitHitClosesTheListenersAndRemovesTheNodeWithRemoveOnStop() throws {
        let harness = try UsherdHarness()
        let path = harness.runDirectory + "/tl.sock"
        let port = try serveNoServe(harness, "tl", socket: """
            ListenStream=\(path)
            RemoveOnStop=yes
            TriggerLimitIntervalSec=30s
            TriggerLimitBurst=3
            """)

        XCTAssertEqual(connectErrno(try loopback(port)), 0, "listening before the failure")
        try harness.waitForLog("tl.socket: Failed with result 'trigger-limit-hit'.")
        try expectRefused([try loopback(port)], "tl.socket after trigger-limit-hit")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "RemoveOnStop=yes unlinks the node")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testServiceStartLimitHitClosesTheListenersAndKeepsTheNodeWithoutRemoveOnStop() throws {
        let harness = try UsherdHarness()
        let path = harness.runDirectory + "/sl.sock"
        let port = try harness.serve("sl", socket: "ListenStream=\(path)\n", service: """
            [Unit]
            StartLimitIntervalSec=30s
            StartLimitBurst=2
            [Service]
            ExecStart=\(harness.probeCommand(label: "sl", "--no-serve"))
            """)

        let unixAddress = try SocketAddress.unixPath(path)
        XCTAssertEqual(connectErrno(unixAddress), 0, "listening before the failure")
        try harness.waitForLog("sl.socket: Failed with result 'service-start-limit-hit'.")
        try expectRefused([try loopback(port), unixAddress], "sl.socket after service-start-limit-hit")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "without RemoveOnStop= the node stays")
        XCTAssertEqual(harness.reports(label: "sl").count, 2)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testCooldownRefusesWhileFailedThenServesAgainWithoutLeakingFds() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("cd", socket: "TriggerLimitIntervalSec=30s\nTriggerLimitBurst=3\nTriggerLimitCooldownSec=3s",
                                     service: "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=\(harness.probeCommand(label: "cd"))\n")

        for round in 1...3 {
            XCTAssertEqual(try Client.tcp(port: port), "ok 3 cd.socket\n")
            try harness.waitForLog("cd.service: Deactivated successfully.", count: round)
        }
        let socketsBefore = socketFDCount(harness.pid)
        let fourth = try Client.connectOnly(port: port)
        try harness.waitForLog("cd.socket: Failed with result 'trigger-limit-hit'.")
        try expectRefused([try loopback(port)], "cd.socket during the cooldown")
        XCTAssertFalse(harness.log.contains("cd.socket: Listening again."), "still cooling down")
        try harness.waitForLog("cd.socket: Listening again.")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 cd.socket\n", "served again after the cooldown")
        try harness.waitForLog("cd.service: Deactivated successfully.", count: 4)
        try eventually("usherd's socket fds back to the count before the failure", timeout: 5) {
            self.socketFDCount(harness.pid) == socketsBefore
        }
        XCTAssertTrue(fourth.isOpen)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testReopenOnATakenAddressLeavesTheUnitFailedWithResources() throws {
        let harness = try UsherdHarness()
        let port = try serveNoServe(harness, "taken", socket: """
            TriggerLimitIntervalSec=30s
            TriggerLimitBurst=2
            TriggerLimitCooldownSec=2s
            """)

        let pending = try Client.connectOnly(port: port)
        try harness.waitForLog("taken.socket: Failed with result 'trigger-limit-hit'.")
        let occupier = try Socket.open(family: AF_INET, kind: .stream, object: "occupier")
        try Socket.bind(occupier, to: try loopback(port))
        try Socket.listen(occupier, backlog: 1, object: "occupier")
        try harness.waitForLog("taken.socket: Failed to listen on 127.0.0.1:\(port): Address already in use")
        try harness.waitForLog("taken.socket: Failed with result 'resources'.")
        occupier.close()
        try expectRefused([try loopback(port)], "taken.socket after its reopen failed")
        XCTAssertFalse(harness.log.contains("taken.socket: Listening again."))
        XCTAssertTrue(pending.isOpen)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testASocketWhoseServiceDoesNotExistIsRefusedAtStartUpAndAtEachStart() throws {
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("lost.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nService=ghost.service\n")
        try harness.start()
        let refusal = "lost.socket: Socket service ghost.service not loaded, refusing."
        try harness.waitForLog(refusal)
        XCTAssertThrowsError(try Client.tcp(port: port), "nothing listens")

        let first = try harness.usherctl(["start", "lost.socket"])
        XCTAssertNotEqual(first.status, 0)
        XCTAssertTrue(first.output.contains("Socket service ghost.service not loaded, refusing."), first.output)
        try harness.waitForLog(refusal, count: 2)
        _ = try harness.usherctl(["start", "lost.socket"])
        try harness.waitForLog(refusal, count: 3)
        XCTAssertEqual(try harness.stop(), 0)
    }
}
