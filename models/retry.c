/* retry.c — retry policies shared by clients and calls. */
#include "models/retry.h"
#include "sim/rng.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const jitter_names[] = { "none", "full", "equal", "decorrelated", NULL };
static const char *const result_names[] = { "ok", "error", "timeout", "throttle", NULL };

void retry_parse_on(cfg_node *r, bool on[5])
{
    memset(on, 0, 5 * sizeof *on);
    const cJSON *list_in = cfg_raw(r, "retry_on");
    on[RESULT_ERROR] = on[RESULT_TIMEOUT] = on[RESULT_THROTTLED] = true;
    if (list_in) {
        if (!cJSON_IsArray(list_in)) {
            cfg_fail(r, "retry_on", "expected an array of \"error\", \"timeout\", \"throttle\"");
        } else {
            on[RESULT_ERROR] = on[RESULT_TIMEOUT] = on[RESULT_THROTTLED] = false;
            int i = 0;
            for (const cJSON *e = list_in->child; e; e = e->next, i++) {
                int k = -1;
                for (int j = 1; result_names[j] && cJSON_IsString(e); j++)
                    if (strcmp(result_names[j], e->valuestring) == 0)
                        k = j;
                if (k < 0) {
                    char item[32];
                    snprintf(item, sizeof item, "retry_on[%d]", i);
                    cfg_fail(r, item, "expected \"error\", \"timeout\" or \"throttle\"");
                    break;
                }
                on[k] = true;
            }
        }
    }
    /* A handler that failed on poisoned items is an error to whoever retries it. */
    on[RESULT_PARTIAL] = on[RESULT_ERROR];
    cJSON *list = cJSON_CreateArray();
    for (int j = 1; j < 4; j++)
        if (on[j])
            cJSON_AddItemToArray(list, cJSON_CreateString(result_names[j]));
    cfg_put(r, "retry_on", list);
}

void retry_parse(cfg_node *n, const char *key, const retry_policy *def, retry_policy *p)
{
    cfg_node r;
    cfg_object(n, key, &r);
    /* Up to 100 attempts, or the default when it is more (EventBridge: 185). */
    long long most = def->max_attempts > 100 ? def->max_attempts : 100;
    p->max_attempts = (uint32_t)cfg_integer(&r, "max_attempts", def->max_attempts, 1, most);
    p->base_ms = cfg_number(&r, "backoff_base_ms", def->base_ms, 0, 3.6e6);
    p->cap_ms = cfg_number(&r, "backoff_cap_ms", def->cap_ms, 0, 3.6e6);
    p->jitter = (jitter_kind)cfg_enum(&r, "jitter", jitter_names, (int)def->jitter);
    retry_parse_on(&r, p->retry_on);
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
        return rng_uniform(rng) * exp_ms;
    case JITTER_EQUAL:
        return 0.5 * exp_ms + rng_uniform(rng) * 0.5 * exp_ms;
    case JITTER_DECORRELATED: {
        double hi = 3.0 * *prev_ms;
        double sleep = p->base_ms + rng_uniform(rng) * (hi - p->base_ms);
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
