/* function.c — a serverless function: instances, cold starts, keep-alive, concurrency
 * limits, scaling rate, timeouts, errors, provisioned concurrency, and its usage meters.
 *
 * An instance serves one request at a time. An attempt that arrives is throttled at once
 * (429) when the function's pool is at its limit (reserved concurrency, or the account's
 * unreserved concurrency) or when a new instance is needed and the scale-up bucket
 * (scale_per_10s new environments per 10 s) is empty. Otherwise it runs on an idle
 * provisioned instance, else on the most recently used idle on-demand instance, else on a
 * new instance after a cold start. The attempt's result and end time are known when it
 * starts, so each invocation costs one end event (plus one for the client when its timeout
 * comes first).
 *
 * Keep-alive is lazy: a released on-demand instance gets an expiry time and goes on an
 * MRU stack; no event fires when it expires. An instance found expired when popped is
 * discarded, and its idle time is accounted up to its expiry. Invariant: a new instance is
 * created only when the idle stack is empty, so live + lazily-dead instances never exceed
 * the concurrency limit plus provisioned instances, and the pool never grows in a run. */
#include "models/function.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/breaker.h"
#include "models/retry.h"
#include "models/traffic.h"
#include "sim/dist.h"

/* ---- spec ------------------------------------------------------------------------ */

typedef enum keep_alive_policy {
    KEEP_FIXED, KEEP_UNIFORM, KEEP_NONE, KEEP_FOREVER, KEEP_HYBRID, KEEP_GREEDY_DUAL
} keep_alive_policy;

/* What keep-alive keeps: each execution environment on its own (Lambda), or a function or
 * a whole app loaded as one unit that serves any number of executions at once (the model of
 * "Serverless in the Wild", Shahrad et al., ATC 2020). */
typedef enum keep_alive_scope { SCOPE_INSTANCE, SCOPE_FUNCTION, SCOPE_APP } keep_alive_scope;

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
    dist     duration_ms, cold_start_ms;   /* the new version's */
    double   error_rate;
} deployment;

typedef struct function_spec {
    char             *name;
    double            memory_mb, reference_memory_mb, cpu_bound_fraction, threads;
    int               arch;            /* 0 x86_64, 1 arm64 */
    dist              duration_ms, cold_start_ms;
    double            speed_factor;    /* duration multiplier from the CPU share */
    double            timeout_ms, error_rate;
    keep_alive_policy keep_alive;
    keep_alive_scope  scope;
    double            idle_min_s, idle_max_s;
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
    int               pool_owner;      /* greedy-dual: the component holding the host pool */
    int64_t           reserved;        /* -1: none (shares the account's unreserved pool) */
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
    size_t            n_calls;
    function_call    *calls;
    uint32_t         *tenant_limit;    /* bulkheads: most concurrent invocations per tenant */
    bool              has_sync;        /* some step waits on a call */
    /* billing rules of the provider */
    provider          provider;
    double            bill_gran_ms, bill_min_ms; /* duration rounded up to, at least */
    double            bill_gb;         /* memory billed, GB (rounded as the provider does) */
    double            cpu_per_s;       /* GHz (Cloud Functions 1st gen) or vCPU (Cloud Run) */
    bool              has_cpu_ms;      /* Workers: a CPU-time distribution of its own */
    uint32_t          concurrency;     /* requests an instance serves at once (Cloud Run) */
    double            ephemeral_mb;    /* /tmp storage configured (512 MB free) */
    double            log_kb;          /* log lines an invocation writes */
    dist              cpu_ms;
    uint32_t          n_conn;          /* connection-limited targets */
    int               conn_target[64];
} function_spec;

static const char *const runtime_names[] = { "nodejs", "python", "java", "go", "ruby",
                                             "dotnet", "container", NULL };
/* Cold-start medians and p99 in ms by runtime: Shilkov 2021 medians; p99 from a lognormal
 * fitted to the published 95% range where one is given (sigma = ln(hi/median)/1.96), else
 * sigma 0.4. See README, "Cold-start defaults". */
static const double cold_median_ms[] = { 264, 215, 372, 307, 277, 517, 795 };
static const double cold_p99_ms[]    = { 692, 627, 774, 778, 702, 1311, 1561 };
/* Cold-start time per MB of deployment package: (3,900 - 1,700) ms / (35 - 14) MB. */
#define COLD_MS_PER_PACKAGE_MB (2200.0 / 21.0)

static const char *const arch_names[] = { "x86_64", "arm64", NULL };
/* The Azure Functions trace's trigger classes. */
static const char *const trigger_names[] = { "http", "queue", "event", "timer", "storage",
                                             "orchestration", "others", NULL };
static const char *const keep_names[] = { "fixed", "uniform", "none", "forever", "hybrid",
                                           "greedy-dual", NULL };
static const char *const scope_names[] = { "instance", "function", "app", NULL };

static void function_free_spec(void *p)
{
    function_spec *f = p;
    if (!f)
        return;
    dist_free(&f->duration_ms);
    dist_free(&f->cold_start_ms);
    dist_free(&f->cpu_ms);
    free(f->on_failure_name);
    free(f->app);
    for (size_t i = 0; i < f->n_deploy; i++) {
        dist_free(&f->deploy[i].duration_ms);
        dist_free(&f->deploy[i].cold_start_ms);
    }
    free(f->deploy);
    for (size_t i = 0; i < f->n_calls; i++) {
        free(f->calls[i].target_name);
        free(f->calls[i].name);
        dist_free(&f->calls[i].count);
    }
    free(f->calls);
    free(f->tenant_limit);
    free(f->name);
    free(f);
}

static const char *const mode_names[] = { "async", "sync", NULL };

static void parse_call(cfg_node *c, function_call *call, const function_spec *f, size_t i)
{
    const char *name = cfg_string(c, "name", NULL);
    if (name) {
        call->name = strdup(name);
    } else {
        /* The target's name, made unique among the steps. */
        char buf[96];
        snprintf(buf, sizeof buf, "%s", call->target_name ? call->target_name : "call");
        for (int k = 2; ; k++) {
            bool taken = false;
            for (size_t j = 0; j < i; j++)
                taken |= f->calls[j].name && strcmp(f->calls[j].name, buf) == 0;
            if (!taken)
                break;
            snprintf(buf, sizeof buf, "%.80s_%d", call->target_name ? call->target_name : "call", k);
        }
        call->name = strdup(buf);
        cfg_put(c, "name", cJSON_CreateNull());
    }
    for (size_t j = 0; j < i && name; j++)
        if (strcmp(f->calls[j].name, name) == 0)
            cfg_fail(c, "name", "another call is named \"%s\"", name);
    call->mode = cfg_has(c, "mode") ? cfg_enum(c, "mode", mode_names, 0) : -1;
    if (call->mode < 0)
        cfg_put(c, "mode", cJSON_CreateNull());
    dist one = dist_constant(1);
    dist_parse(c, "count", &one, 10000, &call->count);
    call->size_kb = cfg_number(c, "size_kb", 1, 0.001, 1048576);
    call->parallel = cfg_bool(c, "parallel", false);
    if (cfg_has(c, "timeout_ms")) {
        call->timeout_s = cfg_number(c, "timeout_ms", 0, 0.001, 3.6e6) / 1000.0;
    } else {
        call->timeout_s = INFINITY;
        cfg_put(c, "timeout_ms", cJSON_CreateNull());
    }
    /* The AWS SDKs' standard retry mode: 3 attempts, exponential backoff from 1 s capped
     * at 20 s, full jitter. */
    static const retry_policy sdk = { .max_attempts = 3, .base_ms = 1000, .cap_ms = 20000,
                                      .jitter = JITTER_FULL };
    retry_parse(c, "retry", &sdk, &call->retry);
    breaker_parse(c, "circuit_breaker", &call->breaker);
    call->fallback = cfg_bool(c, "fallback", false);
    call->idempotent = cfg_bool(c, "idempotent", true);
}

/* tenant_concurrency: {"tenant": limit, "*": limit for every other tenant}. */
static void parse_bulkheads(cfg_node *n, function_spec *f, const world_spec *w)
{
    const cJSON *tc = cfg_raw(n, "tenant_concurrency");
    if (!tc)
        return;
    if (!w->n_tenants) {
        cfg_fail(n, "tenant_concurrency", "the scenario has no \"tenants\" list");
        return;
    }
    if (!cJSON_IsObject(tc)) {
        cfg_fail(n, "tenant_concurrency", "expected an object of tenant names (or \"*\") and limits");
        return;
    }
    f->tenant_limit = malloc(w->n_tenants * sizeof *f->tenant_limit);
    if (!f->tenant_limit) {
        cfg_fail(n, "tenant_concurrency", "out of memory");
        return;
    }
    uint32_t other = UINT32_MAX;
    const cJSON *star = cJSON_GetObjectItemCaseSensitive(tc, "*");
    for (const cJSON *e = tc->child; e; e = e->next) {
        char key[160];
        snprintf(key, sizeof key, "tenant_concurrency.%.100s", e->string);
        if (strcmp(e->string, "*") != 0 && world_spec_tenant(w, e->string) < 0) {
            cfg_fail(n, key, "no tenant is named \"%s\"", e->string);
            return;
        }
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > 1e7 ||
            e->valuedouble != floor(e->valuedouble)) {
            cfg_fail(n, key, "expected a whole number of concurrent invocations");
            return;
        }
    }
    if (star)
        other = (uint32_t)star->valuedouble;
    for (size_t i = 0; i < w->n_tenants; i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(tc, w->tenants[i].name);
        f->tenant_limit[i] = e ? (uint32_t)e->valuedouble : other;
    }
    cfg_put(n, "tenant_concurrency", cJSON_Duplicate(tc, 1));
}

/* memory_mb and the billing rules, by provider. */
static void parse_provider_memory(cfg_node *n, function_spec *f)
{
    switch (f->provider) {
    case PROVIDER_AWS:
        f->memory_mb = (double)cfg_integer(n, "memory_mb", 128, 128, 10240);
        f->bill_gran_ms = 1;
        f->bill_gb = f->memory_mb / 1024.0;
        break;
    case PROVIDER_AZURE_CONSUMPTION:
        /* Observed memory rounded up to 128 MB, at most 1,536 MB; 100 ms at least. */
        f->memory_mb = (double)cfg_integer(n, "memory_mb", 128, 1, 1536);
        f->bill_gran_ms = 1;
        f->bill_min_ms = 100;
        f->bill_gb = ceil(f->memory_mb / 128.0 - 1e-9) * 128.0 / 1024.0;
        break;
    case PROVIDER_AZURE_FLEX: {
        /* Flex instances are 2,048 or 4,096 MB, billed at the instance's memory. */
        f->memory_mb = (double)cfg_integer(n, "memory_mb", 2048, 2048, 4096);
        if (!cfg_failed(n) && f->memory_mb != 2048 && f->memory_mb != 4096)
            cfg_fail(n, "memory_mb", "Flex Consumption instances have 2048 or 4096 MB, got %g", f->memory_mb);
        f->bill_gran_ms = 1;
        f->bill_gb = f->memory_mb / 1024.0;
        break;
    }
    case PROVIDER_GCP_CLOUD_RUN:
        /* 512 MiB and 1 vCPU by default; request-based billing rounded up to 100 ms. */
        f->memory_mb = (double)cfg_integer(n, "memory_mb", 512, 128, 32768);
        f->cpu_per_s = cfg_number(n, "vcpu", 1, 0.08, 8);
        f->bill_gran_ms = 100;
        f->bill_gb = f->memory_mb / 1024.0;
        break;
    case PROVIDER_GCP_FUNCTIONS_GEN1: {
        /* Memory tiers and the CPU clock that comes with each. */
        static const double tier_mb[] = { 128, 256, 512, 1024, 2048, 4096, 8192 };
        static const double tier_ghz[] = { 0.2, 0.4, 0.8, 1.4, 2.4, 4.8, 4.8 };
        f->memory_mb = (double)cfg_integer(n, "memory_mb", 256, 128, 8192);
        f->bill_gran_ms = 100;
        f->bill_gb = f->memory_mb / 1024.0;
        int k = -1;
        for (int i = 0; i < 7; i++)
            if (tier_mb[i] == f->memory_mb)
                k = i;
        if (!cfg_failed(n) && k < 0)
            cfg_fail(n, "memory_mb", "Cloud Functions 1st gen has 128, 256, 512, 1024, 2048, 4096 or 8192 MB, got %g",
                     f->memory_mb);
        f->cpu_per_s = k >= 0 ? tier_ghz[k] : 0;
        break;
    }
    case PROVIDER_CLOUDFLARE_WORKERS:
        /* 128 MB isolates; CPU time is billed, wall time is not. */
        f->memory_mb = (double)cfg_integer(n, "memory_mb", 128, 128, 128);
        f->bill_gran_ms = 1;
        f->bill_gb = 0;
        break;
    case PROVIDERS:
        break;
    }
}

/* An invocation's billed ms under the provider's rounding. */
static uint64_t billed_ms_of(const function_spec *f, double ms)
{
    double g = f->bill_gran_ms;
    double billed = ceil(ms / g - 1e-9) * g;
    return (uint64_t)fmax(billed, f->bill_min_ms);
}

