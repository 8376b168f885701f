// The OpenRC recipe (packaging/openrc/usherd) installed as /etc/init.d/usherd
// and run by the real rc-service and supervise-daemon, without OpenRC being the
// init system: in a private mount and PID namespace with an overlay on /etc and
// tmpfs on /run (OpenRC's state in /run/openrc), /sys/fs/cgroup and /dev
// (/dev/log a socket the test reads), so the host and its init are untouched.
import Foundation
import XCTest
import UsherSys

final class OpenRCRecipeIntegrationTests: XCTestCase {
    static let tools = ["/usr/bin/unshare", "/sbin/openrc-run", "/sbin/rc-service", "/sbin/supervise-daemon"]
    /// What OpenRC's boot (`openrc sysinit`) creates in its state directory.
    static let stateDirectories = ["daemons", "exclusive", "failed", "hotplugged", "inactive", "options",
                                   "scheduled", "started", "starting", "stopping", "tmp", "wasinactive"]
    /// The namespace script's exit status when the kernel refuses an overlay on /etc.
    static let noOverlay: Int32 = 77

    /// The namespace's script: the staged files installed in /etc (an overlay),
    /// OpenRC's state on tmpfs, then each command the test puts in `next` runs
    /// as `rc-service usherd COMMAND` and its status is appended to `done`, until `stop`.
    func script(root: String, staged: String) -> String {
        """
        set -e
        mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /sys/fs/cgroup
        \(NamespaceScripts.overlayEtc(root: root)) || exit \(OpenRCRecipeIntegrationTests.noOverlay)
        mkdir -p /etc/conf.d; cp \(staged)/init.d/usherd /etc/init.d/; cp \(staged)/conf.d/usherd /etc/conf.d/
        \(NamespaceScripts.privateDev(root: root, devLog: root + "/dev-log"))
        for d in \(OpenRCRecipeIntegrationTests.stateDirectories.joined(separator: " ")); do mkdir -p /run/openrc/$d; done
        touch /run/openrc/softlevel
        while :; do
            [ -e \(root)/next ] || { sleep 0.05; continue; }
            command=$(cat \(root)/next); rm \(root)/next
            status=0; rc-service usherd $command || status=$?
            echo "$command $status" >> \(root)/done
            [ "$command" = stop ] && break
        done
        """
    }

    /// `packaging/openrc/usherd` with only usherd's path changed (to the multi-call
    /// binary under the name usherd, as the .deb installs it), and the
    /// conf.d file giving the test's directories in USHERD_ARGS; the directory holding both.
    func stageInitScript(harness: UsherdHarness) throws -> String {
        let staged = harness.root + "/openrc"
        for directory in ["init.d", "conf.d"] {
            try FileManager.default.createDirectory(atPath: staged + "/" + directory, withIntermediateDirectories: true)
        }
        let shipped = try String(contentsOfFile: VersionIntegrationTests.packageRoot + "/packaging/openrc/usherd", encoding: .utf8)
        XCTAssertTrue(shipped.contains("command=\"/usr/bin/usherd\""), shipped)
        try shipped.replacingOccurrences(of: "/usr/bin/usherd", with: try harness.multiCallLink("usherd"))
            .write(toFile: staged + "/init.d/usherd", atomically: true, encoding: .utf8)
        chmod(staged + "/init.d/usherd", 0o755)
        try "USHERD_ARGS=\"--unit-dir \(harness.unitDirectory) --runtime-dir \(harness.root)/rt\"\n"
            .write(toFile: staged + "/conf.d/usherd", atomically: true, encoding: .utf8)
        return staged
    }

    /// Hands one command to the namespace's script and returns rc-service's
    /// exit status (nil when the script ended instead).
    func rcService(_ command: String, root: String, process: Process) throws -> Int32? {
        let before = (try? String(contentsOfFile: root + "/done", encoding: .utf8)) ?? ""
        try command.write(toFile: root + "/next", atomically: true, encoding: .utf8)
        var status: Int32?
        try eventually("rc-service usherd \(command)", timeout: 30) {
            let done = (try? String(contentsOfFile: root + "/done", encoding: .utf8)) ?? ""
            status = done.dropFirst(before.count).split(separator: "\n").first
                .flatMap { Int32($0.dropFirst(command.count + 1)) }
            return status != nil || !process.isRunning
        }
        return status
    }

