/* internal.h — what the parts of the function kind (the .c files of models/function/)
 * share, and nothing else includes: the parsed spec (function_spec and its calls, deployments,
 * keep-alive settings), the run state (function_state, its instances, call steps, keep-alive
 * units and Greedy-Dual host pool), the functions one part calls in another (prefixed
 * function_), and the small helpers the event loop calls from several parts, static inline
 * so they stay as fast as when everything was one file. models/function.h stays the public
 * face: the kind's table and two queries.
 *
 * Invariants of each structure are stated at its definition and in the header of the part
 * that owns it: instances and slots in core.c, units and the host pool in keepalive.c,
 * deployments in deploy.c, call steps in calls.c, multi-request instances in concurrent.c. */
#ifndef SLSIM_FUNCTION_INTERNAL_H
#define SLSIM_FUNCTION_INTERNAL_H

#include "models/function.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/breaker.h"
#include "models/retry.h"
#include "models/traffic.h"
#include "sim/dist.h"
#include "sim/freelist.h"
#include "sim/heap.h"
#include "sim/rng.h"

/* ---- spec ------------------------------------------------------------------------ */

typedef enum keep_alive_policy {
    KEEP_FIXED, KEEP_UNIFORM, KEEP_NONE, KEEP_FOREVER, KEEP_HYBRID, KEEP_GREEDY_DUAL
} keep_alive_policy;

/* What keep-alive keeps: each execution environment on its own (Lambda), or a function or
 * a whole app loaded as one unit that serves any number of executions at once (the model of
 * "Serverless in the Wild", Shahrad et al., ATC 2020). */
typedef enum keep_alive_scope { SCOPE_INSTANCE, SCOPE_FUNCTION, SCOPE_APP } keep_alive_scope;
/* keep_alive.on_full: a request the host cannot start for memory is dropped, throttled, or
 * waits for memory in the host's first-in-first-out queue. */
enum { ON_FULL_DROP, ON_FULL_THROTTLE, ON_FULL_QUEUE };

/* The hybrid histogram policy (ATC 2020, section 4.2): idle times in bins over a range;
 * when the histogram is representative, unload after an execution, load again at the head
 * percentile minus the margin and unload at the tail percentile plus the margin; otherwise
 * keep the unit loaded for the fallback window. */
typedef struct hybrid_spec {
    double   range_s, bin_s, head_pct, tail_pct, margin, cv_min, oob_max, fallback_s;
    uint32_t min_samples, bins;
} hybrid_spec;

/* One step of a successful invocation: count calls to target, in order. An asynchronous
 * step sends count messages and goes on; a synchronous one waits for each call (or for
 * all at once when parallel), with its timeout, retry policy, breaker and fallback. */
typedef struct function_call {
    char        *target_name;
    char        *name;           /* names its figures: calls.<name>.* */
    int          target;         /* component index after link */
    int          mode;           /* -1 follows the target, 0 async, 1 sync */
    bool         sync, parallel, idempotent, fallback;
    dist         count;          /* calls per invocation (rounded to a whole number) */
    double       size_kb;
    double       response_kb;    /* what comes back (network.c counts both ways) */
    double       timeout_s;      /* INFINITY: the function's own timeout bounds it */
    retry_policy retry;
    breaker_spec breaker;
    int          conn;           /* bit of the target in an instance's connections, or -1 */
} function_call;

/* A deployment: from at_s a new version takes a growing share of the invocations (all at
 * once, a canary share for interval_s, or percent more every interval_s) until it serves
 * all of them, unless its alarm (its error share over a window) rolls it back first. The
 * version has its own duration, error rate and cold start (its package). */
enum { DEPLOY_ALL_AT_ONCE, DEPLOY_CANARY, DEPLOY_LINEAR };

