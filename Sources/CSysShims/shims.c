/* CSysShims: forwards to glibc's GNU-only calls; see include/csysshims.h. */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>
#include <sys/socket.h>
#include <string.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/fsuid.h>
#include <errno.h>
#include <stdio.h>
#include <linux/netlink.h>
#include <linux/vm_sockets.h>
#include "csysshims.h"

int usher_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

/* systemd's acquire_data_fd() idea: write the bytes to a memfd, seal it against
 * changes, and hand out a fresh read-only open of it so the offset starts at 0. */
int usher_sealed_data_fd(const void *data, size_t length) {
    int fd = memfd_create("usher-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    const char *bytes = data;
    size_t done = 0;
    while (done < length) {
        ssize_t n = write(fd, bytes + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { int saved = errno; close(fd); errno = saved; return -1; }
        done += (size_t)n;
    }
    (void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int reader = open(path, O_RDONLY | O_CLOEXEC);
    int saved = errno;
    close(fd);
    errno = saved;
    return reader;
}

int usher_malloc_trim(void) { return malloc_trim(0); }

int usher_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}


int usher_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int usher_pidfd_open(pid_t pid) {
    /* pidfds are close-on-exec from birth. */
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Reaps one exited child if any: returns 1 and fills pid/code/status, 0 when
 * none is waiting, -1 with errno (ECHILD when there are no children). */
int usher_reap_any(pid_t *pid, int *code, int *status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG) < 0) return -1;
    if (info.si_pid == 0) return 0;
    *pid = info.si_pid;
    *code = info.si_code;
    *status = info.si_status;
    return 1;
}

/* Makes this process the reaper of its orphaned descendants: 0, or -1 with errno. */
int usher_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int usher_enable_passcred(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
}

/* One datagram with its sender's credentials. fds passed along (SCM_RIGHTS)
 * go to `fds`, up to `max_fds` of them (the rest are closed), their number to
 * `fd_count`. Returns the length, or -1 with errno; *pid is 0 when no
 * credentials came. */
ssize_t usher_recv_with_credentials(int fd, void *buffer, size_t length, pid_t *pid, uid_t *uid,
                                    int *fds, size_t max_fds, size_t *fd_count) {
    char control[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 253)];
    struct iovec iov = { buffer, length };
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (got < 0) return -1;
    *pid = 0;
    *uid = (uid_t)-1;
    *fd_count = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            *pid = cred.pid;
            *uid = cred.uid;
        } else if (c->cmsg_type == SCM_RIGHTS) {
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
                if (*fd_count < max_fds) fds[(*fd_count)++] = passed;
                else close(passed);
            }
        }
    }
    return got;
}

int usher_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return -1;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

int usher_set_pipe_size(int fd, int size) { return fcntl(fd, F_SETPIPE_SZ, size); }

int usher_get_pipe_size(int fd) { return fcntl(fd, F_GETPIPE_SZ); }

int usher_mq_open(const char *name, int flags, mode_t mode, long max_messages, long message_size) {
    struct mq_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.mq_maxmsg = max_messages;
    attr.mq_msgsize = message_size;
    /* Both or neither: the kernel refuses an attr with one field zero. */
    int with_attr = max_messages > 0 && message_size > 0;
    return (int)mq_open(name, flags | O_CREAT, mode, with_attr ? &attr : NULL);
}

int usher_mq_unlink(const char *name) { return mq_unlink(name); }

int usher_mq_getattr(int fd, long *max_messages, long *message_size) {
    struct mq_attr attr;
    if (mq_getattr((mqd_t)fd, &attr) < 0) return -1;
    *max_messages = attr.mq_maxmsg;
    *message_size = attr.mq_msgsize;
    return 0;
}

int usher_tcp_listen_backlog(int fd) {
    struct tcp_info info;
    socklen_t len = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return -1;
    return (int)info.tcpi_sacked;
}

socklen_t usher_fill_sockaddr_vm(struct sockaddr_storage *ss, unsigned int cid, unsigned int port) {
    struct sockaddr_vm *svm = (struct sockaddr_vm *)ss;
    memset(ss, 0, sizeof(*ss));
    svm->svm_family = AF_VSOCK;
    svm->svm_cid = cid;
    svm->svm_port = port;
    return sizeof(*svm);
}

socklen_t usher_fill_sockaddr_nl(struct sockaddr_storage *ss, unsigned int groups) {
    struct sockaddr_nl *snl = (struct sockaddr_nl *)ss;
    memset(ss, 0, sizeof(*ss));
    snl->nl_family = AF_NETLINK;
    snl->nl_groups = groups;
    return sizeof(*snl);
}

void usher_read_sockaddr_vm(const struct sockaddr_storage *ss, unsigned int *cid, unsigned int *port) {
    const struct sockaddr_vm *svm = (const struct sockaddr_vm *)ss;
    *cid = svm->svm_cid;
    *port = svm->svm_port;
}

unsigned int usher_read_sockaddr_nl_groups(const struct sockaddr_storage *ss) {
    return ((const struct sockaddr_nl *)ss)->nl_groups;
}

int usher_setfsuid(uid_t uid) { return setfsuid(uid); }

int usher_signal_is_default(int sig) {
    struct sigaction current;
    if (sigaction(sig, NULL, &current) < 0) return -1;
    return current.sa_handler == SIG_DFL ? 1 : 0;
}

ssize_t usher_getrandom(void *buffer, size_t length) {
    return getrandom(buffer, length, 0);
}

int usher_memfd_inheritable(const char *name) { return memfd_create(name, 0); }
