/* exercise_page.c — an exercise page's commands run as written, and its answer's numbers
 * checked against them (see exercise_page.h).
 *
 * Invariant: p->checked has one byte per byte of the answer; a byte is 1 once a checked
 * text (page_says, page_given) covers it. A number of the answer is a run of digits with
 * its grouping commas, decimal point and exponent, not part of a word (p99, s3, x86_64) and
 * not inside `code`; page_close asserts that every byte of every number is covered. */
#include <check.h>
#include <ctype.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "sim/csv.h"
#include "sim/dist.h"
#include "tests/exercise_page.h"
#include "tests/support.h"

#define EXERCISES "scenarios/exercises"

/* ---- the page ------------------------------------------------------------------------ */

/* The section of text that starts with heading ("## Run") up to the next "## ", or NULL. */
static const char *section(const char *text, const char *heading, size_t *len)
{
    const char *s = strstr(text, heading);
    if (!s)
        return NULL;
    const char *end = strstr(s + strlen(heading), "\n## ");
    *len = end ? (size_t)(end - s) : strlen(s);
    return s;
}

/* Adds command to p, each $var and ${var} replaced by value (var NULL: as it is). */
static void add_command(exercise_page *p, const char *command, const char *var, const char *value)
{
    ck_assert_msg(p->n_commands < PAGE_COMMANDS_MAX, "%s: too many commands", p->path);
    char out[4096];
    size_t k = 0, vlen = var ? strlen(var) : 0;
    for (const char *c = command; *c && k + 1 < sizeof out;) {
        if (var && c[0] == '$' && !strncmp(c + 1, var, vlen) && !isalnum((unsigned char)c[1 + vlen]) &&
            c[1 + vlen] != '_') {
            k += (size_t)snprintf(out + k, sizeof out - k, "%s", value);
            c += 1 + vlen;
        } else if (var && !strncmp(c, "${", 2) && !strncmp(c + 2, var, vlen) && c[2 + vlen] == '}') {
            k += (size_t)snprintf(out + k, sizeof out - k, "%s", value);
            c += 3 + vlen;
        } else {
            out[k++] = *c++;
        }
        ck_assert_msg(k + 1 < sizeof out, "%s: a command too long", p->path);
    }
    out[k] = '\0';
    p->commands[p->n_commands] = strdup(out);
    ck_assert_ptr_nonnull(p->commands[p->n_commands]);
    p->n_commands++;
}

/* The commands of the "## Run" block: the lines of its code fences that start with
 * "./slsim " or "sh ", backslash-continued lines joined, a trailing " # comment" dropped;
 * a loop "for VAR in A B C; do ... done" gives its commands once per value, $VAR replaced. */
static void read_commands(exercise_page *p)
{
    size_t len;
    const char *run = section(p->text, "## Run", &len);
    ck_assert_msg(run != NULL, "%s has no ## Run section", p->path);
    char *block = support_alloc(len + 1, 1);
    memcpy(block, run, len);
    /* The logical lines of the fences. */
    char *lines[256];
    size_t n_lines = 0;
    int fenced = 0;
    char line[4096] = "";
    for (char *l = strtok(block, "\n"); l; l = strtok(NULL, "\n")) {
        if (!strncmp(l, "```", 3)) {
            fenced = !fenced;
            continue;
        }
        if (!fenced)
            continue;
        const char *t = l + strspn(l, " \t");
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, "%s%s", used ? " " : "", t);
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\\') {
            line[n - 1] = '\0';
            while (n > 1 && line[n - 2] == ' ')
                line[--n - 1] = '\0';
            continue;
        }
        char *hash = strstr(line, " #");
        if (hash)
            *hash = '\0';
        for (n = strlen(line); n > 0 && line[n - 1] == ' '; n--)
            line[n - 1] = '\0';
        ck_assert(n_lines < sizeof lines / sizeof *lines);
        lines[n_lines] = strdup(line);
        ck_assert_ptr_nonnull(lines[n_lines]);
        n_lines++;
        line[0] = '\0';
    }
    free(block);
    for (size_t i = 0; i < n_lines; i++) {
        char var[64], values[512];
        int used = 0;
        if (sscanf(lines[i], "for %63s in %511[^;]; do%n", var, values, &used) == 2 && used > 0 &&
            lines[i][used] == '\0') {
            size_t end = i + 1;
            while (end < n_lines && strcmp(lines[end], "done") != 0)
                end++;
            ck_assert_msg(end < n_lines, "%s: a for loop without its done", p->path);
            for (char *v = strtok(values, " "); v; v = strtok(NULL, " "))
                for (size_t k = i + 1; k < end; k++)
                    if (!strncmp(lines[k], "./slsim ", 8) || !strncmp(lines[k], "sh ", 3))
                        add_command(p, lines[k], var, v);
            i = end;
            continue;
        }
        if (!strncmp(lines[i], "./slsim ", 8) || !strncmp(lines[i], "sh ", 3))
            add_command(p, lines[i], NULL, NULL);
    }
    for (size_t i = 0; i < n_lines; i++)
        free(lines[i]);
    ck_assert_msg(p->n_commands > 0, "%s: no ./slsim command in its ## Run block", p->path);
}

