// The fixed order in which socket options are applied, each marked fatal or
// best-effort as systemd 252 marks it (socket_address_listen for the steps
// before bind, socket_apply_socket_options for those after listen). A fatal
// step fails the unit; a best-effort one adds "UNIT: X failed: reason, ignoring".
import UnitModel
import UsherSys

/// The fd an option step works on, with what the steps need to know about it.
struct OptionTarget {
    let fd: Int32
    let family: Int32
    let protocolNumber: Int32
}

/// One row of the option order: the unit-file key, the call named in messages,
/// fatal or best-effort, and the action (false when the option is not set).
struct OptionStep {
    let key: String
    let label: String
    let fatal: Bool
    let apply: (SocketOptions, OptionTarget) throws -> Bool
}

public enum OptionPlan {
    /// Before bind(2), in this order. Device, port reuse, free bind and transparent
    /// apply to IP sockets only; SO_REUSEADDR=1 to every socket, as systemd does.
    static let beforeBind: [OptionStep] = [
        OptionStep(key: "BindIPv6Only=", label: "IPV6_V6ONLY", fatal: true) { o, t in
            guard t.family == AddressFamily.inet6, o.bindIPv6Only != .default else { return false }
            try SocketOptionName.ipv6Only.set(t.fd, o.bindIPv6Only == .ipv6Only ? 1 : 0)
            return true
        },
        OptionStep(key: "BindToDevice=", label: "SO_BINDTODEVICE", fatal: true) { o, t in
            guard isIP(t), let device = o.bindToDevice else { return false }
            try SocketOptionName.bindToDevice.set(t.fd, device)
            return true
        },
        OptionStep(key: "ReusePort=", label: "SO_REUSEPORT", fatal: false) { o, t in
            guard isIP(t), o.reusePort else { return false }
            try SocketOptionName.reusePort.set(t.fd, 1)
            return true
        },
        OptionStep(key: "FreeBind=", label: "IP_FREEBIND/IPV6_FREEBIND", fatal: false) { o, t in
            guard isIP(t), o.freeBind else { return false }
            try (t.family == AddressFamily.inet6 ? SocketOptionName.ipv6FreeBind : .ipFreeBind).set(t.fd, 1)
            return true
        },
        OptionStep(key: "Transparent=", label: "IP_TRANSPARENT/IPV6_TRANSPARENT", fatal: false) { o, t in
            guard isIP(t), o.transparent else { return false }
            try (t.family == AddressFamily.inet6 ? SocketOptionName.ipv6Transparent : .ipTransparent).set(t.fd, 1)
            return true
        },
        OptionStep(key: "(always)", label: "SO_REUSEADDR", fatal: true) { _, t in
            try SocketOptionName.reuseAddress.set(t.fd, 1)
            return true
        },
    ]

    /// After listen(2), all best-effort, in this order.
    static let afterListen: [OptionStep] = [
        flag("KeepAlive=", .keepAlive) { $0.keepAlive },
        seconds("KeepAliveTimeSec=", .tcpKeepIdle) { $0.keepAliveTime },
        seconds("KeepAliveIntervalSec=", .tcpKeepInterval) { $0.keepAliveInterval },
        number("KeepAliveProbes=", .tcpKeepCount) { $0.keepAliveProbes.map { clamp($0) } },
        seconds("DeferAcceptSec=", .tcpDeferAccept) { $0.deferAccept },
        OptionStep(key: "NoDelay=", label: "TCP_NODELAY", fatal: false) { o, t in
            guard o.noDelay else { return false }
            let name: SocketOptionName = t.protocolNumber == IPProtocolNumber.sctp ? .sctpNoDelay : .tcpNoDelay
            try name.set(t.fd, 1)
            return true
        },
        flag("Broadcast=", .broadcast) { $0.broadcast },
        flag("PassCredentials=", .passCredentials) { $0.passCredentials },
        flag("PassSecurity=", .passSecurity) { $0.passSecurity },
        OptionStep(key: "PassPacketInfo=", label: "IP_PKTINFO/IPV6_RECVPKTINFO", fatal: false) { o, t in
            guard o.passPacketInfo else { return false }
            try packetInfoOption(for: t).set(t.fd, 1)
            return true
        },
        OptionStep(key: "Timestamping=", label: "SO_TIMESTAMP/SO_TIMESTAMPNS", fatal: false) { o, t in
            guard o.timestamping != .off else { return false }
            try (o.timestamping == .ns ? SocketOptionName.timestampNanoseconds : .timestamp).set(t.fd, 1)
            return true
        },
        number("Priority=", .priority) { $0.priority },
        buffer("ReceiveBuffer=", .receiveBuffer, force: .receiveBufferForce) { $0.receiveBuffer },
        buffer("SendBuffer=", .sendBuffer, force: .sendBufferForce) { $0.sendBuffer },
        number("Mark=", .mark) { $0.mark },
        number("IPTOS=", .ipTOS) { $0.ipTOS },
        OptionStep(key: "IPTTL=", label: "IP_TTL/IPV6_UNICAST_HOPS", fatal: false) { o, t in
            guard let ttl = o.ipTTL else { return false }
            try setTTL(ttl, t)
            return true
        },
        OptionStep(key: "TCPCongestion=", label: "TCP_CONGESTION", fatal: false) { o, t in
            guard let name = o.tcpCongestion else { return false }
            try SocketOptionName.tcpCongestion.set(t.fd, name)
            return true
        },
    ]

