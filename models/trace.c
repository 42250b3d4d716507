/* trace.c — recorded traffic: reading trace files at load, replaying them per replication.
 *
 * Formats: azure2019 (per function, invocations per minute; optional durations and memory
 * files joined on owner, app and function), azure2021 (one row per invocation: app, func,
 * end_timestamp, duration) and csv (timestamp_s and optional function, duration_ms,
 * tenant, size_kb columns).
 *
 * Invariants. The load pass reads each file once, line by line (never whole), and keeps
 * per function only its ids, counts and, for azure2019, the byte offset of its row's
 * first minute in the window. Every row the replay will read has been validated then, so
 * a replication treats a read problem as the end of the trace (and counts it). A
 * replication holds, for azure2019, one small cursor per replayed function (a pread
 * window into its row) and one pending event per function with arrivals in the current
 * minute, plus one minute event; for the per-invocation formats, one reader with one row
 * of lookahead and one pending event. The spec is read-only while replications run.
 *
 * Time: run time = origin + ((trace time - start_s) + loop * (end - start_s)) * time_scale,
 * where [start_s, end) is the replayed window of trace time and loop counts repeats. */
#include "models/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "sim/csv.h"
#include "sim/rng.h"
#include "sim/strmap.h"

#define MAX_COMPONENTS 10000      /* parse_components' limit */
#define CURSOR_BYTES   240        /* per-function read window into an azure2019 row */
#define MAX_BUCKETS    (1u << 20) /* expected-arrival buckets of a per-invocation trace */
#define MIN_LOOP_S     1e-3      /* shortest window that may repeat (s of run time) */
#define EPOCH_S        1e8        /* csv timestamps above this are an absolute clock */

typedef enum trace_format { FORMAT_AZURE2019, FORMAT_AZURE2021, FORMAT_CSV } trace_format;
enum { WITHIN_UNIFORM, WITHIN_EVEN };
enum { BAD_ROW_ERROR, BAD_ROW_SKIP };

static const char *const format_names[] = { "azure2019", "azure2021", "csv", NULL };
static const char *const within_names[] = { "uniform", "even", NULL };
static const char *const bad_row_names[] = { "error", "skip", NULL };
static const int memory_percentiles[] = { 1, 5, 25, 50, 75, 95, 99, 100 };
static const int duration_percentiles[] = { 0, 1, 25, 50, 75, 99, 100 };
/* The 2019 trace's trigger classes, as the function kind names them. */
static const char *const trigger_names[] = { "http", "queue", "event", "timer", "storage",
                                             "orchestration", "others", NULL };
#define N_DURATION_PERCENTILES 7

typedef struct trace_function {
    char     *key;           /* the trace's id: HashFunction, func (2021), function (csv) */
    char     *owner, *app;   /* azure2019 join keys; azure2021 app */
    char     *name;          /* component name */
    char     *app_name;      /* the generated function's "app" */
    int       component;     /* index in the scenario's components; -1 until known */
    bool      selected, generated;
    bool      has_percentiles;
    double    arrivals;      /* in the window, one pass (exact for whole minutes) */
    off_t     offset;        /* azure2019: the window's first minute field in its row */
    double    duration_sum;  /* recorded durations in the window (ms), per-invocation formats */
    double    percentiles[N_DURATION_PERCENTILES];
    int       memory_mb;     /* from memory_file, 0 when absent */
    int       trigger;       /* azure2019: index in trigger_names; -1 none */
    long      line;          /* where it first appears */
} trace_function;

struct trace_spec {
    trace_format format;
    char        *source;         /* the source's name */
    char        *path, *shown;   /* file to open (absolute when known), and as shown */
    char        *durations_path, *memory_path;   /* absolute, or NULL */
    double       start_s, end_s; /* the window of trace time asked for (end INFINITY: none) */
    double       end;            /* where the replayed window ends (one loop is end - start_s) */
    bool         start_given;
    double       time_scale;
    int          within, on_bad_row, memory_percentile;
    uint32_t     repeat;         /* loops; 0 until the run ends */
    /* functions */
    trace_function *fn;
    size_t       n_fn, cap_fn;
    strmap       keys;
    uint32_t    *selected;       /* indices into fn, in file order */
    size_t       n_selected;
    bool         by_target;      /* csv without a function column: every row to target */
    /* columns: csv (time, function, duration, tenant, size), azure2021 (app, func, end, dur) */
    int          n_columns;
    int          col[5];
    /* azure2019: minute columns, and the window's minutes [m0, m1) counted from the first */
    uint32_t     n_minutes, m0, m1;
    /* per-invocation formats: where the window's first row starts */
    off_t        window_offset;
    /* expected arrivals: counts per bucket of trace time from bucket0 */
    double      *buckets;
    size_t       n_buckets, cap_buckets;
    double       bucket0, bucket_s;
    double       prorate;        /* selected share of a per-invocation trace's arrivals */
    double       arrivals_all, arrivals;
    uint64_t     bad_rows;
    const world_spec *w;         /* for tenant names at replay */
};

enum { COL_TIME, COL_FUNCTION, COL_DURATION, COL_TENANT, COL_SIZE };
enum { COL_APP, COL_FUNC, COL_END, COL_DUR };

/* ---- small helpers -------------------------------------------------------------------- */

/* The rule of world.c's valid_name: component names are 1 to 64 of [A-Za-z0-9_-]. */
static bool valid_name(const char *s)
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

static uint64_t hash_parts(const char *a, const char *b)
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
static int find_function(const trace_spec *t, const char *app, const char *key)
{
    if (!t->keys.cap)
        return -1;
    uint64_t h = hash_parts(t->format == FORMAT_AZURE2021 ? app : NULL, key);
    size_t pos = 0;
    for (int64_t i; (i = strmap_next(&t->keys, h, &pos)) >= 0;) {
        const trace_function *f = &t->fn[i];
        if (strcmp(f->key, key) == 0 && (t->format != FORMAT_AZURE2021 || strcmp(f->app, app) == 0))
            return (int)i;
    }
    return -1;
}

