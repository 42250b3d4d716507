/* study.h — studies that run several variants of a scenario and set them side by side:
 * `compare` (paired differences under common random numbers), `cost-curve` (monthly cost
 * against volume, and the break-even volumes) and `tune` (a function's memory sweep).
 *
 * Every variant of a study runs with the same seed and replications, and every random
 * stream is named (not positional), so the variants see the same arrivals, durations and
 * failures: their per-replication differences are paired, and the CI of a difference is
 * far narrower than the CIs of the two figures. */
#ifndef SLSIM_STUDY_H
#define SLSIM_STUDY_H

#include <stdbool.h>
#include <stddef.h>

#include "app/precision.h"
#include "app/slo.h"
#include "models/world.h"

typedef struct study_variant {
    char         name[64];
    const char  *file;
    const char **sets;      /* PATH=VALUE overrides of this variant (after the common ones) */
    size_t       n_sets;
    double       duration_s;/* > 0: the window study_windows chose (whole periods) */
} study_variant;

typedef struct study_options {
    world_overrides common; /* --seed, --replications, --duration, --set for all variants */
    int          threads;
    const char  *out_dir;   /* NULL: results/<first scenario>-<study> */
    int          quiet;
    int          progress;  /* draw a progress bar on stderr (a terminal) */
    int          no_plots;  /* make no plots (else gnuplot plots the results folder) */
    const slo_clause *slo;  /* --slo: every variant judged against them (see slo.h) */
    size_t       n_slo;
    /* --precision (app/precision.h): replications are added to every variant (every point of
     * a sweep, every variant at each volume of a cost curve) until each meets the targets or
     * max_replications is reached; all keep one count, so differences stay paired. */
    const precision_target *precision;
    size_t       n_precision;
    const char  *precision_text;    /* the targets as given */
    unsigned     max_replications;
    /* "warmup_s": "auto" (study_warmup): the warm-up chosen, as a --set for every variant. */
    const char  *warmup_set;
    char         warmup_note[600];
} study_options;

/* Before a study runs: loads each variant once and, with windows, compares its measured
 * window with its traffic's period (app/window.h). Without --duration, a variant whose
 * window is shorter gets one whole period (v[i].duration_s) and a note on stderr; with
 * --duration, a warning. Checks too that every --slo figure that must exist (not work.*) is
 * a figure of some variant. Returns 0, or 2 with the message in err. */
int study_windows(study_variant *v, size_t n, const study_options *o, const char *command, bool windows,
                  char *err, size_t err_size);

/* After study_windows: where a variant's "warmup_s" is "auto", a pilot of each such variant
 * (app/warmup.h) chooses it, and the longest choice is every variant's warm-up (one measured
 * window for all keeps the comparison fair): o->warmup_note says so (the study's text and
 * study.json), o->warmup_set for the loads. A sweep's and a tune's pilot is of the scenario as given. Returns 0, 2 or 1. */
int study_warmup(const study_variant *v, size_t n, study_options *o, char *err, size_t err_size);

/* Each returns 0, 2 for invalid input (message in err: one line), or 1 for a failure while
 * running. */
int study_compare(const study_variant *v, size_t n, const study_options *o, char *err, size_t err_size);
/* Volumes from `from` to `to` requests a month, `steps` points on a log scale. */
int study_cost_curve(const study_variant *v, size_t n, const study_options *o, double from,
                     double to, int steps, char *err, size_t err_size);
/* memory_mb: the sizes to try; max_cost_per_million <= 0: 10% above the cheapest. */
int study_tune(const study_variant *base, const study_options *o, const char *function,
               const double *memory_mb, size_t n_memory, double max_cost_per_million,
               char *err, size_t err_size);

/* One varied key of a sweep: its path (as --set takes it) and its values (JSON text, or a
 * string). */
typedef struct study_vary {
    const char  *path;
    const char **values;
    size_t       n;
} study_vary;

/* The cartesian grid of the varied keys' values (the first key varies slowest), every
 * point with the same seed and replications (common random numbers), all points x
 * replications run as one pool of jobs. Writes sweep.csv and sweep.json; a point that
 * fails validation is reported, written with status "invalid" and skipped. */
int study_sweep(const char *file, const study_vary *vary, size_t n_vary, const study_options *o,
                char *err, size_t err_size);

#endif
