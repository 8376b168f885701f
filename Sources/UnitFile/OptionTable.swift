// The option table: one row per `[Section] Key`, naming the value parser, the
// destination field and flags (list, alias, compat, unsupported, Usher
// extension). Rows are data that `usherctl list-keys` prints; the parser only
// looks a key up here and runs the row's apply step.

import UnitModel

/// The unit types Usher loads.
public enum UnitType: String, Sendable, CaseIterable {
    case socket, service

    /// Sections systemd accepts in a file of this type.
    public var sections: Set<String> {
        self == .socket ? ["Unit", "Socket", "Install"] : ["Unit", "Service", "Install"]
    }
}

public struct OptionFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Values accumulate; an empty assignment resets the list.
    public static let list = OptionFlags(rawValue: 1)
    /// systemd knows the key but usherd ignores it with a warning.
    public static let unsupported = OptionFlags(rawValue: 2)
    /// Usher extension; not a systemd key.
    public static let usherExtension = OptionFlags(rawValue: 4)
    /// Specifiers are expanded in the value.
    public static let specifiers = OptionFlags(rawValue: 8)
}

/// One row of the option table.
public struct OptionRow: Sendable {
    public var section: String
    public var key: String
    /// Human name of the value parser, e.g. `boolean`, `time span`, `command line`.
    public var valueType: String
    /// Where the value lands, e.g. `SocketUnit.options.keepAlive`.
    public var destination: String
    public var flags: OptionFlags
    /// For an alias or compat spelling, the key it stands for.
    public var aliasOf: String?
    let apply: @Sendable (inout ParseSession, Assignment) -> Void

    init(_ section: String, _ key: String, _ valueType: String, _ destination: String, flags: OptionFlags = [],
         aliasOf: String? = nil, apply: @escaping @Sendable (inout ParseSession, Assignment) -> Void) {
        self.section = section
        self.key = key
        self.valueType = valueType
        self.destination = destination
        self.flags = flags
        self.aliasOf = aliasOf
        self.apply = apply
    }

    /// The same row under another spelling.
    func alias(_ key: String, flags extra: OptionFlags = []) -> OptionRow {
        var row = self
        row.aliasOf = self.key
        row.key = key
        row.flags.formUnion(extra)
        return row
    }
}

public enum OptionTable {
    /// Every row: supported keys first, then systemd 252 keys usherd does not implement.
    public static let rows: [OptionRow] = {
        let supported = UnitSectionRows.rows + SocketRows.rows + ServiceRows.rows + ExecRows.rows
            + PrivilegeRows.rows
            + FilesystemRows.rows
        var seen = Set(supported.map { "\($0.section).\($0.key)" })
        var all = supported
        for (section, keys) in Systemd252Keys.bySection {
            for key in keys where !seen.contains("\(section).\(key)") {
                seen.insert("\(section).\(key)")
                all.append(unsupported(section, key))
            }
        }
        return all
    }()

    static let index: [String: [String: OptionRow]] = {
        var map: [String: [String: OptionRow]] = [:]
        for row in rows { map[row.section, default: [:]][row.key] = row }
        return map
    }()

    public static func row(section: String, key: String) -> OptionRow? { index[section]?[key] }

    static func unsupported(_ section: String, _ key: String) -> OptionRow {
        OptionRow(section, key, "-", "-", flags: .unsupported) { session, a in
            if a.section == "Service", SecurityKeys.isSecurityRelevant(a.key) {
                return session.warn(a, "Key '\(a.key)' in section [\(a.section)]: protection not enforced by usherd, ignoring.")
            }
            session.warn(a, "Key '\(a.key)' in section [\(a.section)]: Unsupported by usherd, ignoring.")
        }
    }

    /// Runs one assignment through the table: unknown keys warn, `X-` keys are silent.
    static func apply(_ assignment: Assignment, to session: inout ParseSession) {
        if let row = index[assignment.section]?[assignment.key] {
            if assignment.section == "Service", SecurityKeys.isSecurityRelevant(assignment.key),
               !session.draft.service.exec.securityKeys.contains(assignment.key) {
                session.draft.service.exec.securityKeys.append(assignment.key)
            }
            row.apply(&session, assignment)
            return
        }
        if assignment.key.hasPrefix("X-") { return }
        session.warn(assignment, "Unknown key '\(assignment.key)' in section [\(assignment.section)], ignoring.")
    }
}
