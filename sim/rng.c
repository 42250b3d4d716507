/* rng.c — named stream seeding: FNV-1a over the name, mixed with seed and replication
 * through splitmix64 so that nearby seeds give unrelated streams. */
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
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
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
