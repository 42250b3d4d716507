/* test_fit.c — specifications of sim/fit.c: maximum-likelihood fits and their intervals,
 * goodness of fit, percentiles, rate profiles, interval overlap and Wilson intervals.
 *
 * Samples come from GSL's own generators with fixed seeds, so every run sees the same
 * numbers; the references are the laws they were drawn from (GSL's inverse CDFs, the rate
 * function of a thinned Poisson process), a brute-force count, or the exact KS statistic
 * over the sorted sample. SLSIM_QUICK shrinks the samples tenfold; tolerances follow the
 * sample size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tests/suites.h"
#include "sim/fit.h"

#define PI 3.141592653589793

/* ---- helpers --------------------------------------------------------------- */

static size_t sample_size(size_t n) { return test_quick() ? n / 10 : n; }

typedef struct law {
    fit_family family;
    double     a, b;   /* fit.h's parameters: lognormal mu, sigma; gamma and Weibull shape,
                        * scale; exponential mean */
} law;

static double law_draw(const law *l, gsl_rng *r)
{
    switch (l->family) {
    case FIT_LOGNORMAL:
        return gsl_ran_lognormal(r, l->a, l->b);
    case FIT_GAMMA:
        return gsl_ran_gamma(r, l->a, l->b);
    case FIT_WEIBULL:
        return gsl_ran_weibull(r, l->b, l->a);
    default:
        return gsl_ran_exponential(r, l->a);
    }
}

static double law_cdf(const law *l, double x)
{
    switch (l->family) {
    case FIT_LOGNORMAL:
        return gsl_cdf_lognormal_P(x, l->a, l->b);
    case FIT_GAMMA:
        return gsl_cdf_gamma_P(x, l->a, l->b);
    case FIT_WEIBULL:
        return gsl_cdf_weibull_P(x, l->b, l->a);
    default:
        return gsl_cdf_exponential_P(x, l->a);
    }
}

/* A sample of n draws of l with seed; keeps the values in *keep when keep is not NULL. */
static fit_sample *sample_of(const law *l, size_t n, unsigned long seed, double **keep)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    fit_sample *s = malloc(sizeof *s);
    ck_assert_ptr_nonnull(s);
    fit_sample_init(s);
    double *x = keep ? malloc(n * sizeof *x) : NULL;
    int refused = 0;    /* one assertion after the loop: check writes a record per assertion */
    for (size_t i = 0; i < n; i++) {
        double v = law_draw(l, r);
        refused |= fit_sample_add(s, v);
        if (x)
            x[i] = v;
    }
    ck_assert_int_eq(refused, 0);
    if (keep)
        *keep = x;
    gsl_rng_free(r);
    return s;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int covers(const fit_param *p, double truth) { return p->lo <= truth && truth <= p->hi; }

static const law laws[] = {
    { FIT_LOGNORMAL, 4.2, 0.83 },
    { FIT_GAMMA, 2.385, 41.3 },
    { FIT_WEIBULL, 1.37, 88.5 },
    { FIT_EXPONENTIAL, 57.3, 0 },
};

/* ---- fits ------------------------------------------------------------------ */

START_TEST(test_fit_each_family_recovers_its_parameters_within_the_reported_interval)
{
    const law *l = &laws[_i];
    size_t n = sample_size(100000);
    fit_sample *s = sample_of(l, n, 2385 + (unsigned long)_i, NULL);
    fit_result r;
    ck_assert_int_eq(fit_sample_fit(s, l->family, &r), 0);
    ck_assert(r.ok);
    ck_assert_uint_eq(r.n, n);
    double truth[2] = { l->a, l->b };
    for (size_t k = 0; k < r.n_params; k++) {
        const fit_param *p = &r.param[k];
        ck_assert_msg(covers(p, truth[k]), "%s %s: %g not in [%g, %g]", fit_family_name(l->family),
                      p->name, truth[k], p->lo, p->hi);
        /* the interval is the one its standard error says, and that error is the size
         * the law's Fisher information gives: 1/sqrt(n) scaled, never a wide net */
        ck_assert(p->se > 0 && p->se < 5.0 * truth[k] / sqrt((double)n));
    }
    free(s);
}
END_TEST