typedef struct deployment {
    double   at_s;
    int      strategy;
    double   percent, interval_s;    /* canary: share for interval_s; linear: step every interval_s */
    double   rollout_s;              /* from at_s to serving everything */
    bool     alarm;
    double   alarm_error_rate, alarm_window_s;
    uint32_t alarm_min_invocations;
    dist     duration_ms, cold_start_ms;   /* the new version's (cold_start_ms: its init) */
    dist     platform_ms;                  /* its platform time (its package's download) */
    double   error_rate;
} deployment;

/* What seeing inside a Lambda function costs (spec.c's "logs", "tracing", "metrics"; off
 * unless given). Each is a rate per invocation or a count, turned into usage by the meter:
 * nothing here runs per request except X-Ray's per-second reservoir (core.c). */
typedef struct observability {
    bool     tracing;           /* X-Ray active tracing */
    double   debug_kb;          /* what an invocation adds at DEBUG, KB */
    double   debug_share;       /* invocations at DEBUG: 1 at level debug, else the sample rate */
    double   retention_days;    /* 0: log storage not priced (no retention given) */
    double   archive_ratio;     /* archived (compressed) size / ingested size */
    double   trace_rate;        /* FixedRate: share traced once the reservoir is spent */
    uint32_t trace_reservoir;   /* ReservoirSize: requests traced first in each second */
    double   trace_reads;       /* traces retrieved or scanned per trace recorded */
    uint32_t custom_metrics;    /* custom metrics the function publishes (0: none) */
    bool     metrics_emf;       /* embedded metric format (logs) rather than PutMetricData */
    double   metrics_api_calls; /* PutMetricData requests per invocation */
    double   metrics_emf_kb;    /* EMF: what its log line adds per invocation, KB */
} observability;

