/* fleet.c — provisioned fleets to compare serverless with: `container` (Fargate/ECS-like
 * tasks behind a load balancer) and `vm` (EC2-like instances in an autoscaling group).
 * Either takes synchronous requests like a function, so the same traffic can be run as
 * serverless and as a fleet.
 *
 * A fleet is a set of tasks (instances), each with `vcpu` processors shared by the
 * requests on it: a request needs its drawn duration of processor time for its CPU-bound
 * part (cpu_bound_fraction) and waits the rest; the processors are shared equally among the
 * requests in their CPU part (processor sharing with vcpu servers: each progresses at
 * min(1, vcpu / n)), so latency grows as a task saturates. The load balancer sends each
 * request to the running task with the fewest requests; when every task holds
 * `concurrency` requests, it is refused (503, a throttle). Autoscaling tracks a CPU
 * utilisation target: every `evaluation_s` it computes the tasks needed, starts new ones
 * (ready after `start_s`) after a scale-out cooldown and drains surplus ones after a
 * scale-in cooldown; a draining task takes no new requests and stops when empty.
 *
 * Billing: a container task is billed per second (1 minute at least) for its vCPUs and GB
 * at Fargate's prices, a VM per second (1 minute at least) at its instance type's hourly
 * price; a load balancer per hour plus load-balancer capacity units. */
#include "models/fleet.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/deadline.h"
#include "sim/dist.h"
#include "sim/freelist.h"
#include "sim/rng.h"

#define NONE UINT32_MAX

/* ---- spec ------------------------------------------------------------------------ */

typedef struct fleet_spec {
    char    *name;
    bool     is_vm;
    double   vcpu, memory_gb;
    int      arch;               /* containers: 0 x86_64, 1 arm64 */
    char     instance_type[PRICE_NAME_MAX];   /* VMs: priced as vm.instance_hours.<type> */
    dist     duration_ms;        /* processor time of a request on one vCPU, plus its waits */
    double   cpu_bound_fraction;
    double   error_rate;
    uint32_t concurrency;        /* requests a task holds at once */
    /* fleet size */
    bool     autoscaling;
    uint32_t count;              /* fixed size, or the initial size with autoscaling */
    uint32_t min_tasks, max_tasks;
    double   target_cpu, evaluation_s, out_cooldown_s, in_cooldown_s, start_s;
    /* load balancer */
    bool     load_balancer;
    double   request_kb, response_kb, new_connection_share;
    double   log_kb;                 /* what a request writes to the logs (awslogs: CloudWatch) */
} fleet_spec;

static void fleet_free_spec(void *p)
{
    fleet_spec *f = p;
    if (!f)
        return;
    dist_free(&f->duration_ms);
    free(f->name);
    free(f);
}

static const char *const arch_names[] = { "x86_64", "arm64", NULL };

