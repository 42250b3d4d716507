/* fit.c — maximum-likelihood fits, percentiles, rate profiles, interval overlap and
 * proportions over streams, in constant memory.
 *
 * Design. A sample keeps exact running sums where a family's likelihood needs only them
 * (mean of x: exponential; mean and variance of log x: lognormal; both: gamma) and a
 * log-linear histogram for the rest: Weibull's sums of x^k and x^k log x, taken at bucket
 * midpoints (a bucket spans at most 1/64 of its value, and for a density smooth across a
 * bucket the midpoint's error on E[x^k] is second order, about k^2 / 64^2 / 24, far below
 * the standard error of k at any sample size up to 10^8), the KS statistic and the
 * percentiles. The histogram holds every value added; zeros sit in bucket 0 and are
 * counted apart (nonpositive) so that the fits and F_n use the positive values only. */
#include "sim/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#define EULER_GAMMA 0.5772156649015329
#define PI          3.141592653589793

/* ---- sample ----------------------------------------------------------------- */

void fit_sample_init(fit_sample *s)
{
    tally_init(&s->x);
    tally_init(&s->log_x);
    s->nonpositive = 0;
    hist_init(&s->h);
}

int fit_sample_add(fit_sample *s, double x)
{
    if (!(x >= 0) || !isfinite(x))
        return -1;
    hist_add(&s->h, x);
    if (x > 0) {
        tally_add(&s->x, x);
        tally_add(&s->log_x, log(x));
    } else {
        s->nonpositive++;
    }
    return 0;
}

void fit_sample_merge(fit_sample *dst, const fit_sample *src)
{
    tally_merge(&dst->x, &src->x);
    tally_merge(&dst->log_x, &src->log_x);
    dst->nonpositive += src->nonpositive;
    hist_merge(&dst->h, &src->h);
}

const char *fit_family_name(fit_family f)
{
    static const char *const names[FIT_FAMILIES] = { "lognormal", "gamma", "weibull", "exponential" };
    return f < FIT_FAMILIES ? names[f] : "?";
}

/* A bucket's representative value: its midpoint, kept within the sample's range (the
 * last bucket is open above, the first holds everything below 2^-10). */
static double bucket_value(const hist *h, size_t i)
{
    double v = i == HIST_BUCKETS - 1 ? h->max : 0.5 * (hist_bucket_lower(i) + hist_bucket_upper(i));
    if (v < h->min)
        v = h->min;
    if (v > h->max)
        v = h->max;
    return v;
}

/* The buckets [*lo, *hi] that can hold counts. */
static void bucket_range(const hist *h, size_t *lo, size_t *hi)
{
    *lo = hist_bucket_of(h->min);
    *hi = hist_bucket_of(h->max);
}

double fit_cdf(const fit_result *r, double x)
{
    if (!(x > 0))
        return 0.0;
    double a = r->param[0].value, b = r->n_params > 1 ? r->param[1].value : 0.0;
    switch (r->family) {
    case FIT_LOGNORMAL:
        return gsl_cdf_lognormal_P(x, a, b);
    case FIT_GAMMA:
        return gsl_cdf_gamma_P(x, a, b);
    case FIT_WEIBULL:
        return gsl_cdf_weibull_P(x, b, a);
    case FIT_EXPONENTIAL:
        return gsl_cdf_exponential_P(x, a);
    case FIT_FAMILIES:
        break;
    }
    return NAN;
}

static void set_param(fit_param *p, const char *name, double value, double se)
{
    *p = (fit_param){ name, value, se, value - FIT_Z * se, value + FIT_Z * se };
}

/* ---- goodness of fit ---------------------------------------------------------- */

