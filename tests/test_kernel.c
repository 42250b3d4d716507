/* test_kernel.c — specifications of the simulation kernel: the pending event set, the
 * event loop, RNG streams, distributions, statistics and the replication driver.
 *
 * Every statistical assertion compares with a closed form or an exact computation, with a
 * tolerance derived from the standard error of the estimate (4 SE unless said otherwise).
 * Seeds are fixed, so a run is reproducible. SLSIM_QUICK shrinks the samples tenfold; the
 * tolerances follow the sample size, so the quick tier checks the same statements. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tests/suites.h"
#include "tests/support.h"
#include "sim/cfg.h"
#include "sim/dist.h"
#include "sim/engine.h"
#include "sim/pes.h"
#include "sim/replicate.h"
#include "sim/rng.h"
#include "sim/stats.h"

/* ---- helpers --------------------------------------------------------------- */

#define test_alloc support_alloc

/* n, or n / 10 in the quick tier. */
static size_t sample_size(size_t n) { return test_quick() ? n / 10 : n; }

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The exact q-quantile of sorted[0..n): the smallest value with at least ceil(q n)
 * observations at or below it (the definition hist_quantile approximates). */
static double sorted_quantile(const double *sorted, size_t n, double q)
{
    size_t rank = (size_t)ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

/* Two-pass mean and sample variance of x[0..n). */
static void two_pass(const double *x, size_t n, double *mean, double *variance)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double m = sum / (double)n, ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *variance = n > 1 ? ss / (double)(n - 1) : 0.0;
}

/* Standard normal tail probability and density, from libm (independent of GSL). */
static double normal_upper_tail(double z) { return 0.5 * erfc(z / sqrt(2.0)); }
static double normal_density(double z) { return exp(-0.5 * z * z) / 2.5066282746310002; } /* sqrt(2 pi) */

/* ---- pending event set ----------------------------------------------------- */

static pes_event event_at(double time, uint64_t seq)
{
    return (pes_event){ .time = time, .seq = seq, .arg = seq };
}

START_TEST(test_pes_pops_in_time_order)
{
    static const double times[] = { 7.25, 0.125, 3.5, 12.875, 2.385, 9.0, 0.5, 4.75 };
    static const double sorted[] = { 0.125, 0.5, 2.385, 3.5, 4.75, 7.25, 9.0, 12.875 };
    const size_t n = sizeof times / sizeof *times;
    pes *q = pes_new(2);    /* small, so pushing also exercises growth */
    ck_assert_ptr_nonnull(q);
    for (size_t i = 0; i < n; i++) {
        pes_event e = event_at(times[i], i);
        ck_assert_int_eq(pes_push(q, &e), 0);
    }
    ck_assert_uint_eq(pes_size(q), n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(pes_size(q), n - i);
        ck_assert(pes_min_time(q) == sorted[i]);
        pes_event e;
        ck_assert_int_eq(pes_pop(q, &e), 0);
        ck_assert_msg(e.time == sorted[i], "pop %zu: got %g, expected %g", i, e.time, sorted[i]);
    }
    pes_event e;
    ck_assert_int_eq(pes_pop(q, &e), -1);
    ck_assert_uint_eq(pes_size(q), 0);
    pes_free(q);
}
END_TEST

START_TEST(test_pes_equal_times_pop_in_sequence_order)
{
    /* 200 events at one time, pushed with their sequence numbers shuffled, plus a few
     * earlier and later events: the ties must come out by sequence number. */
    enum { TIES = 200 };
    gsl_rng *r = rng_stream_alloc(2385, 0, "pes-ties");
    uint64_t order[TIES];
    for (uint64_t i = 0; i < TIES; i++)
        order[i] = i + 10;
    gsl_ran_shuffle(r, order, TIES, sizeof *order);
    pes *q = pes_new(0);
    pes_event early = event_at(1.5, 1000), late = event_at(3.75, 1);
    ck_assert_int_eq(pes_push(q, &late), 0);
    for (size_t i = 0; i < TIES; i++) {
        pes_event e = event_at(2.385, order[i]);
        ck_assert_int_eq(pes_push(q, &e), 0);
    }
    ck_assert_int_eq(pes_push(q, &early), 0);

    pes_event e;
    ck_assert_int_eq(pes_pop(q, &e), 0);
    ck_assert_uint_eq(e.seq, 1000);
    for (uint64_t i = 0; i < TIES; i++) {
        ck_assert_int_eq(pes_pop(q, &e), 0);
        ck_assert(e.time == 2.385);
        ck_assert_uint_eq(e.seq, i + 10);
    }
    ck_assert_int_eq(pes_pop(q, &e), 0);
    ck_assert_uint_eq(e.seq, 1);
    ck_assert_uint_eq(pes_size(q), 0);
    pes_free(q);
    rng_stream_free(r);
}
END_TEST

static void handler_a(sim *s, void *target, uint64_t arg) { (void)s; (void)target; (void)arg; }
static void handler_b(sim *s, void *target, uint64_t arg) { (void)s; (void)target; (void)arg; }

START_TEST(test_pes_matches_brute_force_reference_under_interleaving)
{
    /* 10,000 pushes interleaved with pops (more pushes than pops, so the set grows to
     * thousands and storage is recycled), times on a coarse grid so ties are frequent.
     * The reference keeps the pending events in a plain array and pops its minimum by
     * linear search. Every field must come back intact. Assertions run only on a
     * mismatch: each check assertion costs a write to the parent process. */
    enum { PUSHES = 10000 };
    gsl_rng *r = rng_stream_alloc(2385, 0, "pes-interleaved");
    pes *q = pes_new(1);
    pes_event *ref = test_alloc(PUSHES, sizeof *ref);
    size_t ref_n = 0, pushed = 0, popped = 0, max_pending = 0;
    while (pushed < PUSHES || ref_n > 0) {
        int push = pushed < PUSHES && (ref_n == 0 || gsl_rng_uniform(r) < 0.6);
        if (push) {
            pes_event e = event_at(0.25 * (double)gsl_rng_uniform_int(r, 400), pushed);
            e.arg = gsl_rng_get(r);
            e.handler = pushed % 3 ? handler_a : handler_b;
            e.target = &ref[gsl_rng_uniform_int(r, PUSHES)];
            if (pes_push(q, &e) != 0)
                ck_abort_msg("push %zu failed", pushed);
            ref[ref_n++] = e;
            pushed++;
        } else {
            size_t best = 0;
            for (size_t i = 1; i < ref_n; i++)
                if (ref[i].time < ref[best].time ||
                    (ref[i].time == ref[best].time && ref[i].seq < ref[best].seq))
                    best = i;
            pes_event expected = ref[best], got;
            ref[best] = ref[--ref_n];
            if (pes_min_time(q) != expected.time)
                ck_abort_msg("pop %zu: min time %g, expected %g", popped, pes_min_time(q), expected.time);
            if (pes_pop(q, &got) != 0)
                ck_abort_msg("pop %zu failed with %zu pending", popped, ref_n + 1);
            if (got.time != expected.time || got.seq != expected.seq || got.arg != expected.arg ||
                got.handler != expected.handler || got.target != expected.target)
                ck_abort_msg("pop %zu: got (%g, %llu), expected (%g, %llu)", popped, got.time,
                             (unsigned long long)got.seq, expected.time,
                             (unsigned long long)expected.seq);
            popped++;
        }
        if (pes_size(q) != ref_n)
            ck_abort_msg("size %zu, expected %zu", pes_size(q), ref_n);
        if (ref_n > max_pending)
            max_pending = ref_n;
    }
    ck_assert_uint_eq(popped, PUSHES);
    ck_assert_uint_gt(max_pending, 1000);
    pes_event none;
    ck_assert_int_eq(pes_pop(q, &none), -1);
    free(ref);
    pes_free(q);
    rng_stream_free(r);
}
END_TEST

