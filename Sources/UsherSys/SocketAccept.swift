// The Accept=yes accept path's system calls: one accept4 that tells "drained"
// (EAGAIN) from "peer already gone" (ECONNABORTED and the network errors
// accept(2) says to treat as a retry), the instance string and REMOTE_* in one
// pass, threads started with every signal blocked (usherd takes signals from a
// signalfd only), wake-up pipes and a getrandom pool for INVOCATION_ID.
import Glibc
import CSysShims

public enum AcceptOutcome {
    case connection(AcceptedConnection)
    /// Nothing pending: stop draining until the listener polls readable again.
    case drained
    /// The client left before we got to it, or its connection cannot be described
    /// (getsockname or SO_PEERCRED failed): drop it silently and go on.
    case peerGone
    case failed(SystemError)
}

extension Socket {
    /// Errors accept(2) reports for one pending connection, not for the listener.
    static let peerGoneErrors: Set<Int32> = [ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET,
                                             EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH, ECONNRESET, ENOTCONN]

    /// accept4 (CLOEXEC, blocking fd) plus both addresses and, for AF_UNIX, SO_PEERCRED
    /// (a connection whose local end or credentials cannot be read is closed: `.peerGone`).
    /// `knownLocal`: the listener's own address when it is every connection's local end
    /// (`namesEveryAcceptedConnection`; saves getsockname).
    public static func acceptNext(_ listener: Int32, knownLocal: SocketAddress? = nil,
                                  nonBlocking: Bool = false) -> AcceptOutcome {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let flags = Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
        var fd: Int32 = -1
        repeat {
            fd = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { usher_accept4(listener, $0, &length, flags) }
            }
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK { return .drained }
            if peerGoneErrors.contains(code) { return .peerGone }
            return .failed(SystemError(call: "accept4", object: "fd \(listener)", errno: code))
        }
        let owned = OwnedFD(adopting: fd)
        let peer = SocketAddress(storage: storage, length: length)
        guard let local = knownLocal ?? (try? localAddress(fd)) else { return .peerGone }
        var credentials: PeerCredentials?
        if local.family == AF_UNIX {
            // Without SO_PEERCRED only this connection is closed; systemd 252 fails the whole
            // socket unit on any getpeercred error but a disconnect (a deliberate leniency).
            guard let known = try? PeerCredentials.of(fd) else { return .peerGone }
            credentials = known
        }
        return .connection(AcceptedConnection(fd: owned, peer: peer, local: local, credentials: credentials))
    }
}

public enum Threads {
    /// Starts a detached thread running `body` with every signal blocked.
    public static func startDetached(_ body: @escaping () -> Void) throws {
        pthread_detach(try start(body))
    }

    /// Calls `body(i)` for every i in 0..<iterations, each on its own thread (i = 0 on the
    /// caller's), and returns when all have finished. Plain threads rather than
    /// DispatchQueue.concurrentPerform: once libdispatch's worker pool exists, its monitor
    /// timer wakes the process every second for good. An iteration whose thread cannot
    /// be created runs on the caller.
    public static func concurrentPerform(iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var threads: [pthread_t] = []
            for i in 1..<max(1, iterations) {
                if let thread = try? start({ body(i) }) { threads.append(thread) } else { body(i) }
            }
            if iterations > 0 { body(0) }
            for thread in threads { pthread_join(thread, nil) }
        }
    }

    /// Creates a joinable thread running `body` with every signal blocked, so
    /// signals keep going to usherd's signalfd. The mask is set in the creating
    /// thread around pthread_create, because the new thread inherits it.
    private static func start(_ body: @escaping () -> Void) throws -> pthread_t {
        var all = sigset_t()
        var saved = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let body = Unmanaged<ThreadBody>.fromOpaque(argument).takeRetainedValue()
            body.run()
            return nil
        }, box)
        guard code == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            throw SystemError(call: "pthread_create", errno: code)
        }
        return thread
    }
}

