/* concurrent.c — instances serving several requests at once (concurrency > 1, Cloud Run).
 *
 * An instance takes requests while it serves fewer than `concurrency`; a new request goes
 * to a busy instance with room before an idle or new one. The instance is billed for its
 * busy periods (from its first request to its last one ending), each rounded up as the
 * provider rounds, not for the sum of its requests' durations. Requests on one instance do
 * not slow each other down here. Invariant: `open` lists exactly the instances with
 * 0 < active < concurrency, and open_pos is each one's place on it. */
#include "models/function/internal.h"

static bool is_open(const function_state *st, const instance *in)
{
    return in->active > 0 && in->active < st->f->concurrency;
}

/* Keeps the open list right after an instance's active count moved from `was`. */
static void open_update(function_state *st, uint32_t slot, bool was_open)
{
    instance *in = &st->inst[slot];
    bool now_open = is_open(st, in);
    if (now_open && !was_open) {
        in->open_pos = st->n_open;
        st->open[st->n_open++] = slot;
    } else if (!now_open && was_open) {
        uint32_t last = st->open[--st->n_open];
        st->open[in->open_pos] = last;
        st->inst[last].open_pos = in->open_pos;
    }
}

/* A busy period of an instance, billed as one for its part inside the window, rounded up. */
void function_bill_busy(function_state *st, double start, double end)
{
    const world *w = st->w;
    double a = fmax(start, w->t_start), b = fmin(end, w->t_end);
    if (b <= a)
        return;
    uint64_t billed = billed_ms_of(st->f, (b - a) * 1000.0 - 1e-6);
    st->billed_ms += billed;
    if (st->f->cpu_per_s > 0)
        st->cpu_units += (double)billed / 1000.0 * st->f->cpu_per_s;
}

static void on_concurrent_end(sim *s, void *target, uint64_t arg)
{
    function_state *st = target;
    world *w = st->w;
    double now = sim_now(s);
    uint32_t slot = sim_payload_of(arg), req = sim_gen_of(arg);
    instance *in = &st->inst[slot];
    bool was = is_open(st, in);
    in->active--;
    open_update(st, slot, was);
    if (in->active == 0) {
        function_bill_busy(st, in->busy_start, now);      /* the busy period ends */
        busy_span(st, in->busy_start, now);
        function_release_instance(st, slot, now);
    }
    if (req != UINT32_MAX)
        world_reply(w, req, (attempt_result)w->req[req].result);
}

void function_concurrent_accept(function_state *st, world *w, uint32_t req)
{
    const function_spec *f = st->f;
    double now = sim_now(w->s);
    uint32_t slot;
    int cold = 0;
    if (st->n_open) {
        slot = st->open[st->n_open - 1];        /* the most recent busy instance with room */
    } else {
        if (f->reserved >= 0 && st->busy >= (uint32_t)f->reserved) {
            function_throttle(st, w, req, now);
            return;
        }
        slot = function_take_instance(st, w, now, &cold, st->version);
        if (slot == UINT32_MAX) {
            function_throttle(st, w, req, now);
            return;
        }
    }
    instance *in = &st->inst[slot];
    bool was = is_open(st, in);
    if (in->active == 0) {
        st->busy++;
        if (st->pool_busy)
            (*st->pool_busy)++;
        gauge_add(&st->concurrency, now, 1.0);
        in->busy_start = now;
    }
    in->active++;
    open_update(st, slot, was);
    double init_ms = cold ? dist_sample(&f->cold_start_ms, st->r_cold) : 0.0;
    double run_ms;
    attempt_result result = function_draw_outcome(st, st->version, 1, false, w->req[req].run_ms, &run_ms);
    double end = now + (init_ms + run_ms) / 1000.0;
    if (world_measuring(w, now)) {
        st->invocations++;
        st->time_inside_s += end - now;
        if (cold) {
            st->cold_starts++;
            st->init_ms_sum += init_ms;
            series_add(&st->w->ts[TS_COLD_STARTS], now, 1.0);
        }
        if (result == RESULT_ERROR)
            st->errors++;
        else if (result == RESULT_TIMEOUT)
            st->timeouts++;
    }
    request *r = &w->req[req];
    r->result = (uint8_t)result;
    uint32_t reply = req;
    if (end > r->deadline) {
        reply = UINT32_MAX;           /* the client gives up first; the request runs on */
        sim_at(w->s, r->deadline, function_on_client_gave_up, w, req);
    }
    sim_at(w->s, end, on_concurrent_end, st, sim_gen_pack(reply, slot));
}
