// The [Service] settings most services leave at their defaults, stored out of
// line in ServiceUnit.uncommon (@Sparse: no box at the defaults). ServiceUnit
// reads and writes them by dynamic member lookup, as if they were its own
// (`unit.execStop`, `\ServiceUnit.pidFile`).

extension ServiceUnit {
    public struct Uncommon: SparseGroup {
        public static let defaults = Uncommon()
        public var execStartPost: [CommandLine] = []
        public var execStop: [CommandLine] = []
        public var execStopPost: [CommandLine] = []
        public var execReload: [CommandLine] = []
        public var timeoutAbortSec: TimeSpan?
        public var runtimeMaxSec: TimeSpan = .infinity
        public var successExitStatus: [Int32] = []
        public var restartPreventExitStatus: [Int32] = []
        /// Signal names in SuccessExitStatus= (e.g. SIGTERM) and RestartPreventExitStatus=.
        public var successExitSignals: [Int32] = []
        public var restartPreventExitSignals: [Int32] = []
        /// RestartForceExitStatus=: these exits restart the service whatever Restart= says.
        public var restartForceExitStatus: [Int32] = []
        public var restartForceExitSignals: [Int32] = []
        /// PIDFile= of a Type=forking service (absolute; /var/run/ rewritten to /run/).
        public var pidFile: String?
        public var guessMainPID = true
        public var nonBlocking = false
        public var fileDescriptorStoreMax: UInt32 = 0
        public var notifyAccess: NotifyAccess?
        /// BusName= (Type=dbus is ready when this name appears on the system bus).
        public var busName: String?
        public var watchdogSec: TimeSpan?
        public init() {}
    }

    public subscript<Value>(dynamicMember path: WritableKeyPath<Uncommon, Value>) -> Value {
        get { uncommon[keyPath: path] }
        set { uncommon[keyPath: path] = newValue }
        _modify { yield &uncommon[keyPath: path] }
    }
}
