/* concurrent.c — instances that serve several requests at once and share their vCPUs (Cloud
 * Run, Azure Flex, Consumption with concurrency > 1): routing, processor sharing, call steps,
 * startup, the pending queue, the autoscaler and the instances' bill.
 *
 * A request (a job here) goes to the serving instance with the fewest requests that has room
 * (fewer than `concurrency`), ready instances before starting ones; when none has room, a new
 * instance joins the serving set on demand (an idle one kept warm, else a cold start) while
 * fewer than max_instances are live; else the job waits in a first-in-first-out pending queue
 * for pending_s and is then throttled (Cloud Run's 429). A job that joins an instance while
 * it initialises waits for the init to end. On a ready instance a job first needs its CPU
 * work (cpu_bound_fraction of its duration, in vCPU-seconds at one vCPU), shared with the
 * instance's other jobs in their CPU part: with n of them on c vCPUs each progresses at
 * min(threads, c/n) (processor sharing); then it waits out the rest of its duration (I/O),
 * which nothing slows; then, for a function with synchronous call steps whose handler
 * succeeded, its steps (calls.c, on the job's call_ctx, as on core.c's instances): while it
 * waits on a call it stays on its instance (counted in `active`, the autoscaler's requests
 * held, the instance's busy and billed time) but off the CPU heap; a function with only
 * asynchronous steps sends them as the job ends (as core.c's on_end). The function's
 * timeout and the caller's deadline cover the handler and its calls together. The autoscaler looks every scale_interval_s at the last
 * scale_window_s: the CPU used over vcpu x cpu_target and the requests held over
 * concurrency x concurrency_target each ask for a number of instances; the larger (within
 * min_instances and max_instances) is the serving set's new size. Instances it drops finish
 * their jobs and are then idle, kept warm for the keep-alive (lazily, on core.c's idle
 * stack); min_instances serving instances are never dropped.
 *
 * Processor sharing in virtual time (as service.c's shared stage): an instance's v is the CPU
 * each of its jobs in their CPU part has received; a job joining at v with work x is done at
 * v + x; the instance's heap orders its jobs by that, so one event (its next completion) per
 * instance is pending, moved whenever its job count or capacity changes (a stale one is known
 * by its generation). Each step is O(log n); jobs and each instance's heap live in pools that
 * grow to the peak and are reused: nothing is allocated per request once they have.
 *
 * Invariants: a job is in exactly one of the pending queue, its instance's init wait list,
 * its instance's CPU heap, waiting for its I/O event, or in its call steps (JOB_CALLS: an
 * event or a reply names it by its index and call.epoch, bumped when it ends); its instance's `active` counts every
 * job on it; `hold` is active plus one while the instance initialises, and an instance is
 * busy (counted in st->busy, billed under request-based billing) exactly while hold > 0;
 * a serving instance is in `ready` or `starting` (keyed by active), a draining one in
 * neither, an idle one on st->idle; serving + draining <= max_instances. */
#include "models/function/internal.h"

#include "models/deadline.h"

enum { JOB_PENDING, JOB_INIT, JOB_CPU, JOB_IO, JOB_CALLS };
enum { INST_OFF, INST_SERVING, INST_DRAINING };

/* A request on a shared instance. Its call_ctx (internal.h) holds what calls.c reads: the
 * attempt (call.serving, UINT32_MAX once its caller stopped waiting), its instance
 * (call.slot, not while pending), whether it is measured, and call.epoch, bumped when its
 * I/O event is no longer wanted, when its call steps begin and when it ends. */
typedef struct job {
    call_ctx call;
    uint32_t next;         /* the pending queue, or its instance's init wait list */
    uint32_t local;        /* its id in its instance's CPU heap */
    uint8_t  phase, result;
    double   arrived;      /* accepted by the function */
    double   work_s;       /* CPU work, vCPU-seconds */
    double   io_s;         /* I/O wait after the CPU work */
    double   timeout_at;   /* the function's timeout stops it here */
} job;

typedef struct shared_inst {
    heap      cpu;         /* local ids of its jobs in their CPU part, by virtual finish time */
    uint32_t *member;      /* local id -> job */
    freelist  locals;
    double    v, v_t;      /* virtual time, and when it was last advanced */
    double    capacity;    /* vCPUs now (boosted after a startup) */
    double    ready_at;    /* its init ends */
    double    bill_from;   /* its busy time is billed from here (Azure: not its startup) */
    uint32_t  active, hold;
    uint32_t  wait_head, wait_tail;   /* jobs waiting for the init */
    uint32_t  gen;         /* generation of its pending completion event */
    uint32_t  life;        /* bumped at each start: its startup's events */
    uint8_t   state, ready, boosted;
} shared_inst;