    /// The documented order: (key, call, fatal), bind(2) and listen(2) included.
    public static var order: [(key: String, call: String, fatal: Bool)] {
        beforeBind.map { ($0.key, $0.label, $0.fatal) }
            + [("Listen*=", "bind", true), ("Backlog=", "listen", true)]
            + afterListen.map { ($0.key, $0.label, $0.fatal) }
    }

    /// Runs `steps` in order: a fatal failure throws, a best-effort one warns.
    static func run(_ steps: [OptionStep], _ options: SocketOptions, _ target: OptionTarget,
                    context: inout BindContext) throws {
        for step in steps {
            do {
                _ = try step.apply(options, target)
            } catch {
                if step.fatal { throw error }
                context.warn(step.label, error)
            }
        }
    }
}

// MARK: step builders and helpers

extension OptionPlan {
    static func isIP(_ t: OptionTarget) -> Bool { t.family == AddressFamily.inet || t.family == AddressFamily.inet6 }

    static func clamp<T: BinaryInteger>(_ value: T) -> Int32 { Int32(clamping: value) }

    static func flag(_ key: String, _ name: SocketOptionName, _ get: @escaping (SocketOptions) -> Bool) -> OptionStep {
        OptionStep(key: key, label: name.label, fatal: false) { o, t in
            guard get(o) else { return false }
            try name.set(t.fd, 1)
            return true
        }
    }

    static func number(_ key: String, _ name: SocketOptionName, _ get: @escaping (SocketOptions) -> Int32?) -> OptionStep {
        OptionStep(key: key, label: name.label, fatal: false) { o, t in
            guard let value = get(o) else { return false }
            try name.set(t.fd, value)
            return true
        }
    }

    /// Time spans go to the kernel in whole seconds, truncated, as systemd does.
    static func seconds(_ key: String, _ name: SocketOptionName, _ get: @escaping (SocketOptions) -> TimeSpan?) -> OptionStep {
        number(key, name) { o in
            guard let span = get(o), span.microseconds > 0 else { return nil }
            return clamp(span.microseconds / 1_000_000)
        }
    }

    /// SO_RCVBUF/SO_SNDBUF, then the FORCE variant when the kernel capped the value
    /// below what was asked (it stores double the request); root may exceed rmem_max.
    static func buffer(_ key: String, _ name: SocketOptionName, force: SocketOptionName,
                       _ get: @escaping (SocketOptions) -> UInt64?) -> OptionStep {
        OptionStep(key: key, label: "\(name.label)/\(force.label)", fatal: false) { o, t in
            guard let size = get(o), size > 0 else { return false }
            let value = clamp(size)
            try name.set(t.fd, value)
            if let stored = try? name.get(t.fd), Int64(stored) == Int64(value) * 2 { return true }
            try force.set(t.fd, value)
            return true
        }
    }

    static func packetInfoOption(for t: OptionTarget) throws -> SocketOptionName {
        switch t.family {
        case AddressFamily.inet: return .ipPacketInfo
        case AddressFamily.inet6: return .ipv6ReceivePacketInfo
        case AddressFamily.netlink: return .netlinkPacketInfo
        default: throw SystemError(call: "setsockopt(IP_PKTINFO)", object: "fd \(t.fd)", errno: 97) // EAFNOSUPPORT
        }
    }

    /// systemd 252's socket_set_ttl: IP_TTL on IPv4, IPV6_UNICAST_HOPS on IPv6, and
    /// EAFNOSUPPORT ("Address family not supported by protocol") for any other family.
    static func setTTL(_ ttl: Int32, _ t: OptionTarget) throws {
        switch t.family {
        case AddressFamily.inet: try SocketOptionName.ipTTL.set(t.fd, ttl)
        case AddressFamily.inet6: try SocketOptionName.ipv6UnicastHops.set(t.fd, ttl)
        default: throw SystemError(call: "setsockopt(IP_TTL)", object: "fd \(t.fd)", errno: 97) // EAFNOSUPPORT
        }
    }
}
