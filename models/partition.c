/* partition.c — the partitioned replay's plan (see partition.h).
 *
 * Invariants after partition_plan: w->block_of[i] < w->partition_blocks for every
 * component; components whose states are shared (function_shared_owners) have one block. */
#include "models/partition.h"

#include <stdlib.h>
#include <string.h>

#include "models/function.h"
#include "models/traffic.h"
#include "models/trace.h"
#include "sim/heap.h"

/* Fails ctx at path.key (path "": the scenario's top level) with a message. */
static void refuse(cfg_ctx *ctx, const char *path, const char *key, const char *msg)
{
    cfg_node n;
    cfg_root(&n, ctx, NULL, NULL);
    snprintf(n.path, sizeof n.path, "%s", path);
    cfg_fail(&n, key, "%s", msg);
}

static uint32_t find_root(uint32_t *parent, uint32_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

static void unite(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = find_root(parent, a);
    b = find_root(parent, b);
    if (a != b)
        parent[a > b ? a : b] = a < b ? a : b;   /* the lower index leads: order-free */
}

/* Replayed function k's work, in invocations' worth. */
static double function_work(const trace_spec *t, size_t k)
{
    return trace_function_arrivals(t, k) + PARTITION_WAKE_COST * trace_function_wakes(t, k);
}

void partition_block_work(const world_spec *w, double *weight)
{
    memset(weight, 0, w->partition_blocks * sizeof *weight);
    const trace_spec *t = w->sources[0].trace;
    for (size_t k = 0; k < trace_function_count(t); k++) {
        int c = trace_function_component(t, k);
        if (c >= 0 && (size_t)c < w->n_components)
            weight[w->block_of[c]] += function_work(t, k);
    }
}

typedef struct group {
    double   weight;
    uint32_t root;
} group;

static int heavier_first(const void *x, const void *y)
{
    const group *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight < b->weight ? 1 : -1;
    return (a->root > b->root) - (a->root < b->root);
}

/* What the blocks cannot keep apart: refused with the reason. */
static bool partitionable(const world_spec *w, cfg_ctx *ctx)
{
    if (w->n_sources != 1 || w->sources[0].process != ARRIVALS_TRACE) {
        refuse(ctx, "", "partition_blocks", "needs one traffic source that replays a trace: its "
               "functions are what the blocks split");
        return false;
    }
    const source_spec *s = &w->sources[0];
    if (!trace_has_functions(s->trace)) {
        refuse(ctx, "", "partition_blocks", "needs a trace that names each row's function "
               "(this one sends every row to the source's target)");
        return false;
    }
    if (w->n_tenants || s->async || s->gw.type != GATEWAY_NONE || s->gw.auth.function >= 0 ||
        s->gw.validate || s->gw.cache || s->cdn.on || w->network.vpc) {
        refuse(ctx, "", "partition_blocks", "blocks share nothing, so a partitioned replay "
               "takes no tenants, asynchronous mode, API gateway, authorizer, CDN or VPC (each is "
               "shared by every function); leave them out, or leave partition_blocks out");
        return false;
    }
    for (size_t i = 0; i < w->n_components; i++) {
        const component_spec *c = &w->components[i];
        if (c->kind != &function_kind) {
            char msg[200];
            snprintf(msg, sizeof msg, "is a %s: a partitioned replay holds functions only (blocks "
                     "share nothing); leave partition_blocks out to simulate it", c->kind->name);
            refuse(ctx, c->path, "kind", msg);
            return false;
        }
        component_edges slots[] = { c->kind->fanout, c->kind->calls, c->kind->sends };
        for (size_t k = 0; k < sizeof slots / sizeof *slots; k++) {
            component_edge e;
            memset(&e, 0, sizeof e);
            if (slots[k] && slots[k](c->spec, c->path, 0, &e)) {
                refuse(ctx, e.path[0] ? e.path : c->path, NULL, "a partitioned replay's "
                       "functions call and send nothing (blocks share nothing); leave "
                       "partition_blocks out to simulate calls between components");
                return false;
            }
        }
    }
    return true;
}

void partition_plan(world_spec *w, cfg_ctx *ctx)
{
    if (!partitionable(w, ctx))
        return;
    size_t n = w->n_components;
    uint32_t *parent = malloc((n ? n : 1) * sizeof *parent);
    double *weight = calloc(n ? n : 1, sizeof *weight);
    group *g = malloc((n ? n : 1) * sizeof *g);
    w->block_of = calloc(n ? n : 1, sizeof *w->block_of);
    heap lightest = { 0 };
    bool oom = !parent || !weight || !g || !w->block_of;
    for (size_t i = 0; !oom && i < n; i++)
        parent[i] = (uint32_t)i;
    for (size_t i = 0; !oom && i < n; i++) {
        int unit, pool;
        function_shared_owners(w->components[i].spec, &unit, &pool);
        if (unit >= 0)
            unite(parent, (uint32_t)i, (uint32_t)unit);
        if (pool >= 0)
            unite(parent, (uint32_t)i, (uint32_t)pool);
    }
    /* The work of a group: its functions' (a declared function the trace does not invoke
     * weighs nothing). */
    const trace_spec *t = w->sources[0].trace;
    for (size_t k = 0; !oom && k < trace_function_count(t); k++) {
        int c = trace_function_component(t, k);
        if (c >= 0 && (size_t)c < n)
            weight[find_root(parent, (uint32_t)c)] += function_work(t, k);
    }
    size_t groups = 0;
    for (size_t i = 0; !oom && i < n; i++)
        if (find_root(parent, (uint32_t)i) == i)
            g[groups++] = (group){ weight[i], (uint32_t)i };
    qsort(g, groups, sizeof *g, heavier_first);
    /* Largest first onto the lightest block (Graham's LPT), by work. */
    for (uint32_t b = 0; !oom && b < w->partition_blocks; b++)
        oom = heap_push(&lightest, b, 0) != 0;
    for (size_t k = 0; !oom && k < groups; k++) {
        uint32_t b = 0;
        double load = 0;
        heap_min(&lightest, &b, &load);
        w->block_of[g[k].root] = b;     /* the group's block, held by its root */
        oom = heap_push(&lightest, b, load + g[k].weight) != 0;
    }
    for (size_t i = 0; !oom && i < n; i++)
        w->block_of[i] = w->block_of[find_root(parent, (uint32_t)i)];   /* roots lead: set above */
    if (oom)
        refuse(ctx, "", "partition_blocks", "out of memory");
    heap_free(&lightest);
    free(parent);
    free(weight);
    free(g);
}
