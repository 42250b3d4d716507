/* cfg.c — scenario reading with JSON paths in every message.
 *
 * All user-facing errors pass through fail_at(), so one breakpoint catches them all. */
#include "sim/cfg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    int k = snprintf(ctx->message, sizeof ctx->message, "%s: %s: ", ctx->file,
                     path && *path ? path : "(top level)");
    if (k < 0 || (size_t)k >= sizeof ctx->message)
        return;
    vsnprintf(ctx->message + k, sizeof ctx->message - (size_t)k, fmt, ap);
    /* One line, whatever the input held: control characters (a raw newline inside a key,
     * which the JSON reader tolerates) become '?'. */
    for (char *p = ctx->message; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = '?';
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
static void describe(const cJSON *v, char *buf, size_t size)
{
    if (!v)
        snprintf(buf, size, "nothing");
    else if (cJSON_IsNumber(v))
        snprintf(buf, size, "%.10g", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(buf, size, "\"%.40s%s\"", v->valuestring,
                 strlen(v->valuestring) > 40 ? "..." : "");
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

cJSON *cfg_parse_text(cfg_ctx *ctx, const char *text, size_t len)
{
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
        if (off >= len)
            fail_ctx(ctx, "", "malformed JSON at line %zu, column %zu (unexpected end of file)", line, col);
        else if (k == 0)
            fail_ctx(ctx, "", "malformed JSON at line %zu, column %zu (at the end of the line)", line, col);
        else
            fail_ctx(ctx, "", "malformed JSON at line %zu, column %zu near '%s'", line, col, near);
        free(copy);
        return NULL;
    }
    free(copy);
    if (!cJSON_IsObject(root)) {
        char got[64];
        describe(root, got, sizeof got);
        fail_ctx(ctx, "", "expected a JSON object at the top level, got %s", got);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

cJSON *cfg_load_file(cfg_ctx *ctx, const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        fail_ctx(ctx, "", "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            fail_ctx(ctx, "", "out of memory");
            return NULL;
        }
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        if (cap >= (size_t)256 << 20) {
            free(buf);
            fclose(f);
            fail_ctx(ctx, "", "the file is larger than 256 MB; not a scenario");
            return NULL;
        }
        char *grown = realloc(buf, cap * 2);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        fail_ctx(ctx, "", "read error (is it a directory?)");
        return NULL;
    }
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
    describe(v, got, sizeof got);
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
            describe(v, got, sizeof got);
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
            describe(v, got, sizeof got);
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
            describe(v, got, sizeof got);
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
        describe(v, got, sizeof got);
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
        describe(v, got, sizeof got);
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
    const cJSON *v = arr ? cJSON_GetArrayItem(arr, (int)i) : NULL;
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
        describe(v, got, sizeof got);
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
        if (best)
            cfg_fail(n, c->string, "unknown key; did you mean \"%s\"?", best);
        else
            cfg_fail(n, c->string, "unknown key");
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
