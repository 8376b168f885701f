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

    public init(notifySocketPath: String?) throws {
        self.notifySocketPath = notifySocketPath
        daemonEnvironment = ProcessInfo.processInfo.environment
        lang = daemonEnvironment["LANG"] ?? "C.UTF-8"
        devNullRead = try OwnedFD.devNull(writable: false)
        devNullWrite = try OwnedFD.devNull(writable: true)
        journalAvailable = FileNodes.exists("/run/systemd/journal/socket")
    }
}

public enum ServiceLauncher {
    /// The main process: `listeners` are placed at 3… with `fdNames`.
    public static func prepareMain(_ service: ServiceUnit, listeners: [Int32], fdNames: [String],
                                   context: DaemonContext) throws -> PreparedLaunch {
        guard let command = service.execStart.first else {
            throw LaunchError(description: "Service has no ExecStart= setting, which is only allowed for RemainAfterExit=yes services. Refusing.")
        }
        var inputs = EnvironmentInputs()
        inputs.notifySocket = service.type == .notify ? context.notifySocketPath : nil
        inputs.listenFDNames = fdNames
        return try prepare(service, command: command, inputs: inputs, fds: listeners, context: context)
    }

    /// A control command (ExecStartPre=, ExecStop=, ExecStopPost=, …): no
    /// listeners and no LISTEN_* (systemd passes fds to ExecStart= only),
    /// MAINPID= when there is a main process, then `extra` (SERVICE_RESULT=…).
    public static func prepareControl(_ service: ServiceUnit, command: CommandLine, mainPID: Int32?,
                                      extra: [ExtraVariable] = [], context: DaemonContext) throws -> PreparedLaunch {
        var inputs = EnvironmentInputs()
        if let mainPID { inputs.unitEnvironment.append(("MAINPID", String(mainPID))) }
        inputs.unitEnvironment += extra.map { ($0.name, $0.value) }
        return try prepare(service, command: command, inputs: inputs, fds: [], context: context)
    }

    private static func prepare(_ service: ServiceUnit, command: CommandLine, inputs base: EnvironmentInputs,
                                fds: [Int32], context: DaemonContext) throws -> PreparedLaunch {
        let exec = service.exec
        let credentials = try resolveCredentials(exec, privileged: command.fullPrivileges || command.elevate)
        var launch = try prepareStdio(service, context: context)
        let inputs = try environmentInputs(base, service: service, credentials: credentials,
                                           journalStream: launch.journalStream, invocationID: InvocationIDs.next(),
                                           context: context)
        let environment = ServiceEnvironment(inputs)
        let arguments = command.noEnvironmentExpansion || !CommandExpansion.needsExpansion(command.arguments)
            ? command.arguments
            : CommandExpansion.expand(command.arguments, environment: CommandExpansion.dictionary(environment.entries))
        launch.plan.path = resolveProgram(command.path)
        launch.plan.arguments = arguments
        launch.plan.environment = environment.entries
        launch.plan.pidSlots = environment.pidSlots
        launch.plan.fds = fds
        applyExecSettings(service, credentials: credentials, to: &launch.plan)
        return launch
    }

    /// Completes `base` (what differs per launch kind: NOTIFY_SOCKET, LISTEN_*,
    /// REMOTE_*, extra variables) with what every launch of the unit shares.
    public static func environmentInputs(_ base: EnvironmentInputs, service: ServiceUnit,
                                  credentials: ResolvedCredentials?, journalStream: String?, invocationID: String,
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
        return inputs
    }

    /// The unit's process settings (fd flags, SIGPIPE, credentials, umask, cwd, limits, nice).
    public static func applyExecSettings(_ service: ServiceUnit, credentials: ResolvedCredentials?, to plan: inout SpawnPlan) {
        let exec = service.exec
        plan.nonBlocking = service.nonBlocking
        plan.ignoreSIGPIPE = exec.ignoreSIGPIPE
        plan.credentials = credentials?.spawn
        plan.umask = exec.umask
        plan.workingDirectory = resolveWorkingDirectory(exec.workingDirectory, home: credentials?.identity.home)
        plan.workingDirectoryOptional = exec.workingDirectoryOptional
        plan.limits = exec.limits.compactMap(spawnLimit)
        plan.nice = exec.nice
    }

    /// A bare program name is searched in the default service PATH (newer systemd does).
    public static func resolveProgram(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        for directory in ServiceEnvironment.defaultPath.split(separator: ":") {
            let candidate = "\(directory)/\(path)"
            if Users.isExecutable(candidate) { return candidate }
        }
        return path
    }

    /// WorkingDirectory=~ means the user's home; otherwise the path, or "/" by default.
    public static func resolveWorkingDirectory(_ directory: String?, home: String?) -> String {
        guard let directory else { return "/" }
        if directory == "~" { return home ?? "/root" }
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

    /// LimitNOFILE= and friends, by the resource's name (with or without "Limit").
    public static func spawnLimit(_ entry: (key: String, value: ResourceLimit)) -> SpawnLimit? {
        let name = entry.key.uppercased().replacing("LIMIT", with: "")
        let resources = ["CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS",
                         "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"]
        guard let resource = resources.firstIndex(of: name) else { return nil }
        return SpawnLimit(resource: Int32(resource), soft: entry.value.soft ?? UInt64.max,
                          hard: entry.value.hard ?? UInt64.max)
    }
}
