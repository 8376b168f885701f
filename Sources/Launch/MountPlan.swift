// The mount namespace of a sandboxed service, planned in the parent as
// systemd 252's namespace.c does: one entry per path (ProtectSystem=,
// ProtectHome=, PrivateTmp=, *Paths=, …), sorted parents first, duplicates
// and no-ops dropped, then turned into the steps CSpawn's mounts.c runs:
// the mounts in path order, then a pass that sets or clears read-only.
import UnitModel

/// Where the sandbox's helper files are, and this run's private directories.
public struct SandboxPaths: Sendable, Equatable {
    /// Empty 0000 directory and file bound over inaccessible paths.
    public var inaccessibleDirectory: String
    public var inaccessibleFile: String
    /// An empty directory where a private /dev is built before it is moved onto /dev.
    public var devStaging: String
    /// PrivateTmp=: the run's host directories for /tmp and /var/tmp; nil: a fresh tmpfs per process.
    public var privateTmp: (tmp: String, varTmp: String)?
    /// $CREDENTIALS_DIRECTORY of the run, bound read-only in the namespace.
    public var credentials: String?
    /// PrivateNetwork=: the run's network namespace, which all its processes join (as systemd's).
    public var network: PreparedNamespaces?

    /// No sandbox base: usherd prepared none (not root), or only a run's own parts matter.
    public static let unplaced = SandboxPaths(inaccessibleDirectory: "", inaccessibleFile: "", devStaging: "")

    public init(inaccessibleDirectory: String, inaccessibleFile: String, devStaging: String,
                privateTmp: (tmp: String, varTmp: String)? = nil, credentials: String? = nil) {
        self.inaccessibleDirectory = inaccessibleDirectory
        self.inaccessibleFile = inaccessibleFile
        self.devStaging = devStaging
        self.privateTmp = privateTmp
        self.credentials = credentials
    }

    public static func == (a: SandboxPaths, b: SandboxPaths) -> Bool {
        a.inaccessibleDirectory == b.inaccessibleDirectory && a.inaccessibleFile == b.inaccessibleFile
            && a.devStaging == b.devStaging && a.privateTmp?.tmp == b.privateTmp?.tmp
            && a.privateTmp?.varTmp == b.privateTmp?.varTmp && a.credentials == b.credentials
    }
}

/// One step for mounts.c (the Swift twin of struct cspawn_mount_op).
public struct MountStep: Sendable, Equatable {
    public enum Kind: Int32, Sendable {
        case mount = 0, bind, bindSelf, inaccessible, readOnly, move, mkdir, mknod, symlink, loopbackUp
    }
    public var kind: Kind
    public var target: String
    public var source: String?
    public var fstype: String?
    public var data: String?
    public var flags: UInt = 0
    public var mode: UInt32 = 0
    public var device: UInt64 = 0
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var optional = false
    /// bind, readOnly: the mounts below the target too.
    public var recursive = false
    public var pinSource = false
    public var makeTarget = false

    public init(_ kind: Kind, _ target: String, source: String? = nil, fstype: String? = nil, data: String? = nil,
                flags: UInt = 0, recursive: Bool = false, optional: Bool = false) {
        self.kind = kind
        self.target = target
        self.source = source
        self.fstype = fstype
        self.data = data
        self.flags = flags
        self.recursive = recursive
        self.optional = optional
    }
}

public struct MountPlan: Sendable, Equatable {
    public var unshareFlags: Int32 = 0
    public var steps: [MountStep] = []
    public var inaccessibleDirectory: String?
    public var inaccessibleFile: String?
    public var isEmpty: Bool { unshareFlags == 0 }
}

/// One path's entry; the rank orders entries for the same path (lower wins), as systemd's MountMode.
enum MountEntryMode: Equatable {
    case inaccessible
    case bind(source: String, recursive: Bool, readOnly: Bool)
    case privateTmp(source: String?)
    case privateDev
    case procfs(options: String)
    case readOnly
    case readWrite
    case tmpfs(options: String, flags: UInt, readOnly: Bool)
    case readWriteImplicit

    var rank: Int {
        switch self {
        case .inaccessible: return 0
        case .bind: return 3
        case .privateTmp: return 5
        case .privateDev: return 7
        case .procfs: return 11
        case .readOnly: return 12
        case .readWrite: return 13
        case .tmpfs: return 16
        case .readWriteImplicit: return 21
        }
    }

    /// What the read-only pass leaves the mount as.
    var isReadOnly: Bool {
        switch self {
        case .inaccessible, .readOnly, .privateDev: return true
        case .bind(_, _, let readOnly), .tmpfs(_, _, let readOnly): return readOnly
        case .privateTmp, .procfs, .readWrite, .readWriteImplicit: return false
        }
    }

    /// ReadOnlyPaths=/ReadWritePaths= style: only changes flags, so it can be a no-op.
    var onlyFlags: Bool { self == .readOnly || self == .readWrite || self == .readWriteImplicit }
}

struct MountEntry: Equatable {
    var path: String
    var mode: MountEntryMode
    var optional = false
}
