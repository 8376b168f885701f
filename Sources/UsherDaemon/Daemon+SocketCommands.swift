// A socket unit's own commands in the daemon, for Accept=no and Accept=yes
// units alike: performing what SocketCommands returns (spawning ExecStartPre=…
// as control processes of the socket, binding and closing around them,
// TimeoutSec= timers, signals, the final kill of what the commands left), and
// handing the outcome to the unit's machine: listening, or failed with the
// commands' result. A usherd that is stopping waits for the stop commands.
import Activation
import Launch
import UnitModel
import UsherSys

extension Daemon {
    /// Starts an Accept=no unit with commands: its runtime exists unbound until ExecStartPre= is done.
    func startWithCommands(_ unit: SocketUnit, _ commands: SocketCommands) {
        let machine = SocketMachine(unit: unit)
        var runtime = SocketRuntime(unit: Shared(unit), machine: machine, bound: nil, sources: [], commands: commands)
        runtime.times.record(from: .inactive, to: .activating, at: realtimeMicroseconds())
        units.sockets[unit.name] = runtime
        units.socketUnitsChanged()
        runSocketCommands(unit.name) { $0.start() }
    }

    /// The unit's own commands, of an Accept=no or an Accept=yes socket.
    func socketCommands(of name: UnitName) -> SocketCommands? {
        units.sockets[name]?.commands ?? units.acceptSockets[name]?.commands
    }

    /// A bound unit with commands, or whose earlier commands (before a reload took them away) left
    /// sessions, closes through them (ExecStopPre=, close, ExecStopPost=, the final kill); true when
    /// they took the close over. While they run a stop already, a start remembered for its end is forgotten.
    func closeThroughCommands(_ name: UnitName, bound: Bool) -> Bool {
        guard let commands = socketCommands(of: name) else { return false }
        // systemd 252's socket_stop in a stop state: already on it; the run closes the listeners itself.
        if commands.isStopping {
            runSocketCommands(name) { $0.stop() }
            return true
        }
        guard bound, commands.hasCommands || !commands.sessions.isEmpty, !commands.isBusy else { return false }
        runSocketCommands(name) { $0.stop() }
        return true
    }

    /// A unit with commands binds again through them (ExecStartPre=, bind, ExecStartPost=) when it is
    /// unbound, or when they run a stop (which closes what is still bound): then the start follows the
    /// stop's end; a start they run already is the reopening. True when they own the reopening.
    func reopenThroughCommands(_ name: UnitName, bound: Bool) -> Bool {
        guard let commands = socketCommands(of: name), commands.hasCommands, !bound || commands.isBusy else { return false }
        runSocketCommands(name) { $0.start() }
        return true
    }

    /// Changes the unit's commands with `body` and performs what they return.
    func runSocketCommands(_ name: UnitName, _ body: (inout SocketCommands) -> [SocketCommandAction]) {
        let actions: [SocketCommandAction]
        if let changed = units.sockets[name]?.update({ body(&$0.commands) }) {
            actions = changed
        } else if let runtime = units.acceptSockets[name] {
            actions = body(&runtime.commands)
        } else {
            units.noteSocketAwaitingLeftovers(name, false)
            return
        }
        for action in actions { perform(action, socket: name) }
        units.noteSocketAwaitingLeftovers(name, socketCommands(of: name)?.awaitsLeftovers ?? false)
        if !controlWaiters.isEmpty { settleControlWaiters(for: name) }
        // A run ends in `.finished` (a stop's) or `.listening` (a start's): either may let a socket removed
        // by a reload be dropped, and a re-exec go on.
        if units.retiring.contains(name) && socketCommands(of: name)?.isBusy == false { dropStoppedRetiringUnits() }
        reexecAfterSocketCommands()
    }


    /// Whether a socket's commands still run (usherd waits for them before it exits).
    var socketCommandsRunning: Bool {
        units.sockets.values.contains { $0.commands.isBusy } || units.acceptSockets.values.contains { $0.commands.isBusy }
    }

