/* test_exercises_b.c — keeps the answers of teaching exercises 09 to 14 true. Each test runs
 * the commands of its page's Run block exactly as written (tests/exercise_page.h: the same
 * files, --set, seeds, replications and windows; only --out moves into a temporary folder),
 * checks every number the answer quotes against what they give (page_says), and asserts
 * each numbered answer against a closed form, a published price or a paired comparison of
 * two runs with the same seed (common random numbers); a compare on the page must give the
 * runs' own figures.
 *
 * Tolerance: a closed form must lie within 1.5 times the run's 95% half-width of the
 * simulated mean (support_assert_within_ci); a comparison claim ("A at least 5 times B")
 * must hold beyond the CI of the per-replication ratio or difference. SLSIM_VERBOSE=1
 * prints the measured figures and the quoted text. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "tests/exercise_page.h"
#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "exercises-b"
#define DIR "scenarios/exercises/"
#define assert_within_ci(what, simulated, hw, reference) \
    support_assert_within_ci(SUITE, what, simulated, hw, reference)

/* A month as AWS's calculator counts it, in seconds. */
static const double MONTH_S = 730.0 * 3600.0;

static double row(const run_result *res, uint32_t r, const char *name)
{
    return support_row_value(res, r, name);
}

#define paired_ratio support_paired_ratio
#define paired_diff support_paired_diff
#define assert_below(what, mean, hw, bound) support_assert_below(SUITE, what, mean, hw, bound)
#define assert_above(what, mean, hw, bound) support_assert_above(SUITE, what, mean, hw, bound)

/* P(X > x) for a lognormal given by its median and 99th percentile. */
static double lognormal_tail(double median, double p99, double x)
{
    double sigma = log(p99 / median) / gsl_cdf_ugaussian_Pinv(0.99);
    return gsl_cdf_ugaussian_Q(log(x / median) / sigma);
}

/* ---- 09 poison messages and the dead-letter queue ----------------------------------- */

