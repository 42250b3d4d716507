/* table_capacity.h — a DynamoDB table's capacity: on-demand or provisioned (with auto
 * scaling's lag and its limit on decreases), partitions with their own throughput limit,
 * and the popularity of the keys (uniform or Zipf) that decides how the calls spread over
 * the partitions. The service kind (models/service.c) owns one per DynamoDB component and
 * asks it, for each arriving call, whether the call is admitted.
 *
 * The model is off (table_capacity_spec.on false) unless a scenario gives one of its keys,
 * so a table that gives none behaves exactly as before: on demand, without limits. */
#ifndef SLSIM_TABLE_CAPACITY_H
#define SLSIM_TABLE_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

#include "models/ratelimit.h"
#include "models/world.h"
#include "sim/cfg.h"

typedef struct table_capacity_spec {
    bool     on;                  /* any of the keys below was given */
    bool     provisioned;         /* else on demand */
    bool     write;               /* the component's calls write (WCUs), else read (RCUs) */
    double   request_units;       /* per call */
    double   units;               /* provisioned: units a second at the start */
    double   burst_s;             /* provisioned: unused capacity kept, in seconds of it */
    bool     auto_scaling;
    double   min_units, max_units, target, scale_delay_s;
    uint32_t partitions;
    double   partition_max;       /* a partition's published ceiling: 3,000 RCU or 1,000 WCU a second */
    bool     adaptive;            /* adaptive capacity: a partition may use up to its ceiling */
    double   key_count, zipf_s;   /* key popularity: share of key k = k^-s / H(N, s) */
    double  *partition_cdf;       /* partitions entries; the calls' distribution over them */
    double   hottest_key_share, hot_partition_share;
} table_capacity_spec;

/* Reads the capacity keys of a DynamoDB object d (its "table" or pricing.dynamodb) for calls
 * of request_units each (write: WCUs). Checks that the price table prices provisioned capacity
 * when it is asked for. Errors go to d. */
void table_capacity_parse(cfg_node *d, bool write, double request_units, const world_spec *w,
                          table_capacity_spec *c);
void table_capacity_free_spec(table_capacity_spec *c);

typedef struct table_capacity_state table_capacity_state;

/* The run state of one replication (NULL when out of memory); name names its random stream. */
table_capacity_state *table_capacity_start(const table_capacity_spec *c, world *w, const char *name);
void table_capacity_free(table_capacity_state *st);

/* Why a call was refused. */
typedef enum capacity_verdict { CAPACITY_ADMIT, CAPACITY_PARTITION, CAPACITY_TABLE } capacity_verdict;
/* An arriving call: admitted (its units taken from its partition and the table), or throttled
 * by its partition's limit or by the table's capacity. */
capacity_verdict table_capacity_admit(table_capacity_state *st, double now);
/* The end of the window: closes the capacity's integral. */
void table_capacity_finish(table_capacity_state *st);
/* Its figures (st NULL: names only). */
void table_capacity_report(const table_capacity_spec *c, const table_capacity_state *st, metric_sink *m);
/* Provisioned capacity-hours of the window (0 on demand). */
double table_capacity_unit_hours(const table_capacity_state *st);

#endif
