/* world.h — the serverless world: a scenario's immutable spec, one replication's state,
 * the component-kind interface, requests and their outcomes.
 *
 * The spec is built once from the scenario (world_spec_load) and is read-only while
 * replications run; each replication owns a world (engine, RNG streams, request pool,
 * component states, metrics). Every request that arrives in the measured window ends in
 * exactly one outcome or is in flight at the end; world_run checks this, and the same of
 * every unit of work (work_counts). */
#ifndef SLSIM_WORLD_H
#define SLSIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/engine.h"
#include "sim/freelist.h"
#include "sim/stats.h"
#include "sim/strmap.h"
#include "models/billing.h"
#include "models/ratelimit.h"

typedef struct world_spec world_spec;
typedef struct world world;
typedef struct source_spec source_spec;

/* What one attempt of a call came back with. */
typedef enum attempt_result {
    RESULT_OK, RESULT_ERROR, RESULT_TIMEOUT, RESULT_THROTTLED,
    RESULT_PARTIAL      /* the handler failed only on poisoned items (it can report which) */
} attempt_result;

/* How an original request (or event) ended: exactly one per request. */
typedef enum request_outcome {
    OUTCOME_COMPLETED, OUTCOME_FAILED, OUTCOME_THROTTLED, OUTCOME_TIMED_OUT, OUTCOME_DROPPED,
    OUTCOME_DEAD_LETTERED, OUTCOME_EXPIRED
} request_outcome;

#define CALLER_CLIENT (-1)
#define CALLER_GATEWAY (-2)   /* the gateway's Lambda authorizer call (models/authorizer.c) */

/* A request, event or message in flight: small, pooled, addressed by index (no malloc per
 * request). Whoever sends it to a component sets caller and tag; the component answers
 * each attempt through world_reply. */
typedef struct request {
    /* The first 64 bytes: what a request's start and end touch on the plain path from a
     * client to a function and back. */
    double   created;        /* when the original request or event was created */
    double   deadline;       /* the caller stops waiting for this attempt at this time */
    double   backoff_prev_ms;/* decorrelated jitter remembers the last sleep */
    float    size_kb;        /* payload size */
    float    run_ms;         /* handler time recorded in a trace (ms), or < 0: drawn */
    uint32_t target;         /* component a traffic source sends it to (trace sources: per request) */
    uint32_t source;         /* traffic source index */
    uint32_t attempt;        /* 1-based, per holder */
    uint32_t items;          /* messages it carries (a batch), at least 1 */
    int32_t  caller;         /* component waiting for the reply, or CALLER_CLIENT */
    uint16_t tenant;         /* index into the scenario's tenants (0: the default tenant) */
    uint8_t  measured;       /* counts in requests.* (arrived in the window, not yet ended) */
    uint8_t  live;
    uint8_t  poison;         /* fails every processing attempt */
    uint8_t  traced;         /* derived from a measured request: its processing ends a pipeline */
    uint8_t  forwarded;      /* its processing sent it on (calls, fan-out): not a pipeline's end */
    uint8_t  work;           /* WORK_UNIT: it holds a unit of work (work.*, see work_counts);
                                WORK_CARRIED: a batch whose messages hold units;
                                WORK_DEAD_LETTERED: its unit ended lost, dead-lettered;
                                WORK_PART: a synchronous call (a function's call step, a
                                workflow's task) made for a holder of work */
    uint8_t  result;         /* a callee's attempt_result, kept until its reply */
    uint8_t  is_call;        /* a function's call to a dependency (not an event) */
    uint8_t  duplicate;      /* a second delivery of an event (at-least-once) */
    uint8_t  effect;         /* timed out, but the callee will complete it (side effect) */
    /* The rest: queues, streams, calls and caches. */
    double   entered;        /* when it entered the component holding it (queue wait) */
    double   sent;           /* when it was first sent to a queue (retention), 0 before */
    uint32_t receives;       /* times a queue handed it to a consumer */
    /* A key of the one holder that reads it. Each member is written when its holder takes
     * the request and read only while that holder has it, and no request has two of these
     * holders at once, so one word serves them all (checked by giving each its own field:
     * every scenario's results stay the same):
     * - a FIFO queue, from queue_enqueue until the message leaves the queue;
     * - a stream, from stream_enqueue until finish_batch ends or passes on the record;
     * - a function's call, from issue_call until function_call_reply; a callee takes a
     *   call synchronously (accept) and never hands that request to a queue or a stream;
     * - a client's synchronous attempt, from a gateway cache miss until
     *   traffic_attempt_done; the target takes it synchronously too (an asynchronous
     *   source's request keeps a stale key that nothing reads). */
    union {
        uint32_t fifo_group;         /* the message group of a FIFO queue's message */
        uint32_t partition_key;      /* a stream record's key: its lane, and its order */
        uint32_t breaker_generation; /* the circuit breaker's generation when the call went
                                        out (breaker_allow): its reply counts in that one */
        uint32_t cache_key;          /* the gateway cache key the attempt missed on, filled
                                        by its response, or UINT32_MAX */
    };
    uint32_t queue_next;     /* next in its holder's list: a FIFO queue's group, a stream's lane */
    uint32_t tag;            /* the caller's own reference (a batch, an event slot) */
    uint32_t epoch;          /* the caller's generation of that reference (stale replies) */
    uint8_t  step;           /* a call's step in its function's calls */
} request;

