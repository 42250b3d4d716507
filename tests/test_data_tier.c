/* test_data_tier.c — a DynamoDB table's capacity (models/table_capacity.c): key popularity,
 * partitions' ceilings, provisioned capacity and its bill, the break-even with on demand,
 * and auto scaling's lag.
 *
 * References are closed forms: a Zipf key's share 1/(k^s H(N,s)); a partition offered
 * lambda_j request units a second over its ceiling L throttles the share 1 - L/lambda_j of
 * its calls, so the table throttles sum_j max(0, p_j - L/lambda); capacity-hours at the
 * published prices, to the cent; the break-even utilisation of provisioned capacity
 * (price per unit-hour / (3,600 x price per request unit) = 13/45 for reads and for writes);
 * and auto scaling's trajectory under constant arrivals, worked by hand in the test.
 *
 * Tolerance: a statistical reference within 1.5 times the run's 95% half-width (Student's t
 * over replications). SLSIM_VERBOSE=1 prints the measured figures. */
#include <math.h>
#include <stdio.h>

#include "tests/exercise_page.h"
#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "data-tier"
#define WRITES "tests/scenarios/datatier/writes.json"
#define assert_within_ci(what, simulated, hw, reference) support_assert_within_ci(SUITE, what, simulated, hw, reference)

/* The share of calls each of p partitions receives from n keys of Zipf exponent s, key k on
 * partition (k - 1) mod p: computed here independently of the model. */
static void zipf_partition_shares(int n, double s, int p, double *share)
{
    double h = 0;
    for (int k = 1; k <= n; k++)
        h += pow(k, -s);
    for (int j = 0; j < p; j++)
        share[j] = 0;
    for (int k = 1; k <= n; k++)
        share[(k - 1) % p] += pow(k, -s) / h;
}

START_TEST(a_zipf_key_has_share_one_over_k_to_the_s_times_the_harmonic_number)
{
    const char *sets[] = { "components.table.table.keys={\"count\":1000,\"zipf_s\":1.2}",
                           "components.table.table.partitions=4" };
    world_spec *spec;
    run_result res;
    support_run_file(WRITES, 1, 30, sets, 2, &spec, &res);
    double h = 0;
    for (int k = 1; k <= 1000; k++)
        h += 1 / pow(k, 1.2);
    support_assert_close("hottest key's share 1/H(1000, 1.2)", support_row_value(&res, 0, "services.table.hottest_key_share"), 1 / h);
    double share[4];
    zipf_partition_shares(1000, 1.2, 4, share);
    support_assert_close("hot partition's share", support_row_value(&res, 0, "services.table.hot_partition_share"), share[0]);
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.partitions"), 4);
    support_done(spec, &res);
}
END_TEST

/* 2,385 writes a second on demand over 4 partitions: uniform keys give each partition 596
 * WCUs (under its 1,000), Zipf keys put more than 1,000 on the hot one, which throttles its
 * excess while the table as a whole is far under any limit. */
START_TEST(a_hot_partition_throttles_its_excess_while_the_table_is_under_its_limit)
{
    world_spec *spec;
    run_result res;
    const char *uniform[] = { "components.table.table.keys={\"count\":1000,\"zipf_s\":0}" };
    support_run_file(WRITES, 2, 120, uniform, 1, &spec, &res);
    for (uint32_t r = 0; r < 2; r++)
        ck_assert_double_eq(support_row_value(&res, r, "services.table.throttled"), 0);
    support_done(spec, &res);

    const char *zipf[] = { "components.table.table.keys={\"count\":1000,\"zipf_s\":1.5}" };
    support_run_file(WRITES, 4, 300, zipf, 1, &spec, &res);
    double share[4], want = 0;
    zipf_partition_shares(1000, 1.5, 4, share);   /* the hot partition: 0.495 of 2,385 */
    /* each partition over its ceiling admits 1,000 a second and the second's worth its bucket
     * starts with */
    for (int j = 0; j < 4; j++)
        want += fmax(0, share[j] - 1000.0 * 301 / (2385 * 300));
    ck_assert(want > 0.07);
    double hw, m = support_ratio_ci(&res, "services.table.throttled", "services.table.calls", &hw);
    assert_within_ci("throttled share = sum_j max(0, p_j - 1000/2385)", m, hw, want);
    for (uint32_t r = 0; r < 4; r++)
        ck_assert_double_eq(support_row_value(&res, r, "services.table.throttled"),
                            support_row_value(&res, r, "services.table.throttled_by_partition"));
    support_done(spec, &res);
}
END_TEST

