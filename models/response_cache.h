/* response_cache.h — a cache of responses in front of a source's target, as API Gateway's
 * REST API cache (gateway.c) and CloudFront (cdn.c) keep one: equally likely keys, each
 * fresh for ttl_s after a successful answer to a miss filled it, or a fixed share of hits
 * standing in for the keys. The owner counts hits and misses; this keeps the keys. */
#ifndef SLSIM_RESPONSE_CACHE_H
#define SLSIM_RESPONSE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/world.h"

typedef struct response_cache_spec {
    double   hit_ratio;     /* a fixed share of hits, or < 0: from keys and ttl_s */
    uint32_t keys;          /* equally likely cache keys (at least 1) */
    double   ttl_s;         /* how long a filled key stays fresh */
} response_cache_spec;

typedef struct response_cache {
    gsl_rng *draw;          /* which key an attempt asks for (or whether it hits) */
    double  *key_filled;    /* keys model: when each key was last filled (-INFINITY: never) */
} response_cache;

/* Opens the cache's stream (named stream) and its keys; -1 when out of memory. */
int  response_cache_start(response_cache *c, const response_cache_spec *s, sim *sm, const char *stream);
void response_cache_free(response_cache *c);
/* Whether attempt r finds a fresh answer at now. A miss on a key leaves the key in
 * r->cache_key for response_cache_fill; otherwise r->cache_key is UINT32_MAX. */
bool response_cache_lookup(response_cache *c, const response_cache_spec *s, request *r, double now);
/* A successful answer to r, a miss on a key, fills that key at now. */
void response_cache_fill(response_cache *c, request *r, double now);
/* Answers attempt idx's hit at time at, or the client's timeout at its deadline if that
 * comes first. */
void response_cache_answer(world *w, uint32_t idx, double at);

#endif
