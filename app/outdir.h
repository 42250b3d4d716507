/* outdir.h — a results folder written as one unit: never half one run and half another.
 *
 * A run or study writes into a staging folder beside its target, `.<name>.slsim-<pid>.tmp`,
 * and outdir_commit swaps it in with one atomic rename (renameat2 RENAME_EXCHANGE; the
 * previous folder then goes). So at every instant the target is the previous complete
 * folder or the new complete one, whatever kills slsim:
 * - a failure or SIGINT, SIGTERM or SIGHUP removes the staging folder (and kills the
 *   children outdir_watch_child names, e.g. gnuplot) before slsim dies of the signal;
 * - SIGKILL leaves at most one staging folder, which the next run into the same target
 *   removes (its pid no longer runs).
 * outdir_begin also checks, before any simulation, that the target can be written: a
 * regular file, a read-only or unreachable folder, or a folder that slsim did not make
 * (a user's folder with other files) is refused with one line (exit 2 for the caller).
 *
 * Process-wide state: the signal handlers need one place that names the staging folder and
 * the child; slsim writes one results folder at a time, from its main thread. */
#ifndef SLSIM_OUTDIR_H
#define SLSIM_OUTDIR_H

#include <stddef.h>
#include <sys/types.h>

struct cJSON;

typedef struct outdir {
    char target[4400];    /* where the folder ends up */
    char staging[4400];   /* where it is written meanwhile */
    int  open;            /* begun and neither committed nor aborted */
} outdir;

/* Checks that dir can be replaced by a results folder, cleans what killed runs left beside
 * it, and makes the staging folder (and dir's parents). Returns 0, or -1 with one line in
 * err: the folder's path and the problem. */
int outdir_begin(outdir *o, const char *dir, char *err, size_t err_size);

/* Swaps the staging folder in for the target and removes the previous folder. Returns 0,
 * or -1 with one line in err (the staging folder is then removed, the previous folder
 * kept). */
int outdir_commit(outdir *o, char *err, size_t err_size);

/* Rewrites a message about a file of the staging folder to name the results folder the
 * user asked for instead (its temporary name means nothing to them). */
void outdir_message(const outdir *o, char *msg, size_t size);

/* Removes the staging folder (nothing when o was never begun, or is committed). */
void outdir_abort(outdir *o);

/* Adds to array the names of the files in folder dir (sorted; a sub-folder's files as
 * "sub/name"; temporaries, which start with '.', left out): what summary.json lists as the
 * run's files, itself included when present. Returns 0 or -1. */
int outdir_list(const char *dir, struct cJSON *array);

/* dir/name parsed as JSON, when it is a regular file (read without blocking); NULL when
 * missing, not regular, or not JSON. The caller frees it. */
struct cJSON *outdir_read_json(const char *dir, const char *name);

/* After files were added to a finished results folder (slsim plot): rewrites the "files"
 * of its summary.json or study.json to list them. Returns 0 (also when dir holds neither)
 * or -1. */
int outdir_relist(const char *dir);

/* Installs the handlers of SIGINT, SIGTERM and SIGHUP (once, from main). */
void outdir_signals_install(void);

/* The child process to kill if slsim is interrupted (0: none). */
void outdir_watch_child(pid_t pid);

#endif
