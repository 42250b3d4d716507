/* pes.c — pending event set as a 4-ary min-heap of 16-byte integer keys.
 *
 * A node is one 128-bit key: the IEEE bits of the (non-negative) time on top, then a
 * 40-bit sequence number, then a 24-bit slot index. For non-negative doubles the bit
 * pattern orders like the value, so (time, seq) order is one integer comparison, which
 * the compiler turns into branch-free selects; the event's handler, target and argument
 * live in the slot array beside the heap, recycled through a free list (sim/freelist.h).
 * Measured here, this beat sifting whole 40-byte events with a branchy (time, seq)
 * comparison by about 2x on the pop path, which dominated the event loop; the kernel's
 * general indexed heap (sim/heap.h: binary, double keys, positions kept for removal) took
 * 17-20% more CPU time for the whole run, so the event set keeps this one.
 *
 * A pop leaves the root vacant (a hole): the handler's first push sifts down from there,
 * one pass serving the pop and the push, and an event sooner than the rest (the next
 * arrival) stays at the top; when a look at the minimum or a pop comes first, the last
 * node fills the hole (Floyd's bottom-up sift, prefetching a level ahead). This halved
 * the event set's instructions per invocation (issue 21: 1,037 -> 587 at 10,000/s).
 *
 * Invariants: every node's key is less than its children's; keys are unique (seq is), so
 * without a hole the root is the unique earliest event; with one, the nodes are
 * heap[1..size] and the earliest is among the root's children. Arrays only grow
 * (doubling): after warm-up the event loop never allocates. Limits: 2^24 pending events,
 * 2^40 pushes per set.
 *
 * Why not 64-bit keys: a non-negative double needs all 63 of its bits to order exactly,
 * and equal times are common (zero delays, constant delays from one instant, bursts), so
 * one bit is left for the tie-break, which needs the full push order; any narrower key
 * either rounds times or misorders ties. */
#include "sim/pes.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/freelist.h"

typedef unsigned __int128 key;

#define SLOT_BITS 24
#define SLOT_MAX  ((size_t)1 << SLOT_BITS)
/* Below this many pending events the set, its slots and what the handlers read stay in the
 * first-level caches and prefetching the next event's data only costs instructions (3% at
 * 100/s); above it the misses it hides pay (14% at 10,000/s: issue 21). */
#define PREFETCH_FROM 512

typedef struct slot {
    sim_handler handler;
    void       *target;
    uint64_t    arg;
    const void *hint;
} slot;

struct pes {
    key      *base;      /* 64-byte aligned allocation */
    key      *heap;      /* base + 3: node i's children 4i+1..4i+4 sit in one cache line */
    size_t    heap_cap;  /* nodes heap can hold: at least the slots' capacity */
    slot     *slots;
    freelist  free_slots;
    size_t    size;      /* pending events */
    bool      hole;      /* heap[0] is vacant (the root was popped): the nodes are heap[1..size] */
};

static inline uint64_t time_bits(double t)
{
    uint64_t b;
    if (!(t > 0))
        t = 0.0;      /* also maps -0.0 to +0.0 */
    memcpy(&b, &t, sizeof b);
    return b;
}

static inline double bits_time(uint64_t b)
{
    double t;
    memcpy(&t, &b, sizeof t);
    return t;
}

/* The heap's nodes, moved to room for cap (a multiple of 4: aligned_alloc takes a size
 * that is a multiple of 64). Returns 0, or -1 when out of memory (the heap is unchanged). */
static int heap_reserve(pes *q, size_t cap)
{
    if (cap <= q->heap_cap)
        return 0;
    key *b = aligned_alloc(64, (cap + 4) * sizeof *b);
    if (!b)
        return -1;
    if (q->size + q->hole)
        memcpy(b + 3, q->heap, (q->size + q->hole) * sizeof *b);
    free(q->base);
    q->base = b;
    q->heap = b + 3;
    q->heap_cap = cap;
    return 0;
}

/* Doubles the set (up to SLOT_MAX events), or makes its first room for `first` of them.
 * Returns 0, or -1 when full or out of memory. */
static int grow(pes *q, size_t first)
{
    size_t now = freelist_capacity(&q->free_slots);
    size_t cap = now ? 2 * now : first;
    if (heap_reserve(q, cap < SLOT_MAX ? cap : SLOT_MAX) != 0)
        return -1;
    slot *s = freelist_grow(&q->free_slots, q->slots, sizeof *s, (uint32_t)first, SLOT_MAX);
    if (!s)
        return -1;
    q->slots = s;
    return 0;
}

pes *pes_new(size_t initial_capacity)
{
    pes *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    size_t cap = initial_capacity ? initial_capacity : 64;
    if (cap > SLOT_MAX)
        cap = SLOT_MAX;
    if (grow(q, (cap + 3) & ~(size_t)3) != 0) {
        pes_free(q);
        return NULL;
    }
    return q;
}

void pes_free(pes *q)
{
    if (!q)
        return;
    free(q->base);
    free(q->slots);
    freelist_free(&q->free_slots);
    free(q);
}

/* ---- sifting ------------------------------------------------------------------------- */

/* The smallest of the four keys c[0..3], without a branch (which one wins is a coin flip
 * the branch predictor loses half the time). Keys are unique, so ties never arise. */
static inline const key *min_of_four(const key *c)
{
    const key *a = c + (c[1] < c[0]);
    const key *b = c + 2 + (c[3] < c[2]);
    uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;
    uintptr_t b_wins = (uintptr_t)0 - (uintptr_t)(*b < *a);
    return (const key *)(pa ^ ((pa ^ pb) & b_wins));
}

