// The part of a ServiceUnit the service machine needs, resolved once:
// type and readiness, timeouts, watchdog, KillMode= and its signals, start
// limit, notify access, the command lists and Restart=. Keeps the machine independent of how the unit
// was written.
import UnitModel

public struct ServiceConfig: Codable, Sendable, Equatable {
    public var type: ServiceType
    /// notify and dbus: started only by READY=1 or the bus name.
    public var waitsForReady: Bool
    public var startTimeout: TimeSpan
    public var stopTimeout: TimeSpan
    /// TimeoutAbortSec= (the watchdog's stop timeout), TimeoutStopSec= when unset.
    public var abortTimeout: TimeSpan
    public var watchdog: TimeSpan?
    public var remainAfterExit: Bool
    public var killMode: KillMode
    public var killSignal: Int32
    /// RestartKillSignal=, KillSignal= when unset.
    public var restartKillSignal: Int32
    public var finalKillSignal: Int32
    public var watchdogSignal: Int32
    public var sendSIGKILL: Bool
    /// SendSIGHUP= as KillContext.sendsSIGHUP resolves it (never when KillSignal= is SIGHUP already).
    public var sendSIGHUP: Bool
    /// Per ExecStart= command (several only for Type=oneshot): whether `-` ignores its failure.
    public var start: [Bool]
    public var stop: [Bool]
    public var reload: [Bool]
    /// Type=forking: read the main pid from this file after the start process exited.
    public var pidFile: String?
    public var guessMainPID: Bool
    public var busName: String?
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
    public var restartForceExitStatus: [Int32]
    public var restartForceExitSignals: [Int32]
    public var startLimitInterval: TimeSpan
    public var startLimitBurst: UInt32
    public var notifyAccess: NotifyAccess

    public init(unit: ServiceUnit) {
        type = unit.type
        waitsForReady = unit.type == .notify || unit.type == .dbus
        startTimeout = unit.timeoutStartSec
        stopTimeout = unit.timeoutStopSec
        abortTimeout = unit.timeoutAbortSec ?? unit.timeoutStopSec
        watchdog = unit.watchdogSec
        remainAfterExit = unit.remainAfterExit
        killMode = unit.kill.killMode
        killSignal = unit.kill.killSignal
        restartKillSignal = unit.kill.restartKillSignal ?? unit.kill.killSignal
        finalKillSignal = unit.kill.finalKillSignal
        watchdogSignal = unit.kill.watchdogSignal
        sendSIGKILL = unit.kill.sendSIGKILL
        sendSIGHUP = unit.kill.sendsSIGHUP
        start = unit.execStart.map(\.ignoreFailure)
        stop = unit.execStop.map(\.ignoreFailure)
        reload = unit.execReload.map(\.ignoreFailure)
        pidFile = unit.pidFile
        guessMainPID = unit.guessMainPID
        busName = unit.busName
        restartForceExitStatus = unit.restartForceExitStatus
        restartForceExitSignals = unit.restartForceExitSignals
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
        notifyAccess = ServiceConfig.effectiveNotifyAccess(unit)
    }

    /// NotifyAccess=, or main for Type=notify and for a service with WatchdogSec= (as systemd derives it).
    public static func effectiveNotifyAccess(_ unit: ServiceUnit) -> NotifyAccess {
        if let access = unit.notifyAccess { return access }
        return unit.type == .notify || unit.watchdogSec != nil ? .main : .none
    }

    public var hasExecStop: Bool { !stop.isEmpty }

    /// Per command of `phase`: whether `-` ignores its failure (so also how many commands it has).
    func ignoreFlags(_ phase: ExecPhase) -> [Bool] {
        switch phase {
        case .startPre: return startPre
        case .start: return start
        case .startPost: return startPost
        case .reload: return reload
        case .stop: return stop
        case .stopPost: return stopPost
        }
    }

    func commandCount(_ phase: ExecPhase) -> Int { ignoreFlags(phase).count }

    func ignoresFailure(of phase: ExecPhase, index: Int) -> Bool {
        let flags = ignoreFlags(phase)
        return index < flags.count && flags[index]
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
