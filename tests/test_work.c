/* test_work.c — units of work through pipelines (work.*): what each pipeline must carry to
 * its last stages, counted once and conserved in every replication, against figures the
 * components count on their own (uploads, deliveries, drops, dead letters) and closed
 * forms; and how the report, compare and cost-curve show it.
 *
 * The identity checked everywhere: events = processed + lost + in_flight, per replication,
 * exactly (world_run checks it too; here it is read back from the figures, so a writer that
 * dropped or renamed one would fail). The fixtures (tests/scenarios/work/) have no warm-up,
 * so every request and message counts and the components' own counts match exactly. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "tests/suites.h"
#include "tests/support.h"

#define FIXTURE(name) "tests/scenarios/work/" name ".json"

/* ---- helpers ------------------------------------------------------------------------- */

static double row(const run_result *res, uint32_t r, const char *name)
{
    return support_row_value(res, r, name);
}

/* events = processed + lost + in_flight, and lost = the sum of lost_by, in replication r. */
static void assert_conserved(const char *what, const run_result *res, uint32_t r)
{
    static const char *const how[] = { "failed", "throttled", "timed_out", "dropped", "dead_lettered",
                                       "expired" };
    double events = row(res, r, "work.events"), processed = row(res, r, "work.processed");
    double lost = row(res, r, "work.lost"), in_flight = row(res, r, "work.in_flight"), by = 0;
    for (size_t i = 0; i < sizeof how / sizeof how[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "work.lost_by.%s", how[i]);
        by += row(res, r, name);
    }
    ck_assert_msg(events == processed + lost + in_flight, "%s, replication %u: %g events, %g processed + "
                  "%g lost + %g in flight", what, r, events, processed, lost, in_flight);
    ck_assert_msg(lost == by, "%s, replication %u: %g lost, %g by outcome", what, r, lost, by);
}

/* Runs a fixture (duration_s <= 0: its own) on one thread. */
static void run_fixture(const char *file, double duration_s, const char *const *sets, size_t n_sets,
                        world_spec **spec, run_result *res)
{
    support_run_file(file, 0, duration_s, sets, n_sets, spec, res);
    ck_assert_msg((*spec)->pipelines, "%s has no pipelines", file);
}

/* Runs `slsim ARGS` into out (its output); asserts exit status 0. */
static void slsim_ok(char *out, size_t size, const char *args)
{
    int rc = support_sh(out, size, "'%s' %s", support_binary(), args);
    ck_assert_msg(rc == 0, "slsim %s: exit %d\n%s", args, rc, out);
}

/* Runs `slsim run FILE OPTIONS --out DIR/SUB` into out (its output); asserts exit status 0
 * and returns the run's summary.json, parsed (the caller deletes it). */
static cJSON *slsim_run(char *out, size_t size, const char *dir, const char *sub, const char *file,
                        const char *options)
{
    char args[1024], path[512];
    snprintf(args, sizeof args, "run %s %s --out '%s/%s'", file, options, dir, sub);
    slsim_ok(out, size, args);
    snprintf(path, sizeof path, "%s/%s/summary.json", dir, sub);
    char *text = support_read_file(path);
    cJSON *summary = text ? cJSON_Parse(text) : NULL;
    free(text);
    ck_assert_msg(summary != NULL, "%s: no summary", path);
    return summary;
}

