/* calibrate.c — `slsim calibrate LOG... --out FILE`: a scenario fitted to Lambda's REPORT
 * logs, and the model checked against the same logs.
 *
 * One pass over the logs (models/trace/lambda_log.h: every shape, in order of start time)
 * feeds per function the statistics of sim/fit.h: handler durations and Init Durations
 * (maximum-likelihood fits, KS, percentiles), the arrival profile, peak concurrency from
 * the logged intervals, the cold-start share with its Wilson interval, billed GB-s and the
 * memory size. The scenario is written with a comment beside every fitted value saying
 * where it came from, to a temporary file renamed into place (never half-written). Then
 * the check: the logs themselves are replayed through the calibrated functions (a trace
 * source of format lambda-report whose functions are the calibrated components) and,
 * per function, what the model predicts is printed beside what the logs say — cold-start
 * share, billed GB-s, p50/p99 duration of the synthetic scenario, peak concurrency.
 *
 * What the logs cannot say is written as such in the scenario: who calls (a client that
 * waits for every invocation), the timeout (Lambda's 900 s maximum, so no logged duration
 * is cut), the keep-alive (slsim's Lambda default: the check shows how well it explains
 * the logged cold starts). */
#define _XOPEN_SOURCE 700   /* realpath */
#include "app/calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app/numfmt.h"
#include "app/run.h"
#include "models/billing.h"
#include "models/trace/lambda_log.h"
#include "sim/fit.h"
#include "sim/strmap.h"

#define Z99 2.3263478740408408   /* standard normal 0.99 quantile: a lognormal's p99 */
#define CAL_PI 3.14159265358979323846

typedef struct cal_fn {
    char        *name;
    uint64_t     n, cold;
    double       billed_gb_s;       /* sum of Billed Duration x Memory Size */
    int          memory_mb;         /* the largest Memory Size logged */
    int          max_used_mb;
    uint64_t     memory_changes;    /* records whose Memory Size differs from the first */
    int          first_memory_mb;
    fit_sample   duration, init;
    hist         whole;             /* Duration plus any Init Duration: the invocation's time */
    uint64_t     init_unbilled;     /* cold records whose Billed Duration leaves the Init Duration out */
    fit_arrivals arrivals;
    fit_overlap  overlap;
    /* The fixed keep-alive whose replay of the logged arrivals gives the logged cold-start
     * share (ka_est) and the shares at its Wilson interval's ends (ka_n_lo, ka_n_hi); NAN
     * when not found (set by fit_keep_alive). */
    double       ka_est, ka_n_lo, ka_n_hi;
} cal_fn;

typedef struct calib {
    cal_fn  *fn;
    size_t   n_fn, cap_fn;
    strmap   index;
    double   first, last;          /* starts of the first and last invocation */
    uint64_t records;
    int      oom;
} calib;

static cal_fn *find_fn(calib *c, const char *name)
{
    uint64_t h = strmap_hash(name);
    size_t pos = 0;
    for (int64_t i; (i = strmap_next(&c->index, h, &pos)) >= 0;)
        if (strcmp(c->fn[i].name, name) == 0)
            return &c->fn[i];
    if (c->n_fn == c->cap_fn) {
        size_t cap = c->cap_fn ? 2 * c->cap_fn : 8;
        cal_fn *g = realloc(c->fn, cap * sizeof *g);
        if (!g)
            return NULL;
        c->fn = g;
        c->cap_fn = cap;
    }
    cal_fn *f = &c->fn[c->n_fn];
    memset(f, 0, sizeof *f);
    if (!(f->name = strdup(name)) || strmap_add(&c->index, h, (uint32_t)c->n_fn) != 0) {
        free(f->name);
        return NULL;
    }
    fit_sample_init(&f->duration);
    fit_sample_init(&f->init);
    hist_init(&f->whole);
    f->ka_est = f->ka_n_lo = f->ka_n_hi = NAN;
    fit_arrivals_init(&f->arrivals);
    fit_overlap_init(&f->overlap);
    c->n_fn++;
    return f;
}

