/* test_partition.c — the partitioned replay (models/partition.c plans it, app/partition.c
 * runs and merges it): a trace's functions simulated as blocks apart give, function by
 * function, what one simulation of them all gives; the result does not depend on the
 * threads; what blocks cannot keep apart is refused at load, and a shared account limit
 * that could have bound is refused after the run.
 *
 * The invariant behind the first test: functions that share nothing (no call, no shared
 * keep-alive unit or pool, no limit that binds) and draw from streams named after
 * themselves cannot tell whether the others were simulated beside them. With arrivals
 * placed evenly inside each minute (no draw from the source's stream) every figure of
 * every function must then be the same bits; only sums over functions in a different
 * order (a latency mean) may differ in the last bits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/support.h"
#include "app/run.h"
#include "models/trace.h"
#include "models/traffic.h"

#define SUITE "partition"
#define REPLAY_500 "scenarios/traces/replay-500fn.json"

/* The 500-function sample's first `minutes`, with the given assignments. */
static void run_sample(double minutes, const char **sets, size_t n_sets, int threads,
                       world_spec **spec, run_result *res)
{
    world_overrides o = { .sets = sets, .n_sets = n_sets, .seed = -1, .replications = -1,
                          .duration_s = 60.0 * minutes };
    char err[1024] = "";
    *spec = world_spec_load(REPLAY_500, &o, err, sizeof err);
    ck_assert_msg(*spec != NULL, "%s did not load: %s", REPLAY_500, err);
    ck_assert_msg(run_scenario(*spec, threads, res, err, sizeof err) == 0, "run failed: %s", err);
}

/* Whether a figure is a sum over functions in event order (the only ones blocks may change,
 * in the last bits). */
static bool summed_in_event_order(const char *name)
{
    static const char suffix[] = "latency_ms.mean";
    size_t n = strlen(name), k = sizeof suffix - 1;
    return n >= k && strcmp(name + n - k, suffix) == 0;
}

START_TEST(blocks_give_each_function_what_one_simulation_gives)
{
    const char *whole_sets[] = { "traffic[0].arrivals.within_minute=even", "replications=2" };
    const char *block_sets[] = { "traffic[0].arrivals.within_minute=even", "replications=2",
                                 "partition_blocks=7" };
    world_spec *ws, *bs;
    run_result whole, blocks;
    run_sample(60, whole_sets, 2, 0, &ws, &whole);
    run_sample(60, block_sets, 3, 0, &bs, &blocks);
    ck_assert_uint_eq(bs->partition_blocks, 7);
    ck_assert_uint_eq(whole.n_values, blocks.n_values);
    ck_assert_double_gt(support_row_value(&whole, 0, "requests.arrived"), 1e5);
    size_t same = 0;
    for (uint32_t r = 0; r < 2; r++)
        for (size_t i = 0; i < whole.n_values; i++) {
            ck_assert_str_eq(whole.names[i], blocks.names[i]);
            double a = whole.rows[(size_t)r * whole.n_values + i];
            double b = blocks.rows[(size_t)r * blocks.n_values + i];
            if (isnan(a) && isnan(b))
                continue;
            if (summed_in_event_order(whole.names[i])) {
                ck_assert_msg(fabs(a - b) <= 1e-12 * fabs(a), "%s: %.17g whole, %.17g in blocks",
                              whole.names[i], a, b);
            } else {
                ck_assert_msg(a == b, "%s (replication %u): %.17g whole, %.17g in blocks", whole.names[i],
                              r, a, b);
                same++;
            }
        }
    /* The time lines and the latency histogram: the same counts. */
    ck_assert_uint_eq(whole.latency.count, blocks.latency.count);
    ck_assert(memcmp(whole.latency.bucket, blocks.latency.bucket, sizeof whole.latency.bucket) == 0);
    for (size_t k = 0; k < 2 * TS_COLUMNS * whole.bins; k++)
        ck_assert_msg(fabs(whole.ts[k] - blocks.ts[k]) <= 1e-9 * fmax(1, fabs(whole.ts[k])),
                      "time line value %zu: %.17g whole, %.17g in blocks", k, whole.ts[k], blocks.ts[k]);
    if (support_verbose())
        printf("partition: %zu figures x 2 replications the same bits in 7 blocks as in one simulation\n",
               same / 2);
    support_done(ws, &whole);
    support_done(bs, &blocks);
}
END_TEST

