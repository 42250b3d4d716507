/* spec.c — a trace source's spec: its options, the table of the trace's functions, their
 * names and the selection to replay, the function components generated for them, the
 * loading API (trace_prepare, trace_resolve) and the expected arrivals in a span of run time.
 *
 * Invariants: t->fn holds every function of the trace, in the order of first appearance,
 * each findable through t->keys by (app, key) (app only for azure2021); every function is
 * named, from its ids, before the selection, so a name does not depend on the sample; the
 * selection (t->selected) is in file order and each selected function has a component once
 * trace_resolve has run. The rest of the design is in internal.h. */
#include "models/trace/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/rng.h"

#define MAX_COMPONENTS WORLD_MAX_COMPONENTS
#define MIN_LOOP_S     1e-3       /* shortest window that may repeat (s of run time) */
#define MAX_LOG_FILES  1000       /* lambda-report "files" */

const char *const trace_format_names[] = { "azure2019", "azure2021", "csv", "lambda-report", NULL };
static const char *const within_names[] = { "uniform", "even", NULL };
static const char *const cold_start_names[] = { "defaults", "maximum-minus-average", NULL };
static const char *const bad_row_names[] = { "error", "skip", NULL };
static const int memory_percentiles[] = { 1, 5, 25, 50, 75, 95, 99, 100 };
const int trace_duration_percentiles[N_DURATION_PERCENTILES] = { 0, 1, 25, 50, 75, 99, 100 };
const char *const trace_trigger_names[] = { "http", "queue", "event", "timer", "storage",
                                            "orchestration", "others", NULL };

/* ---- small helpers -------------------------------------------------------------------- */

/* The rule of world.c's trace_valid_name: component names are 1 to 64 of [A-Za-z0-9_-]. */
bool trace_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

uint64_t trace_hash_parts(const char *a, const char *b)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)(a ? a : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    h = (h ^ 0x1f) * 0x100000001b3ULL;
    for (const unsigned char *p = (const unsigned char *)(b ? b : ""); *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

/* The function whose (app, key) match; app is compared only for azure2021. -1: none. */
int trace_find_function(const trace_spec *t, const char *app, const char *key)
{
    if (!t->keys.cap)
        return -1;
    uint64_t h = trace_hash_parts(t->format == FORMAT_AZURE2021 ? app : NULL, key);
    size_t pos = 0;
    for (int64_t i; (i = strmap_next(&t->keys, h, &pos)) >= 0;) {
        const trace_function *f = &t->fn[i];
        if (strcmp(f->key, key) == 0 && (t->format != FORMAT_AZURE2021 || strcmp(f->app, app) == 0))
            return (int)i;
    }
    return -1;
}

/* A new function (the caller has checked it is not there); its index, or -1 (no memory). */
int trace_add_function(trace_spec *t, const char *owner, const char *app, const char *key, long line)
{
    if (t->n_fn == t->cap_fn) {
        size_t cap = t->cap_fn ? 2 * t->cap_fn : 64;
        trace_function *grown = realloc(t->fn, cap * sizeof *grown);
        if (!grown)
            return -1;
        t->fn = grown;
        t->cap_fn = cap;
    }
    trace_function *f = &t->fn[t->n_fn];
    *f = (trace_function){ .component = -1, .line = line, .trigger = -1 };
    f->key = strdup(key);
    f->owner = owner ? strdup(owner) : NULL;
    f->app = app ? strdup(app) : NULL;
    if (!f->key || (owner && !f->owner) || (app && !f->app) ||
        strmap_add(&t->keys, trace_hash_parts(t->format == FORMAT_AZURE2021 ? app : NULL, key),
                   (uint32_t)t->n_fn) != 0) {
        free(f->key);
        free(f->owner);
        free(f->app);
        return -1;
    }
    return (int)t->n_fn++;
}

/* path as given, joined to the scenario's folder when relative (caller frees). */
static char *join_path(const char *scenario, const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    const char *slash = strrchr(scenario, '/');
    size_t dir = slash ? (size_t)(slash - scenario) : 0;
    size_t n = dir + 1 + strlen(path) + 1;
    char *p = malloc(n);
    if (!p)
        return NULL;
    if (slash)
        snprintf(p, n, "%.*s/%s", (int)dir, scenario, path);
    else
        snprintf(p, n, "%s", path);
    return p;
}


/* lambda-report's "files": paths, or {"file": path, "function": name} naming the one
 * function a file holds. o->file becomes the first path. */
static void read_files(cfg_node *a, options *o)
{
    const cJSON *files = cfg_raw(a, "files");
    if (o->format != FORMAT_LAMBDA) {
        cfg_fail(a, "files", "applies to format \"lambda-report\" only; give \"file\"");
        return;
    }
    if (cfg_has(a, "file")) {
        cfg_fail(a, "file", "give \"file\" or \"files\", not both");
        return;
    }
    int n = cJSON_IsArray(files) ? cJSON_GetArraySize(files) : 0;
    if (n < 1 || n > MAX_LOG_FILES) {
        cfg_fail(a, "files", "expected an array of 1 to %d log files (paths, or {\"file\": path, "
                 "\"function\": name})", MAX_LOG_FILES);
        return;
    }
    int i = 0;
    char key[64];
    for (const cJSON *e = files->child; e; e = e->next, i++) {
        const cJSON *path = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "file") : e;
        const cJSON *fn = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "function") : NULL;
        snprintf(key, sizeof key, "files[%d]", i);
        if (!cJSON_IsString(path) || !path->valuestring[0]) {
            cfg_fail(a, key, "expected a log file's path, or {\"file\": path, \"function\": name}");
            return;
        }
        if (cJSON_IsObject(e)) {
            for (const cJSON *k = e->child; k; k = k->next)
                if (strcmp(k->string, "file") != 0 && strcmp(k->string, "function") != 0) {
                    cfg_fail(a, key, "unknown key \"%.64s\"; expected file and function", k->string);
                    return;
                }
            if (fn && (!cJSON_IsString(fn) || !trace_valid_name(fn->valuestring))) {
                snprintf(key, sizeof key, "files[%d].function", i);
                cfg_fail(a, key, "expected the function's name: 1 to 64 letters, digits, _ and -");
                return;
            }
        }
        if (i == 0)
            o->file = path->valuestring;
    }
    o->files = files;
    cfg_put(a, "files", cJSON_Duplicate(files, 1));
}

