/* graph.c — see graph.h.
 *
 * The picture is made in two passes over the scenario: the nodes (which components are
 * shown, and the node each is drawn as: its own, or the one node of the rest), then the
 * edges, each kept once per (from, to, style) in the order found, so that a scenario's DOT
 * text is always the same. Every figure comes from the run's means (run_value), the
 * numbers summary.json holds; a figure a kind does not report is left out of its label. */
#include "app/graph.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app/numfmt.h"
#include "app/spawn.h"
#include "models/gateway.h"
#include "models/trace.h"
#include "models/traffic.h"
#include "sim/cfg.h"

#define FONT   "Helvetica,Arial,sans-serif"
#define RED    "#c00000"
#define MUTED  "#555555"

/* ---- numbers for people ------------------------------------------------------------ */

/* Decimals that show x (> 0) to about three significant figures, at least min. */
static int decimals_for(double x, int min)
{
    int d = x > 0 ? 2 - (int)floor(log10(x)) : min;
    return d < min ? min : d > 9 ? 9 : d;
}

/* A rate per second: 1,234, 40.0, 5.17, 0.00333, 0. */
static void fmt_rate(char *buf, size_t size, double per_s)
{
    if (per_s == 0) {
        snprintf(buf, size, "0");
        return;
    }
    num_grouped(buf, size, per_s, per_s >= 100 ? 0 : per_s >= 10 ? 1 : per_s >= 1 ? 2 : decimals_for(per_s, 2));
}

/* A latency: 0.85 ms, 15.1 ms, 2,998 ms, 12.3 s. */
static void fmt_ms(char *buf, size_t size, double ms)
{
    char n[64];
    if (ms >= 10000) {
        num_grouped(n, sizeof n, ms / 1000, 1);
        snprintf(buf, size, "%s s", n);
        return;
    }
    num_grouped(n, sizeof n, ms, ms >= 100 ? 0 : ms >= 1 ? 1 : 2);
    snprintf(buf, size, "%s ms", n);
}

/* A count in the measured window (a mean over replications): 3.4, 5,670. */
static void fmt_count(char *buf, size_t size, double x)
{
    num_grouped(buf, size, x, x >= 100 || x == floor(x) ? 0 : 1);
}

/* num as a share of den, as label text (markup escaped): 13.9%, 0.36%, &lt;0.01%; empty when
 * den is not positive. */
static void fmt_share(char *buf, size_t size, double num, double den)
{
    if (!(den > 0)) {
        buf[0] = '\0';
        return;
    }
    double pct = 100 * num / den;
    if (pct > 0 && pct < 0.01)
        snprintf(buf, size, "&lt;0.01%%");   /* a bare < is a tag to dot: the picture failed */
    else
        snprintf(buf, size, "%.*f%%", pct >= 10 ? 0 : pct >= 1 ? 1 : 2, pct);
}

/* A monthly amount: $1,234.56, or 1,234.56 EUR in another currency. */
static void fmt_money(char *buf, size_t size, double x, const char *currency)
{
    char n[64];
    num_grouped(n, sizeof n, x, 2);
    if (!strcmp(currency, "USD"))
        snprintf(buf, size, "$%s", n);
    else
        snprintf(buf, size, "%s %.7s", n, currency);
}

/* ---- text into DOT --------------------------------------------------------------------- */

/* Appends s as the text of an HTML-like label: markup characters as entities (so a name is
 * never a tag: no <IMG> reads a file); a backslash doubled, since dot replaces \N, \G and
 * the like even there, after the entities, and makes \\ one backslash; control characters
 * and bytes that are not UTF-8 as \xNN; at most max characters, then "…". */
