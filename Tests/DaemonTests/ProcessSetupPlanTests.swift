// Pure parts of a service's process set-up: the default limits (systemd's
// NOFILE and MEMLOCK, the rest from usherd's start, capped at what usherd may
// grant) and what a child must set; the directory bases of the system and a
// user manager; stdout following a two-way stdin; the one-socket rule; and,
// on a temporary tree, DynamicUser='s private/ directory layout.
import XCTest
import Launch
import UnitModel
import UsherSys

final class ProcessSetupPlanTests: XCTestCase {
    private let started = (0..<16).map { LimitPair(soft: UInt64($0) + 100, hard: UInt64($0) + 200) }

    func testDefaultsAreSystemdsNofileAndMemlockAndUsherdsStartingLimitsOtherwise() {
        let defaults = ServiceLimits.defaults(startup: started, ceiling: { _ in UInt64.max })
        XCTAssertEqual(defaults[7], LimitPair(soft: 1024, hard: 524_288))
        XCTAssertEqual(defaults[8], LimitPair(soft: 8 << 20, hard: 8 << 20))
        XCTAssertEqual(defaults[3], started[3])
    }

    func testHardLimitsAreCappedAtWhatUsherdMayGrant() {
        let ceiling = ServiceLimits.ceiling(privileged: false, own: started, kernelOpenFiles: 1 << 20)
        let defaults = ServiceLimits.defaults(startup: started, ceiling: ceiling)
        XCTAssertEqual(defaults[7], LimitPair(soft: 207, hard: 207), "a non-root usherd's own hard NOFILE caps both")
        let root = ServiceLimits.ceiling(privileged: true, own: started, kernelOpenFiles: 4096)
        XCTAssertEqual(ServiceLimits.defaults(startup: started, ceiling: root)[7], LimitPair(soft: 1024, hard: 4096))
    }

    func testAChildSetsOnlyWhatDiffersFromUsherdThenTheUnitsLimits() {
        var own = started
        own[7] = LimitPair(soft: 1 << 20, hard: 1 << 20)
        var defaults = started
        defaults[7] = LimitPair(soft: 1024, hard: 524_288)
        let plan = ServiceLimits.plan(defaults: defaults, own: own, unit: ["CORE": ResourceLimit(soft: nil, hard: nil)])
        XCTAssertEqual(plan, [SpawnLimit(resource: 4, soft: UInt64.max, hard: UInt64.max),
                              SpawnLimit(resource: 7, soft: 1024, hard: 524_288)])
    }

    func testDirectoryBasesOfTheSystemAndOfAUserManager() {
        XCTAssertEqual(DirectoryBases.system.bases[.logs], "/var/log")
        let user = DirectoryBases.user(environment: ["XDG_RUNTIME_DIR": "/run/user/7", "XDG_CACHE_HOME": "relative"],
                                       home: "/home/u")
        XCTAssertEqual(user.bases[.runtime], "/run/user/7")
        XCTAssertEqual(user.bases[.state], "/home/u/.config")
        XCTAssertEqual(user.bases[.logs], "/home/u/.config/log")
        XCTAssertEqual(user.bases[.cache], "/home/u/.cache", "a relative XDG value is ignored")
        var exec = ExecContext()
        exec.directories[.runtime, default: ExecDirectories()].paths = ["a"]
        let noRuntime = DirectoryBases.user(environment: [:], home: "/home/u")
        XCTAssertThrowsError(try ServiceDirectories.directories(exec, bases: noRuntime))
    }

    /// systemd 252's setup_exec_directory on a real directory tree: DynamicUser= turned on moves the
    /// state directory below private/ behind a link; turned off again, moves it back.
    func testDynamicUserMovesTheStateDirectoryIntoPrivateAndBackWithItsFiles() throws {
        let root = NSTemporaryDirectory() + "usher-dirs-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bases = DirectoryBases.user(environment: ["XDG_CONFIG_HOME": root + "/lib"], home: root)
        var exec = ExecContext()
        exec.directories[.state] = ExecDirectories()
        exec.directories[.state]?.paths = ["app"]
        func create() throws { try ServiceDirectories.create(try ServiceDirectories.directories(exec, bases: bases), exec: exec, owner: nil) }
        try create()
        try Data("kept".utf8).write(to: URL(fileURLWithPath: root + "/lib/app/file"))

        exec.privileges.dynamicUser = true
        try create()
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/lib/app"), "private/app")
        XCTAssertEqual(try String(contentsOfFile: root + "/lib/private/app/file", encoding: .utf8), "kept")
        let boundary = try FileManager.default.attributesOfItem(atPath: root + "/lib/private")
        XCTAssertEqual((boundary[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        try create()
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/lib/app"), "private/app", "idempotent")

        exec.privileges.dynamicUser = false
        try create()
        XCTAssertThrowsError(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/lib/app"), "a directory again")
        XCTAssertEqual(try String(contentsOfFile: root + "/lib/app/file", encoding: .utf8), "kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/lib/private/app"))
    }

    func testRuntimeDirectoryRemovalFollowsPreserve() {
        var exec = ExecContext()
        XCTAssertTrue(ServiceDirectories.removesRuntime(exec, restarting: true))
        exec.runtimeDirectoryPreserve = .restart
        XCTAssertFalse(ServiceDirectories.removesRuntime(exec, restarting: true))
        XCTAssertTrue(ServiceDirectories.removesRuntime(exec, restarting: false))
        exec.runtimeDirectoryPreserve = .yes
        XCTAssertFalse(ServiceDirectories.removesRuntime(exec, restarting: false))
    }

    func testSocketStdioNeedsExactlyOneSocket() throws {
        var exec = ExecContext()
        XCTAssertNil(try ServiceLauncher.inetdSocket(exec, listeners: [5, 6]))
        exec.standardInput = .socket
        XCTAssertEqual(try ServiceLauncher.inetdSocket(exec, listeners: [5]), 5)
        XCTAssertThrowsError(try ServiceLauncher.inetdSocket(exec, listeners: [5, 6])) {
            XCTAssertEqual("\($0)", "Got more than one socket.")
        }
        XCTAssertThrowsError(try ServiceLauncher.inetdSocket(exec, listeners: [])) {
            XCTAssertEqual("\($0)", "Got no socket.")
        }
    }
}