typedef struct function_spec {
    /* Read on every invocation, so kept together in the first three cache lines (64-byte
     * aligned, see function_alloc_lines): with thousands of functions each line of its
     * spec an invocation reads is a cache miss. */
    bool              shared;          /* concurrent.c runs it (Cloud Run, Flex, Azure concurrency > 1) */
    bool              no_cold_start;   /* Workers: a new isolate is no cold start */
    bool              has_sync;        /* some step waits on a call */
    /* idempotency: calls[0] is a conditional write of the event's key to the store, made
     * before the handler runs; a delivery whose key another delivery holds skips its
     * handler (async.c, calls.c) */
    bool              idempotency;
    bool              has_cpu_ms;      /* Workers: a CPU-time distribution of its own */
    provider          provider;
    int64_t           reserved;        /* -1: none (shares the account's unreserved pool) */
    uint32_t         *tenant_limit;    /* bulkheads: most concurrent invocations per tenant */
    size_t            n_calls;
    double            speed_factor;    /* duration multiplier from the CPU share */
    double            timeout_ms, error_rate;
    double            idle_min_s, idle_max_s;
    double            bill_gran_ms, bill_min_ms; /* duration rounded up to, at least */
    double            cpu_per_s;       /* GHz (Cloud Functions 1st gen) or vCPU (Cloud Run) */
    dist              duration_ms;
    observability     obs;             /* Lambda: log levels, storage, X-Ray, custom metrics */
    /* the rest: cold starts, set-up, reports */
    char             *name;
    double            memory_mb, reference_memory_mb, cpu_bound_fraction, threads;
    int               arch;            /* 0 x86_64, 1 arm64 */
    dist              cold_start_ms;   /* init: billed where the provider bills it */
    dist              platform_ms;     /* before init, never billed */
    bool              legacy_cold_start; /* cold_start_ms given: all of it init, no platform */
    bool              snapstart;       /* cold_start_ms is SnapStart's restore, not init */
    bool              snapstart_billed; /* Python and .NET pay for the cache and restores */
    double            snapstart_versions; /* published versions whose snapshots are cached */
    keep_alive_policy keep_alive;
    keep_alive_scope  scope;
    hybrid_spec       hybrid;
    char             *app;             /* the app it belongs to (its own name by default) */
    int               unit_owner;      /* scope function/app: the component holding the unit */
    double            pool_gb;         /* greedy-dual: the host memory its units share */
    double            package_mb;      /* deployment package: the default cold start grows with it */
    double            cache_hit_ratio, cache_ttl_s;   /* local_cache in front of the first sync step */
    size_t            n_deploy;        /* deployments: a new version replaces the old at each */
    struct deployment *deploy;
    int               runtime;         /* index into runtime_names */
    int               edge;            /* Lambda@Edge: 0 no, 1 viewer trigger, 2 origin trigger */
    bool              in_vpc;          /* placed in the scenario's VPC (platform.vpc) */
    bool              network_figures; /* in the VPC or calling the internet: network_* figures */
    double            region_rtt_ms;   /* an edge function's round trip to the region, paid by
                                          each attempt of a synchronous call (NAN: not yet
                                          known; 0 elsewhere) */
    bool              region_rtt_derived; /* region_rtt_ms was derived from a source's round trips */
    int               pool_owner;      /* greedy-dual or instance_pool: the component holding the host pool */
    bool              instance_pool;   /* scope "instance" with pool_gb: one container per execution
                                          under the host's memory */
    uint8_t           on_full;         /* ON_FULL_...: what a full host does with a request */
    bool              gd_per_container; /* Greedy-Dual at scope instance: each container's own
                                           executions as its frequency (else its function's) */
    uint32_t          provisioned;     /* provisioned instances (a schedule's largest count) */
    size_t            n_pc_actions;    /* provisioned_schedule: daily actions, by hour */
    double            pc_start_hour, pc_at_hour[24];
    uint32_t          pc_count[24];
    double            scale_per_10s;   /* new environments per 10 s (may be below 1) */
    double            scale_burst;     /* the bucket's size: max(1, scale_per_10s) */
    int               trigger;         /* what invokes it (Azure scales non-HTTP triggers slower) */
    uint32_t          limit;           /* most instances busy at once: reservation or account */
    /* asynchronous invocation (Lambda's internal event queue) */
    uint32_t          async_max_retries;    /* after function errors and timeouts: 0-2 */
    double            async_max_age_s;      /* events older than this are not retried */
    double            async_duplicate_rate; /* share of events delivered twice */
    char             *on_failure_name;      /* destination for failed events, or NULL */
    int               on_failure;           /* its component index (after link), or -1 */
    function_call    *calls;
    bool              count_effects;   /* reports duplicate_side_effects (async or idempotency given) */
    /* billing rules of the provider */
    double            bill_gb;         /* memory billed, GB (rounded as the provider does) */
    uint32_t          concurrency;     /* requests an instance serves at once (Cloud Run) */
    double            ephemeral_mb;    /* /tmp storage configured (512 MB free) */
    double            log_kb;          /* log lines an invocation writes */
    double            log_events;      /* Workers: log events an invocation writes */
    dist              cpu_ms;
    uint32_t          n_conn;          /* connection-limited targets */
    int               conn_target[64];
    /* Cloud Run's instances (concurrent.c; read by cloudrun.c): several requests share an
     * instance's vCPUs; an autoscaler on CPU and concurrency; min and max instances */
    bool              bill_instance;   /* instance-based billing (CPU always allocated) */
    bool              bill_startup;    /* an instance's startup is billed (Cloud Run; not Azure) */
    uint32_t          min_instances, max_instances;
    double            cpu_target, concurrency_target;  /* autoscaling targets, 0: not a driver */
    double            scale_interval_s, scale_window_s;
    double            pending_s;       /* a request waits this long for room, then 429 */
    double            boost;           /* startup CPU boost: vCPU multiplier (1: none) */
    double            boost_after_s;   /* how long the boost lasts after the startup */
} function_spec;

/* ---- run state ----------------------------------------------------------------------- */

/* An invocation with call steps (calls.c), held by whatever runs it: a one-request instance
 * (core.c: instance.call, named by its slot) or a request on an instance serving several
 * (concurrent.c: a job's, named by the job's index). calls.c reads and writes only this, the
 * holder's instance's connections and cache (st->inst[slot]), and ends the invocation
 * through the holder (end_invocation). */