START_TEST(blocks_give_the_same_bytes_on_any_number_of_threads)
{
    /* Arrivals drawn inside each minute from the source's stream: each block draws its own,
     * so the run is another sample than one simulation's, but the same one for any threads. */
    const char *sets[] = { "replications=3", "partition_blocks=5" };
    world_spec *s1, *s2;
    run_result one, two;
    run_sample(120, sets, 2, 1, &s1, &one);
    run_sample(120, sets, 2, 2, &s2, &two);
    ck_assert_uint_eq(one.n_values, two.n_values);
    ck_assert(memcmp(one.rows, two.rows, 3 * one.n_values * sizeof *one.rows) == 0);
    ck_assert(memcmp(one.ts, two.ts, 3 * TS_COLUMNS * one.bins * sizeof *one.ts) == 0);
    ck_assert(memcmp(&one.latency, &two.latency, sizeof one.latency) == 0);
    ck_assert_uint_eq(one.events, two.events);
    support_done(s1, &one);
    support_done(s2, &two);
}
END_TEST

START_TEST(a_sample_in_blocks_agrees_with_one_simulation)
{
    /* Uniform placement inside the minute: another sample, so the cold-start share agrees
     * within its noise (pooled over 3 replications; two proportions, 4 standard errors),
     * and every recorded invocation is made either way. */
    const char *whole_sets[] = { "replications=3" };
    const char *block_sets[] = { "replications=3", "partition_blocks=6" };
    world_spec *ws, *bs;
    run_result whole, blocks;
    run_sample(120, whole_sets, 1, 0, &ws, &whole);
    run_sample(120, block_sets, 2, 0, &bs, &blocks);
    double inv_w = 0, cold_w = 0, inv_b = 0, cold_b = 0;
    for (uint32_t r = 0; r < 3; r++) {
        ck_assert_double_eq(support_row_value(&whole, r, "requests.arrived"),
                            support_row_value(&blocks, r, "requests.arrived"));
        inv_w += support_row_value(&whole, r, "platform.invocations");
        cold_w += support_row_value(&whole, r, "platform.cold_starts");
        inv_b += support_row_value(&blocks, r, "platform.invocations");
        cold_b += support_row_value(&blocks, r, "platform.cold_starts");
    }
    double pw = cold_w / inv_w, pb = cold_b / inv_b, p = (cold_w + cold_b) / (inv_w + inv_b);
    double se = sqrt(p * (1 - p) * (1 / inv_w + 1 / inv_b));
    if (support_verbose())
        printf("partition: cold-start share %.5f in one simulation, %.5f in 6 blocks (se %.5f)\n", pw, pb, se);
    ck_assert_msg(fabs(pw - pb) <= 4 * se, "cold-start share %.5f whole, %.5f in blocks (se %.5f)", pw, pb, se);
    support_done(ws, &whole);
    support_done(bs, &blocks);
}
END_TEST

START_TEST(functions_that_share_a_unit_share_a_block)
{
    /* The hybrid policy keeps an app as one unit: its functions must be simulated together. */
    const char *sets[] = { "partition_blocks=9",
                           "traffic[0].arrivals.function_defaults.keep_alive.policy=\"hybrid\"" };
    world_overrides o = { .sets = sets, .n_sets = 2, .seed = -1, .replications = -1, .duration_s = 600 };
    char err[1024] = "";
    world_spec *spec = world_spec_load(REPLAY_500, &o, err, sizeof err);
    ck_assert_msg(spec != NULL, "did not load: %s", err);
    const trace_spec *t = spec->sources[0].trace;
    size_t shared = 0;
    uint32_t used = 0;
    for (size_t i = 0; i < spec->n_components; i++) {
        ck_assert_uint_lt(spec->block_of[i], 9);
        used |= 1u << spec->block_of[i];
    }
    for (size_t a = 0; a < trace_function_count(t); a++)
        for (size_t b = a + 1; b < trace_function_count(t); b++) {
            int ca = trace_function_component(t, a), cb = trace_function_component(t, b);
            const char *app_a = cJSON_GetStringValue(cJSON_GetObjectItem(
                cJSON_GetArrayItem(cJSON_GetObjectItem(spec->resolved, "components"), ca), "app"));
            const char *app_b = cJSON_GetStringValue(cJSON_GetObjectItem(
                cJSON_GetArrayItem(cJSON_GetObjectItem(spec->resolved, "components"), cb), "app"));
            ck_assert_ptr_nonnull(app_a);
            ck_assert_ptr_nonnull(app_b);
            if (strcmp(app_a, app_b) == 0) {
                ck_assert_uint_eq(spec->block_of[ca], spec->block_of[cb]);
                shared++;
            }
        }
    ck_assert_uint_gt(shared, 0);          /* the sample has apps of several functions */
    ck_assert_uint_eq(used, (1u << 9) - 1); /* and every block has work */
    world_spec_free(spec);
}
END_TEST

/* A CSV log of two functions, each starting n invocations of 10 s at time 0. */
static void write_burst(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "timestamp_s,function,duration_ms\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "0,a,10000\n0,b,10000\n");
    fclose(f);
}

