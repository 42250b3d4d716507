/* dist.c — sampling, means and parsing of distributions.
 *
 * Sampling parameters by kind: constant a = value; uniform a = min, b = max; exponential
 * a = mean; normal a = mu, b = sd (resampled while negative); lognormal a = mu, b = sigma
 * of the underlying normal; gamma a = shape, b = scale; weibull a = shape, b = scale;
 * pareto a = shape, b = scale. The mean is always computed once, at construction. */
#include "sim/dist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "sim/rng.h"
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_cdf.h>

#define Z99 2.3263478740408408 /* standard normal 0.99 quantile */

dist dist_constant(double value) { return (dist){ .kind = DIST_CONSTANT, .a = value, .mean = value }; }
dist dist_exponential(double mean) { return (dist){ .kind = DIST_EXPONENTIAL, .a = mean, .mean = mean }; }
dist dist_uniform(double lo, double hi)
{
    return (dist){ .kind = DIST_UNIFORM, .a = lo, .b = hi, .mean = 0.5 * (lo + hi) };
}
dist dist_lognormal_median_p99(double median, double p99)
{
    double mu = log(median), sigma = log(p99 / median) / Z99;
    return (dist){ .kind = DIST_LOGNORMAL, .a = mu, .b = sigma, .mean = exp(mu + 0.5 * sigma * sigma) };
}
dist dist_lognormal_mean_sd(double mean, double sd)
{
    double s2 = log(1.0 + (sd * sd) / (mean * mean));
    return (dist){ .kind = DIST_LOGNORMAL, .a = log(mean) - 0.5 * s2, .b = sqrt(s2), .mean = mean };
}
dist dist_gamma_mean_cv(double mean, double cv)
{
    return (dist){ .kind = DIST_GAMMA, .a = 1.0 / (cv * cv), .b = mean * cv * cv, .mean = mean };
}
static dist dist_normal(double mu, double sd)
{
    /* Mean of a normal truncated to [0, inf). */
    double alpha = -mu / sd, tail = gsl_cdf_ugaussian_Q(alpha);
    double mean = tail > 0 ? mu + sd * gsl_ran_ugaussian_pdf(alpha) / tail : 0.0;
    return (dist){ .kind = DIST_NORMAL, .a = mu, .b = sd, .mean = mean };
}
static dist dist_weibull(double shape, double scale)
{
    return (dist){ .kind = DIST_WEIBULL, .a = shape, .b = scale,
                   .mean = scale * gsl_sf_gamma(1.0 + 1.0 / shape) };
}
static dist dist_pareto(double shape, double scale)
{
    return (dist){ .kind = DIST_PARETO, .a = shape, .b = scale, .mean = shape * scale / (shape - 1.0) };
}

double dist_mean(const dist *d) { return d->mean; }

double dist_sample(const dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case DIST_CONSTANT:
        return d->a;
    case DIST_UNIFORM:
        return d->a + (d->b - d->a) * rng_uniform(r);
    case DIST_EXPONENTIAL:
        return rng_exponential(r, d->a);
    case DIST_NORMAL: {
        /* Rejection is cheap unless mu is far below 0; cap the tries to stay bounded. */
        for (int i = 0; i < 1000; i++) {
            double x = d->a + d->b * gsl_ran_gaussian_ziggurat(r, 1.0);
            if (x >= 0)
                return x;
        }
        return 0.0;
    }
    case DIST_LOGNORMAL:
        return exp(d->a + d->b * gsl_ran_gaussian_ziggurat(r, 1.0));
    case DIST_GAMMA:
        return gsl_ran_gamma(r, d->a, d->b);
    case DIST_WEIBULL:
        return gsl_ran_weibull(r, d->b, d->a);
    case DIST_PARETO:
        return gsl_ran_pareto(r, d->a, d->b);
    case DIST_EMPIRICAL: {
        double u = rng_uniform(r);
        size_t lo = 0, hi = d->n - 1;   /* find p[lo] <= u < p[lo+1] */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (d->p[mid] <= u)
                lo = mid;
            else
                hi = mid;
        }
        double span = d->p[lo + 1] - d->p[lo];
        double f = span > 0 ? (u - d->p[lo]) / span : 0.0;
        return d->v[lo] + f * (d->v[lo + 1] - d->v[lo]);
    }
    case DIST_MIXTURE: {
        double u = rng_uniform(r);
        size_t i = 0;
        while (i + 1 < d->n && u >= d->cum[i])
            i++;
        return dist_sample(&d->parts[i], r);
    }
    }
    return 0.0;
}

