/* test_precision.c — `--precision`: replications added until the figures are precise
 * enough (app/precision.c), and run_scenario_extend, on which it rests.
 *
 * What must hold: extending a run is exactly a run of the final count (so the sequential
 * run is reproducible and thread-independent); a run that stops says, for every figure,
 * a half-width within what was asked; a cap that stops it first is said, not hidden; and
 * bad targets are refused on one line with exit 2. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tests/suites.h"
#include "tests/support.h"
#include "app/precision.h"
#include "app/run.h"
#include "sim/stats.h"

#define SUITE "precision"

static world_spec *load_reps(const char *file, int64_t reps)
{
    world_overrides o = { .seed = -1, .replications = reps, .duration_s = 300 };
    char err[1024] = "";
    world_spec *spec = world_spec_load(file, &o, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s: %s", file, err);
    return spec;
}

START_TEST(extending_a_run_is_a_run_of_the_final_count)
{
    char dir[256], file[512], err[1024];
    support_tempdir(dir, sizeof dir);
    support_write_in(file, sizeof file, dir, "s.json", support_cli_scenario);
    world_spec *s3 = load_reps(file, 3), *s7 = load_reps(file, 7), *d7 = load_reps(file, 7);
    run_result r3, grown, direct;
    ck_assert_msg(run_scenario(s3, 2, &r3, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(run_scenario_extend(s7, &r3, 1, NULL, &grown, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(run_scenario(d7, 2, &direct, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(grown.n_values, direct.n_values);
    ck_assert(memcmp(grown.rows, direct.rows, 7 * direct.n_values * sizeof *direct.rows) == 0);
    ck_assert(memcmp(grown.mean, direct.mean, direct.n_values * sizeof *direct.mean) == 0);
    ck_assert(memcmp(grown.ts, direct.ts, 7 * TS_COLUMNS * direct.bins * sizeof *direct.ts) == 0);
    ck_assert(memcmp(&grown.latency, &direct.latency, sizeof direct.latency) == 0);
    ck_assert_uint_eq(grown.events, direct.events);
    for (size_t i = 0; i < direct.n_values; i++)
        ck_assert(memcmp(&grown.ci95[i], &direct.ci95[i], sizeof direct.ci95[i]) == 0);
    run_result_free(&r3);
    run_result_free(&grown);
    run_result_free(&direct);
    world_spec_free(s3);
    world_spec_free(s7);
    world_spec_free(d7);
    support_rmrf(dir);
}
END_TEST

/* dir/name parsed as JSON (the test fails when it is missing). */
static cJSON *json_in(const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = support_read_file(path);
    ck_assert_msg(text != NULL, "no %s", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(j);
    return j;
}

static cJSON *summary_of(const char *dir)
{
    return json_in(dir, "summary.json");
}

static void compare_files(const char *a, const char *b, const char *name)
{
    char pa[600], pb[600];
    snprintf(pa, sizeof pa, "%s/%s", a, name);
    snprintf(pb, sizeof pb, "%s/%s", b, name);
    char *x = support_read_file(pa), *y = support_read_file(pb);
    ck_assert_msg(x && y && strcmp(x, y) == 0, "%s differs between %s and %s", name, a, b);
    free(x);
    free(y);
}

START_TEST(a_precise_run_says_what_it_reached_the_same_on_any_threads)
{
    char dir[256], file[512], out[65536];
    support_tempdir(dir, sizeof dir);
    support_write_in(file, sizeof file, dir, "s.json", support_cli_scenario);
    static const char *const threads[] = { "1", "2" };
    for (size_t k = 0; k < 2; k++) {
        int rc = support_sh(out, sizeof out, "'%s' run '%s' --precision 4%% --precision failed=0.2%% "
                            "--threads %s --no-plots --out '%s/t%s'", support_binary(), file, threads[k], dir,
                            threads[k]);
        ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
        ck_assert_msg(strstr(out, "Precision 4%, failed=0.2%: reached in "), "%s", out);
    }
    char t1[400], t2[400], direct[400];
    snprintf(t1, sizeof t1, "%s/t1", dir);
    snprintf(t2, sizeof t2, "%s/t2", dir);
    compare_files(t1, t2, "summary.json");
    cJSON *j = summary_of(t1);
    const cJSON *p = cJSON_GetObjectItem(j, "precision");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(p, "reached")));
    int n = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "replications"));
    ck_assert_int_ge(n, 5);
    ck_assert_int_le(n, 100);
    const cJSON *figs = cJSON_GetObjectItem(p, "figures");
    ck_assert_int_eq(cJSON_GetArraySize(figs), 4);   /* p99, cost, completed, failed */
    for (const cJSON *f = figs->child; f; f = f->next) {
        double hw = cJSON_GetNumberValue(cJSON_GetObjectItem(f, "ci95"));
        double allowed = cJSON_GetNumberValue(cJSON_GetObjectItem(f, "allowed"));
        ck_assert_msg(hw <= allowed, "%s: ± %g, allowed %g", cJSON_GetStringValue(cJSON_GetObjectItem(f, "name")),
                      hw, allowed);
    }
    /* The p99's half-width is the one the summary's ci95 says for that count. */
    const cJSON *p99 = cJSON_GetArrayItem(figs, 0);
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(p99, "figure")), "latency_ms.p99");
    double relative = cJSON_GetNumberValue(cJSON_GetObjectItem(p99, "allowed")) /
                      cJSON_GetNumberValue(cJSON_GetObjectItem(p99, "mean"));
    ck_assert_double_eq_tol(relative, 0.04, 1e-12);
    /* A run of that count, asked directly, gives the same figures. */
    snprintf(direct, sizeof direct, "%s/direct", dir);
    int rc = support_sh(out, sizeof out, "'%s' run '%s' --replications %d --no-plots --quiet --out '%s'",
                        support_binary(), file, n, direct);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    static const char *const files[] = { "latency.csv", "timeseries.csv", "cost.csv", "functions.csv" };
    for (size_t k = 0; k < sizeof files / sizeof *files; k++)
        compare_files(t1, direct, files[k]);
    cJSON_Delete(j);
    support_rmrf(dir);
}
END_TEST

