/* test_hot_shards.c — a stream's partition-key skew, its hot shard and its poisoned records
 * (models/stream.c), against closed forms.
 *
 * Zipf keys put on each shard the sum of its keys' probabilities (key k on shard k mod
 * shards); a shard sent more than its 1,000 records a second throttles the excess, 1 - limit
 * / its rate of the writes it is sent, while the stream's total stays under the sum of its
 * shards'. A hot shard whose consumer handles c records a second against its λ falls behind
 * at λ - c: its iterator age reaches (1 - c/λ) t at time t while the cool shard keeps up. A
 * poisoned record stalls only its own shard, until max_retry_attempts sends the batch (or,
 * with bisect_on_error, the record alone) to on_failure. On-demand capacity bills the
 * stream-hour and each GB written and read, records rounded up to 1 KB. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define DIR "tests/scenarios/hot-shards/"
#define MONTH_S (730 * 3600.0)

static double value(const run_result *res, const char *name)
{
    return support_row_value(res, 0, name);
}

/* The share of records on shard 0 (keys 0, shards, 2 shards, ...) when key k has weight
 * 1/(k+1)^exponent. */
static double zipf_shard0_share(unsigned keys, unsigned shards, double exponent)
{
    double all = 0, first = 0;
    for (unsigned k = 0; k < keys; k++) {
        double p = pow(k + 1.0, -exponent);
        all += p;
        if (k % shards == 0)
            first += p;
    }
    return first / all;
}

