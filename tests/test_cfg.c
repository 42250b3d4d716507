/* test_cfg.c — specifications of scenario reading (sim/cfg.c): comments, syntax errors,
 * typed reads and their messages, unknown and duplicate keys, JSON paths, --set overrides
 * and the resolved "out" tree.
 *
 * Messages are compared whole where their exact text is the contract
 * ("FILE: json.path: problem"), and by their informative part elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/suites.h"
#include "sim/cfg.h"

/* ---- helpers --------------------------------------------------------------- */

/* A parsed scenario with a root node writing into an out tree. Keep it in place: the
 * node points at the context. */
typedef struct scenario {
    cfg_ctx  ctx;
    cJSON   *in, *out;
    cfg_node root;
} scenario;

static void scenario_open(scenario *s, const char *text)
{
    cfg_ctx_init(&s->ctx, "scenario.json");
    s->in = cfg_parse_text(&s->ctx, text, strlen(text));
    ck_assert_msg(s->in != NULL, "%s", s->ctx.message);
    s->out = cJSON_CreateObject();
    cfg_root(&s->root, &s->ctx, s->in, s->out);
}

static void scenario_close(scenario *s)
{
    cJSON_Delete(s->in);
    cJSON_Delete(s->out);
}

/* Parses text that must be rejected; returns the message in ctx. */
static void parse_fails(cfg_ctx *ctx, const char *text)
{
    cfg_ctx_init(ctx, "scenario.json");
    cJSON *root = cfg_parse_text(ctx, text, strlen(text));
    ck_assert_msg(root == NULL, "accepted: %s", text);
    cJSON_Delete(root);
    ck_assert(ctx->failed);
}

#define ck_assert_contains(haystack, needle) \
    ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (haystack), (needle))

/* ---- loading --------------------------------------------------------------- */

START_TEST(test_strip_comments_blanks_comments_outside_strings)
{
    char text[] = "{ // x\n"
                  "  \"u\": \"h://a/*b*/\", /* p\n"
                  " q */ \"e\": \"say \\\"//hi\\\"\" }";
    const char *expected = "{     \n"
                           "  \"u\": \"h://a/*b*/\",     \n"
                           "      \"e\": \"say \\\"//hi\\\"\" }";
    size_t len = strlen(text);
    cfg_strip_comments(text, len);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_str_eq(text, expected);

    /* Comments run to the end of the text when unterminated. */
    const char *unclosed = "{\"a\": 1} /* never closed\n ...";
    char open[64];
    strcpy(open, unclosed);
    cfg_strip_comments(open, strlen(open));
    ck_assert_uint_eq(strlen(open), strlen(unclosed));
    ck_assert(strncmp(open, "{\"a\": 1} ", 9) == 0);
    for (size_t i = 9; open[i]; i++)
        ck_assert_msg(open[i] == (unclosed[i] == '\n' ? '\n' : ' '), "offset %zu: '%c'", i, open[i]);
}
END_TEST

START_TEST(test_comments_are_accepted_and_keep_line_numbers)
{
    scenario s;
    scenario_open(&s, "// header\n{ /* a */ \"url\": \"http://x//y\", // tail\n \"n\": 2.385 }");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(s.in, "url")->valuestring, "http://x//y");
    ck_assert(cJSON_GetObjectItemCaseSensitive(s.in, "n")->valuedouble == 2.385);
    scenario_close(&s);

    cfg_ctx ctx;
    parse_fails(&ctx, "{\n"
                      "  // comment 1\n"
                      "  /* comment\n"
                      "     spanning */\n"
                      "  \"a\": 1,\n"
                      "  \"b\": ]\n"
                      "}\n");
    ck_assert_contains(ctx.message, "line 6, column 8");
}
END_TEST

START_TEST(test_malformed_json_reports_line_and_column)
{
    cfg_ctx ctx;
    parse_fails(&ctx, "{\"a\": 1,\n  \"b\": }");
    ck_assert_contains(ctx.message, "scenario.json: ");
    ck_assert_contains(ctx.message, "malformed JSON at line 2, column 8");

    parse_fails(&ctx, "{\"a\": 1\n\"b\": 2}");          /* missing comma */
    ck_assert_contains(ctx.message, "line 2, column 1");

    parse_fails(&ctx, "{\"a\": [1, 2");                 /* truncated */
    ck_assert_contains(ctx.message, "line 1, column 12");
    ck_assert_contains(ctx.message, "unexpected end of file");

    parse_fails(&ctx, "{\"a\": 1} x");                  /* trailing garbage */
    ck_assert_contains(ctx.message, "line 1, column 10");

    parse_fails(&ctx, "{\"a\": NaN}");                  /* not JSON */
    ck_assert_contains(ctx.message, "line 1, column 7");
}
END_TEST

