// The timestamps `status` and `show` report for a unit, kept as its machine
// changes state (never recomputed): systemd's StateChangeTimestamp,
// ActiveEnter/ActiveExit/InactiveEnterTimestamp, and for a service the start
// and exit of its main process. Wall-clock microseconds.
import Activation

struct UnitTimes: Codable {
    var stateChange: UInt64?
    var activeEnter: UInt64?
    var activeExit: UInt64?
    var inactiveEnter: UInt64?
    var mainStart: UInt64?
    var mainExit: UInt64?

    mutating func record(from old: ActiveState, to new: ActiveState, at now: UInt64) {
        guard old != new else { return }
        stateChange = now
        if new == .active { activeEnter = now }
        if old == .active { activeExit = now }
        if new == .inactive || new == .failed { inactiveEnter = now }
    }
}
