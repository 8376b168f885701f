// A socket unit's own commands in systemd's order (socket.c): a start runs
// ExecStartPre=, binds, runs ExecStartPost=, then listens; a stop (or a failure
// after binding) runs ExecStopPre=, closes, runs ExecStopPost=. Each line runs
// in order under TimeoutSec=; a failure without `-` sets the result (exit-code,
// signal, core-dump, timeout) and, as systemd, a failing ExecStartPre= skips the
// stop commands. Pure: returns the actions the daemon performs.
import UnitModel

public enum SocketCommandPhase: String, Sendable, Equatable {
    case startPre = "ExecStartPre", startPost = "ExecStartPost", stopPre = "ExecStopPre", stopPost = "ExecStopPost"

    /// systemd's sub-state while this phase runs.
    public var subState: String {
        switch self {
        case .startPre: return "start-pre"
        case .startPost: return "start-post"
        case .stopPre: return "stop-pre"
        case .stopPost: return "stop-post"
        }
    }
}

public enum SocketCommandAction: Sendable, Equatable {
    case spawn(SocketCommandPhase, index: Int)
    case armTimer(TimeSpan)
    case cancelTimer
    case signal(pid: Int32, signal: Int32)
    /// Bind the listeners; the daemon answers with `bound(_:)`.
    case bind
    /// Close the listeners (RemoveOnStop= decides about nodes).
    case close
    /// The start is done: watch the listeners.
    case listening
    /// The run is over: inactive when `result` is nil, failed with it otherwise.
    case finished(result: UnitResult?)
    case log(Note)
}

public struct SocketCommands: Sendable, Equatable {
    public enum Stage: Sendable, Equatable {
        case idle
        case binding
        case running(SocketCommandPhase, index: Int, pid: Int32?)
        /// A command that timed out, signalled (SIGTERM, then SIGKILL).
        case terminating(SocketCommandPhase, pid: Int32?, killed: Bool)
    }

    /// The phases that have commands (most sockets have none: an empty dictionary allocates nothing).
    public let commands: [SocketCommandPhase: [CommandLine]]
    public let timeout: TimeSpan
    public private(set) var stage: Stage = .idle
    public private(set) var result: UnitResult?

    public init(unit: SocketUnit) {
        var commands: [SocketCommandPhase: [CommandLine]] = [:]
        for (phase, lines) in [(SocketCommandPhase.startPre, unit.execStartPre), (.startPost, unit.execStartPost),
                               (.stopPre, unit.execStopPre), (.stopPost, unit.execStopPost)] where !lines.isEmpty {
            commands[phase] = lines
        }
        self.commands = commands
        timeout = unit.timeout
    }

    /// Whether the unit has any command at all (without, the daemon binds and closes directly).
    public var hasCommands: Bool { !commands.isEmpty }
    public var isBusy: Bool { stage != .idle }
    /// The phase running now, for status (`activating (start-pre)`).
    public var phase: SocketCommandPhase? {
        switch stage {
        case .running(let phase, _, _), .terminating(let phase, _, _): return phase
        case .idle, .binding: return nil
        }
    }

    /// The socket's ActiveState with its commands counted: activating during ExecStartPre=/
    /// ExecStartPost=, deactivating during ExecStopPre=/ExecStopPost=, as systemd; else the machine's.
    public func activeState(over machineState: ActiveState) -> ActiveState {
        switch phase {
        case .startPre?, .startPost?: return .activating
        case .stopPre?, .stopPost?: return .deactivating
        case nil: return machineState
        }
    }

    /// The running phase's SubState (`start-pre`), else the machine's.
    public func subState(over machineSubState: String) -> String { phase?.subState ?? machineSubState }

    public mutating func start() -> [SocketCommandAction] {
        result = nil
        return enter(.startPre)
    }

    public mutating func stop() -> [SocketCommandAction] {
        result = nil
        return enter(.stopPre)
    }

    /// The daemon bound the listeners (or failed to: result resources, then the stop commands).
    public mutating func bound(_ ok: Bool) -> [SocketCommandAction] {
        guard stage == .binding else { return [] }
        guard ok else {
            result = .resources
            return enter(.stopPre)
        }
        return enter(.startPost)
    }

    public mutating func spawned(pid: Int32) {
        if case .running(let phase, let index, nil) = stage { stage = .running(phase, index: index, pid: pid) }
    }

