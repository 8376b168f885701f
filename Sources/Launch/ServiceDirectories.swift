// RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory= and
// ConfigurationDirectory= (systemd.exec(5), "Paths"): where each kind lives
// for the system or a user manager, the full paths and $RUNTIME_DIRECTORY-style
// variables of a unit, creating them before a process of the unit starts,
// and removing the runtime ones when the service stops; with DynamicUser=,
// systemd's private/ layout and what a process of the unit sees of it.
import FoundationEssentials
import UnitModel
import UsherSys

/// The base directory of each kind; nil when it cannot be known (a user manager without $XDG_RUNTIME_DIR).
public struct DirectoryBases: Sendable, Equatable {
    public var bases: [ExecDirectoryKind: String]

    /// /run, /var/lib, /var/cache, /var/log, /etc.
    public static let system = DirectoryBases(bases: [.runtime: "/run", .state: "/var/lib", .cache: "/var/cache",
                                                      .logs: "/var/log", .configuration: "/etc"])

    /// systemd 252's user manager: $XDG_RUNTIME_DIR, $XDG_CONFIG_HOME (state and
    /// configuration), $XDG_CACHE_HOME, $XDG_CONFIG_HOME/log.
    public static func user(environment: [String: String], home: String) -> DirectoryBases {
        func absolute(_ name: String) -> String? { environment[name].flatMap { $0.hasPrefix("/") ? $0 : nil } }
        let config = absolute("XDG_CONFIG_HOME") ?? home + "/.config"
        var bases: [ExecDirectoryKind: String] = [.state: config, .configuration: config, .logs: config + "/log",
                                                  .cache: absolute("XDG_CACHE_HOME") ?? home + "/.cache"]
        bases[.runtime] = absolute("XDG_RUNTIME_DIR")
        return DirectoryBases(bases: bases)
    }
}

/// One directory of a unit: where the unit names it ($STATE_DIRECTORY) and, for a DynamicUser=
/// unit's private kinds, where it really lives (systemd 252's exec_directory_is_private).
public struct ExecDirectory: Sendable, Equatable {
    public var kind: ExecDirectoryKind
    public var base: String
    public var name: String
    /// Lives in base/private/NAME, behind the root-only base/private.
    public var isPrivate: Bool
    /// NAME lies below another NAME of the same kind: created, but neither linked nor mounted on its own.
    public var onlyCreate: Bool

    public var path: String { base + "/" + name }
    public var privateRoot: String { base + "/private" }
    public var privatePath: String { privateRoot + "/" + name }
    /// "private/NAME", with "../" per level of NAME below base: the link holds wherever base is mounted.
    public var linkTarget: String { String(repeating: "../", count: name.split(separator: "/").count - 1) + "private/" + name }
}

public enum ServiceDirectories {
    /// Every directory of the unit, in systemd's order.
    public static func directories(_ exec: ExecContext, bases: DirectoryBases) throws -> [ExecDirectory] {
        try ExecDirectoryKind.allCases.flatMap { kind -> [ExecDirectory] in
            guard let names = exec.directories[kind]?.paths, !names.isEmpty else { return [] }
            guard let base = bases.bases[kind] else {
                throw LaunchError(description: "\(kind.rawValue)Directory= needs $XDG_RUNTIME_DIR for a user manager: No such file or directory")
            }
            return names.map { name in
                ExecDirectory(kind: kind, base: base, name: name, isPrivate: isPrivate(kind, exec),
                              onlyCreate: names.contains { name.hasPrefix($0 + "/") })
            }
        }
    }

    /// systemd 252: with DynamicUser=, every kind but ConfigurationDirectory= (not the service's
    /// own) and a RuntimeDirectory= that goes when the service stops lives below private/.
    static func isPrivate(_ kind: ExecDirectoryKind, _ exec: ExecContext) -> Bool {
        guard exec.privileges.dynamicUser else { return false }
        switch kind {
        case .configuration: return false
        case .runtime: return exec.runtimeDirectoryPreserve != .no
        case .state, .cache, .logs: return true
        }
    }

    /// RUNTIME_DIRECTORY=/run/a:/run/b and the others: each kind among `all` (the unit's directories)
    /// with its full paths, in systemd's order.
    public static func environment(of all: [ExecDirectory]) -> [(String, String)] {
        ExecDirectoryKind.allCases.compactMap { kind in
            let paths = all.filter { $0.kind == kind }.map(\.path)
            return paths.isEmpty ? nil : (kind.environmentName, paths.joined(separator: ":"))
        }
    }

    /// Whether the unit sets any RuntimeDirectory= or its siblings.
    public static func any(_ exec: ExecContext) -> Bool {
        exec.directories.values.contains { !$0.paths.isEmpty }
    }

