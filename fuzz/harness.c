/* harness.c — one fuzz input through the loader and a short run (see harness.h).
 *
 * The scenario target writes the input as scenario.json; the trace targets write it as
 * the trace file(s) of a small fixed scenario. The trace scenario is tried with
 * on_bad_row "error" and then "skip", so that both the refusal messages and the rows after
 * a bad one are reached; a csv trace without a function column is retried with a target.
 * The set target writes FUZZ_SET_BASE as scenario.json and hands the input's lines to the
 * loader as --set assignments, as app/main.c does.
 * Nothing here is static and mutable: the session carries the folder. */
#include "fuzz/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/report.h"
#include "models/traffic.h"
#include "models/world.h"

const char *const fuzz_target_names[FUZZ_TARGETS] = { "scenario", "azure2019", "azure2021", "csv", "set" };

int fuzz_target_find(const char *name)
{
    for (int i = 0; i < FUZZ_TARGETS; i++)
        if (strcmp(fuzz_target_names[i], name) == 0)
            return i;
    return -1;
}

/* ---- files ---------------------------------------------------------------------------- */

/* Small valid traces that scenario inputs may name ("file": "sample-2019.csv"). */
static const struct sample { const char *name, *text; } samples[] = {
    { "sample-2019.csv",
      "HashOwner,HashApp,HashFunction,Trigger,1,2,3,4,5,6,7,8,9,10,11,12\n"
      "o1,a1,f1,http,3,0,5,2,0,0,1,4,2,0,3,1\n"
      "o1,a1,f2,timer,1,1,1,1,1,1,1,1,1,1,1,1\n"
      "o2,a2,f3,queue,0,0,0,9,0,0,0,0,12,0,0,0\n" },
    { "sample-2019-durations.csv",
      "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,"
      "percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,"
      "percentile_Average_99,percentile_Average_100\n"
      "o1,a1,f1,120,50,10,900,10,12,60,100,150,700,900\n"
      "o1,a1,f2,40,12,5,80,5,6,20,38,50,79,80\n"
      "o2,a2,f3,2500,21,300,9000,300,310,1200,2300,3100,8800,9000\n" },
    { "sample-2019-memory.csv",
      "HashOwner,HashApp,HashFunction,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,"
      "AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,"
      "AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,"
      "AverageAllocatedMb_pct100\n"
      "o1,a1,f1,500,150,120,125,140,150,160,180,190,210\n"
      "o1,a1,f2,200,90,80,82,85,90,95,99,101,110\n"
      "o2,a2,f3,40,300,250,260,280,300,320,350,380,400\n" },
    { "sample-2021.csv",
      "app,func,end_timestamp,duration\n"
      "a1,f1,0.5,0.2\n"
      "a1,f2,1.25,0.75\n"
      "a2,f1,3.0,1.5\n"
      "a1,f1,4.5,0.1\n"
      "a1,f1,7.75,2.25\n" },
    { "sample.csv",
      "timestamp_s,function,duration_ms,size_kb\n"
      "0.25,api,45.5,2\n"
      "0.5,worker,300,16\n"
      "1.75,api,52,2\n"
      "3.5,api,38.25,1\n" },
    { "sample-target.csv",
      "timestamp_s,duration_ms\n"
      "0.1,20\n"
      "0.35,25\n"
      "2.5,120\n" },
};

/* Writes data to s->dir/name and puts the path in path. Returns 0 or -1. */
static int write_file(const fuzz_session *s, const char *name, const void *data, size_t size,
                      char *path, size_t path_size)
{
    snprintf(path, path_size, "%s/%s", s->dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return close(fd);
}

int fuzz_session_open(fuzz_session *s)
{
    memset(s, 0, sizeof *s);
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/slsim-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s->dir))
        return -1;
    char path[512];
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++)
        if (write_file(s, samples[i].name, samples[i].text, strlen(samples[i].text), path, sizeof path) != 0)
            return -1;
    s->devnull = fopen("/dev/null", "w");
    return s->devnull ? 0 : -1;
}

void fuzz_session_close(fuzz_session *s)
{
    if (s->devnull)
        fclose(s->devnull);
    s->devnull = NULL;
    if (!s->dir[0])
        return;
    /* The folder holds our own files and one results folder, nothing deeper. */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", s->dir);
    s->dir[0] = '\0';
}

