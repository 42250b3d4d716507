/* test_model.c — behaviours of the function model and the traffic sources, each against
 * an independent figure: a count the rules fix exactly, a probability with its binomial
 * or Poisson interval, or the configured distribution's mean. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/fit.h"
#include "tests/suites.h"
#include "sim/dist.h"
#include "tests/support.h"
#include "models/traffic.h"
#include <gsl/gsl_rng.h>

/* A scenario with one source "t" and one function "f"; arrivals and function are JSON
 * fragments (the function's keys after name and kind). */
static void run_one(const char *top, const char *arrivals, const char *client, const char *function,
                    world_spec **spec, run_result *res)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"name\": \"model\", %s,"
             " \"traffic\": [{\"name\": \"t\", \"target\": \"f\", \"arrivals\": %s%s%s}],"
             " \"components\": [{\"name\": \"f\", \"kind\": \"function\", %s}]}",
             top, arrivals, client ? ", \"client\": " : "", client ? client : "", function);
    support_run_text(json, 0, spec, res);
}

START_TEST(provisioned_concurrency_removes_cold_starts_at_a_price)
{
    world_spec *spec;
    run_result without, with;
    const char *top = "\"duration_s\": 7200, \"seed\": 4, \"replications\": 4";
    const char *arr = "{\"process\": \"poisson\", \"rate_per_s\": 2}";
    run_one(top, arr, NULL, "\"duration_ms\": {\"dist\": \"exponential\", \"mean\": 1000},"
            " \"keep_alive\": {\"policy\": \"fixed\", \"idle_s\": 5}", &spec, &without);
    ck_assert_double_gt(run_value(&without, "functions.f.cold_starts", NULL), 100);
    ck_assert_double_eq(run_value(&without, "cost.by_line.lambda_provisioned_concurrency", NULL), 0);
    support_done(spec, &without);
    /* 20 provisioned instances: P(more than 20 busy) for Poisson(2) is about 1e-13. */
    run_one(top, arr, NULL, "\"duration_ms\": {\"dist\": \"exponential\", \"mean\": 1000},"
            " \"keep_alive\": {\"policy\": \"fixed\", \"idle_s\": 5}, \"provisioned_concurrency\": 20",
            &spec, &with);
    ck_assert_double_eq(run_value(&with, "functions.f.cold_starts", NULL), 0);
    ck_assert_double_eq(run_value(&with, "functions.f.provisioned_invocations", NULL),
                        run_value(&with, "functions.f.invocations", NULL));
    /* 20 x 128 MB for a 730-hour month at $0.0000041667 per GB-s. */
    ck_assert_double_eq_tol(run_value(&with, "cost.by_line.lambda_provisioned_concurrency", NULL),
                            round(20 * 0.125 * 730 * 3600 * 0.0000041667 * 100) / 100, 1e-9);
    /* Provisioned instances are instances: 20 at all times. */
    ck_assert_double_eq_tol(run_value(&with, "functions.f.mean_instances", NULL), 20, 1e-6);
    support_done(spec, &with);
}
END_TEST

START_TEST(function_timeout_fails_the_invocation_and_bills_the_timeout)
{
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 1000, \"seed\": 2, \"replications\": 2",
            "{\"process\": \"constant\", \"rate_per_s\": 1}", NULL,
            "\"memory_mb\": 1024, \"duration_ms\": 5000, \"timeout_s\": 3, \"cold_start_ms\": 0",
            &spec, &res);
    double inv = run_value(&res, "functions.f.invocations", NULL);
    ck_assert_double_eq(run_value(&res, "functions.f.timeouts", NULL), inv);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.billed_gb_s", NULL), inv * 3.0, 1e-6);
    double ended = run_value(&res, "requests.timed_out", NULL) + run_value(&res, "requests.in_flight", NULL);
    ck_assert_double_eq(ended, run_value(&res, "requests.arrived", NULL));
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(client_that_gives_up_leaves_the_function_running_and_billed)
{
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 1000, \"seed\": 2, \"replications\": 2",
            "{\"process\": \"constant\", \"rate_per_s\": 1}", "{\"timeout_ms\": 1000}",
            "\"memory_mb\": 512, \"duration_ms\": 2000, \"timeout_s\": 10, \"cold_start_ms\": 0",
            &spec, &res);
    double inv = run_value(&res, "functions.f.invocations", NULL);
    ck_assert_double_eq(run_value(&res, "functions.f.timeouts", NULL), 0);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.billed_gb_s", NULL), inv * 2.0 * 0.5, 1e-6);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), 0);
    ck_assert_double_ge(run_value(&res, "requests.timed_out", NULL), run_value(&res, "requests.arrived", NULL) - 1);
    support_done(spec, &res);
}
END_TEST

START_TEST(scale_rate_throttles_a_burst_beyond_1000_new_environments)
{
    /* 3,000 requests at once, 5,000 account concurrency: the per-function scale-up bucket
     * (1,000 new environments per 10 s) lets exactly 1,000 start. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 60, \"seed\": 1, \"replications\": 1,"
            " \"platform\": {\"account_concurrency\": 5000}",
            "{\"process\": \"spike\", \"spike_at_s\": 5, \"burst_count\": 3000}", NULL,
            "\"duration_ms\": 5000, \"timeout_s\": 10", &spec, &res);
    ck_assert_double_eq(run_value(&res, "requests.arrived", NULL), 3000);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 1000);
    ck_assert_double_eq(run_value(&res, "functions.f.throttles", NULL), 2000);
    ck_assert_double_eq(run_value(&res, "requests.throttled", NULL), 2000);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 1000);
    support_done(spec, &res);
}
END_TEST

START_TEST(reserved_concurrency_of_one_function_shrinks_the_others_pool)
{
    /* Account 1,000; "other" reserves 300, so unreserved "f" can run at most 700. */
    char json[4096];
    support_scenario(json, sizeof json, "model/reserved-concurrency-of-one-function-shrinks-the-others-pool.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 700);
    ck_assert_double_eq(run_value(&res, "functions.f.throttles", NULL), 200);
    support_done(spec, &res);
}
END_TEST

/* Forty sources, each to its own function of a fixed handler time (10 ms x (i + 1)), kept
 * warm after the first start: every source's latency histogram holds exactly its own
 * completed requests, and its median is its function's time. With more sources than the
 * 32 observations a world holds back before adding them (world_flush_latency), this checks
 * that none is lost, none lands on another source and the last ones are added at the end. */
START_TEST(each_source_latency_is_its_own_with_many_sources)
{
    enum { SOURCES = 40 };
    static char json[32768];
    size_t k = (size_t)snprintf(json, sizeof json, "{\"duration_s\": 200, \"warmup_s\": 0, \"seed\": 5, "
                                "\"replications\": 1, \"traffic\": [");
    for (int i = 0; i < SOURCES; i++)
        k += (size_t)snprintf(json + k, sizeof json - k, "%s{\"name\": \"s%d\", \"target\": \"f%d\", \"arrivals\": "
                              "{\"process\": \"constant\", \"rate_per_s\": %d}}", i ? ", " : "", i, i, 1 + i % 3);
    k += (size_t)snprintf(json + k, sizeof json - k, "], \"components\": [");
    for (int i = 0; i < SOURCES; i++)
        k += (size_t)snprintf(json + k, sizeof json - k, "%s{\"name\": \"f%d\", \"kind\": \"function\", "
                              "\"duration_ms\": %d, \"keep_alive\": {\"policy\": \"forever\"}}", i ? ", " : "", i,
                              10 * (i + 1));
    snprintf(json + k, sizeof json - k, "]}");
    ck_assert_uint_lt(k + 3, sizeof json);
    char err[1024] = "";
    world_spec *spec = support_load_text(json, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    world w = { 0 };
    ck_assert_msg(world_run(&w, spec, 0, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(w.pending_n, 0);                  /* nothing held back after the run */
    uint64_t counted = 0;
    for (int i = 0; i < SOURCES; i++) {
        const hist *h = world_source_latency(&w, (size_t)i);
        ck_assert_ptr_nonnull(h);
        /* its function's requests, all of them: the first (cold) is the max, the rest warm */
        double p50 = hist_quantile(h, 0.5), d = 10.0 * (i + 1);
        ck_assert_msg(fabs(p50 - d) <= 0.01 * d, "source %d: p50 %g, handler %g ms", i, p50, d);
        ck_assert_msg(h->min >= d - 1e-9 && h->min <= d + 1e-6, "source %d: min %g, handler %g ms", i, h->min, d);
        ck_assert_uint_ge(h->count, 200u * (1 + i % 3) - 2);
        counted += h->count;
    }
    /* every completed request is in exactly one source's histogram */
    ck_assert_uint_eq(counted, w.counts.completed);
    world_free(&w);
    world_spec_free(spec);
}
END_TEST

START_TEST(reservation_that_leaves_under_100_unreserved_is_rejected)
{
    char err[1024] = "";
    world_spec *spec = support_load_text(
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        " \"reserved_concurrency\": 950}]}", err, sizeof err);
    ck_assert_ptr_null(spec);
    ck_assert_msg(strstr(err, "components[0].reserved_concurrency") != NULL, "%s", err);
}
END_TEST

START_TEST(duration_scales_with_cpu_share_of_memory)
{
    /* Measured at 1,769 MB (1 vCPU), run at 884.5 MB would be half the CPU; at 896 MB the
     * CPU share is 896/1769, so a fully CPU-bound handler takes 1769/896 times longer, and
     * a half CPU-bound one (1 + 1769/896) / 2 times. */
    world_spec *spec;
    run_result res;
    const char *top = "\"duration_s\": 500, \"seed\": 1, \"replications\": 1";
    const char *arr = "{\"process\": \"constant\", \"rate_per_s\": 1}";
    run_one(top, arr, NULL, "\"memory_mb\": 896, \"reference_memory_mb\": 1769, \"duration_ms\": 100,"
            " \"cold_start_ms\": 0", &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.mean_duration_ms", NULL), 100 * 1769.0 / 896, 1e-6);
    support_done(spec, &res);
    run_one(top, arr, NULL, "\"memory_mb\": 896, \"reference_memory_mb\": 1769, \"duration_ms\": 100,"
            " \"cpu_bound_fraction\": 0.5, \"cold_start_ms\": 0", &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.mean_duration_ms", NULL),
                            100 * (0.5 + 0.5 * 1769.0 / 896), 1e-6);
    support_done(spec, &res);
    /* Above one vCPU, single-threaded code gains nothing. */
    run_one(top, arr, NULL, "\"memory_mb\": 4096, \"reference_memory_mb\": 1769, \"duration_ms\": 100,"
            " \"cold_start_ms\": 0", &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.mean_duration_ms", NULL), 100, 1e-6);
    support_done(spec, &res);
}
END_TEST

START_TEST(default_keep_alive_is_uniform_between_5_and_7_minutes)
{
    /* Arrivals every 360 s, 10 ms handler, no init: the instance is gone when its
     * keep-alive U(300, 420) is shorter than the 359.99 s gap: P = 59.99/120. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 360000, \"seed\": 8, \"replications\": 10",
            "{\"process\": \"constant\", \"rate_per_s\": 0.002777777777777778}", NULL,
            "\"duration_ms\": 10, \"cold_start_ms\": 0", &spec, &res);
    /* Each invocation is cold or not independently (a fresh draw per idle period), so the
     * pooled count is binomial: its Wilson interval at z = 3.89 (99.99%) must hold P. (The
     * replications' t interval, from 10 shares, is itself noisy: one seed's came out at a
     * third of the binomial width.) */
    double cold = 0, inv = 0;
    for (uint32_t r = 0; r < spec->replications; r++) {
        cold += support_row_value(&res, r, "functions.f.cold_starts");
        inv += support_row_value(&res, r, "functions.f.invocations");
    }
    double lo, hi, ref = 59.99 / 120;
    fit_wilson((uint64_t)cold, (uint64_t)inv, 3.89, &lo, &hi);
    ck_assert_msg(inv >= 9990, "%g invocations", inv);
    ck_assert_msg(lo <= ref && ref <= hi, "cold share %.4f (99.99%% [%.4f, %.4f] over %g invocations), expected %.4f",
                  cold / inv, lo, hi, inv, ref);
    if (support_verbose())
        printf("model: default keep-alive cold share %.4f [%.4f, %.4f], reference %.4f\n", cold / inv, lo, hi, ref);
    support_done(spec, &res);
}
END_TEST

/* keep_alive "none" unloads an environment when its execution ends: every invocation is
 * cold. "forever" never unloads one: each environment is cold once, so cold starts equal
 * the most environments ever busy at once. */
START_TEST(keep_alive_none_and_forever_bound_cold_starts)
{
    char json[1024];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "model/keep-alive-none-and-forever-bound-cold-starts.json",
                         "components.f.keep_alive.policy=none");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < 3; r++) {
        double inv = support_row_value(&res, r, "functions.f.invocations");
        ck_assert(inv > 30000);
        ck_assert_double_eq(support_row_value(&res, r, "functions.f.cold_starts"), inv);
        ck_assert_double_eq(support_row_value(&res, r, "functions.f.idle_gb_s"), 0);
    }
    support_done(spec, &res);
    support_scenario_set(json, sizeof json, "model/keep-alive-none-and-forever-bound-cold-starts.json",
                         "components.f.keep_alive.policy=forever");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < 3; r++)
        ck_assert_double_eq(support_row_value(&res, r, "functions.f.cold_starts"),
                            support_row_value(&res, r, "functions.f.max_concurrency"));
    support_done(spec, &res);
}
END_TEST

START_TEST(keep_alive_units_refuse_what_they_do_not_model)
{
    support_assert_refused("model",
        "{\"platform\": {\"provider\": \"gcp-cloud-run\"},"
        " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"concurrency\": 4,"
        "   \"keep_alive\": {\"policy\": \"hybrid\", \"scope\": \"instance\"}}]}",
        "components[0].keep_alive.scope", "one request per instance");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"provisioned_concurrency\": 2, \"keep_alive\": {\"policy\": \"fixed\", \"scope\": \"app\"}}]}",
        "components[0].provisioned_concurrency", "scope");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"keep_alive\": {\"policy\": \"hybrid\", \"head_percentile\": 50, \"tail_percentile\": 10}}]}",
        "components[0].keep_alive.tail_percentile", "head_percentile");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"keep_alive\": {\"policy\": \"sometimes\"}}]}",
        "components[0].keep_alive.policy", "hybrid");
    /* Greedy-Dual's frequency belongs to it; on_full names its choices. */
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"keep_alive\": {\"policy\": \"fixed\", \"pool_gb\": 4, \"frequency\": \"container\"}}]}",
        "components[0].keep_alive.frequency", "unknown key");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"keep_alive\": {\"policy\": \"greedy-dual\", \"scope\": \"instance\", \"on_full\": \"wait\"}}]}",
        "components[0].keep_alive.on_full", "queue");
    /* A container the host cannot hold would wait for ever at the head of its queue. */
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"memory_mb\": 4096,"
        "   \"keep_alive\": {\"policy\": \"fixed\", \"pool_gb\": 2, \"on_full\": \"queue\"}}]}",
        "components[0].keep_alive.pool_gb", "cannot hold one container");
}
END_TEST