/* ---- component kinds ------------------------------------------------------- */

typedef struct metric_sink metric_sink;

/* An edge of the graph of components: the component it leads to, and the JSON path of the
 * setting that names it (components[2].calls[0].target), for messages. Only the sends slot
 * fills the last two (callers zero the edge first): whether only what failed takes it (a
 * dead-letter queue, an on_failure destination), and a word for the picture, or NULL. */
typedef struct component_edge {
    int         target;
    char        path[CFG_PATH_MAX];
    bool        failures;
    const char *label;       /* "dead letters", "redrive" (a static string) */
} component_edge;

/* Edge i of a component's edges of one sort (spec is the component's, path its JSON path):
 * fills *e and returns true, or returns false when it has no edge i. */
typedef bool (*component_edges)(const void *spec, const char *path, size_t i, component_edge *e);

typedef struct component_kind {
    const char *name;
    const char *plural;      /* names its figures: functions.<name>.*, buses.<name>.* */
    /* JSON -> spec (owned; freed by free_spec). NULL on error (message in n->ctx). */
    void *(*parse)(cfg_node *n, world_spec *w);
    void  (*free_spec)(void *spec);
    /* After every component is parsed: resolves names of other components (path is the
     * component's JSON path, for messages). Returns 0, or -1 with the message in ctx. May
     * be NULL. */
    int   (*link)(void *spec, const world_spec *w, cfg_ctx *ctx, const char *path);
    /* Kinds that pass a message on in the same instant (fan-out): the components they pass
     * it to. NULL for other kinds. world_spec_load refuses a loop of such components, which
     * would never end. */
    component_edges fanout;
    /* Kinds that call others synchronously (world_deliver, then wait for the reply): the
     * components they call. NULL for kinds that call nothing. world_spec_load refuses a
     * cycle of calls: each call would wait on the next, without end. An asynchronous
     * hand-off (world_enqueue) is no edge: the sender does not wait. */
    component_edges calls;
    /* Kinds that hand messages over asynchronously besides their fan-out (world_enqueue,
     * world_dead_letter): the components they send to — a function's asynchronous call steps
     * and on_failure, a queue's dead-letter queue and redrive. Nothing waits on these, so
     * nothing is refused; app/graph.c draws them. NULL for kinds that send nothing else. */
    component_edges sends;
    /* spec -> one replication's state (the component is components[index]); NULL when out
     * of memory. */
    void *(*start)(const void *spec, world *w, int index);
    /* An attempt of request index req arrives; the caller waits for world_reply. */
    void  (*accept)(void *state, world *w, uint32_t req);
    /* An asynchronous hand-off: the component takes request req over (it ends it with
     * world_finish or passes it on); NULL when the kind takes no asynchronous input. */
    void  (*enqueue)(void *state, world *w, uint32_t req);
    /* The reply to an attempt this component sent (it set caller to itself); NULL when the
     * kind calls nothing. */
    void  (*reply)(void *state, world *w, uint32_t req, attempt_result result);
    /* Closes gauges at the end of the run. */
    void  (*finish)(void *state, world *w);
    /* Emits the component's figures (state NULL: names only, see metric_sink). */
    void  (*report)(const void *spec, const void *state, metric_sink *m);
    /* Records the replication's billable usage into the ledger (usage_add: component index,
     * dimension, quantity), after the run. The price table decides what each dimension
     * costs; see models/billing.h. */
    void  (*meter)(const void *spec, const void *state, const world *w, size_t index, ledger *u);
    /* The dimension family the meter records under ("queue" for "queue.requests.fifo"):
     * world_spec_load refuses the component when the scenario's price table prices nothing
     * of it. NULL when the kind bills nothing of its own, or its dimensions vary by
     * configuration (a service: a table's request units, or a fee). */
    const char *bills;
    void  (*free_state)(void *state);
    /* Kinds that limit connections: opens (delta +1) or closes (-1) one connection of a
     * caller. Returns 0, or -1 when refused (no connection left). NULL for other kinds. */
    int   (*connect)(void *state, world *w, int delta);
    /* Kinds that hold idle resources lazily: releases what has expired by now (called when
     * a connection is refused, so that expired instances give theirs back). May be NULL. */
    void  (*reclaim)(void *state, world *w);
} component_kind;

