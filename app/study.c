/* study.c — compare, cost-curve, tune and sweep: several runs of a scenario side by side.
 *
 * A study loads every variant first (so that a bad variant is reported before anything
 * runs), forces one seed and one number of replications on all of them (the first
 * variant's, unless the command line sets them), runs them one after the other, and then
 * works on the per-replication rows: a paired difference is the mean of the differences
 * replication by replication, with Student's t half-width. Every run is judged against
 * the --slo clauses and for saturation (app/slo.h): "cheapest" and the break-even volumes
 * consider only the runs that meet the clauses and are not saturated, and without --slo a
 * saturated cheapest is named with its flag. */
#include "app/study.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/outdir.h"
#include "app/partition.h"
#include "app/plot.h"
#ifdef SLSIM_MPI
#include <mpi.h>
#endif
#include "app/cli.h"
#include "app/numfmt.h"
#include "app/report.h"
#include "app/table.h"
#include "app/warmup.h"
#include "app/window.h"
#include "models/traffic.h"
#include "sim/fit.h"
#include "sim/replicate.h"

typedef struct loaded {
    world_spec *spec;
    run_result  res;
    int         ran;
    double      scale;      /* its traffic's scale (a cost curve's volume) */
    run_precision *prec;    /* --precision's judgement of res, or NULL */
} loaded;

/* This process's MPI rank (0 without MPI). */
static int mpi_rank(void)
{
    int rank = 0;
#ifdef SLSIM_MPI
    int inited = 0;
    MPI_Initialized(&inited);
    if (inited)
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
#endif
    return rank;
}

/* Loads variant v with the common overrides, its own sets after them and the scale; with
 * warmup (study_warmup's "warmup_s=N") too, at the end. */
static world_spec *load_with(const study_variant *v, const study_options *o, int64_t seed, int64_t reps,
                             double scale, const char *warmup, char *err, size_t err_size)
{
    size_t n = o->common.n_sets + v->n_sets + (warmup ? 1 : 0);
    const char **sets = calloc(n ? n : 1, sizeof *sets);
    if (!sets) {
        snprintf(err, err_size, "%s: out of memory", v->file);
        return NULL;
    }
    for (size_t i = 0; i < o->common.n_sets; i++)
        sets[i] = o->common.sets[i];
    for (size_t i = 0; i < v->n_sets; i++)
        sets[o->common.n_sets + i] = v->sets[i];
    if (warmup)
        sets[n - 1] = warmup;
    world_overrides w = o->common;
    w.sets = sets;
    w.n_sets = n;
    w.seed = seed;
    w.replications = reps;
    w.rate_scale = scale;
    if (v->duration_s > 0)
        w.duration_s = v->duration_s;
    world_spec *spec = world_spec_load(v->file, &w, err, err_size);
    free(sets);
    return spec;
}

/* Variant v as it loads; its "warmup_s" may still be "auto" (study_warmup chooses it). */
static world_spec *load_variant_any(const study_variant *v, const study_options *o, int64_t seed,
                                    int64_t reps, double scale, char *err, size_t err_size)
{
    return load_with(v, o, seed, reps, scale, NULL, err, err_size);
}

/* Variant v to run: where its warm-up is "auto", the one study_warmup chose (a variant
 * with a warm-up in seconds keeps it). */
static world_spec *load_variant(const study_variant *v, const study_options *o, int64_t seed,
                                int64_t reps, double scale, char *err, size_t err_size)
{
    world_spec *spec = load_variant_any(v, o, seed, reps, scale, err, err_size);
    if (!spec || !spec->warmup_auto)
        return spec;
    world_spec_free(spec);
    if (!o->warmup_set) {
        /* A sweep's point that varies warmup_s to "auto": the pilot is the scenario's. */
        snprintf(err, err_size, "%s: warmup_s: \"auto\" in a study is chosen once, from the scenario "
                 "(or each variant) as given: set it there, not in --vary", v->file);
        return NULL;
    }
    return load_with(v, o, seed, reps, scale, o->warmup_set, err, err_size);
}

int study_warmup(const study_variant *v, size_t n, study_options *o, char *err, size_t err_size)
{
    static char set[64];
    o->warmup_set = NULL;
    o->warmup_note[0] = '\0';
    double longest = -1;
    char each[400] = "", how[400] = "";
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        world_spec *spec = load_variant_any(&v[i], o, o->common.seed, o->common.replications, 1.0, err, err_size);
        if (!spec)
            return 2;
        bool is_auto = spec->warmup_auto, spread = partition_spread(spec);
        world_spec_free(spec);
        if (!is_auto)
            continue;
        if (spread) {
            /* The pilot would be spread too, each rank seeing its own blocks only. */
            snprintf(err, err_size, "%s: warmup_s: \"auto\" runs a pilot, which a partitioned replay spread "
                     "over MPI ranks does not; give the warm-up in seconds (one process's run says the value)",
                     v[i].file);
            return 2;
        }
        /* The variant's own overrides, as load_variant_any makes them. */
        size_t ns = o->common.n_sets + v[i].n_sets;
        const char **sets = calloc(ns ? ns : 1, sizeof *sets);
        if (!sets) {
            snprintf(err, err_size, "slsim: out of memory");
            return 1;
        }
        for (size_t k = 0; k < o->common.n_sets; k++)
            sets[k] = o->common.sets[k];
        for (size_t k = 0; k < v[i].n_sets; k++)
            sets[o->common.n_sets + k] = v[i].sets[k];
        world_overrides w = o->common;
        w.sets = sets;
        w.n_sets = ns;
        if (v[i].duration_s > 0)
            w.duration_s = v[i].duration_s;
        double chosen = 0;
        char one[400];
        int rc = warmup_choose(v[i].file, &w, o->threads, &chosen, one, sizeof one, err, err_size);
        free(sets);
        if (rc != 0)
            return rc;
        char secs[48];
        num_grouped(secs, sizeof secs, chosen, 0);
        if (at < sizeof each)
            at += (size_t)snprintf(each + at, sizeof each - at, "%s%s %s s", at ? ", " : "", v[i].name, secs);
        if (chosen > longest) {
            longest = chosen;
            snprintf(how, sizeof how, "%s", one);
        }
    }
    if (longest < 0)
        return 0;
    snprintf(set, sizeof set, "warmup_s=%.17g", longest);
    o->warmup_set = set;
    char secs[48];
    num_grouped(secs, sizeof secs, longest, 0);
    if (n == 1)
        snprintf(o->warmup_note, sizeof o->warmup_note, "Warm-up auto: %s s, from %s", secs, how);
    else
        snprintf(o->warmup_note, sizeof o->warmup_note, "Warm-up auto: %s s for every variant whose warm-up is "
                 "\"auto\", the longest of their pilots' (%.300s), so that they measure the same window", secs, each);
    return 0;
}

/* Loads every variant with one seed and one number of replications. Returns 0 or 2. */
static int load_all(const study_variant *v, size_t n, const study_options *o, double scale,
                    loaded *out, char *err, size_t err_size)
{
    int64_t seed = o->common.seed, reps = o->common.replications;
    for (size_t i = 0; i < n; i++) {
        out[i].spec = load_variant(&v[i], o, seed, reps, scale, err, err_size);
        if (!out[i].spec) {
            if (v[i].n_sets && strncmp(err, v[i].file, strlen(v[i].file)) == 0) {
                /* Name the variant too: its sets are what differs. */
                char tmp[1024];
                snprintf(tmp, sizeof tmp, "%s (variant %s)", err, v[i].name);
                snprintf(err, err_size, "%s", tmp);
            }
            return 2;
        }
        out[i].scale = scale;
        if (seed < 0)
            seed = (int64_t)out[i].spec->seed;
        if (reps < 1)
            reps = out[i].spec->replications;
    }
    /* --precision starts from at least PRECISION_START replications. */
    if (o->n_precision)
        reps = precision_start((unsigned)reps, o->max_replications);
    /* The first variant decided seed and replications; reload any that differed. */
    for (size_t i = 0; i < n; i++) {
        if ((int64_t)out[i].spec->seed == seed && (int64_t)out[i].spec->replications == reps)
            continue;
        world_spec_free(out[i].spec);
        out[i].spec = load_variant(&v[i], o, seed, reps, scale, err, err_size);
        if (!out[i].spec)
            return 2;
    }
    return 0;
}

/* Every variant's replications as one pool of jobs on the threads. */
static int run_all(loaded *l, size_t n, const study_options *o, char *err, size_t err_size)
{
    const world_spec **specs = calloc(n ? n : 1, sizeof *specs);
    run_result *res = calloc(n ? n : 1, sizeof *res);
    int rc = specs && res ? 0 : 1;
    if (rc)
        snprintf(err, err_size, "slsim: out of memory");
    for (size_t i = 0; i < n && rc == 0; i++)
        specs[i] = l[i].spec;
    if (rc == 0 && run_batch(specs, n, o->threads, o->progress ? stderr : NULL, res, err, err_size) != 0)
        rc = 1;
    for (size_t i = 0; i < n && res; i++) {
        l[i].res = res[i];
        l[i].ran = 1;
    }
    free(specs);
    free(res);
    return rc;
}

static void free_all(loaded *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i].ran)
            run_result_free(&l[i].res);
        world_spec_free(l[i].spec);
        free(l[i].prec);
        l[i].prec = NULL;
    }
}

/* --precision: judges each run of l (in l[i].prec); returns the replications the worst
 * figure of any needs (0: every one meets the targets, or none were asked). Returns
 * UINT_MAX when out of memory. */
static unsigned precision_need(loaded *l, size_t n, const study_options *o)
{
    unsigned need = 0;
    for (size_t i = 0; o->n_precision && i < n; i++) {
        if (!l[i].ran)
            continue;
        if (!l[i].prec && !(l[i].prec = calloc(1, sizeof *l[i].prec)))
            return UINT_MAX;
        precision_target all[RUN_PRECISION_ROWS];
        size_t m = precision_expand(o->precision, o->n_precision, l[i].spec, all);
        unsigned u = precision_judge(all, m, &l[i].res, l[i].prec);
        snprintf(l[i].prec->asked, sizeof l[i].prec->asked, "%s", o->precision_text ? o->precision_text : "");
        l[i].prec->max_replications = o->max_replications;
        need = u > need ? u : need;
    }
    return need;
}

/* Variant v's run l extended to reps replications (its earlier ones kept: the result is a
 * run of reps, byte for byte). Returns 0, or 2/1 with the message in err. */
static int extend_one(const study_variant *v, const study_options *o, loaded *l, unsigned reps, char *err,
                      size_t err_size)
{
    world_spec *more = load_variant(v, o, (int64_t)l->spec->seed, reps, l->scale, err, err_size);
    if (!more)
        return 2;
    run_result grown;
    FILE *progress = o->progress ? stderr : NULL;
    /* A partitioned replay runs again whole, its blocks on this process as the first batch
     * ran them (run_batch): under MPI every rank runs the study alike. */
    const world_spec *one = more;
    int rc = more->partition_blocks > 1
                 ? run_batch(&one, 1, o->threads, progress, &grown, err, err_size)
                 : run_scenario_extend(more, &l->res, o->threads, progress, &grown, err, err_size);
    run_result_free(&l->res);
    world_spec_free(l->spec);
    l->spec = more;
    l->res = grown;
    return rc != 0 ? 1 : 0;
}

/* --precision for runs that ran together (paired): replications are added to all of them,
 * in batches, until every one meets the targets or --max-replications is reached; they
 * keep one count. Each l[i].prec says what its run reached. Returns 0, 2 or 1. */
static int precise_all(const study_variant *v, size_t n, const study_options *o, loaded *l, char *err,
                       size_t err_size)
{
    for (;;) {
        unsigned need = precision_need(l, n, o);
        if (need == UINT_MAX) {
            snprintf(err, err_size, "slsim: out of memory");
            return 1;
        }
        unsigned reps = l[0].spec->replications;
        if (!need || reps >= o->max_replications)
            return 0;
        unsigned next = precision_next(reps, need, o->max_replications);
        for (size_t i = 0; i < n; i++) {
            int rc = extend_one(&v[i], o, &l[i], next, err, err_size);
            if (rc != 0)
                return rc;
        }
    }
}

/* --precision's outcome under a study's table: the replications (rep_lo to rep_hi: a cost
 * curve's volumes may differ), and each of the n runs short of it (labels[i]; up to 8
 * figures). pr[i]: run i's judgement, or NULL. */
