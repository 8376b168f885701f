// `usherctl import` as a real process: units on stdout under `# NAME`
// headers, exit 0 only for a complete import, --output never overwrites
// without --force, and usage mistakes exit 64.

import Foundation
import XCTest

extension UsherctlTests {
    func importFixture(_ text: String) throws -> (UnitDirectory, String) {
        let dir = try UnitDirectory()
        let services = try dir.write("services", "ftp 21/tcp\n")
        try dir.write("xinetd.d/ftp", text)
        return (dir, services)
    }

    static let ftpStanza = "service ftp\n{\n socket_type = stream\n wait = no\n user = root\n server = /usr/sbin/in.ftpd\n}\n"

    func testImportPrintsUnitsUnderNameHeadersAndExitsZeroWhenComplete() throws {
        let (dir, services) = try importFixture(Self.ftpStanza)
        let run = try usherctl(["import", "xinetd", "--services", services, dir.path + "/xinetd.d"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("# ftp.socket\n# Imported by `usherctl import xinetd` from "), run.stdout)
        XCTAssertTrue(run.stdout.contains("\n# ftp@.service\n"))
        XCTAssertEqual(run.stderr, "")
    }

    func testImportExitsOneAndListsWhatItCouldNotMapOnStderr() throws {
        let (dir, services) = try importFixture(Self.ftpStanza.replacingOccurrences(of: "}", with: " cps = 10 5\n}"))
        let run = try usherctl(["import", "xinetd", "--services", services, dir.path + "/xinetd.d/ftp"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "\(dir.path)/xinetd.d/ftp:7: cps = 10 5: usherd has no connection-rate limit that pauses a service\n")
        XCTAssertTrue(run.stdout.contains("# Not mapped (the import is incomplete):"))
    }

    func testImportIntoOutputNeverOverwritesWithoutForce() throws {
        let (dir, services) = try importFixture(Self.ftpStanza)
        let arguments = ["import", "xinetd", "--services", services, "--output", dir.path + "/units", dir.path + "/xinetd.d"]
        XCTAssertEqual(try usherctl(arguments).status, 0)
        try dir.write("units/ftp.socket", "# mine\n")

        let again = try usherctl(arguments)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("\(dir.path)/units/ftp.socket exists, not overwriting it (use --force)"), again.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir.path + "/units/ftp.socket", encoding: .utf8), "# mine\n")

        XCTAssertEqual(try usherctl(arguments + ["--force"]).status, 0)
        XCTAssertTrue(try String(contentsOfFile: dir.path + "/units/ftp.socket", encoding: .utf8).contains("Accept=yes"))
    }

    func testImportUsageMistakesExit64() throws {
        let (dir, services) = try importFixture(Self.ftpStanza)
        XCTAssertEqual(try usherctl(["import", "xinetd", "--force", "--services", services, dir.path]).status, 64)
        XCTAssertEqual(try usherctl(["import", "inetd", dir.path + "/missing.conf"]).status, 64)
        XCTAssertEqual(try usherctl(["import", "xinetd", "--services", dir.path + "/none", dir.path]).status, 64)
    }
}