/* Provisioned at 900 WCUs with 1,200 writes a second (one partition, its ceiling 1,000 above
 * the table's): the table admits its 900 a second and the second's worth its bucket starts
 * with, so it throttles 1 - 900 x 301 / (1200 x 300) of the calls. */
START_TEST(provisioned_capacity_throttles_the_excess_over_its_units)
{
    const char *sets[] = { "traffic.writers.arrivals.rate_per_s=1200", "components.table.table.capacity=provisioned",
                           "components.table.table.units_per_s=900", "components.table.table.burst_s=1" };
    world_spec *spec;
    run_result res;
    support_run_file(WRITES, 4, 300, sets, 4, &spec, &res);
    double hw, m = support_ratio_ci(&res, "services.table.throttled", "services.table.calls", &hw);
    assert_within_ci("throttled share 1 - 900 x 301/(1200 x 300)", m, hw, 1 - 900.0 * 301 / (1200 * 300));
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.partitions"), 1);
    support_done(spec, &res);
}
END_TEST

START_TEST(provisioned_capacity_bills_its_unit_hours_to_the_cent)
{
    /* Stated usage: 900 WCUs and 1,000 RCUs for a 730-hour month; with the free tier 25 of each
     * are free: (900 - 25) x 730 x 0.00065 = 415.19, (1000 - 25) x 730 x 0.00013 = 92.53. */
    price_table aws = support_price_table("aws-us-east-1");
    support_usage u[] = { { "table.wcu_hours", 900 * 730 }, { "table.rcu_hours", 1000 * 730 } };
    support_assert_cents("WCU-hours", support_month_line(&aws, u, 2, false, "dynamodb_write_capacity"), 427.05);
    support_assert_cents("RCU-hours", support_month_line(&aws, u, 2, false, "dynamodb_read_capacity"), 94.90);
    support_assert_cents("WCU-hours, free tier", support_month_line(&aws, u, 2, true, "dynamodb_write_capacity"), 415.19);
    support_assert_cents("RCU-hours, free tier", support_month_line(&aws, u, 2, true, "dynamodb_read_capacity"), 92.53);
    /* End to end: the capacity provisioned is billed whatever the calls consume, and no
     * request units are. */
    const char *sets[] = { "traffic.writers.arrivals.rate_per_s=100", "components.table.table.capacity=provisioned",
                           "components.table.table.units_per_s=900" };
    world_spec *spec;
    run_result res;
    support_run_file(WRITES, 1, 600, sets, 3, &spec, &res);
    support_assert_cents("provisioned 900 WCUs a month", support_row_value(&res, 0, "cost.by_line.dynamodb_write_capacity"), 427.05);
    ck_assert_double_eq(support_row_value(&res, 0, "cost.by_line.dynamodb_write_units"), 0);
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.capacity_units_mean"), 900);
    support_done(spec, &res);
}
END_TEST

/* On demand, a write costs $0.625 per million WRUs; a WCU-hour $0.00065 serves up to 3,600
 * of them. Provisioned pays above the utilisation 0.00065 / (3600 x 0.625e-6) = 13/45
 * (0.289); reads give the same ratio (0.00013 / (3600 x 0.125e-6)). At 1,300 writes a second
 * both cost 1300 x 2,628,000 x 0.625e-6 = 4500 x 730 x 0.00065 = $2,135.25 a month. */
