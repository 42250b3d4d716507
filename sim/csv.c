/* csv.c — lines of a file and fields of a line; the dialect and invariants are in csv.h. */
#include "sim/csv.h"

#include <stdlib.h>
#include <string.h>

int csv_reader_next(csv_reader *r)
{
    size_t n = 0;
    int c = EOF;
    while ((c = getc_unlocked(r->f)) != EOF) {
        if (n + 1 >= r->cap) {
            if (r->cap >= CSV_LINE_MAX)
                return -2;
            size_t cap = r->cap ? 2 * r->cap : 4096;
            char *grown = realloc(r->buf, cap);
            if (!grown)
                return -1;
            r->buf = grown;
            r->cap = cap;
        }
        r->buf[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return ferror(r->f) ? -1 : 0;
    r->buf[n] = '\0';
    r->offset = r->next;
    r->next += n;
    r->line++;
    /* A byte-order mark, as a spreadsheet's "CSV UTF-8" writes: not part of the first
     * column's name (offsets still count it; columns count what an editor shows). */
    if (r->offset == 0 && n >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) {
        memmove(r->buf, r->buf + 3, n - 2);
        n -= 3;
    }
    while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r'))
        r->buf[--n] = '\0';
    r->len = n;
    return 1;
}

int csv_reader_seek(csv_reader *r, off_t offset)
{
    if (fseeko(r->f, offset, SEEK_SET) != 0)
        return -1;
    r->next = offset;
    r->line = 0;
    return 0;
}

void csv_reader_close(csv_reader *r)
{
    if (r->f)
        fclose(r->f);
    free(r->buf);
    *r = (csv_reader){ 0 };
}

int csv_split(char *line, csv_fields *out)
{
    out->n = 0;
    char *p = line;
    for (;;) {
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 16;
            char **field = realloc(out->field, cap * sizeof *field);
            if (!field)
                return -1;
            out->field = field;
            size_t *col = realloc(out->col, cap * sizeof *col);
            if (!col)
                return -1;
            out->col = col;
            out->cap = cap;
        }
        char *end = strchr(p, ',');
        if (end)
            *end = '\0';
        out->col[out->n] = (size_t)(p - line) + 1;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strlen(p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            p[--n] = '\0';
        if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
            p[n - 1] = '\0';
            p++;
        }
        out->field[out->n++] = p;
        if (!end)
            return 0;
        p = end + 1;
    }
}

void csv_fields_free(csv_fields *f)
{
    free(f->field);
    free(f->col);
    *f = (csv_fields){ 0 };
}

bool csv_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}
