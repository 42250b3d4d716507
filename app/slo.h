/* slo.h — service levels for the studies: the --slo clauses, judged on a run's
 * replications, and the saturation flags every study shows, with or without them.
 *
 * A clause is NAME<=BOUND or NAME>=BOUND (slo_parse gives the names and units). A run is
 * judged per replication, then over replications: the clause's figure in each replication
 * (a share is that replication's ratio), their mean and Student's t 95% half-width. A clause
 * is met when the mean lies within its bound, and uncertain when the half-width reaches
 * across the bound (|mean - bound| < half-width): more replications would settle it. A
 * figure the run does not have (work.* in a scenario without pipelines) is "not measured"
 * and counts neither for nor against it.
 *
 * Saturated (slo_judge, whatever the clauses): a run in which some component had no
 * capacity left for a sustained part of the window — see the thresholds in slo.c and the
 * docs/commands.md's "Service levels and saturation". A study names a saturated variant cheapest only with the flag
 * beside it, and with --slo not at all. */
#ifndef SLSIM_SLO_H
#define SLSIM_SLO_H

#include <stdbool.h>
#include <stddef.h>

#include "app/run.h"

#define SLO_MAX            16   /* clauses on one command line */
#define SLO_REASONS_MAX     8   /* saturation reasons kept per run */

typedef enum slo_unit { SLO_MS, SLO_SECONDS, SLO_SHARE, SLO_MONEY, SLO_PLAIN } slo_unit;

typedef struct slo_clause {
    char     text[96];      /* as written, spaces removed: "p99<=500ms" */
    char     figure[160];   /* the figure judged ("latency_ms.p99"), or a share's numerator */
    char     per[64];       /* a share's denominator ("requests.arrived"), else "" */
    bool     at_least;      /* >= (else <=) */
    double   bound;         /* in the figure's unit: ms, s, a fraction, the currency */
    slo_unit unit;
    bool     optional;      /* absent from a run: "not measured" (work.*); else the name must
                               be a figure of the scenario (checked before anything runs) */
} slo_clause;

/* Parses expr into c. Returns 0, or -1 with the problem in err (one line, without the
 * option's name), e.g. "give the latency's unit, as in p99<=500ms or p99<=0.5s". */
int slo_parse(const char *expr, slo_clause *c, char *err, size_t err_size);

typedef enum slo_status {
    SLO_MET, SLO_MET_UNCERTAIN, SLO_MISSED_UNCERTAIN, SLO_MISSED, SLO_NOT_MEASURED
} slo_status;

typedef struct slo_verdict {
    size_t     n;                       /* clauses judged (0 without --slo) */
    double     value[SLO_MAX], ci95[SLO_MAX];
    slo_status status[SLO_MAX];
    bool       meets;                   /* no clause missed (true without clauses) */
    bool       uncertain;               /* some clause's interval reaches across its bound */
    bool       saturated;
    size_t     n_reasons;
    char       reason[SLO_REASONS_MAX][200];   /* why saturated, one line each */
} slo_verdict;

/* Judges run r against clauses c[0..n-1] and looks for saturation. */
void slo_judge(const slo_clause *c, size_t n, const run_result *r, slo_verdict *v);
/* Whether a study may name the run cheapest: with clauses, it meets them and is not
 * saturated; without, always (a saturated one is named with its flag). */
bool slo_eligible(const slo_verdict *v);
/* A clause's value in its unit, e.g. "812 ± 40 ms", "0.12% ± 0.03%", "$48.92". */
void slo_format(const slo_clause *c, double value, double ci95, char *buf, size_t size);
/* Whether clause k of c is met: "yes", "yes, uncertain: p99<=500ms (480 ± 40 ms)",
 * "no: p99<=500ms (812 ± 40 ms)", "no, uncertain: ..."; "" without clauses. */
void slo_describe(const slo_clause *c, const slo_verdict *v, char *buf, size_t size);
/* The clauses whose status is st (or, with also, also), joined by ';' ("p99<=500ms;failed<=0.1%"). */
void slo_list(const slo_clause *c, const slo_verdict *v, slo_status st, slo_status also, char *buf,
              size_t size);
/* The saturation reasons joined by "; " ("" when not saturated). */
void slo_reasons(const slo_verdict *v, char *buf, size_t size);
/* The verdict as JSON: saturated, saturation (reasons), meets_slo (null without clauses),
 * uncertain, and each clause's figure, value, ci95, bound and status. NULL: out of memory. */
struct cJSON *slo_verdict_json(const slo_clause *c, const slo_verdict *v);
/* The clauses as given, joined by ", ". */
void slo_summary(const slo_clause *c, size_t n, char *buf, size_t size);

#endif