/* Every figure of a run's "precision" within what was allowed (reached) or said short. */
static void assert_precision_rows(const cJSON *p)
{
    ck_assert_ptr_nonnull(p);
    bool reached = cJSON_IsTrue(cJSON_GetObjectItem(p, "reached"));
    bool all = true;
    for (const cJSON *f = cJSON_GetObjectItem(p, "figures")->child; f; f = f->next) {
        double hw = cJSON_GetNumberValue(cJSON_GetObjectItem(f, "ci95"));
        double allowed = cJSON_GetNumberValue(cJSON_GetObjectItem(f, "allowed"));
        bool met = cJSON_IsTrue(cJSON_GetObjectItem(f, "reached"));
        ck_assert_msg(met == (hw <= allowed), "%s: ± %g, allowed %g, said %s",
                      cJSON_GetStringValue(cJSON_GetObjectItem(f, "name")), hw, allowed, met ? "met" : "short");
        all &= met;
    }
    ck_assert(all == reached);
}

/* A study under --precision: every variant gets replications until each meets the targets,
 * one count for all (so the differences stay paired), and the study is then exactly the
 * study of that count asked directly, on any number of threads. */
START_TEST(a_precise_study_is_the_study_of_its_final_count)
{
    char dir[256], file[512], out[65536], a[400], b[400], direct[400];
    support_tempdir(dir, sizeof dir);
    support_write_in(file, sizeof file, dir, "s.json", support_cli_scenario);
    static const char *const threads[] = { "1", "2" };
    for (size_t k = 0; k < 2; k++) {
        int rc = support_sh(out, sizeof out, "'%s' compare '%s' --variant big:components[0].memory_mb=1024 "
                            "--duration 120 --precision 3%% --threads %s --no-plots --out '%s/c%s'",
                            support_binary(), file, threads[k], dir, threads[k]);
        ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
        ck_assert_msg(strstr(out, "Precision 3%: reached by every run, in "), "%s", out);
    }
    snprintf(a, sizeof a, "%s/c1", dir);
    snprintf(b, sizeof b, "%s/c2", dir);
    compare_files(a, b, "compare.csv");
    cJSON *j = json_in(a, "study.json");
    const cJSON *p = cJSON_GetObjectItem(j, "precision");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(p, "reached")));
    int n = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "replications_max"));
    ck_assert_int_eq(n, (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p, "replications_min")));
    ck_assert_int_gt(n, 10);     /* 3% of a 2-minute p99 needs more than the first batch */
    const cJSON *vars = cJSON_GetObjectItem(j, "variants");
    ck_assert_int_eq(cJSON_GetArraySize(vars), 2);
    for (const cJSON *v = vars->child; v; v = v->next)
        assert_precision_rows(cJSON_GetObjectItem(v, "precision"));
    snprintf(direct, sizeof direct, "%s/direct", dir);
    int rc = support_sh(out, sizeof out, "'%s' compare '%s' --variant big:components[0].memory_mb=1024 "
                        "--duration 120 --replications %d --no-plots --quiet --out '%s'", support_binary(), file,
                        n, direct);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    compare_files(a, direct, "compare.csv");
    cJSON_Delete(j);
    /* A sweep: the same, and a cap said with the points short of it. */
    rc = support_sh(out, sizeof out, "'%s' sweep '%s' --vary components[0].memory_mb=256,1024 --duration 120 "
                    "--precision p99=0.5ms --max-replications 13 --no-plots --out '%s/sweep'", support_binary(),
                    file, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "PRECISION NOT REACHED: p99=0.5ms asked; stopped at --max-replications 13") &&
                  strstr(out, "point 0: p99"), "%s", out);
    rc = support_sh(out, sizeof out, "'%s' sweep '%s' --vary components[0].memory_mb=256,1024 --duration 120 "
                    "--replications 13 --no-plots --quiet --out '%s/sweep-direct'", support_binary(), file, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    snprintf(a, sizeof a, "%s/sweep", dir);
    snprintf(b, sizeof b, "%s/sweep-direct", dir);
    compare_files(a, b, "sweep.csv");
    support_rmrf(dir);
}
END_TEST