static int on_record(void *ctx, const lambda_record *r)
{
    calib *c = ctx;
    cal_fn *f = find_fn(c, r->function);
    if (!f) {
        c->oom = 1;
        return 1;
    }
    if (c->records == 0)
        c->first = r->start_s;
    c->last = r->start_s;
    c->records++;
    if (f->n == 0)
        f->first_memory_mb = r->memory_mb;
    f->n++;
    f->memory_changes += r->memory_mb != f->first_memory_mb;
    if (r->memory_mb > f->memory_mb)
        f->memory_mb = r->memory_mb;
    if (r->max_memory_mb > f->max_used_mb)
        f->max_used_mb = r->max_memory_mb;
    f->billed_gb_s += r->billed_ms / 1000.0 * r->memory_mb / 1024.0;
    fit_sample_add(&f->duration, r->duration_ms);
    hist_add(&f->whole, r->duration_ms + (r->init_ms > 0 ? r->init_ms : 0));
    if (r->init_ms >= 0) {
        f->cold++;
        f->init_unbilled += r->billed_ms + 1 < r->duration_ms + r->init_ms;
        fit_sample_add(&f->init, r->init_ms);
    }
    fit_arrivals_add(&f->arrivals, r->start_s);
    if (fit_overlap_add(&f->overlap, r->start_s, r->end_s) == -2) {
        c->oom = 1;
        return 1;
    }
    return 0;
}

static void calib_free(calib *c)
{
    for (size_t i = 0; i < c->n_fn; i++) {
        free(c->fn[i].name);
        fit_overlap_free(&c->fn[i].overlap);
    }
    free(c->fn);
    strmap_free(&c->index);
}

/* ---- the scenario ------------------------------------------------------------------ */

/* s as a JSON string (quotes, escapes: cJSON's printer), so that any function name or path
 * the logs give keeps the scenario valid JSON. Returns -1 when out of memory. */
static int put_json_string(FILE *o, const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *q = j ? cJSON_PrintUnformatted(j) : NULL;
    if (q)
        fputs(q, o);
    free(q);
    cJSON_Delete(j);
    return q ? 0 : -1;
}