START_TEST(ex09_poison_messages_and_the_dead_letter_queue)
{
    exercise_page p;
    exercise_page_open(&p, 9);
    world_spec *s_dlq, *s_none, *s_items;
    run_result dlq, none, items;
    page_run(&p, "run " DIR "09-poison-messages-dlq/with-dlq.json", &s_dlq, &dlq);
    page_run(&p, "run " DIR "09-poison-messages-dlq/without-dlq.json", &s_none, &none);
    page_run(&p, "run " DIR "09-poison-messages-dlq/item-failures.json", &s_items, &items);
    char cmp[1024];
    page_study(&p, "compare ", cmp, sizeof cmp);
    const run_result *runs[] = { &dlq, &none, &items };
    const char *names[] = { "with-dlq", "without-dlq", "item-failures" };
    for (int k = 0; k < 3; k++) {
        page_compare_agrees(cmp, names[k], runs[k], "cost.monthly_total");
        page_compare_agrees(cmp, names[k], runs[k], "latency_ms.p95");
    }
    const double poison = 0.002;
    double hw, m;

    /* 1. Whole batches fail: the good messages sharing a batch with a poison one are
     * dead-lettered with it, several times the poisoned share. */
    m = support_ratio_ci(&dlq, "requests.dead_lettered", "requests.arrived", &hw);
    assert_above("09.1 dead-lettered share with whole-batch failures > 3 x poison share", m, hw, 3 * poison);
    /* ... and that is the work lost (the report's first screen), message for message. */
    for (uint32_t r = 0; r < s_dlq->replications; r++) {
        ck_assert_double_eq(row(&dlq, r, "work.lost"), row(&dlq, r, "requests.dead_lettered"));
        ck_assert_double_eq(row(&dlq, r, "work.lost_by.dead_lettered"), row(&dlq, r, "work.lost"));
    }
    double dead = page_mean(&dlq, "requests.dead_lettered"), arrived = page_mean(&dlq, "requests.arrived");
    page_says(&p, "%.2f%% (%,.1f of %,.0f messages), %.1f times the poisoned share", 100 * dead / arrived, dead, arrived,
              dead / arrived / poison);
    page_given(&p, "three times");
    page_says(&p, "counts %.3f%% of the events, the %,.1f dead-lettered", 100 * page_mean(&dlq, "work.lost") /
              page_mean(&dlq, "work.events"), page_mean(&dlq, "work.lost"));
    page_says(&p, "got through is %.1f s", page_mean(&dlq, "latency_ms.p99") / 1000);

    /* 2. Without a redrive policy the poison comes back every visibility timeout and takes
     * good messages with it: their p95 and the bill rise. */
    m = paired_ratio(&none, "latency_ms.p95", &dlq, "latency_ms.p95", &hw);
    assert_above("09.2 good messages' p95 without DLQ / with DLQ > 20", m, hw, 20);
    m = paired_ratio(&none, "queues.orders.redelivered", &dlq, "queues.orders.redelivered", &hw);
    assert_above("09.2 redeliveries without DLQ / with DLQ > 10", m, hw, 10);
    m = paired_ratio(&none, "cost.monthly_total", &dlq, "cost.monthly_total", &hw);
    assert_above("09.2 monthly cost without DLQ / with DLQ > 1.4", m, hw, 1.4);
    for (uint32_t r = 0; r < s_none->replications; r++)
        ck_assert_double_eq(row(&none, r, "requests.dead_lettered"), 0);
    page_given(&p, "every 60 s");
    page_given(&p, "4-day retention");
    double red_n = page_mean(&none, "queues.orders.redelivered"), red_d = page_mean(&dlq, "queues.orders.redelivered");
    page_says(&p, "%,.0f redeliveries instead of %,.0f (%.1f times as many)", red_n, red_d, red_n / red_d);
    double p95_n = page_mean(&none, "latency_ms.p95"), p95_d = page_mean(&dlq, "latency_ms.p95");
    page_says(&p, "p95 goes from %.1f s to %.0f s (%.0f times; p99 %.0f s)", p95_d / 1000, p95_n / 1000, p95_n / p95_d,
              page_mean(&none, "latency_ms.p99") / 1000);
    page_says(&p, "runs %,.0f invocations instead of %,.0f", page_mean(&none, "functions.order-handler.invocations"),
              page_mean(&dlq, "functions.order-handler.invocations"));
    double bill_n = page_mean(&none, "cost.monthly_total"), bill_d = page_mean(&dlq, "cost.monthly_total");
    page_says(&p, "$%.2f a month instead of $%.2f (%.2f times)", bill_n, bill_d, bill_n / bill_d);

    /* 3. With partial batch responses only the poison is quarantined: the poisoned share
     * of the messages that arrived early enough to be received max_receives + 1 times
     * (3 visibility timeouts of 60 s) before the window ends. */
    m = support_ratio_ci(&items, "requests.dead_lettered", "requests.arrived", &hw);
    double window = s_items->duration_s, closed = poison * (window - 3 * 60.0) / window;
    assert_within_ci("09.3 dead-lettered share with item failures = poison x (T - 180 s) / T", m, hw, closed);
    m = paired_ratio(&items, "latency_ms.p99", &dlq, "latency_ms.p99", &hw);
    assert_below("09.3 p99 with item failures / whole batches < 0.1", m, hw, 0.1);
    m = paired_diff(&items, "cost.monthly_total", &dlq, "cost.monthly_total", &hw);
    assert_below("09.3 monthly cost with item failures - whole batches < 0", m, hw, 0);
    double dead_i = page_mean(&items, "requests.dead_lettered");
    page_says(&p, "%.1f messages, %.2f%% of those that arrived", dead_i, 100 * dead_i / page_mean(&items, "requests.arrived"));
    page_says(&p, "(%.0f s)", 3 * 60.0);
    page_says(&p, "%.1f%% × (%,.0f − %.0f)/%,.0f = %.3f%%", 100 * poison, window, 3 * 60.0, window, 100 * closed);
    page_says(&p, "falls to %.1f s (%.3f times the baseline's)", page_mean(&items, "latency_ms.p99") / 1000,
              page_mean(&items, "latency_ms.p99") / page_mean(&dlq, "latency_ms.p99"));
    page_says(&p, "the bill by $%.2f a month", bill_d - page_mean(&items, "cost.monthly_total"));
    page_says(&p, "costs $%.2f a month", page_mean(&dlq, "cost.by_component.order-dlq"));

    support_done(s_dlq, &dlq);
    support_done(s_none, &none);
    support_done(s_items, &items);
    exercise_page_close(&p);
}
END_TEST

/* ---- 10 noisy tenant and bulkheads --------------------------------------------------- */

