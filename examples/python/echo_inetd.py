#!/usr/bin/env python3
"""Accept=yes, inetd style: one process per connection, the connection is
stdin and stdout (StandardInput=socket). Standard library only. Answers each
line with "python inetd PID: LINE" until the client closes."""
import os
import sys

for line in sys.stdin:
    sys.stdout.write(f"python inetd {os.getpid()}: {line.rstrip(chr(10))}\n")
    sys.stdout.flush()