static void precision_lines(text *out, const study_options *o, const run_precision *const *pr,
                            const char *const *labels, size_t n, unsigned rep_lo, unsigned rep_hi)
{
    if (!o->n_precision)
        return;
    size_t short_runs = 0, listed = 0;
    int width = 0;
    for (size_t i = 0; i < n; i++)
        if (pr[i] && !pr[i]->met && (int)strlen(labels[i]) + 1 > width)
            width = (int)strlen(labels[i]) + 1;
    text list = { 0 };
    char who[200];
    for (size_t i = 0; i < n; i++) {
        const run_precision *p = pr[i];
        if (!p || p->met)
            continue;
        short_runs++;
        for (size_t k = 0; k < p->n; k++)
            if (!p->row[k].met && listed++ < 8) {
                snprintf(who, sizeof who, "%.160s:", labels[i]);
                text_printf(&list, "    %-*s %-12s %-28s asked %s\n", width, who, p->row[k].name, p->row[k].value,
                            p->row[k].target);
            }
    }
    char reps[64];
    if (rep_lo == rep_hi)
        snprintf(reps, sizeof reps, "%u replications", rep_lo);
    else
        snprintf(reps, sizeof reps, "%u to %u replications", rep_lo, rep_hi);
    /* A figure a run does not measure (a queue's in a scenario without one) holds no target:
     * said, not counted as reached. */
    text unmeasured = { 0 };
    size_t n_unmeasured = 0, n_measured = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; pr[i] && k < pr[i]->n; k++) {
            bool m = isfinite(pr[i]->row[k].mean);
            n_measured += m;
            if (!m && n_unmeasured++ < 8)
                text_printf(&unmeasured, "    %s: %s\n", labels[i], pr[i]->row[k].name);
        }
    if (!n_measured)
        text_printf(out, "\nPrecision %s: no run measures the figures asked, so nothing was judged (%s)\n",
                    o->precision_text, reps);
    else if (!short_runs)
        text_printf(out, "\nPrecision %s: reached by every run, in %s\n", o->precision_text, reps);
    else
        text_printf(out, "\nPRECISION NOT REACHED: %s asked; stopped at --max-replications %u with %zu run%s "
                    "short%s:\n%s", o->precision_text, o->max_replications, short_runs, short_runs == 1 ? "" : "s",
                    listed > 8 ? " (the first 8 figures)" : "", list.s ? list.s : "");
    if (n_unmeasured && n_measured)
        text_printf(out, "  not measured, so not judged%s:\n%s", n_unmeasured > 8 ? " (the first 8)" : "",
                    unmeasured.s ? unmeasured.s : "");
    free(list.s);
    free(unmeasured.s);
}

/* study.json's "precision": what was asked, the replications, whether every run reached it. */
static void precision_json(cJSON *extra, const study_options *o, const run_precision *const *pr, size_t n,
                           unsigned rep_lo, unsigned rep_hi)
{
    if (!o->n_precision || !extra)
        return;
    bool met = true;
    for (size_t i = 0; i < n; i++)
        met &= !pr[i] || pr[i]->met;
    cJSON *p = cJSON_AddObjectToObject(extra, "precision");
    cJSON_AddStringToObject(p, "asked", o->precision_text ? o->precision_text : "");
    cJSON_AddNumberToObject(p, "replications_min", rep_lo);
    cJSON_AddNumberToObject(p, "replications_max", rep_hi);
    cJSON_AddNumberToObject(p, "max_replications", o->max_replications);
    cJSON_AddBoolToObject(p, "reached", met);
}

/* Checks and stages the study's results folder (see outdir.h), before anything runs; dir
 * receives the folder's final name (for messages: the files go to od->staging). Returns 0,
 * or 2 with the message in err. */
static int out_dir(const study_options *o, const world_spec *first, const char *what, outdir *od,
                   char *dir, size_t size, char *err, size_t err_size)
{
    if (o->out_dir)
        snprintf(dir, size, "%s", o->out_dir);
    else
        snprintf(dir, size, "results/%s-%s", first->name, what);
    return outdir_begin(od, dir, err, err_size) == 0 ? 0 : 2;
}

/* Loads every variant, stages the study's results folder, and runs the variants. */
static int run_study(const study_variant *v, size_t n, const study_options *o, loaded *l,
                     const char *what, outdir *od, char *dir, size_t dir_size, char *err, size_t err_size)
{
    int rc = load_all(v, n, o, 1.0, l, err, err_size);
    if (rc == 0)
        rc = out_dir(o, l[0].spec, what, od, dir, dir_size, err, err_size);
    if (rc == 0)
        rc = run_all(l, n, o, err, err_size);
    if (rc == 0)
        rc = precise_all(v, n, o, l, err, err_size);
    return rc;
}

/* Writes t as name into the study's staging folder; a message names the results folder. */
static int write_file(const outdir *od, const char *name, const text *t, char *err, size_t err_size)
{
    char path[8300];
    snprintf(path, sizeof path, "%s/%s", od->staging, name);
    if (t->oom || report_write_atomic(path, t->s ? t->s : "", t->n) != 0) {
        snprintf(err, err_size, "%s/%s: cannot write: %s", od->target, name, t->oom ? "out of memory" : strerror(errno));
        return 1;
    }
    return 0;
}

/* Once a study's files are written: plots its folder (unless --no-plots), writes study.json
 * (the command and the folder's files), swaps the folder in, and prints its table (unless
 * --quiet). name starts the plots' titles. Returns 0, or 1 with the message in err. */
static int study_finish(const study_options *o, outdir *od, const char *name, const char *what,
                        const text *out, cJSON *extra, char *err, size_t err_size)
{
    char title[256];
    snprintf(title, sizeof title, "%s (%s)", name, what);
    int plots = o->no_plots ? 0 : plot_dir(od->staging, title, stderr);
    cJSON *j = cJSON_CreateObject();
    cJSON *files = j && cJSON_AddStringToObject(j, "generator", "slsim") &&
                   cJSON_AddStringToObject(j, "command", what) && cJSON_AddStringToObject(j, "scenario", name)
                 ? cJSON_AddArrayToObject(j, "files") : NULL;
    /* The study's verdicts (service levels, saturation), after the files. */
    for (cJSON *e = extra ? extra->child : NULL, *next; files && e; e = next) {
        next = e->next;
        cJSON_AddItemToObject(j, e->string, cJSON_DetachItemViaPointer(extra, e));
    }
    if (files && o->warmup_note[0]) {
        cJSON_AddNumberToObject(j, "warmup_s", strtod(o->warmup_set + strlen("warmup_s="), NULL));
        cJSON_AddStringToObject(j, "warmup_note", o->warmup_note);
    }
    int rc = files && outdir_list(od->staging, files) == 0 &&
             cJSON_AddItemToArray(files, cJSON_CreateString("study.json")) ? 0 : 1;
    char *json = rc == 0 ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    text t = { .s = json, .n = json ? strlen(json) : 0, .oom = !json };
    if (rc != 0 || write_file(od, "study.json", &t, err, err_size) != 0) {
        if (!json)
            snprintf(err, err_size, "%s: out of memory while writing results", od->target);
        rc = 1;
    }
    free(json);
    if (rc == 0 && outdir_commit(od, err, err_size) != 0)
        rc = 1;
    if (rc != 0)
        outdir_message(od, err, err_size);
    if (rc == 0 && !o->quiet && out->s)
        fputs(out->s, stdout);
    if (rc == 0 && plots > 0 && !o->quiet)
        printf("Plots in %s/ (plot-*.png, plot-*.svg)\n", od->target);
    return rc;
}

/* ---- derived figures, per replication ------------------------------------------------ */

typedef enum figure_kind {
    FIG_VALUE, FIG_SHARE_OF_ARRIVED, FIG_SHARE_OF, FIG_COLD_RATIO, FIG_RATIO_TO_BASE, FIG_WORK,
    FIG_SHARE_OF_WORK
} figure_kind;

typedef struct figure {
    char        name[160];    /* a figure's name, or the derived figure's */
    figure_kind kind;
    const char *label;
    const char *per;          /* FIG_SHARE_OF: the denominator's name */
    char        own[72];      /* a label made for this figure (a bill line under its category) */
} figure;

static double sum_suffix(const run_result *r, uint32_t rep, const char *prefix, const char *suffix)
{
    double s = 0;
    size_t lp = strlen(prefix), ls = strlen(suffix);
    for (size_t i = 0; i < r->n_values; i++) {
        const char *n = r->names[i];
        size_t ln = strlen(n);
        if (ln > lp + ls && !strncmp(n, prefix, lp) && !strcmp(n + ln - ls, suffix))
            s += r->rows[(size_t)rep * r->n_values + i];
    }
    return s;
}

/* A work.* figure in replication rep. A scenario without pipelines reports none, but there
 * every unit of work is a request: events are its arrivals, processed its completions, lost
 * the rest that ended, and the work's latency is its requests' (the same histogram). */
static double work_value(const run_result *r, uint32_t rep, const char *name)
{
    if (r->spec->pipelines)
        return run_row_value(r, rep, name);
    const char *key = name + strlen("work.");
    if (!strcmp(key, "events"))
        return run_row_value(r, rep, "requests.arrived");
    if (!strcmp(key, "processed"))
        return run_row_value(r, rep, "requests.completed");
    if (!strcmp(key, "lost"))
        return run_row_value(r, rep, "requests.arrived") - run_row_value(r, rep, "requests.completed") -
               run_row_value(r, rep, "requests.in_flight");
    char latency[64];
    snprintf(latency, sizeof latency, "latency_ms.%s", key + strlen("latency_ms_"));
    return run_row_value(r, rep, latency);
}

static double figure_value(const figure *f, const run_result *r, const run_result *base, uint32_t rep)
{
    switch (f->kind) {
    case FIG_VALUE:
        return run_row_value(r, rep, f->name);
    case FIG_RATIO_TO_BASE: {
        /* Against the first variant in the same replication (common random numbers). */
        double b = run_row_value(base ? base : r, rep, f->name);
        return b != 0 ? run_row_value(r, rep, f->name) / b : NAN;
    }
    case FIG_SHARE_OF_ARRIVED:
    case FIG_SHARE_OF: {
        double a = run_row_value(r, rep, f->kind == FIG_SHARE_OF ? f->per : "requests.arrived");
        return a > 0 ? run_row_value(r, rep, f->name) / a : NAN;
    }
    case FIG_COLD_RATIO: {
        double inv = sum_suffix(r, rep, "functions.", ".invocations");
        return inv > 0 ? sum_suffix(r, rep, "functions.", ".cold_starts") / inv : NAN;
    }
    case FIG_WORK:
        return work_value(r, rep, f->name);
    case FIG_SHARE_OF_WORK: {
        double e = work_value(r, rep, "work.events");
        return e > 0 ? work_value(r, rep, f->name) / e : NAN;
    }
    }
    return NAN;
}

static void figure_stats(const figure *f, const run_result *r, const run_result *base, double *mean,
                         double *ci, double *diff, double *diff_ci)
{
    uint32_t reps = r->spec->replications;
    double *x = calloc(reps, sizeof *x), *d = calloc(reps, sizeof *d);
    if (!x || !d) {
        *mean = *ci = *diff = *diff_ci = NAN;
        free(x);
        free(d);
        return;
    }
    for (uint32_t k = 0; k < reps; k++) {
        x[k] = figure_value(f, r, base, k);
        d[k] = base ? x[k] - figure_value(f, base, base, k) : NAN;
    }
    replicate_mean_ci(x, reps, 1, 0, mean, ci);
    if (base)
        replicate_mean_ci(d, reps, 1, 0, diff, diff_ci);
    else
        *diff = *diff_ci = NAN;
    free(x);
    free(d);
}

/* ---- figures from few events ------------------------------------------------------------ */

/* Whether figure f of run r rests on few events: a latency percentile with fewer than 10
 * requests (units of work) above it in a replication on average, a cold-start ratio from
 * fewer than 10 cold starts in all replications (as `slsim run` flags them). Then words
 * (one line's part: the count behind it; for a ratio, the Wilson 95% interval of the pooled
 * invocations) go into why. */
static bool few_events(const figure *f, const run_result *r, char *why, size_t size)
{
    uint32_t reps = r->spec->replications;
    if (f->kind == FIG_COLD_RATIO) {
        double cold = 0, inv = 0;
        for (uint32_t k = 0; k < reps; k++) {
            cold += sum_suffix(r, k, "functions.", ".cold_starts");
            inv += sum_suffix(r, k, "functions.", ".invocations");
        }
        if (!(inv > 0) || !(cold < 10))
            return false;
        double lo, hi;
        fit_wilson((uint64_t)cold, (uint64_t)inv, FIT_Z, &lo, &hi);
        char a[64], b[64], unused[8];
        num_pair(a, sizeof a, unused, sizeof unused, lo, 0, NUM_RATIO);
        num_pair(b, sizeof b, unused, sizeof unused, hi, 0, NUM_RATIO);
        snprintf(why, size, "%.0f cold start%s in all %u replications (Wilson 95%%: %s to %s)", cold,
                 cold == 1 ? "" : "s", reps, a, b);
        return true;
    }
    const char *pct = NULL, *count = NULL;
    if (f->kind == FIG_VALUE && !strncmp(f->name, "latency_ms.p", 12)) {
        pct = f->name + 12;
        count = "requests.completed";
    } else if (f->kind == FIG_WORK && !strncmp(f->name, "work.latency_ms_p", 17)) {
        pct = f->name + 17;
        count = "work.processed";
    }
    if (!pct)
        return false;
    /* "99" is 0.99, "999" 0.999, "50" 0.5. */
    double q = strtod(pct, NULL);
    q = q / pow(10, (double)strlen(pct));
    double n = 0;
    for (uint32_t k = 0; k < reps; k++)
        n += work_value(r, k, !strcmp(count, "work.processed") ? "work.processed" : "work.processed") * 0 +
             (!strcmp(count, "work.processed") ? work_value(r, k, "work.processed") : run_row_value(r, k, count));
    n /= reps;
    if (!(q > 0 && q < 1) || !isfinite(n) || n * (1 - q) >= 10)
        return false;
    char c[48];
    num_grouped(c, sizeof c, n, 0);
    snprintf(why, size, "%s %s a replication, fewer than 10 above the p%s", c,
             !strcmp(count, "work.processed") ? "units of work processed" : "requests completed", pct);
    return true;
}

/* Lists the runs' figures from few events under a table (up to 8), marked † in it. */
static void few_lines(text *out, const text *list, size_t count)
{
    if (!count)
        return;
    text_printf(out, "\n\u2020 from few events, so its \u00b1 over replications means little%s:\n%s",
                count > 8 ? " (the first 8)" : "", list->s ? list->s : "");
}

/* ---- service levels and windows ------------------------------------------------------- */