START_TEST(on_demand_and_provisioned_break_even_at_thirteen_forty_fifths_utilisation)
{
    ck_assert_double_eq_tol(0.00065 / (3600 * 0.625e-6), 13.0 / 45, 1e-12);
    ck_assert_double_eq_tol(0.00013 / (3600 * 0.125e-6), 13.0 / 45, 1e-12);
    support_assert_cents("on demand by hand", 1300.0 * 730 * 3600 * 0.625e-6, 2135.25);
    support_assert_cents("provisioned by hand", 4500 * 730 * 0.00065, 2135.25);
    const char *od[] = { "traffic.writers.arrivals.process=constant", "traffic.writers.arrivals.rate_per_s=1300" };
    const char *pv[] = { "traffic.writers.arrivals.process=constant", "traffic.writers.arrivals.rate_per_s=1300",
                         "components.table.table.capacity=provisioned", "components.table.table.units_per_s=4500" };
    world_spec *s1, *s2;
    run_result r1, r2;
    support_run_file(WRITES, 1, 600, od, 2, &s1, &r1);
    support_run_file(WRITES, 1, 600, pv, 4, &s2, &r2);
    double a = support_row_value(&r1, 0, "cost.monthly_total"), b = support_row_value(&r2, 0, "cost.monthly_total");
    /* (on demand, the five calls in flight at the window's end, 4 ms x 1,300/s, are not billed) */
    ck_assert_msg(fabs(a - 2135.25) <= 0.02 && fabs(b - 2135.25) <= 0.005, "on demand %.2f, provisioned %.2f", a, b);
    ck_assert_double_eq(support_row_value(&r2, 0, "services.table.throttled"), 0);
    support_done(s1, &r1);
    support_done(s2, &r2);
}
END_TEST

/* 1,500 writes a second (constant arrivals) on 1,000 WCUs with auto scaling at 70%, its
 * change 120 s after the alarm, no burst to speak of. By hand: minutes 1 and 2 consume 1,000
 * (throttled) -> at 120 s the alarm asks ceil(1000/0.7) = 1,429, in place at 240 s; minutes
 * 5 and 6 consume 1,429 -> 2,042 at 480 s; minutes 9 and 10 consume all 1,500 (73% of 2,042)
 * -> ceil(1500/0.7) = 2,143 at 720 s, where 1,500 is 69.995%: it stays. Throttling lasts
 * eight minutes: 500 a second for 240 s (less the bucket's first 1,000) and 71 for 240 s. */
