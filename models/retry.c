/* retry.c — retry policies shared by clients and calls. */
#include "models/retry.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const jitter_names[] = { "none", "full", "equal", "decorrelated", NULL };
static const char *const result_names[] = { "ok", "error", "timeout", "throttle", NULL };

void retry_parse(cfg_node *n, const char *key, const retry_policy *def, retry_policy *p)
{
    cfg_node r;
    cfg_object(n, key, &r);
    p->max_attempts = (uint32_t)cfg_integer(&r, "max_attempts", def->max_attempts, 1, 100);
    p->base_ms = cfg_number(&r, "backoff_base_ms", def->base_ms, 0, 3.6e6);
    p->cap_ms = cfg_number(&r, "backoff_cap_ms", def->cap_ms, 0, 3.6e6);
    p->jitter = (jitter_kind)cfg_enum(&r, "jitter", jitter_names, (int)def->jitter);
    memset(p->retry_on, 0, sizeof p->retry_on);
    const cJSON *on = cfg_raw(&r, "retry_on");
    p->retry_on[RESULT_ERROR] = p->retry_on[RESULT_TIMEOUT] = p->retry_on[RESULT_THROTTLED] = true;
    if (on) {
        if (!cJSON_IsArray(on)) {
            cfg_fail(&r, "retry_on", "expected an array of \"error\", \"timeout\", \"throttle\"");
        } else {
            p->retry_on[RESULT_ERROR] = p->retry_on[RESULT_TIMEOUT] = p->retry_on[RESULT_THROTTLED] = false;
            int i = 0;
            for (const cJSON *e = on->child; e; e = e->next, i++) {
                int k = -1;
                for (int j = 1; result_names[j] && cJSON_IsString(e); j++)
                    if (strcmp(result_names[j], e->valuestring) == 0)
                        k = j;
                if (k < 0) {
                    char item[32];
                    snprintf(item, sizeof item, "retry_on[%d]", i);
                    cfg_fail(&r, item, "expected \"error\", \"timeout\" or \"throttle\"");
                    break;
                }
                p->retry_on[k] = true;
            }
        }
    }
    /* A handler that failed on poisoned items is an error to whoever retries it. */
    p->retry_on[RESULT_PARTIAL] = p->retry_on[RESULT_ERROR];
    cJSON *list = cJSON_CreateArray();
    for (int j = 1; j < 4; j++)
        if (p->retry_on[j])
            cJSON_AddItemToArray(list, cJSON_CreateString(result_names[j]));
    cfg_put(&r, "retry_on", list);
    if (!cfg_failed(&r) && p->cap_ms < p->base_ms)
        cfg_fail(&r, "backoff_cap_ms", "must be at least backoff_base_ms (%g), got %g",
                 p->base_ms, p->cap_ms);
    cfg_done(&r);
}

double retry_backoff_ms(const retry_policy *p, uint32_t attempts_made, double *prev_ms, gsl_rng *rng)
{
    uint32_t k = attempts_made - 1 < 60 ? attempts_made - 1 : 60;
    double exp_ms = p->base_ms * ldexp(1.0, (int)k);
    if (exp_ms > p->cap_ms)
        exp_ms = p->cap_ms;
    switch (p->jitter) {
    case JITTER_NONE:
        return exp_ms;
    case JITTER_FULL:
        return gsl_rng_uniform(rng) * exp_ms;
    case JITTER_EQUAL:
        return 0.5 * exp_ms + gsl_rng_uniform(rng) * 0.5 * exp_ms;
    case JITTER_DECORRELATED: {
        double hi = 3.0 * *prev_ms;
        double sleep = p->base_ms + gsl_rng_uniform(rng) * (hi - p->base_ms);
        if (sleep > p->cap_ms)
            sleep = p->cap_ms;
        *prev_ms = sleep;
        return sleep;
    }
    }
    return exp_ms;
}

bool retry_again(const retry_policy *p, attempt_result r, uint32_t attempt)
{
    return r != RESULT_OK && p->retry_on[r] && attempt < p->max_attempts;
}
