/* main.c — the slsim command line: the composition root, the only kernel file that
 * includes models/.
 *
 * Exit status: 0 success; 2 bad usage or invalid input (one line on stderr naming the
 * file and JSON path); 1 failure while running. */
#include <errno.h>
#include <math.h>
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "app/report.h"
#include "app/html.h"
#ifdef SLSIM_MPI
#include <mpi.h>
#endif
#include "app/outdir.h"
#include "app/plot.h"
#include "app/study.h"
#include "models/world.h"
#include "sim/rng.h"

#define SLSIM_VERSION "0.1.0"

static const char usage_text[] =
    "usage: slsim run FILE [options]      simulate a scenario and report\n"
    "       slsim validate FILE           check a scenario and say whether it is valid\n"
    "       slsim compare A.json B.json ...   run variants side by side (common random numbers)\n"
    "       slsim compare FILE --variant NAME:PATH=VALUE[,PATH=VALUE]... [--variant ...]\n"
    "       slsim cost-curve FILE... [--variant ...] --requests-per-month FROM:TO[:STEPS]\n"
    "       slsim tune FILE --function NAME [--memory 128,256,...] [--max-cost-per-million X]\n"
    "       slsim sweep FILE --vary PATH=V1,V2,... [--vary PATH=FROM:TO:STEPS[:log]] ...\n"
    "       slsim plot DIR                plot a results folder with gnuplot (PNG and SVG)\n"
    "       slsim exercise list | show N  the teaching exercises (scenarios/exercises/)\n"
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
    "  --no-plots           make no plots (by default gnuplot, when installed, plots the\n"
    "                       results folder; SLSIM_NO_PLOTS=1 in the environment does the same)\n"
    "\n"
    "\n"
    "compare, cost-curve, tune and sweep take --out, --seed, --replications, --threads, --duration,\n"
    "--set (for every variant), --quiet and --no-plots; every variant runs with the same seed and\n"
    "replications. compare with one FILE runs it as \"base\" and each --variant against it.\n"
    "\n"
    "exit status: 0 success, 2 bad usage or invalid scenario, 1 failure while running\n";

static int plots_off_by_env(void)
{
    const char *e = getenv("SLSIM_NO_PLOTS");
    return e && *e && strcmp(e, "0") != 0;
}

/* Prints a message on its own line, control characters and bytes that are not UTF-8
 * written \xNN: messages carry paths and names the user (or a file) gave. */
static void print_message(const char *msg)
{
    size_t size = 4 * strlen(msg) + 1;
    char *clean = malloc(size);
    if (clean)
        cfg_escape(clean, size, msg, NULL);
    fprintf(stderr, "%s\n", clean ? clean : msg);
    free(clean);
}

static int bad_usage(const char *fmt, const char *arg)
{
    char msg[8192];
    int n = snprintf(msg, sizeof msg, "slsim: ");
    snprintf(msg + n, sizeof msg - (size_t)n, fmt, arg);
    n = (int)strlen(msg);
    snprintf(msg + n, sizeof msg - (size_t)n, " (try 'slsim --help')");
    print_message(msg);
    return 2;
}

/* Whether a variant's name can stand in tables, CSV files and on a terminal as it is:
 * printable UTF-8, no comma or double quote. */
static int plain_name(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t k = cfg_utf8_length(s + i);
        if (k == 0 || s[i] == ',' || s[i] == '"')
            return 0;
        i += k;
    }
    return 1;
}

/* Whether s is written as a plain decimal number: an optional '-', digits, and (when
 * real) one '.' and an exponent — no spaces, '+', hexadecimal, inf or nan, which strtod and
 * strtoll would take. */
