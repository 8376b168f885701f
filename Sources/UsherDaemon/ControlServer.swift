// The control socket (RUNTIME_DIR/control or --control-socket): accepts
// usherctl clients, reads one length-prefixed JSON request per connection
// without blocking, authorizes it by SO_PEERCRED/SO_PEERGROUPS, hands complete
// calls to the daemon and writes the replies. Hostile clients are bounded by
// size, time, count and unread output; the loop never waits for one.
import Activation
import ControlProtocol
import Logging
import UnitModel
import UsherSys

final class ControlServer {
    static let maxClients = 128
    /// Per uid other than root and usherd's own, so one user cannot take every slot.
    static let maxClientsPerUser = 32
    /// For the whole request, from accept.
    static let requestDeadline = TimeSpan.seconds(5)
    /// For the peer to read some of its pending reply.
    static let writeDeadline = TimeSpan.seconds(5)
    /// Unread reply bytes after which a client is dropped.
    static let maxPendingOutput = 4 << 20
    /// Connections accepted per wake-up, so clients cannot starve the other sources.
    static let acceptBatch = 64

    let path: String
    private let listener: UnixStreamListener
    private var listenerSource: EventSource?
    /// Set while accepting is paused after an accept error (EMFILE…).
    private var resumeTimer: EventSource?
    private var acceptErrorLog = RateLimit(interval: .seconds(10), burst: 3)
    private let loop: DaemonLoop
    private let logger: Logger
    private let authorization: ControlAuthorization
    private var clients: [ControlClientID: ControlClient] = [:]
    private var nextSerial: UInt64 = 1
    private let busyFrame: [UInt8]

    /// Binds `path` (mode 0666: authorization is by credentials), or takes over
    /// `adopting`, the listener of usherd's previous image (re-exec), and starts accepting.
    init(path: String, adopting: OwnedFD? = nil, authorization: ControlAuthorization, loop: DaemonLoop,
         logger: Logger) throws {
        self.path = path
        self.authorization = authorization
        self.loop = loop
        self.logger = logger
        listener = try adopting.map { try UnixStreamListener(adopting: $0, path: path) }
            ?? UnixStreamListener(path: path, mode: 0o666, backlog: Int32(Self.maxClients))
        busyFrame = (try? ControlProtocol.frame(ControlResponse.failure(.busy,
            "usherd has too many control clients (\(Self.maxClients) in all, \(Self.maxClientsPerUser) per user); try again later"))) ?? []
        listenerSource = try loop.addIO(fd: listener.fd.raw, reporting: .control(.listenerReadable), object: path)
    }

    /// Reacts to one loop event; returns the requests that are complete and authorized.
    func handle(_ event: ControlServerEvent) -> [ControlCall] {
        switch event {
        case .listenerReadable:
            acceptPending()
        case .listenerResume:
            resumeTimer = nil
            listenerSource?.setEnabled(true)
        case .clientReadable(let id):
            guard let client = clients[id] else { return [] }
            return client.requestRead ? readAfterRequest(client) : readRequest(client)
        case .clientWritable(let id):
            if let client = clients[id] { flush(client) }
        case .clientDeadline(let id):
            if let client = clients[id] { deadlinePassed(client) }
        }
        return []
    }

    /// Sends `response` to `client`; `close` ends the connection after it is written.
    func reply(_ id: ControlClientID, _ response: ControlResponse, close: Bool = true) {
        guard let client = clients[id], !client.closeWhenWritten else { return }
        guard let frame = encode(response) else {
            drop(client, "its reply could not be encoded")
            return
        }
        let pending = client.pendingOutput
        guard pending == 0 || pending + frame.count <= Self.maxPendingOutput else {
            drop(client, "it left more than \(Self.maxPendingOutput) bytes of replies unread")
            return
        }
        client.enqueue(frame)
        client.closeWhenWritten = close
        flush(client)
    }

    /// Whether `client` is still connected (a follower that went away is not).
    func isOpen(_ id: ControlClientID) -> Bool { clients[id] != nil }

    /// The listener's fd and a client's connection fd, handed over across a re-exec.
    var listenerFD: Int32 { listener.fd.raw }
    func connectionFD(_ id: ControlClientID) -> Int32? { clients[id]?.fd.raw }

    /// Stops accepting, closes every client and unlinks the node if it is still ours.
    func close() {
        listenerSource = nil
        resumeTimer = nil
        for client in clients.values { client.close() }
        clients = [:]
        listener.remove()
        listener.fd.close()
    }

    // MARK: accepting

    private func acceptPending() {
        for _ in 0..<Self.acceptBatch {
            switch listener.acceptNext() {
            case .connection(let connection): admit(connection)
            case .peerGone: continue
            case .drained: return
            case .failed(let error):
                pauseAccepting(after: error)
                return
            }
        }
    }

    /// EMFILE and friends would make the level-triggered listener spin: wait 100 ms.
    private func pauseAccepting(after error: SystemError) {
        if acceptErrorLog.allow(now: monotonicMicroseconds()) {
            logger.warning("Cannot accept on the control socket \(path), pausing for 100 ms: \(error)")
        }
        listenerSource?.setEnabled(false)
        resumeTimer = try? loop.addTimer(after: .milliseconds(100), reporting: .control(.listenerResume))
        if resumeTimer == nil { listenerSource?.setEnabled(true) }
    }

