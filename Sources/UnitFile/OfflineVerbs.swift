// The logic behind usherctl's offline verbs, kept here so it is tested with
// the library: `verify` (like systemd-analyze verify: diagnostics, failure
// when a unit is refused or missing or a command is not executable), `cat` (files headed by their path), and
// `show` (Key=value lines).

import FoundationEssentials
import UnitModel

public struct VerifyOutcome: Sendable {
    public var diagnostics: [Diagnostic] = []
    /// Per loaded service that sets security-relevant keys: those enforced and those not.
    public var protections: [(unit: String, enforced: [String], notEnforced: [String])] = []
    /// The units that loaded, by full name, so later checks need not load them again.
    public var sockets: [String: SocketUnit] = [:]
    public var services: [String: ServiceUnit] = [:]
    /// A unit was refused, missing, masked, or its socket's service is missing.
    public var failed: Bool { diagnostics.contains { $0.severity == .error } }
}

extension UnitLoader {
    /// Loads each unit (a socket also checks its service exists) and gathers the diagnostics in order.
    public func verify(_ names: [UnitName]) -> VerifyOutcome {
        var outcome = VerifyOutcome()
        for name in names {
            switch name.kind {
            case .socket:
                let (socket, diagnostics) = loadSocket(name)
                outcome.diagnostics += diagnostics
                outcome.sockets[name.full] = socket
                if let socket { outcome.diagnostics += ExecutableCheck.diagnostics(unit: name.full, commands: socket.allCommands) }
                if let socket, !serviceExists(socket.service) {
                    outcome.diagnostics.append(Diagnostic(severity: .error, unit: socket.name.full,
                        message: "service \(socket.service.full) not loaded, socket cannot be started."))
                }
            case .service:
                let (service, diagnostics) = loadService(name)
                outcome.diagnostics += diagnostics
                outcome.services[name.full] = service
                if let service, !name.isTemplate {
                    outcome.diagnostics += ExecutableCheck.diagnostics(unit: name.full, commands: service.allCommands)
                }
                if let service, !service.exec.securityKeys.isEmpty {
                    let split = SecurityKeys.partition(service.exec.securityKeys, privileged: sandboxing.privileged)
                    outcome.protections.append((name.full, split.enforced, split.notEnforced))
                }
            case nil:
                outcome.diagnostics.append(Diagnostic(severity: .error, unit: name.full,
                                                      message: "Unit type not supported by usherd (only .socket and .service)."))
            }
        }
        return outcome
    }

    func serviceExists(_ name: UnitName) -> Bool {
        locate(name, UnitDirectoryIndex(directories: directories)) != nil
    }

    /// `systemctl cat` output: each file headed by `# PATH`, files separated by a blank line.
    public func cat(_ name: UnitName) -> String? {
        let files = sourceFiles(name)
        guard !files.isEmpty else { return nil }
        return files.map { path in
            let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return "# \(path)\n" + text + (text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
        }.joined(separator: "\n")
    }

    /// `show` lines for a socket or service; nil with diagnostics when it does not load.
    public func show(_ name: UnitName) -> ([String]?, [Diagnostic]) {
        if name.kind == .socket {
            let (unit, diagnostics) = loadSocket(name)
            return (unit.map { UnitProperties.socket($0).map { "\($0.0)=\($0.1)" } }, diagnostics)
        }
        let (unit, diagnostics) = loadService(name)
        return (unit.map { UnitProperties.service($0).map { "\($0.0)=\($0.1)" } }, diagnostics)
    }

    /// verify's arguments with each directory replaced by the `.socket`/`.service`
    /// files in it (templates are checked through their sockets), and paths that
    /// are not unit files left out with a note (a `*` glob also matches a README).
    public static func expandVerifyArguments(_ arguments: [String]) -> (arguments: [String], notes: [String]) {
        var expanded: [String] = []
        var notes: [String] = []
        for argument in arguments {
            var isDirectory = false
            if argument.contains("/") || FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
                if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory {
                    let files = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                    let units = files.filter { isUnitFileName($0) && !UnitName($0).isTemplate }.sorted()
                    if units.isEmpty { notes.append("\(argument): no .socket or .service units in this directory.") }
                    expanded += units.map { (argument.hasSuffix("/") ? argument : argument + "/") + $0 }
                    continue
                }
                if argument.contains("/") && !isUnitFileName(argument.lastPathComponent) {
                    notes.append("Skipping \(argument): not a .socket or .service file.")
                    continue
                }
            }
            expanded.append(argument)
        }
        return (expanded, notes)
    }

    static func isUnitFileName(_ name: String) -> Bool { name.hasSuffix(".socket") || name.hasSuffix(".service") }

    /// Resolves command-line arguments: a path adds its directory in front of the search path.
    public static func forArguments(_ arguments: [String], directories: [String], specifiers: SpecifierContext)
        -> (UnitLoader, [UnitName]) {
        var extra: [String] = []
        var names: [UnitName] = []
        for argument in arguments {
            if argument.contains("/") {
                let directory = argument.deletingLastPathComponent
                if !extra.contains(directory) { extra.append(directory.isEmpty ? "/" : directory) }
                names.append(UnitName(argument.lastPathComponent))
            } else {
                names.append(UnitName(argument))
            }
        }
        return (UnitLoader(directories: extra + directories, specifiers: specifiers), names)
    }
}

extension OptionTable {
    /// One line per row: `[Section] Key  value-type  destination  flags`, for `usherctl list-keys`.
    public static func listing() -> [String] {
        rows.map { row in
            var flags: [String] = []
            if row.flags.contains(.list) { flags.append("list") }
            if row.flags.contains(.specifiers) { flags.append("specifiers") }
            if row.flags.contains(.unsupported) { flags.append("unsupported") }
            if row.flags.contains(.usherExtension) { flags.append("usher-extension") }
            if let alias = row.aliasOf { flags.append("alias-of=\(alias)") }
            return "[\(row.section)] \(row.key)\t\(row.valueType)\t\(row.destination)\t\(flags.joined(separator: ","))"
        }
    }
}
