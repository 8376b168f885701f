// The one table of security-relevant exec keys: every systemd 252 key that
// confines a service (identity, capabilities, sandboxing, system calls, MAC,
// credentials, and the cgroup/BPF access controls). A key here is enforced
// iff the option table has a supported row for it; the rest are reported as
// "protection not enforced" (a warning, or a load error under --strict-sandboxing).

import UnitModel

public enum SecurityKeys {
    /// Why a key is in the table, for usher.unit(5) and `usherctl list-keys --security`.
    public enum Group: String, Sendable, CaseIterable {
        case identity, capabilities, filesystem, namespaces, systemCalls = "system calls"
        case mandatoryAccessControl = "mandatory access control", credentials, cgroupAccess = "cgroup access control"
    }

    /// Key → group. Resource limits (MemoryMax=, TasksMax=, CPUQuota=, Limit*=) are not here: they bound
    /// consumption, not what a service may reach, and systemd-analyze security does not score them either.
    public static let table: [(key: String, group: Group)] = [
        ("User", .identity), ("Group", .identity), ("SupplementaryGroups", .identity), ("DynamicUser", .identity),
        ("NoNewPrivileges", .capabilities), ("CapabilityBoundingSet", .capabilities),
        ("AmbientCapabilities", .capabilities), ("SecureBits", .capabilities), ("KeyringMode", .capabilities),
        ("RootDirectory", .filesystem), ("RootImage", .filesystem), ("MountImages", .filesystem),
        ("ExtensionImages", .filesystem), ("ExtensionDirectories", .filesystem),
        ("ProtectSystem", .filesystem), ("ProtectHome", .filesystem),
        ("ReadWritePaths", .filesystem), ("ReadOnlyPaths", .filesystem), ("InaccessiblePaths", .filesystem),
        ("ReadWriteDirectories", .filesystem), ("ReadOnlyDirectories", .filesystem),
        ("InaccessibleDirectories", .filesystem), ("ExecPaths", .filesystem), ("NoExecPaths", .filesystem),
        ("TemporaryFileSystem", .filesystem), ("BindPaths", .filesystem), ("BindReadOnlyPaths", .filesystem),
        ("PrivateTmp", .filesystem), ("PrivateDevices", .filesystem), ("PrivateMounts", .filesystem),
        ("MountFlags", .filesystem), ("ProtectKernelTunables", .filesystem), ("ProtectKernelModules", .filesystem),
        ("ProtectKernelLogs", .filesystem), ("ProtectControlGroups", .filesystem), ("ProtectProc", .filesystem),
        ("ProcSubset", .filesystem), ("ProtectClock", .filesystem),
        ("PrivateNetwork", .namespaces), ("NetworkNamespacePath", .namespaces), ("PrivateIPC", .namespaces),
        ("IPCNamespacePath", .namespaces), ("PrivateUsers", .namespaces), ("ProtectHostname", .namespaces),
        ("RemoveIPC", .namespaces),
        ("SystemCallFilter", .systemCalls), ("SystemCallErrorNumber", .systemCalls),
        ("SystemCallArchitectures", .systemCalls), ("RestrictAddressFamilies", .systemCalls),
        ("RestrictNamespaces", .systemCalls), ("RestrictRealtime", .systemCalls),
        ("RestrictSUIDSGID", .systemCalls), ("LockPersonality", .systemCalls),
        ("MemoryDenyWriteExecute", .systemCalls), ("RestrictFileSystems", .systemCalls),
        ("SELinuxContext", .mandatoryAccessControl), ("AppArmorProfile", .mandatoryAccessControl),
        ("SmackProcessLabel", .mandatoryAccessControl),
        ("LoadCredential", .credentials), ("LoadCredentialEncrypted", .credentials),
        ("SetCredential", .credentials), ("SetCredentialEncrypted", .credentials),
        ("DeviceAllow", .cgroupAccess), ("DevicePolicy", .cgroupAccess), ("IPAddressAllow", .cgroupAccess),
        ("IPAddressDeny", .cgroupAccess), ("IPIngressFilterPath", .cgroupAccess),
        ("IPEgressFilterPath", .cgroupAccess), ("SocketBindAllow", .cgroupAccess),
        ("SocketBindDeny", .cgroupAccess), ("RestrictNetworkInterfaces", .cgroupAccess),
    ]

    static let keys: Set<String> = Set(table.map(\.key))

    /// Keys whose enforcement needs usherd to be root: they unshare namespaces and mount, which an
    /// unprivileged process can only do inside a user namespace of its own (not implemented).
    public static let needRoot: Set<String> = FilesystemRows.namespaceKeys

    public static func isSecurityRelevant(_ key: String) -> Bool { keys.contains(key) }

    /// Supported row in the [Service] section of the option table.
    public static func isEnforced(_ key: String) -> Bool {
        guard let row = OptionTable.row(section: "Service", key: key) else { return false }
        return !row.flags.contains(.unsupported)
    }

    /// The keys of `keys` this usherd does not enforce; `privileged`: usherd runs as root.
    public static func unenforced(_ keys: [String], privileged: Bool) -> [String] {
        keys.filter { !isEnforced($0, privileged: privileged) }
    }

    /// `keys` split, in their order, into those this usherd enforces and those it does not.
    public static func partition(_ keys: [String], privileged: Bool)
        -> (enforced: [String], notEnforced: [String]) {
        (keys.filter { isEnforced($0, privileged: privileged) }, unenforced(keys, privileged: privileged))
    }

    private static func isEnforced(_ key: String, privileged: Bool) -> Bool {
        isEnforced(key) && (privileged || !needRoot.contains(key))
    }

    /// One line per key: `KEY<TAB>group<TAB>enforced|not enforced`, for usher.unit(5) and list-keys.
    public static func listing() -> [String] {
        table.map { "\($0.key)=\t\($0.group.rawValue)\t\(isEnforced($0.key) ? "enforced" : "not enforced")" }
    }
}

/// How a loaded service with unenforced protections is treated: by default a warning naming the keys
/// (the unit still runs, unconfined in those respects); with `strict` (usherd --strict-sandboxing) a refusal.
public struct SandboxingPolicy: Sendable, Equatable {
    public var strict: Bool
    /// usherd runs as root: namespaces and mounts can be set up.
    public var privileged: Bool

    public init(strict: Bool = false, privileged: Bool = true) {
        self.strict = strict
        self.privileged = privileged
    }

    /// False when the unit is refused; appends the warning or the error.
    func admits(_ service: ServiceUnit, diagnostics: inout [Diagnostic]) -> Bool {
        let missing = SecurityKeys.unenforced(service.exec.securityKeys, privileged: privileged)
        guard !missing.isEmpty else { return true }
        let keys = missing.map { $0 + "=" }.joined(separator: ", ")
        let reason = privileged ? "" : " (usherd is not root: no namespaces)"
        if strict {
            diagnostics.append(Diagnostic(severity: .error, unit: service.name.full,
                                          message: "Protection not enforced by usherd\(reason): \(keys). Refusing (--strict-sandboxing)."))
            return false
        }
        diagnostics.append(Diagnostic(severity: .warning, unit: service.name.full,
                                      message: "Protection not enforced by usherd\(reason): \(keys)."))
        return true
    }
}