START_TEST(ex10_a_noisy_tenant_and_bulkheads)
{
    exercise_page p;
    exercise_page_open(&p, 10);
    world_spec *s_shared, *s_bulk;
    run_result shared, bulk;
    page_run(&p, "shared.json", &s_shared, &shared);
    page_run(&p, "bulkheads.json", &s_bulk, &bulk);
    double hw, m;
    const char *quiet[] = { "tenants.beta.requests.success_ratio", "tenants.gamma.requests.success_ratio" };
    for (int i = 0; i < 2; i++) {
        /* 1. One shared pool: the quiet tenants lose about a tenth of their half hour's
         * requests, nearly all of them inside acme's 5-minute burst. */
        m = support_figure_ci(&shared, quiet[i], &hw);
        assert_below("10.1 quiet tenant's success ratio, shared pool < 0.95", m, hw, 0.95);
        /* 2. Bulkheads: they are served as if nothing happened. */
        m = support_figure_ci(&bulk, quiet[i], &hw);
        assert_above("10.2 quiet tenant's success ratio, bulkheads > 0.999", m, hw, 0.999);
    }
    page_says(&p, "%.3f for beta and %.3f for gamma", page_mean(&shared, quiet[0]), page_mean(&shared, quiet[1]));
    double lost = page_mean(&shared, "tenants.beta.requests.throttled"), sent = page_mean(&shared, "tenants.beta.requests.arrived");
    page_says(&p, "%,.0f of beta's %,.0f requests end throttled", lost, sent);
    page_given(&p, "5-minute burst");
    /* beta's 60/s during acme's 300-s burst; about half of them are lost. */
    const double burst = 60 * 300.0;
    ck_assert_msg(lost > 0.4 * burst && lost < 0.6 * burst, "beta lost %.0f of its %.0f burst requests", lost, burst);
    page_says(&p, "beta sends %,.0f requests: about half", burst);
    page_says(&p, "%.5f and %.1f: beta's %.1f lost requests out of %,.0f", page_mean(&bulk, quiet[0]), page_mean(&bulk, quiet[1]),
              page_mean(&bulk, "tenants.beta.requests.throttled"), page_mean(&bulk, "tenants.beta.requests.arrived"));
    page_given(&p, "its 30 executions");
    page_says(&p, "(beta's p99 %.0f ms against %.0f ms on the shared pool)", page_mean(&bulk, "tenants.beta.latency_ms.p99"),
              page_mean(&shared, "tenants.beta.latency_ms.p99"));
    /* 3. The noisy tenant pays for its own burst: its success ratio falls. */
    m = paired_diff(&bulk, "tenants.acme.requests.success_ratio", &shared, "tenants.acme.requests.success_ratio", &hw);
    assert_below("10.3 acme's success ratio, bulkheads - shared < -0.1", m, hw, -0.1);
    page_says(&p, "falls from %.2f to %.2f", page_mean(&shared, "tenants.acme.requests.success_ratio"),
              page_mean(&bulk, "tenants.acme.requests.success_ratio"));
    page_given(&p, "the 150 executions");
    page_given(&p, "it has 90 and its usage plan's 300 requests/s");
    page_says(&p, "from $%,.0f to $%,.0f a month", page_mean(&shared, "cost.monthly_total"), page_mean(&bulk, "cost.monthly_total"));
    support_done(s_shared, &shared);
    support_done(s_bulk, &bulk);
    exercise_page_close(&p);
}
END_TEST

/* ---- 11 timeouts that do not line up ------------------------------------------------- */

