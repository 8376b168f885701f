// Socket units in the daemon: loading the unit set, binding every socket up
// front (a unit that fails is logged and left out, the others go on),
// watching listeners, performing the socket machine's actions, and closing
// and reopening the listeners of a failed unit.
import Activation
import Binder
import UnitFile
import UnitModel
import UsherSys

extension Daemon {
    /// Returns the enabled services (linked from a TARGET.wants/ directory), to start next.
    func loadAndBind() -> [UnitName] {
        readInheritedListeners()
        defer { closeUnadoptedListeners() }
        let set = loader.loadAll(run: Threads.concurrentPerform)
        record(set)
        for service in set.services {
            UnsupportedSettings.notes(for: service).forEach { log($0, unit: service.name) }
            units.services[service.name] = ServiceRuntime(unit: service)
        }
        for socket in set.sockets {
            bindSocket(socket)
        }
        Memory.releaseFreePages()
        return set.enabledServices
    }

    /// Logs a loaded set's diagnostics and masked units, and marks its refused units broken
    /// (a reload keeps a refused unit that has a working definition: see Daemon+Reload).
    func record(_ set: UnitSet) {
        let now = realtimeMicroseconds()
        for diagnostic in set.diagnostics {
            let note = Note(diagnostic.severity == .error ? .error : .warning, diagnostic.text)
            logger.log(level: note.level == .error ? .error : .warning, "\(note.text)",
                       metadata: ["unit": "\(diagnostic.unit)"])
            journal.append(key: diagnostic.unit, unit: diagnostic.unit, source: .usherd,
                           priority: diagnostic.severity.priority, bytes: Array(diagnostic.text.utf8), at: now)
        }
        for name in set.refused where !units.hasRuntime(name) {
            units.broken[name] = BrokenUnit(loaded: false, reason: set.errors(of: name).joined(separator: "; "))
        }
        for name in set.masked { logger.info("Unit \(name) is masked.") }
    }

    func bindSocket(_ unit: SocketUnit) {
        if unit.accept {
            bindAcceptSocket(unit)
            return
        }
        guard ensureServiceLoaded(unit.service) else {
            serviceNotLoaded(unit)
            return
        }
        let commands = SocketCommands(unit: unit)
        if commands.hasCommands { return startWithCommands(unit, commands) }
        let name = unit.name
        let shared = Shared(unit)
        let machine = SocketMachine(unit: unit)
        // Sources the start actions will watch at once are added enabled: each disable and
        // re-enable was two epoll_ctl calls per listener (20,000 for 10,000 sockets).
        let startActions = machine.startActions()
        let watchAtOnce = startActions.contains(.watch) && mayWatch(name)
        guard let (bound, sources) = bindListeners(shared, enabled: watchAtOnce,
                                                   reporting: { _ in .listenerReadable(name) }) else {
            markBindFailed(name)
            return
        }
        var runtime = SocketRuntime(unit: shared, machine: machine, bound: bound, sources: sources, commands: commands)
        runtime.times.record(from: .inactive, to: machine.activeState, at: realtimeMicroseconds())
        units.sockets[name] = runtime
        units.socketUnitsChanged()
        perform(startActions, socket: name)
    }

    /// Whether a socket's listeners may be watched now: not while usherd stops or the unit retires.
    func mayWatch(_ name: UnitName) -> Bool { !shuttingDown && !units.retiring.contains(name) }

    /// A unit whose listeners could not be bound at start-up: failed, left out.
    func markBindFailed(_ name: UnitName) {
        log(Note(.error, "Failed with result 'resources'."), unit: name)
        units.broken[name] = BrokenUnit(loaded: true, reason: lastBindFailure ?? "Failed to listen.")
    }

    /// A socket whose service does not exist: systemd's refusal, and the unit left out.
    func serviceNotLoaded(_ unit: SocketUnit) {
        let text = "Socket service \(unit.service) not loaded, refusing."
        log(Note(.error, text), unit: unit.name)
        units.broken[unit.name] = BrokenUnit(loaded: true, reason: text, refusedForMissingService: true)
    }

