/* gateway.c — the entry in front of a source's target: tenants' usage plans, the provider's
 * gateway (API Gateway's requests, its REST API cache and validation; Azure API Management's
 * or Google API Gateway's calls), and the entry's meter (see gateway.h).
 *
 * Invariants: every counter is of the measured window (r->measured); the REST API cache's
 * keys are response_cache.c's. */
#include "models/gateway.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/traffic.h"

typedef struct gateway_source {
    response_cache cache;          /* cached sources */
    uint64_t  hits, misses, rejected;
} gateway_source;

struct gateway {
    gateway_source *src;           /* per source */
    double         *requests[GATEWAY_TYPES];    /* per type, per component: metered by the entry */
    double         *transfer_gb;                /* per component */
    token_bucket   *bucket;        /* per tenant: entry rate limits */
    double         *quota_used;    /* requests counted against the quota this period */
    double         *quota_period;  /* which period they count in */
    uint64_t       *over_quota;    /* attempts refused over the quota */
};

/* ---- parsing ------------------------------------------------------------------------------ */

/* A REST API's response cache (gateway_cache) and request validation (gateway_validation).
 * Cache sizes and hourly prices come from the price table; TTL default 300 s, at most
 * 3,600 s (API Gateway developer guide). */
/* The dimension each gateway type's requests are metered under. */
static const char *const request_dims[GATEWAY_TYPES] = {
    NULL, "gateway.requests.rest", "gateway.requests.http", "gateway.requests.api_management",
    "gateway.requests.api_gateway"
};

/* The gateway a source names on a provider other than AWS: "none" or the provider's own
 * (the price table's offers for "gateway"); API Gateway's REST and HTTP APIs, its cache and
 * its validation are refused there. */
static void parse_other_gateway(cfg_node *c, gateway_spec *g, const world_spec *w, const price_offer *o)
{
    const char *given = cfg_string(c, "gateway", "none");
    if (!given || cfg_failed(c))
        return;
    if (!strcmp(given, "none")) {
        g->type = GATEWAY_NONE;
    } else if (o->n == 0) {
        cfg_fail(c, "gateway", "platform.provider \"%s\" offers no gateway: %s", provider_names[w->provider], o->instead);
        return;
    } else if (!strcmp(given, o->service[0]) && !strcmp(given, "api-management")) {
        g->type = GATEWAY_API_MANAGEMENT;
    } else if (!strcmp(given, o->service[0]) && !strcmp(given, "api-gateway")) {
        g->type = GATEWAY_GOOGLE;
    } else {
        char got[CFG_EXCERPT_MAX + 8];
        cfg_excerpt(got, sizeof got, given, CFG_EXCERPT_MAX);
        cfg_fail(c, "gateway", "platform.provider \"%s\" offers a gateway as \"%s\" (or \"none\"); got %s%s",
                 provider_names[w->provider], o->service[0], got,
                 !strcmp(given, "rest") || !strcmp(given, "http") ? " (REST and HTTP APIs are Amazon API Gateway's)" : "");
        return;
    }
    if (g->type != GATEWAY_NONE && !price_find(&w->prices, request_dims[g->type]))
        cfg_fail(c, "gateway", "the price table %s prices no %s", w->prices.name, request_dims[g->type]);
    static const char *const aws_only[] = { "gateway_validation", "gateway_cache" };
    for (size_t i = 0; i < 2 && !cfg_failed(c); i++)
        if (cfg_has(c, aws_only[i]))
            cfg_fail(c, aws_only[i], "is a feature of Amazon API Gateway's REST APIs (platform.provider \"aws\", "
                     "\"gateway\": \"rest\"), not modelled on %s's gateway \"%s\"", provider_names[w->provider],
                     o->n ? o->service[0] : "none");
}

/* A REST API's response cache (gateway_cache) and request validation (gateway_validation).
 * Cache sizes and hourly prices come from the price table; TTL default 300 s, at most
 * 3,600 s (API Gateway developer guide). */
