/* CSeccomp: libseccomp, which usherd uses in the parent only, to compile a
 * unit's system call restrictions into a BPF program. libseccomp 2.5 exports
 * BPF only to an fd, so usher_seccomp_export goes through a memfd. The
 * spawned child never calls libseccomp: it loads the exported program with
 * one prctl() per program (CSpawn/privileges.c). */
#ifndef USHER_CSECCOMP_SHIM_H
#define USHER_CSECCOMP_SHIM_H
#include <seccomp.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The BPF program of `ctx` in a malloc'ed buffer (*out, *length bytes; the
 * caller frees it). 0, or a negative errno. */
static inline int usher_seccomp_export(scmp_filter_ctx ctx, void **out, size_t *length) {
    int fd = (int)syscall(SYS_memfd_create, "usher-seccomp", 1U /* MFD_CLOEXEC */);
    if (fd < 0) return -errno;
    int r = seccomp_export_bpf(ctx, fd);
    off_t size = r < 0 ? -1 : lseek(fd, 0, SEEK_END);
    if (r == 0 && size < 0) r = -errno;
    char *buffer = r == 0 ? malloc(size > 0 ? (size_t)size : 1) : NULL;
    if (r == 0 && buffer == NULL) r = -ENOMEM;
    size_t done = 0;
    while (r == 0 && done < (size_t)size) {
        ssize_t n = pread(fd, buffer + done, (size_t)size - done, (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) r = n < 0 ? -errno : -EIO;
        else done += (size_t)n;
    }
    close(fd);
    if (r < 0) { free(buffer); return r; }
    *out = buffer;
    *length = (size_t)size;
    return 0;
}

/* The calling process's personality (LockPersonality= keeps it). */
static inline unsigned long usher_current_personality(void) {
    return (unsigned long)personality(0xffffffffUL);
}
#endif
