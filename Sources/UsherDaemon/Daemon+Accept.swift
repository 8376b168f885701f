// Accept=yes socket units in the daemon: loading the template once, binding
// (usherd's copies of these listeners are non-blocking: they are never passed
// to a service), draining a readable listener in bounded batches, and asking
// the AcceptMachine about each connection before handing a prepared spawn to
// the AcceptSpawner; closing a failed unit's listeners and reopening them.
// Instances, reaping and shutdown: Daemon+AcceptInstances.
import Launch
import Activation
import Binder
import UnitFile
import UnitModel
import UsherSys

/// One Accept=yes socket unit at run time (a class: the accept path mutates it in place).
final class AcceptRuntime {
    /// The unit, in the box its BoundSocket shares (one copy of the unit, not two).
    let sharedUnit: Shared<SocketUnit>
    var unit: SocketUnit { sharedUnit.value }
    var machine: AcceptMachine
    var times = UnitTimes()
    /// The machine's ActiveState when `times` last looked.
    private var recordedState = ActiveState.inactive
    /// The newest finished instances, newest last (at most `finishedKept`).
    var finished: [FinishedInstance] = []
    static let finishedKept = 10
    /// nil while the unit is failed or stopped: its listeners are closed.
    private(set) var bound: BoundSocket?
    private(set) var sources: [EventSource]
    var cooldown: EventSource?
    var errorPause: EventSource?
    /// ExecStartPre=/ExecStartPost=/ExecStopPre=/ExecStopPost= around binding and closing.
    var commands: SocketCommands
    var commandTimer: EventSource?
    let template: ServiceTemplate
    /// The template instantiated with the marker instance (kill settings, slow path).
    let templateUnit: ServiceUnit
    /// nil when settings other than argv/env depend on the instance: built per connection then.
    let launch: InstanceLaunchTemplate?
    let stdio: ResolvedInstanceStdio
    /// Each listener's own address when it is every connection's local end
    /// (SocketAddress.namesEveryAcceptedConnection), so accepting needs no getsockname.
    private(set) var fixedLocals: [SocketAddress?] = []
    /// The IP ones' instance-string form, formatted once per binding (describe reads no other).
    private(set) var fixedLocalTexts: [String?] = []

    /// Records a change of the machine's ActiveState since the last look (no clock read when none).
    func noteState(at clock: () -> UInt64) {
        let current = machine.activeState
        guard current != recordedState else { return }
        times.record(from: recordedState, to: current, at: clock())
        recordedState = current
    }

    /// Keeps `instance` among the newest finished ones.
    func noteFinished(_ instance: FinishedInstance) {
        if finished.count >= AcceptRuntime.finishedKept { finished.removeFirst() }
        finished.append(instance)
    }

    init(unit: Shared<SocketUnit>, bound: BoundSocket?, sources: [EventSource], template: ServiceTemplate,
         templateUnit: ServiceUnit, launch: InstanceLaunchTemplate?, stdio: ResolvedInstanceStdio,
         commands: SocketCommands? = nil) {
        sharedUnit = unit
        let unit = unit.value
        machine = AcceptMachine(unit: unit)
        self.commands = commands ?? SocketCommands(unit: unit)
        self.sources = []
        self.template = template
        self.templateUnit = templateUnit
        self.launch = launch
        self.stdio = stdio
        if let bound { adopt(bound, sources: sources) }
    }

    /// A reload's successor of `old`: goes on from its machine (state, connection counts),
    /// its times, finished instances and timers.
    func carryOver(from old: AcceptRuntime) {
        machine = AcceptMachine(unit: unit, continuing: old.machine)
        times = old.times
        recordedState = old.recordedState
        finished = old.finished
        cooldown = old.cooldown
        errorPause = old.errorPause
        // A run of the old commands under way finishes; new ones apply from the next start or stop,
        // and the final kill still finds what the old ones left.
        commands = SocketCommands(unit: unit, continuing: old.commands)
        commandTimer = old.commandTimer
    }

    /// The previous image's machine, times and finished instances (re-exec: Daemon+Resume).
    func restore(machine: AcceptMachine, times: UnitTimes, finished: [FinishedInstance]) {
        self.machine = machine
        self.times = times
        recordedState = machine.activeState
        self.finished = finished
    }

    var listeners: [BoundListener] { bound?.listeners ?? [] }

    /// Takes over freshly bound listeners and their (disabled) io sources.
    func adopt(_ bound: BoundSocket, sources: [EventSource]) {
        self.bound = bound
        self.sources = sources
        fixedLocals = bound.listeners.map { listener in
            guard let local = try? Socket.localAddress(listener.fd.raw), local.namesEveryAcceptedConnection else {
                return nil
            }
            return local
        }
        fixedLocalTexts = fixedLocals.map { local in
            guard let local, local.isIP else { return nil }
            return local.instanceText(unmapping: local.isIPv4Mapped)
        }
    }

