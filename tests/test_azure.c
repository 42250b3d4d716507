/* test_azure.c — Azure Functions' instances (models/function/shared.c, run by concurrent.c),
 * against what Microsoft publishes and exact figures: Flex Consumption's instance sizes give
 * 0.25, 1 or 2 cores (a fully CPU-bound 100 ms handler alone on a 512 MB instance takes
 * 400 ms), their default HTTP concurrency is 4, 16 or 32 requests (1 for Python), so I/O-bound
 * work never waits while the instances scale on concurrency; always-ready instances are
 * billed their memory all the time ($0.000004 per GB-s), their executions at the always-ready
 * rates and the rest on demand, with no cold start while they cover the load; Azure bills
 * executions, not an instance's startup, each busy period of a Flex instance 1,000 ms at
 * least; the Consumption plan keeps one request per instance unless given a concurrency, and
 * then bills each instance's busy time once, however many requests share it.
 *
 * Tolerance: a statistical reference must lie within 1.5 times the run's 95% half-width
 * (Student's t over replications) of the simulated mean, plus a floating-point epsilon;
 * exact cases to 1e-9, bills to the cent. SLSIM_VERBOSE=1 prints the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define assert_within_ci(what, simulated, hw, reference) \
    support_assert_within_ci("azure", what, simulated, hw, reference)

/* One function on a provider with the given keys, Poisson (or constant) arrivals. */
static void run_azure(const char *provider, const char *process, double rate, double duration_s,
                      const char *keys, world_spec **spec, run_result *res)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"az\", \"duration_s\": %g, \"seed\": 21, \"replications\": 5,"
             " \"platform\": {\"provider\": \"%s\"},"
             " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"%s\", \"rate_per_s\": %.17g}}],"
             " \"components\": [{\"name\": \"f\", \"kind\": \"function\", %s}]}",
             duration_s, provider, process, rate, keys);
    support_run_text(json, 0, spec, res);
}

/* A Flex instance's cores follow its memory: 100 ms of CPU work at one vCPU takes 400 ms on
 * a 512 MB instance (0.25 cores), 100 ms on 2,048 MB (1 core), 100 ms on 4,096 MB (2 cores:
 * single-threaded code uses one). Python serves one request at a time, so nothing is shared:
 * the time inside is exact. */
START_TEST(flex_instance_sizes_give_their_published_cores)
{
    static const struct { int mb; double ms; } size[] = { { 512, 400 }, { 2048, 100 }, { 4096, 100 } };
    for (size_t i = 0; i < 3; i++) {
        char keys[512];
        snprintf(keys, sizeof keys, "\"runtime\": \"python\", \"memory_mb\": %d, \"always_ready\": 1,"
                 " \"duration_ms\": 100, \"cpu_bound_fraction\": 1", size[i].mb);
        world_spec *spec;
        run_result res;
        run_azure("azure-flex", "constant", 1.0 / 5, 3600, keys, &spec, &res);
        double p50 = run_value(&res, "latency_ms.p50", NULL);
        ck_assert_msg(fabs(p50 - size[i].ms) < 1.0, "%d MB: p50 %.1f ms, expected %.0f", size[i].mb, p50, size[i].ms);
        ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 0);
        support_done(spec, &res);
    }
}
END_TEST

/* Default concurrency per instance: I/O-bound requests (cpu_bound_fraction 0) on instances
 * that take 16 at once never wait, so the time inside is the handler's own mean; with
 * target-based scaling the instances hold at least the requests in flight over 16
 * (Little: lambda E[S] = 40 x 0.5 = 20 in flight, so 2 instances or more). Python's default
 * of one request per instance needs one instance per request in flight. */