/* Where needle starts in text, as a line number from 1 (0: not there). */
static int line_of(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    if (!at)
        return 0;
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* ---- the accounting -------------------------------------------------------------------- */

/* A bucket notifies a function whose reserved concurrency is 0: every invocation is
 * throttled, and every event expires at its maximum age (60 s) or is still being retried at
 * the end. The uploads all "complete"; not one unit of work is processed. */
START_TEST(a_function_with_no_concurrency_loses_every_event)
{
    world_spec *spec;
    run_result res;
    run_fixture(FIXTURE("a-function-with-no-concurrency-loses-every-event"), 0, NULL, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double arrived = row(&res, r, "requests.arrived"), events = row(&res, r, "work.events");
        assert_conserved("no concurrency", &res, r);
        ck_assert_double_eq(row(&res, r, "requests.completed"), arrived);
        ck_assert_double_eq(events, arrived);
        ck_assert_double_eq(events, row(&res, r, "buckets.photos.events"));
        ck_assert_double_eq(row(&res, r, "work.processed"), 0);
        ck_assert_double_eq(row(&res, r, "work.lost_by.expired"), row(&res, r, "work.lost"));
        ck_assert_double_eq(row(&res, r, "work.lost"), row(&res, r, "functions.thumbs.async_expired"));
        /* Only the last minute's events can still be retrying: about 4.7 x 60 of ~4,200. */
        ck_assert_msg(row(&res, r, "work.in_flight") < 0.12 * events, "%g of %g in flight",
                      row(&res, r, "work.in_flight"), events);
    }
    ck_assert(isnan(run_value(&res, "work.latency_ms_p50", NULL)));
    support_done(spec, &res);
}
END_TEST

/* An event is dropped when its one call fails (error_rate p, no retry of the call, no retry
 * of the event): the share of ended units that are lost is p, within the CI. */
START_TEST(a_failing_call_loses_its_share_of_the_work)
{
    const double p = 0.237;
    world_spec *spec;
    run_result res;
    run_fixture(FIXTURE("a-failing-call-loses-its-share-of-the-work"), 0, NULL, 0, &spec, &res);
    double share[64];
    ck_assert_uint_le(spec->replications, 64);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved("failing call", &res, r);
        double lost = row(&res, r, "work.lost"), processed = row(&res, r, "work.processed");
        ck_assert_double_eq(row(&res, r, "work.events"), row(&res, r, "requests.arrived"));
        ck_assert_double_eq(lost, row(&res, r, "work.lost_by.dropped"));
        ck_assert_double_eq(lost, row(&res, r, "functions.thumbs.async_dropped"));
        ck_assert_double_eq(row(&res, r, "requests.dropped"), 0);   /* the uploads are fine */
        share[r] = lost / (lost + processed);
    }
    double hw, mean = support_mean_ci(share, spec->replications, &hw);
    support_assert_within_ci("work", "lost share = error_rate", mean, hw, p);
    /* Processed work: the function's 80 ms and the service's 35 ms. */
    ck_assert_double_eq_tol(run_value(&res, "work.latency_ms_p50", NULL), 115, 2);
    support_done(spec, &res);
}
END_TEST

/* Work that a synchronous callee, or a workflow's task, sends on is followed: the holder's
 * unit (the API request, the execution) ends passed on when its call or task succeeds, the
 * message carries it, and a sink that drops a share p of its events loses that share of the
 * work. Before, the holder ended "processed" and the sink's drops were never counted. */
START_TEST(work_sent_by_a_synchronous_callee_or_a_task_is_followed)
{
    static const char *const file[] = { FIXTURE("work-sent-by-a-synchronous-callee-is-followed"),
                                        FIXTURE("work-sent-by-a-workflow-task-is-followed") };
    const double p = 0.181;
    for (int i = 0; i < 2; i++) {
        world_spec *spec;
        run_result res;
        run_fixture(file[i], 0, NULL, 0, &spec, &res);
        double share[64];
        ck_assert_uint_le(spec->replications, 64);
        for (uint32_t r = 0; r < spec->replications; r++) {
            assert_conserved(file[i], &res, r);
            double sent = row(&res, r, "functions.writer.messages_sent");
            double lost = row(&res, r, "work.lost"), processed = row(&res, r, "work.processed");
            ck_assert_msg(sent > 0, "%s: the writer sent nothing", file[i]);
            /* One unit per message: the holders' units were passed on, but for those still
             * waiting on their call when the window closed (in flight). */
            double events = row(&res, r, "work.events");
            ck_assert_msg(events >= sent && events - sent <= row(&res, r, "work.in_flight"),
                          "%s: %g events for %g messages", file[i], events, sent);
            ck_assert_double_eq(lost, row(&res, r, "work.lost_by.dropped"));
            ck_assert_double_eq(lost, row(&res, r, "functions.sink.async_dropped"));
            share[r] = lost / (lost + processed);
        }
        double hw, mean = support_mean_ci(share, spec->replications, &hw);
        support_assert_within_ci("work", i ? "lost share behind a workflow task" : "lost share behind a synchronous callee",
                                 mean, hw, p);
        support_done(spec, &res);
    }
}
END_TEST