START_TEST(test_fit_aic_picks_the_family_the_sample_was_drawn_from)
{
    const law *l = &laws[_i];
    fit_sample *s = sample_of(l, sample_size(100000), 4711 + (unsigned long)_i, NULL);
    fit_result r[FIT_FAMILIES];
    int best = fit_sample_best(s, r);
    ck_assert_msg(best == (int)l->family, "drawn %s, best %s", fit_family_name(l->family),
                  best >= 0 ? fit_family_name((fit_family)best) : "none");
    for (int f = 0; f < FIT_FAMILIES; f++) {
        ck_assert(r[f].ok);
        ck_assert(fabs(r[f].aic - (2.0 * (double)r[f].n_params - 2.0 * r[f].loglik)) < 1e-6 * fabs(r[f].aic));
    }
    free(s);
}
END_TEST

/* The log-likelihood a fit reports is the sum of log densities over the sample at its
 * parameters (computed here from GSL's densities), and no nearby parameter does better. */
START_TEST(test_fit_loglik_is_the_sum_of_log_densities_and_a_maximum)
{
    const law *l = &laws[_i];
    size_t n = 20000;
    double *x;
    fit_sample *s = sample_of(l, n, 99 + (unsigned long)_i, &x);
    fit_result r;
    ck_assert_int_eq(fit_sample_fit(s, l->family, &r), 0);
    double best = 0;
    for (int step = 0; step < 5; step++) {
        double da = step == 1 ? 1e-3 : step == 2 ? -1e-3 : 0, db = step == 3 ? 1e-3 : step == 4 ? -1e-3 : 0;
        double a = r.param[0].value * (1 + da), b = r.n_params > 1 ? r.param[1].value * (1 + db) : 0, sum = 0;
        for (size_t i = 0; i < n; i++) {
            double d = l->family == FIT_LOGNORMAL ? gsl_ran_lognormal_pdf(x[i], a, b)
                     : l->family == FIT_GAMMA ? gsl_ran_gamma_pdf(x[i], a, b)
                     : l->family == FIT_WEIBULL ? gsl_ran_weibull_pdf(x[i], b, a)
                     : gsl_ran_exponential_pdf(x[i], a);
            sum += log(d);
        }
        if (step == 0) {
            best = sum;
            /* Weibull's sums come from bucket midpoints: the error is second order */
            double tol = l->family == FIT_WEIBULL ? 1e-4 * fabs(sum) : 1e-9 * fabs(sum);
            ck_assert_msg(fabs(sum - r.loglik) <= tol, "%s: loglik %.9g, direct %.9g",
                          fit_family_name(l->family), r.loglik, sum);
        } else {
            ck_assert_msg(sum <= best + 1e-6, "%s: a step of 0.1%% raises the likelihood",
                          fit_family_name(l->family));
        }
    }
    free(x);
    free(s);
}
END_TEST

/* Over 200 seeds the 95% intervals cover the truth a binomially consistent number of
 * times: 190 expected, standard deviation 3.1; 178 to 200 is within 4 of them. */
START_TEST(test_fit_intervals_cover_the_truth_at_their_stated_rate)
{
    const law *l = &laws[_i];
    size_t n = test_quick() ? 2000 : 10000;
    int seeds = 200, covered[2] = { 0, 0 };
    for (int seed = 0; seed < seeds; seed++) {
        fit_sample *s = sample_of(l, n, 100000 + (unsigned long)seed, NULL);
        fit_result r;
        ck_assert_int_eq(fit_sample_fit(s, l->family, &r), 0);
        covered[0] += covers(&r.param[0], l->a);
        if (r.n_params > 1)
            covered[1] += covers(&r.param[1], l->b);
        free(s);
    }
    for (size_t k = 0; k < (l->family == FIT_EXPONENTIAL ? 1u : 2u); k++)
        ck_assert_msg(covered[k] >= 178, "%s parameter %zu: covered %d of %d", fit_family_name(l->family),
                      k, covered[k], seeds);
}
END_TEST

START_TEST(test_fit_gamma_newton_converges_for_small_and_large_shapes)
{
    const double shapes[] = { 0.31, 1.0, 7.9, 48.5 };
    for (size_t i = 0; i < 4; i++) {
        law l = { FIT_GAMMA, shapes[i], 3.7 };
        fit_sample *s = sample_of(&l, 50000, 31 + i, NULL);
        fit_result r;
        ck_assert_int_eq(fit_sample_fit(s, FIT_GAMMA, &r), 0);
        ck_assert_msg(fabs(r.param[0].value - shapes[i]) <= 4 * r.param[0].se, "shape %g fitted %g +- %g",
                      shapes[i], r.param[0].value, r.param[0].se);
        free(s);
    }
}
END_TEST

