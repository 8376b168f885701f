// Prepares the spawn of a service's main or control process: argv with
// environment expansion, the environment in systemd's order, credentials for
// User=/Group=, stdio (null, files, the capture pipe, the journal), limits.
// The result is a complete SpawnPlan plus the fds it borrows; no policy on
// when to spawn (that is the service machine's).
import Activation
import CSystemd
import FoundationEssentials
import UnitModel
import UsherSys

/// Why a service could not even be spawned, in systemd's words where it has them.
public struct LaunchError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// A plan plus the fds it refers to, which must stay open until after the spawn.
public struct PreparedLaunch {
    public var plan: SpawnPlan
    /// Read ends of capture pipes, to hand to OutputCapture after the spawn.
    public var captures: [(stream: String, fd: OwnedFD)] = []
    /// The plan's fd numbers that are capture pipes' write ends.
    public var captureWriteEnds: Set<Int32> = []
    /// Everything the plan's fd numbers point at (closed in the parent after spawn).
    public var borrowed: [OwnedFD] = []
    /// `DEV:INO` of stdout when it is a journald stream (JOURNAL_STREAM=).
    public var journalStream: String?
}

public struct DaemonContext {
    public var notifySocketPath: String?
    public var lang: String
    public var daemonEnvironment: [String: String]
    public let devNullRead: OwnedFD
    public let devNullWrite: OwnedFD
    public var journalAvailable: Bool
    /// What a service starts with before its Limit*= (ServiceLimits.defaults), by RLIMIT_* number.
    public var limitDefaults: [LimitPair]
    /// usherd's own limits when the context was made (what a child inherits).
    public var ownLimits: [LimitPair]
    /// Where RuntimeDirectory= and the others go (the system's or a user manager's bases).
    public var directoryBases = DirectoryBases.system
    /// DynamicUser= uids, shared by every launch of this daemon.
    public let dynamicUsers = DynamicUsers()
    /// The sandbox's helper files (SandboxDirectories.prepareBase); nil: usherd is not root, so
    /// namespaces and mounts are not set up (their keys are reported as not enforced).
    public var sandbox: SandboxPaths?
    /// The host nodes a PrivateDevices= /dev copies.
    public var deviceNodes: [DeviceNode] = []
    /// usherd's runtime directory (credentials/UNIT lives there).
    public var runtimeDirectory: String?
    /// Why a root usherd could not prepare `sandbox`: then a unit asking for namespaces fails to start
    /// rather than run unconfined.
    public var sandboxUnavailable: String?

    public init(notifySocketPath: String?) throws {
        self.notifySocketPath = notifySocketPath
        ownLimits = ProcessLimits.current()
        let ceiling = ServiceLimits.ceiling(privileged: ProcessLimits.mayRaiseHardLimits, own: ownLimits,
                                            kernelOpenFiles: ProcessLimits.kernelOpenFilesCeiling)
        limitDefaults = ServiceLimits.defaults(startup: ProcessLimits.atStartup, ceiling: ceiling)
        daemonEnvironment = ProcessInfo.processInfo.environment
        lang = daemonEnvironment["LANG"] ?? "C.UTF-8"
        devNullRead = try OwnedFD.devNull(writable: false)
        devNullWrite = try OwnedFD.devNull(writable: true)
        journalAvailable = FileNodes.exists("/run/systemd/journal/socket")
    }
}

public enum ServiceLauncher {
    /// The main process (ExecStart= number `commandIndex`; several only for
    /// Type=oneshot): `listeners` are placed at 3… with `fdNames`, or, in
    /// inetd style (StandardInput=/Output=/Error=socket), the one listener is
    /// the socket stdio and nothing is passed as LISTEN_FDS. NOTIFY_SOCKET
    /// unless NotifyAccess= is none; WATCHDOG_PID/WATCHDOG_USEC with WatchdogSec=.
    public static func prepareMain(_ service: ServiceUnit, commandIndex: Int = 0, listeners: [Int32], fdNames: [String],
                                   context: DaemonContext, run: SandboxPaths? = nil) throws -> PreparedLaunch {
        guard commandIndex < service.execStart.count else {
            throw LaunchError(description: "Service has no ExecStart= setting, which is only allowed for RemainAfterExit=yes services. Refusing.")
        }
        let command = service.execStart[commandIndex]
        let socket = try inetdSocket(service.exec, listeners: listeners)
        var inputs = EnvironmentInputs()
        let access = ServiceConfig.effectiveNotifyAccess(service)
        inputs.notifySocket = access != .none ? context.notifySocketPath : nil
        inputs.watchdogUSec = service.watchdogSec.map(\.microseconds)
        inputs.listenFDNames = socket == nil ? fdNames : []
        return try prepare(service, command: command, inputs: inputs, fds: socket == nil ? listeners : [],
                           socket: socket, context: context, run: run)
    }

