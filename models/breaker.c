/* breaker.c — circuit breakers (see breaker.h for the states and the window). */
#include "models/breaker.h"

#include <math.h>
#include <string.h>

void breaker_parse(cfg_node *n, const char *key, breaker_spec *s)
{
    s->on = cfg_has(n, key);
    cfg_node k;
    cfg_object(n, key, &k);
    if (!s->on) {
        cfg_done(&k);
        cfg_put(n, key, cJSON_CreateNull());  /* no breaker stays none */
        return;
    }
    /* Defaults after Resilience4j's: 50% failures, 100 calls at least, 60 s open, 10 trial
     * calls half-open; a 60 s time window. */
    s->threshold = cfg_number(&k, "failure_threshold", 0.5, 0.000001, 1);
    s->window_s = cfg_number(&k, "window_s", 60, 0.001, 86400);
    s->min_calls = (uint32_t)cfg_integer(&k, "min_calls", 100, 1, 1000000000);
    s->open_s = cfg_number(&k, "open_s", 60, 0, 86400);
    s->probes = (uint32_t)cfg_integer(&k, "half_open_probes", 10, 1, 1000000);
    cfg_done(&k);
}

static void open_now(breaker *b, const breaker_spec *s, double now)
{
    b->state = BREAKER_OPEN;
    b->gen++;
    b->open_until = now + s->open_s;
}

bool breaker_allow(breaker *b, const breaker_spec *s, double now, uint32_t *gen)
{
    *gen = b->gen;
    if (!s->on)
        return true;
    if (b->state == BREAKER_OPEN) {
        if (now < b->open_until)
            return false;
        b->state = BREAKER_HALF_OPEN;
        b->gen++;
        b->probes_out = b->probes_ok = 0;
    }
    if (b->state == BREAKER_HALF_OPEN) {
        if (b->probes_out >= s->probes)
            return false;
        b->probes_out++;
    }
    *gen = b->gen;
    return true;
}

bool breaker_record(breaker *b, const breaker_spec *s, uint32_t gen, bool ok, double now)
{
    if (!s->on || gen != b->gen)
        return false;
    if (b->state == BREAKER_HALF_OPEN) {
        if (!ok) {
            open_now(b, s, now);
            return true;
        }
        if (++b->probes_ok >= s->probes) {
            b->state = BREAKER_CLOSED;
            b->gen++;
            memset(b->bucket_calls, 0, sizeof b->bucket_calls);
            memset(b->bucket_failed, 0, sizeof b->bucket_failed);
        }
        return false;
    }
    if (b->state != BREAKER_CLOSED)
        return false;
    double width = s->window_s / BREAKER_BUCKETS;
    int64_t e = (int64_t)floor(now / width);
    int k = (int)(e % BREAKER_BUCKETS);
    if (b->bucket_epoch[k] != e) {
        b->bucket_epoch[k] = e;
        b->bucket_calls[k] = b->bucket_failed[k] = 0;
    }
    b->bucket_calls[k]++;
    b->bucket_failed[k] += !ok;
    uint64_t calls = 0, failed = 0;
    for (int j = 0; j < BREAKER_BUCKETS; j++)
        if (b->bucket_epoch[j] > e - BREAKER_BUCKETS) {
            calls += b->bucket_calls[j];
            failed += b->bucket_failed[j];
        }
    if (calls >= s->min_calls && (double)failed >= s->threshold * (double)calls) {
        open_now(b, s, now);
        return true;
    }
    return false;
}
