/* test_billing.c — the Lambda bill against AWS's own worked examples and the pricing
 * rules in ../shared/reference/platform-facts.md.
 *
 * Each example is checked twice: on the usage it states (billing_compute alone), and
 * end to end, by simulating traffic that produces that usage and reading the monthly line
 * items from the run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

static price_table aws(void)
{
    return support_price_table("aws-us-east-1");
}

/* One usage record of a test: component, dimension, monthly quantity, flags. */
typedef struct rec { size_t c; const char *dim; double q; uint32_t flags; } rec;

/* Bills records as a whole month (the window is the month) for n components. */
static bill bill_records(const price_table *t, const rec *r, size_t nr, size_t n, bool free_tier,
                         double *by_component)
{
    ledger u;
    ledger_init(&u, t);
    for (size_t i = 0; i < nr; i++)
        usage_add_ex(&u, r[i].c, USAGE_ANY_TENANT, r[i].flags, r[i].dim, r[i].q);
    ck_assert(!u.failed);
    ck_assert_msg(u.n_unpriced == 0, "unpriced: %s", u.unpriced[0]);
    bill b = { .n = n, .by_component = by_component };
    billing_compute(t, &u, free_tier, t->month_hours * 3600.0, &b);
    ledger_free(&u);
    return b;
}

/* Every entry of a test table is sourced and dated. */
#define SD "\"source\": \"test\", \"date\": \"2026-12-06\""

static const price_tiers *tiers_of(const price_table *t, const char *dim)
{
    const price_dim *d = price_find(t, dim);
    ck_assert_msg(d && !strcmp(d->name, dim), "no dimension %s", dim);
    return &d->tiers;
}

START_TEST(mobile_backend_example_costs_2_73)
{
    /* AWS example: 1,536 MB, 3M requests a month at 120 ms, free tier on.
     * 3M x 0.12 s x 1.5 GB = 540,000 GB-s; minus 400,000 free = 140,000 x $0.0000166667 = $2.33;
     * 3M - 1M free = 2M requests x $0.20/M = $0.40; total $2.73. */
    price_table t = aws();
    double byc[1];
    rec r[] = { { 0, "functions.requests", 3e6, 0 }, { 0, "functions.gb_s.x86_64", 540000, 0 } };
    bill b = bill_records(&t, r, 2, 1, true, byc);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_duration"), 2.33, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_requests"), 0.40, 1e-9);
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
    rec r[] = { { 0, "functions.requests", 1.2e6, USAGE_NOT_FREE },
                { 0, "functions.provisioned_duration_gb_s.x86_64", 1.2e6, 0 },
                { 0, "functions.provisioned_gb_s.x86_64", 7.2e6, 0 } };
    bill b = bill_records(&t, r, 3, 1, true, byc);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_provisioned_concurrency"), 30.00, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_provisioned_duration"), 11.67, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_requests"), 0.24, 1e-9);
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
    ck_assert_double_eq_tol(billing_tiered(tiers_of(&t, "functions.gb_s.x86_64"), 10e9),
                            6e9 * 0.0000166667 + 4e9 * 0.000015, 1e-6);
    /* 20B GB-s arm64: 7.5B, then 11.25B, then 1.25B above 18.75B. */
    ck_assert_double_eq_tol(billing_tiered(tiers_of(&t, "functions.gb_s.arm64"), 20e9),
                            7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667, 1e-6);
    ck_assert_double_eq(billing_tiered(tiers_of(&t, "functions.gb_s.x86_64"), 0), 0);
}
END_TEST

START_TEST(free_tier_skips_functions_with_provisioned_concurrency)
{
    price_table t = aws();
    double byc[2];
    rec r[] = { { 0, "functions.requests", 500000, USAGE_NOT_FREE },
                { 0, "functions.gb_s.x86_64", 100000, USAGE_NOT_FREE },
                { 1, "functions.requests", 200000, 0 }, { 1, "functions.gb_s.x86_64", 50000, 0 } };
    bill b = bill_records(&t, r, 4, 2, true, byc);
    /* Only the second function's usage is free: 500k requests and 100k GB-s stay billed. */
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_requests"), 0.10, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_duration"), round(100000 * 0.0000166667 * 100) / 100, 1e-9);
    ck_assert_double_eq_tol(byc[1], 0.0, 1e-9);
}
END_TEST

