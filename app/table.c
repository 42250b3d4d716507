/* table.c — text tables laid out by their widest cells (see table.h). */
#include "app/table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void table_init(table *t, size_t rows, size_t cols)
{
    *t = (table){ .rows = rows, .cols = cols };
    size_t k = rows * cols;
    t->cell = calloc(k ? k : 1, sizeof *t->cell);
    t->left = malloc(cols ? cols : 1);
    if (!t->cell || !t->left) {
        t->oom = 1;
        return;
    }
    memset(t->left, 1, cols);
}

void table_set(table *t, size_t r, size_t c, const char *fmt, ...)
{
    if (t->oom || r >= t->rows || c >= t->cols)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (s = malloc((size_t)n + 1))) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    } else {
        t->oom = 1;
    }
    free(t->cell[r * t->cols + c]);
    t->cell[r * t->cols + c] = s;
}

void table_align_right(table *t, size_t c)
{
    if (!t->oom && c < t->cols)
        t->left[c] = 0;
}

/* Characters as a terminal shows them: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

void table_print(const table *t, text *out, int indent)
{
    if (t->oom) {
        out->oom = 1;
        return;
    }
    size_t *w = calloc(t->cols ? t->cols : 1, sizeof *w), total = 0;
    if (!w) {
        out->oom = 1;
        return;
    }
    for (size_t c = 0; c < t->cols; c++) {
        for (size_t r = 0; r < t->rows; r++) {
            size_t k = width(t->cell[r * t->cols + c]);
            if (k > w[c])
                w[c] = k;
        }
        total += w[c] + (c ? 2 : 0);
    }
    for (size_t r = 0; r < t->rows; r++) {
        text_printf(out, "%*s", indent, "");
        for (size_t c = 0; c < t->cols; c++) {
            const char *s = t->cell[r * t->cols + c] ? t->cell[r * t->cols + c] : "";
            size_t pad = w[c] - width(s);
            bool last = c + 1 == t->cols;
            if (c)
                text_printf(out, "  ");
            if (t->left[c])
                text_printf(out, "%s%*s", s, last ? 0 : (int)pad, "");
            else
                text_printf(out, "%*s%s", (int)pad, "", s);
        }
        while (out->n > 0 && out->s && out->s[out->n - 1] == ' ')   /* no trailing blanks */
            out->s[--out->n] = '\0';
        text_printf(out, "\n");
        if (r == 0) {
            text_printf(out, "%*s", indent, "");
            for (size_t k = 0; k < total; k++)
                text_printf(out, "-");
            text_printf(out, "\n");
        }
    }
    free(w);
}

void table_free(table *t)
{
    for (size_t i = 0; t->cell && i < t->rows * t->cols; i++)
        free(t->cell[i]);
    free(t->cell);
    free(t->left);
    *t = (table){ 0 };
}