START_TEST(test_fit_refuses_too_little_and_bad_values)
{
    fit_sample s;
    fit_sample_init(&s);
    ck_assert_int_eq(fit_sample_add(&s, -1.0), -1);
    ck_assert_int_eq(fit_sample_add(&s, NAN), -1);
    ck_assert_int_eq(fit_sample_add(&s, INFINITY), -1);
    ck_assert_int_eq(fit_sample_add(&s, 12.5), 0);
    fit_result r[FIT_FAMILIES];
    ck_assert_int_eq(fit_sample_best(&s, r), -1);      /* one value */
    ck_assert_int_eq(fit_sample_add(&s, 12.5), 0);
    ck_assert_int_eq(fit_sample_fit(&s, FIT_LOGNORMAL, &r[0]), -1);   /* all equal */
    ck_assert(!r[0].ok);
    ck_assert_int_eq(fit_sample_add(&s, 0.0), 0);      /* a zero: percentiles, not fits */
    ck_assert_uint_eq(s.nonpositive, 1);
    ck_assert_uint_eq(s.h.count, 3);
    ck_assert_uint_eq(s.x.n, 2);
}
END_TEST

/* ---- goodness of fit ------------------------------------------------------------ */

/* The exact KS statistic of the sorted sample against the fitted CDF lies between the
 * reported edge statistic and its bound. */
START_TEST(test_fit_ks_exact_statistic_lies_between_the_edge_value_and_its_bound)
{
    const law *l = &laws[_i];
    size_t n = 20000;
    double *x;
    fit_sample *s = sample_of(l, n, 808 + (unsigned long)_i, &x);
    qsort(x, n, sizeof *x, compare_doubles);
    for (int f = 0; f < FIT_FAMILIES; f++) {
        fit_result r;
        ck_assert_int_eq(fit_sample_fit(s, (fit_family)f, &r), 0);
        double d = 0;
        for (size_t i = 0; i < n; i++) {
            double F = fit_cdf(&r, x[i]);
            d = fmax(d, fmax((double)(i + 1) / (double)n - F, F - (double)i / (double)n));
        }
        ck_assert_msg(r.ks_d <= d + 1e-12 && d <= r.ks_d_bound + 1e-12, "%s on %s: %g <= %g <= %g",
                      fit_family_name((fit_family)f), fit_family_name(l->family), r.ks_d, d, r.ks_d_bound);
        /* and the edge value misses little of it */
        ck_assert_msg(d - r.ks_d < 0.25 * d + 0.002, "edge D %g, exact %g", r.ks_d, d);
    }
    free(x);
    free(s);
}
END_TEST

/* The right family's D is within the 1% critical value 1.63 / sqrt(n); a wrong one's is
 * many times that. Lilliefors' and Stephens' p-values agree. */
START_TEST(test_fit_ks_small_for_the_right_family_and_large_for_a_wrong_one)
{
    size_t n = sample_size(100000);
    double critical = 1.63 / sqrt((double)n);
    law lognormal = laws[0], weibull = laws[2], exponential = laws[3];
    fit_result r;

    fit_sample *s = sample_of(&lognormal, n, 17, NULL);
    ck_assert_int_eq(fit_sample_fit(s, FIT_LOGNORMAL, &r), 0);
    ck_assert_msg(r.ks_d < critical, "lognormal on lognormal: D %g", r.ks_d);
    ck_assert_msg(r.ks_p > 0.01, "lognormal on lognormal: p %g", r.ks_p);
    ck_assert_int_eq(fit_sample_fit(s, FIT_EXPONENTIAL, &r), 0);
    ck_assert_msg(r.ks_d > 5 * critical, "exponential on lognormal: D %g", r.ks_d);
    ck_assert(r.ks_p == 0.01);
    ck_assert_int_eq(fit_sample_fit(s, FIT_GAMMA, &r), 0);
    ck_assert(isnan(r.ks_p));
    free(s);

    s = sample_of(&weibull, n, 18, NULL);
    ck_assert_int_eq(fit_sample_fit(s, FIT_WEIBULL, &r), 0);
    ck_assert_msg(r.ks_d < critical, "weibull on weibull: D %g", r.ks_d);
    ck_assert_int_eq(fit_sample_fit(s, FIT_LOGNORMAL, &r), 0);
    ck_assert_msg(r.ks_d > 3 * critical && r.ks_p < 1e-6, "lognormal on weibull: D %g p %g", r.ks_d, r.ks_p);
    free(s);

    s = sample_of(&exponential, n, 19, NULL);
    ck_assert_int_eq(fit_sample_fit(s, FIT_EXPONENTIAL, &r), 0);
    ck_assert_msg(r.ks_d < critical && r.ks_p > 0.01, "exponential on exponential: D %g p %g", r.ks_d, r.ks_p);
    free(s);
}
END_TEST