static void iso_time(double t, char *buf, size_t size)
{
    time_t s = (time_t)floor(t);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A distribution in dist.c's form for the best family by AIC, with the comment saying where
 * it came from; the empirical table when no family fits: KS D above both the 1% critical
 * value of a fully specified law, 1.63 / sqrt(n) (an upper bound for fitted parameters,
 * which only lower D), and 0.02 (with a million values every real log fails the test; a
 * 2% gap of the CDF is below what changes a simulated figure). */
static void write_dist(FILE *o, const char *key, const fit_sample *s, const char *what, const char *indent)
{
    fit_result r[FIT_FAMILIES];
    int best = fit_sample_best(s, r);
    double pct[FIT_PERCENTS], val[FIT_PERCENTS];
    size_t np = fit_percentiles(s, pct, val);
    const fit_result *b = best >= 0 ? &r[best] : NULL;
    if (b && b->ks_d <= fmax(1.63 / sqrt((double)b->n), 0.02)) {
        fprintf(o, "%s// %s: %s by maximum likelihood over %llu values (best of four by AIC); ", indent,
                key, fit_family_name(b->family), (unsigned long long)b->n);
        for (size_t k = 0; k < b->n_params; k++)
            fprintf(o, "%s %.6g (95%% CI %.6g to %.6g)%s", b->param[k].name, b->param[k].value, b->param[k].lo,
                    b->param[k].hi, k + 1 < b->n_params ? ", " : "; ");
        fprintf(o, "KS D %.4f", b->ks_d);
        if (b->ks_p == b->ks_p)
            fprintf(o, " (p %.2f)", b->ks_p);
        fprintf(o, " against the %s\n", what);
        fprintf(o, "%s\"%s\": ", indent, key);
        switch (b->family) {
        case FIT_LOGNORMAL:
            fprintf(o, "{ \"dist\": \"lognormal\", \"median\": %.6g, \"p99\": %.6g }", exp(b->param[0].value),
                    exp(b->param[0].value + Z99 * b->param[1].value));
            break;
        case FIT_GAMMA:
            fprintf(o, "{ \"dist\": \"gamma\", \"mean\": %.6g, \"cv\": %.6g }", b->mean, 1 / sqrt(b->param[0].value));
            break;
        case FIT_WEIBULL:
            fprintf(o, "{ \"dist\": \"weibull\", \"shape\": %.6g, \"scale\": %.6g }", b->param[0].value,
                    b->param[1].value);
            break;
        default:
            fprintf(o, "{ \"dist\": \"exponential\", \"mean\": %.6g }", b->param[0].value);
            break;
        }
        return;
    }
    fprintf(o, "%s// %s: percentiles of the %s (%llu values)", indent, key, what, (unsigned long long)s->h.count);
    if (b)
        fprintf(o, "; no family fits (best %s, KS D %.4f)", fit_family_name(b->family), b->ks_d);
    fprintf(o, "\n%s\"%s\": { \"dist\": \"empirical\", \"percentiles\": [", indent, key);
    for (size_t k = 0; k < np; k++)
        fprintf(o, "%s[%.6g, %.6g]", k ? ", " : "", pct[k], val[k]);
    fprintf(o, "] }");
}

/* The arrivals of f: diurnal when the log covers a whole day and the hour-of-day rates
 * swing by more than their noise (a cosine fitted by least squares to the 24 hourly
 * rates), else Poisson at the mean rate. */
static void write_arrivals(FILE *o, const cal_fn *f, const fit_profile *p)
{
    double c = 0, s = 0, mean = 0, w = 0;
    if (p->span_s >= 86400) {
        for (int h = 0; h < 24; h++) {
            if (!(p->day[h].rate == p->day[h].rate))
                continue;
            double a = 2 * CAL_PI * (h + 0.5) / 24;
            mean += p->day[h].rate;
            c += p->day[h].rate * cos(a);
            s += p->day[h].rate * sin(a);
            w++;
        }
    }
    double amp = 0, peak = 14;
    if (w == 24) {
        mean /= 24;
        c /= 12;
        s /= 12;
        amp = sqrt(c * c + s * s) / mean;            /* relative amplitude a */
        peak = fmod(atan2(s, c) * 24 / (2 * CAL_PI) - 0.5 + 24, 24);
    }
    fprintf(o, "      // %llu arrivals over %.0f s: mean %.6g a second; index of dispersion of the "
            "counts a minute %.3g within hours (1 for Poisson), gaps' CV %.3g\n",
            (unsigned long long)f->n, p->span_s, p->mean_rate, p->dispersion_hour, p->gap_cv);
    if (amp > 0.1 && amp < 0.99) {
        double k = (1 + amp) / (1 - amp);
        fprintf(o, "      // a daily cycle: a cosine fitted to the 24 hourly rates swings by %.0f%% around the "
                "mean, peak at %.1f h UTC\n", 100 * amp, peak);
        fprintf(o, "      \"arrivals\": { \"process\": \"diurnal\", \"rate_per_s\": %.6g, \"peak_to_trough\": %.4g, "
                "\"peak_hour\": %.2f },\n", p->mean_rate, k, peak);
    } else {
        fprintf(o, "      \"arrivals\": { \"process\": \"poisson\", \"rate_per_s\": %.6g },\n", p->mean_rate);
    }
}

/* The calibrated functions: "components": [...] up to its closing bracket. */
static void write_components(FILE *o, const calib *c, const double *keep_alive)
{
    fprintf(o, "  \"components\": [\n");
    for (size_t i = 0; i < c->n_fn; i++) {
        const cal_fn *f = &c->fn[i];
        double lo, hi;
        fit_wilson(f->cold, f->n, FIT_Z, &lo, &hi);
        fprintf(o, "    {\n      \"name\": ");
        put_json_string(o, f->name);
        fprintf(o, ",\n      \"kind\": \"function\",\n");
        if (f->memory_changes)
            fprintf(o, "      // Memory Size changed within the logs (%llu of %llu records differ from the first, "
                    "%d MB): the largest\n", (unsigned long long)f->memory_changes, (unsigned long long)f->n,
                    f->first_memory_mb);
        else
            fprintf(o, "      // Memory Size of every REPORT line (Max Memory Used at most %d MB)\n", f->max_used_mb);
        fprintf(o, "      \"memory_mb\": %d,\n", f->memory_mb);
        fprintf(o, "      // the Durations were measured at this memory: a variant with another memory_mb scales\n"
                "      // them by its CPU share, all of them with cpu_bound_fraction 1 (slsim's default; the logs\n"
                "      // cannot say how much of the handler computes and how much waits: set it if you know)\n"
                "      \"reference_memory_mb\": %d,\n", f->memory_mb);
        fprintf(o, "      // not in the logs: Lambda's maximum, so that no logged duration is cut\n"
                "      \"timeout_s\": 900,\n");
        if (keep_alive)
            fprintf(o, "      \"keep_alive\": { \"policy\": \"fixed\", \"idle_s\": %.9g },\n", keep_alive[i]);
        else if (f->ka_n_lo == f->ka_n_lo && f->ka_est == f->ka_est)
            fprintf(o, "      // keep_alive: slsim's Lambda default (AWS does not publish one). The logged cold starts are\n"
                    "      // explained by a fixed keep-alive of %.0f s (95%% CI %.0f to %.0f s): replay of the logged\n"
                    "      // arrivals, see the check; to use it: \"keep_alive\": { \"policy\": \"fixed\", \"idle_s\": %.0f }\n",
                    f->ka_est, f->ka_n_lo, f->ka_n_hi, f->ka_est);
        else
            fprintf(o, "      // keep_alive: not in the logs; slsim's Lambda default (the check compares the cold\n"
                    "      // starts it gives on the logged arrivals with the logged ones)\n");
        write_dist(o, "duration_ms", &f->duration, "logged Durations", "      ");
        if (f->cold >= 20) {
            fprintf(o, ",\n      // cold starts: %llu of %llu invocations logged an Init Duration (%.2f%%, 95%% CI "
                    "%.2f%% to %.2f%%)\n", (unsigned long long)f->cold, (unsigned long long)f->n,
                    100.0 * f->cold / f->n, 100 * lo, 100 * hi);
            write_dist(o, "init_ms", &f->init, "logged Init Durations", "      ");
            fprintf(o, "\n");
        } else {
            fprintf(o, "\n      // init_ms: slsim's default for the runtime; %llu Init Durations logged are too few "
                    "to fit (20 needed)\n", (unsigned long long)f->cold);
        }
        fprintf(o, "    }%s\n", i + 1 < c->n_fn ? "," : "");
    }
    fprintf(o, "  ]");
}

static int write_scenario(const calib *c, const char *path, char *const *files, size_t n_files, char *err,
                          size_t err_size)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    FILE *o = fopen(tmp, "w");
    if (!o) {
        snprintf(err, err_size, "%s: cannot write the scenario here", path);
        return -1;
    }
    char t0[32], t1[32];
    iso_time(c->first, t0, sizeof t0);
    iso_time(c->last, t1, sizeof t1);
    double span = c->last - c->first;
    double dur = span >= 72000 ? 86400 * ceil(span / 86400) : 3600 * fmax(1, ceil(span / 3600));
    fprintf(o, "// Calibrated by slsim calibrate from %llu REPORT records of %zu function%s, %s to %s,\n"
            "// in:", (unsigned long long)c->records, c->n_fn, c->n_fn == 1 ? "" : "s", t0, t1);
    for (size_t i = 0; i < n_files; i++) {
        fputc(' ', o);
        put_json_string(o, files[i]);
    }
    fprintf(o, "\n// Each fitted value says where it came from. What the logs cannot say is marked so.\n{\n"
            "  \"name\": \"calibrated\",\n"
            "  \"description\": \"Traffic and functions fitted to Lambda REPORT logs by slsim calibrate.\",\n"
            "  // the logs' span (%.0f s), in whole %s\n"
            "  \"duration_s\": %.0f,\n  \"warmup_s\": 600,\n  \"seed\": 1,\n  \"replications\": 5,\n"
            "  \"traffic\": [\n", span, span >= 72000 ? "days" : "hours", dur);
    for (size_t i = 0; i < c->n_fn; i++) {
        const cal_fn *f = &c->fn[i];
        fit_profile p;
        fit_arrivals_finish(&f->arrivals, &p);
        fprintf(o, "    {\n      \"name\": ");
        put_json_string(o, f->name);
        fprintf(o, ",\n      \"target\": ");
        put_json_string(o, f->name);
        fprintf(o, ",\n");
        if (p.n >= 2) {
            write_arrivals(o, f, &p);
        } else {
            fprintf(o, "      // one invocation only: a rate cannot be fitted; one an hour stated\n");
            fprintf(o, "      \"arrivals\": { \"process\": \"poisson\", \"rate_per_s\": 0.000277778 },\n");
        }
        fprintf(o, "      // the logs do not say who calls: a client that waits for every invocation\n"
                "      \"client\": { \"timeout_ms\": 900000 }\n    }%s\n", i + 1 < c->n_fn ? "," : "");
    }
    fprintf(o, "  ],\n");
    write_components(o, c, NULL);
    fprintf(o, "\n}\n");
    if (fclose(o) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        snprintf(err, err_size, "%s: cannot write the scenario here", path);
        return -1;
    }
    return 0;
}

