/* engine.c — the event loop of one replication.
 *
 * Owns the clock, the pending event set and the named RNG streams. Invariant: the clock
 * never goes backwards; an event scheduled in the past is clamped to now, so the pending
 * event set hands events out in (time, push order), which sim_step asserts of each (a heap
 * out of order shows there, at no cost in a build without asserts). The watchdog costs
 * one compare per event (sim_step notes when the clock moves) and one subtraction every
 * 65,536 events (sim_run_until compares the events since then with the limit). */
#include "sim/engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"
#include "sim/strmap.h"

typedef struct stream {
    char    *name;
    gsl_rng *rng;
} stream;

struct sim {
    pes      *events;
    double    now;
    uint64_t  next_seq;
    uint64_t  events_run;
    uint64_t  advanced_at;    /* events_run when the clock last moved forward */
    uint64_t  stall_limit;    /* events at one instant that stop the run (UINT64_MAX: never) */
    int       stalled;
    sim_stall stall;
    sim_progress_fn progress;  /* every 65,536 events, or NULL */
    void     *progress_ctx;
    uint64_t  seed;
    uint32_t  replication;
    int       failed;
#ifndef NDEBUG
    double    last_time;      /* the event run last: its time and sequence number */
    uint64_t  last_seq;
#endif
    stream   *streams;
    size_t    n_streams, cap_streams;
    strmap    index;          /* stream name's hash -> position in streams */
};

sim *sim_new(uint64_t seed, uint32_t replication)
{
    sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->events = pes_new(1024);
    if (!s->events) {
        free(s);
        return NULL;
    }
    s->seed = seed;
    s->replication = replication;
    s->stall_limit = SIM_STALL_EVENTS;
    return s;
}

void sim_free(sim *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_streams; i++) {
        free(s->streams[i].name);
        rng_stream_free(s->streams[i].rng);
    }
    free(s->streams);
    strmap_free(&s->index);
    pes_free(s->events);
    free(s);
}

double   sim_now(const sim *s) { return s->now; }
uint64_t sim_events_run(const sim *s) { return s->events_run; }
size_t   sim_pending(const sim *s) { return pes_size(s->events); }
int      sim_failed(const sim *s) { return s->failed; }

int sim_at(sim *s, double t, sim_handler handler, void *target, uint64_t arg)
{
    return sim_at_hint(s, t, handler, target, arg, NULL);
}

int sim_at_hint(sim *s, double t, sim_handler handler, void *target, uint64_t arg, const void *hint)
{
    assert(t == t && "event time is NaN");
    pes_event e = { t < s->now ? s->now : t, s->next_seq++, handler, target, arg, hint };
    if (pes_push(s->events, &e) != 0) {
        s->failed = 1;
        return -1;
    }
    return 0;
}

int sim_step(sim *s)
{
    pes_event e;
    if (pes_pop(s->events, &e) != 0)
        return 0;
#ifndef NDEBUG
    /* Events leave in order: later than the last, or at its time and pushed after it. */
    assert((s->events_run == 0 || e.time > s->last_time ||
            (e.time == s->last_time && e.seq > s->last_seq)) &&
           "the pending event set handed out an event out of order");
    s->last_time = e.time;
    s->last_seq = e.seq;
#endif
    if (e.time > s->now)
        s->advanced_at = s->events_run;
    s->now = e.time;
    s->events_run++;
    e.handler(s, e.target, e.arg);
    return 1;
}

void sim_on_progress(sim *s, sim_progress_fn fn, void *ctx)
{
    s->progress = fn;
    s->progress_ctx = ctx;
}

void sim_set_stall_limit(sim *s, uint64_t events)
{
    s->stall_limit = events ? events : UINT64_MAX;
}

int sim_stalled(const sim *s, sim_stall *out)
{
    if (s->stalled && out)
        *out = s->stall;
    return s->stalled;
}

/* The run stops: the next event (left in the set, not run) says whose loop it is. It peeks
 * rather than pops: pes_pop keeps one caller, so the compiler still inlines it into the
 * event loop (a second caller made the loop 3% slower). */
static void stall(sim *s)
{
    pes_event e;
    s->stalled = 1;
    s->stall = (sim_stall){ .time = s->now, .events = s->events_run - s->advanced_at };
    if (pes_peek(s->events, &e) == 0) {
        s->stall.handler = e.handler;
        s->stall.target = e.target;
        s->stall.arg = e.arg;
    }
}

void sim_run_until(sim *s, double t_end)
{
    while (!s->failed && pes_size(s->events) && pes_min_time(s->events) < t_end) {
        sim_step(s);
        if ((s->events_run & 0xFFFF) == 0) {
            if (s->progress)
                s->progress(s->progress_ctx, s->now);
            if (s->events_run - s->advanced_at >= s->stall_limit) {
                stall(s);
                return;
            }
        }
    }
    if (s->now < t_end)
        s->now = t_end;
}

gsl_rng *sim_stream(sim *s, const char *name)
{
    uint64_t h = rng_name_hash(name);
    size_t pos = 0;
    for (int64_t i; (i = strmap_next(&s->index, h, &pos)) >= 0;)
        if (strcmp(s->streams[i].name, name) == 0)
            return s->streams[i].rng;
    if (s->n_streams == s->cap_streams) {
        size_t cap = s->cap_streams ? 2 * s->cap_streams : 8;
        stream *grown = realloc(s->streams, cap * sizeof *grown);
        if (!grown)
            return NULL;
        s->streams = grown;
        s->cap_streams = cap;
    }
    char *copy = strdup(name);
    gsl_rng *r = rng_stream_alloc(s->seed, s->replication, name);
    if (!copy || !r) {
        free(copy);
        rng_stream_free(r);
        return NULL;
    }
    if (strmap_add(&s->index, h, (uint32_t)s->n_streams) != 0) {
        free(copy);
        rng_stream_free(r);
        return NULL;
    }
    s->streams[s->n_streams++] = (stream){ copy, r };
    return r;
}
