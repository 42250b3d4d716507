/* test_inputs.c — inputs that cannot hurt: slsim reads scenarios, price tables and traces
 * from other people, so whatever a file is or holds, the answer is one line naming the
 * file, the JSON path and the problem, and exit status 2: never a hang, a crash, or a leak
 * of the contents of a file a scenario points at.
 *
 * Tests that could hang if the code regressed (FIFOs, /dev/stdin on a pipe) run the
 * binary under `timeout 10`, so they fail instead of stopping the suite. Messages and
 * pages are checked for well-formed UTF-8 with this file's own decoder, not slsim's. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/suites.h"
#include "tests/support.h"

#define SUITE "inputs"

/* A password hash line: what /etc/shadow starts with. No message may show any of it. */
#define SECRET_LINE "root:$6$Qx8Zk2Lm$Yq7SecretHashQ9vN3kW8pL0aZ7xR2mT5bC1dF4gH6jK:19700:0:99999:7:::"
#define SECRET_PART "Yq7SecretHash"

/* ---- helpers -------------------------------------------------------------------- */


/* dir/name into buf. */
static void join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    ck_assert_msg(n > 0 && (size_t)n < size, "path too long: %s/%s", dir, name);
}

/* The slsim binary as an absolute path, for commands run in another folder. */
static void absolute_binary(char *buf, size_t size)
{
    const char *b = support_binary();
    char cwd[2048];
    if (b[0] == '/')
        snprintf(buf, size, "%s", b);
    else if (getcwd(cwd, sizeof cwd))
        snprintf(buf, size, "%s/%s", cwd, b);
    else
        ck_abort_msg("getcwd: %s", strerror(errno));
}

/* Whether s[0..n) is well-formed UTF-8 with no control character but, when lines is true,
 * newline, carriage return and tab. Decoded here, independently of sim/cfg.c. */
static bool clean_utf8(const char *text, size_t n, bool lines)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 || c == 0x7f) && !(lines && (c == '\n' || c == '\r' || c == '\t')))
                return false;
            i++;
            continue;
        }
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        unsigned long cp = c & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        static const unsigned long least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return false;
        i += len;
    }
    return true;
}

/* Runs `slsim validate file` under timeout 10 (with shell text before it, such as a pipe)
 * and asserts exit 2 and one line that starts with prefix and contains words. */
static void assert_refused_in_time(const char *before, const char *file, const char *prefix, const char *words)
{
    char out[4096];
    int rc = support_sh(out, sizeof out, "%s timeout 10 '%s' validate '%s'", before, support_binary(), file);
    ck_assert_msg(rc != 124, "slsim validate %s was still waiting after 10 s", file);
    ck_assert_msg(rc == 2, "slsim validate %s exited %d, expected 2: %s", file, rc, out);
    char *nl = strchr(out, '\n');
    ck_assert_msg(nl && nl[1] == '\0', "expected one line, got: %s", out);
    ck_assert_msg(strncmp(out, prefix, strlen(prefix)) == 0, "\"%s\" does not start with \"%s\"", out, prefix);
    ck_assert_msg(strstr(out, words) != NULL, "\"%s\" does not say \"%s\"", out, words);
    if (support_verbose())
        fprintf(stderr, "%s: refused: %s", SUITE, out);
}

/* world_spec_load's message for file (which must be refused). */
static void load_refused(const char *file, char *err, size_t size)
{
    err[0] = '\0';
    world_spec *spec = world_spec_load(file, NULL, err, size);
    if (spec)
        world_spec_free(spec);
    ck_assert_msg(spec == NULL, "%s was accepted", file);
    if (support_verbose())
        fprintf(stderr, "%s: refused: %s\n", SUITE, err);
}

/* A scenario at dir/s.json replaying a trace; arrivals holds the trace keys. */
static void trace_scenario(char *path, size_t size, const char *dir, const char *arrivals)
{
    char json[2048];
    snprintf(json, sizeof json, "{\"duration_s\": 60, \"replications\": 1, \"traffic\": [{\"name\": \"t\", "
             "\"arrivals\": {\"process\": \"trace\", %s, \"function_defaults\": {\"duration_ms\": 10}}}]}",
             arrivals);
    join(path, size, dir, "s.json");
    support_write_text(path, json);
}

