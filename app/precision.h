/* precision.h — `slsim run FILE --precision 2%`: replications are added until the figures
 * that decide are known to the precision asked, or --max-replications is reached.
 *
 * A target is a figure and the 95% half-width it may have over replications (Student's t,
 * as every ± slsim prints): relative, a share of the figure's mean ("2%", "p99=2%"), or
 * absolute in the figure's unit ("p99=5ms", "cost=$10"; a share's in points:
 * "failed=0.1%"). "X%" alone names the headline figures: the p99 latency of completed
 * requests (of processed work when every source hands its requests over), the monthly cost
 * (both within X% of their value), and the share of requests completed (of work lost, with
 * pipelines) within X points. Names are --slo's (app/slo.h): p50 ... max, failed,
 * completed, lost, work.p99, cost, or a figure of summary.json.
 *
 * The run starts with the scenario's replications (at least 10: five give a variance too rough
 * to stop on), then runs more in batches:
 * the count the worst figure needs if its half-width falls as 1/sqrt(n) (10% more, at least
 * 2 more), at most --max-replications. Earlier replications are kept (run_scenario_extend),
 * so the result is exactly a run of the final count: the same bytes for any thread count.
 * Stopping when the interval is narrow enough can make it too narrow at the stop (sequential
 * sampling); from 10 replications the coverage measured in tests/test_precision.c is
 * consistent with 95% (from 5 it was 89%). */
#ifndef SLSIM_PRECISION_H
#define SLSIM_PRECISION_H

#include <stdbool.h>
#include <stddef.h>

#include "app/run.h"
#include "app/slo.h"

#define PRECISION_MAX     8
#define PRECISION_START   10        /* replications the first batch has at least */

typedef struct precision_target {
    char       name[64];       /* as asked ("p99"), or "" for the headline figures ("2%") */
    slo_clause clause;         /* its figure (and a share's denominator), unit */
    bool       relative;       /* the half-width as a share of the mean */
    double     target;         /* relative: that share; absolute: in the figure's unit */
} precision_target;

/* Parses one --precision value into t (at most PRECISION_MAX in all: *n counts them).
 * Returns 0, or -1 with the problem in err (one line, without the option's name). */
int  precision_parse(const char *val, precision_target *t, size_t *n, char *err, size_t err_size);

/* Loads file with overrides o and runs it until every target is met or max_reps
 * replications have run. *spec and *res hold the final run (free both). Returns 0, 2 when
 * the scenario does not load (message in err), or 1 (message in err). */
int  precision_run(const char *file, const world_overrides *o, const precision_target *t, size_t n,
                   unsigned max_reps, int threads, FILE *progress, world_spec **spec, run_result *res,
                   run_precision *out, char *err, size_t err_size);

/* The building blocks, for the studies (app/study.c), which run several variants to one
 * replication count. The targets for spec, a bare share's headline figures expanded (at most
 * RUN_PRECISION_ROWS into out): */
size_t   precision_expand(const precision_target *t, size_t n, const world_spec *spec, precision_target *out);
/* Judges r against expanded targets into pr; returns the replications the worst unmet target
 * needs if its half-width falls as 1/sqrt(n) (0 when every target is met). */
unsigned precision_judge(const precision_target *t, size_t n, const run_result *r, run_precision *pr);
/* The first batch's count (reps raised to PRECISION_START, at most max_reps), and the next
 * batch's after reps when the worst figure needs `need`. */
unsigned precision_start(unsigned reps, unsigned max_reps);
unsigned precision_next(unsigned reps, unsigned need, unsigned max_reps);

#endif
