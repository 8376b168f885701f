// Reload (SIGHUP and `usherctl daemon-reload`, one function): re-reads the unit
// directories and applies the difference to the UnitTable. Kept listeners keep
// their fds (so their kernel queues survive), running processes are never
// touched, and a unit that now fails to load or bind keeps its working definition.
import Activation
import Binder
import ControlProtocol
import UnitFile
import UnitModel
import UsherSys

extension Daemon {
    /// Applies the unit files as they are now; returns (and logs) what changed,
    /// or nil once usherd is stopping (nothing is bound then).
    @discardableResult
    func reload() -> ReloadSummary? {
        guard !shuttingDown else {
            logger.notice("Not reloading: usherd is stopping.")
            return nil
        }
        watchUnitDirectories()
        tellManagerReloading()
        defer { tellManagerReloaded() }
        let set = loader.loadAll(run: Threads.concurrentPerform)
        record(set)
        var summary = ReloadSummary()
        for name in set.refused {
            let errors = set.errors(of: name)
            let reason = errors.isEmpty ? "Failed to load." : errors.joined(separator: "; ")
            if units.hasRuntime(name) { log(Note(.error, "Reload failed, keeping the previous definition."), unit: name) }
            summary.failed.append(ReloadFailure(unit: name.full, reason: reason))
        }
        let present = Set(set.sockets.map(\.name) + set.services.map(\.name) + set.refused)
        for service in set.services { reloadService(service, &summary) }
        for socket in set.sockets { reloadSocket(socket, &summary) }
        for name in units.names.subtracting(present).sorted(by: { $0.full < $1.full }) {
            removeUnit(name, &summary)
        }
        Memory.releaseFreePages()
        let sorted = summary.sortedByName()
        logSummary(sorted)
        return sorted
    }

    private func logSummary(_ summary: ReloadSummary) {
        for line in summary.lines { logger.notice("Reload: \(line)") }
        for failure in summary.failed { logger.error("Reload: \(failure.unit): \(failure.reason)") }
        let outcome = summary.succeeded ? "Reloaded." : "Reloaded with \(summary.failed.count) failed unit(s)."
        logger.notice("\(outcome)")
    }

    // MARK: removed units

    /// A unit no longer on disk: dropped now, or once what runs of it has stopped
    /// (its service, its Accept=yes instances); until then it is not watched.
    private func removeUnit(_ name: UnitName, _ summary: inout ReloadSummary) {
        if units.services[name] != nil, let loaded = loader.loadService(name).0 {
            return reloadService(loaded, &summary)
        }
        summary.removed.append(name.full)
        units.broken[name] = nil
        guard units.hasRuntime(name) else { return }
        units.retiring.insert(name)
        units.sockets[name]?.sources.forEach { $0.setEnabled(false) }
        units.acceptSockets[name]?.sources.forEach { $0.setEnabled(false) }
        dropStoppedRetiringUnits()
    }

    /// Drops the retiring units that no longer run; a socket's listeners are closed then, through its
    /// stop commands if it has any (it is dropped once they are done: runSocketCommands calls this again).
    func dropStoppedRetiringUnits() {
        for name in units.retiring where !stillRuns(name) {
            if units.sockets[name] != nil {
                closeSocket(name)
                if socketCommands(of: name)?.isBusy == true { continue }
                units.sockets[name] = nil
                units.socketUnitsChanged()
            }
            if let runtime = units.acceptSockets[name] {
                if !closeThroughCommands(name, bound: runtime.bound != nil) { runtime.closeListeners() }
                if runtime.commands.isBusy { continue }
                units.acceptSockets[name] = nil
            }
            units.retiring.remove(name)
            units.services[name] = nil
            log(Note(.info, "Removed by a reload; stopped, dropped."), unit: name)
        }
        // A dropped socket's commands are gone with it: a re-exec that waited for them goes on.
        reexecAfterSocketCommands()
    }

    private func stillRuns(_ name: UnitName) -> Bool {
        if socketCommands(of: name)?.isBusy == true { return true }
        if let socket = units.sockets[name] {
            return units.services[socket.unit.service]?.machine.isActive ?? false
        }
        if let socket = units.acceptSockets[name] {
            return socket.machine.counters.connections > 0 || !units.instances(of: name).isEmpty
        }
        return units.services[name]?.machine.isActive ?? false
    }

