/* loadgen: the client side of the Accept=yes benchmark. N threads each loop
 * connect → read until EOF → close against a loopback address, for a fixed
 * count and never past a deadline; reports connections/s, latency percentiles
 * and errors, plus the supervisor's CPU, RSS, fds and zombies from /proc.
 * Also: -P probes until a handler answers, -F prints a free loopback port. */
#include "procstat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CONNECTION_TIMEOUT_SECONDS 5
#define FAILED UINT64_MAX

enum failure { FAIL_NONE, FAIL_CONNECT, FAIL_READ, FAIL_REPLY };

struct options {
    const char *address, *label, *expect;
    int port, concurrency, probe, free_port_base;
    long count, warmup;
    double max_seconds;
    pid_t supervisor;
};

struct phase {
    struct sockaddr_storage peer;
    socklen_t peer_length;
    const char *expect;
    long count;
    double deadline;
    atomic_long next_ticket;
    atomic_long failures[4];
    atomic_int finished_workers;
    uint64_t *latency_ns; /* one slot per ticket, FAILED if that connection failed */
    pthread_barrier_t start;
    double *finish_times;
};

struct worker {
    struct phase *phase;
    int index;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen -p PORT [-a 127.0.0.1|::1] [-c CONCURRENCY] [-n COUNT] [-w WARMUP]\n"
            "               [-t MAX_SECONDS] [-s SUPERVISOR_PID] [-l LABEL] [-x EXPECTED_PREFIX]\n"
            "       loadgen -P -p PORT [-a ADDRESS] [-t MAX_SECONDS]   (wait until a handler answers)\n"
            "       loadgen -F BASE_PORT                               (print a free 127.0.0.1 port)\n");
    exit(100);
}

/* Loopback only: 127.0.0.0/8 or ::1; anything else is refused. */
static int parse_loopback(const char *address, int port, struct sockaddr_storage *peer, socklen_t *length)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)peer;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)peer;

    memset(peer, 0, sizeof *peer);
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1 && (ntohl(v4->sin_addr.s_addr) >> 24) == 127) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *length = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1 && IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *length = sizeof *v6;
        return 0;
    }
    return -1;
}

static int read_until_eof(int fd, const char *expect)
{
    char reply[512];
    size_t received = 0;

    for (;;) {
        ssize_t n = read(fd, reply + received, sizeof reply - 1 - received);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return FAIL_READ;
        if (n == 0) break;
        received += (size_t)n;
        if (received == sizeof reply - 1) received = 0; /* keep draining a long reply */
    }
    reply[received] = '\0';
    if (received == 0) return FAIL_REPLY;
    if (expect != NULL && strncmp(reply, expect, strlen(expect)) != 0) return FAIL_REPLY;
    return FAIL_NONE;
}

/* One client connection; returns its failure kind and sets *latency_ns. */
static int one_connection(const struct phase *phase, uint64_t *latency_ns)
{
    struct timeval timeout = {CONNECTION_TIMEOUT_SECONDS, 0};
    double started = now_seconds();
    int result;
    int fd = socket(phase->peer.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) return FAIL_CONNECT;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd, (const struct sockaddr *)&phase->peer, phase->peer_length) < 0) result = FAIL_CONNECT;
    else result = read_until_eof(fd, phase->expect);
    close(fd);
    *latency_ns = (uint64_t)((now_seconds() - started) * 1e9);
    return result;
}

static void *worker_main(void *argument)
{
    struct worker *worker = argument;
    struct phase *phase = worker->phase;

    pthread_barrier_wait(&phase->start);
    for (;;) {
        long ticket;
        uint64_t latency;
        int failure;

        if (now_seconds() > phase->deadline) break;
        ticket = atomic_fetch_add(&phase->next_ticket, 1);
        if (ticket >= phase->count) break;
        failure = one_connection(phase, &latency);
        atomic_fetch_add(&phase->failures[failure], 1);
        if (phase->latency_ns != NULL) phase->latency_ns[ticket] = failure == FAIL_NONE ? latency : FAILED;
    }
    phase->finish_times[worker->index] = now_seconds();
    atomic_fetch_add(&phase->finished_workers, 1);
    return NULL;
}

struct phase_result {
    double elapsed;
    long rss_peak_kib;
    double machine_busy_pct; /* all CPUs, everyone's work, during the phase */
};

/* Runs one phase; the calling thread samples the supervisor's RSS meanwhile. */
static struct phase_result run_phase(struct phase *phase, const struct options *options)
{
    int n = options->concurrency;
    pthread_t threads[n];
    struct worker workers[n];
    struct phase_result result = {0, 0, 0};
    unsigned long long busy_before, total_before, busy_after, total_after;
    double started;

