/* plot.c — see plot.h. */
#define _XOPEN_SOURCE 700   /* realpath */
#include "app/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "app/outdir.h"
#include "app/report.h"
#include "app/spawn.h"
#include "sim/csv.h"

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Whether a CSV's rows hold a number other than 0 past their first skip fields (a time
 * line of a run where nothing arrived, a bill with no line item, does not). */
static bool has_nonzero(const char *path, int skip)
{
    csv_reader r = { .f = fopen(path, "r") };
    if (!r.f)
        return false;
    csv_fields fl = { 0 };
    bool found = false;
    while (!found && csv_reader_next(&r) == 1 && csv_split(r.buf, &fl) == 0) {
        if (r.line == 1)
            continue;           /* the header */
        for (size_t i = (size_t)skip; !found && i < fl.n; i++) {
            char *end;
            double v = strtod(fl.field[i], &end);
            found = end != fl.field[i] && v != 0;
        }
    }
    csv_reader_close(&r);
    csv_fields_free(&fl);
    return found;
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

/* Seconds a gnuplot may take before it is killed: $SLSIM_PLOT_TIMEOUT, else 120. */
static double plot_timeout(void)
{
    const char *e = getenv("SLSIM_PLOT_TIMEOUT");
    char *end;
    double s = e && *e ? strtod(e, &end) : 0;
    return e && *e && !*end && s > 0 && s < 1e6 ? s : 120;
}

/* Runs `gnuplot -c script args...` with no shell, in folder dir, so that every data and
 * output name it sees is a fixed name slsim chose (never one starting with '<' or '|',
 * which gnuplot would run as a command): app/spawn.c's runner (the child dies with slsim,
 * and after plot_timeout() seconds). Its messages reach msg only when it fails. Returns 0,
 * 1 when it failed, or -1 when gnuplot cannot be started. */
static int gnuplot(const char *dir, const char *script, const char *const *args, size_t n, FILE *msg)
{
    const char *argv[16];
    size_t k = 0;
    argv[k++] = "gnuplot";
    argv[k++] = "-c";
    argv[k++] = script;
    for (size_t i = 0; i < n && k < 15; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    char buf[4096];
    switch (spawn_run(dir, (char *const *)argv, plot_timeout(), buf, sizeof buf)) {
    case SPAWN_OK:
        return 0;
    case SPAWN_MISSING:
        return -1;
    case SPAWN_TIMED_OUT:
        if (msg)
            fprintf(msg, "slsim: gnuplot took longer than %.0f s on %s and was stopped "
                    "(SLSIM_PLOT_TIMEOUT sets the limit)\n", plot_timeout(), script);
        return 1;
    case SPAWN_FAILED:
        if (msg)
            fprintf(msg, "slsim: gnuplot failed on %s:\n%s", script, buf);
        return 1;
    case SPAWN_ERROR:
        break;
    }
    return 1;
}

/* The p50, p95 and p99 of summary.json, as text ("1" when missing): the completed
 * requests', or, when every request was handed over asynchronously (work.
 * every_request_asynchronous; then *work is set), the processed work's p50 and p99 and no
 * p95 (""). */
static void percentiles(const char *dir, char p[3][32], bool *work)
{
    for (int i = 0; i < 3; i++)
        snprintf(p[i], sizeof p[i], "1");
    cJSON *j = outdir_read_json(dir, "summary.json");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "work");
    *work = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w, "every_request_asynchronous"));
    const cJSON *lat = *work ? w : cJSON_GetObjectItemCaseSensitive(j, "latency_ms");
    static const char *const keys[] = { "p50", "p95", "p99" }, *const work_keys[] = {
        "latency_ms_p50", NULL, "latency_ms_p99" };
    for (int i = 0; i < 3; i++) {
        const char *key = *work ? work_keys[i] : keys[i];
        const cJSON *v = key ? cJSON_GetObjectItemCaseSensitive(lat, key) : NULL;
        if (!key)
            p[i][0] = '\0';
        else if (cJSON_IsNumber(v) && v->valuedouble > 0)
            snprintf(p[i], sizeof p[i], "%.6g", v->valuedouble);
    }
    cJSON_Delete(j);
}

