// Hostile control clients against a real usherd: garbage, an oversized length
// prefix, a slowloris, hundreds of idle connections, a client that never
// reads, invalid JSON and a wrong version. Each must get its error or be
// dropped, and afterwards status answers within a second, usherd's fd count
// is back to its baseline and SIGTERM still ends it with 0.
import Foundation
import XCTest
import ControlProtocol
import UsherSys

final class ControlHostileClientsIntegrationTests: XCTestCase {
    /// The documented cap on concurrent control clients.
    private let maxClients = 128

    /// The baseline is taken after one request: sd-event opens its timerfd
    /// for CLOCK_MONOTONIC with the first timer (a client's deadline) and keeps it.
    private func startedHarness() throws -> (UsherdHarness, fdBaseline: Int) {
        let harness = try UsherdHarness()
        try harness.start()
        let warmUp = try RawControlClient.connect(harness.controlPath)
        try warmUp.send(ControlRequest(verb: .status))
        XCTAssertNil(try warmUp.readResponse().error)
        XCTAssertTrue(warmUp.isClosedByServer(within: 2), "usherd closes after its reply")
        return (harness, harness.usherdFDCount)
    }

    /// Status within a second, no fd left behind, exit 0 on SIGTERM.
    private func assertUnharmed(_ harness: UsherdHarness, fdBaseline: Int,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let asked = Date()
        let response = try harness.control(ControlRequest(verb: .status), timeout: 1)
        XCTAssertNil(response.error, "status afterwards", file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(asked), 1, "status took too long", file: file, line: line)
        try eventually("usherd's fd count back to \(fdBaseline)", timeout: 2) { harness.usherdFDCount == fdBaseline }
        XCTAssertEqual(try harness.stop(), 0, "usherd's exit status", file: file, line: line)
    }

