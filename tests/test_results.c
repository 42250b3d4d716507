/* test_results.c — the results folder as one unit, and names that must not run anything.
 *
 * The kill test is the specification of app/outdir.h: whatever signal stops slsim,
 * whenever (simulating, writing, plotting), the results folder is afterwards either the
 * previous complete folder or the new complete one — "complete" checked against the file
 * list its summary.json records — with no gnuplot left running and at most one staging
 * folder (only after SIGKILL), which the next run removes. The injection tests check
 * that no path, scenario name or component name reaches gnuplot or a shell as a command:
 * they look for the file each hostile name would create. */
#define _GNU_SOURCE   /* readlink on /proc, usleep */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "tests/suites.h"
#include "tests/support.h"

/* A small scenario whose plotting takes most of its run (the phase most often killed). */
static const char small_scenario[] =
    "{ \"name\": \"kill-me\", \"duration_s\": 3600, \"seed\": 1, \"replications\": 2,\n"
    "  \"components\": [ { \"name\": \"api\", \"kind\": \"function\",\n"
    "    \"duration_ms\": { \"dist\": \"lognormal\", \"median\": 80, \"p99\": 600 } } ],\n"
    "  \"traffic\": [ { \"target\": \"api\", \"arrivals\": { \"process\": \"poisson\", \"rate_per_s\": 60 } } ] }\n";


static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Starts slsim with argv (argv[0] is replaced by the binary) in folder cwd, its output to
 * /dev/null or into out. Returns the child's pid. */
static pid_t start(const char *cwd, char *const *argv, int out_fd)
{
    char binary[4096];
    ck_assert_msg(realpath(support_binary(), binary) != NULL, "no binary %s", support_binary());
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDIN_FILENO);
        dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
        dup2(out_fd >= 0 ? out_fd : null, STDERR_FILENO);
        if (chdir(cwd) != 0)
            _exit(126);
        execv(binary, argv);
        _exit(127);
    }
    return pid;
}

/* Waits for pid: its exit status, or 128 + the signal that killed it. */
static int finish(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs slsim to the end in cwd; its output (both streams) into out. Returns its status. */
static int run_argv(const char *cwd, char *const *argv, char *out, size_t out_size)
{
    char tmpl[] = "/tmp/slsim-out-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    int rc = finish(start(cwd, argv, fd));
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, out, out_size - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(tmpl);
    return rc;
}

/* The names in folder dir (sorted, one per line, '.' and '..' left out). */
static void listing(const char *dir, char *buf, size_t size)
{
    char out[8192];
    buf[0] = '\0';
    if (support_sh(out, sizeof out, "ls -A '%s' 2>/dev/null", dir) == 0)
        snprintf(buf, size, "%s", out);
}

/* Whether dir is a complete results folder: its summary.json lists exactly the files it
 * holds, each of them non-empty. Sets *seed to the run's seed. */
static int complete(const char *dir, long long *seed, char *why, size_t why_size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = support_read_file(path);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(j, "files");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "seed");
    if (!cJSON_IsArray(files) || !cJSON_IsNumber(s)) {
        snprintf(why, why_size, "%s: no summary.json with files and seed", dir);
        cJSON_Delete(j);
        return 0;
    }
    *seed = (long long)s->valuedouble;
    int listed = 0, ok = 1;
    for (const cJSON *f = files->child; f && ok; f = f->next, listed++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, f->valuestring);
        if (stat(path, &st) != 0 || st.st_size == 0) {
            snprintf(why, why_size, "%s is listed but missing or empty", path);
            ok = 0;
        }
    }
    int held = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        held += e->d_name[0] != '.';
    if (d)
        closedir(d);
    if (ok && held != listed) {
        snprintf(why, why_size, "%s holds %d files but summary.json lists %d", dir, held, listed);
        ok = 0;
    }
    cJSON_Delete(j);
    return ok;
}

/* Processes whose working folder is inside dir (gnuplot runs inside the results folder). */
static int processes_inside(const char *dir)
{
    char real[4096];
    if (!realpath(dir, real))
        return 0;
    int found = 0;
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char link[300], cwd[4096];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(link, sizeof link, "/proc/%s/cwd", e->d_name);
        ssize_t n = readlink(link, cwd, sizeof cwd - 1);
        if (n <= 0)
            continue;
        cwd[n] = '\0';
        found += strncmp(cwd, real, strlen(real)) == 0 && atoi(e->d_name) != getpid();
    }
    if (d)
        closedir(d);
    return found;
}

