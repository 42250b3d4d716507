/* traffic.h — traffic sources and their clients.
 *
 * A source generates original requests (constant, poisson, diurnal, onoff, spike) to one
 * target component, or replays a recorded trace (process "trace", see trace.h), whose
 * requests each go to their own function. Its client waits for each attempt up to
 * timeout_ms and retries throttles, errors and timeouts with exponential backoff and
 * jitter, up to max_attempts. A request's outcome is decided here: completed, failed,
 * throttled or timed out. */
#ifndef SLSIM_TRAFFIC_H
#define SLSIM_TRAFFIC_H

#include "models/world.h"
#include "models/cdn.h"
#include "models/gateway.h"
#include "models/retry.h"
#include "models/trace.h"
#include "sim/dist.h"

typedef enum arrival_process {
    ARRIVALS_CONSTANT, ARRIVALS_POISSON, ARRIVALS_DIURNAL, ARRIVALS_ONOFF, ARRIVALS_SPIKE,
    ARRIVALS_TRACE
} arrival_process;

struct source_spec {
    /* Read on every request, so kept together in the first three cache lines: with
     * thousands of sources each line of its spec a request reads is a cache miss. */
    int             target;            /* component index (trace: the first replayed function's;
                                          each request carries its own target) */
    bool            async;             /* hand requests over (mode "async") instead of waiting */
    bool            direct;            /* nothing between the client and the target: no usage
                                          plan, gateway, authorizer, cache, CDN or round trip */
    arrival_process process;
    uint16_t        tenant;            /* tenants: one, or a weighted mix (cumulative shares) */
    double          size_kb;           /* payload size */
    double          poison_rate;       /* share of requests that fail every processing attempt */
    double          rate_per_s;        /* mean (diurnal), base (spike), constant/poisson rate */
    double          timeout_ms;        /* the client's */
    double          timeout_s;         /* timeout_ms / 1000 (no division per request) */
    double          rtt_ms;            /* the client's round trip to the target (region or edge) */
    double          response_kb;       /* response size: data transfer out */
    size_t          n_mix;
    uint16_t       *mix_tenant;
    double         *mix_cdf;
    retry_policy    retry;             /* the client's */
    cdn_spec        cdn;               /* a CDN (CloudFront) in front of it, or off */
    gateway_spec    gw;                /* the entry: API gateway, its cache and validation */
    /* the rest: set-up and the other arrival processes */
    char           *name;
    double          start_s, end_s;    /* active between these times (end < 0: to the end) */
    /* diurnal */
    double          peak_to_trough, peak_hour, start_hour;
    /* onoff */
    double          rate_on_per_s, rate_off_per_s, mean_on_s, mean_off_s;
    /* spike */
    double          spike_at_s, spike_duration_s, spike_rate_per_s;
    uint32_t        burst_count;
    /* trace: the scan's results; scale multiplies arrivals (a study's rate_scale) */
    trace_spec     *trace;
    double          scale;
};

/* Before components are parsed: scans the trace of every source with process "trace" and
 * appends the functions it generates to in's components (in is the scenario's input tree;
 * root reads it). Returns 0 or -1 (message in root's context). */
int  traffic_prepare(cfg_node *root, cJSON *in, world_spec *w);
/* When loading failed on a component a trace generated, adds to the message which
 * function of which source it is for and how to configure it. */
void traffic_explain_failure(const world_spec *w, cfg_ctx *ctx);

/* Parses traffic[] into w (components must be parsed first). Returns 0 or -1. */
int  traffic_parse(cfg_node *root, world_spec *w);
void traffic_free_specs(world_spec *w);

/* Starts every source: schedules first arrivals. Returns 0 or -1 (out of memory). */
int  traffic_start(world *w);
void traffic_free(world *w);

/* What trace source i's player replayed in w's run, and the read problems it met (0 for
 * another source). */
void traffic_trace_counts(const world *w, size_t i, double *replayed, double *read_errors);

/* The expected number of requests source s creates in [t0, t1) (its arrival process's
 * mean, not a draw). */
double traffic_expected_arrivals(const source_spec *s, double t0, double t1);

/* An attempt of request idx the gateway lets through goes on to its target (after its
 * authorizer answered: the gateway's verdict was GATEWAY_WAITING). */
void traffic_pass(world *w, uint32_t idx);

/* A component reports the result of an attempt of request idx at the current time. */
void traffic_attempt_done(world *w, uint32_t idx, attempt_result result);

/* The sources' own figures (w NULL: names only), for trace sources:
 *   sources.<name>.replayed     arrivals read from the trace in the whole run (warm-up
 *                               included, before a study's rate scaling)
 *   sources.<name>.bad_rows     malformed rows skipped at load (on_bad_row "skip")
 *   sources.<name>.read_errors  read problems that ended the replay early (0 unless the
 *                               file changed after loading) */
void traffic_report(const world_spec *spec, const world *w, metric_sink *m);

#endif
