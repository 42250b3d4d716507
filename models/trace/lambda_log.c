/* lambda_log.c — AWS Lambda REPORT records read from exported logs (raw CloudWatch lines,
 * Logs Insights CSV and JSON, filter-log-events JSON), merged over files and given out in
 * order of start time. The shapes and the order are described in lambda_log.h.
 *
 * Invariants: each source (file) holds one record of lookahead, read on demand; a file's
 * records come in order of end time to within LAMBDA_LOG_HORIZON_S (Logs Insights files
 * exactly, or they are refused), so a record in the heap whose start is more than the
 * horizon before every source's lookahead end can come out: nothing read later can start
 * before it. The heap is ordered by (start, read sequence), so equal starts come out in
 * the order read and the order never depends on anything but the files. Memory: one line
 * (or one JSON element) per file, the heap, and the names of the functions seen. */
#include "models/trace/lambda_log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg.h"
#include "sim/csv.h"
#include "sim/strmap.h"

#define ELEMENT_MAX  (1u << 20)     /* longest JSON element (one result row or event) */
#define RECORD_MAX   (1u << 20)     /* longest CSV record (quoted line ends joined) */
#define MAX_DURATION_MS 900000.0    /* Lambda's longest timeout */
#define MAX_INIT_MS  60000.0        /* the horizon's margin; on demand, Init stops at 10 s */

enum { SHAPE_RAW, SHAPE_CSV, SHAPE_JSON };

/* CSV columns the reader knows (others are ignored). */
enum { C_TIMESTAMP, C_MESSAGE, C_LOG, C_DURATION, C_BILLED, C_MEMORY, C_MAXMEM, C_INIT, N_COLS };
static const char *const column_names[N_COLS] = { "@timestamp", "@message", "@log", "@duration",
                                                  "@billedDuration", "@memorySize", "@maxMemoryUsed",
                                                  "@initDuration" };

/* One event's fields, whatever the shape (NULL: absent or empty). */
typedef struct row {
    const char *f[N_COLS];
    double      epoch_ms;     /* filter-log-events' "timestamp", or NAN */
} row;

typedef struct source {
    FILE       *f;
    char       *shown;
    char       *function;     /* the option's name, or NULL */
    char       *file_name;    /* the file's name less extensions, when it is a function name */
    int         shape;
    bool        insights;     /* Logs Insights results: times must not go down */
    csv_reader  rd;
    long        line;         /* of the record being read */
    /* csv */
    int         col[N_COLS];
    size_t      n_columns;
    char       *rec;  size_t rec_len, rec_cap;
    char      **field; size_t n_field, cap_field;
    /* json */
    int         depth, rec_depth, top;
    bool        in_str, esc, key_next, key_str, after_key, finished, started;
    char        key[32]; size_t key_len;
    long        json_line;
    /* lookahead */
    bool        has_next;
    lambda_record next;
    double      last_end;     /* previous record's end (insights order check) */
    double      max_end;      /* latest end read */
    long        last_line;
} source;

typedef struct pending {
    double        start;
    uint64_t      seq;
    lambda_record r;
} pending;

struct lambda_log {
    source     *src;
    size_t      n_src;
    pending    *heap;
    size_t      n_heap, cap_heap;
    uint64_t    seq;
    double      last_start;   /* of the last record given out */
    char      **names;        /* interned function names */
    size_t      n_names, cap_names;
    strmap      name_map;
    bool        skip_bad;
    uint64_t   *bad_rows;
    bool        failed;
    char       *elem;  size_t elem_len, elem_cap;   /* the JSON element being read */
    char        err[600];
};

/* ---- small helpers ---------------------------------------------------------------------- */

static void fail(lambda_log *l, const source *s, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(lambda_log *l, const source *s, long line, const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s && line > 0)
        snprintf(l->err, sizeof l->err, "%s:%ld: %s", s->shown, line, msg);
    else if (s)
        snprintf(l->err, sizeof l->err, "%s: %s", s->shown, msg);
    else
        snprintf(l->err, sizeof l->err, "%s", msg);
    l->failed = true;
}

/* A quoted excerpt of text for a message (a log may hold anything). */
#define QUOTE_SIZE (CFG_EXCERPT_MAX + 8)
static const char *quote(char buf[QUOTE_SIZE], const char *text)
{
    cfg_excerpt(buf, QUOTE_SIZE, text, CFG_EXCERPT_MAX);
    return buf;
}

/* A finite decimal number at s; *end past it. false when there is none. */
static bool parse_number(const char *s, double *out, const char **end)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (!(isdigit((unsigned char)*s) || ((*s == '-' || *s == '.') && isdigit((unsigned char)s[1]))))
        return false;
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || !isfinite(v) || errno == ERANGE || *e == 'x' || *e == 'X')
        return false;
    *out = v;
    if (end)
        *end = e;
    return true;
}

/* A number filling the whole field (spaces around allowed). */
static bool parse_field(const char *s, double *out)
{
    const char *e;
    if (!parse_number(s, out, &e))
        return false;
    while (*e == ' ' || *e == '\t')
        e++;
    return *e == '\0';
}

static bool valid_function_name(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, long *out)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool lambda_log_parse_time(const char *s, double *out, size_t *used)
{
    long y, mo, d, h, mi, sec;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
        s[16] != ':' || !digits(s + 17, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return false;
    const char *p = s + 19;
    /* The fraction as a whole number of 10^-n s, so that "12:00:00.123" gives exactly what
     * 123 ms since the epoch do (ms / 1000.0): the shapes of one log replay alike. */
    long long frac = 0, unit = 1;
    if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        for (; isdigit((unsigned char)*p); p++)
            if (unit < 1000000000LL) {
                frac = frac * 10 + (*p - '0');
                unit *= 10;
            }
    }
    long offset_s = 0;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
        long oh, om;
        int sign = *p == '-' ? -1 : 1;
        if (!digits(p + 1, 2, &oh))
            return false;
        p += 3;
        if (*p == ':')
            p++;
        if (!digits(p, 2, &om))
            return false;
        p += 2;
        offset_s = sign * (oh * 3600 + om * 60);
    }
    long long whole = (long long)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    *out = (double)(whole * unit + frac) / (double)unit;
    *used = (size_t)(p - s);
    return true;
}

/* ---- the REPORT message ----------------------------------------------------------------- */

/* Where label's value starts in msg: the label must start a word, and "Duration:" must not
 * be "Billed Duration:", "Init Duration:" or "Restore Duration:". NULL: absent. */