/* Azure Consumption adds an instance at most once a second for HTTP triggers and once every
 * 30 s for the others (platform-facts.md). Each 590-s invocation needs a new instance, one
 * arrives a second for 150 s: HTTP gets one instance a second (the bucket starts with 10),
 * a queue trigger one every 30 s. */
START_TEST(azure_scales_non_http_triggers_once_every_30_seconds)
{
    char json[1024];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "model/azure-scales-non-http-triggers-once-every-30-seconds.json",
                         "components.f.trigger=queue");
    support_run_text(json, 0, &spec, &res);
    double queue_cold = run_value(&res, "functions.f.cold_starts", NULL);
    support_done(spec, &res);
    support_scenario_set(json, sizeof json, "model/azure-scales-non-http-triggers-once-every-30-seconds.json",
                         "components.f.trigger=http");
    support_run_text(json, 0, &spec, &res);
    double http_cold = run_value(&res, "functions.f.cold_starts", NULL);
    support_done(spec, &res);
    ck_assert_msg(queue_cold >= 5 && queue_cold <= 6, "queue trigger: %g instances", queue_cold);
    ck_assert_msg(http_cold >= 149 && http_cold <= 150, "http trigger: %g instances", http_cold);
}
END_TEST

/* Greedy-Dual keep-alive (FaasCache) on a host with room for two of three 1-GB functions,
 * each invoked every 10 s: the one with a 10-s cold start keeps the highest priority
 * (frequency x cost / memory) and stays loaded, so it is cold once; the two cheap ones
 * (100 ms) evict each other, so every one of their invocations is cold. With room for all
 * three it is "forever": each is cold once. */
START_TEST(greedy_dual_keeps_the_costly_function_and_thrashes_the_cheap_ones)
{
    char json[2048];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "model/greedy-dual-keeps-the-costly-function-and-thrashes-the-cheap-ones.json",
                         "components.a.keep_alive.pool_gb=2");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < 2; r++) {
        ck_assert_double_eq(support_row_value(&res, r, "functions.a.cold_starts"), 1);
        for (const char *const *fn = (const char *const[]){ "b", "c", NULL }; *fn; fn++) {
            char inv[64], cold[64];
            snprintf(inv, sizeof inv, "functions.%s.invocations", *fn);
            snprintf(cold, sizeof cold, "functions.%s.cold_starts", *fn);
            ck_assert_double_eq(support_row_value(&res, r, cold), support_row_value(&res, r, inv));
        }
        ck_assert(support_row_value(&res, r, "functions.b.evictions") +
                  support_row_value(&res, r, "functions.c.evictions") >=
                  support_row_value(&res, r, "platform.cold_starts") - 3);
        ck_assert_double_eq(support_row_value(&res, r, "functions.a.evictions"), 0);
    }
    support_done(spec, &res);
    support_scenario_set(json, sizeof json, "model/greedy-dual-keeps-the-costly-function-and-thrashes-the-cheap-ones.json",
                         "components.a.keep_alive.pool_gb=3");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < 2; r++)
        ck_assert_double_eq(support_row_value(&res, r, "platform.cold_starts"), 3);
    support_done(spec, &res);
}
END_TEST

/* A host of 2 GB holding one 1-GB container per execution (keep_alive.scope "instance" with
 * pool_gb, FaasCache's server). Worked by hand:
 * - one function, 25-s executions every 10 s: the first two arrivals load a container each
 *   (cold); every third finds both running and the host full, so it is dropped (not
 *   throttled); the others reuse the container freed 5 s before. 30 arrivals: 2 cold, 10
 *   dropped, 20 run. With room for three: 3 cold, none dropped.
 * - a (5-s cold start), b and c (100 ms) each every 10 s, at 0, 3 and 6 s past: under a
 *   600-s window the host evicts the idle container that expires soonest (the least
 *   recently used): b's and c's every invocation is cold, and a's every other one (a
 *   cold a runs past b's arrival, so b evicts c, c evicts b, and a is warm at +10; then b
 *   evicts c, c evicts a, a evicts b). Greedy-Dual keeps a (priority clock + frequency x
 *   5,000 ms / 1 GB against b's and c's 100, their frequency reset by each eviction): a is
 *   cold once. */
