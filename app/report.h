/* report.h — writing what a run found (app/run.h): the stdout report, summary.json (means
 * and 95% CIs), latency.csv, timeseries.csv, cost.csv, functions.csv and trace.csv. Files
 * are written to a temporary name and renamed. */
#ifndef SLSIM_REPORT_H
#define SLSIM_REPORT_H

#include <stdio.h>

#include "app/run.h"

/* The summary as JSON (caller frees). */
cJSON *report_summary(const run_result *r);
void   report_print(const run_result *r, FILE *f);
/* --precision's outcome as summary.json and study.json hold it: asked, replications,
 * reached, and each figure's mean, half-width and half-width allowed. */
cJSON *report_precision_json(const run_precision *p, unsigned replications);
/* Writes latency.csv, timeseries.csv, cost.csv (and functions.csv, trace.csv when they
 * have rows) into dir (created if missing). Returns 0, or -1 with a message in err. */
int    report_write(const run_result *r, const char *dir, char *err, size_t err_size);
/* Writes summary.json into dir, last: its "files" lists every file dir then holds (and
 * itself). Returns 0, or -1 with a message in err. */
int    report_write_summary(const run_result *r, const char *dir, char *err, size_t err_size);
/* Writes text to path through a temporary file and rename. Returns 0 or -1 (errno set). */
int    report_write_atomic(const char *path, const char *text, size_t len);
/* A growing text buffer for result files; oom is set (and the text stops growing) when
 * memory runs out. */
typedef struct text { char *s; size_t n, cap; int oom; } text;
void   text_printf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a label gnuplot reads from a CSV field: separators, quotes and line ends
 * become spaces. */
void   text_label(text *t, const char *s);

/* The monthly cost's line items (those any run uses) as CSV, one row per run named by
 * names[i]: what the cost plot stacks (cost.csv, compare-cost.csv). */
/* The bill lines of several results (each may have its own price table), in order of first
 * appearance, that cost something in any of them: writes at most max names, returns how
 * many. */
size_t report_lines_used(const run_result *const *r, size_t n, const char **names, size_t max);
void   report_cost_matrix(text *t, const run_result *const *r, size_t n, const char *const *names);

/* Creates dir and its parents (like mkdir -p). Returns 0 or -1 (errno set). */
int    report_mkdir_p(const char *dir);

#endif
