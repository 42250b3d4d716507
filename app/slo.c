/* slo.c — the --slo clauses (parsing, judgement over replications) and the saturation
 * flags of a run.
 *
 * Invariants: a parsed clause names one figure (and, for a share, its denominator) of
 * the flat rows run.c keeps, and its bound is in that figure's unit; judging reads only
 * those rows and the scenario's resolved settings, so a study judges a point another MPI
 * rank ran exactly as it would its own. */
#include "app/slo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "app/numfmt.h"
#include "sim/replicate.h"

/* ---- saturation thresholds ------------------------------------------------------------ *
 * Each is judged on the mean over replications, over the measured window. */
#define SAT_THROTTLED_SHARE   0.01  /* a function's attempts refused at its concurrency limit,
                                       a fleet's requests refused with every task full, a
                                       stream's puts over its shards' write limits, a service's
                                       attempts over its rate limit or given up waiting for a
                                       place */
#define SAT_CAPPED_SHARE      0.10  /* an autoscaled fleet at its max wanting more tasks */
#define SAT_FIXED_BUSY        0.90  /* a fixed fleet's processors busy, a service's places busy
                                       (max_concurrency, a pool's connections), or its offered
                                       load against its capacity_per_s: past this, processor
                                       sharing slows every request by 1 / (1 - load) or more,
                                       and waits for a place grow as steeply */
#define SAT_GROWTH_MESSAGES   10.0  /* a backlog's growth (a queue's, a stream's unread records,
                                       a service's wait queue): at least this many, */
#define SAT_GROWTH_OF_MAX     0.5   /* half its deepest point (growing, not a drained burst;
                                       a stream's growth is from end to end, so a drained burst
                                       has none), */
#define SAT_GROWTH_ARRIVALS_S 60.0  /* and more than a minute of its arrivals */

/* ---- parsing ---------------------------------------------------------------------------- */

typedef struct alias {
    const char *name, *figure, *per;
    slo_unit    unit;
    bool        optional;
} alias;

static const alias aliases[] = {
    { "mean", "latency_ms.mean", NULL, SLO_MS, false },
    { "p50", "latency_ms.p50", NULL, SLO_MS, false },
    { "p90", "latency_ms.p90", NULL, SLO_MS, false },
    { "p95", "latency_ms.p95", NULL, SLO_MS, false },
    { "p99", "latency_ms.p99", NULL, SLO_MS, false },
    { "p999", "latency_ms.p999", NULL, SLO_MS, false },
    { "max", "latency_ms.max", NULL, SLO_MS, false },
    { "failed", "requests.failed", "requests.arrived", SLO_SHARE, false },
    { "throttled", "requests.throttled", "requests.arrived", SLO_SHARE, false },
    { "timed_out", "requests.timed_out", "requests.arrived", SLO_SHARE, false },
    { "dropped", "requests.dropped", "requests.arrived", SLO_SHARE, false },
    { "dead_lettered", "requests.dead_lettered", "requests.arrived", SLO_SHARE, false },
    { "expired", "requests.expired", "requests.arrived", SLO_SHARE, false },
    { "completed", "requests.completed", "requests.arrived", SLO_SHARE, false },
    { "in_flight", "requests.in_flight", "requests.arrived", SLO_SHARE, false },
    /* Work through pipelines (summary.json's work.*), where a scenario has them. */
    { "lost", "work.lost", "work.events", SLO_SHARE, true },
    { "work.lost", "work.lost", "work.events", SLO_SHARE, true },
    { "work.processed", "work.processed", "work.events", SLO_SHARE, true },
    { "work.in_flight", "work.in_flight", "work.events", SLO_SHARE, true },
    { "work.mean", "work.latency_ms_mean", NULL, SLO_MS, true },
    { "work.p50", "work.latency_ms_p50", NULL, SLO_MS, true },
    { "work.p99", "work.latency_ms_p99", NULL, SLO_MS, true },
    { "cost", "cost.monthly_total", NULL, SLO_MONEY, false },
};

/* A figure's unit from its name: *_ms (latency_ms.p99, wait_ms_p99) in ms, *_s in s. */
static slo_unit unit_of_name(const char *name)
{
    size_t n = strlen(name);
    if (strstr(name, "_ms.") || strstr(name, "_ms_") || (n > 3 && !strcmp(name + n - 3, "_ms")))
        return SLO_MS;
    if (strstr(name, "_s_") || strstr(name, "_s.") || (n > 2 && !strcmp(name + n - 2, "_s")))
        return SLO_SECONDS;
    return SLO_PLAIN;
}

