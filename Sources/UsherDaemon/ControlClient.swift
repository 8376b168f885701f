// One control connection as the ControlServer keeps it: the fd and its io
// source, the credentials the peer connected with, the request being read,
// the replies waiting to be written, and the one deadline that applies now
// (for the request, then for the peer to read). The server decides; this holds.
import ControlProtocol
import UsherSys

final class ControlClient {
    let id: ControlClientID
    let fd: OwnedFD
    let peer: PeerCredentials
    let source: EventSource
    /// The request deadline until the request is read, then the write deadline while output waits.
    var deadline: EventSource?
    var frame = RequestFrame()
    /// The whole request was read (or refused): whatever the peer sends later breaks the protocol.
    var requestRead = false
    /// The peer shut down its writing side; it may still read.
    var peerStoppedWriting = false
    var closeWhenWritten = false
    private var output: [UInt8] = []
    private var written = 0

    init(id: ControlClientID, fd: OwnedFD, peer: PeerCredentials, source: EventSource, deadline: EventSource) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.source = source
        self.deadline = deadline
    }

    var pendingOutput: Int { output.count - written }

    /// "control client #7 (pid 123, uid 1000)" for log lines.
    var label: String { "\(id) (pid \(peer.pid), uid \(peer.uid))" }

    func enqueue(_ bytes: [UInt8]) {
        if written > 0 {
            output.removeFirst(written)
            written = 0
        }
        output += bytes
    }

    /// Writes as much as the socket takes now; whether anything was written.
    func writeAvailable() throws -> Bool {
        let before = written
        while written < output.count {
            switch Socket.sendAvailable(fd.raw, output[written...]) {
            case .sent(let count): written += count
            case .wouldBlock: return written > before
            case .failed(let error): throw error
            }
        }
        output = []
        written = 0
        return true
    }

    /// Reads while the peer may send; writes while output waits. Hang-ups come either way.
    func updateInterest() {
        source.setInterest(readable: !peerStoppedWriting, writable: pendingOutput > 0)
    }

    /// Stops watching, then closes (the source must leave epoll before its fd goes).
    func close() {
        deadline = nil
        source.cancel()
        fd.close()
    }
}