/* The staging folders slsim left in dir (names starting with '.'). */
static int leftovers(const char *dir, char *names, size_t size)
{
    int n = 0;
    names[0] = '\0';
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            n++;
            strncat(names, e->d_name, size - strlen(names) - 2);
            strncat(names, " ", size - strlen(names) - 1);
        }
    if (d)
        closedir(d);
    return n;
}

/* What the staging folder held when the signal was sent: 0 nothing yet (simulating), 1
 * data files (writing), 2 plots (plotting). */
static int phase_of(const char *parent)
{
    char out[8192];
    if (support_sh(out, sizeof out, "ls -A '%s'/.out.slsim-*.tmp 2>/dev/null", parent) != 0 || !out[0])
        return 0;
    return strstr(out, "plot-") ? 2 : strstr(out, ".csv") ? 1 : 0;
}

START_TEST(killed_at_any_moment_the_folder_is_the_previous_or_the_new_one)
{
    char dir[256], file[512], out[512], why[512], names[1024];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    support_write_text(file, small_scenario);
    char seed_arg[32] = "--seed=1";
    char *argv[] = { "slsim", "run", file, "--out", out, "--quiet", seed_arg, NULL };
    /* Complete runs, and how long one takes: the longest of three, so that a busy machine
     * (a run's length varies with the load) still lets a third of the kills come late. */
    double full = 0;
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        ck_assert_int_eq(finish(start(dir, argv, -1)), 0);
        full = fmax(full, now_s() - t0);
    }
    long long previous = 1, seed;
    ck_assert_msg(complete(out, &seed, why, sizeof why), "the first run: %s", why);
    static const int sigs[] = { SIGINT, SIGTERM, SIGKILL };
    enum { TRIALS = 36 };
    int outcomes[2] = { 0, 0 }, phases[3] = { 0, 0, 0 };
    srand(2385);
    for (int k = 0; k < TRIALS; k++) {
        int sig = sigs[k % 3];
        snprintf(seed_arg, sizeof seed_arg, "--seed=%d", 100 + k);
        /* Stratified over the whole run and past it (the last half of the kills come after
         * the longest complete run), with jitter. */
        double at = full * 2.0 * ((double)k + (double)rand() / RAND_MAX) / TRIALS;
        pid_t pid = start(dir, argv, -1);
        struct timespec ts = { (time_t)at, (long)((at - (double)(time_t)at) * 1e9) };
        nanosleep(&ts, NULL);
        int phase = phase_of(dir);
        kill(pid, sig);
        int status = finish(pid);
        /* gnuplot dies with slsim: give the kernel a moment to deliver, then look. */
        int inside = processes_inside(dir);
        for (int w = 0; w < 200 && inside; w++) {
            usleep(10000);
            inside = processes_inside(dir);
        }
        ck_assert_msg(inside == 0, "trial %d (signal %d): %d processes still run inside %s", k, sig, inside, dir);
        ck_assert_msg(complete(out, &seed, why, sizeof why), "trial %d (signal %d, status %d): %s", k, sig,
                      status, why);
        ck_assert_msg(seed == previous || seed == 100 + k, "trial %d: the folder holds seed %lld, neither "
                      "the previous %lld nor the new %d", k, seed, previous, 100 + k);
        int now_new = seed == 100 + k;
        if (status != 0)
            phases[phase]++;
        if (getenv("SLSIM_TRIALS"))
            printf("trial %d: signal %d at %.3f s, phase %d, status %d, %s\n", k, sig, at, phase, status,
                   now_new ? "new" : "previous");
        outcomes[now_new]++;
        if (now_new)
            previous = seed;
        int left = leftovers(dir, names, sizeof names);
        if (sig == SIGKILL)
            ck_assert_msg(left <= 1, "trial %d: SIGKILL left %d temporaries: %s", k, left, names);
        else
            ck_assert_msg(left == 0, "trial %d: signal %d left temporaries: %s", k, sig, names);
    }
    /* The next complete run removes what a SIGKILL left. */
    snprintf(seed_arg, sizeof seed_arg, "--seed=7");
    ck_assert_int_eq(finish(start(dir, argv, -1)), 0);
    ck_assert_int_eq(leftovers(dir, names, sizeof names), 0);
    if (support_verbose())
        printf("results: %d kills left the previous folder, %d the new one; killed while simulating %d, "
               "writing %d, plotting %d (a run takes %.2f s)\n", outcomes[0], outcomes[1], phases[0],
               phases[1], phases[2], full);
    /* The trials reached both the simulation and the plotting. */
    ck_assert_msg(phases[0] > 0 && phases[2] > 0, "kills while simulating %d, plotting %d", phases[0], phases[2]);
    ck_assert_msg(outcomes[0] > 0 && outcomes[1] > 0, "kills that left the previous folder %d, the new one %d", outcomes[0], outcomes[1]);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_rerun_replaces_the_folder_without_stale_files)
{
    char dir[256], file[512], out[512], path[600], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    support_write_text(file, small_scenario);
    /* A Lambda run writes functions.csv; the same API on containers has none to write. */
    char *lambda[] = { "slsim", "run", file, "--out", out, "--quiet", "--no-plots", NULL };
    ck_assert_int_eq(run_argv(dir, lambda, text, sizeof text), 0);
    snprintf(path, sizeof path, "%s/functions.csv", out);
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "the Lambda run wrote no functions.csv");
    char *containers[] = { "slsim", "run", file, "--out", out, "--quiet", "--no-plots", "--set",
                           "components[0]={\"name\": \"api\", \"kind\": \"container\", \"count\": 2, "
                           "\"vcpu\": 1, \"memory_gb\": 2, \"concurrency\": 20, "
                           "\"duration_ms\": {\"dist\": \"exponential\", \"mean\": 80}}", NULL };
    int rc = run_argv(dir, containers, text, sizeof text);
    ck_assert_msg(rc == 0, "the container run exited %d: %s", rc, text);
    ck_assert_msg(stat(path, &st) != 0, "the Lambda run's functions.csv survived the container run");
    long long seed;
    char why[512];
    ck_assert_msg(complete(out, &seed, why, sizeof why), "%s", why);
    support_rmrf(dir);
}
END_TEST