/* Reads the trace keys of arrivals node a (both passes read the same way). */
static void read_options(cfg_node *a, options *o)
{
    *o = (options){ .format = -1, .repeat = 1 };
    if (!cfg_has(a, "format"))
        cfg_missing(a, "format", "one of \"azure2019\", \"azure2021\", \"csv\", \"lambda-report\"");
    o->format = cfg_enum(a, "format", trace_format_names, -1);
    if (cfg_failed(a))
        return;
    if (cfg_has(a, "files")) {
        read_files(a, o);
    } else {
        if (!cfg_has(a, "file"))
            cfg_missing(a, "file", o->format == FORMAT_LAMBDA ? "the log's path (relative to the scenario's "
                        "folder), or \"files\": [paths]" : "the trace file's path (relative to the "
                        "scenario's folder)");
        o->file = cfg_string(a, "file", NULL);
    }
    if (cfg_failed(a))
        return;
    static const char *const only_2019[] = { "durations_file", "memory_file", "memory_percentile",
                                             "within_minute", "cold_start", NULL };
    if (o->format == FORMAT_AZURE2019) {
        o->durations_file = cfg_string(a, "durations_file", NULL);
        o->memory_file = cfg_string(a, "memory_file", NULL);
        o->memory_percentile = (int)cfg_integer(a, "memory_percentile", 50, 1, 100);
        bool known = false;
        for (size_t i = 0; i < sizeof memory_percentiles / sizeof *memory_percentiles; i++)
            known |= memory_percentiles[i] == o->memory_percentile;
        if (!cfg_failed(a) && !known)
            cfg_fail(a, "memory_percentile", "expected one of 1, 5, 25, 50, 75, 95, 99, 100 "
                     "(the memory file's columns), got %d", o->memory_percentile);
        o->within = cfg_enum(a, "within_minute", within_names, WITHIN_UNIFORM);
        o->cold_start = cfg_enum(a, "cold_start", cold_start_names, COLD_FROM_DEFAULTS);
        if (!cfg_failed(a) && o->cold_start == COLD_FROM_MAX_MINUS_AVERAGE && !o->durations_file)
            cfg_fail(a, "cold_start", "\"maximum-minus-average\" reads each function's Average and "
                     "Maximum from durations_file: give durations_file");
    } else {
        for (size_t i = 0; only_2019[i]; i++)
            if (cfg_has(a, only_2019[i]) && !cfg_failed(a))
                cfg_fail(a, only_2019[i], "applies to format \"azure2019\" only");
    }
    o->start_given = cfg_has(a, "start_s");
    o->start_s = cfg_number(a, "start_s", 0, 0, 1e12);
    o->end_given = cfg_has(a, "end_s");
    o->end_s = cfg_number(a, "end_s", INFINITY, 0, 1e12);
    if (!cfg_failed(a) && o->end_given && o->start_given && o->end_s <= o->start_s)
        cfg_fail(a, "end_s", "must be after start_s (%g), got %g", o->start_s, o->end_s);
    o->time_scale = cfg_number(a, "time_scale", 1, 1e-6, 1e6);
    o->on_bad_row = cfg_enum(a, "on_bad_row", bad_row_names, BAD_ROW_ERROR);

    const cJSON *fns = cfg_raw(a, "functions");
    if (fns && !cfg_failed(a)) {
        if (cJSON_IsNumber(fns)) {
            o->sample = cfg_integer(a, "functions", 1, 1, MAX_COMPONENTS);
        } else if (cJSON_IsArray(fns) && cJSON_GetArraySize(fns) > 0) {
            int i = 0;
            for (const cJSON *e = fns->child; e; e = e->next, i++) {
                if (!cJSON_IsString(e) || !e->valuestring[0]) {
                    char key[48];
                    snprintf(key, sizeof key, "functions[%d]", i);
                    cfg_fail(a, key, "expected a function's name");
                    break;
                }
            }
            o->names = fns;
            cfg_put(a, "functions", cJSON_Duplicate(fns, 1));
        } else {
            cfg_fail(a, "functions", "expected a number of functions to sample, or an array of "
                     "function names");
        }
    }
    const cJSON *rep = cfg_raw(a, "repeat");
    if (rep && cJSON_IsBool(rep)) {
        o->repeat = cJSON_IsTrue(rep) ? 0 : 1;
        cfg_put(a, "repeat", cJSON_Duplicate(rep, 1));
    } else if (rep && !cfg_failed(a)) {
        if (cJSON_IsNumber(rep))
            o->repeat = (uint32_t)cfg_integer(a, "repeat", 1, 1, 1000000);
        else
            cfg_fail(a, "repeat", "expected a number of loops (1 or more), or true to loop until "
                     "the run ends");
    } else if (!rep) {
        cfg_put(a, "repeat", cJSON_CreateNumber(1));
    }
    o->defaults = cfg_raw(a, "function_defaults");
    if (o->defaults && !cfg_failed(a)) {
        if (!cJSON_IsObject(o->defaults)) {
            cfg_fail(a, "function_defaults", "expected an object of function keys, such as "
                     "{\"cold_start_ms\": 250, \"timeout_s\": 600}");
        } else {
            static const char *const owned[] = { "name", "kind", "app", NULL };
            for (size_t i = 0; owned[i] && !cfg_failed(a); i++)
                if (cJSON_GetObjectItemCaseSensitive(o->defaults, owned[i])) {
                    char key[64];
                    snprintf(key, sizeof key, "function_defaults.%s", owned[i]);
                    cfg_fail(a, key, "is set by the trace for each function; leave it out");
                }
        }
        cfg_put(a, "function_defaults", cJSON_Duplicate(o->defaults, 1));
    }
}


