#!/bin/sh
# How many replications each exercise's answers need: every exercise's scenarios compared
# with --precision 2% (each one's p99 latency and monthly cost within 2% of their value, its
# completed share within 2 points: 95% half-widths), at most 100. Prints one line per
# exercise: its name, the replications its scenarios run, and the replications needed ("at
# most 10" when the first batch is enough, "over 100" when the cap stops it). With --check,
# compares them with the "**Replications:**" line of each exercise's page ("`--precision
# 2%` needs N to know ...") and fails on a difference (make validate).
# Usage: [ONLY="NN NN"] sh scripts/exercise-replications.sh [--check] [SLSIM]
set -eu
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
bin=${1:-./slsim}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for page in scenarios/exercises/[0-9]*.md; do
  name=$(basename "$page" .md)
  # ONLY="14 15" runs those exercises alone.
  if [ -n "${ONLY:-}" ] && ! echo " $ONLY " | grep -q " ${name%%-*} "; then continue; fi
  dir=scenarios/exercises/$name
  if [ -d "$dir" ]; then set -- "$dir"/*.json; else set -- scenarios/traces/keepalive-study.json; fi
  if [ $# -ge 2 ]; then cmd=compare; else cmd=run; fi
  if ! "$bin" $cmd "$@" --precision 2% --max-replications 100 --quiet --no-plots --out "$out/$name" \
      2>"$out/$name.err"; then
    echo "exercise-replications: $name: slsim $cmd failed: $(head -n 1 "$out/$name.err")" >&2
    status=1
    continue
  fi
  # The scenarios' own count and the count --precision reached (study.json or summary.json).
  own=$(sed -n 's/^[[:space:]]*"replications":[[:space:]]*\([0-9]*\).*/\1/p' "$1" | head -n 1)
  if [ $cmd = compare ]; then f=$out/$name/study.json; key=replications_max; else f=$out/$name/summary.json; key=replications; fi
  need=$(tr -d '\n\t ' < "$f" | sed -n "s/.*\"precision\":{[^}]*\"$key\":\([0-9]*\).*/\1/p")
  reached=$(tr -d '\n\t ' < "$f" | sed -n 's/.*"precision":{[^}]*"reached":\(true\|false\).*/\1/p')
  # --precision starts from 10: reached there, 10 or fewer would do.
  if [ "$reached" != true ]; then need="over 100"; elif [ "$need" = 10 ]; then need="at most 10"; fi
  echo "$name: scenarios run ${own:-5}, --precision 2% needs $need"
  if [ $check = 1 ]; then
    stated=$(tr '\n' ' ' < "$page" | sed -n 's/.*\*\*Replications:\*\* .*`--precision 2%` needs \([a-z ]*[0-9][0-9]*\) to know .*/\1/p')
    if [ "$stated" != "$need" ]; then
      echo "exercise-replications: $page says '$stated', --precision 2% needs $need" >&2
      status=1
    fi
  fi
done
exit $status
