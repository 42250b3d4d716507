/* test_queue.c — the queue component and its consumer: exact counts where the rules fix
 * them (redrive, item failures, visibility timeout, batching, retention), and the poller
 * ramp against its configured rate. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

/* A source "t" into queue "q" (extra queue keys in queue_keys), consumer function "f"
 * (keys in fn_keys), optional dead-letter queue "dlq" without consumer. */
static void run_pipeline(const char *top, const char *arrivals, const char *queue_keys,
                         const char *fn_keys, world_spec **spec, run_result *res)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"name\": \"queue\", %s,"
             " \"traffic\": [{\"name\": \"t\", \"target\": \"q\", \"arrivals\": %s}],"
             " \"components\": ["
             "   {\"name\": \"q\", \"kind\": \"queue\", %s},"
             "   {\"name\": \"dlq\", \"kind\": \"queue\"},"
             "   {\"name\": \"f\", \"kind\": \"function\", %s}]}",
             top, arrivals, queue_keys, fn_keys);
    support_run_text(json, 1, spec, res);
}

/* The queue_depth time line (timeseries.csv) integrates to each queue's mean_depth: the
 * mean over the window of the sum over queues, replication by replication. */
START_TEST(queue_depth_time_line_integrates_to_the_mean_depth)
{
    world_overrides o = { .seed = -1, .replications = 2, .duration_s = -1 };
    char err[1024];
    world_spec *spec = world_spec_load("scenarios/optimisations/async-decoupling-queue.json", &o, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    run_result res;
    ck_assert_int_eq(run_scenario(spec, 0, &res, err, sizeof err), 0);
    for (uint32_t r = 0; r < 2; r++) {
        double integral = 0;
        const double *bins = res.ts + ((size_t)r * TS_COLUMNS + TS_QUEUE_DEPTH) * res.bins;
        for (size_t b = 0; b < res.bins; b++)
            integral += bins[b];
        double mean = support_row_value(&res, r, "queues.uploads.mean_depth");
        ck_assert(mean > 0);
        ck_assert_double_eq_tol(integral / spec->duration_s, mean, 1e-9 * fmax(1.0, mean));
    }
    run_result_free(&res);
    world_spec_free(spec);
}
END_TEST

/* A downstream outage empties a queue into its dead-letter queue; a redrive (SQS's
 * message move task) after the outage moves every one of them back, at its rate, and the
 * handler processes them. Invariants per replication: the DLQ received exactly what the
 * main queue dead-lettered and redrove all of it; the main queue was sent the arrivals
 * plus the redriven; everything it was sent was deleted, dead-lettered or is in flight at
 * the end (at most a few batches). The redrive of N messages at 20/s ends N/20 s after it
 * starts: the last redriven message has waited in the DLQ since the outage's end at most. */
START_TEST(a_redrive_moves_the_dead_letters_back_after_an_outage)
{
    char json[4096];
    support_scenario(json, sizeof json, "queue/a-redrive-moves-the-dead-letters-back-after-an-outage.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double dead = support_row_value(&res, r, "queues.orders.dead_lettered");
        double moved = support_row_value(&res, r, "queues.dlq.redriven");
        double sent = support_row_value(&res, r, "queues.orders.sent");
        ck_assert_double_gt(dead, 1000);
        ck_assert_double_eq(support_row_value(&res, r, "queues.dlq.sent"), dead);
        ck_assert_double_eq(moved, dead);
        ck_assert_double_eq(sent, support_row_value(&res, r, "requests.arrived") + moved);
        double open = sent - support_row_value(&res, r, "queues.orders.deleted") - dead;
        ck_assert_msg(open >= 0 && open <= 5, "replication %u: %g messages unaccounted for", r, open);
        /* Waited from (at the latest) the outage's end to the redrive's last move. */
        double oldest = support_row_value(&res, r, "queues.dlq.oldest_age_s_max");
        ck_assert_msg(oldest <= 1800 - 600 + moved / 20 + 1, "replication %u: oldest %g s", r, oldest);
    }
    support_done(spec, &res);
    support_assert_refused("queue",
        "{\"traffic\": [{\"target\": \"q\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"q\", \"kind\": \"queue\", \"redrive\": {\"at_s\": 5, \"to\": \"q\"}}]}",
        "components[0].redrive.to", "not another queue");
}
END_TEST

START_TEST(a_consumer_that_always_fails_sends_every_message_to_the_dead_letter_queue)
{
    /* Every message is received exactly max_receives (3) times, then moved on its next
     * receive: 200 messages, 600 receives, 400 redeliveries, 200 dead-lettered. */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 3600, \"seed\": 2, \"replications\": 2",
                 "{\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 200}",
                 "\"visibility_timeout_s\": 30, \"max_receives\": 3, \"dead_letter\": \"dlq\","
                 " \"consumer\": {\"function\": \"f\", \"batch_size\": 10}",
                 "\"duration_ms\": 200, \"error_rate\": 1", &spec, &res);
    ck_assert_double_eq(run_value(&res, "queues.q.sent", NULL), 200);
    ck_assert_double_eq(run_value(&res, "queues.q.received", NULL), 600);
    ck_assert_double_eq(run_value(&res, "queues.q.redelivered", NULL), 400);
    ck_assert_double_eq(run_value(&res, "queues.q.dead_lettered", NULL), 200);
    ck_assert_double_eq(run_value(&res, "queues.q.deleted", NULL), 0);
    ck_assert_double_eq(run_value(&res, "queues.dlq.sent", NULL), 200);
    ck_assert_double_eq(run_value(&res, "requests.dead_lettered", NULL), 200);
    ck_assert_double_eq(run_value(&res, "requests.in_flight", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(batch_item_failures_return_only_the_poisoned_messages)
{
    /* Poisoned messages fail every time. Without item failures, a batch holding one comes
     * back whole; with them, only the poisoned messages come back, and every other message
     * is processed once. */
    const char *top = "\"duration_s\": 3600, \"seed\": 7, \"replications\": 2";
    const char *arr = "{\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 1000}, \"poison_rate\": 0.02";
    world_spec *spec;
    run_result res;
    run_pipeline(top, arr, "\"max_receives\": 2, \"dead_letter\": \"dlq\","
                 " \"consumer\": {\"function\": \"f\", \"batch_size\": 10, \"report_batch_item_failures\": true}",
                 "\"duration_ms\": 100", &spec, &res);
    double dead = run_value(&res, "queues.q.dead_lettered", NULL);
    ck_assert_double_gt(dead, 0);
    ck_assert_double_eq(run_value(&res, "queues.q.deleted", NULL), 1000 - dead);
    ck_assert_double_eq(run_value(&res, "queues.q.redelivered", NULL), dead);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL) + dead, 1000);
    support_done(spec, &res);
    run_pipeline(top, arr, "\"max_receives\": 2, \"dead_letter\": \"dlq\","
                 " \"consumer\": {\"function\": \"f\", \"batch_size\": 10}",
                 "\"duration_ms\": 100", &spec, &res);
    /* Whole batches return: more redeliveries than poisoned messages, and innocent
     * messages sharing a batch with a poisoned one go to the dead-letter queue too. */
    ck_assert_double_gt(run_value(&res, "queues.q.redelivered", NULL), dead);
    ck_assert_double_gt(run_value(&res, "queues.q.dead_lettered", NULL), dead);
    support_done(spec, &res);
}
END_TEST

START_TEST(failed_messages_return_one_visibility_timeout_after_their_receive)
{
    /* One message, always failing, visibility 45 s, max_receives 3: received at 10, 55 and
     * 100 s, then moved to the dead-letter queue at 145 s. */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 300, \"seed\": 2, \"replications\": 1, \"timeseries_interval_s\": 5",
                 "{\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 1}",
                 "\"visibility_timeout_s\": 45, \"max_receives\": 3, \"dead_letter\": \"dlq\","
                 " \"consumer\": {\"function\": \"f\", \"batch_size\": 1}",
                 "\"duration_ms\": 1000, \"cold_start_ms\": 0, \"error_rate\": 1", &spec, &res);
    ck_assert_double_eq(run_value(&res, "queues.q.batches", NULL), 3);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 3);
    /* Invocations start at 10, 55 and 100 s: the 5-s bins holding them have busy time. */
    for (size_t b = 0; b < res.bins; b++) {
        double t0 = 5.0 * (double)b, busy = res.ts[TS_CONCURRENCY * res.bins + b];
        bool expect = t0 == 10 || t0 == 55 || t0 == 100;
        ck_assert_msg(expect == (busy > 0), "busy %.3g in [%g, %g)", busy, t0, t0 + 5);
    }
    ck_assert_double_eq(run_value(&res, "requests.dead_lettered", NULL), 1);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_batch_window_gathers_messages_before_invoking)
{
    /* 1 message a second, batch_size 20, a 5-s window: each batch waits for its first
     * message's window, so batches hold 5 messages, which wait 5, 4, 3, 2 and 1 s. */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 1000, \"seed\": 2, \"replications\": 1",
                 "{\"process\": \"constant\", \"rate_per_s\": 1}",
                 "\"consumer\": {\"function\": \"f\", \"batch_size\": 20, \"batch_window_s\": 5}",
                 "\"duration_ms\": 50, \"cold_start_ms\": 0", &spec, &res);
    double received = run_value(&res, "queues.q.received", NULL), batches = run_value(&res, "queues.q.batches", NULL);
    ck_assert_double_eq_tol(received / batches, 5, 0.05);
    ck_assert_double_eq_tol(run_value(&res, "queues.q.wait_ms_mean", NULL), 3000, 30);
    /* A batch is handled item by item: 5 x 50 ms = 250 ms per invocation. */
    ck_assert_double_eq_tol(run_value(&res, "functions.f.mean_duration_ms", NULL), 250, 1e-6);
    support_done(spec, &res);
}
END_TEST

