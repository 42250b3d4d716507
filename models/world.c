/* world.c — reading a scenario into a world_spec, and running one replication.
 *
 * The registry of component kinds is models/kinds.h: a new kind is one file with one
 * component_kind table and one line there.
 *
 * The request pool: req grows by doubling (sim/freelist.h) and never shrinks; a slot is
 * live exactly while it is off the free list (n_req counts those), and an index names the
 * same request from world_request_new until world_request_free. Outcomes are counted only in
 * record_outcome, once per request (world_finish, or world_dead_letter that passes a
 * message on), and so are the ends of units of work (work_counts). Asserts check both, and
 * conservation of requests and of work at the end of world_run, in builds with asserts
 * (see the Makefile). */
#include "models/world.h"

#include <assert.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/authorizer.h"
#include "models/bucket.h"
#include "models/cdn.h"
#include "models/fleet.h"
#include "models/function.h"
#include "models/gateway.h"
#include "models/network.h"
#include "models/partition.h"
#include "models/queue.h"
#include "models/schedule.h"
#include "models/service.h"
#include "models/stream.h"
#include "models/topic.h"
#include "models/traffic.h"
#include "models/workflow.h"
#include "sim/progress.h"

#define KIND(k) extern const component_kind k;
#include "models/kinds.h"
#undef KIND

static const component_kind *const kinds[] = {
#define KIND(k) &k,
#include "models/kinds.h"
#undef KIND
    NULL
};

const component_kind *component_kind_find(const char *name)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

const char *const world_ts_names[TS_COLUMNS] = {
    "arrivals", "completions", "throttles", "cold_starts", "concurrency", "instances",
    "executions", "queue_depth"
};

int world_service(cfg_node *n, const world_spec *w, const char *kind, const char *const *names, int fallback)
{
    const price_offer *o = price_offers(&w->prices, kind);
    if (!o || o->n == 0)   /* the table says nothing (or the kind was refused): the kind's own */
        return cfg_enum(n, "service", names, fallback);
    const char *given = cfg_string(n, "service", NULL);
    const char *name = given ? given : o->service[0];
    bool offered = false;
    for (size_t i = 0; i < o->n; i++)
        offered |= !strcmp(o->service[i], name);
    char list[160] = "";
    for (size_t i = 0, at = 0; i < o->n && at < sizeof list; i++) {
        int k = snprintf(list + at, sizeof list - at, "%s\"%s\"", i == 0 ? "" : i + 1 == o->n ? " or " : ", ",
                         o->service[i]);
        at += k > 0 ? (size_t)k : 0;
    }
    if (!offered) {
        char got[CFG_EXCERPT_MAX + 8];
        cfg_excerpt(got, sizeof got, name, CFG_EXCERPT_MAX);
        cfg_fail(n, "service", "platform.provider \"%s\" offers a %s as %s; got %s",
                 provider_names[w->provider], kind, list, got);
        return -1;
    }
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], name)) {
            if (!given)
                cfg_put(n, "service", cJSON_CreateString(name));
            return i;
        }
    cfg_fail(n, "service", "the price table %s offers a %s as \"%s\", which slsim does not model",
             w->prices.name, kind, name);
    return -1;
}

const char *const provider_names[PROVIDERS + 1] = {
    "aws", "azure-consumption", "azure-flex", "gcp-cloud-run", "gcp-functions-gen1",
    "cloudflare-workers", NULL
};

/* ---- scenario ---------------------------------------------------------------------- */

/* A function's keys that only some providers read (models/function/spec.c, shared.c): under
 * another provider the reader leaves them unread, and cfg_done names whose they are. */
static const cfg_key_owner function_key_owners[] = {
    { "concurrency", "a Cloud Run/Azure key (platform.provider \"gcp-cloud-run\", \"azure-consumption\" "
                     "or \"azure-flex\")" },
    { "max_instances", "a Cloud Run/Azure key (platform.provider \"gcp-cloud-run\", \"azure-consumption\" "
                       "or \"azure-flex\")" },
    { "autoscaling", "a Cloud Run/Azure key (platform.provider \"gcp-cloud-run\", \"azure-consumption\" "
                     "or \"azure-flex\"), or a fleet's" },
    { "pending_timeout_s", "a Cloud Run/Azure key (platform.provider \"gcp-cloud-run\", "
                           "\"azure-consumption\" or \"azure-flex\")" },
    { "vcpu", "a Cloud Run/Azure Consumption key (platform.provider \"gcp-cloud-run\" or "
              "\"azure-consumption\"; a Flex instance's vCPUs follow its memory_mb), or a fleet's" },
    { "min_instances", "a Cloud Run key (platform.provider \"gcp-cloud-run\"; Azure Flex calls it "
                       "always_ready)" },
    { "billing", "a Cloud Run key (platform.provider \"gcp-cloud-run\")" },
    { "startup_cpu_boost", "a Cloud Run key (platform.provider \"gcp-cloud-run\")" },
    { "always_ready", "an Azure Flex Consumption key (platform.provider \"azure-flex\"; Cloud Run calls "
                      "it min_instances)" },
    { "cpu_ms", "a Cloudflare Workers key (platform.provider \"cloudflare-workers\")" },
    { "snapstart", "a Lambda key (platform.provider \"aws\")" },
    { NULL, NULL },
};