START_TEST(ex11_timeouts_that_do_not_line_up)
{
    exercise_page p;
    exercise_page_open(&p, 11);
    world_spec *s_mis, *s_retry, *s_al;
    run_result mis, retry, al;
    page_run(&p, "misaligned.json", &s_mis, &mis);
    page_run(&p, "retries.json", &s_retry, &retry);
    page_run(&p, "/aligned.json", &s_al, &al);
    double hw, m;
    /* The provider's latency: lognormal, median 1.5 s, p99 45 s. The function's own 30 ms
     * are neglected against the 29 s. */
    double p29 = lognormal_tail(1500, 45000, 29000), p10 = lognormal_tail(1500, 45000, 10000);
    double arrived = page_mean(&mis, "requests.arrived");

    /* 1. The gateway gives up on the calls over 29 s; their functions run on, billed. */
    m = support_ratio_ci(&mis, "requests.timed_out", "requests.arrived", &hw);
    assert_within_ci("11.1 gateway timeouts per request = P(provider > 29 s)", m, hw, p29);
    double wasted = support_ratio_ci(&mis, "functions.pay.wasted_gb_s", "functions.pay.billed_gb_s", &hw);
    assert_above("11.1 GB-s billed for nobody / billed > 0.15", wasted, hw, 0.15);
    double timed_out = page_mean(&mis, "requests.timed_out");
    page_says(&p, "%.2f%% (%.0f of %,.0f requests), the lognormal's P(latency > 29 s) = %.2f%%", 100 * timed_out / arrived,
              timed_out, arrived, 100 * p29);
    page_given(&p, "up to 60 s");
    page_says(&p, "%,.0f of %,.0f billed GB-s (%.0f%%)", page_mean(&mis, "functions.pay.wasted_gb_s"),
              page_mean(&mis, "functions.pay.billed_gb_s"), 100 * page_mean(&mis, "functions.pay.wasted_gb_s") /
              page_mean(&mis, "functions.pay.billed_gb_s"));
    page_says(&p, "and %.0f payments complete after even the function gave up at 60 s",
              page_mean(&mis, "services.payment-provider.completed_after_timeout"));

    /* 2. One retry after a timeout: both attempts must time out, but each timed-out
     * request calls the provider again while its first call runs on. */
    m = support_ratio_ci(&retry, "requests.timed_out", "requests.arrived", &hw);
    assert_within_ci("11.2 timeouts per request with one retry = p^2", m, hw, p29 * p29);
    double calls = support_ratio_ci(&retry, "services.payment-provider.calls", "requests.arrived", &hw);
    assert_within_ci("11.2 provider calls per request = 1 + p", calls, hw, 1 + p29);
    m = paired_ratio(&retry, "functions.pay.wasted_gb_s", &mis, "functions.pay.wasted_gb_s", &hw);
    assert_above("11.2 wasted GB-s with retries / without > 1", m, hw, 1);
    page_says(&p, "%.3f%% (%.1f requests): both attempts must be slow, p² = %.3f%%", 100 * page_mean(&retry, "requests.timed_out")
              / page_mean(&retry, "requests.arrived"), page_mean(&retry, "requests.timed_out"), 100 * p29 * p29);
    page_says(&p, "%.4f calls a request (1 + p = %.4f)", page_mean(&retry, "services.payment-provider.calls") /
              page_mean(&retry, "requests.arrived"), 1 + p29);
    page_says(&p, "most of those %.0f users", timed_out);
    page_says(&p, "rise by $%,.0f a month", page_mean(&retry, "cost.by_line.service_fees") - page_mean(&mis, "cost.by_line.service_fees"));
    page_says(&p, "do not fall (%,.0f)", page_mean(&retry, "functions.pay.wasted_gb_s"));

    /* 3. Aligned: the function answers every request itself. */
    for (uint32_t r = 0; r < s_al->replications; r++) {
        ck_assert_double_eq(row(&al, r, "requests.timed_out"), 0);
        ck_assert_double_eq(row(&al, r, "functions.pay.wasted_gb_s"), 0);
    }
    m = support_ratio_ci(&al, "requests.failed", "requests.arrived", &hw);
    assert_within_ci("11.3 failed per request with a 10-s call timeout = P(provider > 10 s)", m, hw, p10);
    m = support_ratio_ci(&al, "services.payment-provider.completed_after_timeout",
                         "services.payment-provider.timeouts", &hw);
    assert_above("11.3 payments completed after the function gave up / its call timeouts > 0.9", m, hw, 0.9);
    page_given(&p, "both exactly 0 in every replication");
    double failed = page_mean(&al, "requests.failed");
    page_says(&p, "%.1f%% of them are errors (%,.1f), the closed form P(latency > 10 s) = %.2f%%", 100 * failed /
              page_mean(&al, "requests.arrived"), failed, 100 * p10);
    page_given(&p, "waiting 29 s");
    page_says(&p, "falls from $%,.0f to $%,.0f a month", page_mean(&mis, "cost.by_line.lambda_duration"),
              page_mean(&al, "cost.by_line.lambda_duration"));
    double after = page_mean(&al, "services.payment-provider.completed_after_timeout");
    page_says(&p, "But %.0f%% of those calls (%,.1f)", 100 * after / page_mean(&al, "services.payment-provider.timeouts"), after);
    support_done(s_mis, &mis);
    support_done(s_retry, &retry);
    support_done(s_al, &al);
    exercise_page_close(&p);
}
END_TEST

/* ---- 12 Standard against Express --------------------------------------------------- */

/* Express's monthly bill for executions a month of billed seconds each, at 64 MB. */
static double express_month(double executions, double billed_s)
{
    double gb_s = executions * billed_s * 0.0625;
    double t1 = 1000 * 3600.0, t2 = 4000 * 3600.0;
    double duration = fmin(gb_s, t1) * 0.00001667 + fmin(fmax(gb_s - t1, 0), t2) * 0.00000833 +
                      fmax(gb_s - t1 - t2, 0) * 0.00000456;
    return executions * 1e-6 + duration;
}

/* Express's GB-s a month from its duration line, the tiers inverted. */
static double express_gb_s(double duration_line)
{
    double t1 = 1000 * 3600.0, t2 = 4000 * 3600.0;
    if (duration_line <= t1 * 0.00001667)
        return duration_line / 0.00001667;
    duration_line -= t1 * 0.00001667;
    if (duration_line <= t2 * 0.00000833)
        return t1 + duration_line / 0.00000833;
    return t1 + t2 + (duration_line - t2 * 0.00000833) / 0.00000456;
}

