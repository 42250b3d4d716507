/* execution.c — running a workflow's executions: the pools of executions and frames, an
 * execution's start and end (the reply to its caller, or its request's outcome), states
 * entered one after another, tasks (calls that wait for their reply) with their retries and
 * catches, waits, parallel branches and maps, and compensations run in reverse order when an
 * execution fails (a saga).
 *
 * Invariants (see internal.h for the frames' tree and epochs): a frame is on its
 * execution's list exactly while it is live; an event or reply for a frame whose epoch moved
 * on, or one of whose ancestors did, finds it not alive (fr_of, frame_alive) and is dropped;
 * a parallel or map frame's pending counts the children running, and it ends only when
 * pending is 0, none is being issued and done reaches total; an execution never outlasts its
 * deadline (frame_at and issue_task cut what would). Standard counts a state transition
 * each time a state is entered and each time a task is retried; Express counts executions
 * and their duration in 100 ms steps, as each ends in the window. */
#include "models/workflow/internal.h"
#include "sim/rng.h"

static void trace(workflow_state *st, const wf_exec *e, const char *state, const char *event)
{
    if (!e->traced)
        return;
    char line[256];
    int n = snprintf(line, sizeof line, "%.6f,%s,%u,%s,%s\n", sim_now(st->w->s), st->s->name,
                     e->trace_id, state, event);
    if (n <= 0)
        return;
    if (st->trace_len + (size_t)n + 1 > st->trace_cap) {
        size_t cap = st->trace_cap ? 2 * st->trace_cap : 4096;
        while (cap < st->trace_len + (size_t)n + 1)
            cap *= 2;
        char *grown = realloc(st->trace, cap);
        if (!grown)
            return;
        st->trace = grown;
        st->trace_cap = cap;
    }
    memcpy(st->trace + st->trace_len, line, (size_t)n + 1);
    st->trace_len += (size_t)n;
}

/* ---- pools ---- */

/* Takes an element from a pool of elements of size elem (doubling it when empty): zeroed,
 * its epoch one more than its last. Returns its index, or NONE when out of memory. */
static uint32_t pool_take(void **arr, uint32_t *cap, uint32_t *free_head, size_t elem)
{
    if (*free_head == NONE) {
        uint32_t grown = *cap ? 2 * *cap : 64;
        char *g = realloc(*arr, grown * elem);
        if (!g)
            return NONE;
        memset(g + (size_t)*cap * elem, 0, (size_t)(grown - *cap) * elem);
        for (uint32_t i = grown; i-- > *cap;) {
            ((pool_link *)(g + (size_t)i * elem))->next_free = *free_head;
            *free_head = i;
        }
        *arr = g;
        *cap = grown;
    }
    uint32_t k = *free_head;
    pool_link *l = (pool_link *)((char *)*arr + (size_t)k * elem);
    *free_head = l->next_free;
    uint32_t epoch = l->epoch;
    memset(l, 0, elem);
    l->epoch = epoch + 1;
    return k;
}

static void pool_give(void *arr, uint32_t *free_head, size_t elem, uint32_t k)
{
    pool_link *l = (pool_link *)((char *)arr + (size_t)k * elem);
    l->epoch++;
    l->next_free = *free_head;
    *free_head = k;
}

static uint32_t exec_new(workflow_state *st)
{
    uint32_t k = pool_take((void **)&st->ex, &st->cap_ex, &st->free_ex, sizeof *st->ex);
    if (k == NONE)
        return NONE;
    wf_exec *e = &st->ex[k];
    e->live = 1;
    e->forwarded = 0;
    e->frames = NONE;
    return k;
}

static uint32_t frame_new(workflow_state *st, uint32_t exec, uint32_t parent)
{
    uint32_t k = pool_take((void **)&st->fr, &st->cap_fr, &st->free_fr, sizeof *st->fr);
    if (k == NONE)
        return NONE;
    wf_frame *f = &st->fr[k];
    f->live = 1;
    f->exec = exec;
    f->exec_epoch = st->ex[exec].epoch;
    f->parent = parent;
    f->parent_epoch = parent == NONE ? 0 : st->fr[parent].epoch;
    f->state = -1;
    /* Link at the head of the execution's list. */
    wf_exec *e = &st->ex[exec];
    f->prev = NONE;
    f->next = e->frames;
    if (e->frames != NONE)
        st->fr[e->frames].prev = k;
    e->frames = k;
    return k;
}

