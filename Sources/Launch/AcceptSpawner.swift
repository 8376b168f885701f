// The Accept=yes spawner: a pool of threads (one per core, at most four, each
// started when a request finds the others busy) that only run CSpawn for
// requests the loop prepared, so accepting and reaping go on while a spawn holds
// its thread. Requests arrive through a locked queue and a semaphore; results
// wait until the loop reaps. A submitted request's connection fd and strings
// belong to the spawner, which closes and frees them.
import CSpawn
import FoundationEssentials
import UsherSys

public struct InstanceSpawnRequest {
    public let token: UInt64
    public let template: InstanceLaunchTemplate
    public let ip: Bool
    public let strings: InstanceStrings
    public let connection: Int32
    /// The write end of the instance's own output pipe (`.ownPipe` stdio), or -1; closed after the spawn.
    public let outputPipe: Int32
    /// The instance's own StandardInput=data memfd (`.ownData` stdio), or -1; closed after the spawn.
    public let inputData: Int32

    public init(token: UInt64, template: InstanceLaunchTemplate, ip: Bool, strings: InstanceStrings, connection: Int32,
                outputPipe: Int32 = -1, inputData: Int32 = -1) {
        self.token = token
        self.template = template
        self.ip = ip
        self.strings = strings
        self.connection = connection
        self.outputPipe = outputPipe
        self.inputData = inputData
    }
}

public struct InstanceSpawnResult {
    public let token: UInt64
    /// -1 when no child was created (then `errno` is clone's).
    public let pid: Int32
    /// The systemd exit status of the failed setup step (203 EXEC, …), 0 when exec'd.
    public let failedStage: Int32
    public let errno: Int32
    /// The namespace step that failed (status 225/226), described, as SpawnOutcome.failedMountStep.
    public var failedMountStep: String?

    public init(token: UInt64, pid: Int32, failedStage: Int32, errno: Int32, failedMountStep: String? = nil) {
        self.token = token
        self.pid = pid
        self.failedStage = failedStage
        self.errno = errno
        self.failedMountStep = failedMountStep
    }
}

public final class AcceptSpawner {
    private let requestsLock = ThreadLock()
    private let requestsReady = CountingSemaphore()
    private var requests: [InstanceSpawnRequest] = []
    private var head = 0
    private let resultsLock = ThreadLock()
    private var results: [InstanceSpawnResult] = []
    /// Spawns the pool has finished (under resultsLock); `submitted` is the loop's own count:
    /// the difference is how many are queued or running.
    private var published = 0
    private var submitted = 0
    private var loopNotified = false
    private var wakeWanted = false
    /// Pool threads started so far (by the loop, as submissions outgrow them), and the most there may be.
    private var threads = 0
    private let maxThreads: Int
    public let wakeRead: OwnedFD
    private let wakeWrite: OwnedFD

    public static var defaultThreadCount: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    /// No thread starts here: the first submission that finds every started thread busy starts one.
    public init(threads: Int = AcceptSpawner.defaultThreadCount) throws {
        let pipe = try OwnedFD.pipe(nonBlocking: true)
        wakeRead = pipe.read
        wakeWrite = pipe.write
        maxThreads = max(1, threads)
        requests.reserveCapacity(256)
        results.reserveCapacity(256)
    }

    /// Queues the request for the pool, starting a thread when every started one has work;
    /// when no thread can start at all, spawns it here and keeps the result for `collect`.
    /// Called from the loop's thread only.
    public func submit(_ request: InstanceSpawnRequest) {
        if threads < maxThreads && submitted - finishedCount() >= threads {
            let started = startThread()
            if !started && threads == 0 {
                submitted += 1
                return publish(Self.spawn(request))
            }
        }
        submitted += 1
        requestsLock.lock()
        requests.append(request)
        requestsLock.unlock()
        // Posted after unlocking, so the woken thread does not block on the lock we still hold.
        requestsReady.post()
    }

    private func finishedCount() -> Int {
        resultsLock.lock()
        defer { resultsLock.unlock() }
        return published
    }

    /// One more pool thread; false when the system refused it.
    private func startThread() -> Bool {
        do {
            try Threads.startDetached { [self] in
                while true { publish(Self.spawn(nextRequest())) }
            }
        } catch {
            return false
        }
        threads += 1
        return true
    }

