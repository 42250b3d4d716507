/* entry.c — the libFuzzer entry points. fuzz/fuzz.mk compiles this file once per target
 * with -DFUZZ_TARGET_NAME="scenario" (or "azure2019", "azure2021", "csv", "set") into
 * build-fuzz/fuzz_<name>; the work is in harness.c.
 *
 * libFuzzer's interface has no context argument, so the session is the one static
 * mutable variable here; libFuzzer calls the entry point from one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/harness.h"

#ifndef FUZZ_TARGET_NAME
#error "compile with -DFUZZ_TARGET_NAME=\"scenario\" (or azure2019, azure2021, csv, set)"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fuzz_session session;
static int target = -1;

static void close_session(void) { fuzz_session_close(&session); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    target = fuzz_target_find(FUZZ_TARGET_NAME);
    if (target < 0 || fuzz_session_open(&session) != 0) {
        perror("fuzz_" FUZZ_TARGET_NAME ": cannot create its temporary folder");
        exit(1);
    }
    atexit(close_session);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one_or_abort(&session, (fuzz_target)target, data, size);
    return 0;
}
