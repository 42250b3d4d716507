/* test_fuzz_regressions.c — replays the inputs that `make fuzz` found (fuzz/regressions/<target>/)
 * and the fuzzers' hand-written seeds (fuzz/seeds/<target>/) through the fuzz harness, without
 * libFuzzer: each regression must be refused with one message or run (never crash, hang or
 * break conservation), and each seed must run, so that seeds stay valid as the loader changes.
 * One test per input, so that a failure names its file; an input that runs longer than
 * INPUT_SECONDS is stopped by an alarm (a hang, as libFuzzer's -timeout would call it).
 *
 * The harness is compiled into this file (the test build compiles only the .c files of
 * tests/), so these inputs take exactly the code path of the fuzz targets. */
#include "fuzz/harness.c"

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>

#include "tests/suites.h"
#include "tests/support.h"

#define INPUT_SECONDS 20

typedef struct saved_input {
    fuzz_target target;
    char        path[512];
} saved_input;

static int by_path(const void *a, const void *b)
{
    return strcmp(((const saved_input *)a)->path, ((const saved_input *)b)->path);
}

/* Every file of root/<target>/ for each target, sorted by path (the same order in the
 * suite's count and in each test). *n receives how many; caller frees. */
static saved_input *list_inputs(const char *root, size_t *n)
{
    saved_input *list = NULL;
    size_t cap = 0;
    *n = 0;
    for (int t = 0; t < FUZZ_TARGETS; t++) {
        char dir[256];
        snprintf(dir, sizeof dir, "%s/%s", root, fuzz_target_names[t]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            if (*n == cap) {
                cap = cap ? 2 * cap : 64;
                list = realloc(list, cap * sizeof *list);
                if (!list)
                    abort();    /* also called outside a test, where ck_assert cannot report */
            }
            list[*n].target = (fuzz_target)t;
            snprintf(list[*n].path, sizeof list[*n].path, "%s/%s", dir, e->d_name);
            (*n)++;
        }
        closedir(d);
    }
    if (*n)
        qsort(list, *n, sizeof *list, by_path);
    return list;
}

static uint8_t *read_input(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    uint8_t *data = NULL;
    size_t cap = 0, got;
    *size = 0;
    do {
        if (*size == cap) {
            cap = cap ? 2 * cap : 4096;
            data = realloc(data, cap);
            ck_assert_ptr_nonnull(data);
        }
        got = fread(data + *size, 1, cap - *size, f);
        *size += got;
    } while (got > 0);
    fclose(f);
    return data;
}

/* What the alarm reports: the input being replayed. Static because a signal handler can
 * see nothing else; written before the alarm is set, read only by the handler. */
static char hang_message[700];

static void on_alarm(int sig)
{
    (void)sig;
    ssize_t rc = write(STDERR_FILENO, hang_message, strlen(hang_message));
    (void)rc;
    _exit(3);
}

/* Replays input i of root; with must_run, anything but FUZZ_RAN fails. */
static void replay(const char *root, size_t i, bool must_run)
{
    size_t n;
    saved_input *list = list_inputs(root, &n);
    ck_assert_msg(i < n, "input %zu of %s went away", i, root);
    saved_input in = list[i];
    free(list);
    size_t size;
    uint8_t *data = read_input(in.path, &size);
    fuzz_session s;
    ck_assert_msg(fuzz_session_open(&s) == 0, "cannot create the harness's temporary folder");
    char message[1024];
    snprintf(hang_message, sizeof hang_message, "fuzz-regressions: %s: still running after %d s "
             "(a hang)\n", in.path, INPUT_SECONDS);
    signal(SIGALRM, on_alarm);
    alarm(INPUT_SECONDS);
    fuzz_verdict v = fuzz_one(&s, in.target, data, size, message, sizeof message);
    alarm(0);
    free(data);
    fuzz_session_close(&s);
    if (support_verbose())
        fprintf(stderr, "fuzz-regressions: %s: %s\n", in.path, message);
    ck_assert_msg(v != FUZZ_BUG, "%s: %s", in.path, message);
    ck_assert_msg(!must_run || v == FUZZ_RAN, "seed %s no longer runs: %s", in.path, message);
}

START_TEST(saved_input_is_refused_cleanly_or_runs)
{
    replay("fuzz/regressions", (size_t)_i, false);
}
END_TEST

START_TEST(hand_written_seed_runs)
{
    replay("fuzz/seeds", (size_t)_i, true);
}
END_TEST

START_TEST(every_target_has_seeds)
{
    size_t n;
    saved_input *list = list_inputs("fuzz/seeds", &n);
    for (int t = 0; t < FUZZ_TARGETS; t++) {
        bool any = false;
        for (size_t i = 0; i < n && !any; i++)
            any = list[i].target == (fuzz_target)t;
        ck_assert_msg(any, "no seeds in fuzz/seeds/%s", fuzz_target_names[t]);
    }
    free(list);
}
END_TEST

START_TEST(a_refusal_is_one_line_naming_the_scenario)
{
    fuzz_session s;
    ck_assert_int_eq(fuzz_session_open(&s), 0);
    static const char bad[] = "{\"name\": \"x\", \"components\": [{\"name\": \"f\", \"kind\": \"function\","
                              " \"duration_ms\": -2.385}]}";
    char message[1024];
    fuzz_verdict v = fuzz_one(&s, FUZZ_SCENARIO, (const uint8_t *)bad, strlen(bad), message, sizeof message);
    ck_assert_msg(v == FUZZ_REFUSED, "verdict %d: %s", v, message);
    ck_assert_msg(strstr(message, "scenario.json: components[0].duration_ms") != NULL, "%s", message);
    fuzz_session_close(&s);
}
END_TEST

/* The set target's refusals come from cfg_set_path and name the scenario and --set. */
START_TEST(a_set_refusal_is_one_line_naming_the_scenario)
{
    fuzz_session s;
    ck_assert_int_eq(fuzz_session_open(&s), 0);
    static const char bad[] = "components.api.memory_mb=512\ncomponents.nobody.memory_mb=512\n";
    char message[1024];
    fuzz_verdict v = fuzz_one(&s, FUZZ_SET, (const uint8_t *)bad, strlen(bad), message, sizeof message);
    ck_assert_msg(v == FUZZ_REFUSED, "verdict %d: %s", v, message);
    ck_assert_msg(strstr(message, "scenario.json: components.nobody.memory_mb: --set: components has no "
                                  "element named \"nobody\"") != NULL, "%s", message);
    fuzz_session_close(&s);
}
END_TEST

Suite *fuzz_regressions_suite(void)
{
    Suite *s = suite_create("fuzz-regressions");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 2 * INPUT_SECONDS);
    size_t n_saved, n_seeds;
    free(list_inputs("fuzz/regressions", &n_saved));
    free(list_inputs("fuzz/seeds", &n_seeds));
    tcase_add_loop_test(tc, saved_input_is_refused_cleanly_or_runs, 0, (int)n_saved);
    tcase_add_loop_test(tc, hand_written_seed_runs, 0, (int)n_seeds);
    tcase_add_test(tc, every_target_has_seeds);
    tcase_add_test(tc, a_refusal_is_one_line_naming_the_scenario);
    tcase_add_test(tc, a_set_refusal_is_one_line_naming_the_scenario);
    suite_add_tcase(s, tc);
    return s;
}
