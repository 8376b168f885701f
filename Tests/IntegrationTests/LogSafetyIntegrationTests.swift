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

    /// N of a "Suppressed N messages from noise.service" line.
    private func suppressedCount(_ line: Data.SubSequence) -> Int? {
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "Suppressed "), text.hasSuffix(" messages from noise.service") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
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

        try harness.waitForLog("noise.service: Deactivated successfully.", timeout: 60)
        try harness.waitForLog("Suppressed ", timeout: 20)
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
        // Every line is either logged or counted as suppressed. A machine slow enough to stretch the
        // output past journald's 30 s window logs one more burst per window, each after a report.
        let reports = lines.compactMap(suppressedCount)
        let windows = reports.count
        XCTAssertEqual(outputLines.count + reports.reduce(0, +), recordCount(random), "lines logged + suppressed")
        XCTAssertGreaterThanOrEqual(outputLines.count, burst)
        XCTAssertLessThanOrEqual(outputLines.count, burst * windows, "the service's lines that reached the log")
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
