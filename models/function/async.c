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

#define ASYNC_THROTTLE_FIRST_MS 1000.0
#define ASYNC_THROTTLE_CAP_MS   300000.0

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
        gsl_rng_uniform(st->r_async) < st->f->async_duplicate_rate) {
        uint32_t dup = world_request_new(w);
        if (dup != UINT32_MAX) {
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
    if (result == RESULT_OK) {
        world_finish(w, req, OUTCOME_COMPLETED);
        return;
    }
    if (result == RESULT_PARTIAL)
        result = RESULT_ERROR;     /* an event is one item: it failed */
    double delay_s;
    if (result == RESULT_THROTTLED) {
        /* Equal jitter, so that events throttled together do not all return together. */
        delay_s = r->backoff_prev_ms / 1000.0 * (0.5 + 0.5 * gsl_rng_uniform(st->r_async));
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
