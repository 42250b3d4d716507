/* billing.c — price tables (embedded or from a file) and the monthly bill.
 *
 * The table is read into flat arrays (dimensions, lines, pools) in the file's order, which
 * is also the order free pools are consumed in: AWS says only that Lambda's free GB-s are
 * shared by both architectures, and its table lists x86_64 first, the order that favours
 * the user (its price is higher). Costs by component share each dimension in proportion to
 * billable usage. See billing.h for the table's form. */
#include "models/billing.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct embedded_table { const char *name; const char *json; };
extern const struct embedded_table pricing_embedded[];

const char *const price_category_names[PRICE_CATEGORIES + 1] = {
    "compute", "requests", "messaging", "data", "workflow", "logs", "network", "other", NULL
};

/* ---- loading --------------------------------------------------------------- */

/* A dimension's category when the table names none: by its family. */
static price_category category_of(const char *name)
{
    static const struct { const char *prefix; price_category c; } rules[] = {
        { "functions.requests", PRICE_REQUESTS }, { "edge_functions.requests", PRICE_REQUESTS },
        { "functions.always_ready_requests", PRICE_REQUESTS }, { "gateway.", PRICE_REQUESTS },
        { "functions.", PRICE_COMPUTE }, { "edge_functions.", PRICE_COMPUTE },
        { "containers.", PRICE_COMPUTE }, { "vm.", PRICE_COMPUTE }, { "proxy.", PRICE_COMPUTE },
        { "queue.", PRICE_MESSAGING }, { "topic.", PRICE_MESSAGING }, { "bus.", PRICE_MESSAGING },
        { "stream.", PRICE_MESSAGING }, { "schedule.", PRICE_MESSAGING },
        { "table.", PRICE_DATA }, { "bucket.", PRICE_DATA }, { "workflow.", PRICE_WORKFLOW },
        { "logs.", PRICE_LOGS }, { "network.", PRICE_NETWORK }, { "load_balancer.", PRICE_NETWORK },
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (!strncmp(name, rules[i].prefix, strlen(rules[i].prefix)))
            return rules[i].c;
    return PRICE_OTHER;
}

static void read_sourced(cfg_node *n)
{
    cfg_string_req(n, "source");
    cfg_string_req(n, "date");
}

static void read_tiers(cfg_node *n, const char *key, price_tiers *t)
{
    size_t count = cfg_array_len(n, key);
    if (count < 1 || count > PRICE_TIERS_MAX) {
        cfg_fail(n, key, "expected 1 to %d tiers", PRICE_TIERS_MAX);
        return;
    }
    t->n = count;
    double prev = 0;
    for (size_t i = 0; i < count; i++) {
        cfg_node tier;
        cfg_array_object(n, key, i, &tier);
        t->tier[i].price = cfg_number_req(&tier, "price", 0, 1e6);
        bool last = i + 1 == count;
        if (last) {
            cfg_know(&tier, "up_to");
            if (cfg_has(&tier, "up_to"))
                cfg_fail(&tier, "up_to", "the last tier must be open-ended (null)");
            t->tier[i].up_to = INFINITY;
        } else {
            t->tier[i].up_to = cfg_number_req(&tier, "up_to", prev, 1e300);
            prev = t->tier[i].up_to;
        }
        cfg_done(&tier);
    }
}

/* The table's currency: an ISO 4217 code. Reports and pages print it as it is, so it may
 * hold nothing else (a table from elsewhere could hide a terminal's escape sequence). */
static void read_currency(cfg_node *top, price_table *t)
{
    const char *cur = cfg_string(top, "currency", "USD");
    if (!cur)
        cur = "USD";
    bool code = strlen(cur) == 3;
    for (size_t i = 0; code && i < 3; i++)
        code = cur[i] >= 'A' && cur[i] <= 'Z';
    if (!code && !cfg_failed(top)) {
        char got[CFG_EXCERPT_MAX + 8] = "another string";
        if (!top->ctx->no_quotes)
            cfg_excerpt(got, sizeof got, cur, CFG_EXCERPT_MAX);
        cfg_fail(top, "currency", "expected an ISO 4217 code of three capital letters, such as \"USD\", "
                 "got %s", got);
        cur = "USD";
    }
    snprintf(t->currency, sizeof t->currency, "%s", cur);
}


/* A name the results use as a key (a line: "cost.by_line.<name>", a CSV column) or that a
 * meter looks up: letters, digits, '_', '.', '-'; lines no dots. */
static bool name_ok(const char *s, bool dots)
{
    size_t n = strlen(s);
    if (n == 0 || n >= PRICE_NAME_MAX)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && !(dots && (*s == '.' || *s == '-')))
            return false;
    return true;
}

