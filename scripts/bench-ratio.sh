#!/bin/sh
# make bench-ratio: slsim's speed as a share of a bare C loop of the same model
# (scripts/baseline.c: one function, Poisson arrivals, exponential service, cold starts, MRU
# reuse, a fixed keep-alive, a binary heap, GSL draws, a log histogram), the measure that does
# not move with the machine. Method: CPU time (user + system), both pinned to one core,
# alternated in the same minute, ROUNDS rounds (5), the median of the per-round ratios
# bare time / slsim time (1 = as fast as the bare loop). slsim writes its whole results folder
# (the loop writes nothing), with 1,000 time-series rows whatever the duration, so that the
# low rates' long simulated times do not turn the measure into one of writing a CSV. Then
# 1,000 functions sharing the same total rate against one: slsim's CPU time per invocation,
# ratio of the two.
#
#   sh scripts/bench-ratio.sh [SLSIM] [ROUNDS] [RATES]     RATES e.g. "100 10000"
set -eu
bin=${1:-./slsim}
rounds=${2:-5}
rates=${3:-"0.9 100 10000 100000"}
n=${BENCH_INVOCATIONS:-10000000}
case "$rounds$n" in *[!0-9]*|'') echo "bench-ratio: ROUNDS and BENCH_INVOCATIONS are whole numbers" >&2; exit 2 ;; esac
for tool in /usr/bin/time taskset cc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench-ratio: needs $tool (GNU time, util-linux's taskset, a C compiler)" >&2; exit 2; }
done
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$(dirname "$0")/.."
cpu=${BENCH_CPU:-$(($(nproc) - 1))}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/baseline" scripts/baseline.c $(pkg-config --libs gsl) -lm
# CPU seconds of a command (user + system), pinned to one core, its output discarded.
cpu_s() {
  if ! /usr/bin/time -f "%U %S" -o "$out/time" taskset -c "$cpu" "$@" >/dev/null 2>"$out/err"; then
    echo "bench-ratio: failed: $*" >&2
    cat "$out/err" >&2
    exit 1
  fi
  tail -n 1 "$out/time" | awk '{ printf "%.3f", $1 + $2 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); pinned to core $cpu; $rounds rounds, median"
echo "rate/s   invocations  bare s  slsim s  slsim/bare  slsim ns/invocation"
for rate in $rates; do
  dur=$(awk -v n="$n" -v r="$rate" 'BEGIN { printf "%.0f", n / r }')
  : > "$out/ratios"; : > "$out/ns"
  k=0
  while [ "$k" -lt "$rounds" ]; do
    b=$(cpu_s "$out/baseline" "$n" "$rate")
    s=$(cpu_s env SLSIM_NO_PLOTS=1 "$bin" run scenarios/bench/bare-loop-model.json --threads 1 --quiet \
        --duration "$dur" --set "traffic[0].arrivals.rate_per_s=$rate" --set "timeseries_interval_s=$((dur / 1000 + 1))" \
        --out "$out/run")
    echo "$b $s" | awk '{ print $1 / $2 }' >> "$out/ratios"
    echo "$s $n" | awk '{ print $1 * 1e9 / $2 }' >> "$out/ns"
    echo "$b $s" >> "$out/pairs"
    k=$((k + 1))
  done
  r=$(median < "$out/ratios"); ns=$(median < "$out/ns")
  pair=$(tail -n "$rounds" "$out/pairs" | sort -g -k2 | awk -v m="$(( (rounds + 1) / 2 ))" 'NR == m { print }')
  echo "$rate $n $pair $r $ns" | awk '{ printf "%-8s %11d  %6.2f  %7.2f  %10.2f  %19.0f\n", $1, $2, $3, $4, $5, $6 }'
done
# 1,000 functions, each with its own source, at the same total rate as one function.
rate=${BENCH_MANY_RATE:-100}
many=$out/many.json
awk -v k=1000 -v rate="$rate" 'BEGIN {
  printf "{ \"name\": \"bare-loop-many\", \"duration_s\": 1000, \"seed\": 42, \"replications\": 1,\n"
  printf "  \"platform\": { \"account_concurrency\": 10000000, \"scale_per_10s\": 10000000 },\n  \"traffic\": [\n"
  for (i = 0; i < k; i++)
    printf "    { \"name\": \"s%d\", \"target\": \"f%d\", \"arrivals\": { \"process\": \"poisson\", \"rate_per_s\": %.9g } }%s\n", i, i, rate / k, i < k - 1 ? "," : ""
  printf "  ],\n  \"components\": [\n"
  for (i = 0; i < k; i++)
    printf "    { \"name\": \"f%d\", \"kind\": \"function\", \"memory_mb\": 128, \"duration_ms\": { \"dist\": \"exponential\", \"mean\": 1991 }, \"cold_start_ms\": 253, \"timeout_s\": 900, \"keep_alive\": { \"policy\": \"fixed\", \"idle_s\": 600 }, \"log_kb\": 0 }%s\n", i, i < k - 1 ? "," : ""
  printf "  ]\n}\n"
}' > "$many"
dur=$(awk -v n="$n" -v r="$rate" 'BEGIN { printf "%.0f", n / r }')
# Per invocation, two ways: the whole run's CPU time (set-up and report included: 1,000
# functions' are about half a second), and the marginal cost, from runs of n and 2n
# invocations ((T(2n) - T(n)) / n), which leaves the fixed part out.
: > "$out/many_ratio"; : > "$out/many_marginal"
k=0
run_one() {
  cpu_s env SLSIM_NO_PLOTS=1 "$bin" run scenarios/bench/bare-loop-model.json --threads 1 --quiet \
    --duration "$1" --set "traffic[0].arrivals.rate_per_s=$rate" --out "$out/run"
}
run_many() { cpu_s env SLSIM_NO_PLOTS=1 "$bin" run "$many" --threads 1 --quiet --duration "$1" --out "$out/run"; }
while [ "$k" -lt "$rounds" ]; do
  one=$(run_one "$dur"); m=$(run_many "$dur")
  one2=$(run_one $((2 * dur))); m2=$(run_many $((2 * dur)))
  echo "$one $m" | awk '{ print $2 / $1 }' >> "$out/many_ratio"
  echo "$one $m $one2 $m2" | awk '{ print ($4 - $2) / ($3 - $1) }' >> "$out/many_marginal"
  k=$((k + 1))
done
echo "1,000 functions at $rate/s in all against one function, CPU time per invocation: $(median < "$out/many_ratio")x for the whole run, $(median < "$out/many_marginal")x at the margin (set-up and report left out)"
# Memory per function: the simulation's heap (what a replication's world took, malloc's count
# on one thread: --stats) and the process's peak (which includes the scenario's resolved tree,
# the figures' names and the report).
heap_kb() { rm -rf "$out/mem"; env SLSIM_NO_PLOTS=1 "$bin" run "$@" --threads 1 --quiet --stats --duration "$dur" --out "$out/mem" 2>&1 >/dev/null |
  sed -n 's/.*peak memory \([0-9.]*\) MB, simulation heap \([0-9]*\) KB.*/\1 \2/p'; }
one_m=$(heap_kb scenarios/bench/bare-loop-model.json --set "traffic[0].arrivals.rate_per_s=$rate")
many_m=$(heap_kb "$many")
echo "$one_m $many_m" | awk '{ printf "memory per function: simulation heap %.1f KB (1,000 functions %.1f MB, one %.0f KB); process peak %.1f KB (%.1f MB against %.1f MB)\n", ($4 - $2) / 999, $4 / 1024, $2, ($3 - $1) * 1024 / 999, $3, $1 }'
