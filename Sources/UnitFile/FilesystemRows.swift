// Rows for the filesystem and namespace sandboxing keys of systemd.exec(5)
// (ProtectSystem=, ProtectHome=, PrivateTmp=, *Paths=, TemporaryFileSystem=,
// Protect{Kernel*,ControlGroups,Proc}=, PrivateNetwork=, ProtectHostname=)
// and the credentials keys (LoadCredential=, SetCredential=).

import UnitModel

enum FilesystemRows {
    static let v = "Service"
    static let d = "ServiceUnit.exec.filesystem."

    static let rows: [OptionRow] = switchRows + pathRows + credentialRows

    /// The keys whose enforcement unshares a namespace or mounts (root only, SecurityKeys.needRoot).
    static let namespaceKeys: Set<String> = Set((switchRows + pathRows).map(\.key))

    static func flag(_ key: String, _ field: String, _ set: @escaping @Sendable (inout FilesystemProtection, Bool) -> Void) -> OptionRow {
        Rows.boolean(v, key, d + field) { set(&$0.service.exec.filesystem, $1) }
    }

    static let switchRows: [OptionRow] = [
        Rows.choice(v, "ProtectSystem", d + "protectSystem", values: ["yes", "no", "full", "strict"],
                    what: "protect system value", parse: { text in
                        ValueParsers.boolean(text).map { $0 ? .yes : .no } ?? ProtectSystem(rawValue: text)
                    }) { $0.service.exec.filesystem.protectSystem = $1 },
        Rows.choice(v, "ProtectHome", d + "protectHome", values: ["yes", "no", "read-only", "tmpfs"],
                    what: "protect home value", parse: { text in
                        ValueParsers.boolean(text).map { $0 ? .yes : .no } ?? ProtectHome(rawValue: text)
                    }) { $0.service.exec.filesystem.protectHome = $1 },
        flag("PrivateTmp", "privateTmp") { $0.privateTmp = $1 },
        flag("PrivateDevices", "privateDevices") { $0.privateDevices = $1 },
        flag("PrivateNetwork", "privateNetwork") { $0.privateNetwork = $1 },
        flag("ProtectHostname", "protectHostname") { $0.protectHostname = $1 },
        flag("ProtectKernelTunables", "protectKernelTunables") { $0.protectKernelTunables = $1 },
        flag("ProtectKernelModules", "protectKernelModules") { $0.protectKernelModules = $1 },
        flag("ProtectKernelLogs", "protectKernelLogs") { $0.protectKernelLogs = $1 },
        flag("ProtectControlGroups", "protectControlGroups") { $0.protectControlGroups = $1 },
        Rows.enumeration(v, "ProtectProc", d + "protectProc", ProtectProc.self, what: "protect proc value") {
            $0.service.exec.filesystem.protectProc = $1
        },
        Rows.enumeration(v, "ProcSubset", d + "procSubset", ProcSubset.self, what: "proc subset value") {
            $0.service.exec.filesystem.procSubset = $1
        },
    ]

    static let pathRows: [OptionRow] = {
        let readWrite = paths("ReadWritePaths", "readWritePaths") { $0.readWritePaths = $1 ?? [] } append: { $0.readWritePaths += $1 }
        let readOnly = paths("ReadOnlyPaths", "readOnlyPaths") { $0.readOnlyPaths = $1 ?? [] } append: { $0.readOnlyPaths += $1 }
        let inaccessible = paths("InaccessiblePaths", "inaccessiblePaths") { $0.inaccessiblePaths = $1 ?? [] }
            append: { $0.inaccessiblePaths += $1 }
        return [readWrite, readOnly, inaccessible,
                readWrite.alias("ReadWriteDirectories"), readOnly.alias("ReadOnlyDirectories"),
                inaccessible.alias("InaccessibleDirectories"),
                temporaryFileSystem, binds("BindPaths", readOnly: false), binds("BindReadOnlyPaths", readOnly: true)]
    }()

