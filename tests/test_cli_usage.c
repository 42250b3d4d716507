/* test_cli_usage.c — specifications of what the slsim command line refuses, and how it
 * says so, run as a user runs it: the binary ($SLSIM) through the shell, scenario files
 * written into a fresh temporary folder per test. The parser and its answers (--help for
 * every command, --version, the exercise pages), bad usage, invalid scenarios (one kind of
 * mistake each), a bad --set and an --out that cannot be a folder.
 *
 * The contract under test: exit status 0 for --help and --version; 2 on bad usage (a
 * message that starts "slsim: ") or an invalid scenario (then exactly one line on stderr,
 * "FILE: json.path: problem", nothing on stdout and no results written). What the commands
 * do with good input is test_cli.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cli.h"
#include "tests/suites.h"
#include "tests/support.h"

/* ---- scenarios used by the tests ------------------------------------------------ */

/* A scenario that differs from a valid one in one place: TOP is inserted among the
 * top-level keys, TARGET names the traffic target, COMPONENT is inserted into the
 * component (and must say its kind). */
#define SCENARIO(TOP, TARGET, COMPONENT)                                                       \
    "{\n"                                                                                      \
    "  \"name\": \"bad\",\n"                                                                   \
    "  " TOP "\n"                                                                              \
    "  \"traffic\": [ { \"target\": \"" TARGET "\",\n"                                         \
    "                 \"arrivals\": { \"process\": \"poisson\", \"rate_per_s\": 5 } } ],\n"    \
    "  \"components\": [ { \"name\": \"api\", " COMPONENT "\n"                                 \
    "                    \"duration_ms\": { \"dist\": \"lognormal\", \"median\": 40, \"p99\": 200 } } ]\n" \
    "}\n"
/* ... with one function whose extra keys are FIELDS (each followed by a comma). */
#define FUNCTION_SCENARIO(FIELDS) SCENARIO("\"duration_s\": 600,", "api", "\"kind\": \"function\", " FIELDS)

/* ---- helpers --------------------------------------------------------------------- */

#define basic_scenario support_cli_scenario
#define join support_join
#define write_scenario support_write_in
#define path_exists support_path_exists

#define ck_assert_contains(haystack, needle)                                                   \
    ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" does not contain \"%s\"",       \
                  (haystack), (needle))

/* The number of lines in text; a last line without '\n' counts. */
static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    size_t len = strlen(text);
    return n + (len > 0 && text[len - 1] != '\n');
}

/* The slsim binary as an absolute path, for tests that change directory. */
static void absolute_binary(char *buf, size_t size)
{
    const char *bin = support_binary();
    char cwd[PATH_MAX];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    int n = bin[0] == '/' ? snprintf(buf, size, "%s", bin) : snprintf(buf, size, "%s/%s", cwd, bin);
    ck_assert(n > 0 && (size_t)n < size);
    ck_assert_msg(access(buf, X_OK) == 0, "cannot run %s", buf);
}

/* Runs slsim with args (a shell fragment) and asserts bad usage: exit 2, a message that
 * starts with "slsim:" and contains mention. */
static void expect_usage_error(const char *args, const char *mention)
{
    char out[4096];
    int rc = support_sh(out, sizeof out, "'%s' %s", support_binary(), args);
    ck_assert_msg(rc == 2, "slsim %s exited %d, expected 2: %s", args, rc, out);
    ck_assert_msg(strncmp(out, "slsim: ", 7) == 0, "slsim %s: message \"%s\" does not start with \"slsim: \"",
                  args, out);
    ck_assert_msg(strstr(out, mention) != NULL, "slsim %s: message \"%s\" does not mention \"%s\"",
                  args, out, mention);
}

/* Asserts that `slsim run FILE` and `slsim validate FILE` (with extra arguments EXTRA)
 * reject the file: exit 2, nothing on stdout, exactly one line on stderr of the form
 * "FILE: JSON_PATH: ..." (json_path NULL: any path) that contains word and, when not NULL,
 * value; and no results folder. dir is a scratch folder. */
