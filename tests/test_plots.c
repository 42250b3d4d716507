/* test_plots.c — what the plots show, read from gnuplot itself: every panel of a figure on
 * one time axis, its unit chosen by the run's length, no series that is zero throughout,
 * shares from 0 to at most 1, a log axis for a log-spaced sweep, bar labels kept apart,
 * titles with the scenario's name.
 *
 * The plot scripts save each panel's settings after drawing it when gnuplot is started with
 * -e "slsim_settings='PREFIX'" (scripts/plots/common.gp). Here a gnuplot placed first on the
 * PATH adds that, with PREFIX <saved>/<script>, and runs the real one: so the tests read
 * what gnuplot held when it drew each panel of slsim's own invocations (`set xrange`, `set
 * logscale x`, `set xlabel`, ...), png and svg passes alike. What the keys list and the
 * titles say, they read from the SVG. */
#define _GNU_SOURCE   /* setenv */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/plot.h"
#include "tests/suites.h"
#include "tests/support.h"

typedef struct {
    char dir[256];        /* the temporary folder */
    char data[320];       /* dir/data: the results folder plotted */
    char saved[320];      /* dir/saved: the panels' settings, <script>-<n>.gp */
    char *old_path;       /* $PATH before the stand-in gnuplot went in front */
} fixture;

/* Sets up fx: the folders and the stand-in gnuplot first on the PATH. Returns 0 when there
 * is no gnuplot (the test is skipped, said on stderr). */
static int fixture_begin(fixture *fx)
{
    char real[512];
    if (support_sh(real, sizeof real, "command -v gnuplot") != 0 || !*real) {
        fprintf(stderr, "plots: gnuplot missing: test skipped\n");
        return 0;
    }
    real[strcspn(real, "\n")] = '\0';
    support_tempdir(fx->dir, sizeof fx->dir);
    support_join(fx->data, sizeof fx->data, fx->dir, "data");
    support_join(fx->saved, sizeof fx->saved, fx->dir, "saved");
    char bin[320], script[2048];
    support_join(bin, sizeof bin, fx->dir, "bin");
    ck_assert_int_eq(mkdir(fx->data, 0755), 0);
    ck_assert_int_eq(mkdir(fx->saved, 0755), 0);
    ck_assert_int_eq(mkdir(bin, 0755), 0);
    /* $1 is -c, $2 the script: its settings go to saved/<script>-<n>.gp. */
    snprintf(script, sizeof script, "#!/bin/sh\nexec '%s' -e \"slsim_settings='%s/$(basename \"$2\" .gp)'\" \"$@\"\n",
             real, fx->saved);
    char path[400];
    support_write_in(path, sizeof path, bin, "gnuplot", script);
    ck_assert_int_eq(chmod(path, 0755), 0);
    const char *old = getenv("PATH");
    fx->old_path = strdup(old ? old : "/usr/bin:/bin");
    ck_assert_ptr_nonnull(fx->old_path);
    char *now = support_alloc(strlen(bin) + strlen(fx->old_path) + 2, 1);
    sprintf(now, "%s:%s", bin, fx->old_path);
    setenv("PATH", now, 1);
    free(now);
    return 1;
}

static void fixture_end(fixture *fx)
{
    setenv("PATH", fx->old_path, 1);
    free(fx->old_path);
    support_rmrf(fx->dir);
}

/* Empties the results folder and the saved settings, for the next plot. */
static void fixture_clear(fixture *fx)
{
    support_rmrf(fx->data);
    support_rmrf(fx->saved);
    ck_assert_int_eq(mkdir(fx->data, 0755), 0);
    ck_assert_int_eq(mkdir(fx->saved, 0755), 0);
}

/* Plots the results folder with plot_dir (name as slsim's run gives it; NULL as slsim plot
 * DIR does) and asserts that it made `made` plots. */
static void plot(const fixture *fx, const char *name, int made)
{
    int got = plot_dir(fx->data, name, stderr);
    ck_assert_msg(got == made, "plot_dir made %d plots, expected %d", got, made);
}

/* The settings gnuplot held after drawing panel n (from 1, over the png then the svg pass)
 * of script; NULL when there is no such panel. Caller frees. */
static char *panel(const fixture *fx, const char *script, int n)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s-%d.gp", fx->saved, script, n);
    return support_read_file(path);
}

