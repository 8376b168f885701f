// /etc/services read as a file (the importer never asks NSS): `name
// port/protocol aliases… # comment`. Looks a service name or alias up for
// one protocol; tcp6/udp6 and friends use their base protocol's entry.

public struct ServicesFile: Sendable {
    private var ports: [String: UInt16] = [:]

    public init(text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 2 else { continue }
            let portAndProtocol = words[1].split(separator: "/")
            guard portAndProtocol.count == 2, let port = UInt16(portAndProtocol[0]) else { continue }
            for name in [words[0]] + words.dropFirst(2) {
                let key = Self.key(name, String(portAndProtocol[1]))
                if ports[key] == nil { ports[key] = port }
            }
        }
    }

    /// The port of `name` for `protocolName` (tcp when nil), or nil when the file does not list it.
    public func port(of name: String, protocolName: String?) -> UInt16? {
        ports[Self.key(name, Self.baseProtocol(protocolName ?? "tcp"))]
    }

    static func baseProtocol(_ name: String) -> String {
        for base in ["tcp", "udp"] where name.hasPrefix(base) { return base }
        return name
    }

    private static func key(_ name: String, _ protocolName: String) -> String { name + "/" + protocolName }
}
