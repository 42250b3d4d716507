/* html.c — see html.h. */
#include "app/html.h"

#include "app/numfmt.h"
#include "app/window.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/billing.h"
#include "models/traffic.h"
#include "sim/cfg.h"

/* Text made safe inside HTML: markup characters as entities, and since the page declares
 * UTF-8, control characters and bytes that are not UTF-8 (a Latin-1 description) written
 * \xNN, as the error messages write them (cfg_escape); newlines and tabs are kept. */
static void esc(text *t, const char *s)
{
    while (*s) {
        size_t n = 1;
        switch (*s) {
        case '<': text_printf(t, "&lt;"); break;
        case '>': text_printf(t, "&gt;"); break;
        case '&': text_printf(t, "&amp;"); break;
        case '"': text_printf(t, "&quot;"); break;
        case '\'': text_printf(t, "&#39;"); break;
        case '\n': case '\t': text_printf(t, "%c", *s); break;
        default:
            n = cfg_utf8_length(s);
            if (n == 0) {
                text_printf(t, "\\x%02x", (unsigned char)*s);
                n = 1;
            } else {
                text_printf(t, "%.*s", (int)n, s);
            }
        }
        s += n;
    }
}

/* A figure's row: its mean and half-width printed as the text report prints them
 * (app/numfmt.c). A row marked optional is left out when the figure is 0 in every
 * replication (mean and half-width 0): an outcome or a figure that does not apply. */
static void row_styled(text *t, const run_result *r, const char *label, const char *name, num_style s,
                       bool optional)
{
    double ci, m = run_value(r, name, &ci);
    if (optional && m == 0 && (ci == 0 || isnan(ci)))
        return;
    char a[64], b[64];
    num_pair(a, sizeof a, b, sizeof b, m, ci, s);
    text_printf(t, "<tr><td>");
    esc(t, label);
    text_printf(t, "</td><td class=n>%s</td><td class=n>%s</td></tr>\n", isnan(m) ? "–" : a, b);
}

static void row(text *t, const run_result *r, const char *label, const char *name, num_style s)
{
    row_styled(t, r, label, name, s, false);
}

/* Inlines dir/name.svg (without its XML prologue); nothing when it is missing. */
static int inline_svg(text *t, const char *dir, const char *name, const char *caption)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    char why[256];
    FILE *f = cfg_fopen_regular(path, why, sizeof why);
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *svg = len > 0 && len < (64L << 20) ? malloc((size_t)len + 1) : NULL;
    size_t n = svg ? fread(svg, 1, (size_t)len, f) : 0;
    fclose(f);
    if (!svg)
        return 0;
    svg[n] = '\0';
    const char *start = strstr(svg, "<svg");
    if (start) {
        text_printf(t, "<figure>\n%s\n<figcaption>", start);
        esc(t, caption);
        text_printf(t, "</figcaption></figure>\n");
    }
    free(svg);
    return start != NULL;
}

static int inline_svg(text *t, const char *dir, const char *name, const char *caption);

/* The pipelines: a warning when work was lost, the units of work (work.*), each source's
 * pipeline latency, and, when every request is handed over asynchronously, the latency plot
 * (which then draws the work). */