const component_kind *component_kind_find(const char *name);
/* Writes the known kinds, '"function", ...', into buf (for messages). */
void component_kind_list(char *buf, size_t size);

typedef struct component_spec {
    char                 *name;
    const component_kind *kind;
    void                 *spec;
    char                  path[32];   /* "components[3]", for messages after parsing */
} component_spec;

/* ---- the scenario ---------------------------------------------------------- */

/* The platform a scenario's functions run on: its billing rules and behaviour. */
typedef enum provider {
    PROVIDER_AWS, PROVIDER_AZURE_CONSUMPTION, PROVIDER_AZURE_FLEX, PROVIDER_GCP_CLOUD_RUN,
    PROVIDER_GCP_FUNCTIONS_GEN1, PROVIDER_CLOUDFLARE_WORKERS, PROVIDERS
} provider;
extern const char *const provider_names[PROVIDERS + 1];

/* The service a component of kind runs on (its "service" key): one of those the price table
 * offers for the kind, the first by default (written into the resolved scenario), refused
 * with the list otherwise; where the table says nothing of the kind, one of names (fallback
 * by default). Returns its index in names (NULL-terminated), or -1 after failing n. */
int world_service(cfg_node *n, const world_spec *w, const char *kind, const char *const *names, int fallback);

/* The scenario's VPC (platform.vpc, models/network.c): functions placed in it reach AWS
 * services and the internet through its NAT gateways or VPC endpoints. */
typedef struct network_spec {
    bool     vpc;              /* platform.vpc is given */
    uint32_t zones;            /* availability zones its functions' subnets span */
    uint32_t nat_gateways;     /* one in each of the first nat_gateways zones */
    int      endpoints;        /* ENDPOINTS_* (network.h) */
} network_spec;

/* A tenant of a multi-tenant system: requests carry one; its entry rate limit (an API
 * gateway usage plan: token bucket, 0 = none) throttles its attempts alone. */
typedef struct tenant_spec {
    char      *name;
    rate_limit limit;
    double     quota, quota_period_s;   /* usage plan quota: requests a period (0: none) */
} tenant_spec;