static void esc(text *t, const char *s, size_t max)
{
    for (size_t shown = 0; *s; shown++) {
        if (shown == max) {
            text_printf(t, "…");
            return;
        }
        size_t n = cfg_utf8_length(s);
        switch (*s) {
        case '&': text_printf(t, "&amp;"); break;
        case '<': text_printf(t, "&lt;"); break;
        case '>': text_printf(t, "&gt;"); break;
        case '"': text_printf(t, "&quot;"); break;
        case '\'': text_printf(t, "&#39;"); break;
        case '\\': text_printf(t, "&#92;&#92;"); break;
        default:
            if (n == 0)
                text_printf(t, "&#92;&#92;x%02x", (unsigned char)*s);
            else
                text_printf(t, "%.*s", (int)n, s);
        }
        s += n ? n : 1;
    }
}

/* ---- how each kind looks, and which of its figures it shows ------------------------------ */

typedef struct look {
    const char *kind;                  /* component_kind.name */
    const char *shape, *fill, *line, *extra;
    const char *count, *unit;          /* the figure counted per second, and what it counts */
    const char *p99, *p99_label;       /* its p99 (NULL: none) */
    const char *mean, *mean_label;     /* a mean shown when it has no p99 (NULL: none) */
    const char *losses[8][2];          /* figure, label: shown in red when not zero */
} look;

#define SERVICE_LOSSES { { "errors", "errors" }, { "throttled", "throttled" }, { "refused", "refused" }, \
    { "timeouts", "timed out" }, { "queue_timeouts", "queue timeouts" },                                  \
    { "connection_errors", "connection errors" }, { "reset", "reset" } }
#define TOPIC_LOSSES { { "dropped", "dropped" }, { "dead_lettered", "dead-lettered" }, \
    { "http_failures", "HTTP failures" } }
#define FLEET_LOSSES { { "rejected", "rejected" }, { "errors", "errors" }, { "timeouts", "timed out" } }

static const look looks[] = {
    { "function", "box", "#ffe9c7", "#d9822b", "style=\"rounded,filled\"",
      "invocations", "invocations", NULL, NULL, "mean_duration_ms", "mean",
      { { "throttles", "throttled" }, { "errors", "errors" }, { "timeouts", "timed out" },
        { "async_dropped", "dropped" }, { "async_expired", "expired" },
        { "async_to_on_failure", "to on_failure" } } },
    { "queue", "cds", "#fbdbe8", "#c2185b", "margin=\"0.22,0.1\"",
      "sent", "messages", "wait_ms_p99", "wait p99", NULL, NULL,
      { { "dead_lettered", "dead-lettered" }, { "expired", "expired" } } },
    { "topic", "hexagon", "#ffe0d6", "#d84315", "margin=\"0.02,0.02\"",
      "published", "messages", NULL, NULL, NULL, NULL, TOPIC_LOSSES },
    { "bus", "hexagon", "#f3e5f5", "#8e24aa", "margin=\"0.02,0.02\"",
      "events", "events", NULL, NULL, NULL, NULL, TOPIC_LOSSES },
    { "stream", "box", "#e0e7ff", "#3949ab", "style=\"filled,diagonals\"",
      "records", "records", "iterator_age_ms_p99", "iterator age p99", NULL, NULL,
      { { "throttled_puts", "throttled puts" }, { "records_expired", "expired" },
        { "to_on_failure", "to on_failure" } } },
    { "bucket", "cylinder", "#e3f4dc", "#388e3c", NULL,
      "uploads", "uploads", NULL, NULL, NULL, NULL, { { NULL } } },
    { "schedule", "tab", "#fff7c2", "#a68a00", NULL,
      "runs", "runs", NULL, NULL, "run_ms_mean", "mean", { { "failed", "failed" }, { "skipped", "skipped" } } },
    { "service", "box3d", "#dcecfc", "#1e6fb8", "margin=\"0.16,0.1\"",
      "calls", "calls", "latency_ms_p99", "p99", NULL, NULL, SERVICE_LOSSES },
    { "pool", "box3d", "#d8f3ee", "#00897b", "margin=\"0.16,0.1\"",
      "calls", "calls", "latency_ms_p99", "p99", NULL, NULL, SERVICE_LOSSES },
    { "workflow", "component", "#fde3ef", "#ad1457", NULL,
      "executions", "executions", "latency_ms_p99", "p99", NULL, NULL,
      { { "failed", "failed" }, { "timed_out", "timed out" }, { "compensated", "compensated" },
        { "compensation_failed", "compensation failed" } } },
    { "container", "box", "#d9f1fb", "#0277bd", "peripheries=2",
      "requests", "requests", "latency_ms_p99", "p99", NULL, NULL, FLEET_LOSSES },
    { "vm", "box", "#e6e6f2", "#455a64", "peripheries=2",
      "requests", "requests", "latency_ms_p99", "p99", NULL, NULL, FLEET_LOSSES },
};

