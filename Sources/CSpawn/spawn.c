/* CSpawn: clone(CLONE_VM|CLONE_VFORK) a child that sets up its process state
 * from a prepared cspawn_request and execs. The child runs on a stack in the
 * parent's frame and shares its memory, so it calls only async-signal-safe
 * functions, allocates nothing and never returns into the parent's code.
 * A failure is reported through that shared memory: the parent resumes only
 * after the child has exec'd or exited (CLONE_VFORK), so no pipe is needed.
 * See include/cspawn.h for the contract. */
#define _GNU_SOURCE 1
#include "cspawn.h"
#include "decimal.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* 64 KiB: glibc's posix_spawn gets by with less; execve needs little stack. */
#define CSPAWN_STACK_SIZE (64 * 1024)

/* Shared with the parent (CLONE_VM): the request, and the report the child
 * fills in before _exit when a step fails. */
struct child_context {
    const struct cspawn_request *request;
    volatile int stage;
    volatile int error;
};

static const int stdio_stage[3] = { CSPAWN_STAGE_STDIN, CSPAWN_STAGE_STDOUT, CSPAWN_STAGE_STDERR };

/* Reports the failed stage to the parent and exits with systemd's status. */
static void child_fail(struct child_context *context, int stage) {
    context->error = errno;
    context->stage = stage;
    _exit(stage);
}

/* Writes the decimal pid after the '=' of the slot: no printf, no malloc. */
static void child_write_pid(char *slot, pid_t pid) {
    while (*slot != '=' && *slot != '\0') slot++;
    if (*slot == '\0') return;
    cspawn_write_decimal(slot + 1, pid, CSPAWN_PID_DIGITS);
}

/* Every disposition back to SIG_DFL (or only those in reset_signals, the
 * ones the caller knows are not at their default): handlers of the parent
 * must not run in the child, and ignored signals would be inherited across
 * exec. glibc's internal signals (32, 33) refuse, which is fine. Then SIGPIPE
 * is ignored as systemd does for IgnoreSIGPIPE=yes, and the mask emptied last
 * so that no signal arrives while the parent's handlers are still installed. */
static void child_reset_signals(const struct cspawn_request *r, struct child_context *context) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (r->reset_signals != NULL && sigismember(r->reset_signals, sig) != 1) continue;
        (void)sigaction(sig, &dfl, NULL);
    }
    if (r->ignore_sigpipe) {
        struct sigaction ign = dfl;
        ign.sa_handler = SIG_IGN;
        if (sigaction(SIGPIPE, &ign, NULL) < 0) child_fail(context, CSPAWN_STAGE_SIGNAL_MASK);
    }
    sigset_t empty;
    sigemptyset(&empty);
    if (sigprocmask(SIG_SETMASK, &empty, NULL) < 0) child_fail(context, CSPAWN_STAGE_SIGNAL_MASK);
}

/* systemd's setrlimit_closest(): a limit above what this process may grant
 * (EPERM, no CAP_SYS_RESOURCE) is lowered to the current hard limit instead of
 * failing the start. */
static int child_setrlimit_closest(int resource, const struct rlimit *wanted) {
    if (setrlimit(resource, wanted) == 0) return 0;
    if (errno != EPERM) return -1;
    struct rlimit highest;
    if (getrlimit(resource, &highest) < 0) return -1;
    if (highest.rlim_max == RLIM_INFINITY) {
        errno = EPERM;
        return -1;
    }
    struct rlimit fixed = {
        wanted->rlim_cur < highest.rlim_max ? wanted->rlim_cur : highest.rlim_max,
        wanted->rlim_max < highest.rlim_max ? wanted->rlim_max : highest.rlim_max,
    };
    if (fixed.rlim_cur == highest.rlim_cur && fixed.rlim_max == highest.rlim_max) return 0;
    return setrlimit(resource, &fixed);
}

/* Limits and nice while still privileged: raising a hard limit or lowering
 * nice needs capabilities the target user may not have. */
static void child_set_limits(const struct cspawn_request *r, struct child_context *context) {
    for (int i = 0; i < r->n_rlimits; i++) {
        struct rlimit lim = { (rlim_t)r->rlimits[i].soft, (rlim_t)r->rlimits[i].hard };
        if (child_setrlimit_closest(r->rlimits[i].resource, &lim) < 0) child_fail(context, CSPAWN_STAGE_LIMITS);
    }
    if (r->set_nice && setpriority(PRIO_PROCESS, 0, r->nice) < 0) child_fail(context, CSPAWN_STAGE_NICE);
}

/* RootDirectory=: chroot, then the working directory is looked up inside the
 * new root ("/" when none is set). WorkingDirectory=-PATH that is missing:
 * systemd's service then runs in "/", not wherever the manager happens to be. */
static void child_change_root(const struct cspawn_request *r, struct child_context *context) {
    if (r->root != NULL && chroot(r->root) < 0) child_fail(context, CSPAWN_STAGE_CHROOT);
}

static void child_change_directory(const struct cspawn_request *r, struct child_context *context) {
    const char *cwd = r->cwd != NULL ? r->cwd : (r->root != NULL ? "/" : NULL);
    if (cwd != NULL && chdir(cwd) < 0) {
        if (!r->cwd_optional || chdir("/") < 0) child_fail(context, CSPAWN_STAGE_CHDIR);
    }
}

/* setgroups, then setgid, then setuid: after setuid we could no longer change
 * groups, and a process left with root's groups would keep their rights. */
