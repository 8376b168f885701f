// The unit-file lexer (systemd.syntax(7)): sections, Key=Value lines,
// comments, backslash continuation with comment lines skipped inside it.
// Works on raw bytes; reports structural problems with systemd's wording and
// hands the assignments of known sections to the parser in file order.

/// One `Key=Value` line of a known section, after continuation joining and whitespace trimming.
public struct Assignment: Sendable, Equatable {
    public var section: String
    public var key: String
    public var value: String
    /// Last physical line of the logical line, as systemd reports it.
    public var line: Int
    /// Index into the list of source files (unit file first, then drop-ins).
    public var fileIndex: Int
}

/// Result of lexing one file. `fatal` mirrors systemd refusing the whole unit ("Invalid section header").
public struct LexedFile: Sendable {
    public var assignments: [Assignment] = []
    public var diagnostics: [Diagnostic] = []
    public var fatal = false
}

public enum UnitFileLexer {
    /// systemd's LONG_LINE_MAX: a longer line makes the file unreadable.
    public static let maximumLineLength = 1 << 20

    /// Lexes `bytes`; `source` names the unit and file in diagnostics, `fileIndex` orders files of one unit.
    public static func lex(_ bytes: [UInt8], knownSections: Set<String>, source: SourceFile, fileIndex: Int) -> LexedFile {
        var state = LexState(knownSections: knownSections, source: source, fileIndex: fileIndex)
        var continuation: [UInt8] = []
        var inContinuation = false
        var lineNumber = 0
        var start = 0
        let count = bytes.count
        while start < count && !state.result.fatal {
            var end = start
            while end < count && bytes[end] != 0x0A { end += 1 }
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            lineNumber += 1
            defer { start = end + 1 }
            if lineEnd - start > maximumLineLength {
                state.fail(line: lineNumber, "Line too long")
                break
            }
            // Comment lines are dropped before continuation is looked at: they never continue, nor end one.
            if isCommentLine(bytes, start, lineEnd) { continue }
            let endsEscaped = endsWithOddBackslash(bytes, start, lineEnd)
            if endsEscaped {
                continuation.append(contentsOf: bytes[start..<(lineEnd - 1)])
                continuation.append(0x20)
                inContinuation = true
                continue
            }
            if inContinuation {
                continuation.append(contentsOf: bytes[start..<lineEnd])
                state.logicalLine(continuation, 0, continuation.count, line: lineNumber)
                continuation.removeAll(keepingCapacity: true)
                inContinuation = false
            } else {
                state.logicalLine(bytes, start, lineEnd, line: lineNumber)
            }
        }
        if inContinuation && !state.result.fatal {
            // systemd counts one more line when the file ends inside a continuation.
            state.logicalLine(continuation, 0, continuation.count, line: lineNumber + 1)
        }
        return state.result
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func isCommentLine(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end && isWhitespace(bytes[i]) { i += 1 }
        return i < end && (bytes[i] == UInt8(ascii: "#") || bytes[i] == UInt8(ascii: ";"))
    }

    static func endsWithOddBackslash(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Bool {
        var n = 0
        var i = end - 1
        while i >= start && bytes[i] == UInt8(ascii: "\\") { n += 1; i -= 1 }
        return n % 2 == 1
    }
}

/// A file being read, named for diagnostics.
public struct SourceFile: Sendable, Equatable {
    public var unit: String
    public var path: String?
    /// `bad.socket` for the unit file, `bad.socket.d/10-x.conf` for a drop-in.
    public var label: String
    public init(unit: String, path: String?, label: String) {
        self.unit = unit
        self.path = path
        self.label = label
    }
}

/// Per-file lexer state: the current section and the output being built.
private struct LexState {
    let knownSections: Set<String>
    let source: SourceFile
    let fileIndex: Int
    var result = LexedFile()
    /// nil: before any section. "" : inside an ignored (unknown or X-) section.
    var section: String?

    init(knownSections: Set<String>, source: SourceFile, fileIndex: Int) {
        self.knownSections = knownSections
        self.source = source
        self.fileIndex = fileIndex
    }

    mutating func warn(line: Int, _ message: String) {
        result.diagnostics.append(Diagnostic(severity: .warning, unit: source.unit, file: source.path,
                                             fileLabel: source.label, line: line, message: message))
    }

    mutating func fail(line: Int, _ message: String) {
        result.diagnostics.append(Diagnostic(severity: .error, unit: source.unit, file: source.path,
                                             fileLabel: source.label, line: line, message: message))
        result.fatal = true
    }

    mutating func logicalLine(_ bytes: [UInt8], _ from: Int, _ to: Int, line: Int) {
        var start = from
        var end = to
        while start < end && UnitFileLexer.isWhitespace(bytes[start]) { start += 1 }
        while end > start && UnitFileLexer.isWhitespace(bytes[end - 1]) { end -= 1 }
        guard start < end else { return }
        let first = bytes[start]
        if first == UInt8(ascii: "#") || first == UInt8(ascii: ";") { return }
        if first == UInt8(ascii: "[") {
            sectionHeader(bytes, start, end, line: line)
            return
        }
        guard let section else {
            warn(line: line, "Assignment outside of section. Ignoring.")
            return
        }
        if section.isEmpty { return }
        guard isValidUTF8(bytes[start..<end]) else {
            warn(line: line, "String is not UTF-8 clean, ignoring assignment: "
                 + String(decoding: bytes[start..<end], as: UTF8.self))
            return
        }
        assignment(bytes, start, end, line: line, section: section)
    }

    func isValidUTF8(_ slice: ArraySlice<UInt8>) -> Bool {
        if !slice.contains(where: { $0 >= 0x80 }) { return true }
        return String(validating: slice, as: UTF8.self) != nil
    }

    mutating func assignment(_ bytes: [UInt8], _ start: Int, _ end: Int, line: Int, section: String) {
        guard let eq = bytes[start..<end].firstIndex(of: UInt8(ascii: "=")) else {
            warn(line: line, "Missing '=', ignoring line.")
            return
        }
        var keyEnd = eq
        while keyEnd > start && UnitFileLexer.isWhitespace(bytes[keyEnd - 1]) { keyEnd -= 1 }
        guard keyEnd > start else {
            warn(line: line, "Missing key name before '=', ignoring line.")
            return
        }
        var valueStart = eq + 1
        while valueStart < end && UnitFileLexer.isWhitespace(bytes[valueStart]) { valueStart += 1 }
        let key = String(decoding: bytes[start..<keyEnd], as: UTF8.self)
        let value = String(decoding: bytes[valueStart..<end], as: UTF8.self)
        result.assignments.append(Assignment(section: section, key: key, value: value, line: line, fileIndex: fileIndex))
    }

    mutating func sectionHeader(_ bytes: [UInt8], _ start: Int, _ end: Int, line: Int) {
        let header = String(decoding: bytes[start..<end], as: UTF8.self)
        guard end - start >= 2, bytes[end - 1] == UInt8(ascii: "]") else {
            fail(line: line, "Invalid section header '\(header)'")
            return
        }
        let name = String(decoding: bytes[(start + 1)..<(end - 1)], as: UTF8.self)
        if knownSections.contains(name) {
            section = name
            return
        }
        if !name.hasPrefix("X-") {
            warn(line: line, "Unknown section '\(name)'. Ignoring.")
        }
        section = ""
    }
}
