// Batched reaping while Accept=yes connections stream in: each instance's
// exit would wake the loop for SIGCHLD just before the next connection wakes
// it again. After a SIGCHLD that follows a recent accept, the SIGCHLD source
// pauses for a short window in which every drain of a listener reaps first;
// the window's timer then resumes SIGCHLD (a pending one fires at once).
// A unit paused at MaxConnections= (defer policy) drains nothing, so SIGCHLD
// resumes as soon as one pauses: its slots come back with the exits.
import UnitModel
import UsherSys

extension Daemon {
    /// How long SIGCHLD stays paused, and how recent an accept must be to pause it.
    static let reapBatchWindow = TimeSpan.milliseconds(10)

    func beginReapBatchIfAccepting() {
        guard !shuttingDown, accept.reapBatchTimer == nil, accept.lastAdmitted > 0,
              monotonicMicroseconds() &- accept.lastAdmitted < Self.reapBatchWindow.microseconds,
              units.acceptSockets.values.allSatisfy({ $0.machine.state != .paused }), let childSignal else { return }
        guard let timer = try? loop.addTimer(after: Self.reapBatchWindow, reporting: .reapBatchElapsed) else { return }
        accept.reapBatchTimer = timer
        childSignal.setEnabled(false)
    }

    func endReapBatch() {
        resumeChildSignal()
        reapChildren()
    }

    /// Ends the window early; a SIGCHLD that came meanwhile is handled by the loop next.
    func resumeChildSignal() {
        guard accept.reapBatchTimer != nil else { return }
        accept.reapBatchTimer = nil
        childSignal?.setEnabled(true)
    }
}
