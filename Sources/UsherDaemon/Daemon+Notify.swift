// sd_notify in the daemon: each datagram on NOTIFY_SOCKET is attributed by its
// SCM_CREDENTIALS pid to the service it belongs to (a pid usherd spawned or
// adopted for it, a member of one of its sessions or process groups, or a
// descendant), and a MAINPID= claim is judged against /proc before the
// service machine applies NotifyAccess= and systemd's MAINPID= rules.
import Activation
import UnitModel
import UsherSys

extension Daemon {
    func receiveNotifications() {
        guard let notify else { return }
        for _ in 0..<64 {
            guard let datagram = notify.receive() else { return }
            guard let name = serviceOwning(pid: datagram.senderPID) else {
                if unownedNotifyLog.allow(now: monotonicMicroseconds()) {
                    logger.warning("Cannot find unit for notify message of PID \(datagram.senderPID), ignoring.")
                }
                continue
            }
            let message = NotifyMessage(datagram.text)
            let claim = message.mainPID.map { mainPIDClaim($0, for: name) }
            let sender = NotifySender(pid: datagram.senderPID, uid: datagram.senderUID)
            deliver(.notify(message, sender: sender, claim: claim), toService: name)
            let touchesStore = message.fdStore || message.fdStoreRemove || !datagram.fds.isEmpty
            if touchesStore, units.services[name]?.machine.allowsNotification(from: datagram.senderPID) == true {
                applyFDStore(message, fds: datagram.fds, service: name)
            }
        }
    }

    /// What a MAINPID= names, as far as /proc can tell.
    func mainPIDClaim(_ pid: Int32, for name: UnitName) -> MainPIDClaim {
        if pid <= 1 || pid == Processes.currentPID { return .manager }
        guard ProcessTree.isAlive(pid) else { return .gone }
        return serviceOwning(pid: pid) == name ? .ofService : .foreign
    }

    /// The service `pid` belongs to, walking up its parents: without cgroups,
    /// a service is the sessions and process groups usherd started for it.
    func serviceOwning(pid: Int32) -> UnitName? {
        var current = pid
        let me = Processes.currentPID
        for _ in 0..<64 {
            if let owner = units.service(owning: current) { return owner }
            guard let ids = ProcessIDs.read(current) else { return nil }
            if let owner = service(withSession: ids.session) ?? service(withSession: ids.group) { return owner }
            guard ids.parent > 1, ids.parent != me else { return nil }
            current = ids.parent
        }
        return nil
    }

    private func service(withSession id: Int32) -> UnitName? {
        units.services.first { $0.value.sessions.contains(id) }?.key
    }

    /// Follows a new main process: a pidfd for signals, and for one that is not
    /// usherd's descendant (no SIGCHLD will come) an io source that fires at its exit.
    func watchMainPID(_ pid: Int32, of name: UnitName) {
        units.services[name]?.alienMain = nil
        units.services[name]?.pidfd = try? Processes.openPIDFD(pid)
        if ProcessTree.descends(pid, from: Processes.currentPID) {
            units.own(pid, by: .service(name))
            return
        }
        do {
            let pidfd = try Processes.openPIDFD(pid)
            let source = try loop.addIO(fd: pidfd.raw, reporting: .alienMainExited(name, pid: pid), object: "PID \(pid)")
            units.services[name]?.alienMain = AlienMain(pid: pid, pidfd: pidfd, source: source)
        } catch {
            log(Note(.warning, "Cannot follow main PID \(pid): \(error)"), unit: name)
        }
    }
}

/// A main process that is not usherd's child, followed through its pidfd.
struct AlienMain {
    var pid: Int32
    var pidfd: OwnedFD
    var source: EventSource
}
