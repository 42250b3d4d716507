/* test_trace.c — replaying recorded traffic (traffic sources with "process": "trace"),
 * against figures computed here independently of slsim's reader: the per-function and
 * per-minute sums of the shipped Azure 2019 samples (read with this file's own CSV
 * splitter), row counts of small CSV files written by the tests, and the same Poisson
 * traffic generated directly. Counts are exact: arrivals inside a minute fall strictly
 * inside it, so a window of whole minutes (after time_scale) holds exactly its minutes'
 * counts. Statistical comparisons use the combined 95% half-widths of both runs (within
 * 1.5 times, as support_assert_within_ci does).
 *
 * The 500-function replay takes about 1.5 s (8 simulated hours, 3 million requests); under
 * SLSIM_QUICK (the sanitizer tier) it replays its first hour only. SLSIM_VERBOSE=1 prints
 * the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_rng.h>

#include "tests/suites.h"
#include "tests/support.h"
#include "models/traffic.h"
#include "models/trace.h"
#include "sim/replicate.h"

#define SUITE  "trace"
#define TRACES "scenarios/traces"
#define SAMPLE_500 TRACES "/azure2019-500fn-8h"
#define SAMPLE_10  TRACES "/azure2019-10fn-day"
#define SAMPLE_2021 TRACES "/azure2021-sample/invocations.csv"

/* ---- an independent reading of the samples ------------------------------------------ */

/* A CSV file as rows of fields (the whole file: the samples are small). */
typedef struct table {
    size_t  rows, cols;     /* rows excludes the header */
    char ***cell;           /* cell[row][col]; row 0 is the header */
} table;

static void table_read(const char *path, table *t)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s (run the tests from the repository root)", path);
    *t = (table){ 0 };
    size_t cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    while (getline(&line, &line_cap, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line)
            continue;
        if (t->rows + 1 >= cap) {
            cap = cap ? 2 * cap : 64;
            t->cell = realloc(t->cell, cap * sizeof *t->cell);
            ck_assert_ptr_nonnull(t->cell);
        }
        size_t n = 1;
        for (const char *p = line; *p; p++)
            n += *p == ',';
        char **fields = calloc(n, sizeof *fields);
        ck_assert_ptr_nonnull(fields);
        char *p = line;
        for (size_t i = 0; i < n; i++) {
            char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            fields[i] = strndup(p, len);
            p += len + 1;
        }
        if (t->rows == 0)
            t->cols = n;
        t->cell[t->rows++] = fields;
        ck_assert_msg(n == t->cols, "%s: a row of %zu fields, the header has %zu", path, n, t->cols);
    }
    free(line);
    fclose(f);
    ck_assert_msg(t->rows > 1, "%s has no rows", path);
    t->rows--;   /* the header */
}

static void table_free(table *t)
{
    for (size_t r = 0; r <= t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++)
            free(t->cell[r][c]);
        free(t->cell[r]);
    }
    free(t->cell);
}

static const char *cell(const table *t, size_t row, size_t col) { return t->cell[row + 1][col]; }

static size_t column(const table *t, const char *name)
{
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(t->cell[0][c], name) == 0)
            return c;
    ck_abort_msg("no column %s", name);
    return 0;
}

/* Invocations of row r of an azure2019 invocations table in minutes [from, to) of the file. */
static double minutes_sum(const table *t, size_t r, size_t from, size_t to)
{
    double n = 0;
    for (size_t m = from; m < to && 4 + m < t->cols; m++)
        n += atof(cell(t, r, 4 + m));
    return n;
}

/* slsim's name for row r of an azure2019 table: the first 12 characters of HashFunction. */
static void name_2019(const table *t, size_t r, char *buf, size_t size)
{
    snprintf(buf, size, "%.12s", cell(t, r, 2));
}

/* Arrivals at a function: attempts that ran plus attempts throttled (one attempt per
 * request here: the client does not retry). */
static double function_arrivals(const run_result *res, uint32_t rep, const char *name)
{
    char key[160];
    snprintf(key, sizeof key, "functions.%s.invocations", name);
    double n = support_row_value(res, rep, key);
    snprintf(key, sizeof key, "functions.%s.throttles", name);
    return n + support_row_value(res, rep, key);
}

/* ---- running scenarios ---------------------------------------------------------------- */

/* The repository root (the tests run from there): trace paths in scenario texts are made
 * absolute, since a scenario text is loaded from a temporary file. */
#define HERE char here[512]; ck_assert_ptr_nonnull(getcwd(here, sizeof here))

static void run_file(const char *file, const world_overrides *o, int threads, world_spec **spec,
                     run_result *res)
{
    char err[1024] = "";
    *spec = world_spec_load(file, o, err, sizeof err);
    ck_assert_msg(*spec != NULL, "%s did not load: %s", file, err);
    ck_assert_msg(run_scenario(*spec, threads, res, err, sizeof err) == 0, "run failed: %s", err);
}

/* Runs a scenario of one trace source "t" with the given arrivals object; extra is more
 * top-level keys (with a trailing comma) such as components. */
