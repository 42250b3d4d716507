/* queue_spec.c — reading a queue: its service (Amazon SQS, Azure Queue Storage, Azure
 * Service Bus, Google Pub/Sub, Google Cloud Tasks, Cloudflare Queues) and that service's
 * own keys, limits and defaults, turned into the one engine's settings (queue_internal.h).
 *
 * A key only some services take is refused on the others, naming the services that take
 * it and what this one has instead (visibility_timeout_s on Service Bus: it has
 * lock_duration_s). Each default is written into the resolved scenario. */
#include "models/queue_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const queue_service_names[QUEUE_SERVICES + 1] = {
    "sqs", "storage-queue", "service-bus", "pubsub", "cloud-tasks", "queues", NULL
};

static const char *const service_titles[QUEUE_SERVICES] = {
    "Amazon SQS", "Azure Queue Storage", "Service Bus", "Pub/Sub", "Cloud Tasks", "Cloudflare Queues"
};

/* ---- which service takes which key ---------------------------------------------------- */

#define ONLY(s) (1u << (s))
#define ALL     ((1u << QUEUE_SERVICES) - 1)

/* Keys with the same role on different services share a group, so that a refusal can say
 * what the service has instead. */
enum { G_NONE, G_LEASE, G_DELIVERIES, G_DEAD_LETTER, G_RETRY, G_BATCH, G_WINDOW, G_CONCURRENCY,
       G_ACKS, G_POLL, G_SCALE };

typedef struct key_rule {
    const char *key;
    bool        consumer;    /* a key of the consumer object */
    unsigned    takers;      /* ONLY(service) bits */
    int         group;
} key_rule;

static const key_rule key_rules[] = {
    { "message_groups", false, ONLY(QUEUE_SQS) | ONLY(QUEUE_SERVICE_BUS), G_NONE },
    { "visibility_timeout_s", false, ONLY(QUEUE_SQS) | ONLY(QUEUE_STORAGE), G_LEASE },
    { "lock_duration_s", false, ONLY(QUEUE_SERVICE_BUS), G_LEASE },
    { "ack_deadline_s", false, ONLY(QUEUE_PUBSUB), G_LEASE },
    { "max_receives", false, ONLY(QUEUE_SQS), G_DELIVERIES },
    { "max_dequeue_count", false, ONLY(QUEUE_STORAGE), G_DELIVERIES },
    { "max_delivery_count", false, ONLY(QUEUE_SERVICE_BUS), G_DELIVERIES },
    { "max_delivery_attempts", false, ONLY(QUEUE_PUBSUB), G_DELIVERIES },
    { "max_attempts", false, ONLY(QUEUE_TASKS), G_DELIVERIES },
    { "max_retries", false, ONLY(QUEUE_CLOUDFLARE), G_DELIVERIES },
    { "dead_letter", false, ALL & ~ONLY(QUEUE_TASKS), G_DEAD_LETTER },
    { "retry_policy", false, ONLY(QUEUE_PUBSUB), G_RETRY },
    { "minimum_backoff_s", false, ONLY(QUEUE_PUBSUB), G_RETRY },
    { "maximum_backoff_s", false, ONLY(QUEUE_PUBSUB), G_RETRY },
    { "min_backoff_s", false, ONLY(QUEUE_TASKS), G_RETRY },
    { "max_backoff_s", false, ONLY(QUEUE_TASKS), G_RETRY },
    { "max_doublings", false, ONLY(QUEUE_TASKS), G_RETRY },
    { "retry_delay_s", false, ONLY(QUEUE_CLOUDFLARE), G_RETRY },
    { "max_dispatches_per_second", false, ONLY(QUEUE_TASKS), G_NONE },
    { "max_concurrent_dispatches", false, ONLY(QUEUE_TASKS), G_CONCURRENCY },
    { "redrive", false, ONLY(QUEUE_SQS), G_NONE },
    { "batch_size", true, ONLY(QUEUE_SQS) | ONLY(QUEUE_STORAGE), G_BATCH },
    { "max_batch_size", true, ONLY(QUEUE_CLOUDFLARE), G_BATCH },
    { "batch_window_s", true, ONLY(QUEUE_SQS), G_WINDOW },
    { "max_batch_timeout_s", true, ONLY(QUEUE_CLOUDFLARE), G_WINDOW },
    { "max_concurrency", true, ONLY(QUEUE_SQS) | ONLY(QUEUE_CLOUDFLARE), G_CONCURRENCY },
    { "max_concurrent_calls", true, ONLY(QUEUE_SERVICE_BUS), G_CONCURRENCY },
    { "report_batch_item_failures", true, ONLY(QUEUE_SQS), G_ACKS },
    { "per_message_acks", true, ONLY(QUEUE_CLOUDFLARE), G_ACKS },
    { "long_poll_s", true, ONLY(QUEUE_SQS), G_POLL },
    { "max_polling_interval_s", true, ONLY(QUEUE_STORAGE), G_POLL },
    { "poll_delay_ms", true, ONLY(QUEUE_SQS), G_NONE },
    { "pollers_initial", true, ONLY(QUEUE_SQS), G_SCALE },
    { "pollers_per_minute", true, ONLY(QUEUE_SQS), G_SCALE },
    { "pollers_max", true, ONLY(QUEUE_SQS), G_SCALE },
    { "max_instances", true, ONLY(QUEUE_STORAGE) | ONLY(QUEUE_SERVICE_BUS), G_SCALE },
    { "new_batch_threshold", true, ONLY(QUEUE_STORAGE), G_NONE },
};
#define N_RULES (sizeof key_rules / sizeof key_rules[0])