/* A topic with k = 3 subscribers behind a bucket: 3 units of work per upload, exactly,
 * and the copies in the queue no one reads stay in flight. */
START_TEST(a_topic_with_k_subscribers_makes_k_units_per_upload)
{
    world_spec *spec;
    run_result res;
    run_fixture(FIXTURE("a-topic-copies-each-upload-to-every-subscriber"), 0, NULL, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved("fan-out", &res, r);
        double uploads = row(&res, r, "buckets.photos.uploads");
        ck_assert_double_eq(uploads, row(&res, r, "requests.arrived"));
        ck_assert_double_eq(row(&res, r, "work.events"), 3 * uploads);
        ck_assert_double_eq(row(&res, r, "work.events"), row(&res, r, "topics.events.deliveries"));
        ck_assert_double_eq(row(&res, r, "work.lost"), 0);
        ck_assert_double_eq(row(&res, r, "queues.archive.sent"), uploads);
        ck_assert(row(&res, r, "work.in_flight") >= uploads);
    }
    support_done(spec, &res);
}
END_TEST

/* An API function sends 2 messages per request to a queue, whose worker (one message a
 * batch) sends each on to an archiver: 2 units per request, carried through the batch and
 * the call step to the archiver. The client waits for the API only; the work runs to the
 * archiver: 30 + 200 + 50 ms at least. */
START_TEST(work_passes_through_a_call_step_and_a_queue)
{
    world_spec *spec;
    run_result res;
    run_fixture(FIXTURE("work-passes-through-a-call-step-and-a-queue"), 0, NULL, 0, &spec, &res);
    ck_assert(!spec->all_async);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved("call step", &res, r);
        ck_assert_double_eq(row(&res, r, "work.events"), 2 * row(&res, r, "requests.arrived"));
        ck_assert_double_eq(row(&res, r, "work.lost"), 0);
        ck_assert_double_eq(row(&res, r, "functions.api.messages_sent"), row(&res, r, "work.events"));
    }
    ck_assert_double_ge(run_value(&res, "work.latency_ms_p50", NULL), 280);
    ck_assert_double_lt(run_value(&res, "latency_ms.p50", NULL), 100);
    support_done(spec, &res);
}
END_TEST

/* A batch carries the work of every message it holds: with batches of up to 10, what the
 * worker sends on is fewer messages than it received, and the units follow the messages. */
START_TEST(a_batch_passes_its_messages_work_on_to_what_it_sends)
{
    const char *sets[] = { "components.jobs.consumer.batch_size=10",
                           "components.jobs.consumer.batch_window_s=2" };
    world_spec *spec;
    run_result res;
    run_fixture(FIXTURE("work-passes-through-a-call-step-and-a-queue"), 0, sets, 2, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved("batches", &res, r);
        /* Units made: each request, its 2 messages, and the worker's one message per
         * batch; passed on: each completed request (it sent its 2) and each message a
         * successful batch deleted (the batch sent its one on). */
        double made = row(&res, r, "requests.arrived") + row(&res, r, "functions.api.messages_sent") +
                      row(&res, r, "functions.worker.messages_sent");
        double passed = row(&res, r, "requests.completed") + row(&res, r, "queues.jobs.deleted");
        ck_assert_double_eq(row(&res, r, "work.events"), made - passed);
        ck_assert_double_lt(row(&res, r, "work.events"), row(&res, r, "functions.api.messages_sent"));
    }
    support_done(spec, &res);
}
END_TEST

/* A message dead-lettered after its receives is lost work, though a second consumer reads
 * the dead-letter queue: that is recovery, not the pipeline's last stage. */
