/* test_authorizer.c — an API gateway's Lambda authorizer and its policy cache per identity
 * (models/authorizer.c): the hit share of renewal cycles over many tokens, one token checked
 * once per TTL under steady arrivals, no cache at TTL 0 (the authorizer on every request, in
 * every request's latency), a failing or throttled authorizer failing the requests without
 * a gateway bill; and the bad inputs, with their JSON paths. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define FIXTURE "authorizer/identities-share-cached-policies.json"
#define assert_refused(json, path, words) support_assert_refused("authorizer", json, path, words)

/* N tokens, equally likely, in Poisson requests at rate lambda: each token's requests come
 * at mu = lambda / N. A miss invokes the authorizer, whose answer (constant d = 5 ms, warm)
 * fills the token's entry at once plus d; requests in those d s miss too; the entry is fresh
 * for T s; the first request after that misses again (memoryless). A renewal cycle holds
 * 1 + mu d misses and mu T hits: hit share = mu T / (1 + mu d + mu T). Every miss is one
 * invocation of the authorizer, every request one of the API (none fails). */
START_TEST(identities_share_policies_for_the_ttl)
{
    static const struct { double ttl; int identities; } cases[] = {
        { 60, 1000 },       /* mu T = 1.2: 1.2 / 2.2001 = 0.5454 */
        { 300, 10000 },     /* mu T = 0.6: 0.6 / 1.60001 = 0.3750 */
        { 15, 100 },        /* mu T = 3: 3 / 4.001 = 0.7498 (the warm-up, 600 s, holds many
                               cycles: the window starts stationary) */
    };
    char json[2048];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        support_scenario_set(json, sizeof json, FIXTURE,
                             "traffic[0].authorizer.ttl_s=%g\ntraffic[0].authorizer.identities=%d",
                             cases[c].ttl, cases[c].identities);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        double mu = 20.0 / cases[c].identities, d = 0.005;
        double want = mu * cases[c].ttl / (1 + mu * d + mu * cases[c].ttl), hw;
        double hit = support_figure_ci(&res, "sources.source0.authorizer_hit_ratio", &hw);
        support_assert_within_ci("authorizer", "authorizer hit share", hit, hw, want);
        for (uint32_t r = 0; r < spec->replications; r++) {
            double misses = support_row_value(&res, r, "sources.source0.authorizer_misses");
            double hits = support_row_value(&res, r, "sources.source0.authorizer_hits");
            ck_assert_msg(fabs(misses - support_row_value(&res, r, "functions.auth.invocations")) <= 1,
                          "misses %g, authorizer invocations %g", misses,
                          support_row_value(&res, r, "functions.auth.invocations"));
            ck_assert_double_eq(hits + misses, support_row_value(&res, r, "requests.arrived"));
            ck_assert_double_eq(support_row_value(&res, r, "requests.completed") +
                                support_row_value(&res, r, "requests.in_flight"),
                                support_row_value(&res, r, "requests.arrived"));
            ck_assert_double_eq(support_row_value(&res, r, "sources.source0.authorizer_failed"), 0);
        }
        support_done(spec, &res);
    }
}
END_TEST

/* One token, a request every 0.1 s (constant), TTL 60 s: a check at t0 is answered at
 * t0 + 5 ms, so the requests up to t0 + 60 s hit and the one at t0 + 60.1 s misses: one
 * check every ceil(lambda (T + d)) / lambda = 60.1 s, W / 60.1 over the window, +- 1 for
 * its phase. The first check (a cold start) is in the warm-up. */
START_TEST(one_token_is_checked_once_per_ttl)
{
    char json[2048];
    support_scenario_set(json, sizeof json, FIXTURE,
                         "traffic[0].arrivals.process=\"constant\"\ntraffic[0].arrivals.rate_per_s=10\n"
                         "traffic[0].authorizer.identities=1\nreplications=3");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double misses = support_row_value(&res, r, "sources.source0.authorizer_misses");
        ck_assert_msg(fabs(misses - 1800 / 60.1) <= 1, "%g checks in 1,800 s, want 29.95 +- 1", misses);
        ck_assert_double_eq(support_row_value(&res, r, "functions.auth.invocations"), misses);
        ck_assert_double_eq(support_row_value(&res, r, "functions.auth.cold_starts"), 0);
    }
    support_done(spec, &res);
}
END_TEST

/* TTL 0: no cache. Every request waits for the authorizer (5 ms) and then the API (20 ms):
 * each latency is 25 ms, and the authorizer is invoked once per request. */