static void child_set_credentials(const struct cspawn_request *r, struct child_context *context) {
    if (!r->set_credentials) return;
    if (setgroups((size_t)r->n_groups, r->groups) < 0) child_fail(context, CSPAWN_STAGE_GROUP);
    if (setresgid(r->gid, r->gid, r->gid) < 0) child_fail(context, CSPAWN_STAGE_GROUP);
    if (setresuid(r->uid, r->uid, r->uid) < 0) child_fail(context, CSPAWN_STAGE_USER);
}

/* Phase one: copy every source (stdio, passed fds) to a number at or above
 * 3+n, so that placing fd i at 3+i in phase two can never overwrite a source
 * still to be placed. The copies are CLOEXEC and vanish at exec. */
static void child_lift_sources(const struct cspawn_request *r, struct child_context *context) {
    int floor = 3 + r->n_fds;
    for (int i = 0; i < 3; i++) {
        r->scratch[i] = fcntl(r->stdio[i], F_DUPFD_CLOEXEC, floor);
        if (r->scratch[i] < 0) child_fail(context, stdio_stage[i]);
    }
    for (int i = 0; i < r->n_fds; i++) {
        r->scratch[3 + i] = fcntl(r->fds[i], F_DUPFD_CLOEXEC, floor);
        if (r->scratch[3 + i] < 0) child_fail(context, CSPAWN_STAGE_FDS);
    }
}

/* Phase two: dup2 gives 0..2 and 3..n without CLOEXEC, exactly those. */
static void child_place_fds(const struct cspawn_request *r, struct child_context *context) {
    for (int i = 0; i < 3; i++) {
        if (dup2(r->scratch[i], i) < 0) child_fail(context, stdio_stage[i]);
    }
    for (int i = 0; i < r->n_fds; i++) {
        int target = 3 + i;
        if (dup2(r->scratch[3 + i], target) < 0) child_fail(context, CSPAWN_STAGE_FDS);
        if (r->nonblock < 0) continue;
        /* O_NONBLOCK lives on the open file description, which usherd's own
         * copy shares; systemd changes it the same way. */
        int flags = fcntl(target, F_GETFL);
        if (flags < 0) child_fail(context, CSPAWN_STAGE_FDS);
        int wanted = r->nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
        if (wanted != flags && fcntl(target, F_SETFL, wanted) < 0) child_fail(context, CSPAWN_STAGE_FDS);
    }
}

/* Everything above the passed fds becomes CLOEXEC rather than closed: the
 * lifted copies are still needed by nothing, but closing would cost the same.
 * Kernels before 5.11 lack the flag: fall back to marking each fd. */
static void child_cloexec_rest(int first, struct child_context *context) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    struct rlimit lim;
    long max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) max = (long)lim.rlim_cur;
    for (long fd = first; fd < max; fd++) {
        if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) child_fail(context, CSPAWN_STAGE_FDS);
    }
}

static int child_main(void *argument) {
    struct child_context *context = argument;
    const struct cspawn_request *r = context->request;

    child_reset_signals(r, context);
    if (r->new_session && setsid() < 0) child_fail(context, CSPAWN_STAGE_SETSID);
    child_lift_sources(r, context);
    child_place_fds(r, context);
    /* StandardInput=tty: the new session's controlling terminal, as systemd's acquire_terminal(). */
    if (r->controlling_tty && ioctl(0, TIOCSCTTY, r->controlling_tty == 2 ? 1 : 0) < 0)
        child_fail(context, CSPAWN_STAGE_STDIN);
    pid_t self = (pid_t)syscall(SYS_getpid);
    for (int i = 0; i < r->n_pid_slots; i++) child_write_pid(r->envp[r->pid_slots[i]], self);
    child_cloexec_rest(3 + r->n_fds, context);

    /* Namespaces and mounts while still root, before chroot, chdir and setuid (mounts.c);
     * before the limits too: the steps open fds, and with usherd's own fds still open
     * (close-on-exec only) the lowest free number may lie above the service's RLIMIT_NOFILE. */
    if (r->mounts != NULL) {
        int mounted = cspawn_apply_mounts(r->mounts);
        if (mounted != CSPAWN_OK) child_fail(context, mounted);
    }
    child_set_limits(r, context);
    umask(r->umask);
    child_change_root(r, context);
    child_change_directory(r, context);
    int stage = r->privileges == NULL ? CSPAWN_OK : cspawn_privileges_before_credentials(r->privileges);
    if (stage != CSPAWN_OK) child_fail(context, stage);
    child_set_credentials(r, context);
    stage = r->privileges == NULL ? CSPAWN_OK : cspawn_privileges_before_exec(r->privileges);
    if (stage != CSPAWN_OK) child_fail(context, stage);

    execve(r->path, r->argv, r->envp);
    child_fail(context, CSPAWN_STAGE_EXEC);
    return 0;
}

int cspawn(const struct cspawn_request *request, struct cspawn_result *result) {
    /* The child's stack: the parent is suspended until exec or exit
     * (CLONE_VFORK), so its own frame can lend the memory. */
    _Alignas(16) char stack[CSPAWN_STACK_SIZE];
    sigset_t all, saved;

    result->pid = -1;
    result->pidfd = -1;
    result->failed_stage = CSPAWN_OK;
    result->failed_errno = 0;

    /* Block everything so no handler of ours runs on the child's stack
     * before the child has reset its dispositions. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    struct child_context context = { request, CSPAWN_OK, 0 };
    int pidfd = -1;
    int flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (request->no_pidfd ? 0 : CLONE_PIDFD);
    pid_t pid = clone(child_main, stack + sizeof stack, flags, &context, &pidfd);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);

    if (pid < 0) {
        errno = clone_errno;
        return -1;
    }
    /* Here the child has exec'd, or filled in the report and exited. */
    result->pid = pid;
    result->pidfd = pidfd;
    result->failed_stage = context.stage;
    result->failed_errno = context.error;
    return 0;
}
