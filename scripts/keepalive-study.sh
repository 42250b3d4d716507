#!/bin/sh
# Keep-alive policies on the 500-function Azure sample.
#   sh scripts/keepalive-study.sh [slsim options]
#     fixed 5-120 minutes and the hybrid histogram policy, each app kept as one unit,
#     against fixed 10 minutes (the first column): a compare.
#   sh scripts/keepalive-study.sh --memory [GB,GB,...] [--faascache] [slsim options]
#     FaasCache's comparison: one container per execution on a host of that memory (default
#     8,16,32,64,128 GB); a fixed 10-minute window evicting the least recently used, the
#     hybrid histogram policy per container, Greedy-Dual (the function's frequency, as
#     published) and Greedy-Dual with each container's own frequency: a sweep whose plot draws the
#     cold-start ratio (and the share of requests dropped for memory, its throttled_share)
#     against the host's memory, one line a policy. --faascache takes FaasCache's inputs:
#     each function's cold start its trace Maximum - Average duration, and a minute's
#     invocations spread evenly.
set -eu
slsim=${SLSIM:-./slsim}
ka=traffic[0].arrivals.function_defaults.keep_alive
if [ "${1:-}" = "--memory" ]; then
  shift
  sizes=8,16,32,64,128
  case "${1:-}" in [0-9]*) sizes=$1; shift ;; esac
  out=results/keepalive-memory
  if [ "${1:-}" = "--faascache" ]; then
    shift
    out=results/keepalive-memory-faascache
    set -- --set traffic[0].arrivals.cold_start=maximum-minus-average \
      --set traffic[0].arrivals.within_minute=even "$@"
  fi
  # The host's memory is the only limit (FaasCache's server): no account concurrency cap.
  exec "$slsim" sweep scenarios/traces/keepalive-study.json --out "$out" \
    --set platform.account_concurrency=10000000 \
    --vary "$ka={\"policy\":\"fixed\",\"idle_s\":600,\"scope\":\"instance\"},{\"policy\":\"hybrid\",\"scope\":\"instance\"},{\"policy\":\"greedy-dual\",\"scope\":\"instance\"},{\"policy\":\"greedy-dual\",\"scope\":\"instance\",\"frequency\":\"container\"}" \
    --vary "$ka.pool_gb=$sizes" \
    "$@"
fi
exec "$slsim" compare scenarios/traces/keepalive-study.json --out results/keepalive-study \
  --variant "fixed-5min:$ka.idle_s=300" \
  --variant "fixed-20min:$ka.idle_s=1200" \
  --variant "fixed-30min:$ka.idle_s=1800" \
  --variant "fixed-60min:$ka.idle_s=3600" \
  --variant "fixed-120min:$ka.idle_s=7200" \
  --variant "hybrid:$ka={\"policy\":\"hybrid\"}" \
  "$@"