static void run_trace(const char *top, const char *arrivals, int threads, world_spec **spec,
                      run_result *res)
{
    char json[8192];
    snprintf(json, sizeof json, "{\"name\": \"trace\", %s \"traffic\": [{\"name\": \"t\", "
             "\"arrivals\": %s, \"client\": {\"timeout_ms\": 3600000}}]}", top, arrivals);
    support_run_text(json, threads, spec, res);
}


/* ---- replaying the samples ------------------------------------------------------------- */

START_TEST(replaying_the_500_function_sample_makes_every_recorded_invocation)
{
    table inv;
    table_read(SAMPLE_500 "/invocations.csv", &inv);
    ck_assert_uint_eq(inv.rows, 500);
    ck_assert_uint_eq(inv.cols, 4 + 480);
    /* The whole 8 hours, or the first under the sanitizers. */
    size_t minutes = test_quick() ? 60 : 480;
    world_overrides o = { .seed = -1, .replications = -1, .duration_s = 60.0 * minutes };
    world_spec *spec;
    run_result res;
    run_file(TRACES "/replay-500fn.json", &o, 0, &spec, &res);
    double total = 0;
    for (size_t r = 0; r < inv.rows; r++) {
        char name[16];
        name_2019(&inv, r, name, sizeof name);
        double want = minutes_sum(&inv, r, 0, minutes);
        total += want;
        if (want == 0)
            continue;
        ck_assert_msg(function_arrivals(&res, 0, name) == want, "function %s: %g arrivals, the trace has %g",
                      name, function_arrivals(&res, 0, name), want);
    }
    if (!test_quick())
        ck_assert_double_eq(total, 3037902);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), total);
    /* The load pass counted the same, and cost curves see it as the expected volume. */
    const source_spec *s = &spec->sources[0];
    ck_assert_uint_eq(trace_function_count(s->trace), 500);
    ck_assert_double_eq(trace_arrivals(s->trace), 3037902);
    ck_assert_double_eq_tol(traffic_expected_arrivals(s, 0, 60.0 * minutes), total, 1e-6 * total);
    if (support_verbose())
        fprintf(stderr, SUITE ": 500-function sample: %.0f arrivals in %zu minutes\n", total, minutes);
    support_done(spec, &res);
    table_free(&inv);
}
END_TEST

/* The generated functions take each function's memory percentile (rounded up, at least
 * 128 MB) and its execution-time percentiles, joined on owner, app and function even when
 * the memory file orders its columns differently (as the 10-function sample does); with
 * cold_start "maximum-minus-average" a cold start of the row's Maximum - Average. */
START_TEST(generated_functions_take_recorded_memory_and_execution_time)
{
    HERE;
    static const char *const samples[] = { SAMPLE_10, SAMPLE_500 };
    for (int k = 0; k < 2; k++) {
        char json[4096];
        snprintf(json, sizeof json,
                 "{\"duration_s\": 60, \"replications\": 1, \"traffic\": [{\"arrivals\": {\"process\": "
                 "\"trace\", \"format\": \"azure2019\", \"file\": \"%s/%s/invocations.csv\", "
                 "\"durations_file\": \"%s/%s/durations.csv\", \"memory_file\": \"%s/%s/memory.csv\", "
                 "\"memory_percentile\": 75, \"functions\": 5%s}}]}",
                 here, samples[k], here, samples[k], here, samples[k],
                 k ? ", \"cold_start\": \"maximum-minus-average\", \"function_defaults\": {\"init_ms\": 300}" : "");
        char err[1024] = "";
        world_spec *spec = support_load_text(json, err, sizeof err);
        ck_assert_msg(spec != NULL, "%s", err);
        char path[256];
        table mem, dur;
        snprintf(path, sizeof path, "%s/memory.csv", samples[k]);
        table_read(path, &mem);
        snprintf(path, sizeof path, "%s/durations.csv", samples[k]);
        table_read(path, &dur);
        const cJSON *components = cJSON_GetObjectItemCaseSensitive(spec->resolved, "components");
        ck_assert_int_eq(cJSON_GetArraySize(components), 5);
        const cJSON *c;
        cJSON_ArrayForEach(c, components) {
            const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
            size_t mf = column(&mem, "HashFunction"), df = column(&dur, "HashFunction");
            size_t found = 0;
            for (size_t r = 0; r < mem.rows; r++) {
                if (strncmp(cell(&mem, r, mf), name, 12) != 0)
                    continue;
                double want = fmax(128, ceil(atof(cell(&mem, r, column(&mem, "AverageAllocatedMb_pct75")))));
                ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(c, "memory_mb")->valuedouble, want);
                found++;
            }
            for (size_t r = 0; r < dur.rows; r++) {
                if (strncmp(cell(&dur, r, df), name, 12) != 0)
                    continue;
                const cJSON *d = cJSON_GetObjectItemCaseSensitive(c, "duration_ms");
                const cJSON *p = cJSON_GetObjectItemCaseSensitive(d, "percentiles");
                ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "dist")->valuestring, "empirical");
                ck_assert_int_eq(cJSON_GetArraySize(p), 7);
                static const char *const cols[] = { "percentile_Average_0", "percentile_Average_1",
                    "percentile_Average_25", "percentile_Average_50", "percentile_Average_75",
                    "percentile_Average_99", "percentile_Average_100" };
                double run = 0;
                for (int i = 0; i < 7; i++) {
                    run = fmax(run, atof(cell(&dur, r, column(&dur, cols[i]))));
                    const cJSON *pair = cJSON_GetArrayItem(p, i);
                    ck_assert_double_eq(cJSON_GetArrayItem(pair, 1)->valuedouble, run);
                }
                /* cold_start "maximum-minus-average" (the 500-function sample): the row's
                 * Maximum - Average, in place of the defaults' init_ms */
                const cJSON *cold = cJSON_GetObjectItemCaseSensitive(c, "cold_start_ms");
                if (k) {
                    double want = fmax(0, atof(cell(&dur, r, column(&dur, "Maximum"))) -
                                          atof(cell(&dur, r, column(&dur, "Average"))));
                    char *shown = cJSON_PrintUnformatted(cold);
                    const cJSON *v = cJSON_IsObject(cold) ? cJSON_GetObjectItemCaseSensitive(cold, "value") : cold;
                    ck_assert_msg(cJSON_IsNumber(v) && v->valuedouble == want,
                                  "%s: cold_start_ms %s, expected %g", name, shown ? shown : "?", want);
                    free(shown);
                }
                found++;
            }
            ck_assert_msg(found == 2, "%s: %zu rows joined, expected one of each file", name, found);
        }
        table_free(&mem);
        table_free(&dur);
        world_spec_free(spec);
    }
}
END_TEST

