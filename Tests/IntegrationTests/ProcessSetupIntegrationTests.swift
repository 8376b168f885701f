// Process set-up on a real usherd (systemd.exec(5)): inetd "wait" style
// (StandardInput=socket on an Accept=no unit: the listener or datagram socket
// is stdin and stdout), StandardInput=data, the one-socket rule, Nice=,
// UMask=, WorkingDirectory= with ~ and -, SupplementaryGroups=,
// RootDirectory= (chroot) and the tty streams on a pseudo-terminal.
import Foundation
import XCTest
import UsherSys

final class ProcessSetupIntegrationTests: XCTestCase {
    private func fd(_ report: [String: Any], _ number: Int) -> [String: Any] {
        (report["fds"] as? [[String: Any]] ?? []).first { ($0["fd"] as? Int) == number } ?? [:]
    }

    func testStandardInputSocketOnADatagramAcceptNoUnitMakesTheSocketItselfStdinAndStdout() throws {
        let harness = try UsherdHarness()
        let port = try freePort()
        try harness.write("wait.socket", "[Socket]\nListenDatagram=127.0.0.1:\(port)\n")
        try harness.write("wait.service", "[Service]\nStandardInput=socket\nExecStart=\(harness.probeCommand(label: "wait"))\n")
        try harness.start()

        XCTAssertEqual(try Client.udp(port: port), "ok\n")
        let report = try harness.waitForReport(label: "wait")
        XCTAssertTrue(report["LISTEN_FDS"] is NSNull, "inetd style passes no LISTEN_FDS")
        XCTAssertEqual(fd(report, 0)["type"] as? String, "socket")
        XCTAssertEqual(fd(report, 0)["target"] as? String, fd(report, 1)["target"] as? String, "stdout defaults to the socket")
        XCTAssertEqual(fd(report, 2)["target"] as? String, fd(report, 0)["target"] as? String)
        XCTAssertTrue(fd(report, 3).isEmpty, "nothing at fd 3")
        XCTAssertFalse(harness.log.contains("StandardInput=socket is not supported"))
        // The socket is usherd's again after the service exits: a second datagram starts it again.
        try eventually("the first run ended", timeout: 10) { harness.log.contains("wait.service: Deactivated successfully.") }
        XCTAssertEqual(try Client.udp(port: port), "ok\n")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testStandardInputSocketOnAStreamAcceptNoUnitGivesTheListenerAsStdin() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("lsn", service: "[Service]\nStandardInput=socket\nStandardError=null\nExecStart=\(harness.probeCommand(label: "lsn"))\n")
        XCTAssertEqual(try Client.tcp(port: port), "ok 0 stdin\n")
        let report = try harness.waitForReport(label: "lsn")
        XCTAssertEqual(fd(report, 0)["target"] as? String, fd(report, 1)["target"] as? String)
        XCTAssertEqual(fd(report, 2)["target"] as? String, "/dev/null")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testStandardInputSocketWithTwoSocketsFailsWithSystemdsMessage() throws {
        let harness = try UsherdHarness()
        let first = try freePort(), second = try freePort()
        try harness.write("one.socket", "[Socket]\nListenStream=127.0.0.1:\(first)\nService=two.service\n")
        try harness.write("two.socket", "[Socket]\nListenStream=127.0.0.1:\(second)\n")
        try harness.write("two.service", """
            [Unit]
            StartLimitBurst=1
            [Service]
            Sockets=one.socket two.socket
            StandardOutput=socket
            ExecStart=\(harness.probeCommand(label: "two"))
            """)
        try harness.start()
        _ = try Client.connectOnly(port: second)
        try harness.waitForLog("two.service: Got more than one socket.")
        XCTAssertEqual(harness.reports(label: "two").count, 0)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testStandardInputTextAndDataBecomeStdinInOrder() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory + "/stdin.txt"
        try harness.write("data.service", """
            [Service]
            Type=oneshot
            StandardInputText=hello\\tthere
            StandardInputData=Zm9vCg==
            StandardInputText=last
            ExecStart=/bin/sh -c 'cat > \(out)'
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "data.service"]).status, 0)
        try eventually("stdin was copied", timeout: 10) { FileManager.default.fileExists(atPath: out) }
        try eventually("the copy is complete", timeout: 5) {
            (try? String(contentsOfFile: out, encoding: .utf8)) == "hello\tthere\nfoo\nlast\n"
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testEveryAcceptYesInstanceReadsStandardInputDataFromItsStart() throws {
        let harness = try UsherdHarness()
        let out = harness.outDirectory + "/all.txt"
        let port = try harness.serve("feed", accept: true, service: """
            [Service]
            StandardInputText=line for each instance
            ExecStart=/bin/sh -c 'cat >> \(out)'
            """)
        for _ in 0..<2 { _ = try Client.tcp(port: port) }
        try eventually("both instances copied their stdin", timeout: 10) {
            (try? String(contentsOfFile: out, encoding: .utf8)) == "line for each instance\nline for each instance\n"
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testNiceUMaskWorkingDirectoryAndSupplementaryGroupsReachTheProcess() throws {
        try XCTSkipUnless(Users.effectiveUID == 0, "SupplementaryGroups= needs root")
        let harness = try UsherdHarness()
        let port = try harness.serve("setup", service: """
            [Service]
            Nice=7
            UMask=0027
            WorkingDirectory=~
            SupplementaryGroups=daemon
            SupplementaryGroups=adm
            ExecStart=\(harness.probeCommand(label: "setup"))
            """)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 setup.socket\n")
        let report = try harness.waitForReport(label: "setup")
        XCTAssertEqual(report["nice"] as? Int, 7)
        XCTAssertEqual(report["umask"] as? String, "0027")
        XCTAssertEqual(report["cwd"] as? String, try Users.user("0").home)
        let groups = report["groups"] as? [Int] ?? []
        XCTAssertEqual(groups, [Int(try Users.groupID("daemon")), Int(try Users.groupID("adm"))].sorted())
        XCTAssertEqual(report["uid_gid"] as? [Int], [0, 0], "SupplementaryGroups= alone keeps uid and gid")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testMissingOptionalWorkingDirectoryFallsBackToRoot() throws {
        let harness = try UsherdHarness()
        let port = try harness.serve("opt", service: """
            [Service]
            WorkingDirectory=-/nonexistent/usher
            ExecStart=\(harness.probeCommand(label: "opt"))
            """)
        XCTAssertEqual(try Client.tcp(port: port), "ok 3 opt.socket\n")
        XCTAssertEqual(try harness.waitForReport(label: "opt")["cwd"] as? String, "/")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testRootDirectoryChrootsBeforeWorkingDirectoryAndExec() throws {
        try XCTSkipUnless(Users.effectiveUID == 0, "chroot needs root")
        let harness = try UsherdHarness()
        let root = harness.root + "/chroot"
        try ChrootBuilder.populate(root, programs: ["/bin/sh"])
        try FileManager.default.createDirectory(atPath: root + "/work", withIntermediateDirectories: true)
        try harness.write("jail.service", """
            [Service]
            Type=oneshot
            RootDirectory=\(root)
            WorkingDirectory=/work
            ExecStart=/bin/sh -c 'pwd > out; echo /* >> out'
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "jail.service"]).status, 0)
        try eventually("the jailed shell wrote", timeout: 10) {
            (try? String(contentsOfFile: root + "/work/out", encoding: .utf8))?.hasSuffix("\n") == true
        }
        let lines = try String(contentsOfFile: root + "/work/out", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "/work", "WorkingDirectory= is looked up inside the root")
        XCTAssertFalse(lines.last?.contains("/proc") ?? true, "/ is the chroot, which has no /proc: \(lines)")
        XCTAssertTrue(lines.last?.contains("/work") ?? false)
        XCTAssertEqual(try harness.stop(), 0)
    }
}