/* ---- names, selection ---------------------------------------------------------------- */

/* The component name of function f with k characters of each id. */
static void make_name(const trace_spec *t, const trace_function *f, size_t k, char *buf, size_t size)
{
    if (t->format == FORMAT_AZURE2019)
        snprintf(buf, size, "%.*s", (int)k, f->key);
    else if (t->format == FORMAT_AZURE2021)
        snprintf(buf, size, "%.*s-%.*s", (int)k, f->app, (int)k, f->key);
    else
        snprintf(buf, size, "%s", f->key);
}

/* Names every function of the trace (all of them, so that a name does not depend on the
 * sample): a prefix of its ids, longer where two prefixes collide. */
static int assign_names(loader *L)
{
    trace_spec *t = L->t;
    if (t->format == FORMAT_CSV || t->format == FORMAT_LAMBDA) {
        for (size_t i = 0; i < t->n_fn; i++) {
            t->fn[i].name = strdup(t->fn[i].key);
            t->fn[i].app_name = strdup(t->fn[i].key);   /* a csv function is its own app */
            if (!t->fn[i].name || !t->fn[i].app_name)
                return trace_load_oom(L), -1;
        }
        return 0;
    }
    size_t first = t->format == FORMAT_AZURE2019 ? 12 : 8;
    size_t longest = t->format == FORMAT_AZURE2019 ? 64 : 31;
    size_t *len = malloc((t->n_fn ? t->n_fn : 1) * sizeof *len);
    if (!len)
        return trace_load_oom(L), -1;
    for (size_t i = 0; i < t->n_fn; i++)
        len[i] = first;
    char name[160], other[160];
    for (bool changed = true; changed;) {
        changed = false;
        strmap seen = { 0 };
        for (size_t i = 0; i < t->n_fn; i++) {
            make_name(t, &t->fn[i], len[i], name, sizeof name);
            uint64_t h = rng_name_hash(name);
            size_t pos = 0;
            for (int64_t found; (found = strmap_next(&seen, h, &pos)) >= 0;) {
                size_t j = (size_t)found;
                make_name(t, &t->fn[j], len[j], other, sizeof other);
                if (strcmp(name, other) != 0)
                    continue;
                if (len[i] >= longest || len[j] >= longest) {
                    trace_load_fail(L, t->fn[i].line, 1, "two functions share the name %s (lines %ld and %ld): "
                              "their ids agree in their first %zu characters", name, t->fn[j].line,
                              t->fn[i].line, longest);
                    strmap_free(&seen);
                    free(len);
                    return -1;
                }
                len[i]++;
                len[j]++;
                changed = true;
            }
            if (strmap_add(&seen, h, (uint32_t)i) != 0) {
                strmap_free(&seen);
                free(len);
                return trace_load_oom(L), -1;
            }
        }
        strmap_free(&seen);
    }
    for (size_t i = 0; i < t->n_fn; i++) {
        trace_function *f = &t->fn[i];
        make_name(t, f, len[i], name, sizeof name);
        if (!trace_valid_name(name)) {
            trace_load_fail(L, f->line, 1, "the function's name \"%s\" (made from its ids) is not a valid "
                      "name: use ids of letters, digits, _ and -", name);
            free(len);
            return -1;
        }
        char app[80];
        snprintf(app, sizeof app, "%.*s", (int)(t->format == FORMAT_AZURE2019 ? 12 : len[i]), f->app);
        f->name = strdup(name);
        f->app_name = strdup(app);
        if (!f->name || !f->app_name) {
            free(len);
            return trace_load_oom(L), -1;
        }
    }
    free(len);
    return 0;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The functions to replay: the list asked for, a sample of N, or every function with an
 * arrival in the window; in file order. */
static int select_functions(loader *L, const options *o)
{
    trace_spec *t = L->t;
    t->selected = malloc((t->n_fn ? t->n_fn : 1) * sizeof *t->selected);
    if (!t->selected)
        return trace_load_oom(L), -1;
    if (o->names) {
        if (t->by_target) {
            cfg_fail(L->a, "functions", "the trace has no function column: every row goes to the target");
            return -1;
        }
        int i = 0;
        for (const cJSON *e = o->names->child; e; e = e->next, i++) {
            const char *want = e->valuestring;
            bool found = false;
            for (size_t k = 0; k < t->n_fn; k++) {
                trace_function *f = &t->fn[k];
                if (strcmp(f->name, want) != 0 && strcmp(f->key, want) != 0)
                    continue;
                found = true;
                if (!f->selected)
                    t->selected[t->n_selected++] = (uint32_t)k;
                f->selected = true;
            }
            if (!found) {
                char key[48];
                snprintf(key, sizeof key, "functions[%d]", i);
                cfg_fail(L->a, key, "no function \"%.64s\" in %s (give the name slsim gives it, or "
                         "its id in the trace)", want, L->shown);
                return -1;
            }
        }
        qsort(t->selected, t->n_selected, sizeof *t->selected, compare_u32);
        return 0;
    }
    size_t n = 0;
    for (size_t k = 0; k < t->n_fn; k++)
        if (t->fn[k].arrivals > 0)
            t->selected[n++] = (uint32_t)k;
    if (n == 0) {
        cfg_fail(L->a, "file", "%s has no arrival in the window [%g, %g) s of trace time", L->shown,
                 t->start_s, t->end);
        return -1;
    }
    if (o->sample > 0) {
        if (t->by_target) {
            cfg_fail(L->a, "functions", "the trace has no function column: every row goes to the target");
            return -1;
        }
        if ((size_t)o->sample > n) {
            cfg_fail(L->a, "functions", "asks for %lld functions; %s has %zu with arrivals in the window",
                     o->sample, L->shown, n);
            return -1;
        }
        /* Partial Fisher-Yates with a generator of the scenario's seed: the same sample in
         * every replication. */
        char stream[300];
        snprintf(stream, sizeof stream, "trace.%s.functions", t->source);
        gsl_rng *r = rng_stream_alloc(L->w->seed, 0, stream);
        if (!r)
            return trace_load_oom(L), -1;
        for (size_t i = 0; i < (size_t)o->sample; i++) {
            size_t j = i + (size_t)rng_uniform_int(r, (unsigned long)(n - i));
            uint32_t x = t->selected[i];
            t->selected[i] = t->selected[j];
            t->selected[j] = x;
        }
        rng_stream_free(r);
        n = (size_t)o->sample;
        qsort(t->selected, n, sizeof *t->selected, compare_u32);
    }
    t->n_selected = n;
    for (size_t i = 0; i < n; i++)
        t->fn[t->selected[i]].selected = true;
    return 0;
}


/* ---- generated components ---------------------------------------------------------------- */

/* Appends a function component for each selected function the scenario does not declare.
 * existing maps the names of the input's components to their indices. */
static int generate_components(loader *L, const options *o, cJSON *components)
{
    trace_spec *t = L->t;
    strmap names = { 0 };
    int n_existing = cJSON_GetArraySize(components);
    /* Names by component index (the input's, then the generated ones). */
    const char **name_of = calloc((size_t)n_existing + t->n_selected + 1, sizeof *name_of);
    if (!name_of)
        return trace_load_oom(L), -1;
    int i = 0;
    for (const cJSON *c = components->child; c; c = c->next, i++) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (!cJSON_IsString(nm))
            continue;
        name_of[i] = nm->valuestring;
        if (strmap_add(&names, rng_name_hash(nm->valuestring), (uint32_t)i) != 0) {
            strmap_free(&names);
            free(name_of);
            return trace_load_oom(L), -1;
        }
    }
    int rc = 0, added = 0;
    for (size_t s = 0; s < t->n_selected && rc == 0; s++) {
        trace_function *f = &t->fn[t->selected[s]];
        if (t->by_target)
            break;              /* rows go to the declared target */
        uint64_t h = rng_name_hash(f->name);
        size_t pos = 0;
        for (int64_t i; (i = strmap_next(&names, h, &pos)) >= 0;)
            if (strcmp(name_of[i], f->name) == 0)
                f->component = (int)i;
        if (f->component >= 0)
            continue;           /* declared: the scenario configures it */
        if (n_existing + added >= MAX_COMPONENTS) {
            cfg_fail(L->a, o->sample ? "functions" : "file", "%s has %zu functions to replay and the "
                     "scenario %d components; at most %d components in all: replay a sample with "
                     "\"functions\": N", L->shown, t->n_selected, n_existing, MAX_COMPONENTS);
            rc = -1;
            break;
        }
        cJSON *c = o->defaults ? cJSON_Duplicate(o->defaults, 1) : cJSON_CreateObject();
        if (!c) {
            rc = -1;
            trace_load_oom(L);
            break;
        }
        cJSON_AddStringToObject(c, "name", f->name);
        cJSON_AddStringToObject(c, "kind", "function");
        cJSON_AddStringToObject(c, "app", f->app_name);
        if (f->trigger >= 0) {
            cJSON_DeleteItemFromObjectCaseSensitive(c, "trigger");
            cJSON_AddStringToObject(c, "trigger", trace_trigger_names[f->trigger]);
        }
        if (f->has_percentiles) {
            cJSON *d = cJSON_CreateObject(), *table = cJSON_CreateArray();
            cJSON_AddStringToObject(d, "dist", "empirical");
            for (size_t p = 0; p < N_DURATION_PERCENTILES; p++) {
                double pair[2] = { trace_duration_percentiles[p], f->percentiles[p] };
                cJSON_AddItemToArray(table, cJSON_CreateDoubleArray(pair, 2));
            }
            cJSON_AddItemToObject(d, "percentiles", table);
            cJSON_DeleteItemFromObjectCaseSensitive(c, "duration_ms");
            cJSON_AddItemToObject(c, "duration_ms", d);
            if (t->cold_start == COLD_FROM_MAX_MINUS_AVERAGE) {
                /* the whole cold start: in place of any the defaults give, in either form */
                cJSON_DeleteItemFromObjectCaseSensitive(c, "cold_start_ms");
                cJSON_DeleteItemFromObjectCaseSensitive(c, "init_ms");
                cJSON_DeleteItemFromObjectCaseSensitive(c, "platform_ms");
                cJSON_AddNumberToObject(c, "cold_start_ms", fmin(3.6e6, fmax(0, f->max_ms - f->avg_ms)));
            }
        } else if (!cJSON_GetObjectItemCaseSensitive(c, "duration_ms")) {
            if (t->format == FORMAT_AZURE2019 || t->col[COL_DURATION] < 0) {
                cfg_fail(L->a, "function_defaults", "function %s (line %ld of %s) has no duration: "
                         "give %s, or function_defaults.duration_ms", f->name, f->line, L->shown,
                         t->format == FORMAT_AZURE2019 ? "durations_file with a row for it"
                                                       : "a duration_ms column");
                cJSON_Delete(c);
                rc = -1;
                break;
            }
            /* Recorded durations are replayed as such; the distribution is only a fallback. */
            double mean = f->arrivals > 0 ? f->duration_sum / f->arrivals : 0;
            cJSON_AddNumberToObject(c, "duration_ms", fmin(3.6e6, mean));
        }
        if (f->memory_mb) {
            cJSON_DeleteItemFromObjectCaseSensitive(c, "memory_mb");
            cJSON_AddNumberToObject(c, "memory_mb", f->memory_mb);
        }
        cJSON_AddItemToArray(components, c);
        f->component = n_existing + added++;
        f->generated = true;
        name_of[f->component] = f->name;
        if (strmap_add(&names, h, (uint32_t)f->component) != 0) {
            rc = -1;
            trace_load_oom(L);
        }
    }
    strmap_free(&names);
    free(name_of);
    return rc;
}