static void *fleet_parse_common(cfg_node *n, world_spec *w, bool is_vm)
{
    fleet_spec *f = calloc(1, sizeof *f);
    if (!f) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    f->is_vm = is_vm;
    f->name = strdup(cfg_string_req(n, "name"));
    if (is_vm) {
        const price_table *t = &w->prices;
        if (!cfg_has(n, "instance_type")) {
            cfg_missing(n, "instance_type", "an instance type of the price table, e.g. \"m6i.large\"");
        } else {
            const char *type = cfg_string_req(n, "instance_type");
            char dim[PRICE_NAME_MAX + 32];
            snprintf(dim, sizeof dim, "vm.instance_hours.%s", type ? type : "");
            const price_dim *d = type && strlen(type) < sizeof f->instance_type ? price_find(t, dim) : NULL;
            /* An instance type is a variant of its own, with its size: not a parent's price. */
            if (d && strcmp(d->name, dim) != 0)
                d = NULL;
            if (!cfg_failed(n) && (!d || isnan(price_fact(d, "vcpu")) || isnan(price_fact(d, "memory_gb")))) {
                char list[512];
                price_list_variants(t, "vm.instance_hours.", true, list, sizeof list);
                cfg_fail(n, "instance_type", "\"%s\" is not in the price table (with its vcpu and memory_gb); "
                         "expected one of %s", type, list[0] ? list : "(none: the table prices no VMs)");
            } else if (!cfg_failed(n)) {
                snprintf(f->instance_type, sizeof f->instance_type, "%s", type);
                f->vcpu = price_fact(d, "vcpu");
                f->memory_gb = price_fact(d, "memory_gb");
            }
        }
    } else {
        /* Fargate's task sizes run from 0.25 to 16 vCPU; 1 vCPU with 2 GB is a common one. */
        f->vcpu = cfg_number(n, "vcpu", 1, 0.25, 16);
        f->memory_gb = cfg_number(n, "memory_gb", 2, 0.5, 120);
        f->arch = cfg_enum(n, "architecture", arch_names, 0);
    }
    if (!cfg_has(n, "duration_ms"))
        cfg_missing(n, "duration_ms", "a request's time on one vCPU in ms, e.g. {\"dist\": \"lognormal\", "
                    "\"median\": 40, \"p99\": 300}");
    else
        dist_parse(n, "duration_ms", NULL, 3.6e6, &f->duration_ms);
    f->cpu_bound_fraction = cfg_number(n, "cpu_bound_fraction", 1, 0, 1);
    f->error_rate = cfg_number(n, "error_rate", 0, 0, 1);
    f->concurrency = (uint32_t)cfg_integer(n, "concurrency", 100, 1, 100000);
    f->count = (uint32_t)cfg_integer(n, "count", 2, 1, 10000);
    f->autoscaling = cfg_has(n, "autoscaling");
    cfg_node a;
    cfg_object(n, "autoscaling", &a);
    if (f->autoscaling) {
        f->min_tasks = (uint32_t)cfg_integer(&a, "min", 1, 1, 10000);
        f->max_tasks = (uint32_t)cfg_integer(&a, "max", 10, 1, 10000);
        f->target_cpu = cfg_number(&a, "target_cpu", 0.7, 0.05, 1);
        /* CloudWatch's 1-minute metrics; Application Auto Scaling's 300 s cooldowns. */
        f->evaluation_s = cfg_number(&a, "evaluation_s", 60, 1, 3600);
        f->out_cooldown_s = cfg_number(&a, "scale_out_cooldown_s", 300, 0, 86400);
        f->in_cooldown_s = cfg_number(&a, "scale_in_cooldown_s", 300, 0, 86400);
        if (!cfg_failed(&a) && f->max_tasks < f->min_tasks)
            cfg_fail(&a, "max", "must be at least min (%u), got %u", f->min_tasks, f->max_tasks);
        if (!cfg_failed(n) && (f->count < f->min_tasks || f->count > f->max_tasks))
            cfg_fail(n, "count", "the initial count %u must lie within autoscaling min %u and max %u",
                     f->count, f->min_tasks, f->max_tasks);
    }
    cfg_done(&a);
    if (!f->autoscaling)
        cfg_put(n, "autoscaling", cJSON_CreateNull());   /* absent stays absent in --print-config */
    /* A Fargate task is serving in about 30-60 s (image pull and start); an instance's boot
     * and application start take a minute or two. Assumptions: AWS publishes no figure. */
    f->start_s = cfg_number(n, "start_s", is_vm ? 90 : 45, 0, 3600);
    /* Logs: what the application writes per request, shipped to CloudWatch Logs (the
     * awslogs driver, or the agent on a VM); the platform adds no lines of its own. */
    f->log_kb = cfg_number(n, "log_kb", 0, 0, 1e6);
    cfg_node lb;
    cfg_object(n, "load_balancer", &lb);
    f->load_balancer = cfg_bool(&lb, "enabled", true);
    f->request_kb = cfg_number(&lb, "request_kb", 1, 0, 1e6);
    f->response_kb = cfg_number(&lb, "response_kb", 4, 0, 1e6);
    /* Clients keep connections alive: an assumption of one new connection per 10 requests. */
    f->new_connection_share = cfg_number(&lb, "new_connection_share", 0.1, 0, 1);
    cfg_done(&lb);
    cfg_know(n, "kind");
    cfg_done(n);
    if (cfg_failed(n)) {
        fleet_free_spec(f);
        return NULL;
    }
    return f;
}

