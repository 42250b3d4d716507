/* authorizer.h — an API gateway's Lambda authorizer: the gateway invokes a function to
 * authorize a request's identity (its token) before the request goes on, and caches the
 * answer per identity for ttl_s (0: every request invokes it).
 *
 * A source's key "authorizer": {"function", "ttl_s", "identities"} (Amazon API Gateway's
 * REST and HTTP APIs only). Each request carries an identity drawn uniformly from
 * `identities` at its first attempt (in request.tag; a retry keeps it). A fresh cached
 * policy lets it through at once; otherwise the gateway invokes the function (a real
 * function component: its cold starts, concurrency, duration and bill) and waits: an OK
 * answer fills the identity's cache entry and lets the request through; any other answer
 * (the function's error, throttle or timeout) fails the attempt with a 500, which is not
 * cached. */
#ifndef SLSIM_AUTHORIZER_H
#define SLSIM_AUTHORIZER_H

#include <stdbool.h>
#include <stdint.h>

#include "models/world.h"

typedef struct authorizer_spec {
    int      function;         /* the authorizer function's component index; -1: none */
    double   ttl_s;            /* a cached policy's life; 0: no cache */
    uint32_t identities;       /* distinct tokens, equally likely */
} authorizer_spec;

/* Reads a source's "authorizer" key from c (the source's object) into a; gateway: the
 * source has an API Gateway REST or HTTP API in front (the only entry with authorizers). */
void authorizer_parse(cfg_node *c, authorizer_spec *a, const world_spec *w, bool gateway);

/* The replication's authorizers (w->authorizer). Returns 0, or -1 when out of memory. */
int  authorizer_start(world *w);
void authorizer_free(world *w);

/* An attempt of client request idx reaches its source's authorizer at now: true when a
 * fresh cached policy lets it through at once; false when the authorizer function was
 * invoked (or the attempt already failed): the gateway goes on with
 * gateway_authorized when the function allows it. */
bool authorizer_check(world *w, uint32_t idx, double now);
/* The authorizer function's answer to its call sub (caller CALLER_GATEWAY). */
void authorizer_reply(world *w, uint32_t sub, attempt_result result);

/* Figures (w NULL: names only) of source `source` with m->prefix set to the source's:
 * authorizer_hits (attempts let through by a cached policy), authorizer_misses (attempts
 * that invoked the function), authorizer_hit_ratio, authorizer_failed (attempts failed by
 * the function's error, throttle or timeout). */
void authorizer_report_source(const world_spec *spec, const world *w, size_t source, metric_sink *m);

#endif