/* Under the null a p-value is uniform: over 200 samples, the share of lognormal fits with
 * p < 0.1 is 0.1 (20 of 200, sd 4.2) and of exponential fits with p < 0.05 is 0.05 (10 of
 * 200, sd 3.1); the bounds are 4 sd. The edge D is a lower bound of the exact one, so a
 * share far below its level would show it. */
START_TEST(test_fit_ks_p_is_calibrated_under_the_null)
{
    int below = 0, below_exponential = 0, seeds = 200;
    for (int seed = 0; seed < seeds; seed++) {
        fit_result r;
        fit_sample *s = sample_of(&laws[0], 5000, 7000 + (unsigned long)seed, NULL);
        ck_assert_int_eq(fit_sample_fit(s, FIT_LOGNORMAL, &r), 0);
        below += r.ks_p < 0.1;
        free(s);
        s = sample_of(&laws[3], 5000, 9000 + (unsigned long)seed, NULL);
        ck_assert_int_eq(fit_sample_fit(s, FIT_EXPONENTIAL, &r), 0);
        below_exponential += r.ks_p < 0.05;
        free(s);
    }
    ck_assert_msg(below >= 4 && below <= 36, "lognormal: p < 0.1 in %d of %d samples", below, seeds);
    ck_assert_msg(below_exponential >= 1 && below_exponential <= 23, "exponential: p < 0.05 in %d of %d samples",
                  below_exponential, seeds);
}
END_TEST

/* ---- percentiles ---------------------------------------------------------------- */

START_TEST(test_fit_percentiles_match_the_inverse_cdf_within_the_bucket_error)
{
    const law *l = &laws[_i];
    size_t n = sample_size(1000000);
    fit_sample *s = sample_of(l, n, 555 + (unsigned long)_i, NULL);
    double pc[FIT_PERCENTS], v[FIT_PERCENTS];
    ck_assert_uint_eq(fit_percentiles(s, pc, v), FIT_PERCENTS);
    ck_assert(pc[0] == 0 && pc[FIT_PERCENTS - 1] == 100);
    ck_assert(v[0] == s->h.min && v[FIT_PERCENTS - 1] == s->h.max);
    for (size_t i = 1; i < FIT_PERCENTS; i++)
        ck_assert(pc[i] > pc[i - 1] && v[i] >= v[i - 1]);
    for (size_t i = 1; i + 1 < FIT_PERCENTS; i++) {
        double p = pc[i] / 100.0, q;
        switch (l->family) {
        case FIT_LOGNORMAL: q = gsl_cdf_lognormal_Pinv(p, l->a, l->b); break;
        case FIT_GAMMA: q = gsl_cdf_gamma_Pinv(p, l->a, l->b); break;
        case FIT_WEIBULL: q = gsl_cdf_weibull_Pinv(p, l->b, l->a); break;
        default: q = gsl_cdf_exponential_Pinv(p, l->a); break;
        }
        /* the sample quantile's standard error sqrt(p (1 - p) / n) / f(q), f by difference */
        double h = 1e-4 * q, f = (law_cdf(l, q + h) - law_cdf(l, q - h)) / (2 * h);
        double se = sqrt(p * (1 - p) / (double)n) / f;
        ck_assert_msg(fabs(v[i] - q) <= q / 128.0 + 4 * se, "%s p%g: %g, inverse CDF %g (se %g)",
                      fit_family_name(l->family), pc[i], v[i], q, se);
    }
    free(s);
}
END_TEST

/* ---- arrivals ------------------------------------------------------------------- */

#define MONDAY_2024 1704067200.0    /* 2024-01-01 00:00 UTC, a Monday */