/* ---- the contract --------------------------------------------------------------------- */

static fuzz_verdict bug(char *message, size_t size, const char *fmt, const char *detail)
{
    if (message && size)
        snprintf(message, size, fmt, detail);
    return FUZZ_BUG;
}

/* A refusal is one line, "FILE: json.path: problem", FILE being the scenario loaded. */
static fuzz_verdict check_refusal(const char *scenario, const char *err, char *message, size_t size)
{
    size_t n = strlen(scenario);
    if (!err[0])
        return bug(message, size, "refused without a message%s", "");
    for (const char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20)
            return bug(message, size, "a refusal with a control character (not one line): %s", err);
    if (strncmp(err, scenario, n) != 0 || strncmp(err + n, ": ", 2) != 0)
        return bug(message, size, "a refusal that does not start with the scenario's path: %s", err);
    if (message && size)
        snprintf(message, size, "%s", err);
    return FUZZ_REFUSED;
}

/* Runs a loaded spec briefly and writes its report, unless its sources expect more than
 * max_arrivals; frees spec. */
static fuzz_verdict run_briefly(fuzz_session *s, world_spec *spec, double max_arrivals, char *message,
                                size_t size)
{
    /* A long warm-up is only slow: cut it (nothing else reads warmup_s before a run). */
    spec->warmup_s = fmin(spec->warmup_s, FUZZ_WARMUP_MAX_S);
    double expected = 0;
    for (size_t i = 0; i < spec->n_sources; i++)
        expected += traffic_expected_arrivals(&spec->sources[i], 0, spec->warmup_s + spec->duration_s);
    if (!(expected <= max_arrivals)) {
        world_spec_free(spec);
        if (message && size)
            snprintf(message, size, "loaded; not run: %g expected arrivals", expected);
        return FUZZ_SKIPPED;
    }
    run_result res;
    char err[1024] = "";
    fuzz_verdict v = FUZZ_RAN;
    if (run_scenario(spec, 1, &res, err, sizeof err) != 0) {
        v = bug(message, size, "the run failed: %s", err);
    } else {
        cJSON *summary = report_summary(&res);
        cJSON_Delete(summary);
        report_print(&res, s->devnull);
        char out[512];
        snprintf(out, sizeof out, "%s/results", s->dir);
        if (report_write(&res, out, err, sizeof err) != 0 || report_write_summary(&res, out, err, sizeof err) != 0)
            v = bug(message, size, "the report could not be written: %s", err);
        else if (message && size)
            snprintf(message, size, "%llu events", (unsigned long long)res.events);
    }
    run_result_free(&res);
    world_spec_free(spec);
    return v;
}

/* Loads the scenario at path (with o) and runs it when it loads. */
static fuzz_verdict load_and_run(fuzz_session *s, const char *path, const world_overrides *o,
                                 double max_arrivals, char *message, size_t size)
{
    char err[1024] = "";
    world_spec *spec = world_spec_load(path, o, err, sizeof err);
    if (!spec)
        return check_refusal(path, err, message, size);
    return run_briefly(s, spec, max_arrivals, message, size);
}

/* ---- targets -------------------------------------------------------------------------- */

static fuzz_verdict scenario_one(fuzz_session *s, const uint8_t *data, size_t size, char *message,
                                 size_t message_size)
{
    char path[512];
    if (write_file(s, "scenario.json", data, size, path, sizeof path) != 0)
        return bug(message, message_size, "cannot write the input: %s", strerror(errno));
    world_overrides o = { .seed = -1, .replications = 1, .duration_s = FUZZ_DURATION_S };
    return load_and_run(s, path, &o, FUZZ_MAX_ARRIVALS, message, message_size);
}

