// What the daemon does to processes once they exist, as a protocol: reap the
// exited children, send signals, and ask /proc which processes a run left
// behind. SystemProcesses is the kernel (UsherSys); the daemon's tests
// declare which of their fake pids exited and record the signals sent.
import UsherSys

public protocol ProcessControl {
    /// Every exited child (ours or an adopted orphan), without blocking.
    func reapExited() -> [ReapedChild]
    /// Signals a whole process group; a group that is gone is not an error.
    func signalGroup(_ group: Int32, _ signal: Int32) throws
    /// Signals one process through its pidfd, immune to pid reuse.
    func signal(pidfd: OwnedFD, _ signal: Int32) throws
    func signal(pid: Int32, _ signal: Int32)
    /// Whether the process group `group` has any member left.
    func groupExists(_ group: Int32) -> Bool
    /// The process group of `pid`, or nil when it is gone.
    func processGroup(of pid: Int32) -> Int32?
    /// The processes usherd's main thread forked or adopted (see ProcessTree.childrenOfMainThread).
    func childrenOfMainThread() -> [Int32]
    /// The members of `sessions` (or of the process groups so numbered) among
    /// `candidates`, with their descendants.
    func sessionMembers(of sessions: Set<Int32>, among candidates: [Int32]) -> [Int32]
    /// At exit: SIGKILLs and reaps every remaining child but those `spares` (KillMode=process/none
    /// leftovers at shutdown); returns how many could not be reaped.
    func killAndReapAllChildren(timeoutMicroseconds: UInt64, sparing spares: (Int32) -> Bool) -> Int
}

public struct SystemProcesses: ProcessControl {
    private let children = ChildrenFile()

    public init() {}

    public func reapExited() -> [ReapedChild] { Processes.reapAll() }
    public func signalGroup(_ group: Int32, _ signal: Int32) throws { try Processes.signalGroup(group, signal) }
    public func signal(pidfd: OwnedFD, _ signal: Int32) throws { try Processes.signal(pidfd: pidfd, signal) }
    public func signal(pid: Int32, _ signal: Int32) { Processes.signal(pid: pid, signal) }
    public func groupExists(_ group: Int32) -> Bool { ProcessTree.groupExists(group) }
    public func processGroup(of pid: Int32) -> Int32? { Processes.processGroup(of: pid) }
    public func childrenOfMainThread() -> [Int32] { children.read() }

    public func sessionMembers(of sessions: Set<Int32>, among candidates: [Int32]) -> [Int32] {
        ProcessTree.leftovers(of: sessions, among: candidates)
    }

    public func killAndReapAllChildren(timeoutMicroseconds: UInt64, sparing spares: (Int32) -> Bool) -> Int {
        Processes.killAndReapAllChildren(timeoutMicroseconds: timeoutMicroseconds, sparing: spares)
    }
}
