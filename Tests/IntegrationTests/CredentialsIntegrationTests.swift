// User=/Group= under a real usherd running as root: the service runs as the
// user with USER, LOGNAME, HOME and SHELL set; an unknown user fails the
// start with a clear message and usherd goes on.
import Foundation
import XCTest
import UsherSys

final class CredentialsIntegrationTests: XCTestCase {
    func testUserSwitchesCredentialsAndSetsUserVariables() throws {
        try XCTSkipUnless(Users.effectiveUID == 0, "User= needs usherd to run as root")
        let harness = try UsherdHarness()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: harness.outDirectory)
        let port = try harness.serve("who", service: "[Service]\nUser=nobody\nExecStart=\(harness.probeCommand(label: "who"))\n")

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 who.socket\n")
        let report = try harness.waitForReport(label: "who")
        let nobody = try Users.user("nobody")
        XCTAssertEqual(report["uid_gid"] as? [Int], [Int(nobody.uid), Int(nobody.gid)])
        let environ = report["environ"] as? [String] ?? []
        let names = environ.map { String($0.prefix(while: { $0 != "=" })) }
        XCTAssertEqual(names, ["LANG", "PATH", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "HOME", "LOGNAME",
                               "USER", "SHELL", "INVOCATION_ID", "SYSTEMD_EXEC_PID"])
        XCTAssertTrue(environ.contains("USER=nobody"))
        XCTAssertTrue(environ.contains("HOME=\(nobody.home)"))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testUnknownUserFailsTheStartWithAClearMessage() throws {
        let harness = try UsherdHarness()
        let port = try freePort(), good = try freePort()
        try harness.write("ghost.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n")
        try harness.write("ghost.service", """
            [Unit]
            StartLimitBurst=1
            [Service]
            User=usher-no-such-user
            ExecStart=\(harness.probeCommand(label: "ghost"))
            """)
        try harness.write("good.socket", "[Socket]\nListenStream=127.0.0.1:\(good)\n")
        try harness.write("good.service", "[Service]\nExecStart=\(harness.probeCommand(label: "good"))\n")
        try harness.start()

        let pending = try Client.connectOnly(port: port)
        try harness.waitForLog("ghost.service: Failed to determine user credentials for 'usher-no-such-user'")
        try harness.waitForLog("ghost.service: Failed with result 'resources'.")
        XCTAssertEqual(harness.reports(label: "ghost").count, 0)
        XCTAssertEqual(try Client.tcp(port: good), "ok 3 good.socket\n")
        XCTAssertTrue(pending.isOpen)
        XCTAssertEqual(try harness.stop(), 0)
    }
}