/* The length of the decimal number s starts with (digits, a '.', digits, an exponent only
 * when a digit follows its 'e'), so that the unit may start with E: 5EUR. */
static size_t number_length(const char *s)
{
    size_t n = strspn(s, "-0123456789");
    if (s[n] == '.')
        n += 1 + strspn(s + n + 1, "0123456789");
    if (s[n] == 'e' || s[n] == 'E') {
        size_t k = n + 1 + (s[n + 1] == '+' || s[n + 1] == '-');
        if (s[k] >= '0' && s[k] <= '9')
            n = k + strspn(s + k, "0123456789");
    }
    return n;
}

int slo_parse(const char *expr, slo_clause *c, char *err, size_t err_size)
{
    memset(c, 0, sizeof *c);
    /* Spaces do not count: 'p99 <= 500 ms' is p99<=500ms. */
    char s[sizeof c->text];
    size_t n = 0;
    for (const char *p = expr; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (n + 1 >= sizeof s) {
            snprintf(err, err_size, "too long (at most %zu characters)", sizeof s - 1);
            return -1;
        }
        s[n++] = *p;
    }
    s[n] = '\0';
    /* The operator: <= or >= (or the signs ≤ ≥). */
    size_t at = strcspn(s, "<>=\xe2");
    const char *rest = NULL;
    if (s[at] == '<' && s[at + 1] == '=') {
        rest = s + at + 2;
    } else if (s[at] == '>' && s[at + 1] == '=') {
        c->at_least = true;
        rest = s + at + 2;
    } else if (!strncmp(s + at, "\xe2\x89\xa4", 3)) {
        rest = s + at + 3;
    } else if (!strncmp(s + at, "\xe2\x89\xa5", 3)) {
        c->at_least = true;
        rest = s + at + 3;
    } else if (s[at] == '<' || s[at] == '>' || s[at] == '=') {
        snprintf(err, err_size, "compare with <= or >= (a bound is inclusive), as in p99<=500ms");
        return -1;
    }
    if (!rest || at == 0 || !*rest) {
        snprintf(err, err_size, "expected NAME<=BOUND or NAME>=BOUND, as in p99<=500ms or failed<=0.1%%");
        return -1;
    }
    snprintf(c->text, sizeof c->text, "%s", s);
    char name[sizeof c->figure];
    if (at >= sizeof name) {
        snprintf(err, err_size, "the figure's name is too long");
        return -1;
    }
    memcpy(name, s, at);
    name[at] = '\0';
    const alias *a = NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(aliases[i].name, name))
            a = &aliases[i];
    if (a) {
        snprintf(c->figure, sizeof c->figure, "%s", a->figure);
        snprintf(c->per, sizeof c->per, "%s", a->per ? a->per : "");
        c->unit = a->unit;
        c->optional = a->optional;
    } else if (strchr(name, '.') && name[0] != '.' && name[at - 1] != '.') {
        snprintf(c->figure, sizeof c->figure, "%s", name);
        c->unit = unit_of_name(name);
    } else {
        snprintf(err, err_size, "unknown figure '%s': use p50, p90, p95, p99, p999, mean or max (latency of "
                 "completed requests), failed, throttled, timed_out, dropped, dead_lettered, expired, completed "
                 "or in_flight (shares of arrived requests), lost, work.p50, work.p99 or work.mean (work "
                 "through pipelines), cost (monthly), or a figure of summary.json by its dotted name "
                 "(functions.api.cold_start_ratio)", name);
        return -1;
    }
    /* The bound: a number, then its unit. */
    const char *num = rest;
    if (c->unit == SLO_MONEY && *num == '$')
        num++;
    size_t len = number_length(num);
    char digits[64];
    if (len == 0 || len >= sizeof digits) {
        snprintf(err, err_size, "expected a number after the comparison, got '%s'", rest);
        return -1;
    }
    memcpy(digits, num, len);
    digits[len] = '\0';
    double v;
    if (cli_parse_double(digits, 0, 1e300, &v) != 0) {
        snprintf(err, err_size, "the bound '%s' is not a number of 0 or more", digits);
        return -1;
    }
    const char *unit = num + len;
    switch (c->unit) {
    case SLO_MS:
    case SLO_SECONDS: {
        static const struct { const char *name; double ms; } units[] = {
            { "ms", 1 }, { "s", 1e3 }, { "min", 6e4 }, { "h", 3.6e6 },
        };
        double ms = -1;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (!strcmp(unit, units[i].name))
                ms = units[i].ms;
        if (!*unit) {
            snprintf(err, err_size, "give the time's unit, as in %s%s%sms or %s%s%gs", name,
                     c->at_least ? ">=" : "<=", digits, name, c->at_least ? ">=" : "<=", v / 1000);
            return -1;
        }
        if (ms < 0) {
            snprintf(err, err_size, "unknown unit '%s': a time is in ms, s, min or h", unit);
            return -1;
        }
        c->bound = c->unit == SLO_MS ? v * ms : v * ms / 1e3;
        break;
    }
    case SLO_SHARE:
    case SLO_PLAIN:
        if (!strcmp(unit, "%")) {
            c->bound = v / 100;
        } else if (*unit) {
            snprintf(err, err_size, "unknown unit '%s' for %s: %s", unit, name,
                     c->unit == SLO_SHARE ? "a share is a fraction (0.001) or a percentage (0.1%)"
                                          : "a plain number, or a percentage");
            return -1;
        } else {
            c->bound = v;
        }
        if (c->unit == SLO_SHARE && c->bound > 1) {
            snprintf(err, err_size, "%s is a share of %s: a fraction from 0 to 1 or a percentage (%g%%), got %s",
                     name, a && a->per && strstr(a->per, "work.") ? "the work's events" : "arrived requests",
                     v <= 100 ? v : 100.0, digits);
            return -1;
        }
        break;
    case SLO_MONEY: {
        bool code = strlen(unit) == 3 && unit[0] >= 'A' && unit[0] <= 'Z' && unit[1] >= 'A' && unit[1] <= 'Z' &&
                    unit[2] >= 'A' && unit[2] <= 'Z';
        if (*unit && !code) {
            snprintf(err, err_size, "cost is the monthly cost in the price table's currency: cost<=500 or "
                     "cost<=$500, got '%s'", rest);
            return -1;
        }
        c->bound = v;
        break;
    }
    }
    return 0;
}

