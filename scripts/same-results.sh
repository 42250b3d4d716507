#!/bin/sh
# Every scenario under scenarios/, run by the slsim of revision BASE and by this checkout's,
# must give byte-identical summary.json: the check a refactoring (or any change that should
# not move a figure) passes before it lands.
#
#   sh scripts/same-results.sh BASE [DURATION_S]      e.g. sh scripts/same-results.sh HEAD~3
#
# BASE is built in a temporary git worktree; each scenario runs for DURATION_S (default 300)
# simulated seconds, 2 replications, one thread, no plots. A scenario the base refuses must
# be refused the same way. Prints one line per difference and a count; exits 1 on any.
# SAME_RESULTS_KEEP=DIR keeps both sides' results folders under DIR (out-base, out-new) for
# a closer look (a change that adds or drops named keys on purpose).
set -eu
base=${1:?usage: sh scripts/same-results.sh BASE [DURATION_S]}
duration=${2:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
keep=${SAME_RESULTS_KEEP:-}
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true
      if [ -n "$keep" ]; then mkdir -p "$keep" && cp -r "$work/out-base" "$work/out-new" "$keep/"; fi
      rm -rf "$work"' EXIT INT TERM
git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null 2>&1
make -C "$work/base" --no-print-directory -s slsim >/dev/null
make -C "$root" --no-print-directory -s slsim >/dev/null
mkdir -p "$work/out-base" "$work/out-new"
diffs=0
n=0
for f in $(cd "$root" && find scenarios -name '*.json' | sort); do
  n=$((n + 1))
  for side in base new; do
    bin=$root/slsim
    [ "$side" = base ] && bin=$work/base/slsim
    out=$work/out-$side/$(echo "$f" | tr / _)
    (cd "$root" && SLSIM_NO_PLOTS=1 "$bin" run "$f" --out "$out" --quiet --duration "$duration" \
       --replications 2 --threads 1 >/dev/null 2>"$out.err"; echo $? > "$out.rc") || true
  done
  b=$work/out-base/$(echo "$f" | tr / _)
  c=$work/out-new/$(echo "$f" | tr / _)
  if ! cmp -s "$b.rc" "$c.rc"; then
    echo "DIFFERENT exit status: $f (base $(cat "$b.rc"), new $(cat "$c.rc"))"
    diffs=$((diffs + 1))
  elif [ -f "$b/summary.json" ] && ! cmp -s "$b/summary.json" "$c/summary.json"; then
    echo "DIFFERENT summary.json: $f"
    diffs=$((diffs + 1))
  fi
done
echo "same-results: $n scenarios, $diffs different (base $base, ${duration} s, 2 replications)"
[ "$diffs" -eq 0 ]
