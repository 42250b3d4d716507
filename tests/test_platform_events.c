/* test_platform_events.c — topics, buses, buckets, schedules and the source's gateway on
 * Azure, Google Cloud and Cloudflare (models/topic.c, bucket.c, schedule.c, gateway.c and the
 * price parts models/pricing/{azure,gcp,cloudflare}-events.json).
 *
 * Prices: each service's lines against a hand computation from the published prices (or the
 * labelled assumptions), to the cent — billing_compute on stated monthly usage, and a run per
 * provider whose bill follows from its counted figures. Behaviour: an always-failing
 * subscriber is retried exactly on Event Grid's schedule (10 s, 30 s, 1 min, 5 min, 10 min,
 * 30 min, 1 h, then hourly) until max_delivery_attempts or the event TTL, whichever comes
 * first, then dropped or dead-lettered to a bucket; Pub/Sub push backs off exponentially
 * between its minimum and maximum (or redelivers "immediately", slowed by the push backoff)
 * until its retention or a dead-letter topic's max_delivery_attempts; Service Bus redelivers
 * to max_delivery_count; R2 notifies only queues; cron-based schedules refuse sub-minute
 * rates; keys of one service are refused on another, naming whose they are. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "platform-events"
#define RETRY_FIXTURE "platform-events/an-always-failing-subscriber-is-retried-on-the-service-schedule.json"
#define DESIGN_FIXTURE "platform-events/an-event-design-runs-on-each-provider.json"
#define MONTH_S (730.0 * 3600.0)

/* A bill line against a hand computation, rounded to cents as the line is. */
static void assert_bill(const char *what, double got, double want)
{
    support_assert_cents(what, got, support_round_cents(want));
}

/* ---- billing_compute on stated monthly usage ---------------------------------------------- */

/* Event Grid: publishes and delivery attempts are operations, $0.60 a million (assumption)
 * after 100,000 free; Service Bus topics: 13 M operations included in the Standard base
 * charge ($0.0135 an hour, assumption), then $0.80 a million to 100 M; Blob Storage Hot:
 * $0.055 per 10,000 writes, $0.0044 per 10,000 reads, $0.0208 per GB-month (Learn's sample
 * prices); API Management Consumption: 1 M calls free, then $3.50 a million; the timer
 * trigger: 0. */
START_TEST(azure_event_services_bill_their_published_prices)
{
    price_table tab = support_price_table("azure-consumption"), *t = &tab;
    const support_usage u[] = {
        { "topic.event_grid.operations", 4.2e6 }, { "bus.event_grid.operations", 0.5e6 },
        { "bucket.event_grid.operations", 0.4e6 },
        { "service_bus.operations", 20e6 },
        { "bucket.requests.put", 1.2e6 }, { "bucket.requests.get", 7.5e6 }, { "bucket.storage_gb_months", 250 },
        { "gateway.requests.api_management", 3.5e6 },
        { "schedule.timer_fires", 43800 },
    };
    bill b = support_bill_month(t, u, sizeof u / sizeof u[0], true);
    /* (4.2 + 0.5 + 0.4 - 0.1) M x $0.60 = $3.00 */
    assert_bill("event grid", support_bill_line(t, &b, "event_grid_operations"), 3.00);
    /* (20 - 13) M x $0.80 = $5.60; base 730 h x $0.0135 = $9.855 */
    assert_bill("service bus ops", support_bill_line(t, &b, "service_bus_operations"), 5.60);
    assert_bill("service bus base", support_bill_line(t, &b, "service_bus_base"), 9.86);
    assert_bill("blob writes", support_bill_line(t, &b, "blob_write_operations"), 120 * 0.055);   /* 6.60 */
    assert_bill("blob reads", support_bill_line(t, &b, "blob_read_operations"), 750 * 0.0044);    /* 3.30 */
    assert_bill("blob storage", support_bill_line(t, &b, "blob_storage"), 250 * 0.0208);          /* 5.20 */
    assert_bill("api management", support_bill_line(t, &b, "api_management_calls"), 2.5 * 3.5);   /* 8.75 */
    assert_bill("timer", support_bill_line(t, &b, "timer_trigger"), 0);
    /* Without the free tier, Event Grid's 100,000 are billed; Service Bus's 13 M stay
     * included (the base charge's). */
    bill paid = support_bill_month(t, u, sizeof u / sizeof u[0], false);
    assert_bill("event grid, no free tier", support_bill_line(t, &paid, "event_grid_operations"), 5.1 * 0.6);
    assert_bill("service bus, no free tier", support_bill_line(t, &paid, "service_bus_operations"), 5.60);
    /* Beyond 100 M: 87 M x $0.80 + 13 M x $0.50 */
    const support_usage big[] = { { "service_bus.operations", 113e6 } };
    bill tiers = support_bill_month(t, big, 1, false);
    assert_bill("service bus tiers", support_bill_line(t, &tiers, "service_bus_operations"), 87 * 0.8 + 13 * 0.5);
}
END_TEST

