// Address lookups the binder needs without importing Glibc itself: family and
// protocol numbers, whether the kernel has IPv6, and getaddrinfo for Usher's
// host-name/service-name listener extension.
import Glibc

public enum AddressFamily {
    public static let unix = AF_UNIX
    public static let inet = AF_INET
    public static let inet6 = AF_INET6
    public static let netlink = AF_NETLINK
    public static let vsock = AF_VSOCK
}

public enum IPProtocolNumber {
    public static let tcp: Int32 = 6
    public static let udp: Int32 = 17
    public static let sctp: Int32 = 132
    public static let udplite: Int32 = 136
    public static let mptcp: Int32 = 262
}

public enum AddressLookup {
    /// Whether an AF_INET6 socket can be created (systemd's socket_ipv6_is_supported).
    public static let ipv6Supported: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }()

    /// getaddrinfo(host, service) with AI_PASSIVE for `kind`; every address it yields,
    /// duplicates removed, in the resolver's order. An empty host means the wildcard.
    public static func resolve(host: String, service: String, kind: SocketKind) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_ADDRCONFIG
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = kind.rawValue
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, service, &hints, &list)
        guard status == 0 else {
            let reason = String(cString: gai_strerror(status))
            throw LookupError(host: host, service: service, reason: reason)
        }
        defer { freeaddrinfo(list) }
        var result: [SocketAddress] = []
        var cursor = list
        while let entry = cursor {
            if let sa = entry.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(entry.pointee.ai_addrlen)))
                }
                let address = SocketAddress(storage: storage, length: entry.pointee.ai_addrlen)
                if !result.contains(address) { result.append(address) }
            }
            cursor = entry.pointee.ai_next
        }
        return result
    }
}

/// getaddrinfo's failure, with gai_strerror's text.
public struct LookupError: Error, CustomStringConvertible, Sendable {
    public var host: String
    public var service: String
    public var reason: String
    public var description: String { "getaddrinfo \(host):\(service): \(reason)" }
}
