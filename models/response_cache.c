/* response_cache.c — keys fresh for a TTL, or a fixed hit share (see response_cache.h).
 *
 * Invariants: key_filled[k] is when a successful answer last filled key k; an attempt that
 * missed on key k carries k in request.cache_key until its answer fills it (UINT32_MAX:
 * none; the request's union has one holder of that word at a time). */
#include "models/response_cache.h"

#include <math.h>
#include <stdlib.h>

#include "models/traffic.h"
#include "sim/rng.h"

int response_cache_start(response_cache *c, const response_cache_spec *s, sim *sm, const char *stream)
{
    *c = (response_cache){ 0 };
    if (!(c->draw = sim_stream(sm, stream)))
        return -1;
    if (s->hit_ratio >= 0)
        return 0;
    if (!(c->key_filled = malloc(s->keys * sizeof *c->key_filled)))
        return -1;
    for (uint32_t k = 0; k < s->keys; k++)
        c->key_filled[k] = -INFINITY;
    return 0;
}

void response_cache_free(response_cache *c)
{
    free(c->key_filled);
    c->key_filled = NULL;
}

bool response_cache_lookup(response_cache *c, const response_cache_spec *s, request *r, double now)
{
    r->cache_key = UINT32_MAX;
    if (s->hit_ratio >= 0)
        return rng_uniform(c->draw) < s->hit_ratio;
    uint32_t k = s->keys > 1 ? (uint32_t)rng_uniform_int(c->draw, s->keys) : 0;
    if (now - c->key_filled[k] < s->ttl_s)
        return true;
    r->cache_key = k;
    return false;
}

void response_cache_fill(response_cache *c, request *r, double now)
{
    if (c->key_filled && r->cache_key != UINT32_MAX)
        c->key_filled[r->cache_key] = now;
    r->cache_key = UINT32_MAX;
}

static void on_hit(sim *s, void *target, uint64_t arg)
{
    (void)s;
    traffic_attempt_done(target, (uint32_t)arg, RESULT_OK);
}

static void on_gave_up(sim *s, void *target, uint64_t arg)
{
    (void)s;
    traffic_attempt_done(target, (uint32_t)arg, RESULT_TIMEOUT);
}

void response_cache_answer(world *w, uint32_t idx, double at)
{
    double deadline = w->req[idx].deadline;
    if (sim_at(w->s, fmin(at, deadline), at <= deadline ? on_hit : on_gave_up, w, idx) != 0)
        w->out_of_memory = 1;
}
