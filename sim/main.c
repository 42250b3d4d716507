/* main.c — the slsim command line: the composition root, the only kernel file that
 * includes models/.
 *
 * Exit status: 0 success; 2 bad usage or invalid input (one line on stderr naming the
 * file and JSON path); 1 failure while running. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "models/report.h"
#include "models/world.h"
#include "sim/rng.h"

#define SLSIM_VERSION "0.1.0"

static const char usage_text[] =
    "usage: slsim run FILE [options]      simulate a scenario and report\n"
    "       slsim validate FILE           check a scenario and say whether it is valid\n"
    "       slsim --help | --version\n"
    "\n"
    "options for run:\n"
    "  --out DIR            results folder (default results/<scenario name>)\n"
    "  --seed N             override the scenario's seed\n"
    "  --replications N     override the number of replications\n"
    "  --threads N          OpenMP threads for replications (default: all cores)\n"
    "  --duration S         override the measured window, in seconds\n"
    "  --set PATH=VALUE     override any key, e.g. --set components[0].memory_mb=1024\n"
    "                       (repeatable; VALUE is JSON, or a string)\n"
    "  --quiet              print no report (files are still written)\n"
    "  --print-config       print the scenario with every default filled in, and stop\n"
    "  --stats              print wall time, simulated invocations per second and peak\n"
    "                       memory on stderr\n"
    "\n"
    "exit status: 0 success, 2 bad usage or invalid scenario, 1 failure while running\n";

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "slsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (try 'slsim --help')\n");
    return 2;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wall time, throughput and peak memory, for `make bench` and curious users. */
static void print_stats(const run_result *res, double elapsed, long long threads)
{
#ifdef _OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
#endif
    double invocations = 0, messages = 0;
    for (size_t i = 0; i < res->n_values; i++) {
        size_t n = strlen(res->names[i]);
        if (n > 12 && !strcmp(res->names[i] + n - 12, ".invocations"))
            invocations += res->mean[i] * res->spec->replications;
        if (n > 5 && !strncmp(res->names[i], "queues.", 7) && !strcmp(res->names[i] + n - 5, ".sent"))
            messages += res->mean[i] * res->spec->replications;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "stats: threads %lld, wall %.3f s, events %.0f (%.3g M/s), invocations %.0f "
            "(%.3g M/s), messages %.0f (%.3g M/s), peak memory %.1f MB\n", threads, elapsed,
            (double)res->events, res->events / elapsed / 1e6, invocations,
            invocations / elapsed / 1e6, messages, messages / elapsed / 1e6, ru.ru_maxrss / 1024.0);
}

