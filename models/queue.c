/* queue.c — a message queue and its consumer: SQS with a Lambda event source mapping, and
 * the other providers' queues on the same engine (queue_spec.c reads each one's keys).
 *
 * Messages wait in a FIFO ring of visible messages. Pollers take batches (up to batch_size,
 * waiting up to batch_window_s for a full one) while fewer batches are being processed
 * than pollers are allowed: the allowance starts at pollers_initial, grows by
 * pollers_per_minute while messages wait, and shrinks back the same way when the queue is
 * empty, capped by pollers_max and max_concurrency. A batch invokes the consumer function
 * synchronously; success deletes its messages; failure (or a throttle) makes them visible
 * again one visibility timeout after they were received (with report_batch_item_failures
 * only the failing, poisoned messages return). A message received max_receives times goes
 * to dead_letter on its next receive; one older than retention_s expires.
 *
 * Invariants: every message is visible (in the ring), in a batch, or waiting to become
 * visible again (in a returning batch); requests.* counts each source message once.
 * The ring and the batch pool grow with what is in the queue, never with what passed. A
 * FIFO group is on the ready ring at most once, so the ring (one place per group) never
 * overflows. Builds with asserts check these indices and counts.
 *
 * The other services reuse all of this, with their own settings: one message per
 * invocation (Azure's triggers, Pub/Sub push, Cloud Tasks) or Cloudflare's batches; the
 * allowance ramps as Azure adds instances, or is fixed (Cloud Tasks' concurrent dispatches,
 * Cloudflare's concurrency); a failed message comes back after its service's delay (Queue
 * Storage's visibility timeout, at once on Service Bus, Pub/Sub's and Cloud Tasks'
 * backoffs, Cloudflare's retry delay) and leaves after its last allowed delivery, right at
 * that failure, to the dead_letter queue or counted dead-lettered (or lost, where the
 * service deletes it). Queue Storage's listener polls an empty queue at growing intervals,
 * so a message arriving after a quiet spell waits for the next poll; Cloud Tasks
 * dispatches through a token bucket. Each service counts what it bills. */
#include "models/queue_internal.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dist.h"
#include "sim/freelist.h"
#include "sim/rng.h"

/* ---- run state ------------------------------------------------------------------------ */

typedef struct batch {
    uint32_t *msg;          /* request indices */
    uint32_t  n;
    double    received;     /* when its messages were received */
    uint32_t  carrier;      /* the request that invoked the consumer */
    uint32_t  gen;          /* bumped at each use: a stale visibility timer is ignored */
    uint8_t   in_flight;    /* the consumer is processing it */
} batch;

typedef struct queue_state {
    const queue_spec *q;
    world    *w;
    int       index;
    /* visible messages: a ring of request indices (standard), or per-group lists and a
     * ring of groups ready to be received (FIFO); count holds the messages either way */
    uint32_t *ring;
    size_t    head, count, cap;
    struct group { uint32_t first, last, n; uint8_t locked, ready; } *groups;
    uint32_t *ready;                 /* FIFO: ring of group ids */
    size_t    ready_head, ready_n;
    uint32_t  cur_group;             /* FIFO: the group the batch being formed takes from */
    uint32_t  cur_in_batch;          /* FIFO: messages of cur_group that the batch kept */
    gsl_rng  *r_group;
    /* batches being processed or returning */
    batch    *batches;               /* its free slots in free_batches */
    freelist  free_batches;
    uint32_t  busy;
    double    allowed;               /* poller allowance */
    uint32_t  window_gen;            /* lazy cancellation of the batch-window timer */
    int       window_armed;
    int       dispatching, again;    /* try_dispatch is running (re-entered calls set again) */
    double    backoff_until, backoff_s; /* after a throttled batch, pollers wait */
    int       wake_armed;            /* a wake-up is scheduled (backoff end or poller ramp) */
    double    empty_since;           /* the queue has been empty since (-1: it is not) */
    double    last_t;                /* when advance() last brought the state up to date */
    double    next_sample;           /* oldest-age sampling, once a second */
    /* measured figures */
    uint64_t  sent, received, deleted, redelivered, dead_lettered, expired, batches_run;
    uint64_t  duplicates;            /* copies made visible while their batch was processed */
    uint64_t  redriven;              /* moved back by the redrive */
    struct vis_due { double due; uint32_t batch, gen; } *vis;   /* visibility deadlines */
    size_t    vis_head, vis_n, vis_cap;
    int       vis_armed;
    uint64_t  api_send, api_receive, api_delete;
    double    empty_receives;
    /* the other services */
    uint64_t  api_update;            /* Queue Storage: a failed message's visibility update */
    double    billed_bytes;          /* Pub/Sub: publish and delivery bytes (1,000 at least each) */
    uint64_t  discarded;             /* deleted after the last delivery (no dead-letter queue) */
    double    exhausted_after_s;     /* the sum of first send to leaving, after the last delivery */
    uint64_t  exhausted;
    double    poll_at;               /* Queue Storage: the poll that will see the next message */
    double    poll_armed_at;         /* the poll event pending (0: none) */
    uint32_t  poll_gen;
    uint32_t  taken_in_pass;         /* Queue Storage: messages one dispatch pass fetched */
    token_bucket bucket;             /* Cloud Tasks' dispatch rate */
    series    depth;                 /* visible messages, time integral */
    double    depth_moment;          /* the integral of (t - window start) x depth: its trend */
    double    max_depth;
    hist      wait_ms;               /* send to first receive */
    uint64_t  waited;                /* first receives that waited at all */
    hist      oldest_age_s;          /* age of the oldest visible message, sampled each second */
} queue_state;