#define TRACE_2019 "HashOwner,HashApp,HashFunction,Trigger,1,2\no1,a1,f1aaaaaaaaaaaaa,http,3,2\n"

/* ---- files that are not regular files ------------------------------------------- */

START_TEST(a_fifo_as_the_scenario_is_refused_at_once)
{
    char dir[256], fifo[512], out[4096];
    support_tempdir(dir, sizeof dir);
    join(fifo, sizeof fifo, dir, "a.json");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    /* run, as a user would type it; nothing ever writes to the FIFO. */
    char binary[4096];
    absolute_binary(binary, sizeof binary);
    int rc = support_sh(out, sizeof out, "cd '%s' && timeout 10 '%s' run --quiet a.json", dir, binary);
    ck_assert_msg(rc != 124, "slsim run a FIFO was still waiting after 10 s");
    ck_assert_msg(rc == 2, "exit %d, expected 2: %s", rc, out);
    ck_assert_msg(strcmp(out, "a.json: (top level): is a FIFO (named pipe), not a regular file\n") == 0,
                  "message: %s", out);
    assert_refused_in_time("", fifo, fifo, "is a FIFO");
    support_rmrf(dir);
}
END_TEST

START_TEST(a_fifo_as_the_price_table_or_a_trace_file_is_refused_at_once)
{
    char dir[256], path[512], scenario[512], prefix[1200];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "prices.json");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    join(scenario, sizeof scenario, dir, "s.json");
    support_write_text(scenario, "{\"pricing\": \"prices.json\", \"components\": [{\"name\": \"f\", \"kind\": "
               "\"function\", \"duration_ms\": 10}], \"traffic\": [{\"target\": \"f\", \"arrivals\": "
               "{\"process\": \"poisson\", \"rate_per_s\": 1}}]}");
    snprintf(prefix, sizeof prefix, "%s: pricing: %s: ", scenario, path);
    assert_refused_in_time("", scenario, prefix, "is a FIFO");

    join(path, sizeof path, dir, "t.csv");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    trace_scenario(scenario, sizeof scenario, dir, "\"format\": \"csv\", \"file\": \"t.csv\"");
    snprintf(prefix, sizeof prefix, "%s: traffic[0].arrivals.file: %s: ", scenario, path);
    assert_refused_in_time("", scenario, prefix, "is a FIFO");

    /* The side files of an azure2019 trace: the trace itself is a regular file. */
    join(path, sizeof path, dir, "t2019.csv");
    support_write_text(path, TRACE_2019);
    join(path, sizeof path, dir, "d.csv");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    trace_scenario(scenario, sizeof scenario, dir, "\"format\": \"azure2019\", \"file\": \"t2019.csv\", "
                   "\"durations_file\": \"d.csv\"");
    snprintf(prefix, sizeof prefix, "%s: traffic[0].arrivals.durations_file: %s: ", scenario, path);
    assert_refused_in_time("", scenario, prefix, "is a FIFO");
    trace_scenario(scenario, sizeof scenario, dir, "\"format\": \"azure2019\", \"file\": \"t2019.csv\", "
                   "\"memory_file\": \"d.csv\"");
    snprintf(prefix, sizeof prefix, "%s: traffic[0].arrivals.memory_file: %s: ", scenario, path);
    assert_refused_in_time("", scenario, prefix, "is a FIFO");
    support_rmrf(dir);
}
END_TEST

START_TEST(dev_stdin_on_a_pipe_is_refused_at_once)
{
    /* The writer never ends (until slsim exits): a reader that waited for the end would not. */
    assert_refused_in_time("yes '{}' |", "/dev/stdin", "/dev/stdin: (top level): ", "is a FIFO");
}
END_TEST

