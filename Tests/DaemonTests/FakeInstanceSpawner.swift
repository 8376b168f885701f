// The Accept=yes spawner of an in-process daemon: each submitted connection
// gets a fake pid from FakeProcesses at once, its argv and environment are
// recorded, and its connection is closed (the client sees EOF). Results wait
// until the daemon collects them, on SIGCHLD or on `.spawnResults`.
@testable import Launch
import UsherSys

final class FakeInstanceSpawner: InstanceSpawning {
    struct Spawn {
        var pid: Int32
        var arguments: [String]
        var environment: [String]
    }

    private let processes: FakeProcesses
    /// Never written: the test fires `.spawnResults` itself.
    private let wake: (read: OwnedFD, write: OwnedFD)
    private var results: [InstanceSpawnResult] = []
    private(set) var spawned: [Spawn] = []

    init(processes: FakeProcesses) throws {
        self.processes = processes
        wake = try OwnedFD.pipe(nonBlocking: true)
    }

    var wakeFD: Int32 { wake.read.raw }

    func submit(_ request: InstanceSpawnRequest) {
        let pid = processes.handOutPID()
        spawned.append(Spawn(pid: pid, arguments: Self.strings(request.strings.argv),
                             environment: Self.strings(request.strings.envp)))
        OwnedFD.closeRaw(request.connection)
        request.strings.free()
        results.append(InstanceSpawnResult(token: request.token, pid: pid, failedStage: 0, errno: 0))
    }

    func collect(into buffer: inout [InstanceSpawnResult], woken: Bool) { swap(&buffer, &results) }
    func wakeWhenResultsArrive() {}

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
