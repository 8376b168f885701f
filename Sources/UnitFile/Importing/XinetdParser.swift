// xinetd.conf(5) syntax, no meaning: `service NAME { attr op values… }`
// stanzas, the `defaults` stanza, and `include`/`includedir` lines, each with
// its file and line. Pure: text in, stanzas and notes out. XinetdReader
// follows the includes; XinetdImport gives the attributes their meaning.

public struct XinetdAttribute: Sendable, Equatable {
    public enum Operator: String, Sendable, Equatable {
        case assign = "=", add = "+=", remove = "-="
    }

    public var name: String
    public var op: Operator
    public var values: [String]
    public var file: String
    public var line: Int

    var place: ImportNote { ImportNote(file: file, line: line, message: "") }
}

public struct XinetdStanza: Sendable, Equatable {
    /// The service name, or nil for the `defaults` stanza.
    public var serviceName: String?
    public var file: String
    public var line: Int
    public var attributes: [XinetdAttribute] = []
}

public enum XinetdItem: Sendable, Equatable {
    case stanza(XinetdStanza)
    case include(path: String, line: Int)
    case includeDirectory(path: String, line: Int)
}

public enum XinetdParser {
    /// The stanzas and directives of one file in order, and notes for lines it cannot read.
    public static func parse(_ text: String, file: String) -> (items: [XinetdItem], notes: [ImportNote]) {
        var items: [XinetdItem] = []
        var notes: [ImportNote] = []
        var open: XinetdStanza?
        var awaitingBrace = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let content = String(rawLine).trimmingWhitespace()
            if content.isEmpty || content.hasPrefix("#") { continue }
            let note = { (message: String) in notes.append(ImportNote(file: file, line: line, message: message)) }
            if awaitingBrace {
                awaitingBrace = false
                if content == "{" { continue }
                note("expected '{' after the stanza header, ignoring the stanza")
                open = nil
            }
            if content == "}" {
                if let stanza = open { items.append(.stanza(stanza)) } else { note("'}' outside a stanza, ignoring") }
                open = nil
                continue
            }
            if open != nil {
                if let attribute = attribute(content, file: file, line: line) {
                    open?.attributes.append(attribute)
                } else {
                    note("cannot read '\(content)' as 'attribute = value', ignoring")
                }
                continue
            }
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let header = words.last == "{" ? Array(words.dropLast()) : words
            switch (header.first, header.count) {
            case ("service", 2), ("defaults", 1):
                open = XinetdStanza(serviceName: header.count == 2 ? header[1] : nil, file: file, line: line)
                awaitingBrace = header.count == words.count
            case ("include", 2): items.append(.include(path: words[1], line: line))
            case ("includedir", 2): items.append(.includeDirectory(path: words[1], line: line))
            default: note("unknown line '\(content)', ignoring")
            }
        }
        if let open { notes.append(ImportNote(file: file, line: open.line, message: "stanza is not closed with '}', ignoring it")) }
        return (items, notes)
    }

    /// `name op value…`, with or without blanks around the operator.
    static func attribute(_ content: String, file: String, line: Int) -> XinetdAttribute? {
        guard let equals = content.firstIndex(of: "=") else { return nil }
        var nameEnd = equals
        var op = XinetdAttribute.Operator.assign
        if equals > content.startIndex {
            let before = content.index(before: equals)
            if content[before] == "+" { op = .add; nameEnd = before }
            if content[before] == "-" { op = .remove; nameEnd = before }
        }
        let name = String(content[..<nameEnd]).trimmingWhitespace()
        guard !name.isEmpty, !name.contains(" "), !name.contains("\t") else { return nil }
        let values = content[content.index(after: equals)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            .map(String.init)
        return XinetdAttribute(name: name, op: op, values: values, file: file, line: line)
    }
}
