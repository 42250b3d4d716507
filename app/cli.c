/* cli.c — the command table, its parser and the help made from it.
 *
 * Invariant: cli_commands[i].id == i and cli_options[i].id == i (the parser and the
 * handlers index by id); every option takes --help's commands' subset, --help takes all. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"

/* ---- the table ---------------------------------------------------------------------- */

#define RUN       CLI_BIT(CLI_RUN)
#define VALIDATE  CLI_BIT(CLI_VALIDATE)
#define ALL       ((1u << CLI_N_COMMANDS) - 1)

const cli_command cli_commands[CLI_N_COMMANDS] = {
    { CLI_RUN, "run", "run FILE [options]", "simulate a scenario and report", NULL },
    { CLI_VALIDATE, "validate", "validate FILE [--set PATH=VALUE]...",
      "check a scenario and say whether it is valid", NULL },
    { CLI_COMPARE, "compare",
      "compare A.json B.json ... [options]\n"
      "compare FILE --variant NAME:PATH=VALUE[,PATH=VALUE]... [--variant ...] [options]",
      "run variants side by side (common random numbers)",
      "Every variant runs with the same seed and replications, so their differences are paired.\n"
      "With one FILE, it runs as \"base\" and each --variant against it." },
    { CLI_COST_CURVE, "cost-curve",
      "cost-curve FILE... [--variant ...] --requests-per-month FROM:TO[:STEPS] [options]",
      "monthly cost against volume, and the break-even volumes",
      "Every variant runs with the same seed and replications." },
    { CLI_TUNE, "tune",
      "tune FILE --function NAME [--memory 128,256,...] [--max-cost-per-million X] [options]",
      "a function's memory sizes side by side: latency against cost", NULL },
    { CLI_SWEEP, "sweep",
      "sweep FILE --vary PATH=V1,V2,... [--vary PATH=FROM:TO:STEPS[:log]] ... [options]",
      "run every point of a grid of varied keys (common random numbers)",
      "The first --vary varies slowest. A point that is not a valid scenario is reported and\n"
      "skipped. Built with MPI (make MPI=1), `mpirun -n N slsim sweep ...` spreads the points." },
    { CLI_PLOT, "plot", "plot DIR", "plot a results folder with gnuplot (PNG and SVG)", NULL },
    { CLI_EXERCISE, "exercise", "exercise list | show N",
      "the teaching exercises (scenarios/exercises/)", NULL },
    { CLI_CALIBRATE, "calibrate", "calibrate LOG... --out FILE",
      "a scenario fitted to Lambda's REPORT logs, and the model checked against them",
      "LOG: raw CloudWatch lines, Logs Insights CSV or JSON, filter-log-events JSON (one\n"
      "function a file, named by its @log column or the file's name). Writes FILE, then\n"
      "replays the logs through the fitted functions and prints model against logs." },
};

