/* test_cli.c — specifications of what the slsim commands do with good input, run as a
 * user runs them: the binary ($SLSIM) through the shell, scenario files written into a
 * fresh temporary folder per test, and the results read back from disk.
 *
 * The contract under test: exit status 0 on success, 1 on a failure while running; results
 * that conserve requests, that do not depend on the thread count, and that never appear
 * half-written; --set and --print-config; what a person sees (the progress bar, plots, the
 * report page). What the command line refuses, and how it says so, is test_cli_usage.c. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "tests/suites.h"
#include "tests/support.h"

/* ---- helpers --------------------------------------------------------------------- */

#define basic_scenario support_cli_scenario
#define join support_join
#define write_scenario support_write_in
#define path_exists support_path_exists

/* The item at a path like "components[0].keep_alive.policy", or NULL. */
static const cJSON *json_at(const cJSON *root, const char *path)
{
    const cJSON *node = root;
    const char *p = path;
    while (node && *p) {
        size_t n = strcspn(p, ".[");
        if (n) {
            char key[256];
            if (n >= sizeof key)
                return NULL;
            memcpy(key, p, n);
            key[n] = '\0';
            node = cJSON_GetObjectItemCaseSensitive(node, key);
            p += n;
        }
        if (node && *p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            if (*end != ']')
                return NULL;
            node = cJSON_GetArrayItem(node, (int)i);
            p = end + 1;
        }
        if (*p == '.')
            p++;
    }
    return node;
}

static double json_number(const cJSON *root, const char *path)
{
    const cJSON *item = json_at(root, path);
    ck_assert_msg(cJSON_IsNumber(item), "%s is missing or not a number", path);
    return item->valuedouble;
}

static cJSON *parse_json_text(const char *text, const char *what)
{
    cJSON *root = cJSON_Parse(text);
    ck_assert_msg(root != NULL, "%s is not valid JSON: %.400s", what, text);
    return root;
}

/* Reads and parses a JSON file (caller deletes). */
static cJSON *load_json(const char *path)
{
    char *text = support_read_file(path);
    ck_assert_msg(text != NULL, "%s was not written", path);
    cJSON *root = parse_json_text(text, path);
    free(text);
    return root;
}

/* Runs `slsim run FILE --out DIR --quiet EXTRA`, which must succeed. */
static void run_ok(const char *file, const char *out_dir, const char *extra)
{
    char out[4096];
    int rc = support_sh(out, sizeof out, "'%s' run '%s' --out '%s' --quiet %s", support_binary(),
                        file, out_dir, extra);
    ck_assert_msg(rc == 0, "slsim run %s %s exited %d: %s", file, extra, rc, out);
}

/* ---- every scenario shipped in scenarios/ --------------------------------------- */

typedef struct file_list {
    char  **paths;
    size_t  n, cap;
} file_list;

static void file_list_add(file_list *l, const char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->paths = realloc(l->paths, l->cap * sizeof *l->paths);
        ck_assert_ptr_nonnull(l->paths);
    }
    l->paths[l->n] = strdup(path);
    ck_assert_ptr_nonnull(l->paths[l->n]);
    l->n++;
}

static void file_list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every *.json file under dir (recursively) to l. */
static void collect_json_files(const char *dir, file_list *l)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open folder %s (run the tests from the repository root)", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        join(path, sizeof path, dir, e->d_name);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            collect_json_files(path, l);
        else if (S_ISREG(st.st_mode) && n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)
            file_list_add(l, path);
    }
    closedir(d);
}

/* The shipped scenarios, sorted; there must be at least one. */
static void shipped_scenarios(file_list *l)
{
    *l = (file_list){ 0 };
    collect_json_files("scenarios", l);
    ck_assert_msg(l->n > 0, "no *.json files under scenarios/");
    qsort(l->paths, l->n, sizeof *l->paths, compare_paths);
}

/* ---- what a person sees ------------------------------------------------------------ */

/* A run of a few seconds draws a progress bar only on a terminal: with stderr a file (CI
 * logs), stderr stays empty, as it does under script(1) with --quiet. */
START_TEST(test_progress_bar_only_on_a_terminal)
{
    char dir[256], out[8192];
    support_tempdir(dir, sizeof dir);
    int rc = support_sh(out, sizeof out, "'%s' run scenarios/traces/replay-500fn.json --threads 1 --set traffic[0].arrivals.repeat=2 --duration 57600 --quiet "
                        "--out '%s/r' 2>'%s/err' >/dev/null; cat '%s/err'", support_binary(), dir, dir, dir);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(out, "");
    if (system("command -v script >/dev/null 2>&1") == 0) {
        /* On a terminal (script gives it one): the bar, then erased; --quiet: nothing. */
        rc = support_sh(out, sizeof out, "script -qec \"'%s' run scenarios/traces/replay-500fn.json --threads 1 --set traffic[0].arrivals.repeat=2 --duration 57600 "
                        "--out '%s/t' >/dev/null\" /dev/null", support_binary(), dir);
        ck_assert_int_eq(rc, 0);
        ck_assert_msg(strstr(out, "replications") && strstr(out, "%"), "no progress bar: %s", out);
        rc = support_sh(out, sizeof out, "script -qec \"'%s' run scenarios/traces/replay-500fn.json --threads 1 --set traffic[0].arrivals.repeat=2 --duration 57600 "
                        "--quiet --out '%s/q'\" /dev/null", support_binary(), dir);
        ck_assert_int_eq(rc, 0);
        ck_assert_msg(!strstr(out, "replications"), "a bar under --quiet: %s", out);
    }
    support_rmrf(dir);
}
END_TEST

