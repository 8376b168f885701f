// The ControlServer's output side, driven step by step on a real sd-event
// loop with an in-process client: a reply larger than the socket buffer is
// delivered whole to a client that reads, and a client that does not read is
// dropped when its unread output passes the cap or at the write deadline; a
// hang-up closes a held call, a half-close does not.
import Foundation
import XCTest
import ControlProtocol
import Logging
import UsherSys
@testable import UsherDaemon

final class ControlServerTests: XCTestCase {
    private var directory = ""
    private var loop: EventLoop?
    private var server: ControlServer?
    private var calls: [ControlCall] = []

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "usher-cs-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let loop = try EventLoop()
        let authorization = ControlAuthorization(ownUID: Users.effectiveUID, adminGroupName: "usher", adminGID: nil)
        let server = try ControlServer(path: directory + "/control", authorization: authorization, loop: loop,
                                       logger: Logger(label: "control-server-tests"))
        loop.setHandler { [unowned self] event in
            guard case .control(let controlEvent) = event else { return }
            self.calls += self.server?.handle(controlEvent) ?? []
        }
        self.loop = loop
        self.server = server
    }

    override func tearDownWithError() throws {
        server?.close()
        server = nil
        loop = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A connected client whose `logs --follow` request the server has turned into a call.
    private func connectedCall() throws -> (OwnedFD, ControlCall) {
        let fd = try Socket.open(family: AF_UNIX, kind: .stream, object: "test client")
        try Socket.connect(fd, to: try SocketAddress.unixPath(directory + "/control"))
        try BlockingIO.writeAll(fd.raw, try ControlProtocol.frame(ControlRequest(verb: .logs, units: ["a.service"], follow: true)))
        try runUntil("the request to arrive", timeout: 2) { !calls.isEmpty }
        return (fd, calls[0])
    }

    /// Runs the loop until `condition` holds or `timeout` seconds pass.
    private func runUntil(_ what: String, timeout: Double, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() >= deadline { throw ControlServerTestError(description: "timed out waiting for \(what)") }
            try loop?.runOnce(timeoutMicroseconds: 10_000)
        }
    }

    /// Dispatches until 10 ms pass without an event (at most 100 rounds).
    private func runUntilIdle() throws {
        for _ in 0..<100 {
            guard try loop?.runOnce(timeoutMicroseconds: 10_000) == true else { return }
        }
    }

    /// About `kibibytes` KiB of log lines in one response.
    private func bigResponse(kibibytes: Int) -> ControlResponse {
        let line = LogLine(timestamp: 1, unit: "a.service", source: .stdout, priority: 6,
                           text: String(repeating: "x", count: 1000))
        return ControlResponse(logs: Array(repeating: line, count: kibibytes))
    }

    func testReplyLargerThanTheSocketBufferReachesAClientThatReads() throws {
        let (fd, call) = try connectedCall()
        let response = bigResponse(kibibytes: 2048)
        let length = try ControlProtocol.frame(response).count
        server?.reply(call.client, response)
        XCTAssertEqual(server?.isOpen(call.client), true, "the reply fit the socket buffer; the test needs it not to")
        var received: [UInt8] = []
        try runUntil("the whole reply and the close", timeout: 10) {
            received += BlockingIO.readSome(fd.raw, limit: 1 << 20, milliseconds: 0)
            return received.count >= length && server?.isOpen(call.client) == false
        }
        XCTAssertEqual(received.count, length)
        XCTAssertEqual(ControlProtocol.announcedLength(received[...]), length - 4)
        XCTAssertTrue(try ControlProtocol.decode(ControlResponse.self, from: received[4...]) == response, "the reply arrived changed")
    }

    func testFollowerThatHangsUpIsNoLongerOpen() throws {
        let (fd, call) = try connectedCall()
        fd.close()
        try runUntil("the hang-up to be noticed", timeout: 2) { server?.isOpen(call.client) == false }
    }

    func testClientThatShutsDownItsWritingSideStillGetsItsReply() throws {
        let (fd, call) = try connectedCall()
        try Socket.shutdownWrite(fd)
        try runUntilIdle()
        XCTAssertEqual(server?.isOpen(call.client), true, "dropped after shutdown(SHUT_WR)")
        server?.reply(call.client, ControlResponse(logs: []))
        let bytes = BlockingIO.readSome(fd.raw, limit: 4096, milliseconds: 1000)
        XCTAssertEqual(try ControlProtocol.decode(ControlResponse.self, from: bytes.dropFirst(4)), ControlResponse(logs: []))
    }

    func testFollowerThatDoesNotReadIsDroppedWhenItsUnreadOutputPassesTheCap() throws {
        let (fd, call) = try connectedCall()
        var replies = 0
        while server?.isOpen(call.client) == true && replies < 10 {
            server?.reply(call.client, bigResponse(kibibytes: 1024), close: false)
            replies += 1
        }
        XCTAssertEqual(server?.isOpen(call.client), false, "still open after \(replies) MiB unread")
        XCTAssertGreaterThanOrEqual(replies, 4, "dropped before 4 MiB were pending")
        withExtendedLifetime(fd) {}
    }

    func testClientThatDoesNotReadItsReplyIsDroppedAtTheWriteDeadline() throws {
        let (fd, call) = try connectedCall()
        let replied = Date()
        server?.reply(call.client, bigResponse(kibibytes: 1024))
        XCTAssertEqual(server?.isOpen(call.client), true, "the reply fit the socket buffer; the test needs it not to")
        try runUntil("the client to be dropped", timeout: 8) { server?.isOpen(call.client) == false }
        XCTAssertGreaterThan(Date().timeIntervalSince(replied), 4.5)
        withExtendedLifetime(fd) {}
    }
}

struct ControlServerTestError: Error, CustomStringConvertible {
    var description: String
}