    /// Stops watching and closes the listeners (RemoveOnStop= decides about nodes).
    func closeListeners() {
        sources.forEach { $0.cancel() }
        sources = []
        if let bound { Binder.release(bound) }
        bound = nil
    }
}

/// Why an Accept=yes unit's instances cannot be prepared (already logged).
struct PrepareFailure: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}

extension Daemon {
    /// Connections taken per listener and wakeup, so other events get their turn.
    static let acceptBatch = 64

    func bindAcceptSocket(_ unit: SocketUnit) {
        guard let (template, templateUnit) = loadAcceptTemplate(unit) else { return }
        let stdio: ResolvedInstanceStdio
        let launch: InstanceLaunchTemplate?
        do {
            (stdio, launch) = try prepareInstances(of: unit, templateUnit)
        } catch {
            units.broken[unit.name] = BrokenUnit(loaded: true, reason: "\(error)")
            return
        }
        let commands = SocketCommands(unit: unit)
        let shared = Shared(unit)
        if commands.hasCommands {
            units.acceptSockets[unit.name] = AcceptRuntime(unit: shared, bound: nil, sources: [], template: template,
                                                           templateUnit: templateUnit, launch: launch, stdio: stdio,
                                                           commands: commands)
            return runSocketCommands(unit.name) { $0.start() }
        }
        guard let (bound, sources) = bindAcceptListeners(shared) else {
            markBindFailed(unit.name)
            return
        }
        let runtime = AcceptRuntime(unit: shared, bound: bound, sources: sources, template: template,
                                    templateUnit: templateUnit, launch: launch, stdio: stdio, commands: commands)
        units.acceptSockets[unit.name] = runtime
        performAccept(runtime.machine.startActions(), socket: unit.name)
    }

    /// The spawner started and the per-connection launch prebuilt from `templateUnit`;
    /// logs and throws "Cannot prepare …" when that fails.
    func prepareInstances(of unit: SocketUnit, _ templateUnit: ServiceUnit) throws
        -> (ResolvedInstanceStdio, InstanceLaunchTemplate?) {
        do {
            try startSpawner()
            let stdio = try ServiceLauncher.resolveInstanceStdio(templateUnit, context: context)
            let launch = InstanceLaunchTemplate.dependsOnInstanceElsewhere(templateUnit) ? nil
                : try InstanceLaunchTemplate(unit: templateUnit, context: context, stdio: stdio)
            return (stdio, launch)
        } catch {
            let failure = PrepareFailure(text: "Cannot prepare \(unit.service): \(error)")
            log(Note(.error, failure.text), unit: unit.name)
            throw failure
        }
    }

    /// Binds like any socket, then makes usherd's copies non-blocking (never passed to a service).
    func bindAcceptListeners(_ unit: Shared<SocketUnit>) -> (BoundSocket, [EventSource])? {
        let name = unit.value.name
        guard let (bound, sources) = bindListeners(unit, reporting: { .acceptReadable(name, index: $0) }) else {
            return nil
        }
        makeNonBlocking(bound)
        return (bound, sources)
    }

    func makeNonBlocking(_ bound: BoundSocket) {
        let unit = bound.unit
        for listener in bound.listeners {
            do {
                try listener.fd.setNonBlocking(true)
            } catch {
                logger.warning("\(error)", metadata: ["unit": "\(unit.name)"])
            }
        }
    }

    /// `foo@.service` parsed once and instantiated with the marker instance; logs why not.
    func loadAcceptTemplate(_ unit: SocketUnit) -> (ServiceTemplate, ServiceUnit)? {
        let (template, diagnostics) = loader.loadTemplate(unit.service)
        var all = diagnostics
        var instantiated: ServiceUnit?
        if let template {
            let (service, more) = template.instantiate(InstanceLaunchTemplate.instanceMarker)
            instantiated = service
            all += more
        }
        for diagnostic in all {
            let text = diagnostic.text.replacing(InstanceLaunchTemplate.instanceMarker, with: "%i")
            logger.log(level: diagnostic.severity == .error ? .error : .warning, "\(text)",
                       metadata: ["unit": "\(unit.service)"])
        }
        guard let template, let instantiated else {
            serviceNotLoaded(unit)
            return nil
        }
        UnsupportedSettings.notes(forInstanceOf: instantiated).forEach { log($0, unit: unit.service) }
        return (template, instantiated)
    }

    private func startSpawner() throws {
        guard accept.spawner == nil else { return }
        let spawner = try makeInstanceSpawner()
        accept.spawnerSource = try loop.addIO(fd: spawner.wakeFD, reporting: .spawnResults, object: "spawner")
        accept.spawner = spawner
    }

