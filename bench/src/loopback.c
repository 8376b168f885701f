/* loopback: see loopback.h. */
#include "loopback.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void fail(const char *program, const char *what)
{
    fprintf(stderr, "%s: fatal: %s: %s\n", program, what, strerror(errno));
    exit(111);
}

int listen_loopback(const char *program, const char *address, const char *port, int backlog)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port))};
    int one = 1;
    int fd;

    if (inet_pton(AF_INET, address, &sin.sin_addr) != 1 || (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "%s: fatal: %s is not a loopback address\n", program, address);
        exit(100);
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail(program, "socket");
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) fail(program, "setsockopt SO_REUSEADDR");
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) fail(program, "bind");
    if (listen(fd, backlog) < 0) fail(program, "listen");
    return fd;
}