START_TEST(test_empty_file_is_reported_as_empty)
{
    cfg_ctx ctx;
    parse_fails(&ctx, "");
    ck_assert_str_eq(ctx.message, "scenario.json: (top level): the file is empty (or holds only "
                     "comments); expected a JSON object");
    parse_fails(&ctx, " \n\t\r\n ");
    ck_assert_contains(ctx.message, "the file is empty");
    parse_fails(&ctx, "// only a comment\n/* and another */\n");
    ck_assert_contains(ctx.message, "the file is empty");
}
END_TEST

START_TEST(test_top_level_must_be_an_object)
{
    cfg_ctx ctx;
    parse_fails(&ctx, "[1, 2]");
    ck_assert_str_eq(ctx.message, "scenario.json: (top level): expected a JSON object at the top level, "
                                  "got an array");
    parse_fails(&ctx, "2.385");
    ck_assert_contains(ctx.message, "got 2.385");
    parse_fails(&ctx, "\"text\"");
    ck_assert_contains(ctx.message, "got \"text\"");
}
END_TEST

START_TEST(test_load_file_reads_comments_and_reports_missing_files)
{
    char path[] = "/tmp/slsim-test-cfg-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char text[] = "// a scenario\n{\"seed\": 2385}\n";
    ck_assert_int_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, path);
    cJSON *root = cfg_load_file(&ctx, path);
    unlink(path);
    ck_assert_msg(root != NULL, "%s", ctx.message);
    ck_assert(cJSON_GetObjectItemCaseSensitive(root, "seed")->valuedouble == 2385);
    cJSON_Delete(root);

    cfg_ctx_init(&ctx, "/nonexistent/slsim.json");
    ck_assert_ptr_null(cfg_load_file(&ctx, "/nonexistent/slsim.json"));
    ck_assert_str_eq(ctx.message, "/nonexistent/slsim.json: (top level): cannot open: No such file or directory");
}
END_TEST

/* ---- numbers --------------------------------------------------------------- */

START_TEST(test_number_of_wrong_type_names_the_value)
{
    scenario s;
    scenario_open(&s, "{\"memory_mb\": \"big\"}");
    double x = cfg_number(&s.root, "memory_mb", 512, 128, 10240);
    ck_assert(x == 512);
    ck_assert_str_eq(s.ctx.message, "scenario.json: memory_mb: expected a number from 128 to 10240, got \"big\"");
    /* The out tree holds the default. */
    ck_assert(cJSON_GetObjectItemCaseSensitive(s.out, "memory_mb")->valuedouble == 512);
    scenario_close(&s);

    scenario_open(&s, "{\"memory_mb\": [128]}");
    cfg_number(&s.root, "memory_mb", 512, 128, 10240);
    ck_assert_contains(s.ctx.message, "got an array");
    scenario_close(&s);
}
END_TEST

START_TEST(test_number_out_of_range_names_range_and_value)
{
    scenario s;
    scenario_open(&s, "{\"memory_mb\": 20000.5}");
    cfg_number(&s.root, "memory_mb", 512, 128, 10240);
    ck_assert_str_eq(s.ctx.message, "scenario.json: memory_mb: expected a number from 128 to 10240, got 20000.5");
    scenario_close(&s);

    scenario_open(&s, "{\"memory_mb\": 127.99}");
    ck_assert(cfg_number(&s.root, "memory_mb", 512, 128, 10240) == 512);
    ck_assert_contains(s.ctx.message, "got 127.99");
    scenario_close(&s);

    /* The bounds themselves are accepted. */
    scenario_open(&s, "{\"lo\": 128, \"hi\": 10240}");
    ck_assert(cfg_number(&s.root, "lo", 512, 128, 10240) == 128);
    ck_assert(cfg_number(&s.root, "hi", 512, 128, 10240) == 10240);
    ck_assert(!cfg_failed(&s.root));
    scenario_close(&s);
}
END_TEST

