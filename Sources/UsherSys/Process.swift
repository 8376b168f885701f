// Processes as usherd handles them once they exist: reaping with waitid,
// signals to a pid, a pidfd or a process group, child-subreaper mode, the
// children of a pid from /proc. User lookup is in Users.swift.
// Creating processes is CSpawn's job (see UsherDaemon's Spawner).
import Glibc
import CSysShims

/// One reaped child, as waitid reports it: exited with `status`, or killed
/// by signal `status` (with a core dump when `coreDumped`).
public struct ReapedChild: Sendable, Equatable {
    public var pid: Int32
    public var killedBySignal: Bool
    public var coreDumped: Bool
    public var status: Int32
}

public enum Processes {
    /// This process's pid, read once (no Swift runs in a forked child).
    public static let currentPID: Int32 = getpid()

    /// Reaps every exited child without blocking (our own and adopted orphans).
    public static func reapAll() -> [ReapedChild] {
        var reaped: [ReapedChild] = []
        while true {
            var pid: pid_t = 0
            var code: Int32 = 0
            var status: Int32 = 0
            let got = usher_reap_any(&pid, &code, &status)
            if got < 0 && errno == EINTR { continue }
            guard got == 1 else { return reaped }
            let killed = code == Int32(CLD_KILLED) || code == Int32(CLD_DUMPED)
            reaped.append(ReapedChild(pid: pid, killedBySignal: killed, coreDumped: code == Int32(CLD_DUMPED),
                                      status: status))
        }
    }

    /// Signals a whole process group; ESRCH (group already gone) is not an error.
    public static func signalGroup(_ pgid: Int32, _ signal: Int32) throws {
        guard pgid > 1 else { return }
        if kill(-pgid, signal) < 0 && errno != ESRCH {
            throw SystemError(call: "kill", object: "process group \(pgid)", errno: errno)
        }
    }

    /// Signals one process through its pidfd, immune to pid reuse.
    public static func signal(pidfd: OwnedFD, _ signal: Int32) throws {
        if usher_pidfd_send_signal(pidfd.raw, signal) < 0 && errno != ESRCH {
            throw SystemError(call: "pidfd_send_signal", object: pidfd.description, errno: errno)
        }
    }

    /// A pidfd for a process that need not be our child (readable once it exits).
    public static func openPIDFD(_ pid: Int32) throws -> OwnedFD {
        OwnedFD(adopting: try sysCall("pidfd_open", "PID \(pid)") { usher_pidfd_open(pid) })
    }

    public static func signal(pid: Int32, _ signal: Int32) {
        guard pid > 1 else { return }
        _ = kill(pid, signal)
    }

    /// Orphans of our services become our children to reap (not PID 1's).
    public static func becomeChildSubreaper() throws {
        _ = try sysCall("prctl(PR_SET_CHILD_SUBREAPER)") { usher_set_child_subreaper() }
    }

    /// Pids whose parent is `parent`, read from /proc/PID/stat.
    public static func children(of parent: Int32) -> [Int32] {
        numericDirectoryEntries("/proc").filter { parentPID(of: $0) == parent }
    }

    /// The ppid field of /proc/PID/stat, or nil when the process is gone.
    public static func parentPID(of pid: Int32) -> Int32? {
        ProcessIDs.read(pid)?.parent
    }
}

/// Reads a small text file (procfs, environment files) in one go: about its first `limit` bytes.
public func readSmallFile(_ path: String, limit: Int = 1 << 20) throws -> String {
    String(decoding: try FileReading.contents(of: path, limit: limit), as: UTF8.self)
}

/// errno as the last failed C call left it (for C shims outside UsherSys).
public func lastErrno() -> Int32 { errno }

extension Processes {
    /// SIGKILLs every remaining child (and its process group) and reaps until
    /// none is left or the timeout passes; returns how many are still there.
    public static func killAndReapAllChildren(timeoutMicroseconds: UInt64, sparing spares: (Int32) -> Bool = { _ in false }) -> Int {
        let deadline = monotonicMicroseconds() + timeoutMicroseconds
        let me = currentPID
        let spared = Set(children(of: me).filter(spares))
        var doomed: [Int32] { children(of: me).filter { !spared.contains($0) } }
        while !doomed.isEmpty {
            for child in doomed {
                _ = kill(-child, SIGKILL)
                _ = kill(child, SIGKILL)
            }
            _ = reapAll()
            guard !doomed.isEmpty else { break }
            if monotonicMicroseconds() >= deadline { return doomed.count }
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            _ = nanosleep(&pause, nil)
        }
        return 0
    }
}
