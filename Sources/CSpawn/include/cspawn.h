/* CSpawn: the fork→exec window of usherd, and nothing else. The caller
 * prepares argv, envp and the fd plan; this code moves fds into place,
 * resets process state, drops privileges and execs, reporting failures
 * through memory it shares with the parent until exec (CLONE_VM|CLONE_VFORK).
 * No allocation, no policy, no Swift in the child. Safe to call from any
 * thread (the Accept=yes spawner threads included). */
#ifndef USHER_CSPAWN_H
#define USHER_CSPAWN_H
#include <signal.h>
#include <sys/types.h>

/* The stage that failed in the child. Each value is the exit status systemd
 * uses for the same setup failure (systemd.exec(5), "Process exit codes"), so
 * the child _exits with it and the parent can name it. */
enum cspawn_stage {
    CSPAWN_OK = 0,
    CSPAWN_STAGE_CHDIR = 200,
    CSPAWN_STAGE_NICE = 201,
    CSPAWN_STAGE_FDS = 202,
    CSPAWN_STAGE_EXEC = 203,
    CSPAWN_STAGE_LIMITS = 205,
    CSPAWN_STAGE_SIGNAL_MASK = 207,
    CSPAWN_STAGE_SECUREBITS = 213,
    CSPAWN_STAGE_STDIN = 208,
    CSPAWN_STAGE_STDOUT = 209,
    CSPAWN_STAGE_GROUP = 216,
    CSPAWN_STAGE_CHROOT = 214,
    CSPAWN_STAGE_USER = 217,
    CSPAWN_STAGE_CAPABILITIES = 218,
    CSPAWN_STAGE_SETSID = 220,
    CSPAWN_STAGE_STDERR = 222,
    CSPAWN_STAGE_NO_NEW_PRIVILEGES = 227,
    CSPAWN_STAGE_SECCOMP = 228,
};

/* Room a LISTEN_PID-style slot needs after its "NAME=": a pid has at most 10
 * digits, plus the NUL. */
#define CSPAWN_PID_DIGITS 12

/* One exported seccomp BPF program: the same layout as the kernel's struct
 * sock_fprog (length, then a pointer to the instructions), so the child can
 * pass it to prctl(PR_SET_SECCOMP) as it is. */
struct cspawn_seccomp_program {
    unsigned short length;        /* instructions */
    const void *filter;           /* struct sock_filter[length] */
};

/* Privileges and system call restrictions, all decided in the parent. The
 * child applies them around setgroups/setgid/setuid (privileges.c). */
struct cspawn_privileges {
    int drop_bounding;            /* 1: drop every capability up to last_cap not in bounding */
    unsigned long long bounding;  /* capabilities kept in the bounding set (bit per number) */
    int last_cap;                 /* /proc/sys/kernel/cap_last_cap */
    int set_securebits;           /* 1: PR_SET_SECUREBITS to securebits before the credentials */
    int securebits;               /* SECBIT_* (with keep-caps when ambient is set and uid changes) */
    unsigned long long ambient;   /* raised into the ambient set after the credentials */
    int no_new_privs;             /* 1: PR_SET_NO_NEW_PRIVS */
    const struct cspawn_seccomp_program *programs; /* loaded in order, the last step before execve */
    int n_programs;
};

/* Bounding set and securebits: before setuid, while CAP_SETPCAP is still ours.
 * Returns CSPAWN_OK or the failed stage (errno set). Child only. */
int cspawn_privileges_before_credentials(const struct cspawn_privileges *p);

/* Ambient capabilities, no_new_privs, then the seccomp programs: after setuid
 * and the fd placement, just before execve, so that only execve itself runs
 * under the filter. Returns CSPAWN_OK or the failed stage. Child only. */
int cspawn_privileges_before_exec(const struct cspawn_privileges *p);

struct cspawn_rlimit {
    int resource;                 /* RLIMIT_* */
    unsigned long long soft, hard; /* RLIM_INFINITY for infinity */
};

/* Everything the child does, prepared by the parent. Arrays are borrowed for
 * the duration of the call only. */
struct cspawn_request {
    const char *path;             /* program to execve */
    char *const *argv;            /* NULL-terminated */
    char *const *envp;            /* NULL-terminated */
    /* Indices in envp of "NAME=" entries each followed by CSPAWN_PID_DIGITS
     * writable bytes; the child writes its own pid there (LISTEN_PID,
     * SYSTEMD_EXEC_PID). The buffers live in the parent's memory (CLONE_VM),
     * so they must belong to this request alone. */
    const int *pid_slots;
    int n_pid_slots;
    const int *fds;               /* sources placed at 3, 4, …, 3+n_fds-1 */
    int n_fds;
    int *scratch;                 /* n_fds + 3 ints of caller memory for the child */
    int stdio[3];                 /* sources for 0, 1, 2; must be valid fds */
    int nonblock;                 /* passed fds: 1 set O_NONBLOCK, 0 clear it, -1 leave */
    int ignore_sigpipe;           /* 1: SIGPIPE SIG_IGN (IgnoreSIGPIPE=yes) */
    int new_session;              /* 1: setsid() */
    int set_credentials;          /* 1: setgroups, setgid, setuid below */
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int n_groups;
    mode_t umask;
    const char *cwd;              /* NULL: stay in "/" (the parent chdirs nowhere) */
    int cwd_optional;             /* 1: a failing chdir falls back to "/" (WorkingDirectory=-) */
    const struct cspawn_rlimit *rlimits;
    int n_rlimits;
    int set_nice;
    int nice;
    /* NULL: every signal's disposition is reset in the child. Otherwise only
     * these (the ones not at SIG_DFL in the parent): saves ~60 system calls. */
    const sigset_t *reset_signals;
    int no_pidfd;                 /* 1: no CLONE_PIDFD (result->pidfd stays -1) */
    /* Added for process setup (issue 12): RootDirectory=. Non-NULL: chroot()
     * there before chdir, so cwd and the exec path are looked up inside it. */
    const char *root;
    /* Added for process setup (issue 12): StandardInput=tty*. 1: make fd 0
     * the controlling terminal (TIOCSCTTY) after setsid; 2: steal it from
     * another session (tty-force). 0: leave it. */
    int controlling_tty;
    const struct cspawn_privileges *privileges; /* NULL: nothing to restrict */
};

struct cspawn_result {
    pid_t pid;                    /* > 0 when a child was created */
    int pidfd;                    /* CLOEXEC pidfd of the child, or -1 */
    int failed_stage;             /* enum cspawn_stage; CSPAWN_OK when exec succeeded */
    int failed_errno;
};

/* Starts the child. Returns 0 when a child was created: it either exec'd
 * (result->failed_stage == CSPAWN_OK) or already _exited with failed_stage
 * as its status, to be reaped like any child. Returns -1 with errno set when
 * no child could be created (clone failed). */
int cspawn(const struct cspawn_request *request, struct cspawn_result *result);

#endif
