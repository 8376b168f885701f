/* Accept=no in C with libsystemd: sd_listen_fds_with_names() checks
 * LISTEN_PID, counts LISTEN_FDS from fd 3 (SD_LISTEN_FDS_START) and reads
 * LISTEN_FDNAMES; the first fd is the listener usherd bound. Answers each
 * line with "c listen PID: LINE". Build: cc listen-fds.c $(pkg-config --cflags --libs libsystemd) */
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include "serve-lines.h"

int main(void)
{
    char **names = NULL;
    int count = sd_listen_fds_with_names(1, &names);
    if (count < 1) {
        fprintf(stderr, "listen-fds: no socket passed (run me from a .socket unit)\n");
        return 1;
    }
    fprintf(stderr, "listen-fds: %d fd(s), the first named %s\n", count, names[0]);
    for (int i = 0; names[i] != NULL; i++) free(names[i]);
    free(names);
    serve_lines(SD_LISTEN_FDS_START, "c listen");
    return 0;
}
