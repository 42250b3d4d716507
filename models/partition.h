/* partition.h — the partitioned replay's plan: which block each component belongs to.
 *
 * A scenario with "partition_blocks": B (> 1) replays one trace's functions as B blocks
 * that share nothing, each block a simulation of its own (app/partition.c runs them, over
 * threads or MPI ranks, and merges them into one result). The plan depends only on the
 * scenario — never on the number of threads or ranks — so the merged result is the same
 * bytes for any. Functions that share state (an app's keep-alive unit, the Greedy-Dual
 * host pool) go to one block; groups are placed largest first (recorded arrivals) on the
 * lightest block. What blocks cannot keep apart is refused at load: another source, a
 * component other than a function, calls or messages between components, tenants, an
 * API gateway, CDN or VPC. The account's concurrency pool is checked after the run (the
 * blocks' peaks added up must stay below it). */
#ifndef SLSIM_PARTITION_H
#define SLSIM_PARTITION_H

#include "models/world.h"

#define PARTITION_MAX_BLOCKS 4096

/* Checks that w can be partitioned and fills w->block_of; on refusal, fails ctx with the
 * reason (the JSON path partition_blocks, or the component's). */
void partition_plan(world_spec *w, cfg_ctx *ctx);

#endif
