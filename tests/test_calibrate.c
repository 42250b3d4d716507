/* test_calibrate.c — slsim calibrate on logs written from a known model
 * (scenarios/traces/lambda-logs/: scripts/lambda-logs-sample.sh, Poisson arrivals at 0.2/s
 * and 0.05/s, lognormal durations of median 90 ms, sigma 0.6 and 800 ms, sigma 0.4, 512 and
 * 2,048 MB, cold starts after 120 s idle): the fitted parameters' intervals hold the
 * model's, the rates are within their Poisson interval, the logged cold-start share is the
 * share of REPORT lines with an Init Duration (counted here from the file), the written
 * scenario loads; bad input is refused with file:line and nothing is written. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define LOGS "scenarios/traces/lambda-logs"

/* The value and interval after "<name> " in the comment of the function's key in text
 * (the first occurrence after from). */
static void param_ci(const char *from, const char *name, double *v, double *lo, double *hi)
{
    char pat[64];
    snprintf(pat, sizeof pat, " %s ", name);
    const char *p = strstr(from, pat);
    ck_assert_msg(p != NULL, "no %s in the written scenario", name);
    ck_assert_int_eq(sscanf(p + strlen(pat), "%lf (95%% CI %lf to %lf)", v, lo, hi), 3);
}

START_TEST(test_fits_hold_the_model)
{
    char dir[512], out[512], text[8192];
    support_tempdir(dir, sizeof dir);
    support_join(out, sizeof out, dir, "calibrated.json");
    int rc = support_sh(text, sizeof text, "'%s' calibrate %s/api.log %s/thumbnail.csv --out '%s'",
                        support_binary(), LOGS, LOGS, out);
    ck_assert_msg(rc == 0, "calibrate failed: %s", text);
    char *s = support_read_file(out);
    ck_assert_ptr_nonnull(s);
    /* api: lognormal mu = log 90, sigma 0.6; thumbnail: log 800, 0.4 */
    const char *api = strstr(s, "\"name\": \"api\",\n      \"kind\"");
    const char *thumb = strstr(s, "\"name\": \"thumbnail\",\n      \"kind\"");
    ck_assert_ptr_nonnull(api);
    ck_assert_ptr_nonnull(thumb);
    double v, lo, hi;
    param_ci(api, "mu", &v, &lo, &hi);
    ck_assert_msg(lo <= log(90) && log(90) <= hi, "api mu %g [%g, %g] misses log 90", v, lo, hi);
    param_ci(api, "sigma", &v, &lo, &hi);
    ck_assert_msg(lo <= 0.6 && 0.6 <= hi, "api sigma %g [%g, %g] misses 0.6", v, lo, hi);
    param_ci(thumb, "mu", &v, &lo, &hi);
    ck_assert_msg(lo <= log(800) && log(800) <= hi, "thumbnail mu %g [%g, %g] misses log 800", v, lo, hi);
    param_ci(thumb, "sigma", &v, &lo, &hi);
    ck_assert_msg(lo <= 0.4 && 0.4 <= hi, "thumbnail sigma %g [%g, %g] misses 0.4", v, lo, hi);
    ck_assert_ptr_nonnull(strstr(api, "\"memory_mb\": 512"));
    ck_assert_ptr_nonnull(strstr(thumb, "\"memory_mb\": 2048"));
    /* rates: n arrivals over the span, within 3 Poisson standard errors of the model's */
    unsigned long long n;
    double span, rate;
    const char *a = strstr(s, "arrivals over");
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(sscanf(a - 12, "%*[^0-9]%llu arrivals over %lf s: mean %lf", &n, &span, &rate), 3);
    ck_assert_msg(fabs(rate - 0.2) <= 3 * sqrt(0.2 / span), "api rate %g against 0.2", rate);
    /* the written scenario is a valid one */
    rc = support_sh(text, sizeof text, "'%s' validate '%s'", support_binary(), out);
    ck_assert_msg(rc == 0, "the calibrated scenario does not validate: %s", text);
    free(s);
    support_rmrf(dir);
}
END_TEST

