/* core.c — a serverless function's instances: accept an invocation, take an instance
 * (provisioned, idle or new after a cold start), end it, keep or discard the instance; the
 * kind's start, finish and slot table.
 *
 * An instance serves one request at a time. An attempt that arrives is throttled at once
 * (429) when the function's pool is at its limit (reserved concurrency, or the account's
 * unreserved concurrency) or when a new instance is needed and the scale-up bucket
 * (scale_per_10s new environments per 10 s) is empty. Otherwise it runs on an idle
 * provisioned instance, else on the most recently used idle on-demand instance, else on a
 * new instance after a cold start. The attempt's result and end time are known when it
 * starts, so each invocation costs one end event (plus one for the client when its timeout
 * comes first).
 *
 * Keep-alive is lazy: a released on-demand instance gets an expiry time and goes on an
 * MRU stack; no event fires when it expires. An instance found expired when popped is
 * discarded, and its idle time is accounted up to its expiry. Invariant: a new instance is
 * created only when the idle stack is empty, so live + lazily-dead instances never exceed
 * the concurrency limit plus provisioned instances, and the pool never grows in a run.
 * Slots: inst[0, capacity of free_slots) grows by doubling up to max_slots and never
 * shrinks; an unused slot is on free_slots, a used one is busy (counted in busy) or on
 * idle or idle_pc (an idle on-demand one perhaps already expired, lazily). */
#include "models/function/internal.h"

static void function_free_state(void *p)
{
    function_state *st = p;
    if (!st)
        return;
    if (st->owns_unit) {
        free(st->unit->bins);
        free(st->unit);
    }
    if (st->owns_pool) {
        heap_free(&st->pool->idle);
        heap_free(&st->pool->lru);
        free(st->pool->units);
        free(st->pool->entries);
        free(st->pool->free_ids);
        free(st->pool->waits);
        free(st->pool);
    }
    if (st->hist) {
        free(st->hist->bins);
        free(st->hist);
    }
    free(st->pool_ids);
    free(st->inst);
    freelist_free(&st->free_slots);
    free(st->idle);
    free(st->idle_pc);
    free(st->steps);
    free(st->tenant_busy);
    free(st->keys);
    freelist_free(&st->free_keys);
    free(st->tenant_invocations);
    free(st->tenant_billed_ms);
    function_shared_free(st);
    free(st);
}

/* Grows the slot arrays (doubling, up to max_slots). Returns 0, or -1 when full or out of
 * memory. Growth is bounded by the peak number of instances, not by requests. */
int function_grow_slots(function_state *st)
{
    uint32_t cap = freelist_capacity(&st->free_slots);
    if (cap >= st->max_slots)
        return -1;
    /* The idle stack can hold every slot: it grows first, to the slots' next capacity. */
    uint32_t next = cap > st->max_slots / 2 ? st->max_slots : 2 * cap;
    uint32_t *idle = realloc(st->idle, next * sizeof *idle);
    if (!idle)
        return -1;
    st->idle = idle;
    if (st->f->instance_pool) {
        uint32_t *ids = realloc(st->pool_ids, next * sizeof *ids);
        if (!ids)
            return -1;
        for (uint32_t i = cap; i < next; i++)
            ids[i] = POOL_NONE;
        st->pool_ids = ids;
    }
    instance *inst = freelist_grow(&st->free_slots, st->inst, sizeof *inst, next, st->max_slots);
    if (!inst)
        return -1;
    assert(freelist_capacity(&st->free_slots) == next);
    st->inst = inst;
    return 0;
}

/* The function's random stream `what` (named function.<name>.<what>, so results do not
 * depend on which others exist) when it needs one: a stream holds about 5 KB of state,
 * which adds up over thousands of functions. False when it cannot be made. */
static bool open_stream(function_state *st, world *w, const char *what, bool need, gsl_rng **out)
{
    *out = NULL;
    if (!need)
        return true;
    char name[300];
    snprintf(name, sizeof name, "function.%s.%s", st->f->name, what);
    *out = sim_stream(w->s, name);
    return *out != NULL;
}

