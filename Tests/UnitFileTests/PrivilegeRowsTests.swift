// The privilege and system-call keys as systemd 252 parses them: capability
// sets with `~` and merging lines, SecureBits=, SystemCallFilter= allow and
// deny lists with @groups, RestrictAddressFamilies= with none and `~`,
// RestrictNamespaces=, and what DynamicUser= implies.

import UnitModel
import XCTest
@testable import UnitFile

final class PrivilegeRowsTests: XCTestCase {
    func privileges(_ lines: String, name: String = "t.service") throws -> (PrivilegeSettings?, [String]) {
        let (unit, diagnostics) = try loadService("[Service]\nExecStart=/bin/true\n\(lines)\n", name: name)
        return (unit?.exec.privileges, diagnostics)
    }

    func bit(_ number: Int) -> UInt64 { UInt64(1) << number }

    func testCapabilityBoundingSetListsKeepOnlyThoseAndLaterLinesMerge() throws {
        let (p, diagnostics) = try privileges("CapabilityBoundingSet=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=cap_chown")
        XCTAssertEqual(p?.capabilityBoundingSet, bit(10) | bit(0))
        XCTAssertEqual(diagnostics, [])
    }

    func testCapabilityBoundingSetTildeDropsOnlyTheListedOnes() throws {
        let (p, _) = try privileges("CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_PTRACE\nCapabilityBoundingSet=~CAP_NET_RAW")
        XCTAssertEqual(p?.capabilityBoundingSet, ~(bit(21) | bit(19) | bit(13)))
    }

    func testEmptyCapabilityBoundingSetDropsEverything() throws {
        XCTAssertEqual(try privileges("CapabilityBoundingSet=").0?.capabilityBoundingSet, 0)
    }

    func testUnknownCapabilityIgnoresTheLine() throws {
        let (p, diagnostics) = try privileges("AmbientCapabilities=CAP_NET_RAW\nAmbientCapabilities=CAP_BOGUS CAP_CHOWN")
        XCTAssertEqual(p?.ambientCapabilities, bit(13))
        XCTAssertEqual(diagnostics, ["t.service:4: Failed to parse capability in bit mask, ignoring: CAP_BOGUS"])
    }

    func testSecureBitsAccumulateAndEmptyResets() throws {
        XCTAssertEqual(try privileges("SecureBits=keep-caps\nSecureBits=noroot noroot-locked").0?.secureBits, 0b10011)
        XCTAssertNil(try privileges("SecureBits=keep-caps\nSecureBits=").0?.secureBits)
    }

    func testBooleanProtectionsAreParsed() throws {
        let (p, _) = try privileges("""
            NoNewPrivileges=yes
            RestrictRealtime=yes
            RestrictSUIDSGID=true
            LockPersonality=1
            MemoryDenyWriteExecute=on
            ProtectClock=yes
            """)
        XCTAssertEqual(p?.noNewPrivileges, true)
        XCTAssertEqual(p?.restrictRealtime, true)
        XCTAssertEqual(p?.restrictSUIDSGID, true)
        XCTAssertEqual(p?.lockPersonality, true)
        XCTAssertEqual(p?.memoryDenyWriteExecute, true)
        XCTAssertEqual(p?.protectClock, true)
        XCTAssertEqual(p?.needsSeccomp, true)
    }

    func testAllowListStartsWithDefaultAndATildeLineTakesCallsOut() throws {
        let (p, diagnostics) = try privileges("SystemCallFilter=@system-service\nSystemCallFilter=~@setuid ioctl")
        let filter = try XCTUnwrap(p?.systemCallFilter)
        XCTAssertTrue(filter.allowList)
        XCTAssertTrue(filter.entries.keys.contains("execve"))
        XCTAssertTrue(filter.entries.keys.contains("read"))
        XCTAssertFalse(filter.entries.keys.contains("setuid"))
        XCTAssertFalse(filter.entries.keys.contains("ioctl"))
        XCTAssertFalse(filter.entries.keys.contains("ptrace"))
        XCTAssertFalse(filter.entries.keys.contains("mount"))
        XCTAssertEqual(diagnostics, [])
    }

    func testDenyListWithErrnoPerCallAndAPlainLinePuttingACallBack() throws {
        let (p, _) = try privileges("SystemCallFilter=~@mount ptrace:EPERM\nSystemCallFilter=umount2")
        let filter = try XCTUnwrap(p?.systemCallFilter)
        XCTAssertFalse(filter.allowList)
        XCTAssertEqual(filter.entries["ptrace"], .some(.some(1)))
        XCTAssertEqual(filter.entries["mount"], .some(.none))
        XCTAssertFalse(filter.entries.keys.contains("umount2"))
        XCTAssertFalse(filter.entries.keys.contains("read"))
    }