START_TEST(test_number_rejects_nan_string_and_overflow)
{
    scenario s;
    scenario_open(&s, "{\"rate\": \"NaN\"}");
    ck_assert(cfg_number(&s.root, "rate", 2.385, 0, 1e6) == 2.385);
    ck_assert_str_eq(s.ctx.message, "scenario.json: rate: expected a number from 0 to 1000000, got \"NaN\"");
    scenario_close(&s);

    /* cJSON turns 1e400 into infinity: that must be an error, not a silent inf. */
    scenario_open(&s, "{\"rate\": 1e400}");
    ck_assert(cfg_number(&s.root, "rate", 2.385, 0, INFINITY) == 2.385);
    ck_assert_contains(s.ctx.message, "scenario.json: rate: ");
    ck_assert_contains(s.ctx.message, "too large to represent");
    ck_assert(cJSON_GetObjectItemCaseSensitive(s.out, "rate")->valuedouble == 2.385);
    scenario_close(&s);

    scenario_open(&s, "{\"rate\": -1e400}");
    cfg_number(&s.root, "rate", 2.385, -INFINITY, INFINITY);
    ck_assert_contains(s.ctx.message, "too large to represent");
    scenario_close(&s);
}
END_TEST

START_TEST(test_integer_rejects_fractions_and_values_beyond_max)
{
    scenario s;
    scenario_open(&s, "{\"n\": 9.5}");
    ck_assert_int_eq(cfg_integer(&s.root, "n", 4, 0, 100), 4);
    ck_assert_str_eq(s.ctx.message, "scenario.json: n: expected an integer from 0 to 100, got 9.5");
    scenario_close(&s);

    /* cJSON's valueint would clip 3e9 to INT_MAX; the reader must refuse it instead. */
    scenario_open(&s, "{\"n\": 3e9}");
    ck_assert_int_eq(cfg_integer(&s.root, "n", 4, 0, 2147483647), 4);
    ck_assert_str_eq(s.ctx.message, "scenario.json: n: expected an integer from 0 to 2147483647, got 3000000000");
    scenario_close(&s);

    scenario_open(&s, "{\"a\": 2147483647, \"b\": 3e9, \"c\": -42, \"d\": 1e2}");
    ck_assert_int_eq(cfg_integer(&s.root, "a", 4, 0, 2147483647), 2147483647);
    ck_assert_int_eq(cfg_integer(&s.root, "b", 4, 0, 5000000000LL), 3000000000LL);
    ck_assert_int_eq(cfg_integer(&s.root, "c", 4, -100, 100), -42);
    ck_assert_int_eq(cfg_integer(&s.root, "d", 4, 0, 100), 100);
    ck_assert_int_eq(cfg_integer(&s.root, "absent", 4, 0, 100), 4);
    ck_assert(!cfg_failed(&s.root));
    scenario_close(&s);
}
END_TEST

START_TEST(test_required_number_reports_missing)
{
    scenario s;
    scenario_open(&s, "{\"sd\": 2.385}");
    cfg_number_req(&s.root, "mean", 0, 100);
    ck_assert_str_eq(s.ctx.message, "scenario.json: mean: missing; expected a number from 0 to 100");
    scenario_close(&s);

    scenario_open(&s, "{\"mean\": null}");      /* null counts as absent */
    cfg_number_req(&s.root, "mean", 0, 100);
    ck_assert_contains(s.ctx.message, "mean: missing");
    scenario_close(&s);
}
END_TEST

/* ---- other types ----------------------------------------------------------- */

START_TEST(test_enum_lists_the_choices)
{
    static const char *const policies[] = { "fifo", "lifo", "random", NULL };
    scenario s;
    scenario_open(&s, "{\"policy\": \"lifoo\"}");
    ck_assert_int_eq(cfg_enum(&s.root, "policy", policies, 0), 0);
    ck_assert_str_eq(s.ctx.message,
                     "scenario.json: policy: expected one of \"fifo\", \"lifo\", \"random\", got \"lifoo\"");
    scenario_close(&s);

    scenario_open(&s, "{\"policy\": 2}");
    cfg_enum(&s.root, "policy", policies, 0);
    ck_assert_contains(s.ctx.message, "got 2");
    scenario_close(&s);

    scenario_open(&s, "{\"policy\": \"random\"}");
    ck_assert_int_eq(cfg_enum(&s.root, "policy", policies, 0), 2);
    ck_assert_int_eq(cfg_enum(&s.root, "order", policies, 1), 1);     /* absent: default */
    ck_assert(!cfg_failed(&s.root));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(s.out, "order")->valuestring, "lifo");
    scenario_close(&s);
}
END_TEST