    /// `[-][+]PATH …`: absolute paths, each optionally prefixed; an empty value resets the list.
    static func paths(_ key: String, _ field: String,
                      reset: @escaping @Sendable (inout FilesystemProtection, [PathRule]?) -> Void,
                      append: @escaping @Sendable (inout FilesystemProtection, [PathRule]) -> Void) -> OptionRow {
        OptionRow(v, key, "[-][+]absolute paths", d + field, flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return reset(&s.draft.service.exec.filesystem, nil) }
            guard case .success(let words) = WordSplitter.split(a.value) else { return s.warn(a, "Invalid syntax, ignoring: \(a.value)") }
            var rules: [PathRule] = []
            for word in words {
                var rule = PathRule(path: word)
                while let first = rule.path.first, first == "-" || first == "+" {
                    if first == "-" { rule.optional = true } else { rule.underRoot = true }
                    rule.path.removeFirst()
                }
                guard let path = s.expand(a, rule.path) else { continue }
                guard let normalized = normalizedAbsolute(path) else {
                    s.warn(a, "Not an absolute path, ignoring: \(path)")
                    continue
                }
                rule.path = normalized
                rules.append(rule)
            }
            append(&s.draft.service.exec.filesystem, rules)
        }
    }

    /// `PATH[:OPTIONS] …`: a tmpfs at PATH (mode 0755, nodev, nosuid unless OPTIONS say otherwise).
    static let temporaryFileSystem = OptionRow(v, "TemporaryFileSystem", "absolute path[:mount options]",
                                               d + "temporaryFileSystems", flags: [.list, .specifiers]) { s, a in
        if a.value.isEmpty { return s.draft.service.exec.filesystem.temporaryFileSystems = [] }
        guard case .success(let words) = WordSplitter.split(a.value) else { return s.warn(a, "Invalid syntax, ignoring: \(a.value)") }
        for word in words {
            guard let expanded = s.expand(a, word) else { continue }
            let parts = expanded.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let path = normalizedAbsolute(String(parts[0])) else {
                s.warn(a, "Not an absolute path, ignoring: \(parts[0])")
                continue
            }
            let options = parts.count > 1 ? String(parts[1]) : ""
            s.draft.service.exec.filesystem.temporaryFileSystems.append(TemporaryFileSystem(path: path, options: options))
        }
    }

    /// `[-]SOURCE[:DESTINATION[:rbind|norbind]] …`.
    static func binds(_ key: String, readOnly: Bool) -> OptionRow {
        OptionRow(v, key, "[-]source[:destination[:rbind|norbind]]", d + "bindPaths", flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.filesystem.bindPaths.removeAll { $0.readOnly == readOnly } }
            guard case .success(let words) = WordSplitter.split(a.value) else { return s.warn(a, "Invalid syntax, ignoring: \(a.value)") }
            for word in words {
                guard let expanded = s.expand(a, word) else { continue }
                let optional = expanded.hasPrefix("-")
                let parts = (optional ? String(expanded.dropFirst()) : expanded)
                    .split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count <= 3, let source = normalizedAbsolute(parts[0]) else {
                    s.warn(a, "Invalid bind mount specification, ignoring: \(expanded)")
                    continue
                }
                let destination = parts.count > 1 ? normalizedAbsolute(parts[1]) : source
                let option = parts.count > 2 ? parts[2] : "rbind"
                guard let destination, option == "rbind" || option == "norbind" else {
                    s.warn(a, "Invalid bind mount specification, ignoring: \(expanded)")
                    continue
                }
                s.draft.service.exec.filesystem.bindPaths.append(
                    BindRule(source: source, destination: destination, optional: optional,
                             recursive: option == "rbind", readOnly: readOnly))
            }
        }
    }

    static let credentialRows: [OptionRow] = [
        OptionRow(v, "LoadCredential", "ID[:PATH]", d + "credentials", flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.filesystem.credentials.removeAll() }
            // Without PATH, the credential of the same name that usherd itself received is passed on.
            let value = a.value.contains(":") ? a.value : a.value + ":" + a.value
            guard let (id, rest) = credentialPair(&s, a, value) else { return }
            guard let path = s.expand(a, rest, failure: .fatal) else { return }
            s.draft.service.exec.filesystem.credentials.append(CredentialSource(id: id, origin: .load(path: path)))
        },
        OptionRow(v, "SetCredential", "ID:VALUE (C escapes)", d + "credentials", flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.filesystem.credentials.removeAll() }
            guard let (id, rest) = credentialPair(&s, a, a.value) else { return }
            guard let value = s.expand(a, rest, failure: .fatal) else { return }
            guard let bytes = CEscapes.unescape(value, strict: true) else { return s.warn(a, "Invalid escape sequences in credential value, ignoring: \(a.value)") }
            s.draft.service.exec.filesystem.credentials.append(CredentialSource(id: id, origin: .set(value: bytes)))
        },
    ]

    /// `ID:REST` with ID a valid credential name (a file name: no `/`, not `.`/`..`).
    static func credentialPair(_ s: inout ParseSession, _ a: Assignment, _ value: String) -> (String, String)? {
        guard let colon = value.firstIndex(of: ":") else {
            s.warn(a, "Missing ':' in credential specification, ignoring: \(value)")
            return nil
        }
        guard let id = s.expand(a, String(value[..<colon]), failure: .fatal) else { return nil }
        guard isValidCredentialName(id) else {
            s.warn(a, "Credential name \"\(id)\" not valid, ignoring.")
            return nil
        }
        return (id, String(value[value.index(after: colon)...]))
    }

    public static func isValidCredentialName(_ id: String) -> Bool {
        !id.isEmpty && id != "." && id != ".." && id.utf8.count <= 255 && !id.contains("/")
            && !id.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
    }

    /// `/a//b/./c/` → `/a/b/c`; nil for relative paths and ones with `..`.
    static func normalizedAbsolute(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        let components = path.split(separator: "/").filter { $0 != "." }
        guard !components.contains("..") else { return nil }
        return "/" + components.joined(separator: "/")
    }
}

/// C-style escapes in a value (`\n`, `\t`, `\\`, `\xNN`, `\NNN`) turned into bytes, as systemd's cunescape.
/// `strict` (credential values): nil on an unknown escape or a trailing backslash. Not strict
/// (StandardInputText=): an unknown escape is kept as WordSplitter decodes it, a trailing backslash stays; never nil.
enum CEscapes {
    static func unescape(_ text: String, strict: Bool) -> [UInt8]? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count else {
                if strict, bytes[i] == UInt8(ascii: "\\") { return nil }
                out.append(bytes[i])
                i += 1
                continue
            }
            let (next, known) = WordSplitter.unescape(bytes, i, into: &out)
            if strict, !known { return nil }
            i = next
        }
        return out
    }
}
