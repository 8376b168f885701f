// User and group lookup for User=, Group= and SupplementaryGroups=: the
// passwd and group databases through glibc's reentrant calls. The daemon
// resolves names before spawning; the child only applies numbers.
import Glibc

public struct UserRecord: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var home: String
    public var shell: String
}

public enum UserLookupError: Error, Equatable, CustomStringConvertible {
    case noSuchUser(String)
    case noSuchGroup(String)

    public var description: String {
        switch self {
        case .noSuchUser(let name): return "Failed to determine user credentials for '\(name)': No such process"
        case .noSuchGroup(let name): return "Failed to determine group credentials for '\(name)': No such process"
        }
    }
}

public enum Users {
    public static var effectiveUID: UInt32 { geteuid() }
    public static var effectiveGID: UInt32 { getegid() }

    /// `name (uid N)` when the passwd database knows the uid, else `uid N`.
    public static func describe(uid: UInt32) -> String {
        guard let record = try? user(String(uid)) else { return "uid \(uid)" }
        return "\(record.name) (uid \(uid))"
    }

    /// By name, or by number when the name is all digits (as systemd allows).
    public static func user(_ name: String) throws -> UserRecord {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let code: Int32
        if let uid = UInt32(name) {
            code = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
        } else {
            code = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
        }
        guard code == 0, let found = result?.pointee else { throw UserLookupError.noSuchUser(name) }
        return UserRecord(name: String(cString: found.pw_name), uid: found.pw_uid, gid: found.pw_gid,
                          home: String(cString: found.pw_dir), shell: String(cString: found.pw_shell))
    }

    /// True when the group database has an entry with this gid.
    public static func groupExists(_ gid: UInt32) -> Bool {
        var entry = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        return getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0 && result != nil
    }

    public static func groupID(_ name: String) throws -> UInt32 {
        if let gid = UInt32(name) { return gid }
        var entry = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, let found = result?.pointee else {
            throw UserLookupError.noSuchGroup(name)
        }
        return found.gr_gid
    }

    /// The user's groups from the group database (initgroups semantics).
    public static func groups(of user: UserRecord) -> [UInt32] {
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user.name, user.gid, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(user.name, user.gid, &list, &count) >= 0 else { return [user.gid] }
        }
        return Array(list.prefix(Int(count)))
    }
}

extension Users {
    /// Whether `path` names an executable file for us (ExecStart= PATH search).
    public static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }
}