int study_windows(study_variant *v, size_t n, const study_options *o, const char *command, bool windows,
                  char *err, size_t err_size)
{
    bool found[SLO_MAX] = { false }, found_p[PRECISION_MAX] = { false };
    for (size_t i = 0; i < n; i++) {
        world_spec *spec = load_variant_any(&v[i], o, o->common.seed, o->common.replications, 1.0, err, err_size);
        if (!spec) {
            if (v[i].n_sets && strncmp(err, v[i].file, strlen(v[i].file)) == 0) {
                char tmp[1024];     /* name the variant too: its sets are what differs */
                snprintf(tmp, sizeof tmp, "%s (variant %s)", err, v[i].name);
                snprintf(err, err_size, "%s", tmp);
            }
            return 2;
        }
        window_period p;
        window_period_of(spec, &p);
        char msg[2048], len[32], period[32], warn[1536];
        if (windows && p.period_s > 0 && spec->duration_s < p.period_s * (1 - 1e-9)) {
            window_length(spec->duration_s, len, sizeof len);
            window_length(p.period_s, period, sizeof period);
            if (o->common.duration_s > 0) {
                window_warning(spec, warn, sizeof warn);
                snprintf(msg, sizeof msg, "slsim: %s: warning: variant %s: %s", command, v[i].name, warn);
            } else {
                v[i].duration_s = p.period_s;
                snprintf(msg, sizeof msg, "slsim: %s: variant %s measures %s, less than its traffic's %s (%s): "
                         "the study measures one whole %s, %s (--duration chooses the window)", command,
                         v[i].name, len, p.mean_cycle ? "mean cycle" : "period", p.what,
                         p.mean_cycle ? "cycle" : "period", period);
            }
            if (mpi_rank() == 0)      /* every rank settles the windows; one says so */
                cli_print_message(msg);
        }
        for (size_t k = 0; k < o->n_slo; k++)
            if (!found[k] && !o->slo[k].optional)
                found[k] = run_has_figure(spec, o->slo[k].figure) == 1 &&
                           (!o->slo[k].per[0] || run_has_figure(spec, o->slo[k].per) == 1);
        for (size_t k = 0; k < o->n_precision; k++) {
            const slo_clause *c = &o->precision[k].clause;
            if (!found_p[k] && o->precision[k].name[0] && !c->optional)
                found_p[k] = run_has_figure(spec, c->figure) == 1 && (!c->per[0] || run_has_figure(spec, c->per) == 1);
        }
        world_spec_free(spec);
    }
    for (size_t k = 0; k < o->n_precision; k++)
        if (!found_p[k] && o->precision[k].name[0] && !o->precision[k].clause.optional) {
            snprintf(err, err_size, "slsim: --precision '%s': no variant has a figure named %s (summary.json's "
                     "names, such as functions.<name>.cold_start_ratio)", o->precision[k].name,
                     o->precision[k].clause.figure);
            return 2;
        }
    for (size_t k = 0; k < o->n_slo; k++)
        if (!found[k] && !o->slo[k].optional) {
            snprintf(err, err_size, "slsim: --slo '%s': no variant has a figure named %s (summary.json's names, "
                     "such as functions.<name>.cold_start_ratio or queues.<name>.wait_ms_p99)", o->slo[k].text,
                     o->slo[k].figure);
            return 2;
        }
    return 0;
}

/* Each of the n runs judged against --slo and for saturation; NULL when out of memory. */
static slo_verdict *judge_all(const run_result *const *r, size_t n, const study_options *o)
{
    slo_verdict *v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        slo_judge(o->slo, o->n_slo, r[i], &v[i]);
    return v;
}

/* The index of the lowest cost[i] among the runs a study may name (slo_eligible), or n. */
static size_t cheapest_of(const double *cost, const slo_verdict *v, size_t n)
{
    size_t best = n;
    for (size_t i = 0; i < n; i++)
        if (slo_eligible(&v[i]) && isfinite(cost[i]) && (best == n || cost[i] < cost[best]))
            best = i;
    return best;
}

/* The service levels each run meets, and the saturated ones with why: a line per run named
 * names[i] (nothing without clauses or saturation). */
static void verdict_lines(text *out, const study_options *o, const char *const *names, const slo_verdict *v,
                          size_t n)
{
    char line[4096];
    if (o->n_slo) {
        slo_summary(o->slo, o->n_slo, line, sizeof line);
        text_printf(out, "\nService levels (%s): met when the mean over replications is within the bound, "
                    "uncertain when its 95%% interval reaches across it\n", line);
        for (size_t i = 0; i < n; i++) {
            slo_describe(o->slo, &v[i], line, sizeof line);
            text_printf(out, "  %-24s %s%s\n", names[i], line, v[i].saturated ? "; saturated" : "");
        }
    }
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any |= v[i].saturated;
    if (!any)
        return;
    text_printf(out, "\nSaturated (no capacity left for a sustained part of the window; %s):\n",
                o->n_slo ? "never named cheapest under --slo" : "its figures hold only for this load");
    for (size_t i = 0; i < n; i++)
        if (v[i].saturated) {
            slo_reasons(&v[i], line, sizeof line);
            text_printf(out, "  %-24s %s\n", names[i], line);
        }
}

/* Names the cheapest run by monthly cost: among the eligible ones, and without --slo with
 * its saturation flag (and the cheapest that is not saturated). */
static void cheapest_line(text *out, const study_options *o, const char *const *names, const double *cost,
                          const slo_verdict *v, size_t n)
{
    size_t best = cheapest_of(cost, v, n);
    if (best == n) {
        text_printf(out, "\ncheapest: none: no variant meets the service levels without saturating\n");
        return;
    }
    text_printf(out, "\ncheapest%s: %s ($%.2f a month)", o->n_slo ? " that meets the service levels" : "",
                names[best], cost[best]);
    if (!v[best].saturated) {
        text_printf(out, "\n");
        return;
    }
    size_t calm = n;
    for (size_t i = 0; i < n; i++)
        if (!v[i].saturated && isfinite(cost[i]) && (calm == n || cost[i] < cost[calm]))
            calm = i;
    text_printf(out, ", but SATURATED (see above)");
    if (calm < n)
        text_printf(out, "; the cheapest not saturated: %s ($%.2f a month)", names[calm], cost[calm]);
    text_printf(out, "\n");
}

/* A CSV field: quoted when it holds a comma, a quote or a line end. */
static void csv_field(text *t, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        text_printf(t, "%s", s);
        return;
    }
    text_printf(t, "\"");
    for (; *s; s++)
        text_printf(t, *s == '"' ? "\"\"" : "%c", *s);
    text_printf(t, "\"");
}

/* The verdict's CSV fields, after a comma: saturated,meets_slo,slo_missed,slo_uncertain,
 * saturation (yes or no; meets_slo empty without --slo; the clauses joined by ';'). */
#define VERDICT_CSV_HEADER "saturated,meets_slo,slo_missed,slo_uncertain,saturation"
static void verdict_csv(text *t, const slo_verdict *v, const slo_clause *c)
{
    char buf[2048];
    text_printf(t, ",%s,%s,", v->saturated ? "yes" : "no", v->n == 0 ? "" : v->meets ? "yes" : "no");
    slo_list(c, v, SLO_MISSED, SLO_MISSED_UNCERTAIN, buf, sizeof buf);
    csv_field(t, buf);
    text_printf(t, ",");
    slo_list(c, v, SLO_MET_UNCERTAIN, SLO_MISSED_UNCERTAIN, buf, sizeof buf);
    csv_field(t, buf);
    text_printf(t, ",");
    slo_reasons(v, buf, sizeof buf);
    csv_field(t, buf);
}

/* A verdict as JSON with a name (and its other keys added by the caller). */
static cJSON *verdict_json(const study_options *o, const slo_verdict *v, const char *key, const char *name)
{
    cJSON *j = slo_verdict_json(o->slo, v);
    if (j && key)
        cJSON_AddItemToObject(j, key, cJSON_CreateString(name));
    return j;
}

/* A derived figure's name suffix in the CSVs: shares and ratios are not the counts they
 * come from. */
static const char *figure_suffix(const figure *f)
{
    switch (f->kind) {
    case FIG_RATIO_TO_BASE:    return "_vs_first";
    case FIG_SHARE_OF_ARRIVED:
    case FIG_SHARE_OF:
    case FIG_SHARE_OF_WORK:    return "_share";
    default:                   return "";
    }
}

/* How a figure is printed for people. */
static num_style figure_style(const figure *f)
{
    switch (f->kind) {
    case FIG_RATIO_TO_BASE:
    case FIG_SHARE_OF_ARRIVED:
    case FIG_SHARE_OF:
    case FIG_SHARE_OF_WORK:
    case FIG_COLD_RATIO:       return NUM_RATIO;
    default:                   return num_style_of(f->name);
    }
}

/* The clauses as a JSON array of their texts. */
static cJSON *slo_texts(const study_options *o)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t k = 0; a && k < o->n_slo; k++)
        cJSON_AddItemToArray(a, cJSON_CreateString(o->slo[k].text));
    return a;
}

static const char *const category_labels[PRICE_CATEGORIES] = {
    "compute (USD)", "requests (USD)", "messaging (USD)", "data (USD)", "workflow (USD)",
    "logs (USD)", "network (USD)", "other (USD)"
};

/* The category of a bill line in the first variant whose table has it. */
static int line_category(const loaded *l, size_t n, const char *line)
{
    for (size_t i = 0; i < n; i++) {
        const price_table *t = &l[i].spec->prices;
        for (size_t k = 0; k < t->n_lines; k++)
            if (!strcmp(t->line_name[k], line))
                return (int)t->line_category[k];
    }
    return -1;
}

/* The compared figures: cost (total and every line any variant uses), latency, outcomes. */
static size_t compare_figures(const loaded *l, size_t n, figure *f, size_t max)
{
    size_t k = 0;
#define ADD(nm, kd, lb) do { if (k < max) { snprintf(f[k].name, sizeof f[k].name, "%s", nm); \
    f[k].kind = kd; f[k].label = lb; k++; } } while (0)
    ADD("cost.monthly_total", FIG_VALUE, "monthly cost (USD)");
    const run_result **res = malloc(n * sizeof *res);
    const char *lines[PRICE_LINES_MAX * 4];
    size_t nl = 0;
    if (res) {   /* out of memory: the cost lines are left out, the total stays */
        for (size_t i = 0; i < n; i++)
            res[i] = &l[i].res;
        nl = report_lines_used(res, n, lines, sizeof lines / sizeof lines[0]);
        free(res);
    }
    /* The bill by common category (compute, requests, messaging, data, ...), each followed
     * by its lines: one provider's lines against another's, side by side. */
    for (size_t c = 0; c < PRICE_CATEGORIES; c++) {
        char name[128];
        snprintf(name, sizeof name, "cost.by_category.%s", price_category_names[c]);
        bool used = false;
        for (size_t i = 0; i < n && !used; i++) {
            double v = run_value(&l[i].res, name, NULL);
            used = v != 0 && !isnan(v);
        }
        for (size_t line = 0; line < nl; line++)
            used |= line_category(l, n, lines[line]) == (int)c;
        if (!used)
            continue;
        ADD(name, FIG_VALUE, category_labels[c]);
        for (size_t line = 0; line < nl; line++) {
            if (line_category(l, n, lines[line]) != (int)c)
                continue;
            snprintf(name, sizeof name, "cost.by_line.%s", lines[line]);
            ADD(name, FIG_VALUE, NULL);
            if (k <= max) {   /* indented under its category */
                snprintf(f[k - 1].own, sizeof f[k - 1].own, "  %s", lines[line]);
                f[k - 1].label = f[k - 1].own;
            }
        }
    }
    /* Scenarios with pipelines: the work, which requests.* and latency_ms see only to the
     * first hand-over. */
    bool work = false;
    for (size_t i = 0; i < n; i++)
        work |= l[i].spec->pipelines;
    if (work) {
        ADD("work.processed", FIG_SHARE_OF_WORK, "work processed share");
        ADD("work.lost", FIG_SHARE_OF_WORK, "work lost share");
        ADD("work.latency_ms_p50", FIG_WORK, "work latency p50 (ms)");
        ADD("work.latency_ms_p99", FIG_WORK, "work latency p99 (ms)");
    }
    ADD("latency_ms.p50", FIG_VALUE, "latency p50 (ms)");
    ADD("latency_ms.p95", FIG_VALUE, "latency p95 (ms)");
    ADD("latency_ms.p99", FIG_VALUE, "latency p99 (ms)");
    ADD("latency_ms.mean", FIG_VALUE, "latency mean (ms)");
    ADD("cold_start_ratio", FIG_COLD_RATIO, "cold-start ratio (all functions)");
    ADD("requests.throttled", FIG_SHARE_OF_ARRIVED, "throttled share");
    ADD("requests.failed", FIG_SHARE_OF_ARRIVED, "failed share");
    ADD("requests.timed_out", FIG_SHARE_OF_ARRIVED, "timed-out share");
    ADD("requests.completed", FIG_SHARE_OF_ARRIVED, "completed share");
    /* Many functions (a replayed trace): how cold starts spread over them, and the memory
     * kept loaded but idle, also relative to the first variant (keep-alive studies). */
    bool platform = false;
    for (size_t i = 0; i < n; i++)
        platform |= run_value(&l[i].res, "platform.functions", NULL) >= 2;
    if (platform) {
        ADD("platform.function_cold_start_share_p50", FIG_VALUE, "cold-start share, p50 function");
        ADD("platform.function_cold_start_share_p75", FIG_VALUE, "cold-start share, p75 function");
        ADD("platform.function_cold_start_share_p90", FIG_VALUE, "cold-start share, p90 function");
        ADD("platform.app_cold_start_share_p75", FIG_VALUE, "cold-start share, p75 app");
        ADD("platform.idle_gb_s", FIG_VALUE, "idle loaded memory (GB-s)");
        ADD("platform.idle_gb_s", FIG_RATIO_TO_BASE, "idle memory / first variant's");
    }
