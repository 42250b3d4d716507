/* cfg.c — scenario reading with JSON paths in every message.
 *
 * All user-facing errors pass through fail_at(), so one breakpoint catches them all, and
 * one place makes them safe to print: whatever bytes the input held, a message is one line
 * of well-formed UTF-8 without control characters (the others are written \xNN). Every
 * input file is opened by cfg_open_regular, which refuses what is not a regular file
 * before anything could block on it. */
#include "sim/cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- text safe to print ----------------------------------------------------- */

size_t cfg_utf8_length(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    unsigned c = s[0];
    if (c < 0x80)
        return c >= 0x20 && c != 0x7f ? 1 : 0;
    size_t n;
    unsigned cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;           /* a continuation byte, an overlong lead (C0, C1) or beyond F4 */
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;       /* truncated (this also stops at the terminating NUL) */
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;           /* overlong, beyond Unicode, or a UTF-16 surrogate */
    if (cp >= 0x80 && cp <= 0x9f)
        return 0;           /* C1 controls: some terminals obey U+009B as CSI */
    return n;
}

size_t cfg_escape(char *dst, size_t size, const char *src, const char *keep)
{
    size_t k = 0;
    if (size == 0)
        return 0;
    for (const char *p = src; *p;) {
        size_t n = cfg_utf8_length(p);
        if (n == 0 && keep && strchr(keep, *p))
            n = 1;
        if (n > 0) {
            if (k + n >= size)
                break;
            memcpy(dst + k, p, n);
            k += n;
            p += n;
        } else {
            if (k + 4 >= size)
                break;
            snprintf(dst + k, 5, "\\x%02x", (unsigned char)*p);
            k += 4;
            p++;
        }
    }
    dst[k] = '\0';
    return k;
}

size_t cfg_excerpt(char *dst, size_t size, const char *text, size_t max)
{
    size_t n = 0;
    while (text[n] && n < max) {
        size_t c = cfg_utf8_length(text + n);
        if (c == 0)
            c = 1;
        if (n + c > max)
            break;
        n += c;
    }
    bool cut = text[n] != '\0';
    snprintf(dst, size, "\"%.*s%s\"", (int)n, text, cut ? "..." : "");
    return n;
}

/* ---- errors ---------------------------------------------------------------- */

void cfg_ctx_init(cfg_ctx *ctx, const char *file)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->file = file;
}

static void fail_at(cfg_ctx *ctx, const char *path, const char *fmt, va_list ap)
{
    if (ctx->failed)
        return;
    ctx->failed = 1;
    char raw[2 * sizeof ctx->message];
    int k = snprintf(raw, sizeof raw, "%s: %s: ", ctx->file, path && *path ? path : "(top level)");
    if (k >= 0 && (size_t)k < sizeof raw)
        vsnprintf(raw + k, sizeof raw - (size_t)k, fmt, ap);
    /* One line of UTF-8, whatever the input held: a raw newline inside a key (which the
     * JSON reader tolerates), a terminal's escape sequence, a Latin-1 name. */
    cfg_escape(ctx->message, sizeof ctx->message, raw, NULL);
}

