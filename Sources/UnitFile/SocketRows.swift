// [Socket] rows: every directive of systemd 252 that usherd acts on, plus the
// Usher extensions (TriggerLimitCooldownSec=, MaxConnectionsPolicy=,
// ResolveHostNames=, each also spelled X-Usher-… so systemd stays silent).
// Exec-context keys of [Socket] that usherd does not run come from Systemd252Keys.

import UnitModel

enum SocketRows {
    static let s = "Socket"

    static let rows: [OptionRow] = listenRows + bindRows + tcpRows + ipRows + fileRows + activationRows + execRows
        + extensionRows

    static let listenRows: [OptionRow] = [
        listen(.stream), listen(.datagram), listen(.sequentialPacket), listen(.fifo), listen(.special),
        listen(.netlink), listen(.messageQueue), listen(.usbFunction),
    ]

    static let bindRows: [OptionRow] = [
        Rows.choice(s, "BindIPv6Only", "SocketUnit.options.bindIPv6Only", values: ["default", "both", "ipv6-only"],
                    what: "bind IPv6 only value", parse: { bindIPv6Only($0) }) { $0.socket.options.bindIPv6Only = $1 },
        Rows.unsigned(s, "Backlog", "SocketUnit.options.backlog") { $0.socket.options.backlog = $1 },
        OptionRow(s, "BindToDevice", "interface name", "SocketUnit.options.bindToDevice") { ss, a in
            if a.value.isEmpty { return ss.draft.socket.options.bindToDevice = nil }
            guard ListenAddressParser.isValidInterfaceName(a.value) else {
                return ss.warn(a, "Invalid interface name, ignoring: \(a.value)")
            }
            ss.draft.socket.options.bindToDevice = a.value
        },
        Rows.boolean(s, "FreeBind", "SocketUnit.options.freeBind") { $0.socket.options.freeBind = $1 },
        Rows.boolean(s, "Transparent", "SocketUnit.options.transparent") { $0.socket.options.transparent = $1 },
        Rows.boolean(s, "Broadcast", "SocketUnit.options.broadcast") { $0.socket.options.broadcast = $1 },
        Rows.boolean(s, "ReusePort", "SocketUnit.options.reusePort") { $0.socket.options.reusePort = $1 },
        Rows.choice(s, "SocketProtocol", "SocketUnit.options.socketProtocol", values: ["udplite", "sctp"],
                    what: "socket protocol", parse: { ["udplite", "sctp"].contains($0) ? $0 : nil }) {
            $0.socket.options.socketProtocol = $1
        },
    ]

    static let tcpRows: [OptionRow] = [
        Rows.boolean(s, "KeepAlive", "SocketUnit.options.keepAlive") { $0.socket.options.keepAlive = $1 },
        Rows.timeSpan(s, "KeepAliveTimeSec", "SocketUnit.options.keepAliveTime") { $0.socket.options.keepAliveTime = $1 },
        Rows.timeSpan(s, "KeepAliveIntervalSec", "SocketUnit.options.keepAliveInterval") {
            $0.socket.options.keepAliveInterval = $1
        },
        Rows.unsigned(s, "KeepAliveProbes", "SocketUnit.options.keepAliveProbes") { $0.socket.options.keepAliveProbes = $1 },
        Rows.boolean(s, "NoDelay", "SocketUnit.options.noDelay") { $0.socket.options.noDelay = $1 },
        Rows.timeSpan(s, "DeferAcceptSec", "SocketUnit.options.deferAccept") { $0.socket.options.deferAccept = $1 },
        Rows.string(s, "TCPCongestion", "SocketUnit.options.tcpCongestion") { $0.socket.options.tcpCongestion = $1 },
    ]