START_TEST(a_host_of_containers_drops_and_evicts_as_worked_by_hand)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "model/host-pool-drops-every-third.json", "%s", "");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "requests.arrived", NULL), 30);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 2);
    ck_assert_double_eq(run_value(&res, "functions.f.dropped_for_memory", NULL), 10);
    ck_assert_double_eq(run_value(&res, "functions.f.throttles", NULL), 0);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 20);
    double gb = run_value(&res, "functions.f.memory_gb_mean", NULL);
    ck_assert_msg(gb > 1.9 && gb <= 2.0, "two containers held nearly throughout: %g GB", gb);
    ck_assert_double_eq(run_value(&res, "functions.f.host_memory_gb_max", NULL), 2);
    support_done(spec, &res);
    /* on_full "throttle": the same requests refused, counted as throttles instead. */
    support_scenario_set(json, sizeof json, "model/host-pool-drops-every-third.json", "components.f.keep_alive.on_full=throttle");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.throttles", NULL), 10);
    ck_assert_double_eq(run_value(&res, "functions.f.dropped_for_memory", NULL), 0);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 20);
    support_done(spec, &res);
    /* on_full "queue": each container serves back to back, at 0, 25, 50, ... and 10, 35,
     * 60, ... s (12 starts each in 300 s); every arrival but the first two waits, the n-th
     * (from 0) for 5 x floor(n / 2) s. 22 complete, at a mean of 25 + 5 x 5 = 50 s; 6
     * still wait at the end (saturated). With a 1-s client timeout every third arrival
     * gives up waiting, as many as were dropped. */
    support_scenario_set(json, sizeof json, "model/host-pool-drops-every-third.json", "components.f.keep_alive.on_full=queue");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 24);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 2);
    ck_assert_double_eq(run_value(&res, "functions.f.memory_waits", NULL), 28);
    ck_assert_double_eq(run_value(&res, "functions.f.memory_waiting_at_end", NULL), 6);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), 22);
    ck_assert_double_eq_tol(run_value(&res, "latency_ms.mean", NULL), 50000, 1e-6);
    ck_assert_double_eq(run_value(&res, "functions.f.dropped_for_memory", NULL), 0);
    support_done(spec, &res);
    support_scenario_set(json, sizeof json, "model/host-pool-drops-every-third.json",
                         "components.f.keep_alive.on_full=queue\ntraffic.t.client.timeout_ms=1000");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.memory_waits", NULL), 10);
    ck_assert_double_eq(run_value(&res, "functions.f.memory_wait_timeouts", NULL), 10);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 20);
    support_done(spec, &res);
    support_scenario_set(json, sizeof json, "model/host-pool-drops-every-third.json", "components.f.keep_alive.pool_gb=3");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 3);
    ck_assert_double_eq(run_value(&res, "functions.f.dropped_for_memory", NULL), 0);
    support_done(spec, &res);

    static const char *const lru =
        "components.a.keep_alive={\"policy\": \"fixed\", \"idle_s\": 600, \"pool_gb\": 2}\n"
        "components.b.keep_alive={\"policy\": \"fixed\", \"idle_s\": 600, \"pool_gb\": 2}\n"
        "components.c.keep_alive={\"policy\": \"fixed\", \"idle_s\": 600, \"pool_gb\": 2}";
    double cold[2][3];
    for (int policy = 0; policy < 2; policy++) {
        support_scenario_set(json, sizeof json, "model/host-pool-greedy-dual-against-lru.json", "%s",
                             policy ? lru : "");
        support_run_text(json, 0, &spec, &res);
        ck_assert_double_eq(run_value(&res, "functions.a.invocations", NULL), 300);
        for (int k = 0; k < 3; k++) {
            char name[64];
            snprintf(name, sizeof name, "functions.%c.cold_starts", 'a' + k);
            cold[policy][k] = run_value(&res, name, NULL);
        }
        ck_assert_double_eq(run_value(&res, "functions.b.invocations", NULL), 299);
        ck_assert_double_eq(run_value(&res, "functions.a.dropped_for_memory", NULL), 0);
        ck_assert_double_eq(run_value(&res, "functions.a.evictions", NULL), policy ? 150 : 0);
        ck_assert_double_eq(run_value(&res, "functions.a.host_memory_gb_max", NULL), 2);
        support_done(spec, &res);
    }
    ck_assert_double_eq(cold[0][0], 1);       /* Greedy-Dual keeps the costly one */
    ck_assert_double_eq(cold[1][0], 150);     /* LRU: every other one */
    for (int policy = 0; policy < 2; policy++) {
        ck_assert_double_eq(cold[policy][1], 299);
        ck_assert_double_eq(cold[policy][2], 299);
    }
}
END_TEST

/* A host's queue for memory (on_full "queue") on 1 GB, worked by hand: f (768 MB) runs
 * from 0 to 400 s; big (1 GB) arrives at 1.x s and cannot fit until then, so it waits at the
 * head until its caller gives up at 5 s; g (256 MB, at 2.x s) waited behind it and fits at
 * once when the head goes: its latency 1.x + 5 - 2.x + 0.1 s, 3.9 to 4.2 s (not f's 400 s).
 * e's asynchronous event (512 MB, at 3.x s) never fits beside f, even with g's idle
 * container evicted: it expires at its max_event_age_s (60 s) as a throttled event would. */
START_TEST(a_host_queue_serves_the_next_when_its_head_gives_up)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "model/host-pool-queue-head-timeout.json", "%s", "");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.big.memory_wait_timeouts", NULL), 1);
    ck_assert_double_eq(run_value(&res, "functions.big.invocations", NULL), 0);
    ck_assert_double_eq(run_value(&res, "functions.g.memory_waits", NULL), 1);
    ck_assert_double_eq(run_value(&res, "functions.g.invocations", NULL), 1);
    double g_ms = run_value(&res, "latency_ms.max", NULL);
    ck_assert_msg(g_ms > 3900 && g_ms < 4200, "g served when the head gave up: %.1f ms", g_ms);
    ck_assert_double_eq(run_value(&res, "functions.e.memory_wait_timeouts", NULL), 1);
    ck_assert_double_eq(run_value(&res, "functions.e.async_expired", NULL), 1);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), 1);
    support_done(spec, &res);
}
END_TEST

/* Greedy-Dual's frequency per container, on a 3-GB host of 1-GB containers (a CSV trace).
 * Worked by hand: h's two 5-s runs at 0 and 1 s leave two containers, H1 idle from 5 s and
 * H2 from 6 s; h then runs every 10 s on H2 (the most recent idle), g (cold start 150 ms
 * against h's 100) every 20 s from 15 s, k every 20 s from 25 s. g loads the third GB at
 * 15 s; k at 25 s must evict. With the function's frequency (the published policy) H1's
 * priority is 2 x 100 (h's two executions when it went idle) and G's 1 x 150: G goes, and
 * g at 35 s is cold again and evicts H1 (its priority not refreshed since 5 s). With each
 * container's own, H1's is 1 x 100: H1 goes at 25 s and g stays warm. Either way nothing is
 * evicted afterwards. */
START_TEST(greedy_dual_per_container_frequency_evicts_the_spare_container)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    char cwd[2048];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    for (int per = 0; per < 2; per++) {
        /* the trace beside the fixture (the scenario is read from a temporary folder) */
        support_scenario_set(json, sizeof json, "model/host-pool-gd-frequency.json",
                             "traffic.t.arrivals.file=%s/tests/scenarios/model/host-pool-gd-frequency.csv%s", cwd, per ?
                             "\ncomponents.h.keep_alive.frequency=container"
                             "\ncomponents.g.keep_alive.frequency=container"
                             "\ncomponents.k.keep_alive.frequency=container" : "");
        support_run_text(json, 0, &spec, &res);
        ck_assert_double_eq(run_value(&res, "functions.h.invocations", NULL), 31);
        ck_assert_double_eq(run_value(&res, "functions.h.cold_starts", NULL), 2);
        ck_assert_double_eq(run_value(&res, "functions.h.evictions", NULL), 1);
        ck_assert_double_eq(run_value(&res, "functions.g.cold_starts", NULL), per ? 1 : 2);
        ck_assert_double_eq(run_value(&res, "functions.g.evictions", NULL), per ? 0 : 1);
        ck_assert_double_eq(run_value(&res, "functions.k.cold_starts", NULL), 1);
        ck_assert_double_eq(run_value(&res, "functions.k.evictions", NULL), 0);
        support_done(spec, &res);
    }
}
END_TEST

/* The hybrid policy per container (scope "instance") on a 1-GB host of two 1-GB functions.
 * Worked by hand: f runs 100 ms every 100 s from a random phase until 1,000 s, so each
 * idle time is 99.9 s, in the histogram's second 60-s bin; from the fifth on, the window is
 * (1 + 1) x 60 s x 1.1 = 132 s after an execution ends (pre-warm is for units only). f's
 * last container of that series goes 132 s after it ends, before g arrives at 1,150 s: g
 * evicts nothing, and f at 1,200 s is cold again (2 cold starts) and evicts g (kept by its
 * not yet representative histogram's fallback window). f's idle time: 9 x 99.9 s + 132 s
 * + the 99.9 s after its last execution less its phase in [0, 1) s. A fixed 600-s window
 * on the same host: g evicts f's container instead (still 2 cold); without the host f is
 * cold once. */
START_TEST(the_hybrid_policy_per_container_keeps_its_learned_window)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "model/host-pool-hybrid.json", "%s", "");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 11);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 2);
    ck_assert_double_eq(run_value(&res, "functions.f.evictions", NULL), 0);
    ck_assert_double_eq(run_value(&res, "functions.g.evictions", NULL), 1);
    double idle = run_value(&res, "functions.f.idle_instance_s", NULL);
    ck_assert_msg(idle > 9 * 99.9 + 132 + 99.9 - 1 - 1e-6 && idle <= 9 * 99.9 + 132 + 99.9 + 1e-6,
                  "f idles 1,130 to 1,131 s: %.4f", idle);
    support_done(spec, &res);
    static const char *const fixed =
        "components.f.keep_alive={\"policy\": \"fixed\", \"idle_s\": 600, \"pool_gb\": 1}\n"
        "components.g.keep_alive={\"policy\": \"fixed\", \"idle_s\": 600, \"pool_gb\": 1}";
    support_scenario_set(json, sizeof json, "model/host-pool-hybrid.json", "%s", fixed);
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 2);
    ck_assert_double_eq(run_value(&res, "functions.f.evictions", NULL), 1);
    support_done(spec, &res);
    support_scenario_set(json, sizeof json, "model/host-pool-hybrid.json", "%s",
                         "components.f.keep_alive={\"policy\": \"fixed\", \"idle_s\": 600}\n"
                         "components.g.keep_alive={\"policy\": \"fixed\", \"idle_s\": 600}");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 1);
    support_done(spec, &res);
}
END_TEST

/* A deployment (all at once) retires every warm environment: the minute after it starts
 * about as many environments cold as the very first minute did (the pool is rebuilt), where
 * the same minute without a deployment has almost none. */
