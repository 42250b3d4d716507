/* queue_internal.h — what the two parts of the queue kind share and nothing else includes:
 * the parsed spec (queue_spec) with the service it models, read by queue_spec.c (parsing,
 * each service's keys, defaults and refusals, linking) and run by queue.c (the visible
 * store, batches, redelivery, figures and meters). models/queue.h stays the public face.
 *
 * One engine serves every service: a message is visible, in a batch being processed, or
 * waiting to become visible again. What differs is read from the spec once, at load:
 * how many messages one invocation carries, how many may be in flight and how that grows,
 * when a failed message comes back, when it has been delivered too often and where it then
 * goes, and how the service bills. */
#ifndef SLSIM_QUEUE_INTERNAL_H
#define SLSIM_QUEUE_INTERNAL_H

#include "models/queue.h"

#include <stdbool.h>
#include <stdint.h>

#include "models/ratelimit.h"

/* The services a queue models, in world_service's order (queue_service_names). */
typedef enum queue_service {
    QUEUE_SQS, QUEUE_STORAGE, QUEUE_SERVICE_BUS, QUEUE_PUBSUB, QUEUE_TASKS, QUEUE_CLOUDFLARE,
    QUEUE_SERVICES
} queue_service;
extern const char *const queue_service_names[QUEUE_SERVICES + 1];

/* When a failed delivery's message is visible again. */
typedef enum queue_retry {
    RETRY_VISIBILITY,     /* SQS: one visibility timeout after it was received */
    RETRY_DELAY,          /* a fixed delay after the failure (0: at once) */
    RETRY_EXPONENTIAL,    /* Pub/Sub: minimum_backoff x 2^(n-1), at most maximum_backoff */
    RETRY_TASKS           /* Cloud Tasks: doublings, then linear steps, at most max_backoff */
} queue_retry;

typedef struct queue_spec {
    char    *name;
    queue_service service;
    bool     fifo;                  /* FIFO (SQS) or sessions (Service Bus): one batch at a time per group */
    uint32_t message_groups;        /* FIFO: distinct groups, messages spread evenly */
    double   visibility_timeout_s, retention_s;
    uint32_t max_receives;          /* SQS: 0, no redrive policy; dead-lettered on the next receive */
    char    *dead_letter_name;
    int      dead_letter;           /* component index after link, or -1 */
    /* consumer; consumer < 0: none */
    char    *consumer_name;
    int      consumer;
    uint32_t batch_size;            /* messages one invocation carries */
    double   batch_window_s, poll_delay_s;
    uint32_t max_concurrency;       /* 0: no limit of its own */
    bool     item_failures;         /* only the failing messages of a batch return */
    double   pollers_initial, pollers_per_minute, pollers_max;   /* the in-flight allowance */
    double   long_poll_s;
    /* a dead-letter redrive (SQS's message move task): from redrive_at_s, move this queue's
     * messages to redrive_to at redrive_rate_per_s until it is empty */
    char    *redrive_to_name;
    int      redrive_to;
    double   redrive_at_s, redrive_rate_per_s;

    /* ---- the other services (service != QUEUE_SQS) ---- */
    double   lease_s;               /* a run longer than this lets the message be delivered again
                                       meanwhile (lock duration, ack deadline); INFINITY: never */
    uint32_t max_deliveries;        /* after this many failed deliveries the message leaves (0: never) */
    bool     exhausted_lost;        /* without a dead_letter queue it is deleted (lost), not dead-lettered */
    queue_retry retry;
    double   retry_delay_s;         /* RETRY_DELAY */
    double   min_backoff_s, max_backoff_s;   /* RETRY_EXPONENTIAL, RETRY_TASKS */
    uint32_t max_doublings;         /* RETRY_TASKS */
    uint32_t fetch_size;            /* Queue Storage: messages one GetMessages call returns */
    uint32_t new_batch_threshold;   /* Queue Storage: fetch again when this few are left */
    double   poll_min_s, max_polling_interval_s;   /* Queue Storage's idle polling */
    rate_limit dispatch_rate;       /* Cloud Tasks: dispatches a second (per_s 0: none) */
} queue_spec;

void  queue_spec_free(void *p);
void *queue_spec_parse(cfg_node *n, world_spec *w);
int   queue_spec_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path);

#endif