    private func assertBadRequest(_ response: ControlResponse, mentioning text: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.error?.kind, .badRequest, file: file, line: line)
        XCTAssertTrue(response.error?.message.contains(text) == true, response.error?.message ?? "no error",
                      file: file, line: line)
    }

    func testMebibyteOfGarbageIsAnsweredBadRequestAndClosed() throws {
        let (harness, baseline) = try startedHarness()
        let client = try RawControlClient.connect(harness.controlPath)
        client.send(Array(repeating: Array("GARBAGE!".utf8), count: 131_072).flatMap { $0 })
        assertBadRequest(try client.readResponse(), mentioning: "over the limit of 65536 bytes")
        XCTAssertTrue(client.isClosedByServer(within: 2))
        try assertUnharmed(harness, fdBaseline: baseline)
    }

    func testGibibyteLengthPrefixIsRefusedBeforeAnyBodyIsSent() throws {
        let (harness, baseline) = try startedHarness()
        let client = try RawControlClient.connect(harness.controlPath)
        client.send([0x40, 0, 0, 0])
        assertBadRequest(try client.readResponse(timeout: 2), mentioning: "a request of 1073741824 bytes is over the limit")
        XCTAssertTrue(client.isClosedByServer(within: 2))
        try assertUnharmed(harness, fdBaseline: baseline)
    }

    func testSlowlorisGetsBadRequestAtTheRequestDeadlineWhileOthersAreServed() throws {
        let (harness, baseline) = try startedHarness()
        let slow = try RawControlClient.connect(harness.controlPath)
        let started = Date()
        let bytes = try ControlProtocol.frame(ControlRequest(verb: .status, units: [String(repeating: "x", count: 300)]))
        var sent = 0
        var servedMeanwhile = false
        // One byte per 100 ms would take 30 s; usherd must cut it off first.
        while sent < bytes.count && !BlockingIO.waitReadable(slow.fd.raw, milliseconds: 100) {
            guard slow.send([bytes[sent]]) else { break }
            sent += 1
            if sent == 10 { servedMeanwhile = try harness.control(ControlRequest(verb: .status), timeout: 1).error == nil }
        }
        assertBadRequest(try slow.readResponse(timeout: 1), mentioning: "no complete request within 5 s")
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThan(elapsed, 4.5)
        XCTAssertLessThan(elapsed, 8)
        XCTAssertTrue(servedMeanwhile, "status while the slowloris was connected")
        try assertUnharmed(harness, fdBaseline: baseline)
    }

    func testIdleConnectionsAboveTheCapAreAnsweredBusyAndNoneLeaveAnFD() throws {
        let (harness, baseline) = try startedHarness()
        var idle: [RawControlClient] = []
        for _ in 0..<500 { idle.append(try RawControlClient.connect(harness.controlPath)) }
        let over = 500 - maxClients
        try eventually("\(over) connections answered", timeout: 5) {
            idle.filter { BlockingIO.waitReadable($0.fd.raw, milliseconds: 0) }.count >= over
        }
        let answered = idle.filter { BlockingIO.waitReadable($0.fd.raw, milliseconds: 0) }
        let kinds = try answered.map { try $0.readResponse(timeout: 1).error?.kind }
        XCTAssertEqual(kinds.filter { $0 == .busy }.count, over)
        XCTAssertEqual(try harness.control(ControlRequest(verb: .status)).error?.kind, .busy, "status at the cap")
        idle = []
        try assertUnharmed(harness, fdBaseline: baseline)
    }

    func testOneUserCannotTakeEveryClientSlot() throws {
        try requireRootAndPython()
        let (harness, baseline) = try startedHarness()
        let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
        let idle = try harness.idleConnectionsAs(nobody, count: 40, expectedBusy: 8)
        XCTAssertEqual(idle.busy, 8, "busy answers beyond 32 connections of one user")
        XCTAssertNil(try harness.control(ControlRequest(verb: .status), timeout: 1).error, "root while uid 65534 holds 32")
        try idle.release()
        try assertUnharmed(harness, fdBaseline: baseline)
    }

    func testClientThatNeverReadsItsReplyIsClosedWithinTheDeadline() throws {
        let (harness, baseline) = try startedHarness()
        let client = try RawControlClient.connect(harness.controlPath)
        try client.send(ControlRequest(verb: .status))
        try eventually("usherd to let go of the client that does not read", timeout: 7) {
            harness.usherdFDCount == baseline
        }
        withExtendedLifetime(client) {}
        try assertUnharmed(harness, fdBaseline: baseline)
    }

    /// Sends `body` framed; expects a bad request naming `text`, a close, and usherd unharmed.
    private func assertBadRequestAndClose(body: String, mentioning text: String,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let (harness, baseline) = try startedHarness()
        let client = try RawControlClient.connect(harness.controlPath)
        client.sendFramed(body)
        assertBadRequest(try client.readResponse(), mentioning: text, file: file, line: line)
        XCTAssertTrue(client.isClosedByServer(within: 2), "usherd closes after a bad request", file: file, line: line)
        try assertUnharmed(harness, fdBaseline: baseline, file: file, line: line)
    }

    func testInvalidJSONIsAnsweredBadRequestAndClosed() throws {
        try assertBadRequestAndClose(body: "{\"version\": 1, \"verb\": ", mentioning: "not a JSON object")
    }

    func testWrongProtocolVersionIsAnsweredBadRequestNamingBothVersions() throws {
        let (harness, baseline) = try startedHarness()
        var request = ControlRequest(verb: .status)
        request.version = 99
        let response = try harness.control(request)
        assertBadRequest(response, mentioning: "protocol version 99 is not supported; this usherd speaks version 1")
        try assertUnharmed(harness, fdBaseline: baseline)
    }

    func testUnknownVerbIsAnsweredBadRequestListingTheKnownOnes() throws {
        try assertBadRequestAndClose(body: "{\"version\":1,\"verb\":\"explode\",\"units\":[]}",
                                     mentioning: "unknown verb; this usherd knows status, logs")
    }

    func testMissingFieldIsAnsweredBadRequestNamingIt() throws {
        try assertBadRequestAndClose(body: "{\"version\":1,\"verb\":\"status\"}", mentioning: "the field \"units\" is missing")
    }

    func testClientThatHangsUpMidRequestLeavesNoFD() throws {
        let (harness, baseline) = try startedHarness()
        do {
            let client = try RawControlClient.connect(harness.controlPath)
            client.send([0, 0, 0, 40, UInt8(ascii: "{")])
        }
        try assertUnharmed(harness, fdBaseline: baseline)
    }
}
