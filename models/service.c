/* service.c — downstream dependencies: the `service` kind (a database, cache or third-party
 * API) and the `pool` kind (a connection proxy in front of a service). They share the
 * admission logic and differ in what the work is: a service answers after its latency, a
 * pool forwards the call to its target over one of its connections.
 *
 * An attempt that arrives goes through, in order: an incident that makes the service
 * `down` (refused at once, an error; when the incident begins, the calls in the service
 * fail at once too, as their connections are reset); the rate limit (a token bucket: over it, throttled at
 * once, like an HTTP 429); then a place in service, or a FIFO wait when max_concurrency is
 * reached. A waiting call fails after queue_timeout_ms. In service, the attempt's result
 * (error_rate, or an incident's) and its latency (latency_ms, times an incident's slowdown)
 * are drawn when it starts. With capacity_per_s the service also has a finite throughput:
 * every call needs 1/capacity_per_s seconds of a processor shared equally by the calls in
 * it (M/G/1 processor sharing, so that a service pushed towards its capacity answers ever
 * slower: mean time there (1/C)/(1 - rho)); the drawn latency is added after it.
 *
 * The caller's deadline (request.deadline) is enforced here: at the deadline the caller is
 * answered `timeout` and stops waiting, but a call already in service runs on (it keeps
 * its place, its connection and its share of the capacity) and, if it succeeds, has its
 * side effect: the reply says so (request.effect), for callers that count duplicates. A
 * call still waiting in the queue at its deadline is withdrawn.
 *
 * Every attempt in the service holds a slot (pooled, reused; events name the slot and its
 * epoch, so an event for a slot that has moved on is ignored). Waiting slots are in a ring
 * in arrival order; since the queue timeout is the same for all, they expire in that order
 * too, and one timer for the oldest is enough. The processor-sharing stage completes in
 * arrival order as well (equal work), so it is a ring with one timer for its head, kept in
 * virtual time. Nothing here allocates per call once the pools have grown to the peak.
 *
 * A service may be a managed table ("table": its service one the price table offers, or the
 * AWS spelling pricing.dynamodb). Its meter bills the calls served in the store's own
 * dimensions, and the store's limits that change results are admission rules: Cosmos DB's
 * RU/s ceiling (a bucket of request units) and one write a second per KV key or Firestore
 * document throttle at arrival; D1 runs one query at a time (max_concurrency 1); a Durable
 * Object runs one call at a time, each object (a lane, drawn uniformly per call) with its own
 * FIFO and queue timer. */
#include "models/service.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/deadline.h"
#include "models/ratelimit.h"
#include "models/table_capacity.h"
#include "sim/dist.h"
#include "sim/freelist.h"
#include "sim/rng.h"

/* ---- spec ------------------------------------------------------------------------ */

typedef enum incident_mode { INCIDENT_ERRORS, INCIDENT_SLOW, INCIDENT_DOWN } incident_mode;
static const char *const incident_modes[] = { "errors", "slow", "down", NULL };

typedef struct incident {
    double        start_s, end_s;
    incident_mode mode;
    double        error_rate;   /* errors: share of calls that fail in the window */
    double        factor;       /* slow: latency multiplier */
} incident;

typedef enum dynamo_op { DYNAMO_NONE = -1, DYNAMO_READ, DYNAMO_WRITE } dynamo_op;
static const char *const dynamo_ops[] = { "read", "write", NULL };
static const char *const consistency_names[] = { "strong", "eventual", "transactional", NULL };

/* A table: the managed store a service is (its "table" object, or the AWS form
 * "pricing.dynamodb"). The names are world_service's list, in the price tables' spelling. */
typedef enum table_service {
    TABLE_NONE = -1, TABLE_DYNAMODB, TABLE_COSMOS_DB, TABLE_FIRESTORE, TABLE_KV, TABLE_D1,
    TABLE_DURABLE_OBJECTS
} table_service;
static const char *const table_services[] = { "dynamodb", "cosmos-db", "firestore", "kv", "d1",
                                              "durable-objects", NULL };

typedef enum table_op { OP_READ, OP_WRITE, OP_DELETE, OP_LIST, OP_REQUEST } table_op;
static const char *const table_ops[] = { "read", "write", "delete", "list", "request", NULL };
/* The operations each service offers (bits of table_op), and their names for messages. */
static const unsigned table_op_mask[] = {
    [TABLE_DYNAMODB] = 1u << OP_READ | 1u << OP_WRITE,
    [TABLE_COSMOS_DB] = 1u << OP_READ | 1u << OP_WRITE,
    [TABLE_FIRESTORE] = 1u << OP_READ | 1u << OP_WRITE | 1u << OP_DELETE,
    [TABLE_KV] = 1u << OP_READ | 1u << OP_WRITE | 1u << OP_DELETE | 1u << OP_LIST,
    [TABLE_D1] = 1u << OP_READ | 1u << OP_WRITE,
    [TABLE_DURABLE_OBJECTS] = 1u << OP_REQUEST,
};
static const char *const table_op_list[] = {
    [TABLE_DYNAMODB] = "\"read\" or \"write\"",
    [TABLE_COSMOS_DB] = "\"read\" (a point read) or \"write\" (an insert, upsert or replace)",
    [TABLE_FIRESTORE] = "\"read\", \"write\" or \"delete\"",
    [TABLE_KV] = "\"read\", \"write\", \"delete\" or \"list\"",
    [TABLE_D1] = "\"read\" or \"write\" (a query, billed by rows_read and rows_written)",
    [TABLE_DURABLE_OBJECTS] = "\"request\"",
};
static const char *const cosmos_consistency_names[] = { "session", "eventual", "consistent-prefix", "strong",
                                                        "bounded-staleness", NULL };

/* Request units of a Cosmos DB point read and write by item size, from Microsoft Learn's
 * "Understand request unit consumption" table (session or eventual consistency; strong and
 * bounded staleness double a read); linear between its sizes. */
static const struct { double kb, read, write; } cosmos_ru[] = {
    { 1, 1.00, 4.95 },      { 2, 1.04, 6.29 },      { 4, 1.14, 6.67 },     { 8, 1.33, 7.04 },
    { 16, 1.67, 9.52 },     { 32, 2.19, 11.23 },    { 64, 4.76, 22.67 },   { 128, 9.95, 48.19 },
    { 256, 20.28, 98.29 },  { 512, 40.95, 184.57 }, { 1024, 145.90, 625.00 }, { 2048, 291.80, 1250.00 },
};

/* A Durable Object's duration is billed at 128 MB, in GB of 1,000 MB (Cloudflare's examples). */
#define DURABLE_OBJECT_GB 0.128

