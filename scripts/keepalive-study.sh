#!/bin/sh
# Keep-alive policies on the 500-function Azure sample: fixed 5-120 minutes and the hybrid
# histogram policy, each app kept as one unit, against fixed 10 minutes (the first column).
# Usage: sh scripts/keepalive-study.sh [extra slsim options, e.g. --duration 7200]
set -eu
slsim=${SLSIM:-./slsim}
ka=traffic[0].arrivals.function_defaults.keep_alive
exec "$slsim" compare scenarios/traces/keepalive-study.json --out results/keepalive-study \
  --variant "fixed-5min:$ka.idle_s=300" \
  --variant "fixed-20min:$ka.idle_s=1200" \
  --variant "fixed-30min:$ka.idle_s=1800" \
  --variant "fixed-60min:$ka.idle_s=3600" \
  --variant "fixed-120min:$ka.idle_s=7200" \
  --variant "hybrid:$ka={\"policy\":\"hybrid\"}" \
  "$@"
