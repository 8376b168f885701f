// sd_notify messages to a service, checked as systemd checks them: the
// sender against NotifyAccess= (the kernel's SCM_CREDENTIALS pid), and a
// MAINPID= claim against what the daemon found in /proc (usherd or PID 1,
// gone, the control process, of this service, or foreign: taken from root only).
// Part of the pure ServiceMachine.
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
        if let status = message.status { statusText = status }
        if let pid = message.mainPID, pid != mainPID, acceptsMainPIDChange {
            actions += changeMainPID(to: pid, claim: claim ?? .gone, sender: sender)
        }
        if message.ready && state == .starting {
            actions.append(.cancelTimer)
            actions.append(.log(Note(.info, "Service is ready.")))
            actions += enterStartPost()
        }
        if message.stopping, state == .starting || state == .running {
            actions.append(.log(Note(.info, "Service is stopping.")))
        }
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
        case .starting, .startPost, .running, .stopping, .stopPost: return true
        case .inactive, .failed, .startPre, .spawning, .autoRestart: return false
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