START_TEST(arm64_uses_its_own_prices)
{
    price_table t = aws();
    double byc[1];
    rec r[] = { { 0, "functions.requests", 1e6, 0 }, { 0, "functions.gb_s.arm64", 1e6, 0 } };
    bill b = bill_records(&t, r, 2, 1, false, byc);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_duration_arm64"), 13.33, 1e-9);
    ck_assert_double_eq(support_bill_line(&t, &b, "lambda_duration"), 0);
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
    support_write_text(path, "{\"provider\": \"aws\", \"region\": \"x\", \"month_hours_source\": \"s\", \"dimensions\": {"
          "\"functions.requests\": {\"line\": \"requests\", \"unit\": \"request\", \"per\": 1000000, "
          "\"price\": 0.2, \"date\": \"2026-01-01\"}}}");
    snprintf(scen, sizeof scen, "%s/s.json", dir);
    support_write_text(scen, "{\"pricing\": \"prices.json\", \"traffic\": [{\"target\": \"f\", \"arrivals\": "
          "{\"process\": \"poisson\", \"rate_per_s\": 1}}], \"components\": [{\"name\": \"f\","
          " \"kind\": \"function\", \"duration_ms\": 10}]}");
    char err[1024] = "";
    world_spec *spec = world_spec_load(scen, NULL, err, sizeof err);
    ck_assert_ptr_null(spec);
    ck_assert_msg(strstr(err, "prices.json: dimensions.functions.requests.source: missing") != NULL, "%s", err);
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
    rec r[] = { { 0, "functions.requests", 10, 0 }, { 0, "functions.gb_s.x86_64", 300000, 0 },
                { 1, "functions.requests", 10, 0 }, { 1, "functions.gb_s.arm64", 300000, 0 } };
    bill b = bill_records(&t, r, 4, 2, true, byc);
    ck_assert_double_eq(support_bill_line(&t, &b, "lambda_duration"), 0);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_duration_arm64"), round(200000 * 0.0000133334 * 100) / 100, 1e-9);
    ck_assert_double_eq(byc[0], 0);
    ck_assert_double_eq_tol(byc[1], support_bill_line(&t, &b, "lambda_duration_arm64"), 0.005);
}
END_TEST

START_TEST(cost_by_component_splits_lines_by_usage)
{
    /* Two x86 functions, 3M and 1M requests, 300k and 100k GB-s, no free tier: the first pays
     * three quarters of each line. */
    price_table t = aws();
    double byc[2];
    rec r[] = { { 0, "functions.requests", 3e6, 0 }, { 0, "functions.gb_s.x86_64", 300000, 0 },
                { 1, "functions.requests", 1e6, 0 }, { 1, "functions.gb_s.x86_64", 100000, 0 } };
    bill b = bill_records(&t, r, 4, 2, false, byc);
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
    rec r[] = { { 0, "functions.requests", 1e6, USAGE_NOT_FREE },
                { 0, "functions.provisioned_duration_gb_s.arm64", 1e6, 0 },
                { 0, "functions.provisioned_gb_s.arm64", 1e7, 0 } };
    bill b = bill_records(&t, r, 3, 1, false, byc);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_provisioned_concurrency_arm64"), round(1e7 * 0.0000033334 * 100) / 100, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "lambda_provisioned_duration_arm64"), round(1e6 * 0.0000077778 * 100) / 100, 1e-9);
    ck_assert_double_eq(support_bill_line(&t, &b, "lambda_provisioned_concurrency"), 0);
}
END_TEST

/* The table is data: any dimension, priced flat or in tiers, with a free-tier pool shared
 * in table order, a plan's inclusion, variants with facts, a fixed monthly fee, several
 * dimensions on one line. tests/scenarios/toy-prices.json, worked by hand:
 *   small widgets 1,500 + 500, free 1,000 (the pool is used up here), per 100 at $1: $10.00
 *   large widgets 3,000: 30 units, 10 at $3 and 20 at $2: $70.00 (the pool is empty)
 *   gadgets 800 + 200, 500 included: 500 at $0.50 = $250.00; boxes red 4 at $0.25 and blue
 *   10 at $0.75 on the same line: $258.50; the plan $7.00, shared 800:200 by gadgets.
 * Components: the first 7.50 + 70 + 200 + 1 + 5.60 = $284.10, the second 2.50 + 50 + 7.50
 * + 1.40 = $61.40; $345.50 in all. Without the free tier the small widgets cost $20.00
 * (the plan's inclusion stays). */