typedef struct call_ctx {
    uint32_t serving;        /* request index, or UINT32_MAX when the client left */
    uint32_t source;         /* traffic source of the request being served */
    double   created;        /* and its creation time, for the pipeline's clock */
    uint8_t  traced;         /* it is (or derives from) a measured request */
    uint8_t  measured;       /* it started in the measured window */
    uint8_t  step, in_step;  /* the step it is at, and whether that step has begun */
    uint8_t  issuing;        /* calls of a step are being sent (replies may come at once) */
    uint8_t  forwarded;      /* it sent messages on */
    uint16_t tenant;
    uint32_t epoch;          /* bumped when an invocation starts and ends: stale events */
    uint32_t left, pending;  /* calls of the step not yet sent, and awaited */
    uint32_t slot;           /* the instance whose connections and cache its calls use */
    double   deadline;       /* when the function's own timeout ends it */
    /* idempotency: the handler runs after the key's check (calls[0]) for handler_ms and
     * ends with handler_result (drawn at the start); checking until the check is done */
    double   handler_ms;
    uint8_t  handler_result, checking;
} call_ctx;

/* What an invocation's start and end touch comes first: with the array 64-byte aligned
 * (freelist_grow), a function without call steps reads and writes one cache line of its
 * instance per invocation (idle_since to the call's slot); the rest is for call steps,
 * local caches and shared instances. */
typedef struct instance {
    double   idle_since, expiry;
    uint8_t  result;         /* attempt_result of the current invocation */
    uint8_t  provisioned;
    uint32_t version;        /* the deployment it was started under */
    call_ctx call;           /* the request it serves (with synchronous calls: their state) */
    double   cached_at;      /* its local cache's last fetch (-inf: empty) */
    double   started;        /* an invocation with synchronous calls: its start */
    uint64_t conns;          /* connections held, by the function's conn_target bit */
    /* an instance serving several requests at once (concurrent.c) */
    uint32_t active;
    double   busy_start;
} instance;

/* A call step's figures and its breaker. */
typedef struct step_state {
    uint64_t calls, attempts, failed, fallbacks, fast_failures, duplicates, opens;
    double   open_s;
    breaker  breaker;
} step_state;

/* A function or an app loaded as one unit (keep_alive.scope "function" or "app"). Lazy like
 * the instances: after its last execution ends at idle_since the unit is loaded during
 * [load_at, unload_at) (and always while an execution runs); nothing fires when it loads or
 * unloads; the next arrival (or the end of the run) settles the idle period. */
typedef struct ka_unit {
    const function_spec *f;      /* whose keep_alive settings apply: the owner's */
    double    gb;                /* memory held while loaded (an app: its functions' together) */
    uint32_t  running;
    double    idle_since, load_at, unload_at;
    double    ready_at;          /* a cold load ends here: executions joining before wait */
    bool      ended;             /* an execution has ended: idle times follow */
    uint32_t *bins;              /* hybrid: histogram of idle times */
    uint64_t  samples, oob;      /* idle times seen, and those beyond the range */
    double    sumsq;             /* sum of squared bin counts (the histogram's CV) */
    uint64_t  prewarms;          /* loads ahead of an arrival (measured window) */
    double    idle_loaded_s;     /* loaded and idle (measured window) */
    double    t_start;
    struct function_state *owner; /* whose figures hold its idle time */
    gsl_rng  *r_keep;
    /* greedy-dual: loaded until evicted */
    struct host_pool *pool;
    bool      resident;          /* loaded (running or idle) */
    uint32_t  pool_id;           /* its id in the pool (units[pool_id] is this unit) */
    double    freq, cost_ms, priority;
    uint64_t  evictions;         /* measured window */
} ka_unit;

