/* keepalive.c — keep-alive of units (keep_alive.scope "function" or "app"): the fixed
 * and uniform windows, the hybrid histogram policy (Shahrad et al., ATC 2020) and
 * FaasCache's Greedy-Dual host pool (Fuerst and Sharma, ASPLOS 2021); the hybrid policy's
 * histogram per function at scope "instance"; and containers on a host's memory (scope
 * "instance" with pool_gb: eviction, and the queue of requests waiting for memory).
 *
 * A unit is lazy like the instances: after its last execution ends at idle_since it is
 * loaded during [load_at, unload_at) (and always while running > 0); nothing fires when it
 * loads or unloads, the next arrival (or the end of the run) settles the idle period.
 * Greedy-Dual: a unit is resident until evicted; the pool's heap (sim/heap.h) holds exactly
 * the pool ids of the idle resident units, keyed by priority, and used_gb is the memory of
 * the resident ones, never above capacity_gb. */
#include "models/function/internal.h"

/* ---- the greedy-dual host pool: the idle units in a min-heap by priority ---- */

/* Puts u on pool p's host (not resident yet): its pool id is its index in p->units.
 * Returns 0, or -1 when out of memory. */
int function_pool_join(host_pool *p, ka_unit *u)
{
    if (p->n_units == p->cap_units) {
        uint32_t cap = p->cap_units ? 2 * p->cap_units : 16;
        ka_unit **units = realloc(p->units, cap * sizeof *units);
        if (!units)
            return -1;
        p->units = units;
        p->cap_units = cap;
    }
    u->pool = p;
    u->pool_id = p->n_units;
    p->units[p->n_units++] = u;
    return 0;
}

/* Evicts idle units, lowest priority first, until gb more fit. False when they cannot
 * (the host is full of running units). */
bool function_pool_make_room(host_pool *p, double gb, double now)
{
    uint32_t id;
    while (p->used_gb + gb > p->capacity_gb + 1e-9 && heap_min(&p->idle, &id, NULL)) {
        ka_unit *v = p->units[id];
        heap_remove(&p->idle, id);
        p->clock = v->priority;
        p->used_gb -= v->gb;
        v->resident = false;
        v->unload_at = now;
        if (now >= v->t_start)
            v->evictions++;
    }
    return p->used_gb + gb <= p->capacity_gb + 1e-9;
}

/* Settles the idle period that ends at `now` (an arrival, or the end of the run). */
void function_unit_close_idle(ka_unit *u, double now)
{
    double a = fmax(u->load_at, u->t_start), b = fmin(now, u->unload_at);
    if (b > a) {
        u->idle_loaded_s += b - a;
        idle_span(u->owner, a, b);
    }
    if (u->load_at > u->idle_since && u->load_at < fmin(now, u->unload_at) && u->load_at >= u->t_start)
        u->prewarms++;
}

/* The hybrid policy learns an idle time of `it` seconds. */
static void hybrid_learn(ka_unit *u, double it)
{
    const hybrid_spec *h = &u->f->hybrid;
    u->samples++;
    double b = floor(it / h->bin_s);
    if (b >= h->bins) {
        u->oob++;
        return;
    }
    uint32_t c = u->bins[(uint32_t)b]++;
    u->sumsq += 2.0 * c + 1.0;
}

/* An execution starts on the unit. */
void function_unit_arrive(ka_unit *u, double now)
{
    u->freq += 1.0;
    if (u->running++ > 0 || !u->ended)
        return;
    function_unit_close_idle(u, now);
    if (u->bins)
        hybrid_learn(u, now - u->idle_since);
}

/* An execution that starts on u at now and would end at end: a cold one loads u (for
 * init_ms); one that joins while u still loads waits for the load to end. Returns its end. */
double function_unit_join(ka_unit *u, double now, int cold, double init_ms, double end)
{
    if (cold) {
        u->ready_at = now + init_ms / 1000.0;
        return end;
    }
    return u->ready_at > now ? end + (u->ready_at - now) : end;
}

/* The hybrid policy's windows after an execution ends, from the idle-time histogram: false
 * when the histogram is not representative yet (too few idle times, too many beyond the
 * range, or a coefficient of variation of its bin counts below min_cv). */
