// Accept=yes instances in the daemon: preparing one connection's spawn
// (instance name, REMOTE_*, INVOCATION_ID) for the spawner, taking its result
// back, reaping (an instance's exit releases its connection counters however
// it ended), the per-unit counters, and stopping instances at shutdown.
import Launch
import Activation
import UnitModel
import UsherSys

/// One connection's instance: handed to the spawner (pending), then running under a pid.
struct InstanceRecord: Codable {
    var socket: UnitName
    var source: ConnectionSource
    var instance: String
    /// When the connection was handed to the spawner (wall clock, µs).
    var started: UInt64
}

/// An instance that ended, for `status`.
struct FinishedInstance: Codable {
    var record: InstanceRecord
    var pid: Int32
    var exited: UInt64
    var status: ExitStatus
}

/// The Accept=yes machinery (spawner, reap batching, shutdown timers); the sockets and
/// instances themselves are in the UnitTable. A class so the extensions can mutate it.
final class AcceptState {
    var spawner: InstanceSpawning?
    var spawnerSource: EventSource?
    var nextToken: UInt64 = 0
    /// Exits reaped before the spawner's result named their pid (only while spawns are
    /// pending), with the last token submitted then: only spawns up to it can own them.
    var earlyExits: [Int32: (child: ReapedChild, lastToken: UInt64)] = [:]
    var results: [InstanceSpawnResult] = []
    var stopTimer: EventSource?
    /// When the last connection was admitted (monotonic µs) and, while SIGCHLD
    /// is paused, the timer that resumes it (Daemon+ReapBatching).
    var lastAdmitted: UInt64 = 0
    var reapBatchTimer: EventSource?
    var stopDeadlinePassed = false
    var finished = false
    /// Refusal and accept-error warnings, rate-limited per socket unit (Daemon+LogLimits).
    var warningLimits = LogRateLimits()
}

extension Daemon {
    func launchInstance(_ connection: AcceptedConnection, number: UInt64, source: ConnectionSource,
                        _ runtime: AcceptRuntime, localText: String?) {
        guard let spawner = accept.spawner else { return }
        let (instance, remote) = connection.describe(number: number, localText: localText)
        let values = InstanceValues(instance: instance, remoteAddress: remote?.address ?? "",
                                    remotePort: remote?.port ?? "",
                                    invocationID: InvocationIDs.next())
        let launch: InstanceLaunchTemplate
        do {
            launch = try runtime.launch ?? instanceLaunch(runtime, instance: instance)
            try launch.createDirectories()
        } catch {
            // Under the instance's own name (once), kept with the template's journal.
            log(Note(.error, "\(error)"), unit: Self.instanceUnitName(prefix: runtime.template.name.prefix, instance),
                journalAs: runtime.template.name.full)
            release(source: source, socket: runtime.unit.name)
            return
        }
        accept.nextToken += 1
        units.pendingInstances[accept.nextToken] = InstanceRecord(socket: runtime.unit.name, source: source, instance: instance,
                                                          started: realtimeMicroseconds())
        let strings = InstanceStrings(launch, ip: remote != nil, values: values)
        let outputPipe = runtime.stdio.needsOwnPipe ? instanceOutputPipe(runtime, instance: instance) : -1
        // A failure leaves -1: the child then fails at its stdin step (exit 208), as systemd's would.
        let inputData = runtime.stdio.needsOwnData
            ? (try? OwnedFD.sealedData(launch.unit.exec.standardInputData))?.release() ?? -1 : -1
        spawner.submit(InstanceSpawnRequest(token: accept.nextToken, template: launch, ip: remote != nil,
                                            strings: strings, connection: connection.fd.release(),
                                            outputPipe: outputPipe, inputData: inputData))
    }

