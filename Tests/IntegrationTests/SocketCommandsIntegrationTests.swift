// A socket unit's own commands under a real usherd: systemd's order around binding and closing (on
// usherctl stop and usherd's stop, Accept=no and Accept=yes); a failing ExecStartPre= fails the socket;
// timeouts (SIGTERM with SIGCONT, then SIGKILL); a start, a re-exec or a cooldown's reopen during the
// commands waits for them; what the commands left is ended with the socket, also after a reload or a re-exec.
import XCTest
import UsherSys

final class SocketCommandsIntegrationTests: XCTestCase {
    func testCommandsRunAroundBindingAndClosingInSystemdsOrder() throws {
        let harness = try UsherdHarness()
        let node = harness.runDirectory + "/hooked.sock", trail = harness.root + "/trail"
        func step(_ label: String) -> String {
            "/bin/sh -c 'if test -S \(node); then echo \(label):bound; else echo \(label):unbound; fi >> \(trail)'"
        }
        try harness.write("hooked.socket", """
            [Socket]
            ListenStream=\(node)
            RemoveOnStop=yes
            ExecStartPre=\(step("pre"))
            ExecStartPost=\(step("post"))
            ExecStopPre=\(step("stoppre"))
            ExecStopPost=\(step("stoppost"))
            """)
        try harness.write("hooked.service", "[Service]\nExecStart=\(harness.probeCommand(label: "hooked"))\n")
        try harness.start()
        try harness.waitForLog("hooked.socket: Listening on \(node).")
        try eventually("ExecStartPost= to have run", timeout: 10) { (try? self.read(trail))?.contains("post:") == true }
        XCTAssertEqual(try Client.unix(path: node), "ok 3 hooked.socket\n")
        XCTAssertFalse(harness.log.contains("ExecStartPre= is not supported"), harness.log)

        XCTAssertEqual(try harness.usherctl(["stop", "hooked.socket"]).status, 0)
        XCTAssertTrue(try read(trail).hasSuffix("stoppost:unbound\n"), "usherctl stop waits for ExecStopPost=")
        XCTAssertEqual(try harness.usherctl(["start", "hooked.socket"]).status, 0)
        XCTAssertTrue(try read(trail).hasSuffix("pre:unbound\npost:bound\n"), "usherctl start waits for ExecStartPost=")
        XCTAssertEqual(try Client.unix(path: node), "ok 3 hooked.socket\n")
        XCTAssertEqual(try harness.stop(), 0)

        let once = ["pre:unbound", "post:bound", "stoppre:bound", "stoppost:unbound"]
        XCTAssertEqual(try read(trail).split(separator: "\n").map(String.init), once + once,
                       "start-pre, bind, start-post; stop-pre, close, stop-post — also when usherd stops")
    }