START_TEST(without_a_cache_every_request_waits_for_the_authorizer)
{
    char json[2048];
    support_scenario_set(json, sizeof json, FIXTURE, "traffic[0].authorizer.ttl_s=0\nreplications=2");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double arrived = support_row_value(&res, r, "requests.arrived");
        ck_assert_double_eq(support_row_value(&res, r, "sources.source0.authorizer_hits"), 0);
        ck_assert_double_eq(support_row_value(&res, r, "sources.source0.authorizer_misses"), arrived);
        ck_assert_msg(fabs(support_row_value(&res, r, "functions.auth.invocations") - arrived) <= 1,
                      "authorizer invocations %g, requests %g",
                      support_row_value(&res, r, "functions.auth.invocations"), arrived);
        double p50 = support_row_value(&res, r, "latency_ms.p50");
        ck_assert_msg(fabs(p50 - 25) <= 0.25, "latency p50 %g ms, want 25 (5 + 20)", p50);
    }
    support_done(spec, &res);
}
END_TEST

/* An authorizer that fails every call (error_rate 1), or that may not run at all (reserved
 * concurrency 0: every call throttled), fails every request with a 500: the API is never
 * invoked, no failure is cached (every request asks again), and API Gateway bills none of
 * them (it bills no request its authorizer did not let through). */
START_TEST(a_failing_authorizer_fails_the_requests_unbilled)
{
    static const char *const breaks[] = { "components[1].error_rate=1", "components[1].reserved_concurrency=0" };
    char json[2048];
    for (size_t c = 0; c < 2; c++) {
        support_scenario_set(json, sizeof json, FIXTURE, "%s\nreplications=2\nduration_s=600", breaks[c]);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        for (uint32_t r = 0; r < spec->replications; r++) {
            double arrived = support_row_value(&res, r, "requests.arrived");
            ck_assert_double_gt(arrived, 0);
            ck_assert_double_eq(support_row_value(&res, r, "requests.failed"), arrived);
            ck_assert_double_eq(support_row_value(&res, r, "sources.source0.authorizer_failed"), arrived);
            ck_assert_double_eq(support_row_value(&res, r, "sources.source0.authorizer_misses"), arrived);
            ck_assert_double_eq(support_row_value(&res, r, "sources.source0.authorizer_hits"), 0);
            ck_assert_double_eq(support_row_value(&res, r, "functions.api.invocations"), 0);
        }
        ck_assert_double_eq(run_value(&res, "cost.by_line.api_gateway_rest", NULL), 0);
        support_done(spec, &res);
    }
}
END_TEST

#define SCENARIO(provider, gateway, authorizer) \
    "{" provider "\"traffic\": [{\"target\": \"f\", " gateway "\"authorizer\": " authorizer "," \
    "   \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}]," \
    " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10}," \
    "   {\"name\": \"q\", \"kind\": \"queue\", \"consumer\": {\"function\": \"f\"}}]}"

START_TEST(what_an_authorizer_needs_is_refused)
{
    assert_refused(SCENARIO("", "\"gateway\": \"rest\", ", "{\"function\": \"nope\"}"),
                   "traffic[0].authorizer.function", "no component is named \"nope\"");
    assert_refused(SCENARIO("", "\"gateway\": \"rest\", ", "{\"ttl_s\": 60}"),
                   "traffic[0].authorizer.function", "missing");
    assert_refused(SCENARIO("", "\"gateway\": \"http\", ", "{\"function\": \"q\"}"),
                   "traffic[0].authorizer.function", "\"q\" is a queue; a Lambda authorizer is a function");
    assert_refused(SCENARIO("", "\"gateway\": \"rest\", ", "{\"function\": \"f\", \"ttl_s\": 7200}"),
                   "traffic[0].authorizer.ttl_s", "3600");
    assert_refused(SCENARIO("", "\"gateway\": \"rest\", ", "{\"function\": \"f\", \"ttl_s\": -1}"),
                   "traffic[0].authorizer.ttl_s", "-1");
    assert_refused(SCENARIO("", "\"gateway\": \"rest\", ", "{\"function\": \"f\", \"identities\": 0}"),
                   "traffic[0].authorizer.identities", "0");
    assert_refused(SCENARIO("", "\"gateway\": \"rest\", ", "{\"function\": \"f\", \"cache\": true}"),
                   "traffic[0].authorizer.cache", "unknown");
    assert_refused(SCENARIO("", "", "{\"function\": \"f\"}"),
                   "traffic[0].authorizer", "set \"gateway\": \"rest\" or \"http\"");
    assert_refused(SCENARIO("\"platform\": {\"provider\": \"azure-consumption\"}, ", "",
                            "{\"function\": \"f\"}"),
                   "traffic[0].authorizer", "Amazon API Gateway's REST and HTTP APIs");
}
END_TEST

Suite *authorizer_suite(void)
{
    Suite *s = suite_create("authorizer");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, identities_share_policies_for_the_ttl);
    tcase_add_test(tc, one_token_is_checked_once_per_ttl);
    tcase_add_test(tc, without_a_cache_every_request_waits_for_the_authorizer);
    tcase_add_test(tc, a_failing_authorizer_fails_the_requests_unbilled);
    tcase_add_test(tc, what_an_authorizer_needs_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