/* Refuses the keys of n (the queue, or its consumer) that service s does not take. */
static void refuse_foreign_keys(cfg_node *n, queue_service s, bool consumer)
{
    for (size_t i = 0; i < N_RULES && !cfg_failed(n); i++) {
        const key_rule *k = &key_rules[i];
        if (k->consumer != consumer || (k->takers & ONLY(s)) || !cfg_has(n, k->key))
            continue;
        char takers[160] = "", instead[160] = "";
        size_t at = 0, count = 0;
        for (int t = 0; t < QUEUE_SERVICES; t++)
            count += (k->takers >> t) & 1;
        for (int t = 0, seen = 0; t < QUEUE_SERVICES && at < sizeof takers; t++) {
            if (!(k->takers & ONLY(t)))
                continue;
            seen++;
            int w = snprintf(takers + at, sizeof takers - at, "%s\"%s\"",
                             seen == 1 ? "" : seen == (int)count ? " or " : ", ", queue_service_names[t]);
            at += w > 0 ? (size_t)w : 0;
        }
        at = 0;
        for (size_t j = 0; j < N_RULES && k->group != G_NONE; j++) {
            const key_rule *o = &key_rules[j];
            if (o->group != k->group || !(o->takers & ONLY(s)))
                continue;
            int w = snprintf(instead + at, sizeof instead - at, "%s%s%s", at ? " and " : "",
                             o->consumer && !consumer ? "consumer." : "", o->key);
            at += w > 0 && (size_t)w < sizeof instead - at ? (size_t)w : 0;
        }
        if (instead[0])
            cfg_fail(n, k->key, "is a key of service %s, not of \"%s\"; %s has %s", takers,
                     queue_service_names[s], service_titles[s], instead);
        else
            cfg_fail(n, k->key, "is a key of service %s, not of \"%s\" (%s has no such setting)", takers,
                     queue_service_names[s], service_titles[s]);
    }
}

/* ---- backoffs ------------------------------------------------------------------------- */

double queue_pubsub_backoff_s(double min_s, double max_s, uint32_t retry)
{
    if (retry < 1)
        retry = 1;
    double d = min_s * ldexp(1.0, retry > 60 ? 60 : (int)retry - 1);
    return d < max_s ? d : max_s;
}

double queue_tasks_backoff_s(double min_s, double max_s, uint32_t max_doublings, uint32_t retry)
{
    if (retry < 1)
        retry = 1;
    uint32_t doublings = max_doublings > 60 ? 60 : max_doublings;
    double d = retry <= doublings + 1 ? min_s * ldexp(1.0, (int)retry - 1)
                                      : min_s * ldexp(1.0, (int)doublings) * (double)(retry - doublings);
    return d < max_s ? d : max_s;
}