START_TEST(test_check_reports_the_logged_cold_starts)
{
    char dir[512], out[512], text[8192], count[64];
    support_tempdir(dir, sizeof dir);
    support_join(out, sizeof out, dir, "calibrated.json");
    /* the reference, from the file itself: REPORT lines, and those with an Init Duration */
    ck_assert_int_eq(support_sh(count, sizeof count, "grep -c 'REPORT RequestId' %s/api.log", LOGS), 0);
    long reports = atol(count);
    ck_assert_int_eq(support_sh(count, sizeof count, "grep -c 'Init Duration' %s/api.log", LOGS), 0);
    long cold = atol(count);
    ck_assert_int_gt(reports, 100);
    int rc = support_sh(text, sizeof text, "'%s' calibrate %s/api.log --out '%s'", support_binary(), LOGS, out);
    ck_assert_msg(rc == 0, "calibrate failed: %s", text);
    char want[128];
    snprintf(want, sizeof want, "logged %.2f%%", 100.0 * (double)cold / (double)reports);
    ck_assert_msg(strstr(text, want) != NULL, "no '%s' in:\n%s", want, text);
    ck_assert_msg(strstr(text, "cold-start share   model ") != NULL, "no model share in:\n%s", text);
    support_rmrf(dir);
}
END_TEST

/* A log with hundreds of cold starts (scripts/lambda-logs-sample.sh DIR sparse: two days at
 * one call per 120 s on average, a 120-s keep-alive, Init Durations lognormal of median
 * 245 ms, sigma 0.3): the Init Duration fit holds the model's parameters, the keep-alive the
 * logs imply holds the generator's, the check says the default keep-alive misses the logged
 * share, and the synthetic scenario with the fitted keep-alive predicts a cold-start share
 * inside the logged interval. */
START_TEST(test_many_cold_starts_fit_init_and_keep_alive)
{
    char dir[512], out[512], text[8192];
    support_tempdir(dir, sizeof dir);
    ck_assert_int_eq(support_sh(text, sizeof text, "sh scripts/lambda-logs-sample.sh '%s' sparse", dir), 0);
    support_join(out, sizeof out, dir, "calibrated.json");
    int rc = support_sh(text, sizeof text, "'%s' calibrate '%s/sparse.log' --out '%s'", support_binary(), dir, out);
    ck_assert_msg(rc == 0, "calibrate failed: %s", text);
    /* the logged share, from the file itself, and its Wilson interval as printed */
    char count[64];
    ck_assert_int_eq(support_sh(count, sizeof count, "grep -c 'REPORT RequestId' '%s/sparse.log'", dir), 0);
    double reports = atof(count);
    ck_assert_int_eq(support_sh(count, sizeof count, "grep -c 'Init Duration' '%s/sparse.log'", dir), 0);
    double cold = atof(count);
    ck_assert_msg(cold >= 200, "the sample has %g cold starts", cold);
    double logged, lo, hi;
    const char *line = strstr(text, "cold-start share");
    ck_assert_ptr_nonnull(line);
    ck_assert_int_eq(sscanf(line, "cold-start share model %*f%% logged %lf%% (95%% CI %lf%% to %lf%%)", &logged, &lo,
                            &hi), 3);
    ck_assert_double_eq_tol(logged, 100 * cold / reports, 0.006);
    /* slsim's default keep-alive (300 to 420 s) keeps instances longer than the logs' 120 s */
    ck_assert_msg(strstr(line, "OUTSIDE") && strstr(line, "OUTSIDE") < strchr(line, '\n'),
                  "the default keep-alive should miss the logged share: %s", line);
    double ka, ka_lo, ka_hi;
    const char *k = strstr(text, "keep-alive ");
    ck_assert_ptr_nonnull(k);
    ck_assert_int_eq(sscanf(k, "keep-alive the logged share is a fixed %lf s (95%% CI %lf s to %lf s)", &ka, &ka_lo,
                            &ka_hi), 3);
    ck_assert_msg(ka_lo <= 120 && 120 <= ka_hi, "keep-alive %g [%g, %g] misses the generator's 120 s", ka, ka_lo, ka_hi);
    /* the Init Duration fit */
    char *s = support_read_file(out);
    ck_assert_ptr_nonnull(s);
    const char *init = strstr(s, "// init_ms: lognormal");
    ck_assert_msg(init != NULL, "no lognormal init_ms fit in the scenario");
    double v, plo, phi;
    param_ci(init, "mu", &v, &plo, &phi);
    ck_assert_msg(plo <= log(245) && log(245) <= phi, "init mu %g [%g, %g] misses log 245", v, plo, phi);
    param_ci(init, "sigma", &v, &plo, &phi);
    ck_assert_msg(plo <= 0.3 && 0.3 <= phi, "init sigma %g [%g, %g] misses 0.3", v, plo, phi);
    ck_assert_ptr_nonnull(strstr(s, "\"idle_s\": "));   /* the fitted keep-alive, offered in a comment */
    free(s);
    /* the synthetic model with the fitted keep-alive: its share inside the logged interval */
    char set_ka[64];
    snprintf(set_ka, sizeof set_ka, "components.sparse.keep_alive.idle_s=%.0f", ka);
    const char *sets[] = { "components.sparse.keep_alive.policy=fixed", set_ka };
    world_spec *spec;
    run_result res;
    support_run_file(out, 0, 0, sets, 2, &spec, &res);
    double hw, share = 100 * support_ratio_ci(&res, "functions.sparse.cold_starts", "functions.sparse.invocations", &hw);
    if (support_verbose())
        printf("calibrate: synthetic cold share %.2f%% +- %.2f against logged %.2f%% [%.2f, %.2f], keep-alive %.0f s "
               "[%.0f, %.0f]\n", share, 100 * hw, logged, lo, hi, ka, ka_lo, ka_hi);
    ck_assert_msg(lo <= share && share <= hi, "synthetic share %g%% outside the logged [%g%%, %g%%]", share, lo, hi);
    support_done(spec, &res);
    support_rmrf(dir);
}
END_TEST

