/* gateway.h — the entry in front of a source's target: an API gateway (API Gateway REST or
 * HTTP APIs, billed per request), a REST API's response cache and request validation, and
 * the tenants' usage plans (an entry rate limit and a quota) enforced at the entry.
 *
 * Each source has its gateway_spec (its keys "gateway", "gateway_validation",
 * "gateway_cache"); a replication has one gateway state (w->gateway) holding the tenants'
 * buckets and quotas, each cached source's keys and counters, and what the entry meters:
 * requests by API type (or calls, on Azure API Management and Google's API Gateway) and
 * responses' data transfer out, on the component each source
 * targets (the gateway's bill is its target's share of the bill). */
#ifndef SLSIM_GATEWAY_H
#define SLSIM_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>

#include "models/authorizer.h"
#include "models/response_cache.h"
#include "models/world.h"

/* The entry's service: Amazon API Gateway's REST or HTTP APIs, Azure API Management
 * (Consumption tier), Google Cloud API Gateway. Cloudflare has none (a Worker is the entry). */
typedef enum gateway_type { GATEWAY_NONE, GATEWAY_REST, GATEWAY_HTTP, GATEWAY_API_MANAGEMENT, GATEWAY_GOOGLE,
                            GATEWAY_TYPES } gateway_type;

typedef struct gateway_spec {
    gateway_type type;
    bool         validate;         /* poisoned (malformed) requests are refused (REST) */
    bool         cache;            /* a REST API response cache */
    authorizer_spec auth;          /* a Lambda authorizer (function -1: none); read per request */
    double       cache_gb;
    response_cache_spec cached;    /* its keys and TTL, or a fixed hit ratio */
    double       cache_hit_ms;
} gateway_spec;

/* Reads a source's gateway keys from c (the source's object). trace: the source replays a
 * trace (many targets); async: its mode is "async". The price table must price what the
 * gateway will meter. */
void gateway_parse(cfg_node *c, gateway_spec *g, const world_spec *w, bool trace, bool async);

/* The replication's gateway (w->gateway). Returns 0, or -1 when out of memory. */
int  gateway_start(world *w);
void gateway_free(world *w);

typedef enum gateway_verdict {
    GATEWAY_PASS,       /* on to the target */
    GATEWAY_THROTTLED,  /* over its tenant's rate limit or quota: the caller answers 429 */
    GATEWAY_ANSWERED,   /* refused by validation or answered from the cache: nothing to do */
    GATEWAY_WAITING,    /* its authorizer function is asked: authorizer.c carries it on */
} gateway_verdict;

/* An attempt of request idx reaches the entry at now. */
gateway_verdict gateway_enter(world *w, uint32_t idx, double now);
/* The attempt is authorized (or needs no authorization): the gateway bills it, then its
 * validation and cache may answer it (GATEWAY_ANSWERED) or it passes (GATEWAY_PASS). */
gateway_verdict gateway_authorized(world *w, uint32_t idx, double now);
/* The attempt's answer passes back through the entry (data transfer out, cache fill). */
void gateway_answered(world *w, uint32_t idx, attempt_result result, double now);

/* Figures (w NULL: names only): a source's sources.<name>.gateway_cache_hits, _misses,
 * _hit_ratio, gateway_rejected (with m->prefix set to the source's); a tenant's over_quota
 * (prefix the tenant's). */
void gateway_report_source(const world_spec *spec, const world *w, size_t source, metric_sink *m);
void gateway_report_tenant(const world_spec *spec, const world *w, size_t tenant, metric_sink *m);
/* The entry's usage: gateway.requests.{rest,http,api_management,api_gateway}, gateway.cache_hours.<GB>,
 * network.transfer_out_gb, on each source's target. */
void gateway_meter(const world_spec *spec, const world *w, ledger *u);

#endif