const cli_option cli_options[CLI_N_OPTIONS] = {
    { CLI_HELP, "--help", NULL, ALL, "print this command's usage and options, and stop" },
    { CLI_OUT, "--out", "DIR", RUN | CLI_STUDIES | CLI_BIT(CLI_CALIBRATE),
      "results folder (default results/<scenario name>; for a study\n"
      "results/<first scenario>-<command>; for calibrate the scenario file)" },
    { CLI_SEED, "--seed", "N", RUN | CLI_STUDIES, "override the scenario's seed" },
    { CLI_REPLICATIONS, "--replications", "N", RUN | CLI_STUDIES,
      "override the number of replications (1 to 1000; a study needs 2\n"
      "or more, for its confidence intervals)" },
    { CLI_THREADS, "--threads", "N", RUN | CLI_STUDIES,
      "OpenMP threads for replications (default: all cores)" },
    { CLI_DURATION, "--duration", "S", RUN | CLI_STUDIES, "override the measured window, in seconds" },
    { CLI_SET, "--set", "PATH=VALUE", RUN | VALIDATE | CLI_STUDIES,
      "override any key, e.g. --set components[0].memory_mb=1024\n"
      "(repeatable; VALUE is JSON, or a string; a study's apply to\n"
      "every variant)" },
    { CLI_QUIET, "--quiet", NULL, RUN | CLI_STUDIES, "print no report (files are still written)" },
    { CLI_PRINT_CONFIG, "--print-config", NULL, RUN,
      "print the scenario with every default filled in, and stop" },
    { CLI_STATS, "--stats", NULL, RUN,
      "print wall time, simulated invocations per second and peak\nmemory on stderr" },
    { CLI_NO_PLOTS, "--no-plots", NULL, RUN | CLI_STUDIES,
      "make no plots (by default gnuplot, when installed, plots the\n"
      "results folder; SLSIM_NO_PLOTS=1 in the environment does the same)" },
    { CLI_VARIANT, "--variant", "NAME:PATH=VALUE[,PATH=VALUE]...",
      CLI_BIT(CLI_COMPARE) | CLI_BIT(CLI_COST_CURVE),
      "a variant of the one FILE: its name (printable, no comma or double\n"
      "quote) and its overrides, as --set takes them (repeatable)" },
    { CLI_REQUESTS_PER_MONTH, "--requests-per-month", "FROM:TO[:STEPS]", CLI_BIT(CLI_COST_CURVE),
      "the volumes, STEPS (2 to 100, default 9) on a log scale, 1 <= FROM < TO" },
    { CLI_FUNCTION, "--function", "NAME", CLI_BIT(CLI_TUNE), "the function whose memory is tuned" },
    { CLI_MEMORY, "--memory", "MB,MB,...", CLI_BIT(CLI_TUNE),
      "the sizes to try, up to 64, 128 to 10240 MB\n(default 128,256,512,1024,1536,3008)" },
    { CLI_MAX_COST, "--max-cost-per-million", "USD", CLI_BIT(CLI_TUNE),
      "the most a million requests may cost (default: 10% above the\ncheapest size)" },
    { CLI_VARY, "--vary", "PATH=V1,V2,...|PATH=FROM:TO:STEPS[:log]", CLI_BIT(CLI_SWEEP),
      "a varied key, as --set names it: its values (JSON, or strings), or\n"
      "STEPS (2 to 1000) numbers evenly or log spaced (repeatable)" },
    { CLI_SLO, "--slo", "EXPR", CLI_STUDIES,
      "a service level every variant must meet to be named cheapest:\n"
      "p99<=500ms (also p50, p90, p95, p999, mean, max: latency in ms,\n"
      "s, min or h), failed<=0.1% (also throttled, timed_out, dropped,\n"
      "dead_lettered, expired, completed>=, in_flight: shares of arrived\n"
      "requests), lost<=1% and work.p99<=60s (pipelines' work), cost<=500\n"
      "(monthly), or a figure of summary.json by name\n"
      "(functions.api.cold_start_ratio<=1%); repeatable, all must hold.\n"
      "A saturated variant is never cheapest under --slo" },
    { CLI_PRECISION, "--precision", "TARGET", RUN | CLI_STUDIES,
      "add replications until the answer is this precise (95% half-width):\n"
      "2% (p99 latency and monthly cost within 2% of their value, the\n"
      "share of requests completed within 2 points), or NAME=VALUE for\n"
      "one figure, --slo's names: p99=5ms, cost=1%, failed=0.1% (points);\n"
      "repeatable; a study adds them to every variant alike" },
    { CLI_MAX_REPLICATIONS, "--max-replications", "N", RUN | CLI_STUDIES,
      "with --precision: stop at N replications (2 to 1000, default 100)\n"
      "and say which figures are short of it" },
};

#undef RUN
#undef VALIDATE
#undef ALL

/* ---- help --------------------------------------------------------------------------- */