static void pipelines(text *t, const run_result *r, const char *dir)
{
    const world_spec *spec = r->spec;
    char name[256];
    text_printf(t, "<h2>Pipelines</h2>\n");
    double events = run_value(r, "work.events", NULL), lost = run_value(r, "work.lost", NULL);
    if (lost > 0) {
        char a[64], b[64], unused[8];
        num_pair(a, sizeof a, unused, sizeof unused, lost, NAN, NUM_COUNT);
        num_pair(b, sizeof b, unused, sizeof unused, events, NAN, NUM_COUNT);
        text_printf(t, "<p><strong>Lost work: %.*f%% of events</strong> (%s of %s a replication) "
                    "ended without their last stage processing them.</p>\n", 100.0 * lost / events < 1 ? 2 : 1,
                    100.0 * lost / events, a, b);
    }
    text_printf(t, "<p class=muted>A unit of work is each measured request, and each message "
                "derived from one (bucket events, topic copies, messages a function sends); it ends "
                "processed at a last stage, or lost, or is in flight at the end: events = processed + "
                "lost + in flight in every replication. Latency: from the request's arrival to the end "
                "of the last stage, processed units.</p>\n"
                "<table><tr><th>work</th><th>mean</th><th>±</th></tr>\n");
    static const char *const counts[] = { "events", "processed", "lost", "in_flight" };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        snprintf(name, sizeof name, "work.%s", counts[i]);
        row(t, r, counts[i], name, NUM_COUNT);
    }
    static const char *const how[] = { "failed", "throttled", "timed_out", "dropped", "dead_lettered",
                                       "expired" };
    for (size_t i = 0; i < sizeof how / sizeof how[0]; i++) {
        snprintf(name, sizeof name, "work.lost_by.%s", how[i]);
        if (run_value(r, name, NULL) > 0) {
            char label[64];
            snprintf(label, sizeof label, "lost: %s", how[i]);
            row(t, r, label, name, NUM_COUNT);
        }
    }
    static const char *const lat[] = { "mean", "p50", "p99" };
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
        char label[64];
        snprintf(name, sizeof name, "work.latency_ms_%s", lat[i]);
        snprintf(label, sizeof label, "latency %s (ms)", lat[i]);
        row(t, r, label, name, NUM_MS);
    }
    text_printf(t, "</table>\n<table><tr><th>source: creation to the end of its last stage</th>"
                "<th>mean</th><th>±</th></tr>\n");
    for (size_t i = 0; i < spec->n_sources; i++)
        for (size_t k = 1; k < sizeof lat / sizeof lat[0]; k++) {
            char label[160];
            snprintf(label, sizeof label, "%s %s (ms)", spec->sources[i].name, lat[k]);
            snprintf(name, sizeof name, "pipelines.%s.latency_ms.%s", spec->sources[i].name, lat[k]);
            row(t, r, label, name, NUM_MS);
        }
    text_printf(t, "</table>\n");
    if (spec->all_async)
        inline_svg(t, dir, "plot-latency", "Pipeline latency (every request is handed over "
                   "asynchronously, so the plot draws the work): the share of processed units of work "
                   "at or below each latency, from arrival to the end of the last stage.");
}