struct shared_state {
    shared_inst  *si;      /* by slot, as many as st->inst */
    uint32_t      n_si;
    job          *jobs;
    freelist      free_jobs;
    heap          ready, starting;    /* serving instances by active */
    uint32_t      serving, draining;
    uint32_t      pend_head, pend_tail;
    bool          pend_timer;
    deadline_heap deadlines;          /* jobs by min(caller's deadline, the function's timeout) */
    /* the autoscaler's inputs: CPU used and requests held, integrated over time */
    double        cpu_rate, cpu_area, act_area, area_t;
    uint32_t      active_total;
    double       *hist_cpu, *hist_act; /* the areas at each of the last ticks (a ring) */
    uint32_t      hist_n, hist_k;
    double        min_idle_t;          /* min_idle_s is settled up to here */
};

#define NONE UINT32_MAX

static void on_ps_done(sim *s, void *target, uint64_t arg);
static void on_io_done(sim *s, void *target, uint64_t arg);
static void on_ready(sim *s, void *target, uint64_t arg);
static void on_boost_end(sim *s, void *target, uint64_t arg);
static void on_pending_timeout(sim *s, void *target, uint64_t arg);
static void on_deadline(sim *s, void *target, uint64_t arg);
static void on_autoscale(sim *s, void *target, uint64_t arg);

/* ---- accounting ------------------------------------------------------------------- */

/* The autoscaler's integrals, up to now. */
static void usage_account(struct shared_state *sh, double now)
{
    double dt = now - sh->area_t;
    sh->cpu_area += sh->cpu_rate * dt;
    sh->act_area += (double)sh->active_total * dt;
    sh->area_t = now;
}

/* Idle min instances (billed at their own rate under request-based billing): the seconds
 * in the window that max(0, min_instances - busy) instances idled, up to now. */
static void min_idle_account(function_state *st, double now)
{
    struct shared_state *sh = st->shared;
    double a = fmax(sh->min_idle_t, st->w->t_start), b = fmin(now, st->w->t_end);
    if (b > a && st->f->min_instances > st->busy)
        st->min_idle_s += (double)(st->f->min_instances - st->busy) * (b - a);
    sh->min_idle_t = now;
}

/* A busy period of an instance, billed as one for its part inside the window, rounded up as
 * the provider rounds (request-based billing only: instance-based billing bills lifetimes,
 * in function_shared_finish). */
static void bill_busy(function_state *st, double start, double end)
{
    const world *w = st->w;
    double a = fmax(start, w->t_start), b = fmin(end, w->t_end);
    if (b <= a || st->f->bill_instance)
        return;
    uint64_t billed = billed_ms_of(st->f, (b - a) * 1000.0 - 1e-6);
    st->billed_ms += billed;
    if (st->f->provider == PROVIDER_GCP_CLOUD_RUN)   /* Azure bills memory only */
        st->cpu_units += (double)billed / 1000.0 * st->f->cpu_per_s;
}

/* The extra vCPU-seconds of a startup boost between t0 and t1, inside the window. */
static void bill_boost(function_state *st, double t0, double t1)
{
    double a = fmax(t0, st->w->t_start), b = fmin(t1, st->w->t_end);
    if (b > a)
        st->cpu_units += (st->f->boost - 1.0) * st->f->cpu_per_s * (b - a);
}

/* ---- instances ---------------------------------------------------------------------- */

static double job_rate(const function_spec *f, const shared_inst *si)
{
    uint32_t n = heap_size(&si->cpu);
    return n ? fmin(f->threads, si->capacity / (double)n) : 0.0;
}

/* The CPU the instance uses now: min(n x threads, capacity). */
static double cpu_use(const function_spec *f, const shared_inst *si)
{
    return fmin((double)heap_size(&si->cpu) * f->threads, si->capacity);
}

static void ps_advance(const function_spec *f, shared_inst *si, double now)
{
    si->v += (now - si->v_t) * job_rate(f, si);
    si->v_t = now;
}

/* Moves the instance's one completion event to its first job's finish at the current rate. */
static void ps_arm(function_state *st, uint32_t slot, double now)
{
    shared_inst *si = &st->shared->si[slot];
    si->gen++;
    uint32_t id;
    double done;
    if (!heap_min(&si->cpu, &id, &done))
        return;
    double dt = (done - si->v) / job_rate(st->f, si);
    if (sim_at(st->w->s, now + (dt > 0 ? dt : 0), on_ps_done, st, sim_gen_pack(si->gen, slot)) != 0)
        st->w->out_of_memory = 1;
}

