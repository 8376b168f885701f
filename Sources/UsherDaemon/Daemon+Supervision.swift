// A service's timers besides the machine's logic: the state timer with its
// deadline (EXTEND_TIMEOUT_USEC= moves it), the watchdog, Type=forking's main
// pid from PIDFile= (polled until it appears, checked as systemd checks it) or
// guessed among usherd's adopted children, and Type=dbus's bus name watch.
import Activation
import UnitModel
import UsherSys

extension Daemon {
    func armTimer(_ name: UnitName, _ span: TimeSpan) {
        units.services[name]?.timer = try? loop.addTimer(after: span, reporting: .serviceTimer(name))
        units.services[name]?.timerDeadline = monotonicMicroseconds() &+ span.microseconds
    }

    func armWatchdog(_ name: UnitName, _ span: TimeSpan) {
        units.services[name]?.watchdog = try? loop.addTimer(after: span, reporting: .serviceWatchdog(name))
        units.services[name]?.watchdogDeadline = monotonicMicroseconds() &+ span.microseconds
    }

    /// EXTEND_TIMEOUT_USEC=: a running timer (and watchdog) that would fire before now + span fires then instead.
    func extendTimers(_ name: UnitName, by span: TimeSpan) {
        guard let runtime = units.services[name] else { return }
        let extended = monotonicMicroseconds() &+ span.microseconds
        if runtime.timer != nil, extended > runtime.timerDeadline { armTimer(name, span) }
        if runtime.watchdog != nil, extended > runtime.watchdogDeadline { armWatchdog(name, span) }
    }

    /// Type=forking after its start process exited: PIDFile= or a guess.
    func findMainPID(_ name: UnitName) {
        guard let runtime = units.services[name], runtime.machine.state == .starting else { return }
        guard let path = runtime.unit.pidFile else {
            let guess = runtime.unit.guessMainPID ? guessMainPID(name) : nil
            if let guess { adoptSession(of: guess, for: name) }
            deliver(.mainPIDFound(guess), toService: name)
            return
        }
        switch loadPIDFile(path, for: name) {
        case .found(let pid):
            adoptSession(of: pid, for: name)
            deliver(.mainPIDFound(pid), toService: name)
        case .notYet(let message):
            // Like systemd's empty control group: nothing of the service is left to write the file.
            guard hasLeftovers(name) || !adoptedCandidates(name).isEmpty else {
                log(Note(.info, message), unit: name)
                log(Note(.warning, "Daemon never wrote its PID file. Failing."), unit: name)
                deliver(.pidFileFailed, toService: name)
                return
            }
            if units.services[name]?.pidFilePoll == nil { log(Note(.info, message), unit: name) }
            units.services[name]?.pidFilePoll = try? loop.addTimer(after: .milliseconds(100), reporting: .pidFilePoll(name))
        }
    }

    private enum PIDFileOutcome { case found(Int32), notYet(String) }

    /// systemd's service_load_pid_file checks: a number, not usherd, alive, and
    /// of the service (or named in a file owned by root).
    private func loadPIDFile(_ path: String, for name: UnitName) -> PIDFileOutcome {
        guard let text = try? readSmallFile(path, limit: 64) else {
            return .notYet("Can't open PID file \(path) (yet?) after start: No such file or directory")
        }
        guard let word = text.split(whereSeparator: \.isWhitespace).first, let pid = Int32(word), pid > 0 else {
            return .notYet("Failed to parse PID from file \(path): Invalid argument")
        }
        switch mainPIDClaim(pid, for: name) {
        case .manager: return .notYet("New main PID \(pid) is the manager itself, refusing.")
        case .gone: return .notYet("New main PID \(pid) does not exist or is a zombie.")
        case .ofService: return .found(pid)
        case .foreign:
            guard (try? FileNodes.status(path))?.uid == 0 else {
                return .notYet("New main PID \(pid) does not belong to service, and PID file is not owned by root. Refusing.")
            }
            log(Note(.debug, "New main PID \(pid) does not belong to service, but we'll accept it since PID file is owned by root."), unit: name)
            return .found(pid)
        }
    }

    /// Without cgroups, systemd's guess (the one process of the service whose
    /// parent is the manager) becomes: the one child of usherd, adopted after its
    /// parent exited, that is in the service's sessions or leads a session of its
    /// own that no other service has. None or several: no guess.
    private func guessMainPID(_ name: UnitName) -> Int32? {
        let candidates = adoptedCandidates(name)
        return candidates.count == 1 ? candidates[0] : nil
    }

    /// Live children of usherd that no unit owns, in the service's sessions or leading an unclaimed session.
    private func adoptedCandidates(_ name: UnitName) -> [Int32] {
        let sessions = units.services[name]?.sessions ?? []
        return processes.childrenOfMainThread().filter { pid in
            guard units.owner(of: pid) == nil, let ids = ProcessIDs.read(pid), !ids.isZombie else { return false }
            if sessions.contains(ids.session) || sessions.contains(ids.group) { return true }
            return ids.session == pid && !sparedSessions.contains(pid)
                && !units.services.contains { $0.key != name && $0.value.sessions.contains(pid) }
        }
    }

    /// The main process's own session and group count as the service's from now on.
    private func adoptSession(of pid: Int32, for name: UnitName) {
        units.services[name]?.pidFilePoll = nil
        guard let ids = ProcessIDs.read(pid) else { return }
        units.services[name]?.sessions.insert(ids.session)
        if ids.group != ids.session { units.services[name]?.sessions.insert(ids.group) }
    }

    func watchBusName(_ busName: String, for name: UnitName) {
        do {
            units.services[name]?.busWatch = try loop.addBusNameWatch(busName, acquired: .busNameAppeared(name),
                                                                      lost: .busNameVanished(name))
        } catch {
            log(Note(.error, "Failed to watch bus name \(busName): \(error)"), unit: name)
        }
    }
}