/* ---- the check ----------------------------------------------------------------------- */

/* The calibrated components with the logs themselves as their traffic. */
static int write_check(const calib *c, const char *path, char *const *files, size_t n_files,
                       const double *keep_alive, int replications)
{
    FILE *o = fopen(path, "w");
    if (!o)
        return -1;
    double span = c->last - c->first;
    fprintf(o, "{ \"name\": \"calibrate-check\", \"duration_s\": %.0f, \"warmup_s\": 0, \"seed\": 1, "
            "\"replications\": %d,\n  \"traffic\": [ { \"name\": \"logs\", \"arrivals\": { \"process\": \"trace\", "
            "\"format\": \"lambda-report\", \"files\": [", ceil(span + LAMBDA_LOG_HORIZON_S + 1), replications);
    for (size_t i = 0; i < n_files; i++) {
        char *abs = realpath(files[i], NULL);
        if (i)
            fputs(", ", o);
        put_json_string(o, abs ? abs : files[i]);
        free(abs);
    }
    fprintf(o, "] }, \"client\": { \"timeout_ms\": 1000000 } } ],\n");
    write_components(o, c, keep_alive);
    fprintf(o, "\n}\n");
    return fclose(o) == 0 ? 0 : -1;
}

static int run_file(const char *path, run_result *res, world_spec **spec, char *err, size_t err_size)
{
    world_overrides none = { 0 };
    *spec = world_spec_load(path, &none, err, err_size);
    if (!*spec)
        return -1;
    return run_scenario(*spec, 0, res, err, err_size);
}

