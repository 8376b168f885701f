// Value formatting for `show`: booleans, time spans in systemd's
// "1min 30s" style, octal modes, command lines as systemd prints them, and
// stream and listener kind names.

import UnitModel

extension UnitProperties {
    static func yesNo(_ b: Bool) -> String { b ? "yes" : "no" }

    static func octal(_ v: UInt32, width: Int = 4) -> String {
        let digits = String(v, radix: 8)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static let timeUnits: [(String, UInt64)] = [
        ("y", 31_557_600_000_000), ("month", 2_629_800_000_000), ("w", 604_800_000_000), ("d", 86_400_000_000),
        ("h", 3_600_000_000), ("min", 60_000_000), ("s", 1_000_000), ("ms", 1_000), ("us", 1),
    ]

    /// `1min 30s`, `100ms`, `infinity`, `0`.
    public static func time(_ t: TimeSpan) -> String {
        if t.isInfinity { return "infinity" }
        if t.microseconds == 0 { return "0" }
        var rest = t.microseconds
        var parts: [String] = []
        for (name, size) in timeUnits where rest >= size {
            parts.append("\(rest / size)\(name)")
            rest %= size
        }
        return parts.joined(separator: " ")
    }

    static func commands(_ key: String, _ list: [CommandLine]) -> [(String, String)] {
        list.map { c in
            var flags = ""
            if c.ignoreFailure { flags += "-" }
            if c.overrideArgv0 { flags += "@" }
            if c.noEnvironmentExpansion { flags += ":" }
            if c.fullPrivileges { flags += "+" }
            if c.elevate { flags += "!" }
            let argv = c.arguments.map(quoted).joined(separator: " ")
            return (key, "{ path=\(c.path) ; argv[]=\(argv) ; flags=\(flags) }")
        }
    }

    static func quoted(_ word: String) -> String {
        word.isEmpty || word.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "\\" })
            ? "\"" + word.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
            : word
    }

    static func exitStatus(_ codes: [Int32], _ signals: [Int32]) -> String {
        (codes.map { "\($0)" } + signals.map { signalName($0) }).joined(separator: " ")
    }

    static func signalName(_ number: Int32) -> String {
        let names = ValueParsers.signalNumbers.filter { $0.value == number && $0.key != "IOT" && $0.key != "POLL" }
        return names.keys.sorted().first.map { "SIG" + $0 } ?? "\(number)"
    }

    static func input(_ i: StandardInput) -> String {
        switch i {
        case .null: return "null"
        case .tty: return "tty"
        case .ttyForce: return "tty-force"
        case .ttyFail: return "tty-fail"
        case .socket: return "socket"
        case .data: return "data"
        case .file(let p): return "file:" + p
        case .fd(let n): return "fd:" + n
        }
    }

    static func output(_ o: StandardOutput) -> String {
        switch o {
        case .inherit: return "inherit"
        case .null: return "null"
        case .tty: return "tty"
        case .journal: return "journal"
        case .kmsg: return "kmsg"
        case .socket: return "socket"
        case .journalConsole: return "journal+console"
        case .file(let p): return "file:" + p
        case .append(let p): return "append:" + p
        case .truncate(let p): return "truncate:" + p
        case .fd(let n): return "fd:" + n
        }
    }

    static func listenKindName(_ kind: ListenKind) -> String {
        switch kind {
        case .stream: return "Stream"
        case .datagram: return "Datagram"
        case .sequentialPacket: return "SequentialPacket"
        case .fifo: return "FIFO"
        case .special: return "Special"
        case .netlink: return "Netlink"
        case .messageQueue: return "MessageQueue"
        case .usbFunction: return "USBFunction"
        }
    }
}
