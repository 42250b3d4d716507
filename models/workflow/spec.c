/* spec.c — reading a workflow: its states (task, choice, wait, parallel, map, succeed,
 * fail) in scopes, tasks with their retries, catches and compensations; the refusal of loops
 * of states that let no time pass; linking tasks to the components they call; the call
 * edges world_spec_load checks for cycles.
 *
 * Invariants of a parsed wf_spec (read-only afterwards, shared by every thread): a scope's
 * states are those whose scope is its index, listed in order but not contiguous (a nested
 * list adds its states right after the state that holds it, so a nested state always comes
 * after its holder); scope_start[scope] is the state it starts at; every next, catch and
 * choice index points into the state's own scope (-1: the scope ends there); after
 * workflow_link every task's target takes synchronous calls and is not the workflow. */
#include "models/workflow/internal.h"

static const char *const stype_names[] = { "task", "choice", "wait", "parallel", "map", "succeed",
                                           "fail", NULL };

static void task_free(wf_task *t) { free(t->target_name); }

void workflow_free_spec(void *p)
{
    wf_spec *s = p;
    if (!s)
        return;
    for (size_t i = 0; i < s->n_states; i++) {
        wf_state *st = &s->states[i];
        free(st->name);
        free(st->next_name);
        free(st->catch_name);
        task_free(&st->task);
        task_free(&st->comp);
        for (size_t k = 0; st->choice_names && k <= st->n_choices; k++)
            free(st->choice_names[k]);     /* the last is the default */
        free(st->choice_names);
        free(st->choice_cum);
        free(st->choice_next);
        free(st->branch_scope);
        dist_free(&st->wait_s);
        dist_free(&st->items);
    }
    free(s->states);
    free(s->scope_start);
    free(s->name);
    free(s);
}


static const char *const service_names[] = { "step-functions", "durable-functions", "logic-apps",
                                             "workflows", NULL };

/* The name a service goes by in messages (Google's and Cloudflare's are both "workflows"). */
static const char *service_label(wf_service v)
{
    static const char *const labels[] = { "step-functions", "durable-functions", "logic-apps",
                                          "workflows (Google Cloud)", "workflows (Cloudflare)" };
    return labels[v];
}

/* A key only the services in mask (bits of wf_service) take: refused on the others, naming
 * those that take it. */
static void only_on(cfg_node *n, const wf_spec *s, const char *key, unsigned mask, const char *owners)
{
    if (!(mask & (1u << s->service)) && cfg_has(n, key))
        cfg_fail(n, key, "is a %s key; this workflow's service is \"%s\"", owners, service_label(s->service));
}

#define ON(v) (1u << (v))

/* A task object (a state's, or a compensation's): target, timeout_s, retry, size_kb, and
 * Logic Apps' connector. The retry defaults are the service's own. */
