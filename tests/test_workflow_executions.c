/* test_workflow_executions.c — workflow executions as a whole (the workflow kind,
 * models/workflow/), counted, traced and billed by hand: a deterministic Standard workflow
 * (transitions, latency, per-state entries and times, in-flight level, the monthly bill with
 * and without the free tier); Express against its 5-minute limit and its bill (requests,
 * 100-ms duration units, 64-MB memory steps, three GB-s tiers), beside the Standard bill of
 * the same machine; sagas (compensations in reverse order, read from the trace; a
 * compensation that fails); conservation of requests with sync and async starts, starts by a
 * function's call, a queue's consumer, another workflow's task and a topic, Little's law for
 * executions in flight; and trace.csv from the command line. The states themselves are
 * test_workflow.c. The last tests (regression_*) pin down model bugs found while writing
 * the workflow suite, now fixed (see their comments).
 *
 * Most cases are deterministic and asserted exactly (times to 1e-9 s, bills to the cent);
 * Little's law is held to test_workflow.c's tolerance, 1.5 times the 95% half-width.
 * SLSIM_VERBOSE=1 prints the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/workflow.h"
#include "tests/suites.h"
#include "tests/support.h"

#define MONTH_S (730.0 * 3600.0)

#define verbose() support_verbose()
#define assert_within_ci(what, simulated, hw, reference) \
    support_assert_within_ci("workflow-executions", what, simulated, hw, reference)
#define figure_ci support_figure_ci
#define row support_row_value
#define wfrow support_workflow_value
#define assert_only_outcome support_assert_workflow_outcome
#define assert_close support_assert_close
#define round_cents support_round_cents

/* Step Functions Express duration, tiered per month (GB-s). */
static double express_gb_s_cost(double gb_s)
{
    static const double up_to[] = { 3600000, 18000000, INFINITY };
    static const double price[] = { 0.00001667, 0.00000833, 0.00000456 };
    double cost = 0, low = 0;
    for (int i = 0; i < 3 && gb_s > low; i++) {
        double in_tier = fmin(gb_s, up_to[i]) - low;
        cost += in_tier * price[i];
        low = up_to[i];
    }
    return cost;
}

/* Runs replication 0 of a scenario directly and returns workflow wf's trace (caller frees). */
static char *trace_of(const char *json, const char *wf)
{
    char err[1024] = "";
    world_spec *spec = support_load_text(json, err, sizeof err);
    ck_assert_msg(spec != NULL, "scenario did not load: %s", err);
    int i = world_spec_component(spec, wf);
    ck_assert_int_ge(i, 0);
    world w = { 0 };
    int rc = world_run(&w, spec, 0, err, sizeof err);
    ck_assert_msg(rc == 0, "run failed: %s", err);
    char *text = strdup(workflow_trace(w.state[i]));
    world_free(&w);
    world_spec_free(spec);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* The events of execution id in a trace, "state event|state event|...", and the times of its
 * first and last lines. */
static void execution_events(const char *trace, unsigned id, char *out, size_t size, double *t0, double *t1)
{
    out[0] = '\0';
    *t0 = *t1 = NAN;
    const char *p = trace;
    size_t len = 0;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char line[256];
        snprintf(line, sizeof line, "%.*s", (int)(n < 255 ? n : 255), p);
        p += n + (end ? 1 : 0);
        char *f[5];
        char *s = line;
        int k = 0;
        for (; k < 5 && s; k++) {
            f[k] = s;
            s = strchr(s, ',');
            if (s)
                *s++ = '\0';
        }
        if (k < 5 || strtoul(f[2], NULL, 10) != id)
            continue;
        double t = strtod(f[0], NULL);
        if (isnan(*t0))
            *t0 = t;
        *t1 = t;
        int w = snprintf(out + len, size - len, "%s%s %s", len ? "|" : "", f[3], f[4]);
        ck_assert_msg(w > 0 && (size_t)w < size - len, "trace of execution %u too long", id);
        len += (size_t)w;
    }
}

/* ---- 1. a deterministic Standard workflow ----------------------------------------------- */

/* task a (50 ms) -> wait 2 s -> choice (probability 1 to b) -> task b (50 ms) -> succeed,
 * started every 0.5 s (random phase) until 900 s, measured for 1,000 s: exactly 1,800
 * executions, all ended in the window. */
static void run_deterministic(bool free_tier, world_spec **spec, run_result *res)
{
    char json[2048];
    support_scenario_set(json, sizeof json, "workflow/a-deterministic-standard-workflow.json",
                         "free_tier=%s",
                         free_tier ? "true" : "false");
    support_run_text(json, 0, spec, res);
}

