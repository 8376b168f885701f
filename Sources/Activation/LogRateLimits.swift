// journald's per-unit log rate limit (journald.conf RateLimitIntervalSec=30s,
// RateLimitBurst=10000): past the burst, a unit's messages are dropped until
// its window has passed; the next message that gets through, or a flush,
// reports "Suppressed N messages from UNIT" first. Lazy: no timer. Pure value.
import UnitModel

/// What to do with one message.
public enum LogAdmission: Sendable, Equatable {
    /// Log it, after a suppression line when `suppressedBefore` is not zero.
    case log(suppressedBefore: UInt64)
    case drop
}

public struct LogRateLimits: Sendable, Equatable {
    private struct Entry: Sendable, Equatable {
        var limit: RateLimit
        var suppressed: UInt64 = 0

        mutating func admit(now: UInt64) -> LogAdmission {
            guard limit.allow(now: now) else {
                suppressed += 1
                return .drop
            }
            // Once over the burst, RateLimit refuses until the window has passed,
            // so a message let through after drops always opens a new window.
            defer { suppressed = 0 }
            return .log(suppressedBefore: suppressed)
        }
    }

    public static let journaldInterval = TimeSpan.seconds(30)
    public static let journaldBurst: UInt32 = 10_000

    public let interval: TimeSpan
    public let burst: UInt32
    private var units: [UnitName: Entry] = [:]

    public init(interval: TimeSpan = journaldInterval, burst: UInt32 = journaldBurst) {
        self.interval = interval
        self.burst = burst
    }

    /// Counts one message of `unit` at `now` (monotonic µs).
    public mutating func admit(_ unit: UnitName, now: UInt64) -> LogAdmission {
        units[unit, default: Entry(limit: RateLimit(interval: interval, burst: burst))].admit(now: now)
    }

    /// The messages of `unit` dropped and not reported yet; forgets them (the window stays).
    public mutating func takeSuppressed(_ unit: UnitName) -> UInt64 {
        guard let suppressed = units[unit]?.suppressed, suppressed > 0 else { return 0 }
        units[unit]?.suppressed = 0
        return suppressed
    }

    /// Every unit's unreported drops, by unit name (at shutdown); forgets them.
    public mutating func takeAllSuppressed() -> [(unit: UnitName, count: UInt64)] {
        units.keys.sorted().compactMap { unit in
            let count = takeSuppressed(unit)
            return count > 0 ? (unit, count) : nil
        }
    }

    /// journald's wording for the report line.
    public static func suppressionText(_ count: UInt64, unit: UnitName) -> String {
        "Suppressed \(count) messages from \(unit)"
    }
}
