/* test_study.c — the studies (compare, cost-curve, tune), against independent references:
 * two identical variants differ by exactly 0 ± 0 in every figure of compare.csv (common
 * random numbers); x86_64 against arm64 gives a paired difference far narrower than either
 * cost's interval and a duration line scaled by the price ratio; a cost curve of a function
 * against a fixed Fargate fleet (the fleet's bill by formula at every volume, the function's
 * cost per million constant, the break-even volume near the analytic crossing); tune on a
 * fully CPU-bound function (duration exactly 2x and 1x, flat above 1,769 MB, equal GB-s and
 * so equal cost at 512 and 1,024 MB); and bad fleets with their JSON paths and the studies'
 * usage errors. The fleets themselves (loss systems, processor sharing, bills, autoscaling)
 * are tested in test_fleet.c. The last test (regression_*) pins down a model bug found while
 * writing this suite, now fixed (see its comment).
 *
 * Tolerance (as in test_validation.c): a statistical reference must lie within 1.5 times
 * the run's 95% half-width (Student's t over replications) of the simulated mean, plus a
 * floating-point epsilon. Counts and bills are asserted exactly (bills to the cent, as
 * they are rounded). Studies run the slsim binary ($SLSIM) into temporary folders and read
 * their CSV files. SLSIM_VERBOSE=1 prints the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define MONTH_S (730.0 * 3600.0)

/* Prices: support.h (models/pricing/aws-us-east-1.json). */

#define verbose() support_verbose()
#define assert_within_ci(what, simulated, hw, reference) \
    support_assert_within_ci("study", what, simulated, hw, reference)
#define figure_ci support_figure_ci

#define row support_row_value
#define round_cents support_round_cents
#define assert_close support_assert_close
#define assert_cents support_assert_cents

/* Writes text to dir/name; path receives the file's path. */
static void write_text(char *path, size_t size, const char *dir, const char *name, const char *text)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_int_eq((long)fwrite(text, 1, strlen(text), f), (long)strlen(text));
    fclose(f);
}

/* Lines in text (the last may lack its newline). */
static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    if (*text && text[strlen(text) - 1] != '\n')
        n++;
    return n;
}

/* ---- CSV files ------------------------------------------------------------------------ */

#define CSV_ROWS 256
#define CSV_COLS 16

typedef struct csv {
    char  *text;
    size_t rows;                        /* header included */
    size_t cols[CSV_ROWS];
    char  *cell[CSV_ROWS][CSV_COLS];
} csv;

