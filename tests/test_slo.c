/* test_slo.c — service levels in the studies (--slo), saturation flags, and representative
 * windows, against independent references:
 *  - the --slo parser against the figures, units and bounds each form means, and every bad
 *    form refused with one line naming the option and the problem (exit 2);
 *  - the judgement rule as an identity: bounds placed at the mean plus or minus multiples of
 *    a run's own 95% half-width must come out met, met but uncertain, missed but uncertain,
 *    and missed;
 *  - a queue fed 30 messages a second whose consumer takes 20 grows its backlog by exactly
 *    (30 - 20) x the window (depth_growth) and is saturated; one that keeps up is not;
 *  - a stream read at 10 records a second and written at 14 grows its unread records by
 *    (14 - 10) x the window, and one whose shard takes 8 a second throttles (14 - 8) x the
 *    window: each saturated, with its reason on the first screen; their twins at 6 a second
 *    are not;
 *  - a service of 4 places of 100 ms offered 60 calls a second: its wait queue grows by
 *    (60 - 40) x the window (queue_growth, less what its bins miss), or with a 2-s queue
 *    timeout that many calls give up; with a rate limit of 45, (60 - 45) x the window are
 *    throttled; with a shared processor of 50 calls a second the calls in it grow as the
 *    fluid limit of overloaded processor sharing says: each saturated, their twins at 30 a
 *    second not;
 *  - a cost curve where a 2-task fleet is cheapest at a volume whose offered load (arrivals x
 *    100 ms of CPU) exceeds its 2 vCPUs: flagged there without --slo and only there (the
 *    flags follow the offered load against capacity), and under --slo excluded, even with a
 *    clause it meets;
 *  - the traffic's period: cron schedules' periods by hand, a run shorter than a diurnal day
 *    warned (the hours it covers named) on stderr, the report's first screen, report.html and
 *    summary.json's window, a full day not (its window representative); a study of a
 *    one-hour diurnal scenario measures a whole day (its request line matches the full day's
 *    closed-form arrivals) unless --duration says one hour (then the hour's closed form, and
 *    a warning).
 *
 * Tolerances as in test_validation.c: a statistical reference lies within 1.5 times the 95%
 * half-width of the simulated mean (plus cents where a bill line is rounded). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/report.h"
#include "app/slo.h"
#include "app/window.h"
#include "models/traffic.h"
#include "tests/suites.h"
#include "tests/support.h"

#define DIR "tests/scenarios/slo/"

/* Runs `slsim ARGS` with stdout and stderr in out; returns the exit status. */
static int slsim(char *out, size_t size, const char *args)
{
    return support_sh(out, size, "'%s' %s", support_binary(), args);
}

/* The file `name` of the results folder dir/sub, read whole (the test fails when it is
 * missing; the caller frees it). */
static char *result(const char *dir, const char *sub, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    char *text = support_read_file(path);
    ck_assert_msg(text != NULL, "missing %s", path);
    return text;
}

/* ---- the parser ------------------------------------------------------------------------- */