START_TEST(pollers_ramp_up_at_their_configured_rate)
{
    /* A backlog of 20,000 messages of 1,000 s each (no batch ends during the test, so the
     * ramp is driven by time alone): concurrency starts at 5 pollers and adds 60 a minute
     * (1 a second), so about 100 batches run in the last 10 s. */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 100, \"seed\": 2, \"replications\": 1, \"timeseries_interval_s\": 10",
                 "{\"process\": \"spike\", \"spike_at_s\": 0, \"burst_count\": 20000}",
                 "\"consumer\": {\"function\": \"f\", \"batch_size\": 1, \"pollers_per_minute\": 60}",
                 "\"duration_ms\": 1000000, \"cold_start_ms\": 0, \"timeout_s\": 900", &spec, &res);
    double last = res.ts[TS_CONCURRENCY * res.bins + res.bins - 1] / 10;   /* [90, 100) */
    ck_assert_msg(fabs(last - 100) <= 3, "mean concurrency %.2f in the last 10 s, expected about 100", last);
    ck_assert_double_le(run_value(&res, "functions.f.max_concurrency", NULL), 105);
    support_done(spec, &res);
}
END_TEST

START_TEST(messages_older_than_the_retention_period_expire)
{
    /* No consumer can keep up (max_concurrency 2, 10 s each, 1 message a second) and the
     * retention is 600 s: messages expire at the head once 600 s old (checked whenever the
     * queue is touched, here every second, and sampled at whole seconds: within 2 s). */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 3000, \"seed\": 2, \"replications\": 1",
                 "{\"process\": \"constant\", \"rate_per_s\": 1}",
                 "\"retention_s\": 600, \"consumer\": {\"function\": \"f\", \"batch_size\": 1, \"max_concurrency\": 2}",
                 "\"duration_ms\": 10000, \"timeout_s\": 20", &spec, &res);
    ck_assert_double_gt(run_value(&res, "queues.q.expired", NULL), 1000);
    ck_assert_double_le(run_value(&res, "queues.q.oldest_age_s_max", NULL), 602);
    ck_assert_double_eq(run_value(&res, "requests.expired", NULL), run_value(&res, "queues.q.expired", NULL));
    support_done(spec, &res);
}
END_TEST

