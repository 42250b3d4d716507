/* partition.c — running a partitioned replay's blocks and merging them (see partition.h).
 *
 * Invariants: a block's part is written by one job and read by the merge only; the merge
 * visits blocks in order 0..B-1 whatever ran them, so sums of doubles (latency sums, time
 * lines, usage) add in one order for any thread or rank count. No MPI call is made inside
 * a parallel region. */
#include "app/partition.h"
#include "app/run_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/function.h"
#include "models/partition.h"
#include "models/traffic.h"
#include "sim/replicate.h"

#ifdef SLSIM_MPI
#include <mpi.h>
#endif

/* A part: a header, then two histograms, the time lines, the functions' figures, the
 * usage records and the components' figures. */
enum { H_LEN, H_BLOCK, H_VALUES, H_FF, H_REC, H_EVENTS, H_PEAK, H_REPLAYED, H_READ_ERRORS, H_COUNTS,
       HEADER = H_COUNTS + 10 };
#define HIST_HEAD   6                  /* count, sum, min, max, first and end bucket */
#define FF_FIELDS   4                  /* invocations, cold starts, idle and billed GB-s */
#define REC_FIELDS  5                  /* component, tenant, dimension, flags, quantity */
#define NOT_FUNCTION SIZE_MAX

/* Where things are in a replication's row, the same for every block. */
typedef struct layout {
    const world_spec *spec;
    size_t    n_values;
    size_t   *start;         /* n_components + 1: each component's first figure */
    size_t   *fn_index;      /* by component: its index among the functions, or NOT_FUNCTION */
    size_t    n_fn;
    long      replayed_at, read_errors_at;   /* the trace source's counts (-1: none) */
} layout;

static void layout_free(layout *L)
{
    free(L->start);
    free(L->fn_index);
}

static long find_name(const char *const *names, size_t n, const char *want)
{
    for (size_t i = n; i-- > 0;)       /* the sources' figures come last */
        if (strcmp(names[i], want) == 0)
            return (long)i;
    return -1;
}

static int layout_init(layout *L, const world_spec *spec, const char *const *names, size_t n_values,
                       char *err, size_t err_size)
{
    size_t n = spec->n_components;
    *L = (layout){ .spec = spec, .n_values = n_values, .start = malloc((n + 1) * sizeof *L->start),
                   .fn_index = malloc((n ? n : 1) * sizeof *L->fn_index) };
    double *scratch = malloc((n_values ? n_values : 1) * sizeof *scratch);
    if (!L->start || !L->fn_index || !scratch) {
        free(scratch);
        snprintf(err, err_size, "%s: out of memory", spec->file);
        return -1;
    }
    metric_sink m = { .values = scratch };
    run_collect(spec, NULL, NULL, NULL, NULL, L->start, &m);
    free(scratch);
    for (size_t i = 0; i < n; i++)
        L->fn_index[i] = spec->components[i].kind == &function_kind ? L->n_fn++ : NOT_FUNCTION;
    char want[200];
    snprintf(want, sizeof want, "sources.%s.replayed", spec->sources[0].name);
    L->replayed_at = find_name(names, n_values, want);
    snprintf(want, sizeof want, "sources.%s.read_errors", spec->sources[0].name);
    L->read_errors_at = find_name(names, n_values, want);
    return 0;
}

/* ---- a block's part ------------------------------------------------------------------------ */

/* h's used buckets and head at p; the doubles written. */
static size_t pack_hist(double *p, const hist *h)
{
    size_t lo = 0, hi = 0;
    if (h && h->count) {
        while (h->bucket[lo] == 0)
            lo++;
        hi = HIST_BUCKETS;
        while (h->bucket[hi - 1] == 0)
            hi--;
    }
    p[0] = h ? (double)h->count : 0;
    p[1] = h ? h->sum : 0;
    p[2] = h ? h->min : INFINITY;
    p[3] = h ? h->max : -INFINITY;
    p[4] = (double)lo;
    p[5] = (double)hi;
    for (size_t i = lo; i < hi; i++)
        p[HIST_HEAD + i - lo] = (double)h->bucket[i];
    return HIST_HEAD + hi - lo;
}