static void queue_free_state(void *p)
{
    queue_state *st = p;
    if (!st)
        return;
    for (uint32_t i = 0; i < freelist_capacity(&st->free_batches); i++)
        free(st->batches[i].msg);
    free(st->batches);
    freelist_free(&st->free_batches);
    free(st->ring);
    free(st->groups);
    free(st->ready);
    free(st->vis);
    series_free(&st->depth);
    free(st);
}

static void on_redrive(sim *s, void *target, uint64_t arg);

static void *queue_start(const void *spec, world *w, int index)
{
    queue_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->q = spec;
    st->w = w;
    st->index = index;
    st->cap = 256;
    st->ring = malloc(st->cap * sizeof *st->ring);
    st->allowed = st->q->pollers_initial;
    st->empty_since = 0;
    token_bucket_init(&st->bucket, &st->q->dispatch_rate);
    hist_init(&st->wait_ms);
    hist_init(&st->oldest_age_s);
    st->next_sample = w->t_start;
    bool ok = st->ring != NULL;
    if (st->q->fifo) {
        char name[300];
        snprintf(name, sizeof name, "queue.%s.groups", st->q->name);
        st->groups = calloc(st->q->message_groups, sizeof *st->groups);
        st->ready = malloc(st->q->message_groups * sizeof *st->ready);
        st->r_group = sim_stream(w->s, name);
        ok = ok && st->groups && st->ready && st->r_group;
    }
    if (!ok || series_init_window(&st->depth, w->t_start, w->t_end, w->spec->interval_s) != 0 ||
        (st->q->redrive_to >= 0 && st->q->redrive_at_s < w->t_end &&
         sim_at(w->s, st->q->redrive_at_s, on_redrive, st, 0) != 0)) {
        queue_free_state(st);
        return NULL;
    }
    return st;
}

static bool measuring(const queue_state *st) { return world_measuring(st->w, sim_now(st->w->s)); }

static uint32_t pollers(const queue_state *st)
{
    double cap = st->q->pollers_max;
    if (st->q->max_concurrency && st->q->max_concurrency < cap)
        cap = st->q->max_concurrency;
    double a = st->allowed < cap ? st->allowed : cap;
    return (uint32_t)a;
}

static bool store_head_entered(const queue_state *st, double *entered);

/* Brings time integrals and the poller allowance up to now (before any change). The
 * allowance grows only while every allowed poller is busy and messages still wait (a
 * backlog), and shrinks while the queue is empty. */
static void advance(queue_state *st)
{
    double now = sim_now(st->w->s);
    const queue_spec *q = st->q;
    /* oldest-age samples at whole seconds of the window, with the state that held */
    while (st->next_sample <= now && st->next_sample < st->w->t_end) {
        double age = 0, entered;
        if (store_head_entered(st, &entered))
            age = st->next_sample - entered;
        hist_add(&st->oldest_age_s, age > 0 ? age : 0);
        st->next_sample += 1.0;
    }
    if (st->last_t < st->w->t_start && now >= st->w->t_start && (double)st->count > st->max_depth)
        st->max_depth = (double)st->count;   /* the level held when the window opened */
    series_add_span(&st->depth, st->last_t, now, (double)st->count);
    double a = fmax(st->last_t, st->w->t_start) - st->w->t_start, b = fmin(now, st->w->t_end) - st->w->t_start;
    if (b > a)
        st->depth_moment += (double)st->count * (b * b - a * a) / 2.0;
    double dt = now - st->last_t, rate = q->pollers_per_minute / 60.0;
    st->last_t = now;
    if (st->count > 0 && st->busy >= (uint32_t)st->allowed)   /* 1e-9: land on whole pollers */
        st->allowed = fmin(q->pollers_max, st->allowed + rate * dt + 1e-9);
    else if (st->count == 0)
        st->allowed = fmax(q->pollers_initial, st->allowed - rate * dt);
}

/* Queue Storage's listener: after the poll that left the queue empty at `from`, it polls
 * again poll_min_s later and doubles the wait after each empty poll, up to
 * max_polling_interval_s (Microsoft's random exponential back-off, without the randomness).
 * Returns the first poll at or after t; *before is the polls between (empty ones). */
static double storage_poll(const queue_spec *q, double from, double t, double *before)
{
    double at = from, d = q->poll_min_s, n = 0;
    for (; d < q->max_polling_interval_s; d *= 2, n++) {
        if (at + d >= t) {
            *before = n;
            return at + d;
        }
        at += d;
    }
    d = q->max_polling_interval_s;
    double k = fmax(1.0, ceil((t - at) / d - 1e-12));
    *before = n + k - 1;
    return at + k * d;
}

/* Empty receives in the measured window of an empty gap from `from` to now. SQS: an idle
 * poller's long poll returns empty after long_poll_s without a message, so a gap of g
 * seconds costs floor(g / long_poll_s) per idle poller. Queue Storage: the listener's empty
 * polls. */
static double empty_polls(const queue_state *st, double from, double now)
{
    const queue_spec *q = st->q;
    if (q->service == QUEUE_STORAGE) {
        double all, early = 0;
        storage_poll(q, from, now, &all);
        if (from < st->w->t_start)
            storage_poll(q, from, st->w->t_start, &early);
        return all - early;
    }
    if (q->service != QUEUE_SQS)
        return 0;     /* push deliveries and AMQP links: no billed empty receive */
    double start = from > st->w->t_start ? from : st->w->t_start;
    uint32_t p = pollers(st), idle = p > st->busy ? p - st->busy : 0;
    return now > start ? (double)idle * floor((now - start) / q->long_poll_s) : 0;
}