static double fig(const run_result *r, const char *fn, const char *name)
{
    char key[512];
    snprintf(key, sizeof key, "functions.%s.%s", fn, name);
    return run_value(r, key, NULL);
}

/* ---- the keep-alive the logs imply --------------------------------------------------- */

#define KA_MIN_S   1.0
#define KA_MAX_S   7200.0
#define KA_STEPS   11       /* bisection steps in log seconds: within 1% of the boundary */
#define KA_MIN_COLD 5       /* fewer logged cold starts: no estimate */

/* The replay of the logged arrivals with fixed keep-alives ka[i]: each function's share of
 * cold starts into share[i]. One replication: the logs fix arrivals and durations (only init
 * times are drawn). Returns 0, or -1 with err. */
static int replay_shares(const calib *c, const char *check, char *const *files, size_t n_files, const double *ka,
                         double *share, char *err, size_t err_size)
{
    if (write_check(c, check, files, n_files, ka, 1) != 0) {
        snprintf(err, err_size, "%s: cannot write the check scenario", check);
        return -1;
    }
    run_result res = { 0 };
    world_spec *spec = NULL;
    int rc = run_file(check, &res, &spec, err, err_size);
    for (size_t i = 0; rc == 0 && i < c->n_fn; i++) {
        double inv = fig(&res, c->fn[i].name, "invocations");
        share[i] = inv > 0 ? fig(&res, c->fn[i].name, "cold_starts") / inv : NAN;
    }
    if (spec)
        run_result_free(&res);
    world_spec_free(spec);
    return rc;
}

