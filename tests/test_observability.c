/* test_observability.c — what seeing inside a Lambda function costs: each CloudWatch Logs,
 * X-Ray and CloudWatch metrics price to the cent on stated usage (AWS's own worked example
 * among them), X-Ray's sampling rule (a reservoir each second, then a fixed share) against
 * its closed form, every line of a run's bill against the run's own counts, log_kb kept as
 * it was, and the bad inputs with their JSON paths. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/exercise_page.h"
#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "observability"
#define FIXTURE "observability/seeing-inside-a-function.json"
#define MONTH_S (730 * 3600.0)

/* Each new price on stated monthly usage, with and without the free tier (Amazon
 * CloudWatch and AWS X-Ray pricing pages, 2026-12-07). */
START_TEST(each_observability_price_to_the_cent)
{
    price_table t = support_price_table("aws-us-east-1");
    const support_usage storage[] = { { "logs.ingestion_gb", 4 }, { "logs.storage_gb_month", 137.5 } };
    /* $0.03 per GB-month; the free 5 GB are shared with ingestion, which takes 4 first */
    support_assert_cents("log storage", support_month_line(&t, storage, 2, false, "logs_storage"), 4.13);
    support_assert_cents("log storage, free tier", support_month_line(&t, storage, 2, true, "logs_storage"),
                         support_round_cents(136.5 * 0.03));
    /* AWS's example: 2,000 requests an hour, 31 days, 10% sampled = 148,800 traces; less
     * the free 100,000, 48,800 x $0.000005 = $0.24 */
    const support_usage xray_example[] = { { "tracing.traces_recorded", 2000.0 * 24 * 31 * 0.1 } };
    support_assert_cents("X-Ray's worked example", support_month_line(&t, xray_example, 1, true, "xray_traces_recorded"), 0.24);
    const support_usage xray[] = { { "tracing.traces_recorded", 2385000 }, { "tracing.traces_read", 3170000 } };
    support_assert_cents("traces recorded", support_month_line(&t, xray, 2, false, "xray_traces_recorded"), 11.93);
    support_assert_cents("traces recorded, free tier", support_month_line(&t, xray, 2, true, "xray_traces_recorded"), 11.43);
    support_assert_cents("traces read", support_month_line(&t, xray, 2, false, "xray_traces_read"), 1.59);
    support_assert_cents("traces read, free tier", support_month_line(&t, xray, 2, true, "xray_traces_read"), 1.09);
    /* custom metrics in four tiers: 10,000 x 0.30 + 240,000 x 0.10 + 750,000 x 0.05 +
     * 238,500 x 0.02 = 3,000 + 24,000 + 37,500 + 4,770 */
    const support_usage metrics[] = { { "metrics.custom_metric_months", 1238500 }, { "metrics.api_requests", 7385000 } };
    support_assert_cents("custom metrics", support_month_line(&t, metrics, 2, false, "cloudwatch_custom_metrics"), 69270.00);
    /* the free 10 come off the quantity before the tiers apply (so off the top tier) */
    support_assert_cents("custom metrics, free tier",
                         support_month_line(&t, metrics, 2, true, "cloudwatch_custom_metrics"), 69270.00 - 10 * 0.02);
    const support_usage few[] = { { "metrics.custom_metric_months", 12 } };
    support_assert_cents("12 custom metrics", support_month_line(&t, few, 1, false, "cloudwatch_custom_metrics"), 3.60);
    support_assert_cents("12 custom metrics, 10 free", support_month_line(&t, few, 1, true, "cloudwatch_custom_metrics"), 0.60);
    support_assert_cents("PutMetricData", support_month_line(&t, metrics, 2, false, "cloudwatch_metrics_api"), 73.85);
    support_assert_cents("PutMetricData, free tier", support_month_line(&t, metrics, 2, true, "cloudwatch_metrics_api"), 63.85);
    /* they count as logs (observability) in the bill's categories */
    const support_usage all[] = { { "tracing.traces_recorded", 2e6 }, { "metrics.api_requests", 2e6 },
                                  { "metrics.custom_metric_months", 5 } };
    bill b = support_bill_month(&t, all, 3, false);
    support_assert_cents("logs category", b.category[PRICE_LOGS], 10.00 + 20.00 + 1.50);
}
END_TEST

