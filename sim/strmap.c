/* strmap.c — see strmap.h. */
#include "sim/strmap.h"

#include <stdlib.h>

uint64_t strmap_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

int strmap_add(strmap *m, uint64_t h, uint32_t index)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        uint32_t *slot = calloc(cap, sizeof *slot);
        uint64_t *hash = calloc(cap, sizeof *hash);
        if (!slot || !hash) {
            free(slot);
            free(hash);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slot[i])
                continue;
            size_t k = m->hash[i] & (cap - 1);
            while (slot[k])
                k = (k + 1) & (cap - 1);
            slot[k] = m->slot[i];
            hash[k] = m->hash[i];
        }
        free(m->slot);
        free(m->hash);
        m->slot = slot;
        m->hash = hash;
        m->cap = cap;
    }
    size_t k = h & (m->cap - 1);
    while (m->slot[k])
        k = (k + 1) & (m->cap - 1);
    m->slot[k] = index + 1;
    m->hash[k] = h;
    m->n++;
    return 0;
}

int64_t strmap_next(const strmap *m, uint64_t h, size_t *pos)
{
    if (!m->cap)
        return -1;
    for (size_t k = (h + *pos) & (m->cap - 1); m->slot[k]; k = (k + 1) & (m->cap - 1)) {
        (*pos)++;
        if (m->hash[k] == h)
            return (int64_t)m->slot[k] - 1;
    }
    return -1;
}

void strmap_free(strmap *m)
{
    free(m->slot);
    free(m->hash);
    *m = (strmap){ 0 };
}