void exercise_page_open(exercise_page *p, int number)
{
    memset(p, 0, sizeof *p);
    p->number = number;
    char pattern[128];
    snprintf(pattern, sizeof pattern, EXERCISES "/%02d-*.md", number);
    glob_t g;
    ck_assert_msg(glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc == 1, "no single page %s", pattern);
    snprintf(p->path, sizeof p->path, "%s", g.gl_pathv[0]);
    globfree(&g);
    const char *base = strrchr(p->path, '/') + 1;
    snprintf(p->slug, sizeof p->slug, "%.*s", (int)(strlen(base) - 3), base);
    p->text = support_read_file(p->path);
    ck_assert_ptr_nonnull(p->text);
    size_t len;
    const char *answer = section(p->text, "## Answer", &len);
    ck_assert_msg(answer != NULL, "%s has no ## Answer section", p->path);
    const char *body = strchr(answer, '\n');
    p->answer = body ? body + 1 : answer + len;
    p->answer_len = body ? len - (size_t)(p->answer - answer) : 0;
    p->checked = support_alloc(p->answer_len + 1, 1);
    read_commands(p);
    support_tempdir(p->tmp, sizeof p->tmp);
}

/* Whether byte i of the answer lies inside a `code` span (spans do not cross lines). */
static int in_code(const exercise_page *p, size_t i)
{
    size_t start = i;
    while (start > 0 && p->answer[start - 1] != '\n')
        start--;
    int open = 0;
    for (size_t k = start; k < i; k++)
        open ^= p->answer[k] == '`';
    return open;
}

void exercise_page_close(exercise_page *p)
{
    const char *a = p->answer;
    char unchecked[2048] = "";
    size_t n_unchecked = 0;
    for (size_t i = 0; i < p->answer_len;) {
        unsigned char c = (unsigned char)a[i];
        if (isalpha(c) || c == '_') {
            /* a word, digits and all: p99, x86_64, s3 */
            while (i < p->answer_len && (isalnum((unsigned char)a[i]) || a[i] == '_' ||
                                         (a[i] == '.' && isdigit((unsigned char)a[i + 1]))))
                i++;
            continue;
        }
        if (!isdigit(c)) {
            i++;
            continue;
        }
        size_t start = i, line = i;
        while (line > 0 && p->answer[line - 1] == ' ')
            line--;
        if (line == 0 || p->answer[line - 1] == '\n') {
            /* a list item's number, "2. " */
            size_t k = i + strspn(a + i, "0123456789");
            if (a[k] == '.' && a[k + 1] == ' ') {
                i = k + 1;
                continue;
            }
        }
        while (i < p->answer_len && (isdigit((unsigned char)a[i]) ||
                                     ((a[i] == ',' || a[i] == '.') && isdigit((unsigned char)a[i + 1]))))
            i++;
        if ((a[i] == 'e' || a[i] == 'E') && isdigit((unsigned char)a[i + 1 + (a[i + 1] == '+' || a[i + 1] == '-')]))
            for (i += 2; isdigit((unsigned char)a[i]); i++)
                ;
        if (in_code(p, start))
            continue;
        int covered = 1;
        for (size_t k = start; k < i; k++)
            covered &= p->checked[k];
        if (!covered) {
            size_t used = strlen(unchecked);
            snprintf(unchecked + used, sizeof unchecked - used, "%s\"%.*s\" (\"%.*s\")", n_unchecked ? ", " : "",
                     (int)(i - start), a + start, (int)((i + 20 < p->answer_len ? i + 20 : p->answer_len) -
                                                        (start > 20 ? start - 20 : 0)),
                     a + (start > 20 ? start - 20 : 0));
            n_unchecked++;
        }
    }
    ck_assert_msg(n_unchecked == 0, "%s: %zu numbers of the answer are not checked: %s", p->path, n_unchecked,
                  unchecked);
    for (size_t k = 0; k < p->n_commands; k++)
        free(p->commands[k]);
    free(p->text);
    free(p->checked);
    support_rmrf(p->tmp);
    memset(p, 0, sizeof *p);
}

