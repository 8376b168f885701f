// verify's executable check, as systemd-analyze verify does it: a command
// that does not exist, is not executable or is a directory is an error naming
// the path and the reason; `-` skips the check; bare names use the service PATH.
import Foundation
import XCTest
import UnitModel
@testable import UnitFile

final class VerifyExecutableTests: XCTestCase {
    private func verify(_ service: String, in dir: UnitDirectory) -> [String] {
        UnitLoader(directories: [dir.path], specifiers: .fixture).verify([UnitName("x.service")]).diagnostics.map(\.text)
    }

    func testMissingCommandIsAnErrorNamingThePath() throws {
        let dir = try UnitDirectory()
        try dir.write("x.service", "[Service]\nExecStart=/nonexistent/usher-daemon\n")
        XCTAssertEqual(verify("x.service", in: dir), ["x.service: Command /nonexistent/usher-daemon is not executable: No such file or directory"])
    }

    func testNonExecutableFileAndDirectoryAreErrors() throws {
        let dir = try UnitDirectory()
        let plain = try dir.write("plain.sh", "#!/bin/sh\n")
        XCTAssertEqual(chmod(plain, 0o644), 0)
        try dir.write("x.service", "[Service]\nExecStartPre=\(plain)\nExecStart=\(dir.path)\n")
        XCTAssertEqual(verify("x.service", in: dir), [
            "x.service: Command \(plain) is not executable: Permission denied",
            "x.service: Command \(dir.path) is not executable: Is a directory",
        ])
    }

    func testDashPrefixAndCommandsFoundInThePathPass() throws {
        let dir = try UnitDirectory()
        try dir.write("x.service", "[Service]\nExecStartPre=-/nonexistent/optional\nExecStart=true\nExecStop=/bin/true\n")
        XCTAssertEqual(verify("x.service", in: dir), [])
    }

    func testVerifyFailsOnAMissingCommand() throws {
        let dir = try UnitDirectory()
        try dir.write("x.service", "[Service]\nExecStart=/nonexistent/usher-daemon\n")
        XCTAssertTrue(UnitLoader(directories: [dir.path], specifiers: .fixture).verify([UnitName("x.service")]).failed)
    }
}
