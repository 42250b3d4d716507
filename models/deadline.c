/* deadline.c — an indexed min-heap of deadlines. */
#include "models/deadline.h"

#include <math.h>
#include <stdlib.h>

void deadline_init(deadline_heap *h)
{
    *h = (deadline_heap){ .armed_at = INFINITY };
}

void deadline_free(deadline_heap *h)
{
    free(h->heap);
    free(h->pos);
    free(h->at);
    deadline_init(h);
}

static void swap(deadline_heap *h, uint32_t a, uint32_t b)
{
    uint32_t ia = h->heap[a], ib = h->heap[b];
    h->heap[a] = ib;
    h->heap[b] = ia;
    h->pos[ib] = a;
    h->pos[ia] = b;
}

static void up(deadline_heap *h, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (h->at[h->heap[p]] <= h->at[h->heap[i]])
            break;
        swap(h, i, p);
        i = p;
    }
}

static void down(deadline_heap *h, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->at[h->heap[l]] < h->at[h->heap[m]])
            m = l;
        if (r < h->n && h->at[h->heap[r]] < h->at[h->heap[m]])
            m = r;
        if (m == i)
            return;
        swap(h, i, m);
        i = m;
    }
}

int deadline_push(deadline_heap *h, uint32_t id, double t)
{
    if (id >= h->ids) {
        uint32_t ids = h->ids ? h->ids : 64;
        while (ids <= id)
            ids *= 2;
        uint32_t *pos = realloc(h->pos, ids * sizeof *pos);
        if (!pos)
            return -1;
        h->pos = pos;
        double *at = realloc(h->at, ids * sizeof *at);
        if (!at)
            return -1;
        h->at = at;
        for (uint32_t i = h->ids; i < ids; i++)
            h->pos[i] = UINT32_MAX;
        h->ids = ids;
    }
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? 2 * h->cap : 64;
        uint32_t *heap = realloc(h->heap, cap * sizeof *heap);
        if (!heap)
            return -1;
        h->heap = heap;
        h->cap = cap;
    }
    deadline_remove(h, id);
    h->at[id] = t;
    h->heap[h->n] = id;
    h->pos[id] = h->n++;
    up(h, h->n - 1);
    return 0;
}

void deadline_remove(deadline_heap *h, uint32_t id)
{
    if (id >= h->ids || h->pos[id] == UINT32_MAX)
        return;
    uint32_t i = h->pos[id];
    h->pos[id] = UINT32_MAX;
    h->n--;
    if (i == h->n)
        return;
    h->heap[i] = h->heap[h->n];
    h->pos[h->heap[i]] = i;
    up(h, i);
    down(h, h->pos[h->heap[i]]);
}

bool deadline_pop_due(deadline_heap *h, double now, uint32_t *id)
{
    if (!h->n || h->at[h->heap[0]] > now)
        return false;
    *id = h->heap[0];
    deadline_remove(h, *id);
    return true;
}

double deadline_to_arm(deadline_heap *h)
{
    if (!h->n)
        return INFINITY;
    double t = h->at[h->heap[0]];
    if (t >= h->armed_at)
        return INFINITY;
    h->armed_at = t;
    return t;
}

void deadline_fired(deadline_heap *h, double now)
{
    if (now >= h->armed_at)
        h->armed_at = INFINITY;
}
