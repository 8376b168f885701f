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

    func testAnEarlierImagesPerSourceCountsStillLimitIPPeersOnly() throws {
        var unit = SocketUnit(name: UnitName("echo.socket"))
        unit.accept = true
        unit.maxConnectionsPerSource = 1
        var machine = AcceptMachine(unit: unit)
        let ip = ConnectionSource.address(high: 0, low: 1)
        XCTAssertEqual(machine.admit(source: ip, now: 1), .spawn(number: 0, pause: false))
        XCTAssertEqual(machine.admit(source: .uncounted, now: 2), .spawn(number: 1, pause: false))
        let saved = try JSONEncoder().encode(machine)
        var resumed = try JSONDecoder().decode(AcceptMachine.self, from: saved)
        XCTAssertEqual(resumed, machine)
        XCTAssertEqual(resumed.admit(source: ip, now: 3), .refuse(.tooManyFromSource(2)))
        XCTAssertEqual(resumed.admit(source: .uncounted, now: 4), .spawn(number: 2, pause: false))
    }
}
