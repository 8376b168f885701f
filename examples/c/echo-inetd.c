/* Accept=yes, inetd style, in C: one process per connection, the connection
 * is stdin and stdout (StandardInput=socket). No libsystemd needed. Answers
 * each line with "c inetd PID: LINE" until the client closes. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char line[4096];

    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        printf("c inetd %d: %s\n", (int)getpid(), line);
        fflush(stdout);
    }
    return 0;
}