    private func perform(_ action: SocketCommandAction, socket name: UnitName) {
        switch action {
        case .spawn(let phase, let index):
            spawnSocketCommand(name, phase, index)
        case .armTimer(let span):
            setCommandTimer(name, try? loop.addTimer(after: span, reporting: .socketCommandTimer(name)))
        case .cancelTimer:
            setCommandTimer(name, nil)
        case .signal(let pid, let signal):
            try? processes.signalGroup(pid, signal)
        case .signalLeftovers(let sessions, let signals):
            signalCommandLeftovers(name, of: sessions, signals)
        case .bind:
            bindForCommands(name)
        case .close:
            units.sockets[name]?.closeListeners()
            units.acceptSockets[name]?.closeListeners()
        case .listening:
            socketCommandsListening(name)
        case .finished(let result):
            socketCommandsFinished(name, result: result)
        case .log(let note):
            log(note, unit: name)
        }
    }

    private func setCommandTimer(_ name: UnitName, _ timer: EventSource?) {
        units.sockets[name]?.commandTimer = timer
        units.acceptSockets[name]?.commandTimer = timer
    }

    private func spawnSocketCommand(_ name: UnitName, _ phase: SocketCommandPhase, _ index: Int) {
        guard let command = socketCommands(of: name)?.commands[phase]?[index] else { return }
        do {
            // A socket unit has no [Service] settings: its commands run as usherd's user, with a service's defaults.
            let launch = try ServiceLauncher.prepareControl(ServiceUnit(name: name), command: command, mainPID: nil,
                                                            context: context)
            let spawned = try spawn(launch, for: name, owner: .socket(name))
            runSocketCommands(name) { $0.spawned(pid: spawned.pid); return [] }
        } catch {
            log(Note(.error, "Failed to spawn \(phase.rawValue)= command: \(error)"), unit: name)
            runSocketCommands(name) { $0.spawnFailed() }
        }
    }

    /// The final kill's step: `signals` to what is left of the commands' sessions, or, with none
    /// left, the end of the final kill at once (reaping tells the machine when the last goes).
    private func signalCommandLeftovers(_ name: UnitName, of sessions: Set<Int32>, _ signals: [Int32]) {
        let left = leftovers(of: sessions)
        guard !left.isEmpty else { return runSocketCommands(name) { $0.leftoversGone() } }
        log(Note(.info, "\(signals.first == 9 ? "Killing" : "Stopping") what the commands left: \(left.summary)."), unit: name)
        send(signals, to: left)
    }

    private func bindForCommands(_ name: UnitName) {
        var ok = false
        if let unit = units.sockets[name]?.sharedUnit,
           let (listeners, sources) = bindListeners(unit, reporting: { _ in .listenerReadable(name) }) {
            units.sockets[name]?.bound = listeners
            units.sockets[name]?.sources = sources
            ok = true
        } else if let runtime = units.acceptSockets[name], let (listeners, sources) = bindAcceptListeners(runtime.sharedUnit) {
            runtime.adopt(listeners, sources: sources)
            ok = true
        }
        runSocketCommands(name) { $0.bound(ok) }
    }

    /// The start is done: a first start watches at once, a start from stopped or failed goes through the machine.
    private func socketCommandsListening(_ name: UnitName) {
        if let runtime = units.sockets[name] {
            guard runtime.machine.state == .listening else { return deliver(.listenersReopened, to: name) }
            units.sockets[name]?.times.record(from: .activating, to: .active, at: realtimeMicroseconds())
            perform(runtime.machine.startActions(), socket: name)
        } else if let runtime = units.acceptSockets[name] {
            let first = runtime.machine.state == .listening
            performAccept(first ? runtime.machine.startActions() : runtime.machine.handle(.listenersReopened), socket: name)
        }
    }

    private func socketCommandsFinished(_ name: UnitName, result: UnitResult?) {
        if let result, var runtime = units.sockets[name] {
            let before = runtime.machine.activeState
            let actions = runtime.machine.commandsFailed(result)
            runtime.times.record(from: before, to: runtime.machine.activeState, at: realtimeMicroseconds())
            units.sockets[name] = runtime
            perform(actions, socket: name)
        } else if let result, let runtime = units.acceptSockets[name] {
            performAccept(runtime.machine.commandsFailed(result), socket: name)
        }
        if shuttingDown { exitOnceSocketCommandsEnd() }
    }
}