/* The value of column name in CSV line `row` (0: the header) of text. */
static double csv_value(const char *text, int row, const char *name)
{
    char *copy = strdup(text), *save = NULL;
    ck_assert_ptr_nonnull(copy);
    char *header = strtok_r(copy, "\n", &save), *line = header;
    for (int r = 0; r < row && line; r++)
        line = strtok_r(NULL, "\n", &save);
    ck_assert_ptr_nonnull(line);
    int col = -1, k = 0;
    char *hs = NULL;
    char *hcopy = strdup(header);
    for (char *t = strtok_r(hcopy, ",", &hs); t; t = strtok_r(NULL, ",", &hs), k++)
        if (!strcmp(t, name))
            col = k;
    free(hcopy);
    ck_assert_msg(col >= 0, "no column %s", name);
    const char *p = line;
    for (int c = 0; c < col; c++) {
        p = strchr(p, ',');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    double v = *p == ',' || *p == '\0' ? NAN : strtod(p, NULL);
    free(copy);
    return v;
}

/* A sweep says each point's paired difference from the first (its mean is the difference of
 * the means: paired replication by replication), marks the distinguishable ones, and flags
 * figures from few events with the count behind them, as compare does. */
START_TEST(a_sweep_pairs_its_points_and_flags_few_events)
{
    char dir[256], file[512], out[65536], path[600];
    support_tempdir(dir, sizeof dir);
    support_write_in(file, sizeof file, dir, "s.json", support_cli_scenario);
    int rc = support_sh(out, sizeof out, "'%s' sweep '%s' --vary components[0].memory_mb=256,257,2048 --duration 60 "
                        "--replications 5 --no-plots --out '%s/sw'", support_binary(), file, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    snprintf(path, sizeof path, "%s/sw/sweep.csv", dir);
    char *csv = support_read_file(path);
    ck_assert_ptr_nonnull(csv);
    ck_assert(isnan(csv_value(csv, 1, "monthly_cost_usd_diff_vs_first")));    /* point 0: none */
    for (int row = 2; row <= 3; row++) {
        double d = csv_value(csv, row, "monthly_cost_usd_diff_vs_first");
        double dci = csv_value(csv, row, "monthly_cost_usd_diff_ci95");
        double m0 = csv_value(csv, 1, "monthly_cost_usd"), m = csv_value(csv, row, "monthly_cost_usd");
        ck_assert_double_eq_tol(d, m - m0, 1e-9 * fabs(m));
        /* Pairing: 257 MB against 256 differs by far less than either cost's spread (the
         * same arrivals and durations); 2,048 MB costs 8 times the GB-seconds: told apart. */
        if (row == 2)
            ck_assert_double_lt(dci, 0.1 * csv_value(csv, row, "monthly_cost_usd_ci95"));
        else
            ck_assert_double_gt(fabs(d), dci);
    }
    free(csv);
    ck_assert_msg(strstr(out, "≠ differs from point 0 distinguishably"), "%s", out);
    /* 60 s at 7.3 a second: about 430 completed a replication, fewer than 1,000: the p99 is
     * flagged with its count; 600 s (about 4,300) is not. */
    ck_assert_msg(strstr(out, "† from few events") && strstr(out, "requests completed a replication, fewer than 10 "
                                                            "above the p99"), "%s", out);
    rc = support_sh(out, sizeof out, "'%s' compare '%s' --variant big:components[0].memory_mb=2048 --duration 600 "
                    "--replications 5 --no-plots --out '%s/c'", support_binary(), file, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(!strstr(out, "above the p99"), "%s", out);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_cap_that_stops_it_first_is_said)
{
    char dir[256], file[512], out[65536], res[400];
    support_tempdir(dir, sizeof dir);
    support_write_in(file, sizeof file, dir, "s.json", support_cli_scenario);
    snprintf(res, sizeof res, "%s/r", dir);
    int rc = support_sh(out, sizeof out, "'%s' run '%s' --precision p99=0.01ms --max-replications 7 --no-plots "
                        "--out '%s'", support_binary(), file, res);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "PRECISION NOT REACHED: p99=0.01ms asked; stopped at --max-replications 7") &&
                  strstr(out, "SHORT") && strstr(out, "7 replications of"), "%s", out);
    cJSON *j = summary_of(res);
    const cJSON *p = cJSON_GetObjectItem(j, "precision");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(p, "reached")));
    ck_assert_double_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(p, "replications")), 7);
    cJSON_Delete(j);
    support_rmrf(dir);
}
END_TEST