static void parse_aws_gateway(cfg_node *c, gateway_spec *g, const world_spec *w, bool trace, bool async)
{
    static const char *const types[] = { "none", "rest", "http", NULL };
    g->type = (gateway_type)cfg_enum(c, "gateway", types, GATEWAY_NONE);
    if (!cfg_failed(c) && g->type != GATEWAY_NONE &&
        !price_find(&w->prices, g->type == GATEWAY_REST ? "gateway.requests.rest" : "gateway.requests.http"))
        cfg_fail(c, "gateway", "the price table %s prices no API gateway requests (gateway.requests); "
                 "API Gateway is priced for provider \"aws\"", w->prices.name);
    g->validate = cfg_bool(c, "gateway_validation", false);
    if (!cfg_failed(c) && g->validate && g->type != GATEWAY_REST)
        cfg_fail(c, "gateway_validation", "request validation is a REST API feature: set \"gateway\": \"rest\"");
    if (!cfg_has(c, "gateway_cache")) {
        cfg_put(c, "gateway_cache", cJSON_CreateNull());
        return;
    }
    cfg_node n;
    cfg_object(c, "gateway_cache", &n);
    g->cache = true;
    g->cache_gb = cfg_number(&n, "size_gb", 0.5, 0.01, 1e6);
    g->cached.ttl_s = cfg_number(&n, "ttl_s", 300, 0, 3600);
    g->cached.keys = (uint32_t)cfg_integer(&n, "keys", 1, 1, 10000000);
    if (cfg_has(&n, "hit_ratio")) {
        g->cached.hit_ratio = cfg_number(&n, "hit_ratio", 0, 0, 1);
    } else {
        g->cached.hit_ratio = -1;
        cfg_put(&n, "hit_ratio", cJSON_CreateNull());
    }
    g->cache_hit_ms = cfg_number(&n, "hit_latency_ms", 10, 0, 60000);
    char dim[PRICE_NAME_MAX];
    snprintf(dim, sizeof dim, "gateway.cache_hours.%g", g->cache_gb);
    const price_dim *d = price_find(&w->prices, dim);
    if (!cfg_failed(&n) && (!d || strcmp(d->name, dim) != 0)) {
        char sizes[256];
        price_list_variants(&w->prices, "gateway.cache_hours.", false, sizes, sizeof sizes);
        cfg_fail(&n, "size_gb", "the price table has no cache of %g GB (sizes: %s)", g->cache_gb,
                 sizes[0] ? sizes : "none");
    }
    cfg_done(&n);
    if (!cfg_failed(c) && g->type != GATEWAY_REST)
        cfg_fail(c, "gateway_cache", "response caching is a REST API feature: set \"gateway\": \"rest\"");
    else if (!cfg_failed(c) && trace)
        cfg_fail(c, "gateway_cache", "is modelled for a source with one target, not a trace's functions");
    else if (!cfg_failed(c) && async)
        cfg_fail(c, "gateway_cache", "caches responses to synchronous requests; this source is \"async\"");
}

void gateway_parse(cfg_node *c, gateway_spec *g, const world_spec *w, bool trace, bool async)
{
    const price_offer *o = price_offers(&w->prices, "gateway");
    if (w->provider != PROVIDER_AWS && o)
        parse_other_gateway(c, g, w, o);
    else
        parse_aws_gateway(c, g, w, trace, async);
    if (!cfg_failed(c))
        authorizer_parse(c, &g->auth, w, g->type == GATEWAY_REST || g->type == GATEWAY_HTTP);
}

/* ---- a replication -------------------------------------------------------------------------- */