/* Whether a comes before b in the pending event set's order: (time, seq). */
static int event_before(const pes_event *a, const pes_event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

START_TEST(test_pes_hole_left_by_pop_matches_sorted_reference)
{
    /* The event loop's pattern: a pop leaves the root vacant, then the handler pushes none,
     * one or several events (sooner than everything, at the same instant, or later), and
     * sometimes the loop looks at the minimum, the first event or the size in between, or
     * pops twice in a row. The reference keeps the pending events sorted, latest first, so
     * the next one is its last element. Assertions run only on a mismatch. */
    enum { STEPS = 20000, CAP = 4 * STEPS };
    gsl_rng *r = rng_stream_alloc(2385, 0, "pes-hole");
    pes *q = pes_new(1);
    pes_event *ref = test_alloc(CAP, sizeof *ref);
    size_t ref_n = 0, max_pending = 0;
    uint64_t seq = 0;
    double now = 0;
    for (size_t step = 0; step < STEPS; step++) {
        /* Pops: none while the set is small and growing, else one, sometimes two. */
        size_t pops = ref_n < 50 ? 0 : 1 + (gsl_rng_uniform(r) < 0.15);
        for (size_t k = 0; k < pops && ref_n > 0; k++) {
            pes_event expected = ref[--ref_n], got;
            if (pes_pop(q, &got) != 0)
                ck_abort_msg("step %zu: pop failed with %zu pending", step, ref_n + 1);
            if (got.time != expected.time || got.seq != expected.seq || got.arg != expected.arg ||
                got.target != expected.target)
                ck_abort_msg("step %zu: got (%g, %llu), expected (%g, %llu)", step, got.time,
                             (unsigned long long)got.seq, expected.time,
                             (unsigned long long)expected.seq);
            now = got.time;
        }
        double look = gsl_rng_uniform(r);
        if (look < 0.1 && ref_n > 0) {
            if (pes_min_time(q) != ref[ref_n - 1].time)
                ck_abort_msg("step %zu: min time %g, expected %g", step, pes_min_time(q),
                             ref[ref_n - 1].time);
        } else if (look < 0.2 && ref_n > 0) {
            pes_event top = { 0 };
            if (pes_peek(q, &top) != 0 || top.seq != ref[ref_n - 1].seq)
                ck_abort_msg("step %zu: peek gave seq %llu, expected %llu", step,
                             (unsigned long long)top.seq, (unsigned long long)ref[ref_n - 1].seq);
        }
        if (pes_size(q) != ref_n)
            ck_abort_msg("step %zu: size %zu after the pops, expected %zu", step, pes_size(q), ref_n);
        /* Pushes: 0 to 3 (1.5 on average, so the set grows to thousands). */
        size_t pushes = gsl_rng_uniform_int(r, 4);
        for (size_t k = 0; k < pushes && ref_n < CAP; k++) {
            double kind = gsl_rng_uniform(r), t;
            if (kind < 0.3)
                t = now + 1e-6 * gsl_rng_uniform(r);            /* sooner than the rest */
            else if (kind < 0.45)
                t = now;                                          /* a tie with the clock */
            else
                t = now + 0.25 * (double)gsl_rng_uniform_int(r, 400);   /* later, ties frequent */
            pes_event e = event_at(t, seq++);
            e.arg = gsl_rng_get(r);
            e.target = &ref[gsl_rng_uniform_int(r, CAP)];
            e.handler = handler_a;
            if (pes_push(q, &e) != 0)
                ck_abort_msg("step %zu: push failed", step);
            size_t lo = 0, hi = ref_n;  /* latest first: e goes before the first one sooner */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (event_before(&ref[mid], &e))
                    hi = mid;
                else
                    lo = mid + 1;
            }
            size_t at = lo;
            memmove(&ref[at + 1], &ref[at], (ref_n - at) * sizeof *ref);
            ref[at] = e;
            ref_n++;
        }
        if (pes_size(q) != ref_n)
            ck_abort_msg("step %zu: size %zu after the pushes, expected %zu", step, pes_size(q), ref_n);
        if (ref_n > max_pending)
            max_pending = ref_n;
    }
    /* Drain: every event comes out in order. */
    while (ref_n > 0) {
        pes_event expected = ref[--ref_n], got = { 0 };
        if (pes_pop(q, &got) != 0 || got.seq != expected.seq || got.time != expected.time)
            ck_abort_msg("drain: got seq %llu, expected %llu", (unsigned long long)got.seq,
                         (unsigned long long)expected.seq);
    }
    pes_event none;
    ck_assert_int_eq(pes_pop(q, &none), -1);
    ck_assert_uint_eq(pes_size(q), 0);
    ck_assert_uint_gt(max_pending, 1000);
    /* Emptied with the root vacant, the set takes a new first event. */
    pes_event e = event_at(2.385, seq);
    ck_assert_int_eq(pes_push(q, &e), 0);
    ck_assert(pes_min_time(q) == 2.385);
    ck_assert_int_eq(pes_pop(q, &none), 0);
    ck_assert_uint_eq(none.seq, seq);
    free(ref);
    pes_free(q);
    rng_stream_free(r);
}
END_TEST

/* ---- engine ---------------------------------------------------------------- */

typedef struct event_log {
    size_t   n;
    double   time[64];
    uint32_t payload[64];
} event_log;

static void log_event(sim *s, void *target, uint64_t arg)
{
    event_log *log = target;
    ck_assert_uint_lt(log->n, 64);
    log->time[log->n] = sim_now(s);
    log->payload[log->n++] = sim_payload_of(arg);
}

START_TEST(test_engine_runs_events_in_order_and_stops_before_t_end)
{
    sim *s = sim_new(2385, 0);
    event_log log = { 0 };
    sim_at(s, 5.5, log_event, &log, 3);
    sim_at(s, 1.25, log_event, &log, 1);
    sim_at(s, 10.0, log_event, &log, 4);   /* at t_end: must not run */
    sim_at(s, 3.375, log_event, &log, 2);
    sim_at(s, 12.5, log_event, &log, 5);
    sim_run_until(s, 10.0);

    ck_assert_uint_eq(log.n, 3);
    static const double times[] = { 1.25, 3.375, 5.5 };
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert(log.time[i] == times[i]);
        ck_assert_uint_eq(log.payload[i], i + 1);
    }
    ck_assert(sim_now(s) == 10.0);
    ck_assert_uint_eq(sim_events_run(s), 3);
    ck_assert_uint_eq(sim_pending(s), 2);

    sim_run_until(s, 20.0);
    ck_assert_uint_eq(log.n, 5);
    ck_assert(log.time[3] == 10.0 && log.payload[3] == 4);
    ck_assert(log.time[4] == 12.5 && log.payload[4] == 5);
    ck_assert(sim_now(s) == 20.0);
    ck_assert_int_eq(sim_step(s), 0);
    ck_assert_int_eq(sim_failed(s), 0);
    sim_free(s);
}
END_TEST

START_TEST(test_engine_equal_times_run_in_scheduling_order)
{
    sim *s = sim_new(2385, 0);
    event_log log = { 0 };
    for (uint32_t i = 0; i < 20; i++)
        sim_at(s, i % 2 ? 2.385 : 4.77, log_event, &log, i);
    sim_run_until(s, 100);
    ck_assert_uint_eq(log.n, 20);
    for (uint32_t k = 0; k < 10; k++) {
        ck_assert_uint_eq(log.payload[k], 2 * k + 1);        /* the odd ones, at 2.385 */
        ck_assert_uint_eq(log.payload[10 + k], 2 * k);       /* then the even ones */
    }
    sim_free(s);
}
END_TEST

/* A timer that can be cancelled by bumping its generation. */
typedef struct timer {
    uint32_t generation;
    int      fired;
    double   fired_at;
} timer;

static void on_timeout(sim *s, void *target, uint64_t arg)
{
    timer *t = target;
    if (sim_gen_of(arg) != t->generation)
        return;   /* cancelled */
    ck_assert_uint_eq(sim_payload_of(arg), 0xfffffff7u);
    t->fired++;
    t->fired_at = sim_now(s);
}

static void on_reset(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    timer *t = target;
    t->generation++;
    sim_at(s, sim_now(s) + 5.25, on_timeout, t, sim_gen_pack(t->generation, 0xfffffff7u));
}

START_TEST(test_engine_lazy_cancellation_drops_stale_generations)
{
    ck_assert_uint_eq(sim_gen_of(sim_gen_pack(0xfffffffeu, 0xffffffffu)), 0xfffffffeu);
    ck_assert_uint_eq(sim_payload_of(sim_gen_pack(0xfffffffeu, 0xffffffffu)), 0xffffffffu);

    sim *s = sim_new(2385, 0);
    timer t = { .generation = 0 };
    sim_at(s, 5.0, on_timeout, &t, sim_gen_pack(0, 0xfffffff7u));
    sim_at(s, 3.0, on_reset, &t, 0);      /* cancels the timeout at 5, re-arms it at 8.25 */
    sim_run_until(s, 30.0);
    ck_assert_int_eq(t.fired, 1);
    ck_assert(t.fired_at == 8.25);
    ck_assert_uint_eq(t.generation, 1);
    ck_assert_uint_eq(sim_events_run(s), 3);   /* the stale event was popped, and ignored */
    sim_free(s);
}
END_TEST

static void schedule_in_the_past(sim *s, void *target, uint64_t arg)
{
    (void)arg;
    sim_at(s, sim_now(s) - 2.5, log_event, target, 99);
}

START_TEST(test_engine_clamps_past_events_to_now)
{
    sim *s = sim_new(2385, 0);
    event_log log = { 0 };
    sim_at(s, 4.0, schedule_in_the_past, &log, 0);
    sim_at(s, 4.0, log_event, &log, 1);
    sim_at(s, 6.5, log_event, &log, 2);
    sim_run_until(s, 8.0);
    ck_assert_uint_eq(log.n, 3);
    /* The event scheduled for 1.5 ran at 4, after the event already pending at 4. */
    ck_assert(log.time[0] == 4.0 && log.payload[0] == 1);
    ck_assert(log.time[1] == 4.0 && log.payload[1] == 99);
    ck_assert(log.time[2] == 6.5 && log.payload[2] == 2);

    /* After run_until the clock is at t_end, so an earlier time is clamped to t_end. */
    sim_at(s, 7.0, log_event, &log, 3);
    ck_assert_int_eq(sim_step(s), 1);
    ck_assert(log.time[3] == 8.0);
    ck_assert(sim_now(s) == 8.0);
    sim_free(s);
}
END_TEST

/* ---- RNG streams ----------------------------------------------------------- */

/* Number of positions among the first n outputs where a and b agree. */
static size_t agreeing_outputs(gsl_rng *a, gsl_rng *b, size_t n)
{
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        same += gsl_rng_get(a) == gsl_rng_get(b);
    return same;
}

START_TEST(test_rng_same_seed_replication_name_gives_same_sequence)
{
    gsl_rng *a = rng_stream_alloc(2385, 3, "arrivals");
    gsl_rng *b = rng_stream_alloc(2385, 3, "arrivals");
    ck_assert_uint_eq(agreeing_outputs(a, b, 10000), 10000);
    rng_stream_free(a);
    rng_stream_free(b);

    sim *s1 = sim_new(2385, 3), *s2 = sim_new(2385, 3);
    gsl_rng *r1 = sim_stream(s1, "arrivals");
    ck_assert_ptr_eq(sim_stream(s1, "arrivals"), r1);   /* one stream per name */
    ck_assert_uint_eq(agreeing_outputs(r1, sim_stream(s2, "arrivals"), 10000), 10000);
    sim_free(s1);
    sim_free(s2);
}
END_TEST

