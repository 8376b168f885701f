// Debian daemons that need process set-up, under a real usherd with their
// real clients: tftpd-hpa's in.tftpd in inetd "wait" style (the datagram
// socket as stdin, StandardInput=socket on an Accept=no unit) served to curl's
// TFTP client, and openssh-server's sshd needing RuntimeDirectory=sshd: its
// `sshd -t` check passes and the classic per-connection unit (sshd -i, inetd
// style) runs a command for the real ssh client. Skipped when not installed.
import Foundation
import XCTest
import UsherSys

final class InetdDaemonsIntegrationTests: XCTestCase {
    func testTftpdInInetdWaitStyleServesAFileToCurl() throws {
        let fm = FileManager.default
        try XCTSkipUnless(fm.isExecutableFile(atPath: "/usr/sbin/in.tftpd"), "tftpd-hpa is not installed")
        try XCTSkipUnless(Users.effectiveUID == 0, "in.tftpd -s chroots")
        let harness = try UsherdHarness()
        let served = harness.root + "/tftp"
        try fm.createDirectory(atPath: served, withIntermediateDirectories: true)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: served)
        try "served by in.tftpd under usherd\n".write(toFile: served + "/hello.txt", atomically: true, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: served + "/hello.txt")
        let port = try freePort()
        try harness.write("tftp.socket", "[Socket]\nListenDatagram=127.0.0.1:\(port)\n")
        try harness.write("tftp.service", """
            [Service]
            ExecStart=/usr/sbin/in.tftpd --secure --timeout 2 \(served)
            StandardInput=socket
            """)
        try harness.start()

        for attempt in 1...2 {
            let (status, output) = try runCollectingOutput("/usr/bin/curl", ["-sS", "--max-time", "10", "tftp://127.0.0.1:\(port)/hello.txt"],
                                                            timeout: 20)
            XCTAssertEqual(status, 0, "attempt \(attempt): \(output)\n\(harness.log)")
            XCTAssertEqual(output, "served by in.tftpd under usherd\n")
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testSshdCheckPassesWithRuntimeDirectoryAndPerConnectionSshdRunsACommandForTheSshClient() throws {
        let fm = FileManager.default
        try XCTSkipUnless(fm.isExecutableFile(atPath: "/usr/sbin/sshd") && fm.isExecutableFile(atPath: "/usr/bin/ssh"),
                          "openssh-server or openssh-client is not installed")
        try XCTSkipUnless(Users.effectiveUID == 0, "sshd and /run/sshd need root")
        try XCTSkipIf(fm.fileExists(atPath: "/run/sshd"), "/run/sshd exists: another sshd may be using it")
        defer { try? fm.removeItem(atPath: "/run/sshd") }
        let harness = try UsherdHarness()
        let config = try SSHFixture(directory: harness.root + "/ssh")
        let port = try freePort()
        try harness.write("sshcheck.service", """
            [Service]
            Type=oneshot
            RuntimeDirectory=sshd
            RuntimeDirectoryMode=0755
            ExecStartPre=/usr/sbin/sshd -t -f \(config.configPath)
            ExecStart=/bin/true
            """)
        // Debian's classic per-connection unit, with the test's sshd_config.
        try harness.write("sshtest.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n")
        try harness.write("sshtest@.service", """
            [Service]
            ExecStart=-/usr/sbin/sshd -i -f \(config.configPath)
            StandardInput=socket
            RuntimeDirectory=sshd
            RuntimeDirectoryMode=0755
            """)
        try harness.start()

        XCTAssertEqual(try harness.usherctl(["start", "sshcheck.service"]).status, 0, harness.log)
        XCTAssertFalse(harness.log.contains("sshcheck.service: Failed"), harness.log)
        let banner = try Client.tcp(port: port, send: "")
        XCTAssertTrue(banner.hasPrefix("SSH-2.0-OpenSSH"), "banner: \(banner)")
        // As under systemd, a stopping instance removes /run/sshd (RuntimeDirectoryPreserve=no)
        // even while another instance starts: let the banner's instance end first.
        try eventually("the banner's instance removed /run/sshd", timeout: 10) { !fm.fileExists(atPath: "/run/sshd") }
        let (status, output) = try runCollectingOutput("/usr/bin/ssh", [
            "-p", String(port), "-i", config.clientKey, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "root@127.0.0.1", "echo served-over-ssh",
        ], timeout: 20)
        XCTAssertEqual(status, 0, output + "\n" + harness.log)
        XCTAssertEqual(output, "served-over-ssh\n")
        XCTAssertEqual(try harness.stop(), 0)
    }
}

/// A host key, a client key allowed in for root, and an sshd_config using them.
struct SSHFixture {
    let configPath: String
    let clientKey: String

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        clientKey = directory + "/client"
        for key in [directory + "/host", clientKey] {
            let (status, output) = try runCollectingOutput("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key],
                                                            timeout: 20)
            guard status == 0 else { throw HarnessError(description: "ssh-keygen: \(output)") }
        }
        try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: directory + "/authorized_keys")
        configPath = directory + "/sshd_config"
        try """
            HostKey \(directory)/host
            AuthorizedKeysFile \(directory)/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PidFile none
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }
}
