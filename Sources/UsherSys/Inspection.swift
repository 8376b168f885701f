// Looking at the current process from inside, for usher-probe and tests:
// process state (session, group, umask, signal mask and dispositions, cwd,
// ids), each open fd's kind and flags, and small blocking I/O helpers
// (poll with a timeout, write all, datagram echo).
import Glibc

public struct ProcessState: Sendable, Equatable {
    public var pid: Int32
    public var parentPID: Int32
    public var sessionID: Int32
    public var processGroup: Int32
    public var uid: UInt32
    public var gid: UInt32
    public var umask: UInt32
    public var cwd: String
    public var blockedSignals: [Int32]
    public var ignoredSignals: [Int32]

    public static func current() -> ProcessState {
        let mask = Glibc.umask(0)
        _ = Glibc.umask(mask)
        var blocked = sigset_t()
        sigemptyset(&blocked)
        _ = pthread_sigmask(SIG_SETMASK, nil, &blocked)
        var blockedList: [Int32] = []
        var ignoredList: [Int32] = []
        for signal in Int32(1)..<Int32(65) {
            if sigismember(&blocked, signal) == 1 { blockedList.append(signal) }
            var action = sigaction()
            if sigaction(signal, nil, &action) == 0,
               unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self) == 1 {
                ignoredList.append(signal)
            }
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let cwd = getcwd(&buffer, buffer.count) != nil ? String(cString: buffer) : ""
        return ProcessState(pid: getpid(), parentPID: getppid(), sessionID: getsid(0), processGroup: getpgrp(),
                            uid: getuid(), gid: getgid(), umask: UInt32(mask), cwd: cwd,
                            blockedSignals: blockedList, ignoredSignals: ignoredList)
    }
}

public struct FDInfo: Sendable, Equatable {
    public var fd: Int32
    /// readlink of /proc/self/fd/N: `/dev/null`, `socket:[123]`, `pipe:[456]`.
    public var target: String
    /// socket, chardev, fifo, regular, directory, other.
    public var kind: String
    public var closeOnExec: Bool
    public var nonBlocking: Bool
    /// O_RDONLY, O_WRONLY or O_RDWR.
    public var accessMode: String

    public static func describe(_ fd: Int32) -> FDInfo? {
        let flags = fcntl(fd, F_GETFL)
        let fdFlags = fcntl(fd, F_GETFD)
        guard flags >= 0, fdFlags >= 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        let target = length > 0 ? String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        var status = stat()
        let kind: String
        if fstat(fd, &status) != 0 {
            kind = "other"
        } else {
            switch status.st_mode & S_IFMT {
            case S_IFSOCK: kind = "socket"
            case S_IFCHR: kind = "chardev"
            case S_IFIFO: kind = "fifo"
            case S_IFREG: kind = "regular"
            case S_IFDIR: kind = "directory"
            default: kind = "other"
            }
        }
        let modes = [O_RDONLY: "O_RDONLY", O_WRONLY: "O_WRONLY", O_RDWR: "O_RDWR"]
        return FDInfo(fd: fd, target: target, kind: kind, closeOnExec: fdFlags & FD_CLOEXEC != 0,
                      nonBlocking: flags & O_NONBLOCK != 0, accessMode: modes[flags & O_ACCMODE] ?? "?")
    }
}

public enum BlockingIO {
    /// Waits until `fd` is readable or `milliseconds` pass.
    public static func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let got = poll(&entry, 1, milliseconds)
            if got < 0 && errno == EINTR { continue }
            return got > 0
        }
    }

    /// Writes all of `bytes`; an error names `object` (the file's path), or the fd.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], object: String? = nil) throws {
        var offset = 0
        while offset < bytes.count {
            let written = try sysCall("write", object ?? "fd \(fd)") {
                bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            }
            offset += written
        }
    }

    /// Reads what is there (one read, up to `limit`), waiting up to `milliseconds`.
    public static func readSome(_ fd: Int32, limit: Int = 4096, milliseconds: Int32) -> [UInt8] {
        guard waitReadable(fd, milliseconds: milliseconds) else { return [] }
        var buffer = [UInt8](repeating: 0, count: limit)
        let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return got > 0 ? Array(buffer.prefix(got)) : []
    }

    /// Receives one datagram and answers its sender with `reply`; the received bytes.
    public static func echoDatagram(_ fd: Int32, reply: [UInt8]) throws -> [UInt8] {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var buffer = [UInt8](repeating: 0, count: 65536)
        let got = try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                try sysCall("recvfrom", "fd \(fd)") {
                    buffer.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, $0.count, 0, address, &length) }
                }
            }
        }
        let sender = SocketAddress(storage: storage, length: length)
        _ = try sender.withSockaddr { address, size in
            try sysCall("sendto", sender.description) {
                reply.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, address, size) }
            }
        }
        return Array(buffer.prefix(got))
    }
}

public enum ProcessEnvironment {
    /// `NAME=value` entries in the order the process received them.
    public static func ordered() -> [String] {
        var result: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            result.append(String(cString: entry))
            cursor += 1
        }
        return result
    }
}

/// st_dev and st_ino of an open file (JOURNAL_STREAM= names stdout this way).
public struct FileIdentity: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    public static func of(_ fd: Int32) throws -> FileIdentity {
        var status = stat()
        _ = try sysCall("fstat", "fd \(fd)") { fstat(fd, &status) }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}