START_TEST(a_shared_limit_that_could_bind_is_refused)
{
    char dir[256], log[512], json[2048], err[1024];
    support_tempdir(dir, sizeof dir);
    snprintf(log, sizeof log, "%s/burst.csv", dir);
    write_burst(log, 80);
    const char *fmt = "{\"name\": \"burst\", \"duration_s\": 60, \"replications\": 1, \"partition_blocks\": 2, "
                      "\"platform\": {\"account_concurrency\": %d}, \"traffic\": [{\"name\": \"t\", \"arrivals\": "
                      "{\"process\": \"trace\", \"format\": \"csv\", \"file\": \"%s\", \"function_defaults\": "
                      "{\"cold_start_ms\": 100, \"timeout_s\": 60}}, \"client\": {\"timeout_ms\": 60000}}]}";
    /* 160 at once against 100: one simulation throttles 60; blocks of 80 would not. */
    snprintf(json, sizeof json, fmt, 100, log);
    world_spec *spec = support_load_text(json, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    run_result res;
    ck_assert_int_ne(run_scenario(spec, 0, &res, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "partition_blocks: the account's concurrency (100") &&
                  strstr(err, "peaks add up to 160"), "%s", err);
    run_result_free(&res);
    world_spec_free(spec);
    /* Against 200 it never binds: blocks run, and nothing is throttled. */
    snprintf(json, sizeof json, fmt, 200, log);
    spec = support_load_text(json, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    ck_assert_msg(run_scenario(spec, 0, &res, err, sizeof err) == 0, "%s", err);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.completed"), 160);
    ck_assert_double_eq(support_row_value(&res, 0, "requests.throttled"), 0);
    ck_assert_double_eq(support_row_value(&res, 0, "platform.cold_starts"), 160);
    support_done(spec, &res);
    support_rmrf(dir);
}
END_TEST

START_TEST(what_blocks_cannot_keep_apart_is_refused_at_load)
{
    char dir[256], log[512], json[4096], err[1024];
    support_tempdir(dir, sizeof dir);
    snprintf(log, sizeof log, "%s/burst.csv", dir);
    write_burst(log, 2);
    static const struct { const char *top, *source, *want; } cases[] = {
        { "\"components\": [{\"name\": \"q\", \"kind\": \"queue\"}],", "",
          "components[0].kind: is a queue: a partitioned replay holds functions only" },
        { "\"components\": [{\"name\": \"a\", \"kind\": \"function\", \"duration_ms\": 5, \"calls\": "
          "[{\"target\": \"b\"}]}],", "", "a partitioned replay's functions call and send nothing" },
        { "\"tenants\": [{\"name\": \"x\"}],", ", \"tenant\": \"x\"", "takes no tenants" },
        { "", ", \"gateway\": \"http\"", "takes no tenants, asynchronous mode, API gateway" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        snprintf(json, sizeof json, "{\"name\": \"p\", \"duration_s\": 60, \"partition_blocks\": 2, %s "
                 "\"traffic\": [{\"name\": \"t\", \"arrivals\": {\"process\": \"trace\", \"format\": \"csv\", "
                 "\"file\": \"%s\", \"function_defaults\": {\"duration_ms\": 10}}%s}]}",
                 cases[k].top, log, cases[k].source);
        world_spec *spec = support_load_text(json, err, sizeof err);
        ck_assert_msg(spec == NULL, "case %zu loaded", k);
        ck_assert_msg(strstr(err, cases[k].want) != NULL, "case %zu: %s", k, err);
    }
    /* Two sources: the second is not the trace. */
    snprintf(json, sizeof json, "{\"name\": \"p\", \"duration_s\": 60, \"partition_blocks\": 2, \"traffic\": ["
             "{\"name\": \"t\", \"arrivals\": {\"process\": \"trace\", \"format\": \"csv\", \"file\": \"%s\", "
             "\"function_defaults\": {\"duration_ms\": 10}}}, {\"name\": \"u\", \"target\": \"a\", "
             "\"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}]}", log);
    ck_assert_ptr_null(support_load_text(json, err, sizeof err));
    ck_assert_msg(strstr(err, "partition_blocks: needs one traffic source that replays a trace"), "%s", err);
    /* On the command line: one line, exit 2. */
    char out[2048];
    int rc = support_sh(out, sizeof out, "%s validate %s --set partition_blocks=2 2>&1", support_binary(),
                        "scenarios/reference/api-backend.json");
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(out, "partition_blocks") && strchr(out, '\n') == out + strlen(out) - 1, "%s", out);
    support_rmrf(dir);
}
END_TEST

Suite *partition_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *tc = tcase_create("partition");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, blocks_give_each_function_what_one_simulation_gives);
    tcase_add_test(tc, blocks_give_the_same_bytes_on_any_number_of_threads);
    tcase_add_test(tc, a_sample_in_blocks_agrees_with_one_simulation);
    tcase_add_test(tc, functions_that_share_a_unit_share_a_block);
    tcase_add_test(tc, a_shared_limit_that_could_bind_is_refused);
    tcase_add_test(tc, what_blocks_cannot_keep_apart_is_refused_at_load);
    suite_add_tcase(s, tc);
    return s;
}
