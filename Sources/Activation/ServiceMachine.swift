// The life of one service, as systemd 252 runs it: ExecStartPre= → main
// process (Type=notify/dbus wait for READY=1 or the bus name, Type=oneshot for
// each ExecStart= to exit, Type=forking for the parent to exit and a main pid)
// → ExecStartPost= → running (or exited with RemainAfterExit=) → ExecStop= →
// the kill sequence as KillMode= says → ExecStopPost= → inactive, failed, or
// Restart= after RestartSec=. Each event returns actions; the daemon spawns,
// signals and arms the service's timer and watchdog. Pure value, tested without processes.
import UnitModel

public enum ServiceEvent: Sendable, Equatable {
    case startRequested(now: UInt64)
    /// The main process (for Type=forking the start process) exists; `execFailed`: it
    /// failed before execve (CSpawn reported the step) and will exit with its status.
    case spawned(pid: Int32, execFailed: Bool = false)
    /// Type=forking: the main pid read from PIDFile= or guessed (nil: none could be guessed).
    case mainPIDFound(Int32?)
    /// Type=forking: PIDFile= names no suitable process and none of the service is left.
    case pidFileFailed
    /// Type=dbus: BusName= appeared on the system bus.
    case busNameAcquired
    /// Type=dbus: BusName= lost its owner.
    case busNameLost
    /// WatchdogSec= (or WATCHDOG_USEC=) passed without WATCHDOG=1.
    case watchdogExpired
    /// `usherctl reload`: ExecReload= with $MAINPID.
    case reloadRequested
    /// No process could be created (user lookup, pipe, clone); `reason` says why.
    case spawnFailed(reason: String)
    case controlSpawned(pid: Int32)
    /// A control command (ExecStartPre=, ExecStop=, …) could not be started.
    case controlSpawnFailed(reason: String)
    /// A process of the service ended; `leftovers` says whether other processes
    /// of its session or group remain (the daemon looked in /proc).
    case childExited(pid: Int32, status: ExitStatus, leftovers: Bool = false)
    /// A main process that is not usherd's child (MAINPID= from root) is gone; its status is unknown.
    case mainGone(pid: Int32)
    /// Nothing of the service is left after its main process ended.
    case leftoversGone
    /// A datagram on NOTIFY_SOCKET from a process of this service; `claim` judges its MAINPID=.
    case notify(NotifyMessage, sender: NotifySender, claim: MainPIDClaim? = nil)
    case stopRequested
    /// The stop half of `usherctl restart`: RestartKillSignal= instead of KillSignal=.
    case restartStopRequested
    /// An admin's `reset-failed`: a failed service becomes inactive and its start limit starts over.
    case resetFailed
    /// The service's timer expired at monotonic time `now` (µs).
    case timerFired(now: UInt64)
}

/// The command lists; all but ExecStart= run as the control process
/// (Type=forking's ExecStart= too, as in systemd).
public enum ExecPhase: String, Codable, Sendable, Equatable {
    case startPre = "ExecStartPre", start = "ExecStart", startPost = "ExecStartPost", reload = "ExecReload"
    case stop = "ExecStop", stopPost = "ExecStopPost"
}

/// One variable the daemon adds to a control command's environment.
public struct ExtraVariable: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