static int plain_number(const char *s, int real)
{
    const char *p = s + (*s == '-');
    if (!isdigit((unsigned char)*p) && !(real && *p == '.' && isdigit((unsigned char)p[1])))
        return 0;
    return strspn(p, real ? "0123456789.eE-+" : "0123456789") == strlen(p);
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    if (!plain_number(s, 0))
        return -1;
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
        if (n > 12 && !strncmp(res->names[i], "functions.", 10) && !strcmp(res->names[i] + n - 12, ".invocations"))
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

/* Splits "PATH=VALUE,PATH=VALUE" at the commas that are outside brackets and quotes. */
static size_t split_sets(char *list, const char **out, size_t max)
{
    size_t n = 0;
    int depth = 0, quoted = 0;
    char *start = list;
    for (char *p = list;; p++) {
        if (*p == '"' && (p == list || p[-1] != '\\'))
            quoted = !quoted;
        else if (!quoted && (*p == '[' || *p == '{'))
            depth++;
        else if (!quoted && (*p == ']' || *p == '}'))
            depth--;
        if (*p == '\0' || (*p == ',' && !quoted && depth == 0)) {
            int end = *p == '\0';
            *p = '\0';
            if (*start && n < max)
                out[n++] = start;
            if (end)
                break;
            start = p + 1;
        }
    }
    return n;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    if (!plain_number(s, 1))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* --vary PATH=V1,V2,... (split at top-level commas; each VALUE is JSON, or a string) or
 * PATH=FROM:TO:STEPS[:log] (STEPS numbers, evenly or log spaced). *text owns the strings.
 * Returns 0, 1 (out of memory) or 2 (message printed). */
static int parse_vary(const char *arg, study_vary *out, char **text)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return bad_usage("--vary: expected PATH=V1,V2,... or PATH=FROM:TO:STEPS[:log], got '%s'", arg);
    size_t len = strlen(arg);
    char *t = *text = malloc(len + 1 + 40 * 1001);
    if (!t) {
        fprintf(stderr, "slsim: out of memory\n");
        return 1;
    }
    memcpy(t, arg, len + 1);
    t[eq - arg] = '\0';
    out->path = t;
    char *list = t + (eq - arg) + 1;
    /* A range: numbers and colons only. */
    double from, to;
    long long steps;
    char buf[256];
    if (strlen(list) < sizeof buf && strspn(list, "0123456789.eE+-:log") == strlen(list) && strchr(list, ':')) {
        snprintf(buf, sizeof buf, "%s", list);
        char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
        if (c1)
            *c1 = '\0';
        if (c2)
            *c2 = '\0';
        if (c3)
            *c3 = '\0';
        int logscale = c3 && !strcmp(c3 + 1, "log");
        if (!c1 || !c2 || (c3 && !logscale) || parse_double(buf, -1e15, 1e15, &from) ||
            parse_double(c1 + 1, -1e15, 1e15, &to) || parse_int(c2 + 1, 2, 1000, &steps) ||
            (logscale && !(from > 0 && to > 0)))
            return bad_usage("--vary: expected PATH=FROM:TO:STEPS[:log] with 2 to 1000 steps (log: FROM "
                             "and TO above 0), got '%s'", arg);
        out->values = calloc((size_t)steps, sizeof *out->values);
        if (!out->values) {
            fprintf(stderr, "slsim: out of memory\n");
            return 1;
        }
        char *p = t + len + 1;
        for (long long i = 0; i < steps; i++) {
            double x = logscale ? from * pow(to / from, (double)i / (double)(steps - 1))
                                : from + (to - from) * (double)i / (double)(steps - 1);
            if (i == steps - 1)
                x = to;
            int w = snprintf(p, 40, "%.10g", x);
            out->values[i] = p;
            p += w + 1;
        }
        out->n = (size_t)steps;
        return 0;
    }
    out->values = calloc(len + 1, sizeof *out->values);
    if (!out->values) {
        fprintf(stderr, "slsim: out of memory\n");
        return 1;
    }
    out->n = split_sets(list, out->values, len + 1);
    if (!out->n)
        return bad_usage("--vary: no values in '%s'", arg);
    return 0;
}

/* compare, cost-curve, tune and sweep. */
static int study_main(const char *cmd, int argc, char **argv)
{
    int is_compare = !strcmp(cmd, "compare"), is_curve = !strcmp(cmd, "cost-curve");
    int is_tune = !strcmp(cmd, "tune"), is_sweep = !strcmp(cmd, "sweep");
    study_options o = { .common = { .seed = -1, .replications = -1, .duration_s = -1 } };
    const char **sets = calloc((size_t)argc, sizeof *sets);
    const char **files = calloc((size_t)argc, sizeof *files);
    char **vargs = calloc((size_t)argc, sizeof *vargs);
    const char **varies = calloc((size_t)argc, sizeof *varies);
    size_t n_files = 0, n_vargs = 0, n_varies = 0;
    study_vary *grid = NULL;
    char **grid_text = NULL;
    const char *function = NULL, *memory = NULL, *volumes = NULL;
    double max_cost = 0;
    long long threads = 0;
    int rc = 2;
    study_variant *v = NULL;
    const char **vsets = NULL;
    char *vbuf = NULL;
    if (!sets || !files || !vargs || !varies) {
        fprintf(stderr, "slsim: out of memory\n");
        rc = 1;
        goto out;
    }
    o.common.sets = sets;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] != '-') {
            files[n_files++] = a;
            continue;
        }
        char opt[64];
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        if (len >= sizeof opt) {
            rc = bad_usage("unknown option '%s'", a);
            goto out;
        }
        memcpy(opt, a, len);
        opt[len] = '\0';
        if (!strcmp(opt, "--quiet") || !strcmp(opt, "--no-plots")) {
            if (eq) {
                rc = bad_usage("option '%s' takes no value", opt);
                goto out;
            }
            if (!strcmp(opt, "--quiet"))
                o.quiet = 1;
            else
                o.no_plots = 1;
            continue;
        }
        static const char *const with_value[] = { "--out", "--seed", "--replications", "--threads",
            "--duration", "--set", "--variant", "--function", "--memory", "--max-cost-per-million",
            "--requests-per-month", "--vary", NULL };
        int known = 0;
        for (int k = 0; with_value[k]; k++)
            known |= !strcmp(opt, with_value[k]);
        if (!known) {
            rc = bad_usage("unknown option '%s'", a);
            goto out;
        }
        const char *val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (!val || !*val) {
            rc = bad_usage("option '%s' needs a value", opt);
            goto out;
        }
        long long n;
        if (!strcmp(opt, "--out")) {
            o.out_dir = val;
        } else if (!strcmp(opt, "--seed")) {
            if (parse_int(val, 0, 9007199254740991LL, &n)) {
                rc = bad_usage("--seed: expected an integer from 0 to 2^53-1, got '%s'", val);
                goto out;
            }
            o.common.seed = n;
        } else if (!strcmp(opt, "--replications")) {
            if (parse_int(val, 2, 1000, &n)) {
                rc = bad_usage("--replications: expected an integer from 2 to 1000 (a study needs a "
                               "confidence interval), got '%s'", val);
                goto out;
            }
            o.common.replications = n;
        } else if (!strcmp(opt, "--threads")) {
            if (parse_int(val, 1, 1024, &threads)) {
                rc = bad_usage("--threads: expected an integer from 1 to 1024, got '%s'", val);
                goto out;
            }
        } else if (!strcmp(opt, "--duration")) {
            if (parse_double(val, 1, 366 * 86400.0, &o.common.duration_s)) {
                rc = bad_usage("--duration: expected seconds from 1 to 31622400, got '%s'", val);
                goto out;
            }
        } else if (!strcmp(opt, "--set")) {
            sets[o.common.n_sets++] = val;
        } else if (!strcmp(opt, "--variant") && !is_tune) {
            const char *colon = strchr(val, ':');
            if (!colon || colon == val || colon - val >= 64 || !strchr(colon, '=')) {
                rc = bad_usage("--variant: expected NAME:PATH=VALUE[,PATH=VALUE]..., got '%s'", val);
                goto out;
            }
            if (!plain_name(val, (size_t)(colon - val))) {
                rc = bad_usage("--variant: a variant's name is printable text without commas or double "
                               "quotes (it heads table columns and CSV fields), got '%s'", val);
                goto out;
            }
            vargs[n_vargs++] = (char *)val;
        } else if (!strcmp(opt, "--function") && is_tune) {
            function = val;
        } else if (!strcmp(opt, "--memory") && is_tune) {
            memory = val;
        } else if (!strcmp(opt, "--max-cost-per-million") && is_tune) {
            if (parse_double(val, 1e-12, 1e12, &max_cost)) {
                rc = bad_usage("--max-cost-per-million: expected a positive number of USD, got '%s'", val);
                goto out;
            }
        } else if (!strcmp(opt, "--requests-per-month") && is_curve) {
            volumes = val;
        } else if (!strcmp(opt, "--vary") && is_sweep) {
            varies[n_varies++] = val;
        } else {
            rc = bad_usage("option '%s' does not go with this command", opt);
            goto out;
        }
    }
    o.threads = (int)threads;
    o.progress = !o.quiet && isatty(STDERR_FILENO);
    o.no_plots |= plots_off_by_env();
    if (n_files == 0) {
        rc = bad_usage("%s: missing scenario FILE", cmd);
        goto out;
    }
    if (n_vargs && n_files > 1) {
        rc = bad_usage("%s: --variant goes with one scenario FILE, not several", cmd);
        goto out;
    }
    if (is_sweep) {
        if (n_files != 1) {
            rc = bad_usage("%s: one scenario FILE", cmd);
            goto out;
        }
        if (!n_varies) {
            rc = bad_usage("%s: missing --vary PATH=V1,V2,... or --vary PATH=FROM:TO:STEPS[:log]", cmd);
            goto out;
        }
        grid = calloc(n_varies, sizeof *grid);
        grid_text = calloc(n_varies, sizeof *grid_text);
        if (!grid || !grid_text) {
            fprintf(stderr, "slsim: out of memory\n");
            rc = 1;
            goto out;
        }
        for (size_t k = 0; k < n_varies; k++) {
            rc = parse_vary(varies[k], &grid[k], &grid_text[k]);
            if (rc != 0)
                goto out;
        }
        char err[1024] = "";
        rc = study_sweep(files[0], grid, n_varies, &o, err, sizeof err);
        if (rc != 0)
            print_message(err);
        goto out;
    }
    if (is_tune && n_files > 1) {
        rc = bad_usage("%s: one scenario FILE at a time", cmd);
        goto out;
    }
    size_t nv = n_vargs ? n_vargs + 1 : n_files;
    if (is_compare && nv < 2) {
        rc = bad_usage("%s: nothing to compare: give two scenario files, or --variant", cmd);
        goto out;
    }
    v = calloc(nv, sizeof *v);
    vsets = calloc((size_t)argc * 64 + 1, sizeof *vsets);
    size_t total = 0;
    for (size_t k = 0; k < n_vargs; k++)
        total += strlen(vargs[k]) + 1;
    vbuf = malloc(total + 1);
    if (!v || !vsets || !vbuf) {
        fprintf(stderr, "slsim: out of memory\n");
        rc = 1;
        goto out;
    }
    if (!n_vargs) {
        for (size_t k = 0; k < n_files; k++) {
            const char *base = strrchr(files[k], '/');
            base = base ? base + 1 : files[k];
            snprintf(v[k].name, sizeof v[k].name, "%.*s", (int)(strcspn(base, ".") ? strcspn(base, ".") : strlen(base)), base);
            /* A file's name can hold anything: what cannot stand in a table becomes '_'. */
            for (char *p = v[k].name; *p;) {
                size_t len = cfg_utf8_length(p);
                if (len == 0 || *p == ',' || *p == '"') {
                    *p++ = '_';
                } else {
                    p += len;
                }
            }
            v[k].file = files[k];
        }
    } else {
        snprintf(v[0].name, sizeof v[0].name, "base");
        v[0].file = files[0];
        char *p = vbuf;
        size_t used = 0;
        for (size_t k = 0; k < n_vargs; k++) {
            strcpy(p, vargs[k]);
            char *colon = strchr(p, ':');
            *colon = '\0';
            snprintf(v[k + 1].name, sizeof v[k + 1].name, "%s", p);
            v[k + 1].file = files[0];
            v[k + 1].sets = vsets + used;
            v[k + 1].n_sets = split_sets(colon + 1, vsets + used, 64);
            used += v[k + 1].n_sets;
            p += strlen(vargs[k]) + 1;
        }
    }
    for (size_t a = 0; a < nv; a++)
        for (size_t b = a + 1; b < nv; b++)
            if (!strcmp(v[a].name, v[b].name)) {
                rc = bad_usage("two variants are named '%s'", v[a].name);
                goto out;
            }
    char err[1024] = "";
    if (is_compare) {
        rc = study_compare(v, nv, &o, err, sizeof err);
    } else if (is_curve) {
        double from, to;
        long long steps = 9;
        char buf[256];
        if (!volumes) {
            rc = bad_usage("%s: missing --requests-per-month FROM:TO[:STEPS]", cmd);
            goto out;
        }
        snprintf(buf, sizeof buf, "%s", volumes);
        char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c1)
            *c1 = '\0';
        if (c2)
            *c2 = '\0';
        if (!c1 || parse_double(buf, 1, 1e15, &from) || parse_double(c1 + 1, 1, 1e15, &to) || !(to > from) ||
            (c2 && parse_int(c2 + 1, 2, 100, &steps))) {
            rc = bad_usage("--requests-per-month: expected FROM:TO[:STEPS] with 1 <= FROM < TO and 2 to "
                           "100 steps, got '%s'", volumes);
            goto out;
        }
        rc = study_cost_curve(v, nv, &o, from, to, (int)steps, err, sizeof err);
    } else {
        if (!function) {
            rc = bad_usage("%s: missing --function NAME", cmd);
            goto out;
        }
        double mem[64];
        size_t nm = 0;
        char buf[1024];
        /* AWS Lambda Power Tuning's default sizes. */
        snprintf(buf, sizeof buf, "%s", memory ? memory : "128,256,512,1024,1536,3008");
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
            if (nm == 64 || parse_double(t, 128, 10240, &mem[nm]) || mem[nm] != floor(mem[nm])) {
                rc = bad_usage("--memory: expected up to 64 whole sizes from 128 to 10240 MB, got '%s'",
                               memory ? memory : "");
                goto out;
            }
            nm++;
        }
        rc = study_tune(&v[0], &o, function, mem, nm, max_cost, err, sizeof err);
    }
    if (rc != 0)
        print_message(err);