static const char *find_label(const char *msg, const char *label)
{
    size_t n = strlen(label);
    for (const char *p = msg; (p = strstr(p, label)) != NULL; p++) {
        if (p > msg && p[-1] != ' ' && p[-1] != '\t')
            continue;
        if (strcmp(label, "Duration:") == 0) {
            const char *q = p;
            while (q > msg && (q[-1] == ' ' || q[-1] == '\t'))
                q--;
            const char *w = q;
            while (w > msg && w[-1] != ' ' && w[-1] != '\t')
                w--;
            size_t len = (size_t)(q - w);
            if ((len == 6 && !strncmp(w, "Billed", 6)) || (len == 4 && !strncmp(w, "Init", 4)) ||
                (len == 7 && !strncmp(w, "Restore", 7)))
                continue;
        }
        return p + n;
    }
    return NULL;
}

/* The value of "label <number> unit" in msg. 1 found, 0 absent, -1 malformed (why). */
static int labelled(const char *msg, const char *label, const char *unit, double *out, char *why, size_t size)
{
    const char *v = find_label(msg, label);
    if (!v)
        return 0;
    const char *e;
    char q[QUOTE_SIZE];
    if (!parse_number(v, out, &e)) {
        snprintf(why, size, "\"%s\" is followed by %s, not a number of %s", label, quote(q, v), unit);
        return -1;
    }
    while (*e == ' ')
        e++;
    size_t u = strlen(unit);
    if (strncmp(e, unit, u) != 0 || (e[u] && e[u] != ' ' && e[u] != '\t' && e[u] != '\n' && e[u] != '\r')) {
        snprintf(why, size, "\"%s %g\" is followed by %s, not the unit %s (truncated?)", label, *out,
                 quote(q, e), unit);
        return -1;
    }
    return 1;
}

/* r's durations and memory from v (Duration, Billed Duration, Memory Size, Max Memory Used,
 * Init Duration or -1), however they were written. 0, or -1 with why: a memory that is not
 * a whole number of MB (named by names[0] or names[1] in the printf format fmt). */
static int fill_values(lambda_record *r, const double v[5], const char *const names[2], const char *fmt, char *why,
                       size_t size)
{
    r->duration_ms = v[0];
    r->billed_ms = v[1];
    r->memory_mb = v[2] == floor(v[2]) && v[2] >= 0 && v[2] <= 1e6 ? (int)v[2] : -1;
    r->max_memory_mb = v[3] == floor(v[3]) && v[3] >= 0 && v[3] <= 1e6 ? (int)v[3] : -1;
    r->init_ms = v[4];
    if (r->memory_mb < 0 || r->max_memory_mb < 0) {
        snprintf(why, size, fmt, r->memory_mb < 0 ? names[0] : names[1], r->memory_mb < 0 ? v[2] : v[3]);
        return -1;
    }
    return 0;
}

/* Parses a REPORT message into r's durations and memory. 0, or -1 with why. */
static int parse_report(const char *msg, lambda_record *r, char *why, size_t size)
{
    static const struct { const char *label, *unit; bool required; } parts[] = {
        { "Duration:", "ms", true }, { "Billed Duration:", "ms", true }, { "Memory Size:", "MB", true },
        { "Max Memory Used:", "MB", true }, { "Init Duration:", "ms", false },
    };
    double v[5];
    for (int i = 0; i < 5; i++) {
        int rc = labelled(msg, parts[i].label, parts[i].unit, &v[i], why, size);
        if (rc < 0)
            return -1;
        if (rc == 0 && parts[i].required) {
            snprintf(why, size, "a REPORT without \"%s <n> %s\" (truncated or malformed)", parts[i].label,
                     parts[i].unit);
            return -1;
        }
        if (rc == 0)
            v[i] = -1;
    }
    static const char *const names[] = { "Memory Size", "Max Memory Used" };
    return fill_values(r, v, names, "%s %g MB is not a whole number of MB", why, size);
}

/* ---- the JSON log format's platform.report -------------------------------------------- */

/* Where the value of "key" starts in the JSON text s (after its colon), or NULL. The keys
 * read here are Lambda's own, in an event Lambda writes: no string value holds them. */
static const char *json_value_of(const char *s, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = s; (p = strchr(p, '"')) != NULL; p++) {
        if (strncmp(p + 1, key, n) != 0 || p[1 + n] != '"')
            continue;
        const char *v = p + 2 + n;
        while (*v == ' ' || *v == '\t')
            v++;
        if (*v != ':')
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        return v;
    }
    return NULL;
}

/* Whether msg is a platform.report event of Lambda's JSON log format (a function whose
 * LoggingConfig says JSON writes its system logs as JSON objects, AWS Lambda developer guide,
 * "Configuring JSON and plain text log formats", 2023-11-16; the record is the Telemetry API's
 * platform.report schema). */
static bool is_platform_report(const char *msg)
{
    const char *t = *msg == '{' ? json_value_of(msg, "type") : NULL;
    return t && strncmp(t, "\"platform.report\"", 17) == 0;
}

/* Parses a platform.report event ({"time": ..., "type": "platform.report", "record":
 * {"requestId": ..., "metrics": {"durationMs", "billedDurationMs", "memorySizeMB",
 * "maxMemoryUsedMB", "initDurationMs"?}, ...}}) into r's durations and memory, and its
 * "time" into *time (NAN when absent). 0, or -1 with why. */
static int parse_platform_report(const char *msg, lambda_record *r, double *time, char *why, size_t size)
{
    static const struct { const char *key; bool required; } parts[] = {
        { "durationMs", true }, { "billedDurationMs", true }, { "memorySizeMB", true },
        { "maxMemoryUsedMB", true }, { "initDurationMs", false },
    };
    const char *metrics = json_value_of(msg, "metrics");
    if (!metrics || *metrics != '{') {
        snprintf(why, size, "a platform.report without its record's \"metrics\" object (truncated or malformed)");
        return -1;
    }
    double v[5];
    char q[QUOTE_SIZE];
    for (int i = 0; i < 5; i++) {
        const char *at = json_value_of(metrics, parts[i].key), *e;
        if (!at) {
            if (parts[i].required) {
                snprintf(why, size, "a platform.report without \"%s\" in its metrics (truncated or malformed)",
                         parts[i].key);
                return -1;
            }
            v[i] = -1;
            continue;
        }
        if (!parse_number(at, &v[i], &e) || (*e != ',' && *e != '}' && *e != ' ' && *e != '\t')) {
            snprintf(why, size, "platform.report's \"%s\" is %s, not a number", parts[i].key, quote(q, at));
            return -1;
        }
    }
    static const char *const names[] = { "memorySizeMB", "maxMemoryUsedMB" };
    if (fill_values(r, v, names, "platform.report's %s %g is not a whole number of MB", why, size) != 0)
        return -1;
    *time = NAN;
    const char *t = json_value_of(msg, "time");
    size_t used = 0;
    if (t && *t == '"' && (!lambda_log_parse_time(t + 1, time, &used) || t[1 + used] != '"')) {
        snprintf(why, size, "platform.report's \"time\" %s is not a time (2024-03-01T12:00:00.123Z)", quote(q, t));
        return -1;
    }
    return 0;
}