public enum ServiceAction: Sendable, Equatable {
    /// Spawn ExecStart= number `mainCommandIndex` with the listening fds.
    case spawnMain
    /// Run command `index` of `phase` as the control process (no listening fds).
    case spawnControl(ExecPhase, index: Int, environment: [ExtraVariable])
    /// Send to the process group led by `pid` (KillMode=control-group, mixed's SIGKILL).
    case signalGroup(pid: Int32, signal: Int32)
    /// Send to the process `pid` alone (KillMode=process, mixed's SIGTERM).
    case signalProcess(pid: Int32, signal: Int32)
    /// Send to what is left of the service after its main process ended (its
    /// sessions' and groups' members), a stop step's signals in turn to each; report `.leftoversGone`.
    case signalLeftovers(signals: [Int32])
    /// Follow a main process that is not usherd's child (through a pidfd).
    case watchMainPID(Int32)
    case armTimer(TimeSpan)
    case cancelTimer
    /// EXTEND_TIMEOUT_USEC=: move the timer (and the watchdog) to now + span when that is later.
    case extendTimer(TimeSpan)
    case armWatchdog(TimeSpan)
    case cancelWatchdog
    /// Type=forking: read PIDFile= (until it appears) or guess; report `.mainPIDFound`.
    case findMainPID
    /// Type=dbus: watch the system bus for BusName=; report `.busNameAcquired`.
    case watchBusName(String)
    /// Tell the service's sockets to stop watching.
    case becameActive
    /// Tell the sockets to watch again.
    case becameInactive
    case startLimitHit
    case log(Note)
}

public struct ServiceMachine: Codable, Sendable, Equatable {
    public enum StopPhase: Codable, Sendable, Equatable { case execStop, signalled, watchdog, killed }

    public enum State: Codable, Sendable, Equatable {
        case inactive
        case failed(result: UnitResult)
        /// ExecStartPre= commands running.
        case startPre
        /// Spawn requested; pid not known yet.
        case spawning
        case starting
        /// ExecStartPost= commands running.
        case startPost
        case running
        /// RemainAfterExit=yes: the main process ended well; the service stays active.
        case exited
        /// ExecReload= runs, or RELOADING=1 until READY=1.
        case reloading
        case stopping(StopPhase)
        /// ExecStopPost= commands running.
        case stopPost
        /// Waiting RestartSec= before starting again.
        case autoRestart
    }

    public private(set) var config: ServiceConfig
    public internal(set) var state: State = .inactive
    public internal(set) var mainPID: Int32?
    public internal(set) var controlPID: Int32?
    public internal(set) var statusText: String?
    /// Automatic restarts so far (systemd's restart counter).
    public internal(set) var restartCount: UInt32 = 0
    var startLimit: RateLimit
    /// Result recorded while stopping (a timeout turns success into failure).
    var pendingResult: UnitResult?
    /// How the main process of this run ended, for EXIT_CODE=/EXIT_STATUS= and RestartPreventExitStatus=.
    public internal(set) var mainExit: ExitStatus?
    /// The control command list running and its position.
    var controlPhase: ExecPhase?
    var controlIndex = 0
    /// The ExecStart= command of this run (Type=oneshot runs them in order).
    public internal(set) var mainCommandIndex = 0
    /// Type=forking without a main pid: the service lives while its processes do.
    public internal(set) var mainUnknown = false
    /// Whether other processes of the service were left when a process last ended.
    var leftoversSeen = false
    /// ERRNO= from the service.
    public internal(set) var statusErrno: Int32?
    /// WATCHDOG_USEC= from the service, replacing WatchdogSec=.
    public internal(set) var watchdogOverride: TimeSpan?
    /// The result of the last reload (nil while none ran).
    public internal(set) var reloadResult: UnitResult?
    /// STOPPING=1 was sent.
    var notifiedStopping = false
    /// This stop is the first half of a restart requested by an admin.
    var restarting = false
    /// Set by a stop request: this run ends without Restart=.
    var forbidRestart = false
    var stopPostRan = false
    /// The main process ended and other processes of the service are being stopped.
    public internal(set) var awaitingLeftovers = false
    /// A refused notification was logged in this run (one line per run, not per datagram).
    var notifyRefusalLogged = false

    public init(config: ServiceConfig) {
        self.config = config
        startLimit = RateLimit(interval: config.startLimitInterval, burst: config.startLimitBurst)
    }