START_TEST(a_deployment_makes_a_cold_start_wave)
{
    char json[1024];
    double wave[2], first[2];
    for (int with = 0; with < 2; with++) {
        support_scenario_set(json, sizeof json, "model/a-deployment-makes-a-cold-start-wave.json",
                             "%s",
                             with ? "components.f.deployments=[{\"at_s\": 600}]" : "");
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        wave[with] = first[with] = 0;
        for (uint32_t r = 0; r < 4; r++) {
            const double *cold = res.ts + ((size_t)r * TS_COLUMNS + TS_COLD_STARTS) * res.bins;
            first[with] += cold[0] / 4;
            wave[with] += cold[10] / 4;       /* [600, 660) */
        }
        ck_assert_double_eq(run_value(&res, "functions.f.deployments", NULL), with);
        support_done(spec, &res);
    }
    if (support_verbose())
        fprintf(stderr, "model: cold starts in the first minute %.2f, the minute after a deployment %.2f, "
                "the same minute without one %.2f\n", first[1], wave[1], wave[0]);
    ck_assert(wave[0] < 2);
    ck_assert(wave[1] >= 0.7 * first[1] && wave[1] <= 1.3 * first[1]);
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"deployments\": [{\"at_s\": 600}, {\"at_s\": 300}]}]}",
        "components[0].deployments[1].at_s", "after the previous deployment");
}
END_TEST

/* Canary and linear deployments (CodeDeploy's Canary10Percent5Minutes and
 * Linear10PercentEvery1Minute) at 20 invocations/s. A canary whose version fails 20% of
 * the time trips a 5% alarm at its first 60-s check: the new version served its share for
 * one window, 0.1 x 20 x 60 = 120 invocations, 24 of them errors, and nothing after (the
 * old version has error_rate 0). A healthy canary runs its 300 s: 0.1 x 20 x 300 = 600.
 * A linear deployment serves 10%, 20%, ... 90% for a minute each: 20 x 60 x 4.5 = 5,400. */
START_TEST(canary_and_linear_deployments_shift_traffic_and_roll_back)
{
    static const struct {
        const char *deployment;
        double rollbacks, invocations, errors;
    } cases[] = {
        { "{\"at_s\": 300, \"strategy\": \"canary\", \"error_rate\": 0.2,"
          " \"alarm\": {\"error_rate\": 0.05, \"window_s\": 60}}", 1, 120, 24 },
        { "{\"at_s\": 300, \"strategy\": \"canary\", \"alarm\": {\"error_rate\": 0.05}}", 0, 600, 0 },
        { "{\"at_s\": 300, \"strategy\": \"linear\"}", 0, 5400, 0 },
    };
    char json[2048];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        support_scenario_set(json, sizeof json, "model/canary-and-linear-deployments-shift-traffic-and-roll-back.json",
                             "components.f.deployments=[%s]",
                             cases[c].deployment);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        double hw;
        for (uint32_t r = 0; r < spec->replications; r++)
            ck_assert_double_eq(support_row_value(&res, r, "functions.f.rollbacks"), cases[c].rollbacks);
        double inv = support_figure_ci(&res, "functions.f.new_version_invocations", &hw);
        support_assert_within_ci("model", "new-version invocations while deploying", inv, hw, cases[c].invocations);
        double err = support_figure_ci(&res, "functions.f.new_version_errors", &hw);
        if (cases[c].errors > 0)
            support_assert_within_ci("model", "new-version errors before the rollback", err, hw, cases[c].errors);
        else
            ck_assert_double_eq(err, 0);
        /* Every error is the new version's (the old one never fails). */
        ck_assert_double_eq(run_value(&res, "functions.f.errors", NULL), err);
        support_done(spec, &res);
    }
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"deployments\": [{\"at_s\": 60, \"alarm\": {}}]}]}",
        "components[0].deployments[0].alarm", "canary or linear");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"deployments\": [{\"at_s\": 60, \"strategy\": \"linear\"}, {\"at_s\": 300}]}]}",
        "components[0].deployments[1].at_s", "after the previous deployment has finished (600 s)");
}
END_TEST

/* Shifting traffic a step at a time spreads the cold-start wave: in the minute after the
 * deployment starts, a linear rollout starts a fraction of the environments all at once
 * does (its 10% needs about a tenth of the pool), and it rebuilds the pool over 9 minutes. */
START_TEST(a_linear_deployment_spreads_the_cold_start_wave)
{
    double wave[2], total[2];
    const char *strategies[] = { "all-at-once", "linear" };
    char json[1024];
    for (int k = 0; k < 2; k++) {
        support_scenario_set(json, sizeof json, "model/a-linear-deployment-spreads-the-cold-start-wave.json",
                             "components.f.deployments[0].strategy=%s",
                             strategies[k]);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        wave[k] = total[k] = 0;
        for (uint32_t r = 0; r < spec->replications; r++) {
            const double *cold = res.ts + ((size_t)r * TS_COLUMNS + TS_COLD_STARTS) * res.bins;
            wave[k] += cold[10] / spec->replications;           /* [600, 660) */
            for (int b = 10; b < 20; b++)
                total[k] += cold[b] / spec->replications;       /* [600, 1200) */
        }
        support_done(spec, &res);
    }
    if (support_verbose())
        fprintf(stderr, "model: cold starts the minute after a deployment: all at once %.2f, linear %.2f; "
                "over 10 minutes %.2f and %.2f\n", wave[0], wave[1], total[0], total[1]);
    ck_assert(wave[1] < 0.35 * wave[0]);
    /* Both rebuild the pool once (the linear one a little more: two pools overlap). */
    ck_assert(total[1] >= 0.7 * total[0] && total[1] <= 2.0 * total[0]);
}
END_TEST

/* An edge function (Lambda@Edge, viewer trigger: 128 MB) against the same function in the
 * region, 100 requests/s for an hour, 10-ms handlers, clients 80 ms from the region and
 * 20 ms from the nearest edge location. Latency: the round trip plus the handler, exactly.
 * Bill for a 730-h month (262.8M requests, 262.8M x 0.01 s x 0.125 GB = 328,500 GB-s):
 * edge $0.60/M and $0.00005001/GB-s = $157.68 + $16.43; region $0.20/M and
 * $0.0000166667/GB-s = $52.56 + $5.48 (AWS Lambda and CloudFront pricing pages). */
START_TEST(an_edge_function_is_nearer_and_dearer)
{
    static const struct {
        const char *edge;
        double latency, requests_line, duration_line;
        const char *req_key, *dur_key;
    } cases[] = {
        { "viewer", 30, 157.68, 16.43, "cost.by_line.lambda_edge_requests", "cost.by_line.lambda_edge_duration" },
        { "none", 90, 52.56, 5.48, "cost.by_line.lambda_requests", "cost.by_line.lambda_duration" },
    };
    char json[2048];
    for (size_t c = 0; c < 2; c++) {
        support_scenario_set(json, sizeof json, "model/an-edge-function-is-nearer-and-dearer.json",
                             "components.f.edge=%s",
                             cases[c].edge);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        ck_assert_double_eq_tol(run_value(&res, "latency_ms.mean", NULL), cases[c].latency, 1e-6);
        ck_assert_double_eq_tol(run_value(&res, cases[c].req_key, NULL), cases[c].requests_line, 0.011);
        ck_assert_double_eq_tol(run_value(&res, cases[c].dur_key, NULL), cases[c].duration_line, 0.011);
        ck_assert_double_eq_tol(run_value(&res, "cost.monthly_total", NULL), cases[c].requests_line + cases[c].duration_line, 0.03);
        support_done(spec, &res);
    }
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"memory_mb\": 512, \"edge\": \"viewer\"}]}",
        "components[0].memory_mb", "at most 128 MB");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"edge\": \"origin\", \"architecture\": \"arm64\"}]}",
        "components[0].architecture", "x86_64 only");
}
END_TEST

/* Provisioned concurrency on a daily schedule (Application Auto Scaling's scheduled
 * actions): 10 instances of 1 GB from 08:00 to 20:00, none at night, over two days at a
 * steady 2 requests/s of 500 ms. On average 10 x 12/24 = 5 instances are configured; the
 * bill's capacity line is 10 instances x 43,200 s a day = 432,000 GB-s a day, over a
 * 730-h month 13,140,000 GB-s x $0.0000041667 = $54.75; in the day every invocation finds
 * an idle provisioned instance (1 busy on average, 10 configured), at night none does:
 * half the invocations run on provisioned instances. */
START_TEST(provisioned_concurrency_follows_a_daily_schedule)
{
    char json[4096];
    support_scenario(json, sizeof json, "model/provisioned-concurrency-follows-a-daily-schedule.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw;
    ck_assert_double_eq_tol(run_value(&res, "functions.f.mean_provisioned", NULL), 5, 1e-9);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_provisioned_concurrency", NULL), 54.75, 0.0051);
    double share = support_ratio_ci(&res, "functions.f.provisioned_invocations", "functions.f.invocations", &hw);
    support_assert_within_ci("model", "invocations on scheduled provisioned instances", share, hw, 0.5);
    support_done(spec, &res);
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"provisioned_concurrency\": 2,"
        "   \"provisioned_schedule\": {\"actions\": [{\"at_hour\": 8, \"count\": 1}]}}]}",
        "components[0].provisioned_schedule", "leave provisioned_concurrency out");
    support_assert_refused("model",
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10,"
        "   \"provisioned_schedule\": {\"actions\": [{\"at_hour\": 8, \"count\": 1}, {\"at_hour\": 6, \"count\": 0}]}}]}",
        "components[0].provisioned_schedule.actions[1].at_hour", "after the previous action");
}
END_TEST

/* A Lambda cold start is platform time (not billed) and init (billed): with keep-alive
 * "none" every invocation is one. Defaults: init a lognormal through lambda-perf's December
 * 2025 median and p99 for the runtime and architecture (nodejs x86_64: 139.9 and 208.7 ms),
 * a package's modules adding 98.8 ms per MB on nodejs; platform a lognormal (100, 400 ms)
 * plus 6 ms per MB of download. init_ms_mean is the init's closed-form mean, and
 * cold_start_ms_mean adds the platform's; billed GB-s hold init and handler only. */
