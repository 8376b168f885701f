// Re-exec, the new image's side (--deserialize FD): read the state the old
// image saved, take over its fds (made CLOEXEC again), rebuild every runtime
// from its saved machine (its settings derived again from its saved unit)
// without binding anything anew, reap what exited during the exec, and
// answer the control client that asked. If the state cannot be read, start
// fresh but adopt every inherited listener by its address (as socket
// adoption does), and say so loudly: no socket is lost.
import Activation
import Binder
import ControlProtocol
import Launch
import UnitModel
import UsherSys

/// What the previous image handed over: its state (nil when unreadable) and usherd's own fds.
struct ResumeInput {
    var state: ReexecState?
    var failure: String?
    var controlListener: OwnedFD?
    var notifySocket: OwnedFD?
    var requester: OwnedFD?
}

extension Daemon {
    /// Reads the state at `fd` (then closes it); on failure, sorts the inherited fds by what they are.
    func readResumeInput(stateFD fd: Int32, controlPath: String, notifyPath: String) -> ResumeInput {
        let file = OwnedFD(adopting: fd)
        do {
            let state = try ReexecState.decode(try FileReading.readAll(file.raw, object: "usherd-state"),
                                               sharing: loader.directories)
            return ResumeInput(state: state, controlListener: state.controlListener.map(Daemon.takeOver),
                               notifySocket: state.notifySocket.map(Daemon.takeOver),
                               requester: state.requester.map(Daemon.takeOver))
        } catch {
            let orphans = ProcessTree.childrenOfMainThread(Processes.currentPID).map(String.init).joined(separator: " ")
            logger.critical("Cannot read the state of the previous usherd (\(error)): starting afresh, adopting the inherited listeners. The processes it started are no longer supervised (PIDs: \(orphans.isEmpty ? "none" : orphans)).")
            return sortInherited(except: fd, controlPath: controlPath, notifyPath: notifyPath, failure: "\(error)")
        }
    }

    /// A handed-over fd, CLOEXEC again from now on.
    static func takeOver(_ fd: Int32) -> OwnedFD {
        try? Reexec.setCloseOnExec(fd, true)
        return OwnedFD(adopting: fd)
    }

    /// The fallback: listening sockets become inherited listeners, the control and notify
    /// sockets are recognized by path, and every other inherited fd is closed.
    private func sortInherited(except stateFD: Int32, controlPath: String, notifyPath: String,
                               failure: String) -> ResumeInput {
        var input = ResumeInput(failure: failure)
        for raw in options.inheritedFDs where raw != stateFD {
            let fd = Daemon.takeOver(raw)
            let path = (try? Socket.localAddress(raw))?.unixPath
            let listening = (try? SocketOptionName.acceptConnections.get(raw)) == 1
            if path == controlPath {
                if listening { input.controlListener = fd } else { input.requester = fd }
            } else if path == notifyPath {
                input.notifySocket = fd
            } else if listening {
                manager.inherited.append(InheritedListener(fd: fd, name: "reexec"))
            }
        }
        return input
    }

    /// Every runtime rebuilt from `state` (retiring units first known, so they are not
    /// watched again); the journal last, so it is as it was.
    func restore(_ state: ReexecState) {
        units.retiring = Set(state.retiring)
        state.services.forEach(restoreService)
        state.sockets.forEach(restoreSocket)
        state.acceptSockets.forEach(restoreAcceptSocket)
        for saved in state.broken { units.broken[saved.name] = saved.broken }
        startOrder = state.startOrder
        for instance in state.instances { units.own(instance.pid, by: .instance(instance.record)) }
        for instance in state.lingering {
            let template = units.acceptSockets[instance.record.socket]?.templateUnit
            units.lingering[instance.pid] = LingeringInstance(record: instance.record,
                                                              timer: template.flatMap { lingerTimer($0, instance.pid) },
                                                              killed: instance.killed)
        }
        for saved in state.outputs { restoreOutput(saved) }
        journal.saved = state.journal
        for name in state.managerStored {
            let fds = units.sockets[name]?.listeners.map(\.fd) ?? units.acceptSockets[name]?.listeners.map(\.fd) ?? []
            manager.stored[name] = fds.map { FDIdentity(object: ObjectIdentifier($0), raw: $0.raw) }
        }
    }