/// A counting semaphore (sem_t): a post costs a system call only when a
/// thread sleeps in `wait()`, and a woken waiter holds no lock another
/// thread must then be woken for (unlike a condition variable's mutex).
public final class CountingSemaphore {
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    public init() { sem_init(semaphore, 0, 0) }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    public func post() { sem_post(semaphore) }

    /// Blocks until a post is available and takes it (EINTR is retried).
    public func wait() {
        while sem_wait(semaphore) != 0 && errno == EINTR {}
    }
}

/// A mutex (pthread_mutex_t) for the short critical sections between the
/// loop and the spawner threads.
public final class ThreadLock {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }

    public func unlock() { pthread_mutex_unlock(mutex) }
}

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

extension OwnedFD {
    /// Reads and discards whatever is buffered (a non-blocking wake-up pipe).
    public func drainWakeups() {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &buffer, { read(raw, $0.baseAddress, $0.count) }) == 64 {}
    }

    /// Writes one byte to a wake-up pipe; a full pipe already means "wake up".
    public func signalWakeup() {
        var byte: UInt8 = 1
        _ = write(raw, &byte, 1)
    }

    /// close(2) of a raw number this object does not own (handed over by another thread).
    public static func closeRaw(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }
}

extension Socket {
    /// shutdown(SHUT_WR): the peer reads EOF after what was sent (inetd clients).
    public static func shutdownWrite(_ fd: OwnedFD) throws {
        _ = try sysCall("shutdown", fd.description) { Glibc.shutdown(fd.raw, Int32(SHUT_WR)) }
    }
}

extension SocketAddress {
    /// 0.0.0.0 or :: — a listener bound there has a different local address per connection.
    public var isWildcard: Bool {
        guard isIP else { return false }
        return hostText() == "0.0.0.0" || hostText() == "::"
    }

    /// Whether a listener bound here is the local end of every connection it accepts: an IP
    /// address that is not a wildcard, or any AF_UNIX listener (unix_listen refuses an unbound
    /// socket, and af_unix.c's unix_stream_connect gives the accepted socket the listener's address).
    public var namesEveryAcceptedConnection: Bool { isIP ? !isWildcard : family == AF_UNIX }
}

/// Random bytes from getrandom(2) in 4 KiB refills, handed out 16 at a time
/// (INVOCATION_ID per Accept=yes instance without a system call each time).
public final class RandomPool {
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private var used = 4096

    public init() {}

    /// 128 random bits.
    public func next128() -> (UInt64, UInt64) {
        if used + 16 > buffer.count { refill() }
        let value = buffer.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: used, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: used + 8, as: UInt64.self))
        }
        used += 16
        return value
    }

    private func refill() {
        var filled = 0
        while filled < buffer.count {
            let got = buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress.map { usher_getrandom($0 + filled, raw.count - filled) } ?? -1
            }
            if got > 0 { filled += got } else if errno != EINTR { break }
        }
        if filled < buffer.count {
            var generator = SystemRandomNumberGenerator()
            for index in filled..<buffer.count { buffer[index] = generator.next() }
        }
        used = 0
    }
}

extension AcceptedConnection {
    /// The instance string and REMOTE_ADDR/REMOTE_PORT together, formatting the
    /// peer once; `localText` is the listener's cached instanceText when known.
    /// Same results as instanceName(number:) and remoteAddressAndPort.
    public func describe(number: UInt64, localText: String?) -> (instance: String, remote: (address: String, port: String)?) {
        guard local.isIP, let host = peer.hostText(unmapping: true), let port = peer.port else {
            return (instanceName(number: number), remoteAddressAndPort)
        }
        let localPart = localText ?? local.instanceText(unmapping: local.isIPv4Mapped)
        let portText = String(port)
        let peerPart = peer.isIPv4Mapped && !local.isIPv4Mapped ? peer.instanceText() : host + ":" + portText
        return (String(number) + "-" + localPart + "-" + peerPart, (host, portText))
    }
}
