// Writes one imported service as unit file text: `STEM.socket` with
// `STEM@.service` (Accept=yes) or `STEM.service` (Accept=no). Each file opens
// with where it came from; the notes (not mapped, needs nothing, caveats)
// close the .socket as comments. Values are quoted and %/$-escaped for systemd.

public struct GeneratedUnit: Sendable, Equatable {
    public var name: String
    public var text: String
}

enum ImportedUnitWriter {
    struct Input {
        var service: InetdService
        var stem: String
        var port: UInt16?
        var source: String
    }

    static func units(_ input: Input) -> [GeneratedUnit] {
        let accept = !input.service.wait && !input.service.isDatagram
        let serviceName = input.stem + (accept ? "@.service" : ".service")
        return [GeneratedUnit(name: input.stem + ".socket", text: socketText(input, accept: accept)),
                GeneratedUnit(name: serviceName, text: serviceText(input))]
    }

    static func header(_ input: Input) -> [String] {
        let origin = input.service.origin
        var lines = ["# Imported by `usherctl import \(input.source)` from \(origin.file):\(origin.line)"
                     + " (service \(input.service.name))."]
        if input.service.disabled {
            lines.append("# Disabled in the source (disable = yes, a defaults list or #<off>#); imported because of --include-disabled.")
        }
        return lines + ["", "[Unit]", "Description=\(input.service.name) (imported from \(input.source))".specifierEscaped, ""]
    }

    static func socketText(_ input: Input, accept: Bool) -> String {
        let service = input.service
        var lines = header(input) + ["[Socket]", listenLine(input)]
        if service.unixPath == nil, service.bindAddress == nil, service.family != .ipv4 {
            lines.append("BindIPv6Only=\(service.family == .ipv6Only ? "ipv6-only" : "both")")
        }
        lines.append("Accept=\(accept ? "yes" : "no")")
        if let limit = service.maxConnections { lines.append("MaxConnections=\(limit)") }
        if let limit = service.maxConnectionsPerSource { lines.append("MaxConnectionsPerSource=\(limit)") }
        lines += service.socketLines
        lines += accessLines(service)
        lines += commentBlock("Not mapped (the import is incomplete):", service.unmapped)
        lines += commentBlock("Mapped with a caveat:", service.warnings)
        lines += commentBlock("Needs nothing under usherd:", service.covered)
        return lines.joined(separator: "\n") + "\n"
    }

    static func serviceText(_ input: Input) -> String {
        let service = input.service
        var lines = header(input) + ["[Service]", "ExecStart=" + execLine(service)]
        if service.socketOnStandardInput { lines.append("StandardInput=socket") }
        if let user = service.user { lines.append("User=\(user.specifierEscaped)") }
        if let group = service.group { lines.append("Group=\(group.specifierEscaped)") }
        if let nice = service.nice { lines.append("Nice=\(nice)") }
        if !service.environment.isEmpty {
            lines.append("Environment=" + service.environment.map { quoted($0, escapeDollar: false) }.joined(separator: " "))
        }
        if !service.passEnvironment.isEmpty { lines.append("PassEnvironment=" + service.passEnvironment.joined(separator: " ")) }
        lines += service.serviceLines
        return lines.joined(separator: "\n") + "\n"
    }

    static func listenLine(_ input: Input) -> String {
        let service = input.service
        let key = ["dgram": "ListenDatagram", "seqpacket": "ListenSequentialPacket"][service.socketType] ?? "ListenStream"
        if let path = service.unixPath { return "\(key)=\(path.specifierEscaped)" }
        let port = input.port.map(String.init) ?? "0"
        if let address = service.bindAddress {
            return "\(key)=" + (address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)")
        }
        return "\(key)=" + (service.family == .ipv4 ? "0.0.0.0:\(port)" : "[::]:\(port)")
    }

    /// xinetd's only_from allows listed hosts and refuses the rest; an empty only_from refuses everyone.
    static func accessLines(_ service: InetdService) -> [String] {
        var lines: [String] = []
        if let allowed = service.allowedAddresses, !allowed.isEmpty { lines.append("IPAddressAllow=" + allowed.joined(separator: " ")) }
        if service.allowedAddresses != nil {
            lines.append("IPAddressDeny=any")
        } else if !service.deniedAddresses.isEmpty {
            lines.append("IPAddressDeny=" + service.deniedAddresses.joined(separator: " "))
        }
        return lines
    }

    static func commentBlock(_ title: String, _ notes: [ImportNote]) -> [String] {
        guard !notes.isEmpty else { return [] }
        return ["", "# " + title] + notes.map { "# " + $0.text.replacingNewlines }
    }

    /// `ExecStart=` words; `@PATH ARGV0 …` when argv[0] is not the program's base name.
    static func execLine(_ service: InetdService) -> String {
        let server = service.server ?? ""
        let baseName = String(server.split(separator: "/").last ?? "")
        var words = [server] + service.arguments
        if let argv0 = service.argv0, argv0 != baseName {
            words = ["@" + server, argv0] + service.arguments
        }
        return words.map { quoted($0, escapeDollar: true) }.joined(separator: " ")
    }

    /// One word for a systemd command line or environment list.
    static func quoted(_ word: String, escapeDollar: Bool) -> String {
        var escaped = word.specifierEscaped.replacingOccurrences("\\", "\\\\").replacingOccurrences("\"", "\\\"")
        if escapeDollar { escaped = escaped.replacingOccurrences("$", "$$") }
        let needsQuotes = word.isEmpty || word.contains { " \t;'\"\\".contains($0) }
        return needsQuotes ? "\"\(escaped)\"" : escaped
    }
}

extension String {
    var specifierEscaped: String { replacingOccurrences("%", "%%") }
    var replacingNewlines: String { replacingOccurrences("\n", " ") }

    func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
