// Listener descriptions as a unit file states them: what kind of listener and
// which address, validated but not resolved or bound. Binding is the Binder's
// job; parsing the text into these values is UnitFile's.

/// Which `Listen*=` directive produced a listener.
public enum ListenKind: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case stream = "ListenStream"
    case datagram = "ListenDatagram"
    case sequentialPacket = "ListenSequentialPacket"
    case fifo = "ListenFIFO"
    case special = "ListenSpecial"
    case netlink = "ListenNetlink"
    case messageQueue = "ListenMessageQueue"
    case usbFunction = "ListenUSBFunction"

    /// Whether the listener can accept connections (Accept=yes is allowed).
    public var canAccept: Bool { self == .stream || self == .sequentialPacket }
}

/// A socket address as written in ListenStream=/ListenDatagram=/ListenSequentialPacket=.
public enum SocketAddressSpec: Codable, Sendable, Equatable, Hashable {
    /// A bare port: `[::]:PORT` dual-stack, or `0.0.0.0:PORT` where IPv6 is absent.
    case anyPort(UInt16)
    /// A literal IPv4 address and port.
    case ipv4(address: String, port: UInt16)
    /// A literal IPv6 address (no brackets), port, and optional scope (interface name or index).
    case ipv6(address: String, port: UInt16, scope: String?)
    /// A filesystem AF_UNIX path.
    case unixPath(String)
    /// An abstract AF_UNIX name (without the leading `@`).
    case abstract(String)
    /// AF_VSOCK; `cid` nil means VMADDR_CID_ANY.
    case vsock(cid: UInt32?, port: UInt32)
    /// Usher extension: a host name and/or service name resolved with getaddrinfo.
    case hostName(host: String, service: String)
}

/// A netlink listener: family name (e.g. `kobject-uevent`) and multicast group.
public struct NetlinkSpec: Codable, Sendable, Equatable, Hashable {
    public var family: String
    public var group: UInt32
    public init(family: String, group: UInt32) {
        self.family = family
        self.group = group
    }
}

/// One listener of a socket unit, in the order of its Listen*= lines.
public struct ListenSpec: Codable, Sendable, Equatable, Hashable {
    public enum Target: Codable, Sendable, Equatable, Hashable {
        case socket(SocketAddressSpec)
        /// FIFO, special file, message queue name, or USB function directory.
        case path(String)
        case netlink(NetlinkSpec)
    }

    public var kind: ListenKind
    public var target: Target
    /// The value as written, after specifier expansion, for messages.
    public var text: String

    public init(kind: ListenKind, target: Target, text: String) {
        self.kind = kind
        self.target = target
        self.text = text
    }
}
