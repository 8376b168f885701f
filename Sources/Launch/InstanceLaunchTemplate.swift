// The prebuilt launch of one Accept=yes template (`foo@.service`): the
// template is instantiated once with a marker instance, and argv and envp are
// kept as C strings, constant ones shared by every connection and the few that
// vary (instance, REMOTE_*, INVOCATION_ID, pid slots) as segment lists filled
// per connection into one malloc'ed block (InstanceStrings). Stdio, the
// output fds and the unit's directories with their owner are resolved once per unit too.
import Activation
import CSpawn
import FoundationEssentials
import UnitFile
import UnitModel
import UsherSys

/// Which fd goes to 0, 1 or 2 of an instance.
public enum InstanceStdio {
    case connection
    case fixed(Int32)
    /// A pipe of the instance's own to usherd (output usherd logs under the instance's name).
    case ownPipe
    /// StandardInput=data: a memfd of the instance's own, so each reads the data from its start.
    case ownData
}

/// One argv or envp entry: shared constant text, or segments filled per connection.
public enum LaunchPiece {
    case constant(UnsafeMutablePointer<CChar>)
    /// `room` spare bytes after the NUL (pid slots the child completes).
    case variable([LaunchSegment], room: Int)
}

public enum LaunchSegment: Equatable {
    case literal([UInt8])
    case instance, remoteAddress, remotePort, invocationID
}

/// The per-connection values the variable pieces take.
public struct InstanceValues {
    public var instance: String
    public var remoteAddress: String
    public var remotePort: String
    public var invocationID: String

    public init(instance: String, remoteAddress: String, remotePort: String, invocationID: String) {
        self.instance = instance
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.invocationID = invocationID
    }
}

public final class InstanceLaunchTemplate {
    /// Stands in for the instance while the template is instantiated once; only
    /// characters valid in a unit name, so %i, %I, %n and %N carry it unchanged.
    public static let instanceMarker = "usher7instance7marker"
    public static let addressMarker = "\u{1}REMOTE_ADDR\u{1}"
    public static let portMarker = "\u{1}REMOTE_PORT\u{1}"
    public static let invocationMarker = "\u{1}INVOCATION_ID\u{1}"

    public let unit: ServiceUnit
    public let path: UnsafeMutablePointer<CChar>
    public let argv: [LaunchPiece]
    /// Environments for IP peers (with REMOTE_*) and for the others.
    public let environmentIP: [LaunchPiece]
    public let environmentLocal: [LaunchPiece]
    public let pidSlotsIP: [Int32]
    public let pidSlotsLocal: [Int32]
    public let stdio: (InstanceStdio, InstanceStdio, InstanceStdio)
    /// The connection goes to fd 3 with LISTEN_FDS=1 (not inetd style).
    public let passesConnectionAsFD3: Bool
    public let plan: SpawnPlan
    /// The plan's arrays in CSpawn's types, converted once.
    public let groups: [gid_t]
    public let limits: [cspawn_rlimit]
    public let workingDirectory: UnsafeMutablePointer<CChar>?
    public let rootDirectory: UnsafeMutablePointer<CChar>?
    /// Output and input fds the stdio refers to, open as long as the unit is.
    public let held: [OwnedFD]
    /// Namespaces and mounts of every instance (PrivateTmp= is a fresh tmpfs per instance).
    public let mounts: CMountPlan?
    /// $CREDENTIALS_DIRECTORY shared by the instances, removed with the template.
    private let sandboxRun: SandboxPaths?
    /// The constant C strings above (path, directories, constant argv and envp entries).
    private let strings: CStringArena
    /// The DynamicUser= uid, held as long as this template: every instance shares it, as systemd
    /// 252 gives every instance of `foo@.service` the one dynamic user named by User= or "foo".
    public let dynamicUser: DynamicUser?
    private let dynamicUsers: DynamicUsers
    private let dynamicOwner: String
    /// The unit's *Directory= paths and who owns them, resolved once (with User=, an NSS lookup);
    /// what failed is thrown again by each instance's createDirectories, as resolving it there would.
    private let directories: Result<[ExecDirectory], any Error>
    private let directoryOwner: Result<(uid: UInt32, gid: UInt32)?, any Error>
    nonisolated(unsafe) private static var templatesMade: UInt64 = 0