/* ---- judging ----------------------------------------------------------------------------- */

static bool has_figure(const run_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_values; i++)
        if (!strcmp(r->names[i], name))
            return true;
    return false;
}

/* A figure's mean over replications, or NAN when the run has none. */
static double mean_of(const run_result *r, const char *fmt, const char *component)
{
    char name[512];
    snprintf(name, sizeof name, fmt, component);
    return run_value(r, name, NULL);
}

static void add_reason(slo_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Marks v saturated and keeps the reason (the first SLO_REASONS_MAX of them). */
static void add_reason(slo_verdict *v, const char *fmt, ...)
{
    v->saturated = true;
    if (v->n_reasons == SLO_REASONS_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason[v->n_reasons++], sizeof v->reason[0], fmt, ap);
    va_end(ap);
}

/* The scenario's resolved settings of component i (NULL when absent). */
static const cJSON *resolved_component(const world_spec *spec, size_t i)
{
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(spec->resolved, "components");
    return cJSON_GetArrayItem(comps, (int)i);
}

/* A number of the resolved settings of component i (a dotted path: "rate_limit.per_s"),
 * or NAN when absent or not a number. */
static double setting(const world_spec *spec, size_t i, const char *path)
{
    const cJSON *node = resolved_component(spec, i);
    char key[64];
    while (node && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key ? n : sizeof key - 1), path);
        node = cJSON_GetObjectItemCaseSensitive(node, key);
        path += n + (path[n] == '.');
    }
    return cJSON_IsNumber(node) ? node->valuedouble : NAN;
}

/* A count or a number of seconds as people read it: thousands separated, no exponent. */
static const char *plain(char *buf, size_t size, double x)
{
    num_grouped(buf, size, x, fabs(x) >= 100 || x == floor(x) ? 0 : 1);
    return buf;
}

/* A stream: puts refused by its shards' write limits, and a consumer that falls behind. Its
 * backlog's rise over the window is exact from the counts: records written in it less those
 * that left (processed, expired, sent to on_failure) is the unread records at its end less
 * those at its start. A stream without a consumer is a sink: its records are not waiting. */
