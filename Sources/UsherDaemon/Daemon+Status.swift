// The runtime model as the control plane reads it: a UnitStatus snapshot
// folded from what the daemon already holds (the machines' states, the
// recorded timestamps, counters, live and finished Accept=yes instances,
// the units that failed to load or bind, and the journal's newest lines).
// Nothing here scans processes or the disk.
import Activation
import ControlProtocol
import UnitFile
import UnitModel

extension Daemon {
    /// Every unit usherd knows, sorted by name (templates of Accept=yes sockets excluded).
    func knownUnitNames() -> [UnitName] {
        units.names.filter { !$0.isTemplate }.sorted { $0.full < $1.full }
    }

    /// `web` means `web.service`, as systemctl reads a name without a suffix.
    static func unitName(_ text: String) -> UnitName {
        text.hasSuffix(".service") || text.hasSuffix(".socket") ? UnitName(text) : UnitName(text + ".service")
    }

    /// The snapshot of `name`, or nil when usherd does not know it.
    func status(of name: UnitName, logLines: Int) -> UnitStatus? {
        var status: UnitStatus
        if let runtime = units.sockets[name] {
            status = socketStatus(runtime)
        } else if let runtime = units.acceptSockets[name] {
            status = acceptStatus(runtime)
        } else if let runtime = units.services[name] {
            status = serviceStatus(runtime)
        } else if let broken = units.broken[name] {
            status = brokenStatus(name, broken)
        } else if let instance = liveInstance(named: name) {
            status = instanceStatus(instance)
        } else {
            return nil
        }
        status.recentLog = journal.lines(of: journalKey(for: name), limit: logLines)
        return status
    }

    /// The journal ring that holds `name`'s lines: an Accept=yes instance's are with its template.
    func journalKey(for name: UnitName) -> String {
        guard name.instance != nil, !name.isTemplate,
              let runtime = units.acceptSockets.values.first(where: { $0.template.name.prefix == name.prefix }) else {
            return name.full
        }
        return runtime.template.name.full
    }

    private func base(_ name: UnitName, _ kind: UnitStatus.Kind, _ section: UnitSection, active: ActiveState,
                      sub: String, result: UnitResult, times: UnitTimes) -> UnitStatus {
        var status = UnitStatus(id: name.full, kind: kind, loadState: "loaded", activeState: active.rawValue,
                                subState: sub, result: result.rawValue)
        status.description = section.description
        status.fragmentPath = section.fragmentPath
        status.dropInPaths = section.dropInPaths
        status.stateChangeTimestamp = times.stateChange
        status.activeEnterTimestamp = times.activeEnter
        status.activeExitTimestamp = times.activeExit
        status.inactiveEnterTimestamp = times.inactiveEnter
        return status
    }

    private func socketStatus(_ runtime: SocketRuntime) -> UnitStatus {
        let machine = runtime.machine
        var status = listenerStatus(runtime.unit, active: runtime.commands.activeState(over: machine.activeState),
                                    sub: runtime.commands.subState(over: machine.subState),
                                    result: machine.result, times: runtime.times, triggers: runtime.unit.service)
        status.nAccepted = 0
        status.nConnections = 0
        status.nRefused = 0
        return status
    }

    private func listenerStatus(_ unit: SocketUnit, active: ActiveState, sub: String, result: UnitResult,
                                times: UnitTimes, triggers: UnitName) -> UnitStatus {
        var status = base(unit.name, .socket, unit.unit, active: active, sub: sub, result: result, times: times)
        status.listen = unit.listens.map(Daemon.listenEntry)
        status.triggers = [triggers.full]
        status.accept = unit.accept
        return status
    }

    private func acceptStatus(_ runtime: AcceptRuntime) -> UnitStatus {
        let machine = runtime.machine
        var status = listenerStatus(runtime.unit, active: runtime.commands.activeState(over: machine.activeState),
                                    sub: runtime.commands.subState(over: machine.subState),
                                    result: machine.result, times: runtime.times, triggers: runtime.template.name)
        status.nAccepted = machine.counters.accepted
        status.nConnections = machine.counters.connections
        status.nRefused = machine.counters.refused
        setProtections(of: runtime.templateUnit, in: &status)
        let live = units.instances(of: runtime.unit.name).sorted { $0.pid < $1.pid }
        status.instances = live.prefix(100).map { instanceSummary($0.record, pid: $0.pid) }
        status.finishedInstances = runtime.finished.map { finished in
            var summary = instanceSummary(finished.record, pid: finished.pid)
            summary.exitTimestamp = finished.exited
            summary.execMainCode = finished.status.cldCode
            summary.execMainStatus = finished.status.number
            return summary
        }
        return status
    }

