/* test_shared_calls.c — call steps on instances that serve several requests at once (Cloud
 * Run, Azure Flex; models/function/concurrent.c running calls.c), against closed forms and
 * invariants: a request waiting on a synchronous call holds its place on its instance (time
 * inside h + L; busy instance time the union of the requests' intervals, 1 - exp(-lambda D)
 * of the window for one instance under Poisson arrivals, M/G/infinity's chance of a busy
 * system; lambda D busy instances at one request each, by Little) but no vCPU (a CPU-bound
 * handler followed by a call is M/D/1 processor sharing plus L, the same as the call's wait
 * written as the handler's I/O); a failing call is retried as on Lambda (1 + e + e^2 attempts
 * per call for 3 attempts, e^3 of the invocations fail, and core.c's run agrees); messages
 * sent to a queue carry units of work, conserved; a Flex function with calls scales on the
 * requests held and bills its instances' busy time; bulkheads and deployments stay refused.
 *
 * Tolerance (as in test_cloudrun.c): a statistical reference must lie within 1.5 times the
 * run's 95% half-width (Student's t over replications) of the simulated mean, plus a
 * floating-point epsilon; exact cases to 1e-9 (relative) or to one billing step.
 * SLSIM_VERBOSE=1 prints the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "shared-calls"
#define assert_within_ci(what, simulated, hw, reference) \
    support_assert_within_ci(SUITE, what, simulated, hw, reference)
#define row support_row_value

static const char *const io_file = "shared-calls/io-bound-service-calling-a-database.json";
static const char *const cpu_file = "shared-calls/cpu-bound-handler-then-a-call.json";
static const char *const retry_file = "shared-calls/a-failing-call-is-retried.json";
static const char *const queue_file = "shared-calls/an-api-sends-work-to-a-queue.json";
static const char *const flex_file = "shared-calls/flex-service-calling-a-database.json";

/* Runs fixture `file` with the assignments `sets` (one a line, may be ""). */
static void run_set(const char *file, const char *sets, world_spec **spec, run_result *res)
{
    char json[8192];
    support_scenario_set(json, sizeof json, file, "%s", sets);
    support_run_text(json, 0, spec, res);
}

/* The mean time inside of the requests accepted in the window counts only those that left:
 * the few still inside at its end (about lambda D of lambda T) pull it down by up to D / T
 * of itself, which the tolerance allows for. */
static void assert_time_inside(const run_result *res, const world_spec *spec, double want_ms)
{
    double hw, m = support_figure_ci(res, "functions.api.mean_duration_ms", &hw);
    if (support_verbose())
        printf("%s: time inside: simulated %g +- %g, reference %g\n", SUITE, m, hw, want_ms);
    ck_assert_msg(fabs(m - want_ms) <= 1.5 * hw + 2 * want_ms * want_ms / 1000 / spec->duration_s + 1e-9,
                  "time inside %.4f ms +- %.4f, want %g", m, hw, want_ms);
}

/* ---- a request holds its place while it waits ---------------------------------------- */

/* The I/O-bound service: handler h = 60 ms, then a call answered in L = 140 ms, lambda 7.3/s,
 * on one instance taking 80 at once. Every request is inside for exactly h + L; the instance
 * is busy while any request is inside, which for Poisson arrivals of fixed-length stays is
 * 1 - exp(-lambda (h + L)) of the time (M/D/infinity is empty with probability exp(-a)),
 * not lambda (h + L) = 1.46 as a sum of the requests' times would be; the bill is that busy
 * time, each busy period rounded up to Cloud Run's 100 ms. */
