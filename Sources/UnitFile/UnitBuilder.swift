// Applies lexed sources to a fresh draft (defaults → parse) and hands it to
// derive/verify. Lexer and row diagnostics are merged in line order per file,
// so the output reads like systemd's. Also the Accept=yes template: parsed
// once, instantiated per connection without touching the disk.

import UnitModel

enum UnitBuilder {
    static let fatalMessage = "Unit configuration has fatal error, unit will not be started."

    /// `searchDirectories`: the unit directories, whose names the unit's fragmentPath shares.
    static func build(name: UnitName, fragmentPath: String?, sources: LexedSources,
                      specifiers: SpecifierContext, sandboxing: SandboxingPolicy = SandboxingPolicy(),
                      searchDirectories: [String] = []) -> LoadResult {
        let type: UnitType = name.kind == .socket ? .socket : .service
        let expander = SpecifierExpander(host: specifiers, unitName: name, fragmentPath: fragmentPath)
        var session = ParseSession(draft: UnitDraft(name: name, type: type), expander: expander, sources: sources.sources)
        session.draft.resolveHostNames = resolveHostNamesRequested(sources)
        let lexerFatal = sources.files.contains(where: \.fatal)
        apply(sources, to: &session)
        var result = LoadResult()
        if session.fatal {
            // A broken file (e.g. a bad section header) is explained by its own error line, as in systemd.
            if !lexerFatal {
                session.diagnostics.append(Diagnostic(severity: .error, unit: name.full, message: fatalMessage))
            }
            result.diagnostics = session.diagnostics
            return result
        }
        if type == .socket {
            result.socket = Derive.socket(session.draft, diagnostics: &session.diagnostics)
        } else {
            result.service = Derive.service(session.draft, diagnostics: &session.diagnostics)
            if let service = result.service, !sandboxing.admits(service, diagnostics: &session.diagnostics) {
                result.service = nil
            }
        }
        let dropIns = sources.sources.dropFirst().compactMap(\.path)
        result.socket?.unit.setFragmentPath(fragmentPath, sharing: searchDirectories)
        result.socket?.unit.dropInPaths = dropIns
        result.service?.unit.setFragmentPath(fragmentPath, sharing: searchDirectories)
        result.service?.unit.dropInPaths = dropIns
        result.diagnostics = session.diagnostics
        return result
    }

    /// Runs every assignment through the table, interleaving the lexer's diagnostics by line.
    static func apply(_ sources: LexedSources, to session: inout ParseSession) {
        for file in sources.files {
            var pending = file.diagnostics[...]
            for assignment in file.assignments {
                while let d = pending.first, (d.line ?? 0) < assignment.line {
                    session.diagnostics.append(d)
                    pending = pending.dropFirst()
                }
                OptionTable.apply(assignment, to: &session)
                if session.fatal { return }
            }
            session.diagnostics += pending
            if file.fatal {
                session.fatal = true
                return
            }
        }
    }

    /// ResolveHostNames= may follow the Listen lines it governs, so it is read before anything is applied.
    static func resolveHostNamesRequested(_ sources: LexedSources) -> Bool {
        var enabled = false
        for file in sources.files {
            for a in file.assignments where a.section == "Socket"
                && (a.key == "ResolveHostNames" || a.key == "X-Usher-ResolveHostNames") {
                if let v = ValueParsers.boolean(a.value) { enabled = v }
            }
        }
        return enabled
    }
}

/// A parsed `foo@.service`; `instantiate` re-expands specifiers for one instance without file I/O.
public struct ServiceTemplate: Sendable {
    public let name: UnitName
    public let fragmentPath: String?
    let sources: LexedSources
    let specifiers: SpecifierContext
    var sandboxing = SandboxingPolicy()
    /// The loader's unit directories, whose names each instance's fragmentPath shares.
    var directories: [String] = []

    init(name: UnitName, fragmentPath: String?, sources: LexedSources, specifiers: SpecifierContext) {
        self.name = name
        self.fragmentPath = fragmentPath
        self.sources = sources
        self.specifiers = specifiers
    }

    /// `instantiate("0-127.0.0.1:80-127.0.0.1:5555")` → `foo@0-127.0.0.1:80-127.0.0.1:5555.service`.
    public func instantiate(_ instance: String) -> (ServiceUnit?, [Diagnostic]) {
        let instanceName = UnitName(name.prefix + "@" + instance + "." + (name.kind?.rawValue ?? "service"))
        let result = UnitBuilder.build(name: instanceName, fragmentPath: fragmentPath, sources: sources,
                                       specifiers: specifiers, sandboxing: sandboxing, searchDirectories: directories)
        return (result.service, result.diagnostics)
    }
}

/// Parses one unit from memory (no search path, no drop-ins): for tests, fuzzing and editors.
public enum UnitFileParser {
    public static func parse(_ bytes: [UInt8], as name: UnitName, specifiers: SpecifierContext)
        -> (socket: SocketUnit?, service: ServiceUnit?, diagnostics: [Diagnostic]) {
        let type: UnitType = name.kind == .socket ? .socket : .service
        let source = SourceFile(unit: name.full, path: nil, label: name.full)
        let lexed = LexedSources(sources: [source],
                                 files: [UnitFileLexer.lex(bytes, knownSections: type.sections, source: source, fileIndex: 0)])
        let result = UnitBuilder.build(name: name, fragmentPath: nil, sources: lexed, specifiers: specifiers)
        return (result.socket, result.service, result.diagnostics)
    }
}
