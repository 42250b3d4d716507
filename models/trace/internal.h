/* internal.h — the trace readers' private header: the spec they build at load and read at
 * replay, the loader that scans the files, and what one part calls in another. The public
 * face is models/trace.h; only the parts in models/trace/ include this.
 *
 * The parts: spec.c (options, the function table, names and selection, generated
 * components, the loading API, expected arrivals), scan.c (reading the files at load: each
 * format's scan, the side files, the row parser the replay shares), replay.c (replaying per
 * replication).
 *
 * Formats: azure2019 (per function, invocations per minute; optional durations and memory
 * files joined on owner, app and function), azure2021 (one row per invocation: app, func,
 * end_timestamp, duration) and csv (timestamp_s and optional function, duration_ms,
 * tenant, size_kb columns). Files are read through sim/csv.h. lambda-report reads Lambda's
 * REPORT records from one or more exported logs through lambda_log.h (lambda.c), each a
 * request at its invocation's start replaying its recorded Duration.
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
#ifndef SLSIM_TRACE_INTERNAL_H
#define SLSIM_TRACE_INTERNAL_H

#include "models/trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sim/csv.h"
#include "sim/strmap.h"

typedef enum trace_format { FORMAT_AZURE2019, FORMAT_AZURE2021, FORMAT_CSV, FORMAT_LAMBDA } trace_format;
enum { WITHIN_UNIFORM, WITHIN_EVEN };
/* azure2019 cold_start: function_defaults' own, or each function's durations_file Maximum -
 * Average (FaasCache's simulator takes that as the cost of a cold start). */
enum { COLD_FROM_DEFAULTS, COLD_FROM_MAX_MINUS_AVERAGE };
enum { BAD_ROW_ERROR, BAD_ROW_SKIP };
/* Columns: csv (time, function, duration, tenant, size), azure2021 (app, func, end, dur). */
enum { COL_TIME, COL_FUNCTION, COL_DURATION, COL_TENANT, COL_SIZE };
enum { COL_APP, COL_FUNC, COL_END, COL_DUR };

#define N_DURATION_PERCENTILES 7
extern const char *const trace_format_names[];      /* by trace_format */
extern const int trace_duration_percentiles[N_DURATION_PERCENTILES];   /* durations_file's */
/* The 2019 trace's trigger classes, as the function kind names them. */
extern const char *const trace_trigger_names[];

typedef struct trace_function {
    char     *key;           /* the trace's id: HashFunction, func (2021), function (csv) */
    char     *owner, *app;   /* azure2019 join keys; azure2021 app */
    char     *name;          /* component name */
    char     *app_name;      /* the generated function's "app" */
    int       component;     /* index in the scenario's components; -1 until known */
    bool      selected, generated;
    bool      has_percentiles;
    double    avg_ms, max_ms;  /* durations_file's Average and Maximum (cold_start "maximum-minus-average") */
    double    arrivals;      /* in the window, one pass (exact for whole minutes) */
    double    wakes;         /* azure2019: minutes of the window with arrivals after 6 or more
                                without (about its cold starts under Lambda's keep-alive) */
    off_t     offset;        /* azure2019: the window's first minute field in its row */
    double    duration_sum;  /* recorded durations in the window (ms), per-invocation formats */
    double    percentiles[N_DURATION_PERCENTILES];
    int       memory_mb;     /* from memory_file, 0 when absent */
    int       trigger;       /* azure2019: index in trace_trigger_names; -1 none */
    long      line;          /* where it first appears */
    /* lambda-report: the REPORT lines with an Init Duration in the window, and a uniform
     * sample of their Init Durations (ms, sorted after the load; at most TRACE_INIT_SAMPLE) */
    uint64_t  cold_starts;
    double    init_sum;
    double   *init_sample;
    size_t    n_init_sample;
} trace_function;

#define TRACE_INIT_SAMPLE 512
#define TRACE_WAKE_MINUTES 6      /* idle minutes after which an arrival counts as a wake */

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
    int          cold_start;     /* COLD_FROM_... */
    uint32_t     repeat;         /* loops; 0 until the run ends */
    /* functions */
    trace_function *fn;
    size_t       n_fn, cap_fn;
    strmap       keys;
    uint32_t    *selected;       /* indices into fn, in file order */
    size_t       n_selected;
    bool         by_target;      /* csv without a function column: every row to target */
    /* columns (COL_...): index in the header, or -1 */
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
    /* lambda-report: the logs (absolute or as given), each file's function or NULL */
    char       **files;
    char       **file_functions;
    size_t       n_files;
    bool         many_files;     /* given as "files" */
};

/* The options of a trace source, as read from its arrivals object. */
typedef struct options {
    int          format;
    const char  *file, *durations_file, *memory_file;
    const cJSON *files;           /* lambda-report: "files" (strings or {file, function}) */
    int          memory_percentile, within, on_bad_row, cold_start;
    double       start_s, end_s, time_scale;
    bool         start_given, end_given;
    uint32_t     repeat;
    long long    sample;          /* functions: N; 0 none */
    const cJSON *names;           /* functions: [names]; NULL none */
    const cJSON *defaults;        /* function_defaults */
} options;

/* The load pass: the file being read, and where its messages go. */
typedef struct loader {
    cfg_node    *a;          /* traffic[i].arrivals */
    trace_spec  *t;
    const world_spec *w;
    const char  *key;        /* the option naming the file read: "file", "durations_file", ... */
    const char  *shown;      /* its path as shown */
    csv_reader   r;
    csv_fields   fl;
} loader;

/* One row of a per-invocation trace. */
typedef struct seq_row {
    double      start;       /* trace time */
    double      run_ms;      /* recorded, or -1 */
    double      size_kb;     /* recorded, or -1 */
    int         tenant;      /* index, or -1 */
    const char *app, *key;   /* the function's ids (pointing into the line) */
} seq_row;

/* ---- spec.c ---- */
bool     trace_valid_name(const char *s);
uint64_t trace_hash_parts(const char *a, const char *b);
int      trace_find_function(const trace_spec *t, const char *app, const char *key);
int      trace_add_function(trace_spec *t, const char *owner, const char *app, const char *key, long line);

/* ---- scan.c ---- */
void trace_load_fail(loader *L, long line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void trace_load_oom(loader *L);
int  trace_scan_azure2019(loader *L);
int  trace_scan_per_invocation(loader *L);
int  trace_scan_side_file(loader *L, bool memory, int percentile);
int  trace_minute_buckets(loader *L);
int  trace_bucket_add(trace_spec *t, double x, double n);
int  trace_parse_row(const trace_spec *t, const world_spec *w, const csv_fields *fl, size_t line_len,
                     seq_row *row, size_t *col, char *why, size_t why_size);

/* ---- lambda.c ---- */
int  trace_scan_lambda(loader *L);
/* The reader's options for t's logs (bad rows skipped but not counted when counter is NULL). */
struct lambda_log_opts;
void trace_lambda_opts(const trace_spec *t, struct lambda_log_opts *o, uint64_t *counter);

#endif
