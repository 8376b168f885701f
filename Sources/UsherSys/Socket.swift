// Socket system calls for the binder and the daemon's accept path: socket,
// bind, listen, getsockname, accept4 with peer formatting. Each wrapper throws
// a SystemError naming the call and the address. Every fd is CLOEXEC from birth.
import Glibc
import CSysShims

public enum SocketKind: Sendable, Equatable {
    case stream, datagram, sequentialPacket, raw

    var rawValue: Int32 {
        switch self {
        case .stream: return Int32(SOCK_STREAM.rawValue)
        case .datagram: return Int32(SOCK_DGRAM.rawValue)
        case .sequentialPacket: return Int32(SOCK_SEQPACKET.rawValue)
        case .raw: return Int32(SOCK_RAW.rawValue)
        }
    }

    /// Kinds that take listen(2) and accept(2).
    public var isConnectionOriented: Bool { self == .stream || self == .sequentialPacket }
}

public enum Socket {
    /// socket(2) with SOCK_CLOEXEC; blocking unless asked. `object` names it in errors.
    public static func open(family: Int32, kind: SocketKind, protocol proto: Int32 = 0,
                            nonBlocking: Bool = false, object: @autoclosure () -> String) throws -> OwnedFD {
        let flags = Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        let fd = try sysCall("socket", object()) { Glibc.socket(family, kind.rawValue | flags, proto) }
        return OwnedFD(adopting: fd)
    }

    public static func bind(_ fd: OwnedFD, to address: SocketAddress) throws {
        _ = try sysCall("bind", address.description) {
            address.withSockaddr { Glibc.bind(fd.raw, $0, $1) }
        }
    }

    /// `object` (what an error names) is built only when the call fails.
    public static func listen(_ fd: OwnedFD, backlog: Int32, object: @autoclosure () -> String) throws {
        _ = try sysCall("listen", object()) { Glibc.listen(fd.raw, backlog) }
    }

    public static func connect(_ fd: OwnedFD, to address: SocketAddress) throws {
        _ = try sysCall("connect", address.description) {
            address.withSockaddr { Glibc.connect(fd.raw, $0, $1) }
        }
    }

    /// The address the kernel bound `fd` to (the real port after port 0).
    public static func localAddress(_ fd: Int32) throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try sysCall("getsockname", "fd \(fd)") { getsockname(fd, sa, &length) }
            }
        }
        return SocketAddress(storage: storage, length: length)
    }

    /// Waits until `fd` is readable (a connection or datagram is pending) or the
    /// timeout passes; false on timeout.
    public static func waitReadable(_ fd: Int32, timeoutMilliseconds: Int32) throws -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = try sysCall("poll", "fd \(fd)") { poll(&entry, 1, timeoutMilliseconds) }
        return ready > 0
    }

    /// The socket's domain, type and protocol as the kernel reports them.
    public static func identity(_ fd: Int32) throws -> (family: Int32, type: Int32, protocol: Int32) {
        let family = try SocketOptionName.domain.get(fd)
        let type = try SocketOptionName.type.get(fd)
        let proto = try SocketOptionName.protocolNumber.get(fd)
        return (family, type, proto)
    }
}

/// SO_PEERCRED of an AF_UNIX peer.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public static func of(_ fd: Int32) throws -> PeerCredentials {
        var pid: pid_t = 0
        var uid: uid_t = 0
        var gid: gid_t = 0
        _ = try sysCall("getsockopt(SO_PEERCRED)", "fd \(fd)") { usher_peer_credentials(fd, &pid, &uid, &gid) }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }
}

/// One accepted connection: the fd, both ends, and for AF_UNIX the peer's credentials.
public struct AcceptedConnection: Sendable {
    public let fd: OwnedFD
    public let peer: SocketAddress
    public let local: SocketAddress
    public let credentials: PeerCredentials?

    /// systemd 252's instance string `N-LOCAL-REMOTE` (`0-127.0.0.1:8085-127.0.0.1:55210`,
    /// `1-::1:8086-::1:46286`); AF_UNIX peers are `N-PID-UID`, or `N-unknown` when the kernel
    /// gives no pid (0: the peer is in a PID namespace usherd cannot see into), as systemd's
    /// getpeercred treats it; AF_VSOCK ends are `CID:PORT` (`N-2:1024-3:5000`). When the local
    /// end is an IPv4-mapped address both ends print as IPv4, as systemd does.
    public func instanceName(number: UInt64) -> String {
        if local.isIP {
            let unmap = local.isIPv4Mapped
            return "\(number)-\(local.instanceText(unmapping: unmap))-\(peer.instanceText(unmapping: unmap))"
        }
        if local.family == AF_UNIX {
            guard let credentials, credentials.pid > 0 else { return "\(number)-unknown" }
            return "\(number)-\(credentials.pid)-\(credentials.uid)"
        }
        if let here = local.vsockParts, let there = peer.vsockParts {
            return "\(number)-\(here.cid):\(here.port)-\(there.cid):\(there.port)"
        }
        return "\(number)-\(local.instanceText())-\(peer.instanceText())"
    }

    /// REMOTE_ADDR/REMOTE_PORT values for IP and AF_VSOCK peers, as systemd 252's service_spawn
    /// sets them (sockaddr_pretty without the port: IPv4-mapped shown as IPv4, `vsock:CID`);
    /// nil for other families.
    public var remoteAddressAndPort: (address: String, port: String)? {
        guard let address = peer.sourceText else { return nil }
        guard let port = peer.port.map(UInt32.init) ?? peer.vsockParts?.port else { return nil }
        return (address, String(port))
    }
}

extension Socket {
    /// accept4 with CLOEXEC (and NONBLOCK if asked) for the new fd; nil when
    /// nothing is pending (EAGAIN) or the client already went away.
    public static func accept(_ listener: Int32, nonBlocking: Bool = false) throws -> AcceptedConnection? {
        switch acceptNext(listener, nonBlocking: nonBlocking) {
        case .connection(let connection): return connection
        case .drained, .peerGone: return nil
        case .failed(let error): throw error
        }
    }
}
