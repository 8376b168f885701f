// Row constructors for the common value types: each pairs a generic parser
// with systemd's warning text for a bad value and a setter into the draft.
// Specific rows (Listen*=, Exec*=, Environment=…) are written out where they live.

import UnitModel

typealias Setter<T> = @Sendable (inout UnitDraft, T) -> Void

/// List semantics of unit files: a value appends, an empty assignment (nil) resets.
func appendOrReset<T>(_ list: inout [T], _ values: [T]?) {
    if let values { list += values } else { list.removeAll() }
}

enum Rows {
    static func boolean(_ section: String, _ key: String, _ dest: String, _ set: @escaping Setter<Bool>) -> OptionRow {
        OptionRow(section, key, "boolean", dest) { s, a in
            guard let v = ValueParsers.boolean(a.value) else {
                return s.warn(a, "Failed to parse boolean value, ignoring: \(a.value)")
            }
            set(&s.draft, v)
        }
    }

    static func unsigned(_ section: String, _ key: String, _ dest: String, _ set: @escaping Setter<UInt32>) -> OptionRow {
        OptionRow(section, key, "unsigned", dest) { s, a in
            guard case .success(let v) = ValueParsers.unsigned(a.value) else {
                return s.warn(a, "Failed to parse unsigned value, ignoring: \(a.value)")
            }
            set(&s.draft, UInt32(v))
        }
    }

    static func integer(_ section: String, _ key: String, _ dest: String, _ set: @escaping Setter<Int32>) -> OptionRow {
        OptionRow(section, key, "integer", dest) { s, a in
            guard case .success(let v) = ValueParsers.signed(a.value) else {
                return s.warn(a, "Failed to parse int value, ignoring: \(a.value)")
            }
            set(&s.draft, Int32(v))
        }
    }

    static func long(_ section: String, _ key: String, _ dest: String, _ set: @escaping Setter<Int64>) -> OptionRow {
        OptionRow(section, key, "long", dest) { s, a in
            guard case .success(let v) = ValueParsers.signed(a.value, min: Int64.min, max: Int64.max) else {
                return s.warn(a, "Failed to parse long value, ignoring: \(a.value)")
            }
            set(&s.draft, v)
        }
    }

    /// `what` is the noun of systemd's message: "sec value", "time value", "TimeoutSec= parameter".
    static func timeSpan(_ section: String, _ key: String, _ dest: String, what: String = "sec value",
                         _ set: @escaping Setter<TimeSpan>) -> OptionRow {
        OptionRow(section, key, "time span", dest) { s, a in
            guard case .success(let v) = TimeSpanParser.parse(a.value) else {
                return s.warn(a, "Failed to parse \(what), ignoring: \(a.value)")
            }
            set(&s.draft, v)
        }
    }

    static func size(_ section: String, _ key: String, _ dest: String, _ set: @escaping Setter<UInt64>) -> OptionRow {
        OptionRow(section, key, "size", dest) { s, a in
            switch SizeParser.parse(a.value) {
            case .success(let v): set(&s.draft, v)
            case .failure(let e): s.warn(a, "Failed to parse size value '\(a.value)', ignoring: \(e.errnoText)")
            }
        }
    }

    static func mode(_ section: String, _ key: String, _ dest: String, _ set: @escaping Setter<UInt32>) -> OptionRow {
        OptionRow(section, key, "octal mode", dest) { s, a in
            guard let v = ValueParsers.mode(a.value) else {
                return s.warn(a, "Failed to parse mode value, ignoring: \(a.value)")
            }
            set(&s.draft, v)
        }
    }

    /// A string with specifiers expanded; an empty value resets to nil.
    static func string(_ section: String, _ key: String, _ dest: String, _ set: @escaping Setter<String?>) -> OptionRow {
        OptionRow(section, key, "string", dest, flags: .specifiers) { s, a in
            if a.value.isEmpty { return set(&s.draft, nil) }
            guard let v = s.expand(a) else { return }
            set(&s.draft, v)
        }
    }

    /// One of a fixed set of words, mapped by `parse`. `onEmpty`, when given, makes an empty value a silent reset.
    static func choice<T>(_ section: String, _ key: String, _ dest: String, values: [String], what: String,
                          parse: @escaping @Sendable (String) -> T?, onEmpty: (@Sendable (inout UnitDraft) -> Void)? = nil,
                          _ set: @escaping Setter<T>) -> OptionRow {
        OptionRow(section, key, "one of " + values.joined(separator: "|"), dest) { s, a in
            if a.value.isEmpty, let onEmpty { return onEmpty(&s.draft) }
            guard let v = parse(a.value) else { return s.warn(a, "Failed to parse \(what), ignoring: \(a.value)") }
            set(&s.draft, v)
        }
    }