/* One Service Bus namespace serves a scenario's queues and topics: one base charge, one 13 M
 * inclusion and one set of tiers over their operations together; one Pub/Sub free 10 GiB
 * for queues (subscriptions), topics and notifications together. */
START_TEST(a_namespace_and_a_free_pool_are_shared_by_queues_and_topics)
{
    price_table tab = support_price_table("azure-flex"), *t = &tab;
    ledger l;
    ledger_init(&l, t);
    usage_add(&l, 0, "service_bus.operations", 60e6);   /* a queue */
    usage_add(&l, 1, "service_bus.operations", 60e6);   /* a topic */
    double by[2];
    bill b = { .n = 2, .by_component = by };
    billing_compute(t, &l, false, MONTH_S, &b);
    ledger_free(&l);
    /* 120 M together: (100 - 13) M x $0.80 + 20 M x $0.50 = $79.60 (apart: 2 x 47 x $0.80 = $75.20
     * and two base charges) */
    assert_bill("one namespace's operations", support_bill_line(t, &b, "service_bus_operations"), 87 * 0.8 + 20 * 0.5);
    assert_bill("one base charge", support_bill_line(t, &b, "service_bus_base"), 9.86);
    assert_bill("the queue's share", by[0], (87 * 0.8 + 20 * 0.5 + 9.855) / 2);
    tab = support_price_table("gcp-functions-gen1");
    ledger_init(&l, t);
    usage_add(&l, 0, "queue.pubsub_gib", 6);
    usage_add(&l, 1, "topic.pubsub.throughput_gib", 6);
    b.n = 2;
    billing_compute(t, &l, true, MONTH_S, &b);
    ledger_free(&l);
    assert_bill("one free 10 GiB", support_bill_line(t, &b, "pubsub_throughput"), 2 * 40.0 / 1024);
}
END_TEST

/* Pub/Sub: $40 a TiB of publishes and deliveries, 10 GiB free, shared by topics, Eventarc's
 * transport and Cloud Storage notifications; Eventarc: custom events $0.40 a million
 * (assumption), Google-source events free; Cloud Storage Standard: Class A $0.005 and
 * Class B $0.0004 per 1,000, $0.020 a GB-month, with 5,000 / 50,000 / 5 GB-months free
 * (assumption); Cloud Scheduler $0.10 a job, 3 free; API Gateway: 2 M free, $3.00 a
 * million to 1 billion, $1.50 beyond. */
START_TEST(google_event_services_bill_their_published_prices)
{
    price_table tab = support_price_table("gcp-cloud-run"), *t = &tab;
    const support_usage u[] = {
        { "topic.pubsub.throughput_gib", 30 }, { "bus.pubsub.throughput_gib", 2.5 },
        { "bucket.pubsub.throughput_gib", 3.5 },
        { "bus.eventarc.custom_events", 3e6 }, { "bus.eventarc.google_events", 9e6 },
        { "bucket.requests.put", 1.005e6 }, { "bucket.requests.get", 10.05e6 }, { "bucket.storage_gb_months", 105 },
        { "schedule.jobs", 5 },
        { "gateway.requests.api_gateway", 1.5e9 },
    };
    bill b = support_bill_month(t, u, sizeof u / sizeof u[0], true);
    /* (36 - 10) GiB x $40 / 1,024 = $1.015625 */
    assert_bill("pubsub", support_bill_line(t, &b, "pubsub_throughput"), 26 * 40.0 / 1024);
    assert_bill("eventarc", support_bill_line(t, &b, "eventarc_events"), 3 * 0.40);
    assert_bill("class a", support_bill_line(t, &b, "cloud_storage_class_a"), 1000 * 0.005);     /* 5.00 */
    assert_bill("class b", support_bill_line(t, &b, "cloud_storage_class_b"), 10000 * 0.0004);   /* 4.00 */
    assert_bill("storage", support_bill_line(t, &b, "cloud_storage_storage"), 100 * 0.02);       /* 2.00 */
    assert_bill("scheduler", support_bill_line(t, &b, "cloud_scheduler_jobs"), 2 * 0.10);
    /* 998 M x $3.00 + 500 M x $1.50 = $3,744.00 */
    assert_bill("api gateway", support_bill_line(t, &b, "api_gateway_calls"), 998 * 3.0 + 500 * 1.5);
}
END_TEST

