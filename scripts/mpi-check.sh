#!/bin/sh
# make check-mpi: builds slsim with MPI (make MPI=1), runs a 12-point sweep on 2 ranks
# (mpirun -n 2 --oversubscribe) and on one process, and checks that rank 0 wrote the same
# sweep.csv and sweep.json, byte for byte; the same for a --precision sweep (which adds
# replications across ranks); then the same for a partitioned replay's results folder on 3
# ranks, with a fixed count and under --precision.
set -eu
command -v mpicc >/dev/null && command -v mpirun >/dev/null || {
  echo "mpi-check: Open MPI is missing (make deps installs openmpi-bin and libopenmpi-dev)" >&2; exit 1; }
make --no-print-directory MPI=1 BUILD=build-mpi BIN=build-mpi/slsim OPT="-O1 -g" build-mpi/slsim
make --no-print-directory slsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args="sweep scenarios/reference/api-backend.json --vary components.api.memory_mb=512,1024,2048 \
  --vary traffic[0].arrivals.rate_per_s=5,10,20,40 --duration 300 --replications 2 --quiet --no-plots"
# CI runs as root; Open MPI refuses that unless told.
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  mpirun -n 2 --oversubscribe build-mpi/slsim $args --out "$out/ranks"
./slsim $args --out "$out/one"
cmp "$out/one/sweep.csv" "$out/ranks/sweep.csv"
cmp "$out/one/sweep.json" "$out/ranks/sweep.json"
echo "mpi-check: 2 ranks wrote the same sweep.csv and sweep.json as one process ($(($(wc -l < "$out/one/sweep.csv") - 1)) points)"
# --precision on a sweep: rank 0 judges, every rank adds replications to its own points;
# 6 points on 2 ranks against one process and against a run of the final count.
args="sweep scenarios/reference/api-backend.json --vary components.api.memory_mb=512,1024 \
  --vary traffic[0].arrivals.rate_per_s=5,10,20 --duration 300 --precision 2% --max-replications 14 --quiet --no-plots"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  mpirun -n 2 --oversubscribe build-mpi/slsim $args --out "$out/precise-ranks" 2>/dev/null
./slsim $args --out "$out/precise-one" 2>/dev/null
./slsim sweep scenarios/reference/api-backend.json --vary components.api.memory_mb=512,1024 \
  --vary traffic[0].arrivals.rate_per_s=5,10,20 --duration 300 --replications 14 --quiet --no-plots \
  --out "$out/fixed" 2>/dev/null
cmp "$out/precise-one/sweep.csv" "$out/precise-ranks/sweep.csv"
cmp "$out/precise-one/sweep.json" "$out/precise-ranks/sweep.json"
cmp "$out/precise-one/sweep.csv" "$out/fixed/sweep.csv"
grep -q '"replications_max":	14' "$out/precise-one/sweep.json"
echo "mpi-check: a --precision sweep on 2 ranks wrote the same files as one process, and the same sweep.csv as 14 fixed replications"
# A sweep of a partitioned replay under --precision: each point's blocks stay on the rank
# that runs the point, in every batch.
args="sweep scenarios/traces/replay-500fn.json --set partition_blocks=4 --duration 600 \
  --vary traffic[0].arrivals.function_defaults.timeout_s=600,900,800 --precision 2% --max-replications 12 --quiet --no-plots"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  mpirun -n 2 --oversubscribe build-mpi/slsim $args --out "$out/precise-blocks-ranks" 2>/dev/null
./slsim $args --out "$out/precise-blocks-one" 2>/dev/null
cmp "$out/precise-blocks-one/sweep.csv" "$out/precise-blocks-ranks/sweep.csv"
echo "mpi-check: a --precision sweep of a partitioned replay on 2 ranks wrote the same sweep.csv as one process"
# A partitioned replay on 3 ranks (so that the ranks' shares differ) and in one process:
# every results file the same. $1 names the folders; the rest are slsim's arguments.
same_replay() {
  name=$1
  shift
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    mpirun -n 3 --oversubscribe build-mpi/slsim "$@" --out "$out/$name-ranks"
  ./slsim "$@" --out "$out/$name-one"
  for f in summary.json functions.csv timeseries.csv latency.csv cost.csv; do
    cmp "$out/$name-one/$f" "$out/$name-ranks/$f"
  done
}
# The 500-function sample's first two hours in 16 blocks (partition_blocks).
same_replay replay run scenarios/traces/replay-500fn.json --set partition_blocks=16 --set replications=2 \
  --duration 7200 --quiet --no-plots
echo "mpi-check: a partitioned replay on 3 ranks wrote the same results as one process"
# The same under --precision: rank 0 judges each batch and tells the other ranks the next
# (10 replications, then 12 here).
same_replay precise-replay run scenarios/traces/replay-500fn.json --set partition_blocks=16 --duration 1800 \
  --precision p99=0.5% --max-replications 12 --quiet --no-plots
grep -q '"replications":	12' "$out/precise-replay-one/summary.json"
echo "mpi-check: a partitioned replay under --precision on 3 ranks (two batches) wrote the same results as one process"
