// How a run of the service ends: control commands finishing or failing,
// stop requests, timeouts, ExecStop= in order, ExecStopPost=, and the
// decision between inactive, failed and a Restart= after RestartSec=.
// The kill sequence itself is in ServiceMachine+Kill. Part of the pure ServiceMachine.
import UnitModel

extension ServiceMachine {
    mutating func controlExited(_ status: ExitStatus, leftovers: Bool) -> [ServiceAction] {
        controlPID = nil
        let phase = controlPhase
        let clean = status.isCleanCommand(successStatuses: config.successExitStatus,
                                          successSignals: config.successExitSignals)
        let ignored = !clean && phase.map { config.ignoresFailure(of: $0, index: controlIndex) } == true
        let ok = clean || ignored
        var actions: [ServiceAction] = []
        if !clean {
            actions.append(.log(Note.controlExit(phase?.rawValue ?? "Control", status, ignored: ignored)))
        }
        if ok, let phase, let next = nextCommand(phase), continuesList(phase) {
            let timeout = phase == .stop || phase == .stopPost ? config.stopTimeout : config.startTimeout
            let environment = phase == .stop || phase == .stopPost ? resultEnvironment : []
            return actions + runControl(phase, index: next, timeout: timeout, environment: environment)
        }
        return actions + controlListEnded(ok: ok, status: status, leftovers: leftovers)
    }

    /// Whether the state still runs the list `phase` (a killed ExecStartPost= does not go on).
    private func continuesList(_ phase: ExecPhase) -> Bool {
        let running: State?
        switch phase {
        case .startPre: running = .startPre
        case .start: running = nil
        case .startPost: running = .startPost
        case .reload: running = .reloading
        case .stop: running = .stopping(.execStop)
        case .stopPost: running = .stopPost
        }
        return running == state
    }

    /// The last command of the running list ended (or one failed).
    private mutating func controlListEnded(ok: Bool, status: ExitStatus, leftovers: Bool) -> [ServiceAction] {
        switch state {
        case .startPre:
            guard ok else { return enterStopPost(failure: status.failureResult) }
            state = .spawning
            return [.cancelTimer, .spawnMain]
        case .starting where controlPhase == .start:
            // Type=forking: the parent exited; the daemon it left is the service.
            guard ok else { return [.cancelTimer] + failStart(status.failureResult) }
            return [.findMainPID]
        case .startPost:
            // A failing ExecStartPost= goes to the kill sequence without ExecStop=.
            guard ok else { return [.cancelTimer] + failStart(status.failureResult) }
            return [.cancelTimer] + enterRunning()
        case .reloading:
            reloadResult = ok ? .success : status.failureResult
            return [.cancelTimer] + enterRunning()
        case .stopping(.execStop):
            // A failing ExecStop= skips the rest and fails the run, as in systemd.
            if !ok { pendingResult = pendingResult ?? status.failureResult }
            return [.cancelTimer] + sendKillSignal()
        case .stopping:
            return mainPID == nil ? afterLastProcess(leftovers: leftovers) : []
        case .stopPost:
            return enterDead(failure: ok ? nil : status.failureResult)
        case .inactive, .failed, .spawning, .starting, .running, .exited, .autoRestart:
            // A control process of a run that already ended: nothing waits for it.
            return []
        }
    }

    private func nextCommand(_ phase: ExecPhase) -> Int? {
        controlIndex + 1 < config.commandCount(phase) ? controlIndex + 1 : nil
    }

    mutating func controlSpawnFailed(_ reason: String) -> [ServiceAction] {
        let note = ServiceAction.log(Note(.warning, "Failed to run \(controlPhase?.rawValue ?? "Control")=: \(reason)"))
        switch state {
        case .stopping(.execStop):
            pendingResult = pendingResult ?? .resources
            return [note, .cancelTimer] + sendKillSignal()
        case .startPre: return [note] + enterStopPost(failure: .resources)
        case .startPost: return [note, .cancelTimer] + failStart(.resources)
        case .reloading:
            reloadResult = .resources
            return [note, .cancelTimer] + enterRunning()
        case .stopPost: return [note] + enterDead(failure: .resources)
        case .inactive, .failed, .spawning, .starting, .running, .exited, .stopping(.signalled), .stopping(.watchdog),
             .stopping(.killed), .autoRestart:
            return [note]
        }
    }

