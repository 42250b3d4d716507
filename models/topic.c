/* topic.c — fan-out of messages: publish/subscribe topics (Amazon SNS standard) and event
 * buses (Amazon EventBridge). The two kinds share this file because they route the same
 * way and differ only in names and in what they bill.
 *
 * A message published to a topic (put on a bus) is copied to every subscriber (rule target)
 * whose filter matches it (filter_match / match: the share of messages it matches, drawn per
 * message and subscriber). Targets are components that take messages: a queue receives the
 * copy, a function is invoked asynchronously (its own retries and on_failure apply). The
 * published request ends there, completed: its copies are messages, counted by their
 * receivers. Deliveries to queues and functions cannot fail here, so subscription
 * dead-letter queues (which catch failed deliveries to unavailable endpoints) and bus
 * archives and replay are not modelled. */
#include "models/topic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/retry.h"

typedef struct subscription {
    char        *target_name;
    int          target;
    double       filter_match;
    /* an HTTP endpoint (a service or pool): deliveries that fail are retried */
    bool         http;
    retry_policy retry;
    double       max_age_s;
    char        *dead_letter_name;
    int          dead_letter;
} subscription;

/* What differs between a topic and a bus. */
typedef struct flavour {
    const char *targets_key, *match_key;      /* "subscribers"/"filter_match", "rules"/"match" */
    const char *published, *delivered, *unmatched;   /* figure names */
} flavour;

static const flavour topic_flavour = { "subscribers", "filter_match", "published", "deliveries", "filtered_out" };
static const flavour bus_flavour = { "rules", "match", "events", "deliveries", "unmatched" };

typedef struct topic_spec {
    const flavour *fl;
    bool           is_bus;
    char          *name;
    size_t         n;
    subscription  *subs;
} topic_spec;

static void topic_free_spec(void *p)
{
    topic_spec *t = p;
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->subs[i].target_name);
        free(t->subs[i].dead_letter_name);
    }
    free(t->subs);
    free(t->name);
    free(t);
}

static void *fanout_parse(cfg_node *n, const flavour *fl, bool is_bus)
{
    topic_spec *t = calloc(1, sizeof *t);
    if (!t) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    t->fl = fl;
    t->is_bus = is_bus;
    t->name = strdup(cfg_string_req(n, "name"));
    size_t count = cfg_array_len(n, fl->targets_key);
    if (!cfg_failed(n) && (count == 0 || count > 1000))
        cfg_fail(n, fl->targets_key, "expected 1 to 1000 targets, got %zu", count);
    if (!cfg_failed(n)) {
        t->subs = calloc(count, sizeof *t->subs);
        if (!t->subs)
            cfg_fail(n, fl->targets_key, "out of memory");
    }
    for (size_t i = 0; i < count && t->subs && !cfg_failed(n); i++) {
        cfg_node s;
        cfg_array_object(n, fl->targets_key, i, &s);
        t->n = i + 1;
        t->subs[i].target_name = strdup(cfg_string_req(&s, "target"));
        t->subs[i].filter_match = cfg_number(&s, fl->match_key, 1, 0, 1);
        t->subs[i].target = -1;
        t->subs[i].dead_letter = -1;
        /* Deliveries to HTTP endpoints (services, pools). SNS's default HTTP/S delivery
         * policy: 3 retries, 20 s apart. EventBridge: up to 185 attempts over 24 h with
         * exponential backoff and jitter. */
        static const retry_policy sns_http = { .max_attempts = 4, .base_ms = 20000, .cap_ms = 20000,
                                               .jitter = JITTER_NONE };
        static const retry_policy eb_http = { .max_attempts = 185, .base_ms = 1000, .cap_ms = 480000,
                                              .jitter = JITTER_FULL };
        retry_parse(&s, "retry", is_bus ? &eb_http : &sns_http, &t->subs[i].retry);
        t->subs[i].max_age_s = cfg_number(&s, "max_event_age_s", is_bus ? 86400 : 3600, 1, 86400);
        const char *dl = cfg_string(&s, "dead_letter", NULL);
        t->subs[i].dead_letter_name = dl ? strdup(dl) : NULL;
        cfg_done(&s);
    }
    cfg_know(n, "kind");
    cfg_done(n);
    if (cfg_failed(n)) {
        topic_free_spec(t);
        return NULL;
    }
    return t;
}

static void *topic_parse(cfg_node *n, world_spec *w)
{
    (void)w;
    return fanout_parse(n, &topic_flavour, false);
}

static void *bus_parse(cfg_node *n, world_spec *w)
{
    (void)w;
    return fanout_parse(n, &bus_flavour, true);
}

