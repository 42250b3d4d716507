/* main.c — runs every check suite. `make test` runs this binary.
 * SLSIM_QUICK=1 (set by make check-asan) shrinks the long validation runs.
 *
 * Each suite runs on its own runner, so the full tier shows its progress: a line as a suite
 * starts ("[ 3/28] cfg ...") ends with its checks and time when it is done; a suite with
 * failures then prints check's own report of them (file:line:F:case:test: message), and the
 * last line is check's summary over every suite. CK_RUN_SUITE, CK_EXCLUDE_TAGS, CK_FORK and
 * the rest of check's environment apply as usual; CK_VERBOSITY set hands the printing back
 * to check. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/suites.h"

/* The suites in the order they run; each name is the one its suite_create gives (the
 * progress lines and CK_RUN_SUITE's selection use it). */
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

int main(void)
{
    const char *only = getenv("CK_RUN_SUITE");
    const char *verbosity = getenv("CK_VERBOSITY");
    enum print_output mode = verbosity && *verbosity ? CK_ENV : CK_SILENT;
    int selected = 0;
    for (int i = 0; i < N_SUITES; i++)
        selected += !only || !*only || !strcmp(only, suites[i].name);
    int run = 0, failed = 0, errors = 0, k = 0;
    double start = now_s();
    for (int i = 0; i < N_SUITES; i++) {
        if (only && *only && strcmp(only, suites[i].name) != 0)
            continue;
        printf("[%2d/%d] %s ...", ++k, selected, suites[i].name);
        fflush(stdout);
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
        run += n;
        failed += bad - errs;
        errors += errs;
        srunner_free(sr);
    }
    /* check's own summary line, over every suite. */
    printf("%d%%: Checks: %d, Failures: %d, Errors: %d (%d suite%s, %.0f s)\n",
           run ? (int)(100.0 * (run - failed - errors) / run) : 0, run, failed, errors, k, k == 1 ? "" : "s",
           now_s() - start);
    return failed + errors ? EXIT_FAILURE : EXIT_SUCCESS;
}
