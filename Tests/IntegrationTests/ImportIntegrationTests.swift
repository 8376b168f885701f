// `usherctl import xinetd` end to end: Debian's echo and daytime files (the
// fixtures in UnitFileTests/Golden/import), switched on and bound to loopback,
// with a services file naming free ports; the imported units run under a real
// usherd and answer over TCP and UDP.
import Foundation
import XCTest

final class ImportIntegrationTests: XCTestCase {
    static let debianXinetd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .path + "/UnitFileTests/Golden/import/xinetd-debian/xinetd.d"

    /// Copies a Debian xinetd file with its services enabled and bound to 127.0.0.1 (and no `user = root`
    /// when the tests do not run as root: a non-root usherd cannot switch users).
    func enabledCopy(_ name: String, into directory: String) throws {
        let text = try String(contentsOfFile: Self.debianXinetd + "/" + name, encoding: .utf8)
        var enabled = text.replacingOccurrences(of: "disable\t\t= yes", with: "disable\t\t= no\n\tbind\t\t= 127.0.0.1")
        if getuid() != 0 { enabled = enabled.replacingOccurrences(of: "\tuser\t\t= root\n", with: "") }
        XCTAssertNotEqual(enabled, text, "the fixture \(name) should disable its services")
        try enabled.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    func usherctl(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: UsherdHarness.productsDirectory + "/usherctl")
        process.arguments = arguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    func testImportedDebianEchoAndDaytimeServeUnderUsherd() throws {
        let harness = try UsherdHarness()
        let echoPort = try freePort(), daytimePort = try freePort()
        let config = harness.root + "/xinetd.d"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try enabledCopy("echo", into: config)
        try enabledCopy("daytime", into: config)
        let services = harness.root + "/services"
        try "echo \(echoPort)/tcp\necho \(echoPort)/udp\ndaytime \(daytimePort)/tcp\ndaytime \(daytimePort)/udp\n"
            .write(toFile: services, atomically: true, encoding: .utf8)

        let run = try usherctl(["import", "xinetd", config, "--services", services, "--output", harness.unitDirectory])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try usherctl(["verify", "--unit-dir", harness.unitDirectory, "echo-stream.socket", "echo-dgram.socket",
                                     "daytime-stream.socket", "daytime-dgram.socket"]).status, 0)
        try harness.start()

        XCTAssertEqual(try AcceptClient.ipv4(echoPort).exchange("hello xinetd\n", halfClose: true), "hello xinetd\n")
        XCTAssertEqual(try Client.udp(port: echoPort, send: "hello udp\n"), "hello udp\n")
        let year = String(Calendar(identifier: .gregorian).component(.year, from: Date()))
        for answer in [try AcceptClient.ipv4(daytimePort).exchange("", halfClose: true),
                       try Client.udp(port: daytimePort, send: "?")] {
            XCTAssertTrue(answer.hasSuffix(year + "\n"), "daytime answered '\(answer)'")
        }
        XCTAssertEqual(try harness.stop(), 0)
    }
}
