/* Type=notify with the watchdog in C with libsystemd: READY=1 once the
 * listener is ours, then WATCHDOG=1 every WATCHDOG_USEC/2 from a thread
 * (sd_watchdog_enabled() says whether and how often). Answers each line with
 * "c notify PID: LINE". Build: cc -pthread notify-watchdog.c $(pkg-config --cflags --libs libsystemd) */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include "serve-lines.h"

static uint64_t watchdog_usec;

static void *feed_watchdog(void *unused)
{
    (void)unused;
    struct timespec half = { .tv_sec = (time_t)(watchdog_usec / 2 / 1000000),
                             .tv_nsec = (long)(watchdog_usec / 2 % 1000000) * 1000 };
    for (;;) {
        nanosleep(&half, NULL);
        sd_notify(0, "WATCHDOG=1");
    }
    return NULL;
}

int main(void)
{
    if (sd_listen_fds(1) < 1) {
        fprintf(stderr, "notify-watchdog: no socket passed (run me from a .socket unit)\n");
        return 1;
    }
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
        pthread_t feeder;
        pthread_create(&feeder, NULL, feed_watchdog, NULL);
    }
    sd_notify(0, "READY=1");
    serve_lines(SD_LISTEN_FDS_START, "c notify");
    return 0;
}
