/* run.c — the replication runner: a scenario's replications in parallel, each billed and
 * turned into one flat row of named figures, merged in replication order.
 *
 * Each replication writes only its own row, histogram and time-line slots, so the merge
 * (in replication order) is byte-identical for any thread count. No cJSON call happens
 * inside the parallel region. */
#include "app/run.h"
#include "app/partition.h"
#include "app/run_internal.h"
#include "models/function.h"
#include "models/workflow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "models/gateway.h"
#include "models/network.h"
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
 * functions and apps invoked in the window count in the spreads. The functions' figures
 * come from w, or from given (one per function, in component order: a partitioned
 * replay's, gathered from its blocks). */
static void collect_platform(const world_spec *spec, const world *w, const function_figures *given,
                             metric_sink *m)
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
        if (given)
            *f = given[k - 1];
        else
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

/* Units of work (see work_counts in models/world.h), for scenarios with pipelines: events
 * (units made, less those passed on as messages) = processed + lost + in_flight, the
 * latency of the processed ones from the original request's creation to the end of their
 * last stage (null in a replication that processed none), and the lost ones by outcome. */
static void collect_work(const world *w, metric_sink *m)
{
    static const work_counts none;
    const work_counts *k = w ? &w->work : &none;
    const hist *h = w ? &w->work_latency : NULL;
    bool any = h && h->count > 0;
    snprintf(m->prefix, sizeof m->prefix, "work.");
    metric_emit(m, "events", (double)(k->made - k->passed_on));
    metric_emit(m, "processed", (double)k->processed);
    metric_emit(m, "lost", (double)k->lost);
    metric_emit(m, "in_flight", (double)k->in_flight);
    metric_emit(m, "latency_ms_mean", any ? hist_mean(h) : NAN);
    metric_emit(m, "latency_ms_p50", any ? hist_quantile(h, 0.5) : NAN);
    metric_emit(m, "latency_ms_p99", any ? hist_quantile(h, 0.99) : NAN);
    static const char *const lost[] = {
        [OUTCOME_FAILED] = "failed", [OUTCOME_THROTTLED] = "throttled",
        [OUTCOME_TIMED_OUT] = "timed_out", [OUTCOME_DROPPED] = "dropped",
        [OUTCOME_DEAD_LETTERED] = "dead_lettered", [OUTCOME_EXPIRED] = "expired",
    };
    snprintf(m->prefix, sizeof m->prefix, "work.lost_by.");
    for (size_t o = OUTCOME_FAILED; o < sizeof lost / sizeof lost[0]; o++)
        metric_emit(m, lost[o], (double)k->lost_by[o]);
}

/* A replication's row of figures from w and its bill (w NULL: names only). ff: the
 * functions' figures when they do not come from w (partitioned replay), else NULL.
 * comp_start, when not NULL, receives where each component's figures start in the row
 * (n_components + 1 entries: the last is where the components' end). */
void run_collect(const world_spec *spec, const world *w, const bill *b, const tenant_bill *tb,
                 const function_figures *ff, size_t *comp_start, metric_sink *m)
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
    if (spec->pipelines)
        collect_work(w, m);

    /* Undefined (null) in a replication where nothing completed. */
    snprintf(m->prefix, sizeof m->prefix, "latency_ms.");
    emit_latency(m, w ? &w->latency : NULL);
    for (size_t i = 0; i < spec->n_sources; i++) {
        snprintf(m->prefix, sizeof m->prefix, "pipelines.%s.latency_ms.", spec->sources[i].name);
        emit_latency(m, w ? world_source_latency(w, i) : NULL);
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
        gateway_report_tenant(spec, w, i, m);
        snprintf(m->prefix, sizeof m->prefix, "tenants.%s.latency_ms.", spec->tenants[i].name);
        emit_latency(m, w ? world_tenant_latency(w, i) : NULL);
        /* Cold starts of the tenant's invocations, over every function (one-request
         * instances: a shared instance's start is nobody's). */
        snprintf(m->prefix, sizeof m->prefix, "tenants.%s.", spec->tenants[i].name);
        double invocations = w ? (double)w->tenant_invocations[i] : 0;
        metric_emit(m, "invocations", invocations);
        metric_emit(m, "cold_starts", w ? (double)w->tenant_cold_starts[i] : 0);
        metric_emit(m, "cold_start_ratio", invocations > 0 ? (double)w->tenant_cold_starts[i] / invocations : NAN);
        /* The tenant's part of the bill (billing_by_tenant) */
        snprintf(m->prefix, sizeof m->prefix, "tenants.%s.cost.", spec->tenants[i].name);
        metric_emit(m, "monthly", tb ? tb->monthly[i] : 0);
        double requests = w ? (double)(w->tenant_counts[i].completed) * spec->prices.month_hours *
                              3600.0 / spec->duration_s : 0;
        metric_emit(m, "per_million_completed", tb && requests > 0 ? tb->monthly[i] / requests * 1e6 : NAN);
        snprintf(m->prefix, sizeof m->prefix, "tenants.%s.cost.by_category.", spec->tenants[i].name);
        for (size_t c = 0; c < PRICE_CATEGORIES; c++)
            metric_emit(m, price_category_names[c], tb ? tb->category[i * PRICE_CATEGORIES + c] : 0);
    }

    for (size_t i = 0; i < spec->n_components; i++) {
        const component_spec *cs = &spec->components[i];
        if (comp_start)
            comp_start[i] = m->n;
        snprintf(m->prefix, sizeof m->prefix, "%s.%s.", cs->kind->plural, cs->name);
        cs->kind->report(cs->spec, w ? w->state[i] : NULL, m);
    }
    if (comp_start)
        comp_start[spec->n_components] = m->n;

    snprintf(m->prefix, sizeof m->prefix, "cost.");
    metric_emit(m, "monthly_total", b ? b->total : 0);
    if (spec->n_tenants)   /* what no tenant's request reached (billing_by_tenant) */
        metric_emit(m, "unattributed", tb ? tb->monthly[spec->n_tenants] : 0);
    snprintf(m->prefix, sizeof m->prefix, "cost.by_component.");
    for (size_t i = 0; i < spec->n_components; i++)
        metric_emit(m, spec->components[i].name, b ? b->by_component[i] : 0);
    snprintf(m->prefix, sizeof m->prefix, "cost.by_line.");
    for (size_t k = 0; k < spec->prices.n_lines; k++)
        metric_emit(m, spec->prices.line_name[k], b ? b->line[k] : 0);
    /* The bill by common category, so that providers' bills compare line by line. */
    snprintf(m->prefix, sizeof m->prefix, "cost.by_category.");
    for (size_t c = 0; c < PRICE_CATEGORIES; c++)
        metric_emit(m, price_category_names[c], b ? b->category[c] : 0);
    /* What one execution of a workflow costs: its monthly cost over its monthly executions. */
    snprintf(m->prefix, sizeof m->prefix, "cost.per_execution.");
    for (size_t i = 0; i < spec->n_components; i++) {
        if (spec->components[i].kind != &workflow_kind)
            continue;
        double runs = w ? workflow_executions(w->state[i]) * spec->prices.month_hours * 3600.0 /
                          spec->duration_s : 0;
        metric_emit(m, spec->components[i].name, b && runs > 0 ? b->by_component[i] / runs : NAN);
    }
    collect_platform(spec, w, ff, m);
    traffic_report(spec, w, m);
    m->prefix[0] = '\0';
}