START_TEST(an_idle_queue_pays_for_long_polling)
{
    /* No messages at all: 5 pollers, each long-polling 20 s, make 5 x 3,600 / 20 = 900 empty
     * receives an hour, billed as SQS requests. */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 3600, \"seed\": 2, \"replications\": 1",
                 "{\"process\": \"spike\", \"spike_at_s\": 3000, \"burst_count\": 0, \"spike_rate_per_s\": 0.000001,"
                 " \"spike_duration_s\": 0.001}",
                 "\"consumer\": {\"function\": \"f\"}", "\"duration_ms\": 10", &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "queues.q.empty_receives", NULL), 900, 1e-6);
    /* The free tier is off: all 900 x 730 a month are billed. */
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.sqs_requests", NULL),
                            round(900 * 730 * 0.40e-6 * 100) / 100, 1e-9);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_function_call_feeds_a_queue_and_its_worker)
{
    /* An API function that succeeds sends 2 messages per call (count 2) to a queue drained
     * by a worker; failed API calls (error_rate 0.1) send nothing. Every message sent is
     * received and deleted once (no failures downstream). */
    char json[4096];
    support_scenario(json, sizeof json, "queue/a-function-call-feeds-a-queue-and-its-worker.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double ok = run_value(&res, "functions.api.invocations", NULL) - run_value(&res, "functions.api.errors", NULL);
    ck_assert_double_eq(run_value(&res, "functions.api.messages_sent", NULL), 2 * ok);
    ck_assert_double_eq(run_value(&res, "queues.jobs.sent", NULL), 2 * ok);
    ck_assert_double_eq(run_value(&res, "queues.jobs.deleted", NULL), 2 * ok);
    ck_assert_double_eq(run_value(&res, "queues.jobs.redelivered", NULL), 0);
    /* 100 KB messages: 2 chunks of 64 KB per send. */
    ck_assert_double_ge(run_value(&res, "queues.jobs.api_requests", NULL), 2 * 2 * ok);
    support_done(spec, &res);
    /* A call to a component that takes no messages is refused where it is written. */
    char err[1024] = "";
    ck_assert_ptr_null(support_load_text(
        "{\"traffic\": [{\"target\": \"a\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"a\", \"kind\": \"function\", \"duration_ms\": 10,"
        " \"calls\": [{\"target\": \"nowhere\"}]}]}", err, sizeof err));
    ck_assert_msg(strstr(err, "components[0].calls[0].target") != NULL, "%s", err);
}
END_TEST

START_TEST(a_topic_copies_each_message_to_every_matching_subscriber)
{
    /* Three subscribers: a queue taking everything, a queue whose filter matches 30% and a
     * function invoked asynchronously. Each publish completes its request at once. */
    char json[4096];
    support_scenario(json, sizeof json, "queue/a-topic-copies-each-message-to-every-matching-subscriber.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double published = run_value(&res, "topics.events.published", NULL);
    ck_assert_double_eq(published, run_value(&res, "requests.arrived", NULL));
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), published);
    ck_assert_double_eq(run_value(&res, "queues.all.sent", NULL), published);
    ck_assert_double_eq(run_value(&res, "functions.audit.async_events", NULL), published);
    double hw, share = support_ratio_ci(&res, "queues.some.sent", "topics.events.published", &hw);
    ck_assert_msg(fabs(share - 0.3) <= 1.5 * hw, "filter share %.4f ± %.4f", share, hw);
    ck_assert_double_eq_tol(run_value(&res, "topics.events.deliveries", NULL),
                            2 * published + run_value(&res, "queues.some.sent", NULL), 1e-6);
    /* 70 KB publishes are 2 billed requests each, extrapolated to the month, at $0.50 per
     * million (free tier off; linear, so the mean carries over; each replication is
     * rounded to the cent). */
    double monthly = 2 * published * (730 * 3600.0 / 2000);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.sns_publishes", NULL), monthly * 0.5e-6, 0.005);
    support_done(spec, &res);
}
END_TEST