static void frame_free(workflow_state *st, uint32_t k)
{
    assert(k < st->cap_fr && st->fr[k].live);
    wf_frame *f = &st->fr[k];
    wf_exec *e = &st->ex[f->exec];
    if (f->prev != NONE)
        st->fr[f->prev].next = f->next;
    else
        e->frames = f->next;
    if (f->next != NONE)
        st->fr[f->next].prev = f->prev;
    f->live = 0;
    pool_give(st->fr, &st->free_fr, sizeof *st->fr, k);
}

/* Whether frame k (and every frame above it) is still where its events left it. */
static bool frame_alive(const workflow_state *st, uint32_t k)
{
    const wf_frame *f = &st->fr[k];
    if (!f->live || !st->ex[f->exec].live || st->ex[f->exec].epoch != f->exec_epoch)
        return false;
    while (f->parent != NONE) {
        const wf_frame *p = &st->fr[f->parent];
        if (!p->live || p->epoch != f->parent_epoch)
            return false;
        f = p;
    }
    return true;
}

static void frame_stop(workflow_state *st, uint32_t k);

/* Releases every frame below frame k (its children, theirs, ...). */
static void free_descendants(workflow_state *st, uint32_t k)
{
    wf_exec *e = &st->ex[st->fr[k].exec];
    uint32_t i = e->frames;
    while (i != NONE) {
        uint32_t next = st->fr[i].next;
        const wf_frame *f = &st->fr[i];
        bool below = false;
        while (f->parent != NONE) {
            if (f->parent == k) {
                below = true;
                break;
            }
            f = &st->fr[f->parent];
        }
        if (below && i != k) {
            frame_stop(st, i);
            frame_free(st, i);
            next = e->frames;      /* the list changed: start over (rare, small) */
        }
        i = next;
    }
}

static uint64_t fr_arg(const workflow_state *st, uint32_t k)
{
    return sim_gen_pack(st->fr[k].epoch, k);
}

static wf_frame *fr_of(workflow_state *st, uint64_t arg)
{
    uint32_t k = sim_payload_of(arg);
    if (k >= st->cap_fr || st->fr[k].epoch != sim_gen_of(arg) || !frame_alive(st, k))
        return NULL;
    return &st->fr[k];
}

/* ---- executions ---- */

/* Standard bills the transitions that happen in the window, whenever their executions
 * started: a steady workload's bill does not depend on how long the run is, and an
 * execution still waiting at the end of the window (for a person) has paid for what it
 * did. The other services' meters count the same moments: a state entered (s) or a task's
 * attempt (t: a state's first, a retry or a compensation's). Google bills each as a step,
 * external when it calls outside Google Cloud or waits for a callback; Logic Apps as an
 * action or a connector call (a condition, a delay, a webhook wait, a for-each loop and a
 * terminate are actions; parallel branches and a succeed are none); Durable Functions pays
 * storage transactions per activity call and per timer or event; Cloudflare bills CPU per
 * step.do attempt and keeps its result. */
static void count_step(workflow_state *st, wf_exec *e, const wf_state *s, const wf_task *t)
{
    e->transitions++;
    if (!world_measuring(st->w, sim_now(st->w->s)))
        return;
    st->transitions++;
    switch (st->s->service) {
    case WF_STEP_FUNCTIONS:
        break;
    case WF_GOOGLE:
        if ((t && t->external) || (s && s->type == S_WAIT && s->event))
            st->external_steps++;
        break;
    case WF_LOGIC_APPS:
        if (t && t->connector != CONNECTOR_BUILT_IN)
            st->connector_calls[t->connector]++;
        else if (t || (s && s->type != S_PARALLEL && s->type != S_SUCCEED))
            st->actions++;
        break;
    case WF_DURABLE:
        if (t || (s && s->type == S_WAIT))
            st->storage_steps++;
        break;
    case WF_CLOUDFLARE:
        if (t) {
            st->cf_steps++;
            st->stored_kb += t->size_kb;
        }
        break;
    }
}

/* ---- Durable Functions: the task hub's storage queues and the orchestrator's replays ----
 * A message (an execution's start, an activity's result, a timer) waits on its storage
 * queue for the next poll. A poller that finds nothing waits twice as long before the next
 * poll, from 50 ms up to max_queue_polling_interval_s, and polls again at once after it
 * finds something: modelled without its randomness, polls after one that found messages at
 * t0 come at t0 + 0.05, + 0.1, + 0.2, ... (capped). Every batch of an instance's control
 * messages a poll finds replays its orchestrator once: a billed execution. */
