/* CProbe: the system calls `usher-probe sys` tries from inside a service, in C
 * because several (ptrace, mount, prctl, syscall) are variadic or hidden from
 * Swift. Each check returns its value (>= 0) or -errno; see probe_sys.c. */
#ifndef USHER_CPROBE_H
#define USHER_CPROBE_H

/* Runs the named check; *known is set to 0 for a name it does not know. */
long usher_probe_check(const char *name, const char *argument, int *known);

#endif