/* X-Ray's sampling rule: the first `reservoir` invocations of each clock second are traced,
 * then a fixed share of the rest. Only the reservoir needs counting here; the meter applies
 * the share to the rest (an expectation, so no random draw moves another stream). */
static void trace_reservoir_count(function_state *st, uint32_t reservoir, double now)
{
    double second = floor(now);
    if (second != st->trace_second) {
        st->trace_second = second;
        st->trace_in_second = 0;
    }
    if (st->trace_in_second < reservoir)
        st->trace_reservoir_taken++;
    st->trace_in_second++;
}

static void *function_start(const void *spec, world *w, int index)
{
    const function_spec *f = spec;
    function_state *st = function_alloc_lines(sizeof *st);
    if (!st)
        return NULL;
    st->f = f;
    st->w = w;
    st->index = index;
    st->trace_second = -1;
    st->max_slots = f->limit + f->provisioned;
    /* Few slots at first (they double on demand, and the order slots are given in is the
     * same whatever the first capacity): 8 KB of 64 unused instances per function added up
     * over thousands of functions. */
    uint32_t first = f->provisioned + 4 < st->max_slots ? f->provisioned + 4 : st->max_slots;
    if (!first)
        first = 1;          /* even with no slot allowed (max_slots 0): the arrays exist */
    st->inst = freelist_grow(&st->free_slots, NULL, sizeof *st->inst, first, first);
    st->idle = malloc(first * sizeof *st->idle);
    st->idle_pc = malloc((f->provisioned ? f->provisioned : 1) * sizeof *st->idle_pc);
    st->idle_end = w->t_start + (w->t_end - w->t_start);
    if (f->instance_pool) {
        st->pool_ids = malloc(first * sizeof *st->pool_ids);
        for (uint32_t i = 0; st->pool_ids && i < first; i++)
            st->pool_ids[i] = POOL_NONE;
    }
    int ok = st->inst && st->idle && st->idle_pc && (st->pool_ids || !f->instance_pool);
    if (ok) {
        bool any_error = f->error_rate > 0;
        for (size_t i = 0; i < f->n_deploy; i++)
            any_error |= f->deploy[i].error_rate > 0;
        ok = open_stream(st, w, "duration", true, &st->r_duration) &&
             open_stream(st, w, "cold_start", true, &st->r_cold) &&
             open_stream(st, w, "platform", true, &st->r_platform) &&
             open_stream(st, w, "error", any_error, &st->r_error) &&
             open_stream(st, w, "keep_alive", true, &st->r_keep) &&
             open_stream(st, w, "async", true, &st->r_async) &&
             open_stream(st, w, "retry", f->n_calls > 0, &st->r_retry) &&
             open_stream(st, w, "cpu", f->has_cpu_ms, &st->r_cpu) &&
             open_stream(st, w, "cache", f->cache_ttl_s > 0 || f->cache_hit_ratio > 0, &st->r_cache) &&
             open_stream(st, w, "deploy", f->n_deploy > 0, &st->r_deploy);
        st->steps = calloc(f->n_calls ? f->n_calls : 1, sizeof *st->steps);
        if (f->tenant_limit)
            st->tenant_busy = calloc(w->spec->n_tenants, sizeof *st->tenant_busy);
        ok = ok && st->steps && (!f->tenant_limit || st->tenant_busy);
        if (w->spec->n_tenants) {
            st->tenant_invocations = calloc(w->spec->n_tenants, sizeof *st->tenant_invocations);
            st->tenant_billed_ms = calloc(w->spec->n_tenants, sizeof *st->tenant_billed_ms);
            ok = ok && st->tenant_invocations && st->tenant_billed_ms;
        }
    }
    if (!ok) {
        function_free_state(st);
        return NULL;
    }
    /* Slots: provisioned instances first, always warm and idle at time 0. */
    st->pc_t = 0;
    function_pc_set(st, f->n_pc_actions ? f->pc_count[function_pc_action_at_start(f)] : f->provisioned, 0);
    size_t action = 0;
    double first_action = f->n_pc_actions ? function_pc_next(f, 0, &action) : INFINITY;
    if (first_action < w->t_end && sim_at(w->s, first_action, function_on_pc_action, st, action) != 0) {
        function_free_state(st);
        return NULL;
    }
    /* A reserved function counts all its busy instances against its reservation; an
     * unreserved one draws its on-demand instances from the account's shared pool (its
     * provisioned instances are claimed from the account already). */
    if (f->reserved < 0) {
        st->pool_busy = &w->unreserved_busy;
        st->pool_peak = &w->unreserved_peak;
        st->pool_limit = w->spec->account_concurrency - w->spec->reserved_total -
                         w->spec->provisioned_unreserved_total;
    }
    st->tokens = f->scale_burst;
    st->tokens_t = 0;
    gauge_init(&st->concurrency, NULL, w->t_start);   /* max only; busy_s gets spans */
    if (f->pool_owner == index) {
        st->pool = calloc(1, sizeof *st->pool);
        st->owns_pool = st->pool != NULL;
        if (!st->pool) {
            function_free_state(st);
            return NULL;
        }
        st->pool->capacity_gb = f->pool_gb;
        st->pool->wait_head = st->pool->wait_tail = st->pool->wait_free = POOL_NONE;
    } else if (f->pool_owner >= 0) {
        st->pool = ((function_state *)w->state[f->pool_owner])->pool;   /* started before */
    }
    for (size_t i = 0; i < f->n_deploy; i++)
        if (f->deploy[i].at_s < w->t_end && sim_at(w->s, f->deploy[i].at_s, function_on_deploy, st, i) != 0) {
            function_free_state(st);
            return NULL;
        }
    if (f->unit_owner == index) {
        ka_unit *u = calloc(1, sizeof *u);
        st->unit = u;
        st->owns_unit = u != NULL;
        if (u && f->keep_alive == KEEP_HYBRID)
            u->bins = calloc(f->hybrid.bins, sizeof *u->bins);
        if (!u || (f->keep_alive == KEEP_HYBRID && !u->bins)) {
            function_free_state(st);
            return NULL;
        }
        u->f = f;
        u->load_at = INFINITY;          /* not loaded before its first execution */
        u->t_start = w->t_start;
        u->owner = st;
        u->r_keep = st->r_keep;
        if (st->pool && function_pool_join(st->pool, u) != 0) {
            function_free_state(st);
            return NULL;
        }
        u->cost_ms = function_cold_cost_ms(f);
        for (size_t i = 0; i < w->spec->n_components; i++) {
            const component_spec *c = &w->spec->components[i];
            if (c->kind == &function_kind && ((const function_spec *)c->spec)->unit_owner == index)
                u->gb += ((const function_spec *)c->spec)->memory_mb / 1024.0;
        }
    } else if (f->unit_owner >= 0) {
        st->unit = ((function_state *)w->state[f->unit_owner])->unit;   /* started before */
    } else if (f->keep_alive == KEEP_HYBRID) {
        /* scope "instance": the function's idle-time histogram sets each container's window */
        st->hist = calloc(1, sizeof *st->hist);
        if (!st->hist || !(st->hist->bins = calloc(f->hybrid.bins, sizeof *st->hist->bins))) {
            function_free_state(st);
            return NULL;
        }
        st->hist->f = f;
    }
    if (f->shared && function_shared_start(st) != 0) {   /* Cloud Run: its min instances */
        function_free_state(st);
        return NULL;
    }
    return st;
}

