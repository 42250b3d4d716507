/* calls.c — a successful invocation's call steps: asynchronous messages sent on, and
 * synchronous calls with timeouts, retries, circuit breakers (models/breaker.c), fallbacks,
 * connections and an instance-local cache.
 *
 * The invocation is a call_ctx (internal.h) named by an id: on a one-request instance
 * (core.c) the instance's slot, on an instance serving several (concurrent.c) the job's
 * index; st->shared says which, and only ctx_at, the validity test and end_invocation look.
 * An invocation with synchronous steps is at step `step` (in_step once it began), has
 * `left` calls of the step to send and `pending` awaited; its end is not known when it
 * starts. Events and replies carry the invocation's epoch, bumped when it starts and ends:
 * whatever arrives for an ended invocation is dropped. A call's sub-request carries the
 * breaker generation it was allowed under, so a reply from before a breaker transition does
 * not count. Connections (conns bits) and the local cache belong to the instance (slot):
 * the connections are held until it is discarded, and a shared instance's requests share
 * them. A request on a shared instance waiting for a call holds its place there (it stays
 * in the instance's count) but takes no vCPU: concurrent.c keeps it off the CPU heap. */
#include "models/function/internal.h"

/* n messages of one asynchronous step, from the invocation `from`. Returns how many. */
static long send_messages(function_state *st, world *w, const function_call *call, long n,
                          call_ctx from)
{
    long sent = 0;
    bool measuring = world_measuring(w, sim_now(w->s));
    for (long k = 0; k < n; k++) {
        uint32_t m = world_request_new(w);
        if (m == UINT32_MAX)
            return sent;
        request *r = &w->req[m];
        r->created = from.created;     /* the pipeline's clock keeps running */
        r->traced = from.traced;
        r->source = from.source;
        r->tenant = from.tenant;
        r->size_kb = (float)call->size_kb;
        r->measured = 0;       /* a message of the pipeline, not an original request */
        /* It carries on the work of the request served, unless its client has left. */
        world_work_begin(w, m, from.serving != UINT32_MAX && world_work_held(w, from.serving));
        if (measuring) {
            st->messages_sent++;
            st->steps[call - st->f->calls].attempts++;
        }
        sent++;
        world_enqueue(w, call->target, m);
    }
    return sent;
}

bool function_sends_messages(const void *spec)
{
    const function_spec *f = spec;
    for (size_t i = 0; i < f->n_calls; i++)
        if (!f->calls[i].sync)
            return true;
    return false;
}

/* A successful invocation's asynchronous calls (functions without synchronous steps). */
long function_send_calls(function_state *st, world *w, const call_ctx *from)
{
    long sent = 0;
    const call_ctx copy = *from;
    for (size_t i = 0; i < st->f->n_calls; i++) {
        const function_call *call = &st->f->calls[i];
        sent += send_messages(st, w, call, lround(dist_sample(&call->count, st->r_async)), copy);
    }
    return sent;
}

/* ---- synchronous calls -----------------------------------------------------------------
 * An invocation whose function has synchronous steps runs its handler's own time first,
 * then its steps in order, waiting on each call; it ends when the last step is done, when
 * a call fails for good (no fallback), or at its own timeout. Its billed duration is
 * measured when it ends. Events and replies carry the instance's epoch: whatever arrives
 * for an invocation that has ended is dropped. */

/* The invocation named id, which is live (it may have ended since an event was set). */
static inline call_ctx *ctx_at(function_state *st, uint32_t id)
{
    return __builtin_expect(st->shared != NULL, 0) ? function_shared_call(st, id) : &st->inst[id].call;
}

/* The invocation named id if it is still at epoch, else NULL (an id out of range too). */
static call_ctx *ctx_live(function_state *st, uint32_t id, uint32_t epoch)
{
    call_ctx *c;
    if (st->shared)
        c = function_shared_call(st, id);
    else
        c = id < freelist_capacity(&st->free_slots) ? &st->inst[id].call : NULL;
    return c && c->epoch == epoch ? c : NULL;
}

/* The instance named by arg if it is still in the same invocation, else NULL. */
static call_ctx *inst_of(function_state *st, uint64_t arg)
{
    return ctx_live(st, sim_payload_of(arg), sim_gen_of(arg));
}