START_TEST(a_deterministic_standard_workflow_is_counted_and_billed_exactly)
{
    /* By hand: 5 transitions an execution (a, pause, pick, b, done; never is not entered),
     * latency 0.05 + 2 + 0.05 = 2.1 s, each state entered once; at most 5 in flight (one
     * start every 0.5 s, each 2.1 s long), on average 1,800 x 2.1 s / 1,000 s = 3.78.
     * Bill: 9,000 transitions in 1,000 s, scaled to a 730-hour month, at $0.025 per 1,000:
     * $591.30; with the free tier 4,000 fewer: $591.20. */
    const double n = 1800, per = 5, scale = MONTH_S / 1000.0;
    for (int ft = 0; ft <= 1; ft++) {
        world_spec *spec;
        run_result res;
        run_deterministic(ft, &spec, &res);
        for (uint32_t r = 0; r < spec->replications; r++) {
            ck_assert_double_eq(wfrow(&res, r, "wf", "executions"), n);
            assert_only_outcome(&res, r, "wf", "succeeded", n);
            ck_assert_double_eq(wfrow(&res, r, "wf", "compensations_run"), 0);
            ck_assert_double_eq(wfrow(&res, r, "wf", "transitions"), per * n);
            ck_assert_double_eq(wfrow(&res, r, "wf", "transitions_mean"), per);
            ck_assert_double_eq(wfrow(&res, r, "wf", "transitions_max"), per);
            static const char *const entered[] = { "a", "pause", "pick", "b", "done" };
            for (size_t k = 0; k < 5; k++) {
                char f[64];
                snprintf(f, sizeof f, "states.%s.entries", entered[k]);
                ck_assert_double_eq(wfrow(&res, r, "wf", f), n);
                snprintf(f, sizeof f, "states.%s.retries", entered[k]);
                ck_assert_double_eq(wfrow(&res, r, "wf", f), 0);
            }
            ck_assert_double_eq(wfrow(&res, r, "wf", "states.never.entries"), 0);
            assert_close("latency_ms_mean", wfrow(&res, r, "wf", "latency_ms_mean"), 2100);
            assert_close("latency_ms_p50", wfrow(&res, r, "wf", "latency_ms_p50"), 2100);
            assert_close("latency_ms_p99", wfrow(&res, r, "wf", "latency_ms_p99"), 2100);
            assert_close("time in a", wfrow(&res, r, "wf", "states.a.time_s_mean"), 0.05);
            assert_close("time in pause", wfrow(&res, r, "wf", "states.pause.time_s_mean"), 2);
            assert_close("time in pick", wfrow(&res, r, "wf", "states.pick.time_s_mean"), 0);
            assert_close("time in b", wfrow(&res, r, "wf", "states.b.time_s_mean"), 0.05);
            assert_close("time in done", wfrow(&res, r, "wf", "states.done.time_s_mean"), 0);
            assert_close("waiting_s_mean", wfrow(&res, r, "wf", "waiting_s_mean"), 2);
            assert_close("working_s_mean", wfrow(&res, r, "wf", "working_s_mean"), 0.1);
            ck_assert_double_eq(wfrow(&res, r, "wf", "max_in_flight"), 5);
            assert_close("mean_in_flight", wfrow(&res, r, "wf", "mean_in_flight"), n * 2.1 / 1000.0);
            /* The requests that started them, and the service's calls. */
            ck_assert_double_eq(row(&res, r, "requests.arrived"), n);
            ck_assert_double_eq(row(&res, r, "requests.completed"), n);
            ck_assert_double_eq(row(&res, r, "services.svc.calls"), 2 * n);
            /* The bill, from the executions counted by hand. */
            double monthly = per * n * scale - (ft ? 4000 : 0);
            double line = round_cents(monthly / 1000.0 * 0.025);
            ck_assert_double_eq_tol(line, ft ? 591.20 : 591.30, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_transitions"), line, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_component.wf"), line, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_component.svc"), 0, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_express_requests"), 0, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_express_duration"), 0, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.monthly_total"), line, 1e-9);
            assert_close("cost.per_execution.wf", row(&res, r, "cost.per_execution.wf"), line / (n * scale));
        }
        if (verbose())
            fprintf(stderr, "workflow: deterministic (free tier %s): %g executions, %g transitions, latency %.6f ms, "
                    "bill $%.2f, $%.3g per execution\n", ft ? "on" : "off",
                    run_value(&res, "workflows.wf.executions", NULL), run_value(&res, "workflows.wf.transitions", NULL),
                    run_value(&res, "workflows.wf.latency_ms_mean", NULL),
                    run_value(&res, "cost.by_line.step_functions_transitions", NULL),
                    run_value(&res, "cost.per_execution.wf", NULL));
        support_done(spec, &res);
    }
}
END_TEST

/* ---- 2. Express --------------------------------------------------------------------------- */

