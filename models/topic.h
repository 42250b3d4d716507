/* topic.h — the `topic` (Amazon SNS-like publish/subscribe) and `bus` (Amazon EventBridge-
 * like event bus) component kinds: both fan messages out to matching targets. */
#ifndef SLSIM_TOPIC_H
#define SLSIM_TOPIC_H

#include "models/world.h"

extern const component_kind topic_kind;
extern const component_kind bus_kind;

#endif
