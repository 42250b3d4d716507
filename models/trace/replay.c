/* replay.c — replaying a trace in one replication: a trace_player schedules each recorded
 * arrival on the engine and hands it to the source (emit).
 *
 * Invariants: azure2019 holds one cursor per replayed function (a CURSOR_BYTES pread window
 * into its row, so memory does not depend on the row's length) and one pending arrival
 * event per function with arrivals left in the current minute, plus one minute event; the
 * per-invocation formats hold one reader with one row of lookahead and one pending event.
 * Stale arrival events are told apart by generation (sim_gen_pack). A read problem ends the
 * replay (or that function's row) and is counted once. The rest of the design is in
 * internal.h. */
#include "models/trace/internal.h"
#include "models/trace/lambda_log.h"
#include "sim/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CURSOR_BYTES   240        /* per-function read window into an azure2019 row */

/* ---- replaying ------------------------------------------------------------------------------ */

/* An azure2019 function's cursor into its row and its arrivals in the current minute. */
typedef struct player_function {
    off_t    pos;          /* file offset of the byte after buf's contents */
    off_t    row;          /* file offset of its row's counts (where a loop starts again) */
    int      component;    /* the function component its arrivals go to */
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
    player_function *fn;   /* per replayed function (the selection, or a block's part of it) */
    uint32_t       n_fn;
    /* per-invocation formats: one row of lookahead */
    csv_reader     rd;
    csv_fields     fl;
    seq_row        next;
    int            next_fn;
    double         last_start;
    uint32_t       loop;
    /* lambda-report: the logs' reader */
    lambda_log    *log;
    /* A partitioned replay's block: only functions whose component is in it (block_of
     * NULL: all) */
    const uint32_t *block_of;
    uint32_t       block;
};

static bool in_block(const trace_player *p, int component)
{
    return !p->block_of || (component >= 0 && p->block_of[component] == p->block);
}

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
            double u = rng_uniform_pos(p->r);
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
    make_arrival(p, pf->component, -1, -1, -1);
    if (advance_function(p, pf))
        schedule_function(p, pf, k);
}

static void rewind_functions(trace_player *p)
{
    for (size_t k = 0; k < p->n_fn; k++) {
        player_function *pf = &p->fn[k];
        pf->pos = pf->row;
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
    for (uint32_t k = 0; k < p->n_fn; k++) {
        player_function *pf = &p->fn[k];
        /* An arrival due at this very instant (rounding) is made now, before the minute. */
        while (pf->left > 0) {
            pf->left--;
            make_arrival(p, pf->component, -1, -1, -1);
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

/* lambda-report: the next record to replay into p->next, as read_next_row. The reader
 * skips bad lines without counting them (the load counted them). */
static bool read_next_record(trace_player *p)
{
    const trace_spec *t = p->t;
    lambda_record r;
    for (;;) {
        int rc = p->log ? lambda_log_next(p->log, &r) : -1;
        if (rc <= 0) {
            if (rc < 0)
                p->read_errors++;   /* the logs changed since they were loaded */
            return false;
        }
        if (r.start_s < t->start_s)
            continue;
        if (r.start_s >= t->end)
            return false;
        int k = trace_find_function(t, NULL, r.function);
        if (k < 0) {
            p->read_errors++;
            return false;
        }
        if (!t->fn[k].selected || !in_block(p, t->fn[k].component))
            continue;
        p->next = (seq_row){ .start = r.start_s, .run_ms = r.duration_ms, .size_kb = -1, .tenant = -1 };
        p->next_fn = k;
        return true;
    }
}

/* (Re)opens the logs for a pass. false when they cannot be read (counted). */
static bool open_logs(trace_player *p)
{
    lambda_log_opts o;
    char err[600];
    trace_lambda_opts(p->t, &o, NULL);
    lambda_log_free(p->log);
    p->log = lambda_log_open(&o, err, sizeof err);
    if (!p->log)
        p->read_errors++;
    return p->log != NULL;
}

/* Reads the next row to replay into p->next. false at the end of the window (or of the
 * file, or at a read problem, counted). */
static bool read_next_row(trace_player *p)
{
    const trace_spec *t = p->t;
    if (t->format == FORMAT_LAMBDA)
        return read_next_record(p);
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
        bool ok = text && trace_parse_row(t, t->w, &p->fl, p->rd.len, &row, &col, why, sizeof why) == 0;
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
        int k = t->by_target ? 0 : trace_find_function(t, row.app, row.key);
        if (k < 0) {
            p->read_errors++;
            return false;
        }
        if (!t->fn[k].selected || !in_block(p, t->fn[k].component))
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
        if (t->format == FORMAT_LAMBDA) {
            if (!open_logs(p))
                return;
            continue;
        }
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
                                 double stop, trace_emit_fn emit, void *ctx,
                                 const uint32_t *block_of, uint32_t block)
{
    trace_player *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    *p = (trace_player){ .t = t, .s = s, .r = r, .emit = emit, .ctx = ctx, .origin = origin,
                         .stop = stop, .fd = -1, .last_start = -INFINITY, .block_of = block_of,
                         .block = block };
    if (t->format == FORMAT_AZURE2019) {
        size_t n = 0;
        for (size_t k = 0; k < t->n_selected; k++)
            n += in_block(p, t->fn[t->selected[k]].component);
        p->fn = calloc(n ? n : 1, sizeof *p->fn);
        if (!p->fn) {
            free(p);
            return NULL;
        }
        for (size_t k = 0; k < t->n_selected; k++) {
            const trace_function *f = &t->fn[t->selected[k]];
            if (in_block(p, f->component))
                p->fn[p->n_fn++] = (player_function){ .row = f->offset, .component = f->component };
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
    if (t->format == FORMAT_LAMBDA) {
        if (open_logs(p))
            schedule_row(p);
        return p;
    }
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
    lambda_log_free(p->log);
    free(p->fn);
    free(p);
}
