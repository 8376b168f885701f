// A socket unit's own commands in systemd's order (socket.c): ExecStartPre=, bind,
// ExecStartPost=, listen; on a stop (or a failure after binding) ExecStopPre=, close,
// ExecStopPost=; each line under TimeoutSec=, a failure without `-` setting the result; a run
// ends with systemd's final-sigterm/final-sigkill of what its commands left behind. A start
// asked for while a stop run is under way begins when that run ends. Pure: returns the actions the daemon performs.
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
    /// Send `signals` in turn to what is left of `sessions`' processes; the daemon answers
    /// with `leftoversGone()` at once when none is left, else when the last is reaped.
    case signalLeftovers(sessions: Set<Int32>, signals: [Int32])
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
        /// A timed-out ExecStopPre= command, signalled (systemd's stop-pre-sigterm, then stop-pre-sigkill).
        case stopPreSignalled(pid: Int32?, killed: Bool)
        /// What the run's commands left behind, signalled (systemd's final-sigterm, then final-sigkill).
        case finalKill(killed: Bool)
    }

    /// The phases that have commands (most sockets have none: an empty dictionary allocates nothing).
    public let commands: [SocketCommandPhase: [CommandLine]]
    public let timeout: TimeSpan
    public private(set) var stage: Stage = .idle
    public private(set) var result: UnitResult?
    /// The sessions (each command calls setsid: its pid) of the commands spawned since the start
    /// began, whose leftovers the final kill signals; forgotten when it is over.
    public private(set) var sessions: Set<Int32> = []
    /// A start asked for while a stop run was under way (a cooldown's reopen), begun when the run ends.
    public private(set) var startPending = false

    public init(unit: SocketUnit) {
        var commands: [SocketCommandPhase: [CommandLine]] = [:]
        for (phase, lines) in [(SocketCommandPhase.startPre, unit.execStartPre), (.startPost, unit.execStartPost),
                               (.stopPre, unit.execStopPre), (.stopPost, unit.execStopPost)] where !lines.isEmpty {
            commands[phase] = lines
        }
        self.commands = commands
        timeout = unit.timeout
    }

    /// The commands of `unit` after a re-exec, with the sessions the earlier image remembered.
    public init(unit: SocketUnit, resuming sessions: [Int32]) {
        self.init(unit: unit)
        self.sessions = Set(sessions)
    }

    /// A reload's commands for `unit`: `old` itself while it runs (the run finishes with the old
    /// commands), else the new ones, with the sessions `old` remembers, which are still the socket's.
    public init(unit: SocketUnit, continuing old: SocketCommands) {
        guard !old.isBusy else {
            self = old
            return
        }
        self.init(unit: unit)
        sessions = old.sessions
    }

    /// Whether the unit has any command at all (without, the daemon binds and closes directly).
    public var hasCommands: Bool { !commands.isEmpty }
    public var isBusy: Bool { stage != .idle }
    /// Whether a stop run is under way: ExecStopPre=, ExecStopPost=, their signals, or the final kill.
    public var isStopping: Bool {
        switch stage {
        case .running(.stopPre, _, _), .running(.stopPost, _, _), .stopPreSignalled, .finalKill: return true
        case .idle, .binding, .running(.startPre, _, _), .running(.startPost, _, _): return false
        }
    }
    /// Whether the final kill waits for the leftovers to go (the daemon checks after reaping).
    public var awaitsLeftovers: Bool {
        if case .finalKill = stage { return true }
        return false
    }

    /// The socket's ActiveState with its commands counted: activating during ExecStartPre=/
    /// ExecStartPost=, deactivating during ExecStopPre=/ExecStopPost= and the final kill, as systemd;
    /// else the machine's.
    public func activeState(over machineState: ActiveState) -> ActiveState {
        switch stage {
        case .running(.startPre, _, _), .running(.startPost, _, _): return .activating
        case .running(.stopPre, _, _), .running(.stopPost, _, _), .stopPreSignalled, .finalKill: return .deactivating
        case .idle, .binding: return machineState
        }
    }

    /// systemd's SubState of the stage (`start-pre`, `final-sigterm`), else the machine's.
    public func subState(over machineSubState: String) -> String {
        switch stage {
        case .running(let phase, _, _): return phase.subState
        case .stopPreSignalled(_, let killed): return killed ? "stop-pre-sigkill" : "stop-pre-sigterm"
        case .finalKill(let killed): return killed ? "final-sigkill" : "final-sigterm"
        case .idle, .binding: return machineSubState
        }
    }

    /// Begins a start; during a stop run, remembers it for the run's end; during a start run, nothing.
    public mutating func start() -> [SocketCommandAction] {
        switch stage {
        case .idle:
            result = nil
            return enter(.startPre)
        case .running(.stopPre, _, _), .running(.stopPost, _, _), .stopPreSignalled, .finalKill:
            startPending = true
            return []
        case .binding, .running(.startPre, _, _), .running(.startPost, _, _):
            return []
        }
    }

    /// Begins a stop; during a stop run, which is that stop already, forgets a remembered start.
    public mutating func stop() -> [SocketCommandAction] {
        switch stage {
        case .idle, .binding, .running(.startPre, _, _), .running(.startPost, _, _):
            result = nil
            return enter(.stopPre)
        case .running(.stopPre, _, _), .running(.stopPost, _, _), .stopPreSignalled, .finalKill:
            startPending = false
            return []
        }
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
        guard case .running(let phase, let index, nil) = stage else { return }
        stage = .running(phase, index: index, pid: pid)
        sessions.insert(pid)
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
        case .stopPreSignalled(let running, _) where running == pid:
            return [.cancelTimer] + enter(.stopPost)
        case .idle, .binding, .running, .stopPreSignalled, .finalKill:
            // In the final kill, a command's exit is one leftover fewer: `leftoversGone()` says when all are.
            return []
        }
    }

    /// None of the run's leftovers is left: the final kill is over, with the result the run had.
    public mutating func leftoversGone() -> [SocketCommandAction] {
        switch stage {
        case .finalKill: return [.cancelTimer] + finish()
        case .idle, .binding, .running, .stopPreSignalled: return []
        }
    }

    /// TimeoutSec= passed, per stage as systemd 252's socket_dispatch_timer: a start-pre or stop-post
    /// command goes to the final kill, a start-post one to the stop commands (unsignalled: the final kill
    /// catches it), a stop-pre one is signalled, then killed, then left to the final kill. There SIGTERM
    /// comes first, as systemd.socket(5) documents, where systemd 252's state_to_kill_operation picks
    /// SIGKILL (KILL_KILL) unless restarting; only its process group is signalled, the rest waits for
    /// the final kill.
    public mutating func timerFired() -> [SocketCommandAction] {
        switch stage {
        case .running(let phase, _, let pid):
            result = result ?? .timeout
            let note = Note(.warning, SocketCommands.timeoutText(phase))
            switch phase {
            case .startPre, .stopPost: return [.log(note)] + enterFinalKill()
            case .startPost: return [.log(note)] + enter(.stopPre)
            case .stopPre:
                stage = .stopPreSignalled(pid: pid, killed: false)
                return [.log(note), .armTimer(timeout)] + Self.signals(15, to: pid)
            }
        case .stopPreSignalled(let pid, false):
            stage = .stopPreSignalled(pid: pid, killed: true)
            return [.log(Note(.warning, "Stopping timed out. Killing.")), .armTimer(timeout)] + Self.signals(9, to: pid)
        case .stopPreSignalled(_, true):
            return [.log(Note(.warning, "Processes still around after SIGKILL. Ignoring."))] + enter(.stopPost)
        case .finalKill(false):
            result = result ?? .timeout
            stage = .finalKill(killed: true)
            return [.log(Note(.warning, "Stopping timed out (2). Killing.")), .armTimer(timeout),
                    .signalLeftovers(sessions: sessions, signals: KillContext.stopSignals(9))]
        case .finalKill(true):
            return [.log(Note(.warning, "Still around after SIGKILL (2). Entering failed mode."))] + finish()
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
            return enterFinalKill()
        }
    }

    private mutating func failed(_ phase: SocketCommandPhase, _ failure: UnitResult) -> [SocketCommandAction] {
        result = result ?? failure
        return afterFailure(of: phase)
    }

    /// systemd's transitions on a failure: start-pre and stop-post end the run with the final
    /// kill, start-post and stop-pre go on to the stop commands.
    private mutating func afterFailure(of phase: SocketCommandPhase) -> [SocketCommandAction] {
        switch phase {
        case .startPre, .stopPost: return enterFinalKill()
        case .startPost: return enter(.stopPre)
        case .stopPre: return enter(.stopPost)
        }
    }

    /// systemd's final-sigterm: KillSignal= (SIGTERM; a .socket's KillMode=/KillSignal= are not supported,
    /// systemd's defaults apply) and SIGCONT to what the commands left, TimeoutSec= armed first, as the
    /// daemon may answer `leftoversGone()` at once. Unlike systemd 252, which has no cgroup-empty hook
    /// for sockets and waits for the timer, the run ends as soon as none is left; and where a timed-out
    /// command's own exit ends systemd 252's final-sigterm, leaving the rest running, this waits for all.
    private mutating func enterFinalKill() -> [SocketCommandAction] {
        guard !sessions.isEmpty else { return finish() }
        stage = .finalKill(killed: false)
        return [.armTimer(timeout), .signalLeftovers(sessions: sessions, signals: KillContext.stopSignals(15))]
    }

    /// The run is over with its result; a start remembered meanwhile begins after it.
    private mutating func finish() -> [SocketCommandAction] {
        stage = .idle
        sessions = []
        let finished = SocketCommandAction.finished(result: result)
        guard startPending else { return [finished] }
        startPending = false
        return [finished] + start()
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
