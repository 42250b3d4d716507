/* traffic.c — arrival processes and the client's retry loop.
 *
 * Each source is a chain of arrival events: handling one arrival schedules the next, so a
 * source holds one pending event at a time. Rate processes with a changing rate use
 * either a piecewise-constant rate (onoff, spike: exact, memoryless redraw at each change)
 * or thinning against the peak rate (diurnal: a non-homogeneous Poisson process). A trace
 * source hands its timing to a trace_player (trace.c), which calls back for each recorded
 * arrival; every request then carries its own target. */
#include "models/traffic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>

#include "models/function.h"
#include "sim/rng.h"

typedef struct source_state {
    const source_spec *spec;
    world             *w;
    uint32_t           index;
    gsl_rng           *arrivals, *retry, *poison, *tenant;
    gsl_rng           *scale;      /* trace: rounding a study's rate scale per arrival */
    trace_player      *player;     /* trace sources */
    double             t;          /* last arrival */
    double             end;        /* no arrivals at or after this */
    int                on;         /* onoff: current state */
    double             next_switch;
    double             gap_s;      /* 1 / rate_per_s: constant and Poisson arrivals' mean gap */
} source_state;

typedef struct traffic_state {
    size_t        n;
    source_state *src;
} traffic_state;

/* ---- parsing ----------------------------------------------------------------- */

static const char *const process_names[] = { "constant", "poisson", "diurnal", "onoff", "spike",
                                             "trace", NULL };

static void parse_arrivals(cfg_node *a, source_spec *s, const world_spec *w, int target)
{
    const double max_rate = 1e7;
    if (!cfg_has(a, "process"))
        cfg_missing(a, "process", "one of \"constant\", \"poisson\", \"diurnal\", "
                 "\"onoff\", \"spike\", \"trace\"");
    s->process = (arrival_process)cfg_enum(a, "process", process_names, ARRIVALS_POISSON);
    s->scale = w->rate_scale;
    switch (s->process) {
    case ARRIVALS_TRACE:
        /* traffic_prepare scanned the trace (s->trace); a trace is known only from there. */
        if (s->trace)
            trace_resolve(a, s->trace, w, target);
        else if (!cfg_failed(a))
            cfg_fail(a, "process", "a trace source could not be prepared");
        break;
    case ARRIVALS_CONSTANT:
    case ARRIVALS_POISSON:
        s->rate_per_s = cfg_number_req(a, "rate_per_s", 1e-9, max_rate);
        break;
    case ARRIVALS_DIURNAL:
        s->rate_per_s = cfg_number_req(a, "rate_per_s", 1e-9, max_rate);
        s->peak_to_trough = cfg_number(a, "peak_to_trough", 4, 1, 1e6);
        s->peak_hour = cfg_number(a, "peak_hour", 14, 0, 24);
        s->start_hour = cfg_number(a, "start_hour", 0, 0, 24);
        break;
    case ARRIVALS_ONOFF:
        s->rate_on_per_s = cfg_number_req(a, "rate_on_per_s", 0, max_rate);
        s->rate_off_per_s = cfg_number(a, "rate_off_per_s", 0, 0, max_rate);
        /* Periods of at least 1 ms: each switch is a step of the generator. */
        s->mean_on_s = cfg_number_req(a, "mean_on_s", 0.001, 1e9);
        s->mean_off_s = cfg_number_req(a, "mean_off_s", 0.001, 1e9);
        if (!cfg_failed(a) && s->rate_on_per_s == 0 && s->rate_off_per_s == 0)
            cfg_fail(a, "rate_on_per_s", "an on/off source needs rate_on_per_s or rate_off_per_s above 0");
        break;
    case ARRIVALS_SPIKE:
        s->rate_per_s = cfg_number(a, "rate_per_s", 0, 0, max_rate);
        s->spike_at_s = cfg_number_req(a, "spike_at_s", 0, 1e9);
        s->spike_duration_s = cfg_number(a, "spike_duration_s", INFINITY, 0, 1e9);
        s->spike_rate_per_s = cfg_number(a, "spike_rate_per_s", 0, 0, max_rate);
        s->burst_count = (uint32_t)cfg_integer(a, "burst_count", 0, 0, 1000000);
        if (!cfg_failed(a) && s->spike_rate_per_s == 0 && s->burst_count == 0)
            cfg_fail(a, "spike_rate_per_s", "a spike needs spike_rate_per_s > 0 or burst_count > 0");
        break;
    }
    /* A study scaling the traffic (a cost curve) multiplies every rate. */
    double k = w->rate_scale;
    if (k != 1.0) {
        s->rate_per_s *= k;
        s->rate_on_per_s *= k;
        s->rate_off_per_s *= k;
        s->spike_rate_per_s *= k;
        s->burst_count = (uint32_t)lround(s->burst_count * k);
    }
    cfg_done(a);
}

