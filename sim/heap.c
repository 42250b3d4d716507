/* heap.c — an indexed binary min-heap of (key, id); the invariants are in heap.h.
 *
 * Sifting moves a hole rather than swapping pairs: the node being placed is written once,
 * at the end, and every node moved on the way updates its pos. A node goes up while its
 * parent's key is strictly greater, and down to the smaller child (the left one on a tie)
 * while that child's key is strictly smaller: the rules of the two heaps this one replaced
 * (deadline.c's and keep-alive's Greedy-Dual pool), so equal keys still come out in the
 * same order and every figure is unchanged. */
#include "sim/heap.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

static inline void place(heap *h, uint32_t i, heap_node x)
{
    h->node[i] = x;
    h->pos[x.id] = i;
}

/* Moves the hole at i up past parents greater than x; returns where it stops. */
static uint32_t hole_up(heap *h, uint32_t i, heap_node x)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!(h->node[parent].key > x.key))
            break;
        place(h, i, h->node[parent]);
        i = parent;
    }
    return i;
}

/* Moves the hole at i down past children smaller than x; returns where it stops. */
static uint32_t hole_down(heap *h, uint32_t i, heap_node x)
{
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->node[c + 1].key < h->node[c].key)
            c++;
        if (h->node[c].key >= x.key)
            break;
        place(h, i, h->node[c]);
        i = c;
    }
    return i;
}

/* Room for id in pos and for one more node. Returns 0, or -1 when out of memory. */
static int reserve(heap *h, uint32_t id)
{
    if (id >= h->ids) {
        uint64_t ids = h->ids ? h->ids : 64;
        while (ids <= id)
            ids *= 2;
        if (ids > HEAP_ABSENT)
            ids = HEAP_ABSENT;      /* id < HEAP_ABSENT, so this still holds it */
        uint32_t *pos = realloc(h->pos, (size_t)ids * sizeof *pos);
        if (!pos)
            return -1;
        for (uint64_t i = h->ids; i < ids; i++)
            pos[i] = HEAP_ABSENT;
        h->pos = pos;
        h->ids = (uint32_t)ids;
    }
    if (h->n == h->cap) {
        uint64_t cap = h->cap ? 2 * (uint64_t)h->cap : 64;
        if (cap > HEAP_ABSENT)
            cap = HEAP_ABSENT;
        if (cap == h->cap)
            return -1;
        heap_node *node = realloc(h->node, (size_t)cap * sizeof *node);
        if (!node)
            return -1;
        h->node = node;
        h->cap = (uint32_t)cap;
    }
    return 0;
}

int heap_push(heap *h, uint32_t id, double key)
{
    assert(id != HEAP_ABSENT && !isnan(key));
    if (reserve(h, id) != 0)
        return -1;
    heap_remove(h, id);
    heap_node x = { key, id };
    place(h, hole_up(h, h->n++, x), x);
    return 0;
}

void heap_remove(heap *h, uint32_t id)
{
    if (id >= h->ids || h->pos[id] == HEAP_ABSENT)
        return;
    uint32_t i = h->pos[id];
    h->pos[id] = HEAP_ABSENT;
    if (--h->n == i)
        return;
    /* The last node fills the hole, going up or else down. */
    heap_node last = h->node[h->n];
    uint32_t j = hole_up(h, i, last);
    if (j == i)
        j = hole_down(h, i, last);
    place(h, j, last);
}

bool heap_contains(const heap *h, uint32_t id) { return id < h->ids && h->pos[id] != HEAP_ABSENT; }

uint32_t heap_size(const heap *h) { return h->n; }

bool heap_min(const heap *h, uint32_t *id, double *key)
{
    if (h->n == 0)
        return false;
    if (id)
        *id = h->node[0].id;
    if (key)
        *key = h->node[0].key;
    return true;
}

void heap_free(heap *h)
{
    free(h->node);
    free(h->pos);
    *h = (heap){ 0 };
}