static void expect_rejected(const char *dir, const char *file, const char *extra,
                            const char *json_path, const char *word, const char *value)
{
    char results[4200], stdout_path[4200], err[4096], prefix[4400];
    join(results, sizeof results, dir, "results");
    join(stdout_path, sizeof stdout_path, dir, "stdout.txt");
    char run_options[4300];
    snprintf(run_options, sizeof run_options, "--quiet --out '%s'", results);
    for (int c = 0; c < 2; c++) {
        const char *cmd = c == 0 ? "run" : "validate";
        /* stderr alone into err; stdout into a file. */
        int rc = support_sh(err, sizeof err, "{ '%s' %s '%s' %s %s 2>&1 >'%s'; }", support_binary(),
                            cmd, file, c == 0 ? run_options : "", extra, stdout_path);
        ck_assert_msg(rc == 2, "slsim %s %s %s exited %d, expected 2; stderr: %s", cmd, file, extra, rc, err);
        ck_assert_msg(count_lines(err) == 1 && err[strlen(err) - 1] == '\n',
                      "slsim %s %s: expected exactly one line on stderr, got \"%s\"", cmd, file, err);
        if (json_path)
            snprintf(prefix, sizeof prefix, "%s: %s: ", file, json_path);
        else
            snprintf(prefix, sizeof prefix, "%s: ", file);
        ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
                      "slsim %s: message \"%s\" does not start with \"%s\"", cmd, err, prefix);
        ck_assert_msg(strstr(err + strlen(prefix), word) != NULL,
                      "slsim %s: message \"%s\" does not say \"%s\"", cmd, err, word);
        if (value)
            ck_assert_msg(strstr(err + strlen(prefix), value) != NULL,
                          "slsim %s: message \"%s\" does not show \"%s\"", cmd, err, value);
        char *printed = support_read_file(stdout_path);
        ck_assert_msg(printed && printed[0] == '\0', "slsim %s %s printed on stdout: %s", cmd, file,
                      printed ? printed : "(nothing captured)");
        free(printed);
        ck_assert_msg(!path_exists(results), "slsim run of an invalid scenario created %s", results);
    }
}

/* Writes text as bad.json in a fresh folder and asserts it is rejected (see above). */
static void expect_invalid(const char *text, const char *json_path, const char *word, const char *value)
{
    char dir[256], file[4200];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "bad.json", text);
    expect_rejected(dir, file, "", json_path, word, value);
    support_rmrf(dir);
}

/* ---- usage ------------------------------------------------------------------------ */

/* slsim exercise list names every exercise page; show N prints it; an N that names no page
 * (0, one past the last, a negative number, a word) is refused with exit 2, and the message
 * says so and gives the numbers there are. */
START_TEST(test_exercise_list_and_show)
{
    char out[16384];
    int rc = support_sh(out, sizeof out, "'%s' exercise list", support_binary());
    ck_assert_msg(rc == 0 && strstr(out, "  1  Exercise 1"), "%s", out);
    size_t pages = count_lines(out);
    ck_assert_uint_ge(pages, 15);
    rc = support_sh(out, sizeof out, "'%s' exercise show 1", support_binary());
    ck_assert_msg(rc == 0 && strstr(out, "## Question") && strstr(out, "## Answer"), "%s", out);
    char past[32], range[64];
    snprintf(past, sizeof past, "%zu", pages + 1);
    snprintf(range, sizeof range, "numbered 1 to %zu", pages);
    const char *const bad[] = { "0", past, "-1", "abc", "999", "1.5" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char args[64], says[64];
        snprintf(args, sizeof args, "exercise show '%s'", bad[i]);
        snprintf(says, sizeof says, "exercise '%s': no such exercise", bad[i]);
        expect_usage_error(args, says);
        expect_usage_error(args, range);
        rc = support_sh(out, sizeof out, "'%s' %s", support_binary(), args);
        ck_assert_msg(count_lines(out) == 1, "slsim %s: \"%s\"", args, out);
    }
    expect_usage_error("exercise show", "'slsim exercise show N'");
    expect_usage_error("exercise", "'slsim exercise list'");
}
END_TEST