/* Called after every change of the queue's level: an empty gap begins, or ends (its empty
 * receives counted; on Queue Storage the next message waits for the listener's poll). */
static void note_level(queue_state *st)
{
    const queue_spec *q = st->q;
    double now = sim_now(st->w->s);
    if (q->consumer < 0)
        return;
    if (st->count == 0 && st->empty_since < 0) {
        st->empty_since = now;
    } else if (st->count > 0 && st->empty_since >= 0) {
        if (q->service == QUEUE_STORAGE) {
            double before;
            st->poll_at = storage_poll(q, st->empty_since, now, &before);
            now = st->poll_at;    /* the polls before it were empty */
        }
        st->empty_receives += empty_polls(st, st->empty_since, now);
        st->empty_since = -1;
    }
}

static int ring_push(queue_state *st, uint32_t req)
{
    if (st->count == st->cap) {
        size_t cap = st->cap * 2;
        uint32_t *grown = malloc(cap * sizeof *grown);
        if (!grown)
            return -1;
        for (size_t i = 0; i < st->count; i++)
            grown[i] = st->ring[(st->head + i) % st->cap];
        free(st->ring);
        st->ring = grown;
        st->head = 0;
        st->cap = cap;
    }
    st->ring[(st->head + st->count) % st->cap] = req;
    st->count++;
    if ((double)st->count > st->max_depth && measuring(st))
        st->max_depth = (double)st->count;
    return 0;
}

static uint32_t ring_pop(queue_state *st)
{
    assert(st->count > 0);
    uint32_t req = st->ring[st->head];
    st->head = (st->head + 1) % st->cap;
    st->count--;
    return req;
}

/* ---- the visible store: a ring (standard) or groups and a ready ring (FIFO) ---- */

#define NO_GROUP UINT32_MAX

static void ready_push(queue_state *st, uint32_t g)
{
    assert(g < st->q->message_groups && !st->groups[g].ready && st->ready_n < st->q->message_groups);
    st->groups[g].ready = 1;
    st->ready[(st->ready_head + st->ready_n) % st->q->message_groups] = g;
    st->ready_n++;
}

static uint32_t ready_pop(queue_state *st)
{
    assert(st->ready_n > 0);
    uint32_t g = st->ready[st->ready_head];
    st->ready_head = (st->ready_head + 1) % st->q->message_groups;
    st->ready_n--;
    st->groups[g].ready = 0;
    return g;
}

/* Adds a message at the back (front = true: at the front of its group, for a returning
 * FIFO message). Returns 0, or -1 when out of memory. */
static int store_push(queue_state *st, uint32_t req, bool front)
{
    if (!st->q->fifo)
        return ring_push(st, req);
    request *r = &st->w->req[req];
    struct group *g = &st->groups[r->fifo_group];
    if (g->n == 0) {
        g->first = g->last = req;
    } else if (front) {
        r->queue_next = g->first;
        g->first = req;
    } else {
        st->w->req[g->last].queue_next = req;
        g->last = req;
    }
    g->n++;
    st->count++;
    if ((double)st->count > st->max_depth && measuring(st))
        st->max_depth = (double)st->count;
    if (!g->locked && !g->ready)
        ready_push(st, r->fifo_group);
    return 0;
}

/* Is a message receivable now (FIFO: from an unlocked group, or the batch's own)? */
static bool store_receivable(const queue_state *st)
{
    if (!st->q->fifo)
        return st->count > 0;
    return st->ready_n > 0 || (st->cur_group != NO_GROUP && st->groups[st->cur_group].n > 0);
}

static void group_release(queue_state *st, uint32_t g);

/* Takes the next receivable message. FIFO: in order within a group; a group that gives a
 * message to a batch is locked until that batch is done. */
static uint32_t store_take(queue_state *st)
{
    if (!st->q->fifo)
        return ring_pop(st);
    if (st->cur_group == NO_GROUP || st->groups[st->cur_group].n == 0) {
        /* A group the batch locked but kept nothing of (its messages expired or went to the
         * dead-letter queue) is free again. */
        if (st->cur_group != NO_GROUP && st->cur_in_batch == 0)
            group_release(st, st->cur_group);
        st->cur_group = ready_pop(st);
        st->cur_in_batch = 0;
        st->groups[st->cur_group].locked = 1;
    }
    struct group *g = &st->groups[st->cur_group];
    assert(g->n > 0);
    uint32_t req = g->first;
    g->first = st->w->req[req].queue_next;
    g->n--;
    st->count--;
    return req;
}

/* FIFO: a batch is done with group g: unlock it, and make it ready if it has messages. */
static void group_release(queue_state *st, uint32_t g)
{
    assert(g < st->q->message_groups);
    struct group *gr = &st->groups[g];
    if (!gr->locked)
        return;
    gr->locked = 0;
    if (gr->n > 0 && !gr->ready)
        ready_push(st, g);
}

/* When the next receivable message entered (for the oldest-age samples); false if none. */
static bool store_head_entered(const queue_state *st, double *entered)
{
    if (!st->q->fifo) {
        if (st->count == 0)
            return false;
        *entered = st->w->req[st->ring[st->head]].entered;
        return true;
    }
    if (st->ready_n == 0)
        return false;
    *entered = st->w->req[st->groups[st->ready[st->ready_head]].first].entered;
    return true;
}

static uint32_t batch_new(queue_state *st)
{
    if (freelist_empty(&st->free_batches)) {
        batch *grown = freelist_grow(&st->free_batches, st->batches, sizeof *grown, 8, UINT32_MAX);
        if (!grown)
            return UINT32_MAX;
        st->batches = grown;    /* new batches zeroed: no buffer yet */
    }
    uint32_t b = freelist_take(&st->free_batches);
    batch *bt = &st->batches[b];
    if (!bt->msg) {
        bt->msg = malloc(st->q->batch_size * sizeof *bt->msg);
        if (!bt->msg) {
            freelist_give(&st->free_batches, b);
            return UINT32_MAX;
        }
    }
    bt->n = 0;
    bt->gen++;
    return b;
}

