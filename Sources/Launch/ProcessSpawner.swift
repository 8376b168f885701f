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
    private let resetSignals = ResetSignals()

    public init() {}

    public func spawn(_ plan: SpawnPlan) throws -> SpawnOutcome {
        try Spawner.spawn(plan, resetSignals: resetSignals.set)
    }
}

/// The signals whose disposition usherd changed, taken at the first use (after the
/// daemon's one-time signal set-up): the child resets those (SIGPIPE) instead of
/// calling sigaction 62 times in the vfork window. The set is never freed: it lives
/// as long as usherd, and AcceptSpawner keeps only the pointer, taken on the loop's
/// thread before its threads read it.
final class ResetSignals {
    lazy var set: UnsafePointer<sigset_t> = {
        let set = UnsafeMutablePointer<sigset_t>.allocate(capacity: 1)
        set.initialize(to: Signals.nonDefaultDispositions())
        return UnsafePointer(set)
    }()
}