#define POLL_CONTROL POLL_QUEUES_CONTROL
#define POLL_WORK    POLL_QUEUES_WORK

/* When a message put on queue q now is found by a poll (and that poll becomes the last that
 * found messages). */
static double poll_dispatch(workflow_state *st, int q, double now)
{
    double t = st->poll_found[q];
    if (now <= t)
        return t;
    double d = st->s->min_poll_s, max = st->s->max_poll_s;
    while (t < now && d < max) {
        t += d;
        d = fmin(2 * d, max);
    }
    if (t < now)
        t += ceil((now - t) / max - 1e-12) * max;
    st->poll_found[q] = t;
    if (world_measuring(st->w, now))
        hist_add(&st->dispatch_ms, (t - now) * 1000.0);
    return t;
}

/* The orchestrator of execution e replays (once for all the messages one poll found). */
static void durable_replay(workflow_state *st, wf_exec *e)
{
    double now = sim_now(st->w->s);
    if (now == e->last_replay)
        return;
    e->last_replay = now;
    if (world_measuring(st->w, now))
        st->replays++;
}

static void on_activity_dispatched(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    world_deliver(st->w, (int)sim_gen_of(arg), sim_payload_of(arg));
}

static void frame_at(workflow_state *st, uint32_t k, double t, sim_handler handler);

/* Durable Functions: what wakes the orchestrator of frame arg (a start, a result, a timer)
 * waits on the control queue for a poll. Returns true when it was put off to then (or the
 * frame is gone); false when it goes on now, its replay counted. */
static bool durable_defer(workflow_state *st, uint64_t arg, sim_handler then)
{
    if (st->s->service != WF_DURABLE)
        return false;
    wf_frame *f = fr_of(st, arg);
    if (!f)
        return true;
    double now = sim_now(st->w->s), t = poll_dispatch(st, POLL_CONTROL, now);
    if (t > now) {
        frame_at(st, sim_payload_of(arg), t, then);
        return true;
    }
    durable_replay(st, &st->ex[f->exec]);
    return false;
}

/* A deferred wake-up has come: the replay, then the frame (NULL when it is gone). */
static wf_frame *durable_woken(workflow_state *st, uint64_t arg)
{
    wf_frame *f = fr_of(st, arg);
    if (f)
        durable_replay(st, &st->ex[f->exec]);
    return f;
}

static void run_state(workflow_state *st, uint32_t k, int state);
static void scope_done(workflow_state *st, uint32_t k, bool ok);
static void start_compensation(workflow_state *st, uint32_t exec);

static void exec_end(workflow_state *st, uint32_t x, wf_outcome outcome)
{
    assert(x < st->cap_ex && st->ex[x].live);
    world *w = st->w;
    wf_exec *e = &st->ex[x];
    double now = sim_now(w->s);
    trace(st, e, "-", workflow_outcome_names[outcome]);
    for (uint32_t i = e->frames; i != NONE; i = st->fr[i].next)
        frame_stop(st, i);
    double d = now - e->started;
    if (world_measuring(w, now)) {
        /* Billed as it ends, whenever it started (Express: its whole duration). */
        st->billed_executions++;
        if (st->s->express) {
            uint64_t units = (uint64_t)ceil(d * 10.0 - 1e-9);   /* 100 ms steps */
            st->express_100ms_units += units < 1 ? 1 : units;
        }
    }
    if (e->measured) {
        st->outcomes[outcome]++;
        tally_add(&st->transitions_t, (double)e->transitions);
        if (e->transitions > st->transitions_max)
            st->transitions_max = e->transitions;
        st->wait_s += e->wait_s;
        st->work_s += e->work_s;
        hist_add(&st->latency_ms, d * 1000.0);
    }
    gauge_add(&st->in_flight, now, -1.0);
    while (e->frames != NONE)
        frame_free(st, e->frames);
    e->live = 0;
    uint32_t req = e->req;
    bool sync = e->sync;
    bool forwarded = e->forwarded;
    pool_give(st->ex, &st->free_ex, sizeof *st->ex, x);
    if (req == NONE)
        return;
    if (forwarded && outcome == WF_SUCCEEDED)
        w->req[req].forwarded = 1;   /* its tasks sent its work on */
    if (sync) {
        static const attempt_result as_result[WF_OUTCOMES] = {
            [WF_SUCCEEDED] = RESULT_OK, [WF_FAILED] = RESULT_ERROR, [WF_TIMED_OUT] = RESULT_TIMEOUT,
            [WF_COMPENSATED] = RESULT_ERROR, [WF_COMPENSATION_FAILED] = RESULT_ERROR,
        };
        world_reply(w, req, as_result[outcome]);
    } else {
        static const request_outcome as_outcome[WF_OUTCOMES] = {
            [WF_SUCCEEDED] = OUTCOME_COMPLETED, [WF_FAILED] = OUTCOME_FAILED,
            [WF_TIMED_OUT] = OUTCOME_TIMED_OUT, [WF_COMPENSATED] = OUTCOME_FAILED,
            [WF_COMPENSATION_FAILED] = OUTCOME_FAILED,
        };
        world_finish(w, req, as_outcome[outcome]);
    }
}

