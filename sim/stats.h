/* stats.h — statistics that never grow with the number of requests.
 *
 * tally:  Welford mean/variance/min/max of observations.
 * hist:   log-linear histogram of non-negative values (milliseconds by convention):
 *         64 linear sub-buckets per power of two from 2^-10 to 2^28, so a quantile read at
 *         a bucket's midpoint is within 1/128 (< 1%) of the true value; fixed memory
 *         (about 20 KB), mergeable by adding counts.
 * series: per-interval accumulators over a window [start, start + n*width), for time lines
 *         and for integrals over time (series_add_span spreads weight x time across bins).
 * gauge:  a time-weighted level (e.g. concurrency) with its max; its integral goes to an
 *         optional series, clipped to that series' window. */
#ifndef SLSIM_STATS_H
#define SLSIM_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct tally {
    uint64_t n;
    double   mean, m2, min, max;
} tally;

void   tally_init(tally *t);
void   tally_add(tally *t, double x);
void   tally_merge(tally *dst, const tally *src);
double tally_variance(const tally *t);   /* sample variance; 0 when n < 2 */

#define HIST_SUB_BITS 6
#define HIST_SUB      (1 << HIST_SUB_BITS)
#define HIST_MIN_EXP  (-10)
#define HIST_MAX_EXP  28
#define HIST_BUCKETS  (1 + (HIST_MAX_EXP - HIST_MIN_EXP) * HIST_SUB)

typedef struct hist {
    uint64_t count;
    double   sum, min, max;
    uint64_t bucket[HIST_BUCKETS];
} hist;

void     hist_init(hist *h);
void     hist_merge(hist *dst, const hist *src);
/* The q-quantile (0 <= q <= 1); 0 when empty. Exact at q = 0 and q = 1. */
double   hist_quantile(const hist *h, double q);
double   hist_mean(const hist *h);
/* Bucket i covers [hist_bucket_lower(i), hist_bucket_upper(i)). */
double   hist_bucket_lower(size_t i);
double   hist_bucket_upper(size_t i);

/* hist_small: the same histogram with 32-bit counts, for scenarios with thousands of
 * sources (one each). Its head (count, sum, min, max) sits in an array of them, and its
 * buckets in a window of whole grains (HIST_GRAIN buckets, 64 bytes) that covers the
 * buckets observed so far: made at the first observation, widened (realloc, counts moved)
 * when one falls outside. A source whose latencies span a few powers of two holds a few
 * hundred bytes to 2 KB instead of the whole range's 9.7 KB. A count that would pass
 * 2^32 - 1 moves it to a full hist (wide), used alone from then on. hist_small_expand
 * gives the hist that the same observations, in the same order, make with hist_add: equal
 * field by field. Invariant: n_grains == HIST_SMALL_WIDE means store is a hist; otherwise
 * store holds n_grains * HIST_GRAIN counts for buckets from lo_grain * HIST_GRAIN (NULL
 * when n_grains is 0). */
#define HIST_GRAIN       16
#define HIST_GRAINS      ((HIST_BUCKETS + HIST_GRAIN - 1) / HIST_GRAIN)
#define HIST_SMALL_WIDE  UINT16_MAX

typedef struct hist_small {
    uint64_t count;
    double   sum, min, max;
    void    *store;               /* uint32_t counts, or a hist when wide */
    uint16_t lo_grain, n_grains;
} hist_small;

void hist_small_init(hist_small *h);
/* Returns 0, or -1 when out of memory (the observation is lost). */
int  hist_small_add(hist_small *h, double x);
/* Makes h's window cover x's bucket and fetches that bucket's cache line, for an add of x
 * soon after (hist_small_add then finds it in the cache). Returns 0, or -1 when out of
 * memory (the add will report it again). */
int  hist_small_prepare(hist_small *h, double x);
/* Makes h hold what src holds. Returns 0, or -1 when out of memory. */
int  hist_small_set(hist_small *h, const hist *src);
void hist_small_expand(const hist_small *h, hist *out);
void hist_small_free(hist_small *h);

typedef struct series {
    double  start, end, width, inv_width;   /* window [start, end); the last bin may be short */
    size_t  n;
    double *bin;      /* n values, owned */
    double  total;    /* everything added inside the window */
} series;

/* Returns 0, or -1 when out of memory. n may be 0 (only the total is kept). The window is
 * [start, start + n * width). */
