/* workflow.c — the `workflow` kind: a state machine (AWS Step Functions-like), Standard or
 * Express, with tasks (sync calls to functions, services, pools or other workflows), choices,
 * waits (timed, or for an external event such as a human approval), parallel branches, maps
 * over a drawn number of items, succeed and fail states, retries and catches, and sagas
 * (compensations run in reverse order when an execution fails).
 *
 * An execution is a tree of frames: a frame runs one scope (the top-level states, a branch of
 * a parallel state, or one item of a map) one state at a time; a parallel or map state waits
 * for the child frames it starts. Frames and executions are pooled and addressed by index;
 * every event and every call carries the frame's epoch, bumped when the frame enters a state
 * or is released, so anything that arrives for a state that has moved on is dropped. An
 * execution keeps the list of its frames, so that an execution that ends (or a parallel state
 * that fails fast) releases the frames still running under it at once.
 *
 * Billing follows Step Functions: Standard counts a state transition each time a state is
 * entered and each time a task is retried; Express counts executions and their duration,
 * rounded up to 100 ms, at the workflow's memory rounded up to 64 MB, and an Express
 * execution cannot run longer than 5 minutes. */
#include "models/workflow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/retry.h"
#include "sim/dist.h"

#define NONE UINT32_MAX
#define EXPRESS_MAX_S 300.0
#define COMP_MAX 32

/* ---- spec ------------------------------------------------------------------------ */

typedef enum stype { S_TASK, S_CHOICE, S_WAIT, S_PARALLEL, S_MAP, S_SUCCEED, S_FAIL } stype;
static const char *const stype_names[] = { "task", "choice", "wait", "parallel", "map", "succeed",
                                           "fail", NULL };

typedef struct wf_task {
    char    *target_name;
    int      target;
    double   timeout_s;           /* INFINITY: none */
    double   size_kb;
    /* Retry, as Amazon States Language's Retrier: up to max_retries retries, the first after
     * interval_s, each next one backoff_rate times longer, capped at max_delay_s. */
    uint32_t max_retries;
    double   interval_s, backoff_rate, max_delay_s;
    bool     jitter;              /* FULL: each wait drawn from [0, delay) */
    bool     retry_on[5];
} wf_task;

typedef struct wf_state {
    char    *name;
    char     path[CFG_PATH_MAX];  /* its JSON path, for messages after parsing */
    stype    type;
    int      scope;
    int      next;                /* -1: the scope ends here, successfully */
    char    *next_name;
    bool     ends;                /* `end`: no next state */
    /* task */
    wf_task  task;
    int      catch_next;          /* -1: a failure fails the scope */
    char    *catch_name;
    bool     has_comp;
    wf_task  comp;
    /* choice */
    size_t   n_choices;
    double  *choice_cum;
    int     *choice_next;
    char   **choice_names;
    /* wait */
    dist     wait_s;
    bool     event;               /* wait for an external event; wait_s is its delay */
    double   event_timeout_s;     /* INFINITY: none */
    /* parallel */
    size_t   n_branches;
    int     *branch_scope;
    /* map */
    dist     items;
    uint32_t max_concurrency;     /* 0: no limit */
    double   tolerated_pct;
    uint32_t items_per_batch;
    int      item_scope;
} wf_state;

typedef struct wf_spec {
    char     *name;
    bool      express;
    double    memory_mb;          /* Express: billed memory */
    double    timeout_s;          /* the execution's own limit */
    size_t    n_states;
    wf_state *states;
    size_t    n_scopes;
    int      *scope_start;
    uint32_t  trace_executions;
} wf_spec;

static void task_free(wf_task *t) { free(t->target_name); }

static void workflow_free_spec(void *p)
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


