// What the machines' states mean to an admin, in systemd's words: the
// ActiveState and SubState each state translates to (as systemd's
// state_translation_table does) and the Result a run ends with. Pure tables.

/// systemd's ActiveState.
public enum ActiveState: String, Codable, Sendable, Equatable, CaseIterable {
    case active, reloading, inactive, failed, activating, deactivating
}

/// systemd's Result of a unit's last run (`Failed with result '…'`).
public enum UnitResult: String, Codable, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case success
    case resources
    case timeout
    case exitCode = "exit-code"
    case signal
    case coreDump = "core-dump"
    case watchdog
    case startLimitHit = "start-limit-hit"
    case `protocol`
    case triggerLimitHit = "trigger-limit-hit"
    case serviceStartLimitHit = "service-start-limit-hit"

    public var description: String { rawValue }
}

extension ServiceMachine {
    /// systemd's service_state_translation_table for the states usherd has.
    public var activeState: ActiveState {
        switch state {
        case .inactive: return .inactive
        case .failed: return .failed
        case .startPre, .spawning, .starting, .startPost, .autoRestart: return .activating
        case .running, .exited: return .active
        case .reloading: return .reloading
        case .stopping, .stopPost: return .deactivating
        }
    }

    /// systemd's SubState name of the state.
    public var subState: String {
        switch state {
        case .inactive: return "dead"
        case .failed: return "failed"
        case .startPre: return "start-pre"
        case .spawning, .starting: return "start"
        case .startPost: return "start-post"
        case .running: return "running"
        case .exited: return "exited"
        case .reloading: return "reload"
        case .stopping(.execStop): return "stop"
        case .stopping(.signalled): return "stop-sigterm"
        case .stopping(.watchdog): return "stop-watchdog"
        case .stopping(.killed): return "stop-sigkill"
        case .stopPost: return "stop-post"
        case .autoRestart: return "auto-restart"
        }
    }

    /// The Result of the last run (success while it runs or when it ended well).
    public var result: UnitResult {
        if case .failed(let result) = state { return result }
        return pendingResult ?? .success
    }
}

extension SocketMachine {
    /// systemd's socket_state_translation_table for the states usherd has.
    public var activeState: ActiveState {
        switch state {
        case .listening, .running: return .active
        case .failed: return .failed
        case .stopped: return .inactive
        }
    }

    public var subState: String {
        switch state {
        case .listening: return "listening"
        case .running: return "running"
        case .failed: return "failed"
        case .stopped: return "dead"
        }
    }

    public var result: UnitResult {
        if case .failed(let result) = state { return result }
        return .success
    }
}

extension AcceptMachine {
    /// Paused at MaxConnections= (defer) still counts as listening, as it is to systemd.
    public var activeState: ActiveState {
        switch state {
        case .listening, .paused: return .active
        case .failed: return .failed
        case .stopped: return .inactive
        }
    }

    public var subState: String {
        switch state {
        case .listening, .paused: return "listening"
        case .failed: return "failed"
        case .stopped: return "dead"
        }
    }

    public var result: UnitResult {
        if case .failed(let result) = state { return result }
        return .success
    }
}
