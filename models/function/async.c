/* async.c — asynchronous invocation (Lambda's internal event queue), with retries,
 * maximum event age, duplicates and an on_failure destination; and the replies to a
 * function's own requests (its attempts and its calls).
 *
 * An event handed over asynchronously waits in the platform's event queue (here: it is
 * dispatched at once) and is invoked with this function as its own caller. Function errors
 * and timeouts are retried max_retry_attempts times, 1 then 2 minutes later; throttles are
 * retried with backoff from 1 s doubling to 5 minutes (equal jitter: each wait is drawn
 * from [d/2, d]); an event older than max_event_age_s is not retried. A failed event goes
 * to on_failure (then counts as dead-lettered) or is dropped (retries exhausted) or
 * expired (too old). An event is counted once in async_events (measured window), however
 * often it runs. */
#include "models/function/internal.h"

/* Duplicates and idempotency. An event delivered twice gets a key slot (event_key) that
 * both deliveries name in request.tag (the caller's own reference: an asynchronous event's
 * caller is the function itself); an event delivered once has none (UINT32_MAX) and can meet
 * no other delivery. A delivery's handler run that ends well is a side effect; every one of
 * an event after its first is a duplicate side effect. With an idempotency store, each
 * invocation first writes the event's key (calls[0]); the first delivery whose write is
 * done holds the key. As Powertools for AWS Lambda does, a later delivery that finds the
 * holder done skips its handler and ends well at once; one that finds it still running
 * fails ("in progress": an error, retried as any other); and a handler that fails gives its
 * key back (Powertools deletes the record), so a retry, or the other delivery, may take it. */

#define ASYNC_THROTTLE_FIRST_MS 1000.0
#define ASYNC_THROTTLE_CAP_MS   300000.0

/* A key slot for an event's two deliveries, or UINT32_MAX when memory ran out. */
static uint32_t key_new(function_state *st)
{
    if (freelist_empty(&st->free_keys)) {
        event_key *keys = freelist_grow(&st->free_keys, st->keys, sizeof *keys, 64, UINT32_MAX - 1);
        if (!keys) {
            st->w->out_of_memory = 1;   /* the run stops and says so, as for any other pool */
            return UINT32_MAX;
        }
        st->keys = keys;
    }
    uint32_t k = freelist_take(&st->free_keys);
    st->keys[k] = (event_key){ .refs = 2 };
    return k;
}

/* The key slot of an event this function holds (r is its own asynchronous event), or NULL. */
static event_key *key_of(function_state *st, const request *r)
{
    if (r->is_call || r->caller != st->index || r->tag == UINT32_MAX)
        return NULL;
    assert(r->tag < freelist_capacity(&st->free_keys));
    return &st->keys[r->tag];
}

/* Delivery r of its event has ended: the slot goes when both have. */
static void key_release(function_state *st, request *r)
{
    event_key *k = key_of(st, r);
    if (!k)
        return;
    assert(k->refs > 0);
    if (--k->refs == 0)
        freelist_give(&st->free_keys, r->tag);
    r->tag = UINT32_MAX;
}

/* The key check of the invocation serving req has written: IDEMPOTENCY_NEW when this
 * delivery holds the key now, IDEMPOTENCY_DONE when another delivery holds it and its
 * handler has ended well (skip the handler), IDEMPOTENCY_IN_PROGRESS when it is still
 * running (fail). */
idempotency_found function_idempotency_seen(function_state *st, world *w, uint32_t req, bool measured)
{
    const request *r = &w->req[req];
    event_key *k = key_of(st, r);
    if (!k)
        return IDEMPOTENCY_NEW;
    uint8_t me = (uint8_t)(1 + r->duplicate);
    if (!k->owner || k->owner == me) {
        k->owner = me;
        return IDEMPOTENCY_NEW;
    }
    if (k->ran == 0) {
        if (measured)
            st->idempotency_in_progress++;
        return IDEMPOTENCY_IN_PROGRESS;
    }
    if (measured)
        st->idempotency_skipped++;
    return IDEMPOTENCY_DONE;
}

/* A delivery's attempt ended with result: a side effect when its handler ran and ended
 * well (counted as a duplicate when one of its event came before), and a failed holder
 * gives its key back. */