START_TEST(slo_expressions_bind_to_figures_with_their_units)
{
    static const struct {
        const char *expr, *figure, *per;
        double bound;
        int at_least, optional;
    } good[] = {
        { "p99<=500ms", "latency_ms.p99", "", 500, 0, 0 },
        { "p99 <= 0.5 s", "latency_ms.p99", "", 500, 0, 0 },
        { "p50<=2min", "latency_ms.p50", "", 120000, 0, 0 },
        { "mean<=1.5e2ms", "latency_ms.mean", "", 150, 0, 0 },
        { "p999≤1h", "latency_ms.p999", "", 3.6e6, 0, 0 },
        { "failed<=0.1%", "requests.failed", "requests.arrived", 0.001, 0, 0 },
        { "throttled<=0.002", "requests.throttled", "requests.arrived", 0.002, 0, 0 },
        { "completed>=99.9%", "requests.completed", "requests.arrived", 0.999, 1, 0 },
        { "lost<=1%", "work.lost", "work.events", 0.01, 0, 1 },
        { "work.p99<=60s", "work.latency_ms_p99", "", 60000, 0, 1 },
        { "cost<=$500", "cost.monthly_total", "", 500, 0, 0 },
        { "cost<=2.385EUR", "cost.monthly_total", "", 2.385, 0, 0 },
        { "functions.api.cold_start_ratio<=1%", "functions.api.cold_start_ratio", "", 0.01, 0, 0 },
        { "queues.jobs.wait_ms_p99<=2s", "queues.jobs.wait_ms_p99", "", 2000, 0, 0 },
        { "queues.jobs.oldest_age_s_max<=1.5min", "queues.jobs.oldest_age_s_max", "", 90, 0, 0 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        slo_clause c;
        char err[512] = "";
        ck_assert_msg(slo_parse(good[i].expr, &c, err, sizeof err) == 0, "'%s': %s", good[i].expr, err);
        ck_assert_str_eq(c.figure, good[i].figure);
        ck_assert_str_eq(c.per, good[i].per);
        ck_assert_msg(fabs(c.bound - good[i].bound) <= 1e-12 * fmax(1, good[i].bound), "'%s': bound %.17g, expected %g",
                      good[i].expr, c.bound, good[i].bound);
        ck_assert_int_eq(c.at_least, good[i].at_least);
        ck_assert_int_eq(c.optional, good[i].optional);
    }
}
END_TEST

START_TEST(bad_slo_expressions_are_one_line_and_exit_2)
{
    static const struct { const char *expr, *words; } bad[] = {
        { "p99<=500", "give the time's unit, as in p99<=500ms or p99<=0.5s" },
        { "p98<=1s", "unknown figure 'p98'" },
        { "p99<500ms", "compare with <= or >=" },
        { "failed<=5", "a fraction from 0 to 1 or a percentage (5%)" },
        { "p99<=5sec", "unknown unit 'sec'" },
        { "p99<=-1ms", "not a number of 0 or more" },
        { "<=5", "expected NAME<=BOUND or NAME>=BOUND" },
        { "p99", "expected NAME<=BOUND or NAME>=BOUND" },
        { "cost<=5 dollars", "cost is the monthly cost" },
    };
    char out[4096], args[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "compare " DIR "function.json " DIR "fleet.json --slo '%s'", bad[i].expr);
        int rc = slsim(out, sizeof out, args);
        ck_assert_msg(rc == 2, "--slo '%s': exit %d: %s", bad[i].expr, rc, out);
        char want[256];
        snprintf(want, sizeof want, "slsim: --slo '%s': ", bad[i].expr);
        ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "--slo '%s': \"%s\"", bad[i].expr, out);
        ck_assert_msg(strstr(out, bad[i].words) != NULL, "--slo '%s': \"%s\" lacks \"%s\"", bad[i].expr, out,
                      bad[i].words);
        ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "--slo '%s': more than one line: %s", bad[i].expr,
                      out);
    }
    /* A figure's name is checked against the scenarios before anything runs. */
    int rc = slsim(out, sizeof out, "compare " DIR "function.json " DIR "fleet.json --slo 'functions.web.errors<=1'");
    ck_assert_msg(rc == 2 && strstr(out, "no variant has a figure named functions.web.errors"), "exit %d: %s", rc, out);
    /* run takes no --slo. */
    rc = slsim(out, sizeof out, "run " DIR "function.json --slo 'p99<=1s'");
    ck_assert_msg(rc == 2 && strstr(out, "option '--slo' does not go with 'run'"), "exit %d: %s", rc, out);
}
END_TEST

/* ---- the judgement rule ---------------------------------------------------------------------- */

START_TEST(a_clause_is_met_within_its_bound_and_uncertain_when_the_interval_reaches_across)
{
    char json[4096];
    support_scenario_set(json, sizeof json, "slo/function.json", "duration_s=300\nreplications=4");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, m = support_figure_ci(&res, "latency_ms.p99", &hw);
    ck_assert_msg(hw > 0, "p99 %g ± %g: the rule needs an interval", m, hw);
    static const struct { double k; slo_status at_most, at_least; } cases[] = {
        { 2.0, SLO_MET, SLO_MISSED }, { 0.5, SLO_MET_UNCERTAIN, SLO_MISSED_UNCERTAIN },
        { -0.5, SLO_MISSED_UNCERTAIN, SLO_MET_UNCERTAIN }, { -2.0, SLO_MISSED, SLO_MET },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int ge = 0; ge <= 1; ge++) {
            char expr[96], err[256];
            snprintf(expr, sizeof expr, "p99%s%.9fms", ge ? ">=" : "<=", m + cases[i].k * hw);
            slo_clause c;
            ck_assert_msg(slo_parse(expr, &c, err, sizeof err) == 0, "%s: %s", expr, err);
            slo_verdict v;
            slo_judge(&c, 1, &res, &v);
            slo_status want = ge ? cases[i].at_least : cases[i].at_most;
            ck_assert_msg(v.status[0] == want, "%s against %g ± %g: status %d, expected %d", expr, m, hw,
                          (int)v.status[0], (int)want);
            ck_assert_int_eq(v.meets, want == SLO_MET || want == SLO_MET_UNCERTAIN);
            ck_assert_int_eq(v.uncertain, want == SLO_MET_UNCERTAIN || want == SLO_MISSED_UNCERTAIN);
            ck_assert_double_eq_tol(v.value[0], m, 1e-9 * m);
        }
    /* A figure the run does not have is not measured, and counts neither way. */
    slo_clause lost;
    char err[256];
    ck_assert_int_eq(slo_parse("lost<=1%", &lost, err, sizeof err), 0);
    slo_verdict v;
    slo_judge(&lost, 1, &res, &v);
    ck_assert_int_eq(v.status[0], SLO_NOT_MEASURED);
    ck_assert(v.meets && !v.uncertain && !v.saturated && slo_eligible(&v));
    support_done(spec, &res);
}
END_TEST

/* ---- saturation: a queue's backlog ----------------------------------------------------------- */