/* The instance's busy count rises: a busy period may begin. */
static void hold_up(function_state *st, uint32_t slot, double now, bool was_idle)
{
    shared_inst *si = &st->shared->si[slot];
    if (si->hold++ > 0)
        return;
    instance *in = &st->inst[slot];
    if (was_idle)
        idle_span(st, in->idle_since, now);
    min_idle_account(st, now);
    st->busy++;
    if (st->pool_busy && ++*st->pool_busy > *st->pool_peak)
        *st->pool_peak = *st->pool_busy;
    gauge_add(&st->concurrency, now, 1.0);
    in->busy_start = now;
}

/* An idle instance leaves the serving set: kept warm on the idle stack for the keep-alive. */
static void to_idle_stack(function_state *st, uint32_t slot, double now)
{
    instance *in = &st->inst[slot];
    st->shared->si[slot].state = INST_OFF;
    in->expiry = in->idle_since + keep_alive_s(st);
    if (in->expiry < now)
        in->expiry = now;
    st->idle[st->n_idle++] = slot;
}

/* The instance's busy count falls: at 0 its busy period ends and it idles (serving, or on
 * the idle stack once drained). */
static void hold_down(function_state *st, uint32_t slot, double now)
{
    struct shared_state *sh = st->shared;
    shared_inst *si = &sh->si[slot];
    assert(si->hold > 0);
    if (--si->hold > 0)
        return;
    instance *in = &st->inst[slot];
    bill_busy(st, fmax(in->busy_start, si->bill_from), now);
    busy_span(st, in->busy_start, now);
    min_idle_account(st, now);
    st->busy--;
    if (st->pool_busy)
        (*st->pool_busy)--;
    gauge_add(&st->concurrency, now, -1.0);
    in->idle_since = now;
    if (si->state == INST_DRAINING) {
        sh->draining--;
        to_idle_stack(st, slot, now);
    }
}

/* Its key in the serving heaps (its active count) after a change. */
static int serving_update(struct shared_state *sh, uint32_t slot)
{
    shared_inst *si = &sh->si[slot];
    if (si->state != INST_SERVING)
        return 0;
    return heap_push(si->ready ? &sh->ready : &sh->starting, slot, (double)si->active);
}

/* The per-slot array covers every slot core.c may hand out. */
static int si_cover(function_state *st)
{
    struct shared_state *sh = st->shared;
    uint32_t cap = freelist_capacity(&st->free_slots);
    if (cap <= sh->n_si)
        return 0;
    shared_inst *si = realloc(sh->si, cap * sizeof *si);
    if (!si)
        return -1;
    memset(si + sh->n_si, 0, (cap - sh->n_si) * sizeof *si);
    sh->si = si;
    sh->n_si = cap;
    return 0;
}

/* A fresh start of slot's instance: cold (init_ms before it is ready) or warm at once. */
static int inst_begin(function_state *st, uint32_t slot, double now, double init_ms)
{
    const function_spec *f = st->f;
    struct shared_state *sh = st->shared;
    shared_inst *si = &sh->si[slot];
    si->v = 0;
    si->v_t = now;
    si->active = 0;
    si->hold = 0;
    si->wait_head = si->wait_tail = NONE;
    si->life++;
    si->capacity = f->cpu_per_s;
    si->boosted = 0;
    si->state = INST_SERVING;
    si->bill_from = 0;
    sh->serving++;
    st->inst[slot].idle_since = now;
    if (init_ms <= 0) {
        si->ready = 1;
        return serving_update(sh, slot);
    }
    si->ready = 0;
    si->ready_at = now + init_ms / 1000.0;
    if (!f->bill_startup)
        si->bill_from = si->ready_at;
    hold_up(st, slot, now, false);           /* a startup is busy (on Cloud Run, billed) */
    if (f->boost > 1.0)
        bill_boost(st, now, si->ready_at);
    if (sim_at(st->w->s, si->ready_at, on_ready, st, sim_gen_pack(si->life, slot)) != 0)
        return -1;
    return serving_update(sh, slot);
}

/* An instance joins the serving set: an idle one kept warm, else a new one (a cold start,
 * counted with its init time). UINT32_MAX when max_instances are live or the platform's
 * limits refuse a new one. */
