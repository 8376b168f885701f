/* Type=notify, Accept=no, with the fd store, in C with libsystemd: every
 * accepted connection goes to the manager with sd_pid_notify_with_fds()
 * ("FDSTORE=1\nFDNAME=conn"); after a restart or a crash the new process finds
 * them after the listener in sd_listen_fds_with_names() and keeps serving
 * them. A finished connection is shut down, so the manager's copy hangs up and
 * leaves its store. Answers each line with "c fdstore PID: LINE".
 * Build: cc fdstore-keeper.c $(pkg-config --cflags --libs libsystemd) */
#define _GNU_SOURCE /* accept4() */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#define MAX_CONNECTIONS 64
#define STORED_NAME "conn"

struct connection {
    int fd;
    size_t used;
    char pending[4096];
};

static struct connection connections[MAX_CONNECTIONS];
static size_t connection_count;

static void keep(int fd)
{
    if (connection_count == MAX_CONNECTIONS) {
        close(fd);
        return;
    }
    connections[connection_count].fd = fd;
    connections[connection_count].used = 0;
    connection_count++;
}

/* Shuts the socket down for every holder of it, the manager's stored copy too. */
static void finish(size_t index)
{
    shutdown(connections[index].fd, SHUT_RDWR);
    close(connections[index].fd);
    connections[index] = connections[--connection_count];
}

static void accept_one(int listener)
{
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    int r = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=" STORED_NAME, &fd, 1);
    if (r <= 0) fprintf(stderr, "fdstore-keeper: could not store connection: %s\n", r < 0 ? strerror(-r) : "no NOTIFY_SOCKET");
    keep(fd);
}

/* Reads what arrived and answers every complete line; false once the connection is done. */
static int answer(struct connection *c)
{
    ssize_t n = read(c->fd, c->pending + c->used, sizeof c->pending - c->used);
    if (n <= 0) return 0;
    c->used += (size_t)n;
    char *newline;
    while ((newline = memchr(c->pending, '\n', c->used)) != NULL) {
        *newline = '\0';
        char reply[4200];
        int length = snprintf(reply, sizeof reply, "c fdstore %d: %s\n", (int)getpid(), c->pending);
        if (length < 0 || send(c->fd, reply, (size_t)length, MSG_NOSIGNAL) != length) return 0;
        size_t consumed = (size_t)(newline - c->pending) + 1;
        memmove(c->pending, newline + 1, c->used - consumed);
        c->used -= consumed;
    }
    return c->used < sizeof c->pending; /* a line longer than the buffer ends the connection */
}

static void serve(int listener)
{
    for (;;) {
        struct pollfd fds[MAX_CONNECTIONS + 1];
        fds[0] = (struct pollfd){ .fd = listener, .events = POLLIN };
        for (size_t i = 0; i < connection_count; i++)
            fds[i + 1] = (struct pollfd){ .fd = connections[i].fd, .events = POLLIN };
        size_t polled = connection_count;
        if (poll(fds, polled + 1, -1) < 0) continue;
        /* Backwards, so finish() moving the last connection into a slot skips nothing. */
        for (size_t i = polled; i > 0; i--)
            if (fds[i].revents != 0 && !answer(&connections[i - 1])) finish(i - 1);
        if (fds[0].revents & POLLIN) accept_one(listener);
    }
}

int main(void)
{
    char **names = NULL;
    int count = sd_listen_fds_with_names(1, &names);
    int listener = -1;
    for (int i = 0; i < count; i++) {
        int fd = SD_LISTEN_FDS_START + i;
        if (names != NULL && strcmp(names[i], STORED_NAME) == 0) keep(fd);
        else if (listener < 0) listener = fd;
        free(names != NULL ? names[i] : NULL);
    }
    free(names);
    if (listener < 0) {
        fprintf(stderr, "fdstore-keeper: no listening socket passed (run me from a .socket unit)\n");
        return 1;
    }
    sd_notifyf(0, "READY=1\nSTATUS=Serving %zu kept connection(s)", connection_count);
    serve(listener);
    return 0;
}
