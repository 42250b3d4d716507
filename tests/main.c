/* main.c — runs every check suite. `make test` runs this binary.
 * SLSIM_QUICK=1 (set by make check-asan) shrinks the long validation runs.
 *
 * Each suite runs on its own runner, so the full tier shows its progress: a line as a suite
 * starts ("[ 3/28] cfg ...") ends with its checks and time when it is done; a suite with
 * failures then prints check's own report of them (file:line:F:case:test: message), and the
 * last line is check's summary over every suite. CK_RUN_SUITE, CK_EXCLUDE_TAGS, CK_FORK and
 * the rest of check's environment apply as usual; CK_VERBOSITY set hands the printing back
 * to check.
 *
 * SLSIM_TEST_JOBS suites run at once (default: the processors online, at most 4), each in a
 * child process whose report goes to a temporary file and is printed whole when it ends, so
 * the lines never interleave; they come in the order the suites end, the longest started
 * first (the cost column below). SLSIM_TEST_JOBS=1, CK_VERBOSITY or a single suite run them
 * one after the other in this process, as before. A child that dies (a crash under
 * CK_FORK=no, as in make check-asan) counts as an error of its suite. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/suites.h"

/* The suites in the order they run one at a time; each name is the one its suite_create
 * gives (the progress lines and CK_RUN_SUITE's selection use it). */
static const struct {
    const char *name;
    Suite *(*make)(void);
} suites[] = {
    { "kernel", kernel_suite },
    { "fit", fit_suite },
    { "blocks", blocks_suite },
    { "cfg", cfg_suite },
    { "model", model_suite },
    { "gateway", gateway_suite },
    { "billing", billing_suite },
    { "queue", queue_suite },
    { "work", work_suite },
    { "resilience", resilience_suite },
    { "workflow", workflow_suite },
    { "workflow-executions", workflow_executions_suite },
    { "safety", safety_suite },
    { "study", study_suite },
    { "slo", slo_suite },
    { "fleet", fleet_suite },
    { "cloudrun", cloudrun_suite },
    { "azure", azure_suite },
    { "trace", trace_suite },
    { "partition", partition_suite },
    { "precision", precision_suite },
    { "lambda_logs", lambda_logs_suite },
    { "calibrate", calibrate_suite },
    { "library", library_suite },
    { "validation", validation_suite },
    { "cli", cli_suite },
    { "cli-usage", cli_usage_suite },
    { "results", results_suite },
    { "plots", plots_suite },
    { "graph", graph_suite },
    { "fuzz-regressions", fuzz_regressions_suite },
    { "inputs", inputs_suite },
    { "exercises-a", exercises_a_suite },
    { "exercises-b", exercises_b_suite },
    { "exercises-c", exercises_c_suite },
    { "docs", docs_suite },
    { "platform-flows", platform_flows_suite },
    { "platform-data", platform_data_suite },
    { "platform-events", platform_events_suite },
    { "platform-queues", platform_queues_suite },
    { "shared-calls", shared_calls_suite },
    { "hot-shards", hot_shards_suite },
    { "data-tier", data_tier_suite },
    { "observability", observability_suite },
    { "idempotency", idempotency_suite },
    { "tenant-cost", tenant_cost_suite },
    { "network", network_suite },
    { "authorizer", authorizer_suite },
    { "edge", edge_suite },
};
enum { N_SUITES = sizeof suites / sizeof *suites };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct outcome {
    int run, failed, errors;
} outcome;

/* Runs suite i, printing " N checks, T s" (and check's report of any failure) to stdout. */
static outcome run_suite(int i, enum print_output mode)
{
    double t0 = now_s();
    SRunner *sr = srunner_create(suites[i].make());
    srunner_run_all(sr, mode);
    int n = srunner_ntests_run(sr), bad = srunner_ntests_failed(sr), errs = 0;
    TestResult **results = srunner_failures(sr);
    for (int f = 0; f < bad; f++)
        errs += tr_rtype(results[f]) == CK_ERROR;
    free(results);
    printf(" %d check%s, %.1f s%s\n", n, n == 1 ? "" : "s", now_s() - t0, bad ? ", FAILED:" : "");
    if (bad && mode == CK_SILENT)
        srunner_print(sr, CK_NORMAL);
    fflush(stdout);
    srunner_free(sr);
    return (outcome){ n, bad - errs, errs };
}

/* The seconds a suite took in the full tier (2026-12-07, one at a time), to start the long
 * ones first when suites run at once; a suite not named here counts 1. */