/* The execution's top scope ended: succeeded, or failed (then compensations, if owed). */
static void exec_scope_done(workflow_state *st, uint32_t x, bool ok)
{
    wf_exec *e = &st->ex[x];
    if (ok) {
        exec_end(st, x, WF_SUCCEEDED);
        return;
    }
    if (e->n_comp == 0) {
        exec_end(st, x, WF_FAILED);
        return;
    }
    start_compensation(st, x);
}

static void on_exec_deadline(sim *s, void *target, uint64_t arg);

/* Schedules handler for frame k at t, unless the execution's limit comes first: then the
 * execution times out at its limit instead. */
static void frame_at(workflow_state *st, uint32_t k, double t, sim_handler handler)
{
    double deadline = st->ex[st->fr[k].exec].deadline;
    if (t >= deadline)
        sim_at(st->w->s, deadline, on_exec_deadline, st, fr_arg(st, k));
    else
        sim_at(st->w->s, t, handler, st, fr_arg(st, k));
}

static void on_exec_deadline(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    wf_frame *f = fr_of(st, arg);
    if (f)
        exec_end(st, f->exec, WF_TIMED_OUT);
}

/* A synchronous caller stops waiting: it is told `timeout`, and the execution runs on. */
static void on_caller_deadline(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    uint32_t x = sim_payload_of(arg);
    if (x >= st->cap_ex || !st->ex[x].live || st->ex[x].epoch != sim_gen_of(arg) || st->ex[x].req == NONE)
        return;
    uint32_t req = st->ex[x].req;
    st->ex[x].req = NONE;
    world_reply(st->w, req, RESULT_TIMEOUT);
}

static void on_start_woken(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    wf_frame *f = durable_woken(st, arg);
    if (f)
        run_state(st, sim_payload_of(arg), f->state);
}

static void start_execution(workflow_state *st, world *w, uint32_t req, bool sync)
{
    double now = sim_now(w->s);
    uint32_t x = exec_new(st);
    if (x == NONE) {
        w->out_of_memory = 1;
        if (sync)
            world_reply(w, req, RESULT_ERROR);
        else
            world_finish(w, req, OUTCOME_FAILED);
        return;
    }
    wf_exec *e = &st->ex[x];
    e->req = req;
    e->sync = sync;
    e->started = now;
    e->measured = world_measuring(w, now);
    if (e->measured) {
        st->started++;
        if (st->traced < st->s->trace_executions) {
            e->traced = 1;
            e->trace_id = ++st->traced;
        }
    }
    gauge_add(&st->in_flight, now, 1.0);
    /* No timer for the execution's own limit: whatever would outlast it (a wait, a retry's
     * sleep, a task's call) is cut to end there (frame_at, issue_task). */
    e->deadline = now + st->s->timeout_s;
    double deadline = w->req[req].deadline;
    if (sync && deadline < e->deadline)
        sim_at(w->s, deadline > now ? deadline : now, on_caller_deadline, st, sim_gen_pack(e->epoch, x));
    trace(st, e, "-", "started");
    uint32_t root = frame_new(st, x, NONE);
    if (root == NONE) {
        w->out_of_memory = 1;
        exec_end(st, x, WF_FAILED);
        return;
    }
    st->fr[root].state = st->s->scope_start[0];
    e->last_replay = -INFINITY;
    if (durable_defer(st, fr_arg(st, root), on_start_woken))
        return;
    run_state(st, root, st->s->scope_start[0]);
}

