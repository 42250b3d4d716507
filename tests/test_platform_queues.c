/* test_platform_queues.c — the queue kind's other services (models/queue_spec.c, run by
 * queue.c): Azure Queue Storage and Service Bus, Google Pub/Sub and Cloud Tasks, Cloudflare
 * Queues, against what their providers publish and exact figures.
 *
 * Each service's price is checked to the cent twice: billing_compute on stated usage, from
 * the published prices by hand (Cloudflare's own worked examples among them), and end to
 * end, the bill of a run against its counted operations (or bytes). Each behaviour is
 * checked against a closed form: Service Bus dead-letters at max_delivery_count deliveries,
 * redelivering at once; Pub/Sub's exponential policy puts a message's dead-lettering at
 * the sum of its backoffs; Cloud Tasks' retries follow Google's formula (and its example);
 * Cloudflare retries max_retries times, then deletes (lost) or dead-letters, and batches up
 * to max_batch_size, waiting max_batch_timeout_s for the rest; Queue Storage's listener,
 * polling an idle queue at doubling intervals up to max_polling_interval_s, makes a sparse
 * message wait for its next poll, never longer than that bound. Keys a service does not
 * take are refused, naming what it has instead; the resolved scenario shows each default. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/queue.h"
#include "tests/suites.h"
#include "tests/support.h"

#define DIR "tests/scenarios/platform-queues/"
#define MONTH_S (730 * 3600.0)

static double value(const run_result *res, const char *name)
{
    return support_row_value(res, 0, name);
}

/* ---- prices on stated usage ------------------------------------------------------------ */

/* Queue Storage: $0.004 per 10,000 operations: 10M a month is $4.00, 123,456,789 is
 * $49.38. Service Bus Standard: 13M included, then $0.80 per million to 100M, $0.50 to
 * 2,500M, $0.20 beyond; the base charge $0.0135 an hour for 730 h, whatever the usage. */
START_TEST(azure_queue_prices_on_stated_usage)
{
    static const char *const plans[] = { "azure-consumption", "azure-flex" };
    for (size_t p = 0; p < 2; p++) {
        price_table t = support_price_table(plans[p]);
        bill b = support_bill_month(&t, &(support_usage){ "queue.storage_operations", 10e6 }, 1, false);
        support_assert_cents("10M storage operations", support_bill_line(&t, &b, "storage_queue_operations"), 4.00);
        b = support_bill_month(&t, &(support_usage){ "queue.storage_operations", 123456789 }, 1, true);
        support_assert_cents("123,456,789 storage operations", support_bill_line(&t, &b, "storage_queue_operations"), 49.38);

        double base = support_round_cents(0.0135 * 730);
        b = support_bill_month(&t, &(support_usage){ "service_bus.operations", 12e6 }, 1, false);
        support_assert_cents("12M bus operations: included", support_bill_line(&t, &b, "service_bus_operations"), 0);
        support_assert_cents("the base charge", support_bill_line(&t, &b, "service_bus_base"), support_round_cents(base));
        b = support_bill_month(&t, &(support_usage){ "service_bus.operations", 50e6 }, 1, false);
        support_assert_cents("50M bus operations", support_bill_line(&t, &b, "service_bus_operations"), support_round_cents(37 * 0.80));
        b = support_bill_month(&t, &(support_usage){ "service_bus.operations", 3000e6 }, 1, false);
        support_assert_cents("3,000M bus operations", support_bill_line(&t, &b, "service_bus_operations"),
                             support_round_cents(87 * 0.80 + 2400 * 0.50 + 500 * 0.20));
        support_assert_cents("3,000M: the total", b.total, support_round_cents(69.60 + 1200 + 100 + base));
    }
}
END_TEST

/* Pub/Sub: $40 per TiB of throughput, 10 GiB a month free: 100 GiB is $3.91 without the
 * free tier, $3.52 with it; 2 TiB is $80.00 and $79.61. Cloud Tasks: $0.40 per million
 * operations, the first million free: 5M is $2.00, or $1.60. */
