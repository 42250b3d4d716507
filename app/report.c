/* report.c — replications, their merge, and the report writers.
 *
 * Each replication writes only its own row, histogram and time-line slots, so the merge
 * (in replication order) is byte-identical for any thread count. No cJSON call happens
 * inside the parallel region. */
#include "app/report.h"
#include "app/outdir.h"
#include "models/function.h"
#include "models/workflow.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "models/traffic.h"
#include "sim/progress.h"
#include "sim/replicate.h"

/* ---- collecting figures ------------------------------------------------------------------- */

/* Mean, percentiles and max of a latency histogram; null when it is empty. */
static void emit_latency(metric_sink *m, const hist *h)
{
    static const struct { const char *name; double q; } qs[] = {
        { "p50", 0.5 }, { "p90", 0.9 }, { "p95", 0.95 }, { "p99", 0.99 }, { "p999", 0.999 },
    };
    bool any = h && h->count > 0;
    metric_emit(m, "mean", any ? hist_mean(h) : NAN);
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
        metric_emit(m, qs[i].name, any ? hist_quantile(h, qs[i].q) : NAN);
    metric_emit(m, "max", any ? h->max : NAN);
}

/* The 50th, 75th and 90th percentiles of n values (sorted here), as
 * <what>_p50, _p75, _p90; NAN when there are none. */
static void emit_spread(metric_sink *m, const char *what, double *v, size_t n)
{
    static const struct { const char *suffix; double q; } qs[] = { { "p50", 0.5 }, { "p75", 0.75 }, { "p90", 0.9 } };
    if (n)
        gsl_sort(v, 1, n);
    char key[96];
    for (size_t i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "%s_%s", what, qs[i].suffix);
        metric_emit(m, key, n ? gsl_stats_quantile_from_sorted_data(v, 1, n, qs[i].q) : NAN);
    }
}

static int by_app(const void *a, const void *b)
{
    const function_figures *x = a, *y = b;
    return strcmp(x->app, y->app);
}

/* Platform-wide figures over the functions (a replayed trace has hundreds): how cold starts
 * spread across functions and apps (the cold-start share of the 75th-percentile function is
 * the headline of "Serverless in the Wild") and the memory kept loaded but idle. Only
 * functions and apps invoked in the window count in the spreads. */
static void collect_platform(const world_spec *spec, const world *w, metric_sink *m)
{
    size_t n = 0;
    for (size_t i = 0; i < spec->n_components; i++)
        n += spec->components[i].kind == &function_kind;
    if (!n)
        return;
    function_figures *ff = w ? calloc(n, sizeof *ff) : NULL;
    double *share = w ? calloc(n, sizeof *share) : NULL;
    if (w && (!ff || !share))
        m->oom = 1;
    size_t k = 0, invoked = 0, apps = 0;
    double inv = 0, cold = 0, idle = 0, billed = 0;
    for (size_t i = 0; ff && share && i < spec->n_components; i++) {
        if (spec->components[i].kind != &function_kind)
            continue;
        function_figures *f = &ff[k++];
        function_figures_of(spec->components[i].spec, w->state[i], f);
        inv += f->invocations;
        cold += f->cold_starts;
        idle += f->idle_gb_s;
        billed += f->billed_gb_s;
        if (f->invocations > 0)
            share[invoked++] = f->cold_starts / f->invocations;
    }
    snprintf(m->prefix, sizeof m->prefix, "platform.");
    metric_emit(m, "functions", (double)n);
    metric_emit(m, "functions_invoked", (double)invoked);
    metric_emit(m, "invocations", inv);
    metric_emit(m, "cold_starts", cold);
    metric_emit(m, "cold_start_share", inv > 0 ? cold / inv : NAN);
    emit_spread(m, "function_cold_start_share", share, invoked);
    /* The same per app: sorted by app name, runs of one app summed. */
    if (ff && share) {
        qsort(ff, n, sizeof *ff, by_app);
        for (size_t i = 0; i < n;) {
            double ai = 0, ac = 0;
            size_t j = i;
            for (; j < n && strcmp(ff[j].app, ff[i].app) == 0; j++) {
                ai += ff[j].invocations;
                ac += ff[j].cold_starts;
            }
            if (ai > 0)
                share[apps++] = ac / ai;
            i = j;
        }
    }
    metric_emit(m, "apps_invoked", (double)apps);
    emit_spread(m, "app_cold_start_share", share, apps);
    metric_emit(m, "idle_gb_s", idle);
    metric_emit(m, "billed_gb_s", billed);
    metric_emit(m, "idle_to_billed", billed > 0 ? idle / billed : NAN);
    free(ff);
    free(share);
}

