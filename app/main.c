/* main.c — the slsim command line: the composition root. app/cli.c parses the command
 * line from its one table; this file runs what it asked for.
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
#include "app/calibrate.h"
#include "app/cli.h"
#include "app/numfmt.h"
#include "app/outdir.h"
#include "app/partition.h"
#include "app/graph.h"
#include "app/plot.h"
#include "app/study.h"
#include "app/warmup.h"
#include "app/window.h"
#include "models/world.h"
#include "sim/rng.h"

#define SLSIM_VERSION "0.1.0"

static int plots_off_by_env(void)
{
    const char *e = getenv("SLSIM_NO_PLOTS");
    return e && *e && strcmp(e, "0") != 0;
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
            "(%.3g M/s), messages %.0f (%.3g M/s), peak memory %.1f MB", threads,
            elapsed, (double)res->events, res->events / elapsed / 1e6, invocations,
            invocations / elapsed / 1e6, messages, messages / elapsed / 1e6, ru.ru_maxrss / 1024.0);
    if (threads == 1 && res->spec->partition_blocks <= 1)   /* a partitioned run's worlds are per block */
        fprintf(stderr, ", simulation heap %.0f KB", res->world_heap / 1024.0);
    fprintf(stderr, "\n");
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

/* --vary PATH=V1,V2,... (split at top-level commas; each VALUE is JSON, or a string) or
 * PATH=FROM:TO:STEPS[:log] (STEPS numbers, evenly or log spaced). *text owns the strings.
 * Returns 0, 1 (out of memory) or 2 (message printed). */
static int parse_vary(const char *arg, study_vary *out, char **text)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return cli_bad_usage("--vary: expected PATH=V1,V2,... or PATH=FROM:TO:STEPS[:log], got '%s'", arg);
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
        if (!c1 || !c2 || (c3 && !logscale) || cli_parse_double(buf, -1e15, 1e15, &from) ||
            cli_parse_double(c1 + 1, -1e15, 1e15, &to) || cli_parse_int(c2 + 1, 2, 1000, &steps) ||
            (logscale && !(from > 0 && to > 0)))
            return cli_bad_usage("--vary: expected PATH=FROM:TO:STEPS[:log] with 2 to 1000 steps (log: FROM "
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
        return cli_bad_usage("--vary: no values in '%s'", arg);
    return 0;
}

