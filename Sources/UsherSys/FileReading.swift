// Reading a whole file, or an fd to its end: open, fstat, then reads straight into the
// result's storage (no zero-filled buffer copied over), sized by the file so a regular file
// is one read; EINTR retried, errors name the call and path.
// The unit loader, environment and procfs files, credentials and the re-exec state use it.
import Glibc

public enum FileReading {
    /// The file at `path` (opened CLOEXEC), or its first `limit` bytes and possibly some more:
    /// reading stops once more than `limit` came, so a caller can tell "larger than `limit`".
    public static func contents(of path: String, limit: Int = .max) throws -> [UInt8] {
        let fd = try OwnedFD.open(path, O_RDONLY | O_NOCTTY)
        return try readAll(fd.raw, object: path, limit: limit)
    }

    /// What `fd` holds from its offset to its end (or past `limit`, as `contents(of:limit:)`).
    public static func readAll(_ fd: Int32, object: String, limit: Int = .max) throws -> [UInt8] {
        var status = stat()
        _ = try sysCall("fstat", object) { fstat(fd, &status) }
        // A regular file that tells its size (procfs files say 0) is read with one byte more than
        // that size: its short read is its end. Anything else is read until read(2) returns 0.
        let sized = status.st_mode & S_IFMT == S_IFREG && status.st_size > 0
        let chunk = limit < 65536 ? limit + 1 : 65536
        var want = sized ? min(Int(status.st_size), limit) + 1 : chunk
        var bytes: [UInt8] = []
        while bytes.count <= limit {
            let got = try read(fd, want, object: object)
            if bytes.isEmpty { bytes = got } else { bytes += got }
            if got.isEmpty || (sized && got.count < want) { break }
            want = chunk
        }
        return bytes
    }

    /// One read of up to `count` bytes into a new array's uninitialized storage.
    private static func read(_ fd: Int32, _ count: Int, object: String) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = try sysCall("read", object) { Glibc.read(fd, buffer.baseAddress, count) }
        }
    }
}