static void batch_free(queue_state *st, uint32_t b)
{
    freelist_give(&st->free_batches, b);
}

/* A message leaves the system into the dead-letter destination. */
static void to_dead_letter(queue_state *st, uint32_t req)
{
    if (measuring(st))
        st->dead_lettered++;
    world_dead_letter(st->w, req, st->q->dead_letter);
}

/* A message past the retention period (counted from its first send: a dead-letter queue
 * does not restart the clock) expires. */
static bool too_old(const queue_state *st, const request *r)
{
    return sim_now(st->w->s) - r->sent >= st->q->retention_s;
}

/* Billed chunks of a message of kb (at least one): 64 KB on most services, 32 on Cloud Tasks. */
static double chunks(double kb, double per_kb) { return fmax(1.0, ceil(kb / per_kb - 1e-9)); }

static void expire(queue_state *st, uint32_t req)
{
    if (measuring(st)) {
        st->expired++;
        if (st->q->service == QUEUE_CLOUDFLARE)   /* an expired message: a write and a delete */
            st->api_delete += (uint64_t)chunks(st->w->req[req].size_kb, 64);
    }
    world_finish(st->w, req, OUTCOME_EXPIRED);
}

/* A message whose last allowed delivery failed leaves (the other services, at that
 * failure): to the dead_letter queue; else counted dead-lettered (Azure's poison and
 * dead-letter sub-queues, Pub/Sub's dead-letter policy) or deleted, lost (Cloud Tasks,
 * Cloudflare without a dead-letter queue). */
static void exhaust(queue_state *st, uint32_t req)
{
    const queue_spec *q = st->q;
    request *r = &st->w->req[req];
    bool lost = q->dead_letter < 0 && q->exhausted_lost;
    if (measuring(st)) {
        st->exhausted++;
        st->exhausted_after_s += sim_now(st->w->s) - r->sent;
        if (lost)
            st->discarded++;
        else
            st->dead_lettered++;
        double c = chunks(r->size_kb, 64);
        if (q->service == QUEUE_STORAGE)           /* deleted here, put in the poison queue */
            st->api_delete += (uint64_t)c, st->api_send += q->dead_letter < 0 ? (uint64_t)c : 0;
        else if (q->service == QUEUE_CLOUDFLARE && lost)
            st->api_delete += (uint64_t)c;
    }
    if (q->dead_letter >= 0)
        world_dead_letter(st->w, req, q->dead_letter);
    else
        world_finish(st->w, req, lost ? OUTCOME_FAILED : OUTCOME_DEAD_LETTERED);
}

/* Expired messages leave from the head; others are caught when they are received. */
static void expire_old(queue_state *st)
{
    world *w = st->w;
    while (!st->q->fifo && st->count > 0 && too_old(st, &w->req[st->ring[st->head]]))
        expire(st, ring_pop(st));
}

static void try_dispatch(queue_state *st);

static void on_window(sim *s, void *target, uint64_t arg)
{
    (void)s;
    queue_state *st = target;
    if (sim_gen_of(arg) != st->window_gen)
        return;                       /* cancelled */
    st->window_armed = 0;
    advance(st);
    try_dispatch(st);
}

static void on_wake(sim *s, void *target, uint64_t arg)
{
    (void)s;
    (void)arg;
    queue_state *st = target;
    st->wake_armed = 0;
    advance(st);
    try_dispatch(st);
}

static void wake_at(queue_state *st, double t)
{
    if (!st->wake_armed && t < st->w->t_end) {
        st->wake_armed = 1;
        sim_at(st->w->s, t, on_wake, st, 0);
    }
}

/* A batch still being processed when its visibility timeout ends: SQS makes its messages
 * visible again, and another poller may receive them while the first run goes on (the
 * reason AWS asks for a timeout of at least six times the function's). The copies are
 * duplicates: processed again, never requests. Standard queues only (a FIFO group stays
 * locked while its batch runs). */
/* The batch's messages become visible again while it still runs: copies go back in. */
static void duplicate_batch(queue_state *st, uint32_t b)
{
    world *w = st->w;
    for (uint32_t i = 0; i < st->batches[b].n; i++) {
        uint32_t copy = world_request_new(w);
        if (copy == UINT32_MAX)
            break;
        request *c = &w->req[copy];
        *c = w->req[st->batches[b].msg[i]];
        c->measured = 0;
        c->traced = 0;
        c->work = WORK_NONE;   /* the same unit of work, received again */
        c->duplicate = 1;
        c->live = 1;
        c->caller = CALLER_CLIENT;
        if (measuring(st))
            st->duplicates++;
        if (ring_push(st, copy) != 0) {
            w->out_of_memory = 1;
            break;
        }
    }
}

/* Visibility deadlines come due in dispatch order (the timeout is the same for every
 * batch), so they wait in a ring with one timer for the earliest, instead of one pending
 * event per batch. A deadline whose batch has finished (or was reused) is skipped. */
