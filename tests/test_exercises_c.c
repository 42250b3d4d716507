/* test_exercises_c.c — keeps the answers of teaching exercises 15 to 18 true: safe
 * deployments, gateway caching, edge functions and the gateway's guards. Each test runs the
 * commands of its page's Run block exactly as written (tests/exercise_page.h: the same files,
 * --set, seeds, replications and windows; only --out moves into a temporary folder) and
 * checks every number its answer quotes against what they give (page_says), then asserts
 * the claims against a closed form (within 1.5 times the run's 95% half-width) or as a
 * paired comparison of two runs with the same seed that must hold beyond the CI.
 * SLSIM_VERBOSE=1 prints the measured figures and the quoted text. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dist.h"
#include "tests/exercise_page.h"
#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "exercises-c"
#define DIR "scenarios/exercises/"

/* A 730-hour month over a window of window_s seconds. */
static double month_over(double window_s)
{
    return 730.0 * 3600.0 / window_s;
}

/* Mean over replications of the cold starts in timeseries bin b. */
static double cold_starts_in_bin(const world_spec *spec, const run_result *res, size_t b)
{
    double sum = 0;
    for (uint32_t r = 0; r < spec->replications; r++)
        sum += res->ts[((size_t)r * TS_COLUMNS + TS_COLD_STARTS) * res->bins + b];
    return sum / spec->replications;
}

/* The same mean, with its 95% half-width over the replications in *hw. */
static double cold_starts_in_bin_ci(const world_spec *spec, const run_result *res, size_t b, double *hw)
{
    double v[64];
    ck_assert_uint_le(spec->replications, 64);
    for (uint32_t r = 0; r < spec->replications; r++)
        v[r] = res->ts[((size_t)r * TS_COLUMNS + TS_COLD_STARTS) * res->bins + b];
    return support_mean_ci(v, spec->replications, hw);
}

/* Mean of the nodejs (x86_64) cold start with a package of mb MB, as the function model
 * defines it: billed init median 139.9 ms + 98.8 ms/MB (p99/median 208.7/139.9) after
 * platform time median 100 ms + 6 ms/MB (p99/median 4). */
static double nodejs_cold_start_mean_ms(double mb)
{
    double init = 139.9 + (2200.0 / 21.0 - 6) * mb, platform = 100 + 6 * mb;
    return page_lognormal_mean(init, init * 208.7 / 139.9) + page_lognormal_mean(platform, platform * 4);
}

/* ---- 15 safe deployments --------------------------------------------------------------- */

