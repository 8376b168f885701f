// Privileges and system call restrictions under a real usherd running as
// root: each test starts the probe (`usher-probe sys`) as a service with the
// protection and, as the control, without it, and checks from inside that the
// forbidden call really fails while the allowed one really works.
import Foundation
import XCTest
import UsherSys

final class PrivilegesIntegrationTests: XCTestCase {
    static let eperm = -1, enoent = -2, esrch = -3, eacces = -13, eafnosupport = -97

    /// Writes one boot-started service per entry (label → [Service] lines), starts usherd,
    /// and returns each probe's results (check → value) once its run is complete.
    func probe(_ services: [String: String], checks: String, hold: Int = 0,
               harness given: UsherdHarness? = nil) throws -> [String: [String: String]] {
        let harness = try given ?? UsherdHarness()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: harness.outDirectory)
        for (label, settings) in services {
            try harness.write("\(label).service", """
                [Service]
                \(settings)
                ExecStart=\(UsherdHarness.probePath) sys --dir \(harness.outDirectory) --label \(label) --hold-ms \(hold) \(checks)
                [Install]
                WantedBy=multi-user.target
                """)
            try harness.enable("\(label).service")
        }
        try harness.start()
        var results: [String: [String: String]] = [:]
        for label in services.keys {
            try eventually("\(label) finished its checks", timeout: 20) { sysReport(harness, label)["done"] != nil }
            results[label] = sysReport(harness, label)
        }
        return results
    }

    func sysReport(_ harness: UsherdHarness, _ label: String) -> [String: String] {
        let text = (try? String(contentsOfFile: "\(harness.outDirectory)/\(label).sys", encoding: .utf8)) ?? ""
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }

    func requireRoot() throws {
        try XCTSkipUnless(Users.effectiveUID == 0, "these protections need usherd to run as root")
    }

    func testRestrictAddressFamiliesRefusesInet6WhileUnixWorks() throws {
        try requireRoot()
        let harness = try UsherdHarness()
        let results = try probe(["confined": "RestrictAddressFamilies=AF_UNIX", "free": ""],
                                checks: "socket-unix socket-inet6 socket-inet", harness: harness)
        try XCTSkipUnless(results["free"]?["socket-inet6"] == "0", "no IPv6 in this kernel")
        XCTAssertEqual(results["confined"]?["socket-unix"], "0")
        XCTAssertEqual(results["confined"]?["socket-inet6"], "\(Self.eafnosupport)")
        XCTAssertEqual(results["confined"]?["socket-inet"], "\(Self.eafnosupport)")
        XCTAssertEqual(results["free"]?["socket-inet"], "0")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testSystemServiceFilterRefusesPtraceAndMountWhileFileIOWorks() throws {
        try requireRoot()
        let harness = try UsherdHarness()
        let results = try probe(["filtered": "SystemCallFilter=@system-service\nSystemCallErrorNumber=EPERM", "free": ""],
                                checks: "file-io=\(harness.outDirectory) socket-unix ptrace mount status",
                                harness: harness)
        XCTAssertEqual(results["filtered"]?["file-io"], "0")
        XCTAssertEqual(results["filtered"]?["socket-unix"], "0")
        XCTAssertEqual(results["filtered"]?["ptrace"], "\(Self.eperm)")
        XCTAssertEqual(results["filtered"]?["mount"], "\(Self.eperm)")
        XCTAssertEqual(results["filtered"]?["status.Seccomp"], "2")
        // Without the filter the same calls reach the kernel, which answers otherwise.
        XCTAssertEqual(results["free"]?["ptrace"], "\(Self.esrch)")
        XCTAssertEqual(results["free"]?["mount"], "\(Self.enoent)")
        XCTAssertEqual(results["free"]?["status.Seccomp"], "0")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// Logging is not refusing: a logged call still reaches the kernel, which records it
    /// (audit type 1326, action 0x7ffc0000 = SECCOMP_RET_LOG) in its log.
    func testSystemCallLogLetsTheLoggedCallThroughAndTheKernelLogsIt() throws {
        try requireRoot()
        let results = try probe(["logged": "SystemCallLog=ptrace @mount"], checks: "pid ptrace mount status")
        XCTAssertEqual(results["logged"]?["status.Seccomp"], "2")
        XCTAssertEqual(results["logged"]?["ptrace"], "\(Self.esrch)")
        XCTAssertEqual(results["logged"]?["mount"], "\(Self.enoent)")
        let pid = try XCTUnwrap(results["logged"]?["pid"])
        let dmesg = Process()
        dmesg.executableURL = URL(fileURLWithPath: "/usr/bin/dmesg")
        let pipe = Pipe()
        dmesg.standardOutput = pipe
        dmesg.standardError = FileHandle.nullDevice
        try dmesg.run()
        let kernelLog = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        dmesg.waitUntilExit()
        try XCTSkipUnless(dmesg.terminationStatus == 0 && kernelLog.contains("type=1326"), "no seccomp audit records here")
        let logged = kernelLog.split(separator: "\n").filter { $0.contains(" pid=\(pid) ") && $0.contains("code=0x7ffc0000") }
        XCTAssertTrue(logged.contains { $0.contains("syscall=101 ") }, "ptrace (101) not logged")
    }

    func testAFilteredCallKillsTheProcessWithSIGSYSByDefault() throws {
        try requireRoot()
        let harness = try UsherdHarness()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: harness.outDirectory)
        try harness.write("killed.service", """
            [Service]
            SystemCallFilter=@system-service
            ExecStart=\(UsherdHarness.probePath) sys --dir \(harness.outDirectory) --label killed file-io=\(harness.outDirectory) ptrace socket-unix
            [Install]
            WantedBy=multi-user.target
            """)
        try harness.enable("killed.service")
        try harness.start()
        try harness.waitForLog("killed.service: Main process exited, code=killed, signal=SYS")
        try harness.waitForLog("killed.service: Failed with result 'signal'.")
        let report = sysReport(harness, "killed")
        XCTAssertEqual(report["file-io"], "0")
        XCTAssertNil(report["ptrace"])
        XCTAssertNil(report["done"])
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testBoundingSetLeavesOnlyTheListedCapability() throws {
        try requireRoot()
        let harness = try UsherdHarness()
        let port = try freeLowPort()
        let results = try probe(["bounded": "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "free": ""],
                                checks: "status socket-raw bind=\(port)", harness: harness)
        XCTAssertEqual(results["bounded"]?["status.CapBnd"], "0000000000000400")
        XCTAssertEqual(results["bounded"]?["status.CapEff"], "0000000000000400")
        XCTAssertEqual(results["bounded"]?["socket-raw"], "\(Self.eperm)")
        XCTAssertEqual(results["bounded"]?["bind"], "0")
        XCTAssertEqual(results["free"]?["socket-raw"], "0")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// A set-user-ID root copy of id(1): run as nobody, it becomes root, unless NoNewPrivileges=.
    func testNoNewPrivilegesKeepsASetUIDBinaryFromGainingRoot() throws {
        try requireRoot()
        let harness = try UsherdHarness()
        let suid = harness.root + "/id-suid"
        try FileManager.default.copyItem(atPath: "/usr/bin/id", toPath: suid)
        try FileManager.default.setAttributes([.posixPermissions: 0o4755], ofItemAtPath: suid)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: harness.outDirectory)
        for (label, extra) in [("nnp", "NoNewPrivileges=yes\n"), ("plain", "")] {
            try harness.write("\(label).service", """
                [Service]
                Type=oneshot
                User=nobody
                \(extra)StandardOutput=truncate:\(harness.outDirectory)/\(label).id
                ExecStart=\(suid) -u
                [Install]
                WantedBy=multi-user.target
                """)
        }
        try harness.enable("nnp.service", "plain.service")
        try harness.start()
        let nobody = try Users.user("nobody")
        let read = { (label: String) in
            ((try? String(contentsOfFile: "\(harness.outDirectory)/\(label).id", encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try eventually("both ran id", timeout: 15) { !read("nnp").isEmpty && !read("plain").isEmpty }
        XCTAssertEqual(read("nnp"), "\(nobody.uid)")
        XCTAssertEqual(read("plain"), "0")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAmbientNetBindServiceLetsANonRootUserBindALowPort() throws {
        try requireRoot()
        let start = Int((try? readSmallFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"))?.filter(\.isNumber) ?? "") ?? 1024
        let port = try freeLowPort()
        try XCTSkipUnless(Int(port) < start, "unprivileged users may bind port \(port) here anyway")
        let results = try probe(["ambient": "User=nobody\nAmbientCapabilities=CAP_NET_BIND_SERVICE", "plain": "User=nobody"],
                                checks: "uid bind=\(port) status")
        let nobody = try Users.user("nobody")
        XCTAssertEqual(results["ambient"]?["uid"], "\(nobody.uid)")
        XCTAssertEqual(results["ambient"]?["bind"], "0")
        XCTAssertEqual(results["ambient"]?["status.CapAmb"], "0000000000000400")
        XCTAssertEqual(results["plain"]?["uid"], "\(nobody.uid)")
        XCTAssertEqual(results["plain"]?["bind"], "\(Self.eacces)")
    }

    func testDynamicUsersAreUniqueWhileRunningAndReleasedAfterStop() throws {
        try requireRoot()
        let harness = try UsherdHarness()
        let claims = harness.root + "/rt/dynamic-uid"
        let results = try probe(["alpha": "DynamicUser=yes\nBindPaths=\(harness.outDirectory)\n\(UsherdHarness.probeBinding)",
                                 "beta": "DynamicUser=yes\nBindPaths=\(harness.outDirectory)\n\(UsherdHarness.probeBinding)"],
                                checks: "uid gid env status", hold: 1500, harness: harness)
        let uids = ["alpha", "beta"].compactMap { results[$0]?["uid"].flatMap { UInt32($0) } }
        XCTAssertEqual(uids.count, 2)
        XCTAssertNotEqual(uids.first, uids.last)
        for (label, uid) in zip(["alpha", "beta"], uids) {
            XCTAssertTrue(DynamicUserRange.contains(uid), "\(uid)")
            XCTAssertEqual(results[label]?["gid"], "\(uid)")
            XCTAssertEqual(results[label]?["env.USER"], label)
            XCTAssertEqual(results[label]?["env.HOME"], "/")
            XCTAssertEqual(results[label]?["status.NoNewPrivs"], "1")
        }
        // While they run, each uid is claimed; once they exit, both are free again.
        XCTAssertEqual(Set(directoryEntryNames(claims).compactMap { UInt32($0) }).intersection(uids).count, 2)
        try eventually("both dynamic users released", timeout: 15) {
            directoryEntryNames(claims).compactMap { UInt32($0) }.filter(uids.contains).isEmpty
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testMemoryDenyWriteExecuteRefusesMakingWritableMemoryExecutable() throws {
        try requireRoot()
        let results = try probe(["mdwe": "MemoryDenyWriteExecute=yes", "free": ""],
                                checks: "mprotect-exec mmap-write-exec socket-unix")
        XCTAssertEqual(results["mdwe"]?["mprotect-exec"], "\(Self.eperm)")
        XCTAssertEqual(results["mdwe"]?["mmap-write-exec"], "\(Self.eperm)")
        XCTAssertEqual(results["mdwe"]?["socket-unix"], "0")
        XCTAssertEqual(results["free"]?["mprotect-exec"], "0")
        XCTAssertEqual(results["free"]?["mmap-write-exec"], "0")
    }

    func testNamespaceSUIDRealtimePersonalityAndClockRestrictionsEachRefuseTheirCall() throws {
        try requireRoot()
        let harness = try UsherdHarness()
        let settings = """
            RestrictNamespaces=yes
            RestrictSUIDSGID=yes
            RestrictRealtime=yes
            LockPersonality=yes
            ProtectClock=yes
            """
        let checks = "unshare-net chmod-suid=\(harness.outDirectory) realtime personality adjtimex file-io=\(harness.outDirectory) status"
        let results = try probe(["restricted": settings, "free": ""], checks: checks, harness: harness)
        for check in ["unshare-net", "chmod-suid", "realtime", "personality", "adjtimex"] {
            XCTAssertEqual(results["restricted"]?[check], "\(Self.eperm)", check)
            XCTAssertNotEqual(results["free"]?[check], "\(Self.eperm)", check)
        }
        XCTAssertEqual(results["restricted"]?["file-io"], "0")
        // ProtectClock= also takes CAP_SYS_TIME (25) and CAP_WAKE_ALARM (35) out of the bounding set.
        let bounding = UInt64(results["restricted"]?["status.CapBnd"] ?? "", radix: 16) ?? 0
        XCTAssertEqual(bounding & (1 << 25 | 1 << 35), 0)
        XCTAssertNotEqual(bounding & 1 << 21, 0)
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// The filter is compiled once for the template; every instance runs under it, as the
    /// template's one dynamic user.
    func testAcceptYesInstancesRunUnderTheTemplatesRestrictionsAndDynamicUser() throws {
        try requireRoot()
        let harness = try UsherdHarness()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: harness.outDirectory)
        let port = try harness.serve("inst", accept: true, service: """
            [Service]
            StandardInput=socket
            DynamicUser=yes
            BindPaths=\(harness.outDirectory)
            \(UsherdHarness.probeBinding)
            RestrictAddressFamilies=AF_UNIX
            CapabilityBoundingSet=CAP_NET_BIND_SERVICE
            SystemCallFilter=@system-service
            SystemCallErrorNumber=EPERM
            ExecStart=\(UsherdHarness.probePath) sys --dir \(harness.outDirectory) --label inst-%i uid socket-unix socket-inet6 ptrace status
            """)
        for round in 1...2 {
            _ = try? Client.tcp(port: port)
            try eventually("instance \(round) finished its checks", timeout: 15) {
                reportsDone(harness, prefix: "inst-") >= round
            }
        }
        let reports = sysReports(harness, prefix: "inst-")
        let uids = Set(reports.compactMap { $0["uid"].flatMap { UInt32($0) } })
        XCTAssertEqual(uids.count, 1, "\(uids)")
        XCTAssertTrue(uids.allSatisfy(DynamicUserRange.contains), "\(uids)")
        for report in reports {
            XCTAssertEqual(report["socket-unix"], "0")
            XCTAssertEqual(report["socket-inet6"], "\(Self.eafnosupport)")
            XCTAssertEqual(report["ptrace"], "\(Self.eperm)")
            XCTAssertEqual(report["status.CapBnd"], "0000000000000400")
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func sysReports(_ harness: UsherdHarness, prefix: String) -> [[String: String]] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: harness.outDirectory)) ?? []
        return files.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".sys") }.map {
            sysReport(harness, String($0.dropLast(4)))
        }
    }

    func reportsDone(_ harness: UsherdHarness, prefix: String) -> Int {
        sysReports(harness, prefix: prefix).filter { $0["done"] != nil }.count
    }

    let DynamicUserRange: ClosedRange<UInt32> = 61184...65519

    /// A port below 1024 nothing listens on (root can check by binding it).
    func freeLowPort() throws -> UInt16 {
        for port in UInt16(900)..<1000 {
            guard let address = SocketAddress.ipv4("127.0.0.1", port: port) else { continue }
            do {
                let fd = try Socket.open(family: AF_INET, kind: .stream, object: "low port")
                try Socket.bind(fd, to: address)
                return port
            } catch {
                continue
            }
        }
        throw HarnessError(description: "no free port below 1000")
    }
}