/* A kind the table does not know yet still gets a node: its name and cost. */
static const look plain = { "", "box", "#f2f2f2", "#757575", NULL, NULL, NULL, NULL, NULL, NULL, NULL, { { NULL } } };

static const look *look_of(const char *kind)
{
    for (size_t i = 0; i < sizeof looks / sizeof looks[0]; i++)
        if (!strcmp(looks[i].kind, kind))
            return &looks[i];
    return &plain;
}

static const char *const process_names[] = { "constant", "poisson", "diurnal", "on/off", "spike", "trace" };

/* ---- nodes ---------------------------------------------------------------------------- */

/* A node: a source ('s'), a source's gateway ('g'), a component ('c'), the components
 * not shown ('m') or the sources not shown ('n'), with its index. */
typedef struct node {
    char   type;
    size_t index;
} node;

typedef struct graph {
    const run_result *r;
    const world_spec *spec;
    text             *t;
    bool             *shown;      /* per component */
    size_t            n_shown, n_sources_shown, n_gateways;
    struct edge { node from, to; int style; const char *label; } *edges;
    size_t            n_edges, cap_edges;
    int               oom;
} graph;

enum { EDGE_SYNC, EDGE_ASYNC, EDGE_FAILURES };

static void node_id(text *t, node n)
{
    if (n.type == 'm' || n.type == 'n')
        text_printf(t, "%s", n.type == 'm' ? "more_components" : "more_sources");
    else
        text_printf(t, "%c%zu", n.type, n.index);
}

static node component_node(const graph *g, int c)
{
    return g->shown[c] ? (node){ 'c', (size_t)c } : (node){ 'm', 0 };
}

static node source_node(const graph *g, size_t s)
{
    return s < g->n_sources_shown ? (node){ 's', s } : (node){ 'n', 0 };
}

static double figure(const graph *g, const char *plural, const char *name, const char *fig)
{
    char key[1024];
    snprintf(key, sizeof key, "%s.%s.%s", plural, name, fig);
    return run_value(g->r, key, NULL);
}

/* One line of a label: a loss in red, "errors 5,670 (13.9%)", when it is not zero. */
static void loss_line(text *t, const char *label, double count, double of)
{
    if (!(count > 0))
        return;
    char n[64], share[32];
    fmt_count(n, sizeof n, count);
    fmt_share(share, sizeof share, count, of);
    text_printf(t, "<BR/><FONT COLOR=\"" RED "\">%s %s%s%s%s</FONT>", label, n, share[0] ? " (" : "", share,
                share[0] ? ")" : "");
}

/* The figures: "40.0 invocations/s", then "p99 15.1 ms" on a line of its own (narrow nodes
 * keep a left-to-right chain readable at a page's width); what is missing is left out. */
static void rate_line(text *t, double per_s, const char *unit, const char *lat_label, double lat_ms, bool offered)
{
    char rate[64], lat[96];
    if (isfinite(per_s)) {
        fmt_rate(rate, sizeof rate, per_s);
        text_printf(t, "<BR/>%s%s %s/s", offered ? "offered " : "", rate, unit ? unit : "");
    }
    if (lat_label && isfinite(lat_ms)) {
        fmt_ms(lat, sizeof lat, lat_ms);
        text_printf(t, "<BR/>%s %s", lat_label, lat);
    }
}