START_TEST(test_bool_and_string_name_the_wrong_value)
{
    scenario s;
    scenario_open(&s, "{\"enabled\": \"yes\"}");
    ck_assert(cfg_bool(&s.root, "enabled", true) == true);
    ck_assert_str_eq(s.ctx.message, "scenario.json: enabled: expected true or false, got \"yes\"");
    scenario_close(&s);

    scenario_open(&s, "{\"name\": \"\"}");
    ck_assert_str_eq(cfg_string(&s.root, "name", "fn"), "fn");
    ck_assert_str_eq(s.ctx.message, "scenario.json: name: expected a non-empty string, got \"\"");
    scenario_close(&s);

    scenario_open(&s, "{\"region\": 42}");
    cfg_string_req(&s.root, "region");
    ck_assert_contains(s.ctx.message, "region: expected a non-empty string, got 42");
    scenario_close(&s);

    scenario_open(&s, "{}");
    cfg_string_req(&s.root, "region");
    ck_assert_str_eq(s.ctx.message, "scenario.json: region: missing; expected a string");
    scenario_close(&s);
}
END_TEST

/* ---- keys ------------------------------------------------------------------ */

START_TEST(test_unknown_key_suggests_the_closest_known_key)
{
    ck_assert_uint_eq(cfg_edit_distance("memroy_mb", "memory_mb"), 2);
    ck_assert_uint_eq(cfg_edit_distance("kitten", "sitting"), 3);
    ck_assert_uint_eq(cfg_edit_distance("", "abc"), 3);
    ck_assert_uint_eq(cfg_edit_distance("timeout_s", "timeout_s"), 0);

    scenario s;
    scenario_open(&s, "{\"timeout_s\": 3, \"memroy_mb\": 512}");
    cfg_number(&s.root, "memory_mb", 128, 128, 10240);
    cfg_number(&s.root, "timeout_s", 3, 0, 900);
    ck_assert(!cfg_failed(&s.root));
    cfg_done(&s.root);
    ck_assert_str_eq(s.ctx.message, "scenario.json: memroy_mb: unknown key; valid keys here: \"memory_mb\", "
                                    "\"timeout_s\"; did you mean \"memory_mb\"?");
    scenario_close(&s);

    /* Nested, and a key too far from every known one gets no suggestion. */
    scenario_open(&s, "{\"function\": {\"timeot_s\": 3}, \"colour\": 1}");
    cfg_node fn;
    cfg_object(&s.root, "function", &fn);
    cfg_number(&fn, "timeout_s", 3, 0, 900);
    cfg_number(&fn, "memory_mb", 128, 128, 10240);
    cfg_done(&fn);
    ck_assert_str_eq(s.ctx.message, "scenario.json: function.timeot_s: unknown key; valid keys here: "
                                    "\"timeout_s\", \"memory_mb\"; did you mean \"timeout_s\"?");
    scenario_close(&s);

    scenario_open(&s, "{\"function\": {}, \"colour\": 1}");
    cfg_object(&s.root, "function", &fn);
    cfg_number(&s.root, "memory_mb", 128, 128, 10240);
    cfg_done(&s.root);
    ck_assert_str_eq(s.ctx.message, "scenario.json: colour: unknown key; valid keys here: \"function\", "
                                    "\"memory_mb\"");
    scenario_close(&s);

    /* Keys marked known without being read are accepted. */
    scenario_open(&s, "{\"components\": []}");
    cfg_know(&s.root, "components");
    cfg_done(&s.root);
    ck_assert(!cfg_failed(&s.root));
    scenario_close(&s);
}
END_TEST

/* An object of many keys lists the three closest to the unknown one (ties in the order
 * read); an object of none says so. */
