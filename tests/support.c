/* support.c — test helpers (see support.h). */
#include "tests/support.h"

#include "sim/cfg.h"
#include "sim/replicate.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

world_spec *support_load_text(const char *json, char *err, size_t err_size)
{
    char path[] = "/tmp/slsim-test-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(json);
    ck_assert_int_eq((long)write(fd, json, len), (long)len);
    close(fd);
    world_spec *spec = world_spec_load(path, NULL, err, err_size);
    unlink(path);
    return spec;
}

void support_run_text(const char *json, int threads, world_spec **spec, run_result *res)
{
    char err[1024] = "";
    *spec = support_load_text(json, err, sizeof err);
    ck_assert_msg(*spec != NULL, "scenario did not load: %s", err);
    int rc = run_scenario(*spec, threads, res, err, sizeof err);
    ck_assert_msg(rc == 0, "run failed: %s", err);
}

void support_done(world_spec *spec, run_result *res)
{
    run_result_free(res);
    world_spec_free(spec);
}

double support_row_value(const run_result *res, uint32_t r, const char *name)
{
    bool known = false;
    for (size_t i = 0; i < res->n_values && !known; i++)
        known = strcmp(res->names[i], name) == 0;
    ck_assert_msg(known, "no figure named %s", name);
    return run_row_value(res, r, name);
}

double support_workflow_value(const run_result *res, uint32_t r, const char *wf, const char *figure)
{
    char name[256];
    snprintf(name, sizeof name, "workflows.%s.%s", wf, figure);
    return support_row_value(res, r, name);
}

void support_assert_workflow_outcome(const run_result *res, uint32_t r, const char *wf, const char *keep,
                                     double count)
{
    static const char *const outcomes[] = { "succeeded", "failed", "timed_out", "compensated",
                                            "compensation_failed" };
    for (size_t k = 0; k < sizeof outcomes / sizeof *outcomes; k++) {
        double v = support_workflow_value(res, r, wf, outcomes[k]);
        double want = strcmp(outcomes[k], keep) == 0 ? count : 0;
        ck_assert_msg(v == want, "replication %u: workflows.%s.%s = %g, expected %g", r, wf, outcomes[k], v, want);
    }
}

const char *support_binary(void)
{
    const char *b = getenv("SLSIM");
    return b && *b ? b : "./slsim";
}

int support_sh(char *out, size_t out_size, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[8300];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t n = 0;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0) {
        if (out && n + 1 < out_size) {
            size_t take = got < out_size - 1 - n ? got : out_size - 1 - n;
            memcpy(out + n, buf, take);
            n += take;
        }
    }
    if (out && out_size)
        out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *support_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    if (s && fread(s, 1, (size_t)len, f) == (size_t)len) {
        s[len] = '\0';
    } else {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

/* The text of fixture name with the assignments of sets (lines; NULL: none) applied. */
static void scenario_text(char *json, size_t size, const char *name, const char *sets)
{
    char path[512];
    snprintf(path, sizeof path, "tests/scenarios/%s", name);
    char *text = support_read_file(path);
    ck_assert_msg(text != NULL, "no scenario fixture %s", path);
    cJSON *root = cJSON_Parse(text);
    free(text);
    ck_assert_msg(root != NULL, "%s: not JSON", path);
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, path);
    for (const char *line = sets ? sets : ""; *line && !ctx.failed;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char assignment[1024];
        ck_assert_msg(n < sizeof assignment, "%s: an assignment too long: %.60s...", path, line);
        memcpy(assignment, line, n);
        assignment[n] = '\0';
        if (n > 0)
            cfg_set_path(&ctx, root, assignment);
        line += n + (end ? 1 : 0);
    }
    /* Compact: the text a test used to hold as a C string, about as long. */
    text = ctx.failed ? NULL : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    ck_assert_msg(!ctx.failed, "%s: %s", path, ctx.message);
    ck_assert_ptr_nonnull(text);
    size_t len = strlen(text);
    ck_assert_msg(len < size, "%s: %zu bytes do not fit in %zu", path, len, size);
    memcpy(json, text, len + 1);
    free(text);
}

void support_scenario(char *json, size_t size, const char *name)
{
    scenario_text(json, size, name, NULL);
}

void support_scenario_set(char *json, size_t size, const char *name, const char *fmt, ...)
{
    char sets[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sets, sizeof sets, fmt, ap);
    va_end(ap);
    ck_assert_msg(n >= 0 && (size_t)n < sizeof sets, "%s: assignments too long", name);
    scenario_text(json, size, name, sets);
}