START_TEST(test_rng_different_name_replication_or_seed_gives_different_sequence)
{
    static const struct { uint64_t seed; uint32_t rep; const char *name; } variants[] = {
        { 2385, 3, "arrivals" }, { 2385, 3, "arrivalz" }, { 2385, 3, "service" },
        { 2385, 3, "ab" },       { 2385, 3, "ba" },       { 2385, 4, "arrivals" },
        { 2385, 2, "arrivals" }, { 2386, 3, "arrivals" }, { 0, 3, "arrivals" },
        { 0, 0, "" },            { 1, 0, "" },            { 0, 1, "" },
    };
    const size_t n = sizeof variants / sizeof *variants;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            ck_assert_msg(rng_stream_seed(variants[i].seed, variants[i].rep, variants[i].name) !=
                              rng_stream_seed(variants[j].seed, variants[j].rep, variants[j].name),
                          "variants %zu and %zu share a seed", i, j);
            gsl_rng *a = rng_stream_alloc(variants[i].seed, variants[i].rep, variants[i].name);
            gsl_rng *b = rng_stream_alloc(variants[j].seed, variants[j].rep, variants[j].name);
            /* Two unrelated 32-bit sequences agree at one of 64 places with p ~ 1.5e-8. */
            ck_assert_msg(agreeing_outputs(a, b, 64) == 0, "variants %zu and %zu agree", i, j);
            rng_stream_free(a);
            rng_stream_free(b);
        }
}
END_TEST

/* Pearson correlation of n paired uniforms from a and b. */
static double paired_correlation(gsl_rng *a, gsl_rng *b, size_t n)
{
    double *x = test_alloc(n, sizeof *x), *y = test_alloc(n, sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = gsl_rng_uniform(a);
        y[i] = gsl_rng_uniform(b);
    }
    double mx, my, vx, vy, sxy = 0;
    two_pass(x, n, &mx, &vx);
    two_pass(y, n, &my, &vy);
    for (size_t i = 0; i < n; i++)
        sxy += (x[i] - mx) * (y[i] - my);
    free(x);
    free(y);
    return sxy / (double)(n - 1) / sqrt(vx * vy);
}

START_TEST(test_rng_streams_are_uncorrelated)
{
    /* Under independence r is about N(0, 1/n); 4/sqrt(n) is a 4-SE bound. Pairs that
     * differ in one thing only: the name, one letter of the name, the seed, the replication. */
    static const struct { uint64_t seed_a, seed_b; uint32_t rep_a, rep_b; const char *a, *b; } pairs[] = {
        { 2385, 2385, 0, 0, "arrivals", "service" },
        { 2385, 2385, 0, 0, "fn1", "fn2" },
        { 2385, 2386, 0, 0, "arrivals", "arrivals" },
        { 2385, 2385, 0, 1, "arrivals", "arrivals" },
        { 2385, 2385, 7, 8, "function.fn.duration", "function.fn.duration" },
        { 2385, 2385, 3, 3, "function.a.duration", "function.b.duration" },
        { 0, 1, 0, 0, "", "" },
    };
    size_t n = sample_size(100000);
    double bound = 4.0 / sqrt((double)n);
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        gsl_rng *a = rng_stream_alloc(pairs[i].seed_a, pairs[i].rep_a, pairs[i].a);
        gsl_rng *b = rng_stream_alloc(pairs[i].seed_b, pairs[i].rep_b, pairs[i].b);
        double r = paired_correlation(a, b, n);
        ck_assert_msg(fabs(r) < bound, "pair %zu: correlation %g, bound %g", i, r, bound);
        rng_stream_free(a);
        rng_stream_free(b);
    }
}
END_TEST

START_TEST(test_rng_new_stream_does_not_shift_another)
{
    sim *plain = sim_new(2385, 1), *extra = sim_new(2385, 1);
    gsl_rng *p = sim_stream(plain, "arrivals");
    double first[1000];
    for (size_t i = 0; i < 1000; i++)
        first[i] = gsl_rng_uniform(p);

    /* Same stream, but another one is created first and both are drawn interleaved. */
    gsl_rng *cold = sim_stream(extra, "cold_starts");
    for (size_t i = 0; i < 500; i++)
        gsl_rng_uniform(cold);
    gsl_rng *q = sim_stream(extra, "arrivals");
    for (size_t i = 0; i < 1000; i++) {
        gsl_rng_uniform(sim_stream(extra, i % 3 ? "cold_starts" : "retries"));
        ck_assert_msg(gsl_rng_uniform(q) == first[i], "draw %zu differs", i);
    }
    sim_free(plain);
    sim_free(extra);
}
END_TEST

/* Draws `n` numbers from a (through rng.h's inline calls) and b (through GSL's calls), in
 * the same order of kinds, and counts the draws that differ. */
static size_t inline_draws_differing_from_gsl(gsl_rng *a, gsl_rng *b, size_t n)
{
    static const unsigned long ranges[] = { 1, 2, 3, 7, 100, 1000003, 0x80000000ul, 0xfffffffful };
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        switch (i % 5) {
        case 0: differ += rng_get(a) != gsl_rng_get(b); break;
        case 1: differ += rng_uniform(a) != gsl_rng_uniform(b); break;
        case 2: differ += rng_uniform_pos(a) != gsl_rng_uniform_pos(b); break;
        case 3: {
            unsigned long range = ranges[(i / 5) % (sizeof ranges / sizeof *ranges)];
            differ += rng_uniform_int(a, range) != gsl_rng_uniform_int(b, range);
            break;
        }
        default: differ += rng_exponential(a, 2.385) != -2.385 * log(gsl_rng_uniform_pos(b)); break;
        }
    }
    return differ;
}

/* xoshiro256++ and splitmix64 as the authors publish them (prng.di.unimi.it:
 * xoshiro256plusplus.c, splitmix64.c), transcribed here on their own so that the tests
 * compare sim/rng.c with an independent copy rather than with itself. */
static uint64_t reference_rotl(const uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t reference_next(uint64_t s[4])
{
    const uint64_t result = reference_rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = reference_rotl(s[3], 45);
    return result;
}

static uint64_t reference_splitmix64_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
}

START_TEST(test_rng_xoshiro256pp_gives_the_published_outputs)
{
    /* From the state {1, 2, 3, 4}: the first ten outputs of the reference code, as
     * published with rust-random's rand_xoshiro (src/xoshiro256plusplus.rs, test
     * "reference"), and as the transcription above gives them. */
    static const uint64_t published[10] = {
        41943041ull, 58720359ull, 3588806011781223ull, 3591011842654386ull,
        9228616714210784205ull, 9973669472204895162ull, 14011001112246962877ull,
        12406186145184390807ull, 15849039046786891736ull, 10450023813501588000ull,
    };
    rng_xoshiro_state ours = { { 1, 2, 3, 4 } };
    uint64_t theirs[4] = { 1, 2, 3, 4 };
    for (size_t i = 0; i < 10; i++) {
        ck_assert_msg(reference_next(theirs) == published[i], "reference output %zu", i);
        uint64_t x = rng_xoshiro_next(&ours);
        ck_assert_msg(x == published[i], "output %zu: %llu, published %llu", i,
                      (unsigned long long)x, (unsigned long long)published[i]);
    }
    /* A stream: its state is splitmix64's first four outputs from its 64-bit seed; then
     * get is the upper 32 bits of each output and get_double its upper 53 times 2^-53. */
    gsl_rng *r = rng_stream_alloc(2385, 3, "function.fn.duration");
    ck_assert(r && r->type == &rng_xoshiro256pp);
    uint64_t x = rng_stream_seed(2385, 3, "function.fn.duration"), s[4];
    for (size_t i = 0; i < 4; i++)
        s[i] = reference_splitmix64_next(&x);
    ck_assert(memcmp(s, r->state, sizeof s) == 0);
    size_t n = sample_size(1000000);
    for (size_t i = 0; i < n; i++) {
        uint64_t want = reference_next(s);
        if (i % 2 == 0)
            ck_assert_msg(gsl_rng_get(r) == want >> 32, "draw %zu", i);
        else
            ck_assert_msg(gsl_rng_uniform(r) == (double)(want >> 11) / 9007199254740992.0, "draw %zu", i);
    }
    ck_assert_uint_eq(gsl_rng_max(r), 0xfffffffful);
    ck_assert_uint_eq(gsl_rng_min(r), 0);
    rng_stream_free(r);
    /* gsl_rng_set seeds as a stream is seeded, 0 included (a state of splitmix64's words,
     * never all zero). */
    gsl_rng *g = gsl_rng_alloc(&rng_xoshiro256pp);
    ck_assert(g);
    gsl_rng_set(g, 0);
    x = 0;
    for (size_t i = 0; i < 4; i++)
        s[i] = reference_splitmix64_next(&x);
    ck_assert(memcmp(s, g->state, sizeof s) == 0);
    ck_assert(s[0] | s[1] | s[2] | s[3]);
    gsl_rng_free(g);
}
END_TEST

