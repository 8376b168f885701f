// usherd under systemd, with the test playing the manager: it owns the
// NOTIFY_SOCKET usherd is started with and checks what usherd sends (READY=1,
// RELOADING=1 with MONOTONIC_USEC= then READY=1, STOPPING=1, STATUS=,
// WATCHDOG=1).
import Foundation
import XCTest
import UsherSys

final class UnderSystemdIntegrationTests: XCTestCase {
    private let echo = "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n"

    /// The manager's side of NOTIFY_SOCKET: every datagram usherd has sent, in order.
    private final class FakeManager {
        let socket: NotifySocket
        private(set) var messages: [String] = []

        init(in directory: String) throws {
            socket = try NotifySocket(path: directory + "/manager-notify")
        }

        var environment: [String: String] { ["NOTIFY_SOCKET": socket.path] }

        /// Reads what has arrived; whether some message has a line `line`.
        func received(_ line: String) -> Bool {
            while let datagram = socket.receive() { messages.append(datagram.text) }
            return messages.contains { $0.split(separator: "\n").contains(Substring(line)) }
        }

        func waitFor(_ line: String, timeout: Double = 10) throws {
            try eventually("usherd to send \(line); got \(messages)", timeout: timeout) { received(line) }
        }

        func count(_ line: String) -> Int {
            _ = received(line)
            return messages.filter { $0.split(separator: "\n").contains(Substring(line)) }.count
        }
    }

    func testReadyAfterBindingReloadingAroundSIGHUPAndStoppingOnSIGTERM() throws {
        let harness = try UsherdHarness()
        let manager = try FakeManager(in: harness.root)
        let port = try harness.serve("echo", accept: true, service: echo, environment: manager.environment)
        try manager.waitFor("READY=1")
        XCTAssertNoThrow(try Client.connectOnly(port: port), "READY=1 came before the socket was bound")
        let ready = manager.messages.first { $0.contains("READY=1") } ?? ""
        XCTAssertTrue(ready.contains("STATUS=Listening on 1 socket unit(s); 0 service(s) running"), ready)

        let before = manager.messages.count
        kill(harness.process!.processIdentifier, SIGHUP)
        try manager.waitFor("RELOADING=1")
        try eventually("READY=1 after the reload", timeout: 10) { manager.count("READY=1") == 2 }
        let reload = Array(manager.messages[before...])
        let reloading = try XCTUnwrap(reload.firstIndex { $0.contains("RELOADING=1") })
        XCTAssertTrue(reload[reloading].contains("MONOTONIC_USEC="), reload[reloading])
        let stamp = reload[reloading].split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
        let usec = UInt64(stamp?.dropFirst("MONOTONIC_USEC=".count) ?? "") ?? 0
        XCTAssertTrue(usec > 0 && usec <= monotonicMicroseconds(), "MONOTONIC_USEC= is CLOCK_MONOTONIC: \(usec)")
        XCTAssertLessThan(reloading, try XCTUnwrap(reload.lastIndex { $0.contains("READY=1") }))

        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(manager.received("STOPPING=1"), "\(manager.messages)")
    }

    func testStatusCountsARunningServiceAndComesBackToZero() throws {
        let harness = try UsherdHarness()
        let manager = try FakeManager(in: harness.root)
        let port = try harness.serve("echo", accept: true, service: echo, environment: manager.environment)
        try manager.waitFor("READY=1")
        do {
            let client = try Client.connectOnly(port: port)
            try manager.waitFor("STATUS=Listening on 1 socket unit(s); 1 service(s) running")
            XCTAssertGreaterThanOrEqual(client.raw, 0)
        }
        // The client closed, cat ends: the count goes back to zero, within a second or so.
        try eventually("a second STATUS= with 0 running", timeout: 10) {
            manager.count("STATUS=Listening on 1 socket unit(s); 0 service(s) running") >= 2
        }
    }

    func testStatusIsSentAtMostOnceASecondThroughABurstOfConnections() throws {
        let harness = try UsherdHarness()
        let manager = try FakeManager(in: harness.root)
        let port = try harness.serve("echo", accept: true, service: echo, environment: manager.environment)
        try manager.waitFor("READY=1")
        let start = Date()
        for index in 0..<40 { XCTAssertEqual(try Client.tcp(port: port, send: "\(index)\n"), "\(index)\n") }
        try manager.waitFor("STATUS=Listening on 1 socket unit(s); 0 service(s) running")
        usleep(1_100_000)
        let seconds = Date().timeIntervalSince(start)
        let statuses = manager.messages.filter { $0.hasPrefix("STATUS=") }.count
        // Every connection changes the count twice; one STATUS= a second at most gets through.
        XCTAssertLessThanOrEqual(Double(statuses), seconds + 1, "\(statuses) STATUS= in \(seconds) s")
    }

    func testWatchdogPingsArriveAtHalfTheInterval() throws {
        let harness = try UsherdHarness()
        let manager = try FakeManager(in: harness.root)
        try harness.write("quiet.service", "[Service]\nExecStart=/bin/true\n")
        // Without WATCHDOG_PID, sd_watchdog_enabled applies WATCHDOG_USEC to whoever reads it.
        try harness.start(environment: manager.environment.merging(["WATCHDOG_USEC": "400000"]) { $1 })
        try manager.waitFor("READY=1")
        try eventually("three WATCHDOG=1 pings", timeout: 10) { manager.count("WATCHDOG=1") >= 3 }
    }

    func testNoWatchdogPingWithoutWatchdogUsec() throws {
        let harness = try UsherdHarness()
        let manager = try FakeManager(in: harness.root)
        try harness.write("quiet.service", "[Service]\nExecStart=/bin/true\n")
        try harness.start(environment: manager.environment)
        try manager.waitFor("READY=1")
        usleep(500_000)
        XCTAssertEqual(manager.count("WATCHDOG=1"), 0)
    }
}