/* The width and height of a PNG (its IHDR), or 0 when path is not a PNG. */
static void png_size(const char *path, unsigned *w, unsigned *h)
{
    unsigned char b[24] = { 0 };
    *w = *h = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (n < 24 || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0)
        return;
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
}

static void assert_plot(const char *dir, const char *name, unsigned w, unsigned h)
{
    char path[1024];
    unsigned pw, ph;
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    png_size(path, &pw, &ph);
    ck_assert_msg(pw == w && ph == h, "%s: %ux%u, expected %ux%u", path, pw, ph, w, h);
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    char *svg = support_read_file(path);
    ck_assert_msg(svg && strstr(svg, "<svg") && strstr(svg, "</svg>"), "%s: not an SVG", path);
    free(svg);
}

/* Every plot script makes a PNG of its size and an SVG from a small result; a results
 * folder whose name is a shell command plots safely (gnuplot gets it as an argument, never
 * through a shell); without gnuplot the run says so once and still writes its data. */
START_TEST(test_plots_of_runs_and_studies)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "cli: gnuplot missing: plot test skipped\n");
        return;
    }
    char dir[256], out[8192], sub[600];
    support_tempdir(dir, sizeof dir);
    snprintf(sub, sizeof sub, "%s/a'; touch INJECTED; b=\"$(touch INJECTED2)\" #", dir);
    char cwd[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    int rc;
    /* The odd folder name goes through a file, so no shell in this test interprets it either. */
    char listfile[600];
    snprintf(listfile, sizeof listfile, "%s/outdir.txt", dir);
    FILE *f = fopen(listfile, "w");
    ck_assert_ptr_nonnull(f);
    fputs(sub, f);
    fclose(f);
    rc = support_sh(out, sizeof out, "cd '%s' && unset SLSIM_NO_PLOTS && \"%s\" run scenarios/reference/api-backend.json "
                    "--duration 120 --replications 2 --quiet --out \"$(cat '%s')\"",
                    cwd, support_binary(), listfile);
    ck_assert_msg(rc == 0, "run failed: %s", out);
    assert_plot(sub, "plot-latency", 900, 560);
    assert_plot(sub, "plot-timeline", 900, 800);
    assert_plot(sub, "plot-cost", 900, 560);
    char probe[700];
    snprintf(probe, sizeof probe, "%s/INJECTED", dir);
    ck_assert_msg(access(probe, F_OK) != 0 && access("INJECTED", F_OK) != 0, "a folder name ran as a command");
    snprintf(probe, sizeof probe, "%s/INJECTED2", dir);
    ck_assert_msg(access(probe, F_OK) != 0 && access("INJECTED2", F_OK) != 0, "a folder name ran as a command");

    /* Studies: compare, cost-curve, tune, sweep. */
    const char *study[][3] = {
        { "compare scenarios/fit/fits-with-care-steady-api-function.json scenarios/fit/fits-with-care-steady-api-containers.json "
          "--duration 300", "cmp", "plot-compare-cost" },
        { "cost-curve scenarios/fit/fits-with-care-steady-api-function.json scenarios/fit/fits-with-care-steady-api-containers.json "
          "--requests-per-month 1e6:1e9:3 --duration 300", "curve", "plot-cost-curve" },
        { "tune scenarios/optimisations/right-sizing-image-resize.json --function resize --memory 512,1024 --duration 300", "tune",
          "plot-tune" },
        { "sweep scenarios/reference/api-backend.json --vary components.api.memory_mb=512,1024 "
          "--vary traffic[0].arrivals.rate_per_s=2,4 --duration 120", "sweep", "plot-sweep" },
    };
    static const unsigned size[][2] = { { 900, 560 }, { 900, 560 }, { 900, 560 }, { 1000, 760 } };
    for (int i = 0; i < 4; i++) {
        rc = support_sh(out, sizeof out, "unset SLSIM_NO_PLOTS && '%s' %s --replications 2 --quiet --out '%s/%s'",
                        support_binary(), study[i][0], dir, study[i][1]);
        ck_assert_msg(rc == 0, "%s: %s", study[i][0], out);
        snprintf(sub, sizeof sub, "%s/%s", dir, study[i][1]);
        assert_plot(sub, study[i][2], size[i][0], size[i][1]);
    }
    /* slsim plot DIR re-plots a folder; an empty one has nothing to plot. */
    rc = support_sh(out, sizeof out, "'%s' plot '%s/cmp'", support_binary(), dir);
    ck_assert_msg(rc == 0 && strstr(out, "1 plot in"), "%s", out);
    rc = support_sh(out, sizeof out, "mkdir -p '%s/empty' && '%s' plot '%s/empty'", dir, support_binary(), dir);
    ck_assert_msg(rc == 2 && strstr(out, "nothing to plot"), "%s", out);

    /* No gnuplot on the PATH: one message, the data still written, exit 0. */
    rc = support_sh(out, sizeof out, "unset SLSIM_NO_PLOTS && PATH=/nonexistent '%s' run scenarios/reference/api-backend.json "
                    "--duration 60 --replications 2 --quiet --out '%s/nognuplot'", support_binary(), dir);
    ck_assert_msg(rc == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "gnuplot not found"));
    ck_assert_ptr_null(strstr(strstr(out, "gnuplot not found") + 1, "gnuplot not found"));
    snprintf(probe, sizeof probe, "%s/nognuplot/summary.json", dir);
    ck_assert_int_eq(access(probe, F_OK), 0);
    snprintf(probe, sizeof probe, "%s/nognuplot/plot-latency.png", dir);
    ck_assert_int_ne(access(probe, F_OK), 0);
    /* ... and the scripts: plots.sh with the plot scripts beside it, to run elsewhere. */
    snprintf(probe, sizeof probe, "%s/nognuplot/plots.sh", dir);
    ck_assert_int_eq(access(probe, X_OK), 0);
    snprintf(probe, sizeof probe, "%s/nognuplot/plot-scripts/latency.gp", dir);
    ck_assert_int_eq(access(probe, F_OK), 0);
    rc = support_sh(out, sizeof out, "sh '%s/nognuplot/plots.sh' 2>&1 && test -s '%s/nognuplot/plot-latency.png'", dir, dir);
    ck_assert_msg(rc == 0, "plots.sh failed: %s", out);
    support_rmrf(dir);
}
END_TEST