struct world_spec {
    char          *file, *name, *description;
    double         duration_s, warmup_s, interval_s;
    double         rate_scale;        /* traffic rates multiplied by this (1 unless a study scales them) */
    size_t         bins;              /* timeseries intervals in the window */
    uint64_t       seed;
    uint32_t       replications;
    bool           free_tier;
    /* Requests or messages can be handed over asynchronously (an asynchronous source, a
     * component that takes only messages, a function's asynchronous call step): the run
     * reports its units of work, work.*. */
    bool           pipelines;
    /* Every source hands its requests over asynchronously (and there is one): requests.*
     * and latency_ms then end at the first stage; the work is what to look at. */
    bool           all_async;
    provider       provider;
    uint32_t       account_concurrency, scale_per_10s;
    network_spec   network;
    uint32_t       reserved_total;    /* sum of functions' reserved concurrency */
    uint32_t       provisioned_unreserved_total; /* provisioned instances of unreserved functions */
    size_t         n_sources;
    source_spec   *sources;
    size_t         n_tenants;         /* 0: the scenario names no tenants */
    tenant_spec   *tenants;
    size_t         n_components;
    component_spec *components;
    strmap         component_names;   /* components' names (by rng_name_hash) to indices */
    price_table    prices;
    cJSON         *resolved;   /* the scenario with every default filled in */
    /* The watchdog: a run stops when this many events in a row let no simulated time pass
     * (0: the kernel's SIM_STALL_EVENTS; UINT64_MAX: never). SLSIM_STALL_EVENTS in the
     * environment sets it (0 there: never). */
    uint64_t       stall_events;
    /* The partitioned replay (models/partition.h): partition_blocks > 1 splits the
     * scenario's functions into that many blocks that share nothing, each replayed as a
     * simulation of its own (a world whose `block` says which); block_of[component] is the
     * block of each component. 1: one simulation of everything (block_of NULL). */
    bool           warmup_auto;       /* "warmup_s": "auto" (warmup_s is 0 until chosen) */
    uint32_t       partition_blocks;
    uint32_t      *block_of;
};

/* The most components a scenario holds (a replayed trace's functions count). */
#define WORLD_MAX_COMPONENTS 100000

/* Command-line overrides applied on top of the file. */
typedef struct world_overrides {
    const char **sets;  size_t n_sets;     /* "path=value" */
    int64_t  seed;         /* < 0: keep */
    int64_t  replications; /* < 1: keep */
    double   duration_s;   /* <= 0: keep */
    double   rate_scale;   /* <= 0: 1; multiplies every traffic source's rates (cost curves) */
} world_overrides;

/* Reads, validates and resolves a scenario. On error returns NULL and writes one line
 * "FILE: json.path: problem" into err (size err_size). */
world_spec *world_spec_load(const char *file, const world_overrides *o, char *err, size_t err_size);
void        world_spec_free(world_spec *w);
/* Index of the component called name, or -1. */
int         world_spec_component(const world_spec *w, const char *name);
/* Index of the tenant called name, or -1. */
int         world_spec_tenant(const world_spec *w, const char *name);

/* ---- one replication ------------------------------------------------------- */

/* Counters of original requests (measured window only). */
typedef struct request_counts {
    uint64_t arrived, completed, failed, throttled, timed_out, dropped, dead_lettered, expired,
             in_flight, attempts;
} request_counts;

/* Units of work (measured window only): what a pipeline must carry to its last stages.
 * A measured request is one unit when it arrives. A message derived from a holder of a unit
 * (a bucket's events, a topic's copies, the messages a function's processing sends, a
 * batch's, for the messages it carries) holds a unit of its own, made when it is
 * derived; the holder's unit then ends passed on when its processing succeeds (it sent
 * its work on) — the messages carry it instead. Every other unit ends processed (its
 * processing succeeded and sent nothing on: a last stage) or lost (any other outcome:
 * failed, throttled, timed out, dropped, dead-lettered, expired), or is in flight when the
 * window closes. So events (made - passed_on) = processed + lost + in_flight, checked at
 * the end of each replication like requests.*. A message moved to a dead-letter
 * destination holds no unit (what reads it there is no last stage), unless a redrive moves
 * it back into the pipeline (world_work_redrive): its unit is then in flight again, no
 * longer lost. Copies made by at-least-once delivery (duplicates) hold none; neither do
 * runs of schedules. A synchronous call made for a holder of work (a function's call step,
 * a workflow's task) is part of it (WORK_PART, no unit of its own): the messages its callee
 * sends on carry units, and a successful reply tells the caller it sent work on, so the
 * holder's unit ends passed on, not processed. */