/* tenant: "name", or tenant_mix: {"name": weight, ...}; needed when the scenario has tenants. */
static void parse_tenant(cfg_node *c, source_spec *s, const world_spec *w)
{
    const cJSON *mix = cfg_raw(c, "tenant_mix");
    if (s->trace && trace_has_tenants(s->trace)) {
        if (cfg_has(c, "tenant") || mix)
            cfg_fail(c, cfg_has(c, "tenant") ? "tenant" : "tenant_mix", "the trace's tenant column "
                     "names each request's tenant; leave this out");
        return;
    }
    if (!w->n_tenants) {
        if (cfg_has(c, "tenant") || mix)
            cfg_fail(c, cfg_has(c, "tenant") ? "tenant" : "tenant_mix",
                     "the scenario has no \"tenants\" list to name one from");
        return;
    }
    if (mix && cfg_has(c, "tenant")) {
        cfg_fail(c, "tenant_mix", "give either tenant or tenant_mix, not both");
        return;
    }
    if (!mix) {
        if (!cfg_has(c, "tenant")) {
            cfg_missing(c, "tenant", "the name of one of the scenario's tenants (or a tenant_mix)");
            return;
        }
        const char *name = cfg_string_req(c, "tenant");
        int t = name ? world_spec_tenant(w, name) : -1;
        if (!cfg_failed(c) && t < 0)
            cfg_fail(c, "tenant", "no tenant is named \"%s\"", name);
        s->tenant = (uint16_t)(t < 0 ? 0 : t);
        return;
    }
    if (!cJSON_IsObject(mix) || !mix->child) {
        cfg_fail(c, "tenant_mix", "expected an object of tenant names and weights, e.g. {\"a\": 3, \"b\": 1}");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(mix);
    s->mix_tenant = calloc(n, sizeof *s->mix_tenant);
    s->mix_cdf = calloc(n, sizeof *s->mix_cdf);
    if (!s->mix_tenant || !s->mix_cdf) {
        cfg_fail(c, "tenant_mix", "out of memory");
        return;
    }
    double total = 0;
    for (const cJSON *e = mix->child; e; e = e->next) {
        char key[160];
        snprintf(key, sizeof key, "tenant_mix.%.100s", e->string);
        int t = world_spec_tenant(w, e->string);
        if (t < 0) {
            cfg_fail(c, key, "no tenant is named \"%s\"", e->string);
            return;
        }
        if (!cJSON_IsNumber(e) || !(e->valuedouble > 0) || e->valuedouble > 1e12) {
            cfg_fail(c, key, "expected a weight above 0");
            return;
        }
        total += e->valuedouble;
        s->mix_tenant[s->n_mix] = (uint16_t)t;
        s->mix_cdf[s->n_mix++] = total;
    }
    for (size_t i = 0; i < s->n_mix; i++)
        s->mix_cdf[i] /= total;
    s->mix_cdf[s->n_mix - 1] = 1.0;
    cfg_put(c, "tenant_mix", cJSON_Duplicate(mix, 1));
}

/* Reads target (a component's name) into s->target. */
static void parse_target(cfg_node *c, source_spec *s, const world_spec *w)
{
    if (!cfg_has(c, "target")) {
        cfg_missing(c, "target", "the name of a component");
        return;
    }
    const char *target = cfg_string(c, "target", NULL);
    s->target = target ? world_spec_component(w, target) : -1;
    if (!cfg_failed(c) && s->target < 0)
        cfg_fail(c, "target", "no component is named \"%s\"", target);
}

/* A trace source's mode: "sync" when every component it replays to takes calls. */
static void parse_trace_mode(cfg_node *c, source_spec *s, const world_spec *w)
{
    static const char *const modes[] = { "sync", "async", NULL };
    size_t n = trace_function_count(s->trace);
    int no_sync = -1, no_async = -1;
    for (size_t i = 0; i < n; i++) {
        int k = trace_function_component(s->trace, i);
        if (k < 0)
            return;
        if (!w->components[k].kind->accept && no_sync < 0)
            no_sync = k;
        if (!w->components[k].kind->enqueue && no_async < 0)
            no_async = k;
    }
    s->async = cfg_enum(c, "mode", modes, no_sync < 0 ? 0 : 1) == 1;
    int bad = s->async ? no_async : no_sync;
    if (!cfg_failed(c) && bad >= 0)
        cfg_fail(c, "mode", "the trace replays to %s, a %s, which takes %s events", w->components[bad].name,
                 w->components[bad].kind->name, s->async ? "no asynchronous" : "only asynchronous");
}

int traffic_prepare(cfg_node *root, cJSON *in, world_spec *w)
{
    const cJSON *traffic = cJSON_GetObjectItemCaseSensitive(in, "traffic");
    int n = cJSON_IsArray(traffic) ? cJSON_GetArraySize(traffic) : 0;
    if (n == 0 || n > 10000)
        return 0;               /* traffic_parse says what is wrong */
    bool any = false;
    for (const cJSON *e = traffic->child; e && !any; e = e->next) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "arrivals");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(a, "process");
        any = cJSON_IsString(p) && strcmp(p->valuestring, "trace") == 0;
    }
    if (!any)
        return 0;
    cJSON *components = cJSON_GetObjectItemCaseSensitive(in, "components");
    if (!components)
        components = cJSON_AddArrayToObject(in, "components");
    if (!cJSON_IsArray(components))
        return 0;               /* parse_components says what is wrong */
    w->sources = calloc((size_t)n, sizeof *w->sources);
    if (!w->sources) {
        cfg_fail(root, "traffic", "out of memory");
        return -1;
    }
    w->n_sources = (size_t)n;
    /* A reading that writes nothing: traffic_parse writes the resolved scenario. */
    cfg_node quiet;
    cfg_root(&quiet, root->ctx, in, NULL);
    for (int i = 0; i < n && !cfg_failed(root); i++) {
        cfg_node c, a;
        cfg_array_object(&quiet, "traffic", (size_t)i, &c);
        if (!c.in)
            continue;
        const cJSON *a_in = cJSON_GetObjectItemCaseSensitive(c.in, "arrivals");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(a_in, "process");
        if (!cJSON_IsObject(a_in) || !cJSON_IsString(p) || strcmp(p->valuestring, "trace") != 0)
            continue;
        cfg_object(&c, "arrivals", &a);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(c.in, "name");
        char fallback[32];
        snprintf(fallback, sizeof fallback, "source%d", i);
        trace_prepare(&a, &c, cJSON_IsString(name) && name->valuestring[0] ? name->valuestring : fallback,
                      components, w, &w->sources[i].trace);
    }
    return cfg_failed(root) ? -1 : 0;
}

