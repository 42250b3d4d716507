/* test_edge.c — an edge function's calls to the region (models/function/calls.c: each
 * attempt pays region_rtt_ms) and a CDN in front of a source's target (models/cdn.c:
 * CloudFront's cache, its viewer and origin triggers, its bill).
 *
 * The latency cases are exact: constant handler and table times and no init, so every
 * request takes the same time, the sum of the round trips and the work. The cache cases
 * compare counts with the binomial or the renewal argument, and the bills follow from the
 * counts and the published prices to the cent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/exercise_page.h"
#include "tests/suites.h"
#include "tests/support.h"

#define assert_refused(json, path, words) support_assert_refused("edge", json, path, words)

/* CloudFront, United States (models/pricing/aws-us-east-1.json). */
#define CLOUDFRONT_HTTPS_REQUEST (0.01 / 10000)
#define CLOUDFRONT_GB_OUT        0.085

/* A figure in replication r. */
static double row(const run_result *res, uint32_t r, const char *name)
{
    double v = support_row_value(res, r, name);
    ck_assert_msg(!isnan(v), "no figure %s", name);
    return v;
}

/* Every request's latency (mean and max) is want ms. */
static void assert_latency(const run_result *res, double want)
{
    for (uint32_t r = 0; r < res->spec->replications; r++) {
        support_assert_close("latency_ms.mean", row(res, r, "latency_ms.mean"), want);
        ck_assert_msg(fabs(row(res, r, "latency_ms.max") - want) < 1e-6, "latency_ms.max %g, not %g",
                      row(res, r, "latency_ms.max"), want);
    }
}

/* Every miss of replication r invokes the function once; a miss in the window's last
 * moment reaches it after the window (unmeasured): a handful at most. */
static void assert_misses_invoke(const run_result *res, uint32_t r)
{
    double misses = row(res, r, "sources.users.cdn_misses"), calls = row(res, r, "functions.api.invocations");
    ck_assert_msg(calls <= misses && misses - calls <= 3, "%g misses, %g invocations", misses, calls);
}

static void run_edge(const char *sets, world_spec **spec, run_result *res)
{
    char json[4096];
    support_scenario_set(json, sizeof json, "edge/edge-calls.json", "%s", sets);
    support_run_text(json, 0, spec, res);
}

START_TEST(each_call_from_the_edge_pays_the_round_trip_to_the_region)
{
    /* Users 20 ms from the edge, 80 ms from the region: the edge function's calls pay the
     * 60 ms between (the default, network_rtt_ms less edge_rtt_ms). 20 + 3 (handler) + 3
     * sequential calls x (60 + 4) = 215 ms; the same function in the region would be
     * 80 + 3 + 3 x 4 = 95 ms. */
    world_spec *spec;
    run_result res;
    run_edge("", &spec, &res);
    assert_latency(&res, 20 + 3 + 3 * (60 + 4));
    support_done(spec, &res);
    /* Given: region_rtt_ms 25 -> 20 + 3 + 3 x 29. */
    run_edge("components.edge.region_rtt_ms=25", &spec, &res);
    assert_latency(&res, 20 + 3 + 3 * (25 + 4));
    support_done(spec, &res);
    /* Parallel calls pay one round trip between them. */
    run_edge("components.edge.calls[0].parallel=true", &spec, &res);
    assert_latency(&res, 20 + 3 + (60 + 4));
    support_done(spec, &res);
    /* The regional function: no round trip on its calls. */
    run_edge("components.edge.edge=none", &spec, &res);
    assert_latency(&res, 80 + 3 + 3 * 4);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_call_timeout_shorter_than_the_round_trip_never_reaches_the_table)
{
    /* A 50-ms call timeout against a 60-ms round trip: each of 3 attempts times out at
     * 50 ms, 10 and 20 ms of backoff between them, and the fallback answers: 20 + 3 +
     * 3 x (3 x 50 + 10 + 20) = 563 ms. The table sees none of them. */
    world_spec *spec;
    run_result res;
    run_edge("components.edge.calls[0].timeout_ms=50\n"
             "components.edge.calls[0].fallback=true\n"
             "components.edge.calls[0].retry={\"max_attempts\": 3, \"backoff_base_ms\": 10, \"jitter\": \"none\"}",
             &spec, &res);
    assert_latency(&res, 20 + 3 + 3 * (3 * 50 + 10 + 20));
    for (uint32_t r = 0; r < res.spec->replications; r++) {
        ck_assert_double_eq(row(&res, r, "services.table.calls"), 0);
        double calls = row(&res, r, "functions.edge.calls.table.calls");
        /* (An invocation's retries after the window's end are not made.) */
        double attempts = row(&res, r, "functions.edge.calls.table.attempts");
        ck_assert_msg(attempts <= 3 * calls && 3 * calls - attempts <= 20, "%g attempts of %g calls", attempts, calls);
        double fallbacks = row(&res, r, "functions.edge.calls.table.fallbacks");
        ck_assert_msg(fallbacks <= calls && calls - fallbacks <= 20, "%g fallbacks of %g calls", fallbacks, calls);
    }
    support_done(spec, &res);
    /* A 70-ms timeout lets each attempt through: 64 ms each, as above. */
    run_edge("components.edge.calls[0].timeout_ms=70", &spec, &res);
    assert_latency(&res, 20 + 3 + 3 * (60 + 4));
    support_done(spec, &res);
}
END_TEST

