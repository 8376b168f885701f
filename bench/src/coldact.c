/* coldact: the C reference for Accept=no activation — bind a loopback
 * listener, wait until it is readable, fork, and in the child put it at fd 3,
 * set LISTEN_FDS=1 and LISTEN_PID, exec the service; wait for the service to
 * exit (it owns the listener meanwhile), then watch again. What usherd does
 * for an Accept=no socket, without anything else. */
#include "loopback.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void fatal(const char *what)
{
    fprintf(stderr, "coldact: fatal: %s: %s\n", what, strerror(errno));
    exit(111);
}

/* In the child: the listener at fd 3 without CLOEXEC, the two variables, exec. */
static void exec_service(int listener, char **argv)
{
    char pid[32];

    if (listener != 3 && dup2(listener, 3) < 0) _exit(111);
    if (fcntl(3, F_SETFD, 0) < 0) _exit(111);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    setenv("LISTEN_FDS", "1", 1);
    setenv("LISTEN_PID", pid, 1);
    execv(argv[0], argv);
    _exit(127);
}

int main(int argc, char **argv)
{
    int listener;

    if (argc < 4) {
        fprintf(stderr, "usage: coldact ADDRESS PORT PROGRAM [ARG...]\n");
        return 100;
    }
    listener = listen_loopback("coldact", argv[1], argv[2], 1024);
    for (;;) {
        struct pollfd watch = {.fd = listener, .events = POLLIN};
        pid_t pid;

        if (poll(&watch, 1, -1) < 0) {
            if (errno == EINTR) continue;
            fatal("poll");
        }
        pid = fork();
        if (pid < 0) fatal("fork");
        if (pid == 0) exec_service(listener, argv + 3);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
}
