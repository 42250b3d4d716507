/* table_capacity.c — a DynamoDB table's capacity modes, partitions and hot keys (see
 * table_capacity.h for what the service kind asks of it).
 *
 * Invariants and model:
 * - A call's key is drawn from the key distribution; key k (1..N) lives on partition
 *   (k - 1) mod P, a stand-in for the hash. What decides throttling is only the share of
 *   calls each partition receives, so the spec keeps the distribution over partitions (a CDF
 *   of P entries, computed once from the N keys) and a call draws a partition, never a key.
 * - Each partition is a token bucket of request units: its limit a second, one second deep
 *   (burst capacity does not relieve a partition). With adaptive capacity (on for every table,
 *   AWS) the limit is the published ceiling, 3,000 RCU or 1,000 WCU; without it, a provisioned
 *   table's units divided equally among its partitions, at most the ceiling.
 * - A provisioned table is one more bucket: its units a second, burst_s seconds of them deep
 *   (DynamoDB keeps up to 300 s of unused capacity). A call is admitted when both its
 *   partition and the table hold its units; it then takes them from both.
 * - Auto scaling is target tracking as DynamoDB publishes it: once a minute the consumed
 *   units (throttled calls consume nothing) are compared with the target; two consecutive
 *   minutes above it raise the capacity to consumed / target, fifteen consecutive minutes
 *   more than 20 points below it lower it to that, between min and max. The change takes
 *   effect scale_delay_s later (the alarm's delay and UpdateTable's). Decreases are
 *   limited: four a UTC day, and one more after any hour without one (27 a day at most).
 * - Nothing here allocates per call; the minute's tally is a sum in the state. */
#include "models/table_capacity.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "models/billing.h"
#include "sim/engine.h"
#include "sim/rng.h"

/* DynamoDB's per-partition ceilings (AWS developer guide, "Burst and adaptive capacity"). */
#define PARTITION_MAX_RCU 3000.0
#define PARTITION_MAX_WCU 1000.0
/* A new on-demand table serves 4,000 WRU / 12,000 RRU at once: four partitions' worth. */
#define ON_DEMAND_PARTITIONS 4
#define KEYS_MAX 1e7

static const char *const capacity_modes[] = { "on-demand", "provisioned", NULL };

/* The distribution of calls over partitions from N keys of Zipf exponent s (0: uniform). */
static int partition_distribution(table_capacity_spec *c)
{
    uint32_t p = c->partitions;
    c->partition_cdf = calloc(p, sizeof *c->partition_cdf);
    if (!c->partition_cdf)
        return -1;
    uint64_t n = (uint64_t)c->key_count;
    double h = 0;
    for (uint64_t k = 1; k <= n; k++) {
        double x = c->zipf_s == 0 ? 1.0 : pow((double)k, -c->zipf_s);
        c->partition_cdf[(k - 1) % p] += x;
        h += x;
    }
    c->hottest_key_share = 1.0 / h;
    double run = 0, hot = 0;
    for (uint32_t j = 0; j < p; j++) {
        double share = c->partition_cdf[j] / h;
        hot = fmax(hot, share);
        run += share;
        c->partition_cdf[j] = run;
    }
    c->partition_cdf[p - 1] = 1.0;
    c->hot_partition_share = hot;
    return 0;
}

