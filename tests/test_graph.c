/* test_graph.c — the architecture picture (app/graph.h): what it draws, what it says, and
 * that no name can break it.
 *
 * The DOT text is read back as dot would: one node a line ("  c3 [...label=<...<B>name</B>
 * ...>];"), one edge a line ("  c0 -> c2 [style=dashed...];"). The expected nodes and edges
 * of library scenarios are written out here from their files (each component, source and
 * gateway; each call, hand-over and failure path), and the labels' numbers are read back
 * and compared with summary.json's. dot itself must take every DOT slsim writes, hostile
 * names included; without dot a run still leaves a complete results folder. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "app/graph.h"
#include "app/numfmt.h"
#include "tests/suites.h"
#include "tests/support.h"

#define FIXTURE(name) "tests/scenarios/graph/" name ".json"

/* ---- reading DOT back ------------------------------------------------------------------ */

/* The DOT of a scenario's run (replications 1, duration_s of it), caller frees. */
static char *dot_of(const char *file, double duration_s)
{
    world_spec *spec;
    run_result res;
    support_run_file(file, 1, duration_s, NULL, 0, &spec, &res);
    text t = { 0 };
    graph_dot(&res, &t);
    ck_assert_msg(!t.oom && t.s, "%s: no DOT", file);
    support_done(spec, &res);
    return t.s;
}

/* Copies line number `which` (0-based) of the lines of dot that satisfy keep into buf;
 * returns how many lines satisfy it. */
static size_t lines(const char *dot, int (*keep)(const char *line, size_t len), size_t which, char *buf,
                    size_t size)
{
    size_t n = 0;
    for (const char *p = dot; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (keep(p, len)) {
            if (n == which && buf) {
                snprintf(buf, size, "%.*s", (int)len, p);
            }
            n++;
        }
        p += len + (end != NULL);
    }
    return n;
}

static int is_edge(const char *line, size_t len)
{
    const char *arrow = strstr(line, " -> ");
    return arrow && (size_t)(arrow - line) < len;
}

static int is_node(const char *line, size_t len)
{
    const char *label = strstr(line, " [shape=");
    return !strncmp(line, "  ", 2) && !is_edge(line, len) && label && (size_t)(label - line) < len;
}

/* The bold name (its DOT text) of node id, into buf. */
static void node_name(const char *dot, const char *id, char *buf, size_t size)
{
    char line[16384];
    size_t n = lines(dot, is_node, 0, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        lines(dot, is_node, i, line, sizeof line);
        size_t k = strlen(id);
        if (strncmp(line + 2, id, k) || line[2 + k] != ' ')
            continue;
        const char *b = strstr(line, "<B>"), *e = b ? strstr(b, "</B>") : NULL;
        ck_assert_msg(b && e, "node %s has no bold name: %s", id, line);
        snprintf(buf, size, "%.*s", (int)(e - b - 3), b + 3);
        return;
    }
    ck_abort_msg("no node %s", id);
}

/* The label line of the node whose bold name is name (its DOT text), into buf. */
static void label_of(const char *dot, const char *name, char *buf, size_t size)
{
    char line[16384], bold[600];
    snprintf(bold, sizeof bold, "<B>%s</B>", name);
    size_t n = lines(dot, is_node, 0, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        lines(dot, is_node, i, line, sizeof line);
        if (strstr(line, bold)) {
            snprintf(buf, size, "%s", line);
            return;
        }
    }
    ck_abort_msg("no node named %s in:\n%s", name, dot);
}

/* Every edge as "from -> to style[ label]" by names, one a line, in the DOT's order. */
static void edges_by_name(const char *dot, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t n = lines(dot, is_edge, 0, NULL, 0), used = 0;
    for (size_t i = 0; i < n; i++) {
        char line[2048], from_id[64], to_id[64], style[32], from[256], to[256], label[64] = "";
        lines(dot, is_edge, i, line, sizeof line);
        ck_assert_msg(sscanf(line, " %63s -> %63s [style=%31[a-z]", from_id, to_id, style) == 3, "edge: %s", line);
        const char *l = strstr(line, "label=<");
        if (l)
            sscanf(l + 7, "%63[^>]", label);
        node_name(dot, from_id, from, sizeof from);
        node_name(dot, to_id, to, sizeof to);
        used += (size_t)snprintf(buf + used, size - used, "%s -> %s %s%s%s\n", from, to, style, l ? " " : "", label);
        ck_assert_uint_lt(used, size);
    }
}