    static let ipRows: [OptionRow] = [
        Rows.integer(s, "Priority", "SocketUnit.options.priority") { $0.socket.options.priority = $1 },
        Rows.size(s, "ReceiveBuffer", "SocketUnit.options.receiveBuffer") { $0.socket.options.receiveBuffer = $1 },
        Rows.size(s, "SendBuffer", "SocketUnit.options.sendBuffer") { $0.socket.options.sendBuffer = $1 },
        Rows.choice(s, "IPTOS", "SocketUnit.options.ipTOS", values: ["low-delay", "throughput", "reliability", "low-cost", "0…255"],
                    what: "IP TOS value", parse: { ipTOS($0) }, onEmpty: { $0.socket.options.ipTOS = nil }) {
            $0.socket.options.ipTOS = $1
        },
        Rows.integer(s, "IPTTL", "SocketUnit.options.ipTTL") { $0.socket.options.ipTTL = $1 },
        Rows.integer(s, "Mark", "SocketUnit.options.mark") { $0.socket.options.mark = $1 },
        Rows.boolean(s, "PassCredentials", "SocketUnit.options.passCredentials") { $0.socket.options.passCredentials = $1 },
        Rows.boolean(s, "PassSecurity", "SocketUnit.options.passSecurity") { $0.socket.options.passSecurity = $1 },
        Rows.boolean(s, "PassPacketInfo", "SocketUnit.options.passPacketInfo") { $0.socket.options.passPacketInfo = $1 },
        Rows.choice(s, "Timestamping", "SocketUnit.options.timestamping", values: ["off", "us", "ns"],
                    what: "timestamping precision", parse: { timestamping($0) }) { $0.socket.options.timestamping = $1 },
    ]

    static let fileRows: [OptionRow] = [
        Rows.size(s, "PipeSize", "SocketUnit.options.pipeSize") { $0.socket.options.pipeSize = $1 },
        Rows.long(s, "MessageQueueMaxMessages", "SocketUnit.options.messageQueueMaxMessages") {
            $0.socket.options.messageQueueMaxMessages = $1
        },
        Rows.long(s, "MessageQueueMessageSize", "SocketUnit.options.messageQueueMessageSize") {
            $0.socket.options.messageQueueMessageSize = $1
        },
        Rows.mode(s, "SocketMode", "SocketUnit.options.socketMode") { $0.socket.options.socketMode = $1 },
        Rows.mode(s, "DirectoryMode", "SocketUnit.options.directoryMode") { $0.socket.options.directoryMode = $1 },
        ExecRows.userOrGroup(s, "SocketUser", "SocketUnit.options.socketUser") { $0.socket.options.socketUser = $1 },
        ExecRows.userOrGroup(s, "SocketGroup", "SocketUnit.options.socketGroup") { $0.socket.options.socketGroup = $1 },
        Rows.boolean(s, "Writable", "SocketUnit.options.writable") { $0.socket.options.writable = $1 },
        Rows.paths(s, "Symlinks", "SocketUnit.options.symlinks") { appendOrReset(&$0.socket.options.symlinks, $1) },
        Rows.boolean(s, "RemoveOnStop", "SocketUnit.options.removeOnStop") { $0.socket.options.removeOnStop = $1 },
    ]