/* keep_alive: {policy, scope, idle_s | min_idle_s, max_idle_s | hybrid's parameters}. */
static void parse_keep_alive(cfg_node *n, function_spec *f)
{
    cfg_node k;
    cfg_object(n, "keep_alive", &k);
    f->keep_alive = (keep_alive_policy)cfg_enum(&k, "policy", keep_names, KEEP_UNIFORM);
    /* The hybrid policy is the paper's, kept per app; the others default to Lambda's own
     * environments, each kept alive on its own. */
    bool unit_policy = f->keep_alive == KEEP_HYBRID || f->keep_alive == KEEP_GREEDY_DUAL;
    f->scope = (keep_alive_scope)cfg_enum(&k, "scope", scope_names,
                                          unit_policy ? SCOPE_APP : SCOPE_INSTANCE);
    switch (f->keep_alive) {
    case KEEP_FIXED:
        f->idle_min_s = f->idle_max_s = cfg_number(&k, "idle_s", 360, 0, 1e9);
        break;
    case KEEP_UNIFORM:
        f->idle_min_s = cfg_number(&k, "min_idle_s", 300, 0, 1e9);
        f->idle_max_s = cfg_number(&k, "max_idle_s", 420, 0, 1e9);
        if (!cfg_failed(&k) && f->idle_max_s < f->idle_min_s)
            cfg_fail(&k, "max_idle_s", "must be at least min_idle_s (%g), got %g", f->idle_min_s,
                     f->idle_max_s);
        break;
    case KEEP_NONE:
        f->idle_min_s = f->idle_max_s = 0;
        break;
    case KEEP_FOREVER:
        f->idle_min_s = f->idle_max_s = INFINITY;
        break;
    case KEEP_GREEDY_DUAL:
        /* Loaded until evicted for room on the host (FaasCache). The host's size is an
         * assumption (no platform publishes one); it is the knob of such a study. */
        f->pool_gb = cfg_number(&k, "pool_gb", 32, 0.125, 1e9);
        f->idle_min_s = f->idle_max_s = INFINITY;
        break;
    case KEEP_HYBRID: {
        hybrid_spec *h = &f->hybrid;
        h->range_s = cfg_number(&k, "range_s", 14400, 60, 1e7);
        h->bin_s = cfg_number(&k, "bin_s", 60, 1, 3600);
        h->head_pct = cfg_number(&k, "head_percentile", 5, 0, 100);
        h->tail_pct = cfg_number(&k, "tail_percentile", 99, 0, 100);
        h->margin = cfg_number(&k, "margin", 0.10, 0, 1);
        h->cv_min = cfg_number(&k, "min_cv", 2, 0, 1e6);
        h->min_samples = (uint32_t)cfg_integer(&k, "min_samples", 5, 1, 1000000);
        h->oob_max = cfg_number(&k, "max_out_of_range", 0.5, 0, 1);
        h->fallback_s = cfg_number(&k, "fallback_idle_s", h->range_s, 0, 1e9);
        if (!cfg_failed(&k) && h->tail_pct < h->head_pct)
            cfg_fail(&k, "tail_percentile", "must be at least head_percentile (%g), got %g",
                     h->head_pct, h->tail_pct);
        double bins = ceil(h->range_s / h->bin_s - 1e-9);
        if (!cfg_failed(&k) && bins > 100000)
            cfg_fail(&k, "bin_s", "makes %.0f bins over range_s; at most 100000", bins);
        h->bins = (uint32_t)bins;
        f->idle_min_s = f->idle_max_s = h->fallback_s;
        break;
    }
    }
    cfg_done(&k);
    if (cfg_failed(n) || f->scope == SCOPE_INSTANCE) {
        if (!cfg_failed(n) && unit_policy)
            cfg_fail(&k, "scope", "the %s policy keeps a function or an app loaded as one "
                     "unit: use \"function\" or \"app\"", keep_names[f->keep_alive]);
        return;
    }
    if (f->concurrency > 1)
        cfg_fail(&k, "scope", "a function or app kept as one unit is modelled with concurrency 1 "
                 "per execution; leave scope \"instance\" with concurrency > 1");
}

/* The default cold start of a package of package_mb on runtime rt (Workers: none). */
static dist default_cold_start(const function_spec *f, double package_mb)
{
    if (f->provider == PROVIDER_CLOUDFLARE_WORKERS)
        return dist_constant(0);
    int rt = f->runtime < 0 ? 0 : f->runtime;
    double median = cold_median_ms[rt] + COLD_MS_PER_PACKAGE_MB * package_mb;
    return dist_lognormal_median_p99(median, median * cold_p99_ms[rt] / cold_median_ms[rt]);
}

/* One deployment's new version: the keys it gives, else the function's own (null in the
 * printed configuration: "as the function's"). */
static void parse_version(cfg_node *d, function_spec *f, deployment *dp)
{
    if (cfg_has(d, "duration_ms")) {
        dist_parse(d, "duration_ms", NULL, 3.6e6, &dp->duration_ms);
    } else {
        cfg_put(d, "duration_ms", cJSON_CreateNull());
        if (dist_copy(&dp->duration_ms, &f->duration_ms) != 0)
            cfg_fail(d, "duration_ms", "out of memory");
    }
    if (cfg_has(d, "error_rate")) {
        dp->error_rate = cfg_number(d, "error_rate", 0, 0, 1);
    } else {
        dp->error_rate = f->error_rate;
        cfg_put(d, "error_rate", cJSON_CreateNull());
    }
    bool has_package = cfg_has(d, "package_mb");
    double package_mb = has_package ? cfg_number(d, "package_mb", 0, 0, 10240) : 0;
    if (!has_package)
        cfg_put(d, "package_mb", cJSON_CreateNull());
    if (cfg_has(d, "cold_start_ms")) {
        dist_parse(d, "cold_start_ms", NULL, 600000, &dp->cold_start_ms);
    } else {
        cfg_put(d, "cold_start_ms", cJSON_CreateNull());
        if (has_package)
            dp->cold_start_ms = default_cold_start(f, package_mb);
        else if (dist_copy(&dp->cold_start_ms, &f->cold_start_ms) != 0)
            cfg_fail(d, "cold_start_ms", "out of memory");
    }
}

/* deployments: [{"at_s": T, "strategy": "all-at-once" | "canary" | "linear", ...}, ...], in
 * time order, each finished before the next starts. Canary and linear follow CodeDeploy's
 * Lambda configurations: Canary10Percent5Minutes and Linear10PercentEvery1Minute. */
static void parse_deployments(cfg_node *n, function_spec *f)
{
    static const char *const strategies[] = { "all-at-once", "canary", "linear", NULL };
    size_t k = cfg_array_len(n, "deployments");
    if (!k || cfg_failed(n))
        return;
    if (k > 1000) {
        cfg_fail(n, "deployments", "at most 1000, got %zu", k);
        return;
    }
    f->deploy = calloc(k, sizeof *f->deploy);
    if (!f->deploy) {
        cfg_fail(n, "deployments", "out of memory");
        return;
    }
    for (size_t i = 0; i < k && !cfg_failed(n); i++) {
        cfg_node d;
        cfg_array_object(n, "deployments", i, &d);
        deployment *dp = &f->deploy[i];
        f->n_deploy = i + 1;
        dp->at_s = cfg_number_req(&d, "at_s", 0, 1e9);
        dp->strategy = cfg_enum(&d, "strategy", strategies, DEPLOY_ALL_AT_ONCE);
        if (dp->strategy == DEPLOY_CANARY || dp->strategy == DEPLOY_LINEAR) {
            dp->percent = cfg_number(&d, "percent", 10, 0.01, 100);
            dp->interval_s = cfg_number(&d, "interval_s", dp->strategy == DEPLOY_CANARY ? 300 : 60, 1, 1e7);
            /* 100% shifts everything at at_s, as all at once does. */
            dp->rollout_s = dp->percent >= 100 ? 0
                          : dp->strategy == DEPLOY_CANARY
                                ? dp->interval_s
                                : (ceil(100.0 / dp->percent - 1e-9) - 1.0) * dp->interval_s;
            if (!cfg_failed(&d) && dp->strategy == DEPLOY_LINEAR && 100.0 / dp->percent > 1000.0)
                cfg_fail(&d, "percent", "a linear deployment takes at most 1,000 steps: at least 0.1, got %g",
                         dp->percent);
        } else {
            static const char *const shift_keys[] = { "percent", "interval_s" };
            for (int k = 0; k < 2; k++) {
                if (!cfg_failed(&d) && cfg_has(&d, shift_keys[k]))
                    cfg_fail(&d, shift_keys[k], "shifts traffic in a canary or linear deployment; "
                             "an all-at-once deployment shifts it all at at_s");
                cfg_know(&d, shift_keys[k]);
                cfg_put(&d, shift_keys[k], cJSON_CreateNull());
            }
        }
        if (cfg_has(&d, "alarm")) {
            cfg_node a;
            cfg_object(&d, "alarm", &a);
            dp->alarm = true;
            dp->alarm_error_rate = cfg_number(&a, "error_rate", 0.05, 0, 1);
            dp->alarm_window_s = cfg_number(&a, "window_s", 60, 1, 1e7);
            dp->alarm_min_invocations = (uint32_t)cfg_integer(&a, "min_invocations", 10, 1, 1000000000);
            cfg_done(&a);
            if (!cfg_failed(&d) && dp->strategy == DEPLOY_ALL_AT_ONCE)
                cfg_fail(&d, "alarm", "rolls back a canary or linear deployment while traffic shifts; "
                         "an all-at-once deployment has already shifted");
            else if (!cfg_failed(&d) && dp->alarm_window_s > dp->rollout_s)
                cfg_fail(&d, "alarm", "window_s %g is longer than the %g-s rollout: the alarm would "
                         "never check a whole window", dp->alarm_window_s, dp->rollout_s);
            else if (!cfg_failed(&d) && dp->rollout_s / dp->alarm_window_s > 100000)
                cfg_fail(&d, "alarm", "window_s %g checks a %g-s rollout more than 100,000 times",
                         dp->alarm_window_s, dp->rollout_s);
        } else {
            cfg_put(&d, "alarm", cJSON_CreateNull());
        }
        parse_version(&d, f, dp);
        if (!cfg_failed(&d) && i > 0 && dp->at_s < f->deploy[i - 1].at_s + f->deploy[i - 1].rollout_s +
                                                      (f->deploy[i - 1].strategy == DEPLOY_ALL_AT_ONCE ? 1e-9 : 0))
            cfg_fail(&d, "at_s", "must be after the previous deployment has finished (%g s), got %g",
                     f->deploy[i - 1].at_s + f->deploy[i - 1].rollout_s, dp->at_s);
        cfg_done(&d);
    }
    if (!cfg_failed(n) && (f->scope != SCOPE_INSTANCE || f->concurrency > 1))
        cfg_fail(n, "deployments", "are modelled for keep_alive.scope \"instance\" and one request "
                 "per instance");
}

/* Lambda@Edge (CloudFront): a viewer trigger runs with 128 MB for at most 5 s, an origin
 * trigger with up to 10,240 MB for 30 s; x86_64 only, no provisioned concurrency; its own
 * prices, no free tier. */
static void parse_edge(cfg_node *n, function_spec *f, const world_spec *w)
{
    static const char *const edges[] = { "none", "viewer", "origin", NULL };
    f->edge = cfg_enum(n, "edge", edges, 0);
    if (cfg_failed(n) || !f->edge)
        return;
    if (f->provider != PROVIDER_AWS)
        cfg_fail(n, "edge", "Lambda@Edge is modelled for provider \"aws\" (Workers are edge functions already)");
    else if (w->prices.edge_request_per_million <= 0)
        cfg_fail(n, "edge", "the price table has no Lambda@Edge prices (lambda_edge)");
    else if (f->edge == 1 && f->memory_mb > 128)
        cfg_fail(n, "memory_mb", "a viewer-trigger edge function has at most 128 MB, got %g", f->memory_mb);
    else if (f->edge == 1 && f->timeout_ms > 5000)
        cfg_fail(n, "timeout_s", "a viewer-trigger edge function times out within 5 s, got %g", f->timeout_ms / 1000);
    else if (f->edge == 2 && f->timeout_ms > 30000)
        cfg_fail(n, "timeout_s", "an origin-trigger edge function times out within 30 s, got %g", f->timeout_ms / 1000);
    else if (f->arch != 0)
        cfg_fail(n, "architecture", "Lambda@Edge runs x86_64 only");
    else if (f->provisioned)
        cfg_fail(n, f->n_pc_actions ? "provisioned_schedule" : "provisioned_concurrency", "Lambda@Edge has no provisioned concurrency");
}

/* provisioned_schedule: {"start_hour": H0, "actions": [{"at_hour": H, "count": N}, ...]}:
 * every day at clock hour H the provisioned instances become N (Application Auto Scaling's
 * scheduled actions on provisioned concurrency); H0 is the clock hour at the run's start.
 * The largest count is what the account's limits and the slot pool reserve. */
static void parse_provisioned_schedule(cfg_node *n, function_spec *f, uint32_t account)
{
    if (!cfg_has(n, "provisioned_schedule")) {
        cfg_put(n, "provisioned_schedule", cJSON_CreateNull());
        return;
    }
    if (!cfg_failed(n) && f->provisioned > 0) {
        cfg_fail(n, "provisioned_schedule", "sets the provisioned instances hour by hour; leave "
                 "provisioned_concurrency out (0)");
        return;
    }
    cfg_node ps;
    cfg_object(n, "provisioned_schedule", &ps);
    f->pc_start_hour = cfg_number(&ps, "start_hour", 0, 0, 24);
    if (!cfg_failed(&ps) && f->pc_start_hour >= 24)
        cfg_fail(&ps, "start_hour", "a clock hour from 0 to under 24, got %g", f->pc_start_hour);
    size_t k = cfg_array_len(&ps, "actions");
    if (!cfg_failed(&ps) && (k < 1 || k > 24))
        cfg_fail(&ps, "actions", "1 to 24 actions a day, got %zu", k);
    uint32_t most = 0;
    for (size_t i = 0; i < k && !cfg_failed(&ps); i++) {
        cfg_node a;
        cfg_array_object(&ps, "actions", i, &a);
        f->pc_at_hour[i] = cfg_number_req(&a, "at_hour", 0, 24);
        if (!cfg_failed(&a) && f->pc_at_hour[i] >= 24)
            cfg_fail(&a, "at_hour", "a clock hour from 0 to under 24 (midnight is 0), got %g", f->pc_at_hour[i]);
        f->pc_count[i] = (uint32_t)cfg_integer(&a, "count", 0, 0, account);
        if (!cfg_has(&a, "count"))
            cfg_missing(&a, "count", "the provisioned instances from at_hour on");
        if (!cfg_failed(&a) && i > 0 && f->pc_at_hour[i] <= f->pc_at_hour[i - 1])
            cfg_fail(&a, "at_hour", "must be after the previous action's (%g), got %g",
                     f->pc_at_hour[i - 1], f->pc_at_hour[i]);
        cfg_done(&a);
        if (f->pc_count[i] > most)
            most = f->pc_count[i];
        f->n_pc_actions = i + 1;
    }
    cfg_done(&ps);
    f->provisioned = most;
}

