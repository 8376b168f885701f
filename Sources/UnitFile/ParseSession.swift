// The mutable state of parsing one unit: a draft holding systemd's defaults,
// the specifier expander, and the diagnostics gathered so far. Rows write into
// the draft; derive/verify turn it into immutable SocketUnit/ServiceUnit.

import UnitModel

/// A unit being built. [Unit]/[Install] settings are kept apart and copied in at the end.
public struct UnitDraft: Sendable {
    public var name: UnitName
    public var type: UnitType
    public var socket: SocketUnit
    public var service: ServiceUnit
    public var unit = UnitSection()
    /// TriggerLimitBurst= was written (so the Accept=-dependent default does not apply).
    public var triggerLimitBurstSet = false
    /// Usher extension ResolveHostNames=: host and service names allowed in Listen lines.
    public var resolveHostNames = false
    /// [Unit] StartLimitIntervalSec=/StartLimitBurst=, kept for the service.
    public var startLimitInterval: TimeSpan?
    public var startLimitBurst: UInt32?
    /// TimeoutSec= in [Service] sets start and stop timeouts unless they are set separately.
    public var timeoutStartSet = false
    public var timeoutStopSet = false
    /// TimeoutStartSec= or TimeoutSec= was written (Type=oneshot otherwise has no start timeout).
    public var startTimeoutDefined = false
    /// Type= was written; without it and without ExecStart= systemd makes the service oneshot.
    public var serviceTypeSet = false
    /// SuccessAction= was set (usherd ignores it, but it exempts a service from needing ExecStart=).
    public var successActionSet = false

    public init(name: UnitName, type: UnitType) {
        self.name = name
        self.type = type
        self.socket = SocketUnit(name: name)
        self.service = ServiceUnit(name: name)
    }
}

public struct ParseSession: Sendable {
    public var draft: UnitDraft
    public var diagnostics: [Diagnostic] = []
    /// A fatal setting: systemd refuses the unit ("Unit configuration has fatal error").
    public var fatal = false
    let expander: SpecifierExpander
    let sources: [SourceFile]

    init(draft: UnitDraft, expander: SpecifierExpander, sources: [SourceFile]) {
        self.draft = draft
        self.expander = expander
        self.sources = sources
    }

    mutating func warn(_ a: Assignment, _ message: String) {
        append(a, message, .warning)
    }

    /// A warning about the unit as a whole (no file or line), e.g. a dropped self-dependency.
    mutating func unitWarning(_ message: String) {
        diagnostics.append(Diagnostic(severity: .warning, unit: draft.name.full, message: message))
    }

    /// A fatal problem: logged as an error and the unit is refused.
    mutating func fail(_ a: Assignment, _ message: String) {
        append(a, message, .error)
        fatal = true
    }

    private mutating func append(_ a: Assignment, _ message: String, _ severity: Diagnostic.Severity) {
        let source = a.fileIndex < sources.count ? sources[a.fileIndex] : nil
        diagnostics.append(Diagnostic(severity: severity, unit: draft.name.full, file: source?.path,
                                      fileLabel: source?.label, line: a.line, message: message))
    }

    /// How a parser reports a specifier it cannot expand; systemd's parsers differ in quoting and severity.
    enum ExpandFailure {
        /// `Failed to resolve unit specifiers in 'X', ignoring: Invalid slot`
        case quoted
        /// `Failed to resolve unit specifiers in X, ignoring: Invalid slot`
        case bare
        /// `Failed to resolve specifiers in X, ignoring: Invalid slot` (environment settings)
        case environment
        /// `Failed to resolve unit specifiers in X: Invalid slot`, and the unit is refused (credentials)
        case fatal
    }

    /// Expands specifiers; on failure reports in the parser's style and returns nil.
    mutating func expand(_ a: Assignment, _ text: String? = nil, unitNameOnly: Bool = false,
                         failure: ExpandFailure = .quoted) -> String? {
        let raw = text ?? a.value
        switch expander.expand(raw, unitNameOnly: unitNameOnly) {
        case .success(let s): return s
        case .failure(let e):
            switch failure {
            case .quoted: warn(a, "Failed to resolve unit specifiers in '\(raw)', ignoring: \(e.errnoText)")
            case .bare: warn(a, "Failed to resolve unit specifiers in \(raw), ignoring: \(e.errnoText)")
            case .environment: warn(a, "Failed to resolve specifiers in \(raw), ignoring: \(e.errnoText)")
            case .fatal: fail(a, "Failed to resolve unit specifiers in \(raw): \(e.errnoText)")
            }
            return nil
        }
    }
}