START_TEST(test_unknown_key_lists_the_closest_three_of_many)
{
    static const char *const keys[] = { "name", "kind", "memory_mb", "timeout_s", "runtime", "package_mb",
                                        "log_kb", "threads", "init_ms", "app" };
    scenario s;
    scenario_open(&s, "{\"memory\": 512}");
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cfg_know(&s.root, keys[i]);
    cfg_done(&s.root);
    /* memory: memory_mb 3 edits, kind and name 5 (name first, read first), ... */
    ck_assert_str_eq(s.ctx.message, "scenario.json: memory: unknown key; the closest of the 10 valid keys here: "
                                    "\"memory_mb\", \"name\", \"kind\"; did you mean \"memory_mb\"?");
    scenario_close(&s);

    scenario_open(&s, "{\"limits\": {\"burst\": 1}}");
    cfg_node limits;
    cfg_object(&s.root, "limits", &limits);
    cfg_done(&limits);
    ck_assert_str_eq(s.ctx.message, "scenario.json: limits.burst: unknown key; this object takes no keys");
    scenario_close(&s);
}
END_TEST

/* A key the caller's table says belongs elsewhere is named as such, not as a misspelling. */
START_TEST(test_unknown_key_of_another_setting_says_whose_it_is)
{
    static const cfg_key_owner owners[] = {
        { "concurrency", "a Cloud Run key (platform.provider \"gcp-cloud-run\")" },
        { NULL, NULL },
    };
    scenario s;
    scenario_open(&s, "{\"function\": {\"memory_mb\": 256, \"concurrency\": 8}}");
    s.ctx.key_owners = owners;
    cfg_node fn;
    cfg_object(&s.root, "function", &fn);
    cfg_number(&fn, "memory_mb", 128, 128, 10240);
    cfg_number(&fn, "reserved_concurrency", 0, 0, 1000);
    cfg_done(&fn);
    ck_assert_str_eq(s.ctx.message, "scenario.json: function.concurrency: unknown key here: a Cloud Run key "
                                    "(platform.provider \"gcp-cloud-run\"); valid keys here: \"memory_mb\", "
                                    "\"reserved_concurrency\"");
    scenario_close(&s);
}
END_TEST

START_TEST(test_duplicate_key_is_an_error)
{
    scenario s;
    scenario_open(&s, "{\"memory_mb\": 512, \"timeout_s\": 3, \"memory_mb\": 1024}");
    cfg_number(&s.root, "memory_mb", 128, 128, 10240);
    cfg_number(&s.root, "timeout_s", 3, 0, 900);
    cfg_done(&s.root);
    ck_assert_str_eq(s.ctx.message, "scenario.json: memory_mb: duplicate key");
    scenario_close(&s);
}
END_TEST

/* ---- paths and the first error --------------------------------------------- */

START_TEST(test_messages_carry_nested_json_paths)
{
    scenario s;
    scenario_open(&s, "{\"components\": [{\"memory_mb\": 128}, {\"memory_mb\": 256}, {\"memory_mb\": \"big\"}]}");
    size_t n = cfg_array_len(&s.root, "components");
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++) {
        cfg_node c;
        cfg_array_object(&s.root, "components", i, &c);
        cfg_number(&c, "memory_mb", 512, 128, 10240);
        cfg_done(&c);
    }
    ck_assert_str_eq(s.ctx.message,
                     "scenario.json: components[2].memory_mb: expected a number from 128 to 10240, got \"big\"");
    scenario_close(&s);

    scenario_open(&s, "{\"function\": {\"limits\": {\"burst\": -3}}}");
    cfg_node fn, limits;
    ck_assert(cfg_object(&s.root, "function", &fn));
    ck_assert(cfg_object(&fn, "limits", &limits));
    cfg_integer(&limits, "burst", 10, 0, 1000);
    ck_assert_str_eq(s.ctx.message, "scenario.json: function.limits.burst: expected an integer from 0 to 1000, got -3");
    scenario_close(&s);

    scenario_open(&s, "{\"components\": [{}, 7]}");
    cfg_node c;
    cfg_array_object(&s.root, "components", 1, &c);
    ck_assert_str_eq(s.ctx.message, "scenario.json: components[1]: expected an object, got 7");
    scenario_close(&s);

    scenario_open(&s, "{\"function\": 42}");
    ck_assert(!cfg_object(&s.root, "function", &fn));
    ck_assert_str_eq(s.ctx.message, "scenario.json: function: expected an object, got 42");
    scenario_close(&s);

    scenario_open(&s, "{\"components\": {\"a\": 1}}");
    ck_assert_uint_eq(cfg_array_len(&s.root, "components"), 0);
    ck_assert_str_eq(s.ctx.message, "scenario.json: components: expected an array, got an object");
    scenario_close(&s);
}
END_TEST