START_TEST(bad_targets_are_refused_on_one_line)
{
    static const struct { const char *args, *want; } cases[] = {
        { "--precision 0%", "expected a share of the headline figures" },
        { "--precision 150%", "expected a share of the headline figures" },
        { "--precision p99=5", "give the time's unit, as in p99=5ms" },
        { "--precision nosuch=1ms", "unknown figure 'nosuch'" },
        { "--precision p99=0ms", "the half-width allowed must be above 0" },
        { "--max-replications 50", "--max-replications applies with --precision only" },
        { "--precision 2% --max-replications 1", "--max-replications: expected an integer from 2 to 1000" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char out[4096];
        int rc = support_sh(out, sizeof out, "'%s' run scenarios/reference/api-backend.json %s --quiet --no-plots "
                            "--out /nonexistent/never 2>&1", support_binary(), cases[k].args);
        ck_assert_msg(rc == 2, "%s: exit %d: %s", cases[k].args, rc, out);
        ck_assert_msg(strstr(out, cases[k].want), "%s: %s", cases[k].args, out);
    }
}
END_TEST

/* ---- rare figures: said with the count behind them ---- */

START_TEST(figures_from_few_events_are_flagged_with_their_counts)
{
    /* One function, a request every 2 s for 1,200 s: 600 completed a replication (its p99
     * is the 6th largest), and a cold start or two a replication (the first, and a second
     * instance the first time two requests overlap). */
    char dir[256], file[512], out[65536], res[400];
    support_tempdir(dir, sizeof dir);
    support_write_in(file, sizeof file, dir, "s.json",
                     "{\"name\": \"rare\", \"duration_s\": 1200, \"seed\": 3, \"replications\": 3,"
                     " \"traffic\": [{\"name\": \"t\", \"target\": \"f\", \"arrivals\": {\"process\": \"poisson\","
                     " \"rate_per_s\": 0.5}}], \"components\": [{\"name\": \"f\", \"kind\": \"function\","
                     " \"duration_ms\": 5}]}");
    snprintf(res, sizeof res, "%s/r", dir);
    int rc = support_sh(out, sizeof out, "'%s' run '%s' --no-plots --out '%s'", support_binary(), file, res);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    cJSON *j = summary_of(res);
    double completed = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requests"), "completed"));
    const cJSON *fn = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "functions"), "f");
    double cold = 3 * cJSON_GetNumberValue(cJSON_GetObjectItem(fn, "cold_starts"));
    double inv = 3 * cJSON_GetNumberValue(cJSON_GetObjectItem(fn, "invocations"));
    ck_assert_double_lt(completed, 1000);
    ck_assert_msg(strstr(out, "FEW REQUESTS: ") && strstr(out, "p99 and p999 rest on fewer than 10 requests"),
                  "%s", out);
    ck_assert_double_lt(cold, 10);
    char want[160];
    char inv_text[48];
    snprintf(inv_text, sizeof inv_text, "%.0f", inv);
    ck_assert(inv >= 1000 && inv < 10000);   /* about 1,800 pooled: one separator, written below */
    snprintf(want, sizeof want, "FEW COLD STARTS: %.0f in all 3 replications, of %.*s,%s invocations", cold,
             (int)strlen(inv_text) - 3, inv_text, inv_text + strlen(inv_text) - 3);
    ck_assert_msg(strstr(out, want), "no '%s' in: %s", want, out);
    cJSON_Delete(j);
    /* Plenty of both: no flag. */
    rc = support_sh(out, sizeof out, "'%s' run '%s' --set 'traffic[0].arrivals.rate_per_s=60' "
                    "--set 'components[0].keep_alive={\"policy\": \"fixed\", \"idle_s\": 0.01}' --no-plots --out '%s'",
                    support_binary(), file, res);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(!strstr(out, "FEW REQUESTS") && !strstr(out, "FEW COLD STARTS"), "%s", out);
    support_rmrf(dir);
}
END_TEST

