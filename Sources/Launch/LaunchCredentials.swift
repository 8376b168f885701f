// User=, Group= and SupplementaryGroups= resolved to numbers before the
// spawn, and stdio resolved to fds: /dev/null, files, the capture pipe to
// usherd, or a journald stream when journald runs. Part of ServiceLauncher.
import Activation
import CSystemd
import Glibc
import UnitModel
import UsherSys

public struct ResolvedCredentials {
    public var spawn: SpawnCredentials?
    /// USER=, HOME=, … : only with User= or Group=.
    public var identity: ServiceIdentity?
}

extension ServiceLauncher {
    /// The DynamicUser= uid for `owner` (the service, or an Accept=yes launch template), taken
    /// from the daemon's pool; nil without DynamicUser=. A `+`/`!` command runs as root, but the
    /// unit's directories are the dynamic user's all the same (systemd realizes it for every command).
    public static func acquireDynamicUser(_ service: ServiceUnit, owner: String,
                                          context: DaemonContext) throws -> DynamicUser? {
        guard service.exec.privileges.dynamicUser, let name = service.exec.user else { return nil }
        return try context.dynamicUsers.acquire(name: name, owner: owner)
    }

    /// nil when none of User=, Group=, SupplementaryGroups= is set (or the command has `+`/`!`).
    public static func resolveCredentials(_ exec: ExecContext, privileged: Bool,
                                          dynamic: DynamicUser? = nil) throws -> ResolvedCredentials? {
        guard !privileged else { return nil }
        if let dynamic { return try dynamicCredentials(exec, dynamic) }
        guard exec.user != nil || exec.group != nil else { return try supplementaryOnly(exec) }
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

    /// SupplementaryGroups= without User=/Group=: only setgroups(), uid and gid
    /// stay usherd's (systemd's enforce_groups()). A non-root usherd cannot.
    private static func supplementaryOnly(_ exec: ExecContext) throws -> ResolvedCredentials? {
        guard !exec.supplementaryGroups.isEmpty else { return nil }
        guard Users.effectiveUID == 0 else {
            throw LaunchError(description: "Failed to set up credentials: SupplementaryGroups= needs usherd to run as root: Operation not permitted")
        }
        do {
            let groups = try exec.supplementaryGroups.map { try Users.groupID($0) }
            return ResolvedCredentials(spawn: SpawnCredentials(uid: 0, gid: getegid(), groups: groups), identity: nil)
        } catch {
            throw LaunchError(description: "\(error)")
        }
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
    /// `socket`: the listener for `socket` streams (inetd style); nil leaves them
    /// at /dev/null for the caller to replace (Accept=yes puts the connection there).
    public static func prepareStdio(_ service: ServiceUnit, socket: Int32?, context: DaemonContext) throws -> PreparedLaunch {
        var launch = PreparedLaunch(plan: SpawnPlan(path: "", arguments: [], environment: [],
                                                    stdio: (context.devNullRead.raw, -1, -1)))
        let exec = service.exec
        let stdin = try inputFD(exec, socket: socket, context: context, launch: &launch)
        let identifier = exec.syslogIdentifier ?? service.name.prefix
        let stdout = try outputFD(effectiveOutput(exec), stream: "stdout", inherit: stdin, socket: socket,
                                  identifier: identifier, exec: exec, context: context, launch: &launch)
        let stderrSetting = exec.standardError
        let stderr = stderrSetting == nil || stderrSetting == .inherit ? stdout
            : try outputFD(stderrSetting, stream: "stderr", inherit: stdout, socket: socket, identifier: identifier,
                           exec: exec, context: context, launch: &launch)
        launch.plan.stdio = (stdin, stdout, stderr)
        return launch
    }

    /// systemd's service_fix_stdio(): stdout left at its default (or `inherit`)
    /// follows stdin when stdin is a two-way stream (tty, socket), else goes
    /// to the default (nil: usherd's log pipe); a file or data stdin is never echoed back into.
    static func effectiveOutput(_ exec: ExecContext) -> StandardOutput? {
        guard exec.standardOutput == nil || exec.standardOutput == .inherit else { return exec.standardOutput }
        switch exec.standardInput {
        case .tty, .ttyForce, .ttyFail, .socket: return .inherit
        case .null, .data, .file, .fd: return nil
        }
    }

    private static func inputFD(_ exec: ExecContext, socket: Int32?, context: DaemonContext,
                                launch: inout PreparedLaunch) throws -> Int32 {
        switch exec.standardInput {
        case .file(let path): return try borrow(OwnedFD.open(path, O_RDONLY), &launch)
        case .data: return try borrow(OwnedFD.sealedData(exec.standardInputData), &launch)
        case .socket: return socket ?? context.devNullRead.raw
        case .tty, .ttyForce, .ttyFail: return try borrow(openTerminal(exec), &launch)
        case .null, .fd: return context.devNullRead.raw
        }
    }

    /// TTYPath= (default /dev/console), read-write; CSpawn makes a tty stdin the controlling terminal.
    private static func openTerminal(_ exec: ExecContext) throws -> OwnedFD {
        let path = exec.ttyPath ?? "/dev/console"
        do {
            return try OwnedFD.open(path, O_RDWR | O_NOCTTY)
        } catch {
            throw LaunchError(description: "Failed to open terminal \(path) (TTYPath=): \(error)")
        }
    }

    private static func outputFD(_ output: StandardOutput?, stream: String, inherit: Int32, socket: Int32?,
                                 identifier: String, exec: ExecContext, context: DaemonContext,
                                 launch: inout PreparedLaunch) throws -> Int32 {
        switch output {
        case .null: return context.devNullWrite.raw
        case .inherit: return inherit
        case .socket: return socket ?? context.devNullWrite.raw
        case .tty: return try borrow(openTerminal(exec), &launch)
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
        case .kmsg, .fd, nil:
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