START_TEST(devices_sockets_and_directories_are_refused_by_type)
{
    char dir[256], path[512], err[1024];
    support_tempdir(dir, sizeof dir);

    join(path, sizeof path, dir, "zero.json");
    ck_assert_int_eq(symlink("/dev/zero", path), 0);
    load_refused(path, err, sizeof err);
    ck_assert_msg(strstr(err, "zero.json: (top level): is a character device, not a regular file"), "%s", err);
    load_refused("/dev/null", err, sizeof err);
    ck_assert_msg(strstr(err, "/dev/null: (top level): is a character device"), "%s", err);

    join(path, sizeof path, dir, "folder.json");
    ck_assert_int_eq(mkdir(path, 0700), 0);
    load_refused(path, err, sizeof err);
    ck_assert_msg(strstr(err, "folder.json: (top level): is a directory, not a regular file"), "%s", err);

    /* A socket cannot even be opened: the message still says what it is. */
    join(path, sizeof path, dir, "sock.json");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    ck_assert_uint_lt(strlen(path), sizeof addr.sun_path);
    strcpy(addr.sun_path, path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    load_refused(path, err, sizeof err);
    close(fd);
    ck_assert_msg(strstr(err, "sock.json: (top level): is a socket, not a regular file"), "%s", err);

    /* A trace that is a symbolic link to /dev/zero. */
    char scenario[512];
    join(path, sizeof path, dir, "zero.csv");
    ck_assert_int_eq(symlink("/dev/zero", path), 0);
    trace_scenario(scenario, sizeof scenario, dir, "\"format\": \"csv\", \"file\": \"zero.csv\"");
    load_refused(scenario, err, sizeof err);
    ck_assert_msg(strstr(err, "traffic[0].arrivals.file: ") && strstr(err, "zero.csv: is a character device"),
                  "%s", err);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_scenario_over_64_mb_is_refused_without_reading_it)
{
    char dir[256], path[512], err[1024];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "huge.json");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), (off_t)65 << 20), 0);     /* sparse: no disk used */
    fclose(f);
    load_refused(path, err, sizeof err);
    ck_assert_msg(strstr(err, "huge.json: (top level): the file is 65 MB; a scenario or price table is at "
                              "most 64 MB"), "%s", err);
    support_rmrf(dir);
}
END_TEST

/* ---- messages that do not leak ---------------------------------------------------- */

START_TEST(a_trace_error_never_quotes_a_foreign_files_first_line)
{
    char dir[256], path[512], scenario[512], err[1024];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "shadow");
    support_write_text(path, SECRET_LINE "\ndaemon:*:19700:0:99999:7:::\n");
    join(path, sizeof path, dir, "t2019.csv");
    support_write_text(path, TRACE_2019);
    static const char *const cases[] = {
        "\"format\": \"csv\", \"file\": \"shadow\"",
        "\"format\": \"azure2021\", \"file\": \"shadow\"",
        "\"format\": \"azure2019\", \"file\": \"shadow\"",
        "\"format\": \"azure2019\", \"file\": \"t2019.csv\", \"durations_file\": \"shadow\"",
        "\"format\": \"azure2019\", \"file\": \"t2019.csv\", \"memory_file\": \"shadow\"",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        trace_scenario(scenario, sizeof scenario, dir, cases[i]);
        load_refused(scenario, err, sizeof err);
        ck_assert_msg(strstr(err, "shadow:1:1: ") != NULL, "case %zu does not name the file's line: %s", i, err);
        ck_assert_msg(strstr(err, SECRET_PART) == NULL && strstr(err, "$6$") == NULL && strstr(err, "root:") == NULL,
                      "case %zu quotes the file: %s", i, err);
    }
    support_rmrf(dir);
}
END_TEST

START_TEST(a_long_bad_field_is_quoted_by_its_first_32_bytes)
{
    char dir[256], path[512], scenario[512], err[1024];
    support_tempdir(dir, sizeof dir);
    char text[2048];
    /* 'A' x 32, then the rest of a long field the message must not carry. */
    snprintf(text, sizeof text, "timestamp_s,function\n1,a\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%s%0900d,a\n",
             SECRET_PART, 0);
    join(path, sizeof path, dir, "t.csv");
    support_write_text(path, text);
    trace_scenario(scenario, sizeof scenario, dir, "\"format\": \"csv\", \"file\": \"t.csv\"");
    load_refused(scenario, err, sizeof err);
    ck_assert_msg(strstr(err, "t.csv:3:1: timestamp_s \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...\" is not a number"),
                  "%s", err);
    ck_assert_msg(strstr(err, SECRET_PART) == NULL, "%s", err);
    support_rmrf(dir);
}
END_TEST

