// The environment a service gets, in systemd 252's order: LANG, PATH,
// [NOTIFY_SOCKET], [REMOTE_ADDR, REMOTE_PORT], LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES, [WATCHDOG_PID,
// WATCHDOG_USEC], [HOME, LOGNAME, USER, SHELL], INVOCATION_ID, [JOURNAL_STREAM], [RUNTIME_DIRECTORY, …],
// SYSTEMD_EXEC_PID, then PassEnvironment=, Environment= and
// EnvironmentFile= merged (a later assignment replaces the value in place),
// then UnsetEnvironment=. Also parses EnvironmentFile= text. Pure.

public struct ServiceIdentity: Sendable, Equatable {
    public var user: String
    public var home: String
    public var shell: String
    public init(user: String, home: String, shell: String) {
        self.user = user
        self.home = home
        self.shell = shell
    }
}

public struct EnvironmentInputs: Sendable {
    public var lang = "C.UTF-8"
    public var path = ServiceEnvironment.defaultPath
    public var notifySocket: String?
    /// REMOTE_ADDR and REMOTE_PORT of an Accept=yes instance's IP peer.
    public var remote: (address: String, port: String)?
    public var listenFDNames: [String] = []
    /// WatchdogSec= of the main process: WATCHDOG_PID (its own pid) and WATCHDOG_USEC.
    public var watchdogUSec: UInt64?
    public var identity: ServiceIdentity?
    public var invocationID = ""
    /// `DEV:INO` when stdout goes to journald.
    public var journalStream: String?
    /// RUNTIME_DIRECTORY=, STATE_DIRECTORY=, … (colon-joined full paths), in systemd's order.
    public var directories: [(String, String)] = []
    /// PassEnvironment= names resolved against usherd's own environment.
    public var passed: [(String, String)] = []
    public var unitEnvironment: [(String, String)] = []
    public var fileEnvironment: [(String, String)] = []
    public var unset: [String] = []
    public init() {}
}

public struct ServiceEnvironment: Sendable, Equatable {
    /// systemd's default service PATH on Debian (split-usr order).
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// Entries whose value is the service's own pid, written by the child after the `=`.
    public static let pidPlaceholders = ["LISTEN_PID=", "WATCHDOG_PID=", "SYSTEMD_EXEC_PID="]

    /// `NAME=value` entries in order.
    public private(set) var entries: [String]
    /// Indices of the entries the child completes with its pid (LISTEN_PID only with fds).
    public private(set) var pidSlots: [Int]

    public init(_ inputs: EnvironmentInputs) {
        var pairs: [(String, String)] = [("LANG", inputs.lang), ("PATH", inputs.path)]
        if let notify = inputs.notifySocket { pairs.append(("NOTIFY_SOCKET", notify)) }
        if let remote = inputs.remote { pairs += [("REMOTE_ADDR", remote.address), ("REMOTE_PORT", remote.port)] }
        if !inputs.listenFDNames.isEmpty {
            pairs.append(("LISTEN_PID", ""))
            pairs.append(("LISTEN_FDS", String(inputs.listenFDNames.count)))
            pairs.append(("LISTEN_FDNAMES", inputs.listenFDNames.joined(separator: ":")))
        }
        if let usec = inputs.watchdogUSec {
            pairs.append(("WATCHDOG_PID", ""))
            pairs.append(("WATCHDOG_USEC", String(usec)))
        }
        if let identity = inputs.identity {
            pairs += [("HOME", identity.home), ("LOGNAME", identity.user), ("USER", identity.user),
                      ("SHELL", identity.shell)]
        }
        if !inputs.invocationID.isEmpty { pairs.append(("INVOCATION_ID", inputs.invocationID)) }
        if let stream = inputs.journalStream { pairs.append(("JOURNAL_STREAM", stream)) }
        pairs += inputs.directories
        pairs.append(("SYSTEMD_EXEC_PID", ""))
        for (name, value) in inputs.passed + inputs.unitEnvironment + inputs.fileEnvironment {
            if let index = pairs.firstIndex(where: { $0.0 == name }) {
                pairs[index].1 = value
            } else {
                pairs.append((name, value))
            }
        }
        pairs.removeAll { pair in inputs.unset.contains { ServiceEnvironment.unsetMatches($0, pair) } }
        let built = pairs.map { "\($0.0)=\($0.1)" }
        entries = built
        pidSlots = built.indices.filter { ServiceEnvironment.pidPlaceholders.contains(built[$0]) }
    }

    /// UnsetEnvironment= takes `NAME` (any value) or `NAME=VALUE` (exact).
    static func unsetMatches(_ rule: String, _ pair: (String, String)) -> Bool {
        if rule.contains("=") { return rule == "\(pair.0)=\(pair.1)" }
        return rule == pair.0
    }

    /// EnvironmentFile= text: `KEY=VALUE` lines, `#`/`;` comments, optional
    /// `export `, single or double quotes around the value, backslash line
    /// continuations. Lines without `=` or with a bad name are skipped.
    public static func parseFile(_ text: String) -> [(String, String)] {
        var result: [(String, String)] = []
        for raw in joinContinuations(text).split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var line = raw.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.first == "#" || line.first == ";" { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop(while: { $0 == " " }) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: " \t")
            guard isValidName(name) else { continue }
            result.append((name, unquote(line[line.index(after: equals)...].trimmingCharacters(in: " \t"))))
        }
        return result
    }

    static func joinContinuations(_ text: String) -> String {
        var out = ""
        var pendingBackslash = false
        for character in text {
            if pendingBackslash {
                pendingBackslash = false
                if character == "\n" { continue }
                out.append("\\")
            }
            if character == "\\" {
                pendingBackslash = true
            } else {
                out.append(character)
            }
        }
        if pendingBackslash { out.append("\\") }
        return out
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
            || ("0"..."9").contains($0) }
    }

    static func unquote(_ value: String) -> String {
        guard value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first else {
            return value
        }
        let inner = value.dropFirst().dropLast()
        guard first == "\"" else { return String(inner) }
        var out = ""
        var escaped = false
        for character in inner {
            if escaped {
                out.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set)
        let trimmedFront = drop(while: { scalars.contains($0) })
        var end = trimmedFront.endIndex
        while end > trimmedFront.startIndex, scalars.contains(trimmedFront[trimmedFront.index(before: end)]) {
            end = trimmedFront.index(before: end)
        }
        return String(trimmedFront[..<end])
    }
}