/* compare, cost-curve, tune and sweep. */
static int study_main(const cli_args *a)
{
    const char *cmd = a->command->name;
    int is_compare = a->command->id == CLI_COMPARE, is_curve = a->command->id == CLI_COST_CURVE;
    int is_tune = a->command->id == CLI_TUNE, is_sweep = a->command->id == CLI_SWEEP;
    study_options o = { .common = a->common, .out_dir = a->out_dir, .quiet = a->quiet,
                        .no_plots = a->no_plots, .slo = a->slos, .n_slo = a->n_slos,
                        .precision = a->precision, .n_precision = a->n_precision,
                        .precision_text = a->precision_text,
                        .max_replications = (unsigned)a->max_replications };
    const char *const *files = a->operands, *const *vargs = a->variants;
    size_t n_files = a->n_operands, n_vargs = a->n_variants, n_varies = a->n_varies;
    const char *function = a->function, *memory = a->memory, *volumes = a->volumes;
    double max_cost = a->max_cost_per_million;
    study_vary *grid = NULL;
    char **grid_text = NULL;
    int rc = 2;
    study_variant *v = NULL;
    const char **vsets = NULL;
    char *vbuf = NULL;
    o.threads = (int)a->threads;
    o.progress = !o.quiet && isatty(STDERR_FILENO);
    o.no_plots |= plots_off_by_env();
    if (n_files == 0) {
        rc = cli_bad_usage("%s: missing scenario FILE", cmd);
        goto out;
    }
    if (n_vargs && n_files > 1) {
        rc = cli_bad_usage("%s: --variant goes with one scenario FILE, not several", cmd);
        goto out;
    }
    if (is_sweep) {
        if (n_files != 1) {
            rc = cli_bad_usage("%s: one scenario FILE", cmd);
            goto out;
        }
        if (!n_varies) {
            rc = cli_bad_usage("%s: missing --vary PATH=V1,V2,... or --vary PATH=FROM:TO:STEPS[:log]", cmd);
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
            rc = parse_vary(a->varies[k], &grid[k], &grid_text[k]);
            if (rc != 0)
                goto out;
        }
        char err[1024] = "";
        /* The window: whole periods of the traffic unless --duration says otherwise, or the
         * sweep varies the window itself (--duration would override its values). */
        bool varies_window = false;
        for (size_t k = 0; k < n_varies; k++)
            varies_window |= !strcmp(grid[k].path, "duration_s");
        study_variant whole = { .name = "base", .file = files[0] };
        rc = study_windows(&whole, 1, &o, cmd, !varies_window, err, sizeof err);
        if (rc == 0 && whole.duration_s > 0)
            o.common.duration_s = whole.duration_s;
        if (rc == 0)
            rc = study_warmup(&whole, 1, &o, err, sizeof err);
        if (rc == 0)
            rc = study_sweep(files[0], grid, n_varies, &o, err, sizeof err);
        if (rc != 0)
            cli_print_message(err);
        goto out;
    }
    if (is_tune && n_files > 1) {
        rc = cli_bad_usage("%s: one scenario FILE at a time", cmd);
        goto out;
    }
    size_t nv = n_vargs ? n_vargs + 1 : n_files;
    if (is_compare && nv < 2) {
        rc = cli_bad_usage("%s: nothing to compare: give two scenario files, or --variant", cmd);
        goto out;
    }
    v = calloc(nv, sizeof *v);
    vsets = calloc((n_vargs + 1) * 64 + 1, sizeof *vsets);
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
                rc = cli_bad_usage("two variants are named '%s'", v[a].name);
                goto out;
            }
    char err[1024] = "";
    rc = study_windows(v, is_tune ? 1 : nv, &o, cmd, true, err, sizeof err);
    if (rc == 0)
        rc = study_warmup(v, is_tune ? 1 : nv, &o, err, sizeof err);
    if (rc != 0) {
        cli_print_message(err);
        goto out;
    }
    if (is_compare) {
        rc = study_compare(v, nv, &o, err, sizeof err);
    } else if (is_curve) {
        double from, to;
        long long steps = 9;
        char buf[256];
        if (!volumes) {
            rc = cli_bad_usage("%s: missing --requests-per-month FROM:TO[:STEPS]", cmd);
            goto out;
        }
        snprintf(buf, sizeof buf, "%s", volumes);
        char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c1)
            *c1 = '\0';
        if (c2)
            *c2 = '\0';
        if (!c1 || cli_parse_double(buf, 1, 1e15, &from) || cli_parse_double(c1 + 1, 1, 1e15, &to) || !(to > from) ||
            (c2 && cli_parse_int(c2 + 1, 2, 100, &steps))) {
            rc = cli_bad_usage("--requests-per-month: expected FROM:TO[:STEPS] with 1 <= FROM < TO and 2 to "
                           "100 steps, got '%s'", volumes);
            goto out;
        }
        rc = study_cost_curve(v, nv, &o, from, to, (int)steps, err, sizeof err);
    } else {
        if (!function) {
            rc = cli_bad_usage("%s: missing --function NAME", cmd);
            goto out;
        }
        double mem[64];
        size_t nm = 0;
        char buf[1024];
        /* AWS Lambda Power Tuning's default sizes. */
        snprintf(buf, sizeof buf, "%s", memory ? memory : "128,256,512,1024,1536,3008");
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
            if (nm == 64 || cli_parse_double(t, 128, 10240, &mem[nm]) || mem[nm] != floor(mem[nm])) {
                rc = cli_bad_usage("--memory: expected up to 64 whole sizes from 128 to 10240 MB, got '%s'",
                               memory ? memory : "");
                goto out;
            }
            nm++;
        }
        rc = study_tune(&v[0], &o, function, mem, nm, max_cost, err, sizeof err);
    }
    if (rc != 0)
        cli_print_message(err);