static void *function_parse(cfg_node *n, world_spec *w)
{
    function_spec *f = calloc(1, sizeof *f);
    if (!f) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    f->name = strdup(cfg_string_req(n, "name"));
    int runtime = cfg_enum(n, "runtime", runtime_names, 0);
    f->provider = w->provider;
    parse_provider_memory(n, f);
    /* Cloud Run serves up to 80 requests at once on an instance by default (1 to 1,000);
     * elsewhere an instance serves one. */
    if (f->provider == PROVIDER_GCP_CLOUD_RUN)
        f->concurrency = (uint32_t)cfg_integer(n, "concurrency", 80, 1, 1000);
    else
        f->concurrency = 1;
    f->arch = cfg_enum(n, "architecture", arch_names, 0);
    /* Defaults that follow another key resolve to null, so an edited --print-config
     * output keeps following it. */
    if (cfg_has(n, "reference_memory_mb")) {
        f->reference_memory_mb = (double)cfg_integer(n, "reference_memory_mb", 0, 128, 10240);
    } else {
        f->reference_memory_mb = f->memory_mb;
        cfg_put(n, "reference_memory_mb", cJSON_CreateNull());
    }
    f->cpu_bound_fraction = cfg_number(n, "cpu_bound_fraction", 1.0, 0, 1);
    f->threads = (double)cfg_integer(n, "threads", 1, 1, 6);
    /* CPU share is proportional to memory (1 vCPU at 1,769 MB); code with t threads
     * cannot use more than t vCPUs. */
    double cpu = fmin(f->memory_mb / 1769.0, f->threads);
    double cpu_ref = fmin(f->reference_memory_mb / 1769.0, f->threads);
    f->speed_factor = (1.0 - f->cpu_bound_fraction) + f->cpu_bound_fraction * cpu_ref / cpu;

    if (!cfg_has(n, "duration_ms"))
        cfg_missing(n, "duration_ms", "the handler's duration distribution in ms, "
                 "e.g. {\"dist\": \"lognormal\", \"median\": 80, \"p99\": 600}");
    else
        dist_parse(n, "duration_ms", NULL, 3.6e6, &f->duration_ms);
    /* A bigger deployment package starts slower: Shilkov's JavaScript measurements (14 MB:
     * 1.7 s, 35 MB: 3.9 s against 0.26 s for hello world) give 104.8 ms per MB on top of the
     * runtime's median; the spread (p99 / median) stays the runtime's. */
    f->package_mb = cfg_number(n, "package_mb", 0, 0, 10240);
    f->runtime = runtime;
    /* Workers run in isolates that start while the TLS handshake completes: no cold start
     * to speak of. */
    dist cold_default = default_cold_start(f, f->package_mb);
    dist_parse(n, "cold_start_ms", &cold_default, 600000, &f->cold_start_ms);
    /* Default and largest timeouts: Lambda 3 s and 900 s; Azure Consumption 5 and 10
     * minutes; Flex Consumption 30 minutes (unbounded; 4 h here); Cloud Run 5 minutes and
     * 60; Cloud Functions 1st gen 60 s and 540 s; Workers 30 s (its CPU-time limit). */
    static const double timeout_default[PROVIDERS] = { 3, 300, 1800, 300, 60, 30 };
    static const double timeout_max[PROVIDERS] = { 900, 600, 14400, 3600, 540, 300 };
    f->timeout_ms = 1000.0 * cfg_number(n, "timeout_s", timeout_default[f->provider], 0.001,
                                        timeout_max[f->provider]);
    if (f->provider == PROVIDER_CLOUDFLARE_WORKERS) {
        f->has_cpu_ms = cfg_has(n, "cpu_ms");
        if (f->has_cpu_ms)
            dist_parse(n, "cpu_ms", NULL, 300000, &f->cpu_ms);
        else
            cfg_put(n, "cpu_ms", cJSON_CreateNull());
    }
    f->error_rate = cfg_number(n, "error_rate", 0, 0, 1);

    const char *app = cfg_string(n, "app", f->name);
    f->app = strdup(app ? app : f->name);
    if (!f->app)
        cfg_fail(n, "app", "out of memory");
    parse_keep_alive(n, f);

    uint32_t account = w->account_concurrency;
    if (cfg_has(n, "reserved_concurrency")) {
        f->reserved = cfg_integer(n, "reserved_concurrency", 0, 0, account);
        uint64_t claimed = (uint64_t)w->reserved_total + w->provisioned_unreserved_total;
        if (!cfg_failed(n) && claimed + (uint64_t)f->reserved + 100 > account)
            cfg_fail(n, "reserved_concurrency", "reserving %lld would leave fewer than 100 of the "
                     "account's %u unreserved (already reserved or provisioned: %llu)",
                     (long long)f->reserved, account, (unsigned long long)claimed);
        else
            w->reserved_total += (uint32_t)f->reserved;
    } else {
        f->reserved = -1;
        cfg_put(n, "reserved_concurrency", cJSON_CreateNull());
    }
    f->limit = f->reserved >= 0 ? (uint32_t)f->reserved : account;
    f->provisioned = (uint32_t)cfg_integer(n, "provisioned_concurrency", 0, 0, account);
    parse_provisioned_schedule(n, f, account);
    if (!cfg_failed(n) && f->provider != PROVIDER_AWS && (f->provisioned > 0 || f->arch != 0))
        cfg_fail(n, f->n_pc_actions ? "provisioned_schedule" : f->provisioned ? "provisioned_concurrency" : "architecture",
                 "is modelled for provider \"aws\" only");
    if (!cfg_failed(n) && f->reserved >= 0 && f->provisioned > f->limit) {
        cfg_fail(n, f->n_pc_actions ? "provisioned_schedule" : "provisioned_concurrency", "%u exceeds the function's reserved concurrency (%u)",
                 f->provisioned, f->limit);
    } else if (!cfg_failed(n) && f->reserved < 0 && f->provisioned > 0) {
        /* Provisioned instances of an unreserved function are claimed from the account. */
        if (w->reserved_total + w->provisioned_unreserved_total + (uint64_t)f->provisioned + 100 > account)
            cfg_fail(n, f->n_pc_actions ? "provisioned_schedule" : "provisioned_concurrency", "provisioning %u would leave fewer than 100 of the "
                     "account's %u unclaimed (already reserved or provisioned: %u)", f->provisioned,
                     account, w->reserved_total + w->provisioned_unreserved_total);
        else
            w->provisioned_unreserved_total += f->provisioned;
    }
    f->trigger = cfg_enum(n, "trigger", trigger_names, 0);
    if (cfg_has(n, "scale_per_10s")) {
        f->scale_per_10s = cfg_number(n, "scale_per_10s", 0, 0.01, 10000000);
    } else {
        /* Azure Consumption adds an instance at most once a second for HTTP triggers and
         * once every 30 seconds for the others: 30 times slower. */
        f->scale_per_10s = (double)w->scale_per_10s;
        if (w->provider == PROVIDER_AZURE_CONSUMPTION && f->trigger != 0)
            f->scale_per_10s /= 30.0;
        cfg_put(n, "scale_per_10s", cJSON_CreateNull());
    }
    f->scale_burst = fmax(1.0, f->scale_per_10s);
    cfg_node a;
    cfg_object(n, "async", &a);
    f->async_max_retries = (uint32_t)cfg_integer(&a, "max_retry_attempts", 2, 0, 2);
    f->async_max_age_s = cfg_number(&a, "max_event_age_s", 21600, 60, 21600);
    f->async_duplicate_rate = cfg_number(&a, "duplicate_rate", 0.0001, 0, 1);
    const char *dest = cfg_string(&a, "on_failure", NULL);
    f->on_failure_name = dest ? strdup(dest) : NULL;
    f->on_failure = -1;
    cfg_done(&a);

    size_t n_calls = cfg_array_len(n, "calls");
    if (n_calls > 64)
        cfg_fail(n, "calls", "at most 64 calls, got %zu", n_calls);
    else if (n_calls > 0 && !cfg_failed(n)) {
        f->calls = calloc(n_calls, sizeof *f->calls);
        if (!f->calls)
            cfg_fail(n, "calls", "out of memory");
        for (size_t i = 0; i < n_calls && f->calls && !cfg_failed(n); i++) {
            cfg_node c;
            cfg_array_object(n, "calls", i, &c);
            function_call *call = &f->calls[i];
            f->n_calls = i + 1;
            call->target = -1;
            call->conn = -1;
            call->target_name = strdup(cfg_string_req(&c, "target"));
            parse_call(&c, call, f, i);
            cfg_done(&c);
        }
    }
    parse_bulkheads(n, f, w);
    parse_deployments(n, f);
    bool has_cache = cfg_has(n, "local_cache");
    if (has_cache) {
        cfg_node lc;
        cfg_object(n, "local_cache", &lc);
        f->cache_hit_ratio = cfg_number(&lc, "hit_ratio", 0.8, 0, 1);
        f->cache_ttl_s = cfg_number(&lc, "ttl_s", 300, 0, 1e9);
        cfg_done(&lc);
    } else {
        cfg_put(n, "local_cache", cJSON_CreateNull());     /* none */
    }
    if (!cfg_failed(n) && has_cache && (!f->n_calls || f->calls[0].mode == 0))
        cfg_fail(n, "local_cache", "caches what the first call step fetches: give the function a "
                 "synchronous first step (calls[0])");
    f->ephemeral_mb = (double)cfg_integer(n, "ephemeral_storage_mb", 512, 512, 10240);
    if (!cfg_failed(n) && f->provider != PROVIDER_AWS && f->ephemeral_mb != 512)
        cfg_fail(n, "ephemeral_storage_mb", "is modelled for provider \"aws\" only");
    /* Lambda's own START, END and REPORT lines come to about 0.3 KB an invocation. */
    f->log_kb = cfg_number(n, "log_kb", 0.3, 0, 1e6);
    if (!cfg_failed(n) && f->concurrency > 1 && (f->n_calls || f->tenant_limit || f->provisioned))
        cfg_fail(n, "concurrency", "an instance serving several requests at once is modelled for "
                 "functions without calls, bulkheads or provisioned instances; set it to 1");
    if (!cfg_failed(n) && f->scope != SCOPE_INSTANCE && f->provisioned)
        cfg_fail(n, f->n_pc_actions ? "provisioned_schedule" : "provisioned_concurrency", "keep_alive.scope \"%s\" loads the function as one "
                 "unit; provisioned instances are modelled with scope \"instance\"",
                 scope_names[f->scope]);
    parse_edge(n, f, w);
    cfg_done(n);
    if (cfg_failed(n)) {
        function_free_spec(f);
        return NULL;
    }
    return f;
}

static int function_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    function_spec *f = p;
    f->has_sync = false;
    f->n_conn = 0;
    /* The unit of a function kept as one is its own; an app's is held by its first function
     * (whose keep_alive settings apply to the whole app). */
    /* Greedy-dual units share one host pool, held by the first such function (its pool_gb
     * applies). */
    f->pool_owner = -1;
    for (size_t i = 0; f->keep_alive == KEEP_GREEDY_DUAL && i < w->n_components; i++)
        if (w->components[i].kind == &function_kind &&
            ((const function_spec *)w->components[i].spec)->keep_alive == KEEP_GREEDY_DUAL) {
            f->pool_owner = (int)i;
            break;
        }
    f->unit_owner = -1;
    for (size_t i = 0; f->scope != SCOPE_INSTANCE && i < w->n_components; i++) {
        if (w->components[i].kind != &function_kind)
            continue;
        const function_spec *g = w->components[i].spec;
        if (g == f || (f->scope == SCOPE_APP && g->scope == SCOPE_APP && strcmp(g->app, f->app) == 0)) {
            f->unit_owner = (int)i;
            break;
        }
    }
    for (size_t i = 0; i < f->n_calls; i++) {
        function_call *call = &f->calls[i];
        cfg_node c;
        cfg_root(&c, ctx, NULL, NULL);
        snprintf(c.path, sizeof c.path, "%s.calls[%zu]", path, i);
        call->target = world_spec_component(w, call->target_name);
        if (call->target < 0) {
            cfg_fail(&c, "target", "no component is named \"%s\"", call->target_name);
            return -1;
        }
        const component_kind *k = w->components[call->target].kind;
        /* Unless the step says, a component that takes messages gets them asynchronously. */
        call->sync = call->mode >= 0 ? call->mode == 1 : !k->enqueue;
        if (call->sync && !k->accept) {
            cfg_fail(&c, "mode", "\"%s\" is a %s, which takes no synchronous calls; use \"async\"",
                     call->target_name, k->name);
            return -1;
        }
        if (!call->sync && !k->enqueue) {
            cfg_fail(&c, "mode", "\"%s\" is a %s, which takes no messages; use \"sync\"",
                     call->target_name, k->name);
            return -1;
        }
        if (call->sync && w->components[call->target].spec == p) {
            cfg_fail(&c, "target", "a function cannot call itself synchronously (a recursive loop)");
            return -1;
        }
        f->has_sync |= call->sync;
        call->conn = -1;
        if (call->sync && k->connect) {
            uint32_t b = 0;
            while (b < f->n_conn && f->conn_target[b] != call->target)
                b++;
            if (b == f->n_conn)
                f->conn_target[f->n_conn++] = call->target;
            call->conn = (int)b;
        }
    }
    if (f->cache_hit_ratio > 0 && !f->calls[0].sync) {
        cfg_node c;
        cfg_root(&c, ctx, NULL, NULL);
        snprintf(c.path, sizeof c.path, "%s", path);
        cfg_fail(&c, "local_cache", "caches what the first call step fetches, and calls[0] is "
                 "asynchronous: make it \"sync\"");
        return -1;
    }
    if (!f->on_failure_name)
        return 0;
    cfg_node n;
    cfg_root(&n, ctx, NULL, NULL);
    snprintf(n.path, sizeof n.path, "%s.async", path);
    f->on_failure = world_spec_component(w, f->on_failure_name);
    if (f->on_failure >= 0 && w->components[f->on_failure].spec == p) {
        cfg_fail(&n, "on_failure", "a function cannot be its own on-failure destination");
        return -1;
    }
    if (f->on_failure < 0) {
        cfg_fail(&n, "on_failure", "no component is named \"%s\"", f->on_failure_name);
        return -1;
    }
    if (!w->components[f->on_failure].kind->enqueue) {
        cfg_fail(&n, "on_failure", "\"%s\" is a %s, which takes no events; use a queue",
                 f->on_failure_name, w->components[f->on_failure].kind->name);
        return -1;
    }
    return 0;
}