/* ---- API: loading -------------------------------------------------------------------------- */

void trace_spec_free(trace_spec *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_fn; i++) {
        free(t->fn[i].key);
        free(t->fn[i].owner);
        free(t->fn[i].app);
        free(t->fn[i].name);
        free(t->fn[i].app_name);
        free(t->fn[i].init_sample);
    }
    for (size_t i = 0; i < t->n_files; i++) {
        free(t->files[i]);
        free(t->file_functions[i]);
    }
    free(t->files);
    free(t->file_functions);
    free(t->fn);
    strmap_free(&t->keys);
    free(t->selected);
    free(t->buckets);
    free(t->source);
    free(t->path);
    free(t->shown);
    free(t->durations_path);
    free(t->memory_path);
    free(t);
}

/* lambda-report: the logs' paths (joined to the scenario's folder) and functions. */
static int prepare_files(cfg_node *a, trace_spec *t, const options *o, const world_spec *w)
{
    size_t n = o->files ? (size_t)cJSON_GetArraySize(o->files) : 1;
    t->files = calloc(n, sizeof *t->files);
    t->file_functions = calloc(n, sizeof *t->file_functions);
    if (!t->files || !t->file_functions) {
        cfg_fail(a, NULL, "out of memory");
        return -1;
    }
    t->n_files = n;
    t->many_files = o->files != NULL;
    if (!o->files) {
        if (!(t->files[0] = strdup(t->path))) {
            cfg_fail(a, NULL, "out of memory");
            return -1;
        }
        return 0;
    }
    size_t i = 0;
    for (const cJSON *e = o->files->child; e; e = e->next, i++) {
        const cJSON *path = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "file") : e;
        const cJSON *fn = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "function") : NULL;
        t->files[i] = join_path(w->file, path->valuestring);
        if (!t->files[i] || (fn && !(t->file_functions[i] = strdup(fn->valuestring)))) {
            cfg_fail(a, NULL, "out of memory");
            return -1;
        }
    }
    return 0;
}

