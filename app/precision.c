/* precision.c — sequential replications until the asked precision (see precision.h).
 *
 * Invariant: the run kept is always exactly a run of its replication count (earlier
 * replications are never rerun or altered), so its output does not depend on the batches
 * that led to it, nor on the threads. */
#include "app/precision.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/partition.h"

#define GROWTH 1.1      /* batches aim 10% past the count the worst figure needs */

/* A number then '%' and nothing else: its value / 100 in *share. */
static bool percent(const char *s, double *share)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || strcmp(end, "%") != 0 || !(v > 0) || v >= 100)
        return false;
    *share = v / 100;
    return true;
}

int precision_parse(const char *val, precision_target *t, size_t *n, char *err, size_t err_size)
{
    if (*n >= PRECISION_MAX) {
        snprintf(err, err_size, "at most %d targets", PRECISION_MAX);
        return -1;
    }
    precision_target *p = &t[*n];
    memset(p, 0, sizeof *p);
    const char *eq = strchr(val, '=');
    if (!eq) {
        if (!percent(val, &p->target)) {
            snprintf(err, err_size, "expected a share of the headline figures such as 2%%, or NAME=VALUE "
                     "such as p99=5ms, cost=1%% or failed=0.1%%, got '%.40s'", val);
            return -1;
        }
        p->relative = true;
        (*n)++;
        return 0;
    }
    size_t k = (size_t)(eq - val);
    if (k == 0 || k >= sizeof p->name) {
        snprintf(err, err_size, "expected NAME=VALUE such as p99=5ms, got '%.40s'", val);
        return -1;
    }
    memcpy(p->name, val, k);
    p->name[k] = '\0';
    /* The figure as --slo names it: "NAME<=VALUE" gives its figure, unit and the value in it. */
    char expr[160], why[400];
    snprintf(expr, sizeof expr, "%s<=%s", p->name, eq + 1);
    double share;
    bool pct = percent(eq + 1, &share);
    if (slo_parse(expr, &p->clause, why, sizeof why) == 0) {
        /* A share's X% is X points; any other figure's X% is X% of its value. */
        p->relative = pct && p->clause.unit != SLO_SHARE;
        p->target = p->relative ? share : p->clause.bound;
    } else if (pct) {
        /* A share of a figure with a unit: the figure named with a zero in each unit --slo takes. */
        static const char *const zeros[] = { "0", "0ms", "$0" };
        int parsed = -1;
        for (size_t z = 0; z < sizeof zeros / sizeof *zeros && parsed != 0; z++) {
            snprintf(expr, sizeof expr, "%s<=%s", p->name, zeros[z]);
            parsed = slo_parse(expr, &p->clause, why, sizeof why);
        }
        if (parsed != 0) {
            snprintf(err, err_size, "%s", why);
            return -1;
        }
        p->relative = true;
        p->target = share;
    } else {
        /* --slo's message shows its own syntax (p99<=5ms): this option's is p99=5ms. */
        size_t at = 0;
        for (const char *w = why; *w && at + 1 < err_size; w++)
            if (!(w[0] == '<' && w[1] == '=' ))
                err[at++] = *w;
        err[at < err_size ? at : err_size - 1] = '\0';
        return -1;
    }
    if (!p->relative && !(p->target > 0)) {
        snprintf(err, err_size, "the half-width allowed must be above 0, got '%.40s'", eq + 1);
        return -1;
    }
    (*n)++;
    return 0;
}

size_t precision_expand(const precision_target *t, size_t n, const world_spec *spec, precision_target *out)
{
    size_t m = 0;
    char why[400];
    for (size_t i = 0; i < n && m < RUN_PRECISION_ROWS; i++) {
        if (t[i].name[0]) {
            out[m++] = t[i];
            continue;
        }
        const char *latency = spec->all_async ? "work.p99" : "p99";
        const char *share = spec->pipelines ? "lost" : "completed";
        const char *names[] = { latency, "cost", share };
        const char *exprs[] = { spec->all_async ? "work.p99<=0ms" : "p99<=0ms", "cost<=0",
                                spec->pipelines ? "lost<=0%" : "completed>=0%" };
        for (size_t k = 0; k < 3 && m < RUN_PRECISION_ROWS; k++) {
            precision_target *p = &out[m++];
            memset(p, 0, sizeof *p);
            snprintf(p->name, sizeof p->name, "%s", names[k]);
            slo_parse(exprs[k], &p->clause, why, sizeof why);
            /* A share's precision is in points: 2% of a 0.1% failure share is not asked. */
            p->relative = k < 2;
            p->target = t[i].target;
        }
    }
    return m;
}