/* FaasCache's Greedy-Dual keep-alive (Fuerst and Sharma, ASPLOS 2021): units stay loaded
 * while the host has room; to load one, the idle units of lowest priority = clock +
 * frequency x cold-start cost / memory are evicted, and the clock moves up to the last
 * evicted priority. A min-heap of the idle units by priority; running units cannot be
 * evicted (when they fill the host, an unloaded unit's invocation is throttled). */
typedef struct host_pool {
    double    capacity_gb, used_gb, clock;
    heap      idle;              /* pool ids of the idle resident units, by priority */
    ka_unit **units;             /* by pool id: every unit on the host */
    uint32_t  n_units, cap_units;
    /* Containers (keep_alive.scope "instance" with pool_gb, keepalive.c): one per execution,
     * each holding its function's memory; idle ones in `idle` by Greedy-Dual priority, or
     * under a window (fixed, uniform, hybrid) by expiry there and by last use in `lru`. A
     * container's pool id is its entry here; ids are reused. */
    struct pool_entry {
        struct function_state *st;
        uint32_t slot;
        double   count;          /* executions it has served (Greedy-Dual's frequency) */
    } *entries;
    uint32_t  n_entries, cap_entries;
    uint32_t *free_ids;
    uint32_t  n_free;
    heap      lru;               /* window policies: the idle containers by the end of their
                                    last execution (evicted least recently used first, as
                                    the published simulator does; `idle` keyed by expiry
                                    then only finds the expired ones) */
    double    idle_gb;           /* what the idle containers hold (evicting them all frees it) */
    double    peak_gb;           /* the most its live containers held (measured window) */
    /* on_full "queue": requests waiting for memory, a doubly linked list through waits[]
     * (ids reused through wait_free; gen tells a reused id from its deadline's event) */
    struct host_wait { struct function_state *st; uint32_t req, prev, next, gen; } *waits;
    uint32_t  n_waits, cap_waits, wait_head, wait_tail, wait_free;
    bool      serve_armed;       /* an event at the current time serves the queue */
} host_pool;

#define POOL_NONE UINT32_MAX     /* a slot without a container on the host */

/* An event delivered more than once (at least once: async.c's copies): what its deliveries
 * share. owner is the delivery (1 the first, 2 the copy) holding its idempotency key, 0
 * none; ran counts its handler runs that ended well; refs its deliveries not yet ended. */
typedef struct event_key {
    uint8_t owner, ran, refs;
} event_key;