START_TEST(dead_lettered_work_is_lost_even_when_the_dead_letter_queue_is_read)
{
    world_spec *spec;
    run_result res;
    run_fixture(FIXTURE("dead-lettered-work-is-lost-even-when-the-dead-letter-queue-is-read"), 0, NULL, 0,
                &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved("dead letters", &res, r);
        ck_assert_double_eq(row(&res, r, "work.processed"), 0);
        ck_assert_double_eq(row(&res, r, "work.lost"), row(&res, r, "work.lost_by.dead_lettered"));
        ck_assert_double_eq(row(&res, r, "work.lost"), row(&res, r, "queues.q.dead_lettered"));
        ck_assert_double_eq(row(&res, r, "work.lost"), row(&res, r, "requests.dead_lettered"));
        ck_assert(row(&res, r, "queues.dlq.deleted") > 0);
    }
    support_done(spec, &res);
}
END_TEST

/* Orders dead-lettered during an outage are lost until a redrive moves them back after it:
 * then the handler processes them and none is lost, though requests.dead_lettered still
 * counts them leaving the main queue. A redrive during the outage moves them back only to
 * fail again: lost for good, each once. */
START_TEST(a_redrive_takes_dead_lettered_work_back)
{
    world_spec *spec;
    run_result res;
    run_fixture(FIXTURE("a-redrive-takes-dead-lettered-work-back"), 0, NULL, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved("redrive", &res, r);
        double dead = row(&res, r, "requests.dead_lettered");
        ck_assert(dead > 0);
        ck_assert_double_eq(row(&res, r, "queues.orders-dlq.redriven"), dead);
        ck_assert_double_eq(row(&res, r, "work.lost"), 0);
        ck_assert_double_eq(row(&res, r, "work.processed") + row(&res, r, "work.in_flight"),
                            row(&res, r, "work.events"));
    }
    /* The redriven orders waited from the outage to the redrive: minutes, not 35 ms. */
    ck_assert_double_gt(run_value(&res, "work.latency_ms_p99", NULL), 100000);
    support_done(spec, &res);

    const char *early[] = { "components.orders-dlq.redrive.at_s=150" };
    run_fixture(FIXTURE("a-redrive-takes-dead-lettered-work-back"), 0, early, 1, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved("early redrive", &res, r);
        double lost = row(&res, r, "work.lost");
        ck_assert(lost > 0);
        ck_assert_double_eq(lost, row(&res, r, "work.lost_by.dead_lettered"));
        /* Each lost unit counted once, however often it was dead-lettered: the ones still in
         * the dead-letter queue at the end. */
        ck_assert_double_eq(lost, row(&res, r, "queues.orders.dead_lettered") -
                                  row(&res, r, "queues.orders-dlq.redriven"));
    }
    support_done(spec, &res);
}
END_TEST

/* A scenario with nothing handed over asynchronously has no work figures: its summary.json
 * is what it was before work was counted. */
START_TEST(a_synchronous_scenario_reports_no_work)
{
    world_spec *spec;
    run_result res;
    support_run_file("scenarios/reference/api-backend.json", 2, 300, NULL, 0, &spec, &res);
    ck_assert(!spec->pipelines);
    ck_assert(isnan(run_value(&res, "work.events", NULL)));
    cJSON *summary = report_summary(&res);
    ck_assert_ptr_nonnull(summary);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(summary, "work"));
    cJSON_Delete(summary);
    support_done(spec, &res);
}
END_TEST

/* ---- what people see ----------------------------------------------------------------------- */

/* A scenario that loses work says so before anything else, and says how; one that loses
 * none shows its work first all the same, without the warning. */
