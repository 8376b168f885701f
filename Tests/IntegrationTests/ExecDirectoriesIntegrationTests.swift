// RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory= and
// ConfigurationDirectory= on a real usherd run as a user manager (--user) with
// its XDG bases in a temporary directory: created before ExecStartPre= with
// their modes and owners, exported in systemd's order, the runtime one
// removed when the service stops unless RuntimeDirectoryPreserve= keeps it.
import Foundation
import XCTest
import UsherSys

final class ExecDirectoriesIntegrationTests: XCTestCase {
    func testDirectoriesExistBeforeExecStartPreOwnedByUserAndExportedInSystemdsOrder() throws {
        try XCTSkipUnless(Users.effectiveUID == 0, "User=nobody needs root")
        let harness = try UsherdHarness()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: harness.outDirectory)
        let env = xdgBases(under: harness.root)
        let port = try harness.serve("dirs", service: """
            [Service]
            User=nobody
            RuntimeDirectory=app app/sub
            RuntimeDirectoryMode=0750
            StateDirectory=state
            CacheDirectory=cache
            LogsDirectory=logs
            ConfigurationDirectory=conf
            ExecStartPre=\(harness.probeCommand(label: "pre", "--no-serve"))
            ExecStart=\(harness.probeCommand(label: "main"))
            """, arguments: ["--user"], environment: env)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 dirs.socket\n")
        let pre = try harness.waitForReport(label: "pre")
        let environ = pre["environ"] as? [String] ?? []
        let run = env["XDG_RUNTIME_DIR"] ?? "", config = env["XDG_CONFIG_HOME"] ?? "", cache = env["XDG_CACHE_HOME"] ?? ""
        XCTAssertTrue(environ.contains("RUNTIME_DIRECTORY=\(run)/app:\(run)/app/sub"), "\(environ)")
        XCTAssertTrue(environ.contains("STATE_DIRECTORY=\(config)/state"))
        XCTAssertTrue(environ.contains("CACHE_DIRECTORY=\(cache)/cache"))
        XCTAssertTrue(environ.contains("LOGS_DIRECTORY=\(config)/log/logs"))
        XCTAssertTrue(environ.contains("CONFIGURATION_DIRECTORY=\(config)/conf"))
        let names = environ.map { String($0.prefix(while: { $0 != "=" })) }
        let tail = Array(names.suffix(7))
        XCTAssertEqual(tail, ["INVOCATION_ID", "RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CACHE_DIRECTORY",
                              "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY", "SYSTEMD_EXEC_PID"])
        let nobody = try Users.user("nobody").uid
        XCTAssertEqual(owner(run + "/app")?.uid, nobody)
        XCTAssertEqual(owner(run + "/app")?.mode, 0o750)
        XCTAssertEqual(owner(config + "/state")?.uid, nobody)
        XCTAssertEqual(owner(config + "/state")?.mode, 0o755)
        XCTAssertEqual(owner(config + "/conf")?.uid, 0, "configuration directories stay root's")

        _ = try harness.waitForReport(label: "main")
        try eventually("the runtime directory goes when the service stops", timeout: 10) {
            !FileManager.default.fileExists(atPath: run + "/app")
        }
        XCTAssertNotNil(owner(config + "/state"), "the state directory stays")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testRuntimeDirectoryPreserveYesKeepsItAfterTheServiceStops() throws {
        let harness = try UsherdHarness()
        let env = xdgBases(under: harness.root)
        let port = try harness.serve("keep", service: """
            [Service]
            RuntimeDirectory=kept
            RuntimeDirectoryPreserve=yes
            ExecStart=\(harness.probeCommand(label: "keep"))
            """, arguments: ["--user"], environment: env)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 keep.socket\n")
        _ = try harness.waitForReport(label: "keep")
        try harness.waitForLog("keep.service: Deactivated successfully.")
        XCTAssertEqual(owner((env["XDG_RUNTIME_DIR"] ?? "") + "/kept")?.mode, 0o755)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testEachAcceptYesInstanceCreatesTheRuntimeDirectoryAndRemovesItWhenItStops() throws {
        let harness = try UsherdHarness()
        let env = xdgBases(under: harness.root)
        let run = (env["XDG_RUNTIME_DIR"] ?? "") + "/per-conn"
        let port = try harness.serve("conn", accept: true, service: """
            [Service]
            RuntimeDirectory=per-conn
            StandardInput=socket
            ExecStart=/bin/sh -c 'test -d "$RUNTIME_DIRECTORY" && echo here: $RUNTIME_DIRECTORY'
            """, arguments: ["--user"], environment: env)
        for _ in 0..<2 {
            XCTAssertEqual(try Client.tcp(port: port), "here: \(run)\n")
            try eventually("the instance's runtime directory is removed", timeout: 10) {
                !FileManager.default.fileExists(atPath: run)
            }
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testBadDirectoryPathsWarnAndAreIgnored() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("bad", service: """
            [Service]
            StateDirectory=/abs ../up good
            ExecStart=\(harness.probeCommand(label: "bad"))
            """, arguments: ["--user"], environment: xdgBases(under: harness.root))
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 bad.socket\n")
        let environ = try harness.waitForReport(label: "bad")["environ"] as? [String] ?? []
        XCTAssertTrue(environ.contains("STATE_DIRECTORY=\(harness.root)/xconfig/good"), "\(environ)")
        XCTAssertTrue(harness.log.contains("StateDirectory= path is absolute, ignoring: /abs"))
        XCTAssertTrue(harness.log.contains("StateDirectory= path is not normalized, ignoring: ../up"))
        XCTAssertEqual(try harness.stop(), 0)
    }
}