    public init(unit: ServiceUnit, context: DaemonContext, stdio resolved: ResolvedInstanceStdio) throws {
        guard let command = unit.execStart.first else {
            throw LaunchError(description: "Service has no ExecStart= setting. Refusing.")
        }
        self.unit = unit
        Self.templatesMade += 1
        dynamicUsers = context.dynamicUsers
        dynamicOwner = "accept-template-\(Self.templatesMade)"
        let privileged = command.fullPrivileges || command.elevate
        dynamicUser = try ServiceLauncher.acquireDynamicUser(unit, owner: dynamicOwner, context: context)
        let credentials = try ServiceLauncher.resolveCredentials(unit.exec, privileged: privileged, dynamic: dynamicUser)
        passesConnectionAsFD3 = unit.exec.standardInput != .socket
        stdio = resolved.stdio
        held = resolved.held
        let run = try Self.credentialsRun(unit, credentials: credentials, context: context)
        sandboxRun = run
        (directories, directoryOwner) = Self.resolveDirectories(unit, privileged: privileged, credentials: credentials,
                                                                dynamic: dynamicUser, context: context)
        // The lasting directories, made before the shared namespace that binds them is built; each
        // instance makes RuntimeDirectory= itself (systemd makes none before a process needs it).
        let lasting = directories.map { $0.filter { $0.kind != .runtime } }
        let owner = directoryOwner
        let created = (try? ServiceLauncher.createDirectories(unit.exec, lasting) { try owner.get() }) != nil
        mounts = try Self.instanceMounts(unit, command: command, run: run, directories: directories,
                                         created: created, context: context)
        let ip = try Self.environment(unit, remote: true, credentials: credentials, journal: resolved.journalStream,
                                      directories: directories, context: context, fd3: passesConnectionAsFD3, run: run)
        let local = try Self.environment(unit, remote: false, credentials: credentials, journal: resolved.journalStream,
                                         directories: directories, context: context, fd3: passesConnectionAsFD3, run: run)
        let arguments = command.noEnvironmentExpansion ? command.arguments
            : CommandExpansion.expand(command.arguments, environment: CommandExpansion.dictionary(ip.entries))
        var plan = SpawnPlan(path: ServiceLauncher.resolveProgram(command.path, root: unit.exec.rootDirectory),
                             arguments: [], environment: [], stdio: (-1, -1, -1))
        try ServiceLauncher.applyExecSettings(unit, credentials: credentials, fullPrivileges: command.fullPrivileges,
                                              context: context, to: &plan)
        self.plan = plan
        groups = plan.credentials?.groups ?? []
        limits = plan.limits.map { cspawn_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) }
        let arena = CStringArena()
        strings = arena
        path = arena.string(plan.path)
        workingDirectory = plan.workingDirectory.map { arena.string($0) }
        rootDirectory = plan.rootDirectory.map { arena.string($0) }
        pidSlotsIP = ip.pidSlots.map(Int32.init)
        pidSlotsLocal = local.pidSlots.map(Int32.init)
        argv = arguments.map { Self.piece($0, room: 0, arena: arena) }
        environmentIP = ip.entries.indices.map {
            Self.piece(ip.entries[$0], room: ip.pidSlots.contains($0) ? Int(CSPAWN_PID_DIGITS) : 0, arena: arena)
        }
        environmentLocal = local.entries.indices.map {
            Self.piece(local.entries[$0], room: local.pidSlots.contains($0) ? Int(CSPAWN_PID_DIGITS) : 0, arena: arena)
        }
    }

    deinit {
        strings.free()
        dynamicUsers.release(owner: dynamicOwner)
        if let sandboxRun { SandboxDirectories.removeRun(sandboxRun) }
    }

    /// RuntimeDirectory= and the others for one instance (systemd makes them before each process:
    /// another unit may have removed a shared RuntimeDirectory=), with the owner resolved once; a
    /// `+`/`!` command's owner lookup that failed is tried again (the user may exist by now).
    public func createDirectories() throws {
        try ServiceLauncher.createDirectories(unit.exec, directories) {
            if case .success(let owner) = directoryOwner { return owner }
            return try ServiceLauncher.directoryOwner(unit.exec, dynamic: dynamicUser)
        }
    }

    /// The unit's directories and their owner; the owner from `credentials` unless those are a
    /// `+`/`!` command's (none), whose directories are the unit's user's all the same.
    private static func resolveDirectories(_ unit: ServiceUnit, privileged: Bool, credentials: ResolvedCredentials?,
                                           dynamic: DynamicUser?, context: DaemonContext)
        -> (Result<[ExecDirectory], any Error>, Result<(uid: UInt32, gid: UInt32)?, any Error>) {
        guard ServiceDirectories.any(unit.exec) else { return (.success([]), .success(nil)) }
        let directories = Result { try ServiceDirectories.directories(unit.exec, bases: context.directoryBases) }
        return (directories, Result {
            try ServiceLauncher.directoryOwner(unit.exec, credentials: credentials, privileged: privileged, dynamic: dynamic)
        })
    }

    /// The namespaces, built once and joined per instance where that gives the same view
    /// (MountPlanner.templatePlans); otherwise each instance builds its own. The filesystem is the
    /// one an Accept=no service's process gets (its directories writable), from the same function.
    /// RuntimeDirectory=, which each instance makes (and its stop may remove, or another unit's), gets
    /// a view of each instance's own; the lasting directories are in the shared namespace, made before
    /// it (`created`; when that failed, every instance opens them itself, as it then makes them itself).
    private static func instanceMounts(_ unit: ServiceUnit, command: CommandLine, run: SandboxPaths?,
                                       directories: Result<[ExecDirectory], any Error>, created: Bool,
                                       context: DaemonContext) throws -> CMountPlan? {
        guard let (fs, opened) = try ServiceLauncher.sandboxedFilesystem(unit, command: command, directories: directories,
                                                                         context: context),
              var paths = context.sandbox else { return nil }
        paths.credentials = run?.credentials
        let perInstance = created ? opened[.runtime] ?? [] : opened.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        guard let plans = MountPlanner.templatePlans(fs, perInstance: perInstance, paths: paths,
                                                     devices: context.deviceNodes) else {
            return ServiceLauncher.mountPlan(fs, paths: paths, joining: nil, devices: context.deviceNodes)
        }
        let prepared = plans.shared.isEmpty ? nil : try PreparedNamespaces(CMountPlan(plans.shared))
        return CMountPlan(plans.instance, joining: prepared)
    }

    /// LoadCredential=/SetCredential= of the template, written once for all its instances.
    private static func credentialsRun(_ unit: ServiceUnit, credentials: ResolvedCredentials?,
                                       context: DaemonContext) throws -> SandboxPaths? {
        guard !unit.exec.filesystem.credentials.isEmpty, let directory = context.runtimeDirectory else { return nil }
        return try SandboxDirectories.prepareRun(unit, privateTmp: false, privateNetwork: false, base: context.sandbox,
                                                 runtimeDirectory: directory, owner: credentials?.spawn)
    }

    /// Where the unit's settings depend on the instance beyond argv, the
    /// environment and the name, the prebuilt launch cannot be reused.
    public static func dependsOnInstanceElsewhere(_ unit: ServiceUnit) -> Bool {
        var stripped = unit
        stripped.name = UnitName("")
        stripped.execStart = []
        stripped.exec.environment = []
        return String(reflecting: stripped).contains(instanceMarker)
    }

    private static func environment(_ unit: ServiceUnit, remote: Bool, credentials: ResolvedCredentials?,
                                    journal: String?, directories: Result<[ExecDirectory], any Error>,
                                    context: DaemonContext, fd3: Bool, run: SandboxPaths?) throws -> ServiceEnvironment {
        var base = EnvironmentInputs()
        if let directory = run?.credentials { base.unitEnvironment.append(("CREDENTIALS_DIRECTORY", directory)) }
        base.notifySocket = unit.type == .notify ? context.notifySocketPath : nil
        base.remote = remote ? (addressMarker, portMarker) : nil
        base.listenFDNames = fd3 ? ["connection"] : []
        return ServiceEnvironment(try ServiceLauncher.environmentInputs(
            base, service: unit, credentials: credentials, journalStream: journal, invocationID: invocationMarker,
            directories: directories, context: context))
    }

    private static func piece(_ text: String, room: Int, arena: CStringArena) -> LaunchPiece {
        let segments = segmentsOf(text)
        if room == 0, segments.count <= 1, case .literal = segments.first ?? .literal([]) {
            return .constant(arena.string(text))
        }
        return .variable(segments, room: room)
    }

    /// Splits `text` at the markers, in order of appearance.
    public static func segmentsOf(_ text: String) -> [LaunchSegment] {
        let markers: [(String, LaunchSegment)] = [(instanceMarker, .instance), (addressMarker, .remoteAddress),
                                                  (portMarker, .remotePort), (invocationMarker, .invocationID)]
        var segments: [LaunchSegment] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let found = markers.compactMap { marker in rest.firstRange(of: marker.0).map { ($0, marker.1) } }
                .min { $0.0.lowerBound < $1.0.lowerBound }
            guard let (range, segment) = found else { break }
            if range.lowerBound > rest.startIndex { segments.append(.literal(Array(rest[..<range.lowerBound].utf8))) }
            segments.append(segment)
            rest = rest[range.upperBound...]
        }
        if !rest.isEmpty || segments.isEmpty { segments.append(.literal(Array(rest.utf8))) }
        return segments
    }
}
