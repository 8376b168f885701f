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

    /// Parses a span; `defaultUnit` is the multiplier of a bare number (seconds for `*Sec=`).
    public static func parse(_ text: String, defaultUnit: UInt64 = 1_000_000) -> Result<TimeSpan, ValueError> {
        let trimmed = text.trimmingWhitespace()
        if trimmed == "infinity" { return .success(.infinity) }
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return .failure(.invalid) }
        var total: UInt64 = 0
        while !rest.isEmpty {
            guard let (value, after) = component(rest, defaultUnit: defaultUnit) else { return .failure(.invalid) }
            guard let v = value else { return .failure(.outOfRange) }
            let (sum, overflow) = total.addingReportingOverflow(v)
            if overflow || sum == UInt64.max { return .failure(.outOfRange) }
            total = sum
            rest = after.drop(while: { $0 == " " || $0 == "\t" })
        }
        return .success(TimeSpan(microseconds: total))
    }

    /// One `NUMBER[.FRACTION] [UNIT]`; returns nil value on overflow, nil tuple on junk.
    static func component(_ text: Substring, defaultUnit: UInt64) -> (UInt64?, Substring)? {
        guard let (whole, fraction, fractionDigits, afterNumber) = NumberScanner.scan(text) else { return nil }
        let afterSpace = afterNumber.drop(while: { $0 == " " || $0 == "\t" })
        var multiplier = defaultUnit
        var rest = afterNumber
        for (name, mult) in units where afterSpace.hasPrefix(name) {
            let tail = afterSpace.dropFirst(name.count)
            if let next = tail.first, next.isLetter { continue }
            multiplier = mult
            rest = tail
            break
        }
        if rest.first?.isLetter == true { return nil }
        if multiplier == 0 {
            return ((whole / 1000), rest)
        }
        let (base, o1) = whole.multipliedReportingOverflow(by: multiplier)
        if o1 { return (nil, rest) }
        let fractional = NumberScanner.scaleFraction(fraction, digits: fractionDigits, by: multiplier)
        let (sum, o2) = base.addingReportingOverflow(fractional)
        return (o2 ? nil : sum, rest)
    }
}

public enum SizeParser {
    static let suffixes: [(Character, UInt64)] = [
        ("E", 1 << 60), ("P", 1 << 50), ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1),
    ]

    /// Parses `64K`, `1.5M`, `1G 512M`, `1024` with base 1024.
    public static func parse(_ text: String) -> Result<UInt64, ValueError> {
        var rest = Substring(text.trimmingWhitespace())
        if rest.hasPrefix("-") { return .failure(.outOfRange) }
        guard !rest.isEmpty else { return .failure(.invalid) }
        var total: UInt64 = 0
        while !rest.isEmpty {
            guard let (whole, fraction, digits, after) = NumberScanner.scan(rest) else { return .failure(.invalid) }
            var tail = after.drop(while: { $0 == " " })
            var multiplier: UInt64 = 1
            if let c = tail.first, let match = suffixes.first(where: { $0.0 == c }) {
                multiplier = match.1
                tail = tail.dropFirst()
            } else if let c = tail.first, !c.isNumber {
                return .failure(.invalid)
            }
            if multiplier == 1 && digits > 0 { return .failure(.invalid) }
            let (base, o1) = whole.multipliedReportingOverflow(by: multiplier)
            let (sum, o2) = base.addingReportingOverflow(NumberScanner.scaleFraction(fraction, digits: digits, by: multiplier))
            let (t, o3) = total.addingReportingOverflow(sum)
            if o1 || o2 || o3 { return .failure(.outOfRange) }
            total = t
            rest = tail.drop(while: { $0 == " " })
        }
        return .success(total)
    }
}

/// Scans `123.45` at the start of a substring.
enum NumberScanner {
    static func scan(_ text: Substring) -> (UInt64, UInt64, Int, Substring)? {
        var whole: UInt64 = 0
        var index = text.startIndex
        var sawDigit = false
        var overflow = false
        while index < text.endIndex, let d = text[index].wholeNumberValue, text[index].isASCII {
            sawDigit = true
            let (m, o1) = whole.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            overflow = overflow || o1 || o2
            whole = s
            index = text.index(after: index)
        }
        var fraction: UInt64 = 0
        var digits = 0
        if index < text.endIndex, text[index] == "." {
            index = text.index(after: index)
            while index < text.endIndex, let d = text[index].wholeNumberValue, text[index].isASCII {
                if digits < 18 {
                    fraction = fraction * 10 + UInt64(d)
                    digits += 1
                }
                sawDigit = true
                index = text.index(after: index)
            }
        }
        guard sawDigit else { return nil }
        return (overflow ? UInt64.max : whole, fraction, digits, text[index...])
    }

    /// fraction / 10^digits * multiplier, without overflowing for sane inputs.
    static func scaleFraction(_ fraction: UInt64, digits: Int, by multiplier: UInt64) -> UInt64 {
        guard digits > 0 else { return 0 }
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let (product, overflow) = fraction.multipliedReportingOverflow(by: multiplier)
        if !overflow { return product / divisor }
        return (fraction / max(1, divisor / multiplier))
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