static uint32_t inst_add(function_state *st, double now)
{
    const function_spec *f = st->f;
    struct shared_state *sh = st->shared;
    world *w = st->w;
    if (sh->serving + sh->draining >= f->max_instances)
        return NONE;
    int cold = 0;
    uint32_t slot = function_take_instance(st, w, now, &cold, st->version);
    if (slot == NONE || si_cover(st) != 0) {
        if (slot != NONE)
            w->out_of_memory = 1;
        return NONE;
    }
    double init_ms = 0, platform_ms = 0;
    if (cold) {
        init_ms = dist_sample(&f->cold_start_ms, st->r_cold);
        if (f->boost > 1.0)           /* the boost speeds up the init's CPU-bound part */
            init_ms *= (1.0 - f->cpu_bound_fraction) + f->cpu_bound_fraction / f->boost;
        platform_ms = dist_sample(&f->platform_ms, st->r_platform);   /* Azure's whole start */
        if (world_measuring(w, now)) {
            st->cold_starts++;
            st->init_ms_sum += init_ms;
            st->platform_ms_sum += platform_ms;
            series_add(&w->ts[TS_COLD_STARTS], now, 1.0);
        }
    }
    if (inst_begin(st, slot, now, platform_ms + init_ms) != 0) {
        w->out_of_memory = 1;
        return NONE;
    }
    return slot;
}

/* The serving instance that takes a new job now: the ready one with the fewest, else a
 * starting one, else one added on demand; UINT32_MAX when none can. */
static uint32_t inst_for_job(function_state *st, double now)
{
    struct shared_state *sh = st->shared;
    uint32_t slot;
    double key;
    if (heap_min(&sh->ready, &slot, &key) && key < st->f->concurrency)
        return slot;
    if (heap_min(&sh->starting, &slot, &key) && key < st->f->concurrency)
        return slot;
    return inst_add(st, now);
}

/* The serving set loses its least busy instance: it drains, then idles. */
static void inst_drop(function_state *st, double now)
{
    struct shared_state *sh = st->shared;
    uint32_t slot;
    if (!heap_min(&sh->ready, &slot, NULL) && !heap_min(&sh->starting, &slot, NULL))
        return;
    heap_remove(&sh->ready, slot);
    heap_remove(&sh->starting, slot);
    sh->serving--;
    shared_inst *si = &sh->si[slot];
    if (si->hold == 0) {
        to_idle_stack(st, slot, now);
    } else {
        si->state = INST_DRAINING;
        sh->draining++;
    }
}

/* ---- jobs ----------------------------------------------------------------------------- */

static uint32_t job_new(function_state *st)
{
    struct shared_state *sh = st->shared;
    if (freelist_empty(&sh->free_jobs)) {
        job *jobs = freelist_grow(&sh->free_jobs, sh->jobs, sizeof *jobs, 64, UINT32_MAX - 1);
        if (!jobs)
            return NONE;
        sh->jobs = jobs;
    }
    return freelist_take(&sh->free_jobs);
}

/* Job k starts its CPU part on its (ready) instance, or its I/O part when it has no CPU work. */
static void job_run(function_state *st, uint32_t k, double now)
{
    struct shared_state *sh = st->shared;
    job *j = &sh->jobs[k];
    shared_inst *si = &sh->si[j->call.slot];
    if (j->work_s <= 0) {
        j->phase = JOB_IO;
        if (sim_at(st->w->s, now + j->io_s, on_io_done, st, sim_gen_pack(j->call.epoch, k)) != 0)
            st->w->out_of_memory = 1;
        return;
    }
    if (freelist_empty(&si->locals)) {
        uint32_t *m = freelist_grow(&si->locals, si->member, sizeof *m, 4, UINT32_MAX - 1);
        if (!m) {
            st->w->out_of_memory = 1;
            return;
        }
        si->member = m;
    }
    usage_account(sh, now);
    ps_advance(st->f, si, now);
    sh->cpu_rate -= cpu_use(st->f, si);
    j->phase = JOB_CPU;
    j->local = freelist_take(&si->locals);
    si->member[j->local] = k;
    if (heap_push(&si->cpu, j->local, si->v + j->work_s) != 0)
        st->w->out_of_memory = 1;
    sh->cpu_rate += cpu_use(st->f, si);
    ps_arm(st, j->call.slot, now);
}

/* Appends job k to the list from *head to *tail (the pending queue, an init wait list). */
static void list_append(job *jobs, uint32_t *head, uint32_t *tail, uint32_t k)
{
    jobs[k].next = NONE;
    if (*tail == NONE)
        *head = k;
    else
        jobs[*tail].next = k;
    *tail = k;
}

/* Job k joins instance slot: it runs, or waits for the instance's init. */
static void job_admit(function_state *st, uint32_t k, uint32_t slot, double now)
{
    struct shared_state *sh = st->shared;
    world *w = st->w;
    job *j = &sh->jobs[k];
    shared_inst *si = &sh->si[slot];
    j->call.slot = slot;
    usage_account(sh, now);
    sh->active_total++;
    si->active++;
    if (serving_update(sh, slot) != 0)
        w->out_of_memory = 1;
    hold_up(st, slot, now, true);
    j->call.measured = world_measuring(w, now);
    if (j->call.measured) {
        st->invocations++;
        if (st->tenant_invocations && j->call.traced) {
            st->tenant_invocations[j->call.tenant]++;
            w->tenant_invocations[j->call.tenant]++;
        }
        if (j->result == RESULT_ERROR || j->result == RESULT_PARTIAL)
            st->errors++;
    }
    if (si->ready) {
        job_run(st, k, now);
        return;
    }
    j->phase = JOB_INIT;
    list_append(sh->jobs, &si->wait_head, &si->wait_tail, k);
}

