/* strmap.h — a map from string keys to indices, by hash: the keys live with the caller.
 *
 * Open addressing with linear probing over two parallel arrays (slot: index + 1, 0 for
 * empty; hash: the key's 64-bit hash), kept at most half full, capacity a power of two.
 * It is a multimap: the caller hashes its key (strmap_hash, or its own hash), adds the
 * key's index, and on lookup walks the indices stored under that hash with strmap_next,
 * comparing its own keys — so the map stores no strings and never owns any. Used for the
 * engine's named random streams and the trace readers' function, app and name tables.
 * Not for the event loop: adding may allocate. */
#ifndef SLSIM_STRMAP_H
#define SLSIM_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap {
    uint32_t *slot;     /* index + 1; 0: empty */
    uint64_t *hash;
    size_t    cap, n;
} strmap;

/* FNV-1a of s (64 bits). */
uint64_t strmap_hash(const char *s);
/* Stores index under hash (duplicates allowed). Returns 0, or -1 when out of memory (the
 * map is then unchanged). */
int      strmap_add(strmap *m, uint64_t hash, uint32_t index);
/* The next index stored under hash: start with *pos = 0; returns -1 when there is none
 * left. (Duplicates come in probe order, not necessarily the order they were added.) */
int64_t  strmap_next(const strmap *m, uint64_t hash, size_t *pos);
/* Frees the arrays; the map is empty again. */
void     strmap_free(strmap *m);

#endif