/* One schedule "s" (keys given) on function "f" (keys given), no traffic. */
static void run_schedule(const char *top, const char *schedule_keys, const char *fn_keys,
                         world_spec **spec, run_result *res)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"sched\", %s, \"components\": ["
             "   {\"name\": \"s\", \"kind\": \"schedule\", \"target\": \"f\", %s},"
             "   {\"name\": \"f\", \"kind\": \"function\", %s}]}", top, schedule_keys, fn_keys);
    support_run_text(json, 1, spec, res);
}

START_TEST(a_rate_schedule_fires_every_period)
{
    /* Every 300 s over an hour: ticks at 0, 300, ..., 3300, so 12 runs of 1 s. */
    world_spec *spec;
    run_result res;
    run_schedule("\"duration_s\": 3600, \"replications\": 1", "\"every_s\": 300",
                 "\"duration_ms\": 1000, \"cold_start_ms\": 0", &spec, &res);
    ck_assert_double_eq(run_value(&res, "schedules.s.fires", NULL), 12);
    ck_assert_double_eq(run_value(&res, "schedules.s.succeeded", NULL), 12);
    ck_assert_double_eq(run_value(&res, "functions.f.invocations", NULL), 12);
    ck_assert_double_eq_tol(run_value(&res, "schedules.s.run_ms_mean", NULL), 1000, 1e-6);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_cron_schedule_fires_at_its_minutes_of_its_hours)
{
    /* At minutes 0 and 30 of hour 2, over two days from midnight: 4 fires. From 23:00
     * (start_hour 23) over 4 hours: 02:00 and 02:30 only. */
    world_spec *spec;
    run_result res;
    run_schedule("\"duration_s\": 172800, \"replications\": 1",
                 "\"at_minutes\": [0, 30], \"at_hours\": [2]", "\"duration_ms\": 10", &spec, &res);
    ck_assert_double_eq(run_value(&res, "schedules.s.fires", NULL), 4);
    support_done(spec, &res);
    run_schedule("\"duration_s\": 14400, \"replications\": 1",
                 "\"at_minutes\": [0, 30], \"at_hours\": [2], \"start_hour\": 23", "\"duration_ms\": 10",
                 &spec, &res);
    ck_assert_double_eq(run_value(&res, "schedules.s.fires", NULL), 2);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_run_that_outlasts_its_period_overlaps_or_is_skipped)
{
    /* Every 300 s, each run 420 s: with overlap "skip", every other fire finds a run in
     * progress (6 runs, 6 skipped in an hour); with "allow", all 12 run, two at a time. */
    world_spec *spec;
    run_result res;
    run_schedule("\"duration_s\": 3600, \"replications\": 1", "\"every_s\": 300, \"overlap\": \"skip\"",
                 "\"duration_ms\": 420000, \"timeout_s\": 900, \"cold_start_ms\": 0", &spec, &res);
    ck_assert_double_eq(run_value(&res, "schedules.s.runs", NULL), 6);
    ck_assert_double_eq(run_value(&res, "schedules.s.skipped", NULL), 6);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 1);
    support_done(spec, &res);
    run_schedule("\"duration_s\": 3600, \"replications\": 1", "\"every_s\": 300",
                 "\"duration_ms\": 420000, \"timeout_s\": 900, \"cold_start_ms\": 0", &spec, &res);
    ck_assert_double_eq(run_value(&res, "schedules.s.runs", NULL), 12);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 2);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_throttled_consumer_backs_off_instead_of_draining_the_queue)
{
    /* 20,000 messages, a consumer capped at 5 by reserved concurrency, 100-s handlers: the
     * mapping backs off on throttles, so the backlog is not received (and throttled) all at
     * once; throttles stay a handful per back-off period. */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 600, \"seed\": 2, \"replications\": 1",
                 "{\"process\": \"spike\", \"spike_at_s\": 1, \"burst_count\": 20000}",
                 "\"consumer\": {\"function\": \"f\", \"batch_size\": 1}",
                 "\"duration_ms\": 100000, \"timeout_s\": 900, \"reserved_concurrency\": 5", &spec, &res);
    ck_assert_double_le(run_value(&res, "functions.f.throttles", NULL), 100);
    ck_assert_double_le(run_value(&res, "queues.q.received", NULL), 200);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 5);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_thrown_error_fails_the_whole_batch_even_with_item_failures)
{
    /* error_rate 1 (the handler throws): with report_batch_item_failures on, no message is
     * deleted; all are redelivered and end in the dead-letter queue. */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 3600, \"seed\": 2, \"replications\": 1",
                 "{\"process\": \"spike\", \"spike_at_s\": 10, \"burst_count\": 300}",
                 "\"max_receives\": 2, \"dead_letter\": \"dlq\","
                 " \"consumer\": {\"function\": \"f\", \"report_batch_item_failures\": true}",
                 "\"duration_ms\": 50, \"error_rate\": 1", &spec, &res);
    ck_assert_double_eq(run_value(&res, "queues.q.deleted", NULL), 0);
    ck_assert_double_eq(run_value(&res, "queues.q.dead_lettered", NULL), 300);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_dead_letter_queue_keeps_the_retention_clock_and_cycles_are_refused)
{
    /* Sent at 10 s, moved to the dead-letter queue after 3 receives (at 100 s); the DLQ's
     * 60-s retention counts from the first send, so the message expires there at once. */
    world_spec *spec;
    run_result res;
    char json[1024];
    support_scenario(json, sizeof json, "queue/a-dead-letter-queue-keeps-the-retention-clock-and-cycles-are-refused.json");
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq(run_value(&res, "queues.dlq.expired", NULL), 1);
    support_done(spec, &res);
    char err[1024] = "";
    ck_assert_ptr_null(support_load_text(
        "{\"traffic\": [{\"target\": \"a\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"a\", \"kind\": \"queue\", \"max_receives\": 1, \"dead_letter\": \"b\"},"
        " {\"name\": \"b\", \"kind\": \"queue\", \"max_receives\": 1, \"dead_letter\": \"a\"}]}",
        err, sizeof err));
    ck_assert_msg(strstr(err, "components[0].dead_letter") && strstr(err, "comes back"), "%s", err);
}
END_TEST

