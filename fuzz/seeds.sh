#!/bin/sh
# fuzz/seeds.sh OUT — builds the seed corpora that scripts/fuzz.sh hands the fuzz targets
# besides the hand-written ones in fuzz/seeds/<target>/, from what the repository ships:
#   OUT/scenario/   every scenario (scenarios/**/*.json, tests/scenarios/**/*.json), with trace
#                   paths pointed at the harness's sample traces (fuzz/harness.c);
#   OUT/azure2019/  a cut of each azure2019 trace in scenarios/traces/ (four quiet functions,
#                   twelve minutes), alone and with their rows of the durations and memory
#                   files, joined by the separator byte 0x1e;
#   OUT/azure2021/  the head of each azure2021 trace;
#   OUT/csv/        the head of each plain csv trace (a timestamp_s column);
#   OUT/set/        the --set assignments of the tests (tests/*.c), one a file;
#   OUT/scenario.dict  libFuzzer dictionary: every identifier-like string literal of the
#                   scenario reader (keys and enum values), quoted as JSON;
#   OUT/set.dict    the same names bare, with the path syntax and names of FUZZ_SET_BASE.
# Seeds are cut small because libFuzzer mutates faster on small inputs.
set -eu
out=${1:-build-fuzz/seeds}
rm -rf "$out"
mkdir -p "$out/scenario" "$out/azure2019" "$out/azure2021" "$out/csv" "$out/set"

for f in $(find scenarios tests/scenarios -name '*.json' 2>/dev/null | sort); do
  name=$(echo "$f" | tr / _)
  sed -e 's|"[^"]*durations[^"]*\.csv"|"sample-2019-durations.csv"|' \
      -e 's|"[^"]*memory[^"]*\.csv"|"sample-2019-memory.csv"|' \
      -e 's|"[^"]*azure2019[^"]*\.csv"|"sample-2019.csv"|' \
      -e 's|"[^"]*azure2021[^"]*\.csv"|"sample-2021.csv"|' "$f" > "$out/scenario/$name"
done

sep=$(printf '\036')
for f in $(find scenarios/traces -name '*.csv' 2>/dev/null | sort); do
  name=$(echo "$f" | tr / _)
  header=$(head -n 1 "$f" | tr -d '\r')
  case "$header" in
  HashOwner,HashApp,HashFunction,Trigger,*)
    # Twelve minutes of the first four functions quiet enough to run (the busy ones would
    # exceed the harness's arrival limit), and their rows of the side files.
    dir=$(dirname "$f")
    awk -F, 'NR == 1 { print; next }
             { s = 0; for (i = 5; i <= 16 && i <= NF; i++) s += $i }
             s <= 400 && n < 4 { print; n++ }' "$f" | cut -d, -f1-16 > "$out/azure2019/$name"
    tail -n +2 "$out/azure2019/$name" | cut -d, -f3 > "$out/functions"
    {
      cat "$out/azure2019/$name"
      for side in durations memory; do
        printf '%s' "$sep"
        if [ -f "$dir/$side.csv" ]; then
          head -n 1 "$dir/$side.csv"
          grep -F -f "$out/functions" "$dir/$side.csv" || true
        fi
      done
    } > "$out/azure2019/with-side-files-$name"
    rm -f "$out/functions"
    ;;
  app,func,end_timestamp,duration*)
    head -n 30 "$f" > "$out/azure2021/$name"
    ;;
  *timestamp_s*)
    head -n 30 "$f" > "$out/csv/$name"
    ;;
  esac
done

# Keys and enum names: identifier-like string literals of the readers.
{
  for t in '{' '}' '[' ']' ':' ',' 'true' 'false' 'null' '//' '/*' '*/' '1e308' '-1' '0.5' '4294967296'; do
    printf '"%s"\n' "$t"
  done
  grep -ohE '"[a-z][a-z0-9_-]{1,40}"' models/*.c models/*/*.c sim/cfg.c | sort -u | sed 's/^"\(.*\)"$/"\\"\1\\""/'
} > "$out/scenario.dict"

# --set assignments the tests use: "--set PATH=VALUE" and "--set 'PATH=VALUE'" in C strings.
grep -ohE -- "--set '?[A-Za-z_][^ \"'=]*=[^ \"']*" tests/*.c 2>/dev/null | sed -e "s/^--set '\{0,1\}//" |
  sort -u | awk -v out="$out/set" '{ f = sprintf("%s/test-%03d.txt", out, NR); print > f; close(f) }'

# Bare names (paths are not JSON), the path syntax, and the names of FUZZ_SET_BASE's parts.
{
  for t in '=' '.' '[0]' '[1]' '[2]' '{}' '[]' 'true' 'null' '1e308' '-1' '0.5' '"x"' \
           'components' 'traffic' 'tenants' 'api' 'q' 'worker' 'gold' 'free' 'c' 's' 'arrivals' 'client'; do
    printf '"%s"\n' "$(printf '%s' "$t" | sed 's/"/\\"/g')"
  done
  grep -ohE '"[a-z][a-z0-9_-]{1,40}"' models/*.c models/*/*.c sim/cfg.c | sort -u
} > "$out/set.dict"
