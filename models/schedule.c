/* schedule.c — scheduled triggers: every N seconds, or at fixed minutes of chosen hours, on
 * the provider's service: EventBridge Scheduler (each fire optionally delayed by a uniform
 * jitter, its flexible time window; billed per invocation), the Azure Functions timer
 * trigger (no charge of its own), Google Cloud Scheduler (billed per job a month) or
 * Cloudflare Cron Triggers (free). The last two read cron expressions, whose granularity is
 * a minute: a rate must be a whole number of minutes there.
 *
 * A fire invokes its target: a function synchronously (the schedule waits for the run, so
 * it knows when a run outlasts its period: with overlap "skip" the next fire is skipped
 * while a run is in progress), or any component that takes messages asynchronously (a
 * queue, a topic). Runs are not requests of a traffic source: they are counted under
 * schedules.<name>. Clock time: t = 0 is midnight plus start_hour hours. */
#include "models/schedule.h"
#include "sim/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum schedule_service { SCHEDULE_EVENTBRIDGE, SCHEDULE_TIMER, SCHEDULE_CLOUD_SCHEDULER,
                                SCHEDULE_CRON } schedule_service;
static const char *const schedule_services[] = { "eventbridge-scheduler", "timer-trigger", "cloud-scheduler",
                                                 "cron-triggers", NULL };

typedef struct schedule_spec {
    char    *name;
    schedule_service service;
    char    *target_name;
    int      target;
    bool     sync;              /* the target is invoked and waited for */
    double   every_s;           /* > 0: rate schedule */
    bool     minute[60], hour[24];
    double   start_hour, jitter_s, start_s, size_kb;
    bool     skip_overlap;
} schedule_spec;

static void schedule_free_spec(void *p)
{
    schedule_spec *s = p;
    if (!s)
        return;
    free(s->name);
    free(s->target_name);
    free(s);
}

/* Reads an array of integers in [0, max) into flags; absent: all true. */
static void read_set(cfg_node *n, const char *key, bool *flags, int max)
{
    const cJSON *a = cfg_raw(n, key);
    if (!a) {
        for (int i = 0; i < max; i++)
            flags[i] = true;
        cfg_put(n, key, cJSON_CreateNull());
        return;
    }
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0) {
        cfg_fail(n, key, "expected a non-empty array of integers from 0 to %d", max - 1);
        return;
    }
    int i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble) || e->valuedouble < 0 ||
            e->valuedouble >= max) {
            char k[48];
            snprintf(k, sizeof k, "%s[%d]", key, i);
            cfg_fail(n, k, "expected an integer from 0 to %d", max - 1);
            return;
        }
        flags[(int)e->valuedouble] = true;
    }
    cfg_put(n, key, cJSON_Duplicate(a, 1));
}

static void *schedule_parse(cfg_node *n, world_spec *w)
{
    schedule_spec *s = calloc(1, sizeof *s);
    if (!s) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    s->name = strdup(cfg_string_req(n, "name"));
    int service = world_service(n, w, "schedule", schedule_services, SCHEDULE_EVENTBRIDGE);
    s->service = service >= 0 ? (schedule_service)service : SCHEDULE_EVENTBRIDGE;
    if (!cfg_failed(n) && s->service != SCHEDULE_EVENTBRIDGE && cfg_has(n, "jitter_s"))
        cfg_fail(n, "jitter_s", "is EventBridge Scheduler's flexible time window (service \"eventbridge-scheduler\", "
                 "platform.provider \"aws\"); this schedule's service is \"%s\"", schedule_services[s->service]);
    s->target_name = strdup(cfg_string_req(n, "target"));
    s->target = -1;
    bool rate = cfg_has(n, "every_s"), cron = cfg_has(n, "at_minutes");
    if (!cfg_failed(n) && rate == cron)
        cfg_fail(n, "every_s", "give either every_s (a rate) or at_minutes (with optional at_hours)");
    if (rate) {
        s->every_s = cfg_number(n, "every_s", 60, 1, 366 * 86400.0);
        /* Cron Triggers and Cloud Scheduler take five-field cron expressions: no seconds
         * (developers.cloudflare.com, "Cron Triggers"; Cloud Scheduler's unix-cron format). */
        bool cron_only = s->service == SCHEDULE_CRON || s->service == SCHEDULE_CLOUD_SCHEDULER;
        if (!cfg_failed(n) && cron_only && (s->every_s < 60 || fmod(s->every_s, 60) != 0))
            cfg_fail(n, "every_s", "%g s is not a whole number of minutes, the granularity of \"%s\" "
                     "(cron expressions): give 60, 120, ...", s->every_s, schedule_services[s->service]);
    } else {
        read_set(n, "at_minutes", s->minute, 60);
        read_set(n, "at_hours", s->hour, 24);
    }
    s->start_hour = cfg_number(n, "start_hour", 0, 0, 24);
    s->jitter_s = cfg_number(n, "jitter_s", 0, 0, 86400);
    s->start_s = cfg_number(n, "start_s", 0, 0, 1e9);
    s->size_kb = cfg_number(n, "size_kb", 1, 0.001, 262144);
    static const char *const overlap[] = { "allow", "skip", NULL };
    s->skip_overlap = cfg_enum(n, "overlap", overlap, 0) == 1;
    cfg_know(n, "kind");
    cfg_done(n);
    if (cfg_failed(n)) {
        schedule_free_spec(s);
        return NULL;
    }
    return s;
}