static void *container_parse(cfg_node *n, world_spec *w) { return fleet_parse_common(n, w, false); }
static void *vm_parse(cfg_node *n, world_spec *w) { return fleet_parse_common(n, w, true); }

/* ---- run state ------------------------------------------------------------------- */

enum { TASK_FREE, TASK_STARTING, TASK_RUNNING, TASK_DRAINING };

typedef struct task {
    uint8_t   state;
    double    launched;           /* billed from here */
    double    ready;              /* serving from here */
    uint32_t  inflight;           /* requests on it (CPU part or waiting) */
    uint32_t *cpu, n_cpu, cap_cpu;/* requests in their CPU part */
    double    v, v_t;             /* virtual processor time per request, and when advanced */
    uint32_t  gen;
} task;

typedef struct job {
    uint32_t req;                 /* or NONE when the caller left */
    uint32_t task;
    double   arrived, v_done, wait_s;
    uint8_t  result, live;
} job;

typedef struct fleet_state {
    const fleet_spec *f;
    world   *w;
    task    *tasks;
    uint32_t n_tasks;             /* slots used (some may be FREE) */
    job     *jobs;                /* its free slots in free_jobs */
    freelist free_jobs;
    deadline_heap deadlines;
    gsl_rng *r_duration, *r_error;
    uint32_t running, starting;
    double   last_out, last_in;
    double   cpu_in_use, cpu_t, cpu_busy_window, cpu_busy_period, cap_period_t;
    double   serving_seconds, billed_task_seconds;
    double   capped_s;            /* window time the autoscaler wanted more than max_tasks */
    uint64_t requests, rejected, errors, timeouts, starts, stops;
    gauge    tasks_g, inflight_g;
    series   tasks_s, inflight_s;
    hist     latency_ms;
} fleet_state;

static void fleet_free_state(void *p)
{
    fleet_state *st = p;
    if (!st)
        return;
    for (uint32_t i = 0; i < st->n_tasks; i++)
        free(st->tasks[i].cpu);
    free(st->tasks);
    free(st->jobs);
    freelist_free(&st->free_jobs);
    deadline_free(&st->deadlines);
    series_free(&st->tasks_s);
    series_free(&st->inflight_s);
    free(st);
}

/* Processor time in use, integrated (for utilisation). */
static void cpu_account(fleet_state *st, double now)
{
    double dt = now - st->cpu_t;
    if (dt > 0) {
        st->cpu_busy_period += st->cpu_in_use * dt;
        double a = fmax(st->cpu_t, st->w->t_start), b = fmin(now, st->w->t_end);
        if (b > a)
            st->cpu_busy_window += st->cpu_in_use * (b - a);
    }
    st->cpu_t = now;
}

static double task_share(const fleet_state *st, const task *t)
{
    return t->n_cpu ? fmin(1.0, st->f->vcpu / (double)t->n_cpu) : 0;
}

static void task_advance(fleet_state *st, task *t, double now)
{
    t->v += (now - t->v_t) * task_share(st, t);
    t->v_t = now;
}

static void on_cpu_done(sim *s, void *target, uint64_t arg);

/* Re-times the task's next CPU completion (the job with the least work left). */
static void task_arm(fleet_state *st, uint32_t k, double now)
{
    task *t = &st->tasks[k];
    t->gen++;
    if (!t->n_cpu)
        return;
    double least = INFINITY;
    for (uint32_t i = 0; i < t->n_cpu; i++)
        least = fmin(least, st->jobs[t->cpu[i]].v_done);
    double dt = (least - t->v) / task_share(st, t);
    sim_at(st->w->s, now + (dt > 0 ? dt : 0), on_cpu_done, st, sim_gen_pack(t->gen, k));
}

static void set_cpu_in_use(fleet_state *st, task *t, int delta_jobs, double now)
{
    cpu_account(st, now);
    st->cpu_in_use -= fmin((double)t->n_cpu, st->f->vcpu);
    t->n_cpu = (uint32_t)((int)t->n_cpu + delta_jobs);
    st->cpu_in_use += fmin((double)t->n_cpu, st->f->vcpu);
}

