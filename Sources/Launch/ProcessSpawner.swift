// How the daemon creates a service's main and control processes, as a
// protocol: SystemSpawner runs CSpawn (Spawner.spawn); the daemon's tests
// hand out pids without forking. Accept=yes instances go through the
// threaded AcceptSpawner instead (InstanceSpawning).
import Glibc
import UsherSys

public protocol ProcessSpawner {
    /// Starts the process; throws only when no child could be created at all.
    func spawn(_ plan: SpawnPlan) throws -> SpawnOutcome
}

public struct SystemSpawner: ProcessSpawner {
    public init() {}

    public func spawn(_ plan: SpawnPlan) throws -> SpawnOutcome {
        try Spawner.spawn(plan, resetSignals: ResetSignals.set)
    }
}

/// The signals whose disposition usherd changed, taken once, at the first spawn of
/// either spawner (after the daemon's one-time signal set-up): the child resets those
/// (SIGPIPE) instead of calling sigaction 62 times in the vfork window. One set for
/// the process, never freed; a static is initialised once, safely across threads.
enum ResetSignals {
    static let set: UnsafePointer<sigset_t> = {
        let set = UnsafeMutablePointer<sigset_t>.allocate(capacity: 1)
        set.initialize(to: Signals.nonDefaultDispositions())
        return UnsafePointer(set)
    }()
}
