// The state of one Accept=no socket unit: listening (its listeners watched),
// running (its service active, listeners not watched), failed (trigger limit
// or the service's start limit), or stopped. Each event returns the actions
// the daemon performs; the trigger limit and Usher's TriggerLimitCooldownSec=
// live here. Pure value: no fds, no clock.
import UnitModel

public enum SocketEvent: Sendable, Equatable {
    /// A listener became readable at monotonic time `now` (µs).
    case readable(now: UInt64)
    case serviceActive
    case serviceInactive
    case serviceStartLimitHit
    case cooldownElapsed
    case stop
}

public enum SocketAction: Sendable, Equatable {
    case watch
    case unwatch
    /// Start the service this socket triggers.
    case activate(UnitName)
    case armCooldown(TimeSpan)
    /// Close the listeners (and unlink RemoveOnStop= nodes).
    case close
    case log(Note)
}

public struct SocketMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case listening
        case running
        case failed(result: String)
        case stopped
    }

    public let service: UnitName
    public let cooldown: TimeSpan?
    public private(set) var state: State = .listening
    private var triggerLimit: RateLimit

    public init(unit: SocketUnit) {
        service = unit.service
        cooldown = unit.triggerLimitCooldown
        triggerLimit = RateLimit(interval: unit.triggerLimitInterval, burst: unit.triggerLimitBurst)
    }

    /// The actions that put a freshly bound socket to work.
    public func startActions() -> [SocketAction] { state == .listening ? [.watch] : [] }

    public mutating func handle(_ event: SocketEvent) -> [SocketAction] {
        switch (state, event) {
        case (.listening, .readable(let now)):
            guard triggerLimit.allow(now: now) else {
                return fail(result: "trigger-limit-hit", Note(.warning, "Trigger limit hit, refusing further activation."))
            }
            return [.unwatch, .activate(service)]
        case (.listening, .serviceActive), (.running, .serviceActive):
            state = .running
            return [.unwatch]
        case (.running, .serviceInactive):
            state = .listening
            return [.watch]
        case (.listening, .serviceStartLimitHit), (.running, .serviceStartLimitHit):
            return fail(result: "service-start-limit-hit", nil)
        case (.failed, .cooldownElapsed) where cooldown != nil:
            state = .listening
            triggerLimit.reset()
            return [.log(Note(.notice, "Trigger limit cooldown elapsed, listening again.")), .watch]
        case (.stopped, _):
            return []
        case (_, .stop):
            state = .stopped
            return [.unwatch, .close]
        default:
            return []
        }
    }

    private mutating func fail(result: String, _ reason: Note?) -> [SocketAction] {
        state = .failed(result: result)
        var actions: [SocketAction] = [.unwatch]
        if let reason { actions.append(.log(reason)) }
        actions.append(.log(Note(.error, "Failed with result '\(result)'.")))
        if let cooldown { actions.append(.armCooldown(cooldown)) }
        return actions
    }
}
