#!/usr/bin/env python3
"""An AF_UNIX datagram service (ListenDatagram=/path, Accept=no): started on
the first datagram, it gets the bound socket at fd 3 and answers each datagram
to its sender's address with "python dgram PID: TEXT" (the client binds an
address of its own). Standard library only."""
import os
import socket

from listen_fds import listen_fds


def main():
    fds = listen_fds()
    if not fds:
        raise SystemExit("dgram_unix.py: no socket passed (run me from a .socket unit)")
    server = socket.socket(fileno=fds[0][0])
    while True:
        data, sender = server.recvfrom(65536)
        if sender:
            answer = f"python dgram {os.getpid()}: {data.decode(errors='replace').rstrip(chr(10))}\n"
            server.sendto(answer.encode(), sender)


if __name__ == "__main__":
    main()
