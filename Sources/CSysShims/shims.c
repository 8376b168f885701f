/* CSysShims: forwards to glibc's GNU-only calls; see include/csysshims.h. */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <mqueue.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/fsuid.h>
#include <linux/netlink.h>
#include <linux/vm_sockets.h>
#include "csysshims.h"

int usher_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int usher_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

int usher_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }

int usher_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
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
