/* topic.h — the `topic` component kind (Amazon SNS-like publish/subscribe). */
#ifndef SLSIM_TOPIC_H
#define SLSIM_TOPIC_H

#include "models/world.h"

extern const component_kind topic_kind;

#endif
