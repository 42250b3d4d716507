/* pes.h — the pending event set: events ordered by (time, sequence number).
 *
 * Equal times come out in the order they were pushed, so a run is reproducible.
 * The structure is private to pes.c so it can be replaced if a benchmark finds a
 * faster one; today it is a 4-ary heap of (time, slot) keys beside a slot array, whose
 * popped root is refilled lazily (hence pes_min_time and pes_peek take a non-const set). */
#ifndef SLSIM_PES_H
#define SLSIM_PES_H

#include <stddef.h>
#include <stdint.h>

struct sim;
typedef void (*sim_handler)(struct sim *s, void *target, uint64_t arg);

typedef struct pes_event {
    double      time;    /* >= 0 (negative times are taken as 0) */
    uint64_t    seq;     /* tie-breaker: push order */
    sim_handler handler;
    void       *target;
    uint64_t    arg;
    const void *hint;    /* memory the handler will read first (may be NULL or stale: only
                            prefetched) */
} pes_event;

typedef struct pes pes;

pes   *pes_new(size_t initial_capacity);         /* NULL when out of memory */
void   pes_free(pes *q);
/* Returns 0, or -1 when the heap could not grow (out of memory). */
int    pes_push(pes *q, const pes_event *e);
/* Removes the earliest event into *out; returns 0, or -1 when empty. */
int    pes_pop(pes *q, pes_event *out);
double pes_min_time(pes *q);                     /* only when pes_size(q) > 0 */
/* Copies the earliest event into *out and leaves it in place; returns 0, or -1 when empty. */
int    pes_peek(pes *q, pes_event *out);
size_t pes_size(const pes *q);

#endif
