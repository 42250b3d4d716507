/* kind.c — the workflow kind's table: a state machine (AWS Step Functions-like), Standard
 * or Express, with tasks (sync calls to functions, services, pools or other workflows),
 * choices, waits (timed, or for an external event such as a human approval), parallel
 * branches, maps over a drawn number of items, succeed and fail states, retries and catches,
 * and sagas (compensations run in reverse order when an execution fails). This part starts
 * and frees a replication's state, emits the figures and meters the bill; spec.c reads the
 * machine, execution.c runs it.
 *
 * Billing follows Step Functions: Standard counts a state transition each time a state is
 * entered and each time a task is retried; Express counts executions and their duration,
 * rounded up to 100 ms, at the workflow's memory rounded up to 64 MB, and an Express
 * execution cannot run longer than 5 minutes. The counters the meter reads only grow, and
 * only for what happens in the measured window. */
#include "models/workflow/internal.h"

const char *const workflow_outcome_names[WF_OUTCOMES] = { "succeeded", "failed", "timed_out",
                                                          "compensated", "compensation_failed" };

static void workflow_free_state(void *p)
{
    workflow_state *st = p;
    if (!st)
        return;
    free(st->ex);
    free(st->fr);
    free(st->stats);
    free(st->trace);
    series_free(&st->in_flight_s);
    free(st);
}

static void *workflow_start(const void *spec, world *w, int index)
{
    const wf_spec *s = spec;
    workflow_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->s = s;
    st->w = w;
    st->index = index;
    st->free_ex = st->free_fr = NONE;
    st->stats = calloc(s->n_states ? s->n_states : 1, sizeof *st->stats);
    char name[300];
    snprintf(name, sizeof name, "workflow.%s.choice", s->name);
    st->r_choice = sim_stream(w->s, name);
    snprintf(name, sizeof name, "workflow.%s.wait", s->name);
    st->r_wait = sim_stream(w->s, name);
    snprintf(name, sizeof name, "workflow.%s.items", s->name);
    st->r_items = sim_stream(w->s, name);
    snprintf(name, sizeof name, "workflow.%s.retry", s->name);
    st->r_retry = sim_stream(w->s, name);
    if (!st->stats || !st->r_choice || !st->r_wait || !st->r_items || !st->r_retry ||
        series_init_window(&st->in_flight_s, w->t_start, w->t_end, w->spec->interval_s) != 0) {
        workflow_free_state(st);
        return NULL;
    }
    gauge_init(&st->in_flight, &st->in_flight_s, w->t_start);
    tally_init(&st->transitions_t);
    hist_init(&st->latency_ms);
    hist_init(&st->dispatch_ms);
    st->poll_found[POLL_QUEUES_CONTROL] = st->poll_found[POLL_QUEUES_WORK] = sim_now(w->s);
    return st;
}

const char *workflow_trace(const void *state)
{
    const workflow_state *st = state;
    return st && st->trace ? st->trace : "";
}

double workflow_executions(const void *state)
{
    const workflow_state *st = state;
    return st ? (double)st->billed_executions : 0;
}

/* ---- figures ---- */

static void workflow_finish(void *state, world *w)
{
    workflow_state *st = state;
    gauge_close(&st->in_flight, w->t_end);
    for (size_t b = 0; b < st->in_flight_s.n; b++)
        w->ts[TS_EXECUTIONS].bin[b] += st->in_flight_s.bin[b];
}

