// A concrete socket address (its bytes + length) for every family the
// binder uses: IPv4, IPv6, AF_UNIX path/abstract, AF_VSOCK, AF_NETLINK. Builds
// them from typed parts, refuses what does not fit (never truncates a path),
// and formats them the way systemd 252 prints them in instance names and env.
import Glibc
import CSysShims

public struct SocketAddress: @unchecked Sendable, Equatable, CustomStringConvertible {
    /// Compact: IPv4 and IPv6 inline at their own size, a bare family (an unnamed
    /// AF_UNIX peer) inline, every other address as exactly its `length` bytes,
    /// instead of a 128-byte sockaddr_storage each.
    private enum Bytes {
        case inet(sockaddr_in)
        case inet6(sockaddr_in6)
        /// Nothing but the family (an unnamed AF_UNIX peer), inline rather than a 2-byte array.
        case familyOnly(sa_family_t)
        case other([UInt8])
    }
    private var bytes = Bytes.other([])

    /// The address's length in bytes (what bind and connect are given).
    public var length: socklen_t {
        switch bytes {
        case .inet: return socklen_t(MemoryLayout<sockaddr_in>.size)
        case .inet6: return socklen_t(MemoryLayout<sockaddr_in6>.size)
        case .familyOnly: return socklen_t(MemoryLayout<sa_family_t>.size)
        case .other(let array): return socklen_t(array.count)
        }
    }

    public init() {}

    private init(_ bytes: Bytes) { self.bytes = bytes }

    /// Wraps an address the kernel filled in (getsockname, accept).
    public init(storage: sockaddr_storage, length: socklen_t) {
        let size = Int(length)
        switch Int32(storage.ss_family) {
        case AF_INET where size == MemoryLayout<sockaddr_in>.size:
            bytes = .inet(withUnsafeBytes(of: storage) { $0.loadUnaligned(as: sockaddr_in.self) })
        case AF_INET6 where size == MemoryLayout<sockaddr_in6>.size:
            bytes = .inet6(withUnsafeBytes(of: storage) { $0.loadUnaligned(as: sockaddr_in6.self) })
        case _ where size == MemoryLayout<sa_family_t>.size:
            bytes = .familyOnly(storage.ss_family)
        default:
            bytes = .other(withUnsafeBytes(of: storage) { Array($0.prefix(size)) })
        }
    }

