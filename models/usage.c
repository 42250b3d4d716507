/* usage.c — the usage ledger: what each component used, as (component, tenant, dimension,
 * quantity) records that billing prices in one generic pass.
 *
 * Invariants: every record's component is below the world's component count; dim is an
 * index into the ledger's price table or -1 (unpriced: the name is kept in `unpriced` once,
 * and billing skips the record). Meters add records after the run, so the ledger may
 * allocate; a failed allocation sets `failed` and drops the record. */
#include "models/billing.h"

#include <stdlib.h>
#include <string.h>

void ledger_init(ledger *u, const price_table *t)
{
    memset(u, 0, sizeof *u);
    u->prices = t;
}

void ledger_free(ledger *u)
{
    free(u->rec);
    u->rec = NULL;
    u->n = u->cap = 0;
}

static void note_unpriced(ledger *u, const char *dimension)
{
    for (size_t i = 0; i < u->n_unpriced; i++)
        if (!strcmp(u->unpriced[i], dimension))
            return;
    if (u->n_unpriced < USAGE_UNPRICED_MAX) {
        size_t n = strlen(dimension);
        if (n >= PRICE_NAME_MAX)
            n = PRICE_NAME_MAX - 1;
        memcpy(u->unpriced[u->n_unpriced], dimension, n);
        u->unpriced[u->n_unpriced++][n] = '\0';
    }
}

void usage_add_ex(ledger *u, size_t component, int tenant, uint32_t flags, const char *dimension,
                  double quantity)
{
    const price_dim *d = price_find(u->prices, dimension);
    if (!d && quantity > 0)
        note_unpriced(u, dimension);
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 32;
        usage_record *r = realloc(u->rec, cap * sizeof *r);
        if (!r) {
            u->failed = true;
            return;
        }
        u->rec = r;
        u->cap = cap;
    }
    u->rec[u->n++] = (usage_record){ .component = (uint32_t)component, .tenant = tenant,
                                     .dim = d ? (int32_t)(d - u->prices->dim) : -1,
                                     .flags = flags, .quantity = quantity };
}

void usage_add(ledger *u, size_t component, const char *dimension, double quantity)
{
    usage_add_ex(u, component, USAGE_ANY_TENANT, 0, dimension, quantity);
}