    func testRCServiceStartsTheInitScriptUnderSuperviseDaemonReloadsAndStopsUsherd() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        for tool in OpenRCRecipeIntegrationTests.tools {
            try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: tool), "no \(tool) (apt-get install openrc)")
        }
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("echo.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n")
        try harness.write("echo@.service", "[Service]\nExecStart=/bin/cat\nStandardInput=socket\n")
        let syslog = try SyslogSink(path: harness.root + "/dev-log")
        let staged = try stageInitScript(harness: harness)
        try script(root: harness.root, staged: staged)
            .write(toFile: harness.root + "/openrc.sh", atomically: true, encoding: .utf8)

        // --kill-child: if the test dies, the namespace (supervise-daemon, usherd) dies with it.
        let process = try harness.launch("/usr/bin/unshare", ["--mount", "--pid", "--fork", "--mount-proc", "--kill-child",
                                                              "/bin/sh", harness.root + "/openrc.sh"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let started = try rcService("start", root: harness.root, process: process)
        if started == nil && process.terminationStatus == OpenRCRecipeIntegrationTests.noOverlay {
            throw XCTSkip("no overlayfs for a private /etc: \(harness.log)")
        }
        guard started == 0 else { return XCTFail("rc-service usherd start: \(String(describing: started))\n\(harness.log)") }
        try eventually("usherd's start in syslog", timeout: 15) { syslog.contains("socket unit(s);") }
        XCTAssertEqual(try AcceptClient.ipv4(port).exchange("via openrc\n", halfClose: true), "via openrc\n", syslog.text)
        XCTAssertEqual(try rcService("status", root: harness.root, process: process), 0, harness.log)
        XCTAssertTrue(harness.log.contains("status: started"), harness.log)

        // `rc-service usherd reload`: supervise-daemon sends SIGHUP, usherd loads a new unit.
        let second = try freePort()
        try harness.write("second.socket", "[Socket]\nListenStream=127.0.0.1:\(second)\nAccept=yes\n")
        try harness.write("second@.service", "[Service]\nExecStart=/bin/cat\nStandardInput=socket\n")
        XCTAssertEqual(try rcService("reload", root: harness.root, process: process), 0, harness.log)
        try eventually("usherd's reload in syslog", timeout: 15) { syslog.contains("Reloaded.") }
        XCTAssertTrue(syslog.contains("Received SIGHUP, reloading the unit files."), syslog.text)
        XCTAssertEqual(try AcceptClient.ipv4(second).exchange("reloaded\n", halfClose: true), "reloaded\n")

        XCTAssertEqual(try rcService("stop", root: harness.root, process: process), 0, harness.log)
        try eventually("usherd's stop in syslog", timeout: 15) { syslog.contains("Stopped.") }
        XCTAssertTrue(syslog.contains("Received SIGTERM, stopping."), syslog.text)
        try expectRefused([try loopback(port), try loopback(second)], "the sockets after rc-service usherd stop")
        try eventually("the namespace to end", timeout: 15) { !process.isRunning }
        XCTAssertEqual(process.terminationStatus, 0, harness.log)
    }
}

/// A stand-in for /dev/log: an AF_UNIX datagram socket whose messages the test reads.
final class SyslogSink {
    let fd: OwnedFD
    private(set) var text = ""

    init(path: String) throws {
        fd = try Socket.open(family: AF_UNIX, kind: .datagram, object: "syslog sink")
        try Socket.bind(fd, to: try SocketAddress.unixPath(path))
    }

    /// Reads every message already there, then says whether `message` has arrived.
    func contains(_ message: String) -> Bool {
        while true {
            let datagram = BlockingIO.readSome(fd.raw, limit: 65536, milliseconds: 0)
            if datagram.isEmpty { break }
            text += String(decoding: datagram, as: UTF8.self) + "\n"
        }
        return text.contains(message)
    }
}