static int find_dim(const price_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_dims; i++)
        if (!strcmp(t->dim[i].name, name))
            return (int)i;
    return -1;
}

static int line_index(price_table *t, cfg_node *n, const char *line)
{
    if (!line)
        return -1;
    if (!name_ok(line, false)) {
        cfg_fail(n, "line", "expected a line name of letters, digits and '_' (at most %d)", PRICE_NAME_MAX - 1);
        return -1;
    }
    for (size_t i = 0; i < t->n_lines; i++)
        if (!strcmp(t->line_name[i], line))
            return (int)i;
    if (t->n_lines == PRICE_LINES_MAX) {
        cfg_fail(n, "line", "at most %d bill lines in a table", PRICE_LINES_MAX);
        return -1;
    }
    snprintf(t->line_name[t->n_lines], PRICE_NAME_MAX, "%s", line);
    return (int)t->n_lines++;
}

/* free_tier and included: pool name -> { quantity, source, date }. */
static void read_pools(cfg_node *top, const char *key, bool included, price_table *t)
{
    cfg_node m, x;
    if (!cfg_has(top, key)) {
        cfg_know(top, key);
        return;
    }
    cfg_object(top, key, &m);
    for (const cJSON *c = m.in ? m.in->child : NULL; c && !cfg_failed(&m); c = c->next) {
        if (!name_ok(c->string, true)) {
            cfg_fail(&m, c->string, "expected a pool name of letters, digits, '_', '.' and '-'");
            return;
        }
        for (size_t i = 0; i < t->n_pools; i++)
            if (!strcmp(t->pool[i].name, c->string)) {
                cfg_fail(&m, c->string, "a second pool of this name");
                return;
            }
        if (t->n_pools == PRICE_POOLS_MAX) {
            cfg_fail(&m, c->string, "at most %d free pools in a table", PRICE_POOLS_MAX);
            return;
        }
        cfg_object(&m, c->string, &x);
        price_pool *p = &t->pool[t->n_pools++];
        snprintf(p->name, sizeof p->name, "%s", c->string);
        p->quantity = cfg_number_req(&x, "quantity", 0, 1e15);
        p->included = included;
        read_sourced(&x);
        cfg_done(&x);
    }
}

/* A rate's price: "price" (flat) or "tiers"; from the variant, else the dimension. */
static void read_price(cfg_node *v, cfg_node *dimn, price_tiers *tiers)
{
    cfg_node *n = cfg_has(v, "price") || cfg_has(v, "tiers") ? v : dimn;
    if (n != v) {
        cfg_know(v, "price");
        cfg_know(v, "tiers");
    }
    if (cfg_has(n, "tiers")) {
        cfg_know(n, "price");
        if (cfg_has(n, "price"))
            cfg_fail(n, "price", "a price or tiers, not both");
        read_tiers(n, "tiers", tiers);
    } else if (cfg_has(n, "price")) {
        cfg_know(n, "tiers");
        tiers->n = 1;
        tiers->tier[0].up_to = INFINITY;
        tiers->tier[0].price = cfg_number_req(n, "price", 0, 1e6);
    } else {
        cfg_missing(n, "price", "a price (or \"tiers\", or a \"monthly_fee\")");
    }
}

static price_dim *new_dim(price_table *t, cfg_node *n, const char *key, const char *name)
{
    if (!name_ok(name, true)) {
        cfg_fail(n, key, "expected a dimension name of letters, digits, '_', '.' and '-' "
                 "(at most %d)", PRICE_NAME_MAX - 1);
        return NULL;
    }
    if (find_dim(t, name) >= 0) {
        cfg_fail(n, key, "a second dimension of this name");
        return NULL;
    }
    if (t->n_dims == PRICE_DIMS_MAX) {
        cfg_fail(n, key, "at most %d dimensions in a table", PRICE_DIMS_MAX);
        return NULL;
    }
    price_dim *d = &t->dim[t->n_dims++];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    d->category = category_of(name);
    d->pool = d->shared_by = -1;
    d->line = -1;
    return d;
}

