// KillMode='s one rule, as systemd.kill(5) and systemd 252's unit_kill_context give it: who
// besides the main and control process a kill step reaches (control-group: every step; mixed:
// the final signal only; process and none: never), and from it what a main process left behind
// gets when the stop goes on without it. The service machine, a service's leftovers and an
// Accept=yes instance's leftovers all ask here.
import UnitModel

/// What the processes a main process left get on systemd's KILL_TERMINATE (stop-sigterm, final-sigterm).
public enum LeftoverStop: Equatable, Sendable {
    /// They keep running: process and none, and mixed with SendSIGKILL=no (mixed signals no
    /// leftover on KILL_TERMINATE and skips stop-sigkill without SendSIGKILL=).
    case spared
    /// KillSignal= (SIGHUP after it with SendSIGHUP=), FinalKillSignal= after TimeoutStopSec=: control-group.
    case terminate
    /// FinalKillSignal= at once (stop-sigkill, as nothing else is left to signal first): mixed.
    case kill
}

extension KillMode {
    /// Whether a kill step signals the rest of the unit's processes (its process groups and what is left
    /// of its sessions), not only the main and control process: `final` is FinalKillSignal= (KILL_KILL).
    public func signalsTheRest(final: Bool) -> Bool {
        switch self {
        case .controlGroup: return true
        case .mixed: return final
        case .process, .none: return false
        }
    }

    /// control-group and mixed stop what a main process leaves behind; process and none leave it running.
    public var stopsLeftovers: Bool { signalsTheRest(final: true) }

    /// What a main process left gets when the stop goes on without it (see LeftoverStop).
    public func leftoverStop(sendSIGKILL: Bool) -> LeftoverStop {
        if signalsTheRest(final: false) { return .terminate }
        return stopsLeftovers && sendSIGKILL ? .kill : .spared
    }
}