/* ---- run state ----------------------------------------------------------------------- */

typedef struct instance {
    double   idle_since, expiry;
    uint32_t serving;        /* request index, or UINT32_MAX when the client left */
    uint32_t source;         /* traffic source of the request being served */
    double   created;        /* and its creation time, for the pipeline's clock */
    uint8_t  traced;         /* it is (or derives from) a measured request */
    uint8_t  result;         /* attempt_result of the current invocation */
    uint8_t  provisioned;
    uint32_t version;        /* the deployment it was started under */
    double   cached_at;      /* its local cache's last fetch (-inf: empty) */
    /* an invocation with synchronous calls (its end is not known when it starts) */
    uint8_t  measured;       /* it started in the measured window */
    uint8_t  step, in_step;  /* the step it is at, and whether that step has begun */
    uint8_t  issuing;        /* calls of a step are being sent (replies may come at once) */
    uint8_t  forwarded;      /* it sent messages on */
    uint16_t tenant;
    uint32_t epoch;          /* bumped when an invocation starts and ends: stale events */
    uint32_t left, pending;  /* calls of the step not yet sent, and awaited */
    double   started, deadline;   /* its start, and when its own timeout ends it */
    uint64_t conns;          /* connections held, by the function's conn_target bit */
    /* an instance serving several requests at once (concurrency > 1) */
    uint32_t active, open_pos;
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
    uint32_t  heap_pos;          /* place in the pool's heap of idle units, or UINT32_MAX */
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
    ka_unit **heap;
    uint32_t  n, cap;
} host_pool;

typedef struct function_state {
    const function_spec *f;
    uint32_t  version;               /* the live version: 0 the first, i + 1 deployment i's */
    uint32_t  cand;                  /* the version taking a share while it deploys, or 0 */
    double    share;                 /* its share of the invocations */
    double    next_shift, next_check;  /* its next traffic step and alarm check */
    uint32_t  win_inv, win_err;      /* its invocations and errors in the alarm window */
    gsl_rng  *r_deploy;
    uint64_t  cache_hits, cache_misses;
    gsl_rng  *r_cache;
    uint64_t  deployments, rollbacks;        /* in the measured window */
    uint64_t  new_invocations, new_errors;   /* of versions while they deploy (window) */
    ka_unit  *unit;                  /* scope function/app: shared with the app's functions */
    bool      owns_unit;
    host_pool *pool;                 /* greedy-dual: shared by every such function */
    bool      owns_pool;
    world    *w;
    instance *inst;
    uint32_t  cap_slots, max_slots;  /* slots grow on demand up to max_slots */
    uint32_t *free_slots, n_free;
    uint32_t *idle, n_idle;          /* on-demand idle stack, top = most recent */
    uint32_t *idle_pc, n_idle_pc;    /* provisioned idle instances */
    uint32_t  pc_live, pc_cap;       /* provisioned instances, and how many there should be */
    double    pc_t, pc_area;         /* configured instance-seconds in the window, up to pc_t */
    uint32_t  busy;                  /* all busy instances */
    uint32_t *tenant_busy;           /* per tenant, with bulkheads */
    uint32_t *open, n_open;          /* busy instances with room for another request */
    uint32_t *pool_busy;             /* on-demand busy count of the shared pool, or NULL */
    uint32_t  pool_limit;
    double    tokens, tokens_t;      /* scale-up bucket */
    gsl_rng  *r_duration, *r_cold, *r_error, *r_keep;
    /* measured figures */
    uint64_t  invocations, cold_starts, throttles, errors, timeouts, on_provisioned;
    uint64_t  billed_ms, billed_ms_pc, wasted_ms;
    double    init_ms_sum;           /* cold starts' init time (measured window) */
    double    cpu_units;             /* other providers: GHz-s, vCPU-s or Workers CPU-ms */
    step_state *steps;               /* per call step */
    gsl_rng  *r_retry, *r_cpu;
    uint64_t  async_events, async_retries, async_expired, async_to_on_failure, async_dropped,
              async_duplicates, async_extra_requests;
    int       index;                 /* this component's index: the caller of async attempts */
    uint64_t  messages_sent;         /* by its calls */
    gsl_rng  *r_async;
    double    time_inside_s;
    gauge     concurrency;
    /* Busy and idle instance-seconds in the window (one bin: totals); the time lines go
     * straight to the world's, so memory does not grow with functions x intervals. */
    series    busy_s, idle_s;
} function_state;

static void function_free_state(void *p)
{
    function_state *st = p;
    if (!st)
        return;
    if (st->owns_unit) {
        free(st->unit->bins);
        free(st->unit);
    }
    if (st->owns_pool) {
        free(st->pool->heap);
        free(st->pool);
    }
    free(st->inst);
    free(st->free_slots);
    free(st->idle);
    free(st->idle_pc);
    free(st->steps);
    free(st->tenant_busy);
    free(st->open);
    series_free(&st->busy_s);
    series_free(&st->idle_s);
    free(st);
}

/* Grows the slot arrays (doubling, up to max_slots). Returns 0, or -1 when full or out of
 * memory. Growth is bounded by the peak number of instances, not by requests. */
static int grow_slots(function_state *st)
{
    if (st->cap_slots >= st->max_slots)
        return -1;
    uint32_t cap = st->cap_slots > st->max_slots / 2 ? st->max_slots : 2 * st->cap_slots;
    instance *inst = realloc(st->inst, cap * sizeof *inst);
    if (!inst)
        return -1;
    memset(inst + st->cap_slots, 0, (cap - st->cap_slots) * sizeof *inst);
    st->inst = inst;
    uint32_t *f = realloc(st->free_slots, cap * sizeof *f);
    if (!f)
        return -1;
    st->free_slots = f;
    uint32_t *idle = realloc(st->idle, cap * sizeof *idle);
    if (!idle)
        return -1;
    st->idle = idle;
    for (uint32_t i = cap; i-- > st->cap_slots;)
        st->free_slots[st->n_free++] = i;
    st->cap_slots = cap;
    return 0;
}

static void on_deploy(sim *s, void *target, uint64_t arg);

/* ---- provisioned instances, fixed or on a daily schedule ------------------------------- */

static void discard_instance(function_state *st, uint32_t slot);
static void idle_span(function_state *st, double t0, double t1);

/* Frees the slot of the least recently used idle on-demand environment whose version is not
 * keep (UINT32_MAX: any). False when there is none. */
static bool reclaim_idle(function_state *st, uint32_t keep, double now)
{
    for (uint32_t j = 0; j < st->n_idle; j++) {
        uint32_t slot = st->idle[j];
        instance *in = &st->inst[slot];
        if (keep != UINT32_MAX && in->version == keep && in->expiry > now)
            continue;
        memmove(&st->idle[j], &st->idle[j + 1], (st->n_idle - j - 1) * sizeof *st->idle);
        st->n_idle--;
        if (in->expiry > now)
            in->expiry = now;
        discard_instance(st, slot);
        return true;
    }
    return false;
}

/* The schedule's action in effect at the run's start: the last one at or before the start
 * hour, else (before the day's first) the day's last. */
static size_t pc_action_at_start(const function_spec *f)
{
    size_t k = f->n_pc_actions - 1;
    for (size_t i = 0; i < f->n_pc_actions; i++)
        if (f->pc_at_hour[i] <= f->pc_start_hour)
            k = i;
    return k;
}

/* The first scheduled action strictly after now (run time): its time, and its index in k. */
static double pc_next(const function_spec *f, double now, size_t *k)
{
    double best = INFINITY;
    double day = floor((now / 3600.0 + f->pc_start_hour) / 24.0);
    for (int d = 0; d <= 1; d++)
        for (size_t i = 0; i < f->n_pc_actions; i++) {
            double t = ((day + d) * 24.0 + f->pc_at_hour[i] - f->pc_start_hour) * 3600.0;
            if (t > now + 1e-9 && t < best) {
                best = t;
                *k = i;
            }
        }
    return best;
}

/* Adds the configured instance-seconds from pc_t to now that fall in the window. */
static void pc_account(function_state *st, double now)
{
    double a = fmax(st->pc_t, st->w->t_start), b = fmin(now, st->w->t_end);
    if (b > a)
        st->pc_area += (double)st->pc_cap * (b - a);
    st->pc_t = now;
}

/* The provisioned instances become target: new ones are ready (warm and idle) at once;
 * surplus idle ones go now, busy ones when their invocation ends. */
static void pc_set(function_state *st, uint32_t target, double now)
{
    pc_account(st, now);
    st->pc_cap = target;
    while (st->pc_live < target) {
        if (st->n_free == 0 && grow_slots(st) != 0 && !reclaim_idle(st, UINT32_MAX, now)) {
            st->w->out_of_memory = 1;
            return;
        }
        uint32_t slot = st->free_slots[--st->n_free];
        /* A reused slot keeps counting its epochs: late events of its last invocation must
         * not match the next one. */
        uint32_t epoch = st->inst[slot].epoch + 1;
        st->inst[slot] = (instance){ .idle_since = now, .expiry = INFINITY, .provisioned = 1,
                                     .version = st->version, .cached_at = -INFINITY, .epoch = epoch };
        st->idle_pc[st->n_idle_pc++] = slot;
        st->pc_live++;
    }
    while (st->pc_live > target && st->n_idle_pc > 0) {
        uint32_t slot = st->idle_pc[--st->n_idle_pc];
        st->inst[slot].expiry = now;
        discard_instance(st, slot);
        st->pc_live--;
    }
}

static void on_pc_action(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    const function_spec *f = st->f;
    double now = sim_now(s);
    pc_set(st, f->pc_count[arg], now);
    size_t k;
    double t = pc_next(f, now, &k);
    if (t < st->w->t_end && sim_at(s, t, on_pc_action, st, k) != 0)
        st->w->out_of_memory = 1;
}

/* The function's random stream `what` (named function.<name>.<what>, so results do not
 * depend on which others exist) when it needs one: a stream holds about 5 KB of state,
 * which adds up over thousands of functions. False when it cannot be made. */
static bool open_stream(function_state *st, world *w, const char *what, bool need, gsl_rng **out)
{
    *out = NULL;
    if (!need)
        return true;
    char name[300];
    snprintf(name, sizeof name, "function.%s.%s", st->f->name, what);
    *out = sim_stream(w->s, name);
    return *out != NULL;
}