static void on_visibility_end(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    queue_state *st = target;
    double now = sim_now(s);
    st->vis_armed = 0;
    advance(st);
    bool any = false;
    /* Due deadlines of running batches make copies; deadlines of batches already done are
     * dropped at once, due or not, so the timer only wakes for batches still running. */
    while (st->vis_n > 0) {
        struct vis_due d = st->vis[st->vis_head];
        bool running = st->batches[d.batch].gen == d.gen && st->batches[d.batch].in_flight;
        if (running && d.due > now)
            break;
        st->vis_head = (st->vis_head + 1) % st->vis_cap;
        st->vis_n--;
        if (running) {
            duplicate_batch(st, d.batch);
            any = true;
        }
    }
    if (st->vis_n > 0) {
        st->vis_armed = 1;
        sim_at(s, st->vis[st->vis_head].due, on_visibility_end, st, 0);
    }
    if (any) {
        note_level(st);
        try_dispatch(st);
    }
}

/* Remembers batch b's visibility deadline. Returns 0, or -1 when out of memory. */
static int visibility_push(queue_state *st, double due, uint32_t b)
{
    /* Drop deadlines of batches already done from the front: the ring then holds about
     * the batches still running, not every batch of the last timeout. */
    while (st->vis_n > 0) {
        const struct vis_due *d = &st->vis[st->vis_head];
        if (st->batches[d->batch].gen == d->gen && st->batches[d->batch].in_flight)
            break;
        st->vis_head = (st->vis_head + 1) % st->vis_cap;
        st->vis_n--;
    }
    if (st->vis_n == st->vis_cap) {
        size_t cap = st->vis_cap ? 2 * st->vis_cap : 64;
        struct vis_due *grown = malloc(cap * sizeof *grown);
        if (!grown)
            return -1;
        for (size_t i = 0; i < st->vis_n; i++)
            grown[i] = st->vis[(st->vis_head + i) % st->vis_cap];
        free(st->vis);
        st->vis = grown;
        st->vis_head = 0;
        st->vis_cap = cap;
    }
    st->vis[(st->vis_head + st->vis_n) % st->vis_cap] = (struct vis_due){ due, b, st->batches[b].gen };
    st->vis_n++;
    if (!st->vis_armed) {
        st->vis_armed = 1;
        sim_at(st->w->s, due, on_visibility_end, st, 0);
    }
    return 0;
}

static void on_poll(sim *s, void *target, uint64_t arg)
{
    (void)s;
    queue_state *st = target;
    if (sim_gen_of(arg) != st->poll_gen)
        return;                       /* a later poll replaced it */
    advance(st);
    try_dispatch(st);
}

/* Counts what receiving message r costs on the services that bill per message. */
static void count_receive(queue_state *st, const request *r)
{
    switch (st->q->service) {
    case QUEUE_SERVICE_BUS:
    case QUEUE_CLOUDFLARE:
        st->api_receive += (uint64_t)chunks(r->size_kb, 64);
        break;
    case QUEUE_PUBSUB:
        st->api_receive++;                         /* a push request */
        st->billed_bytes += fmax(1000.0, r->size_kb * 1024.0);
        break;
    case QUEUE_TASKS:
        st->api_receive += (uint64_t)chunks(r->size_kb, 32);
        break;
    case QUEUE_STORAGE:
        st->taken_in_pass++;
        break;
    case QUEUE_SQS:
    case QUEUE_SERVICES:
        break;
    }
}

static void on_invoke(sim *s, void *target, uint64_t arg)
{
    (void)s;
    queue_state *st = target;
    world_deliver(st->w, st->q->consumer, st->batches[(uint32_t)arg].carrier);
}

/* Forms and sends batches while pollers are free. Not re-entrant: a reply, a throttle or
 * a dead-letter move that comes back into this queue while it runs only asks for another
 * pass, so batches never nest and the batch pool never moves under a caller. */
