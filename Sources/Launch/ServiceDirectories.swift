// RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory= and
// ConfigurationDirectory= (systemd.exec(5), "Paths"): where each kind lives
// for the system or a user manager, the full paths and $RUNTIME_DIRECTORY-style
// variables of a unit, creating them before a process of the unit starts,
// and removing the runtime ones when the service stops.
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

public enum ServiceDirectories {
    /// Each kind the unit sets, in systemd's order, with its full paths.
    public static func paths(_ exec: ExecContext, bases: DirectoryBases) throws -> [(ExecDirectoryKind, [String])] {
        try ExecDirectoryKind.allCases.compactMap { kind in
            guard let paths = exec.directories[kind]?.paths, !paths.isEmpty else { return nil }
            guard let base = bases.bases[kind] else {
                throw LaunchError(description: "\(kind.rawValue)Directory= needs $XDG_RUNTIME_DIR for a user manager: No such file or directory")
            }
            return (kind, paths.map { base + "/" + $0 })
        }
    }

    /// RUNTIME_DIRECTORY=/run/a:/run/b and the others, in systemd's order.
    public static func environment(_ exec: ExecContext, bases: DirectoryBases) throws -> [(String, String)] {
        try paths(exec, bases: bases).map { ($0.0.environmentName, $0.1.joined(separator: ":")) }
    }

    /// Creates every directory of the unit (systemd does this before each
    /// process, so ExecStartPre= already finds them), owned by the service's
    /// user and group; configuration directories stay root's, as in systemd.
    public static func create(_ exec: ExecContext, bases: DirectoryBases, owner: (uid: UInt32, gid: UInt32)?) throws {
        for (kind, paths) in try paths(exec, bases: bases) {
            let mode = exec.directories[kind]?.mode ?? 0o755
            for path in paths {
                do {
                    try ExecDirectoryNodes.ensure(path, mode: mode, owner: kind == .configuration ? nil : owner)
                } catch {
                    throw LaunchError(description: "Failed to set up \(kind.rawValue)Directory= \(path): \(error)")
                }
            }
        }
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

    /// The runtime directories' full paths (to remove when the service stops).
    public static func runtimePaths(_ exec: ExecContext, bases: DirectoryBases) -> [String] {
        guard let base = bases.bases[.runtime] else { return [] }
        return (exec.directories[.runtime]?.paths ?? []).map { base + "/" + $0 }
    }
}