START_TEST(gcp_queue_prices_on_stated_usage)
{
    static const char *const plans[] = { "gcp-cloud-run", "gcp-functions-gen1" };
    for (size_t p = 0; p < 2; p++) {
        price_table t = support_price_table(plans[p]);
        bill b = support_bill_month(&t, &(support_usage){ "queue.pubsub_gib", 100 }, 1, false);
        support_assert_cents("100 GiB", support_bill_line(&t, &b, "pubsub_throughput"), support_round_cents(100 * 40.0 / 1024));
        b = support_bill_month(&t, &(support_usage){ "queue.pubsub_gib", 100 }, 1, true);
        support_assert_cents("100 GiB, 10 free", support_bill_line(&t, &b, "pubsub_throughput"), 3.52);
        b = support_bill_month(&t, &(support_usage){ "queue.pubsub_gib", 2048 }, 1, false);
        support_assert_cents("2 TiB", support_bill_line(&t, &b, "pubsub_throughput"), 80.00);
        b = support_bill_month(&t, &(support_usage){ "queue.pubsub_gib", 2048 }, 1, true);
        support_assert_cents("2 TiB, 10 GiB free", support_bill_line(&t, &b, "pubsub_throughput"), 79.61);
        b = support_bill_month(&t, &(support_usage){ "queue.tasks_operations", 5e6 }, 1, false);
        support_assert_cents("5M task operations", support_bill_line(&t, &b, "cloud_tasks_operations"), 2.00);
        b = support_bill_month(&t, &(support_usage){ "queue.tasks_operations", 5e6 }, 1, true);
        support_assert_cents("5M task operations, 1M free", support_bill_line(&t, &b, "cloud_tasks_operations"), 1.60);
    }
}
END_TEST

/* Cloudflare's own worked examples: a million messages a day for 30 days, 3 operations each,
 * less the included million, $35.60; 100 million messages of 127 KB, 6 operations each (two
 * 64 KB chunks), $239.60. The included million applies with the free tier off too. */
START_TEST(cloudflare_queue_prices_on_its_worked_examples)
{
    price_table t = support_price_table("cloudflare-workers");
    bill b = support_bill_month(&t, &(support_usage){ "queue.operations", 30e6 * 3 }, 1, false);
    support_assert_cents("Cloudflare's first example", support_bill_line(&t, &b, "queues_operations"), 35.60);
    b = support_bill_month(&t, &(support_usage){ "queue.operations", 100e6 * 6 }, 1, false);
    support_assert_cents("Cloudflare's second example", support_bill_line(&t, &b, "queues_operations"), 239.60);
    b = support_bill_month(&t, &(support_usage){ "queue.operations", 0.9e6 }, 1, false);
    support_assert_cents("within the included million", support_bill_line(&t, &b, "queues_operations"), 0);
}
END_TEST

/* ---- prices end to end -------------------------------------------------------------- */

/* Each service's run: the operations it counts follow from its messages (every message
 * delivered once and deleted, nothing fails), and its bill line is those operations over a
 * 730-hour month at the published price. */