    /// Takes a reloaded unit's settings for the next start; state and restart count stay.
    /// Only for a machine that is not active: a running process keeps its definition.
    public mutating func adopt(_ newConfig: ServiceConfig) {
        config = newConfig
        startLimit = RateLimit(interval: newConfig.startLimitInterval, burst: newConfig.startLimitBurst)
    }

    /// Puts the machine on `config`, the unit's box, its settings derived from that
    /// unit (after a re-exec the state carries derived settings, and an older
    /// image's may hold one unresolved, as SendSIGHUP= was written).
    public mutating func reattach(to config: ServiceConfig) {
        self.config = config
    }

    /// Everything but inactive and failed, including a pending restart.
    public var isActive: Bool {
        switch state {
        case .inactive, .failed: return false
        case .startPre, .spawning, .starting, .startPost, .running, .exited, .reloading, .stopping, .stopPost,
             .autoRestart:
            return true
        }
    }

    public mutating func handle(_ event: ServiceEvent) -> [ServiceAction] {
        switch event {
        case .startRequested(let now): return isActive ? [.becameActive] : beginStart(now: now)
        case .spawned(let pid, let execFailed): return spawned(pid: pid, execFailed: execFailed)
        case .mainPIDFound(let pid): return mainPIDFound(pid)
        case .pidFileFailed: return state == .starting ? [.cancelTimer] + failStart(.protocol) : []
        case .busNameAcquired: return busNameAcquired()
        case .busNameLost: return busNameLost()
        case .watchdogExpired: return watchdogExpired()
        case .reloadRequested: return reloadRequested()
        case .spawnFailed(let reason):
            return [.log(Note(.error, reason))] + enterStopPost(failure: .resources)
        case .controlSpawned(let pid):
            controlPID = pid
            return []
        case .controlSpawnFailed(let reason): return controlSpawnFailed(reason)
        case .childExited(let pid, let status, let leftovers):
            leftoversSeen = leftovers
            if let control = controlPID, pid == control { return controlExited(status, leftovers: leftovers) }
            guard pid == mainPID else { return [] }
            return mainExited(status, leftovers: leftovers)
        case .mainGone(let pid):
            guard pid == mainPID else { return [] }
            return [.log(Note(.info, "Main process \(pid) (not a child of usherd) is gone; its exit status is unknown."))]
                + mainExited(.exited(0), leftovers: false, logExit: false)
        case .leftoversGone: return leftoversGone()
        case .notify(let message, let sender, let claim): return notify(message, sender: sender, claim: claim)
        case .stopRequested, .restartStopRequested:
            forbidRestart = true
            restarting = event == .restartStopRequested
            return requestStop()
        case .resetFailed:
            startLimit.reset()
            guard case .failed = state else { return [] }
            state = .inactive
            return []
        case .timerFired(let now): return timerFired(now: now)
        }
    }

    mutating func beginStart(now: UInt64) -> [ServiceAction] {
        guard startLimit.allow(now: now) else {
            state = .failed(result: .startLimitHit)
            return [.log(Note(.error, "Start request repeated too quickly.")),
                    .log(Note(.error, "Failed with result 'start-limit-hit'.")), .startLimitHit]
        }
        mainPID = nil
        controlPID = nil
        statusText = nil
        pendingResult = nil
        mainExit = nil
        forbidRestart = false
        stopPostRan = false
        awaitingLeftovers = false
        notifyRefusalLogged = false
        mainCommandIndex = 0
        mainUnknown = false
        leftoversSeen = false
        statusErrno = nil
        watchdogOverride = nil
        reloadResult = nil
        notifiedStopping = false
        restarting = false
        if config.commandCount(.startPre) == 0 {
            state = .spawning
            return [.becameActive, .spawnMain]
        }
        state = .startPre
        return [.becameActive] + runControl(.startPre, index: 0, timeout: config.startTimeout)
    }