/* report.html opened in headless Chromium: it loads without console errors, its DOM holds
 * the inline plots and tables, and the screenshot is a real page (make test installs
 * chromium when it is missing; elsewhere the test says it is skipped). */
START_TEST(test_report_page_renders_in_headless_chromium)
{
    const char *browser = system("command -v chromium >/dev/null 2>&1") == 0 ? "chromium"
                        : system("command -v chromium-browser >/dev/null 2>&1") == 0 ? "chromium-browser" : NULL;
    if (!browser || system("command -v gnuplot >/dev/null 2>&1") != 0) {
        fprintf(stderr, "cli: chromium or gnuplot missing: report page test skipped\n");
        return;
    }
    char dir[256], out[16384], path[600];
    support_tempdir(dir, sizeof dir);
    int rc = support_sh(out, sizeof out, "unset SLSIM_NO_PLOTS && '%s' run scenarios/reference/api-backend.json "
                        "--duration 300 --replications 2 --quiet --out '%s/r'", support_binary(), dir);
    ck_assert_msg(rc == 0, "%s", out);
    snprintf(path, sizeof path, "%s/r/report.html", dir);
    char *html = support_read_file(path);
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_null(strstr(html, "<script"));          /* self-contained and inert */
    ck_assert_ptr_null(strstr(html, "src=\"http"));
    free(html);
    const char *flags = "--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions "
                        "--user-data-dir=";
    /* The DOM after loading, and the console (errors of the page itself). */
    rc = support_sh(out, sizeof out, "%s %s'%s/profile' --enable-logging=stderr --v=0 --dump-dom 'file://%s' "
                    "2>'%s/console.txt' | grep -c '<svg'", browser, flags, dir, path, dir);
    ck_assert_msg(rc == 0 && atoi(out) >= 3, "expected 3 inline plots in the DOM, got: %s", out);
    snprintf(path, sizeof path, "%s/console.txt", dir);
    char *console = support_read_file(path);
    ck_assert_ptr_nonnull(console);
    ck_assert_msg(!strstr(console, "CONSOLE") && !strstr(console, "Uncaught") && !strstr(console, "Failed to load"),
                  "the page logged errors: %s", console);
    free(console);
    snprintf(path, sizeof path, "%s/r/report.html", dir);
    rc = support_sh(out, sizeof out, "cd '%s' && %s %s'%s/profile2' --screenshot='%s/shot.png' --window-size=1100,1400 "
                    "'file://%s' 2>/dev/null", dir, browser, flags, dir, dir, path);
    ck_assert_msg(rc == 0, "screenshot failed: %s", out);
    snprintf(path, sizeof path, "%s/shot.png", dir);
    unsigned w, h;
    png_size(path, &w, &h);
    ck_assert_msg(w == 1100 && h == 1400, "screenshot %ux%u", w, h);
    /* A blank page compresses to a few KB; tables, text and a plot do not. */
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    ck_assert_msg(size > 40000, "screenshot of %ld bytes: a blank page?", size);
    support_rmrf(dir);
}
END_TEST

/* report.html and the text report print the same numbers the same way: every figure of
 * the requests, latency and cost tables appears in the page with the text report's digits
 * (thousands separators, dollars to the cent); the requests table has attempts; outcomes
 * that are 0 in every replication (a synchronous API has no dead letters) are left out. */
START_TEST(test_report_page_numbers_match_the_text_report)
{
    char dir[256], out[65536], path[600];
    support_tempdir(dir, sizeof dir);
    int rc = support_sh(out, sizeof out, "SLSIM_NO_PLOTS=1 '%s' run scenarios/reference/api-backend.json "
                        "--duration 600 --replications 3 --out '%s/r'", support_binary(), dir);
    ck_assert_msg(rc == 0, "%s", out);
    snprintf(path, sizeof path, "%s/r/report.html", dir);
    char *html = support_read_file(path);
    ck_assert_ptr_nonnull(html);
    static const char *const labels[] = { "arrived", "completed", "attempts", "mean", "p50", "p99", "total",
                                          "lambda_requests", "lambda_duration" };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        /* The text report's line: "  label   value  ± ci". */
        char key[64];
        snprintf(key, sizeof key, "\n  %s ", labels[i]);
        const char *line = strstr(out, key);
        ck_assert_msg(line != NULL, "the text report has no %s line: %s", labels[i], out);
        char value[64], ci[64];
        ck_assert_msg(sscanf(line + strlen(key), " %63s ± %63s", value, ci) == 2, "line: %.80s", line);
        char cell[200];
        snprintf(cell, sizeof cell, "<tr><td>%s</td><td class=n>%s</td><td class=n>%s</td></tr>", labels[i], value, ci);
        ck_assert_msg(strstr(html, cell) != NULL, "report.html lacks %s", cell);
    }
    ck_assert_msg(strstr(out, "\n  dead_lettered ") && !strstr(html, "<td>dead_lettered</td>"),
                  "dead letters: in the text report, left out of the page when 0 throughout");
    ck_assert_ptr_null(strstr(html, "e+0"));     /* no %g exponents in what people read */
    free(html);
    support_rmrf(dir);
}
END_TEST

