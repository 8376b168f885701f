// UnitTimes in its compact form: a time never recorded reads as none and is
// left out of the re-exec state, as the optionals it replaced were; recorded
// ones survive encoding and decoding.
import Foundation
import XCTest
@testable import UsherDaemon

final class UnitTimesTests: XCTestCase {
    func testUnrecordedTimesAreNoneAndLeftOutOfTheState() throws {
        var times = UnitTimes()
        XCTAssertNil(times.stateChange)
        times.record(from: .inactive, to: .active, at: 1_700_000_000_000_000)
        times.mainStart = 1_700_000_000_000_001
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(times)) as? [String: UInt64]
        XCTAssertEqual(json, ["stateChange": 1_700_000_000_000_000, "activeEnter": 1_700_000_000_000_000,
                              "mainStart": 1_700_000_000_000_001])
        let decoded = try JSONDecoder().decode(UnitTimes.self, from: JSONEncoder().encode(times))
        XCTAssertEqual(decoded.activeEnter, 1_700_000_000_000_000)
        XCTAssertEqual(decoded.mainStart, 1_700_000_000_000_001)
        XCTAssertNil(decoded.activeExit)
        XCTAssertNil(decoded.mainExit)
        times.mainStart = nil
        XCTAssertNil(times.mainStart)
    }
}
