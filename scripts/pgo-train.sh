#!/bin/sh
# The training set of the profile-guided build (Makefile, PGO=1): an instrumented slsim runs
# the workloads whose speed matters most, so the compiler lays out and inlines the event
# loop for them. It is the bare-loop model (scripts/bench-ratio.sh) at a few live instances
# and at many, then the three reference scenarios (API, events, a small team's mix) for the
# rest of the model. One thread, so the counts are the same on every build. A profile only
# moves code: outputs stay byte-identical (scripts/same-results.sh checks a build against
# another).
#
#   sh scripts/pgo-train.sh INSTRUMENTED_SLSIM
set -eu
bin=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$(dirname "$0")/.."
# Warnings (short windows of daily traffic) are expected here; a failure shows its message.
run() {
  rm -rf "$out/run"
  SLSIM_NO_PLOTS=1 "$bin" run "$@" --threads 1 --quiet --out "$out/run" > /dev/null 2> "$out/err" ||
    { echo "pgo-train: failed: $*" >&2; cat "$out/err" >&2; exit 1; }
}
run scenarios/bench/bare-loop-model.json --duration 4000 --set 'traffic[0].arrivals.rate_per_s=100'
run scenarios/bench/bare-loop-model.json --duration 40 --set 'traffic[0].arrivals.rate_per_s=10000'
for s in scenarios/reference/*.json; do
  run "$s" --duration 3600 --set replications=1
done