typedef struct service_spec {
    char     *name;
    bool      is_pool;
    dist      latency_ms;
    double    error_rate;
    uint32_t  max_concurrency;     /* 0: unlimited */
    double    queue_timeout_s;
    uint32_t  max_connections;     /* 0: unlimited */
    rate_limit limit;
    double    capacity_per_s;      /* 0: no saturation */
    size_t    n_incidents;
    incident *incidents;
    /* prices */
    double    fee_per_million;     /* a third-party fee per call that is served */
    bool      internet;            /* a third party on the internet (network.c) */
    dynamo_op dynamo;
    double    request_units;       /* DynamoDB's or Cosmos DB's request units per call */
    /* a table (TABLE_NONE: a plain service) */
    table_service table;
    table_op  op;
    double    items_per_call;      /* Firestore: documents a call reads, writes or deletes */
    double    rows_read, rows_written;   /* D1: per query */
    double    storage_gb;          /* stored, billed per GB-month (GiB for Firestore) */
    double    ru_per_s;            /* Cosmos DB serverless: the container's RU/s ceiling */
    rate_limit ru_limit;           /* its bucket: ru_per_s, a second's worth of burst */
    uint32_t  write_keys;          /* KV keys / Firestore documents writes spread over (0: no limit) */
    uint32_t  objects;             /* Durable Objects: objects the calls spread over, one call at a time each */
    const char *dim_ops, *dim_ops2, *dim_storage;   /* what the meter records */
    table_capacity_spec capacity;  /* DynamoDB: provisioned capacity, partitions, hot keys */
    /* pool */
    char     *target_name;
    int       target;
    uint32_t  connections;         /* the pool's connections to its target */
    double    vcpus;               /* the proxy is billed per vCPU-hour of the database */
} service_spec;

static void service_free_spec(void *p)
{
    service_spec *s = p;
    if (!s)
        return;
    dist_free(&s->latency_ms);
    table_capacity_free_spec(&s->capacity);
    free(s->incidents);
    free(s->target_name);
    free(s->name);
    free(s);
}

static void parse_incidents(cfg_node *n, service_spec *s)
{
    size_t count = cfg_array_len(n, "incidents");
    if (count > 1000) {
        cfg_fail(n, "incidents", "at most 1000 incidents, got %zu", count);
        return;
    }
    if (count == 0 || cfg_failed(n))
        return;
    s->incidents = calloc(count, sizeof *s->incidents);
    if (!s->incidents) {
        cfg_fail(n, "incidents", "out of memory");
        return;
    }
    for (size_t i = 0; i < count && !cfg_failed(n); i++) {
        cfg_node c;
        cfg_array_object(n, "incidents", i, &c);
        incident *in = &s->incidents[i];
        s->n_incidents = i + 1;
        in->start_s = cfg_number_req(&c, "start_s", 0, 1e9);
        double d = cfg_number_req(&c, "duration_s", 0, 1e9);
        in->end_s = in->start_s + d;
        if (!cfg_has(&c, "mode"))
            cfg_missing(&c, "mode", "\"errors\", \"slow\" or \"down\"");
        in->mode = (incident_mode)cfg_enum(&c, "mode", incident_modes, INCIDENT_ERRORS);
        if (in->mode == INCIDENT_ERRORS) {
            in->error_rate = cfg_number(&c, "error_rate", 1, 0, 1);
        } else if (in->mode == INCIDENT_SLOW) {
            in->factor = cfg_number(&c, "factor", 10, 0, 1e6);
        }
        cfg_done(&c);
    }
}

/* Keys the two kinds share: admission and the caller's view. */
static void parse_admission(cfg_node *n, service_spec *s, double queue_timeout_default_ms)
{
    s->queue_timeout_s = cfg_number(n, "queue_timeout_ms", queue_timeout_default_ms, 0, 3.6e7) / 1000.0;
    s->error_rate = cfg_number(n, "error_rate", 0, 0, 1);
    rate_limit_parse(n, "rate_limit", &s->limit);
    parse_incidents(n, s);
}

static service_spec *spec_new(cfg_node *n, bool is_pool)
{
    service_spec *s = calloc(1, sizeof *s);
    if (!s) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    s->is_pool = is_pool;
    s->dynamo = DYNAMO_NONE;
    s->table = TABLE_NONE;
    s->target = -1;
    s->name = strdup(cfg_string_req(n, "name"));
    return s;
}

/* The end of both parsers. */
static void *spec_done(cfg_node *n, service_spec *s)
{
    cfg_know(n, "kind");
    cfg_done(n);
    if (cfg_failed(n)) {
        service_free_spec(s);
        return NULL;
    }
    return s;
}

/* DynamoDB's keys (d: "pricing.dynamodb", or a "table" whose service is dynamodb). */
static void parse_dynamodb(cfg_node *d, service_spec *s, const world_spec *w)
{
    if (!cfg_has(d, "operation"))
        cfg_missing(d, "operation", "\"read\" or \"write\"");
    s->dynamo = (dynamo_op)cfg_enum(d, "operation", dynamo_ops, DYNAMO_READ);
    s->op = s->dynamo == DYNAMO_WRITE ? OP_WRITE : OP_READ;
    s->table = TABLE_DYNAMODB;
    double kb = cfg_number(d, "item_kb", 1, 0.001, 400);
    int consistency = cfg_enum(d, "consistency", consistency_names, 0);
    /* A batch call (BatchGetItem, BatchWriteItem) is billed item by item. */
    double items = (double)cfg_integer(d, "items_per_call", 1, 1, 100);
    /* 1 WRU per KB written; 1 RRU per 4 KB read strongly consistent, half that for an
     * eventually consistent read, twice for a transactional one (each rounded up). */
    if (s->dynamo == DYNAMO_WRITE)
        s->request_units = items * ceil(kb - 1e-9) * (consistency == 2 ? 2 : 1);
    else
        s->request_units = items * ceil(kb / 4 - 1e-9) * (consistency == 1 ? 0.5 : consistency == 2 ? 2 : 1);
    table_capacity_parse(d, s->dynamo == DYNAMO_WRITE, s->request_units, w, &s->capacity);
    if (!cfg_failed(d) && !price_find(&w->prices, s->dynamo == DYNAMO_WRITE ? "table.request_units.write"
                                                                         : "table.request_units.read"))
        cfg_fail(d, "operation", "the price table %s prices no table request units "
                 "(table.request_units); give one that does, or leave \"dynamodb\" out", w->prices.name);
}

/* Refuses key on t unless the table's service is one of those in mask (bits of
 * table_service), naming them (owners). */
static void table_key(cfg_node *t, const service_spec *s, const char *key, unsigned mask, const char *owners)
{
    if (cfg_has(t, key) && !(mask & (1u << s->table)))
        cfg_fail(t, key, "only a %s table takes %s; this one is \"%s\"", owners, key, table_services[s->table]);
}

