// The sd_notify endpoint usherd offers Type=notify services: an AF_UNIX
// datagram socket with SO_PASSCRED, so each message arrives with the sender's
// pid and uid (the kernel's, not the sender's word). Mode 0666 as systemd's, so
// services that dropped privileges can send; the directory guards it. Messages
// are read without blocking; fds sent along (SCM_RIGHTS) come with the datagram,
// owned, for the fd store; whoever does not keep them lets them close.
import Glibc
import CSysShims

public struct NotifyDatagram: Sendable {
    public var senderPID: Int32
    public var senderUID: UInt32
    public var text: String
    /// The fds sent along, in order (CLOEXEC).
    public var fds: [OwnedFD] = []
}

public final class NotifySocket {
    public let path: String
    public let fd: OwnedFD
    /// The node this socket bound, so remove() never unlinks another one.
    private let node: NodeIdentity?

    /// Binds `path` inside the locked runtime directory (a node left there
    /// is stale: its usherd is gone) and opens it to every local user.
    public init(path: String) throws {
        self.path = path
        let socket = try Socket.open(family: AF_UNIX, kind: .datagram, nonBlocking: true, object: path)
        _ = Glibc.unlink(path)
        node = try Socket.bindNode(socket, path: path, mode: 0o666)
        _ = try sysCall("setsockopt(SO_PASSCRED)", path) { usher_enable_passcred(socket.raw) }
        fd = socket
    }

    /// Takes over the socket usherd's previous image bound at `path` (re-exec):
    /// datagrams queued meanwhile are still read.
    public init(adopting fd: OwnedFD, path: String) {
        self.path = path
        self.fd = fd
        node = NodeIdentity.of(path)
    }

    /// Room for one datagram and its fds, kept between reads (not zeroed for each).
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private var passed = [Int32](repeating: -1, count: 253)

    /// The next pending datagram, or nil when none is waiting.
    public func receive() -> NotifyDatagram? {
        while true {
            var pid: pid_t = 0
            var uid: uid_t = 0
            var count = 0
            let got = buffer.withUnsafeMutableBytes { bytes in
                passed.withUnsafeMutableBufferPointer {
                    usher_recv_with_credentials(fd.raw, bytes.baseAddress, bytes.count, &pid, &uid,
                                                $0.baseAddress, $0.count, &count)
                }
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { return nil }
            let length = min(got, buffer.count)
            return NotifyDatagram(senderPID: pid, senderUID: uid,
                                  text: String(decoding: buffer[0..<length], as: UTF8.self),
                                  fds: passed.prefix(count).map { OwnedFD(adopting: $0) })
        }
    }

    /// Removes the node if it is still the one bound here; the fd closes with this object.
    public func remove() {
        node?.unlinkIfStill(at: path)
    }
}

/// The result of one non-blocking read.
public enum ReadOutcome: Equatable {
    case data([UInt8])
    case wouldBlock
    case endOfFile
}

extension OwnedFD {
    /// Reads at most `limit` bytes without blocking (the fd is O_NONBLOCK).
    public func readAvailable(limit: Int) -> ReadOutcome {
        while true {
            var got = 0
            // Not zeroed first: zeroing `limit` bytes cost more than the read of a few lines.
            let buffer = [UInt8](unsafeUninitializedCapacity: limit) { bytes, count in
                got = Glibc.read(raw, bytes.baseAddress, limit)
                count = max(got, 0)
            }
            if got > 0 { return .data(buffer) }
            if got == 0 { return .endOfFile }
            if errno == EINTR { continue }
            return errno == EAGAIN ? .wouldBlock : .endOfFile
        }
    }

    /// Opens /dev/null (the daemon keeps one for stdin and one for null output).
    public static func devNull(writable: Bool) throws -> OwnedFD {
        try OwnedFD.open("/dev/null", writable ? O_WRONLY : O_RDONLY)
    }

    /// Opens a StandardOutput= file: `append` adds O_APPEND, `truncate` O_TRUNC.
    public static func openOutputFile(_ path: String, append: Bool, truncate: Bool) throws -> OwnedFD {
        let flags = O_WRONLY | O_CREAT | O_NOCTTY | (append ? O_APPEND : 0) | (truncate ? O_TRUNC : 0)
        return try OwnedFD.open(path, flags, mode: 0o644)
    }
}

extension Processes {
    /// The process group of `pid`, or nil when it is gone.
    public static func processGroup(of pid: Int32) -> Int32? {
        let group = getpgid(pid)
        return group < 0 ? nil : group
    }
}
