// Re-exec, the old image's side (`usherctl daemon-reexec`, SIGUSR2): wait for the
// socket units' own commands to finish, stop admitting Accept=yes connections until
// the spawner has handed back every pending instance, save the state (ReexecState) into a memfd, make
// exactly the handed-over fds inheritable, and execv the binary with
// --deserialize. If execv fails, everything is made CLOEXEC again, accepting
// resumes and the failure is answered: usherd goes on as it was.
// The new image's side: Daemon+Resume.
import Activation
import ControlProtocol
import UnitModel
import UsherSys

/// A re-exec waiting for the socket units' commands, then for the Accept=yes spawner's pending spawns.
struct PendingReexec {
    var binary: String
    /// The control client that asked (nil: SIGUSR2); the new image answers it.
    var client: ControlClientID?
    var timer: EventSource?
    /// Accept=yes listeners are no longer polled: the socket units' commands were done.
    var acceptPaused = false
}

extension Daemon {
    /// Spawner results are polled this often while a re-exec waits for them.
    static let reexecPoll = TimeSpan.milliseconds(5)

    /// From the control socket: only root (or usherd's own uid) may name another binary.
    func answerReexec(_ call: ControlCall) {
        if call.request.binary != nil && call.peer.uid != 0 && call.peer.uid != Users.effectiveUID {
            control?.reply(call.client, .failure(.accessDenied, "Only root may name the binary to execute."))
            return
        }
        requestReexec(binary: call.request.binary, client: call.client)
    }

    func requestReexec(binary: String?, client: ControlClientID?) {
        guard !shuttingDown, reexec == nil else {
            let why = shuttingDown ? "usherd is stopping" : "a re-exec is already under way"
            logger.warning("Not re-executing: \(why).")
            if let client { control?.reply(client, .failure(.failed, "Not re-executing: \(why).")) }
            return
        }
        let path = binary ?? Reexec.currentExecutable()
        reexec = PendingReexec(binary: path, client: client)
        // A run of a socket's commands is not in the saved state: it finishes first, while accepting goes on.
        if socketCommandsRunning { return logger.notice("Re-executing \(path): waiting for socket units' own commands.") }
        pauseAcceptingForReexec()
        reexecWhenQuiet()
    }

    /// usherd is stopping: a re-exec still waiting (for socket commands or spawns) does not happen.
    func dropPendingReexec() {
        guard let pending = reexec else { return }
        reexec = nil
        logger.warning("Not re-executing: usherd is stopping.")
        if let client = pending.client { control?.reply(client, .failure(.failed, "Not re-executing: usherd is stopping.")) }
    }

    /// A socket's commands finished (or went with their unit): a re-exec that waited for them all goes
    /// on from the loop's next turn, once the event at hand (its replies, its waiters) is handled.
    func reexecAfterSocketCommands() {
        guard let pending = reexec, pending.timer == nil, !socketCommandsRunning else { return }
        if !pending.acceptPaused { pauseAcceptingForReexec() }
        reexec?.timer = try? loop.addTimer(after: Daemon.reexecPoll, reporting: .reexecDue)
    }

    private func pauseAcceptingForReexec() {
        guard let binary = reexec?.binary else { return }
        logger.notice("Re-executing \(binary): waiting for pending Accept=yes spawns.")
        for runtime in units.acceptSockets.values { runtime.sources.forEach { $0.setEnabled(false) } }
        reexec?.acceptPaused = true
    }

    /// Execs once no Accept=yes spawn is pending; polls the spawner until then. A run of a socket's
    /// commands begun since is waited for without polling: its end calls reexecAfterSocketCommands.
    func reexecWhenQuiet() {
        guard var pending = reexec, pending.acceptPaused else { return }
        pending.timer = nil
        collectSpawnResults()
        if socketCommandsRunning {
            reexec = pending
            return
        }
        guard units.pendingInstances.isEmpty else {
            pending.timer = try? loop.addTimer(after: Daemon.reexecPoll, reporting: .reexecDue)
            reexec = pending
            return
        }
        reexec = nil
        execute(pending)
    }