    /// `resetTo`, when given, is the value an empty assignment restores silently (as for KillMode=).
    static func enumeration<E: RawRepresentable & CaseIterable & Sendable>(
        _ section: String, _ key: String, _ dest: String, _ type: E.Type, what: String, resetTo: E? = nil,
        _ set: @escaping Setter<E>
    ) -> OptionRow where E.RawValue == String {
        let onEmpty: (@Sendable (inout UnitDraft) -> Void)? = resetTo.map { value in
            { @Sendable (draft: inout UnitDraft) in set(&draft, value) }
        }
        return choice(section, key, dest, values: E.allCases.map(\.rawValue), what: what, parse: { E(rawValue: $0) },
                      onEmpty: onEmpty, set)
    }

    /// Whitespace-separated unit names of one type; empty resets. `mismatch` is systemd's wrong-type text.
    static func unitNames(_ section: String, _ key: String, _ dest: String, suffix: String, mismatch: String,
                          _ update: @escaping @Sendable (inout UnitDraft, [UnitName]?) -> Void) -> OptionRow {
        OptionRow(section, key, "unit names (\(suffix))", dest, flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return update(&s.draft, nil) }
            guard case .success(let words) = WordSplitter.split(a.value, cUnescape: false, unquote: false) else {
                return s.warn(a, "Invalid syntax, ignoring: \(a.value)")
            }
            var names: [UnitName] = []
            for word in words {
                guard let expanded = s.expand(a, word, unitNameOnly: true) else { continue }
                guard UnitNameRules.isValid(expanded), expanded.hasSuffix(suffix) else {
                    s.warn(a, "\(mismatch), ignoring: \(expanded)")
                    continue
                }
                names.append(UnitName(expanded))
            }
            update(&s.draft, names)
        }
    }

    /// Absolute paths, whitespace-separated; empty resets.
    static func paths(_ section: String, _ key: String, _ dest: String,
                      _ update: @escaping @Sendable (inout UnitDraft, [String]?) -> Void) -> OptionRow {
        OptionRow(section, key, "absolute paths", dest, flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return update(&s.draft, nil) }
            guard case .success(let words) = WordSplitter.split(a.value, cUnescape: false) else {
                return s.warn(a, "Invalid syntax, ignoring: \(a.value)")
            }
            var paths: [String] = []
            for word in words {
                guard let expanded = s.expand(a, word) else { break }
                guard expanded.hasPrefix("/") else {
                    // systemd stops at the first bad path and keeps the ones before it.
                    s.warn(a, "\(key)= path is not absolute, ignoring: \(expanded)")
                    break
                }
                paths.append(expanded)
            }
            update(&s.draft, paths)
        }
    }

    /// Plain words (specifiers expanded); empty resets.
    static func words(_ section: String, _ key: String, _ dest: String,
                      _ update: @escaping @Sendable (inout UnitDraft, [String]?) -> Void) -> OptionRow {
        OptionRow(section, key, "words", dest, flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return update(&s.draft, nil) }
            guard case .success(let words) = WordSplitter.split(a.value) else {
                return s.warn(a, "Invalid syntax, ignoring: \(a.value)")
            }
            update(&s.draft, words.compactMap { s.expand(a, $0) })
        }
    }
}

/// Unit name syntax (systemd's unit_name_is_valid, any unit type).
public enum UnitNameRules {
    static let suffixes: Set<String> = [".service", ".socket", ".target", ".mount", ".automount", ".swap", ".path",
                                        ".timer", ".slice", ".scope", ".device"]

    /// Checked on UTF-8 bytes ("." is ASCII, so a byte match is a scalar boundary): it runs
    /// for every file in the unit directories.
    public static func isValid(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count <= 255, let dot = utf8.lastIndex(of: UInt8(ascii: ".")), dot != utf8.startIndex else {
            return false
        }
        guard suffixes.contains(String(name[dot...])) else { return false }
        let stem = utf8[..<dot]
        guard stem.first != UInt8(ascii: "@") else { return false }
        return stem.allSatisfy(isNameByte)
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "_"),
             UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "@"):
            return true
        default:
            return false
        }
    }
}
