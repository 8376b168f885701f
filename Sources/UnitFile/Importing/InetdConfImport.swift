// inetd.conf(5) lines into imported units: `service socket_type protocol
// wait[.max]|nowait[.max] user[.group|:group] server argv0 args…`. Handles
// `internal` servers, tcp6/udp6/tcp46 and `unix` protocols, `[addr:]service`,
// and Debian's `#<off>#` prefix (update-inetd's disabled services).

public enum InetdConfImport {
    static let disabledPrefix = "#<off>#"

    public static func importText(_ text: String, file: String, options: ImportOptions) -> ImportResult {
        var services: [InetdService] = []
        var problems: [ImportNote] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var content = String(rawLine).trimmingWhitespace()
            let disabled = content.hasPrefix(disabledPrefix)
            if disabled { content = String(content.dropFirst(disabledPrefix.count)).trimmingWhitespace() }
            if content.isEmpty || content.hasPrefix("#") { continue }
            let origin = ImportNote(file: file, line: index + 1, message: "")
            switch service(content, origin: origin) {
            case .success(var service):
                service.disabled = disabled
                services.append(service)
            case .failure(let problem): problems.append(origin.with(problem.message))
            }
        }
        var result = ImportAssembler.assemble(services, source: "inetd", options: options)
        result.problems = problems + result.problems
        return result
    }

    struct LineProblem: Error {
        var message: String
    }

    static func service(_ line: String, origin: ImportNote) -> Result<InetdService, LineProblem> {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count >= 6 else {
            return .failure(LineProblem(message: "expected 'service socket_type protocol wait user server [args…]', ignoring"))
        }
        var service = InetdService(name: fields[0], origin: origin)
        service.socketType = fields[1]
        if !["stream", "dgram", "seqpacket"].contains(fields[1]) {
            service.unimportable = "socket type \(fields[1]) cannot be socket-activated"
        }
        applyProtocol(fields[2], to: &service)
        applyWait(fields[3], to: &service)
        applyUser(fields[4], to: &service)
        if fields[5] == "internal" {
            service.isInternal = true
        } else {
            service.server = fields[5]
            service.argv0 = fields.count > 6 ? fields[6] : nil
            service.arguments = Array(fields.dropFirst(7))
        }
        return .success(service)
    }

    /// The protocol field, and the `[address:]service` field it changes the meaning of.
    static func applyProtocol(_ protocolField: String, to service: inout InetdService) {
        service.protocolName = protocolField
        switch protocolField {
        case "tcp", "udp", "tcp4", "udp4": service.family = .ipv4
        case "tcp6", "udp6": service.family = .ipv6Only
        case "tcp46", "udp46": service.family = .ipv6AndMappedIPv4
        case "unix":
            service.unixPath = service.name
            service.name = String(service.name.split(separator: "/").last ?? "unix")
            service.unitStem = service.name
            return
        default:
            service.unimportable = protocolField.hasPrefix("rpc/")
                ? "RPC services need rpcbind registration, which usherd does not do"
                : "protocol \(protocolField) is not supported"
            return
        }
        if let colon = service.name.lastIndex(of: ":") {
            service.bindAddress = String(service.name[..<colon]).strippingBrackets
            service.name = String(service.name[service.name.index(after: colon)...])
            service.unitStem = service.name
        }
        if let port = UInt16(service.name) { service.port = port }
    }

    /// `wait`/`nowait`, with an optional `.max` (invocations per minute, which usherd has no setting for).
    static func applyWait(_ field: String, to service: inout InetdService) {
        let parts = field.split(separator: ".", maxSplits: 1).map(String.init)
        switch parts.first {
        case "wait": service.wait = true
        case "nowait": service.wait = false
        default: service.unimportable = "'\(field)' is neither wait nor nowait"
        }
        if parts.count == 2 {
            service.unmapped.append(service.origin.with("\(field): at most \(parts[1]) starts a minute: usherd has no such rate limit"))
        }
    }

    static func applyUser(_ field: String, to service: inout InetdService) {
        let parts = field.split(whereSeparator: { $0 == "." || $0 == ":" }).map(String.init)
        service.user = parts.first
        service.group = parts.count > 1 ? parts[1] : nil
    }
}

extension String {
    /// `[::1]` → `::1`, as inetd writes IPv6 addresses in front of the service.
    var strippingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}
