// The part of a ServiceUnit the service machine needs, resolved once:
// readiness, timeouts, kill settings, start limit, notify access, the control
// command lists and Restart=. Keeps the machine independent of how the unit
// was written.
import UnitModel

public struct ServiceConfig: Codable, Sendable, Equatable {
    public var waitsForReady: Bool
    public var startTimeout: TimeSpan
    public var stopTimeout: TimeSpan
    public var killSignal: Int32
    public var sendSIGKILL: Bool
    public var hasExecStop: Bool
    public var successExitStatus: [Int32]
    public var successExitSignals: [Int32]
    /// Per command of ExecStartPre=/ExecStartPost=/ExecStopPost=: whether `-` ignores its failure.
    public var startPre: [Bool]
    public var startPost: [Bool]
    public var stopPost: [Bool]
    public var restart: RestartPolicy
    public var restartSec: TimeSpan
    public var restartPreventExitStatus: [Int32]
    public var restartPreventExitSignals: [Int32]
    public var startLimitInterval: TimeSpan
    public var startLimitBurst: UInt32
    public var notifyAccess: NotifyAccess

    public init(unit: ServiceUnit) {
        waitsForReady = unit.type == .notify
        startTimeout = unit.timeoutStartSec
        stopTimeout = unit.timeoutStopSec
        killSignal = unit.kill.killSignal
        sendSIGKILL = unit.kill.sendSIGKILL
        hasExecStop = !unit.execStop.isEmpty
        successExitStatus = unit.successExitStatus
        successExitSignals = unit.successExitSignals
        startPre = unit.execStartPre.map(\.ignoreFailure)
        startPost = unit.execStartPost.map(\.ignoreFailure)
        stopPost = unit.execStopPost.map(\.ignoreFailure)
        restart = unit.restart
        restartSec = unit.restartSec
        restartPreventExitStatus = unit.restartPreventExitStatus
        restartPreventExitSignals = unit.restartPreventExitSignals
        startLimitInterval = unit.startLimitInterval
        startLimitBurst = unit.startLimitBurst
        notifyAccess = unit.notifyAccess ?? (unit.type == .notify ? .main : .none)
    }

    func commandCount(_ phase: ExecPhase) -> Int {
        switch phase {
        case .startPre: return startPre.count
        case .startPost: return startPost.count
        case .stopPost: return stopPost.count
        }
    }

    func ignoresFailure(of phase: ExecPhase, index: Int) -> Bool {
        let flags: [Bool]
        switch phase {
        case .startPre: flags = startPre
        case .startPost: flags = startPost
        case .stopPost: flags = stopPost
        }
        return index < flags.count && flags[index]
    }

    /// systemd's Restart= table: `result` is nil on success, else the failure
    /// result (exit-code, signal, core-dump, timeout, watchdog, …).
    /// RestartPreventExitStatus= wins over every setting.
    public func shouldRestart(result: UnitResult?, mainExit: ExitStatus?) -> Bool {
        switch mainExit {
        case .exited(let code)? where restartPreventExitStatus.contains(code): return false
        case .killed(let signal)? where restartPreventExitSignals.contains(signal): return false
        case .dumped(let signal)? where restartPreventExitSignals.contains(signal): return false
        default: break
        }
        switch restart {
        case .no: return false
        case .always: return true
        case .onSuccess: return result == nil
        case .onFailure: return result != nil
        case .onAbnormal: return result != nil && result != .exitCode
        case .onWatchdog: return result == .watchdog
        case .onAbort: return result == .signal || result == .coreDump
        }
    }
}