/* Checks a record's ranges. 0, or -1 with why. */
static int check_record(const lambda_record *r, char *why, size_t size)
{
    if (!(r->duration_ms >= 0 && r->duration_ms <= MAX_DURATION_MS))
        snprintf(why, size, "Duration %g ms is outside 0 to 900000 ms (Lambda's longest timeout)", r->duration_ms);
    else if (!(r->billed_ms >= 0 && r->billed_ms <= MAX_DURATION_MS + MAX_INIT_MS))
        snprintf(why, size, "Billed Duration %g ms is outside 0 to 960000 ms", r->billed_ms);
    else if (r->memory_mb < 128 || r->memory_mb > 10240)
        snprintf(why, size, "Memory Size %d MB is outside Lambda's 128 to 10240 MB", r->memory_mb);
    else if (r->max_memory_mb < 0 || r->max_memory_mb > 10240)
        snprintf(why, size, "Max Memory Used %d MB is outside 0 to 10240 MB", r->max_memory_mb);
    else if (r->init_ms != -1 && !(r->init_ms >= 0 && r->init_ms <= MAX_INIT_MS))
        snprintf(why, size, "Init Duration %g ms is outside 0 to 60000 ms", r->init_ms);
    else
        return 0;
    return -1;
}

/* ---- function names ---------------------------------------------------------------------- */

/* The interned copy of name (n bytes), or NULL when out of memory. */
static const char *intern(lambda_log *l, const char *name, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)name[i]) * 0x100000001b3ULL;
    size_t pos = 0;
    for (int64_t i; (i = strmap_next(&l->name_map, h, &pos)) >= 0;)
        if (strncmp(l->names[i], name, n) == 0 && l->names[i][n] == '\0')
            return l->names[i];
    if (l->n_names == l->cap_names) {
        size_t cap = l->cap_names ? 2 * l->cap_names : 16;
        char **grown = realloc(l->names, cap * sizeof *grown);
        if (!grown)
            return NULL;
        l->names = grown;
        l->cap_names = cap;
    }
    char *copy = strndup(name, n);
    if (!copy || strmap_add(&l->name_map, h, (uint32_t)l->n_names) != 0) {
        free(copy);
        return NULL;
    }
    l->names[l->n_names++] = copy;
    return copy;
}

/* ---- one event to a record -------------------------------------------------------------- */

/* Memory in bytes (Logs Insights' @memorySize, @maxMemoryUsed) to whole MB: a multiple of
 * 2^20 is MiB, else decimal MB. -1 when it is neither. */
static int bytes_to_mb(double bytes)
{
    double mb = fmod(bytes, 1048576.0) == 0 ? bytes / 1048576.0 : bytes / 1e6;
    double whole = round(mb);
    if (!(bytes >= 0) || fabs(mb - whole) > 1e-6 * fmax(1, whole) || whole > 1e6)
        return -1;
    return (int)whole;
}

/* Fills r from an event's fields. 1 a record, 0 not a REPORT (skipped), -1 bad (why). */
static int row_record(lambda_log *l, source *s, const row *w, lambda_record *r, char *why, size_t size)
{
    *r = (lambda_record){ .init_ms = -1, .file = s->shown, .line = s->line };
    const char *msg = w->f[C_MESSAGE];
    char q[QUOTE_SIZE];
    if (msg) {
        while (*msg == ' ' || *msg == '\t')
            msg++;
        if (strncmp(msg, "REPORT", 6) == 0 && (msg[6] == ' ' || msg[6] == '\t')) {
            if (parse_report(msg, r, why, size) != 0)
                return -1;
            goto have_values;
        }
        if (is_platform_report(msg)) {
            double t;
            if (parse_platform_report(msg, r, &t, why, size) != 0)
                return -1;
            goto have_values;
        }
    }
    if (!w->f[C_DURATION])
        return 0;               /* START, END, the function's own output */
    static const int need[] = { C_BILLED, C_MEMORY };
    for (int i = 0; i < 2; i++)
        if (!w->f[need[i]]) {
            snprintf(why, size, "@duration without %s: select it in the query, or @message", column_names[need[i]]);
            return -1;
        }
    double v;
    static const int ms_cols[] = { C_DURATION, C_BILLED, C_INIT };
    double *ms_out[] = { &r->duration_ms, &r->billed_ms, &r->init_ms };
    for (int i = 0; i < 3; i++) {
        const char *f = w->f[ms_cols[i]];
        if (!f)
            continue;
        if (!parse_field(f, ms_out[i])) {
            snprintf(why, size, "%s %s is not a number of ms", column_names[ms_cols[i]], quote(q, f));
            return -1;
        }
    }
    static const int mem_cols[] = { C_MEMORY, C_MAXMEM };
    int *mem_out[] = { &r->memory_mb, &r->max_memory_mb };
    for (int i = 0; i < 2; i++) {
        const char *f = w->f[mem_cols[i]];
        if (!f)
            continue;
        if (!parse_field(f, &v) || (*mem_out[i] = bytes_to_mb(v)) < 0) {
            snprintf(why, size, "%s %s is not a number of bytes making whole MB (Logs Insights gives "
                     "memory in bytes)", column_names[mem_cols[i]], quote(q, f));
            return -1;
        }
    }
have_values:
    if (check_record(r, why, size) != 0)
        return -1;
    /* The time the REPORT was written. */
    if (!isnan(w->epoch_ms)) {
        r->end_s = w->epoch_ms / 1000.0;
    } else {
        const char *ts = w->f[C_TIMESTAMP];
        size_t used = 0;
        double ms;
        if (ts && lambda_log_parse_time(ts, &r->end_s, &used) && ts[used] == '\0') {
            /* an ISO-8601 time */
        } else if (ts && parse_field(ts, &ms) && ms > 1e11) {
            r->end_s = ms / 1000.0;     /* milliseconds since the epoch */
        } else {
            snprintf(why, size, "@timestamp %s is not a time (expected 2024-03-01 12:00:00.123)",
                     ts ? quote(q, ts) : "(empty)");
            return -1;
        }
    }
    /* The function: the option, else @log, else the file's name. */
    const char *name = s->function;
    size_t n = name ? strlen(name) : 0;
    if (!name && w->f[C_LOG]) {
        const char *lg = w->f[C_LOG], *slash = strrchr(lg, '/');
        name = slash ? slash + 1 : lg;
        n = strlen(name);
        if (!valid_function_name(name, n)) {
            snprintf(why, size, "@log %s does not end in a function's name (account:/aws/lambda/<name>)",
                     quote(q, lg));
            return -1;
        }
    }
    if (!name && s->file_name) {
        name = s->file_name;
        n = strlen(name);
    }
    if (!name) {
        snprintf(why, size, "no function named: the file's name is not one (1 to 64 letters, digits, _ "
                 "and -) and it has no @log; name the file's function");
        return -1;
    }
    if (!(r->function = intern(l, name, n))) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    r->start_s = r->end_s - (r->init_ms > 0 ? r->init_ms : 0) / 1000.0 - r->duration_ms / 1000.0;
    return 1;
}