/* Job k leaves its instance at now: the instance's counts, then the caller's answer. */
static void job_end(function_state *st, uint32_t k, double now, attempt_result result);

/* Pending jobs take the room that freed up, first come first served. */
static void admit_pending(function_state *st, double now)
{
    struct shared_state *sh = st->shared;
    while (sh->pend_head != NONE) {
        uint32_t slot = inst_for_job(st, now);
        if (slot == NONE)
            return;
        uint32_t k = sh->pend_head;
        sh->pend_head = sh->jobs[k].next;
        if (sh->pend_head == NONE)
            sh->pend_tail = NONE;
        job_admit(st, k, slot, now);
    }
}

static void pending_arm(function_state *st)
{
    struct shared_state *sh = st->shared;
    if (sh->pend_timer || sh->pend_head == NONE)
        return;
    sh->pend_timer = true;
    if (sim_at(st->w->s, sh->jobs[sh->pend_head].arrived + st->f->pending_s, on_pending_timeout, st, 0) != 0)
        st->w->out_of_memory = 1;
}

/* Takes job k out of the list starting at *head (and ending at *tail). */
static void list_unlink(job *jobs, uint32_t *head, uint32_t *tail, uint32_t k)
{
    uint32_t prev = NONE;
    for (uint32_t i = *head; i != NONE; prev = i, i = jobs[i].next)
        if (i == k) {
            if (prev == NONE)
                *head = jobs[k].next;
            else
                jobs[prev].next = jobs[k].next;
            if (*tail == k)
                *tail = prev;
            return;
        }
}

static void job_end(function_state *st, uint32_t k, double now, attempt_result result)
{
    struct shared_state *sh = st->shared;
    world *w = st->w;
    job *j = &sh->jobs[k];
    /* What the answer and the messages need: the job's slot goes back below, and the
     * calls made from here may reuse it. Late events for the job are stale from here. */
    const call_ctx done = j->call;
    j->call.epoch++;
    uint32_t slot = done.slot, req = done.serving;
    shared_inst *si = &sh->si[slot];
    if (done.measured) {
        st->time_inside_s += now - j->arrived;
        if (result == RESULT_TIMEOUT)
            st->timeouts++;
    }
    deadline_remove(&sh->deadlines, k);
    freelist_give(&sh->free_jobs, k);
    usage_account(sh, now);
    sh->active_total--;
    si->active--;
    if (serving_update(sh, slot) != 0)
        w->out_of_memory = 1;
    hold_down(st, slot, now);
    admit_pending(st, now);
    bool forwarded = done.forwarded;
    /* A function with only asynchronous steps sends them when its handler is done (as
     * core.c's on_end); one with synchronous steps sent them in order (calls.c). */
    if (result == RESULT_OK && st->f->n_calls && !st->f->has_sync)
        forwarded = function_send_calls(st, w, &done) > 0;
    if (req == NONE)
        return;
    if (forwarded && result == RESULT_OK)
        w->req[req].forwarded = 1;
    world_reply(w, req, result);
}

/* The function's timeout stops job k wherever it is. */
static void job_stop(function_state *st, uint32_t k, double now)
{
    struct shared_state *sh = st->shared;
    job *j = &sh->jobs[k];
    if (j->phase == JOB_PENDING) {
        list_unlink(sh->jobs, &sh->pend_head, &sh->pend_tail, k);
        uint32_t req = j->call.serving;
        freelist_give(&sh->free_jobs, k);
        if (req != NONE)
            function_throttle(st, st->w, req, now);
        return;
    }
    shared_inst *si = &sh->si[j->call.slot];
    if (j->phase == JOB_INIT) {
        list_unlink(sh->jobs, &si->wait_head, &si->wait_tail, k);
    } else if (j->phase == JOB_CPU) {
        usage_account(sh, now);
        ps_advance(st->f, si, now);
        sh->cpu_rate -= cpu_use(st->f, si);
        heap_remove(&si->cpu, j->local);
        freelist_give(&si->locals, j->local);
        sh->cpu_rate += cpu_use(st->f, si);
        ps_arm(st, j->call.slot, now);
    } else if (j->phase == JOB_IO) {
        j->call.epoch++;              /* its I/O event is stale */
    }
    /* JOB_CALLS: job_end makes its calls' replies and retries stale. */
    job_end(st, k, now, RESULT_TIMEOUT);
}

