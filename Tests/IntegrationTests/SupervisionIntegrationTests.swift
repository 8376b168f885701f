// Supervision under a real usherd: re-arming after exit and after SIGKILL,
// the trigger limit and TriggerLimitCooldownSec=, graceful stop with a
// SIGTERM-ignoring service, exec failure (203), broken units beside good
// ones, start-up of enabled services, and a flooding service.
import XCTest
import UsherSys

final class SupervisionIntegrationTests: XCTestCase {
    private func pid(_ report: [String: Any]) -> Int32 { Int32(report["pid"] as? Int ?? -1) }

    func testServiceIsStartedAgainAfterItExitsWithoutLeakingFds() throws {
        let harness = try UsherdHarness()
        // Ten starts in a row would hit systemd's default start limit (5 per 10 s).
        let port = try harness.serve("again", service: """
            [Unit]
            StartLimitIntervalSec=0
            [Service]
            ExecStart=\(harness.probeCommand(label: "again"))
            """)

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 again.socket\n")
        try harness.waitForLog("again.service: Deactivated successfully.")
        let fdsAfterFirstRun = openFDCount(harness.pid)
        for round in 2...10 {
            XCTAssertEqual(try Client.tcp(port: port), "ok 3 again.socket\n")
            try harness.waitForLog("again.service: Deactivated successfully.", count: round)
        }
        let pids = harness.reports(label: "again").map(pid)
        XCTAssertEqual(Set(pids).count, 10, "ten runs, ten processes")
        try eventually("capture pipes to close", timeout: 5) { self.openFDCount(harness.pid) == fdsAfterFirstRun }
        try harness.waitUntilNoZombieChildren()
        XCTAssertEqual(try harness.stop(), 0)
    }