static void try_dispatch(queue_state *st)
{
    if (st->dispatching) {
        st->again = 1;
        return;
    }
    st->dispatching = 1;
    do {
        st->again = 0;
        const queue_spec *q = st->q;
        world *w = st->w;
        double now = sim_now(w->s);
        expire_old(st);
        if (q->consumer < 0 || now < st->backoff_until) {
            if (q->consumer >= 0 && st->count > 0)
                wake_at(st, st->backoff_until);
            break;
        }
        if (q->service == QUEUE_STORAGE && st->count > 0 && now < st->poll_at) {
            if (st->poll_armed_at != st->poll_at) {
                st->poll_armed_at = st->poll_at;
                sim_at(w->s, st->poll_at, on_poll, st, sim_gen_pack(++st->poll_gen, 0));
            }
            break;                    /* the listener has not polled since the queue was empty */
        }
        st->taken_in_pass = 0;
        while (store_receivable(st) && st->busy < pollers(st) && now >= st->backoff_until) {
            if (q->batch_window_s > 0 && st->count < q->batch_size) {
                request *head = &w->req[st->ring[st->head]];   /* standard queues only */
                double due = head->entered + q->batch_window_s;
                if (due > now) {
                    if (!st->window_armed) {
                        st->window_armed = 1;
                        sim_at(w->s, due, on_window, st, sim_gen_pack(++st->window_gen, 0));
                    }
                    break;
                }
            }
            if (!token_bucket_take(&st->bucket, &q->dispatch_rate, now)) {
                /* a nanosecond over, so that the refill reaches a whole token */
                wake_at(st, now + (1.0 - st->bucket.tokens) / q->dispatch_rate.per_s + 1e-9);
                break;
            }
            uint32_t b = batch_new(st);
            uint32_t carrier = b == UINT32_MAX ? UINT32_MAX : world_request_new(w);
            if (carrier == UINT32_MAX) {
                w->out_of_memory = 1;
                break;
            }
            batch *bt = &st->batches[b];
            bt->received = now;
            bt->carrier = carrier;
            uint8_t poison = 0, work = 0;
            double kb = 0, call_kb = 0;
            uint64_t receive_requests = 0;
            st->cur_group = NO_GROUP;
            while (store_receivable(st) && bt->n < q->batch_size) {
                uint32_t req = store_take(st);
                request *r = &w->req[req];
                if (too_old(st, r)) {
                    expire(st, req);
                    continue;
                }
                if (q->max_receives && r->receives >= q->max_receives) {
                    to_dead_letter(st, req);
                    continue;
                }
                if (r->receives == 0 && measuring(st)) {
                    double wait = now - r->entered;
                    hist_add(&st->wait_ms, wait * 1000.0);
                    st->waited += wait > 0;
                }
                r->receives++;
                if (measuring(st)) {
                    st->received++;
                    st->redelivered += r->receives > 1;
                    count_receive(st, r);
                }
                poison |= r->poison;
                work |= r->work == WORK_UNIT;
                kb += r->size_kb;
                call_kb += r->size_kb;
                bt->msg[bt->n++] = req;
                st->cur_in_batch++;
                /* ReceiveMessage returns up to 10 messages; each 64 KB of a call's payload
                 * is one billed request. */
                if (bt->n % 10 == 0) {
                    receive_requests += (uint64_t)fmax(1.0, ceil(call_kb / 64 - 1e-9));
                    call_kb = 0;
                }
            }
            if (bt->n % 10 != 0)
                receive_requests += (uint64_t)fmax(1.0, ceil(call_kb / 64 - 1e-9));
            if (q->fifo && st->cur_group != NO_GROUP && st->cur_in_batch == 0)
                group_release(st, st->cur_group);   /* it gave the batch nothing */
            st->cur_group = NO_GROUP;
            if (bt->n == 0) {           /* every message expired or was dead-lettered */
                world_request_free(w, carrier);
                batch_free(st, b);
                continue;
            }
            request *c = &w->req[carrier];
            c->measured = 0;
            c->caller = st->index;
            c->tag = b;
            c->poison = poison;
            c->size_kb = (float)kb;
            c->items = bt->n;
            c->deadline = INFINITY;
            /* The batch speaks for its first message in pipelines (clock, source, tracing)
             * and for tenants (a batch of several tenants' messages is its first's). */
            const request *first = &w->req[bt->msg[0]];
            c->created = first->created;
            c->source = first->source;
            c->tenant = first->tenant;
            c->traced = first->measured || first->traced;
            /* What its processing sends on carries the work of the messages it holds (the
             * carrier is no unit: world_work_begin is not called for it). */
            c->work = work ? WORK_CARRIED : WORK_NONE;
            bt->in_flight = 1;
            if (!q->fifo && isfinite(q->lease_s) && visibility_push(st, now + q->lease_s, b) != 0)
                w->out_of_memory = 1;
            st->busy++;
            if (measuring(st)) {
                st->batches_run++;
                st->api_receive += q->service == QUEUE_SQS ? receive_requests : 0;
            }
            if (q->poll_delay_s > 0)
                sim_at(w->s, now + q->poll_delay_s, on_invoke, st, b);
            else
                world_deliver(w, q->consumer, carrier);
        }
        if (st->taken_in_pass > 0)     /* Queue Storage: GetMessages returns up to batch_size */
            st->api_receive += (st->taken_in_pass + q->fetch_size - 1) / q->fetch_size;
        /* All pollers busy with a backlog: wake when the allowance grows by one. */
        double cap = q->max_concurrency && q->max_concurrency < q->pollers_max ? q->max_concurrency
                                                                               : q->pollers_max;
        if (store_receivable(st) && st->busy >= pollers(st) && st->allowed < cap && q->pollers_per_minute > 0)
            wake_at(st, now + fmax(1e-3, (floor(st->allowed) + 1 - st->allowed) /
                                         (q->pollers_per_minute / 60.0)));
    } while (st->again);
    st->dispatching = 0;
    note_level(st);
}

/* The redrive moves one visible message (a receive and a delete here, a send there) and
 * comes back 1/rate later, until the queue is empty. */
static void on_redrive(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    queue_state *st = target;
    advance(st);
    expire_old(st);
    if (st->count == 0)
        return;
    uint32_t req = ring_pop(st);
    note_level(st);
    if (measuring(st)) {
        st->redriven++;
        st->api_receive++;
        st->api_delete++;
    }
    world_work_redrive(st->w, req);     /* back into the pipeline: no longer lost */
    world_enqueue(st->w, st->q->redrive_to, req);
    double next = sim_now(s) + 1.0 / st->q->redrive_rate_per_s;
    if (next < st->w->t_end && sim_at(s, next, on_redrive, st, 0) != 0)
        st->w->out_of_memory = 1;
}

static void queue_enqueue(void *state, world *w, uint32_t req)
{
    queue_state *st = state;
    advance(st);
    request *r = &w->req[req];
    r->entered = sim_now(w->s);
    if (r->sent == 0)
        r->sent = r->entered;
    r->receives = 0;
    if (st->q->fifo)
        r->fifo_group = (uint32_t)rng_uniform_int(st->r_group, st->q->message_groups);
    if (measuring(st)) {
        st->sent++;
        if (st->q->service == QUEUE_PUBSUB) {        /* a publish: 1,000 bytes at least */
            st->api_send++;
            st->billed_bytes += fmax(1000.0, r->size_kb * 1024.0);
        } else                                         /* a send, put, write or task creation */
            st->api_send += (uint64_t)chunks(r->size_kb, st->q->service == QUEUE_TASKS ? 32 : 64);
    }
    if (store_push(st, req, false) != 0) {
        w->out_of_memory = 1;
        return;
    }
    note_level(st);            /* a message ends an empty gap */
    try_dispatch(st);
}

