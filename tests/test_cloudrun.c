/* test_cloudrun.c — Cloud Run's instances (models/function/concurrent.c), against independent
 * references: one instance under Poisson load is M/G/1 processor sharing (mean response
 * E[S]/(1 - rho), whatever the work's distribution) and a 2-vCPU one with exponential work is
 * M/M/2 (Erlang C); exact latencies of simultaneous and staggered requests; a request that
 * joins an instance while it initialises waits for the init; the case, 200
 * requests/s of 175 ms of CPU-bound work, scales out to the offered load over the published
 * 60% CPU target and bills what ran, or, held to one instance, saturates it (throughput
 * vcpu/E[S], 429s after the pending timeout) and bills one vCPU; instance-based billing bills
 * every instance-second; idle min instances are billed at their own rate.
 *
 * Tolerance (as in test_validation.c): a statistical reference must lie within 1.5 times the
 * run's 95% half-width (Student's t over replications) of the simulated mean, plus a
 * floating-point epsilon. Exact cases are asserted to 1e-9 and bills to the cent.
 * SLSIM_VERBOSE=1 prints the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define assert_within_ci(what, simulated, hw, reference) \
    support_assert_within_ci("cloudrun", what, simulated, hw, reference)
#define row support_row_value

static const char *const ps_file = "cloudrun/one-instance-processor-sharing.json";
static const char *const exact_file = "cloudrun/exact-sharing.json";
static const char *const load_file = "tests/scenarios/cloudrun/cpu-bound-at-200-per-second.json";

/* Erlang C(c, a): the probability that all c servers are busy in M/M/c. */
static double erlang_c(int c, double a)
{
    double b = 1;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return c * b / (c - a * (1 - b));
}

/* Mean time inside (ms) of the processor-sharing scenario with the given changes. */
static double ps_mean_ms(const char *sets, double *hw)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, ps_file, "duration_s=%d\n%s", test_quick() ? 4000 : 20000, sets);
    support_run_text(json, 0, &spec, &res);
    double mean = support_figure_ci(&res, "functions.f.mean_duration_ms", hw);
    support_done(spec, &res);
    return mean;
}

/* rho = 4/s x 0.175 s = 0.7 on one vCPU: E[T] = 0.175 / 0.3 s, for exponential and constant
 * work alike (M/G/1-PS is insensitive to the distribution). */
START_TEST(one_instance_shares_its_vcpu_as_m_g_1_ps)
{
    const double es = 175, rho = 0.7, want = es / (1 - rho);
    double hw, got = ps_mean_ms("", &hw);
    assert_within_ci("M/M/1-PS mean response, rho 0.7 (ms)", got, hw, want);
    got = ps_mean_ms("components.f.duration_ms=175", &hw);
    assert_within_ci("M/D/1-PS mean response, rho 0.7 (ms)", got, hw, want);
}
END_TEST

/* Two vCPUs, each request using at most one (threads 1), exponential work: the number of
 * requests in the CPU is that of M/M/2, so E[T] = E[S] + C(2, a) E[S] / (2 - a), a = 1.4. */
START_TEST(two_vcpus_share_as_m_m_2)
{
    const double es = 175, a = 8 * 0.175;
    const double want = es + erlang_c(2, a) * es / (2 - a);
    double hw, got = ps_mean_ms("components.f.vcpu=2\ntraffic.t.arrivals.rate_per_s=8", &hw);
    assert_within_ci("2 vCPUs, exponential work, a 1.4: mean response (ms)", got, hw, want);
}
END_TEST

/* Mean time inside (ms) of the exact scenario with the given changes; *cold its cold starts,
 * *billed its billed GiB-s. */
static double exact_mean_ms(const char *sets, double *cold, double *billed)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, exact_file, "%s", sets);
    support_run_text(json, 0, &spec, &res);
    double mean = row(&res, 0, "functions.f.mean_duration_ms");
    ck_assert_double_eq(row(&res, 0, "functions.f.invocations"), 2);
    if (cold)
        *cold = row(&res, 0, "functions.f.cold_starts");
    if (billed)
        *billed = row(&res, 0, "functions.f.billed_gb_s");
    support_done(spec, &res);
    return mean;
}

