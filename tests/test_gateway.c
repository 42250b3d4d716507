/* test_gateway.c — the API gateway in front of a function: a REST API's response cache
 * and request validation (the hit share of renewal cycles, the share refused, the cache's
 * hourly bill) and a usage plan's quota per tenant (exact counts of completed and refused
 * requests, the gateway billing only what it lets through); and their bad inputs with
 * their JSON paths. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

/* A REST API's response cache and request validation. 5% of the requests are malformed:
 * validation refuses them at the gateway (never invoked, failed, not retried). The rest ask
 * for one of K equally likely keys; a key is fresh for T s after a response fills it, so
 * each key's requests form renewal cycles of one miss and, on average, lambda T / K hits:
 * hit share = x / (1 + x), x = lambda T / K (handler time 1 ms: filling is immediate). Only
 * misses invoke the function (a warm-up fills the cache: the window starts stationary). The cache bills its hourly price all month: 0.5 GB at
 * $0.020/h x 730 h = $14.60, 6.1 GB at $0.200/h = $146.00 (API Gateway pricing page). */
START_TEST(a_gateway_cache_and_validation_answer_before_the_function)
{
    static const struct {
        const char *size;
        double ttl;
        int keys;
        const char *extra;      /* another assignment, or "" */
        double hit, monthly;
    } cases[] = {
        { "0.5", 60, 1000, "", 0.57 / 1.57, 14.60 },
        { "6.1", 15, 10, "", 14.25 / 15.25, 146.00 },
        { "0.5", 300, 1, "traffic[0].gateway_cache.hit_ratio=0.6", 0.6, 14.60 },
    };
    char json[2048];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        support_scenario_set(json, sizeof json, "gateway/a-gateway-cache-and-validation-answer-before-the-function.json",
                             "traffic[0].gateway_cache.size_gb=%s\n"
                             "traffic[0].gateway_cache.ttl_s=%g\n"
                             "traffic[0].gateway_cache.keys=%d\n"
                             "%s",
                             cases[c].size, cases[c].ttl, cases[c].keys, cases[c].extra);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        double hw;
        double hit = support_figure_ci(&res, "sources.source0.gateway_cache_hit_ratio", &hw);
        support_assert_within_ci("model", "gateway cache hit share", hit, hw, cases[c].hit);
        double rejected = support_ratio_ci(&res, "sources.source0.gateway_rejected", "requests.arrived", &hw);
        support_assert_within_ci("model", "share refused by validation", rejected, hw, 0.05);
        for (uint32_t r = 0; r < spec->replications; r++) {
            double misses = support_row_value(&res, r, "sources.source0.gateway_cache_misses");
            double inv = support_row_value(&res, r, "functions.api.invocations");
            ck_assert_msg(fabs(misses - inv) <= 2, "invocations %g, cache misses %g", inv, misses);
            ck_assert_double_eq(support_row_value(&res, r, "sources.source0.gateway_rejected"),
                                support_row_value(&res, r, "requests.failed"));
        }
        ck_assert_double_eq_tol(run_value(&res, "cost.by_line.api_gateway_cache", NULL), cases[c].monthly, 1e-9);
        support_done(spec, &res);
    }
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"gateway\": \"http\", \"gateway_cache\": {},"
        "   \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10}]}",
        "traffic[0].gateway_cache", "REST API feature");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"gateway\": \"rest\", \"gateway_cache\": {\"size_gb\": 2},"
        "   \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10}]}",
        "traffic[0].gateway_cache.size_gb", "no cache of 2 GB (sizes: 0.5, 1.6, 6.1");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"gateway\": \"rest\", \"gateway_cache\": {\"ttl_s\": 7200},"
        "   \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10}]}",
        "traffic[0].gateway_cache.ttl_s", "3600");
}
END_TEST

/* A usage plan's quota: tenant "free" may make 2,000 requests a day; over two days of
 * Poisson traffic at 0.5/s (43,200 a day) exactly 4,000 complete and every other attempt
 * is refused at the gateway (and not billed), while "paid" (no quota) completes everything
 * it sends. */
START_TEST(a_usage_plan_quota_caps_a_tenant_per_period)
{
    char json[4096];
    support_scenario(json, sizeof json, "gateway/a-usage-plan-quota-caps-a-tenant-per-period.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double arrived = support_row_value(&res, r, "tenants.free.requests.arrived");
        ck_assert_double_eq(support_row_value(&res, r, "tenants.free.requests.completed"), 4000);
        ck_assert_double_eq(support_row_value(&res, r, "tenants.free.over_quota"), arrived - 4000);
        double paid = support_row_value(&res, r, "tenants.paid.requests.arrived");
        ck_assert_double_eq(support_row_value(&res, r, "tenants.paid.requests.completed"), paid);
        /* The gateway bills what it lets through, not the throttled attempts: $3.50 per 1M
         * over a 730-h month. */
        double billed = (paid + 4000) * 730 * 3600 / 172800.0 * 3.5e-6;
        ck_assert_double_eq_tol(support_row_value(&res, r, "cost.by_line.api_gateway_rest"), billed, 0.0051);
    }
    support_done(spec, &res);
    support_assert_refused("model",
        "{\"tenants\": [{\"name\": \"a\", \"quota\": {\"period\": \"day\"}}],"
        " \"traffic\": [{\"target\": \"f\", \"tenant\": \"a\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10}]}",
        "tenants[0].quota.requests", "requests the plan allows");
}
END_TEST

Suite *gateway_suite(void)
{
    Suite *s = suite_create("gateway");
    TCase *tc = tcase_create("gateway cache, validation and usage plans");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_gateway_cache_and_validation_answer_before_the_function);
    tcase_add_test(tc, a_usage_plan_quota_caps_a_tenant_per_period);
    suite_add_tcase(s, tc);
    return s;
}