    /// Moves the finished spawns into `buffer` (which should be empty) and re-arms the wake-up.
    /// `woken`: called because the wake-up pipe polled readable (it is emptied then).
    public func collect(into buffer: inout [InstanceSpawnResult], woken: Bool = false) {
        resultsLock.lock()
        swap(&buffer, &results)
        let notified = loopNotified
        loopNotified = false
        wakeWanted = false
        resultsLock.unlock()
        // Reaping collects too: read the pipe only when a byte was (or is about to be)
        // written; a byte that lands after this read makes one empty wake-up later.
        if notified || woken { wakeRead.drainWakeups() }
    }

    /// Asks for a wake-up at the next result (or now, if one is waiting).
    public func wakeWhenResultsArrive() {
        resultsLock.lock()
        let now = !results.isEmpty && !loopNotified
        if now { loopNotified = true } else { wakeWanted = true }
        resultsLock.unlock()
        if now { wakeWrite.signalWakeup() }
    }

    private func nextRequest() -> InstanceSpawnRequest {
        requestsReady.wait()
        requestsLock.lock()
        defer { requestsLock.unlock() }
        let request = requests[head]
        head += 1
        if head == requests.count {
            requests.removeAll(keepingCapacity: true)
            head = 0
        }
        return request
    }

    private func publish(_ result: InstanceSpawnResult) {
        resultsLock.lock()
        results.append(result)
        published += 1
        let wake = !loopNotified && (wakeWanted || result.pid < 0)
        if wake { loopNotified = true }
        resultsLock.unlock()
        if wake { wakeWrite.signalWakeup() }
    }

    /// Runs CSpawn for one request, then closes the parent's copy of the connection.
    private static func spawn(_ request: InstanceSpawnRequest) -> InstanceSpawnResult {
        let template = request.template
        var connection = request.connection
        var result = cspawn_result()
        let pipe = request.outputPipe
        let data = request.inputData
        let stdio = (fd(template.stdio.0, connection, pipe, data), fd(template.stdio.1, connection, pipe, data),
                     fd(template.stdio.2, connection, pipe, data))
        let slots = request.ip ? template.pidSlotsIP : template.pidSlotsLocal
        var failedStep: Int?
        let code: Int32 = slots.withUnsafeBufferPointer { slotList in
            template.groups.withUnsafeBufferPointer { groupList in
                template.limits.withUnsafeBufferPointer { limitList in
                    withUnsafePointer(to: &connection) { connectionPointer in
                        let fds = UnsafeBufferPointer(start: connectionPointer, count: template.passesConnectionAsFD3 ? 1 : 0)
                        var c = cspawn_request(
                            plan: template.plan, path: template.path, argv: request.strings.argv,
                            envp: request.strings.envp, pidSlots: slotList, fds: fds, scratch: request.strings.scratch,
                            stdio: stdio, groups: groupList, cwd: template.workingDirectory.map { UnsafePointer($0) },
                            root: template.rootDirectory.map { UnsafePointer($0) }, limits: limitList)
                        c.reset_signals = ResetSignals.set
                        c.no_pidfd = 1
                        guard let mounts = template.mounts else { return cspawn(&c, &result) }
                        let run = mounts.withRequest { pointer in
                            c.mounts = pointer
                            return cspawn(&c, &result)
                        }
                        failedStep = run.failedStep
                        return run.result
                    }
                }
            }
        }
        let cloneErrno = code == 0 ? 0 : lastErrno()
        OwnedFD.closeRaw(request.connection)
        if pipe >= 0 { OwnedFD.closeRaw(pipe) }
        if data >= 0 { OwnedFD.closeRaw(data) }
        request.strings.free()
        guard code == 0 else { return InstanceSpawnResult(token: request.token, pid: -1, failedStage: 0, errno: cloneErrno) }
        let step = result.failed_stage == 0 ? nil : failedStep.flatMap { template.mounts?.describe(step: $0) }
        return InstanceSpawnResult(token: request.token, pid: result.pid, failedStage: result.failed_stage,
                                   errno: result.failed_errno, failedMountStep: step)
    }

    private static func fd(_ choice: InstanceStdio, _ connection: Int32, _ pipe: Int32, _ data: Int32) -> Int32 {
        switch choice {
        case .connection: return connection
        case .fixed(let fd): return fd
        case .ownPipe: return pipe
        case .ownData: return data
        }
    }
}
