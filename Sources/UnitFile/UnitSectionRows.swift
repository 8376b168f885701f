// [Unit] and [Install] rows shared by sockets and services: description,
// documentation, dependencies, the start rate limit, path conditions and
// asserts, and the [Install] lists used by enable-style logic.

import UnitModel

enum UnitSectionRows {
    static let u = "Unit"
    static let i = "Install"

    static let rows: [OptionRow] = describeRows + dependencyRows + limitRows + conditionRows + installRows

    static let describeRows: [OptionRow] = [
        Rows.string(u, "Description", "UnitSection.description") { $0.unit.description = $1 },
        OptionRow(u, "Documentation", "URLs", "UnitSection.documentation", flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.unit.documentation = [] }
            // The whole value is expanded first, then split (systemd's strv_printf order).
            guard let expanded = s.expand(a), case .success(let urls) = WordSplitter.split(expanded) else { return }
            for url in urls {
                guard isDocumentationURL(url) else {
                    s.warn(a, "Invalid URL, ignoring: \(url)")
                    continue
                }
                s.draft.unit.documentation.append(url)
            }
        },
        Rows.boolean(u, "DefaultDependencies", "UnitSection.defaultDependencies") { $0.unit.defaultDependencies = $1 },
    ]

    static let dependencyRows: [OptionRow] = [
        dependency("Requires", "UnitSection.requires") { appendOrReset(&$0.unit.requires, $1) },
        dependency("Wants", "UnitSection.wants") { appendOrReset(&$0.unit.wants, $1) },
        dependency("After", "UnitSection.after") { appendOrReset(&$0.unit.after, $1) },
        dependency("Before", "UnitSection.before") { appendOrReset(&$0.unit.before, $1) },
        dependency("BindsTo", "UnitSection.bindsTo") { appendOrReset(&$0.unit.bindsTo, $1) },
        dependency("BindsTo", "UnitSection.bindsTo") { appendOrReset(&$0.unit.bindsTo, $1) }.alias("BindTo"),
        dependency("PartOf", "UnitSection.partOf") { appendOrReset(&$0.unit.partOf, $1) },
        dependency("Conflicts", "UnitSection.conflicts") { appendOrReset(&$0.unit.conflicts, $1) },
    ]

    static let limitRows: [OptionRow] = [
        Rows.timeSpan(u, "StartLimitIntervalSec", "ServiceUnit.startLimitInterval") { $0.startLimitInterval = $1 },
        Rows.timeSpan(u, "StartLimitIntervalSec", "ServiceUnit.startLimitInterval") { $0.startLimitInterval = $1 }
            .alias("StartLimitInterval"),
        Rows.unsigned(u, "StartLimitBurst", "ServiceUnit.startLimitBurst") { $0.startLimitBurst = $1 },
        // Not implemented, but systemd's verify counts it as a reason to have no ExecStart=.
        OptionRow(u, "SuccessAction", "-", "UnitDraft.successActionSet", flags: .unsupported) { s, a in
            s.warn(a, "Key 'SuccessAction' in section [Unit]: Unsupported by usherd, ignoring.")
            s.draft.successActionSet = !a.value.isEmpty && a.value != "none"
        },
    ]

    static let conditionRows: [OptionRow] = ConditionKind.allCases.flatMap { kind in
        [condition(kind, isAssert: false), condition(kind, isAssert: true)]
    }

    static let installRows: [OptionRow] = [
        Rows.words(i, "WantedBy", "UnitSection.wantedBy") { appendOrReset(&$0.unit.wantedBy, $1) },
        Rows.words(i, "RequiredBy", "UnitSection.requiredBy") { appendOrReset(&$0.unit.requiredBy, $1) },
        Rows.words(i, "Alias", "UnitSection.alias") { appendOrReset(&$0.unit.alias, $1) },
        Rows.words(i, "Also", "UnitSection.also") { appendOrReset(&$0.unit.also, $1) },
        Rows.string(i, "DefaultInstance", "UnitSection.defaultInstance") { $0.unit.defaultInstance = $1 },
    ]

    /// Dependencies accept any unit type; a malformed name warns like systemd's unit_add_dependency failure.
    static func dependency(_ key: String, _ dest: String,
                           _ update: @escaping @Sendable (inout UnitDraft, [UnitName]?) -> Void) -> OptionRow {
        OptionRow(u, key, "unit names", dest, flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return update(&s.draft, nil) }
            // systemd splits dependency lists on whitespace only: quotes stay part of the name.
            var names: [UnitName] = []
            for word in a.value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                guard let name = s.expand(a, String(word), unitNameOnly: true) else { continue }
                guard UnitNameRules.isValid(name) else {
                    s.warn(a, "Failed to add dependency on \(name), ignoring: Invalid argument")
                    continue
                }
                if name == s.draft.name.full {
                    // A unit cannot depend on itself; systemd only reports it for ordering.
                    if key == "After" || key == "Before" { s.unitWarning("Dependency \(key)=\(name) is dropped.") }
                    continue
                }
                names.append(UnitName(name))
            }
            update(&s.draft, names)
        }
    }

    /// Condition…=/Assert…= on paths: `|` triggering, `!` negation, absolute path; empty resets all conditions.
    static func condition(_ kind: ConditionKind, isAssert: Bool) -> OptionRow {
        let key = (isAssert ? "Assert" : "Condition") + kind.rawValue
        return OptionRow(u, key, "[|][!]absolute path", "UnitSection.conditions", flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty {
                return s.draft.unit.conditions.removeAll { $0.isAssert == isAssert }
            }
            var text = Substring(a.value)
            let triggering = text.hasPrefix("|")
            if triggering { text = text.dropFirst().drop(while: { $0 == " " }) }
            let negated = text.hasPrefix("!")
            if negated { text = text.dropFirst().drop(while: { $0 == " " }) }
            guard let path = s.expand(a, String(text), failure: .bare) else { return }
            guard path.hasPrefix("/") else { return s.warn(a, "\(key)= path is not absolute, ignoring: \(path)") }
            s.draft.unit.conditions.append(Condition(kind: kind, isAssert: isAssert, negated: negated,
                                                     triggering: triggering, path: path))
        }
    }

    static func isDocumentationURL(_ url: String) -> Bool {
        if url.hasPrefix("file:") { return url.dropFirst(5).hasPrefix("/") }
        for scheme in ["http://", "https://", "info:", "man:"] where url.hasPrefix(scheme) {
            return url.count > scheme.count
        }
        return false
    }
}
