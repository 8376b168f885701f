#!/usr/bin/env python3
"""Accept=no: the service is started on the first connection and gets the
listening socket itself, as sd_listen_fds(3) describes: LISTEN_PID must be our
PID, LISTEN_FDS counts the fds from 3 on, LISTEN_FDNAMES names them (":"
separated). Standard library only. Answers "python listen PID: LINE"."""
import os
import socket

SD_LISTEN_FDS_START = 3


def listen_fds():
    """The inherited fds with their names; the variables are unset afterwards, as sd_listen_fds(1) does."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        return []
    count = int(os.environ.get("LISTEN_FDS", "0"))
    names = os.environ.get("LISTEN_FDNAMES", "").split(":")
    for variable in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        os.environ.pop(variable, None)
    fds = range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + count)
    return [(fd, names[i] if i < len(names) else "unknown") for i, fd in enumerate(fds)]


def serve(listener, prefix="python listen"):
    """Answers each line of each connection, one connection at a time."""
    while True:
        connection, _ = listener.accept()
        with connection, connection.makefile("rwb") as stream:
            for line in stream:
                text = line.decode(errors="replace").rstrip("\n")
                stream.write(f"{prefix} {os.getpid()}: {text}\n".encode())
                stream.flush()


def main():
    fds = listen_fds()
    if not fds:
        raise SystemExit("listen_fds.py: no socket passed (run me from a .socket unit)")
    fd, _name = fds[0]
    serve(socket.socket(fileno=fd))


if __name__ == "__main__":
    main()
