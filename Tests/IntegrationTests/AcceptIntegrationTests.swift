// Accept=yes under a real usherd, as systemd 252 did it (conformance cases d
// and d2): the inetd echo round trip over IPv4, IPv6 and AF_UNIX; what an
// inetd-style instance sees (connection on 0, 1, 2, REMOTE_*, no LISTEN_*);
// the fd 3 variant with LISTEN_FDS=1/connection; instance names and %i (also
// outside argv); exec failures; non-accepting listeners refused; no spawner
// thread before the first connection.
import XCTest
import UsherSys

final class AcceptIntegrationTests: XCTestCase {
    private func fds(_ report: [String: Any]) -> [[String: Any]] { report["fds"] as? [[String: Any]] ?? [] }

    private func startEcho(_ harness: UsherdHarness, v4: UInt16, v6: UInt16) throws {
        try harness.write("echo.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(v4)
            ListenStream=[::1]:\(v6)
            ListenStream=\(harness.runDirectory)/echo.sock
            Accept=yes
            """)
        try harness.write("echo@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")
        try harness.start()
    }

    func testInetdEchoRoundTripOverIPv4IPv6AndUnix() throws {
        let harness = try UsherdHarness()
        let v4 = try freePort(), v6 = try freePort()
        try startEcho(harness, v4: v4, v6: v6)

        XCTAssertEqual(try AcceptClient.ipv4(v4).exchange("hello v4\n", halfClose: true), "hello v4\n")
        XCTAssertEqual(try AcceptClient.ipv6(v6).exchange("hello v6\n", halfClose: true), "hello v6\n")
        XCTAssertEqual(try AcceptClient.unix(harness.runDirectory + "/echo.sock").exchange("hello unix\n", halfClose: true),
                       "hello unix\n")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(harness.log.contains("echo.socket: Accepted 3 connection(s), 0 active, 0 refused."), harness.log)
    }

    private func threadCount(_ pid: Int32) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count
    }

    func testTheFirstConnectionStartsTheOnlySpawnerThreadAnIdleUsherdHasNone() throws {
        let harness = try UsherdHarness()
        let v4 = try freePort(), v6 = try freePort()
        try startEcho(harness, v4: v4, v6: v6)
        let idle = try threadCount(harness.pid)
        XCTAssertEqual(idle, 1, "the loop's thread only")

        XCTAssertEqual(try AcceptClient.ipv4(v4).exchange("one\n", halfClose: true), "one\n")
        XCTAssertEqual(try threadCount(harness.pid), idle + 1, "one spawner thread, started by the first connection")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAnInstanceWithIgnoreSIGPIPENoIgnoresNoSignalAlthoughUsherdIgnoresSIGPIPE() throws {
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("pipe.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n")
        try harness.write("pipe@.service", """
            [Service]
            StandardInput=socket
            IgnoreSIGPIPE=no
            ExecStart=\(harness.probeCommand(label: "pipe"))
            """)
        try harness.start()

        XCTAssertEqual(try AcceptClient.ipv4(port).exchange(), "ok\n")
        let report = try harness.waitForReport(label: "pipe")
        XCTAssertEqual(report["signals_ignored"] as? [String], [], "the child resets the dispositions usherd changed")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testInetdInstanceGetsTheConnectionOnStdioWithRemoteAddressAndNoListenVariables() throws {
        let harness = try UsherdHarness()
        let v4 = try freePort(), v6 = try freePort()
        try harness.write("foo.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(v4)
            ListenStream=[::1]:\(v6)
            ListenStream=\(harness.runDirectory)/foo.sock
            Accept=yes
            """)
        try harness.write("foo@.service", "[Service]\nStandardInput=socket\nExecStart=\(harness.probeCommand(label: "foo-%i"))\n")
        try harness.start()

        let first = try AcceptClient.ipv4(v4)
        XCTAssertEqual(try first.exchange(), "ok\n")
        let second = try AcceptClient.ipv6(v6)
        XCTAssertEqual(try second.exchange(), "ok\n")
        XCTAssertEqual(try AcceptClient.unix(harness.runDirectory + "/foo.sock").exchange(), "ok\n")

        let v4Label = "foo-0-127.0.0.1:\(v4)-127.0.0.1:\(first.port)"
        let v6Label = "foo-1-::1:\(v6)-::1:\(second.port)"
        let unixLabel = "foo-2-\(getpid())-\(getuid())"
        let reports = try harness.waitForReports(labelPrefix: "foo-", count: 3)
        XCTAssertEqual(Set(reports.keys), [v4Label, v6Label, unixLabel])
        let v4Report = try XCTUnwrap(reports[v4Label])
        XCTAssertEqual(nonBoringEnvironment(v4Report), ["REMOTE_ADDR=127.0.0.1", "REMOTE_PORT=\(first.port)",
                                                        "INVOCATION_ID=<varies>", "SYSTEMD_EXEC_PID=<varies>"])
        XCTAssertEqual(fds(v4Report).compactMap { $0["fd"] as? Int }, [0, 1, 2])
        for fd in fds(v4Report) {
            XCTAssertEqual(fd["type"] as? String, "socket")
            XCTAssertEqual(fd["SO_ACCEPTCONN"] as? Int, 0)
            XCTAssertEqual(fd["sockname"] as? String, "127.0.0.1:\(v4)")
            XCTAssertEqual(fd["O_NONBLOCK"] as? Bool, false)
            XCTAssertEqual(fd["FD_CLOEXEC"] as? Bool, false)
        }
        XCTAssertEqual(v4Report["LISTEN_FDS"] as? NSNull, NSNull())
        XCTAssertEqual(v4Report["signal_mask"] as? [String], [])
        XCTAssertEqual(v4Report["signals_ignored"] as? [String], ["SIGPIPE"], "IgnoreSIGPIPE=yes and nothing else")
        let v6Report = try XCTUnwrap(reports[v6Label])
        XCTAssertEqual(nonBoringEnvironment(v6Report), ["REMOTE_ADDR=::1", "REMOTE_PORT=\(second.port)",
                                                        "INVOCATION_ID=<varies>", "SYSTEMD_EXEC_PID=<varies>"])
        let unixReport = try XCTUnwrap(reports[unixLabel])
        XCTAssertEqual(nonBoringEnvironment(unixReport), ["INVOCATION_ID=<varies>", "SYSTEMD_EXEC_PID=<varies>"],
                       "no REMOTE_* for AF_UNIX peers on 252")
        XCTAssertEqual(fds(unixReport).compactMap { $0["family"] as? String }, ["AF_UNIX", "AF_UNIX", "AF_UNIX"])
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testConnectionIsFD3WithListenVariablesWhenNotInetdStyle() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("bar", socket: "FileDescriptorName=ignored\n", accept: true,
                                     service: "[Service]\nExecStart=\(harness.probeCommand(label: "bar-%i"))\n")

        let clients = try (0..<2).map { _ in
            let client = try AcceptClient.ipv4(port)
            XCTAssertEqual(try client.exchange(), "ok\n")
            return client
        }
        let reports = try harness.waitForReports(labelPrefix: "bar-", count: 2)
        for (number, client) in clients.enumerated() {
            let report = try XCTUnwrap(reports["bar-\(number)-127.0.0.1:\(port)-127.0.0.1:\(client.port)"],
                                       "instance \(number) named as systemd 252 names it: \(reports.keys)")
            XCTAssertEqual(nonBoringEnvironment(report), [
                "REMOTE_ADDR=127.0.0.1", "REMOTE_PORT=\(client.port)", "LISTEN_PID=<varies>", "LISTEN_FDS=1",
                "LISTEN_FDNAMES=connection", "INVOCATION_ID=<varies>", "SYSTEMD_EXEC_PID=<varies>",
            ])
            XCTAssertEqual(report["sd_listen_fds_names"] as? [String], ["connection"])
            XCTAssertEqual(report["LISTEN_PID_matches_getpid"] as? Bool, true)
            let all = fds(report)
            XCTAssertEqual(all.compactMap { $0["fd"] as? Int }, [0, 1, 2, 3])
            XCTAssertEqual(all[0]["target"] as? String, "/dev/null")
            XCTAssertEqual(all[3]["type"] as? String, "socket")
            XCTAssertEqual(all[3]["sockname"] as? String, "127.0.0.1:\(port)")
            XCTAssertEqual(all[3]["socktype"] as? String, "SOCK_STREAM")
            XCTAssertEqual(all[3]["SO_ACCEPTCONN"] as? Int, 0)
            XCTAssertEqual(all[3]["O_NONBLOCK"] as? Bool, false, "usherd's listener copy is non-blocking, the connection is not")
            XCTAssertEqual(all[3]["FD_CLOEXEC"] as? Bool, false)
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAcceptedConnectionInheritsListenerOptions() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("opt", socket: "KeepAlive=yes\n", accept: true,
                                     service: "[Service]\nExecStart=\(harness.probeCommand(label: "opt"))\n")

        XCTAssertEqual(try AcceptClient.ipv4(port).exchange(), "ok\n")
        let connection = try XCTUnwrap(fds(try harness.waitForReport(label: "opt")).last)
        XCTAssertEqual(connection["SO_KEEPALIVE"] as? Int, 1)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testDatagramListenerWithAcceptYesIsRefusedAndOthersStillServe() throws {
        let harness = try UsherdHarness()
        let udp = try freePort(), v4 = try freePort(), v6 = try freePort()
        try harness.write("dgram.socket", "[Socket]\nListenDatagram=127.0.0.1:\(udp)\nAccept=yes\n")
        try harness.write("dgram@.service", "[Service]\nExecStart=/bin/true\n")
        try startEcho(harness, v4: v4, v6: v6)

        XCTAssertTrue(harness.log.contains("Unit configured for accepting sockets, but sockets are non-accepting. Refusing."),
                      harness.log)
        XCTAssertEqual(try AcceptClient.ipv4(v4).exchange("still\n", halfClose: true), "still\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testTemplateUsingTheInstanceOutsideArgvIsInstantiatedPerConnection() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("slow", accept: true, service: """
            [Service]
            WorkingDirectory=-\(harness.runDirectory)/%i
            Environment=WHO=%i
            ExecStart=\(harness.probeCommand(label: "slow-%i"))
            """)

        let client = try AcceptClient.ipv4(port)
        XCTAssertEqual(try client.request(), "ok\n")
        let instance = "0-127.0.0.1:\(port)-127.0.0.1:\(client.port)"
        let report = try XCTUnwrap(try harness.waitForReports(labelPrefix: "slow-", count: 1)["slow-" + instance])
        XCTAssertTrue(nonBoringEnvironment(report).contains("WHO=\(instance)"), "\(nonBoringEnvironment(report))")
        XCTAssertTrue(harness.log.contains("Listening on 127.0.0.1:\(port)."), harness.log)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testHandlerThatCannotExecIsLoggedAndReleasesItsSlot() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("gone", socket: "MaxConnections=1\n", accept: true,
                                     service: "[Service]\nStandardInput=socket\nExecStart=/nonexistent/handler\n")

        for attempt in 1...3 {
            XCTAssertEqual(try AcceptClient.ipv4(port).exchange("x\n", halfClose: true), "")
            try harness.waitForLog("Failed at step EXEC spawning /nonexistent/handler: No such file or directory",
                                   count: attempt)
        }
        XCTAssertFalse(harness.log.contains("Too many incoming connections"), "each failed handler released its slot")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(harness.log.contains("gone.socket: Accepted 3 connection(s), 0 active, 0 refused."), harness.log)
    }

    func testOutputOfFD3InstancesGoesToUsherdsLogUnderTheInstancesOwnName() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("talk", accept: true,
                                     service: "[Service]\nExecStart=/bin/sh -c 'echo said by $$REMOTE_PORT; echo complained >&2'\n")
        let fdsBefore = harness.usherdFDCount

        let client = try AcceptClient.ipv4(port)
        XCTAssertEqual(client.readToEnd(), "", "the handler closed fd 3 without writing to it")
        let instance = "talk@0-127.0.0.1:\(port)-127.0.0.1:\(client.port).service"
        try harness.waitForLog("\(instance): said by \(client.port)")
        try harness.waitForLog("\(instance): complained")
        try eventually("the instance's own output pipe to be closed", timeout: 5) { harness.usherdFDCount <= fdsBefore }
        XCTAssertEqual(try harness.stop(), 0)
    }
}