int world_spec_component(const world_spec *w, const char *name)
{
    size_t pos = 0;
    for (int64_t i; (i = strmap_next(&w->component_names, strmap_hash(name), &pos)) >= 0;)
        if ((size_t)i < w->n_components && w->components[i].name && strcmp(w->components[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool valid_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

static void parse_components(cfg_node *root, world_spec *w)
{
    size_t n = cfg_array_len(root, "components");
    if (!cfg_failed(root) && n == 0)
        cfg_fail(root, "components", "missing or empty; expected at least one component");
    if (cfg_failed(root))
        return;
    if (n > WORLD_MAX_COMPONENTS) {
        cfg_fail(root, "components", "too many components (%zu); at most %d", n, WORLD_MAX_COMPONENTS);
        return;
    }
    w->components = calloc(n, sizeof *w->components);
    if (!w->components) {
        cfg_fail(root, "components", "out of memory");
        return;
    }
    for (size_t i = 0; i < n && !cfg_failed(root); i++) {
        cfg_node c;
        cfg_array_object(root, "components", i, &c);
        if (!c.in) {
            cfg_fail(root, "components", "element %zu is missing", i);
            return;
        }
        if (!cfg_has(&c, "name")) {
            cfg_missing(&c, "name", "a name (letters, digits, _ and -)");
            return;
        }
        const char *name = cfg_string(&c, "name", "");
        if (cfg_failed(&c))
            return;
        if (!valid_name(name)) {
            cfg_fail(&c, "name", "\"%.64s\" is not a valid name: use 1 to 64 letters, digits, _ and -", name);
            return;
        }
        if (world_spec_component(w, name) >= 0) {
            cfg_fail(&c, "name", "duplicate component name \"%s\"", name);
            return;
        }
        if (!cfg_has(&c, "kind")) {
            char list[256], expected[300];
            component_kind_list(list, sizeof list);
            snprintf(expected, sizeof expected, "one of %s", list);
            cfg_missing(&c, "kind", expected);
            return;
        }
        const char *kind = cfg_string(&c, "kind", "");
        const component_kind *k = component_kind_find(kind ? kind : "");
        if (!k) {
            char list[256];
            component_kind_list(list, sizeof list);
            if (!cfg_failed(&c))
                cfg_fail(&c, "kind", "unknown component kind \"%s\"; expected one of %s", kind, list);
            return;
        }
        /* A kind the provider does not offer: what it offers instead, before its keys. */
        const price_offer *o = price_offers(&w->prices, k->name);
        if (o && o->n == 0) {
            cfg_fail(&c, "kind", "platform.provider \"%s\" offers no %s: %s", provider_names[w->provider],
                     k->name, o->instead);
            return;
        }
        w->components[i].name = strdup(name);
        if (!w->components[i].name || strmap_add(&w->component_names, strmap_hash(name), (uint32_t)i) != 0) {
            cfg_fail(&c, "name", "out of memory");
            return;
        }
        w->components[i].kind = k;
        snprintf(w->components[i].path, sizeof w->components[i].path, "components[%zu]", i);
        w->n_components = i + 1;
        w->components[i].spec = k->parse(&c, w);
        if (!w->components[i].spec && !cfg_failed(&c))
            cfg_fail(&c, NULL, "could not be read");
    }
}

void component_kind_list(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; kinds[i] && used < size; i++) {
        int k = snprintf(buf + used, size - used, "%s\"%s\"", i ? ", " : "", kinds[i]->name);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

void world_spec_free(world_spec *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_components; i++) {
        if (w->components[i].kind && w->components[i].spec)
            w->components[i].kind->free_spec(w->components[i].spec);
        free(w->components[i].name);
    }
    free(w->components);
    strmap_free(&w->component_names);
    free(w->block_of);
    traffic_free_specs(w);
    for (size_t i = 0; i < w->n_tenants; i++)
        free(w->tenants[i].name);
    free(w->tenants);
    cJSON_Delete(w->resolved);
    free(w->file);
    free(w->name);
    free(w->description);
    free(w);
}

static char *dir_of(const char *file)
{
    const char *slash = strrchr(file, '/');
    if (!slash)
        return strdup(".");
    size_t n = (size_t)(slash - file);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, file, n);
        d[n] = '\0';
    }
    return d;
}

static void parse_top(cfg_node *root, world_spec *w, const char *file)
{
    /* name defaults to the file's base name without .json */
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    char fallback[128];
    snprintf(fallback, sizeof fallback, "%s", base);
    char *dot = strrchr(fallback, '.');
    if (dot && dot != fallback)
        *dot = '\0';
    for (char *p = fallback; *p; p++)   /* the name must be usable as a folder name */
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            *p = '_';
    if (strlen(fallback) > 64)
        fallback[64] = '\0';
    const char *name = cfg_string(root, "name", fallback);
    if (!cfg_failed(root) && !valid_name(name))
        cfg_fail(root, "name", "\"%.64s\" is not a valid name: use 1 to 64 letters, digits, _ and - "
                 "(it names the results folder)", name);
    w->name = strdup(name ? name : fallback);
    /* The description may be empty (cfg_string insists on text). It is shown as it is on
     * terminals and pages, so a scenario from elsewhere could hide escape sequences in it:
     * control characters (but lines and tabs) and bytes that are not UTF-8 are kept as \xNN. */
    const cJSON *d = cfg_raw(root, "description");
    const char *desc = cJSON_IsString(d) ? d->valuestring : cfg_string(root, "description", "");
    size_t desc_size = 4 * strlen(desc ? desc : "") + 1;
    w->description = malloc(desc_size);
    if (w->description)
        cfg_escape(w->description, desc_size, desc ? desc : "", "\n\t");
    cfg_put(root, "description", cJSON_CreateString(w->description ? w->description : ""));
    w->duration_s = cfg_number(root, "duration_s", 3600, 1, 366 * 86400.0);
    const cJSON *warm = cfg_raw(root, "warmup_s");
    if (cJSON_IsString(warm) && !strcmp(warm->valuestring, "auto")) {
        /* Chosen from a pilot run's own time series (app/warmup.c) before the run. */
        w->warmup_auto = true;
        w->warmup_s = 0;
        cfg_put(root, "warmup_s", cJSON_CreateString("auto"));
    } else if (cJSON_IsString(warm)) {
        cfg_fail(root, "warmup_s", "expected seconds (0 to 31622400), or \"auto\" to find the end of the "
                 "initial transient from a pilot run, got \"%.40s\"", warm->valuestring);
    } else {
        w->warmup_s = cfg_number(root, "warmup_s", 0, 0, 366 * 86400.0);
    }
    w->seed = (uint64_t)cfg_integer(root, "seed", 1, 0, 9007199254740991LL);
    w->replications = (uint32_t)cfg_integer(root, "replications", 5, 1, 1000);
    w->partition_blocks = (uint32_t)cfg_integer(root, "partition_blocks", 1, 1, PARTITION_MAX_BLOCKS);
    w->free_tier = cfg_bool(root, "free_tier", false);
    w->interval_s = cfg_number(root, "timeseries_interval_s", 60, 0.001, 366 * 86400.0);
    if (!cfg_failed(root) && w->duration_s / w->interval_s > 1e6)
        cfg_fail(root, "timeseries_interval_s", "gives %.0f intervals; at most 1000000",
                 ceil(w->duration_s / w->interval_s));
    else if (!cfg_failed(root) && w->duration_s / w->interval_s * w->replications > 5e7)
        cfg_fail(root, "timeseries_interval_s", "gives %.0f intervals for each of %u replications; "
                 "at most 50000000 in all", ceil(w->duration_s / w->interval_s), w->replications);
    w->bins = series_bins(w->duration_s, w->interval_s);

    cfg_node p;
    cfg_object(root, "platform", &p);
    w->provider = (provider)cfg_enum(&p, "provider", provider_names, PROVIDER_AWS);
    /* Instances at once and new instances per 10 s, by provider: Lambda's account limit
     * and scaling rate; 200 instances per Azure Consumption app, adding at most one a second
     * for HTTP; 1,000 for Flex Consumption; Cloud Run's default of 100 instances;
     * 3,000 for Cloud Functions 1st gen; Workers without a practical limit. */
    static const long long concurrency_default[PROVIDERS] = { 1000, 200, 1000, 100, 3000, 10000000 };
    static const long long scale_default[PROVIDERS] = { 1000, 10, 1000, 1000, 1000, 10000000 };
    w->account_concurrency = (uint32_t)cfg_integer(&p, "account_concurrency",
                                                   concurrency_default[w->provider], 100, 10000000);
    w->scale_per_10s = (uint32_t)cfg_integer(&p, "scale_per_10s", scale_default[w->provider], 1, 10000000);
    network_parse(&p, &w->network, w->provider);
    cfg_done(&p);

    size_t nt = cfg_array_len(root, "tenants");
    if (nt > 10000)
        cfg_fail(root, "tenants", "at most 10000 tenants, got %zu", nt);
    else if (nt && !cfg_failed(root) && !(w->tenants = calloc(nt, sizeof *w->tenants)))
        cfg_fail(root, "tenants", "out of memory");
    for (size_t i = 0; i < nt && w->tenants && !cfg_failed(root); i++) {
        cfg_node t;
        cfg_array_object(root, "tenants", i, &t);
        tenant_spec *ts = &w->tenants[i];
        const char *tname = cfg_string_req(&t, "name");
        if (!cfg_failed(&t) && !valid_name(tname))
            cfg_fail(&t, "name", "\"%.64s\" is not a valid name: use 1 to 64 letters, digits, _ and -", tname);
        for (size_t j = 0; j < i && !cfg_failed(&t); j++)
            if (strcmp(w->tenants[j].name, tname) == 0)
                cfg_fail(&t, "name", "another tenant is named \"%s\"", tname);
        if (cfg_failed(&t))
            break;
        ts->name = strdup(tname);
        w->n_tenants = i + 1;
        rate_limit_parse(&t, "rate_limit", &ts->limit);
        /* A usage plan's quota: requests a day, week or month (730 h), counted from the run's
         * start; over it every attempt is refused (429) until the next period. */
        if (cfg_has(&t, "quota")) {
            static const char *const periods[] = { "day", "week", "month", NULL };
            static const double period_s[] = { 86400, 604800, 730 * 3600.0 };
            cfg_node q;
            cfg_object(&t, "quota", &q);
            ts->quota = (double)cfg_integer(&q, "requests", 0, 1, 1000000000000LL);
            if (!cfg_has(&q, "requests"))
                cfg_missing(&q, "requests", "the requests the plan allows a period");
            ts->quota_period_s = period_s[cfg_enum(&q, "period", periods, 0)];
            cfg_done(&q);
        } else {
            cfg_put(&t, "quota", cJSON_CreateNull());
        }
        cfg_done(&t);
    }

    /* Each provider's own price table by default. */
    static const char *const table_default[PROVIDERS] = { "aws-us-east-1", "azure-consumption",
        "azure-flex", "gcp-cloud-run", "gcp-functions-gen1", "cloudflare-workers" };
    const char *pricing = cfg_string(root, "pricing", table_default[w->provider]);
    if (!cfg_failed(root)) {
        char *dir = dir_of(file);
        billing_load(&w->prices, root->ctx, pricing ? pricing : table_default[w->provider], dir);
        free(dir);
        if (!cfg_failed(root) && strcmp(w->prices.provider, provider_names[w->provider]) != 0 &&
            !(w->provider == PROVIDER_AWS && !strcmp(w->prices.provider, "aws")))
            cfg_fail(root, "pricing", "the price table is for \"%s\", but platform.provider is \"%s\"",
                     w->prices.provider, provider_names[w->provider]);
    }
}

/* ---- loops of components ---------------------------------------------------------------
 * Two graphs over the components must have no cycle: fan-out (topics, buses and buckets pass
 * a message on in the same instant, so a loop of them never ends) and synchronous calls (a
 * caller waits for its callee's reply, so a cycle of calls waits on itself, each call
 * starting the next). Each kind gives its edges (component_kind.fanout, .calls); a
 * component without them is a leaf. The search keeps its path in an array, not on the C
 * stack, so that a chain of 10,000 components is no deeper to search than one. */

static component_edges edges_of(const component_kind *k, bool calls)
{
    return calls ? k->calls : k->fanout;
}

/* One component on the search's path, and the next of its edges to follow. */
typedef struct path_step {
    int    component;
    size_t next;
} path_step;

/* The components of a cycle, written "a -> b -> a" into buf (cut short with "..." when long). */
static void cycle_text(const world_spec *w, const path_step *path, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i <= n && used < size; i++) {
        const char *name = w->components[path[i < n ? i : 0].component].name;
        int k = snprintf(buf + used, size - used, "%s%s", i ? " -> " : "", name);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    if (used >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

/* Searches the graph of one sort of edges (calls or fan-out) for a cycle. Returns 1 and
 * fills first (the edge that leaves the cycle's first component on it) and text (the cycle,
 * "a -> b -> a"), 0 when there is none, or -1 when out of memory. */
static int find_cycle(const world_spec *w, bool calls, component_edge *first, char *text, size_t size)
{
    size_t n = w->n_components;
    uint8_t *colour = calloc(n ? n : 1, 1);          /* 0 unseen, 1 on the path, 2 done */
    path_step *path = malloc((n ? n : 1) * sizeof *path);
    int found = colour && path ? 0 : -1;
    for (size_t root = 0; root < n && found == 0; root++) {
        if (colour[root] || !edges_of(w->components[root].kind, calls))
            continue;
        size_t depth = 0;
        path[depth++] = (path_step){ (int)root, 0 };
        colour[root] = 1;
        while (depth > 0 && found == 0) {
            path_step *top = &path[depth - 1];
            const component_spec *c = &w->components[top->component];
            component_edges edges = edges_of(c->kind, calls);
            component_edge e;
            if (!edges || !edges(c->spec, c->path, top->next++, &e)) {
                colour[top->component] = 2;
                depth--;
                continue;
            }
            if (e.target < 0 || (size_t)e.target >= n)
                continue;
            if (colour[e.target] == 0) {
                colour[e.target] = 1;
                path[depth++] = (path_step){ e.target, 0 };
            } else if (colour[e.target] == 1) {
                size_t at = 0;
                while (path[at].component != e.target)
                    at++;
                const component_spec *f = &w->components[path[at].component];
                edges_of(f->kind, calls)(f->spec, f->path, path[at].next - 1, first);
                cycle_text(w, path + at, depth - at, text, size);
                found = 1;
            }
        }
    }
    free(colour);
    free(path);
    return found;
}

static void check_cycles(const world_spec *w, cfg_ctx *ctx)
{
    for (int calls = 0; calls <= 1 && !ctx->failed; calls++) {
        component_edge first;
        char text[400];
        int found = find_cycle(w, calls, &first, text, sizeof text);
        if (found == 0)
            continue;
        cfg_node n;
        cfg_root(&n, ctx, NULL, NULL);
        if (found < 0) {
            cfg_fail(&n, "components", "out of memory");
            return;
        }
        snprintf(n.path, sizeof n.path, "%s", first.path);
        if (calls)
            cfg_fail(&n, NULL, "a call cycle: %s (synchronous calls that start each other never "
                     "end: each waits on the next); make one of them asynchronous, or break the "
                     "cycle with a queue", text);
        else
            cfg_fail(&n, NULL, "a loop of fan-out: %s (each passes messages on in the same "
                     "instant, so a message would go round without end); break the loop with a "
                     "queue or a function", text);
    }
}

static void set_number(cJSON *obj, const char *key, double v)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, cJSON_CreateNumber(v));
    else
        cJSON_AddNumberToObject(obj, key, v);
}

/* Whether anything is handed over asynchronously: a source in async mode, a component that
 * takes only messages (a queue, topic, bus, stream or bucket), or a function's asynchronous
 * call step. (A schedule's runs are no requests, so a schedule alone makes no pipeline.) */
static bool has_pipelines(const world_spec *w)
{
    for (size_t i = 0; i < w->n_sources; i++)
        if (w->sources[i].async)
            return true;
    for (size_t i = 0; i < w->n_components; i++) {
        const component_spec *c = &w->components[i];
        if ((c->kind->enqueue && !c->kind->accept) ||
            (c->kind == &function_kind && function_sends_messages(c->spec)))
            return true;
    }
    return false;
}

world_spec *world_spec_load(const char *file, const world_overrides *o, char *err, size_t err_size)
{
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, file);
    ctx.key_owners = function_key_owners;
    world_spec *w = calloc(1, sizeof *w);
    cJSON *in = cfg_load_file(&ctx, file);
    if (!w) {
        snprintf(err, err_size, "%s: out of memory", file);
        cJSON_Delete(in);
        return NULL;
    }
    w->file = strdup(file);
    w->rate_scale = o && o->rate_scale > 0 ? o->rate_scale : 1.0;
    if (in && o) {
        for (size_t i = 0; i < o->n_sets && !ctx.failed; i++)
            cfg_set_path(&ctx, in, o->sets[i]);
        if (o->seed >= 0)
            set_number(in, "seed", (double)o->seed);
        if (o->replications >= 1)
            set_number(in, "replications", (double)o->replications);
        if (o->duration_s > 0)
            set_number(in, "duration_s", o->duration_s);
    }
    const char *stall = getenv("SLSIM_STALL_EVENTS");
    if (stall && *stall && !ctx.failed) {
        char *end;
        unsigned long long v = strtoull(stall, &end, 10);
        if (*end || *stall < '0' || *stall > '9' || v > 1000000000000ULL) {
            cfg_node n;
            cfg_root(&n, &ctx, NULL, NULL);
            snprintf(n.path, sizeof n.path, "(environment) SLSIM_STALL_EVENTS");
            cfg_fail(&n, NULL, "expected a whole number of events from 0 (no watchdog) to "
                     "1000000000000, got \"%.40s\"", stall);
        }
        w->stall_events = v ? v : UINT64_MAX;
    }
    if (in && !ctx.failed) {
        w->resolved = cJSON_CreateObject();
        cfg_node root;
        cfg_root(&root, &ctx, in, w->resolved);
        parse_top(&root, w, file);
        /* Trace sources add the functions they replay to the components. */
        if (!ctx.failed)
            traffic_prepare(&root, in, w);
        if (!ctx.failed)
            parse_components(&root, w);
        for (size_t i = 0; i < w->n_components && !ctx.failed; i++) {
            const component_spec *c = &w->components[i];
            if (c->kind->link)
                c->kind->link(c->spec, w, &ctx, c->path);
        }
        if (!ctx.failed)
            check_cycles(w, &ctx);
        if (!ctx.failed && w->network.vpc) {
            bool placed = false;
            for (size_t i = 0; i < w->n_components; i++)
                placed |= w->components[i].kind == &function_kind && function_in_vpc(w->components[i].spec);
            cfg_node n;
            cfg_root(&n, &ctx, NULL, NULL);
            snprintf(n.path, sizeof n.path, "platform");
            if (!placed)
                cfg_fail(&n, "vpc", "no function is placed in it: give a function \"vpc\": true, or leave "
                         "platform.vpc out");
        }
        /* A kind whose usage the price table cannot price is refused, not billed at 0 (one
         * the provider does not offer at all was refused as it was read). */
        for (size_t i = 0; i < w->n_components && !ctx.failed; i++) {
            const component_kind *k = w->components[i].kind;
            if (!k->bills || price_has_family(&w->prices, k->bills))
                continue;
            cfg_node n;
            cfg_root(&n, &ctx, NULL, NULL);
            snprintf(n.path, sizeof n.path, "%s", w->components[i].path);
            cfg_fail(&n, "kind", "a %s has no prices for platform.provider \"%s\" (its price table %s prices "
                     "nothing under \"%s.\"); model it on \"aws\", or leave it out", k->name,
                     provider_names[w->provider], w->prices.name, k->bills);
        }
        if (!ctx.failed)
            traffic_parse(&root, w);
        if (!ctx.failed)
            cdn_check_edge(w, &ctx);
        if (!ctx.failed) {
            w->pipelines = has_pipelines(w);
            w->all_async = w->n_sources > 0;
            for (size_t i = 0; i < w->n_sources; i++)
                w->all_async &= w->sources[i].async;
        }
        if (!ctx.failed && w->partition_blocks > 1)
            partition_plan(w, &ctx);
        cfg_done(&root);
        traffic_explain_failure(w, &ctx);
    }
    cJSON_Delete(in);
    if (ctx.failed) {
        snprintf(err, err_size, "%s", ctx.message);
        world_spec_free(w);
        return NULL;
    }
    return w;
}

/* ---- requests ------------------------------------------------------------------------- */

/* Request idx is in the pool and in use (not freed); a macro, so that it leaves nothing
 * behind in a build without asserts. */
#define assert_live(w, idx) \
    assert((idx) < freelist_capacity(&(w)->free_req) && (w)->req[(idx)].live && "a request index out of the pool, or freed")

uint32_t world_request_new(world *w)
{
    if (freelist_empty(&w->free_req)) {
        request *grown = freelist_grow(&w->free_req, w->req, sizeof *grown, 1024, 1u << 30);
        if (!grown) {
            w->out_of_memory = 1;
            return UINT32_MAX;
        }
        w->req = grown;     /* new slots zeroed: not live */
    }
    uint32_t idx = freelist_take(&w->free_req);
    assert(!w->req[idx].live && "a request in use on the free list");
    w->req[idx] = (request){ .live = 1, .caller = CALLER_CLIENT, .size_kb = 1, .run_ms = -1, .items = 1 };
    w->n_req++;
    return idx;
}

void world_request_free(world *w, uint32_t idx)
{
    assert_live(w, idx);
    assert(w->req[idx].work != WORK_UNIT && "a unit of work freed without an end");
    w->req[idx].live = 0;
    freelist_give(&w->free_req, idx);
    w->n_req--;
}

/* Deliveries, hand-overs and replies nest on the C stack (a caller's delivery runs its
 * callee, whose reply runs the caller, ...). Past WORLD_DEPTH_MAX levels the next one is
 * deferred: a zero-delay event makes it at the same simulated instant from the event loop.
 * Simulated times are the same; only its order among other events of that instant may move.
 * The event's arg packs (component or result, request). */

/* A deferred hand-over runs after the events already due at this instant: should one of
 * them have ended the request meanwhile, there is nothing left to hand over. (A request
 * ended and its slot taken again within the same instant would not be seen: a known
 * limit, reached only past 64 nested hand-overs, which no shipped scenario reaches.) */
static bool deferred_live(const world *w, uint32_t idx)
{
    return idx < freelist_capacity(&w->free_req) && w->req[idx].live;
}

static void on_deferred_deliver(sim *s, void *target, uint64_t arg)
{
    (void)s;
    if (deferred_live(target, sim_payload_of(arg)))
        world_deliver(target, (int)sim_gen_of(arg), sim_payload_of(arg));
}

static void on_deferred_enqueue(sim *s, void *target, uint64_t arg)
{
    (void)s;
    if (deferred_live(target, sim_payload_of(arg)))
        world_enqueue(target, (int)sim_gen_of(arg), sim_payload_of(arg));
}

static void on_deferred_reply(sim *s, void *target, uint64_t arg)
{
    (void)s;
    if (deferred_live(target, sim_payload_of(arg)))
        world_reply(target, sim_payload_of(arg), (attempt_result)sim_gen_of(arg));
}

/* Defers handler(arg) to a zero-delay event; when the event set cannot take it the run
 * fails (sim_failed), so nothing is lost silently. Cold and out of line: the three
 * functions below stay small enough to be inlined where they are called. */
static void defer(world *w, sim_handler handler, uint32_t high, uint32_t idx)
    __attribute__((cold, noinline));
static void defer(world *w, sim_handler handler, uint32_t high, uint32_t idx)
{
    sim_at(w->s, sim_now(w->s), handler, w, sim_gen_pack(high, idx));
}

/* A tenant's request or message reaches a component (with tenants, in the window). */
static inline void count_received(world *w, int component, uint32_t idx)
{
    const request *r = &w->req[idx];
    if (w->tenant_received && world_tenanted(r) && world_measuring(w, sim_now(w->s)))
        w->tenant_received[(size_t)component * w->spec->n_tenants + r->tenant]++;
}

void world_deliver(world *w, int component, uint32_t idx)
{
    assert(component >= 0 && (size_t)component < w->spec->n_components);
    assert_live(w, idx);
    if (world_deep(w)) {
        defer(w, on_deferred_deliver, (uint32_t)component, idx);
        return;
    }
    const component_spec *c = &w->spec->components[component];
    count_received(w, component, idx);
    w->depth++;
    c->kind->accept(w->state[component], w, idx);
    w->depth--;
}

bool world_enqueue(world *w, int component, uint32_t idx)
{
    assert(component >= 0 && (size_t)component < w->spec->n_components);
    assert_live(w, idx);
    const component_spec *c = &w->spec->components[component];
    if (!c->kind->enqueue)
        return false;
    if (world_deep(w)) {
        defer(w, on_deferred_enqueue, (uint32_t)component, idx);
        return true;
    }
    count_received(w, component, idx);
    w->depth++;
    c->kind->enqueue(w->state[component], w, idx);
    w->depth--;
    return true;
}

void world_reply(world *w, uint32_t idx, attempt_result result)
{
    assert_live(w, idx);
    if (world_deep(w)) {
        defer(w, on_deferred_reply, (uint32_t)result, idx);
        return;
    }
    int caller = w->req[idx].caller;
    assert(caller == CALLER_CLIENT || caller == CALLER_GATEWAY ||
           (caller >= 0 && (size_t)caller < w->spec->n_components));
    w->depth++;
    if (caller == CALLER_CLIENT)
        traffic_attempt_done(w, idx, result);
    else if (caller == CALLER_GATEWAY)
        authorizer_reply(w, idx, result);
    else
        w->spec->components[caller].kind->reply(w->state[caller], w, idx, result);
    w->depth--;
}

int world_spec_tenant(const world_spec *w, const char *name)
{
    for (size_t i = 0; i < w->n_tenants; i++)
        if (strcmp(w->tenants[i].name, name) == 0)
            return (int)i;
    return -1;
}

void world_reclaim(world *w)
{
    for (size_t i = 0; i < w->spec->n_components; i++) {
        const component_kind *k = w->spec->components[i].kind;
        if (k->reclaim && w->state[i])
            k->reclaim(w->state[i], w);
    }
}

/* The histogram *slot, made (empty) on its first use; NULL when out of memory (flagged). */
static hist *hist_slot(world *w, hist **slot)
{
    if (!*slot) {
        *slot = malloc(sizeof **slot);
        if (!*slot) {
            w->out_of_memory = 1;
            return NULL;
        }
        hist_init(*slot);
    }
    return *slot;
}

void world_flush_latency(world *w)
{
    uint32_t n = w->pending_n;
    w->pending_n = 0;
    for (uint32_t k = 0; k < n; k++)
        if (hist_small_prepare(&w->source_latency[w->pending_source[k]], w->pending_ms[k]) != 0)
            w->out_of_memory = 1;
    for (uint32_t k = 0; k < n; k++)
        if (hist_small_add(&w->source_latency[w->pending_source[k]], w->pending_ms[k]) != 0)
            w->out_of_memory = 1;
}

const hist *world_source_latency(const world *w, size_t i)
{
    if (w->source_follows_latency)
        return &w->latency;
    const hist_small *h = &w->source_latency[i];
    if (h->n_grains != HIST_SMALL_WIDE && h->count == 0)
        return NULL;
    hist_small_expand(h, w->latency_scratch);
    return w->latency_scratch;
}

const hist *world_tenant_latency(const world *w, size_t i)
{
    return w->spec->n_tenants == 1 ? &w->latency : w->tenant_latency[i];
}

/* A completed request's end-to-end ms into the latency histograms it counts in: the global
 * one (measured), its source's (the end of a pipeline: measured or traced, not sent on) and
 * its tenant's (measured, with tenants). Each histogram sees the same values in the same
 * order as if every one were kept apart, so the figures are the same. */
static void record_latency(world *w, const request *r)
{
    double ms = (sim_now(w->s) - r->created) * 1000.0;
    bool global = r->measured;
    bool source = (r->measured || r->traced) && !r->forwarded;
    if (w->source_follows_latency && global != source) {
        /* The first observation for one and not the other: the source's history so far is
         * the global one's, copied now; they go apart from here. */
        if (!w->latency_scratch)
            w->latency_scratch = malloc(sizeof *w->latency_scratch);
        if (!w->latency_scratch || hist_small_set(&w->source_latency[0], &w->latency) != 0)
            w->out_of_memory = 1;
        w->source_follows_latency = false;
    }
    if (source && !w->source_follows_latency) {
        w->pending_source[w->pending_n] = r->source;
        w->pending_ms[w->pending_n] = ms;
        if (++w->pending_n == WORLD_LATENCY_BATCH)
            world_flush_latency(w);
    }
    if (global) {
        hist_add(&w->latency, ms);
        /* One tenant's histogram is the global one (the same requests). */
        if (w->spec->n_tenants > 1) {
            hist *h = hist_slot(w, &w->tenant_latency[r->tenant]);
            if (h)
                hist_add(h, ms);
        }
    }
}

/* Counts how request idx ended (when it is measured: the totals, its tenant's, the latency
 * of a completion) and how its unit of work ended (when it holds one); the one place
 * outcomes are counted. */
static void record_outcome(world *w, uint32_t idx, request_outcome outcome)
{
    assert_live(w, idx);        /* ended twice, or never started */
    request *r = &w->req[idx];
    assert(r->work != WORK_CARRIED && "a batch's carrier ended as a request");
    if (r->work == WORK_DEAD_LETTERED || r->work == WORK_PART)
        r->work = WORK_NONE;        /* read where it was dead-lettered, or a call: no unit */
    if (r->work == WORK_UNIT) {
        r->work = WORK_NONE;
        if (outcome != OUTCOME_COMPLETED) {
            w->work.lost++;
            w->work.lost_by[outcome]++;
        } else if (r->forwarded) {
            w->work.passed_on++;
        } else {
            w->work.processed++;
            if (w->spec->pipelines)     /* work.* is reported (and read) only then */
                hist_add(&w->work_latency, (sim_now(w->s) - r->created) * 1000.0);
        }
    }
    if (outcome == OUTCOME_COMPLETED)
        record_latency(w, r);
    if (r->measured && w->spec->n_tenants) {
        request_counts *tc = &w->tenant_counts[r->tenant];
        switch (outcome) {
        case OUTCOME_COMPLETED:
            tc->completed++;
            break;
        case OUTCOME_FAILED:        tc->failed++; break;
        case OUTCOME_THROTTLED:     tc->throttled++; break;
        case OUTCOME_TIMED_OUT:     tc->timed_out++; break;
        case OUTCOME_DROPPED:       tc->dropped++; break;
        case OUTCOME_DEAD_LETTERED: tc->dead_lettered++; break;
        case OUTCOME_EXPIRED:       tc->expired++; break;
        }
    }
    if (r->measured) {
        double now = sim_now(w->s);
        request_counts *c = &w->counts;
        switch (outcome) {
        case OUTCOME_COMPLETED:
            c->completed++;
            series_add(&w->ts[TS_COMPLETIONS], now, 1.0);
            break;
        case OUTCOME_FAILED:        c->failed++; break;
        case OUTCOME_THROTTLED:     c->throttled++; break;
        case OUTCOME_TIMED_OUT:     c->timed_out++; break;
        case OUTCOME_DROPPED:       c->dropped++; break;
        case OUTCOME_DEAD_LETTERED: c->dead_lettered++; break;
        case OUTCOME_EXPIRED:       c->expired++; break;
        }
    }
}

void world_finish(world *w, uint32_t idx, request_outcome outcome)
{
    record_outcome(w, idx, outcome);
    world_request_free(w, idx);
}

void world_dead_letter(world *w, uint32_t idx, int destination)
{
    request *r = &w->req[idx];
    bool unit = r->work == WORK_UNIT;
    /* The request ends here (dead-lettered); the destination holds a message of it, which
     * counts no further (its unit ends lost, unless a redrive takes it back). */
    record_outcome(w, idx, OUTCOME_DEAD_LETTERED);
    r->measured = 0;
    r->work = unit ? WORK_DEAD_LETTERED : WORK_NONE;
    r->caller = CALLER_CLIENT;
    world_enqueue(w, destination, idx);
}

void world_work_begin(world *w, uint32_t idx, bool unit)
{
    assert_live(w, idx);
    assert(!w->req[idx].work && "a unit of work begun twice");
    if (!unit)
        return;
    w->req[idx].work = WORK_UNIT;
    w->work.made++;
}

void world_work_redrive(world *w, uint32_t idx)
{
    assert_live(w, idx);
    request *r = &w->req[idx];
    if (r->work != WORK_DEAD_LETTERED)
        return;
    assert(w->work.lost_by[OUTCOME_DEAD_LETTERED] > 0 && w->work.lost > 0);
    w->work.lost--;
    w->work.lost_by[OUTCOME_DEAD_LETTERED]--;
    r->work = WORK_UNIT;
}

bool world_measuring(const world *w, double t) { return t >= w->t_start; }

/* ---- one replication ------------------------------------------------------------------- */

static void on_progress(void *ctx, double now)
{
    world *w = ctx;
    progress_set(w->progress, w->progress_job, w->t_end > 0 ? now / w->t_end : 1.0);
}

/* Names whose event the watchdog stopped at, from its target (a component's state, or the
 * world for deferred calls and the clients) into buf. */
static void stall_owner(const world *w, const sim_stall *st, char *buf, size_t size)
{
    const world_spec *spec = w->spec;
    int c = -1;
    if (st->target == w && (st->handler == on_deferred_deliver || st->handler == on_deferred_enqueue))
        c = (int)sim_gen_of(st->arg);
    else if (st->target == w && st->handler == on_deferred_reply && sim_payload_of(st->arg) < freelist_capacity(&w->free_req))
        c = w->req[sim_payload_of(st->arg)].caller;
    for (size_t i = 0; c < 0 && st->target && st->target != w && i < spec->n_components; i++)
        if (w->state[i] == st->target)
            c = (int)i;
    if (c >= 0 && (size_t)c < spec->n_components)
        snprintf(buf, size, "%s \"%s\" (%s)", spec->components[c].kind->name,
                 spec->components[c].name, spec->components[c].path);
    else
        snprintf(buf, size, "%s", st->target == w ? "the clients of the traffic sources"
                                                  : "a traffic source");
}

/* The watchdog's message for replication r. Out of line: it must not weigh on world_run's
 * inlining into its callers. */
static void stall_message(const world *w, uint32_t r, char *err, size_t err_size)
    __attribute__((cold, noinline));
static void stall_message(const world *w, uint32_t r, char *err, size_t err_size)
{
    sim_stall stall = { 0 };
    char who[200];
    sim_stalled(w->s, &stall);
    stall_owner(w, &stall, who, sizeof who);
    snprintf(err, err_size, "%s: replication %u: no simulated time passed in %llu events at "
             "t = %.9g s: %s loops in zero time without end; give the loop a positive duration "
             "or wait", w->spec->file, r, (unsigned long long)stall.events, stall.time, who);
}

/* The requests of c that ended, in any outcome. */
static uint64_t requests_ended(const request_counts *c)
{
    return c->completed + c->failed + c->throttled + c->timed_out + c->dropped + c->dead_lettered +
           c->expired;
}

/* Whether every request of c that arrived has ended or is in flight. */
static bool conserved(const request_counts *c)
{
    return c->arrived == requests_ended(c) + c->in_flight;
}

/* Whether every unit of work made was passed on, ended or is in flight: events (made less
 * passed on) = processed + lost + in flight. */
static bool work_conserved(const work_counts *k)
{
    return k->made == k->passed_on + k->processed + k->lost + k->in_flight;
}

/* The bytes malloc holds (see world.measure_heap). */
static size_t heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return 0;
#else
    return mallinfo2().uordblks;
#endif
}

