/* rng.h — seeding of named random streams, and xoshiro256++ draws without a call.
 *
 * A stream's seed is a hash of (scenario seed, replication, stream name), so adding a
 * stream never shifts another's numbers, and two variants of a scenario see the same
 * arrivals (common random numbers).
 *
 * Generators are xoshiro256++ (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 47(4), 2021: 256 bits of state, period 2^256 - 1), exposed as a
 * gsl_rng_type of our own (rng_xoshiro256pp) so that every gsl_ran_* function still takes
 * our streams: its get is the upper 32 bits of the 64-bit output (max 2^32 - 1), its
 * get_double the upper 53 bits times 2^-53. The state's layout is known here, so rng_get
 * and the draws below are a few adds, shifts and rotations inline (GSL's calls go through
 * an indirect call per draw); for a generator of any other type they call GSL's own
 * functions, so they give exactly what GSL's calls give on every gsl_rng.
 *
 * A stream (rng_stream_alloc) is one 64-byte block on a 64-byte boundary holding its
 * gsl_rng and, right after it, its 32 bytes of state (r->state points there), so a draw
 * touches one cache line. Free it with rng_stream_free, never gsl_rng_free (which would
 * free the state on its own). Invariant of rng_xoshiro_state: its four words are never
 * all zero (seeding guarantees it; the step preserves it). */
#ifndef SLSIM_RNG_H
#define SLSIM_RNG_H

#include <stdint.h>
#include <math.h>
#include <gsl/gsl_rng.h>

uint64_t rng_stream_seed(uint64_t seed, uint32_t replication, const char *name);
/* FNV-1a hash of a stream name (also used to index streams by name). */
uint64_t rng_name_hash(const char *name);
/* A new stream seeded for (seed, replication, name): one 64-byte block, its state seeded
 * from the full 64-bit rng_stream_seed. Free with rng_stream_free. NULL when out of memory. */
gsl_rng *rng_stream_alloc(uint64_t seed, uint32_t replication, const char *name);
/* Frees a stream from rng_stream_alloc (NULL does nothing). */
void     rng_stream_free(gsl_rng *r);

/* Turns GSL's abort-on-error handler off, once, before any thread starts. */
void     rng_library_init(void);

/* ---- xoshiro256++ inline ------------------------------------------------- */

typedef struct rng_xoshiro_state {
    uint64_t s[4];
} rng_xoshiro_state;

/* xoshiro256++ as a gsl_rng_type. gsl_rng_set(r, seed) fills the state with four
 * successive outputs of splitmix64 started at seed (0 included). */
extern const gsl_rng_type rng_xoshiro256pp;

/* Fills st from seed as gsl_rng_set does, with all 64 bits of the seed. */
void rng_xoshiro_seed(rng_xoshiro_state *st, uint64_t seed);

static inline uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* The next 64-bit output of st (the paper's next()). */
static inline uint64_t rng_xoshiro_next(rng_xoshiro_state *st)
{
    uint64_t *s = st->s;
    uint64_t result = rng_rotl(s[0] + s[3], 23) + s[0];
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* The next 32-bit output: gsl_rng_get(r). */
static inline uint32_t rng_get(const gsl_rng *r)
{
    if (__builtin_expect(r->type != &rng_xoshiro256pp, 0))
        return (uint32_t)gsl_rng_get(r);
    return (uint32_t)(rng_xoshiro_next(r->state) >> 32);
}

/* Uniform on [0, 1), in steps of 2^-53: gsl_rng_uniform(r). */
static inline double rng_uniform(const gsl_rng *r)
{
    if (__builtin_expect(r->type != &rng_xoshiro256pp, 0))
        return gsl_rng_uniform(r);
    return (double)(rng_xoshiro_next(r->state) >> 11) * 0x1.0p-53;
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
    if (r->type != &rng_xoshiro256pp)
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
