// The .deb's postrm, run for real in a private mount namespace (tmpfs on /run
// and /etc/systemd, so the host is untouched): purge removes usherd's enable
// symlinks (system and user) and /run/usher, and nothing else.
import Foundation
import XCTest

final class DebMaintainerScriptTests: XCTestCase {
    static let script = """
        set -e
        mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /etc/systemd
        mkdir -p /etc/systemd/system/multi-user.target.wants /etc/systemd/user/default.target.wants /run/usher
        ln -s /lib/systemd/system/usherd.service /etc/systemd/system/multi-user.target.wants/usherd.service
        ln -s /usr/lib/systemd/user/usherd.service /etc/systemd/user/default.target.wants/usherd.service
        ln -s /lib/systemd/system/other.service /etc/systemd/system/multi-user.target.wants/other.service
        touch /run/usher/control
        sh "$1" "$2"
        find /etc/systemd /run/usher -mindepth 1 2>/dev/null | sort
        """

    func runPostrm(_ action: String) throws -> String {
        let harness = try UsherdHarness()
        let scriptPath = harness.root + "/postrm-test.sh"
        try DebMaintainerScriptTests.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--mount", "/bin/sh", scriptPath,
                             VersionIntegrationTests.packageRoot + "/packaging/deb/postrm", action]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        return output
    }

    func testPurgeRemovesTheEnableSymlinksAndTheRuntimeDirectoryOnly() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        XCTAssertEqual(try runPostrm("purge"), """
            /etc/systemd/system
            /etc/systemd/system/multi-user.target.wants
            /etc/systemd/system/multi-user.target.wants/other.service
            /etc/systemd/user
            /etc/systemd/user/default.target.wants

            """)
    }

    func testRemoveKeepsTheEnableSymlinksForAReinstall() throws {
        try XCTSkipUnless(getuid() == 0, "private mounts need root")
        let output = try runPostrm("remove")
        XCTAssertTrue(output.contains("/etc/systemd/system/multi-user.target.wants/usherd.service"), output)
        XCTAssertTrue(output.contains("/run/usher/control"), output)
    }
}