START_TEST(a_cold_start_is_platform_time_then_billed_init)
{
    const char *fmt =
        "{\"name\": \"init\", \"duration_s\": 600, \"seed\": 12, \"replications\": 5,"
        " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 5}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"package_mb\": %d, \"timeout_s\": 30,"
        "   \"memory_mb\": 1024, \"keep_alive\": {\"policy\": \"none\"}, \"duration_ms\": 20}]}";
    for (int mb = 0; mb <= 20; mb += 20) {
        char json[1024];
        snprintf(json, sizeof json, fmt, mb);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        double im = 139.9 + (2200.0 / 21.0 - 6.0) * mb, pm = 100 + 6.0 * mb;
        dist init = dist_lognormal_median_p99(im, im * 208.7 / 139.9);
        dist platform = dist_lognormal_median_p99(pm, pm * 400.0 / 100.0);
        double hw, m = support_figure_ci(&res, "functions.f.init_ms_mean", &hw);
        support_assert_within_ci("model", "mean billed init of the cold starts", m, hw, dist_mean(&init));
        m = support_figure_ci(&res, "functions.f.cold_start_ms_mean", &hw);
        support_assert_within_ci("model", "mean cold start the client waits", m, hw, dist_mean(&init) + dist_mean(&platform));
        ck_assert_double_eq(run_value(&res, "functions.f.cold_start_ratio", NULL), 1);
        /* Billed: every invocation's init and its 20 ms, at 1 GB; the platform time is not. */
        for (uint32_t r = 0; r < spec->replications; r++) {
            double inv = support_row_value(&res, r, "functions.f.invocations");
            double gb_s = support_row_value(&res, r, "functions.f.billed_gb_s");
            double init_mean = support_row_value(&res, r, "functions.f.init_ms_mean");
            ck_assert_double_le(fabs(gb_s - inv * (init_mean + 20) / 1000.0), inv * 0.001 + 1e-9);
        }
        support_done(spec, &res);
    }
}
END_TEST

/* Lambda's billed init by runtime and architecture matches lambda-perf's published means
 * (every sample of 1-23 December 2025; the model is built from their medians and p99s, not
 * their means) within 10%. */
START_TEST(lambda_init_matches_the_published_figures_per_runtime)
{
    static const struct { const char *runtime; double mean[2]; } pub[] = {
        { "nodejs", { 143.6, 119.3 } }, { "python", { 106.0, 87.7 } }, { "java", { 270.6, 244.9 } },
        { "go", { 51.7, 40.1 } },       { "ruby", { 235.6, 221.3 } },  { "dotnet", { 263.4, 280.3 } },
    };
    static const char *const arch[] = { "x86_64", "arm64" };
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
        for (int a = 0; a < 2; a++) {
            char json[1024];
            snprintf(json, sizeof json,
                     "{\"name\": \"rt\", \"duration_s\": 300, \"seed\": 3, \"replications\": 3,"
                     " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 10}}],"
                     " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"runtime\": \"%s\","
                     "   \"architecture\": \"%s\", \"keep_alive\": {\"policy\": \"none\"}, \"duration_ms\": 5}]}",
                     pub[i].runtime, arch[a]);
            world_spec *spec;
            run_result res;
            support_run_text(json, 0, &spec, &res);
            double m = run_value(&res, "functions.f.init_ms_mean", NULL);
            ck_assert_msg(fabs(m / pub[i].mean[a] - 1) < 0.10, "%s %s: init %.1f ms, published mean %.1f",
                          pub[i].runtime, arch[a], m, pub[i].mean[a]);
            support_done(spec, &res);
        }
}
END_TEST

/* SnapStart: a cold start restores a snapshot instead of running init, so the billed part is
 * the restore (a lognormal through 200 and 700 ms, an assumption: AWS publishes "as low as
 * sub-second" only) after the usual platform time. Python pays the snapshot's cache (1 GB x
 * a 730-hour month x $0.0000015046 = $3.95 for one version) and each restore (1 GB x
 * $0.0001397998); Java pays neither. Runtimes without SnapStart, provisioned concurrency,
 * other providers and cold_start_ms are refused. */
START_TEST(snapstart_restores_instead_of_init_and_bills_python_cache_and_restores)
{
    const char *fmt =
        "{\"name\": \"snap\", \"duration_s\": 600, \"seed\": 8, \"replications\": 5,"
        " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 5}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"runtime\": \"%s\", \"memory_mb\": 1024,"
        "   \"keep_alive\": {\"policy\": \"none\"}, \"duration_ms\": 20, \"snapstart\": {}}]}";
    const double month = 730 * 3600.0 / 600;   /* the measured window's months */
    for (int java = 0; java <= 1; java++) {
        char json[1024];
        snprintf(json, sizeof json, fmt, java ? "java" : "python");
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        dist restore = dist_lognormal_median_p99(200, 700), platform = dist_lognormal_median_p99(100, 400);
        double hw, m = support_figure_ci(&res, "functions.f.init_ms_mean", &hw);
        support_assert_within_ci("model", "billed restore of the cold starts", m, hw, dist_mean(&restore));
        m = support_figure_ci(&res, "functions.f.cold_start_ms_mean", &hw);
        support_assert_within_ci("model", "SnapStart cold start the client waits", m, hw,
                                 dist_mean(&restore) + dist_mean(&platform));
        double cache = run_value(&res, "cost.by_line.lambda_snapstart_cache", NULL);
        double restores = run_value(&res, "cost.by_line.lambda_snapstart_restore", NULL);
        if (java) {
            ck_assert_double_eq(cache, 0);
            ck_assert_double_eq(restores, 0);
        } else {
            ck_assert_double_eq_tol(cache, 3.95, 0.0051);
            double cold = run_value(&res, "functions.f.cold_starts", NULL);
            ck_assert_double_eq_tol(restores, cold * month * 0.0001397998, 0.0051);
        }
        support_done(spec, &res);
    }
    static const struct { const char *extra, *key, *words; } bad[] = {
        { "\"runtime\": \"nodejs\", \"snapstart\": {}", "components[0].snapstart", "\"java\", \"python\" and \"dotnet\"" },
        { "\"runtime\": \"java\", \"snapstart\": {}, \"provisioned_concurrency\": 2",
          "components[0].provisioned_concurrency", "does not work with provisioned concurrency" },
        { "\"runtime\": \"java\", \"snapstart\": {}, \"cold_start_ms\": 300", "components[0].snapstart", "not cold_start_ms" },
        { "\"runtime\": \"java\", \"snapstart\": {\"versions\": 0}", "components[0].snapstart.versions", "1" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
                 " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, %s}]}", bad[i].extra);
        support_assert_refused("model", json, bad[i].key, bad[i].words);
    }
    support_assert_refused("model",
        "{\"platform\": {\"provider\": \"azure-flex\"},"
        " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"runtime\": \"java\", \"snapstart\": {}}]}",
        "components[0].snapstart", "Lambda's");
}
END_TEST

/* Other providers' cold starts and keep-alive, as their sources give them: Azure Functions
 * (Consumption) JavaScript a lognormal through Shilkov's median 3.97 s and 95%-range top
 * 12.4 s, none of it billed; its idle instances live 20-30 minutes, so arrivals 25 minutes
 * apart find one alive half the time. Cloud Functions (1st gen) keeps one 15 minutes: 14
 * minutes apart every call is warm, 16 minutes apart every call is cold. Workers count no
 * cold start at all. */
START_TEST(other_providers_cold_starts_and_keep_alive_are_their_own)
{
    const char *fmt =
        "{\"name\": \"p\", \"duration_s\": %g, \"seed\": 5, \"replications\": 4,"
        " \"platform\": {\"provider\": \"%s\"},"
        " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": %g}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 50 %s}]}";
    char json[1024];
    world_spec *spec;
    run_result res;
    /* Azure: every call cold (keep-alive none): the platform's mean, no billed init. */
    snprintf(json, sizeof json, fmt, 3600.0, "azure-consumption", 1.0, ", \"keep_alive\": {\"policy\": \"none\"}");
    support_run_text(json, 0, &spec, &res);
    dist az = dist_lognormal_median_p99(3967, 3967 * pow(12426.0 / 3967, 2.326 / 1.960));
    double hw, m = support_figure_ci(&res, "functions.f.cold_start_ms_mean", &hw);
    support_assert_within_ci("model", "Azure JavaScript cold start", m, hw, dist_mean(&az));
    ck_assert_double_eq(run_value(&res, "functions.f.init_ms_mean", NULL), 0);
    support_done(spec, &res);
    /* Azure keep-alive: 25 minutes apart, P(cold) = P(lifetime < 25 min) = 1/2. */
    snprintf(json, sizeof json, fmt, 40 * 86400.0, "azure-consumption", 1.0 / 1500, "");
    support_run_text(json, 0, &spec, &res);
    m = support_figure_ci(&res, "functions.f.cold_start_ratio", &hw);
    support_assert_within_ci("model", "Azure cold-start ratio at 25-minute gaps", m, hw, 0.5);
    support_done(spec, &res);
    /* Cloud Functions: 15 minutes. */
    for (int gap = 14; gap <= 16; gap += 2) {
        snprintf(json, sizeof json, fmt, 2 * 86400.0, "gcp-functions-gen1", 1.0 / (gap * 60), "");
        support_run_text(json, 0, &spec, &res);
        for (uint32_t r = 0; r < spec->replications; r++) {
            double inv = support_row_value(&res, r, "functions.f.invocations");
            double cold = support_row_value(&res, r, "functions.f.cold_starts");
            ck_assert_msg(gap == 14 ? cold <= 1 : cold == inv, "%d-minute gaps: %g cold of %g", gap, cold, inv);
        }
        support_done(spec, &res);
    }
    /* Workers: no cold start is counted, none is waited for. */
    snprintf(json, sizeof json, fmt, 600.0, "cloudflare-workers", 5.0, ", \"keep_alive\": {\"policy\": \"none\"}");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 0);
    ck_assert(isnan(run_value(&res, "functions.f.cold_start_ms_mean", NULL)));
    support_done(spec, &res);
}
END_TEST