static void stream_saturation(const run_result *r, size_t i, slo_verdict *v)
{
    char a[48], b[48], c[48];   /* plain numbers for the reasons */
    const world_spec *spec = r->spec;
    const char *name = spec->components[i].name;
    double records = mean_of(r, "streams.%s.records", name);
    double throttled = mean_of(r, "streams.%s.throttled_puts", name);
    double left = mean_of(r, "streams.%s.processed", name) + mean_of(r, "streams.%s.records_expired", name) +
                  mean_of(r, "streams.%s.to_on_failure", name);
    double growth = records - left, per_s = records / spec->duration_s;
    double shards = setting(spec, i, "shards");
    if (throttled > 0 && throttled >= SAT_THROTTLED_SHARE * (records + throttled))
        add_reason(v, "stream %s's %.0f %s writes: %.3g%% of its puts throttled (%g records and %g KB a second "
                   "a shard)", name, shards, shards == 1 ? "shard refuses" : "shards refuse",
                   100 * throttled / (records + throttled),
                   setting(spec, i, "write_records_per_s"), setting(spec, i, "write_kb_per_s"));
    const cJSON *consumer = cJSON_GetObjectItemCaseSensitive(resolved_component(spec, i), "consumer");
    if (cJSON_IsObject(consumer) && growth >= SAT_GROWTH_MESSAGES && growth > SAT_GROWTH_ARRIVALS_S * per_s)
        add_reason(v, "stream %s's consumer falls behind: %s more records unread at the end of the window than "
                   "at its start, %s s of its writes (iterator age up to %s s)", name, plain(a, sizeof a, growth),
                   plain(b, sizeof b, per_s > 0 ? growth / per_s : INFINITY),
                   plain(c, sizeof c, mean_of(r, "streams.%s.iterator_age_ms_max", name) / 1e3));
}

/* A service or a pool: over its rate limit, its places full (busy, calls give up waiting,
 * or the wait queue grows: callers' deadlines may keep a full queue from growing), or offered
 * more than its capacity_per_s can serve. */
static void service_saturation(const run_result *r, size_t i, slo_verdict *v)
{
    char a[48], b[48];   /* plain numbers for the reasons */
    const world_spec *spec = r->spec;
    const char *kind = spec->components[i].kind->name, *name = spec->components[i].name;
    char fmt[320];
    snprintf(fmt, sizeof fmt, "%s.%%s.", spec->components[i].kind->plural);
    double attempts = NAN, throttled = NAN, refused = NAN, gave_up = NAN, growth = NAN, max_queue = NAN,
           busy = NAN, waiting = NAN;
    static const char *const names[] = { "attempts", "throttled", "refused", "queue_timeouts", "queue_growth",
                                         "max_queue", "mean_concurrency", "mean_queue" };
    double *values[] = { &attempts, &throttled, &refused, &gave_up, &growth, &max_queue, &busy, &waiting };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char figure[352];
        snprintf(figure, sizeof figure, "%s%s", fmt, names[k]);
        *values[k] = mean_of(r, figure, name);
    }
    double per_s = attempts / spec->duration_s;
    double places = setting(spec, i, !strcmp(kind, "pool") ? "connections" : "max_concurrency");
    if (throttled > 0 && throttled >= SAT_THROTTLED_SHARE * attempts)
        add_reason(v, "%s %s over its rate limit of %g calls a second: %.3g%% of its attempts throttled", kind, name,
                   setting(spec, i, "rate_limit.per_s"), 100 * throttled / attempts);
    /* Busy, and by Little's law calls wait for a place longer than they then hold it (a few
     * places at 90% queue long; a hundred at 90% hardly do). */
    if (places > 0 && busy >= SAT_FIXED_BUSY * places && waiting >= busy)
        add_reason(v, "%s %s's %g places %.3g%% busy, calls waiting longer for one than they hold it (%.4g "
                   "waiting, %.4g in service, on average)", kind, name, places, 100 * busy / places, waiting, busy);
    if (gave_up > 0 && gave_up >= SAT_THROTTLED_SHARE * attempts)
        add_reason(v, "%s %s full: %.3g%% of its attempts waited longer than its queue_timeout_ms (%g ms) for one "
                   "of its %g places", kind, name, 100 * gave_up / attempts, setting(spec, i, "queue_timeout_ms"),
                   places);
    if (growth >= SAT_GROWTH_MESSAGES && growth >= SAT_GROWTH_OF_MAX * max_queue &&
        growth > SAT_GROWTH_ARRIVALS_S * per_s)
        add_reason(v, "%s %s's wait queue grows: %s more calls waiting for its %g places at the end of the window "
                   "than at its start (trend), %s s of its attempts", kind, name, plain(a, sizeof a, growth), places,
                   plain(b, sizeof b, per_s > 0 ? growth / per_s : INFINITY));
    /* Offered: every attempt that went on to be served (not throttled, refused while down or
     * given up in the queue), against what the capacity serves in the window. */
    double capacity = setting(spec, i, "capacity_per_s");
    if (capacity > 0) {
        double load = (attempts - throttled - refused - gave_up) / (capacity * spec->duration_s);
        if (load >= SAT_FIXED_BUSY)
            add_reason(v, "%s %s offered %.3g%% of its capacity_per_s (%g calls a second)", kind, name, 100 * load,
                       capacity);
    }
}

