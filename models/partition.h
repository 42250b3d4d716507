/* partition.h — the partitioned replay's plan: which block each component belongs to.
 *
 * A scenario with "partition_blocks": B (> 1) replays one trace's functions as B blocks
 * that share nothing, each block a simulation of its own (app/partition.c runs them, over
 * threads or MPI ranks, and merges them into one result). The plan depends only on the
 * scenario — never on the number of threads or ranks — so the merged result is the same
 * bytes for any. Functions that share state (an app's keep-alive unit, the Greedy-Dual
 * host pool) go to one block; groups are placed largest first, by their work (arrivals
 * and wakes), on the lightest block. What blocks cannot keep apart is refused at load: another source, a
 * component other than a function, calls or messages between components, tenants, an
 * API gateway, CDN or VPC. The account's concurrency pool is checked after the run (the
 * blocks' peaks added up must stay below it). */
#ifndef SLSIM_PARTITION_H
#define SLSIM_PARTITION_H

#include "models/world.h"

#define PARTITION_MAX_BLOCKS 4096
/* A wake costs about as much simulation as this many warm invocations: on a synthetic Azure
 * day of 10,000 functions (scripts/azure-shape.sh, one core, 2026-12-07) blocks of one busy
 * function ran 0.168 µs an invocation with 80 cold starts per million, blocks of 214 rarely
 * invoked ones 0.213 µs with 5,900 per million, about 7 µs a cold start. */
#define PARTITION_WAKE_COST 40.0

/* Checks that w can be partitioned and fills w->block_of; on refusal, fails ctx with the
 * reason (the JSON path partition_blocks, or the component's). */
void partition_plan(world_spec *w, cfg_ctx *ctx);
/* The work each block of a planned w holds (weight: partition_blocks entries), in
 * invocations' worth: recorded arrivals plus PARTITION_WAKE_COST for each wake (an arrival
 * after a long idle spell, about a cold start: the instance made, its start, its expiry). */
void partition_block_work(const world_spec *w, double *weight);

#endif
