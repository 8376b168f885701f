// xinetd stanzas into imported units: the `defaults` stanza fills in what a
// service leaves out (`+=`/`-=` extend or trim the inherited list), its
// `disabled`/`enabled` lists switch services off by id, then each attribute
// goes through the XinetdAttributes table (flags last, for NAMEINARGS).
// Without flags or bind, xinetd listens on IPv6 with v6only off (confparse.c).

public enum XinetdImport {
    /// Reads `path` (file or directory) and imports every service stanza it reaches.
    public static func run(path: String, options: ImportOptions) -> ImportResult {
        let (stanzas, readNotes) = XinetdReader.read(path)
        var result = importStanzas(stanzas, options: options)
        result.problems = readNotes + result.problems
        return result
    }

    public static func importStanzas(_ stanzas: [XinetdStanza], options: ImportOptions) -> ImportResult {
        let defaults = stanzas.filter { $0.serviceName == nil }.flatMap(\.attributes)
        let switches = ServiceSwitches(defaults)
        let inherited = defaults.filter { !ServiceSwitches.names.contains($0.name) }
        let services = stanzas.compactMap { stanza -> InetdService? in
            guard let name = stanza.serviceName else { return nil }
            var service = InetdService(name: name, origin: ImportNote(file: stanza.file, line: stanza.line, message: ""))
            service.family = .ipv6AndMappedIPv4
            let attributes = effectiveAttributes(stanza.attributes, inheriting: inherited)
            for attribute in attributes { apply(attribute, to: &service) }
            if !attributes.contains(where: { $0.name == "socket_type" }), service.protocolName == "udp" {
                service.socketType = "dgram"
            }
            if switches.disables(service.unitStem) { service.disabled = true }
            return service
        }
        return ImportAssembler.assemble(services, source: "xinetd", options: options)
    }

    /// The service's attributes merged over the defaults, one per name, `flags` last.
    static func effectiveAttributes(_ own: [XinetdAttribute], inheriting defaults: [XinetdAttribute]) -> [XinetdAttribute] {
        var merged: [XinetdAttribute] = []
        for attribute in defaults + own {
            guard let index = merged.firstIndex(where: { $0.name == attribute.name }) else {
                merged.append(attribute)
                continue
            }
            let isOwn = own.contains(attribute)
            switch attribute.op {
            case .add: merged[index].values += attribute.values
            case .remove: merged[index].values.removeAll { attribute.values.contains($0) }
            case .assign where !isOwn: merged[index].values += attribute.values
            case .assign: merged[index] = attribute
            }
        }
        return merged.filter { $0.name != "flags" } + merged.filter { $0.name == "flags" }
    }

    static func apply(_ attribute: XinetdAttribute, to service: inout InetdService) {
        let written = "\(attribute.name) \(attribute.op.rawValue) \(attribute.values.joined(separator: " "))"
        let place = attribute.place
        switch XinetdAttributes.rows[attribute.name]?.mapping {
        case .apply(let apply):
            if let problem = apply(&service, attribute.values) { service.unmapped.append(place.with("\(written): \(problem)")) }
        case .covered(let reason): service.covered.append(place.with("\(written): \(reason)"))
        case .unmapped(let reason): service.unmapped.append(place.with("\(written): \(reason)"))
        case nil: service.unmapped.append(place.with("\(written): unknown attribute"))
        }
        if ["only_from", "no_access"].contains(attribute.name) {
            service.warnings.append(place.with("\(attribute.name): written as IPAddressAllow=/IPAddressDeny=, which usherd does not enforce yet"))
        }
    }
}

/// The defaults stanza's `disabled` and `enabled` id lists.
struct ServiceSwitches {
    static let names: Set<String> = ["disabled", "enabled"]
    var disabled: Set<String> = []
    var enabled: Set<String>?

    init(_ defaults: [XinetdAttribute]) {
        for attribute in defaults where attribute.name == "disabled" { disabled.formUnion(attribute.values) }
        for attribute in defaults where attribute.name == "enabled" {
            enabled = (enabled ?? []).union(attribute.values)
        }
    }

    func disables(_ id: String) -> Bool {
        disabled.contains(id) || (enabled.map { !$0.contains(id) } ?? false)
    }
}