START_TEST(a_request_waiting_on_a_call_holds_its_place_on_the_instance)
{
    const double lambda = 7.3, d = 0.200, gb = 0.5;
    world_spec *spec;
    run_result res;
    run_set(io_file, "", &spec, &res);
    assert_time_inside(&res, spec, 1000 * d);
    double hw, m = support_figure_ci(&res, "latency_ms.mean", &hw);
    assert_within_ci("client latency = h + L (ms)", m, hw, 1000 * d);
    m = support_figure_ci(&res, "functions.api.mean_concurrency", &hw);
    assert_within_ci("busy share of the one instance = 1 - exp(-lambda D)", m, hw, 1 - exp(-lambda * d));
    for (uint32_t r = 0; r < spec->replications; r++) {
        /* every request calls once, but one accepted in the window's last 60 ms may not yet */
        double inv = row(&res, r, "functions.api.invocations"), calls = row(&res, r, "functions.api.calls.db.calls");
        ck_assert_msg(calls <= inv && calls >= inv - 3, "replication %u: %g calls, %g invocations", r, calls, inv);
        double busy_s = row(&res, r, "functions.api.mean_concurrency") * spec->duration_s;
        double billed_s = row(&res, r, "functions.api.billed_gb_s") / gb;
        /* Busy periods, each rounded up to 100 ms: at most one step more than the union each,
         * and there are about lambda T exp(-lambda D) of them; far below the requests' sum. */
        double periods = lambda * spec->duration_s * exp(-lambda * d);
        ck_assert_msg(billed_s >= busy_s - 1e-6 && billed_s <= busy_s + 0.1 * 1.2 * periods,
                      "replication %u: billed %.1f s, busy %.1f s, %.0f periods", r, billed_s, busy_s, periods);
        ck_assert_msg(billed_s < 0.8 * inv * d, "replication %u: billed %.1f s, the requests' sum %.1f s",
                      r, billed_s, inv * d);
    }
    support_done(spec, &res);
    /* Constant arrivals every 125 ms of 200 ms stays overlap: one busy period, the whole
     * window, billed once (the sum would be 1.6 times the window). */
    run_set(io_file, "traffic.t.arrivals={\"process\": \"constant\", \"rate_per_s\": 8}\nreplications=2", &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double busy = row(&res, r, "functions.api.mean_concurrency");
        ck_assert_msg(fabs(busy - 1) < 1e-9, "replication %u: busy share %.12f, want 1", r, busy);
        double billed_s = row(&res, r, "functions.api.billed_gb_s") / gb;
        ck_assert_msg(fabs(billed_s - spec->duration_s) <= 0.1 + 1e-6, "replication %u: billed %.3f s, window %g s",
                      r, billed_s, spec->duration_s);
    }
    support_done(spec, &res);
}
END_TEST

/* At one request per instance (Cloud Run's concurrency 1) a request waiting on its call
 * keeps an instance busy: lambda (h + L) = 1.46 busy instances (Little), h + L inside. */
START_TEST(at_one_request_an_instance_a_waiting_request_keeps_it_busy)
{
    const double lambda = 7.3, d = 0.200;
    world_spec *spec;
    run_result res;
    run_set(io_file, "components.api.concurrency=1\ncomponents.api.max_instances=50", &spec, &res);
    double hw, m = support_figure_ci(&res, "functions.api.mean_concurrency", &hw);
    assert_within_ci("busy instances = lambda (h + L) (Little)", m, hw, lambda * d);
    assert_time_inside(&res, spec, 1000 * d);
    m = support_figure_ci(&res, "latency_ms.mean", &hw);
    assert_within_ci("client latency = h + L (ms)", m, hw, 1000 * d);
    ck_assert_double_eq(run_value(&res, "functions.api.throttles", NULL), 0);
    support_done(spec, &res);
}
END_TEST

/* ---- a request waiting on a call takes no vCPU --------------------------------------- */

/* One 1-vCPU instance, handlers of 100 ms of CPU then a 140 ms call, 5 a second: the
 * handlers alone load the vCPU to rho 0.5, so their part is M/D/1-PS, 100 / (1 - 0.5) =
 * 200 ms, and the call adds 140 ms: 340 ms. Were the waiting requests sharing the vCPU, the
 * handlers would slow down further. The same run with the call written as 140 ms of the
 * handler's I/O (duration 240 ms, 100/240 of it CPU-bound) is the same system: the same
 * latencies, request by request (common random numbers). */