typedef struct function_state {
    /* Touched on every invocation, so kept together in the first four cache lines (the
     * struct is 64-byte aligned, see function_alloc_lines): with thousands of functions each line an invocation
     * reads is a cache miss. */
    const function_spec *f;
    world    *w;
    instance *inst;
    uint32_t *idle;                  /* on-demand idle stack, top = most recent */
    uint32_t *idle_pc;               /* provisioned idle instances */
    uint32_t *pool_busy;             /* on-demand busy count of the shared pool, or NULL */
    uint32_t *pool_peak;             /* the most it has held (world's unreserved_peak) */
    ka_unit  *unit;                  /* scope function/app: shared with the app's functions */
    uint32_t *pool_ids;              /* instance_pool: each slot's id on the host (below) */
    struct shared_state *shared;     /* concurrent.c's state (f->shared), or NULL */
    uint32_t  n_idle, n_idle_pc;     /* sizes of the two idle stacks */
    uint32_t  busy;                  /* all busy instances */
    uint32_t  pool_limit;
    uint32_t  version;               /* the live version: 0 the first, i + 1 deployment i's */
    uint32_t  cand;                  /* the version taking a share while it deploys, or 0 */
    uint32_t *tenant_busy;           /* per tenant, with bulkheads */
    /* With tenants (else NULL), in the window: each tenant's invocations and on-demand billed
     * ms (one-request instances only; a shared instance bills busy periods, not requests),
     * which the meter records as the tenant's usage. */
    uint64_t *tenant_invocations, *tenant_billed_ms;
    gsl_rng  *r_duration, *r_error, *r_keep;
    /* measured figures */
    uint64_t  invocations, errors, timeouts;
    uint64_t  billed_ms, wasted_ms;
    double    time_inside_s;
    gauge     concurrency;
    /* Busy and idle instance-seconds in the window (totals); the time lines go straight to
     * the world's, so memory does not grow with functions x intervals. Idle time is clipped
     * to [t_start, idle_end): idle_end is t_start + (t_end - t_start), which rounding may
     * set a hair off t_end (what the one-bin series that held it before clipped to). */
    double    busy_s, idle_s, idle_end;
    /* the rest: cold starts, deployments, calls, set-up */
    gsl_rng  *r_cold, *r_platform;
    uint64_t  cold_starts, throttles;
    uint64_t  on_provisioned, billed_ms_pc;   /* invocations on provisioned instances, their ms */
    double    cpu_units;             /* other providers: GHz-s, vCPU-s or Workers CPU-ms */
    double    share;                 /* its share of the invocations */
    double    next_shift, next_check;  /* its next traffic step and alarm check */
    uint32_t  win_inv, win_err;      /* its invocations and errors in the alarm window */
    gsl_rng  *r_deploy;
    uint64_t  cache_hits, cache_misses;
    gsl_rng  *r_cache;
    uint64_t  deployments, rollbacks;        /* in the measured window */
    uint64_t  new_invocations, new_errors;   /* of versions while they deploy (window) */
    bool      owns_unit;
    host_pool *pool;                 /* greedy-dual: shared by every such function */
    bool      owns_pool;
    /* instance_pool: pool_ids (above) holds each slot's pool id (POOL_NONE: no container
     * held); the function's Greedy-Dual frequency (its live containers' executions), its
     * containers on the host and, in the window, its containers evicted and requests
     * dropped for want of memory */
    double    pool_freq;
    uint32_t  pool_live;
    uint64_t  pool_evictions, dropped_for_memory;
    uint64_t  memory_waits, memory_wait_timeouts;   /* on_full "queue", measured window */
    ka_unit  *hist;                  /* hybrid at scope instance: the function's idle times
                                        (read only when f->keep_alive is hybrid) */
    uint32_t  max_slots;             /* inst grows on demand up to max_slots */
    freelist  free_slots;            /* inst's free slots; its capacity is inst's */
    uint32_t  pc_live, pc_cap;       /* provisioned instances, and how many there should be */
    double    pc_t, pc_area;         /* configured instance-seconds in the window, up to pc_t */
    double    min_idle_s;            /* Cloud Run: idle min-instance seconds (window) */
    double    tokens, tokens_t;      /* scale-up bucket */
    /* measured figures */
    uint64_t  trace_reservoir_taken;   /* X-Ray: invocations traced by the reservoir */
    double    trace_second;            /* the clock second the reservoir counts (-1: none yet) */
    uint32_t  trace_in_second;         /* invocations in that second */
    double    init_ms_sum;           /* cold starts' init time (measured window) */
    double    platform_ms_sum;       /* cold starts' platform time (measured window) */
    step_state *steps;               /* per call step */
    gsl_rng  *r_retry, *r_cpu;
    uint64_t  async_events, async_retries, async_expired, async_to_on_failure, async_dropped,
              async_duplicates, async_extra_requests;
    int       index;                 /* this component's index: the caller of async attempts */
    uint64_t  messages_sent;         /* by its calls */
    event_key *keys;                 /* events delivered twice, named by request.tag */
    freelist  free_keys;
    uint64_t  duplicate_side_effects, idempotency_skipped, idempotency_in_progress; /* window */
    gsl_rng  *r_async;
} function_state;

/* ---- figures.c ---- */
double function_log_gb(const function_spec *f, const function_state *st);
double function_traces_recorded(const function_spec *f, const function_state *st);

