// A window + burst rate limit with systemd's semantics (ratelimit_below):
// the window opens at the first event, allows `burst` events, and resets when
// it has passed. Used for TriggerLimit*= and StartLimit*=. Pure value.
import UnitModel

public struct RateLimit: Codable, Sendable, Equatable {
    public let interval: TimeSpan
    public let burst: UInt32
    private var windowStart: UInt64?
    private var count: UInt32 = 0

    public init(interval: TimeSpan, burst: UInt32) {
        self.interval = interval
        self.burst = burst
    }

    /// A zero interval or burst disables the limit, as in systemd.
    public var isDisabled: Bool { interval.microseconds == 0 || burst == 0 }

    /// Records one event at `now` (monotonic µs); false when over the limit.
    public mutating func allow(now: UInt64) -> Bool {
        if isDisabled { return true }
        if let start = windowStart, interval.isInfinity || now < start &+ interval.microseconds {
            if count < burst {
                count += 1
                return true
            }
            return false
        }
        windowStart = now
        count = 1
        return true
    }

    public mutating func reset() {
        windowStart = nil
        count = 0
    }
}
