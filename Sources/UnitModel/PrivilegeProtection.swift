// The privilege and system-call half of a service's sandbox (systemd.exec(5),
// "Security" and "System Call Filtering"): capabilities, securebits,
// NoNewPrivileges=, DynamicUser= and the seccomp-enforced restrictions. Pure
// data with systemd 252's defaults; parsing is in UnitFile, the filter
// compiler in Launch, the enforcement in CSpawn.

/// SystemCallFilter=: an allow list (only these, plus @default) or a deny list.
public struct SyscallFilter: Codable, Sendable, Equatable, Hashable {
    public var allowList: Bool
    /// System call name → errno to return instead of the unit's action (nil: the unit's action).
    public var entries: [String: Int32?]

    public init(allowList: Bool, entries: [String: Int32?] = [:]) {
        self.allowList = allowList
        self.entries = entries
    }
}

/// RestrictAddressFamilies=: socket(2) families allowed (allow list) or refused.
public struct AddressFamilyRestriction: Codable, Sendable, Equatable, Hashable {
    public var allowList: Bool
    public var families: Set<Int32>

    public init(allowList: Bool, families: Set<Int32> = []) {
        self.allowList = allowList
        self.families = families
    }
}

public struct PrivilegeSettings: Codable, Sendable, Equatable, Hashable, SparseGroup {
    /// Every capability bit set: the bounding set is left alone.
    public static let allCapabilities = UInt64.max
    public static let defaults = PrivilegeSettings()

    public var noNewPrivileges = false
    /// CapabilityBoundingSet=: the capabilities kept, as a bit mask by number.
    public var capabilityBoundingSet = PrivilegeSettings.allCapabilities
    /// AmbientCapabilities=, as a bit mask.
    public var ambientCapabilities: UInt64 = 0
    /// SecureBits=, as the SECBIT_* mask; nil when not set.
    public var secureBits: UInt32?
    public var dynamicUser = false
    public var systemCallFilter: SyscallFilter?
    /// SystemCallLog=: calls logged by the kernel (allow list), or all but these (deny list).
    public var systemCallLog: SyscallFilter?
    /// SystemCallErrorNumber=: nil kills the process (SIGSYS), as systemd 252 does by default.
    public var systemCallErrorNumber: Int32?
    /// SystemCallArchitectures=: seccomp architecture names; empty allows every architecture.
    public var systemCallArchitectures: [String] = []
    public var restrictAddressFamilies: AddressFamilyRestriction?
    /// RestrictNamespaces=: the CLONE_NEW* flags still allowed; nil is unrestricted.
    public var restrictNamespaces: UInt64?
    public var restrictRealtime = false
    public var restrictSUIDSGID = false
    public var lockPersonality = false
    public var memoryDenyWriteExecute = false
    public var protectClock = false
    /// The system-call parts of settings whose mount or namespace part belongs to the
    /// filesystem sandbox, whose rows set these too: ProtectKernelModules= (@module,
    /// CAP_SYS_MODULE), ProtectKernelLogs= (syslog, CAP_SYSLOG), PrivateDevices= (@raw-io,
    /// CAP_MKNOD, CAP_SYS_RAWIO) and ProtectHostname= (sethostname, setdomainname).
    public var denyKernelModuleCalls = false
    public var denyKernelLogCalls = false
    public var denyRawIOCalls = false
    public var denyHostnameCalls = false

    public init() {}

    /// True when nothing here must be enforced in the child (the fast path then skips all of it).
    public var isEmpty: Bool { self == Self.defaults }

    /// True when a seccomp program is needed.
    public var needsSeccomp: Bool {
        systemCallFilter != nil || systemCallLog != nil || !systemCallArchitectures.isEmpty || restrictAddressFamilies != nil
            || restrictNamespaces != nil || restrictRealtime || restrictSUIDSGID || lockPersonality
            || memoryDenyWriteExecute || protectClock || denyKernelModuleCalls || denyKernelLogCalls
            || denyRawIOCalls || denyHostnameCalls
    }