START_TEST(control_and_non_utf8_bytes_are_escaped_in_messages)
{
    char dir[256], path[512], out[4096];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "s.json");
    /* A Latin-1 byte, a terminal's "clear screen", a C1 CSI and a truncated sequence. */
    support_write_text(path, "{\"name\": \"caf\xe9\x1b[2J\xc2\x9b\xe2\x82\", \"components\": []}");
    int rc = support_sh(out, sizeof out, "'%s' validate '%s'", support_binary(), path);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, out);
    size_t n = strlen(out);
    ck_assert_msg(n > 0 && out[n - 1] == '\n' && strchr(out, '\n') == out + n - 1, "not one line: %s", out);
    ck_assert_msg(clean_utf8(out, n - 1, false), "not clean UTF-8: %s", out);
    ck_assert_msg(strstr(out, ": name: \"caf\\xe9\\x1b[2J\\xc2\\x9b\\xe2\\x82\" is not a valid name"), "%s", out);
    support_rmrf(dir);
}
END_TEST

START_TEST(report_html_escapes_markup_controls_and_non_utf8)
{
    char dir[256], path[512], results[512], out[4096];
    support_tempdir(dir, sizeof dir);
    /* The scenario's own file name is not UTF-8 either: the page shows it. */
    join(path, sizeof path, dir, "s\xfe.json");
    support_write_text(path, "{\"name\": \"page\", \"description\": \"<b>bold</b> caf\xc3\xa9 \xff\\u001b[2J end\","
               " \"duration_s\": 10, \"replications\": 1, \"components\": [{\"name\": \"f\", \"kind\": "
               "\"function\", \"duration_ms\": 10}], \"traffic\": [{\"target\": \"f\", \"arrivals\": "
               "{\"process\": \"poisson\", \"rate_per_s\": 2}}]}");
    join(results, sizeof results, dir, "out");
    int rc = support_sh(out, sizeof out, "'%s' run --no-plots --out '%s' '%s'", support_binary(),
                        results, path);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    /* The terminal gets the description too, with no escape sequence to obey. */
    ck_assert_msg(strstr(out, "caf\xc3\xa9 \\xff\\x1b[2J end"), "description not printed: %s", out);
    ck_assert_msg(strchr(out, '\x1b') == NULL, "the printed report holds an escape character: %s", out);
    char page_path[600];
    join(page_path, sizeof page_path, results, "report.html");
    char *page = support_read_file(page_path);
    ck_assert_ptr_nonnull(page);
    ck_assert_msg(clean_utf8(page, strlen(page), true), "report.html is not clean UTF-8");
    ck_assert_msg(strstr(page, "<p>&lt;b&gt;bold&lt;/b&gt; caf\xc3\xa9 \\xff\\x1b[2J end</p>"), "description not escaped");
    ck_assert_msg(strstr(page, "s\\xfe.json</code>"), "file name not escaped");
    free(page);
    support_rmrf(dir);
}
END_TEST

/* ---- byte-order marks, nesting, price tables ---------------------------------------- */

START_TEST(a_byte_order_mark_is_skipped_in_scenarios_and_traces)
{
    char dir[256], path[512], scenario[512], err[1024];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "bom.json");
    support_write_text(path, "\xef\xbb\xbf{\"name\": \"bom\", \"components\": [{\"name\": \"f\", \"kind\": \"function\", "
               "\"duration_ms\": 10}], \"traffic\": [{\"target\": \"f\", \"arrivals\": {\"process\": "
               "\"poisson\", \"rate_per_s\": 1}}]}");
    world_spec *spec = world_spec_load(path, NULL, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    ck_assert_str_eq(spec->name, "bom");
    world_spec_free(spec);

    /* What a spreadsheet's "CSV UTF-8" export writes, in each format: the first column is
     * found by its name, so the trace loads with its own functions. */
    static const struct { const char *format, *text, *function; } traces[] = {
        { "csv", "\xef\xbb\xbftimestamp_s,function\n0.5,api\n1.5,api\n", "api" },
        { "azure2021", "\xef\xbb\xbf" "app,func,end_timestamp,duration\nappone,fnone,1.5,0.5\n", "appone-fnone" },
        { "azure2019", "\xef\xbb\xbf" TRACE_2019, "f1aaaaaaaaaa" },
    };
    for (size_t i = 0; i < sizeof traces / sizeof *traces; i++) {
        join(path, sizeof path, dir, "t.csv");
        support_write_text(path, traces[i].text);
        char keys[128];
        snprintf(keys, sizeof keys, "\"format\": \"%s\", \"file\": \"t.csv\"", traces[i].format);
        trace_scenario(scenario, sizeof scenario, dir, keys);
        spec = world_spec_load(scenario, NULL, err, sizeof err);
        ck_assert_msg(spec != NULL, "%s: %s", traces[i].format, err);
        ck_assert_msg(spec->n_components == 1 && world_spec_component(spec, traces[i].function) == 0,
                      "%s: no function %s", traces[i].format, traces[i].function);
        world_spec_free(spec);
    }
    support_rmrf(dir);
}
END_TEST

