/* test_platform_flows.c — workflows and streams on the other clouds: the workflow kind's
 * services (Durable Functions, Logic Apps, Google Workflows, Cloudflare Workflows) and the
 * stream kind's Event Hubs, each billed to the cent from the published prices (on stated
 * usage with billing_compute, and end to end from a run), and the behaviour each changes:
 * Durable Functions' replays (n sequential activities replay the orchestrator n + 1 times)
 * and its storage-queue polling (every dispatch within the polling cap), Google's internal
 * and external steps (retries included), Event Hubs' throughput-unit limit (nothing
 * throttled below TUs x 1,000 events/s, the excess above it), and the keys a service does
 * not take refused with the services that take them.
 *
 * The runs are deterministic (constant arrivals and durations); counts are asserted exactly,
 * bills to the cent. Fixtures: tests/scenarios/platform-flows/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "platform-flows"
#define row support_row_value
#define wfrow support_workflow_value
#define cents(what, got, want) support_assert_cents(what, got, support_round_cents(want))
#define refused(json, path, words) support_assert_refused(SUITE, json, path, words)

/* A one-hour window billed as a 730-hour month. */
#define MONTH_OF_HOUR 730.0

/* Published prices (models/pricing/azure-consumption.json and the flows parts). */
#define AZ_REQUEST      0.20e-6
#define AZ_GB_S         0.000016
#define AZ_STORAGE_TX   (0.004 / 10000)
#define LA_ACTION       0.000025
#define LA_STANDARD     0.000125
#define LA_ENTERPRISE   0.001
#define EH_TU_HOUR      0.03
#define EH_EVENT        (0.028 / 1e6)
#define GW_INTERNAL     (0.01 / 1000)
#define GW_EXTERNAL     (0.025 / 1000)
#define CF_REQUEST      (0.30 / 1e6)
#define CF_CPU_MS       (0.02 / 1e6)
#define CF_STORAGE_GB_M 0.20

static void run_json(const char *json, world_spec **spec, run_result *res)
{
    support_run_text(json, 1, spec, res);
}

/* ---- prices on stated usage ---------------------------------------------------------------- */

START_TEST(azure_workflow_and_event_hubs_prices_on_stated_usage)
{
    price_table t = support_price_table("azure-consumption");
    /* Durable Functions: 3M replays of 100 ms at 128 MB = 37,500 GB-s; 10M storage
     * transactions. Without the free grant: $0.60 + $0.60 + $4.00; with it, the 1M
     * executions and 400,000 GB-s free: $0.40 + $0 + $4.00. */
    support_usage durable[] = { { "functions.requests", 3e6 }, { "functions.gb_s", 3e6 * 0.125 * 0.1 },
                      { "workflow.storage_transactions", 1e7 } };
    bill b = support_bill_month(&t, durable, 3, false);
    cents("durable requests", support_bill_line(&t, &b, "functions_requests"), 3e6 * AZ_REQUEST);
    cents("durable GB-s", support_bill_line(&t, &b, "functions_memory"), 37500 * AZ_GB_S);
    cents("durable storage", support_bill_line(&t, &b, "durable_storage_transactions"), 1e7 * AZ_STORAGE_TX);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "durable_storage_transactions"), 4.00, 1e-9);
    b = support_bill_month(&t, durable, 3, true);
    cents("durable requests, free grant", support_bill_line(&t, &b, "functions_requests"), 0.40);
    cents("durable GB-s, free grant", support_bill_line(&t, &b, "functions_memory"), 0);
    /* Logic Apps: 1,234,567 actions (4,000 free), 54,321 Standard and 1,000 Enterprise
     * connector calls: $30.76, $6.79, $1.00. */
    support_usage logic[] = { { "workflow.actions", 1234567 }, { "workflow.connector_calls.standard", 54321 },
                    { "workflow.connector_calls.enterprise", 1000 } };
    b = support_bill_month(&t, logic, 3, true);
    cents("actions", support_bill_line(&t, &b, "logic_apps_actions"), (1234567 - 4000) * LA_ACTION);
    ck_assert_double_eq_tol(support_bill_line(&t, &b, "logic_apps_actions"), 30.76, 1e-9);
    cents("standard connectors", support_bill_line(&t, &b, "logic_apps_standard_connectors"), 6.79);
    cents("enterprise connectors", support_bill_line(&t, &b, "logic_apps_enterprise_connectors"), 1.00);
    b = support_bill_month(&t, logic, 3, false);
    cents("actions without the free grant", support_bill_line(&t, &b, "logic_apps_actions"), 1234567 * LA_ACTION);
    /* Event Hubs: two throughput units a month (1,460 TU-hours) and 123.4M events:
     * $43.80 + $3.46. */
    support_usage hubs[] = { { "stream.throughput_unit_hours", 2 * 730 }, { "stream.ingress_events", 123.4e6 } };
    b = support_bill_month(&t, hubs, 2, true);
    cents("throughput units", support_bill_line(&t, &b, "event_hubs_throughput_units"), 43.80);
    cents("ingress", support_bill_line(&t, &b, "event_hubs_ingress"), 3.46);
    /* The same on Flex (the parts are shared). */
    price_table flex = support_price_table("azure-flex");
    b = support_bill_month(&flex, hubs, 2, true);
    cents("throughput units on flex", support_bill_line(&flex, &b, "event_hubs_throughput_units"), 43.80);
}
END_TEST

