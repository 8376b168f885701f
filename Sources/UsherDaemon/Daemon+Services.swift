// Services in the daemon: start requests, spawning the main and control
// (ExecStartPre=, ExecStartPost=, ExecStop=, ExecStopPost=) processes, and
// performing the service machine's actions. Reaping: Daemon+Reaping; sd_notify:
// Daemon+Notify; what a run leaves behind: Daemon+Leftovers.
import Launch
import Activation
import UnitModel
import UsherSys

extension Daemon {
    func startBootServices() {
        let boot = units.services.values.filter { SocketPairing.startsAtBoot($0.unit) }.map(\.unit.name).sorted()
        for name in boot {
            log(Note(.info, "Starting at startup ([Install] WantedBy=)."), unit: name)
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
        guard var runtime = units.services[name] else { return }
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
        units.services[name] = runtime
        perform(actions, service: name)
        if !controlWaiters.isEmpty { settleControlWaiters(for: name) }
    }

    func perform(_ actions: [ServiceAction], service name: UnitName) {
        for action in actions {
            switch action {
            case .spawnMain: spawnMain(name)
            case .spawnStop: spawnStop(name)
            case .spawnControl(let phase, let index, let extra): spawnControl(name, phase, index: index, extra: extra)
            case .signalGroup(let pid, let signal): signalService(name, pid: pid, signal: signal)
            case .signalLeftovers(let signal): signalLeftovers(of: name, signal)
            case .watchMainPID(let pid): watchMainPID(pid, of: name)
            case .armTimer(let span):
                units.services[name]?.timer = try? loop.addTimer(after: span, reporting: .serviceTimer(name))
                units.services[name]?.timerDeadline = monotonicMicroseconds() &+ span.microseconds
            case .cancelTimer:
                units.services[name]?.timer = nil
                units.services[name]?.timerDeadline = nil
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
        units.services[name]?.sessions = []
        units.services[name]?.alienMain = nil
        forEachSocket(feeding: name) { deliver(.serviceInactive, to: $0) }
        applyPendingDefinition(name)
        if !units.retiring.isEmpty { dropStoppedRetiringUnits() }
        if shuttingDown { stopNextService() }
    }

    private func forEachSocket(feeding name: UnitName, _ body: (UnitName) -> Void) {
        guard let unit = units.services[name]?.unit else { return }
        for socket in socketsFeeding(unit) { body(socket.unit.name) }
    }

    /// The main process's group gets the signal; the main process itself also
    /// through its pidfd, in case it moved to another group.
    private func signalService(_ name: UnitName, pid: Int32, signal: Int32) {
        do {
            try processes.signalGroup(pid, signal)
            if let pidfd = units.services[name]?.pidfd, units.services[name]?.machine.mainPID == pid {
                try processes.signal(pidfd: pidfd, signal)
            }
        } catch {
            log(Note(.warning, "Failed to send signal \(ExitStatus.signalName(signal)): \(error)"), unit: name)
        }
    }

    private func spawnMain(_ name: UnitName) {
        guard let unit = units.services[name]?.unit else { return }
        let fed = socketsFeeding(unit)
        let fds = fed.flatMap { $0.listeners.map(\.fd.raw) }
        let names = SocketPairing.fdNames(fed.map { ($0.unit, $0.listeners.count) })
        do {
            let launch = try ServiceLauncher.prepareMain(unit, listeners: fds, fdNames: names, context: context)
            let spawned = try spawn(launch, for: name)
            units.services[name]?.pidfd = spawned.pidfd
            deliver(.spawned(pid: spawned.pid), toService: name)
        } catch {
            deliver(.spawnFailed(reason: "\(error)"), toService: name)
        }
    }

    private func spawnStop(_ name: UnitName) {
        guard let runtime = units.services[name], let command = runtime.unit.execStop.first else { return }
        spawnControl(name, command: command, extra: runtime.machine.resultEnvironment)
    }

    private func spawnControl(_ name: UnitName, _ phase: ExecPhase, index: Int, extra: [ExtraVariable]) {
        guard let unit = units.services[name]?.unit else { return }
        let commands: [CommandLine]
        switch phase {
        case .startPre: commands = unit.execStartPre
        case .startPost: commands = unit.execStartPost
        case .stopPost: commands = unit.execStopPost
        }
        guard index < commands.count else { return }
        spawnControl(name, command: commands[index], extra: extra)
    }

    private func spawnControl(_ name: UnitName, command: CommandLine, extra: [ExtraVariable]) {
        guard let runtime = units.services[name] else { return }
        do {
            let launch = try ServiceLauncher.prepareControl(runtime.unit, command: command, mainPID: runtime.machine.mainPID,
                                                            extra: extra, context: context)
            let spawned = try spawn(launch, for: name)
            deliver(.controlSpawned(pid: spawned.pid), toService: name)
        } catch {
            deliver(.controlSpawnFailed(reason: "\(error)"), toService: name)
        }
    }

    /// Spawns, registers the pid and the capture pipes, logs a setup failure.
    private func spawn(_ launch: PreparedLaunch, for name: UnitName) throws -> (pid: Int32, pidfd: OwnedFD?) {
        let outcome = try spawner.spawn(launch.plan)
        units.own(outcome.pid, by: .service(name))
        units.services[name]?.sessions.insert(outcome.pid)
        for capture in launch.captures {
            do {
                try output.attach(capture.fd, stream: capture.stream, unit: name, loop: loop)
            } catch {
                log(Note(.warning, "Cannot watch \(capture.stream): \(error)"), unit: name)
            }
        }
        if let failure = outcome.failure {
            log(Note(.error, "Failed at step \(ExitStatus.stepName(failure.status)) spawning \(launch.plan.path): \(SystemError.describe(failure.errno))"), unit: name)
        } else {
            log(Note(.info, "Started \(launch.plan.path), PID \(outcome.pid)."), unit: name)
        }
        return (outcome.pid, outcome.pidfd)
    }
}