/* Lambda's JSON log format: the same logs as platform.report events (the Telemetry API's
 * schema: durationMs, billedDurationMs, memorySizeMB, maxMemoryUsedMB, initDurationMs), one
 * JSON object a line with platform.start lines between them, calibrate exactly as the raw
 * REPORT lines; the same events after an export's own time too; a platform.report without
 * its durationMs is refused with file:line. The conversion is an awk script over api.log. */
START_TEST(test_json_log_format_as_raw)
{
    static const char conv[] =
        "/REPORT RequestId:/ { split($1, a, \" \"); d = $2; sub(/Duration: /, \"\", d); sub(/ ms/, \"\", d);\n"
        "  b = $3; sub(/Billed Duration: /, \"\", b); sub(/ ms/, \"\", b); m = $4; sub(/Memory Size: /, \"\", m);\n"
        "  sub(/ MB/, \"\", m); u = $5; sub(/Max Memory Used: /, \"\", u); sub(/ MB/, \"\", u); i = \"\";\n"
        "  if ($6 ~ /Init Duration/) { i = $6; sub(/Init Duration: /, \"\", i); sub(/ ms/, \"\", i);\n"
        "    i = \",\\\"initDurationMs\\\":\" i }\n"
        "  ev = sprintf(\"{\\\"time\\\":\\\"%s\\\",\\\"type\\\":\\\"platform.report\\\",\\\"record\\\":{\\\"requestId\\\":\\\"%s\\\","
        "\\\"metrics\\\":{\\\"durationMs\\\":%s,\\\"billedDurationMs\\\":%s,\\\"memorySizeMB\\\":%s,"
        "\\\"maxMemoryUsedMB\\\":%s%s},\\\"status\\\":\\\"success\\\"}}\", a[1], a[4], d, b, m, u, i)\n"
        "  print (prefix ? a[1] \" \" : \"\") ev; next }\n"
        "/START RequestId:/ { split($0, a, \" \"); print (prefix ? a[1] \" \" : \"\") "
        "\"{\\\"time\\\":\\\"\" a[1] \"\\\",\\\"type\\\":\\\"platform.start\\\",\\\"record\\\":{}}\" }\n";
    char dir[512], script[512], a[512], b[512], c[512], text[16384], out_b[16384], out_c[16384], log[512];
    int rc;
    support_tempdir(dir, sizeof dir);
    support_write_in(script, sizeof script, dir, "conv.awk", conv);
    rc = support_sh(text, sizeof text, "awk -F'\t' -v prefix=0 -f '%s' %s/api.log > '%s/api.log'", script, LOGS, dir);
    ck_assert_msg(rc == 0, "awk: %s", text);
    ck_assert_int_eq(support_sh(text, sizeof text, "mkdir '%s/p' && awk -F'\t' -v prefix=1 -f '%s' %s/api.log > "
                                "'%s/p/api.log'", dir, script, LOGS, dir), 0);
    ck_assert_int_eq(support_sh(text, sizeof text, "grep -c platform.report '%s/api.log'", dir), 0);
    ck_assert_int_eq(atoi(text), 754);
    support_join(a, sizeof a, dir, "raw.json");
    support_join(b, sizeof b, dir, "json.json");
    support_join(c, sizeof c, dir, "prefixed.json");
    rc = support_sh(text, sizeof text, "'%s' calibrate %s/api.log --out '%s'", support_binary(), LOGS, a);
    ck_assert_msg(rc == 0, "%s", text);
    rc = support_sh(out_b, sizeof out_b, "'%s' calibrate '%s/api.log' --out '%s'", support_binary(), dir, b);
    ck_assert_msg(rc == 0, "%s", out_b);
    rc = support_sh(out_c, sizeof out_c, "'%s' calibrate '%s/p/api.log' --out '%s'", support_binary(), dir, c);
    ck_assert_msg(rc == 0, "%s", out_c);
    /* the same scenario, but for the line naming the files read; the same check */
    char *sa = support_read_file(a), *sb = support_read_file(b), *sc = support_read_file(c);
    ck_assert(sa && sb && sc);
    ck_assert_str_eq(strstr(sa, "\n{"), strstr(sb, "\n{"));
    ck_assert_str_eq(strstr(sa, "\n{"), strstr(sc, "\n{"));
    ck_assert_str_eq(strchr(text, '\n'), strchr(out_b, '\n'));
    ck_assert_str_eq(strchr(text, '\n'), strchr(out_c, '\n'));
    free(sa);
    free(sb);
    free(sc);
    /* a platform.report cut short: file:line, exit 2, nothing written */
    support_write_in(log, sizeof log, dir, "cut.log",
                     "{\"time\":\"2024-03-01T12:00:00.000Z\",\"type\":\"platform.start\",\"record\":{}}\n"
                     "{\"time\":\"2024-03-01T12:00:01.000Z\",\"type\":\"platform.report\",\"record\":{\"metrics\":"
                     "{\"billedDurationMs\":2,\"memorySizeMB\":128,\"maxMemoryUsedMB\":60}}}\n");
    support_join(a, sizeof a, dir, "cut.json");
    rc = support_sh(text, sizeof text, "'%s' calibrate '%s' --out '%s'", support_binary(), log, a);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(text, "cut.log:2") && strstr(text, "durationMs"), "%s", text);
    ck_assert(!support_path_exists(a));
    support_rmrf(dir);
}
END_TEST