void function_throttle(function_state *st, world *w, uint32_t req, double now)
{
    if (world_measuring(w, now)) {
        st->throttles++;
        series_add(&st->w->ts[TS_THROTTLES], now, 1.0);
    }
    world_reply(w, req, RESULT_THROTTLED);
}

void function_on_client_gave_up(sim *s, void *target, uint64_t arg)
{
    (void)s;
    world_reply(target, (uint32_t)arg, RESULT_TIMEOUT);
}

/* Instance slot stops serving: back on its idle stack (or, kept as a unit, the unit's). */
void function_release_instance(function_state *st, uint32_t slot, double now)
{
    instance *in = &st->inst[slot];
    st->busy--;
    if (st->tenant_busy)
        st->tenant_busy[in->call.tenant]--;
    if (st->pool_busy && !in->provisioned)
        (*st->pool_busy)--;
    gauge_add(&st->concurrency, now, -1.0);
    in->idle_since = now;
    bool hist = st->f->keep_alive == KEEP_HYBRID && st->hist;
    double keep_s = hist ? function_hist_release(st->hist, now) : 0;
    if (st->unit) {
        /* The execution's slot goes (with any connection it opened); the unit stays. */
        in->expiry = now;
        function_discard_instance(st, slot);
        if (function_unit_release(st->unit, now) != 0)
            st->w->out_of_memory = 1;
    } else if (in->provisioned && st->pc_live > st->pc_cap) {
        in->expiry = now;                  /* the schedule lowered the count meanwhile */
        function_discard_instance(st, slot);
        st->pc_live--;
    } else if (in->provisioned) {
        st->idle_pc[st->n_idle_pc++] = slot;
    } else {
        /* An environment of a retired version retires when its execution ends. */
        bool live = in->version == st->version || (st->cand && in->version == st->cand);
        in->expiry = live ? now + (hist ? keep_s : keep_alive_s(st)) : now;
        st->idle[st->n_idle++] = slot;
        if (st->pool_ids && function_container_idle(st, slot) != 0)
            st->w->out_of_memory = 1;
    }
    if (st->pool_ids && st->pool->wait_head != POOL_NONE && function_host_serve_soon(st->pool, st->w->s, now) != 0)
        st->w->out_of_memory = 1;
}