/* How many panels script drew, both passes together. */
static int panels(const fixture *fx, const char *script)
{
    int n = 0;
    for (char *p; (p = panel(fx, script, n + 1)); n++)
        free(p);
    return n;
}

/* The line of settings that starts with prefix, copied into line (empty when none). */
static void setting(const char *settings, const char *prefix, char *line, size_t size)
{
    line[0] = '\0';
    size_t n = strlen(prefix);
    for (const char *s = settings; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
        if (!strncmp(s, prefix, n)) {
            size_t len = strcspn(s, "\n");
            snprintf(line, size, "%.*s", (int)(len < size ? len : size - 1), s);
            return;
        }
    }
}

/* Asserts that panel n of script has the x range [lo:hi] (to gnuplot's six digits). */
static void assert_xrange(const char *settings, const char *what, double lo, double hi)
{
    char line[256];
    double a, b;
    setting(settings, "set xrange ", line, sizeof line);
    ck_assert_msg(sscanf(line, "set xrange [ %lf : %lf ]", &a, &b) == 2,
                  "%s: the x range is not set (autoscaled): '%s'", what, line);
    ck_assert_msg(fabs(a - lo) <= 1e-5 * fmax(1, fabs(lo)) && fabs(b - hi) <= 1e-5 * fmax(1, fabs(hi)),
                  "%s: x range [%g:%g], expected [%g:%g]", what, a, b, lo, hi);
}

/* The SVG of plot out (plot-<...>), caller frees. */
static char *svg_of(const fixture *fx, const char *out)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s.svg", fx->data, out);
    char *svg = support_read_file(path);
    ck_assert_msg(svg != NULL, "no %s", path);
    return svg;
}

/* Whether the SVG shows text exactly as a key entry or a label (gnuplot also names an empty
 * plot's group with its title, <title>...</title>, which shows nothing). */
static int svg_shows(const char *svg, const char *text)
{
    char entry[256], label[256];
    snprintf(entry, sizeof entry, "<text>%s</text>", text);
    snprintf(label, sizeof label, ">%s</tspan>", text);
    return strstr(svg, entry) || strstr(svg, label);
}

/* A time line of rows intervals of interval_s seconds from t0; the columns arrivals,
 * completions, throttles, cold starts, busy, instances, executions, queue depth are each
 * drawn (varying over time) when their flag in draw is set, else zero throughout. */
static void write_timeseries(const fixture *fx, double t0, double interval_s, int rows, const int draw[8])
{
    size_t size = 128 + (size_t)rows * 160;
    char *text = support_alloc(size, 1);
    size_t n = (size_t)snprintf(text, size, "t_start_s,t_end_s,arrivals,completions,throttles,cold_starts,"
                                            "concurrency,instances,executions,queue_depth\n");
    for (int r = 0; r < rows; r++) {
        double a = t0 + r * interval_s, level = 10 + 5 * sin(r / 7.0);
        n += (size_t)snprintf(text + n, size - n, "%.6g,%.6g", a, a + interval_s);
        for (int c = 0; c < 8; c++)
            n += (size_t)snprintf(text + n, size - n, ",%.6g", draw[c] ? level * (c + 1) / 3.0 : 0.0);
        n += (size_t)snprintf(text + n, size - n, "\n");
    }
    char path[400];
    support_write_in(path, sizeof path, fx->data, "timeseries.csv", text);
    free(text);
}

/* ---- the time line ---- */

/* The queue scenario where the middle panel (instances, queue depth on a right axis) was
 * drawn on its own time scale: every panel's x range is set, identical, and is the window
 * of timeseries.csv (first start to last end); the margins are the same on every panel,
 * the right axis's included; the time label is on the last panel only. */
