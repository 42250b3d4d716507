/* freelist.h — which slots of a growing array are free: a stack of indices beside an array
 * of items the owner keeps (requests, jobs, instances, batches, pending events), so that the
 * owner indexes its items as a plain typed array and recycles them without allocating.
 *
 * Invariants: every index in [0, capacity) is either free — on the stack, exactly once — or
 * taken by the owner; the owner's array holds at least capacity items. The order is part of
 * the results (which slot a request gets): after each growth the new indices come out lowest
 * first, and after that the last one given back is the first taken again (warm in cache).
 * Growth doubles up to a cap the owner sets; nothing ever shrinks until freelist_free.
 * Taking and giving back are inline and never allocate: the event loop may use them.
 *
 * The struct is in this header so that an owner can embed one (a zeroed freelist is empty,
 * with capacity 0); callers touch no field. */
#ifndef SLSIM_FREELIST_H
#define SLSIM_FREELIST_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct freelist {
    uint32_t *stack;    /* free indices; the top is taken next */
    uint32_t  n_free;
    uint32_t  cap;      /* items the owner's array holds */
    uint32_t  room;     /* indices the stack can hold (at least cap) */
} freelist;

/* Grows the owner's array items (item_size bytes each, freelist_capacity of them; NULL when
 * the capacity is 0) to first items when empty, else twice as many, at most max. Returns the
 * moved array, which the owner stores in place of items: the new items are zeroed and their
 * indices free. Returns NULL when the capacity is max already or memory ran out: items is
 * then unchanged and still the owner's, and so is the freelist. */
void *freelist_grow(freelist *fl, void *items, size_t item_size, uint32_t first, uint32_t max);
/* Frees the stack (not the owner's items); the freelist is empty again, capacity 0. */
void  freelist_free(freelist *fl);

static inline uint32_t freelist_capacity(const freelist *fl) { return fl->cap; }
static inline bool     freelist_empty(const freelist *fl) { return fl->n_free == 0; }

/* A free index, now taken. Only when !freelist_empty. */
static inline uint32_t freelist_take(freelist *fl)
{
    assert(fl->n_free > 0);
    return fl->stack[--fl->n_free];
}

/* Gives a taken index back. The asserts cost nothing in the normal build (NDEBUG: see
 * the Makefile's ASSERTS); a double give is the one way to overflow the stack. */
static inline void freelist_give(freelist *fl, uint32_t index)
{
    assert(index < fl->cap && fl->n_free < fl->cap);
    fl->stack[fl->n_free++] = index;
}

#endif