/* An expired idle instance goes away, with its connections. */
void function_discard_instance(function_state *st, uint32_t slot)
{
    instance *in = &st->inst[slot];
    idle_span(st, in->idle_since, in->expiry);
    if (st->pool_ids)
        function_container_gone(st, slot);
    world *w = st->w;
    for (uint32_t b = 0; in->conns && b < st->f->n_conn; b++)
        if (in->conns & (1ull << b)) {
            int t = st->f->conn_target[b];
            w->spec->components[t].kind->connect(w->state[t], w, -1);
            in->conns &= ~(1ull << b);
        }
    freelist_give(&st->free_slots, slot);
}

static void function_reclaim(void *state, world *w)
{
    function_state *st = state;
    double now = sim_now(w->s);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < st->n_idle; i++) {
        uint32_t slot = st->idle[i];
        if (st->inst[slot].expiry <= now)
            function_discard_instance(st, slot);
        else
            st->idle[kept++] = slot;      /* order (most recent on top) is kept */
    }
    st->n_idle = kept;
}

static void on_end(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    world *w = st->w;
    double now = sim_now(s);
    /* The request it serves comes with the slot (the high word), so that the two records'
     * cache lines are fetched at once rather than one after the other. */
    uint32_t slot = (uint32_t)arg, hint = (uint32_t)(arg >> 32);
    __builtin_prefetch(&st->inst[slot]);
    if (hint != UINT32_MAX)
        __builtin_prefetch(&w->req[hint]);
    function_deploy_observe(st, st->inst[slot].version, (attempt_result)st->inst[slot].result, now);
    function_release_instance(st, slot, now);
    /* The slot is idle from here and may be reused (or the array moved) by the calls below,
     * which can reach this very function: keep what the reply needs. */
    const attempt_result result = (attempt_result)st->inst[slot].result;
    uint32_t serving = st->inst[slot].call.serving;
    if (st->f->n_calls && result == RESULT_OK) {
        const call_ctx done = st->inst[slot].call;
        if (function_send_calls(st, w, &done) > 0 && serving != UINT32_MAX)
            w->req[serving].forwarded = 1;
    }
    if (serving != UINT32_MAX)
        world_reply(w, serving, result);
}