/* ---- the commands -------------------------------------------------------------------- */

const char *page_command(const exercise_page *p, const char *text)
{
    const char *found = NULL;
    size_t len = strlen(text);
    int at_end = len > 0 && text[len - 1] == '$';
    for (size_t k = 0; k < p->n_commands; k++) {
        const char *c = p->commands[k];
        size_t n = strlen(c);
        int match = at_end ? n >= len - 1 && !strncmp(c + n - (len - 1), text, len - 1) : strstr(c, text) != NULL;
        if (match) {
            ck_assert_msg(!found, "%s: several commands contain \"%s\"", p->path, text);
            found = c;
        }
    }
    ck_assert_msg(found != NULL, "%s: no command contains \"%s\"", p->path, text);
    return found;
}

char **page_split(const char *command, int *n)
{
    size_t len = strlen(command);
    char *words = support_alloc(len + 1, 1);
    char **argv = support_alloc(len + 2, sizeof *argv);
    char *w = words;
    int count = 0;
    for (const char *s = command; *s;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        argv[count++] = w;
        char quote = 0;
        for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
            if (quote) {
                if (*s == quote)
                    quote = 0;
                else if (quote == '"' && *s == '\\' && s[1])
                    *w++ = *++s;
                else
                    *w++ = *s;
            } else if (*s == '\'' || *s == '"') {
                quote = *s;
            } else if (*s == '\\' && s[1]) {
                *w++ = *++s;
            } else {
                *w++ = *s;
            }
        }
        ck_assert_msg(!quote, "unbalanced quote in: %s", command);
        *w++ = '\0';
    }
    argv[count] = NULL;
    if (count == 0) {
        free(words);
        argv[0] = NULL;
    }
    *n = count;
    return argv;
}

/* Asserts that command writes its results under results/exercises/<slug>/. */
static void assert_out_folder(const exercise_page *p, const char *command)
{
    char want[256];
    snprintf(want, sizeof want, "--out results/exercises/%s/", p->slug);
    ck_assert_msg(strstr(command, want) != NULL, "%s: \"%s\" does not write under %s", p->path, command, want + 6);
}

void page_run(const exercise_page *p, const char *text, world_spec **spec, run_result *res)
{
    const char *command = page_command(p, text);
    assert_out_folder(p, command);
    int n;
    char **argv = page_split(command, &n);
    ck_assert_msg(n >= 3 && !strcmp(argv[0], "./slsim") && !strcmp(argv[1], "run"), "%s: not a run: %s", p->path,
                  command);
    cli_args a;
    int rc = cli_parse(cli_command_find("run"), n, argv, &a);
    ck_assert_msg(rc == 0 && a.n_operands == 1, "%s: slsim refuses \"%s\"", p->path, command);
    char err[1024] = "";
    *spec = world_spec_load(a.operands[0], &a.common, err, sizeof err);
    ck_assert_msg(*spec != NULL, "%s: %s", command, err);
    ck_assert_msg(run_scenario(*spec, 1, res, err, sizeof err) == 0, "%s: %s", command, err);
    cli_args_free(&a);
    free(argv[0]);
    free(argv);
}

