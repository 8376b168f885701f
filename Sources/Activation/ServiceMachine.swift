// The life of one service: inactive → starting (Type=notify, until READY=1)
// → running → stopping (ExecStop=, KillSignal=, SIGKILL after
// TimeoutStopSec=) → inactive or failed. Start requests pass StartLimit*=.
// Each event returns actions; the daemon spawns, signals and arms the one
// timer per service. Pure value, tested without processes.
import UnitModel

public enum ServiceEvent: Sendable, Equatable {
    case startRequested(now: UInt64)
    case spawned(pid: Int32)
    /// No process could be created (user lookup, pipe, clone); `reason` says why.
    case spawnFailed(reason: String)
    case controlSpawned(pid: Int32)
    /// ExecStop= could not be started; stopping goes on with the kill signal.
    case controlSpawnFailed(reason: String)
    case childExited(pid: Int32, status: ExitStatus)
    case notify(NotifyMessage, senderPID: Int32)
    case stopRequested
    case timerFired
}

public enum ServiceAction: Sendable, Equatable {
    case spawnMain
    /// Run the ExecStop= commands as the control process.
    case spawnStop
    /// Send to the process group led by `pid`.
    case signalGroup(pid: Int32, signal: Int32)
    case armTimer(TimeSpan)
    case cancelTimer
    /// Tell the service's sockets to stop watching.
    case becameActive
    /// Tell the sockets to watch again.
    case becameInactive
    case startLimitHit
    case log(Note)
}

public struct ServiceMachine: Sendable, Equatable {
    public enum StopPhase: Sendable, Equatable { case execStop, signalled, killed }

    public enum State: Sendable, Equatable {
        case inactive
        case failed(result: String)
        /// Spawn requested; pid not known yet.
        case spawning
        case starting
        case running
        case stopping(StopPhase)
    }

    public let config: ServiceConfig
    public private(set) var state: State = .inactive
    public private(set) var mainPID: Int32?
    public private(set) var controlPID: Int32?
    public private(set) var statusText: String?
    private var startLimit: RateLimit
    /// Result recorded while stopping (a timeout turns success into failure).
    private var pendingResult: String?

    public init(config: ServiceConfig) {
        self.config = config
        startLimit = RateLimit(interval: config.startLimitInterval, burst: config.startLimitBurst)
    }

    public var isActive: Bool {
        switch state {
        case .inactive, .failed: return false
        default: return true
        }
    }

    public mutating func handle(_ event: ServiceEvent) -> [ServiceAction] {
        switch event {
        case .startRequested(let now): return requestStart(now: now)
        case .spawned(let pid): return spawned(pid: pid)
        case .spawnFailed(let reason): return finish(result: "resources", Note(.error, reason))
        case .controlSpawned(let pid):
            controlPID = pid
            return []
        case .controlSpawnFailed(let reason):
            let note = ServiceAction.log(Note(.warning, "Failed to run ExecStop=: \(reason)"))
            return state == .stopping(.execStop) ? [note] + afterExecStop() : [note]
        case .childExited(let pid, let status): return childExited(pid: pid, status: status)
        case .notify(let message, let sender): return notify(message, sender: sender)
        case .stopRequested: return requestStop()
        case .timerFired: return timerFired()
        }
    }

    private mutating func requestStart(now: UInt64) -> [ServiceAction] {
        if isActive { return [.becameActive] }
        guard startLimit.allow(now: now) else {
            state = .failed(result: "start-limit-hit")
            return [.log(Note(.error, "Start request repeated too quickly.")),
                    .log(Note(.error, "Failed with result 'start-limit-hit'.")), .startLimitHit]
        }
        state = .spawning
        mainPID = nil
        statusText = nil
        pendingResult = nil
        return [.becameActive, .spawnMain]
    }

    private mutating func spawned(pid: Int32) -> [ServiceAction] {
        guard state == .spawning else { return [] }
        mainPID = pid
        if config.waitsForReady {
            state = .starting
            return config.startTimeout.isInfinity ? [] : [.armTimer(config.startTimeout)]
        }
        state = .running
        return []
    }