START_TEST(test_bad_input_refused)
{
    char dir[512], out[512], log[512], text[4096];
    support_tempdir(dir, sizeof dir);
    support_join(out, sizeof out, dir, "c.json");
    support_write_in(log, sizeof log, dir, "bad.log",
                     "2024-03-01T12:00:00.000Z REPORT RequestId: 1\tDuration: 1.0 ms\tBilled Duration: 2 ms\t"
                     "Memory Size: 128 MB\tMax Memory Used: 60 MB\n"
                     "2024-03-01T12:00:01.000Z REPORT RequestId: 2\tDuration: x ms\n");
    int rc = support_sh(text, sizeof text, "'%s' calibrate '%s' --out '%s'", support_binary(), log, out);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(text, "bad.log:2") != NULL, "no file:line in: %s", text);
    ck_assert(!support_path_exists(out));
    rc = support_sh(text, sizeof text, "'%s' calibrate '%s'", support_binary(), log);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(text, "--out") != NULL, "%s", text);
    support_write_in(log, sizeof log, dir, "empty.log", "START RequestId: 1\n");
    rc = support_sh(text, sizeof text, "'%s' calibrate '%s' --out '%s'", support_binary(), log, out);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(text, "no REPORT records") != NULL, "%s", text);
    ck_assert(!support_path_exists(out));
    support_rmrf(dir);
}
END_TEST

/* A get-query-results export (escaped tabs, \u escapes, a surrogate pair in another
 * field) in a folder whose name holds a quote and a backslash calibrates exactly as the
 * same records as raw lines: the JSON is decoded right and the paths reach the check's
 * scenario quoted. */