/* ---- the warm-up from the data ---- */

START_TEST(mser5_finds_the_end_of_a_transient)
{
    /* A level rising to 10 with a time constant of 20 bins, plus a fixed-seed noise of sd 0.3:
     * its deviation falls below the noise after 20 ln(10 / 0.3), about 70 bins. */
    double x[600];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 17);
    for (size_t i = 0; i < 600; i++)
        x[i] = 10 * (1 - exp(-(double)i / 20)) + 0.3 * gsl_ran_gaussian(r, 1);
    size_t d = mser5(x, 600);
    ck_assert_msg(d >= 40 && d <= 160, "transient of 20 bins: MSER-5 deletes %zu", d);
    /* Stationary: next to nothing deleted. */
    for (size_t i = 0; i < 600; i++)
        x[i] = 10 + 0.3 * gsl_ran_gaussian(r, 1);
    d = mser5(x, 600);
    ck_assert_msg(d <= 60, "stationary series: MSER-5 deletes %zu of 600", d);
    ck_assert_uint_eq(mser5(x, 49), 0);      /* fewer than 10 batches: not judged */
    gsl_rng_free(r);
}
END_TEST

/* A function whose invocations last 30 s on average, started empty: its concurrency climbs to
 * 20/s x 30 s = 600 with a time constant of 30 s. */