/* R2: Class A $4.50 and Class B $0.36 a million, $0.015 a GB-month; free 1 M Class A,
 * 10 M Class B, 10 GB-months. Cron Triggers: 0. */
START_TEST(r2_and_cron_triggers_bill_their_published_prices)
{
    price_table tab = support_price_table("cloudflare-workers"), *t = &tab;
    const support_usage u[] = {
        { "bucket.requests.put", 3e6 }, { "bucket.requests.get", 12e6 }, { "bucket.storage_gb_months", 110 },
        { "schedule.cron_fires", 8760 },
    };
    bill b = support_bill_month(t, u, sizeof u / sizeof u[0], true);
    assert_bill("class a", support_bill_line(t, &b, "r2_class_a"), 2 * 4.5);
    assert_bill("class b", support_bill_line(t, &b, "r2_class_b"), 2 * 0.36);
    assert_bill("storage", support_bill_line(t, &b, "r2_storage"), 100 * 0.015);
    assert_bill("cron", support_bill_line(t, &b, "cron_triggers"), 0);
}
END_TEST

/* ---- a run per provider, its bill from its counted figures -------------------------------- */

static double value(const run_result *res, const char *name)
{
    return support_row_value(res, 0, name);
}

/* Azure: an API behind API Management publishes 2 KB events to an Event Grid topic pushed to
 * a function; uploads of 512 KB to Blob Storage notify it through Event Grid; a timer fires
 * every minute. With the free tier off, a month is 730 one-hour windows. */
START_TEST(an_azure_event_design_bills_event_grid_blob_storage_and_api_management)
{
    char json[4096];
    support_scenario(json, sizeof json, DESIGN_FIXTURE);
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double scale = MONTH_S / 3600.0;
    double published = value(&res, "topics.events.published"), uploads = value(&res, "buckets.files.uploads");
    ck_assert_double_eq(published, 7200);
    ck_assert_double_eq(uploads, 3600);
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), published);   /* pushed, all succeed */
    /* Event Grid: a publish and a delivery per event; a blob's ingress and its delivery */
    assert_bill("event grid", value(&res, "cost.by_line.event_grid_operations"),
                         (2 * published + 2 * uploads) * scale * 0.60e-6);
    assert_bill("api management", value(&res, "cost.by_line.api_management_calls"),
                         (published * scale - 1e6) * 3.50e-6);
    assert_bill("blob writes", value(&res, "cost.by_line.blob_write_operations"),
                         uploads * scale * 0.055e-4);
    assert_bill("blob reads", value(&res, "cost.by_line.blob_read_operations"),
                         3 * uploads * scale * 0.0044e-4);
    /* Kept 30 days: the month's uploads x 0.5 MB x 30 / 30.4 days */
    assert_bill("blob storage", value(&res, "cost.by_line.blob_storage"),
                         uploads * scale * (512.0 / 1048576.0) * 30 / (730.0 / 24) * 0.0208);
    ck_assert_double_eq(value(&res, "schedules.tick.fires"), 60);
    support_done(spec, &res);
}
END_TEST

/* The same design on Google Cloud: Pub/Sub carries the API's events (2 KB published and
 * pushed: 2,048 bytes each way) and Cloud Storage's notifications (1 KB events, over the
 * 1,000-byte minimum, published and delivered); API Gateway's first 2 M calls are free;
 * Cloud Scheduler bills its one job $0.10. */