START_TEST(ex12_standard_or_express_for_a_short_workflow)
{
    exercise_page p;
    exercise_page_open(&p, 12);
    const char *per = "cost.per_execution.enrich-and-notify", *own = "cost.by_component.enrich-and-notify";
    world_spec *ss, *se;
    run_result rs, re;
    double hw, m;

    /* 1 and 2: the flow as shipped (0.5-s wait, 100 events/s). */
    page_run(&p, "/standard$", &ss, &rs);
    page_run(&p, "/express$", &se, &re);
    char cmp[1024];
    page_study(&p, "/compare$", cmp, sizeof cmp);
    page_compare_agrees(cmp, "standard", &rs, "cost.monthly_total");
    page_compare_agrees(cmp, "express", &re, "cost.monthly_total");
    for (uint32_t r = 0; r < ss->replications; r++)
        ck_assert_double_eq(row(&rs, r, "workflows.enrich-and-notify.transitions_mean"), 4);
    const double closed_std = 100 * MONTH_S * 4 * 0.025e-3;
    m = support_figure_ci(&rs, "cost.by_line.step_functions_transitions", &hw);
    assert_within_ci("12.1 Standard's month = 100/s x 4 transitions x $0.025 per 1,000", m, hw, closed_std);
    double std_month = m;
    page_says(&p, "$%.0f per million: %.0f transitions", page_mean(&rs, per) * 1e6,
              page_mean(&rs, "workflows.enrich-and-notify.transitions_mean"));
    page_given(&p, "$25 per million transitions");
    page_says(&p, "$%,.0f a month (closed form 100/s × 2,628,000 s × 4 × $0.000025 = $%,.0f)", std_month, closed_std);
    m = support_figure_ci(&re, "cost.by_line.step_functions_express_requests", &hw);
    assert_within_ci("12.2 Express's requests = 100/s x $1 per million", m, hw, 100 * MONTH_S * 1e-6);
    m = paired_ratio(&re, per, &rs, per, &hw);
    assert_below("12.2 Express / Standard per execution < 0.02", m, hw, 0.02);
    double executions = 100 * MONTH_S / 1e6;   /* millions a month */
    page_says(&p, "$%.2f per million: $%.2f of requests and $%.2f of duration", page_mean(&re, per) * 1e6,
              page_mean(&re, "cost.by_line.step_functions_express_requests") / executions,
              page_mean(&re, "cost.by_line.step_functions_express_duration") / executions);
    page_given(&p, "mostly 0.6 or 0.7 s × 0.0625 GB");
    double gb_s = express_gb_s(page_mean(&re, "cost.by_line.step_functions_express_duration"));
    ck_assert_double_gt(gb_s, 1000 * 3600.0);
    page_says(&p, "about %.1f million GB-s a month", gb_s / 1e6);
    page_says(&p, "$%.2f a month against $%,.0f: %.1f%% of Standard's price", page_mean(&re, own), page_mean(&rs, own),
              100 * page_mean(&re, own) / page_mean(&rs, own));
    support_done(ss, &rs);
    support_done(se, &re);

    /* 3. The wait at 240 s: Standard's bill does not move; Express's follows its duration
     * (240 s + the tasks' time + half a 100-ms rounding step) through its volume tiers,
     * cheaper than Standard at 100 events/s, dearer at 0.5. */
    const double rates[2] = { 100, 0.5 };
    const char *std_cmd[2] = { "/standard-wait-240s$", "/standard-wait-240s-quiet$" };
    const char *exp_cmd[2] = { "/express-wait-240s$", "/express-wait-240s-quiet$" };
    double std240[2], exp240[2], per240[2];
    for (int i = 0; i < 2; i++) {
        page_run(&p, std_cmd[i], &ss, &rs);
        page_run(&p, exp_cmd[i], &se, &re);
        m = support_figure_ci(&rs, "cost.by_line.step_functions_transitions", &hw);
        assert_within_ci("12.3 Standard's month with a 240-s wait = rate x 4 transitions", m, hw,
                         rates[i] * MONTH_S * 4 * 0.025e-3);
        double work_hw, work = support_figure_ci(&re, "workflows.enrich-and-notify.working_s_mean", &work_hw);
        double express = express_month(rates[i] * MONTH_S, 240 + work + 0.05);
        m = support_figure_ci(&re, own, &hw);
        assert_within_ci("12.3 Express's month with a 240-s wait = tiered closed form", m, hw, express);
        m = paired_ratio(&re, own, &rs, own, &hw);
        if (rates[i] > 1)
            assert_below("12.3 Express / Standard at 100/s with a 240-s wait < 0.8", m, hw, 0.8);
        else
            assert_above("12.3 Express / Standard at 0.5/s with a 240-s wait > 1.2", m, hw, 1.2);
        std240[i] = page_mean(&rs, own);
        exp240[i] = page_mean(&re, own);
        per240[i] = page_mean(&re, per) * 1e6;
        if (i == 0) {
            page_says(&p, "each execution is now %.1f s × 0.0625 GB = %.0f GB-s", 240 + work, (240 + work) * 0.0625);
            page_says(&p, "that is %.1f billion GB-s a month", rates[i] * MONTH_S * (240 + work) * 0.0625 / 1e9);
        }
        support_done(ss, &rs);
        support_done(se, &re);
    }
    page_says(&p, "($%,.0f at 100/s, $%.2f at 0.5/s)", std240[0], std240[1]);
    page_given(&p, "third tier's $0.00000456");
    page_says(&p, "$%,.0f a month, $%.2f per million, %.2f times Standard", exp240[0], per240[0], exp240[0] / std240[0]);
    page_says(&p, "$%.2f a month, $%.2f per million, %.2f times Standard", exp240[1], per240[1], exp240[1] / std240[1]);
    page_given(&p, "At 100/s");
    page_given(&p, "At 0.5/s");
    page_given(&p, "past 5 minutes");
    exercise_page_close(&p);
}
END_TEST

