/* warmup.c — the warm-up from the data (see warmup.h). */
#include "app/warmup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/slo.h"
#include "app/window.h"
#include "models/traffic.h"
#include "sim/stats.h"

#define PILOT_REPLICATIONS 2
#define PILOT_PERIODS      3

/* The headline level per bin, averaged over r's replications (n_bins of it: whole bins only);
 * its name in *what. NULL when out of memory or without bins. */
static double *level_series(const run_result *r, size_t *n_bins, const char **what)
{
    const world_spec *spec = r->spec;
    size_t bins = r->bins;
    /* The last bin may be cut short by the window's end: left out. */
    double whole = floor(spec->duration_s / spec->interval_s + 1e-9);
    if ((double)bins > whole)
        bins = (size_t)whole;
    if (bins == 0)
        return NULL;
    int col = TS_CONCURRENCY;
    *what = "the functions' concurrency";
    double total = 0;
    for (uint32_t rep = 0; rep < spec->replications; rep++)
        for (size_t b = 0; b < bins; b++)
            total += r->ts[((size_t)rep * TS_COLUMNS + TS_CONCURRENCY) * r->bins + b];
    if (!(total > 0)) {
        col = TS_QUEUE_DEPTH;
        *what = "the queues' depth";
    }
    double *x = calloc(bins, sizeof *x);
    if (!x)
        return NULL;
    for (uint32_t rep = 0; rep < spec->replications; rep++)
        for (size_t b = 0; b < bins; b++)
            x[b] += r->ts[((size_t)rep * TS_COLUMNS + col) * r->bins + b] / spec->interval_s /
                    spec->replications;
    *n_bins = bins;
    return x;
}

int warmup_choose(const char *file, const world_overrides *o, int threads, double *chosen, char *how,
                  size_t how_size, char *err, size_t err_size)
{
    *chosen = 0;
    const char **sets = calloc(o->n_sets + 1, sizeof *sets);
    if (!sets) {
        snprintf(err, err_size, "slsim: out of memory");
        return 1;
    }
    memcpy(sets, o->sets, o->n_sets * sizeof *sets);
    sets[o->n_sets] = "warmup_s=0";
    world_overrides pilot = *o;
    pilot.sets = sets;
    pilot.n_sets = o->n_sets + 1;
    pilot.replications = PILOT_REPLICATIONS;
    world_spec *spec = world_spec_load(file, &pilot, err, err_size);
    if (!spec) {
        free(sets);
        return 2;
    }
    window_period p;
    window_period_of(spec, &p);
    double period = p.period_s;
    size_t per = period > 0 ? (size_t)llround(period / spec->interval_s) : 0;
    if (period > 0 && (per < 2 || fabs((double)per * spec->interval_s - period) > 1e-6 * period))
        per = 0;                /* bins do not divide the period: judged as if aperiodic */
    if (per) {
        /* Three whole periods, so that a bin can be set against its phase in the last. */
        world_spec_free(spec);
        pilot.duration_s = PILOT_PERIODS * period;
        spec = world_spec_load(file, &pilot, err, err_size);
        if (!spec) {
            free(sets);
            return 2;
        }
    }
    free(sets);
    run_result res;
    int rc = run_scenario(spec, threads, &res, err, err_size) == 0 ? 0 : 1;
    size_t n = 0;
    const char *what = "";
    double *x = rc == 0 ? level_series(&res, &n, &what) : NULL;
    if (rc == 0 && x) {
        size_t d;
        if (per && n >= PILOT_PERIODS * per) {
            /* Each bin of the first two periods less the same phase of the last. */
            for (size_t b = 0; b < (PILOT_PERIODS - 1) * per; b++)
                x[b] -= x[(PILOT_PERIODS - 1) * per + b % per];
            d = mser5(x, (PILOT_PERIODS - 1) * per);
            double periods = ceil((double)d / (double)per);
            *chosen = periods * period;
            char len[32];
            window_length(period, len, sizeof len);
            snprintf(how, how_size, "MSER-5 on %s of a %d-replication pilot against its last period; the "
                     "traffic repeats every %s, so whole periods: %.0f", what, PILOT_REPLICATIONS, len, periods);
        } else {
            d = mser5(x, n);
            *chosen = (double)d * spec->interval_s;
            snprintf(how, how_size, "MSER-5 on %s of a %d-replication pilot, %g-s bins", what,
                     PILOT_REPLICATIONS, spec->interval_s);
        }
    } else if (rc == 0) {
        snprintf(how, how_size, "no time line to judge: no warm-up");
    }
    free(x);
    run_result_free(&res);
    world_spec_free(spec);
    return rc;
}

int warmup_too_short(const run_result *r, char *note, size_t note_size)
{
    const world_spec *spec = r->spec;
    window_period p;
    window_period_of(spec, &p);
    if (p.period_s > 0 || spec->warmup_auto)
        return 0;
    size_t n = 0;
    const char *what = "";
    double *x = level_series(r, &n, &what);
    if (!x)
        return 0;
    size_t d = mser5(x, n);
    /* A transient settles: what is left after the cut must itself be steady (a backlog that
     * grows all window, which the saturation flags report, would be cut again and again). */
    bool settles = n > 0 && (double)d >= 0.1 * (double)n && (double)mser5(x + d, n - d) < 0.1 * (double)(n - d);
    /* And it is at the start: the window's first twentieth lies off the settled level by more
     * than 3 of its bins' standard deviations (an incident later in the window, which MSER-5
     * also cuts up to, leaves the start at the settled level). */
    if (settles) {
        size_t head = n / 20 ? n / 20 : 1;
        double first = 0, mean = 0, var = 0;
        for (size_t i = 0; i < head; i++)
            first += x[i] / (double)head;
        for (size_t i = d; i < n; i++)
            mean += x[i] / (double)(n - d);
        for (size_t i = d; i < n; i++)
            var += (x[i] - mean) * (x[i] - mean) / (double)(n - d);
        settles = fabs(first - mean) > 3 * sqrt(var);
    }
    free(x);
    if (!settles)
        return 0;
    /* Traffic shaped on purpose inside the window (a spike) is no start-up transient. */
    for (size_t i = 0; i < spec->n_sources; i++)
        if (spec->sources[i].process == ARRIVALS_SPIKE || spec->sources[i].start_s > 0 ||
            isfinite(spec->sources[i].end_s))
            return 0;
    slo_verdict v;
    slo_judge(NULL, 0, r, &v);
    if (v.saturated)
        return 0;
    char len[32], given[32];
    window_length((double)d * spec->interval_s, len, sizeof len);
    window_length(spec->warmup_s, given, sizeof given);
    snprintf(note, note_size, "WARM-UP TOO SHORT: %s is still settling for the first %s of the measured "
             "window (MSER-5 over its %g-s bins) after a warm-up of %s: set warmup_s to %.0f s or more, or "
             "\"auto\"", what, len, spec->interval_s, spec->warmup_s > 0 ? given : "0 s",
             spec->warmup_s + (double)d * spec->interval_s);
    return 1;
}