/* D at the bucket edges and its upper bound over the buckets (see fit.h). */
static void ks_statistic(const fit_sample *s, fit_result *r)
{
    const hist *h = &s->h;
    double n = (double)s->x.n, below = 0, d = 0, bound = 0;
    size_t lo, hi;
    bucket_range(h, &lo, &hi);
    /* Zeros and values under 2^-10 share bucket 0: the positive ones there count from 0. */
    for (size_t i = lo; i <= hi; i++) {
        uint64_t c = h->bucket[i];
        if (i == 0)
            c -= s->nonpositive;
        double a = i == 0 ? 0.0 : hist_bucket_lower(i);
        double b = i == HIST_BUCKETS - 1 ? INFINITY : hist_bucket_upper(i);
        double fn_a = below / n, fa = fit_cdf(r, a);
        below += (double)c;
        double fn_b = below / n, fb = i == HIST_BUCKETS - 1 ? 1.0 : fit_cdf(r, b);
        double gap_a = fabs(fn_a - fa), gap_b = fabs(fn_b - fb);
        if (gap_a > d)
            d = gap_a;
        if (gap_b > d)
            d = gap_b;
        double up = fmax(fn_b - fa, fb - fn_a);
        if (up > bound)
            bound = up;
    }
    /* Outside the occupied buckets F_n is 0 or 1: the fitted mass there is a gap too. */
    double left = fit_cdf(r, lo == 0 ? 0.0 : hist_bucket_lower(lo));
    double right = hi == HIST_BUCKETS - 1 ? 0.0 : 1.0 - fit_cdf(r, hist_bucket_upper(hi));
    d = fmax(d, fmax(left, right));
    r->ks_d = d;
    r->ks_d_bound = fmax(bound, d);
}

/* Lilliefors' test of normality: Dallal and Wilkinson's approximation, and Stephens'
 * modified statistic where that one is above 0.1 (the form R's nortest uses). */
static double lilliefors_p(double d, double n)
{
    double kd = d, nd = n;
    if (n > 100) {
        kd = d * pow(n / 100.0, 0.49);
        nd = 100;
    }
    double p = exp(-7.01256 * kd * kd * (nd + 2.78019) + 2.99587 * kd * sqrt(nd + 2.78019) -
                   0.122119 + 0.974598 / sqrt(nd) + 1.67997 / nd);
    if (p <= 0.1)
        return p;
    double k = (sqrt(n) - 0.01 + 0.85 / sqrt(n)) * d;
    if (k <= 0.302)
        return 1.0;
    if (k <= 0.5)
        p = 2.76773 - 19.828315 * k + 80.709644 * k * k - 138.55152 * k * k * k + 81.218052 * pow(k, 4);
    else if (k <= 0.9)
        p = -4.901232 + 40.662806 * k - 97.490286 * k * k + 94.029866 * k * k * k - 32.355711 * pow(k, 4);
    else if (k <= 1.31)
        p = 6.198765 - 19.558097 * k + 23.186922 * k * k - 12.234627 * k * k * k + 2.423045 * pow(k, 4);
    else
        p = 0.0;
    return fmin(1.0, fmax(0.0, p));
}

/* Stephens (1974), exponential with its mean estimated: the modified statistic's upper
 * percentage points (as Davis and Stephens' algorithm AS 248, 1989, tabulates them),
 * interpolated linearly in log p and clamped to [0.01, 0.15]. */
static double exponential_ks_p(double d, double n)
{
    static const double point[] = { 0.926, 0.995, 1.094, 1.184, 1.298 };
    static const double level[] = { 0.15, 0.10, 0.05, 0.025, 0.01 };
    double k = (d - 0.2 / n) * (sqrt(n) + 0.26 + 0.5 / sqrt(n));
    if (k <= point[0])
        return level[0];
    for (int i = 1; i < 5; i++)
        if (k <= point[i]) {
            double f = (k - point[i - 1]) / (point[i] - point[i - 1]);
            return exp(log(level[i - 1]) + f * (log(level[i]) - log(level[i - 1])));
        }
    return level[4];
}

/* ---- the families ----------------------------------------------------------- */

