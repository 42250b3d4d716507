/* run.h — running a scenario's replications and keeping what they found.
 *
 * run_scenario runs every replication (in parallel), bills each one, and keeps one flat
 * row of named figures per replication, the pooled latency histograms (of completed
 * requests, and of processed units of work) and the time lines;
 * run_batch does the same for several scenarios as one pool of jobs. The writers
 * (app/report.h) turn a run_result into files. */
#ifndef SLSIM_RUN_H
#define SLSIM_RUN_H
#include <stdbool.h>
#include <stdio.h>
#include "models/world.h"

/* What --precision asked and reached (app/precision.h), kept with the result for the
 * report and summary.json. */
#define RUN_PRECISION_ROWS 8
typedef struct run_precision {
    char     asked[160];        /* the targets as given, joined by ", " */
    unsigned max_replications;
    bool     met;               /* every target met */
    size_t   n;
    struct run_precision_row {
        char   name[64];        /* "p99", "cost", "completed" */
        char   figure[160];     /* the figure (a share: its numerator) */
        char   value[96];       /* "812 ± 14 ms", as --slo's verdicts print */
        char   target[64];      /* "± 2% of it", "± 5 ms", "± 1 point" */
        double mean, ci95, limit;   /* limit: the half-width allowed, in the figure's unit */
        bool   met;
    } row[RUN_PRECISION_ROWS];
} run_precision;

typedef struct run_result {
    const world_spec *spec;
    size_t   n_values;
    char   **names;        /* n_values dotted names: "functions.api.invocations" */
    double  *rows;         /* replications x n_values */
    double  *mean, *ci95;  /* n_values each; ci95 NAN with one replication */
    struct run_name { const char *name; size_t index; } *by_name;  /* sorted, for run_value */
    hist     latency;      /* pooled over replications */
    hist     work_latency; /* work.latency_ms (scenarios with pipelines), pooled */
    size_t   bins;
    double  *ts;           /* replications x TS_COLUMNS x bins */
    uint64_t events;       /* simulated events, all replications */
    size_t   world_heap;   /* the largest heap a replication's world took (malloc's bytes in
                            * use after its run less before it), with --threads 1; else 0 */
    char    *trace;        /* replication 0's workflow traces (CSV lines), or NULL */
    const run_precision *precision;   /* --precision's, or NULL (not owned) */
    char     warmup_note[600];  /* the warm-up chosen ("auto") or found too short, or "" */
    bool     warmup_short;      /* warmup_note says the given warm-up was too short */
} run_result;

/* Returns 0, or -1 with a message in err (out of memory, conservation failure). */
int    run_scenario(const world_spec *spec, int threads, run_result *out, char *err, size_t err_size);
/* The same, with a progress line on progress (NULL: none). */
int    run_scenario_progress(const world_spec *spec, int threads, FILE *progress, run_result *out,
                             char *err, size_t err_size);
/* spec's replications from prev's count on (prev: a run of the same scenario with fewer
 * replications), with prev's taken as they are: out is what run_scenario(spec) gives, byte
 * for byte, for the cost of the new ones only (replications are independent: each draws
 * from streams seeded by its index). Not for a partitioned replay. progress: a terminal,
 * or NULL. Returns 0, or -1 with a message in err; free out with run_result_free. */
int    run_scenario_extend(const world_spec *spec, const run_result *prev, int threads, FILE *progress,
                           run_result *out, char *err, size_t err_size);
/* Runs several scenarios as one pool of (scenario, replication) jobs on threads, so short
 * scenarios with few replications still use every core; each out is what run_scenario
 * gives (free each with run_result_free, also after a failure). Returns 0, or -1 with
 * the first failure's message in err. progress: a terminal, or NULL. */
int    run_batch(const world_spec *const *specs, size_t n, int threads, FILE *progress,
                 run_result *outs, char *err, size_t err_size);
/* A result from its replications' rows computed elsewhere (another MPI rank): takes rows
 * (replications x the figures' count, as run_scenario names them); no latency histogram
 * or time lines. Returns 0 or -1 (message in err). */
int    run_result_adopt(const world_spec *spec, double *rows, run_result *out, char *err, size_t err_size);
void   run_result_free(run_result *r);
/* Whether spec's runs report a figure called name (the naming pass alone: nothing runs).
 * Returns 1, 0, or -1 when out of memory. */
int    run_has_figure(const world_spec *spec, const char *name);
/* The mean of a named figure (NAN when unknown). */
double run_value(const run_result *r, const char *name, double *ci95);
/* A named figure in one replication (NAN when unknown). */
double run_row_value(const run_result *r, uint32_t replication, const char *name);
#endif