void traffic_explain_failure(const world_spec *w, cfg_ctx *ctx)
{
    const char *at = ctx->failed ? strstr(ctx->message, ": components[") : NULL;
    size_t index;
    if (!at || sscanf(at, ": components[%zu]", &index) != 1)
        return;
    for (size_t i = 0; i < w->n_sources && w->sources; i++) {
        const char *fn = w->sources[i].trace ? trace_generated_name(w->sources[i].trace, index) : NULL;
        if (!fn)
            continue;
        size_t used = strlen(ctx->message);
        snprintf(ctx->message + used, sizeof ctx->message - used, " (components[%zu] is the function "
                 "generated for %s of traffic[%zu]'s trace: set the key in traffic[%zu].arrivals."
                 "function_defaults, or declare a component named %s)", index, fn, i, i, fn);
        return;
    }
}

int traffic_parse(cfg_node *root, world_spec *w)
{
    size_t n = cfg_array_len(root, "traffic");
    bool scheduled = false;   /* a schedule generates work of its own */
    for (size_t i = 0; i < w->n_components; i++)
        scheduled |= strcmp(w->components[i].kind->name, "schedule") == 0;
    if (!cfg_failed(root) && n == 0 && !scheduled)
        cfg_fail(root, "traffic", "missing or empty; expected at least one traffic source (or a schedule)");
    if (cfg_failed(root))
        return -1;
    if (n == 0) {
        cfg_put(root, "traffic", cJSON_CreateArray());
        return 0;
    }
    if (n > 10000) {
        cfg_fail(root, "traffic", "too many sources (%zu); at most 10000", n);
        return -1;
    }
    /* traffic_prepare allocated the sources when a trace is among them. */
    if (!w->sources)
        w->sources = calloc(n, sizeof *w->sources);
    if (!w->sources) {
        cfg_fail(root, "traffic", "out of memory");
        return -1;
    }
    w->n_sources = n;
    for (size_t i = 0; i < n && !cfg_failed(root); i++) {
        source_spec *s = &w->sources[i];
        cfg_node c, a, cl;
        cfg_array_object(root, "traffic", i, &c);
        char fallback[32];
        snprintf(fallback, sizeof fallback, "source%zu", i);
        const char *name = cfg_string(&c, "name", fallback);
        s->name = strdup(name ? name : fallback);
        for (size_t j = 0; j < i && s->name; j++)
            if (strcmp(w->sources[j].name, s->name) == 0)
                cfg_fail(&c, "name", "duplicate source name \"%s\"", s->name);
        static const char *const modes[] = { "sync", "async", NULL };
        if (s->trace) {
            /* Its functions come from the trace (a csv without a function column: target). */
            s->target = -1;
            if (!trace_has_functions(s->trace))
                parse_target(&c, s, w);
            if (!cfg_has(&c, "arrivals"))
                cfg_missing(&c, "arrivals", "an object with \"process\"");
            cfg_object(&c, "arrivals", &a);
            if (!cfg_failed(&c))
                parse_arrivals(&a, s, w, s->target);
            if (!cfg_failed(&c) && trace_function_count(s->trace) > 0)
                s->target = trace_function_component(s->trace, 0);
            if (!cfg_failed(&c))
                parse_trace_mode(&c, s, w);
        } else {
            parse_target(&c, s, w);
            /* A target that takes no synchronous calls (a queue) is always sent to async. */
            bool takes_sync = s->target >= 0 && w->components[s->target].kind->accept;
            bool takes_async = s->target >= 0 && w->components[s->target].kind->enqueue;
            s->async = cfg_enum(&c, "mode", modes, takes_sync ? 0 : 1) == 1;
            if (!cfg_failed(&c) && s->target >= 0 && s->async && !takes_async)
                cfg_fail(&c, "mode", "a %s takes no asynchronous events", w->components[s->target].kind->name);
            else if (!cfg_failed(&c) && s->target >= 0 && !s->async && !takes_sync)
                cfg_fail(&c, "mode", "a %s takes only asynchronous events; use \"async\"",
                         w->components[s->target].kind->name);
        }
        s->size_kb = cfg_number(&c, "size_kb", 1, 0.001, 1048576);
        s->response_kb = cfg_number(&c, "response_kb", 0, 0, 1048576);
        if (!cfg_failed(&c) && s->response_kb > 0 && !price_find(&w->prices, "network.transfer_out_gb"))
            cfg_fail(&c, "response_kb", "the price table %s prices no data transfer out "
                     "(network.transfer_out_gb)", w->prices.name);
        s->poison_rate = cfg_number(&c, "poison_rate", 0, 0, 1);
        gateway_parse(&c, &s->gw, w, s->trace != NULL, s->async);
        /* The network between the client and the region, or the nearest edge location. */
        double region_rtt = cfg_number(&c, "network_rtt_ms", 0, 0, 60000);
        double edge_rtt = region_rtt;
        if (cfg_has(&c, "edge_rtt_ms"))
            edge_rtt = cfg_number(&c, "edge_rtt_ms", 0, 0, 60000);
        else
            cfg_put(&c, "edge_rtt_ms", cJSON_CreateNull());
        if (!cfg_failed(&c) && s->trace && cfg_has(&c, "edge_rtt_ms"))
            cfg_fail(&c, "edge_rtt_ms", "a trace source replays to several functions: give the round trip "
                     "as network_rtt_ms");
        bool to_edge = !s->trace && s->target >= 0 && w->components[s->target].kind == &function_kind &&
                       function_is_edge(w->components[s->target].spec);
        s->rtt_ms = to_edge ? edge_rtt : region_rtt;
        cdn_parse(&c, &s->cdn, w, s->target, s->trace != NULL, s->async, region_rtt,
                  cfg_has(&c, "edge_rtt_ms") ? edge_rtt : NAN);
        s->direct = !w->n_tenants && s->gw.type == GATEWAY_NONE && s->gw.auth.function < 0 &&
                    !s->gw.validate && !s->gw.cache && !s->cdn.on && s->rtt_ms == 0;
        s->start_s = cfg_number(&c, "start_s", 0, 0, 1e9);
        s->end_s = cfg_number(&c, "end_s", INFINITY, 0, 1e9);
        if (!cfg_failed(&c) && s->end_s <= s->start_s)
            cfg_fail(&c, "end_s", "must be after start_s (%g), got %g", s->start_s, s->end_s);
        if (!s->trace) {
            if (!cfg_has(&c, "arrivals"))
                cfg_missing(&c, "arrivals", "an object with \"process\"");
            cfg_object(&c, "arrivals", &a);
            if (!cfg_failed(&c))
                parse_arrivals(&a, s, w, -1);
        }
        parse_tenant(&c, s, w);
        cfg_object(&c, "client", &cl);
        s->timeout_ms = cfg_number(&cl, "timeout_ms", 29000, 1, 3.6e8);
        s->timeout_s = s->timeout_ms / 1000.0;
        static const retry_policy client_default = { .max_attempts = 1, .base_ms = 100,
                                                     .cap_ms = 20000, .jitter = JITTER_FULL };
        retry_parse(&cl, "retry", &client_default, &s->retry);
        cfg_done(&cl);
        cfg_done(&c);
    }
    return cfg_failed(root) ? -1 : 0;
}