START_TEST(express_stops_at_five_minutes_and_standard_runs_on)
{
    /* task (50 ms) then a 400-s wait, one start a second until 1,000 s, measured 1,500 s.
     * Express: every execution times out at 300 s; billed 3,000 units of 100 ms at 64 MB,
     * 18.75 GB-s each: 18,750 GB-s a window, 32.85 M a month (all three tiers). Standard:
     * every execution succeeds after 400.05 s; 2 transitions each. */
    const double n = 1000, scale = MONTH_S / 1500.0;
    char json[2048];
    world_spec *spec;
    run_result res;
    support_scenario_set(json, sizeof json, "workflow/express-stops-at-five-minutes-and-standard-runs-on.json",
                         "traffic.t.mode=async\n"
                         "components.wf.type=express");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        ck_assert_double_eq(wfrow(&res, r, "wf", "executions"), n);
        assert_only_outcome(&res, r, "wf", "timed_out", n);
        ck_assert_double_eq(row(&res, r, "requests.timed_out"), n);
        assert_close("Express latency (ms)", wfrow(&res, r, "wf", "latency_ms_mean"), 300000);
        double gb_s = n * 3000 * 0.1 * 64 / 1024 * scale;
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_express_requests"),
                                round_cents(n * scale / 1e6 * 1.00), 1e-9);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_express_duration"),
                                round_cents(express_gb_s_cost(gb_s)), 1e-9);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_transitions"), 0, 1e-9);
    }
    if (verbose())
        fprintf(stderr, "workflow: Express 400-s wait: %g of %g timed out; requests $%.2f, duration $%.2f\n",
                run_value(&res, "workflows.wf.timed_out", NULL), run_value(&res, "workflows.wf.executions", NULL),
                run_value(&res, "cost.by_line.step_functions_express_requests", NULL),
                run_value(&res, "cost.by_line.step_functions_express_duration", NULL));
    support_done(spec, &res);
    /* The trace ends the execution at its limit. */
    char *trace = trace_of(json, "wf");
    char ev[1024];
    double t0, t1;
    execution_events(trace, 1, ev, sizeof ev, &t0, &t1);
    free(trace);
    ck_assert_str_eq(ev, "- started|a entered|a succeeded|pause entered|- timed_out");
    ck_assert_msg(fabs(t1 - t0 - 300) <= 2e-6, "Express execution 1 lasted %.6f s", t1 - t0);

    support_scenario_set(json, sizeof json, "workflow/express-stops-at-five-minutes-and-standard-runs-on.json",
                         "traffic.t.mode=async\n"
                         "components.wf.type=standard");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_only_outcome(&res, r, "wf", "succeeded", n);
        assert_close("Standard latency (ms)", wfrow(&res, r, "wf", "latency_ms_mean"), 400050);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_transitions"),
                                round_cents(2 * n * scale / 1000 * 0.025), 1e-9);
    }
    support_done(spec, &res);

    /* Started synchronously, the client gives up after its 29 s; the execution runs on. */
    support_scenario_set(json, sizeof json, "workflow/express-stops-at-five-minutes-and-standard-runs-on.json",
                         "traffic.t.mode=sync\n"
                         "components.wf.type=standard");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_only_outcome(&res, r, "wf", "succeeded", n);
        ck_assert_double_eq(row(&res, r, "requests.timed_out"), n);
        ck_assert_double_eq(row(&res, r, "requests.completed"), 0);
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(express_and_standard_bills_follow_their_formulas)
{
    /* task (30 ms) then a 1.2-s wait: every execution takes 1.23 s, 13 units of 100 ms.
     * memory_mb 1000 is billed as 1,024 MB: 1.3 GB-s an execution. 8 starts a second until
     * 1,000 s, measured 1,002 s: 8,000 executions, 2 transitions each. */
    const double scale = MONTH_S / 1002.0;
    double express_cost = 0, standard_cost = 0;
    for (int express = 1; express >= 0; express--) {
        char json[2048];
        world_spec *spec;
        run_result res;
        support_scenario_set(json, sizeof json, "workflow/express-and-standard-bills-follow-their-formulas.json",
                             "components.wf.type=%s",
                             express ? "express" : "standard");
        support_run_text(json, 0, &spec, &res);
        for (uint32_t r = 0; r < spec->replications; r++) {
            double n = wfrow(&res, r, "wf", "succeeded");
            ck_assert_double_eq(n, 8000);
            assert_only_outcome(&res, r, "wf", "succeeded", n);
            assert_close("latency (ms)", wfrow(&res, r, "wf", "latency_ms_mean"), 1230);
            double req = round_cents(express ? n * scale / 1e6 * 1.00 : 0);
            double dur = round_cents(express ? express_gb_s_cost(n * 13 * 0.1 * 1024 / 1024 * scale) : 0);
            double tr = round_cents(express ? 0 : 2 * n * scale / 1000 * 0.025);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_express_requests"), req, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_express_duration"), dur, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_transitions"), tr, 1e-9);
            ck_assert_double_eq_tol(row(&res, r, "cost.by_component.wf"), round_cents(req + dur + tr), 0.010001);
            assert_close("cost.per_execution.wf", row(&res, r, "cost.per_execution.wf"),
                         row(&res, r, "cost.by_component.wf") / (n * scale));
            *(express ? &express_cost : &standard_cost) = req + dur + tr;
        }
        support_done(spec, &res);
    }
    if (verbose())
        fprintf(stderr, "workflow: 1.23-s workflow, 20.98 M executions a month: Express $%.2f, Standard $%.2f\n",
                express_cost, standard_cost);
    /* Short, simple executions: Express is the cheaper. */
    ck_assert_double_lt(express_cost, standard_cost);
}
END_TEST

