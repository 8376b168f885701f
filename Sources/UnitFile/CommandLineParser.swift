// ExecStart=-style command lines (systemd.service(5) "Command lines"):
// prefixes `- @ : + ! !!`, quoting and C escapes, `;` between commands, the
// `@` argv[0] override, and the path rules of systemd 252 (absolute, or a bare
// name searched in PATH). `$VAR`/`${VAR}` stay as written for spawn time.

import UnitModel

public enum CommandLineParser {
    /// One problem with a command; `fatal` ones make systemd refuse the whole unit.
    public struct Problem: Error, Equatable {
        public var message: String
        public var fatal: Bool
    }

    /// Parses a value (no specifiers) into one or more commands.
    public static func parse(_ text: String) -> Result<[CommandLine], Problem> {
        switch WordSplitter.split(text) {
        case .success(let words): return parse(words: words, original: text)
        case .failure: return .failure(Problem(message: "Unbalanced quoting, ignoring: \"\(text)\"", fatal: true))
        }
    }

    /// Builds commands from split (and specifier-expanded) words; a `;` word separates commands.
    public static func parse(words: [String], original text: String) -> Result<[CommandLine], Problem> {
        var commands: [CommandLine] = []
        var current: [String] = []
        for word in words + [";"] {
            if word == ";" {
                if !current.isEmpty {
                    switch command(current, original: text) {
                    case .success(let c): if let c { commands.append(c) }
                    case .failure(let p): return .failure(p)
                    }
                }
                current = []
            } else {
                current.append(word == "\\;" ? ";" : word)
            }
        }
        return .success(commands)
    }

    struct Prefixes {
        var ignoreFailure = false, overrideArgv0 = false, noEnvironmentExpansion = false
        var fullPrivileges = false, noSetuid = false, elevate = false
    }

    static func prefixes(of word: String) -> (Prefixes, Substring) {
        var p = Prefixes()
        var rest = Substring(word)
        while let c = rest.first {
            if c == "-" && !p.ignoreFailure { p.ignoreFailure = true }
            else if c == "@" && !p.overrideArgv0 { p.overrideArgv0 = true }
            else if c == ":" && !p.noEnvironmentExpansion { p.noEnvironmentExpansion = true }
            else if c == "+" && !(p.fullPrivileges || p.noSetuid || p.elevate) { p.fullPrivileges = true }
            else if c == "!" && !(p.fullPrivileges || p.noSetuid || p.elevate) { p.noSetuid = true }
            else if c == "!" && p.noSetuid && !p.elevate { p.noSetuid = false; p.elevate = true }
            else { break }
            rest = rest.dropFirst()
        }
        return (p, rest)
    }

    /// One command's words; nil result means "ignored with a warning" is impossible here, errors carry it.
    static func command(_ words: [String], original: String) -> Result<CommandLine?, Problem> {
        guard let first = words.first else { return .success(nil) }
        let (p, pathPart) = prefixes(of: first)
        let path = String(pathPart)
        let suffix = p.ignoreFailure ? ", ignoring" : ""
        if path.isEmpty {
            return .failure(Problem(message: "Empty path in command line\(suffix): '\(original)'", fatal: !p.ignoreFailure))
        }
        var arguments = Array(words.dropFirst())
        if p.overrideArgv0 {
            guard let argv0 = arguments.first, !argv0.isEmpty else {
                return .failure(Problem(message: "Empty executable name or zeroeth argument\(suffix): \(original)",
                                        fatal: !p.ignoreFailure))
            }
            arguments[0] = argv0
        } else {
            arguments.insert(path, at: 0)
        }
        if !path.hasPrefix("/") && (path.contains("/") || path == "." || path == "..") {
            return .failure(Problem(message: "Neither a valid executable name nor an absolute path\(suffix): \(path)",
                                    fatal: !p.ignoreFailure))
        }
        return .success(CommandLine(path: path, arguments: arguments, ignoreFailure: p.ignoreFailure,
                                    overrideArgv0: p.overrideArgv0, noEnvironmentExpansion: p.noEnvironmentExpansion,
                                    fullPrivileges: p.fullPrivileges, elevate: p.noSetuid || p.elevate))
    }
}