static void job_free(fleet_state *st, uint32_t j)
{
    assert(j < freelist_capacity(&st->free_jobs) && st->jobs[j].live);
    deadline_remove(&st->deadlines, j);
    st->jobs[j].live = 0;
    freelist_give(&st->free_jobs, j);
}

static void task_stop(fleet_state *st, uint32_t k, double now);

static void job_done(fleet_state *st, uint32_t j)
{
    world *w = st->w;
    double now = sim_now(w->s);
    job *jb = &st->jobs[j];
    task *t = &st->tasks[jb->task];
    t->inflight--;
    gauge_add(&st->inflight_g, now, -1.0);
    uint32_t req = jb->req, k = jb->task;
    attempt_result result = (attempt_result)jb->result;
    if (req != NONE && world_measuring(w, jb->arrived)) {
        hist_add(&st->latency_ms, (now - jb->arrived) * 1000.0);
        if (result == RESULT_ERROR)
            st->errors++;
    }
    job_free(st, j);
    if (t->state == TASK_DRAINING && t->inflight == 0)
        task_stop(st, k, now);
    if (req != NONE)
        world_reply(w, req, result);
}

static void on_wait_done(sim *s, void *target, uint64_t arg)
{
    (void)s;
    job_done(target, (uint32_t)arg);
}

static void on_cpu_done(sim *s, void *target, uint64_t arg)
{
    fleet_state *st = target;
    uint32_t k = sim_payload_of(arg);
    task *t = &st->tasks[k];
    if (t->gen != sim_gen_of(arg))
        return;
    double now = sim_now(s);
    task_advance(st, t, now);
    /* This event was timed for the job with the least work left: it is done, whatever
     * rounding says (virtual time grows large over a long run); so is any job within a
     * rounding error of it. */
    double least = INFINITY;
    for (uint32_t i = 0; i < t->n_cpu; i++)
        least = fmin(least, st->jobs[t->cpu[i]].v_done);
    if (least > t->v)
        t->v = least;
    double eps = 1e-12 * fmax(1.0, fabs(t->v));
    for (uint32_t i = 0; i < t->n_cpu;) {
        uint32_t j = t->cpu[i];
        if (st->jobs[j].v_done > t->v + eps) {
            i++;
            continue;
        }
        t->cpu[i] = t->cpu[t->n_cpu - 1];
        set_cpu_in_use(st, t, -1, now);
        double wait = st->jobs[j].wait_s;
        if (wait > 0)
            sim_at(s, now + wait, on_wait_done, st, j);
        else
            sim_at(s, now, on_wait_done, st, j);
    }
    task_arm(st, k, now);
}

/* ---- tasks ---- */

/* A task's time inside the window, billed; `stopped`: its life ended at `until`, so the
 * one-minute minimum applies (a task still running at the end is not short-lived). */
static void task_account(fleet_state *st, const task *t, double until, bool stopped)
{
    double a = fmax(t->launched, st->w->t_start), b = fmin(until, st->w->t_end);
    double inside = b > a ? b - a : 0;
    double r = fmax(t->ready, st->w->t_start);
    if (b > r)
        st->serving_seconds += b - r;
    double life = until - t->launched;
    if (stopped && life < 60 && t->launched >= st->w->t_start && t->launched < st->w->t_end)
        inside += 60 - life;
    st->billed_task_seconds += inside;
}

static void on_task_ready(sim *s, void *target, uint64_t arg)
{
    fleet_state *st = target;
    task *t = &st->tasks[(uint32_t)arg];
    if (t->state != TASK_STARTING)
        return;
    t->state = TASK_RUNNING;
    t->v_t = sim_now(s);
    st->starting--;
    st->running++;
}