void table_capacity_parse(cfg_node *d, bool write, double request_units, const world_spec *w,
                          table_capacity_spec *c)
{
    c->write = write;
    c->request_units = request_units;
    c->partition_max = write ? PARTITION_MAX_WCU : PARTITION_MAX_RCU;
    int mode = cfg_enum(d, "capacity", capacity_modes, 0);
    c->provisioned = mode == 1;
    static const char *const keys[] = { "units_per_s", "burst_s", "auto_scaling", "partitions",
                                        "adaptive_capacity", "keys" };
    c->on = c->provisioned;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        c->on = c->on || cfg_has(d, keys[i]);
    if (!c->on || cfg_failed(d))
        return;
    const char *unit = write ? "WCU" : "RCU";
    if (c->provisioned) {
        if (!cfg_has(d, "units_per_s"))
            cfg_missing(d, "units_per_s", write ? "the write capacity units provisioned (WCUs a second)"
                                                : "the read capacity units provisioned (RCUs a second)");
        c->units = (double)cfg_integer(d, "units_per_s", 1, 1, 40000);
        /* DynamoDB retains up to five minutes of unused capacity (best effort). */
        c->burst_s = cfg_number(d, "burst_s", 300, 1, 300);
        const char *dim = write ? "table.wcu_hours" : "table.rcu_hours";
        if (!cfg_failed(d) && !price_find(&w->prices, dim))
            cfg_fail(d, "capacity", "the price table %s prices no provisioned capacity (%s); give one "
                     "that does, or \"on-demand\"", w->prices.name, dim);
        if (!cfg_failed(d) && c->request_units > c->units * c->burst_s)
            cfg_fail(d, "units_per_s", "a call of %g %ss exceeds the %g a table of %g %ss can hold: "
                     "every call would be throttled", c->request_units, unit, c->units * c->burst_s,
                     c->units, unit);
        if (cfg_has(d, "auto_scaling")) {
            cfg_node a;
            cfg_object(d, "auto_scaling", &a);
            c->auto_scaling = true;
            c->min_units = (double)cfg_integer(&a, "min_units", 1, 1, 40000);
            c->max_units = (double)cfg_integer(&a, "max_units", 40000, 1, 40000);
            /* Target utilisation between 20% and 90% (AWS); the console's default is 70%. */
            c->target = cfg_number(&a, "target", 0.7, 0.2, 0.9);
            /* The alarm's own delay and UpdateTable's: "a few minutes" (an assumption). */
            c->scale_delay_s = cfg_number(&a, "delay_s", 120, 0, 3600);
            if (!cfg_failed(&a) && c->min_units > c->max_units)
                cfg_fail(&a, "min_units", "%g exceeds max_units (%g)", c->min_units, c->max_units);
            if (!cfg_failed(&a) && (c->units < c->min_units || c->units > c->max_units))
                cfg_fail(d, "units_per_s", "%g is outside auto_scaling's min_units..max_units (%g..%g)",
                         c->units, c->min_units, c->max_units);
            cfg_done(&a);
        }
    } else {
        static const char *const only[] = { "units_per_s", "burst_s", "auto_scaling" };
        for (size_t i = 0; i < 3 && !cfg_failed(d); i++)
            if (cfg_has(d, only[i]))
                cfg_fail(d, only[i], "only a provisioned table takes %s; this one is on demand "
                         "(give \"capacity\": \"provisioned\")", only[i]);
    }
    uint32_t def = c->provisioned ? (uint32_t)ceil(c->units / c->partition_max - 1e-9) : ON_DEMAND_PARTITIONS;
    c->partitions = (uint32_t)cfg_integer(d, "partitions", def < 1 ? 1 : def, 1, 100000);
    c->adaptive = cfg_bool(d, "adaptive_capacity", true);
    if (!c->adaptive && !c->provisioned && !cfg_failed(d))
        cfg_fail(d, "adaptive_capacity", "an on-demand table's partitions always use up to their "
                 "ceiling; adaptive_capacity false applies to a provisioned table");
    if (!cfg_failed(d) && c->request_units > c->partition_max)
        cfg_fail(d, "item_kb", "a call of %g %ss exceeds a partition's %g %ss a second", c->request_units,
                 unit, c->partition_max, unit);
    cfg_node k;
    cfg_object(d, "keys", &k);
    c->key_count = (double)cfg_integer(&k, "count", 1000000, 1, (long long)KEYS_MAX);
    c->zipf_s = cfg_number(&k, "zipf_s", 0, 0, 10);
    cfg_done(&k);
    if (!cfg_failed(d) && partition_distribution(c) != 0)
        cfg_fail(d, "keys", "out of memory");
}

void table_capacity_free_spec(table_capacity_spec *c)
{
    free(c->partition_cdf);
    c->partition_cdf = NULL;
}

/* ---- run state --------------------------------------------------------------------- */

struct table_capacity_state {
    const table_capacity_spec *c;
    world       *w;
    gsl_rng     *r_key;
    rate_limit   table_limit, part_limit;
    token_bucket table_bucket;
    token_bucket *part;              /* one a partition */
    double       units;              /* provisioned now */
    double       area, t_area;       /* integral of units over the measured window so far */
    double       max_units;
    double       minute_units;       /* units consumed in the current minute */
    uint32_t     above, below;       /* consecutive minutes above / below the target */
    bool         pending;            /* a change is on its way */
    double       day, last_decrease;
    uint32_t     decreases_today;
    uint64_t     throttled_partition, throttled_table, scale_ups, scale_downs;
};

static void limits_set(table_capacity_state *st)
{
    const table_capacity_spec *c = st->c;
    st->table_limit.per_s = c->provisioned ? st->units : 0;
    st->table_limit.burst = fmax(st->units * c->burst_s, c->request_units);
    double per = c->adaptive ? c->partition_max : fmin(c->partition_max, st->units / c->partitions);
    st->part_limit.per_s = per;
    st->part_limit.burst = fmax(per, c->request_units);
}

/* Adds the units provisioned since the last change to the window's integral. */
static void area_to(table_capacity_state *st, double now)
{
    double a = fmax(st->t_area, st->w->t_start), b = fmin(now, st->w->t_end);
    if (b > a)
        st->area += st->units * (b - a);
    st->t_area = now;
}

static void on_capacity_change(sim *s, void *target, uint64_t arg)
{
    table_capacity_state *st = target;
    double now = sim_now(s), units = (double)arg;
    st->pending = false;
    token_bucket_refill(&st->table_bucket, &st->table_limit, now);
    for (uint32_t j = 0; j < st->c->partitions; j++)
        token_bucket_refill(&st->part[j], &st->part_limit, now);
    area_to(st, now);
    bool measuring = world_measuring(st->w, now);
    if (units > st->units && measuring)
        st->scale_ups++;
    else if (units < st->units && measuring)
        st->scale_downs++;
    st->units = units;
    st->max_units = fmax(st->max_units, units);
    limits_set(st);
}

