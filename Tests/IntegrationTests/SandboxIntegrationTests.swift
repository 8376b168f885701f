// Filesystem and namespace sandboxing under a real usherd running as root:
// each test runs `usher-probe fs` inside a confined service and checks that
// the forbidden thing fails (with the errno systemd's confinement gives) and
// that the allowed thing works. Skipped when not root (namespaces need it).
import Foundation
import XCTest
import UsherSys

final class SandboxIntegrationTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(Users.effectiveUID == 0, "namespaces and mounts need usherd to run as root")
    }

    /// An enabled oneshot, so started at boot, whose output (one "ACTION ARG: RESULT" line per try) goes to a file.
    func probeService(_ harness: UsherdHarness, _ name: String, settings: String, actions: String,
                      pre: String? = nil) throws -> String {
        let out = harness.root + "/\(name).out"
        let preLine = pre.map { "ExecStartPre=\(UsherdHarness.probePath) fs \($0)\n" } ?? ""
        try harness.write("\(name).service", """
            [Service]
            Type=oneshot
            StandardOutput=append:\(out)
            \(settings)
            \(preLine)ExecStart=\(UsherdHarness.probePath) fs \(actions)
            [Install]
            WantedBy=multi-user.target
            """)
        try harness.enable("\(name).service")
        return out
    }

    /// "ACTION ARG" → "RESULT" from a probe output file, once the service has finished.
    func results(_ harness: UsherdHarness, _ name: String, _ out: String) throws -> [String: String] {
        try harness.waitForLog("\(name).service: Deactivated successfully.")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        var map: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.range(of: ": ") else { continue }
            map[String(line[..<colon.lowerBound])] = String(line[colon.upperBound...])
        }
        return map
    }

    func testProtectSystemStrictRefusesWritesToUsrButReadWritePathsStayWritable() throws {
        let harness = try UsherdHarness()
        let writable = harness.root + "/state"
        try FileManager.default.createDirectory(atPath: writable, withIntermediateDirectories: true)
        let forbidden = "/usr/usher-probe-\(UUID().uuidString.prefix(8))"
        let out = try probeService(harness, "strict",
                                   settings: "ProtectSystem=strict\nReadWritePaths=\(writable)\nProtectKernelTunables=yes",
                                   actions: "write \(forbidden) write /etc/usher-probe-x write \(writable)/ok "
                                       + "write /proc/sys/kernel/hostname cat /proc/sys/kernel/hostname")
        try harness.start()
        let r = try results(harness, "strict", out)
        XCTAssertEqual(r["write \(forbidden)"], "EROFS")
        XCTAssertEqual(r["write /etc/usher-probe-x"], "EROFS")
        XCTAssertEqual(r["write \(writable)/ok"], "ok")
        XCTAssertEqual(r["write /proc/sys/kernel/hostname"], "EROFS")
        XCTAssertEqual(r["cat /proc/sys/kernel/hostname"], "ok " + ProcessInfo.processInfo.hostName)
        XCTAssertTrue(FileManager.default.fileExists(atPath: writable + "/ok"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: forbidden))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAcceptYesInstancesAreConfinedAndEachGetsAFreshTmp() throws {
        let harness = try UsherdHarness()
        // Not under /tmp, which PrivateTmp= replaces.
        let writable = "/run/usher-probe-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: writable, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: writable) }
        let port = try harness.serve("conn", accept: true, service: """
            [Service]
            StandardInput=socket
            ProtectSystem=strict
            PrivateTmp=yes
            PrivateNetwork=yes
            ReadWritePaths=\(writable)
            \(UsherdHarness.probeBinding)
            ExecStart=\(UsherdHarness.probePath) fs write /usr/usher-probe-conn write \(writable)/conn cat /tmp/seen write /tmp/seen interfaces
            """)
        let first = try Client.tcp(port: port)
        XCTAssertTrue(first.contains("write /usr/usher-probe-conn: EROFS\n"), first)
        XCTAssertTrue(first.contains("write \(writable)/conn: ok\n"), first)
        XCTAssertTrue(first.contains("cat /tmp/seen: ENOENT\nwrite /tmp/seen: ok\n"), first)
        XCTAssertTrue(first.hasSuffix("interfaces: ok lo\n"), "the connection is served from a network namespace with only lo: \(first)")
        let second = try Client.tcp(port: port)
        XCTAssertTrue(second.contains("cat /tmp/seen: ENOENT\n"), "each instance has its own /tmp: \(second)")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testProtectHomeYesHidesHomeWhileAnUnconfinedServiceSeesIt() throws {
        let home = "/home/usher-probe-\(UUID().uuidString.prefix(8))"
        try Data("secret\n".utf8).write(to: URL(fileURLWithPath: home))
        defer { try? FileManager.default.removeItem(atPath: home) }
        let harness = try UsherdHarness()
        let hidden = try probeService(harness, "hidden", settings: "ProtectHome=yes", actions: "cat \(home) write /home/x")
        let open = try probeService(harness, "open", settings: "", actions: "cat \(home)")
        try harness.start()
        let r = try results(harness, "hidden", hidden)
        XCTAssertEqual(r["cat \(home)"], "ENOENT")
        XCTAssertEqual(r["write /home/x"], "EROFS")
        XCTAssertEqual(try results(harness, "open", open)["cat \(home)"], "ok secret")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// With more listeners than a service's RLIMIT_NOFILE soft limit (1024), usherd's fds fill the
    /// child's low numbers until exec: the namespace steps, which open fds, still work.
    func testNamespacesAreBuiltWhileUsherdHoldsMoreFDsThanTheServicesLimit() throws {
        let harness = try UsherdHarness()
        try harness.write("idle.service", "[Service]\nExecStart=/bin/sleep 1000\n")
        for index in 0..<1100 {
            try harness.write("many\(index).socket", "[Socket]\nListenStream=\(harness.runDirectory)/many\(index).sock\nService=idle.service\n")
        }
        let out = try probeService(harness, "crowded", settings: "PrivateTmp=yes\nProtectSystem=strict\n\(UsherdHarness.probeBinding)",
                                   actions: "write /tmp/x write /usr/usher-probe-crowded")
        try harness.start()
        let r = try results(harness, "crowded", out)
        XCTAssertEqual(r["write /tmp/x"], "ok")
        XCTAssertEqual(r["write /usr/usher-probe-crowded"], "EROFS")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testPrivateTmpIsSharedByTheRunsProcessesHidesTheHostsAndVanishesAfterStop() throws {
        let harness = try UsherdHarness()
        let marker = "/tmp/usher-probe-host-\(UUID().uuidString.prefix(8))"
        try Data("host\n".utf8).write(to: URL(fileURLWithPath: marker))
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let inside = "/tmp/usher-probe-inside-\(UUID().uuidString.prefix(8))"
        let out = try probeService(harness, "ptmp", settings: "PrivateTmp=yes\n\(UsherdHarness.probeBinding)",
                                   actions: "exists \(marker) cat \(inside) write /var/tmp/usher-probe-v",
                                   pre: "write \(inside)")
        let before = UsherdHarness.privateTmpDirectories(of: "ptmp.service")
        try harness.start()
        let r = try results(harness, "ptmp", out)
        XCTAssertEqual(r["write \(inside)"], "ok")
        XCTAssertEqual(r["cat \(inside)"], "ok probe", "ExecStartPre= and ExecStart= share the run's /tmp")
        XCTAssertEqual(r["exists \(marker)"], "ENOENT")
        XCTAssertEqual(r["write /var/tmp/usher-probe-v"], "ok")
        XCTAssertFalse(FileManager.default.fileExists(atPath: inside))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/tmp/usher-probe-v"))
        try eventually("the run's private tmp directories to be removed", timeout: 5) {
            UsherdHarness.privateTmpDirectories(of: "ptmp.service").subtracting(before).isEmpty
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testPrivateNetworkSeesOnlyLoopbackButThePassedSocketStillServes() throws {
        let harness = try UsherdHarness()
        let out = harness.root + "/net.out"
        let port = try harness.serve("net", service: """
            [Service]
            PrivateNetwork=yes
            StandardOutput=append:\(out)
            ExecStartPre=\(UsherdHarness.probePath) fs interfaces netns
            ExecStart=\(harness.probeCommand(label: "net"))
            ExecStartPost=\(UsherdHarness.probePath) fs netns
            """)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 net.socket\n")
        let hostNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        try eventually("ExecStartPost= to report", timeout: 5) {
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").components(separatedBy: "netns").count == 3
        }
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "interfaces: ok lo")
        let namespaces = lines.filter { $0.hasPrefix("netns: ok ") }
        XCTAssertEqual(namespaces.count, 2)
        XCTAssertEqual(Set(namespaces).count, 1, "the run's processes share one network namespace: \(lines)")
        XCTAssertNotEqual(namespaces.first, "netns: ok \(hostNamespace)")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// systemd 252: a UTS namespace of its own, and sethostname()/setdomainname() refused in it.
    func testProtectHostnameGivesAUTSNamespaceWhereTheHostnameCannotBeChanged() throws {
        let host = ProcessInfo.processInfo.hostName
        let hostNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/uts")
        let harness = try UsherdHarness()
        let out = try probeService(harness, "uts", settings: "ProtectHostname=yes",
                                   actions: "sethostname usher-probe-uts hostname utsns")
        let free = try probeService(harness, "free", settings: "", actions: "utsns")
        try harness.start()
        let r = try results(harness, "uts", out)
        XCTAssertEqual(r["sethostname usher-probe-uts"], "EPERM")
        XCTAssertEqual(r["hostname"], "ok \(host)")
        XCTAssertNotEqual(r["utsns"], "ok \(hostNamespace)", "a UTS namespace of its own")
        XCTAssertEqual(try results(harness, "free", free)["utsns"], "ok \(hostNamespace)", "the control shares the host's")
        XCTAssertEqual(ProcessInfo.processInfo.hostName, host)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testInaccessiblePathsHideAndBindReadOnlyPathsShowWithoutWrites() throws {
        let harness = try UsherdHarness()
        let secret = harness.root + "/secret", source = harness.root + "/source", bound = harness.root + "/bound"
        for directory in [secret, source] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try Data("s\n".utf8).write(to: URL(fileURLWithPath: secret + "/file"))
        try Data("b\n".utf8).write(to: URL(fileURLWithPath: source + "/file"))
        let out = try probeService(harness, "paths",
                                   settings: "InaccessiblePaths=\(secret) -/no/such/path\nBindReadOnlyPaths=\(source):\(bound)",
                                   actions: "cat \(secret)/file write \(secret)/new cat \(bound)/file write \(bound)/new write \(source)/new")
        try harness.start()
        let r = try results(harness, "paths", out)
        XCTAssertEqual(r["cat \(secret)/file"], "ENOENT")
        XCTAssertEqual(r["write \(secret)/new"], "EROFS")
        XCTAssertEqual(r["cat \(bound)/file"], "ok b")
        XCTAssertEqual(r["write \(bound)/new"], "EROFS")
        XCTAssertEqual(r["write \(source)/new"], "ok")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testPrivateDevicesTemporaryFileSystemAndProtectProcShowOnlyWhatIsAllowed() throws {
        let harness = try UsherdHarness()
        let out = try probeService(harness, "views", settings: """
            User=nobody
            PrivateDevices=yes
            TemporaryFileSystem=/mnt:ro
            ProtectProc=invisible
            """, actions: "list /dev write /dev/null list /mnt write /mnt/x exists /proc/1 exists /proc/self/status")
        try harness.start()
        let r = try results(harness, "views", out)
        let devices = Set((r["list /dev"] ?? "").split(separator: " ").map(String.init))
        XCTAssertTrue(devices.isSuperset(of: ["ok", "null", "zero", "urandom", "pts", "shm"]), "\(devices)")
        XCTAssertTrue(devices.isDisjoint(with: ["kmsg", "mem", "sda", "vda", "nvme0n1"]), "\(devices)")
        XCTAssertEqual(r["write /dev/null"], "ok")
        XCTAssertEqual(r["list /mnt"], "ok ")
        XCTAssertEqual(r["write /mnt/x"], "EROFS")
        XCTAssertEqual(r["exists /proc/1"], "ENOENT", "hidepid=invisible hides other users' processes")
        XCTAssertEqual(r["exists /proc/self/status"], "ok")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testCredentialsAreReadableByTheServiceUserReadOnlyAndRemovedAfterStop() throws {
        let harness = try UsherdHarness()
        let file = harness.root + "/token"
        try Data("from-file".utf8).write(to: URL(fileURLWithPath: file))
        let out = try probeService(harness, "creds", settings: "User=nobody\nLoadCredential=token:\(file)\nSetCredential=motd:hi",
                                   actions: "cat ${CREDENTIALS_DIRECTORY}/token cat ${CREDENTIALS_DIRECTORY}/motd "
                                       + "write ${CREDENTIALS_DIRECTORY}/token chmod-write ${CREDENTIALS_DIRECTORY}/motd "
                                       + "write ${CREDENTIALS_DIRECTORY}/new")
        try harness.start()
        let r = try results(harness, "creds", out)
        let directory = harness.root + "/rt/credentials/creds.service"
        XCTAssertEqual(r["cat \(directory)/token"], "ok from-file")
        XCTAssertEqual(r["cat \(directory)/motd"], "ok hi")
        XCTAssertEqual(r["write \(directory)/token"], "EROFS")
        XCTAssertEqual(r["chmod-write \(directory)/motd"], "EROFS")
        XCTAssertEqual(r["write \(directory)/new"], "EROFS")
        try eventually("the credentials directory to be removed", timeout: 5) { !FileManager.default.fileExists(atPath: directory) }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAnUnenforcedProtectionWarnsInStatusAndStrictSandboxingRefusesTheUnit() throws {
        let unit = "[Service]\nExecStart=/bin/sleep 30\nProtectSystem=full\nDeviceAllow=/dev/null rw\n"
        let lenient = try UsherdHarness()
        try lenient.write("dev.service", unit)
        try lenient.start()
        let status = try lenient.usherctl(["status", "dev.service"])
        XCTAssertTrue(status.output.contains("protection not enforced: DeviceAllow="), status.output)
        XCTAssertEqual(try lenient.stop(), 0)

        let strict = try UsherdHarness()
        try strict.write("dev.service", unit)
        try strict.write("fine.service", "[Service]\nExecStart=/bin/sleep 30\nProtectSystem=full\n")
        try strict.start(extraArguments: ["--strict-sandboxing"])
        let refused = try strict.usherctl(["status", "dev.service"])
        XCTAssertTrue(refused.output.contains("Protection not enforced by usherd: DeviceAllow=. Refusing"), refused.output)
        let fine = try strict.usherctl(["show", "--unit-dir", strict.unitDirectory, "fine.service"])
        XCTAssertTrue(fine.output.contains("ProtectionsEnforced=ProtectSystem\n"), fine.output)
        XCTAssertTrue(fine.output.contains("LoadState=loaded") || fine.output.contains("ActiveState="), fine.output)
        XCTAssertEqual(try strict.stop(), 0)
    }
}
