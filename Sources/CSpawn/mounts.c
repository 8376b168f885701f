/* CSpawn's namespace step: in the child, unshare the mount (and network,
 * UTS) namespace and run the mount steps the parent prepared (ProtectSystem=,
 * PrivateTmp=, *Paths=, …; see cspawn.h). Like spawn.c it runs on a borrowed
 * stack in shared memory: system calls only, no allocation, paths formatted
 * into stack buffers. */
#define _GNU_SOURCE 1
#include "cspawn.h"
#include "decimal.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/* "/proc/self/fd/N" for a pinned fd, in `buffer` (at least 32 bytes). */
static const char *fd_path(int fd, char *buffer) {
    static const char prefix[] = "/proc/self/fd/";
    int at = 0;
    for (; prefix[at] != '\0'; at++) buffer[at] = prefix[at];
    cspawn_write_decimal(buffer + at, fd, 12);
    return buffer;
}

/* mkdir -p of `path`'s directories, and of `path` itself as a directory or
 * an empty file (a bind target must have the type of its source). */
static int make_target(const char *path, int as_file) {
    char buffer[PATH_MAX];
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof buffer) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buffer, path, length + 1);
    for (size_t i = 1; i < length; i++) {
        if (buffer[i] != '/') continue;
        buffer[i] = '\0';
        if (mkdir(buffer, 0755) < 0 && errno != EEXIST) return -1;
        buffer[i] = '/';
    }
    if (!as_file) return (mkdir(buffer, 0755) < 0 && errno != EEXIST) ? -1 : 0;
    int fd = open(buffer, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
}

