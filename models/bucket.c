/* bucket.c — object storage that emits an object-created event per upload: Amazon S3, Azure
 * Blob Storage, Google Cloud Storage or Cloudflare R2 (the component's "service").
 *
 * An upload (a request sent to the bucket) is one PUT (a write, Class A operation); the
 * bucket then sends an event to each of its `notify` targets (a queue, topic, bus, or a
 * function invoked asynchronously) and the upload's request is complete. Each object is
 * later read reads_per_object times (GETs: reads, Class B operations, billed) and kept
 * keep_days: the bill's storage is the steady-state amount, the month's uploads times their
 * size times keep_days / 30.4. How events travel is the service's, and so is what they
 * bill: S3 notifications are free; Blob Storage's go through an Event Grid system topic
 * (an ingress per upload and a delivery per target, Event Grid operations); Cloud Storage's
 * are Pub/Sub messages (a publish and a delivery per target, Pub/Sub throughput); R2's go
 * only to a queue (Cloudflare Queues), which bills them. A target that is a topic is the
 * service's own topic (Event Grid, Pub/Sub) and bills its publishes itself. */
#include "models/bucket.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum bucket_service { BUCKET_S3, BUCKET_BLOB, BUCKET_GCS, BUCKET_R2 } bucket_service;
static const char *const bucket_services[] = { "s3", "blob-storage", "cloud-storage", "r2", NULL };

typedef struct bucket_spec {
    char   *name;
    bucket_service service;
    size_t  billed;             /* notify targets whose events the bucket bills (not topics) */
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
    bucket_spec *b = calloc(1, sizeof *b);
    if (!b) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    b->name = strdup(cfg_string_req(n, "name"));
    int service = world_service(n, w, "bucket", bucket_services, BUCKET_S3);
    b->service = service >= 0 ? (bucket_service)service : BUCKET_S3;
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
        /* R2 event notifications have one kind of destination: a queue (Cloudflare R2 docs,
         * "Event notifications"). */
        if (b->service == BUCKET_R2 && strcmp(w->components[k].kind->name, "queue")) {
            cfg_node n;
            cfg_root(&n, ctx, NULL, NULL);
            snprintf(n.path, sizeof n.path, "%s", path);
            char key[32];
            snprintf(key, sizeof key, "notify[%zu]", i);
            cfg_fail(&n, key, "\"%s\" is a %s: R2 event notifications go only to a queue (Cloudflare Queues); "
                     "notify a queue and let its consumer call on", b->target_names[i], w->components[k].kind->name);
            return -1;
        }
        b->targets[i] = k;
        b->billed += strcmp(w->components[k].kind->name, "topic") != 0;
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
        e->tenant = original.tenant;
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
    if (!b->billed)
        return;
    /* Events to targets other than topics: each upload's event once into the system topic and
     * once to each such target (Event Grid), or published and delivered once per target
     * (Pub/Sub notifications, an event of 1 KB: over the 1,000-byte minimum). */
    double uploads = (double)st->uploads, billed = (double)b->billed;
    if (b->service == BUCKET_BLOB)
        usage_add(u, index, "bucket.event_grid.operations", uploads * (1 + billed));
    else if (b->service == BUCKET_GCS)
        usage_add(u, index, "bucket.pubsub.throughput_gib", uploads * billed * 2 * 1024.0 / 1073741824.0);
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
