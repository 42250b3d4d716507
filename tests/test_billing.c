/* test_billing.c — the Lambda bill against AWS's own worked examples and the pricing
 * rules in ../shared/reference/platform-facts.md.
 *
 * Each example is checked twice: on the usage it states (billing_compute alone), and
 * end to end, by simulating traffic that produces that usage and reading the monthly line
 * items from the run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/suites.h"
#include "tests/support.h"

static price_table aws(void)
{
    price_table t;
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, "test");
    ck_assert_msg(billing_load(&t, &ctx, "aws-us-east-1", NULL) == 0, "%s", ctx.message);
    return t;
}

/* Bills one function's usage as a whole month (the window is the month). */
static bill bill_one(const price_table *t, lambda_usage l, bool free_tier, double *by_component)
{
    usage u = { 1, &l, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
    bill b = { .n = 1, .by_component = by_component };
    billing_compute(t, &u, free_tier, t->month_hours * 3600.0, &b);
    return b;
}

START_TEST(mobile_backend_example_costs_2_73)
{
    /* AWS example: 1,536 MB, 3M requests a month at 120 ms, free tier on.
     * 3M x 0.12 s x 1.5 GB = 540,000 GB-s; minus 400,000 free = 140,000 x $0.0000166667 = $2.33;
     * 3M - 1M free = 2M requests x $0.20/M = $0.40; total $2.73. */
    price_table t = aws();
    double byc[1];
    bill b = bill_one(&t, (lambda_usage){ .used = true, .requests = 3e6, .gb_s = 540000 }, true, byc);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_DURATION], 2.33, 1e-9);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_REQUESTS], 0.40, 1e-9);
    ck_assert_double_eq_tol(b.total, 2.73, 1e-9);
    ck_assert_double_eq_tol(byc[0], 2.73, 1e-9);
}
END_TEST

START_TEST(mobile_backend_example_end_to_end)
{
    /* The same month simulated: constant arrivals at 3M per 730 h, 120 ms, no cold-start
     * cost, one day measured and extrapolated. The count in a day is 98,630 or 98,631
     * (random phase), so the month is 3M within 31 requests: the same cents. */
    const char *json =
        "{\"name\": \"mobile\", \"duration_s\": 86400, \"seed\": 1, \"replications\": 2,"
        " \"free_tier\": true,"
        " \"traffic\": [{\"name\": \"app\", \"target\": \"backend\","
        "   \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 1.1415525114155252}}],"
        " \"components\": [{\"name\": \"backend\", \"kind\": \"function\", \"memory_mb\": 1536,"
        "   \"duration_ms\": 120, \"cold_start_ms\": 0, \"log_kb\": 0}]}";
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_duration", NULL), 2.33, 1e-9);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_requests", NULL), 0.40, 1e-9);
    ck_assert_double_eq_tol(run_value(&res, "cost.monthly_total", NULL), 2.73, 1e-9);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_component.backend", NULL), 2.73, 1e-9);
    support_done(spec, &res);
}
END_TEST

START_TEST(provisioned_concurrency_example_costs_41_91)
{
    /* AWS example: 1,024 MB, provisioned concurrency 1,000 for 2 hours, 1.2M requests of
     * 1 s in those hours. Capacity 1,000 x 1 GB x 7,200 s = 7.2M GB-s x $0.0000041667 = $30.00;
     * duration 1.2M GB-s x $0.0000097222 = $11.67; requests $0.24; total $41.91. No free tier. */
    price_table t = aws();
    double byc[1];
    lambda_usage l = { .used = true, .provisioned = true, .requests = 1.2e6, .pc_gb_s = 1.2e6,
                       .pc_capacity_gb_s = 7.2e6 };
    bill b = bill_one(&t, l, true, byc);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_PC_CAPACITY], 30.00, 1e-9);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_PC_DURATION], 11.67, 1e-9);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_REQUESTS], 0.24, 1e-9);
    ck_assert_double_eq_tol(b.total, 41.91, 1e-9);
}
END_TEST

