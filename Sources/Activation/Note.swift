// What a state machine wants logged: a level and a message, already in the
// systemd wording ("Trigger limit hit, refusing further activation."). The
// daemon adds the unit name; the machines never log themselves.

public enum NoteLevel: String, Sendable, Equatable {
    case debug, info, notice, warning, error
}

public struct Note: Sendable, Equatable, CustomStringConvertible {
    public var level: NoteLevel
    public var text: String
    public init(_ level: NoteLevel, _ text: String) {
        self.level = level
        self.text = text
    }
    public var description: String { "\(level): \(text)" }
}

extension Note {
    /// A control command that did not exit cleanly, as systemd's unit_log_process_exit ranks it:
    /// debug when the `-` prefix ignores it, notice for an exit status (the command said why
    /// itself), warning for a signal. `name` is the setting (`ExecStartPre`).
    public static func controlExit(_ name: String, _ status: ExitStatus, ignored: Bool) -> Note {
        let level: NoteLevel
        switch status {
        case _ where ignored: level = .debug
        case .exited: level = .notice
        case .killed, .dumped: level = .warning
        }
        return Note(level, "Control process (\(name)=) exited, \(status)\(ignored ? ", ignoring" : "")")
    }
}
