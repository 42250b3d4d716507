/* test_idempotency.c — a function's idempotency key store (models/function/async.c and
 * calls.c): every invocation first writes its event's key to a service (a table); a second
 * delivery of an event finds the key and skips its handler, or fails while the first
 * delivery still runs; duplicate_side_effects counts the handler runs a duplicate repeats.
 * Also the break-even of exercise 22 (its page's numbers).
 *
 * The cases are exact: every event is delivered twice (duplicate_rate 1) with no errors,
 * so the counts are whole multiples of the events, and the table's bill follows from the
 * count of writes and the published price to the cent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define assert_refused(json, path, words) support_assert_refused("idempotency", json, path, words)

/* DynamoDB on-demand: $0.625 per million write request units (models/pricing/aws-us-east-1.json). */
#define DYNAMODB_WRU 0.625e-6

/* Asserts a figure equals want in every replication. */
static void assert_each(const run_result *res, const char *name, double want)
{
    for (uint32_t r = 0; r < res->spec->replications; r++)
        ck_assert_msg(support_row_value(res, r, name) == want, "%s in replication %u: %g, not %g", name, r,
                      support_row_value(res, r, name), want);
}

START_TEST(one_at_a_time_each_event_charges_once_and_the_table_bills_every_write)
{
    /* 100 events, each delivered twice, run one at a time: the first of an event's deliveries
     * to run writes its key and charges; the other finds the key done and skips. 200 writes
     * in a 219-s window are 200 x 730 x 3600 / 219 = 2.4 million a month: $1.50; the card is
     * charged 100 times (1.2 million a month at $5,000 per million: $6,000). */
    char json[4096];
    support_scenario(json, sizeof json, "idempotency/one-at-a-time-each-event-charges-once.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    assert_each(&res, "functions.billing.async_duplicates", 100);
    assert_each(&res, "functions.billing.invocations", 200);
    assert_each(&res, "functions.billing.idempotency_skipped", 100);
    assert_each(&res, "functions.billing.idempotency_in_progress", 0);
    assert_each(&res, "functions.billing.duplicate_side_effects", 0);
    assert_each(&res, "functions.billing.calls.idempotency.calls", 200);
    assert_each(&res, "services.keys.calls", 200);
    assert_each(&res, "services.payments.calls", 100);
    assert_each(&res, "requests.completed", 100);
    double scale = 730 * 3600.0 / 219;
    support_assert_cents("table", run_value(&res, "cost.by_line.dynamodb_write_units", NULL),
                         support_round_cents(200 * scale * DYNAMODB_WRU));
    support_assert_cents("table", run_value(&res, "cost.by_line.dynamodb_write_units", NULL), 1.50);
    support_assert_cents("charges", run_value(&res, "cost.by_line.service_fees", NULL), 6000);
    support_done(spec, &res);
}
END_TEST

START_TEST(without_a_store_every_second_delivery_charges_again)
{
    /* 400 events at once, each twice, no store: 800 runs, 800 charges, 400 of them duplicates. */
    char json[4096];
    support_scenario_set(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json",
                         "components.billing.idempotency=null");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    assert_each(&res, "functions.billing.invocations", 800);
    assert_each(&res, "functions.billing.duplicate_side_effects", 400);
    assert_each(&res, "services.payments.calls", 800);
    assert_each(&res, "services.keys.calls", 0);
    /* 800 charges in 100 s: 21.024 million a month at $5,000 per million. */
    support_assert_cents("charges", run_value(&res, "cost.by_line.service_fees", NULL), 105120);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_copy_arriving_while_the_first_runs_fails_and_is_skipped_on_its_retry)
{
    /* Both deliveries of each of 400 events start together. The copy whose check finds the
     * key held by a delivery still running fails ("in progress") and is retried a minute
     * later, when the holder is done: skipped then. Every event charges once; the table
     * takes one write per invocation, the retries' included. */
    char json[4096];
    support_scenario(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    assert_each(&res, "functions.billing.idempotency_skipped", 400);
    assert_each(&res, "functions.billing.duplicate_side_effects", 0);
    assert_each(&res, "services.payments.calls", 400);
    for (uint32_t r = 0; r < res.spec->replications; r++) {
        double busy = support_row_value(&res, r, "functions.billing.idempotency_in_progress");
        ck_assert_msg(busy > 0, "no copy met a holder still running");
        ck_assert_double_eq(support_row_value(&res, r, "functions.billing.errors"), busy);
        ck_assert_double_eq(support_row_value(&res, r, "functions.billing.async_retries"), busy);
        ck_assert_double_eq(support_row_value(&res, r, "functions.billing.invocations"), 800 + busy);
        ck_assert_double_eq(support_row_value(&res, r, "services.keys.calls"), 800 + busy);
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(a_failed_handler_gives_its_key_back)
{
    /* Handlers fail 30% of the time, retried twice: a failed holder gives its key back, so
     * the event is still charged once, by its retry or by the other delivery; never twice.
     * An event goes uncharged only when both its deliveries are dropped (their three
     * attempts failed, "in progress" errors included): at most half the drops. */
    char json[4096];
    support_scenario_set(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json",
                         "components.billing.error_rate=0.3\nduration_s=400");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    assert_each(&res, "functions.billing.duplicate_side_effects", 0);
    for (uint32_t r = 0; r < res.spec->replications; r++) {
        double charged = support_row_value(&res, r, "services.payments.calls");
        double dropped = support_row_value(&res, r, "functions.billing.async_dropped");
        ck_assert_msg(charged <= 400 && charged >= 400 - dropped / 2, "%g events charged of 400, %g "
                      "deliveries dropped", charged, dropped);
    }
    support_done(spec, &res);
}
END_TEST

START_TEST(what_an_idempotency_store_needs_is_refused)
{
    char json[4096];
    support_scenario_set(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json",
                         "components.billing.idempotency.store=nowhere");
    assert_refused(json, "components[0].idempotency.store", "no component is named \"nowhere\"");
    support_scenario_set(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json",
                         "components.billing.idempotency={}");
    assert_refused(json, "components[0].idempotency.store", "");
    support_scenario_set(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json",
                         "components.billing.calls[0].name=idempotency");
    assert_refused(json, "components[0].calls", "rename the step");
    support_scenario_set(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json",
                         "components.billing.local_cache={\"hit_ratio\": 0.5}");
    assert_refused(json, "components[0].local_cache", "not modelled with idempotency");
    support_scenario_set(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json",
                         "platform={\"provider\": \"gcp-cloud-run\"}\ncomponents.billing.memory_mb=512\n"
                         "components.keys.table={\"operation\": \"write\"}");
    assert_refused(json, "components[0].idempotency", "one request at a time");
}
END_TEST

Suite *idempotency_suite(void)
{
    Suite *s = suite_create("idempotency");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, one_at_a_time_each_event_charges_once_and_the_table_bills_every_write);
    tcase_add_test(tc, without_a_store_every_second_delivery_charges_again);
    tcase_add_test(tc, a_copy_arriving_while_the_first_runs_fails_and_is_skipped_on_its_retry);
    tcase_add_test(tc, a_failed_handler_gives_its_key_back);
    tcase_add_test(tc, what_an_idempotency_store_needs_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
