// The seccomp compiler in Launch: which settings produce how many programs,
// that each stays under the kernel's 4096-instruction limit for a BPF
// program, and that equal settings share one compiled result.
import Launch
import UnitModel
import XCTest

final class SeccompCompilerTests: XCTestCase {
    func settings(_ change: (inout PrivilegeSettings) -> Void) -> PrivilegeSettings {
        var settings = PrivilegeSettings()
        change(&settings)
        return settings
    }

    func systemServiceFilter() -> SyscallFilter {
        var filter = SyscallFilter(allowList: true)
        for name in (SyscallGroups.expand("@default") ?? []) + (SyscallGroups.expand("@system-service") ?? []) {
            filter.entries[name] = .some(nil)
        }
        return filter
    }

    func lengths(_ programs: SeccompPrograms?) -> [Int] {
        guard let programs else { return [] }
        return (0..<programs.count).map { Int(programs.programs[$0].length) }
    }

    func testNothingToFilterCompilesNothing() throws {
        XCTAssertNil(try SeccompCompiler.compile(settings { $0.noNewPrivileges = true }))
    }

    func testAnAllowListAloneIsOneProgramUnderTheKernelLimit() throws {
        let compiled = try SeccompCompiler.compile(settings { $0.systemCallFilter = systemServiceFilter() })
        XCTAssertEqual(lengths(compiled).count, 1)
        XCTAssertTrue(lengths(compiled).allSatisfy { $0 > 0 && $0 <= 4096 }, "\(lengths(compiled))")
    }

    func testAnAllowListWithArgumentRestrictionsNeedsASecondProgram() throws {
        let compiled = try SeccompCompiler.compile(settings {
            $0.systemCallFilter = systemServiceFilter()
            $0.restrictAddressFamilies = AddressFamilyRestriction(allowList: true, families: [1])
            $0.memoryDenyWriteExecute = true
        })
        XCTAssertEqual(lengths(compiled).count, 2)
        XCTAssertTrue(lengths(compiled).allSatisfy { $0 > 0 && $0 <= 4096 }, "\(lengths(compiled))")
    }

    func testADenyListAndArgumentRestrictionsShareOneProgram() throws {
        let compiled = try SeccompCompiler.compile(settings {
            $0.systemCallFilter = SyscallFilter(allowList: false, entries: ["ptrace": Int32?.none, "mount": 1])
            $0.lockPersonality = true
            $0.restrictNamespaces = 0
            $0.protectClock = true
        })
        XCTAssertEqual(lengths(compiled).count, 1)
    }

    /// The hooks the filesystem sandbox's rows set (ProtectKernelModules=, PrivateDevices=, …).
    func testSystemCallPartsOfFilesystemSettingsCompileAndDropTheirCapabilities() throws {
        let hooked = settings {
            $0.denyKernelModuleCalls = true
            $0.denyKernelLogCalls = true
            $0.denyRawIOCalls = true
            $0.denyHostnameCalls = true
        }
        XCTAssertEqual(lengths(try SeccompCompiler.compile(hooked)).count, 1)
        let dropped: [Int] = [16, 17, 27, 34]
        XCTAssertEqual(hooked.effectiveBoundingSet, ~dropped.reduce(UInt64(0)) { $0 | UInt64(1) << $1 })
    }

    func testSystemCallLogIsAProgramOfItsOwn() throws {
        let compiled = try SeccompCompiler.compile(settings {
            $0.systemCallFilter = SyscallFilter(allowList: false, entries: ["mount": nil])
            $0.systemCallLog = SyscallFilter(allowList: true, entries: ["ptrace": nil])
        })
        XCTAssertEqual(lengths(compiled).count, 2)
    }

    func testSystemCallLogAloneIsOneProgram() throws {
        let compiled = try SeccompCompiler.compile(settings { $0.systemCallLog = SyscallFilter(allowList: true, entries: ["ptrace": nil]) })
        XCTAssertEqual(lengths(compiled).count, 1)
    }

    func testEqualSettingsAreCompiledOnce() throws {
        let wanted = settings { $0.systemCallFilter = systemServiceFilter() }
        let first = try SpawnPrivileges.prepared(wanted, credentials: nil)
        let second = try SpawnPrivileges.prepared(wanted, credentials: nil)
        XCTAssertNotNil(first)
        XCTAssertTrue(first === second)
    }
}