/* ---- the spec ------------------------------------------------------------------------- */

void queue_spec_free(void *p)
{
    queue_spec *q = p;
    if (!q)
        return;
    free(q->name);
    free(q->dead_letter_name);
    free(q->consumer_name);
    free(q->redrive_to_name);
    free(q);
}

/* The dimension a service's meter records, which the table must price. */
static const char *const service_dimension[QUEUE_SERVICES] = {
    NULL, "queue.storage_operations", "service_bus.operations", "queue.pubsub_gib",
    "queue.tasks_operations", "queue.operations"
};

/* SQS's keys at the queue's level, exactly as before services existed. */
static void parse_sqs(cfg_node *n, queue_spec *q)
{
    q->visibility_timeout_s = cfg_number(n, "visibility_timeout_s", 30, 1, 43200);
    q->retention_s = cfg_number(n, "retention_s", 345600, 60, 1209600);
    if (cfg_has(n, "max_receives")) {
        q->max_receives = (uint32_t)cfg_integer(n, "max_receives", 0, 1, 1000);
    } else {
        cfg_put(n, "max_receives", cJSON_CreateNull());
    }
    q->lease_s = q->visibility_timeout_s;
    q->retry = RETRY_VISIBILITY;
}

/* The other services' keys at the queue's level (their retry, delivery limit and lease). */
static void parse_service(cfg_node *n, queue_spec *q)
{
    q->lease_s = INFINITY;
    q->retry = RETRY_DELAY;
    switch (q->service) {
    case QUEUE_STORAGE:
        /* host.json's visibilityTimeout: how long a failed message stays invisible. */
        q->retry_delay_s = cfg_number(n, "visibility_timeout_s", 0, 0, 604800);
        q->retention_s = cfg_number(n, "retention_s", 604800, 60, 1e9);
        q->max_deliveries = (uint32_t)cfg_integer(n, "max_dequeue_count", 5, 1, 1000);
        break;
    case QUEUE_SERVICE_BUS:
        q->lease_s = cfg_number(n, "lock_duration_s", 60, 5, 300);
        q->retention_s = cfg_number(n, "retention_s", 1209600, 60, 1e9);
        q->max_deliveries = (uint32_t)cfg_integer(n, "max_delivery_count", 10, 1, 2000);
        break;
    case QUEUE_PUBSUB: {
        q->lease_s = cfg_number(n, "ack_deadline_s", 10, 10, 600);
        q->retention_s = cfg_number(n, "retention_s", 604800, 600, 2678400);
        static const char *const policies[] = { "immediate", "exponential", NULL };
        if (cfg_enum(n, "retry_policy", policies, 0) == 1) {
            q->retry = RETRY_EXPONENTIAL;
            q->min_backoff_s = cfg_number(n, "minimum_backoff_s", 10, 0, 600);
            q->max_backoff_s = cfg_number(n, "maximum_backoff_s", 600, 0, 600);
            if (!cfg_failed(n) && q->max_backoff_s < q->min_backoff_s)
                cfg_fail(n, "maximum_backoff_s", "must be at least minimum_backoff_s (%g), got %g",
                         q->min_backoff_s, q->max_backoff_s);
        } else {
            const char *bad = cfg_has(n, "minimum_backoff_s") ? "minimum_backoff_s"
                            : cfg_has(n, "maximum_backoff_s") ? "maximum_backoff_s" : NULL;
            if (bad && !cfg_failed(n))
                cfg_fail(n, bad, "is a setting of retry_policy \"exponential\" (the policy here "
                         "redelivers at once)");
        }
        /* A dead-letter policy (a dead_letter topic, or max_delivery_attempts alone: counted
         * dead-lettered) ends retries; without one a message is retried until retention ends. */
        if (cfg_has(n, "max_delivery_attempts") || cfg_has(n, "dead_letter"))
            q->max_deliveries = (uint32_t)cfg_integer(n, "max_delivery_attempts", 5, 5, 100);
        else
            cfg_put(n, "max_delivery_attempts", cJSON_CreateNull());
        break;
    }
    case QUEUE_TASKS: {
        q->retry = RETRY_TASKS;
        double rate = cfg_number(n, "max_dispatches_per_second", 500, 0.001, 500);
        q->pollers_initial = q->pollers_max = (double)cfg_integer(n, "max_concurrent_dispatches", 1000, 1, 5000);
        long long attempts = cfg_integer(n, "max_attempts", 100, -1, 1000000);
        if (!cfg_failed(n) && attempts == 0)
            cfg_fail(n, "max_attempts", "counts the first attempt: 1 or more, or -1 for no limit");
        q->max_deliveries = attempts > 0 ? (uint32_t)attempts : 0;
        q->min_backoff_s = cfg_number(n, "min_backoff_s", 0.1, 0, 3600);
        q->max_backoff_s = cfg_number(n, "max_backoff_s", 3600, 0, 86400);
        q->max_doublings = (uint32_t)cfg_integer(n, "max_doublings", 16, 0, 60);
        if (!cfg_failed(n) && q->max_backoff_s < q->min_backoff_s)
            cfg_fail(n, "max_backoff_s", "must be at least min_backoff_s (%g), got %g", q->min_backoff_s,
                     q->max_backoff_s);
        /* Tasks are kept at most 31 days (assumption: the quota page's retention was not found). */
        q->retention_s = cfg_number(n, "retention_s", 2678400, 60, 2678400);
        q->exhausted_lost = true;
        /* The bucket's size is Cloud Tasks' own choice (max_burst_size, output only): 100
         * for a default queue; assumed min(100, rate) otherwise. */
        q->dispatch_rate.per_s = rate;
        q->dispatch_rate.burst = fmax(1.0, fmin(100.0, rate));
        break;
    }
    case QUEUE_CLOUDFLARE:
        q->max_deliveries = 1 + (uint32_t)cfg_integer(n, "max_retries", 3, 0, 100);
        q->retry_delay_s = cfg_number(n, "retry_delay_s", 0, 0, 86400);
        q->retention_s = cfg_number(n, "retention_s", 345600, 60, 1209600);
        q->exhausted_lost = true;
        break;
    case QUEUE_SQS:
    case QUEUE_SERVICES:
        break;
    }
}