/* ---- the shipped scenarios ---------------------------------------------------------- */

START_TEST(test_every_shipped_scenario_validates)
{
    file_list l;
    shipped_scenarios(&l);
    char failures[8192] = "";
    for (size_t i = 0; i < l.n; i++) {
        char out[2048];
        int rc = support_sh(out, sizeof out, "'%s' validate '%s'", support_binary(), l.paths[i]);
        if (rc != 0) {
            size_t used = strlen(failures);
            snprintf(failures + used, sizeof failures - used, "\n  %s (exit %d): %s", l.paths[i], rc, out);
        }
    }
    file_list_free(&l);
    ck_assert_msg(failures[0] == '\0', "scenarios that do not validate:%s", failures);
}
END_TEST

START_TEST(test_every_shipped_scenario_conserves_requests)
{
    static const char *const outcomes[] = { "completed", "failed", "throttled", "timed_out",
                                            "dropped", "dead_lettered", "expired", "in_flight" };
    file_list l;
    shipped_scenarios(&l);
    char dir[256];
    support_tempdir(dir, sizeof dir);
    /* Conservation is in summary.json: no plots (they would be two thirds of the time). */
    const char *options = test_quick() ? "--duration 60 --replications 2 --no-plots"
                                       : "--duration 600 --replications 2 --no-plots";
    for (size_t i = 0; i < l.n; i++) {
        char out_dir[4200], summary_path[4300];
        char name[32];
        snprintf(name, sizeof name, "run%zu", i);
        join(out_dir, sizeof out_dir, dir, name);
        run_ok(l.paths[i], out_dir, options);
        join(summary_path, sizeof summary_path, out_dir, "summary.json");
        cJSON *summary = load_json(summary_path);
        double arrived = json_number(summary, "requests.arrived");
        double ended = 0;
        for (size_t k = 0; k < sizeof outcomes / sizeof outcomes[0]; k++) {
            char path[64];
            snprintf(path, sizeof path, "requests.%s", outcomes[k]);
            double v = json_number(summary, path);
            ck_assert_msg(v >= 0, "%s: %s is negative (%g)", l.paths[i], path, v);
            ended += v;
        }
        ck_assert_msg(fabs(arrived - ended) <= 1e-6 * fmax(1.0, arrived),
                      "%s: %.17g arrived but the outcomes and in_flight add up to %.17g",
                      l.paths[i], arrived, ended);
        cJSON_Delete(summary);
    }
    file_list_free(&l);
    support_rmrf(dir);
}
END_TEST

/* ---- determinism ------------------------------------------------------------------------ */

static void assert_same_file(const char *dir_a, const char *dir_b, const char *name)
{
    char a[4300], b[4300];
    join(a, sizeof a, dir_a, name);
    join(b, sizeof b, dir_b, name);
    char *ta = support_read_file(a), *tb = support_read_file(b);
    ck_assert_msg(ta != NULL && tb != NULL, "%s missing", name);
    ck_assert_msg(strcmp(ta, tb) == 0, "%s differs between %s and %s", name, dir_a, dir_b);
    free(ta);
    free(tb);
}

START_TEST(test_results_do_not_depend_on_the_thread_count)
{
    char dir[256], file[4200], one[4200], two[4200], three[4200];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(one, sizeof one, dir, "threads1");
    join(two, sizeof two, dir, "threads2");
    join(three, sizeof three, dir, "threads3");
    const char *duration = test_quick() ? "900" : "3600";
    char options[256];
    snprintf(options, sizeof options, "--seed 2385 --replications 4 --duration %s --threads 1", duration);
    run_ok(file, one, options);
    snprintf(options, sizeof options, "--seed 2385 --replications 4 --duration %s --threads 2", duration);
    run_ok(file, two, options);
    snprintf(options, sizeof options, "--seed 2385 --replications 4 --duration %s --threads 3", duration);
    run_ok(file, three, options);
    static const char *const files[] = { "summary.json", "latency.csv", "timeseries.csv" };
    for (int i = 0; i < 3; i++) {
        assert_same_file(one, two, files[i]);
        assert_same_file(one, three, files[i]);
    }
    support_rmrf(dir);
}
END_TEST

/* The seed field itself differs, so compare the simulated figures, not the whole file. */
START_TEST(test_a_different_seed_gives_different_results)
{
    char dir[256], file[4200], a[4200], b[4200], path[4300];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(a, sizeof a, dir, "seed2385");
    join(b, sizeof b, dir, "seed2386");
    run_ok(file, a, "--seed 2385 --replications 4 --duration 900");
    run_ok(file, b, "--seed 2386 --replications 4 --duration 900");
    join(path, sizeof path, a, "summary.json");
    cJSON *sa = load_json(path);
    join(path, sizeof path, b, "summary.json");
    cJSON *sb = load_json(path);
    ck_assert_double_eq(json_number(sa, "seed"), 2385);
    ck_assert_double_eq(json_number(sb, "seed"), 2386);
    static const char *const parts[] = { "requests", "latency_ms", "functions" };
    for (int i = 0; i < 3; i++) {
        char *ta = cJSON_PrintUnformatted(json_at(sa, parts[i]));
        char *tb = cJSON_PrintUnformatted(json_at(sb, parts[i]));
        ck_assert_msg(ta && tb && strcmp(ta, tb) != 0, "%s is the same for seeds 2385 and 2386", parts[i]);
        free(ta);
        free(tb);
    }
    char pa[4300], pb[4300];
    join(pa, sizeof pa, a, "latency.csv");
    join(pb, sizeof pb, b, "latency.csv");
    char *la = support_read_file(pa), *lb = support_read_file(pb);
    ck_assert_msg(la && lb && strcmp(la, lb) != 0, "latency.csv is the same for two seeds");
    free(la);
    free(lb);
    cJSON_Delete(sa);
    cJSON_Delete(sb);
    support_rmrf(dir);
}
END_TEST