/* The number written right after prefix in s ("p99 " in "p99 1,234 ms"), separators
 * dropped; NAN when prefix is not there. */
static double number_after(const char *s, const char *prefix)
{
    const char *p = strstr(s, prefix);
    if (!p)
        return NAN;
    p += strlen(prefix);
    char digits[64];
    size_t k = 0;
    for (; *p && k < sizeof digits - 1 && (strchr("0123456789.,-", *p)); p++)
        if (*p != ',')
            digits[k++] = *p;
    digits[k] = '\0';
    return k ? strtod(digits, NULL) : NAN;
}

/* The number written right before suffix in s ("40.0" before " invocations/s"). */
static double number_before(const char *s, const char *suffix)
{
    const char *p = strstr(s, suffix);
    if (!p)
        return NAN;
    const char *b = p;
    while (b > s && strchr("0123456789.,", b[-1]))
        b--;
    char digits[64];
    size_t k = 0;
    for (; b < p && k < sizeof digits - 1; b++)
        if (*b != ',')
            digits[k++] = *b;
    digits[k] = '\0';
    return k ? strtod(digits, NULL) : NAN;
}

/* Whether shown (a number as the label writes it) is want rounded to what it shows:
 * within half a unit of its last digit, or 0.5% (a mean's decimals). */
static void assert_shown(const char *what, double shown, double want)
{
    ck_assert_msg(isfinite(shown), "%s: not shown (want %g)", what, want);
    ck_assert_msg(fabs(shown - want) <= fmax(0.005 * fabs(want), 0.0051), "%s: shows %g, summary.json has %g",
                  what, shown, want);
}

/* ---- numbers -------------------------------------------------------------------------- */