START_TEST(test_first_error_sticks_and_later_reads_return_defaults)
{
    scenario s;
    scenario_open(&s, "{\"a\": \"x\", \"b\": 2000, \"c\": 2.385, \"unknown\": 1}");
    ck_assert(cfg_number(&s.root, "a", 1.5, 0, 100) == 1.5);
    char first[sizeof s.ctx.message];
    strcpy(first, s.ctx.message);
    ck_assert_str_eq(first, "scenario.json: a: expected a number from 0 to 100, got \"x\"");

    ck_assert(cfg_number(&s.root, "b", 1.5, 0, 100) == 1.5);    /* also wrong: not reported */
    ck_assert(cfg_number(&s.root, "c", 1.5, 0, 100) == 1.5);    /* valid, but the read is off */
    cfg_number_req(&s.root, "missing", 0, 1);
    cfg_fail(&s.root, "c", "a later problem");
    cfg_done(&s.root);
    ck_assert(cfg_failed(&s.root));
    ck_assert_str_eq(s.ctx.message, first);
    scenario_close(&s);
}
END_TEST

START_TEST(test_fail_at_top_level_and_with_values)
{
    scenario s;
    scenario_open(&s, "{}");
    cfg_fail(&s.root, NULL, "the run needs %d components, got %g", 2, 2.385);
    ck_assert_str_eq(s.ctx.message, "scenario.json: (top level): the run needs 2 components, got 2.385");
    scenario_close(&s);
}
END_TEST

/* ---- the resolved tree ----------------------------------------------------- */

START_TEST(test_out_tree_holds_given_values_and_defaults)
{
    static const char *const policies[] = { "fifo", "lifo", NULL };
    scenario s;
    scenario_open(&s, "{\"function\": {\"memory_mb\": 512}, "
                      "\"components\": [{\"name\": \"api\"}, {\"name\": \"worker\", \"weight\": 2.385}]}");
    cfg_node fn, limits, absent;
    cfg_object(&s.root, "function", &fn);
    cfg_number(&fn, "memory_mb", 128, 128, 10240);
    cfg_number(&fn, "timeout_s", 3.5, 0, 900);
    cfg_enum(&fn, "policy", policies, 0);
    cfg_string(&fn, "name", "fn");
    cfg_bool(&fn, "enabled", true);
    cfg_object(&fn, "limits", &limits);             /* absent: defaults are still written */
    cfg_integer(&limits, "burst", 10, 0, 1000);
    cfg_done(&limits);
    cfg_done(&fn);
    size_t n = cfg_array_len(&s.root, "components");
    for (size_t i = 0; i < n; i++) {
        cfg_node c;
        cfg_array_object(&s.root, "components", i, &c);
        cfg_string_req(&c, "name");
        cfg_number(&c, "weight", 1, 0, 100);
        cfg_done(&c);
    }
    cfg_object(&s.root, "billing", &absent);
    cfg_string(&absent, "currency", "USD");
    cfg_done(&s.root);
    ck_assert_msg(!cfg_failed(&s.root), "%s", s.ctx.message);

    cJSON *expected = cJSON_Parse(
        "{\"function\": {\"memory_mb\": 512, \"timeout_s\": 3.5, \"policy\": \"fifo\", \"name\": \"fn\","
        " \"enabled\": true, \"limits\": {\"burst\": 10}},"
        " \"components\": [{\"name\": \"api\", \"weight\": 1}, {\"name\": \"worker\", \"weight\": 2.385}],"
        " \"billing\": {\"currency\": \"USD\"}}");
    ck_assert_ptr_nonnull(expected);
    char *got = cJSON_PrintUnformatted(s.out);
    ck_assert_msg(cJSON_Compare(s.out, expected, 1), "resolved tree: %s", got);
    free(got);
    cJSON_Delete(expected);
    scenario_close(&s);
}
END_TEST

/* ---- --set overrides ------------------------------------------------------- */

static cJSON *set_root(void)
{
    cJSON *root = cJSON_Parse("{\"function\": {\"memory_mb\": 128, \"name\": \"f\"},"
                              " \"components\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}");
    ck_assert_ptr_nonnull(root);
    return root;
}

