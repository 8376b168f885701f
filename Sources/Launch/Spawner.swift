// Swift's side of CSpawn: turns a SpawnPlan into the C request (NUL-terminated
// strings, the LISTEN_PID slot with room for the child to write its pid, fd
// arrays), calls cspawn, and frees everything after. No policy here: the plan
// is complete when it arrives.
import CSpawn
import UsherSys

public struct SpawnCredentials: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]
}

public struct SpawnLimit: Sendable, Equatable {
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64
    public init(resource: Int32, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }
}

public struct SpawnPlan {
    public var path: String
    public var arguments: [String]
    public var environment: [String]
    /// Indices of the `LISTEN_PID=`/`SYSTEMD_EXEC_PID=` entries the child completes.
    public var pidSlots: [Int] = []
    /// Placed at 3, 4, … in this order.
    public var fds: [Int32] = []
    public var stdio: (Int32, Int32, Int32)
    /// nil leaves O_NONBLOCK as it is on the passed fds.
    public var nonBlocking: Bool? = false
    public var ignoreSIGPIPE = true
    public var credentials: SpawnCredentials?
    public var umask: UInt32 = 0o022
    public var workingDirectory: String?
    public var workingDirectoryOptional = false
    /// RootDirectory=: the child chroots here before chdir; the path is looked up inside.
    public var rootDirectory: String?
    /// StandardInput=tty*: 1 makes stdin the controlling terminal, 2 steals it (tty-force).
    public var controllingTerminal: Int32 = 0
    public var limits: [SpawnLimit] = []
    public var nice: Int32?
    /// Capabilities, no_new_privs and seccomp programs; nil restricts nothing.
    public var privileges: SpawnPrivileges?
    /// Namespaces and mounts (PrivateNetwork=, ProtectSystem=, …); nil: none.
    public var mounts: CMountPlan?
}

public struct SpawnOutcome {
    public var pid: Int32
    public var pidfd: OwnedFD?
    /// The systemd exit status of the failed setup step (203 EXEC, …) and errno.
    public var failure: (status: Int32, errno: Int32)?
    /// The namespace step that failed (status 225/226), described.
    public var failedMountStep: String?
}

public enum Spawner {
    /// Starts the process; throws only when no child could be created at all.
    /// `resetSignals`: the dispositions the child must set back to SIG_DFL; nil resets all 62.
    public static func spawn(_ plan: SpawnPlan, resetSignals: UnsafePointer<sigset_t>? = nil) throws -> SpawnOutcome {
        let strings = CStringArena()
        defer { strings.free() }
        let argv = strings.array(plan.arguments)
        let envp = strings.array(plan.environment, slots: Set(plan.pidSlots), slotRoom: Int(CSPAWN_PID_DIGITS))
        let slots = plan.pidSlots.map(Int32.init)
        let path = strings.string(plan.path)
        let cwd = plan.workingDirectory.map { strings.string($0) }
        let root = plan.rootDirectory.map { strings.string($0) }
        let groups = plan.credentials?.groups ?? []
        var scratch = [Int32](repeating: -1, count: plan.fds.count + 3)
        var limits = plan.limits.map { cspawn_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) }
        var result = cspawn_result()
        var failedStep: String?
        let code: Int32 = plan.fds.withUnsafeBufferPointer { fds in slots.withUnsafeBufferPointer { slotList in
            groups.withUnsafeBufferPointer { groupList in
                scratch.withUnsafeMutableBufferPointer { scratchList in
                    limits.withUnsafeMutableBufferPointer { limitList in
                        var request = cspawn_request(
                            plan: plan, path: path, argv: argv, envp: envp, pidSlots: slotList,
                            fds: fds, scratch: scratchList.baseAddress, stdio: plan.stdio,
                            groups: groupList, cwd: cwd, root: root, limits: UnsafeBufferPointer(limitList))
                        request.reset_signals = resetSignals
                        guard let mounts = plan.mounts else { return cspawn(&request, &result) }
                        let run = mounts.withRequest { pointer in
                            request.mounts = pointer
                            return cspawn(&request, &result)
                        }
                        failedStep = run.failedStep.map(mounts.describe(step:))
                        return run.result
                    }
                }
            }
        } }
        guard code == 0 else { throw SystemError(call: "clone", object: plan.path, errno: lastErrno()) }
        let pidfd = result.pidfd >= 0 ? OwnedFD(adopting: result.pidfd) : nil
        let failure = result.failed_stage == 0 ? nil : (result.failed_stage, result.failed_errno)
        return SpawnOutcome(pid: result.pid, pidfd: pidfd, failure: failure,
                            failedMountStep: failure == nil ? nil : failedStep)
    }
}

