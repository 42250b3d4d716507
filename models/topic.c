/* topic.c — fan-out of messages: publish/subscribe topics and event buses, each on its
 * provider's service. The two kinds share this file because they route the same way and
 * differ in names, services and what they bill.
 *
 * A message published to a topic (put on a bus) is copied to every subscriber (rule target)
 * whose filter matches it (filter_match / match: the share of messages it matches, drawn per
 * message and subscriber). The published request ends there, completed: its copies are
 * messages, counted by their receivers. How a copy reaches its target is the service's:
 *   - Amazon SNS and EventBridge (service "sns", "eventbridge"): a queue receives the copy, a
 *     function is invoked asynchronously (the function's own async retries and on_failure
 *     apply); an HTTP endpoint (a service or pool) is called and retried by the topic.
 *   - Azure Event Grid ("event-grid", a topic or a bus's custom topic): push delivery. A
 *     function or service is called and the topic itself retries on Event Grid's schedule
 *     (10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, then hourly) until the subscription's
 *     max_delivery_attempts or its event TTL, then dead-letters the event to a Blob
 *     container (a bucket) 5 minutes later, or drops it.
 *   - Azure Service Bus topics ("service-bus"): a subscription is read like a Service Bus
 *     queue: a function gets each message with a peek-lock, a failure abandons it and it is
 *     redelivered at once, up to max_delivery_count, then dead-lettered (its subscription's
 *     dead-letter subqueue, or a queue named by dead_letter).
 *   - Google Pub/Sub push ("pubsub") and Eventarc ("eventarc", which delivers through a
 *     Pub/Sub push subscription): a function or service is pushed each message; a failure or
 *     an ack deadline's expiry is retried by Pub/Sub: exponential backoff between the
 *     subscription's minimum and maximum, or "immediate" redelivery (slowed by Pub/Sub's push
 *     backoff, modelled per message), until the message retention runs out (dropped) or,
 *     with a dead-letter topic, max_delivery_attempts (forwarded to that topic).
 * Deliveries to queues cannot fail here, so they are never retried; bus archives and replay
 * are not modelled. */
#include "models/topic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/retry.h"
#include "sim/rng.h"

/* The service a topic or bus runs on: how it delivers and what it bills. */
typedef enum topic_service { SERVICE_AWS, SERVICE_EVENT_GRID, SERVICE_SERVICE_BUS, SERVICE_PUBSUB } topic_service;

