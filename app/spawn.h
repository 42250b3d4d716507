/* spawn.h — running a helper program (gnuplot, Graphviz's dot) as slsim's child, never through a shell.
 *
 * spawn_run starts the program argv[0], found on PATH, inside a folder, with argv as its
 * whole command line: no shell parses anything, so no name in it can run a command. The
 * child reads /dev/null, writes its output to /dev/null and its messages to a pipe slsim
 * keeps (the first 4 KB); it dies with slsim (PR_SET_PDEATHSIG, even on SIGKILL; and
 * outdir_watch_child, so that slsim's handlers of SIGINT, SIGTERM and SIGHUP kill it before
 * the staging folder goes), runs in its own process group (a terminal's ^C reaches slsim,
 * which kills the group), and is killed when it takes longer than timeout_s. Both helper
 * programs run through it: gnuplot (app/plot.c) and dot (app/graph.c). */
#ifndef SLSIM_SPAWN_H
#define SLSIM_SPAWN_H

#include <stddef.h>

typedef enum spawn_result {
    SPAWN_OK,          /* it ran and exited 0 */
    SPAWN_FAILED,      /* it exited with another status or died of a signal */
    SPAWN_TIMED_OUT,   /* killed after timeout_s */
    SPAWN_MISSING,     /* it could not be started: not on PATH, not executable */
    SPAWN_ERROR        /* slsim could not make the pipe or the process */
} spawn_result;

/* Runs argv (NULL-terminated; argv[0] the program) in folder dir and waits for it, at most
 * timeout_s seconds. Its messages (stderr), cut to size bytes and terminated, go to messages
 * (may be NULL). */
spawn_result spawn_run(const char *dir, char *const argv[], double timeout_s, char *messages, size_t size);

#endif
