// sd_notify messages: newline-separated KEY=VALUE assignments in one
// datagram. Parsed into the keys usherd acts on (READY, STOPPING, STATUS,
// MAINPID); the rest are kept for debugging. Pure.

public struct NotifyMessage: Sendable, Equatable {
    public var ready = false
    public var stopping = false
    public var reloading = false
    public var status: String?
    public var mainPID: Int32?
    public var errno: Int32?
    /// Every assignment in message order, the understood ones included.
    public var assignments: [(key: String, value: String)] = []

    public init(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            let value = String(line[line.index(after: equals)...])
            assignments.append((key, value))
            switch key {
            case "READY": ready = value == "1"
            case "STOPPING": stopping = value == "1"
            case "RELOADING": reloading = value == "1"
            case "STATUS": status = value
            case "MAINPID": mainPID = Int32(value)
            case "ERRNO": errno = Int32(value)
            default: break
            }
        }
    }

    public static func == (a: NotifyMessage, b: NotifyMessage) -> Bool {
        a.ready == b.ready && a.stopping == b.stopping && a.reloading == b.reloading && a.status == b.status
            && a.mainPID == b.mainPID && a.errno == b.errno
            && a.assignments.map { "\($0.key)=\($0.value)" } == b.assignments.map { "\($0.key)=\($0.value)" }
    }
}
