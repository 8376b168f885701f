// The one owner of usherd's runtime state: every socket, Accept=yes socket and
// service runtime, the units that failed to load or bind, and one pid table
// that says whose each child process is (a service's main or control process,
// or an Accept=yes instance), with the instances still being spawned and
// those whose leftovers are being stopped. The daemon changes it only through
// the actions its machines return; status is folded from it.
import Activation
import Binder
import Launch
import UnitModel
import UsherSys

// Units live in Shared boxes (UnitModel): a socket runtime holds its own, a
// service's box is in its machine's config. A copy of a runtime (a scan over
// all services) does not copy its unit, and a bound socket's BoundSocket
// refers to the same box as its runtime.

/// A runtime's fields in one heap box, copied when written while shared, so that
/// the dictionaries of UnitTable hold a pointer per bucket instead of the whole
/// runtime (a service's is about 340 bytes, a socket's about 230, in 1.6 buckets
/// per unit). Reads and writes go through the fields' key paths
/// (`runtime.machine`, `runtime.timer = nil`); value semantics stay.
@dynamicMemberLookup
struct RuntimeBox<Fields> {
    private final class Storage {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }
    private var storage: Storage

    init(_ fields: Fields) { storage = Storage(fields) }

    /// A field computed from the others (`runtime.unit`, read from the machine's config).
    subscript<Value>(dynamicMember path: KeyPath<Fields, Value>) -> Value { storage.fields[keyPath: path] }

    subscript<Value>(dynamicMember path: WritableKeyPath<Fields, Value>) -> Value {
        get { storage.fields[keyPath: path] }
        // In place: a field's own arrays and sets are not copied to be changed.
        _modify {
            makeUnique()
            yield &storage.fields[keyPath: path]
        }
    }

    /// Changes the fields in place, in the dictionary that holds the box
    /// (`units.services[name]?.update { … }`): no second reference, so no copy.
    mutating func update<Result>(_ body: (inout Fields) -> Result) -> Result {
        makeUnique()
        return body(&storage.fields)
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
    }
}

typealias SocketRuntime = RuntimeBox<SocketRuntimeFields>
typealias ServiceRuntime = RuntimeBox<ServiceRuntimeFields>

extension RuntimeBox where Fields == SocketRuntimeFields {
    init(unit: Shared<SocketUnit>, machine: SocketMachine, bound: BoundSocket?, sources: [EventSource],
         commands: SocketCommands) {
        self.init(SocketRuntimeFields(sharedUnit: unit, machine: machine, bound: bound, sources: sources,
                                      commands: commands))
    }

    var listeners: [BoundListener] { self.bound?.listeners ?? [] }

    /// Stops watching and closes the listeners (RemoveOnStop= decides about nodes).
    mutating func closeListeners() {
        self.sources.forEach { $0.cancel() }
        self.sources = []
        if let bound = self.bound { Binder.release(bound) }
        self.bound = nil
    }
}

extension RuntimeBox where Fields == ServiceRuntimeFields {
    /// A new service: its unit's box is in its machine's config.
    init(unit: ServiceUnit) {
        self.init(ServiceRuntimeFields(machine: ServiceMachine(config: ServiceConfig(unit: unit))))
    }

    /// A service from a re-exec state: the machine goes on, on the saved unit.
    init(unit: ServiceUnit, machine: ServiceMachine) {
        var machine = machine
        machine.reattach(to: ServiceConfig(unit: unit))
        self.init(ServiceRuntimeFields(machine: machine))
    }
}

struct SocketRuntimeFields {
    var sharedUnit: Shared<SocketUnit>
    var unit: SocketUnit {
        get { sharedUnit.value }
        set { sharedUnit = Shared(newValue) }
    }
    var machine: SocketMachine
    /// nil while the unit is failed or stopped: its listeners are closed.
    var bound: BoundSocket?
    var times = UnitTimes()
    var sources: [EventSource]
    var cooldown: EventSource?
    /// ExecStartPre=/ExecStartPost=/ExecStopPre=/ExecStopPost= around binding and closing.
    var commands: SocketCommands
    var commandTimer: EventSource?
}

