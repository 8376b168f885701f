// Type=notify, Accept=no, with the fd store, in Swift (Glibc only): every
// accepted connection goes to the manager with "FDSTORE=1\nFDNAME=conn", the
// fd attached as SCM_RIGHTS (Activation.notify); after a restart or a crash the
// new process finds them after the listener (LISTEN_FDNAMES "conn") and keeps
// serving them. A finished connection is shut down, so the manager's copy hangs
// up and leaves its store. Answers each line with "swift fdstore PID: LINE".
import Glibc

let storedName = "conn"

/// A connection being served and the bytes of its unfinished line.
struct Connection {
    let fd: Int32
    var pending: [UInt8] = []
}

var connections: [Connection] = []

/// Reads what arrived and answers every complete line; false once the connection is done.
func answer(_ connection: inout Connection) -> Bool {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let got = read(connection.fd, &buffer, buffer.count)
    guard got > 0 else { return false }
    connection.pending += buffer[0..<got]
    while let newline = connection.pending.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: connection.pending[..<newline], as: UTF8.self)
        connection.pending.removeSubrange(...newline)
        let reply = Array("swift fdstore \(getpid()): \(line)\n".utf8)
        guard send(connection.fd, reply, reply.count, Int32(MSG_NOSIGNAL)) == reply.count else { return false }
    }
    return connection.pending.count < 4096  // a line longer than this ends the connection
}

/// Shuts the socket down for every holder of it, the manager's stored copy too.
func finish(_ index: Int) {
    shutdown(connections[index].fd, Int32(SHUT_RDWR))
    close(connections[index].fd)
    connections.remove(at: index)
}

func acceptOne(_ listener: Int32) {
    let fd = accept(listener, nil, nil)  // accept4() needs _GNU_SOURCE, which Glibc's module lacks
    guard fd >= 0 else { return }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    if !Activation.notify("FDSTORE=1\nFDNAME=\(storedName)", fds: [fd]) {
        fputs("fdstore-keeper: could not store connection \(fd)\n", stderr)
    }
    connections.append(Connection(fd: fd))
}

func serve(_ listener: Int32) -> Never {
    while true {
        var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            + connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        guard poll(&fds, nfds_t(fds.count), -1) >= 0 else { continue }
        // Backwards, so removing a finished connection moves none still to visit.
        for index in connections.indices.reversed() where fds[index + 1].revents != 0 {
            if !answer(&connections[index]) { finish(index) }
        }
        if fds[0].revents & Int16(POLLIN) != 0 { acceptOne(listener) }
    }
}

let passed = Activation.listenFds()
connections = passed.filter { $0.name == storedName }.map { Connection(fd: $0.fd) }
guard let listener = passed.first(where: { $0.name != storedName })?.fd else {
    fputs("fdstore-keeper: no listening socket passed (run me from a .socket unit)\n", stderr)
    exit(1)
}
Activation.notify("READY=1\nSTATUS=Serving \(connections.count) kept connection(s)")
serve(listener)