int trace_prepare(cfg_node *a, cfg_node *source, const char *source_name, cJSON *components,
                  const world_spec *w, trace_spec **out)
{
    *out = NULL;
    options o;
    read_options(a, &o);
    if (cfg_failed(a))
        return -1;
    trace_spec *t = calloc(1, sizeof *t);
    if (!t) {
        cfg_fail(a, NULL, "out of memory");
        return -1;
    }
    *out = t;
    t->source = strdup(source_name);
    t->format = (trace_format)o.format;
    t->start_s = o.start_s;
    t->start_given = o.start_given;
    t->end_s = o.end_s;
    t->time_scale = o.time_scale;
    t->within = o.within;
    t->cold_start = o.cold_start;
    t->on_bad_row = o.on_bad_row;
    t->memory_percentile = o.memory_percentile;
    t->repeat = o.repeat;
    t->prorate = 1;
    t->shown = join_path(w->file, o.file);
    t->path = t->shown ? strdup(t->shown) : NULL;
    if (o.durations_file)
        t->durations_path = join_path(w->file, o.durations_file);
    if (o.memory_file)
        t->memory_path = join_path(w->file, o.memory_file);
    if (!t->source || !t->shown || !t->path || (o.durations_file && !t->durations_path) ||
        (o.memory_file && !t->memory_path)) {
        cfg_fail(a, NULL, "out of memory");
        return -1;
    }
    if (t->format == FORMAT_LAMBDA && prepare_files(a, t, &o, w) != 0)
        return -1;
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(source->in, "target");
    loader L = { .a = a, .t = t, .w = w, .key = t->many_files ? "files" : "file", .shown = t->shown };
    int rc = t->format == FORMAT_AZURE2019 ? trace_scan_azure2019(&L) :
             t->format == FORMAT_LAMBDA ? trace_scan_lambda(&L) : trace_scan_per_invocation(&L);
    csv_reader_close(&L.r);
    if (rc == 0 && t->by_target && !target)
        cfg_fail(source, "target", "missing; %s has no function column, so every row goes to the "
                 "target component", t->shown);
    else if (rc == 0 && !t->by_target && target)
        cfg_fail(source, "target", "a trace sends each row to its own function; leave target out");
    if (rc == 0 && !cfg_failed(a))
        rc = assign_names(&L);
    if (rc == 0 && !cfg_failed(a))
        rc = select_functions(&L, &o);
    if (rc == 0 && !cfg_failed(a) && t->format == FORMAT_AZURE2019) {
        if (t->durations_path) {
            L.key = "durations_file";
            L.shown = t->durations_path;
            rc = trace_scan_side_file(&L, false, 0);
            csv_reader_close(&L.r);
        }
        if (rc == 0 && t->memory_path) {
            L.key = "memory_file";
            L.shown = t->memory_path;
            rc = trace_scan_side_file(&L, true, o.memory_percentile);
            csv_reader_close(&L.r);
        }
        L.key = "file";
        L.shown = t->shown;
        if (rc == 0)
            rc = trace_minute_buckets(&L);
    }
    if (rc == 0 && !cfg_failed(a) && !t->by_target)
        rc = generate_components(&L, &o, components);
    csv_fields_free(&L.fl);
    if (rc != 0 || cfg_failed(a))
        return -1;
    for (size_t i = 0; i < t->n_selected; i++)
        t->arrivals += t->fn[t->selected[i]].arrivals;
    if (t->format != FORMAT_AZURE2019 && t->arrivals_all > 0)
        t->prorate = t->arrivals / t->arrivals_all;
    /* A repeated window must take some run time, or its loops would never advance. */
    double loop_s = (t->end - t->start_s) * t->time_scale;
    if (!(loop_s > 0)) {
        cfg_fail(a, "end_s", "the replayed window [%g, %g) s is empty", t->start_s, t->end);
        return -1;
    }
    if (t->repeat != 1 && loop_s < MIN_LOOP_S) {
        cfg_fail(a, "repeat", "a repeated window must last at least 1 ms of run time; this one lasts "
                 "%g s ((end - start_s) x time_scale)", loop_s);
        return -1;
    }
    return 0;
}