START_TEST(a_busy_queue_makes_no_empty_receives)
{
    /* 100 messages a second keep every idle poller's long poll answered within 20 s. */
    world_spec *spec;
    run_result res;
    run_pipeline("\"duration_s\": 600, \"seed\": 2, \"replications\": 1",
                 "{\"process\": \"poisson\", \"rate_per_s\": 100}",
                 "\"consumer\": {\"function\": \"f\", \"batch_size\": 1}", "\"duration_ms\": 5", &spec, &res);
    ck_assert_double_le(run_value(&res, "queues.q.empty_receives", NULL), 5);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_bus_routes_by_rule_and_bills_events)
{
    /* A bus with two rules (all events; 40% of them) into two queues: 100 KB events are two
     * billed events each, $1.00 per million, deliveries free. */
    char json[4096];
    support_scenario(json, sizeof json, "queue/a-bus-routes-by-rule-and-bills-events.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double events = run_value(&res, "buses.events.events", NULL);
    ck_assert_double_eq(run_value(&res, "queues.a.sent", NULL), events);
    double hw, share = support_ratio_ci(&res, "queues.b.sent", "buses.events.events", &hw);
    ck_assert_msg(fabs(share - 0.4) <= 1.5 * hw, "rule match share %.4f ± %.4f", share, hw);
    ck_assert_double_eq_tol(run_value(&res, "buses.events.unmatched", NULL) + run_value(&res, "queues.b.sent", NULL),
                            events, 1e-6);
    double monthly = 2 * events * (730 * 3600.0 / 1000);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.eventbridge_events", NULL), monthly * 1e-6, 0.005);
    ck_assert_double_eq(run_value(&res, "cost.by_line.sns_publishes", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_pipeline_ends_where_its_last_stage_processes_it)
{
    /* API (30 ms) -> queue -> worker (200 ms), then a topic fan-out to a queue drained by
     * a 50-ms auditor: the user waits 30 ms (latency_ms); the "web" pipeline ends at the
     * worker, 230 ms after the request (the queue hands messages over at once). The
     * "events" pipeline ends at the auditor, 50 ms after each publish. */
    char json[4096];
    support_scenario(json, sizeof json, "queue/a-pipeline-ends-where-its-last-stage-processes-it.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "pipelines.web.latency_ms.mean", NULL), 230, 1e-6);
    ck_assert_double_eq_tol(run_value(&res, "pipelines.web.latency_ms.max", NULL), 230, 1e-6);
    ck_assert_double_eq_tol(run_value(&res, "pipelines.events.latency_ms.mean", NULL), 50, 1e-6);
    /* requests.* latency: the web requests' own 30 ms, and the publishes' 0 ms. */
    ck_assert_double_eq_tol(run_value(&res, "latency_ms.max", NULL), 30, 1e-6);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_fifo_queue_runs_one_batch_per_message_group)
{
    /* With 3 message groups, at most 3 batches run at once, however many pollers; with one
     * group, one. FIFO requests are billed at the FIFO price. */
    static const int groups[] = { 3, 1 };
    for (int k = 0; k < 2; k++) {
        char keys[256];
        snprintf(keys, sizeof keys, "\"type\": \"fifo\", \"message_groups\": %d,"
                 " \"consumer\": {\"function\": \"f\", \"batch_size\": 10}", groups[k]);
        world_spec *spec;
        run_result res;
        run_pipeline("\"duration_s\": 1800, \"seed\": 2, \"replications\": 1",
                     "{\"process\": \"poisson\", \"rate_per_s\": 30}", keys,
                     "\"duration_ms\": {\"dist\": \"exponential\", \"mean\": 150}", &spec, &res);
        ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), groups[k]);
        ck_assert_double_gt(run_value(&res, "cost.by_line.sqs_fifo_requests", NULL), 0);
        ck_assert_double_eq(run_value(&res, "cost.by_line.sqs_requests", NULL), 0);
        support_done(spec, &res);
    }
}
END_TEST

START_TEST(a_failing_message_blocks_its_fifo_group)
{
    /* One group; 50 messages at t = 10, the first poisoned. It fails 3 times, a visibility
     * timeout (30 s) apart, and moves to the dead-letter queue at its 4th receive, 90 s
     * later; the 49 behind it wait all that time, then are processed in order. */
    world_spec *spec;
    run_result res;
    char json[2048];
    support_scenario(json, sizeof json, "queue/a-failing-message-blocks-its-fifo-group.json");
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq(run_value(&res, "queues.q.dead_lettered", NULL), 1);
    ck_assert_double_eq(run_value(&res, "queues.q.deleted", NULL), 49);
    /* The first good message waited from 10.5 s until the poison left at 100 s. */
    ck_assert_double_ge(run_value(&res, "pipelines.good.latency_ms.mean", NULL), 89000);
    ck_assert_double_eq(run_value(&res, "functions.f.max_concurrency", NULL), 1);
    support_done(spec, &res);
}
END_TEST

/* A stream "st" (keys given) read by function "f" (keys given); a steady producer "good"
 * (10 records/s) and one poisoned record from "bad" at t = 100 s. */
static void run_stream(const char *stream_keys, const char *fn_keys, world_spec **spec, run_result *res)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"stream\", \"duration_s\": 2000, \"seed\": 4, \"replications\": 1,"
             " \"traffic\": ["
             "   {\"name\": \"good\", \"target\": \"st\", \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 10}},"
             "   {\"name\": \"bad\", \"target\": \"st\", \"poison_rate\": 1,"
             "    \"arrivals\": {\"process\": \"spike\", \"spike_at_s\": 100, \"burst_count\": 1}}],"
             " \"components\": ["
             "   {\"name\": \"st\", \"kind\": \"stream\", %s},"
             "   {\"name\": \"f\", \"kind\": \"function\", %s}]}", stream_keys, fn_keys);
    support_run_text(json, 1, spec, res);
}

