// Word splitting with systemd's quoting rules: whitespace separates words,
// single or double quotes group (also mid-word), and C escapes are decoded
// (\n \t \xNN \NNN \uNNNN …). Unbalanced quotes make the whole value invalid.

public enum WordSplitter {
    public enum Failure: Error, Equatable { case unbalancedQuotes, unknownEscape }

    /// The words of a value, as far as splitting got.
    public struct Split: Equatable {
        public var words: [String] = []
        /// Set when splitting stopped early; `words` holds the words before the problem.
        public var failure: Failure?
        /// Words that kept an unknown escape as written (systemd warns about these in command lines).
        public var wordsWithUnknownEscapes: [String] = []
    }

    /// Splits `text` into words. With `cUnescape` false, backslashes only protect the next byte;
    /// with `unquote` false, quotes are ordinary characters (systemd's extract_first_word flags).
    /// With `strictEscapes`, an unknown C escape fails the value (Environment=) instead of staying as written.
    public static func split(_ text: String, cUnescape: Bool = true, unquote: Bool = true,
                             strictEscapes: Bool = false) -> Result<[String], Failure> {
        let result = splitPartially(text, cUnescape: cUnescape, unquote: unquote, strictEscapes: strictEscapes)
        if let failure = result.failure { return .failure(failure) }
        return .success(result.words)
    }

    /// Like `split`, but keeps the words before a failure: systemd handles them one at a time,
    /// so the ones before a bad escape have already been applied.
    public static func splitPartially(_ text: String, cUnescape: Bool = true, unquote: Bool = true,
                                      strictEscapes: Bool = false) -> Split {
        var result = Split()
        var current: [UInt8] = []
        var inWord = false, unknownEscape = false
        var quote: UInt8 = 0
        let bytes = Array(text.utf8)
        func endWord() {
            let word = String(decoding: current, as: UTF8.self)
            result.words.append(word)
            if unknownEscape { result.wordsWithUnknownEscapes.append(word) }
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if quote == 0 && isSeparator(b) {
                if inWord { endWord() }
                current.removeAll(keepingCapacity: true)
                inWord = false
                unknownEscape = false
                i += 1
                continue
            }
            inWord = true
            if b == quote {
                quote = 0
                i += 1
            } else if unquote && quote == 0 && (b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")) {
                quote = b
                i += 1
            } else if b == UInt8(ascii: "\\") && i + 1 < bytes.count {
                let (next, known) = cUnescape ? unescape(bytes, i, into: &current) : literal(bytes, i, into: &current)
                if !known && strictEscapes {
                    result.failure = .unknownEscape
                    return result
                }
                unknownEscape = unknownEscape || !known
                i = next
            } else {
                current.append(b)
                i += 1
            }
        }
        if quote != 0 {
            result.failure = .unbalancedQuotes
            return result
        }
        if inWord { endWord() }
        return result
    }

    /// Without C unescaping a backslash just protects the next byte.
    static func literal(_ bytes: [UInt8], _ i: Int, into out: inout [UInt8]) -> (Int, Bool) {
        out.append(bytes[i + 1])
        return (i + 2, true)
    }

    static func isSeparator(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Decodes one C escape starting at the backslash at `i`; unknown escapes are kept as written
    /// and reported as unknown (false).
    static func unescape(_ bytes: [UInt8], _ i: Int, into out: inout [UInt8]) -> (Int, Bool) {
        let c = bytes[i + 1]
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "a"): 7, UInt8(ascii: "b"): 8, UInt8(ascii: "f"): 12, UInt8(ascii: "n"): 10,
            UInt8(ascii: "r"): 13, UInt8(ascii: "t"): 9, UInt8(ascii: "v"): 11, UInt8(ascii: "\\"): 0x5C,
            UInt8(ascii: "\""): 0x22, UInt8(ascii: "'"): 0x27, UInt8(ascii: "s"): 0x20,
        ]
        if let v = simple[c] {
            out.append(v)
            return (i + 2, true)
        }
        if c == UInt8(ascii: "x"), let v = hexValue(bytes, i + 2, digits: 2) {
            out.append(UInt8(v))
            return (i + 4, true)
        }
        if c == UInt8(ascii: "u") || c == UInt8(ascii: "U") {
            let n = c == UInt8(ascii: "u") ? 4 : 8
            if let v = hexValue(bytes, i + 2, digits: n), let scalar = Unicode.Scalar(v), v != 0 {
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                return (i + 2 + n, true)
            }
        }
        if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "3"), i + 3 < bytes.count,
           let v = octalValue(bytes, i + 1), v != 0 {
            out.append(UInt8(v))
            return (i + 4, true)
        }
        out.append(UInt8(ascii: "\\"))
        out.append(c)
        return (i + 2, false)
    }

    static func hexValue(_ bytes: [UInt8], _ start: Int, digits: Int) -> UInt32? {
        guard start + digits <= bytes.count else { return nil }
        var v: UInt32 = 0
        for k in start..<(start + digits) {
            guard let d = ValueParsers.digitValue(bytes[k]) else { return nil }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    static func octalValue(_ bytes: [UInt8], _ start: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in start..<(start + 3) {
            guard bytes[k] >= UInt8(ascii: "0"), bytes[k] <= UInt8(ascii: "7") else { return nil }
            v = v * 8 + UInt32(bytes[k] - UInt8(ascii: "0"))
        }
        return v
    }
}