/* ---- events ------------------------------------------------------------------------- */

/* The instance's first job in its CPU part has its work done: on to its I/O part. */
static void on_ps_done(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    struct shared_state *sh = st->shared;
    uint32_t slot = sim_payload_of(arg);
    shared_inst *si = &sh->si[slot];
    if (sim_gen_of(arg) != si->gen)
        return;
    double now = sim_now(s);
    uint32_t local;
    double done;
    if (!heap_min(&si->cpu, &local, &done))
        return;
    usage_account(sh, now);
    ps_advance(st->f, si, now);
    if (si->v < done)
        si->v = done;            /* rounding must not leave it a hair short */
    sh->cpu_rate -= cpu_use(st->f, si);
    heap_remove(&si->cpu, local);
    freelist_give(&si->locals, local);
    sh->cpu_rate += cpu_use(st->f, si);
    ps_arm(st, slot, now);
    uint32_t k = si->member[local];
    job *j = &sh->jobs[k];
    j->phase = JOB_IO;
    if (sim_at(s, now + j->io_s, on_io_done, st, sim_gen_pack(j->call.epoch, k)) != 0)
        st->w->out_of_memory = 1;
}

static void on_io_done(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    uint32_t k = sim_payload_of(arg);
    job *j = &st->shared->jobs[k];
    if (sim_gen_of(arg) != j->call.epoch || j->phase != JOB_IO)
        return;
    j->call.epoch++;
    if (j->result == RESULT_OK && st->f->has_sync) {
        /* The handler's own time is done: its call steps, holding its place on the
         * instance (its count, its busy time) but off the CPU. */
        j->phase = JOB_CALLS;
        j->call.step = j->call.in_step = j->call.issuing = 0;
        j->call.left = j->call.pending = 0;
        function_run_steps(st, k);
        return;
    }
    job_end(st, k, sim_now(s), (attempt_result)j->result);
}

/* An instance's init is over: its waiting jobs run, with the startup boost for a while. */
static void on_ready(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    struct shared_state *sh = st->shared;
    uint32_t slot = sim_payload_of(arg);
    shared_inst *si = &sh->si[slot];
    if (sim_gen_of(arg) != si->life || si->ready)
        return;
    double now = sim_now(s);
    si->ready = 1;
    if (si->state == INST_SERVING) {
        heap_remove(&sh->starting, slot);
        if (heap_push(&sh->ready, slot, (double)si->active) != 0)
            st->w->out_of_memory = 1;
    }
    if (st->f->boost > 1.0 && st->f->boost_after_s > 0) {
        si->capacity = st->f->cpu_per_s * st->f->boost;
        si->boosted = 1;
        bill_boost(st, now, now + st->f->boost_after_s);
        if (sim_at(s, now + st->f->boost_after_s, on_boost_end, st, sim_gen_pack(si->life, slot)) != 0)
            st->w->out_of_memory = 1;
    }
    for (uint32_t k = si->wait_head; k != NONE;) {
        uint32_t next = sh->jobs[k].next;
        job_run(st, k, now);
        k = next;
    }
    si->wait_head = si->wait_tail = NONE;
    hold_down(st, slot, now);                /* the startup's own hold */
}

static void on_boost_end(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    struct shared_state *sh = st->shared;
    uint32_t slot = sim_payload_of(arg);
    shared_inst *si = &sh->si[slot];
    if (sim_gen_of(arg) != si->life || !si->boosted)
        return;
    double now = sim_now(s);
    usage_account(sh, now);
    ps_advance(st->f, si, now);
    sh->cpu_rate -= cpu_use(st->f, si);
    si->capacity = st->f->cpu_per_s;
    si->boosted = 0;
    sh->cpu_rate += cpu_use(st->f, si);
    ps_arm(st, slot, now);
}

/* Pending jobs that waited pending_s for room are throttled (429), oldest first. */
static void on_pending_timeout(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    function_state *st = target;
    struct shared_state *sh = st->shared;
    double now = sim_now(s);
    sh->pend_timer = false;
    while (sh->pend_head != NONE && sh->jobs[sh->pend_head].arrived + st->f->pending_s <= now + 1e-9) {
        uint32_t k = sh->pend_head;
        sh->pend_head = sh->jobs[k].next;
        if (sh->pend_head == NONE)
            sh->pend_tail = NONE;
        uint32_t req = sh->jobs[k].call.serving;
        deadline_remove(&sh->deadlines, k);
        freelist_give(&sh->free_jobs, k);
        if (req != NONE)
            function_throttle(st, st->w, req, now);
    }
    pending_arm(st);
}