static void cost_line(const graph *g, text *t, double cost, const char *note)
{
    if (!isfinite(cost))
        return;
    char money[96];
    fmt_money(money, sizeof money, cost, g->spec->prices.currency);
    text_printf(t, "<BR/>%s/month%s", money, note ? note : "");
}

static void node_open(text *t, node n, const char *shape, const char *fill, const char *line, const char *extra)
{
    text_printf(t, "  ");
    node_id(t, n);
    text_printf(t, " [shape=%s, fillcolor=\"%s\", color=\"%s\"%s%s, label=<", shape, fill, line, extra ? ", " : "",
                extra ? extra : "");
}

static void kind_line(text *t, const char *kind)
{
    text_printf(t, "<FONT POINT-SIZE=\"8\" COLOR=\"" MUTED "\">%s</FONT><BR/>", kind);
}

/* The monthly cost of the entry's lines: the lines pricing a gateway.* dimension. */
static double gateway_cost(const graph *g)
{
    const price_table *p = &g->spec->prices;
    double sum = 0;
    for (size_t k = 0; k < p->n_lines; k++) {
        bool entry = false;
        for (size_t d = 0; d < p->n_dims && !entry; d++)
            entry = p->dim[d].line == (int)k && !strncmp(p->dim[d].name, "gateway.", 8);
        if (!entry)
            continue;
        char key[128];
        snprintf(key, sizeof key, "cost.by_line.%s", p->line_name[k]);
        double v = run_value(g->r, key, NULL);
        if (isfinite(v))
            sum += v;
    }
    return sum;
}

static void source_nodes(graph *g)
{
    const world_spec *spec = g->spec;
    text *t = g->t;
    bool one = spec->n_sources == 1;
    double arrived = run_value(g->r, "requests.arrived", NULL);
    for (size_t i = 0; i < g->n_sources_shown; i++) {
        const source_spec *s = &spec->sources[i];
        node_open(t, (node){ 's', i }, "ellipse", "#eeeeee", "#757575", "margin=\"0.02,0.02\"");
        char kind[64];
        size_t process = (size_t)s->process;
        snprintf(kind, sizeof kind, "traffic (%s%s)",
                 process < sizeof process_names / sizeof process_names[0] ? process_names[process] : "?",
                 s->async ? ", async" : "");
        kind_line(t, kind);
        text_printf(t, "<B>");
        esc(t, s->name, GRAPH_NAME_MAX);
        text_printf(t, "</B>");
        /* Arrivals are counted per scenario, not per source: a source among several shows
         * the rate it offers over the window. */
        double per_s = one ? arrived / spec->duration_s
                           : traffic_expected_arrivals(s, spec->warmup_s, spec->warmup_s + spec->duration_s) /
                                 spec->duration_s;
        char key[1024];
        snprintf(key, sizeof key, "pipelines.%s.latency_ms.p99", s->name);
        rate_line(t, per_s, "requests", "p99", run_value(g->r, key, NULL), !one);
        if (one) {
            static const char *const outcomes[][2] = { { "failed", "failed" }, { "throttled", "throttled" },
                { "timed_out", "timed out" }, { "dropped", "dropped" }, { "dead_lettered", "dead-lettered" },
                { "expired", "expired" } };
            for (size_t k = 0; k < sizeof outcomes / sizeof outcomes[0]; k++) {
                snprintf(key, sizeof key, "requests.%s", outcomes[k][0]);
                loss_line(t, outcomes[k][1], run_value(g->r, key, NULL), arrived);
            }
        }
        text_printf(t, ">];\n");
        if (s->gw.type == GATEWAY_NONE)
            continue;
        node_open(t, (node){ 'g', i }, "octagon", "#ede7f6", "#5e35b1", "margin=\"0.02,0.02\"");
        kind_line(t, "API gateway");
        static const char *const gw_names[GATEWAY_TYPES] = {
            [GATEWAY_REST] = "REST API", [GATEWAY_HTTP] = "HTTP API",
            [GATEWAY_API_MANAGEMENT] = "API Management", [GATEWAY_GOOGLE] = "API Gateway (Google)",
        };
        text_printf(t, "<B>%s</B>", gw_names[s->gw.type] ? gw_names[s->gw.type] : "gateway");
        snprintf(key, sizeof key, "sources.%s.gateway_cache_hit_ratio", s->name);
        double hits = run_value(g->r, key, NULL);
        if (s->gw.cache && isfinite(hits)) {
            char share[32];
            fmt_share(share, sizeof share, hits, 1);
            text_printf(t, "<BR/>cache hits %s", share);
        }
        snprintf(key, sizeof key, "sources.%s.gateway_rejected", s->name);
        loss_line(t, "rejected", run_value(g->r, key, NULL), one ? arrived : NAN);
        /* The entry's bill is its target's share: said as such, and only when it is one
         * gateway's alone. */
        if (g->n_gateways == 1 && s->target >= 0) {
            text n = { 0 };
            text_printf(&n, "<BR/>(part of ");
            esc(&n, spec->components[s->target].name, GRAPH_NAME_MAX);
            text_printf(&n, "&#39;s)");
            if (!n.oom)
                cost_line(g, t, gateway_cost(g), n.s);
            g->oom |= n.oom;
            free(n.s);
        }
        text_printf(t, ">];\n");
    }
    if (g->n_sources_shown < spec->n_sources) {
        node_open(t, (node){ 'n', 0 }, "ellipse", "#eeeeee", "#757575", NULL);
        text_printf(t, "<B>… and %zu more sources</B>>];\n", spec->n_sources - g->n_sources_shown);
    }
}

