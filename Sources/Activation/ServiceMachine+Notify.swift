// sd_notify messages to a service, checked as systemd checks them: the
// sender against NotifyAccess= (the kernel's SCM_CREDENTIALS pid), and a
// MAINPID= claim against what the daemon found in /proc (usherd or PID 1,
// gone, the control process, of this service, or foreign: taken from root only),
// then READY=1/RELOADING=1/STOPPING=1 (last one wins), STATUS=, ERRNO=,
// WATCHDOG=, WATCHDOG_USEC= and EXTEND_TIMEOUT_USEC=. Part of the pure ServiceMachine.
import UnitModel

/// Who sent a notification, as the kernel reported it.
public struct NotifySender: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public init(pid: Int32, uid: UInt32) {
        self.pid = pid
        self.uid = uid
    }
}

/// What the daemon found about the pid a MAINPID= names.
public enum MainPIDClaim: Sendable, Equatable {
    /// usherd itself or PID 1.
    case manager
    /// No such process, or a zombie.
    case gone
    /// A process of this service (its sessions, groups, or their descendants).
    case ofService
    /// Alive, but not of this service.
    case foreign
}

extension ServiceMachine {
    mutating func notify(_ message: NotifyMessage, sender: NotifySender, claim: MainPIDClaim?) -> [ServiceAction] {
        if let refusal = notifyRefusal(sender.pid) {
            guard !notifyRefusalLogged else { return [] }
            notifyRefusalLogged = true
            return [.log(Note(.warning, refusal))]
        }
        var actions: [ServiceAction] = []
        if let pid = message.mainPID, pid != mainPID, acceptsMainPIDChange {
            actions += changeMainPID(to: pid, claim: claim ?? .gone, sender: sender)
        }
        switch message.lastStateChange {
        case .ready?: actions += notifiedReady()
        case .reloading?: actions += notifiedReloading()
        case .stopping?: actions += stoppingNotified()
        case nil: break
        }
        if let status = message.status { statusText = status }
        if let text = message.errno {
            if let number = Int32(text), number >= 0 {
                statusErrno = number
            } else {
                actions.append(.log(Note(.warning, "Failed to parse ERRNO= field value '\(text)' in notification message: Invalid argument")))
            }
        }
        return actions + watchdogMessages(message)
    }

    private mutating func notifiedReady() -> [ServiceAction] {
        notifiedStopping = false
        switch state {
        case .starting:
            guard config.type == .notify else { return [] }
            return [.cancelTimer, .log(Note(.info, "Service is ready."))] + enterStartPost()
        case .reloading:
            // Reloading by RELOADING=1 ends here; a running ExecReload= ends by itself.
            guard controlPID == nil else { return [] }
            reloadResult = .success
            return [.cancelTimer] + enterRunning()
        case .inactive, .failed, .startPre, .spawning, .startPost, .running, .exited, .stopping, .stopPost, .autoRestart:
            return []
        }
    }

    /// RELOADING=1 while running: reloading until READY=1, within TimeoutStartSec=.
    private mutating func notifiedReloading() -> [ServiceAction] {
        guard state == .running else { return [] }
        state = .reloading
        reloadResult = nil
        return config.startTimeout.isInfinity ? [.cancelTimer] : [.armTimer(config.startTimeout)]
    }

    /// STOPPING=1 while running: as if SIGTERM'd; usherd waits TimeoutStopSec= for the main process to end.
    private mutating func stoppingNotified() -> [ServiceAction] {
        notifiedStopping = true
        guard state == .running || state == .reloading else { return [] }
        state = .stopping(.signalled)
        return [.log(Note(.info, "Service is stopping.")), .cancelTimer, .cancelWatchdog] + armStopTimer()
    }

    /// WATCHDOG=1 restarts the watchdog, WATCHDOG_USEC= replaces its limit,
    /// WATCHDOG=trigger acts as a timeout now, EXTEND_TIMEOUT_USEC= pushes the running timer out.
    private mutating func watchdogMessages(_ message: NotifyMessage) -> [ServiceAction] {
        var actions: [ServiceAction] = []
        let supervised: Bool
        switch state {
        case .starting, .startPost, .running, .reloading: supervised = true
        case .inactive, .failed, .startPre, .spawning, .exited, .stopping, .stopPost, .autoRestart: supervised = false
        }
        if let text = message.extendTimeoutUSec {
            if let usec = UInt64(text) {
                actions.append(.extendTimer(TimeSpan(microseconds: usec)))
            } else {
                actions.append(.log(Note(.warning, "Failed to parse EXTEND_TIMEOUT_USEC=\(text)")))
            }
        }
        if let text = message.watchdogUSec {
            if let usec = UInt64(text) {
                watchdogOverride = TimeSpan(microseconds: usec)
                if supervised { actions += resetWatchdog() }
            } else {
                actions.append(.log(Note(.warning, "Failed to parse WATCHDOG_USEC=\(text)")))
            }
        }
        if message.watchdogTrigger && supervised {
            return actions + [.log(Note(.error, "Watchdog request (last status: \(statusText ?? "<unset>"))!"))] + watchdogKill()
        }
        if message.watchdogPing && supervised { actions += resetWatchdog() }
        return actions
    }

    /// systemd's reasons for ignoring a datagram, or nil when NotifyAccess= allows the sender.
    func notifyRefusal(_ sender: Int32) -> String? {
        switch config.notifyAccess {
        case .none:
            return "Got notification message from PID \(sender), but reception is disabled."
        case .all:
            return nil
        case .main:
            if sender == mainPID { return nil }
            let main = mainPID.map(String.init) ?? "n/a"
            return "Got notification message from PID \(sender), but reception only permitted for main PID \(main)"
        case .exec:
            if sender == mainPID || sender == controlPID { return nil }
            let main = mainPID.map(String.init) ?? "n/a"
            let control = controlPID.map(String.init) ?? "n/a"
            return "Got notification message from PID \(sender), but reception only permitted for main PID \(main) and control PID \(control)"
        }
    }

    /// The states in which systemd takes MAINPID= (not before the main process was spawned).
    private var acceptsMainPIDChange: Bool {
        switch state {
        case .starting, .startPost, .running, .reloading, .stopping, .stopPost: return true
        case .inactive, .failed, .startPre, .spawning, .exited, .autoRestart: return false
        }
    }

    private mutating func changeMainPID(to pid: Int32, claim: MainPIDClaim, sender: NotifySender) -> [ServiceAction] {
        if pid == controlPID {
            return [.log(Note(.warning, "New main PID \(pid) is the control process, refusing."))]
        }
        switch claim {
        case .manager:
            return [.log(Note(.warning, "New main PID \(pid) is the manager, refusing."))]
        case .gone:
            return [.log(Note(.warning, "New main PID \(pid) does not exist or is a zombie."))]
        case .foreign where sender.uid != 0:
            return [.log(Note(.warning, "New main PID \(pid) does not belong to service, refusing."))]
        case .foreign:
            mainPID = pid
            return [.log(Note(.info, "New main PID \(pid) does not belong to service, but we'll accept it as the request to change it came from a privileged process.")),
                    .watchMainPID(pid)]
        case .ofService:
            mainPID = pid
            return [.log(Note(.info, "Main PID changed to \(pid).")), .watchMainPID(pid)]
        }
    }
}
