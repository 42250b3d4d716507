/* authorizer.c — an API gateway's Lambda authorizer and its policy cache per identity (see
 * authorizer.h).
 *
 * Invariants: a source's filled[k] is when the authorizer last allowed identity k
 * (-INFINITY: never); the policy is fresh while now - filled[k] < ttl_s. Every counter is
 * of the measured window (the client request's `measured`). While the function is asked,
 * the client's attempt waits on nothing else: the call's one reply (the function answers
 * each attempt once, a timeout at the client's deadline included) carries it on, so the
 * call needs no epoch. */
#include "models/authorizer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/function.h"
#include "models/gateway.h"
#include "models/traffic.h"
#include "sim/rng.h"

typedef struct authorizer_source {
    double  *filled;           /* per identity (NULL without a cache) */
    gsl_rng *identity;
    uint64_t hits, misses, failed;
} authorizer_source;

struct authorizer {
    authorizer_source *src;    /* per source */
};

/* ---- parsing ---------------------------------------------------------------------------- */

/* TTL: default 300 s, 0 disables the cache, at most 3,600 s (the API Gateway API reference,
 * authorizerResultTtlInSeconds, read 2026-12-07). */
void authorizer_parse(cfg_node *c, authorizer_spec *a, const world_spec *w, bool gateway)
{
    a->function = -1;
    if (!cfg_has(c, "authorizer")) {
        cfg_put(c, "authorizer", cJSON_CreateNull());
        return;
    }
    if (w->provider != PROVIDER_AWS) {
        cfg_fail(c, "authorizer", "is a feature of Amazon API Gateway's REST and HTTP APIs (platform.provider "
                 "\"aws\"), not modelled on %s", provider_names[w->provider]);
        return;
    }
    if (!gateway) {
        cfg_fail(c, "authorizer", "a Lambda authorizer runs in an API gateway: set \"gateway\": \"rest\" or \"http\"");
        return;
    }
    cfg_node n;
    cfg_object(c, "authorizer", &n);
    if (!cfg_has(&n, "function"))
        cfg_missing(&n, "function", "the name of a function component that authorizes each identity");
    const char *name = cfg_string(&n, "function", NULL);
    int k = name ? world_spec_component(w, name) : -1;
    if (!cfg_failed(&n) && k < 0)
        cfg_fail(&n, "function", "no component is named \"%s\"", name);
    else if (!cfg_failed(&n) && w->components[k].kind != &function_kind)
        cfg_fail(&n, "function", "\"%s\" is a %s; a Lambda authorizer is a function", name,
                 w->components[k].kind->name);
    a->function = k;
    a->ttl_s = cfg_number(&n, "ttl_s", 300, 0, 3600);
    a->identities = (uint32_t)cfg_integer(&n, "identities", 1, 1, 10000000);
    cfg_done(&n);
}

/* ---- a replication ----------------------------------------------------------------------- */

int authorizer_start(world *w)
{
    const world_spec *spec = w->spec;
    struct authorizer *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    w->authorizer = a;
    a->src = calloc(spec->n_sources ? spec->n_sources : 1, sizeof *a->src);
    if (!a->src)
        return -1;
    for (size_t i = 0; i < spec->n_sources; i++) {
        const source_spec *s = &spec->sources[i];
        const authorizer_spec *as = &s->gw.auth;
        if (as->function < 0)
            continue;
        char name[300];
        snprintf(name, sizeof name, "source.%s.authorizer", s->name);
        a->src[i].identity = sim_stream(w->s, name);
        if (!a->src[i].identity)
            return -1;
        if (as->ttl_s <= 0)
            continue;
        a->src[i].filled = malloc(as->identities * sizeof *a->src[i].filled);
        if (!a->src[i].filled)
            return -1;
        for (uint32_t k = 0; k < as->identities; k++)
            a->src[i].filled[k] = -INFINITY;
    }
    return 0;
}

void authorizer_free(world *w)
{
    struct authorizer *a = w->authorizer;
    if (!a)
        return;
    for (size_t i = 0; a->src && i < w->spec->n_sources; i++)
        free(a->src[i].filled);
    free(a->src);
    free(a);
    w->authorizer = NULL;
}

/* ---- the check ----------------------------------------------------------------------------- */

bool authorizer_check(world *w, uint32_t idx, double now)
{
    request *r = &w->req[idx];
    const authorizer_spec *as = &w->spec->sources[r->source].gw.auth;
    authorizer_source *st = &w->authorizer->src[r->source];
    if (r->attempt == 1)       /* the client's token: a retry sends the same */
        r->tag = as->identities > 1 ? (uint32_t)rng_uniform_int(st->identity, as->identities) : 0;
    bool hit = st->filled && now - st->filled[r->tag] < as->ttl_s;
    if (r->measured) {
        if (hit)
            st->hits++;
        else
            st->misses++;
    }
    if (hit)
        return true;
    uint32_t sub = world_request_new(w);
    if (sub == UINT32_MAX) {
        traffic_attempt_done(w, idx, RESULT_ERROR);
        return false;
    }
    r = &w->req[idx];          /* the pool may have moved */
    request *c = &w->req[sub];
    c->created = now;
    c->deadline = r->deadline;  /* the client stops waiting then: a timeout */
    c->source = r->source;
    c->tenant = r->tenant;
    c->traced = world_tenanted(r);
    c->size_kb = r->size_kb;
    c->caller = CALLER_GATEWAY;
    c->tag = idx;
    c->is_call = 1;
    world_deliver(w, as->function, sub);
    return false;
}

void authorizer_reply(world *w, uint32_t sub, attempt_result result)
{
    uint32_t idx = w->req[sub].tag;
    world_request_free(w, sub);
    request *r = &w->req[idx];
    authorizer_source *st = &w->authorizer->src[r->source];
    double now = sim_now(w->s);
    if (result != RESULT_OK) {
        /* API Gateway answers 500 when its authorizer fails (an error, a throttle, its own
         * timeout); a client that gave up first sees its own timeout. */
        if (r->measured)
            st->failed++;
        traffic_attempt_done(w, idx, now >= r->deadline ? RESULT_TIMEOUT : RESULT_ERROR);
        return;
    }
    if (st->filled)
        st->filled[r->tag] = now;
    if (gateway_authorized(w, idx, now) == GATEWAY_PASS)
        traffic_pass(w, idx);
}

/* ---- figures ------------------------------------------------------------------------------ */

void authorizer_report_source(const world_spec *spec, const world *w, size_t source, metric_sink *m)
{
    if (spec->sources[source].gw.auth.function < 0)
        return;
    const authorizer_source *st = w && w->authorizer ? &w->authorizer->src[source] : NULL;
    uint64_t hits = st ? st->hits : 0, misses = st ? st->misses : 0;
    metric_emit(m, "authorizer_hits", (double)hits);
    metric_emit(m, "authorizer_misses", (double)misses);
    metric_emit(m, "authorizer_hit_ratio", hits + misses ? (double)hits / (double)(hits + misses) : NAN);
    metric_emit(m, "authorizer_failed", st ? (double)st->failed : 0.0);
}