/* rate(t) = base (1 + depth sin(2 pi t / day)), t from midnight UTC */
static double diurnal_rate(double base, double depth, double t)
{
    return base * (1 + depth * sin(2 * PI * fmod(t, 86400.0) / 86400.0));
}

/* The mean of that rate over hour h of the day: the integral of the sine in closed form. */
static double diurnal_hour_mean(double base, double depth, int h)
{
    double w = 2 * PI / 86400.0, a = h * 3600.0, b = a + 3600.0;
    return base * (1 + depth * (cos(w * a) - cos(w * b)) / (w * 3600.0));
}

/* A thinned Poisson process: candidates at the peak rate, kept with rate(t) / peak. */
START_TEST(test_fit_hour_of_day_profile_of_a_diurnal_process_matches_its_rate_function)
{
    double base = 0.5, depth = 0.6, days = test_quick() ? 7 : 28, peak = base * (1 + depth);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2385);
    fit_arrivals *a = malloc(sizeof *a);
    fit_arrivals_init(a);
    int refused = 0;
    for (double t = MONDAY_2024 + gsl_ran_exponential(r, 1 / peak); t < MONDAY_2024 + days * 86400;
         t += gsl_ran_exponential(r, 1 / peak))
        if (gsl_rng_uniform(r) * peak < diurnal_rate(base, depth, t))
            refused |= fit_arrivals_add(a, t);
    ck_assert_int_eq(refused, 0);
    fit_profile p;
    fit_arrivals_finish(a, &p);
    int inside = 0;
    for (int h = 0; h < 24; h++) {
        double truth = diurnal_hour_mean(base, depth, h);
        const fit_rate *c = &p.day[h];
        inside += c->lo <= truth && truth <= c->hi;
        ck_assert_msg(fabs(c->rate - truth) <= 4 * sqrt((double)c->count) / c->exposure_s,
                      "hour %d: %g/s, rate function %g/s", h, c->rate, truth);
        /* every day of the week saw it too: Monday to Sunday at that hour */
        for (int d = 0; d < 7; d++) {
            const fit_rate *w = &p.week[d * 24 + h];
            ck_assert_msg(fabs(w->rate - truth) <= 4.5 * sqrt((double)w->count) / w->exposure_s,
                          "day %d hour %d: %g/s, rate function %g/s", d, h, w->rate, truth);
        }
    }
    ck_assert_msg(inside >= 19, "%d of 24 hours inside their 95%% interval", inside);
    /* The daily cycle alone makes minute counts overdispersed: var/mean = 1 + 60 base
     * depth^2 / 2 (the rate's variance over the day, times 60^2, over the mean count 60 base). */
    double expected = 1 + 60 * base * depth * depth / 2;
    ck_assert_msg(fabs(p.dispersion - expected) < 0.1 * expected, "dispersion %g, expected %g",
                  p.dispersion, expected);
    /* Within an hour only the rate's slope is left: minute means along a line of step
     * delta = 3600 base depth w cos(w t) counts have variance delta^2 (60^2 - 1) / 12, cos^2
     * averaging 1/2 over the day, over the mean count 60 base. Its standard error is
     * sqrt(2 / dof). (So the test, at this many events, does see a rate that changes within
     * the hour: it is that sensitive.) */
    double delta = 3600 * base * depth * 2 * PI / 86400.0;
    double within = 1 + delta * delta * (3600 - 1) / 12 * 0.5 / (60 * base);
    ck_assert_msg(fabs(p.dispersion_hour - within) < 4 * sqrt(2 / p.dof), "within hours %g, expected %g",
                  p.dispersion_hour, within);
    ck_assert(fabs(p.mean_rate - base) < 0.02 * base);
    free(a);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_fit_poisson_arrivals_have_unit_gap_cv_and_pass_the_poisson_test)
{
    double rate = 3.7;
    size_t n = sample_size(200000);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 77);
    fit_arrivals a;
    fit_arrivals_init(&a);
    double t = MONDAY_2024 + 3 * 3600 + 17;
    int refused = 0;
    for (size_t i = 0; i < n; i++, t += gsl_ran_exponential(r, 1 / rate))
        refused |= fit_arrivals_add(&a, t);
    ck_assert_int_eq(refused, 0);
    fit_profile p;
    fit_arrivals_finish(&a, &p);
    /* the CV of exponential gaps has standard error about 1 / sqrt(n) */
    ck_assert_msg(fabs(p.gap_cv - 1) < 4 / sqrt((double)n), "gap CV %g", p.gap_cv);
    ck_assert_msg(fabs(p.dispersion - 1) < 4 * sqrt(2.0 / (double)p.minutes), "dispersion %g", p.dispersion);
    ck_assert_msg(p.p_poisson > 0.001, "p %g", p.p_poisson);
    ck_assert(fabs(p.mean_rate - rate) < 4 * rate / sqrt((double)n));
    /* the first partial minute is not counted, nor is the last */
    ck_assert_uint_eq(p.minutes, (uint64_t)(floor(a.last / 60) - floor(a.first / 60) - 1));
    gsl_rng_free(r);
}
END_TEST

