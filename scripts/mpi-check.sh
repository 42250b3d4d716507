#!/bin/sh
# make check-mpi: builds slsim with MPI (make MPI=1), runs a 12-point sweep on 2 ranks
# (mpirun -n 2 --oversubscribe) and on one process, and checks that rank 0 wrote the same
# sweep.csv and sweep.json, byte for byte; then the same for a partitioned replay's results
# folder on 3 ranks.
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
# A partitioned replay (partition_blocks): the 500-function sample's first two hours in 16
# blocks on 3 ranks (so that the ranks' shares differ) against one process.
args="run scenarios/traces/replay-500fn.json --set partition_blocks=16 --set replications=2 --duration 7200 \
  --quiet --no-plots"
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  mpirun -n 3 --oversubscribe build-mpi/slsim $args --out "$out/replay-ranks"
./slsim $args --out "$out/replay-one"
for f in summary.json functions.csv timeseries.csv latency.csv cost.csv; do
  cmp "$out/replay-one/$f" "$out/replay-ranks/$f"
done
echo "mpi-check: a partitioned replay on 3 ranks wrote the same results as one process"
