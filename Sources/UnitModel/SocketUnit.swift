// The typed, immutable result of loading a `.socket` unit: every [Socket]
// setting usherd acts on, with systemd's defaults. Values are Equatable so a
// reload can diff old and new; per-listener bind options are grouped so the
// binder can tell whether an open fd still matches.

public enum BindIPv6Only: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case `default`, both, ipv6Only = "ipv6-only"
}

public enum Timestamping: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    case off, us, ns
}

/// Usher extension: what to do at MaxConnections=.
public enum MaxConnectionsPolicy: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    /// systemd's behaviour: accept and close at once.
    case refuse
    /// stop polling the listener at the cap; the kernel queues clients.
    case defer_ = "defer"
}

/// Options applied to each listener fd (socket(2)…listen(2) and setsockopt).
public struct SocketOptions: Codable, Sendable, Equatable, Hashable {
    public var bindIPv6Only: BindIPv6Only = .default
    /// systemd's default is SOMAXCONN_DELUXE (INT_MAX-1 clamped by the kernel).
    public var backlog: UInt32 = UInt32(Int32.max - 1)
    public var bindToDevice: String?
    public var freeBind = false
    public var transparent = false
    public var broadcast = false
    public var reusePort = false
    public var keepAlive = false
    public var keepAliveTime: TimeSpan?
    public var keepAliveInterval: TimeSpan?
    public var keepAliveProbes: UInt32?
    public var noDelay = false
    public var deferAccept: TimeSpan?
    public var tcpCongestion: String?
    public var priority: Int32?
    public var receiveBuffer: UInt64?
    public var sendBuffer: UInt64?
    public var ipTOS: Int32?
    public var ipTTL: Int32?
    public var mark: Int32?
    public var passCredentials = false
    public var passSecurity = false
    public var passPacketInfo = false
    public var timestamping: Timestamping = .off
    public var pipeSize: UInt64?
    public var messageQueueMaxMessages: Int64?
    public var messageQueueMessageSize: Int64?
    /// SocketProtocol=: `udplite`, `sctp`, `mptcp`, or nil for the default.
    public var socketProtocol: String?
    public var socketUser: String?
    public var socketGroup: String?
    public var socketMode: UInt32 = 0o666
    public var directoryMode: UInt32 = 0o755
    public var writable = false
    public var symlinks: [String] = []
    public var removeOnStop = false
    public init() {}
}

extension SocketOptions: SparseGroup {
    public static let defaults = SocketOptions()
}

@dynamicMemberLookup
public struct SocketUnit: Codable, Sendable, Equatable {
    public var name: UnitName
    public var listens: [ListenSpec] = []
    /// Sparse: most sockets set none of these, and then hold no copy of the defaults.
    @Sparse public var options: SocketOptions
    public var accept = false
    public var maxConnections: UInt32 = 64
    /// Derived pairing: `Service=`, or `NAME.service`, or `NAME@.service` with Accept=yes.
    public var service: UnitName
    public var triggerLimitInterval: TimeSpan = .seconds(2)
    /// Derived: 200 with Accept=yes, 20 otherwise, unless set.
    public var triggerLimitBurst: UInt32 = 20
    public var unit = UnitSection()
    /// Sparse: the settings of SocketUnit.Uncommon (Service=, FileDescriptorName=, the
    /// commands, ...), read as the unit's own by dynamic member lookup (`unit.execStartPre`).
    @Sparse public var uncommon: Uncommon

    public init(name: UnitName) {
        self.name = name
        self.service = UnitName(name.stem + ".service")
    }

    /// The name every fd of this unit carries in LISTEN_FDNAMES.
    public var fdName: String { self.fileDescriptorName ?? name.full }

    public struct Uncommon: SparseGroup {
        public static let defaults = Uncommon()
        public var flushPending = false
        public var maxConnectionsPerSource: UInt32 = 0
        /// Usher extension `MaxConnectionsPolicy=`; systemd's behaviour by default.
        public var maxConnectionsPolicy: MaxConnectionsPolicy = .refuse
        /// Usher extension `ResolveHostNames=`: Listen lines may name hosts/services (SocketAddressSpec.hostName).
        public var resolveHostNames = false
        /// `Service=` as written; nil when absent.
        public var explicitService: UnitName?
        /// FileDescriptorName=; nil means "use the unit's full name".
        public var fileDescriptorName: String?
        /// Usher extension `TriggerLimitCooldownSec=`: nil means stay failed (systemd).
        public var triggerLimitCooldown: TimeSpan?
        public var execStartPre: [CommandLine] = []
        public var execStartPost: [CommandLine] = []
        public var execStopPre: [CommandLine] = []
        public var execStopPost: [CommandLine] = []
        public var timeout: TimeSpan = .seconds(90)
        public init() {}
    }

    public subscript<Value>(dynamicMember path: WritableKeyPath<Uncommon, Value>) -> Value {
        get { uncommon[keyPath: path] }
        set { uncommon[keyPath: path] = newValue }
        _modify { yield &uncommon[keyPath: path] }
    }

    // Codable with every setting at the top level, as before some moved out of line.
    enum CodingKeys: String, CodingKey {
        case name, listens, options, accept, maxConnections, service, triggerLimitInterval, triggerLimitBurst, unit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(UnitName.self, forKey: .name)
        listens = try c.decode([ListenSpec].self, forKey: .listens)
        options = try c.decode(SocketOptions.self, forKey: .options)
        accept = try c.decode(Bool.self, forKey: .accept)
        maxConnections = try c.decode(UInt32.self, forKey: .maxConnections)
        service = try c.decode(UnitName.self, forKey: .service)
        triggerLimitInterval = try c.decode(TimeSpan.self, forKey: .triggerLimitInterval)
        triggerLimitBurst = try c.decode(UInt32.self, forKey: .triggerLimitBurst)
        unit = try c.decode(UnitSection.self, forKey: .unit)
        // The same object: its keys stand beside these, as they did.
        uncommon = try Uncommon(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(listens, forKey: .listens)
        try c.encode(options, forKey: .options)
        try c.encode(accept, forKey: .accept)
        try c.encode(maxConnections, forKey: .maxConnections)
        try c.encode(service, forKey: .service)
        try c.encode(triggerLimitInterval, forKey: .triggerLimitInterval)
        try c.encode(triggerLimitBurst, forKey: .triggerLimitBurst)
        try c.encode(unit, forKey: .unit)
        try uncommon.encode(to: encoder)
    }
}
