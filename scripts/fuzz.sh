#!/bin/sh
# make fuzz: builds the libFuzzer targets (fuzz/fuzz.mk, clang with ASan and UBSan, in
# build-fuzz/) and runs each one for FUZZ_SECONDS seconds (default 60), one after another:
#   scenario   a scenario's JSON text: loaded, and run for 5 s when it loads
#   azure2019  an Azure 2019 invocations CSV [0x1e durations CSV [0x1e memory CSV]]
#   azure2021  an Azure 2021 per-invocation CSV
#   csv        a plain CSV trace
#   set        --set overrides (one PATH=VALUE a line) on a fixed scenario, loaded and run
# Each target starts from its seeds (fuzz/seeds/<target>/ and what fuzz/seeds.sh cuts from
# scenarios/) and its corpus of earlier runs (build-fuzz/corpus/<target>/, kept), in
# libFuzzer's fork mode so that the run goes on after a finding. Inputs that crash, hang
# (-timeout 10 s), leak or use more than 2 GB land in build-fuzz/findings/<target>/; save
# each one, once understood, in fuzz/regressions/<target>/ (make test replays them).
# Prints per target: executions and their rate, then coverage over the corpus (edges of
# the instrumented code hit, of all of them, and libFuzzer's features), corpus files and
# findings. Environment: FUZZ_SECONDS (per target), FUZZ_TARGETS (a subset,
# space-separated), FUZZ_CC (clang). Exit status 1 when this run found anything.
set -eu
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-scenario azure2019 azure2021 csv set}
build=build-fuzz

case "$seconds" in
''|*[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, got '$seconds'" >&2; exit 2 ;;
esac
make --no-print-directory -f fuzz/fuzz.mk -j"$(nproc 2>/dev/null || echo 2)"
sh fuzz/seeds.sh "$build/seeds"
mkdir -p "$build/logs"
# The targets write every input to files (one folder per process): in memory when /dev/shm
# is there, since the report writer syncs its files and a disk makes that the slowest step.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=$(mktemp -d /dev/shm/slsim-fuzz.XXXXXX)
else mkdir -p "$build/tmp"; TMPDIR=$(mktemp -d "$(pwd)/$build/tmp/run.XXXXXX"); fi
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
trap 'exit 130' INT TERM

# UBSan's reports abort (-fno-sanitize-recover) and carry their stack.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

start="$TMPDIR/.start"
: > "$start"
found=0
printf '%-10s %10s %8s %16s %9s %7s  %s\n' target execs execs/s edges features corpus findings
for t in $targets; do
  bin="$build/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: no target $t (known: scenario azure2019 azure2021 csv set)" >&2; exit 2; }
  corpus="$build/corpus/$t"
  findings="$build/findings/$t"
  log="$build/logs/$t.log"
  mkdir -p "$corpus" "$findings"
  case "$t" in
  scenario) dict="$build/seeds/scenario.dict"; max_len=16384 ;;
  set) dict="$build/seeds/set.dict"; max_len=4096 ;;
  *) dict=fuzz/trace.dict; max_len=8192 ;;
  esac
  nice "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
    -dict="$dict" -artifact_prefix="$findings/" -print_final_stats=1 \
    "$corpus" "fuzz/seeds/$t" "$build/seeds/$t" > "$log" 2>&1 || true
  # The fork-mode parent's last status line: "#EXECS: cov: C ft: F corp: N exec/s E ...
  # time: Ts"; execs/s below is over the whole run.
  stats=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1 || true)
  execs=$(echo "$stats" | sed -n 's/^#\([0-9]*\):.*/\1/p')
  took=$(echo "$stats" | sed -n 's/.* time: \([0-9]*\)s.*/\1/p')
  rate=$( [ -n "$execs" ] && [ "${took:-0}" -gt 0 ] && echo $((execs / took)) || true)
  # Coverage of the whole corpus, in one process (fork mode's "cov" counts otherwise): one
  # pass over it, which also replays every input once more with the code as it is now.
  nice "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/" \
    "$corpus" "fuzz/seeds/$t" "$build/seeds/$t" > "$log.corpus" 2>&1 || true
  done_line=$(grep -E 'DONE +cov: ' "$log.corpus" | tail -n 1 || true)
  cov=$(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  counters=$(sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log.corpus" | head -n 1)
  corp=$(find "$corpus" -type f | wc -l)
  new=$(find "$findings" -type f -newer "$start" | wc -l)
  printf '%-10s %10s %8s %16s %9s %7s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?} of ${counters:-?}" \
    "${ft:-?}" "$corp" "$new"
  if [ "$new" -gt 0 ]; then
    found=1
    find "$findings" -type f -newer "$start" | sed 's/^/  /'
  fi
done
if [ "$found" -ne 0 ]; then
  echo "fuzz: findings above; logs in $build/logs/. Reproduce one with: $build/fuzz_<target> <file>"
  exit 1
fi
echo "fuzz: no findings (${seconds} s per target); logs in $build/logs/"