static void component_nodes(graph *g)
{
    const world_spec *spec = g->spec;
    text *t = g->t;
    double more_cost = 0;
    for (size_t c = 0; c < spec->n_components; c++) {
        const component_spec *cs = &spec->components[c];
        char key[1024];
        snprintf(key, sizeof key, "cost.by_component.%s", cs->name);
        double cost = run_value(g->r, key, NULL);
        if (!g->shown[c]) {
            more_cost += isfinite(cost) ? cost : 0;
            continue;
        }
        const look *l = look_of(cs->kind->name);
        const char *plural = cs->kind->plural;
        node_open(t, (node){ 'c', c }, l->shape, l->fill, l->line, l->extra);
        /* Off AWS the kind says which of the provider's services it is ("queue · service-bus"):
         * the resolved scenario holds the one chosen, a name the price table offers. */
        const cJSON *rc = spec->resolved ? cJSON_GetArrayItem(cJSON_GetObjectItem(spec->resolved, "components"), (int)c)
                                         : NULL;
        const cJSON *sv = cJSON_GetObjectItem(rc, "service");
        if (!cJSON_IsString(sv))
            sv = cJSON_GetObjectItem(cJSON_GetObjectItem(rc, "table"), "service");
        if (spec->provider != PROVIDER_AWS && cJSON_IsString(sv)) {
            char kind[96];
            snprintf(kind, sizeof kind, "%s · %s", cs->kind->name, sv->valuestring);
            kind_line(t, kind);
        } else {
            kind_line(t, cs->kind->name);
        }
        text_printf(t, "<B>");
        esc(t, cs->name, GRAPH_NAME_MAX);
        text_printf(t, "</B>");
        double count = l->count ? figure(g, plural, cs->name, l->count) : NAN;
        double lat = NAN;
        const char *lat_label = NULL;
        if (l->p99) {
            lat = figure(g, plural, cs->name, l->p99);
            lat_label = l->p99_label;
        } else if (l->mean) {
            lat = figure(g, plural, cs->name, l->mean);
            lat_label = l->mean_label;
        }
        if (count == 0)
            lat = NAN;          /* a mean of nothing (a function reports 0) */
        rate_line(t, count / spec->duration_s, l->unit, lat_label, lat, false);
        for (size_t k = 0; k < sizeof l->losses / sizeof l->losses[0] && l->losses[k][0]; k++)
            loss_line(t, l->losses[k][1], figure(g, plural, cs->name, l->losses[k][0]), count);
        cost_line(g, t, cost, NULL);
        text_printf(t, ">];\n");
    }
    if (g->n_shown < spec->n_components) {
        node_open(t, (node){ 'm', 0 }, "box", "#f2f2f2", "#757575", "style=\"rounded,filled,dashed\"");
        text_printf(t, "<B>… and %zu more components</B>", spec->n_components - g->n_shown);
        cost_line(g, t, more_cost, NULL);
        text_printf(t, ">];\n");
    }
}

