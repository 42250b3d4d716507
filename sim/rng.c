/* rng.c — named stream seeding (FNV-1a over the name, mixed with seed and replication
 * through splitmix64 so that nearby seeds give unrelated streams), and MT19937 as a
 * gsl_rng_type whose state rng.h reads inline (GSL's mt.c, with uint32_t words). */
#include "sim/rng.h"

#include <stdlib.h>
#include <string.h>
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

/* MT19937 keeps the low 32 bits of its seed; fold the hash into them, and avoid 0, which
 * GSL takes as "the default seed". */
static unsigned long mt_seed_of(uint64_t seed, uint32_t replication, const char *name)
{
    uint64_t h = rng_stream_seed(seed, replication, name);
    unsigned long s = (unsigned long)((h ^ (h >> 32)) & 0xffffffffu);
    return s ? s : 1;
}

gsl_rng *rng_stream_alloc(uint64_t seed, uint32_t replication, const char *name)
{
    gsl_rng *r = gsl_rng_alloc(&rng_mt19937);
    if (!r)
        return NULL;
    gsl_rng_set(r, mt_seed_of(seed, replication, name));
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

/* Four words at a time (SSE2 on x86-64, through GCC's vector extension): word k of the new
 * block reads words k and k+1 of the old one and word k+397 (k < 227: still old) or k-227
 * (new, written at least 227 words earlier), so four consecutive words never read one
 * another. 227 = 56 x 4 + 3 and 396 = 99 x 4: three words of the first loop and the last
 * word are done one at a time. */
typedef uint32_t mt_vec __attribute__((vector_size(16)));

static inline mt_vec mt_load(const uint32_t *p)
{
    mt_vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t mt_word(uint32_t a, uint32_t b, uint32_t m)
{
    uint32_t y = (a & MT_UPPER) | (b & MT_LOWER);
    return m ^ (y >> 1) ^ MT_MAGIC(y);
}

static inline mt_vec mt_words(mt_vec a, mt_vec b, mt_vec m)
{
    mt_vec y = (a & MT_UPPER) | (b & MT_LOWER);
    return m ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
}

void rng_mt_refill(rng_mt_state *s)
{
    uint32_t *mt = s->mt;
    int kk = 0;
    for (; kk + 4 <= RNG_MT_N - MT_M; kk += 4) {
        mt_vec v = mt_words(mt_load(mt + kk), mt_load(mt + kk + 1), mt_load(mt + kk + MT_M));
        memcpy(mt + kk, &v, sizeof v);
    }
    for (; kk < RNG_MT_N - MT_M; kk++)
        mt[kk] = mt_word(mt[kk], mt[kk + 1], mt[kk + MT_M]);
    for (; kk + 4 <= RNG_MT_N - 1; kk += 4) {
        mt_vec v = mt_words(mt_load(mt + kk), mt_load(mt + kk + 1),
                            mt_load(mt + kk + MT_M - RNG_MT_N));
        memcpy(mt + kk, &v, sizeof v);
    }
    for (; kk < RNG_MT_N - 1; kk++)
        mt[kk] = mt_word(mt[kk], mt[kk + 1], mt[kk + MT_M - RNG_MT_N]);
    mt[RNG_MT_N - 1] = mt_word(mt[RNG_MT_N - 1], mt[0], mt[MT_M - 1]);
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

/* ---- lazy streams ----------------------------------------------------------
 * A lazy stream is a gsl_rng of type lazy_type whose state records its seed and its own
 * gsl_rng. Its first draw, through any path (rng.h's inline draws fall back to
 * gsl_rng_get and gsl_rng_uniform for a type other than rng_mt19937; gsl_ran_* call
 * get and get_double), lands in lazy_get, which swaps the owner's state for a seeded
 * rng_mt_state and its type for rng_mt19937, then draws. gsl_rng_free frees either. No
 * GSL function keeps r->state across two draws, so the swap is safe inside one. */

typedef struct lazy_state {
    gsl_rng      *owner;
    int          *failed;
    unsigned long seed;
} lazy_state;

static void lazy_set(void *state, unsigned long seed)
{
    ((lazy_state *)state)->seed = seed;
}

static unsigned long lazy_get(void *state)
{
    lazy_state *z = state;
    rng_mt_state *full = malloc(sizeof *full);
    if (!full) {
        if (z->failed)
            *z->failed = 1;
        return 0x80000000ul;
    }
    mt_set(full, z->seed);
    gsl_rng *r = z->owner;
    r->state = full;
    r->type = &rng_mt19937;
    free(z);
    return rng_mt_next(full);
}

static double lazy_get_double(void *state)
{
    return lazy_get(state) / 4294967296.0;
}

static const gsl_rng_type lazy_type = {
    "slsim-mt19937-lazy", 0xffffffffUL, 0, sizeof(lazy_state), lazy_set, lazy_get,
    lazy_get_double
};

gsl_rng *rng_stream_alloc_lazy(uint64_t seed, uint32_t replication, const char *name,
                               int *failed)
{
    gsl_rng *r = malloc(sizeof *r);
    lazy_state *z = malloc(sizeof *z);
    if (!r || !z) {
        free(r);
        free(z);
        return NULL;
    }
    *z = (lazy_state){ r, failed, mt_seed_of(seed, replication, name) };
    *r = (gsl_rng){ &lazy_type, z };
    return r;
}
