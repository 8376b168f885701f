// `usherctl listen-check`'s engine: bind a unit's listeners for real, read
// every option back as the kernel reports it (getsockopt, fcntl, fstat/stat),
// release them, and return the report. Errors of single reads show in the
// report ("error: Operation not supported"), as a probe would print them.
import UnitModel
import UsherSys

/// What the kernel says about one listener: ordered (name, value) pairs.
public struct ListenerReport: Sendable, Equatable {
    public var listen: String
    public var entries: [(name: String, value: String)]

    public static func == (a: ListenerReport, b: ListenerReport) -> Bool {
        a.listen == b.listen && a.entries.map { "\($0.name)=\($0.value)" } == b.entries.map { "\($0.name)=\($0.value)" }
    }

    public func value(_ name: String) -> String? { entries.first { $0.name == name }?.value }
}

public struct ListenCheckReport: Sendable, Equatable {
    public var unit: UnitName
    public var warnings: [String]
    public var listeners: [ListenerReport]

    /// Human-readable form: one block per listener, `  NAME=VALUE` lines.
    public var text: String {
        var lines = ["\(unit.full):"]
        lines += warnings.map { "  warning: \($0)" }
        for listener in listeners {
            lines.append("  \(listener.listen)")
            lines += listener.entries.map { "    \($0.name)=\($0.value)" }
        }
        return lines.joined(separator: "\n")
    }
}

extension Binder {
    /// Binds `unit`, reports every listener as the kernel sees it, and releases
    /// them again (nodes are removed only as RemoveOnStop= says, as on a stop).
    public static func listenCheck(_ unit: SocketUnit) -> Result<ListenCheckReport, BindFailure> {
        bind(unit).map { bound in
            defer { release(bound) }
            let listeners = bound.listeners.map { KernelView.report($0) }
            return ListenCheckReport(unit: unit.name, warnings: bound.warnings, listeners: listeners)
        }
    }
}

/// Reads a listener's state back from the kernel.
public enum KernelView {
    public static func report(_ listener: BoundListener) -> ListenerReport {
        let fd = listener.fd.raw
        var entries: [(name: String, value: String)] = [
            ("FD_CLOEXEC", String(listener.fd.isCloseOnExec)),
            ("O_NONBLOCK", String(listener.fd.isNonBlocking)),
        ]
        if let identity = try? Socket.identity(fd) {
            entries += socketEntries(fd, family: identity.family, type: identity.type, protocolNumber: identity.protocol)
        } else if let status = try? FileNodes.status(fd: fd) {
            entries.append(("type", status.kind.rawValue))
            if status.kind == .fifo { entries.append(("F_GETPIPE_SZ", read { try FileNodes.pipeSize(fd) })) }
            if case .messageQueue? = listener.node, let attributes = try? MessageQueueAttributes.of(fd) {
                entries += [("mq_maxmsg", String(attributes.maxMessages)), ("mq_msgsize", String(attributes.messageSize))]
            }
            entries.append(("mode", octal(status.mode)))
        }
        if case .path(let path)? = listener.node, let status = try? FileNodes.status(path) {
            entries += [("node", "\(status.kind.rawValue) \(octal(status.mode)) \(status.uid):\(status.gid) \(path)")]
        }
        return ListenerReport(listen: "\(listener.spec.kind.rawValue)=\(listener.spec.text)", entries: entries)
    }

    static func socketEntries(_ fd: Int32, family: Int32, type: Int32, protocolNumber: Int32) -> [(name: String, value: String)] {
        var entries: [(name: String, value: String)] = [
            ("family", familyName(family)), ("type", typeName(type)), ("protocol", String(protocolNumber)),
            ("sockname", (try? Socket.localAddress(fd).description) ?? "?"),
        ]
        var names: [SocketOptionName] = [
            .acceptConnections, .reuseAddress, .reusePort, .keepAlive, .broadcast, .passCredentials, .passSecurity,
            .priority, .mark, .receiveBuffer, .sendBuffer, .timestamp, .timestampNanoseconds,
        ]
        if family == AddressFamily.inet || family == AddressFamily.inet6 {
            names += [.ipTOS, .ipTTL, .ipFreeBind, .ipTransparent, .ipPacketInfo]
        }
        if family == AddressFamily.inet6 {
            names += [.ipv6Only, .ipv6UnicastHops, .ipv6FreeBind, .ipv6Transparent, .ipv6ReceivePacketInfo]
        }
        let isTCP = protocolNumber == IPProtocolNumber.tcp || protocolNumber == IPProtocolNumber.mptcp
        if isTCP {
            names += [.tcpNoDelay, .tcpKeepIdle, .tcpKeepInterval, .tcpKeepCount, .tcpDeferAccept]
        }
        entries += names.map { name in (name.label, read { try name.get(fd) }) }
        entries.append(("SO_BINDTODEVICE", read { try SocketOptionName.bindToDevice.getText(fd) }))
        if isTCP {
            entries.append(("TCP_CONGESTION", read { try SocketOptionName.tcpCongestion.getText(fd) }))
            entries.append(("listen_backlog(kernel)", read { try Socket.tcpListenBacklog(fd) }))
        }
        return entries
    }

    private static func read<T>(_ body: () throws -> T) -> String {
        do {
            return "\(try body())"
        } catch let error as SystemError {
            return "error: \(error.reason)"
        } catch {
            return "error: \(error)"
        }
    }

    static func octal(_ mode: UInt32) -> String { "0" + String(mode, radix: 8) }

    static func familyName(_ family: Int32) -> String {
        switch family {
        case AddressFamily.inet: return "AF_INET"
        case AddressFamily.inet6: return "AF_INET6"
        case AddressFamily.unix: return "AF_UNIX"
        case AddressFamily.netlink: return "AF_NETLINK"
        case AddressFamily.vsock: return "AF_VSOCK"
        default: return String(family)
        }
    }

    static func typeName(_ type: Int32) -> String {
        switch type {
        case 1: return "SOCK_STREAM"
        case 2: return "SOCK_DGRAM"
        case 3: return "SOCK_RAW"
        case 5: return "SOCK_SEQPACKET"
        default: return String(type)
        }
    }
}