static int is_mount_root(const char *path) {
    struct statx st;
    if (statx(AT_FDCWD, path, 0, STATX_TYPE, &st) < 0) return -1;
    if (!(st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) return 0;
    return (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
}

/* A step's result `r`: a failure because its source or target is missing (ENOENT) skips an optional step. */
static int skip_if_missing(const struct cspawn_mount_op *op, int r) {
    return (r < 0 && op->optional && errno == ENOENT) ? 0 : r;
}

/* The pinned `fd` onto op's target; `recursive`: with the mounts below it, `make`: create a
 * missing target first (a directory, or a file when `fd` is not one). */
static int bind_pinned(int fd, const struct cspawn_mount_op *op, int recursive, int make) {
    char source[32];
    struct stat st;
    if (fstat(fd, &st) < 0) return -1;
    if (make && make_target(op->target, !S_ISDIR(st.st_mode)) < 0) return -1;
    unsigned long flags = MS_BIND | (recursive ? MS_REC : 0);
    return skip_if_missing(op, mount(fd_path(fd, source), op->target, NULL, flags, NULL));
}

/* An inaccessible path: the empty 0000 directory (or file) over it, then
 * read-only, nosuid, nodev, noexec as systemd's /run/systemd/inaccessible. */
static int make_inaccessible(const struct cspawn_mount_op *op, int dir_fd, int file_fd) {
    struct stat st;
    if (stat(op->target, &st) < 0) return skip_if_missing(op, -1);
    if (bind_pinned(S_ISDIR(st.st_mode) ? dir_fd : file_fd, op, 0, 0) < 0) return -1;
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
    return mount_setattr(AT_FDCWD, op->target, 0, &attr, sizeof attr);
}

/* Read-only on (flags 1) or off (flags 0) for the mount at target, and when
 * recursive for every mount below it too (mount_setattr, Linux 5.12).
 * Older kernels: a remount of that one mount. */
static int set_read_only(const struct cspawn_mount_op *op) {
    struct mount_attr attr = { 0 };
    if (op->flags) attr.attr_set = MOUNT_ATTR_RDONLY; else attr.attr_clr = MOUNT_ATTR_RDONLY;
    int r = mount_setattr(AT_FDCWD, op->target, op->recursive ? AT_RECURSIVE : 0, &attr, sizeof attr);
    if (r == 0 || errno != ENOSYS) return skip_if_missing(op, r);
    return mount(NULL, op->target, NULL, MS_REMOUNT | MS_BIND | (op->flags ? MS_RDONLY : 0), NULL);
}

static int loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    memcpy(request.ifr_name, "lo", 3);
    int r = ioctl(fd, SIOCGIFFLAGS, &request);
    if (r == 0 && !(request.ifr_flags & IFF_UP)) {
        request.ifr_flags |= IFF_UP;
        r = ioctl(fd, SIOCSIFFLAGS, &request);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

static int run_op(const struct cspawn_mount_op *op, int pinned, int dir_fd, int file_fd) {
    switch (op->kind) {
    case CSPAWN_OP_MOUNT: {
        if (op->make_target && make_target(op->target, 0) < 0) return -1;
        return skip_if_missing(op, mount(op->source, op->target, op->fstype, op->flags, op->data));
    }
    case CSPAWN_OP_BIND:
        if (pinned < 0) return op->optional ? 0 : -1;
        return bind_pinned(pinned, op, op->recursive, op->make_target);
    case CSPAWN_OP_BIND_SELF: {
        int root = is_mount_root(op->target);
        if (root < 0) return skip_if_missing(op, -1);
        if (root == 1) return 0;
        return mount(op->target, op->target, NULL, MS_BIND | MS_REC, NULL);
    }
    case CSPAWN_OP_INACCESSIBLE:
        return make_inaccessible(op, dir_fd, file_fd);
    case CSPAWN_OP_READ_ONLY:
        return set_read_only(op);
    case CSPAWN_OP_MOVE:
        return mount(op->source, op->target, NULL, MS_MOVE, NULL);
    case CSPAWN_OP_MKDIR:
        return (mkdir(op->target, op->mode) < 0 && errno != EEXIST) ? -1 : 0;
    case CSPAWN_OP_MKNOD:
        if (mknod(op->target, op->mode, op->device) < 0) return skip_if_missing(op, -1);
        if (chmod(op->target, op->mode & 07777) < 0) return -1;
        return chown(op->target, op->uid, op->gid);
    case CSPAWN_OP_SYMLINK:
        return (symlink(op->source, op->target) < 0 && errno != EEXIST) ? -1 : 0;
    case CSPAWN_OP_LOOPBACK_UP:
        return loopback_up();
    default:
        errno = EINVAL;
        return -1;
    }
}

/* Opens, before any step can hide them, the sources the steps bind from. */
static int pin_sources(const struct cspawn_mounts *m, int *dir_fd, int *file_fd) {
    *dir_fd = *file_fd = -1;
    for (int i = 0; i < m->n_ops; i++) m->pinned[i] = -1;
    for (int i = 0; i < m->n_ops; i++) {
        if (!m->ops[i].pin_source) continue;
        m->pinned[i] = open(m->ops[i].source, O_PATH | O_CLOEXEC);
        if (m->pinned[i] < 0 && skip_if_missing(&m->ops[i], -1) < 0) {
            *m->failed_op = i;
            return -1;
        }
    }
    if (m->inaccessible_dir != NULL && (*dir_fd = open(m->inaccessible_dir, O_PATH | O_CLOEXEC | O_DIRECTORY)) < 0) return -1;
    if (m->inaccessible_file != NULL && (*file_fd = open(m->inaccessible_file, O_PATH | O_CLOEXEC)) < 0) return -1;
    return 0;
}

/* The pinned fds are CLOEXEC and vanish at a spawn's exec, but the preparing child
 * shares usherd's fd table (CLONE_FILES): close them, keeping errno for the caller. */
static void unpin_sources(const struct cspawn_mounts *m, int dir_fd, int file_fd) {
    int saved = errno;
    for (int i = 0; i < m->n_ops; i++) {
        if (m->pinned[i] >= 0) close(m->pinned[i]);
    }
    if (dir_fd >= 0) close(dir_fd);
    if (file_fd >= 0) close(file_fd);
    errno = saved;
}

int cspawn_apply_mounts(const struct cspawn_mounts *m) {
    *m->failed_op = -1;
    if (m->join_mount_ns >= 0 && setns(m->join_mount_ns, CLONE_NEWNS) < 0) return CSPAWN_STAGE_NAMESPACE;
    if (m->join_net_ns >= 0 && setns(m->join_net_ns, CLONE_NEWNET) < 0) return CSPAWN_STAGE_NETWORK;
    if (m->unshare_flags != 0 && unshare(m->unshare_flags) < 0) return CSPAWN_STAGE_NAMESPACE;
    if (!(m->unshare_flags & CLONE_NEWNS)) {
        for (int i = 0; i < m->n_ops; i++) {
            if (run_op(&m->ops[i], -1, -1, -1) < 0) {
                *m->failed_op = i;
                return CSPAWN_STAGE_NETWORK;
            }
        }
        return 0;
    }
    /* Nothing mounted here may reach the host: "/" becomes a slave tree first. */
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) return CSPAWN_STAGE_NAMESPACE;
    int dir_fd, file_fd;
    if (pin_sources(m, &dir_fd, &file_fd) < 0) {
        unpin_sources(m, dir_fd, file_fd);
        return CSPAWN_STAGE_NAMESPACE;
    }
    for (int i = 0; i < m->n_ops; i++) {
        if (run_op(&m->ops[i], m->pinned[i], dir_fd, file_fd) < 0) {
            *m->failed_op = i;
            unpin_sources(m, dir_fd, file_fd);
            return m->ops[i].kind == CSPAWN_OP_LOOPBACK_UP ? CSPAWN_STAGE_NETWORK : CSPAWN_STAGE_NAMESPACE;
        }
    }
    unpin_sources(m, dir_fd, file_fd);
    if (mount(NULL, "/", NULL, MS_SHARED | MS_REC, NULL) < 0) return CSPAWN_STAGE_NAMESPACE;
    return 0;
}

/* Shared with the preparing child (CLONE_VM | CLONE_FILES). */
struct prepare_context {
    const struct cspawn_mounts *mounts;
    int stage, error, mount_ns, net_ns;
};

static int prepare_main(void *argument) {
    struct prepare_context *c = argument;
    c->stage = cspawn_apply_mounts(c->mounts);
    if (c->stage == CSPAWN_OK && (c->mounts->unshare_flags & CLONE_NEWNS)) {
        c->mount_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (c->mount_ns < 0) c->stage = CSPAWN_STAGE_NAMESPACE;
    }
    if (c->stage == CSPAWN_OK && (c->mounts->unshare_flags & CLONE_NEWNET)) {
        c->net_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (c->net_ns < 0) c->stage = CSPAWN_STAGE_NETWORK;
    }
    c->error = errno;
    _exit(0);
}

int cspawn_prepare_namespaces(const struct cspawn_mounts *m, int *mount_ns, int *net_ns) {
    _Alignas(16) char stack[64 * 1024];
    struct prepare_context c = { m, CSPAWN_OK, 0, -1, -1 };
    sigset_t all, saved;
    *mount_ns = *net_ns = -1;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    /* No exit signal: usherd's reaper (waitid without __WALL) never sees this child. */
    pid_t pid = clone(prepare_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_FILES, &c);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (pid < 0) {
        errno = clone_errno;
        return CSPAWN_STAGE_NAMESPACE;
    }
    int status;
    while (waitpid(pid, &status, __WCLONE) < 0 && errno == EINTR) {}
    if (c.stage != CSPAWN_OK) {
        if (c.mount_ns >= 0) close(c.mount_ns);
        if (c.net_ns >= 0) close(c.net_ns);
        errno = c.error;
        return c.stage;
    }
    *mount_ns = c.mount_ns;
    *net_ns = c.net_ns;
    return CSPAWN_OK;
}
