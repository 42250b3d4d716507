/* rng.c — named stream seeding (FNV-1a over the name, mixed with seed and replication
 * through splitmix64 so that nearby seeds give unrelated streams), and xoshiro256++ as a
 * gsl_rng_type whose state rng.h reads inline, each stream in one 64-byte block. */
#include "sim/rng.h"

#include <assert.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>

/* splitmix64's output for the counter x + 0x9e3779b97f4a7c15 (Steele, Lea and Flood 2014;
 * Vigna's splitmix64.c): a bijection of 64-bit words. */
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

/* ---- xoshiro256++ as a gsl_rng_type ----------------------------------------- */

/* The four words are splitmix64's generator started at seed, its first four outputs, as
 * the authors advise: splitmix64 maps the four distinct counters to four distinct words,
 * so at most one is zero and the state is never all zero. */
void rng_xoshiro_seed(rng_xoshiro_state *st, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        st->s[i] = splitmix64(seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL);
}

static void xoshiro_set(void *state, unsigned long seed)
{
    rng_xoshiro_seed(state, seed);
}

static unsigned long xoshiro_get(void *state)
{
    return (unsigned long)(rng_xoshiro_next(state) >> 32);
}

static double xoshiro_get_double(void *state)
{
    return (double)(rng_xoshiro_next(state) >> 11) * 0x1.0p-53;
}

const gsl_rng_type rng_xoshiro256pp = {
    "slsim-xoshiro256++", 0xffffffffUL, 0, sizeof(rng_xoshiro_state), xoshiro_set, xoshiro_get,
    xoshiro_get_double
};

/* ---- streams -----------------------------------------------------------------
 * One allocation: the gsl_rng (16 bytes on LP64) and its state (32) in one cache line. */

typedef struct stream_block {
    _Alignas(64) gsl_rng rng;
    rng_xoshiro_state    state;
} stream_block;

_Static_assert(sizeof(stream_block) == 64, "a stream is one cache line");

gsl_rng *rng_stream_alloc(uint64_t seed, uint32_t replication, const char *name)
{
    stream_block *b = aligned_alloc(64, sizeof *b);
    if (!b)
        return NULL;
    b->rng = (gsl_rng){ &rng_xoshiro256pp, &b->state };
    rng_xoshiro_seed(&b->state, rng_stream_seed(seed, replication, name));
    return &b->rng;
}

void rng_stream_free(gsl_rng *r)
{
    if (!r)
        return;
    assert(r->state == &((stream_block *)(void *)r)->state && "not a stream from rng_stream_alloc");
    free(r);
}

void rng_library_init(void)
{
    gsl_set_error_handler_off();
}