/* Writes key's path made absolute into a's resolved tree, so that the printed scenario
 * finds the file from any folder. */
static void put_path(cfg_node *a, const char *key, const char *path)
{
    if (!path)
        return;
    char cwd[4096];
    if (path[0] == '/' || !getcwd(cwd, sizeof cwd)) {
        cfg_put(a, key, cJSON_CreateString(path));
        return;
    }
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *abs = malloc(n);
    if (abs)
        snprintf(abs, n, "%s/%s", cwd, path);
    cfg_put(a, key, cJSON_CreateString(abs ? abs : path));
    free(abs);
}

int trace_resolve(cfg_node *a, trace_spec *t, const world_spec *w, int target)
{
    options o;
    read_options(a, &o);
    if (cfg_failed(a))
        return -1;
    if (t->many_files) {
        /* Each file made absolute, its function kept. */
        cJSON *files = cJSON_CreateArray();
        for (size_t i = 0; files && i < t->n_files; i++) {
            cfg_node tmp = { .ctx = a->ctx, .out = cJSON_CreateObject() };
            put_path(&tmp, "file", t->files[i]);
            if (t->file_functions[i])
                cJSON_AddStringToObject(tmp.out, "function", t->file_functions[i]);
            cJSON_AddItemToArray(files, tmp.out);
        }
        cfg_put(a, "files", files);
    } else {
        put_path(a, "file", t->path);
    }
    put_path(a, "durations_file", t->durations_path);
    put_path(a, "memory_file", t->memory_path);
    cfg_put(a, "start_s", cJSON_CreateNumber(t->start_s));
    t->w = w;
    for (size_t i = 0; i < t->n_selected; i++) {
        trace_function *f = &t->fn[t->selected[i]];
        if (t->by_target) {
            f->component = target;
            continue;
        }
        if (f->component < 0 || (size_t)f->component >= w->n_components ||
            strcmp(w->components[f->component].name, f->name) != 0)
            f->component = world_spec_component(w, f->name);
        if (f->component < 0) {
            cfg_fail(a, "file", "function %s of the trace has no component", f->name);
            return -1;
        }
    }
    return 0;
}

