// Accept=yes templates (`name@.service`) confined as systemd confines each
// instance: under ProtectSystem=strict the unit's RuntimeDirectory= and the
// other *Directory= paths stay writable and nothing else is; with DynamicUser=
// the state, cache and logs directories live below a root-only private/ and are
// the template's dynamic user's; a mount step that fails is named in the log.
// Real usherd (as root, run as a user manager with its bases outside /tmp), real clients.
import Foundation
import XCTest
import UsherSys

final class TemplateSandboxIntegrationTests: XCTestCase {
    private var bases = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(Users.effectiveUID == 0, "namespaces, mounts and DynamicUser= need usherd to run as root")
        // Outside /tmp: DynamicUser= implies PrivateTmp=, which would hide the bases.
        bases = "/run/usher-dirs-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: bases, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: bases)
    }

    func testEveryInstanceUnderProtectSystemStrictWritesTheUnitsDirectoriesAndNothingElse() throws {
        let harness = try UsherdHarness()
        let run = bases + "/xrun", config = bases + "/xconfig", cache = bases + "/xcache"
        let allowed = ["\(run)/rt/f", "\(config)/st/f", "\(cache)/ca/f", "\(config)/log/lg/f", "\(config)/cf/f"]
        let forbidden = ["\(config)/other", "\(cache)/other", "/usr/usher-probe-tmpl"]
        let port = try harness.serve("dirs", accept: true, service: """
            [Service]
            StandardInput=socket
            ProtectSystem=strict
            RuntimeDirectory=rt
            StateDirectory=st
            CacheDirectory=ca
            LogsDirectory=lg
            ConfigurationDirectory=cf
            ExecStart=\(UsherdHarness.probePath) fs \((allowed + forbidden).map { "write \($0)" }.joined(separator: " "))
            """, arguments: ["--user"], environment: xdgBases(under: bases))
        // systemd makes a RuntimeDirectory= only for a process: none while no connection came.
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/rt"), "a runtime directory before any instance")
        for round in 0..<2 {
            let answer = try Client.tcp(port: port)
            for path in allowed { XCTAssertTrue(answer.contains("write \(path): ok\n"), "round \(round): \(answer)") }
            for path in forbidden { XCTAssertTrue(answer.contains("write \(path): EROFS\n"), "round \(round): \(answer)") }
            // Each instance removes the runtime directory when it stops, even under the next one: wait for it.
            try eventually("the instance's runtime directory to be removed", timeout: 10) {
                !FileManager.default.fileExists(atPath: run + "/rt")
            }
        }
        for path in forbidden { XCTAssertFalse(FileManager.default.fileExists(atPath: path)) }
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// The state directory stays while the template lives: it is created before the template's namespace
    /// is built and opened there once, so every instance joins that namespace and builds none. A
    /// RuntimeDirectory= that each instance's stop removes needs a view of each instance's own.
    func testInstancesJoinTheTemplatesNamespaceUnlessARemovedRuntimeDirectoryNeedsTheirOwn() throws {
        let harness = try UsherdHarness()
        let config = bases + "/xconfig", run = bases + "/xrun"
        // The namespace once the directory took a write; the instance lives until its client closes, so
        // two that live at once have different namespace inodes unless they share one.
        func service(_ directory: String, _ path: String) -> String {
            """
            [Service]
            StandardInput=socket
            ProtectSystem=strict
            \(directory)
            ExecStart=/bin/sh -c "echo x > \(path)/f%i && readlink /proc/self/ns/mnt; read line"
            """
        }
        let runtimePort = try freePort()
        let statePort = try harness.serve("st", accept: true, service: service("StateDirectory=st", config + "/st"), units: [
            "rt.socket": "[Socket]\nListenStream=127.0.0.1:\(runtimePort)\nAccept=yes\n",
            "rt@.service": service("RuntimeDirectory=rt", run + "/rt"),
        ], arguments: ["--user"], environment: xdgBases(under: bases))
        var namespaces: [String: [String]] = [:]
        for (name, port) in [("state", statePort), ("runtime", runtimePort)] {
            let clients = try (0..<2).map { _ in try AcceptClient.ipv4(port) }
            for client in clients {
                let line = client.readToEnd(timeout: 5, stopAtNewline: true)
                XCTAssertTrue(line.hasPrefix("mnt:["), "\(name): \(line)")
                namespaces[name, default: []].append(line)
            }
        }
        let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt") + "\n"
        XCTAssertEqual(Set(namespaces["state"] ?? []).count, 1, "every instance joined one namespace: \(namespaces)")
        XCTAssertNotEqual(namespaces["state"]?.first, host, "the template's namespace is not the host's")
        XCTAssertEqual(Set(namespaces["runtime"] ?? []).count, 2, "each instance built its own: \(namespaces)")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// systemd 252's setup_exec_directory: private/ 0700 root, the directory in it owned by the
    /// dynamic user, a relative symlink where the unit names it; every instance shares the uid.
    func testDynamicUserInstancesShareOnePrivateStateDirectoryOwnedByTheTemplatesUid() throws {
        let harness = try UsherdHarness()
        let config = bases + "/xconfig"
        let port = try harness.serve("dyn", accept: true, service: """
            [Service]
            StandardInput=socket
            DynamicUser=yes
            StateDirectory=st
            \(UsherdHarness.probeBinding)
            ExecStart=\(UsherdHarness.probePath) fs write \(config)/st/f%i list \(config)/private write \(config)/other
            """, arguments: ["--user"], environment: xdgBases(under: bases))
        let first = try Client.tcp(port: port)
        XCTAssertTrue(first.contains("write \(config)/st/f"), first)
        XCTAssertFalse(first.contains(": EACCES") || first.contains(": ENOENT"), first)
        XCTAssertTrue(first.contains("list \(config)/private: ok st\n"), "only its own directory shows in private/: \(first)")
        XCTAssertTrue(first.contains("write \(config)/other: EROFS\n"), first)
        let second = try Client.tcp(port: port)
        XCTAssertFalse(second.contains(": EACCES") || second.contains(": ENOENT"), second)

        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: config + "/st"), "private/st")
        let privateRoot = try XCTUnwrap(owner(config + "/private"))
        XCTAssertEqual(privateRoot.uid, 0)
        XCTAssertEqual(privateRoot.mode, 0o700)
        let directory = try XCTUnwrap(owner(config + "/private/st"))
        XCTAssertTrue((61184...65519).contains(directory.uid), "owned by a dynamic uid: \(directory.uid)")
        let files = try FileManager.default.contentsOfDirectory(atPath: config + "/private/st")
        XCTAssertEqual(files.count, 2, "both instances wrote: \(files)")
        for file in files { XCTAssertEqual(owner(config + "/private/st/" + file)?.uid, directory.uid, "one uid per template") }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAnAcceptNoDynamicUserServiceGetsTheSamePrivateStateDirectory() throws {
        let harness = try UsherdHarness()
        let config = bases + "/xconfig"
        let port = try harness.serve("one", service: """
            [Service]
            DynamicUser=yes
            StateDirectory=one
            StandardOutput=append:\(config)/one.out
            \(UsherdHarness.probeBinding)
            ExecStartPre=+/bin/sh -c 'mkdir -p \(config) && : > \(config)/one.out'
            ExecStart=\(UsherdHarness.probePath) fs write \(config)/one/f list \(config)/private write \(config)/other
            """, arguments: ["--user"], environment: xdgBases(under: bases))
        _ = try? Client.tcp(port: port, timeout: 2000)
        try harness.waitForLog("one.service: Deactivated successfully.")
        let out = try String(contentsOfFile: config + "/one.out", encoding: .utf8)
        XCTAssertEqual(out, "write \(config)/one/f: ok\nlist \(config)/private: ok one\nwrite \(config)/other: EROFS\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: config + "/one"), "private/one")
        let file = try XCTUnwrap(owner(config + "/private/one/f"))
        XCTAssertTrue((61184...65519).contains(file.uid), "\(file.uid)")
        XCTAssertEqual(owner(config + "/private")?.mode, 0o700)
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// A bind below /tmp with PrivateTmp=: each instance builds its whole view itself, and the step
    /// that fails in the child is named as it is for an Accept=no service.
    func testAFailingMountStepIsNamedOnceWithTheUnitOnce() throws {
        let harness = try UsherdHarness()
        let missing = bases + "/no-such-source"
        let settings = "PrivateTmp=yes\nBindPaths=\(missing):/tmp/usher-probe\nExecStart=/bin/echo never\n"
        let port = try harness.serve("bad", accept: true, service: "[Service]\nStandardInput=socket\n" + settings,
                                     units: ["plain.service": "[Service]\n" + settings],
                                     arguments: ["--user"], environment: xdgBases(under: bases))
        XCTAssertEqual(try harness.usherctl(["start", "plain.service"]).status, 0)
        try harness.waitForLog("plain.service: Failed with result")
        _ = try? Client.tcp(port: port, timeout: 2000)
        try harness.waitForLog("Failed at step NAMESPACE", count: 2)
        let lines = harness.log.split(separator: "\n").map(String.init).filter { $0.contains("Failed at step NAMESPACE") }
        XCTAssertEqual(lines.count, 2, "one line per failure: \(lines)")
        for line in lines {
            XCTAssertTrue(line.contains("(bind \(missing) → /tmp/usher-probe)"), line)
            XCTAssertEqual(line.components(separatedBy: ".service").count, 2, "the unit named once: \(line)")
        }
        XCTAssertTrue(lines.contains { $0.contains("bad@0-") }, "\(lines)")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
