/* CSpawn: the fork→exec window of usherd, and nothing else. The caller
 * prepares argv, envp and the fd plan; this code moves fds into place,
 * resets process state, drops privileges and execs, reporting failures over a
 * CLOEXEC pipe. No allocation, no policy, no Swift in the child. */
#ifndef USHER_CSPAWN_H
#define USHER_CSPAWN_H
#include <sys/types.h>
int cspawn_placeholder(void);
#endif
