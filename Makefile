# slsim — build, run, test, bench.  `make help` lists the targets.

# Parallel by default: one job per core. An explicit -j (make -j1) wins, and sub-makes share
# the top-level make's job slots rather than start their own.
ifeq ($(MAKELEVEL),0)
ifeq (,$(filter -j% --jobserver%,$(MAKEFLAGS)))
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif
endif
CC      ?= cc
BUILD   ?= build
PKGS    := gsl libcjson check
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -fopenmp -MMD -MP -I. -I$(BUILD)/gen
OPT     ?= -O2 -g -flto=auto
SAN     ?=
# Asserts check what the comments state (pool indices, event order, conservation). The
# normal build, the one make bench measures, compiles them out; make check-asan keeps them,
# and so does any build with ASSERTS= (a debug build: make ASSERTS= OPT="-O0 -g").
ASSERTS ?= -DNDEBUG
CFLAGS_ALL = $(CFLAGS_BASE) $(OPT) $(ASSERTS) $(SAN) $(shell pkg-config --cflags gsl libcjson 2>/dev/null) $(CFLAGS)
LIBS    = $(shell pkg-config --libs gsl libcjson 2>/dev/null) -lm
TESTLIBS = $(shell pkg-config --libs check 2>/dev/null)

# make MPI=1: sweeps spread their points over MPI ranks (mpirun -n N ./slsim sweep ...).
MPI ?= 0
ifeq ($(MPI),1)
CC := mpicc
CFLAGS_BASE += -DSLSIM_MPI
endif