static void deadline_arm(function_state *st)
{
    double t = deadline_to_arm(&st->shared->deadlines);
    if (t < INFINITY && sim_at(st->w->s, t, on_deadline, st, 0) != 0)
        st->w->out_of_memory = 1;
}

/* A caller stops waiting (its job runs on, or leaves the pending queue), or the function's
 * timeout stops a job. */
static void on_deadline(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    function_state *st = target;
    struct shared_state *sh = st->shared;
    world *w = st->w;
    double now = sim_now(s);
    deadline_fired(&sh->deadlines, now);
    uint32_t k;
    while (deadline_pop_due(&sh->deadlines, now, &k)) {
        job *j = &sh->jobs[k];
        uint32_t req = j->call.serving;
        if (req != NONE && w->req[req].deadline < j->timeout_at) {
            if (j->phase == JOB_PENDING) {
                list_unlink(sh->jobs, &sh->pend_head, &sh->pend_tail, k);
                freelist_give(&sh->free_jobs, k);
            } else {
                j->call.serving = NONE;       /* the job runs on; nobody waits for it */
                if (deadline_push(&sh->deadlines, k, j->timeout_at) != 0)
                    w->out_of_memory = 1;
            }
            world_reply(w, req, RESULT_TIMEOUT);
            continue;
        }
        job_stop(st, k, now);
    }
    deadline_arm(st);
}

/* The autoscaler: the serving set's size from the last window's CPU use and requests held. */
static void on_autoscale(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    function_state *st = target;
    const function_spec *f = st->f;
    struct shared_state *sh = st->shared;
    double now = sim_now(s);
    usage_account(sh, now);
    uint32_t back = sh->hist_n < sh->hist_k ? sh->hist_n : sh->hist_k;
    uint32_t oldest = (sh->hist_n - back) % sh->hist_k;
    double span = back ? back * f->scale_interval_s : 0;
    double cpu = back ? (sh->cpu_area - sh->hist_cpu[oldest]) / span : 0;
    double act = back ? (sh->act_area - sh->hist_act[oldest]) / span : 0;
    sh->hist_cpu[sh->hist_n % sh->hist_k] = sh->cpu_area;
    sh->hist_act[sh->hist_n % sh->hist_k] = sh->act_area;
    sh->hist_n++;
    double want = 0;
    if (f->cpu_target > 0)
        want = fmax(want, ceil(cpu / (f->cpu_per_s * f->cpu_target) - 1e-9));
    if (f->concurrency_target > 0)
        want = fmax(want, ceil(act / ((double)f->concurrency * f->concurrency_target) - 1e-9));
    want = fmin(fmax(want, (double)f->min_instances), (double)f->max_instances);
    uint32_t target_n = (uint32_t)want;
    while (sh->serving < target_n && inst_add(st, now) != NONE)
        ;
    while (sh->serving > target_n)
        inst_drop(st, now);
    admit_pending(st, now);
    double next = now + f->scale_interval_s;
    if (next < st->w->t_end && sim_at(s, next, on_autoscale, st, 0) != 0)
        st->w->out_of_memory = 1;
}

/* ---- the kind's slots (called from core.c) ------------------------------------------ */

int function_shared_start(function_state *st)
{
    const function_spec *f = st->f;
    world *w = st->w;
    struct shared_state *sh = calloc(1, sizeof *sh);
    if (!sh)
        return -1;
    st->shared = sh;
    sh->pend_head = sh->pend_tail = NONE;
    deadline_init(&sh->deadlines);
    sh->hist_k = (uint32_t)fmax(1.0, round(f->scale_window_s / f->scale_interval_s));
    sh->hist_cpu = calloc(sh->hist_k, sizeof *sh->hist_cpu);
    sh->hist_act = calloc(sh->hist_k, sizeof *sh->hist_act);
    if (!sh->hist_cpu || !sh->hist_act)
        return -1;
    sh->hist_n = 1;          /* the start (areas 0) is the first look back */
    /* min_instances, warm from the start (as provisioned instances are). */
    for (uint32_t i = 0; i < f->min_instances; i++) {
        if (freelist_empty(&st->free_slots) && function_grow_slots(st) != 0)
            return -1;
        uint32_t slot = freelist_take(&st->free_slots);
        st->inst[slot].provisioned = 0;
        st->inst[slot].conns = 0;
        st->inst[slot].cached_at = -INFINITY;     /* its local cache starts empty */
        st->inst[slot].version = st->version;
        if (si_cover(st) != 0 || inst_begin(st, slot, 0, 0) != 0)
            return -1;
    }
    if (f->scale_interval_s < w->t_end && sim_at(w->s, f->scale_interval_s, on_autoscale, st, 0) != 0)
        return -1;
    return 0;
}

