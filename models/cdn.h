/* cdn.h — a CDN (Amazon CloudFront) in front of a source's target, and the round trip an
 * edge function's calls pay to reach the region.
 *
 * A source with "cdn" sends every attempt to the edge location nearest its users: a hit is
 * answered there (edge_rtt_ms and the edge's own hit latency), a miss goes on to the origin
 * (the source's target) as without a CDN. A viewer-trigger edge function as the target runs
 * on every request (CloudFront does not cache what it answers); an origin trigger only on
 * misses. CloudFront bills every request it receives and the bytes it sends back
 * (cdn.requests, cdn.transfer_out_gb, on the source's target); the origin's own transfer out
 * to CloudFront is free, so the entry meters none for such a source. */
#ifndef SLSIM_CDN_H
#define SLSIM_CDN_H

#include <stdbool.h>
#include <stdint.h>

#include "models/response_cache.h"
#include "models/world.h"

typedef struct cdn_spec {
    bool     on;
    bool     pass_all;      /* the target is a viewer-trigger edge function: no cache hits */
    response_cache_spec cached;   /* its keys and TTL, or a fixed hit ratio */
    double   hit_ms;        /* the edge location's time to answer a hit */
    double   edge_rtt_ms;   /* the users' round trip to their nearest edge location */
} cdn_spec;

/* Reads source i's "cdn" (c is the source's object; its target, mode and round trips are
 * read already: target is the component index or -1, edge_rtt_ms NAN when not given), and,
 * when the target is an edge function with synchronous calls and no region_rtt_ms, gives it
 * the source's network_rtt_ms less edge_rtt_ms. */
void cdn_parse(cfg_node *c, cdn_spec *d, world_spec *w, int target, bool trace, bool async,
               double network_rtt_ms, double edge_rtt_ms);
/* After the traffic: refuses an edge function whose calls' round trip nothing gave.
 * Returns 0 or -1 (the message in ctx). */
int  cdn_check_edge(const world_spec *w, cfg_ctx *ctx);

/* The replication's CDN state (w->cdn). Returns 0, or -1 when out of memory. */
int  cdn_start(world *w);
void cdn_free(world *w);

/* An attempt of request idx (its deadline set) reaches the edge at now: true when the CDN
 * answers it from its cache (the answer is scheduled), false when it goes on to the origin. */
bool cdn_enter(world *w, uint32_t idx, double now);
/* The attempt's answer passes back through the edge: bytes sent, the cache filled. */
void cdn_answered(world *w, uint32_t idx, attempt_result result, double now);

/* A source's figures (w NULL: names only; m->prefix the source's): cdn_requests, cdn_hits,
 * cdn_misses, cdn_hit_ratio. */
void cdn_report_source(const world_spec *spec, const world *w, size_t source, metric_sink *m);
/* CloudFront's usage: cdn.requests and cdn.transfer_out_gb on each source's target. */
void cdn_meter(const world_spec *spec, const world *w, ledger *u);

#endif