/* A returning batch's messages become visible again. */
static void on_visible_again(sim *s, void *target, uint64_t arg)
{
    (void)s;
    queue_state *st = target;
    uint32_t b = (uint32_t)arg;
    advance(st);
    batch *bt = &st->batches[b];
    if (st->q->fifo) {
        /* Back to the front of their groups, in order; then the groups are free again. */
        for (uint32_t i = bt->n; i-- > 0;)
            store_push(st, bt->msg[i], true);
        for (uint32_t i = 0; i < bt->n; i++)
            group_release(st, st->w->req[bt->msg[i]].fifo_group);
    } else {
        for (uint32_t i = 0; i < bt->n; i++) {
            if (ring_push(st, bt->msg[i]) != 0) {
                st->w->out_of_memory = 1;
                break;
            }
        }
    }
    batch_free(st, b);
    note_level(st);
    try_dispatch(st);
}

/* How long a message waits after its n-th delivery failed (the other services). */
static double retry_delay(const queue_spec *q, uint32_t deliveries)
{
    switch (q->retry) {
    case RETRY_EXPONENTIAL:
        return queue_pubsub_backoff_s(q->min_backoff_s, q->max_backoff_s, deliveries);
    case RETRY_TASKS:
        return queue_tasks_backoff_s(q->min_backoff_s, q->max_backoff_s, q->max_doublings, deliveries);
    case RETRY_DELAY:
    case RETRY_VISIBILITY:
        break;
    }
    return q->retry_delay_s;
}

#define THROTTLE_BACKOFF_FIRST_S 1.0
#define THROTTLE_BACKOFF_CAP_S   60.0

static void queue_reply(void *state, world *w, uint32_t carrier, attempt_result result)
{
    queue_state *st = state;
    const queue_spec *q = st->q;
    uint32_t b = w->req[carrier].tag;
    assert(b < freelist_capacity(&st->free_batches) && st->batches[b].in_flight && st->batches[b].carrier == carrier);
    uint8_t forwarded = w->req[carrier].forwarded;
    double now = sim_now(w->s);
    advance(st);
    world_request_free(w, carrier);
    st->batches[b].in_flight = 0;
    st->busy--;
    if (result == RESULT_THROTTLED) {
        /* Lambda backs off and scales the mapping's concurrency down on throttles. */
        st->backoff_s = st->backoff_s > 0 ? fmin(2 * st->backoff_s, THROTTLE_BACKOFF_CAP_S)
                                          : THROTTLE_BACKOFF_FIRST_S;
        st->backoff_until = now + st->backoff_s;
        st->allowed = fmax(q->pollers_initial, fmin(st->allowed, (double)st->busy));
    } else {
        st->backoff_s = 0;
    }
    bool ok = result == RESULT_OK;
    /* A handler that reports item failures fails only its poisoned messages; an error the
     * handler throws (or a timeout, or a throttle) fails the whole batch. */
    bool partial = result == RESULT_PARTIAL && q->item_failures && !q->fifo;
    if (q->fifo && ok) {
        /* Done with the batch's groups (before its messages are freed). */
        for (uint32_t i = 0; i < st->batches[b].n; i++)
            group_release(st, w->req[st->batches[b].msg[i]].fifo_group);
    }
    uint32_t kept = 0, deleted = 0;
    bool sqs = q->service == QUEUE_SQS, counting = measuring(st);
    for (uint32_t i = 0; i < st->batches[b].n; i++) {
        uint32_t req = st->batches[b].msg[i];
        double c = chunks(w->req[req].size_kb, 64);
        if (ok || (partial && !w->req[req].poison)) {
            deleted++;
            /* A delete (Queue Storage, Cloudflare) or complete (Service Bus) per message;
             * Pub/Sub's acks and Cloud Tasks' ends are not billed. */
            if (counting && (q->service == QUEUE_STORAGE || q->service == QUEUE_SERVICE_BUS ||
                             q->service == QUEUE_CLOUDFLARE))
                st->api_delete += (uint64_t)c;
            w->req[req].forwarded = forwarded;
            world_finish(w, req, OUTCOME_COMPLETED);
            continue;
        }
        if (counting && q->service == QUEUE_STORAGE)
            st->api_update++;                  /* its visibility set for the retry */
        else if (counting && q->service == QUEUE_SERVICE_BUS)
            st->api_delete += (uint64_t)c;     /* abandoned */
        if (!sqs && q->max_deliveries && w->req[req].receives >= q->max_deliveries) {
            if (q->fifo)
                group_release(st, w->req[req].fifo_group);
            exhaust(st, req);
        } else {
            st->batches[b].msg[kept++] = req;
        }
    }
    if (counting) {
        st->deleted += deleted;
        st->api_delete += sqs ? (deleted + 9) / 10 : 0;
    }
    st->batches[b].n = kept;
    if (kept == 0) {
        batch_free(st, b);
    } else {
        double visible = sqs ? st->batches[b].received + q->visibility_timeout_s
                             : now + retry_delay(q, w->req[st->batches[b].msg[0]].receives);
        sim_at(w->s, visible > now ? visible : now, on_visible_again, st, b);
    }
    try_dispatch(st);
}

static void queue_finish(void *state, world *w)
{
    queue_state *st = state;
    advance(st);
    expire_old(st);
    /* Close an open empty gap: its full long polls (its empty polls) count. */
    if (st->empty_since >= 0 && st->q->consumer >= 0) {
        st->empty_receives += empty_polls(st, st->empty_since, sim_now(w->s));
        st->empty_since = -1;
    }
    /* Its visible messages join the world's time line (summed over queues). */
    for (size_t b = 0; b < st->depth.n && b < w->ts[TS_QUEUE_DEPTH].n; b++)
        w->ts[TS_QUEUE_DEPTH].bin[b] += st->depth.bin[b];
}

