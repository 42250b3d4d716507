/* breaker.h — a circuit breaker: a caller stops calling a failing dependency for a while.
 *
 * Closed, it counts attempts and failures over a sliding window (BREAKER_BUCKETS buckets of
 * window_s / BREAKER_BUCKETS each); when at least min_calls attempts are in the window and
 * the failed share reaches threshold it opens. Open, every call fails at once for open_s;
 * then half-open, it lets `probes` trial calls through: one failure opens it again, `probes`
 * successes close it with an empty window. Defaults after Resilience4j's.
 *
 * Used by a function's call steps (calls[].circuit_breaker); the state is the caller's, one
 * per protected dependency, so a workflow task could hold one the same way. A zeroed
 * breaker is closed with an empty window. Each transition bumps `gen`: a result recorded
 * with the generation of an earlier state (a late reply) is ignored. */
#ifndef SLSIM_BREAKER_H
#define SLSIM_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cfg.h"

typedef struct breaker_spec {
    bool     on;
    double   threshold;     /* share of failed attempts that opens it */
    double   window_s;      /* over this sliding window */
    uint32_t min_calls;     /* attempts in the window before it may open */
    double   open_s;        /* it stays open this long, failing calls at once */
    uint32_t probes;        /* then lets this many trial calls through (half-open) */
} breaker_spec;

enum { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };
#define BREAKER_BUCKETS 10

typedef struct breaker {
    int      state;          /* BREAKER_CLOSED, _OPEN or _HALF_OPEN */
    uint32_t gen;            /* bumped at each transition: late results are ignored */
    double   open_until;
    uint32_t probes_out, probes_ok;
    int64_t  bucket_epoch[BREAKER_BUCKETS];
    uint32_t bucket_calls[BREAKER_BUCKETS], bucket_failed[BREAKER_BUCKETS];
} breaker;

/* Reads the object n.key into *s; absent, the breaker is off (and written back as null).
 * Errors go to n's context. */
void breaker_parse(cfg_node *n, const char *key, breaker_spec *s);
/* Whether a call may go through at time now (always, when s is off); *gen gets the
 * generation to pass to breaker_record with the call's result. */
bool breaker_allow(breaker *b, const breaker_spec *s, double now, uint32_t *gen);
/* Records a call's result (ok or not) at time now. Returns true when this result opened
 * the breaker (it stays open s->open_s), so the caller can count openings. */
bool breaker_record(breaker *b, const breaker_spec *s, uint32_t gen, bool ok, double now);

#endif