/* A one-request instance's invocation ends: its bill, figures and answer. */
static void end_on_instance(function_state *st, uint32_t slot, attempt_result result)
{
    world *w = st->w;
    double now = sim_now(w->s);
    instance *in = &st->inst[slot];
    in->call.epoch++;
    if (in->call.measured) {
        double ms = (now - in->started) * 1000.0;
        uint64_t billed = billed_ms_of(st->f, ms - 1e-6);
        if (st->f->cpu_per_s > 0)
            st->cpu_units += (double)billed / 1000.0 * st->f->cpu_per_s;
        st->time_inside_s += now - in->started;
        if (in->provisioned)
            st->billed_ms_pc += billed;
        else
            st->billed_ms += billed;
        if (st->tenant_billed_ms && !in->provisioned && in->call.traced)
            st->tenant_billed_ms[in->call.tenant] += billed;
        if (in->call.serving == UINT32_MAX)
            st->wasted_ms += billed;
        if (result == RESULT_ERROR || result == RESULT_PARTIAL)
            st->errors++;
        else if (result == RESULT_TIMEOUT)
            st->timeouts++;
    }
    busy_span(st, in->started, now);
    function_deploy_observe(st, in->version, result, now);
    function_release_instance(st, slot, now);
    in = &st->inst[slot];
    uint32_t serving = in->call.serving;
    if (serving == UINT32_MAX)
        return;
    if (in->call.forwarded && result == RESULT_OK)
        w->req[serving].forwarded = 1;
    world_reply(w, serving, result);
}

/* The invocation id ends with result, through whatever holds it. */
static void end_invocation(function_state *st, uint32_t id, attempt_result result)
{
    if (st->shared)
        function_shared_calls_end(st, id, result);
    else
        end_on_instance(st, id, result);
}

static void on_invocation_timeout(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    if (inst_of(st, arg))
        end_invocation(st, sim_payload_of(arg), RESULT_TIMEOUT);
}

void function_on_client_deadline(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    call_ctx *in = inst_of(st, arg);
    if (!in || in->serving == UINT32_MAX)
        return;
    uint32_t req = in->serving;
    in->serving = UINT32_MAX;      /* it runs on, billed; nobody waits for it */
    world_reply(st->w, req, RESULT_TIMEOUT);
}

/* Counts a breaker's opening at now (it stays open b->open_s) in the step's figures. */
static void step_breaker_opened(function_state *st, step_state *ss, const breaker_spec *b, double now)
{
    if (world_measuring(st->w, now)) {
        ss->opens++;
        ss->open_s += fmin(b->open_s, st->w->t_end - now);
    }
}

/* ---- steps ---- */

static void issue_call(function_state *st, uint32_t id, uint32_t attempt, double prev_ms);

static void call_done(function_state *st, uint32_t id)
{
    call_ctx *in = ctx_at(st, id);
    in->pending--;
    if (!in->issuing)
        function_run_steps(st, id);
}

static void call_failed(function_state *st, uint32_t id)
{
    call_ctx *in = ctx_at(st, id);
    const function_call *c = &st->f->calls[in->step];
    step_state *ss = &st->steps[in->step];
    if (in->measured)
        ss->failed++;
    if (c->fallback) {
        if (in->measured)
            ss->fallbacks++;
        call_done(st, id);       /* a degraded answer, and the invocation goes on */
        return;
    }
    end_invocation(st, id, RESULT_ERROR);
}

static void on_call_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    world *w = st->w;
    uint32_t carrier = (uint32_t)arg;
    request r = w->req[carrier];
    world_request_free(w, carrier);
    if (ctx_live(st, r.tag, r.epoch))
        issue_call(st, r.tag, r.attempt, r.backoff_prev_ms);
}

/* The outcome of one attempt of the current step's call. */
static void call_result(function_state *st, uint32_t id, attempt_result result, uint32_t attempt,
                        double prev_ms, bool effect)
{
    world *w = st->w;
    double now = sim_now(w->s);
    if (result == RESULT_OK) {
        call_done(st, id);
        return;
    }
    call_ctx *in = ctx_at(st, id);
    if (now >= in->deadline) {
        end_invocation(st, id, RESULT_TIMEOUT);
        return;
    }
    const function_call *c = &st->f->calls[in->step];
    if (!retry_again(&c->retry, result, attempt)) {
        call_failed(st, id);
        return;
    }
    double delay = retry_backoff_ms(&c->retry, attempt, &prev_ms, st->r_retry) / 1000.0;
    if (now + delay >= in->deadline) {
        /* The function's own timeout comes first, while it sleeps: no retry is sent. (A
         * shared instance's job has its timeout on concurrent.c's deadline heap already.) */
        if (!st->shared)
            sim_at(w->s, in->deadline, on_invocation_timeout, st, inst_arg(st, id));
        return;
    }
    if (result == RESULT_TIMEOUT && effect && !c->idempotent && in->measured)
        st->steps[in->step].duplicates++;    /* the timed-out attempt did its work; again */
    uint32_t epoch = in->epoch;
    uint32_t carrier = world_request_new(w);
    if (carrier == UINT32_MAX) {
        call_failed(st, id);
        return;
    }
    request *r = &w->req[carrier];
    r->tag = id;
    r->epoch = epoch;
    r->attempt = attempt + 1;
    r->backoff_prev_ms = prev_ms;
    sim_at(w->s, now + delay, on_call_retry, st, carrier);
}

