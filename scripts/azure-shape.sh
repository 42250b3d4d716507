#!/bin/sh
# Writes a synthetic Azure Functions 2019 trace of N functions over one day, shaped like the
# real 500-function sample (scenarios/traces/azure2019-500fn-8h/), for benchmarks at platform
# scale (the full 2019 trace has about 50,000 functions a day). In-Vitro's approach: each
# synthetic function is a function drawn at random from the sample, with its per-minute
# invocation counts, its execution-time percentiles and its memory; its 8 recorded hours are
# laid end to end three times from a random phase, so the day has the sample's rates
# without every function peaking at the same minute. Deterministic (a Park-Miller generator in
# integer-exact awk arithmetic): the same N and SEED write the same bytes.
#
#   sh scripts/azure-shape.sh N DIR [SEED]     writes DIR/invocations.csv, durations.csv, memory.csv
#
# SYNTHETIC: the counts are real rows reused, not new traffic; the mix of functions follows
# the sample (which In-Vitro cut so that every function has an invocation), not the whole
# trace's.
set -eu
n=${1:?usage: sh scripts/azure-shape.sh N DIR [SEED]}
dir=${2:?usage: sh scripts/azure-shape.sh N DIR [SEED]}
seed=${3:-2019}
case "$n$seed" in *[!0-9]*|'') echo "azure-shape: N and SEED are whole numbers" >&2; exit 2 ;; esac
[ "$n" -ge 1 ] || { echo "azure-shape: N is at least 1" >&2; exit 2; }
cd "$(dirname "$0")/.."
src=scenarios/traces/azure2019-500fn-8h
mkdir -p "$dir"
awk -F, -v n="$n" -v seed="$seed" -v out="$dir" '
  function u() { x = (16807 * x) % 2147483647; return x / 2147483647 }
  function id(kind, k) { return sprintf("%s%011x%052d", kind, k, 0) }
  FILENAME ~ /invocations/ && FNR > 1 { rows++; own[rows] = $1; app[rows] = $2; fn[rows] = $3; trig[rows] = $4
    for (m = 5; m <= NF; m++) c[rows, m - 5] = $m; width = NF - 4; next }
  FILENAME ~ /durations/ && FNR > 1 { d[$3] = $0; next }
  FILENAME ~ /memory/ && FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  FILENAME ~ /memory/ { mem[$col["HashFunction"]] = $0; next }
  END {
    x = seed % 2147483646 + 1
    inv = out "/invocations.csv"; dur = out "/durations.csv"; memf = out "/memory.csv"
    printf "HashOwner,HashApp,HashFunction,Trigger" > inv
    for (m = 1; m <= 1440; m++) printf ",%d", m > inv
    printf "\n" > inv
    print "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100" > dur
    print "HashFunction,HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100" > memf
    for (k = 0; k < n; k++) {
      j = 1 + int(u() * rows); if (j > rows) j = rows
      phase = int(u() * width); if (phase >= width) phase = width - 1
      o = id("0", k); a = id("a", k); f = id("f", k)
      line = o "," a "," f "," trig[j]
      for (m = 0; m < 1440; m++) line = line "," c[j, (m + phase) % width]
      print line > inv
      if (fn[j] in d) { split(d[fn[j]], p, ","); r = o "," a "," f; for (i = 4; i <= 14; i++) r = r "," p[i]; print r > dur }
      if (fn[j] in mem) { split(mem[fn[j]], p, ","); r = f "," o "," a; for (i = 4; i <= 13; i++) r = r "," p[i]; print r > memf }
    }
  }' "$src/invocations.csv" "$src/durations.csv" "$src/memory.csv"
echo "azure-shape: $n functions, one day, in $dir (invocations.csv, durations.csv, memory.csv)"