START_TEST(test_json_export_and_odd_paths_as_raw)
{
    char dir[512], sub[600], raw[700], gqr[700], a[700], b[700], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(sub, sizeof sub, "%s/d\"q\\x", dir);
    ck_assert_int_eq(support_sh(text, sizeof text, "mkdir '%s'", sub), 0);
    snprintf(raw, sizeof raw, "%s/api.log", sub);
    snprintf(gqr, sizeof gqr, "%s/api.json", sub);
    FILE *fr = fopen(raw, "w"), *fg = fopen(gqr, "w");
    ck_assert(fr && fg);
    fprintf(fg, "{\"results\": [");
    for (int i = 0; i < 200; i++) {
        int s = 7 * i, ms = (37 * i) % 1000;
        double d = 50 + (i * 7919 % 1000) / 10.0;
        char init[64] = "";
        if (i % 9 == 0)
            snprintf(init, sizeof init, "\tInit Duration: %.2f ms", 150 + i / 3.0);
        fprintf(fr, "2024-03-01T12:%02d:%02d.%03dZ REPORT RequestId: r%d\tDuration: %.2f ms\tBilled Duration: "
                "%.0f ms\tMemory Size: 256 MB\tMax Memory Used: 70 MB%s\n", s / 60, s % 60, ms, i, d, ceil(d), init);
        /* the same message with its tabs escaped two ways */
        char msg[256];
        snprintf(msg, sizeof msg, "REPORT RequestId: r%d\\tDuration: %.2f ms\\u0009Billed Duration: %.0f ms\\tMemory "
                 "Size: 256 MB\\tMax Memory Used: 70 MB%s", i, d, ceil(d), i % 9 == 0 ? "\\tInit Duration: " : "");
        fprintf(fg, "%s[{\"field\": \"@timestamp\", \"value\": \"2024-03-01 12:%02d:%02d.%03d\"}, {\"field\": "
                "\"@message\", \"value\": \"%s", i ? ", " : "", s / 60, s % 60, ms, msg);
        if (i % 9 == 0)
            fprintf(fg, "%.2f ms", 150 + i / 3.0);
        fprintf(fg, "\"}, {\"field\": \"@ptr\", \"value\": \"\\u00e9\\ud83d\\ude00\\\"\"}]");
    }
    fprintf(fg, "], \"status\": \"Complete\"}\n");
    fclose(fr);
    fclose(fg);
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    char out_a[8192];
    /* the folder's name goes through the shell as a variable, quoted */
    int rc = support_sh(out_a, sizeof out_a, "D='%s'; '%s' calibrate \"$D/d\\\"q\\\\x/api.log\" --out '%s'", dir,
                    support_binary(), a);
    ck_assert_msg(rc == 0, "raw: %s", out_a);
    rc = support_sh(text, sizeof text, "D='%s'; '%s' calibrate \"$D/d\\\"q\\\\x/api.json\" --out '%s'", dir,
                    support_binary(), b);
    ck_assert_msg(rc == 0, "json: %s", text);
    ck_assert_str_eq(out_a + strlen("Wrote ") + strlen(a), text + strlen("Wrote ") + strlen(b));
    char *sa = support_read_file(a), *sb = support_read_file(b);
    ck_assert(sa && sb);
    /* the same scenario but for the comment naming the files (its second line) */
    const char *ba = strchr(strchr(sa, '\n') + 1, '\n'), *bb = strchr(strchr(sb, '\n') + 1, '\n');
    ck_assert_str_eq(ba, bb);
    ck_assert_ptr_nonnull(strstr(sa, "\\\"q\\\\x/api.log"));     /* the path written escaped */
    free(sa);
    free(sb);
    support_rmrf(dir);
}
END_TEST

Suite *calibrate_suite(void)
{
    Suite *s = suite_create("calibrate");
    TCase *tc = tcase_create("calibrate");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fits_hold_the_model);
    tcase_add_test(tc, test_check_reports_the_logged_cold_starts);
    tcase_add_test(tc, test_many_cold_starts_fit_init_and_keep_alive);
    tcase_add_test(tc, test_json_log_format_as_raw);
    tcase_add_test(tc, test_bad_input_refused);
    tcase_add_test(tc, test_json_export_and_odd_paths_as_raw);
    suite_add_tcase(s, tc);
    return s;
}
