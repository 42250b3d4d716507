/* test_tenant_cost.c — each tenant's part of the bill (billing_by_tenant, tenants.<t>.cost.*):
 * the method on a stated ledger, exactly; the parts adding up to the bill to the cent in runs
 * with every kind of shared usage; the pool and silo pair's lessons; and exercise 20's page,
 * every number of its answer checked against its commands. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/billing.h"
#include "tests/exercise_page.h"
#include "sim/fit.h"
#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "tenant-cost"

/* ---- the method, on a stated ledger --------------------------------------------------------- */

/* A month's usage (window = the month): component 0, a function, bills 3 million requests
 * of tenant 0 and 1 million of tenant 1 as their own, and 2 million GB-s of provisioned
 * capacity ($8.3334) that belongs to nobody's request; it received 3 of tenant 0's requests
 * for each of tenant 1's. Component 1 (a schedule's function) received none: its 0.5
 * million requests ($0.10) are nobody's. Exact parts $6.85005, $2.28335 and $0.10; the bill,
 * of lines rounded to cents, is $9.23: scaled to it, 684.753, 228.251 and 9.996 cents, whose
 * floors leave 2 cents for the two largest remainders (nobody's, then tenant 0). */
START_TEST(a_tenants_own_usage_is_its_own_and_shared_usage_follows_what_it_sent)
{
    price_table t = support_price_table("aws-us-east-1");
    ledger u;
    ledger_init(&u, &t);
    usage_add_ex(&u, 0, 0, 0, "functions.requests", 3e6);
    usage_add_ex(&u, 0, 1, 0, "functions.requests", 1e6);
    usage_add(&u, 0, "functions.provisioned_gb_s.x86_64", 2e6);
    usage_add(&u, 1, "functions.requests", 0.5e6);
    double window_s = t.month_hours * 3600.0, by_component[2];
    bill b = { .n = 2, .by_component = by_component };
    billing_compute(&t, &u, false, window_s, &b);
    uint64_t received[2 * 2] = { 3000, 1000, 0, 0 };
    double monthly[3], category[3 * PRICE_CATEGORIES];
    tenant_bill tb = { .monthly = monthly, .category = category };
    ck_assert_int_eq(billing_by_tenant(&t, &u, false, window_s, 2, 2, received, &b, &tb), 0);

    ck_assert_double_eq(price_find(&t, "functions.provisioned_gb_s.x86_64")->tiers.tier[0].price, 0.0000041667);
    support_assert_cents("the bill", b.total, 9.23);
    support_assert_cents("tenant 0: its 3M requests and 3/4 of the capacity", monthly[0], 6.85);
    support_assert_cents("tenant 1: its 1M requests and 1/4 of the capacity", monthly[1], 2.28);
    support_assert_cents("nobody's: the schedule's 0.5M requests", monthly[2], 0.10);
    support_assert_cents("the parts add up to the bill", monthly[0] + monthly[1] + monthly[2], b.total);
    /* by category: requests and compute, each row adding up to its part */
    support_assert_cents("tenant 0's requests", category[0 * PRICE_CATEGORIES + PRICE_REQUESTS], 0.60);
    support_assert_cents("tenant 1's compute", category[1 * PRICE_CATEGORIES + PRICE_COMPUTE], 2.08);
    ledger_free(&u);
}
END_TEST

/* Three tenants with equal shares of 10 cents: 3.33 each and one cent left, which goes to
 * the largest remainder — never lost, never doubled. */
