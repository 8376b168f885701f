// sd_notify messages: newline-separated KEY=VALUE assignments in one
// datagram. Parsed into the keys usherd acts on (READY, RELOADING, STOPPING,
// STATUS, MAINPID, ERRNO, WATCHDOG, WATCHDOG_USEC, EXTEND_TIMEOUT_USEC, and the
// fd store's FDSTORE, FDSTOREREMOVE, FDNAME, FDPOLL); every assignment is kept
// in order. Pure.

public struct NotifyMessage: Sendable, Equatable {
    /// The state a service announces; systemd acts on the last one in a datagram.
    public enum StateChange: String, Sendable { case ready = "READY", reloading = "RELOADING", stopping = "STOPPING" }

    /// READY=1, RELOADING=1 or STOPPING=1, whichever comes last ("last one wins", as in systemd).
    public private(set) var lastStateChange: StateChange?
    public var status: String?
    public var mainPID: Int32?
    /// ERRNO= as sent (systemd warns when it is not a number).
    public var errno: String?
    /// WATCHDOG=1 (ping) and WATCHDOG=trigger.
    public var watchdogPing = false
    public var watchdogTrigger = false
    public var watchdogUSec: String?
    public var extendTimeoutUSec: String?
    /// FDSTORE=1, FDSTOREREMOVE=1, FDNAME= and FDPOLL= (the last of each wins, as in systemd).
    public var fdStore = false
    public var fdStoreRemove = false
    public var fdName: String?
    public var fdPoll = true
    /// Every assignment in message order, the understood ones included.
    public var assignments: [(key: String, value: String)] = []

    public init(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            let value = String(line[line.index(after: equals)...])
            assignments.append((key, value))
            switch key {
            case "READY", "RELOADING", "STOPPING":
                if value == "1" { lastStateChange = StateChange(rawValue: key) }
            case "STATUS": status = value
            case "MAINPID": mainPID = Int32(value)
            case "ERRNO": errno = value
            case "WATCHDOG":
                watchdogPing = watchdogPing || value == "1"
                watchdogTrigger = watchdogTrigger || value == "trigger"
            case "WATCHDOG_USEC": watchdogUSec = value
            case "EXTEND_TIMEOUT_USEC": extendTimeoutUSec = value
            case "FDSTORE": fdStore = value == "1"
            case "FDSTOREREMOVE": fdStoreRemove = value == "1"
            case "FDNAME": fdName = value
            case "FDPOLL": fdPoll = value != "0"
            default: break
            }
        }
    }

    /// Every other field is parsed from the assignments, so they decide.
    public static func == (a: NotifyMessage, b: NotifyMessage) -> Bool {
        a.assignments.elementsEqual(b.assignments) { $0.key == $1.key && $0.value == $1.value }
    }
}
