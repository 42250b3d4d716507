/* spec.c — a function's JSON spec read into a function_spec (parse), its links to other
 * components resolved (link), and freed. Nothing here runs during a simulation.
 *
 * Invariants of a parsed spec: every key is checked and written back resolved (defaults
 * filled in, absent options as null), so the echoed scenario says what ran; limit is the
 * most instances busy at once (the reservation, or the account's pool); provisioned is the
 * largest count of the provisioned schedule; each deployment starts after the previous one
 * has rolled out; a call's target and conn bit, and on_failure, are component indices
 * valid only after link. */
#include "models/function/internal.h"
#include "models/network.h"

static const char *const runtime_names[] = { "nodejs", "python", "java", "go", "ruby",
                                             "dotnet", "container", NULL };
/* A cold start is platform time (placing the sandbox, fetching the code: the client waits,
 * nobody is billed) and init time (the runtime and the function's own initialisation;
 * Lambda bills it since 1 August 2025). Defaults by provider, runtime and architecture, each
 * a lognormal (median, p99) in ms; see docs/reference.md, "Cold-start defaults". Runtimes in the order
 * of runtime_names. */
typedef struct cold_figures { double median, p99; } cold_figures;
/* Lambda's Init Duration, hello-world functions, ZIP packages: lambda-perf
 * (github.com/maxday/lambda-perf), every sample of 1-23 December 2025 pooled over 128 to
 * 1,024 MB (it does not move with memory: nodejs22.x x86_64 141, 134, 146, 140 ms medians).
 * Runtimes: nodejs22.x, python3.13, java21, provided.al2023 (Go), ruby3.3, dotnet8; a
 * container image: Shilkov's 2021 container figure (no newer published one). */
static const cold_figures aws_init[7][2] = {
    { { 139.9, 208.7 }, { 112.8, 157.2 } }, { { 102.8, 173.6 }, { 82.9, 114.4 } },
    { { 268.3, 356.2 }, { 227.8, 324.5 } }, { { 51.3, 70.4 }, { 38.2, 48.5 } },
    { { 228.2, 386.6 }, { 206.0, 371.1 } }, { { 255.3, 504.3 }, { 264.9, 602.9 } },
    { { 795, 1561 }, { 795, 1561 } },
};
/* Lambda's platform time (not billed): an assumption bounded by two publications. Shilkov's
 * client-seen hello-world cold starts (median JS 202, Python 245, Ruby 243 ms) less
 * lambda-perf's Init Duration leave 30-140 ms; "within 400 ms, almost always within 700 ms"
 * client-side (mikhail.io/serverless/coldstarts/aws/) bounds the tail. */
static const cold_figures aws_platform = { 100, 400 };
/* Shilkov's 2021 client-seen Lambda cold starts by runtime (the defaults before this split);
 * Cloud Run keeps them until it has published figures of its own. */
static const cold_figures lambda_2021[7] = { { 264, 692 }, { 215, 627 }, { 372, 774 }, { 307, 778 },
                                             { 277, 702 }, { 517, 1311 }, { 795, 1561 } };
/* Azure Functions Consumption and Google Cloud Functions (1st gen): client-seen cold starts
 * by language (Shilkov, mikhail.io/serverless/coldstarts/azure/ and /gcp/, data in
 * github.com/mikhailshilkov/mikhailio-hugo data/coldstart_*_bylanguage*.json): medians, and
 * p99 from a lognormal through the published 95% range's top (the 97.5th percentile). Both
 * bill the execution only, so it is all platform time. Languages with no published figure
 * take the JavaScript one (marked "assumption" in docs/reference.md). Azure: Windows plan for JS, C#,
 * Java; Linux for Python. */
static const double azure_median[7] = { 3967, 15540, 2293, 3967, 3967, 1633, 3967 };
static const double azure_p975[7]   = { 12426, 21275, 14923, 12426, 12426, 8483, 12426 };
static const double gcf_median[7]   = { 1375, 2433, 1375, 1144, 1375, 1375, 1375 };
static const double gcf_p975[7]     = { 2289, 4707, 2289, 2090, 2289, 2289, 2289 };
/* A bigger deployment package: its download is platform time, about 6 ms per MB (a 2025
 * write-up: 10 MB 50-100 ms, 50 MB 200-400 ms; an assumption for every runtime); a
 * JavaScript package's modules are also loaded at init: Shilkov's JS measurements (14 MB:
 * 1.7 s, 35 MB: 3.9 s) give 104.8 ms per MB in all, so 98.8 ms of init per MB on nodejs. No
 * other runtime has a published slope. */
