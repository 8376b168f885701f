// Answers control requests from the runtime state: status snapshots, log
// lines (and following them), and the mutating verbs, each performed through
// the same machine events that traffic and signals use. The ControlServer has
// already framed, decoded and authorized each call. A start, stop, restart or
// reload of a service is answered when the service got there (ControlWaiters).
import Activation
import ControlProtocol
import UnitModel
import UsherSys

extension Daemon {
    /// Answers `call` now, or later through `control.reply` (a verb that waits).
    func answerControl(_ call: ControlCall) {
        let request = call.request
        switch request.verb {
        case .status:
            control?.reply(call.client, statusResponse(request))
        case .logs:
            answerLogs(call)
        case .start, .stop, .restart, .reload:
            changeState(call)
        case .kill:
            control?.reply(call.client, ControlResponse(results: unitNames(request).map { killUnit($0, request) }))
        case .resetFailed:
            let names = request.units.isEmpty ? knownUnitNames() : unitNames(request)
            control?.reply(call.client, ControlResponse(results: names.map(resetFailed)))
        case .daemonReload:
            let summary = reload()
            control?.reply(call.client, summary.map { ControlResponse(reload: $0) }
                           ?? .failure(.failed, "usherd is stopping; not reloading."))
        case .daemonReexec:
            answerReexec(call)
        }
    }

    private func unitNames(_ request: ControlRequest) -> [UnitName] { request.units.map(Daemon.unitName) }

    private static func notFound(_ name: UnitName) -> ControlError {
        ControlError(.noSuchUnit, "Unit \(name.full) could not be found.")
    }

    private func statusResponse(_ request: ControlRequest) -> ControlResponse {
        let names = request.units.isEmpty ? knownUnitNames() : unitNames(request)
        let lines = request.lines ?? (request.units.isEmpty ? 0 : 10)
        var snapshots: [UnitStatus] = []
        var missing: UnitName?
        for name in names {
            if let snapshot = status(of: name, logLines: lines) { snapshots.append(snapshot) } else { missing = missing ?? name }
        }
        return ControlResponse(error: missing.map(Daemon.notFound), units: snapshots)
    }

    // MARK: logs

    private func answerLogs(_ call: ControlCall) {
        guard let first = call.request.units.first else {
            control?.reply(call.client, .failure(.badRequest, "logs needs a unit name."))
            return
        }
        let name = Daemon.unitName(first)
        let key = journalKey(for: name)
        let lines = journal.lines(of: key, limit: call.request.lines ?? 10)
        let isTemplate = units.acceptSockets.values.contains { $0.template.name == name }
        guard !lines.isEmpty || isTemplate || status(of: name, logLines: 0) != nil else {
            control?.reply(call.client, ControlResponse(error: Daemon.notFound(name)))
            return
        }
        let follow = call.request.follow == true
        control?.reply(call.client, ControlResponse(logs: lines), close: !follow)
        if follow { logFollowers[call.client] = key }
    }

    /// Sends a new journal line to every client following its ring.
    func forwardToFollowers(_ key: String, _ makeLine: () -> LogLine) {
        guard !logFollowers.isEmpty, let control else { return }
        var line: LogLine?
        for (client, followed) in logFollowers where followed == key {
            guard control.isOpen(client) else {
                logFollowers[client] = nil
                continue
            }
            let made = line ?? makeLine()
            line = made
            control.reply(client, ControlResponse(logs: [made]), close: false)
        }
    }

    // MARK: start, stop, restart

    private func changeState(_ call: ControlCall) {
        guard !shuttingDown else {
            control?.reply(call.client, .failure(.failed, "usherd is stopping; nothing is started or stopped by request now."))
            return
        }
        let pending = PendingControlCall(client: call.client, count: call.request.units.count)
        for (index, name) in unitNames(call.request).enumerated() {
            if let error = refusal(for: name, call.request.verb) {
                pending.outcomes[index] = UnitOutcome(unit: name.full, error: error)
                continue
            }
            if call.request.verb == .reload, let error = reloadRefusal(for: name) {
                pending.outcomes[index] = UnitOutcome(unit: name.full, error: error)
            } else if units.services[name] != nil {
                let goal = beginServiceChange(name, call.request.verb)
                pending.waits.append(ControlWait(index: index, unit: name, goal: goal))
            } else if socketCommands(of: name)?.hasCommands == true {
                pending.waits.append(ControlWait(index: index, unit: name, goal: beginSocketChange(name, call.request.verb)))
            } else {
                pending.outcomes[index] = changeSocket(name, call.request.verb)
            }
        }
        controlWaiters.append(pending)
        settleControlWaiters(for: nil)
    }

    /// Why `verb` cannot be done to `name` at all, in systemctl's words; nil when it can.
    private func refusal(for name: UnitName, _ verb: ControlVerb) -> ControlError? {
        if let broken = units.broken[name] {
            if broken.refusedForMissingService && (verb == .start || verb == .restart) {
                log(Note(.error, broken.reason), unit: name)
            }
            return ControlError(.failed, "Failed to \(verb.rawValue) \(name.full): \(broken.reason)")
        }
        guard units.hasRuntime(name) else {
            return ControlError(.noSuchUnit, "Failed to \(verb.rawValue) \(name.full): Unit \(name.full) not found.")
        }
        return nil
    }

