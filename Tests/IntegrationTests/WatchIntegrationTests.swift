// usherd --watch end to end: unit files copied into the unit directory, a burst
// of files, and a drop-in in a new `.d` directory are picked up without a reload
// command, a burst makes one reload, a unit directory made again is watched
// from the next reload, and without --watch nothing is picked up.
import Foundation
import XCTest
import UsherSys

final class WatchIntegrationTests: XCTestCase {
    private let echo = "[Service]\nStandardInput=socket\nExecStart=/bin/cat\n"

    /// `name`.socket (Accept=yes, echoing with cat) on a free port, plus its service.
    private func addEchoUnit(_ harness: UsherdHarness, _ name: String) throws -> UInt16 {
        let port = try freePort()
        try harness.write("\(name).socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n")
        try harness.write("\(name)@.service", echo)
        return port
    }

    /// How many reloads usherd has finished ("Reloaded." or "Reloaded with N failed unit(s).").
    private func reloads(_ harness: UsherdHarness) -> Int {
        harness.log.components(separatedBy: "Reloaded").count - 1
    }

    private func waitUntilListening(_ port: UInt16) throws {
        let address = try loopback(port)
        try eventually("127.0.0.1:\(port) to accept connections", timeout: 5) { connectErrno(address) == 0 }
    }

    func testACopiedSocketAndServiceAreServedWithoutAReloadCommand() throws {
        let harness = try UsherdHarness()
        try harness.serve("old", accept: true, service: echo, arguments: ["--watch"])
        let port = try addEchoUnit(harness, "new")
        try waitUntilListening(port)
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
        XCTAssertTrue(harness.log.contains("Unit files changed, reloading."), harness.log)
        XCTAssertTrue(harness.log.contains("Reload: added: new.socket"), harness.log)
    }

    func testABurstOfTwentyFilesMakesExactlyOneReload() throws {
        let harness = try UsherdHarness()
        try harness.serve("old", accept: true, service: echo, arguments: ["--watch"])
        var ports: [UInt16] = []
        for index in 0..<10 { ports.append(try addEchoUnit(harness, "burst\(index)")) }
        for port in ports { try waitUntilListening(port) }
        // Bounded: proves no second reload follows the first.
        usleep(1_000_000)
        XCTAssertEqual(reloads(harness), 1, harness.log)
    }

    func testADropInInANewDirectoryIsPickedUp() throws {
        let harness = try UsherdHarness()
        try harness.serve("old", accept: true, service: echo, arguments: ["--watch"])
        try FileManager.default.createDirectory(atPath: harness.unitDirectory + "/old.socket.d",
                                                withIntermediateDirectories: false)
        try eventually("the reload after mkdir", timeout: 5) { reloads(harness) == 1 }
        let port = try freePort()
        try harness.write("old.socket.d/second.conf", "[Socket]\nListenStream=127.0.0.1:\(port)\n")
        try waitUntilListening(port)
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
        XCTAssertEqual(reloads(harness), 2, harness.log)
    }

    func testAUnitDirectoryRemovedAndMadeAgainIsWatchedFromTheNextReload() throws {
        let harness = try UsherdHarness()
        let extra = harness.root + "/extra"
        try FileManager.default.createDirectory(atPath: extra, withIntermediateDirectories: false)
        try harness.serve("old", accept: true, service: echo, arguments: ["--watch", "--unit-dir", extra])
        try FileManager.default.removeItem(atPath: extra)
        try eventually("the reload after rmdir", timeout: 5) { reloads(harness) == 1 }
        try FileManager.default.createDirectory(atPath: extra, withIntermediateDirectories: false)
        kill(harness.pid, SIGHUP)
        try eventually("the reload after SIGHUP", timeout: 5) { reloads(harness) == 2 }
        let port = try freePort()
        let socket = "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n"
        try socket.write(toFile: extra + "/late.socket", atomically: true, encoding: .utf8)
        try echo.write(toFile: extra + "/late@.service", atomically: true, encoding: .utf8)
        try waitUntilListening(port)
        XCTAssertEqual(try Client.tcp(port: port), "hello\n")
    }

    func testEditorSwapAndBackupFilesDoNotReload() throws {
        let harness = try UsherdHarness()
        try harness.serve("old", accept: true, service: echo, arguments: ["--watch"])
        try harness.write(".old.socket.swp", "swap")
        try harness.write("old.socket~", "backup")
        try harness.write("old.socket.swp", "swap")
        // Bounded: the debounce would have reloaded within 200 ms.
        usleep(1_000_000)
        XCTAssertEqual(reloads(harness), 0, harness.log)
    }

    func testWithoutWatchANewFileIsNotPickedUp() throws {
        let harness = try UsherdHarness()
        try harness.serve("old", accept: true, service: echo)
        let port = try addEchoUnit(harness, "new")
        // Bounded: five debounce periods with nothing happening proves the negative.
        usleep(1_000_000)
        XCTAssertEqual(connectErrno(try loopback(port)), ECONNREFUSED)
        XCTAssertEqual(reloads(harness), 0, harness.log)
    }
}
