// usher.unit(5), generated from the option table: every key usherd knows,
// section by section, with its value type, flags and status (OptionStatus).
// `usherctl list-keys --format man` prints it; `make docs` writes
// packaging/man/usher.unit.5, and a test fails when the two differ.

public enum UnitManPage {
    public static let regenerateCommand = "make docs"

    public static func render() -> String {
        var lines = header()
        for section in ["Unit", "Socket", "Service", "Install"] {
            let rows = OptionTable.rows.filter { $0.section == section }
            guard !rows.isEmpty else { continue }
            lines += [".SS [\(section)]"]
            for row in rows { lines += entry(row) }
        }
        lines += footer()
        return lines.joined(separator: "\n") + "\n"
    }

    static func header() -> [String] {
        let rows = OptionTable.rows
        let counts = [("supported", rows.filter { $0.status == .supported }.count),
                      ("not enforced", rows.filter { if case .notEnforced = $0.status { return true }; return false }.count),
                      ("unsupported", rows.filter { if case .unsupported = $0.status { return true }; return false }.count)]
        return [
            ".\\\" Generated from the option table by `usherctl list-keys --format man` (\(regenerateCommand)). Do not edit.",
            ".TH USHER.UNIT 5 \"\" \"Usher\" \"File Formats\"",
            ".SH NAME",
            "usher.unit \\- the unit file keys usherd reads, and what it does with each",
            ".SH DESCRIPTION",
            "usherd reads systemd's unit file syntax (see",
            ".BR systemd.unit (5),",
            ".BR systemd.socket (5),",
            ".BR systemd.service (5)",
            "and",
            ".BR systemd.exec (5)).",
            "This page lists every key of systemd 252's [Unit], [Socket], [Service] and [Install] sections, and the keys usherd",
            "adds, with its status:",
            counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + ".",
            ".TP",
            ".B supported",
            "usherd does what systemd does with it.",
            ".TP",
            ".B not enforced",
            "usherd parses and shows it, but does not give it systemd's full effect; the reason says what is missing.",
            ".TP",
            ".B unsupported",
            "usherd does not implement it: loading a unit that sets it logs",
            ".RI \\(lq \"file\" : \"line\" \": Key '\" Key \"' in section [\" Section \"]: Unsupported by usherd, ignoring.\\(rq\"",
            "(a protection key of [Service] logs",
            ".RI \\(lq \"file\" : \"line\" \": Key '\" Key \"' in section [Service]: protection not enforced by usherd, ignoring.\\(rq)\"",
            "and the unit loads without it.",
            ".PP",
            "A key marked list takes several values (an empty assignment resets the list); specifiers (%i, %n, ...) are",
            "expanded where marked. Keys not in this page are unknown to systemd 252 and warned about as unknown;",
            ".B X\\-",
            "keys are ignored silently.",
            ".SH KEYS",
        ]
    }

    static func entry(_ row: OptionRow) -> [String] {
        var facts: [String] = []
        if row.valueType != "-" { facts.append("Value: \(escape(row.valueType)).") }
        if row.flags.contains(.list) { facts.append("A list.") }
        if row.flags.contains(.specifiers) { facts.append("Specifiers are expanded.") }
        if let alias = row.aliasOf { facts.append("Another spelling of \(escape(alias))=.") }
        if row.flags.contains(.usherExtension) { facts.append("An Usher extension (systemd warns about it as unknown).") }
        switch row.status {
        case .supported: facts.append("Supported.")
        case .notEnforced(let reason): facts.append("Not enforced: \(escape(reason))")
        case .unsupported(let reason): facts.append("Unsupported: \(escape(reason))")
        }
        return [".TP", ".B \(escape(row.key))=", facts.joined(separator: " ")]
    }

    static func footer() -> [String] {
        [".SH SEE ALSO", ".BR usherd (8),", ".BR usherctl (1),", ".BR systemd.unit (5)"]
    }

    /// Backslashes and hyphens for roff; nothing here starts a line with a dot.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\e"
            case "-": escaped += "\\-"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
