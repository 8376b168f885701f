// What usherd was asked to run: unit directories, system or user mode,
// where its runtime directory (notify socket, control socket, lock) is, with
// the mode it is created with, and who may change state over the control socket.
import ControlProtocol
import Glibc
import Launch
import UnitFile
import UsherSys

public struct DaemonOptions: Sendable {
    /// Where the runtime directory comes from: a path, or a fresh private one under /tmp.
    public enum RuntimeLocation: Sendable, Equatable {
        case path(String)
        /// mkdtemp(PREFIX.XXXXXX): a non-root usherd without $XDG_RUNTIME_DIR.
        case privateTemporary(prefix: String)
    }

    public var unitDirectories: [String]
    public var userManager: Bool
    public var runtimeLocation: RuntimeLocation
    /// --control-socket; nil: `control` inside the runtime directory.
    public var controlSocketPath: String?
    /// The group whose members may use mutating control verbs (--admin-group).
    public var adminGroup: String
    /// --watch: reload by itself when the unit directories change (Daemon+Watch).
    public var watch = false
    /// --strict-sandboxing: a service with an unenforced protection is refused at load.
    public var strictSandboxing = false
    /// usherd's own command line (argv[0] first, without --deserialize): a re-exec runs it again.
    public var commandLine: [String] = []
    /// --deserialize FD: the state usherd's previous image saved before re-executing (Daemon+Resume).
    public var deserializeFD: Int32?
    /// The fds open when usherd started with --deserialize (the fallback adopts among them).
    public var inheritedFDs: [Int32] = []

    public init(unitDirectories: [String], userManager: Bool, runtimeDirectory: String? = nil,
                controlSocketPath: String? = nil, adminGroup: String = "usher") {
        self.userManager = userManager
        self.controlSocketPath = controlSocketPath
        self.adminGroup = adminGroup
        self.unitDirectories = unitDirectories.isEmpty ? UnitSearchPath.defaults(userManager: userManager)
            : unitDirectories.map(DaemonOptions.absolute)
        runtimeLocation = runtimeDirectory.map { .path($0) } ?? DaemonOptions.defaultRuntimeLocation(userManager: userManager)
    }

    /// /run/usher for root; otherwise (or with --user) $XDG_RUNTIME_DIR/usher.
    /// Without $XDG_RUNTIME_DIR, a private mkdtemp directory: a predictable
    /// name in /tmp could be created first by another user.
    public static func defaultRuntimeLocation(userManager: Bool) -> RuntimeLocation {
        if !userManager && Users.effectiveUID == 0 { return .path("/run/usher") }
        if let runtime = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), runtime.hasPrefix("/") {
            return .path(runtime + "/usher")
        }
        return .privateTemporary(prefix: "/tmp/usher-\(Users.effectiveUID)")
    }

    /// 0755 for the system instance run by root (services with User= must
    /// reach the notify socket), 0700 otherwise: every service runs as this uid.
    public var runtimeDirectoryMode: UInt32 { !userManager && Users.effectiveUID == 0 ? 0o755 : 0o700 }

    /// Bases of RuntimeDirectory= and the others: /run, /var/lib, … for root's
    /// system instance; a user manager's XDG directories otherwise, as systemd --user.
    public var directoryBases: DirectoryBases {
        if !userManager && Users.effectiveUID == 0 { return .system }
        var environment: [String: String] = [:]
        for name in ["XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HOME"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        let home = environment["HOME"] ?? (try? Users.user(String(Users.effectiveUID)).home) ?? "/"
        return .user(environment: environment, home: home)
    }

    /// Where the control socket goes once the runtime directory is known.
    public func controlSocket(inRuntimeDirectory directory: String) -> String {
        controlSocketPath ?? directory + "/" + ControlProtocol.socketName
    }

    /// Creates or checks, then locks, the runtime directory.
    public func openRuntimeDirectory() throws -> RuntimeDirectory {
        switch runtimeLocation {
        case .path(let path):
            return try RuntimeDirectory(path: path, mode: runtimeDirectoryMode)
        case .privateTemporary(let prefix):
            return try RuntimeDirectory(path: try RuntimeDirectory.makePrivate(prefix: prefix), mode: 0o700)
        }
    }

    /// `path` from the working directory, so unit paths (FragmentPath=, %f) are absolute as systemd's are.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        let base = String(cString: cwd)
        let relative = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return base == "/" ? "/" + relative : base + "/" + relative
    }

    /// %u, %h, %t and friends for the unit loader (UnitFile reads the host facts).
    func specifierContext() -> SpecifierContext { SpecifierContext.current(userManager: userManager) }

    /// Warn or refuse; namespaces count as enforced only for a root usherd.
    var sandboxingPolicy: SandboxingPolicy {
        SandboxingPolicy(strict: strictSandboxing, privileged: Users.effectiveUID == 0)
    }
}