extension cspawn_request {
    /// The one place a request is put together, for the Accept=no and Accept=yes
    /// spawners alike: the plan's settings and the pointers the caller keeps alive
    /// for the duration of the cspawn call.
    init(plan: SpawnPlan, path: UnsafePointer<CChar>, argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
         envp: UnsafePointer<UnsafeMutablePointer<CChar>?>, pidSlots: UnsafeBufferPointer<Int32>,
         fds: UnsafeBufferPointer<Int32>, scratch: UnsafeMutablePointer<Int32>?, stdio: (Int32, Int32, Int32),
         groups: UnsafeBufferPointer<UInt32>, cwd: UnsafePointer<CChar>?, root: UnsafePointer<CChar>?,
         limits: UnsafeBufferPointer<cspawn_rlimit>) {
        self.init()
        self.path = path
        self.argv = argv
        self.envp = envp
        pid_slots = pidSlots.baseAddress
        n_pid_slots = Int32(pidSlots.count)
        self.fds = fds.baseAddress
        n_fds = Int32(fds.count)
        self.scratch = scratch
        self.stdio = stdio
        applyProcessSettings(of: plan)
        self.groups = groups.baseAddress
        n_groups = Int32(groups.count)
        self.cwd = cwd
        self.root = root
        rlimits = limits.baseAddress
        n_rlimits = Int32(limits.count)
    }

    /// The plan's scalar settings (fd flags, signals, session, credentials, umask,
    /// cwd policy, nice, the controlling terminal, the prepared privileges), shared by the Accept=no and Accept=yes spawners. Pointer
    /// fields (strings, groups, limits) stay with the caller, who owns their lifetime.
    public mutating func applyProcessSettings(of plan: SpawnPlan) {
        nonblock = plan.nonBlocking.map { $0 ? 1 : 0 } ?? -1
        ignore_sigpipe = plan.ignoreSIGPIPE ? 1 : 0
        new_session = 1
        set_credentials = plan.credentials == nil ? 0 : 1
        uid = plan.credentials?.uid ?? 0
        gid = plan.credentials?.gid ?? 0
        umask = plan.umask
        cwd_optional = plan.workingDirectoryOptional ? 1 : 0
        set_nice = plan.nice == nil ? 0 : 1
        nice = plan.nice ?? 0
        controlling_tty = plan.controllingTerminal
        privileges = plan.privileges.map { UnsafePointer($0.pointer) }
    }
}

/// C strings allocated together and freed together: for one spawn, or as long as a CMountPlan or an
/// InstanceLaunchTemplate lives.
final class CStringArena {
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var arrays: [UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>] = []

    /// A copy of `text` with `room` spare bytes after its NUL.
    public func string(_ text: String, room: Int = 0) -> UnsafeMutablePointer<CChar> {
        let buffer = makeCString(text, room: room)
        strings.append(buffer)
        return buffer
    }

    /// A NULL-terminated array; the entries at `slots` get `slotRoom` spare bytes.
    public func array(_ texts: [String], slots: Set<Int> = [], slotRoom: Int = 0)
        -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let list = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: texts.count + 1)
        for (index, text) in texts.enumerated() {
            list[index] = string(text, room: slots.contains(index) ? slotRoom : 0)
        }
        list[texts.count] = nil
        arrays.append(list)
        return list
    }

    public func free() {
        strings.forEach { $0.deallocate() }
        arrays.forEach { $0.deallocate() }
    }
}

/// A NUL-terminated heap copy of `text` followed by `room` zeroed bytes; the caller deallocates it.
func makeCString(_ text: String, room: Int = 0) -> UnsafeMutablePointer<CChar> {
    let bytes = Array(text.utf8)
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1 + room)
    for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
    for index in bytes.count..<(bytes.count + 1 + room) { buffer[index] = 0 }
    return buffer
}
