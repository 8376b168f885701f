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
    @Sparse public var privileges: PrivilegeSettings
    /// Mount, network and UTS namespaces and credentials (FilesystemProtection.swift).
    @Sparse public var filesystem: FilesystemProtection
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

    /// What each process gets, in order, in one step of a stop (KillSignal=, RestartKillSignal=,
    /// WatchdogSignal=, FinalKillSignal=), as systemd 252's unit_kill_context sends it: the signal,
    /// then SIGCONT so a stopped process acts on it, except after SIGKILL and SIGCONT
    /// (process-util.c kill_and_sigcont for the main and control process, cgroup-util.c
    /// cg_kill_items with CGROUP_SIGCONT for the rest); with `hangUp` (SendSIGHUP= after
    /// KillSignal=), SIGHUP last and alone. `usherctl kill`'s signal goes alone (unit_kill_common).
    public static func stopSignals(_ signal: Int32, hangUp: Bool = false) -> [Int32] {
        [signal] + (signal == 9 || signal == 18 ? [] : [18]) + (hangUp ? [1] : [])
    }

    /// One stop step's signals for `operation`: its signal as systemd 252's operation_to_signal
    /// picks it, SIGHUP after KillSignal= alone (send_sighup), SIGCONT as stopSignals(_:hangUp:) says.
    public func stopSignals(for operation: KillOperation) -> [Int32] {
        switch operation {
        case .terminate: return Self.stopSignals(killSignal, hangUp: sendsSIGHUP)
        case .restart: return Self.stopSignals(restartKillSignal ?? killSignal)
        case .watchdog: return Self.stopSignals(watchdogSignal)
        case .kill: return Self.stopSignals(finalKillSignal)
        }
    }
}

/// systemd 252's kill operations (state_to_kill_operation): what a stop step sends.
public enum KillOperation: Sendable {
    /// KillSignal=, followed by SIGHUP with SendSIGHUP=: stop-sigterm, final-sigterm.
    case terminate
    /// RestartKillSignal=: stop-sigterm while an admin's restart runs.
    case restart
    /// WatchdogSignal=: stop-watchdog.
    case watchdog
    /// FinalKillSignal=: stop-sigkill, final-sigkill.
    case kill
}

@dynamicMemberLookup
public struct ServiceUnit: Codable, Sendable, Equatable {
    public var name: UnitName
    public var type: ServiceType = .simple
    public var execStartPre: [CommandLine] = []
    public var execStart: [CommandLine] = []
    public var restart: RestartPolicy = .no
    public var restartSec: TimeSpan = .milliseconds(100)
    public var timeoutStartSec: TimeSpan = .seconds(90)
    public var timeoutStopSec: TimeSpan = .seconds(90)
    public var remainAfterExit = false
    public var sockets: [UnitName] = []
    public var startLimitInterval: TimeSpan = .seconds(10)
    public var startLimitBurst: UInt32 = 5
    /// Sparse: a unit that sets no [Service] execution setting holds no copy of the defaults.
    @Sparse public var exec: ExecContext
    public var kill = KillContext()
    public var unit = UnitSection()
    /// Sparse: the settings of ServiceUnit+Uncommon.swift (stop and reload commands, exit
    /// statuses, PIDFile=, BusName=, the watchdog, the fd store, ...), read as the unit's own.
    @Sparse public var uncommon: Uncommon
    public init(name: UnitName) { self.name = name }

    // Codable with every setting at the top level, as before some moved out of line.
    enum CodingKeys: String, CodingKey {
        case name, type, execStartPre, execStart, restart, restartSec, timeoutStartSec, timeoutStopSec
        case remainAfterExit, sockets, startLimitInterval, startLimitBurst, exec, kill, unit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(UnitName.self, forKey: .name)
        type = try c.decode(ServiceType.self, forKey: .type)
        (execStartPre, execStart) = (try c.decode([CommandLine].self, forKey: .execStartPre), try c.decode([CommandLine].self, forKey: .execStart))
        restart = try c.decode(RestartPolicy.self, forKey: .restart)
        restartSec = try c.decode(TimeSpan.self, forKey: .restartSec)
        (timeoutStartSec, timeoutStopSec) = (try c.decode(TimeSpan.self, forKey: .timeoutStartSec), try c.decode(TimeSpan.self, forKey: .timeoutStopSec))
        remainAfterExit = try c.decode(Bool.self, forKey: .remainAfterExit)
        sockets = try c.decode([UnitName].self, forKey: .sockets)
        startLimitInterval = try c.decode(TimeSpan.self, forKey: .startLimitInterval)
        startLimitBurst = try c.decode(UInt32.self, forKey: .startLimitBurst)
        exec = try c.decode(ExecContext.self, forKey: .exec)
        kill = try c.decode(KillContext.self, forKey: .kill)
        unit = try c.decode(UnitSection.self, forKey: .unit)
        // The same object: its keys stand beside these, as they did.
        uncommon = try Uncommon(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(execStartPre, forKey: .execStartPre)
        try c.encode(execStart, forKey: .execStart)
        try c.encode(restart, forKey: .restart)
        try c.encode(restartSec, forKey: .restartSec)
        try c.encode(timeoutStartSec, forKey: .timeoutStartSec)
        try c.encode(timeoutStopSec, forKey: .timeoutStopSec)
        try c.encode(remainAfterExit, forKey: .remainAfterExit)
        try c.encode(sockets, forKey: .sockets)
        try c.encode(startLimitInterval, forKey: .startLimitInterval)
        try c.encode(startLimitBurst, forKey: .startLimitBurst)
        try c.encode(exec, forKey: .exec)
        try c.encode(kill, forKey: .kill)
        try c.encode(unit, forKey: .unit)
        try uncommon.encode(to: encoder)
    }
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