/* An edge function's call reaches its regional target after the round trip. */
static void on_call_arrive(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    uint32_t sub = (uint32_t)arg;
    world_deliver(st->w, st->f->calls[st->w->req[sub].step].target, sub);
}

/* Its round trip outlasted the call's timeout: the caller hears nothing in time. */
static void on_call_late(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    function_call_reply(st, st->w, (uint32_t)arg, RESULT_TIMEOUT);
}

static void issue_call(function_state *st, uint32_t id, uint32_t attempt, double prev_ms)
{
    world *w = st->w;
    double now = sim_now(w->s);
    call_ctx *in = ctx_at(st, id);
    const function_call *c = &st->f->calls[in->step];
    step_state *ss = &st->steps[in->step];
    if (attempt == 1 && in->measured)
        ss->calls++;
    uint32_t gen;
    if (!breaker_allow(&ss->breaker, &c->breaker, now, &gen)) {
        if (in->measured)
            ss->fast_failures++;
        call_failed(st, id);
        return;
    }
    if (in->measured)
        ss->attempts++;
    uint32_t slot = in->slot;
    if (c->conn >= 0 && !(st->inst[slot].conns & (1ull << c->conn))) {
        /* An instance opens its own connection on its first call. */
        const component_spec *t = &w->spec->components[c->target];
        int rc = t->kind->connect(w->state[c->target], w, +1);
        if (rc != 0) {
            if (breaker_record(&ss->breaker, &c->breaker, gen, false, now))
                step_breaker_opened(st, ss, &c->breaker, now);
            call_result(st, id, RESULT_ERROR, attempt, prev_ms, false);
            return;
        }
        st->inst[slot].conns |= 1ull << c->conn;
    }
    uint32_t sub = world_request_new(w);
    if (sub == UINT32_MAX) {
        call_result(st, id, RESULT_ERROR, attempt, prev_ms, false);
        return;
    }
    in = ctx_at(st, id);
    request *r = &w->req[sub];
    r->created = now;
    r->source = in->source;
    r->tenant = in->tenant;
    r->traced = in->traced;    /* a tenant's call (world_tenanted); a call ends by its reply */
    r->size_kb = (float)c->size_kb;
    r->caller = st->index;
    r->tag = id;
    r->epoch = in->epoch;
    r->step = in->step;
    r->is_call = 1;
    r->breaker_generation = gen;
    r->attempt = attempt;
    r->backoff_prev_ms = prev_ms;
    r->deadline = fmin(now + c->timeout_s, in->deadline);
    /* Made for a holder of work: what the callee sends on carries it. */
    r->work = in->serving != UINT32_MAX && world_work_held(w, in->serving) ? WORK_PART : WORK_NONE;
    double rtt_s = st->f->region_rtt_ms > 0 ? st->f->region_rtt_ms / 1000.0 : 0;
    if (rtt_s > 0) {
        /* From the edge: the round trip to the region, all of it on the way in (as a
         * client's), so the callee has what is left of the call's timeout; a round trip
         * as long as that never reaches it and times out at the deadline. */
        bool late = now + rtt_s >= r->deadline;
        if (sim_at(w->s, late ? r->deadline : now + rtt_s, late ? on_call_late : on_call_arrive, st, sub) != 0)
            w->out_of_memory = 1;
        return;
    }
    world_deliver(w, c->target, sub);
}

void function_call_reply(function_state *st, world *w, uint32_t sub, attempt_result result)
{
    const request r = w->req[sub];
    world_request_free(w, sub);
    call_ctx *in = ctx_live(st, r.tag, r.epoch);
    if (!in)
        return;                         /* the invocation has ended */
    const function_call *c = &st->f->calls[r.step];
    if (result == RESULT_PARTIAL)
        result = RESULT_ERROR;
    if (result == RESULT_OK && r.forwarded)
        in->forwarded = 1;              /* the callee sent work on for this invocation */
    double now = sim_now(w->s);
    step_state *ss = &st->steps[r.step];
    if (breaker_record(&ss->breaker, &c->breaker, r.breaker_generation, result == RESULT_OK, now))
        step_breaker_opened(st, ss, &c->breaker, now);
    call_result(st, r.tag, result, r.attempt, r.backoff_prev_ms, r.effect);
}

