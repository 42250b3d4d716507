/* function.h — the `function` component kind (AWS Lambda semantics). */
#ifndef SLSIM_FUNCTION_H
#define SLSIM_FUNCTION_H

#include "models/world.h"

extern const component_kind function_kind;

/* One function's figures of a replication, for platform-wide statistics (state NULL: zeros). */
typedef struct function_figures {
    const char *app;
    double      invocations, cold_starts;
    double      idle_gb_s;     /* memory loaded but idle, GB-s, in the measured window */
    double      billed_gb_s;
} function_figures;
void function_figures_of(const void *spec, const void *state, function_figures *out);
/* Whether a function's spec runs at the edge (Lambda@Edge). */
bool function_is_edge(const void *spec);
/* Its Lambda@Edge trigger: 0 none, 1 viewer (every request), 2 origin (a CDN's misses). */
int  function_edge_trigger(const void *spec);
/* An edge function with synchronous call steps whose round trip to the region
 * (region_rtt_ms) was not given: loading derives it from the traffic and sets it. */
bool function_edge_rtt_unset(const void *spec);
void function_edge_set_rtt(void *spec, double region_rtt_ms);
/* Whether an edge function's region_rtt_ms was derived by function_edge_set_rtt (its value
 * in *region_rtt_ms). */
bool function_edge_rtt_derived(const void *spec, double *region_rtt_ms);
/* Whether a function's spec has an asynchronous call step: it sends messages on. */
bool function_sends_messages(const void *spec);

/* The components whose state a function's shares (after linking; -1: none): the first
 * function of its app, which holds an app's keep-alive unit, and the first Greedy-Dual
 * function, which holds the host's pool. A partitioned replay keeps them in one block. */
void function_shared_owners(const void *spec, int *unit_owner, int *pool_owner);

/* Whether a function's spec is placed in the scenario's VPC. */
bool function_in_vpc(const void *spec);
/* The bytes a function's calls moved in the measured window, by the way they went. */
struct network_bytes;
void function_network_bytes(const void *spec, const void *state, const world_spec *w,
                            struct network_bytes *b);

#endif
