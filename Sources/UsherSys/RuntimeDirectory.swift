// usherd's runtime directory (/run/usher, $XDG_RUNTIME_DIR/usher, --runtime-dir):
// created with a fixed mode or trusted only when this uid owns it and nobody
// else can write to it, locked with flock(usherd.lock) so one usherd uses it at
// a time, and the identity (device, inode) of each node usherd creates in it,
// so that on exit it unlinks only what is still its own.
import Glibc
import CSysShims

/// Why the runtime directory cannot be used; the text is usherd's whole error line.
public struct RuntimeDirectoryError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

/// A filesystem node by identity: the same path may later name another node.
public struct NodeIdentity: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64

    public static func of(_ path: String) -> NodeIdentity? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return NodeIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// Unlinks `path` only while it is still this node; false when it was not.
    @discardableResult
    public func unlinkIfStill(at path: String) -> Bool {
        guard NodeIdentity.of(path) == self else { return false }
        return unlink(path) == 0
    }
}

public final class RuntimeDirectory {
    public let path: String
    /// Held open for the daemon's life: the flock goes with it.
    private let lock: OwnedFD

    /// Creates `path` with `mode` (parents 0755) or checks the existing one,
    /// then takes the lock. Throws a RuntimeDirectoryError naming the problem.
    public init(path: String, mode: UInt32) throws {
        self.path = path
        try RuntimeDirectory.createOrCheck(path, mode: mode)
        lock = try RuntimeDirectory.takeLock(in: path)
    }

    /// A private directory `prefix.XXXXXX` that nobody could have created first.
    public static func makePrivate(prefix: String) throws -> String {
        var template = Array((prefix + ".XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkdtemp($0) != nil } ?? false
        }
        guard made else {
            throw RuntimeDirectoryError(description: "cannot create a private runtime directory \(prefix).XXXXXX: \(SystemError.describe(errno))")
        }
        return String(cString: template)
    }

    private static func createOrCheck(_ path: String, mode: UInt32) throws {
        do {
            try FileNodes.makeParents(of: path, mode: 0o755)
        } catch {
            throw RuntimeDirectoryError(description: "cannot create the parents of the runtime directory \(path): \(error)")
        }
        if mkdir(path, mode_t(mode)) == 0 {
            _ = chmod(path, mode_t(mode))
            return
        }
        guard errno == EEXIST else {
            throw RuntimeDirectoryError(description: "cannot create the runtime directory \(path): \(SystemError.describe(errno))")
        }
        try checkExisting(path)
    }

    /// An existing directory is trusted only when it is a real directory owned
    /// by this uid that neither group nor others can write to.
    static func checkExisting(_ path: String) throws {
        let status: FileStatus
        do {
            status = try FileNodes.status(path)
        } catch {
            throw RuntimeDirectoryError(description: "cannot inspect the runtime directory \(path): \(error)")
        }
        let me = geteuid()
        let modeText = "0" + String(status.mode, radix: 8)
        guard status.kind == .directory else {
            throw RuntimeDirectoryError(description: "the runtime directory \(path) is a \(status.kind.rawValue), not a directory; refusing to use it")
        }
        guard status.uid == me else {
            throw RuntimeDirectoryError(description: "the runtime directory \(path) is owned by \(Users.describe(uid: status.uid)) (mode \(modeText)), not by \(Users.describe(uid: me)); refusing to use it")
        }
        guard status.mode & 0o022 == 0 else {
            throw RuntimeDirectoryError(description: "the runtime directory \(path) is writable by group or others (mode \(modeText), owner \(Users.describe(uid: status.uid))); refusing to use it")
        }
    }

    /// flock(LOCK_EX|LOCK_NB) on usherd.lock, which then holds this pid.
    private static func takeLock(in directory: String) throws -> OwnedFD {
        let lockPath = directory + "/usherd.lock"
        let fd: OwnedFD
        do {
            fd = try OwnedFD.open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o644)
        } catch {
            throw RuntimeDirectoryError(description: "cannot open \(lockPath): \(error)")
        }
        while flock(fd.raw, LOCK_EX | LOCK_NB) < 0 {
            if errno == EINTR { continue }
            guard errno == EWOULDBLOCK else {
                throw RuntimeDirectoryError(description: "cannot lock \(lockPath): \(SystemError.describe(errno))")
            }
            let holder = (try? readSmallFile(lockPath, limit: 32))?.split(separator: "\n").first.map(String.init) ?? "?"
            throw RuntimeDirectoryError(description: "\(directory) is in use by usherd (pid \(holder))")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd.raw, 0)
        _ = text.withUnsafeBytes { pwrite(fd.raw, $0.baseAddress, $0.count, 0) }
        return fd
    }
}