typedef struct subscription {
    char        *target_name;
    int          target;
    double       filter_match;
    /* pushed to (called), and retried by the topic: an HTTP endpoint (a service or pool) on
     * any service, a function on Event Grid, Service Bus and Pub/Sub */
    bool         http;
    retry_policy retry;             /* SNS/EventBridge HTTP deliveries */
    double       max_age_s;         /* SNS/EventBridge: max_event_age_s; Event Grid: its TTL;
                                       Pub/Sub: the message retention */
    uint32_t     max_attempts;      /* Event Grid, Service Bus, Pub/Sub with a dead-letter topic
                                       (0: no limit) */
    bool         exponential;       /* Pub/Sub: exponential backoff (else immediate) */
    double       min_backoff_s, max_backoff_s;
    double       timeout_s;         /* how long a push waits for its answer */
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

/* The services each kind models, in the order of the price tables' names. */
static const char *const topic_services[] = { "sns", "event-grid", "service-bus", "pubsub", NULL };
static const topic_service topic_service_of[] = { SERVICE_AWS, SERVICE_EVENT_GRID, SERVICE_SERVICE_BUS,
                                                  SERVICE_PUBSUB };
static const char *const bus_services[] = { "eventbridge", "event-grid", "eventarc", NULL };
static const topic_service bus_service_of[] = { SERVICE_AWS, SERVICE_EVENT_GRID, SERVICE_PUBSUB };

typedef struct topic_spec {
    const flavour *fl;
    bool           is_bus;
    topic_service  service;
    const char    *service_name;
    bool           eventarc;
    bool           google_events;   /* Eventarc: events from Google sources (no event charge) */
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

/* Event Grid's retry schedule: the wait after failed attempt k (1-based), the last repeated
 * (Microsoft Learn, "Event Grid message delivery and retry"). Its small randomisation is not
 * modelled: retries come exactly on the schedule. */
static const double event_grid_waits_s[] = { 10, 30, 60, 300, 600, 1800, 3600 };
#define EVENT_GRID_WAITS (sizeof event_grid_waits_s / sizeof event_grid_waits_s[0])

/* A subscription key that only some services take, and whose it is. */
typedef struct owned_key {
    const char *key;
    unsigned    services;           /* bit per topic_service */
    const char *owner;
} owned_key;

#define BIT(s) (1u << (s))
static const owned_key owned_keys[] = {
    { "retry", BIT(SERVICE_AWS), "Amazon SNS's and EventBridge's (service \"sns\", \"eventbridge\")" },
    { "max_event_age_s", BIT(SERVICE_AWS), "Amazon SNS's and EventBridge's (service \"sns\", \"eventbridge\")" },
    { "max_delivery_attempts", BIT(SERVICE_EVENT_GRID) | BIT(SERVICE_PUBSUB),
      "Event Grid's and Pub/Sub's (service \"event-grid\", \"pubsub\", \"eventarc\")" },
    { "event_ttl_min", BIT(SERVICE_EVENT_GRID), "Event Grid's (service \"event-grid\")" },
    { "max_delivery_count", BIT(SERVICE_SERVICE_BUS), "Service Bus's (service \"service-bus\")" },
    { "retry_policy", BIT(SERVICE_PUBSUB), "Pub/Sub's (service \"pubsub\", \"eventarc\")" },
    { "minimum_backoff_s", BIT(SERVICE_PUBSUB), "Pub/Sub's (service \"pubsub\", \"eventarc\")" },
    { "maximum_backoff_s", BIT(SERVICE_PUBSUB), "Pub/Sub's (service \"pubsub\", \"eventarc\")" },
    { "ack_deadline_s", BIT(SERVICE_PUBSUB), "Pub/Sub's (service \"pubsub\", \"eventarc\")" },
    { "message_retention_s", BIT(SERVICE_PUBSUB), "Pub/Sub's (service \"pubsub\", \"eventarc\")" },
};

/* Refuses a key of another service, naming whose it is. */
static void refuse_foreign_keys(cfg_node *s, const topic_spec *t)
{
    for (size_t k = 0; k < sizeof owned_keys / sizeof owned_keys[0] && !cfg_failed(s); k++)
        if (!(owned_keys[k].services & BIT(t->service)) && cfg_has(s, owned_keys[k].key))
            cfg_fail(s, owned_keys[k].key, "is %s key; this %s's service is \"%s\"", owned_keys[k].owner,
                     t->is_bus ? "bus" : "topic", t->service_name);
}

static void parse_subscription(cfg_node *s, topic_spec *t, subscription *sub)
{
    refuse_foreign_keys(s, t);
    const char *dl = cfg_string(s, "dead_letter", NULL);
    sub->dead_letter_name = dl ? strdup(dl) : NULL;
    switch (t->service) {
    case SERVICE_AWS: {
        /* Deliveries to HTTP endpoints (services, pools). SNS's default HTTP/S delivery
         * policy: 3 retries, 20 s apart. EventBridge: up to 185 attempts over 24 h with
         * exponential backoff and jitter. */
        static const retry_policy sns_http = { .max_attempts = 4, .base_ms = 20000, .cap_ms = 20000,
                                               .jitter = JITTER_NONE };
        static const retry_policy eb_http = { .max_attempts = 185, .base_ms = 1000, .cap_ms = 480000,
                                              .jitter = JITTER_FULL };
        retry_parse(s, "retry", t->is_bus ? &eb_http : &sns_http, &sub->retry);
        sub->max_age_s = cfg_number(s, "max_event_age_s", t->is_bus ? 86400 : 3600, 1, 86400);
        sub->timeout_s = t->is_bus ? 5.0 : 15.0;   /* SNS waits 15 s (EventBridge API destinations 5 s) */
        break;
    }
    case SERVICE_EVENT_GRID:
        /* Defaults and ranges: 30 attempts, 1,440 minutes; a push waits 30 s (Microsoft Learn,
         * "Event Grid message delivery and retry"). */
        sub->max_attempts = (uint32_t)cfg_integer(s, "max_delivery_attempts", 30, 1, 30);
        sub->max_age_s = 60.0 * (double)cfg_integer(s, "event_ttl_min", 1440, 1, 1440);
        sub->timeout_s = 30;
        break;
    case SERVICE_SERVICE_BUS:
        /* MaxDeliveryCount: 10 by default, at least 1 (Service Bus QueueProperties). */
        sub->max_attempts = (uint32_t)cfg_integer(s, "max_delivery_count", 10, 1, 2000);
        sub->max_age_s = INFINITY;
        sub->timeout_s = INFINITY;                 /* the lock is renewed while the function runs */
        break;
    case SERVICE_PUBSUB: {
        /* Pub/Sub's default is immediate redelivery; Eventarc's subscriptions back off from
         * 10 s to 600 s and keep a message 24 hours (cloud.google.com, "Subscription retry
         * policy"; Eventarc "Retry events"). */
        static const char *const policies[] = { "immediate", "exponential", NULL };
        sub->exponential = cfg_enum(s, "retry_policy", policies, t->eventarc ? 1 : 0) == 1;
        sub->min_backoff_s = cfg_number(s, "minimum_backoff_s", 10, 0, 600);
        sub->max_backoff_s = cfg_number(s, "maximum_backoff_s", 600, 0, 600);
        if (!cfg_failed(s) && sub->max_backoff_s < sub->min_backoff_s)
            cfg_fail(s, "maximum_backoff_s", "%g is below minimum_backoff_s %g", sub->max_backoff_s,
                     sub->min_backoff_s);
        sub->timeout_s = cfg_number(s, "ack_deadline_s", 10, 10, 600);
        sub->max_age_s = cfg_number(s, "message_retention_s", t->eventarc ? 86400 : 604800, 600, 2678400);
        if (dl)
            sub->max_attempts = (uint32_t)cfg_integer(s, "max_delivery_attempts", 5, 5, 100);
        else if (!cfg_failed(s) && cfg_has(s, "max_delivery_attempts"))
            cfg_fail(s, "max_delivery_attempts", "belongs to a dead-letter policy: give dead_letter (a topic) too");
        break;
    }
    }
}

static void *fanout_parse(cfg_node *n, world_spec *w, const flavour *fl, bool is_bus)
{
    topic_spec *t = calloc(1, sizeof *t);
    if (!t) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    t->fl = fl;
    t->is_bus = is_bus;
    t->name = strdup(cfg_string_req(n, "name"));
    const char *const *names = is_bus ? bus_services : topic_services;
    int k = world_service(n, w, is_bus ? "bus" : "topic", names, 0);
    if (k >= 0) {
        t->service = is_bus ? bus_service_of[k] : topic_service_of[k];
        t->service_name = names[k];
        t->eventarc = is_bus && t->service == SERVICE_PUBSUB;
    }
    if (t->eventarc) {
        static const char *const origins[] = { "custom", "google", NULL };
        t->google_events = cfg_enum(n, "event_source", origins, 0) == 1;
    } else if (!cfg_failed(n) && cfg_has(n, "event_source")) {
        cfg_fail(n, "event_source", "is Eventarc's key (service \"eventarc\"); this %s's service is \"%s\"",
                 is_bus ? "bus" : "topic", t->service_name);
    }
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
        parse_subscription(&s, t, &t->subs[i]);
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
    return fanout_parse(n, w, &topic_flavour, false);
}

static void *bus_parse(cfg_node *n, world_spec *w)
{
    return fanout_parse(n, w, &bus_flavour, true);
}

/* What a subscription's dead_letter must name on each service, or NULL when it is fine. */
static const char *dead_letter_refused(const topic_spec *t, const world_spec *w, int d)
{
    const component_kind *k = w->components[d].kind;
    switch (t->service) {
    case SERVICE_EVENT_GRID:
        return strcmp(k->name, "bucket") ? "is not a bucket: Event Grid dead-letters to a Blob Storage container" : NULL;
    case SERVICE_PUBSUB:
        return strcmp(k->name, "topic") ? "is not a topic: Pub/Sub dead-letters to a topic" : NULL;
    default:
        return k->enqueue ? NULL : "is not another component that takes messages (use a queue)";
    }
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
        const component_kind *kind = w->components[k].kind;
        sub->target = k;
        /* SNS and EventBridge invoke a function asynchronously; the other services push
         * (call) it and retry themselves. A queue always receives the copy. */
        sub->http = !kind->enqueue || (t->service != SERVICE_AWS && kind->accept);
        if (sub->http && t->service == SERVICE_SERVICE_BUS && strcmp(kind->name, "function")) {
            cfg_fail(&c, "target", "\"%s\": a Service Bus subscription is read by a function or forwarded to "
                     "a queue, not pushed to an endpoint", sub->target_name);
            return -1;
        }
        if (sub->dead_letter_name) {
            int d = world_spec_component(w, sub->dead_letter_name);
            const char *why = d >= 0 && w->components[d].spec != p ? dead_letter_refused(t, w, d)
                              : t->service == SERVICE_AWS ? "is not another component that takes messages (use a queue)"
                              : "is not another component";
            if (why) {
                cfg_fail(&c, "dead_letter", "\"%s\" %s", sub->dead_letter_name, why);
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
    /* Event Grid and Service Bus: operations (64 KB chunks); Pub/Sub: billed bytes */
    double    operations, billed_bytes;
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

/* A message of size_kb counted in 64 KB chunks (SNS, EventBridge, Event Grid, Service Bus). */
static double chunks_64kb(double size_kb)
{
    return ceil(size_kb / 64 - 1e-9);
}

/* Pub/Sub bills at least 1,000 bytes per publish and per delivery. */
static double pubsub_bytes(double size_kb)
{
    return fmax(size_kb * 1024.0, 1000.0);
}

/* One delivery attempt of a copy, to a push target or a queue: what the service bills. */
static void count_delivery(topic_state *st, double size_kb)
{
    switch (st->t->service) {
    case SERVICE_AWS:
        break;
    case SERVICE_EVENT_GRID:
        st->operations += chunks_64kb(size_kb);
        break;
    case SERVICE_SERVICE_BUS:   /* a receive and its complete or abandon */
        st->operations += 2 * chunks_64kb(size_kb);
        break;
    case SERVICE_PUBSUB:
        st->billed_bytes += pubsub_bytes(size_kb);
        break;
    }
}

static void http_deliver(topic_state *st, world *w, uint32_t copy)
{
    request *c = &w->req[copy];
    c->deadline = sim_now(w->s) + st->t->subs[c->tag].timeout_s;
    if (world_measuring(w, sim_now(w->s))) {
        st->http_attempts++;
        count_delivery(st, c->size_kb);
    }
    world_deliver(w, st->t->subs[c->tag].target, copy);
}

static void on_http_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    topic_state *st = target;
    http_deliver(st, st->w, (uint32_t)arg);
}

/* Event Grid writes a dead-lettered event to its container 5 minutes after the last attempt
 * (Microsoft Learn, "Event Grid message delivery and retry"). */
static void on_dead_letter(sim *s, void *target, uint64_t arg)
{
    (void)s;
    topic_state *st = target;
    uint32_t req = (uint32_t)arg;
    world_dead_letter(st->w, req, st->t->subs[st->w->req[req].tag].dead_letter);
}

/* The wait before the next attempt after failed attempt `attempt`, or a negative number when
 * the service gives up. */
static double retry_wait_s(topic_state *st, const subscription *s, request *r, attempt_result result, double now)
{
    double wait;
    switch (st->t->service) {
    case SERVICE_AWS:
        if (!retry_again(&s->retry, result, r->attempt))
            return -1;
        wait = retry_backoff_ms(&s->retry, r->attempt, &r->backoff_prev_ms, st->r_retry) / 1000.0;
        break;
    case SERVICE_EVENT_GRID:
        if (r->attempt >= s->max_attempts)
            return -1;
        wait = event_grid_waits_s[r->attempt <= EVENT_GRID_WAITS ? r->attempt - 1 : EVENT_GRID_WAITS - 1];
        break;
    case SERVICE_SERVICE_BUS:   /* an abandoned message is available again at once */
        return r->attempt >= s->max_attempts ? -1 : 0;
    case SERVICE_PUBSUB:
        if (s->max_attempts && r->attempt >= s->max_attempts)
            return -1;
        /* Exponential: minimum × 2^(k-1), capped by the maximum (the doubling is an
         * assumption: Google documents the bounds, not the factor). Immediate: Pub/Sub's push
         * backoff, 100 ms doubling up to 60 s, applied here per message. */
        if (s->exponential)
            wait = fmin(s->min_backoff_s * ldexp(1.0, (int)fmin(r->attempt - 1, 30)), s->max_backoff_s);
        else
            wait = fmin(0.1 * ldexp(1.0, (int)fmin(r->attempt - 1, 30)), 60.0);
        break;
    default:
        return -1;
    }
    return now + wait - r->entered <= s->max_age_s ? wait : -1;
}

/* The answer of a pushed subscriber to one delivery attempt. */
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
    double wait = retry_wait_s(st, s, r, result, now);
    if (wait >= 0) {
        r->attempt++;
        if (measuring)
            st->http_retries++;
        sim_at(w->s, now + wait, on_http_retry, st, req);
        return;
    }
    if (s->dead_letter >= 0) {
        if (measuring)
            st->http_dead_lettered++;
        if (st->t->service == SERVICE_EVENT_GRID)
            sim_at(w->s, now + 300, on_dead_letter, st, req);
        else
            world_dead_letter(w, req, s->dead_letter);   /* its unit of work ends lost there */
        return;
    }
    if (st->t->service == SERVICE_SERVICE_BUS) {        /* the subscription's dead-letter subqueue */
        if (measuring)
            st->http_dead_lettered++;
        world_finish(w, req, OUTCOME_DEAD_LETTERED);
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
        /* Each 64 KB of a publish is billed as one request (operation). */
        st->publish_requests += (uint64_t)chunks_64kb(original.size_kb);
        if (st->t->service == SERVICE_PUBSUB)
            st->billed_bytes += pubsub_bytes(original.size_kb);
    }
    int copies = 0;
    for (size_t i = 0; i < st->t->n; i++) {
        const subscription *s = &st->t->subs[i];
        if (s->filter_match < 1 && rng_uniform(st->r) >= s->filter_match) {
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
        c->tenant = original.tenant;
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
            if (measuring)
                count_delivery(st, original.size_kb);
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
    const topic_spec *t = spec;
    const topic_state *st = state;
    const char *family = t->is_bus ? "bus" : "topic";
    char dim[PRICE_NAME_MAX];
    switch (t->service) {
    case SERVICE_AWS:
        if (t->is_bus) {
            usage_add(u, index, "bus.events", (double)st->publish_requests);
            return;
        }
        usage_add(u, index, "topic.publishes", (double)st->publish_requests);
        usage_add(u, index, "topic.http_deliveries", (double)st->http_attempts);
        return;
    case SERVICE_EVENT_GRID:   /* publishes and delivery attempts, per 64 KB */
        snprintf(dim, sizeof dim, "%s.event_grid.operations", family);
        usage_add(u, index, dim, (double)st->publish_requests + st->operations);
        return;
    case SERVICE_SERVICE_BUS:  /* sends, and each delivery's receive and settlement */
        usage_add(u, index, "service_bus.operations", (double)st->publish_requests + st->operations);
        return;
    case SERVICE_PUBSUB:       /* throughput: publishes and deliveries, 1,000 bytes at least */
        snprintf(dim, sizeof dim, "%s.pubsub.throughput_gib", family);
        usage_add(u, index, dim, st->billed_bytes / 1073741824.0);
        if (t->eventarc)
            usage_add(u, index, t->google_events ? "bus.eventarc.google_events" : "bus.eventarc.custom_events",
                      (double)st->published);
        return;
    }
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