static const cJSON *at(const cJSON *node, const char *key) { return cJSON_GetObjectItemCaseSensitive(node, key); }

START_TEST(test_set_path_sets_nested_keys_and_array_elements)
{
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, "scenario.json");
    cJSON *root = set_root();
    ck_assert_int_eq(cfg_set_path(&ctx, root, "function.memory_mb=2048"), 0);
    ck_assert(at(at(root, "function"), "memory_mb")->valuedouble == 2048);
    ck_assert_str_eq(at(at(root, "function"), "name")->valuestring, "f");    /* sibling kept */

    ck_assert_int_eq(cfg_set_path(&ctx, root, "components[1].name=gateway"), 0);
    ck_assert_str_eq(at(cJSON_GetArrayItem(at(root, "components"), 1), "name")->valuestring, "gateway");
    ck_assert_str_eq(at(cJSON_GetArrayItem(at(root, "components"), 0), "name")->valuestring, "a");

    ck_assert_int_eq(cfg_set_path(&ctx, root, "components[0]={\"name\": \"q\", \"size\": 2.385}"), 0);
    const cJSON *first = cJSON_GetArrayItem(at(root, "components"), 0);
    ck_assert_str_eq(at(first, "name")->valuestring, "q");
    ck_assert(at(first, "size")->valuedouble == 2.385);
    ck_assert_int_eq(cJSON_GetArraySize(at(root, "components")), 2);

    ck_assert_int_eq(cfg_set_path(&ctx, root, "function.label=hello world"), 0);   /* not JSON */
    ck_assert_str_eq(at(at(root, "function"), "label")->valuestring, "hello world");
    ck_assert_int_eq(cfg_set_path(&ctx, root, "function.tags=[\"x\", 2]"), 0);
    ck_assert(cJSON_IsArray(at(at(root, "function"), "tags")));
    /* An element of an array of named objects, by its name (sweeps vary components.api.x). */
    ck_assert_int_eq(cfg_set_path(&ctx, root, "components.gateway.memory_mb=512"), 0);
    ck_assert(at(cJSON_GetArrayItem(at(root, "components"), 1), "memory_mb")->valuedouble == 512);
    ck_assert_ptr_null(at(cJSON_GetArrayItem(at(root, "components"), 0), "memory_mb"));
    ck_assert(!ctx.failed);
    ck_assert_int_eq(cfg_set_path(&ctx, root, "components.zz.memory_mb=512"), -1);
    ck_assert(strstr(ctx.message, "no element named \"zz\"") != NULL);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_set_path_creates_missing_objects)
{
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, "scenario.json");
    cJSON *root = set_root();
    ck_assert_int_eq(cfg_set_path(&ctx, root, "billing.free_tier.enabled=true"), 0);
    ck_assert(cJSON_IsTrue(at(at(at(root, "billing"), "free_tier"), "enabled")));
    ck_assert_int_eq(cfg_set_path(&ctx, root, "seed=2385"), 0);
    ck_assert(at(root, "seed")->valuedouble == 2385);
    ck_assert(!ctx.failed);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_set_path_rejects_bad_paths)
{
    cfg_ctx ctx;
    cJSON *root = set_root();
    char *before = cJSON_PrintUnformatted(root);

    cfg_ctx_init(&ctx, "scenario.json");
    ck_assert_int_eq(cfg_set_path(&ctx, root, "components[2].name=x"), -1);
    ck_assert_str_eq(ctx.message, "scenario.json: components[2].name: --set: components[2] does not exist");

    cfg_ctx_init(&ctx, "scenario.json");
    ck_assert_int_eq(cfg_set_path(&ctx, root, "components[-1].name=x"), -1);
    ck_assert_contains(ctx.message, "bad index");

    cfg_ctx_init(&ctx, "scenario.json");
    ck_assert_int_eq(cfg_set_path(&ctx, root, "function[0]=1"), -1);    /* not an array */
    ck_assert_contains(ctx.message, "function[0] does not exist");

    cfg_ctx_init(&ctx, "scenario.json");
    ck_assert_int_eq(cfg_set_path(&ctx, root, "function.memory_mb.x=1"), -1);
    ck_assert_contains(ctx.message, "cannot descend");

    cfg_ctx_init(&ctx, "scenario.json");
    ck_assert_int_eq(cfg_set_path(&ctx, root, "memory_mb"), -1);
    ck_assert_str_eq(ctx.message, "scenario.json: --set: expected PATH=VALUE, got \"memory_mb\"");

    cfg_ctx_init(&ctx, "scenario.json");
    ck_assert_int_eq(cfg_set_path(&ctx, root, "=5"), -1);

    char *after = cJSON_PrintUnformatted(root);
    ck_assert_str_eq(after, before);    /* a rejected override leaves the tree alone */
    free(before);
    free(after);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_set_path_value_that_is_not_json_is_a_string)
{
    /* "VALUE is JSON if it parses, else a string": text with a valid JSON prefix is not
     * JSON, so it must stay a string, not be cut to its prefix. */
    static const char *const values[] = { "12abc", "2024-01-01", "true_story", "[1]z" };
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        cfg_ctx ctx;
        cfg_ctx_init(&ctx, "scenario.json");
        cJSON *root = set_root();
        char assignment[64];
        snprintf(assignment, sizeof assignment, "function.label=%s", values[i]);
        ck_assert_int_eq(cfg_set_path(&ctx, root, assignment), 0);
        const cJSON *v = at(at(root, "function"), "label");
        bool kept = cJSON_IsString(v) && strcmp(v->valuestring, values[i]) == 0;
        char *printed = cJSON_PrintUnformatted(v), got[64];
        snprintf(got, sizeof got, "%s", printed ? printed : "nothing");
        free(printed);
        cJSON_Delete(root);     /* before asserting, so a failure leaks nothing */
        ck_assert_msg(kept, "--set function.label=%s gave %s, expected the string \"%s\"", values[i], got,
                      values[i]);
    }
}
END_TEST

