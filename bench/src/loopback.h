/* loopback: a listening TCP socket on a 127.x.y.z address, CLOEXEC, for the
 * benchmark's C activator and service; exits 100 on a non-loopback address
 * and 111 when a call fails, naming PROGRAM. */
#ifndef BENCH_LOOPBACK_H
#define BENCH_LOOPBACK_H

int listen_loopback(const char *program, const char *address, const char *port, int backlog);

#endif
