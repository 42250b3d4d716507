#!/bin/sh
# make bench (its last part): the partitioned replay at platform scale. Writes a synthetic
# Azure Functions day of N functions (scripts/azure-shape.sh; 50,000 by default, the full
# 2019 trace's scale), replays it as 64 blocks (partition_blocks) on 1 and on 2 MPI ranks
# (one thread each, the MPI build of make MPI=1), checks that rank 0 wrote the same results
# both times, byte for byte, and prints the time of each and the speed-up.
#
#   sh scripts/bench-partition.sh [N] [RANKS]     RANKS: the larger run's ranks (2)
set -eu
n=${1:-50000}
ranks=${2:-2}
case "$n$ranks" in *[!0-9]*|'') echo "bench-partition: N and RANKS are whole numbers" >&2; exit 2 ;; esac
command -v mpicc >/dev/null && command -v mpirun >/dev/null || {
  echo "bench-partition: Open MPI is missing (make deps installs openmpi-bin and libopenmpi-dev)" >&2; exit 1; }
cd "$(dirname "$0")/.."
make --no-print-directory MPI=1 BUILD=build-mpi BIN=build-mpi/slsim build-mpi/slsim >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sh scripts/azure-shape.sh "$n" "$dir" >/dev/null
# The shape's day needs more than Lambda's default 1,000 concurrent executions: the account
# is given 10 million, so no block's run depends on another's (partition.h).
cat > "$dir/day.json" <<EOF
{ "name": "azure-shape-day", "duration_s": 86400, "warmup_s": 0, "seed": 2019, "replications": 1,
  "partition_blocks": 64,
  "platform": { "account_concurrency": 10000000 },
  "traffic": [ { "name": "azure", "arrivals": { "process": "trace", "format": "azure2019",
      "file": "invocations.csv", "durations_file": "durations.csv", "memory_file": "memory.csv",
      "function_defaults": { "runtime": "nodejs", "timeout_s": 900 } },
    "client": { "timeout_ms": 1000000 } } ] }
EOF
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1   # CI runs as root
run() {
  start=$(date +%s.%N)
  mpirun -n "$1" --oversubscribe build-mpi/slsim run "$dir/day.json" --threads 1 --quiet --no-plots \
    --out "$dir/r$1" >/dev/null
  end=$(date +%s.%N)
  echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }'
}
t1=$(run 1)
tn=$(run "$ranks")
for f in summary.json functions.csv timeseries.csv latency.csv cost.csv; do
  cmp -s "$dir/r1/$f" "$dir/r$ranks/$f" || { echo "bench-partition: $f differs between 1 and $ranks ranks" >&2; exit 1; }
done
inv=$(awk '/"arrived":/ { gsub(/[^0-9]/, ""); print; exit }' "$dir/r1/summary.json")
echo "$n functions, one day ($inv invocations), 64 blocks: 1 rank $t1 s, $ranks ranks $tn s" \
  "(the same summary.json, functions.csv, timeseries.csv, latency.csv, cost.csv)"
echo "$t1 $tn $ranks" | awk '{ printf "speed-up on %d ranks: %.2fx\n", $3, $1 / $2 }'