START_TEST(provisioned_concurrency_example_end_to_end)
{
    /* The example's 2 hours simulated (1.2M constant arrivals of 1 s on 1,000 provisioned
     * instances) and extrapolated to 730 h: every line is the example's unrounded figure
     * times 365, within one invocation's worth of rounding. */
    const char *json =
        "{\"name\": \"pc\", \"duration_s\": 7200, \"seed\": 1, \"replications\": 2,"
        " \"free_tier\": true, \"platform\": {\"account_concurrency\": 2000},"
        " \"traffic\": [{\"name\": \"app\", \"target\": \"f\","
        "   \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 166.66666666666666}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"memory_mb\": 1024,"
        "   \"duration_ms\": 1000, \"timeout_s\": 10, \"provisioned_concurrency\": 1000}]}";
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 0);
    ck_assert_double_eq(run_value(&res, "functions.f.provisioned_invocations", NULL),
                        run_value(&res, "functions.f.invocations", NULL));
    double per_invocation = 365 * 0.0000097222;   /* one more or less 1-GB-s invocation */
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_provisioned_concurrency", NULL),
                            round(365 * 7.2e6 * 0.0000041667 * 100) / 100, 0.005);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_provisioned_duration", NULL),
                            365 * 1.2e6 * 0.0000097222, 0.005 + per_invocation);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_requests", NULL),
                            365 * 1.2e6 * 0.20 / 1e6, 0.005 + 365 * 0.2e-6);
    ck_assert_double_eq(run_value(&res, "cost.by_line.lambda_duration", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(ephemeral_storage_above_512_mb_is_billed_per_gb_s_of_duration)
{
    /* 10 GB of /tmp: 9.5 GB above the free 512 MB, billed $0.0000000309 per GB-s of each
     * invocation's billed duration (platform-facts.md). 1-s invocations at 10 a second for
     * an hour, extrapolated to 730 h; the line is rounded to cents. */
    const char *fmt =
        "{\"name\": \"tmp\", \"duration_s\": 3600, \"seed\": 1, \"replications\": 1,"
        " \"traffic\": [{\"name\": \"t\", \"target\": \"f\","
        "   \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 10}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"memory_mb\": 1024, \"log_kb\": 0,"
        "   \"cold_start_ms\": 0, \"duration_ms\": 1000, \"timeout_s\": 10, \"ephemeral_storage_mb\": %d}]}";
    char json[1024];
    world_spec *spec;
    run_result res;
    snprintf(json, sizeof json, fmt, 10240);
    support_run_text(json, 1, &spec, &res);
    double inv = run_value(&res, "functions.f.invocations", NULL);
    double expected = round(inv * 730.0 * 9.5 * 0.0000000309 * 100) / 100;
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_ephemeral_storage", NULL), expected, 1e-9);
    ck_assert(expected > 7.6 && expected < 7.8);
    support_done(spec, &res);
    snprintf(json, sizeof json, fmt, 512);
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq(run_value(&res, "cost.by_line.lambda_ephemeral_storage", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(duration_tiers_apply_to_the_monthly_total)
{
    /* 10B GB-s x86: 6B at $0.0000166667 + 4B at $0.000015 = $160,000.20. */
    price_table t = aws();
    ck_assert_double_eq_tol(billing_tiered(&t.lambda_duration[0], 10e9), 6e9 * 0.0000166667 + 4e9 * 0.000015, 1e-6);
    /* 20B GB-s arm64: 7.5B, then 11.25B, then 1.25B above 18.75B. */
    ck_assert_double_eq_tol(billing_tiered(&t.lambda_duration[1], 20e9),
                            7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667, 1e-6);
    ck_assert_double_eq(billing_tiered(&t.lambda_duration[0], 0), 0);
}
END_TEST

START_TEST(free_tier_skips_functions_with_provisioned_concurrency)
{
    price_table t = aws();
    double byc[2];
    lambda_usage l[2] = {
        { .used = true, .provisioned = true, .requests = 500000, .gb_s = 100000 },
        { .used = true, .requests = 200000, .gb_s = 50000 },
    };
    usage u = { 2, l, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
    bill b = { .n = 2, .by_component = byc };
    billing_compute(&t, &u, true, t.month_hours * 3600.0, &b);
    /* Only the second function's usage is free: 500k requests and 100k GB-s stay billed. */
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_REQUESTS], 0.10, 1e-9);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_DURATION], round(100000 * 0.0000166667 * 100) / 100, 1e-9);
    ck_assert_double_eq_tol(byc[1], 0.0, 1e-9);
}
END_TEST

START_TEST(arm64_uses_its_own_prices)
{
    price_table t = aws();
    double byc[1];
    bill b = bill_one(&t, (lambda_usage){ .used = true, .arch = 1, .requests = 1e6, .gb_s = 1e6 }, false, byc);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_DURATION_ARM64], 13.33, 1e-9);
    ck_assert_double_eq(b.line[LINE_LAMBDA_DURATION], 0);
}
END_TEST