static void collect(const world_spec *spec, const world *w, const bill *b, metric_sink *m)
{
    static const request_counts none;
    const request_counts *c = w ? &w->counts : &none;
    snprintf(m->prefix, sizeof m->prefix, "requests.");
    metric_emit(m, "arrived", (double)c->arrived);
    metric_emit(m, "completed", (double)c->completed);
    metric_emit(m, "failed", (double)c->failed);
    metric_emit(m, "throttled", (double)c->throttled);
    metric_emit(m, "timed_out", (double)c->timed_out);
    metric_emit(m, "dropped", (double)c->dropped);
    metric_emit(m, "dead_lettered", (double)c->dead_lettered);
    metric_emit(m, "expired", (double)c->expired);
    metric_emit(m, "in_flight", (double)c->in_flight);
    metric_emit(m, "attempts", (double)c->attempts);

    /* Undefined (null) in a replication where nothing completed. */
    snprintf(m->prefix, sizeof m->prefix, "latency_ms.");
    emit_latency(m, w ? &w->latency : NULL);
    for (size_t i = 0; i < spec->n_sources; i++) {
        snprintf(m->prefix, sizeof m->prefix, "pipelines.%s.latency_ms.", spec->sources[i].name);
        emit_latency(m, w ? &w->source_latency[i] : NULL);
    }

    for (size_t i = 0; i < spec->n_tenants; i++) {
        const request_counts *t = w ? &w->tenant_counts[i] : &none;
        snprintf(m->prefix, sizeof m->prefix, "tenants.%s.requests.", spec->tenants[i].name);
        metric_emit(m, "arrived", (double)t->arrived);
        metric_emit(m, "completed", (double)t->completed);
        metric_emit(m, "failed", (double)t->failed);
        metric_emit(m, "throttled", (double)t->throttled);
        metric_emit(m, "timed_out", (double)t->timed_out);
        metric_emit(m, "dropped", (double)t->dropped);
        metric_emit(m, "dead_lettered", (double)t->dead_lettered);
        metric_emit(m, "expired", (double)t->expired);
        /* Of the requests that ended (those still in flight at the end are not judged). */
        uint64_t ended = t->completed + t->failed + t->throttled + t->timed_out + t->dropped +
                         t->dead_lettered + t->expired;
        metric_emit(m, "success_ratio", ended ? (double)t->completed / (double)ended : NAN);
        snprintf(m->prefix, sizeof m->prefix, "tenants.%s.", spec->tenants[i].name);
        metric_emit(m, "throttled", w ? (double)w->tenant_throttled[i] : 0);
        if (spec->tenants[i].quota > 0)
            metric_emit(m, "over_quota", w ? (double)w->tenant_over_quota[i] : 0);
        snprintf(m->prefix, sizeof m->prefix, "tenants.%s.latency_ms.", spec->tenants[i].name);
        emit_latency(m, w ? &w->tenant_latency[i] : NULL);
    }

    for (size_t i = 0; i < spec->n_components; i++) {
        const component_spec *cs = &spec->components[i];
        snprintf(m->prefix, sizeof m->prefix, "%s.%s.", cs->kind->plural, cs->name);
        cs->kind->report(cs->spec, w ? w->state[i] : NULL, m);
    }

    snprintf(m->prefix, sizeof m->prefix, "cost.");
    metric_emit(m, "monthly_total", b ? b->total : 0);
    snprintf(m->prefix, sizeof m->prefix, "cost.by_component.");
    for (size_t i = 0; i < spec->n_components; i++)
        metric_emit(m, spec->components[i].name, b ? b->by_component[i] : 0);
    snprintf(m->prefix, sizeof m->prefix, "cost.by_line.");
    for (int k = 0; k < BILL_LINES; k++)
        metric_emit(m, bill_line_names[k], b ? b->line[k] : 0);
    /* What one execution of a workflow costs: its monthly cost over its monthly executions. */
    snprintf(m->prefix, sizeof m->prefix, "cost.per_execution.");
    for (size_t i = 0; i < spec->n_components; i++) {
        if (spec->components[i].kind != &workflow_kind)
            continue;
        double runs = w ? workflow_executions(w->state[i]) * spec->prices.month_hours * 3600.0 /
                          spec->duration_s : 0;
        metric_emit(m, spec->components[i].name, b && runs > 0 ? b->by_component[i] / runs : NAN);
    }
    collect_platform(spec, w, m);
    traffic_report(spec, w, m);
    m->prefix[0] = '\0';
}

/* ---- running ------------------------------------------------------------------------------- */

typedef struct run_ctx {
    const world_spec *spec;
    run_result       *out;
    hist             *hists;     /* one per replication */
    uint64_t         *events;
    char            (*errors)[512];
    progress         *bar;       /* or NULL; replication r is job job0 + r */
    size_t            job0;
} run_ctx;

/* The workflows' traces of one replication, one text (NULL when there are none). */
static char *collect_traces(const world_spec *spec, const world *w)
{
    size_t len = 0;
    for (size_t i = 0; i < spec->n_components; i++)
        if (spec->components[i].kind == &workflow_kind)
            len += strlen(workflow_trace(w->state[i]));
    if (len == 0)
        return NULL;
    char *t = malloc(len + 1);
    if (!t)
        return NULL;
    t[0] = '\0';
    size_t at = 0;
    for (size_t i = 0; i < spec->n_components; i++)
        if (spec->components[i].kind == &workflow_kind) {
            const char *part = workflow_trace(w->state[i]);
            size_t n = strlen(part);
            memcpy(t + at, part, n + 1);
            at += n;
        }
    return t;
}

