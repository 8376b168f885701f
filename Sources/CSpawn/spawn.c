/* CSpawn: clone(CLONE_VM|CLONE_VFORK) a child that sets up its process state
 * from a prepared cspawn_request and execs. The child runs on a stack in the
 * parent's frame and shares its memory, so it calls only async-signal-safe
 * functions, allocates nothing and never returns into the parent's code.
 * See include/cspawn.h for the contract. */
#define _GNU_SOURCE 1
#include "cspawn.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
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

struct child_context {
    const struct cspawn_request *request;
    int error_pipe;               /* write end, CLOEXEC: closed by a successful exec */
};

static const int stdio_stage[3] = { CSPAWN_STAGE_STDIN, CSPAWN_STAGE_STDOUT, CSPAWN_STAGE_STDERR };

struct child_report {
    int stage;
    int error;
};

/* Reports the failed stage to the parent and exits with systemd's status. */
static void child_fail(int error_pipe, int stage) {
    struct child_report report = { stage, errno };
    ssize_t ignored = write(error_pipe, &report, sizeof report);
    (void)ignored;
    _exit(stage);
}

/* Writes the decimal pid after the '=' of the slot: no printf, no malloc. */
static void child_write_pid(char *slot, pid_t pid) {
    char digits[CSPAWN_PID_DIGITS];
    int n = 0;
    while (*slot != '=' && *slot != '\0') slot++;
    if (*slot == '\0') return;
    slot++;
    do {
        digits[n++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid > 0 && n < CSPAWN_PID_DIGITS - 1);
    while (n > 0) *slot++ = digits[--n];
    *slot = '\0';
}

/* Every disposition back to SIG_DFL: handlers of the parent must not run in
 * the child, and ignored signals would be inherited across exec. glibc's
 * internal signals (32, 33) refuse, which is fine. Then SIGPIPE is ignored as
 * systemd does for IgnoreSIGPIPE=yes, and the mask emptied last so that no
 * signal arrives while the parent's handlers are still installed. */
static void child_reset_signals(const struct cspawn_request *r, int error_pipe) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        (void)sigaction(sig, &dfl, NULL);
    }
    if (r->ignore_sigpipe) {
        struct sigaction ign = dfl;
        ign.sa_handler = SIG_IGN;
        if (sigaction(SIGPIPE, &ign, NULL) < 0) child_fail(error_pipe, CSPAWN_STAGE_SIGNAL_MASK);
    }
    sigset_t empty;
    sigemptyset(&empty);
    if (sigprocmask(SIG_SETMASK, &empty, NULL) < 0) child_fail(error_pipe, CSPAWN_STAGE_SIGNAL_MASK);
}

/* Limits and nice first, while still privileged: raising a hard limit or
 * lowering nice needs capabilities the target user may not have. */
static void child_set_limits(const struct cspawn_request *r, int error_pipe) {
    for (int i = 0; i < r->n_rlimits; i++) {
        struct rlimit lim = { (rlim_t)r->rlimits[i].soft, (rlim_t)r->rlimits[i].hard };
        if (setrlimit(r->rlimits[i].resource, &lim) < 0) child_fail(error_pipe, CSPAWN_STAGE_LIMITS);
    }
    if (r->set_nice && setpriority(PRIO_PROCESS, 0, r->nice) < 0) child_fail(error_pipe, CSPAWN_STAGE_NICE);
}

/* setgroups, then setgid, then setuid: after setuid we could no longer change
 * groups, and a process left with root's groups would keep their rights. */
static void child_set_credentials(const struct cspawn_request *r, int error_pipe) {
    if (!r->set_credentials) return;
    if (setgroups((size_t)r->n_groups, r->groups) < 0) child_fail(error_pipe, CSPAWN_STAGE_GROUP);
    if (setresgid(r->gid, r->gid, r->gid) < 0) child_fail(error_pipe, CSPAWN_STAGE_GROUP);
    if (setresuid(r->uid, r->uid, r->uid) < 0) child_fail(error_pipe, CSPAWN_STAGE_USER);
}

/* Phase one: copy every source (stdio, passed fds, error pipe) to a number at
 * or above 3+n, so that placing fd i at 3+i in phase two can never overwrite
 * a source still to be placed. The copies are CLOEXEC and vanish at exec.
 * Returns the new number of the error pipe. */
