// A socket unit's own commands under a real usherd, in systemd's order:
// ExecStartPre= before the listener exists, ExecStartPost= once it is bound,
// ExecStopPre= while it is still bound, ExecStopPost= after it is closed (on
// `usherctl stop` and when usherd stops), for Accept=no and Accept=yes units;
// a failing ExecStartPre= fails the socket with result exit-code, and it does
// not listen; a timed-out command gets SIGTERM and SIGCONT; usherctl waits for the commands.
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
        XCTAssertFalse(harness.log.contains("Control process still around, killing."), harness.log)
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

    private func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}