/* The Cosmos DB request units of one call (item_kb, read or write, consistency). */
static double cosmos_request_units(double kb, bool write, bool strong)
{
    size_t n = sizeof cosmos_ru / sizeof cosmos_ru[0], i = 0;
    while (i + 2 < n && kb > cosmos_ru[i + 1].kb)
        i++;
    double lo = write ? cosmos_ru[i].write : cosmos_ru[i].read;
    double hi = write ? cosmos_ru[i + 1].write : cosmos_ru[i + 1].read;
    double f = kb <= cosmos_ru[i].kb ? 0 : (kb - cosmos_ru[i].kb) / (cosmos_ru[i + 1].kb - cosmos_ru[i].kb);
    double ru = lo + f * (hi - lo);
    return !write && strong ? 2 * ru : ru;
}

#define BIT(t) (1u << (t))

/* The "table" object: which store the service is ("service", one the price table offers),
 * the operation its calls make and what they cost and meet. */
static void parse_table(cfg_node *t, service_spec *s, cfg_node *n, const world_spec *w)
{
    int svc = world_service(t, w, "table", table_services, 0);
    if (svc < 0)
        return;
    s->table = (table_service)svc;
    if (s->table == TABLE_DYNAMODB) {
        parse_dynamodb(t, s, w);
        return;
    }
    if (!cfg_has(t, "operation"))
        cfg_missing(t, "operation", table_op_list[s->table]);
    int op = cfg_enum(t, "operation", table_ops, OP_READ);
    if (op < 0 || cfg_failed(t))
        return;
    if (!(table_op_mask[s->table] & (1u << op))) {
        cfg_fail(t, "operation", "a %s table offers %s; got \"%s\"", table_services[s->table],
                 table_op_list[s->table], table_ops[op]);
        return;
    }
    s->op = (table_op)op;
    bool writes = s->op == OP_WRITE || s->op == OP_DELETE;
    static const struct { const char *key; unsigned services; const char *owners; } keys[] = {
        { "item_kb", BIT(TABLE_COSMOS_DB), "cosmos-db (or dynamodb)" },
        { "consistency", BIT(TABLE_COSMOS_DB), "cosmos-db (or dynamodb)" },
        { "request_units", BIT(TABLE_COSMOS_DB), "cosmos-db" },
        { "max_ru_per_s", BIT(TABLE_COSMOS_DB), "cosmos-db" },
        { "items_per_call", BIT(TABLE_FIRESTORE), "firestore (or dynamodb)" },
        { "documents", BIT(TABLE_FIRESTORE), "firestore" },
        { "keys", BIT(TABLE_KV), "kv" },
        { "rows_read", BIT(TABLE_D1), "d1" },
        { "rows_written", BIT(TABLE_D1), "d1" },
        { "objects", BIT(TABLE_DURABLE_OBJECTS), "durable-objects" },
        { "storage_gb", BIT(TABLE_COSMOS_DB) | BIT(TABLE_FIRESTORE) | BIT(TABLE_KV) | BIT(TABLE_D1),
          "cosmos-db, firestore, kv or d1" },
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !cfg_failed(t); i++)
        table_key(t, s, keys[i].key, keys[i].services, keys[i].owners);
    if (cfg_failed(t))
        return;
    s->storage_gb = cfg_number(t, "storage_gb", 0, 0, 1e7);
    const char *limit_key = s->table == TABLE_KV ? "keys" : "documents";
    if (cfg_has(t, limit_key) && !writes) {
        cfg_fail(t, limit_key, "%s limits writes and deletes (one a second to each); a \"%s\" meets "
                 "no such limit", limit_key, table_ops[s->op]);
        return;
    }
    switch (s->table) {
    case TABLE_COSMOS_DB: {
        double kb = cfg_number(t, "item_kb", 1, 0.001, 2048);
        int c = cfg_enum(t, "consistency", cosmos_consistency_names, 0);
        s->request_units = cfg_number(t, "request_units", cosmos_request_units(kb, s->op == OP_WRITE, c >= 3),
                                      0.01, 1e6);
        s->ru_per_s = cfg_number(t, "max_ru_per_s", 5000, 1, 1e7);
        s->ru_limit.per_s = s->ru_per_s;
        s->ru_limit.burst = s->ru_per_s;
        if (s->request_units > s->ru_per_s)
            cfg_fail(t, "request_units", "a call of %g RUs exceeds the %g RU/s ceiling: every call "
                     "would be throttled", s->request_units, s->ru_per_s);
        s->dim_ops = "table.cosmos_db.request_units";
        s->dim_storage = "table.cosmos_db.storage_gb_months";
        break;
    }
    case TABLE_FIRESTORE:
        s->items_per_call = (double)cfg_integer(t, "items_per_call", 1, 1, 500);
        if (writes)   /* a read meets no write limit: the resolved scenario shows none */
            s->write_keys = (uint32_t)cfg_integer(t, "documents", 0, 0, 10000000);
        else
            cfg_put(t, "documents", cJSON_CreateNull());
        s->dim_ops = s->op == OP_READ ? "table.firestore.reads"
                   : s->op == OP_WRITE ? "table.firestore.writes" : "table.firestore.deletes";
        s->dim_storage = "table.firestore.storage_gb_months";
        break;
    case TABLE_KV:
        s->items_per_call = 1;
        if (writes)
            s->write_keys = (uint32_t)cfg_integer(t, "keys", 0, 0, 10000000);
        else
            cfg_put(t, "keys", cJSON_CreateNull());
        s->dim_ops = s->op == OP_READ ? "table.kv.reads" : s->op == OP_WRITE ? "table.kv.writes"
                   : s->op == OP_DELETE ? "table.kv.deletes" : "table.kv.lists";
        s->dim_storage = "table.kv.storage_gb_months";
        break;
    case TABLE_D1:
        /* One SQLite database runs one query at a time: the calls queue for it. */
        if (cfg_has(n, "max_concurrency")) {
            cfg_fail(n, "max_concurrency", "a d1 database runs one query at a time; leave max_concurrency out");
            return;
        }
        s->max_concurrency = 1;
        s->rows_read = cfg_number(t, "rows_read", s->op == OP_READ ? 1 : 0, 0, 1e9);
        s->rows_written = cfg_number(t, "rows_written", s->op == OP_WRITE ? 1 : 0, 0, 1e9);
        s->dim_ops = "table.d1.rows_read";
        s->dim_ops2 = "table.d1.rows_written";
        s->dim_storage = "table.d1.storage_gb_months";
        break;
    case TABLE_DURABLE_OBJECTS:
        if (cfg_has(n, "max_concurrency")) {
            cfg_fail(n, "max_concurrency", "a durable object runs one call at a time; give table.objects, "
                     "the number of objects the calls spread over, instead");
            return;
        }
        s->objects = (uint32_t)cfg_integer(t, "objects", 1, 1, 1000000);
        s->dim_ops = "table.durable_objects.requests";
        s->dim_ops2 = "table.durable_objects.gb_s";
        break;
    default:
        break;
    }
    const char *dims[] = { s->dim_ops, s->dim_ops2, s->dim_storage };
    for (size_t i = 0; i < 3 && !cfg_failed(t); i++)
        if (dims[i] && !price_find(&w->prices, dims[i]))
            cfg_fail(t, "service", "the price table %s prices no %s; give one that does", w->prices.name, dims[i]);
}