/* ---- 3. sagas ----------------------------------------------------------------------------- */

/* pay -> reserve -> ship -> done, each task 20 ms; ship always fails, retried twice 100 ms
 * apart. pay is undone by refunds, reserve by releases (error rate release_err, retried
 * once), ship by unship. */
static void saga_json(char *json, size_t size, double release_err, int reps, int trace, int warmup)
{
    support_scenario_set(json, size, "workflow/saga.json",
                         "warmup_s=%d\n"
                         "replications=%d\n"
                         "traffic.t.end_s=%d\n"
                         "components.wf.trace_executions=%d\n"
                         "components.releases.error_rate=%g",
                         warmup, reps, warmup + 190, trace, release_err);
}

START_TEST(a_failed_saga_undoes_its_steps_in_reverse_order)
{
    /* Every execution: pay and reserve succeed, ship fails 3 times (2 retries) and fails
     * the execution, which undoes reserve, then pay (ship never succeeded: not undone).
     * Outcome compensated; 2 compensations each; transitions 3 entries + 2 retries + 2
     * compensations = 7; latency 20 + 20 + (20 + 100 + 20 + 100 + 20) + 20 + 20 = 340 ms. */
    char json[4096];
    saga_json(json, sizeof json, 0, 3, 0, 0);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    const double n = 380;
    for (uint32_t r = 0; r < spec->replications; r++) {
        ck_assert_double_eq(wfrow(&res, r, "wf", "executions"), n);
        assert_only_outcome(&res, r, "wf", "compensated", n);
        ck_assert_double_eq(wfrow(&res, r, "wf", "compensations_run"), 2 * n);
        ck_assert_double_eq(wfrow(&res, r, "wf", "transitions_mean"), 7);
        ck_assert_double_eq(wfrow(&res, r, "wf", "states.ship.retries"), 2 * n);
        ck_assert_double_eq(wfrow(&res, r, "wf", "states.done.entries"), 0);
        ck_assert_double_eq(row(&res, r, "services.shipping.attempts"), 3 * n);
        ck_assert_double_eq(row(&res, r, "services.refunds.calls"), n);
        ck_assert_double_eq(row(&res, r, "services.releases.calls"), n);
        ck_assert_double_eq(row(&res, r, "services.unship.calls"), 0);
        ck_assert_msg(fabs(wfrow(&res, r, "wf", "latency_ms_mean") - 340) <= 1e-6, "latency %.9f ms",
                      wfrow(&res, r, "wf", "latency_ms_mean"));
        /* A compensated execution failed, for whoever started it. */
        ck_assert_double_eq(row(&res, r, "requests.failed"), n);
    }
    support_done(spec, &res);

    /* The trace of the first execution, event by event. */
    saga_json(json, sizeof json, 0, 1, 2, 0);
    char *trace = trace_of(json, "wf");
    char ev[2048];
    double t0, t1;
    execution_events(trace, 1, ev, sizeof ev, &t0, &t1);
    if (verbose())
        fprintf(stderr, "workflow: saga execution 1 (%.3f s to %.3f s): %s\n", t0, t1, ev);
    ck_assert_str_eq(ev, "- started|pay entered|pay succeeded|reserve entered|reserve succeeded|ship entered|"
                         "ship retry|ship retry|ship failed|reserve compensating|reserve compensated|"
                         "pay compensating|pay compensated|- compensated");
    ck_assert_msg(fabs(t1 - t0 - 0.34) <= 2e-6, "execution 1 took %.6f s", t1 - t0);
    execution_events(trace, 2, ev, sizeof ev, &t0, &t1);
    ck_assert_msg(strstr(ev, "reserve compensating|reserve compensated|pay compensating") != NULL, "execution 2: %s",
                  ev);
    execution_events(trace, 3, ev, sizeof ev, &t0, &t1);
    ck_assert_str_eq(ev, "");    /* only the first 2 are traced */
    free(trace);
}
END_TEST