#undef ADD
    return k;
}

int study_compare(const study_variant *v, size_t n, const study_options *o, char *err, size_t err_size)
{
    loaded *l = calloc(n, sizeof *l);
    if (!l) {
        snprintf(err, err_size, "slsim: out of memory");
        return 1;
    }
    char dir[4096];
    outdir od = { .open = 0 };
    int rc = run_study(v, n, o, l, "compare", &od, dir, sizeof dir, err, err_size);
    if (rc != 0) {
        outdir_abort(&od);
        free_all(l, n);
        free(l);
        return rc;
    }
    figure f[64 + SLO_MAX];
    size_t nf = compare_figures(l, n, f, 64);
    /* The figures of --slo that the table does not show already. */
    for (size_t k = 0; k < o->n_slo && nf < sizeof f / sizeof f[0]; k++) {
        const slo_clause *c = &o->slo[k];
        figure_kind kind = !c->per[0] ? FIG_VALUE : !strcmp(c->per, "requests.arrived") ? FIG_SHARE_OF_ARRIVED
                                                                                        : FIG_SHARE_OF;
        bool shown = false;
        for (size_t j = 0; j < nf; j++)
            shown |= f[j].kind == kind && !strcmp(f[j].name, c->figure);
        if (shown)
            continue;
        snprintf(f[nf].name, sizeof f[nf].name, "%s", c->figure);
        f[nf].kind = kind;
        f[nf].label = c->text;
        f[nf].per = c->per;
        nf++;
    }
    const run_result **rs = calloc(n, sizeof *rs);
    const char **names = calloc(n, sizeof *names);
    double *cost = calloc(n, sizeof *cost);
    for (size_t i = 0; rs && names && cost && i < n; i++) {
        rs[i] = &l[i].res;
        names[i] = v[i].name;
        cost[i] = run_value(&l[i].res, "cost.monthly_total", NULL);
    }
    slo_verdict *verdict = rs && names && cost ? judge_all(rs, n, o) : NULL;
    if (!verdict) {
        free(rs);
        free(names);
        free(cost);
        outdir_abort(&od);
        free_all(l, n);
        free(l);
        snprintf(err, err_size, "slsim: out of memory");
        return 1;
    }
    text csv = { 0 }, out = { 0 };
    /* One name, one meaning: a share is named *_share (summary.json's requests.throttled is a
     * count), a ratio to the first variant *_vs_first; the difference column is always
     * diff_vs_first. */
    text_printf(&csv, "figure,variant,mean,ci95,diff_vs_first,diff_ci95,distinguishable,replications_to_tell\n");
    text_printf(&out, "slsim compare: %zu variants, seed %llu, %u replications each, common random "
                "numbers; differences are paired, against %s (± is the 95%% half-width)\n\n", n,
                (unsigned long long)l[0].spec->seed, l[0].spec->replications, v[0].name);
    if (o->warmup_note[0])
        text_printf(&out, "%s\n\n", o->warmup_note);
    size_t verdict_rows = o->n_slo ? 2 : 1;
    table tb;
    table_init(&tb, 1 + nf + verdict_rows, 1 + n);
    table_set(&tb, 0, 0, "figure");
    for (size_t i = 0; i < n; i++) {
        table_set(&tb, 0, 1 + i, "%s", v[i].name);
        table_align_right(&tb, 1 + i);
    }
    /* A paired difference is distinguishable from 0 when its 95% interval excludes 0 (marked
     * *); one that is not gets the replications that would tell a difference of its size,
     * the half-width falling as 1/sqrt(n): listed below the table. */
    uint32_t reps = l[0].spec->replications;
    text untold = { 0 }, few_list = { 0 };
    size_t n_untold = 0, n_few = 0;
    for (size_t j = 0; j < nf; j++) {
        table_set(&tb, 1 + j, 0, "%s", f[j].label);
        for (size_t i = 0; i < n; i++) {
            double m, ci, d, dci;
            figure_stats(&f[j], &l[i].res, i ? &l[0].res : NULL, &m, &ci, &d, &dci);
            bool paired = i && isfinite(d) && isfinite(dci);
            bool tell = paired && fabs(d) > dci;
            double need = paired && !tell && d != 0 ? ceil(reps * (dci / fabs(d)) * (dci / fabs(d))) : NAN;
            text_printf(&csv, "%s%s,%s,%.15g,%.15g,%.15g,%.15g,%.15g,%.15g\n", f[j].name, figure_suffix(&f[j]),
                        v[i].name, m, ci, d, dci, paired ? (double)tell : NAN, need);
            char cell[160];   /* "n/a": e.g. a cold-start ratio without functions */
            num_cell(cell, sizeof cell, m, ci, i ? d : NAN, dci, figure_style(&f[j]));
            char why[256];
            bool few = few_events(&f[j], &l[i].res, why, sizeof why);
            table_set(&tb, 1 + j, 1 + i, "%s%s%s", cell, tell ? " *" : "", few ? " †" : "");
            if (few && n_few++ < 8)
                text_printf(&few_list, "  %s, %s: %s\n", f[j].label, v[i].name, why);
            if (isfinite(need) && n_untold++ < 8) {
                char d_text[160], many[48];
                num_cell(d_text, sizeof d_text, d, dci, NAN, NAN, figure_style(&f[j]));
                if (need > 1000)
                    snprintf(many, sizeof many, "more than 1,000");
                else
                    snprintf(many, sizeof many, "about %.0f", need);
                text_printf(&untold, "  %s, %s: %s against 0; %s replications would tell a difference "
                            "this size\n", f[j].label, v[i].name, d_text, many);
            }
        }
    }
    /* Saturated, and meets the service levels: 1 or 0 in compare.csv (the difference from
     * the first variant too), words in the table, the reasons below it. */
    for (size_t row = 0; row < verdict_rows; row++) {
        table_set(&tb, 1 + nf + row, 0, "%s", row == 0 ? "saturated" : "meets the service levels");
        for (size_t i = 0; i < n; i++) {
            double x = row == 0 ? verdict[i].saturated : verdict[i].meets;
            double x0 = row == 0 ? verdict[0].saturated : verdict[0].meets;
            text_printf(&csv, "%s,%s,%.15g,0,%.15g,%.15g,nan,nan\n", row == 0 ? "saturated" : "meets_slo",
                        v[i].name, x, i ? x - x0 : NAN, i ? 0.0 : NAN);
            const char *word = row == 0 ? (verdict[i].saturated ? "YES (see below)" : "no")
                             : verdict[i].meets ? (verdict[i].uncertain ? "yes, uncertain" : "yes")
                                                : (verdict[i].uncertain ? "no, uncertain" : "no");
            table_set(&tb, 1 + nf + row, 1 + i, "%s", word);
        }
    }
    table_print(&tb, &out, 0);
    table_free(&tb);
    if (n > 1)
        text_printf(&out, "\n* the difference from %s is distinguishable from 0 (its paired 95%% interval "
                    "excludes 0)\n", v[0].name);
    if (n_untold) {
        text_printf(&out, "Not distinguishable from 0 with %u replications (%zu figure%s%s):\n%s", reps, n_untold,
                    n_untold == 1 ? "" : "s", n_untold > 8 ? "; the first 8" : "", untold.s ? untold.s : "");
    }
    free(untold.s);
    few_lines(&out, &few_list, n_few);
    free(few_list.s);
    const run_precision **prec = calloc(n, sizeof *prec);
    for (size_t i = 0; prec && i < n; i++)
        prec[i] = l[i].prec;
    if (prec)
        precision_lines(&out, o, prec, names, n, reps, reps);
    verdict_lines(&out, o, names, verdict, n);
    cheapest_line(&out, o, names, cost, verdict, n);
    cJSON *extra = cJSON_CreateObject();
    cJSON *jv = extra ? cJSON_AddArrayToObject(extra, "variants") : NULL;
    if (extra)
        cJSON_AddItemToObject(extra, "slo", slo_texts(o));
    if (prec)
        precision_json(extra, o, prec, n, reps, reps);
    free(prec);
    for (size_t i = 0; jv && i < n; i++) {
        cJSON *e = verdict_json(o, &verdict[i], "variant", v[i].name);
        if (e && l[i].prec)
            cJSON_AddItemToObject(e, "precision", report_precision_json(l[i].prec, reps));
        cJSON_AddItemToArray(jv, e);
    }
    text_printf(&out, "\nResults in %s/ (compare.csv, compare.txt, compare-cost.csv)\n", dir);
    /* The bill's lines per variant, for the stacked cost plot. */
    text cm = { 0 };
    report_cost_matrix(&cm, rs, n, names);
    free(rs);
    free(names);
    free(cost);
    free(verdict);
    rc = write_file(&od, "compare.csv", &csv, err, err_size);
    if (rc == 0)
        rc = write_file(&od, "compare.txt", &out, err, err_size);
    if (rc == 0)
        rc = write_file(&od, "compare-cost.csv", &cm, err, err_size);
    free(cm.s);
    if (rc == 0)
        rc = study_finish(o, &od, l[0].spec->name, "compare", &out, extra, err, err_size);
    cJSON_Delete(extra);
    outdir_abort(&od);
    free(csv.s);
    free(out.s);
    free_all(l, n);
    free(l);
    return rc;
}

/* ---- cost curve ------------------------------------------------------------------------ */

/* Variant v run with its traffic scaled by scale, with the given seed and replications: *one
 * holds it (free_all it). Returns 0 or the error's code. */
static int run_at_volume(const study_variant *v, const study_options *o, uint64_t seed, unsigned reps, double scale,
                         loaded *one, char *err, size_t err_size)
{
    *one = (loaded){ 0 };
    study_options oo = *o;
    oo.common.seed = (int64_t)seed;
    oo.common.replications = reps;
    oo.n_precision = 0;         /* the count is the caller's */
    int rc = load_all(v, 1, &oo, scale, one, err, err_size);
    if (rc == 0)
        rc = run_all(one, 1, o, err, err_size);
    return rc;
}

/* Where variants va and vb cost the same between volumes v0 and v1, given d0 and d1, va's
 * monthly cost less vb's at each (of opposite signs): the false-position method on the
 * simulated costs, each probe a run of both at that volume with the same seed (common random
 * numbers), until the bracket is 1% wide or 4 probes were run; then the straight line
 * between the bracket's ends. vol_a and vol_b are the variants' own volumes (scale 1). A bill is not linear in its volume between two points of a
 * coarse curve (a fleet stays at its floor, then adds tasks), so one interpolation can be
 * far off: 15% on exercise 14's doubling steps. *probes counts the extra runs. */
static int refine_crossing(const study_variant *va, const study_variant *vb, const study_options *o,
                           const world_spec *ref, unsigned reps, double vol_a, double vol_b, double v0, double d0, double v1,
                           double d1, double *cross, int *probes, char *err, size_t err_size)
{
    for (int k = 0; k < 4 && (v1 - v0) > 0.01 * v0 && d0 != d1; k++) {
        double vm = v0 + d0 / (d0 - d1) * (v1 - v0);
        /* Keep the probe inside the bracket's middle 90%, so that it always shrinks. */
        vm = fmin(fmax(vm, v0 + 0.05 * (v1 - v0)), v1 - 0.05 * (v1 - v0));
        loaded A, B;
        int rc = run_at_volume(va, o, ref->seed, reps, vm / vol_a, &A, err, err_size);
        if (rc == 0)
            rc = run_at_volume(vb, o, ref->seed, reps, vm / vol_b, &B, err, err_size);
        if (rc != 0) {
            if (A.spec)
                free_all(&A, 1);
            return rc;
        }
        double dm = run_value(&A.res, "cost.monthly_total", NULL) - run_value(&B.res, "cost.monthly_total", NULL);
        free_all(&A, 1);
        free_all(&B, 1);
        (*probes)++;
        if ((dm < 0) == (d0 < 0)) {
            v0 = vm;
            d0 = dm;
        } else {
            v1 = vm;
            d1 = dm;
        }
    }
    *cross = d1 != d0 ? v0 + d0 / (d0 - d1) * (v1 - v0) : 0.5 * (v0 + v1);
    return 0;
}

/* A latency for a table cell: "201 ms", "22.1 s". */
static void latency_words(double ms, char *buf, size_t size)
{
    if (!isfinite(ms))
        snprintf(buf, size, "n/a");
    else if (ms >= 1e4) {
        char n[48];
        num_grouped(n, sizeof n, ms / 1e3, 1);
        snprintf(buf, size, "%s s", n);
    } else {
        snprintf(buf, size, "%.0f ms", ms);   /* under 10,000: no separator needed past 9,999 */
        if (ms >= 999.5) {
            char n[48];
            num_grouped(n, sizeof n, ms, 0);
            snprintf(buf, size, "%s ms", n);
        }
    }
}

/* A run's marks in a table cell: * saturated, x misses the service levels, ? uncertain. */
static void verdict_marks(const slo_verdict *v, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", v->saturated ? "*" : "", v->n && !v->meets ? "x" : "",
             v->uncertain ? "?" : "");
}