START_TEST(a_lossy_pipeline_says_so_on_its_first_screen)
{
    char dir[256], out[65536];
    support_tempdir(dir, sizeof dir);
    cJSON_Delete(slsim_run(out, sizeof out, dir, "a", FIXTURE("a-function-with-no-concurrency-loses-every-event"),
                           "--duration 300 --replications 2 --no-plots"));
    int lost = line_of(out, "LOST WORK:"), work = line_of(out, "\nWork ("), req = line_of(out, "\nRequests (");
    ck_assert_msg(lost > 0 && lost <= 6, "LOST WORK on line %d:\n%.2000s", lost, out);
    ck_assert_msg(lost < work && work < req, "LOST WORK %d, Work %d, Requests %d", lost, work, req);
    ck_assert_msg(strstr(out, "expired") && strstr(out, "% of events"), "%.2000s", out);

    cJSON_Delete(slsim_run(out, sizeof out, dir, "b", FIXTURE("work-passes-through-a-call-step-and-a-queue"),
                           "--duration 300 --replications 2 --no-plots"));
    ck_assert_msg(!strstr(out, "LOST WORK"), "%.2000s", out);
    work = line_of(out, "\nWork (");
    req = line_of(out, "\nRequests (");
    ck_assert_msg(work > 0 && work < req, "Work %d, Requests %d", work, req);
    support_rmrf(dir);
}
END_TEST

/* A small ratio keeps 3 significant figures in the text report and its half-width 2 (a
 * cold-start ratio of 0.00133 is not "0.0013 ± 0.0000"), against summary.json's values. */
START_TEST(small_ratios_print_in_significant_figures)
{
    char dir[256], out[65536];
    support_tempdir(dir, sizeof dir);
    cJSON *summary = slsim_run(out, sizeof out, dir, "r", FIXTURE("work-passes-through-a-call-step-and-a-queue"),
                               "--replications 3 --no-plots");
    const cJSON *fns = cJSON_GetObjectItemCaseSensitive(summary, "functions");
    const cJSON *cis = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(summary, "ci95"),
                                                        "functions");
    int small = 0;
    for (const cJSON *f = fns->child; f; f = f->next) {
        double v = cJSON_GetObjectItemCaseSensitive(f, "cold_start_ratio")->valuedouble;
        double ci = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cis, f->string),
                                                     "cold_start_ratio")->valuedouble;
        char head[128];
        snprintf(head, sizeof head, "\nfunction %s\n", f->string);
        const char *at = strstr(out, head);
        ck_assert_msg(at != NULL, "no section %s", f->string);
        at = strstr(at, "cold_start_ratio");
        ck_assert_ptr_nonnull(at);
        double shown, shown_ci;
        ck_assert_int_eq(sscanf(at, "cold_start_ratio %lf ± %lf", &shown, &shown_ci), 2);
        ck_assert_msg(fabs(shown - v) <= 0.005 * v, "%s: %g shown as %g", f->string, v, shown);
        if (ci > 0)
            ck_assert_msg(fabs(shown_ci - ci) <= 0.05 * ci, "%s: ± %g shown as %g", f->string, ci, shown_ci);
        small += v > 0 && v < 0.01;
    }
    ck_assert_msg(small > 0, "no cold-start ratio below 0.01 to check");
    ck_assert_msg(!strstr(out, "± 0.0000\n"), "a half-width printed as 0.0000:\n%.3000s", out);
    cJSON_Delete(summary);
    support_rmrf(dir);
}
END_TEST

/* report.html has a pipelines section; when every request is handed over asynchronously
 * the latency plot draws the processed work (when gnuplot is installed). */