START_TEST(a_compensation_that_fails_for_good_ends_the_saga_compensation_failed)
{
    /* The same saga, releases always failing (one retry): reserve's compensation fails
     * twice, the execution ends compensation_failed at once (pay's refund is not run):
     * compensations_run 1 each; transitions 3 + 2 + 1 compensation + 1 retry = 7. */
    char json[4096];
    saga_json(json, sizeof json, 1, 3, 1, 0);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    const double n = 380;
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_only_outcome(&res, r, "wf", "compensation_failed", n);
        ck_assert_double_eq(wfrow(&res, r, "wf", "compensations_run"), n);
        ck_assert_double_eq(wfrow(&res, r, "wf", "transitions_mean"), 7);
        ck_assert_double_eq(row(&res, r, "services.releases.attempts"), 2 * n);
        ck_assert_double_eq(row(&res, r, "services.refunds.calls"), 0);
        ck_assert_double_eq(row(&res, r, "requests.failed"), n);
    }
    support_done(spec, &res);
    char *trace = trace_of(json, "wf");
    char ev[2048];
    double t0, t1;
    execution_events(trace, 1, ev, sizeof ev, &t0, &t1);
    if (verbose())
        fprintf(stderr, "workflow: failed compensation, execution 1: %s\n", ev);
    ck_assert_str_eq(ev, "- started|pay entered|pay succeeded|reserve entered|reserve succeeded|ship entered|"
                         "ship retry|ship retry|ship failed|reserve compensating|reserve retry|"
                         "reserve compensation failed|- compensation_failed");
    free(trace);
}
END_TEST

/* ---- 4. starts and conservation ------------------------------------------------------------ */

START_TEST(requests_that_start_executions_are_conserved)
{
    /* Poisson starts, sync (client timeout 1.5 s) and async, to the end of the window; a
     * task failing with p 0.1 (no retry), an exponential wait, an execution limit of 4 s:
     * every outcome happens, executions are left in flight. */
    const char *async_only =
        "{\"name\": \"a\", \"target\": \"wf\", \"mode\": \"async\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 10}}";
    const char *both =
        "{\"name\": \"a\", \"target\": \"wf\", \"mode\": \"async\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 10}},"
        "{\"name\": \"s\", \"target\": \"wf\", \"client\": {\"timeout_ms\": 1500},"
        " \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 10}}";
    int d = test_quick() ? 100 : 300;
    for (int sync = 0; sync <= 1; sync++) {
        char json[3072];
        support_scenario_set(json, sizeof json, "workflow/requests-that-start-executions-are-conserved.json",
                             "duration_s=%d\n"
                             "traffic=[%s]",
                             d, sync ? both : async_only);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        for (uint32_t r = 0; r < spec->replications; r++) {
            double arrived = row(&res, r, "requests.arrived"), completed = row(&res, r, "requests.completed");
            double failed = row(&res, r, "requests.failed"), timed_out = row(&res, r, "requests.timed_out");
            double in_flight = row(&res, r, "requests.in_flight");
            ck_assert_msg(arrived == completed + failed + timed_out + in_flight,
                          "replication %u: %g arrived, %g completed, %g failed, %g timed out, %g in flight", r,
                          arrived, completed, failed, timed_out, in_flight);
            static const char *const none[] = { "requests.throttled", "requests.dropped", "requests.dead_lettered",
                                                "requests.expired" };
            for (size_t k = 0; k < 4; k++)
                ck_assert_double_eq(row(&res, r, none[k]), 0);
            double x = wfrow(&res, r, "wf", "executions"), ok = wfrow(&res, r, "wf", "succeeded");
            double wf_failed = wfrow(&res, r, "wf", "failed"), wf_to = wfrow(&res, r, "wf", "timed_out");
            ck_assert_double_eq(x, arrived);
            ck_assert_double_gt(ok, 0);
            ck_assert_double_gt(wf_failed, 0);
            ck_assert_double_gt(wf_to, 0);
            ck_assert_double_gt(in_flight, 0);
            ck_assert_double_le(ok + wf_failed + wf_to, x);
            if (!sync) {
                /* One execution per request, started at its arrival: the same counts. */
                ck_assert_double_eq(completed, ok);
                ck_assert_double_eq(failed, wf_failed);
                ck_assert_double_eq(timed_out, wf_to);
                ck_assert_double_eq(in_flight, x - ok - wf_failed - wf_to);
            } else {
                /* A sync client stops waiting at 1.5 s; its execution runs on. */
                ck_assert_double_gt(timed_out, wf_to);
                ck_assert_double_lt(completed, ok);
                ck_assert_double_le(in_flight, x - ok - wf_failed - wf_to);
            }
        }
        if (verbose())
            fprintf(stderr, "workflow: conservation (%s): arrived %g, completed %g, failed %g, timed out %g, "
                    "in flight %g; executions %g: %g succeeded, %g failed, %g timed out\n",
                    sync ? "sync and async" : "async", run_value(&res, "requests.arrived", NULL),
                    run_value(&res, "requests.completed", NULL), run_value(&res, "requests.failed", NULL),
                    run_value(&res, "requests.timed_out", NULL), run_value(&res, "requests.in_flight", NULL),
                    run_value(&res, "workflows.wf.executions", NULL), run_value(&res, "workflows.wf.succeeded", NULL),
                    run_value(&res, "workflows.wf.failed", NULL), run_value(&res, "workflows.wf.timed_out", NULL));
        support_done(spec, &res);
    }
}
END_TEST

