/* warmup.h — the warm-up from the data: "warmup_s": "auto" chooses it from a pilot run, and
 * a run whose given warm-up is too short is told so.
 *
 * The series judged is the run's headline level: the functions' concurrency in each
 * time-line bin (the queues' depth when no function runs), averaged over replications.
 * MSER-5 (sim/stats.h) finds where its initial transient ends. Traffic with a period (a
 * diurnal day, a schedule) is not a transient: the pilot covers three periods, each bin is
 * compared with the same phase of the last one (the period's own shape cancels), and the
 * warm-up is rounded up to whole periods. */
#ifndef SLSIM_WARMUP_H
#define SLSIM_WARMUP_H

#include <stddef.h>

#include "app/run.h"

/* Chooses the warm-up for file (loaded with o; its "warmup_s" is "auto") from a pilot run of
 * 2 replications: *chosen in seconds, how (one line) says from what. Returns 0, 2 when the
 * pilot does not load, or 1 (message in err). */
int  warmup_choose(const char *file, const world_overrides *o, int threads, double *chosen, char *how,
                   size_t how_size, char *err, size_t err_size);
/* Whether r's measured window starts in a transient its warm-up did not cover: MSER-5 on its
 * own series deletes at least a tenth of the window and what is left is steady (MSER-5
 * deletes less than a tenth of it). Not judged for periodic traffic, traffic shaped inside
 * the window (a spike, a source that starts or stops) or a saturated run (its own flags say
 * why it does not settle). Writes what drifts and for how long into note (one line) and
 * returns 1; else 0. */
int  warmup_too_short(const run_result *r, char *note, size_t note_size);

#endif
