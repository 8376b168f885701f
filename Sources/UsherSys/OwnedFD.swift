// An owned file descriptor: closes itself when the last reference goes, or
// hands the number away explicitly with release(). A class rather than a
// ~Copyable struct because listeners live in arrays and dictionaries, which
// cannot hold non-copyable values. Every fd Usher opens is CLOEXEC from birth.
import Glibc
import CSysShims

public final class OwnedFD: @unchecked Sendable, CustomStringConvertible {
    private var fd: Int32

    /// Takes ownership of `fd`; it will be closed on deinit unless released.
    public init(adopting fd: Int32) {
        self.fd = fd
    }

    deinit {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// The raw number, still owned by this object.
    public var raw: Int32 { fd }
    public var isOpen: Bool { fd >= 0 }
    public var description: String { "fd \(fd)" }

    /// Gives the fd away: the caller now owns it and must close it.
    public func release() -> Int32 {
        let taken = fd
        fd = -1
        return taken
    }

    /// Closes now. EINTR is not retried: Linux has already released the fd.
    public func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }

    /// A new CLOEXEC duplicate owned separately.
    public func duplicate() throws -> OwnedFD {
        let copy = try sysCall("fcntl(F_DUPFD_CLOEXEC)", description) { fcntl(fd, F_DUPFD_CLOEXEC, 3) }
        return OwnedFD(adopting: copy)
    }

    public func setNonBlocking(_ on: Bool) throws {
        let flags = try sysCall("fcntl(F_GETFL)", description) { fcntl(fd, F_GETFL) }
        let wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags { _ = try sysCall("fcntl(F_SETFL)", description) { fcntl(fd, F_SETFL, wanted) } }
    }

    public var isNonBlocking: Bool { (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0 }
    public var isCloseOnExec: Bool { (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0 }

    /// A CLOEXEC pipe: (read end, write end).
    public static func pipe(nonBlocking: Bool = false) throws -> (read: OwnedFD, write: OwnedFD) {
        var ends: [Int32] = [-1, -1]
        let flags = O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)
        _ = try sysCall("pipe2") { usher_pipe2(&ends, flags) }
        return (OwnedFD(adopting: ends[0]), OwnedFD(adopting: ends[1]))
    }

    /// A read-only fd at offset 0 of a sealed memfd holding `bytes` (StandardInput=data).
    public static func sealedData(_ bytes: [UInt8]) throws -> OwnedFD {
        let fd = try sysCall("memfd_create", "stdin data") { bytes.withUnsafeBytes { usher_sealed_data_fd($0.baseAddress, $0.count) } }
        return OwnedFD(adopting: fd)
    }

    /// Opens a path CLOEXEC.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws -> OwnedFD {
        let fd = try sysCall("open", path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
        return OwnedFD(adopting: fd)
    }
}

/// The fds this process has open, from /proc/self/fd (for leak tests and diagnostics).
public func openFileDescriptors() -> [Int32] {
    numericDirectoryEntries("/proc/self/fd", skippingReader: true).sorted()
}

/// The all-digit names in a directory (pids in /proc, fds in /proc/self/fd);
/// `skippingReader` leaves out the fd that reads the directory itself.
public func numericDirectoryEntries(_ path: String, skippingReader: Bool = false) -> [Int32] {
    var result: [Int32] = []
    forEachEntryName(path) { name, reader in
        if let number = Int32(name), !(skippingReader && number == reader) { result.append(number) }
    }
    return result
}

/// The names in a directory, without `.` and `..`; empty when it cannot be read.
public func directoryEntryNames(_ path: String) -> [String] {
    var result: [String] = []
    forEachEntryName(path) { name, _ in
        if name != "." && name != ".." { result.append(name) }
    }
    return result
}

/// Calls `body` with each entry's name and the fd reading the directory.
private func forEachEntryName(_ path: String, _ body: (String, Int32) -> Void) {
    guard let dir = opendir(path) else { return }
    defer { closedir(dir) }
    let reader = dirfd(dir)
    while let entry = readdir(dir) {
        body(withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }, reader)
    }
}