    private func execute(_ pending: PendingReexec) {
        let state = savedState(requester: pending.client.flatMap { control?.connectionFD($0) })
        let handedOver = state.handedOver
        do {
            let bytes = try state.encoded()
            let file = try Reexec.stateFile(bytes)
            try handedOver.forEach { try Reexec.setCloseOnExec($0, false) }
            logger.notice("Re-executing \(pending.binary): \(bytes.count) bytes of state, \(handedOver.count) fd(s) handed over.")
            try Reexec.execute(pending.binary, arguments: reexecArguments(stateFD: file.raw))
        } catch {
            handedOver.forEach { try? Reexec.setCloseOnExec($0, true) }
            reexecFailed(pending, error)
        }
    }

    /// usherd's own command line again, with --deserialize FD (argv[0] stays as it was).
    private func reexecArguments(stateFD: Int32) -> [String] {
        var arguments = options.commandLine.isEmpty ? ["usherd"] : options.commandLine
        if case .privateTemporary = options.runtimeLocation, let runtime { arguments += ["--runtime-dir", runtime.path] }
        arguments += ["--deserialize", "\(stateFD)"]
        return arguments
    }

    private func reexecFailed(_ pending: PendingReexec, _ error: any Error) {
        logger.error("Re-exec failed, usherd goes on as it was: \(error)")
        for (name, runtime) in units.acceptSockets where runtime.machine.state == .listening && runtime.errorPause == nil {
            performAccept([.watch], socket: name)
        }
        if let client = pending.client { control?.reply(client, .failure(.failed, "\(error)")) }
    }

    /// Everything the next image needs, fds by number (still owned here).
    func savedState(requester: Int32?) -> ReexecState {
        var state = ReexecState()
        state.controlListener = control?.listenerFD
        state.notifySocket = notify?.fd.raw
        state.requester = requester
        state.sockets = units.sockets.values.sorted { $0.unit.name < $1.unit.name }.map {
            SavedSocket(unit: $0.unit, machine: $0.machine, times: $0.times, listeners: $0.listeners.map(\.fd.raw),
                        cooldown: $0.cooldown != nil, commandSessions: Self.saved($0.commands.sessions))
        }
        state.acceptSockets = units.acceptSockets.values.sorted { $0.unit.name < $1.unit.name }.map {
            SavedAcceptSocket(unit: $0.unit, machine: $0.machine, times: $0.times, finished: $0.finished,
                              listeners: $0.listeners.map(\.fd.raw), cooldown: $0.cooldown != nil,
                              commandSessions: Self.saved($0.commands.sessions))
        }
        state.services = units.services.values.sorted { $0.unit.name < $1.unit.name }.map(savedService)
        state.broken = units.broken.sorted { $0.key < $1.key }.map { SavedBroken(name: $0.key, $0.value) }
        state.retiring = units.retiring.sorted()
        state.startOrder = startOrder
        state.instances = units.instances().map { SavedInstance(pid: $0.pid, record: $0.record) }.sorted { $0.pid < $1.pid }
        state.lingering = units.lingering.map { SavedInstance(pid: $0.key, record: $0.value.record, killed: $0.value.killed) }
        state.outputs = output.saved
        state.journal = journal.saved
        state.managerStored = manager.stored.keys.sorted()
        return state
    }

    /// A socket's command sessions as saved: nil when there are none (most sockets), so the key is left out.
    private static func saved(_ sessions: Set<Int32>) -> [Int32]? { sessions.isEmpty ? nil : sessions.sorted() }

    private func savedService(_ runtime: ServiceRuntime) -> SavedService {
        SavedService(unit: runtime.unit, machine: runtime.machine, times: runtime.times, pidfd: runtime.pidfd?.raw,
                     sessions: runtime.sessions.sorted(),
                     alienMain: runtime.alienMain.map { SavedAlienMain(pid: $0.pid, pidfd: $0.pidfd.raw) },
                     pending: runtime.pending, timerDeadline: runtime.timer == nil ? nil : runtime.timerDeadline,
                     watchdogDeadline: runtime.watchdog == nil ? nil : runtime.watchdogDeadline,
                     storedFDs: (units.fdStores[runtime.unit.name]?.entries ?? []).map {
                         SavedStoredFD(name: $0.name, fd: $0.fd.raw, poll: $0.poll)
                     },
                     sandbox: runtime.sandbox.map {
                         SavedSandbox(privateTmp: $0.privateTmp?.tmp, privateVarTmp: $0.privateTmp?.varTmp,
                                      credentials: $0.credentials, networkNamespace: $0.network?.network?.raw)
                     })
    }
}
