// The Accept=yes spawner of an in-process daemon: each submitted connection
// gets a fake pid from FakeProcesses at once, its argv and environment are
// recorded, and its connection is closed (the client sees EOF). Results wait
// until the daemon collects them, on SIGCHLD or on `.spawnResults`; the test
// can hold them back (spawns still running) and make a spawn fail.
@testable import Launch
import UsherSys

final class FakeInstanceSpawner: InstanceSpawning {
    struct Spawn {
        /// -1 when the spawn failed before a child existed.
        var pid: Int32
        var arguments: [String]
        var environment: [String]
    }

    /// How the next spawn fails, as CSpawn would report it.
    enum Failure {
        /// clone failed: no child.
        case fork(errno: Int32)
        /// The child failed at a setup step (203 EXEC, …) and exits with that status.
        case setup(stage: Int32, errno: Int32)
    }

    private let processes: FakeProcesses
    /// Never written: the test fires `.spawnResults` itself.
    private let wake: (read: OwnedFD, write: OwnedFD)
    /// Finished pool spawns, until collected.
    private var results: [InstanceSpawnResult] = []
    /// Pool spawns still "running" while `poolHolds`, until `finishPool()`.
    private var running: [InstanceSpawnResult] = []
    private(set) var spawned: [Spawn] = []
    /// While true, submitted spawns stay running (no result) until `finishPool()`.
    var poolHolds = false
    /// The next spawn's failure, then cleared.
    var nextFailure: Failure?

    init(processes: FakeProcesses) throws {
        self.processes = processes
        wake = try OwnedFD.pipe(nonBlocking: true)
    }

    var wakeFD: Int32 { wake.read.raw }

    func submit(_ request: InstanceSpawnRequest) {
        let result = spawn(request)
        if poolHolds { running.append(result) } else { results.append(result) }
    }

    /// The pool's running spawns finish; their results wait for the daemon to collect them.
    func finishPool() {
        results += running
        running = []
    }

    func collect(into buffer: inout [InstanceSpawnResult], woken: Bool) { swap(&buffer, &results) }
    func wakeWhenResultsArrive() {}

    private func spawn(_ request: InstanceSpawnRequest) -> InstanceSpawnResult {
        let failure = nextFailure
        nextFailure = nil
        var pid: Int32 = -1
        if case .fork = failure {} else { pid = processes.handOutPID() }
        spawned.append(Spawn(pid: pid, arguments: Self.strings(request.strings.argv),
                             environment: Self.strings(request.strings.envp)))
        OwnedFD.closeRaw(request.connection)
        request.strings.free()
        switch failure {
        case nil: return InstanceSpawnResult(token: request.token, pid: pid, failedStage: 0, errno: 0)
        case .fork(let errno): return InstanceSpawnResult(token: request.token, pid: -1, failedStage: 0, errno: errno)
        case .setup(let stage, let errno):
            return InstanceSpawnResult(token: request.token, pid: pid, failedStage: stage, errno: errno)
        }
    }

    private static func strings(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> [String] {
        var found: [String] = []
        var index = 0
        while let entry = list[index] {
            found.append(String(cString: entry))
            index += 1
        }
        return found
    }
}
