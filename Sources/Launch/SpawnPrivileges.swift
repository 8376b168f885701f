// A unit's privilege settings turned into the cspawn_privileges the child
// applies: the bounding set against the kernel's last capability, keep-caps
// when ambient capabilities must survive setuid, no_new_privs when a filter is
// loaded by an unprivileged user, and the compiled seccomp programs. Prepared
// once per distinct setting (and user kind) and shared by every spawn.
import CSpawn
import FoundationEssentials
import UnitModel
import UsherSys

public final class SpawnPrivileges: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<cspawn_privileges>
    let programs: SeccompPrograms?

    init(_ settings: PrivilegeSettings, changesUser: Bool, nonRootUser: Bool) throws {
        programs = try SeccompCompiler.compile(settings)
        pointer = UnsafeMutablePointer<cspawn_privileges>.allocate(capacity: 1)
        var c = cspawn_privileges()
        let last = Self.lastCapability
        let known: UInt64 = last >= 63 ? UInt64.max : (UInt64(1) << (last + 1)) - 1
        let bounding = settings.effectiveBoundingSet & known
        c.drop_bounding = bounding == known ? 0 : 1
        c.bounding = bounding
        c.last_cap = Int32(last)
        // A capability outside the bounding set cannot be made inheritable, hence not ambient.
        c.ambient = settings.ambientCapabilities & bounding
        let keepCaps = c.ambient != 0 && changesUser ? SecureBitNames.keepCaps : 0
        c.set_securebits = settings.secureBits != nil || keepCaps != 0 ? 1 : 0
        c.securebits = Int32(bitPattern: (settings.secureBits ?? 0) | keepCaps)
        // Without CAP_SYS_ADMIN (gone with setuid to another user) the kernel loads a
        // filter only under no_new_privs; systemd sets it then too.
        c.no_new_privs = settings.noNewPrivileges || (programs != nil && nonRootUser) ? 1 : 0
        c.programs = programs.map { UnsafePointer($0.programs) }
        c.n_programs = Int32(programs?.count ?? 0)
        pointer.initialize(to: c)
    }

    deinit { pointer.deallocate() }

    /// /proc/sys/kernel/cap_last_cap, read once; CAP_CHECKPOINT_RESTORE (40) when unreadable.
    static let lastCapability: Int = {
        let text = (try? readSmallFile("/proc/sys/kernel/cap_last_cap")) ?? ""
        return Int(text.filter(\.isNumber)).map { min(63, max(0, $0)) } ?? 40
    }()

    private struct Key: Hashable {
        var settings: PrivilegeSettings
        var changesUser: Bool
        var nonRootUser: Bool
    }

    private static let lock = ThreadLock()
    nonisolated(unsafe) private static var cache: [Key: SpawnPrivileges] = [:]

    /// The prepared privileges for these settings, compiled at most once per process;
    /// nil when nothing is restricted.
    public static func prepared(_ settings: PrivilegeSettings, credentials: SpawnCredentials?) throws -> SpawnPrivileges? {
        guard !settings.isEmpty else { return nil }
        let key = Key(settings: settings, changesUser: credentials != nil, nonRootUser: (credentials?.uid ?? Users.effectiveUID) != 0)
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[key] { return cached }
        let prepared = try SpawnPrivileges(settings, changesUser: key.changesUser, nonRootUser: key.nonRootUser)
        cache[key] = prepared
        return prepared
    }
}
