# fuzz/fuzz.mk — libFuzzer builds of the fuzz targets, in build-fuzz/ (run by scripts/fuzz.sh:
# `make -f fuzz/fuzz.mk`). The library (sim/*.c, models/*.c, models/function/*.c and models/workflow/*.c, app/*.c but main.c, the embedded
# price tables) is compiled with clang under ASan and UBSan and libFuzzer's coverage; every UBSan
# report aborts, so libFuzzer saves the input. OpenMP is left out (-fopenmp would pull in
# libomp, whose threads LeakSanitizer then has to see through): one thread runs each input,
# and sim/replicate.c guards its pragmas and omp calls with _OPENMP.
FUZZ_CC    ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_SAN   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wno-unknown-pragmas \
  -g -O1 -fno-omit-frame-pointer -MMD -MP -I. -I$(FUZZ_BUILD)/gen $(FUZZ_SAN) \
  $(shell pkg-config --cflags gsl libcjson 2>/dev/null)
FUZZ_LIBS  := $(shell pkg-config --libs gsl libcjson 2>/dev/null) -lm

FUZZ_TARGETS := scenario azure2019 azure2021 csv set
FUZZ_LIB_SRC := $(wildcard sim/*.c) $(wildcard models/*.c models/function/*.c models/workflow/*.c) $(filter-out app/main.c,$(wildcard app/*.c))
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(FUZZ_LIB_SRC) fuzz/harness.c) \
  $(FUZZ_BUILD)/gen/pricing_tables.o
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))

.PHONY: all
all: $(FUZZ_BINS)

# Rebuild everything when the compiler or the flags change.
$(FUZZ_BUILD)/.flags: FORCE
	@mkdir -p $(FUZZ_BUILD)
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LIBS)' | cmp -s - $@ || echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LIBS)' > $@
FORCE:

$(FUZZ_BUILD)/%.o: %.c $(FUZZ_BUILD)/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/gen/pricing_tables.c: $(wildcard models/pricing/*.json) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh $(wildcard models/pricing/*.json) > $@.tmp && mv $@.tmp $@

$(FUZZ_BUILD)/gen/pricing_tables.o: $(FUZZ_BUILD)/gen/pricing_tables.c $(FUZZ_BUILD)/.flags
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/fuzz/entry_%.o: fuzz/entry.c $(FUZZ_BUILD)/.flags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_TARGET_NAME='"$*"' -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/fuzz/entry_%.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LIBS)

# Keep the per-target objects (make would delete them as intermediates).
.SECONDARY:

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
