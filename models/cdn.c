/* cdn.c — Amazon CloudFront in front of a source's target: its cache at the edge, what it
 * bills, and the default round trip from an edge function to the region (see cdn.h).
 *
 * Invariants: every counter is of the measured window (r->measured); a cache key's
 * key_filled is the time a response last filled it (-INFINITY: never), and an attempt that
 * missed on key k carries k in r->cache_key until its answer fills it (UINT32_MAX: none; a
 * source with a CDN has no API Gateway cache, so the key is the CDN's alone). One cache
 * stands for the edge locations the users reach, as if they all shared it; its keys are
 * response_cache.c's, as the API Gateway cache's are. */
#include "models/cdn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/function.h"
#include "models/traffic.h"

typedef struct cdn_source {
    response_cache cache;
    uint64_t  requests, hits, misses, answered;   /* answered: successful responses sent back */
} cdn_source;

struct cdn {
    cdn_source *src;               /* per source */
};

/* ---- parsing ------------------------------------------------------------------------------ */

/* An edge function's calls cross to the region: without region_rtt_ms of its own, it takes
 * the round trip its users' figures imply, the edge location being on their way there (an
 * assumption: user-region ≈ user-edge + edge-region). */
static void default_region_rtt(cfg_node *c, world_spec *w, int target, double network_rtt_ms,
                               double edge_rtt_ms)
{
    if (target < 0 || w->components[target].kind != &function_kind || isnan(edge_rtt_ms))
        return;
    void *f = w->components[target].spec;
    double earlier;
    bool derived = function_edge_rtt_derived(f, &earlier);
    if (!derived && !function_edge_rtt_unset(f))
        return;                 /* given, or no synchronous calls to pay it */
    if (edge_rtt_ms > network_rtt_ms) {
        cfg_fail(c, "edge_rtt_ms", "is more than network_rtt_ms (%g against %g): the edge function %s's "
                 "round trip to the region cannot be derived from them; give %s.region_rtt_ms",
                 edge_rtt_ms, network_rtt_ms, w->components[target].name, w->components[target].path);
        return;
    }
    /* Two sources whose figures imply two round trips: which is the function's is the
     * user's to say, not the order of the sources. */
    if (derived && earlier != network_rtt_ms - edge_rtt_ms) {
        cfg_fail(c, "edge_rtt_ms", "with network_rtt_ms %g gives the edge function %s a round trip to the "
                 "region of %g ms, and an earlier source %g ms; give %s.region_rtt_ms",
                 network_rtt_ms, w->components[target].name, network_rtt_ms - edge_rtt_ms, earlier,
                 w->components[target].path);
        return;
    }
    function_edge_set_rtt(f, network_rtt_ms - edge_rtt_ms);
}

void cdn_parse(cfg_node *c, cdn_spec *d, world_spec *w, int target, bool trace, bool async,
               double network_rtt_ms, double edge_rtt_ms)
{
    if (cfg_failed(c))
        return;
    default_region_rtt(c, w, target, network_rtt_ms, edge_rtt_ms);
    if (cfg_failed(c))
        return;
    if (!cfg_has(c, "cdn")) {
        cfg_put(c, "cdn", cJSON_CreateNull());
        return;
    }
    cfg_node n;
    cfg_object(c, "cdn", &n);
    d->on = true;
    d->edge_rtt_ms = edge_rtt_ms;
    bool viewer = target >= 0 && w->components[target].kind == &function_kind &&
                  function_is_edge(w->components[target].spec) &&
                  function_edge_trigger(w->components[target].spec) == 1;
    d->pass_all = viewer;
    d->cached.hit_ratio = -1;
    if (cfg_has(&n, "hit_ratio"))
        d->cached.hit_ratio = cfg_number(&n, "hit_ratio", 0, 0, 1);
    else
        cfg_put(&n, "hit_ratio", cJSON_CreateNull());
    bool keyed = cfg_has(&n, "keys");
    if (keyed)
        d->cached.keys = (uint32_t)cfg_integer(&n, "keys", 1, 1, 10000000);
    else
        cfg_put(&n, "keys", cJSON_CreateNull());
    /* CloudFront's DefaultTTL, one day; at most its MaxTTL default, a year (CloudFront API
     * reference, CachePolicyConfig). */
    d->cached.ttl_s = cfg_number(&n, "ttl_s", 86400, 0, 31536000);
    d->hit_ms = cfg_number(&n, "hit_latency_ms", 2, 0, 60000);
    if (cfg_failed(&n)) {
        cfg_done(&n);
        return;
    }
    if (viewer && (keyed || d->cached.hit_ratio > 0))
        cfg_fail(&n, keyed ? "keys" : "hit_ratio", "the target %s is a viewer-trigger edge function: it runs on "
                 "every request and CloudFront does not cache its answers; make it an origin trigger "
                 "(\"edge\": \"origin\") to cache in front of it", w->components[target].name);
    else if (!viewer && keyed == (d->cached.hit_ratio >= 0))
        cfg_fail(&n, keyed ? "hit_ratio" : NULL, keyed ? "give hit_ratio (a fixed share of hits) or keys "
                 "(equally likely cache keys, each fresh ttl_s), not both" : "expected hit_ratio (a fixed share "
                 "of hits) or keys (equally likely cache keys, each fresh ttl_s)");
    if (viewer)
        d->cached.hit_ratio = 0;
    cfg_done(&n);
    if (cfg_failed(c))
        return;
    if (w->provider != PROVIDER_AWS)
        cfg_fail(c, "cdn", "CloudFront is modelled for platform.provider \"aws\", not \"%s\"",
                 provider_names[w->provider]);
    else if (!price_find(&w->prices, "cdn.requests") || !price_find(&w->prices, "cdn.transfer_out_gb"))
        cfg_fail(c, "cdn", "the price table %s prices no CloudFront (cdn.requests, cdn.transfer_out_gb)",
                 w->prices.name);
    else if (trace)
        cfg_fail(c, "cdn", "is modelled for a source with one target, not a trace's functions");
    else if (async)
        cfg_fail(c, "cdn", "answers synchronous HTTP requests; this source is \"async\"");
    else if (isnan(edge_rtt_ms))
        cfg_fail(c, "cdn", "answers at the edge location nearest the users: give the source's edge_rtt_ms");
    else if (cfg_has(c, "gateway_cache"))
        cfg_fail(c, "cdn", "and gateway_cache are two caches in front of one target; model one of them");
}

