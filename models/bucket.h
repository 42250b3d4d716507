/* bucket.h — the `bucket` component kind (object storage with object-created events). */
#ifndef SLSIM_BUCKET_H
#define SLSIM_BUCKET_H

#include "models/world.h"

extern const component_kind bucket_kind;

#endif