/* A new function (the caller has checked it is not there); its index, or -1 (no memory). */
static int add_function(trace_spec *t, const char *owner, const char *app, const char *key, long line)
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
        strmap_add(&t->keys, hash_parts(t->format == FORMAT_AZURE2021 ? app : NULL, key),
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

/* ---- fields ----------------------------------------------------------------------------- */

/* A field of the input quoted for a message: at most CFG_EXCERPT_MAX bytes of it, since a
 * trace file may be any file the scenario names. Returns buf. */
#define QUOTE_SIZE (CFG_EXCERPT_MAX + 8)
static const char *quote(char buf[QUOTE_SIZE], const char *field)
{
    cfg_excerpt(buf, QUOTE_SIZE, field, CFG_EXCERPT_MAX);
    return buf;
}

/* A whole count: digits, optionally followed by '.' and zeros. 0 ok, -1 malformed,
 * -2 negative. */
static int parse_count(const char *s, uint64_t *out)
{
    if (*s == '-' && s[1] >= '0' && s[1] <= '9')
        return -2;
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > 1000000000000ULL)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (p == s)
        return -1;
    if (*p == '.')
        for (p++; *p == '0'; p++)
            ;
    if (*p)
        return -1;
    *out = v;
    return 0;
}

/* A finite decimal number filling the whole field (strtod's hexadecimal forms, such as
 * 0x1p4, are not what a trace means). */
