// What usherd does with each key of the option table, for usher.unit(5) and
// `usherctl list-keys --format man`: supported, not enforced (parsed and shown,
// without the effect systemd gives it) or unsupported, each with the reason.
// The reasons are data here; a key's row decides whether it is supported.

public enum OptionStatus: Equatable, Sendable {
    case supported
    case notEnforced(reason: String)
    case unsupported(reason: String)
}

extension OptionRow {
    public var status: OptionStatus {
        if flags.contains(.unsupported) {
            return .unsupported(reason: OptionStatusReasons.unsupported(section: section, key: key))
        }
        if let reason = OptionStatusReasons.notEnforced["\(section).\(aliasOf ?? key)"] {
            return .notEnforced(reason: reason)
        }
        return .supported
    }
}

enum OptionStatusReasons {
    /// Supported rows whose effect usherd does not (fully) give; usherd logs a note when a unit uses them.
    static let notEnforced: [String: String] = [
        "Service.StandardInput": "fd: (a name in the fd store) gives /dev/null (usherd logs a note); the other forms are enforced.",
        "Service.StandardOutput": "kmsg and fd: go to usherd's log pipe (usherd logs a note); the other forms are enforced.",
        "Service.StandardError": "kmsg and fd: go to usherd's log pipe (usherd logs a note); the other forms are enforced.",
    ]

    static let cgroupPrefixes = ["CPU", "Memory", "IO", "BlockIO", "Tasks", "Device", "IP", "ManagedOOM", "Startup",
                                 "Allowed", "DefaultMemory"]
    static let cgroupKeys: Set<String> = ["Slice", "Delegate", "DisableControllers", "BPFProgram"]

    static func unsupported(section: String, key: String) -> String {
        if SecurityKeys.isSecurityRelevant(key) {
            return "a sandboxing or privilege setting usherd does not implement: usherd warns that the protection is not enforced and runs the unit without it, or refuses the unit with --strict-sandboxing."
        }
        if cgroupKeys.contains(key) || (cgroupPrefixes.contains { key.hasPrefix($0) } && !key.hasPrefix("IOScheduling")
                                        && !key.hasPrefix("CPUScheduling") && key != "CPUAffinity") {
            return "cgroup resource control or accounting: usherd manages no cgroups; usherd warns and ignores it."
        }
        return "a systemd 252 key usherd does not implement; usherd warns and ignores it."
    }
}