static void task_launch(fleet_state *st, double now, bool ready)
{
    uint32_t k = NONE;
    for (uint32_t i = 0; i < st->n_tasks; i++)
        if (st->tasks[i].state == TASK_FREE) {
            k = i;
            break;
        }
    if (k == NONE) {
        task *g = realloc(st->tasks, (st->n_tasks + 1) * sizeof *g);
        if (!g) {
            st->w->out_of_memory = 1;
            return;
        }
        st->tasks = g;
        k = st->n_tasks++;
        memset(&st->tasks[k], 0, sizeof st->tasks[k]);
    }
    task *t = &st->tasks[k];
    t->launched = now;
    t->ready = ready ? now : now + st->f->start_s;
    t->inflight = t->n_cpu = 0;
    t->v = 0;
    t->v_t = now;
    gauge_add(&st->tasks_g, now, 1.0);
    if (world_measuring(st->w, now))
        st->starts++;
    if (ready) {
        t->state = TASK_RUNNING;
        st->running++;
    } else {
        t->state = TASK_STARTING;
        st->starting++;
        sim_at(st->w->s, now + st->f->start_s, on_task_ready, st, k);
    }
}

static void task_stop(fleet_state *st, uint32_t k, double now)
{
    task *t = &st->tasks[k];
    task_account(st, t, now, true);
    t->state = TASK_FREE;
    gauge_add(&st->tasks_g, now, -1.0);
    if (world_measuring(st->w, now))
        st->stops++;
}

/* ---- autoscaling ---- */

static void on_evaluate(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    fleet_state *st = target;
    const fleet_spec *f = st->f;
    double now = sim_now(s);
    cpu_account(st, now);
    double capacity = (double)st->running * f->vcpu * (now - st->cap_period_t);
    double util = capacity > 0 ? st->cpu_busy_period / capacity : 0;
    double period_start = st->cap_period_t;
    st->cpu_busy_period = 0;
    st->cap_period_t = now;
    uint32_t current = st->running + st->starting;
    double need = ceil((double)st->running * util / f->target_cpu - 1e-9);
    /* The period just measured needed more tasks than the fleet may have: it was capped. */
    if (need > f->max_tasks) {
        double a = fmax(period_start, st->w->t_start), b = fmin(now, st->w->t_end);
        if (b > a)
            st->capped_s += b - a;
    }
    uint32_t desired = need < f->min_tasks ? f->min_tasks : need > f->max_tasks ? f->max_tasks : (uint32_t)need;
    if (desired > current && now - st->last_out >= f->out_cooldown_s) {
        for (uint32_t i = current; i < desired; i++)
            task_launch(st, now, false);
        st->last_out = now;
    } else if (desired < st->running && st->starting == 0 && now - st->last_in >= f->in_cooldown_s) {
        /* Drain the least busy running tasks. */
        for (uint32_t n = st->running - desired; n > 0; n--) {
            uint32_t best = NONE;
            for (uint32_t i = 0; i < st->n_tasks; i++)
                if (st->tasks[i].state == TASK_RUNNING &&
                    (best == NONE || st->tasks[i].inflight < st->tasks[best].inflight))
                    best = i;
            if (best == NONE)
                break;
            st->running--;
            st->tasks[best].state = TASK_DRAINING;
            if (st->tasks[best].inflight == 0)
                task_stop(st, best, now);
        }
        st->last_in = now;
    }
    sim_at(s, now + f->evaluation_s, on_evaluate, st, 0);
}

static void *fleet_start(const void *spec, world *w, int index)
{
    (void)index;
    const fleet_spec *f = spec;
    fleet_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->f = f;
    st->w = w;
    deadline_init(&st->deadlines);
    char name[300];
    snprintf(name, sizeof name, "%s.%s.duration", f->is_vm ? "vm" : "container", f->name);
    st->r_duration = sim_stream(w->s, name);
    snprintf(name, sizeof name, "%s.%s.error", f->is_vm ? "vm" : "container", f->name);
    st->r_error = sim_stream(w->s, name);
    if (!st->r_duration || !st->r_error ||
        series_init_window(&st->tasks_s, w->t_start, w->t_end, w->spec->interval_s) != 0 ||
        series_init_window(&st->inflight_s, w->t_start, w->t_end, w->spec->interval_s) != 0) {
        fleet_free_state(st);
        return NULL;
    }
    gauge_init(&st->tasks_g, &st->tasks_s, w->t_start);
    gauge_init(&st->inflight_g, &st->inflight_s, w->t_start);
    hist_init(&st->latency_ms);
    st->last_out = st->last_in = -INFINITY;
    for (uint32_t i = 0; i < f->count; i++)
        task_launch(st, 0, true);
    if (f->autoscaling)
        sim_at(w->s, f->evaluation_s, on_evaluate, st, 0);
    return st;
}

