// The kill sequence as systemd.kill(5) describes it: KillSignal= (WatchdogSignal=
// after a watchdog timeout, RestartKillSignal= for the stop half of an admin's restart,
// but KillSignal= again once ExecStopPost= timed out) then FinalKillSignal= after
// TimeoutStopSec=, sent as KillMode= says (control-group: the process groups and what
// is left of the sessions; mixed: the main process first, everything at the final
// signal; process: main and control process only; none: nothing), each step's signals
// as KillContext.stopSignals(for:) picks and orders them (SIGCONT after all but SIGKILL,
// SendSIGHUP='s SIGHUP after KillSignal= only: systemd 252's unit_kill_context,
// KILL_TERMINATE alone).
// Part of the pure ServiceMachine; the timers of every state are here too.
import UnitModel

extension ServiceMachine {
    /// The first step of the kill sequence (stop-sigterm, or stop-watchdog); after ExecStopPost=
    /// (systemd's final-sigterm) it is always KillSignal=.
    mutating func sendKillSignal(watchdog: Bool = false, afterStopPost: Bool = false) -> [ServiceAction] {
        state = watchdog ? .stopping(.watchdog) : .stopping(.signalled)
        let operation: KillOperation = watchdog ? .watchdog : restarting && !afterStopPost ? .restart : .terminate
        let signals = config.stopSignals(for: operation)
        let targets = [mainPID, controlPID].compactMap { $0 }
        let leftovers = leftoversSeen && config.killMode.signalsTheRest(final: false) && mainPID == nil
        guard config.killMode != .none, !targets.isEmpty || leftovers else { return afterFirstSignal() }
        let actions = killActions(targets, signals: signals, final: false)
        if leftovers { awaitingLeftovers = true }
        return stopWatchdog() + actions + armStopTimer(watchdog ? config.abortTimeout : nil)
    }

    /// Nothing to wait for after the first signal: the final signal (for mixed's
    /// leftovers), or ExecStopPost=.
    private mutating func afterFirstSignal() -> [ServiceAction] {
        if leftoversSeen && mainPID == nil && config.killMode.leftoverStop(sendSIGKILL: config.sendSIGKILL) == .kill {
            state = .stopping(.killed)
            awaitingLeftovers = true
            return stopWatchdog() + leftoverActions(config.stopSignals(for: .kill)) + armStopTimer()
        }
        return stopWatchdog() + enterStopPost(failure: nil)
    }

    /// A stop step's `signals` (KillContext.stopSignals(for:)) in turn to each target as KillMode= says:
    /// nothing (none), the targets alone, or their groups and then the rest of the sessions (members
    /// that left the process groups, adopted descendants).
    func killActions(_ targets: [Int32], signals: [Int32], final: Bool) -> [ServiceAction] {
        guard config.killMode != .none else { return [] }
        guard config.killMode.signalsTheRest(final: final) else {
            return targets.flatMap { pid in signals.map { ServiceAction.signalProcess(pid: pid, signal: $0) } }
        }
        let groups = targets.flatMap { pid in signals.map { ServiceAction.signalGroup(pid: pid, signal: $0) } }
        return groups + leftoverActions(signals)
    }

    /// A stop step's `signals` in turn to what is left of the service's sessions: one action, so the
    /// daemon looks the leftovers up once per step.
    func leftoverActions(_ signals: [Int32]) -> [ServiceAction] {
        [.signalLeftovers(signals: signals)]
    }

    mutating func timerFired(now: UInt64) -> [ServiceAction] {
        switch state {
        case .startPre, .starting:
            let what = state == .startPre ? "Start-pre" : "Start"
            return [.log(Note(.error, "\(what) operation timed out. Terminating."))] + failStart(.timeout)
        case .startPost:
            pendingResult = pendingResult ?? .timeout
            return [.log(Note(.error, "Start-post operation timed out. Stopping."))] + enterStop(failure: nil)
        case .reloading:
            reloadResult = .timeout
            var actions: [ServiceAction] = [.log(Note(.warning, "Reload operation timed out. Killing reload process."))]
            if let control = controlPID { actions.append(.signalGroup(pid: control, signal: 9)) }
            controlPID = nil
            return actions + enterRunning()
        case .stopping(.execStop):
            pendingResult = pendingResult ?? .timeout
            return [.log(Note(.warning, "Stopping timed out. Terminating."))] + sendKillSignal()
        case .stopping(.signalled), .stopping(.watchdog):
            return finalSignal()
        case .stopping(.killed):
            return [.log(Note(.warning, "Processes still around after SIGKILL. Ignoring."))]
                + abandonProcesses()
        case .stopPost:
            pendingResult = pendingResult ?? .timeout
            return [.log(Note(.warning, "State 'stop-post' timed out. Terminating."))] + sendKillSignal(afterStopPost: true)
        case .autoRestart:
            restartCount += 1
            return [.log(Note(.info, "Scheduled restart job, restart counter is at \(restartCount)."))]
                + beginStart(now: now)
        case .inactive, .failed, .spawning, .running, .exited:
            // A timer of a state already left (a late fire after cancel): nothing to do.
            return []
        }
    }

    /// TimeoutStopSec= passed after KillSignal=: FinalKillSignal= to everything, unless SendSIGKILL=no.
    private mutating func finalSignal() -> [ServiceAction] {
        let stateName = subState
        pendingResult = pendingResult ?? .timeout
        let targets = [mainPID, controlPID].compactMap { $0 }
        guard config.sendSIGKILL, config.killMode != .none, !targets.isEmpty || awaitingLeftovers else {
            return [.log(Note(.warning, "State '\(stateName)' timed out. Skipping SIGKILL."))] + abandonProcesses()
        }
        state = .stopping(.killed)
        let signals = config.stopSignals(for: .kill)
        var actions = killActions(targets, signals: signals, final: true)
        if awaitingLeftovers && !actions.contains(.signalLeftovers(signals: signals)) {
            actions += leftoverActions(signals)
        }
        return [.log(Note(.warning, "State '\(stateName)' timed out. Killing."))] + actions + armStopTimer()
    }

    private mutating func abandonProcesses() -> [ServiceAction] {
        mainPID = nil
        controlPID = nil
        awaitingLeftovers = false
        return enterStopPost(failure: .timeout)
    }
}