static bool hybrid_windows(const ka_unit *u, double *pre_s, double *keep_s)
{
    const hybrid_spec *h = &u->f->hybrid;
    uint64_t in = u->samples - u->oob;
    if (u->samples < h->min_samples || in == 0 || (double)u->oob > h->oob_max * (double)u->samples)
        return false;
    double mean = (double)in / h->bins;
    double var = u->sumsq / h->bins - mean * mean;
    if (!(sqrt(fmax(var, 0.0)) / mean >= h->cv_min))
        return false;
    double head_n = h->head_pct / 100.0 * (double)in, tail_n = h->tail_pct / 100.0 * (double)in;
    uint64_t cum = 0;
    uint32_t head = UINT32_MAX, tail = h->bins - 1;
    for (uint32_t i = 0; i < h->bins; i++) {
        cum += u->bins[i];
        if (head == UINT32_MAX && (double)cum >= head_n && cum > 0)
            head = i;
        if ((double)cum >= tail_n && cum > 0) {
            tail = i;
            break;
        }
    }
    if (head == UINT32_MAX)
        head = tail;
    *pre_s = head * h->bin_s * (1.0 - h->margin);
    *keep_s = (tail + 1) * h->bin_s * (1.0 + h->margin);
    return true;
}

/* ---- the hybrid policy per container (scope "instance"): the function's idle times ---- */

void function_hist_arrive(ka_unit *u, double now)
{
    if (u->running++ == 0 && u->ended)
        hybrid_learn(u, now - u->idle_since);
}

/* An execution of the function ends: its container stays for the histogram's keep-alive
 * window (its tail percentile, with the margin) or, while the histogram is not
 * representative, fallback_idle_s. The pre-warm window (unloading and loading again ahead
 * of the next arrival) applies to units only: a container stays from its end. */
double function_hist_release(ka_unit *u, double now)
{
    if (--u->running == 0) {
        u->idle_since = now;
        u->ended = true;
    }
    double pre, keep;
    return hybrid_windows(u, &pre, &keep) ? keep : u->f->hybrid.fallback_s;
}

/* An execution on the unit ends: when it was the last, the policy sets the loaded window.
 * Returns -1 when out of memory. */
int function_unit_release(ka_unit *u, double now)
{
    if (--u->running > 0)
        return 0;
    const function_spec *f = u->f;
    u->idle_since = now;
    u->ended = true;
    u->load_at = now;
    double pre = 0, keep;
    if (f->keep_alive == KEEP_HYBRID && hybrid_windows(u, &pre, &keep)) {
        u->load_at = now + pre;       /* unloaded now, loaded again ahead of the next arrival */
    } else if (f->idle_max_s > f->idle_min_s) {
        keep = f->idle_min_s + (f->idle_max_s - f->idle_min_s) * rng_uniform(u->r_keep);
    } else {
        keep = f->idle_min_s;
    }
    u->unload_at = now + keep;
    if (u->load_at >= u->unload_at)
        u->load_at = INFINITY;
    if (u->pool) {
        /* Idle on the host until evicted, at its Greedy-Dual priority. */
        u->priority = u->pool->clock + u->freq * u->cost_ms / u->gb;
        return heap_push(&u->pool->idle, u->pool_id, u->priority);
    }
    return 0;
}

/* ---- containers on a host: one per execution, each holding its function's memory ---- */

static double container_gb(const function_state *st)
{
    return st->f->memory_mb / 1024.0;
}

/* The container at pool id stops being idle (it runs, or leaves): out of the heaps. */
static void container_not_idle(host_pool *p, uint32_t id)
{
    if (!heap_contains(&p->idle, id))
        return;
    heap_remove(&p->idle, id);
    if (heap_contains(&p->lru, id))
        heap_remove(&p->lru, id);
    p->idle_gb = heap_size(&p->idle) ? p->idle_gb - container_gb(p->entries[id].st) : 0;
}

/* The container at pool id leaves the host: its memory is free, its id reusable, and its
 * executions leave its function's frequency. */