START_TEST(google_workflows_steps_on_stated_usage)
{
    price_table t = support_price_table("gcp-cloud-run");
    /* 1M internal and 100,000 external steps; 5,000 and 2,000 free: $9.95 + $2.45. */
    support_usage steps[] = { { "workflow.steps.internal", 1e6 }, { "workflow.steps.external", 1e5 } };
    bill b = support_bill_month(&t, steps, 2, true);
    cents("internal", support_bill_line(&t, &b, "workflows_internal_steps"), 9.95);
    cents("external", support_bill_line(&t, &b, "workflows_external_steps"), 2.45);
    b = support_bill_month(&t, steps, 2, false);
    cents("internal, no free tier", support_bill_line(&t, &b, "workflows_internal_steps"), 1e6 * GW_INTERNAL);
    cents("external, no free tier", support_bill_line(&t, &b, "workflows_external_steps"), 1e5 * GW_EXTERNAL);
    price_table gen1 = support_price_table("gcp-functions-gen1");
    b = support_bill_month(&gen1, steps, 2, true);
    cents("internal on gen1", support_bill_line(&gen1, &b, "workflows_internal_steps"), 9.95);
}
END_TEST

START_TEST(cloudflare_workflows_on_stated_usage)
{
    price_table t = support_price_table("cloudflare-workers");
    /* 25M instances (10M included), 100M CPU-ms (30M included), 3.5 GB-month (1 included):
     * $4.50 + $1.40 + $0.50, and the $5 plan. */
    support_usage use[] = { { "functions.requests", 25e6 }, { "functions.cpu", 100e6 },
                  { "workflow.storage_gb_month", 3.5 } };
    bill b = support_bill_month(&t, use, 3, false);
    cents("requests", support_bill_line(&t, &b, "functions_requests"), 15e6 * CF_REQUEST);
    cents("cpu", support_bill_line(&t, &b, "functions_cpu"), 70e6 * CF_CPU_MS);
    cents("storage", support_bill_line(&t, &b, "workflows_storage"), 2.5 * CF_STORAGE_GB_M);
    cents("plan", support_bill_line(&t, &b, "functions_plan"), 5.00);
    ck_assert_double_eq_tol(b.total, 4.50 + 1.40 + 0.50 + 5.00, 1e-9);
}
END_TEST

/* ---- Durable Functions ---------------------------------------------------------------------- */

/* n sequential activities (n = 1, 2, 3: the fixture's three states, the n-th made the
 * last): the orchestrator replays once at the start and once per result, n + 1 times, each
 * a billed 100-ms execution at 128 MB; each activity (256 MB, 200 ms) is billed too, and
 * each step pays 10 storage transactions. */
