// Services in the daemon: start requests, spawning the main and control
// (ExecStartPre=, ExecStartPost=, ExecReload=, ExecStop=, ExecStopPost=) processes,
// and performing the service machine's actions. Reaping: Daemon+Reaping; sd_notify:
// Daemon+Notify; what a run leaves behind: Daemon+Leftovers; timers, watchdog,
// PIDFile= and BusName=: Daemon+Supervision.
import Launch
import Activation
import UnitModel
import UsherSys

extension Daemon {
    /// Starts the services `usherctl enable` linked into a TARGET.wants/ directory (an
    /// instance is loaded from its template). [Install] WantedBy= alone starts nothing.
    func startEnabledServices(_ enabled: [UnitName]) {
        for name in enabled {
            guard units.services[name] != nil || ensureServiceLoaded(name) else {
                log(Note(.warning, "Enabled, but the unit does not load; not started."), unit: name)
                continue
            }
            log(Note(.info, "Starting at start-up (enabled)."), unit: name)
            requestStart(name, triggeredBy: nil)
        }
    }

    func requestStart(_ name: UnitName, triggeredBy socket: UnitName?) {
        guard !shuttingDown else { return }
        guard units.services[name] != nil || ensureServiceLoaded(name) else {
            if let socket { log(Note(.error, "Socket service \(name) not loaded, refusing."), unit: socket) }
            return
        }
        deliver(.startRequested(now: monotonicMicroseconds()), toService: name)
    }

    func deliver(_ event: ServiceEvent, toService name: UnitName) {
        let handled = units.services[name]?.update { runtime -> (actions: [ServiceAction], awaiting: Bool) in
            let before = runtime.machine.activeState
            let exitBefore = runtime.machine.mainExit
            let actions = runtime.machine.handle(event)
            let now = realtimeMicroseconds()
            runtime.times.record(from: before, to: runtime.machine.activeState, at: now)
            if case .spawned = event, runtime.machine.mainPID != nil {
                runtime.times.mainStart = now
                runtime.times.mainExit = nil
            }
            if exitBefore == nil && runtime.machine.mainExit != nil { runtime.times.mainExit = now }
            return (actions, runtime.machine.awaitingLeftovers || runtime.machine.mainUnknown)
        }
        guard let (actions, awaiting) = handled else { return }
        units.noteAwaitingLeftovers(name, awaiting)
        perform(actions, service: name)
        if !controlWaiters.isEmpty { settleControlWaiters(for: name) }
        releaseFDStoreIfStopped(name)
    }

    func perform(_ actions: [ServiceAction], service name: UnitName) {
        // The groups each signal went to in this list: the rest of the sessions gets it once, as
        // systemd's cgroup kill skips the processes it already signalled. A step's leftovers look
        // up the groups by the step's first signal (every group of the step got all its signals).
        var groupsSignalled: [Int32: Set<Int32>] = [:]
        for action in actions {
            switch action {
            case .spawnMain: spawnMain(name)
            case .spawnControl(let phase, let index, let extra): spawnControl(name, phase, index: index, extra: extra)
            case .signalGroup(let pid, let signal):
                let leftoversToo = actions.contains {
                    if case .signalLeftovers(let signals) = $0 { return signals.contains(signal) } else { return false }
                }
                signalService(name, pid: pid, signal: signal, leftoversToo: leftoversToo)
                groupsSignalled[signal, default: []].insert(pid)
            case .signalProcess(let pid, let signal): signalProcess(name, pid: pid, signal: signal)
            case .signalLeftovers(let signals):
                signalLeftovers(of: name, signals, except: signals.first.flatMap { groupsSignalled[$0] } ?? [])
            case .watchMainPID(let pid): watchMainPID(pid, of: name)
            case .armTimer(let span): armTimer(name, span)
            case .cancelTimer: units.services[name]?.timer = nil
            case .extendTimer(let span): extendTimers(name, by: span)
            case .armWatchdog(let span): armWatchdog(name, span)
            case .cancelWatchdog: units.services[name]?.watchdog = nil
            case .findMainPID: findMainPID(name)
            case .watchBusName(let busName): watchBusName(busName, for: name)
            case .becameActive: serviceBecameActive(name)
            case .becameInactive: serviceBecameInactive(name)
            case .startLimitHit:
                forEachSocket(feeding: name) { deliver(.serviceStartLimitHit, to: $0) }
            case .log(let note): log(note, unit: name)
            }
        }
    }

    private func serviceBecameActive(_ name: UnitName) {
        startOrder.removeAll { $0 == name }
        startOrder.append(name)
        forEachSocket(feeding: name) { deliver(.serviceActive, to: $0) }
    }

    private func serviceBecameInactive(_ name: UnitName) {
        units.services[name]?.pidfd = nil
        units.services[name]?.pidFilePoll = nil
        units.services[name]?.busWatch = nil
        if shuttingDown, let runtime = units.services[name], !runtime.unit.kill.killMode.stopsLeftovers {
            sparedSessions.formUnion(runtime.sessions)
        }
        units.services[name]?.sessions = []
        units.services[name]?.alienMain = nil
        removeRuntimeDirectories(of: name)
        context.dynamicUsers.release(owner: name.full)
        releaseRunSandbox(name)
        forEachSocket(feeding: name) { deliver(.serviceInactive, to: $0) }
        applyPendingDefinition(name)
        if !units.retiring.isEmpty { dropStoppedRetiringUnits() }
        if shuttingDown { stopNextService() }
    }

