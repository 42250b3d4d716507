/* test_validation.c — simulated figures against closed forms from queueing theory
 * (../shared/reference/validation.md, and derivations stated in each test).
 *
 * Tolerance: the reference must lie within 1.5 times the run's 95% confidence half-width
 * (Student's t over replications) of the simulated mean. The 1.5 widening is the stated
 * margin: with an exact model a 95% interval misses 5% of the time, 1.5 times it (t with
 * 9 degrees of freedom) under 1%, so a change of seeds or streams does not flip the test.
 * Little's law adds a small, derived allowance for edge effects at the window's bounds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/suites.h"
#include "tests/support.h"

#define WIDEN 1.5

static double window(double seconds) { return test_quick() ? seconds / 5 : seconds; }

static void assert_within_ci(const char *what, double simulated, double hw, double reference,
                             double allowance)
{
    double tol = WIDEN * hw + allowance;
    if (getenv("SLSIM_VERBOSE"))
        fprintf(stderr, "validation: %s: simulated %.6g ± %.3g, reference %.6g, error %.3g%%\n",
                what, simulated, hw, reference, 100 * (simulated - reference) / reference);
    ck_assert_msg(isfinite(hw) && hw > 0, "%s: no confidence interval", what);
    ck_assert_msg(fabs(simulated - reference) <= tol,
                  "%s: simulated %.6g (95%% half-width %.3g), reference %.6g, tolerance %.3g",
                  what, simulated, hw, reference, tol);
}

/* A function limited to c concurrent executions, Poisson arrivals, no cold-start cost, no
 * retry: the throttled share is Erlang B(a = lambda E[S], c), whatever the duration's shape. */
static void check_erlang_b(double lambda, double mean_s, int c, const char *duration_json,
                           double window_s)
{
    char json[2048];
    support_scenario_set(json, sizeof json, "validation/erlang-b.json",
                         "duration_s=%g\n"
                         "traffic.t.arrivals.rate_per_s=%g\n"
                         "components.f.duration_ms=%s\n"
                         "components.f.reserved_concurrency=%d",
                         window(window_s), lambda, duration_json, c);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, share = support_ratio_ci(&res, "requests.throttled", "requests.arrived", &hw);
    char what[160];
    snprintf(what, sizeof what, "Erlang B a=%g c=%d %s", lambda * mean_s, c, duration_json);
    assert_within_ci(what, share, hw, support_erlang_b(lambda * mean_s, c), 0);
    support_done(spec, &res);
}

START_TEST(erlang_b_reference_values)
{
    /* The recursion reproduces validation.md's table. */
    ck_assert_double_eq_tol(support_erlang_b(10, 10), 0.214582343107, 1e-11);
    ck_assert_double_eq_tol(support_erlang_b(50, 60), 0.021668473058, 1e-11);
    ck_assert_double_eq_tol(support_erlang_b(100, 100), 0.075700452711, 1e-11);
    ck_assert_double_eq_tol(support_erlang_b(900, 1000), 0.000059298627, 1e-11);
}
END_TEST

START_TEST(throttle_share_is_erlang_b_with_exponential_durations)
{
    check_erlang_b(10, 1.0, 10, "{\"dist\": \"exponential\", \"mean\": 1000}", 10000);
    check_erlang_b(50, 1.0, 60, "{\"dist\": \"exponential\", \"mean\": 1000}", 5000);
}
END_TEST

START_TEST(throttle_share_is_erlang_b_with_lognormal_durations)
{
    /* Insensitivity: only the mean matters (lognormal mean 1 s, sd 1.5 s). */
    check_erlang_b(10, 1.0, 10, "{\"dist\": \"lognormal\", \"mean\": 1000, \"sd\": 1500}", 10000);
    check_erlang_b(50, 1.0, 60, "{\"dist\": \"lognormal\", \"mean\": 1000, \"sd\": 1500}", 5000);
}
END_TEST