START_TEST(test_help_exits_0_and_prints_usage)
{
    static const char *const spellings[] = { "--help", "-h", "help" };
    for (int i = 0; i < 3; i++) {
        char out[8192];
        int rc = support_sh(out, sizeof out, "'%s' %s", support_binary(), spellings[i]);
        ck_assert_msg(rc == 0, "slsim %s exited %d", spellings[i], rc);
        ck_assert_contains(out, "usage: slsim run FILE");
        ck_assert_contains(out, "slsim validate FILE");
        ck_assert_contains(out, "--out DIR");
        ck_assert_contains(out, "--set PATH=VALUE");
        ck_assert_contains(out, "exit status");
    }
}
END_TEST

/* Whether help lists option name as an option line: "  --name" then a space or a line end. */
static int help_lists(const char *help, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(help, name); p; p = strstr(p + 1, name))
        if (p - help >= 3 && !strncmp(p - 3, "\n  ", 3) && (p[len] == ' ' || p[len] == '\n'))
            return 1;
    return 0;
}

/* `slsim COMMAND --help` prints that command's usage on stdout and exits 0, and lists
 * exactly the options the command table gives it: none accepted and undocumented, none
 * documented and refused. */
START_TEST(test_every_command_answers_help_with_its_own_options)
{
    /* Known answers, independent of the table: options each command must document. */
    static const struct { const char *command, *options[4]; } known[] = {
        { "run", { "--out", "--print-config", "--stats", "--no-plots" } },
        { "validate", { "--set" } },
        { "compare", { "--variant", "--replications", "--quiet" } },
        { "cost-curve", { "--requests-per-month", "--variant" } },
        { "tune", { "--function", "--memory", "--max-cost-per-million" } },
        { "sweep", { "--vary", "--threads" } },
        { "plot", { "--help" } },
        { "exercise", { "--help" } },
        { "calibrate", { "--out" } },
    };
    ck_assert_int_eq((long)(sizeof known / sizeof known[0]), CLI_N_COMMANDS);
    for (size_t i = 0; i < CLI_N_COMMANDS; i++) {
        const cli_command *c = &cli_commands[i];
        char out[16384], usage[64];
        int rc = support_sh(out, sizeof out, "{ '%s' %s --help 2>/dev/null; }", support_binary(), c->name);
        ck_assert_msg(rc == 0, "slsim %s --help exited %d: %s", c->name, rc, out);
        snprintf(usage, sizeof usage, "usage: slsim %s", c->name);
        ck_assert_msg(strncmp(out, usage, strlen(usage)) == 0, "slsim %s --help: \"%s\"", c->name, out);
        ck_assert_contains(out, "exit status");
        for (size_t k = 0; k < CLI_N_OPTIONS; k++) {
            const cli_option *o = &cli_options[k];
            ck_assert_msg(cli_takes(c, o) == help_lists(out, o->name), "slsim %s --help %s %s, which it %s",
                          c->name, help_lists(out, o->name) ? "lists" : "does not list", o->name,
                          cli_takes(c, o) ? "takes" : "refuses");
        }
        for (size_t k = 0; k < 4 && known[i].options[k]; k++) {
            ck_assert_str_eq(known[i].command, c->name);
            ck_assert_msg(help_lists(out, known[i].options[k]), "slsim %s --help does not list %s", c->name,
                          known[i].options[k]);
        }
    }
    /* --help after operands and options works too; --help=x is bad usage. */
    char out[16384];
    int rc = support_sh(out, sizeof out, "'%s' run x.json --seed 3 --help", support_binary());
    ck_assert_msg(rc == 0 && strncmp(out, "usage: slsim run", 16) == 0, "%d: %s", rc, out);
    expect_usage_error("run --help=x", "'--help' takes no value");
}
END_TEST

