// The policy of one Accept=yes socket unit, per connection: the trigger limit
// (checked first, as systemd does), MaxConnections= and
// MaxConnectionsPerSource= with systemd's refusal texts, Usher's
// MaxConnectionsPolicy=defer (stop polling at the cap, resume below it), the
// instance number N and the NAccepted/NConnections/NRefused counters, and the
// failed state (listeners closed) with its cooldown reopen. Pure value.
import UnitModel

/// Whom MaxConnectionsPerSource= counts, as systemd 252 keys its peers: an IP
/// address or a vsock peer's CID; peers of other families (AF_UNIX) are
/// `uncounted`, not limited per source. One difference: IPv4 is kept in the
/// IPv4-mapped IPv6 form, so a client counts once across a unit's AF_INET and
/// dual-stack AF_INET6 listeners, where systemd (which compares the family
/// first) counts it once on each.
public enum ConnectionSource: Hashable, Sendable {
    case address(high: UInt64, low: UInt64)
    case vsock(cid: UInt32)
    case uncounted
}

/// Coded in the re-exec state's version 1 shape, so usherd images before and after
/// AF_UNIX peers stopped being counted read each other's state: `uncounted` is the
/// earlier `unknown`, and an earlier `user` (an AF_UNIX peer's UID) reads as uncounted.
/// Only `vsock` is new (an earlier image cannot read a state holding one).
extension ConnectionSource: Codable {
    private enum CodingKeys: String, CodingKey { case address, vsock, unknown, user }
    private enum AddressKeys: String, CodingKey { case high, low }
    private enum VsockKeys: String, CodingKey { case cid }
    private enum NoKeys: CodingKey {}

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.address) {
            let address = try container.nestedContainer(keyedBy: AddressKeys.self, forKey: .address)
            self = .address(high: try address.decode(UInt64.self, forKey: .high),
                            low: try address.decode(UInt64.self, forKey: .low))
        } else if container.contains(.vsock) {
            let vsock = try container.nestedContainer(keyedBy: VsockKeys.self, forKey: .vsock)
            self = .vsock(cid: try vsock.decode(UInt32.self, forKey: .cid))
        } else if container.contains(.unknown) || container.contains(.user) {
            self = .uncounted
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "no connection source"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .address(let high, let low):
            var address = container.nestedContainer(keyedBy: AddressKeys.self, forKey: .address)
            try address.encode(high, forKey: .high)
            try address.encode(low, forKey: .low)
        case .vsock(let cid):
            var vsock = container.nestedContainer(keyedBy: VsockKeys.self, forKey: .vsock)
            try vsock.encode(cid, forKey: .cid)
        case .uncounted:
            _ = container.nestedContainer(keyedBy: NoKeys.self, forKey: .unknown)
        }
    }
}

/// systemd's NAccepted, NConnections and NRefused.
public struct AcceptCounters: Codable, Sendable, Equatable {
    public var accepted: UInt64 = 0
    public var connections: UInt32 = 0
    public var refused: UInt64 = 0
    public init() {}
}

/// What to do with one accepted connection.
public enum Admission: Sendable, Equatable {
    /// Spawn instance `number`; `pause` asks to stop polling (defer policy at the cap).
    case spawn(number: UInt64, pause: Bool)
    /// Close it at once (and log the refusal text, if any).
    case refuse(Refusal)
    /// The trigger limit was hit: close it and perform these actions (the unit failed).
    case fail([AcceptAction])
}

public enum Refusal: Sendable, Equatable {
    case tooMany(UInt32)
    case tooManyFromSource(UInt32)
    /// The unit is not taking connections (failed, stopped, or paused with events still queued).
    case notListening

    /// systemd 252's wording; `source` is the peer as text (only for tooManyFromSource).
    public func note(source: String) -> Note? {
        switch self {
        case .tooMany(let count):
            return Note(.warning, "Too many incoming connections (\(count)), dropping connection.")
        case .tooManyFromSource(let count):
            return Note(.warning, "Too many incoming connections (\(count)) from source \(source), dropping connection.")
        case .notListening:
            return nil
        }
    }
}

/// MaxConnectionsPerSource='s open connections per counted source, coded as the dictionary
/// itself (the re-exec state's version 1 shape). An earlier image's count for AF_UNIX users
/// reads as `.uncounted`, which nothing counts or releases any more: it is dropped on decoding.
struct SourceCounts: Codable, Sendable, Equatable {
    var counts: [ConnectionSource: UInt32] = [:]

    init() {}

    init(from decoder: Decoder) throws {
        counts = try decoder.singleValueContainer().decode([ConnectionSource: UInt32].self)
        counts[.uncounted] = nil
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(counts)
    }
}

/// What the daemon does for an Accept=yes socket unit: its listeners and
/// cooldown only (connections are admitted one by one through `admit`).
public enum AcceptAction: Sendable, Equatable {
    case watch
    case unwatch
    case armCooldown(TimeSpan)
    /// Close the listeners (and unlink RemoveOnStop= nodes).
    case close
    /// Bind the listeners again; the daemon answers with `.listenersReopened` or `.reopenFailed`.
    case reopen
    case log(Note)
}

public struct AcceptMachine: Codable, Sendable, Equatable {
    static let reopenAfterCooldown: [AcceptAction] = [.log(SocketMachine.cooldownNote), .reopen]

    public enum State: Codable, Sendable, Equatable {
        case listening
        /// MaxConnectionsPolicy=defer at the cap: listeners not polled.
        case paused
        case failed(result: UnitResult)
        case stopped
    }

