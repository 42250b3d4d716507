/* pes.c — pending event set as a 4-ary min-heap of inline events.
 *
 * Invariant: for every index i > 0, less(heap[(i-1)/4], heap[i]) or equal keys never
 * occur (seq is unique), so the root is the unique earliest event. The array only grows
 * (doubling), so after warm-up the event loop never allocates. */
#include "sim/pes.h"

#include <stdlib.h>

struct pes {
    pes_event *heap;
    size_t     size;
    size_t     capacity;
};

static inline int less(const pes_event *a, const pes_event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

pes *pes_new(size_t initial_capacity)
{
    pes *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->capacity = initial_capacity ? initial_capacity : 64;
    q->heap = malloc(q->capacity * sizeof *q->heap);
    if (!q->heap) {
        free(q);
        return NULL;
    }
    return q;
}

void pes_free(pes *q)
{
    if (!q)
        return;
    free(q->heap);
    free(q);
}

size_t pes_size(const pes *q) { return q->size; }

const pes_event *pes_min(const pes *q) { return q->size ? &q->heap[0] : NULL; }

int pes_push(pes *q, const pes_event *e)
{
    if (q->size == q->capacity) {
        size_t cap = q->capacity * 2;
        pes_event *h = realloc(q->heap, cap * sizeof *h);
        if (!h)
            return -1;
        q->heap = h;
        q->capacity = cap;
    }
    size_t i = q->size++;
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!less(e, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = *e;
    return 0;
}

int pes_pop(pes *q, pes_event *out)
{
    if (q->size == 0)
        return -1;
    *out = q->heap[0];
    pes_event last = q->heap[--q->size];
    size_t n = q->size, i = 0;
    for (;;) {
        size_t child = 4 * i + 1;
        if (child >= n)
            break;
        size_t best = child, end = child + 4 < n ? child + 4 : n;
        for (size_t c = child + 1; c < end; c++)
            if (less(&q->heap[c], &q->heap[best]))
                best = c;
        if (!less(&q->heap[best], &last))
            break;
        q->heap[i] = q->heap[best];
        i = best;
    }
    if (n)
        q->heap[i] = last;
    return 0;
}
