/* traffic.h — traffic sources and their clients.
 *
 * A source generates original requests (constant, poisson, diurnal, onoff, spike) to one
 * target component. Its client waits for each attempt up to timeout_ms and retries
 * throttles, errors and timeouts with exponential backoff and jitter, up to max_attempts.
 * A request's outcome is decided here: completed, failed, throttled or timed out. */
#ifndef SLSIM_TRAFFIC_H
#define SLSIM_TRAFFIC_H

#include "models/world.h"
#include "models/retry.h"
#include "sim/dist.h"

typedef enum arrival_process {
    ARRIVALS_CONSTANT, ARRIVALS_POISSON, ARRIVALS_DIURNAL, ARRIVALS_ONOFF, ARRIVALS_SPIKE
} arrival_process;

struct source_spec {
    char           *name;
    int             target;            /* component index */
    bool            async;             /* hand requests over (mode "async") instead of waiting */
    double          size_kb;           /* payload size */
    int             gateway;           /* 0 none, 1 API Gateway REST, 2 HTTP API */
    double          response_kb;       /* response size: data transfer out */
    double          poison_rate;       /* share of requests that fail every processing attempt */
    arrival_process process;
    double          rate_per_s;        /* mean (diurnal), base (spike), constant/poisson rate */
    double          start_s, end_s;    /* active between these times (end < 0: to the end) */
    /* diurnal */
    double          peak_to_trough, peak_hour, start_hour;
    /* onoff */
    double          rate_on_per_s, rate_off_per_s, mean_on_s, mean_off_s;
    /* spike */
    double          spike_at_s, spike_duration_s, spike_rate_per_s;
    uint32_t        burst_count;
    /* tenants: one, or a weighted mix (cumulative shares) */
    uint16_t        tenant;
    size_t          n_mix;
    uint16_t       *mix_tenant;
    double         *mix_cdf;
    /* client */
    double          timeout_ms;
    retry_policy    retry;
};

/* Parses traffic[] into w (components must be parsed first). Returns 0 or -1. */
int  traffic_parse(cfg_node *root, world_spec *w);
void traffic_free_specs(world_spec *w);

/* Starts every source: schedules first arrivals. Returns 0 or -1 (out of memory). */
int  traffic_start(world *w);
void traffic_free(world *w);

/* The expected number of requests source s creates in [t0, t1) (its arrival process's
 * mean, not a draw). */
double traffic_expected_arrivals(const source_spec *s, double t0, double t1);

/* A component reports the result of an attempt of request idx at the current time. */
void traffic_attempt_done(world *w, uint32_t idx, attempt_result result);

#endif