START_TEST(init_time_of_cold_starts_is_billed_and_rounded_up_to_the_ms)
{
    /* Every invocation is cold (keep-alive 0 s, arrivals 10 s apart): billed ms per
     * invocation = ceil(init + duration) = ceil(100.2 + 50.3) = 151 ms at 1,024 MB. */
    const char *json =
        "{\"name\": \"init\", \"duration_s\": 10000, \"seed\": 1, \"replications\": 1,"
        " \"traffic\": [{\"name\": \"t\", \"target\": \"f\","
        "   \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 0.1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"memory_mb\": 1024,"
        "   \"duration_ms\": 50.3, \"cold_start_ms\": 100.2,"
        "   \"keep_alive\": {\"policy\": \"fixed\", \"idle_s\": 0}}]}";
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double inv = run_value(&res, "functions.f.invocations", NULL);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), inv);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.billed_gb_s", NULL), inv * 0.151, 1e-9);
    support_done(spec, &res);
}
END_TEST

START_TEST(price_table_rejects_a_price_without_source)
{
    char dir[64], path[128], scen[160];
    support_tempdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/prices.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"provider\": \"aws\", \"region\": \"x\", \"month_hours_source\": \"s\", \"lambda\": {"
          "\"request_per_million\": {\"price\": 0.2, \"date\": \"2026-01-01\"}}}", f);
    fclose(f);
    snprintf(scen, sizeof scen, "%s/s.json", dir);
    f = fopen(scen, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"pricing\": \"prices.json\", \"traffic\": [{\"target\": \"f\", \"arrivals\": "
          "{\"process\": \"poisson\", \"rate_per_s\": 1}}], \"components\": [{\"name\": \"f\","
          " \"kind\": \"function\", \"duration_ms\": 10}]}", f);
    fclose(f);
    char err[1024] = "";
    world_spec *spec = world_spec_load(scen, NULL, err, sizeof err);
    ck_assert_ptr_null(spec);
    ck_assert_msg(strstr(err, "prices.json: lambda.request_per_million.source: missing") != NULL, "%s", err);
    support_rmrf(dir);
}
END_TEST

START_TEST(provisioned_capacity_costs_a_month_whatever_the_window)
{
    /* 10 instances x 1 GB for a 730-hour month at $0.0000041667 per GB-s: $109.50, measured
     * over 60 s, 301 s or an hour alike. */
    static const char *const windows[] = { "60", "301", "3600" };
    for (size_t i = 0; i < 3; i++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"name\": \"pc\", \"duration_s\": %s, \"seed\": 1, \"replications\": 1,"
                 " \"traffic\": [{\"name\": \"t\", \"target\": \"f\","
                 "   \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
                 " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"memory_mb\": 1024,"
                 "   \"duration_ms\": 10, \"provisioned_concurrency\": 10}]}", windows[i]);
        world_spec *spec;
        run_result res;
        support_run_text(json, 1, &spec, &res);
        ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_provisioned_concurrency", NULL),
                                109.50, 1e-9);
        support_done(spec, &res);
    }
}
END_TEST

START_TEST(free_tier_is_taken_from_x86_64_first_then_arm64)
{
    /* 300k GB-s x86 and 300k GB-s arm64 with 400k free: x86 is free, arm64 pays for 200k. */
    price_table t = aws();
    double byc[2];
    lambda_usage l[2] = {
        { .used = true, .arch = 0, .requests = 10, .gb_s = 300000 },
        { .used = true, .arch = 1, .requests = 10, .gb_s = 300000 },
    };
    usage u = { 2, l, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
    bill b = { .n = 2, .by_component = byc };
    billing_compute(&t, &u, true, t.month_hours * 3600.0, &b);
    ck_assert_double_eq(b.line[LINE_LAMBDA_DURATION], 0);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_DURATION_ARM64], round(200000 * 0.0000133334 * 100) / 100, 1e-9);
    ck_assert_double_eq(byc[0], 0);
    ck_assert_double_eq_tol(byc[1], b.line[LINE_LAMBDA_DURATION_ARM64], 0.005);
}
END_TEST