/* ---- core.c ---- */
int function_grow_slots(function_state *st);
void function_throttle(function_state *st, world *w, uint32_t req, double now);
void function_on_client_gave_up(sim *s, void *target, uint64_t arg);
void function_release_instance(function_state *st, uint32_t slot, double now);
void function_discard_instance(function_state *st, uint32_t slot);
attempt_result function_draw_outcome(function_state *st, uint32_t version, uint32_t items,
                                     bool poison, double recorded_ms, double *run_ms);
uint32_t function_take_instance(function_state *st, world *w, double now, int *cold_out, uint32_t v);
/* What function_take_instance returns when a host of containers has no room (else it
 * returns a slot, or UINT32_MAX: throttled). */
#define TAKE_HOST_FULL (UINT32_MAX - 1)
void function_accept(void *state, world *w, uint32_t req);

/* ---- spec.c ---- */
void function_free_spec(void *p);
void *function_parse(cfg_node *n, world_spec *w);
int function_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path);

/* ---- keepalive.c ---- */
int function_pool_join(host_pool *p, ka_unit *u);
bool function_pool_make_room(host_pool *p, double gb, double now);
/* Containers on a host (instance_pool). A new container of st at slot: room made by
 * evicting idle ones. Returns 1, 0 when the host is full of running containers, or -1 when
 * out of memory. */
int  function_container_load(function_state *st, uint32_t slot, double now);
/* slot's container starts an execution (warm), becomes idle (its expiry set), or goes. */
void function_container_take(function_state *st, uint32_t slot);
int  function_container_idle(function_state *st, uint32_t slot);
void function_container_gone(function_state *st, uint32_t slot);
/* on_full "queue": req waits for memory (its deadline still applies); the host's queue is
 * served at the current time when a container ends. Return -1 when out of memory. */
int  function_host_wait(function_state *st, uint32_t req, double now);
int  function_host_serve_soon(host_pool *p, sim *s, double now);
/* st's requests still waiting for memory (at the end of the run: the backlog left). */
uint32_t function_host_waiting(const function_state *st);
/* core.c: a request that waited tries again; false when the host is still full. */
bool function_host_retry(function_state *st, uint32_t req, double now);
/* Hybrid at scope instance: st->hist counts the function's running executions and learns
 * its idle times; an ending execution's container stays for the keep-alive window. */
void   function_hist_arrive(ka_unit *u, double now);
double function_hist_release(ka_unit *u, double now);
void function_unit_close_idle(ka_unit *u, double now);
void function_unit_arrive(ka_unit *u, double now);
int function_unit_release(ka_unit *u, double now);
double function_unit_join(ka_unit *u, double now, int cold, double init_ms, double end);

/* ---- provisioned.c ---- */
bool function_reclaim_idle(function_state *st, uint32_t keep, double now);
size_t function_pc_action_at_start(const function_spec *f);
double function_pc_next(const function_spec *f, double now, size_t *k);
void function_pc_account(function_state *st, double now);
void function_pc_set(function_state *st, uint32_t target, double now);
void function_on_pc_action(sim *s, void *target, uint64_t arg);

/* ---- deploy.c ---- */
void function_on_deploy(sim *s, void *target, uint64_t arg);
void function_deploy_observe(function_state *st, uint32_t version, attempt_result result, double now);

/* ---- calls.c ---- */
long function_send_calls(function_state *st, world *w, const call_ctx *from);
void function_run_steps(function_state *st, uint32_t id);
void function_on_client_deadline(sim *s, void *target, uint64_t arg);
void function_call_reply(function_state *st, world *w, uint32_t sub, attempt_result result);
void function_on_compute_done(sim *s, void *target, uint64_t arg);

/* ---- concurrent.c ---- */
int  function_shared_start(function_state *st);
void function_shared_free(function_state *st);
void function_shared_finish(function_state *st, double end);
void function_shared_accept(function_state *st, world *w, uint32_t req);
call_ctx *function_shared_call(function_state *st, uint32_t k);
void function_shared_calls_end(function_state *st, uint32_t k, attempt_result result);

/* ---- shared.c ---- */
void function_shared_parse(cfg_node *n, function_spec *f);

