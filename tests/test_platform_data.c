/* test_platform_data.c — a service that is a table on any provider (models/service.c's
 * "table" object): Cosmos DB serverless, Firestore, Workers KV, D1 and Durable Objects, and
 * DynamoDB in its two spellings.
 *
 * Prices: each service's lines on stated monthly usage (billing_compute alone) and end to
 * end from a run at a constant rate, against hand computations from the published prices
 * (models/pricing/{azure,gcp,cloudflare}-data.json), to the cent. Behaviour: D1's one query
 * at a time and a Durable Object's one call at a time against M/M/1, Cosmos DB's RU/s
 * ceiling and KV's one write a second per key against exact shares.
 *
 * Tolerance: a statistical reference must lie within 1.5 times the run's 95% half-width
 * (Student's t over replications) of the simulated mean, plus a floating-point epsilon;
 * counts that are exact up to the window's edges to a call or two. SLSIM_VERBOSE=1 prints
 * the measured figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define assert_within_ci(what, simulated, hw, reference) \
    support_assert_within_ci("platform-data", what, simulated, hw, reference)
#define assert_refused(json, path, words) support_assert_refused("platform-data", json, path, words)

/* A line of the bill of stated monthly usage (one component). */
#define LINE(t, recs, free_tier, line) support_month_line(t, recs, sizeof recs / sizeof recs[0], free_tier, line)

START_TEST(each_table_bills_its_published_prices_on_stated_usage)
{
    /* Cosmos DB serverless: $0.25 per million RUs (assumption, see the table), $0.25 a GB-month. */
    price_table az = support_price_table("azure-consumption");
    support_usage cosmos[] = { { "table.cosmos_db.request_units", 130086000 }, { "table.cosmos_db.storage_gb_months", 10 } };
    support_assert_cents("cosmos RUs", LINE(&az, cosmos, false, "cosmos_db_request_units"), 32.52);
    support_assert_cents("cosmos storage", LINE(&az, cosmos, false, "cosmos_db_storage"), 2.50);
    /* Firestore nam5: reads $0.06, writes $0.18, deletes $0.02 per 100,000, storage $0.18 a
     * GiB-month; the free quota (when the scenario asks for it) as 30.4 days of the daily one. */
    price_table gcp = support_price_table("gcp-cloud-run");
    support_usage fs[] = { { "table.firestore.reads", 2628000 }, { "table.firestore.writes", 1000000 },
                 { "table.firestore.deletes", 700000 }, { "table.firestore.storage_gb_months", 3 } };
    support_assert_cents("firestore reads, free", LINE(&gcp, fs, true, "firestore_reads"), 0.66);   /* 1,108,000 */
    support_assert_cents("firestore writes, free", LINE(&gcp, fs, true, "firestore_writes"), 0.71); /* 392,000 */
    support_assert_cents("firestore deletes, free", LINE(&gcp, fs, true, "firestore_deletes"), 0.02); /* 92,000 */
    support_assert_cents("firestore storage, free", LINE(&gcp, fs, true, "firestore_storage"), 0.36);
    support_assert_cents("firestore reads", LINE(&gcp, fs, false, "firestore_reads"), 1.58);   /* 1.5768 */
    support_assert_cents("firestore writes", LINE(&gcp, fs, false, "firestore_writes"), 1.80);
    support_assert_cents("firestore storage", LINE(&gcp, fs, false, "firestore_storage"), 0.54);
    /* Workers KV: 10M reads included then $0.50/M; 1M each of writes, deletes, lists then $5/M;
     * 1 GB then $0.50. D1: 25 billion rows read then $0.001/M; 50M rows written then $1/M;
     * 5 GB then $0.75. Durable Objects: 1M requests then $0.15/M; 400,000 GB-s then $12.50/M. */
    price_table cf = support_price_table("cloudflare-workers");
    support_usage kv[] = { { "table.kv.reads", 13140000 }, { "table.kv.writes", 3000000 }, { "table.kv.deletes", 1500000 },
                 { "table.kv.lists", 1200000 }, { "table.kv.storage_gb_months", 3 } };
    support_assert_cents("kv reads", LINE(&cf, kv, false, "kv_reads"), 1.57);
    support_assert_cents("kv writes", LINE(&cf, kv, false, "kv_writes"), 10.00);
    support_assert_cents("kv deletes", LINE(&cf, kv, false, "kv_deletes"), 2.50);
    support_assert_cents("kv lists", LINE(&cf, kv, false, "kv_lists"), 1.00);
    support_assert_cents("kv storage", LINE(&cf, kv, false, "kv_storage"), 1.00);
    support_usage d1[] = { { "table.d1.rows_read", 26.28e9 }, { "table.d1.rows_written", 52560000 },
                 { "table.d1.storage_gb_months", 8 } };
    support_assert_cents("d1 rows read", LINE(&cf, d1, false, "d1_rows_read"), 1.28);
    support_assert_cents("d1 rows written", LINE(&cf, d1, false, "d1_rows_written"), 2.56);
    support_assert_cents("d1 storage", LINE(&cf, d1, false, "d1_storage"), 2.25);
    support_usage dobj[] = { { "table.durable_objects.requests", 26280000 }, { "table.durable_objects.gb_s", 672768 } };
    support_assert_cents("durable object requests", LINE(&cf, dobj, false, "durable_objects_requests"), 3.79);
    support_assert_cents("durable object duration", LINE(&cf, dobj, false, "durable_objects_duration"), 3.41);
    /* Inside the inclusions nothing is billed. */
    support_usage small[] = { { "table.kv.reads", 9e6 }, { "table.d1.rows_written", 4e7 }, { "table.durable_objects.gb_s", 3e5 } };
    support_assert_cents("kv reads included", LINE(&cf, small, false, "kv_reads"), 0);
    support_assert_cents("d1 rows included", LINE(&cf, small, false, "d1_rows_written"), 0);
    support_assert_cents("duration included", LINE(&cf, small, false, "durable_objects_duration"), 0);
}
END_TEST

