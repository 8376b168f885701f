/* CSysShims: forwards to glibc's GNU-only calls; see include/csysshims.h. */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "csysshims.h"

int usher_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int usher_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

int usher_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }

int usher_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}