    /// Binds every listener of `unit` and adds an io source for each, disabled unless
    /// `enabled` (listener index → event); logs the failure (unit, address, reason) and returns nil.
    func bindListeners(_ shared: Shared<SocketUnit>, enabled: Bool = false,
                       reporting event: (Int) -> DaemonEvent) -> (BoundSocket, [EventSource])? {
        let unit = shared.value
        switch Binder.bind(shared, keeping: adoptableListeners(for: unit)) {
        case .failure(let failure):
            logger.error("\(failure.description)", metadata: ["unit": "\(unit.name)"])
            lastBindFailure = failure.description
            return nil
        case .success(let bound):
            recordAdoptions(bound)
            for warning in bound.warnings { logger.warning("\(warning)", metadata: ["unit": "\(unit.name)"]) }
            do {
                let sources = try watchSources(for: bound, enabled: enabled, reporting: event)
                let addresses = bound.listeners.map(\.localDescription).joined(separator: ", ")
                log(Note(.info, "Listening on \(addresses)."), unit: unit.name)
                return (bound, sources)
            } catch {
                logger.error("\(error)", metadata: ["unit": "\(unit.name)"])
                Binder.release(bound)
                return nil
            }
        }
    }

    /// One io source per listener of `bound` (listener index → event), disabled unless `enabled`.
    func watchSources(for bound: BoundSocket, enabled: Bool = false,
                      reporting event: (Int) -> DaemonEvent) throws -> [EventSource] {
        let sources = try bound.listeners.indices.map { index in
            try loop.addIO(fd: bound.listeners[index].fd.raw, reporting: event(index),
                           object: "\(bound.unit.name) \(bound.listeners[index].localDescription)")
        }
        if !enabled { sources.forEach { $0.setEnabled(false) } }
        return sources
    }

    /// Loads an instance or a service outside the unit set on demand.
    func ensureServiceLoaded(_ name: UnitName) -> Bool {
        if units.services[name] != nil { return true }
        let (loaded, diagnostics) = loader.loadService(name)
        for diagnostic in diagnostics {
            logger.warning("\(diagnostic.text)", metadata: ["unit": "\(diagnostic.unit)"])
        }
        guard let loaded else { return false }
        units.services[name] = ServiceRuntime(unit: loaded)
        return true
    }

    func deliver(_ event: SocketEvent, to name: UnitName) {
        let handled = units.sockets[name]?.update { runtime -> [SocketAction] in
            let before = runtime.machine.activeState
            let actions = runtime.machine.handle(event)
            runtime.times.record(from: before, to: runtime.machine.activeState, at: realtimeMicroseconds())
            return actions
        }
        guard let actions = handled else { return }
        perform(actions, socket: name)
    }

    func perform(_ actions: [SocketAction], socket name: UnitName) {
        for action in actions {
            switch action {
            case .watch:
                if mayWatch(name) { units.sockets[name]?.sources.forEach { $0.setEnabled(true) } }
            case .unwatch:
                units.sockets[name]?.sources.forEach { $0.setEnabled(false) }
            case .activate(let service):
                requestStart(service, triggeredBy: name)
            case .armCooldown(let span):
                units.sockets[name]?.cooldown = try? loop.addTimer(after: span, reporting: .cooldownElapsed(name))
            case .close:
                closeSocket(name)
            case .reopen:
                reopenSocket(name)
            case .log(let note):
                log(note, unit: name)
            }
        }
    }

    /// Closes the listeners (RemoveOnStop= decides about nodes): clients are refused from now on.
    /// A unit with commands that is bound runs ExecStopPre=, closes, then runs ExecStopPost=.
    func closeSocket(_ name: UnitName) {
        guard let runtime = units.sockets[name], !closeThroughCommands(name, bound: runtime.bound != nil) else { return }
        units.sockets[name]?.closeListeners()
    }

    /// Binds the listeners of a failed (closed) unit again and tells its machine how
    /// that went. The cooldown's `.reopen` calls this; so will a control-plane `start`.
    /// Nothing is bound again once usherd is stopping.
    func reopenSocket(_ name: UnitName) {
        guard !shuttingDown, let runtime = units.sockets[name] else { return }
        if reopenThroughCommands(name, bound: runtime.bound != nil) { return }
        guard runtime.bound == nil else { return deliver(.listenersReopened, to: name) }
        guard let (bound, sources) = bindListeners(runtime.sharedUnit, reporting: { _ in .listenerReadable(name) }) else {
            return deliver(.reopenFailed, to: name)
        }
        units.sockets[name]?.bound = bound
        units.sockets[name]?.sources = sources
        deliver(.listenersReopened, to: name)
    }

    /// The socket units whose fds a service gets, in LISTEN_FDS order.
    /// The sockets named in the service's Sockets= and those whose Service= names it (from
    /// UnitTable's index: a scan of every socket unit here made each activation O(units)).
    func socketsFeeding(_ service: ServiceUnit) -> [SocketRuntime] {
        let candidates = service.sockets.compactMap { units.sockets[$0]?.unit } + units.socketUnits(naming: service.name)
        return SocketPairing.sockets(feeding: service, from: candidates).compactMap { units.sockets[$0.name] }
    }
}