static int run_one(void *p, uint32_t r, double *row)
{
    run_ctx *ctx = p;
    const world_spec *spec = ctx->spec;
    world w;
    memset(&w, 0, sizeof w);
    w.progress = ctx->bar;
    w.progress_job = ctx->job0 + r;
    int rc = world_run(&w, spec, r, ctx->errors[r], sizeof ctx->errors[r]);
    if (rc == 0) {
        usage u = { spec->n_components, calloc(spec->n_components, sizeof(lambda_usage)),
                    calloc(spec->n_components, sizeof(sqs_usage)),
                    calloc(spec->n_components, sizeof(sns_usage)),
                    calloc(spec->n_components, sizeof(double)),
                    calloc(spec->n_components, sizeof(double)),
                    calloc(spec->n_components, sizeof(kinesis_usage)),
                    calloc(spec->n_components, sizeof(s3_usage)),
                    calloc(spec->n_components, sizeof(service_usage)),
                    calloc(spec->n_components, sizeof(workflow_usage)),
                    calloc(spec->n_components, sizeof(fleet_usage)) };
        bill b = { .n = spec->n_components, .by_component = calloc(spec->n_components, sizeof(double)) };
        if (!u.lambda || !u.sqs || !u.sns || !u.scheduler || !u.events || !u.kinesis || !u.s3 ||
            !u.services || !u.workflows || !u.fleets || !b.by_component) {
            snprintf(ctx->errors[r], sizeof ctx->errors[r], "%s: out of memory", spec->file);
            rc = -1;
        } else {
            for (size_t i = 0; i < spec->n_components; i++) {
                spec->components[i].kind->meter(spec->components[i].spec, w.state[i], &w, i, &u);
                u.lambda[i].apigw_rest = w.gateway_rest[i];
                u.lambda[i].apigw_http = w.gateway_http[i];
                u.lambda[i].transfer_out_gb = w.transfer_gb[i];
            }
            /* A source's gateway cache runs (and bills) the whole window, to its target. */
            for (size_t k = 0; k < spec->n_sources; k++) {
                const source_spec *s = &spec->sources[k];
                if (s->cache && s->target >= 0)
                    u.lambda[s->target].apigw_cache_usd += s->cache_hour_price * spec->duration_s / 3600.0;
            }
            billing_compute(&spec->prices, &u, spec->free_tier, spec->duration_s, &b);
            metric_sink m = { .values = row };
            collect(spec, &w, &b, &m);
            ctx->hists[r] = w.latency;
            if (r == 0)
                ctx->out->trace = collect_traces(spec, &w);
            ctx->events[r] = sim_events_run(w.s);
            size_t bins = ctx->out->bins;
            double *ts = ctx->out->ts + (size_t)r * TS_COLUMNS * bins;
            for (int k = 0; k < TS_COLUMNS; k++)
                memcpy(ts + (size_t)k * bins, w.ts[k].bin, bins * sizeof(double));
        }
        free(u.lambda);
        free(u.sqs);
        free(u.sns);
        free(u.scheduler);
        free(u.events);
        free(u.kinesis);
        free(u.s3);
        free(u.services);
        free(u.workflows);
        free(u.fleets);
        free(b.by_component);
    }
    world_free(&w);
    return rc;
}

static int by_name_cmp(const void *a, const void *b)
{
    return strcmp(((const struct run_name *)a)->name, ((const struct run_name *)b)->name);
}

int run_scenario(const world_spec *spec, int threads, run_result *out, char *err, size_t err_size)
{
    return run_scenario_progress(spec, threads, NULL, out, err, err_size);
}

/* Sizes out for spec's replications and names its figures; ctx holds the per-replication
 * scratch. Returns 0 or -1 (out of memory, message in err). */
static int run_prepare(const world_spec *spec, run_result *out, run_ctx *ctx, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    out->spec = spec;
    metric_sink names = { 0 };
    collect(spec, NULL, NULL, &names);
    out->names = names.names;
    out->n_values = names.n;
    uint32_t reps = spec->replications;
    out->bins = spec->bins;
    out->rows = calloc((size_t)reps * out->n_values, sizeof *out->rows);
    out->mean = calloc(out->n_values, sizeof *out->mean);
    out->ci95 = calloc(out->n_values, sizeof *out->ci95);
    out->ts = calloc((size_t)reps * TS_COLUMNS * (out->bins ? out->bins : 1), sizeof *out->ts);
    *ctx = (run_ctx){ .spec = spec, .out = out, .hists = malloc(reps * sizeof(hist)),
                      .events = calloc(reps, sizeof(uint64_t)), .errors = calloc(reps, sizeof *ctx->errors) };
    if (names.oom || !out->rows || !out->mean || !out->ci95 || !out->ts || !ctx->hists ||
        !ctx->events || !ctx->errors) {
        snprintf(err, err_size, "%s: out of memory", spec->file);
        return -1;
    }
    return 0;
}

/* Merges the replications' rows (rc: the replications' result) and frees ctx. */
static int run_finish(run_result *out, run_ctx *ctx, int rc, char *err, size_t err_size)
{
    const world_spec *spec = out->spec;
    uint32_t reps = spec->replications;
    if (rc != 0) {
        for (uint32_t r = 0; r < reps && ctx->errors; r++)
            if (ctx->errors[r][0]) {
                snprintf(err, err_size, "%s", ctx->errors[r]);
                break;
            }
        goto done;
    }
    hist_init(&out->latency);
    for (uint32_t r = 0; r < reps; r++) {
        hist_merge(&out->latency, &ctx->hists[r]);
        out->events += ctx->events[r];
    }
    for (size_t i = 0; i < out->n_values; i++)
        replicate_mean_ci(out->rows, reps, out->n_values, i, &out->mean[i], &out->ci95[i]);
    out->by_name = malloc((out->n_values ? out->n_values : 1) * sizeof *out->by_name);
    if (!out->by_name) {
        snprintf(err, err_size, "%s: out of memory", spec->file);
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < out->n_values; i++)
        out->by_name[i] = (struct run_name){ out->names[i], i };
    qsort(out->by_name, out->n_values, sizeof *out->by_name, by_name_cmp);
done:
    free(ctx->hists);
    free(ctx->events);
    free(ctx->errors);
    memset(ctx, 0, sizeof *ctx);
    return rc;
}