START_TEST(executions_in_flight_follow_littles_law)
{
    /* Poisson starts at lambda = 5/s of executions lasting exactly W = 2.05 s (task 50 ms,
     * wait 2 s), after a warm-up: L = lambda W = 10.25 in flight on average. */
    const double lambda = 5, wait = 2.05;
    char json[2048];
    support_scenario_set(json, sizeof json, "workflow/executions-in-flight-follow-littles-law.json",
                         "duration_s=%d\n"
                         "traffic.t.arrivals.rate_per_s=%g",
                         test_quick() ? 200 : 2000, lambda);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, l = figure_ci(&res, "workflows.wf.mean_in_flight", &hw);
    assert_within_ci("executions in flight lambda W", l, hw, lambda * wait);
    for (uint32_t r = 0; r < spec->replications; r++)
        assert_close("latency (ms)", wfrow(&res, r, "wf", "latency_ms_mean"), 1000 * wait);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_function_call_and_a_queue_consumer_start_executions)
{
    /* A function calls the workflow synchronously (its duration includes the execution's
     * 2.05 s); a queue's consumer is the workflow (one execution per batch). Arrivals stop
     * 50 s before the end: everything has ended. */
    char json[4096];
    support_scenario(json, sizeof json, "workflow/a-function-call-and-a-queue-consumer-start-executions.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double calls = row(&res, r, "functions.f.calls.wf.calls"), batches = row(&res, r, "queues.jobs.batches");
        ck_assert_double_gt(calls, 100);
        ck_assert_double_gt(batches, 100);
        ck_assert_double_eq(calls, row(&res, r, "functions.f.invocations"));
        ck_assert_double_eq(wfrow(&res, r, "wf", "executions"), calls + batches);
        assert_only_outcome(&res, r, "wf", "succeeded", calls + batches);
        ck_assert_double_eq(row(&res, r, "functions.f.errors"), 0);
        ck_assert_double_eq(row(&res, r, "queues.jobs.deleted"), row(&res, r, "queues.jobs.sent"));
        ck_assert_double_eq(row(&res, r, "requests.completed"), row(&res, r, "requests.arrived"));
        assert_close("latency (ms)", wfrow(&res, r, "wf", "latency_ms_mean"), 2050);
        /* The function waited for the execution: 10 ms of its own + 2.05 s. */
        assert_close("function duration (ms)", row(&res, r, "functions.f.mean_duration_ms"), 2060);
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(a_workflow_runs_as_another_s_task_and_as_a_topic_s_subscriber)
{
    /* outer (Standard): a task that runs inner, then succeed. inner (Express): a 50-ms task
     * and a 1-s wait. One start of outer and one publish a second until 250 s: inner runs
     * 500 times, 1.05 s each (11 units of 100 ms at 64 MB); outer 250 times, also 1.05 s,
     * 2 transitions each. Bills over 300 s: outer 500 transitions, inner 500 executions
     * and 500 x 11 x 0.1 x 64 / 1024 GB-s. */
    char json[4096];
    support_scenario(json, sizeof json, "workflow/a-workflow-runs-as-another-s-task-and-as-a-topic-s-subscriber.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    const double scale = MONTH_S / 300.0;
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_only_outcome(&res, r, "outer", "succeeded", 250);
        assert_only_outcome(&res, r, "inner", "succeeded", 500);
        assert_close("outer latency (ms)", wfrow(&res, r, "outer", "latency_ms_mean"), 1050);
        assert_close("inner latency (ms)", wfrow(&res, r, "inner", "latency_ms_mean"), 1050);
        ck_assert_double_eq(row(&res, r, "topics.news.published"), 250);
        ck_assert_double_eq(row(&res, r, "requests.completed"), 500);
        double tr = round_cents(500 * scale / 1000 * 0.025);
        double req = round_cents(500 * scale / 1e6);
        double dur = round_cents(express_gb_s_cost(500 * 11 * 0.1 * 64 / 1024 * scale));
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_transitions"), tr, 1e-9);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_express_requests"), req, 1e-9);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.step_functions_express_duration"), dur, 1e-9);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_component.outer"), tr, 1e-9);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_component.inner"), round_cents(req + dur), 0.010001);
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(the_command_line_writes_the_trace_of_replication_0)
{
    /* The saga of test 3 after a 10-s warm-up, 2 replications, the first 3 executions
     * traced: trace.csv has its header, 3 executions of replication 0 only (numbered 1-3,
     * each ending compensated), none started before the warm-up's end. */
    char dir[256], file[512], out_dir[512], csv[600], json[4096], out[4096];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/saga.json", dir);
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    snprintf(csv, sizeof csv, "%s/trace.csv", out_dir);
    saga_json(json, sizeof json, 0, 2, 3, 10);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fputs(json, f);
    fclose(f);
    int rc = support_sh(out, sizeof out, "'%s' run '%s' --out '%s' --quiet", support_binary(), file, out_dir);
    ck_assert_msg(rc == 0, "slsim exited %d: %s", rc, out);
    char *text = support_read_file(csv);
    support_rmrf(dir);
    ck_assert_msg(text != NULL, "no trace.csv");
    ck_assert_msg(strncmp(text, "time_s,workflow,execution,state,event\n", 38) == 0, "header: %.60s", text);
    const char *body = text + 38;
    size_t lines = 0;
    for (const char *p = body; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, 3 * 14);     /* 14 events an execution */
    for (unsigned id = 1; id <= 3; id++) {
        char ev[2048];
        double t0, t1;
        execution_events(body, id, ev, sizeof ev, &t0, &t1);
        ck_assert_msg(t0 >= 10, "execution %u started at %g, in the warm-up", id, t0);
        ck_assert_msg(strncmp(ev, "- started|pay entered", 21) == 0, "execution %u: %s", id, ev);
        size_t n = strlen(ev);
        ck_assert_msg(n > 13 && strcmp(ev + n - 13, "- compensated") == 0, "execution %u: %s", id, ev);
    }
    if (verbose())
        fprintf(stderr, "workflow: trace.csv: %zu events of 3 executions\n", lines);
    free(text);
}
END_TEST

