// Diagnostics produced while lexing, parsing, deriving and verifying units.
// The text reproduces systemd 252's wording: "FILE:LINE: message" for a line
// in a file, "UNIT: message" for the whole unit. The loader never logs; it
// returns these and the caller prints them once.

public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Equatable {
        case warning, error

        /// syslog priority as systemd prints it in front of a journal line.
        public var priority: Int { self == .warning ? 4 : 3 }
    }

    public var severity: Severity
    /// The unit the message is about, e.g. `bad.socket`.
    public var unit: String
    /// The file the message points into (absolute path when known).
    public var file: String?
    /// 1-based line number within `file`.
    public var line: Int?
    /// The message proper, without location prefix.
    public var message: String
    /// How the file is named in `text`: the unit file's base name, or `NAME.d/x.conf` for a drop-in.
    public var fileLabel: String?

    public init(severity: Severity, unit: String, file: String? = nil, fileLabel: String? = nil,
                line: Int? = nil, message: String) {
        self.severity = severity
        self.unit = unit
        self.file = file
        self.fileLabel = fileLabel
        self.line = line
        self.message = message
    }

    /// systemd's form: `bad.socket:7: Unknown key …` or `nolisten.socket: Unit has no Listen setting …`.
    public var text: String {
        if let line {
            return "\(fileLabel ?? unit):\(line): \(message)"
        }
        return "\(unit): \(message)"
    }

    /// `text` behind the syslog priority, as in the journal export: `<4> bad.socket:7: …`.
    public var prioritizedText: String { "<\(severity.priority)> \(text)" }

    public var description: String { text }
}
