// setsockopt/getsockopt by name: each option is a (level, number, label)
// value, so callers outside UsherSys (the binder's option table, listen-check)
// never import Glibc. Numbers are Linux's (asm-generic, same on x86_64 and
// arm64); several are GNU-only and hidden from Swift's Glibc module.
import Glibc
import CSysShims

public struct SocketOptionName: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let level: Int32
    public let number: Int32
    /// The C name, used in messages: "SO_PASSCRED failed: …".
    public let label: String

    public init(level: Int32, number: Int32, label: String) {
        self.level = level
        self.number = number
        self.label = label
    }

    public var description: String { label }

    // Levels.
    static let solSocket: Int32 = 1
    static let ipLevel: Int32 = 0
    static let ipv6Level: Int32 = 41
    static let tcpLevel: Int32 = 6
    static let sctpLevel: Int32 = 132
    static let netlinkLevel: Int32 = 270

    public static let reuseAddress = Self(level: solSocket, number: 2, label: "SO_REUSEADDR")
    public static let type = Self(level: solSocket, number: 3, label: "SO_TYPE")
    public static let broadcast = Self(level: solSocket, number: 6, label: "SO_BROADCAST")
    public static let sendBuffer = Self(level: solSocket, number: 7, label: "SO_SNDBUF")
    public static let receiveBuffer = Self(level: solSocket, number: 8, label: "SO_RCVBUF")
    public static let keepAlive = Self(level: solSocket, number: 9, label: "SO_KEEPALIVE")
    public static let priority = Self(level: solSocket, number: 12, label: "SO_PRIORITY")
    public static let reusePort = Self(level: solSocket, number: 15, label: "SO_REUSEPORT")
    public static let passCredentials = Self(level: solSocket, number: 16, label: "SO_PASSCRED")
    public static let bindToDevice = Self(level: solSocket, number: 25, label: "SO_BINDTODEVICE")
    public static let timestamp = Self(level: solSocket, number: 29, label: "SO_TIMESTAMP")
    public static let acceptConnections = Self(level: solSocket, number: 30, label: "SO_ACCEPTCONN")
    public static let sendBufferForce = Self(level: solSocket, number: 32, label: "SO_SNDBUFFORCE")
    public static let receiveBufferForce = Self(level: solSocket, number: 33, label: "SO_RCVBUFFORCE")
    public static let passSecurity = Self(level: solSocket, number: 34, label: "SO_PASSSEC")
    public static let timestampNanoseconds = Self(level: solSocket, number: 35, label: "SO_TIMESTAMPNS")
    public static let mark = Self(level: solSocket, number: 36, label: "SO_MARK")
    public static let protocolNumber = Self(level: solSocket, number: 38, label: "SO_PROTOCOL")
    public static let domain = Self(level: solSocket, number: 39, label: "SO_DOMAIN")

    public static let ipTOS = Self(level: ipLevel, number: 1, label: "IP_TOS")
    public static let ipTTL = Self(level: ipLevel, number: 2, label: "IP_TTL")
    public static let ipPacketInfo = Self(level: ipLevel, number: 8, label: "IP_PKTINFO")
    public static let ipFreeBind = Self(level: ipLevel, number: 15, label: "IP_FREEBIND")
    public static let ipTransparent = Self(level: ipLevel, number: 19, label: "IP_TRANSPARENT")

    public static let ipv6UnicastHops = Self(level: ipv6Level, number: 16, label: "IPV6_UNICAST_HOPS")
    public static let ipv6Only = Self(level: ipv6Level, number: 26, label: "IPV6_V6ONLY")
    public static let ipv6ReceivePacketInfo = Self(level: ipv6Level, number: 49, label: "IPV6_RECVPKTINFO")
    public static let ipv6TrafficClass = Self(level: ipv6Level, number: 67, label: "IPV6_TCLASS")
    public static let ipv6Transparent = Self(level: ipv6Level, number: 75, label: "IPV6_TRANSPARENT")
    public static let ipv6FreeBind = Self(level: ipv6Level, number: 78, label: "IPV6_FREEBIND")

    public static let tcpNoDelay = Self(level: tcpLevel, number: 1, label: "TCP_NODELAY")
    public static let tcpKeepIdle = Self(level: tcpLevel, number: 4, label: "TCP_KEEPIDLE")
    public static let tcpKeepInterval = Self(level: tcpLevel, number: 5, label: "TCP_KEEPINTVL")
    public static let tcpKeepCount = Self(level: tcpLevel, number: 6, label: "TCP_KEEPCNT")
    public static let tcpDeferAccept = Self(level: tcpLevel, number: 9, label: "TCP_DEFER_ACCEPT")
    public static let tcpCongestion = Self(level: tcpLevel, number: 13, label: "TCP_CONGESTION")
    public static let sctpNoDelay = Self(level: sctpLevel, number: 3, label: "SCTP_NODELAY")
    public static let netlinkPacketInfo = Self(level: netlinkLevel, number: 3, label: "NETLINK_PKTINFO")

    // MARK: calls

    public func set(_ fd: Int32, _ value: Int32) throws {
        var value = value
        _ = try sysCall("setsockopt(\(label))", "fd \(fd)") {
            setsockopt(fd, level, number, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// String-valued options (SO_BINDTODEVICE, TCP_CONGESTION): bytes without the NUL.
    public func set(_ fd: Int32, _ text: String) throws {
        var bytes = Array(text.utf8)
        let count = socklen_t(bytes.count)
        _ = try sysCall("setsockopt(\(label))", "fd \(fd)") { setsockopt(fd, level, number, &bytes, count) }
    }

    public func get(_ fd: Int32) throws -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try sysCall("getsockopt(\(label))", "fd \(fd)") { getsockopt(fd, level, number, &value, &length) }
        return value
    }

    public func getText(_ fd: Int32) throws -> String {
        var buffer = [UInt8](repeating: 0, count: 64)
        var length = socklen_t(buffer.count)
        _ = try sysCall("getsockopt(\(label))", "fd \(fd)") { getsockopt(fd, level, number, &buffer, &length) }
        return String(decoding: buffer.prefix(Int(length)).prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}

extension Socket {
    /// The listen backlog of a TCP listener as the kernel holds it (after somaxconn clamping).
    public static func tcpListenBacklog(_ fd: Int32) throws -> Int32 {
        try sysCall("getsockopt(TCP_INFO)", "fd \(fd)") { usher_tcp_listen_backlog(fd) }
    }
}