/* One entry of "dimensions": a rate, a fee, or a family of variants. */
static void read_dimension(price_table *t, cfg_node *m, const char *key, char (*shared)[PRICE_NAME_MAX])
{
    cfg_node x;
    cfg_object(m, key, &x);
    const char *unit = cfg_string_req(&x, "unit");
    int category = cfg_has(&x, "category") ? cfg_enum(&x, "category", price_category_names, PRICE_OTHER) : -1;
    size_t first = t->n_dims;
    const char *line = cfg_string(&x, "line", NULL);
    double per = cfg_number(&x, "per", 1, 1e-9, 1e12);
    int pool = -1;
    const char *free = cfg_string(&x, "free", NULL);
    if (free) {
        for (size_t i = 0; i < t->n_pools; i++)
            if (!strcmp(t->pool[i].name, free))
                pool = (int)i;
        if (pool < 0 && !cfg_failed(&x))
            cfg_fail(&x, "free", "names no pool of \"free_tier\" or \"included\"");
    }
    read_sourced(&x);
    if (cfg_has(&x, "monthly_fee")) {
        price_dim *d = new_dim(t, m, key, key);
        const char *by = cfg_string_req(&x, "shared_by");
        if (!d || cfg_failed(&x))
            goto done;
        snprintf(d->unit, sizeof d->unit, "%s", unit ? unit : "");
        d->monthly_fee = cfg_number_req(&x, "monthly_fee", 0, 1e9);
        d->line = line_index(t, &x, line);
        if (d->line < 0 && !cfg_failed(&x))
            cfg_missing(&x, "line", "the bill line the fee goes on");
        snprintf(shared[d - t->dim], PRICE_NAME_MAX, "%s", by ? by : "");
        goto done;
    }
    cfg_know(&x, "shared_by");
    if (!cfg_has(&x, "variants")) {
        cfg_know(&x, "variants");
        price_dim *d = new_dim(t, m, key, key);
        if (!d)
            goto done;
        snprintf(d->unit, sizeof d->unit, "%s", unit ? unit : "");
        d->per = per;
        d->pool = pool;
        read_price(&x, &x, &d->tiers);
        d->line = line_index(t, &x, line);
        if (d->line < 0 && !cfg_failed(&x))
            cfg_missing(&x, "line", "the bill line");
        goto done;
    }
    /* A family: "<key>.<variant>" each, with its own price, line or facts (the family's
     * price and line are the variants' default). */
    cfg_know(&x, "price");
    cfg_know(&x, "tiers");
    cfg_node vs;
    cfg_object(&x, "variants", &vs);
    if (!vs.in || !vs.in->child) {
        if (!cfg_failed(&x))
            cfg_fail(&x, "variants", "expected at least one variant");
        goto done;
    }
    for (const cJSON *c = vs.in->child; c && !cfg_failed(&vs); c = c->next) {
        char name[PRICE_NAME_MAX * 2];
        snprintf(name, sizeof name, "%s.%s", key, c->string);
        price_dim *d = new_dim(t, &vs, c->string, name);
        if (!d)
            break;
        cfg_node v;
        cfg_object(&vs, c->string, &v);
        snprintf(d->unit, sizeof d->unit, "%s", unit ? unit : "");
        d->per = per;
        d->pool = pool;
        read_price(&v, &x, &d->tiers);
        d->line = line_index(t, &v, cfg_string(&v, "line", line));
        if (d->line < 0 && !cfg_failed(&v))
            cfg_missing(&v, "line", "the bill line (here or for the whole dimension)");
        /* Any other key is a number the variant carries (an instance type's vcpu). */
        for (const cJSON *f = v.in ? v.in->child : NULL; f && !cfg_failed(&v); f = f->next) {
            if (!strcmp(f->string, "price") || !strcmp(f->string, "tiers") || !strcmp(f->string, "line"))
                continue;
            if (d->n_facts == PRICE_FACTS_MAX || strlen(f->string) >= sizeof d->fact_name[0]) {
                cfg_fail(&v, f->string, "unknown key (a variant carries at most %d numbers besides its "
                         "price, with names under 16 bytes)", PRICE_FACTS_MAX);
                break;
            }
            snprintf(d->fact_name[d->n_facts], sizeof d->fact_name[0], "%s", f->string);
            d->fact[d->n_facts++] = cfg_number_req(&v, f->string, 0, 1e9);
        }
        cfg_done(&v);
    }
done:
    for (size_t i = first; i < t->n_dims; i++) {
        if (category >= 0)
            t->dim[i].category = (price_category)category;
        /* A line falls in the category of its first dimension. */
        bool earlier = false;
        for (size_t j = 0; j < i; j++)
            earlier |= t->dim[j].line == t->dim[i].line;
        if (!earlier && t->dim[i].line >= 0)
            t->line_category[t->dim[i].line] = t->dim[i].category;
    }
    cfg_done(&x);
}