    pthread_barrier_init(&phase->start, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        workers[i] = (struct worker){phase, i};
        if (pthread_create(&threads[i], NULL, worker_main, &workers[i]) != 0) {
            fprintf(stderr, "loadgen: fatal: pthread_create failed\n");
            exit(111);
        }
    }
    machine_cpu_read(&busy_before, &total_before);
    pthread_barrier_wait(&phase->start);
    started = now_seconds();
    while (atomic_load(&phase->finished_workers) < n) {
        struct proc_sample sample;
        usleep(20000);
        if (options->supervisor > 0 && proc_sample_read(options->supervisor, &sample) == 0 &&
            sample.rss_kib > result.rss_peak_kib)
            result.rss_peak_kib = sample.rss_kib;
    }
    machine_cpu_read(&busy_after, &total_after);
    if (total_after > total_before)
        result.machine_busy_pct = 100.0 * (double)(busy_after - busy_before) / (double)(total_after - total_before);
    for (int i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
        if (phase->finish_times[i] - started > result.elapsed) result.elapsed = phase->finish_times[i] - started;
    }
    pthread_barrier_destroy(&phase->start);
    return result;
}

static void phase_init(struct phase *phase, const struct options *options, long count, uint64_t *latencies)
{
    memset(phase, 0, sizeof *phase);
    if (parse_loopback(options->address, options->port, &phase->peer, &phase->peer_length) < 0) {
        fprintf(stderr, "loadgen: fatal: %s is not a loopback address\n", options->address);
        exit(100);
    }
    phase->expect = options->expect;
    phase->count = count;
    phase->deadline = now_seconds() + options->max_seconds;
    phase->latency_ns = latencies;
    phase->finish_times = calloc((size_t)options->concurrency, sizeof(double));
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts the successful latencies to the front; returns how many there are. */
static long sort_latencies(uint64_t *latencies, long attempted)
{
    qsort(latencies, (size_t)attempted, sizeof *latencies, compare_u64);
    long ok = 0;
    while (ok < attempted && latencies[ok] != FAILED) ok++;
    return ok;
}

static double percentile_us(const uint64_t *sorted, long n, double fraction)
{
    long rank;
    if (n == 0) return 0;
    rank = (long)(fraction * (double)n + 0.999999) - 1;
    if (rank < 0) rank = 0;
    return (double)sorted[rank] / 1000.0;
}

/* Waits (bounded) until the supervisor has reaped every child, then samples it. */
static void settle_and_sample(pid_t pid, struct proc_sample *after)
{
    double deadline = now_seconds() + 2.0;
    long zombies, live;

    for (;;) {
        proc_count_children(pid, &zombies, &live);
        if ((zombies == 0 && live == 0) || now_seconds() > deadline) break;
        usleep(10000);
    }
    if (proc_sample_read(pid, after) < 0) memset(after, 0, sizeof *after);
}

static void print_report(const struct options *options, const struct phase *phase, uint64_t *latencies,
                         const struct phase_result *run, const struct proc_sample *before,
                         const struct proc_sample *after)
{
    long failures = atomic_load(&phase->failures[FAIL_CONNECT]) + atomic_load(&phase->failures[FAIL_READ]) +
                    atomic_load(&phase->failures[FAIL_REPLY]);
    long attempted = atomic_load(&phase->failures[FAIL_NONE]) + failures;
    long ok = sort_latencies(latencies, attempted);
    double per_conn = ok > 0 ? 1.0 / (double)ok : 0;
    double tick_us = 1e6 / (double)sysconf(_SC_CLK_TCK);

    printf("label=%s concurrency=%d requested=%ld ok=%ld errors=%ld err_connect=%ld err_read=%ld err_reply=%ld "
           "deadline_hit=%d seconds=%.3f cps=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f machine_busy_pct=%.0f",
           options->label, options->concurrency, options->count, ok, failures,
           atomic_load(&phase->failures[FAIL_CONNECT]), atomic_load(&phase->failures[FAIL_READ]),
           atomic_load(&phase->failures[FAIL_REPLY]), attempted < options->count, run->elapsed,
           run->elapsed > 0 ? (double)ok / run->elapsed : 0, percentile_us(latencies, ok, 0.50),
           percentile_us(latencies, ok, 0.99), ok > 0 ? (double)latencies[ok - 1] / 1000.0 : 0,
           run->machine_busy_pct);
    if (options->supervisor > 0) {
        printf(" sup_ticks=%llu child_ticks=%llu sup_oncpu_ns=%llu sup_cpu_us_per_conn=%.2f "
               "sup_oncpu_us_per_conn=%.2f child_cpu_us_per_conn=%.2f rss_before_kib=%ld rss_peak_kib=%ld "
               "rss_after_kib=%ld fds_before=%ld fds_after=%ld zombies=%ld live_children=%ld",
               after->self_ticks - before->self_ticks, after->children_ticks - before->children_ticks,
               after->oncpu_ns - before->oncpu_ns, (double)(after->self_ticks - before->self_ticks) * tick_us * per_conn,
               (double)(after->oncpu_ns - before->oncpu_ns) / 1000.0 * per_conn,
               (double)(after->children_ticks - before->children_ticks) * tick_us * per_conn, before->rss_kib,
               run->rss_peak_kib > after->rss_kib ? run->rss_peak_kib : after->rss_kib, after->rss_kib,
               before->open_fds, after->open_fds, after->zombie_children, after->live_children);
    }
    printf("\n");
}

static int measure(const struct options *options)
{
    struct phase phase;
    struct phase_result run;
    struct proc_sample before, after;
    uint64_t *latencies = calloc((size_t)options->count, sizeof *latencies);

    if (latencies == NULL) return 111;
    if (options->warmup > 0) {
        phase_init(&phase, options, options->warmup, NULL);
        run_phase(&phase, options);
        free(phase.finish_times);
    }
    if (options->supervisor > 0) {
        settle_and_sample(options->supervisor, &before);
        if (before.self_ticks == 0 && before.rss_kib <= 0) {
            fprintf(stderr, "loadgen: fatal: cannot read /proc/%d\n", (int)options->supervisor);
            return 111;
        }
    }
    phase_init(&phase, options, options->count, latencies);
    run = run_phase(&phase, options);
    if (options->supervisor > 0) settle_and_sample(options->supervisor, &after);
    print_report(options, &phase, latencies, &run, &before, &after);
    free(phase.finish_times);
    free(latencies);
    return 0;
}

/* Tries one connection at a time until a handler answers or the time is up. */
static int probe(const struct options *options)
{
    struct phase phase;
    double deadline = now_seconds() + options->max_seconds;

    phase_init(&phase, options, 1, NULL);
    while (now_seconds() < deadline) {
        uint64_t latency;
        if (one_connection(&phase, &latency) == FAIL_NONE) return 0;
        usleep(50000);
    }
    fprintf(stderr, "loadgen: no answer on %s port %d within %.0f s\n", options->address, options->port,
            options->max_seconds);
    return 1;
}

/* A port is free when bind succeeds without SO_REUSEADDR: then no listener and
 * no TIME_WAIT socket from an earlier cell holds it, so any supervisor can bind. */
static int print_free_port(int base)
{
    for (int port = base; port < base + 2000 && port < 65536; port++) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int bound;

        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bound = bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
        close(fd);
        if (bound) {
            printf("%d\n", port);
            return 0;
        }
    }
    fprintf(stderr, "loadgen: no free port in [%d, %d)\n", base, base + 2000);
    return 1;
}