out:
    for (size_t k = 0; grid && k < n_varies; k++)
        free(grid[k].values);
    for (size_t k = 0; grid_text && k < n_varies; k++)
        free(grid_text[k]);
    free(grid);
    free(grid_text);
    free(v);
    free(vsets);
    free(vbuf);
    return rc;
}

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

/* slsim exercise list | show N: the teaching exercises (scenarios/exercises/NN-*.md). An N
 * that names no page (0, 19, -1, abc) is refused with the numbers there are. */
static int exercise_main(const cli_args *a)
{
    int list = a->n_operands == 1 && !strcmp(a->operands[0], "list");
    int show = a->n_operands == 2 && !strcmp(a->operands[0], "show");
    if (!list && !show)
        return cli_bad_usage("%s", "exercise: expected 'slsim exercise list' or 'slsim exercise show N'");
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
    long first = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        long k = names[i] ? strtol(names[i], NULL, 10) : 0;
        if (k > 0 && (first == 0 || k < first))
            first = k;
        last = k > last ? k : last;
    }
    long long num = 0;
    int rc = 0, found = 0;
    if (show && cli_parse_int(a->operands[1], 1, 999, &num) != 0)
        num = 0;    /* not a number of a page: no page matches, and the message says which are */
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
    if (show && !found) {
        char msg[sizeof dir + 256];
        if (first > 0)
            snprintf(msg, sizeof msg, "slsim: exercise '%.64s': no such exercise; the exercises are numbered "
                     "%ld to %ld (slsim exercise list)", a->operands[1], first, last);
        else
            snprintf(msg, sizeof msg, "slsim: exercise '%.64s': no such exercise; %s holds none", a->operands[1],
                     dir);
        cli_print_message(msg);
        rc = 2;
    }
    return rc;
}

/* slsim plot DIR: plots an existing results folder and lists the plots in its summary. */
static int plot_main(const cli_args *a)
{
    if (a->n_operands != 1 || a->operands[0][0] == '-')
        return cli_bad_usage("%s", "plot: expected one results folder: slsim plot DIR");
    const char *dir = a->operands[0];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: not a results folder\n", dir);
        return 2;
    }
    int made = plot_dir(dir, NULL, stderr);
    if (outdir_relist(dir) != 0) {
        fprintf(stderr, "%s: cannot update the list of files in its summary.json\n", dir);
        return 1;
    }
    if (made < 0)
        return 1;
    if (made == 0) {
        fprintf(stderr, "%s: nothing to plot (no latency.csv, timeseries.csv, cost.csv, "
                "compare-cost.csv, cost-curve.dat, sweep.dat or tune.csv)\n", dir);
        return 2;
    }
    printf("%d plot%s in %s/ (plot-*.png, plot-*.svg)\n", made, made == 1 ? "" : "s", dir);
    return 0;
}