int gateway_start(world *w)
{
    const world_spec *spec = w->spec;
    struct gateway *g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    w->gateway = g;
    if (authorizer_start(w) != 0)
        return -1;
    size_t ns = spec->n_sources ? spec->n_sources : 1, nc = spec->n_components ? spec->n_components : 1;
    size_t nt = spec->n_tenants ? spec->n_tenants : 1;
    g->src = calloc(ns, sizeof *g->src);
    for (int t = 1; t < GATEWAY_TYPES; t++) {
        g->requests[t] = calloc(nc, sizeof *g->requests[t]);
        if (!g->requests[t])
            return -1;
    }
    g->transfer_gb = calloc(nc, sizeof *g->transfer_gb);
    g->bucket = calloc(nt, sizeof *g->bucket);
    g->quota_used = calloc(nt, sizeof *g->quota_used);
    g->quota_period = calloc(nt, sizeof *g->quota_period);
    g->over_quota = calloc(nt, sizeof *g->over_quota);
    if (!g->src || !g->transfer_gb || !g->bucket || !g->quota_used ||
        !g->quota_period || !g->over_quota)
        return -1;
    for (size_t i = 0; i < spec->n_tenants; i++)
        token_bucket_init(&g->bucket[i], &spec->tenants[i].limit);
    for (size_t i = 0; i < spec->n_sources; i++) {
        const source_spec *s = &spec->sources[i];
        if (!s->gw.cache)
            continue;
        char name[300];
        snprintf(name, sizeof name, "source.%s.gateway_cache", s->name);
        if (response_cache_start(&g->src[i].cache, &s->gw.cached, w->s, name) != 0)
            return -1;
    }
    return 0;
}

void gateway_free(world *w)
{
    struct gateway *g = w->gateway;
    authorizer_free(w);
    if (!g)
        return;
    for (size_t i = 0; g->src && i < w->spec->n_sources; i++)
        response_cache_free(&g->src[i].cache);
    free(g->src);
    for (int t = 1; t < GATEWAY_TYPES; t++)
        free(g->requests[t]);
    free(g->transfer_gb);
    free(g->bucket);
    free(g->quota_used);
    free(g->quota_period);
    free(g->over_quota);
    free(g);
    w->gateway = NULL;
}

/* ---- the entry ---------------------------------------------------------------------------- */

/* The REST API answers without the integration: a malformed request fails validation (a
 * 400 the client does not retry; it never reaches the target), or a fresh cached response
 * comes back after the cache's latency. A key is fresh for ttl_s after a response filled
 * it; keys are equally likely (or a fixed hit_ratio stands in for the key model). */
static bool answers(world *w, uint32_t idx, double now)
{
    request *r = &w->req[idx];
    const gateway_spec *s = &w->spec->sources[r->source].gw;
    gateway_source *st = &w->gateway->src[r->source];
    if (s->validate && r->poison) {
        if (r->measured)
            st->rejected++;
        world_finish(w, idx, OUTCOME_FAILED);
        return true;
    }
    if (!s->cache)
        return false;
    bool hit = response_cache_lookup(&st->cache, &s->cached, r, now);
    if (r->measured) {
        if (hit)
            st->hits++;
        else
            st->misses++;
    }
    /* The answer comes back after the cache's latency, or the client has given up first. */
    if (hit)
        response_cache_answer(w, idx, now + s->cache_hit_ms / 1000.0);
    return hit;
}

/* Counts an attempt against its tenant's usage-plan quota; true when it is over it. */
static bool over_quota(world *w, const request *r, double now)
{
    struct gateway *g = w->gateway;
    const tenant_spec *t = &w->spec->tenants[r->tenant];
    double period = floor(now / t->quota_period_s);
    if (period != g->quota_period[r->tenant]) {
        g->quota_period[r->tenant] = period;
        g->quota_used[r->tenant] = 0;
    }
    if (g->quota_used[r->tenant] >= t->quota) {
        if (r->measured)
            g->over_quota[r->tenant]++;
        return true;
    }
    g->quota_used[r->tenant] += 1;
    return false;
}

gateway_verdict gateway_enter(world *w, uint32_t idx, double now)
{
    struct gateway *g = w->gateway;
    request *r = &w->req[idx];
    const gateway_spec *s = &w->spec->sources[r->source].gw;
    /* The tenant's entry rate limit and quota (a usage plan). */
    if (w->spec->n_tenants &&
        !token_bucket_take(&g->bucket[r->tenant], &w->spec->tenants[r->tenant].limit, now))
        return GATEWAY_THROTTLED;
    if (w->spec->n_tenants && w->spec->tenants[r->tenant].quota > 0 && over_quota(w, r, now))
        return GATEWAY_THROTTLED;
    if (s->auth.function >= 0 && !authorizer_check(w, idx, now))
        return GATEWAY_WAITING;
    return gateway_authorized(w, idx, now);
}