START_TEST(a_fixed_hit_ratio_answers_its_share_at_the_edge_and_the_rest_at_the_origin)
{
    /* hit_ratio 0.8: the hits within 4 standard deviations of the binomial's mean; every
     * miss invokes the function once; a hit takes 20 + 2 ms, a miss 80 + 3 + 3 x 4 ms. */
    world_spec *spec;
    run_result res;
    support_run_fixture("tests/scenarios/edge/cdn-regional.json", NULL, &spec, &res);
    for (uint32_t r = 0; r < res.spec->replications; r++) {
        double n = row(&res, r, "sources.users.cdn_requests"), hits = row(&res, r, "sources.users.cdn_hits");
        ck_assert_double_eq(n, row(&res, r, "requests.attempts"));
        ck_assert_double_eq(hits + row(&res, r, "sources.users.cdn_misses"), n);
        double sd = sqrt(n * 0.8 * 0.2);
        ck_assert_msg(fabs(hits - 0.8 * n) < 4 * sd, "hits %g of %g: not 0.8 within 4 sd (%g)", hits, n, sd);
        assert_misses_invoke(&res, r);
        /* The mean latency is the hits' and misses' times weighted by their counts (those
         * still in flight at the window's end, one way or the other, aside). */
        double completed = row(&res, r, "requests.completed"), flight = row(&res, r, "requests.in_flight");
        double mean = row(&res, r, "latency_ms.mean"), want = (hits * 22 + (completed - hits) * 95) / completed;
        ck_assert_msg(fabs(mean - want) <= 73 * flight / completed + 1e-9, "latency_ms.mean %g, not %g", mean, want);
        ck_assert_msg(fabs(row(&res, r, "latency_ms.max") - 95) < 1e-6, "a miss takes 95 ms");
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(cache_keys_hit_as_a_renewal_argument_says)
{
    /* Each of 100 keys is asked 0.2 times a second; a miss fills it 85 ms later (the
     * origin's time), and it stays fresh 10 s: a cycle has 0.2 x 10 = 2 hits and 1 + 0.2 x
     * 0.085 misses, a hit ratio of 2 / 3.017 = 0.6629. */
    world_spec *spec;
    run_result res;
    support_run_fixture("tests/scenarios/edge/cdn-keys.json", NULL, &spec, &res);
    double hw, ratio = support_figure_ci(&res, "sources.users.cdn_hit_ratio", &hw);
    support_assert_within_ci("edge", "cdn_hit_ratio", ratio, hw, 2.0 / (2.0 + 1.0 + 0.2 * 0.085));
    support_done(spec, &res);
}
END_TEST

START_TEST(an_origin_trigger_runs_on_misses_a_viewer_trigger_on_every_request)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    /* The table's function as an origin trigger behind the cache: invoked on misses only,
     * at the edge (20 ms), its calls 60 ms each way to the region. */
    support_scenario_set(json, sizeof json, "edge/cdn-regional.json",
                         "components.api.edge=origin\ncomponents.api.memory_mb=128");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < res.spec->replications; r++) {
        assert_misses_invoke(&res, r);
        ck_assert(row(&res, r, "sources.users.cdn_hits") > 0);
    }
    support_done(spec, &res);
    /* As a viewer trigger it runs on every request: CloudFront caches nothing it answers. */
    support_scenario_set(json, sizeof json, "edge/cdn-regional.json",
                         "components.api.edge=viewer\ncomponents.api.memory_mb=128\ntraffic[0].cdn={}");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < res.spec->replications; r++) {
        ck_assert_double_eq(row(&res, r, "sources.users.cdn_hits"), 0);
        double n = row(&res, r, "sources.users.cdn_requests"), calls = row(&res, r, "functions.api.invocations");
        ck_assert_msg(calls <= n && n - calls <= 3, "%g requests, %g invocations", n, calls);
    }
    assert_latency(&res, 20 + 3 + 3 * (60 + 4));
    support_done(spec, &res);
}
END_TEST