    // MARK: services

    private func reloadService(_ unit: ServiceUnit, _ summary: inout ReloadSummary) {
        units.retiring.remove(unit.name)
        guard var runtime = units.services[unit.name] else {
            units.broken[unit.name] = nil
            units.services[unit.name] = ServiceRuntime(unit: unit)
            summary.added.append(unit.name.full)
            return
        }
        guard (runtime.pending ?? runtime.unit) != unit else {
            summary.kept.append(unit.name.full)
            return
        }
        UnsupportedSettings.notes(for: unit).forEach { log($0, unit: unit.name) }
        runtime.pending = unit
        units.services[unit.name] = runtime
        applyPendingDefinition(unit.name)
        summary.changed.append(unit.name.full)
    }

    /// A reloaded service definition takes over once the service is not active
    /// (at once, or when the running one has stopped): the next start uses it.
    func applyPendingDefinition(_ name: UnitName) {
        guard var runtime = units.services[name], let pending = runtime.pending, !runtime.machine.isActive else { return }
        runtime.machine.adopt(ServiceConfig(unit: pending))
        runtime.pending = nil
        units.services[name] = runtime
    }

    // MARK: sockets

    private func reloadSocket(_ unit: SocketUnit, _ summary: inout ReloadSummary) {
        let name = unit.name
        let wasRetiring = units.retiring.remove(name) != nil
        if let old = units.sockets[name] {
            guard !unit.accept else { return acceptModeChanged(unit, &summary) }
            return reloadListeningSocket(unit, old, wasRetiring: wasRetiring, &summary)
        }
        if let old = units.acceptSockets[name] {
            guard unit.accept else { return acceptModeChanged(unit, &summary) }
            return reloadAcceptSocket(unit, old, wasRetiring: wasRetiring, &summary)
        }
        units.broken[name] = nil
        bindSocket(unit)
        if let broken = units.broken[name] {
            summary.failed.append(ReloadFailure(unit: name.full, reason: broken.reason))
        } else {
            summary.added.append(name.full)
        }
    }

    private func acceptModeChanged(_ unit: SocketUnit, _ summary: inout ReloadSummary) {
        let text = "Accept= changed; keeping the previous definition until usherd restarts."
        log(Note(.error, text), unit: unit.name)
        summary.failed.append(ReloadFailure(unit: unit.name.full, reason: text))
    }

    private func reloadListeningSocket(_ unit: SocketUnit, _ old: SocketRuntime, wasRetiring: Bool,
                                       _ summary: inout ReloadSummary) {
        let name = unit.name
        guard old.unit != unit else {
            if wasRetiring { perform(old.machine.startActions(), socket: name) }
            summary.kept.append(name.full)
            return
        }
        guard ensureServiceLoaded(unit.service) else {
            return keepPrevious(name, "Socket service \(unit.service) not loaded, refusing.", &summary)
        }
        var runtime = old
        let shared = Shared(unit)
        if let bound = old.bound {
            switch rebindListeners(shared, replacing: bound, sources: old.sources, reporting: { _ in .listenerReadable(name) }) {
            case .bound(let rebound, let sources):
                runtime.bound = rebound
                runtime.sources = sources
            case .failed(let restored):
                if let restored {
                    units.sockets[name]?.sources = restored
                    perform(old.machine.startActions(), socket: name)
                }
                return keepPrevious(name, lastBindFailure ?? "Failed to listen.", &summary)
            }
        }
        runtime.sharedUnit = shared
        runtime.machine = SocketMachine(unit: unit, continuing: old.machine)
        // New commands apply from the next start or stop; a run under way finishes with the old ones.
        runtime.commands = SocketCommands(unit: unit, continuing: old.commands)
        units.sockets[name] = runtime
        units.socketUnitsChanged()
        perform(runtime.machine.startActions(), socket: name)
        note(name, changedFrom: old.listeners, to: runtime.listeners, &summary)
    }

