/* refloop: the C reference for Accept=yes — accept, then posix_spawn the handler
 * with the connection as fd 0 and 1; reap in a SIGCHLD handler; loopback only.
 * Variants: -f fork+dup2+execve; -t spawn on a thread fed fds through a pipe
 * (issue 5's proposed design); -j N, N threads each running the plain loop;
 * -s each handler in a session of its own (POSIX_SPAWN_SETSID), as systemd and
 * usherd start every instance. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* -s: handlers start in sessions of their own (setsid). */
static int own_session;

static void usage(void)
{
    fprintf(stderr, "usage: refloop [-f|-t|-j threads] [-s] [-b backlog] ADDRESS PORT PROGRAM [ARG...]\n"
                    "  ADDRESS must be 127.x.y.z; -f: fork+exec instead of posix_spawn;\n"
                    "  -t: posix_spawn on a dedicated spawner thread; -j N: N accept+spawn threads;\n"
                    "  -s: each handler in a session of its own\n");
    exit(100);
}

static void fatal(const char *what)
{
    fprintf(stderr, "refloop: fatal: %s: %s\n", what, strerror(errno));
    exit(111);
}

/* Signal handlers only reap; errno is saved because accept may be interrupted. */
static void reap_children(int signo)
{
    int saved_errno = errno;
    (void)signo;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved_errno;
}

static void install_reaper(void)
{
    struct sigaction action;

    memset(&action, 0, sizeof action);
    action.sa_handler = reap_children;
    action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGCHLD, &action, NULL) < 0) fatal("sigaction SIGCHLD");
}

/* fds 0-2 must be taken, or accept could hand out fd 0 and dup2 would be a no-op. */
static void ensure_standard_fds(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0) fatal("open /dev/null");
    }
}

static int listen_loopback(const char *address, const char *port, int backlog)
{
    struct sockaddr_in sin;
    int one = 1;
    int fd;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(port));
    if (inet_pton(AF_INET, address, &sin.sin_addr) != 1 || (ntohl(sin.sin_addr.s_addr) >> 24) != 127) usage();
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fatal("socket");
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) fatal("setsockopt SO_REUSEADDR");
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) fatal("bind");
    if (listen(fd, backlog) < 0) fatal("listen");
    return fd;
}

/* File actions depend only on the connection's fd number, which accept's
 * lowest-free rule keeps mostly constant; rebuild them only when it changes.
 * Per thread, for the -j pool. */
static int spawn_handler(int connection, char **argv)
{
    static __thread posix_spawn_file_actions_t actions;
    static __thread posix_spawnattr_t attributes;
    static __thread int actions_fd = -1;
    pid_t pid;
    int error;

    if (actions_fd < 0) {
        posix_spawnattr_init(&attributes);
        if (own_session) posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
    }
    if (actions_fd != connection) {
        if (actions_fd >= 0) posix_spawn_file_actions_destroy(&actions);
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, connection, 0);
        posix_spawn_file_actions_adddup2(&actions, connection, 1);
        actions_fd = connection;
    }
    error = posix_spawn(&pid, argv[0], &actions, &attributes, argv, environ);
    if (error != 0) {
        fprintf(stderr, "refloop: warning: posix_spawn %s: %s\n", argv[0], strerror(error));
        return -1;
    }
    return 0;
}

static int fork_handler(int connection, char **argv)
{
    pid_t pid = fork();

    if (pid < 0) {
        fprintf(stderr, "refloop: warning: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* dup2 onto 0 and 1 clears CLOEXEC there; the original closes at exec. */
        if (own_session && setsid() < 0) _exit(111);
        if (dup2(connection, 0) < 0 || dup2(connection, 1) < 0) _exit(111);
        execve(argv[0], argv, environ);
        _exit(111);
    }
    return 0;
}

enum mode { MODE_SPAWN, MODE_FORK, MODE_THREAD, MODE_POOL };

struct spawner {
    int queue; /* read end of the pipe carrying accepted fds */
    char **argv;
};

/* The spawner thread: one posix_spawn per fd read from the pipe. A full pipe
 * blocks the accept loop, which is the back-pressure we want. */
static void *spawner_main(void *argument)
{
    struct spawner *spawner = argument;
    int connection;

    for (;;) {
        ssize_t n = read(spawner->queue, &connection, sizeof connection);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof connection) fatal("read spawn queue");
        spawn_handler(connection, spawner->argv);
        close(connection);
    }
    return NULL;
}

static int start_spawner(char **argv)
{
    static struct spawner spawner;
    pthread_t thread;
    int queue[2];

    if (pipe2(queue, O_CLOEXEC) < 0) fatal("pipe2");
    spawner = (struct spawner){queue[0], argv};
    errno = pthread_create(&thread, NULL, spawner_main, &spawner);
    if (errno != 0) fatal("pthread_create");
    return queue[1];
}

static void serve(int listener, enum mode mode, char **argv)
{
    int queue = mode == MODE_THREAD ? start_spawner(argv) : -1;

    for (;;) {
        int connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

        if (connection < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            fatal("accept4");
        }
        if (mode == MODE_THREAD) {
            /* Ownership of the fd passes to the spawner thread. */
            while (write(queue, &connection, sizeof connection) < 0) {
                if (errno != EINTR) fatal("write spawn queue");
            }
            continue;
        }
        if (mode == MODE_FORK) fork_handler(connection, argv);
        else spawn_handler(connection, argv);
        close(connection);
    }
}

struct pool_member {
    int listener;
    char **argv;
};

static void *pool_member_main(void *argument)
{
    struct pool_member *member = argument;
    serve(member->listener, MODE_SPAWN, member->argv);
    return NULL;
}

/* Blocking accept wakes one waiter per connection, so the threads share the
 * listener without a thundering herd. */
static void serve_with_pool(int listener, int threads, char **argv)
{
    static struct pool_member member;

    member = (struct pool_member){listener, argv};
    for (int i = 1; i < threads; i++) {
        pthread_t thread;
        errno = pthread_create(&thread, NULL, pool_member_main, &member);
        if (errno != 0) fatal("pthread_create");
    }
    serve(listener, MODE_SPAWN, argv);
}

int main(int argc, char **argv)
{
    enum mode mode = MODE_SPAWN;
    int backlog = 1024;
    int threads = 1;
    int option;
    int listener;

    while ((option = getopt(argc, argv, "+ftj:sb:")) != -1) {
        if (option == 'f') mode = MODE_FORK;
        else if (option == 's') own_session = 1;
        else if (option == 't') mode = MODE_THREAD;
        else if (option == 'j') mode = MODE_POOL, threads = atoi(optarg);
        else if (option == 'b') backlog = atoi(optarg);
        else usage();
    }
    if (argc - optind < 3 || threads < 1 || threads > 64) usage();
    ensure_standard_fds();
    install_reaper();
    listener = listen_loopback(argv[optind], argv[optind + 1], backlog);
    if (mode == MODE_POOL) serve_with_pool(listener, threads, argv + optind + 2);
    else serve(listener, mode, argv + optind + 2);
}
