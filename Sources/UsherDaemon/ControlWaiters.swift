// Control calls that wait for services: `start` answers once the service is
// active (or failed), `stop` once it is inactive, `restart` once it stopped
// and started again, `reload` once ExecReload= ran, as systemctl waits for its job. Checked after every
// service event while any call waits; a call is answered when all its units are.
import Activation
import ControlProtocol
import UnitModel

/// What a waiting unit must reach.
enum ControlGoal: Equatable {
    case active
    case inactive
    /// Stop first, then start and wait for active.
    case restarted
    /// Wait until the reload state is left; its result is the answer.
    case reloaded
}

struct ControlWait {
    var index: Int
    var unit: UnitName
    var goal: ControlGoal
}

/// One start/stop/restart/reload call with its per-unit outcomes, some still waiting.
final class PendingControlCall {
    let client: ControlClientID
    var outcomes: [UnitOutcome?]
    var waits: [ControlWait] = []

    init(client: ControlClientID, count: Int) {
        self.client = client
        outcomes = Array(repeating: nil, count: count)
    }
}

extension Daemon {
    /// Resolves the waits that `name` (or, with nil, any unit) has reached; answers finished calls.
    func settleControlWaiters(for name: UnitName?) {
        // A restart's start delivers events that would come back here; the outer pass sees their result.
        guard !settlingControlWaiters else { return }
        settlingControlWaiters = true
        defer { settlingControlWaiters = false }
        var index = 0
        while index < controlWaiters.count {
            let call = controlWaiters[index]
            call.waits = call.waits.compactMap { wait in
                guard name == nil || wait.unit == name else { return wait }
                return advance(wait, call)
            }
            if call.waits.isEmpty {
                controlWaiters.remove(at: index)
                let results = call.outcomes.compactMap { $0 }
                control?.reply(call.client, ControlResponse(results: results))
            } else {
                index += 1
            }
        }
    }

    /// The wait still pending after looking at its unit, or nil with the outcome recorded.
    private func advance(_ wait: ControlWait, _ call: PendingControlCall) -> ControlWait? {
        if wait.goal == .reloaded, let service = units.services[wait.unit]?.machine {
            return reloadSettled(wait, call, service)
        }
        if wait.goal == .restarted, socketCommands(of: wait.unit)?.startPending == true {
            // A start remembered for the end of the socket's stop run (a cooldown's reopen) is the one awaited.
            return advance(ControlWait(index: wait.index, unit: wait.unit, goal: .active), call)
        }
        guard let machine = waitedState(of: wait.unit) else {
            call.outcomes[wait.index] = UnitOutcome(unit: wait.unit.full, error: ControlError(.noSuchUnit, "Unit \(wait.unit.full) is gone."))
            return nil
        }
        switch (wait.goal, machine.activeState) {
        case (.inactive, .inactive), (.inactive, .failed), (.active, .active):
            call.outcomes[wait.index] = UnitOutcome(unit: wait.unit.full)
            return nil
        case (.active, .inactive) where machine.result == .success:
            // systemd's start job is done when the unit ends inactive without failure (Type=oneshot).
            call.outcomes[wait.index] = UnitOutcome(unit: wait.unit.full)
            return nil
        case (.active, .inactive), (.active, .failed):
            call.outcomes[wait.index] = UnitOutcome(unit: wait.unit.full, error: Daemon.jobFailed(wait.unit, machine.result))
            return nil
        case (.restarted, .inactive), (.restarted, .failed):
            if units.services[wait.unit] == nil { changeSocket(wait.unit, to: .start) } else { requestStart(wait.unit, triggeredBy: nil) }
            return advance(ControlWait(index: wait.index, unit: wait.unit, goal: .active), call)
        case (.active, .activating), (.active, .deactivating), (.active, .reloading),
             (.inactive, .active), (.inactive, .activating), (.inactive, .deactivating), (.inactive, .reloading),
             (.restarted, .active), (.restarted, .activating), (.restarted, .deactivating), (.restarted, .reloading),
             (.reloaded, _):
            return wait
        }
    }

    /// A reload is done when the service left the reload state: ExecReload='s result, or the run's end.
    private func reloadSettled(_ wait: ControlWait, _ call: PendingControlCall, _ machine: ServiceMachine) -> ControlWait? {
        guard machine.activeState != .reloading else { return wait }
        let result = machine.reloadResult ?? (machine.isActive ? .success : machine.result)
        let error = result == .success ? nil : Daemon.jobFailed(wait.unit, result)
        call.outcomes[wait.index] = UnitOutcome(unit: wait.unit.full, error: error)
        return nil
    }

    /// What a wait looks at: a service's machine, or an Accept=no socket whose own commands run.
    private func waitedState(of name: UnitName) -> (activeState: ActiveState, result: UnitResult)? {
        if let machine = units.services[name]?.machine { return (machine.activeState, machine.result) }
        if let socket = units.sockets[name] {
            return (socket.commands.activeState(over: socket.machine.activeState), socket.machine.result)
        }
        if let socket = units.acceptSockets[name] {
            return (socket.commands.activeState(over: socket.machine.activeState), socket.machine.result)
        }
        return nil
    }
}