START_TEST(a_poisoned_record_stalls_its_shard_until_it_expires)
{
    /* One shard, batches of up to 100, records given up after 600 s. Without bisection the
     * whole batch holding the poisoned record is retried for 600 s (retries once a second;
     * the iterator age, of the batch's last record, at most 10 s younger than its first at
     * 10 records/s, passes 590 s) and then lost; with bisect_on_error only the poisoned
     * record is lost. */
    world_spec *spec;
    run_result res;
    run_stream("\"shards\": 1, \"consumer\": {\"function\": \"f\", \"max_record_age_s\": 600}",
               "\"duration_ms\": 5, \"cold_start_ms\": 0", &spec, &res);
    double lost = run_value(&res, "streams.st.records_expired", NULL);
    ck_assert_double_gt(lost, 1);
    ck_assert_double_le(lost, 100);
    ck_assert_double_ge(run_value(&res, "streams.st.iterator_age_ms_max", NULL), 590000);
    ck_assert_double_eq(run_value(&res, "requests.expired", NULL), lost);
    support_done(spec, &res);
    run_stream("\"shards\": 1, \"consumer\": {\"function\": \"f\", \"max_record_age_s\": 600,"
               " \"bisect_on_error\": true}", "\"duration_ms\": 5, \"cold_start_ms\": 0", &spec, &res);
    ck_assert_double_eq(run_value(&res, "streams.st.records_expired", NULL), 1);
    ck_assert_double_gt(run_value(&res, "streams.st.bisections", NULL), 0);
    ck_assert_double_ge(run_value(&res, "streams.st.iterator_age_ms_max", NULL), 590000);
    ck_assert_double_eq(run_value(&res, "requests.expired", NULL), 1);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_stream_reads_each_shard_one_batch_at_a_time)
{
    /* Four shards: at most four batches at once, in order per shard; the bill is 4 shards
     * for a 730-hour month at $0.015 plus 25 KB PUT units. */
    world_spec *spec;
    run_result res;
    run_stream("\"shards\": 4, \"consumer\": {\"function\": \"f\", \"batch_size\": 10, \"max_record_age_s\": 60}",
               "\"duration_ms\": 300", &spec, &res);
    ck_assert_double_le(run_value(&res, "functions.f.max_concurrency", NULL), 4);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.kinesis_shard_hours", NULL), 4 * 730 * 0.015, 1e-9);
    support_done(spec, &res);
    /* A parallelization factor of 3 reads each shard as 3 lanes: up to 12 batches at once. */
    run_stream("\"shards\": 4, \"consumer\": {\"function\": \"f\", \"batch_size\": 10, \"max_record_age_s\": 60,"
               " \"parallelization_factor\": 3}", "\"duration_ms\": 300", &spec, &res);
    ck_assert_double_le(run_value(&res, "functions.f.max_concurrency", NULL), 12);
    ck_assert_double_gt(run_value(&res, "functions.f.max_concurrency", NULL), 4);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_shard_throttles_writes_beyond_1000_records_a_second)
{
    /* 1,500 records a second into one shard: about a third are throttled. */
    char json[1024];
    snprintf(json, sizeof json,
             "{\"name\": \"hot\", \"duration_s\": 300, \"seed\": 4, \"replications\": 1,"
             " \"traffic\": [{\"name\": \"t\", \"target\": \"st\","
             "   \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 1500}}],"
             " \"components\": [{\"name\": \"st\", \"kind\": \"stream\", \"shards\": 1}]}");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double share = run_value(&res, "streams.st.throttled_puts", NULL) / run_value(&res, "requests.arrived", NULL);
    ck_assert_msg(fabs(share - 1.0 / 3) < 0.01, "throttled share %.4f", share);
    ck_assert_double_eq(run_value(&res, "requests.throttled", NULL), run_value(&res, "streams.st.throttled_puts", NULL));
    support_done(spec, &res);
}
END_TEST

