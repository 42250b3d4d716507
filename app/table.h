/* table.h — a text table laid out once every cell is known: each column as wide as its
 * widest cell (names are shown whole, never cut), columns two spaces apart, numbers
 * right-aligned. What compare, cost-curve, sweep and tune print. */
#ifndef SLSIM_APP_TABLE_H
#define SLSIM_APP_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "app/report.h"

typedef struct table {
    size_t rows, cols;
    char **cell;          /* rows x cols, row-major; NULL is an empty cell */
    bool  *left;          /* per column: left-aligned (else right) */
    int    oom;
} table;

/* A table of rows x cols empty cells, every column left-aligned. */
void table_init(table *t, size_t rows, size_t cols);
/* Sets cell (r, c) (a copy of the formatted text). */
void table_set(table *t, size_t r, size_t c, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void table_align_right(table *t, size_t c);
/* Appends the table to out, each line indented by indent spaces; row 0 is the header, and a
 * rule of dashes follows it. */
void table_print(const table *t, text *out, int indent);
void table_free(table *t);

#endif