    public mutating func spawnFailed() -> [SocketCommandAction] {
        guard case .running(let phase, _, nil) = stage else { return [] }
        return failed(phase, .resources)
    }

    public mutating func exited(pid: Int32, status: ExitStatus) -> [SocketCommandAction] {
        switch stage {
        case .running(let phase, let index, let running) where running == pid:
            let command = commands[phase]?[index]
            let clean = status.isCleanCommand(successStatuses: [], successSignals: [])
            let ignored = !clean && command?.ignoreFailure == true
            var actions: [SocketCommandAction] = [.cancelTimer]
            if !clean { actions.append(.log(Note.controlExit(phase.rawValue, status, ignored: ignored))) }
            if clean || ignored {
                if index + 1 < commands[phase]?.count ?? 0 { return actions + run(phase, index + 1) }
                return actions + after(phase)
            }
            return actions + failed(phase, status.failureResult)
        case .terminating(let phase, let running, _) where running == pid:
            return [.cancelTimer] + afterFailure(of: phase)
        case .idle, .binding, .running, .terminating:
            return []
        }
    }

    public mutating func timerFired() -> [SocketCommandAction] {
        switch stage {
        case .running(let phase, _, let pid):
            result = result ?? .timeout
            stage = .terminating(phase, pid: pid, killed: false)
            let note = Note(.warning, SocketCommands.timeoutText(phase))
            return [.log(note)] + Self.signals(15, to: pid) + [.armTimer(timeout)]
        case .terminating(let phase, let pid, false):
            stage = .terminating(phase, pid: pid, killed: true)
            return [.log(Note(.warning, "Control process still around, killing.")),
                    .armTimer(timeout)] + Self.signals(9, to: pid)
        case .terminating(let phase, _, true):
            return [.log(Note(.warning, "Still around after SIGKILL, giving up."))] + afterFailure(of: phase)
        case .idle, .binding:
            return []
        }
    }

    /// A stop step's signals for the control process's group, as systemd 252's
    /// socket_enter_signal sends them through unit_kill_context: SIGCONT after SIGTERM, not after SIGKILL.
    private static func signals(_ signal: Int32, to pid: Int32?) -> [SocketCommandAction] {
        guard let pid else { return [] }
        return KillContext.stopSignals(signal).map { .signal(pid: pid, signal: $0) }
    }

    // MARK: moving on

    private mutating func enter(_ phase: SocketCommandPhase) -> [SocketCommandAction] {
        var actions: [SocketCommandAction] = phase == .stopPost ? [.close] : []
        if commands[phase] != nil { return actions + run(phase, 0) }
        actions += after(phase)
        return actions
    }

    private mutating func run(_ phase: SocketCommandPhase, _ index: Int) -> [SocketCommandAction] {
        stage = .running(phase, index: index, pid: nil)
        return [.spawn(phase, index: index), .armTimer(timeout)]
    }

    /// What follows a phase that succeeded (or whose failure was ignored).
    private mutating func after(_ phase: SocketCommandPhase) -> [SocketCommandAction] {
        switch phase {
        case .startPre:
            stage = .binding
            return [.bind]
        case .startPost:
            stage = .idle
            return [.listening]
        case .stopPre:
            return enter(.stopPost)
        case .stopPost:
            return finish()
        }
    }

    private mutating func failed(_ phase: SocketCommandPhase, _ failure: UnitResult) -> [SocketCommandAction] {
        result = result ?? failure
        return afterFailure(of: phase)
    }

    /// systemd's transitions on a failure: start-pre ends the run, start-post and
    /// stop-pre go on to the stop commands, stop-post finishes.
    private mutating func afterFailure(of phase: SocketCommandPhase) -> [SocketCommandAction] {
        switch phase {
        case .startPre: return finish()
        case .startPost: return enter(.stopPre)
        case .stopPre: return enter(.stopPost)
        case .stopPost: return finish()
        }
    }

    private mutating func finish() -> [SocketCommandAction] {
        stage = .idle
        return [.finished(result: result)]
    }

    static func timeoutText(_ phase: SocketCommandPhase) -> String {
        switch phase {
        case .startPre: return "Starting timed out. Terminating."
        case .startPost: return "Starting timed out. Stopping."
        case .stopPre: return "Stopping timed out. Terminating."
        case .stopPost: return "Stopping timed out (2). Terminating."
        }
    }
}