/* A write that fails half-way (the file-size limit stands in for a full disk: the same
 * failed write(2)) leaves the previous complete folder as it was, and no staging folder. */
START_TEST(a_failed_write_keeps_the_previous_folder)
{
    char dir[256], file[512], out[512], text[8192], before[8192], after[8192], names[1024];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    support_write_text(file, small_scenario);
    int rc = support_sh(text, sizeof text, "'%s' run '%s' --out '%s' --quiet --no-plots --duration 600",
                        support_binary(), file, out);
    ck_assert_msg(rc == 0, "the first run exited %d: %s", rc, text);
    ck_assert_int_eq(support_sh(before, sizeof before, "cd '%s' && md5sum *", out), 0);
    rc = support_sh(text, sizeof text, "sh -c 'ulimit -f 8; trap \"\" XFSZ; exec \"$0\" run \"$1\" --out \"$2\" "
                    "--quiet --no-plots --seed 9 --duration 600' '%s' '%s' '%s'", support_binary(), file, out);
    ck_assert_msg(rc == 1, "a run whose writes fail exited %d: %s", rc, text);
    ck_assert_msg(strstr(text, "cannot write") && strstr(text, out) && !strstr(text, ".slsim-"),
                  "the message should name the results folder: %s", text);
    ck_assert_int_eq(support_sh(after, sizeof after, "cd '%s' && md5sum *", out), 0);
    ck_assert_str_eq(before, after);
    ck_assert_msg(leftovers(dir, names, sizeof names) == 0, "left: %s", names);
    support_rmrf(dir);
}
END_TEST