/* For each function with at least KA_MIN_COLD logged cold starts: the fixed keep-alive
 * whose replay gives the logged share (ka_est), and those giving the ends of its Wilson
 * interval (ka_n_lo for the upper share, ka_n_hi for the lower). A replay's share falls as
 * the keep-alive grows, so each is found by bisection in log seconds between KA_MIN_S and
 * KA_MAX_S; a share not reached inside that range leaves NAN (2 + 3 x KA_STEPS replays in
 * all, every function at once). Returns 0, or -1 with err. */
static int fit_keep_alive(calib *c, const char *check, char *const *files, size_t n_files, char *err,
                          size_t err_size)
{
    size_t n = c->n_fn;
    double *buf = calloc(6 * n, sizeof *buf);
    if (!buf) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    double *ka = buf, *share = buf + n, *at_min = buf + 2 * n, *at_max = buf + 3 * n, *lo = buf + 4 * n,
           *hi = buf + 5 * n;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        ka[i] = KA_MIN_S;
    rc = replay_shares(c, check, files, n_files, ka, at_min, err, err_size);
    for (size_t i = 0; i < n; i++)
        ka[i] = KA_MAX_S;
    rc = rc ? rc : replay_shares(c, check, files, n_files, ka, at_max, err, err_size);
    for (int t = 0; rc == 0 && t < 3; t++) {
        double target[3];
        for (size_t i = 0; i < n; i++) {
            lo[i] = log(KA_MIN_S);
            hi[i] = log(KA_MAX_S);
        }
        for (int step = 0; rc == 0 && step < KA_STEPS; step++) {
            for (size_t i = 0; i < n; i++)
                ka[i] = exp(0.5 * (lo[i] + hi[i]));
            rc = replay_shares(c, check, files, n_files, ka, share, err, err_size);
            for (size_t i = 0; rc == 0 && i < n; i++) {
                const cal_fn *f = &c->fn[i];
                fit_wilson(f->cold, f->n, FIT_Z, &target[2], &target[1]);
                target[0] = (double)f->cold / (double)f->n;
                if (share[i] > target[t])
                    lo[i] = log(ka[i]);   /* too many cold starts: keep instances longer */
                else
                    hi[i] = log(ka[i]);
            }
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            cal_fn *f = &c->fn[i];
            fit_wilson(f->cold, f->n, FIT_Z, &target[2], &target[1]);
            target[0] = (double)f->cold / (double)f->n;
            /* reached inside the range: the share at the shortest keep-alive is above the
             * target and the share at the longest at or below it */
            double v = f->cold >= KA_MIN_COLD && at_min[i] > target[t] && at_max[i] <= target[t]
                           ? exp(0.5 * (lo[i] + hi[i]))
                           : NAN;
            *(t == 0 ? &f->ka_est : t == 1 ? &f->ka_n_lo : &f->ka_n_hi) = v;
        }
    }
    free(buf);
    return rc;
}

/* The month's bill of requests and billed GB-s (x86_64: a REPORT line does not say the
 * architecture) of each function, priced by spec's table over its window: monthly[i] for
 * function i, and the total. The same arithmetic for the model's figures and for the logged
 * ones, so the two differ only by what they count. Returns 0, or -1 (out of memory). */
static int bill_of(const world_spec *spec, size_t n, const double *requests, const double *gb_s,
                   double *monthly, double *total)
{
    ledger u;
    ledger_init(&u, &spec->prices);
    bill b = { .n = spec->n_components, .by_component = calloc(spec->n_components, sizeof(double)) };
    for (size_t i = 0; i < n; i++) {
        usage_add(&u, i, "functions.requests", requests[i]);
        usage_add(&u, i, "functions.gb_s.x86_64", gb_s[i]);
    }
    int rc = u.failed || !b.by_component ? -1 : 0;
    if (rc == 0) {
        billing_compute(&spec->prices, &u, spec->free_tier, spec->duration_s, &b);
        for (size_t i = 0; i < n; i++)
            monthly[i] = b.by_component[i];
        *total = b.total;
    }
    free(b.by_component);
    ledger_free(&u);
    return rc;
}