START_TEST(test_rng_inline_draws_equal_gsl_calls_on_the_same_generator)
{
    /* Edge seeds and hashed stream seeds; rng.h's inline draws on one generator against
     * GSL's calls (gsl_rng_get, gsl_rng_uniform, ...) on another of the same type and seed. */
    unsigned long seeds[16] = { 0, 1, 2385, 0xfffffffful, 0x100000000ul, 0xfffffffffffffffful };
    for (size_t i = 6; i < 16; i++)
        seeds[i] = (unsigned long)rng_stream_seed(2385, (uint32_t)i, "arrivals");
    size_t draws = sample_size(1000003);
    gsl_rng *ours = gsl_rng_alloc(&rng_xoshiro256pp), *theirs = gsl_rng_alloc(&rng_xoshiro256pp);
    ck_assert(ours && theirs);
    for (size_t i = 0; i < 16; i++) {
        gsl_rng_set(ours, seeds[i]);
        gsl_rng_set(theirs, seeds[i]);
        size_t differ = inline_draws_differing_from_gsl(ours, theirs, draws);
        ck_assert_msg(differ == 0, "seed %lu: %zu of %zu draws differ", seeds[i], differ, draws);
    }
    /* A stream as the simulation opens it, against gsl_rng_set with its 64-bit seed. */
    gsl_rng *stream = rng_stream_alloc(2385, 3, "function.fn.duration");
    ck_assert(stream);
    gsl_rng_set(theirs, (unsigned long)rng_stream_seed(2385, 3, "function.fn.duration"));
    ck_assert(inline_draws_differing_from_gsl(stream, theirs, 100000) == 0);
    /* GSL's own functions take a stream through its get and get_double. */
    gsl_rng *copy = rng_stream_alloc(2385, 3, "function.fn.duration");
    ck_assert(copy);
    gsl_rng_set(theirs, (unsigned long)rng_stream_seed(2385, 3, "function.fn.duration"));
    for (size_t i = 0; i < 100000; i++) {
        ck_assert(gsl_ran_gaussian_ziggurat(copy, 1.0) == gsl_ran_gaussian_ziggurat(theirs, 1.0));
        ck_assert(gsl_ran_gamma(copy, 0.7, 2.385) == gsl_ran_gamma(theirs, 0.7, 2.385));
        ck_assert(rng_uniform_int(copy, 1000) == gsl_rng_uniform_int(theirs, 1000));
    }
    rng_stream_free(copy);
    rng_stream_free(stream);
    gsl_rng_free(ours);
    gsl_rng_free(theirs);
}
END_TEST

START_TEST(test_rng_uniform_draws_have_the_uniform_mean_variance_and_cells)
{
    /* Per stream, n draws of rng_uniform: the mean within 4 SE of 1/2 (SE sqrt(1/12n)),
     * the variance within 4 SE of 1/12 (Var (U - 1/2)^2 = 1/80 - 1/144 = 1/180, so SE
     * sqrt(1/180n)); and a chi-square over 64 equal cells, for the uniforms and for the
     * lowest 6 bits of rng_get, below its 1 - 1e-4 quantile at 63 degrees of freedom. */
    static const char *const names[] = { "arrivals", "function.fn.duration", "a", "b" };
    size_t n = sample_size(1000000);
    double limit = gsl_cdf_chisq_Qinv(1e-4, 63);
    double *x = test_alloc(n, sizeof *x);
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        gsl_rng *r = rng_stream_alloc(2385, (uint32_t)k, names[k]);
        ck_assert(r);
        double cells[64] = { 0 }, low[64] = { 0 };
        for (size_t i = 0; i < n; i++) {
            x[i] = rng_uniform(r);
            cells[(size_t)(x[i] * 64)]++;
            low[rng_get(r) & 63]++;
        }
        double mean, variance;
        two_pass(x, n, &mean, &variance);
        ck_assert_msg(fabs(mean - 0.5) < 4 * sqrt(1.0 / 12 / (double)n), "%s: mean %g", names[k], mean);
        ck_assert_msg(fabs(variance - 1.0 / 12) < 4 * sqrt(1.0 / 180 / (double)n), "%s: variance %g",
                      names[k], variance);
        double chi = 0, chi_low = 0, expect = (double)n / 64;
        for (size_t c = 0; c < 64; c++) {
            chi += (cells[c] - expect) * (cells[c] - expect) / expect;
            chi_low += (low[c] - expect) * (low[c] - expect) / expect;
        }
        ck_assert_msg(chi < limit, "%s: chi-square %g over 64 cells, limit %g", names[k], chi, limit);
        ck_assert_msg(chi_low < limit, "%s: low bits' chi-square %g, limit %g", names[k], chi_low, limit);
        rng_stream_free(r);
    }
    free(x);
}
END_TEST

START_TEST(test_rng_inline_draws_on_another_generator_type_call_gsl)
{
    gsl_rng *a = gsl_rng_alloc(gsl_rng_taus2), *b = gsl_rng_alloc(gsl_rng_taus2);
    ck_assert(a && b);
    gsl_rng_set(a, 2385);
    gsl_rng_set(b, 2385);
    ck_assert(inline_draws_differing_from_gsl(a, b, 100000) == 0);
    gsl_rng_free(a);
    gsl_rng_free(b);
}
END_TEST

START_TEST(test_rng_stream_is_one_cache_line)
{
    /* The gsl_rng and its 32 bytes of state in one 64-byte block on a 64-byte boundary. */
    sim *s = sim_new(2385, 0);
    ck_assert(s);
    gsl_rng *streams[3] = { rng_stream_alloc(2385, 0, "arrivals"), sim_stream(s, "arrivals"),
                            sim_stream(s, "function.fn.duration") };
    for (size_t i = 0; i < 3; i++) {
        gsl_rng *r = streams[i];
        ck_assert(r && r->type == &rng_xoshiro256pp);
        ck_assert_uint_eq(gsl_rng_size(r), 32);
        uintptr_t at = (uintptr_t)r, state = (uintptr_t)r->state;
        ck_assert_uint_eq(at % 64, 0);
        ck_assert(state >= at + sizeof *r && state + 32 <= at + 64);
    }
    rng_stream_free(streams[0]);
    sim_free(s);
}
END_TEST

/* ---- distributions --------------------------------------------------------- */

/* Parses the distribution JSON text `value` (as {"d": value}) with dist_parse. */
static dist parse_dist(const char *value)
{
    char text[1024];
    int k = snprintf(text, sizeof text, "{\"d\": %s}", value);
    ck_assert(k > 0 && (size_t)k < sizeof text);
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, "dist.json");
    cJSON *in = cfg_parse_text(&ctx, text, strlen(text));
    ck_assert_msg(in != NULL, "%s", ctx.message);
    cJSON *out = cJSON_CreateObject();
    cfg_node root;
    cfg_root(&root, &ctx, in, out);
    dist d;
    int rc = dist_parse(&root, "d", NULL, 1e9, &d);
    cfg_done(&root);
    ck_assert_msg(rc == 0 && !cfg_failed(&root), "%s: %s", value, ctx.message);
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(out, "d"));   /* resolved form */
    cJSON_Delete(in);
    cJSON_Delete(out);
    return d;
}