static void container_leave(host_pool *p, uint32_t id)
{
    struct pool_entry *e = &p->entries[id];
    function_state *st = e->st;
    container_not_idle(p, id);
    p->used_gb -= container_gb(st);
    if (p->used_gb < 1e-9)
        p->used_gb = 0;
    st->pool_ids[e->slot] = POOL_NONE;
    st->pool_freq -= e->count;
    if (--st->pool_live == 0)
        st->pool_freq = 0;           /* exactly, whatever the rounding */
    p->free_ids[p->n_free++] = id;
}

int function_container_load(function_state *st, uint32_t slot, double now)
{
    host_pool *p = st->pool;
    double gb = container_gb(st);
    /* Evict idle containers: Greedy-Dual the lowest priority first (the clock rises to the
     * evicted priority); a window the expired ones, then the least recently used. */
    bool gd = st->f->keep_alive == KEEP_GREEDY_DUAL;
    heap *order = gd ? &p->idle : &p->lru;
    uint32_t id;
    double key;
    /* Under a window the keys are expiries: the containers already expired go first, so
     * that used_gb is what live containers hold (they never serve again; no eviction). */
    if (!gd)
        while (heap_min(&p->idle, &id, &key) && key <= now)
            container_leave(p, id);
    /* Evicting every idle container would not make room (running ones hold the rest):
     * evict none. */
    if (p->used_gb - p->idle_gb + gb > p->capacity_gb + 1e-9)
        return 0;
    while (p->used_gb + gb > p->capacity_gb + 1e-9 && heap_min(order, &id, &key)) {
        struct pool_entry *e = &p->entries[id];
        instance *in = &e->st->inst[e->slot];
        if (gd)
            p->clock = key;
        if (in->expiry > now) {
            /* Evicted while it would have stayed: it idles until now, then goes when its
             * function next looks at its idle stack (as an expired one would). */
            in->expiry = now;
            if (world_measuring(st->w, now))
                e->st->pool_evictions++;
        }
        container_leave(p, id);
    }
    if (p->used_gb + gb > p->capacity_gb + 1e-9)
        return 0;
    if (p->n_free == 0) {
        if (p->n_entries == p->cap_entries) {
            uint32_t cap = p->cap_entries ? 2 * p->cap_entries : 64;
            struct pool_entry *entries = realloc(p->entries, cap * sizeof *entries);
            uint32_t *free_ids = entries ? realloc(p->free_ids, cap * sizeof *free_ids) : NULL;
            if (entries)
                p->entries = entries;
            if (!free_ids)
                return -1;
            p->free_ids = free_ids;
            p->cap_entries = cap;
        }
        p->free_ids[p->n_free++] = p->n_entries++;
    }
    id = p->free_ids[--p->n_free];
    p->entries[id] = (struct pool_entry){ .st = st, .slot = slot, .count = 0 };
    st->pool_ids[slot] = id;
    st->pool_live++;
    p->used_gb += gb;
    if (p->used_gb > p->peak_gb && world_measuring(st->w, now))
        p->peak_gb = p->used_gb;        /* memory rises only here */
    return 1;
}

void function_container_take(function_state *st, uint32_t slot)
{
    uint32_t id = st->pool_ids[slot];
    if (id != POOL_NONE)
        container_not_idle(st->pool, id);
}

int function_container_idle(function_state *st, uint32_t slot)
{
    host_pool *p = st->pool;
    uint32_t id = st->pool_ids[slot];
    if (id == POOL_NONE)
        return 0;
    const instance *in = &st->inst[slot];
    double freq = st->f->gd_per_container ? p->entries[id].count : st->pool_freq;
    p->idle_gb += container_gb(st);
    if (st->f->keep_alive == KEEP_GREEDY_DUAL)
        return heap_push(&p->idle, id, p->clock + freq * function_cold_cost_ms(st->f) / container_gb(st));
    return heap_push(&p->idle, id, in->expiry) != 0 || heap_push(&p->lru, id, in->idle_since) != 0 ? -1 : 0;
}

void function_container_gone(function_state *st, uint32_t slot)
{
    uint32_t id = st->pool_ids[slot];
    if (id != POOL_NONE)
        container_leave(st->pool, id);
}

/* ---- on_full "queue": requests waiting for memory on the host, first in first out ---- */