void dist_free(dist *d)
{
    if (!d)
        return;
    free(d->p);
    free(d->v);
    if (d->parts)
        for (size_t i = 0; i < d->n; i++)
            dist_free(&d->parts[i]);
    free(d->parts);
    free(d->cum);
    memset(d, 0, sizeof *d);
}

int dist_copy(dist *dst, const dist *src)
{
    *dst = *src;
    dst->p = dst->v = dst->cum = NULL;
    dst->parts = NULL;
    if (src->kind == DIST_EMPIRICAL) {
        dst->p = malloc(src->n * sizeof *dst->p);
        dst->v = malloc(src->n * sizeof *dst->v);
        if (!dst->p || !dst->v)
            goto oom;
        memcpy(dst->p, src->p, src->n * sizeof *dst->p);
        memcpy(dst->v, src->v, src->n * sizeof *dst->v);
    } else if (src->kind == DIST_MIXTURE) {
        dst->parts = calloc(src->n, sizeof *dst->parts);
        dst->cum = malloc(src->n * sizeof *dst->cum);
        if (!dst->parts || !dst->cum)
            goto oom;
        memcpy(dst->cum, src->cum, src->n * sizeof *dst->cum);
        for (size_t i = 0; i < src->n; i++)
            if (dist_copy(&dst->parts[i], &src->parts[i]) != 0)
                goto oom;
    }
    return 0;
oom:
    dist_free(dst);
    return -1;
}

static const char *const kind_names[] = { "constant", "uniform", "exponential", "normal",
                                          "lognormal", "gamma", "weibull", "pareto",
                                          "empirical", "mixture", NULL };

/* 12 significant digits: hides the last bits lost in log/exp round trips. */
static double tidy(double x)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.12g", x);
    return strtod(buf, NULL);
}

/* The resolved form reads back through dist_parse to the same distribution. */
cJSON *dist_to_json(const dist *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dist", kind_names[d->kind]);
    switch (d->kind) {
    case DIST_CONSTANT: cJSON_AddNumberToObject(o, "value", d->a); break;
    case DIST_UNIFORM:
        cJSON_AddNumberToObject(o, "min", d->a);
        cJSON_AddNumberToObject(o, "max", d->b);
        break;
    case DIST_EXPONENTIAL: cJSON_AddNumberToObject(o, "mean", d->a); break;
    case DIST_NORMAL:
        cJSON_AddNumberToObject(o, "mean", d->a);   /* of the normal before truncation */
        cJSON_AddNumberToObject(o, "sd", d->b);
        break;
    case DIST_LOGNORMAL:
        cJSON_AddNumberToObject(o, "median", tidy(exp(d->a)));
        cJSON_AddNumberToObject(o, "p99", tidy(exp(d->a + Z99 * d->b)));
        break;
    case DIST_GAMMA:
        cJSON_AddNumberToObject(o, "mean", d->mean);
        cJSON_AddNumberToObject(o, "cv", tidy(1.0 / sqrt(d->a)));
        break;
    case DIST_WEIBULL:
    case DIST_PARETO:
        cJSON_AddNumberToObject(o, "shape", d->a);
        cJSON_AddNumberToObject(o, "scale", d->b);
        break;
    case DIST_EMPIRICAL: {
        cJSON *t = cJSON_AddArrayToObject(o, "percentiles");
        for (size_t i = 0; i < d->n; i++) {
            double pair[2] = { 100.0 * d->p[i], d->v[i] };
            cJSON_AddItemToArray(t, cJSON_CreateDoubleArray(pair, 2));
        }
        break;
    }
    case DIST_MIXTURE: {
        cJSON *parts = cJSON_AddArrayToObject(o, "parts");
        for (size_t i = 0; i < d->n; i++) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "weight", d->cum[i] - (i ? d->cum[i - 1] : 0.0));
            cJSON_AddItemToObject(p, "dist", dist_to_json(&d->parts[i]));
            cJSON_AddItemToArray(parts, p);
        }
        break;
    }
    }
    return o;
}

/* ---- parsing --------------------------------------------------------------- */

static int parse_value(cfg_node *n, const char *key, const cJSON *v, double max_value, dist *out);