/* "services": kind -> { "offers": [names], "instead": text, source, date }. */
static void read_offers(cfg_node *top, price_table *t)
{
    cfg_node m;
    if (!cfg_has(top, "services")) {
        cfg_know(top, "services");
        return;
    }
    cfg_object(top, "services", &m);
    for (const cJSON *c = m.in ? m.in->child : NULL; c && !cfg_failed(&m); c = c->next) {
        if (price_offers(t, c->string)) {
            cfg_fail(&m, c->string, "a second entry for this kind");
            return;
        }
        if (t->n_offers == PRICE_OFFERS_MAX || strlen(c->string) >= sizeof t->offer[0].kind) {
            cfg_fail(&m, c->string, "at most %d kinds, with names under 16 bytes", PRICE_OFFERS_MAX);
            return;
        }
        cfg_node x;
        cfg_object(&m, c->string, &x);
        price_offer *o = &t->offer[t->n_offers++];
        memset(o, 0, sizeof *o);
        snprintf(o->kind, sizeof o->kind, "%s", c->string);
        const cJSON *a = cfg_raw(&x, "offers");
        if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > PRICE_SERVICES_MAX) {
            cfg_fail(&x, "offers", "expected an array of at most %d service names (the first the default)",
                     PRICE_SERVICES_MAX);
        } else {
            for (const cJSON *e = a->child; e; e = e->next) {
                if (!cJSON_IsString(e) || !name_ok(e->valuestring, true) ||
                    strlen(e->valuestring) >= sizeof o->service[0]) {
                    cfg_fail(&x, "offers", "expected service names of letters, digits, '_', '.' and '-' "
                             "(under 24 bytes)");
                    break;
                }
                snprintf(o->service[o->n++], sizeof o->service[0], "%s", e->valuestring);
            }
        }
        const char *instead = cfg_string(&x, "instead", NULL);
        if (o->n == 0 && !instead && !cfg_failed(&x))
            cfg_missing(&x, "instead", "what the provider offers in place of this kind");
        snprintf(o->instead, sizeof o->instead, "%s", instead ? instead : "");
        read_sourced(&x);
        cfg_done(&x);
    }
}

/* A table's pools, dimensions and services; fees' shared_by names are left in shared. */
static void read_body(cfg_node *top, price_table *t, char (*shared)[PRICE_NAME_MAX], bool part)
{
    cfg_node m;
    read_pools(top, "free_tier", false, t);
    read_pools(top, "included", true, t);
    if (!cfg_object(top, "dimensions", &m) && !part)
        cfg_missing(top, "dimensions", "the prices, by usage dimension");
    for (const cJSON *c = m.in ? m.in->child : NULL; c && !cfg_failed(&m); c = c->next)
        read_dimension(t, &m, c->string, shared);
    cfg_done(&m);
    read_offers(top, t);
}

static const struct embedded_table *embedded_find(const char *name)
{
    for (const struct embedded_table *e = pricing_embedded; e->name; e++)
        if (!strcmp(e->name, name))
            return e;
    return NULL;
}