/* ---- raw lines --------------------------------------------------------------------------- */

static int raw_record(lambda_log *l, source *s, char *line, lambda_record *r, char *why, size_t size)
{
    char *rep = strstr(line, "REPORT RequestId:");
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    double t;
    size_t used;
    if (!rep) {
        /* The JSON log format: a platform.report object, alone on its line (a JSON-lines export)
         * or after the export's own time (as raw lines give them); its "time" when the line
         * has none. */
        char *brace = strchr(line, '{');
        if (!brace || !is_platform_report(brace))
            return 0;
        lambda_record tmp = { 0 };
        double jt;
        if (parse_platform_report(brace, &tmp, &jt, why, size) != 0)
            return -1;
        if (p == brace) {
            if (isnan(jt)) {
                snprintf(why, size, "a platform.report without its \"time\" (and no time before it on the line)");
                return -1;
            }
            t = jt;
        } else if (!lambda_log_parse_time(p, &t, &used) || (p[used] != ' ' && p[used] != '\t')) {
            snprintf(why, size, "a platform.report line that does not start with its time or its JSON object");
            return -1;
        }
        rep = brace;
    } else if (!lambda_log_parse_time(p, &t, &used) || (p[used] != ' ' && p[used] != '\t')) {
        snprintf(why, size, "a REPORT line that does not start with its time (2024-03-01T12:00:00.123Z)");
        return -1;
    }
    row w = { .epoch_ms = t * 1000.0 };
    w.f[C_MESSAGE] = rep;
    *r = (lambda_record){ 0 };
    int rc = row_record(l, s, &w, r, why, size);
    if (rc == 1)
        r->end_s = t;       /* exactly as written, not through milliseconds */
    if (rc == 1)
        r->start_s = r->end_s - (r->init_ms > 0 ? r->init_ms : 0) / 1000.0 - r->duration_ms / 1000.0;
    return rc;
}

/* ---- Logs Insights CSV ------------------------------------------------------------------- */

/* Whether rec has an unclosed quote (a quoted field holding a line end). */
static bool quote_open(const char *rec)
{
    bool open = false;
    for (; *rec; rec++)
        if (*rec == '"')
            open = !open;
    return open;
}

