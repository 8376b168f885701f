/* notifywait: plays the service manager for the scale benchmark. Binds a
 * NOTIFY_SOCKET, starts CMD with it, and writes to OUTFILE the time from
 * start to READY=1 with CMD's CPU time and RSS at that moment; then keeps
 * reading notifications until CMD exits (the caller stops CMD by its PID). */
#include "procstat.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bind_notify_socket(const char *path)
{
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || path[0] != '/' || strlen(path) >= sizeof address.sun_path) return -1; /* sd_notify wants it absolute */
    strcpy(address.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) return -1;
    return fd;
}

static void write_result(const char *file, pid_t pid, double ready_ms)
{
    struct proc_sample sample = {0};
    FILE *out = fopen(file, "w");

    if (out == NULL) return;
    proc_sample_read(pid, &sample);
    fprintf(out, "pid=%d ready_ms=%.1f cpu_ms=%.1f rss_kib=%ld\n", (int)pid, ready_ms,
            (double)sample.oncpu_ns / 1e6, sample.rss_kib);
    fclose(out);
}

int main(int argc, char **argv)
{
    const char *out_file, *socket_path;
    double started, max_seconds;
    int fd, ready = 0, status = 0;
    pid_t pid;

    if (argc < 6 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "usage: notifywait OUTFILE SOCKET_PATH MAX_SECONDS -- CMD [ARG...]\n");
        return 100;
    }
    out_file = argv[1];
    socket_path = argv[2];
    max_seconds = atof(argv[3]);
    if ((fd = bind_notify_socket(socket_path)) < 0) {
        perror("notifywait: fatal: notify socket");
        return 111;
    }
    setenv("NOTIFY_SOCKET", socket_path, 1);
    started = now_seconds();
    if ((pid = fork()) == 0) {
        execvp(argv[5], argv + 5);
        _exit(127);
    }
    for (;;) {
        struct pollfd watch = {.fd = fd, .events = POLLIN};
        char message[4096];

        if (waitpid(pid, &status, WNOHANG) == pid) break;
        if (!ready && now_seconds() - started > max_seconds) {
            write_result(out_file, pid, -1);
            kill(pid, SIGKILL);
            ready = 1;
        }
        if (poll(&watch, 1, 100) <= 0) continue;
        ssize_t n = recv(fd, message, sizeof message - 1, 0);
        if (n <= 0) continue;
        message[n] = '\0';
        if (!ready && (strncmp(message, "READY=1", 7) == 0 || strstr(message, "\nREADY=1") != NULL)) {
            write_result(out_file, pid, (now_seconds() - started) * 1e3);
            ready = 1;
        }
    }
    unlink(socket_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