/* time_scale 0.5 replays a day in 12 hours: in the first 6 hours of the run come exactly
 * the first 12 hours of the trace. */
START_TEST(time_scale_one_half_replays_the_trace_twice_as_fast)
{
    HERE;
    table inv;
    table_read(SAMPLE_10 "/invocations.csv", &inv);
    /* The two least busy functions of the day (27,056 and 30,527 invocations). */
    size_t rows[2] = { 4, 7 };
    char names[2][16], arrivals[4096], top[256];
    name_2019(&inv, rows[0], names[0], sizeof names[0]);
    name_2019(&inv, rows[1], names[1], sizeof names[1]);
    snprintf(arrivals, sizeof arrivals,
             "{\"process\": \"trace\", \"format\": \"azure2019\", \"file\": \"%s/" SAMPLE_10 "/invocations.csv\", "
             "\"time_scale\": 0.5, \"functions\": [\"%s\", \"%s\"], \"function_defaults\": {\"duration_ms\": 50}}",
             here, names[0], inv.cell[rows[1] + 1][2]);   /* a name, and an id */
    snprintf(top, sizeof top, "\"duration_s\": 21600, \"replications\": 2,");
    world_spec *spec;
    run_result res;
    run_trace(top, arrivals, 0, &spec, &res);
    double total = 0;
    for (int k = 0; k < 2; k++) {
        double want = minutes_sum(&inv, rows[k], 0, 720);
        total += want;
        for (uint32_t r = 0; r < 2; r++)
            ck_assert_double_eq(function_arrivals(&res, r, names[k]), want);
    }
    ck_assert_double_eq(support_row_value(&res, 1, "requests.arrived"), total);
    const source_spec *s = &spec->sources[0];
    ck_assert_double_eq_tol(traffic_expected_arrivals(s, 0, 21600), total, 1e-6 * total);
    double day = minutes_sum(&inv, rows[0], 0, 1440) + minutes_sum(&inv, rows[1], 0, 1440);
    ck_assert_double_eq_tol(traffic_expected_arrivals(s, 0, 43200), day, 1e-6 * day);
    ck_assert_double_eq_tol(traffic_expected_arrivals(s, 0, 86400), day, 1e-6 * day);
    support_done(spec, &res);
    table_free(&inv);
}
END_TEST

/* functions: 10 replays 10 of the 500 functions, drawn from the scenario's seed: the same
 * ones, and byte-identical figures, with 1 and 2 threads; another seed draws others. */