void support_write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_int_eq((long)fwrite(data, 1, len, f), (long)len);
    ck_assert_int_eq(fclose(f), 0);
}

void support_write_text(const char *path, const char *text) { support_write_bytes(path, text, strlen(text)); }

void support_tempdir(char *buf, size_t size)
{
    snprintf(buf, size, "/tmp/slsim-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

void support_rmrf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

void support_join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    ck_assert_msg(n > 0 && (size_t)n < size, "path too long: %s/%s", dir, name);
}

void support_write_in(char *buf, size_t size, const char *dir, const char *name, const char *text)
{
    support_join(buf, size, dir, name);
    support_write_text(buf, text);
}

int support_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* It leaves timeout_s and keep_alive out on purpose, so that --print-config must fill them
 * in; retries and errors make several RNG streams matter. */
const char support_cli_scenario[] =
    "// A small API: Poisson users, retries, a few handler errors.\n"
    "{\n"
    "  \"name\": \"cli-basic\",\n"
    "  \"duration_s\": 600,\n"
    "  \"seed\": 2385,\n"
    "  \"replications\": 2,\n"
    "  \"traffic\": [\n"
    "    { \"name\": \"users\", \"target\": \"api\",\n"
    "      \"arrivals\": { \"process\": \"poisson\", \"rate_per_s\": 7.3 },\n"
    "      \"client\": { \"timeout_ms\": 2000,\n"
    "                  \"retry\": { \"max_attempts\": 3, \"backoff_base_ms\": 50,\n"
    "                             \"backoff_cap_ms\": 800, \"jitter\": \"full\" } } }\n"
    "  ],\n"
    "  \"components\": [\n"
    "    { \"name\": \"api\", \"kind\": \"function\", \"runtime\": \"python\", \"memory_mb\": 512,\n"
    "      \"duration_ms\": { \"dist\": \"lognormal\", \"median\": 45, \"p99\": 400 },\n"
    "      \"error_rate\": 0.02 }\n"
    "  ]\n"
    "}\n";

void *support_alloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    ck_assert_ptr_nonnull(p);
    return p;
}

double support_mean_ci(const double *values, size_t n, double *half_width)
{
    double mean;
    replicate_mean_ci(values, n, 1, 0, &mean, half_width);
    return mean;
}

double support_erlang_b(double a, int c)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return b;
}