static void parse_options(int argc, char **argv, struct options *options)
{
    int option;

    *options = (struct options){.address = "127.0.0.1", .label = "-", .concurrency = 1, .count = 1000,
                                .max_seconds = 60};
    while ((option = getopt(argc, argv, "p:a:c:n:w:t:s:l:x:PF:")) != -1) {
        switch (option) {
        case 'p': options->port = atoi(optarg); break;
        case 'a': options->address = optarg; break;
        case 'c': options->concurrency = atoi(optarg); break;
        case 'n': options->count = atol(optarg); break;
        case 'w': options->warmup = atol(optarg); break;
        case 't': options->max_seconds = atof(optarg); break;
        case 's': options->supervisor = (pid_t)atoi(optarg); break;
        case 'l': options->label = optarg; break;
        case 'x': options->expect = optarg; break;
        case 'P': options->probe = 1; break;
        case 'F': options->free_port_base = atoi(optarg); break;
        default: usage();
        }
    }
    if (options->free_port_base > 0) return;
    if (options->port <= 0 || options->port > 65535 || options->concurrency < 1 || options->concurrency > 1024 ||
        options->count < 1 || options->count > 10000000 || options->max_seconds <= 0 || options->max_seconds > 3600)
        usage();
}

int main(int argc, char **argv)
{
    struct options options;

    parse_options(argc, argv, &options);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (options.free_port_base > 0) return print_free_port(options.free_port_base);
    if (options.probe) return probe(&options);
    return measure(&options);
}
