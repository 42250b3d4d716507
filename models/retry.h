/* retry.h — a retry policy: how many attempts, which failures are retried, and how long to
 * wait between attempts (exponential backoff capped, with jitter).
 *
 * Used by traffic clients (client.retry) and by a function's calls (calls[].retry). The
 * wait after the k-th failed attempt is min(cap, base * 2^(k-1)), then jittered:
 * none keeps it, full draws from [0, w], equal from [w/2, w], decorrelated draws from
 * [base, 3 * previous wait] capped (AWS Architecture Blog, "Exponential Backoff and
 * Jitter", 2015). */
#ifndef SLSIM_RETRY_H
#define SLSIM_RETRY_H

#include <stdbool.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "sim/cfg.h"
#include "models/world.h"

typedef enum jitter_kind { JITTER_NONE, JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED } jitter_kind;

typedef struct retry_policy {
    uint32_t    max_attempts;      /* including the first */
    double      base_ms, cap_ms;
    jitter_kind jitter;
    bool        retry_on[5];       /* by attempt_result */
} retry_policy;

/* Reads the object n.key into *p, with defaults from *def (max_attempts, base, cap, jitter;
 * every failure kind retried unless retry_on says otherwise). Errors go to n's context. */
void   retry_parse(cfg_node *n, const char *key, const retry_policy *def, retry_policy *p);
/* Reads r.retry_on (an array of "error", "timeout", "throttle"; absent: all three) into on,
 * indexed by attempt_result, and writes the resolved list back. */
void   retry_parse_on(cfg_node *r, bool on[5]);
/* The wait in ms after attempts_made (>= 1) failed attempts; prev_ms is decorrelated
 * jitter's memory (start it at base_ms). */
double retry_backoff_ms(const retry_policy *p, uint32_t attempts_made, double *prev_ms, gsl_rng *rng);
/* Whether an attempt that ended with result r and was attempt number `attempt` is tried
 * again. */
bool   retry_again(const retry_policy *p, attempt_result r, uint32_t attempt);

#endif