/* ---- suite ----------------------------------------------------------------- */

START_TEST(test_messages_stay_on_one_line)
{
    /* A raw newline inside a key (tolerated by the JSON reader) must not split the message. */
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, "scenario.json");
    cJSON *root = cfg_parse_text(&ctx, "{\"a\nb\": 1}", 10);
    ck_assert_ptr_nonnull(root);
    cfg_node n;
    cfg_root(&n, &ctx, root, NULL);
    cfg_done(&n);
    ck_assert_int_eq(ctx.failed, 1);
    ck_assert_ptr_null(strchr(ctx.message, '\n'));
    cJSON_Delete(root);
}
END_TEST

Suite *cfg_suite(void)
{
    Suite *s = suite_create("cfg");
    struct { const char *name; const TTest *tests[16]; } cases[] = {
        { "load", { test_strip_comments_blanks_comments_outside_strings,
                    test_comments_are_accepted_and_keep_line_numbers,
                    test_malformed_json_reports_line_and_column, test_empty_file_is_reported_as_empty,
                    test_top_level_must_be_an_object,
                    test_load_file_reads_comments_and_reports_missing_files } },
        { "numbers", { test_number_of_wrong_type_names_the_value,
                       test_number_out_of_range_names_range_and_value,
                       test_number_rejects_nan_string_and_overflow,
                       test_integer_rejects_fractions_and_values_beyond_max,
                       test_required_number_reports_missing } },
        { "types", { test_enum_lists_the_choices, test_bool_and_string_name_the_wrong_value } },
        { "keys", { test_unknown_key_suggests_the_closest_known_key,
                    test_unknown_key_lists_the_closest_three_of_many,
                    test_unknown_key_of_another_setting_says_whose_it_is, test_duplicate_key_is_an_error,
                    test_messages_stay_on_one_line } },
        { "paths", { test_messages_carry_nested_json_paths,
                     test_first_error_sticks_and_later_reads_return_defaults,
                     test_fail_at_top_level_and_with_values } },
        { "resolved", { test_out_tree_holds_given_values_and_defaults } },
        { "set", { test_set_path_sets_nested_keys_and_array_elements, test_set_path_creates_missing_objects,
                   test_set_path_rejects_bad_paths, test_set_path_value_that_is_not_json_is_a_string } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        TCase *tc = tcase_create(cases[i].name);
        for (size_t k = 0; k < 16 && cases[i].tests[k]; k++)
            tcase_add_test(tc, cases[i].tests[k]);
        suite_add_tcase(s, tc);
    }
    return s;
}
