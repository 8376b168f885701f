// Readiness and supervision of a running service besides READY=1: Type=forking's
// main pid (PIDFile= or a guess), Type=dbus's bus name, WatchdogSec= with
// WATCHDOG=1/trigger/WATCHDOG_USEC=, and ExecReload= (or RELOADING=1) as
// systemd 252 runs them. Part of the pure ServiceMachine.
import UnitModel

extension ServiceMachine {
    /// Type=forking, after the start process exited well.
    mutating func mainPIDFound(_ pid: Int32?) -> [ServiceAction] {
        guard state == .starting, config.type == .forking else { return [] }
        controlPhase = nil
        if let pid {
            mainPID = pid
            return [.cancelTimer, .log(Note(.info, "Main PID is \(pid).")), .watchMainPID(pid)] + enterStartPost()
        }
        mainUnknown = true
        return [.cancelTimer, .log(Note(.info, "Cannot determine the main PID; the service runs while its processes do."))]
            + enterStartPost()
    }

    mutating func busNameAcquired() -> [ServiceAction] {
        guard state == .starting, config.type == .dbus else { return [] }
        return [.cancelTimer, .log(Note(.info, "Bus name \(config.busName ?? "") acquired."))] + enterStartPost()
    }

    /// A running Type=dbus service whose name is gone is stopped, as systemd 252's
    /// service_enter_running does without the bus name.
    mutating func busNameLost() -> [ServiceAction] {
        guard state == .running, config.type == .dbus else { return [] }
        return [.log(Note(.info, "Bus name \(config.busName ?? "") lost its owner; stopping."))] + enterStop(failure: nil)
    }

    /// The watchdog's limit: WATCHDOG_USEC= when the service set one, else WatchdogSec=.
    var watchdogLimit: TimeSpan? {
        let limit = watchdogOverride ?? config.watchdog
        guard let limit, limit.microseconds > 0, !limit.isInfinity else { return nil }
        return limit
    }

    /// (Re)arms the watchdog from now; nothing when it is off.
    func resetWatchdog() -> [ServiceAction] {
        guard let limit = watchdogLimit else { return stopWatchdog() }
        return [.armWatchdog(limit)]
    }

    /// Cancels the watchdog of a service that has one (no action for the others).
    func stopWatchdog() -> [ServiceAction] {
        config.watchdog == nil && watchdogOverride == nil ? [] : [.cancelWatchdog]
    }

    /// The watchdog timer can only fire while it is armed (start to stop).
    mutating func watchdogExpired() -> [ServiceAction] {
        switch state {
        case .starting, .startPost, .running, .reloading:
            let limit = watchdogLimit.map(Self.format) ?? "unset"
            return [.log(Note(.error, "Watchdog timeout (limit \(limit))!"))] + watchdogKill()
        case .inactive, .failed, .startPre, .spawning, .exited, .stopping, .stopPost, .autoRestart:
            return []
        }
    }

    /// WatchdogSignal= and the result `watchdog` (Restart=on-watchdog applies).
    mutating func watchdogKill() -> [ServiceAction] {
        pendingResult = pendingResult ?? .watchdog
        return [.cancelTimer] + sendKillSignal(watchdog: true)
    }

    /// `usherctl reload`: ExecReload= lines in order with $MAINPID while the service runs.
    mutating func reloadRequested() -> [ServiceAction] {
        guard state == .running || state == .exited else { return [] }
        reloadResult = nil
        guard config.commandCount(.reload) > 0 else {
            reloadResult = .success
            return []
        }
        state = .reloading
        return runControl(.reload, index: 0, timeout: config.startTimeout)
    }

    /// A span as systemd prints a short one: "3s", "500ms", "1500us".
    static func format(_ span: TimeSpan) -> String {
        let us = span.microseconds
        if us % 1_000_000 == 0 { return "\(us / 1_000_000)s" }
        if us % 1_000 == 0 { return "\(us / 1_000)ms" }
        return "\(us)us"
    }
}
