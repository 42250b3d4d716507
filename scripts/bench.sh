#!/bin/sh
# make bench: simulated invocations (one function) and messages (a queue pipeline) per second
# on one thread, and peak memory at 10 and 100 million (it must not grow with the count); then
# the ratio to the bare C loop of the same model (scripts/bench-ratio.sh), and the partitioned
# replay of a 50,000-function day on 1 and 2 MPI ranks (scripts/bench-partition.sh).
set -eu
bin=${1:-./slsim}
scenario=scenarios/bench/poisson-one-function.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
for dur in 1000 10000; do
  echo "== $((dur * 10000 / 1000000)) million invocations, 1 thread"
  "$bin" run "$scenario" --duration "$dur" --threads 1 --quiet --stats --out "$out" 2>&1
done
echo "== queue pipeline, 10 and 100 million messages, 1 thread"
for dur in 1000 10000; do
  "$bin" run scenarios/bench/queue-pipeline.json --duration "$dur" --threads 1 --quiet --stats --out "$out" 2>&1
done
echo "== 4 replications of 10 million, 2 threads"
"$bin" run "$scenario" --duration 1000 --replications 4 --threads 2 --quiet --stats --out "$out" 2>&1
echo "== a function waiting on a database call (retries, breaker, shared capacity), 10 million invocations, 1 thread"
"$bin" run scenarios/bench/api-with-dependency.json --duration 1000 --threads 1 --quiet --stats --out "$out" 2>&1
echo "== an Express workflow (9 states, 7 service calls each), 2 and 10 million executions, 1 thread"
for dur in 1000 5000; do
  "$bin" run scenarios/bench/express-workflow.json --duration "$dur" --threads 1 --quiet --stats --out "$out" 2>&1
done
echo "== replaying recorded traffic, 1 thread: the 500-function Azure sample (8 hours, 3.04 million invocations),"
echo "   the same looped 10 times (30.4 million: memory must stay flat), and the 10-function day (13.0 million)"
"$bin" run scenarios/traces/replay-500fn.json --threads 1 --quiet --stats --out "$out" 2>&1
"$bin" run scenarios/traces/replay-500fn.json --threads 1 --quiet --stats --out "$out" \
  --set 'traffic[0].arrivals.repeat=10' --duration 288000 2>&1
"$bin" run scenarios/bench/replay-10fn-day.json --threads 1 --quiet --stats --out "$out" 2>&1
echo "== a 100-point sweep (memory x rate, 2 replications each, 130,000 invocations a point on average), 1 and 2 threads"
sweep() {
  start=$(date +%s.%N)
  "$bin" sweep "$scenario" --vary components.fn.memory_mb=128,256,384,512,640,768,896,1024,1152,1280 \
    --vary 'traffic[0].arrivals.rate_per_s=2000:11000:10' --duration 10 --replications 2 \
    --threads "$1" --quiet --no-plots --out "$out/sweep$1"
  end=$(date +%s.%N)
  echo "$start $end" | awk -v t="$1" '{ printf "sweep, %d thread(s): %.2f s\n", t, $2 - $1 }'
}
t1=$(sweep 1); echo "$t1"
t2=$(sweep 2); echo "$t2"
cmp -s "$out/sweep1/sweep.csv" "$out/sweep2/sweep.csv" && echo "sweep.csv identical on 1 and 2 threads"
echo "$t1 $t2" | awk '{ printf "speed-up on 2 threads: %.2fx\n", $4 / $9 }'
echo "== against the bare C loop of the same model (scripts/bench-ratio.sh: CPU time, pinned, alternated, median of 5)"
sh scripts/bench-ratio.sh "$bin"
echo "== platform scale: a synthetic 50,000-function day replayed as 64 blocks on 1 and 2 MPI ranks"
echo "   (scripts/bench-partition.sh: the same results on both, and the speed-up)"
sh scripts/bench-partition.sh