void traffic_free_specs(world_spec *w)
{
    for (size_t i = 0; w->sources && i < w->n_sources; i++) {
        free(w->sources[i].name);
        free(w->sources[i].mix_tenant);
        free(w->sources[i].mix_cdf);
        trace_spec_free(w->sources[i].trace);
    }
    free(w->sources);
    w->sources = NULL;
}

/* ---- arrival generation --------------------------------------------------------- */

/* Relative amplitude a of the sinusoid with peak/trough ratio k: (1 + a) / (1 - a) = k. */
static double diurnal_amplitude(const source_spec *s)
{
    return (s->peak_to_trough - 1.0) / (s->peak_to_trough + 1.0);
}

static double diurnal_rate(const source_spec *s, double t)
{
    double amp = diurnal_amplitude(s);
    double hour = s->start_hour + t / 3600.0;
    return s->rate_per_s * (1.0 + amp * cos(2.0 * 3.14159265358979323846 * (hour - s->peak_hour) / 24.0));
}

/* Rate in force at t for piecewise-constant processes, and when it next changes. */
static double piecewise_rate(source_state *st, double t, double *change)
{
    const source_spec *s = st->spec;
    if (s->process == ARRIVALS_ONOFF) {
        *change = st->next_switch;
        return st->on ? s->rate_on_per_s : s->rate_off_per_s;
    }
    /* spike */
    double a = s->spike_at_s, b = s->spike_at_s + s->spike_duration_s;
    if (t < a) {
        *change = a;
        return s->rate_per_s;
    }
    if (t < b) {
        *change = b;
        return s->rate_per_s + s->spike_rate_per_s;
    }
    *change = INFINITY;
    return s->rate_per_s;
}