START_TEST(a_queue_that_cannot_keep_up_grows_by_the_rate_difference_and_is_saturated)
{
    /* 30 messages a second in, 2 batches of one 100-ms message out at a time (20 a second):
     * the depth rises by 10 a second, 6,000 over the 600-s window; the least-squares line
     * through it rises by the same. At 15 a second the consumer keeps up: no growth. */
    char json[4096];
    support_scenario(json, sizeof json, "slo/backlog.json");
    world_spec *spec;
    run_result res;
    support_run_text(json, 0, &spec, &res);
    double hw, growth = support_figure_ci(&res, "queues.jobs.depth_growth", &hw);
    ck_assert_msg(fabs(growth - (30.0 - 20.0) * 600) <= 0.01 * 6000, "depth_growth %g ± %g, expected 6000", growth, hw);
    slo_verdict v;
    slo_judge(NULL, 0, &res, &v);
    ck_assert_msg(v.saturated && v.n_reasons == 1 && strstr(v.reason[0], "queue jobs's backlog grows"),
                  "not flagged: %s", v.n_reasons ? v.reason[0] : "(no reason)");
    ck_assert(slo_eligible(&v));     /* without --slo a study still names it, with the flag */
    /* A single run says so on its first screen too. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(mem);
    report_print(&res, mem);
    fclose(mem);
    char *at = strstr(text, "SATURATED: queue jobs's backlog grows");
    ck_assert_msg(at && at < strstr(text, "Requests (per original request"), "%.1500s", text);
    free(text);
    support_done(spec, &res);

    support_scenario_set(json, sizeof json, "slo/backlog.json", "traffic[0].arrivals.rate_per_s=15");
    support_run_text(json, 0, &spec, &res);
    growth = support_figure_ci(&res, "queues.jobs.depth_growth", &hw);
    ck_assert_msg(fabs(growth) <= 2, "depth_growth %g ± %g at 15 a second, expected about 0", growth, hw);
    slo_judge(NULL, 0, &res, &v);
    ck_assert_msg(!v.saturated, "flagged: %s", v.n_reasons ? v.reason[0] : "");
    mem = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(mem);
    report_print(&res, mem);
    fclose(mem);
    ck_assert_msg(!strstr(text, "SATURATED"), "%.1500s", text);
    free(text);
    support_done(spec, &res);
}
END_TEST

/* ---- saturation: streams and services --------------------------------------------------------- */

/* Runs tests/scenarios/slo/<fixture> with the assignments sets (one a line, "" for none),
 * judges it without clauses into v and prints its report into *text (the caller frees it
 * and the run with support_done). */
static void run_judged(const char *fixture, const char *sets, world_spec **spec, run_result *res, slo_verdict *v,
                       char **text)
{
    char json[8192];
    support_scenario_set(json, sizeof json, fixture, "%s", sets);
    support_run_text(json, 0, spec, res);
    slo_judge(NULL, 0, res, v);
    size_t len = 0;
    FILE *mem = open_memstream(text, &len);
    ck_assert_ptr_nonnull(mem);
    report_print(res, mem);
    fclose(mem);
}

/* Whether v has a reason starting with words, and the report's first screen (before its
 * request table) says it on a SATURATED line. */
static void assert_saturated_by(const slo_verdict *v, const char *text, const char *words)
{
    bool found = false;
    for (size_t k = 0; k < v->n_reasons; k++)
        found |= !strncmp(v->reason[k], words, strlen(words));
    ck_assert_msg(v->saturated && found, "no reason \"%s...\" among %zu: %s", words, v->n_reasons,
                  v->n_reasons ? v->reason[0] : "(none)");
    char line[256];
    snprintf(line, sizeof line, "  SATURATED: %s", words);
    const char *at = strstr(text, line), *requests = strstr(text, "Requests (per original request");
    ck_assert_msg(at && requests && at < requests, "not on the first screen: %.2500s", text);
}

static void assert_not_saturated(const slo_verdict *v, const char *text, const char *what)
{
    ck_assert_msg(!v->saturated, "%s flagged: %s", what, v->n_reasons ? v->reason[0] : "");
    ck_assert_msg(!strstr(text, "SATURATED"), "%s: %.2500s", what, text);
}

/* Per replication: the stream's unread records at the end of the window less those at its
 * start (records written in it less those that left it), or its puts' throttled share. */
static double stream_growth_ci(const run_result *res, bool throttled_share, double *hw)
{
    uint32_t n = res->spec->replications;
    double x[64];
    ck_assert_uint_le(n, 64);
    for (uint32_t r = 0; r < n; r++) {
        double records = support_row_value(res, r, "streams.events.records");
        double throttled = support_row_value(res, r, "streams.events.throttled_puts");
        x[r] = throttled_share ? throttled / (records + throttled)
                               : records - support_row_value(res, r, "streams.events.processed") -
                                     support_row_value(res, r, "streams.events.records_expired") -
                                     support_row_value(res, r, "streams.events.to_on_failure");
    }
    return support_mean_ci(x, n, hw);
}

START_TEST(a_stream_whose_consumer_falls_behind_or_whose_shards_refuse_writes_is_saturated)
{
    /* One shard read one record at a time by a 100-ms function: 10 records a second out.
     * 14 a second in (Poisson): the unread records grow by (14 - 10) x 600 s = 2,400 in
     * expectation over the window (Poisson arrivals: about 92 either way in one replication;
     * the fixture runs 10, for a t interval that is not itself a coin toss as 3 give). At 6 a
     * second the consumer keeps up. */
    world_spec *spec;
    run_result res;
    slo_verdict v;
    char *text;
    double hw, growth;
    run_judged("slo/stream.json", "", &spec, &res, &v, &text);
    growth = stream_growth_ci(&res, false, &hw);
    support_assert_within_ci("slo", "stream: unread records' growth", growth, hw, (14.0 - 10.0) * 600);
    assert_saturated_by(&v, text, "stream events's consumer falls behind");
    ck_assert_msg(v.n_reasons == 1, "%zu reasons: %s", v.n_reasons, v.reason[v.n_reasons - 1]);
    free(text);
    support_done(spec, &res);

    run_judged("slo/stream.json", "traffic[0].arrivals.rate_per_s=6", &spec, &res, &v, &text);
    growth = stream_growth_ci(&res, false, &hw);
    support_assert_below("slo", "stream at 6/s: unread records' growth", growth, hw, 60 * 6);
    assert_not_saturated(&v, text, "a stream that keeps up");
    free(text);
    support_done(spec, &res);

    /* Its shard takes 8 records a second: at 14 a second, (14 - 8) x 600 = 3,600 puts are
     * throttled, and the consumer keeps up with the 8. At 6 a second the shard takes all. */
    run_judged("slo/stream.json", "components[0].write_records_per_s=8", &spec, &res, &v, &text);
    double throttled = support_figure_ci(&res, "streams.events.throttled_puts", &hw);
    support_assert_within_ci("slo", "stream: throttled puts", throttled, hw, (14.0 - 8.0) * 600);
    assert_saturated_by(&v, text, "stream events's 1 shard refuses writes");
    ck_assert_msg(v.n_reasons == 1, "%zu reasons: %s", v.n_reasons, v.reason[v.n_reasons - 1]);
    free(text);
    support_done(spec, &res);

    run_judged("slo/stream.json", "components[0].write_records_per_s=8\ntraffic[0].arrivals.rate_per_s=6", &spec,
               &res, &v, &text);
    double share = stream_growth_ci(&res, true, &hw);
    support_assert_below("slo", "stream at 6/s: throttled share", share, hw, 0.01);
    assert_not_saturated(&v, text, "a stream within its shard's limit");
    free(text);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_service_past_its_places_rate_limit_or_capacity_is_saturated)
{
    /* 4 places of a constant 100 ms serve 40 calls a second; 60 arrive (Poisson), each
     * willing to wait an hour. Each case has a healthy twin at 30 a second. */
    world_spec *spec;
    run_result res;
    slo_verdict v;
    char *text;
    double hw, m;

    /* The wait queue grows by (60 - 40) x 600 = 12,000 over the window: the trend's rise,
     * less the share sum(w^3) / T^3 its time line's bins miss (ten of 60 s: 1%). */
    run_judged("slo/service.json", "", &spec, &res, &v, &text);
    double bins = ceil(spec->duration_s / spec->interval_s), last = spec->duration_s - (bins - 1) * spec->interval_s;
    double missed = ((bins - 1) * pow(spec->interval_s, 3) + pow(last, 3)) / pow(spec->duration_s, 3);
    m = support_figure_ci(&res, "services.db.queue_growth", &hw);
    support_assert_within_ci("slo", "service: queue_growth", m, hw, (60.0 - 40.0) * 600 * (1 - missed));
    assert_saturated_by(&v, text, "service db's wait queue grows");
    assert_saturated_by(&v, text, "service db's 4 places 100% busy, calls waiting longer for one than they hold it");
    free(text);
    support_done(spec, &res);
    run_judged("slo/service.json", "traffic[0].arrivals.rate_per_s=30", &spec, &res, &v, &text);
    m = support_figure_ci(&res, "services.db.queue_growth", &hw);
    support_assert_below("slo", "service at 30/s: queue_growth", m, hw, 60 * 30);
    m = support_figure_ci(&res, "services.db.mean_concurrency", &hw);
    support_assert_within_ci("slo", "service at 30/s: places busy", m, hw, 30 * 0.1);
    assert_not_saturated(&v, text, "a service with places to spare");
    free(text);
    support_done(spec, &res);

    /* Calls give up after 2 s in the queue: the (60 - 40) x 600 = 12,000 the places cannot
     * take time out. */
    run_judged("slo/service.json", "components[0].queue_timeout_ms=2000", &spec, &res, &v, &text);
    m = support_figure_ci(&res, "services.db.queue_timeouts", &hw);
    support_assert_within_ci("slo", "service: queue_timeouts", m, hw, (60.0 - 40.0) * 600);
    assert_saturated_by(&v, text, "service db full: ");
    free(text);
    support_done(spec, &res);
    run_judged("slo/service.json", "components[0].queue_timeout_ms=2000\ntraffic[0].arrivals.rate_per_s=30", &spec,
               &res, &v, &text);
    m = support_ratio_ci(&res, "services.db.queue_timeouts", "services.db.attempts", &hw);
    support_assert_below("slo", "service at 30/s: queue timeouts' share", m, hw, 0.01);
    assert_not_saturated(&v, text, "a service whose calls find a place");
    free(text);
    support_done(spec, &res);

    /* No limit on places, a rate limit of 45 a second: (60 - 45) x 600 = 9,000 throttled. */
    static const char unlimited[] = "components[0].max_concurrency=0\n";
    char sets[256];
    snprintf(sets, sizeof sets, "%scomponents[0].rate_limit.per_s=45", unlimited);
    run_judged("slo/service.json", sets, &spec, &res, &v, &text);
    m = support_figure_ci(&res, "services.db.throttled", &hw);
    support_assert_within_ci("slo", "service: throttled", m, hw, (60.0 - 45.0) * 600);
    assert_saturated_by(&v, text, "service db over its rate limit of 45 calls a second");
    ck_assert_msg(v.n_reasons == 1, "%zu reasons: %s", v.n_reasons, v.reason[v.n_reasons - 1]);
    free(text);
    support_done(spec, &res);
    snprintf(sets, sizeof sets, "%scomponents[0].rate_limit.per_s=45\ntraffic[0].arrivals.rate_per_s=30", unlimited);
    run_judged("slo/service.json", sets, &spec, &res, &v, &text);
    m = support_ratio_ci(&res, "services.db.throttled", "services.db.attempts", &hw);
    support_assert_below("slo", "service at 30/s: throttled share", m, hw, 0.01);
    assert_not_saturated(&v, text, "a service within its rate limit");
    free(text);
    support_done(spec, &res);

    /* A processor of C = 50 calls a second shared by the calls in service, offered L = 60:
     * overloaded processor sharing spreads the work over ever more calls, so they grow
     * faster than L - C. In the fluid limit N(t) = k t, a call arriving at a is done when
     * the virtual time, growing by 1 / N, has grown by 1 / C: at a e^(k/C); so calls leave
     * at L e^(-k/C) and k = L (1 - e^(-k/C)) (about 19 a second). Over the window from 60 s
     * to 660 s they average 360 k, plus those leaving in the 100-ms latency after it. */
    snprintf(sets, sizeof sets, "%scomponents[0].capacity_per_s=50", unlimited);
    run_judged("slo/service.json", sets, &spec, &res, &v, &text);
    double k = 60;
    for (int i = 0; i < 1000; i++)
        k = 60 * (1 - exp(-k / 50));
    m = support_figure_ci(&res, "services.db.mean_concurrency", &hw);
    support_assert_within_ci("slo", "service: calls in service", m, hw, 360 * k + 60 * exp(-k / 50) * 0.1);
    assert_saturated_by(&v, text, "service db offered 1");
    ck_assert_msg(v.n_reasons == 1, "%zu reasons: %s", v.n_reasons, v.reason[v.n_reasons - 1]);
    free(text);
    support_done(spec, &res);
    snprintf(sets, sizeof sets, "%scomponents[0].capacity_per_s=50\ntraffic[0].arrivals.rate_per_s=30", unlimited);
    run_judged("slo/service.json", sets, &spec, &res, &v, &text);
    m = support_figure_ci(&res, "services.db.attempts", &hw);
    support_assert_below("slo", "service at 30/s: offered load", m / (50 * 600), hw / (50 * 600), 0.9);
    assert_not_saturated(&v, text, "a service within its capacity");
    free(text);
    support_done(spec, &res);
}
END_TEST

/* ---- saturation in a cost curve, and --slo ------------------------------------------------- */

/* The CSV row of variant at volume step s (rows: header, then per step function, fleet). */
static char *csv_row(char *csv, int s, int variant)
{
    char *line = csv;
    for (int k = 0; k < 1 + 2 * s + variant; k++) {
        line = strchr(line, '\n');
        ck_assert_ptr_nonnull(line);
        line++;
    }
    return line;
}

/* Field k of a CSV line without quotes (copied into buf). */
static const char *field(const char *line, int k, char *buf, size_t size)
{
    for (int i = 0; i < k; i++) {
        line = strchr(line, ',');
        ck_assert_ptr_nonnull(line);
        line++;
    }
    size_t n = strcspn(line, ",\n");
    snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), line);
    return buf;
}

