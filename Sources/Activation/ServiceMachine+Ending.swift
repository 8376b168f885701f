// How a run of the service ends: control commands finishing or failing,
// stop requests, timeouts, the kill sequence, ExecStopPost=, and the
// decision between inactive, failed and a Restart= after RestartSec=.
// Part of the pure ServiceMachine.
import UnitModel

extension ServiceMachine {
    mutating func controlExited(_ status: ExitStatus, leftovers: Bool) -> [ServiceAction] {
        controlPID = nil
        let clean = status.isCleanCommand(successStatuses: config.successExitStatus,
                                          successSignals: config.successExitSignals)
        let ignored = !clean && controlPhase.map { config.ignoresFailure(of: $0, index: controlIndex) } == true
        let ok = clean || ignored
        var actions: [ServiceAction] = []
        if !clean {
            let name = state == .stopping(.execStop) ? "ExecStop" : controlPhase?.rawValue ?? "Control"
            actions.append(.log(Note.controlExit(name, status, ignored: ignored)))
        }
        switch state {
        case .startPre:
            guard ok else { return actions + enterStopPost(failure: status.failureResult) }
            if let next = nextCommand(.startPre) { return actions + runControl(.startPre, index: next, timeout: config.startTimeout) }
            state = .spawning
            return actions + [.cancelTimer, .spawnMain]
        case .startPost:
            guard ok else { return actions + enterStop(failure: status.failureResult) }
            if let next = nextCommand(.startPost) { return actions + runControl(.startPost, index: next, timeout: config.startTimeout) }
            actions.append(.cancelTimer)
            // The main process ended while ExecStartPost= ran.
            if mainPID == nil { return actions + afterLastProcess(leftovers: leftovers) }
            state = .running
            return actions
        case .stopping(.execStop):
            return actions + afterExecStop()
        case .stopping:
            return actions + (mainPID == nil ? afterLastProcess(leftovers: leftovers) : [])
        case .stopPost:
            if ok, let next = nextCommand(.stopPost) {
                return actions + runControl(.stopPost, index: next, timeout: config.stopTimeout,
                                            environment: resultEnvironment)
            }
            return actions + enterDead(failure: ok ? nil : status.failureResult)
        case .inactive, .failed, .spawning, .starting, .running, .autoRestart:
            // A control process of a run that already ended: nothing waits for it.
            return actions
        }
    }

    private func nextCommand(_ phase: ExecPhase) -> Int? {
        controlIndex + 1 < config.commandCount(phase) ? controlIndex + 1 : nil
    }

    mutating func controlSpawnFailed(_ reason: String) -> [ServiceAction] {
        let name = state == .stopping(.execStop) ? "ExecStop" : controlPhase?.rawValue ?? "Control"
        let note = ServiceAction.log(Note(.warning, "Failed to run \(name)=: \(reason)"))
        switch state {
        case .stopping(.execStop): return [note] + afterExecStop()
        case .startPre: return [note] + enterStopPost(failure: .resources)
        case .startPost: return [note] + enterStop(failure: .resources)
        case .stopPost: return [note] + enterDead(failure: .resources)
        case .inactive, .failed, .spawning, .starting, .running, .stopping(.signalled), .stopping(.killed), .autoRestart:
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
        case .startPre:
            return [.cancelTimer] + sendKillSignal()
        case .starting, .startPost, .running:
            return enterStop(failure: nil)
        case .inactive, .failed, .stopping, .stopPost:
            return []
        }
    }

    /// Stops a started service: a running ExecStartPost= is killed, then
    /// ExecStop= (when set and the main process lives), then KillSignal=.
    mutating func enterStop(failure: UnitResult?) -> [ServiceAction] {
        if let failure { pendingResult = pendingResult ?? failure }
        var actions: [ServiceAction] = [.cancelTimer]
        if let control = controlPID {
            actions.append(.signalGroup(pid: control, signal: 9))
            controlPID = nil
        }
        guard mainPID != nil else { return actions + enterStopPost(failure: nil) }
        if config.hasExecStop {
            state = .stopping(.execStop)
            return actions + [.spawnStop] + armStopTimer()
        }
        return actions + sendKillSignal()
    }