START_TEST(flex_default_concurrency_per_instance)
{
    world_spec *spec;
    run_result res;
    /* Startups instant: the time inside an instance is then the handler's alone (requests that
     * arrive at a starting instance wait inside it for the start, which mean_duration_ms
     * counts: with the default startups that adds about 1.5%). */
    run_azure("azure-flex", "poisson", 40, 1800,
              "\"duration_ms\": {\"dist\": \"exponential\", \"mean\": 500}, \"cpu_bound_fraction\": 0,"
              " \"platform_ms\": 0, \"init_ms\": 0",
              &spec, &res);
    double hw, m = support_figure_ci(&res, "functions.f.mean_duration_ms", &hw);
    assert_within_ci("I/O-bound time inside at concurrency 16", m, hw, 500);
    m = support_figure_ci(&res, "functions.f.mean_instances", &hw);
    ck_assert_msg(m >= 20.0 / 16 && m <= 20.0 / 2, "instances %.2f for 20 in flight at 16 each", m);
    double nodejs_instances = m;
    support_done(spec, &res);
    /* Startups made instant (platform_ms 0) so that a busy instance holds a request and
     * nothing else: M/G/infinity, lambda E[S] = 20 busy. */
    run_azure("azure-flex", "poisson", 40, 1800,
              "\"runtime\": \"python\", \"duration_ms\": {\"dist\": \"exponential\", \"mean\": 500},"
              " \"cpu_bound_fraction\": 0, \"platform_ms\": 0", &spec, &res);
    m = support_figure_ci(&res, "functions.f.mean_concurrency", &hw);
    assert_within_ci("busy Python instances (one request each) = lambda E[S]", m, hw, 20);
    ck_assert_msg(run_value(&res, "functions.f.mean_instances", NULL) > 2 * nodejs_instances,
                  "Python's one request per instance needs many more instances");
    support_done(spec, &res);
}
END_TEST

/* Always-ready instances: with 4 of them and about 1 busy (10/s x 100 ms), every execution
 * runs on them: no cold start, nothing on demand; the baseline is 4 x 2 GB x a 730-hour
 * month x $0.000004 = $84.10; the execution line is the billed GB-s at $0.000016 (each busy
 * period 1,000 ms at least) and the executions at $0.40 per million, no free grant. With one
 * always-ready instance and more load, the on-demand lines take the rest: the two execution
 * lines add up to what ran. */
START_TEST(flex_always_ready_instances_bill_a_baseline_and_their_executions)
{
    world_spec *spec;
    run_result res;
    const double month = 730 * 3600.0 / 3600;
    run_azure("azure-flex", "poisson", 10, 3600,
              "\"duration_ms\": 100, \"cpu_bound_fraction\": 0, \"always_ready\": 4", &spec, &res);
    ck_assert_double_eq(run_value(&res, "functions.f.cold_starts", NULL), 0);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.functions_always_ready_baseline", NULL), 84.10, 0.0051);
    double gb_s = run_value(&res, "functions.f.billed_gb_s", NULL);
    double inv = run_value(&res, "functions.f.invocations", NULL);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.functions_always_ready_execution", NULL),
                            gb_s * month * 0.000016, 0.0051);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.functions_always_ready_executions", NULL),
                            inv * month * 0.4e-6, 0.0051);
    ck_assert_double_eq(run_value(&res, "cost.by_line.functions_memory", NULL), 0);
    ck_assert_double_eq(run_value(&res, "cost.by_line.functions_requests", NULL), 0);
    support_done(spec, &res);

    run_azure("azure-flex", "poisson", 200, 3600,
              "\"duration_ms\": 100, \"cpu_bound_fraction\": 0, \"concurrency\": 4, \"always_ready\": 1", &spec, &res);
    gb_s = run_value(&res, "functions.f.billed_gb_s", NULL);
    double ready = run_value(&res, "cost.by_line.functions_always_ready_execution", NULL) / 0.000016;
    double demand = run_value(&res, "cost.by_line.functions_memory", NULL) / 0.000026;
    ck_assert_msg(ready > 0 && demand > 0, "both kinds of instance execute (%.0f, %.0f GB-s)", ready, demand);
    ck_assert_msg(fabs((ready + demand) / (gb_s * month) - 1) < 1e-3, "execution GB-s %.0f + %.0f of %.0f",
                  ready, demand, gb_s * month);
    support_done(spec, &res);
}
END_TEST

/* Azure bills executions, not startups: a request an hour finds no instance (idle ones live
 * 20-30 minutes), waits out a cold start of seconds, and is billed one 1,000-ms minimum at
 * 2 GB: 2 GB-s per invocation exactly, however long the start, once it has run. (The
 * arrivals' phase is random: a last request that arrives in the run's final seconds is
 * counted as an invocation but still starting when the run ends, not yet billed.) */