    private func restoreService(_ saved: SavedService) {
        let name = saved.unit.name
        var runtime = ServiceRuntime(unit: saved.unit, machine: saved.machine)
        runtime.times = saved.times
        runtime.pidfd = saved.pidfd.map(Daemon.takeOver)
        runtime.sessions = Set(saved.sessions)
        runtime.pending = saved.pending
        if let alien = saved.alienMain {
            let pidfd = Daemon.takeOver(alien.pidfd)
            if let source = try? loop.addIO(fd: pidfd.raw, reporting: .alienMainExited(name, pid: alien.pid), object: "PID \(alien.pid)") {
                runtime.alienMain = AlienMain(pid: alien.pid, pidfd: pidfd, source: source)
            }
        }
        let now = monotonicMicroseconds()
        if let deadline = saved.timerDeadline {
            runtime.timer = try? loop.addTimer(after: TimeSpan(microseconds: deadline > now ? deadline - now : 0),
                                               reporting: .serviceTimer(name))
            runtime.timerDeadline = deadline
        }
        if let deadline = saved.watchdogDeadline {
            runtime.watchdog = try? loop.addTimer(after: TimeSpan(microseconds: deadline > now ? deadline - now : 0),
                                                  reporting: .serviceWatchdog(name))
            runtime.watchdogDeadline = deadline
        }
        runtime.sandbox = saved.sandbox.map(restoredSandbox)
        units.services[name] = runtime
        for stored in saved.storedFDs {
            restoreStoredFD(Daemon.takeOver(stored.fd), as: stored.name, poll: stored.poll, service: name)
        }
        resumeWatches(of: name)
        for pid in [saved.machine.mainPID, saved.machine.controlPID].compactMap({ $0 }) where pid != saved.alienMain?.pid {
            units.own(pid, by: .service(name))
        }
    }

    private func restoredSandbox(_ saved: SavedSandbox) -> SandboxPaths {
        var paths = context.sandbox ?? .unplaced
        if let tmp = saved.privateTmp, let varTmp = saved.privateVarTmp { paths.privateTmp = (tmp, varTmp) }
        paths.credentials = saved.credentials
        paths.network = saved.networkNamespace.map { PreparedNamespaces(network: Daemon.takeOver($0)) }
        return paths
    }

    /// What the machine waits for outside it: Type=forking's PID file poll (the start process
    /// already exited), Type=dbus's bus name.
    private func resumeWatches(of name: UnitName) {
        guard let runtime = units.services[name] else { return }
        let machine = runtime.machine
        if runtime.unit.type == .forking, machine.state == .starting, machine.mainPID == nil, machine.controlPID == nil {
            findMainPID(name)
        }
        if runtime.unit.type == .dbus, let busName = runtime.unit.busName,
           machine.isActive || machine.activeState == .activating {
            watchBusName(busName, for: name)
        }
    }

    private func restoreSocket(_ saved: SavedSocket) {
        let name = saved.unit.name
        let shared = Shared(saved.unit)
        var runtime = SocketRuntime(unit: shared, machine: saved.machine, bound: nil, sources: [],
                                    commands: SocketCommands(unit: saved.unit, resuming: saved.commandSessions ?? []))
        runtime.times = saved.times
        if let (bound, sources) = rebind(shared, saved.listeners, reporting: { _ in .listenerReadable(name) }) {
            runtime.bound = bound
            runtime.sources = sources
        }
        if saved.cooldown, let span = saved.machine.cooldown {
            runtime.cooldown = try? loop.addTimer(after: span, reporting: .cooldownElapsed(name))
        }
        units.sockets[name] = runtime
        units.socketUnitsChanged()
        let serviceIdle = units.services[saved.unit.service].map { !$0.machine.isActive && $0.machine.activeState != .activating } ?? true
        if serviceIdle { perform(saved.machine.startActions(), socket: name) }
    }

