/* report.c — the writers of a run's results: the stdout report, summary.json, and the
 * CSV files (latency, time lines, cost, functions, traces), each written through a
 * temporary file and a rename. */
#include "app/report.h"

#include "app/numfmt.h"
#include "app/outdir.h"
#include "app/slo.h"
#include "app/window.h"
#include "models/function.h"
#include "models/traffic.h"
#include "sim/fit.h"
#include "sim/strmap.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- summary.json -------------------------------------------------------------------------- */

/* The objects made for dotted prefixes ("functions.api"), found by hash: a summary of
 * 50,000 functions would otherwise look each new function up among all the others. The
 * prefixes point into the figures' names, which outlive the index. */
typedef struct path_index {
    strmap map;
    struct path_node { const char *s; size_t len; cJSON *obj; } *node;
    size_t n, cap;
    bool   oom;
} path_index;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* The object for the first len bytes of dotted under root, made (with its parents) on the
 * first call; NULL when out of memory. */
static cJSON *path_object(path_index *ix, cJSON *root, const char *dotted, size_t len)
{
    if (len == 0)
        return root;
    uint64_t h = hash_bytes(dotted, len);
    size_t pos = 0;
    for (int64_t i; (i = strmap_next(&ix->map, h, &pos)) >= 0;)
        if (ix->node[i].len == len && memcmp(ix->node[i].s, dotted, len) == 0)
            return ix->node[i].obj;
    size_t dot = len;
    while (dot > 0 && dotted[dot - 1] != '.')
        dot--;
    cJSON *parent = path_object(ix, root, dotted, dot ? dot - 1 : 0);
    char key[256];
    size_t n = len - dot < sizeof key ? len - dot : sizeof key - 1;
    memcpy(key, dotted + dot, n);
    key[n] = '\0';
    /* Every prefix's object is made here, so one the index lacks does not exist yet. */
    cJSON *child = parent ? cJSON_AddObjectToObject(parent, key) : NULL;
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? 2 * ix->cap : 64;
        struct path_node *grown = realloc(ix->node, cap * sizeof *grown);
        if (!grown) {
            ix->oom = true;
            return child;
        }
        ix->node = grown;
        ix->cap = cap;
    }
    if (child && strmap_add(&ix->map, h, (uint32_t)ix->n) == 0)
        ix->node[ix->n++] = (struct path_node){ dotted, len, child };
    return child;
}

static void path_index_free(path_index *ix)
{
    strmap_free(&ix->map);
    free(ix->node);
}

/* Puts value at a dotted path under obj, creating objects on the way. */
static void put_path(cJSON *obj, const char *dotted, double value, path_index *ix)
{
    cJSON *leaf = isfinite(value) ? cJSON_CreateNumber(value) : cJSON_CreateNull();
    const char *dot = strrchr(dotted, '.');
    cJSON *parent = path_object(ix, obj, dotted, dot ? (size_t)(dot - dotted) : 0);
    if (parent)
        cJSON_AddItemToObject(parent, dot ? dot + 1 : dotted, leaf);
    else
        cJSON_Delete(leaf);
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
    path_index ix_o = { 0 }, ix_ci = { 0 };
    for (size_t i = 0; i < r->n_values; i++) {
        put_path(o, r->names[i], r->mean[i], &ix_o);
        put_path(ci, r->names[i], r->ci95[i], &ix_ci);
    }
    path_index_free(&ix_o);
    path_index_free(&ix_ci);
    /* Not a figure: what the latency plot draws (plot.c reads it back). */
    cJSON *work = cJSON_GetObjectItemCaseSensitive(o, "work");
    if (work)
        cJSON_AddBoolToObject(work, "every_request_asynchronous", spec->all_async);
    /* Not a figure: whether the window stands for the month (app/window.h), only for traffic
     * with a period, so that other scenarios' summaries keep their keys. */
    window_period p;
    window_period_of(spec, &p);
    if (p.period_s > 0) {
        cJSON *win = cJSON_AddObjectToObject(o, "window");
        char note[1536];
        bool part = window_warning(spec, note, sizeof note);
        cJSON_AddNumberToObject(win, "period_s", p.period_s);
        cJSON_AddStringToObject(win, "period", p.what);
        cJSON_AddNumberToObject(win, "measured_s", spec->duration_s);
        cJSON_AddBoolToObject(win, "representative", !part);
        if (part)
            cJSON_AddStringToObject(win, "note", note);
        else
            cJSON_AddNullToObject(win, "note");
    }
    cJSON *cost = cJSON_GetObjectItemCaseSensitive(o, "cost");
    cJSON_AddStringToObject(cost, "currency", spec->prices.currency);
    cJSON_AddStringToObject(cost, "price_table", spec->prices.name);
    cJSON_AddNumberToObject(cost, "month_hours", spec->prices.month_hours);
    cJSON_AddBoolToObject(cost, "free_tier", spec->free_tier);
    cJSON_AddItemToObject(o, "ci95", ci);
    if (r->warmup_note[0]) {
        cJSON *wj = cJSON_AddObjectToObject(o, "warmup");
        cJSON_AddBoolToObject(wj, "auto", !r->warmup_short);   /* the note is auto's, or the check's */
        cJSON_AddBoolToObject(wj, "too_short", r->warmup_short);
        cJSON_AddStringToObject(wj, "note", r->warmup_note);
    }
    if (r->precision)
        cJSON_AddItemToObject(o, "precision", report_precision_json(r->precision, spec->replications));
    return o;
}