static const char transient_json[] =
    "{\"name\": \"transient\", \"duration_s\": 600, \"seed\": 7, \"replications\": 3, \"timeseries_interval_s\": 2,"
    " \"platform\": {\"account_concurrency\": 100000, \"scale_per_10s\": 1000000},"
    " \"traffic\": [{\"name\": \"t\", \"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 20},"
    " \"client\": {\"timeout_ms\": 1000000}}],"
    " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": {\"dist\": \"exponential\","
    " \"mean\": 30000}, \"cold_start_ms\": 0, \"timeout_s\": 900}]}";

START_TEST(a_transient_is_found_and_a_short_warm_up_is_said)
{
    char dir[256], file[512], out[65536], res[400];
    support_tempdir(dir, sizeof dir);
    support_write_in(file, sizeof file, dir, "t.json", transient_json);
    snprintf(res, sizeof res, "%s/r", dir);
    /* No warm-up: the report says the concurrency is still settling. */
    int rc = support_sh(out, sizeof out, "'%s' run '%s' --no-plots --out '%s'", support_binary(), file, res);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "WARM-UP TOO SHORT: the functions' concurrency is still settling"), "%s", out);
    cJSON *j = summary_of(res);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "warmup"), "too_short")));
    cJSON_Delete(j);
    /* "auto": two to eight time constants (within the noise of 600 +- 25), and no warning. */
    rc = support_sh(out, sizeof out, "'%s' run '%s' --set 'warmup_s=\"auto\"' --no-plots --out '%s'",
                    support_binary(), file, res);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "Warm-up auto: ") && !strstr(out, "WARM-UP TOO SHORT"), "%s", out);
    j = summary_of(res);
    double w = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "warmup_s"));
    if (support_verbose())
        printf("precision: warm-up auto on a 30-s time constant: %g s\n", w);
    ck_assert_msg(w >= 60 && w <= 240, "warm-up chosen %g s", w);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "warmup"), "too_short")));
    cJSON_Delete(j);
    /* A warm-up long enough: nothing said. */
    rc = support_sh(out, sizeof out, "'%s' run '%s' --set warmup_s=300 --no-plots --out '%s'", support_binary(),
                    file, res);
    ck_assert_msg(rc == 0 && !strstr(out, "WARM-UP") && !strstr(out, "Warm-up auto"), "exit %d: %s", rc, out);
    /* Diurnal traffic is not a transient: whole days, here none (a function settles in seconds). */
    rc = support_sh(out, sizeof out, "'%s' run scenarios/reference/api-backend.json --set 'warmup_s=\"auto\"' "
                    "--replications 2 --no-plots --out '%s'", support_binary(), res);
    ck_assert_msg(rc == 0 && strstr(out, "Warm-up auto: 0 s, from") && strstr(out, "whole periods: 0"),
                  "exit %d: %s", rc, out);
    /* A study's variants share one warm-up: each variant's pilot chooses, the longest is
     * every variant's (a slower function settles later), the same value its own run chooses. */
    rc = support_sh(out, sizeof out, "'%s' run '%s' --set 'warmup_s=\"auto\"' --set components[0].duration_ms.mean=90000 "
                    "--no-plots --out '%s'", support_binary(), file, res);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    j = summary_of(res);
    double w_slow = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "warmup_s"));
    cJSON_Delete(j);
    ck_assert_msg(w_slow > w, "a 90-s function settles no later than a 30-s one: %g against %g s", w_slow, w);
    rc = support_sh(out, sizeof out, "'%s' compare '%s' --set 'warmup_s=\"auto\"' --variant "
                    "'slow:components[0].duration_ms.mean=90000' --no-plots --out '%s/c' 2>&1", support_binary(), file,
                    dir);
    ck_assert_msg(rc == 0 && strstr(out, "Warm-up auto: ") && strstr(out, " s for every variant"),
                  "exit %d: %s", rc, out);
    char path[600];
    snprintf(path, sizeof path, "%s/c/study.json", dir);
    char *text = support_read_file(path);
    j = text ? cJSON_Parse(text) : NULL;
    free(text);
    ck_assert_ptr_nonnull(j);
    ck_assert_double_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "warmup_s")), w_slow);
    cJSON_Delete(j);
    /* A variant whose warm-up is given in seconds keeps it: its figures are its own run's. */
    rc = support_sh(out, sizeof out, "'%s' compare '%s' --set 'warmup_s=\"auto\"' --variant 'A:warmup_s=300' "
                    "--quiet --no-plots --out '%s/c2'", support_binary(), file, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    rc = support_sh(out, sizeof out, "'%s' run '%s' --set warmup_s=300 --quiet --no-plots --out '%s'", support_binary(),
                    file, res);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    j = summary_of(res);
    double alone = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "latency_ms"), "mean"));
    cJSON_Delete(j);
    snprintf(path, sizeof path, "%s/c2/compare.csv", dir);
    text = support_read_file(path);
    ck_assert_ptr_nonnull(text);
    const char *row = strstr(text, "\nlatency_ms.mean,A,");
    ck_assert_ptr_nonnull(row);
    double in_study = strtod(row + strlen("\nlatency_ms.mean,A,"), NULL);
    free(text);
    ck_assert_msg(fabs(in_study - alone) <= 1e-9 * alone, "A in the study %.10g, alone %.10g", in_study, alone);
    /* "auto" among a sweep's values: refused (the pilot is the scenario's), one line. */
    rc = support_sh(out, sizeof out, "'%s' sweep '%s' --vary 'warmup_s=0,\"auto\"' --quiet --no-plots --out "
                    "'%s/sw' 2>&1", support_binary(), file, dir);
    ck_assert_msg(strstr(out, "point 1 skipped") && strstr(out, "not in --vary"), "exit %d: %s", rc, out);
    /* Anything but seconds or "auto" is refused. */
    rc = support_sh(out, sizeof out, "'%s' validate '%s' --set 'warmup_s=\"soon\"' 2>&1", support_binary(), file);
    ck_assert_msg(rc == 2 && strstr(out, "warmup_s: expected seconds"), "exit %d: %s", rc, out);
    support_rmrf(dir);
}
END_TEST