/* X-Ray's default rule traces the first request of each second and 5% of the rest. At a
 * constant 4 requests/s every second holds 4: (1 + 0.05 x 3) / 4 = 0.2875 of them traced.
 * With Poisson arrivals at lambda a second, a second holds one or more with probability
 * p = 1 - e^-lambda: (p + 0.05 (lambda - p)) / lambda. With sample_rate 1 every request. */
START_TEST(xray_traces_its_reservoir_then_a_fixed_share)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    double hw;
    support_scenario(json, sizeof json, FIXTURE);
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++)
        ck_assert_double_eq_tol(support_row_value(&res, r, "functions.api.traced_share"), 0.2875, 2e-4);
    support_done(spec, &res);

    const double rates[] = { 0.7, 2.385 };
    for (size_t k = 0; k < 2; k++) {
        support_scenario_set(json, sizeof json, FIXTURE, "traffic[0].arrivals.process=\"poisson\"\n"
                             "traffic[0].arrivals.rate_per_s=%g\nduration_s=40000\nreplications=4", rates[k]);
        support_run_text(json, 0, &spec, &res);
        double lambda = rates[k], p = 1 - exp(-lambda);
        double share = support_figure_ci(&res, "functions.api.traced_share", &hw);
        support_assert_within_ci(SUITE, "traced share, Poisson arrivals", share, hw, (p + 0.05 * (lambda - p)) / lambda);
        support_done(spec, &res);
    }

    support_scenario_set(json, sizeof json, FIXTURE, "components.api.tracing.sample_rate=1\n"
                         "components.api.tracing.reservoir_per_s=0");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++)
        ck_assert_double_eq(support_row_value(&res, r, "functions.api.traces_recorded"),
                            support_row_value(&res, r, "functions.api.invocations"));
    support_done(spec, &res);
}
END_TEST

/* The run's bill, line by line, from its own counts: per invocation 1.2 KB of INFO lines
 * and a tenth of invocations 9.5 KB more at DEBUG; 30 days of storage at 15% of what is
 * ingested; every trace recorded read once; 12 custom metrics all month; one PutMetricData
 * request per invocation. The window is extrapolated to a 730-hour month. */
START_TEST(a_runs_observability_bill_follows_its_counts)
{
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario(json, sizeof json, FIXTURE);
    support_run_text(json, 0, &spec, &res);
    double scale = MONTH_S / spec->duration_s;
    for (uint32_t r = 0; r < spec->replications; r++) {
        double inv = support_row_value(&res, r, "functions.api.invocations");
        double gb = inv * (1.2 + 0.1 * 9.5) / 1048576.0;
        ck_assert_double_eq_tol(support_row_value(&res, r, "functions.api.log_gb"), gb, 1e-12);
        support_assert_cents("ingestion", support_row_value(&res, r, "cost.by_line.logs_ingestion"),
                             support_round_cents(gb * scale * 0.50));
        support_assert_cents("storage", support_row_value(&res, r, "cost.by_line.logs_storage"),
                             support_round_cents(gb * scale * 0.15 * 30 / (730 / 24.0) * 0.03));
        double traces = support_row_value(&res, r, "functions.api.traces_recorded");
        support_assert_cents("traces recorded", support_row_value(&res, r, "cost.by_line.xray_traces_recorded"),
                             support_round_cents(traces * scale * 5e-6));
        support_assert_cents("traces read", support_row_value(&res, r, "cost.by_line.xray_traces_read"),
                             support_round_cents(traces * scale * 0.5e-6));
        support_assert_cents("custom metrics", support_row_value(&res, r, "cost.by_line.cloudwatch_custom_metrics"), 3.60);
        support_assert_cents("PutMetricData", support_row_value(&res, r, "cost.by_line.cloudwatch_metrics_api"),
                             support_round_cents(inv * scale * 0.01 / 1000));
    }
    support_done(spec, &res);

    /* The embedded metric format: no PutMetricData, its 0.5 KB line in the logs instead
     * (the same custom metrics). Level debug: every invocation's DEBUG lines. */
    support_scenario_set(json, sizeof json, FIXTURE, "components.api.metrics.publish=\"emf\"\n"
                         "components.api.logs.level=\"debug\"\ncomponents.api.logs.debug_sample_rate=null");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double inv = support_row_value(&res, r, "functions.api.invocations");
        double gb = inv * (1.2 + 9.5 + 0.5) / 1048576.0;
        support_assert_cents("ingestion with DEBUG and EMF", support_row_value(&res, r, "cost.by_line.logs_ingestion"),
                             support_round_cents(gb * scale * 0.50));
        ck_assert_double_eq(support_row_value(&res, r, "cost.by_line.cloudwatch_metrics_api"), 0);
        support_assert_cents("custom metrics from EMF", support_row_value(&res, r, "cost.by_line.cloudwatch_custom_metrics"), 3.60);
    }
    support_done(spec, &res);
}
END_TEST

