// StandardInput=/StandardOutput=/StandardError= values (systemd.exec(5)
// "Logging and Standard Input/Output"), including the file:/append:/
// truncate:/fd: forms and their absolute-path rule.

import UnitModel

enum StreamParsers {
    enum Problem: Error {
        case unknown(input: Bool)
        case relativePath(String)

        func message(key: String, _ text: String) -> String {
            switch self {
            case .unknown(let input): return "Failed to parse \(input ? "input" : "output") specifier, ignoring: \(text)"
            case .relativePath(let path): return "\(key)= path is not absolute: \(path)"
            }
        }
    }

    /// Only the path or fd name after `file:`/`fd:`… has specifiers; nil path means expansion failed (already warned).
    typealias Expand = (String) -> String?

    static func path(_ raw: Substring, _ expand: Expand) -> Result<String?, Problem> {
        guard let path = expand(String(raw)) else { return .success(nil) }
        return path.hasPrefix("/") ? .success(path) : .failure(.relativePath(path))
    }

    static func input(_ text: String, expand: Expand) -> Result<StandardInput?, Problem> {
        switch text {
        case "null": return .success(.null)
        case "tty": return .success(.tty)
        case "tty-force": return .success(.ttyForce)
        case "tty-fail": return .success(.ttyFail)
        case "socket": return .success(.socket)
        case "data": return .success(.data)
        case "fd": return .success(.fd(""))
        default: break
        }
        if text.hasPrefix("file:") { return path(text.dropFirst(5), expand).map { $0.map(StandardInput.file) } }
        if text.hasPrefix("fd:") { return .success(expand(String(text.dropFirst(3))).map(StandardInput.fd)) }
        return .failure(.unknown(input: true))
    }

    static func output(_ text: String, expand: Expand) -> Result<StandardOutput?, Problem> {
        switch text {
        case "inherit": return .success(.inherit)
        case "null": return .success(.null)
        case "tty": return .success(.tty)
        case "journal", "syslog": return .success(.journal)
        case "kmsg": return .success(.kmsg)
        case "journal+console", "syslog+console", "kmsg+console": return .success(.journalConsole)
        case "socket": return .success(.socket)
        case "fd": return .success(.fd(""))
        default: break
        }
        for (prefix, make) in [("file:", StandardOutput.file), ("append:", StandardOutput.append),
                               ("truncate:", StandardOutput.truncate)] where text.hasPrefix(prefix) {
            return path(text.dropFirst(prefix.count), expand).map { $0.map(make) }
        }
        if text.hasPrefix("fd:") { return .success(expand(String(text.dropFirst(3))).map(StandardOutput.fd)) }
        return .failure(.unknown(input: false))
    }
}