/* ---- coverage: do the 95% intervals cover the true value 95% of the time? ---- */

/* Whether x covers out of k runs is consistent with a coverage of 95%: the two-sided
 * binomial acceptance region at 99.9% (normal approximation with continuity correction). */
static void assert_coverage(const char *what, int covered, int k)
{
    double sd = sqrt(k * 0.95 * 0.05), z = 3.29;
    double lo = 0.95 * k - z * sd - 0.5, hi = 0.95 * k + z * sd + 0.5;
    if (support_verbose())
        printf("precision: %s: %d of %d intervals cover the true value (%.1f%%; accepted %.0f to %.0f)\n",
               what, covered, k, 100.0 * covered / k, ceil(lo), floor(hi));
    ck_assert_msg(covered >= lo && covered <= hi, "%s: %d of %d intervals cover (expected 95%%: %.0f to %.0f)",
                  what, covered, k, ceil(lo), floor(hi));
}

/* M/G/inf (no limit in reach, no cold-start cost): the mean concurrency is lambda E[S] =
 * 50 x 0.2 = 10 exactly. K seeds of the default 5 replications each. */
START_TEST(intervals_of_five_replications_cover_95_percent)
{
    int k = test_coverage_seeds(200, 1000), covered = 0;
    for (int seed = 1; seed <= k; seed++) {
        char json[2048];
        support_scenario_set(json, sizeof json, "validation/mean-concurrency-is-lambda-times-mean-duration.json",
                             "duration_s=200\nwarmup_s=20\nreplications=5\nseed=%d", 1000 + seed);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        double hw, mean = run_value(&res, "functions.f.mean_concurrency", &hw);
        covered += fabs(mean - 10.0) <= hw;
        support_done(spec, &res);
    }
    assert_coverage("M/G/inf mean concurrency, 5 replications", covered, k);
}
END_TEST

/* The same with --precision 1.5% on that figure: replications added until the half-width is
 * 1.5% of the mean. Stopping as soon as an interval is narrow favours runs whose spread
 * happened to be small; starting from 10 replications (not 5, whose variance estimate is
 * too rough to stop on) keeps the coverage consistent with 95% here: the same binomial
 * test as fixed-count intervals. */
START_TEST(sequential_intervals_cover_95_percent_too)
{
    int k = test_coverage_seeds(100, 300), covered = 0;
    long total_reps = 0;
    char dir[256];
    support_tempdir(dir, sizeof dir);
    precision_target t[PRECISION_MAX];
    size_t n = 0;
    char err[1024];
    ck_assert(precision_parse("functions.f.mean_concurrency=1.5%", t, &n, err, sizeof err) == 0);
    for (int seed = 1; seed <= k; seed++) {
        char json[2048], file[512];
        support_scenario_set(json, sizeof json, "validation/mean-concurrency-is-lambda-times-mean-duration.json",
                             "duration_s=200\nwarmup_s=20\nreplications=5\nseed=%d", 5000 + seed);
        support_write_in(file, sizeof file, dir, "s.json", json);
        world_overrides o = { .seed = -1, .replications = -1 };
        world_spec *spec = NULL;
        run_result res;
        run_precision pr;
        memset(&pr, 0, sizeof pr);
        ck_assert_msg(precision_run(file, &o, t, n, 200, 0, NULL, &spec, &res, &pr, err, sizeof err) == 0, "%s", err);
        ck_assert(pr.met);
        total_reps += spec->replications;
        double hw, mean = run_value(&res, "functions.f.mean_concurrency", &hw);
        ck_assert_double_le(hw, 0.015 * mean);
        covered += fabs(mean - 10.0) <= hw;
        run_result_free(&res);
        world_spec_free(spec);
    }
    if (support_verbose())
        printf("precision: sequential 1.5%%: %.1f replications on average\n", (double)total_reps / k);
    assert_coverage("M/G/inf mean concurrency, --precision 1.5%", covered, k);
    support_rmrf(dir);
}
END_TEST