    /// The address as a sockaddr_storage (zero past `length`).
    public var storage: sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            withRawBytes { source in target.copyMemory(from: source) }
        }
        return storage
    }

    /// The `length` bytes of the address.
    private func withRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch bytes {
        case .inet(let sin): return try withUnsafeBytes(of: sin, body)
        case .inet6(let sin6): return try withUnsafeBytes(of: sin6, body)
        case .familyOnly(let family): return try withUnsafeBytes(of: family, body)
        case .other(let array): return try array.withUnsafeBytes(body)
        }
    }

    public var family: Int32 {
        switch bytes {
        case .inet: return AF_INET
        case .inet6: return AF_INET6
        case .familyOnly(let family): return Int32(family)
        case .other(let array):
            guard array.count >= MemoryLayout<sa_family_t>.size else { return AF_UNSPEC }
            return array.withUnsafeBytes { Int32($0.loadUnaligned(as: sa_family_t.self)) }
        }
    }
    public var isIP: Bool { family == AF_INET || family == AF_INET6 }

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        guard a.length == b.length else { return false }
        return a.withRawBytes { x in b.withRawBytes { y in x.elementsEqual(y) } }
    }

    // MARK: building

    /// IPv4 from dotted text; nil when the text is not an IPv4 literal.
    public static func ipv4(_ text: String, port: UInt16) -> SocketAddress? {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        guard inet_pton(AF_INET, text, &sin.sin_addr) == 1 else { return nil }
        return SocketAddress(.inet(sin))
    }

    /// IPv6 from text without brackets; nil when not an IPv6 literal.
    public static func ipv6(_ text: String, port: UInt16, scopeID: UInt32 = 0) -> SocketAddress? {
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = port.bigEndian
        sin6.sin6_scope_id = scopeID
        guard inet_pton(AF_INET6, text, &sin6.sin6_addr) == 1 else { return nil }
        return SocketAddress(.inet6(sin6))
    }

    /// A filesystem AF_UNIX path. Throws ENAMETOOLONG when it does not fit in
    /// sun_path with its NUL: Linux would silently cut it, we refuse instead.
    public static func unixPath(_ path: String) throws -> SocketAddress {
        let bytes = Array(path.utf8)
        return try unix(bytes: bytes, name: path, abstract: false)
    }

    /// An abstract AF_UNIX name (given without the leading `@`); the length
    /// covers exactly the name, as the abstract namespace has no terminator.
    public static func abstract(_ name: String) throws -> SocketAddress {
        try unix(bytes: [0] + Array(name.utf8), name: "@" + name, abstract: true)
    }

    private static func unix(bytes: [UInt8], name: String, abstract: Bool) throws -> SocketAddress {
        var sun = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: sun.sun_path)
        // A path needs room for its NUL; an abstract name does not.
        guard bytes.count <= capacity - (abstract ? 0 : 1), !bytes.isEmpty else {
            throw SystemError(call: "sockaddr_un", object: name, errno: ENAMETOOLONG)
        }
        sun.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sun.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        let used = abstract ? bytes.count : bytes.count + 1
        // Exactly the bytes bind(2) gets, kept as init(storage:length:) keeps an AF_UNIX address.
        return SocketAddress(.other(withUnsafeBytes(of: sun) { Array($0.prefix(pathOffset + used)) }))
    }

    /// AF_VSOCK; a nil cid means VMADDR_CID_ANY.
    public static func vsock(cid: UInt32?, port: UInt32) -> SocketAddress {
        var storage = sockaddr_storage()
        let length = usher_fill_sockaddr_vm(&storage, cid ?? UInt32.max, port)
        return SocketAddress(storage: storage, length: length)
    }

    /// AF_NETLINK bound to a multicast group mask (pid 0: the kernel picks).
    public static func netlink(groups: UInt32) -> SocketAddress {
        var storage = sockaddr_storage()
        let length = usher_fill_sockaddr_nl(&storage, groups)
        return SocketAddress(storage: storage, length: length)
    }

    /// Runs `body` with the address as `sockaddr *` and its length.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafePointer(to: storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    /// The IPv4 address as stored (no sockaddr_storage copy); only for family AF_INET.
    private var inet: sockaddr_in {
        if case .inet(let sin) = bytes { return sin }
        return withUnsafeBytes(of: storage) { $0.loadUnaligned(as: sockaddr_in.self) }
    }

    /// The IPv6 address as stored (no sockaddr_storage copy); only for family AF_INET6.
    private var inet6: sockaddr_in6 {
        if case .inet6(let sin6) = bytes { return sin6 }
        return withUnsafeBytes(of: storage) { $0.loadUnaligned(as: sockaddr_in6.self) }
    }
}

// MARK: formatting

extension SocketAddress {
    /// The port of an IP address, nil for other families.
    public var port: UInt16? {
        switch family {
        case AF_INET: return UInt16(bigEndian: inet.sin_port)
        case AF_INET6: return UInt16(bigEndian: inet6.sin6_port)
        default: return nil
        }
    }

    /// IPv6 `::ffff:a.b.c.d`: an IPv4 peer seen through a dual-stack listener.
    public var isIPv4Mapped: Bool {
        guard family == AF_INET6 else { return false }
        let bits = inet6Bits
        return bits.high == 0 && bits.low >> 32 == 0xffff
    }

