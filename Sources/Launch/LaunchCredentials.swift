// User=, Group= and SupplementaryGroups= resolved to numbers before the
// spawn, and stdio resolved to fds: /dev/null, files, the capture pipe to
// usherd, or a journald stream when journald runs. Part of ServiceLauncher.
import Activation
import CSystemd
import UnitModel
import UsherSys

public struct ResolvedCredentials {
    public var spawn: SpawnCredentials?
    public var identity: ServiceIdentity
}

extension ServiceLauncher {
    /// The DynamicUser= uid for `owner` (the service, or an Accept=yes launch template), taken
    /// from the daemon's pool; nil without DynamicUser= or for a `+`/`!` command.
    public static func acquireDynamicUser(_ service: ServiceUnit, owner: String, privileged: Bool,
                                          context: DaemonContext) throws -> DynamicUser? {
        guard service.exec.privileges.dynamicUser, !privileged, let name = service.exec.user else { return nil }
        return try context.dynamicUsers.acquire(name: name, owner: owner)
    }

    /// nil when neither User= nor Group= is set (or the command has `+`/`!`).
    public static func resolveCredentials(_ exec: ExecContext, privileged: Bool,
                                          dynamic: DynamicUser? = nil) throws -> ResolvedCredentials? {
        if let dynamic, !privileged { return try dynamicCredentials(exec, dynamic) }
        guard !privileged, exec.user != nil || exec.group != nil else { return nil }
        let record: UserRecord
        do {
            record = try Users.user(exec.user ?? String(Users.effectiveUID))
        } catch {
            throw LaunchError(description: "\(error)")
        }
        var gid = record.gid
        var groups = exec.user == nil ? [] : Users.groups(of: record)
        do {
            if let group = exec.group { gid = try Users.groupID(group) }
            groups += try exec.supplementaryGroups.map { try Users.groupID($0) }
        } catch {
            throw LaunchError(description: "\(error)")
        }
        let identity = ServiceIdentity(user: record.name, home: record.home, shell: record.shell)
        let euid = Users.effectiveUID
        if euid != 0 {
            guard record.uid == euid, exec.group == nil || gid == record.gid else {
                throw LaunchError(description: "Failed to set up credentials: User=\(exec.user ?? "")/Group=\(exec.group ?? "") needs usherd to run as root (it runs as uid \(euid)): Operation not permitted")
            }
            return ResolvedCredentials(spawn: nil, identity: identity)
        }
        return ResolvedCredentials(spawn: SpawnCredentials(uid: record.uid, gid: gid, groups: groups),
                                   identity: identity)
    }

    /// A dynamic user has no passwd entry here (systemd's comes from nss-systemd): the uid doubles
    /// as the gid, the home is "/" and the shell nologin, which USER=, HOME= and SHELL= carry.
    private static func dynamicCredentials(_ exec: ExecContext, _ dynamic: DynamicUser) throws -> ResolvedCredentials {
        guard Users.effectiveUID == 0 else {
            throw LaunchError(description: "Failed to set up credentials: DynamicUser=yes needs usherd to run as root: Operation not permitted")
        }
        let groups: [UInt32]
        do {
            groups = try exec.supplementaryGroups.map { try Users.groupID($0) }
        } catch {
            throw LaunchError(description: "\(error)")
        }
        let identity = ServiceIdentity(user: dynamic.name, home: "/", shell: "/usr/sbin/nologin")
        return ResolvedCredentials(spawn: SpawnCredentials(uid: dynamic.uid, gid: dynamic.uid, groups: groups),
                                   identity: identity)
    }

    /// stdin, stdout, stderr for the plan; capture pipes are returned for OutputCapture.
    public static func prepareStdio(_ service: ServiceUnit, context: DaemonContext) throws -> PreparedLaunch {
        var launch = PreparedLaunch(plan: SpawnPlan(path: "", arguments: [], environment: [],
                                                    stdio: (context.devNullRead.raw, -1, -1)))
        let stdin = try inputFD(service.exec.standardInput, context: context, launch: &launch)
        let identifier = service.exec.syslogIdentifier ?? service.name.prefix
        let stdout = try outputFD(service.exec.standardOutput, stream: "stdout", inherit: stdin,
                                  identifier: identifier, context: context, launch: &launch)
        let stderrSetting = service.exec.standardError
        let stderr = stderrSetting == nil || stderrSetting == .inherit ? stdout
            : try outputFD(stderrSetting, stream: "stderr", inherit: stdout, identifier: identifier,
                           context: context, launch: &launch)
        launch.plan.stdio = (stdin, stdout, stderr)
        return launch
    }

    private static func inputFD(_ input: StandardInput, context: DaemonContext,
                                launch: inout PreparedLaunch) throws -> Int32 {
        guard case .file(let path) = input else { return context.devNullRead.raw }
        let fd = try OwnedFD.open(path, 0)
        launch.borrowed.append(fd)
        return fd.raw
    }

    private static func outputFD(_ output: StandardOutput?, stream: String, inherit: Int32, identifier: String,
                                 context: DaemonContext, launch: inout PreparedLaunch) throws -> Int32 {
        switch output {
        case .null: return context.devNullWrite.raw
        case .inherit: return inherit
        case .file(let path): return try borrow(OwnedFD.openOutputFile(path, append: false, truncate: false), &launch)
        case .append(let path): return try borrow(OwnedFD.openOutputFile(path, append: true, truncate: false), &launch)
        case .truncate(let path): return try borrow(OwnedFD.openOutputFile(path, append: false, truncate: true), &launch)
        case .journal, .journalConsole:
            if context.journalAvailable, let fd = journalStream(identifier: identifier) {
                if stream == "stdout", let identity = try? FileIdentity.of(fd.raw) {
                    launch.journalStream = "\(identity.device):\(identity.inode)"
                }
                return borrow(fd, &launch)
            }
            return try capture(stream: stream, &launch)
        default:
            return try capture(stream: stream, &launch)
        }
    }

    private static func borrow(_ fd: OwnedFD, _ launch: inout PreparedLaunch) -> Int32 {
        launch.borrowed.append(fd)
        return fd.raw
    }

    private static func capture(stream: String, _ launch: inout PreparedLaunch) throws -> Int32 {
        let pipe = try OwnedFD.pipe()
        try pipe.read.setNonBlocking(true)
        launch.captures.append((stream, pipe.read))
        launch.captureWriteEnds.insert(pipe.write.raw)
        return borrow(pipe.write, &launch)
    }

    /// A stream socket to journald, as systemd gives services (LOG_INFO, level prefixes on).
    private static func journalStream(identifier: String) -> OwnedFD? {
        let fd = sd_journal_stream_fd(identifier, 6, 1)
        return fd < 0 ? nil : OwnedFD(adopting: fd)
    }
}
