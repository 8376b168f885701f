/* CSpawn: the fork→exec window of usherd, and nothing else. The caller
 * prepares argv, envp and the fd plan; this code moves fds into place,
 * resets process state, sets up namespaces and mounts (mounts.c), drops
 * privileges and execs, reporting failures
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
    CSPAWN_STAGE_NETWORK = 225,
    CSPAWN_STAGE_NAMESPACE = 226,
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
    /* RootDirectory=. Non-NULL: chroot()
     * there before chdir, so cwd and the exec path are looked up inside it. */
    const char *root;
    /* StandardInput=tty*. 1: make fd 0
     * the controlling terminal (TIOCSCTTY) after setsid; 2: steal it from
     * another session (tty-force). 0: leave it. */
    int controlling_tty;
    const struct cspawn_privileges *privileges; /* NULL: nothing to restrict */
    const struct cspawn_mounts *mounts; /* NULL: no namespaces (mounts.c) */
};

/* One step of building the service's mount namespace (mounts.c). The parent
 * orders them (systemd's namespace.c order: by path, parents first, then the
 * read-only pass); the child only executes them. */
enum cspawn_mount_op_kind {
    CSPAWN_OP_MOUNT,        /* mount(source, target, fstype, flags, data) */
    CSPAWN_OP_BIND,         /* bind source (pinned: opened before the first step) onto target; recursive: MS_REC */
    CSPAWN_OP_BIND_SELF,    /* bind target onto itself unless it already is a mount root */
    CSPAWN_OP_INACCESSIBLE, /* the pinned empty dir or file (by target's type) onto target, read-only */
    CSPAWN_OP_READ_ONLY,    /* mount_setattr: set (flags=1) or clear (flags=0) read-only; recursive: below too */
    CSPAWN_OP_MOVE,         /* MS_MOVE source onto target */
    CSPAWN_OP_MKDIR,        /* mkdir target with mode (an existing one is fine) */
    CSPAWN_OP_MKNOD,        /* mknod target mode device, then chmod/chown to mode, uid, gid */
    CSPAWN_OP_SYMLINK,      /* symlink source (the link's text) at target */
    CSPAWN_OP_LOOPBACK_UP,  /* bring "lo" up in the (new) network namespace */
};

struct cspawn_mount_op {
    int kind;                     /* enum cspawn_mount_op_kind */
    const char *source;
    const char *target;
    const char *fstype;
    const char *data;
    unsigned long flags;
    mode_t mode;
    dev_t device;
    uid_t uid;
    gid_t gid;
    int optional;                 /* a missing source or target (ENOENT) skips the step */
    int recursive;                /* BIND, READ_ONLY: the mounts below target too */
    int pin_source;               /* BIND: open source O_PATH before any step runs */
    int make_target;              /* BIND, MOUNT: create a missing target (a dir, or a file for a file source) */
};

struct cspawn_mounts {
    int unshare_flags;            /* CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS */
    const struct cspawn_mount_op *ops;
    int n_ops;
    int *pinned;                  /* n_ops ints of caller memory: the pinned O_PATH fds */
    const char *inaccessible_dir; /* empty 0000 directory, pinned before the first step */
    const char *inaccessible_file;/* empty 0000 regular file, pinned likewise */
    int *failed_op;               /* caller memory: index of the step that failed, -1 */
    /* >= 0: setns into these (prepared by cspawn_prepare_namespaces) before unshare_flags and the steps. */
    int join_mount_ns;
    int join_net_ns;
};

/* Runs in the child: unshare, make "/" a slave tree, run the steps, share
 * "/" again (systemd's MountFlags=shared default). Returns 0, or the failed
 * cspawn_stage with errno set. */
int cspawn_apply_mounts(const struct cspawn_mounts *m);

/* Builds the namespaces of `m` once, in a short-lived child that shares the
 * caller's fd table, and returns fds of them (CLOEXEC; -1 for a namespace
 * not asked for): what every Accept=yes instance of a template then joins
 * with setns instead of paying for its own. Returns 0, or the failed
 * cspawn_stage with errno set (and *m->failed_op as for a spawn). */
int cspawn_prepare_namespaces(const struct cspawn_mounts *m, int *mount_ns, int *net_ns);

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
