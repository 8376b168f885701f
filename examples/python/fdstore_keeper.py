#!/usr/bin/env python3
"""Type=notify, Accept=no, with the fd store: every accepted connection is
handed to the manager with FDSTORE=1 and FDNAME=conn, the fd attached to the
$NOTIFY_SOCKET datagram as SCM_RIGHTS (as sd_pid_notify_with_fds(3) does), so
after a restart or a crash the next process gets it back after the listener
(LISTEN_FDNAMES "conn") and the client keeps talking to the service on the
same connection. A finished connection is shut down, which the manager
sees as a hang-up and drops from its store. Standard library only. Answers
"python fdstore PID: LINE"."""
import os
import selectors
import socket

from listen_fds import listen_fds
from notify_watchdog import notify

STORED_NAME = "conn"


class Keeper:
    """Serves the listener and every connection, stored or accepted, in one loop."""

    def __init__(self, listener, connections):
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ, None)
        for connection in connections:
            self.serve(connection)

    def serve(self, connection):
        connection.setblocking(False)
        self.selector.register(connection, selectors.EVENT_READ, bytearray())

    def accept(self, listener):
        connection, _ = listener.accept()
        notify(f"FDSTORE=1\nFDNAME={STORED_NAME}", [connection.fileno()])
        self.serve(connection)

    def answer(self, connection, pending):
        try:
            data = connection.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.finish(connection)
            return
        pending += data
        while b"\n" in pending:
            line, _, rest = pending.partition(b"\n")
            pending[:] = rest
            text = line.decode(errors="replace")
            try:
                connection.sendall(f"python fdstore {os.getpid()}: {text}\n".encode())
            except OSError:
                self.finish(connection)
                return

    def finish(self, connection):
        """Shuts the socket down for every holder, so the manager's stored copy hangs up too."""
        self.selector.unregister(connection)
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        connection.close()

    def run(self):
        while True:
            for key, _ in self.selector.select():
                if key.data is None:
                    self.accept(key.fileobj)
                else:
                    self.answer(key.fileobj, key.data)


def main():
    fds = listen_fds()
    listeners = [socket.socket(fileno=fd) for fd, name in fds if name != STORED_NAME]
    connections = [socket.socket(fileno=fd) for fd, name in fds if name == STORED_NAME]
    if not listeners:
        raise SystemExit("fdstore_keeper.py: no listening socket passed (run me from a .socket unit)")
    keeper = Keeper(listeners[0], connections)
    notify(f"READY=1\nSTATUS=Serving {len(connections)} kept connection(s)")
    keeper.run()


if __name__ == "__main__":
    main()
