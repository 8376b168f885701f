// The .deb's maintainer scripts, run for real in a private mount namespace
// (tmpfs on /run and /etc/systemd, so the host is untouched) in the orders
// dpkg runs them, with a systemctl and a usherctl on PATH that only record their
// arguments: purge removes usherd's enable symlinks (system and user) and
// /run/usher and nothing else; an upgrade (or downgrade) stops nothing, removes
// nothing, and re-executes a running usherd; without /run/systemd/system
// (systemd not init) no script calls systemctl.
import Foundation
import XCTest

final class DebMaintainerScriptTests: XCTestCase {
    /// $1: the directory of the package's scripts, $2: "systemd" to make
    /// systemd look like init, $3: the fake systemctl's and usherctl's directory,
    /// $4: "socket" for a running usherd's control socket at /run/usher/control
    /// (else a plain file is there); then one word list per script call ("prerm upgrade 0.1.0").
    static let script = """
        set -e
        scripts=$1 init=$2 bin=$3 control=$4; shift 4
        mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /etc/systemd
        [ "$init" != systemd ] || mkdir -p /run/systemd/system
        mkdir -p /etc/systemd/system/multi-user.target.wants /etc/systemd/user/default.target.wants /run/usher
        ln -s /lib/systemd/system/usherd.service /etc/systemd/system/multi-user.target.wants/usherd.service
        ln -s /usr/lib/systemd/user/usherd.service /etc/systemd/user/default.target.wants/usherd.service
        ln -s /lib/systemd/system/other.service /etc/systemd/system/multi-user.target.wants/other.service
        if [ "$control" = socket ]; then
            python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' /run/usher/control
        else
            touch /run/usher/control
        fi
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
        /// What the scripts passed to usherctl, one call a line.
        var usherctl: [String]
        /// What is left under /etc/systemd and /run/usher.
        var files: [String]
    }

    /// Runs `calls` (e.g. "prerm upgrade 0.1.0") in order; fails the test if one exits non-zero.
    /// `usherd`: whether a usherd runs (its control socket at /run/usher/control).
    func run(_ calls: [String], systemdIsInit: Bool, usherd: ControlSocket = .file) throws -> Outcome {
        let harness = try UsherdHarness()
        let scriptPath = harness.root + "/maintainer-scripts-test.sh"
        try DebMaintainerScriptTests.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: harness.root + "/bin", withIntermediateDirectories: true)
        for tool in ["systemctl", "usherctl"] {
            let fake = harness.root + "/bin/" + tool
            try "#!/bin/sh\necho \"$*\" >> \(harness.root)/\(tool).log\n".write(toFile: fake, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--mount", "/bin/sh", scriptPath, VersionIntegrationTests.packageRoot + "/packaging/deb",
                             systemdIsInit ? "systemd" : "none", harness.root + "/bin", usherd.rawValue] + calls
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        let logged = { (tool: String) in
            ((try? String(contentsOfFile: harness.root + "/" + tool + ".log", encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init)
        }
        return Outcome(systemctl: logged("systemctl"), usherctl: logged("usherctl"),
                       files: output.split(separator: "\n").map(String.init))
    }

    enum ControlSocket: String {
        /// /run/usher/control is a regular file: no usherd listens.
        case file
        /// A bound socket at /run/usher/control: a system usherd runs.
        case socket
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

    /// The "downgrade" round runs this tree's scripts too (only the version arguments swap):
    /// it checks only that the scripts do not depend on the order of the versions.
    func testUpgradeAndDowngradeUnderSystemdOnlyReloadAndKeepUsherdAndItsFiles() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        for calls in [DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0"),
                      DebMaintainerScriptTests.upgradeCalls(from: "0.1.0", to: "0.0.9")] {
            let outcome = try run(calls, systemdIsInit: true)
            XCTAssertEqual(outcome.systemctl, ["daemon-reload"], "\(calls)")
            XCTAssertEqual(outcome.usherctl, [], "\(calls)")
            XCTAssertEqual(outcome.files, DebMaintainerScriptTests.everything, "\(calls)")
        }
    }

    func testUpgradeReexecutesARunningUsherdOntoTheNewBinaryAndAFreshInstallDoesNot() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        let reexec = ["--control-socket /run/usher/control daemon-reexec"]
        for systemd in [true, false] {
            let upgrade = try run(DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0"),
                                  systemdIsInit: systemd, usherd: .socket)
            XCTAssertEqual(upgrade.usherctl, reexec, "systemd as init: \(systemd)")
            XCTAssertEqual(try run(["postinst configure"], systemdIsInit: systemd, usherd: .socket).usherctl, [])
        }
    }

    func testWithoutSystemdAsInitNoScriptCallsSystemctl() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        let calls = ["postinst configure"] + DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0")
            + ["prerm remove", "postrm remove", "postrm purge"]
        XCTAssertEqual(try run(calls, systemdIsInit: false).systemctl, [])
    }
}
