// The state of one Accept=no socket unit: listening (its listeners watched),
// running (its service active, listeners not watched), failed (trigger limit
// or the service's start limit: listeners closed, clients refused), or
// stopped. Each event returns the actions the daemon performs; the trigger
// limit and Usher's TriggerLimitCooldownSec= (reopen) live here. Pure value.
import UnitModel

public enum SocketEvent: Sendable, Equatable {
    /// A listener became readable at monotonic time `now` (µs).
    case readable(now: UInt64)
    case serviceActive
    case serviceInactive
    case serviceStartLimitHit
    case cooldownElapsed
    /// The daemon bound the listeners of a failed unit again (after `.reopen`).
    case listenersReopened
    /// Binding them again failed (the daemon has logged why).
    case reopenFailed
    /// An admin's `start`: a stopped or failed unit binds its listeners again.
    case start
    case stop
    /// An admin's `reset-failed`: a failed unit becomes inactive (dead).
    case resetFailed
}

public enum SocketAction: Sendable, Equatable {
    case watch
    case unwatch
    /// Start the service this socket triggers.
    case activate(UnitName)
    case armCooldown(TimeSpan)
    /// Close the listeners (and unlink RemoveOnStop= nodes).
    case close
    /// Bind the listeners again; the daemon answers with `.listenersReopened` or `.reopenFailed`.
    case reopen
    case log(Note)
}

public struct SocketMachine: Codable, Sendable, Equatable {
    public enum State: Codable, Sendable, Equatable {
        case listening
        case running
        case failed(result: UnitResult)
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

    /// A machine for a reloaded `unit` that goes on from `old`'s state (the trigger limit starts afresh).
    public init(unit: SocketUnit, continuing old: SocketMachine) {
        self.init(unit: unit)
        state = old.state
    }

    /// The actions that put a freshly bound socket to work.
    public func startActions() -> [SocketAction] { state == .listening ? [.watch] : [] }

    public mutating func handle(_ event: SocketEvent) -> [SocketAction] {
        switch (state, event) {
        case (.listening, .readable(let now)):
            guard triggerLimit.allow(now: now) else {
                return fail(result: .triggerLimitHit, Note(.warning, "Trigger limit hit, refusing further activation."))
            }
            return [.unwatch, .activate(service)]
        case (.running, .readable), (.failed, .readable), (.stopped, .readable):
            return []
        case (.listening, .serviceActive), (.running, .serviceActive):
            state = .running
            return [.unwatch]
        case (.failed, .serviceActive), (.stopped, .serviceActive):
            return []
        case (.running, .serviceInactive):
            state = .listening
            return [.watch]
        case (.listening, .serviceInactive), (.failed, .serviceInactive), (.stopped, .serviceInactive):
            return []
        case (.listening, .serviceStartLimitHit), (.running, .serviceStartLimitHit):
            return fail(result: .serviceStartLimitHit, nil)
        case (.failed, .serviceStartLimitHit), (.stopped, .serviceStartLimitHit):
            return []
        case (.failed, .cooldownElapsed):
            return cooldown == nil ? [] : SocketMachine.reopenAfterCooldown
        case (.listening, .cooldownElapsed), (.running, .cooldownElapsed), (.stopped, .cooldownElapsed):
            return []
        case (.failed, .listenersReopened), (.stopped, .listenersReopened):
            state = .listening
            triggerLimit.reset()
            return [.log(SocketMachine.listeningAgain), .watch]
        case (.listening, .listenersReopened), (.running, .listenersReopened):
            return []
        case (.failed, .reopenFailed), (.stopped, .reopenFailed):
            state = .failed(result: .resources)
            return [.log(Note(.error, "Failed with result 'resources'."))]
        case (.listening, .reopenFailed), (.running, .reopenFailed):
            return []
        case (.failed, .start), (.stopped, .start):
            return [.reopen]
        case (.listening, .start), (.running, .start):
            return []
        case (.listening, .stop), (.running, .stop), (.failed, .stop):
            state = .stopped
            return [.unwatch, .close]
        case (.stopped, .stop):
            return []
        case (.failed, .resetFailed):
            state = .stopped
            return []
        case (.listening, .resetFailed), (.running, .resetFailed), (.stopped, .resetFailed):
            return []
        }
    }

    /// The unit's own commands (SocketCommands) failed a start or a stop: failed with their
    /// result, the listeners already closed by them. A unit failed for another reason keeps that one.
    public mutating func commandsFailed(_ result: UnitResult) -> [SocketAction] {
        if case .failed = state { return [] }
        return fail(result: result, nil, closing: false)
    }

    /// What a failed unit does when TriggerLimitCooldownSec= has passed (both machines).
    static let cooldownNote = Note(.notice, "Trigger limit cooldown elapsed, reopening the listeners.")
    static let reopenAfterCooldown: [SocketAction] = [.log(cooldownNote), .reopen]
    static let listeningAgain = Note(.notice, "Listening again.")

    /// `closing`: the listeners are still open (not when the unit's own commands closed them).
    private mutating func fail(result: UnitResult, _ reason: Note?, closing: Bool = true) -> [SocketAction] {
        state = .failed(result: result)
        var actions: [SocketAction] = closing ? [.unwatch, .close] : [.unwatch]
        if let reason { actions.append(.log(reason)) }
        actions.append(.log(Note(.error, "Failed with result '\(result)'.")))
        if let cooldown { actions.append(.armCooldown(cooldown)) }
        return actions
    }
}