START_TEST(ex15_safe_deployments)
{
    exercise_page p;
    exercise_page_open(&p, 15);
    world_spec *s_all, *s_can, *s_good, *s_lin;
    run_result all, can, good, lin;
    page_run(&p, "/all-at-once$", &s_all, &all);
    page_run(&p, "/canary$", &s_can, &can);
    page_run(&p, "/good-all-at-once$", &s_good, &good);
    page_run(&p, "/good-linear$", &s_lin, &lin);
    char cmp[1024];
    page_study(&p, "/compare$", cmp, sizeof cmp);
    page_compare_agrees(cmp, "all-at-once", &all, "cost.monthly_total");
    page_compare_agrees(cmp, "canary", &can, "cost.monthly_total");
    double hw, m;

    /* 1. All at once, the bad version fails 10% of every request from 600 s to 3,600 s. */
    m = support_figure_ci(&all, "requests.failed", &hw);
    support_assert_within_ci(SUITE, "15.1 failed requests, all at once = 0.1 x 20/s x 3,000 s", m, hw, 6000);
    page_says(&p, "About **%,.0f** (%,.0f ± %.0f over %d replications): 10%% of 20 requests/s for 3,000 s",
              round(m / 1000) * 1000, m, hw, (int)s_all->replications);

    /* 2. The canary serves 10% for one alarm window before the alarm rolls it back:
     * 0.1 x 0.1 x 20/s x 60 s = 12 failures, and one rollback in every replication. */
    m = support_figure_ci(&can, "requests.failed", &hw);
    support_assert_within_ci(SUITE, "15.2 failed requests, canary = 0.1 x 0.1 x 20/s x 60 s", m, hw, 12);
    for (uint32_t r = 0; r < s_can->replications; r++)
        ck_assert_double_eq(support_row_value(&can, r, "functions.checkout.rollbacks"), 1);
    page_says(&p, "About **%.0f** (%.1f ± %.1f)", 12.0, m, hw);
    double ratio = support_paired_ratio(&can, "requests.failed", &all, "requests.failed", &hw);
    support_assert_below(SUITE, "15.2 canary's failures / all at once's < 1%", ratio, hw, 0.01);
    page_says(&p, "(0.1 × 0.1 × 20/s × 60 s = %.0f failures)", 0.1 * 0.1 * 20 * 60);
    page_given(&p, "10% of the traffic");
    page_given(&p, "10% errors at its first check at 660 s");
    page_says(&p, "(`rollbacks` = %.0f in every replication)", 1.0);
    page_says(&p, "**%.1f%%** of the all-at-once failures", 100 * m / page_mean(&all, "requests.failed"));
    page_given(&p, "5 minutes");

    /* 3. A healthy release all at once: every request in the first seconds after 600 s
     * finds no warm environment of the new version and starts one, until the first of them
     * are ready: on average no more than rate x mean cold start of the 30-MB package
     * (20/s x 3.5 s = 70), since the first of many cold starts ends before the average one,
     * but more than half of it (each within the replications' 95% interval: one minute's
     * count is Poisson-like, 70 +- 8); when 10% of the traffic shifts first, under a quarter
     * of that. */
    double wave_hw, wave_all = cold_starts_in_bin_ci(s_good, &good, 10, &wave_hw);
    double wave_lin = cold_starts_in_bin(s_lin, &lin, 10);
    double cold_s = nodejs_cold_start_mean_ms(30) / 1000, expected = 20 * cold_s;
    ck_assert_msg(wave_all + wave_hw > 0.5 * expected && wave_all - wave_hw < expected,
                  "15.3 the wave: %.1f ± %.1f cold starts, expected between half and all of %.1f", wave_all,
                  wave_hw, expected);
    ck_assert_msg(wave_lin < wave_all / 4, "15.3 linear %.1f is not under a quarter of %.1f", wave_lin, wave_all);
    ratio = support_paired_ratio(&lin, "functions.checkout.cold_starts", &good, "functions.checkout.cold_starts", &hw);
    support_assert_below(SUITE, "15.3 linear's cold starts in the hour / all at once's < 0.6", ratio, hw, 0.6);
    page_says(&p, "**about %.0f** cold starts in that minute (%.1f), against %.1f with the linear shift", wave_all,
              wave_all, wave_lin);
    page_says(&p, "the 30 MB package's cold start (%.1f s on average)", cold_s);
    page_says(&p, "(20/s × %.1f s = %.0f;", cold_s, 20 * round(cold_s * 10) / 10);
    page_given(&p, "10% a minute");
    double lin_cold = page_mean(&lin, "functions.checkout.cold_starts"), all_cold = page_mean(&good, "functions.checkout.cold_starts");
    page_says(&p, "**%.2f×** as many (%.1f against %.1f)", lin_cold / all_cold, lin_cold, all_cold);
    page_says(&p, "($%.2f against $%.2f a month)", page_mean(&lin, "cost.monthly_total"), page_mean(&good, "cost.monthly_total"));

    support_done(s_all, &all);
    support_done(s_can, &can);
    support_done(s_good, &good);
    support_done(s_lin, &lin);
    exercise_page_close(&p);
}
END_TEST

/* ---- 16 gateway caching ------------------------------------------------------------------ */

