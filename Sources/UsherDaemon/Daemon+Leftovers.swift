// What a run leaves behind: a service's or an Accept=yes instance's processes after its main
// process exits, and what a socket unit's commands left (its final kill). Without cgroups, a run's
// processes are the sessions usherd started for it (each spawn calls setsid) and their descendants
// among the orphans it adopts as subreaper; KillMode= says what they get, and the unit is released only
// when none is left. A process that calls setsid and leaves its process group while its parent lives escapes.
import Launch
import Activation
import UnitModel
import UsherSys

/// An Accept=yes instance whose main process exited while others of its session live on.
struct LingeringInstance {
    var record: InstanceRecord
    var timer: EventSource?
    /// FinalKillSignal= was sent (systemd's stop-sigkill): the next timeout gives up on them.
    var killed: Bool
}

/// Process groups still alive and other leftover processes of some sessions.
struct Leftovers {
    var groups: [Int32] = []
    var processes: [Int32] = []
    var isEmpty: Bool { groups.isEmpty && processes.isEmpty }
    var summary: String {
        let groupText = groups.isEmpty ? [] : ["process group(s) \(groups.map(String.init).joined(separator: ", "))"]
        let processText = processes.isEmpty ? [] : ["PID(s) \(processes.map(String.init).joined(separator: ", "))"]
        return (groupText + processText).joined(separator: " and ")
    }
}

extension Daemon {
    /// Children of usherd's main thread that are not a service's known process:
    /// adopted orphans. Read at most once per event (handle(_:) clears it).
    private func orphanCandidates() -> [Int32] {
        if let snapshot = orphanSnapshot { return snapshot }
        let unknown = processes.childrenOfMainThread().filter { units.owner(of: $0) == nil }
        orphanSnapshot = unknown
        return unknown
    }

    /// Pids are allocated cyclically, so a session id whose processes are all
    /// gone is not handed out again before the pid space wraps.
    func leftovers(of sessions: Set<Int32>) -> Leftovers {
        guard !sessions.isEmpty else { return Leftovers() }
        return Leftovers(groups: sessions.filter(processes.groupExists).sorted(),
                         processes: processes.sessionMembers(of: sessions, among: orphanCandidates()))
    }

    /// `signals` in turn to every group and process: a stop step's (KillContext.stopSignals(for:)), or
    /// `usherctl kill`'s signal alone.
    func send(_ signals: [Int32], to leftovers: Leftovers) {
        for group in leftovers.groups {
            for signal in signals { try? processes.signalGroup(group, signal) }
        }
        for pid in leftovers.processes {
            for signal in signals { processes.signal(pid: pid, signal) }
        }
    }

    /// Whether signalling the process groups `groups` reaches the process `pid`: it is in one of
    /// them, so a signal of its own would be its second.
    func groups(_ groups: Set<Int32>, reach pid: Int32) -> Bool {
        processes.processGroup(of: pid).map(groups.contains) ?? false
    }

    func hasLeftovers(_ name: UnitName) -> Bool {
        !leftovers(of: units.services[name]?.sessions ?? []).isEmpty
    }

    /// Whether a socket unit's commands left processes behind.
    func hasCommandLeftovers(_ name: UnitName) -> Bool {
        !leftovers(of: socketCommands(of: name)?.sessions ?? []).isEmpty
    }

    /// A stop step's signals (its ServiceAction.signalLeftovers) in turn to each of the service's
    /// leftovers, looked up once, but not to the `except` groups, which the same step signalled already.
    func signalLeftovers(of name: UnitName, _ signals: [Int32], except signalled: Set<Int32> = []) {
        var rest = leftovers(of: units.services[name]?.sessions ?? [])
        rest.groups.removeAll { signalled.contains($0) }
        send(signals, to: rest)
    }

    /// After reaping: services waiting for their leftovers, socket units whose commands' final
    /// kill waits for theirs, then lingering instances.
    func checkLingeringProcesses(afterReaping: Bool) {
        guard afterReaping else { return }
        for name in units.awaitingLeftovers where !hasLeftovers(name) {
            deliver(.leftoversGone, toService: name)
        }
        for name in units.socketsAwaitingLeftovers where !hasCommandLeftovers(name) {
            runSocketCommands(name) { $0.leftoversGone() }
        }
        for (pid, lingering) in units.lingering where leftovers(of: [pid]).isEmpty {
            units.lingering[pid] = nil
            releaseInstance(lingering.record)
        }
    }

    /// An instance's main process `pid` is gone: its slot is free now, or once its leftovers are.
    /// systemd 252's stop-sigterm (KILL_TERMINATE) for the instance: KillSignal= (SendSIGHUP='s SIGHUP after
    /// it). KillMode=mixed signals no leftover there, so they get stop-sigkill's FinalKillSignal= at once,
    /// or, with SendSIGKILL=no, nothing: the instance is done and they keep running.
    func settleInstance(_ instance: InstanceRecord, mainPID pid: Int32) {
        guard let template = units.acceptSockets[instance.socket]?.templateUnit else {
            releaseInstance(instance)
            return
        }
        let kill = template.kill
        let stop = kill.killMode.leftoverStop(sendSIGKILL: kill.sendSIGKILL)
        // KillMode=process or none: what the instance left keeps running, as under systemd; no scan for it.
        let left = stop == .spared ? Leftovers() : leftovers(of: [pid])
        guard !left.isEmpty else {
            releaseInstance(instance)
            return
        }
        log(Note(.info, "Stopping what the main process left: \(left.summary)."), instance: instance)
        let killed = stop == .kill
        send(kill.stopSignals(for: killed ? .kill : .terminate), to: left)
        units.lingering[pid] = LingeringInstance(record: instance, timer: lingerTimer(template, pid), killed: killed)
    }

    /// TimeoutStopSec= passed for a lingering instance: after stop-sigterm, FinalKillSignal= (systemd's
    /// stop-sigkill, KILL_KILL) unless SendSIGKILL=no; after stop-sigkill, give up on them.
    func instanceLingerTimedOut(_ pid: Int32) {
        guard var lingering = units.lingering[pid], let template = units.acceptSockets[lingering.record.socket]?.templateUnit else {
            return
        }
        guard !lingering.killed, template.kill.sendSIGKILL else {
            // systemd's words, whatever FinalKillSignal= is.
            let words = lingering.killed ? "Processes still around after SIGKILL. Ignoring."
                : "State 'stop-sigterm' timed out. Skipping SIGKILL."
            log(Note(.warning, words), instance: lingering.record)
            units.lingering[pid] = nil
            releaseInstance(lingering.record)
            return
        }
        log(Note(.warning, "State 'stop-sigterm' timed out. Killing."), instance: lingering.record)
        send(template.kill.stopSignals(for: .kill), to: leftovers(of: [pid]))
        lingering.killed = true
        lingering.timer = lingerTimer(template, pid)
        units.lingering[pid] = lingering
    }

    func lingerTimer(_ template: ServiceUnit, _ pid: Int32) -> EventSource? {
        guard !template.timeoutStopSec.isInfinity else { return nil }
        return try? loop.addTimer(after: template.timeoutStopSec, reporting: .instanceLingerTimeout(pid: pid))
    }
}
