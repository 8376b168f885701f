// The runit and s6 recipes in packaging/ run for real: runsv and s6-supervise
// start the shipped run script (only usherd's path and test directories
// changed), usherd serves a unit, and `sv down` / `s6-svc -d` stop it cleanly.
// OpenRC's script runs in OpenRCRecipeIntegrationTests.
import Foundation
import XCTest

final class SupervisorRecipeIntegrationTests: XCTestCase {
    /// A copy of `packaging/<recipe>/usherd/run` that runs the built usherd on the harness's directories.
    func stageRunScript(_ recipe: String, harness: UsherdHarness) throws -> String {
        let service = harness.root + "/\(recipe)-usherd"
        try FileManager.default.createDirectory(atPath: service, withIntermediateDirectories: true)
        let shipped = try String(contentsOfFile: VersionIntegrationTests.packageRoot + "/packaging/\(recipe)/usherd/run",
                                 encoding: .utf8)
        XCTAssertTrue(shipped.contains("exec /usr/bin/usherd "), shipped)
        let usherd = "\(UsherdHarness.productsDirectory)/usherd --unit-dir \(harness.unitDirectory) --runtime-dir \(harness.root)/rt"
        let staged = shipped.replacingOccurrences(of: "/usr/bin/usherd", with: usherd)
        try staged.write(toFile: service + "/run", atomically: true, encoding: .utf8)
        chmod(service + "/run", 0o755)
        return service
    }

    func supervise(_ recipe: String, supervisor: String, stop: [String]) throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: supervisor), "no \(supervisor)")
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("echo.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n")
        try harness.write("echo@.service", "[Service]\nExecStart=/bin/cat\nStandardInput=socket\n")
        let service = try stageRunScript(recipe, harness: harness)
        let process = try harness.launch(supervisor, [service])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try harness.waitForLog("socket unit(s);", timeout: 15)
        XCTAssertEqual(try AcceptClient.ipv4(port).exchange("via \(recipe)\n", halfClose: true), "via \(recipe)\n")

        let stopper = Process()
        stopper.executableURL = URL(fileURLWithPath: stop[0])
        stopper.arguments = Array(stop.dropFirst()) + [service]
        try stopper.run()
        stopper.waitUntilExit()
        try harness.waitForLog("Stopped.", timeout: 15)
        XCTAssertTrue(harness.log.contains("Received SIGTERM, stopping."), harness.log)
        try expectRefused([try loopback(port)], "echo.socket after \(recipe) stopped usherd")
        kill(process.processIdentifier, SIGTERM)
        try eventually("\(supervisor) to exit", timeout: 10) { !process.isRunning }
    }

    func testRunitRunsvStartsTheRunScriptAndSvDownStopsUsherd() throws {
        try supervise("runit", supervisor: "/usr/bin/runsv", stop: ["/usr/bin/sv", "down"])
    }

    func testS6SuperviseStartsTheRunScriptAndS6SvcDownStopsUsherd() throws {
        try supervise("s6", supervisor: "/usr/bin/s6-supervise", stop: ["/usr/bin/s6-svc", "-d"])
    }
}