void page_study(exercise_page *p, const char *text, char *dir, size_t size)
{
    const char *command = page_command(p, text);
    assert_out_folder(p, command);
    /* The command as written, its results/ moved into the temporary folder. */
    char shell[8192] = "", *o = shell;
    const char *s = command;
    if (!strncmp(s, "./slsim ", 8)) {
        o += snprintf(o, sizeof shell, "'%s' ", support_binary());
        s += 8;
    }
    for (const char *r; (r = strstr(s, "--out results/")) != NULL; s = r + strlen("--out results/"))
        o += snprintf(o, sizeof shell - (size_t)(o - shell), "%.*s--out '%s'/results/", (int)(r - s), s, p->tmp);
    snprintf(o, sizeof shell - (size_t)(o - shell), "%s", s);
    const char *out = strstr(command, "--out results/") + 6;
    snprintf(dir, size, "%s/%.*s", p->tmp, (int)strcspn(out, " "), out);
    char log[16384];
    int rc = support_sh(log, sizeof log, "SLSIM='%s' SLSIM_NO_PLOTS=1 %s >/dev/null", support_binary(), shell);
    ck_assert_msg(rc == 0, "%s: \"%s\" exited %d: %s", p->path, command, rc, log);
}

double page_csv(const char *dir, const char *file, const char *where, const char *column)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    csv_reader r = { .f = f };
    csv_fields head = { 0 }, row = { 0 };
    ck_assert_int_eq(csv_reader_next(&r), 1);
    char *header = strdup(r.buf);
    ck_assert_ptr_nonnull(header);
    ck_assert_int_eq(csv_split(header, &head), 0);
    /* The conditions: name=value pairs, split at commas. */
    char cond[512];
    snprintf(cond, sizeof cond, "%s", where);
    const char *names[16], *values[16];
    size_t n_cond = 0;
    for (char *c = strtok(cond, ","); c && n_cond < 16; c = strtok(NULL, ",")) {
        char *eq = strchr(c, '=');
        ck_assert_ptr_nonnull(eq);
        *eq = '\0';
        names[n_cond] = c;
        values[n_cond++] = eq + 1;
    }
    size_t col_of[16], want = head.n;
    for (size_t k = 0; k < n_cond; k++) {
        col_of[k] = head.n;
        for (size_t i = 0; i < head.n; i++)
            if (!strcmp(head.field[i], names[k]))
                col_of[k] = i;
        ck_assert_msg(col_of[k] < head.n, "%s has no column %s", path, names[k]);
    }
    for (size_t i = 0; i < head.n; i++)
        if (!strcmp(head.field[i], column))
            want = i;
    ck_assert_msg(want < head.n, "%s has no column %s", path, column);
    double value = 0;
    int found = 0;
    while (!found && csv_reader_next(&r) == 1) {
        ck_assert_int_eq(csv_split(r.buf, &row), 0);
        int match = row.n == head.n;
        for (size_t k = 0; k < n_cond && match; k++)
            match = !strcmp(row.field[col_of[k]], values[k]);
        if (match) {
            char *end;
            value = strtod(row.field[want], &end);
            ck_assert_msg(end != row.field[want], "%s: %s is not a number: %s", path, column, row.field[want]);
            found = 1;
        }
    }
    ck_assert_msg(found, "%s: no row where %s", path, where);
    free(header);
    csv_fields_free(&head);
    csv_fields_free(&row);
    csv_reader_close(&r);
    return value;
}

/* ---- the answer's numbers ------------------------------------------------------------ */

/* Inserts thousands separators into the integer part of the number in s (size bytes). */
static void group_thousands(char *s, size_t size)
{
    char out[160];
    size_t sign = *s == '-' || *s == '+', n = strspn(s + sign, "0123456789"), k = 0;
    ck_assert(strlen(s) + n / 3 < sizeof out && strlen(s) + n / 3 < size);
    memcpy(out, s, sign);
    k = sign;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = s[sign + i];
    }
    size_t rest = strlen(s + sign + n);
    memcpy(out + k, s + sign + n, rest + 1);
    memcpy(s, out, k + rest + 1);
}