static int fit_lognormal(const fit_sample *s, fit_result *r)
{
    double n = (double)s->x.n, mu = s->log_x.mean, sigma = sqrt(s->log_x.m2 / n);
    if (!(sigma > 0))
        return -1;
    set_param(&r->param[0], "mu", mu, sigma / sqrt(n));
    set_param(&r->param[1], "sigma", sigma, sigma / sqrt(2.0 * n));
    r->n_params = 2;
    /* sum of (log x - mu)^2 / (2 sigma^2) is n / 2 at the MLE */
    r->loglik = -n * log(sigma) - 0.5 * n * log(2.0 * PI) - n * mu - 0.5 * n;
    r->mean = exp(mu + 0.5 * sigma * sigma);
    return 0;
}

static int fit_exponential(const fit_sample *s, fit_result *r)
{
    double n = (double)s->x.n, mean = s->x.mean;
    set_param(&r->param[0], "mean", mean, mean / sqrt(n));
    r->n_params = 1;
    r->loglik = -n * log(mean) - n;
    r->mean = mean;
    return 0;
}

/* Newton's method for a positive shape k, from *k: step(k, ctx) gives f(k) / f'(k); a step
 * to a k that is not positive halves k instead. Returns 0 with the root in *k (relative
 * change at most 1e-12), or -1 when 100 steps do not get there. */
static int newton_shape(double *k, double (*step)(double k, void *ctx), void *ctx)
{
    double x = *k;
    for (int it = 0; it < 100; it++) {
        double next = x - step(x, ctx);
        if (!(next > 0))
            next = 0.5 * x;
        if (fabs(next - x) <= 1e-12 * x) {
            if (!isfinite(next))
                return -1;
            *k = next;
            return 0;
        }
        x = next;
    }
    return -1;
}

static double gamma_step(double k, void *ctx)
{
    double s = *(const double *)ctx;
    double f = log(k) - gsl_sf_psi(k) - s, df = 1.0 / k - gsl_sf_psi_1(k);
    return f / df;
}

/* Gamma: the shape solves log k - psi(k) = log(mean x) - mean(log x) = s; Minka's closed
 * form starts Newton's iteration within a few percent (1.5% at worst), which then
 * converges in three or four steps. */
static int fit_gamma(const fit_sample *smp, fit_result *r)
{
    double n = (double)smp->x.n, mean = smp->x.mean, s = log(mean) - smp->log_x.mean;
    if (!(s > 0))
        return -1;
    double k = (3.0 - s + sqrt((s - 3.0) * (s - 3.0) + 24.0 * s)) / (12.0 * s);
    if (newton_shape(&k, gamma_step, &s) != 0)
        return -1;
    double theta = mean / k, trigamma = gsl_sf_psi_1(k), det = k * trigamma - 1.0;
    set_param(&r->param[0], "shape", k, sqrt(k / (n * det)));
    set_param(&r->param[1], "scale", theta, theta * sqrt(trigamma / (n * det)));
    r->n_params = 2;
    r->loglik = (k - 1.0) * n * smp->log_x.mean - n * k - n * k * log(theta) - n * gsl_sf_lngamma(k);
    r->mean = mean;
    return 0;
}

/* Weibull: the profile likelihood in the shape k, with the scale at its MLE
 * (mean x^k)^(1/k), is n (log k - log M(k) - mean log x - 1) for M(k) = mean (x/g)^k, g
 * the geometric mean (so the powers stay near 1). log M is convex, so the profile is
 * concave and Newton on its derivative 1/k - M'/M converges from the moment estimate
 * k = pi / (sqrt 6 sd(log x)). */
static void weibull_moments(const fit_sample *s, double k, double g, double *m0, double *m1, double *m2)
{
    const hist *h = &s->h;
    size_t lo, hi;
    bucket_range(h, &lo, &hi);
    double a = 0, b = 0, c = 0, n = 0;
    for (size_t i = lo; i <= hi; i++) {
        double count = (double)h->bucket[i];
        if (i == 0)
            count -= (double)s->nonpositive;
        if (count <= 0)
            continue;
        double ly = log(bucket_value(h, i) / g), yk = exp(k * ly);
        a += count * yk;
        b += count * yk * ly;
        c += count * yk * ly * ly;
        n += count;
    }
    *m0 = a / n;
    *m1 = b / n;
    *m2 = c / n;
}