/* Adds the histogram packed at p into dst; the doubles read. */
static size_t merge_hist(hist *dst, const double *p)
{
    static _Thread_local hist h;
    hist_init(&h);
    h.count = (uint64_t)p[0];
    h.sum = p[1];
    h.min = p[2];
    h.max = p[3];
    size_t lo = (size_t)p[4], hi = (size_t)p[5];
    for (size_t i = lo; i < hi && i < HIST_BUCKETS; i++)
        h.bucket[i] = (uint64_t)p[HIST_HEAD + i - lo];
    hist_merge(dst, &h);
    return HIST_HEAD + hi - lo;
}

/* Simulates block b of replication r; its part (malloc'd) in *out. Returns 0 or -1. */
static int block_part(const layout *L, uint32_t r, uint32_t b, progress *bar, size_t job, double **out,
                      char *err, size_t err_size)
{
    const world_spec *spec = L->spec;
    *out = NULL;
    world w;
    memset(&w, 0, sizeof w);
    w.block = b;
    w.progress = bar;
    w.progress_job = job;
    int rc = world_run(&w, spec, r, err, err_size);
    ledger u;
    ledger_init(&u, &spec->prices);
    if (rc == 0) {
        run_meter(spec, &w, &u);
        bill bl;
        tenant_bill tb;
        rc = run_bill(spec, &u, NULL, &bl, &tb, err, err_size);   /* refuses what cannot be priced */
        run_bill_free(&bl, &tb);
    }
    size_t own = 0, n_ff = 0;
    for (size_t i = 0; i < spec->n_components; i++)
        if (spec->block_of[i] == b) {
            own += L->start[i + 1] - L->start[i];
            n_ff += L->fn_index[i] != NOT_FUNCTION;
        }
    size_t len = HEADER + 2 * (HIST_HEAD + HIST_BUCKETS) + TS_COLUMNS * spec->bins + FF_FIELDS * n_ff +
                 REC_FIELDS * u.n + own;
    double *p = rc == 0 ? malloc(len * sizeof *p) : NULL;
    if (rc == 0 && !p) {
        snprintf(err, err_size, "%s: out of memory", spec->file);
        rc = -1;
    }
    if (rc == 0) {
        const request_counts *c = &w.counts;
        const uint64_t counts[10] = { c->arrived, c->completed, c->failed, c->throttled, c->timed_out,
                                      c->dropped, c->dead_lettered, c->expired, c->in_flight, c->attempts };
        for (size_t k = 0; k < 10; k++)
            p[H_COUNTS + k] = (double)counts[k];
        p[H_BLOCK] = b;
        p[H_VALUES] = (double)own;
        p[H_FF] = (double)n_ff;
        p[H_REC] = (double)u.n;
        p[H_EVENTS] = (double)sim_events_run(w.s);
        p[H_PEAK] = w.unreserved_peak;
        traffic_trace_counts(&w, 0, &p[H_REPLAYED], &p[H_READ_ERRORS]);
        size_t at = HEADER;
        at += pack_hist(p + at, &w.latency);
        at += pack_hist(p + at, world_source_latency(&w, 0));
        for (int k = 0; k < TS_COLUMNS; k++) {
            memcpy(p + at, w.ts[k].bin, spec->bins * sizeof *p);
            at += spec->bins;
        }
        for (size_t i = 0; i < spec->n_components; i++) {
            if (spec->block_of[i] != b || L->fn_index[i] == NOT_FUNCTION)
                continue;
            function_figures f;
            function_figures_of(spec->components[i].spec, w.state[i], &f);
            p[at++] = f.invocations;
            p[at++] = f.cold_starts;
            p[at++] = f.idle_gb_s;
            p[at++] = f.billed_gb_s;
        }
        for (size_t k = 0; k < u.n; k++) {
            const usage_record *e = &u.rec[k];
            p[at++] = e->component;
            p[at++] = e->tenant;
            p[at++] = e->dim;
            p[at++] = e->flags;
            p[at++] = e->quantity;
        }
        for (size_t i = 0; i < spec->n_components; i++) {
            if (spec->block_of[i] != b)
                continue;
            metric_sink m = { .values = p + at };
            spec->components[i].kind->report(spec->components[i].spec, w.state[i], &m);
            at += m.n;
        }
        p[H_LEN] = (double)at;
        *out = p;
    }
    ledger_free(&u);
    world_free(&w);
    return rc;
}