START_TEST(durable_functions_replays_n_plus_one_times_and_bills_each)
{
    static const char *const last[] = { NULL, "a", "b", "c" };
    for (int n = 1; n <= 3; n++) {
        char json[4096];
        if (n < 3)
            support_scenario_set(json, sizeof json, "platform-flows/durable-sequential.json",
                                 "components.wf.states.%s.end=true", last[n]);
        else
            support_scenario(json, sizeof json, "platform-flows/durable-sequential.json");
        world_spec *spec;
        run_result res;
        run_json(json, &spec, &res);
        for (uint32_t r = 0; r < spec->replications; r++) {
            double e = wfrow(&res, r, "wf", "executions");
            ck_assert_double_eq(e, 1500);
            ck_assert_double_eq(wfrow(&res, r, "wf", "succeeded"), e);
            double replays = wfrow(&res, r, "wf", "replays");
            ck_assert_msg(replays == e * (n + 1), "n=%d: %g replays for %g executions", n, replays, e);
            double requests = (replays + n * e) * MONTH_OF_HOUR;
            double gb_s = (replays * 0.125 * 0.1 + n * e * 0.25 * 0.2) * MONTH_OF_HOUR;
            cents("requests", row(&res, r, "cost.by_line.functions_requests"), requests * AZ_REQUEST);
            cents("GB-s", row(&res, r, "cost.by_line.functions_memory"), gb_s * AZ_GB_S);
            cents("storage", row(&res, r, "cost.by_line.durable_storage_transactions"),
                  n * e * 10 * MONTH_OF_HOUR * AZ_STORAGE_TX);
        }
        support_done(spec, &res);
    }
}
END_TEST

/* One orchestration every 100 s: the task hub's queues sit idle between them, so each
 * message waits for a backed-off poll, never longer than max_queue_polling_interval_s; an
 * execution is 1 start + 2 per activity dispatches slower than its activities. */
START_TEST(durable_functions_dispatch_waits_for_polls_within_the_cap)
{
    for (int cap = 2; cap <= 30; cap += 28) {
        char json[4096];
        support_scenario_set(json, sizeof json, "platform-flows/durable-sequential.json",
                             "traffic.t.arrivals.rate_per_s=0.01\n"
                             "components.wf.max_queue_polling_interval_s=%d", cap);
        world_spec *spec;
        run_result res;
        run_json(json, &spec, &res);
        for (uint32_t r = 0; r < spec->replications; r++) {
            double max = wfrow(&res, r, "wf", "dispatch_ms_max");
            double latency = wfrow(&res, r, "wf", "latency_ms_mean");
            ck_assert_msg(max <= cap * 1000.0 + 1e-6, "cap %d s: a dispatch waited %g ms", cap, max);
            ck_assert_msg(max > 0, "an idle queue's poll came at once");
            ck_assert_msg(latency > 600 && latency <= 600 + 7 * cap * 1000.0 + 1e-6,
                          "cap %d s: latency %g ms", cap, latency);
        }
        support_done(spec, &res);
    }
}
END_TEST

/* ---- Logic Apps, Google, Cloudflare end to end ------------------------------------------------- */