/// A minimal chroot: the programs and the shared libraries ldd lists for them.
enum ChrootBuilder {
    static func populate(_ root: String, programs: [String]) throws {
        let fm = FileManager.default
        for program in programs {
            var files = [program]
            let libraries = try runCollectingOutput("/usr/bin/ldd", [program], timeout: 20).output
            for word in libraries.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) where word.hasPrefix("/") {
                files.append(String(word))
            }
            for file in files {
                let target = root + file
                try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                       withIntermediateDirectories: true)
                if !fm.fileExists(atPath: target) {
                    try fm.copyItem(atPath: URL(fileURLWithPath: file).resolvingSymlinksInPath().path, toPath: target)
                }
            }
        }
    }
}

/// StandardInput=tty / StandardOutput=tty with TTYPath= on a pseudo-terminal the test holds:
/// it becomes the service's controlling terminal.
final class TerminalStdioIntegrationTests: XCTestCase {
    func testStandardInputTtyOpensTTYPathAndStdoutFollowsIt() throws {
        // posix_openpt() by hand: /dev/ptmx, TIOCSPTLCK to unlock, TIOCGPTN for the number.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try XCTSkipIf(master < 0, "no pseudo-terminals here")
        defer { close(master) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        XCTAssertEqual(ioctl(master, 0x4004_5431, &unlock), 0)
        XCTAssertEqual(ioctl(master, 0x8004_5430, &number), 0)
        let slave = "/dev/pts/\(number)"
        let harness = try UsherdHarness()
        try harness.write("term.service", """
            [Service]
            Type=oneshot
            TTYPath=\(slave)
            StandardInput=tty
            ExecStart=/bin/sh -c 'echo via-tty; echo ctty=$(cut -d" " -f7 /proc/$$$$/stat); tty'
            """)
        try harness.write("gone.service", """
            [Service]
            Type=oneshot
            TTYPath=/dev/usher-no-such-tty
            StandardOutput=tty
            ExecStart=/bin/true
            """)
        try harness.start()
        XCTAssertEqual(try harness.usherctl(["start", "term.service"]).status, 0)
        var seen = ""
        try eventually("the service wrote to the terminal", timeout: 10) {
            seen += String(decoding: BlockingIO.readSome(master, milliseconds: 100), as: UTF8.self)
            return seen.contains(slave)
        }
        XCTAssertTrue(seen.hasPrefix("via-tty\r\n"), seen)
        // Terminal lines end in "\r\n", one Character in Swift: split on any newline.
        let device = seen.split(whereSeparator: \.isNewline).first { $0.hasPrefix("ctty=") }.map { String($0.dropFirst(5)) }
        XCTAssertNotEqual(device, "0", "the terminal is the service's controlling terminal: \(seen)")
        XCTAssertNotNil(device, seen)
        _ = try harness.usherctl(["start", "gone.service"])
        try harness.waitForLog("Failed to open terminal /dev/usher-no-such-tty (TTYPath=)")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