/* ---- --set and --print-config ------------------------------------------------------------ */

/* Runs --print-config with extra arguments and returns the parsed output. */
static cJSON *print_config(const char *file, const char *extra)
{
    size_t size = 1 << 16;
    char *out = malloc(size);
    ck_assert_ptr_nonnull(out);
    int rc = support_sh(out, size, "'%s' run '%s' --print-config %s", support_binary(), file, extra);
    ck_assert_msg(rc == 0, "--print-config %s exited %d: %s", extra, rc, out);
    cJSON *root = parse_json_text(out, "--print-config output");
    free(out);
    return root;
}

START_TEST(test_set_overrides_a_key_in_the_resolved_config)
{
    char dir[256], file[4200];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    cJSON *plain = print_config(file, "");
    ck_assert_double_eq(json_number(plain, "components[0].memory_mb"), 512);
    cJSON *set = print_config(file, "--set 'components[0].memory_mb=1024' --set traffic[0].arrivals.rate_per_s=2.385");
    ck_assert_double_eq(json_number(set, "components[0].memory_mb"), 1024);
    ck_assert_double_eq_tol(json_number(set, "traffic[0].arrivals.rate_per_s"), 2.385, 1e-12);
    /* Everything else is untouched. */
    ck_assert_double_eq(json_number(set, "seed"), 2385);
    ck_assert_double_eq(json_number(set, "components[0].error_rate"), 0.02);
    cJSON_Delete(plain);
    cJSON_Delete(set);
    support_rmrf(dir);
}
END_TEST

/* Handler time does not depend on memory here (reference_memory_mb follows memory_mb),
 * so the same seed bills the same milliseconds at twice the GB. */
START_TEST(test_set_memory_doubles_billed_gb_s)
{
    char dir[256], file[4200], a[4200], b[4200], path[4300];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(a, sizeof a, dir, "mb512");
    join(b, sizeof b, dir, "mb1024");
    run_ok(file, a, "--replications 1");
    run_ok(file, b, "--replications 1 --set components[0].memory_mb=1024");
    join(path, sizeof path, a, "summary.json");
    cJSON *sa = load_json(path);
    join(path, sizeof path, b, "summary.json");
    cJSON *sb = load_json(path);
    double gb_s_512 = json_number(sa, "functions.api.billed_gb_s");
    double gb_s_1024 = json_number(sb, "functions.api.billed_gb_s");
    ck_assert_double_gt(gb_s_512, 0);
    ck_assert_double_eq_tol(gb_s_1024 / gb_s_512, 2.0, 1e-9);
    ck_assert_double_eq(json_number(sa, "functions.api.invocations"),
                        json_number(sb, "functions.api.invocations"));
    cJSON_Delete(sa);
    cJSON_Delete(sb);
    support_rmrf(dir);
}
END_TEST

START_TEST(test_print_config_fills_in_defaults)
{
    char dir[256], file[4200], results[4200];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    cJSON *c = print_config(file, "");
    ck_assert_str_eq(json_at(c, "name")->valuestring, "cli-basic");
    ck_assert_double_eq(json_number(c, "duration_s"), 600);
    ck_assert_double_eq(json_number(c, "warmup_s"), 0);
    ck_assert_double_eq(json_number(c, "components[0].timeout_s"), 3);
    ck_assert_double_eq(json_number(c, "components[0].memory_mb"), 512);
    const cJSON *policy = json_at(c, "components[0].keep_alive.policy");
    ck_assert_msg(cJSON_IsString(policy), "components[0].keep_alive.policy is missing");
    ck_assert_str_eq(policy->valuestring, "uniform");
    const cJSON *kind = json_at(c, "components[0].kind");
    ck_assert_msg(cJSON_IsString(kind), "components[0].kind is missing");
    ck_assert_str_eq(kind->valuestring, "function");
    ck_assert_double_eq(json_number(c, "traffic[0].client.retry.max_attempts"), 3);
    cJSON_Delete(c);
    /* It stops there: nothing is simulated or written. */
    join(results, sizeof results, dir, "results");
    char out[65536];
    ck_assert_int_eq(support_sh(out, sizeof out, "'%s' run '%s' --print-config --out '%s'",
                                support_binary(), file, results), 0);
    ck_assert_msg(!path_exists(results), "--print-config wrote %s", results);
    support_rmrf(dir);
}
END_TEST

/* Prints file's resolved configuration into printed; returns the exit status of
 * `slsim validate printed`, with its output in out. */
static int print_config_and_validate(const char *file, const char *printed, char *out, size_t out_size)
{
    int rc = support_sh(out, out_size, "'%s' run '%s' --print-config > '%s'", support_binary(), file, printed);
    if (rc != 0)
        return rc;
    return support_sh(out, out_size, "'%s' validate '%s'", support_binary(), printed);
}

/* The printed configuration is a scenario: saved to a file, it validates, prints itself
 * unchanged, and simulates to the same figures as the original. */