/* Requests of 1 s of work on one instance: at 12 s and 12.5 s on 1 vCPU, the first has 0.5 s
 * left when the second comes and both go at half speed: it ends at 13.5 s, the second at
 * 14 s (1.5 s each). Together at 12 s: 2 s each; on 2 vCPUs, 1 s each; half CPU-bound,
 * together: the CPU halves take 1 s, then 0.5 s of I/O (1.5 s each). The instance is busy
 * from 12 to 14 s: 2 s of 512 MiB billed. */
START_TEST(requests_share_vcpus_exactly)
{
    double billed;
    support_assert_close("staggered on 1 vCPU (ms)", exact_mean_ms("", NULL, &billed), 1500);
    support_assert_close("billed GiB-s", billed, 1.0);
    support_assert_close("together on 1 vCPU (ms)", exact_mean_ms("traffic.b.arrivals.spike_at_s=12", NULL, NULL), 2000);
    support_assert_close("together on 2 vCPUs (ms)",
                         exact_mean_ms("traffic.b.arrivals.spike_at_s=12\ncomponents.f.vcpu=2", NULL, NULL), 1000);
    support_assert_close("together, half CPU-bound (ms)",
                         exact_mean_ms("traffic.b.arrivals.spike_at_s=12\ncomponents.f.cpu_bound_fraction=0.5", NULL, NULL),
                         1500);
}
END_TEST

/* A cold start of 1 s at 12 s: the instance is ready at 13 s. A request of 100 ms that joins
 * it at 12.5 s waits for the init: it ends at 13.1 s with the first (1.1 s and 0.6 s inside,
 * mean 850 ms), and only the first is a cold start. */
START_TEST(a_request_that_joins_an_initialising_instance_waits_for_the_init)
{
    double cold;
    double mean = exact_mean_ms("components.f.min_instances=0\ncomponents.f.cold_start_ms=1000\n"
                                "components.f.duration_ms=100\ncomponents.f.cpu_bound_fraction=0", &cold, NULL);
    support_assert_close("mean time inside (ms)", mean, 850);
    support_assert_close("cold starts", cold, 1);
}
END_TEST

/* The same on any provider whose unit of keep-alive serves many executions at once (scope
 * function or app): the execution that joins at 12.5 s waits for the load to end at 13 s. */
START_TEST(an_execution_that_joins_a_loading_unit_waits_for_the_load)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario(json, sizeof json, "cloudrun/unit-joined-while-loading.json");
    support_run_text(json, 0, &spec, &res);
    support_assert_close("mean time inside (ms)", row(&res, 0, "functions.f.mean_duration_ms"), 850);
    support_assert_close("cold starts", row(&res, 0, "functions.f.cold_starts"), 1);
    support_done(spec, &res);
}
END_TEST

/* The case: 35 vCPUs of work. Autoscaled, about 35 instances are busy, and the
 * serving set holds about 35 / 0.6 (the published CPU target); requests are routed to idle
 * instances, so each busy period is one 175-ms request, billed 200 ms (100-ms rounding): 40
 * vCPU-s a second, and no slowdown. Held to one instance, the instance is busy all the
 * window at one request per E[S] (processor sharing at full load), the rest wait the pending
 * timeout and get 429s, and one vCPU is billed. */