/* Splits rec in place (RFC 4180: quoted fields may hold commas, line ends and "" quotes). */
static int split_record(source *s, char *rec)
{
    s->n_field = 0;
    char *p = rec;
    for (;;) {
        if (s->n_field == s->cap_field) {
            size_t cap = s->cap_field ? 2 * s->cap_field : 16;
            char **grown = realloc(s->field, cap * sizeof *grown);
            if (!grown)
                return -1;
            s->field = grown;
            s->cap_field = cap;
        }
        char *start = p;
        if (*p == '"') {
            char *w = start;
            p++;
            for (;;) {
                if (*p == '\0')
                    break;
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            while (*p && *p != ',')
                p++;
            char *next = *p ? p + 1 : NULL;
            *w = '\0';
            s->field[s->n_field++] = start;
            if (!next)
                return 0;
            p = next;
        } else {
            char *comma = strchr(p, ',');
            s->field[s->n_field++] = start;
            if (!comma)
                return 0;
            *comma = '\0';
            p = comma + 1;
        }
    }
}

/* The next CSV record (quoted line ends joined) into s->rec. 1, 0 end, -1 failed. */
static int next_csv_record(lambda_log *l, source *s)
{
    s->rec_len = 0;
    for (;;) {
        int rc = csv_reader_next(&s->rd);
        if (rc == -2 || (rc == 1 && s->rec_len + s->rd.len + 2 > RECORD_MAX)) {
            fail(l, s, s->rd.line + (rc == -2), "a record longer than 1 MB (no line ends, or an unclosed quote?)");
            return -1;
        }
        if (rc < 0) {
            fail(l, s, s->rd.line + 1, "read error");
            return -1;
        }
        if (rc == 0) {
            if (s->rec_len) {
                fail(l, s, s->line, "the file ends inside a quoted field (truncated?)");
                return -1;
            }
            return 0;
        }
        if (s->rec_len == 0) {
            if (csv_blank(s->rd.buf))
                continue;
            s->line = s->rd.line;
        }
        if (s->rec_len + s->rd.len + 2 > s->rec_cap) {
            size_t cap = (s->rec_len + s->rd.len + 2) * 2;
            char *grown = realloc(s->rec, cap);
            if (!grown) {
                fail(l, s, 0, "out of memory");
                return -1;
            }
            s->rec = grown;
            s->rec_cap = cap;
        }
        if (s->rec_len)
            s->rec[s->rec_len++] = '\n';
        memcpy(s->rec + s->rec_len, s->rd.buf, s->rd.len + 1);
        s->rec_len += s->rd.len;
        if (strlen(s->rec) != s->rec_len) {
            fail(l, s, s->rd.line, "contains a NUL byte; expected text");
            return -1;
        }
        if (!quote_open(s->rec))
            return 1;
    }
}

static int csv_header(lambda_log *l, source *s)
{
    int rc = next_csv_record(l, s);
    if (rc <= 0) {
        if (rc == 0)
            fail(l, s, 1, "the file is empty");
        return -1;
    }
    if (split_record(s, s->rec) != 0) {
        fail(l, s, 0, "out of memory");
        return -1;
    }
    for (int i = 0; i < N_COLS; i++)
        s->col[i] = -1;
    for (size_t i = 0; i < s->n_field; i++)
        for (int k = 0; k < N_COLS; k++)
            if (strcmp(s->field[i], column_names[k]) == 0) {
                if (s->col[k] >= 0) {
                    fail(l, s, s->line, "column %s appears twice in the header", column_names[k]);
                    return -1;
                }
                s->col[k] = (int)i;
            }
    s->n_columns = s->n_field;
    if (s->col[C_TIMESTAMP] < 0 || (s->col[C_MESSAGE] < 0 && s->col[C_DURATION] < 0)) {
        fail(l, s, s->line, "a Logs Insights CSV needs a @timestamp column and @message or @duration "
             "(query: fields @timestamp, @message, @log | filter @type = \"REPORT\" | sort @timestamp asc)");
        return -1;
    }
    return 0;
}

static int csv_record(lambda_log *l, source *s, lambda_record *r, char *why, size_t size)
{
    if (split_record(s, s->rec) != 0) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    if (s->n_field != s->n_columns) {
        snprintf(why, size, "has %zu field%s; the header has %zu (truncated?)", s->n_field,
                 s->n_field == 1 ? "" : "s", s->n_columns);
        return -1;
    }
    row w = { .epoch_ms = NAN };
    for (int k = 0; k < N_COLS; k++)
        if (s->col[k] >= 0 && s->field[s->col[k]][0])
            w.f[k] = s->field[s->col[k]];
    return row_record(l, s, &w, r, why, size);
}

/* ---- JSON -------------------------------------------------------------------------------- */

static int elem_put(lambda_log *l, char c)
{
    if (l->elem_len + 2 > l->elem_cap) {
        size_t cap = l->elem_cap ? 2 * l->elem_cap : 4096;
        char *grown = realloc(l->elem, cap);
        if (!grown)
            return -1;
        l->elem = grown;
        l->elem_cap = cap;
    }
    l->elem[l->elem_len++] = c;
    l->elem[l->elem_len] = '\0';
    return 0;
}

/* The next element of the file's results array into l->elem (its first line in s->line):
 * 1, 0 at the array's end, -1 failed. The file is read a byte at a time, tracking strings
 * and nesting, so that only one element is ever held. */
static int next_json_element(lambda_log *l, source *s)
{
    if (s->finished)
        return 0;
    bool capturing = false;
    l->elem_len = 0;
    for (int c; (c = getc(s->f)) != EOF;) {
        if (c == '\n')
            s->json_line++;
        if (c == '\0') {
            fail(l, s, s->json_line, "contains a NUL byte; expected JSON text");
            return -1;
        }
        if (capturing) {
            if (l->elem_len >= ELEMENT_MAX) {
                fail(l, s, s->line, "an element longer than 1 MB");
                return -1;
            }
            if (elem_put(l, (char)c) != 0) {
                fail(l, s, 0, "out of memory");
                return -1;
            }
        }
        if (s->in_str) {
            if (s->esc)
                s->esc = false;
            else if (c == '\\')
                s->esc = true;
            else if (c == '"')
                s->in_str = false;
            else if (s->key_str && s->key_len + 1 < sizeof s->key)
                s->key[s->key_len++] = (char)c;
            continue;
        }
        switch (c) {
        case '"':
            s->in_str = true;
            s->key_str = !capturing && s->depth == 1 && s->top == '{' && s->key_next;
            if (s->key_str)
                s->key_len = 0;
            s->key_next = false;
            s->after_key = false;
            break;
        case ':':
            if (!capturing && s->depth == 1 && s->top == '{') {
                s->key[s->key_len] = '\0';
                s->after_key = true;
            }
            break;
        case ',':
            if (!capturing && s->depth == 1)
                s->key_next = true;
            break;
        case '{': case '[':
            if (!capturing && s->rec_depth && s->depth == s->rec_depth) {
                capturing = true;
                s->line = s->json_line;
                if (elem_put(l, (char)c) != 0) {
                    fail(l, s, 0, "out of memory");
                    return -1;
                }
            } else if (!capturing && s->depth == 0) {
                if (s->started) {
                    fail(l, s, s->json_line, "more JSON after the end of the results");
                    return -1;
                }
                s->started = true;
                s->top = c;
                s->key_next = c == '{';
                if (c == '[')
                    s->rec_depth = 1;
            } else if (!capturing && s->depth == 1 && s->top == '{' && c == '[' && s->after_key &&
                       (!strcmp(s->key, "events") || !strcmp(s->key, "results"))) {
                if (s->rec_depth) {
                    fail(l, s, s->json_line, "a second results array (\"%s\"); give one export a file", s->key);
                    return -1;
                }
                s->rec_depth = 2;
                s->insights = strcmp(s->key, "results") == 0;
            }
            s->after_key = false;
            s->depth++;
            break;
        case '}': case ']':
            s->depth--;
            s->after_key = false;
            if (capturing && s->depth == s->rec_depth)
                return 1;
            if (s->depth < 0) {
                fail(l, s, s->json_line, "an unmatched %c", c);
                return -1;
            }
            if (s->depth == 0) {
                s->finished = true;
                if (!s->rec_depth) {
                    fail(l, s, s->json_line, "no results in the JSON: expected an array of Logs Insights "
                         "rows, {\"results\": [...]} or filter-log-events' {\"events\": [...]}");
                    return -1;
                }
                return 0;
            }
            break;
        case ' ': case '\t': case '\r': case '\n':
            break;
        default:
            if (!capturing && s->rec_depth && s->depth == s->rec_depth) {
                fail(l, s, s->json_line, "an element of the results is not an object");
                return -1;
            }
            s->after_key = false;
            break;
        }
    }
    if (ferror(s->f)) {
        fail(l, s, s->json_line, "read error");
        return -1;
    }
    if (!s->started) {
        fail(l, s, 1, "the file is empty");
        return -1;
    }
    fail(l, s, s->json_line, "the JSON ends before its last %s closes (truncated?)",
         capturing ? "element" : "bracket");
    return -1;
}

/* ---- one JSON element, read in place ------------------------------------------------
 * An element is an object of members (Insights rows, filter-log-events events) or an array
 * of {"field", "value"} objects (get-query-results). It is read where it lies in l->elem:
 * strings are decoded in place (an escape is never shorter than what it stands for), so a
 * record costs no allocation — the replay reads one per arrival, inside the event loop.
 * Nested values other than those are skipped; true, false and null count as absent. */

typedef struct jscan { char *p, *end; } jscan;

/* The members the reader wants: the Insights columns, then filter-log-events' two. */
enum { J_TIMESTAMP_MS = N_COLS, J_MESSAGE, J_FIELDS };
typedef struct jfields {
    const char *v[J_FIELDS];      /* a string's text, or a number's (formatted into num) */
    bool        number[J_FIELDS];
    double      value[J_FIELDS];  /* a number's value */
    char        num[J_FIELDS][40];
} jfields;

static void js_space(jscan *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool js_hex4(jscan *j, unsigned long *out)
{
    if (j->end - j->p < 4)
        return false;
    unsigned long v = 0;
    for (int k = 0; k < 4; k++) {
        int c = (unsigned char)*j->p++, d = isdigit(c) ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v * 16 + (unsigned long)d;
    }
    *out = v;
    return true;
}

/* The string at j->p, decoded in place and NUL-terminated; NULL when malformed. */
static char *js_string(jscan *j)
{
    if (j->p >= j->end || *j->p != '"')
        return NULL;
    char *start = ++j->p, *out = start;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p++;
        if (c == '"') {
            *out = '\0';
            return start;
        }
        if (c != '\\') {      /* raw control characters pass, as cJSON lets them */
            *out++ = (char)c;
            continue;
        }
        if (j->p >= j->end)
            return NULL;
        char e = *j->p++;
        unsigned long cp;
        switch (e) {
        case '"': case '\\': case '/': *out++ = e; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u':
            if (!js_hex4(j, &cp) || (cp >= 0xDC00 && cp <= 0xDFFF))
                return NULL;
            if (cp >= 0xD800 && cp <= 0xDBFF) {       /* a surrogate pair */
                unsigned long lo;
                if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
                    return NULL;
                j->p += 2;
                if (!js_hex4(j, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return NULL;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp < 0x80) {
                *out++ = (char)cp;
            } else if (cp < 0x800) {
                *out++ = (char)(0xC0 | cp >> 6);
                *out++ = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                *out++ = (char)(0xE0 | cp >> 12);
                *out++ = (char)(0x80 | (cp >> 6 & 0x3F));
                *out++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *out++ = (char)(0xF0 | cp >> 18);
                *out++ = (char)(0x80 | (cp >> 12 & 0x3F));
                *out++ = (char)(0x80 | (cp >> 6 & 0x3F));
                *out++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        default:
            return NULL;
        }
    }
    return NULL;
}

typedef enum { JV_BAD, JV_STRING, JV_NUMBER, JV_OTHER } jvalue;

/* The value at j->p: a string (*text, decoded in place), a number (*number), or another
 * value skipped whole. */
static jvalue js_value(jscan *j, char **text, double *number, int depth)
{
    js_space(j);
    if (j->p >= j->end || depth > 64)
        return JV_BAD;
    char c = *j->p;
    if (c == '"')
        return (*text = js_string(j)) ? JV_STRING : JV_BAD;
    if (c == '-' || isdigit((unsigned char)c)) {
        char tok[64], *endp;
        size_t n = 0;
        while (j->p < j->end && n + 1 < sizeof tok && strchr("+-.0123456789eE", *j->p))
            tok[n++] = *j->p++;
        tok[n] = '\0';
        *number = strtod(tok, &endp);
        return *endp == '\0' && isfinite(*number) ? JV_NUMBER : JV_BAD;
    }
    static const char *const literals[] = { "true", "false", "null" };
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(literals[k]);
        if ((size_t)(j->end - j->p) >= n && strncmp(j->p, literals[k], n) == 0) {
            j->p += n;
            return JV_OTHER;
        }
    }
    if (c != '{' && c != '[')
        return JV_BAD;
    char close = c == '{' ? '}' : ']';
    j->p++;
    js_space(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return JV_OTHER;
    }
    for (;;) {
        char *t;
        double v;
        if (close == '}') {
            js_space(j);
            if (!js_string(j))
                return JV_BAD;
            js_space(j);
            if (j->p >= j->end || *j->p++ != ':')
                return JV_BAD;
        }
        if (js_value(j, &t, &v, depth + 1) == JV_BAD)
            return JV_BAD;
        js_space(j);
        if (j->p >= j->end)
            return JV_BAD;
        if (*j->p == close) {
            j->p++;
            return JV_OTHER;
        }
        if (*j->p++ != ',')
            return JV_BAD;
    }
}

/* Keeps a member called name (the first of that name) when the reader wants it. */
static void js_keep(jfields *w, const char *name, jvalue kind, char *text, double number)
{
    int k = -1;
    for (int i = 0; i < N_COLS && k < 0; i++)
        if (strcmp(name, column_names[i]) == 0)
            k = i;
    if (k < 0)
        k = strcmp(name, "timestamp") == 0 ? J_TIMESTAMP_MS : strcmp(name, "message") == 0 ? J_MESSAGE : -1;
    if (k < 0 || w->v[k] || w->number[k])
        return;
    if (kind == JV_STRING) {
        w->v[k] = text[0] ? text : NULL;
    } else if (kind == JV_NUMBER) {
        snprintf(w->num[k], sizeof w->num[k], "%.17g", number);
        w->v[k] = w->num[k];
        w->number[k] = true;
        w->value[k] = number;
    }
}

/* An object's members into w; with as_field, a {"field": name, "value": v} pair instead.
 * false when malformed. */
static bool js_object(jscan *j, jfields *w, bool as_field)
{
    js_space(j);
    if (j->p >= j->end || *j->p++ != '{')
        return false;
    char *field = NULL, *value_text = NULL;
    double value_number = 0;
    jvalue value_kind = JV_OTHER;
    js_space(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return true;
    }
    for (;;) {
        js_space(j);
        char *name = js_string(j), *text = NULL;
        double number = 0;
        js_space(j);
        if (!name || j->p >= j->end || *j->p++ != ':')
            return false;
        jvalue kind = js_value(j, &text, &number, 1);
        if (kind == JV_BAD)
            return false;
        if (!as_field) {
            js_keep(w, name, kind, text, number);
        } else if (strcmp(name, "field") == 0 && kind == JV_STRING && !field) {
            field = text;
        } else if (strcmp(name, "value") == 0 && value_kind == JV_OTHER) {
            value_kind = kind;
            value_text = text;
            value_number = number;
        }
        js_space(j);
        if (j->p >= j->end)
            return false;
        if (*j->p == '}') {
            j->p++;
            break;
        }
        if (*j->p++ != ',')
            return false;
    }
    if (as_field && field && field[0] == '@')     /* get-query-results' fields are the columns */
        js_keep(w, field, value_kind, value_text, value_number);
    return true;
}

/* l->elem into w. Returns 1 for an array of field/value pairs, 0 for an object, -1 when it
 * is not valid JSON. */
static int js_element(lambda_log *l, jfields *w)
{
    memset(w, 0, sizeof *w);
    jscan j = { l->elem, l->elem + l->elem_len };
    js_space(&j);
    int rc;
    if (j.p < j.end && *j.p == '[') {
        j.p++;
        js_space(&j);
        if (j.p < j.end && *j.p == ']') {
            j.p++;
        } else {
            for (;;) {
                if (!js_object(&j, w, true))
                    return -1;
                js_space(&j);
                if (j.p < j.end && *j.p == ']') {
                    j.p++;
                    break;
                }
                if (j.p >= j.end || *j.p++ != ',')
                    return -1;
            }
        }
        rc = 1;
    } else {
        if (!js_object(&j, w, false))
            return -1;
        rc = 0;
    }
    js_space(&j);
    return j.p == j.end ? rc : -1;
}

static int json_record(lambda_log *l, source *s, lambda_record *r, char *why, size_t size)
{
    jfields jf;
    int kind = js_element(l, &jf);
    if (kind < 0) {
        snprintf(why, size, "an element that is not valid JSON (truncated?)");
        return -1;
    }
    row w = { .epoch_ms = NAN };
    for (int k = 0; k < N_COLS; k++)
        w.f[k] = jf.v[k];
    if (kind == 1 || w.f[C_TIMESTAMP])
        s->insights = true;
    if (!w.f[C_TIMESTAMP] && !w.f[C_MESSAGE]) {
        /* filter-log-events: {"timestamp": ms, "message": "..."} */
        w.f[C_MESSAGE] = jf.v[J_MESSAGE];
        if (!jf.number[J_TIMESTAMP_MS] || !(jf.value[J_TIMESTAMP_MS] > 0)) {
            int rc = w.f[C_MESSAGE] && strncmp(w.f[C_MESSAGE], "REPORT", 6) == 0 ? -1 : 0;
            if (rc)
                snprintf(why, size, "an event without a \"timestamp\" (milliseconds since the epoch)");
            return rc;
        }
        w.epoch_ms = jf.value[J_TIMESTAMP_MS];
    }
    return row_record(l, s, &w, r, why, size);
}

/* ---- sources ----------------------------------------------------------------------------- */

/* Reads s's next record into its lookahead (or marks it ended). 0, or -1 failed. */
static int advance(lambda_log *l, source *s)
{
    char why[400];
    s->has_next = false;
    for (;;) {
        int rc;
        if (s->shape == SHAPE_JSON) {
            rc = next_json_element(l, s);
            if (rc <= 0)
                return rc;
            rc = json_record(l, s, &s->next, why, sizeof why);
        } else if (s->shape == SHAPE_CSV) {
            rc = next_csv_record(l, s);
            if (rc <= 0)
                return rc;
            rc = csv_record(l, s, &s->next, why, sizeof why);
        } else {
            rc = csv_reader_next(&s->rd);
            if (rc == -2) {
                fail(l, s, s->rd.line + 1, "a line longer than %u MB (no line ends?)", CSV_LINE_MAX >> 20);
                return -1;
            }
            if (rc < 0) {
                fail(l, s, s->rd.line + 1, "read error");
                return -1;
            }
            if (rc == 0)
                return 0;
            s->line = s->rd.line;
            if (strlen(s->rd.buf) != s->rd.len) {
                rc = -1;
                snprintf(why, sizeof why, "contains a NUL byte; expected text");
            } else {
                rc = raw_record(l, s, s->rd.buf, &s->next, why, sizeof why);
            }
        }
        if (rc == 1 && s->insights && s->next.end_s < s->last_end) {
            fail(l, s, s->line, "its time is %.3f s earlier than line %ld's: the results are newest first "
                 "(Logs Insights' default); add \"| sort @timestamp asc\" to the query and export again",
                 s->last_end - s->next.end_s, s->last_line);
            return -1;
        }
        if (rc == 1 && s->next.end_s < s->max_end - LAMBDA_LOG_HORIZON_S) {
            /* Its start may already be given out: the reader's order would not hold. */
            rc = -1;
            snprintf(why, sizeof why, "its time is %.3f s before the latest read: the log is more than %g s "
                     "out of order (sort it by time)", s->max_end - s->next.end_s, LAMBDA_LOG_HORIZON_S);
        }
        if (rc == 1) {
            if (s->next.end_s > s->max_end)
                s->max_end = s->next.end_s;
            s->next.line = s->line;
            s->last_end = s->next.end_s;
            s->last_line = s->line;
            s->has_next = true;
            return 0;
        }
        if (rc < 0) {
            if (l->failed)
                return -1;
            if (!l->skip_bad) {
                fail(l, s, s->line, "%s", why);
                return -1;
            }
            if (l->bad_rows)
                (*l->bad_rows)++;
        }
    }
}

/* The file's name without folders and extensions, when it is a function's name. */
static char *name_of_file(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    return valid_function_name(base, n) ? strndup(base, n) : NULL;
}

static int open_source(lambda_log *l, source *s, const char *path)
{
    char why[256];
    s->f = cfg_fopen_regular(path, why, sizeof why);
    if (!s->f) {
        fail(l, s, 0, "%s", why);
        return -1;
    }
    s->rd.f = s->f;
    s->json_line = 1;
    s->last_end = s->max_end = -INFINITY;
    /* The shape, from the first bytes: JSON opens with a bracket, a Logs Insights CSV's header
     * names @ fields; anything else is raw log lines. */
    char head[4096];
    size_t n = fread(head, 1, sizeof head - 1, s->f);
    head[n] = '\0';
    rewind(s->f);
    size_t i = 0;
    if (n >= 3 && (unsigned char)head[0] == 0xef && (unsigned char)head[1] == 0xbb && (unsigned char)head[2] == 0xbf)
        i = 3;
    if (n >= 2 && ((unsigned char)head[0] == 0xff || (unsigned char)head[0] == 0xfe) &&
        (unsigned char)head[1] == ((unsigned char)head[0] ^ 1)) {
        fail(l, s, 1, "the file is UTF-16 text; save it as UTF-8");
        return -1;
    }
    while (i < n && isspace((unsigned char)head[i]))
        i++;
    char *eol = strchr(head + i, '\n');
    if (eol)
        *eol = '\0';
    size_t first = strlen(head + i);
    while (first > 0 && isspace((unsigned char)head[i + first - 1]))
        first--;
    bool json_lines = i < n && head[i] == '{' && first > 1 && head[i + first - 1] == '}' &&
                      json_value_of(head + i, "type") != NULL;
    if (json_lines) {
        s->shape = SHAPE_RAW;     /* Lambda's JSON log format: one event a line */
    } else if (i < n && (head[i] == '[' || head[i] == '{')) {
        s->shape = SHAPE_JSON;
        if (i >= 3 && fseek(s->f, 3, SEEK_SET) != 0) {
            fail(l, s, 0, "cannot seek");
            return -1;
        }
    } else if (strstr(head + i, "@timestamp") || strstr(head + i, "@message") || strstr(head + i, "@duration")) {
        s->shape = SHAPE_CSV;
        s->insights = true;
        if (csv_header(l, s) != 0)
            return -1;
    } else {
        s->shape = SHAPE_RAW;
    }
    return advance(l, s);
}

/* ---- the heap of pending records --------------------------------------------------------- */

static bool before(const pending *a, const pending *b)
{
    return a->start < b->start || (a->start == b->start && a->seq < b->seq);
}

static int heap_push(lambda_log *l, const lambda_record *r)
{
    if (l->n_heap == l->cap_heap) {
        size_t cap = l->cap_heap ? 2 * l->cap_heap : 256;
        pending *grown = realloc(l->heap, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->heap = grown;
        l->cap_heap = cap;
    }
    size_t i = l->n_heap++;
    pending x = { .start = r->start_s, .seq = l->seq++, .r = *r };
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&x, &l->heap[parent]))
            break;
        l->heap[i] = l->heap[parent];
        i = parent;
    }
    l->heap[i] = x;
    return 0;
}

static void heap_pop(lambda_log *l, lambda_record *out)
{
    *out = l->heap[0].r;
    pending x = l->heap[--l->n_heap];
    size_t i = 0, n = l->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&l->heap[c + 1], &l->heap[c]))
            c++;
        if (!before(&l->heap[c], &x))
            break;
        l->heap[i] = l->heap[c];
        i = c;
    }
    if (n)
        l->heap[i] = x;
}