int study_cost_curve(const study_variant *v, size_t n, const study_options *o, double from,
                     double to, int steps, char *err, size_t err_size)
{
    /* The volume of each variant at its own traffic: its sources' expected arrivals. */
    loaded *base = calloc(n, sizeof *base);
    double *cost = calloc((size_t)steps * n, sizeof *cost), *p99 = calloc((size_t)steps * n, sizeof *p99);
    double *volume = calloc(n, sizeof *volume);
    slo_verdict *verdict = calloc((size_t)steps * n, sizeof *verdict);
    /* --precision: each volume's count, and each run's judgement (for the lines below). */
    unsigned *reps_at = calloc((size_t)steps, sizeof *reps_at), rep_lo = UINT_MAX, rep_hi = 0;
    run_precision *cprec = o->n_precision ? calloc((size_t)steps * n, sizeof *cprec) : NULL;
    int rc = base && cost && p99 && volume && verdict && reps_at && (cprec || !o->n_precision) ? 0 : 1;
    if (rc)
        snprintf(err, err_size, "slsim: out of memory");
    if (rc == 0)
        rc = load_all(v, n, o, 1.0, base, err, err_size);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        /* The sources' expected arrivals in the window (exact, not one run's draw). */
        const world_spec *ws = base[i].spec;
        double arrived = 0;
        for (size_t k = 0; k < ws->n_sources; k++)
            arrived += traffic_expected_arrivals(&ws->sources[k], ws->warmup_s, ws->warmup_s + ws->duration_s);
        volume[i] = arrived / ws->duration_s * ws->prices.month_hours * 3600.0;
        if (!(volume[i] > 0)) {
            snprintf(err, err_size, "%s: the scenario has no traffic to scale (its sources send nothing in the window)", v[i].file);
            rc = 2;
        }
    }
    char dir[4096];
    outdir od = { .open = 0 };
    if (rc == 0)
        rc = out_dir(o, base[0].spec, "cost-curve", &od, dir, sizeof dir, err, err_size);
    /* With pipelines, the work's shares and latency too (the p99 printed is the work's). */
    bool work = false;
    for (size_t i = 0; rc == 0 && i < n; i++)
        work |= base[i].spec->pipelines;
    text csv = { 0 }, out = { 0 };
    table tb = { 0 };
    cJSON *extra = NULL, *points = NULL;
    if (rc == 0) {
        char slo[1024] = "";
        slo_summary(o->slo, o->n_slo, slo, sizeof slo);
        text_printf(&csv, "requests_per_month,variant,monthly_cost,monthly_cost_ci95,cost_per_million,p99_ms%s,"
                    VERDICT_CSV_HEADER "\n", work ? ",work_processed_share,work_lost_share,work_p99_ms" : "");
        char f0[64], f1[64];
        num_volume(f0, sizeof f0, from);
        num_volume(f1, sizeof f1, to);
        char each[96];
        if (o->n_precision)
            snprintf(each, sizeof each, "replications per volume as --precision %s needs (at least %u)",
                     o->precision_text, base[0].spec->replications);
        else
            snprintf(each, sizeof each, "%u replications each", base[0].spec->replications);
        text_printf(&out, "slsim cost-curve: %d volumes from %s to %s requests a month (log steps), "
                    "%s%s%s\n\n", steps, f0, f1, each, o->n_slo ? "; service levels: " : "", slo);
        if (o->warmup_note[0])
            text_printf(&out, "%s\n\n", o->warmup_note);
        table_init(&tb, 1 + (size_t)steps, n + 2);
        table_set(&tb, 0, 0, "requests/month");
        table_align_right(&tb, 0);
        for (size_t i = 0; i < n; i++) {
            table_set(&tb, 0, 1 + i, "%s", v[i].name);
            table_align_right(&tb, 1 + i);
        }
        table_set(&tb, 0, n + 1, "%s", o->n_slo ? "cheapest that meets them" : "cheapest");
        extra = cJSON_CreateObject();
        if (extra)
            cJSON_AddItemToObject(extra, "slo", slo_texts(o));
        points = extra ? cJSON_AddArrayToObject(extra, "points") : NULL;
    }
    for (int s = 0; rc == 0 && s < steps; s++) {
        double vol = steps == 1 ? from : from * pow(to / from, (double)s / (steps - 1));
        char fv[64];
        num_volume(fv, sizeof fv, vol);
        table_set(&tb, 1 + (size_t)s, 0, "%s", fv);
        /* Every variant at this volume, then (--precision) replications added to all of them
         * until each is precise enough: one count per volume, so the variants stay paired. */
        loaded *at = calloc(n, sizeof *at);
        if (!at) {
            snprintf(err, err_size, "slsim: out of memory");
            rc = 1;
        }
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = run_at_volume(&v[i], o, base[0].spec->seed, base[0].spec->replications, vol / volume[i], &at[i],
                               err, err_size);
        if (rc == 0)
            rc = precise_all(v, n, o, at, err, err_size);
        if (rc == 0) {
            unsigned r = at[0].spec->replications;
            reps_at[s] = r;
            rep_lo = r < rep_lo ? r : rep_lo;
            rep_hi = r > rep_hi ? r : rep_hi;
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            loaded one = at[i];
            if (one.prec)
                cprec[(size_t)s * n + i] = *one.prec;
            {
                double ci;
                double c = run_value(&one.res, "cost.monthly_total", &ci);
                double q = run_value(&one.res, "latency_ms.p99", NULL);
                slo_verdict *vd = &verdict[(size_t)s * n + i];
                slo_judge(o->slo, o->n_slo, &one.res, vd);
                cost[(size_t)s * n + i] = c;
                p99[(size_t)s * n + i] = q;
                text_printf(&csv, "%.15g,%s,%.15g,%.15g,%.15g,%.15g", vol, v[i].name, c, ci, c / (vol / 1e6), q);
                char cell[256], lat[64], marks[8];
                double lost = NAN;
                if (work) {
                    static const figure wf[] = { { "work.processed", FIG_SHARE_OF_WORK, NULL, NULL, "" },
                                                 { "work.lost", FIG_SHARE_OF_WORK, NULL, NULL, "" },
                                                 { "work.latency_ms_p99", FIG_WORK, NULL, NULL, "" } };
                    double m[3], unused;
                    for (size_t k = 0; k < 3; k++) {
                        figure_stats(&wf[k], &one.res, NULL, &m[k], &unused, &unused, &unused);
                        text_printf(&csv, ",%.15g", m[k]);
                    }
                    q = m[2];      /* the p99 printed is the work's */
                    lost = m[1];
                }
                verdict_csv(&csv, vd, o->slo);
                text_printf(&csv, "\n");
                latency_words(q, lat, sizeof lat);
                verdict_marks(vd, marks, sizeof marks);
                char money[64];
                num_grouped(money, sizeof money, c, 2);
                if (work)
                    snprintf(cell, sizeof cell, "$%s p99 %s lost %.*f%%%s%s", money, lat, 100 * lost < 1 ? 2 : 1, 100 * lost,
                             marks[0] ? " " : "", marks);
                else
                    snprintf(cell, sizeof cell, "$%s p99 %s%s%s", money, lat, marks[0] ? " " : "", marks);
                table_set(&tb, 1 + (size_t)s, 1 + i, "%s", cell);
                cJSON *pt = verdict_json(o, vd, "variant", v[i].name);
                if (pt) {
                    cJSON_AddNumberToObject(pt, "requests_per_month", vol);
                    if (one.prec)
                        cJSON_AddItemToObject(pt, "precision", report_precision_json(one.prec, reps_at[s]));
                    cJSON_AddItemToArray(points, pt);
                }
            }
        }
        if (at)
            free_all(at, n);
        free(at);
        if (rc == 0) {
            const slo_verdict *vs = &verdict[(size_t)s * n];
            size_t best = cheapest_of(&cost[(size_t)s * n], vs, n);
            if (best == n)
                table_set(&tb, 1 + (size_t)s, n + 1, "none");
            else
                table_set(&tb, 1 + (size_t)s, n + 1, "%s%s", v[best].name, vs[best].saturated ? " (SATURATED)" : "");
        }
    }
    if (rc == 0)
        table_print(&tb, &out, 0);
    table_free(&tb);
    if (rc == 0 && o->n_precision) {
        const run_precision **pp = calloc((size_t)steps * n, sizeof *pp);
        char (*labels)[160] = calloc((size_t)steps * n, sizeof *labels);
        const char **lp = calloc((size_t)steps * n, sizeof *lp);
        for (size_t k = 0; pp && labels && lp && k < (size_t)steps * n; k++) {
            int st = (int)(k / n);
            double vol = steps == 1 ? from : from * pow(to / from, (double)st / (steps - 1));
            char fv[64];
            num_volume(fv, sizeof fv, vol);
            snprintf(labels[k], sizeof labels[k], "%s %.64s", fv, v[k % n].name);
            pp[k] = &cprec[k];
            lp[k] = labels[k];
        }
        if (pp && labels && lp) {
            precision_lines(&out, o, pp, lp, (size_t)steps * n, rep_lo, rep_hi);
            precision_json(extra, o, pp, (size_t)steps * n, rep_lo, rep_hi);
        }
        free(pp);
        free(labels);
        free(lp);
    }
    /* What the marks mean, and why each marked run is marked. */
    bool marked = false;
    for (size_t k = 0; rc == 0 && k < (size_t)steps * n; k++)
        marked |= verdict[k].saturated || (verdict[k].n && (!verdict[k].meets || verdict[k].uncertain));
    if (marked) {
        text_printf(&out, "\n* saturated (%s), x misses the service levels, ? uncertain (the 95%% interval "
                    "reaches across a bound):\n", o->n_slo ? "never named cheapest under --slo"
                                                           : "its figures hold only for this load");
        for (int s = 0; s < steps; s++)
            for (size_t i = 0; i < n; i++) {
                const slo_verdict *vd = &verdict[(size_t)s * n + i];
                if (!(vd->saturated || (vd->n && (!vd->meets || vd->uncertain))))
                    continue;
                double vol = steps == 1 ? from : from * pow(to / from, (double)s / (steps - 1));
                char why[4096] = "", sat[2048];
                if (vd->n)
                    slo_describe(o->slo, vd, why, sizeof why);
                slo_reasons(vd, sat, sizeof sat);
                char fv[64];
                num_volume(fv, sizeof fv, vol);
                text_printf(&out, "  %s %s: %s%s%s%s%s\n", fv, v[i].name, vd->n ? "service levels " : "", why,
                            vd->n && vd->saturated ? "; " : "", vd->saturated ? "saturated: " : "", vd->saturated ? sat : "");
            }
    }
    /* Break-even volumes: where the cheapest variant (of those that meet the service levels
     * and are not saturated, under --slo) changes. Where both are eligible on both sides it
     * is the crossing of their cost curves, found by running both between the two volumes
     * (refine_crossing: interpolating the coarse curve, on the log scale as before or even
     * linearly, was 2-15% off); where the
     * change is one of them starting or stopping to meet the service levels, it is the
     * first volume of the new one (no crossing to interpolate). */
    if (rc == 0 && n > 1 && steps > 1) {
        text be = { 0 };
        text_printf(&be, "requests_per_month,cheaper_below,cheaper_above,reason\n");
        text_printf(&out, "\nBreak-even volumes%s:\n", o->n_slo ? " (among the variants that meet the service levels)" : "");
        int any = 0, probes = 0;
        for (int s = 1; rc == 0 && s < steps; s++) {
            const slo_verdict *va = &verdict[(size_t)(s - 1) * n], *vb = &verdict[(size_t)s * n];
            size_t a = cheapest_of(&cost[(size_t)(s - 1) * n], va, n);
            size_t b = cheapest_of(&cost[(size_t)s * n], vb, n);
            if (a == b)
                continue;
            double v0 = from * pow(to / from, (double)(s - 1) / (steps - 1));
            double v1 = from * pow(to / from, (double)s / (steps - 1));
            any = 1;
            if (a < n && b < n && slo_eligible(&vb[a]) && slo_eligible(&va[b])) {
                double d0 = cost[(size_t)(s - 1) * n + a] - cost[(size_t)(s - 1) * n + b];
                double d1 = cost[(size_t)s * n + a] - cost[(size_t)s * n + b];
                double cross = 0.5 * (v0 + v1);   /* refine_crossing sets it */
                /* The probes take the larger count of the bracket's two volumes. */
                unsigned pr = reps_at[s - 1] > reps_at[s] ? reps_at[s - 1] : reps_at[s];
                rc = refine_crossing(&v[a], &v[b], o, base[0].spec, pr, volume[a], volume[b], v0, d0, v1, d1, &cross,
                                     &probes, err, err_size);
                if (rc != 0)
                    break;
                char fc[64], fv1[64];
                num_volume(fc, sizeof fc, cross);
                num_volume(fv1, sizeof fv1, v1);
                text_printf(&be, "%.15g,%s,%s,cost\n", cross, v[a].name, v[b].name);
                text_printf(&out, "  about %s requests a month: %s is cheaper below, %s above", fc,
                            v[a].name, v[b].name);
                if (vb[b].saturated)
                    text_printf(&out, " (%s SATURATED at %s)", v[b].name, fv1);
                text_printf(&out, "\n");
                continue;
            }
            text_printf(&be, "%.15g,%s,%s,service level\n", v1, a < n ? v[a].name : "", b < n ? v[b].name : "");
            char f1[64], f0[64];
            num_volume(f1, sizeof f1, v1);
            num_volume(f0, sizeof f0, v0);
            if (b == n)
                text_printf(&out, "  from %s requests a month (above %s): no variant meets the service levels "
                            "without saturating (%s did below)\n", f1, f0, v[a].name);
            else if (a == n)
                text_printf(&out, "  from %s requests a month (above %s): %s meets the service levels and is "
                            "the cheapest that does (none did below)\n", f1, f0, v[b].name);
            else if (!slo_eligible(&vb[a]))
                text_printf(&out, "  from %s requests a month (above %s): %s misses the service levels or "
                            "saturates; %s is the cheapest that meets them\n", f1, f0, v[a].name, v[b].name);
            else
                text_printf(&out, "  from %s requests a month (above %s): %s starts to meet the service "
                            "levels, and is cheaper than %s\n", f1, f0, v[b].name, v[a].name);
        }
        if (!any)
            text_printf(&out, "  none in this range: the same variant is %s throughout\n",
                        o->n_slo ? "the cheapest that meets the service levels" : "cheapest");
        if (probes)
            text_printf(&out, "  (each crossing located by running both variants between the two volumes: "
                        "%d more run%s of each)\n", probes, probes == 1 ? "" : "s");
        if (rc == 0)
            rc = write_file(&od, "break-even.csv", &be, err, err_size);
        free(be.s);
    }
    if (rc == 0) {
        text_printf(&out, "\nResults in %s/ (cost-curve.csv, break-even.csv)\n", dir);
        rc = write_file(&od, "cost-curve.csv", &csv, err, err_size);
        /* For the plot: one block per variant, headed by its name. */
        text dat = { 0 };
        for (size_t i = 0; i < n; i++) {
            text_printf(&dat, "%srequests_per_month,", i ? "\n\n" : "");
            text_label(&dat, v[i].name);
            text_printf(&dat, "\n");
            for (int st = 0; st < steps; st++) {
                double vol = steps == 1 ? from : from * pow(to / from, (double)st / (steps - 1));
                text_printf(&dat, "%.15g,%.15g\n", vol, cost[(size_t)st * n + i]);
            }
        }
        if (rc == 0)
            rc = write_file(&od, "cost-curve.dat", &dat, err, err_size);
        free(dat.s);
    }
    if (rc == 0)
        rc = study_finish(o, &od, base[0].spec->name, "cost-curve", &out, extra, err, err_size);
    cJSON_Delete(extra);
    outdir_abort(&od);
    free(csv.s);
    free(out.s);
    if (base)
        free_all(base, n);
    free(base);
    free(cost);
    free(p99);
    free(volume);
    free(verdict);
    free(reps_at);
    free(cprec);
    return rc;
}

