/* billing.h — price tables and the monthly bill: one generic pass over the usage ledger.
 *
 * A price table is data (models/pricing/<name>.json, embedded, or a file the scenario
 * names). It maps each usage dimension a meter records ("functions.requests",
 * "queue.requests.fifo", "vm.instance_hours.m6i.large") to
 *   - its unit (a phrase, for people), and `per`: how many units one price is for
 *     (1,000,000 for "per million requests"; 1 by default);
 *   - a price, or monthly tiers (tiers apply to the dimension's monthly quantity);
 *   - a free-tier pool ("free": a key of `free_tier`, applied when the scenario asks for the
 *     free tier, or of `included`, a plan's inclusions, always applied). Dimensions that
 *     name one pool consume it in the order they appear in the table;
 *   - its bill line (several dimensions may share one: every instance type is one line).
 * A dimension may instead be a fixed monthly fee (`monthly_fee`), charged when the
 * dimension it is `shared_by` has any usage and shared in proportion to it.
 *
 * Billing happens after the run, never in the event loop: the measured window is
 * extrapolated to a month (730 hours in AWS's calculator), free pools and tiers apply to the
 * monthly quantities, and each line is rounded to cents, as in AWS's worked examples. A
 * component's share of a dimension is its share of the dimension's billable usage (a free
 * pool is credited to the eligible records in proportion to their usage).
 *
 * A table may "include" parts (embedded tables with "part_of" instead of "provider": the
 * services one cloud's function plans share, as azure-services for both Azure plans); their
 * pools, dimensions and services follow the table's own. Each dimension falls in a common
 * category (price_category) so that bills compare across providers.
 *
 * Adding a price line for an existing kind: its meter records the new dimension, and the
 * price table prices it. Nothing here changes. */
#ifndef SLSIM_BILLING_H
#define SLSIM_BILLING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cfg.h"

#define PRICE_TIERS_MAX 8
#define PRICE_DIMS_MAX  160
#define PRICE_LINES_MAX 64
#define PRICE_POOLS_MAX 32
#define PRICE_FACTS_MAX 4
#define PRICE_NAME_MAX  64
#define PRICE_OFFERS_MAX   16
#define PRICE_SERVICES_MAX 4
#define PRICE_INCLUDES_MAX 6

/* The common categories a bill's lines fall in, so that providers' bills compare line by
 * line (compare's cost.by_category.*): a dimension's "category", else its family's. */
typedef enum price_category {
    PRICE_COMPUTE, PRICE_REQUESTS, PRICE_MESSAGING, PRICE_DATA, PRICE_WORKFLOW, PRICE_LOGS,
    PRICE_NETWORK, PRICE_OTHER, PRICE_CATEGORIES
} price_category;
extern const char *const price_category_names[PRICE_CATEGORIES + 1];

typedef struct price_tier {
    double up_to;   /* monthly quantity (in `per` units) this tier ends at (INFINITY for the last) */
    double price;   /* per unit */
} price_tier;

typedef struct price_tiers {
    size_t     n;
    price_tier tier[PRICE_TIERS_MAX];
} price_tiers;

typedef struct price_dim {
    char        name[PRICE_NAME_MAX];   /* "queue.requests.fifo" */
    char        unit[64];
    int         line;          /* index into the table's lines */
    price_category category;
    double      per;           /* units one price is for */
    price_tiers tiers;         /* a flat price is one open tier */
    int         pool;          /* free pool, or -1 */
    double      monthly_fee;   /* > 0: a fixed fee, not a rate */
    int         shared_by;     /* a fee: the dimension whose usage it follows */
    size_t      n_facts;       /* other numbers a variant carries (an instance type's vcpu) */
    char        fact_name[PRICE_FACTS_MAX][16];
    double      fact[PRICE_FACTS_MAX];
} price_dim;

typedef struct price_pool {
    char   name[PRICE_NAME_MAX];
    double quantity;           /* a month's */
    bool   included;           /* a plan's inclusion: applies with the free tier off too */
} price_pool;

/* Which services a provider offers for a kind ("services": {"queue": {"offers": [...]}}): the
 * first is the default; none means the provider has no such service, and `instead` says what
 * it offers in its place. A table that says nothing of a kind leaves the kind's own default. */
typedef struct price_offer {
    char   kind[16];
    size_t n;
    char   service[PRICE_SERVICES_MAX][24];
    char   instead[240];
} price_offer;

typedef struct price_table {
    char       name[64], currency[8];
    char       provider[32];
    double     month_hours;
    size_t     n_dims, n_lines, n_pools, n_offers;
    price_dim  dim[PRICE_DIMS_MAX];
    char       line_name[PRICE_LINES_MAX][PRICE_NAME_MAX];
    price_category line_category[PRICE_LINES_MAX];   /* its first dimension's */
    price_pool pool[PRICE_POOLS_MAX];
    price_offer offer[PRICE_OFFERS_MAX];
} price_table;