START_TEST(test_timeline_panels_share_one_time_axis)
{
    fixture fx;
    if (!fixture_begin(&fx))
        return;
    char out[8192];
    int rc = support_sh(out, sizeof out, "unset SLSIM_NO_PLOTS && '%s' run scenarios/optimisations/async-decoupling-queue.json "
                        "--duration 3600 --replications 2 --quiet --out '%s'", support_binary(), fx.data);
    ck_assert_msg(rc == 0, "run failed: %s", out);
    /* The window, from the data. */
    char path[400];
    support_join(path, sizeof path, fx.data, "timeseries.csv");
    char *ts = support_read_file(path);
    ck_assert_ptr_nonnull(ts);
    double first = NAN, last = NAN, start, end, instances = 0, peak_at = NAN;
    for (char *line = strchr(ts, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        double v[10];
        ck_assert_int_eq(sscanf(line + 1, "%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &v[0], &v[1], &v[2], &v[3],
                                &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]), 10);
        start = v[0];
        end = v[1];
        if (isnan(first))
            first = start;
        last = end;
        if (v[7] > instances) {
            instances = v[7];
            peak_at = start;
        }
    }
    free(ts);
    ck_assert_msg(first == 300 && last == 3900, "window %g to %g", first, last);
    /* The burst the bug was seen with: instances peak once it starts (t = 1200 s). */
    ck_assert_msg(peak_at >= 1200 && peak_at < 1800, "instances peak at %g s", peak_at);

    /* Three panels (arrivals; levels with the queue's right axis; cold starts), twice. */
    ck_assert_int_eq(panels(&fx, "timeline"), 6);
    char *p1 = panel(&fx, "timeline", 1);
    char lmargin[128], rmargin[128], line[256];
    setting(p1, "set lmargin ", lmargin, sizeof lmargin);
    setting(p1, "set rmargin ", rmargin, sizeof rmargin);
    ck_assert_msg(strstr(lmargin, "at screen") && strstr(rmargin, "at screen"), "margins '%s' '%s'", lmargin, rmargin);
    for (int n = 1; n <= 6; n++) {
        char *p = panel(&fx, "timeline", n), what[32];
        snprintf(what, sizeof what, "timeline panel %d", n);
        assert_xrange(p, what, first, last);          /* seconds: a run under 2 h */
        setting(p, "set lmargin ", line, sizeof line);
        ck_assert_str_eq(line, lmargin);
        setting(p, "set rmargin ", line, sizeof line);
        ck_assert_str_eq(line, rmargin);
        setting(p, "set xlabel \"", line, sizeof line);
        ck_assert_msg(strstr(line, n % 3 == 0 ? "\"time (s)\"" : "\"\""), "%s: %s", what, line);
        setting(p, "set y2label \"", line, sizeof line);
        ck_assert_msg((n % 3 == 2) == (strstr(line, "queue depth") != NULL), "%s: %s", what, line);
        free(p);
    }
    free(p1);
    fixture_end(&fx);
}
END_TEST

/* The unit by the run's length: seconds up to 2 h, minutes up to 6 h, hours up to 14 days
 * (a day in hours, tics every 3 h), days beyond; the x range in that unit. */
START_TEST(test_timeline_unit_by_run_length)
{
    fixture fx;
    if (!fixture_begin(&fx))
        return;
    static const struct { double t0, interval; int rows; const char *unit; double scale; const char *tics; } runs[] = {
        { 0, 60, 120, "s", 1, NULL },                  /* 2 h */
        { 300, 60, 240, "min", 60, "set xtics  norangelimit 30" },   /* 4 h 5 min */
        { 600, 600, 144, "h", 3600, "set xtics  norangelimit 3" },   /* a day after 10 min */
        { 0, 3600, 24 * 20, "d", 86400, NULL },        /* 20 days */
    };
    static const int all[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        fixture_clear(&fx);
        write_timeseries(&fx, runs[i].t0, runs[i].interval, runs[i].rows, all);
        plot(&fx, "units", 1);
        ck_assert_int_eq(panels(&fx, "timeline"), 6);
        double end = runs[i].t0 + runs[i].interval * runs[i].rows;
        for (int n = 1; n <= 6; n++) {
            char *p = panel(&fx, "timeline", n), what[64], line[256], want[64];
            snprintf(what, sizeof what, "%g s run, panel %d", end, n);
            assert_xrange(p, what, runs[i].t0 / runs[i].scale, end / runs[i].scale);
            if (n % 3 == 0) {
                snprintf(want, sizeof want, "set xlabel \"time (%s)\" ", runs[i].unit);
                setting(p, "set xlabel \"", line, sizeof line);
                ck_assert_str_eq(line, want);
            }
            if (runs[i].tics) {
                setting(p, "set xtics  norangelimit", line, sizeof line);
                ck_assert_str_eq(line, runs[i].tics);
            }
            free(p);
        }
    }
    fixture_end(&fx);
}
END_TEST

