/* test_lambda_logs.c — reading AWS Lambda's REPORT logs (models/trace/lambda_log.h and the
 * trace format "lambda-report"), against a log this file writes from a known model: Poisson
 * arrivals per function, lognormal durations and Init Durations, cold starts from a known
 * keep-alive (an instance idle for longer than keep_alive_s is gone). The same records are
 * written as raw CloudWatch lines (two files, one per function, named by the files),
 * Logs Insights CSV (parsed fields, memory in bytes, functions by @log), Logs Insights JSON
 * (@message) and filter-log-events JSON; the replays must agree figure for figure, and the
 * counts and the mean recorded duration must be what was written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tests/suites.h"
#include "tests/support.h"
#include "models/trace.h"
#include "models/traffic.h"
#include "models/trace/lambda_log.h"

#define SUITE "lambda_logs"
#define EPOCH_MS 1709294400000LL      /* 2024-03-01T12:00:00Z */

typedef struct rec {
    long long end_ms;
    double    dur, init;      /* ms, to 0.01; init -1: warm */
    int       fn;
} rec;

typedef struct model {
    const char *name;
    double      rate_per_s, mu, sigma, keep_alive_s;
    int         memory_mb;
} model;

static const model models[2] = {
    { "api", 1.5, 4.5, 0.6, 120, 512 },          /* median 90 ms */
    { "nightly-job", 0.01, 6.9, 0.4, 60, 1024 }, /* median 1 s, mostly cold */
};

typedef struct written {
    rec    *r;
    size_t  n;
    size_t  count[2], cold[2];
    double  dur_sum[2], init_sum[2];
} written;

static int by_end(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    if (x->end_ms != y->end_ms)
        return x->end_ms < y->end_ms ? -1 : 1;
    return x->fn - y->fn;
}

/* The model's invocations over span_s seconds, sorted by REPORT time as a log has them. */
static void generate(written *w, double span_s)
{
    *w = (written){ 0 };
    size_t cap = 8192;
    w->r = support_alloc(cap, sizeof *w->r);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 2385);
    for (int f = 0; f < 2; f++) {
        const model *m = &models[f];
        double free_at[256];     /* instances: when each is free again */
        int n_inst = 0;
        for (double t = gsl_ran_exponential(g, 1 / m->rate_per_s); t < span_s;
             t += gsl_ran_exponential(g, 1 / m->rate_per_s)) {
            double dur = round(gsl_ran_lognormal(g, m->mu, m->sigma) * 100) / 100;
            dur = fmin(dur, 60000);
            /* the most recently freed instance still kept, else a cold start */
            int best = -1;
            for (int i = 0; i < n_inst; i++)
                if (free_at[i] <= t && t - free_at[i] <= m->keep_alive_s && (best < 0 || free_at[i] > free_at[best]))
                    best = i;
            double init = -1;
            if (best < 0) {
                init = round(gsl_ran_lognormal(g, 5.5, 0.3) * 100) / 100;   /* median 245 ms */
                for (int i = 0; i < n_inst && best < 0; i++)
                    if (free_at[i] <= t)
                        best = i;           /* an expired instance's slot */
                if (best < 0) {
                    ck_assert_int_lt(n_inst, 256);
                    best = n_inst++;
                }
            }
            double end = t + ((init > 0 ? init : 0) + dur) / 1000;
            free_at[best] = end;
            if (w->n == cap) {
                cap *= 2;
                w->r = realloc(w->r, cap * sizeof *w->r);
                ck_assert_ptr_nonnull(w->r);
            }
            w->r[w->n++] = (rec){ .end_ms = EPOCH_MS + (long long)ceil(end * 1000), .dur = dur, .init = init, .fn = f };
            w->count[f]++;
            w->dur_sum[f] += dur;
            if (init >= 0) {
                w->cold[f]++;
                w->init_sum[f] += init;
            }
        }
    }
    gsl_rng_free(g);
    qsort(w->r, w->n, sizeof *w->r, by_end);
}