gateway_verdict gateway_authorized(world *w, uint32_t idx, double now)
{
    struct gateway *g = w->gateway;
    request *r = &w->req[idx];
    const gateway_spec *s = &w->spec->sources[r->source].gw;
    /* API Gateway bills every request it lets through (an HTTP API one per 512 KB), those
     * that fail validation or come from its cache included; not those it throttles or its
     * authorizer does not let through. API Management and Google's API Gateway bill each
     * call. */
    if (r->measured && s->type == GATEWAY_HTTP)
        g->requests[GATEWAY_HTTP][r->target] += ceil(r->size_kb / 512.0 - 1e-9);
    else if (r->measured && s->type != GATEWAY_NONE)
        g->requests[s->type][r->target] += 1;
    if ((s->validate || s->cache) && answers(w, idx, now))
        return GATEWAY_ANSWERED;
    return GATEWAY_PASS;
}

void gateway_answered(world *w, uint32_t idx, attempt_result result, double now)
{
    struct gateway *g = w->gateway;
    request *r = &w->req[idx];
    const source_spec *s = &w->spec->sources[r->source];
    if (result == RESULT_OK && r->measured && !s->cdn.on)    /* CloudFront's bytes: cdn.c */
        g->transfer_gb[r->target] += s->response_kb / 1048576.0;
    if (result == RESULT_OK && s->gw.cache)
        response_cache_fill(&g->src[r->source].cache, r, now);
}

/* ---- figures and meter ------------------------------------------------------------------------ */

void gateway_report_source(const world_spec *spec, const world *w, size_t source, metric_sink *m)
{
    const gateway_spec *s = &spec->sources[source].gw;
    const gateway_source *st = w && w->gateway ? &w->gateway->src[source] : NULL;
    if (s->cache) {
        uint64_t hits = st ? st->hits : 0, misses = st ? st->misses : 0;
        metric_emit(m, "gateway_cache_hits", (double)hits);
        metric_emit(m, "gateway_cache_misses", (double)misses);
        metric_emit(m, "gateway_cache_hit_ratio", hits + misses ? (double)hits / (double)(hits + misses) : NAN);
    }
    if (s->validate)
        metric_emit(m, "gateway_rejected", st ? (double)st->rejected : 0.0);
    authorizer_report_source(spec, w, source, m);
}

void gateway_report_tenant(const world_spec *spec, const world *w, size_t tenant, metric_sink *m)
{
    if (spec->tenants[tenant].quota > 0)
        metric_emit(m, "over_quota", w && w->gateway ? (double)w->gateway->over_quota[tenant] : 0);
}

void gateway_meter(const world_spec *spec, const world *w, ledger *u)
{
    const struct gateway *g = w->gateway;
    for (size_t i = 0; i < spec->n_components; i++) {
        for (int t = 1; t < GATEWAY_TYPES; t++)
            if (g->requests[t][i] > 0)
                usage_add(u, i, request_dims[t], g->requests[t][i]);
        if (g->transfer_gb[i] > 0)
            usage_add(u, i, "network.transfer_out_gb", g->transfer_gb[i]);
    }
    /* A source's gateway cache runs (and bills) the whole window, to its target. */
    for (size_t k = 0; k < spec->n_sources; k++) {
        const source_spec *s = &spec->sources[k];
        if (!s->gw.cache || s->target < 0)
            continue;
        char dim[PRICE_NAME_MAX];
        snprintf(dim, sizeof dim, "gateway.cache_hours.%g", s->gw.cache_gb);
        usage_add(u, (size_t)s->target, dim, spec->duration_s / 3600.0);
    }
}