START_TEST(a_request_waiting_on_a_call_uses_no_vcpu)
{
    const double h = 100, l = 140, rho = 0.5;
    world_spec *spec, *io_spec;
    run_result res, io_res;
    run_set(cpu_file, "", &spec, &res);
    double hw, m = support_figure_ci(&res, "functions.api.mean_duration_ms", &hw);
    assert_within_ci("M/D/1-PS handler + call (ms)", m, hw, h / (1 - rho) + l);
    run_set(cpu_file, "components.api.calls=[]\ncomponents.api.duration_ms=240\n"
                      "components.api.cpu_bound_fraction=0.41666666666666669", &io_spec, &io_res);
    static const char *const figures[] = { "latency_ms.mean", "latency_ms.p50", "latency_ms.p99",
                                           "functions.api.mean_duration_ms", "functions.api.billed_gb_s" };
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        double d = support_paired_diff(&res, figures[i], &io_res, figures[i], &hw);
        double with_call = run_value(&res, figures[i], NULL), as_io = run_value(&io_res, figures[i], NULL);
        if (support_verbose())
            printf("%s: %s with the call %.6f, as I/O %.6f\n", SUITE, figures[i], with_call, as_io);
        ck_assert_msg(fabs(d) <= 1.5 * hw + 1e-6 * fabs(as_io), "%s: with the call %.6f, as I/O %.6f (paired "
                      "difference %.6f +- %.6f)", figures[i], with_call, as_io, d, hw);
    }
    support_done(io_spec, &io_res);
    support_done(spec, &res);
}
END_TEST

/* ---- retries as on Lambda ------------------------------------------------------------ */

/* A call failing with probability e = 0.237, tried up to 3 times with no fallback: each
 * call takes 1 + e + e^2 attempts on average and fails with probability e^3, which fails
 * the invocation (an error). Every invocation makes one call. Lambda's run of the same file
 * (core.c's instances) counts the same within its interval. */
START_TEST(a_failing_call_is_retried_and_counted_as_on_lambda)
{
    const double e = 0.237;
    world_spec *spec;
    run_result res;
    run_set(retry_file, "", &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        ck_assert_double_eq(row(&res, r, "functions.api.calls.db.failed"), row(&res, r, "functions.api.errors"));
        ck_assert_double_eq(row(&res, r, "functions.api.calls.db.fallbacks"), 0);
        ck_assert_double_eq(row(&res, r, "functions.api.calls.db.fast_failures"), 0);
        /* a call begun in the window's last instant may still be at work: at most a few */
        double calls = row(&res, r, "functions.api.calls.db.calls"), inv = row(&res, r, "functions.api.invocations");
        ck_assert_msg(calls <= inv && calls >= inv - 5, "replication %u: %g calls, %g invocations", r, calls, inv);
    }
    double hw, m = support_figure_ci(&res, "functions.api.calls.db.attempts_per_call", &hw);
    assert_within_ci("attempts per call = 1 + e + e^2", m, hw, 1 + e + e * e);
    double share = support_ratio_ci(&res, "functions.api.calls.db.failed", "functions.api.calls.db.calls", &hw);
    assert_within_ci("calls failed = e^3", share, hw, e * e * e);
    world_spec *aws_spec;
    run_result aws;
    run_set(retry_file, "platform.provider=\"aws\"", &aws_spec, &aws);
    double aws_hw, aws_m = support_figure_ci(&aws, "functions.api.calls.db.attempts_per_call", &aws_hw);
    ck_assert_msg(fabs(m - aws_m) <= 1.5 * (hw + aws_hw), "attempts per call: %.5f +- %.5f on Cloud Run, "
                  "%.5f +- %.5f on Lambda", m, hw, aws_m, aws_hw);
    double aws_share = support_ratio_ci(&aws, "functions.api.errors", "functions.api.invocations", &aws_hw);
    share = support_ratio_ci(&res, "functions.api.errors", "functions.api.invocations", &hw);
    ck_assert_msg(fabs(share - aws_share) <= 1.5 * (hw + aws_hw), "error share: %.5f +- %.5f on Cloud Run, "
                  "%.5f +- %.5f on Lambda", share, hw, aws_share, aws_hw);
    m = support_figure_ci(&res, "functions.api.mean_duration_ms", &hw);
    aws_m = support_figure_ci(&aws, "functions.api.mean_duration_ms", &aws_hw);
    ck_assert_msg(fabs(m - aws_m) <= 1.5 * (hw + aws_hw), "time inside: %.3f +- %.3f ms on Cloud Run, "
                  "%.3f +- %.3f ms on Lambda", m, hw, aws_m, aws_hw);
    support_done(aws_spec, &aws);
    support_done(spec, &res);
}
END_TEST

