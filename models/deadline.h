/* deadline.h — the callers' deadlines of the calls a component holds: a min-heap (sim/heap.h)
 * indexed by the component's own ids (slots), so that a call answered in time leaves the
 * heap at once and the component needs one timer, for the earliest deadline, however many
 * calls it holds and however far off their deadlines are. */
#ifndef SLSIM_DEADLINE_H
#define SLSIM_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/heap.h"

typedef struct deadline_heap {
    heap      by_time;    /* ids keyed by their deadline */
    double    armed_at;   /* the earliest timer the owner has pending (INFINITY: none) */
} deadline_heap;

void   deadline_init(deadline_heap *h);
void   deadline_free(deadline_heap *h);
/* Adds id with deadline t. Returns 0, or -1 when out of memory. */
int    deadline_push(deadline_heap *h, uint32_t id, double t);
/* Takes id out (no effect when it is not in). */
void   deadline_remove(deadline_heap *h, uint32_t id);
/* The earliest id whose deadline is at or before now, taken out; false when none. */
bool   deadline_pop_due(deadline_heap *h, double now, uint32_t *id);
/* When a timer should be armed for the earliest deadline (it is earlier than the one the
 * owner has pending): returns that time and records it; INFINITY otherwise. */
double deadline_to_arm(deadline_heap *h);
/* The owner's timer fired at now: forget it if it was the armed one. */
void   deadline_fired(deadline_heap *h, double now);

#endif
