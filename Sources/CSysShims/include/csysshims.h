/* CSysShims: glibc's GNU-only calls (pipe2, accept4, pidfd…) made visible to
 * Swift, whose Glibc module hides anything behind _GNU_SOURCE. The header
 * declares plain prototypes (no _GNU_SOURCE here, or the module clashes with
 * SwiftGlibc); shims.c defines them. UsherSys is the one caller. */
#ifndef USHER_CSYSSHIMS_H
#define USHER_CSYSSHIMS_H
#include <sys/types.h>
#include <sys/socket.h>

int usher_pipe2(int fds[2], int flags);
int usher_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int usher_pidfd_open(pid_t pid, unsigned int flags);
int usher_pidfd_send_signal(int pidfd, int sig);
int usher_reap_any(pid_t *pid, int *code, int *status);
int usher_has_children(void);
int usher_set_child_subreaper(void);
int usher_enable_passcred(int fd);
ssize_t usher_recv_with_credentials(int fd, void *buffer, size_t length, pid_t *pid, uid_t *uid);
#endif