START_TEST(test_version_exits_0_and_prints_the_version)
{
    char out[256];
    int rc = support_sh(out, sizeof out, "'%s' --version", support_binary());
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(strncmp(out, "slsim ", 6) == 0 && out[6] >= '0' && out[6] <= '9',
                  "unexpected version line \"%s\"", out);
    ck_assert_int_eq((long)count_lines(out), 1);
}
END_TEST

START_TEST(test_no_arguments_is_bad_usage)
{
    expect_usage_error("", "missing command");
}
END_TEST

START_TEST(test_unknown_command_is_bad_usage)
{
    expect_usage_error("simulate x.json", "'simulate'");
}
END_TEST

START_TEST(test_run_without_a_file_is_bad_usage)
{
    expect_usage_error("run --quiet", "FILE");
    expect_usage_error("validate", "FILE");
}
END_TEST

START_TEST(test_unknown_option_is_bad_usage)
{
    expect_usage_error("run x.json --fast", "'--fast'");
    expect_usage_error("run x.json --quiet=yes", "'--quiet'");
    expect_usage_error("validate x.json --quiet", "'--quiet'");
    expect_usage_error("validate x.json --seed 3", "'--seed'");
    expect_usage_error("run x.json y.json", "'y.json'");
    /* Whole names only (no abbreviations), and an option of another command is refused. */
    expect_usage_error("run x.json --qu", "'--qu'");
    expect_usage_error("run x.json --vary=a=1", "'--vary'");
    expect_usage_error("tune x.json --variant a:b=1", "'--variant'");
    expect_usage_error("sweep x.json --print-config", "'--print-config'");
}
END_TEST

START_TEST(test_option_without_its_value_is_bad_usage)
{
    static const char *const options[] = { "--out", "--seed", "--replications", "--threads",
                                           "--duration", "--set" };
    for (int i = 0; i < 6; i++) {
        char args[128];
        snprintf(args, sizeof args, "run x.json %s", options[i]);
        char mention[64];
        snprintf(mention, sizeof mention, "'%s' needs a value", options[i]);
        expect_usage_error(args, mention);
    }
}
END_TEST