static void *function_start(const void *spec, world *w, int index)
{
    const function_spec *f = spec;
    function_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->f = f;
    st->w = w;
    st->index = index;
    st->max_slots = f->limit + f->provisioned;
    uint32_t first = f->provisioned + 64 < st->max_slots ? f->provisioned + 64 : st->max_slots;
    st->cap_slots = first ? first : 1;
    st->inst = calloc(st->cap_slots, sizeof *st->inst);
    st->free_slots = malloc(st->cap_slots * sizeof *st->free_slots);
    st->idle = malloc(st->cap_slots * sizeof *st->idle);
    st->idle_pc = malloc((f->provisioned ? f->provisioned : 1) * sizeof *st->idle_pc);
    int ok = st->inst && st->free_slots && st->idle && st->idle_pc &&
             series_init(&st->busy_s, w->t_start, w->t_end - w->t_start, 1) == 0 &&
             series_init(&st->idle_s, w->t_start, w->t_end - w->t_start, 1) == 0;
    if (ok) {
        bool any_error = f->error_rate > 0;
        for (size_t i = 0; i < f->n_deploy; i++)
            any_error |= f->deploy[i].error_rate > 0;
        ok = open_stream(st, w, "duration", true, &st->r_duration) &&
             open_stream(st, w, "cold_start", true, &st->r_cold) &&
             open_stream(st, w, "error", any_error, &st->r_error) &&
             open_stream(st, w, "keep_alive", true, &st->r_keep) &&
             open_stream(st, w, "async", true, &st->r_async) &&
             open_stream(st, w, "retry", f->n_calls > 0, &st->r_retry) &&
             open_stream(st, w, "cpu", f->has_cpu_ms, &st->r_cpu) &&
             open_stream(st, w, "cache", f->cache_ttl_s > 0 || f->cache_hit_ratio > 0, &st->r_cache) &&
             open_stream(st, w, "deploy", f->n_deploy > 0, &st->r_deploy);
        st->steps = calloc(f->n_calls ? f->n_calls : 1, sizeof *st->steps);
        if (f->tenant_limit)
            st->tenant_busy = calloc(w->spec->n_tenants, sizeof *st->tenant_busy);
        if (f->concurrency > 1)
            st->open = malloc((size_t)st->max_slots * sizeof *st->open);
        ok = ok && st->steps && (!f->tenant_limit || st->tenant_busy) && (f->concurrency == 1 || st->open);
    }
    if (!ok) {
        function_free_state(st);
        return NULL;
    }
    /* Slots: provisioned instances first, always warm and idle at time 0. */
    for (uint32_t i = 0; i < st->cap_slots; i++)
        st->free_slots[st->n_free++] = st->cap_slots - 1 - i;
    st->pc_t = 0;
    pc_set(st, f->n_pc_actions ? f->pc_count[pc_action_at_start(f)] : f->provisioned, 0);
    size_t action = 0;
    double first_action = f->n_pc_actions ? pc_next(f, 0, &action) : INFINITY;
    if (first_action < w->t_end && sim_at(w->s, first_action, on_pc_action, st, action) != 0) {
        function_free_state(st);
        return NULL;
    }
    /* A reserved function counts all its busy instances against its reservation; an
     * unreserved one draws its on-demand instances from the account's shared pool (its
     * provisioned instances are claimed from the account already). */
    if (f->reserved < 0) {
        st->pool_busy = &w->unreserved_busy;
        st->pool_limit = w->spec->account_concurrency - w->spec->reserved_total -
                         w->spec->provisioned_unreserved_total;
    }
    st->tokens = f->scale_burst;
    st->tokens_t = 0;
    gauge_init(&st->concurrency, NULL, w->t_start);   /* max only; busy_s gets spans */
    if (f->pool_owner == index) {
        st->pool = calloc(1, sizeof *st->pool);
        st->owns_pool = st->pool != NULL;
        if (!st->pool) {
            function_free_state(st);
            return NULL;
        }
        st->pool->capacity_gb = f->pool_gb;
    } else if (f->pool_owner >= 0) {
        st->pool = ((function_state *)w->state[f->pool_owner])->pool;   /* started before */
    }
    for (size_t i = 0; i < f->n_deploy; i++)
        if (f->deploy[i].at_s < w->t_end && sim_at(w->s, f->deploy[i].at_s, on_deploy, st, i) != 0) {
            function_free_state(st);
            return NULL;
        }
    if (f->unit_owner == index) {
        ka_unit *u = calloc(1, sizeof *u);
        st->unit = u;
        st->owns_unit = u != NULL;
        if (u && f->keep_alive == KEEP_HYBRID)
            u->bins = calloc(f->hybrid.bins, sizeof *u->bins);
        if (!u || (f->keep_alive == KEEP_HYBRID && !u->bins)) {
            function_free_state(st);
            return NULL;
        }
        u->f = f;
        u->load_at = INFINITY;          /* not loaded before its first execution */
        u->t_start = w->t_start;
        u->owner = st;
        u->r_keep = st->r_keep;
        u->pool = st->pool;
        u->heap_pos = UINT32_MAX;
        u->cost_ms = fmax(dist_mean(&f->cold_start_ms), 1e-3);
        for (size_t i = 0; i < w->spec->n_components; i++) {
            const component_spec *c = &w->spec->components[i];
            if (c->kind == &function_kind && ((const function_spec *)c->spec)->unit_owner == index)
                u->gb += ((const function_spec *)c->spec)->memory_mb / 1024.0;
        }
    } else if (f->unit_owner >= 0) {
        st->unit = ((function_state *)w->state[f->unit_owner])->unit;   /* started before */
    }
    return st;
}

/* Busy and idle instance time: the function's totals and the world's time lines. */
static void busy_span(function_state *st, double t0, double t1)
{
    double a = fmax(t0, st->w->t_start), b = fmin(t1, st->w->t_end);
    if (b > a)
        st->busy_s.total += b - a;      /* a total only: busy time joins the instances' line in world_run */
    series_add_span(&st->w->ts[TS_CONCURRENCY], t0, t1, 1.0);
}

static void idle_span(function_state *st, double t0, double t1)
{
    series_add_span(&st->idle_s, t0, t1, 1.0);
    series_add_span(&st->w->ts[TS_INSTANCES], t0, t1, 1.0);
}

/* ---- a unit's keep-alive ------------------------------------------------------------- */

static bool unit_loaded(const ka_unit *u, double now)
{
    if (u->pool)
        return u->running > 0 || u->resident;
    return u->running > 0 || (now >= u->load_at && now < u->unload_at);
}

/* ---- the greedy-dual host pool: a min-heap of idle units by priority ---- */

static void heap_set(host_pool *p, uint32_t i, ka_unit *u)
{
    p->heap[i] = u;
    u->heap_pos = i;
}

static void heap_sift(host_pool *p, uint32_t i)
{
    ka_unit *u = p->heap[i];
    while (i > 0 && p->heap[(i - 1) / 2]->priority > u->priority) {
        heap_set(p, i, p->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= p->n)
            break;
        if (c + 1 < p->n && p->heap[c + 1]->priority < p->heap[c]->priority)
            c++;
        if (p->heap[c]->priority >= u->priority)
            break;
        heap_set(p, i, p->heap[c]);
        i = c;
    }
    heap_set(p, i, u);
}

/* Returns -1 when out of memory (the heap grows to the number of units, not requests). */
static int heap_push(host_pool *p, ka_unit *u)
{
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? 2 * p->cap : 64;
        ka_unit **h = realloc(p->heap, cap * sizeof *h);
        if (!h)
            return -1;
        p->heap = h;
        p->cap = cap;
    }
    heap_set(p, p->n++, u);
    heap_sift(p, p->n - 1);
    return 0;
}

static void heap_remove(host_pool *p, ka_unit *u)
{
    uint32_t i = u->heap_pos;
    u->heap_pos = UINT32_MAX;
    if (--p->n == i)
        return;
    heap_set(p, i, p->heap[p->n]);
    heap_sift(p, i);
}

/* Evicts idle units, lowest priority first, until gb more fit. False when they cannot
 * (the host is full of running units). */
static bool pool_make_room(host_pool *p, double gb, double now)
{
    while (p->used_gb + gb > p->capacity_gb + 1e-9 && p->n > 0) {
        ka_unit *v = p->heap[0];
        heap_remove(p, v);
        p->clock = v->priority;
        p->used_gb -= v->gb;
        v->resident = false;
        v->unload_at = now;
        if (now >= v->t_start)
            v->evictions++;
    }
    return p->used_gb + gb <= p->capacity_gb + 1e-9;
}

/* Settles the idle period that ends at `now` (an arrival, or the end of the run). */
static void unit_close_idle(ka_unit *u, double now)
{
    double a = fmax(u->load_at, u->t_start), b = fmin(now, u->unload_at);
    if (b > a) {
        u->idle_loaded_s += b - a;
        idle_span(u->owner, a, b);
    }
    if (u->load_at > u->idle_since && u->load_at < fmin(now, u->unload_at) && u->load_at >= u->t_start)
        u->prewarms++;
}

/* An execution starts on the unit. */
static void unit_arrive(ka_unit *u, double now)
{
    u->freq += 1.0;
    if (u->running++ > 0 || !u->ended)
        return;
    unit_close_idle(u, now);
    if (!u->bins)
        return;
    const hybrid_spec *h = &u->f->hybrid;
    double it = now - u->idle_since;
    u->samples++;
    double b = floor(it / h->bin_s);
    if (b >= h->bins) {
        u->oob++;
        return;
    }
    uint32_t c = u->bins[(uint32_t)b]++;
    u->sumsq += 2.0 * c + 1.0;
}

/* The hybrid policy's windows after an execution ends, from the idle-time histogram: false
 * when the histogram is not representative yet (too few idle times, too many beyond the
 * range, or a coefficient of variation of its bin counts below min_cv). */
static bool hybrid_windows(const ka_unit *u, double *pre_s, double *keep_s)
{
    const hybrid_spec *h = &u->f->hybrid;
    uint64_t in = u->samples - u->oob;
    if (u->samples < h->min_samples || in == 0 || (double)u->oob > h->oob_max * (double)u->samples)
        return false;
    double mean = (double)in / h->bins;
    double var = u->sumsq / h->bins - mean * mean;
    if (!(sqrt(fmax(var, 0.0)) / mean >= h->cv_min))
        return false;
    double head_n = h->head_pct / 100.0 * (double)in, tail_n = h->tail_pct / 100.0 * (double)in;
    uint64_t cum = 0;
    uint32_t head = UINT32_MAX, tail = h->bins - 1;
    for (uint32_t i = 0; i < h->bins; i++) {
        cum += u->bins[i];
        if (head == UINT32_MAX && (double)cum >= head_n && cum > 0)
            head = i;
        if ((double)cum >= tail_n && cum > 0) {
            tail = i;
            break;
        }
    }
    if (head == UINT32_MAX)
        head = tail;
    *pre_s = head * h->bin_s * (1.0 - h->margin);
    *keep_s = (tail + 1) * h->bin_s * (1.0 + h->margin);
    return true;
}

/* An execution on the unit ends: when it was the last, the policy sets the loaded window.
 * Returns -1 when out of memory. */
static int unit_release(ka_unit *u, double now)
{
    if (--u->running > 0)
        return 0;
    const function_spec *f = u->f;
    u->idle_since = now;
    u->ended = true;
    u->load_at = now;
    double pre = 0, keep;
    if (f->keep_alive == KEEP_HYBRID && hybrid_windows(u, &pre, &keep)) {
        u->load_at = now + pre;       /* unloaded now, loaded again ahead of the next arrival */
    } else if (f->idle_max_s > f->idle_min_s) {
        keep = f->idle_min_s + (f->idle_max_s - f->idle_min_s) * gsl_rng_uniform(u->r_keep);
    } else {
        keep = f->idle_min_s;
    }
    u->unload_at = now + keep;
    if (u->load_at >= u->unload_at)
        u->load_at = INFINITY;
    if (u->pool) {
        /* Idle on the host until evicted, at its Greedy-Dual priority. */
        u->priority = u->pool->clock + u->freq * u->cost_ms / u->gb;
        return heap_push(u->pool, u);
    }
    return 0;
}

static double keep_alive_s(function_state *st)
{
    const function_spec *f = st->f;
    if (f->idle_max_s <= f->idle_min_s)
        return f->idle_min_s;
    return f->idle_min_s + (f->idle_max_s - f->idle_min_s) * gsl_rng_uniform(st->r_keep);
}

static void throttle(function_state *st, world *w, uint32_t req, double now)
{
    if (world_measuring(w, now)) {
        st->throttles++;
        series_add(&st->w->ts[TS_THROTTLES], now, 1.0);
    }
    world_reply(w, req, RESULT_THROTTLED);
}

static void on_client_gave_up(sim *s, void *target, uint64_t arg)
{
    (void)s;
    world_reply(target, (uint32_t)arg, RESULT_TIMEOUT);
}

/* n messages of one asynchronous step, from the invocation `from`. Returns how many. */
static long send_messages(function_state *st, world *w, const function_call *call, long n,
                          instance from)
{
    long sent = 0;
    bool measuring = world_measuring(w, sim_now(w->s));
    for (long k = 0; k < n; k++) {
        uint32_t m = world_request_new(w);
        if (m == UINT32_MAX)
            return sent;
        request *r = &w->req[m];
        r->created = from.created;     /* the pipeline's clock keeps running */
        r->traced = from.traced;
        r->source = from.source;
        r->tenant = from.tenant;
        r->size_kb = (float)call->size_kb;
        r->measured = 0;       /* a message of the pipeline, not an original request */
        if (measuring)
            st->messages_sent++;
        sent++;
        world_enqueue(w, call->target, m);
    }
    return sent;
}

/* A successful invocation's asynchronous calls (functions without synchronous steps). */
static long send_calls(function_state *st, world *w, const instance *from)
{
    long sent = 0;
    const instance copy = *from;
    for (size_t i = 0; i < st->f->n_calls; i++) {
        const function_call *call = &st->f->calls[i];
        sent += send_messages(st, w, call, lround(dist_sample(&call->count, st->r_async)), copy);
    }
    return sent;
}

static void discard_instance(function_state *st, uint32_t slot);

/* Instance slot stops serving: back on its idle stack (or, kept as a unit, the unit's). */
static void release_instance(function_state *st, uint32_t slot, double now)
{
    instance *in = &st->inst[slot];
    st->busy--;
    if (st->tenant_busy)
        st->tenant_busy[in->tenant]--;
    if (st->pool_busy && !in->provisioned)
        (*st->pool_busy)--;
    gauge_add(&st->concurrency, now, -1.0);
    in->idle_since = now;
    if (st->unit) {
        /* The execution's slot goes (with any connection it opened); the unit stays. */
        in->expiry = now;
        discard_instance(st, slot);
        if (unit_release(st->unit, now) != 0)
            st->w->out_of_memory = 1;
    } else if (in->provisioned && st->pc_live > st->pc_cap) {
        in->expiry = now;                  /* the schedule lowered the count meanwhile */
        discard_instance(st, slot);
        st->pc_live--;
    } else if (in->provisioned) {
        st->idle_pc[st->n_idle_pc++] = slot;
    } else {
        /* An environment of a retired version retires when its execution ends. */
        bool live = in->version == st->version || (st->cand && in->version == st->cand);
        in->expiry = live ? now + keep_alive_s(st) : now;
        st->idle[st->n_idle++] = slot;
    }
}

/* Every idle environment of version v retires now. */
static void retire_version(function_state *st, uint32_t v, double now)
{
    for (uint32_t i = 0; i < st->n_idle; i++) {
        instance *in = &st->inst[st->idle[i]];
        if (in->version == v && in->expiry > now)
            in->expiry = now;
    }
}

/* The deploying version serves everything: the old one's idle environments retire at once,
 * busy ones when they finish, so (all at once) the next arrivals start cold — the
 * cold-start wave. Provisioned instances are prepared for the new version before it takes
 * traffic (as Lambda does for an alias with provisioned concurrency). */
static void deploy_complete(function_state *st, double now)
{
    uint32_t old = st->version;
    st->version = st->cand;
    st->cand = 0;
    st->share = 0;
    retire_version(st, old, now);
}

static void on_deploy_tick(sim *s, void *target, uint64_t arg);

/* Schedules the deployment's next traffic step or alarm check, whichever comes first. */
static void deploy_next(function_state *st, size_t i)
{
    double t = fmin(st->next_shift, st->next_check);
    if (t < st->w->t_end && sim_at(st->w->s, t, on_deploy_tick, st, i) != 0)
        st->w->out_of_memory = 1;
}