void workflow_accept(void *state, world *w, uint32_t req)
{
    start_execution(state, w, req, true);
}

void workflow_enqueue(void *state, world *w, uint32_t req)
{
    start_execution(state, w, req, false);
}

/* ---- states ---- */

static void state_left(workflow_state *st, wf_frame *f)
{
    if (!f->in_state)
        return;
    f->in_state = 0;
    if (f->state >= 0 && st->ex[f->exec].measured)
        st->stats[f->state].time_s += sim_now(st->w->s) - f->entered;
}

/* A frame stopped in the middle of a state (its execution ended, or a sibling failed):
 * the time it spent there still counts. */
static void frame_stop(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    if (!f->in_state || f->state < 0)
        return;
    wf_exec *e = &st->ex[f->exec];
    double spent = sim_now(st->w->s) - f->entered;
    if (st->s->states[f->state].type == S_WAIT)
        e->wait_s += spent;
    else if (st->s->states[f->state].type == S_TASK)
        e->work_s += spent;
    state_left(st, f);
}

/* The frame's current state is done, successfully: on to its next. */
static void state_ok(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    const wf_state *s = &st->s->states[f->state];
    state_left(st, f);
    if (s->next < 0)
        scope_done(st, k, true);
    else
        run_state(st, k, s->next);
}

/* The frame's current state failed for good: its catch, or the scope fails. */
static void state_failed(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    const wf_state *s = &st->s->states[f->state];
    state_left(st, f);
    trace(st, &st->ex[f->exec], s->name, "failed");
    if (s->catch_next >= 0)
        run_state(st, k, s->catch_next);
    else
        scope_done(st, k, false);
}

/* The task frame k runs: its state's, or (a compensation frame) the compensation it is
 * on; *state gets the state that owns it. */
static const wf_task *frame_task(const workflow_state *st, const wf_frame *f, int *state)
{
    const wf_exec *e = &st->ex[f->exec];
    if (f->comp_frame) {
        *state = e->comp[e->n_comp - 1 - e->comp_done];
        return &st->s->states[*state].comp;
    }
    *state = f->state;
    return &st->s->states[f->state].task;
}

static breaker *breaker_of(workflow_state *st, const wf_frame *f, int state)
{
    return f->comp_frame ? &st->stats[state].comp_breaker : &st->stats[state].task_breaker;
}

static void task_result(workflow_state *st, uint32_t k, attempt_result result, double now);

static void issue_task(workflow_state *st, uint32_t k, const wf_task *t)
{
    world *w = st->w;
    double now = sim_now(w->s);
    wf_frame *f = &st->fr[k];
    const wf_exec *e = &st->ex[f->exec];
    uint32_t gen = 0;
    if (t->breaker.on) {
        int state;
        frame_task(st, f, &state);
        if (!breaker_allow(breaker_of(st, f, state), &t->breaker, now, &gen)) {
            if (e->measured)
                st->stats[state].breaker_rejected++;
            task_result(st, k, RESULT_ERROR, now);   /* fails at once: retry or catch */
            return;
        }
    }
    uint32_t sub = world_request_new(w);
    if (sub == NONE) {
        state_failed(st, k);
        return;
    }
    const request *from = e->req != NONE ? &w->req[e->req] : NULL;
    request *r = &w->req[sub];
    r->created = now;
    if (from) {
        r->source = from->source;
        r->tenant = from->tenant;
        r->traced = from->measured || from->traced;   /* a tenant's task (world_tenanted) */
    }
    r->size_kb = (float)t->size_kb;
    r->caller = st->index;
    r->tag = k;
    r->epoch = f->epoch;
    r->is_call = 1;
    r->attempt = f->attempt;
    r->breaker_generation = gen;
    r->deadline = fmin(now + t->timeout_s, e->deadline);
    /* Made for a holder of work: what the task's target sends on carries it. */
    r->work = e->req != NONE && world_work_held(w, e->req) ? WORK_PART : WORK_NONE;
    if (st->s->service == WF_DURABLE) {
        /* The activity's message waits on the work-item queue for a poll. */
        double at = poll_dispatch(st, POLL_WORK, now);
        if (at > now) {
            sim_at(w->s, at, on_activity_dispatched, st, sim_gen_pack((uint32_t)t->target, sub));
            return;
        }
    }
    world_deliver(w, t->target, sub);
}

