// The filesystem and namespace sandboxing a service asks for (systemd.exec(5)
// "Sandboxing": ProtectSystem=, PrivateTmp=, ReadOnlyPaths=, PrivateNetwork=…)
// and its credentials (LoadCredential=, SetCredential=). Pure data: Launch
// turns it into a mount plan, CSpawn applies it in the child.

public enum ProtectSystem: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case no, yes, full, strict
}

public enum ProtectHome: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case no, yes
    case readOnly = "read-only"
    case tmpfs
}

/// ProtectProc=: the hidepid= of the service's own procfs instance.
public enum ProtectProc: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case `default`, noaccess, invisible, ptraceable
}

/// ProcSubset=: all of /proc, or only the process directories (subset=pid).
public enum ProcSubset: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case all, pid
}

/// One ReadWritePaths=/ReadOnlyPaths=/InaccessiblePaths= entry.
public struct PathRule: Codable, Sendable, Equatable, Hashable {
    public var path: String
    /// `-`: a missing path is ignored.
    public var optional: Bool
    /// `+`: relative to RootDirectory= rather than the host (same thing without one).
    public var underRoot: Bool
    public init(path: String, optional: Bool = false, underRoot: Bool = false) {
        self.path = path
        self.optional = optional
        self.underRoot = underRoot
    }
}

/// One BindPaths=/BindReadOnlyPaths= entry: `[-]SOURCE[:DEST[:rbind|norbind]]`.
public struct BindRule: Codable, Sendable, Equatable, Hashable {
    public var source: String
    public var destination: String
    public var optional: Bool
    public var recursive: Bool
    public var readOnly: Bool
    public init(source: String, destination: String, optional: Bool = false, recursive: Bool = true, readOnly: Bool) {
        self.source = source
        self.destination = destination
        self.optional = optional
        self.recursive = recursive
        self.readOnly = readOnly
    }
}

/// One TemporaryFileSystem= entry: `PATH[:OPTIONS]`.
public struct TemporaryFileSystem: Codable, Sendable, Equatable, Hashable {
    public var path: String
    public var options: String
    public init(path: String, options: String) {
        self.path = path
        self.options = options
    }
}

/// LoadCredential=ID:PATH or SetCredential=ID:VALUE.
public struct CredentialSource: Codable, Sendable, Equatable, Hashable {
    public enum Origin: Codable, Sendable, Equatable, Hashable {
        case load(path: String)
        case set(value: [UInt8])
    }
    public var id: String
    public var origin: Origin
    public init(id: String, origin: Origin) {
        self.id = id
        self.origin = origin
    }
}

/// The mount and namespace part of these keys. Their privilege part, which systemd also applies and
/// which belongs with capabilities and seccomp: PrivateDevices= drops CAP_MKNOD and CAP_SYS_RAWIO and
/// filters @raw-io; ProtectKernelModules= drops CAP_SYS_MODULE and filters @module; ProtectKernelLogs=
/// drops CAP_SYSLOG and filters syslog(2); ProtectHostname= filters sethostname(2) and
/// setdomainname(2). Read these fields to apply it.
public struct FilesystemProtection: Codable, Sendable, Equatable, Hashable, SparseGroup {
    public static let defaults = FilesystemProtection()
    public var protectSystem: ProtectSystem = .no
    public var protectHome: ProtectHome = .no
    public var privateTmp = false
    public var privateDevices = false
    public var privateNetwork = false
    public var protectHostname = false
    public var protectKernelTunables = false
    /// The mount part (/lib/modules inaccessible); CAP_SYS_MODULE and the syscall filter are the privilege part's.
    public var protectKernelModules = false
    public var protectKernelLogs = false
    public var protectControlGroups = false
    public var protectProc: ProtectProc = .default
    public var procSubset: ProcSubset = .all
    public var readWritePaths: [PathRule] = []
    public var readOnlyPaths: [PathRule] = []
    public var inaccessiblePaths: [PathRule] = []
    public var temporaryFileSystems: [TemporaryFileSystem] = []
    public var bindPaths: [BindRule] = []
    /// LoadCredential= and SetCredential= in file order; a loaded one wins over a set one with the same id.
    public var credentials: [CredentialSource] = []
    public init() {}

    /// Whether the service needs a mount namespace of its own.
    public var needsMountNamespace: Bool {
        protectSystem != .no || protectHome != .no || privateTmp || privateDevices || protectKernelTunables
            || protectKernelModules || protectKernelLogs || protectControlGroups || protectProc != .default
            || procSubset != .all || !readWritePaths.isEmpty || !readOnlyPaths.isEmpty
            || !inaccessiblePaths.isEmpty || !temporaryFileSystems.isEmpty || !bindPaths.isEmpty
            || !credentials.isEmpty
    }

    /// Whether any namespace (mount, network, UTS) is asked for.
    public var needsNamespaces: Bool { needsMountNamespace || privateNetwork || protectHostname }
}
