// usherd's own per-connection warnings (refused connections, accept errors)
// under the per-unit limit journald puts on a unit's messages, so a flood of
// clients cannot flood the log; and the one "Suppressed N messages from UNIT"
// line that both these and captured service output report their drops with.
import Activation
import Logging
import UnitModel

extension Logger {
    /// journald's report of dropped messages; nothing when none were dropped.
    func logSuppressed(_ count: UInt64, from unit: UnitName) {
        guard count > 0 else { return }
        notice("\(LogRateLimits.suppressionText(count, unit: unit))")
    }
}

extension Daemon {
    /// Logs the note `make` builds, unless `unit` is over its limit; then nothing is built.
    func logConnectionWarning(unit: UnitName, now: UInt64, _ make: () -> Note?) {
        guard case .log(let suppressed) = accept.warningLimits.admit(unit, now: now) else { return }
        logger.logSuppressed(suppressed, from: unit)
        if let note = make() { log(note, unit: unit) }
    }

    /// At stop: reports the warnings of `unit` dropped since the last report.
    func reportSuppressedConnectionWarnings(_ unit: UnitName) {
        logger.logSuppressed(accept.warningLimits.takeSuppressed(unit), from: unit)
    }
}