/* A task object (a state's, or a compensation's): target, timeout_s, retry, size_kb. */
static void parse_task(cfg_node *c, wf_task *t)
{
    t->target = -1;
    t->target_name = strdup(cfg_string_req(c, "target"));
    if (cfg_has(c, "timeout_s")) {
        t->timeout_s = cfg_number(c, "timeout_s", 0, 0.001, 31536000);
    } else {
        t->timeout_s = INFINITY;
        cfg_put(c, "timeout_s", cJSON_CreateNull());
    }
    t->size_kb = cfg_number(c, "size_kb", 1, 0.001, 262144);
    cfg_node r;
    cfg_object(c, "retry", &r);
    /* Amazon States Language's defaults: 3 retries, 1 s, rate 2, no cap, no jitter. */
    t->max_retries = (uint32_t)cfg_integer(&r, "max_retries", 3, 0, 99999999);
    t->interval_s = cfg_number(&r, "interval_s", 1, 0, 99999999);
    t->backoff_rate = cfg_number(&r, "backoff_rate", 2, 1, 1000);
    if (cfg_has(&r, "max_delay_s")) {
        t->max_delay_s = cfg_number(&r, "max_delay_s", 0, 0, 31536000);
    } else {
        t->max_delay_s = INFINITY;
        cfg_put(&r, "max_delay_s", cJSON_CreateNull());
    }
    static const char *const jitters[] = { "none", "full", NULL };
    t->jitter = cfg_enum(&r, "jitter", jitters, 0) == 1;
    retry_parse_on(&r, t->retry_on);
    cfg_done(&r);
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
        parse_task(c, &t);
        s->states[k].task = t;
        const char *catch_name = cfg_string(c, "catch", NULL);
        s->states[k].catch_name = catch_name ? strdup(catch_name) : NULL;
        if (cfg_has(c, "compensation")) {
            cfg_node comp;
            cfg_object(c, "compensation", &comp);
            wf_task ct = { 0 };
            parse_task(&comp, &ct);
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
    if (st->next >= 0 && i-- == 0) {
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
                cfg_fail(&c, key, "a loop of states that lets no time pass: %s (no task and no "
                         "positive wait on it, so an execution would go round it without end)", loop);
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

static void *workflow_parse(cfg_node *n, world_spec *w)
{
    (void)w;
    wf_spec *s = calloc(1, sizeof *s);
    if (!s) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    s->name = strdup(cfg_string_req(n, "name"));
    static const char *const types[] = { "standard", "express", NULL };
    s->express = cfg_enum(n, "type", types, 0) == 1;
    /* Express bills memory in 64 MB steps; a small state machine uses the minimum. */
    s->memory_mb = cfg_number(n, "memory_mb", 64, 1, 10240);
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
    if (t->target >= 0 && w->components[t->target].kind->accept)
        return 0;
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

static int workflow_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
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

/* ---- run state ------------------------------------------------------------------- */

typedef enum wf_outcome { WF_SUCCEEDED, WF_FAILED, WF_TIMED_OUT, WF_COMPENSATED,
                          WF_COMPENSATION_FAILED, WF_OUTCOMES } wf_outcome;
static const char *const outcome_names[WF_OUTCOMES] = { "succeeded", "failed", "timed_out",
                                                        "compensated", "compensation_failed" };

/* Executions and frames live in pools: both begin with this link (C11 anonymous struct). */
typedef struct pool_link {
    uint32_t next_free;     /* free list */
    uint32_t epoch;         /* bumped each time the element is taken and released */
} pool_link;

typedef struct wf_exec {
    struct { uint32_t next_free; uint32_t epoch; };
    uint32_t req;           /* the request that started it */
    uint32_t frames;        /* head of its frame list */
    uint32_t transitions;
    uint32_t n_comp, comp_done;
    uint16_t comp[COMP_MAX];/* states whose compensation is owed, in completion order */
    double   started, deadline, wait_s, work_s;
    uint8_t  live, measured, sync, traced;
    uint32_t trace_id;
} wf_exec;

typedef struct wf_frame {
    struct { uint32_t next_free; uint32_t epoch; };
    uint32_t exec, exec_epoch;
    uint32_t parent, parent_epoch;
    uint32_t prev, next;    /* the execution's frame list */
    int      state;
    uint32_t attempt;
    double   entered;
    /* a parallel or map state waiting on its children */
    uint32_t pending, started, done, failed, total;
    uint8_t  live, issuing, comp_frame;
    uint8_t  in_state;      /* its state's time is running (not yet added to the figures) */
} wf_frame;

typedef struct state_stats {
    uint64_t entries, retries;
    double   time_s;
} state_stats;

typedef struct workflow_state {
    const wf_spec *s;
    world    *w;
    int       index;
    wf_exec  *ex;
    uint32_t  cap_ex, free_ex;
    wf_frame *fr;
    uint32_t  cap_fr, free_fr;
    gsl_rng  *r_choice, *r_wait, *r_items, *r_retry;
    uint64_t  started, outcomes[WF_OUTCOMES], compensations_run;
    uint64_t  transitions, express_100ms_units, billed_executions;
    double    transitions_max, wait_s, work_s;
    tally     transitions_t;
    hist      latency_ms;
    state_stats *stats;
    gauge     in_flight;
    series    in_flight_s;
    /* the first trace_executions executions started in the window, as text */
    char     *trace;
    size_t    trace_len, trace_cap;
    uint32_t  traced;
} workflow_state;

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

static void trace(workflow_state *st, const wf_exec *e, const char *state, const char *event)
{
    if (!e->traced)
        return;
    char line[256];
    int n = snprintf(line, sizeof line, "%.6f,%s,%u,%s,%s\n", sim_now(st->w->s), st->s->name,
                     e->trace_id, state, event);
    if (n <= 0)
        return;
    if (st->trace_len + (size_t)n + 1 > st->trace_cap) {
        size_t cap = st->trace_cap ? 2 * st->trace_cap : 4096;
        while (cap < st->trace_len + (size_t)n + 1)
            cap *= 2;
        char *grown = realloc(st->trace, cap);
        if (!grown)
            return;
        st->trace = grown;
        st->trace_cap = cap;
    }
    memcpy(st->trace + st->trace_len, line, (size_t)n + 1);
    st->trace_len += (size_t)n;
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

/* ---- pools ---- */

/* Takes an element from a pool of elements of size elem (doubling it when empty): zeroed,
 * its epoch one more than its last. Returns its index, or NONE when out of memory. */
static uint32_t pool_take(void **arr, uint32_t *cap, uint32_t *free_head, size_t elem)
{
    if (*free_head == NONE) {
        uint32_t grown = *cap ? 2 * *cap : 64;
        char *g = realloc(*arr, grown * elem);
        if (!g)
            return NONE;
        memset(g + (size_t)*cap * elem, 0, (size_t)(grown - *cap) * elem);
        for (uint32_t i = grown; i-- > *cap;) {
            ((pool_link *)(g + (size_t)i * elem))->next_free = *free_head;
            *free_head = i;
        }
        *arr = g;
        *cap = grown;
    }
    uint32_t k = *free_head;
    pool_link *l = (pool_link *)((char *)*arr + (size_t)k * elem);
    *free_head = l->next_free;
    uint32_t epoch = l->epoch;
    memset(l, 0, elem);
    l->epoch = epoch + 1;
    return k;
}

static void pool_give(void *arr, uint32_t *free_head, size_t elem, uint32_t k)
{
    pool_link *l = (pool_link *)((char *)arr + (size_t)k * elem);
    l->epoch++;
    l->next_free = *free_head;
    *free_head = k;
}

static uint32_t exec_new(workflow_state *st)
{
    uint32_t k = pool_take((void **)&st->ex, &st->cap_ex, &st->free_ex, sizeof *st->ex);
    if (k == NONE)
        return NONE;
    wf_exec *e = &st->ex[k];
    e->live = 1;
    e->frames = NONE;
    return k;
}

static uint32_t frame_new(workflow_state *st, uint32_t exec, uint32_t parent)
{
    uint32_t k = pool_take((void **)&st->fr, &st->cap_fr, &st->free_fr, sizeof *st->fr);
    if (k == NONE)
        return NONE;
    wf_frame *f = &st->fr[k];
    f->live = 1;
    f->exec = exec;
    f->exec_epoch = st->ex[exec].epoch;
    f->parent = parent;
    f->parent_epoch = parent == NONE ? 0 : st->fr[parent].epoch;
    f->state = -1;
    /* Link at the head of the execution's list. */
    wf_exec *e = &st->ex[exec];
    f->prev = NONE;
    f->next = e->frames;
    if (e->frames != NONE)
        st->fr[e->frames].prev = k;
    e->frames = k;
    return k;
}

static void frame_free(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    wf_exec *e = &st->ex[f->exec];
    if (f->prev != NONE)
        st->fr[f->prev].next = f->next;
    else
        e->frames = f->next;
    if (f->next != NONE)
        st->fr[f->next].prev = f->prev;
    f->live = 0;
    pool_give(st->fr, &st->free_fr, sizeof *st->fr, k);
}

/* Whether frame k (and every frame above it) is still where its events left it. */
static bool frame_alive(const workflow_state *st, uint32_t k)
{
    const wf_frame *f = &st->fr[k];
    if (!f->live || !st->ex[f->exec].live || st->ex[f->exec].epoch != f->exec_epoch)
        return false;
    while (f->parent != NONE) {
        const wf_frame *p = &st->fr[f->parent];
        if (!p->live || p->epoch != f->parent_epoch)
            return false;
        f = p;
    }
    return true;
}

static void frame_stop(workflow_state *st, uint32_t k);

/* Releases every frame below frame k (its children, theirs, ...). */
static void free_descendants(workflow_state *st, uint32_t k)
{
    wf_exec *e = &st->ex[st->fr[k].exec];
    uint32_t i = e->frames;
    while (i != NONE) {
        uint32_t next = st->fr[i].next;
        const wf_frame *f = &st->fr[i];
        bool below = false;
        while (f->parent != NONE) {
            if (f->parent == k) {
                below = true;
                break;
            }
            f = &st->fr[f->parent];
        }
        if (below && i != k) {
            frame_stop(st, i);
            frame_free(st, i);
            next = e->frames;      /* the list changed: start over (rare, small) */
        }
        i = next;
    }
}

static uint64_t fr_arg(const workflow_state *st, uint32_t k)
{
    return sim_gen_pack(st->fr[k].epoch, k);
}

static wf_frame *fr_of(workflow_state *st, uint64_t arg)
{
    uint32_t k = sim_payload_of(arg);
    if (k >= st->cap_fr || st->fr[k].epoch != sim_gen_of(arg) || !frame_alive(st, k))
        return NULL;
    return &st->fr[k];
}

/* ---- executions ---- */

/* Standard bills the transitions that happen in the window, whenever their executions
 * started: a steady workload's bill does not depend on how long the run is, and an
 * execution still waiting at the end of the window (for a person) has paid for what it
 * did. */
static void count_transition(workflow_state *st, wf_exec *e)
{
    e->transitions++;
    if (world_measuring(st->w, sim_now(st->w->s)))
        st->transitions++;
}

static void run_state(workflow_state *st, uint32_t k, int state);
static void scope_done(workflow_state *st, uint32_t k, bool ok);
static void start_compensation(workflow_state *st, uint32_t exec);

static void exec_end(workflow_state *st, uint32_t x, wf_outcome outcome)
{
    world *w = st->w;
    wf_exec *e = &st->ex[x];
    double now = sim_now(w->s);
    trace(st, e, "-", outcome_names[outcome]);
    for (uint32_t i = e->frames; i != NONE; i = st->fr[i].next)
        frame_stop(st, i);
    double d = now - e->started;
    if (world_measuring(w, now)) {
        /* Billed as it ends, whenever it started (Express: its whole duration). */
        st->billed_executions++;
        if (st->s->express) {
            uint64_t units = (uint64_t)ceil(d * 10.0 - 1e-9);   /* 100 ms steps */
            st->express_100ms_units += units < 1 ? 1 : units;
        }
    }
    if (e->measured) {
        st->outcomes[outcome]++;
        tally_add(&st->transitions_t, (double)e->transitions);
        if (e->transitions > st->transitions_max)
            st->transitions_max = e->transitions;
        st->wait_s += e->wait_s;
        st->work_s += e->work_s;
        hist_add(&st->latency_ms, d * 1000.0);
    }
    gauge_add(&st->in_flight, now, -1.0);
    while (e->frames != NONE)
        frame_free(st, e->frames);
    e->live = 0;
    uint32_t req = e->req;
    bool sync = e->sync;
    pool_give(st->ex, &st->free_ex, sizeof *st->ex, x);
    if (req == NONE)
        return;
    if (sync) {
        static const attempt_result as_result[WF_OUTCOMES] = {
            [WF_SUCCEEDED] = RESULT_OK, [WF_FAILED] = RESULT_ERROR, [WF_TIMED_OUT] = RESULT_TIMEOUT,
            [WF_COMPENSATED] = RESULT_ERROR, [WF_COMPENSATION_FAILED] = RESULT_ERROR,
        };
        world_reply(w, req, as_result[outcome]);
    } else {
        static const request_outcome as_outcome[WF_OUTCOMES] = {
            [WF_SUCCEEDED] = OUTCOME_COMPLETED, [WF_FAILED] = OUTCOME_FAILED,
            [WF_TIMED_OUT] = OUTCOME_TIMED_OUT, [WF_COMPENSATED] = OUTCOME_FAILED,
            [WF_COMPENSATION_FAILED] = OUTCOME_FAILED,
        };
        world_finish(w, req, as_outcome[outcome]);
    }
}

/* The execution's top scope ended: succeeded, or failed (then compensations, if owed). */
static void exec_scope_done(workflow_state *st, uint32_t x, bool ok)
{
    wf_exec *e = &st->ex[x];
    if (ok) {
        exec_end(st, x, WF_SUCCEEDED);
        return;
    }
    if (e->n_comp == 0) {
        exec_end(st, x, WF_FAILED);
        return;
    }
    start_compensation(st, x);
}

static void on_exec_deadline(sim *s, void *target, uint64_t arg);

/* Schedules handler for frame k at t, unless the execution's limit comes first: then the
 * execution times out at its limit instead. */
static void frame_at(workflow_state *st, uint32_t k, double t, sim_handler handler)
{
    double deadline = st->ex[st->fr[k].exec].deadline;
    if (t >= deadline)
        sim_at(st->w->s, deadline, on_exec_deadline, st, fr_arg(st, k));
    else
        sim_at(st->w->s, t, handler, st, fr_arg(st, k));
}

static void on_exec_deadline(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    wf_frame *f = fr_of(st, arg);
    if (f)
        exec_end(st, f->exec, WF_TIMED_OUT);
}

/* A synchronous caller stops waiting: it is told `timeout`, and the execution runs on. */
static void on_caller_deadline(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    uint32_t x = sim_payload_of(arg);
    if (x >= st->cap_ex || !st->ex[x].live || st->ex[x].epoch != sim_gen_of(arg) || st->ex[x].req == NONE)
        return;
    uint32_t req = st->ex[x].req;
    st->ex[x].req = NONE;
    world_reply(st->w, req, RESULT_TIMEOUT);
}

static void start_execution(workflow_state *st, world *w, uint32_t req, bool sync)
{
    double now = sim_now(w->s);
    uint32_t x = exec_new(st);
    if (x == NONE) {
        w->out_of_memory = 1;
        if (sync)
            world_reply(w, req, RESULT_ERROR);
        else
            world_finish(w, req, OUTCOME_FAILED);
        return;
    }
    wf_exec *e = &st->ex[x];
    e->req = req;
    e->sync = sync;
    e->started = now;
    e->measured = world_measuring(w, now);
    if (e->measured) {
        st->started++;
        if (st->traced < st->s->trace_executions) {
            e->traced = 1;
            e->trace_id = ++st->traced;
        }
    }
    gauge_add(&st->in_flight, now, 1.0);
    /* No timer for the execution's own limit: whatever would outlast it (a wait, a retry's
     * sleep, a task's call) is cut to end there (frame_at, issue_task). */
    e->deadline = now + st->s->timeout_s;
    double deadline = w->req[req].deadline;
    if (sync && deadline < e->deadline)
        sim_at(w->s, deadline > now ? deadline : now, on_caller_deadline, st, sim_gen_pack(e->epoch, x));
    trace(st, e, "-", "started");
    uint32_t root = frame_new(st, x, NONE);
    if (root == NONE) {
        w->out_of_memory = 1;
        exec_end(st, x, WF_FAILED);
        return;
    }
    run_state(st, root, st->s->scope_start[0]);
}

static void workflow_accept(void *state, world *w, uint32_t req)
{
    start_execution(state, w, req, true);
}

static void workflow_enqueue(void *state, world *w, uint32_t req)
{
    start_execution(state, w, req, false);
}

/* ---- states ---- */

static void state_left(workflow_state *st, wf_frame *f)
{
    if (!f->in_state)
        return;
    f->in_state = 0;
    if (f->state >= 0 && st->ex[f->exec].measured)
        st->stats[f->state].time_s += sim_now(st->w->s) - f->entered;
}

/* A frame stopped in the middle of a state (its execution ended, or a sibling failed):
 * the time it spent there still counts. */
static void frame_stop(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    if (!f->in_state || f->state < 0)
        return;
    wf_exec *e = &st->ex[f->exec];
    double spent = sim_now(st->w->s) - f->entered;
    if (st->s->states[f->state].type == S_WAIT)
        e->wait_s += spent;
    else if (st->s->states[f->state].type == S_TASK)
        e->work_s += spent;
    state_left(st, f);
}

/* The frame's current state is done, successfully: on to its next. */
static void state_ok(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    const wf_state *s = &st->s->states[f->state];
    state_left(st, f);
    if (s->next < 0)
        scope_done(st, k, true);
    else
        run_state(st, k, s->next);
}

/* The frame's current state failed for good: its catch, or the scope fails. */
static void state_failed(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    const wf_state *s = &st->s->states[f->state];
    state_left(st, f);
    trace(st, &st->ex[f->exec], s->name, "failed");
    if (s->catch_next >= 0)
        run_state(st, k, s->catch_next);
    else
        scope_done(st, k, false);
}

static void issue_task(workflow_state *st, uint32_t k, const wf_task *t)
{
    world *w = st->w;
    double now = sim_now(w->s);
    wf_frame *f = &st->fr[k];
    const wf_exec *e = &st->ex[f->exec];
    uint32_t sub = world_request_new(w);
    if (sub == NONE) {
        state_failed(st, k);
        return;
    }
    const request *from = e->req != NONE ? &w->req[e->req] : NULL;
    request *r = &w->req[sub];
    r->created = now;
    if (from) {
        r->source = from->source;
        r->tenant = from->tenant;
    }
    r->size_kb = (float)t->size_kb;
    r->caller = st->index;
    r->tag = k;
    r->epoch = f->epoch;
    r->is_call = 1;
    r->attempt = f->attempt;
    r->deadline = fmin(now + t->timeout_s, e->deadline);
    world_deliver(w, t->target, sub);
}

static void on_task_retry(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    wf_frame *f = fr_of(st, arg);
    if (!f)
        return;
    uint32_t k = sim_payload_of(arg);
    const wf_state *ws = &st->s->states[f->state];
    issue_task(st, k, f->comp_frame ? &st->s->states[st->ex[f->exec].comp[st->ex[f->exec].n_comp - 1 -
                                                                      st->ex[f->exec].comp_done]].comp
                                    : &ws->task);
}

static void compensation_step(workflow_state *st, uint32_t k);

static void workflow_reply(void *state, world *w, uint32_t sub, attempt_result result)
{
    workflow_state *st = state;
    const request r = w->req[sub];
    world_request_free(w, sub);
    uint32_t k = r.tag;
    if (k >= st->cap_fr || st->fr[k].epoch != r.epoch || !frame_alive(st, k))
        return;
    wf_frame *f = &st->fr[k];
    wf_exec *e = &st->ex[f->exec];
    double now = sim_now(w->s);
    if (result == RESULT_PARTIAL)
        result = RESULT_ERROR;
    if (result != RESULT_OK && now >= e->deadline) {
        exec_end(st, f->exec, WF_TIMED_OUT);      /* the execution's own limit */
        return;
    }
    const wf_task *t;
    const char *name;
    if (f->comp_frame) {
        int cs = e->comp[e->n_comp - 1 - e->comp_done];
        t = &st->s->states[cs].comp;
        name = st->s->states[cs].name;
    } else {
        t = &st->s->states[f->state].task;
        name = st->s->states[f->state].name;
    }
    if (result == RESULT_OK) {
        e->work_s += now - f->entered;
        if (f->comp_frame) {
            trace(st, e, name, "compensated");
            e->comp_done++;
            compensation_step(st, k);
            return;
        }
        trace(st, e, name, "succeeded");
        const wf_state *ws = &st->s->states[f->state];
        if (ws->has_comp && e->n_comp < COMP_MAX)
            e->comp[e->n_comp++] = (uint16_t)f->state;
        state_ok(st, k);
        return;
    }
    if (t->retry_on[result] && f->attempt <= t->max_retries) {
        double d = t->interval_s * pow(t->backoff_rate, (double)(f->attempt - 1));
        if (d > t->max_delay_s)
            d = t->max_delay_s;
        if (t->jitter)
            d *= gsl_rng_uniform(st->r_retry);
        f->attempt++;
        count_transition(st, e);            /* a retry is a state transition */
        if (e->measured && !f->comp_frame)
            st->stats[f->state].retries++;
        trace(st, e, name, "retry");
        f->epoch++;                         /* a late answer of the old attempt is dropped */
        frame_at(st, k, now + d, on_task_retry);
        return;
    }
    e->work_s += now - f->entered;
    if (f->comp_frame) {
        trace(st, e, name, "compensation failed");
        exec_end(st, f->exec, WF_COMPENSATION_FAILED);
        return;
    }
    state_failed(st, k);
}

/* Runs the owed compensations one by one, the most recent first. */
static void start_compensation(workflow_state *st, uint32_t x)
{
    wf_exec *e = &st->ex[x];
    for (uint32_t i = e->frames; i != NONE; i = st->fr[i].next)
        frame_stop(st, i);
    while (e->frames != NONE)
        frame_free(st, e->frames);
    uint32_t k = frame_new(st, x, NONE);
    if (k == NONE) {
        st->w->out_of_memory = 1;
        exec_end(st, x, WF_COMPENSATION_FAILED);
        return;
    }
    st->fr[k].comp_frame = 1;
    compensation_step(st, k);
}

static void compensation_step(workflow_state *st, uint32_t k)
{
    wf_frame *f = &st->fr[k];
    wf_exec *e = &st->ex[f->exec];
    if (e->comp_done >= e->n_comp) {
        exec_end(st, f->exec, WF_COMPENSATED);
        return;
    }
    int cs = e->comp[e->n_comp - 1 - e->comp_done];
    count_transition(st, e);
    if (e->measured)
        st->compensations_run++;
    f->epoch++;
    f->attempt = 1;
    f->entered = sim_now(st->w->s);
    trace(st, e, st->s->states[cs].name, "compensating");
    issue_task(st, k, &st->s->states[cs].comp);
}

/* A wait ends: its time has come (ok), or its event's timeout (not ok). */
static void wait_over(workflow_state *st, uint64_t arg, bool ok)
{
    wf_frame *f = fr_of(st, arg);
    if (!f)
        return;
    st->ex[f->exec].wait_s += sim_now(st->w->s) - f->entered;
    if (ok)
        state_ok(st, sim_payload_of(arg));
    else
        state_failed(st, sim_payload_of(arg));
}

static void on_wait_done(sim *s, void *target, uint64_t arg)
{
    (void)s;
    wait_over(target, arg, true);
}

static void on_wait_timeout(sim *s, void *target, uint64_t arg)
{
    (void)s;
    wait_over(target, arg, false);
}

/* Starts child frame for scope sc under frame k (a branch or a map item). */
static void start_child(workflow_state *st, uint32_t k, int sc)
{
    uint32_t exec = st->fr[k].exec;
    uint32_t c = frame_new(st, exec, k);
    if (c == NONE) {
        st->w->out_of_memory = 1;
        return;
    }
    st->fr[k].started++;
    run_state(st, c, st->s->scope_start[sc]);
}

/* A child of frame p ended. */
static void child_done(workflow_state *st, uint32_t p, bool ok)
{
    wf_frame *f = &st->fr[p];
    const wf_state *s = &st->s->states[f->state];
    f->done++;
    f->pending--;
    if (!ok)
        f->failed++;
    if (s->type == S_PARALLEL) {
        if (!ok) {                      /* fail fast: the other branches are stopped */
            free_descendants(st, p);
            f->epoch++;
            state_failed(st, p);
            return;
        }
    } else {
        if (!ok && 100.0 * (double)f->failed > s->tolerated_pct * (double)f->total) {
            free_descendants(st, p);
            f->epoch++;
            state_failed(st, p);
            return;
        }
        uint32_t epoch = f->epoch;
        if (f->started < f->total && !f->issuing) {
            f->pending++;
            start_child(st, p, s->item_scope);
            if (!st->fr[p].live || st->fr[p].epoch != epoch)
                return;
            f = &st->fr[p];
        }
    }
    if (f->pending == 0 && f->done >= f->total && !f->issuing)
        state_ok(st, p);
}

static void scope_done(workflow_state *st, uint32_t k, bool ok)
{
    wf_frame *f = &st->fr[k];
    uint32_t parent = f->parent, x = f->exec;
    if (parent == NONE) {
        exec_scope_done(st, x, ok);
        return;
    }
    frame_free(st, k);
    child_done(st, parent, ok);
}

static void enter_states(workflow_state *st, uint32_t k, int state);

static void on_state_deferred(sim *s, void *target, uint64_t arg)
{
    (void)s;
    workflow_state *st = target;
    wf_frame *f = fr_of(st, arg);
    if (f)
        run_state(st, sim_payload_of(arg), f->state);
}

/* Frame k enters state. States that end at once run the next at once, and a state's
 * task may be answered at once, which runs the next state again, and so on: deep on the C
 * stack, the state is entered from a zero-delay event instead (world_deep). */
static void run_state(workflow_state *st, uint32_t k, int state)
{
    world *w = st->w;
    if (world_deep(w)) {
        wf_frame *f = &st->fr[k];
        f->state = state;
        f->in_state = 0;
        f->epoch++;                 /* whatever was under way for the frame is dropped */
        sim_at(w->s, sim_now(w->s), on_state_deferred, st, fr_arg(st, k));
        return;
    }
    w->depth++;
    enter_states(st, k, state);
    w->depth--;
}

static void enter_states(workflow_state *st, uint32_t k, int state)
{
    world *w = st->w;
    const wf_spec *spec = st->s;
    /* A chain of instant states (choices) longer than the machine loops without end. */
    for (size_t hops = 0; hops <= spec->n_states; hops++) {
        double now = sim_now(w->s);
        wf_frame *f = &st->fr[k];
        wf_exec *e = &st->ex[f->exec];
        const wf_state *s = &spec->states[state];
        f->state = state;
        f->entered = now;
        f->attempt = 1;
        f->epoch++;
        f->in_state = 1;
        count_transition(st, e);
        if (e->measured)
            st->stats[state].entries++;
        trace(st, e, s->name, "entered");
        switch (s->type) {
        case S_TASK:
            issue_task(st, k, &s->task);
            return;
        case S_CHOICE: {
            double u = gsl_rng_uniform(st->r_choice);
            size_t c = 0;
            while (c < s->n_choices && u >= s->choice_cum[c])
                c++;
            state_left(st, f);
            if (s->choice_next[c] < 0) {   /* no default and nothing left: cannot happen */
                scope_done(st, k, false);
                return;
            }
            state = s->choice_next[c];
            continue;
        }
        case S_WAIT: {
            double d = dist_sample(&s->wait_s, st->r_wait);
            if (s->event && d > s->event_timeout_s)
                frame_at(st, k, now + s->event_timeout_s, on_wait_timeout);
            else
                frame_at(st, k, now + d, on_wait_done);
            return;
        }
        case S_PARALLEL: {
            f->pending = f->total = (uint32_t)s->n_branches;
            f->started = f->done = f->failed = 0;
            f->issuing = 1;
            uint32_t epoch = f->epoch;
            for (size_t b = 0; b < s->n_branches; b++) {
                start_child(st, k, s->branch_scope[b]);
                if (!st->fr[k].live || st->fr[k].epoch != epoch)
                    return;
            }
            f = &st->fr[k];
            f->issuing = 0;
            if (f->pending == 0)
                state_ok(st, k);
            return;
        }
        case S_MAP: {
            long n = lround(dist_sample(&s->items, st->r_items));
            uint32_t items = n > 0 ? (uint32_t)n : 0;
            uint32_t children = (items + s->items_per_batch - 1) / s->items_per_batch;
            f->total = children;
            f->started = f->done = f->failed = f->pending = 0;
            if (children == 0) {
                state_ok(st, k);
                return;
            }
            uint32_t first = s->max_concurrency && s->max_concurrency < children ? s->max_concurrency : children;
            f->issuing = 1;
            uint32_t epoch = f->epoch;
            for (uint32_t i = 0; i < first; i++) {
                st->fr[k].pending++;
                start_child(st, k, s->item_scope);
                if (!st->fr[k].live || st->fr[k].epoch != epoch)
                    return;
            }
            f = &st->fr[k];
            f->issuing = 0;
            /* Children that ended at once left room for more. */
            while (f->started < f->total &&
                   (!s->max_concurrency || f->pending < s->max_concurrency)) {
                f->pending++;
                f->issuing = 1;
                start_child(st, k, s->item_scope);
                if (!st->fr[k].live || st->fr[k].epoch != epoch)
                    return;
                f = &st->fr[k];
                f->issuing = 0;
            }
            if (f->pending == 0 && f->done >= f->total)
                state_ok(st, k);
            return;
        }
        case S_SUCCEED:
            state_left(st, f);
            scope_done(st, k, true);
            return;
        case S_FAIL:
            state_left(st, f);
            scope_done(st, k, false);
            return;
        }
    }
    scope_done(st, k, false);       /* choices that loop without end */
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
        metric_emit(m, outcome_names[k], (double)st->outcomes[k]);
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

/* Tasks and compensations: the execution waits for each call. */
static bool workflow_calls(const void *spec, const char *path, size_t i, component_edge *e)
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