/* "include": the embedded parts whose prices follow the table's own. */
static void read_includes(cfg_node *top, price_table *t, char (*shared)[PRICE_NAME_MAX])
{
    if (!cfg_has(top, "include")) {
        cfg_know(top, "include");
        return;
    }
    const cJSON *a = cfg_raw(top, "include");
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > PRICE_INCLUDES_MAX) {
        cfg_fail(top, "include", "expected an array of at most %d embedded parts' names", PRICE_INCLUDES_MAX);
        return;
    }
    for (const cJSON *e = a->child; e && !cfg_failed(top); e = e->next) {
        const struct embedded_table *part = cJSON_IsString(e) ? embedded_find(e->valuestring) : NULL;
        if (!part) {
            cfg_fail(top, "include", "expected the names of embedded parts (such as \"azure-services\")");
            return;
        }
        char path[128];
        snprintf(path, sizeof path, "models/pricing/%s.json (embedded)", part->name);
        cfg_ctx pctx;
        cfg_ctx_init(&pctx, path);
        cJSON *root = cfg_parse_text(&pctx, part->json, strlen(part->json));
        if (root) {
            cfg_node p;
            cfg_root(&p, &pctx, root, NULL);
            if (!cfg_has(&p, "part_of"))
                cfg_fail(&p, "part_of", "an included table is a part: it names the tables it is part of");
            cfg_know(&p, "part_of");
            read_body(&p, t, shared, true);
            cfg_done(&p);
        }
        cJSON_Delete(root);
        if (pctx.failed)
            cfg_fail(top, "include", "%s", pctx.message);
    }
}

static int parse_table(price_table *t, cfg_ctx *ctx, const cJSON *root)
{
    cfg_node top;
    cfg_root(&top, ctx, root, NULL);
    if (cfg_has(&top, "part_of")) {
        cfg_fail(&top, "part_of", "this is a part of other tables (it has no provider of its own); "
                 "name one of the tables it is part of");
        cfg_done(&top);
        return -1;
    }
    cfg_know(&top, "part_of");
    const char *prov = cfg_string_req(&top, "provider");
    snprintf(t->provider, sizeof t->provider, "%s", prov ? prov : "");
    cfg_string_req(&top, "region");
    read_currency(&top, t);
    t->month_hours = cfg_number(&top, "month_hours", 730, 1, 744);
    cfg_string_req(&top, "month_hours_source");
    char shared[PRICE_DIMS_MAX][PRICE_NAME_MAX] = { { 0 } };   /* fees' shared_by, resolved last */
    read_body(&top, t, shared, false);
    read_includes(&top, t, shared);
    for (size_t i = 0; i < t->n_dims && !cfg_failed(&top); i++) {
        price_dim *d = &t->dim[i];
        if (d->monthly_fee <= 0 && !shared[i][0])
            continue;
        d->shared_by = find_dim(t, shared[i]);
        if (d->shared_by >= 0 && t->dim[d->shared_by].monthly_fee <= 0)
            continue;
        cfg_node m, x;
        if (cfg_object(&top, "dimensions", &m) && cfg_has(&m, d->name)) {
            cfg_object(&m, d->name, &x);
            cfg_fail(&x, "shared_by", "names no priced dimension of this table");
        } else {
            cfg_fail(&top, "include", "%s: shared_by names no priced dimension of this table", d->name);
        }
    }
    if (!cfg_failed(&top) && t->n_dims == 0)
        cfg_fail(&top, "dimensions", "expected at least one priced dimension");
    cfg_done(&top);
    return ctx->failed ? -1 : 0;
}