struct weibull_ctx { const fit_sample *s; double g; };

/* The profile likelihood's derivative over its second derivative in the shape. */
static double weibull_step(double k, void *ctx)
{
    const struct weibull_ctx *c = ctx;
    double m0, m1, m2;
    weibull_moments(c->s, k, c->g, &m0, &m1, &m2);
    double d1 = 1.0 / k - m1 / m0;
    double d2 = -1.0 / (k * k) - (m2 / m0 - (m1 / m0) * (m1 / m0));
    return d1 / d2;
}

static int fit_weibull(const fit_sample *s, fit_result *r)
{
    double n = (double)s->x.n, sd = sqrt(s->log_x.m2 / n), g = exp(s->log_x.mean);
    if (!(sd > 0))
        return -1;
    double k = PI / (sqrt(6.0) * sd), m0 = 1, m1 = 0, m2 = 0;
    struct weibull_ctx ctx = { s, g };
    if (newton_shape(&k, weibull_step, &ctx) != 0)
        return -1;
    weibull_moments(s, k, g, &m0, &m1, &m2);
    double scale = g * pow(m0, 1.0 / k), c = 1.0 - EULER_GAMMA;
    /* Inverse Fisher information: var k = 6 k^2 / (pi^2 n), var scale = scale^2 (1 + 6 (1 -
     * gamma)^2 / pi^2) / (k^2 n). */
    set_param(&r->param[0], "shape", k, k * sqrt(6.0 / n) / PI);
    set_param(&r->param[1], "scale", scale, scale * sqrt((1.0 + 6.0 * c * c / (PI * PI)) / n) / k);
    r->n_params = 2;
    r->loglik = n * (log(k) - log(m0) - s->log_x.mean - 1.0);
    r->mean = scale * gsl_sf_gamma(1.0 + 1.0 / k);
    return 0;
}

int fit_sample_fit(const fit_sample *s, fit_family f, fit_result *r)
{
    memset(r, 0, sizeof *r);
    r->family = f;
    r->n = s->x.n;
    r->loglik = r->aic = r->ks_d = r->ks_d_bound = r->ks_p = r->mean = NAN;
    if (s->x.n < 2)
        return -1;
    int rc = -1;
    switch (f) {
    case FIT_LOGNORMAL:
        rc = fit_lognormal(s, r);
        break;
    case FIT_GAMMA:
        rc = fit_gamma(s, r);
        break;
    case FIT_WEIBULL:
        rc = fit_weibull(s, r);
        break;
    case FIT_EXPONENTIAL:
        rc = fit_exponential(s, r);
        break;
    case FIT_FAMILIES:
        break;
    }
    if (rc != 0) {
        r->n_params = 0;
        return -1;
    }
    r->ok = 1;
    r->aic = 2.0 * (double)r->n_params - 2.0 * r->loglik;
    ks_statistic(s, r);
    double n = (double)s->x.n;
    r->ks_p = f == FIT_LOGNORMAL ? lilliefors_p(r->ks_d, n)
            : f == FIT_EXPONENTIAL ? exponential_ks_p(r->ks_d, n) : NAN;
    return 0;
}

int fit_sample_best(const fit_sample *s, fit_result r[FIT_FAMILIES])
{
    int best = -1;
    for (int f = 0; f < FIT_FAMILIES; f++)
        if (fit_sample_fit(s, (fit_family)f, &r[f]) == 0 && (best < 0 || r[f].aic < r[best].aic))
            best = f;
    return best;
}