START_TEST(logic_apps_bills_the_trigger_and_each_action_and_connector_call)
{
    char json[4096];
    support_scenario(json, sizeof json, "platform-flows/logic-apps.json");
    world_spec *spec;
    run_result res;
    run_json(json, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double e = wfrow(&res, r, "wf", "executions");
        ck_assert_double_eq(e, 1500);
        /* trigger, function call, condition, delay: 4 actions; the succeed is none. */
        ck_assert_double_eq(wfrow(&res, r, "wf", "actions"), 4 * e);
        ck_assert_double_eq(wfrow(&res, r, "wf", "standard_connector_calls"), e);
        cents("actions", row(&res, r, "cost.by_line.logic_apps_actions"), 4 * e * MONTH_OF_HOUR * LA_ACTION);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.logic_apps_actions"), 109.50, 1e-9);
        cents("connectors", row(&res, r, "cost.by_line.logic_apps_standard_connectors"),
              e * MONTH_OF_HOUR * LA_STANDARD);
        ck_assert_double_eq_tol(row(&res, r, "cost.by_line.logic_apps_standard_connectors"), 136.88, 1e-9);
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(google_workflows_counts_internal_and_external_steps_with_retries)
{
    char json[4096];
    support_scenario(json, sizeof json, "platform-flows/google-workflows.json");
    world_spec *spec;
    run_result res;
    run_json(json, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double e = wfrow(&res, r, "wf", "executions");
        ck_assert_double_eq(e, 6000);
        ck_assert_double_eq(wfrow(&res, r, "wf", "states.b.retries"), 2 * e);
        /* a (Cloud Run function) and done: internal; b's three attempts and the callback
         * wait: external. */
        ck_assert_double_eq(wfrow(&res, r, "wf", "internal_steps"), 2 * e);
        ck_assert_double_eq(wfrow(&res, r, "wf", "external_steps"), 4 * e);
        cents("internal", row(&res, r, "cost.by_line.workflows_internal_steps"),
              (2 * e * MONTH_OF_HOUR - 5000) * GW_INTERNAL);
        cents("external", row(&res, r, "cost.by_line.workflows_external_steps"),
              (4 * e * MONTH_OF_HOUR - 2000) * GW_EXTERNAL);
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(cloudflare_workflows_bills_instances_step_cpu_and_storage)
{
    char json[4096];
    support_scenario(json, sizeof json, "platform-flows/cloudflare-workflows.json");
    world_spec *spec;
    run_result res;
    run_json(json, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double e = wfrow(&res, r, "wf", "executions");
        double steps = wfrow(&res, r, "wf", "steps");
        ck_assert_double_eq(steps, 2 * e);
        double month = MONTH_OF_HOUR;
        cents("requests", row(&res, r, "cost.by_line.functions_requests"), (e * month - 10e6) * CF_REQUEST);
        cents("cpu", row(&res, r, "cost.by_line.functions_cpu"), (steps * 5 * month - 30e6) * CF_CPU_MS);
        /* 1 KB a step kept 7 days: the month's average store is a second's writes x 7 days. */
        double gb = steps * 1e-6 / 3600.0 * 7 * 86400.0;
        cents("storage", row(&res, r, "cost.by_line.workflows_storage"), (gb - 1) * CF_STORAGE_GB_M);
        cents("plan", row(&res, r, "cost.by_line.functions_plan"), 5.00);
    }
    support_done(spec, &res);
}
END_TEST

/* ---- Event Hubs ------------------------------------------------------------------------------ */

/* Below TUs x 1,000 events/s nothing is throttled; above it the hub takes TUs x 1,000 a
 * second (plus its one second's burst) and throttles the rest, whatever the partitions. */
START_TEST(event_hubs_throttles_ingress_above_its_throughput_units)
{
    static const struct { int tu, partitions; double rate; } cases[] = {
        { 1, 16, 900 }, { 1, 16, 1500 }, { 1, 32, 1500 }, { 2, 4, 1500 }, { 2, 16, 2600 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[4096];
        support_scenario_set(json, sizeof json, "platform-flows/event-hubs.json",
                             "components.hub.throughput_units=%d\ncomponents.hub.partitions=%d\n"
                             "traffic.t.arrivals.rate_per_s=%g", cases[i].tu, cases[i].partitions, cases[i].rate);
        world_spec *spec;
        run_result res;
        run_json(json, &spec, &res);
        double cap = 1000.0 * cases[i].tu, sent = cases[i].rate * 60;
        for (uint32_t r = 0; r < spec->replications; r++) {
            double throttled = row(&res, r, "streams.hub.throttled_puts");
            double records = row(&res, r, "streams.hub.records");
            ck_assert_double_eq_tol(records + throttled, sent, 1);
            if (cases[i].rate <= cap) {
                ck_assert_msg(throttled == 0, "%d TU at %g/s: %g throttled", cases[i].tu, cases[i].rate, throttled);
            } else {
                /* In 60 s the hub accepts 60 s of its rate plus at most one second's burst. */
                ck_assert_msg(records >= cap * 60 - 1 && records <= cap * 61 + 1,
                              "%d TU at %g/s: %g accepted", cases[i].tu, cases[i].rate, records);
            }
        }
        support_done(spec, &res);
    }
}
END_TEST

START_TEST(event_hubs_bills_throughput_unit_hours_and_64_kb_ingress_events)
{
    for (int kb = 1; kb <= 100; kb += 99) {
        char json[4096];
        support_scenario_set(json, sizeof json, "platform-flows/event-hubs.json",
                             "traffic.t.size_kb=%d\ncomponents.hub.throughput_units=3\n"
                             "traffic.t.arrivals.rate_per_s=20", kb);
        world_spec *spec;
        run_result res;
        run_json(json, &spec, &res);
        double month = 730 * 3600.0 / 60;   /* the 60-s window's months */
        for (uint32_t r = 0; r < spec->replications; r++) {
            double records = row(&res, r, "streams.hub.records");
            ck_assert_double_eq(row(&res, r, "streams.hub.throttled_puts"), 0);
            cents("TU hours", row(&res, r, "cost.by_line.event_hubs_throughput_units"), 3 * 730 * EH_TU_HOUR);
            /* A 100-KB event is two 64-KB ingress events. */
            double units = kb > 64 ? 2 : 1;
            cents("ingress", row(&res, r, "cost.by_line.event_hubs_ingress"), records * units * month * EH_EVENT);
        }
        support_done(spec, &res);
    }
}
END_TEST

/* ---- keys a service does not take ------------------------------------------------------------ */

START_TEST(keys_of_another_service_are_refused_naming_it)
{
    char json[4096];
    const char *durable = "platform-flows/durable-sequential.json";
    support_scenario_set(json, sizeof json, durable, "components.wf.type=express");
    refused(json, "components[0].type", "Step Functions type");
    support_scenario_set(json, sizeof json, durable, "components.wf.cpu_ms_per_step=3");
    refused(json, "components[0].cpu_ms_per_step", "Cloudflare Workflows");
    support_scenario_set(json, sizeof json, durable, "components.wf.states.a.connector=standard");
    refused(json, "components[0].states[0].connector", "Logic Apps");
    support_scenario_set(json, sizeof json, durable, "components.wf.service=logic-apps\ncomponents.wf.replay_ms=20");
    refused(json, "components[0].replay_ms", "Durable Functions");
    support_scenario_set(json, sizeof json, durable, "components.wf.service=logic-apps\ncomponents.wf.memory_mb=256");
    refused(json, "components[0].memory_mb", "durable-functions");
    support_scenario_set(json, sizeof json, durable, "components.wf.service=step-functions");
    refused(json, "components[0].service", "\"durable-functions\" or \"logic-apps\"");
    support_scenario_set(json, sizeof json, "platform-flows/google-workflows.json",
                         "components.wf.max_queue_polling_interval_s=5");
    refused(json, "components[0].max_queue_polling_interval_s", "durable-functions");
    const char *hub = "platform-flows/event-hubs.json";
    support_scenario_set(json, sizeof json, hub, "components.hub.shards=4");
    refused(json, "components[0].shards", "Kinesis");
    support_scenario_set(json, sizeof json, hub, "components.hub.consumer.bisect_on_error=true");
    refused(json, "components[0].consumer.bisect_on_error", "Kinesis");
    support_scenario_set(json, sizeof json, hub, "components.hub.throughput_units=21");
    refused(json, "components[0].throughput_units", "20");
    support_scenario_set(json, sizeof json, hub, "components.hub.partitions=33");
    refused(json, "components[0].partitions", "32");
    support_scenario_set(json, sizeof json, hub, "platform.provider=aws\ncomponents.hub.service=kinesis");
    refused(json, "components[0].throughput_units", "Event Hubs");
}
END_TEST

Suite *platform_flows_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *prices = tcase_create("prices on stated usage, refusals");
    tcase_add_test(prices, azure_workflow_and_event_hubs_prices_on_stated_usage);
    tcase_add_test(prices, google_workflows_steps_on_stated_usage);
    tcase_add_test(prices, cloudflare_workflows_on_stated_usage);
    tcase_add_test(prices, keys_of_another_service_are_refused_naming_it);
    suite_add_tcase(s, prices);
    TCase *runs = tcase_create("runs: replays, polls, steps, actions, throughput units");
    tcase_set_timeout(runs, 600);
    tcase_add_test(runs, durable_functions_replays_n_plus_one_times_and_bills_each);
    tcase_add_test(runs, durable_functions_dispatch_waits_for_polls_within_the_cap);
    tcase_add_test(runs, logic_apps_bills_the_trigger_and_each_action_and_connector_call);
    tcase_add_test(runs, google_workflows_counts_internal_and_external_steps_with_retries);
    tcase_add_test(runs, cloudflare_workflows_bills_instances_step_cpu_and_storage);
    tcase_add_test(runs, event_hubs_throttles_ingress_above_its_throughput_units);
    tcase_add_test(runs, event_hubs_bills_throughput_unit_hours_and_64_kb_ingress_events);
    suite_add_tcase(s, runs);
    return s;
}