int run_scenario_progress(const world_spec *spec, int threads, FILE *bar_out, run_result *out,
                          char *err, size_t err_size)
{
    run_ctx ctx;
    int rc = run_prepare(spec, out, &ctx, err, err_size);
    ctx.bar = progress_start(bar_out, spec->replications, "replications",
                             spec->replications * (spec->warmup_s + spec->duration_s));
    if (rc == 0)
        rc = replicate_run(run_one, &ctx, spec->replications, threads, out->n_values, out->rows);
    progress_finish(ctx.bar);
    return run_finish(out, &ctx, rc, err, err_size);
}

int run_result_adopt(const world_spec *spec, double *rows, run_result *out, char *err, size_t err_size)
{
    run_ctx ctx;
    double *mine = NULL;
    int rc = run_prepare(spec, out, &ctx, err, err_size);
    if (rc == 0) {
        mine = out->rows;
        out->rows = rows;                       /* the replications' rows, computed elsewhere */
        for (uint32_t r = 0; r < spec->replications; r++)
            hist_init(&ctx.hists[r]);
    } else {
        free(rows);
    }
    free(mine);
    return run_finish(out, &ctx, rc, err, err_size);
}

/* Several scenarios' replications as one pool of jobs (scenario i, replication r). */
typedef struct batch {
    run_ctx  *ctx;
    uint32_t *first;     /* job index of each scenario's replication 0; n + 1 entries */
    size_t    n;
} batch;

static int batch_job(void *p, size_t job)
{
    batch *b = p;
    size_t i = 0;
    while (b->first[i + 1] <= job)
        i++;
    uint32_t r = (uint32_t)(job - b->first[i]);
    run_result *out = b->ctx[i].out;
    return run_one(&b->ctx[i], r, out->rows + (size_t)r * out->n_values);
}

int run_batch(const world_spec *const *specs, size_t n, int threads, FILE *bar_out, run_result *outs,
              char *err, size_t err_size)
{
    batch b = { calloc(n ? n : 1, sizeof *b.ctx), calloc(n + 1, sizeof *b.first), n };
    int rc = b.ctx && b.first ? 0 : -1;
    if (rc)
        snprintf(err, err_size, "slsim: out of memory");
    size_t prepared = 0;
    for (size_t i = 0; i < n && rc == 0; i++, prepared++) {
        rc = run_prepare(specs[i], &outs[i], &b.ctx[i], err, err_size);
        b.first[i + 1] = b.first[i] + specs[i]->replications;
        b.ctx[i].job0 = b.first[i];
    }
    double sim_s = 0;
    for (size_t i = 0; i < prepared; i++)
        sim_s += specs[i]->replications * (specs[i]->warmup_s + specs[i]->duration_s);
    progress *bar = rc == 0 ? progress_start(bar_out, b.first[n], "runs", sim_s) : NULL;
    for (size_t i = 0; i < prepared; i++)
        b.ctx[i].bar = bar;
    int *codes = rc == 0 ? calloc(b.first[n] ? b.first[n] : 1, sizeof *codes) : NULL;
    if (rc == 0 && !codes) {
        snprintf(err, err_size, "slsim: out of memory");
        rc = -1;
    }
    if (rc == 0)
        replicate_jobs(batch_job, &b, b.first[n], threads, codes);
    progress_finish(bar);
    /* Merged in order; the first failure (in scenario, then replication order) is the one
     * reported, so the message does not depend on the thread count. */
    for (size_t i = 0; i < prepared; i++) {
        int ri = rc;
        for (uint32_t j = b.first[i]; codes && j < b.first[i + 1] && !ri; j++)
            ri = codes[j];
        char e[1024] = "";
        ri = run_finish(&outs[i], &b.ctx[i], ri, e, sizeof e);
        if (ri && !rc) {
            snprintf(err, err_size, "%s", e);
            rc = ri;
        }
    }
    free(codes);
    free(b.ctx);
    free(b.first);
    return rc;
}

void run_result_free(run_result *r)
{
    for (size_t i = 0; i < r->n_values; i++)
        free(r->names[i]);
    free(r->names);
    free(r->rows);
    free(r->mean);
    free(r->ci95);
    free(r->trace);
    free(r->by_name);
    free(r->ts);
    memset(r, 0, sizeof *r);
}

/* Index of a named figure (binary search in the sorted names), or -1. */
static long run_index(const run_result *r, const char *name)
{
    size_t lo = 0, hi = r->by_name ? r->n_values : 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->by_name[mid].name, name);
        if (c == 0)
            return (long)r->by_name[mid].index;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

double run_value(const run_result *r, const char *name, double *ci95)
{
    long i = run_index(r, name);
    if (ci95)
        *ci95 = i < 0 ? NAN : r->ci95[i];
    return i < 0 ? NAN : r->mean[i];
}

double run_row_value(const run_result *r, uint32_t replication, const char *name)
{
    long i = run_index(r, name);
    return i < 0 ? NAN : r->rows[(size_t)replication * r->n_values + (size_t)i];
}

/* ---- summary.json -------------------------------------------------------------------------- */

/* Puts value at a dotted path under obj, creating objects on the way. Names arrive grouped
 * (all of functions.api.* together), so the parent of the previous call is remembered in
 * *last (with its prefix) and reused: building the tree stays linear in the names. */
