// usherd's own sd_notify messages to the manager that started it (systemd, or
// a test playing it): READY=1 once bound, RELOADING=1/READY=1 around a reload,
// STOPPING=1 at shutdown, STATUS= with live counts (only on change, at most
// once a second) and WATCHDOG=1 at half WATCHDOG_USEC. Silent without
// NOTIFY_SOCKET in usherd's environment; no timer runs unless needed.
import CSystemd
import Glibc
import UnitModel
import UsherSys

/// What usherd last told its manager, the two timers that may be armed, the
/// passed fds not yet adopted (Daemon+Adoption) and the fd store's contents (Daemon+FDStore).
final class ManagerLink {
    /// NOTIFY_SOCKET is set in usherd's own environment.
    let enabled: Bool
    /// Half of WATCHDOG_USEC when the watchdog is enabled for usherd's pid.
    let watchdogInterval: TimeSpan?
    var lastStatus = ""
    /// When the status was last compared (monotonic µs): at most once a second.
    var lastStatusCheck: UInt64 = 0
    var statusTimer: EventSource?
    var watchdogTimer: EventSource?
    /// $FDSTORE > 0: the manager keeps fds for usherd (FileDescriptorStoreMax=).
    let fdStoreAllowed: Bool
    /// What each socket unit has in the fd store (Daemon+FDStore).
    var stored: [UnitName: [FDIdentity]] = [:]
    /// Passed listeners no unit has adopted yet (Daemon+Adoption); empty once bound.
    var inherited: [InheritedListener] = []

    init() {
        enabled = getenv("NOTIFY_SOCKET") != nil
        fdStoreAllowed = getenv("FDSTORE").flatMap { Int(String(cString: $0)) }.map { $0 > 0 } ?? false
        var usec: UInt64 = 0
        // 0: keep WATCHDOG_USEC/WATCHDOG_PID; services never see usherd's environment anyway.
        watchdogInterval = sd_watchdog_enabled(0, &usec) > 0 && usec > 1 ? TimeSpan(microseconds: usec / 2) : nil
    }

    static let statusInterval: UInt64 = 1_000_000
}

extension Daemon {
    /// Sends `message` to the manager; a failure is logged at debug (the manager may be gone).
    func tellManager(_ message: String) {
        guard manager.enabled else { return }
        let code = sd_notify(0, message)
        if code < 0 { logger.debug("sd_notify: \(String(cString: strerror(-code)))") }
    }

    /// Every socket is bound: READY=1 with the first STATUS=, and the watchdog starts.
    func tellManagerReady() {
        guard manager.enabled else { return }
        manager.lastStatus = managerStatusText()
        manager.lastStatusCheck = monotonicMicroseconds()
        syncFDStore()
        tellManager("READY=1\nSTATUS=\(manager.lastStatus)")
        armWatchdog()
    }

    func tellManagerReloading() {
        tellManager("RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds())")
    }

    func tellManagerReloaded() {
        syncFDStore()
        tellManager("READY=1")
        managerStatusMayHaveChanged()
    }

    /// Called after every event, so it costs a clock read: the status text is
    /// built and compared at most once a second, at once or from a one-shot
    /// timer, and STATUS= is sent when it changed. No event, no timer.
    func managerStatusMayHaveChanged() {
        guard manager.enabled, manager.statusTimer == nil else { return }
        let since = monotonicMicroseconds() &- manager.lastStatusCheck
        guard since < ManagerLink.statusInterval else { return checkManagerStatus() }
        do {
            let wait = TimeSpan(microseconds: ManagerLink.statusInterval - since)
            manager.statusTimer = try loop.addTimer(after: wait, reporting: .managerStatusDue)
        } catch {
            logger.debug("Cannot arm the status timer: \(error)")
        }
    }

    func managerStatusDue() {
        manager.statusTimer = nil
        checkManagerStatus()
    }

    private func checkManagerStatus() {
        manager.lastStatusCheck = monotonicMicroseconds()
        let status = managerStatusText()
        guard status != manager.lastStatus else { return }
        manager.lastStatus = status
        tellManager("STATUS=\(status)")
    }

    private func managerStatusText() -> String {
        let sockets = units.sockets.count + units.acceptSockets.count
        // Accept=yes spawn results are collected lazily (on SIGCHLD): pending instances run too.
        let instances = units.liveInstances + units.pendingInstances.count
        let running = units.services.values.reduce(0) { $0 + ($1.machine.isActive ? 1 : 0) } + instances
        let stopping = shuttingDown ? "Stopping; " : ""
        return "\(stopping)Listening on \(sockets) socket unit(s); \(running) service(s) running"
    }

    /// WATCHDOG=1 now, and the timer for the next one.
    func watchdogDue() {
        manager.watchdogTimer = nil
        tellManager("WATCHDOG=1")
        armWatchdog()
    }

    private func armWatchdog() {
        guard manager.enabled, let interval = manager.watchdogInterval else { return }
        do {
            manager.watchdogTimer = try loop.addTimer(after: interval, reporting: .watchdogDue)
        } catch {
            logger.warning("Cannot arm the watchdog timer, the manager will consider usherd hung: \(error)")
        }
    }
}