    mutating func requestStop() -> [ServiceAction] {
        switch state {
        case .spawning:
            return enterDead(failure: nil)
        case .autoRestart:
            state = .inactive
            return [.cancelTimer, .log(Note(.info, "Pending restart cancelled."))]
        case .startPre, .starting, .startPost, .reloading:
            // systemd stops a start or reload in progress without ExecStop=.
            return [.cancelTimer] + sendKillSignal()
        case .running, .exited:
            return enterStop(failure: nil)
        case .inactive, .failed, .stopping, .stopPost:
            return []
        }
    }

    /// Stops a started service: a running ExecStartPost=/ExecReload= is killed,
    /// then every ExecStop= line in order (also after the main process ended by
    /// itself), then the kill sequence for what is left.
    mutating func enterStop(failure: UnitResult?) -> [ServiceAction] {
        if let failure { pendingResult = pendingResult ?? failure }
        var actions: [ServiceAction] = [.cancelTimer] + stopWatchdog()
        if let control = controlPID {
            actions.append(.signalGroup(pid: control, signal: 9))
            controlPID = nil
        }
        if config.hasExecStop {
            state = .stopping(.execStop)
            return actions + runControl(.stop, index: 0, timeout: config.stopTimeout, environment: resultEnvironment)
        }
        return actions + sendKillSignal()
    }

    /// A start that failed before the service ran: no ExecStop=, straight to the kill sequence.
    mutating func failStart(_ result: UnitResult) -> [ServiceAction] {
        pendingResult = pendingResult ?? result
        return sendKillSignal()
    }

    func armStopTimer(_ span: TimeSpan? = nil) -> [ServiceAction] {
        let timeout = span ?? config.stopTimeout
        return timeout.isInfinity ? [] : [.armTimer(timeout)]
    }

    /// ExecStopPost= once per run, then the end.
    mutating func enterStopPost(failure: UnitResult?) -> [ServiceAction] {
        if let failure { pendingResult = pendingResult ?? failure }
        guard !stopPostRan, config.commandCount(.stopPost) > 0 else { return enterDead(failure: nil) }
        stopPostRan = true
        state = .stopPost
        return stopWatchdog() + runControl(.stopPost, index: 0, timeout: config.stopTimeout, environment: resultEnvironment)
    }

    /// SERVICE_RESULT=, and EXIT_CODE=/EXIT_STATUS= when the main process
    /// ended, as systemd sets them for ExecStop= and ExecStopPost=.
    public var resultEnvironment: [ExtraVariable] {
        var variables = [ExtraVariable("SERVICE_RESULT", (pendingResult ?? .success).rawValue)]
        if let mainExit {
            variables.append(ExtraVariable("EXIT_CODE", mainExit.codeName))
            variables.append(ExtraVariable("EXIT_STATUS", mainExit.statusText))
        }
        return variables
    }

    /// Ends the run: a restart after RestartSec= when Restart= says so,
    /// otherwise inactive on success and failed with the result otherwise.
    mutating func enterDead(failure: UnitResult?) -> [ServiceAction] {
        if let failure { pendingResult = pendingResult ?? failure }
        mainPID = nil
        controlPID = nil
        controlPhase = nil
        mainUnknown = false
        awaitingLeftovers = false
        var actions: [ServiceAction] = [.cancelTimer] + stopWatchdog()
        if let result = pendingResult {
            actions.append(.log(Note(.warning, "Failed with result '\(result)'.")))
        } else {
            actions.append(.log(Note(.info, "Deactivated successfully.")))
        }
        if !forbidRestart && config.shouldRestart(result: pendingResult, mainExit: mainExit) {
            state = .autoRestart
            if config.restartSec.microseconds == 0 {
                actions.append(.log(Note(.info, "Service has no hold-off time (RestartSec=0), scheduling restart.")))
            }
            actions.append(.armTimer(config.restartSec))
        } else {
            state = pendingResult.map { .failed(result: $0) } ?? .inactive
        }
        actions.append(.becameInactive)
        return actions
    }
}