    /// Watches a new connection, or answers `busy` and closes it when the caps are reached.
    private func admit(_ connection: AcceptedConnection) {
        guard let credentials = connection.credentials else { return }
        let peer = PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid,
                                   groups: Socket.peerGroups(connection.fd.raw) ?? [])
        guard hasRoom(for: peer) else {
            _ = Socket.sendAvailable(connection.fd.raw, busyFrame[...])
            logger.debug("Control client pid \(peer.pid), uid \(peer.uid): too many clients, refused.")
            return
        }
        let id = ControlClientID(serial: nextSerial)
        nextSerial += 1
        do {
            let source = try loop.addDuplexIO(fd: connection.fd.raw, readable: .control(.clientReadable(id)),
                                              writable: .control(.clientWritable(id)), object: "\(id)")
            let deadline = try loop.addTimer(after: Self.requestDeadline, reporting: .control(.clientDeadline(id)))
            clients[id] = ControlClient(id: id, fd: connection.fd, peer: peer, source: source, deadline: deadline)
        } catch {
            logger.warning("Cannot watch \(id) on \(path): \(error)")
        }
    }

    private func hasRoom(for peer: PeerCredentials) -> Bool {
        guard clients.count < Self.maxClients else { return false }
        if peer.uid == 0 || peer.uid == authorization.ownUID { return true }
        return clients.values.lazy.filter { $0.peer.uid == peer.uid }.count < Self.maxClientsPerUser
    }

    // MARK: reading

    private func readRequest(_ client: ControlClient) -> [ControlCall] {
        switch client.fd.readAvailable(limit: client.frame.wanted) {
        case .wouldBlock:
            return []
        case .endOfFile:
            drop(client, "it closed the connection before a complete request")
            return []
        case .data(let chunk):
            switch client.frame.append(chunk) {
            case .needMore: return []
            case .refused(let error): refuse(client, error)
            case .complete(let body): return authorize(client, body)
            }
            return []
        }
    }

    private func authorize(_ client: ControlClient, _ body: ArraySlice<UInt8>) -> [ControlCall] {
        let request: ControlRequest
        switch RequestDecoding.decode(body) {
        case .failure(let error):
            refuse(client, error)
            return []
        case .success(let decoded):
            request = decoded
        }
        if let refusal = authorization.refusal(of: request.verb, by: client.peer) {
            logger.debug("\(client.label): \(refusal.message)")
            refuse(client, refusal)
            return []
        }
        client.requestRead = true
        client.deadline = nil
        return [ControlCall(client: client.id, request: request, peer: client.peer)]
    }

    /// After the request only a hang-up is expected: more bytes break the protocol;
    /// EOF from a peer that only shut down writing leaves it waiting for its reply.
    private func readAfterRequest(_ client: ControlClient) -> [ControlCall] {
        switch client.fd.readAvailable(limit: 1) {
        case .wouldBlock:
            break
        case .data:
            drop(client, "it sent more than one request")
        case .endOfFile:
            guard !Socket.peerHungUp(client.fd.raw) else {
                drop(client, "it hung up")
                return []
            }
            client.peerStoppedWriting = true
            client.updateInterest()
        }
        return []
    }

    // MARK: writing

    /// Answers the request with `error` and closes once that is written.
    private func refuse(_ client: ControlClient, _ error: ControlError) {
        client.requestRead = true
        client.deadline = nil
        reply(client.id, ControlResponse(error: error))
    }

    private func encode(_ response: ControlResponse) -> [UInt8]? {
        guard let frame = try? ControlProtocol.frame(response) else { return nil }
        guard frame.count > 4 + ControlProtocol.maxResponseBytes else { return frame }
        let tooLarge = ControlResponse.failure(.failed,
            "The response of \(frame.count - 4) bytes is over the protocol's limit of \(ControlProtocol.maxResponseBytes) bytes")
        return try? ControlProtocol.frame(tooLarge)
    }

    /// Writes what the peer takes; closes when done and asked to; the write
    /// deadline runs while output waits and restarts whenever some is taken.
    private func flush(_ client: ControlClient) {
        let progressed: Bool
        do {
            progressed = try client.writeAvailable()
        } catch {
            drop(client, "\(error)")
            return
        }
        if client.pendingOutput == 0 {
            client.deadline = nil
            if client.closeWhenWritten {
                close(client)
                return
            }
        } else if progressed || client.deadline == nil {
            client.deadline = nil
            client.deadline = try? loop.addTimer(after: Self.writeDeadline, reporting: .control(.clientDeadline(client.id)))
        }
        client.updateInterest()
    }

    private func deadlinePassed(_ client: ControlClient) {
        guard client.requestRead else {
            refuse(client, ControlError(.badRequest, "Bad request: no complete request within \(Self.requestDeadline.microseconds / 1_000_000) s"))
            return
        }
        drop(client, "it did not read its reply for \(Self.writeDeadline.microseconds / 1_000_000) s")
    }

    // MARK: closing

    private func drop(_ client: ControlClient, _ reason: String) {
        logger.debug("\(client.label) dropped: \(reason).")
        close(client)
    }

    private func close(_ client: ControlClient) {
        clients[client.id] = nil
        client.close()
    }
}