START_TEST(cloudfront_bills_requests_and_bytes_to_the_cent)
{
    /* A 600-s window is 730 x 3600 / 600 = 4,380 of a month. Requests at $0.0100 per
     * 10,000 HTTPS; 20-KB responses at $0.085 per GB; the origin's own transfer out to
     * CloudFront is free (no data_transfer_out line). */
    world_spec *spec;
    run_result res;
    double scale = 730 * 3600.0 / 600;
    support_run_fixture("tests/scenarios/edge/cdn-regional.json", NULL, &spec, &res);
    for (uint32_t r = 0; r < res.spec->replications; r++) {
        double n = row(&res, r, "sources.users.cdn_requests") * scale;
        double gb = row(&res, r, "requests.completed") * 20 / 1048576.0 * scale;
        support_assert_cents("requests", row(&res, r, "cost.by_line.cloudfront_requests"),
                             support_round_cents(n * CLOUDFRONT_HTTPS_REQUEST));
        support_assert_cents("transfer", row(&res, r, "cost.by_line.cloudfront_data_transfer_out"),
                             support_round_cents(gb * CLOUDFRONT_GB_OUT));
        ck_assert_double_eq(row(&res, r, "cost.by_line.data_transfer_out"), 0);
    }
    support_done(spec, &res);
    /* With the free tier: 10 million requests and 1 TB (1,024 GB) a month are free. */
    static const char *const free_tier[] = { "free_tier=true", NULL };
    support_run_fixture("tests/scenarios/edge/cdn-regional.json", free_tier, &spec, &res);
    for (uint32_t r = 0; r < res.spec->replications; r++) {
        double n = row(&res, r, "sources.users.cdn_requests") * scale;
        double gb = row(&res, r, "requests.completed") * 20 / 1048576.0 * scale;
        support_assert_cents("requests", row(&res, r, "cost.by_line.cloudfront_requests"),
                             support_round_cents(fmax(0, n - 1e7) * CLOUDFRONT_HTTPS_REQUEST));
        support_assert_cents("transfer", row(&res, r, "cost.by_line.cloudfront_data_transfer_out"),
                             support_round_cents(fmax(0, gb - 1024) * CLOUDFRONT_GB_OUT));
    }
    support_done(spec, &res);
    /* The bill by hand, stated usage: 52.56 million requests and 1,002 GB a month. */
    price_table t = support_price_table("aws-us-east-1");
    support_usage u[] = { { "cdn.requests", 52.56e6 }, { "cdn.transfer_out_gb", 1002 } };
    support_assert_cents("requests", support_month_line(&t, u, 2, false, "cloudfront_requests"), 52.56);
    support_assert_cents("transfer", support_month_line(&t, u, 2, false, "cloudfront_data_transfer_out"), 85.17);
    support_assert_cents("requests, free", support_month_line(&t, u, 2, true, "cloudfront_requests"), 42.56);
    support_assert_cents("transfer, free", support_month_line(&t, u, 2, true, "cloudfront_data_transfer_out"), 0);
}
END_TEST