    /// A control command (ExecStartPre=, ExecStop=, ExecStopPost=, …): no
    /// listeners and no LISTEN_* (systemd passes fds to ExecStart= only),
    /// MAINPID= when there is a main process, then `extra` (SERVICE_RESULT=…).
    /// `listeners` matter only in inetd style, where the socket is its stdio too.
    public static func prepareControl(_ service: ServiceUnit, command: CommandLine, mainPID: Int32?,
                                      extra: [ExtraVariable] = [], listeners: [Int32] = [],
                                      context: DaemonContext, run: SandboxPaths? = nil) throws -> PreparedLaunch {
        var inputs = EnvironmentInputs()
        if ServiceConfig.effectiveNotifyAccess(service) == .all { inputs.notifySocket = context.notifySocketPath }
        if let mainPID { inputs.unitEnvironment.append(("MAINPID", String(mainPID))) }
        inputs.unitEnvironment += extra.map { ($0.name, $0.value) }
        let socket = try inetdSocket(service.exec, listeners: listeners)
        return try prepare(service, command: command, inputs: inputs, fds: [], socket: socket, context: context, run: run)
    }

    /// The socket for StandardInput=/StandardOutput=/StandardError=socket on an
    /// Accept=no service, which must be fed exactly one (systemd's exec_spawn()
    /// refuses otherwise, with these words); nil when no stream is `socket`.
    public static func inetdSocket(_ exec: ExecContext, listeners: [Int32]) throws -> Int32? {
        guard exec.standardInput == .socket || exec.standardOutput == .socket || exec.standardError == .socket
        else { return nil }
        guard listeners.count <= 1 else { throw LaunchError(description: "Got more than one socket.") }
        guard let socket = listeners.first else { throw LaunchError(description: "Got no socket.") }
        return socket
    }

    private static func prepare(_ service: ServiceUnit, command: CommandLine, inputs base: EnvironmentInputs,
                                fds: [Int32], socket: Int32?, context: DaemonContext,
                                run: SandboxPaths?) throws -> PreparedLaunch {
        let exec = service.exec
        var base = base
        if let credentials = run?.credentials { base.unitEnvironment.insert(("CREDENTIALS_DIRECTORY", credentials), at: 0) }
        let privileged = command.fullPrivileges || command.elevate
        let dynamic = try acquireDynamicUser(service, owner: service.name.full, context: context)
        let credentials = try resolveCredentials(exec, privileged: privileged, dynamic: dynamic)
        // Computed once for the directories themselves, the environment and the mounts.
        let directories = Result { try ServiceDirectories.directories(exec, bases: context.directoryBases) }
        // Owned by the unit's user: `credentials` as the command resolved them, looked up anew for `+`/`!`.
        try createDirectories(exec, directories) {
            try directoryOwner(exec, credentials: credentials, privileged: privileged, dynamic: dynamic)
        }
        var launch = try prepareStdio(service, socket: socket, context: context)
        let inputs = try environmentInputs(base, service: service, credentials: credentials,
                                           journalStream: launch.journalStream, invocationID: InvocationIDs.next(),
                                           directories: directories, context: context)
        let environment = ServiceEnvironment(inputs)
        let arguments = command.noEnvironmentExpansion || !CommandExpansion.needsExpansion(command.arguments)
            ? command.arguments
            : CommandExpansion.expand(command.arguments, environment: CommandExpansion.dictionary(environment.entries))
        launch.plan.path = resolveProgram(command.path, root: exec.rootDirectory)
        launch.plan.arguments = arguments
        launch.plan.environment = environment.entries
        launch.plan.pidSlots = environment.pidSlots
        launch.plan.fds = fds
        try applyExecSettings(service, credentials: credentials, fullPrivileges: command.fullPrivileges,
                              context: context, to: &launch.plan)
        launch.plan.mounts = try mountPlan(service, command: command, run: run, directories: directories, context: context)
        return launch
    }

