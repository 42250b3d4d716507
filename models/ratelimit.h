/* ratelimit.h — a token-bucket rate limit, as API gateways, usage plans and managed
 * services apply them: `per_s` tokens a second into a bucket of `burst` (which starts
 * full); each call takes one, and a call that finds less than one is throttled. */
#ifndef SLSIM_RATELIMIT_H
#define SLSIM_RATELIMIT_H

#include <stdbool.h>

#include "sim/cfg.h"

typedef struct rate_limit {
    double per_s;    /* 0: no limit */
    double burst;
} rate_limit;

typedef struct token_bucket {
    double tokens, t;
} token_bucket;

/* Reads the object n.key ({"per_s", "burst"}); burst defaults to per_s (at least 1). */
void rate_limit_parse(cfg_node *n, const char *key, rate_limit *l);
/* A full bucket at time 0. */
void token_bucket_init(token_bucket *b, const rate_limit *l);
/* Adds the tokens earned since the last refill, up to burst (for a caller that takes
 * amounts other than one, or checks two buckets before taking from either). */
void token_bucket_refill(token_bucket *b, const rate_limit *l, double now);
/* Takes a token at time now; false when the call is over the limit. Always true without one. */
bool token_bucket_take(token_bucket *b, const rate_limit *l, double now);

#endif