/* n draws of d from a stream named label; caller frees. */
static double *draw(const dist *d, const char *label, size_t n)
{
    gsl_rng *r = rng_stream_alloc(2385, 0, label);
    double *x = test_alloc(n, sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = dist_sample(d, r);
    rng_stream_free(r);
    return x;
}

/* dist_mean equals the closed form, and the mean of 200k draws is within 4 standard
 * errors of it; every draw lies in [lo, hi]. */
static void check_mean(const char *label, const dist *d, double closed_form, double lo, double hi)
{
    ck_assert_msg(fabs(dist_mean(d) - closed_form) <= 1e-9 * fabs(closed_form),
                  "%s: dist_mean %.12g, closed form %.12g", label, dist_mean(d), closed_form);
    size_t n = sample_size(200000);
    double *x = draw(d, label, n);
    size_t outside = 0, first_outside = 0;    /* counted, since each check assertion costs a write */
    for (size_t i = n; i-- > 0;)
        if (!(x[i] >= lo && x[i] <= hi)) {
            outside++;
            first_outside = i;
        }
    ck_assert_msg(outside == 0, "%s: %zu draws outside [%g, %g], such as %g", label, outside, lo, hi,
                  x[first_outside]);
    double mean, variance;
    two_pass(x, n, &mean, &variance);
    double se = sqrt(variance / (double)n);
    ck_assert_msg(se > 0, "%s: no variation", label);
    ck_assert_msg(fabs(mean - closed_form) <= 4 * se, "%s: sample mean %.6g, expected %.6g, 4 SE = %.3g",
                  label, mean, closed_form, 4 * se);
    free(x);
}

START_TEST(test_dist_constant_always_returns_its_value)
{
    dist bare = parse_dist("120.5"), object = parse_dist("{\"dist\": \"constant\", \"value\": 37.25}");
    gsl_rng *r = rng_stream_alloc(2385, 0, "constant");
    for (int i = 0; i < 1000; i++) {
        ck_assert(dist_sample(&bare, r) == 120.5);
        ck_assert(dist_sample(&object, r) == 37.25);
    }
    ck_assert(dist_mean(&bare) == 120.5 && dist_mean(&object) == 37.25);
    rng_stream_free(r);
    dist_free(&bare);
    dist_free(&object);
}
END_TEST

START_TEST(test_dist_uniform_mean)
{
    dist d = parse_dist("{\"dist\": \"uniform\", \"min\": 12.5, \"max\": 238.5}");
    check_mean("uniform", &d, 0.5 * (12.5 + 238.5), 12.5, 238.5);
    dist_free(&d);
}
END_TEST

START_TEST(test_dist_exponential_mean)
{
    dist d = parse_dist("{\"dist\": \"exponential\", \"mean\": 73.85}");
    check_mean("exponential", &d, 73.85, 0, INFINITY);
    dist c = dist_exponential(2.385);
    check_mean("exponential-direct", &c, 2.385, 0, INFINITY);
    dist_free(&c);
    dist_free(&d);
}
END_TEST

/* Mean of N(mu, sd^2) truncated to [0, inf): mu + sd phi(a) / (1 - Phi(a)), a = -mu/sd. */
static double truncated_normal_mean(double mu, double sd)
{
    double a = -mu / sd;
    return mu + sd * normal_density(a) / normal_upper_tail(a);
}

START_TEST(test_dist_normal_is_truncated_at_zero)
{
    /* Mean close to 0: about 43% of the untruncated mass is negative, and the truncated
     * mean (about 2.056) is five times mu. Sampling must reject, not clip to 0. */
    dist d = parse_dist("{\"dist\": \"normal\", \"mean\": 0.4, \"sd\": 2.385}");
    double expected = truncated_normal_mean(0.4, 2.385);
    ck_assert_msg(expected > 2.0 && expected < 2.1, "closed form %g", expected);
    check_mean("normal-near-zero", &d, expected, 0, INFINITY);

    size_t n = sample_size(200000), zeros = 0;
    double *x = draw(&d, "normal-near-zero", n);
    for (size_t i = 0; i < n; i++)
        zeros += x[i] == 0.0;
    ck_assert_uint_eq(zeros, 0);
    free(x);
    dist_free(&d);

    /* Far from 0 the truncation is negligible: the mean is mu. */
    dist far = parse_dist("{\"dist\": \"normal\", \"mean\": 120.5, \"sd\": 30.25}");
    check_mean("normal-far", &far, truncated_normal_mean(120.5, 30.25), 0, INFINITY);
    /* mu + 30.25 phi(3.98) / Q(3.98), about mu + 0.0043 */
    ck_assert(dist_mean(&far) > 120.5 && dist_mean(&far) < 120.505);
    dist_free(&far);
}
END_TEST

START_TEST(test_dist_lognormal_by_mean_and_sd)
{
    dist d = parse_dist("{\"dist\": \"lognormal\", \"mean\": 120.5, \"sd\": 80.25}");
    check_mean("lognormal-mean-sd", &d, 120.5, 0, INFINITY);

    /* The sample standard deviation also matches; its SE for a lognormal needs the
     * fourth moment: Var(s^2) ~ (mu4 - sigma^4) / n. */
    size_t n = sample_size(200000);
    double *x = draw(&d, "lognormal-mean-sd", n);
    double mean, variance;
    two_pass(x, n, &mean, &variance);
    double m4 = 0;
    for (size_t i = 0; i < n; i++)
        m4 += pow(x[i] - mean, 4);
    m4 /= (double)n;
    double se_var = sqrt((m4 - variance * variance) / (double)n);
    ck_assert_msg(fabs(variance - 80.25 * 80.25) <= 4 * se_var, "variance %g, expected %g, 4 SE %g",
                  variance, 80.25 * 80.25, 4 * se_var);
    free(x);
    dist_free(&d);
}
END_TEST

START_TEST(test_dist_lognormal_by_median_and_p99)
{
    const double median = 100.7, p99 = 812.4;
    dist d = parse_dist("{\"dist\": \"lognormal\", \"median\": 100.7, \"p99\": 812.4}");
    double z99 = gsl_cdf_ugaussian_Pinv(0.99), sigma = log(p99 / median) / z99;
    check_mean("lognormal-median-p99", &d, median * exp(0.5 * sigma * sigma), 0, INFINITY);

    /* Sample quantiles: SE of the q-quantile is sqrt(q (1-q) / n) / f(x_q); for a
     * lognormal f(x_q) = phi(z_q) / (x_q sigma), so the relative SE is
     * sqrt(q (1-q) / n) sigma / phi(z_q). With 200k draws 4 SE is about 3% at p99. */
    size_t n = sample_size(200000);
    double *x = draw(&d, "lognormal-median-p99", n);
    qsort(x, n, sizeof *x, compare_doubles);
    static const double qs[] = { 0.5, 0.99 };
    const double targets[] = { median, p99 };
    for (size_t i = 0; i < 2; i++) {
        double q = qs[i], z = gsl_cdf_ugaussian_Pinv(q);
        double rel_se = sqrt(q * (1 - q) / (double)n) * sigma / normal_density(z);
        double got = sorted_quantile(x, n, q);
        ck_assert_msg(fabs(got / targets[i] - 1) <= 4 * rel_se,
                      "q=%g: sample quantile %g, expected %g, 4 relative SE %.3g", q, got, targets[i],
                      4 * rel_se);
    }
    if (!test_quick())
        ck_assert_msg(4 * sqrt(0.99 * 0.01 / (double)n) * sigma / normal_density(z99) < 0.04,
                      "the p99 tolerance should be a few percent at 200k draws");
    free(x);
    dist_free(&d);

    dist direct = dist_lognormal_median_p99(median, p99);
    ck_assert(fabs(dist_mean(&direct) - median * exp(0.5 * sigma * sigma)) < 1e-9 * median);
}
END_TEST

START_TEST(test_dist_gamma_by_mean_and_cv)
{
    dist d = parse_dist("{\"dist\": \"gamma\", \"mean\": 48.35, \"cv\": 0.615}");
    check_mean("gamma", &d, 48.35, 0, INFINITY);

    /* The coefficient of variation also matches: the SE of the sample variance is
     * sqrt((m4 - s^4) / n). */
    size_t n = sample_size(200000);
    double *x = draw(&d, "gamma", n);
    double mean, variance, m4 = 0;
    two_pass(x, n, &mean, &variance);
    for (size_t i = 0; i < n; i++)
        m4 += pow(x[i] - mean, 4);
    m4 /= (double)n;
    double expected = pow(0.615 * 48.35, 2), se_var = sqrt((m4 - variance * variance) / (double)n);
    ck_assert_msg(fabs(variance - expected) <= 4 * se_var, "variance %g, expected %g, 4 SE %g",
                  variance, expected, 4 * se_var);
    free(x);
    dist_free(&d);
}
END_TEST

START_TEST(test_dist_weibull_mean)
{
    dist d = parse_dist("{\"dist\": \"weibull\", \"shape\": 1.385, \"scale\": 130.5}");
    check_mean("weibull", &d, 130.5 * tgamma(1.0 + 1.0 / 1.385), 0, INFINITY);
    dist_free(&d);
}
END_TEST

START_TEST(test_dist_pareto_mean)
{
    /* shape > 4 so the fourth moment is finite too, which the SE from the sample
     * variance needs to be a reliable yardstick. */
    dist d = parse_dist("{\"dist\": \"pareto\", \"shape\": 4.385, \"scale\": 50.25}");
    check_mean("pareto", &d, 4.385 * 50.25 / (4.385 - 1.0), 50.25, INFINITY);
    dist_free(&d);
}
END_TEST

START_TEST(test_dist_empirical_interpolates_its_percentile_table)
{
    dist d = parse_dist("{\"dist\": \"empirical\", \"percentiles\": "
                        "[[0, 20.5], [50, 100.25], [99, 700.5], [100, 1500.75]]}");
    /* By hand, segment by segment (fraction x mid value):
     * 0.50 x 60.375 + 0.49 x 400.375 + 0.01 x 1100.625 = 237.3775 */
    check_mean("empirical", &d, 237.3775, 20.5, 1500.75);

    /* The table's points are quantiles: half the draws are at most 100.25 and 99% at
     * most 700.5 (binomial SE sqrt(p (1-p) / n)). */
    size_t n = sample_size(200000), below_median = 0, below_p99 = 0;
    double *x = draw(&d, "empirical", n);
    for (size_t i = 0; i < n; i++) {
        below_median += x[i] <= 100.25;
        below_p99 += x[i] <= 700.5;
    }
    double fm = (double)below_median / (double)n, f99 = (double)below_p99 / (double)n;
    ck_assert_msg(fabs(fm - 0.5) <= 4 * sqrt(0.25 / (double)n), "fraction below median %g", fm);
    ck_assert_msg(fabs(f99 - 0.99) <= 4 * sqrt(0.99 * 0.01 / (double)n), "fraction below p99 %g", f99);
    free(x);
    dist_free(&d);
}
END_TEST

START_TEST(test_dist_mixture_mean_weights_parts)
{
    /* Weights that do not add up to 1 are normalised: 2.5 / 4 and 1.5 / 4. */
    dist d = parse_dist("{\"dist\": \"mixture\", \"parts\": ["
                        "{\"weight\": 2.5, \"dist\": {\"dist\": \"gamma\", \"mean\": 48.35, \"cv\": 0.615}},"
                        "{\"weight\": 1.5, \"dist\": {\"dist\": \"lognormal\", \"median\": 100.7, \"p99\": 812.4}}]}");
    double sigma = log(812.4 / 100.7) / gsl_cdf_ugaussian_Pinv(0.99);
    double lognormal_mean = 100.7 * exp(0.5 * sigma * sigma);
    check_mean("mixture", &d, (2.5 * 48.35 + 1.5 * lognormal_mean) / 4.0, 0, INFINITY);

    /* A deep copy samples identically and outlives the original. */
    dist copy;
    ck_assert_int_eq(dist_copy(&copy, &d), 0);
    gsl_rng *a = rng_stream_alloc(2385, 0, "mixture-copy"), *b = rng_stream_alloc(2385, 0, "mixture-copy");
    double expected[100];
    for (int i = 0; i < 100; i++)
        expected[i] = dist_sample(&d, a);
    dist_free(&d);
    for (int i = 0; i < 100; i++)
        ck_assert(dist_sample(&copy, b) == expected[i]);
    rng_stream_free(a);
    rng_stream_free(b);
    dist_free(&copy);
}
END_TEST

/* ---- histogram ------------------------------------------------------------- */

START_TEST(test_hist_buckets_are_contiguous_and_narrow)
{
    for (size_t i = 0; i + 1 < HIST_BUCKETS; i++)
        ck_assert_msg(hist_bucket_upper(i) == hist_bucket_lower(i + 1),
                      "bucket %zu ends at %a, bucket %zu starts at %a", i, hist_bucket_upper(i), i + 1,
                      hist_bucket_lower(i + 1));
    ck_assert(hist_bucket_lower(0) == 0.0);
    for (size_t i = 1; i < HIST_BUCKETS; i++) {
        double lo = hist_bucket_lower(i), hi = hist_bucket_upper(i);
        ck_assert_msg(hi > lo && (hi - lo) / lo <= 1.0 / 64, "bucket %zu: [%g, %g)", i, lo, hi);
        /* Each bucket holds its own range: its lower bound and the largest double below
         * its upper bound map to it. */
        ck_assert_uint_eq(hist_bucket_of(lo), i);
        if (i + 1 < HIST_BUCKETS)
            ck_assert_uint_eq(hist_bucket_of(nextafter(hi, 0)), i);
    }
    ck_assert_uint_eq(hist_bucket_of(0.0), 0);
    ck_assert_uint_eq(hist_bucket_of(1e12), HIST_BUCKETS - 1);   /* overflow bucket */
}
END_TEST

/* Adds x[0..n) to a histogram and checks its quantiles against the sorted samples. */
static void check_quantiles(const char *label, double *x, size_t n)
{
    hist *h = test_alloc(1, sizeof *h);
    hist_init(h);
    for (size_t i = 0; i < n; i++)
        hist_add(h, x[i]);
    qsort(x, n, sizeof *x, compare_doubles);
    static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        double exact = sorted_quantile(x, n, qs[i]), got = hist_quantile(h, qs[i]);
        /* Documented bound: a bucket midpoint is within 1/128 of any value in it (< 1%). */
        ck_assert_msg(fabs(got - exact) <= exact / 128.0 * (1 + 1e-12),
                      "%s q=%g: histogram %.8g, exact %.8g (relative error %.3g)", label, qs[i], got,
                      exact, fabs(got / exact - 1));
    }
    ck_assert(hist_quantile(h, 0.0) == x[0]);
    ck_assert(hist_quantile(h, 1.0) == x[n - 1]);
    ck_assert_uint_eq(h->count, n);
    free(h);
}