START_TEST(the_report_page_has_pipelines_and_plots_the_work_when_all_is_asynchronous)
{
    char dir[256], out[65536], path[512];
    support_tempdir(dir, sizeof dir);
    cJSON *summary = slsim_run(out, sizeof out, dir, "p", FIXTURE("a-failing-call-loses-its-share-of-the-work"),
                               "--duration 300 --replications 2");
    snprintf(path, sizeof path, "%s/p/report.html", dir);
    char *html = support_read_file(path);
    ck_assert_ptr_nonnull(html);
    ck_assert(strstr(html, "<h2>Pipelines</h2>") && strstr(html, "Lost work"));
    ck_assert_msg(strstr(html, "<h2>Pipelines</h2>") < strstr(html, "<h2>Requests</h2>"), "pipelines first");
    const cJSON *work = cJSON_GetObjectItemCaseSensitive(summary, "work");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(work, "every_request_asynchronous")));
    snprintf(path, sizeof path, "%s/p/plot-latency.svg", dir);
    char *svg = support_read_file(path);
    if (svg) {
        ck_assert_msg(strstr(svg, "processed units of work") != NULL, "the latency plot draws requests");
        /* Its marks come from a summary.json written before the plots (they were at 1 ms). */
        ck_assert_msg(strstr(svg, "p50 11") && !strstr(svg, "p50 1 ms"), "the p50 mark is not the work's 115 ms");
    }
    /* ... which the last one replaces, listing itself last. */
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(summary, "files");
    const cJSON *last = cJSON_GetArrayItem(files, cJSON_GetArraySize(files) - 1);
    ck_assert_msg(cJSON_IsString(last) && !strcmp(last->valuestring, "summary.json"), "summary.json not last");
    snprintf(path, sizeof path, "%s/p/work-latency.csv", dir);
    char *csv = support_read_file(path);
    ck_assert_msg(csv && !strncmp(csv, "upper_ms,count,cumulative_fraction\n", 35), "work-latency.csv");
    free(csv);
    free(svg);
    cJSON_Delete(summary);
    free(html);

    cJSON_Delete(slsim_run(out, sizeof out, dir, "s", "scenarios/reference/api-backend.json",
                           "--duration 300 --replications 2 --no-plots"));
    snprintf(path, sizeof path, "%s/s/report.html", dir);
    html = support_read_file(path);
    ck_assert(html && !strstr(html, "<h2>Pipelines</h2>"));
    free(html);
    support_rmrf(dir);
}
END_TEST

/* compare puts the work beside the requests: the lost share of a failing call against a
 * fixed one is the error rate against 0; cost-curve adds the work's columns. */
START_TEST(compare_and_cost_curve_show_the_work)
{
    char dir[256], out[65536], args[1024], path[512];
    support_tempdir(dir, sizeof dir);
    snprintf(args, sizeof args, "compare %s --variant fixed:components.resize.error_rate=0 "
             "--duration 600 --replications 4 --no-plots --out '%s/c'",
             FIXTURE("a-failing-call-loses-its-share-of-the-work"), dir);
    slsim_ok(out, sizeof out, args);
    ck_assert_msg(strstr(out, "work lost share") && strstr(out, "work latency p99 (ms)"), "%.3000s", out);
    snprintf(path, sizeof path, "%s/c/compare.csv", dir);
    char *csv = support_read_file(path);
    ck_assert_ptr_nonnull(csv);
    double base = NAN, fixed = NAN, ci = NAN;
    for (char *line = strtok(csv, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "work.lost_share,base,", 21))
            sscanf(line + 21, "%lf,%lf", &base, &ci);
        else if (!strncmp(line, "work.lost_share,fixed,", 22))
            sscanf(line + 22, "%lf", &fixed);
    }
    support_assert_within_ci("work", "compare: lost share = error_rate", base, ci, 0.237);
    ck_assert_double_eq(fixed, 0);
    free(csv);

    snprintf(args, sizeof args, "cost-curve %s --requests-per-month 1e6:1e7:2 --duration 300 "
             "--replications 2 --no-plots --out '%s/cc'", FIXTURE("a-failing-call-loses-its-share-of-the-work"), dir);
    slsim_ok(out, sizeof out, args);
    snprintf(path, sizeof path, "%s/cc/cost-curve.csv", dir);
    csv = support_read_file(path);
    ck_assert_msg(csv && strstr(csv, ",work_processed_share,work_lost_share,work_p99_ms,saturated,"), "%.300s", csv);
    ck_assert_msg(strstr(out, " lost "), "%.2000s", out);
    free(csv);
    support_rmrf(dir);
}
END_TEST

/* The library's lost-work anti-pattern (issue 17's example): every upload completes, while
 * about 30% of the thumbnails are dropped and the ones made on a retry take minutes; with
 * the API's limit above the upload rate (its description's --set), none is lost. */