    mutating func runControl(_ phase: ExecPhase, index: Int, timeout: TimeSpan,
                             environment: [ExtraVariable] = []) -> [ServiceAction] {
        controlPhase = phase
        controlIndex = index
        let timer: [ServiceAction] = timeout.isInfinity ? [.cancelTimer] : [.armTimer(timeout)]
        return [.spawnControl(phase, index: index, environment: environment)] + timer
    }

    private mutating func spawned(pid: Int32, execFailed: Bool) -> [ServiceAction] {
        guard state == .spawning || state == .starting else { return [] }
        let timer: [ServiceAction] = config.startTimeout.isInfinity ? [] : [.armTimer(config.startTimeout)]
        let first = state == .spawning
        state = .starting
        switch config.type {
        case .forking:
            controlPID = pid
            controlPhase = .start
            controlIndex = 0
            return timer
        case .oneshot:
            mainPID = pid
            return first ? timer : []
        case .notify, .dbus:
            mainPID = pid
            let bus: [ServiceAction] = config.type == .dbus ? config.busName.map { [.watchBusName($0)] } ?? [] : []
            return timer + bus
        case .exec:
            mainPID = pid
            // The start succeeds only once execve succeeded; a failed one ends with the setup status.
            return execFailed ? timer : enterStartPost()
        case .simple, .idle:
            mainPID = pid
            return enterStartPost()
        }
    }

    /// After the main process started (and READY=1): ExecStartPost=, or running.
    mutating func enterStartPost() -> [ServiceAction] {
        let watchdog = resetWatchdog()
        if config.commandCount(.startPost) == 0 { return watchdog + enterRunning() }
        state = .startPost
        return watchdog + runControl(.startPost, index: 0, timeout: config.startTimeout)
    }

    /// systemd's service_enter_running: a failure stops the service; a live main
    /// process (or, for a forking service without one, live processes) is running;
    /// otherwise exited with RemainAfterExit=, else ExecStop= and the stop.
    mutating func enterRunning() -> [ServiceAction] {
        if pendingResult != nil { return sendKillSignal() }
        if (mainPID != nil || mainUnknown) && !notifiedStopping {
            state = .running
            return []
        }
        if config.remainAfterExit {
            state = .exited
            return stopWatchdog()
        }
        return enterStop(failure: nil)
    }

    private mutating func mainExited(_ status: ExitStatus, leftovers: Bool, logExit: Bool = true) -> [ServiceAction] {
        mainPID = nil
        mainExit = status
        let clean = mainExitIsClean(status)
        let actions: [ServiceAction] = logExit ? [.log(Note(clean ? .info : .warning, "Main process exited, \(status)"))] : []
        // As systemd's is_clean_exit: a death by the stop's own signal is clean only when that
        // signal is (SIGHUP, SIGINT, SIGTERM, SIGPIPE, or one SuccessExitStatus= lists).
        switch state {
        case .stopping(.execStop):
            if !clean { pendingResult = pendingResult ?? status.failureResult }
            return actions
        case .stopping(.killed):
            pendingResult = pendingResult ?? .timeout
        case .stopping(.signalled), .stopping(.watchdog):
            if !clean { pendingResult = pendingResult ?? status.failureResult }
        case .starting:
            return actions + mainExitedWhileStarting(status, clean: clean)
        case .running:
            if !clean { pendingResult = pendingResult ?? status.failureResult }
            return actions + enterRunning()
        case .reloading:
            if !clean { pendingResult = pendingResult ?? status.failureResult }
            // A running ExecReload= finishes first; without one the reload cannot end well.
            if controlPID != nil { return actions }
            return actions + enterStop(failure: nil)
        case .spawning, .startPost, .exited, .stopPost, .inactive, .failed, .startPre, .autoRestart:
            if !clean { pendingResult = pendingResult ?? status.failureResult }
        }
        // ExecStartPost= or a signalled control process still runs: wait for it.
        if controlPID != nil { return actions }
        return actions + afterLastProcess(leftovers: leftovers)
    }