START_TEST(each_service_bills_its_counted_operations_end_to_end)
{
    world_spec *spec;
    run_result res;

    support_run_fixture(DIR "storage-queue.json", NULL, &spec, &res);
    double scale = MONTH_S / spec->duration_s;
    double sent = value(&res, "queues.q.sent"), deleted = value(&res, "queues.q.deleted");
    double received = value(&res, "queues.q.received"), empty = value(&res, "queues.q.empty_receives");
    double ops = value(&res, "queues.q.api_requests");
    /* puts + deletes + empty polls + gets (at most one a message, at least one per 16) */
    double gets = ops - sent - deleted - empty;
    ck_assert_msg(gets >= received / 16 && gets <= received, "%.0f gets for %.0f messages", gets, received);
    support_assert_cents("Queue Storage end to end", value(&res, "cost.by_line.storage_queue_operations"),
                         support_round_cents(ops * scale / 10000 * 0.004));
    support_done(spec, &res);

    support_run_fixture(DIR "service-bus.json", NULL, &spec, &res);
    sent = value(&res, "queues.q.sent");
    received = value(&res, "queues.q.received");
    deleted = value(&res, "queues.q.deleted");
    ops = value(&res, "queues.q.api_requests");
    /* a throttled delivery is abandoned: an operation, and a redelivery */
    support_assert_close("Service Bus: send, receive, complete or abandon", ops,
                         sent + received + deleted + value(&res, "queues.q.redelivered"));
    support_assert_cents("Service Bus end to end", value(&res, "cost.by_line.service_bus_operations"),
                         support_round_cents(fmax(0, ops * scale / 1e6 - 13) * 0.80));
    support_assert_cents("Service Bus base", value(&res, "cost.by_line.service_bus_base"),
                         support_round_cents(0.0135 * 730));
    support_done(spec, &res);

    support_run_fixture(DIR "pubsub.json", NULL, &spec, &res);
    sent = value(&res, "queues.q.sent");
    received = value(&res, "queues.q.received");
    /* 1 KB messages: 1,024 bytes a publish and a delivery (above the 1,000-byte minimum) */
    double gib = (sent + received) * 1024 / 1073741824.0;
    support_assert_close("Pub/Sub: publish and delivery bytes", value(&res, "queues.q.billed_gib"), gib);
    support_assert_cents("Pub/Sub end to end", value(&res, "cost.by_line.pubsub_throughput"),
                         support_round_cents(gib * scale * 40 / 1024));
    support_done(spec, &res);

    static const char *const big[] = { "traffic[0].size_kb=40", NULL };
    support_run_fixture(DIR "cloud-tasks.json", big, &spec, &res);
    sent = value(&res, "queues.q.sent");
    received = value(&res, "queues.q.received");
    ops = value(&res, "queues.q.api_requests");
    support_assert_close("Cloud Tasks: creation and attempts, two 32 KB chunks each", ops, 2 * (sent + received));
    support_assert_cents("Cloud Tasks end to end", value(&res, "cost.by_line.cloud_tasks_operations"),
                         support_round_cents(ops * scale / 1e6 * 0.40));
    support_done(spec, &res);

    support_run_fixture(DIR "cloudflare.json", NULL, &spec, &res);
    sent = value(&res, "queues.q.sent");
    received = value(&res, "queues.q.received");
    deleted = value(&res, "queues.q.deleted");
    ops = value(&res, "queues.q.api_requests");
    support_assert_close("Cloudflare: write, read, delete", ops, sent + received + deleted);
    support_assert_cents("Cloudflare end to end", value(&res, "cost.by_line.queues_operations"),
                         support_round_cents(fmax(0, ops * scale - 1e6) / 1e6 * 0.40));
    support_done(spec, &res);
}
END_TEST

/* ---- behaviour ---------------------------------------------------------------------- */

/* An always-failing message on Service Bus is abandoned and redelivered at once, delivery
 * count + 1: with max_delivery_count 4 it is delivered exactly 4 times (100 ms each) and
 * moved to the dead-letter queue 0.4 s after it was sent; at the default 10, 10 times;
 * without a dead_letter queue it is counted dead-lettered (the dead-letter sub-queue). */
