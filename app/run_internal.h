/* run_internal.h — what app/run.c shares with app/partition.c (the partitioned replay):
 * a replication's row of figures, its metering and its bill. */
#ifndef SLSIM_RUN_INTERNAL_H
#define SLSIM_RUN_INTERNAL_H

#include "models/billing.h"
#include "models/function.h"
#include "models/world.h"

/* A replication's row of figures from w and its bill (w NULL: names only, or placeholders
 * in collecting mode). ff: the functions' figures, one per function in component order,
 * when they do not come from w's states (a partitioned replay's), else NULL. comp_start,
 * when not NULL, receives where each component's figures start in the row (n_components
 * + 1 entries: the last is where the components' end). */
void run_collect(const world_spec *spec, const world *w, const bill *b, const tenant_bill *tb,
                 const function_figures *ff, size_t *comp_start, metric_sink *m);
/* The replication's billable usage into u: each started component's meter, then the
 * entry's, the network's and the CDN's. */
void run_meter(const world_spec *spec, const world *w, ledger *u);
/* The bill of u (and the tenants' parts of it, with tenant_received); allocates what
 * run_bill_free frees (also after a failure). Returns 0, or -1 with a message in err (out
 * of memory, usage the price table does not price). */
int  run_bill(const world_spec *spec, const ledger *u, const uint64_t *tenant_received, bill *b,
              tenant_bill *tb, char *err, size_t err_size);
void run_bill_free(bill *b, tenant_bill *tb);

#endif