enum { WORK_NONE, WORK_UNIT, WORK_CARRIED, WORK_DEAD_LETTERED, WORK_PART };
typedef struct work_counts {
    uint64_t made, passed_on, processed, lost, in_flight;
    uint64_t lost_by[OUTCOME_EXPIRED + 1];   /* lost, by outcome (completed stays 0) */
} work_counts;

/* Columns of timeseries.csv, summed over components. */
enum { TS_ARRIVALS, TS_COMPLETIONS, TS_THROTTLES, TS_COLD_STARTS, TS_CONCURRENCY,
       TS_INSTANCES, TS_EXECUTIONS, TS_QUEUE_DEPTH, TS_COLUMNS };
extern const char *const world_ts_names[TS_COLUMNS];

struct world {
    const world_spec *spec;
    sim              *s;
    double            t_start, t_end;      /* measured window */
    request          *req;                 /* the request pool: its free slots in free_req */
    uint32_t          n_req;               /* requests taken */
    freelist          free_req;
    void            **state;               /* per component */
    void             *sources;             /* traffic.c's state */
    uint32_t          unreserved_busy;     /* running invocations of unreserved functions */
    request_counts    counts;
    hist              latency;             /* end-to-end ms, completed requests */
    /* Per traffic source (pipelines.<source>), read through world_source_latency: small
     * histograms (dense heads, 32-bit buckets made at the first observation), expanded
     * into latency_scratch to be read. With one source the global histogram is usually the
     * same, so source_follows_latency says it is (no copy kept) until the first observation
     * that goes to one and not the other, when the copy is made. */
    hist_small       *source_latency;
    bool              source_follows_latency;
    hist             *latency_scratch;
    /* Observations for source_latency not yet added: with thousands of sources each add
     * misses the cache on its bucket, so they wait here and are added WORLD_LATENCY_BATCH at
     * a time, every bucket's line fetched first (the misses overlap instead of following one
     * another). Each source still sees its values in the same order. Flushed when full and
     * at the end of the run (world_flush_latency), before anything reads a histogram. */
#define WORLD_LATENCY_BATCH 32
    uint32_t          pending_n;
    uint32_t          pending_source[WORLD_LATENCY_BATCH];
    double            pending_ms[WORLD_LATENCY_BATCH];
    work_counts       work;                /* units of work (work.*) */
    hist              work_latency;        /* ms, creation to the last stage, processed units */
    request_counts   *tenant_counts;       /* per tenant (n_tenants entries) */
    hist            **tenant_latency;      /* per tenant, at first use (NULL: none yet);
                                              with one tenant unused (it is latency) */
    uint64_t         *tenant_throttled;    /* attempts throttled, anywhere */
    /* With tenants only (else NULL), in the window: what each component received of each
     * tenant's requests and the messages derived from them (component x n_tenants + tenant:
     * attempts delivered and messages enqueued), the basis on which a component's shared cost
     * is attributed; and each tenant's invocations and cold starts over every function. */
    uint64_t         *tenant_received;
    uint64_t         *tenant_invocations, *tenant_cold_starts;
    struct gateway   *gateway;             /* the entry: tenants' plans, API gateways (gateway.c) */
    struct authorizer *authorizer;         /* the entry's Lambda authorizers (authorizer.c) */
    struct cdn       *cdn;                 /* sources' CDNs: caches and counts (cdn.c) */
    series            ts[TS_COLUMNS];      /* per interval; integrals for the levels */
    int               out_of_memory;
    struct progress  *progress;            /* a progress bar (or NULL), and this run's job in it */
    size_t            progress_job;
    uint32_t          depth;               /* nested world_deliver/enqueue/reply calls on the C stack */
    /* Set by the caller when this run is the only one (one thread): heap_bytes is then what
     * the run took, malloc's bytes in use when the event loop ended less before it started
     * (glibc's count is process-wide; 0 under AddressSanitizer, whose allocator it is not). */
    bool              measure_heap;
    size_t            heap_bytes;
    /* The partitioned replay: the block this run simulates (its components alone are
     * started: the others' state stays NULL), when spec->partition_blocks > 1. */
    uint32_t          block;
    /* The most invocations of unreserved functions running at once (the account's shared
     * pool): a partitioned replay adds its blocks' peaks to show the pool never bound. */
    uint32_t          unreserved_peak;
};

