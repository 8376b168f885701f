// Loads units from the search path: finds the unit file (following aliases,
// honouring masks, naming the errno of a file that cannot be loaded), applies
// drop-ins in file-name order, instantiates templates, and runs parse →
// derive → verify. Returns values and diagnostics; never logs, never stops on
// one broken unit.

import FoundationEssentials
import UnitModel

/// Everything the loader found on the search path.
public struct UnitSet: Sendable {
    public var sockets: [SocketUnit] = []
    public var services: [ServiceUnit] = []
    /// Units that failed verification or whose file cannot be loaded (each has an error diagnostic).
    public var refused: [UnitName] = []
    public var masked: [UnitName] = []
    public var diagnostics: [Diagnostic] = []
    /// Services enabled for start-up: linked from a `TARGET.wants/` or `TARGET.requires/`
    /// directory of a unit directory (usherd has no targets: every one counts as reached).
    public var enabledServices: [UnitName] = []
    public init() {}

    /// The error texts reported for `name` (why it was refused).
    public func errors(of name: UnitName) -> [String] {
        diagnostics.filter { $0.unit == name.full && $0.severity == .error }.map(\.text)
    }
}

public struct UnitLoader: Sendable {
    public let directories: [String]
    public let specifiers: SpecifierContext
    /// What a service with protections this usherd does not enforce gets: a warning or a refusal.
    public var sandboxing = SandboxingPolicy()

    public init(directories: [String], specifiers: SpecifierContext) {
        self.directories = directories
        self.specifiers = specifiers
    }

    /// Runs `body(stripe)` for every stripe in 0..<count, in any order or at once, and
    /// returns when all are done (UsherSys's Threads.concurrentPerform runs them in parallel).
    public typealias StripeRunner = (_ count: Int, _ body: (Int) -> Void) -> Void

    /// One stripe after the other on the calling thread.
    public static let inOrder: StripeRunner = { count, body in
        for stripe in 0..<count { body(stripe) }
    }

    /// Every non-template `.socket` and `.service` on the path (aliases and masked units excluded).
    /// `run` spreads the parsing over one stripe per core; results and diagnostics keep the
    /// search path's name order.
    public func loadAll(run: StripeRunner = UnitLoader.inOrder) -> UnitSet {
        let index = UnitDirectoryIndex(directories: directories, listingDependencyLinks: true)
        let candidates: [LocatedUnit] = index.orderedNames.compactMap { fileName in
            let name = UnitName(fileName)
            guard !name.isTemplate, UnitNameRules.isValid(fileName) else { return nil }
            guard let located = locate(name, index), located.canonicalName == name else { return nil }
            return located
        }
        var results = loadConcurrently(candidates, index, run)
        var set = UnitSet()
        // Reserved: growing these arrays copied every unit value again at each doubling.
        let socketCount = candidates.count { $0.canonicalName.kind == .socket }
        set.sockets.reserveCapacity(socketCount)
        set.services.reserveCapacity(candidates.count - socketCount)
        for (i, located) in candidates.enumerated() {
            // Moved out of the slot, not copied: a unit is a large value with many references.
            var result = LoadResult()
            swap(&result, &results[i])
            if result.masked {
                set.masked.append(located.canonicalName)
                continue
            }
            set.diagnostics += result.diagnostics
            let refused = result.socket == nil && result.service == nil
            if let socket = result.socket.take() { set.sockets.append(socket) }
            if let service = result.service.take() { set.services.append(service) }
            if refused { set.refused.append(located.canonicalName) }
        }
        checkPairing(&set, index)
        set.enabledServices = Enablement.enabledServices(index)
        return set
    }

    /// Loads the units in one stripe per core; every slot of the result is written by exactly one stripe.
    func loadConcurrently(_ units: [LocatedUnit], _ index: UnitDirectoryIndex, _ run: StripeRunner) -> [LoadResult] {
        var results = [LoadResult](repeating: LoadResult(), count: units.count)
        let stripes = max(1, min(units.count, ProcessInfo.processInfo.activeProcessorCount))
        results.withUnsafeMutableBufferPointer { slots in
            run(stripes) { stripe in
                for i in stride(from: stripe, to: units.count, by: stripes) {
                    slots[i] = load(units[i], index)
                }
            }
        }
        return results
    }

    public func loadSocket(_ name: UnitName) -> (SocketUnit?, [Diagnostic]) {
        let result = loadOne(name)
        return (result.socket, result.diagnostics)
    }

    /// Also loads instances (`foo@bar.service`) through their template.
    public func loadService(_ name: UnitName) -> (ServiceUnit?, [Diagnostic]) {
        let result = loadOne(name)
        return (result.service, result.diagnostics)
    }

    /// Parses `foo@.service` (and its drop-ins) once, for cheap per-connection instances.
    public func loadTemplate(_ name: UnitName) -> (ServiceTemplate?, [Diagnostic]) {
        let index = UnitDirectoryIndex(directories: directories)
        guard let located = locate(name, index) else { return (nil, [missing(name)]) }
        if let diagnostic = unloadable(located) { return (nil, [diagnostic]) }
        let sources = read(located, index)
        if sources.mainFileEmpty { return (nil, [maskedDiagnostic(name)]) }
        var template = ServiceTemplate(name: located.canonicalName, fragmentPath: located.path, sources: sources,
                                       specifiers: specifiers)
        template.sandboxing = sandboxing
        template.directories = directories
        return (template, sources.lexDiagnostics)
    }

    /// The unit file and its drop-ins in application order (for `usherctl cat`).
    public func sourceFiles(_ name: UnitName) -> [String] {
        let index = UnitDirectoryIndex(directories: directories)
        guard let located = locate(name, index), unloadable(located) == nil else { return [] }
        return [located.path] + index.dropIns(for: located.canonicalName)
    }

    func loadOne(_ name: UnitName) -> LoadResult {
        let index = UnitDirectoryIndex(directories: directories)
        guard let located = locate(name, index) else { return LoadResult(diagnostics: [missing(name)]) }
        return load(located, index)
    }

    func missing(_ name: UnitName) -> Diagnostic {
        Diagnostic(severity: .error, unit: name.full, message: "Unit \(name.full) not found.")
    }

    func maskedDiagnostic(_ name: UnitName) -> Diagnostic {
        Diagnostic(severity: .error, unit: name.full, message: "Unit \(name.full) is masked.")
    }

    /// Warns (as systemd-analyze does, at error level) when a socket's service is nowhere on the path.
    func checkPairing(_ set: inout UnitSet, _ index: UnitDirectoryIndex) {
        for socket in set.sockets where !index.hasUnitFile(socket.service) {
            set.diagnostics.append(Diagnostic(severity: .error, unit: socket.name.full,
                                              message: "service \(socket.service.full) not loaded, socket cannot be started."))
        }
    }
}

struct LoadResult {
    var socket: SocketUnit?
    var service: ServiceUnit?
    var masked = false
    var diagnostics: [Diagnostic] = []
}