/* n nested arrays as the value of key "x". */
static char *nested(size_t n)
{
    char *s = malloc(2 * n + 16);
    ck_assert_ptr_nonnull(s);
    size_t k = (size_t)sprintf(s, "{\"x\": ");
    for (size_t i = 0; i < n; i++)
        s[k++] = '[';
    for (size_t i = 0; i < n; i++)
        s[k++] = ']';
    strcpy(s + k, "}");
    return s;
}

START_TEST(json_nested_beyond_cjsons_limit_says_so)
{
    char dir[256], path[512], err[1024];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "deep.json");
    /* 1000 levels inside the top object: 1001 in all, one beyond the limit. */
    char *text = nested(1000);
    support_write_text(path, text);
    free(text);
    load_refused(path, err, sizeof err);
    ck_assert_msg(strstr(err, "deep.json: (top level): the JSON is nested deeper than 1000 levels (at line 1, "
                              "column 1006)"), "%s", err);
    /* 1000 levels in all parse: the problem is then what the scenario lacks. */
    text = nested(999);
    support_write_text(path, text);
    free(text);
    load_refused(path, err, sizeof err);
    ck_assert_msg(strstr(err, "deep.json: components: missing"), "%s", err);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_price_table_error_names_the_scenario_and_the_pricing_key)
{
    char dir[256], path[512], scenario[512], err[1024], expected[1200];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "prices.json");
    support_write_text(path, "{\"provider\": \"aws\",\n \"region\" \"us-east-1\"}");
    join(scenario, sizeof scenario, dir, "s.json");
    support_write_text(scenario, "{\"pricing\": \"prices.json\", \"components\": [{\"name\": \"f\", \"kind\": "
               "\"function\", \"duration_ms\": 10}], \"traffic\": [{\"target\": \"f\", \"arrivals\": "
               "{\"process\": \"poisson\", \"rate_per_s\": 1}}]}");
    load_refused(scenario, err, sizeof err);
    snprintf(expected, sizeof expected, "%s: pricing: %s: (top level): malformed JSON at line 2, column 11",
             scenario, path);
    ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0, "\"%s\" does not start with \"%s\"", err, expected);
    support_rmrf(dir);
}
END_TEST

/* Reports and pages print the currency as it is: it may only be a currency code. */
START_TEST(a_price_tables_currency_must_be_a_currency_code)
{
    char dir[256], path[512], scenario[512], err[1024], expected[1200];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "prices.json");
    support_write_text(path, "{\"provider\": \"aws\", \"region\": \"us-east-1\", \"currency\": \"\\u001b[2JUSD\"}");
    join(scenario, sizeof scenario, dir, "s.json");
    support_write_text(scenario, "{\"pricing\": \"prices.json\", \"components\": [{\"name\": \"f\", \"kind\": "
               "\"function\", \"duration_ms\": 10}], \"traffic\": [{\"target\": \"f\", \"arrivals\": "
               "{\"process\": \"poisson\", \"rate_per_s\": 1}}]}");
    load_refused(scenario, err, sizeof err);
    snprintf(expected, sizeof expected, "%s: pricing: %s: currency: expected an ISO 4217 code of three capital "
             "letters, such as \"USD\", got another string", scenario, path);   /* a table file is never quoted */
    ck_assert_msg(strcmp(err, expected) == 0, "\"%s\" is not \"%s\"", err, expected);
    support_rmrf(dir);
}
END_TEST

