// usherd's core: owns the loop and the UnitTable (every unit's runtime and
// the pid table), and reacts to every DaemonEvent in handle(_:), the one dispatch
// point. Policy comes from the Activation machines; this class performs
// their actions (watch, spawn, signal, arm timers, log) through the loop, the
// spawner and the process control it was given. One thread only.
import Launch
import Activation
import Binder
import CSystemd
import Logging
import UnitFile
import UnitModel
import UsherSys

public final class Daemon {
    let options: DaemonOptions
    let logger: Logger
    let loop: DaemonLoop
    /// Creates services' main and control processes (Accept=yes instances: makeInstanceSpawner).
    let spawner: ProcessSpawner
    /// Reaping, signals, and what /proc says about leftovers.
    let processes: ProcessControl
    /// Makes the Accept=yes spawner, when the first Accept=yes socket is bound.
    let makeInstanceSpawner: () throws -> InstanceSpawning
    let loader: UnitLoader
    var context: DaemonContext
    /// Created or checked and locked in start(), before anything is bound.
    var runtime: RuntimeDirectory?
    var notify: NotifySocket?
    /// The control socket, once opened in start().
    var control: ControlServer?
    /// start/stop/restart/reload calls waiting for their units.
    var controlWaiters: [PendingControlCall] = []
    var settlingControlWaiters = false
    /// `logs --follow` clients and the journal ring each follows.
    var logFollowers: [ControlClientID: String] = [:]
    var fixedSources: [EventSource] = []
    /// The SIGCHLD source, paused while Accept=yes reaping is batched (Daemon+ReapBatching).
    var childSignal: EventSource?
    /// Every unit's runtime state and the pid table (UnitTable).
    let units = UnitTable()
    /// The last listener that could not be bound, with the reason (for BrokenUnit).
    var lastBindFailure: String?
    /// "Cannot find unit for notify message" lines: a few per 10 s, whoever floods the socket.
    var unownedNotifyLog = RateLimit(interval: .seconds(10), burst: 5)
    /// usherd's adopted orphans, read at most once per event (Daemon+Leftovers).
    var orphanSnapshot: [Int32]?
    var startOrder: [UnitName] = []
    let output: OutputCapture
    /// Each unit's newest output and usherd's messages about it, for status and logs.
    let journal = UnitJournal()
    var shuttingDown = false
    /// At shutdown: the sessions of stopped KillMode=process/none services, whose processes usherd leaves running.
    var sparedSessions: Set<Int32> = []
    /// Accept=yes socket units, their instances and the spawner (Daemon+Accept).
    let accept = AcceptState()
    /// --watch: the unit directories' inotify watches and debounce (Daemon+Watch).
    var watch: UnitWatch?
    /// usherd's own manager (systemd): notify, watchdog, passed fds, fd store (Daemon+Manager).
    let manager = ManagerLink()
    /// A re-exec waiting for pending Accept=yes spawns (Daemon+Reexec).
    var reexec: PendingReexec?

    public convenience init(options: DaemonOptions, logger: Logger) throws {
        try self.init(options: options, logger: logger, loop: try EventLoop(), spawner: SystemSpawner(),
                      processes: SystemProcesses(), makeInstanceSpawner: { try AcceptSpawner() })
    }

    init(options: DaemonOptions, logger: Logger, loop: DaemonLoop, spawner: ProcessSpawner,
         processes: ProcessControl, makeInstanceSpawner: @escaping () throws -> InstanceSpawning) throws {
        self.options = options
        self.logger = logger
        self.loop = loop
        self.spawner = spawner
        self.processes = processes
        self.makeInstanceSpawner = makeInstanceSpawner
        var loader = UnitLoader(directories: options.unitDirectories, specifiers: options.specifierContext())
        loader.sandboxing = options.sandboxingPolicy
        self.loader = loader
        context = try DaemonContext(notifySocketPath: nil)
        context.directoryBases = options.directoryBases
        output = OutputCapture(logger: logger, journal: journal)
    }

    /// Sets up, serves until SIGTERM/SIGINT has stopped everything, returns the exit code.
    /// Throws a RuntimeDirectoryError when the runtime directory is unsafe or in use.
    public func run() throws -> Int32 {
        setUpProcess()
        try start()
        tellManagerReady()
        let code = try loop.run()
        return code
    }

    /// Everything before the loop runs that concerns only this daemon, not the
    /// process: the runtime directory, control and notify sockets, signal
    /// sources, loading and binding the units and starting the boot services.
    func start() throws {
        loop.setHandler { [unowned self] event in self.handle(event) }
        journal.onAppend = { [unowned self] key, line in self.forwardToFollowers(key, line) }
        let directory = try options.openRuntimeDirectory()
        runtime = directory
        logger.debug("Runtime directory \(directory.path).")
        let resumed = options.deserializeFD.map {
            readResumeInput(stateFD: $0, controlPath: options.controlSocket(inRuntimeDirectory: directory.path),
                            notifyPath: directory.path + "/notify")
        }
        // A re-exec keeps the claims of the dynamic users its services still run as.
        context.dynamicUsers.setClaimsDirectory(directory.path + "/dynamic-uid", clearingStale: resumed == nil)
        prepareSandboxBase(in: directory.path)
        openControlSocket(in: directory.path, adopting: resumed?.controlListener)
        try watchSignals()
        openNotifySocket(in: directory.path, adopting: resumed?.notifySocket)
        startWatching()
        if let state = resumed?.state {
            restore(state)
        } else {
            startEnabledServices(loadAndBind())
        }
        if let resumed { finishResume(resumed) }
        if socketUnitCount == 0 && units.services.isEmpty {
            logger.warning("No units found in \(options.unitDirectories.joined(separator: ", ")).")
        }
        logger.notice("Listening on \(socketUnitCount) socket unit(s); \(units.services.count) service unit(s) loaded.")
    }

