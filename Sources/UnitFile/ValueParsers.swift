// Generic value parsers shared by the option table: booleans, integers with
// range checks, time spans, sizes (base 1024), octal modes, nice levels and
// signals. Each returns a typed value or a ValueError carrying the errno text
// systemd prints ("Invalid argument", "Numerical result out of range").

public enum ValueError: Error, Sendable, Equatable {
    case invalid
    case outOfRange
    case nameTooLong

    /// strerror() text, as it appears at the end of systemd's messages.
    public var errnoText: String {
        switch self {
        case .invalid: return "Invalid argument"
        case .outOfRange: return "Numerical result out of range"
        case .nameTooLong: return "File name too long"
        }
    }
}

public enum ValueParsers {
    static let trueWords: Set<String> = ["1", "yes", "y", "true", "t", "on"]
    static let falseWords: Set<String> = ["0", "no", "n", "false", "f", "off"]

    public static func boolean(_ text: String) -> Bool? {
        let lower = text.lowercased()
        if trueWords.contains(lower) { return true }
        if falseWords.contains(lower) { return false }
        return nil
    }

    /// Unsigned integer within `max`, strtoul base 0 like systemd's safe_atou: `0x` hex, leading `0` octal.
    /// A sign is rejected.
    public static func unsigned(_ text: String, max: UInt64 = UInt64(UInt32.max)) -> Result<UInt64, ValueError> {
        var digits = Substring(text)
        var radix: UInt64 = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
        } else if digits.count > 1 && digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        }
        guard !digits.isEmpty else { return .failure(.invalid) }
        var value: UInt64 = 0
        for ch in digits.utf8 {
            guard let d = digitValue(ch), UInt64(d) < radix else { return .failure(.invalid) }
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return .failure(.outOfRange) }
            value = s
        }
        return value > max ? .failure(.outOfRange) : .success(value)
    }

    /// Signed decimal within `min...max`.
    public static func signed(_ text: String, min: Int64 = Int64(Int32.min), max: Int64 = Int64(Int32.max))
        -> Result<Int64, ValueError> {
        var body = Substring(text)
        var negative = false
        if body.hasPrefix("-") { negative = true; body = body.dropFirst() } else if body.hasPrefix("+") { body = body.dropFirst() }
        let magnitude: UInt64
        switch unsigned(String(body), max: UInt64(Int64.max) + 1) {
        case .success(let m): magnitude = m
        case .failure(let e): return .failure(e)
        }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return .failure(.outOfRange) }
            let v = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            return v < min ? .failure(.outOfRange) : .success(v)
        }
        guard magnitude <= UInt64(Int64.max), Int64(magnitude) <= max else { return .failure(.outOfRange) }
        return .success(Int64(magnitude))
    }

    static func digitValue(_ ch: UInt8) -> UInt8? {
        switch ch {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return ch - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return ch - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return ch - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Octal file mode up to 07777.
    public static func mode(_ text: String) -> UInt32? {
        guard !text.isEmpty, text.utf8.count <= 12 else { return nil }
        var value: UInt32 = 0
        for ch in text.utf8 {
            guard ch >= UInt8(ascii: "0"), ch <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + UInt32(ch - UInt8(ascii: "0"))
        }
        return value <= 0o7777 ? value : nil
    }

    /// Nice level -20…19; errors distinguish junk from range like systemd's two messages.
    public static func nice(_ text: String) -> Result<Int32, ValueError> {
        switch signed(text) {
        case .success(let v): return (-20...19).contains(v) ? .success(Int32(v)) : .failure(.outOfRange)
        case .failure(let e): return .failure(e == .outOfRange ? .outOfRange : .invalid)
        }
    }

    static let signalNumbers: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
        "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17,
        "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
        "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
    ]

    /// `SIGTERM`, `TERM`, `RTMIN+3` or a number 1…64.
    public static func signal(_ text: String) -> Int32? {
        if case .success(let n) = unsigned(text, max: 64) { return n >= 1 ? Int32(n) : nil }
        let name = text.hasPrefix("SIG") ? String(text.dropFirst(3)) : text
        if let n = signalNumbers[name] { return n }
        if name == "RTMIN" { return 34 }
        if name == "RTMAX" { return 64 }
        if name.hasPrefix("RTMIN+"), case .success(let k) = unsigned(String(name.dropFirst(6)), max: 30) {
            return 34 + Int32(k)
        }
        if name.hasPrefix("RTMAX-"), case .success(let k) = unsigned(String(name.dropFirst(6)), max: 30) {
            return 64 - Int32(k)
        }
        return nil
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