int world_run(world *w, const world_spec *spec, uint32_t r, char *err, size_t err_size)
{
    size_t heap0 = w->measure_heap ? heap_in_use() : 0;
    w->spec = spec;
    w->t_start = spec->warmup_s;
    w->t_end = spec->warmup_s + spec->duration_s;
    hist_init(&w->latency);
    hist_init(&w->work_latency);
    /* The scratch a source's histogram is read into: only with several sources (one source
     * makes it when it goes apart from the global histogram). */
    /* Zeroed: a refusal below frees them whole (hist_small_free of an empty one is nothing). */
    w->source_latency = calloc(spec->n_sources ? spec->n_sources : 1, sizeof *w->source_latency);
    w->latency_scratch = spec->n_sources > 1 ? malloc(sizeof *w->latency_scratch) : NULL;
    if (!w->source_latency || (spec->n_sources > 1 && !w->latency_scratch))
        goto oom;
    for (size_t i = 0; i < spec->n_sources; i++)
        hist_small_init(&w->source_latency[i]);
    w->source_follows_latency = spec->n_sources == 1;
    size_t nt = spec->n_tenants ? spec->n_tenants : 1;
    w->tenant_counts = calloc(nt, sizeof *w->tenant_counts);
    w->tenant_latency = calloc(nt, sizeof *w->tenant_latency);
    w->tenant_throttled = calloc(nt, sizeof *w->tenant_throttled);
    if (!w->tenant_counts || !w->tenant_latency || !w->tenant_throttled)
        goto oom;
    if (spec->n_tenants) {
        w->tenant_received = calloc(spec->n_components * nt, sizeof *w->tenant_received);
        w->tenant_invocations = calloc(nt, sizeof *w->tenant_invocations);
        w->tenant_cold_starts = calloc(nt, sizeof *w->tenant_cold_starts);
        if (!w->tenant_received || !w->tenant_invocations || !w->tenant_cold_starts)
            goto oom;
    }
    for (int k = 0; k < TS_COLUMNS; k++)
        if (series_init_window(&w->ts[k], w->t_start, w->t_end, spec->interval_s) != 0)
            goto oom;
    w->s = sim_new(spec->seed, r);
    w->state = calloc(spec->n_components ? spec->n_components : 1, sizeof *w->state);
    if (!w->s || !w->state)
        goto oom;
    for (size_t i = 0; i < spec->n_components; i++) {
        if (spec->block_of && spec->block_of[i] != w->block)
            continue;       /* another block's: never reached from this one */
        w->state[i] = spec->components[i].kind->start(spec->components[i].spec, w, (int)i);
        if (!w->state[i])
            goto oom;
    }
    if (gateway_start(w) != 0 || cdn_start(w) != 0 || traffic_start(w) != 0)
        goto oom;
    if (w->progress)
        sim_on_progress(w->s, on_progress, w);
    if (spec->stall_events)
        sim_set_stall_limit(w->s, spec->stall_events);
    sim_run_until(w->s, w->t_end);
    world_flush_latency(w);
    if (w->measure_heap) {
        size_t heap1 = heap_in_use();
        w->heap_bytes = heap1 > heap0 ? heap1 - heap0 : 0;
    }
    progress_set(w->progress, w->progress_job, 1.0);
    if (sim_stalled(w->s, NULL)) {
        stall_message(w, r, err, err_size);
        return -1;
    }
    if (sim_failed(w->s) || w->out_of_memory)
        goto oom;
    for (size_t i = 0; i < spec->n_components; i++)
        if (w->state[i])
            spec->components[i].kind->finish(w->state[i], w);
    /* Live instances are the busy ones plus the idle ones (functions add only the idle). */
    for (size_t b = 0; b < w->ts[TS_INSTANCES].n; b++)
        w->ts[TS_INSTANCES].bin[b] += w->ts[TS_CONCURRENCY].bin[b];

    /* Conservation: every measured request ended in one outcome or is still in flight, in
     * the totals and in each tenant's counts. A failure is a bug of the model: a build with
     * asserts stops at it; another reports it. */
    for (uint32_t i = 0; i < freelist_capacity(&w->free_req); i++) {
        const request *q = &w->req[i];
        if (q->live && q->measured) {
            w->counts.in_flight++;
            if (spec->n_tenants)
                w->tenant_counts[q->tenant].in_flight++;
        }
        w->work.in_flight += q->live && q->work == WORK_UNIT;
    }
    const request_counts *c = &w->counts;
    const char *tenant = NULL;
    for (size_t t = 0; t < spec->n_tenants && conserved(c); t++)
        if (!conserved(&w->tenant_counts[t])) {
            c = &w->tenant_counts[t];
            tenant = spec->tenants[t].name;
        }
    assert(conserved(c) && "conservation: a request ended twice, or went missing");
    if (!conserved(c)) {
        snprintf(err, err_size, "%s: replication %u: conservation violated%s%s: %llu arrived, %llu "
                 "ended, %llu in flight", spec->file, r, tenant ? " for tenant " : "", tenant ? tenant : "",
                 (unsigned long long)c->arrived, (unsigned long long)requests_ended(c),
                 (unsigned long long)c->in_flight);
        return -1;
    }
    const work_counts *k = &w->work;
    assert(work_conserved(k) && "conservation of work: a unit ended twice, or went missing");
    if (!work_conserved(k)) {
        snprintf(err, err_size, "%s: replication %u: conservation of work violated: %llu units made, "
                 "%llu passed on, %llu processed, %llu lost, %llu in flight", spec->file, r,
                 (unsigned long long)k->made, (unsigned long long)k->passed_on,
                 (unsigned long long)k->processed, (unsigned long long)k->lost,
                 (unsigned long long)k->in_flight);
        return -1;
    }
    return 0;
oom:
    snprintf(err, err_size, "%s: replication %u: out of memory (or more than 16 million events "
             "pending at once)", spec->file, r);
    return -1;
}

