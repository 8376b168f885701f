// Specifiers: every documented one expands from the unit name or the host
// facts, unknown ones fail with "Invalid slot", unit-name settings accept only
// the name specifiers, and SpecifierContext.current reads this machine.

import Foundation
import UnitModel
import XCTest
@testable import UnitFile

final class SpecifierTests: XCTestCase {
    func expand(_ text: String, unit: String = "web-front@a\\x2db-c.service") -> String? {
        let expander = SpecifierExpander(host: .fixture, unitName: UnitName(unit), fragmentPath: "/etc/usher/units/web-front@.service")
        return try? expander.expand(text).get()
    }

    func testUnitNameSpecifiers() {
        XCTAssertEqual(expand("%n|%N|%p|%P|%i|%I"),
                       "web-front@a\\x2db-c.service|web-front@a\\x2db-c|web-front|web/front|a\\x2db-c|a-b/c")
        XCTAssertEqual(expand("%j|%J|%f"), "front|front|/a-b/c")
        XCTAssertEqual(expand("%f", unit: "plain.service"), "/plain")
        XCTAssertEqual(expand("%y|%Y"), "/etc/usher/units/web-front@.service|/etc/usher/units")
    }

    func testHostSpecifiers() {
        XCTAssertEqual(expand("%H|%l|%m|%b|%v|%o|%w|%a"),
                       "host.example.org|host|0123456789abcdef0123456789abcdef|fedcba9876543210fedcba9876543210|6.1.0-test|debian|12|x86-64")
        XCTAssertEqual(expand("%u|%U|%g|%G|%h|%s|%t"), "root|0|root|0|/root|/bin/sh|/run")
        XCTAssertEqual(expand("%S|%C|%L|%E|%T|%V"), "/var/lib|/var/cache|/var/log|/etc|/tmp|/var/tmp")
        XCTAssertEqual(expand("100%%"), "100%")
        XCTAssertEqual(expand("trailing %"), "trailing %")
    }

    func testUnknownSpecifierIsAnInvalidSlot() {
        XCTAssertNil(expand("%z"))
        let expander = SpecifierExpander(host: .fixture, unitName: UnitName("a.socket"), fragmentPath: nil)
        XCTAssertEqual(expander.expand("%t", unitNameOnly: true), .failure(SpecifierExpander.InvalidSlot()))
        XCTAssertEqual(try expander.expand("%p-%H.service", unitNameOnly: true).get(), "a-host.example.org.service")
    }

    func testUserManagerDirectoriesFollowHome() {
        let user = SpecifierContext(userName: "ann", uid: 1000, home: "/home/ann", userManager: true, runtimeDirectory: "/run/user/1000")
        XCTAssertEqual(user.stateDirectory, "/home/ann/.local/state")
        XCTAssertEqual(user.configDirectory, "/home/ann/.config")
        XCTAssertEqual(user.runtimeDirectory, "/run/user/1000")
    }

    func testCurrentContextReadsThisMachine() throws {
        let system = SpecifierContext.current(userManager: false)
        XCTAssertEqual(system.uid, 0)
        XCTAssertEqual(system.userName, "root")
        XCTAssertEqual(system.runtimeDirectory, "/run")
        if let id = try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8) {
            XCTAssertEqual(system.machineID, id.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let release = try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8) {
            XCTAssertEqual(system.kernelRelease, release.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        XCTAssertEqual(system.bootID.count, 32)
        let user = SpecifierContext.current(userManager: true)
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let uidLine = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("Uid:") })
        XCTAssertEqual(String(user.uid), uidLine.split(whereSeparator: { $0 == "\t" || $0 == " " })[1].description)
        XCTAssertTrue(user.userManager)
    }
}
