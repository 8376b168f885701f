// KillMode= under a real usherd: a service whose main process (a shell that
// exec'd sleep) has a background child in its session. control-group and
// mixed stop both, process stops the main process only, none signals nothing;
// at usherd's own shutdown KillMode=process leaves the child running. Which signal
// a stop sends (RestartKillSignal= for a restart, SendSIGHUP= after KillSignal= only),
// that the main process gets it once, and how a death by it is judged, as systemd 252 does.
import Foundation
import XCTest
import UsherSys

final class KillModeIntegrationTests: XCTestCase {
    private func pid(_ path: String) throws -> Int32 {
        var value: Int32?
        try eventually("\(path) to hold a pid", timeout: 5) {
            value = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return value != nil
        }
        return value ?? -1
    }

    /// `name`.service with KillMode=`mode`: writes its main pid and its background child's pid.
    private func writeService(_ harness: UsherdHarness, _ name: String, mode: String) throws {
        let out = harness.outDirectory
        try harness.write("\(name).service", """
            [Service]
            KillMode=\(mode)
            TimeoutStopSec=2
            ExecStart=/bin/sh -c 'sleep 600 & echo $$! > \(out)/\(name).child; echo $$$$ > \(out)/\(name).main; exec sleep 600'
            """)
    }

    private func stopAndCheck(_ mode: String, mainSurvives: Bool, childSurvives: Bool) throws {
        let harness = try UsherdHarness()
        let name = mode.replacingOccurrences(of: "-", with: "")
        try writeService(harness, name, mode: mode)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "\(name).service"]).status, 0)
        let main = try pid(harness.outDirectory + "/\(name).main")
        let child = try pid(harness.outDirectory + "/\(name).child")
        defer {
            kill(main, SIGKILL)
            kill(child, SIGKILL)
        }
        let stop = try harness.usherctl(["stop", "\(name).service"])
        XCTAssertEqual(stop.status, 0, stop.output)
        if !mainSurvives { try eventually("main \(main) to be gone", timeout: 5) { !ProcessTree.isAlive(main) } }
        if !childSurvives { try eventually("child \(child) to be gone", timeout: 5) { !ProcessTree.isAlive(child) } }
        XCTAssertEqual(ProcessTree.isAlive(main), mainSurvives, "KillMode=\(mode): main process")
        XCTAssertEqual(ProcessTree.isAlive(child), childSurvives, "KillMode=\(mode): other process")
        XCTAssertEqual(try harness.usherctl(["is-active", "\(name).service"]).output, "inactive\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testControlGroupStopsTheMainProcessAndTheRestOfItsSession() throws {
        try stopAndCheck("control-group", mainSurvives: false, childSurvives: false)
    }

    /// How often the main process, `usher-probe count-signal`, got KillSignal=SIGRTMIN+3 (37) when
    /// count.service (`service`: its [Service] lines, `counted` the count file's path) was stopped.
    /// A real-time signal is queued per send (as a container's init takes SIGRTMIN+3), so a second
    /// send is a second delivery.
    private func killSignalsCounted(_ service: (_ counted: String) -> String) throws -> String {
        let harness = try UsherdHarness()
        let counted = harness.outDirectory + "/counted"
        try harness.write("count.service", "[Service]\nKillMode=control-group\nKillSignal=SIGRTMIN+3\n" + service(counted))
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "count.service"]).status, 0)
        let read = { (try? String(contentsOfFile: counted, encoding: .utf8)) ?? "" }
        try eventually("the service to block its KillSignal=", timeout: 5) { read() == "ready\n" }
        let stop = try harness.usherctl(["stop", "count.service"])
        XCTAssertEqual(stop.status, 0, stop.output)
        XCTAssertEqual(try harness.usherctl(["is-active", "count.service"]).output, "inactive\n")
        XCTAssertEqual(try harness.stop(), 0)
        return read()
    }

    /// systemd signals each process once: the main process, which its process group already
    /// reaches, does not get KillSignal= again through its pidfd.
    func testControlGroupSendsKillSignalToTheMainProcessOnce() throws {
        let count = try killSignalsCounted { "ExecStart=\(UsherdHarness.probePath) count-signal 37 \($0)\n" }
        XCTAssertEqual(count, "1\n", "deliveries of KillSignal= to the main process")
    }

    /// A Type=forking main process that stayed in its starter's process group (one of the service's
    /// sessions) gets KillSignal= through that group, not a second time through its pidfd.
    func testControlGroupSendsKillSignalOnceToAForkingMainProcessInItsStartersGroup() throws {
        let count = try killSignalsCounted { counted in
            let pidFile = counted + ".pid"
            return """
                Type=forking
                PIDFile=\(pidFile)
                ExecStart=/bin/sh -c '\(UsherdHarness.probePath) count-signal 37 \(counted) </dev/null >/dev/null 2>&1 & echo $$! > \(pidFile)'

                """
        }
        XCTAssertEqual(count, "1\n", "deliveries of KillSignal= to the forking main process")
    }

    func testMixedSendsSIGTERMToTheMainProcessAndSIGKILLToTheRest() throws {
        try stopAndCheck("mixed", mainSurvives: false, childSurvives: false)
    }

    func testProcessStopsOnlyTheMainProcess() throws {
        try stopAndCheck("process", mainSurvives: false, childSurvives: true)
    }

    func testNoneSignalsNothing() throws {
        try stopAndCheck("none", mainSurvives: true, childSurvives: true)
    }

    func testUsherdShutdownLeavesWhatAKillModeProcessServiceStartedRunning() throws {
        let harness = try UsherdHarness()
        try writeService(harness, "keep", mode: "process")
        try writeService(harness, "drop", mode: "control-group")
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "keep.service", "drop.service"]).status, 0)
        let keepChild = try pid(harness.outDirectory + "/keep.child")
        let dropChild = try pid(harness.outDirectory + "/drop.child")
        defer { kill(keepChild, SIGKILL) }
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(ProcessTree.isAlive(keepChild), "KillMode=process: the session's other processes keep running")
        XCTAssertFalse(ProcessTree.isAlive(dropChild))
        XCTAssertTrue(harness.log.contains("Leaving the processes of KillMode=process/none services running."))
    }

    func testAcceptInstanceWithKillModeProcessLeavesWhatItStartedRunning() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory
        let port = try harness.serve("inst", accept: true, service: """
            [Service]
            KillMode=process
            StandardInput=socket
            ExecStart=/bin/sh -c 'sleep 600 >/dev/null 2>&1 </dev/null & echo $$! > \(out)/inst.child; echo hi'
            """)
        XCTAssertEqual(try Client.tcp(port: port), "hi\n")
        let child = try pid(out + "/inst.child")
        defer { kill(child, SIGKILL) }
        try eventually("the connection slot to be free", timeout: 5) {
            (try? harness.usherctl(["status", "inst.socket"]).output)?.contains("Accepted: 1; Connected: 0") == true
        }
        XCTAssertTrue(ProcessTree.isAlive(child), "KillMode=process: the instance's other process keeps running")
        XCTAssertFalse(harness.log.contains("Stopping what the main process left"))
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testARestartSendsRestartKillSignalWithoutSIGHUPAndAnUncleanKillSignalFailsTheStop() throws {
        let harness = try UsherdHarness()
        let seen = harness.outDirectory + "/seen"
        try harness.write("traps.service", """
            [Service]
            KillMode=process
            KillSignal=SIGUSR1
            RestartKillSignal=SIGUSR2
            SendSIGHUP=yes
            TimeoutStopSec=5
            ExecStart=/bin/sh -c 'trap "echo HUP >> \(seen)" HUP; trap "echo USR2 >> \(seen); exit 0" USR2; echo started >> \(seen); while :; do sleep 0.1; done'
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "traps.service"]).status, 0)
        func lines() -> [String] {
            ((try? String(contentsOfFile: seen, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        try eventually("the service to start", timeout: 5) { lines() == ["started"] }
        let restart = try harness.usherctl(["restart", "traps.service"])
        XCTAssertEqual(restart.status, 0, restart.output)
        try eventually("the restart to start it again", timeout: 10) { lines().count >= 3 }
        XCTAssertEqual(lines(), ["started", "USR2", "started"], "RestartKillSignal= and no SIGHUP")
        XCTAssertEqual(try harness.usherctl(["is-active", "traps.service"]).output, "active\n")

        // KillSignal=SIGUSR1 is not a signal a daemon dies of cleanly: systemd's result is `signal`.
        _ = try harness.usherctl(["stop", "traps.service"])
        try harness.waitForLog("traps.service: Failed with result 'signal'.")
        XCTAssertEqual(try harness.usherctl(["is-active", "traps.service"]).output, "failed\n")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