START_TEST(test_bad_numeric_option_values_are_bad_usage)
{
    static const struct { const char *option, *value; } bad[] = {
        { "--seed", "abc" }, { "--seed", "-1" }, { "--seed", "1e3" }, { "--seed", "2.5" },
        { "--seed", "9007199254740992" }, { "--seed", "" },
        { "--threads", "0" }, { "--threads", "2x" }, { "--threads", "-2" }, { "--threads", "1025" },
        { "--replications", "0" }, { "--replications", "-3" }, { "--replications", "1001" },
        { "--replications", "many" }, { "--replications", "99999999999999999999999" },
        { "--duration", "0" }, { "--duration", "-5" }, { "--duration", "nan" },
        { "--duration", "inf" }, { "--duration", "10s" },
        /* Numbers strtoll and strtod would take, but no one means: spaces, signs, hex. */
        { "--seed", " 5" }, { "--seed", "5 " }, { "--seed", "+5" }, { "--seed", "0x10" },
        { "--replications", " 3" }, { "--threads", "+1" },
        { "--duration", "0x1p5" }, { "--duration", " 60" }, { "--duration", "60 " },
        { "--duration", "+60" }, { "--duration", "infinity" }, { "--duration", "1e" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char args[256], mention[128];
        snprintf(args, sizeof args, "run scenario.json %s '%s'", bad[i].option, bad[i].value);
        snprintf(mention, sizeof mention, "%s: expected", bad[i].option);
        expect_usage_error(args, mention);
        snprintf(mention, sizeof mention, "'%s'", bad[i].value);
        expect_usage_error(args, mention);
    }
}
END_TEST

/* An empty value is as much bad usage as a missing one: `--out=` names no folder. */
START_TEST(test_empty_out_value_is_bad_usage)
{
    char dir[256], file[4200], bin[PATH_MAX], out[4096];
    support_tempdir(dir, sizeof dir);
    absolute_binary(bin, sizeof bin);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    int rc = support_sh(out, sizeof out, "cd '%s' && '%s' run basic.json --quiet --out=", dir, bin);
    support_rmrf(dir);
    ck_assert_msg(rc == 2, "slsim run FILE --out= exited %d, expected 2: %s", rc, out);
    ck_assert_contains(out, "--out");
}
END_TEST

/* ---- invalid scenarios: one kind of mistake each ------------------------------- */

START_TEST(test_wrong_type_names_the_path_and_the_value)
{
    expect_invalid(FUNCTION_SCENARIO("\"memory_mb\": \"big\","), "components[0].memory_mb",
                   "expected", "\"big\"");
}
END_TEST

START_TEST(test_out_of_range_value_names_the_path_and_the_range)
{
    expect_invalid(FUNCTION_SCENARIO("\"memory_mb\": 64,"), "components[0].memory_mb", "128", "64");
}
END_TEST

START_TEST(test_unknown_key_suggests_the_nearest_known_key)
{
    expect_invalid(FUNCTION_SCENARIO("\"memroy_mb\": 256,"), "components[0].memroy_mb", "unknown",
                   "did you mean \"memory_mb\"");
}
END_TEST

/* An unknown key lists the object's keys nearest to it, on the same one line. */
START_TEST(test_unknown_key_lists_the_closest_valid_keys)
{
    expect_invalid(FUNCTION_SCENARIO("\"memroy_mb\": 256,"), "components[0].memroy_mb",
                   "the closest of the", "\"memory_mb\", \"log_kb\", \"metrics\"");
    expect_invalid(SCENARIO("\"platform\": {\"colour\": 1}, \"duration_s\": 600,", "api",
                            "\"kind\": \"function\","),
                   "platform.colour", "valid keys here", "\"provider\"");
}
END_TEST

/* A function's key that only other providers read is named as theirs: Cloud Run's and
 * Azure's instance keys under Lambda, Flex's always_ready under Cloud Run, Workers' cpu_ms. */
START_TEST(test_another_providers_key_says_whose_it_is)
{
#define PROVIDER(P) "\"platform\": {\"provider\": \"" P "\"}, \"duration_s\": 600,"
    static const struct { const char *top, *field, *path, *says; } cases[] = {
        { PROVIDER("aws"), "\"concurrency\": 10,", "components[0].concurrency", "a Cloud Run/Azure key" },
        { PROVIDER("aws"), "\"max_instances\": 10,", "components[0].max_instances", "\"gcp-cloud-run\"" },
        { PROVIDER("aws"), "\"vcpu\": 2,", "components[0].vcpu", "\"azure-consumption\"" },
        { PROVIDER("aws"), "\"min_instances\": 1,", "components[0].min_instances", "a Cloud Run key" },
        { PROVIDER("aws"), "\"billing\": \"instance\",", "components[0].billing", "a Cloud Run key" },
        { PROVIDER("aws"), "\"startup_cpu_boost\": true,", "components[0].startup_cpu_boost",
          "a Cloud Run key" },
        { PROVIDER("aws"), "\"cpu_ms\": 5,", "components[0].cpu_ms", "\"cloudflare-workers\"" },
        { PROVIDER("gcp-cloud-run"), "\"always_ready\": 1,", "components[0].always_ready",
          "an Azure Flex Consumption key (platform.provider \"azure-flex\"" },
        { PROVIDER("azure-flex"), "\"min_instances\": 1,", "components[0].min_instances",
          "Azure Flex calls it always_ready" },
        { PROVIDER("azure-consumption"), "\"billing\": \"instance\",", "components[0].billing",
          "a Cloud Run key" },
        /* SnapStart is read everywhere, and refused outside Lambda in words of its own. */
        { PROVIDER("gcp-cloud-run"), "\"snapstart\": {},", "components[0].snapstart", "provider \"aws\"" },
    };
#undef PROVIDER
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[2048];
        snprintf(text, sizeof text, SCENARIO("%s", "api", "\"kind\": \"function\", %s"), cases[i].top,
                 cases[i].field);
        expect_invalid(text, cases[i].path, cases[i].says, NULL);
    }
}
END_TEST