int cdn_check_edge(const world_spec *w, cfg_ctx *ctx)
{
    for (size_t i = 0; i < w->n_components; i++) {
        const component_spec *c = &w->components[i];
        if (c->kind != &function_kind || !function_edge_rtt_unset(c->spec))
            continue;
        cfg_node n;
        cfg_root(&n, ctx, NULL, NULL);
        snprintf(n.path, sizeof n.path, "%s", c->path);
        cfg_fail(&n, "region_rtt_ms", "the edge function %s calls the region synchronously: give the round "
                 "trip from its edge locations to the region (or a source targeting it with network_rtt_ms "
                 "and edge_rtt_ms, from which it is derived)", c->name);
        return -1;
    }
    return 0;
}

/* ---- a replication -------------------------------------------------------------------------- */

int cdn_start(world *w)
{
    const world_spec *spec = w->spec;
    struct cdn *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    w->cdn = d;
    d->src = calloc(spec->n_sources ? spec->n_sources : 1, sizeof *d->src);
    if (!d->src)
        return -1;
    for (size_t i = 0; i < spec->n_sources; i++) {
        const cdn_spec *s = &spec->sources[i].cdn;
        if (!s->on || s->pass_all)
            continue;
        char name[300];
        snprintf(name, sizeof name, "source.%s.cdn", spec->sources[i].name);
        if (response_cache_start(&d->src[i].cache, &s->cached, w->s, name) != 0)
            return -1;
    }
    return 0;
}

void cdn_free(world *w)
{
    struct cdn *d = w->cdn;
    if (!d)
        return;
    for (size_t i = 0; d->src && i < w->spec->n_sources; i++)
        response_cache_free(&d->src[i].cache);
    free(d->src);
    free(d);
    w->cdn = NULL;
}

/* ---- the edge ------------------------------------------------------------------------------- */

bool cdn_enter(world *w, uint32_t idx, double now)
{
    request *r = &w->req[idx];
    const cdn_spec *s = &w->spec->sources[r->source].cdn;
    cdn_source *st = &w->cdn->src[r->source];
    r->cache_key = UINT32_MAX;     /* a viewer trigger's attempts look nothing up */
    if (r->measured)
        st->requests++;
    bool hit = !s->pass_all && response_cache_lookup(&st->cache, &s->cached, r, now);
    if (r->measured) {
        if (hit)
            st->hits++;
        else
            st->misses++;
    }
    if (!hit)
        return false;
    /* The answer comes back after the round trip to the edge and its latency, or the
     * client has given up first. */
    response_cache_answer(w, idx, now + (s->edge_rtt_ms + s->hit_ms) / 1000.0);
    return true;
}

void cdn_answered(world *w, uint32_t idx, attempt_result result, double now)
{
    request *r = &w->req[idx];
    const cdn_spec *s = &w->spec->sources[r->source].cdn;
    if (!s->on || result != RESULT_OK)
        return;
    cdn_source *st = &w->cdn->src[r->source];
    if (r->measured)
        st->answered++;
    response_cache_fill(&st->cache, r, now);
}

/* ---- figures and meter ------------------------------------------------------------------------ */

void cdn_report_source(const world_spec *spec, const world *w, size_t source, metric_sink *m)
{
    if (!spec->sources[source].cdn.on)
        return;
    const cdn_source *st = w && w->cdn ? &w->cdn->src[source] : NULL;
    uint64_t hits = st ? st->hits : 0, misses = st ? st->misses : 0;
    metric_emit(m, "cdn_requests", st ? (double)st->requests : 0.0);
    metric_emit(m, "cdn_hits", (double)hits);
    metric_emit(m, "cdn_misses", (double)misses);
    metric_emit(m, "cdn_hit_ratio", hits + misses ? (double)hits / (double)(hits + misses) : NAN);
}

void cdn_meter(const world_spec *spec, const world *w, ledger *u)
{
    for (size_t i = 0; i < spec->n_sources; i++) {
        const source_spec *s = &spec->sources[i];
        if (!s->cdn.on || s->target < 0)
            continue;
        const cdn_source *st = &w->cdn->src[i];
        if (st->requests > 0)
            usage_add(u, (size_t)s->target, "cdn.requests", (double)st->requests);
        if (st->answered > 0 && s->response_kb > 0)
            usage_add(u, (size_t)s->target, "cdn.transfer_out_gb", (double)st->answered * s->response_kb / 1048576.0);
    }
}