static void on_retry_woken(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    wf_frame *f = durable_woken(st, arg);
    if (!f)
        return;
    int state;
    issue_task(st, sim_payload_of(arg), frame_task(st, f, &state));
}

/* A retry's wait is over (Durable Functions: a timer, which wakes the orchestrator). */
static void on_task_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    if (durable_defer(st, arg, on_retry_woken))
        return;
    wf_frame *f = fr_of(st, arg);
    if (!f)
        return;
    int state;
    issue_task(st, sim_payload_of(arg), frame_task(st, f, &state));
}

static void compensation_step(workflow_state *st, uint32_t k);

static void on_result_woken(sim *s, void *target, uint64_t arg)
{
    workflow_state *st = target;
    wf_frame *f = durable_woken(st, arg);
    if (f)
        task_result(st, sim_payload_of(arg), (attempt_result)f->result, sim_now(s));
}

void workflow_reply(void *state, world *w, uint32_t sub, attempt_result result)
{
    workflow_state *st = state;
    const request r = w->req[sub];
    world_request_free(w, sub);
    uint32_t k = r.tag;
    if (k >= st->cap_fr || st->fr[k].epoch != r.epoch || !frame_alive(st, k))
        return;
    double now = sim_now(w->s);
    if (result == RESULT_PARTIAL)
        result = RESULT_ERROR;
    const wf_frame *f = &st->fr[k];
    if (result == RESULT_OK && r.forwarded)
        st->ex[f->exec].forwarded = 1;
    int owner;
    const wf_task *t = frame_task(st, f, &owner);
    if (t->breaker.on &&
        breaker_record(breaker_of(st, f, owner), &t->breaker, r.breaker_generation, result == RESULT_OK, now) &&
        st->ex[f->exec].measured)
        st->stats[owner].breaker_opens++;
    /* Durable Functions: the result waits on the control queue, then replays the orchestrator. */
    st->fr[k].result = (uint8_t)result;
    if (durable_defer(st, fr_arg(st, k), on_result_woken))
        return;
    task_result(st, k, result, now);
}

/* The attempt of frame k's task ended with result (a reply, or an open breaker). */
static void task_result(workflow_state *st, uint32_t k, attempt_result result, double now)
{
    wf_frame *f = &st->fr[k];
    wf_exec *e = &st->ex[f->exec];
    if (result != RESULT_OK && now >= e->deadline) {
        exec_end(st, f->exec, WF_TIMED_OUT);      /* the execution's own limit */
        return;
    }
    int state;
    const wf_task *t = frame_task(st, f, &state);
    const char *name = st->s->states[state].name;
    if (result == RESULT_OK) {
        e->work_s += now - f->entered;
        if (f->comp_frame) {
            trace(st, e, name, "compensated");
            e->comp_done++;
            compensation_step(st, k);
            return;
        }
        trace(st, e, name, "succeeded");
        const wf_state *ws = &st->s->states[f->state];
        if (ws->has_comp && e->n_comp < COMP_MAX)
            e->comp[e->n_comp++] = (uint16_t)f->state;
        state_ok(st, k);
        return;
    }
    if (t->retry_on[result] && f->attempt <= t->max_retries) {
        double d = t->interval_s * pow(t->backoff_rate, (double)(f->attempt - 1));
        if (d > t->max_delay_s)
            d = t->max_delay_s;
        if (t->jitter)
            d *= rng_uniform(st->r_retry);
        f->attempt++;
        count_step(st, e, NULL, t);         /* a retry is a state transition */
        if (e->measured && !f->comp_frame)
            st->stats[f->state].retries++;
        trace(st, e, name, "retry");
        f->epoch++;                         /* a late answer of the old attempt is dropped */
        frame_at(st, k, now + d, on_task_retry);
        return;
    }
    e->work_s += now - f->entered;
    if (f->comp_frame) {
        trace(st, e, name, "compensation failed");
        exec_end(st, f->exec, WF_COMPENSATION_FAILED);
        return;
    }
    state_failed(st, k);
}

