// usherd --watch, the state and the policy: which inotify watch is which
// directory, and the debounce that turns a burst of changes into one reload
// (200 ms after the last change, at most 2 s after the first, so a writer that
// never pauses cannot hold reloads off). Daemon+Watch performs it.
import UnitModel
import UsherSys

/// When a burst of changes has settled; times are CLOCK_MONOTONIC microseconds.
struct WatchDebounce: Equatable {
    static let quiet = TimeSpan.milliseconds(200)
    static let longest = TimeSpan.seconds(2)
    /// The first change of the burst not reloaded yet; nil when none is pending.
    private(set) var firstChange: UInt64?
    private(set) var lastChange: UInt64 = 0

    enum Action: Equatable {
        case nothing
        /// Arm the one-shot timer; report `.watchDebounceElapsed` after this.
        case armTimer(after: TimeSpan)
        case reload
    }

    /// A change at `now`; only the first of a burst arms the timer.
    mutating func changed(now: UInt64) -> Action {
        lastChange = now
        guard firstChange == nil else { return .nothing }
        firstChange = now
        return .armTimer(after: Self.quiet)
    }

    /// The timer fired at `now`: reload once quiet or once the burst has lasted
    /// `longest`; otherwise wait for whichever comes first.
    mutating func timerFired(now: UInt64) -> Action {
        guard let first = firstChange else { return .nothing }
        let settled = lastChange + Self.quiet.microseconds
        let cap = first + Self.longest.microseconds
        guard now < settled && now < cap else {
            firstChange = nil
            return .reload
        }
        return .armTimer(after: TimeSpan(microseconds: min(settled, cap) - now))
    }
}

/// The inotify instance, what each watch number is, its loop source and the debounce timer.
final class UnitWatch {
    let inotify: Inotify
    /// Watch number → directory (a unit directory or a `.d` directory in one).
    var directories: [Int32: String] = [:]
    var source: EventSource?
    var timer: EventSource?
    var debounce = WatchDebounce()

    init(inotify: Inotify) {
        self.inotify = inotify
    }

    /// Whether a change to this entry counts: editors' swap and backup files
    /// (`.name`, `name~`, `name.swp`) do not. Which files are units is the loader's business.
    static func counts(_ name: String) -> Bool {
        !(name.hasPrefix(".") || name.hasSuffix("~") || name.hasSuffix(".swp"))
    }
}
