// DynamicUser=: a transient uid/gid pair from systemd's range 61184–65519,
// taken when a service starts and given back when it stops. A name (User=,
// or the unit's prefix) holds one uid while any owner (a service, an Accept=yes
// launch template) uses it. A uid is free when no passwd or group entry has
// it, no process runs under it (another manager's dynamic user, a leftover)
// and no claim file names it: a claim is a file named by the uid in the
// claims directory (O_EXCL), removed on release.
import FoundationEssentials
import Glibc
import UsherSys

public struct DynamicUser: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
}

public final class DynamicUsers: @unchecked Sendable {
    public static let range: ClosedRange<UInt32> = 61184...65519
    private let lock = ThreadLock()
    private var held: [String: (uid: UInt32, owners: Set<String>)] = [:]
    /// Where claims are recorded (`<runtime dir>/dynamic-uid`); nil records none.
    private var claims: String?

    public init() {}

    /// Claims left there are stale (the runtime directory is this usherd's alone, by its lock)
    /// and are removed.
    public func setClaimsDirectory(_ path: String, clearingStale: Bool = true) {
        lock.lock()
        defer { lock.unlock() }
        claims = path
        _ = try? FileNodes.makeParents(of: path + "/x", mode: 0o755)
        guard clearingStale else { return }
        for name in directoryEntryNames(path) where UInt32(name) != nil { try? FileNodes.unlink("\(path)/\(name)") }
    }

    /// The uid of `name`, allocated on first use; `owner` is recorded so that one
    /// release(owner:) gives it back however often the owner acquired it.
    public func acquire(name: String, owner: String) throws -> DynamicUser {
        lock.lock()
        defer { lock.unlock() }
        if var entry = held[name] {
            entry.owners.insert(owner)
            held[name] = entry
            return DynamicUser(name: name, uid: entry.uid)
        }
        guard let uid = claimFree(startingAt: Self.preferred(name)) else {
            throw LaunchError(description: "Failed to allocate dynamic user \(name): no free uid in \(Self.range)")
        }
        held[name] = (uid, [owner])
        return DynamicUser(name: name, uid: uid)
    }

    /// Gives back what `owner` held; a uid with no owner left is free again.
    public func release(owner: String) {
        lock.lock()
        defer { lock.unlock() }
        for (name, entry) in held where entry.owners.contains(owner) {
            var rest = entry
            rest.owners.remove(owner)
            if rest.owners.isEmpty {
                held[name] = nil
                if let claims { try? FileNodes.unlink("\(claims)/\(entry.uid)") }
            } else {
                held[name] = rest
            }
        }
    }

    /// The uids held now, by name.
    public var allocated: [String: UInt32] {
        lock.lock()
        defer { lock.unlock() }
        return held.mapValues(\.uid)
    }

    /// A stable first guess per name (FNV-1a), so a service tends to get the same uid each run.
    static func preferred(_ name: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return range.lowerBound + hash % UInt32(range.count)
    }

    /// The uids that own a process now (the owners of the /proc/PID directories).
    static func processOwners() -> Set<UInt32> {
        Set(numericDirectoryEntries("/proc").compactMap { try? FileNodes.status("/proc/\($0)").uid }
            .filter { range.contains($0) })
    }

    private func claimFree(startingAt first: UInt32) -> UInt32? {
        let inUse = Set(held.values.map(\.uid)).union(Self.processOwners())
        let count = UInt32(Self.range.count)
        for step in 0..<count {
            let uid = Self.range.lowerBound + (first - Self.range.lowerBound + step) % count
            guard !inUse.contains(uid), (try? Users.user(String(uid))) == nil, !Users.groupExists(uid) else { continue }
            guard let claims else { return uid }
            do {
                _ = try OwnedFD.open("\(claims)/\(uid)", O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
                return uid
            } catch {
                continue
            }
        }
        return nil
    }
}