START_TEST(a_saturated_fleet_that_would_be_cheapest_is_flagged_and_excluded_under_slo)
{
    /* Volumes 1e6, 1e7 and 1e8 requests a month: 0.38, 3.8 and 38 requests a second, so an
     * offered load of 0.038, 0.38 and 3.8 vCPU (100 ms of CPU each). The fleet may grow to
     * 2 vCPU: below 0.6 x 1 task it never wants a second, and at 3.8 vCPU it has no capacity
     * left — saturated there and only there. It bills at most 2 tasks ($92.5 a month) where
     * the function bills every request ($118 at 1e8): the cheapest by cost at 1e8. */
    char dir[256], args[1024], out[16384], buf[256];
    support_tempdir(dir, sizeof dir);
    static const double load_vcpu[3] = { 0.038, 0.38, 3.8 };
    for (int run = 0; run < 3; run++) {
        const char *slo = run == 0 ? "" : run == 1 ? " --slo 'p99<=1s' --slo 'failed<=0.1%'" : " --slo 'p99<=60s'";
        snprintf(args, sizeof args, "cost-curve " DIR "function.json " DIR "fleet.json --requests-per-month 1e6:1e8:3 "
                 "--no-plots --out '%s/cc%d'%s", dir, run, slo);
        int rc = slsim(out, sizeof out, args);
        ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
        char sub[16];
        snprintf(sub, sizeof sub, "cc%d", run);
        char *csv = result(dir, sub, "cost-curve.csv");
        for (int s = 0; s < 3; s++) {
            const char *fn = csv_row(csv, s, 0), *fleet = csv_row(csv, s, 1);
            ck_assert_str_eq(field(fn, 1, buf, sizeof buf), "function");
            ck_assert_str_eq(field(fn, 6, buf, sizeof buf), "no");
            ck_assert_str_eq(field(fleet, 1, buf, sizeof buf), "fleet");
            bool over = load_vcpu[s] > 2.0;
            ck_assert_msg(!strcmp(field(fleet, 6, buf, sizeof buf), over ? "yes" : "no"),
                          "step %d (%.3g vCPU offered to 2): saturated %s", s, load_vcpu[s], buf);
            if (over)
                ck_assert_ptr_nonnull(strstr(fleet, "fleet api at its max of 2 tasks"));
            if (s == 2) {
                double c_fn = strtod(field(fn, 2, buf, sizeof buf), NULL);
                double c_fleet = strtod(field(fleet, 2, buf, sizeof buf), NULL);
                ck_assert_msg(c_fleet < c_fn, "the fleet ($%g) should cost less than the function ($%g)", c_fleet,
                              c_fn);
                /* Its bill is 2 tasks whatever the load: 2 x 730 h of 1 vCPU and 2 GB, the load
                 * balancer's hours, and capacity units for 5 KB a request. */
                double fixed = support_round_cents(2 * 730 * FARGATE_VCPU_HOUR) +
                               support_round_cents(2 * 2 * 730 * FARGATE_GB_HOUR) + support_round_cents(730 * ALB_HOUR);
                ck_assert_msg(c_fleet <= fixed + support_round_cents(1e8 * 5e-6 * ALB_LCU_HOUR) + 0.02,
                              "fleet $%g a month, above 2 tasks' $%g", c_fleet, fixed);
            }
            /* The clauses: p99<=1s misses at 3.8 vCPU; p99<=60s is met everywhere. */
            const char *meets = field(fleet, 7, buf, sizeof buf);
            if (run == 0)
                ck_assert_str_eq(meets, "");
            else if (run == 1 && over)
                ck_assert_str_eq(meets, "no");
            else if (run == 2)
                ck_assert_str_eq(meets, "yes");
        }
        free(csv);
        /* The cheapest at 1e8: the fleet with its flag, or under --slo the function. */
        const char *last = strstr(out, "\n   100 million");
        ck_assert_msg(last != NULL, "%s", out);
        const char *eol = strchr(last + 1, '\n');
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(eol - last - 1), last + 1);
        const char *want = run == 0 ? "fleet (SATURATED)" : "function";
        ck_assert_msg(strlen(line) >= strlen(want) && !strcmp(line + strlen(line) - strlen(want), want),
                      "run %d: the 1e8 row ends \"%s\", expected \"%s\"", run, line, want);
        /* The break-even: the fleet becomes cheaper by cost without --slo; under --slo the
         * function stays the cheapest that may be named. */
        char *be = result(dir, sub, "break-even.csv");
        if (run == 0)
            ck_assert_msg(strstr(be, ",function,fleet,cost\n") != NULL, "%s", be);
        else
            ck_assert_str_eq(be, "requests_per_month,cheaper_below,cheaper_above,reason\n");
        free(be);
    }
    /* compare says the same: a 0/1 row in compare.csv, the reasons in study.json. */
    snprintf(args, sizeof args, "compare " DIR "function.json " DIR "fleet.json --set 'traffic[0].arrivals.rate_per_s=38' "
             "--slo 'p99<=60s' --no-plots --quiet --out '%s/cmp'", dir);
    int rc = slsim(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    char *csv = result(dir, "cmp", "compare.csv");
    ck_assert_ptr_nonnull(strstr(csv, "\nsaturated,function,0,0,nan,nan,nan,nan\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\nsaturated,fleet,1,0,1,0,nan,nan\n"));
    ck_assert_ptr_nonnull(strstr(csv, "\nmeets_slo,fleet,1,0,0,0,nan,nan\n"));
    free(csv);
    char *txt = result(dir, "cmp", "compare.txt");
    ck_assert_msg(strstr(txt, "cheapest that meets the service levels: function") != NULL, "%s", txt);
    free(txt);
    char *js = result(dir, "cmp", "study.json");
    cJSON *j = cJSON_Parse(js);
    ck_assert_ptr_nonnull(j);
    const cJSON *fleet = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "variants"), 1);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(fleet, "variant")->valuestring, "fleet");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fleet, "saturated")));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fleet, "meets_slo")));
    ck_assert_int_ge(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fleet, "saturation")), 1);
    cJSON_Delete(j);
    free(js);
    support_rmrf(dir);
}
END_TEST