/* Found in review of the deployment, schedule and gateway models:
 * - a deployment starting just as the previous one finishes must not cancel it: version 1
 *   (half its invocations fail) serves 10% from 300 s and everything from 600 s, where
 *   version 2 takes its 10%: 20/s x 0.5 x (0.1 x 300 + 0.9 x 300) = 3,000 failures;
 * - a canary under a reservation of 4 cannot run out of slots (the other version's idle
 *   environments are reclaimed);
 * - a provisioned instance re-created on a reused slot must not take the timeout event of
 *   the slot's previous invocation: both 60-s calls complete;
 * - a cached answer later than the client's timeout is a timeout. */
START_TEST(regressions_from_review_of_deployments_schedules_and_the_gateway)
{
    char tie[4096];
    support_scenario(tie, sizeof tie, "model/review-a-canary-completed-as-the-next-starts.json");
    world_spec *spec;
    run_result res;
    double hw;
    support_run_text(tie, 0, &spec, &res);
    double failed = support_figure_ci(&res, "requests.failed", &hw);
    support_assert_within_ci("model", "failures of a canary completed as the next starts", failed, hw, 3000);
    support_done(spec, &res);

    char slots[4096];
    support_scenario(slots, sizeof slots, "model/review-a-canary-on-a-reserved-pool.json");
    support_run_text(slots, 0, &spec, &res);
    ck_assert_double_gt(run_value(&res, "functions.f.new_version_invocations", NULL), 1000);
    support_done(spec, &res);

    char epoch[4096];
    support_scenario(epoch, sizeof epoch, "model/review-provisioned-slots-reused-by-a-schedule.json");
    support_run_text(epoch, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), 2);
    support_done(spec, &res);

    char late[4096];
    support_scenario(late, sizeof late, "model/review-a-cached-answer-after-the-client-timeout.json");
    support_run_text(late, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), 0);
    ck_assert_double_gt(run_value(&res, "sources.source0.gateway_cache_hits", NULL), 1000);
    support_done(spec, &res);
}
END_TEST

/* An instance-local cache in front of the first call step hits only on a warm instance that
 * fetched within ttl_s: with instances that live on, the hit share is hit_ratio x the warm
 * share, and the database sees only the misses; with no keep-alive every invocation is a
 * new instance and nothing ever hits ("stateful assumptions in stateless compute"). */
START_TEST(a_local_cache_hits_only_on_warm_instances)
{
    char json[2048];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "model/a-local-cache-hits-only-on-warm-instances.json",
                         "components.f.keep_alive.policy=forever");
    support_run_text(json, 0, &spec, &res);
    double hits[6];
    for (uint32_t r = 0; r < 6; r++) {
        double inv = support_row_value(&res, r, "functions.f.invocations");
        double cold = support_row_value(&res, r, "functions.f.cold_starts");
        double h = support_row_value(&res, r, "functions.f.cache_hits");
        double miss = support_row_value(&res, r, "functions.f.cache_misses");
        /* Every invocation looks up once after its handler's time (those still in it at the
         * end have not yet). */
        ck_assert(h + miss <= inv && h + miss >= inv - support_row_value(&res, r, "functions.f.max_concurrency"));
        ck_assert_double_eq(support_row_value(&res, r, "functions.f.calls.db.calls"), miss);
        hits[r] = h / inv - 0.8 * (1 - cold / inv);     /* the difference from the reference */
    }
    double hw, d = support_mean_ci(hits, 6, &hw);
    support_assert_within_ci("model", "local cache hit share - 0.8 x warm share", d, hw, 0);
    support_done(spec, &res);
    support_scenario_set(json, sizeof json, "model/a-local-cache-hits-only-on-warm-instances.json",
                         "components.f.keep_alive.policy=none");
    support_run_text(json, 0, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.cache_hits", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(error_rate_is_the_share_of_failed_invocations)
{
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 2000, \"seed\": 12, \"replications\": 8",
            "{\"process\": \"poisson\", \"rate_per_s\": 20}", NULL,
            "\"duration_ms\": 30, \"error_rate\": 0.0375", &spec, &res);
    double hw, p = support_ratio_ci(&res, "functions.f.errors", "functions.f.invocations", &hw);
    ck_assert_msg(fabs(p - 0.0375) <= 1.5 * hw, "error share %.5f ± %.5f", p, hw);
    /* No retry by default: every error fails its request. */
    ck_assert_double_eq(run_value(&res, "requests.failed", NULL), run_value(&res, "functions.f.errors", NULL));
    support_done(spec, &res);
}
END_TEST

START_TEST(warmup_is_simulated_but_not_counted)
{
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 1000, \"warmup_s\": 500, \"seed\": 1, \"replications\": 2",
            "{\"process\": \"constant\", \"rate_per_s\": 4}", NULL, "\"duration_ms\": 10",
            &spec, &res);
    /* 4,000 arrivals in the window, give or take the phase of the first. */
    ck_assert_double_le(fabs(run_value(&res, "requests.arrived", NULL) - 4000), 1);
    /* The instance warmed up before the window: no cold start is measured. */
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(diurnal_arrivals_follow_the_sinusoid_hour_by_hour)
{
    /* Hourly counts over a day against the integral of the rate over each hour:
     * rate(h) = m (1 + A cos(2 pi (h - peak) / 24)), A = (R - 1) / (R + 1). Counts are
     * Poisson, so the chi-square statistic over 24 hours stays below its 0.999 quantile
     * (51.18 for 24 degrees of freedom). */
    const double m = 2.5, R = 4, peak = 14, A = (R - 1) / (R + 1);
    world_spec *spec;
    run_result res;
    char arr[256];
    snprintf(arr, sizeof arr, "{\"process\": \"diurnal\", \"rate_per_s\": %g, \"peak_to_trough\": %g,"
             " \"peak_hour\": %g}", m, R, peak);
    run_one("\"duration_s\": 86400, \"seed\": 21, \"replications\": 1, \"timeseries_interval_s\": 3600",
            arr, NULL, "\"duration_ms\": 10", &spec, &res);
    ck_assert_uint_eq(res.bins, 24);
    double chi2 = 0;
    const double w = 2 * 3.14159265358979323846 / 24;
    for (size_t h = 0; h < 24; h++) {
        double expected = m * 3600 * (1 + A * (sin(w * (h + 1 - peak)) - sin(w * (h - peak))) / w);
        double observed = res.ts[TS_ARRIVALS * res.bins + h];
        chi2 += (observed - expected) * (observed - expected) / expected;
    }
    ck_assert_msg(chi2 < 51.18, "chi-square %.2f over 24 hours", chi2);
    /* The peak hour carries about R times the trough hour's traffic. */
    double at_peak = res.ts[TS_ARRIVALS * res.bins + 14], at_trough = res.ts[TS_ARRIVALS * res.bins + 2];
    ck_assert_double_gt(at_peak / at_trough, 3.3);
    support_done(spec, &res);
}
END_TEST

START_TEST(onoff_source_has_the_markov_mean_rate)
{
    /* Mean rate (r_on m_on + r_off m_off) / (m_on + m_off) = (40 x 30 + 2 x 90) / 120 = 11.5. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 20000, \"seed\": 6, \"replications\": 10",
            "{\"process\": \"onoff\", \"rate_on_per_s\": 40, \"rate_off_per_s\": 2,"
            " \"mean_on_s\": 30, \"mean_off_s\": 90}", NULL, "\"duration_ms\": 10", &spec, &res);
    double hw, rate = run_value(&res, "requests.arrived", &hw) / 20000;
    hw /= 20000;
    ck_assert_msg(fabs(rate - 11.5) <= 1.5 * hw, "rate %.4f ± %.4f", rate, hw);
    support_done(spec, &res);
}
END_TEST

START_TEST(spike_adds_its_rate_for_its_duration)
{
    /* Base 5/s for 1,000 s plus 50/s for 100 s: 10,000 expected arrivals. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 1000, \"seed\": 6, \"replications\": 10",
            "{\"process\": \"spike\", \"rate_per_s\": 5, \"spike_at_s\": 300,"
            " \"spike_duration_s\": 100, \"spike_rate_per_s\": 50}", NULL, "\"duration_ms\": 10",
            &spec, &res);
    double hw, n = run_value(&res, "requests.arrived", &hw);
    ck_assert_msg(fabs(n - 10000) <= 1.5 * hw, "arrivals %.1f ± %.1f", n, hw);
    support_done(spec, &res);
}
END_TEST

START_TEST(replications_give_identical_rows_on_one_or_two_threads)
{
    char json[4096];
    support_scenario(json, sizeof json, "model/replications-give-identical-rows-on-one-or-two-threads.json");
    world_spec *s1, *s2;
    run_result r1, r2;
    support_run_text(json, 1, &s1, &r1);
    support_run_text(json, 2, &s2, &r2);
    ck_assert_uint_eq(r1.n_values, r2.n_values);
    ck_assert_int_eq(memcmp(r1.rows, r2.rows, 4 * r1.n_values * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(r1.ts, r2.ts, 4 * TS_COLUMNS * r1.bins * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(&r1.latency, &r2.latency, sizeof r1.latency), 0);
    /* And the replications differ from one another. */
    ck_assert_double_ne(support_row_value(&r1, 0, "requests.arrived"),
                        support_row_value(&r1, 1, "requests.arrived"));
    support_done(s1, &r1);
    support_done(s2, &r2);
}
END_TEST

START_TEST(idle_instances_are_reused_most_recently_used_first)
{
    /* Two instances start together at t = 0.5 (two sources' bursts on one function: several
     * sources may share a target). A third source then calls every 40 s from a time in
     * [2, 42) until t = 1,900; keep-alive is a fixed 100 s. Most-recently-used reuse sends
     * every call to the same instance, so the other expires at 101.5; a burst of 2 at
     * t = 1,905 finds one warm instance and starts one: 3 cold starts in all. Least-recently-
     * used reuse would alternate, reuse each instance every 80 s, keep both alive, and
     * count 2. */
    char json[4096];
    support_scenario(json, sizeof json, "model/idle-instances-are-reused-most-recently-used-first.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 3);
    ck_assert_double_eq(run_value(&res, "functions.f.throttles", NULL), 0);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), run_value(&res, "requests.arrived", NULL));
    support_done(spec, &res);
}
END_TEST

