/* engine.h — one replication's event loop: a clock, a pending event set, RNG streams.
 *
 * INITIALIZE / ITERATE / TEST: sim_new, then sim_at to seed events, then sim_step or
 * sim_run_until. Nothing here knows about serverless.
 *
 * Watchdog: sim_run_until stops, and sim_stalled says so, when a run lets no simulated time
 * pass for a long run of events (a loop of events at one instant that would never end). The
 * kernel cannot tell whose loop it is; it hands back the next event, and its caller, which
 * knows what its targets are, names it.
 *
 * Cancellation is lazy: a target that may need to cancel its events keeps a generation
 * counter, packs it into the event's arg with sim_gen_pack, and its handler drops an event
 * whose generation is stale (sim_gen_of(arg) != target's generation). Bumping the counter
 * cancels every outstanding event at once, with no heap deletion. */
#ifndef SLSIM_ENGINE_H
#define SLSIM_ENGINE_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

#include "sim/pes.h"

typedef struct sim sim;

sim     *sim_new(uint64_t seed, uint32_t replication);  /* NULL when out of memory */
void     sim_free(sim *s);
double   sim_now(const sim *s);
/* Schedules handler(s, target, arg) at time t (t >= now; earlier times are clamped to now;
 * t must not be NaN). Returns 0, or -1 when out of memory or when the event set is full
 * (2^24 pending events); the run must then fail. */
int      sim_at(sim *s, double t, sim_handler handler, void *target, uint64_t arg);
/* sim_at with the address the handler reads first (an instance's record), which the event
 * set prefetches while the event before it runs; only a hint (it may be stale or NULL). */
int      sim_at_hint(sim *s, double t, sim_handler handler, void *target, uint64_t arg, const void *hint);
/* Runs the earliest event; returns 1 if one ran, 0 when the set is empty. */
int      sim_step(sim *s);
/* Runs every event with time < t_end, then sets the clock to t_end; or stops early when an
 * event set is full or out of memory (sim_failed) or when no time passes (sim_stalled). */
void     sim_run_until(sim *s, double t_end);
/* The watchdog's default: this many events in a row at one simulated time stop a run. No
 * model does that much at one instant (a million simultaneous arrivals is two events
 * each); a loop of events that lets no time pass reaches it in seconds. */
#define SIM_STALL_EVENTS 50000000u
/* Sets the watchdog's limit (0: no watchdog). It is checked every 65,536 events, so a run
 * stops within 65,536 events past the limit. */
void     sim_set_stall_limit(sim *s, uint64_t events);
/* The event a stalled run stopped at: it was next, at the instant that did not end. */
typedef struct sim_stall {
    double      time;       /* the instant */
    uint64_t    events;     /* events run at that instant before the run stopped */
    sim_handler handler;    /* the next event, not run */
    void       *target;
    uint64_t    arg;
} sim_stall;
/* True once sim_run_until stopped because no simulated time passed; fills *out (may be NULL). */
int      sim_stalled(const sim *s, sim_stall *out);
uint64_t sim_events_run(const sim *s);
/* sim_run_until calls fn(ctx, now) every 65,536 events (a progress bar; NULL: none). */
typedef void (*sim_progress_fn)(void *ctx, double now);
void     sim_on_progress(sim *s, sim_progress_fn fn, void *ctx);
size_t   sim_pending(const sim *s);
/* True once an sim_at failed for lack of memory. */
int      sim_failed(const sim *s);
/* The stream for name: the same (seed, replication, name) always gives the same numbers.
 * Owned by s; created on first use (64 bytes, rng.h). NULL only when out of memory. */
gsl_rng *sim_stream(sim *s, const char *name);

static inline uint64_t sim_gen_pack(uint32_t generation, uint32_t payload)
{
    return ((uint64_t)generation << 32) | payload;
}
static inline uint32_t sim_gen_of(uint64_t arg) { return (uint32_t)(arg >> 32); }
static inline uint32_t sim_payload_of(uint64_t arg) { return (uint32_t)arg; }

#endif