static void fail_ctx(cfg_ctx *ctx, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_ctx(cfg_ctx *ctx, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_at(ctx, path, fmt, ap);
    va_end(ap);
}

/* "path.key" (or "key" at the top level, or "path" without a key). */
static void cfg_path_join(char *dst, size_t size, const char *path, const char *key)
{
    int k;
    if (!key)
        k = snprintf(dst, size, "%s", path);
    else if (!*path)
        k = snprintf(dst, size, "%s", key);
    else
        k = snprintf(dst, size, "%s.%s", path, key);
    if (k >= (int)size && size > 1)
        dst[size - 2] = '~';
}

void cfg_fail(cfg_node *n, const char *key, const char *fmt, ...)
{
    char path[CFG_PATH_MAX + 64];
    cfg_path_join(path, sizeof path, n->path, key);
    va_list ap;
    va_start(ap, fmt);
    fail_at(n->ctx, path, fmt, ap);
    va_end(ap);
}

bool cfg_failed(const cfg_node *n) { return n->ctx->failed != 0; }

/* An input key close to key that the reader does not know: a likely misspelling. */
static const char *near_miss(const cfg_node *n, const char *key)
{
    if (!n->in)
        return NULL;
    for (const cJSON *c = n->in->child; c; c = c->next) {
        bool known = false;
        for (size_t i = 0; i < n->n_known && !known; i++)
            known = strcmp(n->known[i], c->string) == 0;
        if (!known && cfg_edit_distance(c->string, key) <= strlen(key) / 3 + 1)
            return c->string;
    }
    return NULL;
}

void cfg_missing(cfg_node *n, const char *key, const char *expected)
{
    const char *near = near_miss(n, key);
    if (near)
        cfg_fail(n, key, "missing; expected %s (is \"%s\" a misspelling of \"%s\"?)", expected, near, key);
    else
        cfg_fail(n, key, "missing; expected %s", expected);
}

/* A short description of a JSON value for messages: 42, "big", an object, ... */
/* What v is, for a message: its value (a string's first bytes), or only its type when
 * quote is 0. */
static void describe(const cJSON *v, char *buf, size_t size, int quote)
{
    if (!quote && v && !cJSON_IsBool(v) && !cJSON_IsNull(v) && !cJSON_IsArray(v) && !cJSON_IsObject(v))
        snprintf(buf, size, "%s", cJSON_IsNumber(v) ? "a number" : cJSON_IsString(v) ? "a string" : "a value");
    else if (!v)
        snprintf(buf, size, "nothing");
    else if (cJSON_IsNumber(v))
        snprintf(buf, size, "%.10g", v->valuedouble);
    else if (cJSON_IsString(v))
        cfg_excerpt(buf, size, v->valuestring, CFG_EXCERPT_MAX);
    else if (cJSON_IsBool(v))
        snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNull(v))
        snprintf(buf, size, "null");
    else if (cJSON_IsArray(v))
        snprintf(buf, size, "an array");
    else
        snprintf(buf, size, "an object");
}

/* ---- loading --------------------------------------------------------------- */

void cfg_strip_comments(char *t, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (t[i] == '"') {
            for (i++; i < len && t[i] != '"'; i++)
                if (t[i] == '\\' && i + 1 < len)
                    i++;
            i++;
        } else if (t[i] == '/' && i + 1 < len && t[i + 1] == '/') {
            while (i < len && t[i] != '\n')
                t[i++] = ' ';
        } else if (t[i] == '/' && i + 1 < len && t[i + 1] == '*') {
            t[i++] = ' ';
            t[i++] = ' ';
            while (i < len && !(t[i] == '*' && i + 1 < len && t[i + 1] == '/')) {
                if (t[i] != '\n')
                    t[i] = ' ';
                i++;
            }
            if (i < len) {
                t[i++] = ' ';
                t[i++] = ' ';
            }
        } else {
            i++;
        }
    }
}

/* Where the brackets of t (comments blanked) first nest deeper than cJSON's limit, or len
 * when they never do. */
static size_t too_deep_at(const char *t, size_t len)
{
    size_t depth = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '"') {
            for (i++; i < len && t[i] != '"'; i++)
                if (t[i] == '\\')
                    i++;
        } else if (t[i] == '[' || t[i] == '{') {
            if (++depth > CJSON_NESTING_LIMIT)
                return i;
        } else if ((t[i] == ']' || t[i] == '}') && depth > 0) {
            depth--;
        }
    }
    return len;
}