static void piecewise_advance(source_state *st, double change)
{
    if (st->spec->process == ARRIVALS_ONOFF) {
        st->on = !st->on;
        double mean = st->on ? st->spec->mean_on_s : st->spec->mean_off_s;
        st->next_switch = change + rng_exponential(st->arrivals, mean);
    }
}

/* The next arrival after st->t, or INFINITY when the source is done. */
static double next_arrival(source_state *st)
{
    const source_spec *s = st->spec;
    double t = st->t;
    switch (s->process) {
    case ARRIVALS_CONSTANT:
        return t + st->gap_s;
    case ARRIVALS_POISSON:
        return t + rng_exponential(st->arrivals, st->gap_s);
    case ARRIVALS_DIURNAL: {
        double peak = s->rate_per_s * (1.0 + diurnal_amplitude(s));
        while (t < st->end) {
            t += rng_exponential(st->arrivals, 1.0 / peak);
            if (rng_uniform(st->arrivals) * peak < diurnal_rate(s, t))
                return t;
        }
        return INFINITY;
    }
    case ARRIVALS_TRACE:
        return INFINITY;        /* the trace player makes the arrivals */
    case ARRIVALS_ONOFF:
    case ARRIVALS_SPIKE:
        while (t < st->end) {
            double change, rate = piecewise_rate(st, t, &change);
            double cand = rate > 0 ? t + rng_exponential(st->arrivals, 1.0 / rate) : INFINITY;
            if (cand < change)
                return cand;
            if (!isfinite(change))
                return INFINITY;
            t = change;
            piecewise_advance(st, change);
        }
        return INFINITY;
    }
    return INFINITY;
}