static int child_lift_sources(const struct cspawn_request *r, int error_pipe) {
    int floor = 3 + r->n_fds;
    int lifted_pipe = fcntl(error_pipe, F_DUPFD_CLOEXEC, floor);
    if (lifted_pipe < 0) child_fail(error_pipe, CSPAWN_STAGE_FDS);
    for (int i = 0; i < 3; i++) {
        r->scratch[i] = fcntl(r->stdio[i], F_DUPFD_CLOEXEC, floor);
        if (r->scratch[i] < 0) child_fail(lifted_pipe, stdio_stage[i]);
    }
    for (int i = 0; i < r->n_fds; i++) {
        r->scratch[3 + i] = fcntl(r->fds[i], F_DUPFD_CLOEXEC, floor);
        if (r->scratch[3 + i] < 0) child_fail(lifted_pipe, CSPAWN_STAGE_FDS);
    }
    return lifted_pipe;
}

/* Phase two: dup2 gives 0..2 and 3..n without CLOEXEC, exactly those. */
static void child_place_fds(const struct cspawn_request *r, int error_pipe) {
    for (int i = 0; i < 3; i++) {
        if (dup2(r->scratch[i], i) < 0) child_fail(error_pipe, stdio_stage[i]);
    }
    for (int i = 0; i < r->n_fds; i++) {
        int target = 3 + i;
        if (dup2(r->scratch[3 + i], target) < 0) child_fail(error_pipe, CSPAWN_STAGE_FDS);
        if (r->nonblock < 0) continue;
        /* O_NONBLOCK lives on the open file description, which usherd's own
         * copy shares; systemd changes it the same way. */
        int flags = fcntl(target, F_GETFL);
        if (flags < 0) child_fail(error_pipe, CSPAWN_STAGE_FDS);
        int wanted = r->nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
        if (wanted != flags && fcntl(target, F_SETFL, wanted) < 0) child_fail(error_pipe, CSPAWN_STAGE_FDS);
    }
}

/* Everything above the passed fds becomes CLOEXEC rather than closed, so the
 * error pipe stays usable until execve itself succeeds. Kernels before 5.11
 * lack the flag: fall back to marking each fd. */
static void child_cloexec_rest(int first, int error_pipe) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    struct rlimit lim;
    long max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) max = (long)lim.rlim_cur;
    for (long fd = first; fd < max; fd++) {
        if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) child_fail(error_pipe, CSPAWN_STAGE_FDS);
    }
}

static int child_main(void *argument) {
    const struct child_context *context = argument;
    const struct cspawn_request *r = context->request;
    int error_pipe = context->error_pipe;

    child_reset_signals(r, error_pipe);
    if (r->new_session && setsid() < 0) child_fail(error_pipe, CSPAWN_STAGE_SETSID);
    child_set_limits(r, error_pipe);
    child_set_credentials(r, error_pipe);
    umask(r->umask);
    if (r->cwd != NULL && chdir(r->cwd) < 0 && !r->cwd_optional) child_fail(error_pipe, CSPAWN_STAGE_CHDIR);

    error_pipe = child_lift_sources(r, error_pipe);
    child_place_fds(r, error_pipe);
    pid_t self = (pid_t)syscall(SYS_getpid);
    for (int i = 0; i < r->n_pid_slots; i++) child_write_pid(r->envp[r->pid_slots[i]], self);
    child_cloexec_rest(3 + r->n_fds, error_pipe);

    execve(r->path, r->argv, r->envp);
    child_fail(error_pipe, CSPAWN_STAGE_EXEC);
    return 0;
}

int cspawn(const struct cspawn_request *request, struct cspawn_result *result) {
    /* The child's stack: the parent is suspended until exec or exit
     * (CLONE_VFORK), so its own frame can lend the memory. */
    _Alignas(16) char stack[CSPAWN_STACK_SIZE];
    int error_pipe[2];
    sigset_t all, saved;

    result->pid = -1;
    result->pidfd = -1;
    result->failed_stage = CSPAWN_OK;
    result->failed_errno = 0;
    if (pipe2(error_pipe, O_CLOEXEC) < 0) return -1;

    /* Block everything so no handler of ours runs on the child's stack
     * before the child has reset its dispositions. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    struct child_context context = { request, error_pipe[1] };
    int pidfd = -1;
    pid_t pid = clone(child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD,
                      &context, &pidfd);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(error_pipe[1]);

    if (pid < 0) {
        close(error_pipe[0]);
        errno = clone_errno;
        return -1;
    }
    result->pid = pid;
    result->pidfd = pidfd;

    /* The child has exec'd (EOF: its CLOEXEC copy closed) or written a report
     * and exited. Another thread's child may briefly hold the write end too;
     * read then waits for that exec, which is short. */
    struct child_report report;
    ssize_t got;
    do {
        got = read(error_pipe[0], &report, sizeof report);
    } while (got < 0 && errno == EINTR);
    close(error_pipe[0]);
    if (got == (ssize_t)sizeof report) {
        result->failed_stage = report.stage;
        result->failed_errno = report.error;
    }
    return 0;
}