/* ---- edges ---------------------------------------------------------------------------- */

static bool same(node a, node b)
{
    return a.type == b.type && a.index == b.index;
}

/* Adds an edge unless it is a loop or already there; a hand-over to where a call already
 * goes (a topic's HTTP subscriber is both) is the call. */
static void edge_add(graph *g, node from, node to, int style, const char *label)
{
    if (same(from, to))
        return;
    for (size_t i = 0; i < g->n_edges; i++) {
        struct edge *e = &g->edges[i];
        if (same(e->from, from) && same(e->to, to) &&
            (e->style == style || (style == EDGE_ASYNC && e->style == EDGE_SYNC && !label)))
            return;
    }
    if (g->n_edges == g->cap_edges) {
        size_t cap = g->cap_edges ? 2 * g->cap_edges : 32;
        struct edge *e = realloc(g->edges, cap * sizeof *e);
        if (!e) {
            g->oom = 1;
            return;
        }
        g->edges = e;
        g->cap_edges = cap;
    }
    g->edges[g->n_edges++] = (struct edge){ from, to, style, label };
}

/* Every edge of one sort of component c's (component_kind.calls, .fanout, .sends). */
static void component_edges_add(graph *g, size_t c, component_edges edges, int style)
{
    const component_spec *cs = &g->spec->components[c];
    if (!edges)
        return;
    component_edge e;
    for (size_t i = 0; memset(&e, 0, sizeof e), edges(cs->spec, cs->path, i, &e); i++)
        if (e.target >= 0 && (size_t)e.target < g->spec->n_components)
            edge_add(g, component_node(g, (int)c), component_node(g, e.target),
                     e.failures ? EDGE_FAILURES : style, e.label);
}

static void collect_edges(graph *g)
{
    const world_spec *spec = g->spec;
    for (size_t i = 0; i < spec->n_sources; i++) {
        const source_spec *s = &spec->sources[i];
        int style = s->async ? EDGE_ASYNC : EDGE_SYNC;
        node from = source_node(g, i);
        if (from.type == 's' && s->gw.type != GATEWAY_NONE) {
            edge_add(g, from, (node){ 'g', i }, style, NULL);
            from = (node){ 'g', i };
        }
        if (s->trace && trace_has_functions(s->trace)) {
            for (size_t k = 0; k < trace_function_count(s->trace); k++) {
                int c = trace_function_component(s->trace, k);
                if (c >= 0 && (size_t)c < spec->n_components)
                    edge_add(g, from, component_node(g, c), style, NULL);
            }
        } else if (s->target >= 0 && (size_t)s->target < spec->n_components) {
            edge_add(g, from, component_node(g, s->target), style, NULL);
        }
    }
    for (size_t c = 0; c < spec->n_components; c++) {
        const component_kind *k = spec->components[c].kind;
        component_edges_add(g, c, k->calls, EDGE_SYNC);
        component_edges_add(g, c, k->fanout, EDGE_ASYNC);
        component_edges_add(g, c, k->sends, EDGE_ASYNC);
    }
}