/* Node addresses: node p's first child is h + 4 (p - h) + 1, which as integers is
 * 4 p + (sizeof(key) - 3 h), one lea per level; a node address is at most end - 1. */
static inline uintptr_t first_child_adjust(const key *h)
{
    return (uintptr_t)sizeof(key) - 3 * (uintptr_t)h;
}

/* The smallest of the children of a family that ends early (fewer than four, from c to end),
 * or NULL when there are none. */
static inline key *min_of_few(uintptr_t c, uintptr_t end)
{
    if (c >= end)
        return NULL;
    key *best = (key *)c;
    for (key *x = best + 1; (uintptr_t)x < end; x++)
        if (*x < *best)
            best = x;
    return best;
}

/* Places k in the vacant node i of a heap of n nodes (h[0..n-1], node i vacant), moving it
 * down past smaller children. */
static inline void sift_down(key *h, size_t n, size_t i, key k)
{
    uintptr_t adjust = first_child_adjust(h), end = (uintptr_t)(h + n);
    key *p = h + i;
    for (;;) {
        uintptr_t c = 4 * (uintptr_t)p + adjust;
        key *best;
        if (c + 4 * sizeof(key) <= end)
            best = (key *)min_of_four((const key *)c);
        else if (!(best = min_of_few(c, end)))
            break;
        key b = *best;
        if (b >= k)
            break;
        *p = b;
        p = best;
    }
    *p = k;
}

/* Refills the root left vacant by the last pop with the last node. The last node is a
 * leaf and usually belongs near the bottom again, so the hole first walks down the path of
 * smaller children to a leaf (three comparisons a level instead of four, and no exit test to
 * mispredict), then the last node climbs from there, rarely more than a level (Floyd's
 * bottom-up variant). */
static inline void fill_hole(pes *q)
{
    q->hole = false;
    size_t n = q->size;
    if (n == 0)
        return;
    key *h = q->heap, last = h[n], *p = h;
    uintptr_t adjust = first_child_adjust(h), end = (uintptr_t)(h + n);
    for (;;) {
        uintptr_t c = 4 * (uintptr_t)p + adjust;
        key *best;
        if (c + 4 * sizeof(key) <= end) {
            /* The grandchildren's four lines, while the children are compared. */
            uintptr_t g = 4 * c + adjust;
            __builtin_prefetch((const void *)g);
            __builtin_prefetch((const void *)(g + 64));
            __builtin_prefetch((const void *)(g + 128));
            __builtin_prefetch((const void *)(g + 192));
            best = (key *)min_of_four((const key *)c);
        } else if (!(best = min_of_few(c, end)))
            break;
        *p = *best;
        p = best;
    }
    size_t i = (size_t)(p - h);
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (last >= h[parent])
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = last;
}

/* ---- API ------------------------------------------------------------------------------ */

size_t pes_size(const pes *q) { return q->size; }

double pes_min_time(pes *q)
{
    if (q->hole)
        fill_hole(q);
    return bits_time((uint64_t)(q->heap[0] >> 64));
}

int pes_peek(pes *q, pes_event *out)
{
    if (q->size == 0)
        return -1;
    if (q->hole)
        fill_hole(q);
    key top = q->heap[0];
    const slot *s = &q->slots[(uint32_t)(top & (SLOT_MAX - 1))];
    *out = (pes_event){ bits_time((uint64_t)(top >> 64)), (uint64_t)top >> SLOT_BITS,
                        s->handler, s->target, s->arg, s->hint };
    return 0;
}

int pes_push(pes *q, const pes_event *e)
{
    if (q->size == freelist_capacity(&q->free_slots) && grow(q, 0) != 0)
        return -1;
    if (e->seq >= ((uint64_t)1 << (64 - SLOT_BITS)))
        return -1;
    uint32_t sl = freelist_take(&q->free_slots);
    q->slots[sl] = (slot){ e->handler, e->target, e->arg, e->hint };
    key k = ((key)time_bits(e->time) << 64) | (e->seq << SLOT_BITS) | sl;
    if (q->hole) {
        /* The popped root's place: one sift down from the top serves the pop and this push
         * (and an event sooner than the root's children, the common case, stays there). */
        q->hole = false;
        sift_down(q->heap, ++q->size, 0, k);
        return 0;
    }
    size_t i = q->size++;
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (k >= q->heap[parent])
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = k;
    return 0;
}

int pes_pop(pes *q, pes_event *out)
{
    if (q->size == 0)
        return -1;
    if (q->hole)
        fill_hole(q);
    key top = q->heap[0];
    uint32_t sl = (uint32_t)(top & (SLOT_MAX - 1));
    const slot *s = &q->slots[sl];
    *out = (pes_event){ bits_time((uint64_t)(top >> 64)), (uint64_t)top >> SLOT_BITS,
                        s->handler, s->target, s->arg, s->hint };
    freelist_give(&q->free_slots, sl);
    /* The next event is the smallest of the root's children unless the handler pushes a
     * sooner one: what its handler reads first is fetched while this event is handled. */
    if (q->size > PREFETCH_FROM) {
        /* By time alone (a hint needs no tie-break): 64-bit compares are a few instructions. */
        const uint64_t *c = (const uint64_t *)(q->heap + 1);   /* little-endian: time is word 1 */
        size_t a = c[3] < c[1], b = 2 + (c[7] < c[5]);
        size_t m = c[2 * b + 1] < c[2 * a + 1] ? b : a;
        __builtin_prefetch(q->slots[(uint32_t)(q->heap[1 + m] & (SLOT_MAX - 1))].hint);
    }
    /* The root stays vacant: the handler's first push fills it, or else the next look at
     * the minimum moves the last node there. */
    q->size--;
    q->hole = true;
    return 0;
}
