/* harness.h — what the fuzz targets do with one input, shared by the libFuzzer entry
 * points (fuzz/fuzz_*.c, built by `make fuzz` with clang) and the regression suite
 * (tests/test_fuzz_regressions.c, built by `make test` with gcc), so that a saved input
 * replays through exactly the code path that found it.
 *
 * Every target turns its input into files in a private temporary folder, loads a scenario
 * with world_spec_load and, when it loads, runs one short replication with run_scenario
 * and writes its report. The contract checked: a bad input is refused with one message of
 * one line, never a crash; a good one runs to the end (conservation holds). */
#ifndef SLSIM_FUZZ_HARNESS_H
#define SLSIM_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Runs are kept short: at most this many seconds measured, after at most this much
 * warm-up, and inputs whose sources expect more arrivals than FUZZ_MAX_ARRIVALS in that
 * time are loaded but not run (they would only be slow, and libFuzzer would call them
 * hangs). */
#define FUZZ_DURATION_S     5.0
#define FUZZ_WARMUP_MAX_S   5.0
#define FUZZ_MAX_ARRIVALS   20000.0
/* Trace targets replay five minutes (azure2019 counts per minute) and run inputs of up to
 * FUZZ_TRACE_MAX_ARRIVALS: the replay's edges (minutes, loops, the window's end) are the
 * same with fewer arrivals, and the fuzzer runs several times faster. */
#define FUZZ_TRACE_DURATION_S   300.0
#define FUZZ_TRACE_MAX_ARRIVALS 5000.0

/* The azure2019 target's input holds up to three files, split at this byte: invocations,
 * then durations, then memory (an empty or missing part leaves that file out). Any trace
 * target's input may start with a line "#{...}": a JSON object of arrivals options
 * (start_s, end_s, time_scale, repeat, functions, on_bad_row, ...) for the trace source. */
#define FUZZ_FILE_SEPARATOR '\x1e'

/* The set target's input: up to FUZZ_SET_MAX lines, each one --set assignment (a NUL byte
 * ends an assignment, as it would end a command-line argument; empty lines are skipped),
 * applied to the scenario FUZZ_SET_BASE, which has a component of several kinds, tenants
 * and traffic to point paths at. */
#define FUZZ_SET_MAX 16
#define FUZZ_SET_BASE \
    "{\"name\": \"set\", \"seed\": 3,\n" \
    " \"tenants\": [{\"name\": \"gold\", \"rate_limit\": {\"per_s\": 5, \"burst\": 3}}, {\"name\": \"free\"}],\n" \
    " \"components\": [\n" \
    "  {\"name\": \"api\", \"kind\": \"function\", \"memory_mb\": 256, \"timeout_s\": 2, \"error_rate\": 0.05,\n" \
    "   \"duration_ms\": {\"dist\": \"lognormal\", \"median\": 40, \"p99\": 900}},\n" \
    "  {\"name\": \"q\", \"kind\": \"queue\", \"consumer\": {\"function\": \"worker\", \"batch_size\": 4}},\n" \
    "  {\"name\": \"worker\", \"kind\": \"function\", \"duration_ms\": {\"dist\": \"exponential\", \"mean\": 30}}],\n" \
    " \"traffic\": [\n" \
    "  {\"name\": \"c\", \"target\": \"api\", \"tenant\": \"gold\",\n" \
    "   \"arrivals\": {\"process\": \"poisson\", \"rate_per_s\": 2.385},\n" \
    "   \"client\": {\"timeout_ms\": 700, \"retry\": {\"max_attempts\": 3}}},\n" \
    "  {\"name\": \"s\", \"target\": \"q\", \"mode\": \"async\", \"tenant\": \"free\",\n" \
    "   \"arrivals\": {\"process\": \"constant\", \"rate_per_s\": 1.5}}]}\n"

typedef enum fuzz_verdict {
    FUZZ_REFUSED,   /* refused with one message of one line */
    FUZZ_RAN,       /* loaded, ran one replication, wrote its report */
    FUZZ_SKIPPED,   /* loaded, but expects too many arrivals to run quickly */
    FUZZ_BUG        /* a broken contract; the message says which */
} fuzz_verdict;

typedef enum fuzz_target {
    FUZZ_SCENARIO,  /* the input is a scenario's JSON text */
    FUZZ_AZURE2019, /* invocations CSV [ \x1e durations CSV [ \x1e memory CSV ] ] */
    FUZZ_AZURE2021, /* the 2021 per-invocation CSV */
    FUZZ_CSV,       /* the plain CSV trace */
    FUZZ_SET,       /* --set overrides, one PATH=VALUE a line, on FUZZ_SET_BASE */
    FUZZ_TARGETS
} fuzz_target;

extern const char *const fuzz_target_names[FUZZ_TARGETS];
/* The target called name ("scenario", "azure2019", ...), or -1. */
int fuzz_target_find(const char *name);

/* A private temporary folder holding the files of the current input, and small sample
 * traces (sample-2019.csv, sample-2019-durations.csv, sample-2019-memory.csv,
 * sample-2021.csv, sample.csv, sample-target.csv) that scenario inputs may name. */
typedef struct fuzz_session {
    char  dir[256];
    FILE *devnull;       /* the printed report goes here */
} fuzz_session;

/* Creates the folder and its sample files. Returns 0, or -1 with errno set. */
int  fuzz_session_open(fuzz_session *s);
/* Removes the folder and everything in it. */
void fuzz_session_close(fuzz_session *s);

/* Runs one input through target. message (may be NULL) receives the loader's message on
 * FUZZ_REFUSED, or what broke on FUZZ_BUG. */
fuzz_verdict fuzz_one(fuzz_session *s, fuzz_target target, const uint8_t *data, size_t size,
                      char *message, size_t message_size);

/* The libFuzzer entry point's body: runs the input and aborts on FUZZ_BUG (after printing
 * the message), so that libFuzzer saves the input as a crash. With SLSIM_FUZZ_VERBOSE=1 it
 * prints every input's verdict and message. */
void fuzz_one_or_abort(fuzz_session *s, fuzz_target target, const uint8_t *data, size_t size);

#endif
