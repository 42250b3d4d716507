/* plot.c — see plot.h. */
#include "models/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "models/report.h"

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Whether a data file holds a row after its header (an empty latency histogram does not). */
static bool has_rows(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    int c, lines = 0;
    while ((c = fgetc(f)) != EOF && lines < 2)
        lines += c == '\n';
    bool more = lines >= 2 || (lines == 1 && c != EOF);
    fclose(f);
    return more;
}

const char *plot_scripts_dir(void)
{
    static char dir[PATH_MAX + 32];
    const char *env = getenv("SLSIM_SCRIPTS");
    if (env && *env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(dir, sizeof dir, "%s/scripts/plots", exe);
            char probe[PATH_MAX + 64];
            snprintf(probe, sizeof probe, "%s/common.gp", dir);
            if (exists(probe))
                return dir;
            /* A binary in a build folder: the repository is its parent. */
            slash = strrchr(exe, '/');
            if (slash) {
                *slash = '\0';
                snprintf(dir, sizeof dir, "%s/scripts/plots", exe);
                snprintf(probe, sizeof probe, "%s/common.gp", dir);
                if (exists(probe))
                    return dir;
            }
        }
    }
    return "scripts/plots";
}

/* Runs gnuplot -c script args... with no shell; its messages reach msg only when it fails.
 * Returns 0, 1 when it failed, or -1 when gnuplot cannot be started. */
static int gnuplot(const char *script, const char *const *args, size_t n, FILE *msg)
{
    const char *argv[16];
    size_t k = 0;
    argv[k++] = "gnuplot";
    argv[k++] = "-c";
    argv[k++] = script;
    for (size_t i = 0; i < n && k < 15; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    int err[2];
    if (pipe(err) != 0)
        return 1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(err[0]);
        close(err[1]);
        return 1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
        }
        dup2(err[1], STDERR_FILENO);
        close(err[0]);
        close(err[1]);
        execvp("gnuplot", (char *const *)argv);
        _exit(127);
    }
    close(err[1]);
    char buf[4096];
    size_t used = 0;
    ssize_t got;
    while ((got = read(err[0], buf + used, sizeof buf - 1 - used)) > 0 || (got < 0 && errno == EINTR))
        if (got > 0 && used + (size_t)got < sizeof buf - 1)
            used += (size_t)got;
    buf[used] = '\0';
    close(err[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (msg)
            fprintf(msg, "slsim: gnuplot failed on %s:\n%s", script, buf);
        return 1;
    }
    return 0;
}

/* The p50, p95 and p99 of summary.json, as text (empty when missing). */
static void percentiles(const char *dir, char p[3][32])
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    for (int i = 0; i < 3; i++)
        snprintf(p[i], sizeof p[i], "1");
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *text = malloc(1 << 24);
    size_t n = text ? fread(text, 1, (1 << 24) - 1, f) : 0;
    fclose(f);
    if (!text)
        return;
    text[n] = '\0';
    cJSON *j = cJSON_Parse(text);
    free(text);
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "latency_ms");
    static const char *const keys[] = { "p50", "p95", "p99" };
    for (int i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(lat, keys[i]);
        if (cJSON_IsNumber(v) && v->valuedouble > 0)
            snprintf(p[i], sizeof p[i], "%.6g", v->valuedouble);
    }
    cJSON_Delete(j);
}

/* Appends s to t quoted for a POSIX shell ('...' with each ' written '\''). */
static void sh_quote(text *t, const char *s)
{
    text_printf(t, " '");
    for (; *s; s++)
        text_printf(t, *s == '\'' ? "'\\''" : "%c", *s);
    text_printf(t, "'");
}

/* Copies scripts/NAME into dir/plot-scripts/NAME (for plots.sh). Returns 0 or -1. */
static int copy_script(const char *scripts, const char *dir, const char *name)
{
    char from[PATH_MAX + 64], to[PATH_MAX + 64];
    snprintf(from, sizeof from, "%s/%s", scripts, name);
    snprintf(to, sizeof to, "%s/plot-scripts", dir);
    if (report_mkdir_p(to) != 0)
        return -1;
    snprintf(to, sizeof to, "%s/plot-scripts/%s", dir, name);
    FILE *f = fopen(from, "rb");
    if (!f)
        return -1;
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return report_write_atomic(to, buf, n);
}