START_TEST(a_sample_of_functions_is_the_same_for_any_thread_count)
{
    HERE;
    char arrivals[4096];
    snprintf(arrivals, sizeof arrivals,
             "{\"process\": \"trace\", \"format\": \"azure2019\", \"file\": \"%s/" SAMPLE_500 "/invocations.csv\", "
             "\"durations_file\": \"%s/" SAMPLE_500 "/durations.csv\", \"functions\": 10, "
             "\"function_defaults\": {\"timeout_s\": 900}}", here, here);
    const char *top = "\"duration_s\": 1800, \"replications\": 3, \"seed\": 11,";
    world_spec *one, *two;
    run_result r1, r2;
    run_trace(top, arrivals, 1, &one, &r1);
    run_trace(top, arrivals, 2, &two, &r2);
    ck_assert_uint_eq(trace_function_count(one->sources[0].trace), 10);
    ck_assert_uint_eq(one->n_components, 10);
    ck_assert_uint_eq(r1.n_values, r2.n_values);
    for (size_t i = 0; i < r1.n_values; i++)
        ck_assert_str_eq(r1.names[i], r2.names[i]);
    ck_assert_msg(memcmp(r1.rows, r2.rows, r1.n_values * 3 * sizeof *r1.rows) == 0,
                  "figures differ between 1 and 2 threads");
    /* Each function is one of the trace's, with its own row's arrivals. */
    table inv;
    table_read(SAMPLE_500 "/invocations.csv", &inv);
    double total = 0;
    for (size_t i = 0; i < 10; i++) {
        const char *name = trace_function_name(one->sources[0].trace, i);
        size_t r = 0;
        while (r < inv.rows && strncmp(cell(&inv, r, 2), name, 12) != 0)
            r++;
        ck_assert_msg(r < inv.rows, "%s is not a function of the trace", name);
        total += minutes_sum(&inv, r, 0, 30);
    }
    ck_assert_double_eq(support_row_value(&r1, 2, "requests.arrived"), total);
    /* Another seed, another sample. */
    world_spec *other;
    run_result r3;
    run_trace("\"duration_s\": 60, \"replications\": 1, \"seed\": 12,", arrivals, 1, &other, &r3);
    bool same = true;
    for (size_t i = 0; i < 10; i++)
        same &= strcmp(trace_function_name(one->sources[0].trace, i),
                       trace_function_name(other->sources[0].trace, i)) == 0;
    ck_assert_msg(!same, "seeds 11 and 12 drew the same 10 functions");
    support_done(other, &r3);
    support_done(one, &r1);
    support_done(two, &r2);
    table_free(&inv);
}
END_TEST

/* repeat: 2 loops the window twice (the 2021 sample: 199 invocations in 1,201 s); repeat:
 * true loops until the run ends, the last loop cut where the run ends; an azure2019 window
 * of whole minutes loops the same way. */
START_TEST(repeat_loops_the_window)
{
    HERE;
    char arrivals[4096];
    world_spec *spec;
    run_result res;
    snprintf(arrivals, sizeof arrivals, "{\"process\": \"trace\", \"format\": \"azure2021\", "
             "\"file\": \"%s/" SAMPLE_2021 "\", \"repeat\": 2, \"function_defaults\": {\"timeout_s\": 900}}",
             here);
    run_trace("\"duration_s\": 5000, \"replications\": 1,", arrivals, 0, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), 2 * 199);
    support_done(spec, &res);

    /* Forever: 4 whole loops of 1,201 s, then the rows starting before 5000 - 4 x 1201 s. */
    table t;
    table_read(SAMPLE_2021, &t);
    double last = 0, fifth = 0;
    for (size_t r = 0; r < t.rows; r++) {
        double start = atof(cell(&t, r, 2)) - atof(cell(&t, r, 3));
        last = fmax(last, start);
        fifth += start < 5000 - 4 * 1201.0;
    }
    ck_assert_double_eq(floor(last) + 1, 1201);
    table_free(&t);
    snprintf(arrivals, sizeof arrivals, "{\"process\": \"trace\", \"format\": \"azure2021\", "
             "\"file\": \"%s/" SAMPLE_2021 "\", \"repeat\": true, \"function_defaults\": {\"timeout_s\": 900}}",
             here);
    run_trace("\"duration_s\": 5000, \"replications\": 1,", arrivals, 0, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), 4 * 199 + fifth);
    ck_assert_double_eq_tol(traffic_expected_arrivals(&spec->sources[0], 0, 4 * 1201.0), 4 * 199, 1e-9);
    support_done(spec, &res);

    /* azure2019: the first hour of two functions, three times. */
    table inv;
    table_read(SAMPLE_10 "/invocations.csv", &inv);
    char n4[16], n7[16];
    name_2019(&inv, 4, n4, sizeof n4);
    name_2019(&inv, 7, n7, sizeof n7);
    snprintf(arrivals, sizeof arrivals, "{\"process\": \"trace\", \"format\": \"azure2019\", "
             "\"file\": \"%s/" SAMPLE_10 "/invocations.csv\", \"end_s\": 3600, \"repeat\": 3, "
             "\"within_minute\": \"even\", \"functions\": [\"%s\", \"%s\"], "
             "\"function_defaults\": {\"duration_ms\": 20}}", here, n4, n7);
    run_trace("\"duration_s\": 14400, \"replications\": 1,", arrivals, 0, &spec, &res);
    double hour = minutes_sum(&inv, 4, 0, 60) + minutes_sum(&inv, 7, 0, 60);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), 3 * hour);
    support_done(spec, &res);
    table_free(&inv);
}
END_TEST

/* start_s and end_s cut a window of trace time that starts the run: minutes 10 to 69 of
 * the 500-function sample, and the rows of a CSV log in [start_s, end_s). */