START_TEST(a_bucket_turns_uploads_into_events_and_bills_storage)
{
    /* Uploads of 2 MB at a constant 2 per second, each notifying a queue; objects are read
     * 3 times and kept 15.2 days (half of a 730-hour month): the bill has the month's PUTs,
     * 3 GETs per object, and half a month of uploads stored. */
    char json[4096];
    support_scenario(json, sizeof json, "queue/a-bucket-turns-uploads-into-events-and-bills-storage.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double uploads = run_value(&res, "buckets.photos.uploads", NULL);
    ck_assert_double_le(fabs(uploads - 2000), 1);
    ck_assert_double_eq(run_value(&res, "queues.new-photos.sent", NULL), uploads);
    ck_assert_double_eq(run_value(&res, "requests.completed", NULL), uploads);
    double month = uploads * 730 * 3600 / 1000;
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.s3_put_requests", NULL),
                            round(month / 1000 * 0.005 * 100) / 100, 1e-9);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.s3_get_requests", NULL),
                            round(3 * month / 1000 * 0.0004 * 100) / 100, 1e-9);
    ck_assert_double_eq_tol(run_value(&res, "cost.by_line.s3_storage", NULL),
                            round(month * 2.0 / 1024 * 0.5 * 0.023 * 100) / 100, 1e-9);
    support_done(spec, &res);
}
END_TEST

START_TEST(regressions_from_review_hold)
{
    world_spec *spec;
    run_result res;
    char err[1024] = "", json[4096];
    /* An hourly rate schedule fires once an hour (it once rescheduled its first tick forever). */
    run_schedule("\"duration_s\": 7200, \"replications\": 1", "\"every_s\": 3600",
                 "\"duration_ms\": 1000", &spec, &res);
    ck_assert_double_eq(run_value(&res, "schedules.s.fires", NULL), 2);
    support_done(spec, &res);
    /* A topic and a bus that pass messages to each other are refused. */
    ck_assert_ptr_null(support_load_text(
        "{\"traffic\": [{\"target\": \"a\", \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 1}}],"
        " \"components\": [{\"name\": \"a\", \"kind\": \"topic\", \"subscribers\": [{\"target\": \"b\"}]},"
        " {\"name\": \"b\", \"kind\": \"bus\", \"rules\": [{\"target\": \"a\"}]}]}", err, sizeof err));
    ck_assert_msg(strstr(err, "loop") != NULL, "%s", err);
    /* A crawler: each page enqueues 0 or 1 more pages for itself; requests are conserved
     * (the run fails otherwise) and every call is answered. */
    support_scenario(json, sizeof json, "queue/a-crawler-enqueues-pages-for-itself.json");
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "requests.completed", NULL) + run_value(&res, "requests.in_flight", NULL),
                            run_value(&res, "requests.arrived", NULL), 1e-6);
    support_done(spec, &res);
    /* A FIFO group whose only message went to the dead-letter queue is free again. */
    support_scenario(json, sizeof json, "queue/a-fifo-group-whose-message-was-dead-lettered-is-free-again.json");
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_gt(run_value(&res, "queues.q.dead_lettered", NULL), 0);
    ck_assert_double_le(run_value(&res, "requests.in_flight", NULL), 1);
    support_done(spec, &res);
    /* API -> queue -> worker -> topic -> consumer: the pipeline runs through both batches. */
    support_scenario(json, sizeof json, "queue/a-pipeline-runs-through-two-batches.json");
    support_run_text(json, 1, &spec, &res);
    ck_assert_double_eq_tol(run_value(&res, "pipelines.web.latency_ms.mean", NULL), 150, 1e-6);
    support_done(spec, &res);
}
END_TEST