static void parse_task(cfg_node *c, wf_task *t, const wf_spec *s)
{
    t->target = -1;
    t->target_name = strdup(cfg_string_req(c, "target"));
    /* Cloudflare: a step.do attempt times out after 10 minutes by default. */
    double timeout_default = s->service == WF_CLOUDFLARE ? 600 : NAN;
    if (cfg_has(c, "timeout_s") || !isnan(timeout_default)) {
        t->timeout_s = cfg_number(c, "timeout_s", timeout_default, 0.001, 31536000);
    } else {
        t->timeout_s = INFINITY;
        cfg_put(c, "timeout_s", cJSON_CreateNull());
    }
    t->size_kb = cfg_number(c, "size_kb", 1, 0.001, 262144);
    only_on(c, s, "connector", ON(WF_LOGIC_APPS), "Logic Apps (service \"logic-apps\")");
    static const char *const connectors[] = { "built-in", "standard", "enterprise", NULL };
    if (s->service == WF_LOGIC_APPS)
        t->connector = (wf_connector)cfg_enum(c, "connector", connectors, CONNECTOR_BUILT_IN);
    /* Retry defaults: Amazon States Language's (3 retries, 1 s, rate 2, no cap); Durable
     * Functions and Google Workflows retry only with a policy given; Logic Apps' default
     * policy (4 retries, exponential from 7.5 s, at most 45 s apart); Cloudflare's step.do
     * (5 retries, 10 s, exponential). */
    static const struct { double retries, interval_s, rate, max_delay_s; } defaults[] = {
        [WF_STEP_FUNCTIONS] = { 3, 1, 2, INFINITY },  [WF_DURABLE] = { 0, 1, 2, INFINITY },
        [WF_LOGIC_APPS] = { 4, 7.5, 2, 45 },         [WF_GOOGLE] = { 0, 1, 2, INFINITY },
        [WF_CLOUDFLARE] = { 5, 10, 2, INFINITY },
    };
    cfg_node r;
    cfg_object(c, "retry", &r);
    t->max_retries = (uint32_t)cfg_integer(&r, "max_retries", (int64_t)defaults[s->service].retries, 0, 99999999);
    t->interval_s = cfg_number(&r, "interval_s", defaults[s->service].interval_s, 0, 99999999);
    t->backoff_rate = cfg_number(&r, "backoff_rate", defaults[s->service].rate, 1, 1000);
    if (cfg_has(&r, "max_delay_s") || isfinite(defaults[s->service].max_delay_s)) {
        t->max_delay_s = cfg_number(&r, "max_delay_s", defaults[s->service].max_delay_s, 0, 31536000);
    } else {
        t->max_delay_s = INFINITY;
        cfg_put(&r, "max_delay_s", cJSON_CreateNull());
    }
    static const char *const jitters[] = { "none", "full", NULL };
    t->jitter = cfg_enum(&r, "jitter", jitters, 0) == 1;
    retry_parse_on(&r, t->retry_on);
    cfg_done(&r);
    breaker_parse(c, "circuit_breaker", &t->breaker);
}

static int parse_scope(cfg_node *n, wf_spec *s, int depth);

static int add_state(wf_spec *s, cfg_node *n)
{
    wf_state *grown = realloc(s->states, (s->n_states + 1) * sizeof *grown);
    if (!grown) {
        cfg_fail(n, NULL, "out of memory");
        return -1;
    }
    s->states = grown;
    memset(&s->states[s->n_states], 0, sizeof *grown);
    return (int)s->n_states++;
}

static int add_scope(wf_spec *s, cfg_node *n)
{
    int *grown = realloc(s->scope_start, (s->n_scopes + 1) * sizeof *grown);
    if (!grown) {
        cfg_fail(n, NULL, "out of memory");
        return -1;
    }
    s->scope_start = grown;
    s->scope_start[s->n_scopes] = -1;
    return (int)s->n_scopes++;
}

