// The mount plan as systemd's namespace.c orders it: entries sorted parents
// first, one per path (the higher-priority mode wins), nothing kept below an
// inaccessible path, no-op read-write entries dropped, and a read-only pass
// that keeps writable paths below a read-only one writable. Pure; no mounts.
import XCTest
import UnitModel
@testable import Launch

final class MountPlannerTests: XCTestCase {
    let paths = SandboxPaths(inaccessibleDirectory: "/run/u/dir", inaccessibleFile: "/run/u/file", devStaging: "/run/u/dev",
                             privateTmp: (tmp: "/tmp/p/tmp", varTmp: "/var/tmp/p/tmp"))

    func describe(_ plan: MountPlan) -> [String] {
        plan.steps.map { step in
            var text = "\(step.kind) \(step.target)"
            if let source = step.source { text += " <- \(source)" }
            if step.kind == .readOnly { text += step.flags == 1 ? " on" : " off" }
            if step.kind == .readOnly && step.recursive { text += " recursive" }
            return text
        }
    }

    func testStrictSystemKeepsReadWritePathsAndPrivateTmpWritable() {
        var fs = FilesystemProtection()
        fs.protectSystem = .strict
        fs.privateTmp = true
        fs.readWritePaths = [PathRule(path: "/var/lib/app")]
        let plan = MountPlanner.plan(fs, paths: paths, devices: [])
        XCTAssertEqual(plan.unshareFlags, MountPlanner.cloneNewNS)
        XCTAssertEqual(describe(plan), [
            "bindSelf /", "bindSelf /dev", "bindSelf /home", "bindSelf /proc", "bindSelf /root", "bindSelf /run/user",
            "bindSelf /sys", "bind /tmp <- /tmp/p/tmp", "bindSelf /var/lib/app", "bind /var/tmp <- /var/tmp/p/tmp",
            "readOnly / on recursive", "readOnly /dev off recursive", "readOnly /home off recursive",
            "readOnly /proc off recursive", "readOnly /root off recursive", "readOnly /run/user off recursive",
            "readOnly /sys off recursive", "readOnly /tmp off recursive", "readOnly /var/lib/app off recursive",
            "readOnly /var/tmp off recursive",
        ])
    }

    func testOnePathOneEntryAndNothingBelowAnInaccessiblePath() {
        var fs = FilesystemProtection()
        fs.protectHome = .yes
        fs.readOnlyPaths = [PathRule(path: "/home/user/docs"), PathRule(path: "/srv")]
        fs.readWritePaths = [PathRule(path: "/srv")]
        let plan = MountPlanner.plan(fs, paths: paths, devices: [])
        XCTAssertEqual(describe(plan), [
            "inaccessible /home", "inaccessible /root", "inaccessible /run/user", "bindSelf /srv",
            "readOnly /home on", "readOnly /root on", "readOnly /run/user on", "readOnly /srv on recursive",
        ])
    }

    func testAPathEntryBelowOneOfTheSameModeIsDroppedAndAWritableOneNeedsNoReadOnlyStep() {
        var fs = FilesystemProtection()
        fs.readOnlyPaths = [PathRule(path: "/srv"), PathRule(path: "/srv/a")]
        fs.readWritePaths = [PathRule(path: "/var/lib/app")]
        XCTAssertEqual(describe(MountPlanner.plan(fs, paths: paths, devices: [])),
                       ["bindSelf /srv", "bindSelf /var/lib/app", "readOnly /srv on recursive"])
    }

    func testNetworkAndHostnameAloneNeedNoMountNamespace() {
        var fs = FilesystemProtection()
        fs.privateNetwork = true
        fs.protectHostname = true
        let plan = MountPlanner.plan(fs, paths: paths, devices: [])
        XCTAssertEqual(plan.unshareFlags, MountPlanner.cloneNewNet | MountPlanner.cloneNewUTS)
        XCTAssertEqual(describe(plan), ["loopbackUp lo"])
    }

    func testPrivateDevicesBuildsDevInStagingAndMovesIt() {
        var fs = FilesystemProtection()
        fs.privateDevices = true
        let null = DeviceNode(name: "null", mode: 0o20666, device: 0x103, uid: 0, gid: 0)
        let steps = describe(MountPlanner.plan(fs, paths: paths, devices: [null]))
        XCTAssertEqual(steps.first, "mount /run/u/dev <- tmpfs")
        XCTAssertTrue(steps.contains("bind /run/u/dev/pts <- /dev/pts"))
        XCTAssertTrue(steps.contains("mknod /run/u/dev/null"))
        XCTAssertEqual(Array(steps.suffix(2)), ["move /dev <- /run/u/dev", "readOnly /dev on"])
    }

