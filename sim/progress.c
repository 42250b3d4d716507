/* progress.c — see progress.h. */
#include "sim/progress.h"

#include <stdlib.h>
#include <time.h>

struct progress {
    FILE       *out;
    size_t      n;
    double     *frac;      /* per job; written by the job's thread */
    const char *unit;
    double      t0, last;  /* wall clock: start, last drawing */
    double      sim_s;     /* simulated seconds of all jobs */
    int         drawn;
};

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

progress *progress_start(FILE *out, size_t n_jobs, const char *unit, double sim_s)
{
    if (!out || !n_jobs)
        return NULL;
    progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->frac = calloc(n_jobs, sizeof *p->frac);
    if (!p->frac) {
        free(p);
        return NULL;
    }
    p->out = out;
    p->n = n_jobs;
    p->unit = unit;
    p->sim_s = sim_s;
    p->t0 = p->last = wall();
    return p;
}

static void draw(progress *p, double now)
{
    double sum = 0;
    size_t done = 0;
    for (size_t i = 0; i < p->n; i++) {
        double f;
#ifdef _OPENMP
#pragma omp atomic read
#endif
        f = p->frac[i];
        sum += f;
        done += f >= 1.0;
    }
    double share = sum / (double)p->n, elapsed = now - p->t0;
    char bar[31];
    int filled = (int)(share * 30.0 + 1e-9);
    for (int i = 0; i < 30; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    fprintf(p->out, "\r[%s] %3.0f%%  %zu/%zu %s  %.0f s, %.3g simulated s/s", bar, 100.0 * share,
            done, p->n, p->unit, elapsed, share * p->sim_s / elapsed);
    if (share > 0.01)
        fprintf(p->out, ", about %.0f s left  ", elapsed * (1.0 - share) / share);
    else
        fprintf(p->out, "                     ");
    fflush(p->out);
    p->drawn = 1;
}

void progress_set(progress *p, size_t job, double fraction)
{
    if (!p || job >= p->n)
        return;
    if (fraction > 1.0)
        fraction = 1.0;
#ifdef _OPENMP
#pragma omp atomic write
#endif
    p->frac[job] = fraction;
    double now = wall();
    if (now - p->t0 < 1.0 || now - p->last < 0.25)
        return;
#ifdef _OPENMP
#pragma omp critical(progress_draw)
#endif
    {
        if (now - p->last >= 0.25) {
            p->last = now;
            draw(p, now);
        }
    }
}

void progress_finish(progress *p)
{
    if (!p)
        return;
    if (p->drawn) {
        fprintf(p->out, "\r%*s\r", 100, "");
        fflush(p->out);
    }
    free(p->frac);
    free(p);
}