START_TEST(test_print_config_output_is_itself_a_valid_scenario)
{
    char dir[256], file[4200], printed[4200], again[4200], out[4096];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(printed, sizeof printed, dir, "printed.json");
    join(again, sizeof again, dir, "again.json");
    int rc = print_config_and_validate(file, printed, out, sizeof out);
    int rc_again = rc == 0 ? print_config_and_validate(printed, again, out, sizeof out) : -1;
    char *first = support_read_file(printed), *second = support_read_file(again);
    int same_text = first && second && strcmp(first, second) == 0;
    free(first);
    free(second);
    if (rc != 0 || rc_again != 0 || !same_text)
        support_rmrf(dir);
    ck_assert_msg(rc == 0, "the output of --print-config does not validate (exit %d): %s", rc, out);
    ck_assert_msg(rc_again == 0, "printing the printed config failed (exit %d): %s", rc_again, out);
    ck_assert_msg(same_text, "--print-config of the printed config differs from it");

    char a[4200], b[4200], path[4300];
    join(a, sizeof a, dir, "original");
    join(b, sizeof b, dir, "printed");
    run_ok(file, a, "");
    run_ok(printed, b, "");
    join(path, sizeof path, a, "summary.json");
    cJSON *sa = load_json(path);
    join(path, sizeof path, b, "summary.json");
    cJSON *sb = load_json(path);
    static const char *const parts[] = { "requests", "latency_ms", "functions", "cost", "ci95" };
    for (int i = 0; i < 5; i++) {
        char *ta = cJSON_PrintUnformatted(json_at(sa, parts[i]));
        char *tb = cJSON_PrintUnformatted(json_at(sb, parts[i]));
        ck_assert_msg(ta && tb && strcmp(ta, tb) == 0, "%s differs when run from the printed config", parts[i]);
        free(ta);
        free(tb);
    }
    assert_same_file(a, b, "latency.csv");
    assert_same_file(a, b, "timeseries.csv");
    cJSON_Delete(sa);
    cJSON_Delete(sb);
    support_rmrf(dir);
}
END_TEST

START_TEST(test_print_config_of_every_shipped_scenario_is_a_valid_scenario)
{
    file_list l;
    shipped_scenarios(&l);
    char dir[256], printed[4200], failures[8192] = "";
    support_tempdir(dir, sizeof dir);
    join(printed, sizeof printed, dir, "printed.json");
    for (size_t i = 0; i < l.n; i++) {
        char out[2048];
        int rc = print_config_and_validate(l.paths[i], printed, out, sizeof out);
        if (rc != 0) {
            size_t used = strlen(failures);
            snprintf(failures + used, sizeof failures - used, "\n  %s (exit %d): %s", l.paths[i], rc, out);
        }
    }
    file_list_free(&l);
    support_rmrf(dir);
    ck_assert_msg(failures[0] == '\0', "printed configs that do not validate:%s", failures);
}
END_TEST

/* ---- the result files ---------------------------------------------------------------- */

/* Asserts that summary has a number at path and that ci95 mirrors it with a number. */
static void assert_figure(const cJSON *summary, const char *path)
{
    json_number(summary, path);
    char ci[320];
    int n = snprintf(ci, sizeof ci, "ci95.%s", path);
    ck_assert(n > 0 && (size_t)n < sizeof ci);
    json_number(summary, ci);
}

/* Every number under summary.<section> has a number at ci95.<section>. */
static void assert_section_mirrored(const cJSON *summary, const char *section)
{
    const cJSON *s = json_at(summary, section);
    ck_assert_msg(cJSON_IsObject(s), "summary.json has no object %s", section);
    const cJSON *e;
    cJSON_ArrayForEach(e, s) {
        char path[300];
        snprintf(path, sizeof path, "%s.%s", section, e->string);
        if (cJSON_IsObject(e))
            assert_section_mirrored(summary, path);
        else if (cJSON_IsNumber(e))
            assert_figure(summary, path);
    }
}

START_TEST(test_summary_json_has_the_required_keys)
{
    char dir[256], file[4200], results[4200], path[4300], out[4096];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(results, sizeof results, dir, "results");
    int rc = support_sh(out, sizeof out, "'%s' run '%s' --out '%s' --quiet --replications 3",
                        support_binary(), file, results);
    ck_assert_msg(rc == 0, "exited %d: %s", rc, out);
    ck_assert_msg(out[0] == '\0', "--quiet printed: %s", out);
    join(path, sizeof path, results, "summary.json");
    cJSON *s = load_json(path);

    const cJSON *scenario = json_at(s, "scenario");
    ck_assert_msg(cJSON_IsString(scenario), "scenario is missing");
    ck_assert_str_eq(scenario->valuestring, "cli-basic");
    ck_assert_double_eq(json_number(s, "seed"), 2385);
    ck_assert_double_eq(json_number(s, "replications"), 3);
    ck_assert_double_eq(json_number(s, "duration_s"), 600);

    static const char *const requests[] = { "arrived", "completed", "failed", "throttled",
                                            "timed_out", "dropped", "dead_lettered", "expired",
                                            "in_flight", "attempts" };
    static const char *const latency[] = { "mean", "p50", "p90", "p95", "p99", "p999", "max" };
    static const char *const function[] = { "invocations", "cold_starts", "cold_start_ratio",
                                            "throttles", "errors", "timeouts", "mean_concurrency",
                                            "max_concurrency", "mean_instances", "idle_instance_s",
                                            "billed_gb_s" };
    char key[128];
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        snprintf(key, sizeof key, "requests.%s", requests[i]);
        assert_figure(s, key);
    }
    for (size_t i = 0; i < sizeof latency / sizeof latency[0]; i++) {
        snprintf(key, sizeof key, "latency_ms.%s", latency[i]);
        assert_figure(s, key);
    }
    for (size_t i = 0; i < sizeof function / sizeof function[0]; i++) {
        snprintf(key, sizeof key, "functions.api.%s", function[i]);
        assert_figure(s, key);
    }
    const cJSON *currency = json_at(s, "cost.currency");
    ck_assert_msg(cJSON_IsString(currency) && currency->valuestring[0], "cost.currency is missing");
    assert_figure(s, "cost.monthly_total");
    assert_figure(s, "cost.by_component.api");
    const cJSON *by_line = json_at(s, "cost.by_line");
    ck_assert_msg(cJSON_IsObject(by_line) && cJSON_GetArraySize(by_line) > 0, "cost.by_line is missing");
    double lines = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, by_line) {
        ck_assert_msg(cJSON_IsNumber(e), "cost.by_line.%s is not a number", e->string);
        lines += e->valuedouble;
    }
    double total = json_number(s, "cost.monthly_total");
    ck_assert_double_gt(total, 0);
    ck_assert_double_eq_tol(lines, total, 0.01);
    ck_assert_double_eq_tol(json_number(s, "cost.by_component.api"), total, 0.01);
    assert_section_mirrored(s, "requests");
    assert_section_mirrored(s, "latency_ms");
    assert_section_mirrored(s, "functions");
    /* Three replications of a random process: the arrivals vary. */
    ck_assert_double_gt(json_number(s, "ci95.requests.arrived"), 0);
    cJSON_Delete(s);
    support_rmrf(dir);
}
END_TEST

