// usherctl's offline verbs run as a real process (the binary built next to
// this test bundle): exit codes of verify, systemd's diagnostics on stderr,
// cat and show output, repeatable --unit-dir, list-keys. Skips when the
// binary is not built.

import Foundation
import XCTest

final class UsherctlTests: XCTestCase {
    func usherctl(_ arguments: [String]) throws -> UsherctlRun {
        // No usherd on the test machine may add runtime properties to these offline expectations.
        try UsherctlProcess.run(arguments, environment: ["USHER_CONTROL_SOCKET": "/nonexistent/usher-control"])
    }

    func testVerifyNamesTheErrnoOfAUnitFileThatCannotBeLoadedAndExits1() throws {
        let dir = try UnitDirectory()
        try dir.symlink("loop.socket", to: "loop.socket")
        try FileManager.default.createDirectory(atPath: dir.path + "/dir.service", withIntermediateDirectories: false)
        let run = try usherctl(["verify", "--unit-dir", dir.path, "loop.socket", "dir.service"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, """
            loop.socket: Failed to load configuration for loop.socket: Too many levels of symbolic links (\(dir.path)/loop.socket)
            dir.service: Failed to load configuration for dir.service: Is a directory (\(dir.path)/dir.service)

            """)
        XCTAssertFalse(run.stderr.contains("masked"))
    }

    func testVerifyOfADirectoryChecksEveryUnitAndAGlobSkipsNonUnitFiles() throws {
        let dir = try UnitDirectory()
        try dir.write("web.socket", "[Socket]\nListenStream=127.0.0.1:8080\n")
        try dir.write("web.service", "[Service]\nExecStart=/bin/true\n")
        try dir.write("README", "Drop unit files here.\n")
        let whole = try usherctl(["verify", dir.path])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertEqual(whole.stderr, "")
        let glob = try usherctl(["verify", dir.path + "/README", dir.path + "/web.service", dir.path + "/web.socket"])
        XCTAssertEqual(glob.status, 0, glob.stderr)
        XCTAssertEqual(glob.stderr, "usherctl: Skipping \(dir.path)/README: not a .socket or .service file.\n")
        try dir.write("broken.service", "[Service]\nExecStart=/nonexistent/usher-daemon\n")
        let broken = try usherctl(["verify", dir.path])
        XCTAssertEqual(broken.status, 1)
        XCTAssertEqual(broken.stderr, "broken.service: Command /nonexistent/usher-daemon is not executable: No such file or directory\n")
    }

    func testVerifyPrintsTheNotesUsherdLogsAtLoadAndStrictFailsOnThem() throws {
        let dir = try UnitDirectory()
        try dir.write("gps.service", "[Service]\nType=forking\nExecStart=/bin/true\nStandardInput=fd:keep\nRootImage=/img.raw\n")
        try dir.write("echo.socket", "[Socket]\nListenStream=127.0.0.1:7\nAccept=yes\n")
        try dir.write("echo@.service", "[Service]\nExecStart=/bin/cat\nStandardInput=socket\nExecStartPre=/bin/true\n")
        try dir.write("plain.service", "[Service]\nExecStart=/bin/true\n")
        let notes = """
            gps.service:5: Key 'RootImage' in section [Service]: protection not enforced by usherd, ignoring.
            gps.service: Protection not enforced by usherd: RootImage=.
            gps.service: StandardInput=fd:keep is not supported by usherd yet, using /dev/null.
            echo@.service: ExecStartPre= of an Accept=yes instance is not supported by usherd yet, ignoring.

            """
        let lenient = try usherctl(["verify", "--unit-dir", dir.path, "gps.service", "echo.socket"])
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertEqual(lenient.stderr, notes)
        let strict = try usherctl(["verify", "--strict", "--unit-dir", dir.path, "gps.service", "echo.socket"])
        XCTAssertEqual(strict.status, 1, strict.stderr)
        XCTAssertEqual(strict.stderr.split(separator: "\n").filter { $0.hasSuffix("(--strict)") }.count, 2, strict.stderr)
        let clean = try usherctl(["verify", "--strict", "--unit-dir", dir.path, "plain.service"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertEqual(clean.stderr, "")
    }

    func testVerifyPrintsSystemdsDiagnosticsAndFailsOnRefusedUnits() throws {
        let dir = TestPaths.golden + "/j-malformed"
        let expected = try String(contentsOfFile: dir + "/expected-diagnostics.txt", encoding: .utf8)
        let run = try usherctl(["verify", "--priority", "--unit-dir", dir, "bad.socket", "nolisten.socket", "onlybad.socket"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, expected)
    }

    func testVerifyExitsZeroOnWarningsOnly() throws {
        let run = try usherctl(["verify", TestPaths.golden + "/j-malformed/bad.socket"])
        XCTAssertEqual(run.status, 0)
        XCTAssertTrue(run.stderr.hasPrefix("bad.socket:1: Assignment outside of section. Ignoring.\n"))
        XCTAssertEqual(try usherctl(["verify", "--unit-dir", TestPaths.golden + "/j-malformed", "ghost.service"]).status, 1)
    }

    func testUnitDirIsRepeatableAndEarlierWins() throws {
        let high = try UnitDirectory(), low = try UnitDirectory()
        try high.write("x.service", "[Service]\nExecStart=/bin/high\n")
        try low.write("x.service", "[Service]\nExecStart=/bin/low\n")
        try low.write("y.service", "[Service]\nExecStart=/bin/y\n")
        let run = try usherctl(["show", "--unit-dir", high.path, "--unit-dir", low.path, "x.service", "y.service"])
        XCTAssertEqual(run.status, 0)
        XCTAssertTrue(run.stdout.contains("ExecStart={ path=/bin/high ; argv[]=/bin/high ; flags= }"))
        XCTAssertTrue(run.stdout.contains("\n\nId=y.service\n"))
    }

    func testCatPrintsFilesHeadedByTheirPaths() throws {
        let dir = try UnitDirectory()
        let main = try dir.write("c.socket", "[Socket]\nListenStream=1\n")
        let dropIn = try dir.write("c.socket.d/a.conf", "[Socket]\nBacklog=3\n")
        let run = try usherctl(["cat", "--unit-dir", dir.path, "c.socket"])
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stdout, "# \(main)\n[Socket]\nListenStream=1\n\n# \(dropIn)\n[Socket]\nBacklog=3\n")
        XCTAssertEqual(try usherctl(["cat", "--unit-dir", dir.path, "none.socket"]).status, 1)
    }

    func testShowFailsForARefusedUnit() throws {
        let run = try usherctl(["show", "--unit-dir", TestPaths.golden + "/j-malformed", "nolisten.socket"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.contains("Refusing."))
    }

    func testListKeysPrintsTheTableAndCanHideUnsupportedRows() throws {
        let all = try usherctl(["list-keys"]).stdout.split(separator: "\n")
        let supported = try usherctl(["list-keys", "--supported"]).stdout.split(separator: "\n")
        XCTAssertTrue(all.contains("[Service] MemoryMax\t-\t-\tunsupported"))
        XCTAssertFalse(supported.contains { $0.hasSuffix("unsupported") })
        XCTAssertTrue(supported.contains { $0.hasPrefix("[Socket] Accept\tboolean\tSocketUnit.accept") })
        XCTAssertGreaterThan(all.count, supported.count)
    }

    func testJSONOutputOfVerifyAndShow() throws {
        let dir = TestPaths.golden + "/j-malformed"
        let verify = try usherctl(["verify", "--json", "--unit-dir", dir, "nolisten.socket"])
        XCTAssertEqual(verify.status, 1)
        let diagnostics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(diagnostics.first?["severity"] as? String, "error")
        XCTAssertEqual(diagnostics.first?["unit"] as? String, "nolisten.socket")
        let show = try usherctl(["show", "--json", "--unit-dir", TestPaths.golden + "/show", "every-socket-key.socket"])
        let units = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(units.first?["Backlog"] as? String, "17")
        XCTAssertEqual((units.first?["Listen"] as? [String])?.count, 11)
    }

    func testSubcommandHelpMatchesSavedText() throws {
        for verb in ["verify", "cat", "show", "list-keys", "status", "list-units", "list-sockets", "kill", "logs"] {
            let run = try usherctl([verb, "--help"])
            XCTAssertEqual(run.status, 0)
            let path = TestPaths.golden + "/usherctl/\(verb)-help.txt"
            if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
                try Data(run.stdout.utf8).write(to: URL(fileURLWithPath: path))
                continue
            }
            XCTAssertEqual(run.stdout, try String(contentsOfFile: path, encoding: .utf8), "\(verb): UPDATE_GOLDEN=1 regenerates")
        }
    }

    func testMissingArgumentIsAUsageError() throws {
        let run = try usherctl(["verify"])
        XCTAssertEqual(run.status, 64)
        XCTAssertTrue(run.stderr.contains("Missing expected argument '<units> ...'"))
        XCTAssertFalse(run.stderr.contains("OVERVIEW:"), "a mistake must not reprint the whole help")
    }
}
