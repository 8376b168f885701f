// The runtime snapshot of one unit that `status` returns: load state, active
// state and sub-state as systemd names them, timestamps, a socket's listeners
// and counters, a service's main process and exit, Accept=yes instances and
// the newest log lines. JSON keys are systemd's property names (ActiveState,
// NAccepted, ExecMainCode…), so `usherctl show` and `--json` agree with systemctl.
import FoundationEssentials

public struct UnitStatus: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case socket, service }

    public var id: String
    public var kind: Kind
    public var description: String?
    /// loaded, not-found, bad-setting, error, masked (systemd's LoadState).
    public var loadState: String
    /// Why the unit could not be loaded or bound, with file and line where known.
    public var loadError: String?
    public var fragmentPath: String?
    public var dropInPaths: [String]
    /// active, reloading, inactive, failed, activating, deactivating.
    public var activeState: String
    /// listening, running, dead, failed, start, stop-sigterm, … (systemd's SubState).
    public var subState: String
    /// success, resources, trigger-limit-hit, exit-code, timeout, … (systemd's Result).
    public var result: String
    /// Wall-clock microseconds since the epoch; nil when it never happened.
    public var stateChangeTimestamp: UInt64?
    public var activeEnterTimestamp: UInt64?
    public var activeExitTimestamp: UInt64?
    public var inactiveEnterTimestamp: UInt64?

    // Sockets.
    public var listen: [ListenEntry]?
    public var triggers: [String]?
    public var accept: Bool?
    public var nAccepted: UInt64?
    public var nConnections: UInt32?
    public var nRefused: UInt64?
    public var instances: [InstanceStatus]?
    /// The newest finished Accept=yes instances, newest last.
    public var finishedInstances: [InstanceStatus]?

    // Services.
    public var mainPID: Int32?
    public var controlPID: Int32?
    public var execMainStartTimestamp: UInt64?
    public var execMainExitTimestamp: UInt64?
    /// 1 exited, 2 killed, 3 dumped (the CLD_* codes systemd's ExecMainCode shows).
    public var execMainCode: Int?
    public var execMainStatus: Int32?
    public var nRestarts: UInt32?
    public var statusText: String?
    /// ERRNO= from the service's last notification that had one.
    public var statusErrno: Int32?
    public var triggeredBy: [String]?
    /// The fds in the service's fd store, and FileDescriptorStoreMax=.
    public var nFileDescriptorStore: UInt32?
    public var fileDescriptorStoreMax: UInt32?
    /// The security-relevant keys the service (or an Accept=yes socket's template) sets that this
    /// usherd enforces, and those it does not (usherd extension properties).
    public var protectionsEnforced: [String]?
    public var protectionsNotEnforced: [String]?

    /// The newest log lines of the unit, oldest first.
    public var recentLog: [LogLine]?

    public init(id: String, kind: Kind, loadState: String, activeState: String, subState: String, result: String) {
        self.id = id
        self.kind = kind
        self.loadState = loadState
        self.activeState = activeState
        self.subState = subState
        self.result = result
        dropInPaths = []
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", kind = "Kind", description = "Description", loadState = "LoadState", loadError = "LoadError"
        case fragmentPath = "FragmentPath", dropInPaths = "DropInPaths", activeState = "ActiveState"
        case subState = "SubState", result = "Result", stateChangeTimestamp = "StateChangeTimestamp"
        case activeEnterTimestamp = "ActiveEnterTimestamp", activeExitTimestamp = "ActiveExitTimestamp"
        case inactiveEnterTimestamp = "InactiveEnterTimestamp", listen = "Listen", triggers = "Triggers"
        case accept = "Accept", nAccepted = "NAccepted", nConnections = "NConnections", nRefused = "NRefused"
        case instances = "Instances", finishedInstances = "FinishedInstances", mainPID = "MainPID"
        case controlPID = "ControlPID", execMainStartTimestamp = "ExecMainStartTimestamp"
        case execMainExitTimestamp = "ExecMainExitTimestamp", execMainCode = "ExecMainCode"
        case execMainStatus = "ExecMainStatus", nRestarts = "NRestarts", statusText = "StatusText"
        case statusErrno = "StatusErrno"
        case triggeredBy = "TriggeredBy", recentLog = "RecentLog"
        case nFileDescriptorStore = "NFileDescriptorStore", fileDescriptorStoreMax = "FileDescriptorStoreMax"
        case protectionsEnforced = "ProtectionsEnforced", protectionsNotEnforced = "ProtectionsNotEnforced"
    }
}

/// One listener of a socket unit, as `systemctl status` shows it: `Listen: 127.0.0.1:80 (Stream)`.
public struct ListenEntry: Codable, Sendable, Equatable {
    /// Stream, Datagram, SequentialPacket, FIFO, Special, Netlink, MessageQueue, USBFunction.
    public var type: String
    public var address: String

    public init(type: String, address: String) {
        self.type = type
        self.address = address
    }

    enum CodingKeys: String, CodingKey { case type = "Type", address = "Address" }
}

/// An Accept=yes instance: one connection's handler.
public struct InstanceStatus: Codable, Sendable, Equatable {
    public var id: String
    public var mainPID: Int32
    /// The peer as the instance name has it (`127.0.0.1:50122`, `1-PID-UID` for AF_UNIX).
    public var peer: String
    public var startTimestamp: UInt64
    public var exitTimestamp: UInt64?
    public var execMainCode: Int?
    public var execMainStatus: Int32?

    public init(id: String, mainPID: Int32, peer: String, startTimestamp: UInt64) {
        self.id = id
        self.mainPID = mainPID
        self.peer = peer
        self.startTimestamp = startTimestamp
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", mainPID = "MainPID", peer = "Peer", startTimestamp = "StartTimestamp"
        case exitTimestamp = "ExitTimestamp", execMainCode = "ExecMainCode", execMainStatus = "ExecMainStatus"
    }
}