/* ---- 13 asynchronous decoupling ------------------------------------------------------ */

START_TEST(ex13_a_queue_absorbs_a_burst_that_throttles_direct_calls)
{
    exercise_page p;
    exercise_page_open(&p, 13);
    world_spec *sd, *sq;
    run_result d, q;
    page_run(&p, "/direct$", &sd, &d);
    page_run(&p, "/queue$", &sq, &q);
    char cmp[1024];
    page_study(&p, "/compare$", cmp, sizeof cmp);
    page_compare_agrees(cmp, "direct", &d, "cost.monthly_total");
    page_compare_agrees(cmp, "queue", &q, "cost.monthly_total");
    page_compare_agrees(cmp, "queue", &q, "latency_ms.p99");
    double hw, m;
    /* The fluid limit: 50 executions of mean E[S] serve mu = 50/E[S] uploads a second;
     * a 600-s burst at 200/s leaves (200 - mu) x 600 unserved during the burst. */
    double mu = 50.0 / (page_lognormal_mean(400, 1500) / 1000.0), excess = (200 - mu) * 600;

    /* 1. Direct: the excess is lost (throttled after 3 attempts). */
    m = support_figure_ci(&d, "requests.throttled", &hw);
    assert_within_ci("13.1 uploads lost calling directly = (200 - 50/E[S]) x 600 s", m, hw, excess);
    double arrived = page_mean(&d, "requests.arrived");
    page_says(&p, "%,.0f of %,.0f uploads (%.0f%%) end throttled after %,.0f attempts", m, arrived, 100 * m / arrived,
              page_mean(&d, "requests.attempts"));
    page_says(&p, "(200 − 50/E[S]) × 600 s = (200 − %.1f) × 600 = %,.0f", mu, excess);
    page_says(&p, "p99 %.1f s", page_mean(&d, "latency_ms.p99") / 1000);

    /* 2. Queue: nothing lost, at most 50 at once; the excess waits as a backlog. */
    for (uint32_t r = 0; r < sq->replications; r++) {
        ck_assert_double_eq(row(&q, r, "requests.throttled"), 0);
        ck_assert_double_eq(row(&q, r, "requests.failed"), 0);
        ck_assert_double_eq(row(&q, r, "requests.dead_lettered"), 0);
        ck_assert_double_eq(row(&q, r, "requests.completed") + row(&q, r, "requests.in_flight"),
                            row(&q, r, "requests.arrived"));
        ck_assert_double_le(row(&q, r, "functions.thumbnailer.max_concurrency"), 50);
    }
    m = support_figure_ci(&q, "queues.uploads.max_depth", &hw);
    assert_within_ci("13.2 the queue's peak backlog = (200 - 50/E[S]) x 600 s", m, hw, excess);
    page_says(&p, "%,.1f completed, the other %.1f still in flight", page_mean(&q, "requests.completed"),
              page_mean(&q, "requests.in_flight"));
    page_says(&p, "than %.0f executions", page_mean(&q, "functions.thumbnailer.max_concurrency"));
    page_says(&p, "peaks at %,.0f messages", m);
    page_says(&p, "waits %.0f s", page_mean(&q, "queues.uploads.oldest_age_s_max"));

    /* 3. The price of no loss: later answers and a larger bill. */
    double ratio = paired_ratio(&q, "latency_ms.p99", &d, "latency_ms.p99", &hw);
    assert_above("13.3 p99 through the queue / direct > 100", ratio, hw, 100);
    m = paired_ratio(&q, "cost.monthly_total", &d, "cost.monthly_total", &hw);
    assert_above("13.3 monthly cost through the queue / direct > 1.5", m, hw, 1.5);
    double p99q = page_mean(&q, "latency_ms.p99"), p99d = page_mean(&d, "latency_ms.p99"), p50q = page_mean(&q, "latency_ms.p50");
    ck_assert_double_gt(p50q, 4 * 60000);
    page_says(&p, "the p99 is %.0f s against %.1f s (%.0f times)", p99q / 1000, p99d / 1000, p99q / p99d);
    page_says(&p, "more than 4 minutes (p50 %.0f s)", p50q / 1000);
    double bq = page_mean(&q, "cost.monthly_total"), bd = page_mean(&d, "cost.monthly_total");
    page_says(&p, "$%.2f a month against $%.2f (%.2f times), of which $%.2f is SQS requests", bq, bd, bq / bd,
              page_mean(&q, "cost.by_line.sqs_requests"));
    /* Per million uploads completed in a month: the window's completions scaled to it. */
    double months = MONTH_S / sd->duration_s;
    page_says(&p, "($%.2f against $%.2f per million uploads completed)", bq / (page_mean(&q, "requests.completed") * months / 1e6),
              bd / (page_mean(&d, "requests.completed") * months / 1e6));
    support_done(sd, &d);
    support_done(sq, &q);
    exercise_page_close(&p);
}
END_TEST