START_TEST(a_google_event_design_bills_pubsub_cloud_storage_scheduler_and_api_gateway)
{
    char json[4096];
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE,
                         "platform.provider=gcp-cloud-run\ntraffic.api.gateway=api-gateway\n");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double scale = MONTH_S / 3600.0;
    double published = value(&res, "topics.events.published"), uploads = value(&res, "buckets.files.uploads");
    ck_assert_double_eq(published, 7200);
    double gib = (2 * 2048.0 * published + 2 * 1024.0 * uploads) / 1073741824.0;
    assert_bill("pubsub", value(&res, "cost.by_line.pubsub_throughput"), gib * scale * 40 / 1024);
    assert_bill("api gateway", value(&res, "cost.by_line.api_gateway_calls"),
                         (published * scale - 2e6) * 3.00e-6);
    assert_bill("class a", value(&res, "cost.by_line.cloud_storage_class_a"), uploads * scale * 0.005e-3);
    assert_bill("class b", value(&res, "cost.by_line.cloud_storage_class_b"), 3 * uploads * scale * 0.0004e-3);
    assert_bill("storage", value(&res, "cost.by_line.cloud_storage_storage"),
                         uploads * scale * (512.0 / 1048576.0) * 30 / (730.0 / 24) * 0.020);
    assert_bill("scheduler", value(&res, "cost.by_line.cloud_scheduler_jobs"), 0.10);
    support_done(spec, &res);
}
END_TEST

/* Cloudflare: 10 uploads a second of 1 MB into R2, each read twice and kept 10 days; a cron
 * trigger every 5 minutes, free. */