/* logs.kb_per_invocation is log_kb by another name: the same bill; and a function that says
 * nothing of logs, tracing or metrics bills none of the new lines. */
START_TEST(log_kb_keeps_working_and_the_rest_is_off_by_default)
{
    char json[4096];
    world_spec *spec, *spec_a;
    run_result a, b;
    support_scenario_set(json, sizeof json, FIXTURE, "components.api.logs=null\ncomponents.api.tracing=null\n"
                         "components.api.metrics=null\ncomponents.api.log_kb=2.385");
    support_run_text(json, 0, &spec_a, &a);
    support_scenario_set(json, sizeof json, FIXTURE, "components.api.logs={\"kb_per_invocation\": 2.385}\n"
                         "components.api.tracing=null\ncomponents.api.metrics=null");
    support_run_text(json, 0, &spec, &b);
    for (uint32_t r = 0; r < spec->replications; r++) {
        ck_assert_double_eq(support_row_value(&a, r, "cost.by_line.logs_ingestion"),
                            support_row_value(&b, r, "cost.by_line.logs_ingestion"));
        ck_assert_double_gt(support_row_value(&a, r, "cost.by_line.logs_ingestion"), 0);
        const char *off[] = { "logs_storage", "xray_traces_recorded", "xray_traces_read",
                              "cloudwatch_custom_metrics", "cloudwatch_metrics_api" };
        for (size_t k = 0; k < sizeof off / sizeof off[0]; k++) {
            char key[96];
            snprintf(key, sizeof key, "cost.by_line.%s", off[k]);
            ck_assert_double_eq(support_row_value(&a, r, key), 0);
            ck_assert_double_eq(support_row_value(&b, r, key), 0);
        }
    }
    support_done(spec_a, &a);
    support_done(spec, &b);
}
END_TEST

#define FN(extra) "{\"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}]," \
                  " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10" extra "}]}"

START_TEST(bad_observability_inputs_name_their_path)
{
    support_assert_refused(SUITE, "{\"platform\": {\"provider\": \"azure-consumption\"},"
                           " \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
                           " \"components\": [{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": 10, \"logs\": {}}]}",
                           "components[0].logs", "provider \"aws\"");
    support_assert_refused(SUITE, FN(", \"log_kb\": 1, \"logs\": {}"), "components[0].log_kb", "logs.kb_per_invocation");
    support_assert_refused(SUITE, FN(", \"logs\": {\"level\": \"debug\", \"debug_kb\": 3, \"debug_sample_rate\": 0.1}"),
                           "components[0].logs.debug_sample_rate", "every invocation");
    support_assert_refused(SUITE, FN(", \"logs\": {\"debug_sample_rate\": 0.1}"), "components[0].logs.debug_kb", "size");
    support_assert_refused(SUITE, FN(", \"logs\": {\"retention_days\": 10}"), "components[0].logs.retention_days",
                           "not 10");
    support_assert_refused(SUITE, FN(", \"logs\": {\"level\": \"trace\"}"), "components[0].logs.level", "debug");
    support_assert_refused(SUITE, FN(", \"tracing\": {\"sample_rate\": 1.5}"), "components[0].tracing.sample_rate", "");
    support_assert_refused(SUITE, FN(", \"metrics\": {\"emf_kb\": 1}"), "components[0].metrics.emf_kb", "publish");
    support_assert_refused(SUITE, FN(", \"metrics\": {\"publish\": \"emf\", \"api_requests_per_invocation\": 2}"),
                           "components[0].metrics.api_requests_per_invocation", "PutMetricData");
}
END_TEST

