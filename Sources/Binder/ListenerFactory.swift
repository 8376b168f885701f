// Creates one listener fd per endpoint, by kind: sockets (socket → options
// before bind → bind → listen → options after listen), FIFOs, special files,
// netlink sockets and POSIX message queues. Every fd is CLOEXEC and blocking.
// Resolving a Listen line into endpoints (addresses) also lives here.
import UnitModel
import UsherSys

/// One concrete thing to bind for a Listen line.
struct Endpoint {
    let spec: ListenSpec
    /// nil for FIFO, special file and message queue.
    let address: SocketAddress?
    let kind: SocketKind
    let protocolNumber: Int32
}

enum ListenerFactory {
    static func endpoints(for spec: ListenSpec, options: SocketOptions, unit: UnitName) throws -> [Endpoint] {
        let kind = socketKind(spec.kind)
        switch spec.target {
        case .path:
            return [Endpoint(spec: spec, address: nil, kind: kind, protocolNumber: 0)]
        case .netlink(let netlink):
            guard let proto = NetlinkFamilies.protocolNumber(netlink.family) else {
                throw BindFailure(unit: unit, address: spec.text, reason: "Unknown netlink family '\(netlink.family)'")
            }
            return [Endpoint(spec: spec, address: .netlink(groups: netlink.group), kind: .raw, protocolNumber: proto)]
        case .socket(let socketSpec):
            let addresses = try resolve(socketSpec, spec: spec, kind: kind, unit: unit)
            return try addresses.map { address in
                let proto = address.isIP ? try protocolNumber(options.socketProtocol, spec: spec, unit: unit) : 0
                return Endpoint(spec: spec, address: address, kind: kind, protocolNumber: proto)
            }
        }
    }

    static func socketKind(_ kind: ListenKind) -> SocketKind {
        switch kind {
        case .datagram: return .datagram
        case .sequentialPacket: return .sequentialPacket
        case .netlink: return .raw
        default: return .stream
        }
    }

    /// SocketProtocol= applies to IP listeners only; nil keeps the family's default.
    static func protocolNumber(_ name: String?, spec: ListenSpec, unit: UnitName) throws -> Int32 {
        switch name {
        case nil: return 0
        case "udplite": return IPProtocolNumber.udplite
        case "sctp": return IPProtocolNumber.sctp
        case "mptcp": return IPProtocolNumber.mptcp
        case let other?:
            throw BindFailure(unit: unit, address: spec.text, reason: "Unsupported SocketProtocol=\(other)")
        }
    }

    private static func resolve(_ socketSpec: SocketAddressSpec, spec: ListenSpec, kind: SocketKind,
                                unit: UnitName) throws -> [SocketAddress] {
        func refuse(_ reason: String) -> BindFailure { BindFailure(unit: unit, address: spec.text, reason: reason) }
        do {
            switch socketSpec {
            case .anyPort(let port):
                return [wildcard(port: port, ipv6Supported: AddressLookup.ipv6Supported)]
            case .ipv4(let text, let port):
                return [try SocketAddress.ipv4(text, port: port).orThrow(refuse("Invalid IPv4 address"))]
            case .ipv6(let text, let port, let scope):
                var scopeID: UInt32 = 0
                if let scope {
                    scopeID = try Identity.interfaceIndex(scope).orThrow(refuse("No such network interface '\(scope)'"))
                }
                return [try SocketAddress.ipv6(text, port: port, scopeID: scopeID).orThrow(refuse("Invalid IPv6 address"))]
            case .unixPath(let path):
                return [try SocketAddress.unixPath(path)]
            case .abstract(let name):
                return [try SocketAddress.abstract(name)]
            case .vsock(let cid, let port):
                return [SocketAddress.vsock(cid: cid, port: port)]
            case .hostName(let host, let service):
                return try AddressLookup.resolve(host: host, service: service, kind: kind)
            }
        } catch let error as SystemError {
            throw BindFailure(unit: unit, address: spec.text, systemError: error)
        } catch let error as LookupError {
            throw refuse(error.reason)
        }
    }
}

