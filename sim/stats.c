/* stats.c — tallies, log-linear histograms, interval series, time-weighted gauges. */
#include "sim/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- tally ----------------------------------------------------------------- */

void tally_init(tally *t) { *t = (tally){ 0, 0, 0, INFINITY, -INFINITY }; }

void tally_add(tally *t, double x)
{
    t->n++;
    double d = x - t->mean;
    t->mean += d / (double)t->n;
    t->m2 += d * (x - t->mean);
    if (x < t->min)
        t->min = x;
    if (x > t->max)
        t->max = x;
}

void tally_merge(tally *dst, const tally *src)
{
    if (src->n == 0)
        return;
    if (dst->n == 0) {
        *dst = *src;
        return;
    }
    double n = (double)(dst->n + src->n), d = src->mean - dst->mean;
    dst->m2 += src->m2 + d * d * (double)dst->n * (double)src->n / n;
    dst->mean += d * (double)src->n / n;
    dst->n += src->n;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

double tally_variance(const tally *t) { return t->n < 2 ? 0.0 : t->m2 / (double)(t->n - 1); }

/* ---- histogram ------------------------------------------------------------- */

void hist_init(hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = INFINITY;
    h->max = -INFINITY;
}

double hist_bucket_lower(size_t i)
{
    if (i == 0)
        return 0.0;
    size_t k = i - 1;
    int exp = (int)(k / HIST_SUB) + HIST_MIN_EXP;
    return ldexp(1.0 + (double)(k % HIST_SUB) / HIST_SUB, exp);
}

double hist_bucket_upper(size_t i)
{
    if (i == 0)
        return 0x1p-10;
    size_t k = i - 1;
    int exp = (int)(k / HIST_SUB) + HIST_MIN_EXP;
    return ldexp(1.0 + (double)(k % HIST_SUB + 1) / HIST_SUB, exp);
}

void hist_merge(hist *dst, const hist *src)
{
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        dst->bucket[i] += src->bucket[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

double hist_mean(const hist *h) { return h->count ? h->sum / (double)h->count : 0.0; }

double hist_quantile(const hist *h, double q)
{
    if (h->count == 0)
        return 0.0;
    if (q <= 0)
        return h->min;
    if (q >= 1)
        return h->max;
    /* The smallest value with at least ceil(q * count) observations at or below it. */
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        seen += h->bucket[i];
        if (seen >= rank) {
            double mid = i == HIST_BUCKETS - 1 ? h->max
                                               : 0.5 * (hist_bucket_lower(i) + hist_bucket_upper(i));
            if (mid < h->min)
                mid = h->min;
            if (mid > h->max)
                mid = h->max;
            return mid;
        }
    }
    return h->max;
}

/* ---- small histogram -------------------------------------------------------- */

void hist_small_init(hist_small *h) { *h = (hist_small){ 0, 0, INFINITY, -INFINITY, NULL, 0, 0 }; }

void hist_small_free(hist_small *h)
{
    free(h->store);
    hist_small_init(h);
}

/* Moves h to a full hist. Returns 0 or -1 (out of memory). */
static int hist_small_widen(hist_small *h)
{
    hist *w = malloc(sizeof *w);
    if (!w)
        return -1;
    hist_small_expand(h, w);
    free(h->store);
    h->store = w;
    h->n_grains = HIST_SMALL_WIDE;
    return 0;
}

/* Makes h's window cover grain g. Returns 0 or -1 (out of memory: h unchanged). */
static int hist_small_cover(hist_small *h, size_t g)
{
    size_t lo = h->lo_grain, n = h->n_grains;
    size_t new_lo = n == 0 || g < lo ? g : lo;
    size_t new_hi = n == 0 || g >= lo + n ? g + 1 : lo + n;
    uint32_t *b = calloc((new_hi - new_lo) * HIST_GRAIN, sizeof *b);
    if (!b)
        return -1;
    if (n)
        memcpy(b + (lo - new_lo) * HIST_GRAIN, h->store, n * HIST_GRAIN * sizeof *b);
    free(h->store);
    h->store = b;
    h->lo_grain = (uint16_t)new_lo;
    h->n_grains = (uint16_t)(new_hi - new_lo);
    return 0;
}

int hist_small_add(hist_small *h, double x)
{
    if (h->n_grains == HIST_SMALL_WIDE) {
        hist_add(h->store, x);
        return 0;
    }
    size_t b = hist_bucket_of(x), g = b / HIST_GRAIN;
    if ((g < h->lo_grain || g >= (size_t)h->lo_grain + h->n_grains || h->n_grains == 0) &&
        hist_small_cover(h, g) != 0)
        return -1;
    uint32_t *c = (uint32_t *)h->store + (b - (size_t)h->lo_grain * HIST_GRAIN);
    if (*c == UINT32_MAX) {
        if (hist_small_widen(h) != 0)
            return -1;
        hist_add(h->store, x);
        return 0;
    }
    ++*c;
    hist_moments_add(&h->count, &h->sum, &h->min, &h->max, x);
    return 0;
}

int hist_small_prepare(hist_small *h, double x)
{
    if (h->n_grains == HIST_SMALL_WIDE)
        return 0;
    size_t b = hist_bucket_of(x), g = b / HIST_GRAIN;
    if ((g < h->lo_grain || g >= (size_t)h->lo_grain + h->n_grains || h->n_grains == 0) &&
        hist_small_cover(h, g) != 0)
        return -1;
    __builtin_prefetch((uint32_t *)h->store + (b - (size_t)h->lo_grain * HIST_GRAIN), 1);
    return 0;
}

int hist_small_set(hist_small *h, const hist *src)
{
    hist_small_free(h);
    bool narrow = true;
    size_t first = HIST_BUCKETS, last = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        narrow &= src->bucket[i] <= UINT32_MAX;
        if (src->bucket[i]) {
            first = first < i ? first : i;
            last = i;
        }
    }
    if (!narrow) {
        if (!(h->store = malloc(sizeof(hist))))
            return -1;
        *(hist *)h->store = *src;
        h->n_grains = HIST_SMALL_WIDE;
        return 0;
    }
    if (first < HIST_BUCKETS) {
        if (hist_small_cover(h, first / HIST_GRAIN) != 0 || hist_small_cover(h, last / HIST_GRAIN) != 0) {
            hist_small_free(h);
            return -1;
        }
        uint32_t *c = h->store;
        for (size_t i = first; i <= last; i++)
            c[i - (size_t)h->lo_grain * HIST_GRAIN] = (uint32_t)src->bucket[i];
    }
    h->count = src->count;
    h->sum = src->sum;
    h->min = src->min;
    h->max = src->max;
    return 0;
}

void hist_small_expand(const hist_small *h, hist *out)
{
    if (h->n_grains == HIST_SMALL_WIDE) {
        *out = *(const hist *)h->store;
        return;
    }
    hist_init(out);
    const uint32_t *c = h->store;
    size_t from = (size_t)h->lo_grain * HIST_GRAIN;
    for (size_t i = 0; i < (size_t)h->n_grains * HIST_GRAIN && from + i < HIST_BUCKETS; i++)
        out->bucket[from + i] = c[i];
    out->count = h->count;
    out->sum = h->sum;
    out->min = h->min;
    out->max = h->max;
}

/* ---- series ---------------------------------------------------------------- */

size_t series_bins(double length, double width)
{
    double n = ceil(length / width * (1.0 - 1e-12));
    return n < 1 ? 1 : (size_t)n;
}

int series_init_window(series *s, double start, double end, double width)
{
    int rc = series_init(s, start, width, series_bins(end - start, width));
    s->end = end;
    return rc;
}

int series_init(series *s, double start, double width, size_t n)
{
    memset(s, 0, sizeof *s);
    s->start = start;
    s->end = start + (double)n * width;
    s->width = width;
    s->inv_width = 1.0 / width;
    s->n = n;
    if (n) {
        s->bin = calloc(n, sizeof *s->bin);
        if (!s->bin)
            return -1;
    }
    return 0;
}

void series_free(series *s)
{
    free(s->bin);
    s->bin = NULL;
    s->n = 0;
}

void series_reset(series *s)
{
    if (s->n)
        memset(s->bin, 0, s->n * sizeof *s->bin);
    s->total = 0;
}

double series_end(const series *s) { return s->end; }

double series_growth(const series *s)
{
    double length = s->end - s->start;
    if (!s->n || !(length > 0))
        return NAN;
    double m0 = 0, m1 = 0;
    for (size_t i = 0; i < s->n; i++) {
        double t0 = (double)i * s->width, t1 = i + 1 == s->n ? length : t0 + s->width;
        m0 += s->bin[i];
        m1 += s->bin[i] * (t0 + t1) / 2;
    }
    return 12.0 * (m1 - length / 2 * m0) / (length * length);
}


/* ---- gauge ----------------------------------------------------------------- */

void gauge_init(gauge *g, series *integral, double window_start)
{
    *g = (gauge){ .integral = integral, .window_start = window_start };
}

void gauge_close(gauge *g, double t)
{
    if (g->integral && t > g->last_t)
        series_add_span(g->integral, g->last_t, t, g->value);
    if (t >= g->window_start && g->last_t <= g->window_start && g->value > g->max)
        g->max = g->value;
    g->last_t = t;
}

size_t mser5(const double *x, size_t n)
{
    size_t m = n / 5;
    if (m < 10)
        return 0;
    /* Sums from each batch to the end, so that each truncation costs O(1). */
    double *y = malloc(m * sizeof *y);
    if (!y)
        return 0;
    for (size_t i = 0; i < m; i++) {
        double s = 0;
        for (size_t k = 0; k < 5; k++)
            s += x[5 * i + k];
        y[i] = s / 5;
    }
    double sum = 0, sum2 = 0, best = INFINITY;
    size_t best_d = 0;
    /* From the end back: after adding y[d], sum and sum2 cover batches d .. m-1. */
    for (size_t d = m; d-- > 0;) {
        sum += y[d];
        sum2 += y[d] * y[d];
        if (d > m / 2)
            continue;
        double k = (double)(m - d), mean = sum / k;
        double sse = fmax(0.0, sum2 - k * mean * mean);
        double v = sse / (k * k);
        if (v <= best) {        /* ties: the smaller truncation */
            best = v;
            best_d = d;
        }
    }
    free(y);
    return 5 * best_d;
}