/* The in-flight allowance of Azure's Functions triggers: instances * per_instance messages,
 * one more instance at most every 30 s while messages wait (Azure's scale controller for
 * non-HTTP triggers), the poller ramp SQS's mapping uses. */
static void azure_scale(cfg_node *c, const world_spec *w, queue_spec *q, double per_instance)
{
    double instances = (double)cfg_integer(c, "max_instances",
                                           w->provider == PROVIDER_AZURE_FLEX ? 100 : 200, 1, 1000);
    q->pollers_initial = per_instance;
    q->pollers_per_minute = 2 * per_instance;
    q->pollers_max = per_instance * instances;
}

static void parse_consumer(cfg_node *c, const world_spec *w, queue_spec *q)
{
    switch (q->service) {
    case QUEUE_SQS:
        q->batch_size = (uint32_t)cfg_integer(c, "batch_size", 10, 1, 10000);
        q->batch_window_s = cfg_number(c, "batch_window_s", 0, 0, 300);
        if (!cfg_failed(c) && q->fifo && q->batch_window_s > 0)
            cfg_fail(c, "batch_window_s", "FIFO queues take no batching window (as on Lambda)");
        if (!cfg_failed(c) && q->fifo && q->batch_size > 10)
            cfg_fail(c, "batch_size", "FIFO queues take batches of at most 10 (as on Lambda)");
        if (!cfg_failed(c) && q->batch_size > 10 && q->batch_window_s < 1)
            cfg_fail(c, "batch_window_s", "a batch_size above 10 needs a batch window of at least 1 s "
                     "(as on Lambda), got %g", q->batch_window_s);
        if (cfg_has(c, "max_concurrency"))
            q->max_concurrency = (uint32_t)cfg_integer(c, "max_concurrency", 0, 2, 1000);
        else
            cfg_put(c, "max_concurrency", cJSON_CreateNull());
        q->item_failures = cfg_bool(c, "report_batch_item_failures", false);
        q->poll_delay_s = cfg_number(c, "poll_delay_ms", 0, 0, 60000) / 1000.0;
        q->pollers_initial = (double)cfg_integer(c, "pollers_initial", 5, 1, 10000);
        q->pollers_per_minute = cfg_number(c, "pollers_per_minute", 300, 0, 1e6);
        q->pollers_max = (double)cfg_integer(c, "pollers_max", 1250, 1, 100000);
        q->long_poll_s = cfg_number(c, "long_poll_s", 20, 1, 20);
        if (!cfg_failed(c) && q->pollers_max < q->pollers_initial)
            cfg_fail(c, "pollers_max", "must be at least pollers_initial (%g), got %g",
                     q->pollers_initial, q->pollers_max);
        break;
    case QUEUE_STORAGE: {
        /* Each message is its own invocation; a GetMessages call fetches batch_size, and the
         * trigger fetches again when new_batch_threshold are left: batch_size +
         * new_batch_threshold run at once on an instance. */
        q->batch_size = 1;
        q->fetch_size = (uint32_t)cfg_integer(c, "batch_size", 16, 1, 32);
        q->new_batch_threshold = (uint32_t)cfg_integer(c, "new_batch_threshold", q->fetch_size / 2, 0, 1000);
        q->max_polling_interval_s = cfg_number(c, "max_polling_interval_s", 60, 0.1, 86400);
        q->poll_min_s = 0.1;
        azure_scale(c, w, q, (double)(q->fetch_size + q->new_batch_threshold));
        break;
    }
    case QUEUE_SERVICE_BUS:
        q->batch_size = 1;
        azure_scale(c, w, q, (double)cfg_integer(c, "max_concurrent_calls", 16, 1, 1000));
        break;
    case QUEUE_PUBSUB:
        /* Push: one message a request, as many requests at once as the function takes (the
         * push window's slow start is not modelled). */
        q->batch_size = 1;
        q->pollers_initial = q->pollers_max = 1e9;
        break;
    case QUEUE_TASKS:
        q->batch_size = 1;   /* the allowance is max_concurrent_dispatches, read above */
        break;
    case QUEUE_CLOUDFLARE:
        q->batch_size = (uint32_t)cfg_integer(c, "max_batch_size", 10, 1, 100);
        q->batch_window_s = cfg_number(c, "max_batch_timeout_s", 5, 0, 60);
        /* Unset: Cloudflare scales consumers up to its limit of 250 invocations at once
         * (its autoscaling on backlog is not modelled: the limit is there from the start). */
        if (cfg_has(c, "max_concurrency")) {
            q->pollers_initial = q->pollers_max = (double)cfg_integer(c, "max_concurrency", 250, 1, 250);
        } else {
            cfg_put(c, "max_concurrency", cJSON_CreateNull());
            q->pollers_initial = q->pollers_max = 250;
        }
        q->item_failures = cfg_bool(c, "per_message_acks", false);
        break;
    case QUEUE_SERVICES:
        break;
    }
}

