/* queue.h — the `queue` component kind: a message queue and its consumer, as one of the
 * services its "service" key names (Amazon SQS with a Lambda event source mapping, Azure
 * Queue Storage or Service Bus with a Functions trigger, a Google Pub/Sub push subscription
 * or Cloud Tasks queue, Cloudflare Queues with a consumer Worker). */
#ifndef SLSIM_QUEUE_H
#define SLSIM_QUEUE_H

#include <stdint.h>

#include "models/world.h"

extern const component_kind queue_kind;

/* Pub/Sub's exponential retry policy: the delay before retry number `retry` (1 after the
 * first failed delivery), min_s x 2^(retry-1), at most max_s. Google publishes the bounds,
 * not the formula: doubling is an assumption. */
double queue_pubsub_backoff_s(double min_s, double max_s, uint32_t retry);
/* Cloud Tasks' retry config: the delay before retry number `retry` doubles from min_s
 * max_doublings times, then grows by 2^max_doublings x min_s a retry, at most max_s
 * (Google's example, min 10 s, max 300 s, 3 doublings: 10, 20, 40, 80, 160, 240, 300, 300). */
double queue_tasks_backoff_s(double min_s, double max_s, uint32_t max_doublings, uint32_t retry);

#endif