START_TEST(cost_by_component_splits_lines_by_usage)
{
    /* Two x86 functions, 3M and 1M requests, 300k and 100k GB-s, no free tier: the first pays
     * three quarters of each line. */
    price_table t = aws();
    double byc[2];
    lambda_usage l[2] = {
        { .used = true, .requests = 3e6, .gb_s = 300000 },
        { .used = true, .requests = 1e6, .gb_s = 100000 },
    };
    usage u = { 2, l, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
    bill b = { .n = 2, .by_component = byc };
    billing_compute(&t, &u, false, t.month_hours * 3600.0, &b);
    double all = 4e6 * 0.2e-6 + 400000 * 0.0000166667;
    ck_assert_double_eq_tol(byc[0], round(0.75 * all * 100) / 100, 1e-9);
    ck_assert_double_eq_tol(byc[1], round(0.25 * all * 100) / 100, 1e-9);
    ck_assert_double_le(fabs(byc[0] + byc[1] - b.total), 0.01);
}
END_TEST

START_TEST(arm64_provisioned_concurrency_uses_its_own_prices)
{
    price_table t = aws();
    double byc[1];
    lambda_usage l = { .used = true, .arch = 1, .provisioned = true, .requests = 1e6,
                       .pc_gb_s = 1e6, .pc_capacity_gb_s = 1e7 };
    bill b = bill_one(&t, l, false, byc);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_PC_CAPACITY_ARM64], round(1e7 * 0.0000033334 * 100) / 100, 1e-9);
    ck_assert_double_eq_tol(b.line[LINE_LAMBDA_PC_DURATION_ARM64], round(1e6 * 0.0000077778 * 100) / 100, 1e-9);
    ck_assert_double_eq(b.line[LINE_LAMBDA_PC_CAPACITY], 0);
}
END_TEST

/* The providers' published worked examples, each a scenario under tests/scenarios/ run by
 * the slsim binary end to end (arrivals, the provider's rounding, the price table, the
 * monthly bill) and checked to the cent, with every line as the example itemises it. */
START_TEST(published_worked_examples_reproduce_to_the_cent)
{
    static const struct {
        const char *file;
        double total;
        const char *line[3];
        double value[3];
    } ex[] = {
        { "tests/scenarios/aws-mobile-backend.json", 2.73,
          { "lambda_duration", "lambda_requests", NULL }, { 2.33, 0.40 } },
        { "tests/scenarios/azure-consumption-3m.json", 18.00,
          { "functions_memory", "functions_requests", NULL }, { 17.60, 0.40 } },
        { "tests/scenarios/cloudflare-workers-15m.json", 8.00,
          { "functions_plan", "functions_requests", "functions_cpu" }, { 5.00, 1.50, 1.50 } },
        { "tests/scenarios/cloudflare-workers-100m.json", 45.40,
          { "functions_plan", "functions_requests", "functions_cpu" }, { 5.00, 27.00, 13.40 } },
    };
    char dir[256];
    support_tempdir(dir, sizeof dir);
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char out[2048];
        int rc = support_sh(out, sizeof out, "'%s' run '%s' --quiet --out '%s/r%zu'", support_binary(),
                            ex[i].file, dir, i);
        ck_assert_msg(rc == 0, "%s: exit %d: %s", ex[i].file, rc, out);
        char path[512];
        snprintf(path, sizeof path, "%s/r%zu/summary.json", dir, i);
        char *text = support_read_file(path);
        ck_assert_ptr_nonnull(text);
        cJSON *j = cJSON_Parse(text);
        free(text);
        ck_assert_ptr_nonnull(j);
        const cJSON *cost = cJSON_GetObjectItemCaseSensitive(j, "cost");
        double total = cJSON_GetObjectItemCaseSensitive(cost, "monthly_total")->valuedouble;
        ck_assert_msg(fabs(total - ex[i].total) < 0.005, "%s: $%.2f, published $%.2f", ex[i].file,
                      total, ex[i].total);
        const cJSON *lines = cJSON_GetObjectItemCaseSensitive(cost, "by_line");
        for (int k = 0; k < 3 && ex[i].line[k]; k++) {
            double v = cJSON_GetObjectItemCaseSensitive(lines, ex[i].line[k])->valuedouble;
            ck_assert_msg(fabs(v - ex[i].value[k]) < 0.005, "%s: %s $%.2f, published $%.2f", ex[i].file,
                          ex[i].line[k], v, ex[i].value[k]);
        }
        cJSON_Delete(j);
    }
    support_rmrf(dir);
}
END_TEST