/* ---- the client -------------------------------------------------------------------- */

/* The client's timeout ran out before the gateway (or its cache) answered. */
static void on_gave_up(sim *s, void *target, uint64_t arg)
{
    (void)s;
    traffic_attempt_done(target, (uint32_t)arg, RESULT_TIMEOUT);
}

static void reach_gateway(world *w, uint32_t idx);

static void on_reach(sim *s, void *target, uint64_t arg)
{
    (void)s;
    reach_gateway(target, (uint32_t)arg);
}

/* An attempt leaves the client; it reaches the gateway (or the target) after the network's
 * round trip (the whole of it is put on the way in). */
static void start_attempt(world *w, uint32_t idx)
{
    request *r = &w->req[idx];
    const source_spec *s = &w->spec->sources[r->source];
    double now = sim_now(w->s);
    r->deadline = now + s->timeout_s;
    if (r->measured)
        w->counts.attempts++;
    if (s->direct) {            /* what gateway_enter would let through at once */
        traffic_pass(w, idx);
        return;
    }
    if (s->cdn.on && cdn_enter(w, idx, now))
        return;                 /* answered from the CDN's cache */
    if (s->rtt_ms > 0) {
        /* A round trip longer than the client's timeout: it gives up before any answer. */
        bool late = s->rtt_ms >= s->timeout_ms;
        if (sim_at(w->s, late ? r->deadline : now + s->rtt_ms / 1000.0, late ? on_gave_up : on_reach, w, idx) != 0)
            w->out_of_memory = 1;
        return;
    }
    reach_gateway(w, idx);
}

static void reach_gateway(world *w, uint32_t idx)
{
    gateway_verdict v = gateway_enter(w, idx, sim_now(w->s));
    if (v == GATEWAY_THROTTLED)
        traffic_attempt_done(w, idx, RESULT_THROTTLED);
    if (v == GATEWAY_PASS)
        traffic_pass(w, idx);
}

void traffic_pass(world *w, uint32_t idx)
{
    request *r = &w->req[idx];
    const source_spec *s = &w->spec->sources[r->source];
    if (s->async)
        world_enqueue(w, (int)r->target, idx);   /* the target owns it from here */
    else
        world_deliver(w, (int)r->target, idx);
}

static void on_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    start_attempt(target, (uint32_t)arg);
}

/* A new original request to component target; a trace arrival's recorded handler time,
 * size and tenant when given (run_ms < 0, size_kb < 0, tenant < 0: not recorded). */
static void new_request(world *w, source_state *st, int target, double run_ms, double size_kb, int tenant)
{
    double now = sim_now(w->s);
    uint32_t idx = world_request_new(w);
    if (idx == UINT32_MAX)
        return;
    request *r = &w->req[idx];
    r->created = now;
    r->source = st->index;
    r->target = (uint32_t)target;
    r->run_ms = (float)run_ms;
    r->attempt = 1;
    r->backoff_prev_ms = st->spec->retry.base_ms;
    r->measured = world_measuring(w, now);
    r->size_kb = (float)(size_kb >= 0 ? size_kb : st->spec->size_kb);
    r->poison = st->spec->poison_rate > 0 && rng_uniform(st->poison) < st->spec->poison_rate;
    r->tenant = st->spec->tenant;
    if (tenant >= 0) {
        r->tenant = (uint16_t)tenant;
    } else if (st->spec->n_mix) {
        double u = rng_uniform(st->tenant);
        size_t k = 0;
        while (k + 1 < st->spec->n_mix && u >= st->spec->mix_cdf[k])
            k++;
        r->tenant = st->spec->mix_tenant[k];
    }
    if (r->measured && w->spec->n_tenants)
        w->tenant_counts[r->tenant].arrived++;
    if (r->measured) {
        w->counts.arrived++;
        series_add(&w->ts[TS_ARRIVALS], now, 1.0);
    }
    world_work_begin(w, idx, r->measured);
    start_attempt(w, idx);
}

static void on_arrival(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    source_state *st = target;
    st->t = sim_now(s);
    double next = next_arrival(st);
    if (next < st->end)
        sim_at_hint(s, next, on_arrival, st, 0, st);
    new_request(st->w, st, st->spec->target, -1, -1, -1);
}

/* A trace arrival: one request, or under a study's rate scale k, floor(k) plus one more
 * with probability frac(k). */