    /// The IP address as 128 bits, IPv4 in its IPv4-mapped form, read in place (nothing allocated);
    /// nil for other families and for an address too short to hold one.
    public var addressBits: (high: UInt64, low: UInt64)? {
        switch family {
        case AF_INET:
            let offset = MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_addr) ?? 4
            guard Int(length) >= offset + 4 else { return nil }
            return (0, 0xffff_0000_0000 | UInt64(UInt32(bigEndian: inet.sin_addr.s_addr)))
        case AF_INET6:
            let offset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr) ?? 8
            guard Int(length) >= offset + 16 else { return nil }
            return inet6Bits
        default:
            return nil
        }
    }

    /// An AF_VSOCK address's CID and port; nil for other families.
    public var vsockParts: (cid: UInt32, port: UInt32)? {
        guard family == AF_VSOCK else { return nil }
        var cid: UInt32 = 0
        var port: UInt32 = 0
        var copy = storage
        usher_read_sockaddr_vm(&copy, &cid, &port)
        return (cid, port)
    }

    /// systemd 252's sockaddr_pretty without the port: the host (IPv4-mapped shown as
    /// IPv4) or `vsock:CID`; what REMOTE_ADDR= holds and a per-source refusal names.
    /// Nil for other families.
    public var sourceText: String? {
        if let vsock = vsockParts { return "vsock:\(vsock.cid)" }
        return hostText(unmapping: true)
    }

    /// sin6_addr as two big-endian 64-bit halves; only for family AF_INET6.
    private var inet6Bits: (high: UInt64, low: UInt64) {
        withUnsafeBytes(of: inet6.sin6_addr) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// The host part as inet_ntop prints it; `unmapping` shows an
    /// IPv4-mapped IPv6 address as plain IPv4 (what systemd does for REMOTE_ADDR).
    public func hostText(unmapping: Bool = false) -> String? {
        switch family {
        case AF_INET:
            var addr = inet.sin_addr
            return Self.ntop(AF_INET, &addr)
        case AF_INET6:
            if unmapping && isIPv4Mapped {
                var v4 = in_addr(s_addr: UInt32(truncatingIfNeeded: inet6Bits.low).bigEndian)
                return Self.ntop(AF_INET, &v4)
            }
            var addr = inet6.sin6_addr
            return Self.ntop(AF_INET6, &addr)
        default:
            return nil
        }
    }

    /// The text is formatted in a stack buffer (one per Accept=yes peer: no heap array for it).
    private static func ntop(_ family: Int32, _ addr: UnsafeRawPointer) -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(INET6_ADDRSTRLEN)) { buffer in
            guard let base = buffer.baseAddress, inet_ntop(family, addr, base, socklen_t(buffer.count)) != nil else {
                return nil
            }
            return String(cString: base)
        }
    }

    /// systemd 252's instance-string form: `127.0.0.1:8085`, IPv6 without
    /// brackets `::1:8086`, IPv4-mapped shown as IPv4 when `unmapping`,
    /// `/path`, `@abstract`, `vsock:CID:PORT` (`vsock::PORT` for any CID, as
    /// sockaddr_pretty prints it), `netlink:GROUPS`.
    public func instanceText(unmapping: Bool = false) -> String {
        switch family {
        case AF_INET, AF_INET6:
            return "\(hostText(unmapping: unmapping) ?? "?"):\(port ?? 0)"
        case AF_UNIX:
            return unixText
        case AF_VSOCK:
            let vsock = vsockParts ?? (0, 0)
            return vsock.cid == UInt32.max ? "vsock::\(vsock.port)" : "vsock:\(vsock.cid):\(vsock.port)"
        case AF_NETLINK:
            var copy = storage
            return "netlink:\(usher_read_sockaddr_nl_groups(&copy))"
        default:
            return "family \(family)"
        }
    }

    /// Bracketed form for messages and reports: `[::]:8088`, `127.0.0.1:80`, `/run/x.sock`.
    public var description: String {
        guard family == AF_INET6, let host = hostText() else { return instanceText() }
        return "[\(host)]:\(port ?? 0)"
    }

    /// `/path`, `@name` (abstract) or `(unnamed)`.
    public var unixText: String {
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        let count = Int(length) - pathOffset
        guard count > 0 else { return "(unnamed)" }
        let bytes = withRawBytes { Array($0[pathOffset..<(pathOffset + count)]) }
        if bytes[0] == 0 { return "@" + String(decoding: bytes.dropFirst(), as: UTF8.self) }
        return String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// The filesystem path of an AF_UNIX address, nil for abstract/unnamed/other.
    public var unixPath: String? {
        guard family == AF_UNIX else { return nil }
        let text = unixText
        return text.hasPrefix("/") ? text : nil
    }
}