/* ---- representative windows ------------------------------------------------------------------ */

START_TEST(a_cron_schedule_repeats_with_the_smallest_shift_of_its_fire_minutes)
{
    /* One schedule at a time (the others removed): the period window.c finds, by hand. */
    static const struct { const char *name; double period; } cases[] = {
        { "half-hourly", 1800 }, { "quarter", 900 }, { "nightly", 86400 }, { "six-hourly", 21600 }, { "rate", 5400 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[8192], err[1024];
        support_scenario(json, sizeof json, "slo/schedules.json");
        cJSON *root = cJSON_Parse(json);
        cJSON *comps = cJSON_GetObjectItemCaseSensitive(root, "components");
        for (int k = cJSON_GetArraySize(comps) - 1; k >= 1; k--) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(comps, k), "name");
            if (strcmp(name->valuestring, cases[i].name) != 0)
                cJSON_DeleteItemFromArray(comps, k);
        }
        char *text = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        world_spec *spec = support_load_text(text, err, sizeof err);
        free(text);
        ck_assert_msg(spec != NULL, "%s", err);
        window_period p;
        window_period_of(spec, &p);
        ck_assert_msg(p.period_s == cases[i].period, "%s: period %g s, expected %g", cases[i].name, p.period_s,
                      cases[i].period);
        ck_assert_int_eq(p.source, -1);
        ck_assert_ptr_nonnull(strstr(p.what, cases[i].name));
        world_spec_free(spec);
    }
}
END_TEST