/* ---- API ---------------------------------------------------------------------------------- */

lambda_log *lambda_log_open(const lambda_log_opts *o, char *err, size_t err_size)
{
    lambda_log *l = calloc(1, sizeof *l);
    if (!l || !(l->src = calloc(o->n_files ? o->n_files : 1, sizeof *l->src))) {
        free(l);
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    l->n_src = o->n_files;
    l->skip_bad = o->skip_bad;
    l->bad_rows = o->bad_rows;
    l->last_start = -INFINITY;
    for (size_t i = 0; i < o->n_files && !l->failed; i++) {
        source *s = &l->src[i];
        const char *shown = o->shown && o->shown[i] ? o->shown[i] : o->files[i];
        s->shown = strdup(shown);
        s->file_name = name_of_file(shown);
        const char *fn = o->functions ? o->functions[i] : NULL;
        if (fn)
            s->function = strdup(fn);
        if (!s->shown || (fn && !s->function)) {
            fail(l, NULL, 0, "out of memory");
            break;
        }
        if (fn && !valid_function_name(fn, strlen(fn))) {
            char q[QUOTE_SIZE];
            fail(l, s, 0, "the function's name %s is not one: 1 to 64 letters, digits, _ and -", quote(q, fn));
            break;
        }
        open_source(l, s, o->files[i]);
    }
    if (l->failed) {
        snprintf(err, err_size, "%s", l->err);
        lambda_log_free(l);
        return NULL;
    }
    return l;
}

int lambda_log_next(lambda_log *l, lambda_record *r)
{
    if (l->failed)
        return -1;
    for (;;) {
        source *best = NULL;
        for (size_t i = 0; i < l->n_src; i++)
            if (l->src[i].has_next && (!best || l->src[i].next.end_s < best->next.end_s))
                best = &l->src[i];
        if (l->n_heap && (!best || l->heap[0].start < best->next.end_s - LAMBDA_LOG_HORIZON_S)) {
            heap_pop(l, r);
            l->last_start = r->start_s;
            return 1;
        }
        if (!best)
            return 0;
        if (best->next.start_s < l->last_start) {
            /* Out of order by more than the horizon: a bad line. */
            if (!l->skip_bad) {
                fail(l, best, best->next.line, "the invocation starts at %.3f s, %.3f s before one already "
                     "read starts: the log is more than %g s out of order (sort it by time)",
                     best->next.start_s, l->last_start - best->next.start_s, LAMBDA_LOG_HORIZON_S);
                return -1;
            }
            if (l->bad_rows)
                (*l->bad_rows)++;
        } else if (heap_push(l, &best->next) != 0) {
            fail(l, NULL, 0, "out of memory");
            return -1;
        }
        if (advance(l, best) != 0)
            return -1;
    }
}

const char *lambda_log_error(const lambda_log *l) { return l->err; }

void lambda_log_free(lambda_log *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_src; i++) {
        source *s = &l->src[i];
        csv_reader_close(&s->rd);   /* closes s->f */
        free(s->shown);
        free(s->function);
        free(s->file_name);
        free(s->rec);
        free(s->field);
    }
    for (size_t i = 0; i < l->n_names; i++)
        free(l->names[i]);
    free(l->names);
    strmap_free(&l->name_map);
    free(l->src);
    free(l->heap);
    free(l->elem);
    free(l);
}

int lambda_log_scan(const lambda_log_opts *o, int (*fn)(void *ctx, const lambda_record *r), void *ctx,
                    char *err, size_t err_size)
{
    lambda_log *l = lambda_log_open(o, err, err_size);
    if (!l)
        return -1;
    lambda_record r;
    int rc;
    while ((rc = lambda_log_next(l, &r)) == 1) {
        int stop = fn(ctx, &r);
        if (stop) {
            lambda_log_free(l);
            return stop;
        }
    }
    if (rc < 0)
        snprintf(err, err_size, "%s", l->err);
    lambda_log_free(l);
    return rc < 0 ? -1 : 0;
}
