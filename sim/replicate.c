/* replicate.c — the OpenMP replication driver and confidence intervals. */
#include "sim/replicate.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* replicate_run's jobs: replication r fills its row. */
typedef struct rep_ctx {
    replicate_fn fn;
    void        *ctx;
    size_t       n_values;
    double      *rows;
} rep_ctx;

static int rep_job(void *p, size_t job)
{
    rep_ctx *c = p;
    return c->fn(c->ctx, (uint32_t)job, c->rows + job * c->n_values);
}

int replicate_run(replicate_fn fn, void *ctx, uint32_t n_reps, int threads, size_t n_values,
                  double *rows)
{
    int *codes = calloc(n_reps ? n_reps : 1, sizeof *codes);
    if (!codes)
        return -1;
    rep_ctx c = { fn, ctx, n_values, rows };
    replicate_jobs(rep_job, &c, n_reps, threads, codes);
    int rc = 0;
    for (uint32_t r = 0; r < n_reps && !rc; r++)
        rc = codes[r];
    free(codes);
    return rc;
}

void replicate_jobs(replicate_job_fn fn, void *ctx, size_t n_jobs, int threads, int *codes)
{
#ifdef _OPENMP
    int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
#else
    (void)threads;
#endif
    for (long j = 0; j < (long)n_jobs; j++)
        codes[j] = fn(ctx, (size_t)j);
}

double replicate_t975(size_t df) { return gsl_cdf_tdist_Pinv(0.975, (double)df); }

void replicate_mean_ci(const double *rows, size_t n_rows, size_t n_values, size_t col,
                       double *mean, double *half_width)
{
    double sum = 0;
    for (size_t r = 0; r < n_rows; r++)
        sum += rows[r * n_values + col];
    double m = n_rows ? sum / (double)n_rows : NAN;
    *mean = m;
    if (n_rows < 2) {
        *half_width = NAN;
        return;
    }
    double ss = 0;
    for (size_t r = 0; r < n_rows; r++) {
        double d = rows[r * n_values + col] - m;
        ss += d * d;
    }
    double sd = sqrt(ss / (double)(n_rows - 1));
    *half_width = replicate_t975(n_rows - 1) * sd / sqrt((double)n_rows);
}
