/* test_fuzz_regressions.c — replays the inputs that `make fuzz` found (fuzz/regressions/<target>/)
 * and the fuzzers' hand-written seeds (fuzz/seeds/<target>/) through the fuzz harness, without
 * libFuzzer: each regression must be refused with one message or run (never crash, hang or
 * break conservation), and each seed must run, so that seeds stay valid as the loader changes.
 *
 * The harness is compiled into this file (the test build compiles only the .c files of
 * tests/), so these inputs take exactly the code path of the fuzz targets. */
#include "fuzz/harness.c"

#include <check.h>
#include <dirent.h>
#include <stdlib.h>

#include "tests/suites.h"
#include "tests/support.h"

/* Replays every file of dir through target; with must_run, anything but FUZZ_RAN fails.
 * Returns how many files it read (a missing folder reads none). */
static size_t replay_folder(fuzz_target target, const char *dir, bool must_run)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    fuzz_session s;
    ck_assert_msg(fuzz_session_open(&s) == 0, "cannot create the harness's temporary folder");
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "cannot open %s", path);
        uint8_t *data = NULL;
        size_t size = 0, cap = 0, got;
        do {
            if (size == cap) {
                cap = cap ? 2 * cap : 4096;
                data = realloc(data, cap);
                ck_assert_ptr_nonnull(data);
            }
            got = fread(data + size, 1, cap - size, f);
            size += got;
        } while (got > 0);
        fclose(f);
        char message[1024];
        fuzz_verdict v = fuzz_one(&s, target, data, size, message, sizeof message);
        free(data);
        if (support_verbose())
            fprintf(stderr, "fuzz-regressions: %s: %s\n", path, message);
        ck_assert_msg(v != FUZZ_BUG, "%s: %s", path, message);
        ck_assert_msg(!must_run || v == FUZZ_RAN, "seed %s no longer runs: %s", path, message);
        n++;
    }
    closedir(d);
    fuzz_session_close(&s);
    return n;
}

START_TEST(saved_inputs_are_refused_cleanly_or_run)
{
    char dir[256];
    snprintf(dir, sizeof dir, "fuzz/regressions/%s", fuzz_target_names[_i]);
    replay_folder((fuzz_target)_i, dir, false);
}
END_TEST

START_TEST(hand_written_seeds_run)
{
    char dir[256];
    snprintf(dir, sizeof dir, "fuzz/seeds/%s", fuzz_target_names[_i]);
    ck_assert_msg(replay_folder((fuzz_target)_i, dir, true) > 0, "no seeds in %s", dir);
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

Suite *fuzz_regressions_suite(void)
{
    Suite *s = suite_create("fuzz-regressions");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, saved_inputs_are_refused_cleanly_or_run, 0, FUZZ_TARGETS);
    tcase_add_loop_test(tc, hand_written_seeds_run, 0, FUZZ_TARGETS);
    tcase_add_test(tc, a_refusal_is_one_line_naming_the_scenario);
    suite_add_tcase(s, tc);
    return s;
}