static void workflow_report(const void *spec, const void *state, metric_sink *m)
{
    const wf_spec *s = spec;
    const workflow_state *st = state;
    workflow_state zero = { 0 };
    if (!st)
        st = &zero;
    double window = st->w ? st->w->spec->duration_s : 1.0;
    uint64_t ended = 0;
    for (int k = 0; k < WF_OUTCOMES; k++)
        ended += st->outcomes[k];
    bool any = st->latency_ms.count > 0;
    metric_emit(m, "executions", (double)st->started);
    for (int k = 0; k < WF_OUTCOMES; k++)
        metric_emit(m, workflow_outcome_names[k], (double)st->outcomes[k]);
    metric_emit(m, "compensations_run", (double)st->compensations_run);
    metric_emit(m, "mean_in_flight", st->in_flight_s.total / window);
    metric_emit(m, "max_in_flight", st->in_flight.max);
    metric_emit(m, "latency_ms_mean", any ? hist_mean(&st->latency_ms) : NAN);
    metric_emit(m, "latency_ms_p50", any ? hist_quantile(&st->latency_ms, 0.5) : NAN);
    metric_emit(m, "latency_ms_p99", any ? hist_quantile(&st->latency_ms, 0.99) : NAN);
    metric_emit(m, "transitions", (double)st->transitions);
    metric_emit(m, "transitions_mean", st->transitions_t.n ? st->transitions_t.mean : NAN);
    metric_emit(m, "transitions_max", st->transitions_max);
    metric_emit(m, "waiting_s_mean", ended ? st->wait_s / (double)ended : NAN);
    metric_emit(m, "working_s_mean", ended ? st->work_s / (double)ended : NAN);
    /* The other services' own figures (Step Functions' set stays as it was). */
    switch (s->service) {
    case WF_STEP_FUNCTIONS:
        break;
    case WF_DURABLE:
        metric_emit(m, "replays", (double)st->replays);
        metric_emit(m, "storage_transactions", (double)st->storage_steps * s->storage_transactions_per_step);
        metric_emit(m, "dispatch_ms_mean", st->dispatch_ms.count ? hist_mean(&st->dispatch_ms) : NAN);
        metric_emit(m, "dispatch_ms_max", st->dispatch_ms.count ? st->dispatch_ms.max : NAN);
        break;
    case WF_LOGIC_APPS:
        metric_emit(m, "actions", (double)(st->started + st->actions));
        metric_emit(m, "standard_connector_calls", (double)st->connector_calls[CONNECTOR_STANDARD]);
        metric_emit(m, "enterprise_connector_calls", (double)st->connector_calls[CONNECTOR_ENTERPRISE]);
        break;
    case WF_GOOGLE:
        metric_emit(m, "internal_steps", (double)(st->transitions - st->external_steps));
        metric_emit(m, "external_steps", (double)st->external_steps);
        break;
    case WF_CLOUDFLARE:
        metric_emit(m, "steps", (double)st->cf_steps);
        break;
    }
    for (size_t i = 0; i < s->n_states; i++) {
        const state_stats *ss = st->stats ? &st->stats[i] : NULL;
        state_stats none = { 0 };
        if (!ss)
            ss = &none;
        char key[128];
        snprintf(key, sizeof key, "states.%s.entries", s->states[i].name);
        metric_emit(m, key, (double)ss->entries);
        snprintf(key, sizeof key, "states.%s.retries", s->states[i].name);
        metric_emit(m, key, (double)ss->retries);
        snprintf(key, sizeof key, "states.%s.time_s_mean", s->states[i].name);
        metric_emit(m, key, ss->entries ? ss->time_s / (double)ss->entries : NAN);
        if (s->states[i].task.breaker.on || (s->states[i].has_comp && s->states[i].comp.breaker.on)) {
            snprintf(key, sizeof key, "states.%s.breaker_opens", s->states[i].name);
            metric_emit(m, key, (double)ss->breaker_opens);
            snprintf(key, sizeof key, "states.%s.breaker_rejected", s->states[i].name);
            metric_emit(m, key, (double)ss->breaker_rejected);
        }
    }
}

static void workflow_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    const wf_spec *s = spec;
    const workflow_state *st = state;
    switch (s->service) {
    case WF_STEP_FUNCTIONS:
        if (!s->express) {
            usage_add(u, index, "workflow.transitions", (double)st->transitions);
            return;
        }
        usage_add(u, index, "workflow.express_requests", (double)st->billed_executions);
        /* Memory in 64 MB steps. */
        double mb = ceil(s->memory_mb / 64.0 - 1e-9) * 64.0;
        usage_add(u, index, "workflow.express_gb_s", (double)st->express_100ms_units * 0.1 * mb / 1024.0);
        return;
    case WF_DURABLE:
        /* Each replay is a Functions execution: it shares the Functions grant and bill lines. */
        usage_add(u, index, "functions.requests", (double)st->replays);
        usage_add(u, index, "functions.gb_s", (double)st->replays * s->replay_gb_s);
        usage_add(u, index, "workflow.storage_transactions",
                  (double)st->storage_steps * s->storage_transactions_per_step);
        return;
    case WF_LOGIC_APPS:
        /* The trigger that starts a run is metered as an action. */
        usage_add(u, index, "workflow.actions", (double)(st->started + st->actions));
        usage_add(u, index, "workflow.connector_calls.standard", (double)st->connector_calls[CONNECTOR_STANDARD]);
        usage_add(u, index, "workflow.connector_calls.enterprise", (double)st->connector_calls[CONNECTOR_ENTERPRISE]);
        return;
    case WF_GOOGLE:
        usage_add(u, index, "workflow.steps.internal", (double)(st->transitions - st->external_steps));
        usage_add(u, index, "workflow.steps.external", (double)st->external_steps);
        return;
    case WF_CLOUDFLARE: {
        /* Workers Standard: an instance's creation is a request, its steps' CPU is billed;
         * step results stay stored for retention_days, so the month's average stored GB is
         * what the window wrote a second times the retention (decimal GB). */
        usage_add(u, index, "functions.requests", (double)st->started);
        usage_add(u, index, "functions.cpu", (double)st->cf_steps * s->cpu_ms_per_step);
        double month_s = w->spec->prices.month_hours * 3600.0;
        usage_add(u, index, "workflow.storage_gb_month", st->stored_kb / 1e6 * s->retention_s / month_s);
        return;
    }
    }
}

const component_kind workflow_kind = {
    .name = "workflow",
    .plural = "workflows",
    .parse = workflow_parse,
    .free_spec = workflow_free_spec,
    .link = workflow_link,
    .calls = workflow_calls,
    .start = workflow_start,
    .accept = workflow_accept,
    .enqueue = workflow_enqueue,
    .reply = workflow_reply,
    .finish = workflow_finish,
    .report = workflow_report,
    .meter = workflow_meter,
    .bills = "workflow",
    .free_state = workflow_free_state,
};