size_t fit_percentiles(const fit_sample *s, double percent[FIT_PERCENTS], double value[FIT_PERCENTS])
{
    static const double at[FIT_PERCENTS] = { 0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 100 };
    if (s->h.count == 0)
        return 0;
    for (size_t i = 0; i < FIT_PERCENTS; i++) {
        percent[i] = at[i];
        value[i] = hist_quantile(&s->h, at[i] / 100.0);
        if (i > 0 && value[i] < value[i - 1])    /* midpoints clamped to min: keep the order */
            value[i] = value[i - 1];
    }
    return FIT_PERCENTS;
}

/* ---- arrivals ----------------------------------------------------------------- */

static int64_t floor_div(double t, double width) { return (int64_t)floor(t / width); }

/* Monday = 0: 1970-01-01 was a Thursday. */
static size_t week_cell(int64_t hour)
{
    int64_t day = hour >= 0 ? hour / 24 : -((-hour + 23) / 24);
    int64_t dow = ((day + 3) % 7 + 7) % 7, h = hour - day * 24;
    return (size_t)(dow * 24 + h);
}

void fit_arrivals_init(fit_arrivals *a)
{
    memset(a, 0, sizeof *a);
    a->first = a->last = NAN;
    tally_init(&a->per_minute);
    tally_init(&a->hour_minutes);
    tally_init(&a->gaps);
}

/* k minutes of count c, all in one hour h. */
static void minutes_close(fit_arrivals *a, int64_t h, double c, double k)
{
    if (h != a->hour) {
        const tally *m = &a->hour_minutes;
        if (m->n >= 2 && m->mean > 0) {
            a->chi2 += m->m2 / m->mean;
            a->chi2_dof += (double)(m->n - 1);
        }
        tally_init(&a->hour_minutes);
        a->hour = h;
    }
    tally block = { (uint64_t)k, c, 0.0, c, c };
    tally_merge(&a->per_minute, &block);
    tally_merge(&a->hour_minutes, &block);
}

int fit_arrivals_add(fit_arrivals *a, double t)
{
    if (!isfinite(t) || (a->n > 0 && t < a->last))
        return -1;
    int64_t m = floor_div(t, 60.0);
    if (a->n == 0) {
        a->first = t;
        a->minute = m;
        a->hour = floor_div(t, 3600.0);
    } else {
        tally_add(&a->gaps, t - a->last);
        if (m > a->minute) {
            /* The first minute is partly before the window: it is not counted. */
            if (a->minute > floor_div(a->first, 60.0))
                minutes_close(a, floor_div((double)a->minute, 60.0), (double)a->minute_count, 1);
            for (int64_t from = a->minute + 1; from < m;) {
                int64_t h = floor_div((double)from, 60.0), end = (h + 1) * 60;
                int64_t to = end < m ? end : m;
                minutes_close(a, h, 0.0, (double)(to - from));
                from = to;
            }
            a->minute = m;
            a->minute_count = 0;
        }
    }
    a->minute_count++;
    a->week[week_cell(floor_div(t, 3600.0))]++;
    a->last = t;
    a->n++;
    return 0;
}

/* The p-quantile of chi-square with dof degrees of freedom (z: the normal p-quantile).
 * GSL's inverse does not converge for large dof; there Wilson and Hilferty's cube-root
 * normal approximation is used, whose relative error is below 1e-4 from dof = 200. */
static double chisq_quantile(double p, double z, double dof)
{
    if (dof < 200)
        return gsl_cdf_chisq_Pinv(p, dof);
    double v = 2.0 / (9.0 * dof), c = 1.0 - v + z * sqrt(v);
    return dof * c * c * c;
}

static void rate_set(fit_rate *r, uint64_t count, double exposure)
{
    r->count = count;
    r->exposure_s = exposure;
    if (!(exposure > 0)) {
        r->rate = r->lo = r->hi = NAN;
        return;
    }
    double c = (double)count;
    r->rate = c / exposure;
    r->lo = count == 0 ? 0.0 : 0.5 * chisq_quantile(0.025, -FIT_Z, 2.0 * c) / exposure;
    r->hi = 0.5 * chisq_quantile(0.975, FIT_Z, 2.0 * c + 2.0) / exposure;
}