/* A deployment starts: the new version takes its first share (all of it at once). */
static void on_deploy(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    const deployment *dp = &st->f->deploy[arg];
    double now = sim_now(s);
    /* The previous deployment ends at this very time (its last step's event may come after
     * this one): finish it first. */
    if (st->cand) {
        on_deploy_tick(s, st, st->cand - 1);
        if (st->cand)
            deploy_complete(st, now);
    }
    if (world_measuring(st->w, now))
        st->deployments++;
    st->cand = (uint32_t)arg + 1;
    if (dp->strategy == DEPLOY_ALL_AT_ONCE || dp->percent >= 100) {
        deploy_complete(st, now);
        return;
    }
    st->share = dp->percent / 100.0;
    st->win_inv = st->win_err = 0;
    st->next_shift = now + dp->interval_s;
    st->next_check = dp->alarm ? now + dp->alarm_window_s : INFINITY;
    deploy_next(st, arg);
}

/* Whether the deploying version's errors in the alarm window so far set the alarm off. */
static bool deploy_alarm(const function_state *st, const deployment *dp)
{
    return st->win_inv >= dp->alarm_min_invocations &&
           (double)st->win_err > dp->alarm_error_rate * (double)st->win_inv;
}

/* Roll back: the old version takes everything again; the new one's idle environments
 * retire now, busy ones when they finish. */
static void deploy_roll_back(function_state *st, double now)
{
    if (world_measuring(st->w, now))
        st->rollbacks++;
    uint32_t v = st->cand;
    st->cand = 0;
    st->share = 0;
    retire_version(st, v, now);
}

/* A deployment's alarm check (its version's error share over the last window: above the
 * threshold, with enough invocations, it rolls back) and then its traffic step. */
static void on_deploy_tick(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    const deployment *dp = &st->f->deploy[arg];
    double now = sim_now(s);
    if (st->cand != (uint32_t)arg + 1)
        return;
    if (st->next_check <= now) {
        bool alarm = deploy_alarm(st, dp);
        st->win_inv = st->win_err = 0;
        st->next_check = now + dp->alarm_window_s;
        if (alarm) {
            deploy_roll_back(st, now);
            return;
        }
    }
    if (st->next_shift <= now) {
        st->share = dp->strategy == DEPLOY_CANARY ? 1.0 : fmin(1.0, st->share + dp->percent / 100.0);
        if (st->share >= 1.0 - 1e-12) {
            /* A last look at the window so far before everything shifts. */
            if (dp->alarm && deploy_alarm(st, dp)) {
                deploy_roll_back(st, now);
                return;
            }
            deploy_complete(st, now);
            return;
        }
        st->next_shift = now + dp->interval_s;
    }
    deploy_next(st, arg);
}

/* An expired idle instance goes away, with its connections. */
static void discard_instance(function_state *st, uint32_t slot)
{
    instance *in = &st->inst[slot];
    idle_span(st, in->idle_since, in->expiry);
    world *w = st->w;
    for (uint32_t b = 0; in->conns && b < st->f->n_conn; b++)
        if (in->conns & (1ull << b)) {
            int t = st->f->conn_target[b];
            w->spec->components[t].kind->connect(w->state[t], w, -1);
            in->conns &= ~(1ull << b);
        }
    st->free_slots[st->n_free++] = slot;
}

static void function_reclaim(void *state, world *w)
{
    function_state *st = state;
    double now = sim_now(w->s);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < st->n_idle; i++) {
        uint32_t slot = st->idle[i];
        if (st->inst[slot].expiry <= now)
            discard_instance(st, slot);
        else
            st->idle[kept++] = slot;      /* order (most recent on top) is kept */
    }
    st->n_idle = kept;
}

/* An invocation of the deploying version ended: its alarm window and figures. */
static void deploy_observe(function_state *st, uint32_t version, attempt_result result, double now)
{
    if (!st->cand || version != st->cand)
        return;
    bool error = result == RESULT_ERROR || result == RESULT_TIMEOUT || result == RESULT_PARTIAL;
    st->win_inv++;
    st->win_err += error;
    if (world_measuring(st->w, now)) {
        st->new_invocations++;
        st->new_errors += error;
    }
}

static void on_end(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    world *w = st->w;
    double now = sim_now(s);
    uint32_t slot = (uint32_t)arg;
    deploy_observe(st, st->inst[slot].version, (attempt_result)st->inst[slot].result, now);
    release_instance(st, slot, now);
    /* The slot is idle from here and may be reused (or the array moved) by the calls below,
     * which can reach this very function: keep what the reply needs. */
    const instance done = st->inst[slot];
    if (st->f->n_calls && done.result == RESULT_OK && send_calls(st, w, &done) > 0 &&
        done.serving != UINT32_MAX)
        w->req[done.serving].forwarded = 1;
    if (done.serving != UINT32_MAX)
        world_reply(w, done.serving, (attempt_result)done.result);
}

/* ---- synchronous calls -----------------------------------------------------------------
 * An invocation whose function has synchronous steps runs its handler's own time first,
 * then its steps in order, waiting on each call; it ends when the last step is done, when
 * a call fails for good (no fallback), or at its own timeout. Its billed duration is
 * measured when it ends. Events and replies carry the instance's epoch: whatever arrives
 * for an invocation that has ended is dropped. */

static uint64_t inst_arg(const function_state *st, uint32_t slot)
{
    return sim_gen_pack(st->inst[slot].epoch, slot);
}

/* The instance named by arg if it is still in the same invocation, else NULL. */
static instance *inst_of(function_state *st, uint64_t arg)
{
    uint32_t slot = sim_payload_of(arg);
    return slot < st->cap_slots && st->inst[slot].epoch == sim_gen_of(arg) ? &st->inst[slot] : NULL;
}

static void end_invocation(function_state *st, uint32_t slot, attempt_result result)
{
    world *w = st->w;
    double now = sim_now(w->s);
    instance *in = &st->inst[slot];
    in->epoch++;
    if (in->measured) {
        double ms = (now - in->started) * 1000.0;
        uint64_t billed = billed_ms_of(st->f, ms - 1e-6);
        if (st->f->cpu_per_s > 0)
            st->cpu_units += (double)billed / 1000.0 * st->f->cpu_per_s;
        st->time_inside_s += now - in->started;
        if (in->provisioned)
            st->billed_ms_pc += billed;
        else
            st->billed_ms += billed;
        if (in->serving == UINT32_MAX)
            st->wasted_ms += billed;
        if (result == RESULT_ERROR)
            st->errors++;
        else if (result == RESULT_TIMEOUT)
            st->timeouts++;
    }
    busy_span(st, in->started, now);
    deploy_observe(st, in->version, result, now);
    release_instance(st, slot, now);
    in = &st->inst[slot];
    uint32_t serving = in->serving;
    if (serving == UINT32_MAX)
        return;
    if (in->forwarded && result == RESULT_OK)
        w->req[serving].forwarded = 1;
    world_reply(w, serving, result);
}

static void on_invocation_timeout(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    if (inst_of(st, arg))
        end_invocation(st, sim_payload_of(arg), RESULT_TIMEOUT);
}

static void on_client_deadline(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    instance *in = inst_of(st, arg);
    if (!in || in->serving == UINT32_MAX)
        return;
    uint32_t req = in->serving;
    in->serving = UINT32_MAX;      /* it runs on, billed; nobody waits for it */
    world_reply(st->w, req, RESULT_TIMEOUT);
}

/* Counts a breaker's opening at now (it stays open b->open_s) in the step's figures. */
static void step_breaker_opened(function_state *st, step_state *ss, const breaker_spec *b, double now)
{
    if (world_measuring(st->w, now)) {
        ss->opens++;
        ss->open_s += fmin(b->open_s, st->w->t_end - now);
    }
}

/* ---- steps ---- */

static void run_steps(function_state *st, uint32_t slot);
static void issue_call(function_state *st, uint32_t slot, uint32_t attempt, double prev_ms);

static void call_done(function_state *st, uint32_t slot)
{
    instance *in = &st->inst[slot];
    in->pending--;
    if (!in->issuing)
        run_steps(st, slot);
}

static void call_failed(function_state *st, uint32_t slot)
{
    instance *in = &st->inst[slot];
    const function_call *c = &st->f->calls[in->step];
    step_state *ss = &st->steps[in->step];
    if (in->measured)
        ss->failed++;
    if (c->fallback) {
        if (in->measured)
            ss->fallbacks++;
        call_done(st, slot);     /* a degraded answer, and the invocation goes on */
        return;
    }
    end_invocation(st, slot, RESULT_ERROR);
}

static void on_call_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    world *w = st->w;
    uint32_t carrier = (uint32_t)arg;
    request r = w->req[carrier];
    world_request_free(w, carrier);
    if (r.tag < st->cap_slots && st->inst[r.tag].epoch == r.epoch)
        issue_call(st, r.tag, r.attempt, r.backoff_prev_ms);
}

/* The outcome of one attempt of the current step's call. */
static void call_result(function_state *st, uint32_t slot, attempt_result result, uint32_t attempt,
                        double prev_ms, bool effect)
{
    world *w = st->w;
    double now = sim_now(w->s);
    if (result == RESULT_OK) {
        call_done(st, slot);
        return;
    }
    instance *in = &st->inst[slot];
    if (now >= in->deadline) {
        end_invocation(st, slot, RESULT_TIMEOUT);
        return;
    }
    const function_call *c = &st->f->calls[in->step];
    if (!retry_again(&c->retry, result, attempt)) {
        call_failed(st, slot);
        return;
    }
    double delay = retry_backoff_ms(&c->retry, attempt, &prev_ms, st->r_retry) / 1000.0;
    if (now + delay >= in->deadline) {
        /* The function's own timeout comes first, while it sleeps: no retry is sent. */
        sim_at(w->s, in->deadline, on_invocation_timeout, st, inst_arg(st, slot));
        return;
    }
    if (result == RESULT_TIMEOUT && effect && !c->idempotent && in->measured)
        st->steps[in->step].duplicates++;    /* the timed-out attempt did its work; again */
    uint32_t carrier = world_request_new(w);
    if (carrier == UINT32_MAX) {
        call_failed(st, slot);
        return;
    }
    request *r = &w->req[carrier];
    r->tag = slot;
    r->epoch = st->inst[slot].epoch;
    r->attempt = attempt + 1;
    r->backoff_prev_ms = prev_ms;
    sim_at(w->s, now + delay, on_call_retry, st, carrier);
}

static void issue_call(function_state *st, uint32_t slot, uint32_t attempt, double prev_ms)
{
    world *w = st->w;
    double now = sim_now(w->s);
    instance *in = &st->inst[slot];
    const function_call *c = &st->f->calls[in->step];
    step_state *ss = &st->steps[in->step];
    if (attempt == 1 && in->measured)
        ss->calls++;
    uint32_t gen;
    if (!breaker_allow(&ss->breaker, &c->breaker, now, &gen)) {
        if (in->measured)
            ss->fast_failures++;
        call_failed(st, slot);
        return;
    }
    if (in->measured)
        ss->attempts++;
    if (c->conn >= 0 && !(in->conns & (1ull << c->conn))) {
        /* An instance opens its own connection on its first call. */
        const component_spec *t = &w->spec->components[c->target];
        int rc = t->kind->connect(w->state[c->target], w, +1);
        in = &st->inst[slot];
        if (rc != 0) {
            if (breaker_record(&ss->breaker, &c->breaker, gen, false, now))
                step_breaker_opened(st, ss, &c->breaker, now);
            call_result(st, slot, RESULT_ERROR, attempt, prev_ms, false);
            return;
        }
        in->conns |= 1ull << c->conn;
    }
    uint32_t sub = world_request_new(w);
    if (sub == UINT32_MAX) {
        call_result(st, slot, RESULT_ERROR, attempt, prev_ms, false);
        return;
    }
    in = &st->inst[slot];
    request *r = &w->req[sub];
    r->created = now;
    r->source = in->source;
    r->tenant = in->tenant;
    r->size_kb = (float)c->size_kb;
    r->caller = st->index;
    r->tag = slot;
    r->epoch = in->epoch;
    r->step = in->step;
    r->is_call = 1;
    r->group = gen;
    r->attempt = attempt;
    r->backoff_prev_ms = prev_ms;
    r->deadline = fmin(now + c->timeout_s, in->deadline);
    world_deliver(w, c->target, sub);
}

static void call_reply(function_state *st, world *w, uint32_t sub, attempt_result result)
{
    const request r = w->req[sub];
    world_request_free(w, sub);
    if (r.tag >= st->cap_slots || st->inst[r.tag].epoch != r.epoch)
        return;                         /* the invocation has ended */
    const function_call *c = &st->f->calls[r.step];
    if (result == RESULT_PARTIAL)
        result = RESULT_ERROR;
    double now = sim_now(w->s);
    step_state *ss = &st->steps[r.step];
    if (breaker_record(&ss->breaker, &c->breaker, r.group, result == RESULT_OK, now))
        step_breaker_opened(st, ss, &c->breaker, now);
    call_result(st, r.tag, result, r.attempt, r.backoff_prev_ms, r.effect);
}

/* The instance-local cache in front of the first synchronous step: an instance that
 * fetched within ttl_s serves the request from memory with probability hit_ratio (the
 * chance its key was among those it served); a new instance, or one whose fetch is
 * older, misses and fetches. */
static bool cache_hit(function_state *st, instance *in)
{
    const function_spec *f = st->f;
    double now = sim_now(st->w->s);
    bool hit = now - in->cached_at < f->cache_ttl_s && gsl_rng_uniform(st->r_cache) < f->cache_hit_ratio;
    if (!hit)
        in->cached_at = now;
    if (in->measured) {
        if (hit)
            st->cache_hits++;
        else
            st->cache_misses++;
    }
    return hit;
}