/* summary.json's window object of the results folder dir/sub (the caller deletes root). */
static const cJSON *summary_window(const char *dir, const char *sub, cJSON **root)
{
    char *text = result(dir, sub, "summary.json");
    *root = cJSON_Parse(text);
    free(text);
    ck_assert_ptr_nonnull(*root);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(*root, "window");
    ck_assert_msg(cJSON_IsObject(w), "%s: summary.json has no window", sub);
    return w;
}

START_TEST(a_run_shorter_than_a_diurnal_day_says_so_and_a_full_day_does_not)
{
    char dir[256], args[1024], out[32768];
    support_tempdir(dir, sizeof dir);
    /* One hour from 00:10: the warning names the hours, the period and the way out — on
     * stderr before the run, on the report's first screen, in report.html and summary.json. */
    static const char warning[] = "the measured window is 1 h, 00:10 to 01:10 of the traffic's day (peak at 14:00), "
                                  "shorter than the traffic's period (source users: diurnal, 24 h)";
    snprintf(args, sizeof args, "run " DIR "diurnal.json --set traffic[0].arrivals.rate_per_s=1 --replications 1 "
             "--duration 3600 --no-plots --out '%s/hour'", dir);
    int rc = slsim(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    char want[512];
    snprintf(want, sizeof want, "slsim: warning: %s", warning);
    ck_assert_msg(strstr(out, want) && strstr(out, "to a 730-hour month") && strstr(out, "--duration 86400"), "%s",
                  out);
    /* The report wraps it: compare its words, not its line ends. */
    const char *first = strstr(out, "\n  SHORT WINDOW: the measured window is 1 h, 00:10 to 01:10");
    const char *requests = strstr(out, "Requests (per original request");
    ck_assert_msg(first && requests && first < requests, "not on the first screen: %s", out);
    char words[1024];
    size_t n = 0;
    for (const char *p = first + strlen("\n  SHORT WINDOW: "); p < requests && n + 1 < sizeof words; p++)
        if (!(*p == '\n' || (*p == ' ' && n && words[n - 1] == ' ')))
            words[n++] = *p;
        else if (n && words[n - 1] != ' ')
            words[n++] = ' ';
    words[n] = '\0';
    ck_assert_msg(strncmp(words, warning, strlen(warning)) == 0 && strstr(words, "Measure whole periods: --duration 86400"),
                  "%s", words);
    cJSON *root;
    const cJSON *win = summary_window(dir, "hour", &root);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(win, "representative")));
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(win, "period_s")->valuedouble, 86400);
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(win, "measured_s")->valuedouble, 3600);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(win, "period")->valuestring, "source users: diurnal, 24 h");
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(win, "note");
    ck_assert_msg(cJSON_IsString(note) && !strncmp(note->valuestring, warning, strlen(warning)), "note: %s",
                  cJSON_IsString(note) ? note->valuestring : "(none)");
    cJSON_Delete(root);
    char *html = result(dir, "hour", "report.html");
    ck_assert_msg(strstr(html, "<strong>Short window</strong>: the measured window is 1 h, 00:10 to 01:10"), "%.2000s",
                  html);
    free(html);
    /* A whole day: nothing to say, and summary.json says the window is representative. */
    snprintf(args, sizeof args, "run " DIR "diurnal.json --set traffic[0].arrivals.rate_per_s=1 --replications 1 "
             "--duration 86400 --no-plots --out '%s/day'", dir);
    rc = slsim(out, sizeof out, args);
    ck_assert_msg(rc == 0 && strstr(out, "Requests (per original request"), "exit %d: \"%s\"", rc, out);
    ck_assert_msg(!strstr(out, "warning") && !strstr(out, "SHORT WINDOW"), "%s", out);
    win = summary_window(dir, "day", &root);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(win, "representative")));
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(win, "measured_s")->valuedouble, 86400);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(win, "note")));
    cJSON_Delete(root);
    html = result(dir, "day", "report.html");
    ck_assert_msg(!strstr(html, "Short window"), "%.2000s", html);
    free(html);
    support_rmrf(dir);
}
END_TEST

