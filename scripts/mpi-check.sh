#!/bin/sh
# make check-mpi: builds slsim with MPI (make MPI=1), runs a 12-point sweep on 2 ranks
# (mpirun -n 2 --oversubscribe) and on one process, and checks that rank 0 wrote the same
# sweep.csv and sweep.json, byte for byte.
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