START_TEST(test_latency_csv_is_a_cumulative_histogram_of_completed_requests)
{
    char dir[256], file[4200], results[4200], path[4300];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(results, sizeof results, dir, "results");
    run_ok(file, results, "--replications 3");
    join(path, sizeof path, results, "summary.json");
    cJSON *s = load_json(path);
    double completed = json_number(s, "requests.completed") * json_number(s, "replications");
    cJSON_Delete(s);

    join(path, sizeof path, results, "latency.csv");
    char *csv = support_read_file(path);
    ck_assert_msg(csv != NULL, "latency.csv was not written");
    const char *header = "upper_ms,count,cumulative_fraction\n";
    ck_assert_msg(strncmp(csv, header, strlen(header)) == 0, "latency.csv header: %.80s", csv);
    double count_sum = 0, previous_upper = -1, previous_fraction = 0, fraction = 0;
    size_t rows = 0;
    for (char *line = csv + strlen(header); *line; rows++) {
        double upper, count;
        int n = sscanf(line, "%lf,%lf,%lf", &upper, &count, &fraction);
        ck_assert_msg(n == 3, "bad latency.csv row %zu: %.80s", rows + 1, line);
        ck_assert_double_gt(upper, previous_upper);
        ck_assert_double_ge(fraction, previous_fraction);
        count_sum += count;
        previous_upper = upper;
        previous_fraction = fraction;
        char *nl = strchr(line, '\n');
        ck_assert_msg(nl != NULL, "latency.csv does not end with a newline");
        line = nl + 1;
    }
    ck_assert_msg(rows > 0, "latency.csv has no rows");
    ck_assert_double_eq_tol(fraction, 1.0, 1e-9);
    ck_assert_double_eq_tol(count_sum, completed, 1e-6);
    free(csv);
    support_rmrf(dir);
}
END_TEST

/* Checks timeseries.csv in results for a window of duration_s from t = 0. */
static void assert_timeseries(const char *results, double duration_s, size_t expected_rows)
{
    char path[4300];
    join(path, sizeof path, results, "summary.json");
    cJSON *s = load_json(path);
    double arrived = json_number(s, "requests.arrived");
    cJSON_Delete(s);
    join(path, sizeof path, results, "timeseries.csv");
    char *csv = support_read_file(path);
    ck_assert_msg(csv != NULL, "timeseries.csv was not written");
    const char *header = "t_start_s,t_end_s,arrivals,";
    ck_assert_msg(strncmp(csv, header, strlen(header)) == 0, "timeseries.csv header: %.80s", csv);
    char *line = strchr(csv, '\n') + 1;
    size_t rows = 0;
    double arrivals_sum = 0, last_end = 0;
    while (*line) {
        double t0, t1, arrivals;
        ck_assert_msg(sscanf(line, "%lf,%lf,%lf", &t0, &t1, &arrivals) == 3, "bad row %.80s", line);
        ck_assert_double_eq_tol(t0, 60.0 * (double)rows, 1e-9);
        ck_assert_double_eq_tol(t1, fmin(60.0 * (double)(rows + 1), duration_s), 1e-9);
        arrivals_sum += arrivals;
        last_end = t1;
        rows++;
        char *nl = strchr(line, '\n');
        ck_assert_msg(nl != NULL, "timeseries.csv does not end with a newline");
        line = nl + 1;
    }
    ck_assert_int_eq((long)rows, (long)expected_rows);
    ck_assert_double_eq_tol(last_end, duration_s, 1e-9);
    /* Six significant digits per row. */
    ck_assert_double_eq_tol(arrivals_sum, arrived, 1e-3 * (double)rows);
    free(csv);
}

START_TEST(test_timeseries_csv_has_one_row_per_minute)
{
    char dir[256], file[4200], results[4200];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(results, sizeof results, dir, "full");
    run_ok(file, results, "--duration 600");
    assert_timeseries(results, 600, 10);
    /* A last, partial minute has its own row. */
    join(results, sizeof results, dir, "partial");
    run_ok(file, results, "--duration 630");
    assert_timeseries(results, 630, 11);
    support_rmrf(dir);
}
END_TEST

