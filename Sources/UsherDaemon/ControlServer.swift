// The control socket (RUNTIME_DIR/control): accepts usherctl clients, reads
// length-prefixed JSON requests without blocking, authorizes them by
// SO_PEERCRED, hands complete calls to the daemon and writes the replies.
// Interface only so far; the server itself is being built.
import ControlProtocol

final class ControlServer {
    /// Sends `response` to `client`; `close` ends the connection after it is written.
    func reply(_ client: ControlClientID, _ response: ControlResponse, close: Bool = true) {}

    /// Whether `client` is still connected (a follower that went away is not).
    func isOpen(_ client: ControlClientID) -> Bool { false }
}
