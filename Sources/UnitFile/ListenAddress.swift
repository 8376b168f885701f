// Parses the value of a Listen*= line into a ListenSpec, validating it the
// way systemd 252 does (inet_pton-strict IPv4, bracketed IPv6 with optional
// %scope, ports 1…65535, AF_UNIX path length, netlink family names). The
// Usher host-name extension is only tried when the unit opted in.

import UnitModel

public enum ListenAddressParser {
    /// sizeof(sockaddr_un.sun_path).
    static let unixPathMax = 108

    static let netlinkFamilies: Set<String> = [
        "route", "firewall", "inet-diag", "nflog", "xfrm", "selinux", "iscsi", "audit", "fib-lookup",
        "connector", "netfilter", "ip6-fw", "dnrtmsg", "kobject-uevent", "generic", "scsitransport",
        "ecryptfs", "rdma", "crypto", "smc", "usersock", "sock-diag",
    ]

    /// Parses a socket address for ListenStream=/ListenDatagram=/ListenSequentialPacket=.
    public static func socketAddress(_ text: String, resolveHostNames: Bool = false) -> Result<SocketAddressSpec, ValueError> {
        if text.hasPrefix("/") {
            return text.utf8.count >= unixPathMax ? .failure(.nameTooLong) : .success(.unixPath(text))
        }
        if text.hasPrefix("@") {
            let name = String(text.dropFirst())
            // systemd 252 refuses an empty abstract name (socket_address_parse: EINVAL).
            guard !name.isEmpty else { return .failure(.invalid) }
            return name.utf8.count >= unixPathMax ? .failure(.nameTooLong) : .success(.abstract(name))
        }
        if text.hasPrefix("vsock:") { return vsock(String(text.dropFirst(6))) }
        let literal = inetAddress(text)
        if case .failure(.invalid) = literal, resolveHostNames, let named = hostAndService(text) {
            return .success(named)
        }
        return literal
    }

