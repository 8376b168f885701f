// Accept=yes, inetd style, in Swift: one process per connection, the
// connection is stdin and stdout (StandardInput=socket). Answers each line
// with "swift inetd PID: LINE" until the client closes.
import Glibc

while let line = readLine() {
    print("swift inetd \(getpid()): \(line)")
    fflush(stdout)
}