/* ---- the usage ledger --------------------------------------------------------------------- */

#define USAGE_ANY_TENANT (-1)
/* A record the free tier does not cover (a Lambda function with provisioned concurrency). */
#define USAGE_NOT_FREE 1u

typedef struct usage_record {
    uint32_t component;
    int32_t  tenant;           /* USAGE_ANY_TENANT, or a tenant index */
    int32_t  dim;              /* index into the price table, or -1 when it prices nothing */
    uint32_t flags;
    double   quantity;         /* in the measured window */
} usage_record;

#define USAGE_UNPRICED_MAX 8

/* What a run used, one record per (component, tenant, dimension) a meter adds. Records are
 * added after the run (meters), never in the event loop. */
typedef struct ledger {
    const price_table *prices;
    size_t        n, cap;
    usage_record *rec;
    bool          failed;      /* out of memory */
    size_t        n_unpriced;  /* dimensions recorded with usage that the table does not price */
    char          unpriced[USAGE_UNPRICED_MAX][PRICE_NAME_MAX];
} ledger;

void ledger_init(ledger *u, const price_table *t);
void ledger_free(ledger *u);
/* Records quantity of dimension for a component (any tenant). The dimension is looked up in
 * the price table: the exact name, else its parents ("functions.gb_s.x86_64" is priced by
 * "functions.gb_s" in a table that does not price architectures apart). */
void usage_add(ledger *u, size_t component, const char *dimension, double quantity);
void usage_add_ex(ledger *u, size_t component, int tenant, uint32_t flags, const char *dimension,
                  double quantity);

/* ---- prices and the bill ------------------------------------------------------------------ */

typedef struct bill {
    size_t  n_lines;
    double  line[PRICE_LINES_MAX]; /* monthly, rounded to cents, in the table's line order */
    double  total;
    double  category[PRICE_CATEGORIES]; /* the lines' sums by category */
    size_t  n;
    double *by_component;          /* n entries, monthly, rounded to cents */
} bill;

/* Loads a price table: an embedded name ("aws-us-east-1") or a path to a JSON file
 * (relative paths are taken from base_dir). Every price and pool must carry "source" and
 * "date". Returns 0, or -1 with the message in ctx. */
int    billing_load(price_table *t, cfg_ctx *ctx, const char *name_or_path, const char *base_dir);
/* The dimension priced under name (exact, else its nearest parent), or NULL. */
const price_dim *price_find(const price_table *t, const char *name);
/* True when the table prices some dimension of the family ("queue" prices "queue.requests"). */
bool   price_has_family(const price_table *t, const char *family);
/* What the table says the provider offers for a kind, or NULL when it says nothing. */
const price_offer *price_offers(const price_table *t, const char *kind);
/* A number a dimension carries besides its price ("vcpu" of an instance type), or NAN. */
double price_fact(const price_dim *d, const char *fact);
/* Writes the variants priced under prefix ("vm.instance_hours."), comma separated (in
 * double quotes when quote), into buf (for messages). */
void   price_list_variants(const price_table *t, const char *prefix, bool quote, char *buf, size_t size);
/* Bills the ledger's usage measured over window_s seconds, extrapolated to a month.
 * b->by_component must have b->n entries (the components). */
void   billing_compute(const price_table *t, const ledger *u, bool free_tier, double window_s, bill *b);
/* What each tenant pays of a bill, in cents that add up to it. */
typedef struct tenant_bill {
    double *monthly;    /* n_tenants + 1: each tenant's, then the part nobody's (cost.unattributed) */
    double *category;   /* (n_tenants + 1) x PRICE_CATEGORIES: each part by category; a row adds
                           up to its monthly */
} tenant_bill;

/* Splits bill b (billing_compute's of the same ledger) over n_tenants tenants. A record that
 * names its tenant is that tenant's; a component's other records (usage not split by request:
 * provisioned capacity, idle instances, polling, storage, fees that follow its usage) are
 * shared in proportion to what the component received of each tenant — received[component
 * x n_tenants + tenant], the tenants' requests and messages that reached it (world's
 * tenant_received) —; those of a component no tenant reached are nobody's. Each part's exact
 * share is then rounded to cents by the largest remainders, so that the parts add up to
 * b->total to the cent. Returns 0, or -1 out of memory. */
int    billing_by_tenant(const price_table *t, const ledger *u, bool free_tier, double window_s,
                         size_t n_components, size_t n_tenants, const uint64_t *received,
                         const bill *b, tenant_bill *out);
/* Cost of a monthly quantity through tiers. */
double billing_tiered(const price_tiers *t, double quantity);
double billing_round_cents(double x);
#endif