START_TEST(a_price_table_prices_any_dimension_it_names)
{
    price_table t;
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, "test");
    ck_assert_msg(billing_load(&t, &ctx, "tests/scenarios/toy-prices.json", NULL) == 0, "%s", ctx.message);
    ck_assert_uint_eq(t.n_lines, 4);
    rec r[] = { { 0, "toy.widgets.small", 1500, 0 }, { 0, "toy.widgets.large", 3000, 0 },
                { 1, "toy.widgets.small", 500, 0 }, { 0, "toy.gadgets", 800, 0 },
                { 1, "toy.gadgets", 200, 0 }, { 1, "toy.boxes.blue", 10, 0 },
                { 0, "toy.boxes.red", 4, 0 } };
    double byc[2];
    bill b = bill_records(&t, r, 7, 2, true, byc);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "toy_small_widgets"), 10.00, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "toy_large_widgets"), 70.00, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "toy_gadgets"), 258.50, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "toy_plan"), 7.00, 1e-9);
    ck_assert_double_eq_tol(b.total, 345.50, 1e-9);
    ck_assert_double_eq_tol(byc[0], 284.10, 1e-9);
    ck_assert_double_eq_tol(byc[1], 61.40, 1e-9);
    b = bill_records(&t, r, 7, 2, false, byc);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "toy_small_widgets"), 20.00, 1e-9);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "toy_gadgets"), 258.50, 1e-9);
    ck_assert_double_eq_tol(b.total, 355.50, 1e-9);
    /* No usage of what the fee follows: no fee. */
    rec w[] = { { 0, "toy.widgets.large", 100, 0 } };
    b = bill_records(&t, w, 1, 1, false, byc);
    ck_assert_double_eq(support_bill_line(&t, &b, "toy_plan"), 0);
    ck_assert_double_eq_tol(b.total, 3.00, 1e-9);
    /* Lookups: a variant's facts; a name priced by its parent; a name priced by nothing. */
    ck_assert_double_eq(price_fact(price_find(&t, "toy.boxes.blue"), "litres"), 5);
    ck_assert(isnan(price_fact(price_find(&t, "toy.boxes.blue"), "weight")));
    ck_assert_str_eq(price_find(&t, "toy.gadgets.green")->name, "toy.gadgets");
    ck_assert_ptr_null(price_find(&t, "toy.nothing"));
    ck_assert(price_has_family(&t, "toy") && !price_has_family(&t, "to"));
    ledger u;
    ledger_init(&u, &t);
    usage_add(&u, 0, "toy.nothing", 0);
    ck_assert_uint_eq(u.n_unpriced, 0);   /* no usage, nothing to price */
    usage_add(&u, 0, "toy.nothing", 2);
    ck_assert_uint_eq(u.n_unpriced, 1);
    ck_assert_str_eq(u.unpriced[0], "toy.nothing");
    ledger_free(&u);
}
END_TEST

/* A table that does not add up is refused with the path of the entry at fault. */
START_TEST(a_price_table_that_does_not_add_up_is_refused)
{
    static const struct { const char *dims, *expect; } bad[] = {
        { "\"a.b\": {\"line\": \"l\", \"unit\": \"u\", \"price\": 1, \"free\": \"none\", " SD "}",
          "dimensions.a.b.free: names no pool" },
        { "\"a.b\": {\"line\": \"l\", \"unit\": \"u\", \"monthly_fee\": 1, \"shared_by\": \"x.y\", " SD "}",
          "dimensions.a.b.shared_by: names no priced dimension" },
        { "\"a.b\": {\"line\": \"a line\", \"unit\": \"u\", \"price\": 1, " SD "}",
          "dimensions.a.b.line: expected a line name" },
        { "\"a.b\": {\"line\": \"l\", \"unit\": \"u\", " SD "}", "dimensions.a.b.price: missing" },
        { "\"a.b\": {\"line\": \"l\", \"unit\": \"u\", \"price\": 1, \"tiers\": [{\"price\": 1}], " SD "}",
          "a price or tiers, not both" },
        { "\"a.b\": {\"unit\": \"u\", \"variants\": {\"c\": {\"price\": 1}}, " SD "}",
          "dimensions.a.b.variants.c.line: missing" },
        { "\"a b\": {\"line\": \"l\", \"unit\": \"u\", \"price\": 1, " SD "}", "expected a dimension name" },
        { "\"a.b\": {\"line\": \"l\", \"unit\": \"u\", \"price\": 1, " SD "}, \"a.b\": {\"line\": \"l\", "
          "\"unit\": \"u\", \"price\": 2, " SD "}", "a second dimension of this name" },
    };
    char dir[64], path[128];
    support_tempdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/prices.json", dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "{\"provider\": \"p\", \"region\": \"r\", \"month_hours_source\": \"s\", "
                "\"dimensions\": {%s}}", bad[i].dims);
        fclose(f);
        price_table t;
        cfg_ctx ctx;
        cfg_ctx_init(&ctx, "scenario.json");
        ck_assert_int_eq(billing_load(&t, &ctx, path, NULL), -1);
        ck_assert_msg(strstr(ctx.message, bad[i].expect) != NULL, "case %zu: %s", i, ctx.message);
    }
    support_rmrf(dir);
}
END_TEST