START_TEST(what_an_edge_or_a_cdn_cannot_be_is_refused)
{
    char json[4096];
    support_scenario_set(json, sizeof json, "edge/cdn-keys.json", "platform={\"provider\": \"gcp-cloud-run\"}");
    assert_refused(json, "traffic[0].cdn", "modelled for platform.provider \"aws\"");
    support_scenario_set(json, sizeof json, "edge/cdn-regional.json", "traffic[0].cdn={}");
    assert_refused(json, "traffic[0].cdn", "expected hit_ratio");
    support_scenario_set(json, sizeof json, "edge/cdn-regional.json", "traffic[0].cdn.keys=10");
    assert_refused(json, "traffic[0].cdn.hit_ratio", "not both");
    support_scenario_set(json, sizeof json, "edge/cdn-regional.json",
                         "components.api.edge=viewer\ncomponents.api.memory_mb=128");
    assert_refused(json, "traffic[0].cdn.hit_ratio", "viewer-trigger");
    support_scenario_set(json, sizeof json, "edge/cdn-regional.json", "traffic[0].edge_rtt_ms=null");
    assert_refused(json, "traffic[0].cdn", "edge_rtt_ms");
    support_scenario_set(json, sizeof json, "edge/cdn-regional.json", "traffic[0].gateway=rest\n"
                         "traffic[0].gateway_cache={\"hit_ratio\": 0.5}");
    assert_refused(json, "traffic[0].cdn", "two caches");
    support_scenario_set(json, sizeof json, "edge/cdn-regional.json", "components.api.region_rtt_ms=10");
    assert_refused(json, "components[0].region_rtt_ms", "runs in the region");
    support_scenario_set(json, sizeof json, "edge/edge-calls.json", "traffic[0].edge_rtt_ms=null");
    assert_refused(json, "components[0].region_rtt_ms", "calls the region synchronously");
    support_scenario_set(json, sizeof json, "edge/edge-calls.json", "traffic[0].edge_rtt_ms=90");
    assert_refused(json, "traffic[0].edge_rtt_ms", "more than network_rtt_ms");
    /* Two sources implying two round trips for one edge function: the user says which, not
     * the order of the sources; two implying the same one are accepted. */
    static const char two[] = "traffic=[{\"name\": \"near\", \"target\": \"edge\", \"network_rtt_ms\": 80, "
        "\"edge_rtt_ms\": 20, \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 5}}, "
        "{\"name\": \"far\", \"target\": \"edge\", \"network_rtt_ms\": %d, \"edge_rtt_ms\": 30, "
        "\"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 5}}]";
    support_scenario_set(json, sizeof json, "edge/edge-calls.json", two, 150);
    assert_refused(json, "traffic[1].edge_rtt_ms", "an earlier source 60 ms");
    support_scenario_set(json, sizeof json, "edge/edge-calls.json", two, 90);
    char err[1024] = "";
    world_spec *ok = support_load_text(json, err, sizeof err);
    ck_assert_msg(ok != NULL, "two sources implying the same 60 ms were refused: %s", err);
    world_spec_free(ok);
}
END_TEST

Suite *edge_suite(void)
{
    Suite *s = suite_create("edge");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, each_call_from_the_edge_pays_the_round_trip_to_the_region);
    tcase_add_test(tc, a_call_timeout_shorter_than_the_round_trip_never_reaches_the_table);
    tcase_add_test(tc, a_fixed_hit_ratio_answers_its_share_at_the_edge_and_the_rest_at_the_origin);
    tcase_add_test(tc, cache_keys_hit_as_a_renewal_argument_says);
    tcase_add_test(tc, an_origin_trigger_runs_on_misses_a_viewer_trigger_on_every_request);
    tcase_add_test(tc, cloudfront_bills_requests_and_bytes_to_the_cent);
    tcase_add_test(tc, what_an_edge_or_a_cdn_cannot_be_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
