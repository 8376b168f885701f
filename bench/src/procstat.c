/* procstat: reads /proc/PID/{stat,status,fd,task} and scans /proc for the
 * children of PID. Parsing starts after the last ')' of stat, because the
 * command name may itself contain spaces and parentheses. */
#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_small_file(const char *path, char *buffer, size_t size)
{
    FILE *file = fopen(path, "re");
    size_t length;

    if (file == NULL) return -1;
    length = fread(buffer, 1, size - 1, file);
    fclose(file);
    buffer[length] = '\0';
    return 0;
}

/* Fields after "pid (comm) ": state is field 3, ppid 4, utime 14 … cstime 17. */
static const char *stat_fields(const char *path, char *buffer, size_t size)
{
    const char *close_paren;

    if (read_small_file(path, buffer, size) < 0) return NULL;
    close_paren = strrchr(buffer, ')');
    return close_paren == NULL ? NULL : close_paren + 2;
}

static int read_cpu_ticks(pid_t pid, struct proc_sample *sample)
{
    char path[64], buffer[1024];
    unsigned long long utime, stime, cutime, cstime;
    const char *fields;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fields = stat_fields(path, buffer, sizeof buffer);
    if (fields == NULL) return -1;
    if (sscanf(fields, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
               &utime, &stime, &cutime, &cstime) != 4)
        return -1;
    sample->self_ticks = utime + stime;
    sample->children_ticks = cutime + cstime;
    return 0;
}

static long read_rss_kib(pid_t pid)
{
    char path[64], buffer[4096];
    const char *line;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (read_small_file(path, buffer, sizeof buffer) < 0) return -1;
    line = strstr(buffer, "\nVmRSS:");
    return line == NULL ? -1 : strtol(line + 7, NULL, 10);
}

static long count_entries(const char *path)
{
    DIR *directory = opendir(path);
    struct dirent *entry;
    long count = 0;

    if (directory == NULL) return -1;
    while ((entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] != '.') count++;
    }
    closedir(directory);
    return count;
}

static unsigned long long read_oncpu_ns(pid_t pid)
{
    char path[96], buffer[128];
    unsigned long long total = 0;
    struct dirent *entry;
    DIR *tasks;

    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    tasks = opendir(path);
    if (tasks == NULL) return 0;
    while ((entry = readdir(tasks)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.20s/schedstat", (int)pid, entry->d_name);
        if (read_small_file(path, buffer, sizeof buffer) == 0) total += strtoull(buffer, NULL, 10);
    }
    closedir(tasks);
    return total;
}

void machine_cpu_read(unsigned long long *busy, unsigned long long *total)
{
    unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
    char buffer[512];

    *busy = *total = 0;
    if (read_small_file("/proc/stat", buffer, sizeof buffer) < 0) return;
    if (sscanf(buffer, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &iowait, &irq,
               &softirq, &steal) != 8)
        return;
    *busy = user + nice + system + irq + softirq + steal;
    *total = *busy + idle + iowait;
}

void proc_count_children(pid_t pid, long *zombies, long *live)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    char path[64], buffer[1024];

    *zombies = 0;
    *live = 0;
    if (proc == NULL) return;
    while ((entry = readdir(proc)) != NULL) {
        const char *fields;
        char state;
        int parent;

        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%.20s/stat", entry->d_name);
        fields = stat_fields(path, buffer, sizeof buffer);
        if (fields == NULL || sscanf(fields, "%c %d", &state, &parent) != 2 || parent != pid) continue;
        if (state == 'Z') (*zombies)++;
        else (*live)++;
    }
    closedir(proc);
}

int proc_sample_read(pid_t pid, struct proc_sample *sample)
{
    char path[64];

    memset(sample, 0, sizeof *sample);
    if (read_cpu_ticks(pid, sample) < 0) return -1;
    sample->rss_kib = read_rss_kib(pid);
    sample->oncpu_ns = read_oncpu_ns(pid);
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    sample->open_fds = count_entries(path);
    proc_count_children(pid, &sample->zombie_children, &sample->live_children);
    return 0;
}
