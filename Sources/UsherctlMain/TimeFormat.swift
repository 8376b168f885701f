// Timestamps as systemd prints them, in the local time zone: `show`'s
// "Wed 2026-12-02 04:31:00 UTC", the journal's short "Dec 02 04:31:00" for
// log lines, and `status`'s "5min 3s ago" (systemd's format_timestamp_relative).
// Inputs are wall-clock microseconds since the epoch, as ControlProtocol sends them.

import FoundationEssentials
import Glibc

enum TimeFormat {
    /// "Wed 2026-12-02 04:31:00 UTC".
    static func timestamp(_ microseconds: UInt64) -> String {
        strftime(microseconds, "%a %Y-%m-%d %H:%M:%S %Z")
    }

    /// "Dec 02 04:31:00", the journal's short form.
    static func short(_ microseconds: UInt64) -> String {
        strftime(microseconds, "%b %d %H:%M:%S")
    }

    /// "5min 3s ago", "2 days ago", "1h 2min left"; "now" when equal.
    static func relative(_ microseconds: UInt64, now: UInt64) -> String {
        let (distance, suffix) = now >= microseconds ? (now - microseconds, "ago") : (microseconds - now, "left")
        guard distance > 0 else { return "now" }
        return span(distance) + " " + suffix
    }

    static func nowMicroseconds() -> UInt64 {
        UInt64(Date().timeIntervalSince1970 * 1_000_000)
    }

    private static let second: UInt64 = 1_000_000
    private static let minute = 60 * second, hour = 60 * minute, day = 24 * hour
    private static let week = 7 * day, month = 2_629_800 * second, year = 31_557_600 * second

    /// systemd's coarse two-unit rendering, the largest units first.
    private static func span(_ d: UInt64) -> String {
        switch d {
        case year...: return "\(d / year) years \(d % year / month) months"
        case month...: return "\(d / month) months \(d % month / day) days"
        case week...: return "\(d / week) weeks \(d % week / day) days"
        case (2 * day)...: return "\(d / day) days"
        case (25 * hour)...: return "1 day \((d - day) / hour)h"
        case (6 * hour)...: return "\(d / hour)h"
        case hour...: return "\(d / hour)h \(d % hour / minute)min"
        case (5 * minute)...: return "\(d / minute)min"
        case minute...: return "\(d / minute)min \(d % minute / second)s"
        case second...: return "\(d / second)s"
        case 1000...: return "\(d / 1000)ms"
        default: return "\(d)us"
        }
    }

    private static func strftime(_ microseconds: UInt64, _ format: String) -> String {
        var seconds = time_t(microseconds / 1_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = Glibc.strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