/* Runs the owed compensations one by one, the most recent first. */
static void start_compensation(workflow_state *st, uint32_t x)
{
    wf_exec *e = &st->ex[x];
    for (uint32_t i = e->frames; i != NONE; i = st->fr[i].next)
        frame_stop(st, i);
    while (e->frames != NONE)
        frame_free(st, e->frames);
    uint32_t k = frame_new(st, x, NONE);
    if (k == NONE) {
        st->w->out_of_memory = 1;
        exec_end(st, x, WF_COMPENSATION_FAILED);
        return;
    }
    st->fr[k].comp_frame = 1;
    compensation_step(st, k);
}

static void compensation_step(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    wf_exec *e = &st->ex[f->exec];
    if (e->comp_done >= e->n_comp) {
        exec_end(st, f->exec, WF_COMPENSATED);
        return;
    }
    int cs = e->comp[e->n_comp - 1 - e->comp_done];
    count_step(st, e, NULL, &st->s->states[cs].comp);
    if (e->measured)
        st->compensations_run++;
    f->epoch++;
    f->attempt = 1;
    f->entered = sim_now(st->w->s);
    trace(st, e, st->s->states[cs].name, "compensating");
    issue_task(st, k, &st->s->states[cs].comp);
}

/* A wait ends: its time has come (ok), or its event's timeout (not ok). */
static void wait_over(workflow_state *st, uint64_t arg, bool ok)
{
    wf_frame *f = fr_of(st, arg);
    if (!f)
        return;
    st->ex[f->exec].wait_s += sim_now(st->w->s) - f->entered;
    if (ok)
        state_ok(st, sim_payload_of(arg));
    else
        state_failed(st, sim_payload_of(arg));
}

static void on_wait_woken(sim *s, void *target, uint64_t arg)
{
    (void)s;
    if (durable_woken(target, arg))
        wait_over(target, arg, true);
}

static void on_wait_timeout_woken(sim *s, void *target, uint64_t arg)
{
    (void)s;
    if (durable_woken(target, arg))
        wait_over(target, arg, false);
}

/* A wait's time has come (Durable Functions: a timer or an event, which wakes the
 * orchestrator). */
static void on_wait_done(sim *s, void *target, uint64_t arg)
{
    (void)s;
    if (!durable_defer(target, arg, on_wait_woken))
        wait_over(target, arg, true);
}

static void on_wait_timeout(sim *s, void *target, uint64_t arg)
{
    (void)s;
    if (!durable_defer(target, arg, on_wait_timeout_woken))
        wait_over(target, arg, false);
}

/* Starts child frame for scope sc under frame k (a branch or a map item). */
static void start_child(workflow_state *st, uint32_t k, int sc)
{
    uint32_t exec = st->fr[k].exec;
    uint32_t c = frame_new(st, exec, k);
    if (c == NONE) {
        st->w->out_of_memory = 1;
        return;
    }
    st->fr[k].started++;
    run_state(st, c, st->s->scope_start[sc]);
}

/* A child of frame p ended. */
static void child_done(workflow_state *st, uint32_t p, bool ok)
{
    wf_frame *f = &st->fr[p];
    const wf_state *s = &st->s->states[f->state];
    f->done++;
    f->pending--;
    if (!ok)
        f->failed++;
    if (s->type == S_PARALLEL) {
        if (!ok) {                      /* fail fast: the other branches are stopped */
            free_descendants(st, p);
            f->epoch++;
            state_failed(st, p);
            return;
        }
    } else {
        if (!ok && 100.0 * (double)f->failed > s->tolerated_pct * (double)f->total) {
            free_descendants(st, p);
            f->epoch++;
            state_failed(st, p);
            return;
        }
        uint32_t epoch = f->epoch;
        if (f->started < f->total && !f->issuing) {
            f->pending++;
            start_child(st, p, s->item_scope);
            if (!st->fr[p].live || st->fr[p].epoch != epoch)
                return;
            f = &st->fr[p];
        }
    }
    if (f->pending == 0 && f->done >= f->total && !f->issuing)
        state_ok(st, p);
}

static void scope_done(workflow_state *st, uint32_t k, bool ok)
{
    wf_frame *f = &st->fr[k];
    uint32_t parent = f->parent, x = f->exec;
    if (parent == NONE) {
        exec_scope_done(st, x, ok);
        return;
    }
    frame_free(st, k);
    child_done(st, parent, ok);
}

static void enter_states(workflow_state *st, uint32_t k, int state);

static void on_state_deferred(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    wf_frame *f = fr_of(st, arg);
    if (f)
        run_state(st, sim_payload_of(arg), f->state);
}