    func testUnknownGroupAndCallAreIgnoredWithAWarning() throws {
        let (p, diagnostics) = try privileges("SystemCallFilter=@bogus frobnicate read")
        XCTAssertTrue(p?.systemCallFilter?.entries.keys.contains("read") == true)
        XCTAssertEqual(diagnostics, ["t.service:3: Unknown system call group, ignoring: @bogus",
                                     "t.service:3: Failed to parse system call, ignoring: frobnicate"])
    }

    func testSystemCallLogListsWithoutDefaultAndInverts() throws {
        let log = try XCTUnwrap(try privileges("SystemCallLog=@mount ptrace").0?.systemCallLog)
        XCTAssertTrue(log.allowList)
        XCTAssertEqual(Set(log.entries.keys), Set((SyscallGroups.expand("@mount") ?? []) + ["ptrace"]))
        let inverted = try XCTUnwrap(try privileges("SystemCallLog=~read write").0?.systemCallLog)
        XCTAssertFalse(inverted.allowList)
        XCTAssertEqual(Set(inverted.entries.keys), ["read", "write"])
    }

    func testSystemCallErrorNumberAndArchitectures() throws {
        let (p, diagnostics) = try privileges("""
            SystemCallErrorNumber=EPERM
            SystemCallArchitectures=native
            SystemCallArchitectures=sparc
            """)
        XCTAssertEqual(p?.systemCallErrorNumber, 1)
        XCTAssertEqual(p?.systemCallArchitectures, ["native"])
        XCTAssertEqual(diagnostics, ["t.service:5: Failed to parse system call architecture, ignoring: sparc"])
        XCTAssertNil(try privileges("SystemCallErrorNumber=EPERM\nSystemCallErrorNumber=kill").0?.systemCallErrorNumber)
    }

    func testRestrictAddressFamiliesAllowListNoneAndTilde() throws {
        XCTAssertEqual(try privileges("RestrictAddressFamilies=AF_UNIX AF_INET\nRestrictAddressFamilies=~AF_INET").0?
            .restrictAddressFamilies, AddressFamilyRestriction(allowList: true, families: [1]))
        XCTAssertEqual(try privileges("RestrictAddressFamilies=none").0?.restrictAddressFamilies,
                       AddressFamilyRestriction(allowList: true))
        XCTAssertEqual(try privileges("RestrictAddressFamilies=~AF_PACKET AF_NETLINK").0?.restrictAddressFamilies,
                       AddressFamilyRestriction(allowList: false, families: [17, 16]))
        XCTAssertNil(try privileges("RestrictAddressFamilies=AF_UNIX\nRestrictAddressFamilies=").0?.restrictAddressFamilies)
    }

    func testRestrictNamespacesBooleanListAndTilde() throws {
        XCTAssertEqual(try privileges("RestrictNamespaces=yes").0?.restrictNamespaces, 0)
        XCTAssertNil(try privileges("RestrictNamespaces=no").0?.restrictNamespaces)
        XCTAssertEqual(try privileges("RestrictNamespaces=net uts").0?.restrictNamespaces, 0x4400_0000)
        XCTAssertEqual(try privileges("RestrictNamespaces=~user").0?.restrictNamespaces, NamespaceTypes.all & ~0x1000_0000)
    }

    func testDynamicUserImpliesAUserNamedAfterTheUnitNoNewPrivilegesAndRestrictSUIDSGID() throws {
        let (unit, _) = try loadService("[Service]\nExecStart=/bin/true\nDynamicUser=yes\n", name: "web-cache.service")
        XCTAssertEqual(unit?.exec.user, "web-cache")
        XCTAssertEqual(unit?.exec.group, "web-cache")
        XCTAssertEqual(unit?.exec.privileges.noNewPrivileges, true)
        XCTAssertEqual(unit?.exec.privileges.restrictSUIDSGID, true)
        let (named, _) = try loadService("[Service]\nExecStart=/bin/true\nDynamicUser=yes\nUser=cache\n")
        XCTAssertEqual(named?.exec.user, "cache")
    }

    func testProtectClockTakesTheClockCapabilitiesOutOfTheBoundingSet() throws {
        let (p, _) = try privileges("ProtectClock=yes")
        XCTAssertEqual(p?.effectiveBoundingSet, ~(bit(25) | bit(35)))
    }
}