cJSON *cfg_parse_text(cfg_ctx *ctx, const char *text, size_t len)
{
    /* A byte-order mark, as editors on Windows write: skipped, so that columns count what
     * an editor shows. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }
    /* Windows' "Unicode" is UTF-16: say so, rather than "contains a NUL byte". */
    if (len >= 2 && ((unsigned char)text[0] == 0xff || (unsigned char)text[0] == 0xfe) &&
        (unsigned char)text[1] == ((unsigned char)text[0] ^ 1)) {
        fail_ctx(ctx, "", "the file is UTF-16 text (it starts with bytes %02X %02X); save it as UTF-8",
                 (unsigned char)text[0], (unsigned char)text[1]);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        fail_ctx(ctx, "", "the file contains a NUL byte; expected JSON text");
        return NULL;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        fail_ctx(ctx, "", "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    cfg_strip_comments(copy, len);
    size_t start = 0;
    while (start < len && (copy[start] == ' ' || copy[start] == '\t' || copy[start] == '\n' ||
                           copy[start] == '\r'))
        start++;
    if (start == len) {
        fail_ctx(ctx, "", "the file is empty (or holds only comments); expected a JSON object");
        free(copy);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(copy, &end, 1);
    if (!root) {
        size_t off = end && end >= copy ? (size_t)(end - copy) : 0;
        if (off > len)
            off = len;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < off; i++) {
            if (copy[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        char near[24] = "";
        size_t k = 0;
        for (size_t i = off; i < len && k < sizeof near - 1 && copy[i] != '\n' && copy[i] != '\r'; i++)
            near[k++] = copy[i];
        near[k] = '\0';
        size_t deep = too_deep_at(copy, len);
        if (deep < len && deep <= off)
            fail_ctx(ctx, "", "the JSON is nested deeper than %d levels (at line %zu, column %zu)",
                     CJSON_NESTING_LIMIT, line, col);
        else if (off >= len)
            fail_ctx(ctx, "", "malformed JSON at line %zu, column %zu (unexpected end of file)", line, col);
        else if (k == 0 || ctx->no_quotes)
            fail_ctx(ctx, "", "malformed JSON at line %zu, column %zu%s", line, col,
                     k == 0 ? " (at the end of the line)" : "");
        else
            fail_ctx(ctx, "", "malformed JSON at line %zu, column %zu near '%s'", line, col, near);
        free(copy);
        return NULL;
    }
    free(copy);
    if (!cJSON_IsObject(root)) {
        char got[64];
        describe(root, got, sizeof got, !ctx->no_quotes);
        fail_ctx(ctx, "", "expected a JSON object at the top level, got %s", got);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* What a file that is not a regular one is, for messages. */
static const char *file_type(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a regular file";
}

int cfg_open_regular(const char *path, off_t *size, char *why, size_t why_size)
{
    /* Non-blocking, so that opening a FIFO returns at once instead of waiting for a
     * writer. The flag stays: it changes nothing for a regular file on disk, and a
     * "regular" file whose reads would wait (/proc/kmsg) fails with EAGAIN instead. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        int err = errno;
        /* A socket cannot be opened at all: say what it is rather than "No such device". */
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
            snprintf(why, why_size, "is %s, not a regular file", file_type(st.st_mode));
        else
            snprintf(why, why_size, "cannot open: %s", strerror(err));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(why, why_size, "cannot open: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_size, "is %s, not a regular file", file_type(st.st_mode));
        close(fd);
        return -1;
    }
    if (size)
        *size = st.st_size;
    return fd;
}

FILE *cfg_fopen_regular(const char *path, char *why, size_t why_size)
{
    int fd = cfg_open_regular(path, NULL, why, why_size);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(why, why_size, "cannot open: %s", strerror(errno));
        close(fd);
    }
    return f;
}

cJSON *cfg_load_file(cfg_ctx *ctx, const char *file)
{
    char why[256];
    off_t size = 0;
    int fd = cfg_open_regular(file, &size, why, sizeof why);
    if (fd < 0) {
        fail_ctx(ctx, "", "%s", why);
        return NULL;
    }
    const size_t limit = CFG_FILE_MAX_MB << 20;
    if (size > (off_t)limit) {
        close(fd);
        fail_ctx(ctx, "", "the file is %.0f MB; a scenario or price table is at most %u MB",
                 ceil((double)size / (1 << 20)), (unsigned)CFG_FILE_MAX_MB);
        return NULL;
    }
    /* Read up to one byte past the limit: the file may have grown since fstat. */
    size_t cap = (size_t)size + 1, len = 0;
    if (cap > limit + 1)
        cap = limit + 1;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        fail_ctx(ctx, "", "out of memory");
        return NULL;
    }
    for (;;) {
        if (len == cap) {
            if (cap > limit) {
                free(buf);
                close(fd);
                fail_ctx(ctx, "", "the file is larger than %u MB; a scenario or price table is at "
                         "most that", (unsigned)CFG_FILE_MAX_MB);
                return NULL;
            }
            size_t grown_cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            char *grown = realloc(buf, grown_cap);
            if (!grown) {
                free(buf);
                close(fd);
                fail_ctx(ctx, "", "out of memory");
                return NULL;
            }
            buf = grown;
            cap = grown_cap;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int err = errno;
            free(buf);
            close(fd);
            fail_ctx(ctx, "", "read error: %s", strerror(err));
            return NULL;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    cJSON *root = cfg_parse_text(ctx, buf, len);
    free(buf);
    return root;
}

/* ---- reading --------------------------------------------------------------- */

void cfg_root(cfg_node *n, cfg_ctx *ctx, const cJSON *in, cJSON *out)
{
    memset(n, 0, sizeof *n);
    n->ctx = ctx;
    n->in = in;
    n->out = out;
}

void cfg_know(cfg_node *n, const char *key)
{
    for (size_t i = 0; i < n->n_known; i++)
        if (strcmp(n->known[i], key) == 0)
            return;
    if (n->n_known < CFG_MAX_KEYS)
        n->known[n->n_known++] = key;
}

static const cJSON *get(cfg_node *n, const char *key)
{
    cfg_know(n, key);
    if (!n->in)
        return NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(n->in, key);
    return cJSON_IsNull(v) ? NULL : v;
}

bool cfg_has(cfg_node *n, const char *key) { return get(n, key) != NULL; }

const cJSON *cfg_raw(cfg_node *n, const char *key) { return get(n, key); }

void cfg_put(cfg_node *n, const char *key, cJSON *v)
{
    if (!v)
        return;
    if (!n->out) {
        cJSON_Delete(v);
        return;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(n->out, key);
    cJSON_AddItemToObject(n->out, key, v);
}

static bool read_number(cfg_node *n, const char *key, const cJSON *v, double min, double max,
                        bool integral, double *out)
{
    char got[64], range[96];
    describe(v, got, sizeof got, !n->ctx->no_quotes);
    if (integral)
        snprintf(range, sizeof range, "an integer from %.0f to %.0f", min, max);
    else
        snprintf(range, sizeof range, "a number from %.10g to %.10g", min, max);
    if (!cJSON_IsNumber(v)) {
        cfg_fail(n, key, "expected %s, got %s", range, got);
        return false;
    }
    double x = v->valuedouble;
    if (!isfinite(x)) {
        cfg_fail(n, key, "expected %s, got a number too large to represent", range);
        return false;
    }
    if ((integral && x != floor(x)) || x < min || x > max) {
        cfg_fail(n, key, "expected %s, got %s", range, got);
        return false;
    }
    *out = x;
    return true;
}

double cfg_number(cfg_node *n, const char *key, double def, double min, double max)
{
    const cJSON *v = get(n, key);
    double x = def;
    if (v && !n->ctx->failed && !read_number(n, key, v, min, max, false, &x))
        x = def;
    cfg_put(n, key, isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull());
    return x;
}

double cfg_number_req(cfg_node *n, const char *key, double min, double max)
{
    if (!get(n, key)) {
        char expected[96];
        snprintf(expected, sizeof expected, "a number from %.10g to %.10g", min, max);
        cfg_missing(n, key, expected);
        return min;
    }
    return cfg_number(n, key, min, min, max);
}

long long cfg_integer(cfg_node *n, const char *key, long long def, long long min, long long max)
{
    const cJSON *v = get(n, key);
    double x = (double)def;
    if (v && !n->ctx->failed && !read_number(n, key, v, (double)min, (double)max, true, &x))
        x = (double)def;
    cfg_put(n, key, cJSON_CreateNumber(x));
    return (long long)x;
}

bool cfg_bool(cfg_node *n, const char *key, bool def)
{
    const cJSON *v = get(n, key);
    bool b = def;
    if (v && !n->ctx->failed) {
        if (cJSON_IsBool(v)) {
            b = cJSON_IsTrue(v);
        } else {
            char got[64];
            describe(v, got, sizeof got, !n->ctx->no_quotes);
            cfg_fail(n, key, "expected true or false, got %s", got);
        }
    }
    cfg_put(n, key, cJSON_CreateBool(b));
    return b;
}

const char *cfg_string(cfg_node *n, const char *key, const char *def)
{
    const cJSON *v = get(n, key);
    const char *s = def;
    if (v && !n->ctx->failed) {
        if (cJSON_IsString(v) && v->valuestring[0]) {
            s = v->valuestring;
        } else {
            char got[64];
            describe(v, got, sizeof got, !n->ctx->no_quotes);
            cfg_fail(n, key, "expected a non-empty string, got %s", got);
        }
    }
    cfg_put(n, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
    return s;
}

const char *cfg_string_req(cfg_node *n, const char *key)
{
    if (!get(n, key)) {
        cfg_missing(n, key, "a string");
        return "";
    }
    const char *s = cfg_string(n, key, "");
    return s ? s : "";
}

int cfg_enum(cfg_node *n, const char *key, const char *const *names, int def)
{
    const cJSON *v = get(n, key);
    int idx = def;
    if (v && !n->ctx->failed) {
        int found = -1;
        if (cJSON_IsString(v))
            for (int i = 0; names[i]; i++)
                if (strcmp(names[i], v->valuestring) == 0)
                    found = i;
        if (found < 0) {
            char got[64], list[256] = "";
            describe(v, got, sizeof got, !n->ctx->no_quotes);
            for (int i = 0; names[i]; i++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s\"%s\"", i ? ", " : "", names[i]);
            }
            cfg_fail(n, key, "expected one of %s, got %s", list, got);
        } else {
            idx = found;
        }
    }
    cfg_put(n, key, idx >= 0 ? cJSON_CreateString(names[idx]) : cJSON_CreateNull());
    return idx;
}

static void child_node(cfg_node *n, const char *suffix, const cJSON *in, cJSON *out,
                       cfg_node *child)
{
    memset(child, 0, sizeof *child);
    child->ctx = n->ctx;
    child->in = in;
    child->out = out;
    if (snprintf(child->path, sizeof child->path, "%s%s", n->path, suffix) >= (int)sizeof child->path)
        child->path[sizeof child->path - 2] = '~';
}

bool cfg_object(cfg_node *n, const char *key, cfg_node *child)
{
    const cJSON *v = get(n, key);
    char suffix[CFG_PATH_MAX];
    snprintf(suffix, sizeof suffix, "%s%s", n->path[0] ? "." : "", key);
    cJSON *out = NULL;
    if (n->out) {
        out = cJSON_CreateObject();
        cfg_put(n, key, out);
    }
    if (v && !cJSON_IsObject(v)) {
        char got[64];
        describe(v, got, sizeof got, !n->ctx->no_quotes);
        cfg_fail(n, key, "expected an object, got %s", got);
        v = NULL;
    }
    child_node(n, suffix, v, out, child);
    return v != NULL;
}

size_t cfg_array_len(cfg_node *n, const char *key)
{
    const cJSON *v = get(n, key);
    if (!v)
        return 0;
    if (!cJSON_IsArray(v)) {
        char got[64];
        describe(v, got, sizeof got, !n->ctx->no_quotes);
        cfg_fail(n, key, "expected an array, got %s", got);
        return 0;
    }
    if (n->out && !cJSON_GetObjectItemCaseSensitive(n->out, key))
        cfg_put(n, key, cJSON_CreateArray());
    return (size_t)cJSON_GetArraySize(v);
}

void cfg_array_object(cfg_node *n, const char *key, size_t i, cfg_node *child)
{
    const cJSON *arr = get(n, key);
    const cJSON *v;
    if (arr && arr == n->ctx->last_array && n->ctx->last_item && i == n->ctx->last_index + 1)
        v = ((const cJSON *)n->ctx->last_item)->next;
    else
        v = arr ? cJSON_GetArrayItem(arr, (int)i) : NULL;
    n->ctx->last_array = arr;
    n->ctx->last_item = v;
    n->ctx->last_index = i;
    char suffix[CFG_PATH_MAX];
    snprintf(suffix, sizeof suffix, "%s%s[%zu]", n->path[0] ? "." : "", key, i);
    cJSON *out = NULL;
    if (n->out) {
        cJSON *outarr = cJSON_GetObjectItemCaseSensitive(n->out, key);
        if (!outarr) {
            outarr = cJSON_CreateArray();
            cfg_put(n, key, outarr);
        }
        out = cJSON_CreateObject();
        cJSON_AddItemToArray(outarr, out);
    }
    if (v && !cJSON_IsObject(v)) {
        char got[64];
        describe(v, got, sizeof got, !n->ctx->no_quotes);
        char path[CFG_PATH_MAX];
        if (snprintf(path, sizeof path, "%s%s", n->path, suffix) >= (int)sizeof path)
            path[sizeof path - 2] = '~';
        fail_ctx(n->ctx, path, "expected an object, got %s", got);
        v = NULL;
    }
    child_node(n, suffix, v, out, child);
}

size_t cfg_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* The known keys of n to show for the unknown key: all of them (n_known of them, in the
 * order read) when there are at most CFG_LIST_KEYS, else the three closest to key by edit
 * distance (ties in the order read), into list as "a", "b", "c". */
static void known_keys_list(const cfg_node *n, const char *key, char *list, size_t size)
{
    size_t order[CFG_MAX_KEYS], dist[CFG_MAX_KEYS], shown = n->n_known;
    for (size_t i = 0; i < n->n_known; i++) {
        order[i] = i;
        dist[i] = cfg_edit_distance(key, n->known[i]);
    }
    if (shown > CFG_LIST_KEYS) {
        /* A stable insertion sort by distance: a few dozen keys at most. */
        for (size_t i = 1; i < n->n_known; i++)
            for (size_t j = i; j > 0 && dist[order[j]] < dist[order[j - 1]]; j--) {
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        shown = 3;
    }
    size_t k = 0;
    list[0] = '\0';
    for (size_t i = 0; i < shown && k < size; i++) {
        int w = snprintf(list + k, size - k, "%s\"%s\"", i ? ", " : "", n->known[order[i]]);
        k += w > 0 ? (size_t)w : 0;
    }
}

void cfg_done(cfg_node *n)
{
    if (!n->in || n->ctx->failed)
        return;
    for (const cJSON *c = n->in->child; c; c = c->next) {
        for (const cJSON *d = n->in->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0) {
                cfg_fail(n, c->string, "duplicate key");
                return;
            }
        bool known = false;
        for (size_t i = 0; i < n->n_known && !known; i++)
            known = strcmp(n->known[i], c->string) == 0;
        if (known)
            continue;
        const char *best = NULL;
        size_t best_d = 4;
        for (size_t i = 0; i < n->n_known; i++) {
            size_t d = cfg_edit_distance(c->string, n->known[i]);
            size_t limit = strlen(n->known[i]) / 3 + 1;
            if (d < best_d && d <= limit) {
                best_d = d;
                best = n->known[i];
            }
        }
        /* Whose key it is, when the caller says (another provider's, another kind's). */
        const char *owner = NULL;
        for (const cfg_key_owner *o = n->ctx->key_owners; o && o->key && !owner; o++)
            if (strcmp(o->key, c->string) == 0)
                owner = o->owner;
        char list[CFG_LIST_KEYS * 40], mean[128] = "";
        known_keys_list(n, c->string, list, sizeof list);
        if (best && !owner)
            snprintf(mean, sizeof mean, "; did you mean \"%s\"?", best);
        if (n->n_known == 0)
            cfg_fail(n, c->string, "unknown key%s%s; this object takes no keys", owner ? " here: " : "",
                     owner ? owner : "");
        else if (n->n_known <= CFG_LIST_KEYS)
            cfg_fail(n, c->string, "unknown key%s%s; valid keys here: %s%s", owner ? " here: " : "",
                     owner ? owner : "", list, mean);
        else
            cfg_fail(n, c->string, "unknown key%s%s; the closest of the %zu valid keys here: %s%s",
                     owner ? " here: " : "", owner ? owner : "", n->n_known, list, mean);
        return;
    }
}

/* ---- --set overrides ------------------------------------------------------- */

int cfg_set_path(cfg_ctx *ctx, cJSON *root, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        fail_ctx(ctx, "--set", "expected PATH=VALUE, got \"%s\"", assignment);
        return -1;
    }
    char path[CFG_PATH_MAX];
    size_t plen = (size_t)(eq - assignment);
    if (plen >= sizeof path) {
        fail_ctx(ctx, "--set", "path too long");
        return -1;
    }
    memcpy(path, assignment, plen);
    path[plen] = '\0';
    const char *text = eq + 1;
    cJSON *value = cJSON_ParseWithOpts(text, NULL, 1);   /* the whole text, or a string */
    if (!value)
        value = cJSON_CreateString(text);

    cJSON *node = root;
    char *p = path;
    while (*p) {
        char key[CFG_PATH_MAX];
        size_t k = 0;
        while (*p && *p != '.' && *p != '[')
            key[k++] = *p++;
        key[k] = '\0';
        long index = -1;
        if (*p == '[') {
            char *end;
            index = strtol(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || index < 0) {
                fail_ctx(ctx, path, "--set: bad index");
                cJSON_Delete(value);
                return -1;
            }
            p = end + 1;
        }
        bool last = (*p == '\0');
        if (*p == '.')
            p++;
        if (k == 0 || !cJSON_IsObject(node)) {
            fail_ctx(ctx, path, "--set: cannot descend here (not an object)");
            cJSON_Delete(value);
            return -1;
        }
        cJSON *next = cJSON_GetObjectItemCaseSensitive(node, key);
        if (index >= 0) {
            if (!cJSON_IsArray(next) || index >= cJSON_GetArraySize(next)) {
                fail_ctx(ctx, path, "--set: %s[%ld] does not exist", key, index);
                cJSON_Delete(value);
                return -1;
            }
            cJSON *item = cJSON_GetArrayItem(next, (int)index);
            if (last) {
                cJSON_ReplaceItemInArray(next, (int)index, value);
                return 0;
            }
            node = item;
            continue;
        }
        if (last) {
            if (next)
                cJSON_ReplaceItemInObjectCaseSensitive(node, key, value);
            else
                cJSON_AddItemToObject(node, key, value);
            return 0;
        }
        if (cJSON_IsArray(next) && *p != '[') {
            /* An element of an array of named objects by its name: components.api.memory_mb. */
            char name[CFG_PATH_MAX];
            size_t n = 0;
            while (*p && *p != '.' && *p != '[')
                name[n++] = *p++;
            name[n] = '\0';
            cJSON *item = NULL;
            int at = 0, i = 0;
            for (cJSON *e = next->child; e; e = e->next, i++) {
                const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
                if (cJSON_IsString(nm) && strcmp(nm->valuestring, name) == 0) {
                    item = e;
                    at = i;
                    break;
                }
            }
            if (!item) {
                fail_ctx(ctx, path, "--set: %s has no element named \"%s\"", key, name);
                cJSON_Delete(value);
                return -1;
            }
            if (*p == '\0') {
                cJSON_ReplaceItemInArray(next, at, value);
                return 0;
            }
            if (*p == '.')
                p++;
            node = item;
            continue;
        }
        if (!next) {
            next = cJSON_CreateObject();
            cJSON_AddItemToObject(node, key, next);
        }
        node = next;
    }
    cJSON_Delete(value);
    fail_ctx(ctx, "--set", "empty path");
    return -1;
}