SIM_SRC    := $(wildcard sim/*.c)
MODEL_SRC  := $(wildcard models/*.c models/*/*.c)
APP_SRC    := $(filter-out app/main.c,$(wildcard app/*.c))
TEST_SRC   := $(wildcard tests/*.c)
PRICING    := $(wildcard models/pricing/*.json)
GEN_SRC    := $(BUILD)/gen/pricing_tables.c

LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(SIM_SRC) $(MODEL_SRC) $(APP_SRC)) $(BUILD)/gen/pricing_tables.o
MAIN_OBJ := $(BUILD)/app/main.o
TEST_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC))
BIN      ?= slsim
TESTBIN  := $(BUILD)/slsim_tests

.PHONY: all deps run test test-fast test-build bench bench-ratio check-asan check-mpi check-layers validate clean help
all: $(BIN)

help:
	@echo "make deps        install missing Debian packages (apt-get; sudo when not root)"
	@echo "make             build ./slsim, profile-guided (PGO=0: a plain build; one job per core, make -j1 for one at a time)"
	@echo "make run         run the default scenario (scenarios/reference/api-backend.json)"
	@echo "make test        run every test suite, a line per suite with its checks and time"
	@echo "make test-fast   the quick tier (under a minute): the suites without the cases tagged slow"
	@echo "make check-layers  the include rule: sim/ includes nothing from models/ or app/, models/ nothing from app/"
	@echo "make bench       throughput and memory benchmark, then make bench-ratio's figures"
	@echo "make bench-ratio speed as a share of the bare C loop of the same model (scripts/baseline.c), and 1,000 functions against one"
	@echo "make check-asan  tests under AddressSanitizer and UBSan, with asserts (the normal build has none)"
	@echo "make validate    the long statistics tier, not in make test: the closed-form checks, and the intervals' coverage over ten times the seeds, the exercises' replications (about 10 minutes)"
	@echo "make check-mpi   a sweep and a partitioned replay on MPI ranks equal the single-process ones (make MPI=1 builds with MPI)"
	@echo "make fuzz        long-running tier, not in make test: libFuzzer on the scenario and trace readers and --set (FUZZ_SECONDS=60 each)"

deps:
	@sh scripts/deps.sh

# Rebuild everything when the flags change.
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CFLAGS_ALL) $(LIBS)' | cmp -s - $@ || echo '$(CFLAGS_ALL) $(LIBS)' > $@
FORCE:

$(BUILD)/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(GEN_SRC): $(PRICING) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh $(PRICING) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/pricing_tables.o: $(GEN_SRC) $(BUILD)/.flags
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# Profile-guided optimisation, on by default for ./slsim (make PGO=0 skips it; the sanitizer
# and MPI builds and the test binary never use it): scripts/pgo-build.sh compiles slsim with
# instrumentation in $(BUILD)/pgo, runs a training set (scripts/pgo-train.sh: the bare-loop
# model and the reference scenarios, one thread) and compiles again with the profile. The
# event loop runs about 5% faster (issue 21); a profile moves code and inlining, never
# arithmetic, so the outputs are byte-identical with or without it. Any source change
# redoes both compiles: use PGO=0 in an edit-compile loop.
PGO ?= 1
# Which of the two builds made $(BIN) last: a plain one (PGO=0) is remade by the next `make`.
$(BUILD)/.pgo: FORCE
	@mkdir -p $(BUILD)
	@echo '$(PGO)' | cmp -s - $@ || echo '$(PGO)' > $@
ifeq ($(PGO)$(SAN)$(MPI)$(BIN),10slsim)
$(BIN): $(SIM_SRC) $(MODEL_SRC) $(APP_SRC) app/main.c $(PRICING) scripts/embed.sh $(BUILD)/.flags $(BUILD)/.pgo \
        $(wildcard sim/*.h models/*.h models/*/*.h app/*.h) scripts/pgo-build.sh scripts/pgo-train.sh
	@sh scripts/pgo-build.sh "$(MAKE)" "$(OPT)" $(BUILD)/pgo $@
else
$(BIN): $(MAIN_OBJ) $(LIB_OBJ) $(BUILD)/.pgo
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBS)
endif

$(TESTBIN): $(TEST_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(TESTLIBS) $(LIBS)

run: deps
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) run scenarios/reference/api-backend.json

# The layers (docs/architecture.md): the kernel knows nothing of serverless, the world
# nothing of the command line. Both test tiers check it first.
check-layers:
	@if grep -n '#include "\(models\|app\)/' sim/*.[ch] || grep -rn '#include "app/' models; then \
	  echo "check-layers: an include crosses the layers upward (see docs/architecture.md)"; exit 1; fi

test: check-layers
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BIN) $(TESTBIN)
	SLSIM=./$(BIN) $(TESTBIN)

# The quick tier for the edit-compile-test loop (under a minute): every suite but the test
# cases tagged slow (studies, closed-form validation, exercises, every shipped scenario,
# the kill test, the browser check), with the sanitizer runs' shorter samples.
test-fast: check-layers
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory $(BIN) $(TESTBIN)
	SLSIM=./$(BIN) SLSIM_QUICK=1 CK_EXCLUDE_TAGS=slow $(TESTBIN)

bench: deps
	@$(MAKE) --no-print-directory $(BIN)
	sh scripts/bench.sh ./$(BIN)

# slsim's speed as a share of the bare C loop of the same model (scripts/baseline.c): CPU
# time, pinned, alternated, median of 5 rounds; and 1,000 functions against one.
bench-ratio: deps
	@$(MAKE) --no-print-directory $(BIN)
	sh scripts/bench-ratio.sh ./$(BIN)

check-asan:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/slsim OPT="-O1 -g -fno-omit-frame-pointer" ASSERTS= \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" build-asan/slsim build-asan/slsim_tests
	SLSIM=build-asan/slsim SLSIM_QUICK=1 CK_FORK=no ASAN_OPTIONS=detect_leaks=1 build-asan/slsim_tests

# The long-running tier: installs clang and its fuzzer runtime when missing (deps.sh fuzz),
# then scripts/fuzz.sh builds the targets with fuzz/fuzz.mk and runs each for FUZZ_SECONDS.
.PHONY: fuzz
fuzz:
	@sh scripts/deps.sh fuzz
	@sh scripts/fuzz.sh

check-mpi: deps
	@sh scripts/mpi-check.sh

# The long statistics tier (about 10 minutes): the closed-form validation suite, the coverage
# checks of tests/test_precision.c over ten times the seeds (SLSIM_COVERAGE=long), figures
# printed, and each exercise page's "**Replications:**" against what --precision 2% needs.
validate: deps
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BIN) $(TESTBIN)
	SLSIM=./$(BIN) SLSIM_VERBOSE=1 CK_RUN_SUITE=validation $(TESTBIN)
	SLSIM=./$(BIN) SLSIM_VERBOSE=1 SLSIM_COVERAGE=long CK_RUN_SUITE=precision $(TESTBIN)
	sh scripts/exercise-replications.sh --check ./$(BIN)

clean:
	rm -rf build build-asan build-mpi $(BIN)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
