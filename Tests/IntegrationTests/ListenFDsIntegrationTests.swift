// What a socket-activated service sees under a real usherd, checked by the
// probe calling libsystemd: fds, names, order and flags (conformance cases
// a, b, c1), LISTEN_PID, no stray fds, environment order and process state
// (systemd 252), NOTIFY_SOCKET for Type=notify (case k).
import XCTest
import UsherSys

final class ListenFDsIntegrationTests: XCTestCase {
    private func fds(_ report: [String: Any]) -> [[String: Any]] { report["fds"] as? [[String: Any]] ?? [] }

    func testSeveralListenLinesArePassedInOrderBlockingWithoutCloexecAndNamed() throws {
        let harness = try UsherdHarness()
        let tcp = try freePort(), udp = try freePort()
        try harness.write("web.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(tcp)
            ListenStream=\(harness.runDirectory)/web.sock
            ListenDatagram=127.0.0.1:\(udp)
            FileDescriptorName=web
            """)
        try harness.write("web.service", "[Service]\nExecStart=\(harness.probeCommand(label: "web", "--wait-ms 3000"))\n")
        try harness.start()

        XCTAssertEqual(try Client.tcp(port: tcp), "ok 3 web\n")
        XCTAssertEqual(try Client.unix(path: harness.runDirectory + "/web.sock"), "ok 4 web\n")
        XCTAssertEqual(try Client.udp(port: udp), "ok\n")
        let report = try harness.waitForReport(label: "web")
        XCTAssertEqual(report["LISTEN_FDS"] as? String, "3")
        XCTAssertEqual(report["LISTEN_FDNAMES"] as? String, "web:web:web")
        XCTAssertEqual(report["sd_listen_fds"] as? Int, 3)
        XCTAssertEqual(report["sd_listen_fds_names"] as? [String], ["web", "web", "web"])
        XCTAssertEqual(report["LISTEN_PID_matches_getpid"] as? Bool, true)
        let all = fds(report)
        XCTAssertEqual(all.compactMap { $0["fd"] as? Int }, [0, 1, 2, 3, 4, 5], "no other fd is open in the child")
        XCTAssertEqual(all[0]["target"] as? String, "/dev/null")
        XCTAssertEqual(all[0]["accmode"] as? String, "O_RDONLY")
        let passed = Array(all[3...])
        XCTAssertEqual(passed.compactMap { $0["FD_CLOEXEC"] as? Bool }, [false, false, false])
        XCTAssertEqual(passed.compactMap { $0["O_NONBLOCK"] as? Bool }, [false, false, false])
        XCTAssertEqual(passed.compactMap { $0["family"] as? String }, ["AF_INET", "AF_UNIX", "AF_INET"])
        XCTAssertEqual(passed.compactMap { $0["SO_ACCEPTCONN"] as? Int }, [1, 1, 0])
        XCTAssertEqual(passed.compactMap { $0["SO_REUSEADDR"] as? Int }, [1, 1, 1])
        XCTAssertEqual(passed[0]["sockname"] as? String, "127.0.0.1:\(tcp)")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testServiceNamedElsewhereGetsTheSocketUnitNameAsFdName() throws {
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("alpha.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nService=beta-backend.service\n")
        try harness.write("beta-backend.service", "[Service]\nExecStart=\(harness.probeCommand(label: "beta"))\n")
        try harness.start()

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 alpha.socket\n")
        let report = try harness.waitForReport(label: "beta")
        XCTAssertEqual(report["LISTEN_FDNAMES"] as? String, "alpha.socket")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testTwoSocketsFeedOneServiceInSocketsOrder() throws {
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("one.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nService=shared.service\n")
        try harness.write("two.socket", """
            [Socket]
            ListenStream=\(harness.runDirectory)/two.sock
            FileDescriptorName=second
            Service=shared.service
            """)
        try harness.write("shared.service", """
            [Service]
            Sockets=one.socket two.socket
            ExecStart=\(harness.probeCommand(label: "shared", "--wait-ms 3000"))
            """)
        try harness.start()

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 one.socket\n")
        XCTAssertEqual(try Client.unix(path: harness.runDirectory + "/two.sock"), "ok 4 second\n")
        let report = try harness.waitForReport(label: "shared")
        XCTAssertEqual(report["LISTEN_FDNAMES"] as? String, "one.socket:second")
        XCTAssertEqual(harness.reports(label: "shared").count, 1, "both sockets start one service")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testNonBlockingYesSetsONonblockOnPassedFds() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("nb",
                                     service: "[Service]\nNonBlocking=yes\nExecStart=\(harness.probeCommand(label: "nb"))\n")

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 nb.socket\n")
        let report = try harness.waitForReport(label: "nb")
        XCTAssertEqual(fds(report).last?["O_NONBLOCK"] as? Bool, true)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testEnvironmentOrderAndProcessStateMatchSystemd() throws {
        let harness = try UsherdHarness()
        try "FROM_FILE=yes\nSHARED=file\n".write(toFile: harness.root + "/env", atomically: true, encoding: .utf8)
        let port = try harness.serve("env", service: """
            [Service]
            Environment=FIRST=1 SHARED=unit DROPPED=x
            EnvironmentFile=\(harness.root)/env
            EnvironmentFile=-\(harness.root)/missing
            UnsetEnvironment=DROPPED
            ExecStart=\(harness.probeCommand(label: "env"))
            """)

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 env.socket\n")
        let report = try harness.waitForReport(label: "env")
        let environ = report["environ"] as? [String] ?? []
        let names = environ.map { String($0.prefix(while: { $0 != "=" })) }
        XCTAssertEqual(names, ["LANG", "PATH", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "INVOCATION_ID",
                               "SYSTEMD_EXEC_PID", "FIRST", "SHARED", "FROM_FILE"])
        XCTAssertTrue(environ.contains("SYSTEMD_EXEC_PID=\(report["pid"] as? Int ?? -1)"))
        XCTAssertTrue(environ.contains("SHARED=file"), "EnvironmentFile= overrides Environment=")
        let invocation = environ.first { $0.hasPrefix("INVOCATION_ID=") }?.dropFirst(14) ?? ""
        XCTAssertEqual(invocation.count, 32)
        XCTAssertTrue(invocation.allSatisfy { $0.isHexDigit })
        XCTAssertEqual(report["sid_is_self"] as? Bool, true)
        XCTAssertEqual(report["pgrp_is_self"] as? Bool, true)
        XCTAssertEqual(report["umask"] as? String, "0022")
        XCTAssertEqual(report["signal_mask"] as? [String], [])
        XCTAssertEqual(report["signals_ignored"] as? [String], ["SIGPIPE"])
        XCTAssertEqual(report["cwd"] as? String, "/")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testWorkingDirectoryIsHonouredAndAMissingOptionalOneFallsBackToRoot() throws {
        let harness = try UsherdHarness()
        let (present, missing) = (try freePort(), try freePort())
        try FileManager.default.createDirectory(atPath: harness.root + "/wd", withIntermediateDirectories: true)
        for (name, port, directory) in [("present", present, harness.root + "/wd"),
                                        ("missing", missing, "-" + harness.root + "/no-such-dir")] {
            try harness.write("\(name).socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n")
            try harness.write("\(name).service", """
                [Service]
                WorkingDirectory=\(directory)
                ExecStart=\(harness.probeCommand(label: name))
                """)
        }
        try harness.start()

        XCTAssertEqual(try Client.tcp(port: present), "ok 3 present.socket\n")
        XCTAssertEqual(try harness.waitForReport(label: "present")["cwd"] as? String, harness.root + "/wd")
        XCTAssertEqual(try Client.tcp(port: missing), "ok 3 missing.socket\n")
        XCTAssertEqual(try harness.waitForReport(label: "missing")["cwd"] as? String, "/")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testNotifyServiceGetsNotifySocketBeforeListenVariablesAndBecomesReady() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("ntf", service: """
            [Service]
            Type=notify
            ExecStart=\(harness.probeCommand(label: "ntf", "--notify --hold-ms 30000"))
            """)

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 ntf.socket\n")
        let report = try harness.waitForReport(label: "ntf")
        let names = (report["environ"] as? [String] ?? []).map { String($0.prefix(while: { $0 != "=" })) }
        XCTAssertEqual(Array(names.prefix(4)), ["LANG", "PATH", "NOTIFY_SOCKET", "LISTEN_PID"])
        XCTAssertEqual(report["NOTIFY_SOCKET"] as? String, harness.root + "/rt/notify")
        try harness.waitForLog("ntf.service: Service is ready.")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