/* Each fixture's header computes its lines by hand; a constant rate for 3,600 s stands for
 * a 730-hour month. */
START_TEST(each_table_bills_to_the_cent_end_to_end)
{
    static const struct { const char *file, *line; double want; } cases[] = {
        { "platform-data/cosmos-db-writes.json", "cosmos_db_request_units", 32.52 },
        { "platform-data/cosmos-db-writes.json", "cosmos_db_storage", 2.50 },
        { "platform-data/firestore-reads.json", "firestore_reads", 0.66 },
        { "platform-data/firestore-reads.json", "firestore_storage", 0.36 },
        { "platform-data/kv-reads.json", "kv_reads", 1.57 },
        { "platform-data/kv-reads.json", "kv_storage", 1.00 },
        { "platform-data/d1-queries.json", "d1_rows_read", 1.28 },
        { "platform-data/d1-queries.json", "d1_rows_written", 2.56 },
        { "platform-data/d1-queries.json", "d1_storage", 2.25 },
        { "platform-data/durable-objects.json", "durable_objects_requests", 3.79 },
        { "platform-data/durable-objects.json", "durable_objects_duration", 3.41 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[4096], name[128];
        support_scenario(json, sizeof json, cases[i].file);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        snprintf(name, sizeof name, "cost.by_line.%s", cases[i].line);
        support_assert_cents(name, run_value(&res, name, NULL), cases[i].want);
        support_done(spec, &res);
    }
}
END_TEST

/* Poisson calls at lambda, exponential service of mean 1/mu at a queue of one server:
 * mean wait in line rho / (mu - lambda), by Little's law the mean number waiting
 * lambda times that, and mean time at the server 1 / (mu - lambda). */
static void assert_m_m_1(const run_result *res, const char *prefix, double lambda, double mu)
{
    char name[128];
    double hw, rho = lambda / mu;
    snprintf(name, sizeof name, "services.%s.mean_queue", prefix);
    double waiting = support_figure_ci(res, name, &hw);
    /* mean wait = mean number waiting / lambda (Little) */
    assert_within_ci("M/M/1 mean wait (ms)", waiting / lambda * 1000, hw / lambda * 1000,
                     rho / (mu - lambda) * 1000);
    snprintf(name, sizeof name, "services.%s.latency_ms_mean", prefix);
    double t = support_figure_ci(res, name, &hw);
    assert_within_ci("M/M/1 mean time (ms)", t, hw, 1000 / (mu - lambda));
    snprintf(name, sizeof name, "services.%s.throttled", prefix);
    ck_assert_double_eq(run_value(res, name, NULL), 0);
}

START_TEST(d1_runs_one_query_at_a_time_an_m_m_1_queue)
{
    char json[4096];
    support_scenario_set(json, sizeof json, "platform-data/d1-is-m-m-1.json", "duration_s=%d",
                         test_quick() ? 400 : 2000);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    assert_m_m_1(&res, "db", 60, 100);
    /* Three rows read per query, none written. */
    support_assert_close("rows read", run_value(&res, "services.db.rows_read", NULL),
                         3 * run_value(&res, "services.db.successes", NULL));
    ck_assert_double_eq(run_value(&res, "services.db.rows_written", NULL), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(each_durable_object_runs_one_call_at_a_time)
{
    /* 240 a second spread at random over 4 objects: 4 M/M/1 queues of 60 a second. */
    char json[4096];
    support_scenario_set(json, sizeof json, "platform-data/durable-objects-queue.json", "duration_s=%d",
                         test_quick() ? 300 : 1000);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, t = support_figure_ci(&res, "services.rooms.latency_ms_mean", &hw);
    assert_within_ci("M/M/1 per object, mean time (ms)", t, hw, 1000 / (100.0 - 60.0));
    double q = support_figure_ci(&res, "services.rooms.mean_queue", &hw);
    /* Waiting over the 4 objects: 4 x rho^2 / (1 - rho). */
    assert_within_ci("M/M/1 per object, number waiting", q, hw, 4 * 0.36 / 0.4);
    /* Billed duration: the objects' busy time, 240 x 10 ms a second. */
    double busy = support_figure_ci(&res, "services.rooms.busy_s", &hw);
    double window = test_quick() ? 300 : 1000;
    assert_within_ci("busy seconds", busy, hw, 240 * 0.010 * window);
    support_done(spec, &res);
    /* One object: all 240 a second wait for it, more than it can serve (rho 2.4); 60 a
     * second on one object is the same queue as one of four. */
    support_scenario_set(json, sizeof json, "platform-data/durable-objects-queue.json",
                         "duration_s=%d\ntraffic.t.arrivals.rate_per_s=60\ncomponents.rooms.table.objects=1",
                         test_quick() ? 300 : 1000);
    support_run_text(json, 0, &spec, &res);
    t = support_figure_ci(&res, "services.rooms.latency_ms_mean", &hw);
    assert_within_ci("M/M/1 one object, mean time (ms)", t, hw, 1000 / (100.0 - 60.0));
    support_done(spec, &res);
}
END_TEST

/* The throttled share of one run (the client makes one attempt a call). */
static double throttled_share(const char *file, const char *component, const char *set, double *attempts)
{
    char json[4096];
    support_scenario_set(json, sizeof json, file, "%s", set);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double throttled = 0, n = 0;
    char t_name[128], a_name[128];
    snprintf(t_name, sizeof t_name, "services.%s.throttled", component);
    snprintf(a_name, sizeof a_name, "services.%s.attempts", component);
    for (uint32_t r = 0; r < spec->replications; r++) {
        throttled += support_row_value(&res, r, t_name);
        n += support_row_value(&res, r, a_name);
    }
    support_done(spec, &res);
    *attempts = n;
    return throttled / n;
}

START_TEST(cosmos_db_throttles_calls_above_its_ru_ceiling)
{
    /* 1 KB writes cost 4.95 RUs. At 1,000 a second (4,950 RU/s) none is throttled; at
     * 2,000 (9,900 RU/s) the container serves 5,000 RU/s: a share 1 - 5,000 / 9,900. The
     * bucket starts the window drained (the warm-up overloads it too), so the count is
     * exact to a call or two per replication. */
    double n;
    ck_assert_double_eq(throttled_share("platform-data/cosmos-db-ceiling.json", "orders", "", &n), 0);
    double share = throttled_share("platform-data/cosmos-db-ceiling.json", "orders", "traffic.t.arrivals.rate_per_s=2000", &n);
    ck_assert_msg(fabs(share - (1 - 5000 / 9900.0)) <= 4 / n, "throttled share %.6f, want %.6f", share,
                  1 - 5000 / 9900.0);
    /* A lower ceiling: 2,475 RU/s at 1,000 a second throttles half. */
    share = throttled_share("platform-data/cosmos-db-ceiling.json", "orders", "components.orders.table.max_ru_per_s=2475", &n);
    ck_assert_msg(fabs(share - 0.5) <= 4 / n, "throttled share %.6f, want 0.5", share);
}
END_TEST

START_TEST(kv_takes_one_write_a_second_per_key)
{
    /* Constant writes 0.4 s apart to one key: the key takes one, refuses the next two (0.4
     * and 0.8 s later), takes the third (1.2 s): two in three throttled. */
    double n, share = throttled_share("platform-data/kv-write-limit.json", "counters",
                                      "traffic.t.arrivals={\"process\": \"constant\", \"rate_per_s\": 2.5}\n"
                                      "components.counters.table.keys=1\nreplications=2", &n);
    ck_assert_msg(fabs(share - 2.0 / 3) <= 4 / n, "throttled share %.6f, want 2/3", share);
    /* Firestore's one write a second per document is the same limit. */
    share = throttled_share("platform-data/kv-write-limit.json", "counters",
                            "traffic.t.arrivals={\"process\": \"constant\", \"rate_per_s\": 2.5}\nreplications=2\n"
                            "platform.provider=gcp-cloud-run\n"
                            "components.counters.table={\"service\": \"firestore\", \"operation\": \"write\", \"documents\": 1}",
                            &n);
    ck_assert_msg(fabs(share - 2.0 / 3) <= 4 / n, "firestore throttled share %.6f, want 2/3", share);
    /* Poisson writes (20 a second) over 10 keys: a key takes a write, is closed for 1 s,
     * then waits an exponential 0.5 s for the next: it takes 1 / 1.5 a second, and the
     * share accepted is 10 / (10 + 20). */
    char json[4096];
    support_scenario_set(json, sizeof json, "platform-data/kv-write-limit.json", "duration_s=%d",
                         test_quick() ? 400 : 2000);
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, accepted = support_ratio_ci(&res, "services.counters.successes", "services.counters.attempts", &hw);
    assert_within_ci("accepted share of writes", accepted, hw, 10.0 / 30.0);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_dynamodb_table_is_pricing_dynamodb_by_another_name)
{
    /* The same run in both spellings: the same figures and the same bill. */
    char a[4096], b[4096];
    support_scenario(a, sizeof a, "platform-data/dynamodb-table.json");
    support_scenario_set(b, sizeof b, "platform-data/dynamodb-table.json",
                         "components.products.table=null\n"
                         "components.products.pricing={\"dynamodb\": {\"operation\": \"read\", \"item_kb\": 9, "
                         "\"consistency\": \"eventual\"}}");
    world_spec *sa, *sb;
    run_result ra, rb;
    support_run_text(a, 0, &sa, &ra);
    support_run_text(b, 0, &sb, &rb);
    static const char *const figures[] = { "services.products.request_units", "services.products.latency_ms_mean",
                                           "cost.by_line.dynamodb_read_units", "cost.monthly_total" };
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        for (uint32_t r = 0; r < sa->replications; r++)
            ck_assert_double_eq(support_row_value(&ra, r, figures[i]), support_row_value(&rb, r, figures[i]));
    /* 9 KB eventually consistent: ceil(9 / 4) x 0.5 = 1.5 read units a call. */
    support_assert_close("read units", run_value(&ra, "services.products.request_units", NULL),
                         1.5 * run_value(&ra, "services.products.successes", NULL));
    support_done(sa, &ra);
    support_done(sb, &rb);
}
END_TEST

START_TEST(what_a_table_lacks_is_refused)
{
    char json[4096];
    /* An operation the service does not offer. */
    support_scenario_set(json, sizeof json, "platform-data/d1-queries.json", "components.db.table.operation=delete");
    assert_refused(json, "components[0].table.operation", "offers \"read\" or \"write\"");
    support_scenario_set(json, sizeof json, "platform-data/kv-reads.json", "components.sessions.table.operation=query");
    assert_refused(json, "components[0].table.operation", "query");
    support_scenario_set(json, sizeof json, "platform-data/durable-objects.json", "components.rooms.table.operation=read");
    assert_refused(json, "components[0].table.operation", "offers \"request\"");
    /* A key another service takes. */
    support_scenario_set(json, sizeof json, "platform-data/kv-reads.json", "components.sessions.table.rows_read=5");
    assert_refused(json, "components[0].table.rows_read", "only a d1 table takes rows_read");
    support_scenario_set(json, sizeof json, "platform-data/d1-queries.json", "components.db.table.item_kb=5");
    assert_refused(json, "components[0].table.item_kb", "cosmos-db");
    support_scenario_set(json, sizeof json, "platform-data/durable-objects.json", "components.rooms.table.storage_gb=5");
    assert_refused(json, "components[0].table.storage_gb", "cosmos-db, firestore, kv or d1");
    /* A per-key limit on reads. */
    support_scenario_set(json, sizeof json, "platform-data/kv-reads.json", "components.sessions.table.keys=5");
    assert_refused(json, "components[0].table.keys", "limits writes and deletes");
    /* A service the provider does not offer. */
    support_scenario_set(json, sizeof json, "platform-data/kv-reads.json", "components.sessions.table.service=firestore");
    assert_refused(json, "components[0].table.service", "\"kv\", \"d1\" or \"durable-objects\"");
    support_scenario_set(json, sizeof json, "platform-data/cosmos-db-writes.json", "components.orders.table.service=dynamodb");
    assert_refused(json, "components[0].table.service", "cosmos-db");
    /* D1 and Durable Objects run one call at a time; max_concurrency would contradict it. */
    support_scenario_set(json, sizeof json, "platform-data/d1-queries.json", "components.db.max_concurrency=4");
    assert_refused(json, "components[0].max_concurrency", "one query at a time");
    support_scenario_set(json, sizeof json, "platform-data/durable-objects.json", "components.rooms.max_concurrency=4");
    assert_refused(json, "components[0].max_concurrency", "table.objects");
    /* A Cosmos DB call bigger than the ceiling could never pass. */
    support_scenario_set(json, sizeof json, "platform-data/cosmos-db-writes.json",
                         "components.orders.table.request_units=6000");
    assert_refused(json, "components[0].table.request_units", "exceeds the 5000 RU/s ceiling");
    /* Both spellings of a DynamoDB table at once. */
    support_scenario_set(json, sizeof json, "platform-data/dynamodb-table.json",
                         "components.products.pricing={\"dynamodb\": {\"operation\": \"read\"}}");
    assert_refused(json, "components[0].pricing.dynamodb", "not both");
    /* The operation is required. */
    support_scenario_set(json, sizeof json, "platform-data/kv-reads.json",
                         "components.sessions.table={\"service\": \"kv\"}");
    assert_refused(json, "components[0].table.operation", "\"read\", \"write\", \"delete\" or \"list\"");
}
END_TEST

START_TEST(each_provider_defaults_to_its_first_table)
{
    /* Without "service", the provider's first offer: Cosmos DB, Firestore, KV. */
    static const struct { const char *provider, *line; } cases[] = {
        { "azure-flex", "cosmos_db_request_units" },
        { "gcp-functions-gen1", "firestore_reads" },
        { "cloudflare-workers", "kv_reads" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[4096], name[128];
        support_scenario_set(json, sizeof json, "platform-data/kv-reads.json",
                             "platform.provider=%s\ncomponents.sessions.table={\"operation\": \"read\"}\n"
                             "traffic.t.arrivals.rate_per_s=500\nduration_s=600", cases[i].provider);
        world_spec *spec;
        run_result res;
        support_run_text(json, 0, &spec, &res);
        snprintf(name, sizeof name, "cost.by_line.%s", cases[i].line);
        ck_assert_msg(run_value(&res, name, NULL) > 0, "%s: no %s", cases[i].provider, name);
        support_done(spec, &res);
    }
}
END_TEST

Suite *platform_data_suite(void)
{
    Suite *s = suite_create("platform-data");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, each_table_bills_its_published_prices_on_stated_usage);
    tcase_add_test(tc, each_table_bills_to_the_cent_end_to_end);
    tcase_add_test(tc, cosmos_db_throttles_calls_above_its_ru_ceiling);
    tcase_add_test(tc, a_dynamodb_table_is_pricing_dynamodb_by_another_name);
    tcase_add_test(tc, what_a_table_lacks_is_refused);
    tcase_add_test(tc, each_provider_defaults_to_its_first_table);
    /* The queues' statistical cases take about a second each: not tagged slow. */
    tcase_add_test(tc, d1_runs_one_query_at_a_time_an_m_m_1_queue);
    tcase_add_test(tc, each_durable_object_runs_one_call_at_a_time);
    tcase_add_test(tc, kv_takes_one_write_a_second_per_key);
    suite_add_tcase(s, tc);
    return s;
}
