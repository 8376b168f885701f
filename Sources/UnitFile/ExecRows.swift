// Rows for the execution context of a service (systemd.exec(5)): command
// lines, credentials, working directory, environment, umask, nice, standard
// streams, resource limits, and the kill settings (systemd.kill(5)).

import UnitModel

enum ExecRows {
    static let v = "Service"

    static let rows: [OptionRow] = credentialRows + environmentRows + streamRows + limitRows + killRows + setupRows

    /// Exec*= command lines: words split first, then specifiers expanded word by word (systemd's order).
    static func commands(_ section: String, _ key: String, _ dest: String,
                         _ update: @escaping @Sendable (inout UnitDraft, [CommandLine]?) -> Void) -> OptionRow {
        OptionRow(section, key, "command line", dest, flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return update(&s.draft, nil) }
            let split = WordSplitter.splitPartially(a.value)
            for word in split.wordsWithUnknownEscapes { s.warn(a, "Ignoring unknown escape sequences: \"\(word)\"") }
            guard split.failure == nil else { return s.fail(a, "Unbalanced quoting, ignoring: \"\(a.value)\"") }
            let words = split.words
            var expanded: [String] = []
            for word in words {
                switch s.expander.expand(word) {
                case .success(let e): expanded.append(e)
                case .failure(let e): return s.fail(a, "Failed to resolve unit specifiers in \(word): \(e.errnoText)")
                }
            }
            switch CommandLineParser.parse(words: expanded, original: a.value) {
            case .success(let commands):
                update(&s.draft, commands)
            case .failure(let p):
                if p.fatal { s.fail(a, p.message) } else { s.warn(a, p.message) }
            }
        }
    }

    /// User=/Group=/SocketUser=/SocketGroup=: a name or numeric id; a malformed one is fatal as in systemd.
    static func userOrGroup(_ section: String, _ key: String, _ dest: String,
                            _ set: @escaping Setter<String?>) -> OptionRow {
        OptionRow(section, key, "user or group", dest, flags: .specifiers) { s, a in
            if a.value.isEmpty { return set(&s.draft, nil) }
            guard let name = s.expand(a, failure: .fatal) else { return }
            guard UserNames.isValid(name) else { return s.fail(a, "Invalid user/group name or numeric ID: \(name)") }
            if name == "nobody" && (key == "User" || key == "SocketUser") {
                // systemd warns because files owned by nobody are shared with every other unit using it.
                s.warn(a, "Special user nobody configured, this is not safe!")
            }
            set(&s.draft, name)
        }
    }

    static let credentialRows: [OptionRow] = [
        userOrGroup(v, "User", "ServiceUnit.exec.user") { $0.service.exec.user = $1 },
        userOrGroup(v, "Group", "ServiceUnit.exec.group") { $0.service.exec.group = $1 },
        OptionRow(v, "SupplementaryGroups", "user or group list", "ServiceUnit.exec.supplementaryGroups",
                  flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.supplementaryGroups = [] }
            guard case .success(let words) = WordSplitter.split(a.value) else { return s.warn(a, "Invalid syntax, ignoring: \(a.value)") }
            for word in words {
                guard let name = s.expand(a, word, failure: .fatal) else { return }
                guard UserNames.isValid(name) else { return s.fail(a, "Invalid user/group name or numeric ID: \(name)") }
                s.draft.service.exec.supplementaryGroups.append(name)
            }
        },
        OptionRow(v, "WorkingDirectory", "path (-optional, ~ home)", "ServiceUnit.exec.workingDirectory", flags: .specifiers) { s, a in
            if a.value.isEmpty {
                s.draft.service.exec.workingDirectory = nil
                s.draft.service.exec.workingDirectoryOptional = false
                return
            }
            let optional = a.value.hasPrefix("-")
            let raw = optional ? String(a.value.dropFirst()) : a.value
            guard case .success(let path) = s.expander.expand(raw) else {
                return s.fail(a, "Failed to resolve unit specifiers in working directory path '\(raw)': Invalid slot")
            }
            guard path.hasPrefix("/") || path == "~" else {
                if optional { return s.warn(a, "WorkingDirectory= path is not absolute, ignoring: \(path)") }
                return s.fail(a, "WorkingDirectory= path is not absolute: \(path)")
            }
            s.draft.service.exec.workingDirectory = path
            s.draft.service.exec.workingDirectoryOptional = optional
        },
        Rows.mode(v, "UMask", "ServiceUnit.exec.umask") { $0.service.exec.umask = $1 },
        OptionRow(v, "Nice", "nice level -20…19", "ServiceUnit.exec.nice") { s, a in
            if a.value.isEmpty { return s.draft.service.exec.nice = nil }
            switch ValueParsers.nice(a.value) {
            case .success(let n): s.draft.service.exec.nice = n
            case .failure(.outOfRange): s.warn(a, "Nice priority out of range, ignoring: \(a.value)")
            case .failure: s.warn(a, "Failed to parse nice priority '\(a.value)', ignoring: Invalid argument")
            }
        },
        Rows.string(v, "SyslogIdentifier", "ServiceUnit.exec.syslogIdentifier") { $0.service.exec.syslogIdentifier = $1 },
        Rows.boolean(v, "IgnoreSIGPIPE", "ServiceUnit.exec.ignoreSIGPIPE") { $0.service.exec.ignoreSIGPIPE = $1 },
    ]

    static let killRows: [OptionRow] = [
        Rows.enumeration(v, "KillMode", "ServiceUnit.kill.killMode", KillMode.self, what: "kill mode specification",
                         resetTo: .controlGroup) {
            $0.service.kill.killMode = $1
        },
        Rows.choice(v, "KillSignal", "ServiceUnit.kill.killSignal", values: ["SIGNAME", "1…64"], what: "signal name",
                    parse: { ValueParsers.signal($0) }) { $0.service.kill.killSignal = $1 },
        Rows.boolean(v, "SendSIGKILL", "ServiceUnit.kill.sendSIGKILL") { $0.service.kill.sendSIGKILL = $1 },
        Rows.boolean(v, "SendSIGHUP", "ServiceUnit.kill.sendSIGHUP") { $0.service.kill.sendSIGHUP = $1 },
        signalRow("RestartKillSignal", "ServiceUnit.kill.restartKillSignal") { $0.service.kill.restartKillSignal = $1 },
        signalRow("FinalKillSignal", "ServiceUnit.kill.finalKillSignal") { $0.service.kill.finalKillSignal = $1 },
        signalRow("WatchdogSignal", "ServiceUnit.kill.watchdogSignal") { $0.service.kill.watchdogSignal = $1 },
    ]

    static func signalRow(_ key: String, _ dest: String, _ set: @escaping Setter<Int32>) -> OptionRow {
        Rows.choice(v, key, dest, values: ["SIGNAME", "1…64"], what: "signal name", parse: { ValueParsers.signal($0) }, set)
    }
}

/// User and group names as systemd 252 accepts them in unit files (its relaxed rules) or numeric ids.
public enum UserNames {
    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        if name.allSatisfy(\.isASCIIDigit) {
            // A uid/gid in decimal without leading zeros; other all-digit strings could be confused with ids.
            guard name == "0" || !name.hasPrefix("0"), let id = UInt64(name) else { return false }
            return id < UInt64(UInt32.max) && id != 65535
        }
        if name.hasPrefix("-") && name.dropFirst().allSatisfy(\.isASCIIDigit) { return false }
        guard name != ".", name != "..", name.first != " ", name.last != " " else { return false }
        // ':' separates /etc/passwd fields and '/' would escape the home directory; control bytes never pass.
        return !name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") })
    }
}