    private func reloadAcceptSocket(_ unit: SocketUnit, _ old: AcceptRuntime, wasRetiring: Bool,
                                    _ summary: inout ReloadSummary) {
        let name = unit.name
        guard let (template, templateUnit) = loadAcceptTemplate(unit) else {
            return keepPrevious(name, "Socket service \(unit.service) not loaded, refusing.", &summary)
        }
        guard old.unit != unit || old.templateUnit != templateUnit else {
            if wasRetiring { performAccept(old.machine.startActions(), socket: name) }
            summary.kept.append(name.full)
            return
        }
        guard let (stdio, launch) = try? prepareInstances(of: unit, templateUnit) else {
            return keepPrevious(name, "Cannot prepare \(unit.service).", &summary)
        }
        var bound = old.bound
        var sources = old.sources
        let shared = Shared(unit)
        if let oldBound = old.bound {
            switch rebindListeners(shared, replacing: oldBound, sources: old.sources,
                                   reporting: { .acceptReadable(name, index: $0) }) {
            case .bound(let rebound, let newSources):
                makeNonBlocking(rebound)
                (bound, sources) = (rebound, newSources)
            case .failed(let restored):
                if let restored {
                    old.adopt(oldBound, sources: restored)
                    performAccept(old.machine.startActions(), socket: name)
                }
                return keepPrevious(name, lastBindFailure ?? "Failed to listen.", &summary)
            }
        }
        let runtime = AcceptRuntime(unit: shared, bound: bound, sources: sources, template: template,
                                    templateUnit: templateUnit, launch: launch, stdio: stdio)
        runtime.carryOver(from: old)
        units.acceptSockets[name] = runtime
        performAccept(runtime.machine.startActions(), socket: name)
        note(name, changedFrom: old.listeners, to: runtime.listeners, &summary)
    }

    private func keepPrevious(_ name: UnitName, _ reason: String, _ summary: inout ReloadSummary) {
        log(Note(.error, "Reload failed, keeping the previous definition: \(reason)"), unit: name)
        units.broken[name] = nil
        summary.failed.append(ReloadFailure(unit: name.full, reason: reason))
    }

    /// "rebound" when any listener fd is new, "changed" when every one was kept.
    private func note(_ name: UnitName, changedFrom old: [BoundListener], to new: [BoundListener],
                      _ summary: inout ReloadSummary) {
        let oldFDs = Set(old.map { ObjectIdentifier($0.fd) })
        if new.allSatisfy({ oldFDs.contains(ObjectIdentifier($0.fd)) }) {
            summary.changed.append(name.full)
        } else {
            log(Note(.info, "Listeners rebound."), unit: name)
            summary.rebound.append(name.full)
        }
    }

    /// Binds `unit` offering the open listeners of `old` (a match is kept, fd and queue);
    /// the old io sources give way to new ones, and the old listeners not kept are released.
    /// On failure `old` stays bound; its sources too, or (when new sources could not be
    /// added) fresh disabled ones in `.failed(restored:)`.
    private func rebindListeners(_ shared: Shared<SocketUnit>, replacing old: BoundSocket, sources oldSources: [EventSource],
                                 reporting event: (Int) -> DaemonEvent) -> Rebinding {
        let unit = shared.value
        switch Binder.bind(shared, keeping: old.listeners) {
        case .failure(let failure):
            logger.error("\(failure.description)", metadata: ["unit": "\(unit.name)"])
            lastBindFailure = failure.description
            return .failed(restored: nil)
        case .success(let bound):
            for warning in bound.warnings { logger.warning("\(warning)", metadata: ["unit": "\(unit.name)"]) }
            oldSources.forEach { $0.cancel() }
            do {
                let sources = try watchSources(for: bound, reporting: event)
                Binder.release(old, sparing: bound)
                return .bound(bound, sources)
            } catch {
                logger.error("\(error)", metadata: ["unit": "\(unit.name)"])
                lastBindFailure = "\(error)"
                Binder.release(bound, sparing: old)
                return .failed(restored: (try? watchSources(for: old, reporting: event)) ?? [])
            }
        }
    }
}

/// How rebinding a changed socket went.
private enum Rebinding {
    case bound(BoundSocket, [EventSource])
    /// The old listeners stay; `restored` replaces their io sources when those were cancelled.
    case failed(restored: [EventSource]?)
}