START_TEST(test_hist_quantiles_within_one_percent_on_lognormal)
{
    /* Median 100, sigma 2.5: the samples span from about 1e-3 to 1e7. */
    size_t n = sample_size(200000);
    gsl_rng *r = rng_stream_alloc(2385, 0, "hist-lognormal");
    double *x = test_alloc(n, sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = gsl_ran_lognormal(r, log(100.0), 2.5);
    check_quantiles("lognormal", x, n);
    ck_assert_msg(x[n - 1] / x[n / 1000] > 1e6, "samples should span several decades");
    free(x);
    rng_stream_free(r);
}
END_TEST

START_TEST(test_hist_quantiles_within_one_percent_on_uniform)
{
    size_t n = sample_size(200000);
    gsl_rng *r = rng_stream_alloc(2385, 0, "hist-uniform");
    double *x = test_alloc(n, sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = gsl_ran_flat(r, 2.385, 9385.5);
    check_quantiles("uniform", x, n);
    free(x);
    rng_stream_free(r);
}
END_TEST

START_TEST(test_hist_merge_of_halves_equals_whole)
{
    size_t n = sample_size(100000);
    gsl_rng *r = rng_stream_alloc(2385, 0, "hist-merge");
    hist *whole = test_alloc(1, sizeof *whole), *first = test_alloc(1, sizeof *first);
    hist *second = test_alloc(1, sizeof *second);
    hist_init(whole);
    hist_init(first);
    hist_init(second);
    for (size_t i = 0; i < n; i++) {
        double x = gsl_ran_lognormal(r, log(250.0), 1.385);
        hist_add(whole, x);
        hist_add(i < n / 2 ? first : second, x);
    }
    hist_merge(first, second);
    ck_assert_uint_eq(first->count, whole->count);
    ck_assert(memcmp(first->bucket, whole->bucket, sizeof whole->bucket) == 0);
    ck_assert(first->min == whole->min && first->max == whole->max);
    ck_assert(fabs(first->sum - whole->sum) <= 1e-12 * whole->sum);
    ck_assert(fabs(hist_mean(first) - hist_mean(whole)) <= 1e-12 * hist_mean(whole));
    for (double q = 0; q <= 1.0; q += 0.0625)
        ck_assert(hist_quantile(first, q) == hist_quantile(whole, q));

    /* Merging into an empty histogram copies. */
    hist_init(second);
    hist_merge(second, whole);
    ck_assert(second->min == whole->min && second->max == whole->max);
    ck_assert(memcmp(second->bucket, whole->bucket, sizeof whole->bucket) == 0);
    free(whole);
    free(first);
    free(second);
    rng_stream_free(r);
}
END_TEST

/* Whether a and b hold the same figures, field by field (sum bit for bit). */
static bool hist_same(const hist *a, const hist *b)
{
    return a->count == b->count && a->sum == b->sum && a->min == b->min && a->max == b->max &&
           memcmp(a->bucket, b->bucket, sizeof a->bucket) == 0;
}

START_TEST(test_hist_small_equals_hist_of_the_same_observations)
{
    size_t n = sample_size(100000);
    gsl_rng *r = rng_stream_alloc(2385, 0, "hist-small");
    hist *full = test_alloc(1, sizeof *full), *got = test_alloc(1, sizeof *got);
    hist_small small;
    hist_init(full);
    hist_small_init(&small);
    hist_small_expand(&small, got);                 /* empty: an empty hist */
    ck_assert(hist_same(got, full));
    ck_assert_ptr_null(small.store);                /* nothing made before the first observation */

    /* The window: one grain for one value, widened down and up to the grains between. */
    hist_small win;
    hist_small_init(&win);
    hist *one = test_alloc(1, sizeof *one);
    hist_init(one);
    const double xs[] = { 100.0, 100.5, 3.0, 5000.0, 0.0 };
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
        hist_add(one, xs[i]);
        ck_assert_int_eq(hist_small_add(&win, xs[i]), 0);
        size_t lo = hist_bucket_of(xs[i]) / HIST_GRAIN;
        ck_assert_uint_le(win.lo_grain, lo);
        ck_assert_uint_gt((size_t)win.lo_grain + win.n_grains, lo);
        if (i == 0)
            ck_assert_uint_eq(win.n_grains, 1);
    }
    /* 0 ms to 5 s: exactly the grains from the lowest value's to the highest's. */
    ck_assert_uint_eq(win.lo_grain, hist_bucket_of(0.0) / HIST_GRAIN);
    ck_assert_uint_eq(win.n_grains, hist_bucket_of(5000.0) / HIST_GRAIN - hist_bucket_of(0.0) / HIST_GRAIN + 1);
    ck_assert_uint_lt(win.n_grains, HIST_GRAINS);
    hist_small_expand(&win, got);
    ck_assert(hist_same(got, one));
    /* prepare (the batched adds fetch each bucket first) widens the window as add would and
     * counts nothing: prepare then add is add */
    hist_small_free(&win);
    ck_assert_int_eq(hist_small_prepare(&win, 40.0), 0);
    ck_assert_uint_eq(win.count, 0);
    ck_assert_uint_eq(win.n_grains, 1);
    ck_assert_int_eq(hist_small_prepare(&win, 0.001), 0);
    ck_assert_uint_eq(win.lo_grain, hist_bucket_of(0.001) / HIST_GRAIN);
    hist_init(one);
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
        ck_assert_int_eq(hist_small_prepare(&win, xs[i]), 0);
        ck_assert_int_eq(hist_small_add(&win, xs[i]), 0);
        hist_add(one, xs[i]);
    }
    hist_small_expand(&win, got);
    ck_assert(hist_same(got, one));
    hist_small_free(&win);
    free(one);
    for (size_t i = 0; i < n; i++) {
        double x = i % 97 == 0 ? 0.0 : gsl_ran_lognormal(r, log(250.0), 2.385);
        hist_add(full, x);
        ck_assert_int_eq(hist_small_add(&small, x), 0);
    }
    hist_small_expand(&small, got);
    ck_assert(hist_same(got, full));
    for (double q = 0; q <= 1.0; q += 0.0625)
        ck_assert(hist_quantile(got, q) == hist_quantile(full, q));

    /* Set from a hist, then both go on alike. */
    hist_small_set(&small, full);
    for (size_t i = 0; i < 1000; i++) {
        double x = gsl_ran_exponential(r, 2.385);
        hist_add(full, x);
        hist_small_add(&small, x);
    }
    hist_small_expand(&small, got);
    ck_assert(hist_same(got, full));

    /* A bucket past 32 bits: set from such a hist, and a count reaching the limit by adds. */
    full->bucket[hist_bucket_of(2.385)] = (uint64_t)UINT32_MAX + 7;
    hist_small_set(&small, full);
    ck_assert_uint_eq(small.n_grains, HIST_SMALL_WIDE);
    hist_add(full, 2.385);
    hist_small_add(&small, 2.385);
    hist_small_expand(&small, got);
    ck_assert(hist_same(got, full));
    full->bucket[hist_bucket_of(2.385)] = UINT32_MAX - 1;
    hist_small_set(&small, full);
    ck_assert_uint_ne(small.n_grains, HIST_SMALL_WIDE);
    for (int k = 0; k < 3; k++) {
        hist_add(full, 2.385);
        hist_small_add(&small, 2.385);
    }
    ck_assert_uint_eq(small.n_grains, HIST_SMALL_WIDE);
    hist_small_expand(&small, got);
    ck_assert(hist_same(got, full));
    hist_small_free(&small);
    free(full);
    free(got);
    rng_stream_free(r);
}
END_TEST

