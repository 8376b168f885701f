// The part of a ServiceUnit the service machine needs, read from the unit:
// type and readiness, timeouts, watchdog, KillMode= and its signals, start
// limit, notify access, the command lists and Restart=. Keeps the machine
// independent of how the unit was written, without a copy of its settings.
import UnitModel

public struct ServiceConfig: Codable, Sendable, Equatable {
    /// The unit's box: the only copy of a service's unit (its daemon runtime reads it from here).
    public let sharedUnit: Shared<ServiceUnit>
    private var unit: ServiceUnit { sharedUnit.value }

    public init(unit: ServiceUnit) { sharedUnit = Shared(unit) }

    public var type: ServiceType { unit.type }
    /// notify and dbus: started only by READY=1 or the bus name.
    public var waitsForReady: Bool { type == .notify || type == .dbus }
    public var startTimeout: TimeSpan { unit.timeoutStartSec }
    public var stopTimeout: TimeSpan { unit.timeoutStopSec }
    /// TimeoutAbortSec= (the watchdog's stop timeout), TimeoutStopSec= when unset.
    public var abortTimeout: TimeSpan { unit.timeoutAbortSec ?? unit.timeoutStopSec }
    public var watchdog: TimeSpan? { unit.watchdogSec }
    public var remainAfterExit: Bool { unit.remainAfterExit }
    public var killMode: KillMode { unit.kill.killMode }
    public var sendSIGKILL: Bool { unit.kill.sendSIGKILL }
    /// One stop step's signals for `operation` (KillContext.stopSignals(for:)).
    public func stopSignals(for operation: KillOperation) -> [Int32] { unit.kill.stopSignals(for: operation) }
    /// Type=forking: read the main pid from this file after the start process exited.
    public var pidFile: String? { unit.pidFile }
    public var guessMainPID: Bool { unit.guessMainPID }
    public var busName: String? { unit.busName }
    public var successExitStatus: [Int32] { unit.successExitStatus }
    public var successExitSignals: [Int32] { unit.successExitSignals }
    public var restart: RestartPolicy { unit.restart }
    public var restartSec: TimeSpan { unit.restartSec }
    public var restartPreventExitStatus: [Int32] { unit.restartPreventExitStatus }
    public var restartPreventExitSignals: [Int32] { unit.restartPreventExitSignals }
    public var restartForceExitStatus: [Int32] { unit.restartForceExitStatus }
    public var restartForceExitSignals: [Int32] { unit.restartForceExitSignals }
    public var startLimitInterval: TimeSpan { unit.startLimitInterval }
    public var startLimitBurst: UInt32 { unit.startLimitBurst }
    public var notifyAccess: NotifyAccess { ServiceConfig.effectiveNotifyAccess(unit) }

    /// NotifyAccess=, or main for Type=notify and for a service with WatchdogSec= (as systemd derives it).
    public static func effectiveNotifyAccess(_ unit: ServiceUnit) -> NotifyAccess {
        if let access = unit.notifyAccess { return access }
        return unit.type == .notify || unit.watchdogSec != nil ? .main : .none
    }

    /// Equal when the machine would act the same: the derived settings, not the whole unit.
    public static func == (a: ServiceConfig, b: ServiceConfig) -> Bool {
        a.sharedUnit === b.sharedUnit || SavedServiceConfig(a) == SavedServiceConfig(b)
    }

    /// Encoded as the derived settings (what a re-exec state has always carried), not the unit.
    public func encode(to encoder: any Encoder) throws { try SavedServiceConfig(self).encode(to: encoder) }

    /// From a re-exec state: on a unit rebuilt from the derived settings, until the
    /// daemon puts the machine back on its saved unit (ServiceMachine.reattach).
    public init(from decoder: any Decoder) throws {
        self.init(unit: try SavedServiceConfig(from: decoder).unit)
    }

    public var hasExecStop: Bool { commandCount(.stop) > 0 }

    /// The unit's command lines of `phase`.
    public func commands(_ phase: ExecPhase) -> [CommandLine] {
        switch phase {
        case .startPre: return unit.execStartPre
        case .start: return unit.execStart
        case .startPost: return unit.execStartPost
        case .reload: return unit.execReload
        case .stop: return unit.execStop
        case .stopPost: return unit.execStopPost
        }
    }

    /// Per command of `phase` (several ExecStart= only for Type=oneshot): whether `-` ignores its failure.
    func ignoreFlags(_ phase: ExecPhase) -> [Bool] { commands(phase).map(\.ignoreFailure) }

    func commandCount(_ phase: ExecPhase) -> Int { commands(phase).count }

    func ignoresFailure(of phase: ExecPhase, index: Int) -> Bool {
        let commands = commands(phase)
        return index < commands.count && commands[index].ignoreFailure
    }

    /// systemd's Restart= table: `result` is nil on success, else the failure
    /// result (exit-code, signal, core-dump, timeout, watchdog, …).
    /// RestartPreventExitStatus= wins over every setting, then RestartForceExitStatus=.
    public func shouldRestart(result: UnitResult?, mainExit: ExitStatus?) -> Bool {
        if let mainExit {
            if prevents(mainExit) { return false }
            if forces(mainExit) { return true }
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

    private func prevents(_ exit: ExitStatus) -> Bool {
        switch exit {
        case .exited(let code): return restartPreventExitStatus.contains(code)
        case .killed(let signal), .dumped(let signal): return restartPreventExitSignals.contains(signal)
        }
    }

    private func forces(_ exit: ExitStatus) -> Bool {
        switch exit {
        case .exited(let code): return restartForceExitStatus.contains(code)
        case .killed(let signal), .dumped(let signal): return restartForceExitSignals.contains(signal)
        }
    }
}