START_TEST(the_lost_work_anti_pattern_teaches_its_lesson)
{
    const char *file = "scenarios/anti-patterns/event-pipeline-lost-work.json";
    world_spec *spec;
    run_result res;
    support_run_file(file, 0, 0, NULL, 0, &spec, &res);
    double share[64];
    ck_assert_uint_le(spec->replications, 64);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved(file, &res, r);
        ck_assert_double_eq(row(&res, r, "requests.completed"), row(&res, r, "requests.arrived"));
        ck_assert_double_eq(row(&res, r, "work.lost"), row(&res, r, "work.lost_by.dropped"));
        share[r] = row(&res, r, "work.lost") / row(&res, r, "work.events");
    }
    double hw, mean = support_mean_ci(share, spec->replications, &hw);
    support_assert_above("work", "anti-pattern: lost share", mean, hw, 0.25);
    support_assert_below("work", "anti-pattern: lost share", mean, hw, 0.35);
    ck_assert_double_gt(run_value(&res, "work.latency_ms_p99", NULL), 120000);
    ck_assert_double_eq(run_value(&res, "latency_ms.p99", NULL), 0);
    support_done(spec, &res);

    const char *fixed[] = { "components.image-api.rate_limit.per_s=30" };
    support_run_file(file, 0, 0, fixed, 1, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        assert_conserved(file, &res, r);
        ck_assert_double_eq(row(&res, r, "work.lost"), 0);
    }
    ck_assert_double_lt(run_value(&res, "work.latency_ms_p99", NULL), 5000);
    support_done(spec, &res);
}
END_TEST

/* Every library scenario with pipelines conserves its work in every replication. */
START_TEST(every_library_pipeline_conserves_its_work)
{
    static const char *const folders[] = { "reference", "case-studies", "patterns", "anti-patterns",
                                           "optimisations", "fit", "operations", "platforms", "exercises", "bench" };
    int checked = 0;
    for (size_t k = 0; k < sizeof folders / sizeof folders[0]; k++) {
        char dir[256];
        snprintf(dir, sizeof dir, "scenarios/%s", folders[k]);
        DIR *d = opendir(dir);
        ck_assert_msg(d != NULL, "no folder %s", dir);
        for (struct dirent *e; (e = readdir(d));) {
            size_t n = strlen(e->d_name);
            char file[600];
            if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
                continue;
            snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
            world_spec *spec;
            run_result res;
            support_run_file(file, 2, 600, NULL, 0, &spec, &res);
            for (uint32_t r = 0; spec->pipelines && r < spec->replications; r++)
                assert_conserved(file, &res, r);
            checked += spec->pipelines;
            support_done(spec, &res);
        }
        closedir(d);
    }
    ck_assert_msg(checked >= 20, "only %d library scenarios with pipelines", checked);
}
END_TEST

Suite *work_suite(void)
{
    Suite *s = suite_create("work");
    TCase *tc = tcase_create("units of work");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_function_with_no_concurrency_loses_every_event);
    tcase_add_test(tc, a_failing_call_loses_its_share_of_the_work);
    tcase_add_test(tc, work_sent_by_a_synchronous_callee_or_a_task_is_followed);
    tcase_add_test(tc, a_topic_with_k_subscribers_makes_k_units_per_upload);
    tcase_add_test(tc, work_passes_through_a_call_step_and_a_queue);
    tcase_add_test(tc, a_batch_passes_its_messages_work_on_to_what_it_sends);
    tcase_add_test(tc, dead_lettered_work_is_lost_even_when_the_dead_letter_queue_is_read);
    tcase_add_test(tc, a_redrive_takes_dead_lettered_work_back);
    tcase_add_test(tc, a_synchronous_scenario_reports_no_work);
    tcase_add_test(tc, a_lossy_pipeline_says_so_on_its_first_screen);
    tcase_add_test(tc, small_ratios_print_in_significant_figures);
    tcase_add_test(tc, the_report_page_has_pipelines_and_plots_the_work_when_all_is_asynchronous);
    suite_add_tcase(s, tc);
    TCase *slow = tcase_create("studies and the library");
    tcase_set_timeout(slow, 600);
    tcase_add_test(slow, compare_and_cost_curve_show_the_work);
    tcase_add_test(slow, the_lost_work_anti_pattern_teaches_its_lesson);
    tcase_add_test(slow, every_library_pipeline_conserves_its_work);
    tcase_set_tags(slow, "slow");   /* left out of make test-fast */
    suite_add_tcase(s, slow);
    return s;
}
