// Time spans ("2min 200ms", "infinity", every unit systemd accepts) and byte
// sizes ("64K", "1.5M", base 1024). Both sum several components and reject
// negative numbers, reporting overflow as out of range.

import UnitModel

public enum TimeSpanParser {
    static let units: [(String, UInt64)] = [
        ("seconds", 1_000_000), ("second", 1_000_000), ("sec", 1_000_000), ("s", 1_000_000),
        ("minutes", 60_000_000), ("minute", 60_000_000), ("min", 60_000_000),
        ("months", 2_629_800_000_000), ("month", 2_629_800_000_000), ("M", 2_629_800_000_000),
        ("msec", 1_000), ("ms", 1_000), ("m", 60_000_000),
        ("hours", 3_600_000_000), ("hour", 3_600_000_000), ("hr", 3_600_000_000), ("h", 3_600_000_000),
        ("days", 86_400_000_000), ("day", 86_400_000_000), ("d", 86_400_000_000),
        ("weeks", 604_800_000_000), ("week", 604_800_000_000), ("w", 604_800_000_000),
        ("years", 31_557_600_000_000), ("year", 31_557_600_000_000), ("y", 31_557_600_000_000),
        ("usec", 1), ("us", 1), ("µs", 1), ("μs", 1),
        ("nsec", 0), ("ns", 0),
    ]
    static let unitBytes: [([UInt8], UInt64)] = units.map { (Array($0.0.utf8), $0.1) }

    /// Parses a span; `defaultUnit` is the multiplier of a bare number (seconds for `*Sec=`).
    public static func parse(_ text: String, defaultUnit: UInt64 = 1_000_000) -> Result<TimeSpan, ValueError> {
        let bytes = Array(text.utf8)
        var i = skipBlanks(bytes, 0)
        var end = bytes.count
        while end > i && NumberScanner.isBlank(bytes[end - 1]) { end -= 1 }
        if bytes[i..<end].elementsEqual("infinity".utf8) { return .success(.infinity) }
        guard i < end else { return .failure(.invalid) }
        var total: UInt64 = 0
        while i < end {
            guard let number = NumberScanner.scan(bytes, i, end) else { return .failure(.invalid) }
            var j = skipBlanks(bytes, number.end)
            var multiplier = defaultUnit
            if let (unitLength, unitMultiplier) = unit(bytes, j, end) {
                multiplier = unitMultiplier
                j += unitLength
            } else {
                j = number.end
            }
            if j < end && isLetter(bytes[j]) { return .failure(.invalid) }
            guard let value = number.value(times: multiplier, nanoseconds: multiplier == 0) else { return .failure(.outOfRange) }
            let (sum, overflow) = total.addingReportingOverflow(value)
            if overflow || sum == UInt64.max { return .failure(.outOfRange) }
            total = sum
            i = skipBlanks(bytes, j)
        }
        return .success(TimeSpan(microseconds: total))
    }

    /// The longest unit name at `i` that is not followed by another letter.
    static func unit(_ bytes: [UInt8], _ i: Int, _ end: Int) -> (Int, UInt64)? {
        for (name, multiplier) in unitBytes where i + name.count <= end && bytes[i..<(i + name.count)].elementsEqual(name) {
            if i + name.count < end && isLetter(bytes[i + name.count]) { continue }
            return (name.count, multiplier)
        }
        return nil
    }

    static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b >= 0x80
    }

    static func skipBlanks(_ bytes: [UInt8], _ from: Int) -> Int {
        var i = from
        while i < bytes.count && NumberScanner.isBlank(bytes[i]) { i += 1 }
        return i
    }
}

public enum SizeParser {
    static let suffixes: [UInt8: UInt64] = [
        UInt8(ascii: "E"): 1 << 60, UInt8(ascii: "P"): 1 << 50, UInt8(ascii: "T"): 1 << 40, UInt8(ascii: "G"): 1 << 30,
        UInt8(ascii: "M"): 1 << 20, UInt8(ascii: "K"): 1 << 10, UInt8(ascii: "B"): 1,
    ]

    /// Parses `64K`, `1.5M`, `1G 512M`, `1024` with base 1024.
    public static func parse(_ text: String) -> Result<UInt64, ValueError> {
        let bytes = Array(text.utf8)
        var i = TimeSpanParser.skipBlanks(bytes, 0)
        var end = bytes.count
        while end > i && NumberScanner.isBlank(bytes[end - 1]) { end -= 1 }
        if i + 1 < end && bytes[i] == UInt8(ascii: "-") && NumberScanner.isDigit(bytes[i + 1]) { return .failure(.outOfRange) }
        guard i < end else { return .failure(.invalid) }
        var total: UInt64 = 0
        while i < end {
            guard let number = NumberScanner.scan(bytes, i, end) else { return .failure(.invalid) }
            var j = TimeSpanParser.skipBlanks(bytes, number.end)
            var multiplier: UInt64 = 1
            if j < end, let m = suffixes[bytes[j]] {
                multiplier = m
                j += 1
            } else if j < end && !NumberScanner.isDigit(bytes[j]) {
                return .failure(.invalid)
            }
            guard let value = number.value(times: multiplier, nanoseconds: false) else { return .failure(.outOfRange) }
            let (sum, overflow) = total.addingReportingOverflow(value)
            if overflow { return .failure(.outOfRange) }
            total = sum
            i = TimeSpanParser.skipBlanks(bytes, j)
        }
        return .success(total)
    }
}

/// Scans `123.45` in a byte buffer.
enum NumberScanner {
    struct Number {
        var whole: UInt64
        var overflow: Bool
        var fraction: UInt64
        var fractionDigits: Int
        var end: Int

        /// whole.fraction × multiplier; `nanoseconds` divides by 1000 instead (multiplier 0 marks ns).
        func value(times multiplier: UInt64, nanoseconds: Bool) -> UInt64? {
            if overflow { return nil }
            if nanoseconds { return whole / 1000 }
            let (base, o1) = whole.multipliedReportingOverflow(by: multiplier)
            if o1 { return nil }
            let (sum, o2) = base.addingReportingOverflow(scaledFraction(multiplier))
            return o2 ? nil : sum
        }

        func scaledFraction(_ multiplier: UInt64) -> UInt64 {
            guard fractionDigits > 0 else { return 0 }
            var divisor: UInt64 = 1
            for _ in 0..<fractionDigits { divisor *= 10 }
            let (product, overflow) = fraction.multipliedReportingOverflow(by: multiplier)
            return overflow ? fraction / max(1, divisor / multiplier) : product / divisor
        }
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func scan(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Number? {
        var n = Number(whole: 0, overflow: false, fraction: 0, fractionDigits: 0, end: start)
        // Every component starts with a digit: "127.0.0.1" must not read as 127.0 + .0 + .1.
        guard start < end, isDigit(bytes[start]) else { return nil }
        var i = start
        var sawDigit = false
        while i < end && isDigit(bytes[i]) {
            sawDigit = true
            let (m, o1) = n.whole.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(bytes[i] - UInt8(ascii: "0")))
            n.overflow = n.overflow || o1 || o2
            n.whole = s
            i += 1
        }
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end && isDigit(bytes[i]) {
                if n.fractionDigits < 18 {
                    n.fraction = n.fraction * 10 + UInt64(bytes[i] - UInt8(ascii: "0"))
                    n.fractionDigits += 1
                }
                sawDigit = true
                i += 1
            }
        }
        n.end = i
        return sawDigit ? n : nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s = s.dropLast() }
        return s.count == count ? self : String(s)
    }
}
