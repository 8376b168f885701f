// The typed, immutable result of loading a `.service` unit (or an instance of
// a template): what to run, how, as whom, with what environment, and how to
// stop and restart it. Defaults are systemd's.

public enum ServiceType: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case simple, exec, forking, oneshot, dbus, notify, idle
}

public enum RestartPolicy: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case no, always
    case onSuccess = "on-success", onFailure = "on-failure", onAbnormal = "on-abnormal"
    case onWatchdog = "on-watchdog", onAbort = "on-abort"
}

public enum KillMode: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case controlGroup = "control-group", process, mixed, none
}

public enum NotifyAccess: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case none, main, exec, all
}

public enum StandardInput: Codable, Sendable, Equatable, Hashable {
    case null, tty, ttyForce, ttyFail, socket, data
    case file(String)
    case fd(String)
}

public enum StandardOutput: Codable, Sendable, Equatable, Hashable {
    case inherit, null, tty, journal, kmsg, socket
    /// journal+console / kmsg+console: treated as journal.
    case journalConsole
    case file(String), append(String), truncate(String)
    case fd(String)
}

/// RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory=,
/// ConfigurationDirectory= (systemd.exec(5)), in systemd's order.
public enum ExecDirectoryKind: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case runtime = "Runtime", state = "State", cache = "Cache", logs = "Logs", configuration = "Configuration"

    /// $RUNTIME_DIRECTORY, $STATE_DIRECTORY, …
    public var environmentName: String { rawValue.uppercased() + "_DIRECTORY" }
}

/// One kind's relative paths and the mode they are created with (0755 by default).
public struct ExecDirectories: Codable, Sendable, Equatable {
    public var paths: [String] = []
    public var mode: UInt32 = 0o755
    public init() {}
}

/// RuntimeDirectoryPreserve=: `restart` keeps the directory across automatic restarts only.
public enum RuntimeDirectoryPreserve: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case no, yes, restart
}

public struct ExecContext: Codable, Sendable, Equatable {
    public var user: String?
    public var group: String?
    public var supplementaryGroups: [String] = []
    public var workingDirectory: String?
    /// `-` prefix on WorkingDirectory=: missing directory is not an error.
    public var workingDirectoryOptional = false
    @NamePairs public var environment: [(String, String)] = []
    public var environmentFiles: [EnvironmentFileSpec] = []
    public var passEnvironment: [String] = []
    public var unsetEnvironment: [String] = []
    public var umask: UInt32 = 0o022
    public var nice: Int32?
    public var limits: [String: ResourceLimit] = [:]
    public var standardInput: StandardInput = .null
    /// nil: systemd's default (journal; `socket` for StandardInput=socket stdout).
    public var standardOutput: StandardOutput?
    public var standardError: StandardOutput?
    public var syslogIdentifier: String?
    public var ignoreSIGPIPE = true
    /// RootDirectory=: chroot before running the command.
    public var rootDirectory: String?
    /// StandardInputText= / StandardInputData= accumulated (StandardInput=data).
    public var standardInputData: [UInt8] = []
    /// TTYPath= (default /dev/console) for StandardInput=tty and output `tty`.
    public var ttyPath: String?
    public var directories: [ExecDirectoryKind: ExecDirectories] = [:]
    public var runtimeDirectoryPreserve: RuntimeDirectoryPreserve = .no
    /// Capabilities, NoNewPrivileges=, DynamicUser= and the system call restrictions.
    @Sparse public var privileges = PrivilegeSettings()
    /// Mount, network and UTS namespaces and credentials (FilesystemProtection.swift).
    @Sparse public var filesystem = FilesystemProtection()
    /// The security-relevant keys the unit sets, in first-use order (UnitFile's SecurityKeys table).
    public var securityKeys: [String] = []
    public init() {}
}

extension ExecContext: SparseGroup {
    public static let defaults = ExecContext()
}

public struct KillContext: Codable, Sendable, Equatable {
    public var killMode: KillMode = .controlGroup
    public var killSignal: Int32 = 15
    /// RestartKillSignal=: nil means KillSignal=.
    public var restartKillSignal: Int32?
    public var finalKillSignal: Int32 = 9
    public var watchdogSignal: Int32 = 6
    public var sendSIGKILL = true
    public var sendSIGHUP = false
    public init() {}

    /// SendSIGHUP=: SIGHUP right after KillSignal= (not when that is SIGHUP already).
    public var sendsSIGHUP: Bool { sendSIGHUP && killSignal != 1 }
}

public struct ServiceUnit: Codable, Sendable, Equatable {
    public var name: UnitName
    public var type: ServiceType = .simple
    public var execStartPre: [CommandLine] = []
    public var execStart: [CommandLine] = []
    public var execStartPost: [CommandLine] = []
    public var execStop: [CommandLine] = []
    public var execStopPost: [CommandLine] = []
    public var execReload: [CommandLine] = []
    public var restart: RestartPolicy = .no
    public var restartSec: TimeSpan = .milliseconds(100)
    public var timeoutStartSec: TimeSpan = .seconds(90)
    public var timeoutStopSec: TimeSpan = .seconds(90)
    public var timeoutAbortSec: TimeSpan?
    public var runtimeMaxSec: TimeSpan = .infinity
    public var remainAfterExit = false
    public var successExitStatus: [Int32] = []
    public var restartPreventExitStatus: [Int32] = []
    /// Signal names in SuccessExitStatus= (e.g. SIGTERM) and RestartPreventExitStatus=.
    public var successExitSignals: [Int32] = []
    public var restartPreventExitSignals: [Int32] = []
    /// RestartForceExitStatus=: these exits restart the service whatever Restart= says.
    public var restartForceExitStatus: [Int32] = []
    public var restartForceExitSignals: [Int32] = []
    /// PIDFile= of a Type=forking service (absolute; /var/run/ rewritten to /run/).
    public var pidFile: String?
    public var guessMainPID = true
    public var sockets: [UnitName] = []
    public var nonBlocking = false
    public var fileDescriptorStoreMax: UInt32 = 0
    public var notifyAccess: NotifyAccess?
    /// BusName= (Type=dbus is ready when this name appears on the system bus).
    public var busName: String?
    public var watchdogSec: TimeSpan?
    public var startLimitInterval: TimeSpan = .seconds(10)
    public var startLimitBurst: UInt32 = 5
    /// Sparse: a unit that sets no [Service] execution setting holds no copy of the defaults.
    @Sparse public var exec = ExecContext()
    public var kill = KillContext()
    public var unit = UnitSection()
    public init(name: UnitName) { self.name = name }
}

/// A list of (name, value) pairs that encodes as `[[name, value], ...]`: tuples
/// are not Codable, and a saved ExecContext (usherd's re-exec state) needs them.
@propertyWrapper
public struct NamePairs: Codable, Sendable, Equatable {
    public var wrappedValue: [(String, String)]

    public init(wrappedValue: [(String, String)]) { self.wrappedValue = wrappedValue }

    /// Pair by pair (tuples are not Equatable), so ExecContext's == can be synthesized.
    public static func == (a: NamePairs, b: NamePairs) -> Bool {
        a.wrappedValue.elementsEqual(b.wrappedValue) { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public init(from decoder: any Decoder) throws {
        let pairs = try decoder.singleValueContainer().decode([[String]].self)
        wrappedValue = try pairs.map { pair in
            guard pair.count == 2 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a pair"))
            }
            return (pair[0], pair[1])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.map { [$0.0, $0.1] })
    }
}