/* ---- memory tuning --------------------------------------------------------------------- */

int study_tune(const study_variant *b, const study_options *o, const char *function,
               const double *memory_mb, size_t n, double max_cost_per_million, char *err, size_t err_size)
{
    /* Which component is the function (and is it one)? */
    world_spec *probe = load_variant(b, o, o->common.seed, o->common.replications, 1.0, err, err_size);
    if (!probe)
        return 2;
    int idx = world_spec_component(probe, function);
    if (idx < 0 || strcmp(probe->components[idx].kind->name, "function") != 0) {
        snprintf(err, err_size, "%s: --function: no function is named \"%s\"", b->file, function);
        world_spec_free(probe);
        return 2;
    }
    /* Durations are measured at the function's reference memory; when that follows
     * memory_mb (the default), pin it to the scenario's size, so that other sizes speed
     * up or slow down by their CPU share. */
    char pin[96] = "";
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(probe->resolved, "components");
    const cJSON *fn = cJSON_GetArrayItem(comps, idx);
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(fn, "reference_memory_mb");
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(fn, "memory_mb");
    if (cJSON_IsNull(ref) && cJSON_IsNumber(mem))
        snprintf(pin, sizeof pin, "components[%d].reference_memory_mb=%.0f", idx, mem->valuedouble);
    world_spec_free(probe);
    study_variant *v = calloc(n, sizeof *v);
    char (*set)[96] = calloc(n, sizeof *set);
    size_t per = b->n_sets + 2;
    const char **setp = calloc(n * per, sizeof *setp);
    loaded *l = calloc(n, sizeof *l);
    if (!v || !set || !setp || !l) {
        free(v);
        free(set);
        free(setp);
        free(l);
        snprintf(err, err_size, "slsim: out of memory");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(v[i].name, sizeof v[i].name, "%.0f MB", memory_mb[i]);
        v[i].file = b->file;
        v[i].duration_s = b->duration_s;
        snprintf(set[i], sizeof set[i], "components[%d].memory_mb=%.0f", idx, memory_mb[i]);
        const char **p = setp + i * per;
        size_t k = 0;
        for (; k < b->n_sets; k++)
            p[k] = b->sets[k];
        if (pin[0])
            p[k++] = pin;
        p[k++] = set[i];
        v[i].sets = p;
        v[i].n_sets = k;
    }
    char dir[4096];
    outdir od = { .open = 0 };
    int rc = run_study(v, n, o, l, "tune", &od, dir, sizeof dir, err, err_size);
    text csv = { 0 }, out = { 0 };
    table tb = { 0 };
    cJSON *extra = NULL;
    if (rc == 0) {
        char name[160];
        text_printf(&csv, "memory_mb,cost_per_million,cost_per_million_ci95,monthly_cost,duration_ms_mean,"
                    "latency_p50_ms,latency_p90_ms,latency_p99_ms,cold_start_ratio,failed_share,"
                    VERDICT_CSV_HEADER "\n");
        text_printf(&out, "slsim tune: function %s, %zu memory sizes, %u replications each, common random "
                    "numbers\n\n", function, n, l[0].spec->replications);
        if (o->warmup_note[0])
            text_printf(&out, "%s\n\n", o->warmup_note);
        static const char *const heads[] = { "memory", "cost per 1M invocations", "monthly", "duration (ms)",
                                             "p50 (ms)", "p90 (ms)", "p99 (ms)", "failed share", "" };
        table_init(&tb, 1 + n, 9);
        for (size_t c = 0; c < 9; c++) {
            table_set(&tb, 0, c, "%s", heads[c]);
            if (c < 8)
                table_align_right(&tb, c);
        }
        double best_cost = INFINITY;
        size_t cheapest = n;
        double *cpm = calloc(n, sizeof *cpm), *p99 = calloc(n, sizeof *p99), *failed = calloc(n, sizeof *failed);
        const run_result **rs = calloc(n, sizeof *rs);
        const char **names = calloc(n, sizeof *names);
        for (size_t i = 0; rs && names && i < n; i++) {
            rs[i] = &l[i].res;
            names[i] = v[i].name;
        }
        slo_verdict *verdict = rs && names ? judge_all(rs, n, o) : NULL;
        extra = cJSON_CreateObject();
        cJSON *sizes = extra ? cJSON_AddArrayToObject(extra, "sizes") : NULL;
        if (extra)
            cJSON_AddItemToObject(extra, "slo", slo_texts(o));
        if (!cpm || !p99 || !failed || !verdict) {
            snprintf(err, err_size, "slsim: out of memory");
            rc = 1;       /* freed below */
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const run_result *r = &l[i].res;
            uint32_t reps = r->spec->replications;
            double *x = calloc(reps, sizeof *x);
            if (!x) {
                snprintf(err, err_size, "slsim: out of memory");
                rc = 1;
                break;
            }
            snprintf(name, sizeof name, "functions.%s.invocations", function);
            char cname[160];
            snprintf(cname, sizeof cname, "cost.by_component.%s", function);
            for (uint32_t k = 0; k < reps; k++) {
                double inv = run_row_value(r, k, name) * r->spec->prices.month_hours * 3600.0 / r->spec->duration_s;
                x[k] = inv > 0 ? run_row_value(r, k, cname) / (inv / 1e6) : NAN;
            }
            double m, ci;
            replicate_mean_ci(x, reps, 1, 0, &m, &ci);
            free(x);
            cpm[i] = m;
            snprintf(name, sizeof name, "functions.%s.mean_duration_ms", function);
            double dur = run_value(r, name, NULL);
            snprintf(name, sizeof name, "functions.%s.cold_start_ratio", function);
            double cold = run_value(r, name, NULL);
            double q50 = run_value(r, "latency_ms.p50", NULL), q90 = run_value(r, "latency_ms.p90", NULL);
            p99[i] = run_value(r, "latency_ms.p99", NULL);
            /* The requests that ended without completing (failed, timed out, throttled...). */
            double ended = run_value(r, "requests.arrived", NULL) - run_value(r, "requests.in_flight", NULL);
            failed[i] = ended > 0 ? fmax(0.0, (ended - run_value(r, "requests.completed", NULL)) / ended) : 0.0;
            text_printf(&csv, "%.0f,%.6f,%.6f,%.4f,%.4f,%.4f,%.4f,%.4f,%.6f,%.6f", memory_mb[i], m, ci,
                        run_value(r, "cost.monthly_total", NULL), dur, q50, q90, p99[i], cold, failed[i]);
            verdict_csv(&csv, &verdict[i], o->slo);
            text_printf(&csv, "\n");
            char a[64], b2[64], marks[8];
            verdict_marks(&verdict[i], marks, sizeof marks);
            table_set(&tb, 1 + i, 0, "%s", v[i].name);
            /* Cost per million to 4 decimals: a small function's costs differ in cents. */
            num_grouped(a, sizeof a, m, 4);
            num_grouped(b2, sizeof b2, isfinite(ci) ? ci : 0, 4);
            table_set(&tb, 1 + i, 1, "$%s ± %s", a, b2);
            num_grouped(a, sizeof a, run_value(r, "cost.monthly_total", NULL), 2);
            table_set(&tb, 1 + i, 2, "$%s", a);
            const double ms[4] = { dur, q50, q90, p99[i] };
            for (size_t c = 0; c < 4; c++) {
                num_grouped(a, sizeof a, ms[c], 1);
                table_set(&tb, 1 + i, 3 + c, "%s", a);
            }
            num_pair(a, sizeof a, b2, sizeof b2, failed[i], NAN, NUM_RATIO);
            table_set(&tb, 1 + i, 7, "%s", a);
            table_set(&tb, 1 + i, 8, "%s", marks);
            cJSON *js = verdict_json(o, &verdict[i], NULL, NULL);
            if (js && l[i].prec)
                cJSON_AddItemToObject(js, "precision", report_precision_json(l[i].prec, reps));
            if (js) {
                cJSON_AddNumberToObject(js, "memory_mb", memory_mb[i]);
                cJSON_AddItemToArray(sizes, js);
            }
        }
        if (rc == 0)
            table_print(&tb, &out, 0);
        table_free(&tb);
        /* A size is a candidate only if it fails no more than 0.1% of the requests beyond the
         * size that fails fewest: a cheap size that times out is not a saving. */
        double least_failed = INFINITY;
        for (size_t i = 0; rc == 0 && i < n; i++)
            least_failed = fmin(least_failed, failed[i]);
        /* With --slo, a candidate meets the service levels and is not saturated too. */
        size_t dropped = 0, missed = 0;
        bool *candidate = rc == 0 ? calloc(n, sizeof *candidate) : NULL;
        if (rc == 0 && !candidate) {
            snprintf(err, err_size, "slsim: out of memory");
            rc = 1;
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (failed[i] > least_failed + 0.001) {
                dropped++;
                continue;
            }
            if (!slo_eligible(&verdict[i])) {
                missed++;
                continue;
            }
            candidate[i] = true;
            if (cpm[i] < best_cost) {
                best_cost = cpm[i];
                cheapest = i;
            }
        }
        if (rc == 0) {
            const run_precision **prec = calloc(n, sizeof *prec);
            unsigned reps = l[0].spec->replications;
            for (size_t i = 0; prec && i < n; i++)
                prec[i] = l[i].prec;
            if (prec) {
                precision_lines(&out, o, prec, names, n, reps, reps);
                precision_json(extra, o, prec, n, reps, reps);
            }
            free(prec);
            verdict_lines(&out, o, names, verdict, n);
            /* Name the sizes left out, each with its reason. */
            if (dropped || missed)
                text_printf(&out, "\nNot considered for cheapest:\n");
            for (size_t i = 0; i < n; i++) {
                if (candidate[i])
                    continue;
                if (failed[i] > least_failed + 0.001) {
                    text_printf(&out, "  %s: fails %.2f%% of the requests, more than 0.1%% beyond the size "
                                "that fails fewest (%.2f%%)\n", v[i].name, 100 * failed[i], 100 * least_failed);
                } else {
                    text_printf(&out, "  %s: %s\n", v[i].name, verdict[i].saturated
                                ? "saturated (see above)" : "misses the service levels (see above)");
                }
            }
            if (cheapest == n) {
                text_printf(&out, "\ncheapest: none: no size meets the service levels without saturating\n");
            } else {
                double budget = max_cost_per_million > 0 ? max_cost_per_million : best_cost * 1.10;
                size_t fastest = cheapest;
                for (size_t i = 0; i < n; i++)
                    if (candidate[i] && cpm[i] <= budget && p99[i] < p99[fastest])
                        fastest = i;
                char c1[64], c2[64], q[64];
                num_grouped(c1, sizeof c1, best_cost, 4);
                num_grouped(c2, sizeof c2, budget, 4);
                num_grouped(q, sizeof q, p99[fastest], 1);
                text_printf(&out, "\ncheapest: %s ($%s per million invocations)%s\n", v[cheapest].name, c1,
                            verdict[cheapest].saturated ? ", but SATURATED (see above)" : "");
                text_printf(&out, "fastest within $%s per million%s: %s (p99 %s ms)%s\n", c2,
                            max_cost_per_million > 0 ? "" : " (10% above the cheapest)", v[fastest].name,
                            q, verdict[fastest].saturated ? ", but SATURATED (see above)" : "");
            }
            text_printf(&out, "\nResults in %s/ (tune.csv)\n", dir);
            rc = write_file(&od, "tune.csv", &csv, err, err_size);
        }
        free(candidate);
        free(cpm);
        free(p99);
        free(failed);
        free(rs);
        free(names);
        free(verdict);
    }
    if (rc == 0)
        rc = study_finish(o, &od, l[0].spec->name, "tune", &out, extra, err, err_size);
    cJSON_Delete(extra);
    outdir_abort(&od);
    free(csv.s);
    free(out.s);
    free_all(l, n);
    free(l);
    free(v);
    free(set);
    free(setp);
    return rc;
}

