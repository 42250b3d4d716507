/* figures.c — what a function reports after a replication: its metrics (report), its
 * figures for platform-wide statistics, its usage meter for billing, and its call edges
 * for the architecture graph. Read-only on spec and state. */
#include "models/function/internal.h"
#include "models/network.h"

void function_report(const void *spec, const void *state, metric_sink *m)
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
    /* What a client waits (platform and init), and the part billed as init. */
    metric_emit(m, "cold_start_ms_mean", st->cold_starts ? (st->platform_ms_sum + st->init_ms_sum) /
                                                           (double)st->cold_starts : NAN);
    metric_emit(m, "init_ms_mean", st->cold_starts ? st->init_ms_sum / (double)st->cold_starts : NAN);
    metric_emit(m, "throttles", (double)st->throttles);
    metric_emit(m, "errors", (double)st->errors);
    metric_emit(m, "timeouts", (double)st->timeouts);
    metric_emit(m, "mean_concurrency", st->busy_s / window);
    metric_emit(m, "max_concurrency", st->concurrency.max);
    metric_emit(m, "mean_instances", (st->busy_s + st->idle_s) / window);
    metric_emit(m, "idle_instance_s", st->idle_s);
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
    if (f->count_effects)
        metric_emit(m, "duplicate_side_effects", (double)st->duplicate_side_effects);
    if (f->idempotency) {
        metric_emit(m, "idempotency_skipped", (double)st->idempotency_skipped);
        metric_emit(m, "idempotency_in_progress", (double)st->idempotency_in_progress);
    }
    metric_emit(m, "wasted_gb_s", (double)st->wasted_ms / 1000.0 * gb);
    function_figures ff;
    function_figures_of(spec, state, &ff);
    metric_emit(m, "idle_gb_s", ff.idle_gb_s);
    metric_emit(m, "prewarms", st->owns_unit ? (double)st->unit->prewarms : 0.0);
    metric_emit(m, "evictions", st->owns_unit ? (double)st->unit->evictions : (double)st->pool_evictions);
    if (f->instance_pool) {
        /* Containers on the host: requests dropped for want of memory, and the memory its
         * containers held on average (busy and idle, until expiry or eviction). */
        metric_emit(m, "dropped_for_memory", (double)st->dropped_for_memory);
        metric_emit(m, "memory_gb_mean", (st->busy_s + st->idle_s) * gb / window);
        /* The host's peak: every function on it says the same. */
        metric_emit(m, "host_memory_gb_max", st->pool ? st->pool->peak_gb : 0.0);
        if (f->on_full == ON_FULL_QUEUE) {
            /* requests that waited for memory, and those whose caller gave up waiting */
            metric_emit(m, "memory_waits", (double)st->memory_waits);
            metric_emit(m, "memory_wait_timeouts", (double)st->memory_wait_timeouts);
            metric_emit(m, "memory_waiting_at_end", (double)function_host_waiting(st));
        }
    }
    metric_emit(m, "deployments", (double)st->deployments);
    if (f->n_deploy) {
        metric_emit(m, "rollbacks", (double)st->rollbacks);
        metric_emit(m, "new_version_invocations", (double)st->new_invocations);
        metric_emit(m, "new_version_errors", (double)st->new_errors);
    }
    if (f->obs.tracing) {
        double traces = function_traces_recorded(f, st);
        metric_emit(m, "traces_recorded", traces);
        metric_emit(m, "traced_share", inv > 0 ? traces / inv : NAN);
    }
    if (f->obs.debug_share > 0 || f->obs.metrics_emf || f->obs.retention_days > 0)
        metric_emit(m, "log_gb", function_log_gb(f, st));
    if (f->cache_hit_ratio > 0) {
        double lookups = (double)(st->cache_hits + st->cache_misses);
        metric_emit(m, "cache_hits", (double)st->cache_hits);
        metric_emit(m, "cache_misses", (double)st->cache_misses);
        metric_emit(m, "cache_hit_ratio", lookups > 0 ? (double)st->cache_hits / lookups : NAN);
    }
    if (f->network_figures) {
        network_bytes b = { 0 };
        if (st->w)
            function_network_bytes(f, st, st->w->spec, &b);
        metric_emit(m, "network.internet_out_gb", b.internet_out_gb);
        if (f->in_vpc) {
            metric_emit(m, "network.nat_gateway_gb", b.nat_gb);
            metric_emit(m, "network.inter_zone_gb", b.inter_az_gb);
            metric_emit(m, "network.interface_endpoint_gb", b.interface_gb);
            metric_emit(m, "network.gateway_endpoint_gb", b.gateway_gb);
        }
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
    out->idle_gb_s = st->unit ? st->unit->idle_loaded_s * gb : st->idle_s * gb;
}