    /// oneshot: the next ExecStart=, or start-post after the last; notify and
    /// dbus: ending before being ready is a protocol failure.
    private mutating func mainExitedWhileStarting(_ status: ExitStatus, clean: Bool) -> [ServiceAction] {
        if config.type == .oneshot && clean {
            if mainCommandIndex + 1 < config.commandCount(.start) {
                mainCommandIndex += 1
                return [.spawnMain]
            }
            return [.cancelTimer] + enterStartPost()
        }
        if clean && config.waitsForReady {
            pendingResult = pendingResult ?? .protocol
            let what = config.type == .dbus ? "acquiring its bus name" : "READY=1"
            return [.log(Note(.error, "Main process exited before \(what).")), .cancelTimer] + sendKillSignal()
        }
        if clean { return [.cancelTimer] + enterStartPost() }
        pendingResult = pendingResult ?? status.failureResult
        return [.cancelTimer] + sendKillSignal()
    }

    /// SuccessExitStatus= and `-` on ExecStart=; Type=oneshot judges its commands as commands.
    private func mainExitIsClean(_ status: ExitStatus) -> Bool {
        if config.type == .oneshot {
            return status.isCleanCommand(successStatuses: config.successExitStatus, successSignals: config.successExitSignals)
                || config.ignoresFailure(of: .start, index: mainCommandIndex)
        }
        return status.isClean(successStatuses: config.successExitStatus, successSignals: config.successExitSignals)
            || config.ignoresFailure(of: .start, index: mainCommandIndex)
    }

    /// Main and control process are gone: stop what they left (as KillMode= says), or go on to ExecStopPost=.
    mutating func afterLastProcess(leftovers: Bool) -> [ServiceAction] {
        leftovers ? stopLeftovers() : enterStopPost(failure: nil)
    }

    /// What the main process left behind, as systemd 252 treats it in stop-sigterm (the main process exited
    /// while running: service_enter_stop) or final-sigterm (it exited during a stop), both KILL_TERMINATE:
    /// KillSignal= (and SIGHUP with SendSIGHUP=), the final signal after TimeoutStopSec=. KillMode=mixed
    /// signals no leftover on KILL_TERMINATE, so they get stop-sigkill's FinalKillSignal= at once, or, with
    /// SendSIGKILL=no, nothing at all. ExecStopPost= waits until none that was signalled is left.
    private mutating func stopLeftovers() -> [ServiceAction] {
        let stop = config.killMode.leftoverStop(sendSIGKILL: config.sendSIGKILL)
        if stop == .spared { return enterStopPost(failure: nil) }
        awaitingLeftovers = true
        // stop-sigkill sent them FinalKillSignal= with everything else already.
        if state == .stopping(.killed) { return [] }
        let alreadyStopping: Bool
        switch state {
        case .stopping(.signalled), .stopping(.watchdog), .stopping(.killed): alreadyStopping = true
        case .stopping(.execStop), .inactive, .failed, .startPre, .spawning, .starting, .startPost, .running, .exited,
             .reloading, .stopPost, .autoRestart:
            alreadyStopping = false
        }
        let next: State = stop == .kill ? .stopping(.killed) : alreadyStopping ? state : .stopping(.signalled)
        let rearm = next != state
        state = next
        let final = state == .stopping(.killed)
        return leftoverActions(config.stopSignals(for: final ? .kill : .terminate))
            + (rearm ? [.cancelTimer] + armStopTimer() : [])
    }

    private mutating func leftoversGone() -> [ServiceAction] {
        if mainUnknown && state == .running {
            // A forking service whose main pid could not be guessed ends with its last process.
            mainUnknown = false
            leftoversSeen = false
            return [.log(Note(.info, "No process of the service is left."))] + enterRunning()
        }
        guard awaitingLeftovers, mainPID == nil, controlPID == nil else { return [] }
        awaitingLeftovers = false
        return enterStopPost(failure: nil)
    }
}
