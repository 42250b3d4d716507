/* rng.c — named stream seeding (FNV-1a over the name, mixed with seed and replication
 * through splitmix64 so that nearby seeds give unrelated streams), and MT19937 as a
 * gsl_rng_type whose state rng.h reads inline (GSL's mt.c, with uint32_t words). */
#include "sim/rng.h"

#include <gsl/gsl_errno.h>

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t rng_name_hash(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

uint64_t rng_stream_seed(uint64_t seed, uint32_t replication, const char *name)
{
    return splitmix64(splitmix64(splitmix64(seed) ^ replication) ^ rng_name_hash(name));
}

gsl_rng *rng_stream_alloc(uint64_t seed, uint32_t replication, const char *name)
{
    gsl_rng *r = gsl_rng_alloc(&rng_mt19937);
    if (!r)
        return NULL;
    /* MT19937 keeps the low 32 bits of its seed; fold the hash into them, and avoid 0,
     * which GSL takes as "the default seed". */
    uint64_t h = rng_stream_seed(seed, replication, name);
    unsigned long s = (unsigned long)((h ^ (h >> 32)) & 0xffffffffu);
    gsl_rng_set(r, s ? s : 1);
    return r;
}

void rng_library_init(void)
{
    gsl_set_error_handler_off();
}

/* ---- MT19937 (Matsumoto and Nishimura 1998, 2002 seeding), as GSL's mt.c ---- */

#define MT_M 397
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu
#define MT_MAGIC(y) (((y) & 1u) ? 0x9908b0dfu : 0u)

void rng_mt_refill(rng_mt_state *s)
{
    uint32_t *mt = s->mt;
    int kk;
    for (kk = 0; kk < RNG_MT_N - MT_M; kk++) {
        uint32_t y = (mt[kk] & MT_UPPER) | (mt[kk + 1] & MT_LOWER);
        mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ MT_MAGIC(y);
    }
    for (; kk < RNG_MT_N - 1; kk++) {
        uint32_t y = (mt[kk] & MT_UPPER) | (mt[kk + 1] & MT_LOWER);
        mt[kk] = mt[kk + MT_M - RNG_MT_N] ^ (y >> 1) ^ MT_MAGIC(y);
    }
    uint32_t y = (mt[RNG_MT_N - 1] & MT_UPPER) | (mt[0] & MT_LOWER);
    mt[RNG_MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ MT_MAGIC(y);
    s->mti = 0;
}

static void mt_set(void *state, unsigned long seed)
{
    rng_mt_state *s = state;
    uint32_t x = seed ? (uint32_t)seed : 4357u;   /* GSL's default seed for 0 */
    s->mt[0] = x;
    for (uint32_t i = 1; i < RNG_MT_N; i++) {
        x = 1812433253u * (x ^ (x >> 30)) + i;
        s->mt[i] = x;
    }
    s->mti = RNG_MT_N;
}

static unsigned long mt_get(void *state)
{
    return rng_mt_next(state);
}

static double mt_get_double(void *state)
{
    return mt_get(state) / 4294967296.0;
}

const gsl_rng_type rng_mt19937 = {
    "slsim-mt19937", 0xffffffffUL, 0, sizeof(rng_mt_state), mt_set, mt_get, mt_get_double
};