/* ---- other nasty inputs ------------------------------------------------------------- */

START_TEST(nul_bytes_and_hexadecimal_numbers_are_refused)
{
    char dir[256], path[512], scenario[512], err[1024];
    support_tempdir(dir, sizeof dir);
    join(path, sizeof path, dir, "nul.json");
    support_write_bytes(path, "{\"name\": \"a\0b\"}", 15);
    load_refused(path, err, sizeof err);
    ck_assert_msg(strstr(err, "nul.json: (top level): the file contains a NUL byte"), "%s", err);

    /* strtod reads 0x10 as 16; a trace means decimal numbers. */
    join(path, sizeof path, dir, "t.csv");
    support_write_text(path, "timestamp_s,function\n0x10,api\n");
    trace_scenario(scenario, sizeof scenario, dir, "\"format\": \"csv\", \"file\": \"t.csv\"");
    load_refused(scenario, err, sizeof err);
    ck_assert_msg(strstr(err, "t.csv:2:1: timestamp_s \"0x10\" is not a number"), "%s", err);
    support_rmrf(dir);
}
END_TEST

START_TEST(utf16_files_are_named_as_such)
{
    char dir[256], path[512], scenario[512], err[1024];
    support_tempdir(dir, sizeof dir);
    /* "{}" and "timestamp_s" as Windows' "Unicode" (UTF-16LE with its byte-order mark). */
    join(path, sizeof path, dir, "u16.json");
    support_write_bytes(path, "\xff\xfe{\0}\0", 6);
    load_refused(path, err, sizeof err);
    ck_assert_msg(strstr(err, "u16.json: (top level): the file is UTF-16 text (it starts with bytes FF FE); "
                              "save it as UTF-8"), "%s", err);
    join(path, sizeof path, dir, "t.csv");
    support_write_bytes(path, "\xfe\xff\0t\0s\0\n", 9);
    trace_scenario(scenario, sizeof scenario, dir, "\"format\": \"csv\", \"file\": \"t.csv\"");
    load_refused(scenario, err, sizeof err);
    ck_assert_msg(strstr(err, "t.csv:1:1: the file is UTF-16 text (it starts with bytes FE FF)"), "%s", err);
    support_rmrf(dir);
}
END_TEST

Suite *inputs_suite(void)
{
    Suite *s = suite_create(SUITE);
    TCase *files = tcase_create("files");
    tcase_set_timeout(files, 60);
    tcase_add_test(files, a_fifo_as_the_scenario_is_refused_at_once);
    tcase_add_test(files, a_fifo_as_the_price_table_or_a_trace_file_is_refused_at_once);
    tcase_add_test(files, dev_stdin_on_a_pipe_is_refused_at_once);
    tcase_add_test(files, devices_sockets_and_directories_are_refused_by_type);
    tcase_add_test(files, a_scenario_over_64_mb_is_refused_without_reading_it);
    suite_add_tcase(s, files);
    TCase *messages = tcase_create("messages");
    tcase_set_timeout(messages, 30);
    tcase_add_test(messages, a_trace_error_never_quotes_a_foreign_files_first_line);
    tcase_add_test(messages, a_long_bad_field_is_quoted_by_its_first_32_bytes);
    tcase_add_test(messages, control_and_non_utf8_bytes_are_escaped_in_messages);
    tcase_add_test(messages, report_html_escapes_markup_controls_and_non_utf8);
    suite_add_tcase(s, messages);
    TCase *text = tcase_create("text");
    tcase_add_test(text, a_byte_order_mark_is_skipped_in_scenarios_and_traces);
    tcase_add_test(text, json_nested_beyond_cjsons_limit_says_so);
    tcase_add_test(text, a_price_table_error_names_the_scenario_and_the_pricing_key);
    tcase_add_test(text, a_price_tables_currency_must_be_a_currency_code);
    tcase_add_test(text, nul_bytes_and_hexadecimal_numbers_are_refused);
    tcase_add_test(text, utf16_files_are_named_as_such);
    suite_add_tcase(s, text);
    return s;
}