START_TEST(a_cloudflare_design_bills_r2_and_no_cron_fee)
{
    char json[4096];
    support_scenario(json, sizeof json, "platform-events/r2-and-cron-triggers-bill-a-cloudflare-design.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double scale = MONTH_S / 3600.0, uploads = value(&res, "buckets.files.uploads");
    ck_assert_double_eq(uploads, 36000);
    assert_bill("class a", value(&res, "cost.by_line.r2_class_a"), uploads * scale * 4.50e-6);
    assert_bill("class b", value(&res, "cost.by_line.r2_class_b"), 2 * uploads * scale * 0.36e-6);
    assert_bill("storage", value(&res, "cost.by_line.r2_storage"),
                         uploads * scale / 1024.0 * 10 / (730.0 / 24) * 0.015);
    ck_assert_double_eq(value(&res, "schedules.tick.fires"), 12);
    assert_bill("cron", value(&res, "cost.by_line.cron_triggers"), 0);
    support_done(spec, &res);
}
END_TEST

/* ---- retries ------------------------------------------------------------------------------ */

/* One event published at t = 0 to a topic whose one subscriber always fails (100 ms); sets
 * choose the service and the subscription's keys. Returns the run (caller frees). */
static void run_retries(const char *sets, world_spec **spec, run_result *res)
{
    char json[4096];
    support_scenario_set(json, sizeof json, RETRY_FIXTURE, "%s", sets);
    support_run_text(json, 1, spec, res);
}

/* Attempts a subscription makes of an event before it gives up: the k-th retry comes
 * sum(waits[0..k-1]) seconds (plus k failed attempts of `attempt_s`) after the publish, and
 * is made while that is within age_s, up to max_attempts in all. */
static double expected_attempts(const double *waits, size_t n_waits, double attempt_s, double age_s,
                                double max_attempts)
{
    double at = 0, attempts = 1;
    for (size_t k = 0; attempts < max_attempts; k++) {
        at += waits[k < n_waits ? k : n_waits - 1] + attempt_s;
        if (at > age_s)
            break;
        attempts++;
    }
    return attempts;
}

/* Event Grid retries at 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, then hourly: each
 * pair of TTLs a minute apart straddles one retry of the schedule, so the count of attempts
 * moves by one exactly there. */
START_TEST(event_grid_retries_exactly_on_its_schedule_until_the_ttl)
{
    static const double waits[] = { 10, 30, 60, 300, 600, 1800, 3600 };
    static const struct { int ttl_min; double attempts; } cases[] = {
        { 1, 3 }, { 2, 4 }, { 6, 4 }, { 7, 5 }, { 16, 5 }, { 17, 6 }, { 46, 6 }, { 47, 7 },
        { 106, 7 }, { 107, 8 }, { 166, 8 }, { 167, 9 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sets[256];
        snprintf(sets, sizeof sets, "components.events.subscribers[0].event_ttl_min=%d\n", cases[i].ttl_min);
        world_spec *spec;
        run_result res;
        run_retries(sets, &spec, &res);
        double want = expected_attempts(waits, 7, 0.1, cases[i].ttl_min * 60.0, 30);
        ck_assert_double_eq(want, cases[i].attempts);
        ck_assert_msg(value(&res, "topics.events.http_attempts") == want, "TTL %d min: %g attempts, want %g",
                      cases[i].ttl_min, value(&res, "topics.events.http_attempts"), want);
        ck_assert_double_eq(value(&res, "functions.handler.invocations"), want);
        ck_assert_double_eq(value(&res, "topics.events.dropped"), 1);     /* no dead-letter container */
        ck_assert_double_eq(value(&res, "topics.events.dead_lettered"), 0);
        support_done(spec, &res);
    }
}
END_TEST

/* The seconds (1-second time-line bins) in which the failing subscriber runs (its 100 ms
 * attempts: the function's concurrency there), against the attempts' start times. */
static void assert_attempts_at(const run_result *res, const double *starts, size_t n)
{
    ck_assert_msg(res->bins > 0, "no time line");
    const double *busy = res->ts + (size_t)TS_CONCURRENCY * res->bins;
    size_t seen = 0;
    for (size_t b = 0; b < res->bins; b++) {
        if (busy[b] <= 0)
            continue;
        ck_assert_msg(seen < n, "an attempt in second %zu, after the %zu expected", b, n);
        ck_assert_msg(b == (size_t)floor(starts[seen]), "attempt %zu in second %zu, expected at %.1f s", seen + 1, b,
                      starts[seen]);
        seen++;
    }
    ck_assert_msg(seen == n, "%zu attempts, expected %zu", seen, n);
}

/* The attempts' start times, each retry the schedule's wait after the failed attempt's
 * 100 ms: 0, 10.1, 40.2, 100.3, 400.4, 1000.5, 2800.6 s; the next (6,400.7 s) is past a
 * 60-minute TTL. */
START_TEST(event_grid_delivers_at_exactly_the_schedules_times)
{
    world_spec *spec;
    run_result res;
    run_retries("duration_s=4000\ntimeseries_interval_s=1\ncomponents.events.subscribers[0].event_ttl_min=60\n",
                &spec, &res);
    static const double starts[] = { 0, 10.1, 40.2, 100.3, 400.4, 1000.5, 2800.6 };
    assert_attempts_at(&res, starts, 7);
    ck_assert_double_eq(value(&res, "topics.events.dropped"), 1);
    support_done(spec, &res);
    /* Pub/Sub's default exponential bounds: waits of 10, 20, 40, 80, 160, 320, 600, 600 s */
    run_retries("platform.provider=gcp-cloud-run\ncomponents.once.every_s=31536000\nduration_s=4000\n"
                "timeseries_interval_s=1\ncomponents.events.subscribers[0].retry_policy=exponential\n"
                "components.events.subscribers[0].message_retention_s=2000\n", &spec, &res);
    static const double pubsub[] = { 0, 10.1, 30.2, 70.3, 150.4, 310.5, 630.6, 1230.7, 1830.8 };
    assert_attempts_at(&res, pubsub, 9);
    support_done(spec, &res);
}
END_TEST

/* Whichever comes first: the defaults (30 attempts, 24 hours) allow 30 attempts, the 30th
 * at 85,600 s; max_delivery_attempts 5 stops at 5; dead-lettered to a container (a bucket)
 * 5 minutes after the last, it is one blob write. */
START_TEST(event_grid_stops_at_max_delivery_attempts_or_the_ttl_and_dead_letters_to_a_bucket)
{
    static const double waits[] = { 10, 30, 60, 300, 600, 1800, 3600 };
    world_spec *spec;
    run_result res;
    run_retries("", &spec, &res);
    ck_assert_double_eq(expected_attempts(waits, 7, 0.1, 86400, 30), 30);
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), 30);
    ck_assert_double_eq(value(&res, "topics.events.dropped"), 1);
    support_done(spec, &res);
    /* A TTL short of the 30th attempt: the TTL binds first */
    run_retries("components.events.subscribers[0].event_ttl_min=1425\n", &spec, &res);
    ck_assert_double_eq(expected_attempts(waits, 7, 0.1, 1425 * 60.0, 30), 29);
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), 29);
    support_done(spec, &res);
    run_retries("components.events.subscribers[0].max_delivery_attempts=5\n"
                "components.events.subscribers[0].dead_letter=dead\n", &spec, &res);
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), 5);
    ck_assert_double_eq(value(&res, "topics.events.http_retries"), 4);
    ck_assert_double_eq(value(&res, "topics.events.dead_lettered"), 1);
    ck_assert_double_eq(value(&res, "topics.events.dropped"), 0);
    ck_assert_double_eq(value(&res, "buckets.dead.uploads"), 1);
    support_done(spec, &res);
}
END_TEST

