/* activate-svc: the Accept=no service of the cold-activation and steady-state
 * benchmarks. "once": take the listener passed at fd 3 (LISTEN_FDS=1,
 * LISTEN_PID = us), accept one connection, answer "hello PID", exit.
 * "serve [ADDRESS PORT]": answer every connection, on fd 3 or on its own socket. */
#define _GNU_SOURCE /* accept4 */
#include "loopback.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void fatal(const char *what)
{
    fprintf(stderr, "activate-svc: fatal: %s: %s\n", what, strerror(errno));
    exit(111);
}

/* The listener systemd-style activators pass: exactly one fd at 3, for us. */
static int passed_listener(void)
{
    const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");

    if (fds == NULL || pid == NULL || atoi(fds) != 1 || atoi(pid) != (int)getpid()) {
        fprintf(stderr, "activate-svc: fatal: no listener passed (LISTEN_FDS=%s LISTEN_PID=%s)\n",
                fds ? fds : "", pid ? pid : "");
        exit(100);
    }
    return 3;
}

static void answer(int listener, const char *line, size_t length)
{
    int connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

    if (connection < 0) {
        if (errno == EINTR || errno == ECONNABORTED) return;
        fatal("accept4");
    }
    if (write(connection, line, length) < 0) {
        /* the client went away: nothing to answer */
    }
    close(connection);
}

int main(int argc, char **argv)
{
    char line[64];
    int length;

    if (argc >= 2 && strcmp(argv[1], "once") == 0) {
        length = snprintf(line, sizeof line, "hello %d\n", (int)getpid());
        answer(passed_listener(), line, (size_t)length);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "serve") == 0) {
        for (int listener = passed_listener();;) answer(listener, "hello\n", 6);
    }
    if (argc == 4 && strcmp(argv[1], "serve") == 0) {
        for (int listener = listen_loopback("activate-svc", argv[2], argv[3], 1024);;) answer(listener, "hello\n", 6);
    }
    fprintf(stderr, "usage: activate-svc once | serve [ADDRESS PORT]\n");
    return 100;
}
