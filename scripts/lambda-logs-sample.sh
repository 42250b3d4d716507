#!/bin/sh
# Writes the synthetic Lambda logs of scenarios/traces/lambda-logs/ (replayed by
# scenarios/traces/replay-lambda-logs.json): one hour of two made-up functions from a known
# model, in two of the shapes the lambda-report format reads. SYNTHETIC: no real account's
# traffic. Deterministic: a Park-Miller generator in integer-exact awk arithmetic, so any awk
# writes the same bytes.
#   api.log         raw CloudWatch lines (START, the function's output, END, REPORT), as an
#                   export or `aws logs tail` gives them: Poisson arrivals at 0.2/s, lognormal
#                   durations (median 90 ms), cold starts after 120 s idle (keep-alive);
#   thumbnail.csv   Logs Insights results as CSV (fields @timestamp, @log, @duration,
#                   @billedDuration, @memorySize and @maxMemoryUsed in bytes, @initDuration),
#                   sorted by @timestamp ascending: 0.05/s, median 800 ms, 2048 MB.
#   sh scripts/lambda-logs-sample.sh [DIR]     (default scenarios/traces/lambda-logs)
#   sh scripts/lambda-logs-sample.sh DIR sparse
#                   writes DIR/sparse.log only (for the calibrate tests): two days of a function
#                   called every 120 s on average with a 120-s keep-alive, so about a third of
#                   its invocations are cold (some 500 Init Durations); median 40 ms, 256 MB.
set -eu
dir=${1:-scenarios/traces/lambda-logs}
mkdir -p "$dir"
gen() {  # name rate median_ms sigma memory_mb seed shape [hours keep_alive_s]
  awk -v name="$1" -v rate="$2" -v median="$3" -v sigma="$4" -v mem="$5" -v seed="$6" -v shape="$7" \
      -v hours="${8:-1}" -v keep="${9:-120}" '
  function u() { x = (16807 * x) % 2147483647; return x / 2147483647 }
  function normal() { return sqrt(-2 * log(u())) * cos(6.283185307179586 * u()) }
  function iso(ms, sep, z,   s) { s = int(ms / 1000) + 43200
    return sprintf("2024-03-%02d%s%02d:%02d:%02d.%03d%s", 1 + int(s / 86400), sep, int(s % 86400 / 3600), int(s % 3600 / 60), s % 60, ms % 1000, z) }
  BEGIN {
    x = seed; t = 0; n = 0; ninst = 0
    while (1) {
      t += -log(u()) / rate
      if (t >= 3600 * hours) break
      dur = int(median * exp(sigma * normal()) * 100 + 0.5) / 100
      best = -1
      for (i = 0; i < ninst; i++)
        if (free[i] <= t && t - free[i] <= keep && (best < 0 || free[i] > free[best])) best = i
      init = -1
      if (best < 0) {
        init = int(245 * exp(0.3 * normal()) * 100 + 0.5) / 100
        for (i = 0; i < ninst && best < 0; i++) if (free[i] <= t) best = i
        if (best < 0) best = ninst++
      }
      end = t + ((init > 0 ? init : 0) + dur) / 1000
      free[best] = end
      endms[n] = int(end * 1000) + 1; d[n] = dur; in_[n] = init; st[n] = int(t * 1000); n++
    }
    # a log is in order of event time: sort by REPORT time (insertion sort; n is small)
    for (i = 1; i < n; i++) { e = endms[i]; dd = d[i]; ii = in_[i]; ss = st[i]
      for (j = i - 1; j >= 0 && endms[j] > e; j--) { endms[j+1] = endms[j]; d[j+1] = d[j]; in_[j+1] = in_[j]; st[j+1] = st[j] }
      endms[j+1] = e; d[j+1] = dd; in_[j+1] = ii; st[j+1] = ss }
    if (shape == "csv")
      print "@timestamp,@log,@requestId,@duration,@billedDuration,@memorySize,@maxMemoryUsed,@initDuration"
    else
      print "# SYNTHETIC log written by scripts/lambda-logs-sample.sh (no real traffic); lines without REPORT are skipped"
    for (i = 0; i < n; i++) {
      id = sprintf("%08x-5d1e-4c3b-9a7f-%012d", seed % 65536 * 65536 + i, i)
      billed = int(d[i]); if (billed < d[i]) billed++
      used = 60 + (i * 7) % 40
      if (shape == "csv") {
        printf "%s,123456789012:/aws/lambda/%s,%s,%.2f,%d,%d,%d,", iso(endms[i], " ", ""), name, id, d[i], billed, mem * 1000000, used * 1048576
        if (in_[i] >= 0) printf "%.2f", in_[i]
        printf "\n"
      } else {
        printf "%s START RequestId: %s Version: $LATEST\n", iso(st[i], "T", "Z"), id
        printf "%s\t%s\tINFO\thandled order %d\n", iso(st[i] + 1, "T", "Z"), id, i
        printf "%s END RequestId: %s\n", iso(endms[i], "T", "Z"), id
        printf "%s REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t", iso(endms[i], "T", "Z"), id, d[i], billed, mem, used
        if (in_[i] >= 0) printf "Init Duration: %.2f ms\t", in_[i]
        printf "\n"
      }
    }
  }'
}
if [ "${2:-}" = sparse ]; then
  gen nightly 0.008333333333 40 0.5 256 9157 raw 48 120 > "$dir/sparse.log"
  exit 0
fi
gen api 0.2 90 0.6 512 2385 raw > "$dir/api.log"
gen thumbnail 0.05 800 0.4 2048 7741 csv > "$dir/thumbnail.csv"
cat > "$dir/README.txt" <<'TXT'
SYNTHETIC Lambda logs (no real account's traffic), written by scripts/lambda-logs-sample.sh:
one hour of two made-up functions from a known model (Poisson arrivals, lognormal durations,
cold starts after 120 s idle). api.log is raw CloudWatch lines; thumbnail.csv is Logs Insights
results as CSV (memory in bytes). Replayed by scenarios/traces/replay-lambda-logs.json.
TXT