    func performAccept(_ actions: [AcceptAction], socket name: UnitName) {
        guard let runtime = units.acceptSockets[name] else { return }
        runtime.noteState(at: realtimeMicroseconds)
        for action in actions {
            switch action {
            case .watch:
                if !shuttingDown && reexec?.acceptPaused != true && !units.retiring.contains(name) {
                    runtime.sources.forEach { $0.setEnabled(true) }
                }
            case .unwatch:
                runtime.sources.forEach { $0.setEnabled(false) }
            case .armCooldown(let span):
                runtime.cooldown = try? loop.addTimer(after: span, reporting: .cooldownElapsed(name))
            case .close:
                if !closeThroughCommands(name, bound: runtime.bound != nil) { runtime.closeListeners() }
            case .reopen:
                reopenAcceptSocket(name)
            case .log(let note):
                log(note, unit: name)
            }
        }
    }

    func acceptCooldownElapsed(_ name: UnitName) {
        guard let runtime = units.acceptSockets[name] else { return }
        runtime.cooldown = nil
        performAccept(runtime.machine.handle(.cooldownElapsed), socket: name)
    }

    /// Binds the listeners of a failed (closed) Accept=yes unit again and tells its machine
    /// how that went. The cooldown's `.reopen` calls this; so will a control-plane `start`.
    /// Nothing is bound again once usherd is stopping.
    func reopenAcceptSocket(_ name: UnitName) {
        guard !shuttingDown, let runtime = units.acceptSockets[name] else { return }
        if reopenThroughCommands(name, bound: runtime.bound != nil) { return }
        if runtime.bound == nil {
            guard let (bound, sources) = bindAcceptListeners(runtime.sharedUnit) else {
                return performAccept(runtime.machine.handle(.reopenFailed), socket: name)
            }
            runtime.adopt(bound, sources: sources)
        }
        performAccept(runtime.machine.handle(.listenersReopened), socket: name)
    }

    /// Accepts until the listener is drained, the batch is used up, or the unit stops taking connections.
    func drainListener(_ name: UnitName, index: Int) {
        guard let runtime = units.acceptSockets[name], index < runtime.listeners.count else { return }
        let listener = runtime.listeners[index].fd.raw
        let local = runtime.fixedLocals[index]
        if accept.reapBatchTimer != nil { reapChildren() }
        for _ in 0..<Daemon.acceptBatch {
            guard runtime.machine.state == .listening, !shuttingDown else { return }
            switch Socket.acceptNext(listener, knownLocal: local) {
            case .drained:
                return
            case .peerGone:
                continue
            case .failed(let error):
                pauseAfterAcceptError(runtime, error)
                return
            case .connection(let connection):
                admit(connection, runtime, localText: runtime.fixedLocalTexts[index])
            }
        }
    }

    private func admit(_ connection: AcceptedConnection, _ runtime: AcceptRuntime, localText: String?) {
        let source = runtime.machine.countsSources ? Self.source(of: connection.peer) : .uncounted
        let now = monotonicMicroseconds()
        accept.lastAdmitted = now
        switch runtime.machine.admit(source: source, now: now) {
        case .refuse(let refusal):
            logRefusal(refusal, connection, unit: runtime.unit.name, now: now)
        case .fail(let actions):
            performAccept(actions, socket: runtime.unit.name)
        case .spawn(let number, let pause):
            if pause {
                runtime.sources.forEach { $0.setEnabled(false) }
                resumeChildSignal()
            }
            launchInstance(connection, number: number, source: source, runtime, localText: localText)
        }
    }

    /// The peer is formatted only when the line will be logged.
    private func logRefusal(_ refusal: Refusal, _ connection: AcceptedConnection, unit: UnitName, now: UInt64) {
        if case .notListening = refusal { return }
        logConnectionWarning(unit: unit, now: now) {
            let text = connection.peer.sourceText ?? connection.peer.instanceText()
            return refusal.note(source: text)
        }
    }

    /// What MaxConnectionsPerSource= counts `peer` as: its IP address or vsock CID, as systemd 252
    /// does; uncounted for every other family (AF_UNIX peers are not limited per source).
    static func source(of peer: SocketAddress) -> ConnectionSource {
        if let bits = peer.addressBits { return .address(high: bits.high, low: bits.low) }
        if let vsock = peer.vsockParts { return .vsock(cid: vsock.cid) }
        return .uncounted
    }

    /// EMFILE and the like: stop polling this unit for 100 ms instead of spinning on a readable listener.
    private func pauseAfterAcceptError(_ runtime: AcceptRuntime, _ error: SystemError) {
        guard runtime.errorPause == nil else { return }
        logConnectionWarning(unit: runtime.unit.name, now: monotonicMicroseconds()) {
            Note(.warning, "Failed to accept connection, pausing for 100ms: \(error)")
        }
        runtime.sources.forEach { $0.setEnabled(false) }
        runtime.errorPause = try? loop.addTimer(after: .milliseconds(100), reporting: .acceptResume(runtime.unit.name))
    }

    func resumeAfterAcceptError(_ name: UnitName) {
        guard let runtime = units.acceptSockets[name] else { return }
        runtime.errorPause = nil
        if runtime.machine.state == .listening { performAccept([.watch], socket: name) }
    }
}