static void print_check(const calib *c, const run_result *replay, const run_result *synth, FILE *out)
{
    fprintf(out, "\nThe model against the logs: the logs replayed through the calibrated functions "
            "(5 replications);\ntimes from the synthetic scenario (its own arrivals and durations, cold starts included).\n");
    size_t n = c->n_fn;
    double *req = calloc(4 * n + 2, sizeof *req);
    double *gbs = req ? req + n : NULL, *model_bill = req ? req + 2 * n : NULL;
    double *logged_bill = req ? req + 3 * n : NULL, totals[2] = { NAN, NAN };
    int billed = req != NULL;
    for (size_t i = 0; billed && i < n; i++) {
        req[i] = fig(replay, c->fn[i].name, "invocations");
        gbs[i] = fig(replay, c->fn[i].name, "billed_gb_s");
    }
    billed = billed && bill_of(replay->spec, n, req, gbs, model_bill, &totals[0]) == 0;
    for (size_t i = 0; billed && i < n; i++) {
        req[i] = (double)c->fn[i].n;
        gbs[i] = c->fn[i].billed_gb_s;
    }
    billed = billed && bill_of(replay->spec, n, req, gbs, logged_bill, &totals[1]) == 0;
    for (size_t i = 0; i < n; i++) {
        const cal_fn *f = &c->fn[i];
        double lo, hi;
        fit_wilson(f->cold, f->n, FIT_Z, &lo, &hi);
        double inv = fig(replay, f->name, "invocations"), cold = fig(replay, f->name, "cold_starts");
        double share = inv > 0 ? cold / inv : NAN;
        char a[64], b[64], k[600];
        num_grouped(a, sizeof a, (double)f->n, 0);
        fprintf(out, "  %s (%s invocations logged)\n", f->name, a);
        fprintf(out, "    cold-start share   model %.2f%%   logged %.2f%% (95%% CI %.2f%% to %.2f%%)%s\n",
                100 * share, 100.0 * (double)f->cold / (double)f->n, 100 * lo, 100 * hi,
                share < lo || share > hi ? "   OUTSIDE the logged interval" : "");
        if (f->ka_est == f->ka_est)
            fprintf(out, "    keep-alive         the logged share is a fixed %.0f s (95%% CI %s to %s) on replay\n",
                    f->ka_est, f->ka_n_lo == f->ka_n_lo ? (snprintf(a, sizeof a, "%.0f s", f->ka_n_lo), a) : "below 1 s",
                    f->ka_n_hi == f->ka_n_hi ? (snprintf(b, sizeof b, "%.0f s", f->ka_n_hi), b) : "over 7,200 s");
        else
            fprintf(out, "    keep-alive         not estimated (%llu cold starts logged, %d needed)\n",
                    (unsigned long long)f->cold, KA_MIN_COLD);
        num_grouped(a, sizeof a, fig(replay, f->name, "billed_gb_s"), 1);
        num_grouped(b, sizeof b, f->billed_gb_s, 1);
        fprintf(out, "    billed GB-s        model %s   logged %s\n", a, b);
        if (f->init_unbilled)
            fprintf(out, "                       (%llu logged Billed Durations leave the Init Duration out, as Lambda did for\n"
                    "                       ZIP packages on managed runtimes before 2025-08-01; the model bills it, as since)\n",
                    (unsigned long long)f->init_unbilled);
        if (billed) {
            num_grouped(a, sizeof a, model_bill[i], 2);
            num_grouped(b, sizeof b, logged_bill[i], 2);
            fprintf(out, "    monthly bill       model $%s   logged $%s\n", a, b);
        }
        fprintf(out, "    peak concurrency   model %.0f   logged %zu\n", fig(replay, f->name, "max_concurrency"),
                f->overlap.peak);
        num_grouped(a, sizeof a, fig(synth, f->name, "mean_duration_ms"), 1);
        num_grouped(b, sizeof b, hist_mean(&f->whole), 1);
        fprintf(out, "    mean time          synthetic %s ms   logged %s ms (Duration + any Init Duration)\n", a, b);
        /* The synthetic source's latency is its function's time, cold start included; the
         * logged one is Duration plus any Init Duration. */
        snprintf(k, sizeof k, "pipelines.%s.latency_ms.p50", f->name);
        double s50 = run_value(synth, k, NULL);
        snprintf(k, sizeof k, "pipelines.%s.latency_ms.p99", f->name);
        double s99 = run_value(synth, k, NULL);
        fprintf(out, "    p50 / p99 time     synthetic %.1f / %.1f ms   logged %.1f / %.1f ms\n", s50, s99,
                hist_quantile(&f->whole, 0.5), hist_quantile(&f->whole, 0.99));
    }
    if (billed) {
        char a[64], b[64];
        num_grouped(a, sizeof a, totals[0], 2);
        num_grouped(b, sizeof b, totals[1], 2);
        fprintf(out, "  monthly bill of requests and GB-s, scaled to a month (free tier %s, x86_64 prices):\n"
                "    model $%s   logged $%s\n", replay->spec->free_tier ? "on" : "off", a, b);
    }
    char a[64];
    num_grouped(a, sizeof a, run_value(replay, "cost.monthly_total", NULL), 2);
    fprintf(out, "  the replay's whole monthly bill (logs and every other line too): $%s\n", a);
    free(req);
}