void *queue_spec_parse(cfg_node *n, world_spec *w)
{
    queue_spec *q = calloc(1, sizeof *q);
    if (!q) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    q->dead_letter = q->consumer = q->redrive_to = -1;
    q->name = strdup(cfg_string_req(n, "name"));
    int s = world_service(n, w, "queue", queue_service_names, QUEUE_SQS);
    if (s < 0) {
        queue_spec_free(q);
        return NULL;
    }
    q->service = (queue_service)s;
    refuse_foreign_keys(n, q->service, false);
    const char *dim = service_dimension[q->service];
    if (!cfg_failed(n) && dim && !price_find(&w->prices, dim))
        cfg_fail(n, "service", "\"%s\" is billed as %s, which the price table %s does not price",
                 queue_service_names[q->service], dim, w->prices.name);
    static const char *const types[] = { "standard", "fifo", NULL };
    q->fifo = cfg_enum(n, "type", types, 0) == 1;
    if (!cfg_failed(n) && q->fifo && q->service != QUEUE_SQS && q->service != QUEUE_SERVICE_BUS)
        cfg_fail(n, "type", "\"fifo\" is SQS's FIFO queue or Service Bus's sessions; %s has no such "
                 "ordering here", service_titles[q->service]);
    if (q->fifo)
        q->message_groups = (uint32_t)cfg_integer(n, "message_groups", 1, 1, 100000);
    if (q->service == QUEUE_SQS)
        parse_sqs(n, q);
    else
        parse_service(n, q);
    const char *dlq = cfg_string(n, "dead_letter", NULL);
    q->dead_letter_name = dlq ? strdup(dlq) : NULL;
    if (q->service == QUEUE_SQS && !cfg_failed(n) && (q->max_receives > 0) != (dlq != NULL))
        cfg_fail(n, q->max_receives ? "dead_letter" : "max_receives",
                 "max_receives and dead_letter go together (a redrive policy needs both)");

    cfg_node c;
    bool has_consumer = !cfg_failed(n) && cfg_object(n, "consumer", &c);
    if (has_consumer) {
        refuse_foreign_keys(&c, q->service, true);
        const char *fn = cfg_string_req(&c, "function");
        q->consumer_name = fn ? strdup(fn) : NULL;
        parse_consumer(&c, w, q);
        cfg_done(&c);
    } else if (!cfg_failed(n)) {
        cfg_put(n, "consumer", cJSON_CreateNull());
    }
    if (q->service == QUEUE_SQS && cfg_has(n, "redrive")) {
        cfg_node r;
        cfg_object(n, "redrive", &r);
        q->redrive_at_s = cfg_number_req(&r, "at_s", 0, 1e9);
        const char *to = cfg_string_req(&r, "to");
        q->redrive_to_name = to ? strdup(to) : NULL;
        /* A move task moves up to 500 messages a second (its MaxNumberOfMessagesPerSecond). */
        q->redrive_rate_per_s = cfg_number(&r, "rate_per_s", 500, 0.001, 500);
        cfg_done(&r);
        if (!cfg_failed(n) && q->fifo)
            cfg_fail(n, "redrive", "is modelled for standard queues");
    } else if (q->service == QUEUE_SQS) {
        cfg_put(n, "redrive", cJSON_CreateNull());
    }
    cfg_know(n, "kind");
    cfg_done(n);
    if (cfg_failed(n)) {
        queue_spec_free(q);
        return NULL;
    }
    return q;
}