    /// What a process of the unit sees: its directories writable where a protection (ProtectSystem=,
    /// ProtectHome=, ReadOnlyPaths=, …) covers them, bound onto themselves as systemd binds them (one that
    /// nothing covers is the host's, writable already, and gets no mount), and, with DynamicUser=, each
    /// private/ replaced by an empty read-only tmpfs into which only the unit's own directories are bound.
    /// Returns the paths it added entries for, by kind.
    @discardableResult
    public static func openUp(_ fs: inout FilesystemProtection, for directories: [ExecDirectory]) -> [ExecDirectoryKind: Set<String>] {
        guard !directories.isEmpty else { return [:] }
        let protected = MountPlanner.protectedPaths(fs)
        var added: [ExecDirectoryKind: Set<String>] = [:]
        var privateRoots: [String] = []
        for directory in directories where !directory.onlyCreate {
            guard directory.isPrivate else {
                guard protected.contains(where: { directory.path == $0 || MountPlanner.isBelow(directory.path, $0) }) else {
                    continue
                }
                fs.readWritePaths.append(PathRule(path: directory.path, optional: true))
                added[directory.kind, default: []].insert(directory.path)
                continue
            }
            if !privateRoots.contains(directory.privateRoot) { privateRoots.append(directory.privateRoot) }
            fs.bindPaths.append(BindRule(source: directory.privatePath, destination: directory.privatePath, readOnly: false))
            added[directory.kind, default: []].formUnion([directory.privateRoot, directory.privatePath])
        }
        fs.temporaryFileSystems += privateRoots.map { TemporaryFileSystem(path: $0, options: "ro,mode=0755,nosuid,nodev,noexec") }
        return added
    }

    /// Creates `directories` (systemd does this before each process, so
    /// ExecStartPre= already finds them) with the modes `exec` gives, owned by
    /// `owner`; configuration directories stay root's, as in systemd.
    /// A private one goes below the root-only private/, with a relative link where the unit names it.
    public static func create(_ directories: [ExecDirectory], exec: ExecContext,
                              owner: (uid: UInt32, gid: UInt32)?) throws {
        for directory in directories {
            let mode = exec.directories[directory.kind]?.mode ?? 0o755
            do {
                if directory.isPrivate {
                    try createPrivate(directory, mode: mode, owner: owner)
                } else if directory.kind == .configuration {
                    try ExecDirectoryNodes.ensure(directory.path, mode: mode, owner: nil)
                } else {
                    try ExecDirectoryNodes.movePrivateBack(directory.path, from: directory.privatePath)
                    try ExecDirectoryNodes.ensure(directory.path, mode: mode, owner: owner)
                }
            } catch {
                throw LaunchError(description: "Failed to set up \(directory.kind.rawValue)Directory= \(directory.path): \(error)")
            }
        }
    }

    /// systemd 252's private/ layout: the root-only boundary, the directory in it (a public one moved
    /// there when DynamicUser= was just turned on), and a relative link where the unit names it.
    private static func createPrivate(_ directory: ExecDirectory, mode: UInt32, owner: (uid: UInt32, gid: UInt32)?) throws {
        try ExecDirectoryNodes.ensurePrivateRoot(directory.privateRoot)
        try FileNodes.makeParents(of: directory.privatePath, mode: 0o755)
        try ExecDirectoryNodes.movePublic(directory.path, to: directory.privatePath)
        try ExecDirectoryNodes.ensure(directory.privatePath, mode: mode, owner: owner)
        guard !directory.onlyCreate else { return }
        try FileNodes.makeParents(of: directory.path, mode: 0o755)
        try ExecDirectoryNodes.link(directory.path, to: directory.linkTarget)
    }

    /// Whether a stop removes the runtime directories: `no` always, `restart`
    /// unless the service is about to be restarted, `yes` never.
    public static func removesRuntime(_ exec: ExecContext, restarting: Bool) -> Bool {
        switch exec.runtimeDirectoryPreserve {
        case .no: return true
        case .restart: return !restarting
        case .yes: return false
        }
    }

    /// The runtime directories' full paths (to remove when the service stops): a private one's
    /// link and the directory itself.
    public static func runtimePaths(_ exec: ExecContext, bases: DirectoryBases) -> [String] {
        var runtimeOnly = exec
        runtimeOnly.directories = exec.directories.filter { $0.key == .runtime }
        let runtime = (try? directories(runtimeOnly, bases: bases)) ?? []
        return runtime.map(\.path) + runtime.filter(\.isPrivate).map(\.privatePath)
    }
}
