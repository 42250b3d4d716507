/* partition.h — running a partitioned replay (models/partition.h plans it): each
 * replication's blocks are simulated apart — over threads, and over MPI ranks when slsim
 * runs under mpirun (make MPI=1) — and merged in block order into the replication's row
 * of figures, latency histogram and time lines, as one simulation would report them.
 *
 * What a block sends to the merge (its "part", one array of doubles): its request counts,
 * events, the peak of the account's shared pool, its trace player's counts, its latency
 * histograms (the buckets in use), its time lines, its functions' platform figures, its
 * usage records and its components' figures. The merge sums counts, histograms and time
 * lines in block order, places each component's figures from its own block, prices the
 * usage of all blocks as one ledger (the free tier and tiers are the account's) and
 * recomputes the platform's spreads. Blocks are fixed by the scenario, so the result is the
 * same bytes for any number of threads or ranks. A run whose blocks' pool peaks add up to
 * more than the account's pool fails: blocks simulated apart would not be exact. */
#ifndef SLSIM_APP_PARTITION_H
#define SLSIM_APP_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#include "models/world.h"
#include "sim/progress.h"

/* Where a replication's merged result goes. */
typedef struct partition_out {
    const char *const *names;  /* the row's figure names (run_result's) */
    size_t    n_values;
    double   *row;             /* n_values */
    hist     *latency;
    double   *ts;              /* TS_COLUMNS x spec->bins */
    uint64_t  events;          /* set: simulated events of all blocks */
} partition_out;

/* Replication r's blocks, one after another on this thread, merged into po (studies and
 * calibrate run replications in parallel already). Returns 0, or -1 with a message in err. */
int  partition_replication(const world_spec *spec, uint32_t r, partition_out *po, char *err,
                           size_t err_size);
/* Every replication, its blocks over threads and ranks. po[r] for each replication (rank 0
 * fills them; other ranks send their blocks to it and leave po alone). bar: progress over
 * replications x blocks jobs, or NULL. Returns 0, or -1 with a message in err; under MPI a
 * failure on any rank aborts every rank. */
int  partition_run(const world_spec *spec, int threads, progress *bar, partition_out *po, char *err,
                   size_t err_size);
/* Whether this process is an MPI rank other than 0 running a partitioned spec: it
 * simulates its blocks and writes nothing. */
bool partition_is_worker(const world_spec *spec);
/* Whether spec's blocks are spread over more than one MPI rank. */
bool partition_spread(const world_spec *spec);
/* --precision on a spread spec: rank 0's count for the next batch (0: the run is done) sent
 * to every rank, which all call this once after each batch; returns it (next itself when
 * not spread). */
unsigned partition_next_batch(const world_spec *spec, unsigned next);
/* Rank 0 of a partitioned spec under MPI failing before the run (its results folder
 * refused): the other ranks would simulate for nothing and wait on it, so every rank stops
 * (exit 2). Returns without effect otherwise. */
void partition_abandon(const world_spec *spec);

#endif