START_TEST(test_hist_min_max_exact_and_empty_is_zero)
{
    hist *h = test_alloc(1, sizeof *h);
    hist_init(h);
    ck_assert(hist_quantile(h, 0.5) == 0.0 && hist_mean(h) == 0.0);
    static const double values[] = { 17.385, 0.0, 3.0e-5, 912.125, 7.5e9, 2.385 };
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        hist_add(h, values[i]);
    ck_assert(h->min == 0.0 && h->max == 7.5e9);
    ck_assert(hist_quantile(h, 0.0) == 0.0);
    ck_assert(hist_quantile(h, 1.0) == 7.5e9);
    /* The largest value is beyond the last bucket: reported exactly, as the max. */
    ck_assert(hist_quantile(h, 0.99) == 7.5e9);
    /* The smallest values (0 and 3e-5) share the underflow bucket [0, 2^-10), whose
     * resolution is absolute, not relative. */
    ck_assert(hist_quantile(h, 0.01) >= 0.0 && hist_quantile(h, 0.01) < 0x1p-10);
    ck_assert(fabs(hist_mean(h) - (17.385 + 3.0e-5 + 912.125 + 7.5e9 + 2.385) / 6) <= 1e-6);
    free(h);
}
END_TEST

/* ---- tally ----------------------------------------------------------------- */

START_TEST(test_tally_welford_matches_two_pass)
{
    /* A large offset makes a naive sum-of-squares lose every digit; Welford must not. */
    size_t n = sample_size(100000);
    gsl_rng *r = rng_stream_alloc(2385, 0, "tally");
    double *x = test_alloc(n, sizeof *x);
    tally t;
    tally_init(&t);
    for (size_t i = 0; i < n; i++) {
        x[i] = 1.0e6 + gsl_ran_gaussian(r, 2.385);
        tally_add(&t, x[i]);
    }
    double mean, variance, lo = INFINITY, hi = -INFINITY;
    two_pass(x, n, &mean, &variance);
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    ck_assert_uint_eq(t.n, n);
    ck_assert_msg(fabs(t.mean - mean) <= 1e-12 * mean, "mean %.17g vs %.17g", t.mean, mean);
    ck_assert_msg(fabs(tally_variance(&t) - variance) <= 1e-7 * variance, "variance %.17g vs %.17g",
                  tally_variance(&t), variance);
    ck_assert(t.min == lo && t.max == hi);

    tally one;
    tally_init(&one);
    ck_assert(tally_variance(&one) == 0.0);
    tally_add(&one, 2.385);
    ck_assert(tally_variance(&one) == 0.0 && one.mean == 2.385);
    free(x);
    rng_stream_free(r);
}
END_TEST

START_TEST(test_tally_merge_equals_one_tally)
{
    gsl_rng *r = rng_stream_alloc(2385, 0, "tally-merge");
    tally whole, parts[3];
    tally_init(&whole);
    for (int k = 0; k < 3; k++)
        tally_init(&parts[k]);
    /* Unequal parts with different means. */
    static const size_t sizes[3] = { 17, 4000, 385 };
    static const double means[3] = { 2.385, 120.5, 0.0625 };
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizes[k]; i++) {
            double x = means[k] + gsl_ran_gaussian(r, 1.0 + k);
            tally_add(&whole, x);
            tally_add(&parts[k], x);
        }
    tally merged;
    tally_init(&merged);
    tally empty;
    tally_init(&empty);
    tally_merge(&merged, &empty);    /* merging empties changes nothing */
    for (int k = 0; k < 3; k++)
        tally_merge(&merged, &parts[k]);
    tally_merge(&merged, &empty);
    ck_assert_uint_eq(merged.n, whole.n);
    ck_assert(fabs(merged.mean - whole.mean) <= 1e-12 * fabs(whole.mean));
    ck_assert(fabs(tally_variance(&merged) - tally_variance(&whole)) <= 1e-10 * tally_variance(&whole));
    ck_assert(merged.min == whole.min && merged.max == whole.max);
    rng_stream_free(r);
}
END_TEST

/* ---- series and gauge ------------------------------------------------------ */

START_TEST(test_series_add_span_splits_across_bins_and_clips_to_window)
{
    series s;
    ck_assert_int_eq(series_init(&s, 10.0, 2.5, 4), 0);   /* window [10, 20) */
    ck_assert(series_end(&s) == 20.0);

    /* [8.5, 16.25] at weight 3.2: clipped to [10, 16.25]: 2.5, 2.5 and 1.25 time units. */
    series_add_span(&s, 8.5, 16.25, 3.2);
    static const double after_first[4] = { 8.0, 8.0, 4.0, 0.0 };
    for (int i = 0; i < 4; i++)
        ck_assert_msg(fabs(s.bin[i] - after_first[i]) <= 1e-12, "bin %d: %g, expected %g", i, s.bin[i],
                      after_first[i]);
    ck_assert(fabs(s.total - 20.0) <= 1e-12);

    series_add_span(&s, 18.0, 25.0, 1.5);     /* clipped to [18, 20]: 2 units */
    series_add_span(&s, 13.0, 14.0, 0.75);    /* inside one bin */
    series_add_span(&s, 21.0, 30.0, 9.0);     /* entirely after the window */
    series_add_span(&s, 0.0, 9.5, 9.0);       /* entirely before it */
    series_add_span(&s, 14.0, 13.0, 9.0);     /* empty span */
    static const double expected[4] = { 8.0, 8.75, 4.0, 3.0 };
    for (int i = 0; i < 4; i++)
        ck_assert_msg(fabs(s.bin[i] - expected[i]) <= 1e-12, "bin %d: %g, expected %g", i, s.bin[i],
                      expected[i]);
    ck_assert(fabs(s.total - 23.75) <= 1e-12);

    series_add(&s, 12.5, 4.0);   /* point at a bin's start goes to that bin */
    series_add(&s, 20.0, 4.0);   /* the window is half-open: ignored */
    series_add(&s, 9.99, 4.0);
    ck_assert(fabs(s.bin[1] - 12.75) <= 1e-12 && fabs(s.total - 27.75) <= 1e-12);

    series_reset(&s);
    ck_assert(s.bin[0] == 0 && s.bin[3] == 0 && s.total == 0);
    series_free(&s);

    /* With no bins only the total is kept, still clipped to the (empty) window. */
    series none;
    ck_assert_int_eq(series_init(&none, 0.0, 1.0, 0), 0);
    series_add_span(&none, 0.0, 5.0, 1.0);
    ck_assert(none.total == 0.0);
    series_free(&none);
}
END_TEST

START_TEST(test_series_growth_is_the_rise_of_the_least_squares_line_through_the_level)
{
    /* The window [3.5, 100.8): 10 bins of 10 s, the last 7.3 s long. */
    const double start = 3.5, length = 97.3;
    series s;
    ck_assert_int_eq(series_init_window(&s, start, start + length, 10.0), 0);
    ck_assert_uint_eq(s.n, 10);
    /* A steady level does not rise. */
    series_add_span(&s, 0.0, 200.0, 2.385);
    ck_assert_msg(fabs(series_growth(&s)) <= 1e-9, "steady: %g", series_growth(&s));
    /* A step of D at the half-window (a bin's boundary when the window is 100 s) rises by
     * 1.5 D: M0 = D T / 2, M1 = 3 D T^2 / 8, 12 (M1 - T M0 / 2) / T^2 = 1.5 D. */
    series step;
    ck_assert_int_eq(series_init_window(&step, start, start + 100.0, 10.0), 0);
    series_add_span(&step, start + 50.0, start + 100.0, 4.21);
    ck_assert_msg(fabs(series_growth(&step) - 1.5 * 4.21) <= 1e-9, "step: %g", series_growth(&step));
    series_free(&step);
    /* A level growing steadily from 0 to D over the window (in steps of 1 ms) rises by D,
     * less the share sum(w^3) / T^3 the bins' midpoints miss (9 bins of 10 s and one of 7.3
     * s over 97.3 s: 1.02%); a burst that drains in the first quarter (5 then 0) rises by
     * 12 x 5 x (1/32 - 1/8) < 0. */
    series_reset(&s);
    const double d = 61.7, missed = (9 * 1000.0 + 7.3 * 7.3 * 7.3) / (length * length * length);
    for (int k = 0; k < 97300; k++) {
        double t = k * 0.001;
        series_add_span(&s, start + t, start + t + 0.001, d * (t + 0.0005) / length);
    }
    ck_assert_msg(fabs(series_growth(&s) - d * (1 - missed)) <= 1e-5 * d, "linear: %.9g, expected %.9g",
                  series_growth(&s), d * (1 - missed));
    series burst;
    ck_assert_int_eq(series_init_window(&burst, 0.0, 80.0, 10.0), 0);
    series_add_span(&burst, 0.0, 20.0, 5.0);
    ck_assert_msg(fabs(series_growth(&burst) - 12.0 * 5 * (1.0 / 32 - 1.0 / 8)) <= 1e-9, "burst: %g",
                  series_growth(&burst));
    series_free(&burst);
    series_free(&s);
    /* Without bins there is no line. */
    series none;
    ck_assert_int_eq(series_init(&none, 0.0, 1.0, 0), 0);
    ck_assert(isnan(series_growth(&none)));
}
END_TEST

