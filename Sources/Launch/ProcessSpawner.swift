// How the daemon creates a service's main and control processes, as a
// protocol: SystemSpawner runs CSpawn (Spawner.spawn); the daemon's tests
// hand out pids without forking. Accept=yes instances go through the
// threaded AcceptSpawner instead (InstanceSpawning).

public protocol ProcessSpawner {
    /// Starts the process; throws only when no child could be created at all.
    func spawn(_ plan: SpawnPlan) throws -> SpawnOutcome
}

public struct SystemSpawner: ProcessSpawner {
    public init() {}

    public func spawn(_ plan: SpawnPlan) throws -> SpawnOutcome { try Spawner.spawn(plan) }
}