/* What an invocation writes to the logs, GB in the window: its INFO lines, the DEBUG lines
 * of the share at DEBUG, the embedded metric format's line. */
static double log_kb_per_invocation(const function_spec *f)
{
    const observability *o = &f->obs;
    return f->log_kb + o->debug_share * o->debug_kb + o->metrics_emf_kb;
}

double function_log_gb(const function_spec *f, const function_state *st)
{
    return (double)st->invocations * log_kb_per_invocation(f) / 1048576.0;
}

/* X-Ray's traces recorded in the window: the reservoir's, and the fixed share of the rest. */
double function_traces_recorded(const function_spec *f, const function_state *st)
{
    double rest = (double)(st->invocations - st->trace_reservoir_taken);
    return f->obs.tracing ? (double)st->trace_reservoir_taken + f->obs.trace_rate * rest : 0.0;
}

/* The observability usage beyond log ingestion. Quantities are the window's, which billing
 * extrapolates to a month (x month / window): log storage is the steady state of a month
 * that deletes what is older than the retention (ingested x archived share x retention in
 * months), and a custom metric published all the window is one metric-month. */
static void meter_observability(const function_spec *f, const function_state *st, ledger *u, size_t index)
{
    const observability *o = &f->obs;
    double window_s = st->w->t_end - st->w->t_start;
    double month_days = u->prices->month_hours / 24.0;
    if (o->retention_days > 0)
        usage_add(u, index, "logs.storage_gb_month",
                  function_log_gb(f, st) * o->archive_ratio * o->retention_days / month_days);
    if (o->tracing) {
        double traces = function_traces_recorded(f, st);
        usage_add(u, index, "tracing.traces_recorded", traces);
        usage_add(u, index, "tracing.traces_read", traces * o->trace_reads);
    }
    if (o->custom_metrics > 0) {
        usage_add(u, index, "metrics.custom_metric_months",
                  (double)o->custom_metrics * window_s / (u->prices->month_hours * 3600.0));
        if (!o->metrics_emf)
            usage_add(u, index, "metrics.api_requests", (double)st->invocations * o->metrics_api_calls);
    }
}

/* Usage of so much per invocation: with tenants, each tenant's invocations' is its own. */
static void add_per_invocation(const function_state *st, const world *w, ledger *u, size_t index,
                               const char *dimension, double per_invocation)
{
    if (!st->tenant_invocations) {
        usage_add(u, index, dimension, (double)st->invocations * per_invocation);
        return;
    }
    uint64_t inv = 0;
    for (size_t t = 0; t < w->spec->n_tenants; t++) {
        inv += st->tenant_invocations[t];
        usage_add_ex(u, index, (int)t, 0, dimension, (double)st->tenant_invocations[t] * per_invocation);
    }
    usage_add(u, index, dimension, (double)(st->invocations - inv) * per_invocation);
}

