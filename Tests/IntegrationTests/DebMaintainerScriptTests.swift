// The .deb's maintainer scripts, run for real in a private mount namespace
// (tmpfs on /run and /etc/systemd, so the host is untouched) in the orders
// dpkg runs them, with a systemctl and a usherctl on PATH that only record their
// arguments (usherctl also its uid): purge removes usherd's enable symlinks
// (system and user) and /run/usher and nothing else; an upgrade (or downgrade)
// stops nothing, removes nothing, and re-executes a running system usherd, then
// each user's as that user (and, end to end, a real usherd --user run by uid
// 65534); without /run/systemd/system (systemd not init) no script calls systemctl.
import Foundation
import XCTest

final class DebMaintainerScriptTests: XCTestCase {
    /// $1: the directory of the package's scripts, $2: "systemd" to make
    /// systemd look like init, $3: the fake systemctl's and usherctl's directory,
    /// $4: "socket" for a running usherd's control socket at /run/usher/control
    /// (else a plain file is there), $5: user control nodes, each DIR:OWNER:KIND
    /// (/run/user/DIR/usher/control owned by uid OWNER, KIND socket, file or symlink
    /// to /run/usher/control); then one word list per script call ("prerm upgrade 0.1.0").
    static let script = """
        set -e
        scripts=$1 init=$2 bin=$3 control=$4 users=$5; shift 5
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
        for user in $users; do
            dir=${user%%:*} kind=${user##*:}; owner=${user#*:}; owner=${owner%:*}
            node=/run/user/$dir/usher/control
            mkdir -p /run/user/$dir/usher
            case $kind in
            socket) python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' $node ;;
            file) touch $node ;;
            symlink) ln -s /run/usher/control $node ;;
            esac
            chown -hR $owner:$owner /run/user/$dir; chmod 0700 /run/user/$dir
        done
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
        /// What the scripts printed, then what is left under /etc/systemd and /run/usher.
        var files: [String]
    }

    /// Runs `calls` (e.g. "prerm upgrade 0.1.0") in order; fails the test if one exits non-zero.
    /// `usherd`: whether a usherd runs (its control socket at /run/usher/control);
    /// `users`: control nodes under /run/user (see `script`'s $5).
    func run(_ calls: [String], systemdIsInit: Bool, usherd: ControlSocket = .file,
             users: [String] = []) throws -> Outcome {
        let harness = try UsherdHarness()
        let scriptPath = harness.root + "/maintainer-scripts-test.sh"
        try DebMaintainerScriptTests.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        try DebMaintainerScriptTests.installFakes(in: harness.root)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--mount", "/bin/sh", scriptPath, VersionIntegrationTests.packageRoot + "/packaging/deb",
                             systemdIsInit ? "systemd" : "none", harness.root + "/bin", usherd.rawValue,
                             users.joined(separator: " ")] + calls
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

    /// `root`/bin/systemctl records its arguments in `root`/systemctl.log; `root`/bin/usherctl
    /// records its uid and arguments in `root`/usherctl.log and answers "answer to UID: red"
    /// with "red" in a terminal's red (escape sequences). Both logs are writable by every uid.
    static func installFakes(in root: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        let answer = "printf 'answer to %s: \\033[31mred\\033[0m\\n' \"$(id -u)\"\n"
        for (tool, record, output) in [("systemctl", "$*", ""), ("usherctl", "$(id -u) $*", answer)] {
            let fake = root + "/bin/" + tool, log = root + "/" + tool + ".log"
            try "#!/bin/sh\necho \"\(record)\" >> \(log)\n\(output)".write(toFile: fake, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: log)
        }
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
        let reexec = ["0 --control-socket /run/usher/control daemon-reexec"]
        for systemd in [true, false] {
            let upgrade = try run(DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0"),
                                  systemdIsInit: systemd, usherd: .socket)
            XCTAssertEqual(upgrade.usherctl, reexec, "systemd as init: \(systemd)")
            XCTAssertEqual(try run(["postinst configure"], systemdIsInit: systemd, usherd: .socket).usherctl, [])
        }
    }

    /// uid 1 (daemon) and uid 65534 (nobody) each run a usherd --user; the fake usherctl records its uid.
    func testUpgradeReexecutesEachUsersUsherdAsThatUserAfterTheSystemOne() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts and setpriv need root")
        let users = ["1:1:socket", "65534:65534:socket"]
        for systemd in [true, false] {
            let upgrade = try run(DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0"),
                                  systemdIsInit: systemd, usherd: .socket, users: users)
            XCTAssertEqual(upgrade.usherctl, ["0 --control-socket /run/usher/control daemon-reexec",
                                              "1 --control-socket /run/user/1/usher/control daemon-reexec",
                                              "65534 --control-socket /run/user/65534/usher/control daemon-reexec"],
                           "systemd as init: \(systemd)")
            XCTAssertTrue(upgrade.files.contains("answer to 65534: [31mred[0m"), "printable only: \(upgrade.files)")
            let withoutSystemUsherd = try run(["postinst configure 0.0.9"], systemdIsInit: systemd, users: users)
            XCTAssertEqual(withoutSystemUsherd.usherctl, ["1 --control-socket /run/user/1/usher/control daemon-reexec",
                                                          "65534 --control-socket /run/user/65534/usher/control daemon-reexec"])
        }
    }

    func testAFreshInstallReexecutesNoUsersUsherd() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        let outcome = try run(["postinst configure"], systemdIsInit: true, usherd: .socket, users: ["65534:65534:socket"])
        XCTAssertEqual(outcome.usherctl, [])
    }

    /// A regular file, a symlink the user made to the system usherd's socket, and a
    /// socket in uid 1's directory owned by another uid: none is uid 1's usherd. A uid
    /// no user database knows (4242) has no groups to take on: setpriv refuses to run.
    func testUpgradeSkipsAUserControlNodeThatIsNotThatUsersSocket() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        let unknownUID = getpwuid(4242) == nil ? ["4242:4242:socket"] : []
        for node in ["1:1:file", "1:1:symlink", "1:65534:socket"] + unknownUID {
            let upgrade = try run(DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0"),
                                  systemdIsInit: false, usherd: .socket, users: [node])
            XCTAssertEqual(upgrade.usherctl, ["0 --control-socket /run/usher/control daemon-reexec"], node)
        }
    }

    /// $1: the package's scripts, $2: the built usherd and usherctl, $3: a unit directory,
    /// $4: usherd's log. In a private /run: a real `usherd --user` run by uid 65534 at
    /// /run/user/65534/usher, then the postinst of an upgrade with the real usherctl on
    /// PATH; prints the postinst's output, its duration in ms, and whether usherd's pid lives on.
    static let endToEndScript = """
        set -e
        scripts=$1 products=$2 units=$3 log=$4
        mount -t tmpfs tmpfs /run
        mkdir -p /run/user/65534; chown 65534:65534 /run/user/65534; chmod 0700 /run/user/65534
        XDG_RUNTIME_DIR=/run/user/65534 setpriv --reuid=65534 --regid=65534 --init-groups \
            "$products/usherd" --user --unit-dir "$units" >"$log" 2>&1 </dev/null &
        usherd=$!
        tries=0
        until [ -S /run/user/65534/usher/control ]; do
            tries=$((tries + 1)); [ $tries -le 100 ] || { kill $usherd; exit 1; }; sleep 0.1
        done
        start=$(date +%s%N)
        PATH=$products:$PATH sh "$scripts/postinst" configure 0.0.9 2>&1
        echo "postinst took $((($(date +%s%N) - start) / 1000000)) ms"
        kill -0 $usherd && echo "usherd $usherd lives on"
        kill $usherd; wait $usherd || true
        """

    func testUpgradeReexecutesARealUserUsherdRunByItsOwner() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts and another uid need root")
        let harness = try UsherdHarness()
        try harness.write("echo.socket", "[Socket]\nListenStream=127.0.0.1:\(try freePort())\n")
        try harness.write("echo.service", "[Service]\nExecStart=/bin/sleep 1000\n")
        let scriptPath = harness.root + "/end-to-end.sh"
        try DebMaintainerScriptTests.endToEndScript.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let run = try runCollectingOutput("/usr/bin/unshare", [
            "--mount", "/bin/sh", scriptPath, VersionIntegrationTests.packageRoot + "/packaging/deb",
            UsherdHarness.productsDirectory, harness.unitDirectory, harness.logPath,
        ], timeout: 60)
        XCTAssertEqual(run.status, 0, run.output + harness.log)
        XCTAssertTrue(run.output.range(of: "Re-executed /[^ ]*/usherd: 2 unit\\(s\\), 1 listener\\(s\\)",
                                       options: .regularExpression) != nil, run.output + harness.log)
        XCTAssertTrue(run.output.contains(" lives on"), run.output)
        XCTAssertTrue(harness.log.contains("Re-executed "), harness.log)
    }

    func testWithoutSystemdAsInitNoScriptCallsSystemctl() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        let calls = ["postinst configure"] + DebMaintainerScriptTests.upgradeCalls(from: "0.0.9", to: "0.1.0")
            + ["prerm remove", "postrm remove", "postrm purge"]
        XCTAssertEqual(try run(calls, systemdIsInit: false).systemctl, [])
    }
}
