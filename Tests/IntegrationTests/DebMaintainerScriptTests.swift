// The .deb's maintainer scripts, run for real in a private mount namespace
// (tmpfs on /run and /etc/systemd, so the host is untouched) in the orders
// dpkg runs them, with a systemctl on PATH that only records its arguments:
// purge removes usherd's enable symlinks (system and user) and /run/usher and
// nothing else; an upgrade (or downgrade) stops nothing and removes nothing;
// without /run/systemd/system (systemd not init) no script calls systemctl.
import Foundation
import XCTest

final class DebMaintainerScriptTests: XCTestCase {
    /// $1: the directory of the package's scripts, $2: "systemd" to make
    /// systemd look like init, $3: the fake systemctl's directory; then one
    /// word list per script call ("prerm upgrade 0.1.0").
    static let script = """
        set -e
        scripts=$1 init=$2 bin=$3; shift 3
        mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /etc/systemd
        [ "$init" != systemd ] || mkdir -p /run/systemd/system
        mkdir -p /etc/systemd/system/multi-user.target.wants /etc/systemd/user/default.target.wants /run/usher
        ln -s /lib/systemd/system/usherd.service /etc/systemd/system/multi-user.target.wants/usherd.service
        ln -s /usr/lib/systemd/user/usherd.service /etc/systemd/user/default.target.wants/usherd.service
        ln -s /lib/systemd/system/other.service /etc/systemd/system/multi-user.target.wants/other.service
        touch /run/usher/control
        for call in "$@"; do
            set -- $call
            script=$1; shift
            PATH=$bin:$PATH sh "$scripts/$script" "$@"
        done
        find /etc/systemd /run/usher -mindepth 1 2>/dev/null | sort
        """

    struct Outcome {
        /// What the scripts passed to systemctl, one call a line.
        var systemctl: [String]
        /// What is left under /etc/systemd and /run/usher.
        var files: [String]
    }

    /// Runs `calls` (e.g. "prerm upgrade 0.1.0") in order; fails the test if one exits non-zero.
    func run(_ calls: [String], systemdIsInit: Bool) throws -> Outcome {
        let harness = try UsherdHarness()
        let scriptPath = harness.root + "/maintainer-scripts-test.sh"
        let log = harness.root + "/systemctl.log"
        try DebMaintainerScriptTests.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: harness.root + "/bin", withIntermediateDirectories: true)
        try "#!/bin/sh\necho \"$*\" >> \(log)\n".write(toFile: harness.root + "/bin/systemctl", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: harness.root + "/bin/systemctl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--mount", "/bin/sh", scriptPath, VersionIntegrationTests.packageRoot + "/packaging/deb",
                             systemdIsInit ? "systemd" : "none", harness.root + "/bin"] + calls
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        let calls = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return Outcome(systemctl: calls.split(separator: "\n").map(String.init),
                       files: output.split(separator: "\n").map(String.init))
    }

    /// The enable symlinks and the runtime directory as the test makes them.
    static let everything = [
        "/etc/systemd/system", "/etc/systemd/system/multi-user.target.wants",
        "/etc/systemd/system/multi-user.target.wants/other.service",
        "/etc/systemd/system/multi-user.target.wants/usherd.service",
        "/etc/systemd/user", "/etc/systemd/user/default.target.wants",
        "/etc/systemd/user/default.target.wants/usherd.service", "/run/usher/control",
    ]

    /// dpkg's calls when version `new` replaces `old` (an upgrade or a downgrade): the old
    /// prerm, the old postrm, the new postinst (the package has no preinst).
    static func upgradeCalls(from old: String, to new: String) -> [String] {
        ["prerm upgrade \(new)", "postrm upgrade \(new)", "postinst configure \(old)"]
    }

    func testPurgeRemovesTheEnableSymlinksAndTheRuntimeDirectoryOnly() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        XCTAssertEqual(try run(["postrm purge"], systemdIsInit: false).files, [
            "/etc/systemd/system", "/etc/systemd/system/multi-user.target.wants",
            "/etc/systemd/system/multi-user.target.wants/other.service",
            "/etc/systemd/user", "/etc/systemd/user/default.target.wants",
        ])
    }

    func testRemoveKeepsTheEnableSymlinksForAReinstall() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        XCTAssertEqual(try run(["postrm remove"], systemdIsInit: false).files, DebMaintainerScriptTests.everything)
    }

    func testRemoveUnderSystemdStopsUsherdThenReloads() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        let outcome = try run(["prerm remove", "postrm remove"], systemdIsInit: true)
        XCTAssertEqual(outcome.systemctl, ["stop usherd.service", "daemon-reload"])
        XCTAssertEqual(outcome.files, DebMaintainerScriptTests.everything)
    }

    func testUpgradeAndDowngradeUnderSystemdOnlyReloadAndKeepUsherdAndItsFiles() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        for calls in [DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0"),
                      DebMaintainerScriptTests.upgradeCalls(from: "0.1.0", to: "0.0.9")] {
            let outcome = try run(calls, systemdIsInit: true)
            XCTAssertEqual(outcome.systemctl, ["daemon-reload"], "\(calls)")
            XCTAssertEqual(outcome.files, DebMaintainerScriptTests.everything, "\(calls)")
        }
    }

    func testWithoutSystemdAsInitNoScriptCallsSystemctl() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        let calls = ["postinst configure"] + DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0")
            + ["prerm remove", "postrm remove", "postrm purge"]
        XCTAssertEqual(try run(calls, systemdIsInit: false).systemctl, [])
    }
}