unsigned precision_judge(const precision_target *t, size_t n, const run_result *r, run_precision *pr)
{
    slo_clause c[RUN_PRECISION_ROWS];
    memset(c, 0, sizeof c);
    if (n > RUN_PRECISION_ROWS)
        n = RUN_PRECISION_ROWS;
    for (size_t i = 0; i < n; i++)
        c[i] = t[i].clause;
    slo_verdict v;
    slo_judge(c, n, r, &v);
    unsigned reps = r->spec->replications;
    double need = 0;
    pr->n = n;
    pr->met = true;
    for (size_t i = 0; i < n; i++) {
        struct run_precision_row *row = &pr->row[i];
        memset(row, 0, sizeof *row);
        snprintf(row->name, sizeof row->name, "%.*s", (int)sizeof row->name - 1, t[i].name);
        snprintf(row->figure, sizeof row->figure, "%.*s", (int)sizeof row->figure - 1, c[i].figure);
        row->mean = v.value[i];
        row->ci95 = v.ci95[i];
        slo_format(&c[i], v.value[i], v.ci95[i], row->value, sizeof row->value);
        if (t[i].relative) {
            row->limit = t[i].target * fabs(v.value[i]);
            snprintf(row->target, sizeof row->target, "± %.3g%% of it", 100 * t[i].target);
        } else {
            row->limit = t[i].target;
            char a[40];
            slo_format(&c[i], t[i].target, NAN, a, sizeof a);
            if (c[i].unit == SLO_SHARE)     /* a share's half-width is in percentage points */
                snprintf(row->target, sizeof row->target, "± %.3g point%s", 100 * t[i].target,
                         100 * t[i].target == 1 ? "" : "s");
            else
                snprintf(row->target, sizeof row->target, "± %s", a);
        }
        if (!isfinite(v.value[i])) {           /* not measured in this run: nothing to narrow */
            row->met = true;
            continue;
        }
        row->met = isfinite(v.ci95[i]) && v.ci95[i] <= row->limit;
        if (row->met)
            continue;
        pr->met = false;
        double ratio = row->limit > 0 && isfinite(v.ci95[i]) ? v.ci95[i] / row->limit : INFINITY;
        need = fmax(need, isfinite(ratio) ? reps * ratio * ratio : INFINITY);
    }
    if (pr->met)
        return 0;
    return need > 1e6 ? 1000000u : (unsigned)ceil(need);
}

unsigned precision_start(unsigned reps, unsigned max_reps)
{
    if (reps < PRECISION_START)
        reps = PRECISION_START;
    return reps > max_reps ? max_reps : reps;
}

unsigned precision_next(unsigned reps, unsigned need, unsigned max_reps)
{
    unsigned next = need > 1000000u ? 1000000u : (unsigned)ceil(GROWTH * need);
    if (next < reps + 2)
        next = reps + 2;
    return next > max_reps ? max_reps : next;
}

static world_spec *load(const char *file, const world_overrides *o, unsigned reps, char *err, size_t err_size)
{
    world_overrides oo = *o;
    oo.replications = reps;
    return world_spec_load(file, &oo, err, err_size);
}

int precision_run(const char *file, const world_overrides *o, const precision_target *t, size_t n,
                  unsigned max_reps, int threads, FILE *progress, world_spec **spec, run_result *res,
                  run_precision *out, char *err, size_t err_size)
{
    memset(res, 0, sizeof *res);
    *spec = world_spec_load(file, o, err, err_size);
    if (!*spec)
        return 2;
    unsigned reps = precision_start((*spec)->replications, max_reps);
    if (reps != (*spec)->replications) {
        world_spec_free(*spec);
        if (!(*spec = load(file, o, reps, err, err_size)))
            return 2;
    }
    precision_target all[RUN_PRECISION_ROWS];
    size_t m = precision_expand(t, n, *spec, all);
    out->max_replications = max_reps;
    if (run_scenario_progress(*spec, threads, progress, res, err, err_size) != 0)
        return 1;
    for (;;) {
        unsigned need = precision_judge(all, m, res, out);
        unsigned next = need && reps < max_reps ? precision_next(reps, need, max_reps) : 0;
        /* A partitioned replay over MPI ranks: they run every batch with rank 0. */
        if ((*spec)->partition_blocks > 1)
            next = partition_next_batch(*spec, next);
        if (!next)
            break;
        world_spec *more = load(file, o, next, err, err_size);
        if (!more)
            return 2;
        run_result grown;
        int rc = more->partition_blocks > 1
                     ? run_scenario_progress(more, threads, progress, &grown, err, err_size)
                     : run_scenario_extend(more, res, threads, progress, &grown, err, err_size);
        run_result_free(res);
        world_spec_free(*spec);
        *spec = more;
        *res = grown;
        if (rc != 0)
            return 1;
        reps = next;
    }
    res->precision = out;
    return 0;
}
