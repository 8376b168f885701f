// The life of one service, as systemd 252 runs it: ExecStartPre= → main
// process (Type=notify waits for READY=1) → ExecStartPost= → running →
// stopping → ExecStopPost= → inactive, failed, or Restart= after RestartSec=.
// Each event returns actions; the daemon spawns, signals and arms the one
// timer per service. Pure value, tested without processes.
import UnitModel

public enum ServiceEvent: Sendable, Equatable {
    case startRequested(now: UInt64)
    case spawned(pid: Int32)
    /// No process could be created (user lookup, pipe, clone); `reason` says why.
    case spawnFailed(reason: String)
    case controlSpawned(pid: Int32)
    /// A control command (ExecStartPre=, ExecStop=, …) could not be started.
    case controlSpawnFailed(reason: String)
    /// A process of the service ended; `leftovers` says whether other processes
    /// of its session or group remain (the daemon looked in /proc).
    case childExited(pid: Int32, status: ExitStatus, leftovers: Bool = false)
    /// A main process that is not usherd's child (MAINPID= from root) is gone; its status is unknown.
    case mainGone(pid: Int32)
    /// Nothing of the service is left after its main process ended.
    case leftoversGone
    /// A datagram on NOTIFY_SOCKET from a process of this service; `claim` judges its MAINPID=.
    case notify(NotifyMessage, sender: NotifySender, claim: MainPIDClaim? = nil)
    case stopRequested
    /// An admin's `reset-failed`: a failed service becomes inactive and its start limit starts over.
    case resetFailed
    /// The service's timer expired at monotonic time `now` (µs).
    case timerFired(now: UInt64)
}

/// The command lists run as the control process, besides ExecStop=.
public enum ExecPhase: String, Codable, Sendable, Equatable {
    case startPre = "ExecStartPre", startPost = "ExecStartPost", stopPost = "ExecStopPost"
}

/// One variable the daemon adds to a control command's environment.
public struct ExtraVariable: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

public enum ServiceAction: Sendable, Equatable {
    case spawnMain
    /// Run the ExecStop= commands as the control process.
    case spawnStop
    /// Run command `index` of `phase` as the control process (no listening fds).
    case spawnControl(ExecPhase, index: Int, environment: [ExtraVariable])
    /// Send to the process group led by `pid`.
    case signalGroup(pid: Int32, signal: Int32)
    /// Send to what is left of the service after its main process ended (its
    /// sessions' and groups' members), then SIGCONT; report `.leftoversGone`.
    case signalLeftovers(signal: Int32)
    /// Follow a main process that is not usherd's child (through a pidfd).
    case watchMainPID(Int32)
    case armTimer(TimeSpan)
    case cancelTimer
    /// Tell the service's sockets to stop watching.
    case becameActive
    /// Tell the sockets to watch again.
    case becameInactive
    case startLimitHit
    case log(Note)
}

public struct ServiceMachine: Codable, Sendable, Equatable {
    public enum StopPhase: Codable, Sendable, Equatable { case execStop, signalled, killed }

    public enum State: Codable, Sendable, Equatable {
        case inactive
        case failed(result: UnitResult)
        /// ExecStartPre= commands running.
        case startPre
        /// Spawn requested; pid not known yet.
        case spawning
        case starting
        /// ExecStartPost= commands running.
        case startPost
        case running
        case stopping(StopPhase)
        /// ExecStopPost= commands running.
        case stopPost
        /// Waiting RestartSec= before starting again.
        case autoRestart
    }

    public private(set) var config: ServiceConfig
    public internal(set) var state: State = .inactive
    public internal(set) var mainPID: Int32?
    public internal(set) var controlPID: Int32?
    public internal(set) var statusText: String?
    /// Automatic restarts so far (systemd's restart counter).
    public internal(set) var restartCount: UInt32 = 0
    var startLimit: RateLimit
    /// Result recorded while stopping (a timeout turns success into failure).
    var pendingResult: UnitResult?
    /// How the main process of this run ended, for EXIT_CODE=/EXIT_STATUS= and RestartPreventExitStatus=.
    public internal(set) var mainExit: ExitStatus?
    /// The control command list running and its position.
    var controlPhase: ExecPhase?
    var controlIndex = 0
    /// Set by a stop request: this run ends without Restart=.
    var forbidRestart = false
    var stopPostRan = false
    /// The main process ended and other processes of the service are being stopped.
    public internal(set) var awaitingLeftovers = false
    /// A refused notification was logged in this run (one line per run, not per datagram).
    var notifyRefusalLogged = false

    public init(config: ServiceConfig) {
        self.config = config
        startLimit = RateLimit(interval: config.startLimitInterval, burst: config.startLimitBurst)
    }

    /// Takes a reloaded unit's settings for the next start; state and restart count stay.
    /// Only for a machine that is not active: a running process keeps its definition.
    public mutating func adopt(_ newConfig: ServiceConfig) {
        config = newConfig
        startLimit = RateLimit(interval: newConfig.startLimitInterval, burst: newConfig.startLimitBurst)
    }

    /// Everything but inactive and failed, including a pending restart.
    public var isActive: Bool {
        switch state {
        case .inactive, .failed: return false
        case .startPre, .spawning, .starting, .startPost, .running, .stopping, .stopPost, .autoRestart: return true
        }
    }

