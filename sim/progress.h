/* progress.h — a progress bar on a terminal for long runs: the share of the work done
 * (simulated time of each job), elapsed time and an estimate of the time left.
 *
 * Jobs (replications, or a study's runs) report their own fraction from whichever thread
 * runs them; the bar is drawn at most four times a second, from the first second on, and
 * erased at the end, so short runs show nothing. Nothing here touches results. */
#ifndef SLSIM_PROGRESS_H
#define SLSIM_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct progress progress;

/* A bar over n_jobs jobs drawn on out (NULL: none, and every call below does nothing);
 * unit names the jobs ("replications", "runs"); sim_s is the simulated time of all jobs
 * together (the rate shows simulated seconds per second). NULL when out is NULL or memory
 * is short. */
progress *progress_start(FILE *out, size_t n_jobs, const char *unit, double sim_s);
/* Job job has done fraction (0 to 1) of its work. Safe from any thread. */
void      progress_set(progress *p, size_t job, double fraction);
/* Erases the bar and frees p. */
void      progress_finish(progress *p);

#endif
