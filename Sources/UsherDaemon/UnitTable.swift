// The one owner of usherd's runtime state: every socket, Accept=yes socket and
// service runtime, the units that failed to load or bind, and one pid table
// that says whose each child process is (a service's main or control process,
// or an Accept=yes instance), with the instances still being spawned and
// those whose leftovers are being stopped. The daemon changes it only through
// the actions its machines return; status is folded from it.
import Activation
import Binder
import UnitModel
import UsherSys

struct SocketRuntime {
    var unit: SocketUnit
    var machine: SocketMachine
    /// nil while the unit is failed or stopped: its listeners are closed.
    var bound: BoundSocket?
    var times = UnitTimes()
    var sources: [EventSource]
    var cooldown: EventSource?

    var listeners: [BoundListener] { bound?.listeners ?? [] }

    /// Stops watching and closes the listeners (RemoveOnStop= decides about nodes).
    mutating func closeListeners() {
        sources.forEach { $0.cancel() }
        sources = []
        if let bound { Binder.release(bound) }
        bound = nil
    }
}

struct ServiceRuntime {
    var unit: ServiceUnit
    var machine: ServiceMachine
    var timer: EventSource?
    /// When `timer` fires (monotonic µs), so a re-exec can arm it again.
    var timerDeadline: UInt64?
    var pidfd: OwnedFD?
    var times = UnitTimes()
    /// The pids usherd spawned for this run (main and control): each leads its
    /// own session and process group, which is how usherd, without cgroups,
    /// tells the service's processes from others.
    var sessions: Set<Int32> = []
    /// A main process that is not usherd's child (MAINPID= from root), followed through its pidfd.
    var alienMain: AlienMain?
    /// A reloaded definition that waits for the running one to stop (Daemon+Reload).
    var pending: ServiceUnit?
}

/// A unit left out at start-up: it did not load (LoadState=error), or it loaded but
/// could not start (failed with result resources). `reason` names file and line where known.
struct BrokenUnit {
    var loaded: Bool
    var reason: String
}

/// Whose child a pid is.
enum ProcessOwner {
    /// A main or control process of this service (the machine knows which).
    case service(UnitName)
    /// The main process of one Accept=yes connection.
    case instance(InstanceRecord)
}

final class UnitTable {
    var sockets: [UnitName: SocketRuntime] = [:]
    var acceptSockets: [UnitName: AcceptRuntime] = [:]
    var services: [UnitName: ServiceRuntime] = [:]
    var broken: [UnitName: BrokenUnit] = [:]
    /// Units a reload removed that still run (a service, or a socket's service or
    /// instances): not watched, dropped once they have stopped (Daemon+Reload).
    var retiring: Set<UnitName> = []
    /// Every child usherd started and has not reaped, by pid.
    private(set) var pids: [Int32: ProcessOwner] = [:]
    /// How many of `pids` are Accept=yes instances.
    private(set) var liveInstances = 0
    /// Connections handed to the spawner whose pid is not known yet, by token.
    var pendingInstances: [UInt64: InstanceRecord] = [:]
    /// Instances whose main process exited while other processes of theirs live on,
    /// by that main pid (their session id); their connection slots are still held.
    var lingering: [Int32: LingeringInstance] = [:]

    /// Whether `name` has a runtime (a working definition): a socket, Accept=yes socket or service.
    func hasRuntime(_ name: UnitName) -> Bool {
        sockets[name] != nil || acceptSockets[name] != nil || services[name] != nil
    }

    /// Every unit in the table, with a runtime or broken.
    var names: Set<UnitName> {
        Set(sockets.keys).union(acceptSockets.keys).union(services.keys).union(broken.keys)
    }

    func own(_ pid: Int32, by owner: ProcessOwner) {
        if case .instance = owner { liveInstances += 1 }
        if case .instance? = pids.updateValue(owner, forKey: pid) { liveInstances -= 1 }
    }

    @discardableResult
    func disown(_ pid: Int32) -> ProcessOwner? {
        let owner = pids.removeValue(forKey: pid)
        if case .instance? = owner { liveInstances -= 1 }
        return owner
    }

    func owner(of pid: Int32) -> ProcessOwner? { pids[pid] }

    /// How many children usherd supervises (services' processes and instances).
    var processCount: Int { pids.count }

    /// The service `pid` is a main or control process of.
    func service(owning pid: Int32) -> UnitName? {
        if case .service(let name)? = pids[pid] { return name }
        return nil
    }

    /// The running Accept=yes instances (of `socket`, or of every socket), by pid.
    func instances(of socket: UnitName? = nil) -> [(pid: Int32, record: InstanceRecord)] {
        pids.compactMap { pid, owner in
            guard case .instance(let record) = owner, socket == nil || record.socket == socket else { return nil }
            return (pid, record)
        }
    }
}
