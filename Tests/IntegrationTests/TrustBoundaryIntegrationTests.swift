// usherd's trust boundaries, end to end: the runtime directory (refused when
// others can write to it, one usherd per directory), sd_notify from services
// that dropped privileges, NotifyAccess= and MAINPID= claims judged by the
// kernel's credentials, and what a main process leaves behind being stopped.
import Foundation
import XCTest
import UsherSys

final class TrustBoundaryIntegrationTests: XCTestCase {
    /// A notifier in Python's standard library: sends argv[1] (with {ppid}
    /// replaced by its parent's pid) to $NOTIFY_SOCKET, from a forked child
    /// with --fork (which lives on: usherd attributes a datagram by its
    /// sender's /proc entry), then sleeps until stopped.
    private func writeNotifier(_ harness: UsherdHarness) throws -> String {
        let path = harness.root + "/notify.py"
        try """
            import os, socket, sys, time
            text = sys.argv[1].replace("{ppid}", str(os.getppid())).replace("\\\\n", "\\n")
            def send():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.connect(os.environ["NOTIFY_SOCKET"])
                s.send(text.encode())
            if "--fork" in sys.argv:
                if os.fork() == 0:
                    send()
            else:
                send()
            time.sleep(300)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func requirePython() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("needs /usr/bin/python3")
        }
    }

    private func requireRoot() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to run a service as User=nobody") }
    }

    /// A socket on a free port whose first connection starts `service` (a Type=notify unit).
    private func notifyUnits(_ harness: UsherdHarness, service: String, _ body: String) throws -> UInt16 {
        let port = try freePort()
        try harness.write("\(service).socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n")
        try harness.write("\(service).service", "[Service]\nType=notify\nTimeoutStartSec=5\n" + body)
        return port
    }

    // MARK: the runtime directory

    func testRuntimeDirectoryThatOthersCanWriteIsRefused() throws {
        let harness = try UsherdHarness()
        let runtime = harness.root + "/rt"
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: false)
        chmod(runtime, 0o777)
        let (status, output) = try UsherdHarness.runToExit(["--unit-dir", harness.unitDirectory, "--runtime-dir", runtime])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.contains("usherd: the runtime directory \(runtime) is writable by group or others (mode 0777"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: runtime + "/notify"), "nothing was created in it")
    }

    func testSecondUsherdOnTheSameRuntimeDirectoryExitsAndTheFirstKeepsItsNotifySocket() throws {
        let harness = try UsherdHarness()
        let port = try notifyUnits(harness, service: "ntf", "ExecStart=\(harness.probeCommand(label: "ntf", "--notify --wait-ms 5000"))\n")
        try harness.start()
        let empty = harness.root + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)

        let (status, output) = try UsherdHarness.runToExit(["--unit-dir", empty, "--runtime-dir", harness.root + "/rt"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.contains("usherd: \(harness.root)/rt is in use by usherd (pid \(harness.pid))"), output)

        XCTAssertTrue(try Client.tcp(port: port).hasPrefix("ok 3 ntf.socket"))
        try harness.waitForLog("ntf.service: Service is ready.")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.root + "/rt/notify"), "removed by its own usherd")
    }

    // MARK: sd_notify and MAINPID=

    func testServiceThatDroppedPrivilegesCanSendReady() throws {
        try requireRoot()
        try requirePython()
        let harness = try UsherdHarness()
        let notifier = try writeNotifier(harness)
        let port = try notifyUnits(harness, service: "low", "User=nobody\nExecStart=/usr/bin/python3 \(notifier) READY=1\n")
        try harness.start()
        _ = try Client.connectOnly(port: port)
        try harness.waitForLog("low.service: Service is ready.")
        XCTAssertFalse(harness.log.contains("timed out"), harness.log)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testUnprivilegedServiceCannotMakeAForeignProcessGroupItsMainPID() throws {
        try requireRoot()
        try requirePython()
        // Foundation starts it in a session and process group of its own.
        let victim = Process()
        victim.executableURL = URL(fileURLWithPath: "/bin/sleep")
        victim.arguments = ["300"]
        try victim.run()
        defer { victim.terminate(); victim.waitUntilExit() }
        try eventually("the victim to lead its own group", timeout: 5) { getpgid(victim.processIdentifier) == victim.processIdentifier }

        let harness = try UsherdHarness()
        let notifier = try writeNotifier(harness)
        let claim = "MAINPID=\(victim.processIdentifier)\\nREADY=1"
        let port = try notifyUnits(harness, service: "grab", "User=nobody\nExecStart=/usr/bin/python3 \(notifier) \(claim)\n")
        try harness.start()
        _ = try Client.connectOnly(port: port)
        try harness.waitForLog("grab.service: New main PID \(victim.processIdentifier) does not belong to service, refusing.")
        try harness.waitForLog("grab.service: Service is ready.")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(victim.isRunning, "usherd signalled a process group that was not its own")
    }

    func testServiceThatNamesUsherdAsMainPIDIsRefused() throws {
        try requirePython()
        let harness = try UsherdHarness()
        let notifier = try writeNotifier(harness)
        let port = try notifyUnits(harness, service: "me", "ExecStart=/usr/bin/python3 \(notifier) MAINPID={ppid}\\nREADY=1\n")
        try harness.start()
        _ = try Client.connectOnly(port: port)
        try harness.waitForLog("me.service: New main PID \(harness.pid) is the manager, refusing.")
        try harness.waitForLog("me.service: Service is ready.")
        XCTAssertEqual(try harness.stop(), 0, "usherd stopped the service, not itself")
    }

    func testReadyFromAChildCountsOnlyWithNotifyAccessAll() throws {
        try requirePython()
        let harness = try UsherdHarness()
        let notifier = try writeNotifier(harness)
        let strict = try notifyUnits(harness, service: "strict", "TimeoutStartSec=1\nExecStart=/usr/bin/python3 \(notifier) READY=1 --fork\n")
        let open = try notifyUnits(harness, service: "open", "NotifyAccess=all\nExecStart=/usr/bin/python3 \(notifier) READY=1 --fork\n")
        try harness.start()
        _ = try Client.connectOnly(port: strict)
        _ = try Client.connectOnly(port: open)
        try harness.waitForLog("open.service: Service is ready.")
        try harness.waitForLog("strict.service: Got notification message from PID")
        try harness.waitForLog("strict.service: Start operation timed out. Terminating.")
        XCTAssertFalse(harness.log.contains("strict.service: Service is ready."), harness.log)
        XCTAssertEqual(try harness.stop(), 0)
    }

    // MARK: leftovers

    func testInstanceLeftoversAreStoppedSoTheClientGetsEOFAndTheSlotIsFreed() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("bg", socket: "MaxConnections=2\n", accept: true,
                                     service: "[Service]\nStandardInput=socket\nTimeoutStopSec=5\nExecStart=/bin/sh -c \"echo hi; sleep 303 & exit 0\"\n")
        for index in 0..<4 {
            let started = Date()
            XCTAssertEqual(try AcceptClient.ipv4(port).readToEnd(timeout: 4), "hi\n", "connection \(index)")
            XCTAssertLessThan(Date().timeIntervalSince(started), 3, "EOF came when the leftover sleep was stopped")
        }
        try harness.waitUntilNoChildren("no leftover sleep under usherd", timeout: 5)
        try harness.waitForLog("Stopping what the main process left: process group(s)")
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(harness.log.contains("bg.socket: Accepted 4 connection(s), 0 active, 0 refused."), harness.log)
    }

    func testInstanceLeftoversThatIgnoreKillSignalGetSIGKILLAfterTimeoutStopSec() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("stubborn", accept: true, service: """
            [Service]
            StandardInput=socket
            TimeoutStopSec=1
            ExecStart=/bin/sh -c "trap '' TERM; echo hi; sleep 303 & exit 0"
            """)
        let started = Date()
        XCTAssertEqual(try AcceptClient.ipv4(port).readToEnd(timeout: 6), "hi\n")
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThan(waited, 0.8, "SIGTERM was ignored, so only SIGKILL ended it")
        XCTAssertLessThan(waited, 4)
        try harness.waitForLog("State 'stop-sigterm' timed out. Killing.")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// A script to leave behind: it appends "USR1" to the marker file at each SIGUSR1 and runs `then`,
    /// creates MARKER.ready once that trap is set, and otherwise runs until killed.
    private func usr1Leftover(_ harness: UsherdHarness, then: String) throws -> (script: String, marker: String) {
        let marker = harness.outDirectory + "/final"
        let script = harness.root + "/leftover.sh"
        try """
            trap 'echo USR1 >> \(marker); \(then)' USR1
            : > \(marker).ready
            while :; do sleep 0.1; done
            """.write(toFile: script, atomically: true, encoding: .utf8)
        return (script, marker)
    }

    /// systemd's stop-sigkill is KILL_KILL: FinalKillSignal=, for what an instance left too.
    func testInstanceLeftoversGetFinalKillSignalAfterTimeoutStopSec() throws {
        let harness = try UsherdHarness()
        let (script, marker) = try usr1Leftover(harness, then: "exit 0")
        let port = try harness.serve("final", accept: true, service: """
            [Service]
            StandardInput=socket
            TimeoutStopSec=1
            FinalKillSignal=SIGUSR1
            ExecStart=/bin/sh -c "trap '' TERM; /bin/sh \(script) & echo hi; exit 0"
            """)
        // The shell reports its `sleep` dead of SIGUSR1 on the connection before its trap runs.
        let answer = try AcceptClient.ipv4(port).readToEnd(timeout: 6)
        XCTAssertTrue(answer.hasPrefix("hi\n"), answer)
        try harness.waitForLog("State 'stop-sigterm' timed out. Killing.")
        try eventually("the leftover to get FinalKillSignal=", timeout: 5) {
            (try? String(contentsOfFile: marker, encoding: .utf8)) == "USR1\n"
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// KillMode=mixed: systemd 252's stop-sigterm signals no leftover, stop-sigkill sends FinalKillSignal=
    /// once, and at the next timeout it gives up on them rather than signalling them again.
    func testMixedInstanceLeftoversGetFinalKillSignalOnceThenAreGivenUp() throws {
        let harness = try UsherdHarness()
        let (script, marker) = try usr1Leftover(harness, then: ":")
        // The main process exits only once the leftover's trap is set.
        let port = try harness.serve("mixed", accept: true, service: """
            [Service]
            StandardInput=socket
            KillMode=mixed
            TimeoutStopSec=1
            FinalKillSignal=SIGUSR1
            ExecStart=/bin/sh -c "/bin/sh \(script) & while [ ! -e \(marker).ready ]; do sleep 0.05; done; echo hi; exit 0"
            """)
        let answer = try AcceptClient.ipv4(port).readToEnd(timeout: 6, stopAtNewline: true)
        XCTAssertEqual(answer, "hi\n")
        try harness.waitForLog("Processes still around after SIGKILL. Ignoring.")
        XCTAssertFalse(harness.log.contains("State 'stop-sigterm' timed out"), harness.log)
        XCTAssertEqual(try String(contentsOfFile: marker, encoding: .utf8), "USR1\n", "FinalKillSignal= exactly once")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testServiceLeftoversAreStoppedBeforeTheServiceIsInactive() throws {
        let harness = try UsherdHarness()
        try harness.write("lo.service", """
            [Service]
            TimeoutStopSec=5
            ExecStart=/bin/sh -c "sleep 303 & exit 0"
            [Install]
            WantedBy=multi-user.target
            """)
        try harness.enable("lo.service")
        try harness.start()
        try harness.waitForLog("lo.service: Deactivated successfully.")
        XCTAssertTrue(Processes.children(of: harness.pid).isEmpty, "the leftover sleep was gone before the service was inactive")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
