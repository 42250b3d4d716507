/* internal.h — what the parts of the workflow kind (the .c files of models/workflow/)
 * share, and nothing else includes: the parsed spec (wf_spec, its states and tasks), the run
 * state (workflow_state, its pooled executions and frames) and the functions one part calls
 * in another (prefixed workflow_). models/workflow.h stays the public face: the kind's
 * table and two queries.
 *
 * The parts: spec.c reads a state machine (and refuses loops that take no time), links its
 * tasks and lists its call edges; execution.c runs executions (pools, frames, states, tasks,
 * retries, compensations); kind.c starts and frees a replication's state, emits the figures,
 * meters the bill and holds the kind's table.
 *
 * Invariants of the run state (kept by execution.c): an execution is a tree of frames; a
 * frame runs one scope (the top-level states, a branch of a parallel state, or one item of
 * a map) one state at a time, and a parallel or map state waits for the child frames it
 * starts. Executions and frames are pooled and addressed by index; an element's epoch is
 * bumped each time it is taken and released, and a frame's also each time it enters a
 * state, so every event and every call carries (index, epoch) and anything that arrives for
 * a state that has moved on is dropped. An execution keeps the list of its live frames, so
 * an execution that ends (or a parallel state that fails fast) releases the frames still
 * running under it at once. */
#ifndef SLSIM_WORKFLOW_INTERNAL_H
#define SLSIM_WORKFLOW_INTERNAL_H

#include "models/workflow.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/breaker.h"
#include "models/retry.h"
#include "sim/dist.h"

#define NONE UINT32_MAX
#define EXPRESS_MAX_S 300.0
#define COMP_MAX 32

/* ---- spec ------------------------------------------------------------------------ */

/* The service a workflow runs on (its "service" key; "workflows" is Google's on a gcp table
 * and Cloudflare's on the cloudflare table). */
typedef enum wf_service { WF_STEP_FUNCTIONS, WF_DURABLE, WF_LOGIC_APPS, WF_GOOGLE, WF_CLOUDFLARE } wf_service;

/* Logic Apps: what a task's call is metered as. */
typedef enum wf_connector { CONNECTOR_BUILT_IN, CONNECTOR_STANDARD, CONNECTOR_ENTERPRISE } wf_connector;

typedef enum stype { S_TASK, S_CHOICE, S_WAIT, S_PARALLEL, S_MAP, S_SUCCEED, S_FAIL } stype;

typedef struct wf_task {
    char    *target_name;
    int      target;
    double   timeout_s;           /* INFINITY: none */
    double   size_kb;
    /* Retry, as Amazon States Language's Retrier: up to max_retries retries, the first after
     * interval_s, each next one backoff_rate times longer, capped at max_delay_s. */
    uint32_t max_retries;
    double   interval_s, backoff_rate, max_delay_s;
    bool     jitter;              /* FULL: each wait drawn from [0, delay) */
    bool     retry_on[5];
    /* A circuit breaker in front of the target (models/breaker.h; off unless given): while
     * open, an attempt fails at once without a call, and the retry or catch takes over. */
    breaker_spec breaker;
    /* Google Workflows: a call outside Google Cloud's internal endpoints (an external step;
     * set at link from the target's kind). Logic Apps: the action's metering. */
    bool         external;
    wf_connector connector;
} wf_task;

typedef struct wf_state {
    char    *name;
    char     path[CFG_PATH_MAX];  /* its JSON path, for messages after parsing */
    stype    type;
    int      scope;
    int      next;                /* -1: the scope ends here, successfully */
    char    *next_name;
    bool     ends;                /* `end`: no next state */
    /* task */
    wf_task  task;
    int      catch_next;          /* -1: a failure fails the scope */
    char    *catch_name;
    bool     has_comp;
    wf_task  comp;
    /* choice */
    size_t   n_choices;
    double  *choice_cum;
    int     *choice_next;
    char   **choice_names;
    /* wait */
    dist     wait_s;
    bool     event;               /* wait for an external event; wait_s is its delay */
    double   event_timeout_s;     /* INFINITY: none */
    /* parallel */
    size_t   n_branches;
    int     *branch_scope;
    /* map */
    dist     items;
    uint32_t max_concurrency;     /* 0: no limit */
    double   tolerated_pct;
    uint32_t items_per_batch;
    int      item_scope;
} wf_state;

typedef struct wf_spec {
    char     *name;
    wf_service service;
    bool      express;
    double    memory_mb;          /* Express: billed memory */
    double    timeout_s;          /* the execution's own limit */
    size_t    n_states;
    wf_state *states;
    size_t    n_scopes;
    int      *scope_start;
    uint32_t  trace_executions;
    /* Durable Functions: each replay of the orchestrator is a Consumption execution of
     * replay_ms at memory_mb (billed at least 100 ms, memory in 128 MB steps: bill_gb_s a
     * replay); storage transactions per step; the storage queues' polling back-off. */
    double    replay_ms, replay_gb_s;
    double    storage_transactions_per_step;
    double    max_poll_s, min_poll_s;
    /* Cloudflare Workflows: CPU-ms of the workflow's own code per step, and how long an
     * instance's step results are kept (storage). */
    double    cpu_ms_per_step, retention_s;
} wf_spec;