int html_report(const run_result *r, const char *dir, char *err, size_t err_size)
{
    const world_spec *spec = r->spec;
    text t = { 0 };
    text_printf(&t, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n<title>slsim: ");
    esc(&t, spec->name);
    text_printf(&t, "</title>\n<style>\n"
                "body{font-family:sans-serif;max-width:1040px;margin:2em auto;padding:0 1em;color:#222}\n"
                "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
                "table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .8em;border-bottom:1px solid #eee}\n"
                "td.n{text-align:right;font-variant-numeric:tabular-nums}th{text-align:left}\n"
                "figure{margin:1em 0}figure svg{max-width:100%%;height:auto}figcaption{color:#555;font-size:.9em}\n"
                "pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:.8em}.muted{color:#666}\n"
                "</style></head><body>\n<h1>slsim: ");
    esc(&t, spec->name);
    text_printf(&t, "</h1>\n<p>");
    esc(&t, spec->description);
    text_printf(&t, "</p>\n<p class=muted>Scenario <code>");
    esc(&t, spec->file);
    char dur[64], warm[64], unused[8];
    num_pair(dur, sizeof dur, unused, sizeof unused, spec->duration_s, NAN, NUM_COUNT);
    num_pair(warm, sizeof warm, unused, sizeof unused, spec->warmup_s, NAN, NUM_COUNT);
    text_printf(&t, "</code>, seed %llu, %u replication%s of %s s measured after %s s of warm-up; ± columns "
                "are 95%% confidence half-widths. Monthly cost on a %g-hour month, price table ",
                (unsigned long long)spec->seed, spec->replications, spec->replications == 1 ? "" : "s",
                dur, warm, spec->prices.month_hours);
    esc(&t, spec->prices.name);
    text_printf(&t, ".</p>\n");
    inline_svg(&t, dir, "architecture", "The architecture: each component's rate, p99, losses (red) and monthly "
               "cost; solid arrows are calls the sender waits for, dashed ones hand-overs, dotted red ones failures.");
    if (!(run_value(r, "requests.arrived", NULL) > 0))
        text_printf(&t, "<p><strong>Nothing arrived</strong>: no request or event arrived in the measured "
                    "window of any replication, so every figure below is empty (check the traffic's rates "
                    "and start times against <code>warmup_s</code> and <code>duration_s</code>).</p>\n");
    char warn[1536];
    if (window_warning(spec, warn, sizeof warn)) {
        text_printf(&t, "<p><strong>Short window</strong>: ");
        esc(&t, warn);
        text_printf(&t, ".</p>\n");
    }

    if (spec->pipelines)
        pipelines(&t, r, dir);
    text_printf(&t, "<h2>Requests</h2>\n<table><tr><th>outcome</th><th>mean</th><th>±</th></tr>\n");
    /* As the text report: every outcome, attempts too; an outcome that is 0 in every
     * replication (dead letters in a scenario without queues) is left out. */
    static const char *const req[] = { "arrived", "completed", "failed", "throttled", "timed_out",
                                       "dropped", "dead_lettered", "expired", "in_flight", "attempts" };
    char name[256];
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        snprintf(name, sizeof name, "requests.%s", req[i]);
        bool always = !strcmp(req[i], "arrived") || !strcmp(req[i], "completed") || !strcmp(req[i], "attempts");
        row_styled(&t, r, req[i], name, NUM_COUNT, !always);
    }
    text_printf(&t, "</table>\n<h2>Latency of completed requests (ms)</h2>\n"
                "<table><tr><th>statistic</th><th>mean</th><th>±</th></tr>\n");
    static const char *const lat[] = { "mean", "p50", "p90", "p95", "p99", "p999", "max" };
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
        snprintf(name, sizeof name, "latency_ms.%s", lat[i]);
        row(&t, r, lat[i], name, NUM_MS);
    }
    text_printf(&t, "</table>\n");
    if (!(spec->all_async && spec->pipelines))
        inline_svg(&t, dir, "plot-latency", "End-to-end latency: the share of completed requests at or below each latency.");

    text_printf(&t, "<h2>Monthly cost (");
    esc(&t, spec->prices.currency);
    text_printf(&t, ")</h2>\n<table><tr><th>line</th><th>mean</th><th>±</th></tr>\n");
    for (size_t k = 0; k < spec->prices.n_lines; k++) {
        snprintf(name, sizeof name, "cost.by_line.%s", spec->prices.line_name[k]);
        if (run_value(r, name, NULL) != 0)
            row(&t, r, spec->prices.line_name[k], name, NUM_MONEY);
    }
    row(&t, r, "total", "cost.monthly_total", NUM_MONEY);
    text_printf(&t, "</table>\n");
    inline_svg(&t, dir, "plot-cost", "Monthly cost by line item.");

    text_printf(&t, "<h2>Over time</h2>\n");
    if (!inline_svg(&t, dir, "plot-timeline", "Arrivals, instances, cold starts and throttles per interval."))
        text_printf(&t, "<p class=muted>No plots: gnuplot was not available (see timeseries.csv).</p>\n");

    text_printf(&t, "<h2>Components</h2>\n<p class=muted>Figures that are 0 in every replication are "
                "left out (summary.json has them all).</p>\n");
    for (size_t c = 0; c < spec->n_components; c++) {
        const component_spec *cs = &spec->components[c];
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s.%s.", cs->kind->plural, cs->name);
        size_t plen = strlen(prefix), shown = 0;
        for (size_t i = 0; i < r->n_values && shown < 40; i++) {
            if (strncmp(r->names[i], prefix, plen) != 0)
                continue;
            double ci, m = run_value(r, r->names[i], &ci);
            if (m == 0 && (ci == 0 || isnan(ci)))
                continue;
            if (shown++ == 0) {
                text_printf(&t, "<h3>%s ", cs->kind->name);
                esc(&t, cs->name);
                text_printf(&t, "</h3>\n<table><tr><th>figure</th><th>mean</th><th>±</th></tr>\n");
            }
            row(&t, r, r->names[i] + plen, r->names[i], num_style_of(r->names[i] + plen));
        }
        if (shown)
            text_printf(&t, "</table>\n");
        if (c >= 50) {
            text_printf(&t, "<p class=muted>… and %zu more components (functions.csv, summary.json).</p>\n",
                        spec->n_components - c - 1);
            break;
        }
    }

    text_printf(&t, "<h2>The scenario, resolved</h2>\n<p class=muted>Every key with its default filled "
                "in (what <code>--print-config</code> prints).</p>\n<pre>");
    char *json = spec->resolved ? cJSON_Print(spec->resolved) : NULL;
    if (json) {
        if (strlen(json) > (4u << 20))
            json[4u << 20] = '\0';      /* a replayed trace's thousands of functions */
        esc(&t, json);
    }
    free(json);
    text_printf(&t, "</pre>\n<p class=muted>Made by slsim.</p>\n</body></html>\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/report.html", dir);
    int rc = 0;
    if (t.oom || report_write_atomic(path, t.s, t.n) != 0) {
        snprintf(err, err_size, "%s: cannot write: %s", path, t.oom ? "out of memory" : strerror(errno));
        rc = -1;
    }
    free(t.s);
    return rc;
}