/* The monthly requests line of the function in compare.csv: mean and half-width. */
static double requests_line(const char *dir, const char *sub, double *hw)
{
    char *csv = result(dir, sub, "compare.csv");
    const char *row = strstr(csv, "\ncost.by_line.lambda_requests,base,");
    ck_assert_msg(row != NULL, "%s", csv);
    double m;
    ck_assert_int_eq(sscanf(row, "\ncost.by_line.lambda_requests,base,%lf,%lf", &m, hw), 2);
    free(csv);
    return m;
}

START_TEST(a_study_measures_whole_days_of_diurnal_traffic_unless_told_otherwise)
{
    /* The scenario measures 00:10 to 01:10. Its monthly request line is the window's expected
     * arrivals (the sinusoid's integral) x 730 h / window x $0.20 per million: over a whole
     * day 20/s x 86,400 s, over the hour about 8.4/s. */
    char dir[256], args[1024], out[16384], err[1024];
    support_tempdir(dir, sizeof dir);
    char json[4096];
    support_scenario(json, sizeof json, "slo/diurnal.json");
    world_spec *spec = support_load_text(json, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    const source_spec *src = &spec->sources[0];
    double hour = traffic_expected_arrivals(src, 600, 4200) / 3600 * 730 * 3600 * LAMBDA_REQUEST;
    double day = traffic_expected_arrivals(src, 600, 87000) / 86400 * 730 * 3600 * LAMBDA_REQUEST;
    ck_assert_double_eq_tol(day, 20.0 * 730 * 3600 * LAMBDA_REQUEST, 1e-9);
    world_spec_free(spec);

    snprintf(args, sizeof args, "compare " DIR "diurnal.json --variant 'same:description=\"x\"' --no-plots --quiet "
             "--out '%s/day'", dir);
    int rc = slsim(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "slsim: compare: variant base measures 1 h, less than its traffic's period (source "
                              "users: diurnal, 24 h): the study measures one whole period, 24 h") != NULL, "%s", out);
    double hw, m = requests_line(dir, "day", &hw);
    support_assert_within_ci("slo", "whole day: lambda_requests", m, hw + 0.01, day);

    snprintf(args, sizeof args, "compare " DIR "diurnal.json --variant 'same:description=\"x\"' --duration 3600 "
             "--no-plots --quiet --out '%s/hour'", dir);
    rc = slsim(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "slsim: compare: warning: variant base: the measured window is 1 h, 00:10 to 01:10") != NULL,
                  "%s", out);
    m = requests_line(dir, "hour", &hw);
    support_assert_within_ci("slo", "one hour: lambda_requests", m, hw + 0.01, hour);
    ck_assert_msg(day - hour > 5 * (hw + 0.01), "the hour ($%g) and the day ($%g) should differ", hour, day);
    support_rmrf(dir);
}
END_TEST