static void on_trace_arrival(void *ctx, const trace_arrival *a)
{
    source_state *st = ctx;
    double k = st->spec->scale;
    uint32_t n = 1;
    if (k != 1.0) {
        n = (uint32_t)floor(k);
        if (rng_uniform(st->scale) < k - n)
            n++;
    }
    for (uint32_t i = 0; i < n; i++)
        new_request(st->w, st, a->target, a->run_ms, a->size_kb, a->tenant);
}

static void on_burst(sim *s, void *target, uint64_t arg)
{
    (void)s;
    (void)arg;
    source_state *st = target;
    for (uint32_t i = 0; i < st->spec->burst_count; i++)
        new_request(st->w, st, st->spec->target, -1, -1, -1);
}

double traffic_expected_arrivals(const source_spec *s, double t0, double t1)
{
    if (s->process == ARRIVALS_TRACE)
        return s->trace ? s->scale * trace_expected_arrivals(s->trace, s->start_s, s->end_s, t0, t1) : 0;
    double a = fmax(t0, s->start_s), b = s->end_s > 0 ? fmin(t1, s->end_s) : t1;
    if (b <= a)
        return 0;
    double len = b - a;
    switch (s->process) {
    case ARRIVALS_CONSTANT:
    case ARRIVALS_POISSON:
        return s->rate_per_s * len;
    case ARRIVALS_DIURNAL: {
        /* The integral of the sinusoid over [a, b). */
        double amp = diurnal_amplitude(s), w = 2.0 * 3.14159265358979323846 / 86400.0;
        double pa = (s->start_hour - s->peak_hour) * 3600.0;
        return s->rate_per_s * (len + amp / w * (sin(w * b + w * pa) - sin(w * a + w * pa)));
    }
    case ARRIVALS_ONOFF:
        return (s->rate_on_per_s * s->mean_on_s + s->rate_off_per_s * s->mean_off_s) /
               (s->mean_on_s + s->mean_off_s) * len;
    case ARRIVALS_SPIKE: {
        double n = s->rate_per_s * len;
        double sa = fmax(a, s->spike_at_s), sb = fmin(b, s->spike_at_s + s->spike_duration_s);
        if (sb > sa)
            n += s->spike_rate_per_s * (sb - sa);
        if (s->spike_at_s >= a && s->spike_at_s < b)
            n += s->burst_count;
        return n;
    }
    case ARRIVALS_TRACE:
        break;
    }
    return 0;
}

void traffic_attempt_done(world *w, uint32_t idx, attempt_result result)
{
    if (result == RESULT_PARTIAL)
        result = RESULT_ERROR;     /* a client sees a failed call */
    request *r = &w->req[idx];
    const source_spec *s = &w->spec->sources[r->source];
    double now = sim_now(w->s);
    if (!s->direct || s->response_kb > 0) {     /* a plain source's entry has nothing to note */
        cdn_answered(w, idx, result, now);
        gateway_answered(w, idx, result, now);
    }
    if (result == RESULT_THROTTLED && r->measured && w->spec->n_tenants)
        w->tenant_throttled[r->tenant]++;
    if (retry_again(&s->retry, result, r->attempt)) {
        traffic_state *ts = w->sources;
        double delay = retry_backoff_ms(&s->retry, r->attempt, &r->backoff_prev_ms, ts->src[r->source].retry) / 1000.0;
        r->attempt++;
        sim_at(w->s, now + delay, on_retry, w, idx);
        return;
    }
    static const request_outcome outcome[] = {
        [RESULT_OK] = OUTCOME_COMPLETED, [RESULT_ERROR] = OUTCOME_FAILED,
        [RESULT_TIMEOUT] = OUTCOME_TIMED_OUT, [RESULT_THROTTLED] = OUTCOME_THROTTLED,
    };
    world_finish(w, idx, outcome[result]);
}

/* ---- start / free -------------------------------------------------------------------- */