typedef struct path_cache { char prefix[256]; cJSON *parent; } path_cache;

static void put_path(cJSON *obj, const char *dotted, double value, path_cache *last)
{
    cJSON *leaf = isfinite(value) ? cJSON_CreateNumber(value) : cJSON_CreateNull();
    const char *dot = strrchr(dotted, '.');
    size_t plen = dot ? (size_t)(dot - dotted) : 0;
    if (dot && plen < sizeof last->prefix && last->parent && strlen(last->prefix) == plen &&
        strncmp(last->prefix, dotted, plen) == 0) {
        cJSON_AddItemToObject(last->parent, dot + 1, leaf);
        return;
    }
    char key[256];
    const char *p = dotted;
    for (;;) {
        const char *d = strchr(p, '.');
        size_t n = d ? (size_t)(d - p) : strlen(p);
        if (n >= sizeof key)
            n = sizeof key - 1;
        memcpy(key, p, n);
        key[n] = '\0';
        if (!d) {
            cJSON_AddItemToObject(obj, key, leaf);
            if (plen < sizeof last->prefix) {
                memcpy(last->prefix, dotted, plen);
                last->prefix[plen] = '\0';
                last->parent = obj;
            }
            return;
        }
        cJSON *child = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!child)
            child = cJSON_AddObjectToObject(obj, key);
        obj = child;
        p = d + 1;
    }
}

cJSON *report_summary(const run_result *r)
{
    const world_spec *spec = r->spec;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "scenario", spec->name);
    char file[4 * 4096 + 1];   /* the path as typed, in clean UTF-8 (JSON strings must be) */
    cfg_escape(file, sizeof file, spec->file, NULL);
    cJSON_AddStringToObject(o, "file", file);
    cJSON_AddNumberToObject(o, "seed", (double)spec->seed);
    cJSON_AddNumberToObject(o, "replications", spec->replications);
    cJSON_AddNumberToObject(o, "duration_s", spec->duration_s);
    cJSON_AddNumberToObject(o, "warmup_s", spec->warmup_s);
    cJSON *ci = cJSON_CreateObject();
    path_cache last_o = { "", NULL }, last_ci = { "", NULL };
    for (size_t i = 0; i < r->n_values; i++) {
        put_path(o, r->names[i], r->mean[i], &last_o);
        put_path(ci, r->names[i], r->ci95[i], &last_ci);
    }
    cJSON *cost = cJSON_GetObjectItemCaseSensitive(o, "cost");
    cJSON_AddStringToObject(cost, "currency", spec->prices.currency);
    cJSON_AddStringToObject(cost, "price_table", spec->prices.name);
    cJSON_AddNumberToObject(cost, "month_hours", spec->prices.month_hours);
    cJSON_AddBoolToObject(cost, "free_tier", spec->free_tier);
    cJSON_AddItemToObject(o, "ci95", ci);
    return o;
}

/* ---- stdout report ---------------------------------------------------------------------------- */

/* 1234567.8 -> "1,234,567.8"; whole numbers without decimals. */
static void fmt_count(char *buf, size_t size, double x)
{
    if (!isfinite(x) || fabs(x) >= 1e15) {
        snprintf(buf, size, "%g", x);
        return;
    }
    char digits[48];
    snprintf(digits, sizeof digits, x == floor(x) ? "%.0f" : "%.1f", fabs(x));
    char *dot = strchr(digits, '.');
    size_t n = dot ? (size_t)(dot - digits) : strlen(digits), k = 0;
    char tmp[64];
    if (x < 0)
        tmp[k++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            tmp[k++] = ',';
        tmp[k++] = digits[i];
    }
    tmp[k] = '\0';
    snprintf(buf, size, "%s%s", tmp, dot ? dot : "");
}

