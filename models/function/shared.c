/* shared.c — the keys of functions whose instances serve several requests at once (run by
 * concurrent.c), read into their function_spec: Cloud Run's (autoscaling targets, min and
 * max instances, the pending queue, the billing setting, the startup CPU boost) and Azure
 * Functions' (per-instance concurrency, Flex Consumption's instance sizes and always-ready
 * instances, target-based scaling). Nothing here runs during a simulation.
 *
 * Invariants of a parsed spec: `shared` is set exactly for Cloud Run functions, Flex
 * Consumption functions and Consumption functions given a concurrency above 1, each without
 * bulkheads, deployments or a keep-alive unit (the others keep core.c's one-request
 * instances, and may not use these keys); such a function may have call steps (calls.c runs
 * them for concurrent.c's jobs as for core.c's instances); min_instances <= max_instances <= limit; at least
 * one autoscaling target is on; a handler's duration_ms is its time alone on one vCPU
 * (speed_factor 1: the sharing of the instance's vCPUs is simulated, not scaled);
 * bill_startup says whether an instance's startup is billed (Cloud Run) or not (Azure bills
 * executions only). */
#include "models/function/internal.h"

static const char *const billing_names[] = { "request", "instance", NULL };

/* Azure Functions: Flex Consumption's instance sizes (512, 2,048 or 4,096 MB with 0.25, 1 or 2
 * cores) and their default HTTP concurrency per instance (4, 16, 32; 1 for Python), its
 * always-ready instances and 100 instances at most by default; the Consumption plan's
 * concurrency is opt-in (its host runs up to 100 HTTP requests at once per instance, but an
 * instance's vCPUs are not published: `vcpu` 1 is an assumption). Scaling is target-based: as
 * many instances as the requests held need at `concurrency` each (concurrency_target 1),
 * CPU not a driver. Returns false when the function keeps core.c's one-request instances. */
static bool azure_parse(cfg_node *n, function_spec *f)
{
    bool flex = f->provider == PROVIDER_AZURE_FLEX;
    uint32_t conc_default = 1;
    if (flex) {
        f->cpu_per_s = f->memory_mb == 512 ? 0.25 : f->memory_mb == 2048 ? 1 : 2;
        conc_default = f->runtime == 1 ? 1 : f->memory_mb == 512 ? 4 : f->memory_mb == 2048 ? 16 : 32;
    } else {
        f->cpu_per_s = cfg_number(n, "vcpu", 1, 0.1, 8);
    }
    f->concurrency = (uint32_t)cfg_integer(n, "concurrency", conc_default, 1, 1000);
    f->min_instances = flex ? (uint32_t)cfg_integer(n, "always_ready", 0, 0, f->limit) : 0;
    bool units = !f->tenant_limit && f->n_deploy == 0 && f->scope == SCOPE_INSTANCE;
    if (!flex && f->concurrency == 1) {
        f->cpu_per_s = 0;        /* core.c's instances: Azure bills no CPU */
        cfg_know(n, "max_instances");
        cfg_know(n, "autoscaling");
        cfg_know(n, "pending_timeout_s");
        return false;
    }
    if (!units) {
        if (!cfg_failed(n) && (f->concurrency > 1 || f->min_instances > 0))
            cfg_fail(n, f->min_instances ? "always_ready" : "concurrency", "is modelled for functions "
                     "without bulkheads, deployments or a keep-alive unit%s",
                     f->concurrency > 1 ? "; set concurrency to 1" : "");
        f->concurrency = 1;
        f->cpu_per_s = 0;
        return false;
    }
    f->shared = true;
    f->bill_startup = false;
    /* Flex: 100 instances by default (at most 1,000); Consumption: the app's 200. */
    f->max_instances = (uint32_t)cfg_integer(n, "max_instances", flex && f->limit > 100 ? 100 : f->limit,
                                             1, f->limit ? f->limit : 1);
    if (!cfg_failed(n) && f->min_instances > f->max_instances)
        cfg_fail(n, "always_ready", "%u exceeds max_instances (%u)", f->min_instances, f->max_instances);
    return true;
}

/* The autoscaler's keys (targets, how often it looks, over which window) and how long a
 * request waits for room before it is throttled: at least 10 s, else the mean startup. */
