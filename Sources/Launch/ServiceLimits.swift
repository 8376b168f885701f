// The resource limits a service starts with (systemd-system.conf(5)): the
// limits usherd was started with, except RLIMIT_NOFILE 1024:524288 and
// RLIMIT_MEMLOCK 8M, each hard limit capped at what usherd may grant; then
// the unit's Limit*= on top. Pure: the caller passes usherd's limits.
import UnitModel
import UsherSys

public enum ServiceLimits {
    /// DefaultLimitNOFILE=1024:524288: soft 1024 keeps select()-based programs working.
    public static let defaultOpenFiles = LimitPair(soft: 1024, hard: 524_288)
    /// DefaultLimitMEMLOCK=8M (systemd 253 sets it; 252 inherits the same 8M from Linux ≥ 5.16).
    public static let defaultLockedMemory = LimitPair(soft: 8 << 20, hard: 8 << 20)

    /// Every resource's default, indexed by RLIMIT_* number. `ceiling(resource)`
    /// is the highest hard limit usherd can give a child.
    public static func defaults(startup: [LimitPair], ceiling: (Int32) -> UInt64) -> [LimitPair] {
        startup.indices.map { index in
            let resource = Int32(index)
            var wanted = startup[index]
            if resource == ProcessLimits.openFiles { wanted = defaultOpenFiles }
            if resource == ProcessLimits.lockedMemory { wanted = defaultLockedMemory }
            let hard = min(wanted.hard, ceiling(resource))
            return LimitPair(soft: min(wanted.soft, hard), hard: hard)
        }
    }

    /// With CAP_SYS_RESOURCE usherd may grant RLIMIT_NOFILE up to fs.nr_open and
    /// the rest anything; without it (another user, or root in many containers)
    /// at most its own hard limits.
    public static func ceiling(privileged: Bool, own: [LimitPair], kernelOpenFiles: UInt64) -> (Int32) -> UInt64 {
        { resource in
            guard privileged else { return own.indices.contains(Int(resource)) ? own[Int(resource)].hard : 0 }
            return resource == ProcessLimits.openFiles ? kernelOpenFiles : UInt64.max
        }
    }

    /// The limits a child must set: the defaults where they differ from usherd's
    /// own limits now (a child inherits those), then the unit's Limit*= settings.
    public static func plan(defaults: [LimitPair], own: [LimitPair], unit: [String: ResourceLimit]) -> [SpawnLimit] {
        var wanted: [Int32: LimitPair] = [:]
        for index in defaults.indices where !own.indices.contains(index) || defaults[index] != own[index] {
            wanted[Int32(index)] = defaults[index]
        }
        for entry in unit {
            guard let resource = resourceNumber(entry.key) else { continue }
            wanted[resource] = LimitPair(soft: entry.value.soft ?? UInt64.max, hard: entry.value.hard ?? UInt64.max)
        }
        return wanted.keys.sorted().compactMap { resource in
            wanted[resource].map { SpawnLimit(resource: resource, soft: $0.soft, hard: $0.hard) }
        }
    }

    /// RLIMIT_* number of `NOFILE` or `LimitNOFILE` (Linux's numbering).
    public static func resourceNumber(_ name: String) -> Int32? {
        let bare = name.uppercased().replacing("LIMIT", with: "")
        return ProcessLimits.resourceNames.firstIndex(of: bare).map(Int32.init)
    }
}