START_TEST(cpu_bound_load_scales_out_to_the_needed_vcpus_or_saturates_one)
{
    world_spec *spec;
    run_result res;
    const double lambda = 200, es = 0.175, vcpus = lambda * es, target = 0.6;
    support_run_file(load_file, test_quick() ? 2 : 5, test_quick() ? 900 : 1800, NULL, 0, &spec, &res);
    double window = spec->duration_s, hw;
    double busy = support_figure_ci(&res, "functions.f.mean_concurrency", &hw);
    assert_within_ci("busy instances = offered vCPUs", busy, hw, vcpus);
    double inst = support_figure_ci(&res, "functions.f.mean_instances", &hw);
    if (support_verbose())
        printf("cloudrun: mean instances %.2f ± %.2f (offered / target %.2f)\n", inst, hw, vcpus / target);
    ck_assert_msg(inst > 0.97 * vcpus / target && inst < 1.10 * vcpus / target,
                  "mean instances %.2f, offered load over the 60%% target %.2f", inst, vcpus / target);
    double billed_vcpu_per_s = support_figure_ci(&res, "functions.f.billed_gb_s", &hw) / 0.5 / window;
    assert_within_ci("billed vCPU-s a second (each request alone, 200 ms)", billed_vcpu_per_s, hw / 0.5 / window,
                     lambda * 0.2);
    double p50 = support_figure_ci(&res, "latency_ms.p50", &hw);
    ck_assert_msg(fabs(p50 - 175) < 2, "p50 %.1f ms", p50);
    support_done(spec, &res);

    const char *one[] = { "components.f.max_instances=1" };
    support_run_file(load_file, 2, 600, one, 1, &spec, &res);
    window = spec->duration_s;
    double tput = support_figure_ci(&res, "functions.f.throughput_per_s", &hw);
    ck_assert_msg(fabs(tput - 1 / es) < 0.01 * (1 / es), "throughput %.3f/s, vcpu / E[S] = %.3f/s", tput, 1 / es);
    double billed_s = support_figure_ci(&res, "functions.f.billed_gb_s", &hw) / 0.5;
    ck_assert_msg(fabs(billed_s - window) < 0.01 * window, "billed %.1f instance-s in %.0f s", billed_s, window);
    double throttled = support_ratio_ci(&res, "requests.throttled", "requests.arrived", &hw);
    ck_assert_msg(throttled > 0.95, "throttled share %.3f", throttled);
    /* 80 requests share the vCPU: each takes about 80 x E[S] once admitted. */
    double inside = support_figure_ci(&res, "functions.f.mean_duration_ms", &hw);
    ck_assert_msg(inside > 80 * 175, "mean time inside %.0f ms", inside);
    support_done(spec, &res);
}
END_TEST

/* Instance-based billing bills every instance-second of the window, busy or idle, at its own
 * prices and without a request fee. */
START_TEST(instance_based_billing_bills_every_instance_second)
{
    world_spec *spec;
    run_result res;
    const char *sets[] = { "components.f.billing=\"instance\"" };
    support_run_file(load_file, 2, 900, sets, 1, &spec, &res);
    for (uint32_t r = 0; r < 2; r++) {
        double window = spec->duration_s;
        double inst_s = row(&res, r, "functions.f.mean_instances") * window;
        double billed = row(&res, r, "functions.f.billed_gb_s");
        ck_assert_msg(fabs(billed - 0.5 * inst_s) < 1e-3, "billed %.3f GiB-s, instance-seconds %.3f", billed, inst_s);
        double month = 730 * 3600 / window;
        support_assert_cents("functions_cpu", row(&res, r, "cost.by_line.functions_cpu"),
                             support_round_cents(inst_s * month * 0.000018));
        support_assert_cents("functions_memory", row(&res, r, "cost.by_line.functions_memory"),
                             support_round_cents(0.5 * inst_s * month * 0.000002));
        support_assert_cents("functions_requests", row(&res, r, "cost.by_line.functions_requests"), 0);
    }
    support_done(spec, &res);
}
END_TEST

/* A min instance idle for 58 s of a 60-s window (busy 12-14 s) is billed the idle rate:
 * 58 s x (1 vCPU + 0.5 GiB) x $0.0000025, times 730 h / 60 s. */
START_TEST(idle_min_instances_are_billed_at_their_own_rate)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario(json, sizeof json, exact_file);
    support_run_text(json, 0, &spec, &res);
    double want = 58 * 1.5 * 0.0000025 * 730 * 3600 / 60;
    support_assert_cents("functions_idle_min_instances", row(&res, 0, "cost.by_line.functions_idle_min_instances"),
                         support_round_cents(want));
    support_done(spec, &res);
}
END_TEST

Suite *cloudrun_suite(void)
{
    Suite *s = suite_create("cloudrun");
    TCase *tc = tcase_create("exact");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, requests_share_vcpus_exactly);
    tcase_add_test(tc, a_request_that_joins_an_initialising_instance_waits_for_the_init);
    tcase_add_test(tc, an_execution_that_joins_a_loading_unit_waits_for_the_load);
    tcase_add_test(tc, idle_min_instances_are_billed_at_their_own_rate);
    suite_add_tcase(s, tc);
    tc = tcase_create("closed forms");
    tcase_set_tags(tc, "slow");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, one_instance_shares_its_vcpu_as_m_g_1_ps);
    tcase_add_test(tc, two_vcpus_share_as_m_m_2);
    tcase_add_test(tc, cpu_bound_load_scales_out_to_the_needed_vcpus_or_saturates_one);
    tcase_add_test(tc, instance_based_billing_bills_every_instance_second);
    suite_add_tcase(s, tc);
    return s;
}
