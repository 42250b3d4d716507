/* scan.c — reading trace files at load: the loader's messages and rows, the scan of each
 * format (azure2019's per-minute rows, the per-invocation rows of azure2021 and csv), the
 * azure2019 side files (durations, memory), the expected arrivals per minute, and the row
 * parser that the replay shares, so both passes read a row the same way.
 *
 * Invariants: a file is read once, line by line, through the loader's csv_reader; a row
 * that does not parse is counted and skipped under on_bad_row "skip", else the load fails
 * with the file, line and column; a message quotes at most CFG_EXCERPT_MAX bytes of a
 * field, and quotes a header only once it looks like the format's (the file may be any
 * file the scenario names). The rest of the design is in internal.h. */
#include "models/trace/internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BUCKETS    (1u << 20) /* expected-arrival buckets of a per-invocation trace */
#define EPOCH_S        1e8        /* csv timestamps above this are an absolute clock */

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


void trace_load_fail(loader *L, long line, size_t col, const char *fmt, ...)
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
    trace_load_fail(L, L->r.line, col, "%s%s", msg, " (on_bad_row \"skip\" skips such rows)");
    return false;
}

void trace_load_oom(loader *L)
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
        trace_load_fail(L, 0, 0, "%s", why);
        return -1;
    }
    int rc = csv_reader_next(&L->r);
    if (rc == -2) {
        trace_load_fail(L, 1, 1, "the line is longer than %u MB (no line ends?)", CSV_LINE_MAX >> 20);
        return -1;
    }
    if (rc < 0) {
        trace_load_fail(L, 0, 0, "read error: %s", strerror(errno));
        return -1;
    }
    if (rc == 0 || csv_blank(L->r.buf)) {
        trace_load_fail(L, 1, 1, "the file is empty; expected a header line: %s", expected);
        return -1;
    }
    const unsigned char *b = (const unsigned char *)L->r.buf;
    if (L->r.len >= 2 && (b[0] == 0xff || b[0] == 0xfe) && b[1] == (b[0] ^ 1)) {
        /* A spreadsheet's "Unicode text": every other byte is NUL. */
        trace_load_fail(L, 1, 1, "the file is UTF-16 text (it starts with bytes %02X %02X); save it as UTF-8 "
                  "(\"CSV UTF-8\")", b[0], b[1]);
        return -1;
    }
    if (strlen(L->r.buf) != L->r.len) {
        trace_load_fail(L, 1, strlen(L->r.buf) + 1, "the header contains a NUL byte; expected text: %s", expected);
        return -1;
    }
    if (csv_split(L->r.buf, &L->fl) != 0) {
        trace_load_oom(L);
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
            trace_load_fail(L, L->r.line + 1, 1, "the line is longer than %u MB (no line ends?)", CSV_LINE_MAX >> 20);
            return -1;
        }
        if (rc < 0) {
            trace_load_fail(L, L->r.line + 1, 1, "read error");
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
            trace_load_oom(L);
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
int trace_bucket_add(trace_spec *t, double x, double n)
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
        trace_load_fail(L, L->r.line, 1, "no row left after skipping %llu malformed ones",
                  (unsigned long long)L->t->bad_rows);
    else
        trace_load_fail(L, L->r.line + 1, 1, "the file has a header but no rows");
    return -1;
}


/* ---- azure2019 ---- */

static const char *const header_2019 = "HashOwner,HashApp,HashFunction,Trigger,<minute>,<minute>,...";