/* ---- the merge ----------------------------------------------------------------------------- */

/* Merges replication r's parts (B of them, in block order) into po. Returns 0 or -1. */
static int merge_parts(const layout *L, uint32_t r, double *const *parts, partition_out *po, char *err,
                       size_t err_size)
{
    const world_spec *spec = L->spec;
    size_t n = spec->n_components, B = spec->partition_blocks;
    request_counts c = { 0 };
    hist lat, src;
    hist_init(&lat);
    hist_init(&src);
    memset(po->ts, 0, TS_COLUMNS * spec->bins * sizeof *po->ts);
    function_figures *ff = calloc(L->n_fn ? L->n_fn : 1, sizeof *ff);
    size_t *values_at = calloc(B, sizeof *values_at), *recs_at = calloc(B, sizeof *recs_at);
    size_t *recs_of = calloc(n + 1, sizeof *recs_of);
    void **state = calloc(n ? n : 1, sizeof *state);
    ledger u;
    ledger_init(&u, &spec->prices);
    bill bl = { 0 };
    tenant_bill tb = { 0 };
    int rc = 0;
    if (!ff || !values_at || !recs_at || !recs_of || !state) {
        snprintf(err, err_size, "%s: out of memory", spec->file);
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (L->fn_index[i] != NOT_FUNCTION)
            function_figures_of(spec->components[i].spec, NULL, &ff[L->fn_index[i]]);   /* its app */
    uint64_t events = 0;
    double peak = 0, replayed = 0, read_errors = 0;
    size_t n_rec = 0;
    for (size_t b = 0; b < B; b++) {
        const double *p = parts[b];
        uint64_t *cs[10] = { &c.arrived, &c.completed, &c.failed, &c.throttled, &c.timed_out, &c.dropped,
                             &c.dead_lettered, &c.expired, &c.in_flight, &c.attempts };
        for (size_t k = 0; k < 10; k++)
            *cs[k] += (uint64_t)p[H_COUNTS + k];
        events += (uint64_t)p[H_EVENTS];
        peak += p[H_PEAK];
        replayed += p[H_REPLAYED];
        read_errors += p[H_READ_ERRORS];
        size_t at = HEADER;
        at += merge_hist(&lat, p + at);
        at += merge_hist(&src, p + at);
        for (int k = 0; k < TS_COLUMNS; k++)
            for (size_t j = 0; j < spec->bins; j++)
                po->ts[(size_t)k * spec->bins + j] += p[at++];
        for (size_t i = 0; i < n; i++)
            if (spec->block_of[i] == b && L->fn_index[i] != NOT_FUNCTION) {
                function_figures *f = &ff[L->fn_index[i]];
                f->invocations = p[at++];
                f->cold_starts = p[at++];
                f->idle_gb_s = p[at++];
                f->billed_gb_s = p[at++];
            }
        recs_at[b] = at;
        for (size_t k = 0; k < (size_t)p[H_REC]; k++)
            recs_of[(size_t)p[at + k * REC_FIELDS] + 1]++;
        n_rec += (size_t)p[H_REC];
        values_at[b] = at + REC_FIELDS * (size_t)p[H_REC];
    }
    /* The account's pool: blocks apart are exact only if it never bound together. Each
     * block's peak is at most what the whole ran at once, and their sum at least. */
    double pool = (double)spec->account_concurrency - spec->reserved_total - spec->provisioned_unreserved_total;
    if (peak > pool) {
        snprintf(err, err_size, "%s: partition_blocks: the account's concurrency (%u, %.0f of it for "
                 "functions without reserved concurrency) may have bound in replication %u: the blocks' "
                 "peaks add up to %.0f, and blocks simulated apart cannot share a limit that binds; "
                 "raise platform.account_concurrency, or leave partition_blocks out", spec->file,
                 spec->account_concurrency, pool, r, peak);
        rc = -1;
        goto done;
    }
    /* Usage in component order (as one simulation's meters record it): a counting sort. */
    for (size_t i = 0; i < n; i++)
        recs_of[i + 1] += recs_of[i];
    u.rec = malloc((n_rec ? n_rec : 1) * sizeof *u.rec);
    if (!u.rec) {
        snprintf(err, err_size, "%s: out of memory", spec->file);
        rc = -1;
        goto done;
    }
    u.n = u.cap = n_rec;
    for (size_t b = 0; b < B; b++) {
        const double *p = parts[b] + recs_at[b];
        for (size_t k = 0; k < (size_t)parts[b][H_REC]; k++, p += REC_FIELDS) {
            size_t comp = (size_t)p[0];
            u.rec[recs_of[comp]++] = (usage_record){ .component = (uint32_t)comp, .tenant = (int32_t)p[1],
                                                      .dim = (int32_t)p[2], .flags = (uint32_t)p[3],
                                                      .quantity = p[4] };
        }
    }
    rc = run_bill(spec, &u, NULL, &bl, &tb, err, err_size);
    if (rc != 0)
        goto done;
    /* The figures of one simulation: a view of the merged counts and histograms, whose
     * components' figures are then taken from their blocks. */
    world view;
    memset(&view, 0, sizeof view);
    view.spec = spec;
    view.state = state;
    view.counts = c;
    view.latency = lat;
    hist scratch;
    hist_small src_view = { .count = src.count, .sum = src.sum, .min = src.min, .max = src.max,
                            .store = &src, .n_grains = HIST_SMALL_WIDE };
    view.source_latency = &src_view;
    view.latency_scratch = &scratch;
    metric_sink m = { .values = po->row };
    run_collect(spec, &view, &bl, NULL, ff, NULL, &m);
    for (size_t b = 0; b < B; b++) {
        const double *p = parts[b] + values_at[b];
        for (size_t i = 0; i < n; i++)
            if (spec->block_of[i] == b) {
                size_t k = L->start[i + 1] - L->start[i];
                memcpy(po->row + L->start[i], p, k * sizeof *p);
                p += k;
            }
    }
    if (L->replayed_at >= 0)
        po->row[L->replayed_at] = replayed;
    if (L->read_errors_at >= 0)
        po->row[L->read_errors_at] = read_errors;
    *po->latency = lat;
    po->events = events;
done:
    run_bill_free(&bl, &tb);
    ledger_free(&u);
    free(ff);
    free(values_at);
    free(recs_at);
    free(recs_of);
    free(state);
    return rc;
}

/* ---- running ------------------------------------------------------------------------------- */

int partition_replication(const world_spec *spec, uint32_t r, partition_out *po, char *err, size_t err_size)
{
    layout L;
    int rc = layout_init(&L, spec, po->names, po->n_values, err, err_size);
    double **parts = rc == 0 ? calloc(spec->partition_blocks, sizeof *parts) : NULL;
    if (rc == 0 && !parts) {
        snprintf(err, err_size, "%s: out of memory", spec->file);
        rc = -1;
    }
    for (uint32_t b = 0; rc == 0 && b < spec->partition_blocks; b++)
        rc = block_part(&L, r, b, NULL, 0, &parts[b], err, err_size);
    if (rc == 0)
        rc = merge_parts(&L, r, parts, po, err, err_size);
    for (uint32_t b = 0; parts && b < spec->partition_blocks; b++)
        free(parts[b]);
    free(parts);
    layout_free(&L);
    return rc;
}

static void mpi_place(int *rank, int *size)
{
    *rank = 0;
    *size = 1;
#ifdef SLSIM_MPI
    int inited = 0;
    MPI_Initialized(&inited);
    if (inited) {
        MPI_Comm_rank(MPI_COMM_WORLD, rank);
        MPI_Comm_size(MPI_COMM_WORLD, size);
    }
#endif
}

bool partition_spread(const world_spec *spec)
{
    int rank, size;
    mpi_place(&rank, &size);
    (void)rank;
    return spec->partition_blocks > 1 && size > 1;
}

bool partition_is_worker(const world_spec *spec)
{
    int rank, size;
    mpi_place(&rank, &size);
    return spec->partition_blocks > 1 && size > 1 && rank > 0;
}

unsigned partition_next_batch(const world_spec *spec, unsigned next)
{
#ifdef SLSIM_MPI
    if (partition_spread(spec))
        MPI_Bcast(&next, 1, MPI_UNSIGNED, 0, MPI_COMM_WORLD);
#else
    (void)spec;
#endif
    return next;
}

void partition_abandon(const world_spec *spec)
{
    int rank, size;
    mpi_place(&rank, &size);
    (void)rank;
#ifdef SLSIM_MPI
    if (spec->partition_blocks > 1 && size > 1) {
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
#else
    (void)spec;
    (void)size;
#endif
}

/* The blocks this rank simulates, heaviest first (so that its threads end together): the
 * blocks go largest first to the least loaded rank, by their work (partition_block_work). A block's size is
 * bounded below by its largest function, which no plan can split: the 2019 trace's busiest
 * functions each hold several percent of a day's invocations, more than an even share of
 * 64 blocks, so blocks differ and dealing them round-robin would not even the ranks out.
 * Which rank runs a block never changes what it computes: the results do not depend on this
 * plan. Returns the count written into mine (B entries). */
static size_t rank_blocks(const world_spec *spec, int rank, int size, uint32_t *mine)
{
    uint32_t B = spec->partition_blocks;
    double *weight = calloc(B, sizeof *weight), *load = calloc((size_t)size, sizeof *load);
    uint32_t *order = malloc(B * sizeof *order);
    size_t n = 0;
    if (!weight || !load || !order) {           /* no plan: round-robin */
        for (uint32_t b = 0; b < B; b++)
            if ((int)(b % (uint32_t)size) == rank)
                mine[n++] = b;
        free(weight);
        free(load);
        free(order);
        return n;
    }
    partition_block_work(spec, weight);
    for (uint32_t b = 0; b < B; b++)
        order[b] = b;
    for (uint32_t i = 1; i < B; i++)            /* heaviest first; ties by block */
        for (uint32_t j = i; j > 0 && weight[order[j]] > weight[order[j - 1]]; j--) {
            uint32_t x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    for (uint32_t i = 0; i < B; i++) {
        int least = 0;
        for (int k = 1; k < size; k++)
            if (load[k] < load[least])
                least = k;
        load[least] += weight[order[i]];
        if (least == rank)
            mine[n++] = order[i];
    }
    free(weight);
    free(load);
    free(order);
    return n;
}

/* One replication's blocks of this rank, as jobs. */
typedef struct block_jobs {
    const layout *L;
    uint32_t      r;
    const uint32_t *blocks;   /* this rank's */
    double      **parts;      /* by block */
    char        **errors;     /* by job, made on failure */
    progress     *bar;
} block_jobs;

static int block_job(void *p, size_t job)
{
    block_jobs *j = p;
    uint32_t b = j->blocks[job];
    char err[1024] = "";
    int rc = block_part(j->L, j->r, b, j->bar, (size_t)j->r * j->L->spec->partition_blocks + b,
                        &j->parts[b], err, sizeof err);
    if (rc != 0)
        j->errors[job] = strdup(err[0] ? err : "out of memory");
    return rc;
}

/* A failure under MPI with other ranks: they wait on this one, so every rank stops. */
static int fail_all(int size, const char *err)
{
#ifdef SLSIM_MPI
    if (size > 1) {
        fprintf(stderr, "%s\n", err);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
#else
    (void)size;
    (void)err;
#endif
    return -1;
}

int partition_run(const world_spec *spec, int threads, progress *bar, partition_out *po, char *err,
                  size_t err_size)
{
    int rank, size;
    mpi_place(&rank, &size);
    uint32_t B = spec->partition_blocks;
    layout L;
    if (layout_init(&L, spec, po[0].names, po[0].n_values, err, err_size) != 0)
        return fail_all(size, err);
    double **parts = calloc(B, sizeof *parts);
    uint32_t *mine = malloc(B * sizeof *mine);
    char **errors = calloc(B, sizeof *errors);
    int *codes = calloc(B, sizeof *codes);
    size_t n_mine = mine ? rank_blocks(spec, rank, size, mine) : 0;
    int rc = parts && mine && errors && codes ? 0 : -1;
    if (rc)
        snprintf(err, err_size, "%s: out of memory", spec->file);
    for (uint32_t r = 0; rc == 0 && r < spec->replications; r++) {
        block_jobs j = { .L = &L, .r = r, .blocks = mine, .parts = parts, .errors = errors,
                         .bar = rank == 0 ? bar : NULL };
        replicate_jobs(block_job, &j, n_mine, threads, codes);
        for (size_t k = 0; k < n_mine && rc == 0; k++)   /* the first failure in block order */
            if (codes[k]) {
                snprintf(err, err_size, "%s", errors[k] ? errors[k] : "out of memory");
                rc = -1;
            }
        for (size_t k = 0; k < n_mine; k++) {
            free(errors[k]);
            errors[k] = NULL;
        }
        if (rc)
            break;
#ifdef SLSIM_MPI
        /* A part's tag is its replication's (mod 30,000: MPI guarantees tags to 32,767): a
         * rank that runs ahead sends replication r + 1's parts while rank 0 still gathers
         * r's, and rank 0 must not take them for r's. */
        int tag = (int)(r % 30000u) + 1;
        if (size > 1 && rank != 0) {
            for (size_t k = 0; k < n_mine; k++) {
                double *p = parts[mine[k]];
                MPI_Send(p, (int)p[H_LEN], MPI_DOUBLE, 0, tag, MPI_COMM_WORLD);
                free(p);
                parts[mine[k]] = NULL;
            }
            continue;
        }
        /* The other ranks' blocks, in whatever order they come: each part names its block. */
        for (size_t k = n_mine; size > 1 && k < B; k++) {
            MPI_Status st;
            int count = 0;
            MPI_Probe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &st);
            MPI_Get_count(&st, MPI_DOUBLE, &count);
            double *p = malloc((size_t)(count > 0 ? count : 1) * sizeof *p);
            if (!p) {
                snprintf(err, err_size, "%s: out of memory", spec->file);
                rc = -1;
                break;
            }
            MPI_Recv(p, count, MPI_DOUBLE, st.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            uint32_t b = count > H_BLOCK ? (uint32_t)p[H_BLOCK] : B;
            if (b >= B || parts[b]) {
                free(p);
                snprintf(err, err_size, "%s: partition_blocks: a part from rank %d names no block it "
                         "was due (%u)", spec->file, st.MPI_SOURCE, b);
                rc = -1;
                break;
            }
            parts[b] = p;
        }
#endif
        if (rc == 0)
            rc = merge_parts(&L, r, parts, &po[r], err, err_size);
        for (uint32_t b = 0; b < B; b++) {
            free(parts[b]);
            parts[b] = NULL;
        }
    }
    for (uint32_t b = 0; parts && b < B; b++)
        free(parts[b]);
    free(parts);
    free(mine);
    free(errors);
    free(codes);
    layout_free(&L);
    if (rc)
        return fail_all(size, err);
    return 0;
}
