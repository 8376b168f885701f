// The steps after parsing, shared by the xinetd and inetd importers: skip
// disabled services (unless asked), give internal services their handler,
// find the port in the services file, pick a unit name that is free, and
// collect what goes to stderr. `complete` is false when anything was not mapped.

public struct ImportResult: Sendable, Equatable {
    public var units: [GeneratedUnit] = []
    /// Not mapped or not readable: each makes the import incomplete (exit 1).
    public var problems: [ImportNote] = []
    /// Mapped with a caveat, or skipped on purpose (disabled services).
    public var warnings: [ImportNote] = []

    public var complete: Bool { problems.isEmpty }

    /// The stderr lines: every note once (a `defaults` line reaches many services), in file and
    /// line order, caveats marked `warning:`.
    public var reportLines: [String] {
        let marked = problems.map { ($0, "") } + warnings.map { ($0, "warning: ") }
        let ordered = marked.enumerated().sorted { a, b in
            (a.element.0.file, a.element.0.line, a.offset) < (b.element.0.file, b.element.0.line, b.offset)
        }.map { $0.element.1 + $0.element.0.text }
        var seen: Set<String> = []
        return ordered.filter { seen.insert($0).inserted }
    }
}

public struct ImportOptions: Sendable {
    public var servicesFile: ServicesFile
    public var includeDisabled: Bool

    public init(servicesFile: ServicesFile, includeDisabled: Bool) {
        self.servicesFile = servicesFile
        self.includeDisabled = includeDisabled
    }
}

enum ImportAssembler {
    static func assemble(_ services: [InetdService], source: String, options: ImportOptions) -> ImportResult {
        var result = ImportResult()
        var taken: [String: ImportNote] = [:]
        for var service in services {
            if service.disabled && !options.includeDisabled {
                result.warnings.append(service.origin.with("service \(service.name) is disabled, not imported (--include-disabled imports it)"))
                continue
            }
            if let reason = whyNotImportable(&service, options.servicesFile) {
                result.problems.append(service.origin.with("service \(service.name) not imported: \(reason)"))
                continue
            }
            guard let stem = freeStem(service, taken) else {
                let first = taken[unitStem(service.unitStem)].map { " (first at \($0.file):\($0.line))" } ?? ""
                result.problems.append(service.origin.with("service \(service.name) not imported: unit name \(service.unitStem) is taken\(first)"))
                continue
            }
            taken[stem] = service.origin
            service.warnings += acceptNoCaveats(service)
            let port = service.port ?? options.servicesFile.port(of: service.name, protocolName: service.protocolName)
            result.units += ImportedUnitWriter.units(.init(service: service, stem: stem, port: port, source: source))
            result.problems += service.unmapped
            result.warnings += service.warnings
        }
        return result
    }

    /// Accept=no services: datagrams cannot be accepted. (The listening socket on stdin,
    /// StandardInput=socket, is what inetd's wait servers get under systemd and usherd alike.)
    static func acceptNoCaveats(_ service: InetdService) -> [ImportNote] {
        guard service.isDatagram && !service.wait else { return [] }
        return [service.origin.with("wait = no on a datagram socket: systemd cannot accept datagrams, written as Accept=no")]
    }

    /// Fills in an internal service's handler; the reason the service cannot be imported, or nil.
    static func whyNotImportable(_ service: inout InetdService, _ servicesFile: ServicesFile) -> String? {
        if let reason = service.unimportable { return reason }
        if service.isInternal {
            guard let handler = InternalServices.handler(for: service.name, socketType: service.socketType) else {
                return "usherctl has no handler command for the internal \(service.socketType) service \(service.name)"
            }
            service.server = handler.command[0]
            service.arguments = Array(handler.command.dropFirst())
            service.argv0 = nil
            service.serviceLines += handler.serviceLines
            service.socketOnStandardInput = handler.socketOnStandardInput
        }
        guard let server = service.server, server.hasPrefix("/") else {
            return service.server == nil ? "no server" : "server \(service.server ?? "") is not an absolute path"
        }
        if service.unixPath == nil, service.port == nil,
           servicesFile.port(of: service.name, protocolName: service.protocolName) == nil {
            return "no port, and \(service.name)/\(ServicesFile.baseProtocol(service.protocolName ?? "tcp")) is not in the services file"
        }
        return nil
    }

    /// The unit stem, or `NAME-PROTOCOL` when the name is taken (echo over tcp and udp), or nil.
    static func freeStem(_ service: InetdService, _ taken: [String: ImportNote]) -> String? {
        let stem = unitStem(service.unitStem)
        if taken[stem] == nil { return stem }
        // An explicit xinetd id names one service; a repeated id is a conflict, as in xinetd.
        guard service.unitStem == service.name else { return nil }
        let withProtocol = unitStem(stem + "-" + (service.protocolName ?? service.socketType))
        return taken[withProtocol] == nil ? withProtocol : nil
    }

    /// A valid unit name stem: characters systemd does not allow become '_'.
    static func unitStem(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || ":-_.".contains($0)) ? $0 : "_" })
    }
}