START_TEST(test_traffic_target_must_name_a_component)
{
    expect_invalid(SCENARIO("\"duration_s\": 600,", "nope", "\"kind\": \"function\","),
                   "traffic[0].target", "component", "\"nope\"");
}
END_TEST

START_TEST(test_malformed_json_reports_line_and_column)
{
    expect_invalid("{\n"
                   "  \"name\": \"bad\",\n"
                   "  \"duration_s\": 600,,\n"
                   "  \"traffic\": []\n"
                   "}\n",
                   NULL, "line 3", "column");
}
END_TEST

/* The mistake above is on line 3 of 5: the file does not end there. */
START_TEST(test_malformed_json_before_the_end_is_not_called_end_of_file)
{
    char dir[256], file[4200], doubled[4096], trailing[4096];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "bad.json",
                   "{\n  \"name\": \"bad\",\n  \"duration_s\": 600,,\n  \"traffic\": []\n}\n");
    int rc_doubled = support_sh(doubled, sizeof doubled, "'%s' validate '%s'", support_binary(), file);
    write_scenario(file, sizeof file, dir, "bad.json", "{\n  \"a\": 1,\n}\n");
    int rc_trailing = support_sh(trailing, sizeof trailing, "'%s' validate '%s'", support_binary(), file);
    support_rmrf(dir);
    ck_assert_int_eq(rc_doubled, 2);
    ck_assert_contains(doubled, "malformed");
    ck_assert_msg(strstr(doubled, "end of file") == NULL,
                  "a syntax error on line 3 of 5 is reported as the end of the file: %s", doubled);
    ck_assert_int_eq(rc_trailing, 2);
    ck_assert_contains(trailing, "malformed");
    ck_assert_msg(strstr(trailing, "end of file") == NULL,
                  "a trailing comma before '}' is reported as the end of the file: %s", trailing);
}
END_TEST

START_TEST(test_truncated_json_reports_the_end_of_file)
{
    expect_invalid("{\n  \"name\": \"bad\",\n  \"duration_s\": 600\n", NULL, "line", "end of file");
}
END_TEST

START_TEST(test_empty_file_is_rejected)
{
    expect_invalid("", NULL, "empty", NULL);
    expect_invalid("  \n\t\n", NULL, "empty", NULL);
}
END_TEST

START_TEST(test_number_too_large_to_represent_is_rejected)
{
    expect_invalid(FUNCTION_SCENARIO("\"memory_mb\": 1e400,"), "components[0].memory_mb", "large", NULL);
}
END_TEST

START_TEST(test_nan_string_is_not_a_number)
{
    expect_invalid(FUNCTION_SCENARIO("\"memory_mb\": \"NaN\","), "components[0].memory_mb",
                   "expected", "\"NaN\"");
    expect_invalid(SCENARIO("\"duration_s\": \"NaN\",", "api", "\"kind\": \"function\","),
                   "duration_s", "expected", "\"NaN\"");
}
END_TEST

START_TEST(test_duplicate_key_is_rejected)
{
    expect_invalid(FUNCTION_SCENARIO("\"memory_mb\": 256, \"memory_mb\": 512,"),
                   "components[0].memory_mb", "duplicate", NULL);
}
END_TEST