START_TEST(backoff_without_jitter_doubles_from_its_base)
{
    /* One instance (reserved 1), two requests at t = 10, 1 s each, no cold-start time. The
     * second is throttled at 10, retries at 10.3 (base 300 ms: throttled), at 10.9 (600 ms:
     * still busy until 11), and at 12.1 (1,200 ms): it runs and completes at 13.1, so its
     * end-to-end latency is exactly 3,100 ms, the maximum; the first takes 1,000 ms. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 100, \"seed\": 1, \"replications\": 2",
            "{\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 2}",
            "{\"retry\": {\"max_attempts\": 4, \"backoff_base_ms\": 300, \"jitter\": \"none\"}}",
            "\"duration_ms\": 1000, \"cold_start_ms\": 0, \"reserved_concurrency\": 1", &spec, &res);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), 2);
    ck_assert_double_eq(run_value(&res, "requests.attempts", NULL), 5);
    ck_assert_double_eq(run_value(&res, "functions.f.throttles", NULL), 3);
    ck_assert_double_eq_tol(run_value(&res, "latency_ms.max", NULL), 3100, 1e-6);
    ck_assert_double_eq_tol(run_value(&res, "latency_ms.mean", NULL), 2050, 1e-6);
    support_done(spec, &res);
}
END_TEST

START_TEST(time_series_levels_stay_inside_a_window_that_ends_mid_interval)
{
    /* 90 s window, 60 s rows: ten 60-s calls from t = 80 are busy for 10 s of the window
     * each, so mean concurrency is 10 x 10 / 90; the last (30-s) row holds 10 x 10 busy
     * seconds, a mean level of 3.33, never above the 10 running at once. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 90, \"seed\": 1, \"replications\": 1",
            "{\"process\": \"spike\", \"spike_at_s\": 80, \"burst_count\": 10}", NULL,
            "\"duration_ms\": 60000, \"timeout_s\": 900, \"cold_start_ms\": 0", &spec, &res);
    ck_assert_uint_eq(res.bins, 2);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.mean_concurrency", NULL), 100.0 / 90, 1e-9);
    ck_assert_double_eq_tol(res.ts[TS_CONCURRENCY * res.bins + 1], 100.0, 1e-9);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.mean_instances", NULL), 100.0 / 90, 1e-9);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 10);
    support_done(spec, &res);
}
END_TEST

START_TEST(provisioned_instances_are_claimed_from_the_account)
{
    /* Account 1,000. "g" (unreserved) takes a burst of 1,000 long calls; "f" has 10
     * provisioned instances and a call a second. The 10 are claimed from the account, so
     * "g" can run at most 990 and "f" is never throttled. */
    char json[4096];
    support_scenario(json, sizeof json, "model/provisioned-instances-are-claimed-from-the-account.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.g.max_concurrency", NULL), 990);
    ck_assert_double_eq(run_value(&res, "functions.g.throttles", NULL), 10);
    ck_assert_double_eq(run_value(&res, "functions.f.throttles", NULL), 0);
    ck_assert_double_gt(run_value(&res, "functions.f.invocations", NULL), 50);
    support_done(spec, &res);
    /* And a claim that leaves fewer than 100 unclaimed is refused. */
    char err[1024] = "";
    ck_assert_ptr_null(support_load_text(
        "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"r\", \"kind\": \"function\", \"duration_ms\": 10, \"reserved_concurrency\": 500},"
        " {\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"provisioned_concurrency\": 450}]}",
        err, sizeof err));
    ck_assert_msg(strstr(err, "components[1].provisioned_concurrency") != NULL, "%s", err);
}
END_TEST

START_TEST(client_retry_after_its_timeout_bills_both_invocations)
{
    /* 1 s handler, client gives up after 0.5 s and tries once more: every request makes two
     * invocations, both run to the end and are billed (1 s each at 1 GB), and it times out. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 1000, \"seed\": 3, \"replications\": 2",
            "{\"process\": \"constant\", \"rate_per_s\": 0.5}",
            "{\"timeout_ms\": 500, \"retry\": {\"max_attempts\": 2, \"backoff_base_ms\": 100, \"jitter\": \"none\"}}",
            "\"memory_mb\": 1024, \"duration_ms\": 1000, \"cold_start_ms\": 0", &spec, &res);
    double arrived = run_value(&res, "requests.arrived", NULL);
    double inv = run_value(&res, "functions.f.invocations", NULL);
    ck_assert_double_le(fabs(inv - 2 * arrived), 2);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.billed_gb_s", NULL), inv * 1.0, 1e-9);
    ck_assert_double_eq(run_value(&res, "requests.timed_out", NULL) + run_value(&res, "requests.in_flight", NULL),
                        arrived);
    support_done(spec, &res);
}
END_TEST

START_TEST(warmup_invocations_are_not_billed)
{
    /* Traffic only during the warm-up (it ends at 600 s, where the window opens): nothing
     * is measured and nothing is billed, though 3,000-odd invocations ran. */
    const char *json =
        "{\"name\": \"warm\", \"duration_s\": 600, \"warmup_s\": 600, \"seed\": 3, \"replications\": 2,"
        " \"traffic\": [{\"name\": \"t\", \"target\": \"f\", \"end_s\": 600,"
        "   \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 5}}],"
        " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 100}]}";
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq(run_value(&res, "requests.arrived", NULL), 0);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 0);
    ck_assert_double_eq(run_value(&res, "functions.f.billed_gb_s", NULL), 0);
    ck_assert_double_eq(run_value(&res, "cost.monthly_total", NULL), 0);
    /* The instances it warmed are still alive early in the window. */
    ck_assert_double_gt(run_value(&res, "functions.f.idle_instance_s", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_timeout_in_fractional_seconds_bills_exact_milliseconds)
{
    /* timeout_s 2.007 stops a 5 s handler at 2,007 ms: billed 2.007 s, not 2.008. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 100, \"seed\": 1, \"replications\": 1",
            "{\"process\": \"constant\", \"rate_per_s\": 0.1}", NULL,
            "\"memory_mb\": 1024, \"duration_ms\": 5000, \"timeout_s\": 2.007, \"cold_start_ms\": 0",
            &spec, &res);
    double inv = run_value(&res, "functions.f.invocations", NULL);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.billed_gb_s", NULL), inv * 2.007, 1e-9);
    support_done(spec, &res);
}
END_TEST

START_TEST(backoff_jitter_variants_have_their_published_ranges_and_means)
{
    /* base 100 ms, cap 1,000 ms. After n attempts, e = min(cap, base 2^(n-1)):
     * none waits e; full U(0, e), mean e/2; equal e/2 + U(0, e/2), mean 3e/4;
     * decorrelated U(base, 3 prev) capped, mean 2 base on the first retry. */
    retry_policy s = { .base_ms = 100, .cap_ms = 1000 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2385);
    const double e[] = { 100, 200, 400, 800, 1000, 1000 };
    double prev = 100;
    s.jitter = JITTER_NONE;
    for (uint32_t n = 1; n <= 6; n++)
        ck_assert_double_eq(retry_backoff_ms(&s, n, &prev, rng), e[n - 1]);
    const int draws = 100000;
    for (int kind = JITTER_FULL; kind <= JITTER_EQUAL; kind++) {
        s.jitter = (jitter_kind)kind;
        for (uint32_t n = 1; n <= 6; n++) {
            tally t;
            tally_init(&t);
            for (int i = 0; i < draws; i++)
                tally_add(&t, retry_backoff_ms(&s, n, &prev, rng));
            double lo = kind == JITTER_FULL ? 0 : e[n - 1] / 2, mean = kind == JITTER_FULL ? e[n - 1] / 2 : 0.75 * e[n - 1];
            double se = sqrt(tally_variance(&t) / draws);
            ck_assert_double_ge(t.min, lo);
            ck_assert_double_le(t.max, e[n - 1]);
            ck_assert_msg(fabs(t.mean - mean) <= 4 * se, "jitter %d, n %u: mean %.3f, expected %.3f", kind, n, t.mean, mean);
        }
    }
    s.jitter = JITTER_DECORRELATED;
    tally first;
    tally_init(&first);
    for (int i = 0; i < draws; i++) {
        prev = 100;
        double w = retry_backoff_ms(&s, 1, &prev, rng);
        tally_add(&first, w);
        for (uint32_t n = 2; n <= 8; n++) {
            double before = prev, next = retry_backoff_ms(&s, n, &prev, rng);
            if (next < 100 || next > fmin(1000, 3 * before)) {
                ck_abort_msg("decorrelated wait %.3f outside [100, min(1000, %.3f)]", next, 3 * before);
            }
        }
    }
    ck_assert_msg(fabs(first.mean - 200) <= 4 * sqrt(tally_variance(&first) / draws),
                  "decorrelated first wait mean %.3f, expected 200", first.mean);
    gsl_rng_free(rng);
}
END_TEST

START_TEST(every_attempt_is_an_invocation_or_a_throttle_in_random_scenarios)
{
    /* A property over 12 random scenarios (seeded): retries, client timeouts shorter or
     * longer than the handler, errors, reservations, bursts, short windows. Without a
     * warm-up, every measured attempt either ran or was throttled, and each run checks
     * request conservation itself (world_run fails otherwise). */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 77);
    static const char *const jitters[] = { "none", "full", "equal", "decorrelated" };
    for (int k = 0; k < 12; k++) {
        char json[2048];
        int reserved = 1 + (int)(60 * gsl_rng_uniform(rng));
        support_scenario_set(json, sizeof json, "model/every-attempt-is-an-invocation-or-a-throttle.json",
                             "duration_s=%.0f\n"
                             "seed=%d\n"
                             "traffic.t.arrivals.rate_per_s=%.2f\n"
                             "traffic.t.arrivals.spike_at_s=%.1f\n"
                             "traffic.t.arrivals.spike_rate_per_s=%.1f\n"
                             "traffic.t.arrivals.burst_count=%d\n"
                             "traffic.t.client.timeout_ms=%.0f\n"
                             "traffic.t.client.retry.max_attempts=%d\n"
                             "traffic.t.client.retry.backoff_base_ms=%.0f\n"
                             "traffic.t.client.retry.jitter=%s\n"
                             "components.f.reserved_concurrency=%d\n"
                             "components.f.duration_ms.median=%.0f\n"
                             "components.f.duration_ms.p99=%.0f\n"
                             "components.f.timeout_s=%.1f\n"
                             "components.f.error_rate=%.2f\n"
                             "components.f.scale_per_10s=%d",
                             60 + 240 * gsl_rng_uniform(rng), k, 1 + 30 * gsl_rng_uniform(rng),
                             10 + 40 * gsl_rng_uniform(rng), 200 * gsl_rng_uniform(rng),
                             (int)(500 * gsl_rng_uniform(rng)), 100 + 3000 * gsl_rng_uniform(rng),
                             1 + (int)(4 * gsl_rng_uniform(rng)), 10 + 500 * gsl_rng_uniform(rng),
                             jitters[k % 4], reserved, 20 + 300 * gsl_rng_uniform(rng),
                             1000 + 4000 * gsl_rng_uniform(rng), 0.5 + 4 * gsl_rng_uniform(rng),
                             0.3 * gsl_rng_uniform(rng), 5 + (int)(200 * gsl_rng_uniform(rng)));
        world_spec *spec;
        run_result res;
        support_run_text(json, 1, &spec, &res);
        for (uint32_t r = 0; r < 2; r++) {
            double attempts = support_row_value(&res, r, "requests.attempts");
            double ran = support_row_value(&res, r, "functions.f.invocations");
            double throttled = support_row_value(&res, r, "functions.f.throttles");
            ck_assert_msg(attempts == ran + throttled, "scenario %d: %g attempts, %g ran, %g throttled",
                          k, attempts, ran, throttled);
            ck_assert_double_le(support_row_value(&res, r, "functions.f.max_concurrency"), reserved);
        }
        support_done(spec, &res);
    }
    gsl_rng_free(rng);
}
END_TEST