START_TEST(auto_scaling_follows_two_minutes_of_breach_and_its_delay)
{
    const char *sets[] = { "traffic.writers.arrivals.process=constant", "traffic.writers.arrivals.rate_per_s=1500",
                           "components.table.table.capacity=provisioned", "components.table.table.units_per_s=1000",
                           "components.table.table.burst_s=1", "components.table.table.partitions=3",
                           "components.table.table.auto_scaling={\"min_units\":100,\"max_units\":4000,\"target\":0.7,\"delay_s\":120}" };
    world_spec *spec;
    run_result res;
    support_run_file(WRITES, 1, 1200, sets, 7, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.scale_ups"), 3);
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.scale_downs"), 0);
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.capacity_units_max"), 2143);
    support_assert_close("mean capacity", support_row_value(&res, 0, "services.table.capacity_units_mean"),
                         (1000 * 240 + 1429 * 240 + 2042 * 240 + 2143 * 480) / 1200.0);
    double throttled = support_row_value(&res, 0, "services.table.throttled");
    double want = 500 * 240 - 1000 + (1500 - 1429) * 240;
    ck_assert_msg(fabs(throttled - want) <= 3, "throttled %.0f, by hand %.0f", throttled, want);
    support_done(spec, &res);
}
END_TEST

/* Fifteen minutes at 25% of 4,000 WCUs (more than 20 points under the 70% target): the
 * capacity falls once, to ceil(1000/0.7) = 1,429, 120 s after the fifteenth minute. */
START_TEST(auto_scaling_scales_down_after_fifteen_minutes_under_target)
{
    const char *sets[] = { "traffic.writers.arrivals.process=constant", "traffic.writers.arrivals.rate_per_s=1000",
                           "components.table.table.capacity=provisioned", "components.table.table.units_per_s=4000",
                           "components.table.table.auto_scaling={\"min_units\":100,\"max_units\":4000,\"target\":0.7,\"delay_s\":120}" };
    world_spec *spec;
    run_result res;
    support_run_file(WRITES, 1, 1800, sets, 5, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.scale_downs"), 1);
    support_assert_close("mean capacity", support_row_value(&res, 0, "services.table.capacity_units_mean"),
                         (4000 * 1020 + 1429 * 780) / 1800.0);
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.throttled"), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(capacity_keys_refuse_what_does_not_fit)
{
    char json[8192];
    support_scenario_set(json, sizeof json, "datatier/writes.json", "components.table.table.units_per_s=100");
    support_assert_refused(SUITE, json, "components[0].table.units_per_s", "provisioned");
    support_scenario_set(json, sizeof json, "datatier/writes.json", "components.table.table.capacity=provisioned");
    support_assert_refused(SUITE, json, "components[0].table.units_per_s", "missing");
    support_scenario_set(json, sizeof json, "datatier/writes.json", "components.table.table.adaptive_capacity=false");
    support_assert_refused(SUITE, json, "components[0].table.adaptive_capacity", "provisioned");
}
END_TEST

/* With no capacity key the table is what it was: billed per request unit, never throttled. */
START_TEST(a_table_without_capacity_keys_is_unchanged)
{
    world_spec *spec;
    run_result res;
    support_run_file(WRITES, 1, 120, NULL, 0, &spec, &res);
    ck_assert_double_eq(support_row_value(&res, 0, "services.table.throttled"), 0);
    ck_assert_double_eq(support_row_value(&res, 0, "cost.by_line.dynamodb_write_capacity"), 0);
    ck_assert(support_row_value(&res, 0, "cost.by_line.dynamodb_write_units") > 0);
    support_done(spec, &res);
}
END_TEST

/* Exercise 22: on demand against provisioned capacity with auto scaling (the break-even), and
 * a hot key throttling a table at half its capacity (more capacity against write sharding). */
#define WRU      0.625e-6   /* $ per write request unit, on demand */
#define WCU_HOUR 0.00065    /* $ per provisioned WCU-hour */
START_TEST(ex22_table_capacity)
{
    exercise_page p;
    exercise_page_open(&p, 22);
    world_spec *s_od, *s_pv, *s_odq, *s_pvq, *s_hot, *s_more, *s_even;
    run_result od, pv, odq, pvq, hot, more, even;
    page_run(&p, "/on-demand$", &s_od, &od);
    page_run(&p, "/provisioned$", &s_pv, &pv);
    page_run(&p, "/on-demand-quiet$", &s_odq, &odq);
    page_run(&p, "/provisioned-quiet$", &s_pvq, &pvq);
    page_run(&p, "/hot-key$", &s_hot, &hot);
    page_run(&p, "/hot-key-more-capacity$", &s_more, &more);
    page_run(&p, "/hot-key-sharded$", &s_even, &even);
    double hw, m;
    double month = 730 * 3600.0 / s_od->duration_s;
    const char *cost = "cost.by_component.orders";

    /* 1. On demand bills every write; provisioned its capacity-hours, whatever is written;
     * neither throttles. */
    const run_result *steady[] = { &od, &pv, &odq, &pvq };
    for (int k = 0; k < 4; k++)
        for (uint32_t r = 0; r < s_od->replications; r++)
            ck_assert_double_eq(support_row_value(steady[k], r, "services.orders.throttled"), 0);
    for (uint32_t r = 0; r < s_od->replications; r++) {
        support_assert_cents("22.1 on demand", support_row_value(&od, r, cost),
                             support_round_cents(support_row_value(&od, r, "services.orders.request_units") * month * WRU));
        support_assert_cents("22.1 provisioned", support_row_value(&pv, r, cost),
                             support_round_cents(support_row_value(&pv, r, "services.orders.capacity_units_mean") * 730 * WCU_HOUR));
    }
    page_says(&p, "On demand **$%.2f** a month", page_mean(&od, cost));
    page_says(&p, "provisioned **$%.2f**", page_mean(&pv, cost));
    double be = WCU_HOUR / (3600 * WRU);   /* 13/45 */
    ck_assert_double_eq_tol(be, 13.0 / 45, 1e-12);
    m = support_paired_ratio(&pv, cost, &od, cost, &hw);
    support_assert_above(SUITE, "22.1 provisioned / on demand at 200 a second", m, hw, be / 0.7 - 0.001);
    support_assert_below(SUITE, "22.1 provisioned / on demand at 200 a second", m, hw, 0.45);
    page_says(&p, "%.2f of it", m);
    double units = support_figure_ci(&pv, "services.orders.capacity_units_mean", &hw);
    support_assert_above(SUITE, "22.1 capacity held: above 200 / 0.7", units, hw, 200 / 0.7);
    support_assert_below(SUITE, "22.1 capacity held: a little", units, hw, 300);
    page_says(&p, "about %.0f WCUs (%.1f on average: 200 / 0.7 = %.0f", round(units / 10) * 10, units, ceil(200 / 0.7));
    page_given(&p, "A WCU-hour ($0.00065) can serve 3,600 writes");
    page_says(&p, "cost $%.5f on demand: it is 13/45 (%.3f)", 3600 * WRU, be);
    page_says(&p, "more than %.3f of its capacity, and at a %.0f%% target", be, 70.0);
    page_says(&p, "%.3f / 0.7 = %.2f of", be, be / 0.7);

    /* 2. At 20 a second auto scaling stays at its floor of 100 WCUs: on demand is cheaper
     * beyond the CI, and the break-even is 13/45 of the floor. */
    for (uint32_t r = 0; r < s_pvq->replications; r++) {
        ck_assert_double_eq(support_row_value(&pvq, r, "services.orders.capacity_units_mean"), 100);
        support_assert_cents("22.2 the floor", support_row_value(&pvq, r, cost), 100 * 730 * WCU_HOUR);
    }
    m = support_paired_diff(&pvq, cost, &odq, cost, &hw);
    support_assert_above(SUITE, "22.2 provisioned - on demand at 20 a second ($)", m, hw, 0);
    page_says(&p, "**$%.2f** against **$%.2f**", page_mean(&odq, cost), page_mean(&pvq, cost));
    page_given(&p, "its 100 WCUs");
    page_given(&p, "(100 × 730 × $0.00065)");
    page_given(&p, "13/45 of it");
    double even_rate = 100 * 730 * WCU_HOUR / (730 * 3600 * WRU);
    ck_assert(even_rate > 20 && even_rate < 200);
    page_says(&p, "**%.1f** writes a second", even_rate);
    page_says(&p, "Above about %.0f writes a", 100 * 0.7);
    page_given(&p, "(the floor at 70%)");
    page_says(&p, "provisioned costs %.2f of on demand", be / 0.7);

    /* 3. The hot partition throttles what it takes over its ceiling; the table, at half its
     * capacity, throttles nothing. */
    double rate = 3000, ceiling = 1000;
    double share[12], h = 0;
    for (int k = 1; k <= 1000; k++)
        h += pow(k, -1.5);
    double key1 = page_mean(&hot, "services.orders.hottest_key_share");
    support_assert_close("22.3 the biggest customer's share 1/H(1000, 1.5)", key1, 1 / h);
    zipf_partition_shares(1000, 1.5, 6, share);
    double hps = page_mean(&hot, "services.orders.hot_partition_share");
    support_assert_close("22.3 the hot partition's share", hps, share[0]);
    for (uint32_t r = 0; r < s_hot->replications; r++) {
        ck_assert_double_eq(support_row_value(&hot, r, "services.orders.throttled_by_table"), 0);
        ck_assert_double_eq(support_row_value(&hot, r, "services.orders.throttled"),
                            support_row_value(&hot, r, "services.orders.throttled_by_partition"));
        ck_assert_double_eq(support_row_value(&hot, r, "services.orders.partitions"), 6);
    }
    double want = 0;
    for (int j = 0; j < 6; j++)
        want += fmax(0, share[j] - ceiling / rate);
    m = support_ratio_ci(&hot, "services.orders.throttled", "services.orders.calls", &hw);
    assert_within_ci("22.3 throttled share = p_hot - 1000/3000", m, hw, want);
    page_says(&p, "**%.1f%%** (%.4f ± %.4f)", 100 * m, m, hw);
    page_claims(&p, "(`throttled_by_table` is 0)");
    page_says(&p, "alone writes %.1f%% of the orders, %,.0f a second", 100 * key1, key1 * rate);
    page_says(&p, "that partition takes %.1f%% of the writes", 100 * hps);
    page_says(&p, "(%,.0f a second) against", hps * rate);
    page_given(&p, "its ceiling of 1,000 a second");
    page_says(&p, "%.3f − 1,000 / 3,000 = %.3f", hps, hps - ceiling / rate);

    /* 4. Twice the capacity: twice the bill, twelve partitions, still throttled (the biggest
     * customer alone is over a partition's ceiling). Even keys: nothing throttled. */
    for (uint32_t r = 0; r < s_hot->replications; r++) {
        support_assert_cents("22.4 6,000 WCUs", support_row_value(&hot, r, cost), 6000 * 730 * WCU_HOUR);
        support_assert_cents("22.4 12,000 WCUs", support_row_value(&more, r, cost), 12000 * 730 * WCU_HOUR);
        support_assert_cents("22.4 sharded", support_row_value(&even, r, cost), 6000 * 730 * WCU_HOUR);
        ck_assert_double_eq(support_row_value(&more, r, "services.orders.partitions"), 12);
        ck_assert_double_eq(support_row_value(&even, r, "services.orders.throttled"), 0);
    }
    ck_assert(key1 * rate > ceiling);
    page_given(&p, "At 12,000 WCUs");
    page_says(&p, "**$%,.0f** against\n   **$%,.0f**", page_mean(&more, cost), page_mean(&hot, cost));
    zipf_partition_shares(1000, 1.5, 12, share);
    double hps12 = page_mean(&more, "services.orders.hot_partition_share");
    support_assert_close("22.4 the hot partition's share of twelve", hps12, share[0]);
    m = support_ratio_ci(&more, "services.orders.throttled", "services.orders.calls", &hw);
    assert_within_ci("22.4 throttled share at 12,000 WCUs = p_hot - 1000/3000", m, hw, hps12 - ceiling / rate);
    support_assert_above(SUITE, "22.4 still throttled at 12,000 WCUs", m, hw, key1 - ceiling / rate);
    page_says(&p, "**%.1f%%** of the writes are still throttled", 100 * m);
    page_says(&p, "(%.1f%% of the writes on it)", 100 * hps12);
    page_says(&p, "customer's %,.0f a second stay", key1 * rate);
    page_given(&p, "a random suffix 1–10");
    page_says(&p, "ten keys of about %.0f writes a", key1 * rate / 10);
    page_says(&p, "at the same **$%,.0f**", page_mean(&even, cost));
    page_says(&p, "about %.0f a second", round(page_mean(&even, "services.orders.hot_partition_share") * rate / 100) * 100);

    support_done(s_od, &od);
    support_done(s_pv, &pv);
    support_done(s_odq, &odq);
    support_done(s_pvq, &pvq);
    support_done(s_hot, &hot);
    support_done(s_more, &more);
    support_done(s_even, &even);
    exercise_page_close(&p);
}
END_TEST

Suite *data_tier_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *tc = tcase_create("capacity");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_zipf_key_has_share_one_over_k_to_the_s_times_the_harmonic_number);
    tcase_add_test(tc, a_hot_partition_throttles_its_excess_while_the_table_is_under_its_limit);
    tcase_add_test(tc, provisioned_capacity_throttles_the_excess_over_its_units);
    tcase_add_test(tc, provisioned_capacity_bills_its_unit_hours_to_the_cent);
    tcase_add_test(tc, on_demand_and_provisioned_break_even_at_thirteen_forty_fifths_utilisation);
    tcase_add_test(tc, auto_scaling_follows_two_minutes_of_breach_and_its_delay);
    tcase_add_test(tc, auto_scaling_scales_down_after_fifteen_minutes_under_target);
    tcase_add_test(tc, capacity_keys_refuse_what_does_not_fit);
    tcase_add_test(tc, a_table_without_capacity_keys_is_unchanged);
    suite_add_tcase(s, tc);
    TCase *ex = tcase_create("ex22");
    tcase_set_tags(ex, "slow");
    tcase_set_timeout(ex, 900);
    tcase_add_test(ex, ex22_table_capacity);
    suite_add_tcase(s, ex);
    return s;
}
