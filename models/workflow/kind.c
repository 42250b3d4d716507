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
    (void)w;
    const wf_spec *s = spec;
    const workflow_state *st = state;
    if (!s->express) {
        usage_add(u, index, "workflow.transitions", (double)st->transitions);
        return;
    }
    usage_add(u, index, "workflow.express_requests", (double)st->billed_executions);
    /* Memory in 64 MB steps. */
    double mb = ceil(s->memory_mb / 64.0 - 1e-9) * 64.0;
    usage_add(u, index, "workflow.express_gb_s", (double)st->express_100ms_units * 0.1 * mb / 1024.0);
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