START_TEST(ex16_gateway_caching)
{
    exercise_page p;
    exercise_page_open(&p, 16);
    world_spec *s_no, *s_c, *s_qc;
    run_result no, c, qc;
    page_run(&p, "/no-cache$", &s_no, &no);
    page_run(&p, "/cache$", &s_c, &c);
    page_run(&p, "/cache-quiet$", &s_qc, &qc);
    char cmp[1024], quiet[1024];
    page_study(&p, "/compare$", cmp, sizeof cmp);
    page_study(&p, "/compare-quiet$", quiet, sizeof quiet);
    page_compare_agrees(cmp, "no-cache", &no, "cost.monthly_total");
    page_compare_agrees(cmp, "cache", &c, "cost.monthly_total");
    page_compare_agrees(quiet, "cache", &qc, "cost.monthly_total");
    double hw, m;

    /* 1. Each product's requests form cycles: a miss, the misses while its response is on
     * the way (rate per key x the handler's mean 152 ms), then rate x TTL / keys = 18 hits
     * while the response is fresh. The scenario warms up 4 hours so the cycles are at their
     * steady state. */
    double per_key = 30.0 / 500, fetch = per_key * page_lognormal_mean(120, 600) / 1000, x = per_key * 300;
    double hit = x / (1 + fetch + x);
    m = support_figure_ci(&c, "sources.shop.gateway_cache_hit_ratio", &hw);
    support_assert_within_ci(SUITE, "16.1 hit share = x/(1+f+x), x = 30 x 300 / 500", m, hw, hit);
    page_says(&p, "**%.1f%%** (%.5f ± %.4f)", 100 * m, m, hw);
    double inv_ratio = support_paired_ratio(&c, "functions.catalogue.invocations", &no, "functions.catalogue.invocations",
                                            &hw);
    support_assert_within_ci(SUITE, "16.1 invocations with / without = 1 - hit share", inv_ratio, hw, 1 - hit);
    page_says(&p, "30/500 = %.2f times a second", per_key);
    page_says(&p, "its %.2f × 300 = %.0f requests", per_key, x);
    page_says(&p, "(%.2f/s × %.2f s)", per_key, round(page_lognormal_mean(120, 600) / 10) / 100);
    page_says(&p, "%.0f/(1 + %.3f + %.0f) = %.4f", x, fetch, x, hit);
    page_says(&p, "the other %.1f%% only (%,.0f invocations an hour against %,.0f)", 100 - 100 * m,
              page_mean(&c, "functions.catalogue.invocations"), page_mean(&no, "functions.catalogue.invocations"));
    page_given(&p, "next 300 s");

    /* 2. At 30/s it pays for itself many times over: the bill falls by more than $80 a
     * month after the cache's $14.60, and the median request is the cache's 10 ms. */
    ck_assert_double_eq_tol(support_row_value(&c, 0, "cost.by_line.api_gateway_cache"), 14.60, 1e-9);
    m = support_paired_diff(&no, "cost.monthly_total", &c, "cost.monthly_total", &hw);
    support_assert_above(SUITE, "16.2 monthly saving at 30/s ($)", m, hw, 80);
    double p50 = support_figure_ci(&c, "latency_ms.p50", &hw);
    support_assert_below(SUITE, "16.2 p50 with the cache (ms)", p50, hw, 12);
    page_says(&p, "falls from **$%.2f to $%.2f** a month", page_mean(&no, "cost.monthly_total"), page_mean(&c, "cost.monthly_total"));
    const char *lambda_lines[] = { "cost.by_line.lambda_requests", "cost.by_line.lambda_duration",
                                   "cost.by_line.logs_ingestion" };
    double lambda_no = 0, lambda_c = 0;
    for (int k = 0; k < 3; k++) {
        lambda_no += page_mean(&no, lambda_lines[k]);
        lambda_c += page_mean(&c, lambda_lines[k]);
    }
    page_says(&p, "fall by %.0f%%, the cache adds $%.2f", 100 * (1 - lambda_c / lambda_no),
              page_mean(&c, "cost.by_line.api_gateway_cache"));
    ck_assert_double_eq(page_mean(&no, "cost.by_line.api_gateway_rest"), page_mean(&c, "cost.by_line.api_gateway_rest"));
    page_says(&p, "REST API's own $%.2f does not change", page_mean(&c, "cost.by_line.api_gateway_rest"));
    page_says(&p, "the cache's %.0f ms instead of %.0f ms (p99 %.0f ms against %.0f", p50, page_mean(&no, "latency_ms.p50"),
              page_mean(&c, "latency_ms.p99"), page_mean(&no, "latency_ms.p99"));

    /* 3. At 0.5/s x = 0.3: most requests miss (hit share 0.23) and the cache costs more
     * than the invocations it saves (compare's figures: its means and their intervals). */
    m = support_figure_ci(&qc, "sources.shop.gateway_cache_hit_ratio", &hw);
    support_assert_within_ci(SUITE, "16.3 hit share at 0.5/s = 0.3/1.3", m, hw, 0.3 / 1.3);
    page_given(&p, "At 0.5/s");
    page_says(&p, "once in %,.0f s", 500 / 0.5);
    page_says(&p, "0.3/1.3 = **%.2f** (%.3f ± %.3f)", 0.3 / 1.3, m, hw);
    double saved = 0;
    for (int k = 0; k < 3; k++) {
        char where[128];
        snprintf(where, sizeof where, "figure=%s,variant=no-cache", lambda_lines[k]);
        saved += page_csv(quiet, "compare.csv", where, "mean");
        snprintf(where, sizeof where, "figure=%s,variant=cache", lambda_lines[k]);
        saved -= page_csv(quiet, "compare.csv", where, "mean");
    }
    double bill_no = page_csv(quiet, "compare.csv", "figure=cost.monthly_total,variant=no-cache", "mean");
    double hw_no = page_csv(quiet, "compare.csv", "figure=cost.monthly_total,variant=no-cache", "ci95");
    double bill_c = page_csv(quiet, "compare.csv", "figure=cost.monthly_total,variant=cache", "mean");
    double hw_c = page_csv(quiet, "compare.csv", "figure=cost.monthly_total,variant=cache", "ci95");
    ck_assert_msg(bill_c - hw_c - (bill_no + hw_no) > 10, "16.3 the cache adds to the bill at 0.5/s: $%.2f ± %.2f "
                  "against $%.2f ± %.2f", bill_c, hw_c, bill_no, hw_no);
    page_says(&p, "about $%.2f of Lambda a month and costs $%.2f", saved, page_mean(&qc, "cost.by_line.api_gateway_cache"));
    page_says(&p, "rises from $%.2f to **$%.2f**", bill_no, bill_c);

    support_done(s_no, &no);
    support_done(s_c, &c);
    support_done(s_qc, &qc);
    exercise_page_close(&p);
}
END_TEST