const char *trace_generated_name(const trace_spec *t, size_t index)
{
    for (size_t i = 0; t && i < t->n_selected; i++) {
        const trace_function *f = &t->fn[t->selected[i]];
        if (f->generated && f->component == (int)index)
            return f->name;
    }
    return NULL;
}

bool trace_has_functions(const trace_spec *t) { return !t->by_target; }
bool trace_has_tenants(const trace_spec *t) { return t->format == FORMAT_CSV && t->col[COL_TENANT] >= 0; }
size_t trace_function_count(const trace_spec *t) { return t->n_selected; }
const char *trace_function_name(const trace_spec *t, size_t i) { return t->fn[t->selected[i]].name; }
int trace_function_component(const trace_spec *t, size_t i) { return t->fn[t->selected[i]].component; }
double trace_function_arrivals(const trace_spec *t, size_t i) { return t->fn[t->selected[i]].arrivals; }
double trace_function_wakes(const trace_spec *t, size_t i)
{
    const trace_function *f = &t->fn[t->selected[i]];
    return t->format == FORMAT_LAMBDA ? (double)f->cold_starts : f->wakes;
}
double trace_arrivals(const trace_spec *t) { return t->arrivals; }
uint64_t trace_bad_rows(const trace_spec *t) { return t->bad_rows; }