/* An ISO-8601 time of ms since the epoch: "2024-03-01T12:00:00.123Z" (iso) or Logs
 * Insights' "2024-03-01 12:00:00.123". */
static void iso(char *buf, size_t size, long long ms, int insights)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, size, "%04d-%02d-%02d%c%02d:%02d:%02d.%03lld%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             insights ? ' ' : 'T', tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000, insights ? "" : "Z");
}

static void report(char *buf, size_t size, const rec *r, size_t id, const char *sep)
{
    int n = snprintf(buf, size, "REPORT RequestId: 0e5f%06zu-aaaa%sDuration: %.2f ms%sBilled Duration: %.0f ms%s"
                     "Memory Size: %d MB%sMax Memory Used: %d MB", id, sep, r->dur, sep, ceil(r->dur), sep,
                     models[r->fn].memory_mb, sep, 60 + r->fn);
    if (r->init >= 0)
        snprintf(buf + n, size - (size_t)n, "%sInit Duration: %.2f ms", sep, r->init);
}

/* The four shapes of w in dir: raw (api.log, nightly-job.log), insights.csv, insights.json,
 * events-<fn>.json (filter-log-events, one per function). */
static void write_shapes(const written *w, const char *dir)
{
    char path[600], t[64], msg[400];
    FILE *raw[2], *ev[2];
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s/%s.log", dir, models[f].name);
        ck_assert_ptr_nonnull(raw[f] = fopen(path, "w"));
        snprintf(path, sizeof path, "%s/events-%s.json", dir, models[f].name);
        ck_assert_ptr_nonnull(ev[f] = fopen(path, "w"));
        fprintf(ev[f], "{\"events\": [\n");
    }
    snprintf(path, sizeof path, "%s/insights.csv", dir);
    FILE *csv = fopen(path, "w");
    snprintf(path, sizeof path, "%s/insights.json", dir);
    FILE *js = fopen(path, "w");
    ck_assert_ptr_nonnull(csv);
    ck_assert_ptr_nonnull(js);
    fprintf(csv, "@timestamp,@log,@requestId,@duration,@billedDuration,@memorySize,@maxMemoryUsed,@initDuration\n");
    fprintf(js, "[\n");
    size_t seen[2] = { 0 };
    for (size_t i = 0; i < w->n; i++) {
        const rec *r = &w->r[i];
        int f = r->fn;
        /* raw: the api file in `aws logs tail` style (a stream name), tabs; the other plain, spaces */
        iso(t, sizeof t, r->end_ms, 0);
        report(msg, sizeof msg, r, i, f == 0 ? "\t" : " ");
        if (f == 0)
            fprintf(raw[f], "%s 2024/03/01/[$LATEST]5d1e %s\t\n%s 2024/03/01/[$LATEST]5d1e END RequestId: x\n", t, msg, t);
        else
            fprintf(raw[f], "%s START RequestId: x Version: $LATEST\n%s\tx\tINFO\tdone, with a \"REPORT\" word\n%s %s\n",
                    t, t, t, msg);
        report(msg, sizeof msg, r, i, "\t");
        fprintf(ev[f], "%s{\"logStreamName\": \"2024/03/01/[$LATEST]5d1e\", \"timestamp\": %lld, "
                "\"message\": \"%s\\n\", \"ingestionTime\": %lld}\n", seen[f]++ ? "," : "", r->end_ms,
                msg, r->end_ms + 40);
        iso(t, sizeof t, r->end_ms, 1);
        /* memory in bytes: decimal MB for Memory Size, MiB for Max Memory Used */
        fprintf(csv, "%s,123456789012:/aws/lambda/%s,0e5f%06zu,%.2f,%.0f,%lld,%lld,", t, models[f].name, i, r->dur,
                ceil(r->dur), models[f].memory_mb * 1000000LL, (60 + f) * 1048576LL);
        if (r->init >= 0)
            fprintf(csv, "%.2f", r->init);
        fprintf(csv, "\n");
        char esc[420];
        size_t k = 0;
        for (const char *p = msg; *p; p++) {
            if (*p == '\t') {
                esc[k++] = '\\';
                esc[k++] = 't';
            } else {
                esc[k++] = *p;
            }
        }
        esc[k] = '\0';
        fprintf(js, "%s  {\"@timestamp\": \"%s\", \"@message\": \"%s\", \"@log\": \"123456789012:/aws/lambda/%s\"}\n",
                i ? "," : "", t, esc, models[f].name);
    }
    for (int f = 0; f < 2; f++) {
        fclose(raw[f]);
        fprintf(ev[f], "], \"searchedLogStreams\": []}\n");
        fclose(ev[f]);
    }
    fprintf(js, "]\n");
    fclose(csv);
    fclose(js);
}