/* Frame k enters state. States that end at once run the next at once, and a state's
 * task may be answered at once, which runs the next state again, and so on: deep on the C
 * stack, the state is entered from a zero-delay event instead (world_deep). */
static void run_state(workflow_state *st, uint32_t k, int state)
{
    world *w = st->w;
    if (world_deep(w)) {
        wf_frame *f = &st->fr[k];
        f->state = state;
        f->in_state = 0;
        f->epoch++;                 /* whatever was under way for the frame is dropped */
        sim_at(w->s, sim_now(w->s), on_state_deferred, st, fr_arg(st, k));
        return;
    }
    w->depth++;
    enter_states(st, k, state);
    w->depth--;
}

static void enter_states(workflow_state *st, uint32_t k, int state)
{
    world *w = st->w;
    const wf_spec *spec = st->s;
    /* A chain of instant states (choices) longer than the machine loops without end. */
    for (size_t hops = 0; hops <= spec->n_states; hops++) {
        double now = sim_now(w->s);
        wf_frame *f = &st->fr[k];
        wf_exec *e = &st->ex[f->exec];
        const wf_state *s = &spec->states[state];
        f->state = state;
        f->entered = now;
        f->attempt = 1;
        f->epoch++;
        f->in_state = 1;
        count_step(st, e, s, s->type == S_TASK ? &s->task : NULL);
        if (e->measured)
            st->stats[state].entries++;
        trace(st, e, s->name, "entered");
        switch (s->type) {
        case S_TASK:
            issue_task(st, k, &s->task);
            return;
        case S_CHOICE: {
            double u = rng_uniform(st->r_choice);
            size_t c = 0;
            while (c < s->n_choices && u >= s->choice_cum[c])
                c++;
            state_left(st, f);
            if (s->choice_next[c] < 0) {   /* no default and nothing left: cannot happen */
                scope_done(st, k, false);
                return;
            }
            state = s->choice_next[c];
            continue;
        }
        case S_WAIT: {
            double d = dist_sample(&s->wait_s, st->r_wait);
            if (s->event && d > s->event_timeout_s)
                frame_at(st, k, now + s->event_timeout_s, on_wait_timeout);
            else
                frame_at(st, k, now + d, on_wait_done);
            return;
        }
        case S_PARALLEL: {
            f->pending = f->total = (uint32_t)s->n_branches;
            f->started = f->done = f->failed = 0;
            f->issuing = 1;
            uint32_t epoch = f->epoch;
            for (size_t b = 0; b < s->n_branches; b++) {
                start_child(st, k, s->branch_scope[b]);
                if (!st->fr[k].live || st->fr[k].epoch != epoch)
                    return;
            }
            f = &st->fr[k];
            f->issuing = 0;
            if (f->pending == 0)
                state_ok(st, k);
            return;
        }
        case S_MAP: {
            long n = lround(dist_sample(&s->items, st->r_items));
            uint32_t items = n > 0 ? (uint32_t)n : 0;
            uint32_t children = (items + s->items_per_batch - 1) / s->items_per_batch;
            f->total = children;
            f->started = f->done = f->failed = f->pending = 0;
            if (children == 0) {
                state_ok(st, k);
                return;
            }
            uint32_t first = s->max_concurrency && s->max_concurrency < children ? s->max_concurrency : children;
            f->issuing = 1;
            uint32_t epoch = f->epoch;
            for (uint32_t i = 0; i < first; i++) {
                st->fr[k].pending++;
                start_child(st, k, s->item_scope);
                if (!st->fr[k].live || st->fr[k].epoch != epoch)
                    return;
            }
            f = &st->fr[k];
            f->issuing = 0;
            /* Children that ended at once left room for more. */
            while (f->started < f->total &&
                   (!s->max_concurrency || f->pending < s->max_concurrency)) {
                f->pending++;
                f->issuing = 1;
                start_child(st, k, s->item_scope);
                if (!st->fr[k].live || st->fr[k].epoch != epoch)
                    return;
                f = &st->fr[k];
                f->issuing = 0;
            }
            if (f->pending == 0 && f->done >= f->total)
                state_ok(st, k);
            return;
        }
        case S_SUCCEED:
            state_left(st, f);
            scope_done(st, k, true);
            return;
        case S_FAIL:
            state_left(st, f);
            scope_done(st, k, false);
            return;
        }
    }
    scope_done(st, k, false);       /* choices that loop without end */
}