int billing_load(price_table *t, cfg_ctx *ctx, const char *name_or_path, const char *base_dir)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name_or_path);
    size_t len = strlen(name_or_path);
    bool is_file = len > 5 && strcmp(name_or_path + len - 5, ".json") == 0;
    cJSON *root = NULL;
    cfg_ctx tctx;
    char path[4096];
    if (is_file) {
        if (name_or_path[0] == '/' || !base_dir || !*base_dir)
            snprintf(path, sizeof path, "%s", name_or_path);
        else if (snprintf(path, sizeof path, "%s/%s", base_dir, name_or_path) >= (int)sizeof path)
            path[0] = '\0';
        cfg_ctx_init(&tctx, path);
        tctx.no_quotes = 1;   /* the scenario may name any file: say where, quote nothing */
        root = cfg_load_file(&tctx, path);
    } else {
        const struct embedded_table *e = pricing_embedded;
        while (e->name && strcmp(e->name, name_or_path) != 0)
            e++;
        if (!e->name) {
            char list[256] = "";
            for (e = pricing_embedded; e->name; e++) {
                if (strstr(e->json, "\"part_of\""))
                    continue;   /* a part of other tables */
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s\"%s\"", l ? ", " : "", e->name);
            }
            cfg_node n;
            cfg_root(&n, ctx, NULL, NULL);
            cfg_fail(&n, "pricing", "unknown price table \"%s\"; expected one of %s or a path "
                     "ending in .json", name_or_path, list);
            return -1;
        }
        snprintf(path, sizeof path, "models/pricing/%s.json (embedded)", e->name);
        cfg_ctx_init(&tctx, path);
        root = cfg_parse_text(&tctx, e->json, strlen(e->json));
    }
    int rc = root ? parse_table(t, &tctx, root) : -1;
    cJSON_Delete(root);
    if (rc != 0 && !ctx->failed) {
        /* The table's own file and path, after the scenario's and the key that names it:
         * "scenario.json: pricing: prices.json: compute.gb_s: ...". */
        cfg_node n;
        cfg_root(&n, ctx, NULL, NULL);
        cfg_fail(&n, "pricing", "%s", tctx.message);
    }
    return rc;
}


/* ---- lookups ----------------------------------------------------------------------- */

const price_dim *price_find(const price_table *t, const char *name)
{
    char key[PRICE_NAME_MAX];
    if (strlen(name) >= sizeof key)
        return NULL;
    snprintf(key, sizeof key, "%s", name);
    for (;;) {
        int i = find_dim(t, key);
        if (i >= 0)
            return &t->dim[i];
        char *dot = strrchr(key, '.');
        if (!dot)
            return NULL;
        *dot = '\0';
    }
}

const price_offer *price_offers(const price_table *t, const char *kind)
{
    for (size_t i = 0; i < t->n_offers; i++)
        if (!strcmp(t->offer[i].kind, kind))
            return &t->offer[i];
    return NULL;
}

bool price_has_family(const price_table *t, const char *family)
{
    size_t n = strlen(family);
    for (size_t i = 0; i < t->n_dims; i++)
        if (!strncmp(t->dim[i].name, family, n) && (t->dim[i].name[n] == '.' || !t->dim[i].name[n]))
            return true;
    return false;
}

double price_fact(const price_dim *d, const char *fact)
{
    for (size_t i = 0; d && i < d->n_facts; i++)
        if (!strcmp(d->fact_name[i], fact))
            return d->fact[i];
    return NAN;
}

void price_list_variants(const price_table *t, const char *prefix, bool quote, char *buf, size_t size)
{
    size_t n = strlen(prefix), at = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < t->n_dims && at < size; i++)
        if (!strncmp(t->dim[i].name, prefix, n)) {
            int w = snprintf(buf + at, size - at, quote ? "%s\"%s\"" : "%s%s", at ? ", " : "",
                             t->dim[i].name + n);
            at += w > 0 ? (size_t)w : 0;
        }
}

/* ---- the bill ---------------------------------------------------------------- */

double billing_round_cents(double x) { return round(x * 100.0) / 100.0; }

double billing_tiered(const price_tiers *t, double quantity)
{
    double cost = 0, low = 0;
    for (size_t i = 0; i < t->n && quantity > low; i++) {
        double high = t->tier[i].up_to;
        double in_tier = (quantity < high ? quantity : high) - low;
        cost += in_tier * t->tier[i].price;
        low = high;
    }
    return cost;
}

/* The month's prices of a ledger's dimensions, before any rounding: what billing_compute
 * and billing_by_tenant both start from. */
typedef struct dim_costs {
    double scale;                        /* month / window */
    double q[PRICE_DIMS_MAX];            /* monthly quantity */
    double eligible[PRICE_DIMS_MAX];     /* the part free pools may cover */
    double freed[PRICE_DIMS_MAX];        /* the part they cover */
    double window_q[PRICE_DIMS_MAX];     /* the window's quantity (fees follow it) */
    double cost[PRICE_DIMS_MAX];
} dim_costs;