static void run_logs(const char *files, world_spec **spec, run_result *res)
{
    char json[4096];
    snprintf(json, sizeof json, "{\"duration_s\": 4000, \"replications\": 2, \"seed\": 11, \"traffic\": [{\"name\": "
             "\"logs\", \"arrivals\": {\"process\": \"trace\", \"format\": \"lambda-report\", %s, "
             "\"function_defaults\": {\"cold_start_ms\": 0, \"keep_alive\": {\"policy\": \"fixed\", \"idle_s\": 120}}}, "
             "\"client\": {\"timeout_ms\": 3600000}}]}", files);
    support_run_text(json, 0, spec, res);
}

static int count_record(void *ctx, const lambda_record *r)
{
    double *acc = ctx;     /* [count, duration sum, last start, inits, out of order] */
    acc[0]++;
    acc[1] += r->duration_ms;
    acc[4] += r->start_s < acc[2];
    acc[2] = r->start_s;
    acc[3] += r->init_ms >= 0;
    return 0;
}

START_TEST(the_four_shapes_replay_alike_and_as_written)
{
    char dir[256];
    support_tempdir(dir, sizeof dir);
    written w;
    generate(&w, 3600);
    write_shapes(&w, dir);
    ck_assert_uint_gt(w.cold[0], 10);
    ck_assert_uint_gt(w.cold[1], 10);

    /* The reader alone: every record, in order of start, durations as written. */
    char p0[600], p1[600], f[4][2048];
    snprintf(p0, sizeof p0, "%s/api.log", dir);
    snprintf(p1, sizeof p1, "%s/nightly-job.log", dir);
    const char *paths[2] = { p0, p1 };
    lambda_log_opts o = { .files = paths, .n_files = 2 };
    double acc[5] = { 0, 0, -INFINITY, 0, 0 };
    char err[600] = "";
    ck_assert_msg(lambda_log_scan(&o, count_record, acc, err, sizeof err) == 0, "%s", err);
    ck_assert_double_eq(acc[0], (double)w.n);
    ck_assert_double_eq(acc[3], (double)(w.cold[0] + w.cold[1]));
    ck_assert_double_eq(acc[4], 0);
    support_assert_close("duration sum", acc[1], w.dur_sum[0] + w.dur_sum[1]);

    snprintf(f[0], sizeof f[0], "\"files\": [\"%s/api.log\", \"%s/nightly-job.log\"]", dir, dir);
    snprintf(f[1], sizeof f[1], "\"file\": \"%s/insights.csv\"", dir);
    snprintf(f[2], sizeof f[2], "\"file\": \"%s/insights.json\"", dir);
    snprintf(f[3], sizeof f[3], "\"files\": [{\"file\": \"%s/events-api.json\", \"function\": \"api\"}, "
             "{\"file\": \"%s/events-nightly-job.json\", \"function\": \"nightly-job\"}]", dir, dir);
    world_spec *spec[4];
    run_result res[4];
    for (int k = 0; k < 4; k++)
        run_logs(f[k], &spec[k], &res[k]);
    static const char *const same[] = { "requests.arrived", "functions.api.invocations", "functions.api.cold_starts",
                                        "functions.api.mean_duration_ms", "functions.api.billed_gb_s",
                                        "functions.nightly-job.invocations", "functions.nightly-job.cold_starts",
                                        "functions.nightly-job.max_concurrency", "latency_ms.p99", "latency_ms.mean",
                                        "functions.api.logged_cold_starts", "functions.api.idle_instance_s" };
    for (int k = 1; k < 4; k++)
        for (size_t i = 0; i < sizeof same / sizeof *same; i++)
            for (uint32_t r = 0; r < 2; r++)
                ck_assert_msg(support_row_value(&res[k], r, same[i]) == support_row_value(&res[0], r, same[i]),
                              "shape %d, %s: %.17g against the raw lines' %.17g", k, same[i],
                              support_row_value(&res[k], r, same[i]), support_row_value(&res[0], r, same[i]));
    for (int f2 = 0; f2 < 2; f2++) {
        char key[160];
        const char *nm = models[f2].name;
        snprintf(key, sizeof key, "functions.%s.invocations", nm);
        ck_assert_double_eq(support_row_value(&res[0], 0, key), (double)w.count[f2]);
        snprintf(key, sizeof key, "functions.%s.logged_invocations", nm);
        ck_assert_double_eq(support_row_value(&res[0], 0, key), (double)w.count[f2]);
        snprintf(key, sizeof key, "functions.%s.logged_cold_starts", nm);
        ck_assert_double_eq(support_row_value(&res[0], 0, key), (double)w.cold[f2]);
        /* No cold-start delay here: the mean duration is the recorded one (requests keep it
         * as a float: to about 1e-7 of its value). */
        snprintf(key, sizeof key, "functions.%s.mean_duration_ms", nm);
        ck_assert_double_eq_tol(support_row_value(&res[0], 0, key), w.dur_sum[f2] / (double)w.count[f2],
                                1e-6 * w.dur_sum[f2] / (double)w.count[f2]);
        /* Memory Size (MB in the lines, bytes in the CSV) became the function's memory_mb. */
        for (int k = 0; k < 4; k++) {
            int c = world_spec_component(spec[k], nm);
            ck_assert_int_ge(c, 0);
            const cJSON *comp = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(spec[k]->resolved, "components"), c);
            ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(comp, "memory_mb")->valuedouble, models[f2].memory_mb);
        }
        /* The observed cold starts kept for calibrate: their count and mean Init Duration. */
        const trace_spec *t = spec[1]->sources[0].trace;
        for (size_t i = 0; i < trace_function_count(t); i++) {
            if (strcmp(trace_function_name(t, i), nm) != 0)
                continue;
            double mean;
            size_t n;
            const double *sample;
            ck_assert_uint_eq(trace_function_logged_cold_starts(t, i, &sample, &n, &mean), w.cold[f2]);
            support_assert_close("mean Init Duration", mean, w.init_sum[f2] / (double)w.cold[f2]);
            ck_assert_uint_eq(n, w.cold[f2] < 512 ? w.cold[f2] : 512);
            for (size_t j = 1; j < n; j++)
                ck_assert(sample[j - 1] <= sample[j]);
        }
    }
    /* The replay's cold starts follow the model's keep-alive: the simulated share is within
     * its confidence interval of the logged one (the platform's instance choice differs). */
    if (support_verbose())
        printf("%s: api cold starts logged %zu, replayed %.0f; nightly-job logged %zu, replayed %.0f\n", SUITE,
               w.cold[0], support_row_value(&res[0], 0, "functions.api.cold_starts"), w.cold[1],
               support_row_value(&res[0], 0, "functions.nightly-job.cold_starts"));
    for (int k = 0; k < 4; k++)
        support_done(spec[k], &res[k]);
    free(w.r);
    support_rmrf(dir);
}
END_TEST

