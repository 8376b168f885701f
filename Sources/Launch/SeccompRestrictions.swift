// The seccomp rules behind the protections other than SystemCallFilter=, as
// systemd 252's seccomp-util.c defines them: which calls are refused, with
// which errno, on which argument values. Data for SeccompCompiler; no
// libseccomp context is touched here.
import CSeccomp
import UnitModel

enum SeccompRestrictions {
    static let eperm: Int32 = 1, enosys: Int32 = 38, eafnosupport: Int32 = 97

    /// Calls refused whatever their arguments: name → action.
    static func unconditional(_ settings: PrivilegeSettings) -> [(String, UInt32)] {
        var rules: [(String, UInt32)] = []
        func deny(_ names: [String], _ errno: Int32) { rules += names.map { ($0, SeccompAction.errno(errno)) } }
        if settings.protectClock { deny(SyscallGroups.expand("@clock") ?? [], eperm) }
        if settings.denyKernelModuleCalls { deny(SyscallGroups.expand("@module") ?? [], eperm) }
        if settings.denyKernelLogCalls { deny(["syslog"], eperm) }
        if settings.denyRawIOCalls { deny(SyscallGroups.expand("@raw-io") ?? [], eperm) }
        if settings.denyHostnameCalls { deny(["sethostname", "setdomainname"], eperm) }
        // Flags behind a pointer cannot be checked: ENOSYS makes glibc fall back to clone()/openat().
        if settings.restrictNamespaces.map({ $0 != NamespaceTypes.all }) == true { deny(["clone3"], enosys) }
        if settings.restrictSUIDSGID { deny(["openat2"], enosys) }
        return rules
    }

    /// Rules that look at arguments.
    static func conditional(_ settings: PrivilegeSettings) -> [SeccompRule] {
        var rules: [SeccompRule] = []
        if let families = settings.restrictAddressFamilies { rules += addressFamilies(families) }
        if let allowed = settings.restrictNamespaces { rules += namespaces(allowed: allowed) }
        if settings.memoryDenyWriteExecute { rules += writeExecute }
        if settings.restrictRealtime { rules += realtime }
        if settings.restrictSUIDSGID { rules += suidSGID }
        if settings.lockPersonality {
            let current = UInt64(usher_current_personality())
            rules.append(SeccompRule(syscall: "personality", action: SeccompAction.errno(eperm),
                                     comparisons: [compare(0, SCMP_CMP_NE, current)]))
        }
        return rules
    }

    static func compare(_ argument: UInt32, _ op: scmp_compare, _ a: UInt64, _ b: UInt64 = 0) -> scmp_arg_cmp {
        scmp_arg_cmp(arg: argument, op: op, datum_a: a, datum_b: b)
    }

    /// `argument & bits == bits`.
    static func hasBits(_ argument: UInt32, _ bits: UInt64) -> scmp_arg_cmp {
        compare(argument, SCMP_CMP_MASKED_EQ, bits, bits)
    }

    /// socket(2) only, as systemd: families outside an allow list (or in a deny list) get EAFNOSUPPORT.
    static func addressFamilies(_ restriction: AddressFamilyRestriction) -> [SeccompRule] {
        let refuse = SeccompAction.errno(eafnosupport)
        guard restriction.allowList else {
            return restriction.families.sorted().map {
                SeccompRule(syscall: "socket", action: refuse, comparisons: [compare(0, SCMP_CMP_EQ, UInt64($0))])
            }
        }
        var rules = (0..<AddressFamilies.count).filter { !restriction.families.contains($0) }.map {
            SeccompRule(syscall: "socket", action: refuse, comparisons: [compare(0, SCMP_CMP_EQ, UInt64($0))])
        }
        rules.append(SeccompRule(syscall: "socket", action: refuse,
                                 comparisons: [compare(0, SCMP_CMP_GE, UInt64(AddressFamilies.count))]))
        return rules
    }

    /// unshare/clone with a forbidden CLONE_NEW* flag, and setns into a forbidden (or any) type: EPERM.
    static func namespaces(allowed: UInt64) -> [SeccompRule] {
        let forbidden = NamespaceTypes.flags.map(\.flag).filter { allowed & $0 == 0 }
        guard !forbidden.isEmpty else { return [] }
        let refuse = SeccompAction.errno(eperm)
        var rules: [SeccompRule] = []
        for flag in forbidden {
            rules.append(SeccompRule(syscall: "unshare", action: refuse, comparisons: [hasBits(0, flag)]))
            rules.append(SeccompRule(syscall: "clone", action: refuse, comparisons: [hasBits(0, flag)]))
            rules.append(SeccompRule(syscall: "setns", action: refuse, comparisons: [hasBits(1, flag)]))
        }
        rules.append(SeccompRule(syscall: "setns", action: refuse, comparisons: [compare(1, SCMP_CMP_EQ, 0)]))
        return rules
    }

    static let protWrite: UInt64 = 0x2, protExec: UInt64 = 0x4, shmExec: UInt64 = 0o100000

    /// MemoryDenyWriteExecute=: no mapping both writable and executable, no turning a mapping executable.
    static let writeExecute: [SeccompRule] = {
        let refuse = SeccompAction.errno(eperm)
        return ["mmap", "mmap2"].map {
            SeccompRule(syscall: $0, action: refuse, comparisons: [hasBits(2, protWrite | protExec)])
        } + ["mprotect", "pkey_mprotect"].map {
            SeccompRule(syscall: $0, action: refuse, comparisons: [hasBits(2, protExec)])
        } + [SeccompRule(syscall: "shmat", action: refuse, comparisons: [hasBits(2, shmExec)])]
    }()

    /// RestrictRealtime=: sched_setscheduler to SCHED_FIFO, SCHED_RR or SCHED_DEADLINE, with or
    /// without SCHED_RESET_ON_FORK (masked out).
    static let realtime: [SeccompRule] = [1, 2, 6].map { (policy: UInt64) in
        SeccompRule(syscall: "sched_setscheduler", action: SeccompAction.errno(eperm),
                    comparisons: [compare(1, SCMP_CMP_MASKED_EQ, 0xbfff_ffff, policy)])
    }

    static let setUID: UInt64 = 0o4000, setGID: UInt64 = 0o2000, openCreate: UInt64 = 0o100

    /// RestrictSUIDSGID=: no file gets a set-user-ID or set-group-ID bit by chmod, mknod or creation.
    static let suidSGID: [SeccompRule] = {
        let refuse = SeccompAction.errno(eperm)
        var rules: [SeccompRule] = []
        for bit in [setUID, setGID] {
            let modeArgument: [(String, UInt32)] = [("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("mkdir", 1),
                                                    ("mkdirat", 2), ("mknod", 1), ("mknodat", 2), ("creat", 1)]
            rules += modeArgument.map { SeccompRule(syscall: $0.0, action: refuse, comparisons: [hasBits($0.1, bit)]) }
            rules.append(SeccompRule(syscall: "open", action: refuse, comparisons: [hasBits(1, openCreate), hasBits(2, bit)]))
            rules.append(SeccompRule(syscall: "openat", action: refuse,
                                     comparisons: [hasBits(2, openCreate), hasBits(3, bit)]))
        }
        return rules
    }()
}
