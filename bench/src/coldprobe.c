/* coldprobe: the client of the Accept=no cold-activation benchmark. Each
 * sample connects to a listener whose service is not running, and times
 * connect → first byte of "hello PID"; then it waits until that service has
 * exited and been reaped, and GAP_MS more, before the next sample. With "-- CMD…" it starts CMD
 * (a one-shot activator such as systemd-socket-activate) before each sample;
 * with -s PID it first waits until PID listens on the port. */
#include "procstat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SERVICE_WAIT_SECONDS 5.0

struct options {
    int port, count, warmup, gap_ms;
    double max_seconds;
    pid_t supervisor;
    const char *label;
    char **command;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: coldprobe -p PORT [-n COUNT] [-w WARMUP] [-g GAP_MS] [-t MAX_SECONDS]\n"
                    "                 [-s SUPERVISOR_PID] [-l LABEL] [-- ONE_SHOT_ACTIVATOR ARG...]\n");
    exit(100);
}

/* Starts the one-shot activator and waits (bounded) until it listens. */
static pid_t start_activator(char **command, int port)
{
    double deadline = now_seconds() + SERVICE_WAIT_SECONDS;
    pid_t pid = fork();

    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(command[0], command);
        _exit(127);
    }
    while (!proc_listens_on(pid, port)) {
        if (now_seconds() > deadline || waitpid(pid, NULL, WNOHANG) == pid) return -1;
        usleep(500);
    }
    return pid;
}

/* Connects, returns µs to the first byte (or -1) and the service's PID. */
static double one_sample(int port, pid_t *service)
{
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval timeout = {5, 0};
    char reply[64];
    size_t received = 0;
    double started, first = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) return -1;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    started = now_seconds();
    if (connect(fd, (struct sockaddr *)&peer, sizeof peer) == 0) {
        for (;;) {
            ssize_t n = read(fd, reply + received, sizeof reply - 1 - received);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            if (first < 0) first = (now_seconds() - started) * 1e6;
            received += (size_t)n;
            if (received == sizeof reply - 1) break;
        }
    }
    close(fd);
    reply[received] = '\0';
    *service = 0;
    if (sscanf(reply, "hello %d", service) != 1) return -1;
    return first;
}

/* Until PID is gone (exited and reaped by its parent), bounded. */
static int wait_gone(pid_t pid, pid_t own_child)
{
    double deadline = now_seconds() + SERVICE_WAIT_SECONDS;

    for (;;) {
        if (own_child > 0 ? waitpid(own_child, NULL, WNOHANG) == own_child
                          : kill(pid, 0) < 0 && errno == ESRCH)
            return 0;
        if (now_seconds() > deadline) return -1;
        usleep(200);
    }
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, int n, double fraction)
{
    int index = (int)(fraction * (n - 1) + 0.5);
    return n > 0 ? sorted[index] : 0;
}

/* One activation: returns µs or -1; kills a one-shot activator left over. */
static double activation(const struct options *options)
{
    pid_t activator = 0, service = 0;
    double micros;

    if (options->command != NULL && (activator = start_activator(options->command, options->port)) < 0)
        return -1;
    usleep((useconds_t)options->gap_ms * 1000);
    micros = one_sample(options->port, &service);
    if (service > 0 && wait_gone(service, activator) == 0) activator = 0;
    if (activator > 0) {
        kill(activator, SIGKILL);
        waitpid(activator, NULL, 0);
        return -1;
    }
    return service > 0 ? micros : -1;
}

static void report(const struct options *options, double *samples, int ok, int errors,
                   const struct proc_sample *before, const struct proc_sample *after)
{
    double sum = 0;

    for (int i = 0; i < ok; i++) sum += samples[i];
    printf("label=%s activations=%d ok=%d errors=%d", options->label, options->count, ok, errors);
    printf(" raw_us=");
    for (int i = 0; i < ok; i++) printf("%s%.0f", i ? "," : "", samples[i]);
    qsort(samples, (size_t)ok, sizeof *samples, compare_double);
    printf(" min_us=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f mean_us=%.0f", percentile(samples, ok, 0),
           percentile(samples, ok, 0.5), percentile(samples, ok, 0.9), percentile(samples, ok, 0.99),
           percentile(samples, ok, 1), ok ? sum / ok : 0);
    if (before != NULL && after != NULL && ok > 0)
        printf(" sup_cpu_us_per_act=%.1f rss_kib=%ld", (double)(after->oncpu_ns - before->oncpu_ns) / 1e3 / ok,
               after->rss_kib);
    printf("\n");
}

static void parse_options(int argc, char **argv, struct options *options)
{
    int option;

    *options = (struct options){.count = 50, .warmup = 3, .gap_ms = 20, .max_seconds = 60, .label = "-"};
    while ((option = getopt(argc, argv, "p:n:w:g:t:s:l:")) != -1) {
        switch (option) {
        case 'p': options->port = atoi(optarg); break;
        case 'n': options->count = atoi(optarg); break;
        case 'w': options->warmup = atoi(optarg); break;
        case 'g': options->gap_ms = atoi(optarg); break;
        case 't': options->max_seconds = atof(optarg); break;
        case 's': options->supervisor = (pid_t)atoi(optarg); break;
        case 'l': options->label = optarg; break;
        default: usage();
        }
    }
    if (optind < argc) options->command = argv + optind;
    if (options->port <= 0 || options->count <= 0 || options->gap_ms < 0) usage();
}

int main(int argc, char **argv)
{
    struct options options;
    struct proc_sample before, after;
    double deadline, *samples;
    int ok = 0, errors = 0, have_cpu;

    parse_options(argc, argv, &options);
    deadline = now_seconds() + options.max_seconds;
    samples = calloc((size_t)options.count, sizeof *samples);
    if (samples == NULL) return 111;
    while (options.supervisor > 0 && !proc_listens_on(options.supervisor, options.port) && now_seconds() < deadline)
        usleep(10000);
    for (int i = 0; i < options.warmup && now_seconds() < deadline; i++) activation(&options);
    have_cpu = options.supervisor > 0 && proc_sample_read(options.supervisor, &before) == 0;
    for (int i = 0; i < options.count; i++) {
        double micros = now_seconds() < deadline ? activation(&options) : -1;
        if (micros < 0) errors++;
        else samples[ok++] = micros;
    }
    have_cpu = have_cpu && proc_sample_read(options.supervisor, &after) == 0;
    report(&options, samples, ok, errors, have_cpu ? &before : NULL, have_cpu ? &after : NULL);
    free(samples);
    return errors == options.count ? 1 : 0;
}
