/* hello-glibc: the ordinary handler — a static glibc program that writes one
 * line to fd 1 (the connection, inetd style) and exits. Static so that the
 * dynamic loader's cost does not blur the supervisors' differences. */
#include <unistd.h>

int main(void)
{
    static const char line[] = "hello from hello-glibc\n";
    ssize_t written = write(1, line, sizeof line - 1);

    return written == (ssize_t)(sizeof line - 1) ? 0 : 1;
}