double support_ratio_ci(const run_result *res, const char *num, const char *den, double *half_width)
{
    uint32_t n = res->spec->replications;
    double *v = calloc(n, sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (uint32_t r = 0; r < n; r++) {
        double d = support_row_value(res, r, den);
        v[r] = d > 0 ? support_row_value(res, r, num) / d : 0.0;
    }
    double m = support_mean_ci(v, n, half_width);
    free(v);
    return m;
}

int support_verbose(void)
{
    const char *v = getenv("SLSIM_VERBOSE");
    return v && *v && *v != '0';
}

void support_assert_within_ci(const char *suite, const char *what, double simulated, double hw,
                              double reference)
{
    double tol = 1.5 * hw + 1e-9 * fabs(reference);
    if (support_verbose())
        fprintf(stderr, "%s: %s: simulated %.6g ± %.3g, reference %.6g, error %.3g%%\n",
                suite, what, simulated, hw, reference,
                reference != 0 ? 100 * (simulated - reference) / reference : 0.0);
    ck_assert_msg(isfinite(hw) && hw > 0, "%s: no confidence interval", what);
    ck_assert_msg(fabs(simulated - reference) <= tol,
                  "%s: simulated %.6g (95%% half-width %.3g), reference %.6g, tolerance %.3g",
                  what, simulated, hw, reference, tol);
}

double support_figure_ci(const run_result *res, const char *name, double *half_width)
{
    uint32_t n = res->spec->replications;
    double *v = calloc(n, sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (uint32_t r = 0; r < n; r++)
        v[r] = support_row_value(res, r, name);
    double m = support_mean_ci(v, n, half_width);
    free(v);
    return m;
}

void support_assert_refused(const char *suite, const char *json, const char *path, const char *words)
{
    char err[1024] = "";
    world_spec *spec = support_load_text(json, err, sizeof err);
    if (spec)
        world_spec_free(spec);
    ck_assert_msg(spec == NULL, "accepted: %s", json);
    ck_assert_msg(strstr(err, path) != NULL, "message without the path %s: %s", path, err);
    ck_assert_msg(strstr(err, words) != NULL, "message without \"%s\": %s", words, err);
    if (support_verbose())
        fprintf(stderr, "%s: refused: %s\n", suite, err);
}

void support_run_file(const char *file, int replications, double duration_s, const char *const *sets,
                      size_t n_sets, world_spec **spec, run_result *res)
{
    world_overrides o = { .sets = (const char **)sets, .n_sets = n_sets, .seed = -1,
                          .replications = replications > 0 ? replications : -1,
                          .duration_s = duration_s > 0 ? duration_s : -1 };
    char err[1024] = "";
    *spec = world_spec_load(file, &o, err, sizeof err);
    ck_assert_msg(*spec != NULL, "%s did not load: %s", file, err);
    ck_assert_msg(run_scenario(*spec, 1, res, err, sizeof err) == 0, "%s: run failed: %s", file, err);
}

static double paired(const run_result *x, const char *a, const run_result *y, const char *b, int ratio, double *hw)
{
    uint32_t n = x->spec->replications;
    ck_assert_uint_eq(n, y->spec->replications);
    double v[1000];
    ck_assert_uint_le(n, 1000);
    for (uint32_t r = 0; r < n; r++) {
        double va = support_row_value(x, r, a), vb = support_row_value(y, r, b);
        v[r] = ratio ? va / vb : va - vb;
    }
    return support_mean_ci(v, n, hw);
}

double support_paired_ratio(const run_result *x, const char *a, const run_result *y, const char *b, double *hw)
{
    return paired(x, a, y, b, 1, hw);
}

double support_paired_diff(const run_result *x, const char *a, const run_result *y, const char *b, double *hw)
{
    return paired(x, a, y, b, 0, hw);
}

void support_assert_below(const char *suite, const char *what, double mean, double hw, double bound)
{
    if (support_verbose())
        fprintf(stderr, "%s: %s: %.6g ± %.3g, claim < %g\n", suite, what, mean, hw, bound);
    ck_assert_msg(isfinite(hw) && mean + hw < bound, "%s: %.6g ± %.3g is not below %g", what, mean, hw, bound);
}

void support_assert_above(const char *suite, const char *what, double mean, double hw, double bound)
{
    if (support_verbose())
        fprintf(stderr, "%s: %s: %.6g ± %.3g, claim > %g\n", suite, what, mean, hw, bound);
    ck_assert_msg(isfinite(hw) && mean - hw > bound, "%s: %.6g ± %.3g is not above %g", what, mean, hw, bound);
}

double support_round_cents(double x) { return round(x * 100.0) / 100.0; }

void support_assert_close(const char *what, double got, double want)
{
    ck_assert_msg(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want)), "%s: %.12g, expected %.12g", what, got,
                  want);
}

void support_assert_cents(const char *what, double got, double want)
{
    ck_assert_msg(fabs(got - want) < 0.001, "%s: $%.4f, expected $%.2f", what, got, want);
}

price_table support_price_table(const char *name)
{
    price_table t;
    cfg_ctx ctx;
    cfg_ctx_init(&ctx, "test");
    ck_assert_msg(billing_load(&t, &ctx, name, NULL) == 0, "%s", ctx.message);
    return t;
}

bill support_bill_month(const price_table *t, const support_usage *u, size_t n, bool free_tier)
{
    static double by_component[1];
    ledger l;
    ledger_init(&l, t);
    for (size_t i = 0; i < n; i++)
        usage_add(&l, 0, u[i].dim, u[i].quantity);
    ck_assert(!l.failed);
    ck_assert_msg(l.n_unpriced == 0, "%s does not price %s", t->name, l.unpriced[0]);
    bill b = { .n = 1, .by_component = by_component };
    billing_compute(t, &l, free_tier, t->month_hours * 3600.0, &b);
    ledger_free(&l);
    return b;
}

double support_bill_line(const price_table *t, const bill *b, const char *line)
{
    for (size_t k = 0; k < t->n_lines; k++)
        if (!strcmp(t->line_name[k], line))
            return b->line[k];
    ck_abort_msg("no bill line %s in %s", line, t->name);
    return NAN;
}

double support_month_line(const price_table *t, const support_usage *u, size_t n, bool free_tier, const char *line)
{
    bill b = support_bill_month(t, u, n, free_tier);
    return support_bill_line(t, &b, line);
}

void support_run_fixture(const char *file, const char *const *sets, world_spec **spec, run_result *res)
{
    size_t n = 0;
    while (sets && sets[n])
        n++;
    support_run_file(file, 0, 0, sets, n, spec, res);
}
