/* lambda_log.h — reading AWS Lambda's REPORT records from exported logs, in order of the
 * invocations' start times: the reader behind the trace format "lambda-report", and the API
 * that `slsim calibrate` reads logs with.
 *
 * Shapes, detected per file from its first bytes:
 *   raw      one log event a line, as CloudWatch exports to S3 and `aws logs tail` print
 *            them: "<ISO-8601 time> [<log stream>] REPORT RequestId: <id>\tDuration: 12.34 ms\t
 *            Billed Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 70 MB[\tInit
 *            Duration: 150.00 ms][\tXRAY ...]" (tabs or spaces); other lines are skipped;
 *   csv      Logs Insights results as CSV: a header naming @timestamp and @message and/or the
 *            parsed @duration, @billedDuration, @memorySize and @maxMemoryUsed (bytes),
 *            @initDuration; @log ("account:/aws/lambda/<name>") names the function;
 *   json     Logs Insights results as a JSON array of such objects, `aws logs
 *            get-query-results` ({"results": [[{"field", "value"}, ...]]}) and `aws logs
 *            filter-log-events` ({"events": [{"timestamp": ms, "message": "REPORT ..."}]}).
 * Every shape is read as a stream: a line (csv: a record, json: an element of the results
 * array) at a time, never the whole file.
 *
 * Order: a REPORT is written at an invocation's end, so starts (end - init - duration) are
 * not in order even in a file sorted by time. The reader keeps the records read but not
 * yet given out in a heap by start, and gives out those that start more than
 * LAMBDA_LOG_HORIZON_S before the earliest next record of any file: memory holds about
 * that much traffic, whatever the log's length. A record that would start before one given
 * out already (a log more than that out of order) is a bad line; a Logs Insights file whose
 * times go down (newest first, Insights' default) is refused whole. */
#ifndef SLSIM_LAMBDA_LOG_H
#define SLSIM_LAMBDA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lambda's longest timeout (900 s) plus a minute for the Init phase (10 s at most on
 * demand) and for skew between log streams. */
#define LAMBDA_LOG_HORIZON_S 960.0

typedef struct lambda_record {
    double      end_s;          /* the REPORT event's timestamp (s since the epoch) */
    double      start_s;        /* end_s - init - duration */
    double      duration_ms, billed_ms;
    double      init_ms;        /* Init Duration, or -1 on a warm start */
    int         memory_mb, max_memory_mb;
    const char *function;       /* the function's name (valid until the reader is freed) */
    const char *file;  long line;   /* where the record was read (file as shown) */
} lambda_record;

typedef struct lambda_log_opts {
    const char *const *files;       /* paths to read */
    const char *const *shown;       /* each as messages show it; NULL: as in files */
    const char *const *functions;   /* each file's function; NULL, or a NULL entry: the
                                     * record's @log, else the file's name less extensions */
    size_t      n_files;
    bool        skip_bad;           /* count malformed lines (*bad_rows) instead of failing */
    uint64_t   *bad_rows;           /* where to count them; may be NULL */
} lambda_log_opts;

typedef struct lambda_log lambda_log;

/* Opens every file and reads its first record. NULL on error, with one line in err
 * ("file:line: problem"; "out of memory" when that is it). */
lambda_log *lambda_log_open(const lambda_log_opts *o, char *err, size_t err_size);
/* The next record in order of start time: 1, 0 at the end of every file, -1 on error (the
 * message in lambda_log_error). */
int         lambda_log_next(lambda_log *l, lambda_record *r);
const char *lambda_log_error(const lambda_log *l);
void        lambda_log_free(lambda_log *l);

/* Reads the logs (each file's shape detected: raw CloudWatch lines, Logs Insights CSV,
 * Logs Insights / filter-log-events JSON), in order of start time (end - init - duration),
 * calling fn per REPORT record; other lines (START, END, the function's own output) are
 * skipped. fn returns 0 to go on; anything else stops the scan, which returns it. Returns
 * 0, or -1 with one line in err (file:line: problem). */
int lambda_log_scan(const lambda_log_opts *o, int (*fn)(void *ctx, const lambda_record *r), void *ctx,
                    char *err, size_t err_size);

/* Seconds since the epoch of an ISO-8601 time ("2024-03-01T12:00:00.123Z", "+01:00"
 * offsets, or Logs Insights' "2024-03-01 12:00:00.123", UTC); *used is the length read.
 * false when s does not start with one. */
bool lambda_log_parse_time(const char *s, double *out, size_t *used);

#endif
