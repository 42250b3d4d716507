/* numfmt.h — numbers as people read them: thousands separators, fixed decimals for money,
 * significant figures for small ratios. One module, so that the text report, report.html,
 * the studies' tables and the architecture picture print a figure the same way. CSV and
 * JSON keep full precision and never go through here. */
#ifndef SLSIM_APP_NUMFMT_H
#define SLSIM_APP_NUMFMT_H

#include <stddef.h>

/* How a figure is shown. */
typedef enum num_style {
    NUM_COUNT,   /* 1,234,567 whole, else one decimal: 12.3 */
    NUM_MONEY,   /* 1,234.56 */
    NUM_RATIO,   /* 0.1234, 0.00133: at least 4 decimals, 3 significant figures */
    NUM_MS,      /* 1,234.5: one decimal */
} num_style;

/* x with thousands separators and decimals digits after the point: 1234567.891, 2 ->
 * "1,234,567.89"; "–" when x is not finite; -0.001 to 2 decimals is "0.00". */
void num_grouped(char *buf, size_t size, double x, int decimals);

/* A value and its 95% half-width in style s, into a and b. A value that is not finite is
 * "-" (nothing to measure); a half-width that is not finite is "". */
void num_pair(char *a, size_t na, char *b, size_t nb, double v, double ci, num_style s);

/* "value ± ci" in style s; with a difference d (finite), "value (+d ± dci)". */
void num_cell(char *buf, size_t size, double v, double ci, double d, double dci, num_style s);

/* A large count in words: 950,000; 4.30 million; 1.25 billion (3 significant figures). */
void num_volume(char *buf, size_t size, double x);

/* The style of a figure by its name: cost.* money; shares, ratios and *_ratio ratios;
 * latency_ms.* and *_ms_* milliseconds; the rest counts. */
num_style num_style_of(const char *figure);

#endif
