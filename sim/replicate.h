/* replicate.h — independent replications in parallel, merged in replication order.
 *
 * Each replication fills a row of n_values doubles; rows are written into a caller-owned
 * matrix at their replication's index, so the merge (mean and Student's t 95% half-width
 * per column, summed in replication order) is byte-identical for any thread count. */
#ifndef SLSIM_REPLICATE_H
#define SLSIM_REPLICATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Runs one replication; returns 0, or non-zero on failure (then the whole run fails). */
typedef int (*replicate_fn)(void *ctx, uint32_t replication, double *row);

/* Runs replications 0..n_reps-1 on up to threads threads (0: OpenMP's default).
 * rows is n_reps * n_values. Returns 0, or the first non-zero code in replication order. */
int    replicate_run(replicate_fn fn, void *ctx, uint32_t n_reps, int threads,
                     size_t n_values, double *rows);
/* Runs jobs 0..n_jobs-1 on up to threads threads (dynamic scheduling), each job's code in
 * codes[job]. */
typedef int (*replicate_job_fn)(void *ctx, size_t job);
void   replicate_jobs(replicate_job_fn fn, void *ctx, size_t n_jobs, int threads, int *codes);
/* Mean of column col over n rows (stride n_values) and its 95% half-width (Student's t,
 * n - 1 degrees of freedom); half-width is NAN when n < 2. */
void   replicate_mean_ci(const double *rows, size_t n_rows, size_t n_values, size_t col,
                         double *mean, double *half_width);
/* Student's t 0.975 quantile for df degrees of freedom. */
double replicate_t975(size_t df);

#endif
