// The xinetd attribute table: one row per attribute of xinetd.conf(5) saying
// how it maps onto a socket and service unit, or why it cannot. `covered`
// rows need nothing under usherd (a comment records them); `unmapped` rows
// make the import incomplete. Flags have their own table below.

struct XinetdAttributeRow {
    enum Mapping {
        /// Applies the values; returns why a value cannot be mapped, or nil.
        case apply((inout InetdService, [String]) -> String?)
        /// Nothing to write: usherd already behaves so, or the attribute only matters to xinetd.
        case covered(String)
        case unmapped(String)
    }

    let name: String
    let mapping: Mapping
}

enum XinetdAttributes {
    static let rows: [String: XinetdAttributeRow] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    static let all: [XinetdAttributeRow] = [
        row("id") { service, values in single(values) { service.unitStem = $0 } },
        row("type", applyType),
        row("flags", applyFlags),
        row("disable") { service, values in boolean(values) { service.disabled = $0 } },
        row("socket_type", applySocketType),
        row("protocol", applyProtocol),
        row("wait") { service, values in boolean(values) { service.wait = $0 } },
        row("user") { service, values in single(values) { service.user = $0 } },
        row("group") { service, values in single(values) { service.group = $0 } },
        row("instances") { service, values in limit(values) { service.maxConnections = $0 } },
        row("per_source") { service, values in limit(values) { service.maxConnectionsPerSource = $0 } },
        row("nice") { service, values in number(values, in: -20...19) { service.nice = $0 } },
        row("server") { service, values in single(values) { service.server = $0 } },
        row("server_args") { service, values in service.arguments = values; return nil },
        row("port") { service, values in number(values, in: 1...65535) { service.port = UInt16($0) } },
        row("bind") { service, values in single(values) { service.bindAddress = $0 } },
        row("interface") { service, values in single(values) { service.bindAddress = $0 } },
        row("v6only") { service, values in boolean(values) { service.family = $0 ? .ipv6Only : .ipv6AndMappedIPv4 } },
        row("env") { service, values in service.environment += values; return nil },
        row("passenv") { service, values in service.passEnvironment += values; return nil },
        row("only_from", applyOnlyFrom),
        row("no_access", applyNoAccess),
        row("umask") { service, values in single(values) { value in
            guard UInt32(value, radix: 8) != nil else { return false }
            service.serviceLines.append("UMask=\(value)")
            return true
        } },
        row("rlimit_as") { service, values in resourceLimit("LimitAS", values, &service) },
        row("rlimit_files") { service, values in resourceLimit("LimitNOFILE", values, &service) },
        row("rlimit_cpu") { service, values in resourceLimit("LimitCPU", values, &service) },
        row("rlimit_data") { service, values in resourceLimit("LimitDATA", values, &service) },
        row("rlimit_rss") { service, values in resourceLimit("LimitRSS", values, &service) },
        row("rlimit_stack") { service, values in resourceLimit("LimitSTACK", values, &service) },
        row("groups", applyGroups),
        covered("log_type", "usherd logs every start and exit of the unit itself"),
        covered("log_on_success", "usherd logs every start and exit of the unit itself"),
        covered("log_on_failure", "usherd logs refused connections and failed starts itself"),
        covered("mdns", "mDNS registration exists only on macOS"),
        covered("libwrap", "usherd does not call libwrap; run tcpd as the server to keep hosts.allow checks"),
        unmapped("access_times", "usherd has no time-of-day access windows"),
        unmapped("redirect", "usherd does not forward connections to another host"),
        unmapped("banner", "usherd does not send banner files"),
        unmapped("banner_success", "usherd does not send banner files"),
        unmapped("banner_fail", "usherd does not send banner files"),
        unmapped("cps", "usherd has no connection-rate limit that pauses a service"),
        unmapped("max_load", "usherd has no load-average limit"),
        unmapped("deny_time", "usherd has no SENSOR blocklist"),
        unmapped("rpc_version", "usherd does not register RPC services with rpcbind"),
        unmapped("rpc_number", "usherd does not register RPC services with rpcbind"),
    ]

    static func row(_ name: String, _ apply: @escaping (inout InetdService, [String]) -> String?) -> XinetdAttributeRow {
        XinetdAttributeRow(name: name, mapping: .apply(apply))
    }

    static func covered(_ name: String, _ reason: String) -> XinetdAttributeRow {
        XinetdAttributeRow(name: name, mapping: .covered(reason))
    }

    static func unmapped(_ name: String, _ reason: String) -> XinetdAttributeRow {
        XinetdAttributeRow(name: name, mapping: .unmapped(reason))
    }

    /// One value, handed to `set`; `set` returns false when the value is not valid.
    static func single(_ values: [String], _ set: (String) -> Bool) -> String? {
        guard values.count == 1 else { return "expects one value" }
        return set(values[0]) ? nil : "'\(values[0])' is not a valid value"
    }

    static func single(_ values: [String], _ set: (String) -> Void) -> String? {
        single(values) { set($0); return true }
    }

    static func number(_ values: [String], in range: ClosedRange<Int>, _ set: (Int) -> Void) -> String? {
        single(values) { value in
            guard let number = Int(value), range.contains(number) else { return false }
            set(number)
            return true
        }
    }

    static func boolean(_ values: [String], _ set: (Bool) -> Void) -> String? {
        single(values) { value in
            guard value == "yes" || value == "no" else { return false }
            set(value == "yes")
            return true
        }
    }

    /// A number, or UNLIMITED (systemd's own default then applies: MaxConnections=64).
    static func limit(_ values: [String], _ set: (UInt32) -> Void) -> String? {
        single(values) { value in
            if value.uppercased() == "UNLIMITED" { return true }
            guard let number = UInt32(value), number > 0 else { return false }
            set(number)
            return true
        }
    }

    static func resourceLimit(_ key: String, _ values: [String], _ service: inout InetdService) -> String? {
        single(values) { value in
            let upper = value.uppercased()
            guard upper == "UNLIMITED" || UInt64(upper.trimmingSuffix(["K", "M"])) != nil else { return false }
            service.serviceLines.append("\(key)=\(upper == "UNLIMITED" ? "infinity" : upper)")
            return true
        }
    }
}

extension String {
    func trimmingSuffix(_ suffixes: [String]) -> String {
        for suffix in suffixes where hasSuffix(suffix) { return String(dropLast(suffix.count)) }
        return self
    }
}
