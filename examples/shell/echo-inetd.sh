#!/bin/sh
# Accept=yes, inetd style, in shell: usherd (or systemd) runs one copy per
# connection with the connection as stdin and stdout (StandardInput=socket).
# Answers each line with "shell inetd PID: LINE" until the client closes.
while IFS= read -r line; do
    printf 'shell inetd %s: %s\n' "$$" "$line"
done