/* A cloud's services are parts every plan's table includes: both Azure plans offer the same
 * queues; a part is no table by itself; the categories of a bill add up to its total; a
 * kind a provider does not offer is refused with what it offers instead, before its keys. */
START_TEST(parts_services_and_categories)
{
    price_table a, f, cf;
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, "test");
    ck_assert_msg(billing_load(&a, &ctx, "azure-consumption", NULL) == 0, "%s", ctx.message);
    ck_assert_msg(billing_load(&f, &ctx, "azure-flex", NULL) == 0, "%s", ctx.message);
    ck_assert_msg(billing_load(&cf, &ctx, "cloudflare-workers", NULL) == 0, "%s", ctx.message);
    const price_offer *qa = price_offers(&a, "queue"), *qf = price_offers(&f, "queue");
    ck_assert(qa && qf && qa->n == 2 && qf->n == 2);
    ck_assert_str_eq(qa->service[0], qf->service[0]);
    ck_assert_str_eq(qa->service[0], "storage-queue");
    const price_offer *t = price_offers(&cf, "topic");
    ck_assert(t && t->n == 0 && strstr(t->instead, "Queues"));
    ck_assert_ptr_null(price_offers(&cf, "no-such-kind"));
    cfg_ctx_init(&ctx, "scenario.json");
    ck_assert_int_eq(billing_load(&a, &ctx, "azure-queues", NULL), -1);
    ck_assert_msg(strstr(ctx.message, "a part of other tables"), "%s", ctx.message);
    cfg_ctx_init(&ctx, "scenario.json");
    billing_load(&a, &ctx, "no-such-table", NULL);
    ck_assert_msg(strstr(ctx.message, "\"azure-flex\"") && !strstr(ctx.message, "azure-queues"), "%s", ctx.message);

    price_table w = aws();
    rec r[] = { { 0, "functions.requests", 3e6, 0 }, { 0, "functions.gb_s.x86_64", 1e6, 0 },
                { 0, "queue.requests.standard", 5e6, 0 }, { 0, "logs.ingestion_gb", 10, 0 } };
    bill b = bill_records(&w, r, 4, 1, false, (double[1]){ 0 });
    double sum = 0;
    for (size_t c = 0; c < PRICE_CATEGORIES; c++)
        sum += b.category[c];
    ck_assert_double_eq_tol(sum, b.total, 0.005);
    ck_assert_double_eq_tol(b.category[PRICE_REQUESTS], support_bill_line(&w, &b, "lambda_requests"), 1e-9);
    ck_assert_double_eq_tol(b.category[PRICE_MESSAGING], support_bill_line(&w, &b, "sqs_requests"), 1e-9);
    ck_assert(b.category[PRICE_MESSAGING] > 0 && b.category[PRICE_LOGS] > 0);

    char err[1024] = "", json[4096];
    support_scenario(json, sizeof json, "billing/cloudflare-topic.json");
    ck_assert_ptr_null(support_load_text(json, err, sizeof err));
    ck_assert_msg(strstr(err, "components[0].kind: platform.provider \"cloudflare-workers\" offers no topic: "),
                  "%s", err);
    /* Fleets are priced on AWS only: a Cloud Run scenario is told where its containers are. */
    support_scenario_set(json, sizeof json, "billing/cloudflare-topic.json",
                         "platform.provider=\"gcp-cloud-run\"\ncomponents[0]={\"name\": \"t\", \"kind\": \"container\"}");
    ck_assert_ptr_null(support_load_text(json, err, sizeof err));
    ck_assert_msg(strstr(err, "offers no container: a Cloud Run service is a function here"), "%s", err);
}
END_TEST