void fit_arrivals_finish(const fit_arrivals *a, fit_profile *p)
{
    memset(p, 0, sizeof *p);
    p->n = a->n;
    double exposure[168] = { 0 }, day_exposure[24] = { 0 };
    uint64_t day_count[24] = { 0 };
    if (a->n >= 2) {
        for (int64_t h = floor_div(a->first, 3600.0); h <= floor_div(a->last, 3600.0); h++) {
            double lo = fmax(a->first, (double)h * 3600.0), hi = fmin(a->last, (double)(h + 1) * 3600.0);
            if (hi > lo)
                exposure[week_cell(h)] += hi - lo;
        }
    }
    for (size_t c = 0; c < 168; c++) {
        day_exposure[c % 24] += exposure[c];
        day_count[c % 24] += a->week[c];
    }
    for (size_t c = 0; c < 168; c++)
        rate_set(&p->week[c], a->week[c], exposure[c]);
    for (size_t h = 0; h < 24; h++)
        rate_set(&p->day[h], day_count[h], day_exposure[h]);
    p->span_s = a->n >= 2 ? a->last - a->first : 0.0;
    p->mean_rate = a->n >= 2 && p->span_s > 0 ? (double)(a->n - 1) / p->span_s : NAN;
    p->minutes = a->per_minute.n;
    p->dispersion = a->per_minute.n >= 2 && a->per_minute.mean > 0
                  ? tally_variance(&a->per_minute) / a->per_minute.mean : NAN;
    p->gap_cv = a->gaps.n >= 2 && a->gaps.mean > 0 ? sqrt(tally_variance(&a->gaps)) / a->gaps.mean : NAN;
    /* close the hour being counted (the last, partial minute stays out) */
    double chi2 = a->chi2, dof = a->chi2_dof;
    const tally *m = &a->hour_minutes;
    if (m->n >= 2 && m->mean > 0) {
        chi2 += m->m2 / m->mean;
        dof += (double)(m->n - 1);
    }
    p->dof = dof;
    if (dof > 0) {
        p->dispersion_hour = chi2 / dof;
        double below = gsl_cdf_chisq_P(chi2, dof), above = gsl_cdf_chisq_Q(chi2, dof);
        p->p_poisson = fmin(1.0, 2.0 * fmin(below, above));
    } else {
        p->dispersion_hour = p->p_poisson = NAN;
    }
}

/* ---- interval overlap ---------------------------------------------------------- */

void fit_overlap_init(fit_overlap *o) { memset(o, 0, sizeof *o); o->peak_at = NAN; }

void fit_overlap_free(fit_overlap *o)
{
    free(o->end);
    memset(o, 0, sizeof *o);
}

static void end_pop(fit_overlap *o)
{
    double *e = o->end;
    double last = e[--o->open];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= o->open)
            break;
        if (child + 1 < o->open && e[child + 1] < e[child])
            child++;
        if (e[child] >= last)
            break;
        e[i] = e[child];
        i = child;
    }
    e[i] = last;
}

int fit_overlap_add(fit_overlap *o, double start, double end)
{
    if (!isfinite(start) || !isfinite(end) || end < start || (o->n > 0 && start < o->last_start))
        return -1;
    while (o->open > 0 && o->end[0] <= start)
        end_pop(o);
    if (o->open == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 64;
        double *grown = realloc(o->end, cap * sizeof *grown);
        if (!grown)
            return -2;
        o->end = grown;
        o->cap = cap;
    }
    o->n++;
    o->last_start = start;
    if (!(end > start))        /* empty: overlaps nothing */
        return 0;
    size_t i = o->open++;
    while (i > 0 && o->end[(i - 1) / 2] > end) {
        o->end[i] = o->end[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    o->end[i] = end;
    if (o->open > o->peak) {
        o->peak = o->open;
        o->peak_at = start;
    }
    return 0;
}

/* ---- proportions ---------------------------------------------------------------- */

void fit_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
    *lo = fmax(0.0, centre - half);
    *hi = fmin(1.0, centre + half);
}