static void write_edges(const graph *g)
{
    text *t = g->t;
    for (size_t i = 0; i < g->n_edges; i++) {
        const struct edge *e = &g->edges[i];
        text_printf(t, "  ");
        node_id(t, e->from);
        text_printf(t, " -> ");
        node_id(t, e->to);
        if (e->style == EDGE_ASYNC)
            text_printf(t, " [style=dashed");
        else if (e->style == EDGE_FAILURES)
            text_printf(t, " [style=dotted, color=\"" RED "\", fontcolor=\"" RED "\"");
        else
            text_printf(t, " [style=solid");
        if (e->label) {
            text_printf(t, ", label=<");
            esc(t, e->label, GRAPH_NAME_MAX);
            text_printf(t, ">");
        }
        text_printf(t, "];\n");
    }
}

/* ---- the graph ------------------------------------------------------------------------ */

/* Marks the components drawn: all of them, or the GRAPH_COMPONENTS_MAX - 1 costliest. */
static int choose_components(graph *g)
{
    size_t n = g->spec->n_components;
    g->shown = calloc(n ? n : 1, sizeof *g->shown);
    if (!g->shown)
        return -1;
    if (n <= GRAPH_COMPONENTS_MAX) {
        for (size_t c = 0; c < n; c++)
            g->shown[c] = true;
        g->n_shown = n;
        return 0;
    }
    double *cost = malloc(n * sizeof *cost);
    if (!cost)
        return -1;
    for (size_t c = 0; c < n; c++) {
        char key[1024];
        snprintf(key, sizeof key, "cost.by_component.%s", g->spec->components[c].name);
        double v = run_value(g->r, key, NULL);
        cost[c] = isfinite(v) ? v : 0;
    }
    /* The costliest by selection (equal costs in the scenario's order): keep is small. */
    size_t keep = GRAPH_COMPONENTS_MAX - 1;
    for (size_t k = 0; k < keep; k++) {
        size_t best = n;
        for (size_t c = 0; c < n; c++)
            if (!g->shown[c] && (best == n || cost[c] > cost[best]))
                best = c;
        g->shown[best] = true;
    }
    g->n_shown = keep;
    free(cost);
    return 0;
}

void graph_dot(const run_result *r, text *t)
{
    const world_spec *spec = r->spec;
    graph g = { .r = r, .spec = spec, .t = t };
    if (choose_components(&g) != 0) {
        t->oom = 1;
        return;
    }
    g.n_sources_shown = spec->n_sources <= GRAPH_SOURCES_MAX ? spec->n_sources : GRAPH_SOURCES_MAX - 1;
    for (size_t i = 0; i < g.n_sources_shown; i++)
        g.n_gateways += spec->sources[i].gw.type != GATEWAY_NONE;

    text_printf(t, "// The scenario's architecture and its run's figures, drawn by slsim:\n"
                "// dot -Tsvg architecture.dot -o architecture.svg\n"
                "digraph architecture {\n"
                "  graph [rankdir=LR, fontname=\"" FONT "\", fontsize=12, nodesep=0.25, ranksep=0.45, "
                "labelloc=t, labeljust=l, pad=0.2, bgcolor=white, label=<<B>");
    esc(t, spec->name, 2 * GRAPH_NAME_MAX);
    text_printf(t, "</B><BR ALIGN=\"LEFT\"/><FONT POINT-SIZE=\"9\" COLOR=\"" MUTED "\">means of %u replication%s of ",
                spec->replications, spec->replications == 1 ? "" : "s");
    char n[64];
    num_grouped(n, sizeof n, spec->duration_s, spec->duration_s == floor(spec->duration_s) ? 0 : 1);
    text_printf(t, "%s s measured, rates per second of it; cost per month (", n);
    esc(t, spec->prices.name, GRAPH_NAME_MAX);
    text_printf(t, ")<BR ALIGN=\"LEFT\"/>in red: losses, counted in the window (and their share)"
                "<BR ALIGN=\"LEFT\"/>arrows: solid, a call the sender waits for; dashed, a hand-over; "
                "dotted red, failures only</FONT><BR ALIGN=\"LEFT\"/>>];\n"
                "  node [fontname=\"" FONT "\", fontsize=10, style=filled, penwidth=1.3, margin=\"0.14,0.06\"];\n"
                "  edge [fontname=\"" FONT "\", fontsize=9, color=\"#444444\", arrowsize=0.7];\n");
    source_nodes(&g);
    component_nodes(&g);
    collect_edges(&g);
    write_edges(&g);
    text_printf(t, "}\n");
    if (g.oom)
        t->oom = 1;
    free(g.shown);
    free(g.edges);
}

