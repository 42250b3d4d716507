/* cfg.h — reading scenario files: thin helpers over cJSON that track the JSON path.
 *
 * Every error is one line, "FILE: json.path: problem", and the first error sticks: once a
 * context has failed, later reads return their defaults and do nothing, so a parser reads
 * straight through and checks cfg_failed() where it matters (before sizing allocations,
 * and at the end). Unknown and duplicate keys are errors (cfg_done), with a did-you-mean.
 *
 * As it reads, every helper also writes the value it resolved (given or default) into a
 * parallel "out" tree, which is the fully resolved scenario that --print-config prints.
 * Strings returned point into the input tree: copy what you keep. No cfg call may run
 * inside an OpenMP region (cJSON is not thread-safe for our purposes). */
#ifndef SLSIM_CFG_H
#define SLSIM_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#define CFG_PATH_MAX 256
#define CFG_MAX_KEYS 64
/* An unknown key's message lists an object's known keys up to this many, else the closest 3. */
#define CFG_LIST_KEYS 8
/* Files read whole (scenarios, price tables) are refused above this size. */
#define CFG_FILE_MAX_MB 64
/* Messages quote at most this many bytes of a value read from a file. */
#define CFG_EXCERPT_MAX 32

/* A key some readers of an object leave unread and others read, and whose it is: an unknown
 * key found in this table is named as someone else's ("a Cloud Run/Azure key ...") rather
 * than only as unknown. The caller's data: sim/ knows no keys of its own. */
typedef struct cfg_key_owner {
    const char *key;
    const char *owner;   /* a phrase: "a Cloud Run key (platform.provider \"gcp-cloud-run\")" */
} cfg_key_owner;

typedef struct cfg_ctx {
    const char *file;
    const cfg_key_owner *key_owners;   /* ended by a NULL key; may be NULL (set by the caller) */
    int         failed;
    int         no_quotes;   /* a file the scenario names (a price table), which may be any
                                file: messages quote none of its text, only where it is */
    char        message[768];
    /* The element cfg_array_object read last, so that reading an array in order costs one
     * step an element, not a walk from its start (a trace's 50,000 functions). */
    const void *last_array, *last_item;
    size_t      last_index;
} cfg_ctx;

typedef struct cfg_node {
    cfg_ctx     *ctx;
    const cJSON *in;    /* the object read; NULL when absent (all defaults) */
    cJSON       *out;   /* the resolved object being written; may be NULL */
    char         path[CFG_PATH_MAX];
    const char  *known[CFG_MAX_KEYS];
    size_t       n_known;
} cfg_node;

void cfg_ctx_init(cfg_ctx *ctx, const char *file);

/* ---- input files ---- */
/* Opens path for reading if it is a regular file, without blocking on anything else: a
 * FIFO, a socket, a device (/dev/zero, a terminal) or a directory is refused. Returns the
 * descriptor (blocking, close-on-exec) and, when size is not NULL, the file's size; or -1
 * with one phrase in why, such as "is a FIFO (named pipe), not a regular file" or
 * "cannot open: No such file or directory". Every reader of an input file opens it here. */
int   cfg_open_regular(const char *path, off_t *size, char *why, size_t why_size);
/* The same as a stdio stream (fclose closes it). */
FILE *cfg_fopen_regular(const char *path, char *why, size_t why_size);

/* ---- text from input files, made safe to print ---- */
/* The length (1 to 4) of the printable UTF-8 character at s, or 0 when s starts with a
 * control character (C0, DEL, C1), the terminating NUL, or bytes that are not well-formed
 * UTF-8 (stray continuation, overlong form, surrogate, beyond U+10FFFF, truncated). */
size_t cfg_utf8_length(const char *s);
/* Copies src into dst (size bytes, always terminated), each byte cfg_utf8_length refuses
 * written as \xNN, except the control characters in keep (may be NULL; "\n\t" keeps lines);
 * stops before a character that would not fit. Returns the length. A buffer of four times
 * strlen(src) plus one always holds the whole text. */
size_t cfg_escape(char *dst, size_t size, const char *src, const char *keep);
/* Writes text into dst as a quoted excerpt: "text", or its first max bytes (cut at a
 * character) and "...". Returns the bytes of text quoted. Bytes are escaped later, by the
 * message they go into. */
size_t cfg_excerpt(char *dst, size_t size, const char *text, size_t max);

/* Reads and parses a scenario: comments allowed, a leading byte-order mark skipped, must
 * be a JSON object of at most CFG_FILE_MAX_MB. On failure returns NULL and sets ctx's
 * message (not a regular file, empty file, malformed JSON with line and column, nesting
 * deeper than cJSON allows, ...). */
cJSON *cfg_load_file(cfg_ctx *ctx, const char *file);
/* Same, from text in memory (file is the name to report). */
cJSON *cfg_parse_text(cfg_ctx *ctx, const char *text, size_t len);
/* Blanks out // and block comments (keeping newlines), so offsets keep their lines. */
void   cfg_strip_comments(char *text, size_t len);

void cfg_root(cfg_node *n, cfg_ctx *ctx, const cJSON *in, cJSON *out);
/* Records an error at n.path[.key] (key may be NULL). printf-style; first error wins. */
void cfg_fail(cfg_node *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool cfg_failed(const cfg_node *n);
/* Records "key: missing; expected <expected>", naming a close misspelling if the object has one. */
void cfg_missing(cfg_node *n, const char *key, const char *expected);

bool   cfg_has(cfg_node *n, const char *key);          /* present and not null */
/* Marks key as known without reading it (for keys read elsewhere). */
void   cfg_know(cfg_node *n, const char *key);
double cfg_number(cfg_node *n, const char *key, double def, double min, double max);
/* A number that must be present. */
double cfg_number_req(cfg_node *n, const char *key, double min, double max);
long long cfg_integer(cfg_node *n, const char *key, long long def, long long min, long long max);
bool   cfg_bool(cfg_node *n, const char *key, bool def);
const char *cfg_string(cfg_node *n, const char *key, const char *def);
const char *cfg_string_req(cfg_node *n, const char *key);
/* One of names (NULL-terminated); returns its index, or def when absent. */
int    cfg_enum(cfg_node *n, const char *key, const char *const *names, int def);
/* A nested object. Absent: *child reads all defaults (and the resolved object is still
 * written). Present but not an object: error. Returns whether it was present. */
bool   cfg_object(cfg_node *n, const char *key, cfg_node *child);
/* Length of an array (0 when absent; error when not an array). */
size_t cfg_array_len(cfg_node *n, const char *key);
/* Element i of an array of objects. */
void   cfg_array_object(cfg_node *n, const char *key, size_t i, cfg_node *child);
/* The raw value (for values with several shapes, such as distributions). */
const cJSON *cfg_raw(cfg_node *n, const char *key);
/* Writes a resolved value under key in n's out object (takes ownership of v). */
void   cfg_put(cfg_node *n, const char *key, cJSON *v);
/* Checks n for unknown and duplicate keys. An unknown key's message says whose key it is
 * (ctx->key_owners), suggests a close known key, and lists the object's known keys: all of
 * them up to CFG_LIST_KEYS, else the three closest by edit distance. */
void   cfg_done(cfg_node *n);

/* Applies an override "a.b[2].c=VALUE" to a tree; VALUE is JSON if it parses, else a
 * string. Returns 0, or -1 with a message in ctx. */
int    cfg_set_path(cfg_ctx *ctx, cJSON *root, const char *assignment);

size_t cfg_edit_distance(const char *a, const char *b);

#endif