static void parse_scaling(cfg_node *n, function_spec *f, double cpu_default, double conc_default,
                          double conc_max)
{
    cfg_node a;
    cfg_object(n, "autoscaling", &a);
    f->cpu_target = cfg_number(&a, "cpu_target", cpu_default, 0, 0.95);
    f->concurrency_target = cfg_number(&a, "concurrency_target", conc_default, 0, conc_max);
    f->scale_interval_s = cfg_number(&a, "interval_s", 10, 1, 3600);
    f->scale_window_s = cfg_number(&a, "window_s", 60, 1, 3600);
    if (!cfg_failed(&a) && f->cpu_target > 0 && f->cpu_target < 0.1)
        cfg_fail(&a, "cpu_target", "0 (not a driver) or 0.1 to 0.95, got %g", f->cpu_target);
    if (!cfg_failed(&a) && f->concurrency_target > 0 && f->concurrency_target < 0.1)
        cfg_fail(&a, "concurrency_target", "0 (not a driver) or 0.1 to %g, got %g", conc_max,
                 f->concurrency_target);
    if (!cfg_failed(&a) && f->cpu_target == 0 && f->concurrency_target == 0)
        cfg_fail(&a, "cpu_target", "CPU and concurrency scaling cannot both be off (0)");
    if (!cfg_failed(&a) && f->scale_window_s < f->scale_interval_s)
        cfg_fail(&a, "window_s", "must be at least interval_s (%g), got %g", f->scale_interval_s,
                 f->scale_window_s);
    cfg_done(&a);
    if (cfg_has(n, "pending_timeout_s")) {
        f->pending_s = cfg_number(n, "pending_timeout_s", 10, 0, 3600);
    } else {
        f->pending_s = fmax(10.0, (dist_mean(&f->cold_start_ms) + dist_mean(&f->platform_ms)) / 1000.0);
        cfg_put(n, "pending_timeout_s", cJSON_CreateNull());
    }
}

void function_shared_parse(cfg_node *n, function_spec *f)
{
    bool azure = f->provider == PROVIDER_AZURE_CONSUMPTION || f->provider == PROVIDER_AZURE_FLEX;
    if ((f->provider != PROVIDER_GCP_CLOUD_RUN && !azure) || cfg_failed(n))
        return;
    if (azure) {
        if (!azure_parse(n, f) || cfg_failed(n))
            return;
        /* Target-based scaling: requests held over concurrency, CPU not a driver. */
        parse_scaling(n, f, 0, 1, 1);
        f->boost = 1.0;
        f->speed_factor = 1.0;
        f->limit = f->max_instances;
        return;
    }
    f->shared = !f->tenant_limit && f->n_deploy == 0 && f->scope == SCOPE_INSTANCE;
    f->bill_startup = true;
    /* The service's maximum instances: 100 by default (the platform's
     * account_concurrency for this provider), at most the platform's limit. */
    f->max_instances = (uint32_t)cfg_integer(n, "max_instances", f->limit, 1, f->limit ? f->limit : 1);
    f->min_instances = (uint32_t)cfg_integer(n, "min_instances", 0, 0, f->max_instances);
    f->bill_instance = cfg_enum(n, "billing", billing_names, 0) == 1;
    bool boost = cfg_bool(n, "startup_cpu_boost", false);
    /* Cloud Run's documented default: 60% CPU and 60% of the maximum concurrency, each over
     * a 1-minute window; how often it looks is not published (10 s is an assumption). */
    parse_scaling(n, f, 0.6, 0.6, 0.95);   /* a 429 after the wait (platform time: none) */
    /* Startup CPU boost: twice the vCPUs (at most 8) during the startup and for 10 s after
     * it. The factor is an assumption from the announcement's "startup time cut in half". */
    f->boost = boost ? fmax(1.0, fmin(2.0 * f->cpu_per_s, 8.0) / f->cpu_per_s) : 1.0;
    f->boost_after_s = boost ? 10.0 : 0.0;
    if (cfg_failed(n))
        return;
    if (f->shared) {
        f->speed_factor = 1.0;
        f->limit = f->max_instances;
        if (f->cpu_per_s < 1 && f->concurrency > 1)
            cfg_fail(n, "vcpu", "below 1 vCPU Cloud Run serves one request at a time: set "
                     "concurrency to 1 (got vcpu %g, concurrency %u)", f->cpu_per_s, f->concurrency);
        else if (f->cpu_per_s < 1 && f->bill_instance)
            cfg_fail(n, "billing", "below 1 vCPU Cloud Run bills per request only (vcpu %g)", f->cpu_per_s);
        return;
    }
    const char *key = f->min_instances ? "min_instances" : f->bill_instance ? "billing"
                    : boost ? "startup_cpu_boost" : f->max_instances != f->limit ? "max_instances" : NULL;
    if (key)
        cfg_fail(n, key, "is modelled for Cloud Run functions without bulkheads, deployments "
                 "or a keep-alive unit");
}