/* Writes text as dir/name and asserts the scenario replaying it is refused with
 * "<path><where>" and words. */
static void assert_log_refused(const char *dir, const char *name, const char *text, const char *where,
                               const char *words)
{
    char file[600], json[2048], expected[800];
    support_write_in(file, sizeof file, dir, name, text);
    snprintf(json, sizeof json, "{\"duration_s\": 60, \"replications\": 1, \"traffic\": [{\"arrivals\": "
             "{\"process\": \"trace\", \"format\": \"lambda-report\", \"file\": \"%s\"}}]}", file);
    snprintf(expected, sizeof expected, "%s%s", file, where);
    support_assert_refused(SUITE, json, "traffic[0].arrivals.file", expected);
    support_assert_refused(SUITE, json, "traffic[0].arrivals.file", words);
}

#define OK1 "2024-03-01T12:00:01.000Z REPORT RequestId: a\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n"

START_TEST(malformed_and_truncated_lines_are_named_by_file_and_line)
{
    char dir[256];
    support_tempdir(dir, sizeof dir);
    assert_log_refused(dir, "cut.log", OK1 "junk\n2024-03-01T12:00:02.000Z REPORT RequestId: b\tDuration: 10.00 ms\t"
                       "Billed Duration: 10 ms\tMemory Size: 128 MB\tMax Memo\n", ":3:", "Max Memory Used");
    assert_log_refused(dir, "number.log", OK1 "2024-03-01T12:00:02.000Z REPORT RequestId: b\tDuration: 1o.0 ms\t"
                       "Billed Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n", ":2:", "not the unit ms");
    assert_log_refused(dir, "notime.log", OK1 "REPORT RequestId: b\tDuration: 1 ms\tBilled Duration: 1 ms\t"
                       "Memory Size: 128 MB\tMax Memory Used: 60 MB\n", ":2:", "does not start with its time");
    assert_log_refused(dir, "memory.log", "2024-03-01T12:00:02.000Z REPORT RequestId: b\tDuration: 1 ms\t"
                       "Billed Duration: 1 ms\tMemory Size: 64 MB\tMax Memory Used: 60 MB\n", ":1:", "128 to 10240 MB");
    assert_log_refused(dir, "short.csv", "@timestamp,@message\n2024-03-01 12:00:01.000,\"REPORT RequestId: a\tDuration: "
                       "10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\"\n2024-03-01 "
                       "12:00:02.000\n", ":3:", "has 1 field");
    assert_log_refused(dir, "open.csv", "@timestamp,@message\n2024-03-01 12:00:01.000,\"REPORT RequestId: a\tDur\n",
                       ":2:", "ends inside a quoted field");
    assert_log_refused(dir, "cut.json", "[\n {\"@timestamp\": \"2024-03-01 12:00:01.000\", \"@message\": \"REPORT "
                       "RequestId: a\\tDuration: 10.00 ms\\tBilled Duration: 10 ms\\tMemory Size: 128 MB\\tMax Memory "
                       "Used: 60 MB\"},\n {\"@timestamp\": \"2024-03-01 12:00:0", ":3:", "truncated");
    assert_log_refused(dir, "empty.log", "START RequestId: a\n", ":", "no REPORT record");
    assert_log_refused(dir, "bytes.csv", "@timestamp,@duration,@billedDuration,@memorySize,@log\n2024-03-01 12:00:01.000,"
                       "5,5,512.5,1:/aws/lambda/f\n", ":2:", "whole MB");
    /* More than the horizon out of order: a record starting before one already given out. */
    assert_log_refused(dir, "order.log", "2024-03-01T13:00:00.000Z REPORT RequestId: a\tDuration: 10.00 ms\t"
                       "Billed Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n" OK1, ":2:",
                       "out of order");
    /* on_bad_row "skip" counts them instead. */
    char file[600], json[2048];
    support_write_in(file, sizeof file, dir, "skip.log", OK1 "2024-03-01T12:00:02.000Z REPORT RequestId: b\tDuration: x\n"
                     "2024-03-01T12:00:03.000Z REPORT RequestId: c\tDuration: 5.00 ms\tBilled Duration: 5 ms\t"
                     "Memory Size: 128 MB\tMax Memory Used: 60 MB\n");
    snprintf(json, sizeof json, "{\"duration_s\": 60, \"replications\": 1, \"traffic\": [{\"name\": \"s\", \"arrivals\": "
             "{\"process\": \"trace\", \"format\": \"lambda-report\", \"file\": \"%s\", \"on_bad_row\": \"skip\"}}]}", file);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.arrived"), 2);
    ck_assert_double_eq(support_row_value(&res, 0, "sources.s.bad_rows"), 1);
    support_done(spec, &res);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_newest_first_logs_insights_file_is_refused)
{
    char dir[256];
    support_tempdir(dir, sizeof dir);
    const char *rows = "@timestamp,@log,@duration,@billedDuration,@memorySize,@maxMemoryUsed\n"
                       "2024-03-01 12:00:09.000,1:/aws/lambda/f,5,5,128000000,62914560\n"
                       "2024-03-01 12:00:05.000,1:/aws/lambda/f,5,5,128000000,62914560\n";
    assert_log_refused(dir, "desc.csv", rows, ":3:", "sort @timestamp asc");
    assert_log_refused(dir, "desc.json", "{\"results\": [[{\"field\": \"@timestamp\", \"value\": \"2024-03-01 12:00:09.000\"}, "
                       "{\"field\": \"@message\", \"value\": \"REPORT RequestId: a\\tDuration: 5 ms\\tBilled Duration: 5 ms\\t"
                       "Memory Size: 128 MB\\tMax Memory Used: 60 MB\"}],\n[{\"field\": \"@timestamp\", \"value\": "
                       "\"2024-03-01 12:00:01.000\"}, {\"field\": \"@message\", \"value\": \"REPORT RequestId: b\\tDuration: "
                       "5 ms\\tBilled Duration: 5 ms\\tMemory Size: 128 MB\\tMax Memory Used: 60 MB\"}]], \"status\": \"Complete\"}\n",
                       ":2:", "newest first");
    support_rmrf(dir);
}
END_TEST

