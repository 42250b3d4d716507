/* provisioned.c — provisioned concurrency, fixed or on a daily schedule
 * (provisioned_schedule), and freeing an idle on-demand environment to make room.
 *
 * pc_live instances are provisioned now and pc_cap is how many there should be; when the
 * schedule lowers pc_cap, busy provisioned instances retire as they finish. pc_area holds
 * the configured instance-seconds of the measured window up to pc_t (billed as
 * provisioned concurrency whether used or not). Schedule times are daily hours from
 * pc_start_hour; pc_at_hour is sorted. */
#include "models/function/internal.h"

/* Frees the slot of the least recently used idle on-demand environment whose version is not
 * keep (UINT32_MAX: any). False when there is none. */
bool function_reclaim_idle(function_state *st, uint32_t keep, double now)
{
    for (uint32_t j = 0; j < st->n_idle; j++) {
        uint32_t slot = st->idle[j];
        instance *in = &st->inst[slot];
        if (keep != UINT32_MAX && in->version == keep && in->expiry > now)
            continue;
        memmove(&st->idle[j], &st->idle[j + 1], (st->n_idle - j - 1) * sizeof *st->idle);
        st->n_idle--;
        if (in->expiry > now)
            in->expiry = now;
        function_discard_instance(st, slot);
        return true;
    }
    return false;
}

/* The schedule's action in effect at the run's start: the last one at or before the start
 * hour, else (before the day's first) the day's last. */
size_t function_pc_action_at_start(const function_spec *f)
{
    size_t k = f->n_pc_actions - 1;
    for (size_t i = 0; i < f->n_pc_actions; i++)
        if (f->pc_at_hour[i] <= f->pc_start_hour)
            k = i;
    return k;
}

/* The first scheduled action strictly after now (run time): its time, and its index in k. */
double function_pc_next(const function_spec *f, double now, size_t *k)
{
    double best = INFINITY;
    double day = floor((now / 3600.0 + f->pc_start_hour) / 24.0);
    for (int d = 0; d <= 1; d++)
        for (size_t i = 0; i < f->n_pc_actions; i++) {
            double t = ((day + d) * 24.0 + f->pc_at_hour[i] - f->pc_start_hour) * 3600.0;
            if (t > now + 1e-9 && t < best) {
                best = t;
                *k = i;
            }
        }
    return best;
}

/* Adds the configured instance-seconds from pc_t to now that fall in the window. */
void function_pc_account(function_state *st, double now)
{
    double a = fmax(st->pc_t, st->w->t_start), b = fmin(now, st->w->t_end);
    if (b > a)
        st->pc_area += (double)st->pc_cap * (b - a);
    st->pc_t = now;
}

/* The provisioned instances become target: new ones are ready (warm and idle) at once;
 * surplus idle ones go now, busy ones when their invocation ends. */
void function_pc_set(function_state *st, uint32_t target, double now)
{
    function_pc_account(st, now);
    st->pc_cap = target;
    while (st->pc_live < target) {
        if (freelist_empty(&st->free_slots) && function_grow_slots(st) != 0 && !function_reclaim_idle(st, UINT32_MAX, now)) {
            st->w->out_of_memory = 1;
            return;
        }
        uint32_t slot = freelist_take(&st->free_slots);
        /* A reused slot keeps counting its epochs: late events of its last invocation must
         * not match the next one. */
        uint32_t epoch = st->inst[slot].call.epoch + 1;
        st->inst[slot] = (instance){ .idle_since = now, .expiry = INFINITY, .provisioned = 1,
                                     .version = st->version, .cached_at = -INFINITY,
                                     .call = { .epoch = epoch } };
        st->idle_pc[st->n_idle_pc++] = slot;
        st->pc_live++;
    }
    while (st->pc_live > target && st->n_idle_pc > 0) {
        uint32_t slot = st->idle_pc[--st->n_idle_pc];
        st->inst[slot].expiry = now;
        function_discard_instance(st, slot);
        st->pc_live--;
    }
}

void function_on_pc_action(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    const function_spec *f = st->f;
    double now = sim_now(s);
    function_pc_set(st, f->pc_count[arg], now);
    size_t k;
    double t = function_pc_next(f, now, &k);
    if (t < st->w->t_end && sim_at(s, t, function_on_pc_action, st, k) != 0)
        st->w->out_of_memory = 1;
}