START_TEST(service_bus_dead_letters_exactly_at_max_delivery_count)
{
    world_spec *spec;
    run_result res;
    support_run_fixture(DIR "a-failing-message-on-service-bus.json", NULL, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 4);
    ck_assert_double_eq(value(&res, "queues.q.dead_lettered"), 1);
    ck_assert_double_eq(value(&res, "queues.dlq.sent"), 1);
    support_assert_close("dead-lettered after", value(&res, "queues.q.exhausted_after_s_mean"), 4 * 0.1);
    support_done(spec, &res);

    static const char *const defaults[] = { "components[0].max_delivery_count=null", NULL };
    support_run_fixture(DIR "a-failing-message-on-service-bus.json", defaults, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 10);
    support_done(spec, &res);

    /* A run that outlives the lock (90 s against 60) lets the message be delivered again
     * meanwhile (at 70 s, in a 100-s window), as SQS's visibility timeout does; a 120-s
     * lock holds it. */
    static const char *const long_run[] = { "traffic[0].poison_rate=0", "components[2].duration_ms=90000",
                                            "duration_s=100", NULL };
    support_run_fixture(DIR "a-failing-message-on-service-bus.json", long_run, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.duplicates"), 1);
    ck_assert_double_eq(value(&res, "queues.q.received"), 2);
    support_done(spec, &res);
    static const char *const long_lock[] = { "traffic[0].poison_rate=0", "components[2].duration_ms=90000",
                                             "duration_s=100", "components[0].lock_duration_s=120", NULL };
    support_run_fixture(DIR "a-failing-message-on-service-bus.json", long_lock, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.duplicates"), 0);
    ck_assert_double_eq(value(&res, "queues.q.received"), 1);
    support_done(spec, &res);

    static const char *const no_queue[] = { "components[0].dead_letter=null", NULL };
    support_run_fixture(DIR "a-failing-message-on-service-bus.json", no_queue, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 4);
    ck_assert_double_eq(value(&res, "requests.dead_lettered"), 1);
    ck_assert_double_eq(value(&res, "queues.dlq.sent"), 0);
    support_done(spec, &res);
}
END_TEST

/* Pub/Sub's exponential retry policy: an always-failing message (100 ms a delivery) with
 * max_delivery_attempts 5 is dead-lettered after 5 deliveries and the backoffs between
 * them, 10 + 20 + 40 + 80 s (the defaults 10 and 600 s); with 7 and 30 s, 7 + 14 + 28 + 30.
 * The immediate policy (the default) redelivers at once. */
START_TEST(pubsub_backoff_puts_retries_at_the_configured_delays)
{
    static const struct { const char *sets[3]; double backoffs; } cases[] = {
        { { NULL }, 10 + 20 + 40 + 80 },
        { { "components[0].minimum_backoff_s=7", "components[0].maximum_backoff_s=30", NULL }, 7 + 14 + 28 + 30 },
        { { "components[0].retry_policy=\"immediate\"", NULL }, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        world_spec *spec;
        run_result res;
        support_run_fixture(DIR "a-failing-message-on-pubsub.json", cases[i].sets, &spec, &res);
        ck_assert_double_eq(value(&res, "queues.q.received"), 5);
        ck_assert_double_eq(value(&res, "queues.dlq.sent"), 1);
        support_assert_close("dead-lettered after", value(&res, "queues.q.exhausted_after_s_mean"),
                             cases[i].backoffs + 5 * 0.1);
        support_done(spec, &res);
    }
    for (uint32_t k = 1; k <= 8; k++)
        support_assert_close("Pub/Sub backoff", queue_pubsub_backoff_s(10, 600, k), fmin(600, 10 * pow(2, k - 1)));
}
END_TEST

/* Cloud Tasks' retry config, Google's example (min 10 s, max 300 s, 3 doublings): 10, 20,
 * 40, 80, 160, 240, 300, 300; the defaults (0.1 s, 3,600 s, 16) double 16 times, to
 * 3,276.8 s before the 17th retry's cap. A failing task with max_attempts 6, min 1, max 20,
 * 2 doublings waits 1, 2, 4, 8, 12 s between its 6 attempts and is then deleted: lost. */
START_TEST(cloud_tasks_backoff_follows_googles_formula)
{
    static const double example[] = { 10, 20, 40, 80, 160, 240, 300, 300 };
    for (uint32_t k = 1; k <= 8; k++)
        support_assert_close("Google's example", queue_tasks_backoff_s(10, 300, 3, k), example[k - 1]);
    support_assert_close("16 doublings", queue_tasks_backoff_s(0.1, 3600, 16, 16), 3276.8);
    support_assert_close("then the cap", queue_tasks_backoff_s(0.1, 3600, 16, 17), 3600);
    support_assert_close("no doubling: linear", queue_tasks_backoff_s(2, 100, 0, 5), 10);

    world_spec *spec;
    run_result res;
    support_run_fixture(DIR "a-failing-task.json", NULL, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 6);
    ck_assert_double_eq(value(&res, "queues.q.discarded"), 1);
    ck_assert_double_eq(value(&res, "requests.failed"), 1);
    ck_assert_double_eq(value(&res, "work.lost"), 1);
    support_assert_close("deleted after", value(&res, "queues.q.exhausted_after_s_mean"), 1 + 2 + 4 + 8 + 12 + 6 * 0.1);
    /* creation + 6 attempts */
    ck_assert_double_eq(value(&res, "queues.q.api_requests"), 7);
    support_done(spec, &res);

    /* max_dispatches_per_second 50 (a bucket of 50): of a burst of 1,000 tasks, 50 go at
     * once and the k-th after them k/50 s later. */
    support_run_fixture(DIR "a-burst-of-tasks.json", NULL, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 1000);
    support_assert_close("mean wait", value(&res, "queues.q.wait_ms_mean") / 1000, 950.0 * 951 / 2 / 50 / 1000);
    support_done(spec, &res);
}
END_TEST

/* Cloudflare: an always-failing message waits out the batch timeout (5 s), then is
 * delivered 1 + max_retries (2) times, retry_delay_s (7) apart, and deleted: lost, 5 + 3 x
 * 0.1 + 2 x 7 s after it was sent; it cost a write, 3 reads and a delete. Given a
 * dead_letter queue, it goes there (its write billed there). A burst of 250 messages with
 * max_batch_size 7 makes 35 full batches at once and one of the last 5 after the timeout. */
START_TEST(cloudflare_retries_max_retries_times_and_batches_to_its_limits)
{
    world_spec *spec;
    run_result res;
    support_run_fixture(DIR "a-failing-message-on-cloudflare.json", NULL, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 3);
    ck_assert_double_eq(value(&res, "queues.q.discarded"), 1);
    ck_assert_double_eq(value(&res, "requests.failed"), 1);
    support_assert_close("deleted after", value(&res, "queues.q.exhausted_after_s_mean"), 5 + 3 * 0.1 + 2 * 7);
    ck_assert_double_eq(value(&res, "queues.q.api_requests"), 1 + 3 + 1);
    support_done(spec, &res);

    static const char *const to_dlq[] = { "components[0].dead_letter=\"dlq\"", NULL };
    support_run_fixture(DIR "a-failing-message-on-cloudflare.json", to_dlq, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 3);
    ck_assert_double_eq(value(&res, "queues.q.dead_lettered"), 1);
    ck_assert_double_eq(value(&res, "queues.dlq.sent"), 1);
    ck_assert_double_eq(value(&res, "queues.dlq.api_requests"), 1);
    ck_assert_double_eq(value(&res, "requests.dead_lettered"), 1);
    support_done(spec, &res);

    support_run_fixture(DIR "a-burst-on-cloudflare.json", NULL, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.batches"), 36);
    ck_assert_double_eq(value(&res, "queues.q.received"), 250);
    support_assert_close("mean wait: 5 of 250 waited 5 s", value(&res, "queues.q.wait_ms_mean"), 5 * 5000.0 / 250);
    support_done(spec, &res);
}
END_TEST

/* Queue Storage's listener, after the poll that emptied the queue at p, polls at p + 0.1,
 * + 0.2, + 0.4, ... doubling up to max_polling_interval_s, then every that many seconds; a
 * message sent at a waits for the first poll at or after a. Five sparse messages: their
 * waits computed here from that schedule, each under the bound, the empty polls counted and
 * billed. With max_polling_interval_s 5 no message waits 5 s. */
static double next_poll(double from, double t, double max_s, double *empty)
{
    double at = from, d = 0.1;
    *empty = 0;
    for (; d < max_s; d *= 2, (*empty)++) {
        if (at + d >= t)
            return at + d;
        at += d;
    }
    while (at + max_s < t - 1e-9)
        at += max_s, (*empty)++;
    return at + max_s;
}

START_TEST(queue_storage_polls_an_idle_queue_up_to_its_bound)
{
    static const double sent[] = { 600, 1300, 1950, 2500, 3400 };
    static const double bounds[] = { 60, 5 };
    for (size_t b = 0; b < 2; b++) {
        double p = 0, waits = 0, longest = 0, empty = 0, e;
        for (size_t i = 0; i < 5; i++) {
            double poll = next_poll(p, sent[i], bounds[b], &e);
            waits += poll - sent[i];
            longest = fmax(longest, poll - sent[i]);
            empty += e;
            p = poll;
        }
        next_poll(p, 3600, bounds[b], &e);   /* to the window's end */
        empty += e;
        ck_assert_msg(longest <= bounds[b], "longest wait %.1f s", longest);
        char set[64];
        snprintf(set, sizeof set, "components[0].consumer.max_polling_interval_s=%g", bounds[b]);
        const char *const sets[] = { set, NULL };
        world_spec *spec;
        run_result res;
        support_run_fixture(DIR "sparse-messages-on-queue-storage.json", sets, &spec, &res);
        support_assert_close("mean wait", value(&res, "queues.q.wait_ms_mean") / 1000, waits / 5);
        ck_assert_double_eq(value(&res, "queues.q.empty_receives"), empty);
        /* a put, a get and a delete per message, and the empty polls */
        ck_assert_double_eq(value(&res, "queues.q.api_requests"), 3 * 5 + empty);
        support_done(spec, &res);
    }
}
END_TEST

/* Queue Storage's max_dequeue_count (3 here): a failing message is tried 3 times, the
 * retries made visible at once (host.json's visibilityTimeout 0) and seen at the
 * listener's next poll, 0.1 s after the failed one's; then counted dead-lettered (the
 * poison queue). With visibility_timeout_s 30 each retry waits 30 s first. */
START_TEST(queue_storage_moves_a_message_to_poison_after_max_dequeue_count)
{
    world_spec *spec;
    run_result res;
    support_run_fixture(DIR "a-failing-message-on-queue-storage.json", NULL, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 3);
    ck_assert_double_eq(value(&res, "requests.dead_lettered"), 1);
    /* first poll at or after 10 s: 0.1 + 0.2 + ... + 6.4 = 12.7; then 3 x 0.1 s of runs */
    support_assert_close("poisoned after", value(&res, "queues.q.exhausted_after_s_mean"), 2.7 + 0.3);
    support_done(spec, &res);
    static const char *const later[] = { "components[0].visibility_timeout_s=30", NULL };
    support_run_fixture(DIR "a-failing-message-on-queue-storage.json", later, &spec, &res);
    ck_assert_double_eq(value(&res, "queues.q.received"), 3);
    double after = value(&res, "queues.q.exhausted_after_s_mean");
    ck_assert_msg(after >= 2.7 + 0.3 + 2 * 30 && after <= 2.7 + 0.3 + 2 * 90, "poisoned after %.1f s", after);
    support_done(spec, &res);
}
END_TEST

/* ---- keys and defaults -------------------------------------------------------------- */

START_TEST(keys_a_service_does_not_take_are_refused_naming_its_own)
{
    static const struct { const char *file, *set, *path, *words; } bad[] = {
        { "service-bus.json", "components[0].visibility_timeout_s=30", "components[0].visibility_timeout_s",
          "Service Bus has lock_duration_s" },
        { "service-bus.json", "components[0].max_receives=3", "components[0].max_receives",
          "Service Bus has max_delivery_count" },
        { "pubsub.json", "components[0].lock_duration_s=30", "components[0].lock_duration_s",
          "Pub/Sub has ack_deadline_s" },
        { "cloud-tasks.json", "components[0].dead_letter=\"x\"", "components[0].dead_letter",
          "Cloud Tasks has no such setting" },
        { "cloudflare.json", "components[0].consumer.batch_size=5", "components[0].consumer.batch_size",
          "Cloudflare Queues has max_batch_size" },
        { "cloudflare.json", "components[0].consumer.report_batch_item_failures=true",
          "components[0].consumer.report_batch_item_failures", "has per_message_acks" },
        { "storage-queue.json", "components[0].consumer.long_poll_s=5", "components[0].consumer.long_poll_s",
          "has max_polling_interval_s" },
        { "storage-queue.json", "components[0].type=\"fifo\"", "components[0].type", "Service Bus's sessions" },
        { "cloudflare.json", "components[0].consumer.max_batch_size=101", "components[0].consumer.max_batch_size", "" },
        { "cloudflare.json", "components[0].consumer.max_batch_timeout_s=61",
          "components[0].consumer.max_batch_timeout_s", "" },
        { "cloudflare.json", "components[0].max_retries=101", "components[0].max_retries", "" },
        { "cloudflare.json", "components[0].consumer.max_concurrency=251", "components[0].consumer.max_concurrency", "" },
        { "pubsub.json", "components[0].ack_deadline_s=5", "components[0].ack_deadline_s", "" },
        { "pubsub.json", "components[0].max_delivery_attempts=4", "components[0].max_delivery_attempts", "" },
        { "pubsub.json", "components[0].maximum_backoff_s=20", "components[0].maximum_backoff_s", "exponential" },
        { "cloud-tasks.json", "components[0].max_attempts=0", "components[0].max_attempts", "first attempt" },
        { "service-bus.json", "components[0].lock_duration_s=301", "components[0].lock_duration_s", "" },
        { "storage-queue.json", "components[0].consumer.batch_size=33", "components[0].consumer.batch_size", "" },
        { "service-bus.json", "components[0].service=\"pubsub\"", "components[0].service", "\"service-bus\"" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[4096], name[128];
        snprintf(name, sizeof name, "platform-queues/%s", bad[i].file);
        support_scenario_set(json, sizeof json, name, "%s\n", bad[i].set);
        support_assert_refused("platform-queues", json, bad[i].path, bad[i].words);
    }
}
END_TEST

/* The resolved scenario shows the defaults each service chose. */
START_TEST(the_resolved_scenario_shows_each_services_defaults)
{
    static const struct { const char *file; const char *const want[6]; } cases[] = {
        { "storage-queue.json", { "\"batch_size\":\t16", "\"new_batch_threshold\":\t8", "\"max_polling_interval_s\":\t60",
                                  "\"max_dequeue_count\":\t5", "\"visibility_timeout_s\":\t0", NULL } },
        { "service-bus.json", { "\"lock_duration_s\":\t60", "\"max_delivery_count\":\t10",
                                "\"max_concurrent_calls\":\t16", NULL } },
        { "pubsub.json", { "\"ack_deadline_s\":\t10", "\"retry_policy\":\t\"immediate\"",
                           "\"max_delivery_attempts\":\tnull", NULL } },
        { "cloud-tasks.json", { "\"max_dispatches_per_second\":\t500", "\"max_concurrent_dispatches\":\t1000",
                                "\"max_attempts\":\t100", "\"min_backoff_s\":\t0.1", "\"max_backoff_s\":\t3600",
                                "\"max_doublings\":\t16" } },
        { "cloudflare.json", { "\"max_batch_size\":\t10", "\"max_batch_timeout_s\":\t5", "\"max_retries\":\t3",
                               "\"retry_delay_s\":\t0", "\"max_concurrency\":\tnull", NULL } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static char out[16384];
        int rc = support_sh(out, sizeof out, "%s run " DIR "%s --print-config", support_binary(), cases[i].file);
        ck_assert_msg(rc == 0, "%s: %s", cases[i].file, out);
        for (size_t k = 0; k < 6 && cases[i].want[k]; k++)
            ck_assert_msg(strstr(out, cases[i].want[k]), "%s: no %s in\n%s", cases[i].file, cases[i].want[k], out);
    }
}
END_TEST

Suite *platform_queues_suite(void)
{
    Suite *s = suite_create("platform-queues");
    TCase *tc = tcase_create("other providers' queues");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, azure_queue_prices_on_stated_usage);
    tcase_add_test(tc, gcp_queue_prices_on_stated_usage);
    tcase_add_test(tc, cloudflare_queue_prices_on_its_worked_examples);
    tcase_add_test(tc, each_service_bills_its_counted_operations_end_to_end);
    tcase_add_test(tc, service_bus_dead_letters_exactly_at_max_delivery_count);
    tcase_add_test(tc, pubsub_backoff_puts_retries_at_the_configured_delays);
    tcase_add_test(tc, cloud_tasks_backoff_follows_googles_formula);
    tcase_add_test(tc, cloudflare_retries_max_retries_times_and_batches_to_its_limits);
    tcase_add_test(tc, queue_storage_polls_an_idle_queue_up_to_its_bound);
    tcase_add_test(tc, queue_storage_moves_a_message_to_poison_after_max_dequeue_count);
    tcase_add_test(tc, keys_a_service_does_not_take_are_refused_naming_its_own);
    tcase_add_test(tc, the_resolved_scenario_shows_each_services_defaults);
    suite_add_tcase(s, tc);
    return s;
}