/* No workflows, no queue, no cold starts or throttles: those series are not drawn, their
 * key entries and the right axis are absent, and the cold-start panel is left out; the
 * two panels left still share the x range. */
START_TEST(test_timeline_leaves_out_empty_series)
{
    fixture fx;
    if (!fixture_begin(&fx))
        return;
    /* arrivals, completions, throttles, cold starts, busy, instances, executions, queue depth */
    static const int drawn[8] = { 1, 1, 0, 0, 1, 1, 0, 0 };
    write_timeseries(&fx, 300, 60, 60, drawn);
    plot(&fx, "empty-series", 1);
    ck_assert_int_eq(panels(&fx, "timeline"), 4);
    for (int n = 1; n <= 4; n++) {
        char *p = panel(&fx, "timeline", n), line[256];
        assert_xrange(p, "two-panel time line", 300, 3900);
        setting(p, "set y2label \"", line, sizeof line);
        ck_assert_msg(!strstr(line, "queue depth"), "a right axis with no queue: %s", line);
        free(p);
    }
    char *svg = svg_of(&fx, "plot-timeline");
    ck_assert(svg_shows(svg, "arrivals") && svg_shows(svg, "completions"));
    ck_assert(svg_shows(svg, "busy (concurrency)") && svg_shows(svg, "instances"));
    ck_assert_msg(!svg_shows(svg, "workflow executions") && !svg_shows(svg, "queue depth (right)") &&
                  !strstr(svg, "queue depth (messages)") && !svg_shows(svg, "cold starts") &&
                  !svg_shows(svg, "throttles"), "an empty series is drawn");
    free(svg);
    fixture_end(&fx);
}
END_TEST

/* ---- the sweep ---- */

/* A log-spaced sweep (5, 10, 20, 40: FROM:TO:STEPS:log) on a log x axis, set the same on
 * every panel; a share of 0 throughout on 0 to 1 (it was -1 to 1), one with values from 0
 * to at most 1. An evenly spaced one stays linear, and a figure NaN at every point has no
 * panel. */
START_TEST(test_sweep_axes)
{
    fixture fx;
    if (!fixture_begin(&fx))
        return;
    char path[400];
    support_write_in(path, sizeof path, fx.data, "sweep.dat",
                     "traffic[0].arrivals.rate_per_s,components.api.memory_mb=512\n"
                     "5,1.25,374,0.0021,0\n10,2.5,372,0.0013,0\n20,5.1,380,0.0004,0\n40,10.3,401,0.0001,0\n\n\n"
                     "traffic[0].arrivals.rate_per_s,components.api.memory_mb=1024\n"
                     "5,2.25,370,0.0021,0\n10,4.5,371,0.0013,0\n20,9.1,377,0.0004,0\n40,18.3,390,0.0001,0\n");
    plot(&fx, "api-backend (sweep)", 1);
    ck_assert_int_eq(panels(&fx, "sweep"), 8);
    char *p1 = panel(&fx, "sweep", 1), xrange[256], line[256];
    setting(p1, "set xrange ", xrange, sizeof xrange);
    double lo, hi;
    ck_assert_int_eq(sscanf(xrange, "set xrange [ %lf : %lf ]", &lo, &hi), 2);
    ck_assert_msg(lo > 0 && lo <= 5 && hi >= 40 && hi < 50, "%s", xrange);
    for (int n = 1; n <= 8; n++) {
        char *p = panel(&fx, "sweep", n);
        setting(p, "set logscale x", line, sizeof line);
        ck_assert_msg(*line, "panel %d: a log-spaced sweep on a linear axis", n);
        setting(p, "set xrange ", line, sizeof line);
        ck_assert_str_eq(line, xrange);
        setting(p, "set yrange ", line, sizeof line);
        if (n % 4 == 3)       /* cold-start ratio */
            ck_assert_msg(strstr(line, "[ 0.00000 : * < 1.00000 ]"), "cold-start ratio: %s", line);
        if (n % 4 == 0)       /* throttled share, 0 throughout */
            ck_assert_msg(strstr(line, "[ 0.00000 : 1.00000 ]"), "throttled share: %s", line);
        free(p);
    }
    free(p1);

    fixture_clear(&fx);
    support_write_in(path, sizeof path, fx.data, "sweep.dat",
                     "components.api.memory_mb,api-backend\n"
                     "512,1.2,374,NaN,0.2\n1024,1.9,370,NaN,0.1\n1536,2.5,371,NaN,0\n");
    plot(&fx, "api-backend (sweep)", 1);
    ck_assert_int_eq(panels(&fx, "sweep"), 6);
    for (int n = 1; n <= 6; n++) {
        char *p = panel(&fx, "sweep", n);
        setting(p, "set logscale x", line, sizeof line);
        ck_assert_msg(!*line, "panel %d: an evenly spaced sweep on a log axis", n);
        setting(p, "set ylabel \"", line, sizeof line);
        ck_assert_msg(!strstr(line, "cold-start"), "panel %d: a panel for a figure that is NaN throughout", n);
        free(p);
    }
    fixture_end(&fx);
}
END_TEST