static void saturation(const run_result *r, slo_verdict *v)
{
    char a[48], b[48];   /* plain numbers for the reasons */
    const world_spec *spec = r->spec;
    double dropped = 0, host_inv = 0;    /* containers on a host (keep_alive pool_gb) */
    for (size_t i = 0; i < spec->n_components; i++) {
        const char *kind = spec->components[i].kind->name, *name = spec->components[i].name;
        const char *plural = spec->components[i].kind->plural;
        char fmt[256];
        if (!strcmp(kind, "function")) {
            double thr = mean_of(r, "functions.%s.throttles", name);
            double inv = mean_of(r, "functions.%s.invocations", name);
            double drop = mean_of(r, "functions.%s.dropped_for_memory", name);
            if (isfinite(drop)) {
                dropped += drop;
                host_inv += inv;
            }
            /* on_full "queue": callers giving up waiting for memory, or a backlog left */
            double gave_up = mean_of(r, "functions.%s.memory_wait_timeouts", name);
            double left = mean_of(r, "functions.%s.memory_waiting_at_end", name);
            if (isfinite(gave_up) && gave_up > 0 && gave_up >= SAT_THROTTLED_SHARE * (gave_up + inv))
                add_reason(v, "function %s waits for the host's memory (keep_alive pool_gb): %.3g%% of its "
                           "callers gave up waiting", name, 100 * gave_up / (gave_up + inv));
            if (isfinite(left) && left > 0 && left >= SAT_THROTTLED_SHARE * (left + inv))
                add_reason(v, "function %s waits for the host's memory (keep_alive pool_gb): %s requests "
                           "still waiting at the end, %.3g%% of the requests it took", name,
                           plain(a, sizeof a, left), 100 * left / (left + inv));
            if (thr > 0 && thr >= SAT_THROTTLED_SHARE * (thr + inv))
                add_reason(v, "function %s at its concurrency limit: %.3g%% of its attempts throttled", name,
                           100 * thr / (thr + inv));
        } else if (!strcmp(kind, "container") || !strcmp(kind, "vm")) {
            snprintf(fmt, sizeof fmt, "%s.%%s.", plural);
            const cJSON *settings = resolved_component(spec, i);
            const cJSON *as = cJSON_GetObjectItemCaseSensitive(settings, "autoscaling");
            const cJSON *max = cJSON_GetObjectItemCaseSensitive(as, "max");
            const cJSON *count = cJSON_GetObjectItemCaseSensitive(settings, "count");
            char key[320];
            snprintf(key, sizeof key, "%scapped_share", fmt);
            double capped = mean_of(r, key, name);
            snprintf(key, sizeof key, "%scpu_utilization", fmt);
            double busy = mean_of(r, key, name);
            snprintf(key, sizeof key, "%srejected", fmt);
            double rejected = mean_of(r, key, name);
            snprintf(key, sizeof key, "%srequests", fmt);
            double requests = mean_of(r, key, name);
            if (cJSON_IsNumber(max) && capped >= SAT_CAPPED_SHARE)
                add_reason(v, "fleet %s at its max of %.0f task%s with its CPU above target for %.3g%% of the "
                           "window", name, max->valuedouble, max->valuedouble == 1 ? "" : "s", 100 * capped);
            if (!cJSON_IsNumber(max) && busy >= SAT_FIXED_BUSY)
                add_reason(v, "fleet %s fixed at %.0f task%s, its processors %.3g%% busy", name,
                           cJSON_IsNumber(count) ? count->valuedouble : NAN,
                           cJSON_IsNumber(count) && count->valuedouble == 1 ? "" : "s", 100 * busy);
            if (rejected > 0 && rejected >= SAT_THROTTLED_SHARE * requests)
                add_reason(v, "fleet %s full: %.3g%% of its requests refused", name, 100 * rejected / requests);
        } else if (!strcmp(kind, "queue")) {
            double growth = mean_of(r, "queues.%s.depth_growth", name);
            double max_depth = mean_of(r, "queues.%s.max_depth", name);
            double per_s = mean_of(r, "queues.%s.sent", name) / spec->duration_s;
            if (growth >= SAT_GROWTH_MESSAGES && growth >= SAT_GROWTH_OF_MAX * max_depth &&
                growth > SAT_GROWTH_ARRIVALS_S * per_s)
                add_reason(v, "queue %s's backlog grows: %s more messages at the end of the window than "
                           "at its start (trend), %s s of its arrivals", name, plain(a, sizeof a, growth),
                           plain(b, sizeof b, per_s > 0 ? growth / per_s : INFINITY));
        } else if (!strcmp(kind, "stream")) {
            stream_saturation(r, i, v);
        } else if (!strcmp(kind, "service") || !strcmp(kind, "pool")) {
            service_saturation(r, i, v);
        }
    }
    if (dropped > 0 && dropped >= SAT_THROTTLED_SHARE * (dropped + host_inv))
        add_reason(v, "the host's memory (keep_alive pool_gb) full of running containers: %.3g%% of "
                   "invocations dropped", 100 * dropped / (dropped + host_inv));
}