/* ---- drawing it ----------------------------------------------------------------------- */

/* Seconds dot may take: $SLSIM_PLOT_TIMEOUT (the plots' limit), else 120. */
static double render_timeout(void)
{
    const char *e = getenv("SLSIM_PLOT_TIMEOUT");
    char *end;
    double s = e && *e ? strtod(e, &end) : 0;
    return e && *e && !*end && s > 0 && s < 1e6 ? s : 120;
}

/* dot's outputs are written under names outdir.c takes for slsim's temporaries, then
 * renamed into place: a picture is there whole or not at all. */
static const char *const tmp_names[2] = { ".plot-architecture.slsim-tmp.svg", ".plot-architecture.slsim-tmp.png" };
static const char *const final_names[2] = { "architecture.svg", "architecture.png" };

static void remove_in(const char *dir, const char *name)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static void render(const char *dir, FILE *msg)
{
    for (int i = 0; i < 2; i++)
        remove_in(dir, tmp_names[i]);   /* whatever stands there (a link) goes first */
    char *argv[] = { "dot", "-Tsvg", "-o.plot-architecture.slsim-tmp.svg", "-Tpng",
                     "-o.plot-architecture.slsim-tmp.png", "architecture.dot", NULL };
    char out[4096];
    spawn_result rc = spawn_run(dir, argv, render_timeout(), out, sizeof out);
    bool placed = rc == SPAWN_OK;
    for (int i = 0; i < 2 && placed; i++) {
        char from[4400], to[4400];
        struct stat st;
        snprintf(from, sizeof from, "%s/%s", dir, tmp_names[i]);
        snprintf(to, sizeof to, "%s/%s", dir, final_names[i]);
        placed = stat(from, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && rename(from, to) == 0;
    }
    if (placed)
        return;
    for (int i = 0; i < 2; i++) {
        remove_in(dir, tmp_names[i]);
        remove_in(dir, final_names[i]);
    }
    if (!msg)
        return;
    switch (rc) {
    case SPAWN_MISSING:
        fprintf(msg, "slsim: Graphviz's dot not found (%s): no architecture picture; architecture.dot is in "
                "the results folder (make deps installs Graphviz)\n", out);
        break;
    case SPAWN_TIMED_OUT:
        fprintf(msg, "slsim: dot took longer than %.0f s and was stopped: no architecture picture "
                "(SLSIM_PLOT_TIMEOUT sets the limit)\n", render_timeout());
        break;
    case SPAWN_FAILED:
        fprintf(msg, "slsim: dot failed on architecture.dot: no architecture picture:\n%s%s", out,
                out[0] && out[strlen(out) - 1] == '\n' ? "" : "\n");
        break;
    case SPAWN_ERROR:
        fprintf(msg, "slsim: cannot start dot (%s): no architecture picture\n", strerror(errno));
        break;
    case SPAWN_OK:
        fprintf(msg, "slsim: dot wrote no picture: no architecture picture\n");
        break;
    }
}

int graph_write(const run_result *r, const char *dir, bool draw, FILE *msg, char *err, size_t err_size)
{
    text t = { 0 };
    graph_dot(r, &t);
    char path[4400];
    snprintf(path, sizeof path, "%s/architecture.dot", dir);
    int rc = 0;
    if (t.oom || report_write_atomic(path, t.s, t.n) != 0) {
        snprintf(err, err_size, "%s: cannot write: %s", path, t.oom ? "out of memory" : strerror(errno));
        rc = -1;
    }
    free(t.s);
    if (rc == 0 && draw)
        render(dir, msg);
    return rc;
}