START_TEST(zipf_keys_make_one_shard_hot_and_throttle_only_its_excess)
{
    /* 3,500 records a second over 4 shards (4,000 a second of limit): shard 0's share is
     * 0.32556, about 1,139 a second, so 12.24% of its writes are throttled; the others, at
     * most 875 a second, throttle none. */
    world_spec *spec;
    run_result res;
    support_run_fixture(DIR "zipf-writes.json", NULL, &spec, &res);
    double p = zipf_shard0_share(1000, 4, 1.0);
    double tried = value(&res, "requests.arrived");
    double sd = sqrt(p * (1 - p) / tried);
    double share = value(&res, "streams.st.hot_shard_share");
    ck_assert_msg(fabs(share - p) < 4 * sd, "hot shard share %.5f, closed form %.5f", share, p);
    double throttled = value(&res, "streams.st.hot_shard_throttled_share");
    double expected = 1 - 1000.0 / (3500.0 * p);
    ck_assert_msg(fabs(throttled - expected) < 0.003, "throttled share %.5f, closed form %.5f", throttled, expected);
    /* Every throttled write is the hot shard's. */
    ck_assert_double_eq_tol(value(&res, "streams.st.throttled_puts"), throttled * share * tried, 0.5);
    ck_assert_double_eq(value(&res, "requests.throttled"), value(&res, "streams.st.throttled_puts"));
    support_done(spec, &res);

    /* The same total with uniform keys: each shard near a quarter, nothing throttled. */
    static const char *const uniform[] = { "components[0].key_distribution=\"uniform\"", NULL };
    support_run_fixture(DIR "zipf-writes.json", uniform, &spec, &res);
    share = value(&res, "streams.st.hot_shard_share");
    ck_assert_msg(share >= 0.25 && share < 0.25 + 4 * sqrt(0.25 * 0.75 / tried), "uniform hot share %.5f", share);
    ck_assert_double_eq(value(&res, "streams.st.throttled_puts"), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(the_hot_shard_falls_behind_while_the_cool_one_keeps_up)
{
    /* Two keys on two shards, Zipf exponent 1: 150 records a second on shard 0, 75 on shard 1;
     * each is read at about 100 a second (100-record batches of 10 ms records). Shard 0's
     * backlog grows at 50 a second, so its oldest record read at t is (1 - 100/150) t old:
     * 200 s at the window's end (600 s), 100 s on average over its batches. */
    world_spec *spec;
    run_result res;
    support_run_fixture(DIR "hot-consumer.json", NULL, &spec, &res);
    double share = value(&res, "streams.st.hot_shard_share");
    double tried = value(&res, "requests.arrived");
    ck_assert_msg(fabs(share - 2.0 / 3) < 4 * sqrt(2.0 / 9 / tried), "hot shard share %.5f", share);
    double max_s = value(&res, "streams.st.hot_shard_iterator_age_ms_max") / 1000;
    ck_assert_msg(fabs(max_s - 200) < 200 * 0.02, "hot shard's iterator age max %.1f s, closed form 200", max_s);
    double mean_s = value(&res, "streams.st.hot_shard_iterator_age_ms_mean") / 1000;
    ck_assert_msg(fabs(mean_s - 100) < 100 * 0.03, "hot shard's iterator age mean %.1f s, closed form 100", mean_s);
    /* The worst shard is the hot one; the stream's maximum is its maximum. */
    ck_assert_double_eq(value(&res, "streams.st.worst_shard_iterator_age_ms_mean"),
                        value(&res, "streams.st.hot_shard_iterator_age_ms_mean"));
    ck_assert_double_eq(value(&res, "streams.st.iterator_age_ms_max"),
                        value(&res, "streams.st.hot_shard_iterator_age_ms_max"));
    /* The stream's mean hides it: most batches are the cool shard's, read within a second
     * or two. */
    ck_assert_double_lt(value(&res, "streams.st.iterator_age_ms_mean"), mean_s * 1000 / 3);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_poisoned_record_stalls_only_its_shard_until_on_failure_takes_it)
{
    /* Uniform keys over 4 shards, 10 records a second, one poisoned record at t = 100 s;
     * a failed batch is retried 3 times a poll apart (1 s; 4 attempts), then sent to
     * on_failure. Without
     * bisection the poisoned record's batch (about 2.5 s of its shard's records, at most a
     * batch) goes with it; the shard stalls about 4 s: its mean iterator age rises, the
     * other shards' do not. With bisection the halves are retried until the record is alone:
     * exactly one record goes to on_failure. */
    world_spec *spec;
    run_result res;
    support_run_fixture(DIR "poison.json", NULL, &spec, &res);
    double sent = value(&res, "streams.st.to_on_failure");
    ck_assert_double_gt(sent, 1);
    ck_assert_double_le(sent, 100);
    ck_assert_double_eq(value(&res, "streams.st.retries"), 3);
    ck_assert_double_eq(value(&res, "queues.dlq.sent"), sent);
    double worst = value(&res, "streams.st.worst_shard_iterator_age_ms_mean");
    ck_assert_double_gt(worst, value(&res, "streams.st.iterator_age_ms_mean"));
    /* Stalled for 3 retries a poll interval apart (plus the record's wait for its poll), no
     * longer: the oldest age read is under 3 + 1 + 1 s. */
    ck_assert_double_lt(value(&res, "streams.st.iterator_age_ms_max"), 5000);
    support_done(spec, &res);

    static const char *const bisect[] = { "components[0].consumer.bisect_on_error=true", NULL };
    support_run_fixture(DIR "poison.json", bisect, &spec, &res);
    ck_assert_double_eq(value(&res, "streams.st.to_on_failure"), 1);
    ck_assert_double_gt(value(&res, "streams.st.bisections"), 0);
    ck_assert_double_eq(value(&res, "requests.dead_lettered"), 1);
    support_done(spec, &res);
}
END_TEST

START_TEST(on_demand_bills_the_stream_hour_and_each_gb_written_and_read)
{
    /* On-demand Standard: $0.04 a stream-hour, $0.08 a GB written, $0.04 a GB read, records
     * rounded up to 1 KB (1.5 KB records count 2 KB); no shard-hours or PUT units. Each
     * record is read once (no retries): those processed, and those of the batches still in
     * flight at the window's end (at most one of 100 records a shard). */
    static const char *const od[] = { "components[0].capacity_mode=\"on-demand\"", NULL };
    world_spec *spec;
    run_result res;
    support_run_fixture(DIR "hot-consumer.json", od, &spec, &res);
    double month = MONTH_S / 600.0;
    double gb = 1024.0 * 1024.0;
    support_assert_cents("stream-hours", value(&res, "cost.by_line.kinesis_on_demand_stream_hours"), 730 * 0.04);
    support_assert_cents("data in", value(&res, "cost.by_line.kinesis_on_demand_data_in"),
                         support_round_cents(value(&res, "streams.st.records") * 2 / gb * month * 0.08));
    double out = value(&res, "cost.by_line.kinesis_on_demand_data_out");
    double processed = value(&res, "streams.st.processed");
    ck_assert_double_ge(out, support_round_cents(processed * 2 / gb * month * 0.04));
    ck_assert_double_le(out, support_round_cents((processed + 200) * 2 / gb * month * 0.04));
    ck_assert_double_eq(value(&res, "cost.by_line.kinesis_shard_hours"), 0);
    ck_assert_double_eq(value(&res, "cost.by_line.kinesis_put_units"), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(key_and_capacity_settings_out_of_place_are_refused)
{
    static const struct { const char *file, *set, *path, *words; } bad[] = {
        { "zipf-writes.json", "components[0].key_distribution=\"uniform\"\ncomponents[0].zipf_exponent=1.2",
          "components[0].zipf_exponent", "\"zipf\"" },
        { "zipf-writes.json", "components[0].partition_keys=2000000", "components[0].partition_keys",
          "at most 1000000" },
        { "zipf-writes.json", "components[0].key_distribution=\"pareto\"", "components[0].key_distribution", "" },
        { "zipf-writes.json", "components[0].zipf_exponent=0", "components[0].zipf_exponent", "" },
        { "zipf-writes.json", "components[0].capacity_mode=\"reserved\"", "components[0].capacity_mode", "" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[4096], name[128];
        snprintf(name, sizeof name, "hot-shards/%s", bad[i].file);
        support_scenario_set(json, sizeof json, name, "%s\n", bad[i].set);
        support_assert_refused("hot-shards", json, bad[i].path, bad[i].words);
    }
}
END_TEST

Suite *hot_shards_suite(void)
{
    Suite *s = suite_create("hot-shards");
    TCase *tc = tcase_create("hot-shards");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, zipf_keys_make_one_shard_hot_and_throttle_only_its_excess);
    tcase_add_test(tc, the_hot_shard_falls_behind_while_the_cool_one_keeps_up);
    tcase_add_test(tc, a_poisoned_record_stalls_only_its_shard_until_on_failure_takes_it);
    tcase_add_test(tc, on_demand_bills_the_stream_hour_and_each_gb_written_and_read);
    tcase_add_test(tc, key_and_capacity_settings_out_of_place_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