    static let activationRows: [OptionRow] = [
        Rows.boolean(s, "Accept", "SocketUnit.accept") { $0.socket.accept = $1 },
        Rows.boolean(s, "FlushPending", "SocketUnit.flushPending") { $0.socket.flushPending = $1 },
        Rows.unsigned(s, "MaxConnections", "SocketUnit.maxConnections") { $0.socket.maxConnections = $1 },
        Rows.unsigned(s, "MaxConnectionsPerSource", "SocketUnit.maxConnectionsPerSource") {
            $0.socket.maxConnectionsPerSource = $1
        },
        OptionRow(s, "Service", "unit name (.service)", "SocketUnit.explicitService", flags: .specifiers) { ss, a in
            guard let v = ss.expand(a, unitNameOnly: true, failure: .bare) else { return }
            guard UnitNameRules.isValid(v), v.hasSuffix(".service"), UnitName(v).instance?.isEmpty != true else {
                return ss.warn(a, "Unit must be of type service, ignoring: \(a.value)")
            }
            ss.draft.socket.explicitService = UnitName(v)
        },
        OptionRow(s, "FileDescriptorName", "fd name", "SocketUnit.fileDescriptorName", flags: .specifiers) { ss, a in
            if a.value.isEmpty { return ss.draft.socket.fileDescriptorName = nil }
            guard let v = ss.expand(a) else { return }
            guard FileDescriptorNames.isValid(v) else { return ss.warn(a, "Invalid file descriptor name, ignoring: \(v)") }
            ss.draft.socket.fileDescriptorName = v
        },
        Rows.timeSpan(s, "TriggerLimitIntervalSec", "SocketUnit.triggerLimitInterval") { $0.socket.triggerLimitInterval = $1 },
        Rows.unsigned(s, "TriggerLimitBurst", "SocketUnit.triggerLimitBurst") { d, v in
            d.socket.triggerLimitBurst = v
            d.triggerLimitBurstSet = true
        },
        // systemd's sec_fix_0: 0 disables the timeout.
        Rows.timeSpan(s, "TimeoutSec", "SocketUnit.timeout", what: "time value") {
            $0.socket.timeout = $1.microseconds == 0 ? .infinity : $1
        },
    ]

    static let execRows: [OptionRow] = [
        ExecRows.commands(s, "ExecStartPre", "SocketUnit.execStartPre") { appendOrReset(&$0.socket.execStartPre, $1) },
        ExecRows.commands(s, "ExecStartPost", "SocketUnit.execStartPost") { appendOrReset(&$0.socket.execStartPost, $1) },
        ExecRows.commands(s, "ExecStopPre", "SocketUnit.execStopPre") { appendOrReset(&$0.socket.execStopPre, $1) },
        ExecRows.commands(s, "ExecStopPost", "SocketUnit.execStopPost") { appendOrReset(&$0.socket.execStopPost, $1) },
    ]

    static let extensionRows: [OptionRow] = {
        let base = [
            Rows.timeSpan(s, "TriggerLimitCooldownSec", "SocketUnit.triggerLimitCooldown") { $0.socket.triggerLimitCooldown = $1 },
            Rows.enumeration(s, "MaxConnectionsPolicy", "SocketUnit.maxConnectionsPolicy", MaxConnectionsPolicy.self,
                             what: "MaxConnectionsPolicy= value") { $0.socket.maxConnectionsPolicy = $1 },
            Rows.boolean(s, "ResolveHostNames", "SocketUnit.resolveHostNames") { d, v in
                d.resolveHostNames = v
                d.socket.resolveHostNames = v
            },
        ].map { row -> OptionRow in
            var r = row
            r.flags.insert(.usherExtension)
            return r
        }
        return base + base.map { $0.alias("X-Usher-" + $0.key) }
    }()

    static func bindIPv6Only(_ text: String) -> BindIPv6Only? {
        if let v = BindIPv6Only(rawValue: text) { return v }
        return ValueParsers.boolean(text).map { $0 ? .ipv6Only : .both }
    }

    static func timestamping(_ text: String) -> Timestamping? {
        switch text {
        case "off": return .off
        case "us", "usec", "microseconds": return .us
        case "ns", "nsec", "nanoseconds": return .ns
        default: return ValueParsers.boolean(text).map { $0 ? .us : .off }
        }
    }

    static func ipTOS(_ text: String) -> Int32? {
        let names: [String: Int32] = ["low-delay": 0x10, "throughput": 0x08, "reliability": 0x04, "low-cost": 0x02]
        if let v = names[text] { return v }
        if case .success(let n) = ValueParsers.unsigned(text, max: 255) { return Int32(n) }
        return nil
    }
}

/// LISTEN_FDNAMES entries: printable ASCII (space included) without `:`, at most 255 bytes.
public enum FileDescriptorNames {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255
            && name.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
    }
}
