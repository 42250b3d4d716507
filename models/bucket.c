/* bucket.c — object storage (Amazon S3-like) that emits an object-created event per upload.
 *
 * An upload (a request sent to the bucket) is one PUT; the bucket then sends an event to
 * each of its `notify` targets (a queue, topic, bus, or a function invoked asynchronously)
 * and the upload's request is complete. Each object is later read reads_per_object times
 * (GETs, billed) and kept keep_days: the bill's storage is the steady-state amount, the
 * month's uploads times their size times keep_days / 30.4. */
#include "models/bucket.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bucket_spec {
    char   *name;
    size_t  n;
    char  **target_names;
    int    *targets;
    double  reads_per_object, keep_days;
} bucket_spec;

static void bucket_free_spec(void *p)
{
    bucket_spec *b = p;
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        free(b->target_names[i]);
    free(b->target_names);
    free(b->targets);
    free(b->name);
    free(b);
}

static void *bucket_parse(cfg_node *n, world_spec *w)
{
    (void)w;
    bucket_spec *b = calloc(1, sizeof *b);
    if (!b) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    b->name = strdup(cfg_string_req(n, "name"));
    const cJSON *list = cfg_raw(n, "notify");
    if (list && (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > 100)) {
        cfg_fail(n, "notify", "expected an array of at most 100 component names");
    } else if (list) {
        size_t count = (size_t)cJSON_GetArraySize(list);
        b->target_names = calloc(count ? count : 1, sizeof *b->target_names);
        b->targets = calloc(count ? count : 1, sizeof *b->targets);
        if (!b->target_names || !b->targets)
            cfg_fail(n, "notify", "out of memory");
        size_t i = 0;
        for (const cJSON *e = list->child; e && !cfg_failed(n); e = e->next, i++) {
            if (!cJSON_IsString(e) || !e->valuestring[0]) {
                char key[32];
                snprintf(key, sizeof key, "notify[%zu]", i);
                cfg_fail(n, key, "expected a component name");
                break;
            }
            for (size_t j = 0; j < i; j++)
                if (strcmp(b->target_names[j], e->valuestring) == 0) {
                    char key[32];
                    snprintf(key, sizeof key, "notify[%zu]", i);
                    cfg_fail(n, key, "\"%s\" is already notified", e->valuestring);
                }
            b->target_names[i] = strdup(e->valuestring);
            b->n = i + 1;
        }
        cfg_put(n, "notify", cJSON_Duplicate(list, 1));
    } else {
        cfg_put(n, "notify", cJSON_CreateArray());
    }
    b->reads_per_object = cfg_number(n, "reads_per_object", 0, 0, 1e6);
    b->keep_days = cfg_number(n, "keep_days", 30, 0, 36500);
    cfg_know(n, "kind");
    cfg_done(n);
    if (cfg_failed(n)) {
        bucket_free_spec(b);
        return NULL;
    }
    return b;
}

static int bucket_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    bucket_spec *b = p;
    for (size_t i = 0; i < b->n; i++) {
        int k = world_spec_component(w, b->target_names[i]);
        if (k < 0 || !w->components[k].kind->enqueue || w->components[k].spec == p) {
            cfg_node n;
            cfg_root(&n, ctx, NULL, NULL);
            snprintf(n.path, sizeof n.path, "%s", path);
            char key[32];
            snprintf(key, sizeof key, "notify[%zu]", i);
            cfg_fail(&n, key, "\"%s\" is not another component that takes events", b->target_names[i]);
            return -1;
        }
        b->targets[i] = k;
    }
    return 0;
}

typedef struct bucket_state {
    const bucket_spec *b;
    uint64_t uploads, events;
    double   kb;
} bucket_state;

static void *bucket_start(const void *spec, world *w, int index)
{
    (void)w;
    (void)index;
    bucket_state *st = calloc(1, sizeof *st);
    if (st)
        st->b = spec;
    return st;
}

static void bucket_enqueue(void *state, world *w, uint32_t req)
{
    bucket_state *st = state;
    double now = sim_now(w->s);
    bool measuring = world_measuring(w, now);
    const request original = w->req[req];   /* the pool may move as events are made */
    if (measuring) {
        st->uploads++;
        st->kb += original.size_kb;
    }
    size_t made = 0;
    for (size_t i = 0; i < st->b->n; i++) {
        uint32_t ev = world_request_new(w);
        if (ev == UINT32_MAX)
            break;
        made++;
        request *e = &w->req[ev];
        e->created = original.created;
        e->traced = original.measured || original.traced;
        e->source = original.source;
        e->poison = original.poison;
        e->size_kb = 1;                       /* an event describes the object */
        e->measured = 0;
        world_work_begin(w, ev, original.work == WORK_UNIT);
        if (measuring)
            st->events++;
        world_enqueue(w, st->b->targets[i], ev);
    }
    w->req[req].forwarded = made > 0;
    world_finish(w, req, OUTCOME_COMPLETED);
}

static void bucket_finish(void *state, world *w)
{
    (void)state;
    (void)w;
}

static void bucket_report(const void *spec, const void *state, metric_sink *m)
{
    const bucket_spec *b = spec;
    const bucket_state *st = state;
    bucket_state zero = { 0 };
    if (!st)
        st = &zero;
    metric_emit(m, "uploads", (double)st->uploads);
    metric_emit(m, "events", (double)st->events);
    metric_emit(m, "reads", (double)st->uploads * b->reads_per_object);
    metric_emit(m, "uploaded_gb", st->kb / (1024.0 * 1024.0));
}

static void bucket_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    (void)w;
    const bucket_spec *b = spec;
    const bucket_state *st = state;
    usage_add(u, index, "bucket.requests.put", (double)st->uploads);
    usage_add(u, index, "bucket.requests.get", (double)st->uploads * b->reads_per_object);
    /* Stored at steady state: uploads of keep_days (a month is 30.4 days) are kept. The
     * billing scale turns the window's uploads into the month's GB-months. */
    usage_add(u, index, "bucket.storage_gb_months", st->kb / (1024.0 * 1024.0) * b->keep_days / (730.0 / 24.0));
}

static void bucket_free_state(void *p) { free(p); }

static bool bucket_fanout(const void *spec, const char *path, size_t i, component_edge *e)
{
    const bucket_spec *b = spec;
    if (i >= b->n)
        return false;
    e->target = b->targets[i];
    snprintf(e->path, sizeof e->path, "%s.notify[%zu]", path, i);
    return true;
}

const component_kind bucket_kind = {
    .name = "bucket",
    .plural = "buckets",
    .parse = bucket_parse,
    .free_spec = bucket_free_spec,
    .link = bucket_link,
    .fanout = bucket_fanout,
    .start = bucket_start,
    .accept = NULL,
    .enqueue = bucket_enqueue,
    .reply = NULL,
    .finish = bucket_finish,
    .report = bucket_report,
    .meter = bucket_meter,
    .bills = "bucket",
    .free_state = bucket_free_state,
};
