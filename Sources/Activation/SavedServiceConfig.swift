// A ServiceConfig as usherd's re-exec state carries it: the derived settings,
// field by field, in the shape the config had when it was a copy of them.
// Encoding a config writes this; decoding one rebuilds a unit that derives the
// same settings, for the machine to run on until it is put back on its unit.
import UnitModel

struct SavedServiceConfig: Codable, Equatable {
    var type: ServiceType
    var waitsForReady: Bool
    var startTimeout: TimeSpan
    var stopTimeout: TimeSpan
    var abortTimeout: TimeSpan
    var watchdog: TimeSpan?
    var remainAfterExit: Bool
    var killMode: KillMode
    var killSignal: Int32
    var restartKillSignal: Int32
    var finalKillSignal: Int32
    var watchdogSignal: Int32
    var sendSIGKILL: Bool
    var sendSIGHUP: Bool
    var start: [Bool]
    var stop: [Bool]
    var reload: [Bool]
    var pidFile: String?
    var guessMainPID: Bool
    var busName: String?
    var successExitStatus: [Int32]
    var successExitSignals: [Int32]
    var startPre: [Bool]
    var startPost: [Bool]
    var stopPost: [Bool]
    var restart: RestartPolicy
    var restartSec: TimeSpan
    var restartPreventExitStatus: [Int32]
    var restartPreventExitSignals: [Int32]
    var restartForceExitStatus: [Int32]
    var restartForceExitSignals: [Int32]
    var startLimitInterval: TimeSpan
    var startLimitBurst: UInt32
    var notifyAccess: NotifyAccess

    init(_ config: ServiceConfig) {
        (type, waitsForReady, startTimeout, stopTimeout) = (config.type, config.waitsForReady, config.startTimeout, config.stopTimeout)
        (abortTimeout, watchdog, remainAfterExit) = (config.abortTimeout, config.watchdog, config.remainAfterExit)
        // The signals as the previous image resolved them (RestartKillSignal= falling back to
        // KillSignal=, SendSIGHUP= never with KillSignal=SIGHUP); the machine asks stopSignals(for:).
        let kill = config.sharedUnit.value.kill
        (killMode, killSignal, restartKillSignal) = (config.killMode, kill.killSignal, kill.restartKillSignal ?? kill.killSignal)
        (finalKillSignal, watchdogSignal) = (kill.finalKillSignal, kill.watchdogSignal)
        (sendSIGKILL, sendSIGHUP) = (config.sendSIGKILL, kill.sendsSIGHUP)
        (startPre, start, startPost) = (config.ignoreFlags(.startPre), config.ignoreFlags(.start), config.ignoreFlags(.startPost))
        (reload, stop, stopPost) = (config.ignoreFlags(.reload), config.ignoreFlags(.stop), config.ignoreFlags(.stopPost))
        (pidFile, guessMainPID, busName) = (config.pidFile, config.guessMainPID, config.busName)
        (successExitStatus, successExitSignals) = (config.successExitStatus, config.successExitSignals)
        (restart, restartSec) = (config.restart, config.restartSec)
        (restartPreventExitStatus, restartPreventExitSignals) = (config.restartPreventExitStatus, config.restartPreventExitSignals)
        (restartForceExitStatus, restartForceExitSignals) = (config.restartForceExitStatus, config.restartForceExitSignals)
        (startLimitInterval, startLimitBurst, notifyAccess) = (config.startLimitInterval, config.startLimitBurst, config.notifyAccess)
    }

    /// A unit (with placeholder commands that carry only their `-` flags) that derives these settings.
    var unit: ServiceUnit {
        var unit = ServiceUnit(name: UnitName("saved.service"))
        (unit.type, unit.timeoutStartSec, unit.timeoutStopSec) = (type, startTimeout, stopTimeout)
        (unit.timeoutAbortSec, unit.watchdogSec, unit.remainAfterExit) = (abortTimeout, watchdog, remainAfterExit)
        (unit.kill.killMode, unit.kill.killSignal, unit.kill.restartKillSignal) = (killMode, killSignal, restartKillSignal)
        (unit.kill.finalKillSignal, unit.kill.watchdogSignal) = (finalKillSignal, watchdogSignal)
        (unit.kill.sendSIGKILL, unit.kill.sendSIGHUP) = (sendSIGKILL, sendSIGHUP)
        let commands = { (flags: [Bool]) in flags.map { CommandLine(path: "", arguments: [], ignoreFailure: $0) } }
        (unit.execStartPre, unit.execStart, unit.execStartPost) = (commands(startPre), commands(start), commands(startPost))
        (unit.execReload, unit.execStop, unit.execStopPost) = (commands(reload), commands(stop), commands(stopPost))
        (unit.pidFile, unit.guessMainPID, unit.busName) = (pidFile, guessMainPID, busName)
        (unit.successExitStatus, unit.successExitSignals) = (successExitStatus, successExitSignals)
        (unit.restart, unit.restartSec) = (restart, restartSec)
        (unit.restartPreventExitStatus, unit.restartPreventExitSignals) = (restartPreventExitStatus, restartPreventExitSignals)
        (unit.restartForceExitStatus, unit.restartForceExitSignals) = (restartForceExitStatus, restartForceExitSignals)
        (unit.startLimitInterval, unit.startLimitBurst, unit.notifyAccess) = (startLimitInterval, startLimitBurst, notifyAccess)
        return unit
    }
}