static bool parse_real(const char *s, double *out)
{
    if (!*s || strpbrk(s, "xX"))
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

/* ---- options ---------------------------------------------------------------------------- */

typedef struct options {
    int          format;
    const char  *file, *durations_file, *memory_file;
    int          memory_percentile, within, on_bad_row;
    double       start_s, end_s, time_scale;
    bool         start_given, end_given;
    uint32_t     repeat;
    long long    sample;          /* functions: N; 0 none */
    const cJSON *names;           /* functions: [names]; NULL none */
    const cJSON *defaults;        /* function_defaults */
} options;

/* Reads the trace keys of arrivals node a (both passes read the same way). */
static void read_options(cfg_node *a, options *o)
{
    *o = (options){ .format = -1, .repeat = 1 };
    if (!cfg_has(a, "format"))
        cfg_missing(a, "format", "one of \"azure2019\", \"azure2021\", \"csv\"");
    o->format = cfg_enum(a, "format", format_names, -1);
    if (!cfg_has(a, "file"))
        cfg_missing(a, "file", "the trace file's path (relative to the scenario's folder)");
    o->file = cfg_string(a, "file", NULL);
    if (cfg_failed(a))
        return;
    static const char *const only_2019[] = { "durations_file", "memory_file", "memory_percentile",
                                             "within_minute", NULL };
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

/* ---- the load pass ---------------------------------------------------------------------- */

typedef struct loader {
    cfg_node    *a;          /* traffic[i].arrivals */
    trace_spec  *t;
    const world_spec *w;
    const char  *key;        /* the option naming the file read: "file", "durations_file", ... */
    const char  *shown;      /* its path as shown */
    csv_reader   r;
    csv_fields   fl;
} loader;

static void load_fail(loader *L, long line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void load_fail(loader *L, long line, size_t col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        cfg_fail(L->a, L->key, "%s:%ld:%zu: %s", L->shown, line, col, msg);
    else
        cfg_fail(L->a, L->key, "%s: %s", L->shown, msg);
}

/* A malformed row: counted and skipped under on_bad_row "skip" (returns true), else the
 * load fails (returns false). */
static bool bad_row(loader *L, size_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool bad_row(loader *L, size_t col, const char *fmt, ...)
{
    if (L->t->on_bad_row == BAD_ROW_SKIP) {
        L->t->bad_rows++;
        return true;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    load_fail(L, L->r.line, col, "%s%s", msg, " (on_bad_row \"skip\" skips such rows)");
    return false;
}

static void oom(loader *L)
{
    cfg_fail(L->a, L->key, "out of memory");
}

/* Opens path for the loader and reads its header into L->fl. Returns 0 or -1. */
static int open_with_header(loader *L, const char *path, const char *expected)
{
    L->r = (csv_reader){ 0 };
    char why[256];
    L->r.f = cfg_fopen_regular(path, why, sizeof why);
    if (!L->r.f) {
        load_fail(L, 0, 0, "%s", why);
        return -1;
    }
    int rc = csv_reader_next(&L->r);
    if (rc == -2) {
        load_fail(L, 1, 1, "the line is longer than %u MB (no line ends?)", CSV_LINE_MAX >> 20);
        return -1;
    }
    if (rc < 0) {
        load_fail(L, 0, 0, "read error: %s", strerror(errno));
        return -1;
    }
    if (rc == 0 || csv_blank(L->r.buf)) {
        load_fail(L, 1, 1, "the file is empty; expected a header line: %s", expected);
        return -1;
    }
    const unsigned char *b = (const unsigned char *)L->r.buf;
    if (L->r.len >= 2 && (b[0] == 0xff || b[0] == 0xfe) && b[1] == (b[0] ^ 1)) {
        /* A spreadsheet's "Unicode text": every other byte is NUL. */
        load_fail(L, 1, 1, "the file is UTF-16 text (it starts with bytes %02X %02X); save it as UTF-8 "
                  "(\"CSV UTF-8\")", b[0], b[1]);
        return -1;
    }
    if (strlen(L->r.buf) != L->r.len) {
        load_fail(L, 1, strlen(L->r.buf) + 1, "the header contains a NUL byte; expected text: %s", expected);
        return -1;
    }
    if (csv_split(L->r.buf, &L->fl) != 0) {
        oom(L);
        return -1;
    }
    return 0;
}

/* The next non-blank line, split. 1: a row; 0: end of file; -1: failed. */
static int next_row(loader *L)
{
    for (;;) {
        int rc = csv_reader_next(&L->r);
        if (rc == -2) {
            load_fail(L, L->r.line + 1, 1, "the line is longer than %u MB (no line ends?)", CSV_LINE_MAX >> 20);
            return -1;
        }
        if (rc < 0) {
            load_fail(L, L->r.line + 1, 1, "read error");
            return -1;
        }
        if (rc == 0)
            return 0;
        size_t text = strlen(L->r.buf);
        if (text != L->r.len) {
            if (!bad_row(L, text + 1, "contains a NUL byte; expected text"))
                return -1;
            continue;
        }
        if (csv_blank(L->r.buf))
            continue;
        if (csv_split(L->r.buf, &L->fl) != 0) {
            oom(L);
            return -1;
        }
        return 1;
    }
}

/* Checks a row's column count against the header's; false when the row is bad (then
 * *skip says whether to go on). */
static bool column_count_ok(loader *L, size_t expected, bool *go_on)
{
    if (L->fl.n == expected)
        return true;
    size_t col = L->fl.n < expected ? L->r.len + 1 : L->fl.col[expected];
    *go_on = bad_row(L, col, "has %zu column%s; the header has %zu", L->fl.n, L->fl.n == 1 ? "" : "s", expected);
    return false;
}

/* Adds n arrivals at trace time x to the expected-arrival buckets (per-invocation
 * formats), halving the resolution when the span outgrows MAX_BUCKETS. */
static int bucket_add(trace_spec *t, double x, double n)
{
    size_t j = (size_t)floor((x - t->bucket0) / t->bucket_s);
    while (j >= MAX_BUCKETS) {
        for (size_t k = 0; k < t->n_buckets; k++) {
            double v = t->buckets[k];
            t->buckets[k] = 0;
            t->buckets[k / 2] += v;
        }
        t->n_buckets = (t->n_buckets + 1) / 2;
        t->bucket_s *= 2;
        j = (size_t)floor((x - t->bucket0) / t->bucket_s);
    }
    if (j >= t->cap_buckets) {
        size_t cap = t->cap_buckets ? t->cap_buckets : 64;
        while (cap <= j)
            cap *= 2;
        double *grown = realloc(t->buckets, cap * sizeof *grown);
        if (!grown)
            return -1;
        memset(grown + t->cap_buckets, 0, (cap - t->cap_buckets) * sizeof *grown);
        t->buckets = grown;
        t->cap_buckets = cap;
    }
    if (j >= t->n_buckets)
        t->n_buckets = j + 1;
    t->buckets[j] += n;
    return 0;
}

/* The end of a file that gave no function: 0 when it did, else -1 with a message. */
static int no_rows(loader *L)
{
    if (L->t->n_fn > 0 && !L->t->by_target)
        return 0;
    if (L->t->bad_rows)
        load_fail(L, L->r.line, 1, "no row left after skipping %llu malformed ones",
                  (unsigned long long)L->t->bad_rows);
    else
        load_fail(L, L->r.line + 1, 1, "the file has a header but no rows");
    return -1;
}

/* ---- azure2019 ---- */

static const char *const header_2019 = "HashOwner,HashApp,HashFunction,Trigger,<minute>,<minute>,...";

static int scan_azure2019(loader *L)
{
    trace_spec *t = L->t;
    if (open_with_header(L, t->path, header_2019) != 0)
        return -1;
    static const char *const fixed[] = { "HashOwner", "HashApp", "HashFunction", "Trigger" };
    /* The first line is quoted only once it starts like this header: the file may be any
     * file the scenario names, and its first line a secret. */
    if (strcmp(L->fl.field[0], fixed[0]) != 0) {
        load_fail(L, 1, 1, "the first line is not an azure2019 header; expected %s", header_2019);
        return -1;
    }
    char q[QUOTE_SIZE];
    for (size_t i = 1; i < 4; i++) {
        if (i >= L->fl.n || strcmp(L->fl.field[i], fixed[i]) != 0) {
            load_fail(L, 1, i < L->fl.n ? L->fl.col[i] : L->r.len + 1, "column %zu of the header is "
                      "%s, not %s; expected %s", i + 1, quote(q, i < L->fl.n ? L->fl.field[i] : ""), fixed[i],
                      header_2019);
            return -1;
        }
    }
    if (L->fl.n < 5) {
        load_fail(L, 1, L->r.len + 1, "the header has no minute columns; expected %s", header_2019);
        return -1;
    }
    uint64_t first = 0;
    for (size_t i = 4; i < L->fl.n; i++) {
        uint64_t m;
        if (parse_count(L->fl.field[i], &m) != 0 || (i > 4 && m != first + (i - 4))) {
            load_fail(L, 1, L->fl.col[i], "minute column %s: expected %s", quote(q, L->fl.field[i]),
                      i == 4 ? "a whole minute number" : "the minute after the previous column's");
            return -1;
        }
        if (i == 4)
            first = m;
    }
    size_t n_columns = L->fl.n;
    t->n_minutes = (uint32_t)(n_columns - 4);
    double span = 60.0 * t->n_minutes;
    if (t->start_s >= span) {
        cfg_fail(L->a, "start_s", "%g is at or after the trace's end (%u minutes, %g s)", t->start_s,
                 t->n_minutes, span);
        return -1;
    }
    t->end = fmin(t->end_s, span);
    t->m0 = (uint32_t)floor(t->start_s / 60.0);
    t->m1 = (uint32_t)fmin((double)t->n_minutes, ceil(t->end / 60.0));
    for (;;) {
        int rc = next_row(L);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return no_rows(L);
        bool go_on = true;
        if (!column_count_ok(L, n_columns, &go_on)) {
            if (!go_on)
                return -1;
            continue;
        }
        size_t empty = 0;
        for (size_t i = 0; i < 3 && !empty; i++)
            if (!L->fl.field[i][0])
                empty = i + 1;
        if (empty) {
            if (!bad_row(L, L->fl.col[empty - 1], "%s is empty", fixed[empty - 1]))
                return -1;
            continue;
        }
        const char *key = L->fl.field[2];
        int dup = find_function(t, NULL, key);
        if (dup >= 0) {
            if (!bad_row(L, L->fl.col[2], "HashFunction %.16s... repeats line %ld", key, t->fn[dup].line))
                return -1;
            continue;
        }
        double in_window = 0;
        bool ok = true;
        for (size_t i = 4; i < n_columns && ok; i++) {
            uint64_t c;
            int e = parse_count(L->fl.field[i], &c);
            if (e == 0 && c > 1000000000)
                e = -3;
            if (e != 0) {
                ok = false;
                unsigned long long minute = (unsigned long long)(first + (i - 4));
                if (e == -2)
                    go_on = bad_row(L, L->fl.col[i], "count %s of minute %llu is negative",
                                    quote(q, L->fl.field[i]), minute);
                else if (e == -3)
                    go_on = bad_row(L, L->fl.col[i], "count %s of minute %llu is above 1e9",
                                    quote(q, L->fl.field[i]), minute);
                else
                    go_on = bad_row(L, L->fl.col[i], "count %s of minute %llu is not a whole number",
                                    quote(q, L->fl.field[i]), minute);
                break;
            }
            uint32_t m = (uint32_t)(i - 4);
            if (m >= t->m0 && m < t->m1 && c > 0) {
                double a = fmax(60.0 * m, t->start_s), b = fmin(60.0 * (m + 1), t->end);
                in_window += (double)c * (b - a) / 60.0;
            }
        }
        if (!ok) {
            if (!go_on)
                return -1;
            continue;
        }
        int k = add_function(t, L->fl.field[0], L->fl.field[1], key, L->r.line);
        if (k < 0) {
            oom(L);
            return -1;
        }
        t->fn[k].arrivals = in_window;
        t->fn[k].trigger = 6;                   /* "others" unless the trace names a known class */
        for (int j = 0; trigger_names[j]; j++)
            if (strcmp(L->fl.field[3], trigger_names[j]) == 0)
                t->fn[k].trigger = j;
        t->fn[k].offset = L->r.offset + (off_t)(L->fl.col[4 + t->m0] - 1);
    }
}

/* ---- azure2021 and csv: one row per invocation ---- */

/* Trace times above this are refused (about 31,700 years of seconds, Unix time included):
 * a double still resolves 0.1 ms there, so a window never rounds to nothing. */
#define MAX_TRACE_TIME 1e12

static const char *const csv_columns[] = { "timestamp_s", "function", "duration_ms", "tenant", "size_kb", NULL };
static const char *const azure2021_columns[] = { "app", "func", "end_timestamp", "duration", NULL };

typedef struct seq_row {
    double      start;       /* trace time */
    double      run_ms;      /* recorded, or -1 */
    double      size_kb;     /* recorded, or -1 */
    int         tenant;      /* index, or -1 */
    const char *app, *key;   /* the function's ids (pointing into the line) */
} seq_row;

/* Parses a split row of a per-invocation trace into row. 0, or -1 with the offending
 * column in *col and the problem in why. */
static int parse_seq_row(const trace_spec *t, const world_spec *w, const csv_fields *fl, size_t line_len,
                         seq_row *row, size_t *col, char *why, size_t why_size)
{
    *row = (seq_row){ .run_ms = -1, .size_kb = -1, .tenant = -1, .key = "" };
    char q[QUOTE_SIZE];
    if (fl->n != (size_t)t->n_columns) {
        *col = fl->n < (size_t)t->n_columns ? line_len + 1 : fl->col[t->n_columns];
        snprintf(why, why_size, "has %zu column%s; the header has %d", fl->n, fl->n == 1 ? "" : "s",
                 t->n_columns);
        return -1;
    }
    if (t->format == FORMAT_AZURE2021) {
        const char *app = fl->field[t->col[COL_APP]], *func = fl->field[t->col[COL_FUNC]];
        double end, dur;
        if (!*app || !*func) {
            *col = fl->col[t->col[*app ? COL_FUNC : COL_APP]];
            snprintf(why, why_size, "%s is empty", *app ? "func" : "app");
            return -1;
        }
        if (!parse_real(fl->field[t->col[COL_END]], &end) || end < 0 || end > MAX_TRACE_TIME) {
            *col = fl->col[t->col[COL_END]];
            snprintf(why, why_size, "end_timestamp %s is not a number of seconds from 0 to 1e12",
                     quote(q, fl->field[t->col[COL_END]]));
            return -1;
        }
        /* Long executions are kept: the function's timeout_s cuts them. */
        if (!parse_real(fl->field[t->col[COL_DUR]], &dur) || dur < 0 || dur > 1e7) {
            *col = fl->col[t->col[COL_DUR]];
            snprintf(why, why_size, "duration %s is not a number of seconds from 0 to 1e7",
                     quote(q, fl->field[t->col[COL_DUR]]));
            return -1;
        }
        row->app = app;
        row->key = func;
        row->start = end - dur;
        row->run_ms = dur * 1000.0;
        return 0;
    }
    int c = t->col[COL_TIME];
    if (!parse_real(fl->field[c], &row->start) || row->start < 0 || row->start > MAX_TRACE_TIME) {
        *col = fl->col[c];
        snprintf(why, why_size, "timestamp_s %s is not a number of seconds from 0 to 1e12", quote(q, fl->field[c]));
        return -1;
    }
    if ((c = t->col[COL_FUNCTION]) >= 0) {
        if (!valid_name(fl->field[c])) {
            *col = fl->col[c];
            snprintf(why, why_size, "function %s is not a valid name: use 1 to 64 letters, "
                     "digits, _ and -", quote(q, fl->field[c]));
            return -1;
        }
        row->key = fl->field[c];
    }
    if ((c = t->col[COL_DURATION]) >= 0 &&
        (!parse_real(fl->field[c], &row->run_ms) || row->run_ms < 0 || row->run_ms > 1e10)) {
        *col = fl->col[c];
        snprintf(why, why_size, "duration_ms %s is not a number of ms from 0 to 1e10", quote(q, fl->field[c]));
        return -1;
    }
    if ((c = t->col[COL_TENANT]) >= 0) {
        row->tenant = world_spec_tenant(w, fl->field[c]);
        if (row->tenant < 0) {
            *col = fl->col[c];
            snprintf(why, why_size, "tenant %s is not one of the scenario's tenants", quote(q, fl->field[c]));
            return -1;
        }
    }
    if ((c = t->col[COL_SIZE]) >= 0 &&
        (!parse_real(fl->field[c], &row->size_kb) || !(row->size_kb >= 0.001) || row->size_kb > 1048576)) {
        *col = fl->col[c];
        snprintf(why, why_size, "size_kb %s is not a number from 0.001 to 1048576", quote(q, fl->field[c]));
        return -1;
    }
    return 0;
}

/* Reads a per-invocation header: finds the columns by name. */
static int read_seq_header(loader *L)
{
    trace_spec *t = L->t;
    bool csv = t->format == FORMAT_CSV;
    const char *const *names = csv ? csv_columns : azure2021_columns;
    const char *expected = csv ? "timestamp_s and any of function, duration_ms, tenant, size_kb"
                               : "app,func,end_timestamp,duration";
    if (open_with_header(L, t->path, expected) != 0)
        return -1;
    for (int i = 0; i < 5; i++)
        t->col[i] = -1;
    char unknown[256] = "", q[QUOTE_SIZE];
    size_t first_unknown = 0, n_unknown = 0;
    for (size_t i = 0; i < L->fl.n; i++) {
        int k = -1;
        for (int j = 0; names[j]; j++)
            if (strcmp(L->fl.field[i], names[j]) == 0)
                k = j;
        if (k < 0) {
            size_t used = strlen(unknown);
            snprintf(unknown + used, sizeof unknown - used, "%s%s", used ? ", " : "", quote(q, L->fl.field[i]));
            if (!first_unknown)
                first_unknown = L->fl.col[i];
            n_unknown++;
        } else if (t->col[k] >= 0) {
            load_fail(L, 1, L->fl.col[i], "column %s appears twice in the header", names[k]);
            return -1;
        } else {
            t->col[k] = (int)i;
        }
    }
    /* The first line is quoted only when it names a column of the format: the file may be
     * any file the scenario names, and its first line a secret. */
    if (n_unknown == L->fl.n) {
        load_fail(L, 1, 1, "the first line names none of the columns of the %s format; expected %s",
                  format_names[t->format], expected);
        return -1;
    }
    if (first_unknown) {
        load_fail(L, 1, first_unknown, "unknown column%s %s; expected %s", n_unknown > 1 ? "s" : "",
                  unknown, expected);
        return -1;
    }
    for (int j = 0; names[j]; j++) {
        bool required = csv ? j == COL_TIME : true;
        if (required && t->col[j] < 0) {
            load_fail(L, 1, 1, "the header has no %s column; expected %s", names[j], expected);
            return -1;
        }
    }
    if (csv && t->col[COL_TENANT] >= 0 && L->w->n_tenants == 0) {
        load_fail(L, 1, L->fl.col[t->col[COL_TENANT]], "a tenant column, but the scenario has no "
                  "\"tenants\" list to name them from");
        return -1;
    }
    t->n_columns = (int)L->fl.n;
    t->by_target = csv && t->col[COL_FUNCTION] < 0;
    return 0;
}

static int scan_per_invocation(loader *L)
{
    trace_spec *t = L->t;
    if (read_seq_header(L) != 0)
        return -1;
    if (t->by_target && add_function(t, NULL, NULL, "", 2) < 0) {
        oom(L);
        return -1;
    }
    bool any = false, in_window = false;
    double last = -INFINITY, last_in = -INFINITY;
    long last_line = 0;
    char why[256];
    t->bucket_s = 60;
    for (;;) {
        int rc = next_row(L);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        seq_row row;
        size_t col;
        if (parse_seq_row(t, L->w, &L->fl, L->r.len, &row, &col, why, sizeof why) != 0) {
            if (!bad_row(L, col, "%s", why))
                return -1;
            continue;
        }
        if (row.start < last) {
            col = L->fl.col[t->col[t->format == FORMAT_CSV ? COL_TIME : COL_END]];
            if (!bad_row(L, col, "starts at %.6f s, %.6g s before the row on line %ld; rows must be "
                         "in order of start time", row.start, last - row.start, last_line))
                return -1;
            continue;
        }
        if (!any && t->format == FORMAT_CSV && !t->start_given && row.start > EPOCH_S)
            t->start_s = row.start;     /* an absolute clock: the replay starts at the first row */
        any = true;
        last = row.start;
        last_line = L->r.line;
        int k = t->by_target ? 0 : find_function(t, row.app, row.key);
        if (k < 0 && (k = add_function(t, NULL, row.app, row.key, L->r.line)) < 0) {
            oom(L);
            return -1;
        }
        if (row.start < t->start_s || row.start >= t->end_s)
            continue;
        if (!in_window) {
            t->window_offset = L->r.offset;
            t->bucket0 = t->start_s;
            in_window = true;
        }
        last_in = row.start;
        t->fn[k].arrivals += 1;
        t->fn[k].duration_sum += row.run_ms > 0 ? row.run_ms : 0;
        t->arrivals_all += 1;
        if (bucket_add(t, row.start, 1) != 0) {
            oom(L);
            return -1;
        }
    }
    if (!any)
        return no_rows(L);
    if (!in_window) {
        if (t->end_s < INFINITY)
            cfg_fail(L->a, "end_s", "no row of %s starts in the window [%g, %g) s of trace time",
                     L->shown, t->start_s, t->end_s);
        else
            cfg_fail(L->a, "start_s", "no row of %s starts at or after %g s of trace time (its last "
                     "row starts at %g s)", L->shown, t->start_s, last);
        return -1;
    }
    /* Without end_s the window ends at the whole second after the last row's start. */
    t->end = t->end_s < INFINITY ? t->end_s : t->start_s + floor(last_in - t->start_s) + 1.0;
    return 0;
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
    if (t->format == FORMAT_CSV) {
        for (size_t i = 0; i < t->n_fn; i++) {
            t->fn[i].name = strdup(t->fn[i].key);
            t->fn[i].app_name = strdup(t->fn[i].key);   /* a csv function is its own app */
            if (!t->fn[i].name || !t->fn[i].app_name)
                return oom(L), -1;
        }
        return 0;
    }
    size_t first = t->format == FORMAT_AZURE2019 ? 12 : 8;
    size_t longest = t->format == FORMAT_AZURE2019 ? 64 : 31;
    size_t *len = malloc((t->n_fn ? t->n_fn : 1) * sizeof *len);
    if (!len)
        return oom(L), -1;
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
                    load_fail(L, t->fn[i].line, 1, "two functions share the name %s (lines %ld and %ld): "
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
                return oom(L), -1;
            }
        }
        strmap_free(&seen);
    }
    for (size_t i = 0; i < t->n_fn; i++) {
        trace_function *f = &t->fn[i];
        make_name(t, f, len[i], name, sizeof name);
        if (!valid_name(name)) {
            load_fail(L, f->line, 1, "the function's name \"%s\" (made from its ids) is not a valid "
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
            return oom(L), -1;
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
        return oom(L), -1;
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
            return oom(L), -1;
        for (size_t i = 0; i < (size_t)o->sample; i++) {
            size_t j = i + (size_t)gsl_rng_uniform_int(r, (unsigned long)(n - i));
            uint32_t x = t->selected[i];
            t->selected[i] = t->selected[j];
            t->selected[j] = x;
        }
        gsl_rng_free(r);
        n = (size_t)o->sample;
        qsort(t->selected, n, sizeof *t->selected, compare_u32);
    }
    t->n_selected = n;
    for (size_t i = 0; i < n; i++)
        t->fn[t->selected[i]].selected = true;
    return 0;
}

/* ---- azure2019 side files: durations and memory ---- */

/* Index of the column called name in the header in L->fl, or -1. */
static int header_column(const loader *L, const char *name)
{
    for (size_t i = 0; i < L->fl.n; i++)
        if (strcmp(L->fl.field[i], name) == 0)
            return (int)i;
    return -1;
}

/* Reads durations_file (memory false) or memory_file (true) for the selected functions. */
static int scan_side_file(loader *L, bool memory, int percentile)
{
    trace_spec *t = L->t;
    const char *path = memory ? t->memory_path : t->durations_path;
    const char *expected = memory ? "HashOwner,HashApp[,HashFunction],...,AverageAllocatedMb_pct<P>,..."
                                  : "HashOwner,HashApp,HashFunction,...,percentile_Average_0,_1,_25,_50,_75,_99,_100";
    if (open_with_header(L, path, expected) != 0)
        return -1;
    int owner = header_column(L, "HashOwner"), app = header_column(L, "HashApp");
    int func = header_column(L, "HashFunction");
    int value[N_DURATION_PERCENTILES];
    size_t n_values = memory ? 1 : N_DURATION_PERCENTILES;
    char name[64];
    for (size_t i = 0; i < n_values; i++) {
        if (memory)
            snprintf(name, sizeof name, "AverageAllocatedMb_pct%d", percentile);
        else
            snprintf(name, sizeof name, "percentile_Average_%d", duration_percentiles[i]);
        value[i] = header_column(L, name);
        if (value[i] < 0) {
            load_fail(L, 1, 1, "the header has no %s column; expected %s", name, expected);
            return -1;
        }
    }
    if (owner < 0 || app < 0 || (!memory && func < 0)) {
        load_fail(L, 1, 1, "the header has no %s column; expected %s",
                  owner < 0 ? "HashOwner" : app < 0 ? "HashApp" : "HashFunction", expected);
        return -1;
    }
    size_t n_columns = L->fl.n;
    /* Memory per app (the original data) applies to each of the app's functions. */
    strmap by_app = { 0 };
    if (memory && func < 0)
        for (size_t i = 0; i < t->n_selected; i++) {
            const trace_function *f = &t->fn[t->selected[i]];
            if (strmap_add(&by_app, hash_parts(f->owner, f->app), t->selected[i]) != 0) {
                strmap_free(&by_app);
                return oom(L), -1;
            }
        }
    int rc;
    while ((rc = next_row(L)) > 0) {
        bool go_on = true;
        if (!column_count_ok(L, n_columns, &go_on)) {
            if (!go_on) {
                rc = -1;
                break;
            }
            continue;
        }
        double v[N_DURATION_PERCENTILES];
        size_t bad = SIZE_MAX;
        for (size_t i = 0; i < n_values && bad == SIZE_MAX; i++)
            if (!parse_real(L->fl.field[value[i]], &v[i]) || v[i] < 0)
                bad = i;
        if (bad != SIZE_MAX) {
            char q[QUOTE_SIZE];
            if (!bad_row(L, L->fl.col[value[bad]], "%s is not a number of %s (0 or more)",
                         quote(q, L->fl.field[value[bad]]), memory ? "MB" : "ms")) {
                rc = -1;
                break;
            }
            continue;
        }
        const char *o = L->fl.field[owner], *a = L->fl.field[app];
        if (func >= 0) {
            int k = find_function(t, NULL, L->fl.field[func]);
            trace_function *f = k >= 0 ? &t->fn[k] : NULL;
            if (!f || !f->selected || strcmp(f->owner, o) != 0 || strcmp(f->app, a) != 0)
                continue;
            if (memory && !f->memory_mb) {
                double mb = ceil(v[0] - 1e-9);
                f->memory_mb = (int)fmin(10240, fmax(128, mb));
            } else if (!memory && !f->has_percentiles) {
                f->has_percentiles = true;
                double run = 0;
                for (size_t i = 0; i < n_values; i++) {
                    run = fmin(3.6e6, fmax(run, v[i]));   /* non-decreasing, within the parser's range */
                    f->percentiles[i] = run;
                }
            }
        } else {
            uint64_t h = hash_parts(o, a);
            size_t pos = 0;
            for (int64_t i; (i = strmap_next(&by_app, h, &pos)) >= 0;) {
                trace_function *f = &t->fn[i];
                if (!strcmp(f->owner, o) && !strcmp(f->app, a) && !f->memory_mb)
                    f->memory_mb = (int)fmin(10240, fmax(128, ceil(v[0] - 1e-9)));
            }
        }
    }
    strmap_free(&by_app);
    return rc < 0 ? -1 : 0;
}

/* Expected arrivals per minute of the window over the selected functions (azure2019):
 * their rows read again at the offsets the scan kept. */
static int minute_buckets(loader *L)
{
    trace_spec *t = L->t;
    size_t n = t->m1 - t->m0;
    t->buckets = calloc(n ? n : 1, sizeof *t->buckets);
    if (!t->buckets)
        return oom(L), -1;
    t->n_buckets = t->cap_buckets = n;
    t->bucket0 = 60.0 * t->m0;
    t->bucket_s = 60;
    char why[256];
    FILE *f = cfg_fopen_regular(t->path, why, sizeof why);
    if (!f) {
        load_fail(L, 0, 0, "%s", why);
        return -1;
    }
    csv_reader r = { .f = f };
    for (size_t i = 0; i < t->n_selected; i++) {
        trace_function *fn = &t->fn[t->selected[i]];
        if (csv_reader_seek(&r, fn->offset) != 0 || csv_reader_next(&r) != 1 ||
            csv_split(r.buf, &L->fl) != 0 || L->fl.n < n) {
            load_fail(L, fn->line, 1, "the file changed while it was read");
            csv_reader_close(&r);
            return -1;
        }
        for (size_t j = 0; j < n; j++) {
            uint64_t c;
            if (parse_count(L->fl.field[j], &c) != 0)
                c = 0;
            uint32_t m = t->m0 + (uint32_t)j;
            double a = fmax(60.0 * m, t->start_s), b = fmin(60.0 * (m + 1), t->end);
            if (b > a)
                t->buckets[j] += (double)c * (b - a) / 60.0;
        }
    }
    csv_reader_close(&r);
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
        return oom(L), -1;
    int i = 0;
    for (const cJSON *c = components->child; c; c = c->next, i++) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (!cJSON_IsString(nm))
            continue;
        name_of[i] = nm->valuestring;
        if (strmap_add(&names, rng_name_hash(nm->valuestring), (uint32_t)i) != 0) {
            strmap_free(&names);
            free(name_of);
            return oom(L), -1;
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
            oom(L);
            break;
        }
        cJSON_AddStringToObject(c, "name", f->name);
        cJSON_AddStringToObject(c, "kind", "function");
        cJSON_AddStringToObject(c, "app", f->app_name);
        if (f->trigger >= 0) {
            cJSON_DeleteItemFromObjectCaseSensitive(c, "trigger");
            cJSON_AddStringToObject(c, "trigger", trigger_names[f->trigger]);
        }
        if (f->has_percentiles) {
            cJSON *d = cJSON_CreateObject(), *table = cJSON_CreateArray();
            cJSON_AddStringToObject(d, "dist", "empirical");
            for (size_t p = 0; p < N_DURATION_PERCENTILES; p++) {
                double pair[2] = { duration_percentiles[p], f->percentiles[p] };
                cJSON_AddItemToArray(table, cJSON_CreateDoubleArray(pair, 2));
            }
            cJSON_AddItemToObject(d, "percentiles", table);
            cJSON_DeleteItemFromObjectCaseSensitive(c, "duration_ms");
            cJSON_AddItemToObject(c, "duration_ms", d);
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
            oom(L);
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
    }
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
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(source->in, "target");
    loader L = { .a = a, .t = t, .w = w, .key = "file", .shown = t->shown };
    int rc = t->format == FORMAT_AZURE2019 ? scan_azure2019(&L) : scan_per_invocation(&L);
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
            rc = scan_side_file(&L, false, 0);
            csv_reader_close(&L.r);
        }
        if (rc == 0 && t->memory_path) {
            L.key = "memory_file";
            L.shown = t->memory_path;
            rc = scan_side_file(&L, true, o.memory_percentile);
            csv_reader_close(&L.r);
        }
        L.key = "file";
        L.shown = t->shown;
        if (rc == 0)
            rc = minute_buckets(&L);
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
    put_path(a, "file", t->path);
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

/* ---- replaying ------------------------------------------------------------------------------ */

/* An azure2019 function's cursor into its row and its arrivals in the current minute. */
typedef struct player_function {
    off_t    pos;          /* file offset of the byte after buf's contents */
    uint32_t left;         /* arrivals of this minute not yet made */
    uint32_t count;        /* the minute's count */
    uint32_t gen;          /* generation of its pending arrival event */
    uint32_t loop;         /* the loop its current minute belongs to */
    double   a;            /* the minute's start (trace time) */
    double   t;            /* trace time of its pending arrival */
    uint16_t at, len;      /* read position in buf, bytes held */
    bool     done;         /* its row has ended */
    bool     failed;       /* a read problem ended it (counted once) */
    char     buf[CURSOR_BYTES];
} player_function;

struct trace_player {
    const trace_spec *t;
    sim           *s;
    gsl_rng       *r;
    trace_emit_fn  emit;
    void          *ctx;
    double         origin, stop;
    uint64_t       arrivals, read_errors;
    /* azure2019 */
    int            fd;
    player_function *fn;   /* per selected function */
    /* per-invocation formats: one row of lookahead */
    csv_reader     rd;
    csv_fields     fl;
    seq_row        next;
    int            next_fn;
    double         last_start;
    uint32_t       loop;
};

static double run_time(const trace_player *p, uint32_t loop, double trace_time)
{
    const trace_spec *t = p->t;
    return p->origin + ((double)loop * (t->end - t->start_s) + (trace_time - t->start_s)) * t->time_scale;
}

static void make_arrival(trace_player *p, int component, double run_ms, double size_kb, int tenant)
{
    trace_arrival a = { .target = component, .run_ms = run_ms, .size_kb = size_kb, .tenant = tenant };
    p->arrivals++;
    p->emit(p->ctx, &a);
}

/* ---- azure2019: a minute event reads every function's next count ---- */

/* The next count of pf's row. false at a read problem (the row ends early). */
static bool next_count(trace_player *p, player_function *pf, uint32_t *out)
{
    if (pf->done)
        return false;
    uint64_t v = 0;
    bool digits = false, fraction = false;
    for (;;) {
        if (pf->at == pf->len) {
            ssize_t got = pread(p->fd, pf->buf, CURSOR_BYTES, pf->pos);
            if (got < 0)
                return false;
            if (got == 0) {          /* the file's last row without an end of line */
                pf->done = true;
                break;
            }
            pf->pos += got;
            pf->at = 0;
            pf->len = (uint16_t)got;
        }
        char c = pf->buf[pf->at++];
        if (c >= '0' && c <= '9' && !fraction) {
            v = v * 10 + (uint64_t)(c - '0');
            digits = true;
            if (v > UINT32_MAX)
                return false;
        } else if (c == '0' && fraction) {
            continue;
        } else if (c == '.' && digits && !fraction) {
            fraction = true;
        } else if (c == ',') {
            break;
        } else if (c == '\n') {
            pf->done = true;
            break;
        } else if (c != ' ' && c != '\t' && c != '"' && c != '\r') {
            return false;
        }
    }
    if (!digits)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void on_function_arrival(sim *s, void *target, uint64_t arg);

/* Advances pf to its next arrival inside the window; false when the minute has none left. */
static bool advance_function(trace_player *p, player_function *pf)
{
    const trace_spec *t = p->t;
    double b = pf->a + 60.0;
    while (pf->left > 0) {
        double x;
        if (t->within == WITHIN_EVEN) {
            x = pf->a + ((pf->count - pf->left) + 0.5) * 60.0 / pf->count;
        } else {
            /* The smallest of left uniform points in (t, b): sorted uniforms one at a time. */
            double u = gsl_rng_uniform_pos(p->r);
            x = pf->t + (b - pf->t) * (1.0 - pow(u, 1.0 / pf->left));
            if (x >= b)
                x = nextafter(b, pf->a);
            if (x < pf->t)
                x = pf->t;
        }
        pf->t = x;
        if (x >= t->end) {
            pf->left = 0;           /* the rest are after the window too */
            return false;
        }
        if (x >= t->start_s)
            return true;
        pf->left--;                 /* before the window (a minute cut by start_s) */
    }
    return false;
}

/* Schedules pf's pending arrival (pf->t); stops the minute when it falls at or after stop. */
static void schedule_function(trace_player *p, player_function *pf, uint32_t k)
{
    double when = run_time(p, pf->loop, pf->t);
    if (when >= p->stop) {
        pf->left = 0;
        return;
    }
    pf->gen++;
    sim_at(p->s, when, on_function_arrival, p, sim_gen_pack(pf->gen, k));
}

static void on_function_arrival(sim *s, void *target, uint64_t arg)
{
    (void)s;
    trace_player *p = target;
    uint32_t k = sim_payload_of(arg);
    player_function *pf = &p->fn[k];
    if (sim_gen_of(arg) != pf->gen || pf->left == 0)
        return;
    pf->left--;
    make_arrival(p, p->t->fn[p->t->selected[k]].component, -1, -1, -1);
    if (advance_function(p, pf))
        schedule_function(p, pf, k);
}

static void rewind_functions(trace_player *p)
{
    for (size_t k = 0; k < p->t->n_selected; k++) {
        player_function *pf = &p->fn[k];
        pf->pos = p->t->fn[p->t->selected[k]].offset;
        pf->at = pf->len = 0;
        pf->done = pf->failed = false;
    }
}

/* arg: loop << 32 | minute of the window (0 is minute m0). */
static void on_minute(sim *s, void *target, uint64_t arg)
{
    trace_player *p = target;
    const trace_spec *t = p->t;
    uint32_t loop = sim_gen_of(arg), j = sim_payload_of(arg);
    if (j == 0 && loop > 0)
        rewind_functions(p);
    double a = 60.0 * (t->m0 + j);
    for (uint32_t k = 0; k < t->n_selected; k++) {
        player_function *pf = &p->fn[k];
        /* An arrival due at this very instant (rounding) is made now, before the minute. */
        while (pf->left > 0) {
            pf->left--;
            make_arrival(p, t->fn[t->selected[k]].component, -1, -1, -1);
            if (!advance_function(p, pf))
                break;
        }
        pf->gen++;
        uint32_t c;
        if (!next_count(p, pf, &c)) {
            if (!pf->failed)
                p->read_errors++;    /* validated at load: the file changed since */
            pf->failed = pf->done = true;
            continue;
        }
        if (c == 0)
            continue;
        pf->count = pf->left = c;
        pf->loop = loop;
        pf->a = pf->t = a;
        if (advance_function(p, pf))
            schedule_function(p, pf, k);
    }
    uint64_t next;
    double when;
    if (j + 1 < t->m1 - t->m0) {
        next = sim_gen_pack(loop, j + 1);
        when = run_time(p, loop, 60.0 * (t->m0 + j + 1));
    } else if (t->repeat == 0 || loop + 1 < t->repeat) {
        next = sim_gen_pack(loop + 1, 0);
        when = run_time(p, loop + 1, t->start_s);
    } else {
        return;
    }
    if (when < p->stop)
        sim_at(s, when, on_minute, p, next);
}

/* ---- per-invocation formats: one reader, one row ahead ---- */

/* Reads the next row to replay into p->next. false at the end of the window (or of the
 * file, or at a read problem, counted). */
static bool read_next_row(trace_player *p)
{
    const trace_spec *t = p->t;
    char why[256];
    for (;;) {
        int rc = csv_reader_next(&p->rd);
        if (rc <= 0) {
            if (rc < 0)
                p->read_errors++;
            return false;
        }
        /* A row with a NUL byte was a bad row at load, like one that does not parse. */
        bool text = strlen(p->rd.buf) == p->rd.len;
        if (text && csv_blank(p->rd.buf))
            continue;
        if (text && csv_split(p->rd.buf, &p->fl) != 0) {
            p->read_errors++;
            return false;
        }
        seq_row row;
        size_t col;
        bool ok = text && parse_seq_row(t, t->w, &p->fl, p->rd.len, &row, &col, why, sizeof why) == 0;
        if (ok && row.start < p->last_start)
            ok = false;
        if (!ok) {
            if (t->on_bad_row == BAD_ROW_SKIP)
                continue;       /* counted at load */
            p->read_errors++;   /* the file changed since it was loaded */
            return false;
        }
        p->last_start = row.start;
        if (row.start < t->start_s)
            continue;
        if (row.start >= t->end)
            return false;
        int k = t->by_target ? 0 : find_function(t, row.app, row.key);
        if (k < 0) {
            p->read_errors++;
            return false;
        }
        if (!t->fn[k].selected)
            continue;
        p->next = row;
        p->next_fn = k;
        return true;
    }
}

static void on_row(sim *s, void *target, uint64_t arg);

/* Finds the next row (looping back to the window's start as repeat asks) and schedules it. */
static void schedule_row(trace_player *p)
{
    const trace_spec *t = p->t;
    while (!read_next_row(p)) {
        if (p->read_errors || (t->repeat != 0 && p->loop + 1 >= t->repeat))
            return;
        if (run_time(p, p->loop + 1, t->start_s) >= p->stop)
            return;
        p->loop++;
        p->last_start = -INFINITY;
        if (csv_reader_seek(&p->rd, t->window_offset) != 0) {
            p->read_errors++;
            return;
        }
    }
    double when = run_time(p, p->loop, p->next.start);
    if (when < p->stop)
        sim_at(p->s, when, on_row, p, 0);
}

static void on_row(sim *s, void *target, uint64_t arg)
{
    (void)s;
    (void)arg;
    trace_player *p = target;
    const seq_row *r = &p->next;
    make_arrival(p, p->t->fn[p->next_fn].component, r->run_ms, r->size_kb, r->tenant);
    schedule_row(p);
}

/* ---- API: replaying ---- */

trace_player *trace_player_alloc(const trace_spec *t, sim *s, gsl_rng *r, double origin,
                                 double stop, trace_emit_fn emit, void *ctx)
{
    trace_player *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    *p = (trace_player){ .t = t, .s = s, .r = r, .emit = emit, .ctx = ctx, .origin = origin,
                         .stop = stop, .fd = -1, .last_start = -INFINITY };
    if (t->format == FORMAT_AZURE2019) {
        p->fn = calloc(t->n_selected ? t->n_selected : 1, sizeof *p->fn);
        if (!p->fn) {
            free(p);
            return NULL;
        }
        rewind_functions(p);
        /* The load pass read a regular file here; if it has been replaced since, by a FIFO
         * say, the replay must not block on it. */
        char why[256];
        p->fd = cfg_open_regular(t->path, NULL, why, sizeof why);
        if (p->fd < 0)
            p->read_errors++;
        else if (origin < stop && sim_at(s, origin, on_minute, p, sim_gen_pack(0, 0)) != 0) {
            trace_player_free(p);
            return NULL;
        }
        return p;
    }
    char why[256];
    p->rd.f = cfg_fopen_regular(t->path, why, sizeof why);
    if (!p->rd.f || csv_reader_seek(&p->rd, t->window_offset) != 0)
        p->read_errors++;
    else
        schedule_row(p);
    return p;
}

uint64_t trace_player_arrivals(const trace_player *p) { return p ? p->arrivals : 0; }
uint64_t trace_player_read_errors(const trace_player *p) { return p ? p->read_errors : 0; }

void trace_player_free(trace_player *p)
{
    if (!p)
        return;
    if (p->fd >= 0)
        close(p->fd);
    csv_reader_close(&p->rd);
    csv_fields_free(&p->fl);
    free(p->fn);
    free(p);
}
