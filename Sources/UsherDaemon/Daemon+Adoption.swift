// Listeners usherd's own manager passed it (LISTEN_FDS/LISTEN_FDNAMES, or its
// fd store given back after a restart): read once before the units are bound,
// adopted by the units whose Listen lines they match (Binder.adoptable), and
// the rest closed with a log line once every unit is bound.
import Activation
import Binder
import CSystemd
import Glibc
import UnitModel
import UsherSys

/// One fd usherd inherited, with the name its manager gave it.
struct InheritedListener {
    let fd: OwnedFD
    let name: String
}

extension Daemon {
    /// Takes the fds passed for usherd's pid; LISTEN_* are removed from the environment.
    func readInheritedListeners() {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else {
            if count < 0 { logger.warning("Cannot read the passed file descriptors: \(String(cString: strerror(-count)))") }
            return
        }
        for index in 0..<Int(count) {
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            manager.inherited.append(InheritedListener(fd: OwnedFD(adopting: SD_LISTEN_FDS_START + Int32(index)), name: name))
            free(names?[index])
        }
        free(names)
        logger.debug("Received \(count) file descriptor(s) from the manager.")
    }

    /// The inherited fds `unit` may adopt, for Binder.bind(_:keeping:).
    func adoptableListeners(for unit: SocketUnit) -> [BoundListener] {
        manager.inherited.isEmpty ? [] : Binder.adoptable(manager.inherited.map(\.fd), for: unit)
    }

    /// Logs the inherited fds `bound` took and forgets them (the unit owns them now).
    func recordAdoptions(_ bound: BoundSocket) {
        guard !manager.inherited.isEmpty else { return }
        let taken = Set(bound.listeners.map { ObjectIdentifier($0.fd) })
        for listener in bound.listeners where manager.inherited.contains(where: { $0.fd === listener.fd }) {
            let name = manager.inherited.first { $0.fd === listener.fd }?.name ?? ""
            log(Note(.info, "Adopted passed fd \(listener.fd.raw) (\(name)) for \(listener.localDescription)."),
                unit: bound.unit.name)
        }
        manager.inherited.removeAll { taken.contains(ObjectIdentifier($0.fd)) }
    }

    /// Every unit is bound: the passed fds none took are closed.
    func closeUnadoptedListeners() {
        for listener in manager.inherited {
            let address = (try? Socket.localAddress(listener.fd.raw)).map { " (\($0))" } ?? ""
            logger.warning("Closing passed fd \(listener.fd.raw) '\(listener.name)'\(address): no unit listens there.")
        }
        manager.inherited.removeAll()
    }
}