/* Data out to the internet on each provider, by its published tiers: Azure 1,000 GB, 100 free
 * then $0.087: $78.30; Google 2,048 GiB, 1 free, $0.12 to 1,024, then $0.11: $235.40;
 * Cloudflare: no egress charge; AWS 1,000 GB, 100 free then $0.09: $81.00. */
START_TEST(data_out_is_priced_on_every_provider)
{
    static const struct { const char *table; double gb, want; } c[] = {
        { "azure-consumption", 1000, 78.30 }, { "azure-flex", 1000, 78.30 },
        { "gcp-cloud-run", 2048, 1023 * 0.12 + 1024 * 0.11 }, { "gcp-functions-gen1", 2048, 235.40 },
        { "cloudflare-workers", 5000, 0 }, { "aws-us-east-1", 1000, 81.00 },
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        price_table t;
        cfg_ctx ctx;
        cfg_ctx_init(&ctx, "test");
        ck_assert_msg(billing_load(&t, &ctx, c[i].table, NULL) == 0, "%s", ctx.message);
        rec r[] = { { 0, "network.transfer_out_gb", c[i].gb, 0 } };
        bill b = bill_records(&t, r, 1, 1, false, (double[1]){ 0 });
        ck_assert_msg(fabs(support_bill_line(&t, &b, "data_transfer_out") - c[i].want) < 0.005, "%s: %.2f, want %.2f",
                      c[i].table, support_bill_line(&t, &b, "data_transfer_out"), c[i].want);
        ck_assert_double_eq_tol(b.category[PRICE_NETWORK], support_bill_line(&t, &b, "data_transfer_out"), 1e-9);
    }
}
END_TEST

/* Workers bill CPU time: without cpu_ms, the handler's computing part (cpu_bound_fraction of
 * its duration). 100 requests/s of 10 ms at 0.3 for an hour: 1.08 M CPU-ms, 788.4 M a
 * month, 758.4 M past the plan's 30 M at $0.02 per million: $15.17. */