START_TEST(async_events_wait_out_throttles_and_all_complete)
{
    /* 50 events at once on a function with one instance (reserved 1, 100 ms each): 49 are
     * throttled and retried with backoff from 1 s; none is lost, and the caller never waits. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 3000, \"seed\": 4, \"replications\": 2",
            "{\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 50}, \"mode\": \"async\"", NULL,
            "\"duration_ms\": 100, \"reserved_concurrency\": 1, \"cold_start_ms\": 0,"
            " \"async\": {\"duplicate_rate\": 0}", &spec, &res);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), 50);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 50);
    ck_assert_double_gt(run_value(&res, "functions.f.throttles", NULL), 49);
    ck_assert_double_eq(run_value(&res, "functions.f.async_retries", NULL),
                        run_value(&res, "functions.f.throttles", NULL));
    ck_assert_double_eq(run_value(&res, "functions.f.async_dropped", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(async_events_expire_after_their_maximum_age)
{
    /* Reserved concurrency 0 throttles every attempt: retried after waits drawn from
     * [d/2, d] for d = 1, 2, 4, ... s until the next retry would pass max_event_age_s
     * (60 s), then expired: every event expires, after 5 to 7 attempts. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 600, \"seed\": 4, \"replications\": 2",
            "{\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 20}, \"mode\": \"async\"", NULL,
            "\"duration_ms\": 100, \"reserved_concurrency\": 0,"
            " \"async\": {\"duplicate_rate\": 0, \"max_event_age_s\": 60}", &spec, &res);
    ck_assert_double_eq(run_value(&res, "requests.expired", NULL), 20);
    ck_assert_double_eq(run_value(&res, "functions.f.async_expired", NULL), 20);
    /* Waits of at most 1+2+...+16 = 31 s allow at least 5 retries after the first attempt
     * (6 attempts; the 32-s wait's half, 16 s, may still fit: 7); at least 1+2+4+8+16 halves
     * = 15.5 s and then 16..32 s more: never 8. */
    double throttles = run_value(&res, "functions.f.throttles", NULL);
    ck_assert_double_ge(throttles, 20 * 6);
    ck_assert_double_le(throttles, 20 * 7);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(async_delivery_duplicates_some_events)
{
    /* duplicate_rate 0.05: about 5% of events are invoked twice; the copies are not requests. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 2000, \"seed\": 4, \"replications\": 10",
            "{\"process\": \"poisson\", \"rate_per_s\": 10}, \"mode\": \"async\"", NULL,
            "\"duration_ms\": 20, \"async\": {\"duplicate_rate\": 0.05}", &spec, &res);
    double hw, dup = support_ratio_ci(&res, "functions.f.async_duplicates", "functions.f.async_events", &hw);
    ck_assert_msg(fabs(dup - 0.05) <= 1.5 * hw, "duplicate share %.4f ± %.4f", dup, hw);
    double extra = support_ratio_ci(&res, "functions.f.invocations", "functions.f.async_events", &hw);
    ck_assert_msg(fabs(extra - 1.05) <= 1.5 * hw + 0.001, "invocations per event %.4f ± %.4f", extra, hw);
    ck_assert_double_eq_tol(run_value(&res, "requests.arrived", NULL),
                            run_value(&res, "requests.completed", NULL) +
                            run_value(&res, "requests.in_flight", NULL), 1e-6);
    support_done(spec, &res);
}
END_TEST

START_TEST(large_async_payloads_bill_extra_requests)
{
    /* 400 KB events: 1 request for the first 256 KB plus ceil(144 / 64) = 3 more. */
    world_spec *spec;
    run_result res;
    run_one("\"duration_s\": 1000, \"seed\": 4, \"replications\": 1",
            "{\"process\": \"constant\", \"rate_per_s\": 1}, \"mode\": \"async\", \"size_kb\": 400", NULL,
            "\"duration_ms\": 20, \"async\": {\"duplicate_rate\": 0}", &spec, &res);
    double events = run_value(&res, "functions.f.async_events", NULL);
    double scale = 730 * 3600.0 / 1000;
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.lambda_requests", NULL),
                            round(4 * events * scale * 0.2e-6 * 100) / 100, 1e-9);
    support_done(spec, &res);
}
END_TEST

Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("function and traffic");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, provisioned_concurrency_removes_cold_starts_at_a_price);
    tcase_add_test(tc, function_timeout_fails_the_invocation_and_bills_the_timeout);
    tcase_add_test(tc, client_that_gives_up_leaves_the_function_running_and_billed);
    tcase_add_test(tc, scale_rate_throttles_a_burst_beyond_1000_new_environments);
    tcase_add_test(tc, reserved_concurrency_of_one_function_shrinks_the_others_pool);
    tcase_add_test(tc, each_source_latency_is_its_own_with_many_sources);
    tcase_add_test(tc, reservation_that_leaves_under_100_unreserved_is_rejected);
    tcase_add_test(tc, duration_scales_with_cpu_share_of_memory);
    tcase_add_test(tc, default_keep_alive_is_uniform_between_5_and_7_minutes);
    tcase_add_test(tc, keep_alive_none_and_forever_bound_cold_starts);
    tcase_add_test(tc, keep_alive_units_refuse_what_they_do_not_model);
    tcase_add_test(tc, greedy_dual_keeps_the_costly_function_and_thrashes_the_cheap_ones);
    tcase_add_test(tc, a_host_of_containers_drops_and_evicts_as_worked_by_hand);
    tcase_add_test(tc, the_hybrid_policy_per_container_keeps_its_learned_window);
    tcase_add_test(tc, greedy_dual_per_container_frequency_evicts_the_spare_container);
    tcase_add_test(tc, a_host_queue_serves_the_next_when_its_head_gives_up);
    tcase_add_test(tc, azure_scales_non_http_triggers_once_every_30_seconds);
    tcase_add_test(tc, a_deployment_makes_a_cold_start_wave);
    tcase_add_test(tc, canary_and_linear_deployments_shift_traffic_and_roll_back);
    tcase_add_test(tc, a_linear_deployment_spreads_the_cold_start_wave);
    tcase_add_test(tc, an_edge_function_is_nearer_and_dearer);
    tcase_add_test(tc, provisioned_concurrency_follows_a_daily_schedule);
    tcase_add_test(tc, a_cold_start_is_platform_time_then_billed_init);
    tcase_add_test(tc, lambda_init_matches_the_published_figures_per_runtime);
    tcase_add_test(tc, snapstart_restores_instead_of_init_and_bills_python_cache_and_restores);
    tcase_add_test(tc, other_providers_cold_starts_and_keep_alive_are_their_own);
    tcase_add_test(tc, regressions_from_review_of_deployments_schedules_and_the_gateway);
    tcase_add_test(tc, a_local_cache_hits_only_on_warm_instances);
    tcase_add_test(tc, error_rate_is_the_share_of_failed_invocations);
    tcase_add_test(tc, warmup_is_simulated_but_not_counted);
    tcase_add_test(tc, diurnal_arrivals_follow_the_sinusoid_hour_by_hour);
    tcase_add_test(tc, onoff_source_has_the_markov_mean_rate);
    tcase_add_test(tc, spike_adds_its_rate_for_its_duration);
    tcase_add_test(tc, replications_give_identical_rows_on_one_or_two_threads);
    tcase_add_test(tc, idle_instances_are_reused_most_recently_used_first);
    tcase_add_test(tc, backoff_without_jitter_doubles_from_its_base);
    tcase_add_test(tc, time_series_levels_stay_inside_a_window_that_ends_mid_interval);
    tcase_add_test(tc, provisioned_instances_are_claimed_from_the_account);
    tcase_add_test(tc, client_retry_after_its_timeout_bills_both_invocations);
    tcase_add_test(tc, warmup_invocations_are_not_billed);
    tcase_add_test(tc, a_timeout_in_fractional_seconds_bills_exact_milliseconds);
    tcase_add_test(tc, backoff_jitter_variants_have_their_published_ranges_and_means);
    tcase_add_test(tc, every_attempt_is_an_invocation_or_a_throttle_in_random_scenarios);
    tcase_add_test(tc, async_events_wait_out_throttles_and_all_complete);
    tcase_add_test(tc, async_events_expire_after_their_maximum_age);
    tcase_add_test(tc, async_delivery_duplicates_some_events);
    tcase_add_test(tc, large_async_payloads_bill_extra_requests);
    suite_add_tcase(s, tc);
    return s;
}