/* ---- running ------------------------------------------------------------------------------- */

typedef struct run_ctx {
    const world_spec *spec;
    run_result       *out;
    hist             *hists;     /* one per replication */
    hist             *work_hists;/* one per replication: work.latency_ms */
    uint64_t         *events;
    size_t           *heap;      /* one per replication: what its world took (measure_heap) */
    bool              measure_heap;   /* replications run on this thread alone */
    char            (*errors)[512];
    progress         *bar;       /* or NULL; replication r is job job0 + r */
    size_t            job0;
    uint32_t          first;     /* run_scenario_extend: the first replication it runs */
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

/* The replication's billable usage: each started component's meter, then the entry's, the
 * network's and the CDN's. */
void run_meter(const world_spec *spec, const world *w, ledger *u)
{
    for (size_t i = 0; i < spec->n_components; i++)
        if (w->state[i])
            spec->components[i].kind->meter(spec->components[i].spec, w->state[i], w, i, u);
    gateway_meter(spec, w, u);
    network_meter(spec, w, u);
    cdn_meter(spec, w, u);
}

int run_bill(const world_spec *spec, const ledger *u, const uint64_t *tenant_received, bill *b,
             tenant_bill *tb, char *err, size_t err_size)
{
    *b = (bill){ .n = spec->n_components, .by_component = calloc(spec->n_components ? spec->n_components : 1,
                                                                 sizeof(double)) };
    size_t parts = spec->n_tenants + 1;
    *tb = (tenant_bill){ .monthly = calloc(parts, sizeof(double)),
                         .category = calloc(parts * PRICE_CATEGORIES, sizeof(double)) };
    if (u->failed || !b->by_component || !tb->monthly || !tb->category) {
        snprintf(err, err_size, "%s: out of memory", spec->file);
        return -1;
    }
    if (u->n_unpriced > 0) {
        /* A kind checks at load that the table prices what it will record; this is the
         * net under that: usage is never billed at 0 in silence. */
        snprintf(err, err_size, "%s: pricing: the price table %s has no price for the usage \"%s\" "
                 "this scenario records; give a table that prices it", spec->file, spec->prices.name,
                 u->unpriced[0]);
        return -1;
    }
    billing_compute(&spec->prices, u, spec->free_tier, spec->duration_s, b);
    if (spec->n_tenants && billing_by_tenant(&spec->prices, u, spec->free_tier, spec->duration_s,
                                             spec->n_components, spec->n_tenants, tenant_received,
                                             b, tb) != 0) {
        snprintf(err, err_size, "%s: out of memory", spec->file);
        return -1;
    }
    return 0;
}

void run_bill_free(bill *b, tenant_bill *tb)
{
    free(b->by_component);
    free(tb->monthly);
    free(tb->category);
}

static int run_one(void *p, uint32_t r, double *row)
{
    run_ctx *ctx = p;
    const world_spec *spec = ctx->spec;
    if (spec->partition_blocks > 1) {
        /* A study's or calibrate's replication: its blocks one after another here. */
        partition_out po = { .names = (const char *const *)ctx->out->names, .n_values = ctx->out->n_values,
                             .row = row, .latency = &ctx->hists[r],
                             .ts = ctx->out->ts + (size_t)r * TS_COLUMNS * ctx->out->bins };
        int rc = partition_replication(spec, r, &po, ctx->errors[r], sizeof ctx->errors[r]);
        hist_init(&ctx->work_hists[r]);
        ctx->events[r] = po.events;
        ctx->heap[r] = 0;
        return rc;
    }
    world w;
    memset(&w, 0, sizeof w);
    w.progress = ctx->bar;
    w.progress_job = ctx->job0 + r;
    w.measure_heap = ctx->measure_heap;
    int rc = world_run(&w, spec, r, ctx->errors[r], sizeof ctx->errors[r]);
    ctx->heap[r] = w.heap_bytes;
    if (rc == 0) {
        ledger u;
        ledger_init(&u, &spec->prices);
        bill b;
        tenant_bill tb;
        run_meter(spec, &w, &u);
        rc = run_bill(spec, &u, w.tenant_received, &b, &tb, ctx->errors[r], sizeof ctx->errors[r]);
        if (rc == 0) {
            metric_sink m = { .values = row };
            run_collect(spec, &w, &b, spec->n_tenants ? &tb : NULL, NULL, NULL, &m);
            ctx->hists[r] = w.latency;
            ctx->work_hists[r] = w.work_latency;
            if (r == 0)
                ctx->out->trace = collect_traces(spec, &w);
            ctx->events[r] = sim_events_run(w.s);
            size_t bins = ctx->out->bins;
            double *ts = ctx->out->ts + (size_t)r * TS_COLUMNS * bins;
            for (int k = 0; k < TS_COLUMNS; k++)
                memcpy(ts + (size_t)k * bins, w.ts[k].bin, bins * sizeof(double));
        }
        ledger_free(&u);
        run_bill_free(&b, &tb);
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
    run_collect(spec, NULL, NULL, NULL, NULL, NULL, &names);
    out->names = names.names;
    out->n_values = names.n;
    uint32_t reps = spec->replications;
    out->bins = spec->bins;
    out->rows = calloc((size_t)reps * out->n_values, sizeof *out->rows);
    out->mean = calloc(out->n_values, sizeof *out->mean);
    out->ci95 = calloc(out->n_values, sizeof *out->ci95);
    out->ts = calloc((size_t)reps * TS_COLUMNS * (out->bins ? out->bins : 1), sizeof *out->ts);
    *ctx = (run_ctx){ .spec = spec, .out = out, .hists = malloc(reps * sizeof(hist)),
                      .work_hists = malloc(reps * sizeof(hist)),
                      .events = calloc(reps, sizeof(uint64_t)), .heap = calloc(reps, sizeof(size_t)),
                      .errors = calloc(reps, sizeof *ctx->errors) };
    if (names.oom || !out->rows || !out->mean || !out->ci95 || !out->ts || !ctx->hists ||
        !ctx->work_hists || !ctx->events || !ctx->heap || !ctx->errors) {
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
    hist_init(&out->work_latency);
    for (uint32_t r = 0; r < reps; r++) {
        hist_merge(&out->latency, &ctx->hists[r]);
        hist_merge(&out->work_latency, &ctx->work_hists[r]);
        out->events += ctx->events[r];
        out->world_heap = ctx->heap[r] > out->world_heap ? ctx->heap[r] : out->world_heap;
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
    free(ctx->work_hists);
    free(ctx->events);
    free(ctx->heap);
    free(ctx->errors);
    memset(ctx, 0, sizeof *ctx);
    return rc;
}

int run_scenario_progress(const world_spec *spec, int threads, FILE *bar_out, run_result *out,
                          char *err, size_t err_size)
{
    run_ctx ctx;
    int rc = run_prepare(spec, out, &ctx, err, err_size);
    uint32_t blocks = spec->partition_blocks > 1 ? spec->partition_blocks : 1;
    ctx.bar = progress_start(bar_out, (size_t)spec->replications * blocks, blocks > 1 ? "blocks" : "replications",
                             spec->replications * blocks * (spec->warmup_s + spec->duration_s));
    ctx.measure_heap = threads == 1;
    if (rc == 0 && blocks > 1) {
        /* A partitioned replay: every replication's blocks over threads and MPI ranks. */
        partition_out *po = calloc(spec->replications, sizeof *po);
        for (uint32_t r = 0; po && r < spec->replications; r++) {
            po[r] = (partition_out){ .names = (const char *const *)out->names, .n_values = out->n_values,
                                     .row = out->rows + (size_t)r * out->n_values, .latency = &ctx.hists[r],
                                     .ts = out->ts + (size_t)r * TS_COLUMNS * out->bins };
            hist_init(&ctx.hists[r]);
            hist_init(&ctx.work_hists[r]);
        }
        rc = po ? partition_run(spec, threads, ctx.bar, po, err, err_size) : -1;
        if (!po)
            snprintf(err, err_size, "%s: out of memory", spec->file);
        for (uint32_t r = 0; po && r < spec->replications; r++)
            ctx.events[r] = po[r].events;
        free(po);
    } else if (rc == 0) {
        rc = replicate_run(run_one, &ctx, spec->replications, threads, out->n_values, out->rows);
    }
    progress_finish(ctx.bar);
    return run_finish(out, &ctx, rc, err, err_size);
}

/* Replication r + first of ctx (run_scenario_extend runs the later ones only). */
static int run_one_after(void *p, uint32_t r, double *row)
{
    run_ctx *ctx = p;
    return run_one(p, r + ctx->first, row);
}

int run_scenario_extend(const world_spec *spec, const run_result *prev, int threads, FILE *bar_out,
                        run_result *out, char *err, size_t err_size)
{
    run_ctx ctx;
    int rc = run_prepare(spec, out, &ctx, err, err_size);
    uint32_t from = prev->spec->replications, reps = spec->replications;
    if (rc == 0 && (from >= reps || prev->n_values != out->n_values || spec->partition_blocks > 1)) {
        snprintf(err, err_size, "%s: internal: cannot extend %u replications to %u", spec->file, from, reps);
        rc = -1;
    }
    if (rc == 0) {
        /* The earlier replications as they were; the pooled histograms first, then empty
         * ones in their other slots: merged in order, the sums add in the same order as a
         * run of all the replications at once. */
        memcpy(out->rows, prev->rows, (size_t)from * out->n_values * sizeof *out->rows);
        memcpy(out->ts, prev->ts, (size_t)from * TS_COLUMNS * out->bins * sizeof *out->ts);
        for (uint32_t r = 0; r < from; r++) {
            hist_init(&ctx.hists[r]);
            hist_init(&ctx.work_hists[r]);
        }
        ctx.hists[0] = prev->latency;
        ctx.work_hists[0] = prev->work_latency;
        ctx.events[0] = prev->events;
        ctx.heap[0] = prev->world_heap;
        ctx.first = from;
        ctx.bar = progress_start(bar_out, reps, "replications", reps * (spec->warmup_s + spec->duration_s));
        for (uint32_t r = 0; r < from; r++)
            progress_set(ctx.bar, r, 1.0);
        ctx.measure_heap = threads == 1;
        rc = replicate_run(run_one_after, &ctx, reps - from, threads, out->n_values,
                           out->rows + (size_t)from * out->n_values);
        progress_finish(ctx.bar);
    }
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
        for (uint32_t r = 0; r < spec->replications; r++) {
            hist_init(&ctx.hists[r]);
            hist_init(&ctx.work_hists[r]);
        }
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

int run_has_figure(const world_spec *spec, const char *name)
{
    metric_sink names = { 0 };
    run_collect(spec, NULL, NULL, NULL, NULL, NULL, &names);
    int found = names.oom ? -1 : 0;
    for (size_t i = 0; i < names.n; i++) {
        if (found == 0 && !strcmp(names.names[i], name))
            found = 1;
        free(names.names[i]);
    }
    free(names.names);
    return found;
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