    /// The namespaces and mounts of one process of the unit: none for a `+` command (systemd
    /// applies no sandboxing to it) or when usherd is not root (the keys are reported unenforced).
    public static func mountPlan(_ service: ServiceUnit, command: CommandLine, run: SandboxPaths?,
                                 directories: Result<[ExecDirectory], any Error>,
                                 context: DaemonContext) throws -> CMountPlan? {
        guard let (fs, _) = try sandboxedFilesystem(service, command: command, directories: directories, context: context),
              var paths = context.sandbox else { return nil }
        paths.privateTmp = run?.privateTmp
        paths.credentials = run?.credentials
        return mountPlan(fs, paths: paths, joining: run?.network, devices: context.deviceNodes)
    }

    /// The unit's filesystem protections as a process of it gets them, and the paths of `directories`
    /// (the unit's, ServiceDirectories.directories: thrown only when a namespace needs them) that got an
    /// entry; nil for a `+` command or when nothing needs a namespace. As systemd does for every process of
    /// a unit, Accept=yes instances included, its RuntimeDirectory= and the others stay writable
    /// (ServiceDirectories.openUp).
    public static func sandboxedFilesystem(_ service: ServiceUnit, command: CommandLine,
                                           directories: Result<[ExecDirectory], any Error>, context: DaemonContext)
        throws -> (FilesystemProtection, opened: [ExecDirectoryKind: Set<String>])? {
        var fs = service.exec.filesystem
        guard !command.fullPrivileges, fs.needsNamespaces else { return nil }
        let opened = ServiceDirectories.openUp(&fs, for: try directories.get())
        if let reason = context.sandboxUnavailable {
            throw LaunchError(description: "Failed to set up mount namespacing: \(reason)")
        }
        return (fs, opened)
    }

    /// `fs` as the steps of one spawn; one that joins a run's network namespace makes none of its own.
    public static func mountPlan(_ fs: FilesystemProtection, paths: SandboxPaths, joining network: PreparedNamespaces?,
                                 devices: [DeviceNode]) -> CMountPlan? {
        guard let network else {
            let plan = MountPlanner.plan(fs, paths: paths, devices: devices)
            return plan.isEmpty ? nil : CMountPlan(plan)
        }
        var own = fs
        own.privateNetwork = false
        return CMountPlan(MountPlanner.plan(own, paths: paths, devices: devices), joining: network)
    }

    /// Completes `base` (what differs per launch kind: NOTIFY_SOCKET, LISTEN_*,
    /// REMOTE_*, extra variables) with what every launch of the unit shares.
    public static func environmentInputs(_ base: EnvironmentInputs, service: ServiceUnit,
                                  credentials: ResolvedCredentials?, journalStream: String?, invocationID: String,
                                  directories: Result<[ExecDirectory], any Error>,
                                  context: DaemonContext) throws -> EnvironmentInputs {
        let exec = service.exec
        var inputs = base
        inputs.lang = context.lang
        inputs.journalStream = journalStream
        inputs.identity = credentials?.identity
        inputs.invocationID = invocationID
        inputs.passed = exec.passEnvironment.compactMap { name in context.daemonEnvironment[name].map { (name, $0) } }
        inputs.unitEnvironment = base.unitEnvironment + exec.environment
        inputs.fileEnvironment = try readEnvironmentFiles(exec.environmentFiles)
        inputs.unset = exec.unsetEnvironment
        inputs.directories = ServiceDirectories.environment(of: try directories.get())
        return inputs
    }