/* ---- 14 the adoption decision -------------------------------------------------------- */

START_TEST(ex14_functions_or_containers_by_traffic_shape)
{
    static const struct shape {
        const char *name;
        int function_cheaper;   /* 1: the function is cheaper; 0: containers */
        double margin;          /* the cheaper one saves at least this many USD a month */
        int containers_meet_slo;
        const char *cold_format; /* the table's cold-start share, in % */
    } shapes[] = {
        { "spiky", 1, 40, 0, "%.2f%%" },
        { "diurnal", 1, 10, 0, "%.3f%%" },
        { "steady", 0, 250, 1, "%.3f%%" },
    };
    const double slo_ms = 250;
    double hw, m, saving[3], fmonth[3], cmonth[3], fp99[3], cp99[3], lcu_month = NAN;
    exercise_page p;
    exercise_page_open(&p, 14);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const struct shape *s = &shapes[i];
        char cmd[160], what[160];
        world_spec *sf, *sc;
        run_result f, c;
        snprintf(cmd, sizeof cmd, "/%s-function$", s->name);
        page_run(&p, cmd, &sf, &f);
        snprintf(cmd, sizeof cmd, "/%s-containers$", s->name);
        page_run(&p, cmd, &sc, &c);
        char cmp[1024], variant[64];
        snprintf(cmd, sizeof cmd, "/%s-compare$", s->name);
        page_study(&p, cmd, cmp, sizeof cmp);
        snprintf(variant, sizeof variant, "%s-function", s->name);
        page_compare_agrees(cmp, variant, &f, "cost.monthly_total");
        page_compare_agrees(cmp, variant, &f, "latency_ms.p99");
        snprintf(variant, sizeof variant, "%s-containers", s->name);
        page_compare_agrees(cmp, variant, &c, "cost.monthly_total");
        page_compare_agrees(cmp, variant, &c, "latency_ms.p99");
        /* Cost sensitivity: the monthly difference. */
        if (s->function_cheaper)
            m = paired_diff(&c, "cost.monthly_total", &f, "cost.monthly_total", &hw);
        else
            m = paired_diff(&f, "cost.monthly_total", &c, "cost.monthly_total", &hw);
        snprintf(what, sizeof what, "14 %s: the %s saves more than $%g a month", s->name,
                 s->function_cheaper ? "function" : "fleet", s->margin);
        assert_above(what, m, hw, s->margin);
        saving[i] = m;
        /* Latency need: p99 against the SLO. The function meets it at every shape. */
        m = support_figure_ci(&f, "latency_ms.p99", &hw);
        snprintf(what, sizeof what, "14 %s: function p99 within the %g-ms SLO", s->name, slo_ms);
        assert_below(what, m, hw, slo_ms);
        m = support_figure_ci(&c, "latency_ms.p99", &hw);
        snprintf(what, sizeof what, "14 %s: containers' p99 %s the %g-ms SLO", s->name,
                 s->containers_meet_slo ? "within" : "over", slo_ms);
        if (s->containers_meet_slo)
            assert_below(what, m, hw, slo_ms);
        else
            assert_above(what, m, hw, slo_ms);
        double cold = support_figure_ci(&f, "functions.api.cold_start_ratio", &hw);
        snprintf(what, sizeof what, "14 %s: cold-start share below 1%%", s->name);
        assert_below(what, cold, hw, 0.01);
        fmonth[i] = page_mean(&f, "cost.monthly_total");
        cmonth[i] = page_mean(&c, "cost.monthly_total");
        if (i == 2)
            lcu_month = page_mean(&c, "cost.by_line.load_balancer_lcu");
        fp99[i] = page_mean(&f, "latency_ms.p99");
        cp99[i] = page_mean(&c, "latency_ms.p99");
        /* The table's row. */
        char cold_text[32], row_text[512];
        page_format(cold_text, sizeof cold_text, s->cold_format, 100 * cold);
        page_format(row_text, sizeof row_text, "| %s | $%,.2f, %.0f ms, %s | $%,.2f, %.0f ms, %.0f tasks at %s CPU | %s, "
                    "$%,.2f | %s |", s->name, fmonth[i], fp99[i], cold_text, cmonth[i], cp99[i],
                    page_mean(&c, "containers.api.mean_tasks"), "%CPU%", s->function_cheaper ? "function" : "containers",
                    saving[i], s->containers_meet_slo ? "both" : "function only");
        /* (the CPU share's precision: one decimal below 10%) */
        double cpu = 100 * page_mean(&c, "containers.api.cpu_utilization");
        char cpu_text[32];
        page_format(cpu_text, sizeof cpu_text, cpu < 10 ? "%.1f%%" : "%.0f%%", cpu);
        char *at = strstr(row_text, "%CPU%");
        ck_assert_ptr_nonnull(at);
        char final[600];
        snprintf(final, sizeof final, "%.*s%s%s", (int)(at - row_text), row_text, cpu_text, at + 5);
        page_says(&p, "%s", final);
        if (i == 0) {
            page_says(&p, "The function, by $%.2f a month", saving[0]);
            page_says(&p, "the p99 rises to %.0f ms", cp99[0]);
            page_says(&p, "a cold start on %.2f%% of calls", 100 * cold);
        } else if (i == 1) {
            page_says(&p, "Still the function, by $%.0f a month", saving[1]);
            page_says(&p, "misses the SLO (%.0f ms)", cp99[1]);
            page_says(&p, "cold starts are rare (%.3f%%)", 100 * cold);
        } else {
            page_says(&p, "The fleet, by $%.0f a month ($%.0f against $%.0f", saving[2], cmonth[2], fmonth[2]);
            page_says(&p, "while %.0f busy tasks", page_mean(&c, "containers.api.mean_tasks"));
            page_says(&p, "both meet the SLO (%.0f and %.0f ms)", cp99[2], fp99[2]);
        }
        support_done(sf, &f);
        support_done(sc, &c);
    }
    page_given(&p, "SLO p99 ≤ 250 ms");
    page_given(&p, "half vCPUs");
    page_given(&p, "the 0.5-vCPU fleet");

    /* The diurnal fleet on 1-vCPU, 2-GB tasks meets the SLO, for more than twice the
     * function's month. */
    world_spec *sd;
    run_result d;
    page_run(&p, "/diurnal-containers-1vcpu$", &sd, &d);
    m = support_figure_ci(&d, "latency_ms.p99", &hw);
    assert_below("14 diurnal, 1-vCPU tasks: p99 within the SLO", m, hw, slo_ms);
    page_says(&p, "tasks of 1 vCPU and 2 GB (the last run) the diurnal fleet meets the SLO (p99 %.0f ms) for $%.2f a "
              "month, %.1f times the function's $%.2f", m, page_mean(&d, "cost.monthly_total"),
              page_mean(&d, "cost.monthly_total") / fmonth[1], fmonth[1]);
    support_done(sd, &d);

    /* 4. The break-even: cost-curve's, and the closed form: the fleet's floor (2 tasks of
     * 1 vCPU and 2 GB, and the load balancer's hours, at Fargate's published prices) over
     * the function's cost per request, which is flat in volume. */
    char curve[1024];
    page_study(&p, "/steady-cost-curve$", curve, sizeof curve);
    double breakeven = page_csv(curve, "break-even.csv", "cheaper_below=steady-function", "requests_per_month");
    double floor = (2 * (1 * 0.04048 + 2 * 0.004445) + 0.0225) * 730;
    double requests = 400 * MONTH_S, per_million = fmonth[2] / (requests / 1e6);
    /* The fleet's bill also grows with its load balancer's capacity units, per request. */
    double lcu_per_million = lcu_month / (requests / 1e6), closed = floor / (per_million - lcu_per_million) * 1e6;
    ck_assert_msg(breakeven > 1.1e8 && breakeven < 1.6e8, "break-even %.4g", breakeven);
    ck_assert_msg(fabs(closed / breakeven - 1) < 0.02, "break-even %.4g, closed form %.4g", breakeven, closed);
    page_says(&p, "Near %.0f million requests a month (about %.0f requests/s)", breakeven / 1e6, breakeven / MONTH_S);
    page_says(&p, "break-even at %.2fe8", breakeven / 1e8);
    page_says(&p, "= $%.2f — plus its load balancer's capacity units, $%.3f per million requests, and the function "
              "$%.3f per million (its steady month over %,.0f million requests), so $%.2f / ($%.3f − $%.3f) = %.0f "
              "million", floor, lcu_per_million, per_million, requests / 1e6, floor, per_million, lcu_per_million,
              closed / 1e6);
    page_given(&p, "2 × (1 vCPU × $0.04048 + 2 GB × $0.004445) + $0.0225 for the load balancer, × 730 h");
    /* 5. Hours of operations that erase the saving, at $100 an hour. */
    page_says(&p, "saves $%.0f a month: at $100 an hour, about %.1f hours", saving[2], saving[2] / 100);
    exercise_page_close(&p);
}
END_TEST

Suite *exercises_b_suite(void)
{
    /* A case per exercise (CK_RUN_CASE=ex09 runs one), all tagged slow: left out of make
     * test-fast. */
    const struct { const char *name; const TTest *test; } cases[] = {
        { "ex09", ex09_poison_messages_and_the_dead_letter_queue },
        { "ex10", ex10_a_noisy_tenant_and_bulkheads },
        { "ex11", ex11_timeouts_that_do_not_line_up },
        { "ex12", ex12_standard_or_express_for_a_short_workflow },
        { "ex13", ex13_a_queue_absorbs_a_burst_that_throttles_direct_calls },
        { "ex14", ex14_functions_or_containers_by_traffic_shape },
    };
    Suite *s = suite_create(SUITE);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_tags(tc, "slow");
        tcase_set_timeout(tc, 900);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