/* ---- units of work ------------------------------------------------------------------- */

/* events = processed + lost + in_flight, in replication r. */
static void assert_conserved(const char *what, const run_result *res, uint32_t r)
{
    double events = row(res, r, "work.events"), processed = row(res, r, "work.processed");
    double lost = row(res, r, "work.lost"), in_flight = row(res, r, "work.in_flight");
    ck_assert_msg(events == processed + lost + in_flight, "%s, replication %u: %g events, %g processed + "
                  "%g lost + %g in flight", what, r, events, processed, lost, in_flight);
}

/* The API sends two messages to a queue per request (when its handler is done, as on
 * Lambda), then, given a synchronous call first, after that call (its steps in order):
 * each request makes two units of work, every one accounted for, and the API's time inside
 * is its handler's, plus the call's 40 ms when it has one. */
START_TEST(messages_sent_from_a_shared_instance_carry_their_work)
{
    static const char *const cases[] = {
        "",
        "components.api.calls=[{\"name\": \"db\", \"target\": \"db\"}, {\"name\": \"jobs\", \"target\": \"jobs\", \"count\": 2}]",
    };
    for (size_t c = 0; c < 2; c++) {
        world_spec *spec;
        run_result res;
        run_set(queue_file, cases[c], &spec, &res);
        ck_assert_msg(spec->pipelines, "no pipelines");
        for (uint32_t r = 0; r < spec->replications; r++) {
            assert_conserved(c ? "a call, then messages" : "messages", &res, r);
            ck_assert_double_eq(row(&res, r, "work.events"), 2 * row(&res, r, "requests.arrived"));
            ck_assert_double_eq(row(&res, r, "work.lost"), 0);
            ck_assert_double_eq(row(&res, r, "functions.api.messages_sent"), row(&res, r, "work.events"));
            ck_assert_double_eq(row(&res, r, "functions.worker.invocations") - row(&res, r, "work.in_flight"),
                                row(&res, r, "work.processed"));
        }
        double hw, m = support_figure_ci(&res, "functions.api.mean_duration_ms", &hw);
        ck_assert_msg(m > (c ? 70 : 30) - 1e-6 && m < (c ? 70 : 30) + 1, "time inside %.3f ms", m);
        support_done(spec, &res);
    }
}
END_TEST

/* ---- Azure Flex ---------------------------------------------------------------------- */

/* Flex at 512 MB takes 4 requests an instance. 40 a second, each 50 ms of I/O and a 450 ms
 * call: 20 in flight (Little), and target-based scaling on the requests held keeps at
 * least 20 / 4 = 5 instances; the time inside is 500 ms; the bill is the instances' busy
 * time at 0.5 GB (each busy period 1 s at least), below the executions' sum. */