/* ---- sweep ------------------------------------------------------------------------------- */

/* The sweep's headline figures, as compare computes them (per replication, then mean and CI). */
static size_t sweep_figures(figure *f, size_t max)
{
    static const struct { const char *name, *column; figure_kind kind; } h[] = {
        { "cost.monthly_total", "monthly_cost_usd", FIG_VALUE },
        { "latency_ms.p50", "latency_p50_ms", FIG_VALUE },
        { "latency_ms.p95", "latency_p95_ms", FIG_VALUE },
        { "latency_ms.p99", "latency_p99_ms", FIG_VALUE },
        { "latency_ms.mean", "latency_mean_ms", FIG_VALUE },
        { "cold_start_ratio", "cold_start_ratio", FIG_COLD_RATIO },
        { "requests.throttled", "throttled_share", FIG_SHARE_OF_ARRIVED },
        { "requests.failed", "failed_share", FIG_SHARE_OF_ARRIVED },
        { "requests.timed_out", "timed_out_share", FIG_SHARE_OF_ARRIVED },
        { "requests.completed", "completed_share", FIG_SHARE_OF_ARRIVED },
        { "requests.arrived", "arrived", FIG_VALUE },
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof h / sizeof h[0] && k < max; i++, k++) {
        snprintf(f[k].name, sizeof f[k].name, "%s", h[i].name);
        f[k].kind = h[i].kind;
        f[k].label = h[i].column;
    }
    return k;
}

/* Runs the sweep's points: all of them here, or, under MPI, rank k runs points k, k + size,
 * ... (each with its threads) and sends their replications' rows to rank 0, which merges
 * them as if it had run them all: the same sweep.csv for any number of ranks. *rank
 * receives this process's rank. Returns 0 or 1. */
static int extend_points(const world_spec **specs, const size_t *which, size_t n, const study_options *o,
                         const run_result *prev, run_result *res, char *err, size_t err_size)
{
    for (size_t k = 0; k < n; k++) {
        size_t j = which ? which[k] : k;
        /* A partitioned replay runs again whole, on this rank (as run_batch ran it first). */
        if ((specs[k]->partition_blocks > 1 ? run_batch(&specs[k], 1, o->threads, NULL, &res[k], err, err_size)
                                             : run_scenario_extend(specs[k], &prev[j], o->threads, NULL, &res[k],
                                                                   err, err_size)) != 0)
            return -1;
    }
    return 0;
}

/* prev: NULL, or the points' results with fewer replications (this rank's own points' whole),
 * which the run extends (--precision). */