/* The instance-local cache in front of the first synchronous step: an instance that
 * fetched within ttl_s serves the request from memory with probability hit_ratio (the
 * chance its key was among those it served); a new instance, or one whose fetch is
 * older, misses and fetches. A shared instance's requests share its cache. */
static bool cache_hit(function_state *st, const call_ctx *in)
{
    const function_spec *f = st->f;
    double now = sim_now(st->w->s);
    instance *host = &st->inst[in->slot];
    bool hit = now - host->cached_at < f->cache_ttl_s && rng_uniform(st->r_cache) < f->cache_hit_ratio;
    if (!hit)
        host->cached_at = now;
    if (in->measured) {
        if (hit)
            st->cache_hits++;
        else
            st->cache_misses++;
    }
    return hit;
}

/* The handler's time after an idempotency check ends: at the function's own timeout, with
 * the result drawn at the start, or on to the steps after the check. */
static void on_handler_end(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    call_ctx *in = inst_of(st, arg);
    if (!in)
        return;
    uint32_t id = sim_payload_of(arg);
    if (sim_now(s) >= in->deadline)
        end_invocation(st, id, RESULT_TIMEOUT);
    else if (in->handler_result != RESULT_OK)
        end_invocation(st, id, (attempt_result)in->handler_result);
    else
        function_run_steps(st, id);
}

/* The key's check (calls[0]) of invocation id is done: a delivery another one's key covers
 * ends at once (well, its handler skipped, when the holder is done; an error while it runs);
 * any other runs its handler now. */
static void idempotency_checked(function_state *st, uint32_t id)
{
    world *w = st->w;
    call_ctx *in = ctx_at(st, id);
    in->checking = 0;
    in->in_step = 0;
    in->step = 1;
    idempotency_found found = in->serving == UINT32_MAX ? IDEMPOTENCY_NEW
                            : function_idempotency_seen(st, w, in->serving, in->measured);
    if (found != IDEMPOTENCY_NEW) {
        end_invocation(st, id, found == IDEMPOTENCY_DONE ? RESULT_OK : RESULT_ERROR);
        return;
    }
    double end = fmin(sim_now(w->s) + in->handler_ms / 1000.0, in->deadline);
    sim_at(w->s, end, on_handler_end, st, sim_gen_pack(in->epoch, id));
}

/* Runs the invocation id's steps from where it is, until it waits on calls or ends. Its
 * holder set it up (step 0, nothing left or pending, its epoch new) after the handler's own
 * time. */
void function_run_steps(function_state *st, uint32_t id)
{
    const function_spec *f = st->f;
    world *w = st->w;
    for (;;) {
        call_ctx *in = ctx_at(st, id);
        uint32_t epoch = in->epoch;
        if (in->pending)
            return;                     /* waiting on calls */
        if (in->left == 0) {
            if (in->checking && in->in_step) {
                idempotency_checked(st, id);
                return;
            }
            if (in->in_step) {
                in->step++;
                in->in_step = 0;
            }
            if (in->step >= f->n_calls) {
                end_invocation(st, id, RESULT_OK);
                return;
            }
            const function_call *c = &f->calls[in->step];
            long n = lround(dist_sample(&c->count, st->r_async));
            if (!c->sync) {
                long sent = send_messages(st, w, c, n, *in);
                in = ctx_at(st, id);
                if (in->epoch != epoch)
                    return;
                in->forwarded |= sent > 0;
                in->step++;
                continue;
            }
            if (n <= 0) {
                in->step++;
                continue;
            }
            if (in->step == 0 && f->cache_hit_ratio > 0 && cache_hit(st, in)) {
                in->step++;             /* served from the instance's own memory */
                continue;
            }
            in->in_step = 1;
            in->left = (uint32_t)n;
        }
        /* The step stays while the invocation does (a reply while issuing only counts). */
        const function_call *c = &f->calls[in->step];
        uint32_t batch = c->parallel ? in->left : 1;
        in->left -= batch;
        in->pending = batch;
        in->issuing = 1;
        for (uint32_t k = 0; k < batch; k++) {
            issue_call(st, id, 1, c->retry.base_ms);
            in = ctx_at(st, id);
            if (in->epoch != epoch)
                return;
        }
        in->issuing = 0;
    }
}

void function_on_compute_done(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    if (inst_of(st, arg))
        function_run_steps(st, sim_payload_of(arg));
}