/* The name a folder's plots are titled with when the caller gives none (slsim plot DIR):
 * its scenario's name — summary.json's "scenario" for a run; for a study, as the study
 * titles them, "<scenario> (<command>)" from study.json's scenario (or, in a folder an
 * older slsim wrote, <command>.json's: sweep's) — else the folder's own name. Written into
 * name. */
static void folder_title(const char *dir, char *name, size_t size)
{
    const char *base = strrchr(dir, '/');
    snprintf(name, size, "%s", base && base[1] ? base + 1 : dir);
    cJSON *j = outdir_read_json(dir, "summary.json");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "scenario");
    if (cJSON_IsString(s) && *s->valuestring) {
        snprintf(name, size, "%s", s->valuestring);
        cJSON_Delete(j);
        return;
    }
    cJSON_Delete(j);
    j = outdir_read_json(dir, "study.json");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "command");
    s = cJSON_GetObjectItemCaseSensitive(j, "scenario");   /* every study writes its scenario's name */
    /* A command is a word of slsim's (compare, cost-curve, tune, sweep): nothing else
     * becomes a file name. */
    bool word = cJSON_IsString(c) && *c->valuestring && strlen(c->valuestring) < 32 &&
                strspn(c->valuestring, "abcdefghijklmnopqrstuvwxyz-") == strlen(c->valuestring);
    if (word && cJSON_IsString(s) && *s->valuestring) {
        snprintf(name, size, "%s (%s)", s->valuestring, c->valuestring);
    } else if (word) {
        char file[64];
        snprintf(file, sizeof file, "%s.json", c->valuestring);
        cJSON *k = outdir_read_json(dir, file);
        s = cJSON_GetObjectItemCaseSensitive(k, "scenario");
        if (cJSON_IsString(s) && *s->valuestring)
            snprintf(name, size, "%s (%s)", s->valuestring, c->valuestring);
        cJSON_Delete(k);
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

/* Moves gnuplot's OUT.png and OUT.svg (tmp, inside dir) to final.png and .svg; removes
 * them instead when failed. Returns 0 or -1. */
static int place_outputs(const char *dir, const char *tmp, const char *final, int failed)
{
    int rc = 0;
    static const char *const exts[] = { ".png", ".svg" };
    for (int i = 0; i < 2; i++) {
        char from[PATH_MAX + 64], to[PATH_MAX + 64];
        snprintf(from, sizeof from, "%s/%s%s", dir, tmp, exts[i]);
        snprintf(to, sizeof to, "%s/%s%s", dir, final, exts[i]);
        struct stat st;
        if (failed || stat(from, &st) != 0 || st.st_size == 0) {
            unlink(from);
            rc = -1;
        } else if (rename(from, to) != 0) {
            rc = -1;
        }
    }
    return rc;
}

int plot_dir(const char *dir, const char *name, FILE *msg)
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
    /* The scripts by absolute path: gnuplot runs inside dir, and `load` of a name starting
     * with '<' would be a command. */
    char scripts[PATH_MAX], probe[PATH_MAX + 16];
    snprintf(probe, sizeof probe, "%s/common.gp", plot_scripts_dir());
    if (!realpath(plot_scripts_dir(), scripts) || !exists(probe)) {
        /* Never a relative folder: gnuplot runs inside dir, where it would find the
         * folder's own scripts (a hostile folder's). */
        if (msg)
            fprintf(msg, "slsim: the plot scripts are not found (scripts/plots beside slsim, or "
                    "SLSIM_SCRIPTS): no plots\n");
        return -1;
    }
    char own_name[1024];
    if (!name) {
        folder_title(dir, own_name, sizeof own_name);
        name = own_name;
    }
    int made = 0, failed = 0, missing = 0;
    text sh = { 0 };      /* without gnuplot: the commands, to run where it is installed */
    /* Every request handed over asynchronously: the latency plot draws the work's latency. */
    char p[3][32];
    bool work = false;
    percentiles(dir, p, &work);
    char work_data[PATH_MAX];
    snprintf(work_data, sizeof work_data, "%s/work-latency.csv", dir);
    work = work && exists(work_data);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char data[PATH_MAX], script[PATH_MAX + 64], title[PATH_MAX + 128], tmp[64];
        bool work_latency = work && !strcmp(kinds[k].script, "latency.gp");
        const char *data_name = work_latency ? "work-latency.csv" : kinds[k].data;
        snprintf(data, sizeof data, "%s/%s", dir, data_name);
        if (!exists(data) || !has_rows(data))
            continue;
        /* Nothing to draw: a time line of zeros, bills without line items. */
        if ((!strcmp(kinds[k].data, "timeseries.csv") && !has_nonzero(data, 2)) ||
            (!strcmp(kinds[k].script, "cost.gp") && !has_nonzero(data, 1)))
            continue;
        snprintf(script, sizeof script, "%s/%s", scripts, kinds[k].script);
        snprintf(title, sizeof title, "%s — %s", name, work_latency
                 ? "pipeline latency, processed work (arrival to last stage)" : kinds[k].title);
        snprintf(tmp, sizeof tmp, ".%s.slsim-tmp", kinds[k].out);
        /* Every name gnuplot sees is one of the fixed names above, relative to dir; the
         * title is a string value (never parsed as a command). */
        const char *args[8] = { data_name, tmp, title }, *rel[8] = { data_name, kinds[k].out, title };
        size_t n = 3;
        char cols[32], be[PATH_MAX], xlabel[256] = "";
        if (!strcmp(kinds[k].script, "latency.gp")) {
            for (int i = 0; i < 3; i++, n++)
                args[n] = rel[n] = p[i];
            if (work_latency) {
                args[n] = rel[n] = "processed units of work";
                n++;
            }
        } else if (!strcmp(kinds[k].script, "costcurve.gp")) {
            snprintf(be, sizeof be, "%s/break-even.csv", dir);
            args[n] = rel[n] = exists(be) ? "break-even.csv" : "";
            n++;
        } else if (!strcmp(kinds[k].script, "cost.gp")) {
            /* Its columns: the header's fields. */
            FILE *f = fopen(data, "r");
            int ncols = 1, c;
            while (f && (c = fgetc(f)) != EOF && c != '\n')
                ncols += c == ',';
            if (f)
                fclose(f);
            snprintf(cols, sizeof cols, "%d", ncols);
            args[n] = rel[n] = cols;
            n++;
        } else if (!strcmp(kinds[k].script, "sweep.gp")) {
            /* The swept key is the data file's first header field. */
            csv_reader r = { .f = fopen(data, "r") };
            csv_fields fl = { 0 };
            if (r.f && csv_reader_next(&r) == 1 && csv_split(r.buf, &fl) == 0)
                snprintf(xlabel, sizeof xlabel, "%s", fl.field[0]);
            csv_reader_close(&r);
            csv_fields_free(&fl);
            args[n] = rel[n] = xlabel;
            n++;
        }
        if (!missing) {
            /* gnuplot writes tmp.png and tmp.svg itself: what stands there (a link to a
             * file outside, in a hostile folder) goes first. */
            char stale[PATH_MAX + 96];
            snprintf(stale, sizeof stale, "%s/%s.png", dir, tmp);
            unlink(stale);
            snprintf(stale, sizeof stale, "%s/%s.svg", dir, tmp);
            unlink(stale);
            int rc = gnuplot(dir, script, args, n, msg);
            if (rc < 0)
                missing = 1;
            else if (place_outputs(dir, tmp, kinds[k].out, rc != 0) != 0)
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
            fprintf(msg, "slsim: gnuplot not found: no plots; plots.sh in the results folder makes "
                    "them where gnuplot is installed (make deps installs it)\n");
    }
    free(sh.s);
    return missing || failed ? -1 : made;
}