/* Arrivals in batches (a Poisson process of bursts of 1 to 5 at once) are overdispersed:
 * var/mean of a compound Poisson count is E[B^2] / E[B] = 11 / 3. */
START_TEST(test_fit_batched_arrivals_fail_the_poisson_test)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 78);
    fit_arrivals a;
    fit_arrivals_init(&a);
    double t = MONDAY_2024;
    int refused = 0;
    for (int i = 0; i < 20000; i++, t += gsl_ran_exponential(r, 1.0)) {
        int burst = 1 + (int)gsl_rng_uniform_int(r, 5);
        for (int k = 0; k < burst; k++)
            refused |= fit_arrivals_add(&a, t);
    }
    ck_assert_int_eq(refused, 0);
    fit_profile p;
    fit_arrivals_finish(&a, &p);
    ck_assert_msg(fabs(p.dispersion_hour - 11.0 / 3) < 0.4 && p.p_poisson < 1e-9, "within hours %g (p %g)",
                  p.dispersion_hour, p.p_poisson);
    ck_assert(p.gap_cv > 1.5);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_fit_arrivals_refuse_time_going_back_and_keep_cells_of_the_week)
{
    fit_arrivals a;
    fit_arrivals_init(&a);
    ck_assert_int_eq(fit_arrivals_add(&a, MONDAY_2024 + 2 * 86400 + 13 * 3600 + 5), 0);   /* Wednesday 13:00 */
    ck_assert_int_eq(fit_arrivals_add(&a, MONDAY_2024 + 2 * 86400 + 13 * 3600 + 4), -1);
    ck_assert_int_eq(fit_arrivals_add(&a, NAN), -1);
    ck_assert_int_eq(fit_arrivals_add(&a, MONDAY_2024 + 6 * 86400 + 23 * 3600), 0);      /* Sunday 23:00 */
    ck_assert_uint_eq(a.n, 2);
    ck_assert_uint_eq(a.week[2 * 24 + 13], 1);
    ck_assert_uint_eq(a.week[6 * 24 + 23], 1);
    fit_profile p;
    fit_arrivals_finish(&a, &p);
    ck_assert(p.week[2 * 24 + 13].exposure_s == 3600 - 5);
    ck_assert(p.week[6 * 24 + 23].exposure_s == 0 && isnan(p.week[6 * 24 + 23].rate));
    ck_assert(p.week[0].exposure_s == 0);     /* Monday was never in the window */
    ck_assert(p.week[3 * 24].exposure_s == 3600);
}
END_TEST

/* ---- overlap -------------------------------------------------------------------- */

START_TEST(test_fit_peak_overlap_equals_a_brute_force_count)
{
    size_t n = 3000;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 4242);
    double *start = malloc(n * sizeof *start), *end = malloc(n * sizeof *end);
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        /* whole milliseconds, so that equal starts and an end meeting a start happen */
        t += floor(gsl_ran_exponential(r, 4.0));
        start[i] = t;
        end[i] = t + floor(gsl_ran_lognormal(r, 3.5, 0.9));
    }
    fit_overlap o;
    fit_overlap_init(&o);
    int refused = 0;
    for (size_t i = 0; i < n; i++)
        refused |= fit_overlap_add(&o, start[i], end[i]);
    ck_assert_int_eq(refused, 0);
    size_t brute = 0;
    for (size_t i = 0; i < n; i++) {
        size_t open = 0;
        for (size_t j = 0; j < n; j++)
            open += start[j] <= start[i] && start[i] < end[j];
        if (open > brute)
            brute = open;
    }
    ck_assert_uint_eq(o.peak, brute);
    ck_assert(brute > 5);
    ck_assert(o.cap <= 64 || o.cap < 2 * o.peak);    /* memory follows the concurrency */
    ck_assert_int_eq(fit_overlap_add(&o, start[n - 1] - 1, start[n - 1]), -1);
    ck_assert_int_eq(fit_overlap_add(&o, start[n - 1], start[n - 1] - 1), -1);
    fit_overlap_free(&o);
    free(start);
    free(end);
    gsl_rng_free(r);
}
END_TEST