Suite *slo_suite(void)
{
    Suite *s = suite_create("slo");
    TCase *tc = tcase_create("parse");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, slo_expressions_bind_to_figures_with_their_units);
    tcase_add_test(tc, bad_slo_expressions_are_one_line_and_exit_2);
    tcase_add_test(tc, a_clause_is_met_within_its_bound_and_uncertain_when_the_interval_reaches_across);
    tcase_add_test(tc, a_queue_that_cannot_keep_up_grows_by_the_rate_difference_and_is_saturated);
    tcase_add_test(tc, a_stream_whose_consumer_falls_behind_or_whose_shards_refuse_writes_is_saturated);
    tcase_add_test(tc, a_service_past_its_places_rate_limit_or_capacity_is_saturated);
    tcase_add_test(tc, a_cron_schedule_repeats_with_the_smallest_shift_of_its_fire_minutes);
    tcase_add_test(tc, a_run_shorter_than_a_diurnal_day_says_so_and_a_full_day_does_not);
    suite_add_tcase(s, tc);
    TCase *studies = tcase_create("studies");
    tcase_set_tags(studies, "slow");   /* left out of make test-fast: studies over several runs */
    tcase_set_timeout(studies, 600);
    tcase_add_test(studies, a_saturated_fleet_that_would_be_cheapest_is_flagged_and_excluded_under_slo);
    tcase_add_test(studies, a_study_measures_whole_days_of_diurnal_traffic_unless_told_otherwise);
    suite_add_tcase(s, studies);
    return s;
}
