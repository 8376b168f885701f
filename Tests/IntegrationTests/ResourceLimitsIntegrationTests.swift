// Resource limits on a real usherd: every service process (Accept=no main and
// ExecStartPre=, Accept=yes instances) starts with systemd's defaults —
// RLIMIT_NOFILE 1024:524288, RLIMIT_MEMLOCK 8M, the rest as usherd was started
// with — not with the NOFILE usherd raised for itself; Limit*= overrides them
// with systemd's units.
import Foundation
import XCTest
import UsherSys

final class ResourceLimitsIntegrationTests: XCTestCase {
    /// What the probe reports for `name`: [soft, hard], -1 for infinity.
    private func limit(_ report: [String: Any], _ name: String) -> [Int64] {
        ((report["limits"] as? [String: Any])?[name] as? [NSNumber])?.map(\.int64Value) ?? []
    }

    private func own(_ resource: Int32) -> [Int64] {
        let pair = ProcessLimits.current()[Int(resource)]
        return [pair.soft, pair.hard].map { $0 == UInt64.max ? -1 : Int64(clamping: $0) }
    }

    private var expectedOpenFiles: [Int64] {
        let ceiling = ProcessLimits.mayRaiseHardLimits ? ProcessLimits.kernelOpenFilesCeiling : ProcessLimits.current()[7].hard
        let hard = Int64(min(524_288, ceiling))
        return [min(1024, hard), hard]
    }

    /// `wanted` as a child of usherd gets it: without CAP_SYS_RESOURCE systemd's
    /// setrlimit_closest() lowers both values to the hard limit usherd has (the test's own).
    private func granted(_ wanted: [Int64], _ resource: Int32) -> [Int64] {
        guard !ProcessLimits.mayRaiseHardLimits else { return wanted }
        let hard = own(resource)[1]
        guard hard >= 0 else { return wanted }
        return wanted.map { $0 < 0 ? hard : min($0, hard) }
    }

    func testEveryKindOfServiceProcessStartsWithSystemdsDefaultLimitsNotUsherdsOwn() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("plain", service: """
            [Service]
            ExecStartPre=\(harness.probeCommand(label: "pre", "--no-serve"))
            ExecStart=\(harness.probeCommand(label: "main"))
            """)
        let usherdLimits = try String(contentsOfFile: "/proc/\(harness.pid)/limits", encoding: .utf8)
        let openFilesLine = usherdLimits.split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
        let usherdOpenFiles = openFilesLine.split(separator: " ").compactMap { Int64($0) }
        XCTAssertEqual(usherdOpenFiles.count, 2)
        XCTAssertEqual(usherdOpenFiles.first, usherdOpenFiles.last, "usherd raises its own soft NOFILE to the hard limit")

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 plain.socket\n")
        for label in ["pre", "main"] {
            let report = try harness.waitForReport(label: label)
            XCTAssertEqual(limit(report, "NOFILE"), expectedOpenFiles, label)
            XCTAssertEqual(limit(report, "MEMLOCK"), granted([8 << 20, 8 << 20], 8), label)
            for (name, resource) in [("STACK", Int32(3)), ("CORE", 4), ("NPROC", 6), ("CPU", 0)] {
                XCTAssertEqual(limit(report, name), own(resource), "\(label) \(name) is what usherd was started with")
            }
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAcceptYesInstanceStartsWithSystemdsDefaultLimits() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("inst", accept: true, service: """
            [Service]
            StandardInput=socket
            ExecStart=\(harness.probeCommand(label: "inst"))
            """)
        XCTAssertEqual(try Client.tcp(port: port), "ok\n")
        let report = try harness.waitForReport(label: "inst")
        XCTAssertEqual(limit(report, "NOFILE"), expectedOpenFiles)
        XCTAssertEqual(limit(report, "MEMLOCK"), granted([8 << 20, 8 << 20], 8))
        XCTAssertEqual(limit(report, "STACK"), own(3))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testLimitSettingsTakeSystemdsSoftHardSyntaxAndUnits() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("lim", service: """
            [Service]
            LimitNOFILE=4096:8192
            LimitCPU=1min 30s
            LimitNICE=+5
            LimitCORE=infinity
            LimitMEMLOCK=64K
            LimitRTTIME=2s:infinity
            LimitFSIZE=1G
            LimitSTACK=4M:infinity
            LimitMSGQUEUE=bogus
            ExecStart=\(harness.probeCommand(label: "lim"))
            """)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 lim.socket\n")
        let report = try harness.waitForReport(label: "lim")
        XCTAssertEqual(limit(report, "NOFILE"), granted([4096, 8192], 7))
        XCTAssertEqual(limit(report, "CPU"), granted([90, 90], 0))
        XCTAssertEqual(limit(report, "NICE"), granted([15, 15], 13))
        XCTAssertEqual(limit(report, "CORE"), granted([-1, -1], 4))
        XCTAssertEqual(limit(report, "MEMLOCK"), granted([65536, 65536], 8))
        XCTAssertEqual(limit(report, "RTTIME"), granted([2_000_000, -1], 15))
        XCTAssertEqual(limit(report, "FSIZE"), granted([1 << 30, 1 << 30], 1))
        XCTAssertEqual(limit(report, "STACK"), granted([4 << 20, -1], 3))
        XCTAssertEqual(limit(report, "MSGQUEUE"), own(12), "a bad value is ignored, the default stays")
        XCTAssertTrue(harness.log.contains("Failed to parse resource value, ignoring: bogus"))
        XCTAssertEqual(try harness.stop(), 0)
    }
}
