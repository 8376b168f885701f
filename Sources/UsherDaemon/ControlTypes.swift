// The names the daemon and its ControlServer share: a connected control
// client, the credentials the kernel gave for it (SO_PEERCRED, SO_PEERGROUPS),
// and the loop events that belong to the server.
import ControlProtocol

/// One connected usherctl (or other control client), unique for usherd's lifetime.
public struct ControlClientID: Sendable, Hashable, CustomStringConvertible {
    public var serial: UInt64
    public init(serial: UInt64) { self.serial = serial }
    public var description: String { "control client #\(serial)" }
}

/// Who is on the other end, as the kernel reported it at connect time.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups (SO_PEERGROUPS).
    public var groups: [UInt32]
    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }
}

/// Loop events of the control socket and its clients.
public enum ControlServerEvent: Sendable, Equatable {
    case listenerReadable
    /// Accepting may go on after an accept error (EMFILE…) paused it.
    case listenerResume
    case clientReadable(ControlClientID)
    case clientWritable(ControlClientID)
    /// The client did not complete its request in time.
    case clientDeadline(ControlClientID)
}

/// An authorized, decoded request, for the daemon to answer.
public struct ControlCall: Sendable, Equatable {
    public var client: ControlClientID
    public var request: ControlRequest
    public var peer: PeerCredentials
    public init(client: ControlClientID, request: ControlRequest, peer: PeerCredentials) {
        self.client = client
        self.request = request
        self.peer = peer
    }
}