/* ---- requests ---- */

static void on_deadline(sim *s, void *target, uint64_t arg);

static void deadline_arm(fleet_state *st)
{
    double t = deadline_to_arm(&st->deadlines);
    if (t < INFINITY)
        sim_at(st->w->s, t, on_deadline, st, 0);
}

static void on_deadline(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    fleet_state *st = target;
    double now = sim_now(s);
    deadline_fired(&st->deadlines, now);
    uint32_t j;
    while (deadline_pop_due(&st->deadlines, now, &j)) {
        job *jb = &st->jobs[j];
        if (!jb->live || jb->req == NONE)
            continue;
        uint32_t req = jb->req;
        jb->req = NONE;            /* it runs on, using its task's processors */
        if (world_measuring(st->w, jb->arrived))
            st->timeouts++;
        world_reply(st->w, req, RESULT_TIMEOUT);
    }
    deadline_arm(st);
}

static void fleet_accept(void *state, world *w, uint32_t req)
{
    fleet_state *st = state;
    const fleet_spec *f = st->f;
    double now = sim_now(w->s);
    bool measuring = world_measuring(w, now);
    if (measuring)
        st->requests++;
    uint32_t k = NONE;
    for (uint32_t i = 0; i < st->n_tasks; i++) {
        const task *t = &st->tasks[i];
        if (t->state == TASK_RUNNING && t->inflight < f->concurrency &&
            (k == NONE || t->inflight < st->tasks[k].inflight))
            k = i;
    }
    if (k == NONE) {
        if (measuring)
            st->rejected++;
        world_reply(w, req, RESULT_THROTTLED);     /* 503: no capacity */
        return;
    }
    if (freelist_empty(&st->free_jobs)) {
        job *g = freelist_grow(&st->free_jobs, st->jobs, sizeof *g, 256, NONE);
        if (!g) {
            w->out_of_memory = 1;
            world_reply(w, req, RESULT_ERROR);
            return;
        }
        st->jobs = g;
    }
    uint32_t j = freelist_take(&st->free_jobs);
    job *jb = &st->jobs[j];
    double d_s = dist_sample(&f->duration_ms, st->r_duration) / 1000.0;
    *jb = (job){ .req = req, .task = k, .arrived = now, .live = 1,
                 .wait_s = d_s * (1.0 - f->cpu_bound_fraction) };
    jb->result = (uint8_t)(f->error_rate > 0 && rng_uniform(st->r_error) < f->error_rate
                           ? RESULT_ERROR : RESULT_OK);
    task *t = &st->tasks[k];
    t->inflight++;
    gauge_add(&st->inflight_g, now, 1.0);
    double deadline = w->req[req].deadline;
    if (deadline < INFINITY) {
        if (deadline_push(&st->deadlines, j, deadline > now ? deadline : now) != 0) {
            w->out_of_memory = 1;
            return;
        }
        deadline_arm(st);
    }
    task_advance(st, t, now);
    jb->v_done = t->v + d_s * f->cpu_bound_fraction;
    if (t->n_cpu == t->cap_cpu) {
        uint32_t cap = t->cap_cpu ? 2 * t->cap_cpu : 16;
        uint32_t *g = realloc(t->cpu, cap * sizeof *g);
        if (!g) {
            w->out_of_memory = 1;
            return;
        }
        t->cpu = g;
        t->cap_cpu = cap;
    }
    t->cpu[t->n_cpu] = j;
    set_cpu_in_use(st, t, +1, now);
    task_arm(st, k, now);
}

static void fleet_finish(void *state, world *w)
{
    fleet_state *st = state;
    cpu_account(st, w->t_end);
    for (uint32_t i = 0; i < st->n_tasks; i++)
        if (st->tasks[i].state != TASK_FREE)
            task_account(st, &st->tasks[i], w->t_end, false);
    gauge_close(&st->tasks_g, w->t_end);
    gauge_close(&st->inflight_g, w->t_end);
}

