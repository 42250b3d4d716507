/* spawn.c — see spawn.h.
 *
 * Two pipes join slsim and the child: its stderr, and a status pipe closed on exec. The
 * child writes errno into the status pipe only when exec fails, so slsim tells "not
 * installed" from "ran and failed" without guessing from an exit status the program itself
 * might use. */
#include "app/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/outdir.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* In the child, after fork: never returns. */
static void child(const char *dir, char *const argv[], pid_t parent, int err_fd, int status_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(126);                  /* slsim died before the line above */
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
    }
    dup2(err_fd, STDERR_FILENO);
    int e = 0;
    if (chdir(dir) != 0)
        e = errno;
    else {
        execvp(argv[0], argv);
        e = errno;
    }
    ssize_t ignored = write(status_fd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

spawn_result spawn_run(const char *dir, char *const argv[], double timeout_s, char *messages, size_t size)
{
    if (messages && size)
        messages[0] = '\0';
    int err[2], status_pipe[2];
    if (pipe(err) != 0)
        return SPAWN_ERROR;
    if (pipe(status_pipe) != 0) {
        close(err[0]);
        close(err[1]);
        return SPAWN_ERROR;
    }
    fcntl(status_pipe[1], F_SETFD, FD_CLOEXEC);
    fcntl(err[0], F_SETFD, FD_CLOEXEC);
    fcntl(status_pipe[0], F_SETFD, FD_CLOEXEC);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        child(dir, argv, parent, err[1], status_pipe[1]);
    close(err[1]);
    close(status_pipe[1]);
    if (pid < 0) {
        close(err[0]);
        close(status_pipe[0]);
        return SPAWN_ERROR;
    }
    outdir_watch_child(pid);
    /* The status pipe closes at exec (nothing read) or carries exec's errno. */
    int exec_errno = 0;
    ssize_t got;
    while ((got = read(status_pipe[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
        ;
    close(status_pipe[0]);
    int missing = got == (ssize_t)sizeof exec_errno;

    char buf[4096];
    size_t used = 0;
    double deadline = now_s() + timeout_s;
    int timed_out = 0, status = 0;
    while (!missing) {
        double left = deadline - now_s();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd p = { .fd = err[0], .events = POLLIN };
        int r = poll(&p, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        /* The first messages are kept; later ones are read and dropped, so that the
         * child never blocks on a full pipe. */
        char drop[1024];
        bool room = used < sizeof buf - 1;
        got = room ? read(err[0], buf + used, sizeof buf - 1 - used) : read(err[0], drop, sizeof drop);
        if (got == 0 || (got < 0 && errno != EINTR))
            break;
        if (got > 0 && room)
            used += (size_t)got;
    }
    buf[used] = '\0';
    close(err[0]);
    /* Its messages closed (or time ran out): wait for it, still within the deadline. */
    while (!timed_out) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        if (now_s() >= deadline)
            timed_out = 1;
        else {
            struct timespec ts = { 0, 5000000 };
            nanosleep(&ts, NULL);
        }
    }
    if (timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    outdir_watch_child(0);
    if (messages && size)
        snprintf(messages, size, "%s", buf);
    if (missing) {
        if (messages && size)
            snprintf(messages, size, "%s", strerror(exec_errno));
        return SPAWN_MISSING;
    }
    if (timed_out)
        return SPAWN_TIMED_OUT;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? SPAWN_OK : SPAWN_FAILED;
}