static int find_in_scope(const wf_spec *s, int scope, const char *name)
{
    for (size_t i = 0; i < s->n_states; i++)
        if (s->states[i].scope == scope && strcmp(s->states[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Parses one state (index k, in scope) from c. */
static void parse_state(cfg_node *c, wf_spec *s, int k, int scope, int depth)
{
    if (!cfg_has(c, "type"))
        cfg_missing(c, "type", "one of \"task\", \"choice\", \"wait\", \"parallel\", \"map\", "
                    "\"succeed\", \"fail\"");
    stype type = (stype)cfg_enum(c, "type", stype_names, S_SUCCEED);
    const char *name = cfg_string_req(c, "name");
    if (cfg_failed(c))
        return;
    for (size_t i = 0; i < s->n_states; i++)
        if ((int)i != k && s->states[i].name && strcmp(s->states[i].name, name) == 0) {
            cfg_fail(c, "name", "another state is named \"%s\" (names are unique in a workflow)", name);
            return;
        }
    wf_state *st = &s->states[k];
    st->name = strdup(name);
    snprintf(st->path, sizeof st->path, "%s", c->path);
    st->type = type;
    st->scope = scope;
    st->next = st->catch_next = -1;
    if (type != S_SUCCEED && type != S_FAIL && type != S_CHOICE) {
        /* Without `next`, the following state of the list; `end` ends the list here. */
        st->ends = cfg_bool(c, "end", false);
        const char *next = st->ends ? NULL : cfg_string(c, "next", NULL);
        if (st->ends && cfg_has(c, "next"))
            cfg_fail(c, "next", "a state with \"end\": true has no next state");
        if (!st->ends && !next)
            cfg_put(c, "next", cJSON_CreateNull());
        st->next_name = next ? strdup(next) : NULL;
    }
    switch (type) {
    case S_TASK: {
        wf_task t = { 0 };
        parse_task(c, &t, s);
        s->states[k].task = t;
        const char *catch_name = cfg_string(c, "catch", NULL);
        s->states[k].catch_name = catch_name ? strdup(catch_name) : NULL;
        if (cfg_has(c, "compensation")) {
            cfg_node comp;
            cfg_object(c, "compensation", &comp);
            wf_task ct = { 0 };
            parse_task(&comp, &ct, s);
            s->states[k].comp = ct;
            s->states[k].has_comp = true;
            cfg_done(&comp);
        }
        break;
    }
    case S_CHOICE: {
        size_t n = cfg_array_len(c, "choices");
        if (n == 0 || n > 100) {
            cfg_fail(c, "choices", "expected 1 to 100 choices, each {\"probability\", \"next\"}");
            break;
        }
        st->choice_cum = calloc(n + 1, sizeof *st->choice_cum);
        st->choice_next = calloc(n + 1, sizeof *st->choice_next);
        st->choice_names = calloc(n + 1, sizeof *st->choice_names);
        if (!st->choice_cum || !st->choice_next || !st->choice_names) {
            cfg_fail(c, "choices", "out of memory");
            break;
        }
        double cum = 0;
        for (size_t i = 0; i < n && !cfg_failed(c); i++) {
            cfg_node ch;
            cfg_array_object(c, "choices", i, &ch);
            cum += cfg_number_req(&ch, "probability", 0, 1);
            st->choice_cum[i] = cum;
            const char *nx = cfg_string_req(&ch, "next");
            s->states[k].choice_names[i] = nx ? strdup(nx) : NULL;
            st->n_choices = i + 1;
            cfg_done(&ch);
        }
        if (!cfg_failed(c) && cum > 1 + 1e-9)
            cfg_fail(c, "choices", "the probabilities add up to %g; at most 1 (the rest goes to \"default\")", cum);
        const char *def = cfg_string(c, "default", NULL);
        /* The default takes what the choices leave. */
        st->choice_cum[st->n_choices] = 1.0;
        st->choice_names[st->n_choices] = def ? strdup(def) : NULL;
        if (!cfg_failed(c) && !def && cum < 1 - 1e-9)
            cfg_missing(c, "default", "the state that takes the probability the choices leave");
        break;
    }
    case S_WAIT: {
        st->event = cfg_bool(c, "event", false);
        if (!cfg_has(c, "seconds"))
            cfg_missing(c, "seconds", st->event ? "the event's delay in s, a number or a distribution"
                                                 : "the wait in s, a number or a distribution");
        else
            dist_parse(c, "seconds", NULL, 31536000, &st->wait_s);
        if (st->event && cfg_has(c, "timeout_s")) {
            st->event_timeout_s = cfg_number(c, "timeout_s", 0, 0.001, 31536000);
        } else {
            st->event_timeout_s = INFINITY;
            if (st->event)
                cfg_put(c, "timeout_s", cJSON_CreateNull());
        }
        const char *catch_name = cfg_string(c, "catch", NULL);
        st->catch_name = catch_name ? strdup(catch_name) : NULL;
        break;
    }
    case S_PARALLEL: {
        size_t n = cfg_array_len(c, "branches");
        if (n == 0 || n > 100) {
            cfg_fail(c, "branches", "expected 1 to 100 branches, each {\"start_at\", \"states\"}");
            break;
        }
        st->branch_scope = calloc(n, sizeof *st->branch_scope);
        if (!st->branch_scope) {
            cfg_fail(c, "branches", "out of memory");
            break;
        }
        st->n_branches = n;
        const char *catch_name = cfg_string(c, "catch", NULL);
        st->catch_name = catch_name ? strdup(catch_name) : NULL;
        for (size_t i = 0; i < n && !cfg_failed(c); i++) {
            cfg_node b;
            cfg_array_object(c, "branches", i, &b);
            int sc = parse_scope(&b, s, depth + 1);
            s->states[k].branch_scope[i] = sc;
            cfg_done(&b);
        }
        break;
    }
    case S_MAP: {
        if (!cfg_has(c, "items"))
            cfg_missing(c, "items", "the number of items, a number or a distribution");
        else
            dist_parse(c, "items", NULL, 1e6, &st->items);
        st->max_concurrency = (uint32_t)cfg_integer(c, "max_concurrency", 0, 0, 1000000);
        only_on(c, s, "tolerated_failure_pct", ON(WF_STEP_FUNCTIONS), "Step Functions (service \"step-functions\")");
        only_on(c, s, "items_per_batch", ON(WF_STEP_FUNCTIONS), "Step Functions (service \"step-functions\")");
        st->tolerated_pct = cfg_number(c, "tolerated_failure_pct", 0, 0, 100);
        st->items_per_batch = (uint32_t)cfg_integer(c, "items_per_batch", 1, 1, 1000000);
        const char *catch_name = cfg_string(c, "catch", NULL);
        st->catch_name = catch_name ? strdup(catch_name) : NULL;
        if (!cfg_failed(c)) {
            int sc = parse_scope(c, s, depth + 1);
            s->states[k].item_scope = sc;
        }
        break;
    }
    case S_SUCCEED:
    case S_FAIL:
        break;
    }
}

/* A scope: start_at and states, parsed into s (nested scopes recursively). Returns its id. */
static int parse_scope(cfg_node *n, wf_spec *s, int depth)
{
    if (depth > 8) {
        cfg_fail(n, "states", "states nested more than 8 deep");
        return -1;
    }
    int scope = add_scope(s, n);
    size_t count = cfg_array_len(n, "states");
    if (scope < 0 || cfg_failed(n))
        return -1;
    if (count == 0 || count > 1000) {
        cfg_fail(n, "states", "expected 1 to 1000 states");
        return -1;
    }
    /* This list's states, by position (nested lists add theirs in between). */
    int *idx = calloc(count, sizeof *idx);
    if (!idx) {
        cfg_fail(n, "states", "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count && !cfg_failed(n); i++) {
        cfg_node c;
        cfg_array_object(n, "states", i, &c);
        int k = add_state(s, &c);
        if (k < 0)
            break;
        idx[i] = k;
        parse_state(&c, s, k, scope, depth);
        cfg_done(&c);
    }
    if (cfg_failed(n)) {
        free(idx);
        return -1;
    }
    int first = idx[0];
    /* Names are resolved within the scope. */
    const char *start = cfg_string(n, "start_at", NULL);
    if (!start) {
        s->scope_start[scope] = first;
        cfg_put(n, "start_at", cJSON_CreateString(s->states[first].name));
    } else if ((s->scope_start[scope] = find_in_scope(s, scope, start)) < 0) {
        cfg_fail(n, "start_at", "no state of this list is named \"%s\"", start);
        free(idx);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        cfg_node c;
        cfg_root(&c, n->ctx, NULL, NULL);
        snprintf(c.path, sizeof c.path, "%.200s%sstates[%zu]", n->path, n->path[0] ? "." : "", i);
        wf_state *st = &s->states[idx[i]];
        const char *bad = NULL, *key = NULL;
        if (st->next_name && (st->next = find_in_scope(s, scope, st->next_name)) < 0)
            bad = st->next_name, key = "next";
        else if (!st->next_name && !st->ends && st->type != S_SUCCEED && st->type != S_FAIL &&
                 st->type != S_CHOICE && i + 1 < count)
            st->next = idx[i + 1];
        if (!bad && st->catch_name && (st->catch_next = find_in_scope(s, scope, st->catch_name)) < 0)
            bad = st->catch_name, key = "catch";
        for (size_t k = 0; !bad && k <= st->n_choices && st->choice_next; k++) {
            if (!st->choice_names[k]) {
                st->choice_next[k] = -1;
                continue;
            }
            if ((st->choice_next[k] = find_in_scope(s, scope, st->choice_names[k])) < 0)
                bad = st->choice_names[k], key = k < st->n_choices ? "choices" : "default";
        }
        if (bad) {
            cfg_fail(&c, key, "no state of this list is named \"%s\"", bad);
            free(idx);
            return -1;
        }
    }
    free(idx);
    return scope;
}

/* ---- loops that take no time ---------------------------------------------------------
 * Only task states and waits of a positive time let simulated time pass (parallel and map
 * states through the states inside them). A loop of states without any would go round
 * without end at one instant, so it is refused. The check is conservative where a state
 * only may take no time (a map over a drawn number of items that may be 0, a branch whose
 * choice may skip its task): the run's watchdog stops what the check lets through. */

/* Whether a state takes no time at all: no task and no positive wait in it. works_in[sc]
 * says whether scope sc holds a state that takes time (already known for the scopes
 * below the state). */
static bool state_instant(const wf_state *st, const bool *works_in)
{
    switch (st->type) {
    case S_TASK:
        return false;
    case S_WAIT:
        return dist_mean(&st->wait_s) <= 0;
    case S_PARALLEL:
        for (size_t b = 0; b < st->n_branches; b++)
            if (works_in[st->branch_scope[b]])
                return false;
        return true;
    case S_MAP:
        return dist_mean(&st->items) <= 0 || !works_in[st->item_scope];
    case S_CHOICE:
    case S_SUCCEED:
    case S_FAIL:
        return true;
    }
    return true;
}

/* Edge i out of a state to the next state it may enter at once: the key naming it in
 * *key; -1 past the last. A wait's catch is no such edge (it follows a positive timeout). */
static int instant_edge(const wf_state *st, size_t i, char *key, size_t size)
{
    if (st->next >= 0 && st->type != S_TASK && i-- == 0) {   /* a task's success takes time */
        snprintf(key, size, "next");
        return st->next;
    }
    for (size_t k = 0; st->choice_next && k <= st->n_choices; k++)
        if (st->choice_next[k] >= 0 && i-- == 0) {
            if (k < st->n_choices)
                snprintf(key, size, "choices[%zu].next", k);
            else
                snprintf(key, size, "default");
            return st->choice_next[k];
        }
    if (st->catch_next >= 0 && st->type != S_WAIT && i-- == 0) {
        snprintf(key, size, "catch");
        return st->catch_next;
    }
    return -1;
}

/* Refuses a loop of states that take no time. Returns 0, or -1 (message in n's context). */
static int check_instant_loops(const wf_spec *s, cfg_node *n)
{
    size_t ns = s->n_states;
    bool *works_in = calloc(s->n_scopes ? s->n_scopes : 1, sizeof *works_in);
    bool *instant = calloc(ns ? ns : 1, sizeof *instant);
    uint8_t *colour = calloc(ns ? ns : 1, 1);                 /* 0 unseen, 1 on the path, 2 done */
    size_t *path = malloc((ns ? ns : 1) * sizeof *path), *next = malloc((ns ? ns : 1) * sizeof *next);
    int rc = 0;
    if (!works_in || !instant || !colour || !path || !next) {
        cfg_fail(n, "states", "out of memory");
        rc = -1;
    }
    /* A nested state comes after the state that holds it: from the last state back, every
     * scope below a state is known before the state. */
    for (size_t k = ns; rc == 0 && k-- > 0;) {
        instant[k] = state_instant(&s->states[k], works_in);
        if (!instant[k])
            works_in[s->states[k].scope] = true;
        /* A task behind a circuit breaker takes time when it calls, but fails at once
         * while the breaker is open: its catch is entered without time passing. */
        if (s->states[k].type == S_TASK && s->states[k].task.breaker.on)
            instant[k] = true;
    }
    for (size_t root = 0; rc == 0 && root < ns; root++) {
        if (!instant[root] || colour[root])
            continue;
        size_t depth = 0;
        path[depth] = root;
        next[depth++] = 0;
        colour[root] = 1;
        while (depth > 0 && rc == 0) {
            size_t at = depth - 1;
            char key[64];
            int t = instant_edge(&s->states[path[at]], next[at]++, key, sizeof key);
            if (t < 0) {
                colour[path[at]] = 2;
                depth--;
            } else if (instant[t] && colour[t] == 0) {
                colour[t] = 1;
                path[depth] = (size_t)t;
                next[depth++] = 0;
            } else if (instant[t] && colour[t] == 1) {
                size_t from = 0;
                while (path[from] != (size_t)t)
                    from++;
                char loop[400];
                size_t used = 0;
                for (size_t i = from; i <= depth && used < sizeof loop; i++) {
                    int k = snprintf(loop + used, sizeof loop - used, "%s%s", i > from ? " -> " : "",
                                     s->states[i < depth ? path[i] : (size_t)t].name);
                    if (k < 0)
                        break;
                    used += (size_t)k;
                }
                if (used >= sizeof loop)
                    memcpy(loop + sizeof loop - 4, "...", 4);
                const wf_state *first = &s->states[path[from]];
                instant_edge(first, next[from] - 1, key, sizeof key);
                cfg_node c;
                cfg_root(&c, n->ctx, NULL, NULL);
                snprintf(c.path, sizeof c.path, "%s", first->path);
                bool breakers = false;
                for (size_t i = from; i < depth; i++)
                    breakers |= s->states[path[i]].type == S_TASK;
                cfg_fail(&c, key, "a loop of states that lets no time pass: %s (no task and no "
                         "positive wait on it, so an execution would go round it without end%s)", loop,
                         breakers ? "; a task behind a circuit breaker fails at once while it is open" : "");
                rc = -1;
            }
        }
    }
    free(works_in);
    free(instant);
    free(colour);
    free(path);
    free(next);
    return rc;
}

void *workflow_parse(cfg_node *n, world_spec *w)
{
    wf_spec *s = calloc(1, sizeof *s);
    if (!s) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    s->name = strdup(cfg_string_req(n, "name"));
    int v = world_service(n, w, "workflow", service_names, 0);
    if (v == 3 && w->provider == PROVIDER_CLOUDFLARE_WORKERS)
        s->service = WF_CLOUDFLARE;
    else
        s->service = v < 0 ? WF_STEP_FUNCTIONS : (wf_service)v;
    static const char *const types[] = { "standard", "express", NULL };
    s->express = cfg_enum(n, "type", types, 0) == 1;
    if (s->express && s->service != WF_STEP_FUNCTIONS)
        cfg_fail(n, "type", "\"express\" is a Step Functions type (service \"step-functions\"); this "
                 "workflow's service is \"%s\"", service_label(s->service));
    unsigned durable = ON(WF_DURABLE), cloudflare = ON(WF_CLOUDFLARE);
    const char *durable_owner = "Durable Functions (service \"durable-functions\")";
    const char *cloudflare_owner = "Cloudflare Workflows (service \"workflows\" on platform.provider "
                                   "\"cloudflare-workers\")";
    only_on(n, s, "memory_mb", ON(WF_STEP_FUNCTIONS) | durable,
            "Step Functions Express or Durable Functions (service \"step-functions\" or \"durable-functions\")");
    only_on(n, s, "replay_ms", durable, durable_owner);
    only_on(n, s, "storage_transactions_per_step", durable, durable_owner);
    only_on(n, s, "max_queue_polling_interval_s", durable, durable_owner);
    only_on(n, s, "cpu_ms_per_step", cloudflare, cloudflare_owner);
    only_on(n, s, "retention_days", cloudflare, cloudflare_owner);
    if (s->service == WF_DURABLE) {
        /* The orchestrator: a Consumption execution per replay, observed memory rounded up
         * to 128 MB (at most 1,536 MB), 100 ms at least, to the ms. */
        s->memory_mb = cfg_number(n, "memory_mb", 128, 1, 1536);
        s->replay_ms = cfg_number(n, "replay_ms", 50, 1, 600000);
        double gb = ceil(s->memory_mb / 128.0 - 1e-9) * 128.0 / 1024.0;
        s->replay_gb_s = gb * fmax(0.1, ceil(s->replay_ms - 1e-9) / 1000.0);
        s->storage_transactions_per_step = cfg_number(n, "storage_transactions_per_step", 10, 0, 1000);
        s->max_poll_s = cfg_number(n, "max_queue_polling_interval_s", 30, 0.05, 3600);
        s->min_poll_s = 0.05;
    } else if (s->service == WF_STEP_FUNCTIONS) {
        /* Express bills memory in 64 MB steps; a small state machine uses the minimum. */
        s->memory_mb = cfg_number(n, "memory_mb", 64, 1, 10240);
    } else if (s->service == WF_CLOUDFLARE) {
        s->cpu_ms_per_step = cfg_number(n, "cpu_ms_per_step", 5, 0, 300000);
        s->retention_s = cfg_number(n, "retention_days", 7, 1, 30) * 86400.0;
    }
    double limit = s->express ? EXPRESS_MAX_S : 31536000.0;
    if (cfg_has(n, "timeout_s")) {
        s->timeout_s = cfg_number(n, "timeout_s", limit, 1, limit);
    } else {
        s->timeout_s = limit;
        cfg_put(n, "timeout_s", cJSON_CreateNull());
    }
    s->trace_executions = (uint32_t)cfg_integer(n, "trace_executions", 0, 0, 100);
    if (!cfg_failed(n))
        parse_scope(n, s, 0);
    if (!cfg_failed(n))
        check_instant_loops(s, n);
    cfg_know(n, "kind");
    cfg_done(n);
    if (cfg_failed(n)) {
        workflow_free_spec(s);
        return NULL;
    }
    return s;
}

static int link_task(wf_task *t, const world_spec *w, cfg_ctx *ctx, const wf_state *st, bool comp)
{
    t->target = world_spec_component(w, t->target_name);
    if (t->target >= 0 && w->components[t->target].kind->accept) {
        /* Google Workflows: calls to Cloud Run (the functions) and to other workflows (the
         * Workflows API) are internal steps; calls to the scenario's other services are
         * HTTP requests outside Google Cloud, external steps. */
        const char *kind = w->components[t->target].kind->name;
        t->external = strcmp(kind, "function") != 0 && strcmp(kind, "workflow") != 0;
        return 0;
    }
    cfg_node c;
    cfg_root(&c, ctx, NULL, NULL);
    snprintf(c.path, sizeof c.path, "%.200s%s", st->path, comp ? ".compensation" : "");
    if (t->target < 0)
        cfg_fail(&c, "target", "no component is named \"%s\"", t->target_name);
    else
        cfg_fail(&c, "target", "\"%s\" is a %s, which takes no synchronous calls (a task calls a "
                 "function, service, pool or workflow)", t->target_name, w->components[t->target].kind->name);
    return -1;
}

int workflow_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    (void)path;     /* each state keeps its own */
    wf_spec *s = p;
    for (size_t i = 0; i < s->n_states; i++) {
        wf_state *st = &s->states[i];
        if (st->type == S_TASK && link_task(&st->task, w, ctx, st, false) != 0)
            return -1;
        if (st->has_comp && link_task(&st->comp, w, ctx, st, true) != 0)
            return -1;
        if (st->type == S_TASK && w->components[st->task.target].spec == p) {
            cfg_node c;
            cfg_root(&c, ctx, NULL, NULL);
            snprintf(c.path, sizeof c.path, "%s", st->path);
            cfg_fail(&c, "target", "a workflow cannot start itself (a recursive loop)");
            return -1;
        }
    }
    return 0;
}


/* Tasks and compensations: the execution waits for each call. */
bool workflow_calls(const void *spec, const char *path, size_t i, component_edge *e)
{
    (void)path;     /* each state keeps its own */
    const wf_spec *s = spec;
    for (size_t k = 0; k < s->n_states; k++) {
        const wf_state *st = &s->states[k];
        if (st->type == S_TASK && i-- == 0) {
            e->target = st->task.target;
            snprintf(e->path, sizeof e->path, "%.200s.target", st->path);
            return true;
        }
        if (st->has_comp && i-- == 0) {
            e->target = st->comp.target;
            snprintf(e->path, sizeof e->path, "%.200s.compensation.target", st->path);
            return true;
        }
    }
    return false;
}
