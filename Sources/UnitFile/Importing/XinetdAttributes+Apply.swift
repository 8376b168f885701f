// The xinetd attributes whose mapping needs more than one line: `type`,
// `flags` (a table of its own), `socket_type`, `protocol`, `groups`, and the
// access lists `only_from`/`no_access` turned into IPAddressAllow=/Deny= forms.

extension XinetdAttributes {
    static func applyType(_ service: inout InetdService, _ values: [String]) -> String? {
        for value in values {
            switch value {
            case "INTERNAL": service.isInternal = true
            case "UNLISTED": break
            case "RPC": service.unimportable = "RPC services need rpcbind registration, which usherd does not do"
            case "TCPMUX", "TCPMUXPLUS": service.unimportable = "usherd has no TCPMUX (RFC 1078) multiplexer"
            default: return "unknown type '\(value)'"
            }
        }
        return nil
    }

    /// How each xinetd flag maps: a [Socket] line, a change to the service, nothing needed, or why not.
    enum FlagMapping {
        case socketLine(String)
        case change((inout InetdService) -> Void)
        case covered
        case unmapped(String)
    }

    static let flags: [String: FlagMapping] = [
        "IPv4": .change { $0.family = .ipv4 },
        // v6only (applied before flags) may already have made it .ipv6Only.
        "IPv6": .change { if $0.family == .ipv4 { $0.family = .ipv6AndMappedIPv4 } },
        "NODELAY": .socketLine("NoDelay=yes"),
        "KEEPALIVE": .socketLine("KeepAlive=yes"),
        "NAMEINARGS": .change { service in
            guard !service.arguments.isEmpty else { return }
            service.argv0 = service.arguments.removeFirst()
        },
        "REUSE": .covered,
        "NOLIBWRAP": .covered,
        "NORETRY": .covered,
        "INTERCEPT": .unmapped("usherd does not intercept connections"),
        "IDONLY": .unmapped("usherd does not ask the client's ident server"),
        "SENSOR": .unmapped("usherd has no SENSOR blocklist"),
        "LABELED": .unmapped("usherd does not set SELinux contexts from the connection"),
    ]

    /// Runs after every other attribute so NAMEINARGS sees server_args. With both
    /// IPv4 and IPv6, xinetd uses IPv6 (confparse.c), so IPv6 is applied last.
    static func applyFlags(_ service: inout InetdService, _ values: [String]) -> String? {
        var problems: [String] = []
        for value in values.filter({ $0 != "IPv6" }) + values.filter({ $0 == "IPv6" }) {
            switch flags[value] {
            case .socketLine(let line): service.socketLines.append(line)
            case .change(let change): change(&service)
            case .covered: break
            case .unmapped(let reason): problems.append("\(value): \(reason)")
            case nil: problems.append("\(value): unknown flag")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    static func applySocketType(_ service: inout InetdService, _ values: [String]) -> String? {
        single(values) { value in
            switch value {
            case "stream", "dgram", "seqpacket": service.socketType = value
            case "raw": service.unimportable = "raw sockets cannot be socket-activated"
            default: return false
            }
            return true
        }
    }

    static func applyProtocol(_ service: inout InetdService, _ values: [String]) -> String? {
        single(values) { value in
            switch value {
            case "tcp", "udp": break
            case "sctp", "udplite": service.socketLines.append("SocketProtocol=\(value)")
            default: return false
            }
            service.protocolName = value
            return true
        }
    }

    /// systemd always gives the service its user's supplementary groups, as `groups = yes` does.
    static func applyGroups(_ service: inout InetdService, _ values: [String]) -> String? {
        single(values) { value in
            guard value == "yes" || value == "no" else { return false }
            if value == "no" { service.unmapped.append(service.origin.with("groups = no: systemd always sets the user's supplementary groups")) }
            return true
        }
    }

    static func applyOnlyFrom(_ service: inout InetdService, _ values: [String]) -> String? {
        let (addresses, unmappable) = XinetdAddresses.convert(values)
        service.allowedAddresses = addresses
        return unmappable.isEmpty ? nil : "host or network names are not mapped: " + unmappable.joined(separator: " ")
    }

    static func applyNoAccess(_ service: inout InetdService, _ values: [String]) -> String? {
        let (addresses, unmappable) = XinetdAddresses.convert(values)
        service.deniedAddresses = addresses
        return unmappable.isEmpty ? nil : "host or network names are not mapped: " + unmappable.joined(separator: " ")
    }
}

extension ImportNote {
    func with(_ message: String) -> ImportNote { ImportNote(file: file, line: line, message: message) }
}

/// xinetd address forms in IPAddressAllow=/IPAddressDeny= syntax.
enum XinetdAddresses {
    /// Each value as systemd address prefixes; names (hosts, networks, .domains) are returned apart.
    static func convert(_ values: [String]) -> (addresses: [String], unmappable: [String]) {
        var addresses: [String] = []
        var unmappable: [String] = []
        for value in values {
            if let converted = convert(value) { addresses += converted } else { unmappable.append(value) }
        }
        return (addresses, unmappable)
    }

    static func convert(_ value: String) -> [String]? {
        if value == "localhost" { return ["localhost"] }
        if value.contains(":") { return [value] }
        if let brace = value.firstIndex(of: "{"), value.hasSuffix("}") {
            let prefix = value[..<brace]
            let choices = value[value.index(after: brace)..<value.index(before: value.endIndex)].split(separator: ",")
            let expanded: [String?] = choices.map { convertIPv4(String(prefix + $0).trimmingWhitespace()) }
            return expanded.contains(nil) ? nil : expanded.compactMap { $0 }
        }
        return convertIPv4(value).map { [$0] }
    }

    /// `a.b.c.d[/n]`; trailing zero components are wildcards, as are missing ones after a factorized part.
    static func convertIPv4(_ value: String) -> String? {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        var octets = parts[0].split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        guard !octets.isEmpty, octets.count <= 4, !octets.contains(nil) else { return nil }
        if parts.count == 2 {
            guard octets.count == 4, let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
            return value
        }
        guard parts.count == 1 else { return nil }
        while octets.count < 4 { octets.append(0) }
        let significant = octets.lastIndex(where: { $0 != 0 }).map { $0 + 1 } ?? 0
        let address = octets.map { String($0!) }.joined(separator: ".")
        if significant == 0 { return "any" }
        return significant == 4 ? address : "\(address)/\(significant * 8)"
    }
}
