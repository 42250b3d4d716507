/* function.h — the `function` component kind (AWS Lambda semantics). */
#ifndef SLSIM_FUNCTION_H
#define SLSIM_FUNCTION_H

#include "models/world.h"

extern const component_kind function_kind;

#endif
