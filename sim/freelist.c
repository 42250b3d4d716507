/* freelist.c — the free indices of an owner's growing array; the invariants are in
 * freelist.h. */
#include "sim/freelist.h"

#include <stdlib.h>
#include <string.h>

void *freelist_grow(freelist *fl, void *items, size_t item_size, uint32_t first, uint32_t max)
{
    uint64_t cap = fl->cap ? 2 * (uint64_t)fl->cap : first;
    if (cap > max)
        cap = max;
    if (cap <= fl->cap || item_size == 0 || cap > SIZE_MAX / item_size)
        return NULL;
    /* The stack first: if the items then cannot move, a larger stack is harmless. */
    if (cap > fl->room) {
        uint32_t *stack = realloc(fl->stack, (size_t)cap * sizeof *stack);
        if (!stack)
            return NULL;
        fl->stack = stack;
        fl->room = (uint32_t)cap;
    }
    /* Items start on a cache line, so that a record's first 64 bytes are one line. */
    size_t bytes = (size_t)cap * item_size;
    char *grown = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!grown)
        return NULL;
    if (items) {
        memcpy(grown, items, (size_t)fl->cap * item_size);
        free(items);
    }
    memset(grown + (size_t)fl->cap * item_size, 0, (size_t)(cap - fl->cap) * item_size);
    for (uint32_t i = (uint32_t)cap; i-- > fl->cap;)
        fl->stack[fl->n_free++] = i;
    fl->cap = (uint32_t)cap;
    return grown;
}

void freelist_free(freelist *fl)
{
    free(fl->stack);
    *fl = (freelist){ 0 };
}