static int topic_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    topic_spec *t = p;
    for (size_t i = 0; i < t->n; i++) {
        subscription *sub = &t->subs[i];
        int k = world_spec_component(w, sub->target_name);
        cfg_node c;
        cfg_root(&c, ctx, NULL, NULL);
        snprintf(c.path, sizeof c.path, "%s.%s[%zu]", path, t->fl->targets_key, i);
        if (k < 0 || w->components[k].spec == p ||
            (!w->components[k].kind->enqueue && !w->components[k].kind->accept)) {
            cfg_fail(&c, "target", "\"%s\" is not another component that takes messages or calls",
                     sub->target_name);
            return -1;
        }
        sub->target = k;
        sub->http = !w->components[k].kind->enqueue;
        if (sub->dead_letter_name) {
            int d = world_spec_component(w, sub->dead_letter_name);
            if (d < 0 || !w->components[d].kind->enqueue || w->components[d].spec == p) {
                cfg_fail(&c, "dead_letter", "\"%s\" is not another component that takes messages "
                         "(use a queue)", sub->dead_letter_name);
                return -1;
            }
            sub->dead_letter = d;
        }
    }
    return 0;
}

typedef struct topic_state {
    const topic_spec *t;
    world    *w;
    int       index;
    gsl_rng  *r, *r_retry;
    uint64_t  published, deliveries, filtered_out, publish_requests;
    uint64_t  http_attempts, http_failures, http_retries, http_dead_lettered, http_dropped;
} topic_state;

static void *topic_start(const void *spec, world *w, int index)
{
    const topic_spec *t = spec;
    topic_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    char name[300];
    snprintf(name, sizeof name, "%s.%s.filter", t->is_bus ? "bus" : "topic", t->name);
    st->t = t;
    st->w = w;
    st->index = index;
    st->r = sim_stream(w->s, name);
    snprintf(name, sizeof name, "%s.%s.retry", t->is_bus ? "bus" : "topic", t->name);
    st->r_retry = sim_stream(w->s, name);
    if (!st->r || !st->r_retry) {
        free(st);
        return NULL;
    }
    return st;
}

/* SNS waits 15 s for an HTTP endpoint's answer (EventBridge API destinations: 5 s). */
static void http_deliver(topic_state *st, world *w, uint32_t copy)
{
    request *c = &w->req[copy];
    c->deadline = sim_now(w->s) + (st->t->is_bus ? 5.0 : 15.0);
    if (world_measuring(w, sim_now(w->s)))
        st->http_attempts++;
    world_deliver(w, st->t->subs[c->tag].target, copy);
}

static void on_http_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    topic_state *st = target;
    http_deliver(st, st->w, (uint32_t)arg);
}

/* The answer of an HTTP subscriber to one delivery attempt. */
static void topic_reply(void *state, world *w, uint32_t req, attempt_result result)
{
    topic_state *st = state;
    request *r = &w->req[req];
    const subscription *s = &st->t->subs[r->tag];
    double now = sim_now(w->s);
    bool measuring = world_measuring(w, now);
    if (result == RESULT_OK) {
        world_finish(w, req, OUTCOME_COMPLETED);
        return;
    }
    if (measuring)
        st->http_failures++;
    if (retry_again(&s->retry, result, r->attempt)) {
        double delay = retry_backoff_ms(&s->retry, r->attempt, &r->backoff_prev_ms, st->r_retry) / 1000.0;
        if (now + delay - r->entered <= s->max_age_s) {
            r->attempt++;
            if (measuring)
                st->http_retries++;
            sim_at(w->s, now + delay, on_http_retry, st, req);
            return;
        }
    }
    if (s->dead_letter >= 0) {
        if (measuring)
            st->http_dead_lettered++;
        world_dead_letter(w, req, s->dead_letter);   /* its unit of work ends lost there */
        return;
    }
    if (measuring)
        st->http_dropped++;
    world_finish(w, req, OUTCOME_DROPPED);
}