void function_shared_free(function_state *st)
{
    struct shared_state *sh = st->shared;
    if (!sh)
        return;
    for (uint32_t i = 0; i < sh->n_si; i++) {
        heap_free(&sh->si[i].cpu);
        free(sh->si[i].member);
        freelist_free(&sh->si[i].locals);
    }
    free(sh->si);
    free(sh->jobs);
    freelist_free(&sh->free_jobs);
    heap_free(&sh->ready);
    heap_free(&sh->starting);
    deadline_free(&sh->deadlines);
    free(sh->hist_cpu);
    free(sh->hist_act);
    free(sh);
    st->shared = NULL;
}

/* The end of the window: busy instances are billed up to it, idle ones counted; under
 * instance-based billing every instance-second of the window is billed. */
void function_shared_finish(function_state *st, double end)
{
    struct shared_state *sh = st->shared;
    const function_spec *f = st->f;
    for (uint32_t slot = 0; slot < sh->n_si; slot++) {
        const shared_inst *si = &sh->si[slot];
        const instance *in = &st->inst[slot];
        if (si->state == INST_OFF)
            continue;
        if (si->hold > 0) {
            bill_busy(st, fmax(in->busy_start, si->bill_from), end);
            busy_span(st, in->busy_start, end);
        } else {
            idle_span(st, in->idle_since, end);
        }
    }
    min_idle_account(st, end);
    if (!f->bill_instance)
        return;
    /* Instance-based billing: the idle stack's instances are settled here (not by core.c),
     * so that the bill can hold every instance's lifetime. */
    for (uint32_t i = 0; i < st->n_idle; i++) {
        const instance *in = &st->inst[st->idle[i]];
        idle_span(st, in->idle_since, fmin(in->expiry, end));
    }
    st->n_idle = 0;
    double lifetime_s = st->busy_s + st->idle_s;
    st->billed_ms = (uint64_t)llround(lifetime_s * 1000.0);
    st->cpu_units += lifetime_s * f->cpu_per_s;
}

void function_shared_accept(function_state *st, world *w, uint32_t req)
{
    const function_spec *f = st->f;
    struct shared_state *sh = st->shared;
    double now = sim_now(w->s);
    request *r = &w->req[req];
    uint32_t k = job_new(st);
    if (k == NONE) {
        w->out_of_memory = 1;
        function_throttle(st, w, req, now);
        return;
    }
    job *j = &sh->jobs[k];
    double run_ms;
    /* One draw per request, a batch's items not told apart (as before): passing
     * items and poison here stops LTO from inlining the draw into core.c's accept, which costs Lambda's
     * path 0.8% more instructions. */
    j->result = (uint8_t)function_draw_outcome(st, st->version, 1, false, r->run_ms, &run_ms);
    if (j->result == RESULT_OK && r->poison)   /* as the draw would: poison last */
        j->result = RESULT_PARTIAL;
    j->call.serving = req;
    j->call.source = r->source;
    j->call.tenant = r->tenant;
    j->call.created = r->created;
    j->call.traced = r->measured || r->traced;
    j->call.forwarded = 0;
    j->arrived = now;
    j->work_s = f->cpu_bound_fraction * run_ms / 1000.0;
    j->io_s = (1.0 - f->cpu_bound_fraction) * run_ms / 1000.0;
    j->timeout_at = now + f->timeout_ms / 1000.0;
    j->call.deadline = j->timeout_at;
    j->next = NONE;
    if (deadline_push(&sh->deadlines, k, fmin(r->deadline, j->timeout_at)) != 0)
        w->out_of_memory = 1;
    deadline_arm(st);
    uint32_t slot = sh->pend_head == NONE ? inst_for_job(st, now) : NONE;
    if (slot != NONE) {
        job_admit(st, k, slot, now);
        return;
    }
    /* No room and no instance to add: it waits its turn. */
    j->phase = JOB_PENDING;
    list_append(sh->jobs, &sh->pend_head, &sh->pend_tail, k);
    pending_arm(st);
}

/* Job k's invocation (calls.c names it by k), or NULL when k is no job's. */
call_ctx *function_shared_call(function_state *st, uint32_t k)
{
    struct shared_state *sh = st->shared;
    return k < freelist_capacity(&sh->free_jobs) ? &sh->jobs[k].call : NULL;
}

/* Job k's call steps end it (done, failed, or its timeout found by a call's answer). */
void function_shared_calls_end(function_state *st, uint32_t k, attempt_result result)
{
    job *j = &st->shared->jobs[k];
    assert(j->phase == JOB_CALLS);
    if (j->call.measured && result == RESULT_ERROR)
        st->errors++;            /* its handler's own error was counted when it was admitted */
    job_end(st, k, sim_now(st->w->s), result);
}
