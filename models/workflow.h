/* workflow.h — the `workflow` kind: state machines (AWS Step Functions-like), Standard or
 * Express, with tasks, choices, waits, parallel branches, maps, retries, catches and sagas. */
#ifndef SLSIM_WORKFLOW_H
#define SLSIM_WORKFLOW_H

#include "models/world.h"

extern const component_kind workflow_kind;

/* The trace of the first executions of a workflow (its trace_executions), as CSV lines
 * "time_s,workflow,execution,state,event"; "" when none was traced. */
const char *workflow_trace(const void *state);
/* Executions of a replication that ended in the measured window. */
double      workflow_executions(const void *state);

#endif