static int run_points(const world_spec **specs, size_t n, const study_options *o, const run_result *prev,
                      run_result *res, int *rank, char *err, size_t err_size)
{
    int size = 1;
    *rank = 0;
#ifdef SLSIM_MPI
    int inited = 0;
    MPI_Initialized(&inited);
    if (inited) {
        MPI_Comm_rank(MPI_COMM_WORLD, rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
#endif
    if (size == 1)
        return (prev ? extend_points(specs, NULL, n, o, prev, res, err, err_size)
                     : run_batch(specs, n, o->threads, o->progress ? stderr : NULL, res, err, err_size)) != 0;
#ifdef SLSIM_MPI
    size_t mine = 0;
    const world_spec **my_specs = calloc(n ? n : 1, sizeof *my_specs);
    run_result *my_res = calloc(n ? n : 1, sizeof *my_res);
    size_t *my_points = calloc(n ? n : 1, sizeof *my_points);
    if (!my_specs || !my_res || !my_points) {
        fprintf(stderr, "slsim: rank %d: out of memory\n", *rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (size_t j = (size_t)*rank; j < n; j += (size_t)size) {
        my_points[mine] = j;
        my_specs[mine++] = specs[j];
    }
    if ((prev ? extend_points(my_specs, my_points, mine, o, prev, my_res, err, err_size)
              : run_batch(my_specs, mine, o->threads, *rank == 0 && o->progress ? stderr : NULL, my_res, err,
                          err_size)) != 0) {
        fprintf(stderr, "slsim: rank %d: %s\n", *rank, err);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (size_t j = 0, k = 0; j < n; j++) {
        int owner = (int)(j % (size_t)size);
        if (*rank == 0 && owner == 0) {
            res[j] = my_res[k++];
        } else if (*rank == 0) {
            MPI_Status st;
            int count;
            MPI_Probe(owner, (int)j, MPI_COMM_WORLD, &st);
            MPI_Get_count(&st, MPI_DOUBLE, &count);
            double *rows = malloc((size_t)(count ? count : 1) * sizeof *rows);
            if (!rows) {
                fprintf(stderr, "slsim: rank 0: out of memory\n");
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
            MPI_Recv(rows, count, MPI_DOUBLE, owner, (int)j, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (run_result_adopt(specs[j], rows, &res[j], err, err_size) != 0 ||
                (size_t)count != (size_t)specs[j]->replications * res[j].n_values) {
                fprintf(stderr, "slsim: rank 0: point %zu came back with %d figures\n", j, count);
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
        } else if (owner == *rank) {
            run_result *r = &my_res[k++];
            MPI_Send(r->rows, (int)(specs[j]->replications * r->n_values), MPI_DOUBLE, 0, (int)j,
                     MPI_COMM_WORLD);
            res[j] = *r;
        }
    }
    free(my_specs);
    free(my_res);
    free(my_points);
#endif
    return 0;
}

int study_sweep(const char *file, const study_vary *vary, size_t n_vary, const study_options *o,
                char *err, size_t err_size)
{
    outdir od = { .open = 0 };
    char dir[4096];
    size_t n = 1;
    for (size_t k = 0; k < n_vary; k++) {
        n *= vary[k].n;
        if (n > 100000) {
            snprintf(err, err_size, "slsim: sweep: the grid has more than 100000 points");
            return 2;
        }
    }
    study_variant *v = calloc(n, sizeof *v);
    const char **sets = calloc(n * (n_vary ? n_vary : 1), sizeof *sets);
    char (*why)[512] = calloc(n, sizeof *why);
    loaded *l = calloc(n, sizeof *l);
    const world_spec **specs = calloc(n, sizeof *specs);
    run_result *res = calloc(n, sizeof *res);
    char **owned = calloc(n * (n_vary ? n_vary : 1), sizeof *owned);
    size_t *pick = calloc(n_vary ? n_vary : 1, sizeof *pick);
    int rc = v && sets && why && l && specs && res && owned && pick ? 0 : 1;
    if (rc)
        snprintf(err, err_size, "slsim: out of memory");
    /* Points in grid order: the last key varies fastest. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t rest = i;
        for (size_t k = n_vary; k-- > 0;) {
            pick[k] = rest % vary[k].n;
            rest /= vary[k].n;
        }
        snprintf(v[i].name, sizeof v[i].name, "point%zu", i);
        v[i].file = file;
        v[i].sets = sets + i * n_vary;
        v[i].n_sets = n_vary;
        for (size_t k = 0; k < n_vary; k++) {
            size_t len = strlen(vary[k].path) + strlen(vary[k].values[pick[k]]) + 2;
            char *a = owned[i * n_vary + k] = malloc(len);
            if (!a) {
                snprintf(err, err_size, "slsim: out of memory");
                rc = 1;
                break;
            }
            snprintf(a, len, "%s=%s", vary[k].path, vary[k].values[pick[k]]);
            sets[i * n_vary + k] = a;
        }
    }
    /* Load every point with one seed and one number of replications: the first valid
     * point's, unless the command line sets them. An invalid point is reported and
     * skipped. */
    int64_t seed = o->common.seed, reps = o->common.replications;
    size_t n_ok = 0;
    for (size_t pass = 0; pass < 2 && rc == 0; pass++) {
        for (size_t i = 0; i < n; i++) {
            if (pass == 1 && (!l[i].spec || ((int64_t)l[i].spec->seed == seed &&
                                             (int64_t)l[i].spec->replications == reps)))
                continue;
            world_spec_free(l[i].spec);
            l[i].spec = load_variant(&v[i], o, seed, reps, 1.0, why[i], sizeof why[i]);
            if (!l[i].spec) {
                if (pass == 0 && mpi_rank() == 0)
                    fprintf(stderr, "slsim: sweep: point %zu skipped: %s\n", i, why[i]);
                continue;
            }
            if (seed < 0)
                seed = (int64_t)l[i].spec->seed;
            if (reps < 1)
                reps = l[i].spec->replications;
        }
        if (pass == 0 && o->n_precision && reps >= 1)
            reps = precision_start((unsigned)reps, o->max_replications);
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (l[i].spec)
            specs[n_ok++] = l[i].spec;
    if (rc == 0 && n_ok == 0) {
        snprintf(err, err_size, "%s: sweep: no point of the grid is a valid scenario (point 0: %s)",
                 file, why[0]);
        rc = 2;
    }
    /* Rank 0 writes the files: its folder is checked before any point runs. */
    if (rc == 0 && mpi_rank() == 0) {
        rc = out_dir(o, specs[0], "sweep", &od, dir, sizeof dir, err, err_size);
#ifdef SLSIM_MPI
        int ranks = 1, inited = 0;
        MPI_Initialized(&inited);
        if (inited)
            MPI_Comm_size(MPI_COMM_WORLD, &ranks);
        if (rc != 0 && ranks > 1) {
            fprintf(stderr, "%s\n", err);
            MPI_Abort(MPI_COMM_WORLD, rc);
        }
#endif
    }
    int rank = 0;
    if (rc == 0)
        rc = run_points(specs, n_ok, o, NULL, res, &rank, err, err_size);
    /* --precision: rank 0 judges every point, and every rank adds the replications it is told
     * to its own points (each point's earlier ones kept), until all are precise enough. */
    for (unsigned next = 1; rc == 0 && o->n_precision && next;) {
        next = 0;
        if (rank == 0) {
            for (size_t i = 0, j = 0; i < n && j < n_ok; i++)
                if (l[i].spec) {
                    l[i].res = res[j++];
                    l[i].ran = 1;
                }
            unsigned need = precision_need(l, n, o);
            if (need == UINT_MAX) {
                snprintf(err, err_size, "slsim: out of memory");
                rc = 1;
            } else if (need && (unsigned)reps < o->max_replications) {
                next = precision_next((unsigned)reps, need, o->max_replications);
            }
            for (size_t i = 0; i < n; i++)
                l[i].ran = 0;       /* res owns the results until the end */
        }
#ifdef SLSIM_MPI
        int inited = 0;
        MPI_Initialized(&inited);
        if (inited)
            MPI_Bcast(&next, 1, MPI_UNSIGNED, 0, MPI_COMM_WORLD);
#endif
        if (!next || rc != 0)
            break;
        run_result *grown = calloc(n_ok, sizeof *grown);
        if (!grown) {
            snprintf(err, err_size, "slsim: out of memory");
            rc = 1;
            break;
        }
        /* The points' earlier specs stay until their results are extended (they count the
         * replications a result holds). */
        world_spec **old = calloc(n, sizeof *old);
        for (size_t i = 0, j = 0; old && i < n && rc == 0; i++) {
            if (!l[i].spec)
                continue;
            world_spec *more = load_variant(&v[i], o, seed, next, 1.0, err, err_size);
            if (!more) {
                rc = 2;
                break;
            }
            old[i] = l[i].spec;
            l[i].spec = more;
            specs[j++] = more;
        }
        if (!old) {
            snprintf(err, err_size, "slsim: out of memory");
            rc = 1;
        }
        if (rc == 0)
            rc = run_points(specs, n_ok, o, res, grown, &rank, err, err_size);
        for (size_t j = 0; j < n_ok; j++)
            run_result_free(&res[j]);
        for (size_t i = 0; old && i < n; i++)
            world_spec_free(old[i]);
        free(old);
        free(res);
        res = grown;
        reps = next;
    }
    for (size_t i = 0, j = 0; i < n && j < n_ok; i++)
        if (l[i].spec) {
            l[i].res = res[j++];
            l[i].ran = 1;
        }
    if (rank != 0)
        goto done;      /* another rank's points went to rank 0, which writes the files */
    figure f[32];
    size_t nf = sweep_figures(f, 32);
    text csv = { 0 }, out = { 0 };
    table tb = { 0 };
    slo_verdict *verdict = rc == 0 ? calloc(n, sizeof *verdict) : NULL;
    double *cost = rc == 0 ? calloc(n, sizeof *cost) : NULL;
    if (rc == 0 && (!verdict || !cost)) {
        snprintf(err, err_size, "slsim: out of memory");
        rc = 1;
    }
    cJSON *json = rc == 0 ? cJSON_CreateObject() : NULL;
    if (rc == 0) {
        text_printf(&csv, "point");
        for (size_t k = 0; k < n_vary; k++) {
            text_printf(&csv, ",");
            csv_field(&csv, vary[k].path);
        }
        text_printf(&csv, ",status");
        for (size_t j = 0; j < nf; j++)
            text_printf(&csv, ",%s,%s_ci95", f[j].label, f[j].label);
        /* Each point's paired difference from the first valid point (common random numbers). */
        for (size_t j = 0; j < nf; j++)
            text_printf(&csv, ",%s_diff_vs_first,%s_diff_ci95", f[j].label, f[j].label);
        text_printf(&csv, "," VERDICT_CSV_HEADER ",message\n");
        char slo[1024] = "";
        slo_summary(o->slo, o->n_slo, slo, sizeof slo);
        text_printf(&out, "slsim sweep: %zu points (%zu valid), seed %lld, %lld replications each, "
                    "common random numbers (± is the 95%% half-width)%s%s\n\n", n, n_ok,
                    (long long)seed, (long long)reps, o->n_slo ? "; service levels: " : "", slo);
        if (o->warmup_note[0])
            text_printf(&out, "%s\n\n", o->warmup_note);
        /* The table: the swept values (whole), then four figures, then the marks. */
        table_init(&tb, 1 + n, n_vary + 5);
        for (size_t k = 0; k < n_vary; k++)
            table_set(&tb, 0, k, "%s", vary[k].path);
        static const char *const heads[] = { "monthly cost", "p99 (ms)", "cold-start ratio", "throttled share" };
        for (size_t c = 0; c < 4; c++) {
            table_set(&tb, 0, n_vary + c, "%s", heads[c]);
            table_align_right(&tb, n_vary + c);
        }
        cJSON_AddStringToObject(json, "scenario", specs[0]->name);
        char shown[4 * 4096 + 1];   /* JSON strings are UTF-8: the path's other bytes as \xNN */
        cfg_escape(shown, sizeof shown, file, NULL);
        cJSON_AddStringToObject(json, "file", shown);
        cJSON_AddNumberToObject(json, "seed", (double)seed);
        cJSON_AddNumberToObject(json, "replications", (double)reps);
        cJSON_AddItemToObject(json, "slo", slo_texts(o));
        cJSON *jv = cJSON_AddArrayToObject(json, "vary");
        for (size_t k = 0; k < n_vary; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "path", vary[k].path);
            cJSON *vals = cJSON_AddArrayToObject(e, "values");
            for (size_t q = 0; q < vary[k].n; q++)
                cJSON_AddItemToArray(vals, cJSON_CreateString(vary[k].values[q]));
            cJSON_AddItemToArray(jv, e);
        }
        cJSON *pts = cJSON_AddArrayToObject(json, "points");
        size_t first = 0;       /* the first valid point: the others' differences are from it */
        while (first < n && !l[first].ran)
            first++;
        bool any_tell = false;
        text few_list = { 0 };
        size_t n_few = 0;
        for (size_t i = 0; i < n; i++) {
            cJSON *pt = cJSON_CreateObject();
            cJSON *pv = cJSON_AddObjectToObject(pt, "values");
            text_printf(&csv, "%zu", i);
            for (size_t k = 0; k < n_vary; k++) {
                const char *val = strchr(sets[i * n_vary + k], '=') + 1;
                text_printf(&csv, ",");
                csv_field(&csv, val);
                cJSON_AddStringToObject(pv, vary[k].path, val);
                table_set(&tb, 1 + i, k, "%s", val);
            }
            cJSON_AddStringToObject(pt, "status", l[i].ran ? "ok" : "invalid");
            text_printf(&csv, ",%s", l[i].ran ? "ok" : "invalid");
            cJSON *fig = cJSON_AddObjectToObject(pt, "figures");
            double shown[4][2] = { { NAN, NAN }, { NAN, NAN }, { NAN, NAN }, { NAN, NAN } };
            bool tells[4] = { false, false, false, false }, fews[4] = { false, false, false, false };
            text diffs = { 0 };
            const run_result *base = first < n && i != first ? &l[first].res : NULL;
            for (size_t j = 0; j < nf; j++) {
                double m = NAN, ci = NAN, d = NAN, dci = NAN;
                if (l[i].ran)
                    figure_stats(&f[j], &l[i].res, base, &m, &ci, &d, &dci);
                if (l[i].ran)
                    text_printf(&csv, ",%.15g,%.15g", m, ci);
                else
                    text_printf(&csv, ",,");
                if (base && isfinite(d))
                    text_printf(&diffs, ",%.15g,%.15g", d, dci);
                else
                    text_printf(&diffs, ",,");
                cJSON *fe = cJSON_CreateObject();
                cJSON_AddItemToObject(fe, "mean", isfinite(m) ? cJSON_CreateNumber(m) : cJSON_CreateNull());
                cJSON_AddItemToObject(fe, "ci95", isfinite(ci) ? cJSON_CreateNumber(ci) : cJSON_CreateNull());
                /* The paired difference from the first point: distinguishable when its 95%
                 * interval excludes 0; if not, the replications that would tell one its size. */
                bool paired = base && isfinite(d) && isfinite(dci);
                bool tell = paired && fabs(d) > dci;
                if (paired) {
                    cJSON_AddNumberToObject(fe, "diff_vs_first", d);
                    cJSON_AddNumberToObject(fe, "diff_ci95", dci);
                    cJSON_AddBoolToObject(fe, "distinguishable", tell);
                    if (!tell && d != 0)
                        cJSON_AddNumberToObject(fe, "replications_to_tell",
                                                ceil((double)reps * (dci / fabs(d)) * (dci / fabs(d))));
                }
                cJSON_AddItemToObject(fig, f[j].label, fe);
                int slot = !strcmp(f[j].label, "monthly_cost_usd") ? 0 : !strcmp(f[j].label, "latency_p99_ms") ? 1
                         : !strcmp(f[j].label, "cold_start_ratio") ? 2 : !strcmp(f[j].label, "throttled_share") ? 3 : -1;
                if (slot >= 0) {
                    shown[slot][0] = m;
                    shown[slot][1] = ci;
                    tells[slot] = tell;
                    char why[256];
                    fews[slot] = l[i].ran && few_events(&f[j], &l[i].res, why, sizeof why);
                    if (fews[slot] && n_few++ < 8)
                        text_printf(&few_list, "  point %zu, %s: %s\n", i, f[j].label, why);
                }
            }
            text_printf(&csv, "%s", diffs.s ? diffs.s : "");
            free(diffs.s);
            if (l[i].ran) {
                slo_judge(o->slo, o->n_slo, &l[i].res, &verdict[i]);
                verdict_csv(&csv, &verdict[i], o->slo);
                cJSON *vj = slo_verdict_json(o->slo, &verdict[i]);
                for (cJSON *e = vj ? vj->child : NULL, *next; e; e = next) {
                    next = e->next;
                    cJSON_AddItemToObject(pt, e->string, cJSON_DetachItemViaPointer(vj, e));
                }
                cJSON_Delete(vj);
                if (l[i].prec)
                    cJSON_AddItemToObject(pt, "precision", report_precision_json(l[i].prec, (unsigned)reps));
                cost[i] = shown[0][0];
            } else {
                text_printf(&csv, ",,,,,");
            }
            text_printf(&csv, ",");
            if (!l[i].ran) {
                csv_field(&csv, why[i]);
                cJSON_AddStringToObject(pt, "message", why[i]);
                table_set(&tb, 1 + i, n_vary, "invalid: %s", why[i]);
            } else {
                static const num_style style[4] = { NUM_MONEY, NUM_MS, NUM_RATIO, NUM_RATIO };
                char marks[8];
                for (size_t c = 0; c < 4; c++) {
                    char cell[160];
                    num_cell(cell, sizeof cell, shown[c][0], shown[c][1], NAN, NAN, style[c]);
                    table_set(&tb, 1 + i, n_vary + c, "%s%s%s", cell, tells[c] ? " ≠" : "", fews[c] ? " †" : "");
                    any_tell |= tells[c];
                }
                verdict_marks(&verdict[i], marks, sizeof marks);
                table_set(&tb, 1 + i, n_vary + 4, "%s", marks);
            }
            text_printf(&csv, "\n");
            cJSON_AddItemToArray(pts, pt);
        }
        table_print(&tb, &out, 0);
        table_free(&tb);
        if (any_tell)
            text_printf(&out, "\n≠ differs from point %zu distinguishably (the paired 95%% interval of the difference "
                        "excludes 0; sweep.csv has every figure's difference)\n", first);
        few_lines(&out, &few_list, n_few);
        free(few_list.s);
        /* Why the marked points are marked, and the cheapest point a study may name. */
        bool marked = false;
        for (size_t i = 0; i < n; i++)
            marked |= l[i].ran && (verdict[i].saturated || (verdict[i].n && (!verdict[i].meets || verdict[i].uncertain)));
        if (marked) {
            text_printf(&out, "\n* saturated (%s), x misses the service levels, ? uncertain (the 95%% interval "
                        "reaches across a bound):\n", o->n_slo ? "never named cheapest under --slo"
                                                               : "its figures hold only for this load");
            for (size_t i = 0; i < n; i++) {
                const slo_verdict *vd = &verdict[i];
                if (!l[i].ran || !(vd->saturated || (vd->n && (!vd->meets || vd->uncertain))))
                    continue;
                char desc[4096] = "", sat[2048];
                if (vd->n)
                    slo_describe(o->slo, vd, desc, sizeof desc);
                slo_reasons(vd, sat, sizeof sat);
                text_printf(&out, "  point %zu: %s%s%s%s%s\n", i, vd->n ? "service levels " : "", desc,
                            vd->n && vd->saturated ? "; " : "", vd->saturated ? "saturated: " : "", vd->saturated ? sat : "");
            }
        }
        if (o->n_precision) {
            const run_precision **pp = calloc(n, sizeof *pp);
            char (*labels)[32] = calloc(n, sizeof *labels);
            const char **lp = calloc(n, sizeof *lp);
            for (size_t i = 0; pp && labels && lp && i < n; i++) {
                pp[i] = l[i].ran ? l[i].prec : NULL;
                snprintf(labels[i], sizeof labels[i], "point %zu", i);
                lp[i] = labels[i];
            }
            if (pp && labels && lp) {
                precision_lines(&out, o, pp, lp, n, (unsigned)reps, (unsigned)reps);
                precision_json(json, o, pp, n, (unsigned)reps, (unsigned)reps);
            }
            free(pp);
            free(labels);
            free(lp);
        }
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (l[i].ran && slo_eligible(&verdict[i]) && isfinite(cost[i]) && (best == n || cost[i] < cost[best]))
                best = i;
        if (best == n) {
            text_printf(&out, "\ncheapest: none: no point meets the service levels without saturating\n");
        } else {
            text_printf(&out, "\ncheapest%s: point %zu (", o->n_slo ? " that meets the service levels" : "", best);
            for (size_t k = 0; k < n_vary; k++)
                text_printf(&out, "%s%s", k ? ", " : "", sets[best * n_vary + k]);
            text_printf(&out, "), $%.2f a month%s\n", cost[best], verdict[best].saturated ? ", but SATURATED" : "");
        }
        text_printf(&out, "\nResults in %s/ (sweep.csv, sweep.json)\n", dir);
        char *js = cJSON_Print(json);
        text jt = { 0 };
        if (js)
            text_printf(&jt, "%s\n", js);
        else
            jt.oom = 1;
        free(js);
        rc = write_file(&od, "sweep.csv", &csv, err, err_size);
        if (rc == 0)
            rc = write_file(&od, "sweep.json", &jt, err, err_size);
        /* For the plot: the last key on the x axis, one block per value of the others. */
        text dat = { 0 };
        size_t run = vary[n_vary - 1].n;
        for (size_t i = 0; i < n; i++) {
            if (i % run == 0) {
                text_printf(&dat, "%s%s,", i ? "\n\n" : "", vary[n_vary - 1].path);
                for (size_t k = 0; k + 1 < n_vary; k++) {
                    /* the key's last name and its value (memory_mb=512), or an object's keys
                     * and values without JSON's punctuation (policy=fixed idle_s=600): a
                     * legend entry that fits */
                    const char *val = strchr(sets[i * n_vary + k], '=') + 1, *path = vary[k].path;
                    const char *dot = strrchr(path, '.');
                    for (size_t j = 0; dot && j + 1 < n_vary; j++) {
                        const char *other = strrchr(vary[j].path, '.');
                        if (j != k && other && !strcmp(other, dot))
                            dot = NULL;         /* two keys of one name: the whole paths */
                    }
                    text_printf(&dat, "%s", k ? "; " : "");
                    if (*val != '{')
                        text_printf(&dat, "%s=", dot ? dot + 1 : path);
                    for (const char *c = val; *c; c++)
                        if (*c != '"' && *c != '{' && *c != '}')
                            text_printf(&dat, "%c", *c == ':' ? '=' : *c == ',' || *c == '\n' || *c == '\r' ? ' ' : *c);
                }
                text_printf(&dat, "%s\n", n_vary == 1 ? specs[0]->name : "");
            }
            const char *x = strchr(sets[i * n_vary + n_vary - 1], '=') + 1;
            char *end;
            double xv = strtod(x, &end);
            if (end == x || *end)
                xv = (double)(i % run);      /* not a number: its position */
            text_printf(&dat, "%.10g", xv);
            static const char *const cols[] = { "monthly_cost_usd", "latency_p99_ms", "cold_start_ratio",
                                                "throttled_share" };
            for (size_t c = 0; c < 4; c++) {
                double m = NAN, ci, d, dci;
                for (size_t j = 0; l[i].ran && j < nf; j++)
                    if (!strcmp(f[j].label, cols[c]))
                        figure_stats(&f[j], &l[i].res, NULL, &m, &ci, &d, &dci);
                text_printf(&dat, isfinite(m) ? ",%.9g" : ",NaN", m);
            }
            text_printf(&dat, "\n");
        }
        if (rc == 0)
            rc = write_file(&od, "sweep.dat", &dat, err, err_size);
        free(dat.s);
        if (rc == 0)
            rc = study_finish(o, &od, specs[0]->name, "sweep", &out, NULL, err, err_size);
        free(jt.s);
    }
    cJSON_Delete(json);
    free(csv.s);
    free(out.s);
    free(verdict);
    free(cost);
done:
    outdir_abort(&od);
    if (l)
        free_all(l, n);
    for (size_t i = 0; owned && i < n * n_vary; i++)
        free(owned[i]);
    free(owned);
    free(v);
    free(sets);
    free(why);
    free(l);
    free(specs);
    free(res);
    free(pick);
    return rc;
}
