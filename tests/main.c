/* main.c — runs every check suite. `make test` runs this binary.
 * SLSIM_QUICK=1 (set by make check-asan) shrinks the long validation runs. */
#include <check.h>
#include <stdlib.h>

#include "tests/suites.h"

int main(void)
{
    SRunner *sr = srunner_create(kernel_suite());
    srunner_add_suite(sr, blocks_suite());
    srunner_add_suite(sr, cfg_suite());
    srunner_add_suite(sr, model_suite());
    srunner_add_suite(sr, gateway_suite());
    srunner_add_suite(sr, billing_suite());
    srunner_add_suite(sr, queue_suite());
    srunner_add_suite(sr, work_suite());
    srunner_add_suite(sr, resilience_suite());
    srunner_add_suite(sr, workflow_suite());
    srunner_add_suite(sr, workflow_executions_suite());
    srunner_add_suite(sr, safety_suite());
    srunner_add_suite(sr, study_suite());
    srunner_add_suite(sr, slo_suite());
    srunner_add_suite(sr, fleet_suite());
    srunner_add_suite(sr, cloudrun_suite());
    srunner_add_suite(sr, azure_suite());
    srunner_add_suite(sr, trace_suite());
    srunner_add_suite(sr, library_suite());
    srunner_add_suite(sr, validation_suite());
    srunner_add_suite(sr, cli_suite());
    srunner_add_suite(sr, cli_usage_suite());
    srunner_add_suite(sr, results_suite());
    srunner_add_suite(sr, plots_suite());
    srunner_add_suite(sr, graph_suite());
    srunner_add_suite(sr, fuzz_regressions_suite());
    srunner_add_suite(sr, inputs_suite());
    srunner_add_suite(sr, exercises_a_suite());
    srunner_add_suite(sr, exercises_b_suite());
    srunner_add_suite(sr, exercises_c_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
