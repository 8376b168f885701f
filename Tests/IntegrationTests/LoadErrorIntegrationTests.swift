// A real usherd beside unit files that cannot be loaded: a two-file symlink
// loop, a dangling symlink and a directory named like a unit are each logged
// as an error naming the errno and the path (never "masked", none skipped
// silently), a real /dev/null mask is still a mask, and a good unit serves.
import Foundation
import XCTest
import UsherSys

final class LoadErrorIntegrationTests: XCTestCase {
    func testUnloadableUnitFilesAreLoggedWithTheirErrnoWhileAGoodUnitServes() throws {
        let harness = try UsherdHarness()
        let units = harness.unitDirectory
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: units + "/ping.socket", withDestinationPath: "pong.socket")
        try fm.createSymbolicLink(atPath: units + "/pong.socket", withDestinationPath: "ping.socket")
        try fm.createSymbolicLink(atPath: units + "/gone.service", withDestinationPath: harness.root + "/nowhere.service")
        try fm.createDirectory(atPath: units + "/dir.socket", withIntermediateDirectories: false)
        try fm.createSymbolicLink(atPath: units + "/null.service", withDestinationPath: "/dev/null")
        let port = try harness.serve("good", service: "[Service]\nExecStart=\(harness.probeCommand(label: "good"))\n")

        XCTAssertEqual(try Client.tcp(port: port), "ok 3 good.socket\n")
        let loop = "Too many levels of symbolic links"
        for (name, reason) in [("ping.socket", loop), ("pong.socket", loop), ("gone.service", "No such file or directory"),
                               ("dir.socket", "Is a directory")] {
            XCTAssertTrue(harness.log.contains(
                "\(name): Failed to load configuration for \(name): \(reason) (\(units)/\(name))"), harness.log)
            XCTAssertFalse(harness.log.contains("Unit \(name) is masked."), harness.log)
        }
        XCTAssertTrue(harness.log.contains("Unit null.service is masked."), harness.log)
        XCTAssertEqual(try harness.stop(), 0)
    }
}
