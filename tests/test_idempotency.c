/* test_idempotency.c — a function's idempotency key store (models/function/async.c and
 * calls.c): every invocation first writes its event's key to a service (a table); a second
 * delivery of an event finds the key and skips its handler, or fails while the first
 * delivery still runs; duplicate_side_effects counts the handler runs a duplicate repeats.
 * Also the break-even of exercise 21 (its page's numbers).
 *
 * The cases are exact: every event is delivered twice (duplicate_rate 1) with no errors,
 * so the counts are whole multiples of the events, and the table's bill follows from the
 * count of writes and the published price to the cent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/exercise_page.h"
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
    /* 400 events at once, each twice, no store (idempotency {}: counted, not checked): 800
     * runs, 800 charges, 400 of them duplicates. */
    char json[4096];
    support_scenario_set(json, sizeof json, "idempotency/a-store-skips-every-second-delivery.json",
                         "components.billing.idempotency={}");
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

/* Exercise 21: the break-even duplicate rate of an idempotency table against emails. */
START_TEST(ex21_idempotency_break_even)
{
    exercise_page p;
    exercise_page_open(&p, 21);
    world_spec *s_wo, *s_w, *s_wo_rare, *s_w_rare;
    run_result wo, w, wo_rare, w_rare;
    page_run(&p, "/without-keys$", &s_wo, &wo);
    page_run(&p, "/with-keys$", &s_w, &w);
    page_run(&p, "/without-keys-rare$", &s_wo_rare, &wo_rare);
    page_run(&p, "/with-keys-rare$", &s_w_rare, &w_rare);
    double hw, m;
    double month = 730 * 3600.0 / s_wo->duration_s;

    /* 1. Without keys every duplicate sends its email again; with them, none does. */
    for (uint32_t r = 0; r < s_wo->replications; r++) {
        ck_assert_double_eq(support_row_value(&wo, r, "functions.confirm.duplicate_side_effects"),
                            support_row_value(&wo, r, "functions.confirm.async_duplicates"));
        ck_assert_double_eq(support_row_value(&w, r, "functions.confirm.duplicate_side_effects"), 0);
        /* (events of the warm-up may still send in the window, some of the window's after it) */
        ck_assert_double_le(fabs(support_row_value(&w, r, "services.email.calls") -
                                 support_row_value(&w, r, "functions.confirm.async_events")), 3);
    }
    double dups = page_mean(&wo, "functions.confirm.async_duplicates");
    page_says(&p, "`async_duplicates`, %.1f in the hour", dups);
    page_says(&p, "about %,.0f a month", round(dups * month / 1000) * 1000);
    m = support_paired_diff(&wo, "cost.by_line.service_fees", &w, "cost.by_line.service_fees", &hw);
    support_assert_within_ci("idempotency", "22.1 emails saved a month ($)", m, hw, dups * month * 100e-6);
    page_says(&p, "**$%.2f** of the", m);

    /* 2. One write per invocation, each a write request unit. */
    for (uint32_t r = 0; r < s_w->replications; r++)
        ck_assert_double_le(fabs(support_row_value(&w, r, "services.keys.calls") -
                                 support_row_value(&w, r, "functions.confirm.invocations")), 3);
    double writes = page_mean(&w, "services.keys.calls");
    /* Each replication's bill is in cents: its line is its writes' price, rounded. */
    for (uint32_t r = 0; r < s_w->replications; r++)
        support_assert_cents("22.2 table", support_row_value(&w, r, "cost.by_line.dynamodb_write_units"),
                             support_round_cents(support_row_value(&w, r, "services.keys.calls") * month *
                                                 DYNAMODB_WRU));
    page_says(&p, "**$%.2f** a month", page_mean(&w, "cost.by_line.dynamodb_write_units"));
    page_says(&p, "%,.0f an hour", writes);
    m = support_ratio_ci(&w, "functions.confirm.idempotency_in_progress", "functions.confirm.async_duplicates", &hw);
    support_assert_above("idempotency", "22.2 copies meeting a running first delivery", m, hw, 0.9);

    /* 3. At 1% the keys save money, at 0.3% they cost more, both beyond the CI. */
    double save = support_paired_diff(&wo, "cost.monthly_total", &w, "cost.monthly_total", &hw);
    support_assert_above("idempotency", "22.3 saving at 1% ($)", save, hw, 0);
    page_says(&p, "falls by **$%.2f** a month", save);
    double extra = support_paired_diff(&w_rare, "cost.monthly_total", &wo_rare, "cost.monthly_total", &hw);
    support_assert_above("idempotency", "22.3 extra cost at 0.3% ($)", extra, hw, 0);
    page_says(&p, "rises by\n   **$%.2f**", extra);
    page_given(&p, "At 1%, yes");
    page_given(&p, "At 0.3%, no");

    /* 4. The difference is linear in the rate: where it crosses zero. */
    double d = 0.003 + (0.01 - 0.003) * extra / (extra + save);
    page_says(&p, "At about **%.2f%%**", 100 * d);
    ck_assert_msg(fabs(d - 0.00625) < 0.0015, "break-even %.4f far from a write over an email", d);
    page_given(&p, "0.625 / 100 = 0.625%");

    support_done(s_wo, &wo);
    support_done(s_w, &w);
    support_done(s_wo_rare, &wo_rare);
    support_done(s_w_rare, &w_rare);
    exercise_page_close(&p);
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
    TCase *ex = tcase_create("ex21");
    tcase_set_tags(ex, "slow");
    tcase_set_timeout(ex, 900);
    tcase_add_test(ex, ex21_idempotency_break_even);
    suite_add_tcase(s, ex);
    return s;
}