int    series_init(series *s, double start, double width, size_t n);
/* A series over [start, end) in bins of width (the last may be shorter). */
int    series_init_window(series *s, double start, double end, double width);
/* Bins of width needed to cover length: ceil(length / width), robust to rounding. */
size_t series_bins(double length, double width);
void   series_free(series *s);
void   series_reset(series *s);
double series_end(const series *s);
/* For a series of a level's integral (series_add_span of the level): the rise from the
 * window's start to its end of the least-squares line through the level, 12 (M1 - T/2 M0) /
 * T^2 for its integral M0 and first moment M1 over the window of length T. A level growing
 * steadily from 0 to D rises by D; a steady one by 0, a burst that drains by less than 0.
 * M1 is taken at the bins' midpoints, so it is exact for a level constant within each bin
 * and, for one growing steadily, short by the share sum(w^3) / T^3 of the bins' widths w
 * ((w / T)^2: 1% for 60-s bins over 10 minutes). NAN without bins. */
double series_growth(const series *s);

/* MSER-5 (White, 1997; Franklin and White, 2008): where an output series' initial transient
 * ends. x holds n observations in time order (bin means of a level, say); they are averaged
 * in batches of 5, and the truncation d (in batches) minimising the squared standard error
 * of the remaining batches' mean, sum((y_i - mean)^2) / (m - d)^2, is chosen among d <= m/2.
 * Returns the observations to delete (5d; 0 with fewer than 10 batches, too short to judge). */
size_t mser5(const double *x, size_t n);

typedef struct gauge {
    double  value, last_t, max;
    double  window_start;
    series *integral;    /* may be NULL */
} gauge;

void gauge_init(gauge *g, series *integral, double window_start);
/* Integrates up to t (call at the end of the run). */
void gauge_close(gauge *g, double t);

/* ---- what the event loop calls per request: inline, so that a caller's constants (a
 * weight of 1, a gauge without integral) fold away ---- */

/* The bucket of x (0 below 2^-10, and for NaN). */
static inline size_t hist_bucket_of(double x)
{
    if (!(x >= 0x1p-10))        /* also catches NaN */
        return 0;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int exp = (int)((bits >> 52) & 0x7ff) - 1023;
    if (exp >= HIST_MAX_EXP)
        return HIST_BUCKETS - 1;
    size_t sub = (size_t)((bits >> (52 - HIST_SUB_BITS)) & (HIST_SUB - 1));
    return 1 + (size_t)(exp - HIST_MIN_EXP) * HIST_SUB + sub;
}

/* An observation's count, sum and extremes (a hist's and a hist_small's alike). */
static inline void hist_moments_add(uint64_t *count, double *sum, double *min, double *max, double x)
{
    ++*count;
    *sum += x;
    if (x < *min)
        *min = x;
    if (x > *max)
        *max = x;
}

static inline void hist_add(hist *h, double x)
{
    h->bucket[hist_bucket_of(x)]++;
    hist_moments_add(&h->count, &h->sum, &h->min, &h->max, x);
}

/* Adds x at time t (ignored outside the window). */
static inline void series_add(series *s, double t, double x)
{
    if (t < s->start || t >= s->end)
        return;
    size_t i = (size_t)((t - s->start) * s->inv_width);
    if (i >= s->n)
        i = s->n - 1;
    s->bin[i] += x;
    s->total += x;
}

/* Adds weight * |[t0, t1] ∩ window| spread over the bins it covers. */
static inline void series_add_span(series *s, double t0, double t1, double weight)
{
    double end = s->end;
    if (t0 < s->start)
        t0 = s->start;
    if (t1 > end)
        t1 = end;
    if (!(t1 > t0) || weight == 0)
        return;
    s->total += weight * (t1 - t0);
    size_t i = (size_t)((t0 - s->start) * s->inv_width);
    while (t0 < t1 && i < s->n) {
        double bin_end = i + 1 == s->n ? t1 : s->start + (double)(i + 1) * s->width;
        double seg_end = t1 < bin_end ? t1 : bin_end;
        s->bin[i] += weight * (seg_end - t0);
        t0 = seg_end;
        i++;
    }
}

static inline void gauge_set(gauge *g, double t, double value)
{
    if (g->integral && t > g->last_t)
        series_add_span(g->integral, g->last_t, t, g->value);
    /* The level held when the window opened counts towards the max. */
    if (t >= g->window_start && g->last_t <= g->window_start && g->value > g->max)
        g->max = g->value;
    g->last_t = t;
    g->value = value;
    if (t >= g->window_start && value > g->max)
        g->max = value;
}

static inline void gauge_add(gauge *g, double t, double delta) { gauge_set(g, t, g->value + delta); }

#endif