static void key_settle(function_state *st, world *w, uint32_t req, attempt_result result)
{
    const request *r = &w->req[req];
    event_key *k = key_of(st, r);
    if (!k)
        return;
    uint8_t me = (uint8_t)(1 + r->duplicate);
    if (result != RESULT_OK) {
        if (k->owner == me)
            k->owner = 0;
        return;
    }
    if (st->f->idempotency && k->owner != me)
        return;                          /* recognised: its handler did not run */
    if (++k->ran > 1 && world_measuring(w, sim_now(w->s)))
        st->duplicate_side_effects++;
}

static void on_async_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    st->w->req[(uint32_t)arg].deadline = INFINITY;
    function_accept(st, st->w, (uint32_t)arg);
}

void function_enqueue(void *state, world *w, uint32_t req)
{
    function_state *st = state;
    double now = sim_now(w->s);
    request *r = &w->req[req];
    bool measuring = world_measuring(w, now);
    r->caller = st->index;
    r->tag = UINT32_MAX;
    r->attempt = 1;
    r->entered = now;
    r->deadline = INFINITY;
    r->backoff_prev_ms = ASYNC_THROTTLE_FIRST_MS;
    if (measuring) {
        st->async_events++;
        /* 1 request per 256 KB, plus 1 per further 64 KB. */
        if (r->size_kb > 256)
            st->async_extra_requests += (uint64_t)ceil((r->size_kb - 256) / 64 - 1e-9);
    }
    /* At least once: some events are delivered twice. The copy is not a request of its own. */
    if (st->f->async_duplicate_rate > 0 && !r->duplicate &&
        rng_uniform(st->r_async) < st->f->async_duplicate_rate) {
        uint32_t dup = world_request_new(w);
        if (dup != UINT32_MAX) {
            w->req[req].tag = key_new(st);
            request *d = &w->req[dup];
            *d = w->req[req];          /* the pool may have moved: re-read */
            d->measured = 0;
            d->work = WORK_NONE;       /* the same unit of work, delivered again */
            d->duplicate = 1;
            d->live = 1;
            if (measuring)
                st->async_duplicates++;
            sim_at(w->s, now, on_async_retry, st, dup);
        }
    }
    function_accept(st, w, req);
}

/* An event that will not be retried again: to on_failure, or dropped / expired. */
static void async_give_up(function_state *st, world *w, uint32_t req, bool too_old)
{
    bool measuring = world_measuring(w, sim_now(w->s));
    const function_spec *f = st->f;
    key_release(st, &w->req[req]);
    if (f->on_failure >= 0) {
        if (measuring)
            st->async_to_on_failure++;
        world_dead_letter(w, req, f->on_failure);
        return;
    }
    if (too_old) {
        if (measuring)
            st->async_expired++;
        world_finish(w, req, OUTCOME_EXPIRED);
    } else {
        if (measuring)
            st->async_dropped++;
        world_finish(w, req, OUTCOME_DROPPED);
    }
}

void function_reply(void *state, world *w, uint32_t req, attempt_result result)
{
    function_state *st = state;
    if (w->req[req].is_call) {
        function_call_reply(st, w, req, result);
        return;
    }
    const function_spec *f = st->f;
    request *r = &w->req[req];
    double now = sim_now(w->s);
    key_settle(st, w, req, result);
    if (result == RESULT_OK) {
        key_release(st, r);
        world_finish(w, req, OUTCOME_COMPLETED);
        return;
    }
    if (result == RESULT_PARTIAL)
        result = RESULT_ERROR;     /* an event is one item: it failed */
    double delay_s;
    if (result == RESULT_THROTTLED) {
        /* Equal jitter, so that events throttled together do not all return together. */
        delay_s = r->backoff_prev_ms / 1000.0 * (0.5 + 0.5 * rng_uniform(st->r_async));
        r->backoff_prev_ms = fmin(2 * r->backoff_prev_ms, ASYNC_THROTTLE_CAP_MS);
    } else {
        if (r->attempt > f->async_max_retries) {
            async_give_up(st, w, req, false);
            return;
        }
        delay_s = 60.0 * (double)(1u << (r->attempt - 1));   /* 1 min, then 2 min */
        r->attempt++;
    }
    if (now + delay_s - r->entered > f->async_max_age_s) {
        async_give_up(st, w, req, true);
        return;
    }
    if (world_measuring(w, now))
        st->async_retries++;
    sim_at(w->s, now + delay_s, on_async_retry, st, req);
}