START_TEST(an_unusable_out_is_refused_before_the_simulation)
{
    char dir[256], file[512], user[512], path[600], text[8192], before[8192], after[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    support_write_text(file, small_scenario);
    /* A month of traffic: were the folder checked only after the simulation, the run would
     * take minutes; timeout 60 turns that into a failure of this test. */
    snprintf(user, sizeof user, "%s/notes", dir);
    mkdir(user, 0777);
    snprintf(path, sizeof path, "%s/thesis.tex", user);
    support_write_text(path, "my work\n");
    listing(user, before, sizeof before);
    int rc;
    struct { const char *out, *words; } cases[] = {
        { file, "not a folder" },            /* a regular file */
        { "/dev/full", "not a folder" },
        { "/proc/slsim-results", "cannot" },
        { user, "slsim did not make" },      /* a user's folder: never replaced */
        { ".", "not a folder slsim can replace" },
        { "/", "not a folder slsim can replace" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rc = support_sh(text, sizeof text, "timeout 60 '%s' run '%s' --out '%s' --quiet --duration 2592000",
                            support_binary(), file, cases[i].out);
        ck_assert_msg(rc == 2, "--out %s exited %d, expected 2: %s", cases[i].out, rc, text);
        ck_assert_msg(strstr(text, cases[i].words) != NULL, "--out %s: '%s' not in: %s", cases[i].out,
                      cases[i].words, text);
        ck_assert_msg(strchr(text, '\n') == text + strlen(text) - 1, "--out %s: not one line: %s",
                      cases[i].out, text);
    }
    listing(user, after, sizeof after);
    ck_assert_str_eq(before, after);
    /* A results folder in which the user put a file of their own is no longer slsim's alone. */
    char results[512], mine[600];
    snprintf(results, sizeof results, "%s/results", dir);
    rc = support_sh(text, sizeof text, "'%s' run '%s' --out '%s' --quiet --no-plots --duration 60",
                        support_binary(), file, results);
    ck_assert_msg(rc == 0, "the first run exited %d: %s", rc, text);
    snprintf(mine, sizeof mine, "%s/my-scenario.json", results);
    support_write_text(mine, "{}\n");
    rc = support_sh(text, sizeof text, "'%s' run '%s' --out '%s' --quiet --no-plots --duration 60",
                    support_binary(), file, results);
    ck_assert_msg(rc == 2 && strstr(text, "my-scenario.json"), "a results folder holding a user's file: "
                  "exit %d: %s", rc, text);
    char *kept = support_read_file(mine);
    ck_assert_msg(kept && !strcmp(kept, "{}\n"), "the user's file was changed");
    free(kept);
    /* A FIFO where summary.json should be blocks neither plot nor a run (timeout: the bound). */
    unlink(mine);
    snprintf(mine, sizeof mine, "%s/summary.json", results);
    unlink(mine);
    ck_assert_int_eq(mkfifo(mine, 0644), 0);
    rc = support_sh(text, sizeof text, "timeout 30 '%s' plot '%s'", support_binary(), results);
    ck_assert_msg(rc == 0, "plot of a folder with a FIFO exited %d: %s", rc, text);
    rc = support_sh(text, sizeof text, "timeout 30 '%s' run '%s' --out '%s' --quiet --no-plots --duration 60",
                    support_binary(), file, results);
    ck_assert_msg(rc == 2, "a run into a folder with a FIFO exited %d: %s", rc, text);
    /* A read-only folder (root may write anywhere, so only as another user). */
    if (geteuid() != 0) {
        char ro[512];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        mkdir(ro, 0555);
        rc = support_sh(text, sizeof text, "timeout 60 '%s' run '%s' --out '%s/results' --quiet "
                            "--duration 2592000", support_binary(), file, ro);
        ck_assert_msg(rc == 2, "--out in a read-only folder exited %d: %s", rc, text);
        chmod(ro, 0755);
    }
    support_rmrf(dir);
}
END_TEST

/* Hostile strings: each would create a file named PWNED... if a shell or gnuplot ran it. */
static const char *const hostile[] = {
    "<touch PWNED1;true ",
    "|touch PWNED2;true ",
    "`touch PWNED3`",
    "$(touch PWNED4)",
    "a'b\"c\nsystem(\"touch PWNED5\")",
    "x\"; system \"touch PWNED6\"; \"",
};

static int pwned(const char *dir)
{
    char out[8192];
    support_sh(out, sizeof out, "find '%s' -name 'PWNED*'", dir);
    return out[0] != '\0';
}

START_TEST(no_name_reaching_gnuplot_runs_a_command)
{
    char dir[256], file[512], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    support_write_text(file, small_scenario);
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        /* As the results folder, then as plot's folder. */
        char *run[] = { "slsim", "run", file, "--out", (char *)hostile[i], "--quiet", "--duration=600", NULL };
        int rc = run_argv(dir, run, text, sizeof text);
        ck_assert_msg(rc == 0, "--out '%s' exited %d: %s", hostile[i], rc, text);
        ck_assert_msg(strstr(text, "gnuplot failed") == NULL, "gnuplot failed: %s", text);
        char *plot[] = { "slsim", "plot", (char *)hostile[i], NULL };
        rc = run_argv(dir, plot, text, sizeof text);
        ck_assert_msg(rc == 0, "plot '%s' exited %d: %s", hostile[i], rc, text);
        ck_assert_msg(!pwned(dir), "'%s' ran a command", hostile[i]);
        /* As the scenario's name and a component's name (titles and labels). */
        char name[256], comp[256];
        cJSON *s = cJSON_CreateString(hostile[i]);
        char *quoted = cJSON_PrintUnformatted(s);
        snprintf(name, sizeof name, "name=%s", quoted);
        snprintf(comp, sizeof comp, "components[0].name=%s", quoted);
        char target[300];
        snprintf(target, sizeof target, "traffic[0].target=%s", quoted);
        free(quoted);
        cJSON_Delete(s);
        char out[64];
        snprintf(out, sizeof out, "named-%zu", i);
        char *named[] = { "slsim", "run", file, "--out", out, "--quiet", "--duration=600", "--set", name,
                          "--set", comp, "--set", target, NULL };
        /* Scenario and component names are refused (they name folders and figures). */
        rc = run_argv(dir, named, text, sizeof text);
        ck_assert_msg(rc == 2 && strstr(text, "not a valid name"), "names '%s' exited %d: %s", hostile[i], rc, text);
        ck_assert_msg(!pwned(dir), "the names '%s' ran a command", hostile[i]);
        /* A variant's name is free text: a label of the compare plot, drawn as it is. */
        char variant[300];
        snprintf(variant, sizeof variant, "%s:components[0].memory_mb=1024", hostile[i]);
        char *compare[] = { "slsim", "compare", file, "--variant", variant, "--out", out, "--quiet",
                            "--duration=600", NULL };
        rc = run_argv(dir, compare, text, sizeof text);
        ck_assert_msg(!pwned(dir), "the variant '%s' ran a command", hostile[i]);
        if (strpbrk(hostile[i], "\"\n,")) {
            /* Quotes, commas and line ends would break its CSV fields and table columns. */
            ck_assert_msg(rc == 2 && strstr(text, "variant's name"), "variant '%s': %d: %s", hostile[i], rc, text);
            ck_assert_msg(strchr(text, '\n') == text + strlen(text) - 1, "not one line: %s", text);
            continue;
        }
        ck_assert_msg(rc == 0, "compare with variant '%s' exited %d: %s", hostile[i], rc, text);
        ck_assert_msg(strstr(text, "gnuplot failed") == NULL, "gnuplot failed: %s", text);
        char png[400];
        snprintf(png, sizeof png, "%s/%s/plot-compare-cost.png", dir, out);
        struct stat st;
        ck_assert_msg(stat(png, &st) == 0 && st.st_size > 0, "no compare plot for variant '%s'", hostile[i]);
    }
    support_rmrf(dir);
}
END_TEST

/* A scenario's path is the user's own, but it reaches summary.json (JSON is UTF-8) and the
 * terminal: bytes that are not UTF-8, and control characters, are written \xNN there. */
START_TEST(a_scenario_path_that_is_not_utf8_is_escaped_in_the_summary)
{
    char dir[256], file[512], out[512], path[600], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/bad\xff\x01name.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    support_write_text(file, small_scenario);
    char *argv[] = { "slsim", "run", file, "--out", out, "--no-plots", "--duration=60", NULL };
    ck_assert_int_eq(run_argv(dir, argv, text, sizeof text), 0);
    ck_assert_msg(strstr(text, "bad\\xff\\x01name.json") != NULL, "the report's path: %.300s", text);
    snprintf(path, sizeof path, "%s/summary.json", out);
    char *summary = support_read_file(path);
    ck_assert_ptr_nonnull(summary);
    ck_assert_msg(strchr(summary, 0xff) == NULL && strchr(summary, 0x01) == NULL, "raw bytes in summary.json");
    ck_assert_msg(strstr(summary, "bad\\\\xff\\\\x01name.json") != NULL, "summary.json's file: %.300s", summary);
    free(summary);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_run_where_nothing_arrives_says_so_and_plots_nothing_empty)
{
    char dir[256], file[512], out[512], text[16384];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    support_write_text(file, small_scenario);
    char *argv[] = { "slsim", "run", file, "--out", out, "--set", "traffic[0].arrivals.rate_per_s=1e-9", NULL };
    ck_assert_int_eq(run_argv(dir, argv, text, sizeof text), 0);
    ck_assert_msg(strstr(text, "NOTHING ARRIVED") != NULL, "the report does not say so: %.400s", text);
    ck_assert_msg(strstr(text, "gnuplot") == NULL, "gnuplot complained: %.400s", text);
    char files[8192];
    support_sh(files, sizeof files, "find '%s' -type f -empty", out);
    ck_assert_msg(files[0] == '\0', "empty files: %s", files);
    support_sh(files, sizeof files, "ls '%s' | grep -c '^plot-' || true", out);
    ck_assert_str_eq(files, "0\n");
    char path[600];
    snprintf(path, sizeof path, "%s/report.html", out);
    char *page = support_read_file(path);
    ck_assert_msg(page && strstr(page, "Nothing arrived"), "report.html does not say that nothing arrived");
    free(page);
    support_rmrf(dir);
}
END_TEST

/* ---- folders and files someone else prepared ------------------------------------------ */

/* The binary by absolute path (commands below run in other folders). */
static const char *abs_binary(void)
{
    static char path[4096];
    ck_assert_msg(realpath(support_binary(), path) != NULL, "no binary %s", support_binary());
    return path;
}

/* Runs a small run into out (no plots); asserts it succeeded. */
static void small_run(const char *dir, const char *file, const char *out, const char *extra)
{
    char text[8192];
    int rc = support_sh(text, sizeof text, "cd '%s' && '%s' run '%s' --out '%s' --quiet --duration 60 %s", dir,
                        abs_binary(), file, out, extra);
    ck_assert_msg(rc == 0, "run into %s exited %d: %s", out, rc, text);
}

START_TEST(a_users_files_in_a_results_folder_are_never_deleted)
{
    char dir[256], file[512], path[700], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    support_write_text(file, small_scenario);
    /* Dot files and folders (a .git, notes), a plot-scripts folder with a file of theirs, a
     * folder of an older slsim holding a thesis beside its tables. */
    static const struct { const char *folder, *mkdir, *file; } cases[] = {
        { "o1", ".git", ".git/config" }, { "o2", NULL, ".mynotes" },
        { "o3", "plot-scripts", "plot-scripts/my-notes.txt" }, { "o4", NULL, "summary.json.bak" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        small_run(dir, file, cases[i].folder, "--no-plots");
        if (cases[i].mkdir) {
            snprintf(path, sizeof path, "%s/%s/%s", dir, cases[i].folder, cases[i].mkdir);
            mkdir(path, 0777);
        }
        snprintf(path, sizeof path, "%s/%s/%s", dir, cases[i].folder, cases[i].file);
        support_write_text(path, "mine\n");
        int rc = support_sh(text, sizeof text, "cd '%s' && '%s' run '%s' --out '%s' --quiet --duration 60",
                            dir, abs_binary(), file, cases[i].folder);
        ck_assert_msg(rc == 2 && strstr(text, "slsim did not make"), "%s: exit %d: %s", cases[i].file, rc, text);
        char *kept = support_read_file(path);
        ck_assert_msg(kept && !strcmp(kept, "mine\n"), "%s was changed", cases[i].file);
        free(kept);
    }
    /* An older slsim's sweep folder (no file list) with a user's data beside it. */
    snprintf(path, sizeof path, "%s/legacy", dir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/legacy/sweep.csv", dir);
    support_write_text(path, "point\n");
    snprintf(path, sizeof path, "%s/legacy/mydata.csv", dir);
    support_write_text(path, "a,b\n");
    int rc = support_sh(text, sizeof text, "cd '%s' && '%s' run '%s' --out legacy --quiet --duration 60", dir,
                        abs_binary(), file);
    ck_assert_msg(rc == 2 && strstr(text, "mydata.csv"), "legacy folder: exit %d: %s", rc, text);
    /* Without the data file it is slsim's, and is replaced. */
    unlink(path);
    small_run(dir, file, "legacy", "--no-plots");
    support_rmrf(dir);
}
END_TEST

/* A platform's summary.json (80 MB for 50,000 functions) is too large to parse whole:
 * slsim still knows its own folder from the summary's tail, where it writes "generator" and
 * "files" last, and still refuses one with a user's file beside it. */
START_TEST(a_results_folder_with_a_very_large_summary_is_still_slsims)
{
    char dir[256], file[512], path[700], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    support_write_text(file, small_scenario);
    small_run(dir, file, "big", "--no-plots");
    snprintf(path, sizeof path, "%s/big/summary.json", dir);
    char *summary = support_read_file(path);
    ck_assert_ptr_nonnull(summary);
    ck_assert_int_eq(summary[0], '{');
    size_t pad = 17u << 20, n = strlen(summary);
    char *big = support_alloc(n + pad + 32, 1);
    int head = snprintf(big, 32, "{\n\t\"padding\":\t\"");
    memset(big + head, 'x', pad);
    memcpy(big + head + pad, "\",", 2);
    memcpy(big + head + pad + 2, summary + 1, n - 1);
    support_write_bytes(path, big, head + pad + 2 + n - 1);
    small_run(dir, file, "big", "--no-plots");              /* replaced */
    /* Again padded, with a user's file beside it: refused, and kept. */
    support_write_bytes(path, big, head + pad + 2 + n - 1);
    snprintf(path, sizeof path, "%s/big/notes.txt", dir);
    support_write_text(path, "mine\n");
    int rc = support_sh(text, sizeof text, "cd '%s' && '%s' run '%s' --out big --quiet --duration 60 --no-plots",
                        dir, abs_binary(), file);
    ck_assert_msg(rc == 2 && strstr(text, "notes.txt"), "exit %d: %s", rc, text);
    free(summary);
    free(big);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_file_added_during_the_run_is_kept_and_the_results_go_beside_it)
{
    char dir[256], file[512], out[512], staging[8192], notes[600], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    support_write_text(file, small_scenario);
    small_run(dir, file, "out", "--no-plots");
    char tmpl[] = "/tmp/slsim-out-XXXXXX";
    int fd = mkstemp(tmpl);
    char *argv[] = { "slsim", "run", file, "--out", out, "--quiet", "--duration=3600", NULL };
    pid_t pid = start(dir, argv, fd);
    /* Once the staging folder exists the folder has been checked: now a file of the user's. */
    for (int i = 0; i < 2000; i++) {
        if (support_sh(staging, sizeof staging, "ls -d '%s'/.out.slsim-*.tmp 2>/dev/null", dir) == 0)
            break;
        usleep(1000);
    }
    snprintf(notes, sizeof notes, "%s/notes.txt", out);
    support_write_text(notes, "mine\n");
    int rc = finish(pid);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(tmpl);
    ck_assert_msg(rc == 1 && strstr(text, "changed while slsim ran") && strstr(text, "out.new-"),
                  "exit %d: %s", rc, text);
    char *kept = support_read_file(notes);
    ck_assert_msg(kept && !strcmp(kept, "mine\n"), "notes.txt was changed");
    free(kept);
    support_sh(staging, sizeof staging, "ls -d '%s'/out.new-*", dir);
    staging[strcspn(staging, "\n")] = '\0';
    long long seed;
    char why[512];
    ck_assert_msg(complete(staging, &seed, why, sizeof why), "the results beside it: %s", why);
    support_rmrf(dir);
}
END_TEST

START_TEST(plotting_an_old_folder_keeps_it_slsims)
{
    char dir[256], file[512], out[512], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    support_write_text(file, small_scenario);
    small_run(dir, file, "out", "--no-plots");
    int rc = support_sh(text, sizeof text, "'%s' plot '%s'", support_binary(), out);
    ck_assert_msg(rc == 0, "plot exited %d: %s", rc, text);
    long long seed;
    char why[512];
    ck_assert_msg(complete(out, &seed, why, sizeof why), "after plot: %s", why);
    small_run(dir, file, "out", "--no-plots");
    support_rmrf(dir);
}
END_TEST

START_TEST(a_hostile_folder_cannot_make_plot_run_or_overwrite_anything)
{
    char dir[256], file[512], evil[512], path[700], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    snprintf(evil, sizeof evil, "%s/evil", dir);
    support_write_text(file, small_scenario);
    small_run(dir, file, "evil", "--no-plots");
    /* Its own plot scripts, to be found by a relative scripts folder... */
    snprintf(path, sizeof path, "%s/scripts", evil);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/scripts/plots", evil);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/scripts/plots/latency.gp", evil);
    support_write_text(path, "system(\"touch PWNED-script\")\n");
    snprintf(path, sizeof path, "%s/scripts/plots/common.gp", evil);
    support_write_text(path, "system(\"touch PWNED-common\")\n");
    /* ...and a link under the name gnuplot writes to, pointing at a file outside. */
    char victim[600];
    snprintf(victim, sizeof victim, "%s/victim", dir);
    support_write_text(victim, "precious\n");
    snprintf(path, sizeof path, "%s/.plot-latency.slsim-tmp.svg", evil);
    ck_assert_int_eq(symlink(victim, path), 0);
    /* A relative SLSIM_SCRIPTS from a folder that has none: refused, not looked up inside. */
    char empty[600];
    snprintf(empty, sizeof empty, "%s/elsewhere", dir);
    mkdir(empty, 0777);
    int rc = support_sh(text, sizeof text, "cd '%s' && SLSIM_SCRIPTS=scripts/plots '%s' plot '%s'", empty,
                        abs_binary(), evil);
    ck_assert_msg(rc != 0 && strstr(text, "scripts are not found"), "plot with relative scripts: %d: %s", rc, text);
    ck_assert_msg(!pwned(dir), "the folder's own script ran");
    /* With slsim's own scripts: plots made, the link replaced, the victim untouched. */
    rc = support_sh(text, sizeof text, "'%s' plot '%s'", support_binary(), evil);
    ck_assert_msg(rc == 0, "plot exited %d: %s", rc, text);
    ck_assert_msg(!pwned(dir), "the folder's own script ran");
    char *kept = support_read_file(victim);
    ck_assert_msg(kept && !strcmp(kept, "precious\n"), "the file outside was overwritten");
    free(kept);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_price_table_file_is_never_quoted_in_messages)
{
    char dir[256], file[512], path[700], text[8192];
    support_tempdir(dir, sizeof dir);
    snprintf(file, sizeof file, "%s/s.json", dir);
    support_write_text(file, small_scenario);
    static const char *const secrets[] = {
        "GITHUB_TOKEN=ghp_R3alT0kenValue0123456789\n",
        "{\n  \"password\": \"hunter2hunter2\"\n",
        "{ \"provider\": \"aws\", \"currency\": \"hunter2hunter2\" }\n",
    };
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        snprintf(path, sizeof path, "%s/prices.json", dir);
        support_write_text(path, secrets[i]);
        int rc = support_sh(text, sizeof text, "'%s' validate '%s' --set pricing=prices.json", support_binary(), file);
        ck_assert_msg(rc == 2 && strstr(text, "pricing: "), "exit %d: %s", rc, text);
        ck_assert_msg(!strstr(text, "ghp_") && !strstr(text, "hunter2") && !strstr(text, "GITHUB"),
                      "the message quotes the file: %s", text);
    }
    support_rmrf(dir);
}
END_TEST

Suite *results_suite(void)
{
    Suite *s = suite_create("results");
    TCase *tc = tcase_create("results folder");
    tcase_set_tags(tc, "slow");   /* left out of make test-fast */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, killed_at_any_moment_the_folder_is_the_previous_or_the_new_one);
    tcase_add_test(tc, a_rerun_replaces_the_folder_without_stale_files);
    tcase_add_test(tc, a_failed_write_keeps_the_previous_folder);
    tcase_add_test(tc, an_unusable_out_is_refused_before_the_simulation);
    tcase_add_test(tc, no_name_reaching_gnuplot_runs_a_command);
    tcase_add_test(tc, a_run_where_nothing_arrives_says_so_and_plots_nothing_empty);
    tcase_add_test(tc, a_scenario_path_that_is_not_utf8_is_escaped_in_the_summary);
    suite_add_tcase(s, tc);
    TCase *hostile_tc = tcase_create("folders and files someone else prepared");
    tcase_set_timeout(hostile_tc, 300);
    tcase_add_test(hostile_tc, a_users_files_in_a_results_folder_are_never_deleted);
    tcase_add_test(hostile_tc, a_results_folder_with_a_very_large_summary_is_still_slsims);
    tcase_add_test(hostile_tc, a_file_added_during_the_run_is_kept_and_the_results_go_beside_it);
    tcase_add_test(hostile_tc, plotting_an_old_folder_keeps_it_slsims);
    tcase_add_test(hostile_tc, a_hostile_folder_cannot_make_plot_run_or_overwrite_anything);
    tcase_add_test(hostile_tc, a_price_table_file_is_never_quoted_in_messages);
    suite_add_tcase(s, hostile_tc);
    return s;
}