START_TEST(records_of_a_key_are_processed_in_write_order)
{
    /* The ordering property, with 3 lanes per shard, few keys, failures and bisection: no
     * record is processed before an earlier record of its key (the stream counts any). A
     * 5-s batch window gathers about 5 s of records (10 a second) into each batch. */
    world_spec *spec;
    run_result res;
    run_stream("\"shards\": 2, \"partition_keys\": 7, \"consumer\": {\"function\": \"f\","
               " \"batch_size\": 100, \"batch_window_s\": 5, \"parallelization_factor\": 3,"
               " \"bisect_on_error\": true, \"max_record_age_s\": 120}",
               "\"duration_ms\": {\"dist\": \"exponential\", \"mean\": 20}, \"error_rate\": 0.2", &spec, &res);
    ck_assert_double_gt(run_value(&res, "streams.st.processed", NULL), 10000);
    ck_assert_double_gt(run_value(&res, "streams.st.bisections", NULL), 10);
    ck_assert_double_eq(run_value(&res, "streams.st.out_of_order", NULL), 0);
    support_done(spec, &res);
    run_stream("\"shards\": 1, \"consumer\": {\"function\": \"f\", \"batch_size\": 100,"
               " \"batch_window_s\": 5, \"bisect_on_error\": true, \"max_record_age_s\": 60}",
               "\"duration_ms\": 1, \"cold_start_ms\": 0", &spec, &res);
    double per_batch = run_value(&res, "streams.st.records", NULL) / run_value(&res, "streams.st.batches", NULL);
    ck_assert_msg(per_batch > 40 && per_batch < 60, "records per batch %.1f, expected about 50", per_batch);
    support_done(spec, &res);
}
END_TEST

Suite *queue_suite(void)
{
    Suite *s = suite_create("queue");
    TCase *tc = tcase_create("queue and consumer");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_consumer_that_always_fails_sends_every_message_to_the_dead_letter_queue);
    tcase_add_test(tc, queue_depth_time_line_integrates_to_the_mean_depth);
    tcase_add_test(tc, batch_item_failures_return_only_the_poisoned_messages);
    tcase_add_test(tc, failed_messages_return_one_visibility_timeout_after_their_receive);
    tcase_add_test(tc, a_batch_window_gathers_messages_before_invoking);
    tcase_add_test(tc, pollers_ramp_up_at_their_configured_rate);
    tcase_add_test(tc, messages_older_than_the_retention_period_expire);
    tcase_add_test(tc, an_idle_queue_pays_for_long_polling);
    tcase_add_test(tc, a_function_call_feeds_a_queue_and_its_worker);
    tcase_add_test(tc, a_topic_copies_each_message_to_every_matching_subscriber);
    tcase_add_test(tc, a_rate_schedule_fires_every_period);
    tcase_add_test(tc, a_cron_schedule_fires_at_its_minutes_of_its_hours);
    tcase_add_test(tc, a_run_that_outlasts_its_period_overlaps_or_is_skipped);
    tcase_add_test(tc, a_throttled_consumer_backs_off_instead_of_draining_the_queue);
    tcase_add_test(tc, a_thrown_error_fails_the_whole_batch_even_with_item_failures);
    tcase_add_test(tc, a_dead_letter_queue_keeps_the_retention_clock_and_cycles_are_refused);
    tcase_add_test(tc, a_busy_queue_makes_no_empty_receives);
    tcase_add_test(tc, a_bus_routes_by_rule_and_bills_events);
    tcase_add_test(tc, a_pipeline_ends_where_its_last_stage_processes_it);
    tcase_add_test(tc, a_fifo_queue_runs_one_batch_per_message_group);
    tcase_add_test(tc, a_failing_message_blocks_its_fifo_group);
    tcase_add_test(tc, a_poisoned_record_stalls_its_shard_until_it_expires);
    tcase_add_test(tc, a_stream_reads_each_shard_one_batch_at_a_time);
    tcase_add_test(tc, a_shard_throttles_writes_beyond_1000_records_a_second);
    tcase_add_test(tc, a_bucket_turns_uploads_into_events_and_bills_storage);
    tcase_add_test(tc, regressions_from_review_hold);
    tcase_add_test(tc, records_of_a_key_are_processed_in_write_order);
    tcase_add_test(tc, a_redrive_moves_the_dead_letters_back_after_an_outage);
    suite_add_tcase(s, tc);
    return s;
}