/* Times: ISO-8601 with Z, an offset, microseconds, and Logs Insights' form. */
START_TEST(times_are_read_to_the_millisecond)
{
    double t;
    size_t n;
    ck_assert(lambda_log_parse_time("2024-03-01T12:00:00.123Z", &t, &n));
    ck_assert_double_eq(t, 1709294400123.0 / 1000.0);
    ck_assert_uint_eq(n, 24);
    ck_assert(lambda_log_parse_time("2024-03-01 12:00:00.123", &t, &n));
    ck_assert_double_eq(t, 1709294400123.0 / 1000.0);
    ck_assert(lambda_log_parse_time("2024-03-01T13:30:00.000000+01:30", &t, &n));
    ck_assert_double_eq(t, 1709294400.0);
    ck_assert(lambda_log_parse_time("2024-02-29T00:00:00Z", &t, &n));
    ck_assert_double_eq(t, 1709164800.0);
    ck_assert(!lambda_log_parse_time("2024-13-01T00:00:00Z", &t, &n));
    ck_assert(!lambda_log_parse_time("START RequestId", &t, &n));
}
END_TEST

Suite *lambda_logs_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *tc = tcase_create("logs");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, the_four_shapes_replay_alike_and_as_written);
    tcase_add_test(tc, malformed_and_truncated_lines_are_named_by_file_and_line);
    tcase_add_test(tc, a_newest_first_logs_insights_file_is_refused);
    tcase_add_test(tc, times_are_read_to_the_millisecond);
    suite_add_tcase(s, tc);
    return s;
}