struct ServiceRuntimeFields {
    /// The definition the machine runs (a reload changes it with `machine.adopt`).
    var unit: ServiceUnit { machine.config.sharedUnit.value }
    var machine: ServiceMachine
    var timer: EventSource?
    /// When `timer` fires (monotonic µs), for EXTEND_TIMEOUT_USEC=.
    var timerDeadline: UInt64 = 0
    /// WatchdogSec=: fires unless WATCHDOG=1 re-arms it.
    var watchdog: EventSource?
    var watchdogDeadline: UInt64 = 0
    /// Type=forking: polls PIDFile= until it names a suitable main pid.
    var pidFilePoll: EventSource?
    /// Type=dbus: the match on the system bus for BusName=.
    var busWatch: EventSource?
    var pidfd: OwnedFD?
    var times = UnitTimes()
    /// The pids usherd spawned for this run (main and control): each leads its
    /// own session and process group, which is how usherd, without cgroups,
    /// tells the service's processes from others.
    var sessions: Set<Int32> = []
    /// A main process that is not usherd's child (MAINPID= from root), followed through its pidfd.
    var alienMain: AlienMain?
    private var pendingBox: Shared<ServiceUnit>?
    /// A reloaded definition that waits for the running one to stop (Daemon+Reload).
    var pending: ServiceUnit? {
        get { pendingBox?.value }
        set { pendingBox = newValue.map(Shared.init) }
    }
    /// This run's PrivateTmp= and credentials directories (Daemon+Sandbox), removed when it ends.
    var sandbox: SandboxPaths? {
        get { sandboxBox?.value }
        set { sandboxBox = newValue.map(Shared.init) }
    }
    /// Boxed: about 150 bytes that most services never use.
    private var sandboxBox: Shared<SandboxPaths>?

    init(machine: ServiceMachine) {
        self.machine = machine
    }
}

/// A unit left out at start-up: it did not load (LoadState=error), or it loaded but
/// could not start (failed with result resources). `reason` names file and line where known.
struct BrokenUnit {
    var loaded: Bool
    var reason: String
    /// A socket refused because its service does not load: each start logs the refusal again, as systemd's socket_start.
    var refusedForMissingService = false
}

/// Whose child a pid is.
enum ProcessOwner {
    /// A main or control process of this service (the machine knows which).
    case service(UnitName)
    /// The main process of one Accept=yes connection.
    case instance(InstanceRecord)
    /// A control process of an Accept=no socket unit (its ExecStartPre= and the like).
    case socket(UnitName)
}

final class UnitTable {
    /// Whoever adds, removes or replaces a socket unit here calls `socketUnitsChanged()`.
    var sockets: [UnitName: SocketRuntime] = [:]
    /// `sockets` by the service their Service= names; rebuilt on first use after a change.
    private var socketsByService: [UnitName: [UnitName]]?
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
    /// Each service's own fd store (FDSTORE=1), kept across its restarts (Daemon+ServiceFDStore).
    var fdStores: [UnitName: ServiceFDStore] = [:]
    /// The last StoredFD.serial handed out.
    var storedSerial: UInt64 = 0

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

    func socketUnitsChanged() { socketsByService = nil }

    /// The services whose machine waits for leftover processes to go, as `Daemon.deliver`
    /// last saw them: reaping checks these instead of copying every service's runtime.
    private(set) var awaitingLeftovers: Set<UnitName> = []

    func noteAwaitingLeftovers(_ name: UnitName, _ awaiting: Bool) {
        if awaiting { awaitingLeftovers.insert(name) } else { awaitingLeftovers.remove(name) }
    }

    /// The socket units whose commands' final kill waits for their leftovers to go, as
    /// `Daemon.runSocketCommands` last saw them.
    private(set) var socketsAwaitingLeftovers: Set<UnitName> = []

    func noteSocketAwaitingLeftovers(_ name: UnitName, _ awaiting: Bool) {
        if awaiting { socketsAwaitingLeftovers.insert(name) } else { socketsAwaitingLeftovers.remove(name) }
    }

    /// The socket units whose Service= is `service`.
    func socketUnits(naming service: UnitName) -> [SocketUnit] {
        if socketsByService == nil {
            var index: [UnitName: [UnitName]] = [:]
            for (name, runtime) in sockets { index[runtime.unit.service, default: []].append(name) }
            socketsByService = index
        }
        return (socketsByService?[service] ?? []).compactMap { sockets[$0]?.unit }
    }
}
