// What usherd hands its next image across a re-exec, as one Codable value
// (JSON, in a memfd): every unit's definition and machine, the fds it owns
// (by number: they stay open across execve), the pid table, the journal and
// the counters. Versioned: an image that reads another version refuses it and
// falls back to a fresh start that adopts the inherited listeners.
import Activation
import FoundationEssentials
import UnitModel

struct ReexecState: Codable {
    /// Bumped whenever a field changes meaning or a required one is added.
    static let currentVersion = 1

    var version = ReexecState.currentVersion
    /// usherd's own fds: control listener, notify socket, and the control client
    /// that asked for the re-exec (answered by the new image).
    var controlListener: Int32?
    var notifySocket: Int32?
    var requester: Int32?
    var sockets: [SavedSocket] = []
    var acceptSockets: [SavedAcceptSocket] = []
    var services: [SavedService] = []
    var broken: [SavedBroken] = []
    var retiring: [UnitName] = []
    var startOrder: [UnitName] = []
    /// Running Accept=yes instances, and those whose leftovers are being waited for.
    var instances: [SavedInstance] = []
    var lingering: [SavedInstance] = []
    var outputs: [SavedOutput] = []
    var journal: [String: UnitJournal.Ring] = [:]
    /// Socket units whose listeners are in usherd's manager's fd store (Daemon+FDStore).
    var managerStored: [UnitName] = []

    /// Every fd number the state hands over (each must stay open across execve).
    var handedOver: [Int32] {
        var fds = [controlListener, notifySocket, requester].compactMap { $0 }
        fds += sockets.flatMap(\.listeners) + acceptSockets.flatMap(\.listeners)
        fds += services.flatMap {
            [$0.pidfd, $0.alienMain?.pidfd, $0.sandbox?.networkNamespace].compactMap { $0 } + $0.storedFDs.map(\.fd)
        }
        return fds + outputs.map(\.fd)
    }

    /// Keys sorted: the same state always gives the same bytes.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(try encoder.encode(self))
    }

    /// Refuses a state of another version before decoding the rest. Each unit's fragmentPath is
    /// split against the unit `directories` as it is decoded, so that the resumed units of one
    /// directory share its name, as freshly loaded units do.
    static func decode(_ bytes: [UInt8], sharing directories: [String] = []) throws -> ReexecState {
        struct Version: Decodable { var version: Int }
        let data = Data(bytes)
        let version = try JSONDecoder().decode(Version.self, from: data).version
        guard version == currentVersion else { throw IncompatibleState(version: version) }
        let decoder = JSONDecoder()
        if let key = UnitSection.unitDirectoriesKey { decoder.userInfo[key] = directories }
        return try decoder.decode(ReexecState.self, from: data)
    }
}

struct IncompatibleState: Error, CustomStringConvertible {
    var version: Int
    var description: String { "state version \(version), this usherd reads version \(ReexecState.currentVersion)" }
}

/// An Accept=no socket unit: `listeners` are empty while it is failed or stopped.
struct SavedSocket: Codable {
    var unit: SocketUnit
    var machine: SocketMachine
    var times: UnitTimes
    var listeners: [Int32]
    /// A TriggerLimit cooldown was armed: it is armed afresh (full length) after the re-exec.
    var cooldown: Bool
    /// The sessions of the socket's own commands, whose leftovers its next stop ends (absent in an
    /// earlier image's state, and ignored by one).
    var commandSessions: [Int32]?
}

/// An Accept=yes socket unit; its template is read again from the unit files.
struct SavedAcceptSocket: Codable {
    var unit: SocketUnit
    var machine: AcceptMachine
    var times: UnitTimes
    var finished: [FinishedInstance]
    var listeners: [Int32]
    var cooldown: Bool
    /// As SavedSocket's.
    var commandSessions: [Int32]?
}