    /// A pipe whose read end usherd watches under the instance's own name (lines kept
    /// with the template's journal); the write end, for the spawner, or -1 when none.
    private func instanceOutputPipe(_ runtime: AcceptRuntime, instance: String) -> Int32 {
        let name = Self.instanceUnitName(prefix: runtime.template.name.prefix, instance)
        do {
            let pipe = try OwnedFD.pipe()
            try pipe.read.setNonBlocking(true)
            try output.attach(pipe.read, stream: "stdout", unit: name, journalKey: runtime.template.name.full, loop: loop)
            return pipe.write.release()
        } catch {
            log(Note(.warning, "Cannot capture the output of \(name): \(error)"), unit: runtime.unit.name)
            return -1
        }
    }

    /// The slow path: the template depends on the instance beyond argv and env.
    private func instanceLaunch(_ runtime: AcceptRuntime, instance: String) throws -> InstanceLaunchTemplate {
        let (unit, diagnostics) = runtime.template.instantiate(instance)
        guard let unit else {
            throw LaunchError(description: diagnostics.map(\.text).joined(separator: "; "))
        }
        return try InstanceLaunchTemplate(unit: unit, context: context, stdio: runtime.stdio)
    }

    func collectSpawnResults(woken: Bool = false) {
        guard let spawner = accept.spawner else { return }
        spawner.collect(into: &accept.results, woken: woken)
        for result in accept.results { finishSpawn(result) }
        let processed = !accept.results.isEmpty
        accept.results.removeAll(keepingCapacity: true)
        if !accept.earlyExits.isEmpty {
            let oldestPending = units.pendingInstances.keys.min() ?? UInt64.max
            for (pid, early) in accept.earlyExits where early.lastToken < oldestPending {
                logger.debug("Reaped orphan process \(pid).")
                accept.earlyExits[pid] = nil
            }
        }
        if !units.pendingInstances.isEmpty && (shuttingDown || !accept.earlyExits.isEmpty) { spawner.wakeWhenResultsArrive() }
        if processed && shuttingDown { finishShutdown() }
    }

    private func finishSpawn(_ result: InstanceSpawnResult) {
        guard let pending = units.pendingInstances.removeValue(forKey: result.token) else { return }
        guard result.pid > 0 else {
            log(Note(.error, "Failed to fork: \(SystemError.describe(result.errno))"), instance: pending)
            release(source: pending.source, socket: pending.socket)
            return
        }
        if result.failedStage != 0 {
            let path = units.acceptSockets[pending.socket]?.templateUnit.execStart.first?.path ?? "?"
            log(Note(.error, Self.setupFailure(stage: result.failedStage, mountStep: result.failedMountStep, path: path,
                                               errno: result.errno)), instance: pending)
        } else {
            // Named inside the autoclosure: building the name per connection costs more than the rest.
            logger.debug("Started PID \(result.pid).", metadata: ["unit": "\(instanceUnitName(pending))"])
        }
        if let early = accept.earlyExits.removeValue(forKey: result.pid) {
            instanceExited(pending, early.child)
            return
        }
        units.own(result.pid, by: .instance(pending))
        if shuttingDown { signalInstance(result.pid, pending) }
    }

    /// An exit no table claims may be an instance whose spawn result is still on its way.
    func claimEarlyInstanceExit(_ child: ReapedChild) -> Bool {
        guard !units.pendingInstances.isEmpty else { return false }
        accept.earlyExits[child.pid] = (child, accept.nextToken)
        accept.spawner?.wakeWhenResultsArrive()
        return true
    }

    func instanceExited(_ instance: InstanceRecord, _ child: ReapedChild) {
        let status = child.exitStatus
        if status != .exited(0) { log(Note(.notice, "Main process exited, \(status)"), instance: instance) }
        units.acceptSockets[instance.socket]?.noteFinished(FinishedInstance(record: instance, pid: child.pid,
                                                                        exited: realtimeMicroseconds(), status: status))
        settleInstance(instance, mainPID: child.pid)
    }

    /// The instance and everything it started are gone: its connection slot is free.
    func releaseInstance(_ instance: InstanceRecord) {
        removeInstanceRuntimeDirectories(socket: instance.socket)
        release(source: instance.source, socket: instance.socket)
        if !units.retiring.isEmpty { dropStoppedRetiringUnits() }
        if shuttingDown { finishShutdown() }
    }