static int schedule_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    schedule_spec *s = p;
    s->target = world_spec_component(w, s->target_name);
    const component_kind *k = s->target >= 0 ? w->components[s->target].kind : NULL;
    if (!k || (!k->accept && !k->enqueue)) {
        cfg_node n;
        cfg_root(&n, ctx, NULL, NULL);
        snprintf(n.path, sizeof n.path, "%s", path);
        cfg_fail(&n, "target", "\"%s\" is not a component a schedule can trigger", s->target_name);
        return -1;
    }
    s->sync = k->accept != NULL;
    return 0;
}

typedef struct schedule_state {
    const schedule_spec *s;
    world   *w;
    int      index;
    gsl_rng *r;
    uint32_t running;
    uint64_t fires, runs, skipped, succeeded, failed;
    hist     run_ms;
} schedule_state;

/* The first tick at or after t (strictly after it when after is set; INFINITY when none). */
static double next_tick(const schedule_spec *s, double t, bool after)
{
    if (s->every_s > 0) {
        if (t < s->start_s || (!after && t == s->start_s))
            return s->start_s;
        double k = floor((t - s->start_s) / s->every_s);
        double at = s->start_s + k * s->every_s;
        while (at < t || (after && at <= t))     /* at most two steps: k is the floor */
            at = s->start_s + (++k) * s->every_s;
        return at;
    }
    double offset = s->start_hour * 3600.0;            /* clock = t + offset */
    double minute = ceil((t + offset) / 60.0);          /* whole clock minutes */
    if (after && minute * 60.0 - offset <= t)
        minute += 1;
    for (int k = 0; k < 24 * 60 + 1; k++, minute += 1) {
        long m = (long)minute;
        if (s->minute[m % 60] && s->hour[(m / 60) % 24]) {
            double at = minute * 60.0 - offset;
            return at >= s->start_s ? at : next_tick(s, s->start_s, false);
        }
    }
    return INFINITY;
}

static void on_tick(sim *sm, void *target, uint64_t arg);

static void schedule_next(schedule_state *st, double from, bool after)
{
    double t = next_tick(st->s, from, after);
    if (t < st->w->t_end)
        sim_at(st->w->s, t, on_tick, st, 0);
}

static void on_fire(sim *sm, void *target, uint64_t arg)
{
    (void)arg;
    schedule_state *st = target;
    world *w = st->w;
    bool measuring = world_measuring(w, sim_now(sm));
    if (st->s->sync && st->s->skip_overlap && st->running > 0) {
        if (measuring)
            st->skipped++;
        return;
    }
    uint32_t req = world_request_new(w);
    if (req == UINT32_MAX)
        return;
    request *r = &w->req[req];
    r->created = sim_now(sm);
    r->measured = 0;
    r->size_kb = (float)st->s->size_kb;
    r->deadline = INFINITY;
    if (measuring)
        st->runs++;
    if (st->s->sync) {
        r->caller = st->index;
        r->tag = measuring;
        st->running++;
        world_deliver(w, st->s->target, req);
    } else {
        world_enqueue(w, st->s->target, req);
    }
}