/* The other closed forms of docs/validation.md, each over K seeds of 5 replications, with the
 * intervals the studies print (a share: per replication, then Student's t): a function of
 * c = 10 concurrent executions offered a = 10 (M/M/c/c: the throttled share is Erlang B,
 * 0.2146); a queue with 10 consumers at 80% (M/M/c: the mean wait is Erlang C's Wq, 204.6
 * ms); one instance kept T = 10 s at lambda = 0.1/s (the cold-start share is exp(-1)).
 * The wait's windows are 2,000 s: over 400-s windows (3,200 messages) a replication's mean
 * wait is skewed by its busiest stretches (a mean and its spread rise together), and the t
 * intervals covered 93.3% of 3,000 seeds though the estimate is unbiased (204.2 against
 * 204.6 ms, half-widths of 76); 2,000-s windows covered 94.5% (docs/validation.md). */
START_TEST(intervals_cover_95_percent_on_the_other_closed_forms)
{
    int k = test_coverage_seeds(60, 300);
    int covered_b = 0, covered_c = 0, covered_k = 0;
    double a = 10, lambda_c = 8, b = support_erlang_b(a, 10);
    double bc = support_erlang_b(lambda_c, 10), p_wait = 10 * bc / (10 - lambda_c * (1 - bc));
    double wq_ms = 1000 * p_wait / (10 - lambda_c);
    for (int seed = 1; seed <= k; seed++) {
        char json[2048];
        world_spec *spec;
        run_result res;
        double hw, x;
        support_scenario_set(json, sizeof json, "validation/erlang-b.json",
                             "duration_s=200\nwarmup_s=20\nreplications=5\nseed=%d", 9000 + seed);
        support_run_text(json, 0, &spec, &res);
        x = support_ratio_ci(&res, "requests.throttled", "requests.arrived", &hw);
        covered_b += fabs(x - b) <= hw;
        support_done(spec, &res);
        support_scenario_set(json, sizeof json, "validation/erlang-c.json",
                             "duration_s=2000\nwarmup_s=200\nreplications=5\nseed=%d", 12000 + seed);
        support_run_text(json, 0, &spec, &res);
        x = run_value(&res, "queues.q.wait_ms_mean", &hw);
        covered_c += fabs(x - wq_ms) <= hw;
        support_done(spec, &res);
        support_scenario_set(json, sizeof json, "validation/cold-start-share-of-one-instance-is-exp-minus-lambda-t.json",
                             "duration_s=3000\nwarmup_s=20\nreplications=5\nseed=%d", 15000 + seed);
        support_run_text(json, 0, &spec, &res);
        x = run_value(&res, "functions.f.cold_start_ratio", &hw);
        covered_k += fabs(x - exp(-1.0)) <= hw;
        support_done(spec, &res);
    }
    assert_coverage("Erlang B throttled share, 5 replications", covered_b, k);
    assert_coverage("M/M/c mean wait (Erlang C), 5 replications", covered_c, k);
    assert_coverage("one instance's cold-start share exp(-lambda T), 5 replications", covered_k, k);
}
END_TEST

Suite *precision_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *tc = tcase_create("precision");
    tcase_set_timeout(tc, test_coverage_seeds(300, 300) > 300 ? 3000 : 300);   /* make validate: 10x the seeds */
    tcase_add_test(tc, extending_a_run_is_a_run_of_the_final_count);
    tcase_add_test(tc, a_precise_run_says_what_it_reached_the_same_on_any_threads);
    tcase_add_test(tc, a_precise_study_is_the_study_of_its_final_count);
    tcase_add_test(tc, a_sweep_pairs_its_points_and_flags_few_events);
    tcase_add_test(tc, a_cap_that_stops_it_first_is_said);
    tcase_add_test(tc, bad_targets_are_refused_on_one_line);
    tcase_add_test(tc, figures_from_few_events_are_flagged_with_their_counts);
    tcase_add_test(tc, mser5_finds_the_end_of_a_transient);
    tcase_add_test(tc, a_transient_is_found_and_a_short_warm_up_is_said);
    tcase_add_test(tc, intervals_of_five_replications_cover_95_percent);
    tcase_add_test(tc, sequential_intervals_cover_95_percent_too);
    tcase_add_test(tc, intervals_cover_95_percent_on_the_other_closed_forms);
    suite_add_tcase(s, tc);
    return s;
}
