// What the daemon needs from the Accept=yes spawner, as a protocol: submit a
// prepared connection, collect the finished spawns, ask for a wake-up, and
// the fd the loop watches for it. AcceptSpawner (threads running CSpawn) is
// usherd's; the daemon's tests hand out pids without forking.
import UsherSys

public protocol InstanceSpawning: AnyObject {
    /// Readable when results wait and a wake-up was asked for (or a spawn failed).
    var wakeFD: Int32 { get }
    /// Takes over the request's connection fd and strings.
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
