// Environment (Environment=, EnvironmentFile=, PassEnvironment=,
// UnsetEnvironment=), standard streams, and Limit*= rows of a service, with
// systemd 252's validation and warning texts.

import UnitModel

extension ExecRows {
    static let environmentRows: [OptionRow] = [
        OptionRow(v, "Environment", "NAME=value words", "ServiceUnit.exec.environment", flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.environment = [] }
            let split = WordSplitter.splitPartially(a.value, strictEscapes: true)
            for word in split.words {
                guard let expanded = s.expand(a, word, failure: .environment) else { continue }
                guard let eq = expanded.firstIndex(of: "="), EnvironmentNames.isValid(expanded[..<eq]) else {
                    s.warn(a, "Invalid environment assignment, ignoring: \(expanded)")
                    continue
                }
                setVariable(&s.draft.service.exec.environment, String(expanded[..<eq]), String(expanded[expanded.index(after: eq)...]))
            }
            if split.failure != nil { s.warn(a, "Invalid syntax, ignoring: \(a.value)") }
        },
        OptionRow(v, "EnvironmentFile", "path (-optional)", "ServiceUnit.exec.environmentFiles", flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return s.draft.service.exec.environmentFiles = [] }
            let optional = a.value.hasPrefix("-")
            guard let path = s.expand(a, optional ? String(a.value.dropFirst()) : a.value) else { return }
            guard path.hasPrefix("/") else { return s.warn(a, "EnvironmentFile= path is not absolute, ignoring: \(path)") }
            s.draft.service.exec.environmentFiles.append(EnvironmentFileSpec(path: path, optional: optional))
        },
        nameList("PassEnvironment", "ServiceUnit.exec.passEnvironment", allowAssignment: false,
                 message: "Invalid environment name for PassEnvironment, ignoring: ") { appendOrReset(&$0.service.exec.passEnvironment, $1) },
        nameList("UnsetEnvironment", "ServiceUnit.exec.unsetEnvironment", allowAssignment: true,
                 message: "Invalid environment name or assignment UnsetEnvironment, ignoring: ") {
            appendOrReset(&$0.service.exec.unsetEnvironment, $1)
        },
    ]

    static func setVariable(_ env: inout [(String, String)], _ name: String, _ value: String) {
        if let i = env.firstIndex(where: { $0.0 == name }) {
            env[i].1 = value
        } else {
            env.append((name, value))
        }
    }

    static func nameList(_ key: String, _ dest: String, allowAssignment: Bool, message: String,
                         _ update: @escaping @Sendable (inout UnitDraft, [String]?) -> Void) -> OptionRow {
        OptionRow(v, key, "variable names", dest, flags: [.list, .specifiers]) { s, a in
            if a.value.isEmpty { return update(&s.draft, nil) }
            // UnsetEnvironment= decodes C escapes strictly; PassEnvironment= only lets a backslash protect a byte.
            let split = WordSplitter.splitPartially(a.value, cUnescape: allowAssignment, strictEscapes: allowAssignment)
            var names: [String] = []
            for word in split.words {
                guard let expanded = s.expand(a, word, failure: allowAssignment ? .bare : .environment) else { continue }
                let name = allowAssignment ? Substring(expanded.prefix(while: { $0 != "=" })) : Substring(expanded)
                guard EnvironmentNames.isValid(name) else {
                    s.warn(a, message + expanded)
                    continue
                }
                names.append(expanded)
            }
            update(&s.draft, names)
            if split.failure != nil { s.warn(a, "Trailing garbage in \(key), ignoring: \(a.value)") }
        }
    }

    static let streamRows: [OptionRow] = [
        OptionRow(v, "StandardInput", "null|tty|tty-force|tty-fail|socket|data|file:PATH|fd:NAME",
                  "ServiceUnit.exec.standardInput", flags: .specifiers) { s, a in
            switch StreamParsers.input(a.value, expand: { s.expand(a, $0, failure: .bare) }) {
            case .success(let v): if let v { s.draft.service.exec.standardInput = v }
            case .failure(let p): s.warn(a, p.message(key: "StandardInput", a.value))
            }
        },
        output("StandardOutput") { $0.service.exec.standardOutput = $1 },
        output("StandardError") { $0.service.exec.standardError = $1 },
    ]

    static func output(_ key: String, _ set: @escaping Setter<StandardOutput>) -> OptionRow {
        OptionRow(v, key, "inherit|null|tty|journal|kmsg|journal+console|kmsg+console|socket|file:|append:|truncate:|fd:",
                  "ServiceUnit.exec.\(key.prefix(1).lowercased() + key.dropFirst())", flags: .specifiers) { s, a in
            switch StreamParsers.output(a.value, expand: { s.expand(a, $0, failure: .bare) }) {
            case .success(let v): if let v { set(&s.draft, v) }
            case .failure(let p): s.warn(a, p.message(key: key, a.value))
            }
        }
    }

    static let limitNames = ["CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NOFILE", "AS", "NPROC", "MEMLOCK",
                             "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"]

    static let limitRows: [OptionRow] = limitNames.map { name in
        OptionRow(v, "Limit" + name, "soft[:hard]", "ServiceUnit.exec.limits[\(name)]") { s, a in
            switch ResourceLimits.parse(a.value, resource: name) {
            case .success(let limit): s.draft.service.exec.limits[name] = limit
            case .failure(.outOfRange): s.warn(a, "Soft resource limit chosen higher than hard limit, ignoring: \(a.value)")
            case .failure: s.warn(a, "Failed to parse resource value, ignoring: \(a.value)")
            }
        }
    }
}