    func testAFailingExecStartPreFailsTheSocketWithExitCodeAndItDoesNotListen() throws {
        let harness = try UsherdHarness()
        let port = try freePort(), marker = harness.root + "/stop-post-ran"
        try harness.write("refused.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            ExecStartPre=/bin/false
            ExecStopPost=/bin/touch \(marker)
            """)
        try harness.write("refused.service", "[Service]\nExecStart=\(harness.probeCommand(label: "refused"))\n")
        try harness.start()
        try harness.waitForLog("refused.socket: Failed with result 'exit-code'.")
        XCTAssertTrue(harness.log.contains("refused.socket: Control process (ExecStartPre=) exited, code=exited, status=1/FAILURE"))
        let status = try harness.usherctl(["status", "refused.socket"]).output
        XCTAssertTrue(status.contains("failed (Result: exit-code)"), status)
        XCTAssertThrowsError(try Client.tcp(port: port), "nothing listens")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "systemd runs no stop command after a failed start-pre")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testATimedOutCommandThatStoppedItselfGetsSIGCONTAfterSIGTERMAndActsOnIt() throws {
        let harness = try UsherdHarness()
        let port = try freePort(), marker = harness.root + "/terminated"
        try harness.write("stopped.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            TimeoutSec=1
            ExecStartPre=/bin/sh -c 'trap "echo term > \(marker); exit 0" TERM; kill -STOP $$$$; sleep 30'
            """)
        try harness.write("stopped.service", "[Service]\nExecStart=\(harness.probeCommand(label: "stopped"))\n")
        try harness.start()
        try harness.waitForLog("stopped.socket: Failed with result 'timeout'.", timeout: 15)
        XCTAssertEqual(try read(marker), "term\n", "the stopped shell was continued and ran its TERM trap")
        XCTAssertFalse(harness.log.contains("Stopping timed out (2). Killing."), harness.log)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAStartWhoseExecStartPostFailsIsReportedFailedAfterTheStopCommands() throws {
        let harness = try UsherdHarness()
        let port = try freePort(), trail = harness.root + "/trail"
        try harness.write("flaky.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            ExecStartPost=/bin/sh -c 'test -e \(harness.root)/ok'
            ExecStopPost=/bin/sh -c 'echo stop-post >> \(trail)'
            """)
        try harness.write("flaky.service", "[Service]\nExecStart=\(harness.probeCommand(label: "flaky"))\n")
        try harness.start()
        try harness.waitForLog("flaky.socket: Failed with result 'exit-code'.")
        XCTAssertEqual(try read(trail), "stop-post\n", "a failing ExecStartPost= goes through the stop commands")
        XCTAssertThrowsError(try Client.tcp(port: port), "closed again")

        let refused = try harness.usherctl(["start", "flaky.socket"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("Job for flaky.socket failed with result 'exit-code'."), refused.output)
        XCTAssertEqual(try read(trail), "stop-post\nstop-post\n", "the reply came after the stop commands")

        _ = FileManager.default.createFile(atPath: harness.root + "/ok", contents: nil)
        let started = try harness.usherctl(["start", "flaky.socket"])
        XCTAssertEqual(started.status, 0, started.output)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 flaky.socket\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAnAcceptYesSocketRunsItsCommandsAroundBindingAndClosingToo() throws {
        let harness = try UsherdHarness()
        let port = try freePort(), trail = harness.root + "/trail"
        func step(_ label: String) -> String { "/bin/sh -c 'echo \(label) >> \(trail)'" }
        try harness.write("conn.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            Accept=yes
            ExecStartPre=\(step("pre"))
            ExecStartPost=\(step("post"))
            ExecStopPre=\(step("stoppre"))
            ExecStopPost=\(step("stoppost"))
            """)
        try harness.write("conn@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")
        try harness.start()
        try eventually("ExecStartPost= to have run", timeout: 10) { (try? self.read(trail)) == "pre\npost\n" }
        XCTAssertEqual(try AcceptClient.ipv4(port).exchange("echo\n", halfClose: true), "echo\n")
        XCTAssertFalse(harness.log.contains("is not supported by usherd yet"), harness.log)

        XCTAssertEqual(try harness.usherctl(["restart", "conn.socket"]).status, 0)
        XCTAssertEqual(try read(trail), "pre\npost\nstoppre\nstoppost\npre\npost\n", "a restart stops, then starts, each with its commands")
        XCTAssertEqual(try AcceptClient.ipv4(port).exchange("again\n", halfClose: true), "again\n")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertEqual(try read(trail), "pre\npost\nstoppre\nstoppost\npre\npost\nstoppre\nstoppost\n")
    }

    func testWhatACommandLeftRunningIsStoppedWithTheSocketWhichEndsInactive() throws {
        let (harness, _, pidFile) = try startSocketLeavingSleep()
        var sleeper: Int32 = 0
        for round in 1...3 {
            try eventually("ExecStartPost= to have left sleep behind", timeout: 10) {
                guard let pid = self.readPID(pidFile), pid != sleeper else { return false }
                sleeper = pid
                return true
            }
            XCTAssertTrue(isAlive(sleeper), "round \(round): the background sleep runs while the socket listens")
            if round == 3 { break }
            XCTAssertEqual(try harness.usherctl(["stop", "leaving.socket"]).status, 0)
            XCTAssertFalse(isAlive(sleeper), "round \(round): usherctl stop returns once the leftover is gone")
            XCTAssertEqual(try harness.usherctl(["is-active", "leaving.socket"]).output, "inactive\n", "stopped, not failed")
            XCTAssertEqual(try harness.usherctl(["start", "leaving.socket"]).status, 0)
        }
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertFalse(isAlive(sleeper), "usherd's own stop goes through the final kill too")
        let lines = harness.log.split(separator: "\n").filter { $0.contains("leaving.socket: Stopping what the commands left: ") }
        XCTAssertEqual(lines.count, 3, "one final kill per run, usherd's stop included: \(harness.log)")
        XCTAssertFalse(harness.log.contains("timed out"), harness.log)
    }

    func testAReloadThatRemovesTheCommandsStillStopsWhatTheEarlierOnesLeft() throws {
        let (harness, port, pidFile) = try startSocketLeavingSleep()
        let sleeper = try leftPID(pidFile, by: "ExecStartPost=")
        try harness.write("leaving.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n")
        XCTAssertEqual(try harness.usherctl(["daemon-reload"]).status, 0)
        XCTAssertTrue(isAlive(sleeper), "a reload stops nothing")
        XCTAssertEqual(try harness.usherctl(["stop", "leaving.socket"]).status, 0)
        XCTAssertFalse(isAlive(sleeper), "the stop's final kill still finds what the removed ExecStartPost= left")
        XCTAssertEqual(try harness.usherctl(["is-active", "leaving.socket"]).output, "inactive\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAStopAfterAReexecStillEndsWhatTheCommandsLeftBeforeIt() throws {
        let (harness, _, pidFile) = try startSocketLeavingSleep()
        let sleeper = try leftPID(pidFile, by: "ExecStartPost=")
        let reexec = try harness.usherctl(["daemon-reexec"])
        XCTAssertTrue(reexec.output.hasPrefix("Re-executed "), reexec.output)
        XCTAssertTrue(isAlive(sleeper), "a re-exec stops nothing")
        XCTAssertEqual(try harness.usherctl(["stop", "leaving.socket"]).status, 0)
        XCTAssertFalse(isAlive(sleeper), "the new image's final kill finds what the commands left before the re-exec")
        XCTAssertEqual(try harness.usherctl(["is-active", "leaving.socket"]).output, "inactive\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAReexecDuringTheStopCommandsWaitsForThemAndTheStopIsAnswered() throws {
        let (harness, port, stopper) = try stopSlowSocketInTheBackground()
        let reexec = try harness.usherctl(["daemon-reexec"])
        XCTAssertTrue(reexec.output.hasPrefix("Re-executed "), reexec.output)
        stopper.waitUntilExit()
        XCTAssertEqual(stopper.terminationStatus, 0, "the stop under way was answered by the image that ran it")
        XCTAssertTrue(harness.log.contains("waiting for socket units' own commands"), harness.log)
        XCTAssertEqual(try harness.usherctl(["is-active", "slow.socket"]).output, "inactive\n")
        XCTAssertEqual(try harness.usherctl(["start", "slow.socket"]).status, 0)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 slow.socket\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAReexecDuringTheStartCommandsWaitsForThemAndTheSocketListensAfter() throws {
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("slow.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nExecStartPost=/bin/sleep 3\n")
        try harness.write("slow.service", "[Service]\nExecStart=\(harness.probeCommand(label: "slow"))\n")
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["is-active", "slow.socket"]).output, "activating\n", "ExecStartPost= runs")
        let reexec = try runCollectingOutput(UsherdHarness.productsDirectory + "/usherctl", ["daemon-reexec"],
                                             environment: ["USHER_CONTROL_SOCKET": harness.root + "/rt/control"],
                                             timeout: 15)
        XCTAssertTrue(reexec.output.hasPrefix("Re-executed "), "once the start run ended: \(reexec.output)")
        XCTAssertEqual(try harness.usherctl(["is-active", "slow.socket"]).output, "active\n")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 slow.socket\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAReexecStillWaitingWhenUsherdIsToldToStopIsDroppedAndUsherdStops() throws {
        let (harness, _, stopper) = try stopSlowSocketInTheBackground()
        try harness.write("lingering.service", "[Service]\nExecStart=/bin/sh -c 'trap \"sleep 3; exit 0\" TERM; while :; do sleep 0.1; done'\n")
        XCTAssertEqual(try harness.usherctl(["daemon-reload"]).status, 0)
        XCTAssertEqual(try harness.usherctl(["start", "lingering.service"]).status, 0)
        let reexec = try startUsherctl(harness, ["daemon-reexec"])
        try harness.waitForLog("waiting for socket units' own commands")
        // The socket's run ends while lingering.service still takes 3 s to stop.
        XCTAssertEqual(try harness.stop(), 0, "usherd stopped, not re-executed in the middle of its stop")
        reexec.waitUntilExit()
        stopper.waitUntilExit()
        XCTAssertNotEqual(reexec.terminationStatus, 0)
        XCTAssertTrue(harness.log.contains("Not re-executing: usherd is stopping."), harness.log)
        XCTAssertFalse(harness.log.contains("Re-executed "), harness.log)
    }

    func testAStopOfAFailedSocketDuringItsStopCommandsLeavesTheCloseToThem() throws {
        let harness = try UsherdHarness()
        let limits = "TriggerLimitIntervalSec=30s\nTriggerLimitBurst=3\nExecStopPre=/bin/sleep 3\n"
        let port = try harness.serve("failing", socket: limits, accept: true,
                                     service: "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")
        for _ in 0..<3 { XCTAssertEqual(try AcceptClient.ipv4(port).exchange("x\n", halfClose: true), "x\n") }
        _ = try? AcceptClient.ipv4(port).readToEnd()
        try harness.waitForLog("failing.socket: Failed with result 'trigger-limit-hit'.")
        XCTAssertEqual(try harness.usherctl(["is-active", "failing.socket"]).output, "deactivating\n", "ExecStopPre= runs")
        let stopper = try startUsherctl(harness, ["stop", "failing.socket"])
        usleep(300_000) // the stop reaches usherd well inside ExecStopPre='s 3 s
        XCTAssertNoThrow(try Client.connectOnly(port: port), "still bound while ExecStopPre= runs, as systemd's 'already on it'")
        stopper.waitUntilExit()
        XCTAssertEqual(stopper.terminationStatus, 0)
        XCTAssertThrowsError(try Client.connectOnly(port: port), "closed by the run")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testASocketRemovedByAReloadRunsAllItsStopCommandsBeforeItIsDropped() throws {
        try assertRemovedByAReloadAfterItsStopCommands(accept: false)
    }

    func testAnAcceptYesSocketRemovedByAReloadRunsItsStopCommandsToo() throws {
        try assertRemovedByAReloadAfterItsStopCommands(accept: true)
    }

    private func assertRemovedByAReloadAfterItsStopCommands(accept: Bool) throws {
        let harness = try UsherdHarness()
        let port = try freePort(), marker = harness.root + "/stop-post-ran"
        try harness.write("gone.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            Accept=\(accept ? "yes" : "no")
            ExecStopPre=/bin/sleep 1
            ExecStopPost=/bin/touch \(marker)
            """)
        let service = accept ? "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n"
                             : "[Service]\nExecStart=\(harness.probeCommand(label: "gone"))\n"
        try harness.write(accept ? "gone@.service" : "gone.service", service)
        try harness.start()
        try harness.waitForLog("gone.socket: Listening on 127.0.0.1:\(port).")
        for file in try FileManager.default.contentsOfDirectory(atPath: harness.unitDirectory) where file.hasPrefix("gone") {
            try FileManager.default.removeItem(atPath: harness.unitDirectory + "/" + file)
        }
        XCTAssertEqual(try harness.usherctl(["daemon-reload"]).status, 0)
        try harness.waitForLog("gone.socket: Removed by a reload; stopped, dropped.")
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "ExecStopPost= ran before the socket was dropped")
        XCTAssertThrowsError(try Client.tcp(port: port), "closed")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAStartDuringTheStopCommandsWaitsForThemThenStartsTheSocket() throws {
        let (harness, port, stopper) = try stopSlowSocketInTheBackground()
        XCTAssertEqual(try harness.usherctl(["start", "slow.socket"]).status, 0)
        XCTAssertEqual(try harness.usherctl(["is-active", "slow.socket"]).output, "active\n",
                       "the start came after the stop's run, not swallowed by it")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 slow.socket\n")
        stopper.waitUntilExit()
        XCTAssertEqual(stopper.terminationStatus, 0, "the stop that was under way ended as it was")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAnAcceptYesSocketStopsWhatItsCommandsLeftToo() throws {
        let harness = try UsherdHarness()
        let port = try freePort(), pidFile = harness.root + "/sleep.pid"
        try harness.write("leaving.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            Accept=yes
            ExecStartPre=/bin/sh -c 'sleep 313 & echo $$! > \(pidFile)'
            """)
        try harness.write("leaving@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")
        try harness.start()
        let sleeper = try leftPID(pidFile, by: "ExecStartPre=")
        try eventually("the socket to listen after ExecStartPre=", timeout: 10) {
            (try? AcceptClient.ipv4(port).exchange("echo\n", halfClose: true)) == "echo\n"
        }
        XCTAssertTrue(isAlive(sleeper), "the background sleep runs while the socket listens")
        XCTAssertEqual(try harness.usherctl(["stop", "leaving.socket"]).status, 0)
        XCTAssertFalse(isAlive(sleeper), "usherctl stop returns once the leftover is gone")
        XCTAssertEqual(try harness.usherctl(["is-active", "leaving.socket"]).output, "inactive\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testALeftoverThatIgnoresSIGTERMIsKilledAfterTimeoutSecAndTheSocketFailsWithResultTimeout() throws {
        let harness = try UsherdHarness()
        let port = try freePort(), pidFile = harness.root + "/stubborn.pid", script = harness.root + "/stubborn"
        try "#!/bin/sh\ntrap '' TERM\necho $$ > \(pidFile)\nwhile :; do sleep 0.2; done\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(script, 0o755), 0)
        try harness.write("stubborn.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            TimeoutSec=1
            ExecStartPost=/bin/sh -c '\(script) > /dev/null &'
            """)
        try harness.write("stubborn.service", "[Service]\nExecStart=\(harness.probeCommand(label: "stubborn"))\n")
        try harness.start()
        var stubborn: Int32 = 0
        try eventually("the stubborn leftover to run", timeout: 10) {
            stubborn = self.readPID(pidFile) ?? 0
            return stubborn > 0
        }

        let started = Date()
        _ = try harness.usherctl(["stop", "stubborn.socket"])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.9, "SIGTERM was ignored for TimeoutSec=")
        XCTAssertFalse(isAlive(stubborn), "SIGKILL after TimeoutSec=")
        try harness.waitForLog("stubborn.socket: Stopping timed out (2). Killing.")
        try harness.waitForLog("stubborn.socket: Failed with result 'timeout'.")
        XCTAssertFalse(harness.log.contains("Still around after SIGKILL (2)"), harness.log)
        let status = try harness.usherctl(["status", "stubborn.socket"]).output
        XCTAssertTrue(status.contains("failed (Result: timeout)"), status)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testATimedOutExecStartPostIsNotSignalledBeforeTheStopCommandsButByTheFinalKill() throws {
        let harness = try UsherdHarness()
        let port = try freePort(), trail = harness.root + "/trail"
        try harness.write("slowpost.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            TimeoutSec=1
            ExecStartPost=/bin/sh -c 'trap "echo term >> \(trail); exit 0" TERM; sleep 30 & wait'
            ExecStopPre=/bin/sh -c 'echo stoppre >> \(trail)'
            """)
        try harness.write("slowpost.service", "[Service]\nExecStart=\(harness.probeCommand(label: "slowpost"))\n")
        try harness.start()
        try harness.waitForLog("slowpost.socket: Failed with result 'timeout'.", timeout: 15)
        XCTAssertTrue(harness.log.contains("slowpost.socket: Starting timed out. Stopping."), harness.log)
        XCTAssertEqual(try read(trail), "stoppre\nterm\n", "stop-pre ran while start-post still did; the final kill ended it")
        XCTAssertThrowsError(try Client.tcp(port: port), "closed again")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testACooldownThatElapsesDuringTheFailuresExecStopPostReopensTheSocketAfterIt() throws {
        let (harness, port) = try cooledDuringStopCommands("cool", accept: false)
        try harness.waitForLog("cool.socket: Listening again.", timeout: 15)
        XCTAssertEqual(try harness.usherctl(["is-active", "cool.socket"]).output, "active\n")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 cool.socket\n", "served again")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testACooldownThatElapsesDuringAnAcceptYesFailuresExecStopPostReopensTheSocketAfterIt() throws {
        let (harness, port) = try cooledDuringStopCommands("coolx", accept: true)
        try harness.waitForLog("coolx.socket: Listening again.", timeout: 15)
        XCTAssertEqual(try harness.usherctl(["is-active", "coolx.socket"]).output, "active\n")
        XCTAssertEqual(try AcceptClient.ipv4(port).exchange("y\n", halfClose: true), "y\n", "served again")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testACooldownThatElapsesDuringExecStopPreWhileStillBoundReopensAfterTheCloseNotBeforeIt() throws {
        let (harness, port) = try cooledDuringStopCommands("early", accept: false, stop: "ExecStopPre=/bin/sleep 4")
        try eventually("the stop commands to end", timeout: 15) {
            (try? harness.usherctl(["is-active", "early.socket"]).output) == "active\n"
        }
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 early.socket\n", "listening on listeners bound after the close")
        XCTAssertEqual(harness.log.components(separatedBy: "early.socket: Listening again.").count, 2, "reopened once")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAStartAfterTheCooldownElapsedDuringTheStopCommandsIsAnsweredOnceTheSocketListens() throws {
        let (harness, port) = try cooledDuringStopCommands("both", accept: false)
        let start = try harness.usherctl(["start", "both.socket"])
        XCTAssertEqual(start.status, 0, start.output)
        XCTAssertEqual(try harness.usherctl(["is-active", "both.socket"]).output, "active\n")
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 both.socket\n")
        XCTAssertEqual(harness.log.components(separatedBy: "both.socket: Listening again.").count, 2, "reopened once")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// A socket (Accept=`accept`) with TriggerLimitCooldownSec=1 and `stop` (a stop command that
    /// sleeps 4 s), driven into trigger-limit-hit; returned once the cooldown elapsed while it still runs.
    private func cooledDuringStopCommands(_ name: String, accept: Bool,
                                          stop: String = "ExecStopPost=/bin/sleep 4") throws -> (harness: UsherdHarness, port: UInt16) {
        let harness = try UsherdHarness()
        let limits = "TriggerLimitIntervalSec=30s\nTriggerLimitBurst=3\nTriggerLimitCooldownSec=1s\n\(stop)\n"
        let port: UInt16
        if accept {
            port = try harness.serve(name, socket: limits, accept: true, service: "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n")
            for _ in 0..<3 { XCTAssertEqual(try AcceptClient.ipv4(port).exchange("x\n", halfClose: true), "x\n") }
            XCTAssertEqual(try AcceptClient.ipv4(port).readToEnd(), "", "closed without being served")
        } else {
            port = try harness.serve(name, socket: limits, service: """
                [Unit]
                StartLimitIntervalSec=0
                [Service]
                ExecStart=\(harness.probeCommand(label: name))
                """)
            for round in 1...3 {
                XCTAssertEqual(try Client.tcp(port: port), "ok 3 \(name).socket\n")
                try harness.waitForLog("\(name).service: Deactivated successfully.", count: round)
            }
            _ = try Client.connectOnly(port: port)
        }
        try harness.waitForLog("\(name).socket: Failed with result 'trigger-limit-hit'.")
        try harness.waitForLog("\(name).socket: Trigger limit cooldown elapsed, reopening the listeners.")
        XCTAssertEqual(try harness.usherctl(["is-active", "\(name).socket"]).output, "deactivating\n", "\(stop) still runs")
        return (harness, port)
    }

    /// A usherd with leaving.socket, whose ExecStartPost= leaves `sleep 313` running and writes its pid to `pidFile`.
    private func startSocketLeavingSleep() throws -> (harness: UsherdHarness, port: UInt16, pidFile: String) {
        let harness = try UsherdHarness()
        let port = try freePort(), pidFile = harness.root + "/sleep.pid"
        try harness.write("leaving.socket", """
            [Socket]
            ListenStream=127.0.0.1:\(port)
            ExecStartPost=/bin/sh -c 'sleep 313 & echo $$! > \(pidFile)'
            """)
        try harness.write("leaving.service", "[Service]\nExecStart=\(harness.probeCommand(label: "leaving"))\n")
        try harness.start()
        return (harness, port, pidFile)
    }

    /// A usherd with slow.socket (ExecStopPost=/bin/sleep 1) and a `usherctl stop` of it in the
    /// background, returned once the stop commands run.
    private func stopSlowSocketInTheBackground() throws -> (harness: UsherdHarness, port: UInt16, stopper: Process) {
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("slow.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nExecStopPost=/bin/sleep 1\n")
        try harness.write("slow.service", "[Service]\nExecStart=\(harness.probeCommand(label: "slow"))\n")
        try harness.start()
        try harness.waitForLog("slow.socket: Listening on 127.0.0.1:\(port).")
        let stopper = try startUsherctl(harness, ["stop", "slow.socket"])
        try eventually("ExecStopPost= to run", timeout: 10) {
            (try? harness.usherctl(["is-active", "slow.socket"]).output) == "deactivating\n"
        }
        return (harness, port, stopper)
    }

    /// usherctl `arguments` against `harness`'s usherd, running in the background.
    private func startUsherctl(_ harness: UsherdHarness, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: UsherdHarness.productsDirectory + "/usherctl")
        process.arguments = arguments
        process.environment = ["USHER_CONTROL_SOCKET": harness.root + "/rt/control"]
        try process.run()
        return process
    }

    /// The pid of what a `command` left running, once it wrote it to `pidFile`.
    private func leftPID(_ pidFile: String, by command: String) throws -> Int32 {
        var pid: Int32 = 0
        try eventually("\(command) to have left a process behind", timeout: 10) {
            pid = self.readPID(pidFile) ?? 0
            return pid > 0
        }
        return pid
    }

    /// The pid a command wrote to `path`, once it is there.
    private func readPID(_ path: String) -> Int32? {
        (try? read(path)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}