    private func serviceStatus(_ runtime: ServiceRuntime) -> UnitStatus {
        let machine = runtime.machine
        var status = base(runtime.unit.name, .service, runtime.unit.unit, active: machine.activeState,
                          sub: machine.subState, result: machine.result, times: runtime.times)
        status.mainPID = machine.mainPID
        status.controlPID = machine.controlPID
        status.execMainStartTimestamp = runtime.times.mainStart
        status.execMainExitTimestamp = runtime.times.mainExit
        status.execMainCode = machine.mainExit?.cldCode
        status.execMainStatus = machine.mainExit?.number
        status.nRestarts = machine.restartCount
        status.statusText = machine.statusText
        status.statusErrno = machine.statusErrno
        status.triggeredBy = socketsFeeding(runtime.unit).map(\.unit.name.full)
        status.nFileDescriptorStore = UInt32(units.fdStores[runtime.unit.name]?.count ?? 0)
        status.fileDescriptorStoreMax = runtime.unit.fileDescriptorStoreMax
        setProtections(of: runtime.unit, in: &status)
        return status
    }

    /// Which of the unit's protections this usherd enforces (SecurityKeys); nil lists when it sets none.
    func setProtections(of unit: ServiceUnit, in status: inout UnitStatus) {
        let keys = unit.exec.securityKeys
        guard !keys.isEmpty else { return }
        let split = SecurityKeys.partition(keys, privileged: options.sandboxingPolicy.privileged)
        status.protectionsEnforced = split.enforced
        status.protectionsNotEnforced = split.notEnforced
    }

    private func brokenStatus(_ name: UnitName, _ broken: BrokenUnit) -> UnitStatus {
        let kind: UnitStatus.Kind = name.kind == .socket ? .socket : .service
        var status = broken.loaded
            ? UnitStatus(id: name.full, kind: kind, loadState: "loaded", activeState: "failed", subState: "failed",
                         result: UnitResult.resources.rawValue)
            : UnitStatus(id: name.full, kind: kind, loadState: "error", activeState: "inactive", subState: "dead",
                         result: UnitResult.success.rawValue)
        status.loadError = broken.reason
        return status
    }

    /// A running Accept=yes instance by its full name (only while it runs).
    private func liveInstance(named name: UnitName) -> (pid: Int32, record: InstanceRecord)? {
        guard name.instance != nil else { return nil }
        return units.instances().first { instanceUnitName($0.record) == name }
    }

    private func instanceStatus(_ instance: (pid: Int32, record: InstanceRecord)) -> UnitStatus {
        let name = instanceUnitName(instance.record)
        var status = UnitStatus(id: name.full, kind: .service, loadState: "loaded", activeState: "active",
                                subState: "running", result: UnitResult.success.rawValue)
        status.description = units.acceptSockets[instance.record.socket]?.templateUnit.unit.description
        status.mainPID = instance.pid
        status.execMainStartTimestamp = instance.record.started
        status.activeEnterTimestamp = instance.record.started
        status.triggeredBy = [instance.record.socket.full]
        return status
    }

    private func instanceSummary(_ record: InstanceRecord, pid: Int32) -> InstanceStatus {
        InstanceStatus(id: instanceUnitName(record).full, mainPID: pid, peer: Daemon.peer(ofInstance: record.instance),
                       startTimestamp: record.started)
    }

    /// The remote end in an instance string: `N-LOCAL-PEER` for IP, `N-PID-UID` for AF_UNIX.
    static func peer(ofInstance instance: String) -> String {
        let parts = instance.split(separator: "-", maxSplits: 1)
        guard parts.count == 2 else { return instance }
        let rest = parts[1]
        guard rest.contains(":"), let dash = rest.lastIndex(of: "-") else { return String(rest) }
        return String(rest[rest.index(after: dash)...])
    }

    static func listenEntry(_ spec: ListenSpec) -> ListenEntry {
        ListenEntry(type: String(spec.kind.rawValue.dropFirst("Listen".count)), address: spec.text)
    }
}

extension ExitStatus {
    /// systemd's ExecMainCode: the CLD_* code (1 exited, 2 killed, 3 dumped).
    var cldCode: Int {
        switch self {
        case .exited: return 1
        case .killed: return 2
        case .dumped: return 3
        }
    }

    /// ExecMainStatus: the exit code or the signal number.
    var number: Int32 {
        switch self {
        case .exited(let code): return code
        case .killed(let signal), .dumped(let signal): return signal
        }
    }
}
