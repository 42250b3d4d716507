/* support.h — helpers shared by the test suites: run a scenario given as JSON text,
 * run the slsim binary, read files. */
#ifndef SLSIM_TEST_SUPPORT_H
#define SLSIM_TEST_SUPPORT_H

#include <stddef.h>

#include "app/report.h"
#include "models/world.h"

/* Scenario fixtures live in files under tests/scenarios/ (a folder per suite), each a
 * scenario slsim runs as it is. support_scenario writes tests/scenarios/<name> into json
 * (size bytes) as compact JSON text, for support_run_text and the like; support_scenario_set
 * first applies assignments to it, one a line ("path=value", as --set takes them:
 * components.wf.states.fan.items=8; empty lines are skipped), formatted from fmt, so that
 * one file serves every case of a test. The test fails when the file is missing, an
 * assignment does not apply or the text does not fit. */
void support_scenario(char *json, size_t size, const char *name);
void support_scenario_set(char *json, size_t size, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes json to a temporary file and loads it. NULL on error (message in err). */
world_spec *support_load_text(const char *json, char *err, size_t err_size);
/* Loads and runs json (threads 0: default). Aborts the test on any error. The caller
 * frees both with support_done. */
void support_run_text(const char *json, int threads, world_spec **spec, run_result *res);
void support_done(world_spec *spec, run_result *res);
/* The value of a figure in replication r. */
double support_row_value(const run_result *res, uint32_t r, const char *name);
/* A figure of workflow wf in replication r, a state's or not:
 * support_workflow_value(res, r, "wf", "states.a.entries") is workflows.wf.states.a.entries. */
double support_workflow_value(const run_result *res, uint32_t r, const char *wf, const char *figure);
/* Asserts that workflow wf ended count executions with outcome keep in replication r, and
 * none with any other outcome. */
void support_assert_workflow_outcome(const run_result *res, uint32_t r, const char *wf, const char *keep,
                                     double count);

/* Runs "$SLSIM args..." through the shell, with stdout and stderr captured into out
 * (up to out_size bytes; may be NULL). Returns the exit status (or -1). */
int support_sh(char *out, size_t out_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The slsim binary to test: $SLSIM or ./slsim. */
const char *support_binary(void);
/* Reads a whole file (caller frees); NULL when missing. */
char *support_read_file(const char *path);
/* A fresh temporary directory (caller removes it with support_rmrf). */
void support_tempdir(char *buf, size_t size);
/* Writes data (len bytes) or text to path, failing the test when it cannot. */
void support_write_bytes(const char *path, const void *data, size_t len);
void support_write_text(const char *path, const char *text);
void support_rmrf(const char *dir);
/* dir/name into buf (size bytes); the test fails when it does not fit. */
void support_join(char *buf, size_t size, const char *dir, const char *name);
/* Writes text as dir/name and returns the path in buf (size bytes). */
void support_write_in(char *buf, size_t size, const char *dir, const char *name, const char *text);
/* Whether anything exists at path. */
int  support_path_exists(const char *path);
/* The command-line suites' small valid scenario (text, as a user writes it). */
extern const char support_cli_scenario[];
/* Zeroed storage for n items of size bytes (caller frees); the test fails when out of memory. */
void *support_alloc(size_t n, size_t size);

/* A price table by its embedded name or a path (the test fails when it does not load). */
price_table support_price_table(const char *name);
/* One component's usage of a dimension, as a month's quantity. */
typedef struct support_usage { const char *dim; double quantity; } support_usage;
/* The bill of stated monthly usage (the window is the month), all of one component; the
 * test fails when a dimension is not priced. Its by_component is one static slot. */
bill support_bill_month(const price_table *t, const support_usage *u, size_t n, bool free_tier);
/* A bill's line by name (the test fails when the table has no such line). */
double support_bill_line(const price_table *t, const bill *b, const char *line);
/* The line of the bill of stated monthly usage: both of the above. */
double support_month_line(const price_table *t, const support_usage *u, size_t n, bool free_tier, const char *line);



/* Mean and 95% half-width (Student's t) of n per-replication values. */
double support_mean_ci(const double *values, size_t n, double *half_width);
/* Whether SLSIM_VERBOSE asks the suites to print their measured figures. */
int    support_verbose(void);
/* Asserts that reference lies within 1.5 times the 95% half-width hw (plus a floating-point
 * epsilon) of the simulated mean; prints the figures under SLSIM_VERBOSE, prefixed by suite. */
void   support_assert_within_ci(const char *suite, const char *what, double simulated, double hw,
                                double reference);
/* Asserts that the scenario json is refused with a message naming path and saying words. */
void   support_assert_refused(const char *suite, const char *json, const char *path, const char *words);
/* Mean and 95% half-width over replications of one figure. */
double support_figure_ci(const run_result *res, const char *name, double *half_width);
/* Per-replication ratio num/den of two figures: mean and 95% half-width. */
/* Erlang B(a, c), the blocking probability of c servers offered a erlangs, by the stable
 * recursion B0 = 1, Bk = a Bk-1 / (k + a Bk-1). */
double support_erlang_b(double a, int c);
double support_ratio_ci(const run_result *res, const char *num, const char *den, double *half_width);
/* Loads file with its own settings except replications (0 keeps), duration_s (0 keeps) and
 * n_sets --set assignments, and runs it on one thread; free both with support_done. */
void   support_run_file(const char *file, int replications, double duration_s, const char *const *sets,
                        size_t n_sets, world_spec **spec, run_result *res);
/* support_run_file with the file's replications and duration and a NULL-terminated list of
 * assignments (or NULL). */
void   support_run_fixture(const char *file, const char *const *sets, world_spec **spec, run_result *res);
/* Per-replication ratio x.a / y.b and difference x.a - y.b of two runs with the same seed
 * and replications (paired: common random numbers): mean and 95% half-width. */
double support_paired_ratio(const run_result *x, const char *a, const run_result *y, const char *b, double *hw);
double support_paired_diff(const run_result *x, const char *a, const run_result *y, const char *b, double *hw);
/* Assert that a claim holds beyond the CI: mean + hw < bound, or mean - hw > bound. */
void   support_assert_below(const char *suite, const char *what, double mean, double hw, double bound);
void   support_assert_above(const char *suite, const char *what, double mean, double hw, double bound);
/* Rounds to cents, as a bill line is. */
double support_round_cents(double x);
/* Asserts a real to within 1e-9 (relative, at least absolute 1e-9). */
void   support_assert_close(const char *what, double got, double want);
/* Asserts a bill line (rounded to cents) equals want to the cent. */
void   support_assert_cents(const char *what, double got, double want);

/* Prices of models/pricing/aws-us-east-1.json (us-east-1). */
#define LAMBDA_REQUEST       0.20e-6        /* per request */
#define LAMBDA_GB_S_X86      0.0000166667
#define LAMBDA_GB_S_ARM      0.0000133334
#define FARGATE_VCPU_HOUR    0.04048
#define FARGATE_GB_HOUR      0.004445
#define FARGATE_VCPU_HOUR_ARM 0.03238
#define FARGATE_GB_HOUR_ARM  0.00356
#define ALB_HOUR             0.0225
#define ALB_LCU_HOUR         0.008
#define C6I_LARGE_HOUR       0.085
#endif
