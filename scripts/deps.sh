#!/bin/sh
# Install the Debian packages slsim needs, only those missing; does nothing when all are present.
# `sh scripts/deps.sh fuzz` (make fuzz) adds clang and its libFuzzer runtime;
# `sh scripts/deps.sh test` (make test) adds headless Chromium, which checks report.html.
set -eu
pkgs="libgsl-dev libcjson-dev check pkg-config gnuplot-nox graphviz openmpi-bin libopenmpi-dev"
case "${1:-}" in
"") ;;
fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
test) pkgs="$pkgs chromium" ;;
*) echo "deps: unknown mode '$1' (none, test or fuzz)" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq $missing