struct SavedService: Codable {
    var unit: ServiceUnit
    var machine: ServiceMachine
    var times: UnitTimes
    var pidfd: Int32?
    var sessions: [Int32]
    var alienMain: SavedAlienMain?
    var pending: ServiceUnit?
    /// When the start/stop/restart timer fires (CLOCK_MONOTONIC µs, which an exec does not reset).
    var timerDeadline: UInt64?
    /// When the WatchdogSec= timer fires, likewise.
    var watchdogDeadline: UInt64?
    /// The service's own fd store (FDSTORE=1), one entry per stored fd, in order.
    /// Decodes as empty from states that lack it.
    var storedFDs: [SavedStoredFD] = []
    /// The run's PrivateTmp= directories, $CREDENTIALS_DIRECTORY and PrivateNetwork= namespace.
    var sandbox: SavedSandbox?

    enum CodingKeys: String, CodingKey {
        case unit, machine, times, pidfd, sessions, alienMain, pending, timerDeadline, watchdogDeadline, storedFDs, sandbox
    }

    init(unit: ServiceUnit, machine: ServiceMachine, times: UnitTimes, pidfd: Int32?, sessions: [Int32],
         alienMain: SavedAlienMain?, pending: ServiceUnit?, timerDeadline: UInt64?, watchdogDeadline: UInt64?,
         storedFDs: [SavedStoredFD], sandbox: SavedSandbox?) {
        self.unit = unit
        self.machine = machine
        self.times = times
        self.pidfd = pidfd
        self.sessions = sessions
        self.alienMain = alienMain
        self.pending = pending
        self.timerDeadline = timerDeadline
        self.watchdogDeadline = watchdogDeadline
        self.storedFDs = storedFDs
        self.sandbox = sandbox
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        unit = try container.decode(ServiceUnit.self, forKey: .unit)
        machine = try container.decode(ServiceMachine.self, forKey: .machine)
        times = try container.decode(UnitTimes.self, forKey: .times)
        pidfd = try container.decodeIfPresent(Int32.self, forKey: .pidfd)
        sessions = try container.decode([Int32].self, forKey: .sessions)
        alienMain = try container.decodeIfPresent(SavedAlienMain.self, forKey: .alienMain)
        pending = try container.decodeIfPresent(ServiceUnit.self, forKey: .pending)
        timerDeadline = try container.decodeIfPresent(UInt64.self, forKey: .timerDeadline)
        watchdogDeadline = try container.decodeIfPresent(UInt64.self, forKey: .watchdogDeadline)
        storedFDs = try container.decodeIfPresent([SavedStoredFD].self, forKey: .storedFDs) ?? []
        sandbox = try container.decodeIfPresent(SavedSandbox.self, forKey: .sandbox)
    }
}

/// One fd of a service's fd store: its FDNAME=, number and whether it is watched for hang-up (FDPOLL=).
struct SavedStoredFD: Codable, Equatable {
    var name: String
    var fd: Int32
    var poll = true
}

/// A service run's sandbox (Daemon+Sandbox): what its later processes join and its end removes.
struct SavedSandbox: Codable {
    var privateTmp: String?
    var privateVarTmp: String?
    var credentials: String?
    var networkNamespace: Int32?
}

struct SavedAlienMain: Codable {
    var pid: Int32
    var pidfd: Int32
}

struct SavedBroken: Codable {
    var name: UnitName
    var loaded: Bool
    var reason: String
    var refusedForMissingService: Bool

    init(name: UnitName, _ broken: BrokenUnit) {
        self.name = name
        loaded = broken.loaded
        reason = broken.reason
        refusedForMissingService = broken.refusedForMissingService
    }

    var broken: BrokenUnit {
        BrokenUnit(loaded: loaded, reason: reason, refusedForMissingService: refusedForMissingService)
    }

    /// A state saved before refusedForMissingService was carried reads as an ordinary broken unit.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(UnitName.self, forKey: .name)
        loaded = try container.decode(Bool.self, forKey: .loaded)
        reason = try container.decode(String.self, forKey: .reason)
        refusedForMissingService = try container.decodeIfPresent(Bool.self, forKey: .refusedForMissingService) ?? false
    }
}

struct SavedInstance: Codable {
    var pid: Int32
    var record: InstanceRecord
    /// Lingering instances only: SIGKILL was already sent.
    var killed = false
}