int trace_scan_azure2019(loader *L)
{
    trace_spec *t = L->t;
    if (open_with_header(L, t->path, header_2019) != 0)
        return -1;
    static const char *const fixed[] = { "HashOwner", "HashApp", "HashFunction", "Trigger" };
    /* The first line is quoted only once it starts like this header: the file may be any
     * file the scenario names, and its first line a secret. */
    if (strcmp(L->fl.field[0], fixed[0]) != 0) {
        trace_load_fail(L, 1, 1, "the first line is not an azure2019 header; expected %s", header_2019);
        return -1;
    }
    char q[QUOTE_SIZE];
    for (size_t i = 1; i < 4; i++) {
        if (i >= L->fl.n || strcmp(L->fl.field[i], fixed[i]) != 0) {
            trace_load_fail(L, 1, i < L->fl.n ? L->fl.col[i] : L->r.len + 1, "column %zu of the header is "
                      "%s, not %s; expected %s", i + 1, quote(q, i < L->fl.n ? L->fl.field[i] : ""), fixed[i],
                      header_2019);
            return -1;
        }
    }
    if (L->fl.n < 5) {
        trace_load_fail(L, 1, L->r.len + 1, "the header has no minute columns; expected %s", header_2019);
        return -1;
    }
    uint64_t first = 0;
    for (size_t i = 4; i < L->fl.n; i++) {
        uint64_t m;
        if (parse_count(L->fl.field[i], &m) != 0 || (i > 4 && m != first + (i - 4))) {
            trace_load_fail(L, 1, L->fl.col[i], "minute column %s: expected %s", quote(q, L->fl.field[i]),
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
        int dup = trace_find_function(t, NULL, key);
        if (dup >= 0) {
            if (!bad_row(L, L->fl.col[2], "HashFunction %.16s... repeats line %ld", key, t->fn[dup].line))
                return -1;
            continue;
        }
        double in_window = 0, wakes = 0;
        uint32_t last_active = UINT32_MAX;
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
                wakes += last_active == UINT32_MAX || m - last_active > TRACE_WAKE_MINUTES;
                last_active = m;
            }
        }
        if (!ok) {
            if (!go_on)
                return -1;
            continue;
        }
        int k = trace_add_function(t, L->fl.field[0], L->fl.field[1], key, L->r.line);
        if (k < 0) {
            trace_load_oom(L);
            return -1;
        }
        t->fn[k].arrivals = in_window;
        t->fn[k].wakes = wakes;
        t->fn[k].trigger = 6;                   /* "others" unless the trace names a known class */
        for (int j = 0; trace_trigger_names[j]; j++)
            if (strcmp(L->fl.field[3], trace_trigger_names[j]) == 0)
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

/* Parses a split row of a per-invocation trace into row. 0, or -1 with the offending
 * column in *col and the problem in why. */
int trace_parse_row(const trace_spec *t, const world_spec *w, const csv_fields *fl, size_t line_len,
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
        if (!trace_valid_name(fl->field[c])) {
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
            trace_load_fail(L, 1, L->fl.col[i], "column %s appears twice in the header", names[k]);
            return -1;
        } else {
            t->col[k] = (int)i;
        }
    }
    /* The first line is quoted only when it names a column of the format: the file may be
     * any file the scenario names, and its first line a secret. */
    if (n_unknown == L->fl.n) {
        trace_load_fail(L, 1, 1, "the first line names none of the columns of the %s format; expected %s",
                  trace_format_names[t->format], expected);
        return -1;
    }
    if (first_unknown) {
        trace_load_fail(L, 1, first_unknown, "unknown column%s %s; expected %s", n_unknown > 1 ? "s" : "",
                  unknown, expected);
        return -1;
    }
    for (int j = 0; names[j]; j++) {
        bool required = csv ? j == COL_TIME : true;
        if (required && t->col[j] < 0) {
            trace_load_fail(L, 1, 1, "the header has no %s column; expected %s", names[j], expected);
            return -1;
        }
    }
    if (csv && t->col[COL_TENANT] >= 0 && L->w->n_tenants == 0) {
        trace_load_fail(L, 1, L->fl.col[t->col[COL_TENANT]], "a tenant column, but the scenario has no "
                  "\"tenants\" list to name them from");
        return -1;
    }
    t->n_columns = (int)L->fl.n;
    t->by_target = csv && t->col[COL_FUNCTION] < 0;
    return 0;
}

int trace_scan_per_invocation(loader *L)
{
    trace_spec *t = L->t;
    if (read_seq_header(L) != 0)
        return -1;
    if (t->by_target && trace_add_function(t, NULL, NULL, "", 2) < 0) {
        trace_load_oom(L);
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
        if (trace_parse_row(t, L->w, &L->fl, L->r.len, &row, &col, why, sizeof why) != 0) {
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
        int k = t->by_target ? 0 : trace_find_function(t, row.app, row.key);
        if (k < 0 && (k = trace_add_function(t, NULL, row.app, row.key, L->r.line)) < 0) {
            trace_load_oom(L);
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
        if (trace_bucket_add(t, row.start, 1) != 0) {
            trace_load_oom(L);
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
int trace_scan_side_file(loader *L, bool memory, int percentile)
{
    trace_spec *t = L->t;
    const char *path = memory ? t->memory_path : t->durations_path;
    const char *expected = memory ? "HashOwner,HashApp[,HashFunction],...,AverageAllocatedMb_pct<P>,..."
                           : t->cold_start == COLD_FROM_MAX_MINUS_AVERAGE
                               ? "HashOwner,HashApp,HashFunction,Average,...,Maximum,percentile_Average_0,_1,_25,_50,_75,_99,_100"
                               : "HashOwner,HashApp,HashFunction,...,percentile_Average_0,_1,_25,_50,_75,_99,_100";
    if (open_with_header(L, path, expected) != 0)
        return -1;
    int owner = header_column(L, "HashOwner"), app = header_column(L, "HashApp");
    int func = header_column(L, "HashFunction");
    /* The durations' percentiles, then (cold_start "maximum-minus-average") Average and
     * Maximum; or the memory column. */
    int value[N_DURATION_PERCENTILES + 2];
    size_t n_values = memory ? 1 : N_DURATION_PERCENTILES + (t->cold_start == COLD_FROM_MAX_MINUS_AVERAGE ? 2 : 0);
    char name[64];
    for (size_t i = 0; i < n_values; i++) {
        if (memory)
            snprintf(name, sizeof name, "AverageAllocatedMb_pct%d", percentile);
        else if (i >= N_DURATION_PERCENTILES)
            snprintf(name, sizeof name, "%s", i == N_DURATION_PERCENTILES ? "Average" : "Maximum");
        else
            snprintf(name, sizeof name, "percentile_Average_%d", trace_duration_percentiles[i]);
        value[i] = header_column(L, name);
        if (value[i] < 0) {
            trace_load_fail(L, 1, 1, "the header has no %s column; expected %s", name, expected);
            return -1;
        }
    }
    if (owner < 0 || app < 0 || (!memory && func < 0)) {
        trace_load_fail(L, 1, 1, "the header has no %s column; expected %s",
                  owner < 0 ? "HashOwner" : app < 0 ? "HashApp" : "HashFunction", expected);
        return -1;
    }
    size_t n_columns = L->fl.n;
    /* Memory per app (the original data) applies to each of the app's functions. */
    strmap by_app = { 0 };
    if (memory && func < 0)
        for (size_t i = 0; i < t->n_selected; i++) {
            const trace_function *f = &t->fn[t->selected[i]];
            if (strmap_add(&by_app, trace_hash_parts(f->owner, f->app), t->selected[i]) != 0) {
                strmap_free(&by_app);
                return trace_load_oom(L), -1;
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
        double v[N_DURATION_PERCENTILES + 2];
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
            int k = trace_find_function(t, NULL, L->fl.field[func]);
            trace_function *f = k >= 0 ? &t->fn[k] : NULL;
            if (!f || !f->selected || strcmp(f->owner, o) != 0 || strcmp(f->app, a) != 0)
                continue;
            if (memory && !f->memory_mb) {
                double mb = ceil(v[0] - 1e-9);
                f->memory_mb = (int)fmin(10240, fmax(128, mb));
            } else if (!memory && !f->has_percentiles) {
                f->has_percentiles = true;
                double run = 0;
                for (size_t i = 0; i < N_DURATION_PERCENTILES; i++) {
                    run = fmin(3.6e6, fmax(run, v[i]));   /* non-decreasing, within the parser's range */
                    f->percentiles[i] = run;
                }
                if (n_values > N_DURATION_PERCENTILES) {
                    f->avg_ms = v[N_DURATION_PERCENTILES];
                    f->max_ms = v[N_DURATION_PERCENTILES + 1];
                }
            }
        } else {
            uint64_t h = trace_hash_parts(o, a);
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
int trace_minute_buckets(loader *L)
{
    trace_spec *t = L->t;
    size_t n = t->m1 - t->m0;
    t->buckets = calloc(n ? n : 1, sizeof *t->buckets);
    if (!t->buckets)
        return trace_load_oom(L), -1;
    t->n_buckets = t->cap_buckets = n;
    t->bucket0 = 60.0 * t->m0;
    t->bucket_s = 60;
    char why[256];
    FILE *f = cfg_fopen_regular(t->path, why, sizeof why);
    if (!f) {
        trace_load_fail(L, 0, 0, "%s", why);
        return -1;
    }
    csv_reader r = { .f = f };
    for (size_t i = 0; i < t->n_selected; i++) {
        trace_function *fn = &t->fn[t->selected[i]];
        if (csv_reader_seek(&r, fn->offset) != 0 || csv_reader_next(&r) != 1 ||
            csv_split(r.buf, &L->fl) != 0 || L->fl.n < n) {
            trace_load_fail(L, fn->line, 1, "the file changed while it was read");
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
