/* rng.h — seeding of named random streams.
 *
 * A stream's seed is a hash of (scenario seed, replication, stream name), so adding a
 * stream never shifts another's numbers, and two variants of a scenario see the same
 * arrivals (common random numbers). Generators are GSL's MT19937. */
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
/* An exponential draw with the given mean: -mean ln U, U uniform on (0, 1). Same law as
 * gsl_ran_exponential (which takes ln(1 - U) through log1p), about twice as fast here. */
static inline double rng_exponential(gsl_rng *r, double mean)
{
    return -mean * log(gsl_rng_uniform_pos(r));
}

/* Turns GSL's abort-on-error handler off, once, before any thread starts. */
void     rng_library_init(void);

#endif