static void *service_parse(cfg_node *n, world_spec *w)
{
    service_spec *s = spec_new(n, false);
    if (!s)
        return NULL;
    /* A managed key-value store's call inside a region: single-digit milliseconds. */
    dist def = dist_lognormal_median_p99(5, 25);
    dist_parse(n, "latency_ms", &def, 3.6e6, &s->latency_ms);
    /* HikariCP's connectionTimeout (30 s) is the common default wait for a connection. */
    s->max_concurrency = (uint32_t)cfg_integer(n, "max_concurrency", 0, 0, 100000000);
    parse_admission(n, s, 30000);
    s->max_connections = (uint32_t)cfg_integer(n, "max_connections", 0, 0, 10000000);
    s->capacity_per_s = cfg_number(n, "capacity_per_s", 0, 0, 1e9);
    /* A third-party API on the internet: what is sent to it leaves the provider (data out),
     * and from a VPC it goes through a NAT gateway (network.c). */
    s->internet = cfg_bool(n, "internet", false);
    if (!cfg_failed(n) && s->internet && !price_find(&w->prices, "network.transfer_out_gb"))
        cfg_fail(n, "internet", "the price table %s prices no data transfer out (network.transfer_out_gb)",
                 w->prices.name);
    cfg_node p;
    cfg_object(n, "pricing", &p);
    s->fee_per_million = cfg_number(&p, "per_million_calls", 0, 0, 1e9);
    if (cfg_has(&p, "dynamodb")) {
        cfg_node d;
        cfg_object(&p, "dynamodb", &d);
        if (cfg_has(n, "table"))
            cfg_fail(&d, NULL, "a service is one table: give \"table\" (its service \"dynamodb\") or "
                     "pricing.dynamodb, not both");
        else
            parse_dynamodb(&d, s, w);
        cfg_done(&d);
    }
    if (!cfg_failed(&p) && s->fee_per_million > 0 && !price_find(&w->prices, "fees.usd"))
        cfg_fail(&p, "per_million_calls", "the price table %s has no line for services' own fees "
                 "(fees.usd)", w->prices.name);
    cfg_done(&p);
    if (!cfg_failed(n) && cfg_has(n, "table")) {
        cfg_node t;
        cfg_object(n, "table", &t);
        parse_table(&t, s, n, w);
        cfg_done(&t);
    }
    if (!cfg_failed(n) && s->internet && s->table != TABLE_NONE)
        cfg_fail(n, "internet", "a managed table is the provider's own service, not a third party on the internet");
    return spec_done(n, s);
}

int service_network(const void *spec)
{
    const service_spec *s = spec;
    if (s->is_pool)
        return SERVICE_NET_PRIVATE;
    if (s->internet)
        return SERVICE_NET_INTERNET;
    return s->table == TABLE_DYNAMODB ? SERVICE_NET_DYNAMODB : SERVICE_NET_PRIVATE;
}

static void *pool_parse(cfg_node *n, world_spec *w)
{
    (void)w;
    service_spec *s = spec_new(n, true);
    if (!s)
        return NULL;
    s->target_name = strdup(cfg_string_req(n, "target"));
    /* A proxy hop inside a VPC: about a millisecond or two (an assumption, see README). */
    dist def = dist_lognormal_median_p99(1.5, 5);
    dist_parse(n, "latency_ms", &def, 3.6e6, &s->latency_ms);
    /* RDS Proxy's ConnectionBorrowTimeout defaults to 120 s. */
    parse_admission(n, s, 120000);
    s->connections = (uint32_t)cfg_integer(n, "connections", 100, 1, 10000000);
    s->max_concurrency = s->connections;   /* a call holds one connection; others wait */
    /* Billed per vCPU of the database it fronts, 2 at least. */
    s->vcpus = cfg_number(n, "database_vcpus", 2, 2, 1024);
    return spec_done(n, s);
}

static int pool_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    service_spec *s = p;
    cfg_node n;
    cfg_root(&n, ctx, NULL, NULL);
    snprintf(n.path, sizeof n.path, "%s", path);
    s->target = world_spec_component(w, s->target_name);
    if (s->target < 0) {
        cfg_fail(&n, "target", "no component is named \"%s\"", s->target_name);
        return -1;
    }
    if (w->components[s->target].kind != &service_kind) {
        cfg_fail(&n, "target", "\"%s\" is a %s; a pool fronts a service", s->target_name,
                 w->components[s->target].kind->name);
        return -1;
    }
    const service_spec *t = w->components[s->target].spec;
    if (t->max_connections && s->connections > t->max_connections) {
        cfg_fail(&n, "connections", "%u exceeds the max_connections (%u) of \"%s\"", s->connections,
                 t->max_connections, s->target_name);
        return -1;
    }
    return 0;
}

/* ---- run state ------------------------------------------------------------------- */

enum { PHASE_FREE, PHASE_QUEUED, PHASE_SHARED, PHASE_DELAY, PHASE_FORWARDED };

typedef struct slot {
    uint32_t req;          /* the attempt, or UINT32_MAX once its caller stopped waiting */
    uint32_t epoch;
    double   arrived;      /* accepted here */
    double   delay_s;      /* drawn latency, after the shared stage */
    double   v_done;       /* shared stage: virtual time at which its work is done */
    uint32_t lane;         /* a Durable Object: the object it is for */
    uint8_t  phase;
    uint8_t  result;       /* attempt_result, drawn when the work starts */
} slot;

typedef struct ring {
    uint32_t *v;
    uint32_t  head, n, cap;
} ring;

/* A Durable Object: one call at a time, the others wait in its own FIFO. */
typedef struct object_lane {
    ring waiting;
    bool busy, queue_timer;
} object_lane;

typedef struct service_state {
    const service_spec *s;
    world    *w;
    int       index;
    slot     *slots;                 /* its free slots in free_slots */
    freelist  free_slots;
    ring      waiting, shared;
    uint32_t  busy;                  /* in service (or forwarded) */
    uint32_t  connections;           /* open connections (callers', or the pool's to its target) */
    token_bucket bucket;
    bool      queue_timer;           /* a timer is set for the oldest waiting call */
    deadline_heap deadlines;         /* callers' deadlines of the calls held */
    token_bucket ru_bucket;          /* Cosmos DB: request units per second */
    double   *key_last;              /* KV keys / Firestore documents: when each was last written */
    object_lane *lanes;              /* Durable Objects */
    table_capacity_state *capacity;  /* DynamoDB's capacity model, when its keys are given */
    gsl_rng  *r_key, *r_object;
    double    v, v_t;                /* shared stage: virtual time and when it was last advanced */
    uint32_t  shared_gen;
    gsl_rng  *r_latency, *r_error;
    /* measured figures */
    uint64_t  calls, attempts, ok, errors, throttled, refused, connection_errors,
              queue_timeouts, timeouts, executed_ok, cur_count, reset;
    double    cur_second, peak_per_s, max_connections_seen;
    gauge     concurrency, queue;
    series    busy_s, queue_s;
    hist      latency_ms;
} service_state;