int plot_dir(const char *dir, FILE *msg)
{
    static const struct { const char *data, *script, *out, *title; } kinds[] = {
        { "latency.csv", "latency.gp", "plot-latency", "end-to-end latency, completed requests" },
        { "timeseries.csv", "timeline.gp", "plot-timeline", "time line" },
        { "cost.csv", "cost.gp", "plot-cost", "monthly cost by line item" },
        { "compare-cost.csv", "cost.gp", "plot-compare-cost", "monthly cost by line item, per variant" },
        { "cost-curve.dat", "costcurve.gp", "plot-cost-curve", "monthly cost against volume" },
        { "sweep.dat", "sweep.gp", "plot-sweep", "sweep" },
        { "tune.csv", "tune.gp", "plot-tune", "right-sizing: cost and p99 against memory" },
    };
    const char *scripts = plot_scripts_dir();
    int made = 0, failed = 0, missing = 0;
    text sh = { 0 };      /* without gnuplot: the commands, to run where it is installed */
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char data[PATH_MAX], out[PATH_MAX], script[PATH_MAX], title[PATH_MAX + 128];
        snprintf(data, sizeof data, "%s/%s", dir, kinds[k].data);
        if (!exists(data) || !has_rows(data))
            continue;
        snprintf(out, sizeof out, "%s/%s", dir, kinds[k].out);
        snprintf(script, sizeof script, "%s/%s", scripts, kinds[k].script);
        const char *base = strrchr(dir, '/');
        base = base && base[1] ? base + 1 : dir;
        snprintf(title, sizeof title, "%s — %s", base, kinds[k].title);
        /* The arguments, and the same relative to the folder (for plots.sh). */
        const char *args[8] = { data, out, title }, *rel[8] = { kinds[k].data, kinds[k].out, title };
        size_t n = 3;
        char p[3][32], be[PATH_MAX], xlabel[256] = "";
        if (!strcmp(kinds[k].script, "latency.gp")) {
            percentiles(dir, p);
            for (int i = 0; i < 3; i++, n++)
                args[n] = rel[n] = p[i];
        } else if (!strcmp(kinds[k].script, "costcurve.gp")) {
            snprintf(be, sizeof be, "%s/break-even.csv", dir);
            args[n] = exists(be) ? be : "";
            rel[n++] = exists(be) ? "break-even.csv" : "";
        } else if (!strcmp(kinds[k].script, "cost.gp")) {
            /* Its columns: the header's fields. */
            FILE *f = fopen(data, "r");
            int cols = 1, c;
            while (f && (c = fgetc(f)) != EOF && c != '\n')
                cols += c == ',';
            if (f)
                fclose(f);
            snprintf(p[0], sizeof p[0], "%d", cols);
            args[n] = rel[n] = p[0];
            n++;
        } else if (!strcmp(kinds[k].script, "sweep.gp")) {
            /* The swept key is the data file's first header field. */
            FILE *f = fopen(data, "r");
            if (f && fgets(xlabel, sizeof xlabel, f)) {
                char *comma = strchr(xlabel, ',');
                if (comma)
                    *comma = '\0';
            }
            if (f)
                fclose(f);
            args[n] = rel[n] = xlabel;
            n++;
        }
        if (!missing) {
            int rc = gnuplot(script, args, n, msg);
            if (rc < 0)
                missing = 1;
            else if (rc > 0)
                failed = 1;
            else
                made++;
        }
        if (missing) {
            if (!sh.n)
                text_printf(&sh, "#!/bin/sh\n# slsim's plots of this folder: run where gnuplot is installed.\n"
                            "set -e\ncd \"$(dirname \"$0\")\"\n");
            text_printf(&sh, "gnuplot -c plot-scripts/%s", kinds[k].script);
            for (size_t i = 0; i < n; i++)
                sh_quote(&sh, rel[i]);
            text_printf(&sh, "\n");
            if (copy_script(scripts, dir, kinds[k].script) != 0)
                failed = 1;
        }
    }
    if (missing) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/plots.sh", dir);
        if (sh.oom || copy_script(scripts, dir, "common.gp") != 0 ||
            report_write_atomic(path, sh.s, sh.n) != 0 || chmod(path, 0755) != 0)
            failed = 1;
        if (msg)
            fprintf(msg, "slsim: gnuplot not found: no plots; %s/plots.sh makes them where gnuplot "
                    "is installed (make deps installs it)\n", dir);
    }
    free(sh.s);
    return missing || failed ? -1 : made;
}
