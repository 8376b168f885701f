/* serve-lines.h: the line protocol the stream examples share: accept a
 * connection on a listening fd, answer each line with "PREFIX PID: LINE". */
#ifndef SERVE_LINES_H
#define SERVE_LINES_H
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve_lines(int listener, const char *prefix)
{
    for (;;) {
        int connection = accept(listener, NULL, NULL);
        if (connection < 0) continue;
        /* One stream per direction: a FILE opened "r+" may not switch from
         * reading to writing without a seek, and a socket cannot seek. */
        int copy = dup(connection);
        FILE *in = fdopen(connection, "r");
        FILE *out = copy < 0 ? NULL : fdopen(copy, "w");
        if (in == NULL || out == NULL) {
            if (in != NULL) fclose(in); else close(connection);
            if (out != NULL) fclose(out); else if (copy >= 0) close(copy);
            continue;
        }
        char line[4096];
        while (fgets(line, sizeof line, in) != NULL) {
            line[strcspn(line, "\n")] = '\0';
            fprintf(out, "%s %d: %s\n", prefix, (int)getpid(), line);
            fflush(out);
        }
        fclose(out);
        fclose(in);
    }
}
#endif
