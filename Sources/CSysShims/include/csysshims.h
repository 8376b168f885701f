/* CSysShims: glibc's GNU-only calls (pipe2, accept4, pidfd…) made visible to
 * Swift, whose Glibc module hides anything behind _GNU_SOURCE. The header
 * declares plain prototypes (no _GNU_SOURCE here, or the module clashes with
 * SwiftGlibc); shims.c defines them. UsherSys is the one caller. */
#ifndef USHER_CSYSSHIMS_H
#define USHER_CSYSSHIMS_H
#include <sys/types.h>
#include <sys/socket.h>

int usher_pipe2(int fds[2], int flags);
/* A sealed, read-only memfd holding `length` bytes at offset 0 (StandardInput=data), or -1. */
int usher_sealed_data_fd(const void *data, size_t length);
int usher_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int usher_pidfd_send_signal(int pidfd, int sig);
int usher_pidfd_open(pid_t pid);
/* memfd_create(name, 0): the one fd usherd creates without CLOEXEC (its re-exec state). */
int usher_memfd_inheritable(const char *name);

/* Processes and sd_notify for the daemon. */
int usher_reap_any(pid_t *pid, int *code, int *status);
int usher_set_child_subreaper(void);
int usher_enable_passcred(int fd);
/* 1 when the signal's disposition is SIG_DFL, 0 when handled or ignored, -1 on error. */
int usher_signal_is_default(int sig);
ssize_t usher_getrandom(void *buffer, size_t length);
/* malloc_trim(0): free pages of every malloc arena back to the kernel (<malloc.h>). */
int usher_malloc_trim(void);
/* One datagram with its SCM_CREDENTIALS; SCM_RIGHTS fds (CLOEXEC) go to `fds`, up to
   `max_fds` of them (the rest are closed), their number to `fd_count`. */
ssize_t usher_recv_with_credentials(int fd, void *buffer, size_t length, pid_t *pid, uid_t *uid,
                                    int *fds, size_t max_fds, size_t *fd_count);

/* Sockets and nodes for the Binder (GNU-only or variadic in glibc). */
int usher_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
int usher_set_pipe_size(int fd, int size);
int usher_get_pipe_size(int fd);
/* mq_open with O_CREAT; max_messages/message_size <= 0 leave the kernel default. */
int usher_mq_open(const char *name, int flags, mode_t mode, long max_messages, long message_size);
int usher_mq_unlink(const char *name);
int usher_mq_getattr(int fd, long *max_messages, long *message_size);
/* The listen backlog of a TCP listener as the kernel holds it (tcpi_sacked). */
int usher_tcp_listen_backlog(int fd);
/* setfsuid: the calling thread's filesystem uid; returns the previous one. */
int usher_setfsuid(uid_t uid);
/* AF_VSOCK and AF_NETLINK addresses (their headers are not in Swift's Glibc). */
socklen_t usher_fill_sockaddr_vm(struct sockaddr_storage *ss, unsigned int cid, unsigned int port);
socklen_t usher_fill_sockaddr_nl(struct sockaddr_storage *ss, unsigned int groups);
void usher_read_sockaddr_vm(const struct sockaddr_storage *ss, unsigned int *cid, unsigned int *port);
unsigned int usher_read_sockaddr_nl_groups(const struct sockaddr_storage *ss);
#endif