START_TEST(a_window_of_trace_time_replays_exactly_its_arrivals)
{
    HERE;
    table inv;
    table_read(SAMPLE_500 "/invocations.csv", &inv);
    double want = 0;
    for (size_t r = 0; r < inv.rows; r++)
        want += minutes_sum(&inv, r, 10, 70);
    table_free(&inv);
    char arrivals[4096];
    snprintf(arrivals, sizeof arrivals, "{\"process\": \"trace\", \"format\": \"azure2019\", "
             "\"file\": \"%s/" SAMPLE_500 "/invocations.csv\", \"durations_file\": \"%s/" SAMPLE_500
             "/durations.csv\", \"start_s\": 600, \"end_s\": 4200, \"function_defaults\": {\"timeout_s\": 900}}",
             here, here);
    world_spec *spec;
    run_result res;
    /* A longer run than the window: nothing arrives after it. */
    run_trace("\"duration_s\": 4000, \"replications\": 1,", arrivals, 0, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), want);
    ck_assert_double_eq(trace_arrivals(spec->sources[0].trace), want);
    support_done(spec, &res);

    /* A CSV log on an absolute clock: the first row is run time 0 unless start_s says. */
    char dir[256], file[512];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/log.csv", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "function,timestamp_s\n");
    for (int i = 0; i < 100; i++)
        fprintf(f, "api,%.3f\n", 1700000000.25 + i * 1.5);
    fclose(f);
    snprintf(arrivals, sizeof arrivals, "{\"process\": \"trace\", \"format\": \"csv\", \"file\": \"%s\", "
             "\"function_defaults\": {\"duration_ms\": 10}}", file);
    run_trace("\"duration_s\": 60, \"replications\": 1,", arrivals, 0, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), 40);   /* 0, 1.5, ..., 58.5 s */
    support_done(spec, &res);
    snprintf(arrivals, sizeof arrivals, "{\"process\": \"trace\", \"format\": \"csv\", \"file\": \"%s\", "
             "\"start_s\": 1700000030.25, \"end_s\": 1700000060.25, \"function_defaults\": {\"duration_ms\": 10}}", file);
    run_trace("\"duration_s\": 600, \"replications\": 1,", arrivals, 0, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), 20);   /* rows 20 to 39 */
    support_done(spec, &res);
    support_rmrf(dir);
}
END_TEST

/* Poisson traffic written as a CSV log and replayed behaves like the same traffic
 * generated directly: cold-start ratio, mean concurrency and p99 latency agree. */
START_TEST(a_replayed_poisson_log_matches_poisson_traffic)
{
    char dir[256], file[512];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/poisson.csv", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "timestamp_s,function\n");
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2385);
    size_t n = 0;
    for (double t = -log(gsl_rng_uniform_pos(r)) / 20.0; t < 3600; t += -log(gsl_rng_uniform_pos(r)) / 20.0, n++)
        fprintf(f, "%.6f,api\n", t);
    gsl_rng_free(r);
    fclose(f);
    const char *function = "{\"name\": \"api\", \"kind\": \"function\", \"memory_mb\": 512, "
                           "\"duration_ms\": {\"dist\": \"lognormal\", \"median\": 120, \"p99\": 900}, "
                           "\"keep_alive\": {\"policy\": \"fixed\", \"idle_s\": 60}}";
    char json[4096];
    const char *reps = test_quick() ? "4" : "10";
    snprintf(json, sizeof json, "{\"duration_s\": 3600, \"replications\": %s, \"seed\": 7, "
             "\"components\": [%s], \"traffic\": [{\"name\": \"log\", \"arrivals\": {\"process\": "
             "\"trace\", \"format\": \"csv\", \"file\": \"%s\"}}]}", reps, function, file);
    world_spec *s1, *s2;
    run_result replay, direct;
    support_run_text(json, 0, &s1, &replay);
    ck_assert_double_eq(support_row_value(&replay, 0, "requests.arrived"), (double)n);
    snprintf(json, sizeof json, "{\"duration_s\": 3600, \"replications\": %s, \"seed\": 7, "
             "\"components\": [%s], \"traffic\": [{\"name\": \"users\", \"target\": \"api\", "
             "\"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 20}}]}", reps, function);
    support_run_text(json, 0, &s2, &direct);
    static const char *const figures[] = { "functions.api.cold_start_ratio", "functions.api.mean_concurrency",
                                           "latency_ms.p99" };
    for (int i = 0; i < 3; i++) {
        double hw_r, hw_d;
        double m_r = support_figure_ci(&replay, figures[i], &hw_r);
        double m_d = support_figure_ci(&direct, figures[i], &hw_d);
        support_assert_within_ci(SUITE, figures[i], m_d, sqrt(hw_d * hw_d + hw_r * hw_r), m_r);
    }
    support_done(s1, &replay);
    support_done(s2, &direct);
    support_rmrf(dir);
}
END_TEST

/* Recorded durations are the handler's time (a cold-start-free function's mean duration is
 * their mean), and the tenant and size_kb columns reach the requests. */