static void on_tick(sim *sm, void *target, uint64_t arg)
{
    (void)arg;
    schedule_state *st = target;
    double now = sim_now(sm);
    if (world_measuring(st->w, now))
        st->fires++;
    double delay = st->s->jitter_s > 0 ? st->s->jitter_s * rng_uniform(st->r) : 0;
    if (delay > 0)
        sim_at(sm, now + delay, on_fire, st, 0);
    else
        on_fire(sm, st, 0);
    schedule_next(st, now, true);
}

static void *schedule_start(const void *spec, world *w, int index)
{
    const schedule_spec *s = spec;
    schedule_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    char name[300];
    snprintf(name, sizeof name, "schedule.%s.jitter", s->name);
    st->s = s;
    st->w = w;
    st->index = index;
    st->r = sim_stream(w->s, name);
    hist_init(&st->run_ms);
    if (!st->r) {
        free(st);
        return NULL;
    }
    schedule_next(st, 0, false);
    return st;
}

static void schedule_reply(void *state, world *w, uint32_t req, attempt_result result)
{
    schedule_state *st = state;
    request *r = &w->req[req];
    st->running--;
    if (r->tag) {                       /* fired inside the window */
        if (result == RESULT_OK)
            st->succeeded++;
        else
            st->failed++;
        hist_add(&st->run_ms, (sim_now(w->s) - r->created) * 1000.0);
    }
    world_request_free(w, req);
}

static void schedule_finish(void *state, world *w)
{
    (void)state;
    (void)w;
}

static void schedule_report(const void *spec, const void *state, metric_sink *m)
{
    (void)spec;
    const schedule_state *st = state;
    schedule_state zero = { 0 };
    if (!st) {
        st = &zero;
    }
    bool any = st->run_ms.count > 0;
    metric_emit(m, "fires", (double)st->fires);
    metric_emit(m, "runs", (double)st->runs);
    metric_emit(m, "skipped", (double)st->skipped);
    metric_emit(m, "succeeded", (double)st->succeeded);
    metric_emit(m, "failed", (double)st->failed);
    metric_emit(m, "run_ms_mean", any ? hist_mean(&st->run_ms) : NAN);
    metric_emit(m, "run_ms_max", any ? st->run_ms.max : NAN);
}

static void schedule_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    const schedule_spec *s = spec;
    const schedule_state *st = state;
    double fires = (double)st->runs + (double)st->skipped;
    switch (s->service) {
    case SCHEDULE_EVENTBRIDGE:   /* every fire is an invocation */
        usage_add(u, index, "schedule.invocations", fires);
        break;
    case SCHEDULE_TIMER:         /* priced at 0: the function's executions are the bill */
        usage_add(u, index, "schedule.timer_fires", fires);
        break;
    case SCHEDULE_CLOUD_SCHEDULER: {
        /* One job for the window: the month's quantity (window x month / window) is 1. */
        double window_s = w->t_end - w->t_start;
        usage_add(u, index, "schedule.jobs", window_s / (w->spec->prices.month_hours * 3600.0));
        break;
    }
    case SCHEDULE_CRON:
        usage_add(u, index, "schedule.cron_fires", fires);
        break;
    }
}

static void schedule_free_state(void *p) { free(p); }

/* A target that takes calls is called, and the schedule waits for the run to end. */
static bool schedule_calls(const void *spec, const char *path, size_t i, component_edge *e)
{
    const schedule_spec *s = spec;
    if (i > 0 || !s->sync || s->target < 0)
        return false;
    e->target = s->target;
    snprintf(e->path, sizeof e->path, "%s.target", path);
    return true;
}

/* A fire hands a message over to a target that takes no call. */
static bool schedule_sends(const void *spec, const char *path, size_t i, component_edge *e)
{
    const schedule_spec *s = spec;
    if (i > 0 || s->sync || s->target < 0)
        return false;
    e->target = s->target;
    snprintf(e->path, sizeof e->path, "%s.target", path);
    return true;
}

const component_kind schedule_kind = {
    .name = "schedule",
    .plural = "schedules",
    .parse = schedule_parse,
    .free_spec = schedule_free_spec,
    .link = schedule_link,
    .calls = schedule_calls,
    .sends = schedule_sends,
    .start = schedule_start,
    .accept = NULL,
    .enqueue = NULL,
    .reply = schedule_reply,
    .finish = schedule_finish,
    .report = schedule_report,
    .meter = schedule_meter,
    .bills = "schedule",
    .free_state = schedule_free_state,
};