static void fleet_report(const void *spec, const void *state, metric_sink *m)
{
    const fleet_spec *f = spec;
    const fleet_state *st = state;
    fleet_state zero = { 0 };
    if (!st)
        st = &zero;
    double window = st->w ? st->w->spec->duration_s : 1.0;
    bool any = st->latency_ms.count > 0;
    double tasks_mean = st->tasks_s.total / window;
    metric_emit(m, "requests", (double)st->requests);
    metric_emit(m, "rejected", (double)st->rejected);
    metric_emit(m, "errors", (double)st->errors);
    metric_emit(m, "timeouts", (double)st->timeouts);
    metric_emit(m, "mean_tasks", tasks_mean);
    metric_emit(m, "max_tasks", st->tasks_g.max);
    metric_emit(m, "starts", (double)st->starts);
    metric_emit(m, "stops", (double)st->stops);
    /* Of the processors of serving tasks (starting tasks cannot be busy). */
    metric_emit(m, "cpu_utilization", st->serving_seconds > 0 ? st->cpu_busy_window / (st->serving_seconds * f->vcpu) : 0);
    metric_emit(m, "mean_inflight", st->inflight_s.total / window);
    metric_emit(m, "task_hours", st->billed_task_seconds / 3600.0);
    metric_emit(m, "capped_share", st->capped_s / window);
    metric_emit(m, "latency_ms_mean", any ? hist_mean(&st->latency_ms) : NAN);
    metric_emit(m, "latency_ms_p50", any ? hist_quantile(&st->latency_ms, 0.5) : NAN);
    metric_emit(m, "latency_ms_p99", any ? hist_quantile(&st->latency_ms, 0.99) : NAN);
}

static void fleet_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    const fleet_spec *f = spec;
    const fleet_state *st = state;
    double hours = st->billed_task_seconds / 3600.0;
    char dim[PRICE_NAME_MAX + 32];
    if (f->is_vm) {
        snprintf(dim, sizeof dim, "vm.instance_hours.%s", f->instance_type);
        usage_add(u, index, dim, hours);
    } else {
        snprintf(dim, sizeof dim, "containers.vcpu_hours.%s", arch_names[f->arch]);
        usage_add(u, index, dim, hours * f->vcpu);
        snprintf(dim, sizeof dim, "containers.gb_hours.%s", arch_names[f->arch]);
        usage_add(u, index, dim, hours * f->memory_gb);
    }
    if (f->log_kb > 0)
        usage_add(u, index, "logs.standard_ingestion_gb", (double)st->requests * f->log_kb / 1048576.0);
    if (f->load_balancer) {
        double window_h = w->spec->duration_s / 3600.0;
        usage_add(u, index, "load_balancer.hours", window_h);
        /* Capacity units: the largest of new connections (25 a second each) and processed
         * bytes (1 GB an hour each), from the window's averages; rule evaluations stay in
         * the 10 free ones. */
        double rps = (double)st->requests / w->spec->duration_s;
        double new_conn = rps * f->new_connection_share / 25.0;
        double gb_per_h = rps * 3600.0 * (f->request_kb + f->response_kb) / 1e6;
        usage_add(u, index, "load_balancer.lcu_hours", fmax(new_conn, gb_per_h) * window_h);
    }
}

const component_kind container_kind = {
    .name = "container",
    .plural = "containers",
    .parse = container_parse,
    .free_spec = fleet_free_spec,
    .start = fleet_start,
    .accept = fleet_accept,
    .finish = fleet_finish,
    .report = fleet_report,
    .meter = fleet_meter,
    .bills = "containers",
    .free_state = fleet_free_state,
};

const component_kind vm_kind = {
    .name = "vm",
    .plural = "vms",
    .parse = vm_parse,
    .free_spec = fleet_free_spec,
    .start = fleet_start,
    .accept = fleet_accept,
    .finish = fleet_finish,
    .report = fleet_report,
    .meter = fleet_meter,
    .bills = "vm",
    .free_state = fleet_free_state,
};