/// Environment variable names: a letter or `_`, then letters, digits and `_`.
enum EnvironmentNames {
    static func isValid(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
        return name.utf8.allSatisfy { b in
            b == UInt8(ascii: "_") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        }
    }
}

/// `Limit*=` values: `soft:hard` or one value for both; `infinity`; sizes, seconds or counts by resource.
enum ResourceLimits {
    static let sizeResources: Set<String> = ["FSIZE", "DATA", "STACK", "CORE", "RSS", "AS", "MEMLOCK", "MSGQUEUE"]

    static func parse(_ text: String, resource: String) -> Result<ResourceLimit, ValueError> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return .failure(.invalid) }
        guard case .success(let soft) = value(String(parts[0]), resource) else { return .failure(.invalid) }
        guard parts.count == 2 else { return .success(ResourceLimit(soft: soft, hard: soft)) }
        guard case .success(let hard) = value(String(parts[1]), resource) else { return .failure(.invalid) }
        if let s = soft, hard.map({ s > $0 }) ?? false { return .failure(.outOfRange) }
        if soft == nil, hard != nil { return .failure(.outOfRange) }
        return .success(ResourceLimit(soft: soft, hard: hard))
    }

    /// nil value means infinity. Units as systemd's rlimit_parse(): sizes (base 1024) for the
    /// memory and file sizes, seconds rounded up for CPU, microseconds for RTTIME, nice levels or
    /// the raw 0…40 for NICE, plain counts for the rest.
    static func value(_ text: String, _ resource: String) -> Result<UInt64?, ValueError> {
        if text == "infinity" { return .success(nil) }
        if sizeResources.contains(resource) { return SizeParser.parse(text).map { Optional($0) } }
        switch resource {
        case "CPU":
            return TimeSpanParser.parse(text).map { span in
                span.isInfinity ? nil : (span.microseconds + 999_999) / 1_000_000
            }
        case "RTTIME":
            return TimeSpanParser.parse(text, defaultUnit: 1).map { $0.isInfinity ? nil : $0.microseconds }
        case "NICE":
            return nice(text).map { Optional($0) }
        default:
            return ValueParsers.unsigned(text, max: UInt64.max).map { Optional($0) }
        }
    }

    /// RLIMIT_NICE: `+N` (0…19) or `-N` (-20…0) is a nice level, stored as 20 - level; a bare
    /// number is the raw limit 0…40.
    static func nice(_ text: String) -> Result<UInt64, ValueError> {
        if let sign = text.first, sign == "+" || sign == "-" {
            guard let level = Int(text.dropFirst()).map({ sign == "-" ? -$0 : $0 }) else { return .failure(.invalid) }
            let allowed = sign == "+" ? 0...19 : -20...0
            guard allowed.contains(level) else { return .failure(.outOfRange) }
            return .success(UInt64(20 - level))
        }
        return ValueParsers.unsigned(text, max: 40)
    }
}
