// Golden files for `usherctl import`: Debian 12's xinetd configuration
// (xinetd 2.3.15.3, copied into Golden/import/xinetd-debian) and a hand-written
// inetd.conf, imported with --include-disabled; the units, the stderr report,
// and a verify of every unit. UPDATE_GOLDEN=1 rewrites the expectations.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class ImportGoldenTests: XCTestCase {
    static let directory = TestPaths.golden + "/import"

    static func options(includeDisabled: Bool = true) throws -> ImportOptions {
        let services = try String(contentsOfFile: directory + "/services", encoding: .utf8)
        return ImportOptions(servicesFile: ServicesFile(text: services), includeDisabled: includeDisabled)
    }

    static func debianXinetd(includeDisabled: Bool = true) throws -> ImportResult {
        XinetdImport.run(path: directory + "/xinetd-debian/xinetd.conf", options: try options(includeDisabled: includeDisabled))
    }

    static func inetdConf() throws -> ImportResult {
        let file = directory + "/inetd.conf"
        return InetdConfImport.importText(try String(contentsOfFile: file, encoding: .utf8), file: file, options: try options())
    }

    /// Units as `usherctl import` prints them, then the stderr lines, with the fixture directory as `GOLDEN`.
    func rendered(_ result: ImportResult) -> String {
        let units = result.units.map { "# \($0.name)\n\($0.text)" }.joined(separator: "\n")
        let text = units + "--- stderr\n" + result.reportLines.map { $0 + "\n" }.joined()
        return text.replacingOccurrences(of: Self.directory, with: "GOLDEN")
    }

    func assertGolden(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = Self.directory + "/" + name
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(actual, expected, "\(name): run with UPDATE_GOLDEN=1 to regenerate after a deliberate change",
                       file: file, line: line)
    }

    func testDebianXinetdConfigurationImportsAsTheGoldenUnits() throws {
        let result = try Self.debianXinetd()
        XCTAssertEqual(result.units.count, 20, "10 internal services, a .socket and a .service each")
        XCTAssertFalse(result.complete, "servers, services and the repeated -udp ids are not imported")
        try assertGolden(rendered(result), "xinetd-debian.expected")
    }

    func testInetdConfImportsAsTheGoldenUnits() throws {
        try assertGolden(rendered(try Self.inetdConf()), "inetd.expected")
    }

    func testDebianXinetdWithoutIncludeDisabledWritesNothingAndIsComplete() throws {
        let result = try Self.debianXinetd(includeDisabled: false)
        XCTAssertEqual(result.units, [])
        XCTAssertTrue(result.complete, "skipping a disabled service is not a failure")
        XCTAssertEqual(result.warnings.count, 17)
        XCTAssertTrue(result.warnings.allSatisfy { $0.message.hasSuffix("is disabled, not imported (--include-disabled imports it)") })
    }

    func testEveryImportedUnitPassesVerifyWithoutErrors() throws {
        for result in [try Self.debianXinetd(), try Self.inetdConf()] {
            let dir = try UnitDirectory()
            for unit in result.units { try dir.write(unit.name, unit.text) }
            let outcome = UnitLoader(directories: [dir.path], specifiers: .fixture).verify(result.units.map { UnitName($0.name) })
            // The inetd.conf fixture names daemons (in.tftpd…) this machine need not have; verify
            // rightly reports those as not executable. Everything else must be clean.
            let unexpected = outcome.diagnostics.filter {
                !$0.message.hasPrefix("Special user nobody configured")
                    && !($0.message.hasPrefix("Command /usr/sbin/in.") && $0.message.contains("is not executable"))
            }
            XCTAssertEqual(unexpected.map(\.text), [])
        }
    }
}