/* Reads a CSV file written by a study (no quoting in these files). */
static csv *csv_read(const char *path)
{
    csv *t = calloc(1, sizeof *t);
    ck_assert_ptr_nonnull(t);
    t->text = support_read_file(path);
    ck_assert_msg(t->text != NULL, "missing %s", path);
    char *p = t->text;
    while (*p) {
        ck_assert_msg(t->rows < CSV_ROWS, "%s: more than %d rows", path, CSV_ROWS);
        char *end = strchr(p, '\n');
        if (end)
            *end = '\0';
        size_t r = t->rows++;
        char *s = p;
        for (;;) {
            ck_assert_msg(t->cols[r] < CSV_COLS, "%s: more than %d columns", path, CSV_COLS);
            t->cell[r][t->cols[r]++] = s;
            char *comma = strchr(s, ',');
            if (!comma)
                break;
            *comma = '\0';
            s = comma + 1;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return t;
}

static void csv_free(csv *t)
{
    if (t)
        free(t->text);
    free(t);
}

static const char *csv_cell(const csv *t, size_t r, size_t c)
{
    ck_assert_msg(r < t->rows && c < t->cols[r], "no cell (%zu, %zu)", r, c);
    return t->cell[r][c];
}

static double csv_num(const csv *t, size_t r, size_t c)
{
    const char *s = csv_cell(t, r, c);
    char *end;
    double v = strtod(s, &end);
    ck_assert_msg(end != s && *end == '\0', "cell (%zu, %zu) is not a number: \"%s\"", r, c, s);
    return v;
}

/* The row whose first two cells are k0 and k1 (after the header); -1 when none. */
static long csv_find(const csv *t, const char *k0, const char *k1)
{
    for (size_t r = 1; r < t->rows; r++)
        if (t->cols[r] >= 2 && !strcmp(t->cell[r][0], k0) && !strcmp(t->cell[r][1], k1))
            return (long)r;
    return -1;
}

static size_t csv_find_req(const csv *t, const char *k0, const char *k1)
{
    long r = csv_find(t, k0, k1);
    ck_assert_msg(r > 0, "no row %s,%s", k0, k1);
    return (size_t)r;
}

/* Asserts the header line. */
static void csv_header(const csv *t, const char *want)
{
    char got[512] = "";
    size_t n = 0;
    for (size_t c = 0; t->rows && c < t->cols[0]; c++)
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%s", c ? "," : "", t->cell[0][c]);
    ck_assert_msg(!strcmp(got, want), "header \"%s\", expected \"%s\"", got, want);
}

/* compare.csv: figure,variant,mean,ci95,diff_vs_first,diff_ci95,distinguishable,
 * replications_to_tell (shares named *_share). */
enum { CMP_MEAN = 2, CMP_CI = 3, CMP_DIFF = 4, CMP_DIFF_CI = 5, CMP_TELL = 6, CMP_NEED = 7 };

static double cmp_value(const csv *t, const char *figure, const char *variant, int col)
{
    return csv_num(t, csv_find_req(t, figure, variant), (size_t)col);
}

/* Runs `slsim ARGS` (a shell fragment after the binary), which must exit 0; out gets its
 * output. */
static void study_ok(char *out, size_t size, const char *args)
{
    int rc = support_sh(out, size, "'%s' %s", support_binary(), args);
    ck_assert_msg(rc == 0, "slsim %s exited %d: %s", args, rc, out);
}

/* ---- 1. compare: identical variants ---------------------------------------------------- */

/* A small API function: Poisson arrivals, exponential durations. */
static const char *const api_json =
    "{\"name\": \"%s\", \"duration_s\": %d, \"seed\": 5, \"replications\": %d,"
    " \"traffic\": [{\"name\": \"t\", \"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 20}}],"
    " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"memory_mb\": %d, \"cold_start_ms\": 0,"
    "   \"duration_ms\": {\"dist\": \"exponential\", \"mean\": %d}}]}";

/* Asserts that every figure of compare.csv for variant v is the first variant's exactly:
 * same mean and half-width, paired difference 0 ± 0. Returns the number of figures. */
static size_t assert_identical(const csv *t, const char *first, const char *v)
{
    size_t figures = 0;
    for (size_t r = 1; r < t->rows; r++) {
        if (t->cols[r] < 6 || strcmp(t->cell[r][1], v) != 0)
            continue;
        const char *fig = t->cell[r][0];
        size_t b = csv_find_req(t, fig, first);
        ck_assert_msg(!strcmp(t->cell[r][CMP_MEAN], t->cell[b][CMP_MEAN]) &&
                      !strcmp(t->cell[r][CMP_CI], t->cell[b][CMP_CI]),
                      "%s: %s is %s ± %s, %s is %s ± %s", fig, v, t->cell[r][CMP_MEAN], t->cell[r][CMP_CI], first,
                      t->cell[b][CMP_MEAN], t->cell[b][CMP_CI]);
        double d = csv_num(t, r, CMP_DIFF), dci = csv_num(t, r, CMP_DIFF_CI);
        ck_assert_msg(d == 0 && dci == 0, "%s: %s differs from %s by %g ± %g, expected exactly 0 ± 0", fig, v,
                      first, d, dci);
        /* Nothing to tell apart, and no count of replications would. */
        if (strcmp(fig, "saturated") != 0 && strcmp(fig, "meets_slo") != 0)
            ck_assert_msg(csv_num(t, r, CMP_TELL) == 0 && isnan(csv_num(t, r, CMP_NEED)),
                          "%s: identical variants distinguishable %g, replications to tell %g", fig,
                          csv_num(t, r, CMP_TELL), csv_num(t, r, CMP_NEED));
        /* The first variant has no difference with itself. */
        ck_assert_msg(isnan(csv_num(t, b, CMP_DIFF)) && isnan(csv_num(t, b, CMP_DIFF_CI)),
                      "%s: the first variant shows a difference", fig);
        figures++;
    }
    return figures;
}

/* The keep-alive study (scenarios/traces/keepalive-study.json, four hours of the 500-function
 * Azure sample after an hour of warm-up, each app kept as one unit): with common random
 * numbers a longer fixed window can only keep an app loaded longer, so the 75th-percentile
 * app's cold-start share falls and the idle memory grows with the window; the hybrid policy
 * lies below that curve — fewer cold starts than a 30-minute window for less memory. */
static void keepalive_point(const char *assignment, double *p75, double *idle, double *all)
{
    const char *sets[] = { assignment };
    world_overrides o = { .sets = sets, .n_sets = assignment ? 1 : 0, .seed = -1,
                          .replications = 2, .duration_s = 14400 };
    char err[1024];
    world_spec *spec = world_spec_load("scenarios/traces/keepalive-study.json", &o, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    run_result res;
    ck_assert_msg(run_scenario(spec, 0, &res, err, sizeof err) == 0, "%s", err);
    *p75 = run_value(&res, "platform.app_cold_start_share_p75", NULL);
    *idle = run_value(&res, "platform.idle_gb_s", NULL);
    *all = run_value(&res, "platform.cold_start_share", NULL);
    run_result_free(&res);
    world_spec_free(spec);
}

START_TEST(keepalive_study_trades_cold_starts_for_idle_memory)
{
    static const char *const windows[] = { "300", "600", "1800", "7200" };
    double p75[4], idle[4], all[4], hp75, hidle, hall;
    char set[128];
    for (int i = 0; i < 4; i++) {
        snprintf(set, sizeof set, "traffic[0].arrivals.function_defaults.keep_alive.idle_s=%s", windows[i]);
        keepalive_point(set, &p75[i], &idle[i], &all[i]);
    }
    keepalive_point("traffic[0].arrivals.function_defaults.keep_alive={\"policy\": \"hybrid\"}", &hp75, &hidle, &hall);
    for (int i = 0; i < 4; i++)
        if (support_verbose())
            fprintf(stderr, "study: fixed %s s: p75 app cold-start share %.3f, idle %.0f GB-s\n",
                    windows[i], p75[i], idle[i]);
    if (support_verbose())
        fprintf(stderr, "study: hybrid: p75 app cold-start share %.3f, idle %.0f GB-s\n", hp75, hidle);
    for (int i = 1; i < 4; i++) {
        ck_assert(p75[i] <= p75[i - 1]);
        ck_assert(idle[i] > idle[i - 1]);
    }
    ck_assert(p75[3] < p75[0]);
    ck_assert(hp75 < p75[2]);
    ck_assert(hidle < idle[2]);
    /* Exercise 1's answers: the busy functions keep the overall share tiny while the
     * 75th-percentile app is cold on every invocation with 10 minutes; the hybrid policy
     * holds less memory than the 2-hour window. */
    ck_assert(all[1] < 0.002 && hall < 0.002);
    ck_assert_double_eq(p75[1], 1.0);
    ck_assert(hidle < idle[3]);
}
END_TEST

/* A 2 x 3 sweep: six rows, in grid order, each equal to a separate run of its point with
 * the same seed; the same bytes on one thread or two; a point that fails validation is a
 * row with status "invalid" and its message, and the others still run. */
START_TEST(a_sweep_grid_equals_separate_runs_and_ignores_the_thread_count)
{
    char dir[256], file[512], args[2048], out[4096];
    support_tempdir(dir, sizeof dir);
    write_text(file, sizeof file, dir, "f.json",
               "{\"name\": \"sw\", \"duration_s\": 300, \"seed\": 17, \"replications\": 2,"
               " \"traffic\": [{\"name\": \"t\", \"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 5}}],"
               " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"memory_mb\": 256,"
               "   \"duration_ms\": {\"dist\": \"lognormal\", \"median\": 80, \"p99\": 600}}]}");
    const char *mem[] = { "256", "1024" }, *rate[] = { "2", "4", "8" };
    for (int threads = 1; threads <= 2; threads++) {
        snprintf(args, sizeof args, "'%s' sweep '%s' --vary components.f.memory_mb=256,1024 "
                 "--vary 'traffic[0].arrivals.rate_per_s=2:8:3:log' --threads %d --quiet --out '%s/t%d'",
                 support_binary(), file, threads, dir, threads);
        ck_assert_int_eq(support_sh(out, sizeof out, "%s", args), 0);
    }
    char path[600];
    snprintf(path, sizeof path, "%s/t1/sweep.csv", dir);
    char *one = support_read_file(path);
    snprintf(path, sizeof path, "%s/t2/sweep.csv", dir);
    char *two = support_read_file(path);
    ck_assert_ptr_nonnull(one);
    ck_assert_ptr_nonnull(two);
    ck_assert_str_eq(one, two);
    /* Header, then points 0..5: memory slowest, rate 2, 4, 8. */
    char *line = strtok(one, "\n");
    ck_assert_ptr_nonnull(strstr(line, "point,components.f.memory_mb,traffic[0].arrivals.rate_per_s,status,monthly_cost_usd"));
    for (int i = 0; i < 6; i++) {
        line = strtok(NULL, "\n");
        ck_assert_ptr_nonnull(line);
        int point;
        char m[32], r[32], status[16];
        double cost;
        ck_assert_int_eq(sscanf(line, "%d,%31[^,],%31[^,],%15[^,],%lf", &point, m, r, status, &cost), 5);
        ck_assert_int_eq(point, i);
        ck_assert_str_eq(m, mem[i / 3]);
        ck_assert_str_eq(r, rate[i % 3]);
        ck_assert_str_eq(status, "ok");
        char set_m[64], set_r[64];
        snprintf(set_m, sizeof set_m, "components[0].memory_mb=%s", m);
        snprintf(set_r, sizeof set_r, "traffic[0].arrivals.rate_per_s=%s", r);
        const char *sets[] = { set_m, set_r };
        world_overrides o = { .sets = sets, .n_sets = 2, .seed = -1, .replications = -1, .duration_s = -1 };
        char err[1024];
        world_spec *spec = world_spec_load(file, &o, err, sizeof err);
        ck_assert_msg(spec != NULL, "%s", err);
        run_result res;
        ck_assert_int_eq(run_scenario(spec, 1, &res, err, sizeof err), 0);
        double alone = run_value(&res, "cost.monthly_total", NULL);
        ck_assert_msg(fabs(alone - cost) <= 1e-8 * fmax(1.0, fabs(alone)), "point %d: sweep %.9g, alone %.9g",
                      i, cost, alone);
        run_result_free(&res);
        world_spec_free(spec);
    }
    ck_assert_ptr_null(strtok(NULL, "\n"));
    free(one);
    free(two);
    /* An invalid point: reported, written, skipped. */
    snprintf(args, sizeof args, "'%s' sweep '%s' --vary components.f.memory_mb=512,99999 --quiet --out '%s/bad'",
             support_binary(), file, dir);
    ck_assert_int_eq(support_sh(out, sizeof out, "%s", args), 0);
    ck_assert_ptr_nonnull(strstr(out, "point 1 skipped"));
    snprintf(path, sizeof path, "%s/bad/sweep.csv", dir);
    char *bad = support_read_file(path);
    ck_assert_ptr_nonnull(bad);
    ck_assert_ptr_nonnull(strstr(bad, "\n0,512,ok,"));
    ck_assert_ptr_nonnull(strstr(bad, "\n1,99999,invalid,"));
    ck_assert_ptr_nonnull(strstr(bad, "from 128 to 10240"));
    free(bad);
    support_rmrf(dir);
}
END_TEST

START_TEST(identical_variants_differ_by_exactly_zero)
{
    /* One file as base and a variant that changes only the description; then the same
     * scenario under two files of different names (names do not seed random streams). Every
     * figure — the bill, its lines, latency percentiles, cold-start ratio, outcome shares —
     * must be the same replication by replication: differences exactly 0 with a 0 interval. */
    char dir[256], file[512], twin[512], json[2048], out[16384], args[2048];
    support_tempdir(dir, sizeof dir);
    snprintf(json, sizeof json, api_json, "api", 300, 5, 512, 100);
    write_text(file, sizeof file, dir, "api.json", json);
    snprintf(json, sizeof json, api_json, "twin-of-api", 300, 5, 512, 100);
    write_text(twin, sizeof twin, dir, "twin.json", json);

    snprintf(args, sizeof args, "compare '%s' --variant 'same:description=\"x\"' --out '%s/c1' --quiet", file, dir);
    study_ok(out, sizeof out, args);
    char path[600];
    snprintf(path, sizeof path, "%s/c1/compare.csv", dir);
    csv *t = csv_read(path);
    csv_header(t, "figure,variant,mean,ci95,diff_vs_first,diff_ci95,distinguishable,replications_to_tell");
    size_t n = assert_identical(t, "base", "same");
    static const char *const must[] = { "cost.monthly_total", "cost.by_line.lambda_requests",
                                        "cost.by_line.lambda_duration", "latency_ms.p50", "latency_ms.p99",
                                        "latency_ms.mean", "cold_start_ratio", "requests.completed_share" };
    for (size_t k = 0; k < sizeof must / sizeof *must; k++)
        csv_find_req(t, must[k], "same");
    ck_assert_msg(cmp_value(t, "cost.monthly_total", "base", CMP_CI) > 0, "the base cost has no interval");
    ck_assert_uint_eq(t->rows, 1 + 2 * n);
    /* The table on disk is the one printed. */
    snprintf(path, sizeof path, "%s/c1/compare.txt", dir);
    char *txt = support_read_file(path);
    ck_assert_msg(txt && strstr(txt, "monthly cost (USD)") && strstr(txt, "(+0.00 ± 0.00)"), "compare.txt: %s",
                  txt ? txt : "(missing)");
    free(txt);
    if (verbose())
        fprintf(stderr, "study: identical variants: %zu figures, each 0 ± 0 (monthly cost $%.4f ± %.4f)\n", n,
                cmp_value(t, "cost.monthly_total", "base", CMP_MEAN),
                cmp_value(t, "cost.monthly_total", "base", CMP_CI));
    csv_free(t);

    snprintf(args, sizeof args, "compare '%s' '%s' --out '%s/c2' --quiet", file, twin, dir);
    study_ok(out, sizeof out, args);
    snprintf(path, sizeof path, "%s/c2/compare.csv", dir);
    t = csv_read(path);
    csv_header(t, "figure,variant,mean,ci95,diff_vs_first,diff_ci95,distinguishable,replications_to_tell");
    ck_assert_uint_eq(assert_identical(t, "api", "twin"), n);
    csv_free(t);
    support_rmrf(dir);
}
END_TEST

/* ---- 2. compare: x86_64 against arm64 ------------------------------------------------- */

START_TEST(arm64_against_x86_a_paired_difference_is_far_narrower)
{
    /* 128 MB, exponential 20 ms, no init time: requests cost $0.20 per million, duration
     * about $0.04, so most of each replication's bill moves with its request count, which
     * arm64 does not change. The paired difference (arm - base) is -20% of the duration line
     * only: its interval must be far narrower than the base cost's (< 1/5). The arm variant
     * bills lambda_duration_arm64 = lambda_duration x 0.0000133334/0.0000166667 (each line
     * rounded to cents: within 2 cents), nothing on lambda_duration, and the same requests,
     * latencies and outcomes (architecture does not change speed). */
    char dir[256], file[512], json[2048], out[16384], args[2048], path[600];
    support_tempdir(dir, sizeof dir);
    snprintf(json, sizeof json, api_json, "api", test_quick() ? 300 : 600, 10, 128, 20);
    write_text(file, sizeof file, dir, "api.json", json);
    snprintf(args, sizeof args, "compare '%s' --variant 'arm:components[0].architecture=\"arm64\"' --out '%s/c' --quiet",
             file, dir);
    study_ok(out, sizeof out, args);
    snprintf(path, sizeof path, "%s/c/compare.csv", dir);
    csv *t = csv_read(path);
    double base = cmp_value(t, "cost.monthly_total", "base", CMP_MEAN);
    double base_ci = cmp_value(t, "cost.monthly_total", "base", CMP_CI);
    double arm = cmp_value(t, "cost.monthly_total", "arm", CMP_MEAN);
    double arm_ci = cmp_value(t, "cost.monthly_total", "arm", CMP_CI);
    double d = cmp_value(t, "cost.monthly_total", "arm", CMP_DIFF);
    double dci = cmp_value(t, "cost.monthly_total", "arm", CMP_DIFF_CI);
    double x86_dur = cmp_value(t, "cost.by_line.lambda_duration", "base", CMP_MEAN);
    double arm_dur = cmp_value(t, "cost.by_line.lambda_duration_arm64", "arm", CMP_MEAN);
    if (verbose())
        fprintf(stderr, "study: x86 $%.4f ± %.4f, arm64 $%.4f ± %.4f, paired difference %.4f ± %.5f "
                "(%.1fx narrower); duration lines $%.4f and $%.4f (ratio %.5f)\n", base, base_ci, arm, arm_ci, d,
                dci, base_ci / dci, x86_dur, arm_dur, arm_dur / x86_dur);
    ck_assert_msg(base_ci > 0 && dci > 0, "no intervals: base ± %g, difference ± %g", base_ci, dci);
    ck_assert_msg(dci < base_ci / 5, "paired difference ± %g is not far narrower than the base cost's ± %g", dci,
                  base_ci);
    ck_assert_msg(d < 0 && fabs(d - (arm - base)) < 1e-6, "difference %g, means %g and %g", d, arm, base);
    /* The saving's interval excludes 0 however wide the cost's own: distinguishable, marked
     * in the table. */
    ck_assert_double_eq(cmp_value(t, "cost.monthly_total", "arm", CMP_TELL), 1);
    ck_assert(isnan(cmp_value(t, "cost.monthly_total", "arm", CMP_NEED)));
    double want = x86_dur * LAMBDA_GB_S_ARM / LAMBDA_GB_S_X86;
    ck_assert_msg(fabs(arm_dur - want) <= 0.02, "lambda_duration_arm64 $%.4f, expected $%.4f (x86 $%.4f x %.6f)",
                  arm_dur, want, x86_dur, LAMBDA_GB_S_ARM / LAMBDA_GB_S_X86);
    /* The saving is the duration line's, and nothing else moves. */
    ck_assert_msg(fabs(d - (arm_dur - x86_dur)) <= 0.02, "difference %g, duration lines %g - %g", d, arm_dur,
                  x86_dur);
    ck_assert_double_eq(cmp_value(t, "cost.by_line.lambda_duration", "arm", CMP_MEAN), 0);
    ck_assert_double_eq(cmp_value(t, "cost.by_line.lambda_duration_arm64", "base", CMP_MEAN), 0);
    static const char *const same[] = { "cost.by_line.lambda_requests", "latency_ms.p50", "latency_ms.p95",
                                        "latency_ms.p99", "latency_ms.mean", "cold_start_ratio",
                                        "requests.completed_share" };
    for (size_t k = 0; k < sizeof same / sizeof *same; k++) {
        double sd = cmp_value(t, same[k], "arm", CMP_DIFF), sdci = cmp_value(t, same[k], "arm", CMP_DIFF_CI);
        ck_assert_msg(sd == 0 && sdci == 0, "%s: arm64 differs by %g ± %g", same[k], sd, sdci);
    }
    csv_free(t);
    support_rmrf(dir);
}
END_TEST

/* ---- 3. cost-curve: a function against a fixed fleet ---------------------------------- */

/* The function: 128 MB, 100 ms, no init time, Poisson; its cost per request is
 * $0.20/M + 0.1 s x 0.125 GB x $0.0000166667 = $0.408333 per million. */
static const char *const curve_function_json =
    "{\"name\": \"function\", \"duration_s\": 300, \"seed\": 21, \"replications\": %d,"
    " \"traffic\": [{\"name\": \"t\", \"target\": \"api\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 500}}],"
    " \"components\": [{\"name\": \"api\", \"kind\": \"function\", \"memory_mb\": 128, \"cold_start_ms\": 0,"
    "   \"duration_ms\": 100}]}";
/* The fleet: 2 tasks of 1 vCPU and 2 GB, always on, behind a load balancer; constant arrivals
 * (so its load-balancer capacity units follow the volume to within one request). */
static const char *const curve_fleet_json =
    "{\"name\": \"fleet\", \"duration_s\": 120, \"seed\": 21, \"replications\": %d,"
    " \"traffic\": [{\"name\": \"t\", \"target\": \"api\", \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 100}}],"
    " \"components\": [{\"name\": \"api\", \"kind\": \"container\", \"count\": 2, \"vcpu\": 1, \"memory_gb\": 2,"
    "   \"duration_ms\": 2}]}";

START_TEST(a_cost_curve_finds_the_break_even_of_a_function_and_a_fixed_fleet)
{
    /* Fleet by formula: Fargate round(2 x 730 x 0.04048) = 59.10 + round(2 x 2 x 730 x
     * 0.004445) = 12.98, ALB hours round(730 x 0.0225) = 16.43: $88.51 a month whatever the
     * volume, plus capacity units: 5 KB a request, 1 GB-hour a unit, $0.008 a unit-hour =
     * $0.04 per million requests. Function: $0.20 + 0.1 s x 0.125 GB x $16.6667 = $0.408333
     * per million on its request and duration lines (checked exactly, replication by
     * replication, in a run of its own), plus whatever other per-invocation lines the model
     * bills (log ingestion, ...), measured in that run: the break-even is where they cross,
     * 88.51 / (function - 0.04) per million; about 240 million a month with the two lines
     * alone. Volumes 1e7 to 1.28e9 in 8 doubling steps.
     *
     * cost-curve scales each variant by the volume its own traffic gave in a first run, so
     * every point inherits that run's sampling error: the function's reference cost per
     * million is corrected by the calibration run's arrivals (the same run in-process: same
     * seed and replications, hence the same arrivals). */
    const int reps = 10, steps = 8;
    const double from = 1e7, to = 1.28e9;
    const double fleet_fixed = round_cents(2 * 730 * FARGATE_VCPU_HOUR) + round_cents(2 * 2 * 730 * FARGATE_GB_HOUR) +
                               round_cents(730 * ALB_HOUR);
    ck_assert_double_eq_tol(fleet_fixed, 88.51, 1e-9);
    const double lcu_per_request = 5.0 / 1e6 * ALB_LCU_HOUR;              /* GB per request x $ per GB */
    const double lines_per_request = LAMBDA_REQUEST + 0.1 * 0.125 * LAMBDA_GB_S_X86;

    char dir[256], fn_file[512], fleet_file[512], json[2048], out[16384], args[2048], path[600];
    support_tempdir(dir, sizeof dir);
    snprintf(json, sizeof json, curve_function_json, reps);
    write_text(fn_file, sizeof fn_file, dir, "function.json", json);
    /* The calibration run, in-process: the function's lines by formula, and its whole cost
     * per request. */
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    const double scale = MONTH_S / 300.0;
    double per_request = 0;
    for (uint32_t r = 0; r < spec->replications; r++) {
        double inv = row(&res, r, "functions.api.invocations");
        assert_cents("function: lambda_requests", row(&res, r, "cost.by_line.lambda_requests"),
                     round_cents(inv * scale * LAMBDA_REQUEST));
        assert_cents("function: lambda_duration", row(&res, r, "cost.by_line.lambda_duration"),
                     round_cents(inv * scale * 0.1 * 0.125 * LAMBDA_GB_S_X86));
        per_request += row(&res, r, "cost.monthly_total") / (row(&res, r, "requests.arrived") * scale) / reps;
    }
    double arrived = run_value(&res, "requests.arrived", NULL);
    support_done(spec, &res);
    double calibration = 500.0 * 300.0 / arrived;     /* true volume / estimated volume */
    ck_assert_msg(per_request >= lines_per_request - 1e-9, "function: $%.6f per million, below its two lines' %.6f",
                  per_request * 1e6, lines_per_request * 1e6);
    const double crossing = fleet_fixed / (per_request - lcu_per_request);
    snprintf(json, sizeof json, curve_fleet_json, reps);
    write_text(fleet_file, sizeof fleet_file, dir, "fleet.json", json);

    snprintf(args, sizeof args, "cost-curve '%s' '%s' --requests-per-month %g:%g:%d --out '%s/cc'", fn_file,
             fleet_file, from, to, steps, dir);
    study_ok(out, sizeof out, args);
    snprintf(path, sizeof path, "%s/cc/cost-curve.csv", dir);
    csv *t = csv_read(path);
    csv_header(t, "requests_per_month,variant,monthly_cost,monthly_cost_ci95,cost_per_million,p99_ms,saturated,"
                  "meets_slo,slo_missed,slo_uncertain,saturation");
    ck_assert_uint_eq(t->rows, 1 + 2 * (size_t)steps);
    double vol[8], cf[8], cc[8], cf_hw[8];
    for (int s = 0; s < steps; s++) {
        size_t rf = 1 + 2 * (size_t)s, rc = rf + 1;
        ck_assert_str_eq(csv_cell(t, rf, 1), "function");
        ck_assert_str_eq(csv_cell(t, rc, 1), "fleet");
        vol[s] = csv_num(t, rf, 0);
        double want_vol = from * pow(2, s);
        ck_assert_msg(fabs(vol[s] - want_vol) <= 1e-5 * want_vol, "step %d: volume %g, expected %g", s, vol[s],
                      want_vol);
        ck_assert_double_eq(csv_num(t, rc, 0), vol[s]);
        cf[s] = csv_num(t, rf, 2);
        cf_hw[s] = csv_num(t, rf, 3);
        cc[s] = csv_num(t, rc, 2);
        /* The fleet: its fixed bill plus capacity units, to the cent (one request either
         * way moves the units by $0.001), the same in every replication. */
        double fleet = fleet_fixed + round_cents(vol[s] * lcu_per_request);
        ck_assert_msg(fabs(cc[s] - fleet) <= 0.011, "volume %g: fleet $%.4f a month, expected $%.2f", vol[s], cc[s],
                      fleet);
        ck_assert_msg(csv_num(t, rc, 3) <= 0.01, "volume %g: fleet cost ± %g", vol[s], csv_num(t, rc, 3));
        /* The function: a constant cost per million. */
        double cpm = csv_num(t, rf, 4), cpm_ci = csv_num(t, rf, 3) / (vol[s] / 1e6);
        ck_assert_msg(fabs(cpm - cf[s] / (vol[s] / 1e6)) <= 1e-5 * cpm, "cost_per_million %g, cost %g", cpm, cf[s]);
        char what[128];
        snprintf(what, sizeof what, "function: cost per million at %.3g requests a month", vol[s]);
        assert_within_ci(what, cpm, cpm_ci, per_request * 1e6 * calibration);
    }
    csv_free(t);

    /* One break-even, where the cheapest changes: the function below, the fleet above. */
    snprintf(path, sizeof path, "%s/cc/break-even.csv", dir);
    t = csv_read(path);
    csv_header(t, "requests_per_month,cheaper_below,cheaper_above,reason");
    ck_assert_uint_eq(t->rows, 2);
    double be = csv_num(t, 1, 0);
    ck_assert_str_eq(csv_cell(t, 1, 1), "function");
    ck_assert_str_eq(csv_cell(t, 1, 2), "fleet");
    csv_free(t);
    /* It lies inside the bracket where the curve's cheapest changes, at the crossing of the
     * two bills interpolated linearly in volume (both are linear in it), up to the noise of
     * the function's simulated bill: the break-even is found by fresh runs between the
     * bracket's ends, not read off the curve. The fleet's bill F + l V is exact; the
     * function's, c V, has a relative 95% half-width e, which moves the crossing F / (c - l)
     * by e c / (c - l) of itself; two independent estimates differ by up to sqrt(2) of
     * that, with the tests' 1.5 margin ... */
    int s = 1;
    while (s < steps && cf[s] < cc[s])
        s++;
    ck_assert_msg(s < steps && cf[s - 1] < cc[s - 1] && cf[s] >= cc[s], "no change of the cheapest in the curve");
    ck_assert_msg(be > vol[s - 1] && be < vol[s], "break-even %g outside its bracket [%g, %g]", be, vol[s - 1], vol[s]);
    double d0 = cc[s - 1] - cf[s - 1], d1 = cc[s] - cf[s];
    double interp = vol[s - 1] + d0 / (d0 - d1) * (vol[s] - vol[s - 1]);
    double c = cf[s] / vol[s], e = cf_hw[s] / cf[s];
    double tol = 1.5 * sqrt(2.0) * e * c / (c - lcu_per_request);
    if (verbose())
        fprintf(stderr, "study: cost curve: break-even %.6g, interpolated %.6g (%+.2e of it, tolerance %.2e)\n", be,
                interp, (be - interp) / interp, tol);
    ck_assert_msg(tol > 0 && tol < 0.01, "tolerance %g from the function's bill +- %g", tol, cf_hw[s]);
    ck_assert_msg(fabs(be - interp) <= tol * interp, "break-even %g, interpolated from the curve %g (tolerance %.2e)",
                  be, interp, tol);
    /* ... and lies on the analytic crossing, up to the function's simulated cost per
     * request (log interpolation of doubling steps was off by several percent). */
    if (verbose())
        fprintf(stderr, "study: cost curve: fleet $%.2f-%.2f a month, function $%.4f per million ($%.6f on its "
                "request and duration lines, $%.6f on others; calibration x%.5f); break-even %.4g, analytic %.4g "
                "(%+.1f%%)\n", cc[0], cc[steps - 1], cf[steps - 1] / (vol[steps - 1] / 1e6), lines_per_request * 1e6,
                (per_request - lines_per_request) * 1e6, calibration, be, crossing, 100 * (be - crossing) / crossing);
    ck_assert_msg(fabs(be - crossing) <= 0.03 * crossing, "break-even %g requests a month, analytic %g", be, crossing);
    /* The printed table names the same break-even. */
    ck_assert_msg(strstr(out, "Break-even volumes:") && strstr(out, "function is cheaper below, fleet above"),
                  "stdout: %s", out);
    support_rmrf(dir);
}
END_TEST

/* ---- 4. tune: a CPU-bound function ------------------------------------------------------ */

START_TEST(tune_sweeps_a_cpu_bound_function_exactly)
{
    /* cpu_bound_fraction 1, threads 1, duration 1000 ms measured at 1,024 MB (tune pins
     * reference_memory_mb to the scenario's 1,024): the duration is 1000 x cpu(1024)/cpu(m)
     * with cpu(m) = min(m/1769, 1): 2000 ms at 512, 1000 at 1024, 1024/1769 x 1000 =
     * 578.86 ms at 1,769 MB and above. The GB-s of an invocation is the same at 512 and 1,024
     * (1 GB-s), hence the same cost per million: $0.20 + 1 x $16.6667. Above, billed 579 ms
     * at m/1024 GB. */
    char dir[256], file[512], json[2048], out[16384], args[2048], path[600];
    support_tempdir(dir, sizeof dir);
    snprintf(json, sizeof json,
             "{\"name\": \"cpu\", \"duration_s\": 600, \"seed\": 9, \"replications\": 3,"
             " \"traffic\": [{\"name\": \"t\", \"target\": \"work\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 10}}],"
             " \"components\": [{\"name\": \"work\", \"kind\": \"function\", \"memory_mb\": 1024, \"cpu_bound_fraction\": 1,"
             "   \"threads\": 1, \"cold_start_ms\": 0, \"timeout_s\": 30, \"duration_ms\": 1000}]}");
    write_text(file, sizeof file, dir, "cpu.json", json);
    /* The scenario itself (1,024 MB) in-process: its request and duration lines by formula,
     * and what other per-invocation lines (log ingestion, ...) add per million, the same at
     * every size. */
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    const double scale = MONTH_S / 600.0;
    double others = 0;
    for (uint32_t r = 0; r < spec->replications; r++) {
        double inv = row(&res, r, "functions.work.invocations") * scale;
        double req = row(&res, r, "cost.by_line.lambda_requests"), dur = row(&res, r, "cost.by_line.lambda_duration");
        assert_cents("1024 MB: lambda_requests", req, round_cents(inv * LAMBDA_REQUEST));
        assert_cents("1024 MB: lambda_duration", dur, round_cents(inv * 1.0 * LAMBDA_GB_S_X86));
        others += (row(&res, r, "cost.by_component.work") - req - dur) / (inv / 1e6) / spec->replications;
    }
    support_done(spec, &res);
    static const int sizes[] = { 512, 1024, 1769, 2048, 3008 };
    const size_t n = sizeof sizes / sizeof *sizes;
    snprintf(args, sizeof args, "tune '%s' --function work --memory 512,1024,1769,2048,3008 --out '%s/t'", file, dir);
    study_ok(out, sizeof out, args);
    snprintf(path, sizeof path, "%s/t/tune.csv", dir);
    csv *t = csv_read(path);
    csv_header(t, "memory_mb,cost_per_million,cost_per_million_ci95,monthly_cost,duration_ms_mean,latency_p50_ms,"
                  "latency_p90_ms,latency_p99_ms,cold_start_ratio,failed_share,saturated,meets_slo,slo_missed,"
                  "slo_uncertain,saturation");
    ck_assert_uint_eq(t->rows, 1 + n);
    for (size_t i = 0; i < n; i++)
        ck_assert_double_eq(csv_num(t, 1 + i, 9), 0);
    double cpm[8], p99[8], best = INFINITY;
    for (size_t i = 0; i < n; i++) {
        ck_assert_double_eq(csv_num(t, 1 + i, 0), sizes[i]);
        double cpu = fmin(sizes[i] / 1769.0, 1.0), want_ms = 1000.0 * (1024.0 / 1769.0) / cpu;
        double dur = csv_num(t, 1 + i, 4);
        ck_assert_msg(fabs(dur - want_ms) <= 6e-5, "%d MB: mean duration %.4f ms, expected %.4f", sizes[i], dur,
                      want_ms);
        double billed_gb_s = ceil(want_ms - 1e-6) / 1000.0 * sizes[i] / 1024.0;
        double want_cpm = 1e6 * (LAMBDA_REQUEST + billed_gb_s * LAMBDA_GB_S_X86) + others;
        cpm[i] = csv_num(t, 1 + i, 1);
        p99[i] = csv_num(t, 1 + i, 7);
        /* Each bill line is rounded to cents over about 26 million invocations a month. */
        ck_assert_msg(fabs(cpm[i] - want_cpm) <= 0.001, "%d MB: $%.6f per million, expected $%.6f", sizes[i], cpm[i],
                      want_cpm);
        best = fmin(best, cpm[i]);
        if (verbose())
            fprintf(stderr, "study: tune %4d MB: %.4f ms (expected %.4f), $%.6f per million (expected %.6f, of which "
                    "%.6f on other lines than requests and duration)\n", sizes[i], dur, want_ms, cpm[i], want_cpm, others);
    }
    ck_assert_msg(!strcmp(csv_cell(t, 1, 1), csv_cell(t, 2, 1)),
                  "512 MB and 1,024 MB bill the same GB-s: $%s and $%s per million", csv_cell(t, 1, 1),
                  csv_cell(t, 2, 1));
    csv_free(t);
    /* stdout names the cheapest (the first of the equal ones) and the fastest within 10%. */
    const char *c = strstr(out, "cheapest: ");
    int cheapest = 0, fastest = 0;
    ck_assert_msg(c && sscanf(c, "cheapest: %d MB", &cheapest) == 1, "stdout: %s", out);
    size_t ci = 0;
    while (ci < n && sizes[ci] != cheapest)
        ci++;
    ck_assert_msg(ci < n && cpm[ci] == best, "cheapest: %d MB, but tune.csv's lowest cost per million is $%.6f",
                  cheapest, best);
    ck_assert_int_eq(cheapest, 512);
    const char *f = strstr(out, "fastest within ");
    f = f ? strstr(f, "): ") : NULL;
    ck_assert_msg(f && sscanf(f, "): %d MB", &fastest) == 1, "stdout: %s", out);
    size_t fi = 0;
    for (size_t i = 0; i < n; i++)
        if (cpm[i] <= best * 1.10 && p99[i] < p99[fi])
            fi = i;
    ck_assert_int_eq(fastest, sizes[fi]);
    ck_assert_int_eq(fastest, 1769);

    /* With a 1.5-s timeout, 512 MB (2,000 ms) times out on every request: the cheapest
     * bill per invocation, but tune leaves it out and names 1,024 MB. */
    char *timeout = strstr(json, "\"timeout_s\": 30");
    ck_assert_ptr_nonnull(timeout);
    memcpy(timeout, "\"timeout_s\":1.5", strlen("\"timeout_s\": 30"));
    write_text(file, sizeof file, dir, "cpu.json", json);
    snprintf(args, sizeof args, "tune '%s' --function work --memory 512,1024 --out '%s/t2'", file, dir);
    study_ok(out, sizeof out, args);
    snprintf(path, sizeof path, "%s/t2/tune.csv", dir);
    t = csv_read(path);
    ck_assert_double_eq(csv_num(t, 1, 9), 1);
    ck_assert_double_eq(csv_num(t, 2, 9), 0);
    ck_assert_msg(csv_num(t, 1, 1) < csv_num(t, 2, 1), "512 MB should bill less per invocation");
    csv_free(t);
    ck_assert_msg(strstr(out, "Not considered for cheapest:\n  512 MB: fails 100.00% of the requests") != NULL,
                  "stdout: %s", out);
    c = strstr(out, "cheapest: ");
    ck_assert_msg(c && sscanf(c, "cheapest: %d MB", &cheapest) == 1 && cheapest == 1024, "stdout: %s", out);
    support_rmrf(dir);
}
END_TEST

/* ---- 9. bad inputs ----------------------------------------------------------------------- */

static void refused(const char *component, const char *path, const char *words)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"bad\", \"duration_s\": 60,"
             " \"traffic\": [{\"name\": \"t\", \"target\": \"c\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
             " \"components\": [{\"name\": \"c\", %s}]}", component);
    support_assert_refused("study", json, path, words);
}

/* Runs slsim with args and asserts exit 2 with exactly one line of output containing words. */
static void usage_error(const char *args, const char *words)
{
    char out[4096];
    int rc = support_sh(out, sizeof out, "'%s' %s", support_binary(), args);
    ck_assert_msg(rc == 2, "slsim %s exited %d, expected 2: %s", args, rc, out);
    ck_assert_msg(count_lines(out) == 1 && out[strlen(out) - 1] == '\n', "slsim %s: expected one line, got \"%s\"",
                  args, out);
    ck_assert_msg(strstr(out, words) != NULL, "slsim %s: \"%s\" does not say \"%s\"", args, out, words);
    if (verbose())
        fprintf(stderr, "study: usage error: %s", out);
}

START_TEST(bad_fleets_and_studies_are_refused)
{
    refused("\"kind\": \"vm\", \"instance_type\": \"c9.huge\", \"duration_ms\": 10", "components[0].instance_type",
            "\"c9.huge\" is not in the price table");
    refused("\"kind\": \"vm\", \"duration_ms\": 10", "components[0]", "instance_type");
    refused("\"kind\": \"vm\", \"instance_type\": \"c6i.large\", \"vcpu\": 2, \"duration_ms\": 10", "components[0].vcpu",
            "unknown key");
    refused("\"kind\": \"container\", \"vcpu\": 100, \"duration_ms\": 10", "components[0].vcpu", "0.25 to 16");
    refused("\"kind\": \"container\", \"memory_gb\": 0.1, \"duration_ms\": 10", "components[0].memory_gb", "0.5 to 120");
    refused("\"kind\": \"container\", \"duration_ms\": 10, \"autoscaling\": {\"min\": 5, \"max\": 3}",
            "components[0].autoscaling.max", "must be at least min");
    refused("\"kind\": \"container\", \"duration_ms\": 10, \"count\": 12, \"autoscaling\": {\"min\": 1, \"max\": 10}",
            "components[0].count", "within autoscaling min 1 and max 10");
    refused("\"kind\": \"container\", \"duration_ms\": 10, \"autoscaling\": {\"target_cpu\": 0}",
            "components[0].autoscaling.target_cpu", "from 0.05 to 1");
    refused("\"kind\": \"container\"", "components[0]", "duration_ms");
    refused("\"kind\": \"container\", \"duration_ms\": 10, \"cpu_bound_fraction\": 1.5",
            "components[0].cpu_bound_fraction", "from 0 to 1");

    char dir[256], file[512], fleet[512], json[2048], args[2048];
    support_tempdir(dir, sizeof dir);
    snprintf(json, sizeof json, api_json, "api", 60, 2, 128, 20);
    write_text(file, sizeof file, dir, "api.json", json);
    write_text(fleet, sizeof fleet, dir, "fleet.json",
               "{\"name\": \"fleet\", \"duration_s\": 60,"
               " \"traffic\": [{\"name\": \"t\", \"target\": \"c\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
               " \"components\": [{\"name\": \"c\", \"kind\": \"container\", \"duration_ms\": 10}]}");
    snprintf(args, sizeof args, "compare '%s' --out '%s/x'", file, dir);
    usage_error(args, "nothing to compare");
    snprintf(args, sizeof args, "cost-curve '%s' '%s' --out '%s/x'", file, fleet, dir);
    usage_error(args, "missing --requests-per-month");
    snprintf(args, sizeof args, "cost-curve '%s' --variant 'a:components[0].memory_mb=256' --requests-per-month 5:1 "
             "--out '%s/x'", file, dir);
    usage_error(args, "--requests-per-month");
    snprintf(args, sizeof args, "tune '%s' --function c --out '%s/x'", fleet, dir);
    usage_error(args, "--function: no function is named \"c\"");
    snprintf(args, sizeof args, "tune '%s' --function nope --out '%s/x'", file, dir);
    usage_error(args, "no function is named \"nope\"");
    snprintf(args, sizeof args, "compare '%s' '%s' --replications 1 --out '%s/x'", file, fleet, dir);
    usage_error(args, "--replications");
    /* A bad variant is named with its JSON path before anything runs. */
    snprintf(args, sizeof args, "compare '%s' --variant 'big:components[0].memory_mb=99999' --out '%s/x'", file, dir);
    usage_error(args, "components[0].memory_mb");
    char x[600];
    snprintf(x, sizeof x, "%s/x", dir);
    char *none = support_read_file(x);
    ck_assert_msg(none == NULL, "a refused study wrote %s", x);
    support_rmrf(dir);
}
END_TEST

/* ---- regressions: model bugs found while writing this suite, now fixed ------------------ */

START_TEST(regression_print_config_turns_a_fixed_fleet_into_an_autoscaled_one)
{
    /* Was: a container without "autoscaling" is a fixed fleet; `run --print-config` printed
     * it with "autoscaling": {} (cfg_object creates the empty object in the resolved tree),
     * and fleet_parse_common sets f->autoscaling = cfg_has(n, "autoscaling"), so the printed
     * scenario — documented as itself a valid scenario with every default filled in — ran an
     * autoscaled fleet (min 1, max 10, target 0.7). Fixed: absent stays absent (null).
     * Input: 6 tasks, 5 requests/s of 10 ms for 600 s. Expected from the printed file: the
     * same results as the original (6 tasks throughout, no stops); observed: the fleet
     * drained to 1 task at the first evaluation (mean_tasks 1.5, 5 stops). */
    char dir[256], file[512], printed[600], out[65536], args[2048];
    support_tempdir(dir, sizeof dir);
    write_text(file, sizeof file, dir, "fixed.json",
               "{\"name\": \"fixed\", \"duration_s\": 600, \"seed\": 3, \"replications\": 2,"
               " \"traffic\": [{\"name\": \"t\", \"target\": \"c\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 5}}],"
               " \"components\": [{\"name\": \"c\", \"kind\": \"container\", \"count\": 6, \"duration_ms\": 10}]}");
    snprintf(printed, sizeof printed, "%s/printed.json", dir);
    snprintf(args, sizeof args, "run '%s' --print-config > '%s'", file, printed);
    study_ok(out, sizeof out, args);
    char *text = support_read_file(printed);
    ck_assert_ptr_nonnull(text);
    world_spec *s1, *s2;
    run_result r1, r2;
    support_run_text(text, 0, &s2, &r2);
    free(text);
    text = support_read_file(file);
    support_run_text(text, 0, &s1, &r1);
    free(text);
    double m1 = run_value(&r1, "containers.c.mean_tasks", NULL), m2 = run_value(&r2, "containers.c.mean_tasks", NULL);
    double st1 = run_value(&r1, "containers.c.stops", NULL), st2 = run_value(&r2, "containers.c.stops", NULL);
    support_done(s1, &r1);
    support_done(s2, &r2);
    support_rmrf(dir);
    if (verbose())
        fprintf(stderr, "study: fixed fleet of 6: mean_tasks %.3f (%g stops); from its --print-config: %.3f (%g stops)\n",
                m1, st1, m2, st2);
    ck_assert_msg(m1 == 6 && st1 == 0, "the original: %g tasks, %g stops", m1, st1);
    ck_assert_msg(m2 == m1 && st2 == st1,
                  "the --print-config of a fixed fleet of 6 runs %g tasks on average with %g stops, the original %g "
                  "with %g: the printed \"autoscaling\": {} turns autoscaling on", m2, st2, m1, st1);
}
END_TEST

Suite *study_suite(void)
{
    Suite *s = suite_create("study");
    TCase *tc = tcase_create("compare, cost-curve and tune");
    tcase_set_tags(tc, "slow");   /* left out of make test-fast */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, identical_variants_differ_by_exactly_zero);
    tcase_add_test(tc, a_sweep_grid_equals_separate_runs_and_ignores_the_thread_count);
    tcase_add_test(tc, keepalive_study_trades_cold_starts_for_idle_memory);
    tcase_add_test(tc, arm64_against_x86_a_paired_difference_is_far_narrower);
    tcase_add_test(tc, a_cost_curve_finds_the_break_even_of_a_function_and_a_fixed_fleet);
    tcase_add_test(tc, tune_sweeps_a_cpu_bound_function_exactly);
    tcase_add_test(tc, bad_fleets_and_studies_are_refused);
    /* Model bugs found while writing this suite, now fixed. */
    tcase_add_test(tc, regression_print_config_turns_a_fixed_fleet_into_an_autoscaled_one);
    suite_add_tcase(s, tc);
    return s;
}