/* ---- cost bars ---- */

/* The labels of compare's bars keep apart: the two long variant names that ran into each
 * other, and three, are slanted; thirty bars stand upright; a single short one stays level;
 * a line item that costs nothing in any bar is not in the key. */
START_TEST(test_cost_bar_labels_keep_apart)
{
    fixture fx;
    if (!fixture_begin(&fx))
        return;
    char path[400], line[256];
    support_write_in(path, sizeof path, fx.data, "compare-cost.csv",
                     "variant,lambda_requests,fargate_vcpu\n"
                     "fits-with-care-steady-api-function,148.1,0\n"
                     "fits-with-care-steady-api-containers,0,185.7\n");
    plot(&fx, "fits-with-care-steady-api-function (compare)", 1);
    char *p = panel(&fx, "cost", 1);
    setting(p, "set xtics border", line, sizeof line);
    ck_assert_msg(strstr(line, "rotate by 30"), "two long names: %s", line);
    free(p);

    fixture_clear(&fx);
    support_write_in(path, sizeof path, fx.data, "compare-cost.csv",
                     "variant,lambda_requests,lambda_duration,fargate_vcpu,logs_ingestion\n"
                     "fits-with-care-steady-api-containers,0,0,29.55,0\n"
                     "fits-with-care-steady-api-function,0.11,0.2,0,0\n"
                     "fits-poorly-cpu-bound-function,26.145,3010.49,0,0\n");
    plot(&fx, "fits (compare)", 1);
    p = panel(&fx, "cost", 1);
    setting(p, "set xtics border", line, sizeof line);
    ck_assert_msg(strstr(line, "rotate by 30"), "long names: %s", line);
    free(p);
    char *svg = svg_of(&fx, "plot-compare-cost");
    ck_assert(svg_shows(svg, "lambda_duration") && svg_shows(svg, "fargate_vcpu"));
    ck_assert_msg(!svg_shows(svg, "logs_ingestion"), "a line item of zeros is in the key");
    ck_assert(strstr(svg, "fits-with-care-steady-api-containers") && strstr(svg, "fits-with-care-steady-api-function"));
    free(svg);

    fixture_clear(&fx);
    char csv[4096];
    size_t n = (size_t)snprintf(csv, sizeof csv, "variant,a,b\n");
    for (int i = 0; i < 30; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n, "v%d,%d,%d\n", i, i + 1, 2 * i);
    support_write_in(path, sizeof path, fx.data, "compare-cost.csv", csv);
    plot(&fx, "many (compare)", 1);
    p = panel(&fx, "cost", 1);
    setting(p, "set xtics border", line, sizeof line);
    ck_assert_msg(strstr(line, "rotate by 90"), "thirty bars: %s", line);
    free(p);

    fixture_clear(&fx);
    support_write_in(path, sizeof path, fx.data, "cost.csv", "variant,lambda_requests,lambda_duration\napi-backend,1.76,380.27\n");
    plot(&fx, "api-backend", 1);
    p = panel(&fx, "cost", 1);
    setting(p, "set xtics border", line, sizeof line);
    ck_assert_msg(strstr(line, "norotate"), "one bar: %s", line);
    free(p);
    fixture_end(&fx);
}
END_TEST

/* ---- titles ---- */

/* slsim plot DIR titles the plots with the scenario's name from summary.json, not the
 * results folder's name; a sweep's with sweep.json's, as the study did; a name with quotes
 * and a gnuplot command in it is a title, never run. A command in study.json that is not a
 * word names no file. */