    /// The bounding set after the implied drops (ProtectClock= drops CAP_SYS_TIME and
    /// CAP_WAKE_ALARM, ProtectKernelModules= CAP_SYS_MODULE, ProtectKernelLogs= CAP_SYSLOG,
    /// PrivateDevices= CAP_MKNOD and CAP_SYS_RAWIO), as systemd 252's unit_patch_contexts().
    public var effectiveBoundingSet: UInt64 {
        func drop(_ numbers: Int...) -> UInt64 { ~numbers.reduce(UInt64(0)) { $0 | UInt64(1) << $1 } }
        var set = capabilityBoundingSet
        if protectClock { set &= drop(Capabilities.sysTime, Capabilities.wakeAlarm) }
        if denyKernelModuleCalls { set &= drop(Capabilities.sysModule) }
        if denyKernelLogCalls { set &= drop(Capabilities.syslog) }
        if denyRawIOCalls { set &= drop(Capabilities.mknod, Capabilities.sysRawIO) }
        return set
    }
}

/// Capability names (capabilities(7)) by number, as systemd spells them.
public enum Capabilities {
    public static let names = [
        "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill",
        "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service",
        "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module",
        "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot",
        "cap_sys_nice", "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
        "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
        "cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
    ]
    public static let sysModule = 16, sysRawIO = 17, sysTime = 25, mknod = 27, syslog = 34, wakeAlarm = 35

    /// The number of a capability name, case-insensitive, or a plain number.
    public static func number(_ name: String) -> Int? {
        if let number = Int(name), number >= 0, number < 64 { return number }
        return names.firstIndex(of: name.lowercased())
    }

    /// The names of the bits set in `mask`, in number order (unnamed bits as numbers).
    public static func list(_ mask: UInt64, upTo last: Int = names.count - 1) -> [String] {
        (0...last).filter { mask & (UInt64(1) << $0) != 0 }.map { $0 < names.count ? names[$0] : String($0) }
    }
}

/// Socket address family names (address_families(7)) by number, for RestrictAddressFamilies=.
public enum AddressFamilies {
    public static let names = [
        "AF_UNSPEC", "AF_UNIX", "AF_INET", "AF_AX25", "AF_IPX", "AF_APPLETALK", "AF_NETROM", "AF_BRIDGE",
        "AF_ATMPVC", "AF_X25", "AF_INET6", "AF_ROSE", "AF_DECnet", "AF_NETBEUI", "AF_SECURITY", "AF_KEY",
        "AF_NETLINK", "AF_PACKET", "AF_ASH", "AF_ECONET", "AF_ATMSVC", "AF_RDS", "AF_SNA", "AF_IRDA", "AF_PPPOX",
        "AF_WANPIPE", "AF_LLC", "AF_IB", "AF_MPLS", "AF_CAN", "AF_TIPC", "AF_BLUETOOTH", "AF_IUCV", "AF_RXRPC",
        "AF_ISDN", "AF_PHONET", "AF_IEEE802154", "AF_CAIF", "AF_ALG", "AF_NFC", "AF_VSOCK", "AF_KCM", "AF_QIPCRTR",
        "AF_SMC", "AF_XDP", "AF_MCTP",
    ]
    public static var count: Int32 { Int32(names.count) }

    public static func number(_ name: String) -> Int32? {
        switch name {
        case "AF_LOCAL", "AF_FILE": return 1
        case "AF_ROUTE": return 16
        default: return names.firstIndex(of: name).map(Int32.init)
        }
    }
}

/// RestrictNamespaces= type names and their CLONE_NEW* flags.
public enum NamespaceTypes {
    public static let flags: [(name: String, flag: UInt64)] = [
        ("cgroup", 0x0200_0000), ("ipc", 0x0800_0000), ("net", 0x4000_0000), ("mnt", 0x0002_0000),
        ("pid", 0x2000_0000), ("user", 0x1000_0000), ("uts", 0x0400_0000),
    ]
    public static let all: UInt64 = flags.reduce(0) { $0 | $1.flag }
}

/// SecureBits= names and their SECBIT_* bits (capabilities(7)).
public enum SecureBitNames {
    public static let bits: [(name: String, bit: UInt32)] = [
        ("noroot", 1 << 0), ("noroot-locked", 1 << 1), ("no-setuid-fixup", 1 << 2),
        ("no-setuid-fixup-locked", 1 << 3), ("keep-caps", 1 << 4), ("keep-caps-locked", 1 << 5),
    ]
    public static let keepCaps: UInt32 = 1 << 4
}