/* ---- failures while running ------------------------------------------------------------- */

/* Starts a run that would take minutes, sends it signal after a second, and asserts that
 * it was killed (not finished) and left no summary.json. */
static void assert_killed_run_leaves_no_summary(const char *signal, int expected_status)
{
    char dir[256], file[4200], results[4200], summary[4300], out[4096];
    support_tempdir(dir, sizeof dir);
    write_scenario(file, sizeof file, dir, "basic.json", basic_scenario);
    join(results, sizeof results, dir, "results");
    int rc = support_sh(out, sizeof out,
                        "sh -c '\"$0\" run \"$1\" --duration 3000000 --replications 2 --quiet "
                        "--set traffic[0].arrivals.rate_per_s=50 --out \"$2\" & pid=$!; sleep 1; "
                        "kill -%s $pid; wait $pid; echo status=$?' '%s' '%s' '%s'",
                        signal, support_binary(), file, results);
    ck_assert_msg(rc == 0, "the shell line failed (%d): %s", rc, out);
    char status[32];
    snprintf(status, sizeof status, "status=%d", expected_status);
    ck_assert_msg(strstr(out, status) != NULL, "the run was not killed by SIG%s: %s", signal, out);
    join(summary, sizeof summary, results, "summary.json");
    ck_assert_msg(!path_exists(summary), "a run killed by SIG%s left %s", signal, summary);
    support_rmrf(dir);
}

START_TEST(test_run_killed_with_sigkill_leaves_no_summary)
{
    assert_killed_run_leaves_no_summary("KILL", 128 + 9);
}
END_TEST

START_TEST(test_run_killed_with_sigterm_leaves_no_summary)
{
    assert_killed_run_leaves_no_summary("TERM", 128 + 15);
}
END_TEST

/* ---- the suite ---------------------------------------------------------------------------- */

START_TEST(atomic_write_replaces_whole_files_and_leaves_no_temporary)
{
    /* report_write_atomic writes beside the target and renames: the target holds either
     * the old or the new text, and nothing else is left in the folder. A write that
     * cannot happen leaves the old file untouched. */
    char dir[64], path[128];
    support_tempdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    ck_assert_int_eq(report_write_atomic(path, "old", 3), 0);
    ck_assert_int_eq(report_write_atomic(path, "{\"new\": true}", 14), 0);
    char *text = support_read_file(path);
    ck_assert_str_eq(text, "{\"new\": true}");
    free(text);
    char out[4096];
    ck_assert_int_eq(support_sh(out, sizeof out, "ls -A '%s'", dir), 0);
    ck_assert_str_eq(out, "summary.json\n");
    /* Into a folder that does not exist: fails, creates nothing. */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing/summary.json", dir);
    ck_assert_int_eq(report_write_atomic(bad, "x", 1), -1);
    ck_assert_int_eq(support_sh(out, sizeof out, "ls -A '%s'", dir), 0);
    ck_assert_str_eq(out, "summary.json\n");
    support_rmrf(dir);
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");

    /* What a person sees: a terminal's progress bar, plots, the page in a browser. */
    TCase *seen = tcase_create("what a person sees");
    tcase_set_tags(seen, "slow");   /* left out of make test-fast */
    tcase_set_timeout(seen, 120);
    tcase_add_test(seen, test_progress_bar_only_on_a_terminal);
    tcase_add_test(seen, test_plots_of_runs_and_studies);
    tcase_add_test(seen, test_report_page_renders_in_headless_chromium);
    tcase_add_test(seen, test_report_page_numbers_match_the_text_report);
    suite_add_tcase(s, seen);

    TCase *shipped = tcase_create("shipped scenarios");
    tcase_set_tags(shipped, "slow");   /* left out of make test-fast */
    tcase_set_timeout(shipped, 300);
    tcase_add_test(shipped, test_every_shipped_scenario_validates);
    tcase_add_test(shipped, test_every_shipped_scenario_conserves_requests);
    suite_add_tcase(s, shipped);

    TCase *determinism = tcase_create("determinism");
    tcase_set_timeout(determinism, 120);
    tcase_add_test(determinism, test_results_do_not_depend_on_the_thread_count);
    tcase_add_test(determinism, test_a_different_seed_gives_different_results);
    suite_add_tcase(s, determinism);

    TCase *config = tcase_create("overrides and resolved config");
    tcase_set_timeout(config, 120);
    tcase_add_test(config, test_set_overrides_a_key_in_the_resolved_config);
    tcase_add_test(config, test_set_memory_doubles_billed_gb_s);
    tcase_add_test(config, test_print_config_fills_in_defaults);
    tcase_add_test(config, test_print_config_output_is_itself_a_valid_scenario);
    tcase_add_test(config, test_print_config_of_every_shipped_scenario_is_a_valid_scenario);
    suite_add_tcase(s, config);

    TCase *files = tcase_create("result files");
    tcase_set_timeout(files, 120);
    tcase_add_test(files, test_summary_json_has_the_required_keys);
    tcase_add_test(files, test_latency_csv_is_a_cumulative_histogram_of_completed_requests);
    tcase_add_test(files, test_timeseries_csv_has_one_row_per_minute);
    suite_add_tcase(s, files);

    TCase *failures = tcase_create("failures while running");
    tcase_set_timeout(failures, 120);
    tcase_add_test(failures, test_run_killed_with_sigkill_leaves_no_summary);
    tcase_add_test(failures, test_run_killed_with_sigterm_leaves_no_summary);
    tcase_add_test(failures, atomic_write_replaces_whole_files_and_leaves_no_temporary);
    suite_add_tcase(s, failures);
    return s;
}
