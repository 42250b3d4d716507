/* trace.h — replaying recorded traffic: traffic sources with "process": "trace".
 *
 * A trace source reads a recorded trace (the Azure Functions 2019 per-minute counts, the
 * Azure Functions 2021 per-invocation log, a plain CSV log, or AWS Lambda's REPORT logs) and sends each recorded
 * invocation to its own function. Loading happens in two passes over the scenario:
 *   trace_prepare  before components are parsed: scans the trace file once (streaming),
 *                  validates every row, lists the functions, picks the ones to replay and
 *                  appends a generated `function` component for each one the scenario
 *                  does not declare;
 *   trace_resolve  when traffic[] is parsed: writes the resolved options and finds each
 *                  function's component index.
 * A replication replays with a trace_player: its own file descriptor, a constant number
 * of pending events and memory that does not grow with the number of requests. */
#ifndef SLSIM_TRACE_H
#define SLSIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "models/world.h"

typedef struct trace_spec trace_spec;
typedef struct trace_player trace_player;

/* ---- loading ------------------------------------------------------------------ */

/* Scans the trace named by a (traffic[i].arrivals, read without a resolved tree) of the
 * source whose object is source (traffic[i], for its target) and whose name is source_name
 * (it names the stream that samples functions), and appends the generated
 * components to components (the input's array; created by the caller). *out receives the
 * scan's results (free with trace_spec_free, also after an error). Returns 0, or -1 with
 * the message in a's context. */
int  trace_prepare(cfg_node *a, cfg_node *source, const char *source_name, cJSON *components,
                   const world_spec *w, trace_spec **out);
/* Re-reads the options into a's resolved tree (paths made absolute) and resolves each
 * replayed function's component index once components are parsed. target is the
 * source's target component (csv traces without a function column), else -1. Returns 0
 * or -1 (message in a's context). */
int  trace_resolve(cfg_node *a, trace_spec *t, const world_spec *w, int target);
void trace_spec_free(trace_spec *t);

/* The trace function whose generated component is components[index], or NULL (to
 * explain a message about a component the user did not write). */
const char *trace_generated_name(const trace_spec *t, size_t index);

/* Whether the trace names its functions (false: a csv without a function column, whose
 * rows all go to the source's target). */
bool     trace_has_functions(const trace_spec *t);
/* Whether each row carries its tenant (a csv tenant column). */
bool     trace_has_tenants(const trace_spec *t);
/* The replayed functions: how many, and each one's component name, index (after
 * trace_resolve) and recorded arrivals in the window (one pass, before repeat). */
size_t   trace_function_count(const trace_spec *t);
const char *trace_function_name(const trace_spec *t, size_t i);
int      trace_function_component(const trace_spec *t, size_t i);
double   trace_function_arrivals(const trace_spec *t, size_t i);
/* Replayed function i's wakes: how often it is invoked after a long idle spell, about its
 * cold starts (azure2019: minutes with arrivals after 6 or more without; lambda-report: the
 * logged cold starts; 0 for the other formats, which do not say). */
double   trace_function_wakes(const trace_spec *t, size_t i);
/* Recorded arrivals of the replayed functions in the window, one pass (for azure2019, a
 * minute cut by start_s or end_s counts its share). */
double   trace_arrivals(const trace_spec *t);
/* lambda-report: whether t reads Lambda's logs, and replayed function i's observed cold
 * starts in the window (the REPORT lines with an Init Duration): their count, returned, a
 * sorted uniform sample of their Init Durations (ms; at most 512 values, *n of them) and
 * their mean (NAN when none). Any out-pointer may be NULL. */
bool     trace_is_lambda(const trace_spec *t);
uint64_t trace_function_logged_cold_starts(const trace_spec *t, size_t i, const double **sample, size_t *n,
                                           double *mean_ms);
/* Malformed rows skipped at load (on_bad_row "skip"), over every file the source reads. */
uint64_t trace_bad_rows(const trace_spec *t);
/* The expected number of arrivals in run time [t0, t1) when the replay starts at run time
 * origin and stops at stop: exact per minute of the trace (azure2019), per bucket of at
 * least a minute otherwise; a sample of functions of a per-invocation trace is assumed to
 * follow the whole trace's profile in time (prorated). */
double   trace_expected_arrivals(const trace_spec *t, double origin, double stop, double t0, double t1);

/* ---- replaying ----------------------------------------------------------------- */

/* One replayed arrival. */
typedef struct trace_arrival {
    int    target;     /* component index */
    double run_ms;     /* recorded handler time (ms), or -1: drawn by the function */
    double size_kb;    /* recorded payload size, or -1: the source's size_kb */
    int    tenant;     /* tenant index, or -1: the source's tenant */
} trace_arrival;

typedef void (*trace_emit_fn)(void *ctx, const trace_arrival *a);

/* Starts replaying t on s from run time origin: arrivals at or after stop are not made.
 * Randomness (placement inside a minute) comes from r. Every arrival is passed to emit
 * when its time comes. A file that cannot be opened or read any more ends the replay
 * (a read error). With block_of (a partitioned replay's plan, by component), only the
 * functions whose block is block are replayed (NULL: all). NULL only when out of memory. */
trace_player *trace_player_alloc(const trace_spec *t, sim *s, gsl_rng *r, double origin,
                                 double stop, trace_emit_fn emit, void *ctx,
                                 const uint32_t *block_of, uint32_t block);
/* Arrivals replayed so far, and read problems met (each ends the trace early). */
uint64_t trace_player_arrivals(const trace_player *p);
uint64_t trace_player_read_errors(const trace_player *p);
void     trace_player_free(trace_player *p);

#endif