START_TEST(workers_bill_the_computing_part_of_a_handler)
{
    world_spec *spec;
    run_result res;
    support_run_text("{\"platform\": {\"provider\": \"cloudflare-workers\"}, \"duration_s\": 3600, \"replications\": 1,"
                     " \"traffic\": [{\"target\": \"w\", \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 100}}],"
                     " \"components\": [{\"name\": \"w\", \"kind\": \"function\", \"memory_mb\": 128,"
                     " \"duration_ms\": 10, \"cpu_bound_fraction\": 0.3}]}", 1, &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.functions_cpu", NULL), 15.17, 1e-9);
    support_done(spec, &res);
}
END_TEST

/* A kind whose usage the scenario's price table cannot price is refused at load, naming the
 * family it bills under; usage a meter records that no table line prices fails the run
 * rather than costing 0 in silence. */
START_TEST(usage_the_price_table_cannot_price_is_never_billed_at_zero)
{
    char err[1024] = "";
    char dir[64], path[160], scen[160];
    support_tempdir(dir, sizeof dir);
    snprintf(scen, sizeof scen, "%s/s.json", dir);
    /* A table of Lambda's requests and duration only (the AWS form: no "services"). */
    snprintf(path, sizeof path, "%s/prices.json", dir);
    support_write_text(path, "{\"provider\": \"aws\", \"region\": \"r\", \"month_hours_source\": \"s\", \"dimensions\": {"
          "\"functions.requests\": {\"line\": \"lambda_requests\", \"unit\": \"request\", \"per\": 1000000,"
          " \"price\": 0.2, " SD "}, \"functions.gb_s\": {\"line\": \"lambda_duration\", \"unit\": \"GB-s\","
          " \"price\": 0.0000166667, " SD "}}}");
    support_write_text(scen, "{\"pricing\": \"prices.json\", \"components\": ["
          "{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10},"
          "{\"name\": \"q\", \"kind\": \"queue\", \"consumer\": {\"function\": \"f\"}}],"
          " \"traffic\": [{\"target\": \"q\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}]}");
    world_spec *spec = world_spec_load(scen, NULL, err, sizeof err);
    ck_assert_ptr_null(spec);
    ck_assert_msg(strstr(err, "components[1].kind: a queue has no prices") && strstr(err, "\"queue.\""), "%s", err);
    /* The same table: a function's logs are usage it does not price. */
    support_write_text(scen, "{\"pricing\": \"prices.json\", \"duration_s\": 60, \"replications\": 1, \"components\": ["
          "{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"log_kb\": 1}],"
          " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}]}");
    spec = world_spec_load(scen, NULL, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    run_result res;
    ck_assert_int_eq(run_scenario(spec, 1, &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "no price for the usage \"logs.ingestion_gb\""), "%s", err);
    run_result_free(&res);
    world_spec_free(spec);
    support_rmrf(dir);
}
END_TEST

/* Logs are billed on every platform, each at its own price and allowance: CloudWatch's
 * 5 free GB (with the free tier) are shared by Lambda's vended logs and containers' standard
 * logs, taken in the table's order (3 GB of Lambda's, then 2 of the containers' 4 at $0.50);
 * Log Analytics $2.30 a GB after 5; Cloud Logging $0.50 a GiB after 50; Workers Logs $0.60
 * per million events after the plan's 20 million. */
START_TEST(logs_are_billed_on_every_platform)
{
    static const struct { const char *table; rec r[2]; size_t n; bool free_tier; double logs; const char *line; } ex[] = {
        { "aws-us-east-1", { { 0, "logs.ingestion_gb", 3, 0 }, { 1, "logs.standard_ingestion_gb", 4, 0 } }, 2, true, 1.00, "logs_ingestion" },
        { "aws-us-east-1", { { 0, "logs.ingestion_gb", 3, 0 }, { 1, "logs.standard_ingestion_gb", 4, 0 } }, 2, false, 3.50, "logs_ingestion" },
        { "azure-consumption", { { 0, "logs.ingestion_gb", 10, 0 } }, 1, true, 11.50, "logs_ingestion" },
        { "gcp-cloud-run", { { 0, "logs.ingestion_gb", 60, 0 } }, 1, true, 5.00, "logs_ingestion" },
        { "gcp-functions-gen1", { { 0, "logs.ingestion_gb", 60, 0 } }, 1, false, 30.00, "logs_ingestion" },
        { "cloudflare-workers", { { 0, "logs.events", 1e8, 0 } }, 1, false, 48.00, "logs_events" },
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        price_table t;
        cfg_ctx ctx;
        cfg_ctx_init(&ctx, "test");
        ck_assert_msg(billing_load(&t, &ctx, ex[i].table, NULL) == 0, "%s", ctx.message);
        double byc[2];
        bill b = bill_records(&t, ex[i].r, ex[i].n, 2, ex[i].free_tier, byc);
        ck_assert_msg(fabs(support_bill_line(&t, &b, ex[i].line) - ex[i].logs) < 1e-9, "%s: logs $%.2f, expected $%.2f",
                      ex[i].table, support_bill_line(&t, &b, ex[i].line), ex[i].logs);
    }
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

/* Cloud Run bills an instance while any request runs on it: 80 requests of 1 s waiting on
 * I/O (cpu_bound_fraction 0: they do not compete for the vCPU) arriving together on one
 * instance are 1 s of instance time, not 80; with concurrency 1 they are 80 instances and
 * 80 s. A steady Poisson load shows the union is below the sum. */
START_TEST(cloud_run_bills_the_union_of_busy_periods)
{
    static const char *const fmt =
        "{\"name\": \"cr\", \"duration_s\": 100, \"seed\": 1, \"replications\": 2,"
        " \"platform\": {\"provider\": \"gcp-cloud-run\"},"
        " \"traffic\": [{\"name\": \"t\", \"target\": \"f\","
        "   \"arrivals\": {\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 80}}],"
        " \"components\": [{\"kind\": \"function\", \"name\": \"f\", \"duration_ms\": 1000,"
        "   \"cold_start_ms\": 0, \"cpu_bound_fraction\": 0, \"concurrency\": %d}]}";
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
        "   \"cold_start_ms\": 0, \"cpu_bound_fraction\": 0}]}";
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
    tcase_add_test(tc, a_price_table_prices_any_dimension_it_names);
    tcase_add_test(tc, a_price_table_that_does_not_add_up_is_refused);
    tcase_add_test(tc, usage_the_price_table_cannot_price_is_never_billed_at_zero);
    tcase_add_test(tc, logs_are_billed_on_every_platform);
    tcase_add_test(tc, published_worked_examples_reproduce_to_the_cent);
    tcase_add_test(tc, cloud_run_bills_the_union_of_busy_periods);
    tcase_add_test(tc, parts_services_and_categories);
    tcase_add_test(tc, data_out_is_priced_on_every_provider);
    tcase_add_test(tc, workers_bill_the_computing_part_of_a_handler);
    suite_add_tcase(s, tc);
    return s;
}