    public mutating func handle(_ event: ServiceEvent) -> [ServiceAction] {
        switch event {
        case .startRequested(let now): return isActive ? [.becameActive] : beginStart(now: now)
        case .spawned(let pid): return spawned(pid: pid)
        case .spawnFailed(let reason):
            return [.log(Note(.error, reason))] + enterStopPost(failure: .resources)
        case .controlSpawned(let pid):
            controlPID = pid
            return []
        case .controlSpawnFailed(let reason): return controlSpawnFailed(reason)
        case .childExited(let pid, let status, let leftovers):
            if let control = controlPID, pid == control { return controlExited(status, leftovers: leftovers) }
            guard pid == mainPID else { return [] }
            return mainExited(status, leftovers: leftovers)
        case .mainGone(let pid):
            guard pid == mainPID else { return [] }
            return [.log(Note(.info, "Main process \(pid) (not a child of usherd) is gone; its exit status is unknown."))]
                + mainExited(.exited(0), leftovers: false, logExit: false)
        case .leftoversGone: return leftoversGone()
        case .notify(let message, let sender, let claim): return notify(message, sender: sender, claim: claim)
        case .stopRequested:
            forbidRestart = true
            return requestStop()
        case .resetFailed:
            startLimit.reset()
            guard case .failed = state else { return [] }
            state = .inactive
            return []
        case .timerFired(let now): return timerFired(now: now)
        }
    }

    mutating func beginStart(now: UInt64) -> [ServiceAction] {
        guard startLimit.allow(now: now) else {
            state = .failed(result: .startLimitHit)
            return [.log(Note(.error, "Start request repeated too quickly.")),
                    .log(Note(.error, "Failed with result 'start-limit-hit'.")), .startLimitHit]
        }
        mainPID = nil
        controlPID = nil
        statusText = nil
        pendingResult = nil
        mainExit = nil
        forbidRestart = false
        stopPostRan = false
        awaitingLeftovers = false
        notifyRefusalLogged = false
        if config.startPre.isEmpty {
            state = .spawning
            return [.becameActive, .spawnMain]
        }
        state = .startPre
        return [.becameActive] + runControl(.startPre, index: 0, timeout: config.startTimeout)
    }

    mutating func runControl(_ phase: ExecPhase, index: Int, timeout: TimeSpan,
                             environment: [ExtraVariable] = []) -> [ServiceAction] {
        controlPhase = phase
        controlIndex = index
        let timer: [ServiceAction] = timeout.isInfinity ? [.cancelTimer] : [.armTimer(timeout)]
        return [.spawnControl(phase, index: index, environment: environment)] + timer
    }

    private mutating func spawned(pid: Int32) -> [ServiceAction] {
        guard state == .spawning else { return [] }
        mainPID = pid
        if config.waitsForReady {
            state = .starting
            return config.startTimeout.isInfinity ? [] : [.armTimer(config.startTimeout)]
        }
        return enterStartPost()
    }

    /// After the main process started (and READY=1): ExecStartPost=, or running.
    mutating func enterStartPost() -> [ServiceAction] {
        if config.startPost.isEmpty {
            state = .running
            return []
        }
        state = .startPost
        return runControl(.startPost, index: 0, timeout: config.startTimeout)
    }

    private mutating func mainExited(_ status: ExitStatus, leftovers: Bool, logExit: Bool = true) -> [ServiceAction] {
        mainPID = nil
        mainExit = status
        let clean = status.isClean(successStatuses: config.successExitStatus, successSignals: config.successExitSignals)
        var actions: [ServiceAction] = logExit ? [.log(Note(clean ? .info : .warning, "Main process exited, \(status)"))] : []
        let killedByUs = status == .killed(signal: config.killSignal)
        switch state {
        case .stopping(.execStop):
            if !clean && !killedByUs { pendingResult = status.failureResult }
            return actions
        case .stopping(.killed):
            pendingResult = pendingResult ?? .timeout
        case .stopping(.signalled):
            if !clean && !killedByUs { pendingResult = pendingResult ?? status.failureResult }
        case .starting where clean:
            pendingResult = .protocol
            actions.append(.log(Note(.error, "Main process exited before READY=1.")))
        case .starting, .spawning, .startPost, .running, .stopPost, .inactive, .failed, .startPre, .autoRestart:
            if !clean { pendingResult = pendingResult ?? status.failureResult }
        }
        // ExecStartPost= or a signalled control process still runs: wait for it.
        if controlPID != nil { return actions }
        return actions + afterLastProcess(leftovers: leftovers)
    }

    /// Main and control process are gone: stop what they left, or go on to ExecStopPost=.
    mutating func afterLastProcess(leftovers: Bool) -> [ServiceAction] {
        leftovers ? stopLeftovers() : enterStopPost(failure: nil)
    }

    /// What the main process left behind gets KillSignal=, and SIGKILL after
    /// TimeoutStopSec=; ExecStopPost= waits until none is left.
    private mutating func stopLeftovers() -> [ServiceAction] {
        awaitingLeftovers = true
        let alreadyStopping: Bool
        switch state {
        case .stopping(.signalled), .stopping(.killed): alreadyStopping = true
        case .stopping(.execStop), .inactive, .failed, .startPre, .spawning, .starting, .startPost, .running, .stopPost,
             .autoRestart:
            alreadyStopping = false
        }
        if !alreadyStopping { state = .stopping(.signalled) }
        let signal = state == .stopping(.killed) ? 9 : config.killSignal
        return [.signalLeftovers(signal: signal)] + (alreadyStopping ? [] : [.cancelTimer] + armStopTimer())
    }

    private mutating func leftoversGone() -> [ServiceAction] {
        guard awaitingLeftovers, mainPID == nil, controlPID == nil else { return [] }
        awaitingLeftovers = false
        return enterStopPost(failure: nil)
    }
}
