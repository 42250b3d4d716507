/* stream.h — the `stream` component kind (Kinesis-like shards with a Lambda consumer). */
#ifndef SLSIM_STREAM_H
#define SLSIM_STREAM_H

#include "models/world.h"

extern const component_kind stream_kind;

#endif
