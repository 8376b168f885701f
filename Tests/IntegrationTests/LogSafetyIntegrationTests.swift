// usherd's log under hostile input: 20 MB of random bytes from a service
// leave no raw control byte in the log and at most journald's burst of
// 10,000 lines plus one suppression line; control bytes in a unit's settings
// are escaped in usherd's own lines; a flood of refused connections logs at
// most the burst of refusal lines, while the counters count every one.
import Foundation
import XCTest
import UsherSys

final class LogSafetyIntegrationTests: XCTestCase {
    /// journald.conf RateLimitBurst= default.
    private let burst = 10_000

    /// How many records journald (and usherd) make of `bytes`: a record ends at newline or NUL.
    private func recordCount(_ bytes: Data) -> Int {
        let breaks = bytes.reduce(0) { $0 + ($1 == 0x0A || $1 == 0 ? 1 : 0) }
        return breaks + (bytes.last == 0x0A || bytes.last == 0 ? 0 : 1)
    }

    func testRandomBytesFromAServiceLeaveNoControlBytesAndAreRateLimited() throws {
        let harness = try UsherdHarness()
        let noise = harness.root + "/noise.bin"
        let random = try XCTUnwrap(FileHandle(forReadingAtPath: "/dev/urandom")).readData(ofLength: 20_000_000)
        try random.write(to: URL(fileURLWithPath: noise))
        try harness.write("noise.service", """
            [Service]
            ExecStart=/bin/cat \(noise)
            [Install]
            WantedBy=multi-user.target
            """)
        try harness.enable("noise.service")
        try harness.start()

        let suppressed = recordCount(random) - burst
        try harness.waitForLog("Suppressed \(suppressed) messages from noise.service", timeout: 40)
        try harness.waitForLog("noise.service: Deactivated successfully.")
        XCTAssertEqual(try harness.stop(), 0)

        let log = try Data(contentsOf: URL(fileURLWithPath: harness.logPath))
        XCTAssertGreaterThan(log.count, 1_000_000)
        let raw = log.filter { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F }
        XCTAssertEqual(raw.count, 0, "raw control bytes in the log")
        // Bytes, not Characters: an escaped line may begin with a combining mark that joins the space before it.
        let lines = log.split(separator: 0x0A)
        let ownLines = ["Starting at start-up", "Started /bin/cat", "Main process exited", "Deactivated successfully."]
        let outputLines = lines.filter { line in
            line.range(of: Data("<info> noise.service: ".utf8)) != nil
                && !ownLines.contains { line.range(of: Data($0.utf8)) != nil }
        }
        XCTAssertEqual(outputLines.count, burst, "the service's lines that reached the log")
        XCTAssertEqual(lines.filter { $0.range(of: Data("Suppressed ".utf8)) != nil }.count, 1)
    }

    func testControlBytesInAnExecPathAreEscapedInUsherdsOwnLines() throws {
        let harness = try UsherdHarness()
        try harness.write("esc.service", """
            [Service]
            ExecStart="/no/such/\\x1b]0;pwned\\x07prog"
            [Install]
            WantedBy=multi-user.target
            """)
        try harness.enable("esc.service")
        try harness.start()

        try harness.waitForLog("esc.service: Failed with result 'exit-code'.")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(harness.log.contains("spawning /no/such/\\x1b]0;pwned\\x07prog: "), harness.log)
        XCTAssertFalse(harness.log.contains("\u{1B}"), "a raw ESC reached the log")
    }

    func testRefusedConnectionFloodLogsTheBurstThenOneSuppressionLine() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("mc", socket: "MaxConnections=1\nTriggerLimitBurst=0", accept: true,
                                     service: "[Service]\nExecStart=\(harness.probeCommand(label: "mc-%i", "--hold-ms 60000"))\n")

        let held = try AcceptClient.ipv4(port)
        XCTAssertEqual(try held.request(), "ok\n")
        let flood = burst + 300
        for index in 0..<flood {
            // Waiting for each EOF keeps the refusals in order and all counted before the stop.
            let reply = try AcceptClient.ipv4(port).readToEnd(timeout: 5)
            if !reply.isEmpty { return XCTFail("connection \(index) was served: \(reply.debugDescription)") }
        }
        XCTAssertEqual(try harness.stop(), 0)

        let log = harness.log
        XCTAssertEqual(log.components(separatedBy: "mc.socket: Too many incoming connections (1)").count - 1, burst)
        XCTAssertTrue(log.contains("Suppressed 300 messages from mc.socket"), String(log.suffix(2000)))
        XCTAssertTrue(log.contains("mc.socket: Accepted 1 connection(s), 0 active, \(flood) refused."),
                      String(log.suffix(2000)))
    }
}
