// Filesystem nodes around listeners: parent directories, the umask window
// around bind/mkfifo, stale-node removal, symlinks, ownership, FIFOs, special
// files, POSIX message queues, pipe sizes, and user/group/interface lookups.
// Wrappers only; the binder decides policy.
import Glibc
import CSysShims

public struct FileStatus: Sendable, Equatable {
    public enum Kind: String, Sendable { case socket, fifo, directory, regular, characterDevice, symlink, other }
    public var kind: Kind
    /// Permission bits only (0o7777).
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32

    public init(kind: Kind, mode: UInt32, uid: UInt32, gid: UInt32) {
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }

    init(_ st: stat) {
        let format = st.st_mode & S_IFMT
        switch format {
        case S_IFSOCK: kind = .socket
        case S_IFIFO: kind = .fifo
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .regular
        case S_IFCHR: kind = .characterDevice
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        mode = UInt32(st.st_mode & 0o7777)
        uid = st.st_uid
        gid = st.st_gid
    }
}

public enum FileNodes {
    /// lstat: the node itself, not what a symlink points at.
    public static func status(_ path: String) throws -> FileStatus {
        var st = stat()
        _ = try sysCall("lstat", path) { lstat(path, &st) }
        return FileStatus(st)
    }

    public static func status(fd: Int32) throws -> FileStatus {
        var st = stat()
        _ = try sysCall("fstat", "fd \(fd)") { fstat(fd, &st) }
        return FileStatus(st)
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Creates every missing parent of `path` with exactly `mode` (chmod after
    /// mkdir, so the process umask does not shave bits). Returns what it created.
    @discardableResult
    public static func makeParents(of path: String, mode: UInt32) throws -> [String] {
        // Most often the parent is there: one stat instead of one per component.
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return [] }
        let parent = String(path[..<slash])
        if parent.isEmpty || exists(parent) { return [] }
        var created: [String] = []
        let parts = path.split(separator: "/").dropLast()
        var current = ""
        for part in parts {
            current += "/" + part
            if exists(current) { continue }
            let dir = current
            _ = try sysCall("mkdir", dir) { mkdir(dir, mode_t(mode)) }
            _ = try sysCall("chmod", dir) { Glibc.chmod(dir, mode_t(mode)) }
            created.append(dir)
        }
        return created
    }

    /// Runs `body` with the process umask set to `mask`, restoring it after.
    /// umask is process-wide: callers run this on the daemon's one loop thread.
    public static func withUmask<R>(_ mask: UInt32, _ body: () throws -> R) rethrows -> R {
        let previous = umask(mode_t(mask & 0o777))
        defer { umask(previous) }
        return try body()
    }

    public static func unlink(_ path: String) throws {
        _ = try sysCall("unlink", path) { Glibc.unlink(path) }
    }

    public static func symlink(target: String, at link: String) throws {
        _ = try sysCall("symlink", link) { Glibc.symlink(target, link) }
    }

    public static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try sysCall("readlink", path) { readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// chown; nil leaves that id unchanged.
    public static func changeOwner(_ path: String, uid: UInt32?, gid: UInt32?) throws {
        _ = try sysCall("chown", path) { chown(path, uid ?? UInt32.max, gid ?? UInt32.max) }
    }

    public static func changeOwner(fd: Int32, uid: UInt32?, gid: UInt32?, object: String) throws {
        _ = try sysCall("fchown", object) { fchown(fd, uid ?? UInt32.max, gid ?? UInt32.max) }
    }

    public static func chmod(_ path: String, mode: UInt32) throws {
        _ = try sysCall("chmod", path) { Glibc.chmod(path, mode_t(mode)) }
    }

    /// Updates the node's timestamps so inotify watchers notice a new socket.
    public static func touch(_ path: String) {
        _ = utimensat(AT_FDCWD, path, nil, 0)
    }

    public static func makeFIFO(_ path: String, mode: UInt32) throws {
        _ = try sysCall("mkfifo", path) { mkfifo(path, mode_t(mode)) }
    }

    /// Opens a FIFO or special file for a listener: CLOEXEC, no controlling tty, no
    /// symlinks. Opened O_NONBLOCK so a FIFO without writers cannot hang the open,
    /// then switched back to blocking, which is what the service must see.
    public static func openNode(_ path: String, writable: Bool) throws -> OwnedFD {
        let access = writable ? O_RDWR : O_RDONLY
        let fd = try OwnedFD.open(path, access | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK)
        try fd.setNonBlocking(false)
        return fd
    }

    public static func setPipeSize(_ fd: Int32, _ size: Int32) throws {
        _ = try sysCall("fcntl(F_SETPIPE_SZ)", "fd \(fd)") { usher_set_pipe_size(fd, size) }
    }

    public static func pipeSize(_ fd: Int32) throws -> Int32 {
        try sysCall("fcntl(F_GETPIPE_SZ)", "fd \(fd)") { usher_get_pipe_size(fd) }
    }

    /// mq_open(O_RDONLY|O_CREAT|CLOEXEC); attributes apply only when both are > 0.
    public static func openMessageQueue(_ name: String, mode: UInt32, maxMessages: Int64?,
                                        messageSize: Int64?) throws -> OwnedFD {
        let fd = try sysCall("mq_open", name) {
            usher_mq_open(name, O_RDONLY | O_CLOEXEC, mode_t(mode), Int(maxMessages ?? 0), Int(messageSize ?? 0))
        }
        return OwnedFD(adopting: fd)
    }

    public static func unlinkMessageQueue(_ name: String) throws {
        _ = try sysCall("mq_unlink", name) { usher_mq_unlink(name) }
    }
}

public enum Identity {
    /// A user name or number to a uid; nil when unknown.
    public static func userID(_ name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        guard let entry = getpwnam(name) else { return nil }
        return entry.pointee.pw_uid
    }

    public static func groupID(_ name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        guard let entry = getgrnam(name) else { return nil }
        return entry.pointee.gr_gid
    }

    /// A network interface name or number to its index; nil when absent.
    public static func interfaceIndex(_ name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        let index = if_nametoindex(name)
        return index == 0 ? nil : index
    }

    public static var isRoot: Bool { geteuid() == 0 }

    /// Runs `body` with this thread's filesystem uid set to `uid`. Leaving uid 0
    /// drops CAP_DAC_OVERRIDE and friends for the thread, so root can check how a
    /// permission failure looks; they come back when the fsuid returns to 0.
    public static func withFilesystemUser<R>(_ uid: UInt32, _ body: () throws -> R) rethrows -> R {
        let previous = usher_setfsuid(uid)
        defer { _ = usher_setfsuid(uid_t(previous)) }
        return try body()
    }
}

/// mq_getattr's sizes, for listen-check and tests.
public struct MessageQueueAttributes: Sendable, Equatable {
    public var maxMessages: Int
    public var messageSize: Int

    public static func of(_ fd: Int32) throws -> MessageQueueAttributes {
        var maxMessages = 0
        var messageSize = 0
        _ = try sysCall("mq_getattr", "fd \(fd)") { usher_mq_getattr(fd, &maxMessages, &messageSize) }
        return MessageQueueAttributes(maxMessages: maxMessages, messageSize: messageSize)
    }
}