/* Version v's duration, cold start and error rate (0: the function's own). */
static const dist *version_duration(const function_spec *f, uint32_t v)
{
    return v ? &f->deploy[v - 1].duration_ms : &f->duration_ms;
}

static const dist *version_cold_start(const function_spec *f, uint32_t v)
{
    return v ? &f->deploy[v - 1].cold_start_ms : &f->cold_start_ms;
}

static const dist *version_platform(const function_spec *f, uint32_t v)
{
    return v ? &f->deploy[v - 1].platform_ms : &f->platform_ms;
}

/* The handler's time for a request of `items` items (a batch is handled item by item: the
 * sum of one draw per item, at the function's CPU share) and how it ends: a timeout cuts it
 * at timeout_s; else an error with error_rate; else it fails only on poisoned items. */
attempt_result function_draw_outcome(function_state *st, uint32_t version, uint32_t items, bool poison,
                                   double recorded_ms, double *run_ms)
{
    const function_spec *f = st->f;
    const dist *duration = version_duration(f, version);
    double error_rate = version ? f->deploy[version - 1].error_rate : f->error_rate;
    double ms = 0;
    if (recorded_ms >= 0) {
        ms = recorded_ms;           /* a replayed trace's own duration, as recorded */
    } else {
        for (uint32_t k = items; k > 0; k--)
            ms += dist_sample(duration, st->r_duration);
        ms *= f->speed_factor;
    }
    attempt_result result = RESULT_OK;
    if (ms > f->timeout_ms) {
        ms = f->timeout_ms;
        result = RESULT_TIMEOUT;
    } else if (error_rate > 0 && rng_uniform(st->r_error) < error_rate) {
        result = RESULT_ERROR;
    } else if (poison) {
        result = RESULT_PARTIAL;
    }
    *run_ms = ms;
    return result;
}

/* Refills the scale-up bucket to now; true when a new environment may start (the caller
 * then takes the token). */
static bool scale_token_ready(function_state *st, double now)
{
    st->tokens = fmin(st->f->scale_burst, st->tokens + (now - st->tokens_t) * st->f->scale_per_10s / 10.0);
    st->tokens_t = now;
    return st->tokens >= 1.0;
}

/* An instance of version v for a new request: an idle provisioned one, else the most
 * recently used idle one of that version (expired ones are discarded on the way; while a
 * version deploys, two share the stack), else a new one (cold) if the pool and the
 * scale-up bucket allow. UINT32_MAX: throttled. */