/* ---- model bugs found while writing this suite, fixed: kept as regressions ---------------------------------------------
 * Each test below FAILS on the model as it stands; the comment states the input, what the
 * README says should happen, and what the model does. They are left failing on purpose. */

START_TEST(regression_time_in_a_state_cut_short_by_the_execution_timeout_is_lost)
{
    /* models/workflow/execution.c: state_left and the wait_s/work_s sums run only when a state
     * ends by itself; exec_end (an execution timeout) frees the frames without adding the time
     * the current state had run. An Express workflow: task (50 ms), then a 400-s wait; every
     * execution times out at 300 s after 299.95 s in the wait. README, Workflow figures:
     * "waiting_s_mean (in wait states) ... per execution, and per state ... time_s_mean".
     * Expected waiting_s_mean 299.95 and states.pause.time_s_mean 299.95 (entries 1 per
     * execution); observed 0 and 0. (The same loss hits a branch stopped by a failing sibling
     * and a map item stopped by its map.) */
    char json[4096];
    support_scenario(json, sizeof json, "workflow/regression-time-in-a-state-cut-short-by-the-execution-timeout.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double timed_out = wfrow(&res, 0, "wf", "timed_out");
    double entries = wfrow(&res, 0, "wf", "states.pause.entries");
    double waiting = wfrow(&res, 0, "wf", "waiting_s_mean");
    double in_pause = wfrow(&res, 0, "wf", "states.pause.time_s_mean");
    support_done(spec, &res);    /* before the failing assertion: no leak under CK_FORK=no */
    ck_assert_double_eq(timed_out, 1000);
    ck_assert_double_eq(entries, 1000);
    ck_assert_msg(fabs(waiting - 299.95) < 1e-6 && fabs(in_pause - 299.95) < 1e-6,
                  "executions timed out after 299.95 s in a wait state: waiting_s_mean %g, "
                  "states.pause.time_s_mean %g (expected 299.95 each)", waiting, in_pause);
}
END_TEST

START_TEST(regression_transitions_in_the_window_of_executions_from_the_warm_up_are_not_billed)
{
    /* models/workflow/execution.c, count_transition: a transition is billed only
     * `if (e->measured)`, i.e. for executions started in the window. README, Workflow: "Standard
     * transitions are counted when they happen", and a bill is the window's usage scaled to a
     * month. Input: a Standard workflow, a 400-s wait then a task (50 ms), one start a second,
     * warm-up 500 s (steady state when the window opens), measured 1,500 s and 3,000 s. In the
     * window 2 transitions happen each second (a wait entered, a task entered; the service
     * counts 1 call a second too): expected 3,000 and 6,000 transitions (±2), a monthly line
     * of $131.40 (±$0.10) whatever the run's length. Observed: the tasks entered in the window
     * by executions started in the warm-up are dropped: 2,600 ($113.88) and 5,600 ($122.64):
     * the monthly bill of a steady workload depends on the run's length. */
    double got[2], line[2], calls[2];
    for (int k = 0; k < 2; k++) {
        char json[2048];
        support_scenario_set(json, sizeof json, "workflow/regression-transitions-of-executions-from-the-warm-up.json",
                             "duration_s=%d",
                             k ? 3000 : 1500);
        world_spec *spec;
        run_result res;
        support_run_text(json, 1, &spec, &res);
        got[k] = wfrow(&res, 0, "wf", "transitions");
        line[k] = row(&res, 0, "cost.by_line.step_functions_transitions");
        calls[k] = row(&res, 0, "services.svc.calls");
        support_done(spec, &res);    /* before the failing assertion: no leak under CK_FORK=no */
    }
    ck_assert_msg(fabs(calls[0] - 1500) <= 1 && fabs(calls[1] - 3000) <= 1, "task calls in the window: %g, %g",
                  calls[0], calls[1]);
    ck_assert_msg(fabs(got[0] - 3000) <= 2 && fabs(got[1] - 6000) <= 2 && fabs(line[0] - 131.40) <= 0.1 &&
                  fabs(line[1] - 131.40) <= 0.1,
                  "2 transitions a second in the window: billed %g in 1,500 s ($%.2f a month), %g in 3,000 s "
                  "($%.2f a month); expected 3,000 and 6,000 ($131.40 a month each)", got[0], line[0], got[1], line[1]);
}
END_TEST

START_TEST(regression_express_executions_running_at_the_window_edges_are_not_billed)
{
    /* models/workflow/execution.c, exec_end, and kind.c, workflow_meter: an Express execution
     * is billed (request and duration) only if it both started and ended in the window. Input:
     * an Express workflow waiting 240 s (the README's own --set for
     * composition-express-workflow.json), one start a second, warm-up 300 s, measured 1,500 s
     * and 3,000 s. A steady workload: 1 execution a second (15 GB-s each: 2,400 units of
     * 100 ms at 64 MB), so expected monthly lines of $2.63 (2.628 M requests) and $277.64 (39.42 M
     * GB-s, three tiers) whatever the run's length. Observed: the executions started in the
     * warm-up (ended in the window) and those started in the last 240 s (still running) are
     * left out, a share 240 / duration_s: 1,260 of 1,500 billed ($2.21 and $248.88 a month),
     * 2,760 of 3,000 ($2.42, $263.26). */
    const double month_requests = MONTH_S;          /* 1 a second */
    const double want_req = round_cents(month_requests / 1e6);
    const double want_dur = round_cents(express_gb_s_cost(month_requests * 2400 * 0.1 * 64 / 1024));
    double req[2], dur[2];
    for (int k = 0; k < 2; k++) {
        char json[2048];
        support_scenario_set(json, sizeof json, "workflow/regression-express-executions-at-the-window-edges.json",
                             "duration_s=%d",
                             k ? 3000 : 1500);
        world_spec *spec;
        run_result res;
        support_run_text(json, 1, &spec, &res);
        req[k] = row(&res, 0, "cost.by_line.step_functions_express_requests");
        dur[k] = row(&res, 0, "cost.by_line.step_functions_express_duration");
        support_done(spec, &res);    /* before the failing assertion: no leak under CK_FORK=no */
    }
    ck_assert_msg(fabs(req[0] - want_req) <= 0.011 && fabs(req[1] - want_req) <= 0.011 &&
                  fabs(dur[0] - want_dur) <= 0.5 && fabs(dur[1] - want_dur) <= 0.5,
                  "a steady Express workload: requests $%.2f and $%.2f a month, duration $%.2f and $%.2f "
                  "(1,500 s and 3,000 s runs); expected $%.2f and $%.2f whatever the run's length",
                  req[0], req[1], dur[0], dur[1], want_req, want_dur);
}
END_TEST

Suite *workflow_executions_suite(void)
{
    Suite *s = suite_create("workflow-executions");
    TCase *tc = tcase_create("Standard and Express executions, sagas, starts, bills, traces");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, a_deterministic_standard_workflow_is_counted_and_billed_exactly);
    tcase_add_test(tc, express_stops_at_five_minutes_and_standard_runs_on);
    tcase_add_test(tc, express_and_standard_bills_follow_their_formulas);
    tcase_add_test(tc, a_failed_saga_undoes_its_steps_in_reverse_order);
    tcase_add_test(tc, a_compensation_that_fails_for_good_ends_the_saga_compensation_failed);
    tcase_add_test(tc, requests_that_start_executions_are_conserved);
    tcase_add_test(tc, executions_in_flight_follow_littles_law);
    tcase_add_test(tc, a_function_call_and_a_queue_consumer_start_executions);
    tcase_add_test(tc, a_workflow_runs_as_another_s_task_and_as_a_topic_s_subscriber);
    tcase_add_test(tc, the_command_line_writes_the_trace_of_replication_0);
    /* Model bugs found while writing the workflow suite: they fail until fixed. */
    tcase_add_test(tc, regression_time_in_a_state_cut_short_by_the_execution_timeout_is_lost);
    tcase_add_test(tc, regression_transitions_in_the_window_of_executions_from_the_warm_up_are_not_billed);
    tcase_add_test(tc, regression_express_executions_running_at_the_window_edges_are_not_billed);
    suite_add_tcase(s, tc);
    return s;
}