    /// The unit's process settings (fd flags, SIGPIPE, credentials, umask, root, cwd, tty, limits, nice, and the
    /// privileges and system call restrictions, which a `+` command runs without, as in systemd).
    public static func applyExecSettings(_ service: ServiceUnit, credentials: ResolvedCredentials?, fullPrivileges: Bool,
                                         context: DaemonContext, to plan: inout SpawnPlan) throws {
        let exec = service.exec
        plan.nonBlocking = service.nonBlocking
        plan.ignoreSIGPIPE = exec.ignoreSIGPIPE
        plan.credentials = credentials?.spawn
        plan.umask = exec.umask
        plan.workingDirectory = resolveWorkingDirectory(exec.workingDirectory, home: credentials?.identity?.home)
        plan.workingDirectoryOptional = exec.workingDirectoryOptional
        plan.rootDirectory = exec.rootDirectory
        switch exec.standardInput {
        case .tty, .ttyFail: plan.controllingTerminal = 1
        case .ttyForce: plan.controllingTerminal = 2
        case .null, .socket, .data, .file, .fd: plan.controllingTerminal = 0
        }
        plan.limits = ServiceLimits.plan(defaults: context.limitDefaults, own: context.ownLimits, unit: exec.limits)
        plan.nice = exec.nice
        plan.privileges = fullPrivileges ? nil : try SpawnPrivileges.prepared(exec.privileges, credentials: plan.credentials)
    }

    /// RuntimeDirectory= and the others (`directories`, ServiceDirectories.directories), owned by `owner`,
    /// asked only when the unit has any (it may look up a user); its error comes before theirs.
    static func createDirectories(_ exec: ExecContext, _ directories: Result<[ExecDirectory], any Error>,
                                  owner: () throws -> (uid: UInt32, gid: UInt32)?) throws {
        guard ServiceDirectories.any(exec) else { return }
        let owner = try owner()
        try ServiceDirectories.create(try directories.get(), exec: exec, owner: owner)
    }

    /// Who owns the unit's directories for a command: from `credentials` as the command resolved them,
    /// looked up anew for a `+`/`!` command (`privileged`, whose credentials are none).
    static func directoryOwner(_ exec: ExecContext, credentials: ResolvedCredentials?, privileged: Bool,
                               dynamic: DynamicUser?) throws -> (uid: UInt32, gid: UInt32)? {
        privileged ? try directoryOwner(exec, dynamic: dynamic) : directoryOwner(of: credentials)
    }

    /// Who owns the unit's directories: its User=/Group= even for a `+` command (root when neither is
    /// set and usherd is root).
    static func directoryOwner(_ exec: ExecContext, dynamic: DynamicUser?) throws -> (uid: UInt32, gid: UInt32)? {
        directoryOwner(of: try resolveCredentials(exec, privileged: false, dynamic: dynamic))
    }

    /// The same from the unit's credentials resolved without privileges (no `+`/`!`).
    static func directoryOwner(of credentials: ResolvedCredentials?) -> (uid: UInt32, gid: UInt32)? {
        credentials?.spawn.map { (uid: $0.uid, gid: $0.gid) } ?? (Users.effectiveUID == 0 ? (uid: 0, gid: 0) : nil)
    }

    /// A bare program name is searched in the default service PATH (newer systemd does),
    /// inside RootDirectory= when one is set: the child execs after chroot.
    public static func resolveProgram(_ path: String, root: String? = nil) -> String {
        guard !path.hasPrefix("/") else { return path }
        for directory in ServiceEnvironment.defaultPath.split(separator: ":") {
            let candidate = "\(directory)/\(path)"
            if Users.isExecutable((root ?? "") + candidate) { return candidate }
        }
        return path
    }

    /// WorkingDirectory=~ means User='s home (usherd's own user's without User=);
    /// otherwise the path, or "/" by default.
    public static func resolveWorkingDirectory(_ directory: String?, home: String?) -> String {
        guard let directory else { return "/" }
        if directory == "~" { return home ?? (try? Users.user(String(Users.effectiveUID)).home) ?? "/" }
        return directory
    }

    public static func readEnvironmentFiles(_ files: [EnvironmentFileSpec]) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        for file in files {
            do {
                pairs += ServiceEnvironment.parseFile(try readSmallFile(file.path))
            } catch {
                if file.optional { continue }
                throw LaunchError(description: "Failed to load environment files: \(error)")
            }
        }
        return pairs
    }
}
