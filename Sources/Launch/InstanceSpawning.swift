// What the daemon needs from the Accept=yes spawner, as a protocol: spawn a
// prepared connection on the caller's thread or submit it to a pool, whether
// the pool has work, collect the pool's finished spawns, ask for a wake-up,
// and the fd the loop watches for it. AcceptSpawner (CSpawn, on the loop's
// thread or pool threads) is usherd's; the daemon's tests hand out pids without forking.
import UsherSys

public protocol InstanceSpawning: AnyObject {
    /// Readable when results wait and a wake-up was asked for (or a spawn failed).
    var wakeFD: Int32 { get }
    /// True when no submitted spawn is queued or running (results may still wait for `collect`).
    var isIdle: Bool { get }
    /// Spawns on the calling thread and returns the result (never seen by `collect`);
    /// takes over the request's connection fd and strings.
    func spawnHere(_ request: InstanceSpawnRequest) -> InstanceSpawnResult
    /// Hands the request to the pool; takes over its connection fd and strings.
    func submit(_ request: InstanceSpawnRequest)
    /// Moves the finished spawns into `buffer` (which should be empty); `woken`:
    /// called because `wakeFD` polled readable.
    func collect(into buffer: inout [InstanceSpawnResult], woken: Bool)
    /// Asks for a wake-up at the next result (or now, if one is waiting).
    func wakeWhenResultsArrive()
}

extension AcceptSpawner: InstanceSpawning {
    public var wakeFD: Int32 { wakeRead.raw }
}