/* The input's lines as --set assignments on FUZZ_SET_BASE. */
static fuzz_verdict set_one(fuzz_session *s, const uint8_t *data, size_t size, char *message,
                            size_t message_size)
{
    char path[512];
    if (write_file(s, "scenario.json", FUZZ_SET_BASE, strlen(FUZZ_SET_BASE), path, sizeof path) != 0)
        return bug(message, message_size, "cannot write the scenario: %s", strerror(errno));
    /* A copy with each line terminated where it ends (or at its first NUL, as argv would). */
    char *text = malloc(size + 1);
    if (!text)
        return bug(message, message_size, "out of memory%s", "");
    memcpy(text, data, size);
    text[size] = '\0';
    const char *sets[FUZZ_SET_MAX];
    size_t n = 0;
    for (char *line = text; line && n < FUZZ_SET_MAX;) {
        char *nl = memchr(line, '\n', size - (size_t)(line - text));
        if (nl)
            *nl = '\0';
        if (*line)
            sets[n++] = line;
        line = nl ? nl + 1 : NULL;
    }
    world_overrides o = { .sets = sets, .n_sets = n, .seed = -1, .replications = 1,
                          .duration_s = FUZZ_DURATION_S };
    fuzz_verdict v = load_and_run(s, path, &o, FUZZ_MAX_ARRIVALS, message, message_size);
    free(text);
    return v;
}

/* The scenario around a trace: functions come from the trace (the csv one without a
 * function column sends every row to "fn"); the csv one has tenants t1 and t2, for a
 * tenant column. options (may be NULL) adds its keys to the arrivals object, except those
 * that name the files. */
static int trace_scenario(const fuzz_session *s, fuzz_target target, const cJSON *options,
                          const char *bad_rows, bool with_target, bool with_tenant, bool durations,
                          bool memory, char *path, size_t path_size)
{
    static const char *const format[FUZZ_TARGETS] = { NULL, "azure2019", "azure2021", "csv" };
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", "fz");
    cJSON_AddNumberToObject(root, "duration_s", FUZZ_TRACE_DURATION_S);
    cJSON_AddNumberToObject(root, "replications", 1);
    cJSON_AddNumberToObject(root, "seed", 7);
    if (target == FUZZ_CSV) {
        cJSON *tenants = cJSON_AddArrayToObject(root, "tenants");
        for (int i = 1; i <= 2; i++) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "name", i == 1 ? "t1" : "t2");
            cJSON_AddItemToArray(tenants, t);
        }
    }
    cJSON *fn = cJSON_CreateObject();
    cJSON_AddStringToObject(fn, "name", "fn");
    cJSON_AddStringToObject(fn, "kind", "function");
    cJSON_AddNumberToObject(fn, "duration_ms", 50);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "components"), fn);
    cJSON *source = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "traffic"), source);
    cJSON_AddStringToObject(source, "name", "t");
    if (with_tenant)
        cJSON_AddStringToObject(source, "tenant", "t1");
    if (with_target)
        cJSON_AddStringToObject(source, "target", "fn");
    cJSON *a = cJSON_AddObjectToObject(source, "arrivals");
    cJSON_AddStringToObject(a, "process", "trace");
    cJSON_AddStringToObject(a, "format", format[target]);
    cJSON_AddStringToObject(a, "file", "trace.csv");
    if (durations)
        cJSON_AddStringToObject(a, "durations_file", "durations.csv");
    if (memory)
        cJSON_AddStringToObject(a, "memory_file", "memory.csv");
    if (bad_rows)
        cJSON_AddStringToObject(a, "on_bad_row", bad_rows);
    cJSON *defaults = cJSON_AddObjectToObject(a, "function_defaults");
    cJSON_AddNumberToObject(defaults, "duration_ms", 50);
    static const char *const fixed[] = { "process", "format", "file", "durations_file", "memory_file", NULL };
    for (const cJSON *o = options ? options->child : NULL; o; o = o->next) {
        bool skip = false;
        for (size_t i = 0; fixed[i] && !skip; i++)
            skip = strcmp(o->string, fixed[i]) == 0;
        if (skip)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(a, o->string);
        cJSON_AddItemToObject(a, o->string, cJSON_Duplicate(o, 1));
    }
    char *json = cJSON_Print(root);
    cJSON_Delete(root);
    if (!json) {
        errno = ENOMEM;
        return -1;
    }
    int rc = write_file(s, "scenario.json", json, strlen(json), path, path_size);
    free(json);
    return rc;
}

/* A trace input may start with a line "#{...}": options for the arrivals object (start_s,
 * end_s, time_scale, repeat, functions, within_minute, on_bad_row, ...). Returns them
 * (caller deletes) and moves *data past the line, or NULL when there is none. */