    private func restoreAcceptSocket(_ saved: SavedAcceptSocket) {
        let name = saved.unit.name
        guard let (template, templateUnit) = loadAcceptTemplate(saved.unit),
              let (stdio, launch) = try? prepareInstances(of: saved.unit, templateUnit) else {
            logger.error("Closing the listeners of \(name): its template cannot be loaded after the re-exec.")
            saved.listeners.forEach { Daemon.takeOver($0).close() }
            return
        }
        let shared = Shared(saved.unit)
        let bound = rebind(shared, saved.listeners, reporting: { .acceptReadable(name, index: $0) })
        let runtime = AcceptRuntime(unit: shared, bound: bound?.0, sources: bound?.1 ?? [], template: template,
                                    templateUnit: templateUnit, launch: launch, stdio: stdio,
                                    commands: SocketCommands(unit: saved.unit, resuming: saved.commandSessions ?? []))
        runtime.restore(machine: saved.machine, times: saved.times, finished: saved.finished)
        if saved.cooldown, let span = saved.machine.cooldown {
            runtime.cooldown = try? loop.addTimer(after: span, reporting: .cooldownElapsed(name))
        }
        units.acceptSockets[name] = runtime
        performAccept(saved.machine.startActions(), socket: name)
    }

    /// The unit's listeners from the handed-over fds (nothing bound anew when they all match).
    private func rebind(_ shared: Shared<SocketUnit>, _ raws: [Int32],
                        reporting event: (Int) -> DaemonEvent) -> (BoundSocket, [EventSource])? {
        guard !raws.isEmpty else { return nil }
        let unit = shared.value
        let fds = raws.map(Daemon.takeOver)
        switch Binder.bind(shared, keeping: Binder.adoptable(fds, for: unit)) {
        case .failure(let failure):
            logger.error("Lost the listeners across the re-exec: \(failure.description)", metadata: ["unit": "\(unit.name)"])
            return nil
        case .success(let bound):
            guard let sources = try? watchSources(for: bound, reporting: event) else {
                Binder.release(bound)
                return nil
            }
            if unit.accept { makeNonBlocking(bound) }
            return (bound, sources)
        }
    }

    private func restoreOutput(_ saved: SavedOutput) {
        do {
            try output.attach(Daemon.takeOver(saved.fd), stream: saved.stream, unit: saved.unit,
                              journalKey: saved.journalKey.full, loop: loop)
        } catch {
            logger.warning("Cannot capture \(saved.stream) of \(saved.unit) after the re-exec: \(error)")
        }
    }

    /// After the loop's sources exist: exits during the exec are reaped, and the client is answered.
    func finishResume(_ input: ResumeInput) {
        reapChildren()
        let listeners = units.sockets.values.reduce(0) { $0 + $1.listeners.count }
            + units.acceptSockets.values.reduce(0) { $0 + $1.listeners.count }
        let processes = units.processCount
        let binary = Reexec.currentExecutable()
        let response: ControlResponse
        if let failure = input.failure {
            response = .failure(.failed, "The new usherd could not read the saved state (\(failure)); it started afresh and adopted \(listeners) listener(s).")
        } else {
            logger.notice("Re-executed \(binary): \(units.names.count) unit(s), \(listeners) listener(s), \(processes) process(es) kept.")
            response = ControlResponse(reexec: ReexecSummary(binary: binary, units: units.names.count,
                                                             processes: processes, listeners: listeners))
        }
        guard let requester = input.requester, let frame = try? ControlProtocol.frame(response) else { return }
        try? requester.setNonBlocking(false)
        try? BlockingIO.writeAll(requester.raw, frame)
    }
}
