// The importer's middle: one xinetd stanza or inetd.conf line as a neutral
// description of a socket-activated service (what to listen on, what to run,
// as whom, with which limits), plus the notes gathered while reading it.
// Both parsers fill it; ImportedUnitWriter turns it into unit files.

/// A message about one place in an xinetd or inetd configuration file.
public struct ImportNote: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, the form printed on stderr and in unit comments.
    public var text: String { "\(file):\(line): \(message)" }
    public var description: String { text }
}

/// Which address family a listener without `bind` gets.
public enum ImportFamily: Sendable, Equatable {
    /// `0.0.0.0` (xinetd's `flags = IPv4`; inetd's tcp/udp).
    case ipv4
    /// `[::]` with BindIPv6Only=both (xinetd's default and `flags = IPv6`, inetd tcp46/udp46).
    case ipv6AndMappedIPv4
    /// `[::]` with BindIPv6Only=ipv6-only (inetd tcp6/udp6, xinetd `v6only = yes`).
    case ipv6Only
}

public struct InetdService: Sendable, Equatable {
    /// The service name: looked up in the services file, names internal services.
    public var name: String
    /// The unit name stem (xinetd `id`, else the service name).
    public var unitStem: String
    public var origin: ImportNote
    public var socketType = "stream"
    public var protocolName: String?
    public var wait = false
    public var user: String?
    public var group: String?
    /// Absolute path of the program; nil for internal services.
    public var server: String?
    /// argv[0] when it differs from the server's base name (inetd, NAMEINARGS).
    public var argv0: String?
    public var arguments: [String] = []
    public var isInternal = false
    /// StandardInput=socket (inetd's convention); false for handlers that take fd 3.
    public var socketOnStandardInput = true
    public var port: UInt16?
    /// An AF_UNIX path (inetd's `unix` protocol) instead of a port.
    public var unixPath: String?
    public var bindAddress: String?
    public var family: ImportFamily = .ipv4
    public var environment: [String] = []
    public var passEnvironment: [String] = []
    public var nice: Int?
    public var maxConnections: UInt32?
    public var maxConnectionsPerSource: UInt32?
    public var allowedAddresses: [String]?
    public var deniedAddresses: [String] = []
    /// Extra `Key=value` lines for [Socket] and [Service] (flags, limits, umask).
    public var socketLines: [String] = []
    public var serviceLines: [String] = []
    public var disabled = false
    /// Why the whole service cannot be imported; nil when it can.
    public var unimportable: String?
    /// Settings that could not be mapped: comments in the unit, lines on stderr.
    public var unmapped: [ImportNote] = []
    /// Mapped with a caveat (not enforced by usherd, approximated).
    public var warnings: [ImportNote] = []
    /// Settings usherd needs nothing for (it logs by itself, REUSE is implicit).
    public var covered: [ImportNote] = []

    public init(name: String, origin: ImportNote) {
        self.name = name
        self.unitStem = name
        self.origin = origin
    }

    public var isDatagram: Bool { socketType == "dgram" }
}