static cJSON *take_options(const uint8_t **data, size_t *size)
{
    if (*size < 2 || (*data)[0] != '#' || (*data)[1] != '{')
        return NULL;
    const uint8_t *nl = memchr(*data, '\n', *size);
    size_t n = nl ? (size_t)(nl - *data) : *size;
    char *text = malloc(n);
    if (!text)
        return NULL;
    memcpy(text, *data + 1, n - 1);
    text[n - 1] = '\0';
    cJSON *o = cJSON_Parse(text);
    free(text);
    *data += nl ? n + 1 : n;
    *size -= nl ? n + 1 : n;
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static fuzz_verdict trace_one(fuzz_session *s, fuzz_target target, const uint8_t *data, size_t size,
                              char *message, size_t message_size)
{
    cJSON *options = take_options(&data, &size);
    /* Parts: the trace, then (azure2019) durations and memory. */
    const uint8_t *part[3] = { data, NULL, NULL };
    size_t len[3] = { size, 0, 0 };
    if (target == FUZZ_AZURE2019) {
        for (int k = 0; k < 2; k++) {
            const uint8_t *sep = memchr(part[k], FUZZ_FILE_SEPARATOR, len[k]);
            if (!sep)
                break;
            part[k + 1] = sep + 1;
            len[k + 1] = len[k] - (size_t)(sep + 1 - part[k]);
            len[k] = (size_t)(sep - part[k]);
        }
    }
    static const char *const names[3] = { "trace.csv", "durations.csv", "memory.csv" };
    char path[512];
    for (int k = 0; k < 3; k++)
        if ((len[k] || k == 0) && write_file(s, names[k], part[k] ? (const void *)part[k] : "", len[k],
                                             path, sizeof path) != 0) {
            cJSON_Delete(options);
            return bug(message, message_size, "cannot write the input: %s", strerror(errno));
        }

    /* on_bad_row "error", then "skip" (unless the options say which). The csv scenario
     * names tenants and gives its source one; a tenant column or a missing function column
     * makes the loader ask for the source without its tenant or with a target, which the
     * next attempt gives. */
    bool own_bad_rows = cJSON_GetObjectItemCaseSensitive(options, "on_bad_row") != NULL;
    static const char *const bad_rows[] = { "error", "skip" };
    fuzz_verdict v = FUZZ_REFUSED;
    for (int b = 0; b < (own_bad_rows ? 1 : 2) && v == FUZZ_REFUSED; b++) {
        bool with_target = false, with_tenant = target == FUZZ_CSV;
        for (int attempt = 0; attempt < 3; attempt++) {
            if (trace_scenario(s, target, options, own_bad_rows ? NULL : bad_rows[b], with_target,
                               with_tenant, len[1] > 0, len[2] > 0, path, sizeof path) != 0) {
                v = bug(message, message_size, "cannot write the scenario: %s", strerror(errno));
                break;
            }
            v = load_and_run(s, path, NULL, FUZZ_TRACE_MAX_ARRIVALS, message, message_size);
            if (v != FUZZ_REFUSED || target != FUZZ_CSV)
                break;
            if (with_tenant && strstr(message, "traffic[0].tenant:"))
                with_tenant = false;
            else if (!with_target && strstr(message, "traffic[0].target:"))
                with_target = true;
            else
                break;
        }
    }
    cJSON_Delete(options);
    return v;
}

fuzz_verdict fuzz_one(fuzz_session *s, fuzz_target target, const uint8_t *data, size_t size,
                      char *message, size_t message_size)
{
    char own[1024];
    if (!message) {
        message = own;
        message_size = sizeof own;
    }
    message[0] = '\0';
    if (target == FUZZ_SCENARIO)
        return scenario_one(s, data, size, message, message_size);
    if (target == FUZZ_SET)
        return set_one(s, data, size, message, message_size);
    return trace_one(s, target, data, size, message, message_size);
}

void fuzz_one_or_abort(fuzz_session *s, fuzz_target target, const uint8_t *data, size_t size)
{
    static const char *const verdicts[] = { "refused", "ran", "skipped", "BUG" };
    char message[1024];
    fuzz_verdict v = fuzz_one(s, target, data, size, message, sizeof message);
    const char *verbose = getenv("SLSIM_FUZZ_VERBOSE");
    if (v == FUZZ_BUG || (verbose && *verbose && *verbose != '0'))
        fprintf(stderr, "fuzz_%s: %s: %s\n", fuzz_target_names[target], verdicts[v], message);
    if (v == FUZZ_BUG)
        abort();
}
