/* hello-http: a socket-activated HTTP hello service, written for systemd and
 * run unchanged by usherd. It takes its listening socket from
 * sd_listen_fds() (fd 3), says READY=1 for Type=notify, and answers every
 * request with a short text page. No socket of its own, no configuration. */
#define _GNU_SOURCE 1 /* accept4 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

/* Reads until the end of the request headers (or 8 KiB, or EOF): enough for
 * a hello page, and the client gets its answer after sending its request. */
static void read_request(int connection) {
    char buffer[8192];
    size_t used = 0;
    while (used < sizeof buffer - 1) {
        ssize_t got = read(connection, buffer + used, sizeof buffer - 1 - used);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return;
        used += (size_t)got;
        buffer[used] = '\0';
        if (strstr(buffer, "\r\n\r\n") != NULL || strstr(buffer, "\n\n") != NULL) return;
    }
}

static void answer(int connection) {
    char body[128];
    int body_length = snprintf(body, sizeof body, "Hello from hello-http, pid %d, started by socket activation.\n",
                               (int)getpid());
    char response[512];
    int length = snprintf(response, sizeof response,
                          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n%s", body_length, body);
    ssize_t ignored = write(connection, response, (size_t)length);
    (void)ignored;
}

int main(void) {
    int count = sd_listen_fds(1);
    if (count != 1) {
        fprintf(stderr, "hello-http: expected exactly one socket from the service manager, got %d\n", count);
        return 1;
    }
    int listener = SD_LISTEN_FDS_START;
    sd_notify(0, "READY=1\nSTATUS=Answering HTTP requests");
    fprintf(stderr, "hello-http: serving on fd %d\n", listener);
    for (;;) {
        int connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (connection < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            perror("hello-http: accept");
            return 1;
        }
        read_request(connection);
        answer(connection);
        close(connection);
        printf("hello-http: answered a request\n");
        fflush(stdout);
    }
}