static double cost_of(const char *name)
{
    static const struct {
        const char *name;
        double      s;
    } costs[] = {
        { "cli", 47 }, { "exercises-b", 31 }, { "results", 27 }, { "work", 20 }, { "exercises-a", 19 },
        { "precision", 18 },
        { "library", 14 }, { "data-tier", 13 }, { "tenant-cost", 7 }, { "exercises-c", 7 }, { "slo", 5 },
        { "study", 5 }, { "hot-shards", 4 }, { "partition", 4 }, { "validation", 3 }, { "cli-usage", 3 },
    };
    for (size_t k = 0; k < sizeof costs / sizeof *costs; k++)
        if (!strcmp(costs[k].name, name))
            return costs[k].s;
    return 1;
}

typedef struct child {
    pid_t pid;
    int   suite;
    FILE *out;      /* the child's stdout, a temporary file */
} child;

/* Waits for one child of kids[0..n-1], prints its report after "[k/selected] name ...",
 * adds its outcome to total and removes it from kids. Returns the new n. */
static int reap(child *kids, int n, int *k, int selected, outcome *total)
{
    int status;
    pid_t pid = wait(&status);
    int c = 0;
    while (c < n && kids[c].pid != pid)
        c++;
    if (c == n)
        return n;
    printf("[%2d/%d] %s ...", ++*k, selected, suites[kids[c].suite].name);
    rewind(kids[c].out);
    char line[4096];
    outcome o = { 0, 0, 0 };
    int counted = 0;
    while (fgets(line, sizeof line, kids[c].out)) {
        if (sscanf(line, "\x01%d %d %d", &o.run, &o.failed, &o.errors) == 3)
            counted = 1;
        else
            fputs(line, stdout);
    }
    if (!counted || !WIFEXITED(status)) {
        printf(" ended before its report (%s %d), FAILED\n", WIFSIGNALED(status) ? "signal" : "exit status",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        o.errors++;
    }
    fflush(stdout);
    fclose(kids[c].out);
    total->run += o.run;
    total->failed += o.failed;
    total->errors += o.errors;
    kids[c] = kids[n - 1];
    return n - 1;
}

/* The number of suites to run at once. */
static int jobs_wanted(int selected, const char *verbosity)
{
    if (selected < 2 || (verbosity && *verbosity))
        return 1;
    const char *env = getenv("SLSIM_TEST_JOBS");
    long j = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (!env || !*env)
        j = j > 4 ? 4 : j;
    return j < 1 ? 1 : j > 64 ? 64 : (int)j;
}

int main(void)
{
    const char *only = getenv("CK_RUN_SUITE");
    const char *verbosity = getenv("CK_VERBOSITY");
    enum print_output mode = verbosity && *verbosity ? CK_ENV : CK_SILENT;
    int order[N_SUITES], selected = 0;
    for (int i = 0; i < N_SUITES; i++)
        if (!only || !*only || !strcmp(only, suites[i].name))
            order[selected++] = i;
    int jobs = jobs_wanted(selected, verbosity);
    outcome total = { 0, 0, 0 };
    int k = 0;
    double start = now_s();
    if (jobs == 1) {
        for (int s = 0; s < selected; s++) {
            printf("[%2d/%d] %s ...", ++k, selected, suites[order[s]].name);
            fflush(stdout);
            outcome o = run_suite(order[s], mode);
            total.run += o.run;
            total.failed += o.failed;
            total.errors += o.errors;
        }
    } else {
        /* Longest first (a stable insertion sort: equal costs keep the list's order). */
        for (int a = 1; a < selected; a++)
            for (int b = a; b > 0 && cost_of(suites[order[b]].name) > cost_of(suites[order[b - 1]].name); b--) {
                int t = order[b];
                order[b] = order[b - 1];
                order[b - 1] = t;
            }
        child kids[64];
        int n = 0;
        fflush(stdout);
        for (int s = 0; s < selected; s++) {
            while (n >= jobs)
                n = reap(kids, n, &k, selected, &total);
            FILE *out = tmpfile();
            if (!out) {
                perror("tmpfile");
                return EXIT_FAILURE;
            }
            pid_t pid = fork();
            if (pid < 0) {
                perror("fork");
                return EXIT_FAILURE;
            }
            if (pid == 0) {
                if (dup2(fileno(out), STDOUT_FILENO) < 0)
                    _exit(125);
                outcome o = run_suite(order[s], mode);
                printf("\x01%d %d %d\n", o.run, o.failed, o.errors);
                fflush(stdout);
                exit(EXIT_SUCCESS);   /* exit, not _exit: the sanitizer's leak check runs */
            }
            kids[n++] = (child){ pid, order[s], out };
        }
        while (n > 0)
            n = reap(kids, n, &k, selected, &total);
    }
    /* check's own summary line, over every suite. */
    printf("%d%%: Checks: %d, Failures: %d, Errors: %d (%d suite%s, %.0f s)\n",
           total.run ? (int)(100.0 * (total.run - total.failed - total.errors) / total.run) : 0, total.run,
           total.failed, total.errors, k, k == 1 ? "" : "s", now_s() - start);
    return total.failed + total.errors ? EXIT_FAILURE : EXIT_SUCCESS;
}