/* Pub/Sub push, exponential: waits of minimum x 2^(k-1) up to the maximum (10, 20, 40, 80,
 * 160, 320, 600, 600 s by default) while the message is within its retention; then dropped.
 * With a dead-letter topic, max_delivery_attempts forwards it there. "Immediate" redelivery
 * is slowed only by the push backoff: 100 ms doubling to 60 s. */
START_TEST(pubsub_push_backs_off_as_configured_until_retention_or_the_dead_letter_topic)
{
    static const char *const base = "platform.provider=gcp-cloud-run\ncomponents.once.every_s=31536000\n"
                                    "components.events.subscribers[0].retry_policy=exponential\n";
    static const double waits[] = { 10, 20, 40, 80, 160, 320, 600 };
    static const struct { double retention_s, attempts; } cases[] = {
        { 600, 6 }, { 660, 7 }, { 1200, 7 }, { 1260, 8 }, { 1800, 8 }, { 1860, 9 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sets[512];
        snprintf(sets, sizeof sets, "%scomponents.events.subscribers[0].message_retention_s=%g\n", base,
                 cases[i].retention_s);
        world_spec *spec;
        run_result res;
        run_retries(sets, &spec, &res);
        double want = expected_attempts(waits, 7, 0.1, cases[i].retention_s, INFINITY);
        ck_assert_double_eq(want, cases[i].attempts);
        ck_assert_msg(value(&res, "topics.events.http_attempts") == want, "retention %g s: %g attempts, want %g",
                      cases[i].retention_s, value(&res, "topics.events.http_attempts"), want);
        ck_assert_double_eq(value(&res, "topics.events.dropped"), 1);
        support_done(spec, &res);
    }
    /* Configured bounds: 20 s doubling to 100 s; a dead-letter topic after 6 attempts */
    char sets[1024];
    snprintf(sets, sizeof sets, "%scomponents.events.subscribers[0].minimum_backoff_s=20\n"
             "components.events.subscribers[0].maximum_backoff_s=100\n"
             "components.events.subscribers[0].message_retention_s=600\n"
             "components.dead.kind=topic\ncomponents.dead.subscribers=[{\"target\": \"handler\", "
             "\"message_retention_s\": 600}]\n", base);
    world_spec *spec;
    run_result res;
    run_retries(sets, &spec, &res);
    static const double bounded[] = { 20, 40, 80, 100 };
    /* within 600 s: 20, 60, 140, 240, 340, 440, 540 -> 8 attempts */
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), expected_attempts(bounded, 4, 0.1, 600, INFINITY));
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), 8);
    support_done(spec, &res);
    char dl[1200];
    snprintf(dl, sizeof dl, "%scomponents.events.subscribers[0].dead_letter=dead\n"
             "components.events.subscribers[0].max_delivery_attempts=6\n", sets);
    run_retries(dl, &spec, &res);
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), 6);
    ck_assert_double_eq(value(&res, "topics.events.dead_lettered"), 1);
    ck_assert_double_eq(value(&res, "topics.dead.published"), 1);    /* forwarded to the dead-letter topic */
    support_done(spec, &res);
    /* Immediate: 0.1, 0.2, ... 51.2 s, then 60 s: within 600 s, 19 attempts */
    snprintf(sets, sizeof sets, "platform.provider=gcp-cloud-run\ncomponents.once.every_s=31536000\n"
             "components.events.subscribers[0].message_retention_s=600\n");
    run_retries(sets, &spec, &res);
    static const double push[] = { 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 60 };
    ck_assert_double_eq(expected_attempts(push, 11, 0.1, 600, INFINITY), 19);
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), 19);
    support_done(spec, &res);
}
END_TEST