START_TEST(azure_bills_executions_not_startups)
{
    world_spec *spec;
    run_result res;
    run_azure("azure-flex", "constant", 1.0 / 3600, 20 * 86400.0,
              "\"duration_ms\": 50, \"cpu_bound_fraction\": 0", &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double inv = support_row_value(&res, r, "functions.f.invocations");
        ck_assert_double_eq(support_row_value(&res, r, "functions.f.cold_starts"), inv);
        double running = support_row_value(&res, r, "requests.in_flight");
        ck_assert_double_le(running, 1);
        ck_assert_double_eq_tol(support_row_value(&res, r, "functions.f.billed_gb_s"), 2.0 * (inv - running), 1e-9);
    }
    ck_assert_double_gt(run_value(&res, "functions.f.cold_start_ms_mean", NULL), 1000);
    support_done(spec, &res);
}
END_TEST

/* The Consumption plan: one request per instance by default, each execution billed on its
 * own (100 ms at least, memory in 128 MB steps); given a concurrency, I/O-bound requests
 * share instances (never waiting: startups are made instant here) and an instance's busy
 * time is billed once, so the bill falls below the sum of the executions. */
START_TEST(consumption_concurrency_is_opt_in_and_bills_instance_time_once)
{
    world_spec *spec;
    run_result res;
    const char *keys = "\"memory_mb\": 256, \"duration_ms\": 200, \"cpu_bound_fraction\": 0, \"platform_ms\": 0";
    run_azure("azure-consumption", "poisson", 20, 1800, keys, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double inv = support_row_value(&res, r, "functions.f.invocations");
        ck_assert_double_eq_tol(support_row_value(&res, r, "functions.f.billed_gb_s"), inv * 0.2 * 0.25, 1e-6);
    }
    support_done(spec, &res);
    char more[256];
    snprintf(more, sizeof more, "%s, \"concurrency\": 8", keys);
    run_azure("azure-consumption", "poisson", 20, 1800, more, &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "functions.f.mean_duration_ms", NULL), 200, 0.1);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double inv = support_row_value(&res, r, "functions.f.invocations");
        double gb_s = support_row_value(&res, r, "functions.f.billed_gb_s");
        ck_assert_msg(gb_s < 0.8 * inv * 0.2 * 0.25, "shared instance time %.1f GB-s, executions' sum %.1f",
                      gb_s, inv * 0.2 * 0.25);
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(azure_keys_are_refused_where_they_do_not_apply)
{
    static const struct { const char *provider, *keys, *path, *words; } bad[] = {
        { "azure-flex", "\"memory_mb\": 1024", "components[0].memory_mb", "512, 2048 or 4096" },
        { "azure-flex", "\"vcpu\": 2", "components[0].vcpu", "" },
        { "azure-consumption", "\"always_ready\": 1", "components[0].always_ready", "" },
        { "azure-flex", "\"always_ready\": 5, \"max_instances\": 3", "components[0].always_ready", "exceeds max_instances" },
        { "azure-flex", "\"always_ready\": 1, \"keep_alive\": {\"policy\": \"fixed\", \"idle_s\": 60, \"scope\": \"function\"}",
          "components[0].always_ready", "without bulkheads, deployments or a keep-alive unit" },
        { "azure-consumption", "\"concurrency\": 2, \"keep_alive\": {\"policy\": \"fixed\", \"idle_s\": 60, \"scope\": \"function\"}",
          "components[0].concurrency", "set concurrency to 1" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"platform\": {\"provider\": \"%s\"},"
                 " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
                 " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, %s}]}",
                 bad[i].provider, bad[i].keys);
        support_assert_refused("azure", json, bad[i].path, bad[i].words);
    }
}
END_TEST

Suite *azure_suite(void)
{
    Suite *s = suite_create("azure");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, flex_instance_sizes_give_their_published_cores);
    tcase_add_test(tc, flex_default_concurrency_per_instance);
    tcase_add_test(tc, flex_always_ready_instances_bill_a_baseline_and_their_executions);
    tcase_add_test(tc, azure_bills_executions_not_startups);
    tcase_add_test(tc, consumption_concurrency_is_opt_in_and_bills_instance_time_once);
    tcase_add_test(tc, azure_keys_are_refused_where_they_do_not_apply);
    suite_add_tcase(s, tc);
    return s;
}