void function_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    static const char *const arch[] = { "x86_64", "arm64" };
    const function_spec *f = spec;
    const function_state *st = state;
    double gb = f->memory_mb / 1024.0;
    double requests = (double)(st->invocations + st->async_extra_requests);
    double billed_gb = f->provider == PROVIDER_AWS ? gb : f->bill_gb;
    double gb_s = (double)st->billed_ms / 1000.0 * billed_gb;
    char dim[PRICE_NAME_MAX];
    if (f->edge) {
        /* Lambda@Edge: its own prices, no free tier. */
        usage_add(u, index, "edge_functions.requests", requests);
        usage_add(u, index, "edge_functions.gb_s", gb_s);
    } else {
        /* The free tier does not cover a function with provisioned concurrency. */
        uint32_t flags = f->provisioned > 0 ? USAGE_NOT_FREE : 0;
        if (f->shared && f->bill_instance) {
            /* Cloud Run's instance-based billing: every instance-second, its own prices,
             * no request fee. */
            usage_add(u, index, "functions.instance_gb_s", gb_s);
            usage_add(u, index, "functions.instance_cpu", st->cpu_units);
        } else if (f->shared && f->provider == PROVIDER_AZURE_FLEX && f->min_instances > 0) {
            /* Flex's always-ready instances: their memory all the time (the baseline), and
             * their executing time and executions at the always-ready rates, no free grant;
             * the rest on demand. Executing on them: busy instance-time up to the always-ready
             * count (requests go to them first), min(busy, N) = N x window - their idle
             * time; executions split in the same proportion. */
            double window_s = st->w->t_end - st->w->t_start;
            double ready_busy_s = (double)f->min_instances * window_s - st->min_idle_s;
            double share = st->busy_s > 0 ? fmin(1.0, fmax(0.0, ready_busy_s / st->busy_s)) : 0;
            usage_add(u, index, "functions.always_ready_baseline_gb_s", (double)f->min_instances * f->bill_gb * window_s);
            usage_add(u, index, "functions.always_ready_gb_s", gb_s * share);
            usage_add(u, index, "functions.always_ready_requests", requests * share);
            usage_add_ex(u, index, USAGE_ANY_TENANT, flags, "functions.requests", requests * (1 - share));
            usage_add_ex(u, index, USAGE_ANY_TENANT, flags, "functions.gb_s", gb_s * (1 - share));
        } else if (st->tenant_invocations && !f->shared) {
            /* Each tenant's invocations and billed time are its own; the rest (async
             * retries' extra requests, invocations that belong to no tenant) are shared. */
            snprintf(dim, sizeof dim, "functions.gb_s.%s", arch[f->arch]);
            uint64_t inv = 0, ms = 0;
            for (size_t t = 0; t < w->spec->n_tenants; t++) {
                inv += st->tenant_invocations[t];
                ms += st->tenant_billed_ms[t];
                usage_add_ex(u, index, (int)t, flags, "functions.requests", (double)st->tenant_invocations[t]);
                usage_add_ex(u, index, (int)t, flags, dim, (double)st->tenant_billed_ms[t] / 1000.0 * billed_gb);
            }
            usage_add_ex(u, index, USAGE_ANY_TENANT, flags, "functions.requests", requests - (double)inv);
            usage_add_ex(u, index, USAGE_ANY_TENANT, flags, dim, (double)(st->billed_ms - ms) / 1000.0 * billed_gb);
            if (st->cpu_units > 0)
                usage_add(u, index, "functions.cpu", st->cpu_units);
        } else {
            usage_add_ex(u, index, USAGE_ANY_TENANT, flags, "functions.requests", requests);
            snprintf(dim, sizeof dim, "functions.gb_s.%s", arch[f->arch]);
            usage_add_ex(u, index, USAGE_ANY_TENANT, flags, dim, gb_s);
            if (st->cpu_units > 0)   /* platforms that bill CPU apart from memory */
                usage_add(u, index, "functions.cpu", st->cpu_units);
        }
        /* Cloud Run's idle min instances (request-based billing) */
        if (st->min_idle_s > 0 && f->provider == PROVIDER_GCP_CLOUD_RUN) {
            usage_add(u, index, "functions.min_idle_gb_s", st->min_idle_s * f->bill_gb);
            usage_add(u, index, "functions.min_idle_cpu", st->min_idle_s * f->cpu_per_s);
        }
        if (st->pc_area > 0 || st->billed_ms_pc > 0) {
            snprintf(dim, sizeof dim, "functions.provisioned_duration_gb_s.%s", arch[f->arch]);
            usage_add(u, index, dim, (double)st->billed_ms_pc / 1000.0 * gb);
            /* Configured for the whole window, so for the whole month once extrapolated (a
             * month is a whole number of the 5-minute billing steps). */
            snprintf(dim, sizeof dim, "functions.provisioned_gb_s.%s", arch[f->arch]);
            usage_add(u, index, dim, st->pc_area * gb);
        }
    }
    if (f->snapstart_billed) {
        /* Each published version's snapshot is cached all the time (so for the whole month
         * once extrapolated), and every cold start restores one. */
        double window_s = st->w->t_end - st->w->t_start;
        usage_add(u, index, "functions.snapstart_cache_gb_s", f->snapstart_versions * gb * window_s);
        usage_add(u, index, "functions.snapstart_restore_gb", (double)st->cold_starts * gb);
    }
    if (f->provider == PROVIDER_AWS)
        usage_add(u, index, "functions.ephemeral_gb_s",
                  (double)(st->billed_ms + st->billed_ms_pc) / 1000.0 * (f->ephemeral_mb - 512) / 1024.0);
    /* Logs on every platform: Lambda's go to CloudWatch Logs (vended), Azure's to Log
     * Analytics, Google's to Cloud Logging (by GB); Workers Logs by events. */
    if (f->provider == PROVIDER_AWS || f->log_kb > 0)
        add_per_invocation(st, w, u, index, "logs.ingestion_gb", log_kb_per_invocation(f) / 1048576.0);
    if (f->log_events > 0)
        add_per_invocation(st, w, u, index, "logs.events", f->log_events);
    meter_observability(f, st, u, index);
}

