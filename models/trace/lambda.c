/* lambda.c — the trace format "lambda-report": Lambda's REPORT records, read through
 * lambda_log.h, as a trace. The load pass lists the functions (named by the file, @log or
 * the file's name), counts each one's invocations in the window, keeps its recorded Memory
 * Size and its observed cold starts (the REPORT lines with an Init Duration: a count and a
 * uniform sample of their durations); the replay (replay.c) reads the logs again through
 * the same reader, so both passes see the same records in the same order.
 *
 * Invariants: records come in order of start time (the reader's guarantee), so the window
 * [start_s, end) is one contiguous run of them; without start_s the window starts at the
 * first invocation's start (the logs' clock is the epoch). A function's sample holds at most
 * TRACE_INIT_SAMPLE values, replaced by reservoir sampling with a fixed hash of the count,
 * so the sample depends on the logs alone. */
#include "models/trace/internal.h"
#include "models/trace/lambda_log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void trace_lambda_opts(const trace_spec *t, lambda_log_opts *o, uint64_t *counter)
{
    *o = (lambda_log_opts){ .files = (const char *const *)t->files,
                            .functions = (const char *const *)t->file_functions,
                            .n_files = t->n_files, .skip_bad = t->on_bad_row == BAD_ROW_SKIP,
                            .bad_rows = counter };
}

typedef struct scan_state {
    loader *L;
    bool    any, in_window;
    double  last_in;
} scan_state;

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static int keep_init(trace_function *f, double init_ms)
{
    f->cold_starts++;
    f->init_sum += init_ms;
    if (!f->init_sample) {
        f->init_sample = malloc(TRACE_INIT_SAMPLE * sizeof *f->init_sample);
        if (!f->init_sample)
            return -1;
    }
    if (f->n_init_sample < TRACE_INIT_SAMPLE) {
        f->init_sample[f->n_init_sample++] = init_ms;
    } else {
        uint64_t j = mix(f->cold_starts) % f->cold_starts;
        if (j < TRACE_INIT_SAMPLE)
            f->init_sample[j] = init_ms;
    }
    return 0;
}

static int on_record(void *ctx, const lambda_record *r)
{
    scan_state *st = ctx;
    loader *L = st->L;
    trace_spec *t = L->t;
    if (!st->any && !t->start_given)
        t->start_s = r->start_s;
    st->any = true;
    int k = trace_find_function(t, NULL, r->function);
    if (k < 0 && (k = trace_add_function(t, NULL, NULL, r->function, r->line)) < 0)
        return trace_load_oom(L), -1;
    trace_function *f = &t->fn[k];
    /* A function's memory may change in a log (a new configuration): the largest is kept. */
    if (r->memory_mb > f->memory_mb)
        f->memory_mb = r->memory_mb;
    if (r->start_s < t->start_s || r->start_s >= t->end_s)
        return 0;
    st->in_window = true;
    st->last_in = r->start_s;
    if (!t->buckets)
        t->bucket0 = t->start_s;
    f->arrivals += 1;
    f->duration_sum += r->duration_ms;
    t->arrivals_all += 1;
    if (trace_bucket_add(t, r->start_s, 1) != 0 || (r->init_ms >= 0 && keep_init(f, r->init_ms) != 0))
        return trace_load_oom(L), -1;
    return 0;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int trace_scan_lambda(loader *L)
{
    trace_spec *t = L->t;
    lambda_log_opts o;
    trace_lambda_opts(t, &o, &t->bad_rows);
    scan_state st = { .L = L };
    char err[600];
    t->bucket_s = 60;
    int rc = lambda_log_scan(&o, on_record, &st, err, sizeof err);
    if (rc != 0) {
        if (rc < 0 && !cfg_failed(L->a))
            cfg_fail(L->a, L->key, "%s", err);
        return -1;
    }
    if (!st.any) {
        if (t->bad_rows)
            trace_load_fail(L, 0, 0, "no REPORT record left after skipping %llu malformed lines",
                            (unsigned long long)t->bad_rows);
        else
            trace_load_fail(L, 0, 0, "no REPORT record (Lambda writes one per invocation: \"REPORT "
                            "RequestId: ... Duration: ... ms\")%s", t->n_files > 1 ? " in any of the files" : "");
        return -1;
    }
    if (!st.in_window) {
        cfg_fail(L->a, t->end_s < INFINITY ? "end_s" : "start_s", "no invocation of the logs starts in the "
                 "window [%.3f, %g) s since the epoch", t->start_s, t->end_s);
        return -1;
    }
    t->end = t->end_s < INFINITY ? t->end_s : t->start_s + floor(st.last_in - t->start_s) + 1.0;
    for (size_t i = 0; i < t->n_fn; i++)
        if (t->fn[i].n_init_sample > 1)
            qsort(t->fn[i].init_sample, t->fn[i].n_init_sample, sizeof (double), compare_double);
    return 0;
}

/* ---- observed cold starts (trace.h) ---- */

uint64_t trace_function_logged_cold_starts(const trace_spec *t, size_t i, const double **sample, size_t *n,
                                           double *mean_ms)
{
    const trace_function *f = &t->fn[t->selected[i]];
    if (sample)
        *sample = f->init_sample;
    if (n)
        *n = f->n_init_sample;
    if (mean_ms)
        *mean_ms = f->cold_starts ? f->init_sum / (double)f->cold_starts : NAN;
    return f->cold_starts;
}

bool trace_is_lambda(const trace_spec *t) { return t->format == FORMAT_LAMBDA; }
