// --log-target against a real systemd-journald: the test starts journald in
// a private mount and PID namespace (tmpfs on /run, /var/log and /dev, with
// /dev/log pointing at journald's syslog socket, so the host is untouched),
// runs usherd once per target and reads the entries back with journalctl.
import Foundation
import XCTest

final class LogTargetIntegrationTests: XCTestCase {
    static let journald = "/lib/systemd/systemd-journald"

    /// The namespace's script: journald up, then one usherd per target, each
    /// stopped once its unit's socket is bound; then the journal as JSON lines.
    func script(root: String, usherd: String) -> String {
        """
        set -e
        mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /var/log
        \(NamespaceScripts.privateDev(root: root, devLog: "/run/systemd/journal/dev-log"))
        \(LogTargetIntegrationTests.journald) > \(root)/journald.log 2>&1 &
        for i in $(seq 200); do [ -S /run/systemd/journal/socket ] && [ -S /run/systemd/journal/dev-log ] && break; sleep 0.05; done
        run() {
            name=$1; target=$2; stream=$3
            JOURNAL_STREAM=$stream \(usherd) --unit-dir \(root)/$name --runtime-dir \(root)/rt-$name \\
                --log-target=$target 2> \(root)/$name.stderr &
            pid=$!
            for i in $(seq 400); do [ -S \(root)/$name.sock ] && break; sleep 0.05; done
            kill -TERM $pid; wait $pid; echo "exit $name $?" >&2
        }
        run viajournal journal ""
        run viasyslog syslog ""
        touch \(root)/viaauto.stderr
        run viaauto auto "$(stat -c '%d:%i' \(root)/viaauto.stderr)"
        run viaconsole auto "1:1"
        # journald serves its syslog socket after its native one: wait for both.
        for i in $(seq 200); do
            journalctl -D /run/log/journal SYSLOG_IDENTIFIER=usherd > \(root)/journal.txt
            grep -q 'viasyslog.socket: Listening' \(root)/journal.txt && grep -q 'viaauto.socket: Listening' \(root)/journal.txt && break
            sleep 0.05
        done
        journalctl -D /run/log/journal -o json SYSLOG_IDENTIFIER=usherd
        """
    }

    func testJournalSyslogAutoAndConsoleTargetsReachARealJournald() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        for tool in ["/usr/bin/unshare", LogTargetIntegrationTests.journald, "/usr/bin/journalctl"] {
            try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: tool), "no \(tool)")
        }
        let harness = try UsherdHarness()
        for name in ["viajournal", "viasyslog", "viaauto", "viaconsole"] {
            try FileManager.default.createDirectory(atPath: harness.root + "/" + name, withIntermediateDirectories: true)
            try "[Socket]\nListenStream=\(harness.root)/\(name).sock\n"
                .write(toFile: harness.root + "/\(name)/\(name).socket", atomically: true, encoding: .utf8)
            try "[Service]\nExecStart=/bin/true\n"
                .write(toFile: harness.root + "/\(name)/\(name).service", atomically: true, encoding: .utf8)
        }
        let scriptPath = harness.root + "/journal.sh"
        try script(root: harness.root, usherd: UsherdHarness.productsDirectory + "/usherd")
            .write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let (status, output, errors) = try runCapturing(["/usr/bin/unshare", "--mount", "--pid", "--fork", "--mount-proc",
                                                         "/bin/sh", scriptPath], errorsPath: harness.root + "/script.stderr")
        XCTAssertEqual(status, 0, errors)
        for name in ["viajournal", "viasyslog", "viaauto", "viaconsole"] {
            XCTAssertTrue(errors.contains("exit \(name) 0"), "usherd --log-target for \(name) did not stop cleanly: \(errors)")
        }
        let entries = output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        func entry(_ unit: String) -> [String: Any]? {
            entries.first { ($0["MESSAGE"] as? String)?.hasPrefix("\(unit): Listening on") == true }
        }
        let journal = try XCTUnwrap(entry("viajournal.socket"), output)
        XCTAssertEqual(journal["_TRANSPORT"] as? String, "journal")
        XCTAssertEqual(journal["UNIT"] as? String, "viajournal.socket")
        XCTAssertEqual(journal["PRIORITY"] as? String, "6")
        XCTAssertEqual(try XCTUnwrap(entry("viasyslog.socket"), output)["_TRANSPORT"] as? String, "syslog")
        XCTAssertEqual(try XCTUnwrap(entry("viaauto.socket"), output)["_TRANSPORT"] as? String, "journal")
        XCTAssertNil(entry("viaconsole.socket"), "auto with a JOURNAL_STREAM that is not stderr must use the console")
        let console = try String(contentsOfFile: harness.root + "/viaconsole.stderr", encoding: .utf8)
        XCTAssertTrue(console.contains("<info> viaconsole.socket: Listening on"), console)
        let journalRunStderr = try String(contentsOfFile: harness.root + "/viajournal.stderr", encoding: .utf8)
        XCTAssertFalse(journalRunStderr.contains("Listening on"), journalRunStderr)
    }

    /// Runs a command to its end: exit status, stdout, and stderr (through a file, so neither pipe can fill).
    func runCapturing(_ command: [String], errorsPath: String) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let out = Pipe()
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output, (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "")
    }
}