/* ---- exercise 19: what seeing inside your functions costs ---------------------------- */

START_TEST(ex19_observability_costs)
{
    exercise_page p;
    exercise_page_open(&p, 19);
    world_spec *s_info, *s_debug, *s_sampled, *s_api;
    run_result info, debug, sampled, api;
    page_run(&p, "/info$", &s_info, &info);
    page_run(&p, "/debug$", &s_debug, &debug);
    page_run(&p, "/sampled-debug$", &s_sampled, &sampled);
    page_run(&p, "/put-metric-data$", &s_api, &api);
    char cmp[1024];
    page_study(&p, "/compare$", cmp, sizeof cmp);
    page_compare_agrees(cmp, "info", &info, "cost.monthly_total");
    page_compare_agrees(cmp, "debug", &debug, "cost.monthly_total");
    page_compare_agrees(cmp, "sampled-debug", &sampled, "cost.monthly_total");
    double hw, m;
    /* The same seed and window: the same invocations in every run. */
    for (uint32_t r = 0; r < s_info->replications; r++)
        ck_assert_double_eq(support_row_value(&info, r, "functions.api.invocations"),
                            support_row_value(&debug, r, "functions.api.invocations"));

    /* 1. At INFO, logs, traces and metrics are about 43% of the bill. */
    m = support_ratio_ci(&info, "cost.by_category.logs", "cost.monthly_total", &hw);
    support_assert_above(SUITE, "19.1 observability share at INFO > 0.4", m, hw, 0.4);
    page_says(&p, "**%.0f%%**: $%.2f of $%.2f a month", 100 * m, page_mean(&info, "cost.by_category.logs"),
              page_mean(&info, "cost.monthly_total"));
    ck_assert_double_gt(page_mean(&info, "cost.by_category.logs"),
                        page_mean(&info, "cost.by_line.lambda_requests") + page_mean(&info, "cost.by_line.lambda_duration"));
    page_says(&p, "Log ingestion is $%.2f of it", page_mean(&info, "cost.by_line.logs_ingestion"));
    page_given(&p, "1.5 KB an invocation");
    page_says(&p, "X-Ray $%.2f for the traces recorded", page_mean(&info, "cost.by_line.xray_traces_recorded"));
    page_says(&p, "30 days of storage only\n   $%.2f", page_mean(&info, "cost.by_line.logs_storage"));
    page_given(&p, "at $0.03 a GB-month");

    /* 2. DEBUG with every request traced. */
    m = support_paired_ratio(&debug, "cost.monthly_total", &info, "cost.monthly_total", &hw);
    support_assert_above(SUITE, "19.2 DEBUG and full tracing / INFO monthly cost > 4", m, hw, 4);
    page_says(&p, "**%.2f times** ($%.2f a month)", m, page_mean(&debug, "cost.monthly_total"));
    m = support_ratio_ci(&debug, "cost.by_category.logs", "cost.monthly_total", &hw);
    support_assert_above(SUITE, "19.2 observability share at DEBUG > 0.8", m, hw, 0.8);
    page_says(&p, "**%.0f%%** of it is observability ($%.2f)", 100 * m, page_mean(&debug, "cost.by_category.logs"));
    page_says(&p, "log\n   ingestion $%.2f", page_mean(&debug, "cost.by_line.logs_ingestion"));
    page_given(&p, "11.5 KB an invocation");
    m = page_mean(&debug, "cost.by_line.logs_ingestion") / page_mean(&info, "cost.by_line.logs_ingestion");
    ck_assert_double_eq_tol(m, 11.5 / 1.5, 1e-3);
    page_says(&p, "%.2f times INFO's", 11.5 / 1.5);
    page_says(&p, "traces recorded\n   $%.2f", page_mean(&debug, "cost.by_line.xray_traces_recorded"));
    m = page_mean(&debug, "cost.by_line.xray_traces_recorded") / page_mean(&info, "cost.by_line.xray_traces_recorded");
    page_says(&p, "%.1f times the default rule's", m);
    page_given(&p, "at $5 per million");
    page_says(&p, "still small ($%.2f)", page_mean(&debug, "cost.by_line.logs_storage"));

    /* 3. DEBUG for 1% of invocations: 0.1 KB more on 1.5, ingestion up by 1/15. */
    m = support_paired_diff(&sampled, "cost.monthly_total", &info, "cost.monthly_total", &hw);
    page_says(&p, "**$%.2f** a month ($%.2f)", m, page_mean(&sampled, "cost.monthly_total"));
    m = page_mean(&sampled, "cost.by_line.logs_ingestion") / page_mean(&info, "cost.by_line.logs_ingestion");
    ck_assert_double_eq_tol(m, 1.6 / 1.5, 1e-3);
    page_given(&p, "the 1% carry 10 KB each, 0.1 KB an invocation");
    page_given(&p, "a fifteenth");
    page_given(&p, "one request in a\n   hundred");
    double extra = page_mean(&sampled, "cost.monthly_total") - page_mean(&info, "cost.monthly_total");
    ck_assert_double_lt(extra / page_mean(&sampled, "cost.monthly_total"), 0.02);
    page_claims(&p, "under 2% of the bill");

    /* 4. X-Ray's default rule at 30 requests/s (Poisson: a second holds one or more with
     * probability 1 - e^-30, so the reservoir takes one a second). */
    double lambda = 30, prob = 1 - exp(-lambda);
    double closed = (prob + 0.05 * (lambda - prob)) / lambda;
    m = support_figure_ci(&info, "functions.api.traced_share", &hw);
    support_assert_within_ci(SUITE, "19.4 traced share, X-Ray's default rule", m, hw, closed);
    page_says(&p, "**%.4f** (closed form", m);
    page_says(&p, "(1 + 0.05 × 29) / 30 = %.4f)", (1 + 0.05 * 29) / 30);
    page_says(&p, "is %.1f%% of 30", 100.0 / 30);
    page_given(&p, "the 5% of the rest");
    page_says(&p, "the other %.1f%%", 100 * 0.05 * 29 / 30);

    /* 5. PutMetricData once per invocation, against the EMF line in the logs. */
    page_says(&p, "grows to $%.2f", page_mean(&api, "cost.monthly_total"));
    page_says(&p, "PutMetricData costs $%.2f a month", page_mean(&api, "cost.by_line.cloudwatch_metrics_api"));
    page_given(&p, "at $0.01 per 1,000");
    m = page_mean(&info, "cost.by_line.logs_ingestion") - page_mean(&api, "cost.by_line.logs_ingestion");
    page_says(&p, "the $%.2f of log ingestion the EMF line cost", m);
    ck_assert_double_eq(page_mean(&api, "cost.by_line.cloudwatch_custom_metrics"),
                        page_mean(&info, "cost.by_line.cloudwatch_custom_metrics"));
    page_says(&p, "cost $%.2f either way", page_mean(&api, "cost.by_line.cloudwatch_custom_metrics"));

    support_done(s_info, &info);
    support_done(s_debug, &debug);
    support_done(s_sampled, &sampled);
    support_done(s_api, &api);
    exercise_page_close(&p);
}
END_TEST

Suite *observability_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *tc = tcase_create("observability costs");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, each_observability_price_to_the_cent);
    tcase_add_test(tc, xray_traces_its_reservoir_then_a_fixed_share);
    tcase_add_test(tc, a_runs_observability_bill_follows_its_counts);
    tcase_add_test(tc, log_kb_keeps_working_and_the_rest_is_off_by_default);
    tcase_add_test(tc, bad_observability_inputs_name_their_path);
    suite_add_tcase(s, tc);
    TCase *ex = tcase_create("ex19");
    tcase_set_tags(ex, "slow");
    tcase_set_timeout(ex, 900);
    tcase_add_test(ex, ex19_observability_costs);
    suite_add_tcase(s, ex);
    return s;
}
