/* test_docs.c — the commands the README and docs/ show still work: every `./slsim` command
 * of a code block (its `$ ` prompt and `\` continuations taken off) is run; a study or a run
 * with its window cut to a minute and 2 replications (the command's own flags first, so
 * those win) must succeed, and a `validate` that the page shows refusing an input must print
 * exactly the line the page shows after it. A command with `...` in it is an excerpt, not
 * run. `calibrated.json` (the scenario `slsim calibrate` writes in the worked example, which
 * the next command reads) is put in the test's folder; calibrate takes no run options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

static const char *const pages[] = { "README.md", "docs/commands.md", "docs/reference.md", "docs/library.md",
                                     "docs/model.md", "docs/validation.md", "docs/performance.md",
                                     "docs/platforms.md" };

/* Runs one documented command (cmd, without "./slsim "); expected is the page's next line
 * in the block, or "". Returns 1 when it ran. */
static int run_documented(const char *page, const char *cmd, const char *expected, const char *dir, int k)
{
    if (strstr(cmd, "..."))
        return 0;
    char line[4096];
    size_t n = 0;
    for (const char *c = cmd; *c && n + 1 < sizeof line;) {
        if (!strncmp(c, "calibrated.json", 15) && (c == cmd || c[-1] == ' ')) {
            n += (size_t)snprintf(line + n, sizeof line - n, "%s/", dir);
            if (n + 1 >= sizeof line)
                break;
        }
        line[n++] = *c++;
    }
    line[n < sizeof line ? n : sizeof line - 1] = '\0';
    char *hash = strstr(line, "  #");          /* a comment after the command */
    if (hash)
        *hash = '\0';
    char out[65536];
    int rc;
    if (!strncmp(line, "validate ", 9) && expected[0] && strncmp(expected, "./slsim", 7) != 0) {
        rc = support_sh(out, sizeof out, "'%s' %s 2>&1", support_binary(), line);
        char *nl = strchr(out, '\n');
        if (nl)
            *nl = '\0';
        ck_assert_msg(rc == 2, "%s: `slsim %s` exited %d, the page shows a refusal", page, line, rc);
        ck_assert_msg(!strcmp(out, expected), "%s: `slsim %s` says\n  %s\nthe page shows\n  %s", page, line, out,
                      expected);
        return 1;
    }
    if (!strncmp(line, "calibrate ", 10))
        rc = support_sh(out, sizeof out, "'%s' %s 2>&1", support_binary(), line);
    else
        rc = support_sh(out, sizeof out, "SLSIM_NO_PLOTS=1 '%s' %s --duration 60 --replications 2 --quiet "
                        "--no-plots --out '%s/out%d' 2>&1", support_binary(), line, dir, k);
    ck_assert_msg(rc == 0, "%s: `slsim %s` exited %d:\n%s", page, line, rc, out);
    return 1;
}

START_TEST(every_command_the_docs_show_still_works)
{
    char dir[256];
    support_tempdir(dir, sizeof dir);
    int ran = 0, k = 0;
    for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
        char *text = support_read_file(pages[p]);
        ck_assert_msg(text != NULL, "%s is missing", pages[p]);
        int block = 0;
        char cmd[4096] = "";
        int pending = 0;      /* a command waits for the page's next line (its output) */
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
            if (!strncmp(l, "```", 3)) {
                if (pending)
                    ran += run_documented(pages[p], cmd, "", dir, k++);
                pending = 0;
                block = !block;
                continue;
            }
            if (!block)
                continue;
            const char *t = l;
            while (*t == ' ')
                t++;
            if (!strncmp(t, "$ ", 2))
                t += 2;
            if (pending) {
                size_t n = strlen(cmd);
                if (n && cmd[n - 1] == '\\') {        /* a continuation */
                    cmd[n - 1] = ' ';
                    snprintf(cmd + n, sizeof cmd - n, "%s", t);
                    continue;
                }
                ran += run_documented(pages[p], cmd, t, dir, k++);
                pending = 0;
            }
            if (!strncmp(t, "./slsim ", 8)) {
                snprintf(cmd, sizeof cmd, "%s", t + 8);
                pending = 1;
            }
        }
        if (pending)
            ran += run_documented(pages[p], cmd, "", dir, k++);
        free(text);
    }
    ck_assert_msg(ran >= 8, "only %d documented commands found", ran);
    if (support_verbose())
        printf("docs: %d documented commands ran\n", ran);
    support_rmrf(dir);
}
END_TEST

Suite *docs_suite(void)
{
    Suite *s = suite_create("docs");
    TCase *tc = tcase_create("commands");
    tcase_set_timeout(tc, 600);
    tcase_set_tags(tc, "slow");
    tcase_add_test(tc, every_command_the_docs_show_still_works);
    suite_add_tcase(s, tc);
    return s;
}
