// ConnectionSource in the re-exec state: the shape usherd images before the
// systemd 252 keying wrote (synthesised Codable of address/user/unknown) is
// what this one writes and reads, so an upgrade or a rollback re-exec keeps
// its Accept=yes instances and counters.
import Foundation
import XCTest
import Activation
import UnitModel

final class ConnectionSourceCodingTests: XCTestCase {
    private func json(_ source: ConnectionSource) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(source), as: UTF8.self)
    }

    private func source(_ json: String) throws -> ConnectionSource {
        try JSONDecoder().decode(ConnectionSource.self, from: Data(json.utf8))
    }

    func testAddressesAndUncountedPeersAreWrittenAsTheEarlierImageWroteThem() throws {
        XCTAssertEqual(try json(.address(high: 1, low: 2)), #"{"address":{"high":1,"low":2}}"#)
        XCTAssertEqual(try json(.uncounted), #"{"unknown":{}}"#)
        XCTAssertEqual(try json(.vsock(cid: 3)), #"{"vsock":{"cid":3}}"#)
    }

    func testTheEarlierImagesSourcesReadBackWithAnAFUnixUIDAsUncounted() throws {
        XCTAssertEqual(try source(#"{"address":{"high":1,"low":2}}"#), .address(high: 1, low: 2))
        XCTAssertEqual(try source(#"{"unknown":{}}"#), .uncounted)
        XCTAssertEqual(try source(#"{"user":{"_0":1000}}"#), .uncounted)
        XCTAssertEqual(try source(#"{"vsock":{"cid":3}}"#), .vsock(cid: 3))
        XCTAssertThrowsError(try source(#"{"elsewhere":{}}"#))
    }

    func testAnEarlierImagesPerSourceCountsStillLimitIPPeersAndNoLongerAFUnixUsers() throws {
        var unit = SocketUnit(name: UnitName("echo.socket"))
        unit.accept = true
        unit.maxConnectionsPerSource = 1
        var machine = AcceptMachine(unit: unit)
        let ip = ConnectionSource.address(high: 0, low: 1)
        XCTAssertEqual(machine.admit(source: ip, now: 1), .spawn(number: 0, pause: false))
        let saved = String(decoding: try JSONEncoder().encode(machine), as: UTF8.self)
        // The earlier image also counted an AF_UNIX peer of UID 1000, at its limit.
        let earlier = saved.replacingOccurrences(of: #""perSource":["#, with: #""perSource":[{"user":{"_0":1000}},1,"#)
        XCTAssertNotEqual(earlier, saved, "the saved machine has no perSource list: \(saved)")
        var resumed = try JSONDecoder().decode(AcceptMachine.self, from: Data(earlier.utf8))
        XCTAssertEqual(resumed.admit(source: ip, now: 2), .refuse(.tooManyFromSource(2)))
        XCTAssertEqual(resumed.admit(source: .uncounted, now: 3), .spawn(number: 1, pause: false))
        XCTAssertEqual(resumed.admit(source: .uncounted, now: 4), .spawn(number: 2, pause: false))
        let resaved = String(decoding: try JSONEncoder().encode(resumed), as: UTF8.self)
        XCTAssertFalse(resaved.contains("unknown") || resaved.contains("user"),
                       "the earlier AF_UNIX count is not carried into the next state: \(resaved)")
        XCTAssertTrue(resaved.contains(#""perSource":[{"address":"#), resaved)
    }
}