START_TEST(numbers_have_thousands_separators_and_fixed_decimals)
{
    static const struct { double x; int decimals; const char *want; } cases[] = {
        { 1234567.891, 2, "1,234,567.89" }, { 12345678, 0, "12,345,678" }, { 1000, 0, "1,000" },
        { 999, 0, "999" }, { 0, 2, "0.00" }, { -0.001, 2, "0.00" }, { -1234.5, 1, "-1,234.5" },
        { 2.385, 3, "2.385" }, { 100000.25, 2, "100,000.25" }, { NAN, 2, "–" }, { INFINITY, 0, "–" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        num_grouped(buf, sizeof buf, cases[i].x, cases[i].decimals);
        ck_assert_msg(!strcmp(buf, cases[i].want), "%g to %d decimals: \"%s\", want \"%s\"", cases[i].x,
                      cases[i].decimals, buf, cases[i].want);
    }
}
END_TEST

/* ---- what it draws -------------------------------------------------------------------- */

/* Asserts the nodes (sources + gateways + components, counted from the spec) and exactly the
 * edges want of a library scenario. */
static void assert_graph(const char *file, size_t nodes, const char *want)
{
    char *dot = dot_of(file, 120);
    size_t n = lines(dot, is_node, 0, NULL, 0);
    ck_assert_msg(n == nodes, "%s: %zu nodes, want %zu:\n%s", file, n, nodes, dot);
    char got[8192];
    edges_by_name(dot, got, sizeof got);
    ck_assert_msg(!strcmp(got, want), "%s: edges\n%swant\n%s", file, got, want);
    free(dot);
}

/* small-product-team: users -> HTTP API -> api; api calls table-read, sends to jobs; jobs'
 * consumer worker calls table-write. 1 source + 1 gateway + 5 components. */
START_TEST(a_gateway_calls_and_a_queue_are_drawn_as_the_scenario_says)
{
    assert_graph("scenarios/reference/small-product-team.json", 1 + 1 + 5,
                 "users -> HTTP API solid\n"
                 "HTTP API -> api solid\n"
                 "api -> table-read solid\n"
                 "api -> jobs dashed\n"
                 "jobs -> worker solid\n"
                 "worker -> table-write solid\n");
}
END_TEST

/* event-platform: an asynchronous source into a bus whose three rules hand over to a
 * function, a workflow and a stream; the workflow's two tasks call functions; the stream's
 * consumer is called. 1 source + 7 components. */
START_TEST(a_bus_a_workflow_and_a_stream_are_drawn_as_the_scenario_says)
{
    assert_graph("scenarios/reference/event-platform.json", 1 + 7,
                 "domain-events -> events dashed\n"
                 "events -> billing dashed\n"
                 "events -> order-flow dashed\n"
                 "events -> analytics dashed\n"
                 "order-flow -> reserve-stock solid\n"
                 "order-flow -> notify solid\n"
                 "analytics -> analytics-loader solid\n");
}
END_TEST

/* downstream-outage-dead-letter-replay: the dead-letter queue is a failure path (dotted, red,
 * named), its redrive a hand-over back. 1 source + 4 components. */
START_TEST(dead_letters_and_a_redrive_are_drawn_apart_from_the_work)
{
    assert_graph("scenarios/operations/downstream-outage-dead-letter-replay.json", 1 + 4,
                 "orders -> orders dashed\n"
                 "orders -> handler solid\n"
                 "orders -> orders-dlq dotted dead letters\n"
                 "orders-dlq -> orders dashed redrive\n"
                 "handler -> warehouse solid\n");
    char *dot = dot_of("scenarios/operations/downstream-outage-dead-letter-replay.json", 120);
    char line[2048];
    for (size_t i = 0; i < lines(dot, is_edge, 0, NULL, 0); i++) {
        lines(dot, is_edge, i, line, sizeof line);
        ck_assert_msg(!strstr(line, "dotted") || strstr(line, "color=\"#c00000\""), "a failure path not red: %s", line);
    }
    free(dot);
}
END_TEST

/* 33 components: the 29 costliest are drawn, the 4 cheapest (f01-f04) are one node with
 * their count, and the front's 32 hand-overs are 28 arrows and one to that node. */
START_TEST(a_large_scenario_shows_its_costliest_components_and_one_node_for_the_rest)
{
    char *dot = dot_of(FIXTURE("many-components"), 0);
    ck_assert_uint_eq(lines(dot, is_node, 0, NULL, 0), 1 + (GRAPH_COMPONENTS_MAX - 1) + 1);
    ck_assert_ptr_nonnull(strstr(dot, "<B>… and 4 more components</B>"));
    for (int i = 1; i <= 32; i++) {
        char bold[32];
        snprintf(bold, sizeof bold, "<B>f%02d</B>", i);
        ck_assert_msg((strstr(dot, bold) != NULL) == (i > 4), "f%02d %s", i, i > 4 ? "missing" : "drawn");
    }
    ck_assert_uint_eq(lines(dot, is_edge, 0, NULL, 0), 1 + 28 + 1);
    ck_assert_ptr_nonnull(strstr(dot, "  c0 -> more_components [style=dashed]"));
    free(dot);
}
END_TEST

/* ---- what it says --------------------------------------------------------------------- */

/* What a kind's label shows, as the specification of the picture. */
typedef struct shown {
    const char *plural, *count, *unit, *latency, *latency_label;
    const char *losses[8][2];
} shown;

static const shown shown_kinds[] = {
    { "functions", "invocations", " invocations/s", "mean_duration_ms", "mean ",
      { { "throttles", "throttled " }, { "errors", "errors " }, { "timeouts", "timed out " } } },
    { "services", "calls", " calls/s", "latency_ms_p99", "p99 ",
      { { "errors", "errors " }, { "throttled", "throttled " }, { "timeouts", "timed out " } } },
    { "queues", "sent", " messages/s", "wait_ms_p99", "wait p99 ",
      { { "dead_lettered", "dead-lettered " }, { "expired", "expired " } } },
    { "workflows", "executions", " executions/s", "latency_ms_p99", "p99 ",
      { { "failed", "failed " }, { "timed_out", "timed out " }, { "compensated", "compensated " } } },
};

static double json_number(const cJSON *j, const char *a, const char *b, const char *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, a);
    if (b)
        v = cJSON_GetObjectItemCaseSensitive(v, b);
    if (c)
        v = cJSON_GetObjectItemCaseSensitive(v, c);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A latency as the label writes it: "15.1 ms" or "12.3 s". */
static double latency_shown(const char *label, const char *prefix)
{
    const char *p = strstr(label, prefix);
    if (!p)
        return NAN;
    double v = number_after(p, prefix);
    const char *unit = p + strlen(prefix);
    while (*unit && strchr("0123456789.,", *unit))
        unit++;
    return !strncmp(unit, " s", 2) && strncmp(unit, " s/", 3) ? v * 1000 : v;
}

/* Runs file into a folder and checks every component's label against summary.json: its
 * rate, its latency, each loss (shown exactly when not zero), its cost to the cent; and the
 * one source's rate and p99. */
static void assert_labels_match_summary(const char *file)
{
    char dir[256], out[8192], path[600];
    support_tempdir(dir, sizeof dir);
    int rc = support_sh(out, sizeof out, "SLSIM_NO_PLOTS=1 '%s' run %s --duration 600 --replications 2 --quiet "
                        "--out '%s/r'", support_binary(), file, dir);
    ck_assert_msg(rc == 0, "%s: %s", file, out);
    snprintf(path, sizeof path, "%s/r/summary.json", dir);
    char *text = support_read_file(path);
    cJSON *sum = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(sum);
    snprintf(path, sizeof path, "%s/r/architecture.dot", dir);
    char *dot = support_read_file(path);
    ck_assert_ptr_nonnull(dot);
    double duration = json_number(sum, "duration_s", NULL, NULL);
    char label[16384], what[256];
    for (size_t k = 0; k < sizeof shown_kinds / sizeof shown_kinds[0]; k++) {
        const shown *s = &shown_kinds[k];
        const cJSON *all = cJSON_GetObjectItemCaseSensitive(sum, s->plural);
        for (const cJSON *c = all ? all->child : NULL; c; c = c->next) {
            label_of(dot, c->string, label, sizeof label);
            double count = json_number(c, s->count, NULL, NULL);
            snprintf(what, sizeof what, "%s %s rate", s->plural, c->string);
            assert_shown(what, number_before(label, s->unit), count / duration);
            double lat = json_number(c, s->latency, NULL, NULL);
            snprintf(what, sizeof what, "%s %s %s", s->plural, c->string, s->latency);
            if (count > 0)
                assert_shown(what, latency_shown(label, s->latency_label), lat);
            for (size_t i = 0; i < 8 && s->losses[i][0]; i++) {
                double lost = json_number(c, s->losses[i][0], NULL, NULL);
                char red[96];
                snprintf(red, sizeof red, "<FONT COLOR=\"#c00000\">%s", s->losses[i][1]);
                snprintf(what, sizeof what, "%s %s %s", s->plural, c->string, s->losses[i][0]);
                if (lost > 0)
                    assert_shown(what, number_after(label, red), lost);
                else
                    ck_assert_msg(!strstr(label, red), "%s: zero, but shown: %s", what, label);
            }
            /* cJSON prints a number that reads back within DBL_EPSILON of it (1.5950000000000002
             * as 1.595), so a cost on a half cent may round either way from the file's value:
             * the label holds the value, or a neighbour one ulp away, to the cent. */
            double cost = json_number(sum, "cost", "by_component", c->string);
            const double near[3] = { cost, nextafter(cost, -INFINITY), nextafter(cost, INFINITY) };
            char money[64], want[96];
            bool found = false;
            for (size_t i = 0; i < 3 && !found; i++) {
                num_grouped(money, sizeof money, near[i], 2);
                snprintf(want, sizeof want, "<BR/>$%s/month", money);
                found = strstr(label, want) != NULL;
            }
            num_grouped(money, sizeof money, cost, 2);
            ck_assert_msg(found, "%s %s: no $%s/month in %s", s->plural, c->string, money, label);
        }
    }
    /* The one source: the scenario's arrivals per second, and its pipeline's p99. */
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(sum, "pipelines")->child;
    label_of(dot, src->string, label, sizeof label);
    assert_shown("the source's rate", number_before(label, " requests/s"),
                 json_number(sum, "requests", "arrived", NULL) / duration);
    assert_shown("the source's p99", latency_shown(label, "p99 "), json_number(src, "latency_ms", "p99", NULL));
    cJSON_Delete(sum);
    free(dot);
    support_rmrf(dir);
}

/* A workflow whose payments and shipping services fail (saga: compensated executions). */
START_TEST(labels_carry_the_figures_of_summary_json_workflow_and_losses)
{
    assert_labels_match_summary("scenarios/patterns/composition-saga.json");
}
END_TEST

/* An API with a queue behind it. */
START_TEST(labels_carry_the_figures_of_summary_json_api_and_queue)
{
    assert_labels_match_summary("scenarios/reference/small-product-team.json");
}
END_TEST

/* ---- names that must stay text -------------------------------------------------------- */

static int have_dot(void)
{
    if (system("command -v dot >/dev/null 2>&1") == 0)
        return 1;
    fprintf(stderr, "graph: Graphviz's dot missing (make deps installs it): rendering checks skipped\n");
    return 0;
}

/* Hostile source names through a whole run: the DOT holds each as escaped text, dot takes it,
 * the SVG and report.html show the names as text (no tag of theirs survives), dot's own
 * escapes (\N, \G) are not expanded, a long name is cut, unicode is kept. */
START_TEST(hostile_names_are_text_in_the_dot_the_svg_and_the_page)
{
    if (!have_dot())
        return;
    char dir[256], out[8192], path[600];
    support_tempdir(dir, sizeof dir);
    int rc = support_sh(out, sizeof out, "unset SLSIM_NO_PLOTS; '%s' run %s --quiet --out '%s/r'", support_binary(),
                        FIXTURE("nasty-names"), dir);
    ck_assert_msg(rc == 0, "%s", out);
    ck_assert_msg(!strstr(out, "dot failed"), "%s", out);
    snprintf(path, sizeof path, "%s/r/architecture.dot", dir);
    char *dot = support_read_file(path);
    ck_assert_ptr_nonnull(dot);
    ck_assert_uint_eq(lines(dot, is_node, 0, NULL, 0), 7 + 1);
    static const char *const escaped[] = {
        "<B>a&quot;b&#92;&#92;c</B>",
        "<B>&lt;script&gt;alert(1)&lt;/script&gt;</B>",
        "<B>&lt;IMG SRC=&quot;/etc/passwd&quot;/&gt;</B>",
        "<B>&#92;&#92;N &#92;&#92;G &#92;&#92;L ]]&gt; --&gt; ; x [label=evil]</B>",
        "<B>café-日本-🚀</B>",
        "<B>line&#92;&#92;x0abreak&#92;&#92;x09tab</B>",
    };
    for (size_t i = 0; i < sizeof escaped / sizeof escaped[0]; i++)
        ck_assert_msg(strstr(dot, escaped[i]), "no %s in\n%s", escaped[i], dot);
    char cut[64] = "<B>Lo";
    memset(cut + 5, 'o', GRAPH_NAME_MAX - 2);
    snprintf(cut + 5 + GRAPH_NAME_MAX - 2, sizeof cut - 5 - (GRAPH_NAME_MAX - 2), "…</B>");
    ck_assert_msg(strstr(dot, cut), "the long name is not cut at %d characters", GRAPH_NAME_MAX);
    ck_assert_ptr_null(strstr(dot, "<script"));
    ck_assert_ptr_null(strstr(dot, "<IMG"));
    free(dot);
    rc = support_sh(out, sizeof out, "cd '%s/r' && dot -Tsvg architecture.dot -o /dev/null", dir);
    ck_assert_msg(rc == 0, "dot refused the DOT: %s", out);

    snprintf(path, sizeof path, "%s/r/architecture.svg", dir);
    char *svg = support_read_file(path);
    ck_assert_ptr_nonnull(svg);
    static const char *const texts[] = { "a&quot;b\\c", "&lt;script&gt;alert(1)&lt;/script&gt;",
                                         "\\N \\G \\L ]]&gt;", "café", "line\\x0abreak\\x09tab" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        ck_assert_msg(strstr(svg, texts[i]), "the SVG does not show %s", texts[i]);
    ck_assert_ptr_null(strstr(svg, "<script"));
    ck_assert_ptr_null(strstr(svg, "<IMG"));
    free(svg);
    snprintf(path, sizeof path, "%s/r/report.html", dir);
    char *html = support_read_file(path);
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<IMG"));
    free(html);
    support_rmrf(dir);
}
END_TEST

/* Names the loader never lets through (components are checked; graph_dot must not rely on
 * it): quotes, markup, invalid UTF-8, control bytes, a thousand characters. dot takes the
 * DOT, and every name is cut and escaped in it. */
START_TEST(any_bytes_in_a_name_give_dot_that_parses)
{
    if (!have_dot())
        return;
    world_spec *spec;
    run_result res;
    support_run_file("scenarios/reference/small-product-team.json", 1, 60, NULL, 0, &spec, &res);
    char *long_name = support_alloc(1001, 1);
    memset(long_name, 'x', 1000);
    const char *names[] = { "a\"b\\c", "<script>alert(1)</script>", "bad \xff\xfe utf-8 \xc3", "\x01\x1b[31m\x7f",
                            long_name };
    for (size_t i = 0; i < spec->n_components && i < sizeof names / sizeof names[0]; i++) {
        free(spec->components[i].name);
        spec->components[i].name = strdup(names[i]);
    }
    text t = { 0 };
    graph_dot(&res, &t);
    ck_assert(!t.oom);
    ck_assert_ptr_null(strstr(t.s, "<script"));
    ck_assert_ptr_nonnull(strstr(t.s, "bad &#92;&#92;xff&#92;&#92;xfe utf-8 &#92;&#92;xc3"));
    ck_assert_ptr_null(strstr(t.s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
    char dir[256], path[600], out[4096];
    support_tempdir(dir, sizeof dir);
    support_join(path, sizeof path, dir, "a.dot");
    support_write_text(path, t.s);
    int rc = support_sh(out, sizeof out, "dot -Tsvg '%s' -o '%s/a.svg'", path, dir);
    ck_assert_msg(rc == 0, "dot refused the DOT: %s\n%s", out, t.s);
    free(t.s);
    free(long_name);
    support_rmrf(dir);
    support_done(spec, &res);
}
END_TEST

/* ---- the results folder --------------------------------------------------------------- */

/* Whether summary.json's files in dir lists exactly the files dir holds; the list into buf. */
static void assert_complete(const char *dir, char *listed, size_t size)
{
    char path[600], out[8192];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = support_read_file(path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
    ck_assert(cJSON_IsArray(files));
    size_t used = 0;
    listed[0] = '\0';
    for (const cJSON *f = files->child; f; f = f->next)
        used += (size_t)snprintf(listed + used, size - used, "%s\n", f->valuestring);
    cJSON_Delete(j);
    ck_assert_int_eq(support_sh(out, sizeof out, "cd '%s' && find . -type f | sed 's|^\\./||' | LC_ALL=C sort", dir), 0);
    char sorted[8192];
    ck_assert_int_eq(support_sh(sorted, sizeof sorted, "printf '%%s' '%s' | LC_ALL=C sort", listed), 0);
    ck_assert_msg(!strcmp(out, sorted), "%s holds\n%sbut summary.json lists\n%s", dir, out, sorted);
}

/* With dot: the SVG and PNG beside the DOT, listed, and the picture first on the page. */
START_TEST(a_run_draws_its_architecture_first_on_the_page)
{
    if (!have_dot())
        return;
    char dir[256], out[8192], sub[600], listed[4096];
    support_tempdir(dir, sizeof dir);
    int rc = support_sh(out, sizeof out, "unset SLSIM_NO_PLOTS; '%s' run scenarios/patterns/api-driven.json "
                        "--duration 120 --replications 2 --quiet --out '%s/r'", support_binary(), dir);
    ck_assert_msg(rc == 0, "%s", out);
    snprintf(sub, sizeof sub, "%s/r", dir);
    assert_complete(sub, listed, sizeof listed);
    static const char *const files[] = { "architecture.dot\n", "architecture.svg\n", "architecture.png\n" };
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(strstr(listed, files[i]), "%s not in %s", files[i], listed);
    char path[700];
    snprintf(path, sizeof path, "%s/architecture.png", sub);
    FILE *f = fopen(path, "rb");
    unsigned char sig[8] = { 0 };
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(sig, 1, 8, f), 8);
    fclose(f);
    ck_assert_msg(!memcmp(sig, "\x89PNG\r\n\x1a\n", 8), "architecture.png is no PNG");
    snprintf(path, sizeof path, "%s/report.html", sub);
    char *html = support_read_file(path);
    ck_assert_ptr_nonnull(html);
    const char *svg = strstr(html, "<svg"), *h2 = strstr(html, "<h2>");
    ck_assert_msg(svg && h2 && svg < h2, "the architecture is not at the top of report.html");
    ck_assert_msg(strstr(svg, "<title>architecture</title>") && strstr(svg, "REST API"), "the first picture is not "
                  "the architecture");
    free(html);
    support_rmrf(dir);
}
END_TEST

/* Without dot on the PATH: exit 0, one line saying the picture was skipped, the DOT written
 * and listed, no picture, the folder complete. --no-plots: the DOT alone, and no word. */
START_TEST(without_dot_the_results_folder_is_complete_and_says_so_once)
{
    char dir[256], out[8192], sub[600], listed[4096];
    support_tempdir(dir, sizeof dir);
    int rc = support_sh(out, sizeof out, "unset SLSIM_NO_PLOTS; PATH=/nonexistent '%s' run "
                        "scenarios/reference/small-product-team.json --duration 120 --replications 2 --quiet "
                        "--out '%s/r'", support_binary(), dir);
    ck_assert_msg(rc == 0, "%s", out);
    const char *said = strstr(out, "dot not found");
    ck_assert_msg(said && !strstr(said + 1, "dot not found") && strstr(out, "no architecture picture"),
                  "not said once: %s", out);
    snprintf(sub, sizeof sub, "%s/r", dir);
    assert_complete(sub, listed, sizeof listed);
    ck_assert_msg(strstr(listed, "architecture.dot\n") && !strstr(listed, "architecture.svg") &&
                  !strstr(listed, "architecture.png") && strstr(listed, "report.html"), "%s", listed);

    rc = support_sh(out, sizeof out, "'%s' run scenarios/reference/small-product-team.json --duration 120 "
                    "--replications 2 --quiet --no-plots --out '%s/n'", support_binary(), dir);
    ck_assert_msg(rc == 0 && !strstr(out, "architecture"), "%s", out);
    snprintf(sub, sizeof sub, "%s/n", dir);
    assert_complete(sub, listed, sizeof listed);
    ck_assert_msg(strstr(listed, "architecture.dot\n") && !strstr(listed, "architecture.svg"), "%s", listed);
    support_rmrf(dir);
}
END_TEST

Suite *graph_suite(void)
{
    Suite *s = suite_create("graph");
    TCase *drawn = tcase_create("drawn");
    tcase_set_timeout(drawn, 120);
    tcase_add_test(drawn, numbers_have_thousands_separators_and_fixed_decimals);
    tcase_add_test(drawn, a_gateway_calls_and_a_queue_are_drawn_as_the_scenario_says);
    tcase_add_test(drawn, a_bus_a_workflow_and_a_stream_are_drawn_as_the_scenario_says);
    tcase_add_test(drawn, dead_letters_and_a_redrive_are_drawn_apart_from_the_work);
    tcase_add_test(drawn, a_large_scenario_shows_its_costliest_components_and_one_node_for_the_rest);
    tcase_add_test(drawn, labels_carry_the_figures_of_summary_json_workflow_and_losses);
    tcase_add_test(drawn, labels_carry_the_figures_of_summary_json_api_and_queue);
    suite_add_tcase(s, drawn);
    TCase *safe = tcase_create("safe");
    tcase_set_timeout(safe, 120);
    tcase_add_test(safe, hostile_names_are_text_in_the_dot_the_svg_and_the_page);
    tcase_add_test(safe, any_bytes_in_a_name_give_dot_that_parses);
    tcase_add_test(safe, a_run_draws_its_architecture_first_on_the_page);
    tcase_add_test(safe, without_dot_the_results_folder_is_complete_and_says_so_once);
    suite_add_tcase(s, safe);
    return s;
}