int queue_spec_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    queue_spec *q = p;
    cfg_node n;
    cfg_root(&n, ctx, NULL, NULL);
    snprintf(n.path, sizeof n.path, "%s", path);
    if (q->dead_letter_name) {
        q->dead_letter = world_spec_component(w, q->dead_letter_name);
        if (q->dead_letter < 0 || w->components[q->dead_letter].kind != &queue_kind ||
            strcmp(w->components[q->dead_letter].name, q->name) == 0) {
            cfg_fail(&n, "dead_letter", "\"%s\" is not another queue", q->dead_letter_name);
            return -1;
        }
        /* A chain of dead-letter queues must end: follow it (names, since later queues
         * may not be linked yet). */
        const char *next = q->dead_letter_name;
        for (size_t hops = 0; next; hops++) {
            int k = world_spec_component(w, next);
            if (k < 0 || w->components[k].kind != &queue_kind)
                break;
            if (strcmp(next, q->name) == 0 || hops > w->n_components) {
                cfg_fail(&n, "dead_letter", "the dead-letter chain from \"%s\" comes back to it", q->name);
                return -1;
            }
            next = ((const queue_spec *)w->components[k].spec)->dead_letter_name;
        }
    }
    if (q->redrive_to_name) {
        q->redrive_to = world_spec_component(w, q->redrive_to_name);
        if (q->redrive_to < 0 || w->components[q->redrive_to].kind != &queue_kind ||
            strcmp(q->redrive_to_name, q->name) == 0) {
            snprintf(n.path, sizeof n.path, "%s.redrive", path);
            cfg_fail(&n, "to", "\"%s\" is not another queue", q->redrive_to_name);
            return -1;
        }
    }
    if (q->consumer_name) {
        q->consumer = world_spec_component(w, q->consumer_name);
        if (q->consumer < 0 || !w->components[q->consumer].kind->accept) {
            snprintf(n.path, sizeof n.path, "%s.consumer", path);
            cfg_fail(&n, "function", "\"%s\" is not a component that can be invoked", q->consumer_name);
            return -1;
        }
    }
    return 0;
}