static int ring_push(ring *r, uint32_t x)
{
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? 2 * r->cap : 64;
        uint32_t *v = malloc(cap * sizeof *v);
        if (!v)
            return -1;
        for (uint32_t i = 0; i < r->n; i++)
            v[i] = r->v[(r->head + i) % r->cap];
        free(r->v);
        r->v = v;
        r->head = 0;
        r->cap = cap;
    }
    r->v[(r->head + r->n++) % r->cap] = x;
    return 0;
}

static uint32_t ring_front(const ring *r) { return r->v[r->head]; }

static uint32_t ring_pop(ring *r)
{
    uint32_t x = r->v[r->head];
    r->head = (r->head + 1) % r->cap;
    r->n--;
    return x;
}

static void service_free_state(void *p)
{
    service_state *st = p;
    if (!st)
        return;
    free(st->slots);
    freelist_free(&st->free_slots);
    free(st->waiting.v);
    free(st->key_last);
    table_capacity_free(st->capacity);
    if (st->lanes)
        for (uint32_t i = 0; i < st->s->objects; i++)
            free(st->lanes[i].waiting.v);
    free(st->lanes);
    free(st->shared.v);
    deadline_free(&st->deadlines);
    series_free(&st->busy_s);
    series_free(&st->queue_s);
    free(st);
}

static void on_incident_down(sim *s, void *target, uint64_t arg);

static void *service_start(const void *spec, world *w, int index)
{
    const service_spec *s = spec;
    service_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->s = s;
    st->w = w;
    st->index = index;
    char name[300];
    snprintf(name, sizeof name, "%s.%s.latency", s->is_pool ? "pool" : "service", s->name);
    st->r_latency = sim_stream(w->s, name);
    snprintf(name, sizeof name, "%s.%s.errors", s->is_pool ? "pool" : "service", s->name);
    st->r_error = sim_stream(w->s, name);
    if (!st->r_latency || !st->r_error ||
        series_init_window(&st->busy_s, w->t_start, w->t_end, w->spec->interval_s) != 0 ||
        series_init_window(&st->queue_s, w->t_start, w->t_end, w->spec->interval_s) != 0) {
        service_free_state(st);
        return NULL;
    }
    gauge_init(&st->concurrency, &st->busy_s, w->t_start);
    gauge_init(&st->queue, &st->queue_s, w->t_start);
    hist_init(&st->latency_ms);
    token_bucket_init(&st->bucket, &s->limit);
    token_bucket_init(&st->ru_bucket, &s->ru_limit);
    if (s->write_keys) {
        snprintf(name, sizeof name, "service.%s.keys", s->name);
        st->r_key = sim_stream(w->s, name);
        st->key_last = malloc(s->write_keys * sizeof *st->key_last);
        if (!st->r_key || !st->key_last) {
            service_free_state(st);
            return NULL;
        }
        for (uint32_t i = 0; i < s->write_keys; i++)
            st->key_last[i] = -INFINITY;
    }
    if (s->objects) {
        snprintf(name, sizeof name, "service.%s.objects", s->name);
        st->r_object = sim_stream(w->s, name);
        st->lanes = calloc(s->objects, sizeof *st->lanes);
        if (!st->r_object || !st->lanes) {
            service_free_state(st);
            return NULL;
        }
    }
    if (s->capacity.on) {
        snprintf(name, sizeof name, "service.%s.partition_keys", s->name);
        st->capacity = table_capacity_start(&s->capacity, w, name);
        if (!st->capacity) {
            service_free_state(st);
            return NULL;
        }
    }
    st->cur_second = -1;
    deadline_init(&st->deadlines);
    for (size_t i = 0; i < s->n_incidents; i++)
        if (s->incidents[i].mode == INCIDENT_DOWN)
            sim_at(w->s, s->incidents[i].start_s, on_incident_down, st, i);
    return st;
}

static uint32_t slot_new(service_state *st)
{
    if (freelist_empty(&st->free_slots)) {
        slot *v = freelist_grow(&st->free_slots, st->slots, sizeof *v, 64, UINT32_MAX);
        if (!v)
            return UINT32_MAX;
        st->slots = v;          /* new slots zeroed: epoch 0, PHASE_FREE */
    }
    return freelist_take(&st->free_slots);
}

static void slot_free(service_state *st, uint32_t k)
{
    assert(k < freelist_capacity(&st->free_slots) && st->slots[k].phase != PHASE_FREE);
    deadline_remove(&st->deadlines, k);
    st->slots[k].phase = PHASE_FREE;
    st->slots[k].epoch++;
    freelist_give(&st->free_slots, k);
}

static uint64_t slot_arg(const service_state *st, uint32_t k)
{
    return sim_gen_pack(st->slots[k].epoch, k);
}

/* The slot named by a timer's arg, or NULL when it has moved on. */
static slot *slot_of(service_state *st, uint64_t arg)
{
    uint32_t k = sim_payload_of(arg);
    slot *sl = &st->slots[k];
    return sl->phase != PHASE_FREE && sl->epoch == sim_gen_of(arg) ? sl : NULL;
}

static const incident *active_incident(const service_spec *s, double now)
{
    for (size_t i = 0; i < s->n_incidents; i++)
        if (now >= s->incidents[i].start_s && now < s->incidents[i].end_s)
            return &s->incidents[i];
    return NULL;
}

/* Answers the caller of slot k (if it still waits) and records the latency. */
static void answer(service_state *st, uint32_t k, attempt_result result)
{
    world *w = st->w;
    slot *sl = &st->slots[k];
    uint32_t req = sl->req;
    if (req == UINT32_MAX)
        return;
    sl->req = UINT32_MAX;
    deadline_remove(&st->deadlines, k);
    double now = sim_now(w->s);
    if (world_measuring(w, sl->arrived)) {
        hist_add(&st->latency_ms, (now - sl->arrived) * 1000.0);
        if (result == RESULT_OK)
            st->ok++;
        else if (result == RESULT_ERROR)
            st->errors++;
    }
    world_reply(w, req, result);
}

static void start_work(service_state *st, uint32_t k);

/* Takes the next waiting call into service, if a place is free. */
static void admit_next(service_state *st, uint32_t lane)
{
    const service_spec *s = st->s;
    if (s->objects) {            /* a Durable Object: its own next call, or it is idle */
        object_lane *ln = &st->lanes[lane];
        while (ln->waiting.n) {
            uint32_t k = ring_pop(&ln->waiting);
            gauge_add(&st->queue, sim_now(st->w->s), -1.0);
            if (st->slots[k].req == UINT32_MAX) {
                slot_free(st, k);
                continue;
            }
            start_work(st, k);
            return;
        }
        ln->busy = false;
        return;
    }
    while (st->waiting.n && (!s->max_concurrency || st->busy < s->max_concurrency)) {
        uint32_t k = ring_pop(&st->waiting);
        gauge_add(&st->queue, sim_now(st->w->s), -1.0);
        if (st->slots[k].req == UINT32_MAX) {   /* its caller left while it waited */
            slot_free(st, k);
            continue;
        }
        start_work(st, k);
    }
}

