// usherd's listening fds in its manager's fd store (FDSTORE=1, FDNAME= the
// socket unit's name), so a usherd restarted after a crash gets them back
// through LISTEN_FDS and adopts them (Daemon+Adoption). Only when $FDSTORE
// says the manager keeps fds for usherd; synced after start-up and each reload.
import CSystemd
import Glibc
import UnitModel
import UsherSys

extension Daemon {
    /// Stores the listeners of each socket unit whose fds changed since the last
    /// sync (replacing the old ones), and removes the units that are gone.
    func syncFDStore() {
        guard manager.enabled, manager.fdStoreAllowed else { return }
        var current: [UnitName: [OwnedFD]] = [:]
        for (name, runtime) in units.sockets { current[name] = runtime.listeners.map(\.fd) }
        for (name, runtime) in units.acceptSockets { current[name] = runtime.bound?.listeners.map(\.fd) ?? [] }
        for name in manager.stored.keys where current[name]?.isEmpty ?? true {
            tellManager("FDSTOREREMOVE=1\nFDNAME=\(name.full)")
            manager.stored[name] = nil
        }
        for (name, fds) in current where !fds.isEmpty {
            let identity = fds.map { FDIdentity(object: ObjectIdentifier($0), raw: $0.raw) }
            guard manager.stored[name] != identity else { continue }
            if manager.stored[name] != nil { tellManager("FDSTOREREMOVE=1\nFDNAME=\(name.full)") }
            if store(fds.map(\.raw), as: name.full) { manager.stored[name] = identity }
        }
    }

    private func store(_ fds: [Int32], as name: String) -> Bool {
        let code = fds.withUnsafeBufferPointer { buffer in
            sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=\(name)", buffer.baseAddress, UInt32(buffer.count))
        }
        guard code < 0 else { return true }
        logger.warning("Cannot put the listeners of \(name) in the manager's fd store: \(String(cString: strerror(-code)))")
        return false
    }
}

/// One stored fd: the owner object and its number (either alone may be reused).
struct FDIdentity: Equatable {
    let object: ObjectIdentifier
    let raw: Int32
}