int calibrate_main(const cli_args *a)
{
    if (a->n_operands < 1)
        return cli_bad_usage("%s", "calibrate: expected one or more log files: slsim calibrate LOG... --out FILE");
    if (!a->out_dir)
        return cli_bad_usage("%s", "calibrate: --out FILE names the scenario to write");
    char err[1024];
    calib c = { 0 };
    lambda_log_opts o = { .files = a->operands, .n_files = a->n_operands };
    int rc = lambda_log_scan(&o, on_record, &c, err, sizeof err);
    if (rc != 0 || c.oom) {
        fprintf(stderr, "slsim: %s\n", c.oom ? "out of memory" : err);
        calib_free(&c);
        return c.oom ? 1 : 2;
    }
    if (c.records == 0) {
        fprintf(stderr, "slsim: %s: no REPORT records in the logs\n", a->operands[0]);
        calib_free(&c);
        return 2;
    }
    char check[4096];
    snprintf(check, sizeof check, "%s.check%ld.json", a->out_dir, (long)getpid());
    /* The keep-alive the logs imply goes into the scenario's comments, so it comes first. */
    if (fit_keep_alive(&c, check, (char *const *)a->operands, a->n_operands, err, sizeof err) != 0) {
        fprintf(stderr, "slsim: the check did not run: %s\n", err);
        unlink(check);
        calib_free(&c);
        return 1;
    }
    if (write_scenario(&c, a->out_dir, (char *const *)a->operands, a->n_operands, err, sizeof err) != 0) {
        fprintf(stderr, "slsim: %s\n", err);
        unlink(check);
        calib_free(&c);
        return 1;
    }
    printf("Wrote %s: %zu function%s from %llu REPORT records.\n", a->out_dir, c.n_fn, c.n_fn == 1 ? "" : "s",
           (unsigned long long)c.records);
    run_result replay = { 0 }, synth = { 0 };
    world_spec *rs = NULL, *ss = NULL;
    rc = 0;
    if (write_check(&c, check, (char *const *)a->operands, a->n_operands, NULL, 5) != 0) {
        fprintf(stderr, "slsim: %s: cannot write the check scenario\n", check);
        rc = 1;
    } else if (run_file(check, &replay, &rs, err, sizeof err) != 0 ||
               run_file(a->out_dir, &synth, &ss, err, sizeof err) != 0) {
        fprintf(stderr, "slsim: the check did not run: %s\n", err);
        rc = 1;
    } else {
        print_check(&c, &replay, &synth, stdout);
    }
    unlink(check);
    if (rs)
        run_result_free(&replay);
    if (ss)
        run_result_free(&synth);
    world_spec_free(rs);
    world_spec_free(ss);
    calib_free(&c);
    return rc;
}
