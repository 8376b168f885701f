/* procstat: samples of a supervisor process read from /proc — CPU (utime +
 * stime and reaped children's, in clock ticks; on-CPU ns summed over its
 * threads from schedstat), RSS, open fds, and its zombie / live children. */
#ifndef BENCH_PROCSTAT_H
#define BENCH_PROCSTAT_H

#include <sys/types.h>

struct proc_sample {
    unsigned long long self_ticks;     /* utime + stime, all threads */
    unsigned long long children_ticks; /* cutime + cstime, children it has reaped */
    unsigned long long oncpu_ns;       /* sum of /proc/PID/task/ * /schedstat field 1 */
    long rss_kib;                      /* VmRSS */
    long open_fds;                     /* entries in /proc/PID/fd */
    long zombie_children;              /* children in state Z */
    long live_children;                /* children in any other state */
};

/* Returns 0 on success, -1 if the process is gone or /proc cannot be read. */
int proc_sample_read(pid_t pid, struct proc_sample *sample);

/* Machine-wide jiffies from /proc/stat: busy (not idle or iowait) and total. */
void machine_cpu_read(unsigned long long *busy, unsigned long long *total);

/* Counts only children (zombie and live), for polling while they drain. */
void proc_count_children(pid_t pid, long *zombies, long *live);

#endif