extension ListenerFactory {
    /// systemd: a bare port is `[::]:PORT`, or `0.0.0.0:PORT` where the kernel has no IPv6.
    static func wildcard(port: UInt16, ipv6Supported: Bool) -> SocketAddress {
        let any = ipv6Supported ? SocketAddress.ipv6("::", port: port) : SocketAddress.ipv4("0.0.0.0", port: port)
        return any ?? SocketAddress()
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Wrapped {
        guard let value = self else { throw error() }
        return value
    }
}

// MARK: creation

extension ListenerFactory {
    static func create(_ endpoint: Endpoint, unit: SocketUnit, context: inout BindContext) throws -> BoundListener {
        do {
            switch endpoint.spec.kind {
            case .fifo: return try NodePolicy.createFIFO(endpoint.spec, options: unit.$options, context: &context)
            case .special: return try NodePolicy.openSpecial(endpoint.spec, options: unit.$options)
            case .messageQueue: return try NodePolicy.openMessageQueue(endpoint.spec, options: unit.$options)
            case .usbFunction:
                throw BindFailure(unit: unit.name, address: endpoint.spec.text,
                                  reason: "ListenUSBFunction= is not supported by usherd")
            default: return try createSocket(endpoint, options: unit.$options, context: &context)
            }
        } catch let error as SystemError {
            throw BindFailure(unit: unit.name, address: endpoint.spec.text, systemError: error)
        }
    }

    /// socket → options before bind → bind (AF_UNIX: parents, umask, stale node) →
    /// listen → options after listen → node ownership.
    private static func createSocket(_ endpoint: Endpoint, options shared: Sparse<SocketOptions>,
                                     context: inout BindContext) throws -> BoundListener {
        let options = shared.wrappedValue
        guard let address = endpoint.address else {
            throw SystemError(call: "socket", object: endpoint.spec.text, errno: 22) // EINVAL: no address
        }
        let fd = try Socket.open(family: address.family, kind: endpoint.kind, protocol: endpoint.protocolNumber,
                                 object: address.description)
        let target = OptionTarget(fd: fd.raw, family: address.family, protocolNumber: endpoint.protocolNumber)
        try OptionPlan.run(OptionPlan.beforeBind, options, target, context: &context)
        if let path = address.unixPath {
            try NodePolicy.bindUnixPath(fd, address: address, path: path, options: options)
        } else {
            try Socket.bind(fd, to: address)
        }
        if endpoint.kind.isConnectionOriented {
            try Socket.listen(fd, backlog: OptionPlan.clamp(options.backlog), object: address.description)
        }
        try OptionPlan.run(OptionPlan.afterListen, options, target, context: &context)
        let local = (try? Socket.localAddress(fd.raw)) ?? address
        // An AF_UNIX path is the same text as the Listen line and the description: one string for all three.
        let description = sameText(local.description, as: endpoint.spec.text)
        var node: ListenerNode?
        if let path = address.unixPath {
            FileNodes.touch(path)
            try NodePolicy.applyOwner(path: path, options: options)
            node = .path(sameText(path, as: description))
        }
        return BoundListener(spec: endpoint.spec, fd: fd, localDescription: description, address: local,
                             requestedAddress: address, options: shared, node: node)
    }

    /// `other` when it says the same as `text`: kept once, not twice (10,000 listeners hold many paths).
    private static func sameText(_ text: String, as other: String) -> String { text == other ? other : text }
}

/// Netlink family names as systemd's ListenNetlink= takes them.
enum NetlinkFamilies {
    static let table: [String: Int32] = [
        "route": 0, "usersock": 2, "firewall": 3, "sock-diag": 4, "inet-diag": 4, "nflog": 5, "xfrm": 6,
        "selinux": 7, "iscsi": 8, "audit": 9, "fib-lookup": 10, "connector": 11, "netfilter": 12,
        "ip6-fw": 13, "dnrtmsg": 14, "kobject-uevent": 15, "generic": 16, "scsitransport": 18,
        "ecryptfs": 19, "rdma": 20, "crypto": 21, "smc": 22,
    ]

    static func protocolNumber(_ name: String) -> Int32? {
        table[name] ?? Int32(name)
    }
}