START_TEST(test_missing_file_is_rejected)
{
    char dir[256], file[4200];
    support_tempdir(dir, sizeof dir);
    join(file, sizeof file, dir, "no-such-scenario.json");
    expect_rejected(dir, file, "", NULL, "open", NULL);
    support_rmrf(dir);
}
END_TEST

START_TEST(test_directory_given_as_the_file_is_rejected)
{
    char dir[256], file[4200];
    support_tempdir(dir, sizeof dir);
    join(file, sizeof file, dir, "folder.json");
    ck_assert_int_eq(mkdir(file, 0777), 0);
    expect_rejected(dir, file, "", NULL, "directory", NULL);
    support_rmrf(dir);
}
END_TEST

START_TEST(test_unknown_component_kind_lists_the_known_kinds)
{
    expect_invalid(SCENARIO("\"duration_s\": 600,", "api", "\"kind\": \"database\","),
                   "components[0].kind", "unknown", "\"function\"");
}
END_TEST

START_TEST(test_negative_duration_is_rejected)
{
    expect_invalid(SCENARIO("\"duration_s\": -5,", "api", "\"kind\": \"function\","), "duration_s",
                   "expected", "-5");
}
END_TEST

/* Without --out the results would go to results/<name> under the working folder. */
START_TEST(test_invalid_scenario_creates_no_results)
{
    char dir[256], file[4200], bin[PATH_MAX], out[4096], results[4200];
    support_tempdir(dir, sizeof dir);
    absolute_binary(bin, sizeof bin);
    write_scenario(file, sizeof file, dir, "bad.json", FUNCTION_SCENARIO("\"memory_mb\": 64,"));
    int rc = support_sh(out, sizeof out, "cd '%s' && '%s' run bad.json", dir, bin);
    ck_assert_msg(rc == 2, "exited %d: %s", rc, out);
    join(results, sizeof results, dir, "results");
    ck_assert_msg(!path_exists(results), "an invalid scenario created %s", results);

    /* A scenario made invalid by --set is just as invalid. */
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    rc = support_sh(out, sizeof out, "cd '%s' && '%s' run basic.json --set components[0].memory_mb=64",
                    dir, bin);
    ck_assert_msg(rc == 2, "exited %d: %s", rc, out);
    ck_assert_msg(!path_exists(results), "an invalid --set created %s", results);
    char summary[4200];
    join(summary, sizeof summary, dir, "results/cli-basic/summary.json");
    ck_assert(!path_exists(summary));
    support_rmrf(dir);
}
END_TEST

/* ---- refused before running: a bad --set, an --out that cannot be a folder ------------ */

START_TEST(test_bad_set_is_rejected_with_the_path)
{
    char dir[256], file[4200];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    expect_rejected(dir, file, "--set components[7].memory_mb=1024", "components[7].memory_mb",
                    "components[7]", NULL);
    expect_rejected(dir, file, "--set componentz[0].memory_mb=1024", "componentz[0].memory_mb",
                    "componentz", NULL);
    expect_rejected(dir, file, "--set components[0].memroy_mb=1024", "components[0].memroy_mb",
                    "unknown", "did you mean \"memory_mb\"");
    expect_rejected(dir, file, "--set components[0].memory_mb=big", "components[0].memory_mb",
                    "expected", "\"big\"");
    expect_rejected(dir, file, "--set duration_s.x=5", "duration_s.x", "--set", NULL);
    expect_rejected(dir, file, "--set nonsense", NULL, "PATH=VALUE", "\"nonsense\"");
    support_rmrf(dir);
}
END_TEST