static void price_dims(const price_table *t, const ledger *u, bool free_tier, double window_s,
                       dim_costs *dc)
{
    memset(dc, 0, sizeof *dc);
    double month_s = t->month_hours * 3600.0, scale = month_s / window_s;
    dc->scale = scale;
    bool used[PRICE_DIMS_MAX] = { false };
    for (size_t i = 0; i < u->n; i++) {
        const usage_record *r = &u->rec[i];
        if (r->dim < 0)
            continue;
        dc->q[r->dim] += r->quantity * scale;
        dc->window_q[r->dim] += r->quantity;
        if (!(r->flags & USAGE_NOT_FREE))
            dc->eligible[r->dim] += r->quantity * scale;
        used[r->dim] = true;
    }
    double left[PRICE_POOLS_MAX];
    for (size_t p = 0; p < t->n_pools; p++)
        left[p] = free_tier || t->pool[p].included ? t->pool[p].quantity : 0;
    for (size_t d = 0; d < t->n_dims; d++) {
        const price_dim *pd = &t->dim[d];
        if (pd->pool >= 0) {
            dc->freed[d] = fmin(left[pd->pool], dc->eligible[d]);
            left[pd->pool] -= dc->freed[d];
        }
        if (pd->monthly_fee > 0)
            dc->cost[d] = used[pd->shared_by] ? pd->monthly_fee : 0;
        else
            dc->cost[d] = billing_tiered(&pd->tiers, (dc->q[d] - dc->freed[d]) / pd->per);
    }
}

/* A record's share of its dimension's cost, by its share of the billable usage (a free pool
 * is credited to the eligible records in proportion to their usage), then its share of each
 * fee that follows its dimension; each added to add[line's category] and to *sum, in this
 * order (billing_compute's by_component depends on the order of the additions). */
static void record_cost(const price_table *t, const dim_costs *dc, const usage_record *r,
                        double *sum, double *by_category)
{
    double mq = r->quantity * dc->scale;
    if (!(r->flags & USAGE_NOT_FREE) && dc->eligible[r->dim] > 0)
        mq -= dc->freed[r->dim] * mq / dc->eligible[r->dim];
    double billable = dc->q[r->dim] - dc->freed[r->dim];
    if (billable > 0) {
        double x = dc->cost[r->dim] * mq / billable;
        *sum += x;
        if (by_category)
            by_category[t->line_category[t->dim[r->dim].line]] += x;
    }
    for (size_t d = 0; d < t->n_dims; d++)
        if (t->dim[d].monthly_fee > 0 && t->dim[d].shared_by == r->dim && dc->window_q[r->dim] > 0) {
            double x = dc->cost[d] * r->quantity / dc->window_q[r->dim];
            *sum += x;
            if (by_category)
                by_category[t->line_category[t->dim[d].line]] += x;
        }
}

void billing_compute(const price_table *t, const ledger *u, bool free_tier, double window_s, bill *b)
{
    dim_costs dc;
    price_dims(t, u, free_tier, window_s, &dc);
    double raw[PRICE_LINES_MAX] = { 0 };
    for (size_t d = 0; d < t->n_dims; d++)
        raw[t->dim[d].line] += dc.cost[d];
    b->n_lines = t->n_lines;
    b->total = 0;
    for (size_t k = 0; k < t->n_lines; k++) {
        b->line[k] = billing_round_cents(raw[k]);
        b->total += b->line[k];
    }
    b->total = billing_round_cents(b->total);
    for (size_t c = 0; c < PRICE_CATEGORIES; c++)
        b->category[c] = 0;
    for (size_t k = 0; k < t->n_lines; k++)
        b->category[t->line_category[k]] += b->line[k];
    for (size_t c = 0; c < PRICE_CATEGORIES; c++)
        b->category[c] = billing_round_cents(b->category[c]);

    /* Each component's share of each dimension (record_cost). */
    for (size_t c = 0; c < b->n; c++)
        b->by_component[c] = 0;
    for (size_t i = 0; i < u->n; i++) {
        const usage_record *r = &u->rec[i];
        if (r->dim < 0 || r->component >= b->n)
            continue;
        record_cost(t, &dc, r, &b->by_component[r->component], NULL);
    }
    for (size_t c = 0; c < b->n; c++)
        b->by_component[c] = billing_round_cents(b->by_component[c]);
}