static void run_steps(function_state *st, uint32_t slot)
{
    const function_spec *f = st->f;
    world *w = st->w;
    for (;;) {
        instance *in = &st->inst[slot];
        uint32_t epoch = in->epoch;
        if (in->pending)
            return;                     /* waiting on calls */
        if (in->left == 0) {
            if (in->in_step) {
                in->step++;
                in->in_step = 0;
            }
            if (in->step >= f->n_calls) {
                end_invocation(st, slot, RESULT_OK);
                return;
            }
            const function_call *c = &f->calls[in->step];
            long n = lround(dist_sample(&c->count, st->r_async));
            if (!c->sync) {
                long sent = send_messages(st, w, c, n, *in);
                in = &st->inst[slot];
                if (in->epoch != epoch)
                    return;
                in->forwarded |= sent > 0;
                in->step++;
                continue;
            }
            if (n <= 0) {
                in->step++;
                continue;
            }
            if (in->step == 0 && f->cache_hit_ratio > 0 && cache_hit(st, in)) {
                in->step++;             /* served from the instance's own memory */
                continue;
            }
            in->in_step = 1;
            in->left = (uint32_t)n;
        }
        uint32_t batch = f->calls[in->step].parallel ? in->left : 1;
        in->left -= batch;
        in->pending = batch;
        in->issuing = 1;
        for (uint32_t k = 0; k < batch; k++) {
            issue_call(st, slot, 1, f->calls[st->inst[slot].step].retry.base_ms);
            if (st->inst[slot].epoch != epoch)
                return;
        }
        st->inst[slot].issuing = 0;
    }
}

static void on_compute_done(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    if (inst_of(st, arg))
        run_steps(st, sim_payload_of(arg));
}

static void function_reply(void *state, world *w, uint32_t req, attempt_result result);

/* Version v's duration, cold start and error rate (0: the function's own). */
static const dist *version_duration(const function_spec *f, uint32_t v)
{
    return v ? &f->deploy[v - 1].duration_ms : &f->duration_ms;
}

static const dist *version_cold_start(const function_spec *f, uint32_t v)
{
    return v ? &f->deploy[v - 1].cold_start_ms : &f->cold_start_ms;
}

/* The handler's time for a request of `items` items (a batch is handled item by item: the
 * sum of one draw per item, at the function's CPU share) and how it ends: a timeout cuts it
 * at timeout_s; else an error with error_rate; else it fails only on poisoned items. */
static attempt_result draw_outcome(function_state *st, uint32_t version, uint32_t items, bool poison,
                                   double recorded_ms, double *run_ms)
{
    const function_spec *f = st->f;
    const dist *duration = version_duration(f, version);
    double error_rate = version ? f->deploy[version - 1].error_rate : f->error_rate;
    double ms = 0;
    if (recorded_ms >= 0) {
        ms = recorded_ms;           /* a replayed trace's own duration, as recorded */
    } else {
        for (uint32_t k = items; k > 0; k--)
            ms += dist_sample(duration, st->r_duration);
        ms *= f->speed_factor;
    }
    attempt_result result = RESULT_OK;
    if (ms > f->timeout_ms) {
        ms = f->timeout_ms;
        result = RESULT_TIMEOUT;
    } else if (error_rate > 0 && gsl_rng_uniform(st->r_error) < error_rate) {
        result = RESULT_ERROR;
    } else if (poison) {
        result = RESULT_PARTIAL;
    }
    *run_ms = ms;
    return result;
}

/* Refills the scale-up bucket to now; true when a new environment may start (the caller
 * then takes the token). */
static bool scale_token_ready(function_state *st, double now)
{
    st->tokens = fmin(st->f->scale_burst, st->tokens + (now - st->tokens_t) * st->f->scale_per_10s / 10.0);
    st->tokens_t = now;
    return st->tokens >= 1.0;
}

/* An instance of version v for a new request: an idle provisioned one, else the most
 * recently used idle one of that version (expired ones are discarded on the way; while a
 * version deploys, two share the stack), else a new one (cold) if the pool and the
 * scale-up bucket allow. UINT32_MAX: throttled. */
static uint32_t take_instance(function_state *st, world *w, double now, int *cold_out, uint32_t v)
{
    uint32_t slot = UINT32_MAX;
    int cold = 0;
    if (st->unit) {
        /* One unit serves every execution while loaded: warm; else it loads (cold). */
        if (st->pool_busy && *st->pool_busy >= st->pool_limit)
            return UINT32_MAX;
        ka_unit *u = st->unit;
        bool loaded = unit_loaded(u, now);
        if (!loaded) {
            if (!scale_token_ready(st, now))
                return UINT32_MAX;
            if (u->pool && !pool_make_room(u->pool, u->gb, now))
                return UINT32_MAX;         /* the host is full of running units */
            st->tokens -= 1.0;
            if (u->pool) {
                u->pool->used_gb += u->gb;
                u->resident = true;
                u->freq = 0;
            }
        } else if (u->pool && u->heap_pos != UINT32_MAX) {
            heap_remove(u->pool, u);       /* a warm hit: running, not evictable */
        }
        if (st->n_free == 0 && grow_slots(st) != 0) {
            w->out_of_memory = 1;
            return UINT32_MAX;
        }
        slot = st->free_slots[--st->n_free];
        st->inst[slot].provisioned = 0;
        st->inst[slot].conns = 0;
        unit_arrive(st->unit, now);
        *cold_out = !loaded;
        return slot;
    }
    if (st->n_idle_pc) {
        slot = st->idle_pc[--st->n_idle_pc];
    } else if (st->pool_busy && *st->pool_busy >= st->pool_limit) {
        return UINT32_MAX;
    } else {
        for (uint32_t j = st->n_idle; j > 0; j--) {
            uint32_t top = st->idle[j - 1];
            instance *in = &st->inst[top];
            bool expired = in->expiry <= now;
            if (!expired && in->version != v)
                continue;               /* the other version's: stays */
            memmove(&st->idle[j - 1], &st->idle[j], (st->n_idle - j) * sizeof *st->idle);
            st->n_idle--;
            if (!expired) {
                idle_span(st, in->idle_since, now);
                slot = top;
                break;
            }
            discard_instance(st, top);
        }
    }
    if (slot == UINT32_MAX) {
        if (!scale_token_ready(st, now))
            return UINT32_MAX;
        /* Every slot taken: within the limits checked above that happens only while two
         * versions deploy (their idle environments cannot serve each other); the platform
         * then reclaims the other version's least recently used one. */
        if (st->n_free == 0 && grow_slots(st) != 0 && !reclaim_idle(st, v, now)) {
            w->out_of_memory = 1;       /* memory ran out */
            return UINT32_MAX;
        }
        st->tokens -= 1.0;
        slot = st->free_slots[--st->n_free];
        st->inst[slot].provisioned = 0;
        st->inst[slot].conns = 0;
        st->inst[slot].version = v;
        st->inst[slot].cached_at = -INFINITY;
        cold = 1;
    } else if (st->inst[slot].provisioned) {
        idle_span(st, st->inst[slot].idle_since, now);
    }
    *cold_out = cold;
    return slot;
}

/* ---- instances serving several requests at once (Cloud Run) -----------------------------
 * An instance takes requests while it serves fewer than `concurrency`; a new request goes
 * to a busy instance with room before an idle or new one. The instance is billed for its
 * busy periods (from its first request to its last one ending), each rounded up as the
 * provider rounds, not for the sum of its requests' durations. Requests on one instance do
 * not slow each other down here. */

static bool is_open(const function_state *st, const instance *in)
{
    return in->active > 0 && in->active < st->f->concurrency;
}

/* Keeps the open list right after an instance's active count moved from `was`. */
static void open_update(function_state *st, uint32_t slot, bool was_open)
{
    instance *in = &st->inst[slot];
    bool now_open = is_open(st, in);
    if (now_open && !was_open) {
        in->open_pos = st->n_open;
        st->open[st->n_open++] = slot;
    } else if (!now_open && was_open) {
        uint32_t last = st->open[--st->n_open];
        st->open[in->open_pos] = last;
        st->inst[last].open_pos = in->open_pos;
    }
}

/* A busy period of an instance, billed as one for its part inside the window, rounded up. */
static void bill_busy(function_state *st, double start, double end)
{
    const world *w = st->w;
    double a = fmax(start, w->t_start), b = fmin(end, w->t_end);
    if (b <= a)
        return;
    uint64_t billed = billed_ms_of(st->f, (b - a) * 1000.0 - 1e-6);
    st->billed_ms += billed;
    if (st->f->cpu_per_s > 0)
        st->cpu_units += (double)billed / 1000.0 * st->f->cpu_per_s;
}

static void on_concurrent_end(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    world *w = st->w;
    double now = sim_now(s);
    uint32_t slot = sim_payload_of(arg), req = sim_gen_of(arg);
    instance *in = &st->inst[slot];
    bool was = is_open(st, in);
    in->active--;
    open_update(st, slot, was);
    if (in->active == 0) {
        bill_busy(st, in->busy_start, now);      /* the busy period ends */
        busy_span(st, in->busy_start, now);
        release_instance(st, slot, now);
    }
    if (req != UINT32_MAX)
        world_reply(w, req, (attempt_result)w->req[req].result);
}

static void concurrent_accept(function_state *st, world *w, uint32_t req)
{
    const function_spec *f = st->f;
    double now = sim_now(w->s);
    uint32_t slot;
    int cold = 0;
    if (st->n_open) {
        slot = st->open[st->n_open - 1];        /* the most recent busy instance with room */
    } else {
        if (f->reserved >= 0 && st->busy >= (uint32_t)f->reserved) {
            throttle(st, w, req, now);
            return;
        }
        slot = take_instance(st, w, now, &cold, st->version);
        if (slot == UINT32_MAX) {
            throttle(st, w, req, now);
            return;
        }
    }
    instance *in = &st->inst[slot];
    bool was = is_open(st, in);
    if (in->active == 0) {
        st->busy++;
        if (st->pool_busy)
            (*st->pool_busy)++;
        gauge_add(&st->concurrency, now, 1.0);
        in->busy_start = now;
    }
    in->active++;
    open_update(st, slot, was);
    double init_ms = cold ? dist_sample(&f->cold_start_ms, st->r_cold) : 0.0;
    double run_ms;
    attempt_result result = draw_outcome(st, st->version, 1, false, w->req[req].run_ms, &run_ms);
    double end = now + (init_ms + run_ms) / 1000.0;
    if (world_measuring(w, now)) {
        st->invocations++;
        st->time_inside_s += end - now;
        if (cold) {
            st->cold_starts++;
            st->init_ms_sum += init_ms;
            series_add(&st->w->ts[TS_COLD_STARTS], now, 1.0);
        }
        if (result == RESULT_ERROR)
            st->errors++;
        else if (result == RESULT_TIMEOUT)
            st->timeouts++;
    }
    request *r = &w->req[req];
    r->result = (uint8_t)result;
    uint32_t reply = req;
    if (end > r->deadline) {
        reply = UINT32_MAX;           /* the client gives up first; the request runs on */
        sim_at(w->s, r->deadline, on_client_gave_up, w, req);
    }
    sim_at(w->s, end, on_concurrent_end, st, sim_gen_pack(reply, slot));
}



static void function_accept(void *state, world *w, uint32_t req)
{
    function_state *st = state;
    const function_spec *f = st->f;
    if (f->concurrency > 1) {
        concurrent_accept(st, w, req);
        return;
    }
    double now = sim_now(w->s);
    if (f->reserved >= 0 && st->busy >= (uint32_t)f->reserved) {
        throttle(st, w, req, now);
        return;
    }
    uint16_t tenant = w->req[req].tenant;
    if (st->tenant_busy && st->tenant_busy[tenant] >= f->tenant_limit[tenant]) {
        throttle(st, w, req, now);      /* the tenant's bulkhead is full */
        return;
    }
    /* While a version deploys it takes its share of the invocations. */
    uint32_t v = st->cand && gsl_rng_uniform(st->r_deploy) < st->share ? st->cand : st->version;
    int cold = 0;
    uint32_t slot = take_instance(st, w, now, &cold, v);
    if (slot == UINT32_MAX) {
        throttle(st, w, req, now);
        return;
    }
    instance *in = &st->inst[slot];
    in->version = v;         /* a provisioned instance serves either version */

    double init_ms = cold ? dist_sample(version_cold_start(f, v), st->r_cold) : 0.0;
    double run_ms;
    attempt_result result = draw_outcome(st, v, w->req[req].items, w->req[req].poison, w->req[req].run_ms, &run_ms);
    double end = now + (init_ms + run_ms) / 1000.0;
    request *r = &w->req[req];
    bool measuring = world_measuring(w, now);
    in->result = (uint8_t)result;
    in->source = r->source;
    in->tenant = r->tenant;
    in->created = r->created;
    in->traced = r->measured || r->traced;
    st->busy++;
    if (st->tenant_busy)
        st->tenant_busy[in->tenant]++;
    if (st->pool_busy && !in->provisioned)
        (*st->pool_busy)++;
    gauge_add(&st->concurrency, now, 1.0);
    if (measuring && f->provider == PROVIDER_CLOUDFLARE_WORKERS)
        st->cpu_units += f->has_cpu_ms ? dist_sample(&f->cpu_ms, st->r_cpu) : run_ms;
    if (measuring) {
        st->invocations++;
        if (cold) {
            st->cold_starts++;
            st->init_ms_sum += init_ms;
            series_add(&st->w->ts[TS_COLD_STARTS], now, 1.0);
        }
        if (in->provisioned)
            st->on_provisioned++;
    }
    if (f->has_sync && result == RESULT_OK) {
        /* The handler's own time, then its calls: the end is not known yet. */
        in->epoch++;
        in->measured = measuring;
        in->started = now;
        in->deadline = now + (init_ms + f->timeout_ms) / 1000.0;
        in->step = in->in_step = in->issuing = in->forwarded = 0;
        in->left = in->pending = 0;
        in->serving = req;
        if (r->deadline <= end) {
            in->serving = UINT32_MAX;
            sim_at(w->s, r->deadline, on_client_gave_up, w, req);
        } else if (r->deadline < in->deadline) {
            sim_at(w->s, r->deadline, on_client_deadline, st, inst_arg(st, slot));
        }
        sim_at(w->s, end, on_compute_done, st, inst_arg(st, slot));
        return;
    }
    busy_span(st, now, end);
    if (measuring) {
        /* The provider's rounding (Lambda: 1 ms); the 1e-9 keeps 2.007 s * 1000 from
         * billing 2,008 ms. */
        uint64_t billed = billed_ms_of(f, init_ms + run_ms - 1e-9);
        if (f->cpu_per_s > 0)
            st->cpu_units += (double)billed / 1000.0 * f->cpu_per_s;
        st->time_inside_s += end - now;
        if (in->provisioned)
            st->billed_ms_pc += billed;
        else
            st->billed_ms += billed;
        if (end > r->deadline)
            st->wasted_ms += billed;
        if (result == RESULT_ERROR || result == RESULT_PARTIAL)
            st->errors++;
        else if (result == RESULT_TIMEOUT)
            st->timeouts++;
    }
    if (end > r->deadline) {
        /* The client gives up first; the function runs on and is billed. */
        in->serving = UINT32_MAX;
        sim_at(w->s, r->deadline, on_client_gave_up, w, req);
    } else {
        in->serving = req;
    }
    sim_at(w->s, end, on_end, st, slot);
}