    private func openFDCount(_ pid: Int32) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).count
    }

    func testServiceIsReactivatedAfterSIGKILL() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("crash",
                                     service: "[Service]\nExecStart=\(harness.probeCommand(label: "crash", "--wait-ms 60000"))\n")

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 crash.socket\n")
        let first = pid(try harness.waitForReport(label: "crash"))
        kill(first, SIGKILL)
        try harness.waitForLog("crash.service: Main process exited, code=killed, signal=KILL")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 crash.socket\n")
        let second = pid(try harness.waitForReport(label: "crash", count: 2))
        XCTAssertNotEqual(first, second)
        try harness.waitUntilNoZombieChildren()
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testTriggerLimitFailsTheSocketOnceAndCooldownBringsItBack() throws {
        let harness = try UsherdHarness()
        let stuck = try freePort(), cooled = try freePort()
        let limit = "TriggerLimitIntervalSec=30s\nTriggerLimitBurst=3\n"
        try harness.write("stuck.socket", "[Socket]\nListenStream=127.0.0.1:\(stuck)\n\(limit)")
        try harness.write("cooled.socket", "[Socket]\nListenStream=127.0.0.1:\(cooled)\n\(limit)TriggerLimitCooldownSec=1s\n")
        for name in ["stuck", "cooled"] {
            try harness.write("\(name).service", """
                [Unit]
                StartLimitIntervalSec=0
                [Service]
                ExecStart=\(harness.probeCommand(label: name, "--no-serve"))
                """)
        }
        try harness.start()

        let pending = [try Client.connectOnly(port: stuck), try Client.connectOnly(port: cooled)]
        try harness.waitForLog("stuck.socket: Failed with result 'trigger-limit-hit'.")
        try harness.waitForLog("cooled.socket: Failed with result 'trigger-limit-hit'.")
        XCTAssertEqual(harness.reports(label: "stuck").count, 3, "three starts, then the socket failed")
        try harness.waitForLog("cooled.socket: Listening again.")
        // The failure reset the pending client; a new one triggers the reopened socket.
        let revived = try Client.connectOnly(port: cooled)
        _ = try harness.waitForReport(label: "cooled", count: 4)
        let cpuBefore = cpuTicks(harness.pid)
        usleep(300_000)
        XCTAssertLessThanOrEqual(cpuTicks(harness.pid) - cpuBefore, 3, "a failed socket leaves usherd idle")
        XCTAssertEqual(harness.reports(label: "stuck").count, 3, "without the cooldown it stays failed")
        XCTAssertEqual(harness.log.components(separatedBy: "stuck.socket: Trigger limit hit").count - 1, 1)
        XCTAssertEqual(pending.count, 2)
        XCTAssertTrue(revived.isOpen)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testGracefulStopKillsATermIgnoringServiceAfterTimeoutAndExitsZero() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("stubborn", service: """
            [Service]
            TimeoutStopSec=1
            ExecStart=\(harness.probeCommand(label: "stubborn", "--ignore-term --hold-ms 60000"))
            """)

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 stubborn.socket\n")
        let child = pid(try harness.waitForReport(label: "stubborn"))
        XCTAssertEqual(try harness.stop(timeout: 10), 0)
        XCTAssertTrue(harness.log.contains("stubborn.service: State 'stop-sigterm' timed out. Killing."))
        XCTAssertTrue(harness.log.contains("stubborn.service: Main process exited, code=killed, signal=KILL"))
        XCTAssertNil(Processes.parentPID(of: child), "the service does not outlive usherd")
    }

    func testMissingBinaryLogsExecFailureWithStatus203AndUsherdKeepsServing() throws {
        let harness = try UsherdHarness()
        let bad = try freePort(), good = try freePort()
        try harness.write("bad.socket", "[Socket]\nListenStream=127.0.0.1:\(bad)\n")
        try harness.write("bad.service", "[Unit]\nStartLimitBurst=1\n[Service]\nExecStart=/nonexistent/usher-test-binary\n")
        try harness.write("good.socket", "[Socket]\nListenStream=127.0.0.1:\(good)\n")
        try harness.write("good.service", "[Service]\nExecStart=\(harness.probeCommand(label: "good"))\n")
        try harness.start()

        let pending = try Client.connectOnly(port: bad)
        try harness.waitForLog("bad.service: Failed at step EXEC spawning /nonexistent/usher-test-binary: No such file or directory")
        try harness.waitForLog("bad.service: Main process exited, code=exited, status=203/EXEC")
        XCTAssertEqual(try Client.tcp(port: good), "ok 3 good.socket\n")
        XCTAssertTrue(pending.isOpen)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testBrokenUnitsBesideGoodOnesDoNotStopTheGoodOnes() throws {
        let harness = try UsherdHarness()
        let good = try freePort()
        let occupied = try Socket.open(family: AF_INET, kind: .stream, object: "occupier")
        let taken = try freePort()
        if let address = SocketAddress.ipv4("127.0.0.1", port: taken) { try Socket.bind(occupied, to: address) }
        try Socket.listen(occupied, backlog: 1, object: "occupier")
        try harness.write("nolisten.socket", "[Socket]\nBacklog=5\n")
        try harness.write("busy.socket", "[Socket]\nListenStream=127.0.0.1:\(taken)\n")
        try harness.write("busy.service", "[Service]\nExecStart=\(harness.probeCommand(label: "busy"))\n")
        try harness.write("good.socket", "[Socket]\nListenStream=127.0.0.1:\(good)\n")
        try harness.write("good.service", "[Service]\nExecStart=\(harness.probeCommand(label: "good"))\n")
        try harness.start()

        XCTAssertEqual(try Client.tcp(port: good), "ok 3 good.socket\n")
        XCTAssertTrue(harness.log.contains("nolisten.socket: Unit has no Listen setting"))
        XCTAssertTrue(harness.log.contains("busy.socket: Failed to listen on 127.0.0.1:\(taken)"))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testOnlyAnEnabledServiceStartsAtStartupNeverOneThatMerelyHasWantedBy() throws {
        let harness = try UsherdHarness()
        let install = "[Install]\nWantedBy=multi-user.target\n"
        try harness.write("plain.service", "[Service]\nExecStart=\(harness.probeCommand(label: "plain", "--hold-ms 30000"))\n\(install)")
        try harness.write("idle.service", "[Service]\nExecStart=\(harness.probeCommand(label: "idle"))\n\(install)")
        let port = try freePort()
        try harness.write("sshlike.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n[Install]\nWantedBy=sockets.target\n")
        try harness.write("sshlike.service", "[Service]\nExecStart=\(harness.probeCommand(label: "sshlike"))\n\(install)")
        try harness.enable("plain.service")
        XCTAssertEqual(try harness.usherctl(["is-enabled", "--unit-dir", harness.unitDirectory, "plain", "idle"]).output,
                       "enabled\ndisabled\n")
        try harness.start()

        let report = try harness.waitForReport(label: "plain")
        XCTAssertEqual(report["sd_listen_fds"] as? Int, 0)
        XCTAssertTrue(harness.log.contains("plain.service: Starting at start-up (enabled)."), harness.log)
        XCTAssertEqual(harness.reports(label: "idle").count, 0, "WantedBy= without enable starts nothing")
        XCTAssertEqual(harness.reports(label: "sshlike").count, 0, "the socket's service waits for traffic")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 sshlike.socket\n", "the socket listens without being enabled")
        XCTAssertEqual(harness.reports(label: "sshlike").count, 1)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testEnableNowReloadsAndStartsAndDisableNowStops() throws {
        let harness = try UsherdHarness()
        try harness.start()
        try harness.write("late.service", """
            [Service]
            ExecStart=\(harness.probeCommand(label: "late", "--no-serve --hold-ms 60000"))
            [Install]
            WantedBy=multi-user.target
            """)
        let enabled = try harness.usherctl(["enable", "--now", "--unit-dir", harness.unitDirectory, "late"])
        XCTAssertEqual(enabled.status, 0, enabled.output)
        XCTAssertTrue(enabled.output.contains("multi-user.target.wants/late.service"), enabled.output)
        try harness.waitForReport(label: "late")
        XCTAssertEqual(try harness.usherctl(["is-active", "late"]).output, "active\n")

        let disabled = try harness.usherctl(["disable", "--now", "--unit-dir", harness.unitDirectory, "late"])
        XCTAssertEqual(disabled.status, 0, disabled.output)
        XCTAssertEqual(try harness.usherctl(["is-active", "late"]).output, "inactive\n")
        XCTAssertEqual(try harness.usherctl(["is-enabled", "--unit-dir", harness.unitDirectory, "late"]).output, "disabled\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testOrphansOfAServiceAreAdoptedAndReaped() throws {
        let harness = try UsherdHarness()
        let marker = harness.root + "/grandchild"
        try harness.write("parent.service", """
            [Service]
            ExecStart=/bin/sh -c 'setsid /bin/sh -c "echo \\$\\$ > \(marker); sleep 0.2" & sleep 0.1'
            [Install]
            WantedBy=default.target
            """)
        try harness.enable("parent.service")
        try harness.start()

        try eventually("the grandchild to write its pid", timeout: 10) {
            ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").hasSuffix("\n")
        }
        let grandchild = Int32((try String(contentsOfFile: marker, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        try harness.waitForLog("Reaped orphan process \(grandchild).")
        try harness.waitUntilNoZombieChildren()
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testFloodingServiceNeitherStallsUsherdNorGrowsItsMemory() throws {
        let harness = try UsherdHarness()
        let flood = try freePort(), other = try freePort()
        try harness.write("flood.socket", "[Socket]\nListenStream=127.0.0.1:\(flood)\n")
        try harness.write("flood.service", "[Service]\nExecStart=\(harness.probeCommand(label: "flood", "--flood-bytes 8000000"))\n")
        try harness.write("other.socket", "[Socket]\nListenStream=127.0.0.1:\(other)\n")
        try harness.write("other.service", "[Service]\nExecStart=\(harness.probeCommand(label: "other"))\n")
        try harness.start()

        let pending = try Client.connectOnly(port: flood)
        _ = try harness.waitForReport(label: "flood")
        let started = Date()
        XCTAssertEqual(try Client.tcp(port: other), "ok 3 other.socket\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the other service is served during the flood")
        try harness.waitForLog("flood.service: Deactivated successfully.", timeout: 60)
        try harness.waitForLog(" messages from flood.service")
        XCTAssertTrue(harness.log.contains("flood.service: flood line 9999 "), "the first 10,000 lines (0…9999) are logged")
        XCTAssertFalse(harness.log.contains("flood.service: flood line 10000 "), "journald's burst: the rest are dropped")
        XCTAssertLessThan(residentKiB(harness.pid), 100_000, "usherd's memory stays bounded")
        XCTAssertTrue(pending.isOpen)
        XCTAssertEqual(try harness.stop(timeout: 30), 0)
    }

    private func cpuTicks(_ pid: Int32) -> Int {
        guard let stat = try? readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    private func residentKiB(_ pid: Int32) -> Int {
        let status = (try? readSmallFile("/proc/\(pid)/status")) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? Int.max
    }
}

final class StopIntegrationTests: XCTestCase {
    func testExecStopRunsWithMainPIDAndRemoveOnStopUnlinksOnlyItsNode() throws {
        let harness = try UsherdHarness()
        let removed = harness.runDirectory + "/removed.sock", kept = harness.runDirectory + "/kept.sock"
        let marker = harness.root + "/stopped"
        try harness.write("removed.socket", "[Socket]\nListenStream=\(removed)\nRemoveOnStop=yes\n")
        try harness.write("removed.service", """
            [Service]
            ExecStart=\(harness.probeCommand(label: "removed", "--wait-ms 60000"))
            ExecStop=/bin/sh -c 'echo "$MAINPID" > \(marker)'
            """)
        try harness.write("kept.socket", "[Socket]\nListenStream=\(kept)\n")
        try harness.write("kept.service", "[Service]\nExecStart=\(harness.probeCommand(label: "kept"))\n")
        try harness.start()

        XCTAssertEqual(try Client.unix(path: removed), "ok 3 removed.socket\n")
        let main = try harness.waitForReport(label: "removed")["pid"] as? Int
        XCTAssertEqual(try harness.stop(), 0)
        let written = try String(contentsOfFile: marker, encoding: .utf8)
        XCTAssertEqual(written.trimmingCharacters(in: .whitespacesAndNewlines), main.map(String.init))
        XCTAssertFalse(FileManager.default.fileExists(atPath: removed))
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept))
    }

    func testJSONLogLinesCarryTheUnit() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("json", service: "[Service]\nExecStart=\(harness.probeCommand(label: "json"))\n",
                                     arguments: ["--log-format", "json"])

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 json.socket\n")
        try harness.waitForLog("Deactivated successfully.")
        let objects = harness.log.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String]
        }
        XCTAssertEqual(objects.count, harness.log.split(separator: "\n").count, "every line is one JSON object")
        XCTAssertTrue(objects.contains { $0["unit"] == "json.service" && $0["message"] == "Deactivated successfully." })
        XCTAssertEqual(try harness.stop(), 0)
    }
}
