// StandardInput=/StandardOutput=/StandardError= values (systemd.exec(5)
// "Logging and Standard Input/Output"), including the file:/append:/
// truncate:/fd: forms and their absolute-path rule.

import UnitModel

enum StreamParsers {
    enum Problem: Error {
        case unknown(input: Bool)
        case relativePath

        func message(key: String, _ text: String) -> String {
            switch self {
            case .unknown(let input): return "Failed to parse \(input ? "input" : "output") specifier, ignoring: \(text)"
            case .relativePath:
                return "\(key)= path is not absolute: \(text.drop(while: { $0 != ":" }).dropFirst())"
            }
        }
    }

    static func input(_ text: String) -> Result<StandardInput, Problem> {
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
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            return path.hasPrefix("/") ? .success(.file(path)) : .failure(.relativePath)
        }
        if text.hasPrefix("fd:") { return .success(.fd(String(text.dropFirst(3)))) }
        return .failure(.unknown(input: true))
    }

    static func output(_ text: String) -> Result<StandardOutput, Problem> {
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
            let path = String(text.dropFirst(prefix.count))
            return path.hasPrefix("/") ? .success(make(path)) : .failure(.relativePath)
        }
        if text.hasPrefix("fd:") { return .success(.fd(String(text.dropFirst(3)))) }
        return .failure(.unknown(input: false))
    }
}
