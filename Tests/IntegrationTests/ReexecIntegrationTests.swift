// Live operations end to end on a real usherd: re-exec (usherctl
// daemon-reexec, SIGUSR2) keeps the pid, the listeners, the running services
// and instances (a held connection and its slot) and the status; a client
// loop against an Accept=no service and an Accept=yes handler sees nothing
// refused or lost through a re-exec and through a reload that adds, removes
// and changes units. The failure path: a binary that cannot be executed, and
// a state the new image refuses.
import Foundation
import XCTest
import ControlProtocol
import UsherSys

final class ReexecIntegrationTests: XCTestCase {
    private let echo = "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n"

    /// yes.socket (Accept=yes, cat), no.socket (Accept=no, a probe serving for a minute)
    /// and sleeper.service, enabled so started at boot; usherd started; returns both ports.
    private func startLiveSet(_ harness: UsherdHarness) throws -> (yes: UInt16, no: UInt16) {
        let noPort = try freePort()
        try harness.write("no.socket", "[Socket]\nListenStream=127.0.0.1:\(noPort)\n")
        try harness.write("no.service", "[Service]\nExecStart=\(harness.probeCommand(label: "no", "--wait-ms 120000"))\n")
        try harness.write("sleeper.service", "[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=multi-user.target\n")
        try harness.enable("sleeper.service")
        let yesPort = try harness.serve("yes", socket: "MaxConnections=1000\nTriggerLimitIntervalSec=0\n", accept: true,
                                        service: echo)
        XCTAssertTrue(try Client.tcp(port: noPort).hasPrefix("ok"), "the Accept=no service answers")
        return (yesPort, noPort)
    }

    /// `change` runs while 4 clients make 300 connections each over both ports: nothing refused, reset or lost.
    private func underTraffic(_ ports: [UInt16], _ change: () throws -> Void) throws {
        let traffic = TrafficLoop(ports: ports, clients: 4, perClient: 300)
        try eventually("the client loop to get going", timeout: 10) { traffic.sofar.total >= 100 }
        try change()
        XCTAssertLessThan(traffic.sofar.total, 1200, "the change ran while clients connected")
        let counts = try XCTUnwrap(traffic.finish(), "the client loop ended")
        XCTAssertEqual(counts, TrafficLoop.Counts(answered: 1200), "\(counts)")
    }

