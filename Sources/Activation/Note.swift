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
