/* deadline.c — callers' deadlines on the kernel's indexed heap, and the one timer armed for
 * the earliest. */
#include "models/deadline.h"

#include <math.h>
#include <stddef.h>

void deadline_init(deadline_heap *h)
{
    *h = (deadline_heap){ .armed_at = INFINITY };
}

void deadline_free(deadline_heap *h)
{
    heap_free(&h->by_time);
    deadline_init(h);
}

int deadline_push(deadline_heap *h, uint32_t id, double t)
{
    return heap_push(&h->by_time, id, t);
}

void deadline_remove(deadline_heap *h, uint32_t id)
{
    heap_remove(&h->by_time, id);
}

bool deadline_pop_due(deadline_heap *h, double now, uint32_t *id)
{
    uint32_t first;
    double t;
    if (!heap_min(&h->by_time, &first, &t) || t > now)
        return false;
    heap_remove(&h->by_time, first);
    *id = first;
    return true;
}

double deadline_to_arm(deadline_heap *h)
{
    double t;
    if (!heap_min(&h->by_time, NULL, &t) || t >= h->armed_at)
        return INFINITY;
    h->armed_at = t;
    return t;
}

void deadline_fired(deadline_heap *h, double now)
{
    if (now >= h->armed_at)
        h->armed_at = INFINITY;
}