static int parse_object(cfg_node *d, double max_value, dist *out)
{
    if (!cfg_has(d, "dist")) {
        cfg_missing(d, "dist", "one of \"constant\", \"uniform\", \"exponential\", "
                 "\"normal\", \"lognormal\", \"gamma\", \"weibull\", \"pareto\", \"empirical\", \"mixture\"");
        return -1;
    }
    int kind = cfg_enum(d, "dist", kind_names, 0);
    if (cfg_failed(d))
        return -1;
    d->out = NULL; /* the resolved form is written by dist_to_json */
    double hi = max_value;
    switch ((dist_kind)kind) {
    case DIST_CONSTANT:
        *out = dist_constant(cfg_number_req(d, "value", 0, hi));
        break;
    case DIST_UNIFORM: {
        double lo = cfg_number_req(d, "min", 0, hi), up = cfg_number_req(d, "max", 0, hi);
        if (!cfg_failed(d) && up < lo)
            cfg_fail(d, "max", "must be at least min (%g), got %g", lo, up);
        *out = dist_uniform(lo, up);
        break;
    }
    case DIST_EXPONENTIAL:
        *out = dist_exponential(cfg_number_req(d, "mean", 1e-12, hi));
        break;
    case DIST_NORMAL: {
        double mu = cfg_number_req(d, "mean", 0, hi), sd = cfg_number_req(d, "sd", 1e-12, hi);
        *out = dist_normal(mu, sd);
        break;
    }
    case DIST_LOGNORMAL:
        if (cfg_has(d, "median") || cfg_has(d, "p99")) {
            double med = cfg_number_req(d, "median", 1e-12, hi);
            double p99 = cfg_number_req(d, "p99", 1e-12, hi);
            if (!cfg_failed(d) && p99 <= med)
                cfg_fail(d, "p99", "must be greater than median (%g), got %g", med, p99);
            *out = cfg_failed(d) ? dist_constant(0) : dist_lognormal_median_p99(med, p99);
        } else {
            double mean = cfg_number_req(d, "mean", 1e-12, hi);
            double sd = cfg_number_req(d, "sd", 1e-12, hi);
            *out = cfg_failed(d) ? dist_constant(0) : dist_lognormal_mean_sd(mean, sd);
        }
        break;
    case DIST_GAMMA: {
        double mean = cfg_number_req(d, "mean", 1e-12, hi), cv = cfg_number_req(d, "cv", 1e-3, 100);
        *out = dist_gamma_mean_cv(mean, cv);
        break;
    }
    case DIST_WEIBULL: {
        double shape = cfg_number_req(d, "shape", 0.05, 100), scale = cfg_number_req(d, "scale", 1e-12, hi);
        *out = dist_weibull(shape, scale);
        break;
    }
    case DIST_PARETO: {
        double shape = cfg_number_req(d, "shape", 1.0000001, 100);
        double scale = cfg_number_req(d, "scale", 1e-12, hi);
        if (!cfg_failed(d) && shape <= 1)
            cfg_fail(d, "shape", "must be greater than 1 (the mean is infinite otherwise)");
        *out = dist_pareto(shape, scale);
        break;
    }
    case DIST_EMPIRICAL: {
        const cJSON *t = cfg_raw(d, "percentiles");
        int count = cJSON_IsArray(t) ? cJSON_GetArraySize(t) : -1;
        if (count < 2) {
            cfg_fail(d, "percentiles", "expected an array of at least two [percent, value] pairs, "
                     "from percent 0 to 100");
            return -1;
        }
        *out = (dist){ .kind = DIST_EMPIRICAL, .n = (size_t)count };
        out->p = malloc((size_t)count * sizeof *out->p);
        out->v = malloc((size_t)count * sizeof *out->v);
        if (!out->p || !out->v) {
            dist_free(out);
            cfg_fail(d, "percentiles", "out of memory");
            return -1;
        }
        int i = 0;
        for (const cJSON *pair = t->child; pair; pair = pair->next, i++) {
            const cJSON *pc = cJSON_GetArrayItem(pair, 0), *val = cJSON_GetArrayItem(pair, 1);
            char key[48];
            snprintf(key, sizeof key, "percentiles[%d]", i);
            if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(pc) ||
                !cJSON_IsNumber(val) || !isfinite(pc->valuedouble) || !isfinite(val->valuedouble)) {
                cfg_fail(d, key, "expected a [percent, value] pair of numbers");
                break;
            }
            double p = pc->valuedouble, x = val->valuedouble;
            if (p < 0 || p > 100 || x < 0 || x > hi) {
                cfg_fail(d, key, "percent must be in 0..100 and value in 0..%g, got [%g, %g]", hi, p, x);
                break;
            }
            if (i > 0 && (p <= 100 * out->p[i - 1] || x < out->v[i - 1])) {
                cfg_fail(d, key, "percents must increase and values must not decrease");
                break;
            }
            out->p[i] = p / 100.0;
            out->v[i] = x;
        }
        if (!cfg_failed(d) && (out->p[0] != 0.0 || out->p[count - 1] != 1.0))
            cfg_fail(d, "percentiles", "the table must start at percent 0 and end at percent 100");
        if (cfg_failed(d)) {
            dist_free(out);
            return -1;
        }
        out->mean = 0;
        for (size_t k = 0; k + 1 < out->n; k++)
            out->mean += (out->p[k + 1] - out->p[k]) * 0.5 * (out->v[k] + out->v[k + 1]);
        break;
    }
    case DIST_MIXTURE: {
        size_t count = cfg_array_len(d, "parts");
        if (count < 1 || count > 64) {
            cfg_fail(d, "parts", "expected an array of 1 to 64 {\"weight\", \"dist\"} objects");
            return -1;
        }
        *out = (dist){ .kind = DIST_MIXTURE, .n = count };
        out->parts = calloc(count, sizeof *out->parts);
        out->cum = malloc(count * sizeof *out->cum);
        if (!out->parts || !out->cum) {
            dist_free(out);
            cfg_fail(d, "parts", "out of memory");
            return -1;
        }
        double total = 0;
        for (size_t i = 0; i < count && !cfg_failed(d); i++) {
            cfg_node part;
            cfg_array_object(d, "parts", i, &part);
            part.out = NULL;
            double w = cfg_number_req(&part, "weight", 0, 1e12);
            parse_value(&part, "dist", cfg_raw(&part, "dist"), max_value, &out->parts[i]);
            if (!cfg_failed(d) && !cfg_has(&part, "dist"))
                cfg_missing(&part, "dist", "a distribution");
            cfg_done(&part);
            total += w;
            out->cum[i] = total;
        }
        if (!cfg_failed(d) && !(total > 0))
            cfg_fail(d, "parts", "the weights must add up to more than 0");
        if (cfg_failed(d)) {
            dist_free(out);
            return -1;
        }
        out->mean = 0;
        for (size_t i = 0; i < count; i++) {
            double w = (out->cum[i] - (i ? out->cum[i - 1] : 0.0)) / total;
            out->mean += w * out->parts[i].mean;
        }
        for (size_t i = 0; i < count; i++)
            out->cum[i] /= total;
        out->cum[count - 1] = 1.0;
        break;
    }
    }
    cfg_done(d);
    if (cfg_failed(d)) {
        dist_free(out);
        return -1;
    }
    if (!isfinite(out->mean) || out->mean > hi) {
        cfg_fail(d, NULL, "the distribution's mean (%g) is out of range 0..%g", out->mean, hi);
        dist_free(out);
        return -1;
    }
    return 0;
}

static int parse_value(cfg_node *n, const char *key, const cJSON *v, double max_value, dist *out)
{
    if (!v)
        return -1;
    if (cJSON_IsNumber(v)) {
        double x = cfg_number(n, key, 0, 0, max_value);
        *out = dist_constant(x);
        return cfg_failed(n) ? -1 : 0;
    }
    if (!cJSON_IsObject(v)) {
        cfg_fail(n, key, "expected a number or a distribution object such as "
                 "{\"dist\": \"lognormal\", \"median\": 100, \"p99\": 800}");
        return -1;
    }
    cfg_node d;
    cfg_object(n, key, &d);
    return parse_object(&d, max_value, out);
}

int dist_parse(cfg_node *n, const char *key, const dist *def, double max_value, dist *out)
{
    const cJSON *v = cfg_raw(n, key);
    int rc;
    if (!v) {
        rc = def ? dist_copy(out, def) : -1;
        if (!def)
            cfg_missing(n, key, "a distribution");
    } else {
        rc = parse_value(n, key, v, max_value, out);
    }
    if (rc == 0)
        cfg_put(n, key, dist_to_json(out));
    return rc;
}
