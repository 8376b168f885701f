// The part of a ServiceUnit the service machine needs, resolved once:
// readiness, timeouts, kill settings, start limit, notify access. Keeps the
// machine independent of how the unit was written.
import UnitModel

public struct ServiceConfig: Sendable, Equatable {
    public var waitsForReady: Bool
    public var startTimeout: TimeSpan
    public var stopTimeout: TimeSpan
    public var killSignal: Int32
    public var sendSIGKILL: Bool
    public var hasExecStop: Bool
    public var successExitStatus: [Int32]
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
        startLimitInterval = unit.startLimitInterval
        startLimitBurst = unit.startLimitBurst
        notifyAccess = unit.notifyAccess ?? (unit.type == .notify ? .main : .none)
    }

    /// NotifyAccess=: main accepts the main process, exec also the control process.
    public func notifyAccepted(from sender: Int32, mainPID: Int32?, controlPID: Int32?) -> Bool {
        switch notifyAccess {
        case .none: return false
        case .all: return true
        case .main: return sender == mainPID
        case .exec: return sender == mainPID || sender == controlPID
        }
    }
}
