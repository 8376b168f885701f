/* CProbe: one function per forbidden-or-allowed thing a sandboxing test asks
 * a service to try. Each returns the call's result or -errno, so the test can
 * tell "refused by the sandbox" (EPERM, EAFNOSUPPORT…) from "allowed" (0, or
 * the errno the kernel gives when nothing stands in the way). */
#define _GNU_SOURCE 1
#include "cprobe.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <unistd.h>

static long result(long r) { return r < 0 ? -errno : r; }

static long try_socket_protocol(int family, int type, int protocol) {
    int fd = socket(family, type | SOCK_CLOEXEC, protocol);
    if (fd < 0) return -errno;
    close(fd);
    return 0;
}

static long try_socket(int family, int type) { return try_socket_protocol(family, type, 0); }

/* ptrace on ourselves without being traced: ESRCH when allowed, EPERM when filtered. */
static long try_ptrace(void) { return result(ptrace(PTRACE_PEEKUSER, getpid(), 0, 0)); }

/* A mount onto a path that does not exist: ENOENT when allowed (as root). */
static long try_mount(void) { return result(mount("none", "/nonexistent-usher-probe", "tmpfs", 0, NULL)); }

/* Writes, reads back and removes a file in `directory`: 0 when all worked. */
static long try_file_io(const char *directory) {
    char path[4096];
    snprintf(path, sizeof path, "%s/usher-probe-io.%d", directory ? directory : "/tmp", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    char buffer[6] = { 0 };
    long r = write(fd, "hello", 5) == 5 && pread(fd, buffer, 5, 0) == 5 && strcmp(buffer, "hello") == 0 ? 0 : -EIO;
    close(fd);
    unlink(path);
    return r;
}

/* A writable anonymous mapping made executable: EPERM under MemoryDenyWriteExecute=. */
static long try_mprotect_exec(void) {
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return -errno;
    long r = result(mprotect(page, 4096, PROT_READ | PROT_EXEC));
    munmap(page, 4096);
    return r;
}

static long try_mmap_write_exec(void) {
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return -errno;
    munmap(page, 4096);
    return 0;
}

/* bind(2) on 127.0.0.1:port (a port below 1024 needs CAP_NET_BIND_SERVICE). */
static long try_bind(const char *port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port ? port : "0")) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    long r = result(bind(fd, (struct sockaddr *)&address, sizeof address));
    close(fd);
    return r;
}

/* chmod u+s on a fresh file in `directory`: EPERM under RestrictSUIDSGID=. */
static long try_chmod_suid(const char *directory) {
    char path[4096];
    snprintf(path, sizeof path, "%s/usher-probe-suid.%d", directory ? directory : "/tmp", (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    if (fd < 0) return -errno;
    close(fd);
    long r = result(chmod(path, 04755));
    unlink(path);
    return r;
}

static long try_adjtimex(void) {
    struct timex t;
    memset(&t, 0, sizeof t);
    return result(adjtimex(&t)) < 0 ? -errno : 0;
}

static long try_realtime(void) {
    struct sched_param param = { .sched_priority = 1 };
    long r = result(sched_setscheduler(0, SCHED_FIFO, &param));
    if (r == 0) {
        struct sched_param normal = { .sched_priority = 0 };
        sched_setscheduler(0, SCHED_OTHER, &normal);
    }
    return r;
}

long usher_probe_check(const char *name, const char *argument, int *known) {
    *known = 1;
    if (strcmp(name, "socket-inet6") == 0) return try_socket(AF_INET6, SOCK_STREAM);
    if (strcmp(name, "socket-inet") == 0) return try_socket(AF_INET, SOCK_STREAM);
    if (strcmp(name, "socket-unix") == 0) return try_socket(AF_UNIX, SOCK_STREAM);
    if (strcmp(name, "socket-raw") == 0) return try_socket_protocol(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (strcmp(name, "ptrace") == 0) return try_ptrace();
    if (strcmp(name, "mount") == 0) return try_mount();
    if (strcmp(name, "file-io") == 0) return try_file_io(argument);
    if (strcmp(name, "mprotect-exec") == 0) return try_mprotect_exec();
    if (strcmp(name, "mmap-write-exec") == 0) return try_mmap_write_exec();
    if (strcmp(name, "bind") == 0) return try_bind(argument);
    if (strcmp(name, "chmod-suid") == 0) return try_chmod_suid(argument);
    if (strcmp(name, "adjtimex") == 0) return try_adjtimex();
    if (strcmp(name, "realtime") == 0) return try_realtime();
    if (strcmp(name, "unshare-net") == 0) return result(unshare(CLONE_NEWNET));
    if (strcmp(name, "personality") == 0) return result(personality(PER_LINUX32));
    if (strcmp(name, "pid") == 0) return (long)getpid();
    if (strcmp(name, "uid") == 0) return (long)getuid();
    if (strcmp(name, "euid") == 0) return (long)geteuid();
    if (strcmp(name, "gid") == 0) return (long)getgid();
    *known = 0;
    return -EINVAL;
}