static void line(const run_result *r, FILE *f, const char *label, const char *name, const char *style)
{
    double ci, v = run_value(r, name, &ci);
    char a[48], b[48];
    if (strcmp(style, "count") == 0) {
        fmt_count(a, sizeof a, round(v * 10) / 10);
        fmt_count(b, sizeof b, round(ci * 10) / 10);
    } else if (strcmp(style, "money") == 0) {
        snprintf(a, sizeof a, "%.2f", v);
        snprintf(b, sizeof b, "%.2f", ci);
    } else if (strcmp(style, "ratio") == 0) {
        snprintf(a, sizeof a, "%.4f", v);
        snprintf(b, sizeof b, "%.4f", ci);
    } else {
        snprintf(a, sizeof a, "%.1f", v);
        snprintf(b, sizeof b, "%.1f", ci);
    }
    if (!isfinite(v))
        snprintf(a, sizeof a, "-");   /* undefined: nothing to measure */
    if (isfinite(ci))
        fprintf(f, "  %-36s %14s  ± %s\n", label, a, b);
    else
        fprintf(f, "  %-36s %14s\n", label, a);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* From this many functions the report prints the platform's spread, not each function. */
#define REPORT_MANY_FUNCTIONS 20

void report_print(const run_result *r, FILE *f)
{
    const world_spec *spec = r->spec;
    char name[256];
    char file[4 * 4096 + 1];
    cfg_escape(file, sizeof file, spec->file, NULL);
    fprintf(f, "slsim: %s (%s)\n", spec->name, file);
    if (spec->description[0])
        fprintf(f, "  %s\n", spec->description);
    fprintf(f, "  seed %llu, %u replication%s of %g s measured (warm-up %g s)%s\n\n",
            (unsigned long long)spec->seed, spec->replications, spec->replications == 1 ? "" : "s",
            spec->duration_s, spec->warmup_s,
            spec->replications > 1 ? "; ± is the 95% confidence half-width" : "");
    if (!(run_value(r, "requests.arrived", NULL) > 0))
        fprintf(f, "  NOTHING ARRIVED: no request or event arrived in the measured window of any "
                "replication, so the figures below are empty (check the traffic's rates and start "
                "times against warmup_s and duration_s)\n\n");
    fprintf(f, "Requests (per original request; mean per replication)\n");
    static const char *const req[] = { "arrived", "completed", "failed", "throttled", "timed_out",
                                       "dropped", "dead_lettered", "expired", "in_flight",
                                       "attempts" };
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        snprintf(name, sizeof name, "requests.%s", req[i]);
        line(r, f, req[i], name, "count");
    }
    fprintf(f, "\nEnd-to-end latency of completed requests (ms)\n");
    static const char *const lat[] = { "mean", "p50", "p90", "p95", "p99", "p999", "max" };
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
        snprintf(name, sizeof name, "latency_ms.%s", lat[i]);
        line(r, f, lat[i], name, "ms");
    }
    if (spec->n_sources > 1 || (spec->n_sources == 1 &&
                                spec->components[spec->sources[0].target].kind->accept == NULL) ||
        spec->n_components > 1) {
        fprintf(f, "\nPipelines: creation to the end of the last stage (ms)\n");
        for (size_t i = 0; i < spec->n_sources; i++) {
            char label[96];
            snprintf(label, sizeof label, "%s p50", spec->sources[i].name);
            snprintf(name, sizeof name, "pipelines.%s.latency_ms.p50", spec->sources[i].name);
            line(r, f, label, name, "ms");
            snprintf(label, sizeof label, "%s p99", spec->sources[i].name);
            snprintf(name, sizeof name, "pipelines.%s.latency_ms.p99", spec->sources[i].name);
            line(r, f, label, name, "ms");
        }
    }
    if (spec->n_tenants) {
        fprintf(f, "\nTenants (requests; attempts throttled at the entry or by functions; latency of completed, ms)\n");
        static const struct { const char *key, *label, *style; } tk[] = {
            { "requests.arrived", "arrived", "count" }, { "requests.completed", "completed", "count" },
            { "requests.success_ratio", "success ratio", "ratio" },
            { "throttled", "throttled attempts", "count" }, { "latency_ms.p50", "p50", "ms" },
            { "latency_ms.p99", "p99", "ms" },
        };
        for (size_t i = 0; i < spec->n_tenants; i++)
            for (size_t k = 0; k < sizeof tk / sizeof tk[0]; k++) {
                char label[128];
                snprintf(label, sizeof label, "%s %s", spec->tenants[i].name, tk[k].label);
                snprintf(name, sizeof name, "tenants.%s.%s", spec->tenants[i].name, tk[k].key);
                line(r, f, label, name, tk[k].style);
            }
    }
    /* A platform-scale run (a replayed trace): the spread over functions instead of a
     * section per function, which functions.csv holds. */
    bool many = run_value(r, "platform.functions", NULL) >= REPORT_MANY_FUNCTIONS;
    bool apps = false;      /* functions grouped in apps: their keep-alive may be shared */
    for (size_t c = 0; c < spec->n_components; c++)
        if (spec->components[c].kind == &function_kind) {
            function_figures ff;
            function_figures_of(spec->components[c].spec, NULL, &ff);
            apps |= strcmp(ff.app, spec->components[c].name) != 0;
        }
    if (many || apps) {
        fprintf(f, "\nPlatform (%.0f functions; cold-start share of the p-th percentile function or app)\n",
                run_value(r, "platform.functions", NULL));
        static const struct { const char *key, *label, *style; } pk[] = {
            { "functions_invoked", "functions invoked", "count" },
            { "invocations", "invocations", "count" },
            { "cold_start_share", "cold-start share (all)", "ratio" },
            { "function_cold_start_share_p50", "function p50", "ratio" },
            { "function_cold_start_share_p75", "function p75", "ratio" },
            { "function_cold_start_share_p90", "function p90", "ratio" },
            { "apps_invoked", "apps invoked", "count" },
            { "app_cold_start_share_p75", "app p75", "ratio" },
            { "idle_gb_s", "idle loaded memory (GB-s)", "count" },
            { "idle_to_billed", "idle / billed GB-s", "ratio" },
        };
        for (size_t k = 0; k < sizeof pk / sizeof pk[0]; k++) {
            snprintf(name, sizeof name, "platform.%s", pk[k].key);
            line(r, f, pk[k].label, name, pk[k].style);
        }
        if (many)
            fprintf(f, "  (one row per function in functions.csv)\n");
    }
    for (size_t c = 0; c < spec->n_components; c++) {
        const component_spec *cs = &spec->components[c];
        if (many && cs->kind == &function_kind)
            continue;
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s.%s.", cs->kind->plural, cs->name);
        size_t plen = strlen(prefix);
        fprintf(f, "\n%s %s\n", cs->kind->name, cs->name);
        /* Every figure of the component, in the order it reports them; optional groups
         * (asynchronous invocation, provisioned instances) only when they happened. */
        for (size_t i = 0; i < r->n_values; i++) {
            const char *key = r->names[i] + plen;
            if (strncmp(r->names[i], prefix, plen) != 0)
                continue;
            bool optional = !strncmp(key, "async_", 6) || !strcmp(key, "provisioned_invocations") ||
                            !strcmp(key, "messages_sent") || !strcmp(key, "prewarms") ||
                            !strcmp(key, "evictions") || !strcmp(key, "deployments") ||
                            !strcmp(key, "rollbacks") || !strncmp(key, "new_version_", 12) ||
                            !strcmp(key, "mean_provisioned");
            if (optional && r->mean[i] == 0)
                continue;
            const char *style = ends_with(key, "_ratio") || ends_with(key, "_share") ||
                                ends_with(key, "_utilization") ? "ratio"
                              : ends_with(key, "_ms") || !strncmp(key, "mean_", 5) ||
                                ends_with(key, "per_s") || ends_with(key, "_mean") ||
                                ends_with(key, "_p99") || ends_with(key, "_max") ? "ms" : "count";
            line(r, f, key, r->names[i], style);
        }
    }
    /* Sources with figures of their own (a trace's replay, a gateway's cache or validation). */
    for (size_t k = 0; k < spec->n_sources; k++) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "sources.%s.", spec->sources[k].name);
        size_t plen = strlen(prefix);
        bool header = false;
        for (size_t i = 0; i < r->n_values; i++) {
            if (strncmp(r->names[i], prefix, plen) != 0)
                continue;
            if (!header)
                fprintf(f, "\nsource %s\n", spec->sources[k].name);
            header = true;
            const char *key = r->names[i] + plen;
            line(r, f, key, r->names[i], ends_with(key, "_ratio") ? "ratio" : "count");
        }
    }
    fprintf(f, "\nMonthly cost (%s, %g-hour month, price table %s, free tier %s)\n",
            spec->prices.currency, spec->prices.month_hours, spec->prices.name,
            spec->free_tier ? "on" : "off");
    for (int k = 0; k < BILL_LINES; k++) {
        snprintf(name, sizeof name, "cost.by_line.%s", bill_line_names[k]);
        double v = run_value(r, name, NULL);
        bool configured = false;   /* show a line when it costs something in any replication */
        for (uint32_t rep = 0; rep < spec->replications; rep++)
            configured |= run_row_value(r, rep, name) != 0;
        /* The Lambda request line stays (even at 0, e.g. under the free tier) when the
         * scenario runs functions on AWS. */
        bool aws_functions = false;
        for (size_t c = 0; c < spec->n_components && !spec->prices.generic; c++)
            aws_functions |= !strcmp(spec->components[c].kind->name, "function");
        if (configured || (k == LINE_LAMBDA_REQUESTS && v == 0 && aws_functions))
            line(r, f, bill_line_names[k], name, "money");
    }
    for (size_t c = 0; c < spec->n_components && spec->n_components > 1; c++) {
        if (many && spec->components[c].kind == &function_kind)
            continue;
        snprintf(name, sizeof name, "cost.by_component.%s", spec->components[c].name);
        char label[96];
        snprintf(label, sizeof label, "component %s", spec->components[c].name);
        line(r, f, label, name, "money");
    }
    line(r, f, "total", "cost.monthly_total", "money");
}

