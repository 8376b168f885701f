// Accept=no in Swift: takes the listener usherd bound at fd 3 (LISTEN_FDS,
// LISTEN_PID, LISTEN_FDNAMES; see Activation.swift) and answers each line
// with "swift listen PID: LINE".
import Glibc

let fds = Activation.listenFds()
guard let first = fds.first else {
    fputs("listen-fds: no socket passed (run me from a .socket unit)\n", stderr)
    exit(1)
}
fputs("listen-fds: \(fds.count) fd(s), the first named \(first.name)\n", stderr)
Activation.serveLines(first.fd, prefix: "swift listen")
