// Environment expansion in ExecStart=-style command lines, as systemd does
// it: a word that is exactly `$NAME` becomes the value split on whitespace
// (nothing when unset or empty); `${NAME}` inside a word is replaced in place;
// `$$` is a literal `$`. Pure.

public enum CommandExpansion {
    /// Whether any word has a `$` to expand: without one, `expand` returns the words as
    /// they are, and the environment dictionary need not be built (once per spawn).
    public static func needsExpansion(_ words: [String]) -> Bool {
        words.contains { $0.utf8.contains(UInt8(ascii: "$")) }
    }

    public static func expand(_ words: [String], environment: [String: String]) -> [String] {
        var result: [String] = []
        for word in words {
            if word.hasPrefix("$"), !word.hasPrefix("${"), !word.hasPrefix("$$"), isName(word.dropFirst()) {
                let value = environment[String(word.dropFirst())] ?? ""
                result += value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
            } else {
                result.append(replaceBraced(word, environment: environment))
            }
        }
        return result
    }

    static func replaceBraced(_ word: String, environment: [String: String]) -> String {
        var out = ""
        var rest = Substring(word)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("$") {
                out += "$"
                rest = after.dropFirst()
            } else if after.hasPrefix("{"), let close = after.firstIndex(of: "}") {
                let name = after[after.index(after: after.startIndex)..<close]
                out += environment[String(name)] ?? ""
                rest = after[after.index(after: close)...]
            } else {
                out += "$"
                rest = after
            }
        }
        return out + rest
    }

    static func isName(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
            || ("0"..."9").contains($0) }
    }

    /// `NAME=value` entries as a dictionary (the last assignment wins).
    public static func dictionary(_ entries: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            result[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return result
    }
}
