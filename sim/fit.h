/* fit.h — what a stream of numbers says about the law that made it, in constant memory:
 * distribution fits by maximum likelihood with confidence intervals and goodness of fit,
 * empirical percentiles, a rate profile of event times, the peak overlap of intervals and a
 * proportion's interval. Kernel layer: the numbers could be anything (durations, sizes).
 *
 * Every accumulator is INITIALIZE / ADD / FINISH: _init, then _add once a value (never an
 * allocation, except when an interval sweep meets a new peak), then _finish or a query.
 * Memory does not grow with the count: a sample is a few tallies and one log-linear hist
 * (sim/stats.h: 64 sub-buckets per power of two, about 20 KB); arrivals are 168 + 24
 * counts; an interval sweep holds the ends of the intervals open at once.
 *
 * Confidence intervals are at 95% (FIT_Z = 1.96), from the inverse Fisher information
 * (asymptotic normal; the samples here are thousands or more). */
#ifndef SLSIM_FIT_H
#define SLSIM_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/stats.h"

#define FIT_Z 1.959963984540054      /* standard normal 0.975 quantile: 95% intervals */

/* ---- a sample of positive numbers ------------------------------------------ */

typedef struct fit_sample {
    tally    x;            /* the values (positive ones) */
    tally    log_x;        /* their natural logs: the lognormal's and gamma's sufficient sums */
    uint64_t nonpositive;  /* zeros: in the hist and percentiles, not in the parametric fits */
    hist     h;            /* every value added, for percentiles, Weibull's sums and KS */
} fit_sample;

void fit_sample_init(fit_sample *s);
/* Adds x. Returns 0, or -1 (x not counted) when x is negative, NaN or infinite. */
int  fit_sample_add(fit_sample *s, double x);
void fit_sample_merge(fit_sample *dst, const fit_sample *src);

typedef enum fit_family {
    FIT_LOGNORMAL, FIT_GAMMA, FIT_WEIBULL, FIT_EXPONENTIAL, FIT_FAMILIES
} fit_family;

/* "lognormal", "gamma", "weibull", "exponential". */
const char *fit_family_name(fit_family f);

typedef struct fit_param {
    const char *name;      /* "mu", "sigma", "shape", "scale", "mean" */
    double      value, se; /* the estimate and its standard error */
    double      lo, hi;    /* 95% interval: value -+ FIT_Z se */
} fit_param;

/* One family fitted to a sample. Parameters are those of dist.c's sampling form:
 * lognormal mu, sigma (of log x); gamma shape, scale; weibull shape, scale; exponential mean.
 *
 * KS: the empirical CDF is known exactly only at the histogram's bucket edges, so ks_d is
 * the largest gap |F_n - F| over the edges (a lower bound of the true statistic) and
 * ks_d_bound the upper bound max over buckets [a, b) of max(F_n(b) - F(a), F(b) - F_n(a)).
 * The bound exceeds ks_d by at most the fitted mass of one bucket (under 1/64 of x f(x),
 * at most about 0.006 for a lognormal with sigma 1); in practice the two differ by the
 * wobble of F_n - F inside one bucket, far less. ks_p is the p-value of ks_d where a
 * formula accounts for the parameters being fitted from the same sample. Lognormal: the
 * Lilliefors test of normality on log x (the statistic is unchanged by the log), p from
 * Dallal and Wilkinson's approximation, and above 0.1 from Stephens' modified statistic
 * D (sqrt n - 0.01 + 0.85 / sqrt n). Exponential: Stephens' modified statistic
 * (D - 0.2 / n)(sqrt n + 0.26 + 0.5 / sqrt n), interpolated in his table, so it lies in
 * [0.01, 0.15] (0.15 means "0.15 or more", 0.01 "0.01 or less"). NAN for gamma and Weibull,
 * which have no such formula
 * (the plain Kolmogorov p-value would be far too large). */
typedef struct fit_result {
    fit_family family;
    int        ok;            /* 0 when the sample cannot be fitted (fewer than 2 positive values) */
    size_t     n_params;
    fit_param  param[2];
    uint64_t   n;             /* positive values fitted */
    double     loglik, aic;   /* AIC = 2 k - 2 loglik */
    double     ks_d, ks_d_bound, ks_p;
    double     mean;          /* of the fitted law */
} fit_result;

/* Fits family f to s. Returns 0, or -1 when it cannot (r->ok = 0): too few values, all
 * equal, or a Newton iteration that did not converge. */
int    fit_sample_fit(const fit_sample *s, fit_family f, fit_result *r);
/* Fits every family into r[FIT_FAMILIES]; returns the index of the smallest AIC, or -1
 * when none could be fitted. */