#define PLATFORM_MS_PER_PACKAGE_MB 6.0
#define JS_INIT_MS_PER_PACKAGE_MB (2200.0 / 21.0 - PLATFORM_MS_PER_PACKAGE_MB)
/* SnapStart's restore: AWS says startup "as low as sub-second" and publishes no distribution
 * of Restore Duration; median 200 ms, p99 700 ms is an assumption (README says so). */
static const cold_figures snapstart_restore = { 200, 700 };

static const char *const arch_names[] = { "x86_64", "arm64", NULL };
/* The Azure Functions trace's trigger classes. */
static const char *const trigger_names[] = { "http", "queue", "event", "timer", "storage",
                                             "orchestration", "others", NULL };
static const char *const keep_names[] = { "fixed", "uniform", "none", "forever", "hybrid",
                                           "greedy-dual", NULL };
static const char *const scope_names[] = { "instance", "function", "app", NULL };

void function_free_spec(void *p)
{
    function_spec *f = p;
    if (!f)
        return;
    dist_free(&f->duration_ms);
    dist_free(&f->cold_start_ms);
    dist_free(&f->platform_ms);
    dist_free(&f->cpu_ms);
    free(f->on_failure_name);
    free(f->app);
    for (size_t i = 0; i < f->n_deploy; i++) {
        dist_free(&f->deploy[i].duration_ms);
        dist_free(&f->deploy[i].platform_ms);
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
    call->response_kb = cfg_number(c, "response_kb", 1, 0, 1048576);
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

/* idempotency: {"store": "<service>"}: every invocation first writes its event's key to the
 * store (a synchronous step, calls[0], with the SDK's retries and the store's latency,
 * throttles and price), and a delivery whose key another delivery of the same event holds
 * skips its handler (async.c). Powertools for AWS Lambda writes the record before the handler
 * and deletes it when the handler fails; its update to "completed" afterwards is a second
 * write this model leaves out. {} (no store) checks nothing but reports the duplicate side
 * effects, the baseline to compare with; without the key the function reports neither (an
 * absent key stays absent in the resolved scenario, so its figures stay the same). */
static void parse_idempotency(cfg_node *n, function_spec *f)
{
    f->count_effects = cfg_has(n, "idempotency");
    if (!f->count_effects)
        return;
    cfg_node k;
    cfg_object(n, "idempotency", &k);
    const char *store = cfg_string(&k, "store", NULL);
    cfg_done(&k);
    if (cfg_failed(n) || !store)
        return;
    for (size_t j = 0; j < f->n_calls; j++)
        if (strcmp(f->calls[j].name, "idempotency") == 0) {
            cfg_fail(n, "calls", "a step is named \"idempotency\", which names the key's check: "
                     "rename the step");
            return;
        }
    function_call *calls = realloc(f->calls, (f->n_calls + 1) * sizeof *calls);
    if (!calls) {
        cfg_fail(n, "idempotency", "out of memory");
        return;
    }
    memmove(calls + 1, calls, f->n_calls * sizeof *calls);
    static const retry_policy sdk = { .max_attempts = 3, .base_ms = 1000, .cap_ms = 20000,
                                      .jitter = JITTER_FULL };
    calls[0] = (function_call){ .target_name = strdup(store), .name = strdup("idempotency"),
                                .target = -1, .mode = 1, .sync = true, .idempotent = true,
                                .count = dist_constant(1), .size_kb = 1, .response_kb = 1,
                                .timeout_s = INFINITY,
                                .retry = sdk, .conn = -1 };
    f->calls = calls;
    f->n_calls++;
    f->idempotency = true;
    if (!calls[0].target_name || !calls[0].name)
        cfg_fail(n, "idempotency", "out of memory");
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
        /* Flex instances are 512, 2,048 or 4,096 MB, billed at the instance's memory for
         * each period it executes, 1,000 ms at least, then rounded up to 100 ms. */
        f->memory_mb = (double)cfg_integer(n, "memory_mb", 2048, 512, 4096);
        if (!cfg_failed(n) && f->memory_mb != 512 && f->memory_mb != 2048 && f->memory_mb != 4096)
            cfg_fail(n, "memory_mb", "Flex Consumption instances have 512, 2048 or 4096 MB, got %g", f->memory_mb);
        f->bill_gran_ms = 100;
        f->bill_min_ms = 1000;
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

/* keep_alive: {policy, scope, idle_s | min_idle_s, max_idle_s | hybrid's parameters}. */
static void parse_keep_alive(cfg_node *n, function_spec *f)
{
    cfg_node k;
    cfg_object(n, "keep_alive", &k);
    /* Cloud Run keeps an idle instance up to 15 minutes (its autoscaling documentation). */
    bool cloud_run = f->provider == PROVIDER_GCP_CLOUD_RUN;
    f->keep_alive = (keep_alive_policy)cfg_enum(&k, "policy", keep_names, cloud_run ? KEEP_FIXED : KEEP_UNIFORM);
    /* The hybrid policy is the paper's, kept per app; the others default to Lambda's own
     * environments, each kept alive on its own. */
    bool unit_policy = f->keep_alive == KEEP_HYBRID || f->keep_alive == KEEP_GREEDY_DUAL;
    f->scope = (keep_alive_scope)cfg_enum(&k, "scope", scope_names,
                                          unit_policy ? SCOPE_APP : SCOPE_INSTANCE);
    /* One container per execution under a host's memory (FaasCache's server): pool_gb with
     * scope "instance"; a window (fixed, uniform, hybrid) then evicts the expired idle
     * containers, then the least recently used, Greedy-Dual the lowest priority. The first
     * such function's pool_gb is the host's. */
    if (f->scope == SCOPE_INSTANCE && f->keep_alive != KEEP_GREEDY_DUAL && f->keep_alive != KEEP_NONE &&
        cfg_has(&k, "pool_gb"))
        f->pool_gb = cfg_number(&k, "pool_gb", 32, 0.125, 1e9);
    switch (f->keep_alive) {
    case KEEP_FIXED:
        f->idle_min_s = f->idle_max_s = cfg_number(&k, "idle_s", cloud_run ? 900 : 360, 0, 1e9);
        break;
    case KEEP_UNIFORM: {
        /* How long an idle instance lives, by provider: Lambda 5-7 minutes, Azure Functions
         * mostly 20-30 minutes, Cloud Functions 15 minutes (Shilkov's measurements; README,
         * "Where the defaults come from"). */
        double lo = 300, hi = 420;
        if (f->provider == PROVIDER_AZURE_CONSUMPTION || f->provider == PROVIDER_AZURE_FLEX)
            lo = 1200, hi = 1800;
        else if (f->provider == PROVIDER_GCP_FUNCTIONS_GEN1)
            lo = hi = 900;
        f->idle_min_s = cfg_number(&k, "min_idle_s", lo, 0, 1e9);
        f->idle_max_s = cfg_number(&k, "max_idle_s", hi, 0, 1e9);
        if (!cfg_failed(&k) && f->idle_max_s < f->idle_min_s)
            cfg_fail(&k, "max_idle_s", "must be at least min_idle_s (%g), got %g", f->idle_min_s,
                     f->idle_max_s);
        break;
    }
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
    f->instance_pool = f->scope == SCOPE_INSTANCE && f->pool_gb > 0;
    if (f->instance_pool) {
        /* When the host is full of running containers: the request is dropped (the published
         * simulator's choice), throttled (a 429 as at a concurrency limit, counted with the
         * throttles), or waits for memory in the host's first-in-first-out queue. */
        static const char *const on_full_names[] = { "drop", "throttle", "queue", NULL };
        f->on_full = (uint8_t)cfg_enum(&k, "on_full", on_full_names, ON_FULL_DROP);
        /* Greedy-Dual's frequency: the function's executions over its live containers (the
         * published policy gives every container of a function that sum), or each
         * container's own (a rarely used extra container then goes first). */
        static const char *const frequency_names[] = { "function", "container", NULL };
        if (f->keep_alive == KEEP_GREEDY_DUAL)
            f->gd_per_container = cfg_enum(&k, "frequency", frequency_names, 0) == 1;
    }
    cfg_done(&k);
    if (cfg_failed(n) || f->scope == SCOPE_INSTANCE) {
        /* Per instance, the hybrid policy's histogram is the function's idle times (between
         * its last running execution and its next arrival), which a shared instance's
         * requests would not tell apart. */
        if (!cfg_failed(n) && f->keep_alive == KEEP_HYBRID && f->concurrency > 1)
            cfg_fail(&k, "scope", "the hybrid policy per instance is modelled for one request per "
                     "instance (concurrency 1); use scope \"function\" or \"app\" with concurrency 1, "
                     "or another policy");
        return;
    }
    if (f->concurrency > 1)
        cfg_fail(&k, "scope", "a function or app kept as one unit is modelled with concurrency 1 "
                 "per execution; leave scope \"instance\" with concurrency > 1");
}

/* A lognormal through (median, p97.5), as (median, p99). */
static dist lognormal_median_p975(double median, double p975)
{
    return dist_lognormal_median_p99(median, median * pow(p975 / median, 2.326 / 1.960));
}

/* A lognormal (median, p99) shifted right by add ms, its spread kept. */
static dist lognormal_plus(cold_figures c, double add)
{
    double median = c.median + add;
    return dist_lognormal_median_p99(median, median * c.p99 / c.median);
}

/* The default init time (billed where the provider bills it) of a package of package_mb on
 * the function's provider, runtime and architecture. */
static dist default_init(const function_spec *f, double package_mb)
{
    int rt = f->runtime < 0 ? 0 : f->runtime;
    switch (f->provider) {
    case PROVIDER_AWS:
        return lognormal_plus(aws_init[rt][f->arch], rt == 0 ? JS_INIT_MS_PER_PACKAGE_MB * package_mb : 0);
    case PROVIDER_GCP_CLOUD_RUN:
        /* Until Cloud Run has figures of its own: Lambda's 2021 client-seen ones (Shilkov,
         * by runtime), billed as before — README says so. */
        return lognormal_plus(lambda_2021[rt], (PLATFORM_MS_PER_PACKAGE_MB + JS_INIT_MS_PER_PACKAGE_MB) * package_mb);
    default:
        return dist_constant(0);   /* Azure, Cloud Functions: all platform; Workers: none */
    }
}

/* The default platform time (never billed). */
static dist default_platform(const function_spec *f, double package_mb)
{
    int rt = f->runtime < 0 ? 0 : f->runtime;
    double add = PLATFORM_MS_PER_PACKAGE_MB * package_mb;
    if (rt == 0 && f->provider != PROVIDER_AWS)
        add += JS_INIT_MS_PER_PACKAGE_MB * package_mb;   /* modules load before the first call */
    switch (f->provider) {
    case PROVIDER_AWS:
        return lognormal_plus(aws_platform, add);
    case PROVIDER_AZURE_CONSUMPTION:
    case PROVIDER_AZURE_FLEX: {
        dist d = lognormal_median_p975(azure_median[rt] + add, (azure_median[rt] + add) *
                                       azure_p975[rt] / azure_median[rt]);
        return d;
    }
    case PROVIDER_GCP_FUNCTIONS_GEN1:
        return lognormal_median_p975(gcf_median[rt] + add, (gcf_median[rt] + add) * gcf_p975[rt] / gcf_median[rt]);
    default:
        return dist_constant(0);
    }
}

/* snapstart: {restore_ms, versions} (Lambda, Java 11+, Python 3.12+, .NET 8+). The function is
 * initialised when a version is published, and a cold start restores that snapshot instead
 * of running init: the cold start's billed part is the restore (all of it: AWS bills the
 * runtime's load and afterRestore hooks, not the snapshot's fetch, and publishes no split, so
 * this is an upper bound), after the platform time as before. Python and .NET pay for the
 * snapshot's cache (GB-s of memory, for each published version kept) and each restore (GB of
 * memory); Java pays neither. */
static void parse_snapstart(cfg_node *n, function_spec *f)
{
    if (!cfg_has(n, "snapstart")) {
        cfg_put(n, "snapstart", cJSON_CreateNull());
        return;
    }
    cfg_node s;
    cfg_object(n, "snapstart", &s);
    dist restore_default = dist_lognormal_median_p99(snapstart_restore.median, snapstart_restore.p99);
    dist restore;
    dist_parse(&s, "restore_ms", &restore_default, 600000, &restore);
    f->snapstart_versions = (double)cfg_integer(&s, "versions", 1, 1, 1000);
    cfg_done(&s);
    if (cfg_failed(n)) {
        dist_free(&restore);
        return;
    }
    if (f->provider != PROVIDER_AWS)
        cfg_fail(n, "snapstart", "is Lambda's (provider \"aws\")");
    else if (f->runtime != 1 && f->runtime != 2 && f->runtime != 5)
        cfg_fail(n, "snapstart", "Lambda offers SnapStart for runtimes \"java\", \"python\" and \"dotnet\", "
                 "not \"%s\"", runtime_names[f->runtime]);
    else if (f->legacy_cold_start)
        cfg_fail(n, "snapstart", "replaces init with a restore: give init_ms and platform_ms (or "
                 "neither), not cold_start_ms");
    if (cfg_failed(n)) {
        dist_free(&restore);
        return;
    }
    dist_free(&f->cold_start_ms);
    f->cold_start_ms = restore;
    f->snapstart = true;
    f->snapstart_billed = f->runtime != 2;   /* Java's SnapStart costs nothing more */
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
    /* The version's cold start: its own cold_start_ms (all of it init, as for a function),
     * or the defaults for its package, or the function's. */
    if (cfg_has(d, "cold_start_ms")) {
        dist_parse(d, "cold_start_ms", NULL, 600000, &dp->cold_start_ms);
        dp->platform_ms = dist_constant(0);
    } else {
        cfg_put(d, "cold_start_ms", cJSON_CreateNull());
        if (has_package && f->snapstart) {
            /* A snapshot restores whatever the package: only its download moves. */
            dp->platform_ms = default_platform(f, package_mb);
            if (dist_copy(&dp->cold_start_ms, &f->cold_start_ms) != 0)
                cfg_fail(d, "cold_start_ms", "out of memory");
        } else if (has_package) {
            dp->cold_start_ms = default_init(f, package_mb);
            dp->platform_ms = f->legacy_cold_start ? dist_constant(0) : default_platform(f, package_mb);
        } else if (dist_copy(&dp->cold_start_ms, &f->cold_start_ms) != 0 ||
                   dist_copy(&dp->platform_ms, &f->platform_ms) != 0) {
            cfg_fail(d, "cold_start_ms", "out of memory");
        }
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
/* CloudWatch Logs' retention settings, in days (PutRetentionPolicy's allowed values). */
static const int retention_days_allowed[] = {
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653
};

/* Refuses key when the price table has no price for dim (a table of one's own). */
static void require_price(cfg_node *n, const world_spec *w, const char *key, const char *dim)
{
    if (!cfg_failed(n) && !price_find(&w->prices, dim))
        cfg_fail(n, key, "needs a price for \"%s\", which price table \"%s\" does not have",
                 dim, w->prices.name);
}

/* What seeing inside a Lambda function costs: "logs" (INFO lines, DEBUG lines for all or a
 * sample of invocations, storage by retention), "tracing" (X-Ray active tracing: its
 * sampling rule) and "metrics" (custom metrics by PutMetricData or the embedded metric
 * format). Each is off unless given, and modelled for Lambda only. */
static void parse_observability(cfg_node *n, function_spec *f, const world_spec *w)
{
    static const char *const keys[] = { "logs", "tracing", "metrics" };
    observability *o = &f->obs;
    for (size_t k = 0; k < 3; k++)
        if (!cfg_failed(n) && cfg_has(n, keys[k]) && f->provider != PROVIDER_AWS) {
            cfg_fail(n, keys[k], "is modelled for provider \"aws\" (CloudWatch Logs, X-Ray, "
                     "CloudWatch metrics) only%s", k == 0 ? "; set log_kb to what the code writes" : "");
            return;
        }
    if (cfg_has(n, "logs")) {
        static const char *const levels[] = { "info", "debug", NULL };
        cfg_node lg;
        cfg_object(n, "logs", &lg);
        /* Lambda's START, END and REPORT lines, as log_kb's default */
        f->log_kb = cfg_number(&lg, "kb_per_invocation", 0.3, 0, 1e6);
        int level = cfg_enum(&lg, "level", levels, 0);
        o->debug_kb = cfg_number(&lg, "debug_kb", 0, 0, 1e6);
        if (level == 1 && cfg_has(&lg, "debug_sample_rate"))
            cfg_fail(&lg, "debug_sample_rate", "level \"debug\" logs every invocation at DEBUG; "
                     "a sample rate raises a share of them from level \"info\"");
        o->debug_share = level == 1 ? 1.0 : cfg_number(&lg, "debug_sample_rate", 0, 0, 1);
        if (!cfg_failed(&lg) && o->debug_share > 0 && o->debug_kb <= 0)
            cfg_fail(&lg, "debug_kb", "DEBUG lines need their size: give debug_kb (KB an "
                     "invocation adds at DEBUG)");
        if (cfg_has(&lg, "retention_days")) {
            long long days = cfg_integer(&lg, "retention_days", 0, 1, 3653);
            size_t i = 0, count = sizeof retention_days_allowed / sizeof retention_days_allowed[0];
            while (i < count && retention_days_allowed[i] != days)
                i++;
            if (!cfg_failed(&lg) && i == count)
                cfg_fail(&lg, "retention_days", "CloudWatch Logs keeps logs 1, 3, 5, 7, 14, 30, 60, "
                         "90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
                         "3288 or 3653 days, not %lld", days);
            o->retention_days = (double)days;
            /* AWS's pricing calculator takes archived logs as 15% of what was ingested */
            o->archive_ratio = cfg_number(&lg, "archive_ratio", 0.15, 0.01, 1);
        } else {
            cfg_put(&lg, "retention_days", cJSON_CreateNull());   /* storage not priced */
        }
        cfg_done(&lg);
        if (o->retention_days > 0)
            require_price(n, w, "logs.retention_days", "logs.storage_gb_month");
    }
    if (cfg_has(n, "tracing")) {
        cfg_node tr;
        cfg_object(n, "tracing", &tr);
        o->tracing = true;
        /* X-Ray's default rule: the first request each second, then 5% of the rest */
        o->trace_reservoir = (uint32_t)cfg_integer(&tr, "reservoir_per_s", 1, 0, 1000000);
        o->trace_rate = cfg_number(&tr, "sample_rate", 0.05, 0, 1);
        o->trace_reads = cfg_number(&tr, "reads_per_trace", 1, 0, 1e6);
        cfg_done(&tr);
        require_price(n, w, "tracing", "tracing.traces_recorded");
        require_price(n, w, "tracing", "tracing.traces_read");
    }
    if (cfg_has(n, "metrics")) {
        static const char *const ways[] = { "api", "emf", NULL };
        cfg_node mt;
        cfg_object(n, "metrics", &mt);
        o->custom_metrics = (uint32_t)cfg_integer(&mt, "custom", 1, 0, 100000000);
        o->metrics_emf = cfg_enum(&mt, "publish", ways, 0) == 1;
        if (o->metrics_emf) {
            o->metrics_emf_kb = cfg_number(&mt, "emf_kb", 0.5, 0, 256);
            if (cfg_has(&mt, "api_requests_per_invocation"))
                cfg_fail(&mt, "api_requests_per_invocation", "the embedded metric format writes "
                         "its metrics into the logs: no PutMetricData requests");
        } else {
            o->metrics_api_calls = cfg_number(&mt, "api_requests_per_invocation", 1, 0, 1000);
            if (cfg_has(&mt, "emf_kb"))
                cfg_fail(&mt, "emf_kb", "is the embedded metric format's log line; set publish \"emf\"");
        }
        cfg_done(&mt);
        require_price(n, w, "metrics", "metrics.custom_metric_months");
        if (!o->metrics_emf)
            require_price(n, w, "metrics", "metrics.api_requests");
    }
}

/* Lambda@Edge (edge: viewer or origin trigger) and, for one with synchronous call steps,
 * region_rtt_ms: the round trip from the edge location to the region its calls' targets
 * live in. Not given, it is derived after the traffic is read (edge_link in models/cdn.c:
 * the source's network_rtt_ms less its edge_rtt_ms) and stays NAN until then. */
static void parse_edge(cfg_node *n, function_spec *f, const world_spec *w)
{
    static const char *const edges[] = { "none", "viewer", "origin", NULL };
    f->edge = cfg_enum(n, "edge", edges, 0);
    if (cfg_failed(n))
        return;
    if (!f->edge) {
        if (cfg_has(n, "region_rtt_ms"))
            cfg_fail(n, "region_rtt_ms", "is the round trip from a Lambda@Edge function to the region; "
                     "this function runs in the region (set \"edge\")");
        return;
    }
    if (cfg_has(n, "region_rtt_ms")) {
        f->region_rtt_ms = cfg_number(n, "region_rtt_ms", 0, 0, 60000);
    } else {
        f->region_rtt_ms = NAN;
        cfg_put(n, "region_rtt_ms", cJSON_CreateNull());
    }
    if (f->provider != PROVIDER_AWS)
        cfg_fail(n, "edge", "Lambda@Edge is modelled for provider \"aws\" (Workers are edge functions already)");
    else if (!price_has_family(&w->prices, "edge_functions"))
        cfg_fail(n, "edge", "the price table has no Lambda@Edge prices (edge_functions)");
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

void *function_parse(cfg_node *n, world_spec *w)
{
    function_spec *f = function_alloc_lines(sizeof *f);
    if (!f) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    f->name = strdup(cfg_string_req(n, "name"));
    int runtime = cfg_enum(n, "runtime", runtime_names, 0);
    f->provider = w->provider;
    parse_provider_memory(n, f);
    /* Cloud Run serves up to 80 requests at once on an instance by default (1 to 1,000);
     * Azure's concurrency is read with its other instance keys (shared.c); elsewhere an
     * instance serves one. */
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
    /* A bigger deployment package starts slower (see PLATFORM_MS_PER_PACKAGE_MB). */
    f->package_mb = cfg_number(n, "package_mb", 0, 0, 10240);
    f->runtime = runtime;
    /* A cold start: init_ms (billed where the provider bills it) after platform_ms (never
     * billed), or, as before the two were told apart, cold_start_ms: the whole of it, billed
     * as init. Workers run in isolates that start while the TLS handshake completes: no cold
     * start at all (none is counted). */
    f->no_cold_start = f->provider == PROVIDER_CLOUDFLARE_WORKERS;
    if (cfg_has(n, "cold_start_ms")) {
        if (cfg_has(n, "init_ms") || cfg_has(n, "platform_ms"))
            cfg_fail(n, cfg_has(n, "init_ms") ? "init_ms" : "platform_ms", "give cold_start_ms (the whole "
                     "cold start, billed as init) or init_ms and platform_ms, not both");
        dist_parse(n, "cold_start_ms", NULL, 600000, &f->cold_start_ms);
        f->platform_ms = dist_constant(0);
        f->legacy_cold_start = true;
        cfg_know(n, "init_ms");
        cfg_know(n, "platform_ms");
    } else {
        cfg_put(n, "cold_start_ms", cJSON_CreateNull());
        dist init_default = default_init(f, f->package_mb);
        dist_parse(n, "init_ms", &init_default, 600000, &f->cold_start_ms);
        dist platform_default = default_platform(f, f->package_mb);
        dist_parse(n, "platform_ms", &platform_default, 600000, &f->platform_ms);
    }
    parse_snapstart(n, f);
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
    parse_idempotency(n, f);
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
    /* Lambda's own START, END and REPORT lines come to about 0.3 KB an invocation; other
     * platforms' own lines have no published size (0: set log_kb to what the code writes).
     * Workers Logs counts events, not bytes: the invocation log is one, on by default for a
     * new Worker (Cloudflare's Workers Logs page). */
    if (cfg_has(n, "logs") && cfg_has(n, "log_kb"))
        cfg_fail(n, "log_kb", "give the INFO lines' size once: logs.kb_per_invocation replaces log_kb");
    else if (!cfg_has(n, "logs"))
        f->log_kb = cfg_number(n, "log_kb", f->provider == PROVIDER_AWS ? 0.3 : 0, 0, 1e6);
    if (f->provider == PROVIDER_CLOUDFLARE_WORKERS)
        f->log_events = cfg_number(n, "log_events", 1, 0, 1e6);
    parse_observability(n, f, w);
    function_shared_parse(n, f);   /* Cloud Run's and Azure's instances serving several at once */
    if (!cfg_failed(n) && f->snapstart && (f->provisioned || f->ephemeral_mb > 512))
        cfg_fail(n, f->provisioned ? (f->n_pc_actions ? "provisioned_schedule" : "provisioned_concurrency")
                 : "ephemeral_storage_mb", "Lambda's SnapStart does not work with %s",
                 f->provisioned ? "provisioned concurrency" : "ephemeral storage over 512 MB");
    if (!cfg_failed(n) && f->idempotency && f->shared)
        cfg_fail(n, "idempotency", "is modelled for instances serving one request at a time "
                 "(Lambda's); this function's serve several");
    if (!cfg_failed(n) && f->concurrency > 1 && (f->tenant_limit || f->provisioned))
        cfg_fail(n, "concurrency", "an instance serving several requests at once is modelled for "
                 "functions without bulkheads or provisioned instances; set it to 1");
    if (!cfg_failed(n) && f->scope != SCOPE_INSTANCE && f->provisioned)
        cfg_fail(n, f->n_pc_actions ? "provisioned_schedule" : "provisioned_concurrency", "keep_alive.scope \"%s\" loads the function as one "
                 "unit; provisioned instances are modelled with scope \"instance\"",
                 scope_names[f->scope]);
    parse_edge(n, f, w);
    f->in_vpc = cfg_bool(n, "vpc", false);
    if (!cfg_failed(n) && f->in_vpc && !w->network.vpc)
        cfg_fail(n, "vpc", "the scenario has no VPC: describe it in platform.vpc (zones, nat_gateways, endpoints)");
    else if (!cfg_failed(n) && f->in_vpc && f->edge)
        cfg_fail(n, "vpc", "a Lambda@Edge function cannot be placed in a VPC");
    else if (!cfg_failed(n) && f->in_vpc && !price_find(&w->prices, "network.nat_gateway_hours"))
        cfg_fail(n, "vpc", "the price table %s prices no NAT gateway (network.nat_gateway_hours)", w->prices.name);
    cfg_done(n);
    if (cfg_failed(n)) {
        function_free_spec(f);
        return NULL;
    }
    return f;
}

void function_shared_owners(const void *spec, int *unit_owner, int *pool_owner)
{
    const function_spec *f = spec;
    *unit_owner = f->unit_owner;
    *pool_owner = f->pool_owner;
}

/* A node for a message at path[.sub] found while linking (sub NULL: path itself). */
static void link_node(cfg_node *c, cfg_ctx *ctx, const char *path, const char *sub)
{
    cfg_root(c, ctx, NULL, NULL);
    snprintf(c->path, sizeof c->path, "%s%s%s", path, sub ? "." : "", sub ? sub : "");
}

int function_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    function_spec *f = p;
    f->has_sync = false;
    f->n_conn = 0;
    f->network_figures = f->in_vpc;
    /* The unit of a function kept as one is its own; an app's is held by its first function
     * (whose keep_alive settings apply to the whole app). */
    /* Greedy-dual units share one host pool, held by the first such function (its pool_gb
     * applies). */
    /* Containers kept one per execution under a host's memory (instance_pool) share one
     * host too, held by the first such function; a scenario has one host: units or
     * containers, not both. */
    f->pool_owner = -1;
    bool unit_pool = f->keep_alive == KEEP_GREEDY_DUAL && !f->instance_pool;
    for (size_t i = 0; (unit_pool || f->instance_pool) && i < w->n_components; i++) {
        if (w->components[i].kind != &function_kind)
            continue;
        const function_spec *g = w->components[i].spec;
        bool g_unit = g->keep_alive == KEEP_GREEDY_DUAL && !g->instance_pool;
        if ((g_unit && f->instance_pool) || (g->instance_pool && unit_pool)) {
            cfg_node c;
            link_node(&c, ctx, path, "keep_alive");
            cfg_fail(&c, "scope", "one host pool holds either units (scope \"function\" or \"app\") or "
                     "containers (scope \"instance\"); \"%s\" keeps the other kind", g->name);
            return -1;
        }
        if (f->instance_pool && g->instance_pool &&
            (g->keep_alive == KEEP_GREEDY_DUAL) != (f->keep_alive == KEEP_GREEDY_DUAL)) {
            /* The host orders its idle containers by one key: priorities or expiries. */
            cfg_node c;
            link_node(&c, ctx, path, "keep_alive");
            cfg_fail(&c, "policy", "one host of containers evicts by one rule: \"%s\" is %s, this one %s",
                     g->name, keep_names[g->keep_alive], keep_names[f->keep_alive]);
            return -1;
        }
        if (f->pool_owner < 0 && (g_unit || g->instance_pool) && g_unit == unit_pool)
            f->pool_owner = (int)i;
    }
    if (f->instance_pool && f->pool_owner >= 0) {
        /* A container larger than the host could never start: every request would be
         * dropped, or wait for ever at the head of the host's queue. */
        double host_gb = ((const function_spec *)w->components[f->pool_owner].spec)->pool_gb;
        if (f->memory_mb / 1024.0 > host_gb + 1e-9) {
            cfg_node c;
            link_node(&c, ctx, path, "keep_alive");
            cfg_fail(&c, "pool_gb", "the host (%g GB, %s's pool_gb) cannot hold one container of this "
                     "function (memory_mb %g: %g GB)", host_gb, w->components[f->pool_owner].name,
                     f->memory_mb, f->memory_mb / 1024.0);
            return -1;
        }
    }
    if (f->instance_pool && (f->concurrency > 1 || f->provisioned || f->n_deploy || f->shared)) {
        cfg_node c;
        link_node(&c, ctx, path, "keep_alive");
        cfg_fail(&c, "pool_gb", "a host pool of containers is modelled for one request per container, "
                 "without provisioned concurrency or deployments%s", f->shared ? " (this provider's "
                 "instances are modelled as shared by requests, whatever their concurrency)" : "");
        return -1;
    }
    if (f->keep_alive == KEEP_HYBRID && f->scope == SCOPE_INSTANCE && f->shared) {
        cfg_node c;
        link_node(&c, ctx, path, "keep_alive");
        cfg_fail(&c, "scope", "the hybrid policy per instance is modelled for one request per instance; "
                 "this provider's instances are modelled as shared by requests, whatever their concurrency: "
                 "use scope \"function\" or \"app\"");
        return -1;
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
        function_call_path(f, path, i, c.path, sizeof c.path);
        call->target = world_spec_component(w, call->target_name);
        if (f->idempotency && i == 0 && call->target >= 0 &&
            strcmp(w->components[call->target].kind->name, "service") != 0) {
            cfg_fail(&c, "store", "\"%s\" is a %s; the key store is a service (a table)",
                     call->target_name, w->components[call->target].kind->name);
            return -1;
        }
        if (call->target < 0) {
            cfg_fail(&c, f->idempotency && i == 0 ? "store" : "target", "no component is named \"%s\"",
                     call->target_name);
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
        if (f->in_vpc && network_check_call(w, call->target, &c) != 0)
            return -1;
        network_bytes probe = { 0 };
        network_route(w, f->in_vpc, call->target, 1, 1, &probe);
        f->network_figures |= f->in_vpc || probe.internet_out_gb > 0;
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
    if (f->cache_hit_ratio > 0 && f->idempotency) {
        cfg_node c;
        link_node(&c, ctx, path, NULL);
        cfg_fail(&c, "local_cache", "is not modelled with idempotency (its check is the first step)");
        return -1;
    }
    if (f->cache_hit_ratio > 0 && !f->calls[0].sync) {
        cfg_node c;
        link_node(&c, ctx, path, NULL);
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