cJSON *report_precision_json(const run_precision *p, unsigned replications)
{
    cJSON *pj = cJSON_CreateObject();
    if (!pj)
        return NULL;
    cJSON_AddStringToObject(pj, "asked", p->asked);
    cJSON_AddNumberToObject(pj, "replications", replications);
    cJSON_AddNumberToObject(pj, "max_replications", p->max_replications);
    cJSON_AddBoolToObject(pj, "reached", p->met);
    cJSON *figs = cJSON_AddArrayToObject(pj, "figures");
    for (size_t i = 0; figs && i < p->n; i++) {
        const struct run_precision_row *row = &p->row[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", row->name);
        cJSON_AddStringToObject(e, "figure", row->figure);
        cJSON_AddItemToObject(e, "mean", isfinite(row->mean) ? cJSON_CreateNumber(row->mean) : cJSON_CreateNull());
        cJSON_AddItemToObject(e, "ci95", isfinite(row->ci95) ? cJSON_CreateNumber(row->ci95) : cJSON_CreateNull());
        cJSON_AddItemToObject(e, "allowed", isfinite(row->limit) ? cJSON_CreateNumber(row->limit) : cJSON_CreateNull());
        cJSON_AddBoolToObject(e, "reached", row->met);
        cJSON_AddItemToArray(figs, e);
    }
    return pj;
}

/* ---- stdout report ---------------------------------------------------------------------------- */

/* 1234567.8 -> "1,234,567.8"; whole numbers without decimals. */
static void fmt_count(char *buf, size_t size, double x)
{
    char unused[8];
    num_pair(buf, size, unused, sizeof unused, x, NAN, NUM_COUNT);
}

static void line(const run_result *r, FILE *f, const char *label, const char *name, const char *style)
{
    double ci, v = run_value(r, name, &ci);
    char a[64], b[64];
    num_style s = !strcmp(style, "count") ? NUM_COUNT : !strcmp(style, "money") ? NUM_MONEY
                : !strcmp(style, "ratio") ? NUM_RATIO : NUM_MS;
    num_pair(a, sizeof a, b, sizeof b, v, ci, s);   /* "-" when undefined: nothing to measure */
    if (isfinite(ci))
        fprintf(f, "  %-40s %14s  ± %s\n", label, a, b);
    else
        fprintf(f, "  %-40s %14s\n", label, a);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The units of work of a scenario with pipelines, first: a warning when some were lost (the
 * share of events, and how they ended), then the figures. */
static void print_work(const run_result *r, FILE *f)
{
    double events = run_value(r, "work.events", NULL), lost = run_value(r, "work.lost", NULL);
    if (lost > 0) {
        char a[48], b[48];
        fmt_count(a, sizeof a, round(lost * 10) / 10);
        fmt_count(b, sizeof b, round(events * 10) / 10);
        fprintf(f, "  LOST WORK: %.3g%% of events (%s of %s a replication) ended without their last\n"
                "  stage processing them:", 100.0 * lost / events, a, b);
        static const char *const how[] = { "failed", "throttled", "timed_out", "dropped",
                                           "dead_lettered", "expired" };
        const char *sep = " ";
        for (size_t i = 0; i < sizeof how / sizeof how[0]; i++) {
            char name[64];
            snprintf(name, sizeof name, "work.lost_by.%s", how[i]);
            double n = run_value(r, name, NULL);
            if (n > 0) {
                fmt_count(a, sizeof a, round(n * 10) / 10);
                fprintf(f, "%s%s %s", sep, how[i], a);
                sep = ", ";
            }
        }
        /* Requests that completed more than the work: they count hand-overs. */
        double completed = run_value(r, "requests.completed", NULL);
        if (completed > run_value(r, "work.processed", NULL)) {
            fmt_count(a, sizeof a, round(completed * 10) / 10);
            fprintf(f, ".\n  requests.completed (%s) counts hand-overs, not the work done.", a);
        } else {
            fprintf(f, ".");
        }
        fprintf(f, "\n\n");
    }
    fprintf(f, "Work (units that must reach a last stage: each measured request, and each message "
            "derived from one; mean per replication)\n");
    static const char *const counts[] = { "events", "processed", "lost", "in_flight" };
    char name[64];
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        snprintf(name, sizeof name, "work.%s", counts[i]);
        line(r, f, counts[i], name, "count");
    }
    static const char *const lat[] = { "latency_ms_mean", "latency_ms_p50", "latency_ms_p99" };
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
        snprintf(name, sizeof name, "work.%s", lat[i]);
        line(r, f, lat[i], name, "ms");
    }
    fprintf(f, "\n");
}