START_TEST(recorded_durations_tenants_and_sizes_reach_the_requests)
{
    char dir[256], file[512];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/log.csv", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "timestamp_s,duration_ms,tenant,function,size_kb\n");
    double sum = 0;
    int gold = 0;
    for (int i = 0; i < 300; i++) {
        double ms = 20 + (i * 37) % 400 + 0.385;
        sum += ms;
        gold += i % 3 == 0;
        fprintf(f, "%d.5,%.3f,%s,worker,%d\n", i, ms, i % 3 == 0 ? "gold" : "free", 1 + i % 7);
    }
    fclose(f);
    char json[4096];
    snprintf(json, sizeof json, "{\"duration_s\": 400, \"replications\": 1, \"tenants\": [{\"name\": \"gold\"}, "
             "{\"name\": \"free\"}], \"traffic\": [{\"name\": \"log\", \"arrivals\": {\"process\": \"trace\", "
             "\"format\": \"csv\", \"file\": \"%s\", \"function_defaults\": {\"cold_start_ms\": 0}}}]}", file);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "functions.worker.invocations"), 300);
    /* Requests keep the recorded time as a float: 24 bits, so to about 1e-7 of its value. */
    ck_assert_double_eq_tol(support_row_value(&res, 0, "functions.worker.mean_duration_ms"), sum / 300, 1e-4);
    ck_assert_double_eq(support_row_value(&res, 0, "tenants.gold.requests.arrived"), gold);
    ck_assert_double_eq(support_row_value(&res, 0, "tenants.free.requests.arrived"), 300 - gold);
    support_done(spec, &res);
    support_rmrf(dir);
}
END_TEST

/* A component the scenario declares under a function's name is used as it is (to
 * configure one function specially); the others are generated. */
START_TEST(a_declared_component_configures_its_function)
{
    char dir[256], file[512];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/log.csv", dir);
    support_write_text(file, "timestamp_s,function\n1,a\n2,b\n3,a\n");
    char json[4096];
    snprintf(json, sizeof json, "{\"duration_s\": 10, \"replications\": 1, \"components\": [{\"name\": \"a\", "
             "\"kind\": \"function\", \"memory_mb\": 1024, \"duration_ms\": 40}], \"traffic\": [{\"arrivals\": "
             "{\"process\": \"trace\", \"format\": \"csv\", \"file\": \"%s\", \"function_defaults\": "
             "{\"duration_ms\": 10, \"memory_mb\": 256}}}]}", file);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    ck_assert_uint_eq(spec->n_components, 2);
    ck_assert_int_eq(world_spec_component(spec, "a"), 0);
    ck_assert_int_eq(world_spec_component(spec, "b"), 1);
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(spec->resolved, "components"), 1);
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(c, "memory_mb")->valuedouble, 256);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(c, "app")->valuestring, "b");
    ck_assert_double_eq(support_row_value(&res, 0, "functions.a.invocations"), 2);
    ck_assert_double_eq(support_row_value(&res, 0, "functions.b.invocations"), 1);
    support_done(spec, &res);
    support_rmrf(dir);
}
END_TEST

/* ---- hostile input ---------------------------------------------------------------------- */

/* A scenario replaying file (format csv unless the text says) with extra arrivals keys. */
static void scenario_for(char *json, size_t size, const char *format, const char *file, const char *extra)
{
    snprintf(json, size, "{\"duration_s\": 120, \"replications\": 1, \"traffic\": [{\"arrivals\": "
             "{\"process\": \"trace\", \"format\": \"%s\", \"file\": \"%s\", "
             "\"function_defaults\": {\"duration_ms\": 10}%s}}]}", format, file, extra);
}

/* Writes text to dir/name and asserts that replaying it is refused at
 * traffic[0].arrivals.file with "name:where" and words in the message. */
static void assert_file_refused(const char *dir, const char *format, const char *name, const char *text,
                                const char *where, const char *words)
{
    char file[512], json[2048], expected[600];
    snprintf(file, sizeof file, "%s/%s", dir, name);
    if (text)
        support_write_text(file, text);
    scenario_for(json, sizeof json, format, file, "");
    snprintf(expected, sizeof expected, "%s%s", file, where);
    support_assert_refused(SUITE, json, "traffic[0].arrivals.file", expected);
    support_assert_refused(SUITE, json, "traffic[0].arrivals.file", words);
}