/* Splits target_cents over n parts in proportion to raw (non-negative), in whole cents that
 * add up to target_cents exactly: each part's exact share rounded down, then the cents left
 * to the largest remainders (Hamilton's method). With nothing to go by, the last part takes
 * it all. */
static void apportion(const double *raw, size_t n, long long target_cents, double *out,
                      double *remainder /* n entries of scratch */)
{
    double sum = 0;
    for (size_t k = 0; k < n; k++)
        sum += raw[k];
    long long given = 0;
    for (size_t k = 0; k < n; k++) {
        double exact = sum > 0 ? (double)target_cents * raw[k] / sum : 0;
        double whole = floor(exact);
        out[k] = whole;
        given += (long long)whole;
        remainder[k] = exact - whole;
    }
    if (sum <= 0) {
        out[n - 1] += (double)(target_cents - given);
    } else {
        for (long long left = target_cents - given; left > 0; left--) {
            size_t best = 0;
            for (size_t k = 1; k < n; k++)
                if (remainder[k] > remainder[best])
                    best = k;
            out[best] += 1;
            remainder[best] = -1;
        }
    }
    for (size_t k = 0; k < n; k++)
        out[k] /= 100.0;
}

int billing_by_tenant(const price_table *t, const ledger *u, bool free_tier, double window_s,
                      size_t n_components, size_t n_tenants, const uint64_t *received,
                      const bill *b, tenant_bill *out)
{
    size_t parts = n_tenants + 1;
    double *raw = calloc(parts * (PRICE_CATEGORIES + 1), sizeof *raw);
    double *share = calloc(parts > PRICE_CATEGORIES ? parts : PRICE_CATEGORIES, sizeof *share);
    double *sums = calloc(parts, sizeof *sums);
    if (!raw || !share || !sums) {
        free(raw);
        free(share);
        free(sums);
        return -1;
    }
    /* raw[k * (PRICE_CATEGORIES + 1)]: part k's sum; the PRICE_CATEGORIES after it: by category. */
    dim_costs dc;
    price_dims(t, u, free_tier, window_s, &dc);
    for (size_t i = 0; i < u->n; i++) {
        const usage_record *r = &u->rec[i];
        if (r->dim < 0 || r->component >= n_components)
            continue;
        double sum = 0, cat[PRICE_CATEGORIES] = { 0 };
        record_cost(t, &dc, r, &sum, cat);
        /* The tenant's own usage is the tenant's; the rest of a component's follows each
         * tenant's share of what the component received; of a component no tenant reached,
         * nobody's. */
        double received_sum = 0;
        for (size_t k = 0; k < n_tenants; k++) {
            share[k] = 0;
            if (r->tenant >= 0)
                share[k] = (size_t)r->tenant == k;
            else
                share[k] = (double)received[r->component * n_tenants + k];
            received_sum += share[k];
        }
        for (size_t k = 0; k <= n_tenants; k++) {
            double f = k == n_tenants ? (received_sum > 0 ? 0 : 1) :
                       received_sum > 0 ? share[k] / received_sum : 0;
            if (f == 0)
                continue;
            double *row = &raw[k * (PRICE_CATEGORIES + 1)];
            row[0] += f * sum;
            for (size_t c = 0; c < PRICE_CATEGORIES; c++)
                row[1 + c] += f * cat[c];
        }
    }
    /* share is the apportioning's scratch from here */
    for (size_t k = 0; k < parts; k++)
        sums[k] = raw[k * (PRICE_CATEGORIES + 1)];
    apportion(sums, parts, llround(b->total * 100.0), out->monthly, share);
    for (size_t k = 0; k < parts; k++)
        apportion(&raw[k * (PRICE_CATEGORIES + 1) + 1], PRICE_CATEGORIES,
                  llround(out->monthly[k] * 100.0), &out->category[k * PRICE_CATEGORIES], share);
    free(sums);
    free(share);
    free(raw);
    return 0;
}