START_TEST(a_flex_function_with_calls_scales_on_requests_held_and_bills)
{
    world_spec *spec;
    run_result res;
    run_set(flex_file, "", &spec, &res);
    assert_time_inside(&res, spec, 500);
    double hw, m = run_value(&res, "latency_ms.mean", NULL);
    ck_assert_msg(fabs(m - 500) < 1e-6, "client latency %.9f ms, want h + L = 500", m);
    m = support_figure_ci(&res, "functions.api.mean_instances", &hw);
    ck_assert_msg(m >= 5, "instances %.2f for 20 requests in flight at 4 each", m);
    m = support_figure_ci(&res, "functions.api.mean_concurrency", &hw);
    ck_assert_msg(m >= 5 - 1.5 * hw, "busy instances %.2f +- %.2f for 20 requests in flight at 4 each", m, hw);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double inv = row(&res, r, "functions.api.invocations");
        double busy_s = row(&res, r, "functions.api.mean_concurrency") * spec->duration_s;
        double billed_s = row(&res, r, "functions.api.billed_gb_s") / 0.5;
        ck_assert_msg(billed_s >= busy_s - 1e-6 && billed_s < inv * 0.5, "replication %u: billed %.1f s, "
                      "busy %.1f s, executions %.1f s", r, billed_s, busy_s, inv * 0.5);
        ck_assert_double_eq(row(&res, r, "functions.api.errors"), 0);
        ck_assert_double_eq(row(&res, r, "functions.api.throttles"), 0);
    }
    ck_assert_double_gt(run_value(&res, "cost.monthly_total", NULL), 0);
    support_done(spec, &res);
}
END_TEST

/* ---- what stays refused -------------------------------------------------------------- */

START_TEST(bulkheads_and_deployments_stay_refused_on_shared_instances)
{
    char json[8192];
    /* Cloud Run at its default 80 requests an instance, and with a Cloud Run instance key */
    support_scenario_set(json, sizeof json, retry_file, "tenants=[{\"name\": \"a\"}]\n"
                         "components.api.tenant_concurrency={\"a\": 5}");
    support_assert_refused(SUITE, json, "components[0].concurrency",
                           "without bulkheads or provisioned instances; set it to 1");
    support_scenario_set(json, sizeof json, io_file, "tenants=[{\"name\": \"a\"}]\n"
                         "components.api.tenant_concurrency={\"a\": 5}");
    support_assert_refused(SUITE, json, "components[0].min_instances",
                           "is modelled for Cloud Run functions without bulkheads, deployments or a keep-alive unit");
    support_scenario_set(json, sizeof json, retry_file, "components.api.deployments=[{\"at_s\": 100, "
                         "\"duration_ms\": 30}]");
    support_assert_refused(SUITE, json, "components[0].deployments",
                           "are modelled for keep_alive.scope \"instance\" and one request per instance");
    support_scenario_set(json, sizeof json, flex_file, "components.api.keep_alive={\"policy\": \"fixed\", "
                         "\"idle_s\": 60, \"scope\": \"function\"}");
    support_assert_refused(SUITE, json, "components[0].concurrency",
                           "without bulkheads, deployments or a keep-alive unit; set concurrency to 1");
}
END_TEST

Suite *shared_calls_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_request_waiting_on_a_call_holds_its_place_on_the_instance);
    tcase_add_test(tc, at_one_request_an_instance_a_waiting_request_keeps_it_busy);
    tcase_add_test(tc, a_request_waiting_on_a_call_uses_no_vcpu);
    tcase_add_test(tc, a_failing_call_is_retried_and_counted_as_on_lambda);
    tcase_add_test(tc, messages_sent_from_a_shared_instance_carry_their_work);
    tcase_add_test(tc, a_flex_function_with_calls_scales_on_requests_held_and_bills);
    tcase_add_test(tc, bulkheads_and_deployments_stay_refused_on_shared_instances);
    suite_add_tcase(s, tc);
    return s;
}
