/* rng.h — seeding of named random streams, and MT19937 draws without a call.
 *
 * A stream's seed is a hash of (scenario seed, replication, stream name), so adding a
 * stream never shifts another's numbers, and two variants of a scenario see the same
 * arrivals (common random numbers).
 *
 * Generators are MT19937, the same algorithm, seeding and outputs as GSL's
 * gsl_rng_mt19937, exposed as a gsl_rng_type of our own (rng_mt19937) so that every
 * gsl_ran_* function still takes our streams. Two differences, neither visible in a draw:
 * the 624 words of state are uint32_t (GSL keeps them in unsigned long: 5 KB a stream on
 * LP64, ours 2.5 KB), and the state's layout is known here, so rng_get and the draws
 * below are a load, a tempering and an increment inline, with the block of 624 words
 * regenerated out of line once every 624 draws (GSL goes through gsl_rng_uniform_pos,
 * then an indirect call per draw). Invariant of rng_mt_state: mti <= RNG_MT_N, and
 * mt[mti..N-1] are the words not yet handed out. The inline draws fall back to GSL's own
 * calls for a generator of any other type, so they are exact for every gsl_rng; a lazy
 * stream (rng_stream_alloc_lazy) is of another type until its first draw. */
#ifndef SLSIM_RNG_H
#define SLSIM_RNG_H

#include <stdint.h>
#include <math.h>
#include <gsl/gsl_rng.h>

uint64_t rng_stream_seed(uint64_t seed, uint32_t replication, const char *name);
/* FNV-1a hash of a stream name (also used to index streams by name). */
uint64_t rng_name_hash(const char *name);
/* A new generator seeded for (seed, replication, name); NULL when out of memory. */
gsl_rng *rng_stream_alloc(uint64_t seed, uint32_t replication, const char *name);
/* The same stream, opened lazily: it holds its seed (about 64 bytes with the gsl_rng)
 * until its first draw, which allocates and seeds the 2.5 KB of state and turns it into
 * an rng_mt19937 generator, so a stream never drawn costs no state and a drawn one gives
 * the same numbers as rng_stream_alloc's. When that allocation fails, *failed (if not
 * NULL) is set to 1 and the draw returns the middle of the range (a run checks *failed
 * after each event and stops). NULL when out of memory. */
gsl_rng *rng_stream_alloc_lazy(uint64_t seed, uint32_t replication, const char *name,
                               int *failed);

/* Turns GSL's abort-on-error handler off, once, before any thread starts. */
void     rng_library_init(void);

/* ---- MT19937 inline ------------------------------------------------------ */

#define RNG_MT_N 624

typedef struct rng_mt_state {
    uint32_t mt[RNG_MT_N];
    uint32_t mti;           /* next word to hand out; RNG_MT_N: regenerate first */
} rng_mt_state;

/* GSL's MT19937, with a 2.5 KB state: same seeding (0 means 4357), same outputs. */
extern const gsl_rng_type rng_mt19937;

/* Regenerates the 624 words of s (GSL's mt_get block step) and sets mti to 0. */
void rng_mt_refill(rng_mt_state *s);

/* The next output of s: the next word, tempered. */
static inline uint32_t rng_mt_next(rng_mt_state *s)
{
    if (__builtin_expect(s->mti >= RNG_MT_N, 0))
        rng_mt_refill(s);
    uint32_t k = s->mt[s->mti++];
    k ^= k >> 11;
    k ^= (k << 7) & 0x9d2c5680u;
    k ^= (k << 15) & 0xefc60000u;
    k ^= k >> 18;
    return k;
}

/* The next 32-bit output: gsl_rng_get(r). */
static inline uint32_t rng_get(const gsl_rng *r)
{
    if (__builtin_expect(r->type != &rng_mt19937, 0))
        return (uint32_t)gsl_rng_get(r);
    return rng_mt_next(r->state);
}

/* Uniform on [0, 1): gsl_rng_uniform(r). */
static inline double rng_uniform(const gsl_rng *r)
{
    if (__builtin_expect(r->type != &rng_mt19937, 0))
        return gsl_rng_uniform(r);
    return rng_get(r) / 4294967296.0;
}

/* Uniform on (0, 1): gsl_rng_uniform_pos(r). */
static inline double rng_uniform_pos(const gsl_rng *r)
{
    double x;
    do
        x = rng_uniform(r);
    while (x == 0);
    return x;
}

/* Uniform on {0, ..., n-1}: gsl_rng_uniform_int(r, n), 0 when n is 0 or above 2^32 - 1
 * (where GSL reports an error and returns 0). */
static inline unsigned long rng_uniform_int(const gsl_rng *r, unsigned long n)
{
    if (r->type != &rng_mt19937)
        return gsl_rng_uniform_int(r, n);
    if (n == 0 || n > 0xfffffffful)
        return 0;
    unsigned long scale = 0xfffffffful / n, k;
    do
        k = rng_get(r) / scale;
    while (k >= n);
    return k;
}

/* An exponential draw with the given mean: -mean ln U, U uniform on (0, 1). Same law as
 * gsl_ran_exponential (which takes ln(1 - U) through log1p), about twice as fast here. */
static inline double rng_exponential(const gsl_rng *r, double mean)
{
    return -mean * log(rng_uniform_pos(r));
}

#endif
