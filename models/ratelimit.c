/* ratelimit.c — token-bucket rate limits. */
#include "models/ratelimit.h"

#include <math.h>

void rate_limit_parse(cfg_node *n, const char *key, rate_limit *l)
{
    cfg_node r;
    cfg_object(n, key, &r);
    l->per_s = cfg_number(&r, "per_s", 0, 0, 1e9);
    if (cfg_has(&r, "burst")) {
        l->burst = cfg_number(&r, "burst", 0, 1, 1e12);
    } else {
        l->burst = l->per_s > 1 ? l->per_s : 1;
        cfg_put(&r, "burst", cJSON_CreateNull());
    }
    cfg_done(&r);
}

void token_bucket_init(token_bucket *b, const rate_limit *l)
{
    b->tokens = l->burst;
    b->t = 0;
}

void token_bucket_refill(token_bucket *b, const rate_limit *l, double now)
{
    b->tokens = fmin(l->burst, b->tokens + (now - b->t) * l->per_s);
    b->t = now;
}

bool token_bucket_take(token_bucket *b, const rate_limit *l, double now)
{
    if (l->per_s <= 0)
        return true;
    token_bucket_refill(b, l, now);
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}