    private mutating func childExited(pid: Int32, status: ExitStatus) -> [ServiceAction] {
        if pid == controlPID {
            controlPID = nil
            if state == .stopping(.execStop) { return afterExecStop() }
            return []
        }
        guard pid == mainPID else { return [] }
        mainPID = nil
        let clean = status.isClean(successStatuses: config.successExitStatus)
        var actions: [ServiceAction] = [.log(Note(clean ? .info : .warning, "Main process exited, \(status)"))]
        switch state {
        case .stopping(.execStop):
            if !clean && status != .killed(signal: config.killSignal) { pendingResult = status.failureResult }
            return actions
        case .stopping(.killed):
            pendingResult = pendingResult ?? "timeout"
        case .stopping(.signalled):
            if !clean && status != .killed(signal: config.killSignal) { pendingResult = status.failureResult }
        case .starting where clean:
            pendingResult = "protocol"
            actions.append(.log(Note(.error, "Main process exited before READY=1.")))
        default:
            if !clean { pendingResult = status.failureResult }
        }
        // Whatever the main process left in its group goes with it.
        actions.append(.signalGroup(pid: pid, signal: config.killSignal))
        actions.append(.signalGroup(pid: pid, signal: 18))
        return actions + finish(result: pendingResult, nil)
    }

    private mutating func notify(_ message: NotifyMessage, sender: Int32) -> [ServiceAction] {
        guard config.notifyAccepted(from: sender, mainPID: mainPID, controlPID: controlPID) else {
            return [.log(Note(.debug, "Got notification message from PID \(sender), but reception only permitted for main PID \(mainPID.map(String.init) ?? "none"), ignoring."))]
        }
        var actions: [ServiceAction] = []
        if let status = message.status { statusText = status }
        if let pid = message.mainPID, pid > 1, pid != mainPID {
            mainPID = pid
            actions.append(.log(Note(.info, "Main PID changed to \(pid).")))
        }
        if message.ready && state == .starting {
            state = .running
            actions.append(.cancelTimer)
            actions.append(.log(Note(.info, "Service is ready.")))
        }
        if message.stopping, state == .starting || state == .running {
            actions.append(.log(Note(.info, "Service is stopping.")))
        }
        return actions
    }

    private mutating func requestStop() -> [ServiceAction] {
        switch state {
        case .spawning:
            return finish(result: nil, nil)
        case .starting, .running:
            guard mainPID != nil else { return finish(result: nil, nil) }
            if config.hasExecStop {
                state = .stopping(.execStop)
                return [.cancelTimer, .spawnStop] + armStopTimer()
            }
            return [.cancelTimer] + sendKillSignal()
        default:
            return []
        }
    }

    private mutating func afterExecStop() -> [ServiceAction] {
        guard mainPID != nil else { return finish(result: pendingResult, nil) }
        return [.cancelTimer] + sendKillSignal()
    }

    private mutating func sendKillSignal() -> [ServiceAction] {
        state = .stopping(.signalled)
        guard let pid = mainPID else { return finish(result: pendingResult, nil) }
        return [.signalGroup(pid: pid, signal: config.killSignal), .signalGroup(pid: pid, signal: 18)]
            + armStopTimer()
    }

    private func armStopTimer() -> [ServiceAction] {
        config.stopTimeout.isInfinity ? [] : [.armTimer(config.stopTimeout)]
    }

    private mutating func timerFired() -> [ServiceAction] {
        switch state {
        case .starting:
            pendingResult = "timeout"
            return [.log(Note(.error, "Start operation timed out. Terminating."))] + requestStopFromStart()
        case .stopping(.execStop):
            return [.log(Note(.warning, "Stopping timed out. Terminating."))] + sendKillSignal()
        case .stopping(.signalled):
            pendingResult = "timeout"
            guard config.sendSIGKILL, let pid = mainPID else {
                return [.log(Note(.warning, "State 'stop-sigterm' timed out. Skipping SIGKILL."))]
                    + finish(result: "timeout", nil)
            }
            state = .stopping(.killed)
            return [.log(Note(.warning, "State 'stop-sigterm' timed out. Killing.")),
                    .signalGroup(pid: pid, signal: 9)] + armStopTimer()
        case .stopping(.killed):
            return [.log(Note(.warning, "Processes still around after SIGKILL. Ignoring."))]
                + finish(result: "timeout", nil)
        default:
            return []
        }
    }

    private mutating func requestStopFromStart() -> [ServiceAction] {
        state = .running
        return requestStop()
    }

    /// Ends the run: inactive on success, failed with `result` otherwise.
    private mutating func finish(result: String?, _ note: Note?) -> [ServiceAction] {
        var actions: [ServiceAction] = note.map { [.log($0)] } ?? []
        actions.append(.cancelTimer)
        mainPID = nil
        if let result {
            state = .failed(result: result)
            actions.append(.log(Note(.warning, "Failed with result '\(result)'.")))
        } else {
            state = .inactive
            actions.append(.log(Note(.info, "Deactivated successfully.")))
        }
        actions.append(.becameInactive)
        return actions
    }
}