    private func forEachSocket(feeding name: UnitName, _ body: (UnitName) -> Void) {
        guard let unit = units.services[name]?.unit else { return }
        for socket in socketsFeeding(unit) { body(socket.unit.name) }
    }

    /// The process group `pid` gets the signal; the main process also through its pidfd, but only when
    /// it moved to a group this kill step does not signal (not its own, nor with `leftoversToo` one of
    /// the service's sessions): systemd signals each process once.
    private func signalService(_ name: UnitName, pid: Int32, signal: Int32, leftoversToo: Bool) {
        do {
            try processes.signalGroup(pid, signal)
            if let runtime = units.services[name], let pidfd = runtime.pidfd, runtime.machine.mainPID == pid,
               !groups(leftoversToo ? runtime.sessions.union([pid]) : [pid], reach: pid) {
                try processes.signal(pidfd: pidfd, signal)
            }
        } catch {
            log(Note(.warning, "Failed to send signal \(ExitStatus.signalName(signal)): \(error)"), unit: name)
        }
    }

    /// KillMode=process and mixed's first signal: the process alone (through its pidfd when it is the main one).
    private func signalProcess(_ name: UnitName, pid: Int32, signal: Int32) {
        if let pidfd = units.services[name]?.pidfd, units.services[name]?.machine.mainPID == pid {
            do {
                try processes.signal(pidfd: pidfd, signal)
            } catch {
                log(Note(.warning, "Failed to send signal \(ExitStatus.signalName(signal)): \(error)"), unit: name)
            }
            return
        }
        processes.signal(pid: pid, signal)
    }

    private func spawnMain(_ name: UnitName) {
        guard let runtime = units.services[name] else { return }
        let unit = runtime.unit
        let fed = socketsFeeding(unit)
        let stored = storedFDs(of: name)
        let fds = fed.flatMap { $0.listeners.map(\.fd.raw) } + stored.fds
        let names = SocketPairing.fdNames(fed.map { ($0.unit, $0.listeners.count) }) + stored.names
        do {
            let launch = try ServiceLauncher.prepareMain(unit, commandIndex: runtime.machine.mainCommandIndex, listeners: fds,
                                                         fdNames: names, context: context, run: try runSandbox(name))
            let spawned = try spawn(launch, for: name)
            if unit.type != .forking { units.services[name]?.pidfd = spawned.pidfd }
            deliver(.spawned(pid: spawned.pid, execFailed: spawned.execFailed), toService: name)
        } catch {
            deliver(.spawnFailed(reason: "\(error)"), toService: name)
        }
    }

    private func spawnControl(_ name: UnitName, _ phase: ExecPhase, index: Int, extra: [ExtraVariable]) {
        guard let commands = units.services[name]?.machine.config.commands(phase), index < commands.count else { return }
        spawnControl(name, command: commands[index], extra: extra)
    }

    private func spawnControl(_ name: UnitName, command: CommandLine, extra: [ExtraVariable]) {
        guard let runtime = units.services[name] else { return }
        let listeners = socketsFeeding(runtime.unit).flatMap { $0.listeners.map(\.fd.raw) }
        do {
            let launch = try ServiceLauncher.prepareControl(runtime.unit, command: command, mainPID: runtime.machine.mainPID,
                                                            extra: extra, listeners: listeners, context: context,
                                                            run: try runSandbox(name))
            let spawned = try spawn(launch, for: name)
            deliver(.controlSpawned(pid: spawned.pid), toService: name)
        } catch {
            deliver(.controlSpawnFailed(reason: "\(error)"), toService: name)
        }
    }

    /// Spawns, registers the pid (as `owner`'s, a service's by default) and the capture
    /// pipes, logs a setup failure.
    func spawn(_ launch: PreparedLaunch, for name: UnitName,
               owner: ProcessOwner? = nil) throws -> (pid: Int32, pidfd: OwnedFD?, execFailed: Bool) {
        let outcome = try spawner.spawn(launch.plan)
        units.own(outcome.pid, by: owner ?? .service(name))
        units.services[name]?.sessions.insert(outcome.pid)
        for capture in launch.captures {
            do {
                try output.attach(capture.fd, stream: capture.stream, unit: name, loop: loop)
            } catch {
                log(Note(.warning, "Cannot watch \(capture.stream): \(error)"), unit: name)
            }
        }
        if let failure = outcome.failure {
            log(Note(.error, Self.setupFailure(stage: failure.status, mountStep: outcome.failedMountStep,
                                               path: launch.plan.path, errno: failure.errno)), unit: name)
        } else {
            log(Note(.info, "Started \(launch.plan.path), PID \(outcome.pid)."), unit: name)
        }
        return (outcome.pid, outcome.pidfd, outcome.failure != nil)
    }

    /// "Failed at step NAMESPACE (bind /a → /b) spawning /bin/x: No such file or directory": the
    /// setup step the child failed at, for a namespace step the mount it was, as systemd words it.
    static func setupFailure(stage: Int32, mountStep: String?, path: String, errno: Int32) -> String {
        let step = mountStep.map { " (\($0))" } ?? ""
        return "Failed at step \(ExitStatus.stepName(stage))\(step) spawning \(path): \(SystemError.describe(errno))"
    }
}
