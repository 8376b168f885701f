// The control protocol between usherd and usherctl, version 1: the framing
// (a 4-byte big-endian length, then that many bytes of UTF-8 JSON), the
// request and response messages, and the runtime snapshot of units that the
// read verbs return. Field names are stable and documented in CONTROL.md;
// a new field is optional, a changed meaning bumps `version`.
import FoundationEssentials

public enum ControlProtocol {
    public static let version = 1
    /// The largest request usherd reads; a longer one is refused and the connection closed.
    public static let maxRequestBytes = 65_536
    /// The largest single response usherctl accepts.
    public static let maxResponseBytes = 64 << 20
    /// The socket's name inside usherd's runtime directory.
    public static let socketName = "control"

    /// A message as it goes on the wire: length prefix, then JSON.
    public static func frame<Message: Encodable>(_ message: Message) throws -> [UInt8] {
        let body = Array(try JSONEncoder().encode(message))
        let length = UInt32(body.count)
        return [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
            + body
    }

    /// The length a 4-byte prefix announces.
    public static func announcedLength(_ prefix: ArraySlice<UInt8>) -> Int? {
        guard prefix.count >= 4 else { return nil }
        let bytes = Array(prefix.prefix(4))
        return Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
    }

    public static func decode<Message: Decodable>(_ type: Message.Type, from body: ArraySlice<UInt8>) throws -> Message {
        try JSONDecoder().decode(type, from: Data(body))
    }
}

/// What a client asks. Read verbs: status, logs. The others change state and
/// need uid 0, usherd's uid, or the admin group.
public enum ControlVerb: String, Codable, Sendable, CaseIterable {
    /// Snapshots of `units`, or of every unit when empty.
    case status
    /// The newest `lines` log lines of `units[0]`; with `follow`, then every new one.
    case logs
    case start, stop, restart
    /// ExecReload= of each service, answered when it ran.
    case reload
    /// `signal` to `killWhom` of each unit.
    case kill
    case resetFailed = "reset-failed"
    case daemonReload = "daemon-reload"
    case daemonReexec = "daemon-reexec"

    /// Whether the verb changes usherd's state (and so needs an administrator).
    public var isMutating: Bool {
        switch self {
        case .status, .logs: return false
        case .start, .stop, .restart, .reload, .kill, .resetFailed, .daemonReload, .daemonReexec: return true
        }
    }
}

public enum KillWhom: String, Codable, Sendable {
    case main, all
}

public struct ControlRequest: Codable, Sendable, Equatable {
    public var version: Int
    public var verb: ControlVerb
    public var units: [String]
    /// logs: how many of the newest lines (default 10); status: log lines per unit.
    public var lines: Int?
    /// logs: keep the connection open and stream new lines.
    public var follow: Bool?
    /// kill: the signal number (default SIGTERM).
    public var signal: Int32?
    /// kill: main process only, or every process of the unit (default all).
    public var killWhom: KillWhom?
    /// daemon-reexec: the binary to execute (default: usherd's own path); root only.
    public var binary: String?

    public init(verb: ControlVerb, units: [String] = [], lines: Int? = nil, follow: Bool? = nil,
                signal: Int32? = nil, killWhom: KillWhom? = nil, binary: String? = nil) {
        version = ControlProtocol.version
        self.verb = verb
        self.units = units
        self.lines = lines
        self.follow = follow
        self.signal = signal
        self.killWhom = killWhom
        self.binary = binary
    }
}

/// Why a request failed, as a kind usherctl maps to systemctl's exit codes.
public struct ControlError: Codable, Sendable, Equatable, Error, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable {
        /// Malformed, oversized, too slow, or of another protocol version.
        case badRequest = "bad-request"
        /// A mutating verb from a client that is not an administrator.
        case accessDenied = "access-denied"
        /// A unit name usherd does not know (exit 4).
        case noSuchUnit = "no-such-unit"
        /// The verb cannot be done for this unit (e.g. its service is missing).
        case failed
        /// Not implemented by this usherd.
        case unsupported
        /// Too many clients at once.
        case busy
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

public struct ControlResponse: Codable, Sendable, Equatable {
    public var version: Int
    /// Set when the whole request failed; per-unit outcomes are in `results`.
    public var error: ControlError?
    /// status: one snapshot per unit asked for (or every unit).
    public var units: [UnitStatus]?
    /// logs: the lines, oldest first (with follow, later messages carry new lines).
    public var logs: [LogLine]?
    /// Mutating verbs: one outcome per unit, in request order.
    public var results: [UnitOutcome]?
    /// daemon-reload: what the reload changed, once it is applied.
    public var reload: ReloadSummary?
    /// daemon-reexec: what the new image restored (sent by the new image).
    public var reexec: ReexecSummary?