    static func inetAddress(_ text: String) -> Result<SocketAddressSpec, ValueError> {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.invalid) }
            let inside = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { return .failure(.invalid) }
            let (address, scope) = splitScope(inside)
            guard IPLiterals.isIPv6(address), scope.map(isValidInterfaceName) ?? true else { return .failure(.invalid) }
            return port(String(after.dropFirst())).map { .ipv6(address: address, port: $0, scope: scope) }
        }
        guard let colon = text.firstIndex(of: ":") else {
            return port(text).map { .anyPort($0) }
        }
        let address = String(text[..<colon])
        guard IPLiterals.isIPv4(address) else { return .failure(.invalid) }
        return port(String(text[text.index(after: colon)...])).map { .ipv4(address: address, port: $0) }
    }

    /// parse_ip_port (strtoul base 0): junk is invalid, a sign or > 65535 is out of range, 0 is invalid.
    static func port(_ text: String) -> Result<UInt16, ValueError> {
        if text.hasPrefix("-") {
            return text.count > 1 && text.dropFirst().allSatisfy(\.isASCIIDigit) ? .failure(.outOfRange) : .failure(.invalid)
        }
        switch ValueParsers.unsigned(text, max: 65535) {
        case .success(let value): return value == 0 ? .failure(.invalid) : .success(UInt16(value))
        case .failure(let error): return .failure(error)
        }
    }

    static func splitScope(_ text: String) -> (String, String?) {
        guard let percent = text.firstIndex(of: "%") else { return (text, nil) }
        return (String(text[..<percent]), String(text[text.index(after: percent)...]))
    }

    /// Interface names as the kernel accepts them: 1…15 bytes, no `/`, `:` or whitespace.
    public static func isValidInterfaceName(_ name: String) -> Bool {
        // A name that parses as a number would be taken for an ifindex, so systemd refuses it.
        guard !name.isEmpty, name.utf8.count < 16, name != ".", name != "..",
              !name.allSatisfy(\.isASCIIDigit), !ValueParsers.unsigned(name).isSuccess else {
            return false
        }
        return !name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 >= 0x7F })
    }

    static func vsock(_ text: String) -> Result<SocketAddressSpec, ValueError> {
        guard let colon = text.lastIndex(of: ":") else { return .failure(.invalid) }
        let cidText = String(text[..<colon])
        guard case .success(let portValue) = ValueParsers.unsigned(String(text[text.index(after: colon)...])) else {
            return .failure(.invalid)
        }
        if cidText.isEmpty { return .success(.vsock(cid: nil, port: UInt32(portValue))) }
        guard case .success(let cid) = ValueParsers.unsigned(cidText) else { return .failure(.invalid) }
        return .success(.vsock(cid: UInt32(cid), port: UInt32(portValue)))
    }

    /// Usher extension: `localhost:8080`, `[::]:http`, `example.org:https`.
    static func hostAndService(_ text: String) -> SocketAddressSpec? {
        let host: String
        let service: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { return nil }
            service = after.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = String(text[..<colon])
            service = text[text.index(after: colon)...]
        }
        let hostOK = !host.isEmpty && host.utf8.count <= 253
            && host.utf8.allSatisfy { isHostByte($0) || $0 == UInt8(ascii: ":") }
        let serviceOK = !service.isEmpty && service.utf8.count <= 32 && service.utf8.allSatisfy(isHostByte)
        guard hostOK, serviceOK else { return nil }
        return .hostName(host: host, service: String(service))
    }

    static func isHostByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
            || b == UInt8(ascii: "_")
    }

    /// `kobject-uevent 1` or `route`: family name and optional multicast group.
    public static func netlink(_ text: String) -> Result<NetlinkSpec, ValueError> {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        // A family is a name or, as in systemd, any protocol number.
        guard let family = words.first, words.count <= 2,
              netlinkFamilies.contains(String(family)) || ValueParsers.unsigned(String(family)).isSuccess else {
            return .failure(.invalid)
        }
        var group: UInt32 = 0
        if words.count == 2 {
            guard case .success(let g) = ValueParsers.unsigned(String(words[1])) else { return .failure(.invalid) }
            group = UInt32(g)
        }
        return .success(NetlinkSpec(family: String(family), group: group))
    }
}

/// Literal IP address validation, strict like glibc's inet_pton.
public enum IPLiterals {
    /// Four dot-separated decimal parts 0–255 without leading zeros; scanned as UTF-8
    /// bytes (a Character split cost 14,000 instructions per Listen line).
    public static func isIPv4(_ text: String) -> Bool {
        var parts = 0
        var digits = 0
        var value = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return false }
                parts += 1
                digits = 0
                value = 0
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3 else { return false }
            if digits == 1 && value == 0 { return false } // a leading zero
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            guard value <= 255 else { return false }
        }
        return parts == 3 && digits > 0
    }

    public static func isIPv6(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 45, !text.contains(":::") else { return false }
        var groups = text.components(separatedBy: ":")
        if let last = groups.last, last.contains(".") {
            // An embedded IPv4 tail stands for two 16-bit groups.
            guard isIPv4(last) else { return false }
            groups.removeLast()
            groups.append(contentsOf: ["0", "0"])
        }
        let doubleColons = text.components(separatedBy: "::").count - 1
        guard doubleColons <= 1 else { return false }
        if doubleColons == 0 {
            return groups.count == 8 && groups.allSatisfy(isHexGroup)
        }
        let nonEmpty = groups.filter { !$0.isEmpty }
        guard nonEmpty.allSatisfy(isHexGroup), nonEmpty.count <= 7 else { return false }
        if text.hasPrefix(":") && !text.hasPrefix("::") { return false }
        if text.hasSuffix(":") && !text.hasSuffix("::") { return false }
        return true
    }

    static func isHexGroup(_ group: String) -> Bool {
        !group.isEmpty && group.count <= 4 && group.allSatisfy(\.isHexDigit)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
