// An Accept=no socket unit's own commands in the daemon: performing what
// SocketCommands returns (spawning ExecStartPre=… as control processes of the
// socket, binding and closing around them, TimeoutSec= timers, signals), and
// handing the outcome to the socket machine: listening, or failed with the
// commands' result. A usherd that is stopping waits for the stop commands.
import Activation
import Launch
import UnitModel
import UsherSys

extension Daemon {
    /// Starts a unit with commands: its runtime exists unbound until ExecStartPre= is done.
    func startWithCommands(_ unit: SocketUnit) {
        let machine = SocketMachine(unit: unit)
        var runtime = SocketRuntime(unit: unit, machine: machine, bound: nil, sources: [],
                                    commands: SocketCommands(unit: unit))
        runtime.times.record(from: .inactive, to: .activating, at: realtimeMicroseconds())
        units.sockets[unit.name] = runtime
        runSocketCommands(unit.name) { $0.start() }
    }

    func runSocketCommands(_ name: UnitName, _ body: (inout SocketCommands) -> [SocketCommandAction]) {
        guard var runtime = units.sockets[name] else { return }
        let actions = body(&runtime.commands)
        units.sockets[name] = runtime
        for action in actions { perform(action, socket: name) }
        if !controlWaiters.isEmpty { settleControlWaiters(for: name) }
    }

    /// The socket's ActiveState with its commands counted: activating during ExecStartPre=/
    /// ExecStartPost=, deactivating during ExecStopPre=/ExecStopPost=, as systemd.
    func socketActiveState(_ runtime: SocketRuntime) -> ActiveState {
        switch runtime.commands.phase {
        case .startPre?, .startPost?: return .activating
        case .stopPre?, .stopPost?: return .deactivating
        case nil: return runtime.machine.activeState
        }
    }

    private func perform(_ action: SocketCommandAction, socket name: UnitName) {
        switch action {
        case .spawn(let phase, let index):
            spawnSocketCommand(name, phase, index)
        case .armTimer(let span):
            units.sockets[name]?.commandTimer = try? loop.addTimer(after: span, reporting: .socketCommandTimer(name))
        case .cancelTimer:
            units.sockets[name]?.commandTimer = nil
        case .signal(let pid, let signal):
            try? processes.signalGroup(pid, signal)
        case .bind:
            bindForCommands(name)
        case .close:
            units.sockets[name]?.closeListeners()
        case .listening:
            socketCommandsListening(name)
        case .finished(let result):
            socketCommandsFinished(name, result: result)
        case .log(let note):
            log(note, unit: name)
        }
    }

    private func spawnSocketCommand(_ name: UnitName, _ phase: SocketCommandPhase, _ index: Int) {
        guard let runtime = units.sockets[name], let command = runtime.commands.commands[phase]?[index] else { return }
        do {
            // A socket unit has no [Service] settings: its commands run as usherd's user, with a service's defaults.
            let launch = try ServiceLauncher.prepareControl(ServiceUnit(name: name), command: command, mainPID: nil,
                                                            context: context)
            let spawned = try spawn(launch, for: name, owner: .socket(name))
            units.sockets[name]?.commands.spawned(pid: spawned.pid)
        } catch {
            log(Note(.error, "Failed to spawn \(phase.rawValue)= command: \(error)"), unit: name)
            runSocketCommands(name) { $0.spawnFailed() }
        }
    }

    private func bindForCommands(_ name: UnitName) {
        guard let unit = units.sockets[name]?.unit else { return }
        let bound = bindListeners(unit, reporting: { _ in .listenerReadable(name) })
        if let (listeners, sources) = bound {
            units.sockets[name]?.bound = listeners
            units.sockets[name]?.sources = sources
        }
        runSocketCommands(name) { $0.bound(bound != nil) }
    }

    /// The start is done: a first start watches at once, a start from stopped or failed goes through the machine.
    private func socketCommandsListening(_ name: UnitName) {
        guard let runtime = units.sockets[name] else { return }
        if runtime.machine.state == .listening {
            units.sockets[name]?.times.record(from: .activating, to: .active, at: realtimeMicroseconds())
            perform(runtime.machine.startActions(), socket: name)
        } else {
            deliver(.listenersReopened, to: name)
        }
    }

    private func socketCommandsFinished(_ name: UnitName, result: UnitResult?) {
        if let result, var runtime = units.sockets[name] {
            let before = runtime.machine.activeState
            let actions = runtime.machine.commandsFailed(result)
            runtime.times.record(from: before, to: runtime.machine.activeState, at: realtimeMicroseconds())
            units.sockets[name] = runtime
            perform(actions, socket: name)
        }
        if shuttingDown { exitOnceSocketCommandsEnd() }
    }

    /// Whether a socket's commands still run (usherd waits for them before it exits).
    var socketCommandsRunning: Bool {
        units.sockets.values.contains { $0.commands.isBusy }
    }
}
