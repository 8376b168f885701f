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

    func testOtherRecordedCasesLoadSilentlyWithSystemdsPairings() throws {
        let set = UnitLoader(directories: [TestPaths.golden + "/conformance"], specifiers: .fixture).loadAll()
        XCTAssertEqual(set.diagnostics.map(\.text), [])
        XCTAssertEqual(set.refused, [])
        let sockets = Dictionary(uniqueKeysWithValues: set.sockets.map { ($0.name.full, $0) })
        XCTAssertEqual(sockets.count, 14)
        XCTAssertEqual(sockets["alpha.socket"]?.service.full, "beta-backend.service")
        XCTAssertEqual(sockets["alpha.socket"]?.fdName, "alpha.socket")
        XCTAssertEqual(sockets["two.socket"]?.fdName, "second")
        XCTAssertEqual(sockets["web.socket"]?.listens.map(\.kind), [.stream, .stream, .datagram])
        XCTAssertEqual(sockets["foo.socket"]?.service.full, "foo@.service")
        XCTAssertEqual(sockets["foo.socket"]?.triggerLimitBurst, 200)
        XCTAssertEqual(sockets["mc.socket"]?.maxConnections, 2)
        XCTAssertEqual(sockets["v6default.socket"]?.listens.first?.target, .socket(.anyPort(8090)))
        XCTAssertEqual(sockets["v6ipv6-only.socket"]?.options.bindIPv6Only, .ipv6Only)
        XCTAssertEqual(sockets["perm.socket"]?.options.socketMode, 0o600)
        XCTAssertEqual(sockets["perm.socket"]?.options.directoryMode, 0o750)
        XCTAssertEqual(sockets["opts.socket"]?.options.receiveBuffer, 262_144)
        XCTAssertEqual(sockets["dev.socket"]?.options.bindToDevice, "lo")
        let services = Dictionary(uniqueKeysWithValues: set.services.map { ($0.name.full, $0) })
        XCTAssertEqual(services["shared.service"]?.sockets.map(\.full), ["one.socket", "two.socket"])
        XCTAssertEqual(services["ntf.service"]?.type, .notify)
    }

    func testAcceptYesTemplateOfCaseDExpandsTheInstanceIntoItsLabel() throws {
        let loader = UnitLoader(directories: [TestPaths.golden + "/conformance"], specifiers: .fixture)
        let template = try XCTUnwrap(loader.loadTemplate(UnitName("foo@.service")).0)
        let (unit, diagnostics) = template.instantiate("0-127.0.0.1:8085-127.0.0.1:55210")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(unit?.exec.standardInput, .socket)
        XCTAssertEqual(unit?.execStart.first?.arguments.last, "foo-0-127.0.0.1:8085-127.0.0.1:55210")
    }
}