START_TEST(cents_that_do_not_divide_go_to_the_largest_remainders)
{
    price_table t = support_price_table("aws-us-east-1");
    ledger u;
    ledger_init(&u, &t);
    usage_add(&u, 0, "functions.requests", 0.5e6);   /* $0.10 */
    double window_s = t.month_hours * 3600.0, by_component[1];
    bill b = { .n = 1, .by_component = by_component };
    billing_compute(&t, &u, false, window_s, &b);
    uint64_t received[3] = { 7, 7, 7 };
    double monthly[4], category[4 * PRICE_CATEGORIES];
    tenant_bill tb = { .monthly = monthly, .category = category };
    ck_assert_int_eq(billing_by_tenant(&t, &u, false, window_s, 1, 3, received, &b, &tb), 0);
    double sum = 0, most = 0;
    for (int k = 0; k < 3; k++) {
        ck_assert(fabs(monthly[k] - 0.03) < 1e-9 || fabs(monthly[k] - 0.04) < 1e-9);
        sum += monthly[k];
        most = fmax(most, monthly[k]);
    }
    support_assert_cents("three parts", sum, 0.10);
    support_assert_cents("nobody's", monthly[3], 0);
    ledger_free(&u);
}
END_TEST

/* ---- runs ------------------------------------------------------------------------------------ */

/* Every replication: the tenants' parts and the unattributed rest add up to the total to
 * the cent, and each tenant's categories to its part; the schedule's function is nobody's;
 * the small tenant, with a tenth of the big one's requests, pays about a tenth. */
START_TEST(tenant_shares_add_up_to_the_bill_to_the_cent)
{
    world_spec *spec;
    run_result res;
    /* 10 replications: the ratio below is judged by its t interval, which from the file's 2
     * (one degree of freedom) is as likely to come out far too narrow as far too wide. */
    support_run_file("tests/scenarios/tenant-cost/shared-costs-of-every-kind.json", 10, 0, NULL, 0, &spec, &res);
    const char *tenants[] = { "big", "small" };
    for (uint32_t r = 0; r < spec->replications; r++) {
        double total = support_row_value(&res, r, "cost.monthly_total");
        double nobody = support_row_value(&res, r, "cost.unattributed");
        double sum = nobody;
        char name[128];
        for (int k = 0; k < 2; k++) {
            snprintf(name, sizeof name, "tenants.%s.cost.monthly", tenants[k]);
            double part = support_row_value(&res, r, name), cats = 0;
            sum += part;
            for (size_t c = 0; c < PRICE_CATEGORIES; c++) {
                snprintf(name, sizeof name, "tenants.%s.cost.by_category.%s", tenants[k], price_category_names[c]);
                cats += support_row_value(&res, r, name);
            }
            support_assert_cents("a tenant's categories add up to its part", cats, part);
        }
        support_assert_cents("tenants + unattributed = the bill", sum, total);
        /* the schedule and its function, no more (the function's cost is rounded alone) */
        ck_assert_double_le(fabs(nobody - support_row_value(&res, r, "cost.by_component.report") -
                                 support_row_value(&res, r, "cost.by_component.nightly")), 0.011);
        ck_assert_double_gt(nobody, 0);
    }
    double hw, m = support_paired_ratio(&res, "tenants.small.cost.monthly", &res, "tenants.big.cost.monthly", &hw);
    support_assert_within_ci(SUITE, "small / big cost = small / big requests", m, hw, 0.1);
    support_done(spec, &res);
}
END_TEST

/* Without tenants nothing is added: no cost.unattributed figure. */
START_TEST(a_scenario_without_tenants_has_no_tenant_figures)
{
    world_spec *spec;
    run_result res;
    support_run_file("scenarios/reference/api-backend.json", 1, 600, NULL, 0, &spec, &res);
    ck_assert(isnan(run_value(&res, "cost.unattributed", NULL)));
    support_done(spec, &res);
}
END_TEST

/* The pair: silos keep acme's burst from beta (none of beta's requests throttled, against
 * about 4.5% in the pool) at the same cost per tenant, but delta's function, idle between
 * its requests, starts cold for about a third of them (none in the pool). */
/* The 95% Wilson interval of the share num/den pooled over res's replications (counts). */
static void pooled_share(const run_result *res, const char *num, const char *den, double *lo, double *hi)
{
    double k = 0, n = 0;
    for (uint32_t r = 0; r < res->spec->replications; r++) {
        k += support_row_value(res, r, num);
        n += support_row_value(res, r, den);
    }
    ck_assert_msg(n > 0, "no %s", den);
    fit_wilson((uint64_t)k, (uint64_t)n, 1.96, lo, hi);
}