/* ---- 17 edge functions ------------------------------------------------------------------- */

START_TEST(ex17_edge_functions)
{
    exercise_page p;
    exercise_page_open(&p, 17);
    world_spec *s_reg, *s_edge;
    run_result reg, edge;
    page_run(&p, "/regional$", &s_reg, &reg);
    page_run(&p, "/edge$", &s_edge, &edge);
    char cmp[1024];
    page_study(&p, "/compare$", cmp, sizeof cmp);
    page_compare_agrees(cmp, "regional", &reg, "cost.monthly_total");
    page_compare_agrees(cmp, "edge", &edge, "cost.monthly_total");
    page_compare_agrees(cmp, "edge", &edge, "latency_ms.p50");
    double hw, m;

    /* 1. Every request saves the round-trip difference, 80 - 20 = 60 ms (same seed: the
     * same handler and cold-start draws), so the mean falls by 60 ms; the medians
     * by 60 ms up to the latency histogram's resolution (64 buckets per power of two: each
     * quantile within 1/64 of its value). */
    for (uint32_t r = 0; r < s_edge->replications; r++) {
        double saved = support_row_value(&reg, r, "latency_ms.mean") - support_row_value(&edge, r, "latency_ms.mean");
        /* (the requests of the window's last 80 ms complete inside it in one run only: each
         * can move the mean by at most the largest latency over the completions) */
        double n = support_row_value(&reg, r, "requests.completed");
        double extra = fabs(support_row_value(&edge, r, "requests.completed") - n) + 1;
        ck_assert_double_eq_tol(saved, 60, extra * support_row_value(&reg, r, "latency_ms.max") / n);
        double p_reg = support_row_value(&reg, r, "latency_ms.p50");
        double p_edge = support_row_value(&edge, r, "latency_ms.p50");
        double p_saved = p_reg - p_edge;
        ck_assert_double_eq_tol(p_saved, 60, (p_reg + p_edge) / 64);
    }
    m = support_paired_diff(&reg, "latency_ms.p50", &edge, "latency_ms.p50", &hw);
    page_says(&p, "**%.0f ms** (%.1f ± %.1f, the paired difference)", m, m, hw);
    page_given(&p, "from 80 to 20 ms");
    page_says(&p, "(p50 %.0f ms against %.0f ms, p99 %.0f against %.0f)", page_mean(&reg, "latency_ms.p50"),
              page_mean(&edge, "latency_ms.p50"), page_mean(&reg, "latency_ms.p99"), page_mean(&edge, "latency_ms.p99"));

    /* 2. The bill: the same requests and GB-s at Lambda@Edge's prices ($0.60 per 1M,
     * $0.00005001 per GB-s) against Lambda's ($0.20, $0.0000166667): per invocation and per
     * GB-s, 3 times as much. */
    double scale = month_over(s_edge->duration_s);
    for (uint32_t r = 0; r < s_edge->replications; r++) {
        double inv = support_row_value(&edge, r, "functions.auth.invocations") * scale;
        double gb_s = support_row_value(&edge, r, "functions.auth.billed_gb_s") * scale;
        ck_assert_double_eq_tol(support_row_value(&edge, r, "cost.by_line.lambda_edge_requests"), inv / 1e6 * 0.60, 0.0051);
        ck_assert_double_eq_tol(support_row_value(&edge, r, "cost.by_line.lambda_edge_duration"), gb_s * 0.00005001, 0.0051);
    }
    /* The same invocations and GB-s (no free tier on either, no log lines): the edge bill is
     * 3 times the regional one up to the four lines' rounding to cents (0.01 + 3 x 0.01). */
    for (uint32_t r = 0; r < s_edge->replications; r++)
        ck_assert_double_eq_tol(support_row_value(&edge, r, "cost.monthly_total"),
                                3 * support_row_value(&reg, r, "cost.monthly_total"), 0.04);

    double bill_e = page_mean(&edge, "cost.monthly_total"), bill_r = page_mean(&reg, "cost.monthly_total");
    double requests = page_mean(&edge, "cost.by_line.lambda_edge_requests") / 0.60;
    ck_assert_double_eq_tol(requests, page_mean(&edge, "requests.arrived") * scale / 1e6, 0.01);
    page_says(&p, "**%.0f times as much**: $%.2f against $%.2f a month for %.0f million requests ($%.2f of", bill_e / bill_r,
              bill_e, bill_r, requests, page_mean(&edge, "cost.by_line.lambda_edge_requests"));
    page_given(&p, "$0.60 per million");
    page_given(&p, "$0.00005001 per GB-s against Lambda's $0.20 and $0.0000166667");
    page_given(&p, "those 60 ms");
    page_given(&p, "the 60 ms are");
    support_done(s_reg, &reg);
    support_done(s_edge, &edge);
    exercise_page_close(&p);
}
END_TEST