/* May the table's capacity be lowered now? Four times a UTC day, and once more after any
 * hour without a decrease (DynamoDB's quota on decreases). */
static bool decrease_allowed(table_capacity_state *st, double now)
{
    double day = floor(now / 86400);
    if (day != st->day) {
        st->day = day;
        st->decreases_today = 0;
    }
    return st->decreases_today < 4 || now - st->last_decrease >= 3600;
}

static void on_minute(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    table_capacity_state *st = target;
    const table_capacity_spec *c = st->c;
    double now = sim_now(s);
    double consumed = st->minute_units / 60.0;   /* units a second over the minute */
    st->minute_units = 0;
    double util = consumed / st->units;
    st->above = util > c->target ? st->above + 1 : 0;
    st->below = util < c->target - 0.2 ? st->below + 1 : 0;
    double want = fmin(c->max_units, fmax(c->min_units, ceil(consumed / c->target - 1e-9)));
    if (!st->pending && st->above >= 2 && want > st->units) {
        st->pending = true;
        st->above = 0;
        sim_at(s, now + c->scale_delay_s, on_capacity_change, st, (uint64_t)want);
    } else if (!st->pending && st->below >= 15 && want < st->units && decrease_allowed(st, now)) {
        st->pending = true;
        st->below = 0;
        st->decreases_today++;
        st->last_decrease = now;
        sim_at(s, now + c->scale_delay_s, on_capacity_change, st, (uint64_t)want);
    }
    if (now + 60 < st->w->t_end)
        sim_at(s, now + 60, on_minute, st, 0);
}

table_capacity_state *table_capacity_start(const table_capacity_spec *c, world *w, const char *name)
{
    table_capacity_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->c = c;
    st->w = w;
    st->units = st->max_units = c->units;
    st->day = 0;
    st->last_decrease = -INFINITY;
    st->part = calloc(c->partitions, sizeof *st->part);
    st->r_key = c->partitions > 1 ? sim_stream(w->s, name) : NULL;
    if (!st->part || (c->partitions > 1 && !st->r_key)) {
        table_capacity_free(st);
        return NULL;
    }
    limits_set(st);
    token_bucket_init(&st->table_bucket, &st->table_limit);
    for (uint32_t j = 0; j < c->partitions; j++)
        token_bucket_init(&st->part[j], &st->part_limit);
    if (c->auto_scaling)
        sim_at(w->s, 60, on_minute, st, 0);
    return st;
}

void table_capacity_free(table_capacity_state *st)
{
    if (!st)
        return;
    free(st->part);
    free(st);
}

capacity_verdict table_capacity_admit(table_capacity_state *st, double now)
{
    const table_capacity_spec *c = st->c;
    uint32_t j = 0;
    if (c->partitions > 1) {
        double u = rng_uniform(st->r_key);
        uint32_t lo = 0, hi = c->partitions - 1;   /* the first j with cdf[j] > u */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (c->partition_cdf[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        j = lo;
    }
    bool measuring = world_measuring(st->w, now);
    token_bucket_refill(&st->part[j], &st->part_limit, now);
    if (st->part[j].tokens < c->request_units) {
        if (measuring)
            st->throttled_partition++;
        return CAPACITY_PARTITION;
    }
    if (c->provisioned) {
        token_bucket_refill(&st->table_bucket, &st->table_limit, now);
        if (st->table_bucket.tokens < c->request_units) {
            if (measuring)
                st->throttled_table++;
            return CAPACITY_TABLE;
        }
        st->table_bucket.tokens -= c->request_units;
    }
    st->part[j].tokens -= c->request_units;
    st->minute_units += c->request_units;
    return CAPACITY_ADMIT;
}

void table_capacity_finish(table_capacity_state *st)
{
    area_to(st, st->w->t_end);
}

double table_capacity_unit_hours(const table_capacity_state *st)
{
    return st && st->c->provisioned ? st->area / 3600.0 : 0;
}

void table_capacity_report(const table_capacity_spec *c, const table_capacity_state *st, metric_sink *m)
{
    double window = st ? st->w->t_end - st->w->t_start : 1;
    metric_emit(m, "partitions", (double)c->partitions);
    metric_emit(m, "hottest_key_share", c->hottest_key_share);
    metric_emit(m, "hot_partition_share", c->hot_partition_share);
    metric_emit(m, "throttled_by_partition", st ? (double)st->throttled_partition : 0);
    metric_emit(m, "throttled_by_table", st ? (double)st->throttled_table : 0);
    if (!c->provisioned)
        return;
    metric_emit(m, "capacity_units_mean", st ? st->area / window : 0);
    metric_emit(m, "capacity_units_max", st ? st->max_units : 0);
    metric_emit(m, "scale_ups", st ? (double)st->scale_ups : 0);
    metric_emit(m, "scale_downs", st ? (double)st->scale_downs : 0);
}
