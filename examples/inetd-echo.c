/* inetd-echo: the inetd-style echo handler for Accept=yes with
 * StandardInput=socket. The connection is fd 0 and 1; it copies what the
 * client sends back to it until EOF, then exits. One process per connection,
 * no libsystemd needed. Usage: ExecStart=/path/inetd-echo */
#include <errno.h>
#include <unistd.h>

int main(void)
{
    char buffer[4096];

    for (;;) {
        ssize_t got = read(0, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return got < 0 ? 1 : 0;
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(1, buffer + done, (size_t)(got - done));
            if (put < 0 && errno == EINTR) continue;
            if (put < 0) return 1;
            done += put;
        }
    }
}