static void work_done(service_state *st, uint32_t k)
{
    double now = sim_now(st->w->s);
    slot *sl = &st->slots[k];
    st->busy--;
    gauge_add(&st->concurrency, now, -1.0);
    if (sl->result == RESULT_OK && world_measuring(st->w, sl->arrived))
        st->executed_ok++;
    attempt_result result = (attempt_result)sl->result;
    uint32_t lane = sl->lane;
    answer(st, k, result);
    slot_free(st, k);
    admit_next(st, lane);
}

static void on_delay_done(sim *s, void *target, uint64_t arg)
{
    (void)s;
    service_state *st = target;
    if (slot_of(st, arg))
        work_done(st, sim_payload_of(arg));
}

/* ---- shared stage (processor sharing with equal work) ---------------------------- */

static void shared_advance(service_state *st, double now)
{
    if (st->shared.n)
        st->v += (now - st->v_t) / (double)st->shared.n;
    st->v_t = now;
}

static void on_shared_done(sim *s, void *target, uint64_t arg);

static void shared_arm(service_state *st, double now)
{
    st->shared_gen++;
    if (!st->shared.n)
        return;
    const slot *head = &st->slots[ring_front(&st->shared)];
    double dt = (head->v_done - st->v) * (double)st->shared.n;
    sim_at(st->w->s, now + (dt > 0 ? dt : 0), on_shared_done, st, st->shared_gen);
}

static void on_shared_done(sim *s, void *target, uint64_t arg)
{
    service_state *st = target;
    if (arg != st->shared_gen)
        return;
    double now = sim_now(s);
    shared_advance(st, now);
    uint32_t k = ring_pop(&st->shared);
    /* Equal work: the head is done; rounding must not leave it a hair short. */
    if (st->v < st->slots[k].v_done)
        st->v = st->slots[k].v_done;
    shared_arm(st, now);
    slot *sl = &st->slots[k];
    sl->phase = PHASE_DELAY;
    sim_at(s, now + sl->delay_s, on_delay_done, st, slot_arg(st, k));
}

/* ---- work ---------------------------------------------------------------------- */

static void on_forward(sim *s, void *target, uint64_t arg);

static void start_work(service_state *st, uint32_t k)
{
    world *w = st->w;
    const service_spec *s = st->s;
    double now = sim_now(w->s);
    slot *sl = &st->slots[k];
    st->busy++;
    gauge_add(&st->concurrency, now, 1.0);
    double delay_ms = dist_sample(&s->latency_ms, st->r_latency);
    const incident *in = active_incident(s, now);
    double p_error = s->error_rate;
    if (in && in->mode == INCIDENT_ERRORS)
        p_error = fmax(p_error, in->error_rate);
    if (in && in->mode == INCIDENT_SLOW)
        delay_ms *= in->factor;
    sl->result = (uint8_t)(p_error > 0 && rng_uniform(st->r_error) < p_error ? RESULT_ERROR : RESULT_OK);
    sl->delay_s = delay_ms / 1000.0;
    if (s->is_pool) {
        /* The proxy's hop, then the call goes on (unless the proxy itself failed it). */
        sl->phase = PHASE_FORWARDED;
        sim_at(w->s, now + sl->delay_s, on_forward, st, slot_arg(st, k));
        return;
    }
    if (s->capacity_per_s > 0) {
        shared_advance(st, now);
        sl->v_done = st->v + 1.0 / s->capacity_per_s;
        sl->phase = PHASE_SHARED;
        if (ring_push(&st->shared, k) != 0) {
            w->out_of_memory = 1;
            return;
        }
        shared_arm(st, now);
        return;
    }
    sl->phase = PHASE_DELAY;
    sim_at(w->s, now + sl->delay_s, on_delay_done, st, slot_arg(st, k));
}

/* ---- pool: forwarding to the target ----------------------------------------------- */

static void on_forward(sim *s, void *target, uint64_t arg)
{
    service_state *st = target;
    world *w = st->w;
    slot *sl = slot_of(st, arg);
    if (!sl)
        return;
    uint32_t k = sim_payload_of(arg);
    if (sl->result != RESULT_OK) {    /* the proxy's own failure */
        work_done(st, k);
        return;
    }
    if (sl->req == UINT32_MAX) {      /* the caller left during the hop: nothing to send */
        st->busy--;
        gauge_add(&st->concurrency, sim_now(s), -1.0);
        slot_free(st, k);
        admit_next(st, 0);
        return;
    }
    /* The pool opens its connections to the target as it needs them. */
    if (st->busy > st->connections) {
        const component_spec *c = &w->spec->components[st->s->target];
        if (c->kind->connect(w->state[st->s->target], w, +1) != 0) {
            if (world_measuring(w, sl->arrived))
                st->connection_errors++;
            sl->result = RESULT_ERROR;
            work_done(st, k);
            return;
        }
        st->connections++;
        if (st->connections > st->max_connections_seen)
            st->max_connections_seen = st->connections;
    }
    const request *orig = &w->req[sl->req];
    uint32_t sub = world_request_new(w);
    if (sub == UINT32_MAX) {
        sl->result = RESULT_ERROR;
        work_done(st, k);
        return;
    }
    request *r = &w->req[sub];
    orig = &w->req[sl->req];          /* the pool may have moved */
    r->created = orig->created;
    /* The query runs to its end on the borrowed connection, whoever still waits for it:
     * the pool keeps its caller's deadline itself. */
    r->deadline = INFINITY;
    r->size_kb = orig->size_kb;
    r->source = orig->source;
    r->tenant = orig->tenant;
    r->attempt = orig->attempt;
    r->caller = st->index;
    r->tag = k;
    r->epoch = sl->epoch;
    r->is_call = 1;
    world_deliver(w, st->s->target, sub);
}

static void pool_reply(void *state, world *w, uint32_t req, attempt_result result)
{
    service_state *st = state;
    request *r = &w->req[req];
    uint32_t k = r->tag;
    uint8_t effect = r->effect;
    bool current = k < freelist_capacity(&st->free_slots) && st->slots[k].phase == PHASE_FORWARDED &&
                   st->slots[k].epoch == r->epoch;
    world_request_free(w, req);
    if (!current)
        return;
    slot *sl = &st->slots[k];
    sl->result = (uint8_t)result;
    if (sl->req != UINT32_MAX && effect)
        w->req[sl->req].effect = 1;
    work_done(st, k);
}

/* ---- arrivals ---------------------------------------------------------------------- */