uint32_t function_take_instance(function_state *st, world *w, double now, int *cold_out, uint32_t v)
{
    uint32_t slot = UINT32_MAX;
    int cold = 0;
    if (st->unit) {
        /* One unit serves every execution while loaded: warm; else it loads (cold). */
        if (st->pool_busy && *st->pool_busy >= st->pool_limit)
            return UINT32_MAX;
        ka_unit *u = st->unit;
        bool loaded = unit_loaded(u, now);
        if (!loaded) {
            if (!scale_token_ready(st, now))
                return UINT32_MAX;
            if (u->pool && !function_pool_make_room(u->pool, u->gb, now))
                return UINT32_MAX;         /* the host is full of running units */
            st->tokens -= 1.0;
            if (u->pool) {
                u->pool->used_gb += u->gb;
                u->resident = true;
                u->freq = 0;
            }
        } else if (u->pool) {
            heap_remove(&u->pool->idle, u->pool_id);   /* a warm hit: running, not evictable */
        }
        if (freelist_empty(&st->free_slots) && function_grow_slots(st) != 0) {
            w->out_of_memory = 1;
            return UINT32_MAX;
        }
        slot = freelist_take(&st->free_slots);
        st->inst[slot].provisioned = 0;
        st->inst[slot].conns = 0;
        function_unit_arrive(st->unit, now);
        *cold_out = !loaded;
        return slot;
    }
    if (st->n_idle_pc) {
        slot = st->idle_pc[--st->n_idle_pc];
    } else if (st->pool_busy && *st->pool_busy >= st->pool_limit) {
        return UINT32_MAX;
    } else {
        for (uint32_t j = st->n_idle; j > 0; j--) {
            uint32_t top = st->idle[j - 1];
            instance *in = &st->inst[top];
            bool expired = in->expiry <= now;
            if (!expired && in->version != v)
                continue;               /* the other version's: stays */
            if (j < st->n_idle)         /* not the most recent (its version differs): close the gap */
                memmove(&st->idle[j - 1], &st->idle[j], (st->n_idle - j) * sizeof *st->idle);
            st->n_idle--;
            if (!expired) {
                idle_span(st, in->idle_since, now);
                slot = top;
                if (st->pool_ids)
                    function_container_take(st, slot);   /* running: not evictable */
                break;
            }
            function_discard_instance(st, top);
        }
    }
    if (slot == UINT32_MAX) {
        if (!scale_token_ready(st, now))
            return UINT32_MAX;
        /* Every slot taken: within the limits checked above that happens only while two
         * versions deploy (their idle environments cannot serve each other); the platform
         * then reclaims the other version's least recently used one. */
        if (freelist_empty(&st->free_slots) && function_grow_slots(st) != 0 && !function_reclaim_idle(st, v, now)) {
            w->out_of_memory = 1;       /* memory ran out */
            return UINT32_MAX;
        }
        slot = freelist_take(&st->free_slots);
        int loaded = st->pool_ids ? function_container_load(st, slot, now) : 1;
        if (loaded != 1) {
            freelist_give(&st->free_slots, slot);
            if (loaded < 0)
                w->out_of_memory = 1;
            return loaded == 0 ? TAKE_HOST_FULL : UINT32_MAX;
        }
        st->tokens -= 1.0;
        st->inst[slot].provisioned = 0;
        st->inst[slot].conns = 0;
        st->inst[slot].version = v;
        st->inst[slot].cached_at = -INFINITY;
        cold = 1;
    } else if (st->inst[slot].provisioned) {
        idle_span(st, st->inst[slot].idle_since, now);
    }
    if (st->pool_ids) {
        /* Greedy-Dual's frequency: the container's executions, summed over the function's */
        st->pool->entries[st->pool_ids[slot]].count += 1.0;
        st->pool_freq += 1.0;
    }
    if (st->f->keep_alive == KEEP_HYBRID && st->hist)
        function_hist_arrive(st->hist, now);
    *cold_out = cold;
    return slot;
}

static void function_run(function_state *st, world *w, uint32_t req, uint32_t slot, int cold, uint32_t v,
                         double now);

void function_accept(void *state, world *w, uint32_t req)
{
    function_state *st = state;
    const function_spec *f = st->f;
    if (f->shared) {
        function_shared_accept(st, w, req);
        return;
    }
    double now = sim_now(w->s);
    if (f->reserved >= 0 && st->busy >= (uint32_t)f->reserved) {
        function_throttle(st, w, req, now);
        return;
    }
    uint16_t tenant = w->req[req].tenant;
    if (st->tenant_busy && st->tenant_busy[tenant] >= f->tenant_limit[tenant]) {
        function_throttle(st, w, req, now);      /* the tenant's bulkhead is full */
        return;
    }
    /* Behind requests waiting for memory on the host: wait too, first in first out. */
    if (f->on_full == ON_FULL_QUEUE && st->pool->wait_head != POOL_NONE) {
        if (function_host_wait(st, req, now) != 0)
            w->out_of_memory = 1;
        return;
    }
    /* While a version deploys it takes its share of the invocations. */
    uint32_t v = st->cand && rng_uniform(st->r_deploy) < st->share ? st->cand : st->version;
    int cold = 0;
    uint32_t slot = function_take_instance(st, w, now, &cold, v);
    if (slot == TAKE_HOST_FULL && f->on_full != ON_FULL_THROTTLE) {
        if (f->on_full == ON_FULL_QUEUE) {
            if (function_host_wait(st, req, now) != 0)
                w->out_of_memory = 1;
            return;
        }
        /* The host is full of running containers: dropped (FaasCache's server does), counted
         * apart from the throttles; the client is refused as by a throttle. */
        if (world_measuring(w, now))
            st->dropped_for_memory++;
        world_reply(w, req, RESULT_THROTTLED);
        return;
    }
    if (slot == UINT32_MAX || slot == TAKE_HOST_FULL) {
        function_throttle(st, w, req, now);
        return;
    }
    function_run(st, w, req, slot, cold, v, now);
}

