/* An AF_UNIX datagram service in C (ListenDatagram=/path, Accept=no): takes
 * the bound socket with sd_listen_fds() and answers each datagram to its
 * sender's address with "c dgram PID: TEXT" (the client binds an address).
 * Build: cc dgram-unix.c $(pkg-config --cflags --libs libsystemd) */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

int main(void)
{
    if (sd_listen_fds(1) < 1 || sd_is_socket(SD_LISTEN_FDS_START, AF_UNIX, SOCK_DGRAM, -1) <= 0) {
        fprintf(stderr, "dgram-unix: no AF_UNIX datagram socket passed (run me from a .socket unit)\n");
        return 1;
    }
    for (;;) {
        char text[4096], answer[4200];
        struct sockaddr_un sender;
        socklen_t length = sizeof sender;
        ssize_t got = recvfrom(SD_LISTEN_FDS_START, text, sizeof text - 1, 0, (struct sockaddr *)&sender, &length);
        if (got < 0 || length <= sizeof(sa_family_t)) continue;
        text[got] = '\0';
        text[strcspn(text, "\n")] = '\0';
        int size = snprintf(answer, sizeof answer, "c dgram %d: %s\n", (int)getpid(), text);
        sendto(SD_LISTEN_FDS_START, answer, (size_t)size, 0, (struct sockaddr *)&sender, length);
    }
}