/* The latency histogram of traffic source i (valid until the next call), and of tenant i,
 * or NULL when empty. */
const hist *world_source_latency(const world *w, size_t i);
/* Adds the source latencies still pending (see pending_n). world_run calls it at the end. */
void world_flush_latency(world *w);
const hist *world_tenant_latency(const world *w, size_t i);

/* Past this many nested deliveries, enqueues and replies (and workflow states entered in a
 * row), the next one is deferred by a zero-delay event: it happens at the same simulated
 * instant, but on a fresh C stack, so no chain of synchronous calls, however long, can
 * overflow it. Each level is a handful of C frames. */
#define WORLD_DEPTH_MAX 64

/* Runs replication r of spec into w (caller zeroes w; free with world_free). Returns 0,
 * or -1 when out of memory or when conservation fails (message in err). */
int    world_run(world *w, const world_spec *spec, uint32_t r, char *err, size_t err_size);
void   world_free(world *w);
bool   world_measuring(const world *w, double t);
/* True when request idx belongs to a tenant: a traffic source's request in the window, or a
 * message derived from one (a schedule's requests and the messages made from them belong to
 * none, though their `tenant` field is 0). */
static inline bool world_tenanted(const request *r) { return r->measured || r->traced; }

/* Request pool. world_request_new returns an index, or UINT32_MAX when out of memory. */
uint32_t world_request_new(world *w);
void     world_request_free(world *w, uint32_t idx);
/* Routes an attempt of request idx to component c (sync: a reply will come). */
void     world_deliver(world *w, int component, uint32_t idx);
/* Hands request idx over to component c (async). False when c takes no asynchronous input. */
bool     world_enqueue(world *w, int component, uint32_t idx);
/* Answers the caller of request idx's current attempt. */
void     world_reply(world *w, uint32_t idx, attempt_result result);
/* Whether the C stack is as deep as WORLD_DEPTH_MAX: then a model defers its next step
 * through a zero-delay event instead of a nested call (world_deliver and friends do). */
static inline bool world_deep(const world *w) { return w->depth >= WORLD_DEPTH_MAX; }
/* Asks every component to release expired idle resources (see component_kind.reclaim). */
void     world_reclaim(world *w);
/* Records how request idx ended (when it is measured) and frees it. */
void     world_finish(world *w, uint32_t idx, request_outcome outcome);
/* Request idx ends as dead-lettered (counted like world_finish) and goes on, as a message no
 * longer counted (its unit of work is lost), to the destination component (a dead-letter
 * queue, an on_failure target), asynchronously. */
void     world_dead_letter(world *w, uint32_t idx, int destination);
/* Request idx holds a new unit of work when unit is true: a measured request as it arrives,
 * or a message just derived from a holder of a unit. Counted as made (see work_counts). */
void     world_work_begin(world *w, uint32_t idx, bool unit);
/* Whether what request idx's processing sends on carries work: it holds a unit, is a
 * batch whose messages do, or is a synchronous call made for a holder of work. */
static inline bool world_work_held(const world *w, uint32_t idx)
{
    uint8_t k = w->req[idx].work;
    return k == WORK_UNIT || k == WORK_CARRIED || k == WORK_PART;
}
/* A redrive moves dead-lettered message idx back into the pipeline: a unit that ended
 * dead-lettered is no longer lost, but in flight again. */
void     world_work_redrive(world *w, uint32_t idx);

/* ---- metrics --------------------------------------------------------------- */

/* One flat row of named figures per replication. In naming mode (values == NULL) the
 * sink records names; in collecting mode it writes values in the same order. */
struct metric_sink {
    char   **names;     /* naming mode: grown as names arrive */
    double  *values;    /* collecting mode */
    size_t   n, cap;
    char     prefix[160];
    int      oom;
};
void metric_emit(metric_sink *m, const char *name, double value);

#endif
