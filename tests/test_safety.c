/* test_safety.c — inputs that cannot hurt: what loops without end is refused at load or
 * stopped while running, and what is long but legal runs on a small C stack.
 *
 * Refused at load, with one line naming the loop and its JSON path: workflows whose tasks
 * start each other, functions whose synchronous steps call each other (and a mix of the
 * two), workflow states that loop without a task or a positive wait. Loaded and run, as
 * references that the checks do not over-reach: a cycle broken by an asynchronous hand-off
 * (a branching process: 1/(1-p) invocations per request), and a polling loop with a
 * positive wait (its passes counted to its timeout). Stopped while running: the kernel's
 * watchdog on a handler that reschedules itself at the same instant (its limit, its
 * default, and no false alarm while time passes), and two zero-time loops the load check
 * cannot see (a function of 0 ms sending to itself; a task throttled at once and caught back
 * to itself), from the command line (exit 1, the component named) and in process. Bounded:
 * chains of 200 and 800 synchronous callers (workflows, then functions) use the same C stack,
 * measured on a thread's stack filled with a pattern, with every request completed and
 * latencies exact to 1e-9. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine.h"
#include "sim/stats.h"
#include "tests/suites.h"
#include "tests/support.h"

#define assert_refused(json, path, words) support_assert_refused("safety", json, path, words)

/* Writes json to a fresh file in dir and returns its path in buf. */
static void write_scenario(const char *dir, const char *name, const char *json, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", dir, name);
    FILE *f = fopen(buf, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(json, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* The events a watchdog message says passed at one instant ("... in N events ..."); the
 * kernel checks every 65,536 events, so N lies in [limit, limit + 65,536). */
static void assert_stall_events(const char *message, unsigned long long limit)
{
    const char *at = strstr(message, "no simulated time passed in ");
    ck_assert_msg(at != NULL, "%s", message);
    unsigned long long n = strtoull(at + strlen("no simulated time passed in "), NULL, 10);
    ck_assert_msg(n >= limit && n < limit + 65536, "%llu events, limit %llu: %s", n, limit, message);
}

/* ---- cycles of synchronous calls ----------------------------------------------------- */

START_TEST(workflows_that_start_each_other_are_refused_naming_the_cycle)
{
    char wa_wb[4096];
    support_scenario(wa_wb, sizeof wa_wb, "safety/workflows-that-start-each-other.json");
    assert_refused(wa_wb, "components[1].states[0].target", "a call cycle: wa -> wb -> wa");
    /* From the command line: one line on stderr, status 2, for validate and run alike. */
    char dir[256], file[512], out[4096];
    support_tempdir(dir, sizeof dir);
    write_scenario(dir, "wawb.json", wa_wb, file, sizeof file);
    static const char *const commands[] = { "validate %s", "run %s --quiet --no-plots --out %s/out" };
    for (size_t c = 0; c < 2; c++) {
        char args[1200];
        snprintf(args, sizeof args, commands[c], file, dir);
        int rc = support_sh(out, sizeof out, "%s %s", support_binary(), args);
        ck_assert_msg(rc == 2, "%s: exit %d, expected 2: %s", args, rc, out);
        char want[700];
        snprintf(want, sizeof want, "%s: components[1].states[0].target: a call cycle: wa -> wb -> wa "
                 "(synchronous calls that start each other never end", file);
        ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s: %s", args, out);
        ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
    }
    support_rmrf(dir);
}
END_TEST

START_TEST(functions_that_call_each_other_synchronously_are_refused)
{
    char json[4096];
    /* a waits on b, b on c, c on a: each invocation starts the next, without end. */
    support_scenario(json, sizeof json, "safety/functions-that-call-each-other-synchronously.json");
    assert_refused(json, "components[0].calls[0].target", "a call cycle: a -> b -> c -> a");
    /* Across kinds: a function's step starts a workflow whose compensation calls the function. */
    support_scenario(json, sizeof json, "safety/a-call-cycle-across-kinds.json");
    assert_refused(json, "components[0].calls[1].target", "a call cycle: api -> saga -> api");
}
END_TEST

START_TEST(an_asynchronous_hand_off_breaks_a_cycle)
{
    /* a waits on b; b sends a message to q with probability 1/2 (lround of a uniform draw on
     * [0, 1)); q's consumer is a. The loop a -> b -> q -> a goes through a queue: a does not
     * wait on q, so it is legal, and each request makes a geometric number of passes, 1/(1 -
     * 1/2) = 2 invocations of a on average (and as many of b). */
    char json[4096];
    world_spec *spec;
    run_result res;
    support_scenario(json, sizeof json, "safety/an-asynchronous-hand-off-breaks-a-cycle.json");
    support_run_text(json, 0, &spec, &res);
    for (uint32_t r = 0; r < spec->replications; r++) {
        double arrived = support_row_value(&res, r, "requests.arrived");
        ck_assert_double_eq(support_row_value(&res, r, "requests.completed"), arrived);
        ck_assert_double_eq(support_row_value(&res, r, "functions.b.invocations"),
                            support_row_value(&res, r, "functions.a.invocations"));
    }
    double hw, passes = support_ratio_ci(&res, "functions.a.invocations", "requests.arrived", &hw);
    support_assert_within_ci("safety", "invocations of a per request: 1/(1 - 1/2)", passes, hw, 2.0);
    support_done(spec, &res);
}
END_TEST

/* ---- loops of states that take no time ------------------------------------------------ */

/* A workflow "wf" (10 s limit) with the given states, started by a request a second for 40 s
 * (tests/scenarios/safety/a-workflow-of-given-states.json, its states replaced). */
static void workflow_text(const char *states, char *buf, size_t size)
{
    support_scenario_set(buf, size, "safety/a-workflow-of-given-states.json",
                         "components.wf.states=[%s]",
                         states);
}

START_TEST(a_loop_of_states_that_takes_no_time_is_refused)
{
    static const struct { const char *states, *path, *words; } cases[] = {
        /* the issue's own: a wait of 0 s on itself */
        { "{\"name\": \"t\", \"type\": \"task\", \"target\": \"f\"},"
          "{\"name\": \"s1\", \"type\": \"wait\", \"seconds\": 0, \"next\": \"s1\"}",
          "components[1].states[1].next", "lets no time pass: s1 -> s1" },
        /* choices that send each other back, one through a wait of 0 s */
        { "{\"name\": \"c1\", \"type\": \"choice\", \"choices\": [{\"probability\": 0.5, \"next\": \"z\"}],"
          " \"default\": \"done\"},"
          "{\"name\": \"z\", \"type\": \"wait\", \"seconds\": {\"dist\": \"constant\", \"value\": 0}, \"next\": \"c2\"},"
          "{\"name\": \"c2\", \"type\": \"choice\", \"choices\": [{\"probability\": 1, \"next\": \"c1\"}]},"
          "{\"name\": \"done\", \"type\": \"succeed\"}",
          "components[1].states[0].choices[0].next", "lets no time pass: c1 -> z -> c2 -> c1" },
        /* a parallel state whose branches do nothing, looping on itself */
        { "{\"name\": \"p\", \"type\": \"parallel\", \"next\": \"p\", \"branches\": ["
          " {\"states\": [{\"name\": \"b1\", \"type\": \"wait\", \"seconds\": 0}]},"
          " {\"states\": [{\"name\": \"b2\", \"type\": \"succeed\"}]}]}",
          "components[1].states[0].next", "lets no time pass: p -> p" },
        /* a map over no items, caught back to a choice that returns to it */
        { "{\"name\": \"m\", \"type\": \"map\", \"items\": 0, \"next\": \"c\","
          " \"states\": [{\"name\": \"i\", \"type\": \"task\", \"target\": \"f\"}]},"
          "{\"name\": \"c\", \"type\": \"choice\", \"choices\": [{\"probability\": 0.9, \"next\": \"m\"}],"
          " \"default\": \"end\"},"
          "{\"name\": \"end\", \"type\": \"succeed\"}",
          "components[1].states[0].next", "lets no time pass: m -> c -> m" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char json[4096];
        workflow_text(cases[i].states, json, sizeof json);
        assert_refused(json, cases[i].path, cases[i].words);
    }
}
END_TEST

START_TEST(a_polling_loop_with_a_positive_wait_runs_to_its_timeout)
{
    /* poll (3 s) -> check -> poll ... forever: legal, since time passes. The execution's
     * limit of 10 s ends it: poll is entered at 0, 3, 6 and 9 s (its wait from 9 s is cut at
     * 10 s), check at 3, 6 and 9 s. Arrivals stop at 40 s, so every execution ends. */
    char json[4096];
    workflow_text("{\"name\": \"poll\", \"type\": \"wait\", \"seconds\": 3, \"next\": \"check\"},"
                  "{\"name\": \"check\", \"type\": \"choice\", \"choices\": [{\"probability\": 1, \"next\": \"poll\"}]}",
                  json, sizeof json);
    world_spec *spec;
    run_result res;
    support_run_text(json, 1, &spec, &res);
    double started = support_row_value(&res, 0, "workflows.wf.executions");
    ck_assert_double_gt(started, 20);
    ck_assert_double_eq(support_row_value(&res, 0, "workflows.wf.timed_out"), started);
    ck_assert_double_eq(support_row_value(&res, 0, "workflows.wf.states.poll.entries"), 4 * started);
    ck_assert_double_eq(support_row_value(&res, 0, "workflows.wf.states.check.entries"), 3 * started);
    double mean = support_row_value(&res, 0, "workflows.wf.states.poll.time_s_mean");
    ck_assert_msg(fabs(mean - (3 + 3 + 3 + 1) / 4.0) < 1e-9, "time in poll %.12g s", mean);
    support_done(spec, &res);
}
END_TEST

/* ---- the watchdog --------------------------------------------------------------------- */

/* Reschedules itself at the same instant: a loop that never lets time pass. */
static void same_instant(sim *s, void *target, uint64_t arg)
{
    (*(uint64_t *)target)++;
    sim_at(s, sim_now(s), same_instant, target, arg);
}

/* Reschedules itself 1 us later, while arg runs down (then stops). */
static void tiny_steps(sim *s, void *target, uint64_t arg)
{
    (*(uint64_t *)target)++;
    if (arg > 0)
        sim_at(s, sim_now(s) + 1e-6, tiny_steps, target, arg - 1);
}

START_TEST(the_kernel_stops_a_run_that_lets_no_time_pass)
{
    sim *s = sim_new(1, 0);
    ck_assert_ptr_nonnull(s);
    uint64_t ran = 0, other = 0;
    sim_set_stall_limit(s, 300000);
    sim_at(s, 1.0, tiny_steps, &other, 5);      /* time passes first: no alarm from these */
    sim_at(s, 3.25, same_instant, &ran, 77);
    sim_run_until(s, 10.0);
    sim_stall st;
    ck_assert_int_eq(sim_stalled(s, &st), 1);
    ck_assert_uint_eq(other, 6);
    /* Checked every 65,536 events: the first multiple past the limit, counting from the
     * first event at 3.25 s (event 7 of the run). */
    uint64_t want = (300000 + 6 + 65535) / 65536 * 65536 - 6;
    ck_assert_uint_eq(st.events, want);
    ck_assert_uint_eq(ran, want);
    ck_assert_double_eq(st.time, 3.25);
    ck_assert_double_eq(sim_now(s), 3.25);      /* the clock stays where it stopped */
    ck_assert_ptr_eq(st.target, &ran);
    ck_assert(st.handler == same_instant);
    ck_assert_uint_eq(st.arg, 77);
    sim_free(s);
}
END_TEST

START_TEST(the_kernel_lets_a_run_go_on_while_time_passes)
{
    /* 2 million events, each 1 us after the last, under a limit of 100,000: no alarm, and
     * the run reaches its end. */
    sim *s = sim_new(1, 0);
    ck_assert_ptr_nonnull(s);
    uint64_t ran = 0;
    sim_set_stall_limit(s, 100000);
    sim_at(s, 0.5, tiny_steps, &ran, 1999999);
    sim_run_until(s, 10.0);
    ck_assert_int_eq(sim_stalled(s, NULL), 0);
    ck_assert_uint_eq(ran, 2000000);
    ck_assert_double_eq(sim_now(s), 10.0);
    sim_free(s);
    /* 0: no watchdog at all. */
    s = sim_new(1, 0);
    ck_assert_ptr_nonnull(s);
    ran = 0;
    sim_set_stall_limit(s, 0);
    sim_at(s, 0.5, tiny_steps, &ran, 0);
    sim_run_until(s, 1.0);
    ck_assert_int_eq(sim_stalled(s, NULL), 0);
    ck_assert_uint_eq(ran, 1);
    sim_free(s);
}
END_TEST

START_TEST(the_kernel_s_default_limit_is_fifty_million_events)
{
    if (test_quick())
        return;     /* about a second of events; the sanitizer tier checks the limit above */
    sim *s = sim_new(1, 0);
    ck_assert_ptr_nonnull(s);
    uint64_t ran = 0;
    sim_at(s, 0.0, same_instant, &ran, 0);
    sim_run_until(s, 1.0);
    sim_stall st;
    ck_assert_int_eq(sim_stalled(s, &st), 1);
    ck_assert_uint_eq(st.events, (SIM_STALL_EVENTS + 65535ull) / 65536 * 65536);
    ck_assert_uint_eq(SIM_STALL_EVENTS, 50000000u);
    sim_free(s);
}
END_TEST

/* A function of 0 ms that sends itself a message each time it runs: asynchronous, so the load
 * check lets it through, but the echo goes round at the instant of the first request. */
START_TEST(a_zero_time_loop_the_load_cannot_see_stops_with_exit_1)
{
    char dir[256], file[512], out[4096], echo[4096];
    support_scenario(echo, sizeof echo, "safety/a-function-that-messages-itself-in-zero-time.json");
    support_tempdir(dir, sizeof dir);
    write_scenario(dir, "echo.json", echo, file, sizeof file);
    int rc = support_sh(out, sizeof out, "%s validate %s", support_binary(), file);
    ck_assert_msg(rc == 0, "validate: %d: %s", rc, out);
    rc = support_sh(out, sizeof out, "SLSIM_STALL_EVENTS=1000000 %s run %s --quiet --no-plots --out %s/out",
                    support_binary(), file, dir);
    ck_assert_msg(rc == 1, "exit %d, expected 1: %s", rc, out);
    char want[700];
    snprintf(want, sizeof want, "%s: replication 0: no simulated time passed in ", file);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    assert_stall_events(out, 1000000);
    ck_assert_msg(strstr(out, "function \"echo\" (components[0]) loops in zero time"), "%s", out);
    /* A bad limit is refused like any bad input. */
    rc = support_sh(out, sizeof out, "SLSIM_STALL_EVENTS=lots %s validate %s", support_binary(), file);
    ck_assert_msg(rc == 2 && strstr(out, "SLSIM_STALL_EVENTS: expected a whole number"), "%d: %s", rc, out);
    support_rmrf(dir);
}
END_TEST

START_TEST(a_task_answered_at_once_and_caught_back_stops_naming_its_workflow)
{
    /* f takes no invocation (reserved concurrency 0): each call is throttled at once, the
     * catch sends the execution back to the task, at the same instant, without end. The
     * nested replies are deferred past the depth bound, so the C stack stays flat and the
     * watchdog, not a stack overflow, ends it. */
    char err[1024] = "", json[4096];
    support_scenario(json, sizeof json, "safety/a-task-answered-at-once-and-caught-back.json");
    world_spec *spec = support_load_text(json, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    spec->stall_events = 200000;
    world w = { 0 };
    int rc = world_run(&w, spec, 0, err, sizeof err);
    ck_assert_int_eq(rc, -1);
    assert_stall_events(err, 200000);
    ck_assert_msg(strstr(err, "workflow \"wa\" (components[1]) loops in zero time"), "%s", err);
    ck_assert_uint_eq(w.depth, 0);
    world_free(&w);
    world_spec_free(spec);
}
END_TEST

/* ---- long chains of synchronous calls ------------------------------------------------- */

/* A chain of n workflows (each one's task starts the next; the last calls a function of
 * 10 ms) or of n functions (each 1 ms, then a synchronous call to the next), fed one
 * request a second for 90 s. */
static char *chain_text(int n, bool workflows)
{
    size_t size = 256 * (size_t)n + 1024, used = 0;
    char *json = malloc(size);
    ck_assert_ptr_nonnull(json);
    used += (size_t)snprintf(json + used, size - used, "{\"duration_s\": 100, \"replications\": 1, \"components\": [");
    for (int i = 1; i <= n; i++) {
        char next[16];
        snprintf(next, sizeof next, i < n ? "n%d" : "f", i + 1);
        if (workflows)
            used += (size_t)snprintf(json + used, size - used, "{\"name\": \"n%d\", \"kind\": \"workflow\", "
                                     "\"states\": [{\"name\": \"s\", \"type\": \"task\", \"target\": \"%s\"}]},", i, next);
        else
            used += (size_t)snprintf(json + used, size - used, "{\"name\": \"n%d\", \"kind\": \"function\", "
                                     "\"duration_ms\": 1, \"cold_start_ms\": 0, \"calls\": [{\"target\": \"%s\", "
                                     "\"mode\": \"sync\"}]},", i, next);
    }
    used += (size_t)snprintf(json + used, size - used, "{\"name\": \"f\", \"kind\": \"function\", \"duration_ms\": %d, "
                             "\"cold_start_ms\": 0}], \"traffic\": [{\"target\": \"n1\", \"end_s\": 90, "
                             "\"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 1}}]}", workflows ? 10 : 1);
    ck_assert_uint_lt(used, size);
    return json;
}

typedef struct chain_run {
    const world_spec *spec;
    world             w;
    int               rc;
    char              err[1024];
} chain_run;

static void *run_chain(void *p)
{
    chain_run *c = p;
    c->rc = world_run(&c->w, c->spec, 0, c->err, sizeof c->err);
    return NULL;
}

#define STACK_SIZE (8u << 20)
#define STACK_FILL 0xA5

/* Runs c on a thread whose 8 MB stack is filled with a pattern first; returns the bytes of
 * it the run touched (the stack grows down: the lowest byte no longer the pattern). */
static size_t run_measuring_stack(chain_run *c)
{
    unsigned char *stack = malloc(STACK_SIZE);
    ck_assert_ptr_nonnull(stack);
    memset(stack, STACK_FILL, STACK_SIZE);
    pthread_attr_t attr;
    pthread_t t;
    ck_assert_int_eq(pthread_attr_init(&attr), 0);
    ck_assert_int_eq(pthread_attr_setstack(&attr, stack, STACK_SIZE), 0);
    ck_assert_int_eq(pthread_create(&t, &attr, run_chain, c), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    size_t low = 0;
    while (low < STACK_SIZE && stack[low] == STACK_FILL)
        low++;
    free(stack);
    return STACK_SIZE - low;
}

START_TEST(chains_of_synchronous_callers_run_on_a_flat_stack)
{
    /* Each workflow's task starts the next inside the same C call (accept, run the state,
     * deliver to the next...), and each reply runs its caller's end, which replies to its
     * own caller. Past the depth bound the next step comes from a zero-delay event, so a
     * chain 4 times longer uses no more C stack (without the bound: 4 times as much). */
    static const int lengths[2] = { 200, 800 };
    for (int workflows = 1; workflows >= 0; workflows--) {
        size_t used[2];
        for (int k = 0; k < 2; k++) {
            char *json = chain_text(lengths[k], workflows);
            char err[1024] = "";
            world_spec *spec = support_load_text(json, err, sizeof err);
            free(json);
            ck_assert_msg(spec != NULL, "%s", err);
            chain_run c = { .spec = spec };
            used[k] = run_measuring_stack(&c);
            ck_assert_msg(c.rc == 0, "%s", c.err);
            /* One request a second from the source's random phase until 90 s: 90 requests,
             * each done in 10 ms (the last function; every task and transition takes no
             * time) or in n + 1 ms (n functions of 1 ms, then f), all inside the window. */
            ck_assert_uint_eq(c.w.counts.arrived, 90);
            ck_assert_uint_eq(c.w.counts.completed, 90);
            double ms = workflows ? 10.0 : lengths[k] + 1.0;
            ck_assert_msg(fabs(c.w.latency.min - ms) < 1e-9 * ms && fabs(c.w.latency.max - ms) < 1e-9 * ms,
                          "latency %.12g to %.12g ms, expected %g", c.w.latency.min, c.w.latency.max, ms);
            ck_assert_uint_eq(c.w.depth, 0);
            world_free(&c.w);
            world_spec_free(spec);
        }
        if (support_verbose())
            fprintf(stderr, "safety: C stack used by chains of %d and %d %s: %zu and %zu bytes\n",
                    lengths[0], lengths[1], workflows ? "workflows" : "functions", used[0], used[1]);
        ck_assert_msg(used[1] < used[0] + used[0] / 8, "chains of %d and %d %s used %zu and %zu bytes "
                      "of C stack", lengths[0], lengths[1], workflows ? "workflows" : "functions",
                      used[0], used[1]);
    }
}
END_TEST

Suite *safety_suite(void)
{
    Suite *s = suite_create("safety");
    TCase *tc = tcase_create("cycles, zero-time loops, the watchdog, deep chains");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, workflows_that_start_each_other_are_refused_naming_the_cycle);
    tcase_add_test(tc, functions_that_call_each_other_synchronously_are_refused);
    tcase_add_test(tc, an_asynchronous_hand_off_breaks_a_cycle);
    tcase_add_test(tc, a_loop_of_states_that_takes_no_time_is_refused);
    tcase_add_test(tc, a_polling_loop_with_a_positive_wait_runs_to_its_timeout);
    tcase_add_test(tc, the_kernel_stops_a_run_that_lets_no_time_pass);
    tcase_add_test(tc, the_kernel_lets_a_run_go_on_while_time_passes);
    tcase_add_test(tc, the_kernel_s_default_limit_is_fifty_million_events);
    tcase_add_test(tc, a_zero_time_loop_the_load_cannot_see_stops_with_exit_1);
    tcase_add_test(tc, a_task_answered_at_once_and_caught_back_stops_naming_its_workflow);
    tcase_add_test(tc, chains_of_synchronous_callers_run_on_a_flat_stack);
    suite_add_tcase(s, tc);
    return s;
}
