/* deploy.c — deployments of new versions: all at once, canary, linear, with an alarm
 * that rolls back.
 *
 * version is the live version (0 the first, i + 1 deployment i's); while deployment i
 * rolls out, cand = i + 1 takes `share` of the invocations, and one event is pending for
 * it at min(next_shift, next_check). win_inv and win_err count the candidate's invocations
 * and errors in the current alarm window only. Environments of a retired version are
 * expired when idle and discarded when they finish. */
#include "models/function/internal.h"

static void on_deploy_tick(sim *s, void *target, uint64_t arg);

/* Every idle environment of version v retires now. */
static void retire_version(function_state *st, uint32_t v, double now)
{
    for (uint32_t i = 0; i < st->n_idle; i++) {
        instance *in = &st->inst[st->idle[i]];
        if (in->version == v && in->expiry > now)
            in->expiry = now;
    }
}

/* The deploying version serves everything: the old one's idle environments retire at once,
 * busy ones when they finish, so (all at once) the next arrivals start cold — the
 * cold-start wave. Provisioned instances are prepared for the new version before it takes
 * traffic (as Lambda does for an alias with provisioned concurrency). */
static void deploy_complete(function_state *st, double now)
{
    uint32_t old = st->version;
    st->version = st->cand;
    st->cand = 0;
    st->share = 0;
    retire_version(st, old, now);
}

/* Schedules the deployment's next traffic step or alarm check, whichever comes first. */
static void deploy_next(function_state *st, size_t i)
{
    double t = fmin(st->next_shift, st->next_check);
    if (t < st->w->t_end && sim_at(st->w->s, t, on_deploy_tick, st, i) != 0)
        st->w->out_of_memory = 1;
}

/* A deployment starts: the new version takes its first share (all of it at once). */
void function_on_deploy(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    const deployment *dp = &st->f->deploy[arg];
    double now = sim_now(s);
    /* The previous deployment ends at this very time (its last step's event may come after
     * this one): finish it first. */
    if (st->cand) {
        on_deploy_tick(s, st, st->cand - 1);
        if (st->cand)
            deploy_complete(st, now);
    }
    if (world_measuring(st->w, now))
        st->deployments++;
    st->cand = (uint32_t)arg + 1;
    if (dp->strategy == DEPLOY_ALL_AT_ONCE || dp->percent >= 100) {
        deploy_complete(st, now);
        return;
    }
    st->share = dp->percent / 100.0;
    st->win_inv = st->win_err = 0;
    st->next_shift = now + dp->interval_s;
    st->next_check = dp->alarm ? now + dp->alarm_window_s : INFINITY;
    deploy_next(st, arg);
}

/* Whether the deploying version's errors in the alarm window so far set the alarm off. */
static bool deploy_alarm(const function_state *st, const deployment *dp)
{
    return st->win_inv >= dp->alarm_min_invocations &&
           (double)st->win_err > dp->alarm_error_rate * (double)st->win_inv;
}

/* Roll back: the old version takes everything again; the new one's idle environments
 * retire now, busy ones when they finish. */
static void deploy_roll_back(function_state *st, double now)
{
    if (world_measuring(st->w, now))
        st->rollbacks++;
    uint32_t v = st->cand;
    st->cand = 0;
    st->share = 0;
    retire_version(st, v, now);
}

/* A deployment's alarm check (its version's error share over the last window: above the
 * threshold, with enough invocations, it rolls back) and then its traffic step. */
static void on_deploy_tick(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    const deployment *dp = &st->f->deploy[arg];
    double now = sim_now(s);
    if (st->cand != (uint32_t)arg + 1)
        return;
    if (st->next_check <= now) {
        bool alarm = deploy_alarm(st, dp);
        st->win_inv = st->win_err = 0;
        st->next_check = now + dp->alarm_window_s;
        if (alarm) {
            deploy_roll_back(st, now);
            return;
        }
    }
    if (st->next_shift <= now) {
        st->share = dp->strategy == DEPLOY_CANARY ? 1.0 : fmin(1.0, st->share + dp->percent / 100.0);
        if (st->share >= 1.0 - 1e-12) {
            /* A last look at the window so far before everything shifts. */
            if (dp->alarm && deploy_alarm(st, dp)) {
                deploy_roll_back(st, now);
                return;
            }
            deploy_complete(st, now);
            return;
        }
        st->next_shift = now + dp->interval_s;
    }
    deploy_next(st, arg);
}

/* An invocation of the deploying version ended: its alarm window and figures. */
void function_deploy_observe(function_state *st, uint32_t version, attempt_result result, double now)
{
    if (!st->cand || version != st->cand)
        return;
    bool error = result == RESULT_ERROR || result == RESULT_TIMEOUT || result == RESULT_PARTIAL;
    st->win_inv++;
    st->win_err += error;
    if (world_measuring(st->w, now)) {
        st->new_invocations++;
        st->new_errors += error;
    }
}