    func testReexecKeepsPidServicesAndStatusAndServesThroughout() throws {
        let harness = try UsherdHarness()
        let ports = try startLiveSet(harness)
        let before = try harness.usherctl(["status", "--lines", "5"])
        XCTAssertEqual(before.status, 0, before.output)
        let run = try harness.usherctl(["daemon-reexec"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.hasPrefix("Re-executed "), run.output)
        XCTAssertEqual(try harness.usherctl(["status", "--lines", "5"]).output, before.output, "status is the same")
        XCTAssertTrue(harness.process?.isRunning == true, "the same process goes on")

        try underTraffic([ports.yes, ports.no]) {
            kill(harness.pid, SIGUSR2)
            try harness.waitForLog("Re-executed ", count: 2)
        }
        let after = try harness.usherctl(["status", "no.service", "sleeper.service"])
        XCTAssertTrue(after.output.contains("active (running)"), after.output)
        XCTAssertFalse(after.output.contains("inactive"), after.output)
        try harness.waitUntilNoZombieChildren()
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testARunningInstanceKeepsItsConnectionAndSlotAndIsReapedByTheNewImage() throws {
        let harness = try UsherdHarness()
        let ports = try startLiveSet(harness)
        let held = try Client.connectOnly(port: ports.yes)
        try BlockingIO.writeAll(held.raw, Array("before\n".utf8))
        XCTAssertEqual(String(decoding: BlockingIO.readSome(held.raw, milliseconds: 5000), as: UTF8.self), "before\n")
        XCTAssertTrue(try harness.usherctl(["status", "yes.socket"]).output.contains("Accepted: 1; Connected: 1"))
        let run = try harness.usherctl(["daemon-reexec"])
        XCTAssertTrue(run.output.contains("3 process(es) kept"), run.output)
        try BlockingIO.writeAll(held.raw, Array("after\n".utf8))
        XCTAssertEqual(String(decoding: BlockingIO.readSome(held.raw, milliseconds: 5000), as: UTF8.self), "after\n")
        XCTAssertTrue(try harness.usherctl(["status", "yes.socket"]).output.contains("Accepted: 1; Connected: 1"))
        held.close()
        try eventually("the new image to reap the instance and free its slot", timeout: 10) {
            (try? harness.usherctl(["status", "yes.socket"]).output.contains("Accepted: 1; Connected: 0")) == true
        }
        try harness.waitUntilNoZombieChildren()
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAReloadThatAddsRemovesAndChangesUnitsRefusesNothing() throws {
        let harness = try UsherdHarness()
        let ports = try startLiveSet(harness)
        try harness.write("gone.socket", "[Socket]\nListenStream=127.0.0.1:\(try freePort())\nAccept=yes\n")
        try harness.write("gone@.service", echo)
        XCTAssertEqual(try harness.usherctl(["daemon-reload"]).status, 0)
        let addedPort = try freePort()
        try underTraffic([ports.yes, ports.no]) {
            try harness.write("added.socket", "[Socket]\nListenStream=127.0.0.1:\(addedPort)\nAccept=yes\n")
            try harness.write("added@.service", echo)
            try FileManager.default.removeItem(atPath: harness.unitDirectory + "/gone.socket")
            try harness.write("yes@.service", "[Service]\nStandardInput=socket\nExecStart=/bin/cat -u\n")
            let run = try harness.usherctl(["daemon-reload"])
            XCTAssertEqual(run.status, 0, run.output)
            XCTAssertTrue(run.output.contains("added: added.socket"), run.output)
            XCTAssertTrue(run.output.contains("removed: gone.socket"), run.output)
        }
        XCTAssertEqual(try Client.tcp(port: addedPort), "hello\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// A run's PrivateTmp= outlives a re-exec: ExecStop= afterwards sees the /tmp ExecStart= wrote,
    /// and the stop removes the run's directories.
    func testAServicesPrivateTmpIsKeptAcrossAReexecAndRemovedAtItsStop() throws {
        try XCTSkipUnless(getuid() == 0, "namespaces need root")
        let harness = try UsherdHarness()
        let out = harness.root + "/keeptmp.out"
        try harness.write("keeptmp.service", """
            [Service]
            Type=oneshot
            RemainAfterExit=yes
            PrivateTmp=yes
            \(UsherdHarness.probeBinding)
            StandardOutput=append:\(out)
            ExecStart=\(UsherdHarness.probePath) fs write /tmp/kept
            ExecStop=\(UsherdHarness.probePath) fs cat /tmp/kept
            [Install]
            WantedBy=multi-user.target
            """)
        let before = UsherdHarness.privateTmpDirectories(of: "keeptmp.service")
        try harness.enable("keeptmp.service")
        try harness.start()
        try eventually("keeptmp.service to be active", timeout: 10) {
            (try? harness.usherctl(["is-active", "keeptmp.service"]).output) == "active\n"
        }
        XCTAssertEqual(try harness.usherctl(["daemon-reexec"]).status, 0)
        XCTAssertEqual(try harness.usherctl(["stop", "keeptmp.service"]).status, 0)
        let lines = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        XCTAssertTrue(lines.contains("cat /tmp/kept: ok probe"), lines)
        XCTAssertEqual(UsherdHarness.privateTmpDirectories(of: "keeptmp.service").subtracting(before), [],
                       "the run's private /tmp and /var/tmp are removed at its stop")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testABinaryThatCannotBeExecutedLeavesUsherdAsItWas() throws {
        let harness = try UsherdHarness()
        let ports = try startLiveSet(harness)
        let before = try harness.usherctl(["status"]).output
        let run = try harness.usherctl(["daemon-reexec", "--binary", harness.root + "/no-such-usherd"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.output.contains("Failed to reexecute daemon: execv \(harness.root)/no-such-usherd: No such file"), run.output)
        XCTAssertEqual(try harness.usherctl(["status"]).output, before)
        XCTAssertEqual(try Client.tcp(port: ports.yes), "hello\n")
        XCTAssertTrue(try Client.tcp(port: ports.no).hasPrefix("ok"))
        XCTAssertTrue(harness.log.contains("Re-exec failed, usherd goes on as it was"), harness.log)
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// A wrapper overwrites the state with another version before executing usherd:
    /// the new image says so loudly, starts afresh and adopts every listener.
    func testAStateTheNewImageCannotReadFallsBackToAdoptingTheListeners() throws {
        let harness = try UsherdHarness()
        let ports = try startLiveSet(harness)
        let wrapper = harness.root + "/corrupting-usherd"
        let script = """
            #!/bin/sh
            previous=""; fd=""
            for argument in "$@"; do [ "$previous" = "--deserialize" ] && fd=$argument; previous=$argument; done
            printf '{"version":999}' > /proc/$$/fd/$fd
            exec \(UsherdHarness.productsDirectory)/usherd "$@"

            """
        try script.write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        let queued = try Client.connectOnly(port: ports.yes)
        try BlockingIO.writeAll(queued.raw, Array("queued\n".utf8))
        // Over the control socket directly: Foundation's Process lost the exit of a
        // usherctl started just before the wrapper shell ran (the test then hung).
        let response = try harness.control(ControlRequest(verb: .daemonReexec, binary: wrapper), timeout: 20)
        XCTAssertEqual(response.error?.kind, .failed)
        XCTAssertTrue(response.error?.message.contains("could not read the saved state (state version 999") == true,
                      "\(String(describing: response.error))")
        XCTAssertTrue(harness.log.contains("<critical> Cannot read the state of the previous usherd"), harness.log)
        XCTAssertEqual(String(decoding: BlockingIO.readSome(queued.raw, milliseconds: 5000), as: UTF8.self), "queued\n")
        XCTAssertEqual(try Client.tcp(port: ports.yes), "hello\n")
        XCTAssertTrue(try Client.tcp(port: ports.no).hasPrefix("ok"))
        XCTAssertTrue(harness.process?.isRunning == true)
        // The previous image's processes are usherd's children it no longer knows: end them here.
        ProcessTree.childrenOfMainThread(harness.pid).forEach { kill($0, SIGKILL) }
        XCTAssertEqual(try harness.stop(), 0)
    }
}
