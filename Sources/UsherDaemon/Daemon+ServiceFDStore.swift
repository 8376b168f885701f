// Services' own fd stores in the daemon: FDSTORE=1 (with FDNAME=, FDPOLL=0) and
// FDSTOREREMOVE=1 from a sender NotifyAccess= allows, the hang-up watch on each
// stored fd, the fds a start gets back after the socket fds, and the release when
// the service is stopped for good (inactive or failed with no restart pending,
// as systemd 252's service_release_resources). usherd's own store: Daemon+FDStore.
import Activation
import Glibc
import UnitModel
import UsherSys

extension Daemon {
    /// The fd-store part of an allowed datagram; fds that are not kept close with `fds`.
    func applyFDStore(_ message: NotifyMessage, fds: [OwnedFD], service name: UnitName) {
        let fdName = message.fdName.flatMap { ServiceFDStore.isValidName($0) ? $0 : nil }
        if message.fdStoreRemove {
            if let fdName {
                let removed = units.fdStores[name]?.remove(named: fdName) ?? 0
                log(Note(.debug, "Removed \(removed) fd(s) named \(fdName) from the fd store."), unit: name)
            } else {
                log(Note(.warning, "FDSTOREREMOVE=1 requested, but no valid file descriptor name passed, ignoring."), unit: name)
            }
        }
        guard message.fdStore else {
            if !fds.isEmpty { logger.warning("Got extra auxiliary fds with notification message, closing them.") }
            return
        }
        store(fds, as: fdName ?? "stored", poll: message.fdPoll, service: name)
    }

    private func store(_ fds: [OwnedFD], as fdName: String, poll: Bool, service name: UnitName) {
        let max = units.services[name]?.unit.fileDescriptorStoreMax ?? 0
        var store = units.fdStores[name] ?? ServiceFDStore()
        for fd in fds {
            units.storedSerial += 1
            let entry = StoredFD(serial: units.storedSerial, name: fdName, fd: fd, poll: poll,
                                 identity: try? FileIdentity.of(fd.raw))
            switch store.add(entry, max: max) {
            case .added:
                log(Note(.debug, "Added fd \(fd.raw) (\(fdName)) to fd store."), unit: name)
                if poll { store.entries[store.count - 1].watch = watchStored(entry, of: name) }
            case .duplicate:
                continue
            case .full:
                log(Note(.warning, "Cannot store more fds than FileDescriptorStoreMax=\(max), closing remaining."), unit: name)
                units.fdStores[name] = store
                return
            }
        }
        units.fdStores[name] = store
    }

    /// A stored fd handed over by the image usherd re-executed from.
    func restoreStoredFD(_ fd: OwnedFD, as fdName: String, poll: Bool, service name: UnitName) {
        store([fd], as: fdName, poll: poll, service: name)
    }

    /// Watches for hang-up and error only (no read interest: data waiting in a stored connection is
    /// the service's). A file epoll cannot watch (EPERM: a regular file) is kept unwatched, as systemd does.
    private func watchStored(_ entry: StoredFD, of name: UnitName) -> EventSource? {
        do {
            let source = try loop.addIO(fd: entry.fd.raw, reporting: .storedFDHungUp(name, serial: entry.serial),
                                        object: "stored fd \(entry.fd.raw)")
            source.setInterest(readable: false, writable: false)
            return source
        } catch let error as SystemError where error.errno == EPERM {
            return nil
        } catch {
            log(Note(.warning, "Cannot watch stored fd \(entry.fd.raw): \(error)"), unit: name)
            return nil
        }
    }

    func storedFDHungUp(_ name: UnitName, serial: UInt64) {
        guard let entry = units.fdStores[name]?.remove(serial: serial) else { return }
        entry.watch?.cancel()
        log(Note(.debug, "Received EPOLLHUP on stored fd \(entry.fd.raw) (\(entry.name)), closing."), unit: name)
    }

    /// The stored fds and their names, for LISTEN_FDS after the socket fds.
    func storedFDs(of name: UnitName) -> (fds: [Int32], names: [String]) {
        guard let store = units.fdStores[name] else { return ([], []) }
        return (store.fds, store.names)
    }

    /// Releases the store once the service is inactive or failed with no restart pending
    /// (an auto-restart or a restart job keeps it), as systemd releases a unit's resources.
    func releaseFDStoreIfStopped(_ name: UnitName) {
        guard let store = units.fdStores[name], let machine = units.services[name]?.machine else { return }
        switch machine.activeState {
        case .inactive, .failed:
            store.entries.forEach { $0.watch?.cancel() }
            units.fdStores[name] = nil
            if store.count > 0 { log(Note(.debug, "Releasing \(store.count) stored fd(s)."), unit: name) }
        case .active, .activating, .deactivating, .reloading:
            return
        }
    }
}