    mutating func afterExecStop() -> [ServiceAction] {
        guard mainPID != nil else { return enterStopPost(failure: nil) }
        return [.cancelTimer] + sendKillSignal()
    }

    /// KillSignal= (and SIGCONT) to the main and control process groups.
    mutating func sendKillSignal() -> [ServiceAction] {
        state = .stopping(.signalled)
        let targets = [mainPID, controlPID].compactMap { $0 }
        guard !targets.isEmpty else { return enterStopPost(failure: nil) }
        return targets.flatMap { [ServiceAction.signalGroup(pid: $0, signal: config.killSignal), .signalGroup(pid: $0, signal: 18)] }
            + armStopTimer()
    }

    func armStopTimer() -> [ServiceAction] {
        config.stopTimeout.isInfinity ? [] : [.armTimer(config.stopTimeout)]
    }

    mutating func timerFired(now: UInt64) -> [ServiceAction] {
        switch state {
        case .startPre, .starting:
            pendingResult = .timeout
            let what = state == .startPre ? "Start-pre" : "Start"
            let note = ServiceAction.log(Note(.error, "\(what) operation timed out. Terminating."))
            return [note] + (state == .startPre ? [.cancelTimer] + sendKillSignal() : enterStop(failure: nil))
        case .startPost:
            pendingResult = .timeout
            return [.log(Note(.error, "Start-post operation timed out. Stopping."))] + enterStop(failure: nil)
        case .stopping(.execStop):
            return [.log(Note(.warning, "Stopping timed out. Terminating."))] + sendKillSignal()
        case .stopping(.signalled):
            pendingResult = pendingResult ?? .timeout
            let targets = [mainPID, controlPID].compactMap { $0 }
            guard config.sendSIGKILL, !targets.isEmpty || awaitingLeftovers else {
                return [.log(Note(.warning, "State 'stop-sigterm' timed out. Skipping SIGKILL."))] + abandonProcesses()
            }
            state = .stopping(.killed)
            let leftovers: [ServiceAction] = awaitingLeftovers ? [.signalLeftovers(signal: 9)] : []
            return [.log(Note(.warning, "State 'stop-sigterm' timed out. Killing."))]
                + targets.map { .signalGroup(pid: $0, signal: 9) } + leftovers + armStopTimer()
        case .stopping(.killed):
            return [.log(Note(.warning, "Processes still around after SIGKILL. Ignoring."))] + abandonProcesses()
        case .stopPost:
            pendingResult = pendingResult ?? .timeout
            return [.log(Note(.warning, "State 'stop-post' timed out. Terminating."))] + sendKillSignal()
        case .autoRestart:
            restartCount += 1
            return [.log(Note(.info, "Scheduled restart job, restart counter is at \(restartCount)."))]
                + beginStart(now: now)
        case .inactive, .failed, .spawning, .running:
            // A timer of a state already left (a late fire after cancel): nothing to do.
            return []
        }
    }

    private mutating func abandonProcesses() -> [ServiceAction] {
        mainPID = nil
        controlPID = nil
        awaitingLeftovers = false
        return enterStopPost(failure: .timeout)
    }

    /// ExecStopPost= once per run, then the end.
    mutating func enterStopPost(failure: UnitResult?) -> [ServiceAction] {
        if let failure { pendingResult = pendingResult ?? failure }
        guard !stopPostRan, !config.stopPost.isEmpty else { return enterDead(failure: nil) }
        stopPostRan = true
        state = .stopPost
        return runControl(.stopPost, index: 0, timeout: config.stopTimeout, environment: resultEnvironment)
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
        var actions: [ServiceAction] = [.cancelTimer]
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