int main(int argc, char **argv)
{
    rng_library_init();
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2)
        return bad_usage("%s", "missing command");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("slsim %s\n", SLSIM_VERSION);
        return 0;
    }
    int is_run = !strcmp(cmd, "run"), is_validate = !strcmp(cmd, "validate");
    if (!is_run && !is_validate)
        return bad_usage("unknown command '%s'", cmd);

    const char *file = NULL, *out_dir = NULL;
    world_overrides o = { .seed = -1, .replications = -1, .duration_s = -1 };
    const char **sets = calloc((size_t)argc, sizeof *sets);
    long long threads = 0;
    int quiet = 0, print_config = 0, stats = 0;
    int rc = 2;
    if (!sets) {
        fprintf(stderr, "slsim: out of memory\n");
        return 1;
    }
    o.sets = sets;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char opt[64];
        if (a[0] == '-' && a[1] == '-') {
            const char *eq = strchr(a, '=');
            size_t n = eq ? (size_t)(eq - a) : strlen(a);
            if (n >= sizeof opt) {
                rc = bad_usage("unknown option '%s'", a);
                goto out;
            }
            memcpy(opt, a, n);
            opt[n] = '\0';
            int wants = !strcmp(opt, "--out") || !strcmp(opt, "--seed") ||
                        !strcmp(opt, "--replications") || !strcmp(opt, "--threads") ||
                        !strcmp(opt, "--duration") || !strcmp(opt, "--set");
            if (wants) {
                if (eq)
                    val = eq + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else {
                    rc = bad_usage("option '%s' needs a value", opt);
                    goto out;
                }
            } else if (eq) {
                rc = bad_usage("option '%s' takes no value", opt);
                goto out;
            }
            if (wants && !*val && !strcmp(opt, "--out")) {
                rc = bad_usage("option '%s' needs a non-empty value", opt);
                goto out;
            }
            long long v;
            if (is_validate && wants && strcmp(opt, "--set") != 0) {
                rc = bad_usage("'validate' takes only --set, not '%s'", opt);
                goto out;
            }
            if (!strcmp(opt, "--out")) {
                out_dir = val;
            } else if (!strcmp(opt, "--seed")) {
                if (parse_int(val, 0, 9007199254740991LL, &v)) {
                    rc = bad_usage("--seed: expected an integer from 0 to 2^53-1, got '%s'", val);
                    goto out;
                }
                o.seed = v;
            } else if (!strcmp(opt, "--replications")) {
                if (parse_int(val, 1, 1000, &v)) {
                    rc = bad_usage("--replications: expected an integer from 1 to 1000, got '%s'", val);
                    goto out;
                }
                o.replications = v;
            } else if (!strcmp(opt, "--threads")) {
                if (parse_int(val, 1, 1024, &threads)) {
                    rc = bad_usage("--threads: expected an integer from 1 to 1024, got '%s'", val);
                    goto out;
                }
            } else if (!strcmp(opt, "--duration")) {
                char *end;
                errno = 0;
                double d = strtod(val, &end);
                if (errno || end == val || *end || !(d >= 1 && d <= 366 * 86400.0)) {
                    rc = bad_usage("--duration: expected seconds from 1 to 31622400, got '%s'", val);
                    goto out;
                }
                o.duration_s = d;
            } else if (!strcmp(opt, "--set")) {
                sets[o.n_sets++] = val;
            } else if (!strcmp(opt, "--quiet") && is_run) {
                quiet = 1;
            } else if (!strcmp(opt, "--stats") && is_run) {
                stats = 1;
            } else if (!strcmp(opt, "--print-config") && is_run) {
                print_config = 1;
            } else {
                rc = bad_usage("unknown option '%s'", a);
                goto out;
            }
        } else if (!file) {
            file = a;
        } else {
            rc = bad_usage("unexpected argument '%s' (one scenario file at a time)", a);
            goto out;
        }
    }
    if (!file) {
        rc = bad_usage("%s: missing scenario FILE", cmd);
        goto out;
    }

    char err[1024] = "";
    world_spec *spec = world_spec_load(file, &o, err, sizeof err);
    if (!spec) {
        fprintf(stderr, "%s\n", err);
        rc = 2;
        goto out;
    }
    if (is_validate) {
        printf("%s: ok (%zu component%s, %zu traffic source%s)\n", file, spec->n_components,
               spec->n_components == 1 ? "" : "s", spec->n_sources, spec->n_sources == 1 ? "" : "s");
        world_spec_free(spec);
        rc = 0;
        goto out;
    }
    if (print_config) {
        char *text = cJSON_Print(spec->resolved);
        if (text)
            printf("%s\n", text);
        free(text);
        world_spec_free(spec);
        rc = text ? 0 : 1;
        goto out;
    }
    char dir[4096];
    if (out_dir)
        snprintf(dir, sizeof dir, "%s", out_dir);
    else
        snprintf(dir, sizeof dir, "results/%s", spec->name);

    int progress = !quiet && isatty(STDERR_FILENO);
    if (progress)
        fprintf(stderr, "slsim: running %u replication%s of %s...\n", spec->replications,
                spec->replications == 1 ? "" : "s", spec->name);
    double t0 = wall_seconds();
    run_result res;
    if (run_scenario_progress(spec, (int)threads, progress ? stderr : NULL, &res, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        run_result_free(&res);
        world_spec_free(spec);
        rc = 1;
        goto out;
    }
    double elapsed = wall_seconds() - t0;
    if (report_write(&res, dir, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        rc = 1;
    } else {
        rc = 0;
        if (!quiet) {
            report_print(&res, stdout);
            printf("\nResults in %s/ (summary.json, latency.csv, timeseries.csv)\n", dir);
        }
        if (progress && !stats)
            fprintf(stderr, "slsim: %.3g million events in %.2f s\n", (double)res.events / 1e6, elapsed);
        if (stats)
            print_stats(&res, elapsed, threads);
    }
    run_result_free(&res);
    world_spec_free(spec);
out:
    free(sets);
    return rc;
}
