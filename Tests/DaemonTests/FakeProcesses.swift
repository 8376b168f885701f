// The processes of an in-process daemon: spawning hands out pids that no
// real process can have, records the plans and the signals sent, and reaping
// returns the exits the test declared. Nothing here forks, signals or reaps
// for real, so the test bundle's own children are never touched.
@testable import Launch
@testable import UsherSys

final class FakeProcesses: ProcessSpawner, ProcessControl {
    enum Target: Equatable {
        case group(Int32)
        case pid(Int32)
        /// A process signalled through its pidfd, by fd number.
        case pidfd(Int32)
    }

    /// Above the largest pid_max Linux allows (2^22): never a real process.
    private var lastPID: Int32 = 5_000_000
    private(set) var spawned: [(pid: Int32, plan: SpawnPlan)] = []
    private(set) var signals: [(target: Target, signal: Int32)] = []
    private var exits: [ReapedChild] = []
    /// Set to make the next spawn throw, as clone failing would.
    var nextSpawnError: Error?
    /// Process groups that outlive their leader: what a main process left behind.
    var livingGroups: Set<Int32> = []
    /// How often the daemon looked for the members of sessions (one lookup of leftovers each).
    private(set) var sessionScans = 0

    // MARK: what the test declares

    /// `pid` exited with `status`; the next SIGCHLD reaps it.
    func exit(_ pid: Int32, status: Int32 = 0) {
        exits.append(ReapedChild(pid: pid, killedBySignal: false, coreDumped: false, status: status))
    }

    /// `pid` was killed by `signal`; the next SIGCHLD reaps it.
    func kill(_ pid: Int32, by signal: Int32) {
        exits.append(ReapedChild(pid: pid, killedBySignal: true, coreDumped: false, status: signal))
    }

    func signals(to target: Target) -> [Int32] { signals.filter { $0.target == target }.map(\.signal) }

    // MARK: ProcessSpawner

    func spawn(_ plan: SpawnPlan) throws -> SpawnOutcome {
        if let error = nextSpawnError {
            nextSpawnError = nil
            throw error
        }
        let pid = handOutPID()
        spawned.append((pid, plan))
        return SpawnOutcome(pid: pid, pidfd: nil, failure: nil)
    }

    /// The next fake pid, for this spawner and the Accept=yes one.
    func handOutPID() -> Int32 {
        lastPID += 1
        return lastPID
    }

    // MARK: ProcessControl

    func reapExited() -> [ReapedChild] {
        defer { exits = [] }
        return exits
    }

    func signalGroup(_ group: Int32, _ signal: Int32) throws { signals.append((.group(group), signal)) }
    func signal(pidfd: OwnedFD, _ signal: Int32) throws { signals.append((.pidfd(pidfd.raw), signal)) }
    func signal(pid: Int32, _ signal: Int32) { signals.append((.pid(pid), signal)) }
    /// A fake process's group goes with the process unless the test declared it living.
    func groupExists(_ group: Int32) -> Bool { livingGroups.contains(group) }
    /// A fake process leads its own group, as every spawned process does (setsid).
    func processGroup(of pid: Int32) -> Int32? { pid }
    func childrenOfMainThread() -> [Int32] { [] }
    func sessionMembers(of sessions: Set<Int32>, among candidates: [Int32]) -> [Int32] {
        sessionScans += 1
        return []
    }
    func killAndReapAllChildren(timeoutMicroseconds: UInt64, sparing spares: (Int32) -> Bool) -> Int { 0 }
}