    private var socketUnitCount: Int { units.sockets.count + units.acceptSockets.count }

    /// The one dispatch point.
    func handle(_ event: DaemonEvent) {
        orphanSnapshot = nil
        switch event {
        case .listenerReadable(let name):
            let now = monotonicMicroseconds()
            guard let actions = units.sockets[name]?.update({ $0.machine.handle(.readable(now: now)) }) else { return }
            perform(actions, socket: name)
        case .signal(let signal):
            handleSignal(signal)
        case .serviceTimer(let name):
            units.services[name]?.timer = nil
            deliver(.timerFired(now: monotonicMicroseconds()), toService: name)
        case .serviceWatchdog(let name):
            units.services[name]?.watchdog = nil
            deliver(.watchdogExpired, toService: name)
        case .pidFilePoll(let name):
            units.services[name]?.pidFilePoll = nil
            findMainPID(name)
        case .busNameAppeared(let name):
            deliver(.busNameAcquired, toService: name)
        case .busNameVanished(let name):
            deliver(.busNameLost, toService: name)
        case .cooldownElapsed(let name):
            units.sockets[name]?.cooldown = nil
            deliver(.cooldownElapsed, to: name)
            acceptCooldownElapsed(name)
        case .outputReadable(let id):
            output.readable(id)
        case .notifyReadable:
            receiveNotifications()
        case .alienMainExited(let name, let pid):
            units.services[name]?.alienMain = nil
            deliver(.mainGone(pid: pid), toService: name)
        case .acceptReadable(let name, let index):
            drainListener(name, index: index)
        case .spawnResults:
            collectSpawnResults(woken: true)
        case .acceptResume(let name):
            resumeAfterAcceptError(name)
        case .instancesStopTimeout:
            instancesStopTimedOut()
        case .instanceLingerTimeout(let pid):
            instanceLingerTimedOut(pid)
        case .reapBatchElapsed:
            endReapBatch()
        case .control(let event):
            serveControl(event)
        case .unitFilesChanged:
            unitFilesChanged()
        case .watchDebounceElapsed:
            watchDebounceElapsed()
        case .socketCommandTimer(let name):
            runSocketCommands(name) { $0.timerFired() }
        case .storedFDHungUp(let name, let serial):
            storedFDHungUp(name, serial: serial)
        case .managerStatusDue:
            managerStatusDue()
        case .watchdogDue:
            watchdogDue()
        case .reexecDue:
            reexecWhenQuiet()
        }
        managerStatusMayHaveChanged()
    }

    private func handleSignal(_ signal: Int32) {
        switch signal {
        case Signals.child:
            reapChildren()
            beginReapBatchIfAccepting()
        case Signals.terminate, Signals.interrupt:
            resumeChildSignal()
            beginShutdown(signal: signal)
        case Signals.hangup:
            logger.notice("Received SIGHUP, reloading the unit files.")
            reload()
        case Signals.user2:
            logger.notice("Received SIGUSR2, re-executing.")
            requestReexec(binary: nil, client: nil)
        default:
            break
        }
    }

    /// The loop's signal sources (main has blocked these signals before any thread started).
    private func watchSignals() throws {
        for signal in [Signals.terminate, Signals.interrupt, Signals.hangup, Signals.user2] {
            fixedSources.append(try loop.addSignal(signal))
        }
        childSignal = try loop.addSignal(Signals.child)
    }

    /// What applies to the whole process: SIGPIPE ignored, orphans of services
    /// adopted (child subreaper). Only usherd's run() does this, never a test.
    private func setUpProcess() {
        Signals.ignore(SIGPIPE)
        guard Processes.currentPID != 1 else { return }
        do {
            try Processes.becomeChildSubreaper()
        } catch {
            logger.warning("Cannot become child subreaper, orphans of services go to init: \(error)")
        }
    }

    private func openNotifySocket(in directory: String, adopting inherited: OwnedFD?) {
        let path = directory + "/notify"
        do {
            let socket = try inherited.map { NotifySocket(adopting: $0, path: path) } ?? NotifySocket(path: path)
            fixedSources.append(try loop.addIO(fd: socket.fd.raw, reporting: .notifyReadable, object: path))
            notify = socket
            context.notifySocketPath = path
        } catch {
            logger.warning("Cannot open the notify socket, Type=notify services will not get NOTIFY_SOCKET: \(error)")
        }
    }

    /// Logs with the unit name as metadata and as the message prefix, once.
    func log(_ note: Note, unit: UnitName, journalAs key: String? = nil) {
        let level: Logger.Level
        switch note.level {
        case .debug: level = .debug
        case .info: level = .info
        case .notice: level = .notice
        case .warning: level = .warning
        case .error: level = .error
        }
        logger.log(level: level, Logger.Message(stringLiteral: note.text), metadata: ["unit": .string(unit.full)])
        if note.level != .debug {
            journal.append(key: key ?? unit.full, unit: unit.full, source: .usherd, priority: note.level.syslogPriority,
                           bytes: Array(note.text.utf8), at: realtimeMicroseconds())
        }
    }
}