void slo_judge(const slo_clause *c, size_t n, const run_result *r, slo_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->n = n < SLO_MAX ? n : SLO_MAX;
    v->meets = true;
    uint32_t reps = r->spec->replications;
    double *x = calloc(reps ? reps : 1, sizeof *x);
    for (size_t k = 0; k < v->n; k++) {
        v->value[k] = v->ci95[k] = NAN;
        v->status[k] = SLO_NOT_MEASURED;
        if (!x || !has_figure(r, c[k].figure) || (c[k].per[0] && !has_figure(r, c[k].per)))
            continue;
        size_t m = 0;
        for (uint32_t rep = 0; rep < reps; rep++) {
            double num = run_row_value(r, rep, c[k].figure);
            double den = c[k].per[0] ? run_row_value(r, rep, c[k].per) : 1;
            double val = den > 0 ? num / den : NAN;
            if (isfinite(val))
                x[m++] = val;
        }
        if (m == 0)
            continue;
        double mean, hw;
        replicate_mean_ci(x, m, 1, 0, &mean, &hw);
        v->value[k] = mean;
        v->ci95[k] = hw;
        bool within = c[k].at_least ? mean >= c[k].bound : mean <= c[k].bound;
        bool across = isfinite(hw) && fabs(mean - c[k].bound) < hw;
        v->status[k] = within ? (across ? SLO_MET_UNCERTAIN : SLO_MET) : (across ? SLO_MISSED_UNCERTAIN : SLO_MISSED);
        v->meets &= within;
        v->uncertain |= across;
    }
    free(x);
    saturation(r, v);
}

bool slo_eligible(const slo_verdict *v)
{
    return v->n == 0 || (v->meets && !v->saturated);
}

/* ---- words --------------------------------------------------------------------------------- */

static void format_one(const slo_clause *c, double x, char *buf, size_t size, bool unit)
{
    switch (c->unit) {
    case SLO_MS:
        if (fabs(x) >= 1e4)
            snprintf(buf, size, "%.1f%s", x / 1e3, unit ? " s" : "");
        else
            snprintf(buf, size, fabs(x) >= 100 ? "%.0f%s" : "%.3g%s", x, unit ? " ms" : "");
        break;
    case SLO_SECONDS:
        snprintf(buf, size, "%.4g%s", x, unit ? " s" : "");
        break;
    case SLO_SHARE:
        snprintf(buf, size, "%.3g%%", 100 * x);
        break;
    case SLO_MONEY:
        num_grouped(buf, size, x, 2);   /* a month's bill in thousands: 12,345.67 */
        break;
    case SLO_PLAIN:
        snprintf(buf, size, "%.4g", x);
        break;
    }
}