bool function_host_retry(function_state *st, uint32_t req, double now)
{
    const function_spec *f = st->f;
    world *w = st->w;
    uint16_t tenant = w->req[req].tenant;
    if ((f->reserved >= 0 && st->busy >= (uint32_t)f->reserved) ||
        (st->tenant_busy && st->tenant_busy[tenant] >= f->tenant_limit[tenant])) {
        function_throttle(st, w, req, now);
        return true;
    }
    int cold = 0;
    uint32_t slot = function_take_instance(st, w, now, &cold, st->version);
    if (slot == TAKE_HOST_FULL)
        return false;
    if (slot == UINT32_MAX)
        function_throttle(st, w, req, now);
    else
        function_run(st, w, req, slot, cold, st->version, now);
    return true;
}

/* req starts on slot (cold or warm) of version v. */
static void function_run(function_state *st, world *w, uint32_t req, uint32_t slot, int cold, uint32_t v,
                         double now)
{
    const function_spec *f = st->f;
    instance *in = &st->inst[slot];
    in->version = v;         /* a provisioned instance serves either version */
    if (f->no_cold_start)
        cold = 0;

    /* A cold start: platform time (the client waits, nobody is billed), then init. */
    double platform_ms = cold ? dist_sample(version_platform(f, v), st->r_platform) : 0.0;
    double init_ms = cold ? dist_sample(version_cold_start(f, v), st->r_cold) : 0.0;
    double run_ms;
    attempt_result result = function_draw_outcome(st, v, w->req[req].items, w->req[req].poison, w->req[req].run_ms, &run_ms);
    double begin = cold ? now + platform_ms / 1000.0 : now;   /* the billed part starts here */
    double end = begin + (init_ms + run_ms) / 1000.0;
    if (st->unit)    /* a unit serves many at once: joining it while it loads waits */
        end = function_unit_join(st->unit, now, cold, platform_ms + init_ms, end);
    request *r = &w->req[req];
    bool measuring = world_measuring(w, now);
    in->result = (uint8_t)result;
    in->call.source = r->source;
    in->call.tenant = r->tenant;
    in->call.created = r->created;
    in->call.traced = r->measured || r->traced;
    st->busy++;
    if (st->tenant_busy)
        st->tenant_busy[in->call.tenant]++;
    if (st->pool_busy && !in->provisioned && ++*st->pool_busy > *st->pool_peak)
        *st->pool_peak = *st->pool_busy;
    gauge_add(&st->concurrency, now, 1.0);
    if (measuring && f->provider == PROVIDER_CLOUDFLARE_WORKERS)
        st->cpu_units += f->has_cpu_ms ? dist_sample(&f->cpu_ms, st->r_cpu) : run_ms * f->cpu_bound_fraction;
    if (measuring) {
        st->invocations++;
        if (f->obs.tracing)
            trace_reservoir_count(st, f->obs.trace_reservoir, now);
        if (cold) {
            st->cold_starts++;
            st->init_ms_sum += init_ms;
            st->platform_ms_sum += platform_ms;
            series_add(&st->w->ts[TS_COLD_STARTS], now, 1.0);
        }
        if (in->provisioned)
            st->on_provisioned++;
        if (st->tenant_invocations && world_tenanted(r)) {
            st->tenant_invocations[r->tenant]++;
            w->tenant_invocations[r->tenant]++;
            w->tenant_cold_starts[r->tenant] += (uint64_t)(cold != 0);
        }
    }
    if (f->has_sync && (result == RESULT_OK || f->idempotency)) {
        /* The handler's own time, then its calls: the end is not known yet. With
         * idempotency the key's check (calls[0]) comes first, after the init, and the
         * handler's time and result wait for it (calls.c). */
        call_ctx *c = &in->call;
        c->checking = f->idempotency;
        c->handler_ms = run_ms;
        c->handler_result = (uint8_t)result;
        c->epoch++;
        c->measured = measuring;
        in->started = begin;
        c->deadline = begin + (init_ms + f->timeout_ms) / 1000.0;
        c->step = c->in_step = c->issuing = c->forwarded = 0;
        c->left = c->pending = 0;
        c->slot = slot;
        c->serving = req;
        if (r->deadline <= end) {
            c->serving = UINT32_MAX;
            sim_at(w->s, r->deadline, function_on_client_gave_up, w, req);
        } else if (r->deadline < c->deadline) {
            sim_at(w->s, r->deadline, function_on_client_deadline, st, inst_arg(st, slot));
        }
        sim_at(w->s, f->idempotency ? end - run_ms / 1000.0 : end, function_on_compute_done, st,
               inst_arg(st, slot));
        return;
    }
    busy_span(st, now, end);
    if (measuring) {
        /* The provider's rounding (Lambda: 1 ms); the 1e-9 keeps 2.007 s * 1000 from
         * billing 2,008 ms. */
        uint64_t billed = billed_ms_of(f, init_ms + run_ms - 1e-9);
        if (f->cpu_per_s > 0)
            st->cpu_units += (double)billed / 1000.0 * f->cpu_per_s;
        st->time_inside_s += end - now;
        if (in->provisioned)
            st->billed_ms_pc += billed;
        else
            st->billed_ms += billed;
        if (st->tenant_billed_ms && !in->provisioned && in->call.traced)
            st->tenant_billed_ms[r->tenant] += billed;
        if (end > r->deadline)
            st->wasted_ms += billed;
        if (result == RESULT_ERROR || result == RESULT_PARTIAL)
            st->errors++;
        else if (result == RESULT_TIMEOUT)
            st->timeouts++;
    }
    if (end > r->deadline) {
        /* The client gives up first; the function runs on and is billed. */
        in->call.serving = UINT32_MAX;
        sim_at(w->s, r->deadline, function_on_client_gave_up, w, req);
    } else {
        in->call.serving = req;
    }
    sim_at_hint(w->s, end, on_end, st, (uint64_t)in->call.serving << 32 | slot, in);
}

static void function_finish(void *state, world *w)
{
    function_state *st = state;
    double end = w->t_end;
    if (st->shared)
        function_shared_finish(st, end);     /* its instances' busy and idle time, its bill */
    gauge_close(&st->concurrency, end);
    for (uint32_t i = 0; i < st->n_idle; i++) {
        instance *in = &st->inst[st->idle[i]];
        idle_span(st, in->idle_since, fmin(in->expiry, end));
    }
    for (uint32_t i = 0; i < st->n_idle_pc; i++)
        idle_span(st, st->inst[st->idle_pc[i]].idle_since, end);
    function_pc_account(st, end);
    if (st->owns_unit && st->unit->running == 0 && st->unit->ended)
        function_unit_close_idle(st->unit, end);
}

const component_kind function_kind = {
    .name = "function",
    .plural = "functions",
    .parse = function_parse,
    .free_spec = function_free_spec,
    .link = function_link,
    .calls = function_calls,
    .sends = function_sends,
    .start = function_start,
    .accept = function_accept,
    .enqueue = function_enqueue,
    .reply = function_reply,
    .finish = function_finish,
    .report = function_report,
    .meter = function_meter,
    .bills = "functions",
    .free_state = function_free_state,
    .reclaim = function_reclaim,
};