/* ---- proportions ---------------------------------------------------------------- */

START_TEST(test_fit_wilson_interval_known_values_and_coverage)
{
    double lo, hi;
    fit_wilson(0, 10, FIT_Z, &lo, &hi);
    ck_assert(lo == 0 && fabs(hi - FIT_Z * FIT_Z / (10 + FIT_Z * FIT_Z)) < 1e-12);
    fit_wilson(10, 10, FIT_Z, &lo, &hi);
    ck_assert(fabs(hi - 1) < 1e-12 && fabs(lo - 10 / (10 + FIT_Z * FIT_Z)) < 1e-12);
    fit_wilson(0, 0, FIT_Z, &lo, &hi);
    ck_assert(lo == 0 && hi == 1);
    /* coverage at p = 0.123, n = 500 over 2000 draws: 95% expected, sd 0.5% */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    int covered = 0;
    for (int i = 0; i < 2000; i++) {
        unsigned k = gsl_ran_binomial(r, 0.123, 500);
        fit_wilson(k, 500, FIT_Z, &lo, &hi);
        covered += lo <= 0.123 && 0.123 <= hi;
    }
    ck_assert_msg(covered >= 1860 && covered <= 1940, "covered %d of 2000", covered);
    gsl_rng_free(r);
}
END_TEST

/* ---- suite ----------------------------------------------------------------- */

Suite *fit_suite(void)
{
    Suite *s = suite_create("fit");
    TCase *fits = tcase_create("fits");
    tcase_set_timeout(fits, 120);
    tcase_add_loop_test(fits, test_fit_each_family_recovers_its_parameters_within_the_reported_interval, 0, 4);
    tcase_add_loop_test(fits, test_fit_aic_picks_the_family_the_sample_was_drawn_from, 0, 4);
    tcase_add_loop_test(fits, test_fit_loglik_is_the_sum_of_log_densities_and_a_maximum, 0, 4);
    tcase_add_test(fits, test_fit_gamma_newton_converges_for_small_and_large_shapes);
    tcase_add_test(fits, test_fit_refuses_too_little_and_bad_values);
    suite_add_tcase(s, fits);

    TCase *coverage = tcase_create("coverage");
    tcase_set_timeout(coverage, 300);
    tcase_add_loop_test(coverage, test_fit_intervals_cover_the_truth_at_their_stated_rate, 0, 4);
    tcase_add_test(coverage, test_fit_ks_p_is_calibrated_under_the_null);
    suite_add_tcase(s, coverage);

    TCase *ks = tcase_create("ks");
    tcase_set_timeout(ks, 120);
    tcase_add_loop_test(ks, test_fit_ks_exact_statistic_lies_between_the_edge_value_and_its_bound, 0, 4);
    tcase_add_test(ks, test_fit_ks_small_for_the_right_family_and_large_for_a_wrong_one);
    tcase_add_loop_test(ks, test_fit_percentiles_match_the_inverse_cdf_within_the_bucket_error, 0, 4);
    suite_add_tcase(s, ks);

    TCase *arrivals = tcase_create("arrivals");
    tcase_set_timeout(arrivals, 120);
    tcase_add_test(arrivals, test_fit_hour_of_day_profile_of_a_diurnal_process_matches_its_rate_function);
    tcase_add_test(arrivals, test_fit_poisson_arrivals_have_unit_gap_cv_and_pass_the_poisson_test);
    tcase_add_test(arrivals, test_fit_batched_arrivals_fail_the_poisson_test);
    tcase_add_test(arrivals, test_fit_arrivals_refuse_time_going_back_and_keep_cells_of_the_week);
    tcase_add_test(arrivals, test_fit_peak_overlap_equals_a_brute_force_count);
    tcase_add_test(arrivals, test_fit_wilson_interval_known_values_and_coverage);
    suite_add_tcase(s, arrivals);
    return s;
}