/* ---- files ------------------------------------------------------------------------------------ */

int report_write_atomic(const char *path, const char *text, size_t len)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* A new file, never through a link someone left under the temporary name. */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t wrote = fwrite(text, 1, len, f);
    int rc = (wrote == len && fflush(f) == 0 && fsync(fileno(f)) == 0) ? 0 : -1;
    int saved = errno;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        saved = errno ? errno : saved;
        unlink(tmp);
        errno = saved;
    }
    return rc;
}

int report_mkdir_p(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* A growable text buffer for the CSV files. */
void text_printf(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = t->s ? vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap) : -1;
        va_end(ap);
        if (k >= 0 && (size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        size_t cap = t->cap ? 2 * t->cap : 65536;
        char *grown = realloc(t->s, cap);
        if (!grown) {
            t->oom = 1;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
}

void text_label(text *t, const char *s)
{
    for (; *s; s++)
        text_printf(t, "%c", *s == ',' || *s == '"' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

void report_cost_matrix(text *t, const run_result *const *r, size_t n, const char *const *names)
{
    bool used[BILL_LINES] = { false };
    char key[96];
    for (int k = 0; k < BILL_LINES; k++)
        for (size_t i = 0; i < n; i++) {
            snprintf(key, sizeof key, "cost.by_line.%s", bill_line_names[k]);
            used[k] |= run_value(r[i], key, NULL) != 0;
        }
    text_printf(t, "variant");
    for (int k = 0; k < BILL_LINES; k++)
        if (used[k])
            text_printf(t, ",%s", bill_line_names[k]);
    text_printf(t, "\n");
    for (size_t i = 0; i < n; i++) {
        text_label(t, names[i]);
        for (int k = 0; k < BILL_LINES; k++) {
            if (!used[k])
                continue;
            snprintf(key, sizeof key, "cost.by_line.%s", bill_line_names[k]);
            text_printf(t, ",%.6g", run_value(r[i], key, NULL));
        }
        text_printf(t, "\n");
    }
}

int report_write(const run_result *r, const char *dir, char *err, size_t err_size)
{
    const world_spec *spec = r->spec;
    char path[4096];
    if (report_mkdir_p(dir) != 0) {
        snprintf(err, err_size, "%s: cannot create the results folder: %s", dir, strerror(errno));
        return -1;
    }
    text lat = { 0 }, ts = { 0 };
    text_printf(&lat, "upper_ms,count,cumulative_fraction\n");
    uint64_t seen = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        if (!r->latency.bucket[i])
            continue;
        seen += r->latency.bucket[i];
        text_printf(&lat, "%.6g,%llu,%.9f\n", hist_bucket_upper(i),
                    (unsigned long long)r->latency.bucket[i], (double)seen / (double)r->latency.count);
    }
    text_printf(&ts, "t_start_s,t_end_s");
    for (int k = 0; k < TS_COLUMNS; k++)
        text_printf(&ts, ",%s", world_ts_names[k]);
    text_printf(&ts, "\n");
    uint32_t reps = spec->replications;
    for (size_t b = 0; b < r->bins; b++) {
        double t0 = spec->warmup_s + (double)b * spec->interval_s;
        double t1 = fmin(t0 + spec->interval_s, spec->warmup_s + spec->duration_s);
        text_printf(&ts, "%.6g,%.6g", t0, t1);
        for (int k = 0; k < TS_COLUMNS; k++) {
            double sum = 0;
            for (uint32_t rep = 0; rep < reps; rep++)
                sum += r->ts[((size_t)rep * TS_COLUMNS + (size_t)k) * r->bins + b];
            double v = sum / reps;
            if (k == TS_CONCURRENCY || k == TS_INSTANCES || k == TS_EXECUTIONS || k == TS_QUEUE_DEPTH)
                v /= (t1 - t0);   /* time integral -> mean level over the interval */
            text_printf(&ts, ",%.6g", v);
        }
        text_printf(&ts, "\n");
    }
    int rc = 0;
    if (lat.oom || ts.oom) {
        snprintf(err, err_size, "%s: out of memory while writing results", dir);
        rc = -1;
    }
    /* functions.csv: one row per function (means over replications), for platform-scale runs. */
    text fn = { 0 };
    size_t fn_rows = 0;
    static const char *const fcols[] = { "invocations", "cold_starts", "cold_start_ratio",
                                         "throttles", "mean_instances", "idle_gb_s", "billed_gb_s",
                                         "prewarms" };
    size_t n_fcols = sizeof fcols / sizeof fcols[0];
    text_printf(&fn, "function,app");
    for (size_t c = 0; c < n_fcols; c++)
        text_printf(&fn, ",%s", fcols[c]);
    text_printf(&fn, ",monthly_cost_usd\n");
    for (size_t i = 0; i < spec->n_components; i++) {
        const component_spec *c = &spec->components[i];
        if (c->kind != &function_kind)
            continue;
        function_figures ff;
        function_figures_of(c->spec, NULL, &ff);
        text_printf(&fn, "%s,%s", c->name, ff.app);
        fn_rows++;
        char key[160];
        for (size_t k = 0; k < n_fcols; k++) {
            snprintf(key, sizeof key, "functions.%s.%s", c->name, fcols[k]);
            text_printf(&fn, ",%.6g", run_value(r, key, NULL));
        }
        snprintf(key, sizeof key, "cost.by_component.%s", c->name);
        text_printf(&fn, ",%.2f\n", run_value(r, key, NULL));
    }
    if (fn.oom)
        rc = -1;
    /* cost.csv: the bill's line items (those in use), one row: what the cost plot stacks. */
    text cost = { 0 };
    const char *cost_name = spec->name;
    report_cost_matrix(&cost, &r, 1, &cost_name);
    if (cost.oom)
        rc = -1;
    text tr = { 0 };
    if (r->trace)
        text_printf(&tr, "time_s,workflow,execution,state,event\n%s", r->trace);
    if (tr.oom)
        rc = -1;
    static const char *const files[] = { "latency.csv", "timeseries.csv", "trace.csv",
                                         "functions.csv", "cost.csv" };
    const text *bodies[] = { &lat, &ts, &tr, &fn, &cost };
    for (int i = 0; i < 5 && rc == 0; i++) {
        if ((bodies[i] == &tr && !r->trace) || (bodies[i] == &fn && !fn_rows))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        const char *body = bodies[i]->s;
        size_t len = bodies[i]->n;
        if (report_write_atomic(path, body, len) != 0) {
            snprintf(err, err_size, "%s: cannot write: %s", path, strerror(errno));
            rc = -1;
        }
    }
    free(lat.s);
    free(ts.s);
    free(tr.s);
    free(fn.s);
    free(cost.s);
    return rc;
}

int report_write_summary(const run_result *r, const char *dir, char *err, size_t err_size)
{
    cJSON *summary = report_summary(r);
    cJSON *files = summary && cJSON_AddStringToObject(summary, "generator", "slsim")
                       ? cJSON_AddArrayToObject(summary, "files") : NULL;
    int rc = files ? outdir_list(dir, files) : -1;
    int listed = 0;
    for (const cJSON *f = files ? files->child : NULL; f; f = f->next)
        listed |= !strcmp(f->valuestring, "summary.json");
    if (rc == 0 && !listed && !cJSON_AddItemToArray(files, cJSON_CreateString("summary.json")))
        rc = -1;
    char *json = rc == 0 ? cJSON_Print(summary) : NULL;
    cJSON_Delete(summary);
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if (!json) {
        snprintf(err, err_size, "%s: out of memory while writing results", dir);
        return -1;
    }
    rc = report_write_atomic(path, json, strlen(json));
    if (rc != 0)
        snprintf(err, err_size, "%s: cannot write: %s", path, strerror(errno));
    free(json);
    return rc;
}