/* Prints label then text as one paragraph wrapped at about 92 columns, continued two
 * spaces in (the first screen's warnings are sentences, not figures). */
static void print_paragraph(FILE *f, const char *label, const char *text)
{
    size_t col = (size_t)fprintf(f, "  %s", label);
    for (const char *p = text; *p;) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (!n)
            break;
        if (col + 1 + n > 92 && col > 2) {
            fprintf(f, "\n ");
            col = 1;
        }
        col += (size_t)fprintf(f, " %.*s", (int)n, p);
        p += n;
    }
    fprintf(f, "\n");
}

/* From this many functions the report prints the platform's spread, not each function. */
#define REPORT_MANY_FUNCTIONS 20

/* --precision: what was asked, in how many replications it was reached, each figure's ±. */
static void print_precision(const run_precision *p, unsigned reps, FILE *f)
{
    if (p->met)
        fprintf(f, "  Precision %s: reached in %u replications\n", p->asked, reps);
    else
        fprintf(f, "  PRECISION NOT REACHED: %s asked; stopped at --max-replications %u, with the "
                "figures marked short below\n", p->asked, p->max_replications);
    for (size_t i = 0; i < p->n; i++) {
        const struct run_precision_row *row = &p->row[i];
        fprintf(f, "    %-12s %-28s asked %s%s\n", row->name, row->value, row->target,
                row->met ? "" : "  SHORT");
    }
    fprintf(f, "\n");
}

/* A function's cold-start ratio from fewer than 10 cold starts in all replications: the ±
 * over replications means little there (0 ± 0 when none happened), so the count behind it
 * and the Wilson 95% interval of the pooled invocations are said (binomial: each invocation
 * starts cold or not). */
static void rare_cold_starts(const run_result *r, FILE *f, const char *function)
{
    char name[256];
    double cold = 0, inv = 0;
    for (uint32_t rep = 0; rep < r->spec->replications; rep++) {
        snprintf(name, sizeof name, "functions.%s.cold_starts", function);
        cold += run_row_value(r, rep, name);
        snprintf(name, sizeof name, "functions.%s.invocations", function);
        inv += run_row_value(r, rep, name);
    }
    if (!(inv > 0) || !(cold < 10) || !isfinite(cold))
        return;
    double lo, hi;
    fit_wilson((uint64_t)cold, (uint64_t)inv, FIT_Z, &lo, &hi);
    char a[64], b[64], n[48], c[48];
    num_pair(a, sizeof a, b, sizeof b, lo, 0, NUM_RATIO);
    num_grouped(n, sizeof n, inv, 0);
    num_grouped(c, sizeof c, cold, 0);
    char hi_text[64];
    num_pair(hi_text, sizeof hi_text, b, sizeof b, hi, 0, NUM_RATIO);
    fprintf(f, "  (FEW COLD STARTS: %s in all %u replications, of %s invocations: the cold-start ratio "
            "lies between %s and %s (Wilson 95%%, pooled))\n", c, r->spec->replications, n, a, hi_text);
}