START_TEST(silos_contain_the_noisy_tenant_and_chill_the_small_one)
{
    world_spec *sp, *ss;
    run_result pool, silo;
    /* 10 replications: delta's few requests need them for its shares to be judged */
    support_run_file("scenarios/operations/tenancy-pool.json", 10, 0, NULL, 0, &sp, &pool);
    support_run_file("scenarios/operations/tenancy-silo.json", 10, 0, NULL, 0, &ss, &silo);
    double hw, m;
    m = support_figure_ci(&silo, "tenants.beta.requests.success_ratio", &hw);
    support_assert_above(SUITE, "silo: beta's success ratio", m, hw, 0.999);
    m = support_figure_ci(&pool, "tenants.beta.requests.success_ratio", &hw);
    support_assert_below(SUITE, "pool: beta's success ratio", m, hw, 0.99);
    /* delta sends few requests: its cold-start share per replication swings too much for a
     * t interval (3 replications of one seed gave 0.50 +- 0.72); pooled over the replications its cold
     * starts are a binomial count, judged by their Wilson interval. */
    double lo, hi;
    pooled_share(&silo, "tenants.delta.cold_starts", "tenants.delta.invocations", &lo, &hi);
    if (support_verbose())
        fprintf(stderr, "%s: silo: delta's cold-start share, pooled: [%.4f, %.4f], claim > 0.1\n", SUITE, lo, hi);
    ck_assert_msg(lo > 0.1, "silo: delta's cold-start share [%.4f, %.4f] is not above 0.1", lo, hi);
    pooled_share(&pool, "tenants.delta.cold_starts", "tenants.delta.invocations", &lo, &hi);
    if (support_verbose())
        fprintf(stderr, "%s: pool: delta's cold-start share, pooled: [%.4f, %.4f], claim < 0.05\n", SUITE, lo, hi);
    ck_assert_msg(hi < 0.05, "pool: delta's cold-start share [%.4f, %.4f] is not below 0.05", lo, hi);
    m = support_paired_ratio(&silo, "tenants.beta.cost.monthly", &pool, "tenants.beta.cost.monthly", &hw);
    support_assert_within_ci(SUITE, "beta's cost: silo / pool", m, fmax(hw, 0.01), 1.0);
    support_done(sp, &pool);
    support_done(ss, &silo);
}
END_TEST

/* ---- exercise 20 ---------------------------------------------------------------------------- */

