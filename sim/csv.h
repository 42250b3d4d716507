/* csv.h — reading comma-separated text: a file one line at a time (never whole), and a
 * line's fields split in place. Used by the trace readers (models/trace/) at load and at
 * replay, and by the plots' checks of the CSVs a run writes (app/plot.c).
 *
 * The dialect is the plain one recorded traces use: fields end at every comma; spaces and
 * tabs around a field and one pair of double quotes around it are stripped; a quoted field
 * cannot hold a comma or a quote. Lines end at \n, with any \r before it dropped; a UTF-8
 * byte-order mark at the very start of the file is not part of the first field.
 *
 * Invariants: a reader's buffer holds the longest line read so far, at most CSV_LINE_MAX
 * bytes, so memory does not grow with the file; offset and next are byte offsets in the file
 * (counting a byte-order mark), so a caller can seek back to a line it has seen. A split
 * line's fields point into the line: they live as long as the line is not overwritten. */
#ifndef SLSIM_CSV_H
#define SLSIM_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define CSV_LINE_MAX (16u << 20)   /* longest line, bytes: a file with no line ends is refused */

typedef struct csv_reader {
    FILE   *f;          /* the caller's: opened by it, closed by csv_reader_close */
    char   *buf;        /* the current line, without its end of line, NUL-terminated */
    size_t  cap;
    size_t  len;        /* of the current line (strlen(buf) is shorter when it holds a NUL) */
    long    line;       /* 1-based number of the current line since the start or the last seek */
    off_t   offset;     /* where the current line starts */
    off_t   next;       /* where the next one starts */
} csv_reader;

/* Reads the next line into r->buf. Returns 1, 0 at the end of the file, -1 on a read error
 * or when out of memory, -2 when the line is longer than CSV_LINE_MAX. */
int  csv_reader_next(csv_reader *r);
/* Moves r to byte offset (the start of a line it has seen). Returns 0, or -1. */
int  csv_reader_seek(csv_reader *r, off_t offset);
/* Closes r's file and frees its buffer; r is zeroed. */
void csv_reader_close(csv_reader *r);

/* The fields of a line: field[i] starts at 1-based column col[i] of the line. */
typedef struct csv_fields {
    char   **field;
    size_t  *col;
    size_t   n, cap;
} csv_fields;

/* Splits line in place into out (its arrays reused from call to call). Returns 0, or -1
 * when out of memory. An empty line is one empty field. */
int  csv_split(char *line, csv_fields *out);
void csv_fields_free(csv_fields *f);
/* Whether s holds nothing but spaces and tabs (a blank line is skipped, not a row). */
bool csv_blank(const char *s);

#endif