/* ---- asynchronous invocation ----------------------------------------------------------
 * An event handed over asynchronously waits in the platform's event queue (here: it is
 * dispatched at once) and is invoked with this function as its own caller. Function errors
 * and timeouts are retried max_retry_attempts times, 1 then 2 minutes later; throttles are
 * retried with backoff from 1 s doubling to 5 minutes (equal jitter: each wait is drawn
 * from [d/2, d]); an event older than max_event_age_s
 * is not retried. A failed event goes to on_failure (then counts as dead-lettered) or is
 * dropped (retries exhausted) or expired (too old). */

#define ASYNC_THROTTLE_FIRST_MS 1000.0
#define ASYNC_THROTTLE_CAP_MS   300000.0

static void on_async_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    function_state *st = target;
    st->w->req[(uint32_t)arg].deadline = INFINITY;
    function_accept(st, st->w, (uint32_t)arg);
}

static void function_enqueue(void *state, world *w, uint32_t req)
{
    function_state *st = state;
    double now = sim_now(w->s);
    request *r = &w->req[req];
    bool measuring = world_measuring(w, now);
    r->caller = st->index;
    r->attempt = 1;
    r->entered = now;
    r->deadline = INFINITY;
    r->backoff_prev_ms = ASYNC_THROTTLE_FIRST_MS;
    if (measuring) {
        st->async_events++;
        /* 1 request per 256 KB, plus 1 per further 64 KB. */
        if (r->size_kb > 256)
            st->async_extra_requests += (uint64_t)ceil((r->size_kb - 256) / 64 - 1e-9);
    }
    /* At least once: some events are delivered twice. The copy is not a request of its own. */
    if (st->f->async_duplicate_rate > 0 && !r->duplicate &&
        gsl_rng_uniform(st->r_async) < st->f->async_duplicate_rate) {
        uint32_t dup = world_request_new(w);
        if (dup != UINT32_MAX) {
            request *d = &w->req[dup];
            *d = w->req[req];          /* the pool may have moved: re-read */
            d->measured = 0;
            d->duplicate = 1;
            d->next_free = 0;
            d->live = 1;
            if (measuring)
                st->async_duplicates++;
            sim_at(w->s, now, on_async_retry, st, dup);
        }
    }
    function_accept(st, w, req);
}

/* An event that will not be retried again: to on_failure, or dropped / expired. */
static void async_give_up(function_state *st, world *w, uint32_t req, bool too_old)
{
    bool measuring = world_measuring(w, sim_now(w->s));
    const function_spec *f = st->f;
    if (f->on_failure >= 0) {
        if (measuring)
            st->async_to_on_failure++;
        request *r = &w->req[req];
        bool counted = r->measured;
        if (counted) {
            /* The event ends here as a request; the destination holds a message. */
            w->counts.dead_lettered++;
            r->measured = 0;
        }
        r->caller = CALLER_CLIENT;
        world_enqueue(w, f->on_failure, req);
        return;
    }
    if (too_old) {
        if (measuring)
            st->async_expired++;
        world_finish(w, req, OUTCOME_EXPIRED);
    } else {
        if (measuring)
            st->async_dropped++;
        world_finish(w, req, OUTCOME_DROPPED);
    }
}

static void function_reply(void *state, world *w, uint32_t req, attempt_result result)
{
    function_state *st = state;
    if (w->req[req].is_call) {
        call_reply(st, w, req, result);
        return;
    }
    const function_spec *f = st->f;
    request *r = &w->req[req];
    double now = sim_now(w->s);
    if (result == RESULT_OK) {
        world_finish(w, req, OUTCOME_COMPLETED);
        return;
    }
    if (result == RESULT_PARTIAL)
        result = RESULT_ERROR;     /* an event is one item: it failed */
    double delay_s;
    if (result == RESULT_THROTTLED) {
        /* Equal jitter, so that events throttled together do not all return together. */
        delay_s = r->backoff_prev_ms / 1000.0 * (0.5 + 0.5 * gsl_rng_uniform(st->r_async));
        r->backoff_prev_ms = fmin(2 * r->backoff_prev_ms, ASYNC_THROTTLE_CAP_MS);
    } else {
        if (r->attempt > f->async_max_retries) {
            async_give_up(st, w, req, false);
            return;
        }
        delay_s = 60.0 * (double)(1u << (r->attempt - 1));   /* 1 min, then 2 min */
        r->attempt++;
    }
    if (now + delay_s - r->entered > f->async_max_age_s) {
        async_give_up(st, w, req, true);
        return;
    }
    if (world_measuring(w, now))
        st->async_retries++;
    sim_at(w->s, now + delay_s, on_async_retry, st, req);
}

static void function_finish(void *state, world *w)
{
    function_state *st = state;
    double end = w->t_end;
    /* Instances still busy (concurrency > 1) are billed up to the window's end. */
    for (uint32_t i = 0; st->f->concurrency > 1 && i < st->cap_slots; i++)
        if (st->inst[i].active > 0) {
            bill_busy(st, st->inst[i].busy_start, end);
            busy_span(st, st->inst[i].busy_start, end);
        }
    gauge_close(&st->concurrency, end);
    for (uint32_t i = 0; i < st->n_idle; i++) {
        instance *in = &st->inst[st->idle[i]];
        idle_span(st, in->idle_since, fmin(in->expiry, end));
    }
    for (uint32_t i = 0; i < st->n_idle_pc; i++)
        idle_span(st, st->inst[st->idle_pc[i]].idle_since, end);
    pc_account(st, end);
    if (st->owns_unit && st->unit->running == 0 && st->unit->ended)
        unit_close_idle(st->unit, end);
}

static void function_report(const void *spec, const void *state, metric_sink *m)
{
    const function_spec *f = spec;
    const function_state *st = state;
    function_state zero = { 0 };
    if (!st)
        st = &zero;
    double window = st->w ? st->w->spec->duration_s : 1.0;
    double inv = (double)st->invocations;
    double gb = f->memory_mb / 1024.0;
    metric_emit(m, "invocations", inv);
    metric_emit(m, "cold_starts", (double)st->cold_starts);
    metric_emit(m, "cold_start_ratio", inv > 0 ? (double)st->cold_starts / inv : 0.0);
    metric_emit(m, "cold_start_ms_mean", st->cold_starts ? st->init_ms_sum / (double)st->cold_starts : NAN);
    metric_emit(m, "throttles", (double)st->throttles);
    metric_emit(m, "errors", (double)st->errors);
    metric_emit(m, "timeouts", (double)st->timeouts);
    metric_emit(m, "mean_concurrency", st->busy_s.total / window);
    metric_emit(m, "max_concurrency", st->concurrency.max);
    metric_emit(m, "mean_instances", (st->busy_s.total + st->idle_s.total) / window);
    metric_emit(m, "idle_instance_s", st->idle_s.total);
    metric_emit(m, "billed_gb_s", (double)(st->billed_ms + st->billed_ms_pc) / 1000.0 * gb);
    metric_emit(m, "mean_duration_ms", inv > 0 ? 1000.0 * st->time_inside_s / inv : 0.0);
    metric_emit(m, "provisioned_invocations", (double)st->on_provisioned);
    if (f->provisioned)
        metric_emit(m, "mean_provisioned", st->pc_area / window);
    metric_emit(m, "throughput_per_s", inv / window);
    metric_emit(m, "async_events", (double)st->async_events);
    metric_emit(m, "async_retries", (double)st->async_retries);
    metric_emit(m, "async_expired", (double)st->async_expired);
    metric_emit(m, "async_to_on_failure", (double)st->async_to_on_failure);
    metric_emit(m, "async_dropped", (double)st->async_dropped);
    metric_emit(m, "async_duplicates", (double)st->async_duplicates);
    metric_emit(m, "messages_sent", (double)st->messages_sent);
    metric_emit(m, "wasted_gb_s", (double)st->wasted_ms / 1000.0 * gb);
    function_figures ff;
    function_figures_of(spec, state, &ff);
    metric_emit(m, "idle_gb_s", ff.idle_gb_s);
    metric_emit(m, "prewarms", st->owns_unit ? (double)st->unit->prewarms : 0.0);
    metric_emit(m, "evictions", st->owns_unit ? (double)st->unit->evictions : 0.0);
    metric_emit(m, "deployments", (double)st->deployments);
    if (f->n_deploy) {
        metric_emit(m, "rollbacks", (double)st->rollbacks);
        metric_emit(m, "new_version_invocations", (double)st->new_invocations);
        metric_emit(m, "new_version_errors", (double)st->new_errors);
    }
    if (f->cache_hit_ratio > 0) {
        double lookups = (double)(st->cache_hits + st->cache_misses);
        metric_emit(m, "cache_hits", (double)st->cache_hits);
        metric_emit(m, "cache_misses", (double)st->cache_misses);
        metric_emit(m, "cache_hit_ratio", lookups > 0 ? (double)st->cache_hits / lookups : NAN);
    }
    for (size_t i = 0; i < f->n_calls; i++) {
        const function_call *c = &f->calls[i];
        if (!c->sync)
            continue;
        const step_state *ss = st->steps ? &st->steps[i] : NULL;
        step_state none = { 0 };
        if (!ss)
            ss = &none;
        char key[128];
#define EMIT(what, v) do { snprintf(key, sizeof key, "calls.%s." what, c->name); metric_emit(m, key, (v)); } while (0)
        EMIT("calls", (double)ss->calls);
        EMIT("attempts", (double)ss->attempts);
        EMIT("attempts_per_call", ss->calls ? (double)ss->attempts / (double)ss->calls : NAN);
        EMIT("failed", (double)ss->failed);
        EMIT("fallbacks", (double)ss->fallbacks);
        EMIT("fast_failures", (double)ss->fast_failures);
        EMIT("breaker_opens", (double)ss->opens);
        EMIT("breaker_open_s", ss->open_s);
        EMIT("duplicate_side_effects", (double)ss->duplicates);
#undef EMIT
    }
}

void function_figures_of(const void *spec, const void *state, function_figures *out)
{
    const function_spec *f = spec;
    const function_state *st = state;
    double gb = f->memory_mb / 1024.0;
    *out = (function_figures){ .app = f->app };
    if (!st || !st->w)
        return;
    out->invocations = (double)st->invocations;
    out->cold_starts = (double)st->cold_starts;
    out->billed_gb_s = (double)(st->billed_ms + st->billed_ms_pc) / 1000.0 * gb;
    /* Loaded but idle memory time: its instances'; a unit's is shared by its functions in
     * proportion to their memory. */
    out->idle_gb_s = st->unit ? st->unit->idle_loaded_s * gb : st->idle_s.total * gb;
}

static void function_meter(const void *spec, const void *state, const world *w, size_t index,
                           usage *u)
{
    (void)w;
    const function_spec *f = spec;
    const function_state *st = state;
    lambda_usage *l = &u->lambda[index];
    double gb = f->memory_mb / 1024.0;
    l->used = true;
    l->edge = f->edge != 0;
    l->arch = f->arch;
    l->provisioned = f->provisioned > 0;
    l->requests = (double)(st->invocations + st->async_extra_requests);
    l->gb_s = (double)st->billed_ms / 1000.0 * (f->provider == PROVIDER_AWS ? gb : f->bill_gb);
    l->cpu_units = st->cpu_units;
    if (f->provider == PROVIDER_AWS) {
        l->ephemeral_gb_s = (double)(st->billed_ms + st->billed_ms_pc) / 1000.0 * (f->ephemeral_mb - 512) / 1024.0;
        l->log_gb = (double)st->invocations * f->log_kb / 1048576.0;
    }
    l->pc_gb_s = (double)st->billed_ms_pc / 1000.0 * gb;
    /* Configured for the whole window, so for the whole month once extrapolated (a month is
     * a whole number of the 5-minute billing steps). */
    l->pc_capacity_gb_s = st->pc_area * gb;
}

bool function_is_edge(const void *spec)
{
    return ((const function_spec *)spec)->edge != 0;
}

/* Synchronous call steps: the invocation waits for each call (asynchronous steps are no
 * edge: the function goes on). */
static bool function_calls(const void *spec, const char *path, size_t i, component_edge *e)
{
    const function_spec *f = spec;
    for (size_t k = 0; k < f->n_calls; k++)
        if (f->calls[k].sync && i-- == 0) {
            e->target = f->calls[k].target;
            snprintf(e->path, sizeof e->path, "%s.calls[%zu].target", path, k);
            return true;
        }
    return false;
}

const component_kind function_kind = {
    .name = "function",
    .plural = "functions",
    .parse = function_parse,
    .free_spec = function_free_spec,
    .link = function_link,
    .calls = function_calls,
    .start = function_start,
    .accept = function_accept,
    .enqueue = function_enqueue,
    .reply = function_reply,
    .finish = function_finish,
    .report = function_report,
    .meter = function_meter,
    .free_state = function_free_state,
    .reclaim = function_reclaim,
};