    func testAcceptTemplatesShareTheirNamespacesButEachInstanceGetsItsOwnTmp() throws {
        var fs = FilesystemProtection()
        fs.protectSystem = .strict
        fs.privateTmp = true
        fs.privateNetwork = true
        fs.protectHostname = true
        let plans = try XCTUnwrap(MountPlanner.templatePlans(fs, paths: paths, devices: []))
        XCTAssertEqual(plans.shared.unshareFlags, MountPlanner.cloneNewNS | MountPlanner.cloneNewNet)
        XCTAssertFalse(describe(plans.shared).contains { $0.contains("/tmp") })
        XCTAssertEqual(plans.instance.unshareFlags, MountPlanner.cloneNewNS | MountPlanner.cloneNewUTS)
        XCTAssertEqual(describe(plans.instance), ["mount /tmp <- tmpfs", "mount /var/tmp <- tmpfs"])
        fs.readOnlyPaths = [PathRule(path: "/tmp/shared")]
        XCTAssertNil(MountPlanner.templatePlans(fs, paths: paths, devices: []), "a per-instance /tmp would hide /tmp/shared")
    }

    /// Only a RuntimeDirectory= that an instance's stop removes comes and goes with instances: each
    /// instance opens it itself, in the namespace it joins, where "/" is read-only already. The state
    /// directory (DynamicUser=: through its private/ tmpfs) stays, so the shared namespace opens it.
    func testOnlyTheRuntimeDirectoryIsOpenedPerAcceptInstanceUnderProtectSystemStrict() throws {
        var exec = ExecContext()
        exec.directories[.runtime] = ExecDirectories()
        exec.directories[.runtime]?.paths = ["rt"]
        exec.directories[.state] = ExecDirectories()
        exec.directories[.state]?.paths = ["st", "st/sub"]
        var fs = FilesystemProtection()
        fs.protectSystem = .strict
        exec.privileges.dynamicUser = true
        let directories = try ServiceDirectories.directories(exec, bases: .system)
        XCTAssertEqual(directories.map(\.path), ["/run/rt", "/var/lib/st", "/var/lib/st/sub"])
        XCTAssertEqual(directories.map(\.isPrivate), [false, true, true], "RuntimeDirectoryPreserve=no: not private")
        XCTAssertEqual(directories.map(\.onlyCreate), [false, false, true])
        XCTAssertEqual(directories[1].linkTarget, "private/st")
        let opened = ServiceDirectories.openUp(&fs, for: directories)
        XCTAssertEqual(opened, [.runtime: ["/run/rt"], .state: ["/var/lib/private", "/var/lib/private/st"]])

        let plans = try XCTUnwrap(MountPlanner.templatePlans(fs, perInstance: opened[.runtime] ?? [], paths: paths,
                                                             devices: []))
        XCTAssertFalse(describe(plans.shared).contains { $0.contains("/run/rt") }, "\(describe(plans.shared))")
        XCTAssertTrue(describe(plans.shared).contains("readOnly / on recursive"))
        XCTAssertEqual(describe(plans.shared).filter { $0.contains("/var/lib/private") }, [
            "mount /var/lib/private <- tmpfs",
            "bind /var/lib/private/st <- /var/lib/private/st",
            "readOnly /var/lib/private on",
            "readOnly /var/lib/private/st off recursive",
        ])
        XCTAssertEqual(describe(plans.instance), ["bindSelf /run/rt", "readOnly /run/rt off recursive"])
        XCTAssertEqual(plans.instance.unshareFlags, MountPlanner.cloneNewNS)
        XCTAssertEqual(Set(describe(MountPlanner.plan(fs, paths: paths, devices: [])).filter { $0.contains("/var/lib/private") || $0.contains("/run/rt") }),
                       Set(describe(plans.shared).filter { $0.contains("/var/lib/private") } + describe(plans.instance)),
                       "an Accept=no process gets the same view of them")
    }

    /// No protection covers /var/lib or /run under PrivateTmp= alone: the directories are the host's,
    /// writable as they are, and get no mount of their own (nor an instance a namespace for them).
    func testDirectoriesThatNoProtectionCoversGetNoMount() throws {
        var exec = ExecContext()
        exec.directories[.runtime] = ExecDirectories()
        exec.directories[.runtime]?.paths = ["rt"]
        exec.directories[.state] = ExecDirectories()
        exec.directories[.state]?.paths = ["st"]
        var fs = FilesystemProtection()
        fs.privateTmp = true
        let before = fs
        XCTAssertEqual(ServiceDirectories.openUp(&fs, for: try ServiceDirectories.directories(exec, bases: .system)), [:])
        XCTAssertEqual(fs, before)
        fs.protectSystem = .full
        exec.directories[.configuration] = ExecDirectories()
        exec.directories[.configuration]?.paths = ["cf"]
        XCTAssertEqual(ServiceDirectories.openUp(&fs, for: try ServiceDirectories.directories(exec, bases: .system)),
                       [.configuration: ["/etc/cf"]], "ProtectSystem=full makes /etc read-only, not /var/lib or /run")
    }

    func testTemporaryFileSystemOptionsBecomeFlagsAndData() {
        let parsed = TmpfsOptions.parse("ro,size=1m,noexec")
        XCTAssertEqual(parsed.data, "mode=0755,size=1m")
        XCTAssertTrue(parsed.readOnly)
        XCTAssertEqual(parsed.flags & MountPlanner.msNoExec, MountPlanner.msNoExec)
    }
}
