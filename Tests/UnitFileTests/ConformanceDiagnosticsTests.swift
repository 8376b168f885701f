// Golden test against what real systemd 252 printed for conformance case
// j-malformed (units copied into Golden/j-malformed with placeholders filled),
// plus the other recorded cases' units, which systemd loaded silently.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class ConformanceDiagnosticsTests: XCTestCase {
    func testMalformedUnitsGiveSystemdsTenDiagnosticsInOrder() throws {
        let dir = TestPaths.golden + "/j-malformed"
        let expected = try String(contentsOfFile: dir + "/expected-diagnostics.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let set = UnitLoader(directories: [dir], specifiers: .fixture).loadAll()
        XCTAssertEqual(set.diagnostics.map(\.prioritizedText), expected)
    }

    func testMalformedCaseStillLoadsTheValidListenerOfBadSocket() throws {
        let set = UnitLoader(directories: [TestPaths.golden + "/j-malformed"], specifiers: .fixture).loadAll()
        XCTAssertEqual(set.sockets.map(\.name.full), ["bad.socket"])
        XCTAssertEqual(set.sockets.first?.listens.map(\.text), ["127.0.0.1:8093"])
        XCTAssertEqual(set.sockets.first?.options.keepAlive, false)
        XCTAssertEqual(set.refused.map(\.full).sorted(), ["nolisten.socket", "onlybad.socket"])
        XCTAssertEqual(set.services.count, 3)
    }
}