START_TEST(mean_concurrency_is_lambda_times_mean_duration)
{
    /* M/G/inf: no limit in reach, mean concurrency = lambda E[S] = 50 x 0.2 = 10. The
     * timeout is raised so that it does not cut the lognormal's tail (at the default 3 s
     * it removes about 2% of the mean). */
    char json[1024];
    support_scenario_set(json, sizeof json, "validation/mean-concurrency-is-lambda-times-mean-duration.json",
                         "duration_s=%g",
                         window(10000));
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, l = run_value(&res, "functions.f.mean_concurrency", &hw);
    assert_within_ci("M/G/inf mean concurrency", l, hw, 50 * 0.2, 0);
    ck_assert_double_eq(run_value(&res, "functions.f.throttles", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(littles_law_holds_with_cold_starts_and_throttles)
{
    /* L = lambda_eff W per replication, where W includes cold-start time. Edge effect:
     * invocations straddling the window's ends are counted whole on one side only, which
     * bounds the error by about 2 E[time inside] / window, relative. */
    double win = window(2000);
    char json[1024];
    support_scenario_set(json, sizeof json, "validation/littles-law-holds-with-cold-starts-and-throttles.json",
                         "duration_s=%g",
                         win);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    uint32_t n = spec->replications;
    double diff[64], max_w = 0, max_l = 0;
    for (uint32_t r = 0; r < n; r++) {
        double l = support_row_value(&res, r, "functions.f.mean_concurrency");
        double x = support_row_value(&res, r, "functions.f.throughput_per_s");
        double w = support_row_value(&res, r, "functions.f.mean_duration_ms") / 1000.0;
        diff[r] = l - x * w;
        max_w = fmax(max_w, w);
        max_l = fmax(max_l, l);
    }
    ck_assert_msg(run_value(&res, "functions.f.cold_starts", NULL) > 10, "no cold starts to test");
    ck_assert_msg(run_value(&res, "functions.f.throttles", NULL) > 10, "no throttles to test");
    double hw, mean = support_mean_ci(diff, n, &hw);
    double allowance = 2.0 * max_w / win * max_l + 1e-12;
    if (getenv("SLSIM_VERBOSE"))
        fprintf(stderr, "validation: Little's law: L - lambda W = %.3g ± %.3g (allowance %.3g)\n",
                mean, hw, allowance);
    ck_assert_msg(fabs(mean) <= WIDEN * hw + allowance,
                  "Little: L - lambda W = %.3g (half-width %.3g, allowance %.3g)", mean, hw, allowance);
    support_done(spec, &res);
}
END_TEST

START_TEST(cold_start_share_of_one_instance_is_exp_minus_lambda_t)
{
    /* One instance (reserved concurrency 1), fixed keep-alive T, Poisson arrivals lambda:
     * arrivals while it is busy are throttled, and after each end the idle gap to the next
     * arrival is exponential(lambda) by memorylessness, so an accepted request finds the
     * instance expired with probability exp(-lambda T), whatever the duration and init
     * time. lambda = 0.1/s, T = 10 s: exp(-1) = 0.367879. */
    char json[1024];
    support_scenario_set(json, sizeof json, "validation/cold-start-share-of-one-instance-is-exp-minus-lambda-t.json",
                         "duration_s=%g",
                         window(100000));
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, p = support_ratio_ci(&res, "functions.f.cold_starts", "functions.f.invocations", &hw);
    assert_within_ci("cold-start share exp(-lambda T)", p, hw, exp(-1.0), 0);
    support_done(spec, &res);
}
END_TEST

/* An app of two functions kept loaded as one unit until T after its last execution ends,
 * Poisson arrivals of total rate lambda split between them, exponential durations (mean
 * E[S]), no init time: P(cold) = exp(-lambda (E[S] + T)) and the share of time the app is
 * loaded but idle is exp(-lambda E[S]) (1 - exp(-lambda T)) (validation.md, "Keep-alive of
 * a whole app"). Rows: lambda = 1/300, E[S] = 1 s, T = 600 s; lambda = 0.01, E[S] = 2 s,
 * T = 300 s. */
static void app_keep_alive_case(double lambda, double mean_s, double t_s, double window_s)
{
    char json[2048];
    support_scenario_set(json, sizeof json, "validation/app-keep-alive.json",
                         "duration_s=%g\n"
                         "traffic.ta.arrivals.rate_per_s=%.12g\n"
                         "traffic.tb.arrivals.rate_per_s=%.12g\n"
                         "components.a.duration_ms.mean=%g\n"
                         "components.a.keep_alive.idle_s=%g\n"
                         "components.b.duration_ms.mean=%g\n"
                         "components.b.keep_alive.idle_s=%g",
                         window_s, lambda / 2, lambda / 2, mean_s * 1000, t_s, mean_s * 1000, t_s);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, p = support_ratio_ci(&res, "platform.cold_starts", "platform.invocations", &hw);
    char what[128];
    snprintf(what, sizeof what, "app cold-start share, lambda %.4g, T %g s", lambda, t_s);
    assert_within_ci(what, p, hw, exp(-lambda * (mean_s + t_s)), 0);
    /* Both functions have 1 GB, the app 2 GB: idle GB-s over (2 GB x window). */
    double idle = support_figure_ci(&res, "platform.idle_gb_s", &hw);
    snprintf(what, sizeof what, "app idle-loaded share, lambda %.4g, T %g s", lambda, t_s);
    assert_within_ci(what, idle / (2.0 * window_s), hw / (2.0 * window_s),
                     exp(-lambda * mean_s) * (1 - exp(-lambda * t_s)), 0);
    support_done(spec, &res);
}

START_TEST(app_cold_start_share_is_exp_minus_lambda_s_plus_t)
{
    app_keep_alive_case(1.0 / 300, 1, 600, window(2e6));
    app_keep_alive_case(0.01, 2, 300, window(5e5));
}
END_TEST

/* The hybrid histogram policy on a function invoked every 30 minutes (1 s each): once its
 * histogram holds min_samples idle times (1,799 s, all in the 29th one-minute bin: a CV of
 * sqrt(239) >> 2), the app is unloaded after each execution and loaded again at 0.9 x 29
 * minutes, so every invocation but the very first is warm and each idle gap holds
 * 1,799 - 1,566 = 233 s of loaded memory (the first 5 gaps use the 4-hour fallback and
 * hold all 1,799 s). A fixed 60-minute window keeps it loaded throughout. */
START_TEST(hybrid_policy_prewarms_a_periodic_function)
{
    char json[1024];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "validation/hybrid-policy-prewarms-a-periodic-function.json",
                         "traffic.t.arrivals.rate_per_s=%.15g\n"
                         "components.cron.keep_alive=%s",
                         1.0 / 1800, "{\"policy\": \"hybrid\"}");
    support_run_text(json, 0, &spec, &res);
    double inv = run_value(&res, "functions.cron.invocations", NULL);
    double cold = run_value(&res, "functions.cron.cold_starts", NULL);
    double hybrid_idle = run_value(&res, "functions.cron.idle_gb_s", NULL);
    double prewarms = run_value(&res, "functions.cron.prewarms", NULL);
    support_done(spec, &res);
    support_scenario_set(json, sizeof json, "validation/hybrid-policy-prewarms-a-periodic-function.json",
                         "traffic.t.arrivals.rate_per_s=%.15g\n"
                         "components.cron.keep_alive=%s",
                         1.0 / 1800, "{\"policy\": \"fixed\", \"idle_s\": 3600, \"scope\": \"app\"}");
    support_run_text(json, 0, &spec, &res);
    double fixed_idle = run_value(&res, "functions.cron.idle_gb_s", NULL);
    support_done(spec, &res);
    /* 96 invocations in 2 days; 95 idle gaps, the first 5 before the histogram counts. */
    ck_assert_double_eq(inv, 96);
    ck_assert_double_eq(cold, 1);
    ck_assert_double_eq(prewarms, 90);
    double expected = (5 * 1799.0 + 90 * 233.0) / (95 * 1799.0);
    if (support_verbose())
        fprintf(stderr, "validation: hybrid idle memory %.0f GB-s vs fixed 60 min %.0f GB-s: "
                "ratio %.4f (expected %.4f)\n", hybrid_idle, fixed_idle, hybrid_idle / fixed_idle, expected);
    /* The time after the last execution (up to 30 minutes, by the random phase) adds to
     * both: a tolerance of 0.01 on the ratio covers it. */
    ck_assert_double_eq_tol(hybrid_idle / fixed_idle, expected, 0.01);
    ck_assert(fixed_idle >= 95 * 1799.0 - 1e-6);
}
END_TEST

/* A package of P MB adds 104.8 ms per MB to a Node.js cold start (Shilkov's JavaScript
 * figures: 1.7 s at 14 MB, 3.9 s at 35 MB): 6 ms per MB of download to the platform time
 * (median 100 ms, p99 400) and 98.8 ms per MB of module loading to the billed init (median
 * 139.9 ms, p99 208.7: lambda-perf), each keeping its spread. With no keep-alive every
 * invocation is cold, so the mean latency is the two lognormals' means, median x
 * exp(sigma^2 / 2) with sigma = ln(p99 / median) / z(0.99), plus the 1-ms handler; and the
 * sum of the medians is the published figure within 2%. */
START_TEST(package_size_sets_the_cold_start_median)
{
    static const double package_mb[] = { 14, 35 }, published_s[] = { 1.7, 3.9 };
    const double z99 = 2.3263478740408408;
    for (int i = 0; i < 2; i++) {
        char json[1024];
        support_scenario_set(json, sizeof json, "validation/package-size-sets-the-cold-start-median.json",
                             "duration_s=%g\n"
                             "components.f.package_mb=%g",
                             window(20000), package_mb[i]);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        double init = 139.9 + (2200.0 / 21.0 - 6) * package_mb[i], s_init = log(208.7 / 139.9) / z99;
        double platform = 100 + 6 * package_mb[i], s_platform = log(4.0) / z99;
        double hw, mean = support_figure_ci(&res, "latency_ms.mean", &hw);
        char what[96];
        snprintf(what, sizeof what, "mean cold start with a %g-MB package (ms)", package_mb[i]);
        assert_within_ci(what, mean, hw, init * exp(s_init * s_init / 2) + platform * exp(s_platform * s_platform / 2) + 1, 0);
        ck_assert_double_eq_tol((init + platform) / 1000, published_s[i], 0.02 * published_s[i]);
        support_done(spec, &res);
    }
}
END_TEST

START_TEST(failed_share_after_retries_is_error_rate_to_the_attempts)
{
    /* Independent errors with probability p and k attempts: a request fails with
     * probability p^k and makes 1 + p + ... + p^(k-1) attempts on average. */
    char json[1024];
    support_scenario_set(json, sizeof json, "validation/failed-share-after-retries-is-error-rate-to-the-attempts.json",
                         "duration_s=%g",
                         window(4000));
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, failed = support_ratio_ci(&res, "requests.failed", "requests.arrived", &hw);
    assert_within_ci("failed share p^3", failed, hw, 0.3 * 0.3 * 0.3, 0);
    double attempts = support_ratio_ci(&res, "requests.attempts", "requests.arrived", &hw);
    assert_within_ci("attempts per request", attempts, hw, 1 + 0.3 + 0.09, 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(async_retries_make_one_plus_p_plus_p_squared_attempts)
{
    /* Asynchronous invocation, error probability p, 2 retries: an event is invoked
     * 1 + p + p^2 times on average and fails all three with probability p^3 (then, with no
     * on_failure destination, it is dropped). p = 0.35. */
    const double p = 0.35;
    char json[1024];
    support_scenario_set(json, sizeof json, "validation/async-retries-make-one-plus-p-plus-p-squared-attempts.json",
                         "duration_s=%g\n"
                         "traffic.events.end_s=%g\n"
                         "components.f.error_rate=%g",
                         window(4000) + 400, window(4000), p);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, attempts = support_ratio_ci(&res, "functions.f.invocations", "functions.f.async_events", &hw);
    assert_within_ci("async invocations per event", attempts, hw, 1 + p + p * p, 0);
    double dropped = support_ratio_ci(&res, "requests.dropped", "requests.arrived", &hw);
    assert_within_ci("async events dropped after 2 retries", dropped, hw, p * p * p, 0);
    /* Every event ended: the window outlasts the retries (1 + 2 minutes). */
    ck_assert_double_eq(run_value(&res, "requests.in_flight", NULL), 0);
    support_done(spec, &res);
}
END_TEST

/* Erlang C: P(wait) = c B / (c - a (1 - B)), Wq = C / (c mu - lambda). */
static void erlang_c(double lambda, double mu, int c, double *p_wait, double *wq)
{
    double a = lambda / mu, b = support_erlang_b(a, c);
    *p_wait = c * b / (c - a * (1 - b));
    *wq = *p_wait / (c * mu - lambda);
}

static void check_erlang_c(double lambda, int c, double window_s)
{
    char json[2048];
    support_scenario_set(json, sizeof json, "validation/erlang-c.json",
                         "duration_s=%g\n"
                         "traffic.t.arrivals.rate_per_s=%g\n"
                         "components.q.consumer.max_concurrency=%d\n"
                         "components.q.consumer.pollers_initial=%d",
                         window(window_s), lambda, c, c);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double p_wait, wq;
    erlang_c(lambda, 1.0, c, &p_wait, &wq);
    char what[96];
    double hw, sim = run_value(&res, "queues.q.waited_share", &hw);
    snprintf(what, sizeof what, "Erlang C P(wait) lambda=%g c=%d", lambda, c);
    assert_within_ci(what, sim, hw, p_wait, 0);
    sim = run_value(&res, "queues.q.wait_ms_mean", &hw);
    snprintf(what, sizeof what, "Erlang C Wq (ms) lambda=%g c=%d", lambda, c);
    assert_within_ci(what, sim, hw, 1000 * wq, 0);
    support_done(spec, &res);
}

START_TEST(erlang_c_reference_values)
{
    double p, wq;
    erlang_c(50, 1, 60, &p, &wq);
    ck_assert_double_eq_tol(p, 0.1173021, 1e-7);
    ck_assert_double_eq_tol(wq, 0.0117302, 1e-7);
    erlang_c(8, 1, 10, &p, &wq);
    ck_assert_double_eq_tol(p, 0.4091802, 1e-7);
    ck_assert_double_eq_tol(wq, 0.2045901, 1e-7);
}
END_TEST

START_TEST(queue_with_c_consumers_is_erlang_c)
{
    /* Batch size 1, no window, no pick-up delay, c consumers, exponential service: M/M/c. */
    check_erlang_c(8, 10, 20000);
    check_erlang_c(50, 60, 4000);
}
END_TEST

START_TEST(processing_past_the_visibility_timeout_duplicates_geometrically)
{
    /* A standard queue with visibility timeout v and exponential processing of mean m: a
     * run outlasts v with probability p = exp(-v/m), and then the message is received again
     * (a duplicate), whose run outlasts v with the same p: p / (1 - p) duplicates a message.
     * v = 5 s, m = 3 s: p = 0.1889, 0.2329 duplicates a message. */
    char json[1024];
    support_scenario_set(json, sizeof json, "validation/processing-past-the-visibility-timeout-duplicates-geometrically.json",
                         "duration_s=%g",
                         window(4000));
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double p = exp(-5.0 / 3.0);
    double hw, dup = support_ratio_ci(&res, "queues.q.duplicates", "queues.q.sent", &hw);
    assert_within_ci("duplicates per message past the visibility timeout", dup, hw, p / (1 - p), 0);
    support_done(spec, &res);
}
END_TEST

Suite *validation_suite(void)
{
    Suite *s = suite_create("validation");
    TCase *tc = tcase_create("closed forms");
    tcase_set_tags(tc, "slow");   /* left out of make test-fast */
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, erlang_b_reference_values);
    tcase_add_test(tc, throttle_share_is_erlang_b_with_exponential_durations);
    tcase_add_test(tc, throttle_share_is_erlang_b_with_lognormal_durations);
    tcase_add_test(tc, mean_concurrency_is_lambda_times_mean_duration);
    tcase_add_test(tc, littles_law_holds_with_cold_starts_and_throttles);
    tcase_add_test(tc, cold_start_share_of_one_instance_is_exp_minus_lambda_t);
    tcase_add_test(tc, app_cold_start_share_is_exp_minus_lambda_s_plus_t);
    tcase_add_test(tc, hybrid_policy_prewarms_a_periodic_function);
    tcase_add_test(tc, package_size_sets_the_cold_start_median);
    tcase_add_test(tc, failed_share_after_retries_is_error_rate_to_the_attempts);
    tcase_add_test(tc, async_retries_make_one_plus_p_plus_p_squared_attempts);
    tcase_add_test(tc, erlang_c_reference_values);
    tcase_add_test(tc, queue_with_c_consumers_is_erlang_c);
    tcase_add_test(tc, processing_past_the_visibility_timeout_duplicates_geometrically);
    suite_add_tcase(s, tc);
    return s;
}