    public let maxConnections: UInt32
    public let maxConnectionsPerSource: UInt32
    public let policy: MaxConnectionsPolicy
    public let cooldown: TimeSpan?
    public private(set) var state: State = .listening
    public private(set) var counters = AcceptCounters()
    private var triggerLimit: RateLimit
    private var perSource = SourceCounts()

    public init(unit: SocketUnit) {
        maxConnections = max(1, unit.maxConnections)
        maxConnectionsPerSource = unit.maxConnectionsPerSource
        policy = unit.maxConnectionsPolicy
        cooldown = unit.triggerLimitCooldown
        triggerLimit = RateLimit(interval: unit.triggerLimitInterval, burst: unit.triggerLimitBurst)
    }

    /// A machine for a reloaded `unit` that goes on from `old`'s state and counts
    /// (running instances keep their connection slots; the trigger limit starts afresh).
    public init(unit: SocketUnit, continuing old: AcceptMachine) {
        self.init(unit: unit)
        state = old.state
        counters = old.counters
        perSource = old.perSource
    }

    public func startActions() -> [AcceptAction] { state == .listening ? [.watch] : [] }

    /// Whether MaxConnectionsPerSource= needs the connection's source at all.
    public var countsSources: Bool { maxConnectionsPerSource > 0 }

    /// One accepted connection at monotonic `now` (µs), from `source`.
    public mutating func admit(source: ConnectionSource, now: UInt64) -> Admission {
        guard state == .listening || state == .paused else { return refuse(.notListening) }
        guard triggerLimit.allow(now: now) else {
            counters.refused += 1
            return .fail(fail(result: .triggerLimitHit,
                              Note(.warning, "Trigger limit hit, refusing further activation.")))
        }
        if counters.connections >= maxConnections { return refuse(.tooMany(counters.connections)) }
        if countsSources, source != .uncounted {
            let count = perSource.counts[source, default: 0] + 1
            if count > maxConnectionsPerSource { return refuse(.tooManyFromSource(count)) }
            perSource.counts[source] = count
        }
        let number = counters.accepted
        counters.accepted += 1
        counters.connections += 1
        let pause = policy == .defer_ && counters.connections >= maxConnections && state == .listening
        if pause { state = .paused }
        return .spawn(number: number, pause: pause)
    }

    /// An instance admitted from `source` is gone (exited, killed, or never started).
    public mutating func release(source: ConnectionSource) -> [AcceptAction] {
        if counters.connections > 0 { counters.connections -= 1 }
        if countsSources, source != .uncounted, let count = perSource.counts[source] {
            perSource.counts[source] = count > 1 ? count - 1 : nil
        }
        guard state == .paused, counters.connections < maxConnections else { return [] }
        state = .listening
        return [.watch]
    }

    /// Start, stop, reset-failed, cooldown and reopen; the Accept=no events (readable, service state) do not
    /// concern Accept=yes units, whose instances are not this unit's service.
    public mutating func handle(_ event: SocketEvent) -> [AcceptAction] {
        switch (state, event) {
        case (_, .readable), (_, .serviceActive), (_, .serviceInactive), (_, .serviceStartLimitHit):
            return []
        case (.failed, .cooldownElapsed):
            return cooldown == nil ? [] : AcceptMachine.reopenAfterCooldown
        case (.listening, .cooldownElapsed), (.paused, .cooldownElapsed), (.stopped, .cooldownElapsed):
            return []
        case (.failed, .listenersReopened), (.stopped, .listenersReopened):
            state = counters.connections >= maxConnections && policy == .defer_ ? .paused : .listening
            triggerLimit.reset()
            let note = AcceptAction.log(SocketMachine.listeningAgain)
            return state == .listening ? [note, .watch] : [note]
        case (.listening, .listenersReopened), (.paused, .listenersReopened):
            return []
        case (.failed, .reopenFailed), (.stopped, .reopenFailed):
            state = .failed(result: .resources)
            return [.log(Note(.error, "Failed with result 'resources'."))]
        case (.listening, .reopenFailed), (.paused, .reopenFailed):
            return []
        case (.failed, .start), (.stopped, .start):
            return [.reopen]
        case (.listening, .start), (.paused, .start):
            return []
        case (.listening, .stop), (.paused, .stop), (.failed, .stop):
            state = .stopped
            return [.unwatch, .close]
        case (.stopped, .stop):
            return []
        case (.failed, .resetFailed):
            state = .stopped
            return []
        case (.listening, .resetFailed), (.paused, .resetFailed), (.stopped, .resetFailed):
            return []
        }
    }

    private mutating func refuse(_ refusal: Refusal) -> Admission {
        counters.refused += 1
        return .refuse(refusal)
    }

    /// The unit's own commands (SocketCommands) failed a start or a stop: failed with their
    /// result, the listeners already closed by them. A unit failed for another reason keeps that one.
    public mutating func commandsFailed(_ result: UnitResult) -> [AcceptAction] {
        if case .failed = state { return [] }
        return fail(result: result, nil, closing: false)
    }

    /// `closing`: the listeners are still open (not when the unit's own commands closed them).
    private mutating func fail(result: UnitResult, _ reason: Note?, closing: Bool = true) -> [AcceptAction] {
        state = .failed(result: result)
        var actions: [AcceptAction] = closing ? [.unwatch, .close] : [.unwatch]
        if let reason { actions.append(.log(reason)) }
        actions.append(.log(Note(.error, "Failed with result '\(result)'.")))
        if let cooldown { actions.append(.armCooldown(cooldown)) }
        return actions
    }
}