    /// systemctl's refusals of a reload: a unit without ExecReload= (sockets too), or one that is not active.
    private func reloadRefusal(for name: UnitName) -> ControlError? {
        guard let runtime = units.services[name], !runtime.unit.execReload.isEmpty else {
            return ControlError(.failed, "Failed to reload \(name.full): Job type reload is not applicable for unit \(name.full).")
        }
        switch runtime.machine.state {
        case .running, .exited: return nil
        case .inactive, .failed, .startPre, .spawning, .starting, .startPost, .reloading, .stopping, .stopPost, .autoRestart:
            return ControlError(.failed, "Failed to reload \(name.full): Unit \(name.full) cannot be reloaded because it is inactive.")
        }
    }

    /// Stops and starts a socket unit at once (binding and closing are synchronous).
    private func changeSocket(_ name: UnitName, _ verb: ControlVerb) -> UnitOutcome {
        let events: [SocketEvent] = verb == .stop ? [.stop] : verb == .start ? [.start] : [.stop, .start]
        for event in events { changeSocket(name, to: event) }
        let active = units.sockets[name]?.machine.activeState ?? units.acceptSockets[name]?.machine.activeState
        guard verb != .stop, active != .active else { return UnitOutcome(unit: name.full) }
        let result = units.sockets[name]?.machine.result ?? units.acceptSockets[name]?.machine.result ?? .resources
        return UnitOutcome(unit: name.full, error: Daemon.jobFailed(name, result))
    }

    /// `event` (start or stop) to an Accept=no or Accept=yes socket's machine.
    func changeSocket(_ name: UnitName, to event: SocketEvent) {
        if event == .stop { warnAboutRunningTrigger(name) }
        if units.sockets[name] != nil {
            deliver(event, to: name)
        } else if let runtime = units.acceptSockets[name] {
            performAccept(runtime.machine.handle(event), socket: name)
        }
    }

    /// A socket with its own commands: the reply waits for them, as systemctl waits for the job.
    private func beginSocketChange(_ name: UnitName, _ verb: ControlVerb) -> ControlGoal {
        switch verb {
        case .start:
            // While the stop commands (or their final kill) run, systemd 252's socket_start answers
            // -EAGAIN and the start job waits: the start follows the end of the run, as a restart's.
            if socketCommands(of: name)?.activeState(over: .inactive) == .deactivating { return .restarted }
            changeSocket(name, to: .start)
            return .active
        case .stop:
            changeSocket(name, to: .stop)
            return .inactive
        case .restart:
            changeSocket(name, to: .stop)
            return .restarted
        case .reload, .status, .logs, .kill, .resetFailed, .daemonReload, .daemonReexec:
            // A socket's reload was refused before (reloadRefusal); the rest are not changes.
            return .active
        }
    }

    /// systemd's note when a socket is stopped while the service it triggered runs on.
    private func warnAboutRunningTrigger(_ name: UnitName) {
        guard let service = units.sockets[name]?.unit.service, units.services[service]?.machine.isActive == true else { return }
        log(Note(.warning, "Stopping '\(name.full)', but its triggering units are still active: \(service.full)"), unit: name)
    }

    private func beginServiceChange(_ name: UnitName, _ verb: ControlVerb) -> ControlGoal {
        switch verb {
        case .start:
            requestStart(name, triggeredBy: nil)
            return .active
        case .stop:
            deliver(.stopRequested, toService: name)
            return .inactive
        case .restart:
            guard units.services[name]?.machine.isActive == true else {
                requestStart(name, triggeredBy: nil)
                return .active
            }
            deliver(.restartStopRequested, toService: name)
            return .restarted
        case .reload:
            deliver(.reloadRequested, toService: name)
            return .reloaded
        case .status, .logs, .kill, .resetFailed, .daemonReload, .daemonReexec:
            return .active
        }
    }

    static func jobFailed(_ name: UnitName, _ result: UnitResult) -> ControlError {
        ControlError(.failed, "Job for \(name.full) failed with result '\(result.rawValue)'. See \"usherctl status \(name.full)\" for details.")
    }

    // MARK: kill, reset-failed

    private func killUnit(_ name: UnitName, _ request: ControlRequest) -> UnitOutcome {
        if let error = refusal(for: name, .kill) { return UnitOutcome(unit: name.full, error: error) }
        let signal = request.signal ?? Signals.terminate
        guard let runtime = units.services[name] else {
            return UnitOutcome(unit: name.full, error: ControlError(.failed, "Failed to kill unit \(name.full): No process to kill"))
        }
        guard let main = runtime.machine.mainPID else {
            return UnitOutcome(unit: name.full, error: ControlError(.failed, "Failed to kill unit \(name.full): No main process to kill"))
        }
        // The rest of the sessions, then the main process unless it is in one of their groups: each
        // process gets the signal once, and only it (no SIGCONT), as systemctl kill sends it.
        let rest = request.killWhom == .main ? Leftovers() : leftovers(of: runtime.sessions)
        send([signal], to: rest)
        if !groups(Set(rest.groups), reach: main) {
            if let pidfd = runtime.pidfd { try? processes.signal(pidfd: pidfd, signal) } else { processes.signal(pid: main, signal) }
        }
        return UnitOutcome(unit: name.full)
    }

    private func resetFailed(_ name: UnitName) -> UnitOutcome {
        if units.sockets[name] != nil {
            deliver(.resetFailed, to: name)
        } else if let runtime = units.acceptSockets[name] {
            performAccept(runtime.machine.handle(.resetFailed), socket: name)
        } else if units.services[name] != nil {
            deliver(.resetFailed, toService: name)
        } else if units.broken[name] == nil {
            return UnitOutcome(unit: name.full, error: Daemon.notFound(name))
        }
        return UnitOutcome(unit: name.full)
    }
}