static void topic_enqueue(void *state, world *w, uint32_t req)
{
    topic_state *st = state;
    double now = sim_now(w->s);
    bool measuring = world_measuring(w, now);
    const request original = w->req[req];   /* the pool may move as copies are made */
    if (measuring) {
        st->published++;
        /* Each 64 KB of a publish is billed as one request. */
        st->publish_requests += (uint64_t)ceil(original.size_kb / 64 - 1e-9);
    }
    int copies = 0;
    for (size_t i = 0; i < st->t->n; i++) {
        const subscription *s = &st->t->subs[i];
        if (s->filter_match < 1 && gsl_rng_uniform(st->r) >= s->filter_match) {
            if (measuring)
                st->filtered_out++;
            continue;
        }
        uint32_t copy = world_request_new(w);
        if (copy == UINT32_MAX)
            break;
        request *c = &w->req[copy];
        c->created = original.created;      /* the pipeline's clock keeps running */
        c->traced = original.measured || original.traced;
        c->source = original.source;
        c->size_kb = original.size_kb;
        c->poison = original.poison;
        c->measured = 0;
        world_work_begin(w, copy, original.work == WORK_UNIT);
        if (measuring)
            st->deliveries++;
        copies++;
        if (s->http) {
            c->caller = st->index;
            c->tag = (uint32_t)i;
            c->attempt = 1;
            c->entered = now;
            c->backoff_prev_ms = s->retry.base_ms;
            http_deliver(st, w, copy);
        } else {
            world_enqueue(w, s->target, copy);
        }
    }
    w->req[req].forwarded = copies > 0;
    world_finish(w, req, OUTCOME_COMPLETED);
}

static void topic_finish(void *state, world *w)
{
    (void)state;
    (void)w;
}

static void topic_report(const void *spec, const void *state, metric_sink *m)
{
    const flavour *fl = ((const topic_spec *)spec)->fl;
    const topic_state *st = state;
    topic_state zero = { 0 };
    if (!st)
        st = &zero;
    metric_emit(m, fl->published, (double)st->published);
    metric_emit(m, fl->delivered, (double)st->deliveries);
    metric_emit(m, fl->unmatched, (double)st->filtered_out);
    metric_emit(m, "http_attempts", (double)st->http_attempts);
    metric_emit(m, "http_failures", (double)st->http_failures);
    metric_emit(m, "http_retries", (double)st->http_retries);
    metric_emit(m, "dead_lettered", (double)st->http_dead_lettered);
    metric_emit(m, "dropped", (double)st->http_dropped);
}

static void topic_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    (void)w;
    const topic_state *st = state;
    if (((const topic_spec *)spec)->is_bus) {
        usage_add(u, index, "bus.events", (double)st->publish_requests);
        return;
    }
    usage_add(u, index, "topic.publishes", (double)st->publish_requests);
    usage_add(u, index, "topic.http_deliveries", (double)st->http_attempts);
}

static void topic_free_state(void *p) { free(p); }

/* Every subscriber gets its copy in the same instant. */
static bool topic_fanout(const void *spec, const char *path, size_t i, component_edge *e)
{
    const topic_spec *t = spec;
    if (i >= t->n)
        return false;
    e->target = t->subs[i].target;
    snprintf(e->path, sizeof e->path, "%s.%s[%zu].target", path, t->fl->targets_key, i);
    return true;
}

/* HTTP subscribers (services, pools) are called: the topic waits for their answers. */
static bool topic_calls(const void *spec, const char *path, size_t i, component_edge *e)
{
    const topic_spec *t = spec;
    for (size_t k = 0; k < t->n; k++)
        if (t->subs[k].http && i-- == 0) {
            e->target = t->subs[k].target;
            snprintf(e->path, sizeof e->path, "%s.%s[%zu].target", path, t->fl->targets_key, k);
            return true;
        }
    return false;
}

/* Deliveries a subscriber never took go to its dead-letter destination. */
static bool topic_sends(const void *spec, const char *path, size_t i, component_edge *e)
{
    const topic_spec *t = spec;
    for (size_t k = 0; k < t->n; k++)
        if (t->subs[k].dead_letter >= 0 && i-- == 0) {
            e->target = t->subs[k].dead_letter;
            e->failures = true;
            e->label = "dead letters";
            snprintf(e->path, sizeof e->path, "%s.%s[%zu].dead_letter", path, t->fl->targets_key, k);
            return true;
        }
    return false;
}

/* Topics and buses share every operation but parsing. */
#define FANOUT_KIND(kind_name, kind_plural, parse_fn)                                        \
    { .name = kind_name, .plural = kind_plural, .bills = kind_name, .parse = parse_fn,            \
      .free_spec = topic_free_spec,                                                          \
      .link = topic_link, .fanout = topic_fanout, .calls = topic_calls,                     \
      .sends = topic_sends,                                                                  \
      .start = topic_start,                                                                  \
      .enqueue = topic_enqueue, .reply = topic_reply, .finish = topic_finish,                \
      .report = topic_report, .meter = topic_meter, .free_state = topic_free_state }

const component_kind topic_kind = FANOUT_KIND("topic", "topics", topic_parse);
const component_kind bus_kind = FANOUT_KIND("bus", "buses", bus_parse);