void report_print(const run_result *r, FILE *f)
{
    const world_spec *spec = r->spec;
    char name[256];
    char file[4 * 4096 + 1];
    cfg_escape(file, sizeof file, spec->file, NULL);
    fprintf(f, "slsim: %s (%s)\n", spec->name, file);
    if (spec->description[0])
        fprintf(f, "  %s\n", spec->description);
    char dur[64], warm[64];
    fmt_count(dur, sizeof dur, spec->duration_s);
    fmt_count(warm, sizeof warm, spec->warmup_s);
    fprintf(f, "  seed %llu, %u replication%s of %s s measured (warm-up %s s)%s\n\n",
            (unsigned long long)spec->seed, spec->replications, spec->replications == 1 ? "" : "s",
            dur, warm,
            spec->replications > 1 ? "; ± is the 95% confidence half-width" : "");
    if (r->warmup_note[0])
        fprintf(f, "  %s\n\n", r->warmup_note);
    if (r->precision)
        print_precision(r->precision, spec->replications, f);
    if (!(run_value(r, "requests.arrived", NULL) > 0))
        fprintf(f, "  NOTHING ARRIVED: no request or event arrived in the measured window of any "
                "replication, so the figures below are empty (check the traffic's rates and start "
                "times against warmup_s and duration_s)\n\n");
    if (spec->pipelines)
        print_work(r, f);     /* lost work first */
    /* A component without capacity left for a sustained part of the window: the studies'
     * saturation rules (app/slo.c), said here too, so one run does not pass for healthy. */
    slo_verdict sat;
    slo_judge(NULL, 0, r, &sat);
    for (size_t k = 0; k < sat.n_reasons; k++)
        fprintf(f, "  SATURATED: %s\n", sat.reason[k]);
    if (sat.saturated)
        fprintf(f, "  (its figures hold for this load only: more traffic would queue, fail or be "
                "refused)\n\n");
    /* A window shorter than the traffic's period: the month is priced from part of a cycle
     * (said on stderr before the run too, and in summary.json's window). */
    char warn[1536];
    if (window_warning(spec, warn, sizeof warn)) {
        print_paragraph(f, "SHORT WINDOW:", warn);
        fprintf(f, "\n");
    }
    fprintf(f, "Requests (per original request; mean per replication)\n");
    static const char *const req[] = { "arrived", "completed", "failed", "throttled", "timed_out",
                                       "dropped", "dead_lettered", "expired", "in_flight",
                                       "attempts" };
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        snprintf(name, sizeof name, "requests.%s", req[i]);
        line(r, f, req[i], name, "count");
    }
    fprintf(f, "\nEnd-to-end latency of completed requests (ms%s)\n", spec->all_async
            ? "; every request is handed over asynchronously, so this ends at its first stage: "
              "the work's latency, to its last stage, is under Work" : "");
    static const char *const lat[] = { "mean", "p50", "p90", "p95", "p99", "p999", "max" };
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
        snprintf(name, sizeof name, "latency_ms.%s", lat[i]);
        line(r, f, lat[i], name, "ms");
    }
    /* A percentile of few requests: the p99 of 500 is the 5th largest, a rough figure. */
    double done = run_value(r, "requests.completed", NULL);
    if (done > 0 && done < 10000) {
        char n[48];
        num_grouped(n, sizeof n, done, 0);
        fprintf(f, "  (FEW REQUESTS: %s completed a replication, so %s on fewer than 10 requests above "
                "%s in each: rough figures; more replications narrow their ±, a longer window sharpens "
                "them)\n", n, done < 1000 ? "p99 and p999 rest" : "p999 rests", done < 1000 ? "them" : "it");
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
        char nf[32];
        num_grouped(nf, sizeof nf, run_value(r, "platform.functions", NULL), 0);
        fprintf(f, "\nPlatform (%s functions; cold-start share of the p-th percentile function or app)\n", nf);
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
                                ends_with(key, "_utilization") || strstr(key, "_per_call") ? "ratio"
                              : ends_with(key, "_ms") || !strncmp(key, "mean_", 5) ||
                                ends_with(key, "per_s") || ends_with(key, "_mean") ||
                                ends_with(key, "_p99") || ends_with(key, "_max") ? "ms" : "count";
            line(r, f, key, r->names[i], style);
        }
        if (cs->kind == &function_kind)
            rare_cold_starts(r, f, cs->name);
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
    for (size_t k = 0; k < spec->prices.n_lines; k++) {
        const char *ln = spec->prices.line_name[k];
        snprintf(name, sizeof name, "cost.by_line.%s", ln);
        bool configured = false;   /* show a line when it costs something in any replication */
        for (uint32_t rep = 0; rep < spec->replications; rep++)
            configured |= run_row_value(r, rep, name) != 0;
        /* The table's first line (its functions' requests) stays, even at 0 (under the free
         * tier), when the scenario runs functions: a bill of nothing says so. */
        bool functions = false;
        for (size_t c = 0; c < spec->n_components && k == 0; c++)
            functions |= spec->components[c].kind == &function_kind;
        if (configured || functions)
            line(r, f, ln, name, "money");
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

size_t report_lines_used(const run_result *const *r, size_t n, const char **names, size_t max)
{
    size_t k = 0;
    char key[96];
    for (size_t i = 0; i < n; i++) {
        const price_table *t = &r[i]->spec->prices;
        for (size_t l = 0; l < t->n_lines; l++) {
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = !strcmp(names[j], t->line_name[l]);
            if (seen || k == max)
                continue;
            snprintf(key, sizeof key, "cost.by_line.%s", t->line_name[l]);
            bool used = false;
            for (size_t v = 0; v < n && !used; v++)
                used = run_value(r[v], key, NULL) != 0 && !isnan(run_value(r[v], key, NULL));
            if (used)
                names[k++] = t->line_name[l];
        }
    }
    return k;
}

void report_cost_matrix(text *t, const run_result *const *r, size_t n, const char *const *names)
{
    const char *lines[PRICE_LINES_MAX * 4];
    size_t nl = report_lines_used(r, n, lines, sizeof lines / sizeof lines[0]);
    char key[96];
    text_printf(t, "variant");
    for (size_t k = 0; k < nl; k++)
        text_printf(t, ",%s", lines[k]);
    text_printf(t, "\n");
    for (size_t i = 0; i < n; i++) {
        text_label(t, names[i]);
        for (size_t k = 0; k < nl; k++) {
            snprintf(key, sizeof key, "cost.by_line.%s", lines[k]);
            double v = run_value(r[i], key, NULL);
            text_printf(t, ",%.6g", isnan(v) ? 0 : v);
        }
        text_printf(t, "\n");
    }
}

/* A pooled latency histogram as latency.csv's rows: each non-empty bucket's upper bound,
 * count and cumulative share. */
static void latency_csv(text *t, const hist *h)
{
    text_printf(t, "upper_ms,count,cumulative_fraction\n");
    uint64_t seen = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        if (!h->bucket[i])
            continue;
        seen += h->bucket[i];
        text_printf(t, "%.6g,%llu,%.9f\n", hist_bucket_upper(i), (unsigned long long)h->bucket[i],
                    (double)seen / (double)h->count);
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
    text lat = { 0 }, ts = { 0 }, wl = { 0 };
    latency_csv(&lat, &r->latency);
    if (spec->pipelines)
        latency_csv(&wl, &r->work_latency);   /* work-latency.csv: processed units of work */
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
    if (lat.oom || ts.oom || wl.oom) {
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
                                         "functions.csv", "cost.csv", "work-latency.csv" };
    const text *bodies[] = { &lat, &ts, &tr, &fn, &cost, &wl };
    for (int i = 0; i < 6 && rc == 0; i++) {
        if ((bodies[i] == &tr && !r->trace) || (bodies[i] == &fn && !fn_rows) ||
            (bodies[i] == &wl && !spec->pipelines))
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
    free(wl.s);
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
    /* summary.json last, also when a first one (written for the plots) is listed already. */
    int at = 0;
    for (const cJSON *f = files ? files->child : NULL; f; f = f->next, at++)
        if (!strcmp(f->valuestring, "summary.json")) {
            cJSON_DeleteItemFromArray(files, at);
            break;
        }
    if (rc == 0 && !cJSON_AddItemToArray(files, cJSON_CreateString("summary.json")))
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