/* ---- run state ------------------------------------------------------------------- */

typedef enum wf_outcome { WF_SUCCEEDED, WF_FAILED, WF_TIMED_OUT, WF_COMPENSATED,
                          WF_COMPENSATION_FAILED, WF_OUTCOMES } wf_outcome;
/* The outcomes' names, in figures and traces (kind.c). */
extern const char *const workflow_outcome_names[WF_OUTCOMES];

/* Executions and frames live in pools: both begin with this link (C11 anonymous struct). */
typedef struct pool_link {
    uint32_t next_free;     /* free list */
    uint32_t epoch;         /* bumped each time the element is taken and released */
} pool_link;

typedef struct wf_exec {
    struct { uint32_t next_free; uint32_t epoch; };
    uint32_t req;           /* the request that started it */
    uint32_t frames;        /* head of its frame list */
    uint32_t transitions;
    uint32_t n_comp, comp_done;
    uint16_t comp[COMP_MAX];/* states whose compensation is owed, in completion order */
    double   started, deadline, wait_s, work_s;
    uint8_t  live, measured, sync, traced;
    uint8_t  forwarded;     /* a task's callee sent work on */
    uint32_t trace_id;
    double   last_replay;   /* Durable Functions: when its orchestrator last replayed */
} wf_exec;

typedef struct wf_frame {
    struct { uint32_t next_free; uint32_t epoch; };
    uint32_t exec, exec_epoch;
    uint32_t parent, parent_epoch;
    uint32_t prev, next;    /* the execution's frame list */
    int      state;
    uint32_t attempt;
    double   entered;
    /* a parallel or map state waiting on its children */
    uint32_t pending, started, done, failed, total;
    uint8_t  live, issuing, comp_frame;
    uint8_t  in_state;      /* its state's time is running (not yet added to the figures) */
    uint8_t  result;        /* Durable Functions: a task's answer on its way through the control queue */
} wf_frame;

typedef struct state_stats {
    uint64_t entries, retries;
    double   time_s;
    /* circuit breakers (a task's, its compensation's): their state, how often one opened
     * and the attempts an open one failed at once */
    breaker  task_breaker, comp_breaker;
    uint64_t breaker_opens, breaker_rejected;
} state_stats;

typedef struct workflow_state {
    const wf_spec *s;
    world    *w;
    int       index;
    wf_exec  *ex;
    uint32_t  cap_ex, free_ex;
    wf_frame *fr;
    uint32_t  cap_fr, free_fr;
    gsl_rng  *r_choice, *r_wait, *r_items, *r_retry;
    uint64_t  started, outcomes[WF_OUTCOMES], compensations_run;
    uint64_t  transitions, express_100ms_units, billed_executions;
    double    transitions_max, wait_s, work_s;
    tally     transitions_t;
    /* Other services' meters (only what happens in the measured window): Google's external
     * steps (the rest of transitions are internal), Durable Functions' replays and storage
     * steps, Logic Apps' actions and connector calls, Cloudflare's steps and the KB their
     * results keep. */
    uint64_t  external_steps, replays, storage_steps, actions, connector_calls[3];
    uint64_t  cf_steps;
    double    stored_kb;
    /* Durable Functions: the task hub's two storage queues (control and work items), each
     * polled with back-off: last_found is when a poll last found messages. */
    double    poll_found[2];     /* [POLL_QUEUES_CONTROL], [POLL_QUEUES_WORK] */
    hist      dispatch_ms;
    hist      latency_ms;
    state_stats *stats;
    gauge     in_flight;
    series    in_flight_s;
    /* the first trace_executions executions started in the window, as text */
    char     *trace;
    size_t    trace_len, trace_cap;
    uint32_t  traced;
} workflow_state;

#define POLL_QUEUES_CONTROL 0
#define POLL_QUEUES_WORK    1

/* ---- what one part calls in another ------------------------------------------------ */

/* spec.c: the kind's parse, free_spec, link and calls slots. */
void *workflow_parse(cfg_node *n, world_spec *w);
void  workflow_free_spec(void *p);
int   workflow_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path);
bool  workflow_calls(const void *spec, const char *path, size_t i, component_edge *e);

/* execution.c: an execution starts from a call (accept: the caller waits for its
 * outcome) or from an event (enqueue: it ends the request itself); reply takes a task's
 * answer. */
void workflow_accept(void *state, world *w, uint32_t req);
void workflow_enqueue(void *state, world *w, uint32_t req);
void workflow_reply(void *state, world *w, uint32_t sub, attempt_result result);

#endif