int    fit_sample_best(const fit_sample *s, fit_result r[FIT_FAMILIES]);
/* The fitted law's CDF at x. */
double fit_cdf(const fit_result *r, double x);

/* Empirical percentiles in the form of dist.c's "empirical" table: percents (0..100,
 * increasing, from 0 to 100) and values (non-decreasing, from the sample's min to its
 * max), FIT_PERCENTS of them. A value is the midpoint of the bucket holding that rank, so
 * it is within 1/128 of the exact sample percentile (relative) and exact at 0 and 100.
 * Returns the count written, 0 for an empty sample. */
#define FIT_PERCENTS 16
size_t fit_percentiles(const fit_sample *s, double percent[FIT_PERCENTS], double value[FIT_PERCENTS]);

/* ---- event times: a rate profile -------------------------------------------- */

/* Times are seconds since 1970-01-01 00:00 UTC (shift them first for another zone), added
 * in non-decreasing order. Cells of the week: (day of week, hour), Monday = 0, index
 * day * 24 + hour. The window is [first time, last time]; a cell's exposure is how many
 * seconds of the window fell in it, and its rate is count / exposure. */
typedef struct fit_arrivals {
    uint64_t n;
    double   first, last;
    uint64_t week[168];
    /* counts per minute over the window, whole minutes only: burstiness */
    int64_t  minute;          /* the minute being counted (floor(t / 60)) */
    uint64_t minute_count;
    tally    per_minute;      /* counts of the closed minutes, empty ones included */
    /* the Poisson test within hours: minute counts of the hour being counted */
    int64_t  hour;
    tally    hour_minutes;
    double   chi2;            /* sum over closed hours of sum (c - mean)^2 / mean */
    double   chi2_dof;
    tally    gaps;            /* inter-arrival times */
} fit_arrivals;

void fit_arrivals_init(fit_arrivals *a);
/* Adds an event at t. Returns 0, or -1 (not counted) when t is not finite or comes before
 * the previous time. */
int  fit_arrivals_add(fit_arrivals *a, double t);

typedef struct fit_rate {
    uint64_t count;
    double   exposure_s;      /* seconds of the window in the cell */
    double   rate, lo, hi;    /* events per second and its exact Poisson 95% interval;
                               * NAN when the window never covered the cell */
} fit_rate;

typedef struct fit_profile {
    uint64_t n;
    double   span_s;          /* last - first */
    double   mean_rate;       /* (n - 1) / span: events per second */
    fit_rate week[168];       /* by day * 24 + hour, Monday 00:00 UTC first */
    fit_rate day[24];         /* by hour of day, every day pooled */
    /* Burstiness. Minute counts over the whole minutes of the window: their index of
     * dispersion var / mean (1 for a Poisson process of constant rate; a daily cycle alone
     * raises it). CV of inter-arrival times (1 for Poisson). */
    uint64_t minutes;
    double   dispersion, gap_cv;
    /* The Poisson test, within hours so that a rate that changes by the hour does not count
     * as burstiness: per hour with at least 2 closed minutes and events, the sum of
     * (c - mean)^2 / mean over its minutes is chi-square with (minutes - 1) degrees of
     * freedom when arrivals are Poisson at a constant rate within the hour. dispersion_hour
     * is that statistic over its degrees of freedom, p_poisson its two-sided p-value. */
    double   dispersion_hour, dof, p_poisson;
} fit_profile;

/* Fills p from a. Every field is NAN or 0 when a has fewer than 2 events. */
void fit_arrivals_finish(const fit_arrivals *a, fit_profile *p);

/* ---- intervals: peak overlap ----------------------------------------------- */

/* A sweep over intervals [start, end) added in non-decreasing start order: the ends of the
 * intervals still open wait in a binary min-heap, so memory follows the concurrency, not
 * the count. An interval ending exactly when another starts does not overlap it. */
typedef struct fit_overlap {
    double  *end;         /* min-heap of open intervals' ends */
    size_t   open, cap;
    uint64_t n;
    size_t   peak;
    double   peak_at;     /* the start at which the peak was first reached */
    double   last_start;
} fit_overlap;

void fit_overlap_init(fit_overlap *o);
/* Adds [start, end). Returns 0; -1 when start is before the previous start or end before
 * start (not counted); -2 when out of memory (not counted). */
int  fit_overlap_add(fit_overlap *o, double start, double end);
void fit_overlap_free(fit_overlap *o);

/* ---- a proportion ---------------------------------------------------------- */

/* The Wilson score interval for k successes in n trials at z standard errors (FIT_Z for
 * 95%). n = 0 gives [0, 1]. */
void fit_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi);

#endif
