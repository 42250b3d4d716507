#!/bin/sh
# The profile-guided build of slsim (Makefile, PGO=1, the default for ./slsim): compile with
# instrumentation, run the training set (scripts/pgo-train.sh), compile again with the
# profile, in one folder both times (GCC keys a static function's profile by its object's
# path, so the second compile must write the same objects the first did).
#
#   sh scripts/pgo-build.sh MAKE OPT DIR OUT
set -eu
make=$1 opt=$2 dir=$3 out=$4
$make --no-print-directory PGO=0 BUILD="$dir" BIN="$dir/slsim-train" \
  OPT="$opt -fprofile-generate -fprofile-update=atomic" "$dir/slsim-train"
find "$dir" -name '*.gcda' -delete
echo "pgo: running the training set (scripts/pgo-train.sh)"
sh scripts/pgo-train.sh "$dir/slsim-train"
find "$dir" -name '*.o' -delete
$make --no-print-directory PGO=0 BUILD="$dir" BIN="$out" \
  OPT="$opt -fprofile-use -fprofile-partial-training -Wno-missing-profile" "$out"