/* Arrivals of one pass of the window whose run time, from the pass's start, lies in
 * [lo, hi). */
static double pass_arrivals(const trace_spec *t, double lo, double hi)
{
    double total = 0;
    for (size_t j = 0; j < t->n_buckets && hi > lo; j++) {
        if (t->buckets[j] == 0)
            continue;
        double a = fmax(t->bucket0 + j * t->bucket_s, t->start_s);
        double b = fmin(t->bucket0 + (j + 1) * t->bucket_s, t->end);
        if (!(b > a))
            continue;
        double ra = (a - t->start_s) * t->time_scale, rb = (b - t->start_s) * t->time_scale;
        double overlap = fmin(rb, hi) - fmax(ra, lo);
        if (overlap > 0)
            total += t->buckets[j] * overlap / (rb - ra);
    }
    return total;
}

double trace_expected_arrivals(const trace_spec *t, double origin, double stop, double t0, double t1)
{
    double loop_s = (t->end - t->start_s) * t->time_scale;
    double lo = fmax(t0, origin), hi = fmin(t1, stop);
    if (t->repeat > 0)
        hi = fmin(hi, origin + t->repeat * loop_s);
    if (!(hi > lo) || !(loop_s > 0))
        return 0;
    /* The passes that [lo, hi) cuts, and the whole ones between them (no loop over passes:
     * a short window repeated over a long run makes millions). */
    double k0 = floor((lo - origin) / loop_s), k1 = floor((hi - origin) / loop_s);
    double b0 = origin + k0 * loop_s, b1 = origin + k1 * loop_s;
    double total;
    if (k1 <= k0)
        total = pass_arrivals(t, lo - b0, hi - b0);
    else
        total = pass_arrivals(t, lo - b0, loop_s) + (k1 - k0 - 1) * pass_arrivals(t, 0, loop_s) +
                pass_arrivals(t, 0, hi - b1);
    return total * t->prorate;
}
