/* heap.h — an indexed binary min-heap of (key, id): the owner's small integer ids (slots,
 * units) ordered by a double key, each id in the heap at most once, so that any one can
 * leave from the middle in O(log n) (a call answered before its deadline, an idle unit
 * that runs again). Used for the callers' deadlines a component holds (models/deadline.c)
 * and the Greedy-Dual pool of idle keep-alive units (models/function/keepalive.c).
 *
 * Invariants: every node's key is at most its children's (node i's are 2i+1 and 2i+2);
 * pos[id] is id's node, or HEAP_ABSENT, for every id below the ids pos can hold; the nodes
 * hold exactly the ids whose pos is not HEAP_ABSENT. Equal keys come out in an order set
 * by the heap's shape (a function of the operations made, so runs are reproducible), not
 * in the order they were pushed: an owner that needs first-in-first-out among equal keys
 * must fold a sequence number into the key. The order among equal keys is part of every
 * figure that depends on it; changing the sift rules changes results.
 *
 * Memory: nodes grow (doubling) to the most ids held at once, pos to the largest id seen;
 * neither shrinks until heap_free. Pushing may allocate; the rest never does.
 * Not the pending event set: sim/pes.c keeps its own 4-ary heap of integer keys, faster for
 * the event loop and without removal (see docs/architecture.md for the measurement).
 *
 * The struct is in this header so that an owner can embed one (a zeroed heap is empty);
 * callers touch no field. */
#ifndef SLSIM_HEAP_H
#define SLSIM_HEAP_H

#include <stdbool.h>
#include <stdint.h>

#define HEAP_ABSENT UINT32_MAX      /* pos of an id not in the heap; not a valid id */

typedef struct heap_node {
    double   key;
    uint32_t id;
} heap_node;

typedef struct heap {
    heap_node *node;    /* node[0] is the minimum */
    uint32_t   n, cap;
    uint32_t  *pos;     /* by id */
    uint32_t   ids;     /* ids pos can hold */
} heap;

/* Adds id (below HEAP_ABSENT) with key (not NaN); an id already in is taken out first.
 * Returns 0, or -1 when out of memory (the heap is then unchanged). */
int      heap_push(heap *h, uint32_t id, double key);
/* Takes id out; no effect when it is not in. */
void     heap_remove(heap *h, uint32_t id);
bool     heap_contains(const heap *h, uint32_t id);
uint32_t heap_size(const heap *h);
/* The minimum's id and key (either pointer may be NULL), left in place; false when empty. */
bool     heap_min(const heap *h, uint32_t *id, double *key);
/* Frees the arrays; the heap is empty again. */
void     heap_free(heap *h);

#endif