/* slsim run FILE and slsim validate FILE. */
static int run_main(const cli_args *a)
{
    const char *cmd = a->command->name;
    int is_validate = a->command->id == CLI_VALIDATE;
    const char *out_dir = a->out_dir;
    world_overrides o = a->common;
    long long threads = a->threads;
    int quiet = a->quiet, print_config = a->print_config, stats = a->stats;
    int no_plots = a->no_plots || plots_off_by_env();
    int rc = 2;
    char warmup_set[64] = "", warmup_how[400] = "";
    const char **sets_plus = NULL;     /* --set's and the chosen warm-up's */
    if (a->n_operands > 1)
        return cli_bad_usage("unexpected argument '%s' (one scenario file at a time)", a->operands[1]);
    if (a->n_operands == 0)
        return cli_bad_usage("%s: missing scenario FILE", cmd);
    const char *file = a->operands[0];

    char err[1024] = "";
    world_spec *spec = world_spec_load(file, &o, err, sizeof err);
    if (!spec) {
        cli_print_message(err);
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
    if (!print_config) {
        /* Before the run: a window shorter than the traffic's period measures part of it. */
        char warn[1536], msg[1600];
        if (window_warning(spec, warn, sizeof warn)) {
            snprintf(msg, sizeof msg, "slsim: warning: %s", warn);
            cli_print_message(msg);
        }
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
    if (spec->warmup_auto && partition_spread(spec)) {
        cli_print_message("slsim: warmup_s: \"auto\" runs a pilot, which a partitioned replay spread over MPI "
                          "ranks does not; give the warm-up in seconds (one process's run says the value)");
        world_spec_free(spec);
        rc = 2;
        goto out;
    }
    if (partition_is_worker(spec)) {
        /* An MPI rank other than 0 in a partitioned replay: simulates its blocks and sends
         * them to rank 0, which writes the results. */
        run_result res;
        if (!a->n_precision) {
            rc = run_scenario(spec, (int)threads, &res, err, sizeof err) == 0 ? 0 : 1;
            run_result_free(&res);
            world_spec_free(spec);
            goto out;
        }
        /* --precision: every batch rank 0 runs (precision_run), until it sends 0. */
        unsigned reps = precision_start(spec->replications, (unsigned)a->max_replications);
        world_spec_free(spec);
        for (rc = 0;;) {
            world_overrides batch = o;
            batch.replications = reps;
            world_spec *s = world_spec_load(file, &batch, err, sizeof err);
            if (!s) {
                rc = 2;
                break;
            }
            rc = run_scenario(s, (int)threads, &res, err, sizeof err) == 0 ? 0 : 1;
            run_result_free(&res);
            unsigned next = partition_next_batch(s, 0);
            world_spec_free(s);
            if (rc != 0 || !next)
                break;
            reps = next;
        }
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
        cli_print_message(err);
        partition_abandon(spec);
        world_spec_free(spec);
        rc = 2;
        goto out;
    }

    int progress = !quiet && isatty(STDERR_FILENO);
    double t0 = wall_seconds();
    /* "warmup_s": "auto": chosen from a pilot run, then set like --set warmup_s=N. */
    if (spec->warmup_auto) {
        double chosen = 0;
        int wrc = warmup_choose(file, &o, (int)threads, &chosen, warmup_how, sizeof warmup_how, err, sizeof err);
        sets_plus = wrc == 0 ? calloc(o.n_sets + 1, sizeof *sets_plus) : NULL;
        world_spec *again = NULL;
        if (sets_plus) {
            memcpy(sets_plus, o.sets, o.n_sets * sizeof *sets_plus);
            snprintf(warmup_set, sizeof warmup_set, "warmup_s=%.17g", chosen);
            sets_plus[o.n_sets] = warmup_set;
            o.sets = sets_plus;
            o.n_sets++;
            again = world_spec_load(file, &o, err, sizeof err);
        } else if (wrc == 0) {
            snprintf(err, sizeof err, "slsim: out of memory");
        }
        if (!again) {
            cli_print_message(err);
            outdir_abort(&od);
            world_spec_free(spec);
            rc = wrc == 2 ? 2 : 1;
            goto out;
        }
        world_spec_free(spec);
        spec = again;
    }
    run_result res;
    static run_precision prec;      /* the result points to it until the end */
    int failed_run;
    if (a->n_precision) {
        /* Replications added until the figures are precise enough: the final run's spec
         * (its replication count) replaces the one loaded above. */
        world_spec *final = NULL;
        memset(&prec, 0, sizeof prec);
        snprintf(prec.asked, sizeof prec.asked, "%s", a->precision_text);
        failed_run = precision_run(file, &o, a->precision, a->n_precision, (unsigned)a->max_replications,
                                   (int)threads, progress ? stderr : NULL, &final, &res, &prec, err,
                                   sizeof err) != 0;
        world_spec_free(spec);
        spec = final;
    } else {
        failed_run = run_scenario_progress(spec, (int)threads, progress ? stderr : NULL, &res, err,
                                           sizeof err) != 0;
    }
    if (failed_run) {
        cli_print_message(err);
        if (spec)
            partition_abandon(spec);    /* under MPI, the other ranks would wait on rank 0 */
        outdir_abort(&od);
        run_result_free(&res);
        world_spec_free(spec);
        rc = 1;
        goto out;
    }
    double elapsed = wall_seconds() - t0;
    if (warmup_set[0]) {
        char secs[48];
        num_grouped(secs, sizeof secs, spec->warmup_s, 0);
        snprintf(res.warmup_note, sizeof res.warmup_note, "Warm-up auto: %s s, from %s", secs, warmup_how);
    } else {
        res.warmup_short = warmup_too_short(&res, res.warmup_note, sizeof res.warmup_note);
    }
    /* Everything into the staging folder, summary.json last (it lists the files), then the
     * folder is swapped in whole. The plots read their marks (percentiles) from a first
     * summary.json, which the last one replaces (without plots there is no first: a
     * platform's summary takes seconds to write). */
    int plots = 0, failed = report_write(&res, od.staging, err, sizeof err) != 0 ||
                            (!no_plots && report_write_summary(&res, od.staging, err, sizeof err) != 0);
    if (!failed && !no_plots)
        plots = plot_dir(od.staging, spec->name, stderr);   /* no plots is no failure */
    /* The architecture: its DOT always, its picture with the plots (no dot is no failure). */
    failed = failed || graph_write(&res, od.staging, !no_plots, stderr, err, sizeof err) != 0;
    failed = failed || html_report(&res, od.staging, err, sizeof err) != 0 ||
             report_write_summary(&res, od.staging, err, sizeof err) != 0 ||
             outdir_commit(&od, err, sizeof err) != 0;
    if (failed) {
        outdir_message(&od, err, sizeof err);
        cli_print_message(err);
        outdir_abort(&od);
        rc = 1;
    } else {
        rc = 0;
        if (!quiet) {
            report_print(&res, stdout);
            bool fns = run_value(&res, "platform.functions", NULL) > 0;
            printf("\nResults in %s/ (summary.json, latency.csv, timeseries.csv%s%s%s)\n", dir,
                   res.spec->pipelines ? ", work-latency.csv" : "", fns ? ", functions.csv" : "",
                   res.trace ? ", trace.csv" : "");
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
    free(sets_plus);
    return rc;
}

static int slsim_main(int argc, char **argv)
{
    rng_library_init();
    signal(SIGPIPE, SIG_IGN);
    outdir_signals_install();
    if (argc < 2)
        return cli_bad_usage("%s", "missing command");
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        cli_print_usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version")) {
        printf("slsim %s\n", SLSIM_VERSION);
        return 0;
    }
    const cli_command *command = cli_command_find(name);
    if (!command)
        return cli_bad_usage("unknown command '%s'", name);
    cli_args a;
    int rc = cli_parse(command, argc, argv, &a);
    if (rc == -1) {
        rc = 0;     /* --help */
    } else if (rc == 0) {
        switch (command->id) {
        case CLI_RUN: case CLI_VALIDATE: rc = run_main(&a); break;
        case CLI_COMPARE: case CLI_COST_CURVE: case CLI_TUNE: case CLI_SWEEP: rc = study_main(&a); break;
        case CLI_PLOT: rc = plot_main(&a); break;
        case CLI_EXERCISE: rc = exercise_main(&a); break;
        case CLI_CALIBRATE: rc = calibrate_main(&a); break;
        case CLI_N_COMMANDS: rc = 2; break;
        }
    }
    cli_args_free(&a);
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