/* Cloud Run bills an instance while any request runs on it: 80 requests of 1 s arriving
 * together on one instance are 1 s of instance time, not 80; with concurrency 1 they are
 * 80 instances and 80 s. A steady Poisson load shows the union is below the sum. */
START_TEST(cloud_run_bills_the_union_of_busy_periods)
{
    static const char *const fmt =
        "{\"name\": \"cr\", \"duration_s\": 100, \"seed\": 1, \"replications\": 2,"
        " \"platform\": {\"provider\": \"gcp-cloud-run\"},"
        " \"traffic\": [{\"name\": \"t\", \"target\": \"f\","
        "   \"arrivals\": {\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 80}}],"
        " \"components\": [{\"kind\": \"function\", \"name\": \"f\", \"duration_ms\": 1000,"
        "   \"cold_start_ms\": 0, \"concurrency\": %d}]}";
    char json[1024];
    world_spec *spec;
    run_result res;
    snprintf(json, sizeof json, fmt, 80);
    support_run_text(json, 1, &spec, &res);
    /* 512 MiB for 1 s: 0.5 GiB-s; one instance. */
    ck_assert_double_eq_tol(run_value(&res, "functions.f.billed_gb_s", NULL), 0.5, 1e-9);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 1);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 80);
    support_done(spec, &res);
    snprintf(json, sizeof json, fmt, 1);
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.billed_gb_s", NULL), 40, 1e-9);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 80);
    support_done(spec, &res);
    /* Poisson at 20/s of 500 ms (10 in flight on average, one instance mostly): billed
     * instance time is far below the sum of durations, and at least the time any request
     * was running (the window's busy fraction of one instance). */
    const char *poisson =
        "{\"name\": \"crp\", \"duration_s\": 600, \"seed\": 3, \"replications\": 3,"
        " \"platform\": {\"provider\": \"gcp-cloud-run\"},"
        " \"traffic\": [{\"name\": \"t\", \"target\": \"f\","
        "   \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 20}}],"
        " \"components\": [{\"kind\": \"function\", \"name\": \"f\", \"duration_ms\": 500,"
        "   \"cold_start_ms\": 0}]}";
    support_run_text(poisson, 1, &spec, &res);
    double billed_s = run_value(&res, "functions.f.billed_gb_s", NULL) / 0.5;
    double sum_s = run_value(&res, "functions.f.invocations", NULL) * 0.5;
    ck_assert_msg(billed_s < 0.2 * sum_s, "billed %.1f s of instance time for %.1f s of requests", billed_s, sum_s);
    /* P(no request in flight) = exp(-lambda * d) = exp(-10): the instance is busy nearly
     * all the window. */
    ck_assert_msg(billed_s > 0.99 * 600 && billed_s < 600 + 60, "billed %.1f s in a 600-s window", billed_s);
    support_done(spec, &res);
}
END_TEST

Suite *billing_suite(void)
{
    Suite *s = suite_create("billing");
    TCase *tc = tcase_create("aws lambda");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, mobile_backend_example_costs_2_73);
    tcase_add_test(tc, mobile_backend_example_end_to_end);
    tcase_add_test(tc, provisioned_concurrency_example_costs_41_91);
    tcase_add_test(tc, provisioned_concurrency_example_end_to_end);
    tcase_add_test(tc, ephemeral_storage_above_512_mb_is_billed_per_gb_s_of_duration);
    tcase_add_test(tc, duration_tiers_apply_to_the_monthly_total);
    tcase_add_test(tc, free_tier_skips_functions_with_provisioned_concurrency);
    tcase_add_test(tc, arm64_uses_its_own_prices);
    tcase_add_test(tc, init_time_of_cold_starts_is_billed_and_rounded_up_to_the_ms);
    tcase_add_test(tc, price_table_rejects_a_price_without_source);
    tcase_add_test(tc, provisioned_capacity_costs_a_month_whatever_the_window);
    tcase_add_test(tc, free_tier_is_taken_from_x86_64_first_then_arm64);
    tcase_add_test(tc, cost_by_component_splits_lines_by_usage);
    tcase_add_test(tc, arm64_provisioned_concurrency_uses_its_own_prices);
    tcase_add_test(tc, published_worked_examples_reproduce_to_the_cent);
    tcase_add_test(tc, cloud_run_bills_the_union_of_busy_periods);
    suite_add_tcase(s, tc);
    return s;
}