void world_free(world *w)
{
    if (w->state && w->spec)
        for (size_t i = 0; i < w->spec->n_components; i++)
            if (w->state[i])
                w->spec->components[i].kind->free_state(w->state[i]);
    free(w->state);
    traffic_free(w);
    gateway_free(w);
    cdn_free(w);
    sim_free(w->s);
    free(w->req);
    freelist_free(&w->free_req);
    for (size_t i = 0; w->source_latency && w->spec && i < w->spec->n_sources; i++)
        hist_small_free(&w->source_latency[i]);
    free(w->source_latency);
    free(w->latency_scratch);
    free(w->tenant_counts);
    size_t n_tenants = w->spec && w->spec->n_tenants ? w->spec->n_tenants : 1;
    for (size_t i = 0; w->tenant_latency && i < n_tenants; i++)
        free(w->tenant_latency[i]);
    free(w->tenant_latency);
    free(w->tenant_throttled);
    free(w->tenant_received);
    free(w->tenant_invocations);
    free(w->tenant_cold_starts);
    for (int k = 0; k < TS_COLUMNS; k++)
        series_free(&w->ts[k]);
    memset(w, 0, sizeof *w);
}

/* ---- metrics --------------------------------------------------------------------------- */

void metric_emit(metric_sink *m, const char *name, double value)
{
    if (m->values) {
        m->values[m->n++] = value;
        return;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        char **grown = realloc(m->names, cap * sizeof *grown);
        if (!grown) {
            m->oom = 1;
            return;
        }
        m->names = grown;
        m->cap = cap;
    }
    size_t len = strlen(m->prefix) + strlen(name) + 1;
    char *full = malloc(len);
    if (!full) {
        m->oom = 1;
        return;
    }
    snprintf(full, len, "%s%s", m->prefix, name);
    m->names[m->n++] = full;
}
