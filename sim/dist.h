/* dist.h — probability distributions for durations, sizes, counts and delays.
 *
 * A dist is a small value (the empirical and mixture kinds own arrays: dist_free them).
 * In a scenario a distribution is an object under a key that carries the unit, or a bare
 * number for a constant:
 *   120                                         constant
 *   {"dist": "constant", "value": 120}
 *   {"dist": "uniform", "min": 50, "max": 200}
 *   {"dist": "exponential", "mean": 120}
 *   {"dist": "normal", "mean": 120, "sd": 30}           truncated at 0
 *   {"dist": "lognormal", "mean": 120, "sd": 80}  or  {"dist": "lognormal", "median": 100, "p99": 800}
 *   {"dist": "gamma", "mean": 120, "cv": 0.5}
 *   {"dist": "weibull", "shape": 1.5, "scale": 130}
 *   {"dist": "pareto", "shape": 2.5, "scale": 50}       shape > 1 (finite mean)
 *   {"dist": "empirical", "percentiles": [[0, 20], [50, 100], [99, 700], [100, 1500]]}
 *   {"dist": "mixture", "parts": [{"weight": 0.9, "dist": ...}, ...]}
 * Every kind knows its mean (dist_mean), for validation and reports. */
#ifndef SLSIM_DIST_H
#define SLSIM_DIST_H

#include <stddef.h>
#include <gsl/gsl_rng.h>

#include "sim/cfg.h"

typedef enum dist_kind {
    DIST_CONSTANT, DIST_UNIFORM, DIST_EXPONENTIAL, DIST_NORMAL, DIST_LOGNORMAL, DIST_GAMMA,
    DIST_WEIBULL, DIST_PARETO, DIST_EMPIRICAL, DIST_MIXTURE
} dist_kind;

typedef struct dist {
    dist_kind    kind;
    double       a, b;      /* sampling parameters, by kind (see dist.c) */
    double       mean;
    size_t       n;         /* empirical: table points; mixture: parts */
    double      *p, *v;     /* empirical: cumulative fractions and values */
    struct dist *parts;     /* mixture parts */
    double      *cum;       /* mixture: cumulative weights, last = 1 */
} dist;

dist   dist_constant(double value);
dist   dist_exponential(double mean);
dist   dist_uniform(double min, double max);
dist   dist_lognormal_median_p99(double median, double p99);
dist   dist_lognormal_mean_sd(double mean, double sd);
dist   dist_gamma_mean_cv(double mean, double cv);
double dist_sample(const dist *d, gsl_rng *r);
double dist_mean(const dist *d);
void   dist_free(dist *d);
/* Deep copy; returns 0, or -1 when out of memory. */
int    dist_copy(dist *dst, const dist *src);
/* Reads the distribution under key (def when absent; def is copied). Values must lie in
 * [0, max_value]. Writes the resolved form to n's out tree. Returns 0 or -1 on error. */
int    dist_parse(cfg_node *n, const char *key, const dist *def, double max_value, dist *out);
/* The resolved JSON form of d. */
cJSON *dist_to_json(const dist *d);

#endif
