#!/usr/bin/env python3
"""Type=notify with the watchdog: takes its listening socket like
listen_fds.py, says READY=1 on $NOTIFY_SOCKET once it can serve, and sends
WATCHDOG=1 every WATCHDOG_USEC/2 while it is healthy (sd_notify(3),
sd_watchdog_enabled(3)). Standard library only. Answers "python notify PID: LINE"."""
import array
import os
import socket
import threading

from listen_fds import listen_fds, serve


def notify(message, fds=()):
    """One datagram to $NOTIFY_SOCKET (a path, or @name for the abstract
    namespace), with `fds` attached as SCM_RIGHTS for FDSTORE=1 (as
    sd_pid_notify_with_fds(3) does; socket.send_fds would do, but before
    Python 3.12 it ignores its address argument)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.sendmsg([message.encode()], rights, 0, address)


def watchdog_interval():
    """Seconds between pings, or None without a watchdog for this process."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000 / 2


def keep_watchdog_fed(interval):
    stop = threading.Event()
    while not stop.wait(interval):
        notify("WATCHDOG=1")


def main():
    fds = listen_fds()
    if not fds:
        raise SystemExit("notify_watchdog.py: no socket passed (run me from a .socket unit)")
    listener = socket.socket(fileno=fds[0][0])
    interval = watchdog_interval()
    if interval:
        threading.Thread(target=keep_watchdog_fed, args=(interval,), daemon=True).start()
    notify("READY=1")
    serve(listener, "python notify")


if __name__ == "__main__":
    main()