START_TEST(hostile_traces_are_refused_with_file_line_and_column)
{
    char dir[256];
    support_tempdir(dir, sizeof dir);
    assert_file_refused(dir, "csv", "missing.csv", NULL, ": cannot open", "No such file");
    assert_file_refused(dir, "csv", "empty.csv", "", ":1:1:", "empty");
    assert_file_refused(dir, "csv", "norows.csv", "timestamp_s,function\n", ":2:1:", "a header but no rows");
    assert_file_refused(dir, "csv", "header.csv", "function,duration_ms\na,5\n", ":1:1:", "no timestamp_s column");
    assert_file_refused(dir, "csv", "unknown.csv", "timestamp_s,function,colour\n1,a,red\n", ":1:22:",
                        "unknown column \"colour\"");
    assert_file_refused(dir, "csv", "number.csv", "timestamp_s,function\n1,a\n2.5e,b\n", ":3:1:",
                        "timestamp_s \"2.5e\" is not a number");
    assert_file_refused(dir, "csv", "back.csv", "timestamp_s,function\n1,a\n5,b\n4.75,a\n", ":4:1:",
                        "0.25 s before the row on line 3");
    assert_file_refused(dir, "csv", "many.csv", "timestamp_s,function\n1,a\n2,b,c\n", ":3:5:", "has 3 columns");
    assert_file_refused(dir, "csv", "few.csv", "timestamp_s,function\n1,a\n2\n", ":3:2:", "has 1 column;");
    assert_file_refused(dir, "csv", "name.csv", "timestamp_s,function\n1,a\n2,get users\n", ":3:3:",
                        "\"get users\" is not a valid name");
    assert_file_refused(dir, "azure2019", "count.csv", "HashOwner,HashApp,HashFunction,Trigger,7,8\n"
                        "o1,a1,f1,http,3,x2\n", ":2:17:", "count \"x2\" of minute 8 is not a whole number");
    assert_file_refused(dir, "azure2019", "negative.csv", "HashOwner,HashApp,HashFunction,Trigger,7,8\n"
                        "o1,a1,f1,http,3,0\no2,a2,f2,timer,-4,1\n", ":3:16:", "count \"-4\" of minute 7 is negative");
    assert_file_refused(dir, "azure2019", "minutes.csv", "HashOwner,HashApp,HashFunction,Trigger,7,9\n", ":1:42:",
                        "minute column \"9\"");
    assert_file_refused(dir, "azure2021", "end.csv", "app,func,end_timestamp,duration\na,f,3.5,1\n"
                        "a,f,2.0,0.25\n", ":3:5:", "0.75 s before the row on line 2");

    /* Option errors name their own key. */
    char file[512], json[2048];
    snprintf(file, sizeof file, "%s/ok.csv", dir);
    support_write_text(file, "timestamp_s,function\n1,a\n2,b\n");
    scenario_for(json, sizeof json, "csv", file, ", \"functions\": 3");
    support_assert_refused(SUITE, json, "traffic[0].arrivals.functions", "asks for 3 functions");
    scenario_for(json, sizeof json, "csv", file, ", \"functions\": [\"a\", \"zz\"]");
    support_assert_refused(SUITE, json, "traffic[0].arrivals.functions[1]", "no function \"zz\"");
    scenario_for(json, sizeof json, "csv", file, ", \"within_minute\": \"even\"");
    support_assert_refused(SUITE, json, "traffic[0].arrivals.within_minute", "azure2019");
    scenario_for(json, sizeof json, "csv", file, ", \"cold_start\": \"maximum-minus-average\"");
    support_assert_refused(SUITE, json, "traffic[0].arrivals.cold_start", "azure2019");
    char az[512];
    snprintf(az, sizeof az, "%s/az.csv", dir);
    support_write_text(az, "HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,3\n");
    scenario_for(json, sizeof json, "azure2019", az, ", \"cold_start\": \"maximum-minus-average\"");
    support_assert_refused(SUITE, json, "traffic[0].arrivals.cold_start", "give durations_file");
    scenario_for(json, sizeof json, "azure2019", az, ", \"cold_start\": \"maximum\"");
    support_assert_refused(SUITE, json, "traffic[0].arrivals.cold_start", "maximum-minus-average");
    scenario_for(json, sizeof json, "csv", file, ", \"repeat\": 0");
    support_assert_refused(SUITE, json, "traffic[0].arrivals.repeat", "from 1");
    scenario_for(json, sizeof json, "csv", file, ", \"start_s\": 10");
    support_assert_refused(SUITE, json, "traffic[0].arrivals.start_s", "no row");
    /* A function's key the function kind refuses: the message says it was generated. */
    snprintf(json, sizeof json, "{\"traffic\": [{\"arrivals\": {\"process\": \"trace\", \"format\": \"csv\", "
             "\"file\": \"%s\", \"function_defaults\": {\"duration_ms\": 10, \"memory_mb\": 64}}}]}", file);
    support_assert_refused(SUITE, json, "components[0].memory_mb", "generated for a of traffic[0]");
    /* Rows without a function column go to the target, which is then required. */
    snprintf(file, sizeof file, "%s/times.csv", dir);
    support_write_text(file, "timestamp_s\n1\n2\n");
    scenario_for(json, sizeof json, "csv", file, "");
    support_assert_refused(SUITE, json, "traffic[0].target", "no function column");
    support_rmrf(dir);
}
END_TEST

/* on_bad_row "skip" replays the good rows and counts the others. */
/* A trace that is not a regular file (/dev/zero: endless, no line ends) or has a line
 * longer than 16 MB is refused at once, not read until memory runs out (fuzzing found
 * that a trace file may name any path). */
START_TEST(endless_or_endless_line_traces_are_refused)
{
    support_assert_refused("trace",
        "{\"duration_s\": 60, \"traffic\": [{\"name\": \"t\", \"arrivals\": {\"process\": \"trace\","
        " \"format\": \"csv\", \"file\": \"/dev/zero\"}}]}",
        "traffic[0].arrivals.file", "not a regular file");
    char dir[256], path[512], json[1024];
    support_tempdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/long.csv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < (17 << 20) / 64; i++)
        fputs("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,", f);
    fclose(f);
    snprintf(json, sizeof json, "{\"duration_s\": 60, \"traffic\": [{\"name\": \"t\", \"arrivals\": {\"process\": \"trace\","
             " \"format\": \"csv\", \"file\": \"%s\"}}]}", path);
    support_assert_refused("trace", json, "traffic[0].arrivals.file", "longer than 16 MB");
    support_rmrf(dir);
}
END_TEST

