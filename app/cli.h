/* cli.h — the command line's one table: every subcommand and every option, declared once.
 *
 * An option is one row of cli_options: its name, its value's name (NULL for a flag), the
 * set of commands that take it and its help line. The parser, `slsim --help` and each
 * `slsim COMMAND --help` all read that table, so an option cannot be accepted and go
 * undocumented, nor documented and refused. Like ROSS's tw-opts or Redis's command table.
 *
 * Syntax, the same for every command: `--name VALUE` or `--name=VALUE`; a flag takes no
 * value; names are matched whole (no abbreviations, no short options, no reordering: an
 * argument that does not start with "--" is an operand, "-" and "-x" included). A value
 * is the next argument whatever it looks like (`--out --quiet` names a folder). Bad usage
 * is one line "slsim: ... (try 'slsim --help')" on stderr and exit status 2. */
#ifndef SLSIM_CLI_H
#define SLSIM_CLI_H
#include <stdbool.h>
#include <stdio.h>
#include "app/precision.h"
#include "app/slo.h"
#include "models/world.h"

typedef enum cli_command_id {
    CLI_RUN, CLI_VALIDATE, CLI_COMPARE, CLI_COST_CURVE, CLI_TUNE, CLI_SWEEP, CLI_PLOT,
    CLI_EXERCISE, CLI_CALIBRATE, CLI_N_COMMANDS
} cli_command_id;

typedef enum cli_option_id {
    CLI_HELP, CLI_OUT, CLI_SEED, CLI_REPLICATIONS, CLI_THREADS, CLI_DURATION, CLI_SET,
    CLI_QUIET, CLI_PRINT_CONFIG, CLI_STATS, CLI_NO_PLOTS, CLI_VARIANT, CLI_REQUESTS_PER_MONTH,
    CLI_FUNCTION, CLI_MEMORY, CLI_MAX_COST, CLI_VARY, CLI_SLO, CLI_PRECISION, CLI_MAX_REPLICATIONS,
    CLI_N_OPTIONS
} cli_option_id;

#define CLI_BIT(id) (1u << (id))
#define CLI_STUDIES (CLI_BIT(CLI_COMPARE) | CLI_BIT(CLI_COST_CURVE) | CLI_BIT(CLI_TUNE) | CLI_BIT(CLI_SWEEP))

typedef struct cli_command {
    cli_command_id id;      /* its index in cli_commands */
    const char *name;       /* "cost-curve" */
    const char *synopsis;   /* usage lines without "slsim ", '\n' between them */
    const char *summary;    /* what it does, one line */
    const char *notes;      /* more of its help, or NULL */
} cli_command;

typedef struct cli_option {
    cli_option_id id;       /* its index in cli_options */
    const char *name;       /* "--out" */
    const char *value;      /* "DIR"; NULL: a flag */
    unsigned    commands;   /* CLI_BIT of each command that takes it */
    const char *help;       /* '\n' between lines */
} cli_option;

extern const cli_command cli_commands[CLI_N_COMMANDS];
extern const cli_option  cli_options[CLI_N_OPTIONS];

/* What a command line said. Strings point into argv; the arrays are owned (cli_args_free). */
typedef struct cli_args {
    const cli_command *command;
    const char **operands;  size_t n_operands;   /* arguments that are not options */
    world_overrides common;                      /* --seed --replications --duration --set */
    const char  *out_dir;
    long long    threads;                        /* 0: OpenMP's default */
    int          quiet, print_config, stats, no_plots;
    const char **variants;  size_t n_variants;   /* NAME:PATH=VALUE[,PATH=VALUE]..., checked */
    const char **varies;    size_t n_varies;     /* PATH=..., as given */
    slo_clause  *slos;      size_t n_slos;       /* --slo, parsed (at most SLO_MAX) */
    const char  *function, *memory, *volumes;
    double       max_cost_per_million;           /* 0: not given */
    precision_target precision[PRECISION_MAX];   /* --precision, parsed */
    size_t       n_precision;
    char         precision_text[160];            /* the values as given, joined by ", " */
    long long    max_replications;               /* --max-replications (default 100) */
    bool         max_replications_given;
} cli_args;

/* The command called name, or NULL. */
const cli_command *cli_command_find(const char *name);
/* Whether command c takes option o. */
int  cli_takes(const cli_command *c, const cli_option *o);
/* `slsim --help`: every command's usage, run's options, the exit statuses. */
void cli_print_usage(FILE *f);
/* `slsim COMMAND --help`: its usage, what it does, its options (from the table). */
void cli_print_help(const cli_command *c, FILE *f);
/* Parses argv[2..argc-1] for command c into out (initialised here; free it with
 * cli_args_free whatever the result). Returns 0; -1 when --help was given (the help is
 * then printed on stdout: exit 0); 2 for bad usage (the message printed); 1 out of
 * memory (said on stderr). */
int  cli_parse(const cli_command *c, int argc, char **argv, cli_args *out);
void cli_args_free(cli_args *a);

/* Prints "slsim: " fmt (with arg) " (try 'slsim --help')" as one line on stderr; returns 2. */
int  cli_bad_usage(const char *fmt, const char *arg);
/* Prints msg on its own line on stderr, control characters and bytes that are not UTF-8
 * written \xNN (messages carry paths and names the user, or a file, gave). */
void cli_print_message(const char *msg);
/* Strict numbers: a plain decimal (an optional '-', digits, and for a double one '.' and an
 * exponent; no spaces, '+', hexadecimal, inf or nan) within [lo, hi]. Return 0 or -1. */
int  cli_parse_int(const char *s, long long lo, long long hi, long long *out);
int  cli_parse_double(const char *s, double lo, double hi, double *out);
/* Whether a name of len bytes can head a table column and a CSV field as it is: printable
 * UTF-8, no comma or double quote. */
int  cli_plain_name(const char *s, size_t len);
#endif