out:
    for (size_t k = 0; grid && k < n_varies; k++)
        free(grid[k].values);
    for (size_t k = 0; grid_text && k < n_varies; k++)
        free(grid_text[k]);
    free(grid);
    free(grid_text);
    free(varies);
    free(sets);
    free(files);
    free(vargs);
    free(v);
    free(vsets);
    free(vbuf);
    return rc;
}

static int slsim_main(int argc, char **argv);

/* The exercises' folder: scenarios/exercises beside the plot scripts' repository. */
static void exercises_dir(char *buf, size_t size)
{
    const char *plots = plot_scripts_dir();     /* .../scripts/plots */
    const char *cut = strstr(plots, "scripts/plots");
    if (cut)
        snprintf(buf, size, "%.*sscenarios/exercises", (int)(cut - plots), plots);
    else
        snprintf(buf, size, "scenarios/exercises");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* slsim exercise list | show N: the teaching exercises (scenarios/exercises/NN-*.md). */
static int exercise_main(int argc, char **argv)
{
    int list = argc == 3 && !strcmp(argv[2], "list");
    long long num = 0;
    if (!list && !(argc == 4 && !strcmp(argv[2], "show") && parse_int(argv[3], 1, 999, &num) == 0))
        return bad_usage("%s", "exercise: expected 'slsim exercise list' or 'slsim exercise show N'");
    char dir[4096];
    exercises_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open the exercises' folder: %s\n", dir, strerror(errno));
        return 1;
    }
    char *names[1000];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 1000;) {
        size_t len = strlen(e->d_name);
        if (len > 6 && isdigit((unsigned char)e->d_name[0]) && !strcmp(e->d_name + len - 3, ".md"))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int rc = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        long k = strtol(names[i], NULL, 10);
        if (!list && k != num)
            continue;
        FILE *f = fopen(path, "r");
        char line[1024] = "";
        if (f && list) {
            /* Its title: the first line, without the leading "# ". */
            if (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = '\0';
                printf("%3ld  %s\n", k, line[0] == '#' ? line + strspn(line, "# ") : line);
            }
        } else if (f) {
            size_t got;
            char buf[4096];
            while ((got = fread(buf, 1, sizeof buf, f)) > 0)
                fwrite(buf, 1, got, stdout);
            found = 1;
        }
        if (f)
            fclose(f);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    if (!list && !found) {
        fprintf(stderr, "slsim: exercise %lld: no such exercise (slsim exercise list)\n", num);
        rc = 2;
    }
    return rc;
}