START_TEST(ex20_who_pays)
{
    exercise_page p;
    exercise_page_open(&p, 20);
    world_spec *sp, *ss;
    run_result pool, silo;
    page_run(&p, "/pool$", &sp, &pool);
    page_run(&p, "/silo$", &ss, &silo);
    char cmp[1024];
    page_study(&p, "/compare$", cmp, sizeof cmp);
    page_compare_agrees(cmp, "pool", &pool, "cost.monthly_total");
    page_compare_agrees(cmp, "silo", &silo, "cost.monthly_total");
    double hw, m;

    /* 1. The tenants' parts add up to the bill in every replication (so in the mean). */
    const char *tenants[] = { "acme", "beta", "gamma", "delta" };
    for (uint32_t r = 0; r < sp->replications; r++) {
        double sum = support_row_value(&pool, r, "cost.unattributed");
        ck_assert_double_eq(sum, 0);
        char name[96];
        for (int k = 0; k < 4; k++) {
            snprintf(name, sizeof name, "tenants.%s.cost.monthly", tenants[k]);
            sum += support_row_value(&pool, r, name);
        }
        support_assert_cents("ex20.1 the tenants' parts add up to the bill", sum,
                             support_row_value(&pool, r, "cost.monthly_total"));
    }
    page_says(&p, "Of **$%,.2f** a month, acme pays $%,.2f, beta $%,.2f, gamma $%,.2f and delta $%.2f",
              page_mean(&pool, "cost.monthly_total"), page_mean(&pool, "tenants.acme.cost.monthly"),
              page_mean(&pool, "tenants.beta.cost.monthly"), page_mean(&pool, "tenants.gamma.cost.monthly"),
              page_mean(&pool, "tenants.delta.cost.monthly"));
    page_says(&p, "The table ($%.2f) and the API ($%.2f)", page_mean(&pool, "cost.by_component.orders"),
              page_mean(&pool, "cost.by_line.api_gateway_http"));

    /* 2. acme pays more per completed request than beta, beyond the CI. */
    m = support_paired_diff(&pool, "tenants.acme.cost.per_million_completed", &pool,
                            "tenants.beta.cost.per_million_completed", &hw);
    support_assert_above(SUITE, "ex20.2 acme - beta, $ per million completed", m, hw, 1.0);
    page_says(&p, "**$%.2f** per million completed requests against beta's $%.2f",
              page_mean(&pool, "tenants.acme.cost.per_million_completed"),
              page_mean(&pool, "tenants.beta.cost.per_million_completed"));

    /* 3. beta's bill hardly moves; its throttles go. */
    m = support_paired_ratio(&silo, "tenants.beta.cost.monthly", &pool, "tenants.beta.cost.monthly", &hw);
    support_assert_below(SUITE, "ex20.3 beta's bill, silo / pool", fabs(m - 1), hw, 0.02);
    page_says(&p, "$%.2f against $%.2f (silo over pool: %.2f)", page_mean(&silo, "tenants.beta.cost.monthly"),
              page_mean(&pool, "tenants.beta.cost.monthly"), m);
    m = support_figure_ci(&pool, "tenants.beta.requests.success_ratio", &hw);
    support_assert_below(SUITE, "ex20.3 pool: beta's success ratio", m, hw, 0.99);
    page_says(&p, "(beta's success ratio %.3f)", m);
    m = support_figure_ci(&silo, "tenants.beta.requests.success_ratio", &hw);
    support_assert_above(SUITE, "ex20.3 silo: beta's success ratio", m, hw, 0.999);
    page_says(&p, "never sees it\n   (%.3f)", m);

    /* 4. delta's cold starts in its silo, none in the pool. */
    m = support_figure_ci(&silo, "tenants.delta.cold_start_ratio", &hw);
    support_assert_above(SUITE, "ex20.4 silo: delta's cold-start ratio", m, hw, 0.1);
    page_says(&p, "**%.2f** of them start", m);
    ck_assert_double_eq(page_mean(&pool, "tenants.delta.cold_starts"), 0);
    page_says(&p, "its mean latency is %.0f ms\n   against %.0f ms", page_mean(&silo, "tenants.delta.latency_ms.mean"),
              page_mean(&pool, "tenants.delta.latency_ms.mean"));

    support_done(sp, &pool);
    support_done(ss, &silo);
    exercise_page_close(&p);
}
END_TEST

/* ---- suite ----------------------------------------------------------------------------------- */

Suite *tenant_cost_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *tc = tcase_create("tenants' costs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_tenants_own_usage_is_its_own_and_shared_usage_follows_what_it_sent);
    tcase_add_test(tc, cents_that_do_not_divide_go_to_the_largest_remainders);
    tcase_add_test(tc, tenant_shares_add_up_to_the_bill_to_the_cent);
    tcase_add_test(tc, a_scenario_without_tenants_has_no_tenant_figures);
    suite_add_tcase(s, tc);
    TCase *slow = tcase_create("pool and silo");
    tcase_set_tags(slow, "slow");
    tcase_set_timeout(slow, 600);
    tcase_add_test(slow, silos_contain_the_noisy_tenant_and_chill_the_small_one);
    tcase_add_test(slow, ex20_who_pays);
    suite_add_tcase(s, slow);
    return s;
}