    private func release(source: ConnectionSource, socket: UnitName) {
        guard let runtime = units.acceptSockets[socket] else { return }
        performAccept(runtime.machine.release(source: source), socket: socket)
    }

    /// Logs under the instance's own name; the journal keeps it with its template
    /// (`echo@.service`), so one ring serves every connection's instance.
    func log(_ note: Note, instance: InstanceRecord) {
        let template = units.acceptSockets[instance.socket]?.template.name.full ?? instance.socket.full
        log(note, unit: instanceUnitName(instance), journalAs: template)
    }

    func instanceUnitName(_ instance: InstanceRecord) -> UnitName {
        let prefix = units.acceptSockets[instance.socket]?.template.name.prefix ?? instance.socket.stem
        return Self.instanceUnitName(prefix: prefix, instance.instance)
    }

    /// `prefix@instance.service`, the name an instance's lines are logged under.
    static func instanceUnitName(prefix: String, _ instance: String) -> UnitName {
        UnitName(prefix + "@" + instance + ".service")
    }

    // MARK: shutdown

    /// Stops polling Accept=yes listeners and sends each instance its KillSignal= (KillContext.stopSignals(for:)).
    func beginStoppingInstances() {
        for runtime in units.acceptSockets.values { runtime.sources.forEach { $0.setEnabled(false) } }
        guard units.liveInstances > 0 || !units.pendingInstances.isEmpty || !units.lingering.isEmpty else { return }
        for (pid, instance) in units.instances() { signalInstance(pid, instance) }
        if !units.pendingInstances.isEmpty { accept.spawner?.wakeWhenResultsArrive() }
        let timeout = units.acceptSockets.values.map(\.templateUnit.timeoutStopSec).min() ?? .seconds(90)
        accept.stopTimer = try? loop.addTimer(after: timeout, reporting: .instancesStopTimeout)
    }

    /// KillSignal= (then SIGCONT, and SIGHUP with SendSIGHUP=: KillContext.stopSignals(for:)) as the
    /// template's KillMode= says: its process group, the main process alone (process, mixed), or
    /// nothing (none); what process and none leave running is spared when usherd exits.
    private func signalInstance(_ pid: Int32, _ instance: InstanceRecord) {
        let kill = units.acceptSockets[instance.socket]?.templateUnit.kill ?? KillContext()
        if !kill.killMode.stopsLeftovers { sparedSessions.insert(pid) }
        guard kill.killMode != .none else { return }
        let target = kill.killMode.signalsTheRest(final: false) ? Leftovers(groups: [pid]) : Leftovers(processes: [pid])
        send(kill.stopSignals(for: .terminate), to: target)
    }

    /// True once no instance runs (or their stop timeout passed); then only once.
    func instancesStopped() -> Bool {
        guard !accept.finished else { return false }
        let noneLeft = units.liveInstances == 0 && units.pendingInstances.isEmpty && units.lingering.isEmpty
        guard accept.stopDeadlinePassed || noneLeft else { return false }
        accept.finished = true
        accept.stopTimer = nil
        return true
    }

    func instancesStopTimedOut() {
        accept.stopTimer = nil
        accept.stopDeadlinePassed = true
        let running = units.liveInstances + units.lingering.count
        if running > 0 {
            logger.warning("\(running) Accept=yes instance(s) still running after the stop timeout, killing.")
        }
        finishShutdown()
    }

    /// Closes the Accept=yes listeners and logs each unit's counters.
    func stopAcceptSockets() {
        for name in units.acceptSockets.keys.sorted() {
            guard let runtime = units.acceptSockets[name] else { continue }
            let counters = runtime.machine.counters
            reportSuppressedConnectionWarnings(name)
            log(Note(.info, "Accepted \(counters.accepted) connection(s), \(counters.connections) active, \(counters.refused) refused."),
                unit: name)
            performAccept(runtime.machine.handle(.stop), socket: name)
        }
    }
}
