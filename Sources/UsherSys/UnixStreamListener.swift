// A listening AF_UNIX stream socket on a path of usherd's own (the control
// socket) and the calls its connections need: binding only over a stale node,
// SO_PEERGROUPS, a send that never blocks or raises SIGPIPE, and telling a
// peer that hung up from one that only shut down its writing side.
import Glibc
import CSysShims

public final class UnixStreamListener {
    public let path: String
    public let fd: OwnedFD
    private let address: SocketAddress
    /// The node bound here, so remove() never unlinks a successor's.
    private let node: NodeIdentity?

    /// Binds `path` (replacing only a stale socket node), sets the node's
    /// `mode` and listens. The fd is non-blocking and CLOEXEC.
    public init(path: String, mode: UInt32, backlog: Int32) throws {
        self.path = path
        address = try SocketAddress.unixPath(path)
        let socket = try Socket.open(family: AF_UNIX, kind: .stream, nonBlocking: true, object: path)
        try Socket.removeStaleNode(path)
        let bound = try Socket.bindNode(socket, path: path, mode: mode)
        do {
            try Socket.listen(socket, backlog: backlog, object: path)
        } catch {
            bound?.unlinkIfStill(at: path)
            throw error
        }
        fd = socket
        node = bound
    }

    /// Takes over a listener this process already had at `path` (usherd's
    /// previous image, across a re-exec): nothing is bound, queued clients stay.
    public init(adopting fd: OwnedFD, path: String) throws {
        self.path = path
        address = try SocketAddress.unixPath(path)
        try fd.setNonBlocking(true)
        self.fd = fd
        node = NodeIdentity.of(path)
    }

    /// The next pending connection (non-blocking, CLOEXEC, with SO_PEERCRED).
    public func acceptNext() -> AcceptOutcome {
        Socket.acceptNext(fd.raw, knownLocal: address, nonBlocking: true)
    }

    /// Unlinks the node if it is still the one bound here; the fd closes with this object.
    public func remove() {
        node?.unlinkIfStill(at: path)
    }
}

/// Why a socket node cannot be bound: something live or not a socket is in the way.
public struct NodeInUseError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

extension Socket {
    /// Binds an AF_UNIX socket to `path` and sets the node's mode (after bind:
    /// the umask shaped it). Returns the node's identity for a later removal.
    public static func bindNode(_ socket: OwnedFD, path: String, mode: UInt32) throws -> NodeIdentity? {
        try bind(socket, to: try SocketAddress.unixPath(path))
        _ = try sysCall("chmod", path) { Glibc.chmod(path, mode_t(mode)) }
        return NodeIdentity.of(path)
    }

    /// Unlinks `path` when it is a socket nobody listens on (ECONNREFUSED);
    /// throws when it is another kind of node or a live socket.
    public static func removeStaleNode(_ path: String) throws {
        guard let status = try? FileNodes.status(path) else { return }
        guard status.kind == .socket else {
            throw NodeInUseError(description: "\(path) exists and is \(status.kind.phrase), not a socket; refusing to replace it")
        }
        let probe = try open(family: AF_UNIX, kind: .stream, nonBlocking: true, object: path)
        do {
            try connect(probe, to: try SocketAddress.unixPath(path))
        } catch let error as SystemError where error.errno == ECONNREFUSED {
            _ = Glibc.unlink(path)
            return
        }
        throw NodeInUseError(description: "\(path) is a socket another process listens on; refusing to replace it")
    }

    /// The peer's supplementary groups as the kernel recorded them at connect
    /// (SO_PEERGROUPS, Linux 4.13); nil when the kernel cannot tell.
    public static func peerGroups(_ fd: Int32) -> [UInt32]? {
        var groups = [gid_t](repeating: 0, count: 64)
        for _ in 0..<2 {
            var length = socklen_t(groups.count * MemoryLayout<gid_t>.size)
            let got = getsockopt(fd, SocketOptionName.solSocket, peerGroupsOption, &groups, &length)
            let count = Int(length) / MemoryLayout<gid_t>.size
            if got == 0 { return Array(groups.prefix(count)) }
            // ERANGE: `length` now says how much room the list needs.
            guard errno == ERANGE, count > groups.count else { return nil }
            groups = [gid_t](repeating: 0, count: count)
        }
        return nil
    }

    /// SO_PEERGROUPS (asm-generic/socket.h); not exported by Swift's Glibc.
    static let peerGroupsOption: Int32 = 59

    /// Whether the peer of a connected stream socket closed it completely
    /// (POLLHUP), rather than only shutting down its writing side.
    public static func peerHungUp(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: 0, revents: 0)
        while poll(&entry, 1, 0) < 0 {
            if errno != EINTR { return true }
        }
        return entry.revents & Int16(POLLHUP | POLLERR) != 0
    }

    /// One send(2) that neither blocks nor raises SIGPIPE.
    public static func sendAvailable(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> SendOutcome {
        let flags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)
        while true {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, flags) }
            if sent >= 0 { return .sent(sent) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(SystemError(call: "send", object: "fd \(fd)", errno: errno))
        }
    }
}

extension FileStatus.Kind {
    /// "a regular file", "a directory"… for messages.
    var phrase: String {
        switch self {
        case .socket: return "a socket"
        case .fifo: return "a FIFO"
        case .directory: return "a directory"
        case .regular: return "a regular file"
        case .characterDevice: return "a character device"
        case .symlink: return "a symbolic link"
        case .other: return "a special file"
        }
    }
}

/// The result of one non-blocking send.
public enum SendOutcome: Equatable {
    case sent(Int)
    case wouldBlock
    case failed(SystemError)
}