void slo_format(const slo_clause *c, double value, double ci95, char *buf, size_t size)
{
    char a[48], b[48];
    if (!isfinite(value)) {
        snprintf(buf, size, "not measured");
        return;
    }
    format_one(c, value, a, sizeof a, !isfinite(ci95));
    if (!isfinite(ci95)) {
        snprintf(buf, size, "%s", a);
        return;
    }
    /* The half-width in the value's own scale: a latency of 22 s ± 0.9 s, not ± 900 ms. */
    if (c->unit == SLO_MS && fabs(value) >= 1e4) {
        snprintf(b, sizeof b, "%.1f s", ci95 / 1e3);
        snprintf(buf, size, "%s ± %s", a, b);
        return;
    }
    format_one(c, ci95, b, sizeof b, true);
    snprintf(buf, size, "%s ± %s", a, b);
}

void slo_list(const slo_clause *c, const slo_verdict *v, slo_status st, slo_status also, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < v->n && at + 1 < size; k++)
        if (v->status[k] == st || v->status[k] == also)
            at += (size_t)snprintf(buf + at, size - at, "%s%s", at ? ";" : "", c[k].text);
}

void slo_reasons(const slo_verdict *v, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < v->n_reasons && at + 1 < size; k++)
        at += (size_t)snprintf(buf + at, size - at, "%s%s", k ? "; " : "", v->reason[k]);
}

void slo_describe(const slo_clause *c, const slo_verdict *v, char *buf, size_t size)
{
    buf[0] = '\0';
    if (v->n == 0)
        return;
    size_t at = (size_t)snprintf(buf, size, "%s%s", v->meets ? "yes" : "no",
                                 v->uncertain ? ", uncertain" : "");
    const char *sep = ": ";
    /* The clauses missed, then those met only within their interval, then those not measured. */
    static const slo_status order[] = { SLO_MISSED, SLO_MISSED_UNCERTAIN, SLO_MET_UNCERTAIN, SLO_NOT_MEASURED };
    for (size_t o = 0; o < sizeof order / sizeof order[0]; o++)
        for (size_t k = 0; k < v->n && at + 1 < size; k++) {
            if (v->status[k] != order[o])
                continue;
            char val[96];
            slo_format(&c[k], v->value[k], v->ci95[k], val, sizeof val);
            at += (size_t)snprintf(buf + at, size - at, "%s%s %s", sep, c[k].text,
                                   order[o] == SLO_NOT_MEASURED ? "not measured" : "");
            if (order[o] != SLO_NOT_MEASURED && at + 1 < size)
                at += (size_t)snprintf(buf + at, size - at, "(%s)", val);
            sep = "; ";
        }
    if (at >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

static const char *status_name(slo_status s)
{
    static const char *const names[] = { "met", "met, uncertain", "missed, uncertain", "missed", "not measured" };
    return names[s];
}

cJSON *slo_verdict_json(const slo_clause *c, const slo_verdict *v)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddBoolToObject(j, "saturated", v->saturated);
    cJSON *why = cJSON_AddArrayToObject(j, "saturation");
    for (size_t k = 0; why && k < v->n_reasons; k++)
        cJSON_AddItemToArray(why, cJSON_CreateString(v->reason[k]));
    if (v->n == 0) {
        cJSON_AddNullToObject(j, "meets_slo");
    } else {
        cJSON_AddBoolToObject(j, "meets_slo", v->meets);
        cJSON_AddBoolToObject(j, "uncertain", v->uncertain);
        cJSON *cl = cJSON_AddArrayToObject(j, "clauses");
        for (size_t k = 0; cl && k < v->n; k++) {
            cJSON *e = cJSON_CreateObject();
            if (!e)
                break;
            cJSON_AddStringToObject(e, "clause", c[k].text);
            cJSON_AddStringToObject(e, "figure", c[k].figure);
            if (c[k].per[0])
                cJSON_AddStringToObject(e, "per", c[k].per);
            cJSON_AddItemToObject(e, "value", isfinite(v->value[k]) ? cJSON_CreateNumber(v->value[k]) : cJSON_CreateNull());
            cJSON_AddItemToObject(e, "ci95", isfinite(v->ci95[k]) ? cJSON_CreateNumber(v->ci95[k]) : cJSON_CreateNull());
            cJSON_AddNumberToObject(e, "bound", c[k].bound);
            cJSON_AddStringToObject(e, "status", status_name(v->status[k]));
            cJSON_AddItemToArray(cl, e);
        }
    }
    return j;
}

void slo_summary(const slo_clause *c, size_t n, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && at + 1 < size; k++)
        at += (size_t)snprintf(buf + at, size - at, "%s%s", k ? ", " : "", c[k].text);
}
