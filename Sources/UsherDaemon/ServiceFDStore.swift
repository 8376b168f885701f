// A service's own fd store (FileDescriptorStoreMax=, sd_notify FDSTORE=1): the
// fds it handed usherd to keep, named by FDNAME= ("stored" by default), capped at
// the maximum, given back after the socket fds on its next start. Not usherd's
// own store at its manager (Daemon+FDStore). A plain value kept in UnitTable, so
// that a re-exec can carry it: the hang-up watch is the only live part.
import UsherSys

struct StoredFD {
    /// Names this entry in the hang-up event (unique within the daemon's life).
    var serial: UInt64
    var name: String
    var fd: OwnedFD
    /// Dropped on POLLHUP/POLLERR; FDPOLL=0 turns this off.
    var poll: Bool
    var identity: FileIdentity?
    /// The hang-up watch while `poll` holds.
    var watch: EventSource?
}

struct ServiceFDStore {
    var entries: [StoredFD] = []

    enum AddOutcome: Equatable {
        case added
        /// The same open file is stored already: the new fd is closed.
        case duplicate
        /// FileDescriptorStoreMax= is reached: the fd is refused (closed).
        case full
    }

    var count: Int { entries.count }
    /// What the next start is given, after the socket fds.
    var fds: [Int32] { entries.map(\.fd.raw) }
    var names: [String] { entries.map(\.name) }

    mutating func add(_ entry: StoredFD, max: UInt32) -> AddOutcome {
        if let identity = entry.identity, entries.contains(where: { $0.identity == identity }) { return .duplicate }
        guard entries.count < Int(max) else { return .full }
        entries.append(entry)
        return .added
    }

    /// Removes every entry called `name` (FDSTOREREMOVE=1); returns how many.
    mutating func remove(named name: String) -> Int {
        let before = entries.count
        for entry in entries where entry.name == name { entry.watch?.cancel() }
        entries.removeAll { $0.name == name }
        return before - entries.count
    }

    /// Removes the entry with `serial` (its fd hung up); returns it.
    mutating func remove(serial: UInt64) -> StoredFD? {
        guard let index = entries.firstIndex(where: { $0.serial == serial }) else { return nil }
        return entries.remove(at: index)
    }

    /// FDNAME= as systemd's fdname_is_valid takes it: printable ASCII, no `:`, at most 255 characters.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && name.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
    }
}
