// Who may do what over the control socket, judged from the credentials the
// kernel gave at connect: read-only verbs are open to every local user;
// mutating ones need uid 0, usherd's own uid, or the admin group as primary or
// supplementary group. A refusal names the verb, the rule and the peer.
import ControlProtocol

struct ControlAuthorization: Sendable, Equatable {
    /// usherd's effective uid.
    var ownUID: UInt32
    var adminGroupName: String
    /// nil when no such group exists: then the group grants nothing.
    var adminGID: UInt32?

    /// nil when `peer` may perform `verb`, else the access-denied error to answer with.
    func refusal(of verb: ControlVerb, by peer: PeerCredentials) -> ControlError? {
        guard verb.isMutating, !isAdministrator(peer) else { return nil }
        return ControlError(.accessDenied, "Access denied: '\(verb.rawValue)' needs \(rule); uid \(peer.uid) is \(ownUID == 0 ? "neither" : "none of these")")
    }

    func isAdministrator(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 || peer.uid == ownUID { return true }
        guard let adminGID else { return false }
        return peer.gid == adminGID || peer.groups.contains(adminGID)
    }

    /// "root, uid 1000 (usherd's) or group usher", as the refusal states it.
    private var rule: String {
        let group = adminGID == nil ? "group \(adminGroupName) (which does not exist)" : "group \(adminGroupName)"
        return ownUID == 0 ? "root or \(group)" : "root, uid \(ownUID) (usherd's) or \(group)"
    }
}