START_TEST(test_unwritable_out_folder_exits_2_before_running)
{
    char dir[256], file[4200], plain[4200], under[4300], out[4096];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(plain, sizeof plain, dir, "plain-file");
    support_write_text(plain, "not a folder\n");
    join(under, sizeof under, plain, "results");
    int rc = support_sh(out, sizeof out, "'%s' run '%s' --out '%s' --quiet --replications 1",
                        support_binary(), file, under);
    ck_assert_msg(rc == 2, "--out under a regular file exited %d, expected 2: %s", rc, out);
    ck_assert_contains(out, under);
    ck_assert_int_eq((long)count_lines(out), 1);

    rc = support_sh(out, sizeof out, "'%s' run '%s' --out '%s' --quiet --replications 1",
                    support_binary(), file, plain);
    ck_assert_msg(rc == 2, "--out naming a regular file exited %d, expected 2: %s", rc, out);
    ck_assert_contains(out, plain);
    char *still = support_read_file(plain);
    ck_assert_msg(still && strcmp(still, "not a folder\n") == 0, "the regular file was changed");
    free(still);
    support_rmrf(dir);
}
END_TEST

Suite *cli_usage_suite(void)
{
    Suite *s = suite_create("cli-usage");

    /* The parser's answers: quick, so in make test-fast too. */
    TCase *usage = tcase_create("usage");
    tcase_set_timeout(usage, 60);
    tcase_add_test(usage, test_help_exits_0_and_prints_usage);
    tcase_add_test(usage, test_every_command_answers_help_with_its_own_options);
    tcase_add_test(usage, test_exercise_list_and_show);
    tcase_add_test(usage, test_version_exits_0_and_prints_the_version);
    tcase_add_test(usage, test_no_arguments_is_bad_usage);
    tcase_add_test(usage, test_unknown_command_is_bad_usage);
    tcase_add_test(usage, test_run_without_a_file_is_bad_usage);
    tcase_add_test(usage, test_unknown_option_is_bad_usage);
    tcase_add_test(usage, test_option_without_its_value_is_bad_usage);
    tcase_add_test(usage, test_bad_numeric_option_values_are_bad_usage);
    tcase_add_test(usage, test_empty_out_value_is_bad_usage);
    suite_add_tcase(s, usage);

    TCase *invalid = tcase_create("invalid scenarios");
    tcase_set_timeout(invalid, 60);
    tcase_add_test(invalid, test_wrong_type_names_the_path_and_the_value);
    tcase_add_test(invalid, test_out_of_range_value_names_the_path_and_the_range);
    tcase_add_test(invalid, test_unknown_key_suggests_the_nearest_known_key);
    tcase_add_test(invalid, test_unknown_key_lists_the_closest_valid_keys);
    tcase_add_test(invalid, test_another_providers_key_says_whose_it_is);
    tcase_add_test(invalid, test_traffic_target_must_name_a_component);
    tcase_add_test(invalid, test_malformed_json_reports_line_and_column);
    tcase_add_test(invalid, test_malformed_json_before_the_end_is_not_called_end_of_file);
    tcase_add_test(invalid, test_truncated_json_reports_the_end_of_file);
    tcase_add_test(invalid, test_empty_file_is_rejected);
    tcase_add_test(invalid, test_number_too_large_to_represent_is_rejected);
    tcase_add_test(invalid, test_nan_string_is_not_a_number);
    tcase_add_test(invalid, test_duplicate_key_is_rejected);
    tcase_add_test(invalid, test_missing_file_is_rejected);
    tcase_add_test(invalid, test_directory_given_as_the_file_is_rejected);
    tcase_add_test(invalid, test_unknown_component_kind_lists_the_known_kinds);
    tcase_add_test(invalid, test_negative_duration_is_rejected);
    tcase_add_test(invalid, test_invalid_scenario_creates_no_results);
    suite_add_tcase(s, invalid);

    /* 120 s, the timeout of the test_cli.c cases they come from. */
    TCase *refused = tcase_create("refused before running");
    tcase_set_timeout(refused, 120);
    tcase_add_test(refused, test_bad_set_is_rejected_with_the_path);
    tcase_add_test(refused, test_unwritable_out_folder_exits_2_before_running);
    suite_add_tcase(s, refused);
    return s;
}