/* The operations a service bills by count (all but Pub/Sub, which bills bytes). */
static double billed_operations(const queue_state *st)
{
    return (double)(st->api_send + st->api_receive + st->api_delete + st->api_update) + st->empty_receives;
}

static void queue_report(const void *spec, const void *state, metric_sink *m)
{
    const queue_spec *q = spec;
    const queue_state *st = state;
    queue_state zero = { 0 };
    if (!st) {
        st = &zero;
    }
    double window = st->w ? st->w->spec->duration_s : 1.0;
    bool any = st->wait_ms.count > 0, sampled = st->oldest_age_s.count > 0;
    metric_emit(m, "sent", (double)st->sent);
    metric_emit(m, "received", (double)st->received);
    metric_emit(m, "deleted", (double)st->deleted);
    metric_emit(m, "empty_receives", st->empty_receives);
    metric_emit(m, "redelivered", (double)st->redelivered);
    metric_emit(m, "duplicates", (double)st->duplicates);
    metric_emit(m, "dead_lettered", (double)st->dead_lettered);
    metric_emit(m, "expired", (double)st->expired);
    metric_emit(m, "redriven", (double)st->redriven);
    metric_emit(m, "batches", (double)st->batches_run);
    metric_emit(m, "mean_depth", st->depth.total / window);
    metric_emit(m, "max_depth", st->max_depth);
    /* The least-squares line through the depth over the window, its rise from start to end:
     * 12 (M1 - T/2 M0) / T^2 for the depth's integral M0 and first moment M1 (a depth
     * growing steadily to D rises by D; a backlog that drains within the window, by little
     * or less than nothing). */
    metric_emit(m, "depth_growth", 12.0 * (st->depth_moment - window / 2.0 * st->depth.total) / (window * window));
    metric_emit(m, "wait_ms_mean", any ? hist_mean(&st->wait_ms) : NAN);
    metric_emit(m, "wait_ms_p99", any ? hist_quantile(&st->wait_ms, 0.99) : NAN);
    metric_emit(m, "waited_share", any ? (double)st->waited / (double)st->wait_ms.count : NAN);
    metric_emit(m, "oldest_age_s_p99", sampled ? hist_quantile(&st->oldest_age_s, 0.99) : NAN);
    metric_emit(m, "oldest_age_s_max", sampled ? st->oldest_age_s.max : NAN);
    metric_emit(m, "api_requests", billed_operations(st));
    if (q->service == QUEUE_SQS)
        return;       /* SQS's figures stay as they were */
    /* Messages that left after their last allowed delivery: deleted (lost), and the mean
     * time from their first send to leaving. */
    metric_emit(m, "discarded", (double)st->discarded);
    metric_emit(m, "exhausted_after_s_mean", st->exhausted ? st->exhausted_after_s / (double)st->exhausted : NAN);
    if (q->service == QUEUE_PUBSUB)
        metric_emit(m, "billed_gib", st->billed_bytes / 1073741824.0);
}

static void queue_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    (void)w;
    const queue_state *st = state;
    const queue_spec *q = spec;
    switch (q->service) {
    case QUEUE_SQS:
        usage_add(u, index, q->fifo ? "queue.requests.fifo" : "queue.requests.standard", billed_operations(st));
        break;
    case QUEUE_STORAGE:
        usage_add(u, index, "queue.storage_operations", billed_operations(st));
        break;
    case QUEUE_SERVICE_BUS:
        usage_add(u, index, "service_bus.operations", billed_operations(st));
        break;
    case QUEUE_PUBSUB:
        usage_add(u, index, "queue.pubsub_gib", st->billed_bytes / 1073741824.0);
        break;
    case QUEUE_TASKS:
        usage_add(u, index, "queue.tasks_operations", billed_operations(st));
        break;
    case QUEUE_CLOUDFLARE:
        usage_add(u, index, "queue.operations", billed_operations(st));
        break;
    case QUEUE_SERVICES:
        break;
    }
}

/* The consumer is invoked with a batch and the queue waits for its answer (a queue takes
 * no calls itself, so no cycle of calls passes through one). */
static bool queue_calls(const void *spec, const char *path, size_t i, component_edge *e)
{
    const queue_spec *q = spec;
    if (i > 0 || q->consumer < 0)
        return false;
    e->target = q->consumer;
    snprintf(e->path, sizeof e->path, "%s.consumer.function", path);
    return true;
}

/* Messages received too often go to the dead-letter queue; a redrive moves them back. */
static bool queue_sends(const void *spec, const char *path, size_t i, component_edge *e)
{
    const queue_spec *q = spec;
    if (q->dead_letter >= 0 && i-- == 0) {
        e->target = q->dead_letter;
        e->failures = true;
        e->label = "dead letters";
        snprintf(e->path, sizeof e->path, "%s.dead_letter", path);
        return true;
    }
    if (q->redrive_to < 0 || i > 0)
        return false;
    e->target = q->redrive_to;
    e->label = "redrive";
    snprintf(e->path, sizeof e->path, "%s.redrive.to", path);
    return true;
}

const component_kind queue_kind = {
    .name = "queue",
    .plural = "queues",
    .parse = queue_spec_parse,
    .free_spec = queue_spec_free,
    .link = queue_spec_link,
    .calls = queue_calls,
    .sends = queue_sends,
    .start = queue_start,
    .accept = NULL,
    .enqueue = queue_enqueue,
    .reply = queue_reply,
    .finish = queue_finish,
    .report = queue_report,
    .meter = queue_meter,
    .bills = "queue",
    .free_state = queue_free_state,
};
