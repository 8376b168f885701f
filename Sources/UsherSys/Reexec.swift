// The system calls of usherd's re-exec: a memfd that carries the saved state
// across execve (the one fd created without CLOEXEC), marking the fds handed
// over inheritable and back, and execv itself. A failed execv returns (throws)
// and the caller goes on; the new image reads the state with FileReading.readAll.
import Glibc
import CSysShims

public enum Reexec {
    /// A memfd holding `bytes`, rewound, inheritable across execve.
    public static func stateFile(_ bytes: [UInt8]) throws -> OwnedFD {
        let fd = OwnedFD(adopting: try sysCall("memfd_create", "usherd-state") { usher_memfd_inheritable("usherd-state") })
        try BlockingIO.writeAll(fd.raw, bytes, object: "usherd-state")
        _ = try sysCall("lseek", "usherd-state") { lseek(fd.raw, 0, SEEK_SET) }
        return fd
    }

    /// Sets or clears FD_CLOEXEC on `fd`.
    public static func setCloseOnExec(_ fd: Int32, _ on: Bool) throws {
        let flags = try sysCall("fcntl(F_GETFD)", "fd \(fd)") { fcntl(fd, F_GETFD) }
        let wanted = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC
        if wanted != flags { _ = try sysCall("fcntl(F_SETFD)", "fd \(fd)") { fcntl(fd, F_SETFD, wanted) } }
    }

    /// Replaces this process image with `path` and `arguments` (argv[0] included),
    /// keeping the environment. Returns only by throwing: execve failed.
    public static func execute(_ path: String, arguments: [String]) throws -> Never {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        _ = try sysCall("execv", path) { execv(path, &argv) }
        throw SystemError(call: "execv", object: path, errno: EINVAL)
    }

    /// The path the running binary was started from (/proc/self/exe). A package
    /// upgrade replaced the file there: the kernel then adds " (deleted)", and
    /// the path names the new binary, which is the one to execute.
    public static func currentExecutable() -> String {
        let size = Int(PATH_MAX)
        var buffer = [CChar](repeating: 0, count: size + 1)
        let count = readlink("/proc/self/exe", &buffer, size)
        guard count > 0 else { return "/proc/self/exe" }
        let path = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.hasSuffix(" (deleted)") ? String(path.dropLast(" (deleted)".count)) : path
    }
}