static void wait_unlink(host_pool *p, uint32_t id)
{
    struct host_wait *e = &p->waits[id];
    if (e->prev != POOL_NONE)
        p->waits[e->prev].next = e->next;
    else
        p->wait_head = e->next;
    if (e->next != POOL_NONE)
        p->waits[e->next].prev = e->prev;
    else
        p->wait_tail = e->prev;
    e->st = NULL;
    e->gen++;
    e->next = p->wait_free;
    p->wait_free = id;
}

/* Whether req is one of st's own asynchronous events (no caller waits: its age limits it). */
static bool own_event(const function_state *st, uint32_t req)
{
    const request *r = &st->w->req[req];
    return r->caller == st->index && !r->is_call;
}

/* A waiting request's caller stops waiting (its deadline), or an asynchronous event
 * reaches its maximum age: if it still waits, it leaves the queue. */
static void on_wait_deadline(sim *s, void *target, uint64_t arg)
{
    host_pool *p = target;
    uint32_t id = (uint32_t)arg, gen = (uint32_t)(arg >> 32);
    struct host_wait *e = &p->waits[id];
    if (!e->st || e->gen != gen)
        return;                     /* served meanwhile */
    function_state *st = e->st;
    uint32_t req = e->req;
    if (world_measuring(st->w, sim_now(s)))
        st->memory_wait_timeouts++;
    bool was_head = p->wait_head == id;
    wait_unlink(p, id);
    /* The head gone, the next may fit now. */
    if (was_head && p->wait_head != POOL_NONE && function_host_serve_soon(p, s, sim_now(s)) != 0)
        st->w->out_of_memory = 1;
    /* An asynchronous event too old to retry is refused as by a throttle: the function's
     * retry rule then expires it (async.max_event_age_s); a caller gets its timeout. */
    world_reply(st->w, req, own_event(st, req) ? RESULT_THROTTLED : RESULT_TIMEOUT);
}

int function_host_wait(function_state *st, uint32_t req, double now)
{
    host_pool *p = st->pool;
    if (p->wait_free == POOL_NONE) {
        if (p->n_waits == p->cap_waits) {
            uint32_t cap = p->cap_waits ? 2 * p->cap_waits : 64;
            struct host_wait *waits = realloc(p->waits, cap * sizeof *waits);
            if (!waits)
                return -1;
            p->waits = waits;
            p->cap_waits = cap;
        }
        p->waits[p->n_waits] = (struct host_wait){ .next = POOL_NONE };
        p->wait_free = p->n_waits++;
    }
    uint32_t id = p->wait_free;
    struct host_wait *e = &p->waits[id];
    p->wait_free = e->next;
    e->st = st;
    e->req = req;
    e->next = POOL_NONE;
    e->prev = p->wait_tail;
    if (p->wait_tail != POOL_NONE)
        p->waits[p->wait_tail].next = id;
    else
        p->wait_head = id;
    p->wait_tail = id;
    if (world_measuring(st->w, now))
        st->memory_waits++;
    double deadline = own_event(st, req) ? st->w->req[req].entered + st->f->async_max_age_s
                                         : st->w->req[req].deadline;
    if (deadline < INFINITY && sim_at(st->w->s, deadline, on_wait_deadline, p, (uint64_t)e->gen << 32 | id) != 0)
        return -1;
    return 0;
}

/* Serves the queue from its head while the host has room (a request whose function is
 * throttled meanwhile is refused so); the head still short of memory stops the rest. */
static void on_host_serve(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    host_pool *p = target;
    double now = sim_now(s);
    p->serve_armed = false;
    while (p->wait_head != POOL_NONE) {
        uint32_t id = p->wait_head;
        if (!function_host_retry(p->waits[id].st, p->waits[id].req, now))
            break;
        wait_unlink(p, id);
    }
}

int function_host_serve_soon(host_pool *p, sim *s, double now)
{
    if (p->serve_armed)
        return 0;
    p->serve_armed = true;
    return sim_at(s, now, on_host_serve, p, 0);
}

uint32_t function_host_waiting(const function_state *st)
{
    const host_pool *p = st->pool;
    uint32_t n = 0;
    for (uint32_t id = p ? p->wait_head : POOL_NONE; id != POOL_NONE; id = p->waits[id].next)
        n += p->waits[id].st == st;
    return n;
}