/* Eventarc delivers through a Pub/Sub push subscription of its own: exponential backoff
 * from 10 s to 600 s and 24 hours' retention by default. Waits 10, 20, ..., 320 s, then
 * 600 s: the attempts within 86,400 s are 149. A custom event costs $0.40 a million
 * (assumption). */
START_TEST(eventarc_retries_with_pubsub_backoff_for_a_day)
{
    char json[4096];
    support_scenario(json, sizeof json, "platform-events/eventarc-delivers-through-pubsub-push-with-its-backoff.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    static const double waits[] = { 10, 20, 40, 80, 160, 320, 600 };
    ck_assert_double_eq(expected_attempts(waits, 7, 0.1, 86400, INFINITY), 149);
    ck_assert_double_eq(value(&res, "buses.events.http_attempts"), 149);
    ck_assert_double_eq(value(&res, "buses.events.dropped"), 1);
    support_done(spec, &res);
}
END_TEST

/* Service Bus: an abandoned message is redelivered at once, and dead-lettered exactly at
 * max_delivery_count deliveries (10 by default). */
START_TEST(service_bus_dead_letters_exactly_at_max_delivery_count)
{
    world_spec *spec;
    run_result res;
    run_retries("components.events.service=service-bus\n", &spec, &res);
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), 10);
    ck_assert_double_eq(value(&res, "topics.events.dead_lettered"), 1);
    support_done(spec, &res);
    run_retries("components.events.service=service-bus\ncomponents.events.subscribers[0].max_delivery_count=3\n",
                &spec, &res);
    ck_assert_double_eq(value(&res, "topics.events.http_attempts"), 3);
    ck_assert_double_eq(value(&res, "functions.handler.invocations"), 3);
    ck_assert_double_eq(value(&res, "topics.events.dead_lettered"), 1);
    support_done(spec, &res);
}
END_TEST

/* ---- refusals ----------------------------------------------------------------------------- */