/* The waiting calls and their timer's flag: the service's (arg 0), or a Durable Object's
 * (arg its lane + 1); each FIFO expires in its own arrival order. */
static ring *waiting_of(service_state *st, uint64_t arg, bool **timer)
{
    if (arg == 0) {
        *timer = &st->queue_timer;
        return &st->waiting;
    }
    *timer = &st->lanes[arg - 1].queue_timer;
    return &st->lanes[arg - 1].waiting;
}

static void on_queue_timeout(sim *s, void *target, uint64_t arg)
{
    service_state *st = target;
    double now = sim_now(s);
    bool *timer;
    ring *waiting = waiting_of(st, arg, &timer);
    *timer = false;
    while (waiting->n) {
        uint32_t k = ring_front(waiting);
        slot *sl = &st->slots[k];
        if (sl->arrived + st->s->queue_timeout_s > now)
            break;
        ring_pop(waiting);
        gauge_add(&st->queue, now, -1.0);
        if (sl->req != UINT32_MAX && world_measuring(st->w, sl->arrived))
            st->queue_timeouts++;
        answer(st, k, RESULT_ERROR);
        slot_free(st, k);
    }
    if (waiting->n) {
        *timer = true;
        sim_at(s, st->slots[ring_front(waiting)].arrived + st->s->queue_timeout_s, on_queue_timeout, st, arg);
    }
}

static void on_deadline(sim *s, void *target, uint64_t arg);

static void deadline_arm(service_state *st)
{
    double t = deadline_to_arm(&st->deadlines);
    if (t < INFINITY)
        sim_at(st->w->s, t, on_deadline, st, 0);
}

/* The earliest deadlines have come: their callers are told `timeout`. */
static void on_deadline(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    service_state *st = target;
    world *w = st->w;
    double now = sim_now(s);
    deadline_fired(&st->deadlines, now);
    uint32_t k;
    while (deadline_pop_due(&st->deadlines, now, &k)) {
        slot *sl = &st->slots[k];
        uint32_t req = sl->req;
        if (req == UINT32_MAX)
            continue;
        /* A call in service will still complete: its side effect happens. A pool cannot
         * see into its target; it assumes a forwarded call completes unless the hop
         * failed it. */
        if (sl->phase != PHASE_QUEUED && sl->result == RESULT_OK)
            w->req[req].effect = 1;
        if (world_measuring(w, sl->arrived))
            st->timeouts++;
        sl->req = UINT32_MAX;
        world_reply(w, req, RESULT_TIMEOUT);
    }
    deadline_arm(st);
}

static void count_arrival(service_state *st, const request *r, double now)
{
    if (!world_measuring(st->w, now))
        return;
    st->attempts++;
    if (r->attempt <= 1)
        st->calls++;
    double sec = floor(now);
    if (sec != st->cur_second) {
        if ((double)st->cur_count > st->peak_per_s)
            st->peak_per_s = (double)st->cur_count;
        st->cur_second = sec;
        st->cur_count = 0;
    }
    st->cur_count++;
}

/* A `down` incident begins: the connections of the calls in it are reset, so every call
 * it holds fails now (its work is lost), all at the same instant. */
static void on_incident_down(sim *s, void *target, uint64_t arg)
{
    (void)s;
    (void)arg;
    service_state *st = target;
    for (uint32_t k = 0; k < freelist_capacity(&st->free_slots); k++) {
        slot *sl = &st->slots[k];
        if (sl->phase == PHASE_FREE || sl->req == UINT32_MAX)
            continue;
        if (world_measuring(st->w, sl->arrived))
            st->reset++;
        sl->result = RESULT_ERROR;
        answer(st, k, RESULT_ERROR);
    }
}

/* A table's own limits on an arriving call: Cosmos DB's RU/s ceiling (a bucket of request
 * units, a second's worth deep), one write a second to a KV key or Firestore document
 * (the key drawn uniformly), and a DynamoDB table's partitions and provisioned capacity
 * (table_capacity.c). False: the call is throttled (a 429). */
static bool table_admits(service_state *st, double now)
{
    const service_spec *s = st->s;
    if (st->capacity && table_capacity_admit(st->capacity, now) != CAPACITY_ADMIT)
        return false;
    if (s->ru_per_s > 0) {
        token_bucket_refill(&st->ru_bucket, &s->ru_limit, now);
        if (st->ru_bucket.tokens < s->request_units)
            return false;
        st->ru_bucket.tokens -= s->request_units;
    }
    if (s->write_keys) {
        uint32_t key = (uint32_t)rng_uniform_int(st->r_key, s->write_keys);
        if (now - st->key_last[key] < 1.0)
            return false;
        st->key_last[key] = now;
    }
    return true;
}

static void service_accept(void *state, world *w, uint32_t req)
{
    service_state *st = state;
    const service_spec *s = st->s;
    double now = sim_now(w->s);
    bool measuring = world_measuring(w, now);
    w->req[req].effect = 0;
    count_arrival(st, &w->req[req], now);
    const incident *in = active_incident(s, now);
    if (in && in->mode == INCIDENT_DOWN) {
        if (measuring)
            st->refused++;
        world_reply(w, req, RESULT_ERROR);
        return;
    }
    if (!token_bucket_take(&st->bucket, &s->limit, now) || !table_admits(st, now)) {
        if (measuring)
            st->throttled++;
        world_reply(w, req, RESULT_THROTTLED);
        return;
    }
    uint32_t k = slot_new(st);
    if (k == UINT32_MAX) {
        w->out_of_memory = 1;
        world_reply(w, req, RESULT_ERROR);
        return;
    }
    slot *sl = &st->slots[k];
    sl->req = req;
    sl->arrived = now;
    sl->result = RESULT_OK;
    double deadline = w->req[req].deadline;
    if (deadline < INFINITY) {
        if (deadline_push(&st->deadlines, k, deadline > now ? deadline : now) != 0) {
            w->out_of_memory = 1;
            return;
        }
        deadline_arm(st);
    }
    uint64_t lane_arg = 0;
    bool wait = s->max_concurrency && st->busy >= s->max_concurrency;
    sl->lane = 0;
    if (s->objects) {
        sl->lane = s->objects > 1 ? (uint32_t)rng_uniform_int(st->r_object, s->objects) : 0;
        lane_arg = sl->lane + 1;
        wait = st->lanes[sl->lane].busy;
        st->lanes[sl->lane].busy = true;
    }
    if (wait) {
        bool *timer;
        ring *waiting = waiting_of(st, lane_arg, &timer);
        sl->phase = PHASE_QUEUED;
        if (ring_push(waiting, k) != 0) {
            w->out_of_memory = 1;
            return;
        }
        gauge_add(&st->queue, now, 1.0);
        if (!*timer) {
            *timer = true;
            sim_at(w->s, now + s->queue_timeout_s, on_queue_timeout, st, lane_arg);
        }
        return;
    }
    start_work(st, k);
}

