// Reload end to end: a real usherd gets a new unit file, then `usherctl
// daemon-reload` or SIGHUP. The new socket serves, the old one goes on
// serving, and a client loop running through the reload sees no refusal.
import Foundation
import XCTest
import UsherSys

final class ReloadIntegrationTests: XCTestCase {
    private let echo = "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n"

    /// Connects to `port` `count` times, 1 ms apart, in a background thread; counts refusals.
    private final class ClientLoop {
        private let lock = NSLock()
        private var made = 0
        private var refusedCount = 0
        private let done = DispatchSemaphore(value: 0)

        init(port: UInt16, count: Int) {
            Thread.detachNewThread { [self] in
                for _ in 0..<count {
                    let refused = (try? Client.connectOnly(port: port)) == nil
                    lock.withLock {
                        made += 1
                        if refused { refusedCount += 1 }
                    }
                    usleep(1_000)
                }
                done.signal()
            }
        }

        var connections: Int { lock.withLock { made } }

        /// Waits for the loop to end; the refused count.
        func refused() -> Int {
            done.wait()
            return lock.withLock { refusedCount }
        }
    }

    /// `name`.socket (Accept=yes, echoing with cat) on a free port, written but not reloaded.
    private func addEchoUnit(_ harness: UsherdHarness, _ name: String) throws -> UInt16 {
        let port = try freePort()
        try harness.write("\(name).socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n")
        try harness.write("\(name)@.service", echo)
        return port
    }

    /// Runs `reload` while a client loop connects to `port`: no connection is refused.
    private func reloadUnderLoad(port: UInt16, _ reload: () throws -> Void) throws {
        let clients = ClientLoop(port: port, count: 300)
        try eventually("the client loop to start", timeout: 5) { clients.connections >= 20 }
        try reload()
        XCTAssertLessThan(clients.connections, 300, "the reload ran after the client loop")
        XCTAssertEqual(clients.refused(), 0, "connections refused during the reload")
    }

    func testDaemonReloadServesANewSocketAndTheOldOneWithoutRefusingAConnection() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("old", socket: "MaxConnections=1000\nTriggerLimitIntervalSec=0\n", accept: true, service: echo)
        let newPort = try addEchoUnit(harness, "new")
        try reloadUnderLoad(port: port) {
            let run = try harness.usherctl(["daemon-reload"])
            XCTAssertEqual(run.status, 0, run.output)
            XCTAssertEqual(run.output, "added: new.socket\nkept: old.socket\n")
        }
        XCTAssertEqual(try Client.tcp(port: newPort), "hello\n")
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
    }

    func testSIGHUPReloadsTheSameWayAndLogsTheSummary() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("old", socket: "MaxConnections=1000\nTriggerLimitIntervalSec=0\n", accept: true, service: echo)
        let newPort = try addEchoUnit(harness, "new")
        try reloadUnderLoad(port: port) {
            kill(harness.pid, SIGHUP)
            try harness.waitForLog("Reload: added: new.socket")
        }
        XCTAssertTrue(harness.log.contains("Reload: kept: old.socket"), harness.log)
        XCTAssertEqual(try Client.tcp(port: newPort), "hello\n")
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
    }

    func testDaemonReloadExitsNonZeroAndNamesAUnitThatNoLongerParses() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("old", accept: true, service: echo)
        try harness.write("old.socket", "[Socket]\nListenStreem=127.0.0.1:\(port)\nAccept=yes\n")
        let run = try harness.usherctl(["daemon-reload"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.output.contains("failed: old.socket\n"), run.output)
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
    }
}
