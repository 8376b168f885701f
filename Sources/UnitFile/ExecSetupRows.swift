// Rows for the process set-up systemd.exec(5) describes beyond credentials:
// RootDirectory=, StandardInputText=/StandardInputData=, TTYPath=, and the
// RuntimeDirectory=/StateDirectory=/CacheDirectory=/LogsDirectory=/
// ConfigurationDirectory= family with their modes and RuntimeDirectoryPreserve=.
import FoundationEssentials
import UnitModel

extension ExecRows {
    static let setupRows: [OptionRow] = [
        OptionRow(v, "RootDirectory", "absolute path", "ServiceUnit.exec.rootDirectory", flags: .specifiers) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.rootDirectory = nil }
            guard let path = s.expand(a, failure: .bare) else { return }
            guard path.hasPrefix("/") else { return s.warn(a, "RootDirectory= path is not absolute, ignoring: \(path)") }
            s.draft.service.exec.rootDirectory = path
        },
        OptionRow(v, "TTYPath", "absolute path", "ServiceUnit.exec.ttyPath", flags: .specifiers) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.ttyPath = nil }
            guard let path = s.expand(a, failure: .bare) else { return }
            guard path.hasPrefix("/") else { return s.warn(a, "TTYPath= path is not absolute, ignoring: \(path)") }
            s.draft.service.exec.ttyPath = path
        },
        OptionRow(v, "StandardInputText", "text, C escapes (a line each)", "ServiceUnit.exec.standardInputData",
                  flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.standardInputData = [] }
            guard let text = s.expand(a, failure: .bare) else { return }
            // C escapes over the whole value (no word splitting); an unknown escape is kept as WordSplitter decodes it.
            s.draft.service.exec.standardInputData += (CEscapes.unescape(text, strict: false) ?? []) + [0x0A]
        },
        OptionRow(v, "StandardInputData", "base64", "ServiceUnit.exec.standardInputData", flags: .list) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.standardInputData = [] }
            let compact = a.value.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: compact) else {
                return s.warn(a, "Failed to decode base64 data, ignoring: \(a.value)")
            }
            s.draft.service.exec.standardInputData += Array(data)
        },
        Rows.choice(v, "RuntimeDirectoryPreserve", "ServiceUnit.exec.runtimeDirectoryPreserve",
                    values: RuntimeDirectoryPreserve.allCases.map(\.rawValue), what: "resource preserve mode",
                    parse: { text in
                        ValueParsers.boolean(text).map { $0 ? .yes : .no } ?? RuntimeDirectoryPreserve(rawValue: text)
                    }) { $0.service.exec.runtimeDirectoryPreserve = $1 },
    ] + ExecDirectoryKind.allCases.flatMap(directoryRows)

    /// `XDirectory=` (relative paths, a list) and `XDirectoryMode=` of one kind.
    static func directoryRows(_ kind: ExecDirectoryKind) -> [OptionRow] {
        let key = kind.rawValue + "Directory"
        let list = OptionRow(v, key, "relative paths", "ServiceUnit.exec.directories[\(kind.rawValue)]",
                             flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.directories[kind, default: ExecDirectories()].paths = [] }
            guard case .success(let words) = WordSplitter.split(a.value) else {
                return s.warn(a, "Invalid syntax, ignoring: \(a.value)")
            }
            for word in words {
                guard let expanded = s.expand(a, word, failure: .bare) else { continue }
                guard let path = directoryPath(expanded, key: key, warn: { s.warn(a, $0) }) else { continue }
                s.draft.service.exec.directories[kind, default: ExecDirectories()].paths.append(path)
            }
        }
        let mode = Rows.mode(v, key + "Mode", "ServiceUnit.exec.directories[\(kind.rawValue)].mode") {
            $0.service.exec.directories[kind, default: ExecDirectories()].mode = $1
        }
        return [list, mode]
    }

    /// A relative, normalized path ("a/b", no "..", no "."); `source:destination` keeps the source.
    static func directoryPath(_ word: String, key: String, warn: (String) -> Void) -> String? {
        var path = word
        if let colon = word.firstIndex(of: ":") {
            path = String(word[..<colon])
            warn("\(key)= symlink destination is not supported by usherd, ignoring it: \(word)")
        }
        guard !path.hasPrefix("/") else {
            warn("\(key)= path is absolute, ignoring: \(path)")
            return nil
        }
        let parts = path.split(separator: "/")
        guard !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
            warn("\(key)= path is not normalized, ignoring: \(path)")
            return nil
        }
        return parts.joined(separator: "/")
    }
}