/* Under MPI (make MPI=1) every rank runs the same command; only a sweep splits its work. */
int main(int argc, char **argv)
{
#ifdef SLSIM_MPI
    MPI_Init(&argc, &argv);
    int rc = slsim_main(argc, argv);
    MPI_Finalize();
    return rc;
#else
    return slsim_main(argc, argv);
#endif
}

static int slsim_main(int argc, char **argv)
{
    rng_library_init();
    signal(SIGPIPE, SIG_IGN);
    outdir_signals_install();
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
    if (!strcmp(cmd, "exercise"))
        return exercise_main(argc, argv);
    if (!strcmp(cmd, "plot")) {
        if (argc != 3 || argv[2][0] == '-')
            return bad_usage("%s", "plot: expected one results folder: slsim plot DIR");
        struct stat st;
        if (stat(argv[2], &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "%s: not a results folder\n", argv[2]);
            return 2;
        }
        int made = plot_dir(argv[2], NULL, stderr);
        if (outdir_relist(argv[2]) != 0) {
            fprintf(stderr, "%s: cannot update the list of files in its summary.json\n", argv[2]);
            return 1;
        }
        if (made < 0)
            return 1;
        if (made == 0) {
            fprintf(stderr, "%s: nothing to plot (no latency.csv, timeseries.csv, cost.csv, "
                    "compare-cost.csv, cost-curve.dat, sweep.dat or tune.csv)\n", argv[2]);
            return 2;
        }
        printf("%d plot%s in %s/ (plot-*.png, plot-*.svg)\n", made, made == 1 ? "" : "s", argv[2]);
        return 0;
    }
    int is_run = !strcmp(cmd, "run"), is_validate = !strcmp(cmd, "validate");
    if (!strcmp(cmd, "compare") || !strcmp(cmd, "cost-curve") || !strcmp(cmd, "tune") ||
        !strcmp(cmd, "sweep"))
        return study_main(cmd, argc, argv);
    if (!is_run && !is_validate)
        return bad_usage("unknown command '%s'", cmd);

    const char *file = NULL, *out_dir = NULL;
    world_overrides o = { .seed = -1, .replications = -1, .duration_s = -1 };
    const char **sets = calloc((size_t)argc, sizeof *sets);
    long long threads = 0;
    int quiet = 0, print_config = 0, stats = 0, no_plots = plots_off_by_env();
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
                double d;
                if (parse_double(val, 1, 366 * 86400.0, &d)) {
                    rc = bad_usage("--duration: expected seconds from 1 to 31622400, got '%s'", val);
                    goto out;
                }
                o.duration_s = d;
            } else if (!strcmp(opt, "--set")) {
                sets[o.n_sets++] = val;
            } else if (!strcmp(opt, "--quiet") && is_run) {
                quiet = 1;
            } else if (!strcmp(opt, "--no-plots") && is_run) {
                no_plots = 1;
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
        print_message(err);
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
    /* The folder is checked (and staged) before the simulation, not after an hour of it. */
    outdir od;
    if (outdir_begin(&od, dir, err, sizeof err) != 0) {
        print_message(err);
        world_spec_free(spec);
        rc = 2;
        goto out;
    }

    int progress = !quiet && isatty(STDERR_FILENO);
    double t0 = wall_seconds();
    run_result res;
    if (run_scenario_progress(spec, (int)threads, progress ? stderr : NULL, &res, err, sizeof err) != 0) {
        print_message(err);
        outdir_abort(&od);
        run_result_free(&res);
        world_spec_free(spec);
        rc = 1;
        goto out;
    }
    double elapsed = wall_seconds() - t0;
    /* Everything into the staging folder, summary.json last (it lists the files), then the
     * folder is swapped in whole. */
    int plots = 0, failed = report_write(&res, od.staging, err, sizeof err) != 0;
    if (!failed && !no_plots)
        plots = plot_dir(od.staging, spec->name, stderr);   /* no plots is no failure */
    failed = failed || html_report(&res, od.staging, err, sizeof err) != 0 ||
             report_write_summary(&res, od.staging, err, sizeof err) != 0 ||
             outdir_commit(&od, err, sizeof err) != 0;
    if (failed) {
        outdir_message(&od, err, sizeof err);
        print_message(err);
        outdir_abort(&od);
        rc = 1;
    } else {
        rc = 0;
        if (!quiet) {
            report_print(&res, stdout);
            bool fns = run_value(&res, "platform.functions", NULL) > 0;
            printf("\nResults in %s/ (summary.json, latency.csv, timeseries.csv%s%s)\n", dir,
                   fns ? ", functions.csv" : "", res.trace ? ", trace.csv" : "");
            if (plots > 0)
                printf("Plots in %s/ (plot-*.png, plot-*.svg)\n", dir);
            printf("Report page: %s/report.html\n", dir);
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