/* ---- 18 the gateway's guards ----------------------------------------------------------- */

START_TEST(ex18_gateway_guards)
{
    exercise_page p;
    exercise_page_open(&p, 18);
    world_spec *s_un, *s_g;
    run_result un, g;
    page_run(&p, "/unguarded$", &s_un, &un);
    page_run(&p, "/guarded$", &s_g, &g);
    char cmp[1024];
    page_study(&p, "/compare$", cmp, sizeof cmp);
    page_compare_agrees(cmp, "unguarded", &un, "cost.monthly_total");
    page_compare_agrees(cmp, "guarded", &g, "cost.monthly_total");
    double hw, m;

    /* 1. Unguarded, each malformed request (20% of the free plan's) fails three times. */
    m = support_ratio_ci(&un, "functions.api.errors", "tenants.free.requests.arrived", &hw);
    support_assert_within_ci(SUITE, "18.1 function errors per free-plan request = 3 x 0.2", m, hw, 0.6);
    page_says(&p, "**%.1f** (%.3f ± %.3f)", 3 * 0.2, m, hw);
    page_says(&p, "%,.0f failed invocations in two days", page_mean(&un, "functions.api.errors"));
    ck_assert_double_eq(s_un->duration_s, 2 * 86400);

    /* 2. Guarded: 20,000 of the free plan's attempts a day pass the quota, a fifth of
     * them are refused by validation, and only what passes both invokes the function. */
    double days = s_g->duration_s / 86400;
    for (uint32_t r = 0; r < s_g->replications; r++) {
        double rejected = support_row_value(&g, r, "sources.free.gateway_rejected");
        ck_assert_double_eq(support_row_value(&g, r, "tenants.free.requests.completed"), 20000 * days - rejected);
        ck_assert_double_eq(support_row_value(&g, r, "functions.api.errors"), 0);
        /* (a request or two may still be running at the end) */
        double passed = support_row_value(&g, r, "tenants.partner.requests.completed") +
                        support_row_value(&g, r, "tenants.free.requests.completed");
        ck_assert_double_le(fabs(support_row_value(&g, r, "functions.api.invocations") - passed), 3);
    }
    m = support_ratio_ci(&g, "sources.free.gateway_rejected", "tenants.free.requests.completed", &hw);
    support_assert_within_ci(SUITE, "18.2 refused by validation / passed = 0.2 / 0.8", m, hw, 0.25);
    page_given(&p, "Exactly 20,000 a day pass the quota");
    page_says(&p, "= %.2f within its CI: %.3f ± %.3f)", 0.2 / 0.8, m, hw);
    double invoking = page_mean(&g, "tenants.free.requests.completed") / days;
    page_says(&p, "about %,.0f a day invoke", round(invoking / 1000) * 1000);
    page_says(&p, "The other %,.0f of the free plan's requests (%,.0f arrived in two days; with their retries, %,.0f "
              "attempts over the quota)", page_mean(&g, "tenants.free.requests.throttled"),
              page_mean(&g, "tenants.free.requests.arrived"), page_mean(&g, "tenants.free.over_quota"));
    page_given(&p, "a 429");

    /* 3. The partner does not notice: every one of its requests that ended completed,
     * either way (a few may still be running at the end of the window). */
    const run_result *both[] = { &un, &g };
    for (int k = 0; k < 2; k++)
        for (uint32_t r = 0; r < s_g->replications; r++)
            ck_assert_double_eq(support_row_value(both[k], r, "tenants.partner.requests.success_ratio"), 1);

    /* 4. And the bill falls, though the quota's 429s are retried: the gateway does not
     * charge for throttled requests. */
    m = support_paired_diff(&un, "cost.monthly_total", &g, "cost.monthly_total", &hw);
    support_assert_above(SUITE, "18.4 monthly saving of the guards ($)", m, hw, 10);
    page_says(&p, "by **$%.2f** a month ($%.2f against $%.2f)", m, page_mean(&un, "cost.monthly_total"),
              page_mean(&g, "cost.monthly_total"));

    support_done(s_un, &un);
    support_done(s_g, &g);
    exercise_page_close(&p);
}
END_TEST

Suite *exercises_c_suite(void)
{
    /* A case per exercise (CK_RUN_CASE=ex15 runs one), all tagged slow: left out of make
     * test-fast. */
    const struct { const char *name; const TTest *test; } cases[] = {
        { "ex15", ex15_safe_deployments },
        { "ex16", ex16_gateway_caching },
        { "ex17", ex17_edge_functions },
        { "ex18", ex18_gateway_guards },
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