/* ---- async.c ---- */
void function_enqueue(void *state, world *w, uint32_t req);
typedef enum idempotency_found { IDEMPOTENCY_NEW, IDEMPOTENCY_DONE, IDEMPOTENCY_IN_PROGRESS } idempotency_found;
idempotency_found function_idempotency_seen(function_state *st, world *w, uint32_t req, bool measured);
void function_reply(void *state, world *w, uint32_t req, attempt_result result);

/* ---- figures.c ---- */
void function_report(const void *spec, const void *state, metric_sink *m);
void function_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u);
bool function_calls(const void *spec, const char *path, size_t i, component_edge *e);
bool function_sends(const void *spec, const char *path, size_t i, component_edge *e);

/* ---- small helpers the event loop calls from several parts (inlined) ---- */

/* A zeroed block of size bytes starting on a cache line (the spec and the state keep what
 * an invocation reads in their first lines), or NULL; free() releases it. */
static inline void *function_alloc_lines(size_t size)
{
    size_t rounded = (size + 63) / 64 * 64;
    void *p = aligned_alloc(64, rounded);
    if (p)
        memset(p, 0, rounded);
    return p;
}

/* An invocation's billed ms under the provider's rounding. */
static inline uint64_t billed_ms_of(const function_spec *f, double ms)
{
    double g = f->bill_gran_ms;
    /* Lambda's 1-ms granularity needs no division (ms / 1 is ms, exactly). */
    double billed = g == 1.0 ? ceil(ms - 1e-9) : ceil(ms / g - 1e-9) * g;
    /* fmax without its call (neither is NaN; a -0 rounds to 0 either way) */
    return (uint64_t)(billed > f->bill_min_ms ? billed : f->bill_min_ms);
}

/* Busy and idle instance time: the function's totals and the world's time lines. */
static inline void busy_span(function_state *st, double t0, double t1)
{
    double a = t0 < st->w->t_start ? st->w->t_start : t0, b = t1 > st->w->t_end ? st->w->t_end : t1;
    if (b > a)
        st->busy_s += b - a;      /* a total only: busy time joins the instances' line in world_run */
    series_add_span(&st->w->ts[TS_CONCURRENCY], t0, t1, 1.0);
}

static inline void idle_span(function_state *st, double t0, double t1)
{
    double a = t0 < st->w->t_start ? st->w->t_start : t0, b = t1 > st->idle_end ? st->idle_end : t1;
    if (b > a)
        st->idle_s += b - a;
    series_add_span(&st->w->ts[TS_INSTANCES], t0, t1, 1.0);
}

static inline bool unit_loaded(const ka_unit *u, double now)
{
    if (u->pool)
        return u->running > 0 || u->resident;
    return u->running > 0 || (now >= u->load_at && now < u->unload_at);
}

/* Greedy-Dual's cost of a cold start: what a client waits for one (mean ms, at least 1 µs). */
static inline double function_cold_cost_ms(const function_spec *f)
{
    return fmax(dist_mean(&f->platform_ms) + dist_mean(&f->cold_start_ms), 1e-3);
}

static inline double keep_alive_s(function_state *st)
{
    const function_spec *f = st->f;
    if (f->idle_max_s <= f->idle_min_s)
        return f->idle_min_s;
    return f->idle_min_s + (f->idle_max_s - f->idle_min_s) * rng_uniform(st->r_keep);
}

/* The JSON path of call step k (calls[0] of a function with idempotency is its key's
 * check, written under "idempotency"). */
static inline void function_call_path(const function_spec *f, const char *path, size_t k,
                                      char *out, size_t size)
{
    if (f->idempotency && k == 0)
        snprintf(out, size, "%s.idempotency", path);
    else
        snprintf(out, size, "%s.calls[%zu]", path, k - (f->idempotency ? 1 : 0));
}

static inline uint64_t inst_arg(const function_state *st, uint32_t slot)
{
    return sim_gen_pack(st->inst[slot].call.epoch, slot);
}

#endif
