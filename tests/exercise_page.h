/* exercise_page.h — an exercise page (scenarios/exercises/NN-*.md) as its tests read it: the
 * commands its "## Run" block gives, run exactly as written, and the numbers its answer
 * quotes, each checked against what those commands produce.
 *
 * A test opens page N, runs its commands (page_run: a `run` in-process, through the same
 * command-line parser as slsim, so its figures come per replication; page_study: any other
 * command through the binary, its --out moved into a temporary folder), and says every
 * number the answer gives: page_says formats a figure and asserts the answer holds that
 * text, page_given marks text that states a parameter or a constant rather than a result.
 * page_close then asserts that no number of the answer was left unchecked. */
#ifndef SLSIM_TEST_EXERCISE_PAGE_H
#define SLSIM_TEST_EXERCISE_PAGE_H

#include <stddef.h>

#include "app/run.h"
#include "models/world.h"

#define PAGE_COMMANDS_MAX 32

typedef struct exercise_page {
    int            number;
    char           path[512];       /* scenarios/exercises/NN-slug.md */
    char           slug[128];       /* NN-slug: its commands write under results/exercises/NN-slug/ */
    char          *text;            /* the whole page */
    const char    *answer;          /* the answer's text: after the "## Answer" heading line */
    size_t         answer_len;
    unsigned char *checked;         /* per byte of the answer: covered by page_says or page_given */
    char          *commands[PAGE_COMMANDS_MAX];   /* the ./slsim (or sh) lines of "## Run", joined */
    size_t         n_commands;
    char           tmp[256];        /* where page_study's --out folders go */
} exercise_page;

/* Opens page number (fails the test when there is not exactly one NN-*.md). */
void exercise_page_open(exercise_page *p, int number);
/* Asserts every number of the answer was checked, then frees p. */
void exercise_page_close(exercise_page *p);

/* The one command of the page that contains text, or ends with it when text ends with '$'
 * ("/express$": the command whose --out is .../express); the test fails when none or
 * several do. */
const char *page_command(const exercise_page *p, const char *text);
/* The words of a command as the shell splits them (quotes and backslashes): argv[0..n-1],
 * NULL-terminated; the caller frees argv[0] (which owns every word) and argv. */
char **page_split(const char *command, int *n);
/* Runs the page's `./slsim run` command containing text as slsim runs it: its file, --set,
 * --seed, --replications and --duration, parsed by app/cli.c, loaded and run (one thread;
 * the figures do not depend on the thread count). Free both with support_done. */
void page_run(const exercise_page *p, const char *text, world_spec **spec, run_result *res);
/* Runs the page's command containing text through the slsim binary (or its sh script, with
 * $SLSIM), exactly as written but for its --out, moved from results/ into p's temporary
 * folder; writes that folder into dir (size bytes). The command must succeed. */
void page_study(exercise_page *p, const char *text, char *dir, size_t size);
/* A number from a CSV a command wrote: the value of column in the first row of dir/file
 * whose columns match where ("figure=cost.monthly_total,variant=edge"; may be ""). */
double page_csv(const char *dir, const char *file, const char *where, const char *column);

/* Asserts that the answer says the text fmt formats, and marks it checked. fmt is printf's
 * with %f (precision as printf), %d, %s and %%, and a ',' flag that groups thousands:
 * page_says(p, "%,.0f ± %,.0f", m, hw) asserts "29,963 ± 219". A minus sign before a zero
 * that rounds away is dropped. Every occurrence of the text is marked. */
void page_says(exercise_page *p, const char *fmt, ...);
/* Marks text (which the answer must hold) as a parameter, a published price or a constant:
 * its numbers need no run to produce them. */
void page_given(exercise_page *p, const char *text);
/* Marks text (which the answer must hold) as a claim the test asserts by itself, beyond
 * the run's confidence interval ("at least 30%"), rather than a figure it prints. */
void page_claims(exercise_page *p, const char *text);
/* The text page_says would assert, into buf (for a test's own messages). */
void page_format(char *buf, size_t size, const char *fmt, ...);
/* The mean of figure over the replications of res. */
double page_mean(const run_result *res, const char *figure);
/* The mean of a lognormal given by its median and 99th percentile (the model's own form). */
double page_lognormal_mean(double median, double p99);
/* Asserts that compare's CSV in dir gives variant the mean the run res gives figure (the same
 * seed, replications and window: the same numbers). */
void page_compare_agrees(const char *dir, const char *variant, const run_result *res, const char *figure);

#endif
