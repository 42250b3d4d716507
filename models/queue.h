/* queue.h — the `queue` component kind (Amazon SQS standard queues, with a Lambda event
 * source mapping as the consumer). */
#ifndef SLSIM_QUEUE_H
#define SLSIM_QUEUE_H

#include "models/world.h"

extern const component_kind queue_kind;

#endif