static int service_connect(void *state, world *w, int delta)
{
    service_state *st = state;
    if (delta < 0) {
        if (st->connections)
            st->connections--;
        return 0;
    }
    uint32_t max = st->s->max_connections;
    if (max && st->connections >= max) {
        world_reclaim(w);       /* expired instances give their connections back */
        if (st->connections >= max) {
            if (world_measuring(w, sim_now(w->s)))
                st->connection_errors++;
            return -1;
        }
    }
    st->connections++;
    if (st->connections > st->max_connections_seen)
        st->max_connections_seen = st->connections;
    return 0;
}

static void service_finish(void *state, world *w)
{
    service_state *st = state;
    gauge_close(&st->concurrency, w->t_end);
    gauge_close(&st->queue, w->t_end);
    if (st->capacity)
        table_capacity_finish(st->capacity);
    if ((double)st->cur_count > st->peak_per_s)
        st->peak_per_s = (double)st->cur_count;
}

static void service_report(const void *spec, const void *state, metric_sink *m)
{
    const service_spec *s = spec;
    const service_state *st = state;
    service_state zero = { 0 };
    if (!st)
        st = &zero;
    double window = st->w ? st->w->spec->duration_s : 1.0;
    bool any = st->latency_ms.count > 0;
    metric_emit(m, "calls", (double)st->calls);
    metric_emit(m, "attempts", (double)st->attempts);
    metric_emit(m, "successes", (double)st->ok);
    metric_emit(m, "errors", (double)st->errors);
    metric_emit(m, "throttled", (double)st->throttled);
    metric_emit(m, "refused", (double)st->refused);
    metric_emit(m, "reset", (double)st->reset);
    metric_emit(m, "connection_errors", (double)st->connection_errors);
    metric_emit(m, "queue_timeouts", (double)st->queue_timeouts);
    metric_emit(m, "timeouts", (double)st->timeouts);
    metric_emit(m, "completed_after_timeout", (double)(st->executed_ok > st->ok ? st->executed_ok - st->ok : 0));
    metric_emit(m, "mean_concurrency", st->busy_s.total / window);
    metric_emit(m, "max_concurrency", st->concurrency.max);
    metric_emit(m, "mean_queue", st->queue_s.total / window);
    metric_emit(m, "max_queue", st->queue.max);
    /* The wait queue's trend over the window, from its time line's bins at the end (nothing
     * per call): a service past its places grows it; one that keeps up does not. */
    metric_emit(m, "queue_growth", st->w ? series_growth(&st->queue_s) : 0.0);
    metric_emit(m, "peak_calls_per_s", st->peak_per_s);
    metric_emit(m, "mean_calls_per_s", (double)st->attempts / window);
    metric_emit(m, "max_connections", st->max_connections_seen);
    metric_emit(m, "latency_ms_mean", any ? hist_mean(&st->latency_ms) : NAN);
    metric_emit(m, "latency_ms_p50", any ? hist_quantile(&st->latency_ms, 0.5) : NAN);
    metric_emit(m, "latency_ms_p99", any ? hist_quantile(&st->latency_ms, 0.99) : NAN);
    if (s->dynamo != DYNAMO_NONE || s->table == TABLE_COSMOS_DB)
        metric_emit(m, "request_units", (double)st->executed_ok * s->request_units);
    if (s->table == TABLE_D1) {
        metric_emit(m, "rows_read", (double)st->executed_ok * s->rows_read);
        metric_emit(m, "rows_written", (double)st->executed_ok * s->rows_written);
    }
    if (s->table == TABLE_DURABLE_OBJECTS)   /* the objects' busy time, billed as duration */
        metric_emit(m, "busy_s", st->busy_s.total);
    if (s->capacity.on)
        table_capacity_report(&s->capacity, st->capacity, m);
}

static void service_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    const service_spec *s = spec;
    const service_state *st = state;
    if (s->is_pool) {
        usage_add(u, index, "proxy.vcpu_hours", s->vcpus * w->spec->duration_s / 3600.0);
        return;
    }
    if (s->fee_per_million > 0)
        usage_add(u, index, "fees.usd", (double)st->executed_ok * s->fee_per_million / 1e6);
    if (s->capacity.provisioned)   /* capacity-hours, whatever the calls consumed */
        usage_add(u, index, s->dynamo == DYNAMO_WRITE ? "table.wcu_hours" : "table.rcu_hours",
                  table_capacity_unit_hours(st->capacity));
    else if (s->dynamo == DYNAMO_READ)
        usage_add(u, index, "table.request_units.read", (double)st->executed_ok * s->request_units);
    else if (s->dynamo == DYNAMO_WRITE)
        usage_add(u, index, "table.request_units.write", (double)st->executed_ok * s->request_units);
    if (s->table == TABLE_NONE || s->table == TABLE_DYNAMODB)
        return;
    /* Calls served are billed (a throttled or failed one is not); stored data for the window. */
    double served = (double)st->executed_ok;
    switch (s->table) {
    case TABLE_COSMOS_DB:
        usage_add(u, index, s->dim_ops, served * s->request_units);
        break;
    case TABLE_FIRESTORE:
    case TABLE_KV:
        usage_add(u, index, s->dim_ops, served * s->items_per_call);
        break;
    case TABLE_D1:
        usage_add(u, index, s->dim_ops, served * s->rows_read);
        usage_add(u, index, s->dim_ops2, served * s->rows_written);
        break;
    case TABLE_DURABLE_OBJECTS:
        /* Duration is wall time while an object is active: here the time it serves calls. */
        usage_add(u, index, s->dim_ops, served);
        usage_add(u, index, s->dim_ops2, st->busy_s.total * DURABLE_OBJECT_GB);
        break;
    default:
        break;
    }
    if (s->dim_storage && s->storage_gb > 0)
        usage_add(u, index, s->dim_storage, s->storage_gb * w->spec->duration_s / (w->spec->prices.month_hours * 3600.0));
}

const component_kind service_kind = {
    .name = "service",
    .plural = "services",
    .parse = service_parse,
    .free_spec = service_free_spec,
    .start = service_start,
    .accept = service_accept,
    .finish = service_finish,
    .report = service_report,
    .meter = service_meter,
    .free_state = service_free_state,
    .connect = service_connect,
};

/* A pool forwards each call to its service and waits for the answer. */
static bool pool_calls(const void *spec, const char *path, size_t i, component_edge *e)
{
    const service_spec *s = spec;
    if (i > 0 || s->target < 0)
        return false;
    e->target = s->target;
    snprintf(e->path, sizeof e->path, "%s.target", path);
    return true;
}

const component_kind pool_kind = {
    .name = "pool",
    .plural = "pools",
    .parse = pool_parse,
    .free_spec = service_free_spec,
    .link = pool_link,
    .calls = pool_calls,
    .start = service_start,
    .accept = service_accept,
    .reply = pool_reply,
    .finish = service_finish,
    .report = service_report,
    .meter = service_meter,
    .bills = "proxy",
    .free_state = service_free_state,
};