START_TEST(each_service_refuses_what_it_lacks_naming_what_it_takes)
{
    char json[4096];
    /* R2 notifies only queues */
    support_scenario(json, sizeof json, "platform-events/a-provider-refuses-what-its-service-lacks.json");
    support_assert_refused(SUITE, json, "components[0].notify[0]", "R2 event notifications go only to a queue");
    /* Cron Triggers (and Cloud Scheduler): a minute at the finest */
    support_scenario_set(json, sizeof json, "platform-events/a-provider-refuses-what-its-service-lacks.json",
                         "components.files.notify=[]\ncomponents.tick.every_s=30\n");
    support_assert_refused(SUITE, json, "components[1].every_s", "not a whole number of minutes, the granularity of \"cron-triggers\"");
    support_scenario_set(json, sizeof json, "platform-events/a-provider-refuses-what-its-service-lacks.json",
                         "components.files.notify=[]\ncomponents.tick.every_s=90\n");
    support_assert_refused(SUITE, json, "components[1].every_s", "90 s is not a whole number of minutes");
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "platform.provider=gcp-cloud-run\n"
                         "traffic.api.gateway=api-gateway\ncomponents.tick.every_s=20\n");
    support_assert_refused(SUITE, json, "components[2].every_s", "\"cloud-scheduler\"");
    /* EventBridge Scheduler's jitter */
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "components.tick.jitter_s=5\n");
    support_assert_refused(SUITE, json, "components[2].jitter_s", "EventBridge Scheduler's flexible time window");
    /* Cloudflare has no gateway: its part's text */
    support_scenario_set(json, sizeof json, "platform-events/a-provider-refuses-what-its-service-lacks.json",
                         "components.files.notify=[]\ntraffic.uploads.gateway=rest\n");
    support_assert_refused(SUITE, json, "traffic[0].gateway", "offers no gateway: Workers are the entry");
    /* API Gateway's REST and HTTP APIs, cache and validation are AWS's */
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "traffic.api.gateway=rest\n");
    support_assert_refused(SUITE, json, "traffic[0].gateway", "offers a gateway as \"api-management\"");
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "traffic.api.gateway_cache={\"size_gb\": 0.5}\n");
    support_assert_refused(SUITE, json, "traffic[0].gateway_cache", "Amazon API Gateway's REST APIs");
    /* A subscription key of another service names whose it is */
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE,
                         "components.events.subscribers[0].retry={\"max_attempts\": 3}\n");
    support_assert_refused(SUITE, json, "subscribers[0].retry", "Amazon SNS's and EventBridge's");
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE,
                         "components.events.subscribers[0].max_delivery_count=3\n");
    support_assert_refused(SUITE, json, "subscribers[0].max_delivery_count", "Service Bus's (service \"service-bus\")");
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "platform.provider=gcp-cloud-run\n"
                         "traffic.api.gateway=none\ncomponents.events.subscribers[0].event_ttl_min=60\n");
    support_assert_refused(SUITE, json, "subscribers[0].event_ttl_min", "Event Grid's (service \"event-grid\")");
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "platform.provider=gcp-cloud-run\n"
                         "traffic.api.gateway=none\ncomponents.events.subscribers[0].max_delivery_attempts=7\n");
    support_assert_refused(SUITE, json, "subscribers[0].max_delivery_attempts", "dead-letter policy");
    /* Dead-letter destinations: a bucket for Event Grid, a topic for Pub/Sub */
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "components.events.subscribers[0].dead_letter=worker\n");
    support_assert_refused(SUITE, json, "subscribers[0].dead_letter", "Event Grid dead-letters to a Blob Storage container");
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "platform.provider=gcp-cloud-run\n"
                         "traffic.api.gateway=none\ncomponents.events.subscribers[0].dead_letter=files\n");
    support_assert_refused(SUITE, json, "subscribers[0].dead_letter", "Pub/Sub dead-letters to a topic");
    /* A service the provider does not offer for the kind */
    support_scenario_set(json, sizeof json, DESIGN_FIXTURE, "components.events.service=pubsub\n");
    support_assert_refused(SUITE, json, "components[0].service", "offers a topic as \"event-grid\" or \"service-bus\"");
}
END_TEST

Suite *platform_events_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *prices = tcase_create("prices");
    tcase_add_test(prices, azure_event_services_bill_their_published_prices);
    tcase_add_test(prices, a_namespace_and_a_free_pool_are_shared_by_queues_and_topics);
    tcase_add_test(prices, google_event_services_bill_their_published_prices);
    tcase_add_test(prices, r2_and_cron_triggers_bill_their_published_prices);
    tcase_add_test(prices, an_azure_event_design_bills_event_grid_blob_storage_and_api_management);
    tcase_add_test(prices, a_google_event_design_bills_pubsub_cloud_storage_scheduler_and_api_gateway);
    tcase_add_test(prices, a_cloudflare_design_bills_r2_and_no_cron_fee);
    suite_add_tcase(s, prices);
    TCase *behaviour = tcase_create("behaviour");
    tcase_set_timeout(behaviour, 120);
    tcase_add_test(behaviour, event_grid_retries_exactly_on_its_schedule_until_the_ttl);
    tcase_add_test(behaviour, event_grid_delivers_at_exactly_the_schedules_times);
    tcase_add_test(behaviour, event_grid_stops_at_max_delivery_attempts_or_the_ttl_and_dead_letters_to_a_bucket);
    tcase_add_test(behaviour, pubsub_push_backs_off_as_configured_until_retention_or_the_dead_letter_topic);
    tcase_add_test(behaviour, eventarc_retries_with_pubsub_backoff_for_a_day);
    tcase_add_test(behaviour, service_bus_dead_letters_exactly_at_max_delivery_count);
    tcase_add_test(behaviour, each_service_refuses_what_it_lacks_naming_what_it_takes);
    suite_add_tcase(s, behaviour);
    return s;
}