START_TEST(skipping_bad_rows_counts_them)
{
    char dir[256], file[512], json[2048];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/log.csv", dir);
    support_write_text(file, "timestamp_s,function\n1,a\nx,a\n2,a,extra\n3,b\n2.5,a\n\n4,bad name\n5,a\n");
    scenario_for(json, sizeof json, "csv", file, ", \"on_bad_row\": \"skip\"");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    ck_assert_uint_eq(trace_bad_rows(spec->sources[0].trace), 4);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), 3);
    ck_assert_double_eq(support_row_value(&res, 0, "functions.a.invocations"), 2);
    ck_assert_double_eq(support_row_value(&res, 0, "functions.b.invocations"), 1);
    support_done(spec, &res);

    snprintf(file, sizeof file, "%s/counts.csv", dir);
    support_write_text(file, "HashOwner,HashApp,HashFunction,Trigger,0,1\no,a,f1,http,2,3\no,a,f2,http,-1,3\n"
               "o,a,f3,queue,4\no,a,f4,event,1,1\n");
    scenario_for(json, sizeof json, "azure2019", file, ", \"on_bad_row\": \"skip\"");
    support_run_text(json, 0, &spec, &res);
    ck_assert_uint_eq(trace_bad_rows(spec->sources[0].trace), 2);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), 7);
    support_done(spec, &res);
    support_rmrf(dir);
}
END_TEST

/* The figures traffic_report gives for a replication: value of name. */
static double source_figure(const world_spec *spec, const world *w, const char *name)
{
    metric_sink names = { 0 };
    traffic_report(spec, NULL, &names);
    double values[16];
    metric_sink collect = { .values = values };
    traffic_report(spec, w, &collect);
    ck_assert_uint_eq(collect.n, names.n);
    double v = NAN;
    for (size_t i = 0; i < names.n; i++) {
        if (strcmp(names.names[i], name) == 0)
            v = values[i];
        free(names.names[i]);
    }
    free(names.names);
    ck_assert_msg(!isnan(v), "no figure %s", name);
    return v;
}

/* A file that changes after loading ends the replay where it stops making sense, and the
 * replication counts it (sources.<name>.read_errors) instead of failing: in the azure2019
 * case f1 stops at its malformed minute and f2 where its row now ends (1 + 4 arrivals, two
 * read errors); the csv stops at its malformed second row. */
START_TEST(a_trace_changed_after_loading_ends_early_and_is_counted)
{
    char dir[256], file[512], json[4096], err[1024] = "";
    support_tempdir(dir, sizeof dir);
    static const struct { const char *format, *before, *after; double arrived; } cases[] = {
        { "azure2019", "HashOwner,HashApp,HashFunction,Trigger,0,1,2\no,a,f1,http,1,2,3\no,a,f2,http,4,5,6\n",
          "HashOwner,HashApp,HashFunction,Trigger,0,1,2\no,a,f1,http,1,x,3\no,a,f2,http,4\n", 1 + 4 },
        { "csv", "timestamp_s,function\n1,a\n2,a\n3,b\n", "timestamp_s,function\n1,a\nzz\n", 1 },
    };
    for (int k = 0; k < 2; k++) {
        snprintf(file, sizeof file, "%s/trace%d.csv", dir, k);
        support_write_text(file, cases[k].before);
        scenario_for(json, sizeof json, cases[k].format, file, "");
        world_spec *spec = support_load_text(json, err, sizeof err);
        ck_assert_msg(spec != NULL, "%s", err);
        support_write_text(file, cases[k].after);
        world w = { 0 };
        ck_assert_msg(world_run(&w, spec, 0, err, sizeof err) == 0, "%s", err);
        ck_assert_double_eq((double)w.counts.arrived, cases[k].arrived);
        ck_assert_double_eq(source_figure(spec, &w, "sources.source0.replayed"), cases[k].arrived);
        ck_assert_double_eq(source_figure(spec, &w, "sources.source0.read_errors"), k == 0 ? 2 : 1);
        ck_assert_double_eq(source_figure(spec, &w, "sources.source0.bad_rows"), 0);
        world_free(&w);
        world_spec_free(spec);
    }
    support_rmrf(dir);
}
END_TEST

Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, replaying_the_500_function_sample_makes_every_recorded_invocation);
    tcase_add_test(tc, generated_functions_take_recorded_memory_and_execution_time);
    tcase_add_test(tc, time_scale_one_half_replays_the_trace_twice_as_fast);
    tcase_add_test(tc, a_sample_of_functions_is_the_same_for_any_thread_count);
    tcase_add_test(tc, repeat_loops_the_window);
    tcase_add_test(tc, a_window_of_trace_time_replays_exactly_its_arrivals);
    tcase_add_test(tc, a_replayed_poisson_log_matches_poisson_traffic);
    tcase_add_test(tc, recorded_durations_tenants_and_sizes_reach_the_requests);
    tcase_add_test(tc, a_declared_component_configures_its_function);
    tcase_add_test(tc, hostile_traces_are_refused_with_file_line_and_column);
    tcase_add_test(tc, skipping_bad_rows_counts_them);
    tcase_add_test(tc, endless_or_endless_line_traces_are_refused);
    tcase_add_test(tc, a_trace_changed_after_loading_ends_early_and_is_counted);
    suite_add_tcase(s, tc);
    return s;
}