START_TEST(test_titles_use_the_scenario_name)
{
    fixture fx;
    if (!fixture_begin(&fx))
        return;
    char path[400], line[512];
    support_write_in(path, sizeof path, fx.data, "summary.json",
                     "{ \"scenario\": \"the-scenario\", \"generator\": \"slsim\", \"files\": [] }\n");
    support_write_in(path, sizeof path, fx.data, "cost.csv", "variant,lambda_requests\nthe-scenario,1.76\n");
    plot(&fx, NULL, 1);
    char *p = panel(&fx, "cost", 1);
    setting(p, "set title \"", line, sizeof line);
    /* (save writes the dash as octal escapes) */
    ck_assert_msg(!strncmp(line, "set title \"the-scenario ", 24) && strstr(line, " monthly cost by line item\""),
                  "%s", line);
    ck_assert_msg(!strstr(line, "data"), "the folder's name in the title: %s", line);
    free(p);

    fixture_clear(&fx);
    support_write_in(path, sizeof path, fx.data, "summary.json",
                     "{ \"scenario\": \"x'; system(\\\"touch INJECTED\\\") #\", \"files\": [] }\n");
    support_write_in(path, sizeof path, fx.data, "cost.csv", "variant,lambda_requests\nx,1.76\n");
    plot(&fx, NULL, 1);
    p = panel(&fx, "cost", 1);
    setting(p, "set title \"", line, sizeof line);
    ck_assert_msg(strstr(line, "system("), "%s", line);
    free(p);
    support_join(path, sizeof path, fx.data, "INJECTED");
    ck_assert_msg(!support_path_exists(path) && !support_path_exists("INJECTED"), "a scenario's name ran as a command");

    fixture_clear(&fx);
    support_write_in(path, sizeof path, fx.data, "study.json", "{ \"generator\": \"slsim\", \"command\": \"sweep\", \"files\": [] }\n");
    support_write_in(path, sizeof path, fx.data, "sweep.json", "{ \"scenario\": \"swept-scenario\" }\n");
    support_write_in(path, sizeof path, fx.data, "sweep.dat", "x,swept-scenario\n1,1,300,0,0\n2,2,310,0,0\n");
    plot(&fx, NULL, 1);
    char *svg = svg_of(&fx, "plot-sweep");
    ck_assert_msg(strstr(svg, "swept-scenario (sweep) — sweep"), "the sweep's title");
    free(svg);

    /* A compare folder: study.json names the scenario (compare writes no other JSON). */
    fixture_clear(&fx);
    support_write_in(path, sizeof path, fx.data, "study.json",
                     "{ \"generator\": \"slsim\", \"command\": \"compare\", \"scenario\": \"compared-one\", \"files\": [] }\n");
    support_write_in(path, sizeof path, fx.data, "compare-cost.csv", "variant,lambda_requests\nbase,1.76\narm,1.20\n");
    plot(&fx, NULL, 1);
    p = panel(&fx, "cost", 1);
    setting(p, "set title \"", line, sizeof line);
    ck_assert_msg(!strncmp(line, "set title \"compared-one (compare)", 33), "%s", line);
    free(p);

    fixture_clear(&fx);
    support_write_in(path, sizeof path, fx.dir, "elsewhere.json", "{ \"scenario\": \"elsewhere\" }\n");
    support_write_in(path, sizeof path, fx.data, "study.json", "{ \"command\": \"../elsewhere\" }\n");
    support_write_in(path, sizeof path, fx.data, "sweep.dat", "x,s\n1,1,300,0,0\n2,2,310,0,0\n");
    plot(&fx, NULL, 1);
    svg = svg_of(&fx, "plot-sweep");
    ck_assert_msg(strstr(svg, "data — sweep") && !strstr(svg, "elsewhere"),
                  "a study.json's command named a file outside the folder");
    free(svg);
    fixture_end(&fx);
}
END_TEST

Suite *plots_suite(void)
{
    Suite *s = suite_create("plots");
    TCase *tc = tcase_create("what the plots show");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_timeline_panels_share_one_time_axis);
    tcase_add_test(tc, test_timeline_unit_by_run_length);
    tcase_add_test(tc, test_timeline_leaves_out_empty_series);
    tcase_add_test(tc, test_sweep_axes);
    tcase_add_test(tc, test_cost_bar_labels_keep_apart);
    tcase_add_test(tc, test_titles_use_the_scenario_name);
    suite_add_tcase(s, tc);
    return s;
}