static void vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (const char *f = fmt; *f && k + 1 < size;) {
        if (*f != '%') {
            buf[k++] = *f++;
            buf[k] = '\0';
            continue;
        }
        if (f[1] == '%') {
            buf[k++] = '%';
            buf[k] = '\0';
            f += 2;
            continue;
        }
        /* One conversion: %[,][.N](f|d|s). */
        const char *start = f++;
        int group = *f == ',';
        f += group;
        char spec[32] = "%";
        size_t precision = strspn(f, ".0123456789");
        ck_assert_msg(precision < 20, "format %s", fmt);
        memcpy(spec + 1, f, precision);
        f += precision;
        char conv = *f++;
        spec[1 + precision] = conv;
        spec[2 + precision] = '\0';
        char one[128];
        switch (conv) {
        case 'f':
            snprintf(one, sizeof one, spec, va_arg(ap, double));
            if (one[0] == '-' && strspn(one + 1, "0.") == strlen(one + 1))
                memmove(one, one + 1, strlen(one));
            break;
        case 'd':
            snprintf(one, sizeof one, spec, va_arg(ap, int));
            break;
        case 's':
            snprintf(one, sizeof one, spec, va_arg(ap, const char *));
            break;
        default:
            ck_abort_msg("format %s: conversion at \"%s\"", fmt, start);
        }
        if (group)
            group_thousands(one, sizeof one);
        k += (size_t)snprintf(buf + k, size - k, "%s", one);
        if (k >= size)
            k = size - 1;
    }
}

void page_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, size, fmt, ap);
    va_end(ap);
}

/* Whether the answer's bytes [i, i + n) stand alone as a number: not the digits of a longer
 * one ("21" in "217", "1.5" in "1.55", "000" in "1,000"). */
static int whole(const exercise_page *p, size_t i, size_t n)
{
    const char *a = p->answer;
    if (isdigit((unsigned char)a[i]) && i > 0 &&
        (isdigit((unsigned char)a[i - 1]) ||
         ((a[i - 1] == '.' || a[i - 1] == ',') && i > 1 && isdigit((unsigned char)a[i - 2]))))
        return 0;
    size_t e = i + n;
    if (isdigit((unsigned char)a[e - 1]) &&
        (isdigit((unsigned char)a[e]) || ((a[e] == '.' || a[e] == ',') && isdigit((unsigned char)a[e + 1]))))
        return 0;
    return 1;
}

/* The length of the answer's text at i that text matches, a run of white space in text
 * matching any run of white space (a line break and the next line's indent): a page's
 * lines may wrap anywhere. 0 when it does not match. */
static size_t match_at(const exercise_page *p, size_t i, const char *text)
{
    size_t k = i;
    for (const char *t = text; *t;) {
        if (isspace((unsigned char)*t)) {
            if (k >= p->answer_len || !isspace((unsigned char)p->answer[k]))
                return 0;
            while (isspace((unsigned char)*t))
                t++;
            while (k < p->answer_len && isspace((unsigned char)p->answer[k]))
                k++;
        } else {
            if (k >= p->answer_len || p->answer[k] != *t)
                return 0;
            t++;
            k++;
        }
    }
    return k - i;
}

/* Marks every standalone occurrence of text in the answer; fails when there is none. */
static void mark(exercise_page *p, const char *text, const char *how)
{
    size_t found = 0;
    ck_assert(*text);
    for (size_t i = 0; i < p->answer_len; i++) {
        size_t n = match_at(p, i, text);
        if (n == 0 || !whole(p, i, n))
            continue;
        memset(p->checked + i, 1, n);
        found++;
    }
    ck_assert_msg(found > 0, "%s: the answer does not say \"%s\" (%s)", p->path, text, how);
}

void page_says(exercise_page *p, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vformat(text, sizeof text, fmt, ap);
    va_end(ap);
    if (support_verbose())
        fprintf(stderr, "exercise %d: says \"%s\"\n", p->number, text);
    mark(p, text, "what its commands give");
}

void page_given(exercise_page *p, const char *text)
{
    mark(p, text, "given");
}

void page_claims(exercise_page *p, const char *text)
{
    mark(p, text, "a claim its test asserts");
}

double page_mean(const run_result *res, const char *figure)
{
    return run_value(res, figure, NULL);
}

double page_lognormal_mean(double median, double p99)
{
    dist d = dist_lognormal_median_p99(median, p99);
    return dist_mean(&d);
}

void page_compare_agrees(const char *dir, const char *variant, const run_result *res, const char *figure)
{
    char where[256];
    snprintf(where, sizeof where, "figure=%s,variant=%s", figure, variant);
    double got = page_csv(dir, "compare.csv", where, "mean"), want = page_mean(res, figure);
    ck_assert_msg(fabs(got - want) <= 1e-6 * fmax(1, fabs(want)), "compare's %s of %s: %.9g, the run's %.9g", figure,
                  variant, got, want);
}