bool function_in_vpc(const void *spec)
{
    return ((const function_spec *)spec)->in_vpc;
}

/* Each step's attempts (a synchronous step's) or messages (an asynchronous one's) in the
 * measured window, each with the step's size_kb out and response_kb back (a message's
 * answer is the queue's small acknowledgement, counted as response_kb too). */
void function_network_bytes(const void *spec, const void *state, const world_spec *w, network_bytes *b)
{
    const function_spec *f = spec;
    const function_state *st = state;
    if (!st || !st->steps)
        return;
    for (size_t k = 0; k < f->n_calls; k++) {
        const function_call *c = &f->calls[k];
        double n = (double)st->steps[k].attempts;
        network_route(w, f->in_vpc, c->target, n * c->size_kb / 1048576.0, n * c->response_kb / 1048576.0, b);
    }
}

bool function_is_edge(const void *spec)
{
    return ((const function_spec *)spec)->edge != 0;
}

int function_edge_trigger(const void *spec)
{
    return ((const function_spec *)spec)->edge;
}

bool function_edge_rtt_unset(const void *spec)
{
    const function_spec *f = spec;
    bool sync = false;
    for (size_t i = 0; i < f->n_calls; i++)
        sync |= f->calls[i].sync;
    return f->edge && sync && isnan(f->region_rtt_ms);
}

void function_edge_set_rtt(void *spec, double region_rtt_ms)
{
    function_spec *f = spec;
    f->region_rtt_ms = region_rtt_ms;
    f->region_rtt_derived = true;
}

bool function_edge_rtt_derived(const void *spec, double *region_rtt_ms)
{
    const function_spec *f = spec;
    *region_rtt_ms = f->region_rtt_ms;
    return f->region_rtt_derived;
}

/* Synchronous call steps: the invocation waits for each call (asynchronous steps are no
 * edge: the function goes on). */
bool function_calls(const void *spec, const char *path, size_t i, component_edge *e)
{
    const function_spec *f = spec;
    for (size_t k = 0; k < f->n_calls; k++)
        if (f->calls[k].sync && i-- == 0) {
            e->target = f->calls[k].target;
            function_call_path(f, path, k, e->path, sizeof e->path);
            strncat(e->path, f->idempotency && k == 0 ? ".store" : ".target",
                    sizeof e->path - strlen(e->path) - 1);
            return true;
        }
    return false;
}

/* Asynchronous call steps (messages sent on), then the destination of events that failed
 * every attempt (on_failure). */
bool function_sends(const void *spec, const char *path, size_t i, component_edge *e)
{
    const function_spec *f = spec;
    for (size_t k = 0; k < f->n_calls; k++)
        if (!f->calls[k].sync && i-- == 0) {
            e->target = f->calls[k].target;
            function_call_path(f, path, k, e->path, sizeof e->path);
            strncat(e->path, f->idempotency && k == 0 ? ".store" : ".target",
                    sizeof e->path - strlen(e->path) - 1);
            return true;
        }
    if (f->on_failure < 0 || i > 0)
        return false;
    e->target = f->on_failure;
    e->failures = true;
    e->label = "on failure";
    snprintf(e->path, sizeof e->path, "%s.async.on_failure", path);
    return true;
}