int traffic_start(world *w)
{
    const world_spec *spec = w->spec;
    traffic_state *ts = calloc(1, sizeof *ts);
    if (!ts)
        return -1;
    w->sources = ts;
    ts->src = calloc(spec->n_sources ? spec->n_sources : 1, sizeof *ts->src);
    if (!ts->src)
        return -1;
    ts->n = spec->n_sources;
    for (size_t i = 0; i < spec->n_sources; i++) {
        const source_spec *s = &spec->sources[i];
        source_state *st = &ts->src[i];
        char name[300];
        st->spec = s;
        st->gap_s = 1.0 / s->rate_per_s;
        st->w = w;
        st->index = (uint32_t)i;
        snprintf(name, sizeof name, "source.%s.arrivals", s->name);
        st->arrivals = sim_stream(w->s, name);
        snprintf(name, sizeof name, "source.%s.retry", s->name);
        st->retry = sim_stream(w->s, name);
        snprintf(name, sizeof name, "source.%s.poison", s->name);
        st->poison = sim_stream(w->s, name);
        snprintf(name, sizeof name, "source.%s.tenant", s->name);
        st->tenant = sim_stream(w->s, name);
        if (!st->arrivals || !st->retry || !st->poison || !st->tenant)
            return -1;
        st->end = fmin(s->end_s, w->t_end);
        st->t = s->start_s;
        if (s->process == ARRIVALS_TRACE) {
            if (s->scale != 1.0) {
                snprintf(name, sizeof name, "source.%s.scale", s->name);
                if (!(st->scale = sim_stream(w->s, name)))
                    return -1;
            }
            st->player = trace_player_alloc(s->trace, w->s, st->arrivals, s->start_s, st->end,
                                            on_trace_arrival, st, w->spec->block_of, w->block);
            if (!st->player)
                return -1;
            continue;
        }
        if (s->process == ARRIVALS_ONOFF) {
            double p_on = s->mean_on_s / (s->mean_on_s + s->mean_off_s);
            st->on = rng_uniform(st->arrivals) < p_on;
            st->next_switch = s->start_s + rng_exponential(st->arrivals,
                                                               st->on ? s->mean_on_s : s->mean_off_s);
        }
        double first;
        if (s->process == ARRIVALS_CONSTANT)
            first = s->start_s + rng_uniform(st->arrivals) / s->rate_per_s; /* random phase */
        else
            first = next_arrival(st);
        if (first < st->end && sim_at(w->s, first, on_arrival, st, 0) != 0)
            return -1;
        if (s->process == ARRIVALS_SPIKE && s->burst_count > 0 && s->spike_at_s >= s->start_s &&
            s->spike_at_s < st->end && sim_at(w->s, s->spike_at_s, on_burst, st, 0) != 0)
            return -1;
    }
    return 0;
}

void traffic_free(world *w)
{
    traffic_state *ts = w->sources;
    if (!ts)
        return;
    for (size_t i = 0; ts->src && i < ts->n; i++) {
        trace_player_free(ts->src[i].player);
    }
    free(ts->src);
    free(ts);
    w->sources = NULL;
}

/* ---- figures ----------------------------------------------------------------------------- */

void traffic_trace_counts(const world *w, size_t i, double *replayed, double *read_errors)
{
    const traffic_state *ts = w->sources;
    const trace_player *p = ts && i < ts->n ? ts->src[i].player : NULL;
    *replayed = (double)trace_player_arrivals(p);
    *read_errors = (double)trace_player_read_errors(p);
}

void traffic_report(const world_spec *spec, const world *w, metric_sink *m)
{
    const traffic_state *ts = w ? w->sources : NULL;
    for (size_t i = 0; i < spec->n_sources; i++) {
        const source_spec *s = &spec->sources[i];
        snprintf(m->prefix, sizeof m->prefix, "sources.%s.", s->name);
        gateway_report_source(spec, w, i, m);
        cdn_report_source(spec, w, i, m);
        if (s->process != ARRIVALS_TRACE)
            continue;
        const trace_player *p = ts && i < ts->n ? ts->src[i].player : NULL;
        metric_emit(m, "replayed", (double)trace_player_arrivals(p));
        metric_emit(m, "bad_rows", (double)trace_bad_rows(s->trace));
        metric_emit(m, "read_errors", (double)trace_player_read_errors(p));
        if (!trace_is_lambda(s->trace))
            continue;
        /* Observed in the logs (the window, one pass), to compare with the simulated figures. */
        for (size_t k = 0; k < trace_function_count(s->trace); k++) {
            double mean_ms;
            uint64_t cold = trace_function_logged_cold_starts(s->trace, k, NULL, NULL, &mean_ms);
            snprintf(m->prefix, sizeof m->prefix, "functions.%s.", trace_function_name(s->trace, k));
            metric_emit(m, "logged_invocations", trace_function_arrivals(s->trace, k));
            metric_emit(m, "logged_cold_starts", (double)cold);
        }
        snprintf(m->prefix, sizeof m->prefix, "sources.%s.", s->name);
    }
}