START_TEST(test_gauge_integral_and_max_with_level_held_at_window_open)
{
    /* Level: 4 on [2, 6), 7 on [6, 14), 3 on [14, 22), 5.5 on [22, 30); window [10, 30).
     * By hand: bins of 5 from 10: 7x4 + 3x1 = 31, 3x5 = 15, 3x2 + 5.5x3 = 22.5, 5.5x5 = 27.5.
     * The max is 7, the level held when the window opened (set before it). */
    series integral;
    ck_assert_int_eq(series_init(&integral, 10.0, 5.0, 4), 0);
    gauge g;
    gauge_init(&g, &integral, 10.0);
    gauge_set(&g, 2.0, 4.0);
    gauge_add(&g, 6.0, 3.0);
    gauge_set(&g, 14.0, 3.0);
    gauge_set(&g, 22.0, 5.5);
    gauge_close(&g, 30.0);
    static const double expected[4] = { 31.0, 15.0, 22.5, 27.5 };
    for (int i = 0; i < 4; i++)
        ck_assert_msg(fabs(integral.bin[i] - expected[i]) <= 1e-12, "bin %d: %g, expected %g", i,
                      integral.bin[i], expected[i]);
    ck_assert(fabs(integral.total - 96.0) <= 1e-12);
    ck_assert_msg(g.max == 7.0, "max %g, expected 7", g.max);
    series_free(&integral);

    /* A peak before the window does not count. */
    gauge_init(&g, NULL, 10.0);
    gauge_set(&g, 1.0, 50.0);
    gauge_set(&g, 5.0, 2.0);
    gauge_set(&g, 12.0, 3.0);
    gauge_close(&g, 20.0);
    ck_assert_msg(g.max == 3.0, "max %g, expected 3", g.max);
}
END_TEST

START_TEST(test_gauge_max_counts_a_level_held_through_the_whole_window)
{
    /* Set once before the window and never changed: the level 6.5 is held for all of
     * [10, 40), so it is the max over the window, and the integral is 6.5 x 30. */
    series integral;
    ck_assert_int_eq(series_init(&integral, 10.0, 10.0, 3), 0);
    gauge g;
    gauge_init(&g, &integral, 10.0);
    gauge_set(&g, 0.0, 6.5);
    gauge_close(&g, 40.0);
    ck_assert(fabs(integral.total - 195.0) <= 1e-12);
    ck_assert_msg(g.max == 6.5, "max %g, expected 6.5 (the level held through the window)", g.max);
    series_free(&integral);
}
END_TEST

/* ---- replication ----------------------------------------------------------- */

START_TEST(test_replicate_mean_ci_matches_hand_computation)
{
    ck_assert_msg(fabs(replicate_t975(4) - 2.7764451051977987) < 1e-9, "t(0.975, 4) = %.17g",
                  replicate_t975(4));
    ck_assert(fabs(replicate_t975(1) - 12.706204736174698) < 1e-8);
    ck_assert(fabs(replicate_t975(30) - 2.0422724563012373) < 1e-9);

    /* Column 1 of a 5 x 3 matrix: 12.5, 14.25, 9.75, 11, 13.5. Mean 61 / 5 = 12.2;
     * squared deviations 0.09 + 4.2025 + 6.0025 + 1.44 + 1.69 = 13.425, variance 3.35625;
     * half-width = t(0.975, 4) sqrt(3.35625 / 5). */
    static const double rows[15] = { -1, 12.5, 1e9, -1, 14.25, 1e9, -1, 9.75, 1e9,
                                     -1, 11.0, 1e9, -1, 13.5, 1e9 };
    double mean, half;
    replicate_mean_ci(rows, 5, 3, 1, &mean, &half);
    ck_assert(fabs(mean - 12.2) <= 1e-12);
    double expected = 2.7764451051977987 * sqrt(3.35625 / 5.0);
    ck_assert_msg(fabs(half - expected) <= 1e-9, "half-width %.12g, expected %.12g", half, expected);

    replicate_mean_ci(rows, 1, 3, 1, &mean, &half);
    ck_assert(mean == 12.5 && isnan(half));
}
END_TEST

typedef struct replication_setup {
    uint64_t seed;
    uint32_t fail_a, fail_b;    /* replications that fail, with codes 7 and 9 */
} replication_setup;

static int uniform_summary_row(void *ctx, uint32_t replication, double *row)
{
    const replication_setup *setup = ctx;
    if (replication == setup->fail_a)
        return 7;
    if (replication == setup->fail_b)
        return 9;
    sim *s = sim_new(setup->seed, replication);
    if (!s)
        return -1;
    gsl_rng *r = sim_stream(s, "work");
    double sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += gsl_rng_uniform(r);
    row[0] = replication;
    row[1] = sum / 1000;
    row[2] = gsl_ran_exponential(r, 2.385);
    sim_free(s);
    return 0;
}

START_TEST(test_replicate_run_same_rows_for_any_thread_count)
{
    enum { REPS = 16, VALUES = 3 };
    replication_setup setup = { 2385, UINT32_MAX, UINT32_MAX };
    double one[REPS * VALUES], two[REPS * VALUES];
    rng_library_init();
    ck_assert_int_eq(replicate_run(uniform_summary_row, &setup, REPS, 1, VALUES, one), 0);
    ck_assert_int_eq(replicate_run(uniform_summary_row, &setup, REPS, 2, VALUES, two), 0);
    ck_assert(memcmp(one, two, sizeof one) == 0);
    for (uint32_t r = 0; r < REPS; r++) {
        ck_assert(one[r * VALUES] == r);                    /* each row at its index */
        if (r)
            ck_assert(one[r * VALUES + 1] != one[(r - 1) * VALUES + 1]);   /* own stream */
    }
}
END_TEST

START_TEST(test_replicate_run_returns_first_failure_in_replication_order)
{
    enum { REPS = 8, VALUES = 3 };
    double rows[REPS * VALUES];
    replication_setup setup = { 2385, 5, 2 };     /* replication 2 fails with 9, 5 with 7 */
    ck_assert_int_eq(replicate_run(uniform_summary_row, &setup, REPS, 2, VALUES, rows), 9);
    setup = (replication_setup){ 2385, 6, UINT32_MAX };
    ck_assert_int_eq(replicate_run(uniform_summary_row, &setup, REPS, 1, VALUES, rows), 7);
}
END_TEST

/* ---- suite ----------------------------------------------------------------- */

Suite *kernel_suite(void)
{
    Suite *s = suite_create("kernel");
    struct { const char *name; const TTest *tests[16]; } cases[] = {
        { "pes", { test_pes_pops_in_time_order, test_pes_equal_times_pop_in_sequence_order,
                   test_pes_matches_brute_force_reference_under_interleaving,
                   test_pes_hole_left_by_pop_matches_sorted_reference } },
        { "engine", { test_engine_runs_events_in_order_and_stops_before_t_end,
                      test_engine_equal_times_run_in_scheduling_order,
                      test_engine_lazy_cancellation_drops_stale_generations,
                      test_engine_clamps_past_events_to_now } },
        { "rng", { test_rng_same_seed_replication_name_gives_same_sequence,
                   test_rng_different_name_replication_or_seed_gives_different_sequence,
                   test_rng_streams_are_uncorrelated, test_rng_new_stream_does_not_shift_another,
                   test_rng_xoshiro256pp_gives_the_published_outputs,
                   test_rng_inline_draws_equal_gsl_calls_on_the_same_generator,
                   test_rng_uniform_draws_have_the_uniform_mean_variance_and_cells,
                   test_rng_inline_draws_on_another_generator_type_call_gsl,
                   test_rng_stream_is_one_cache_line } },
        { "dist", { test_dist_constant_always_returns_its_value, test_dist_uniform_mean,
                    test_dist_exponential_mean, test_dist_normal_is_truncated_at_zero,
                    test_dist_lognormal_by_mean_and_sd, test_dist_lognormal_by_median_and_p99,
                    test_dist_gamma_by_mean_and_cv, test_dist_weibull_mean, test_dist_pareto_mean,
                    test_dist_empirical_interpolates_its_percentile_table,
                    test_dist_mixture_mean_weights_parts } },
        { "hist", { test_hist_buckets_are_contiguous_and_narrow,
                    test_hist_quantiles_within_one_percent_on_lognormal,
                    test_hist_quantiles_within_one_percent_on_uniform,
                    test_hist_merge_of_halves_equals_whole, test_hist_min_max_exact_and_empty_is_zero,
                    test_hist_small_equals_hist_of_the_same_observations } },
        { "tally", { test_tally_welford_matches_two_pass, test_tally_merge_equals_one_tally } },
        { "series", { test_series_add_span_splits_across_bins_and_clips_to_window,
                      test_series_growth_is_the_rise_of_the_least_squares_line_through_the_level,
                      test_gauge_integral_and_max_with_level_held_at_window_open,
                      test_gauge_max_counts_a_level_held_through_the_whole_window } },
        { "replicate", { test_replicate_mean_ci_matches_hand_computation,
                         test_replicate_run_same_rows_for_any_thread_count,
                         test_replicate_run_returns_first_failure_in_replication_order } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 60);
        for (size_t k = 0; k < 16 && cases[i].tests[k]; k++)
            tcase_add_test(tc, cases[i].tests[k]);
        suite_add_tcase(s, tc);
    }
    return s;
}