/* Prints text's lines, every one but the first after indent spaces. */
static void print_lines(FILE *f, const char *text, int indent)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        fprintf(f, "%.*s\n", (int)n, p);
        p += n;
        if (*p == '\n' && *++p)
            fprintf(f, "%*s", indent, "");
    }
}

static void print_option(FILE *f, const cli_option *o)
{
    char head[128];
    snprintf(head, sizeof head, "%s%s%s", o->name, o->value ? " " : "", o->value ? o->value : "");
    if (strlen(head) > 20)
        fprintf(f, "  %s\n%23s", head, "");
    else
        fprintf(f, "  %-20s ", head);
    print_lines(f, o->help, 23);
}

static const char exit_statuses[] =
    "exit status: 0 success, 2 bad usage or invalid scenario, 1 failure while running\n";

void cli_print_usage(FILE *f)
{
    const char *lead = "usage: ";
    for (size_t i = 0; i < CLI_N_COMMANDS; i++)
        for (const char *p = cli_commands[i].synopsis; *p;) {
            size_t n = strcspn(p, "\n");
            fprintf(f, "%sslsim %.*s\n", lead, (int)n, p);
            lead = "       ";
            p += n + (p[n] == '\n');
        }
    fprintf(f, "%sslsim --help | --version | COMMAND --help\n\ncommands:\n", lead);
    for (size_t i = 0; i < CLI_N_COMMANDS; i++)
        fprintf(f, "  %-12s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fprintf(f, "\noptions for run:\n");
    for (size_t k = 0; k < CLI_N_OPTIONS; k++)
        if (cli_takes(&cli_commands[CLI_RUN], &cli_options[k]))
            print_option(f, &cli_options[k]);
    fprintf(f, "\n'slsim COMMAND --help' lists a command's own options: compare, cost-curve, tune and\n"
               "sweep take --out, --seed, --replications, --threads, --duration, --set (for every\n"
               "variant), --quiet and --no-plots as run does, and --slo.\n\n%s", exit_statuses);
}

void cli_print_help(const cli_command *c, FILE *f)
{
    const char *lead = "usage: ";
    for (const char *p = c->synopsis; *p;) {
        size_t n = strcspn(p, "\n");
        fprintf(f, "%sslsim %.*s\n", lead, (int)n, p);
        lead = "       ";
        p += n + (p[n] == '\n');
    }
    fprintf(f, "\n%c%s.\n", toupper((unsigned char)c->summary[0]), c->summary + 1);
    if (c->notes)
        fprintf(f, "%s\n", c->notes);
    fprintf(f, "\noptions:\n");
    for (size_t k = 0; k < CLI_N_OPTIONS; k++)
        if (cli_takes(c, &cli_options[k]))
            print_option(f, &cli_options[k]);
    fprintf(f, "\n%s", exit_statuses);
}

/* ---- messages and numbers ------------------------------------------------------------ */

void cli_print_message(const char *msg)
{
    size_t size = 4 * strlen(msg) + 1;
    char *clean = malloc(size);
    if (clean)
        cfg_escape(clean, size, msg, NULL);
    fprintf(stderr, "%s\n", clean ? clean : msg);
    free(clean);
}

int cli_bad_usage(const char *fmt, const char *arg)
{
    char msg[8192];
    int n = snprintf(msg, sizeof msg, "slsim: ");
    snprintf(msg + n, sizeof msg - (size_t)n, fmt, arg);
    n = (int)strlen(msg);
    snprintf(msg + n, sizeof msg - (size_t)n, " (try 'slsim --help')");
    cli_print_message(msg);
    return 2;
}

int cli_plain_name(const char *s, size_t len)
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

int cli_parse_int(const char *s, long long lo, long long hi, long long *out)
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

int cli_parse_double(const char *s, double lo, double hi, double *out)
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

/* ---- the parser ---------------------------------------------------------------------- */

const cli_command *cli_command_find(const char *name)
{
    for (size_t i = 0; i < CLI_N_COMMANDS; i++)
        if (!strcmp(cli_commands[i].name, name))
            return &cli_commands[i];
    return NULL;
}

int cli_takes(const cli_command *c, const cli_option *o)
{
    return (o->commands & CLI_BIT(c->id)) != 0;
}

/* The option named by arg up to its '=' (whole names only), or NULL. */
static const cli_option *option_find(const char *arg, size_t len)
{
    for (size_t k = 0; k < CLI_N_OPTIONS; k++)
        if (strlen(cli_options[k].name) == len && !strncmp(cli_options[k].name, arg, len))
            return &cli_options[k];
    return NULL;
}

/* Takes option o with its value val (NULL for a flag) into a. Returns 0, -1 (help
 * printed) or 2 (message printed). */
static int option_take(cli_args *a, const cli_option *o, const char *val)
{
    const cli_command *c = a->command;
    int study = (CLI_BIT(c->id) & CLI_STUDIES) != 0;
    long long n;
    switch (o->id) {
    case CLI_OUT: case CLI_SET: case CLI_VARIANT: case CLI_REQUESTS_PER_MONTH:
    case CLI_FUNCTION: case CLI_MEMORY: case CLI_VARY: case CLI_SLO: case CLI_PRECISION:
        if (!*val)
            return cli_bad_usage("option '%s' needs a non-empty value", o->name);
        break;
    default:
        break;
    }
    switch (o->id) {
    case CLI_HELP:
        cli_print_help(c, stdout);
        return -1;
    case CLI_OUT:
        a->out_dir = val;
        return 0;
    case CLI_SEED:
        if (cli_parse_int(val, 0, 9007199254740991LL, &n))
            return cli_bad_usage("--seed: expected an integer from 0 to 2^53-1, got '%s'", val);
        a->common.seed = n;
        return 0;
    case CLI_REPLICATIONS:
        if (study && cli_parse_int(val, 2, 1000, &n))
            return cli_bad_usage("--replications: expected an integer from 2 to 1000 (a study needs a "
                                 "confidence interval), got '%s'", val);
        if (!study && cli_parse_int(val, 1, 1000, &n))
            return cli_bad_usage("--replications: expected an integer from 1 to 1000, got '%s'", val);
        a->common.replications = n;
        return 0;
    case CLI_THREADS:
        if (cli_parse_int(val, 1, 1024, &a->threads))
            return cli_bad_usage("--threads: expected an integer from 1 to 1024, got '%s'", val);
        return 0;
    case CLI_DURATION:
        if (cli_parse_double(val, 1, 366 * 86400.0, &a->common.duration_s))
            return cli_bad_usage("--duration: expected seconds from 1 to 31622400, got '%s'", val);
        return 0;
    case CLI_SET:
        a->common.sets[a->common.n_sets++] = val;
        return 0;
    case CLI_QUIET:
        a->quiet = 1;
        return 0;
    case CLI_PRINT_CONFIG:
        a->print_config = 1;
        return 0;
    case CLI_STATS:
        a->stats = 1;
        return 0;
    case CLI_NO_PLOTS:
        a->no_plots = 1;
        return 0;
    case CLI_VARIANT: {
        const char *colon = strchr(val, ':');
        if (!colon || colon == val || colon - val >= 64 || !strchr(colon, '='))
            return cli_bad_usage("--variant: expected NAME:PATH=VALUE[,PATH=VALUE]..., got '%s'", val);
        if (!cli_plain_name(val, (size_t)(colon - val)))
            return cli_bad_usage("--variant: a variant's name is printable text without commas or double "
                                 "quotes (it heads table columns and CSV fields), got '%s'", val);
        a->variants[a->n_variants++] = val;
        return 0;
    }
    case CLI_REQUESTS_PER_MONTH:
        a->volumes = val;
        return 0;
    case CLI_FUNCTION:
        a->function = val;
        return 0;
    case CLI_MEMORY:
        a->memory = val;
        return 0;
    case CLI_MAX_COST:
        if (cli_parse_double(val, 1e-12, 1e12, &a->max_cost_per_million))
            return cli_bad_usage("--max-cost-per-million: expected a positive number of USD, got '%s'", val);
        return 0;
    case CLI_VARY:
        a->varies[a->n_varies++] = val;
        return 0;
    case CLI_PRECISION: {
        char why[512], msg[1024];
        if (precision_parse(val, a->precision, &a->n_precision, why, sizeof why) != 0) {
            snprintf(msg, sizeof msg, "--precision '%.100s': %s", val, why);
            return cli_bad_usage("%s", msg);
        }
        size_t at = strlen(a->precision_text);
        snprintf(a->precision_text + at, sizeof a->precision_text - at, "%s%s", at ? ", " : "", val);
        return 0;
    }
    case CLI_MAX_REPLICATIONS:
        if (cli_parse_int(val, 2, 1000, &a->max_replications))
            return cli_bad_usage("--max-replications: expected an integer from 2 to 1000, got '%s'", val);
        return 0;
    case CLI_SLO: {
        char why[512], msg[1024];
        if (a->n_slos == SLO_MAX) {
            snprintf(msg, sizeof msg, "--slo: at most %d service levels", SLO_MAX);
            return cli_bad_usage("%s", msg);
        }
        if (slo_parse(val, &a->slos[a->n_slos], why, sizeof why) != 0) {
            snprintf(msg, sizeof msg, "--slo '%.100s': %s", val, why);
            return cli_bad_usage("%s", msg);
        }
        a->n_slos++;
        return 0;
    }
    case CLI_N_OPTIONS:
        break;
    }
    assert(!"an option of the table without its case");
    return 2;
}

int cli_parse(const cli_command *c, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->command = c;
    a->common.seed = -1;
    a->common.replications = -1;
    a->common.duration_s = -1;
    a->max_replications = 100;
    size_t n = argc > 2 ? (size_t)argc - 2 : 0;
    a->operands = calloc(n + 1, sizeof *a->operands);
    a->common.sets = calloc(n + 1, sizeof *a->common.sets);
    a->variants = calloc(n + 1, sizeof *a->variants);
    a->varies = calloc(n + 1, sizeof *a->varies);
    a->slos = calloc(SLO_MAX, sizeof *a->slos);
    if (!a->operands || !a->common.sets || !a->variants || !a->varies || !a->slos) {
        fprintf(stderr, "slsim: out of memory\n");
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] != '-') {
            a->operands[a->n_operands++] = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        const cli_option *o = option_find(arg, eq ? (size_t)(eq - arg) : strlen(arg));
        if (!o)
            return cli_bad_usage("unknown option '%s'", arg);
        if (!cli_takes(c, o)) {
            char fmt[128];
            snprintf(fmt, sizeof fmt, "option '%%s' does not go with '%s'", c->name);
            return cli_bad_usage(fmt, o->name);
        }
        const char *val = NULL;
        if (!o->value && eq)
            return cli_bad_usage("option '%s' takes no value", o->name);
        if (o->value) {
            val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!val)
                return cli_bad_usage("option '%s' needs a value", o->name);
        }
        int rc = option_take(a, o, val);
        if (rc != 0)
            return rc;
        a->max_replications_given |= o->id == CLI_MAX_REPLICATIONS;
    }
    if (a->max_replications_given && !a->n_precision)
        return cli_bad_usage("%s", "--max-replications applies with --precision only");
    return 0;
}

void cli_args_free(cli_args *a)
{
    free(a->operands);
    free(a->common.sets);
    free(a->variants);
    free(a->varies);
    free(a->slos);
    memset(a, 0, sizeof *a);
}