    public init(error: ControlError? = nil, units: [UnitStatus]? = nil, logs: [LogLine]? = nil,
                results: [UnitOutcome]? = nil, reload: ReloadSummary? = nil, reexec: ReexecSummary? = nil) {
        version = ControlProtocol.version
        self.error = error
        self.units = units
        self.logs = logs
        self.results = results
        self.reload = reload
        self.reexec = reexec
    }

    public static func failure(_ kind: ControlError.Kind, _ message: String) -> ControlResponse {
        ControlResponse(error: ControlError(kind, message))
    }
}

/// What a mutating verb did to one unit; `error` is nil on success.
public struct UnitOutcome: Codable, Sendable, Equatable {
    public var unit: String
    public var error: ControlError?
    public init(unit: String, error: ControlError? = nil) {
        self.unit = unit
        self.error = error
    }
}

/// One log line of a unit: its output or usherd's own message about it.
public struct LogLine: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable { case stdout, stderr, usherd }
    /// Wall-clock time, microseconds since the epoch.
    public var timestamp: UInt64
    /// The unit the line is about (an Accept=yes instance has its own name).
    public var unit: String
    public var source: Source
    /// syslog priority 0–7 (usherd's lines), 6 for output.
    public var priority: Int
    /// Escaped already: no control bytes.
    public var text: String

    public init(timestamp: UInt64, unit: String, source: Source, priority: Int, text: String) {
        self.timestamp = timestamp
        self.unit = unit
        self.source = source
        self.priority = priority
        self.text = text
    }
}

/// What one reload did, by unit name (each list sorted). A unit is in one list only.
public struct ReloadSummary: Codable, Sendable, Equatable {
    /// New units: sockets bound and listening, services loaded.
    public var added: [String] = []
    /// Units no longer on disk; a running one is dropped once it has stopped.
    public var removed: [String] = []
    /// Sockets with at least one listener closed and bound anew.
    public var rebound: [String] = []
    /// Units whose definition did not change.
    public var kept: [String] = []
    /// Units whose definition changed with every listener fd kept.
    public var changed: [String] = []
    /// Units that failed to load or bind; each keeps its previous definition.
    public var failed: [ReloadFailure] = []

    public init() {}

    /// Whether every unit was applied.
    public var succeeded: Bool { failed.isEmpty }

    /// Every list sorted by unit name.
    public func sortedByName() -> ReloadSummary {
        var sorted = self
        for list in [\ReloadSummary.added, \.removed, \.rebound, \.kept, \.changed] { sorted[keyPath: list].sort() }
        sorted.failed.sort { $0.unit < $1.unit }
        return sorted
    }

    /// One line per kind that has units: "added: a.socket b.service".
    public var lines: [String] {
        let kinds: [(String, [String])] = [("added", added), ("removed", removed), ("rebound", rebound),
                                            ("kept", kept), ("changed", changed), ("failed", failed.map(\.unit))]
        return kinds.filter { !$0.1.isEmpty }.map { "\($0.0): \($0.1.joined(separator: " "))" }
    }
}

public struct ReloadFailure: Codable, Sendable, Equatable {
    public var unit: String
    public var reason: String

    public init(unit: String, reason: String) {
        self.unit = unit
        self.reason = reason
    }
}

/// daemon-reexec: the new image is up with the previous image's state.
public struct ReexecSummary: Codable, Sendable, Equatable {
    /// The binary now running.
    public var binary: String
    public var units: Int
    /// Processes (service main and control processes, Accept=yes instances) still supervised.
    public var processes: Int
    public var listeners: Int

    public init(binary: String, units: Int, processes: Int, listeners: Int) {
        self.binary = binary
        self.units = units
        self.processes = processes
        self.listeners = listeners
    }
}
